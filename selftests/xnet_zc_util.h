/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the zero-copy and splice tests (xnet_zerocopy.c,
 * xnet_splice.c): SHA-256 (xnet_sha256.h, shared with xnet_bulk.c), a
 * fast deterministic payload, and a connected pair of connection
 * sockets between the test's netns (A, on xa) and a peer netns (B, on
 * xb) joined by a veth. Include after xnet_util.h.
 */
#ifndef _XNET_ZC_UTIL_H
#define _XNET_ZC_UTIL_H

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/time.h>

#define ZC_A_ADDR	"10.0.0.1"
#define ZC_B_ADDR	"10.0.0.2"

#include "xnet_sha256.h"

/* Byte range [off, off + len) of the test payload (8-byte aligned off). */
static inline void zc_fill(uint8_t *buf, size_t len, uint64_t off)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t x = (off + i) * 0x9e3779b97f4a7c15ULL;

		x ^= x >> 31;
		x *= 0xbf58476d1ce4e5b9ULL;
		x ^= x >> 29;
		memcpy(buf + i, &x, len - i < 8 ? len - i : 8);
	}
}

static inline int zc_mul(void)
{
	const char *e = getenv("XNET_TIMEOUT_MUL");
	int mul = e ? atoi(e) : 1;

	return mul >= 1 && mul <= 20 ? mul : 1;
}

struct zc_pair {
	char peer[32];
	int own_ns, peer_ns;
};

/* The test's netns and its peer's, joined by xa (ours) and xb. */
static inline int zc_pair_setup(struct zc_pair *p, const char *tag)
{
	char path[64];

	snprintf(p->peer, sizeof(p->peer), "%s-%d", tag, getpid());
	if (unshare(CLONE_NEWNET))
		return -1;
	if (xu_sh("ip link set lo up && ip netns add %s && "
		  "ip link add xa type veth peer name xb && "
		  "ip link set xb netns %s && ip link set xa up && "
		  "ip -n %s link set lo up && ip -n %s link set xb up && "
		  "xnetctl addr add " ZC_A_ADDR " dev xa && "
		  "ip netns exec %s xnetctl addr add " ZC_B_ADDR " dev xb",
		  p->peer, p->peer, p->peer, p->peer, p->peer))
		return -1;
	p->own_ns = open("/proc/self/ns/net", O_RDONLY);
	snprintf(path, sizeof(path), "/run/netns/%s", p->peer);
	p->peer_ns = open(path, O_RDONLY);
	return p->own_ns < 0 || p->peer_ns < 0 ? -1 : 0;
}

static inline void zc_pair_teardown(struct zc_pair *p)
{
	close(p->own_ns);
	close(p->peer_ns);
	xu_sh("ip netns del %s 2>/dev/null", p->peer);
}

static inline void zc_timeo(int fd, int opt, int sec)
{
	struct timeval tv = { .tv_sec = sec * zc_mul() };

	setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/*
 * A connection of @type from A (*cli) to B (*srv, accepted in the peer
 * netns). 0 or -1.
 */
static inline int zc_connect(struct zc_pair *p, int type, uint16_t port,
			     int *cli, int *srv)
{
	struct sockaddr_xnet b = xu_sa(ZC_B_ADDR, port);
	int l, c;

	if (setns(p->peer_ns, CLONE_NEWNET))
		return -1;
	l = socket(AF_XNET, type, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&b, sizeof(b)) || listen(l, 4)) {
		setns(p->own_ns, CLONE_NEWNET);
		return -1;
	}
	if (setns(p->own_ns, CLONE_NEWNET))
		return -1;
	c = socket(AF_XNET, type, 0);
	zc_timeo(c, SO_SNDTIMEO, 20);
	if (c < 0 || connect(c, (struct sockaddr *)&b, sizeof(b))) {
		close(l);
		return -1;
	}
	*srv = accept(l, NULL, NULL);
	close(l);
	if (*srv < 0)
		return -1;
	zc_timeo(*srv, SO_RCVTIMEO, 20);
	*cli = c;
	return 0;
}

#endif /* _XNET_ZC_UTIL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Datagram batching (issue 14): XNET_SEGMENT (one send leaves as many
 * datagrams, module/dgram.c and offload.c), XNET_GRO (one recvmsg takes a
 * run of them back), sendmmsg/recvmmsg on datagram sockets.
 *
 * Two namespaces joined by a veth pair: the test's own (the receiver,
 * xsb, 10.0.9.2) and xs-snd-PID (the sender, xsa, 10.0.9.1). The sender's
 * socket is made in its namespace (setns) and used from here. The bulk
 * runs go in lock step (each send's datagrams are all read before the
 * next send) into a large receive buffer, so the receiver can never
 * overrun: InBufferErrors must not move and every datagram must arrive,
 * in order (the process stays on one CPU: a veth's receive backlog is
 * the sending CPU's, so sends from two CPUs may overtake each other).
 * Veth passes a segmented frame whole when it fits its
 * gso_max_size (the receiver cuts it, dgram.c) and cuts it on the sender
 * otherwise (64 KiB sends, or tx-gso-list off): the "paths" test shows
 * both on the receiver's wire with AF_PACKET, and that every frame cut
 * for a device carries a valid CRC.
 *
 * The bulk runs make sends() sends of 64 KiB: the 10 000 with
 * XNET_VM_APPEND=xnetseg.sends=10000 (minutes under emulation).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"

#define RCV_ADDR	"10.0.9.2"
#define SND_ADDR	"10.0.9.1"
#define RPORT		6000
#define SPORT		5000
#define SEG		1000
#define BIG		65536
#define BIG_SEGS	66		/* 65 of 1000 bytes, one of 536 */
#define LAST		(BIG - (BIG_SEGS - 1) * SEG)
#define DGRAM_MAX	(1500 - XU_HLEN)
#define KEY		"000102030405060708090a0b0c0d0e0f" \
			"101112131415161718191a1b1c1d1e1f"

#ifndef SOL_XNET
#define SOL_XNET	287
#endif

FIXTURE(seg) {
	char peer[32];
	int own_ns, peer_ns;
	int snd, rcv;
	unsigned int mul;
};

static unsigned int timeout_mul(void)
{
	const char *e = getenv("XNET_TIMEOUT_MUL");
	int mul = e ? atoi(e) : 1;

	return mul >= 1 && mul <= 20 ? mul : 1;
}

/* A datagram socket of the current netns bound to @addr:@port. */
static int xsock(const char *addr, uint16_t port, unsigned int mul)
{
	struct timeval tv = { .tv_sec = 10 * mul };
	struct sockaddr_xnet sa = xu_sa(addr, port);
	int fd = socket(AF_XNET, SOCK_DGRAM, 0);
	int big = 16 << 20;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int xconnect(int fd, const char *addr, uint16_t port)
{
	struct sockaddr_xnet sa = xu_sa(addr, port);

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* A counter of the netns @ns (an open /proc/.../ns/net), -1 on error. */
static long long ns_counter(FIXTURE_DATA(seg) *self, int ns, const char *n)
{
	long long v;

	if (setns(ns, CLONE_NEWNET))
		return -1;
	v = xu_counter(n);
	if (setns(self->own_ns, CLONE_NEWNET))
		return -1;
	return v;
}

static int set_int(int fd, int opt, int val)
{
	return setsockopt(fd, SOL_XNET, opt, &val, sizeof(val));
}

static int get_int(int fd, int opt)
{
	socklen_t len = sizeof(int);
	int val = -1;

	if (getsockopt(fd, SOL_XNET, opt, &val, &len) || len != sizeof(int))
		return -1;
	return val;
}

/* Send @len bytes with a per-call segment size (cmsg). */
static ssize_t send_seg(int fd, const void *buf, size_t len, int gso,
			int cmsg_len)
{
	char ctl[CMSG_SPACE(sizeof(uint16_t)) + 8] = { 0 };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	uint16_t v = gso;

	msg.msg_control = ctl;
	msg.msg_controllen = CMSG_SPACE(cmsg_len);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_XNET;
	cm->cmsg_type = XNET_SEGMENT;
	cm->cmsg_len = CMSG_LEN(cmsg_len);
	memcpy(CMSG_DATA(cm), &v, sizeof(v));
	return sendmsg(fd, &msg, 0);
}

/* Sizes of the datagrams queued on @fd, read until none is left. */
static int drain(int fd, int *sizes, int max)
{
	static char buf[BIG];
	int n = 0;
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
		if (n < max)
			sizes[n] = r;
		n++;
	}
	return n;
}

/* Wait (bounded) until the receiver's netns has taken @n datagrams. */
static int wait_in(long long n, unsigned int mul)
{
	double end = xu_now() + 10.0 * mul;

	while (xu_counter("InDatagrams") < n) {
		if (xu_now() > end)
			return -1;
		xu_msleep(5);
	}
	return 0;
}

/* Wait (bounded) until @fd has something to read. */
static int readable(int fd, unsigned int mul)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 10000 * mul) == 1 ? 0 : -1;
}

FIXTURE_SETUP(seg)
{
	char path[64], buf[8];

	cpu_set_t one;

	/*
	 * A veth hands each frame to the backlog of the sending CPU: a
	 * sender that moves between CPUs may see two sends overtake each
	 * other (UDP's too). Pinned, order across sends is the backlog's.
	 */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	self->mul = timeout_mul();
	snprintf(self->peer, sizeof(self->peer), "xs-snd-%d", getpid());
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, xu_sh("ip link set lo up && ip netns add %s && "
			   "ip link add xsb type veth peer name xsa && "
			   "ip link set xsa netns %s && ip link set xsb up && "
			   "xnetctl addr add " RCV_ADDR " dev xsb && "
			   "ip -n %s link set xsa up && "
			   "ip netns exec %s xnetctl addr add " SND_ADDR
			   " dev xsa", self->peer, self->peer, self->peer,
			   self->peer));
	self->own_ns = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_LE(0, self->own_ns);
	snprintf(path, sizeof(path), "/run/netns/%s", self->peer);
	self->peer_ns = open(path, O_RDONLY);
	ASSERT_LE(0, self->peer_ns);

	ASSERT_EQ(0, setns(self->peer_ns, CLONE_NEWNET));
	self->snd = xsock(SND_ADDR, SPORT, self->mul);
	ASSERT_EQ(0, setns(self->own_ns, CLONE_NEWNET));
	ASSERT_LE(0, self->snd);
	ASSERT_EQ(0, xconnect(self->snd, RCV_ADDR, RPORT));
	self->rcv = xsock(RCV_ADDR, RPORT, self->mul);
	ASSERT_LE(0, self->rcv);
	/* the neighbour is resolved before anything is counted */
	ASSERT_EQ(2, send(self->snd, "hi", 2, 0));
	ASSERT_EQ(2, recv(self->rcv, buf, sizeof(buf), 0));
}

FIXTURE_TEARDOWN(seg)
{
	close(self->snd);
	close(self->rcv);
	close(self->peer_ns);
	close(self->own_ns);
	xu_sh("ip netns del %s 2>/dev/null", self->peer);
}

/* 64 KiB whose segment @s starts with (send @i, segment @s). */
static void stamp(uint8_t *buf, uint32_t i)
{
	int s;

	for (s = 0; s < BIG_SEGS; s++) {
		xu_put32(buf + s * SEG, 0, i);
		xu_put16(buf + s * SEG, 4, s);
	}
}

/* Is @d (@len bytes) segment @s of send @i? */
static int check_seg(const uint8_t *d, size_t len, const uint8_t *pat,
		     uint32_t i, int s)
{
	size_t want = s == BIG_SEGS - 1 ? LAST : SEG;

	return len == want && xu_get32(d, 0) == i && xu_get16(d, 4) == s &&
	       !memcmp(d + 6, pat + s * SEG + 6, len - 6);
}

static uint8_t *pattern(void)
{
	uint8_t *pat = malloc(BIG);

	if (pat)
		xu_fill(pat, BIG, 14, 1);
	return pat;
}

/*
 * The bulk runs' 64 KiB sends: XNET_SEG_SENDS, or xnetseg.sends=N on the
 * kernel command line (XNET_VM_APPEND), else SENDS_DEFAULT: the issue's
 * 10 000 take minutes under emulation, beyond make check's budget.
 */
#define SENDS_DEFAULT	600
static long sends(void)
{
	const char *e = getenv("XNET_SEG_SENDS");
	char line[4096], *p;
	long n = e ? atol(e) : 0;
	FILE *f;

	if (n <= 0 && (f = fopen("/proc/cmdline", "r"))) {
		if (fgets(line, sizeof(line), f) &&
		    (p = strstr(line, "xnetseg.sends=")))
			n = atol(p + strlen("xnetseg.sends="));
		fclose(f);
	}
	return n > 0 ? n : SENDS_DEFAULT;
}

/*
 * 10 000 sends of 64 KiB in segments of 1000 bytes (sends()): exactly
 * 655 360 000 bytes in datagrams of 1000 bytes and 536 for each send's
 * last, in order, none lost; read with recvmmsg.
 */
TEST_F_TIMEOUT(seg, bulk, 900)
{
	long n = sends(), i;
	long long c0[4], c1[4], bytes = 0;
	static uint8_t rb[BIG_SEGS][2048];
	struct mmsghdr mm[BIG_SEGS];
	struct iovec iov[BIG_SEGS];
	uint8_t *pat = pattern(), *buf = malloc(BIG);
	double t0;
	int k;

	ASSERT_NE(NULL, pat);
	ASSERT_NE(NULL, buf);
	memcpy(buf, pat, BIG);
	ASSERT_EQ(0, set_int(self->snd, XNET_SEGMENT, SEG));
	c0[0] = xu_counter("InDatagrams");
	c0[1] = xu_counter("InBufferErrors");
	c0[2] = xu_counter("InCsumErrors");
	c0[3] = ns_counter(self, self->peer_ns, "OutSegmented");
	for (k = 0; k < 4; k++)
		ASSERT_LE(0, c0[k]);

	t0 = xu_now();
	for (i = 0; i < n; i++) {
		int got = 0;

		stamp(buf, i);
		ASSERT_EQ(BIG, send(self->snd, buf, BIG, 0));
		while (got < BIG_SEGS) {
			int r;

			for (k = got; k < BIG_SEGS; k++) {
				iov[k].iov_base = rb[k];
				iov[k].iov_len = sizeof(rb[k]);
				memset(&mm[k], 0, sizeof(mm[k]));
				mm[k].msg_hdr.msg_iov = &iov[k];
				mm[k].msg_hdr.msg_iovlen = 1;
			}
			r = recvmmsg(self->rcv, mm + got, BIG_SEGS - got,
				     MSG_WAITFORONE, NULL);
			ASSERT_LT(0, r) TH_LOG("send %ld: %d of %d datagrams",
					       i, got, BIG_SEGS);
			for (k = got; k < got + r; k++) {
				ASSERT_EQ(0, mm[k].msg_hdr.msg_flags & MSG_TRUNC);
				ASSERT_TRUE(check_seg(rb[k], mm[k].msg_len, pat,
						      i, k))
					TH_LOG("send %ld datagram %d: %u bytes",
					       i, k, mm[k].msg_len);
				bytes += mm[k].msg_len;
			}
			got += r;
		}
	}
	TH_LOG("%ld sends of 64 KiB: %lld bytes in %.1f s (%.0f Mbit/s)",
	       n, bytes, xu_now() - t0, bytes * 8 / 1e6 / (xu_now() - t0));
	ASSERT_EQ(n * (long long)BIG, bytes);
	if (n == 10000)
		ASSERT_EQ(655360000LL, bytes);
	c1[0] = xu_counter("InDatagrams");
	c1[1] = xu_counter("InBufferErrors");
	c1[2] = xu_counter("InCsumErrors");
	c1[3] = ns_counter(self, self->peer_ns, "OutSegmented");
	ASSERT_EQ(n * BIG_SEGS, c1[0] - c0[0]);
	ASSERT_EQ(0, c1[1] - c0[1]);
	ASSERT_EQ(0, c1[2] - c0[2]);
	ASSERT_EQ(n * BIG_SEGS, c1[3] - c0[3]);
	free(pat);
	free(buf);
}

/*
 * The same with XNET_GRO on the receiver: each recvmsg returns whole
 * datagrams, a run of them with the segment size in a control message;
 * the 64 KiB frames cross the veth whole.
 */
TEST_F_TIMEOUT(seg, bulk_gro, 900)
{
	long n = sends() / 2, i;
	long long c0, bytes = 0, calls = 0;
	uint8_t *pat = pattern(), *buf = malloc(BIG), *rb = malloc(BIG);
	char ctl[CMSG_SPACE(sizeof(int))];
	double t0;

	ASSERT_NE(NULL, pat);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, rb);
	memcpy(buf, pat, BIG);
	/*
	 * 64 KiB and the headers exceed a veth's gso_max_size (64 KiB): the
	 * sender would cut them (as in "bulk"); raised, they cross whole and
	 * the receiver cuts them.
	 */
	ASSERT_EQ(0, xu_sh("ip -n %s link set xsa gso_max_size 131072",
			   self->peer));
	ASSERT_EQ(0, set_int(self->snd, XNET_SEGMENT, SEG));
	ASSERT_EQ(0, set_int(self->rcv, XNET_GRO, 1));
	ASSERT_EQ(1, get_int(self->rcv, XNET_GRO));
	c0 = xu_counter("InBufferErrors");
	ASSERT_LE(0, c0);

	t0 = xu_now();
	for (i = 0; i < n; i++) {
		int got = 0;

		stamp(buf, i);
		ASSERT_EQ(BIG, send(self->snd, buf, BIG, 0));
		while (got < BIG) {
			struct iovec iov = { rb, BIG };
			struct msghdr m = {
				.msg_iov = &iov, .msg_iovlen = 1,
				.msg_control = ctl,
				.msg_controllen = sizeof(ctl),
			};
			struct cmsghdr *cm;
			int r, gso = 0, off;

			r = recvmsg(self->rcv, &m, 0);
			ASSERT_LT(0, r) TH_LOG("send %ld: %d bytes", i, got);
			calls++;
			ASSERT_EQ(0, m.msg_flags & (MSG_TRUNC | MSG_CTRUNC));
			cm = CMSG_FIRSTHDR(&m);
			if (cm) {
				ASSERT_EQ(SOL_XNET, cm->cmsg_level);
				ASSERT_EQ(XNET_GRO, cm->cmsg_type);
				memcpy(&gso, CMSG_DATA(cm), sizeof(gso));
				ASSERT_EQ(SEG, gso);
				ASSERT_LT(SEG, r);
			} else {
				ASSERT_TRUE(r == SEG || r == LAST) TH_LOG("%d", r);
			}
			ASSERT_EQ(0, got % SEG);
			ASSERT_LE(got + r, BIG);
			for (off = 0; off < r; off += SEG)
				ASSERT_TRUE(check_seg(rb + off,
						      r - off < SEG ? r - off : SEG,
						      pat, i, (got + off) / SEG));
			got += r;
			bytes += r;
		}
	}
	TH_LOG("%ld sends of 64 KiB read in %lld calls: %.1f s (%.0f Mbit/s)",
	       n, calls, xu_now() - t0, bytes * 8 / 1e6 / (xu_now() - t0));
	ASSERT_EQ(n * (long long)BIG, bytes);
	ASSERT_EQ(0, xu_counter("InBufferErrors") - c0);
	/* runs were merged: far fewer calls than datagrams */
	ASSERT_GT(n * BIG_SEGS / 2, calls);
	free(pat);
	free(buf);
	free(rb);
}

/*
 * XNET_GRO's rules on crafted queues: one sender and address per run,
 * one size (a shorter one ends it), never more than the buffer holds,
 * a lone datagram without the control message.
 */
TEST_F(seg, gro_rules)
{
	char ctl[CMSG_SPACE(sizeof(int))], buf[8192], d[SEG];
	int other, r, gso;
	long long in0;
	struct cmsghdr *cm;
	struct iovec iov;
	struct msghdr m;

#define RECV_GRO(len) ({						\
	iov.iov_base = buf; iov.iov_len = (len);			\
	memset(&m, 0, sizeof(m));					\
	m.msg_iov = &iov; m.msg_iovlen = 1;				\
	m.msg_control = ctl; m.msg_controllen = sizeof(ctl);		\
	r = recvmsg(self->rcv, &m, MSG_DONTWAIT);			\
	cm = CMSG_FIRSTHDR(&m); gso = -1;				\
	if (cm && cm->cmsg_level == SOL_XNET && cm->cmsg_type == XNET_GRO) \
		memcpy(&gso, CMSG_DATA(cm), sizeof(gso));		\
	r; })

	memset(d, 7, sizeof(d));
	ASSERT_EQ(0, set_int(self->rcv, XNET_GRO, 1));
	ASSERT_EQ(0, setns(self->peer_ns, CLONE_NEWNET));
	other = xsock(SND_ADDR, SPORT + 1, self->mul);
	ASSERT_EQ(0, setns(self->own_ns, CLONE_NEWNET));
	ASSERT_LE(0, other);
	ASSERT_EQ(0, xconnect(other, RCV_ADDR, RPORT));

	/* A A A B B A: three runs and a lone one */
	in0 = xu_counter("InDatagrams");
	ASSERT_LE(0, in0);
	ASSERT_EQ(SEG, send(self->snd, d, SEG, 0));
	ASSERT_EQ(SEG, send(self->snd, d, SEG, 0));
	ASSERT_EQ(SEG, send(self->snd, d, SEG, 0));
	ASSERT_EQ(SEG, send(other, d, SEG, 0));
	ASSERT_EQ(SEG, send(other, d, SEG, 0));
	ASSERT_EQ(SEG, send(self->snd, d, SEG, 0));
	/* the buffer holds two and a half: two, then one */
	ASSERT_EQ(0, wait_in(in0 += 6, self->mul));
	ASSERT_EQ(2 * SEG, RECV_GRO(2 * SEG + SEG / 2));
	ASSERT_EQ(SEG, gso);
	ASSERT_EQ(SEG, RECV_GRO(sizeof(buf)));
	ASSERT_EQ(-1, gso);	/* one datagram: no control message */
	ASSERT_EQ(2 * SEG, RECV_GRO(sizeof(buf)));
	ASSERT_EQ(SEG, gso);
	ASSERT_EQ(SEG, RECV_GRO(sizeof(buf)));
	ASSERT_EQ(-1, gso);
	ASSERT_EQ(-1, RECV_GRO(sizeof(buf)));
	ASSERT_EQ(EAGAIN, errno);

	/* sizes 1000 800 1000: a shorter one ends a run */
	ASSERT_EQ(SEG, send(self->snd, d, SEG, 0));
	ASSERT_EQ(800, send(self->snd, d, 800, 0));
	ASSERT_EQ(SEG, send(self->snd, d, SEG, 0));
	ASSERT_EQ(0, wait_in(in0 += 3, self->mul));
	ASSERT_EQ(SEG + 800, RECV_GRO(sizeof(buf)));
	ASSERT_EQ(SEG, gso);
	ASSERT_EQ(SEG, RECV_GRO(sizeof(buf)));
	ASSERT_EQ(-1, gso);
	/* a short buffer takes one, truncated, as without XNET_GRO */
	ASSERT_EQ(SEG, send(self->snd, d, SEG, 0));
	ASSERT_EQ(SEG, send(self->snd, d, SEG, 0));
	ASSERT_EQ(0, wait_in(in0 += 2, self->mul));
	ASSERT_EQ(100, RECV_GRO(100));
	ASSERT_NE(0, m.msg_flags & MSG_TRUNC);
	ASSERT_EQ(-1, gso);
	ASSERT_EQ(SEG, RECV_GRO(sizeof(buf)));
	ASSERT_EQ(-1, RECV_GRO(sizeof(buf)));
	/* off again: one datagram per call */
	ASSERT_EQ(0, set_int(self->rcv, XNET_GRO, 0));
	ASSERT_EQ(0, get_int(self->rcv, XNET_GRO));
	ASSERT_EQ(SEG, send(self->snd, d, SEG, 0));
	ASSERT_EQ(SEG, send(self->snd, d, SEG, 0));
	ASSERT_EQ(0, wait_in(in0 += 2, self->mul));
	ASSERT_EQ(SEG, RECV_GRO(sizeof(buf)));
	ASSERT_EQ(-1, gso);
	ASSERT_EQ(SEG, RECV_GRO(sizeof(buf)));
	close(other);
#undef RECV_GRO
}

/* Errors, the option read back, the control message overriding it. */
TEST_F(seg, errors)
{
	static uint8_t buf[BIG + 1];
	int sizes[200], val, n;
	long long s0, in0;

	ASSERT_EQ(0, get_int(self->snd, XNET_SEGMENT));
	val = -1;
	ASSERT_EQ(-1, setsockopt(self->snd, SOL_XNET, XNET_SEGMENT, &val,
				 sizeof(val)));
	ASSERT_EQ(EINVAL, errno);
	val = 65536;
	ASSERT_EQ(-1, setsockopt(self->snd, SOL_XNET, XNET_SEGMENT, &val,
				 sizeof(val)));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, setsockopt(self->snd, SOL_XNET, XNET_SEGMENT, &val, 2));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, set_int(self->snd, XNET_SEGMENT, SEG));
	ASSERT_EQ(SEG, get_int(self->snd, XNET_SEGMENT));
	ASSERT_EQ(0, get_int(self->snd, XNET_GRO));

	/* above 64 KiB: EMSGSIZE */
	ASSERT_EQ(-1, send(self->snd, buf, BIG + 1, 0));
	ASSERT_EQ(EMSGSIZE, errno);
	/* a segment larger than the path's datagram: EINVAL, any length */
	ASSERT_EQ(0, set_int(self->snd, XNET_SEGMENT, DGRAM_MAX + 1));
	ASSERT_EQ(-1, send(self->snd, buf, 3000, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, send(self->snd, buf, 100, 0));
	ASSERT_EQ(EINVAL, errno);
	/* more than XNET_SEGMENT_MAX_SEGS segments: EINVAL */
	ASSERT_EQ(0, set_int(self->snd, XNET_SEGMENT, 511));
	ASSERT_EQ(-1, send(self->snd, buf, BIG, 0));
	ASSERT_EQ(EINVAL, errno);
	/* a bad control message: EINVAL */
	ASSERT_EQ(-1, send_seg(self->snd, buf, 3000, SEG, 4));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, drain(self->rcv, sizes, 200));

	s0 = ns_counter(self, self->peer_ns, "OutSegmented");
	ASSERT_LE(0, s0);
	in0 = xu_counter("InDatagrams");
	ASSERT_LE(0, in0);
	/* the largest: 128 segments of 512, and the path's largest size */
	ASSERT_EQ(0, set_int(self->snd, XNET_SEGMENT, 512));
	ASSERT_EQ(BIG, send(self->snd, buf, BIG, 0));
	ASSERT_EQ(0, set_int(self->snd, XNET_SEGMENT, DGRAM_MAX));
	ASSERT_EQ(3 * DGRAM_MAX, send(self->snd, buf, 3 * DGRAM_MAX, 0));
	ASSERT_EQ(0, wait_in(in0 += 131, self->mul));
	n = drain(self->rcv, sizes, 200);
	ASSERT_EQ(XNET_SEGMENT_MAX_SEGS + 3, n);
	ASSERT_EQ(512, sizes[0]);
	ASSERT_EQ(512, sizes[127]);
	ASSERT_EQ(DGRAM_MAX, sizes[128]);
	ASSERT_EQ(DGRAM_MAX, sizes[130]);

	/* the control message overrides the option, both ways */
	ASSERT_EQ(0, set_int(self->snd, XNET_SEGMENT, 0));
	ASSERT_EQ(2500, send_seg(self->snd, buf, 2500, SEG, 2));
	ASSERT_EQ(0, set_int(self->snd, XNET_SEGMENT, 100));
	ASSERT_EQ(1400, send_seg(self->snd, buf, 1400, 0, 2));
	/* no longer than a segment: an ordinary datagram */
	ASSERT_EQ(100, send(self->snd, buf, 100, 0));
	ASSERT_EQ(0, wait_in(in0 += 5, self->mul));
	n = drain(self->rcv, sizes, 200);
	ASSERT_EQ(5, n);
	ASSERT_EQ(SEG, sizes[0]);
	ASSERT_EQ(SEG, sizes[1]);
	ASSERT_EQ(500, sizes[2]);
	ASSERT_EQ(1400, sizes[3]);
	ASSERT_EQ(100, sizes[4]);
	ASSERT_EQ(128 + 3 + 3,
		  ns_counter(self, self->peer_ns, "OutSegmented") - s0);
}

/* To an own address: the segmented datagram is cut before delivery. */
TEST_F(seg, local)
{
	uint8_t *pat = pattern(), *buf = malloc(BIG);
	static uint8_t rb[2048];
	int fd, s;

	ASSERT_NE(NULL, pat);
	ASSERT_NE(NULL, buf);
	memcpy(buf, pat, BIG);
	stamp(buf, 5);
	fd = xsock(RCV_ADDR, SPORT, self->mul);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xconnect(fd, RCV_ADDR, RPORT));
	ASSERT_EQ(BIG, send_seg(fd, buf, BIG, SEG, 2));
	for (s = 0; s < BIG_SEGS; s++) {
		ssize_t r = recv(self->rcv, rb, sizeof(rb), 0);

		ASSERT_TRUE(check_seg(rb, r, pat, 5, s)) TH_LOG("%d: %zd", s, r);
	}
	close(fd);
	free(pat);
	free(buf);
}

/*
 * To the broadcast address from an unbound sender with two devices: the
 * segmented datagram leaves by both (a copy for all but the last; the
 * core refuses to skb_copy() a SKB_GSO_FRAGLIST skb, with a warning), and
 * each receiving device's datagrams are cut and delivered.
 */
TEST_F(seg, broadcast)
{
	static uint8_t buf[2500], rb[2048];
	struct sockaddr_xnet sa = xu_sa("255.255.255.255", RPORT + 1);
	int fd, rfd, on = 1, i, n[3] = { 0 };

	ASSERT_EQ(0, xu_sh("ip link add xsd type veth peer name xsc && "
			   "ip link set xsc netns %s && ip link set xsd up && "
			   "xnetctl addr add 10.0.11.2 dev xsd && "
			   "ip -n %s link set xsc up && "
			   "ip netns exec %s xnetctl addr add 10.0.11.1 dev xsc",
			   self->peer, self->peer, self->peer));
	rfd = xsock(NULL, RPORT + 1, self->mul);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, setns(self->peer_ns, CLONE_NEWNET));
	fd = socket(AF_XNET, SOCK_DGRAM, 0);
	ASSERT_EQ(0, setns(self->own_ns, CLONE_NEWNET));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)));
	ASSERT_EQ(0, set_int(fd, XNET_SEGMENT, SEG));
	xu_fill(buf, sizeof(buf), 4, 4);
	ASSERT_EQ(2500, sendto(fd, buf, sizeof(buf), 0,
			       (struct sockaddr *)&sa, sizeof(sa)));
	/* 1000, 1000 and 500 bytes by each of the two devices */
	for (i = 0; i < 6; i++) {
		ssize_t r = recv(rfd, rb, sizeof(rb), 0);
		int k = r == 500 ? 2 : 0;

		ASSERT_TRUE(r == SEG || r == 500) TH_LOG("%d: %zd", i, r);
		if (r == SEG && memcmp(rb, buf, SEG))
			k = 1;
		ASSERT_EQ(0, memcmp(rb, buf + k * SEG, r)) TH_LOG("%d", i);
		n[k]++;
	}
	ASSERT_EQ(2, n[0]);
	ASSERT_EQ(2, n[1]);
	ASSERT_EQ(2, n[2]);
	close(fd);
	close(rfd);
	ASSERT_EQ(0, xu_sh("ip link del xsd"));
}

/* An AF_PACKET socket seeing xnet frames arriving on xsb. */
static int capture(void)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_XNET),
		.sll_ifindex = (int)if_nametoindex("xsb"),
	};
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_XNET));
	int big = 32 << 20;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) ||
	    bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
		close(fd);
		return -1;
	}
	return fd;
}

struct cap_sum {
	int frames, whole, small, bad_crc, sealed, plain;
};

/* Read every captured frame (incoming only): sizes, forms, CRCs. */
static void cap_read(int fd, struct cap_sum *c)
{
	static uint8_t f[BIG + 256];
	struct sockaddr_ll from;
	socklen_t fl;
	ssize_t r;

	memset(c, 0, sizeof(*c));
	for (;;) {
		fl = sizeof(from);
		r = recvfrom(fd, f, sizeof(f), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (r < 0)
			break;
		if (from.sll_pkttype == PACKET_OUTGOING ||
		    r < ETH_HLEN + XU_HLEN)
			continue;
		c->frames++;
		if (f[ETH_HLEN + 1] == 7) {
			c->sealed++;
			continue;
		}
		if (f[ETH_HLEN + 1] != 1)
			continue;
		c->plain++;
		if (r > 1514) {
			/* whole: its header says one datagram's frame */
			if (xu_get16(f + ETH_HLEN, 2) == XU_HLEN + SEG)
				c->whole++;
			continue;
		}
		c->small++;
		if (xu_get16(f + ETH_HLEN, 2) != r - ETH_HLEN) {
			c->bad_crc++;
			continue;
		} else {
			uint32_t crc = xu_get32(f + ETH_HLEN, 16);

			memset(f + ETH_HLEN + 16, 0, 4);
			if (xu_crc32c(f + ETH_HLEN, r - ETH_HLEN) != crc)
				c->bad_crc++;
		}
	}
}

/*
 * Both paths on the wire: veth passes a 30 000-byte send whole (one
 * frame, cut by the receiver), and with tx-gso-list off the sender's
 * GSO callback cuts it into frames of their own with valid CRCs.
 */
TEST_F(seg, paths)
{
	static uint8_t buf[30000], rb[2048];
	long long csum0 = xu_counter("InCsumErrors");
	int cap = capture(), i, k;
	struct cap_sum c;

	ASSERT_LE(0, cap);
	ASSERT_LE(0, csum0);
	xu_fill(buf, sizeof(buf), 3, 3);
	ASSERT_EQ(0, set_int(self->snd, XNET_SEGMENT, SEG));
	for (k = 0; k < 2; k++) {
		if (k)
			ASSERT_EQ(0, xu_sh("ip netns exec %s ethtool -K xsa "
					   "tx-gso-list off >/dev/null",
					   self->peer));
		for (i = 0; i < 20; i++) {
			int s;

			ASSERT_EQ(30000, send(self->snd, buf, 30000, 0));
			for (s = 0; s < 30; s++) {
				ASSERT_EQ(SEG, recv(self->rcv, rb, sizeof(rb), 0));
				ASSERT_EQ(0, memcmp(rb, buf + s * SEG, SEG));
			}
		}
		cap_read(cap, &c);
		TH_LOG("tx-gso-list %s: %d frames, %d whole, %d cut (%d bad)",
		       k ? "off" : "on", c.frames, c.whole, c.small, c.bad_crc);
		if (!k) {
			ASSERT_EQ(20, c.plain);
			ASSERT_EQ(20, c.whole);
		} else {
			ASSERT_EQ(600, c.plain);
			ASSERT_EQ(600, c.small);
			ASSERT_EQ(0, c.bad_crc);
		}
	}
	ASSERT_EQ(0, xu_counter("InCsumErrors") - csum0);
	close(cap);
}

/*
 * Secure channels: a segmented send to a protected peer leaves as
 * sealed datagrams, cut before sealing, and arrives intact.
 */
TEST_F(seg, sealed)
{
	uint8_t *pat = pattern(), *buf = malloc(BIG);
	static uint8_t rb[2048];
	long long auth0;
	struct cap_sum c;
	int cap, i, s;

	ASSERT_NE(NULL, pat);
	ASSERT_NE(NULL, buf);
	memcpy(buf, pat, BIG);
	ASSERT_EQ(0, xu_sh("xnetctl key add 1 " KEY " && "
			   "sysctl -qw net.xnet.secure=1 && "
			   "ip netns exec %s xnetctl key add 1 " KEY " && "
			   "ip netns exec %s sysctl -qw net.xnet.secure=1",
			   self->peer, self->peer));
	/* the first datagram waits for the handshake */
	ASSERT_EQ(2, send(self->snd, "hi", 2, 0));
	ASSERT_EQ(2, recv(self->rcv, rb, sizeof(rb), 0));
	auth0 = xu_counter("InAuthFailures");
	ASSERT_LE(0, auth0);
	cap = capture();
	ASSERT_LE(0, cap);
	ASSERT_EQ(0, set_int(self->snd, XNET_SEGMENT, SEG));
	for (i = 0; i < 20; i++) {
		stamp(buf, i);
		ASSERT_EQ(BIG, send(self->snd, buf, BIG, 0));
		for (s = 0; s < BIG_SEGS; s++) {
			ssize_t r = recv(self->rcv, rb, sizeof(rb), 0);

			ASSERT_TRUE(check_seg(rb, r, pat, i, s))
				TH_LOG("send %d datagram %d: %zd", i, s, r);
		}
	}
	cap_read(cap, &c);
	TH_LOG("%d frames, %d sealed", c.frames, c.sealed);
	ASSERT_EQ(20 * BIG_SEGS, c.sealed);
	ASSERT_EQ(0, c.plain);
	ASSERT_EQ(0, xu_counter("InAuthFailures") - auth0);
	close(cap);
	free(pat);
	free(buf);
}

/*
 * sendmmsg of 1024 datagrams, read back with recvmmsg: counts and
 * contents; MSG_WAITFORONE; a partial batch, then EAGAIN.
 */
TEST_F(seg, mmsg)
{
	enum { N = 1024, MAXLEN = 1400 };
	static uint8_t sb[N][MAXLEN], rb[N][2048], want[MAXLEN];
	static struct mmsghdr mm[N];
	static struct iovec iov[N];
	long long bufe0 = xu_counter("InBufferErrors");
	int i, got = 0, r;

	ASSERT_LE(0, bufe0);
	for (i = 0; i < N; i++) {
		xu_fill(sb[i], MAXLEN, 9, i);
		iov[i].iov_base = sb[i];
		iov[i].iov_len = 1 + (i * 37) % MAXLEN;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	ASSERT_EQ(N, sendmmsg(self->snd, mm, N, 0));
	for (i = 0; i < N; i++)
		ASSERT_EQ(iov[i].iov_len, mm[i].msg_len);

	while (got < N) {
		for (i = got; i < N; i++) {
			iov[i].iov_base = rb[i];
			iov[i].iov_len = sizeof(rb[i]);
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(self->rcv, mm + got, N - got, MSG_WAITFORONE, NULL);
		ASSERT_LT(0, r) TH_LOG("%d of %d", got, N);
		got += r;
	}
	for (i = 0; i < N; i++) {
		unsigned int len = 1 + (i * 37) % MAXLEN;

		xu_fill(want, MAXLEN, 9, i);
		ASSERT_EQ(len, mm[i].msg_len) TH_LOG("datagram %d", i);
		ASSERT_EQ(0, memcmp(rb[i], want, len)) TH_LOG("datagram %d", i);
	}
	ASSERT_EQ(0, xu_counter("InBufferErrors") - bufe0);

	/* nothing queued: EAGAIN at once */
	ASSERT_EQ(-1, recvmmsg(self->rcv, mm, 64, MSG_DONTWAIT, NULL));
	ASSERT_EQ(EAGAIN, errno);
	/* ten queued, 64 asked: the ten, then EAGAIN */
	for (i = 0; i < 10; i++) {
		iov[i].iov_base = sb[i];
		iov[i].iov_len = 100 + i;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	ASSERT_EQ(10, sendmmsg(self->snd, mm, 10, 0));
	got = 0;
	while (got < 10) {
		ASSERT_EQ(0, readable(self->rcv, self->mul));
		for (i = got; i < 64; i++) {
			iov[i].iov_base = rb[i];
			iov[i].iov_len = sizeof(rb[i]);
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(self->rcv, mm + got, 64 - got, MSG_DONTWAIT, NULL);
		ASSERT_LT(0, r);
		got += r;
	}
	ASSERT_EQ(10, got);
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(100 + i, (int)mm[i].msg_len);
		ASSERT_EQ(0, memcmp(rb[i], sb[i], 100 + i));
	}
	ASSERT_EQ(-1, recvmmsg(self->rcv, mm, 64, MSG_DONTWAIT, NULL));
	ASSERT_EQ(EAGAIN, errno);
}

/*
 * Hostile GSO frames: a tap with a vnet header hands the stack any GSO
 * skb of our EtherType (CHECKSUM_PARTIAL, gso_size and lengths as its
 * writer likes), which reaches rx.c whole. Random ones must crash
 * nothing and never make more than XNET_SEGMENT_MAX_SEGS datagrams a
 * frame; a well-formed one is cut into exact datagrams; one of too many
 * segments, or whose header's length is not one segment's frame, is
 * dropped and counted in InMalformed.
 */
#define TAP_ADDR	"10.0.10.2"
#define TAP_PEER	"10.0.10.1"

static int tap_open(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR);

	if (fd < 0)
		return -1;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Write one frame with a vnet header; @pay bytes of payload. */
static int tap_write(int fd, const uint8_t *mac, uint16_t gso, uint16_t xlen,
		     const uint8_t *pay, size_t plen, uint16_t sport)
{
	static uint8_t f[sizeof(struct virtio_net_hdr) + ETH_HLEN + XU_HLEN +
			 BIG];
	struct virtio_net_hdr *vh = (void *)f;
	uint8_t *e = f + sizeof(*vh), *x = e + ETH_HLEN;

	memset(f, 0, sizeof(*vh) + ETH_HLEN + XU_HLEN);
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = gso ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_NONE;
	vh->gso_size = gso;
	vh->hdr_len = ETH_HLEN + XU_HLEN;
	/*
	 * CHECKSUM_PARTIAL is all rx.c looks at; where it points only has
	 * to pass the vnet checks of a TCPV4 frame (6.12: the transport
	 * offset at least an IPv4 header, the offset TCP's check field's)
	 */
	vh->csum_start = 20;
	vh->csum_offset = 16;
	memcpy(e, mac, 6);
	memcpy(e + 6, "\x02\x00\x00\x00\x0a\x01", 6);
	xu_put16(e, 12, ETH_P_XNET);
	x[0] = XU_VERSION;
	x[1] = 1;
	xu_put16(x, 2, xlen);
	xu_put32(x, 4, ntohl(xu_addr(TAP_PEER)));
	xu_put32(x, 8, ntohl(xu_addr(TAP_ADDR)));
	xu_put16(x, 12, sport);
	xu_put16(x, 14, RPORT);
	x[XU_O_HOPLIMIT] = XU_HOPLIMIT;
	memcpy(x + XU_HLEN, pay, plen);
	return write(fd, f, sizeof(*vh) + ETH_HLEN + XU_HLEN + plen) < 0 ?
	       -1 : 0;
}

TEST_F(seg, tap_gso)
{
	uint8_t *pay = malloc(BIG), mac[6], rb[4096];
	long long mal0, in0, in1;
	int tap, fd, i, n;
	unsigned int seed = 14;

	ASSERT_NE(NULL, pay);
	xu_fill(pay, BIG, 5, 5);
	ASSERT_EQ(0, xu_sh("modprobe tun"));
	tap = tap_open("xst0");
	ASSERT_LE(0, tap);
	ASSERT_EQ(0, xu_sh("ip link set xst0 up && "
			   "xnetctl addr add " TAP_ADDR " dev xst0"));
	ASSERT_EQ(0, xu_get_mac("xst0", mac));
	fd = xsock(TAP_ADDR, RPORT, self->mul);
	ASSERT_LE(0, fd);

	/* well formed: 10 segments of 300 and one of 17 */
	mal0 = xu_counter("InMalformed");
	in0 = xu_counter("InDatagrams");
	ASSERT_LE(0, mal0);
	ASSERT_LE(0, in0);
	ASSERT_EQ(0, tap_write(tap, mac, 300, XU_HLEN + 300, pay, 3017, 40));
	for (i = 0; i < 11; i++) {
		ssize_t r = recv(fd, rb, sizeof(rb), 0);

		ASSERT_EQ(i < 10 ? 300 : 17, r);
		ASSERT_EQ(0, memcmp(rb, pay + 300 * i, r));
	}
	/* too many segments; a length that is not one segment's frame */
	ASSERT_EQ(0, tap_write(tap, mac, 10, XU_HLEN + 10, pay, 1300, 41));
	ASSERT_EQ(0, tap_write(tap, mac, 300, XU_HLEN + 299, pay, 3000, 42));
	ASSERT_EQ(0, tap_write(tap, mac, 300, XU_HLEN + 100, pay, 100, 43));
	ASSERT_EQ(100, recv(fd, rb, sizeof(rb), 0));	/* too short for GSO */
	ASSERT_EQ(2, xu_counter("InMalformed") - mal0);
	ASSERT_EQ(in0 + 12, xu_counter("InDatagrams"));

	/* random: sizes, lengths, header lengths */
	in0 = xu_counter("InDatagrams");
	for (i = 0; i < 1000; i++) {
		uint16_t gso = rand_r(&seed) % 4 ? 1 + rand_r(&seed) % 2000 : 0;
		size_t plen = rand_r(&seed) % (rand_r(&seed) % 8 ? 9000 : BIG - 64);
		uint16_t xlen = rand_r(&seed) % 2 ? (size_t)XU_HLEN + gso :
				rand_r(&seed) % (XU_HLEN + plen + 2);

		tap_write(tap, mac, gso, xlen, pay, plen, 100 + i % 50);
	}
	/* the last: well formed, read after everything before it */
	ASSERT_EQ(0, tap_write(tap, mac, 1000, XU_HLEN + 1000, pay, 2500, 44));
	for (n = 0;; n++) {
		struct sockaddr_xnet sa;
		socklen_t sl = sizeof(sa);
		ssize_t r = recvfrom(fd, rb, sizeof(rb), 0,
				     (struct sockaddr *)&sa, &sl);

		ASSERT_LE(0, r) TH_LOG("after %d datagrams", n);
		if (sa.sxn_port == htons(44) && r == 500) {
			ASSERT_EQ(0, memcmp(rb, pay + 2000, 500));
			break;
		}
	}
	in1 = xu_counter("InDatagrams");
	TH_LOG("1000 random GSO frames: %lld datagrams delivered", in1 - in0);
	ASSERT_LE(in1 - in0, 1001LL * XNET_SEGMENT_MAX_SEGS);
	close(fd);
	close(tap);
	free(pay);
}

/*
 * A GSO frame from a tap to a port nobody is bound to: one InNoSocket
 * and at most one report for the frame, not one per datagram it holds
 * (a stranger's frame must not earn ten answers). A plain frame after it
 * (same backlog, in order) shows it was handled.
 */
TEST_F(seg, tap_nosock)
{
	uint8_t *pay = malloc(BIG), mac[6];
	long long nos0, err0, nos = 0;
	double end;
	int tap;

	ASSERT_NE(NULL, pay);
	xu_fill(pay, BIG, 6, 6);
	ASSERT_EQ(0, xu_sh("modprobe tun"));
	tap = tap_open("xst1");
	ASSERT_LE(0, tap);
	ASSERT_EQ(0, xu_sh("ip link set xst1 up && "
			   "xnetctl addr add " TAP_ADDR " dev xst1"));
	ASSERT_EQ(0, xu_get_mac("xst1", mac));
	nos0 = xu_counter("InNoSocket");
	err0 = xu_counter("OutErrors");
	ASSERT_LE(0, nos0);
	ASSERT_LE(0, err0);
	/* ten datagrams of 100 bytes in one frame, then a plain one */
	ASSERT_EQ(0, tap_write(tap, mac, 100, XU_HLEN + 100, pay, 1000, 50));
	ASSERT_EQ(0, tap_write(tap, mac, 0, XU_HLEN + 100, pay, 100, 51));
	end = xu_now() + 10.0 * self->mul;
	while ((nos = xu_counter("InNoSocket") - nos0) < 2 && xu_now() < end)
		xu_msleep(5);
	TH_LOG("InNoSocket +%lld, OutErrors +%lld", nos,
	       xu_counter("OutErrors") - err0);
	ASSERT_EQ(2, nos);
	ASSERT_GE(2, xu_counter("OutErrors") - err0);
	close(tap);
	free(pay);
}

/* tools the tests run, besides ip and xnetctl (xnet_harness.h) */
#define XNET_NEEDS "modprobe sysctl"
#include "xnet_harness.h"

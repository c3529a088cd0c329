/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the xnet selftests (C side): address parsing,
 * reading the per-netns counters through xnetctl, a CRC-32C for building
 * frames by hand, and a deterministic payload generator.
 */
#ifndef _XNET_SELFTEST_UTIL_H
#define _XNET_SELFTEST_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/xnet.h>

/*
 * The common header as tests craft it (docs/PROTOCOL.md), offsets from
 * its start: version 2, 24 bytes; bytes 0..19 as in version 1, then the
 * hop limit and 3 reserved bytes. A connection's segment header follows.
 */
#define XU_VERSION	2
#define XU_HLEN		24
#define XU_O_HOPLIMIT	20
#define XU_HOPLIMIT	XNET_HOPLIMIT_DEFAULT
#define XU_CONN_HLEN	(XU_HLEN + 16)

/* The Ethernet address of @ifname in this netns; 0 or -1. */
static inline int xu_get_mac(const char *ifname, uint8_t *mac)
{
	struct ifreq ifr;
	int fd = socket(AF_PACKET, SOCK_DGRAM, 0), ret;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ret = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (ret)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/* Big-endian fields of a frame being built or read, at byte offset @o. */
static inline uint16_t xu_get16(const uint8_t *f, int o)
{
	return (uint16_t)(f[o] << 8 | f[o + 1]);
}

static inline uint32_t xu_get32(const uint8_t *f, int o)
{
	return (uint32_t)f[o] << 24 | f[o + 1] << 16 | f[o + 2] << 8 | f[o + 3];
}

static inline void xu_put16(uint8_t *f, int o, uint16_t v)
{
	f[o] = v >> 8;
	f[o + 1] = v;
}

static inline void xu_put32(uint8_t *f, int o, uint32_t v)
{
	f[o] = v >> 24;
	f[o + 1] = v >> 16;
	f[o + 2] = v >> 8;
	f[o + 3] = v;
}

/* "A.B.C.D" -> network byte order; exits on a typo (test bug). */
static inline uint32_t xu_addr(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "bad xnet address '%s'\n", s);
		exit(2);
	}
	return a.s_addr;
}

static inline struct sockaddr_xnet xu_sa(const char *addr, uint16_t port)
{
	struct sockaddr_xnet sa;

	memset(&sa, 0, sizeof(sa));
	sa.sxn_family = AF_XNET;
	sa.sxn_port = htons(port);
	sa.sxn_addr = addr ? xu_addr(addr) : 0;
	return sa;
}

static inline const char *xu_ntoa(uint32_t a, char *buf)
{
	struct in_addr in = { .s_addr = a };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

/*
 * Run a shell command (printf style); returns its exit status or -1.
 * Through bash when there is one: the test VM's /bin/sh is busybox, which
 * runs its own applets (a limited `ip`) in preference to iproute2.
 */
static inline int xu_sh(const char *fmt, ...)
{
	const char *shell = access("/bin/bash", X_OK) ? "/bin/sh" : "/bin/bash";
	char cmd[1024];
	va_list ap;
	int st;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(shell, shell, "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/*
 * Counters of the current netns as "Name value" lines: /proc/net/xnet/snmp
 * (cheap under emulation), or `xnetctl stats` if that file is missing.
 * xu_stats_close() returns 0 if the source was read without error.
 */
static inline FILE *xu_stats_open(int *is_pipe)
{
	FILE *f = fopen("/proc/net/xnet/snmp", "r");

	*is_pipe = !f;
	return f ? f : popen("xnetctl stats 2>/dev/null", "r");
}

static inline int xu_stats_close(FILE *f, int is_pipe)
{
	if (is_pipe)
		return pclose(f) ? -1 : 0;
	return fclose(f) ? -1 : 0;
}

/*
 * One counter of the current netns; -1 when it cannot be read or does not
 * exist: callers assert on that, so a missing counter is a failure, never
 * a silent pass.
 */
static inline long long xu_counter(const char *name)
{
	char line[256], n[128];
	long long v, found = -1;
	int is_pipe;
	FILE *f;

	f = xu_stats_open(&is_pipe);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lld", n, &v) == 2 && !strcmp(n, name))
			found = v;
	}
	if (xu_stats_close(f, is_pipe))
		return -1;
	return found;
}

/* Entries in a /proc/net/xnet file (lines after the header), -1 on error. */
static inline int xu_proc_entries(const char *file)
{
	char path[128], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/net/xnet/%s", file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n ? n - 1 : -1;
}

/* Does a line of /proc/net/xnet/FILE contain both strings (b may be NULL)? */
static inline int xu_proc_has(const char *file, const char *a, const char *b)
{
	char path[128], line[512];
	int hit = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/net/xnet/%s", file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, a) && (!b || strstr(line, b)))
			hit = 1;
	fclose(f);
	return hit;
}

/* CRC-32C (Castagnoli), reflected, init and final xor ~0: crc32c("123456789") = 0xe3069283. */
static inline uint32_t xu_crc32c(const void *data, size_t len)
{
	static uint32_t table[256];
	static int ready;
	const uint8_t *p = data;
	uint32_t crc = ~0U;
	size_t i;

	if (!ready) {
		for (i = 0; i < 256; i++) {
			uint32_t c = i;
			int k;

			for (k = 0; k < 8; k++)
				c = (c & 1) ? (c >> 1) ^ 0x82F63B78U : c >> 1;
			table[i] = c;
		}
		ready = 1;
	}
	for (i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* Deterministic payload: byte j of message `seq` under `seed`. */
static inline void xu_fill(uint8_t *buf, size_t len, uint32_t seed, uint32_t seq)
{
	uint32_t x = seed * 2654435761U ^ (seq + 0x9e3779b9U) * 40503U;
	size_t j;

	if (!x)
		x = 1;
	for (j = 0; j < len; j++) {
		/* xorshift32 */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[j] = (uint8_t)(x >> 11);
	}
}

static inline double xu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void xu_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * A capture socket: AF_PACKET bound to @ifname, xnet frames only (a
 * classic BPF filter on the EtherType), each cut to @snap bytes, with a
 * 16 MiB receive buffer. Exits on failure (the callers are capture tools).
 */
static inline int xu_cap_socket(const char *ifname, unsigned int snap)
{
	struct sock_filter code[] = {
		{ BPF_LD | BPF_H | BPF_ABS, 0, 0, 12 },
		{ BPF_JMP | BPF_JEQ | BPF_K, 0, 1, ETH_P_XNET },
		{ BPF_RET | BPF_K, 0, 0, snap },
		{ BPF_RET | BPF_K, 0, 0, 0 },
	};
	struct sock_fprog prog = { .len = 4, .filter = code };
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
	};
	int fd, sz = 16 << 20;

	ll.sll_ifindex = if_nametoindex(ifname);
	if (!ll.sll_ifindex) {
		fprintf(stderr, "no device %s\n", ifname);
		exit(1);
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) ||
	    bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
		perror("AF_PACKET");
		exit(1);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return fd;
}

#endif /* _XNET_SELFTEST_UTIL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The neighbour table under attack by strangers on the link (issue 10,
 * findings 4 and 13, and the rate limits on neighbour answers).
 *
 * Fresh netns per test with a veth pair: xb carries 10.0.0.2 (a datagram
 * socket on port 4000, a stream listener on port 5000); xa is the wire,
 * on which the test injects frames with AF_PACKET and plays the peers:
 * it answers the kernel's queries for 10.0.0.9 and 10.0.0.10 from made-up
 * MACs and sniffs where datagrams to them go. Attackers are frames from
 * spoofed addresses and MACs.
 */
#define _GNU_SOURCE
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sched.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"

#define HLEN		XU_HLEN
#define T_DGRAM		1
#define T_QUERY		2
#define T_ANSWER	3
#define T_STREAM	4
#define SEG_SYN		0x01
#define SEG_ACK		0x02
#define SELF		"10.0.0.2"
#define DPORT		4000
#define LPORT		5000
#define CLOSED_PORT	5001
#define NEIGH_MAX	64

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t peer1[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x09 };
static const uint8_t peer2[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x0a };
static const uint8_t evil[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x66 };

static int tmul(void)
{
	const char *m = getenv("XNET_TIMEOUT_MUL");
	int v = m ? atoi(m) : 1;

	return v > 0 ? v : 1;
}

static int sysctl_set(const char *name, long v)
{
	char path[128];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "/proc/sys/net/xnet/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	err = fprintf(f, "%ld\n", v) < 0;
	return fclose(f) || err ? -1 : 0;
}

FIXTURE(na) {
	int tx;			/* AF_PACKET injector on xa */
	int dfd;		/* datagram socket, 10.0.0.2:4000 */
	int lfd;		/* stream listener, 10.0.0.2:5000 */
	int xa_index;
	uint8_t xb_mac[6];
};

FIXTURE_SETUP(na)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	struct sockaddr_xnet sa = xu_sa(SELF, DPORT);

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, xu_sh("ip link set lo up && "
			   "ip link add xa type veth peer name xb && "
			   "ip link set xa up && ip link set xb up && "
			   "xnetctl addr add " SELF " dev xb"));
	self->xa_index = if_nametoindex("xa");
	ASSERT_LT(0, self->xa_index);
	ASSERT_EQ(0, xu_get_mac("xb", self->xb_mac));
	ASSERT_EQ(0, sysctl_set("neigh_max", NEIGH_MAX));
	/* resolved entries stay REACHABLE for the whole test */
	ASSERT_EQ(0, sysctl_set("neigh_reachable_ms", 600000));

	self->tx = socket(AF_PACKET, SOCK_RAW, 0);
	ASSERT_LE(0, self->tx);
	ll.sll_ifindex = self->xa_index;
	ASSERT_EQ(0, bind(self->tx, (struct sockaddr *)&ll, sizeof(ll)));

	self->dfd = socket(AF_XNET, SOCK_DGRAM, 0);
	ASSERT_LE(0, self->dfd);
	ASSERT_EQ(0, bind(self->dfd, (struct sockaddr *)&sa, sizeof(sa)));
	self->lfd = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, self->lfd);
	sa = xu_sa(SELF, LPORT);
	ASSERT_EQ(0, bind(self->lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(self->lfd, 16));
}

FIXTURE_TEARDOWN(na)
{
	close(self->tx);
	close(self->dfd);
	close(self->lfd);
}

/* An AF_PACKET socket seeing every frame on xa from now on. */
static int sniff_open(FIXTURE_DATA(na) *self)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = self->xa_index,
	};
	int big = 1 << 20, fd;

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The next xnet frame of @type (or @type2) the kernel sent, for @daddr
 * (0: any), within ms milliseconds (times XNET_TIMEOUT_MUL). Its length,
 * 0 if none came.
 */
static ssize_t sniff2(int fd, uint8_t *f, size_t size, int type,
		      int type2, uint32_t daddr, int ms)
{
	double deadline = xu_now() + ms * tmul() / 1000.0;

	for (;;) {
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)((deadline - xu_now()) * 1000);
		uint32_t d;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return 0;
		n = recvfrom(fd, f, size, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < ETH_HLEN + HLEN || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (f[12] != (ETH_P_XNET >> 8) || f[13] != (ETH_P_XNET & 0xff))
			continue;
		memcpy(&d, f + ETH_HLEN + 8, 4);
		if ((f[ETH_HLEN + 1] != type && f[ETH_HLEN + 1] != type2) ||
		    (daddr && d != daddr))
			continue;
		return n;
	}
}

static ssize_t sniff(int fd, uint8_t *f, size_t size, int type,
		     uint32_t daddr, int ms)
{
	return sniff2(fd, f, size, type, type, daddr, ms);
}

/*
 * An Ethernet frame dmac <- smac carrying an xnet header of @type from
 * saddr:sport to daddr:dport, followed by a connection segment header
 * (SYN with its MSS option) when @type is T_STREAM. Its length.
 */
static size_t mk(uint8_t *f, const uint8_t *dmac, const uint8_t *smac,
		 uint8_t type, uint32_t saddr, uint32_t daddr,
		 uint16_t sport, uint16_t dport, uint16_t flags)
{
	uint8_t *x = f + ETH_HLEN, *sh = x + HLEN;
	size_t xlen = HLEN;
	uint32_t v;
	uint16_t s;

	if (type == T_STREAM)
		xlen += 16 + ((flags & SEG_SYN) ? 4 : 0);
	memset(f, 0, ETH_HLEN + xlen);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = ETH_P_XNET >> 8;
	f[13] = ETH_P_XNET & 0xff;
	x[0] = XU_VERSION;
	x[1] = type;
	/* neighbour frames are link-local: hop limit 1, as xnet sends them */
	x[XU_O_HOPLIMIT] = type == T_STREAM ? XU_HOPLIMIT : 1;
	s = htons(xlen);
	memcpy(x + 2, &s, 2);
	memcpy(x + 4, &saddr, 4);
	memcpy(x + 8, &daddr, 4);
	s = htons(sport);
	memcpy(x + 12, &s, 2);
	s = htons(dport);
	memcpy(x + 14, &s, 2);
	if (type == T_STREAM) {
		v = htonl(saddr * 2654435761U);
		memcpy(sh, &v, 4);
		v = htonl(65535);
		memcpy(sh + 8, &v, 4);
		s = htons(flags);
		memcpy(sh + 12, &s, 2);
		if (flags & SEG_SYN) {
			s = htons(1428);
			memcpy(sh + 16, &s, 2);
		}
	}
	v = htonl(xu_crc32c(x, xlen));
	memcpy(x + 16, &v, 4);
	return ETH_HLEN + xlen;
}

static int inject(FIXTURE_DATA(na) *self, const uint8_t *f, size_t len)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = self->xa_index,
		.sll_halen = 6,
		.sll_protocol = htons(ETH_P_XNET),
	};

	memcpy(ll.sll_addr, f, 6);
	return sendto(self->tx, f, len, 0, (struct sockaddr *)&ll,
		      sizeof(ll)) == (ssize_t)len ? 0 : -1;
}

/*
 * Send a datagram to @addr and check that it reaches @mac: if the kernel
 * asks for @addr first, answer from @mac. 0 on success, else the step
 * that failed.
 */
static int dgram_reaches(FIXTURE_DATA(na) *self, const char *addr,
			 const uint8_t *mac)
{
	struct sockaddr_xnet dst = xu_sa(addr, 6000);
	uint32_t a = xu_addr(addr);
	uint8_t f[1600];
	int fd, ret = 1;
	size_t len;
	ssize_t n;

	fd = sniff_open(self);
	if (fd < 0)
		return 1;
	ret = 2;
	if (sendto(self->dfd, "hello", 5, 0, (struct sockaddr *)&dst,
		   sizeof(dst)) != 5)
		goto out;
	/* the datagram itself, or a query for its destination */
	ret = 3;
	n = sniff2(fd, f, sizeof(f), T_DGRAM, T_QUERY, a, 2000);
	if (n <= 0)
		goto out;
	if (f[ETH_HLEN + 1] == T_QUERY) {
		len = mk(f, self->xb_mac, mac, T_ANSWER, a, xu_addr(SELF),
			 0, 0, 0);
		ret = 4;
		if (inject(self, f, len))
			goto out;
		ret = 5;
		n = sniff(fd, f, sizeof(f), T_DGRAM, a, 2000);
		if (n <= 0)
			goto out;
	}
	ret = memcmp(f, mac, 6) ? 6 : 0;
out:
	close(fd);
	return ret;
}

static int mac_str(char *buf, size_t size, const uint8_t *m)
{
	return snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x",
			m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Is @addr in the table at @mac in state @state? 1 yes, 0 no. */
static int neigh_is(const char *addr, const uint8_t *mac, const char *state)
{
	char line[512], m[32];
	int hit = 0;
	FILE *f = fopen("/proc/net/xnet/neigh", "r");

	if (!f)
		return -1;
	mac_str(m, sizeof(m), mac);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, addr, strlen(addr)) &&
		    line[strlen(addr)] == ' ' && strstr(line, m) &&
		    strstr(line, state))
			hit = 1;
	fclose(f);
	return hit;
}

/* A spoofed stranger's address and MAC, one per @i. */
static void stranger(int i, uint32_t *addr, uint8_t *mac)
{
	char a[32];

	snprintf(a, sizeof(a), "10.%d.%d.%d", 1 + (i >> 16) % 200,
		 (i >> 8) & 0xff, 1 + (i & 0xff) % 254);
	*addr = xu_addr(a);
	mac[0] = 0x02;
	mac[1] = 0xee;
	mac[2] = i >> 24;
	mac[3] = i >> 16;
	mac[4] = i >> 8;
	mac[5] = i;
}

/*
 * Finding 4: frames from thousands of spoofed sources (connection
 * requests to a closed port and to a listener, queries) neither evict a
 * resolved peer nor stop a new resolution; strangers' entries stay within
 * half of neigh_max, and answering them starts queries only within the
 * query budget.
 */
TEST_F_TIMEOUT(na, spoofed_sources_keep_table, 120)
{
	const int n = 800, rate = 5, burst = 50;
	uint32_t self_addr = xu_addr(SELF), saddr;
	long long q0, q1, rl0;
	uint8_t f[256], mac[6];
	int i, entries;
	double t0, t;
	size_t len;

	ASSERT_EQ(0, sysctl_set("neigh_query_rate", rate));
	ASSERT_EQ(0, sysctl_set("ratelimit_burst", burst));
	/*
	 * Connection requests get cookie SYN+ACKs, which, like resets, go
	 * back to the sender's MAC without an entry. (Half-open children
	 * would outlive the test by their SYN+ACK retransmissions, about
	 * 30 s; xnet_hardening floods them.)
	 */
	ASSERT_EQ(0, sysctl_set("syncookies", 2));
	ASSERT_EQ(0, dgram_reaches(self, "10.0.0.9", peer1));
	ASSERT_EQ(1, neigh_is("10.0.0.9", peer1, "REACHABLE"));

	q0 = xu_counter("NeighQueriesOut");
	rl0 = xu_counter("NeighQueriesRateLimited");
	ASSERT_LE(0, q0);
	ASSERT_LE(0, rl0);
	t0 = xu_now();
	for (i = 0; i < n; i++) {
		stranger(i, &saddr, mac);
		len = mk(f, self->xb_mac, mac, T_STREAM, saddr, self_addr,
			 1024 + i, CLOSED_PORT, SEG_SYN);
		ASSERT_EQ(0, inject(self, f, len));
		stranger(n + i, &saddr, mac);
		len = mk(f, self->xb_mac, mac, T_STREAM, saddr, self_addr,
			 1024 + i, LPORT, SEG_SYN);
		ASSERT_EQ(0, inject(self, f, len));
		stranger(2 * n + i, &saddr, mac);
		len = mk(f, bcast, mac, T_QUERY, saddr, self_addr, 0, 0, 0);
		ASSERT_EQ(0, inject(self, f, len));
		if (!(i % 100))
			xu_msleep(5);	/* let the veth backlog drain */
	}
	/* long enough for every stranger's entry to be probed and fail */
	xu_msleep(3500);

	/* the live peer is still resolved, at its own MAC */
	EXPECT_EQ(1, neigh_is("10.0.0.9", peer1, "REACHABLE"));
	EXPECT_EQ(0, dgram_reaches(self, "10.0.0.9", peer1));
	/* a new peer still resolves */
	EXPECT_EQ(0, dgram_reaches(self, "10.0.0.10", peer2));
	EXPECT_EQ(1, neigh_is("10.0.0.10", peer2, "REACHABLE"));

	/* the two own entries and at most half the table for strangers */
	entries = xu_proc_entries("neigh");
	TH_LOG("%d entries after the flood", entries);
	EXPECT_LE(2, entries);
	EXPECT_GE(2 + NEIGH_MAX / 2, entries);

	/* queries for strangers within the budget (+1: ours for .10) */
	q1 = xu_counter("NeighQueriesOut");
	t = xu_now() - t0;
	TH_LOG("%lld queries in %.1f s, %lld refused", q1 - q0, t,
	       xu_counter("NeighQueriesRateLimited") - rl0);
	EXPECT_GE(burst + rate * (t + 1) + 1, q1 - q0);
}

/*
 * Finding 13: a query from another MAC claiming a resolved peer's address
 * neither moves its entry nor diverts its traffic.
 */
TEST_F(na, query_cannot_move_entry)
{
	long long c0;
	uint8_t f[256];
	size_t len;
	int fd;

	ASSERT_EQ(0, dgram_reaches(self, "10.0.0.9", peer1));
	ASSERT_EQ(1, neigh_is("10.0.0.9", peer1, "REACHABLE"));
	c0 = xu_counter("NeighQueryConflicts");

	fd = sniff_open(self);
	ASSERT_LE(0, fd);
	len = mk(f, bcast, evil, T_QUERY, xu_addr("10.0.0.9"), xu_addr(SELF),
		 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	/* answered: the query was taken in */
	EXPECT_LT(0, sniff(fd, f, sizeof(f), T_ANSWER, xu_addr("10.0.0.9"),
			   2000));
	close(fd);
	EXPECT_EQ(1, neigh_is("10.0.0.9", peer1, "REACHABLE"));
	EXPECT_EQ(0, neigh_is("10.0.0.9", evil, ""));
	EXPECT_EQ(0, dgram_reaches(self, "10.0.0.9", peer1));
	/* and counted */
	EXPECT_LE(0, c0);
	EXPECT_EQ(c0 + 1, xu_counter("NeighQueryConflicts"));
}

/*
 * Queries from strangers are answered within the netns's answer budget:
 * at most burst + rate * t answers, every other query counted as refused.
 */
TEST_F_TIMEOUT(na, answers_rate_limited, 120)
{
	const int n = 10000, rate = 100, burst = 50;
	long long in0, out0, rl0, in, out, rl;
	uint32_t self_addr = xu_addr(SELF), saddr;
	uint8_t f[256], mac[6];
	double t0, t;
	size_t len;
	int i;

	ASSERT_EQ(0, sysctl_set("neigh_answer_rate", rate));
	ASSERT_EQ(0, sysctl_set("ratelimit_burst", burst));
	in0 = xu_counter("NeighQueriesIn");
	out0 = xu_counter("NeighAnswersOut");
	rl0 = xu_counter("NeighAnswersRateLimited");
	ASSERT_LE(0, in0);
	ASSERT_LE(0, out0);
	ASSERT_LE(0, rl0);
	t0 = xu_now();
	for (i = 0; i < n; i++) {
		stranger(i, &saddr, mac);
		len = mk(f, bcast, mac, T_QUERY, saddr, self_addr, 0, 0, 0);
		ASSERT_EQ(0, inject(self, f, len));
		if (!(i % 100))
			xu_msleep(2);	/* let the veth backlog drain */
	}
	xu_msleep(200);
	in = xu_counter("NeighQueriesIn") - in0;
	out = xu_counter("NeighAnswersOut") - out0;
	rl = xu_counter("NeighAnswersRateLimited") - rl0;
	t = xu_now() - t0;
	TH_LOG("%lld queries in %.1f s: %lld answered, %lld refused", in, t,
	       out, rl);
	/* enough queries arrived for the limit to matter */
	ASSERT_LT(burst + rate * (t + 1) + 100, in);
	EXPECT_GE(burst + rate * (t + 1), out);
	EXPECT_EQ(in, out + rl);
	/* strangers' queries filled at most half of the table */
	EXPECT_GE(NEIGH_MAX / 2, xu_proc_entries("neigh"));
}

/*
 * A stranger's query claiming a resolved peer's address from its own MAC,
 * followed at once by a forged answer "the peer is at my MAC", does not
 * move the entry: the doubt is checked by a unicast probe to the MAC we
 * know, the live peer answers it, and the forgery is not taken (before,
 * the query made us broadcast a query whose answer was awaited, and the
 * pipelined forgery was that answer).
 */
TEST_F_TIMEOUT(na, forged_answer_after_query, 90)
{
	uint32_t p = xu_addr("10.0.0.9"), me = xu_addr(SELF);
	uint8_t f[256], q[256], probe_dst[6];
	int fd, probes = 0, unicast = 0;
	size_t len, qlen;
	cpu_set_t cpus;
	double end;

	/* the peer must answer our probe within neigh_retrans_ms */
	ASSERT_EQ(0, sysctl_set("neigh_retrans_ms", 1000 * tmul()));
	ASSERT_EQ(0, dgram_reaches(self, "10.0.0.9", peer1));
	ASSERT_EQ(1, neigh_is("10.0.0.9", peer1, "REACHABLE"));
	/* an entry is rechecked at most once per neigh_retrans_ms */
	xu_msleep(1500 * tmul());

	fd = sniff_open(self);
	ASSERT_LE(0, fd);
	/* both frames through one CPU's backlog: they arrive in order */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	qlen = mk(q, bcast, evil, T_QUERY, p, me, 0, 0, 0);
	len = mk(f, self->xb_mac, evil, T_ANSWER, p, me, 0, 0, 0);
	ASSERT_EQ(0, inject(self, q, qlen));
	ASSERT_EQ(0, inject(self, f, len));

	/*
	 * Play the live peer for 3 x neigh_retrans_ms: answer every query
	 * for it, as its own stack would, from its own MAC.
	 */
	end = xu_now() + 3.0 * tmul();
	while (xu_now() < end) {
		if (sniff(fd, f, sizeof(f), T_QUERY, p, 200) <= 0)
			continue;
		if (!probes++)
			memcpy(probe_dst, f, 6);
		if (!memcmp(f, peer1, 6))
			unicast++;
		len = mk(f, self->xb_mac, peer1, T_ANSWER, p, me, 0, 0, 0);
		ASSERT_EQ(0, inject(self, f, len));
	}
	close(fd);
	TH_LOG("%d queries for the peer, %d to its MAC", probes, unicast);

	/* the entry still holds the peer's MAC, and its traffic goes there */
	EXPECT_EQ(1, neigh_is("10.0.0.9", peer1, "REACHABLE"));
	EXPECT_EQ(0, neigh_is("10.0.0.9", evil, ""));
	EXPECT_EQ(0, dgram_reaches(self, "10.0.0.9", peer1));
	/* the doubt was checked by one probe to the known MAC */
	ASSERT_LE(1, probes);
	EXPECT_EQ(0, memcmp(probe_dst, peer1, 6));
	EXPECT_EQ(1, probes);
}

#include "xnet_harness.h"

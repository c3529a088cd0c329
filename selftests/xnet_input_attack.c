// SPDX-License-Identifier: GPL-2.0
/*
 * Attacks on the connection input path (issue 10, findings 3, 8, 11, 14),
 * each asserting the outcome with the node's counters and its sockets.
 *
 * Two namespaces joined by a veth pair: the test's own (the node under
 * attack, xb, 10.0.0.2, a STREAM listener on 5000) and "xi-att" (xa, no
 * xnet address), where an attacker sends hand-made frames with AF_PACKET
 * and sniffs the node's answers. The attacker poses as 10.0.0.77, an
 * address nobody holds (the node learns it from a spoofed neighbour
 * query), and opens connections by hand when a test needs one.
 *
 *  - martian: a SYN whose source is the node's own address and the
 *    listener's port is dropped (InMartians), no child is left and the
 *    node sends nothing (it used to answer itself without end);
 *  - old_ack: an in-window segment with data whose ACK is below
 *    snd_una - max_wnd is dropped (RFC 5961 5.2), its data never
 *    delivered, with one challenge ACK;
 *  - oow_burst: 1000 out-of-window pure ACKs on a live connection earn at
 *    most one ACK per invalid_ratelimit_ms (OutAcksRateLimited);
 *  - rst_budget: 1000 segments to a closed port earn at most the reset
 *    budget (burst + rst_rate * time; OutRstsRateLimited);
 *  - ooo_overlap: segments inside a held one, held ones covered by a new
 *    one and 1-byte-shifted overlaps keep the out-of-order memory small,
 *    and the stream is intact once the hole is filled;
 *  - fin_seen_data: a FIN on a segment whose data was all received ends
 *    the stream;
 *  - data_after_fin: data beyond a FIN held out of order is not delivered;
 *  - rcv_right_edge: out-of-order data that shrinks the node's window does
 *    not move its right edge back, and the peer's pure ACK at its snd_nxt
 *    (beyond rcv_nxt + the shrunk window) is taken.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"

#define SRV_ADDR	"10.0.0.2"
#define SPOOF_ADDR	"10.0.0.77"
#define SRV_PORT	5000
#define ATT_NS		"xi-att"
#define FMAX		1600

#define X		ETH_HLEN
#define O_TYPE		(X + 1)
#define O_LEN		(X + 2)
#define O_SADDR		(X + 4)
#define O_DADDR		(X + 8)
#define O_SPORT		(X + 12)
#define O_DPORT		(X + 14)
#define O_CSUM		(X + 16)
#define O_SEQ		(X + XU_HLEN)
#define O_ACK		(O_SEQ + 4)
#define O_WND		(O_SEQ + 8)
#define O_FLAGS		(O_SEQ + 12)
#define O_DATA		(O_SEQ + 16)
#define CONN_HLEN	XU_CONN_HLEN

#define F_SYN	0x01
#define F_ACK	0x02
#define F_FIN	0x04
#define F_RST	0x08

enum { T_QUERY = 2, T_STREAM = 4 };

static int mul(void)
{
	const char *e = getenv("XNET_TIMEOUT_MUL");
	int m = e ? atoi(e) : 1;

	return m < 1 ? 1 : m;
}

/* The stream the attacker's connections carry: byte k of it. */
static uint8_t stream[8192];

FIXTURE(ia) {
	int tx, sniff, ifindex, att_ns, own_ns, lfd;
	uint8_t xa_mac[6], xb_mac[6];
	/* the hand-made connection */
	uint16_t cport;
	uint32_t iss;		/* ours: stream byte k is at iss + 1 + k */
	uint32_t srv_nxt;	/* the node's next sequence */
	uint32_t srv_wnd;	/* the window in its SYN+ACK */
};

static int to_att(FIXTURE_DATA(ia) *self)
{
	return setns(self->att_ns, CLONE_NEWNET);
}

static int to_own(FIXTURE_DATA(ia) *self)
{
	return setns(self->own_ns, CLONE_NEWNET);
}

static int inject(FIXTURE_DATA(ia) *self, const uint8_t *f, size_t len)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_ifindex = self->ifindex,
		.sll_halen = 6, .sll_protocol = htons(ETH_P_XNET),
	};

	memcpy(ll.sll_addr, f, 6);
	return sendto(self->tx, f, len, 0, (struct sockaddr *)&ll,
		      sizeof(ll)) == (ssize_t)len ? 0 : -1;
}

/* A segment to the node, from @saddr (network order); returns its size. */
static size_t mk(FIXTURE_DATA(ia) *self, uint8_t *f, uint32_t saddr,
		 uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		 uint16_t flags, const uint8_t *data, size_t plen)
{
	size_t xlen = CONN_HLEN + ((flags & F_SYN) ? 4 : plen);
	uint32_t daddr = xu_addr(SRV_ADDR);
	uint8_t x[FMAX];

	memset(f, 0, X + xlen);
	memcpy(f, self->xb_mac, 6);
	memcpy(f + 6, self->xa_mac, 6);
	xu_put16(f, 12, ETH_P_XNET);
	f[X] = XU_VERSION;
	f[X + XU_O_HOPLIMIT] = XU_HOPLIMIT;
	f[O_TYPE] = T_STREAM;
	xu_put16(f, O_LEN, xlen);
	memcpy(f + O_SADDR, &saddr, 4);
	memcpy(f + O_DADDR, &daddr, 4);
	xu_put16(f, O_SPORT, sport);
	xu_put16(f, O_DPORT, dport);
	xu_put32(f, O_SEQ, seq);
	xu_put32(f, O_ACK, ack);
	xu_put32(f, O_WND, 65535);
	xu_put16(f, O_FLAGS, flags);
	if (flags & F_SYN)
		xu_put16(f, O_DATA, 1400);
	else if (plen)
		memcpy(f + O_DATA, data, plen);
	memcpy(x, f + X, xlen);
	memset(x + 16, 0, 4);
	xu_put32(f, O_CSUM, xu_crc32c(x, xlen));
	return X + xlen;
}

/* Stream bytes [a, b) of the hand-made connection, with @flags. */
static int send_data(FIXTURE_DATA(ia) *self, uint32_t a, uint32_t b,
		     uint16_t flags)
{
	uint8_t f[FMAX];
	size_t n = mk(self, f, xu_addr(SPOOF_ADDR), self->cport, SRV_PORT,
		      self->iss + 1 + a, self->srv_nxt, F_ACK | flags,
		      stream + a, b - a);

	return inject(self, f, n);
}

static void drain_sniff(FIXTURE_DATA(ia) *self)
{
	uint8_t f[FMAX];

	while (recv(self->sniff, f, sizeof(f), MSG_DONTWAIT) > 0)
		;
}

/*
 * Wait up to @ms for a segment from the node to @dport carrying @flags;
 * copies it to @f. 0 if one came.
 */
static int wait_seg(FIXTURE_DATA(ia) *self, uint16_t dport, uint16_t flags,
		    uint8_t *f, int ms)
{
	double end = xu_now() + ms * mul() / 1000.0;

	do {
		struct pollfd p = { .fd = self->sniff, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		poll(&p, 1, 20);
		while ((n = recvfrom(self->sniff, f, FMAX, MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl)) > 0) {
			if (n < O_DATA || xu_get16(f, 12) != ETH_P_XNET ||
			    from.sll_pkttype == PACKET_OUTGOING ||
			    f[O_TYPE] != T_STREAM ||
			    xu_get16(f, O_DPORT) != dport ||
			    (xu_get16(f, O_FLAGS) & flags) != flags)
				continue;
			return 0;
		}
	} while (xu_now() < end);
	return -1;
}

/* Open a connection by hand from SPOOF_ADDR:@cport; the accepted fd. */
static int handshake(FIXTURE_DATA(ia) *self, uint16_t cport)
{
	uint8_t f[FMAX], r[FMAX];
	struct timeval tv = { .tv_sec = 10 * mul() };
	size_t n;
	int fd;

	self->cport = cport;
	self->iss = 0x10000000U + cport * 7919U;
	drain_sniff(self);
	n = mk(self, f, xu_addr(SPOOF_ADDR), cport, SRV_PORT, self->iss, 0,
	       F_SYN, NULL, 0);
	if (inject(self, f, n) ||
	    wait_seg(self, cport, F_SYN | F_ACK, r, 5000) ||
	    xu_get32(r, O_ACK) != self->iss + 1)
		return -1;
	self->srv_nxt = xu_get32(r, O_SEQ) + 1;
	self->srv_wnd = xu_get32(r, O_WND);
	n = mk(self, f, xu_addr(SPOOF_ADDR), cport, SRV_PORT, self->iss + 1,
	       self->srv_nxt, F_ACK, NULL, 0);
	if (inject(self, f, n))
		return -1;
	fd = accept(self->lfd, NULL, NULL);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Close with a reset: nothing left behind. */
static void rst_close(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* sk_rmem_alloc of the connection on local port SRV_PORT to @cport. */
static long rmem_of(uint16_t cport)
{
	char line[512], l[32], p[32];
	int type, st, lp, pp;
	unsigned int wq, rq;
	long ret = -1;
	FILE *f = fopen("/proc/net/xnet/sockets", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %d %31[^:]:%d %31[^:]:%d %x:%x", &type,
			   &st, l, &lp, p, &pp, &wq, &rq) == 8 &&
		    lp == SRV_PORT && pp == cport && type == SOCK_STREAM)
			ret = rq;
	fclose(f);
	return ret;
}

static int count_state(int state)
{
	char line[512];
	int n = 0, type, st;
	FILE *f = fopen("/proc/net/xnet/sockets", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %d", &type, &st) == 2 && st == state)
			n++;
	fclose(f);
	return n;
}

/* Wait (bounded) until counter @name reaches @want; its last value. */
static long long wait_counter(const char *name, long long want, int ms)
{
	double end = xu_now() + ms * mul() / 1000.0;
	long long v;

	while ((v = xu_counter(name)) >= 0 && v < want && xu_now() < end)
		xu_msleep(20);
	return v;
}

static int get_info(int fd, struct xnet_info *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return getsockopt(fd, SOL_XNET, XNET_INFO, info, &len);
}

/*
 * The node's segments to the hand-made connection until none comes for
 * @ms: the right edge (ack + wnd) each offers. Raises *right to the
 * furthest, keeps in *low the lowest that fell short of it; the number
 * that fell short.
 */
static int watch_edge(FIXTURE_DATA(ia) *self, uint32_t *right, uint32_t *low,
		      int ms)
{
	uint8_t f[FMAX];
	int back = 0;

	while (!wait_seg(self, self->cport, F_ACK, f, ms)) {
		uint32_t r = xu_get32(f, O_ACK) + xu_get32(f, O_WND);

		if ((int32_t)(r - *right) >= 0) {
			*right = r;
			continue;
		}
		back++;
		if ((int32_t)(r - *low) < 0)
			*low = r;
	}
	return back;
}

/* Read until EOF (recv 0) or error; the bytes read, -1 on error. */
static long read_to_eof(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t r;

	for (;;) {
		r = recv(fd, buf + got, cap - got, 0);
		if (r == 0)
			return got;
		if (r < 0)
			return -1;
		got += r;
		if (got == cap)
			return got;
	}
}

FIXTURE_SETUP(ia)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	struct sockaddr_xnet sa = xu_sa(SRV_ADDR, SRV_PORT);
	uint32_t spoof = xu_addr(SPOOF_ADDR), srv = xu_addr(SRV_ADDR);
	int big = 4 << 20, i;
	uint8_t q[X + XU_HLEN], x[XU_HLEN];

	xu_fill(stream, sizeof(stream), 4242, 7);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	xu_sh("ip netns del " ATT_NS " 2>/dev/null");
	ASSERT_EQ(0, xu_sh("ip link set lo up && ip netns add " ATT_NS " && "
			   "ip link add xb type veth peer name xa && "
			   "ip link set xa netns " ATT_NS " && "
			   "ip link set xb up && "
			   "xnetctl addr add " SRV_ADDR " dev xb && "
			   "ip -n " ATT_NS " link set xa up && "
			   "echo 0 > /proc/sys/net/xnet/syncookies"));
	ASSERT_EQ(0, xu_get_mac("xb", self->xb_mac));
	self->own_ns = open("/proc/self/ns/net", O_RDONLY);
	self->att_ns = open("/run/netns/" ATT_NS, O_RDONLY);
	ASSERT_LE(0, self->own_ns);
	ASSERT_LE(0, self->att_ns);

	ASSERT_EQ(0, to_att(self));
	self->ifindex = if_nametoindex("xa");
	ASSERT_LT(0, self->ifindex);
	ASSERT_EQ(0, xu_get_mac("xa", self->xa_mac));
	self->tx = socket(AF_PACKET, SOCK_RAW, 0);
	ASSERT_LE(0, self->tx);
	ll.sll_ifindex = self->ifindex;
	ASSERT_EQ(0, bind(self->tx, (struct sockaddr *)&ll, sizeof(ll)));
	self->sniff = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	ASSERT_LE(0, self->sniff);
	setsockopt(self->sniff, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	ll.sll_protocol = htons(ETH_P_ALL);
	ASSERT_EQ(0, bind(self->sniff, (struct sockaddr *)&ll, sizeof(ll)));
	ASSERT_EQ(0, to_own(self));

	self->lfd = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, bind(self->lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(self->lfd, 16));

	/* the node learns SPOOF_ADDR at xa's MAC from a neighbour query */
	memset(q, 0, sizeof(q));
	memset(q, 0xff, 6);
	memcpy(q + 6, self->xa_mac, 6);
	xu_put16(q, 12, ETH_P_XNET);
	q[X] = XU_VERSION;
	q[X + XU_O_HOPLIMIT] = 1;
	q[O_TYPE] = T_QUERY;
	xu_put16(q, O_LEN, XU_HLEN);
	memcpy(q + O_SADDR, &spoof, 4);
	memcpy(q + O_DADDR, &srv, 4);
	memcpy(x, q + X, XU_HLEN);
	memset(x + 16, 0, 4);
	xu_put32(q, O_CSUM, xu_crc32c(x, XU_HLEN));
	ASSERT_EQ(0, inject(self, q, sizeof(q)));
	for (i = 0; i < 100 * mul(); i++) {
		if (xu_proc_has("neigh", SPOOF_ADDR, NULL) == 1)
			break;
		xu_msleep(20);
	}
	ASSERT_EQ(1, xu_proc_has("neigh", SPOOF_ADDR, NULL));
}

FIXTURE_TEARDOWN(ia)
{
	close(self->tx);
	close(self->sniff);
	close(self->lfd);
	xu_sh("ip netns del " ATT_NS " 2>/dev/null");
}

/*
 * Finding 3: a SYN from the node's own address to its own listening port
 * made the child answer itself without end. It is a martian now.
 */
TEST_F(ia, martian)
{
	uint32_t srv = xu_addr(SRV_ADDR);
	long long mart, segs, rl;
	uint8_t f[FMAX];
	size_t n;

	mart = xu_counter("InMartians");
	segs = xu_counter("OutSegs");
	ASSERT_LE(0, segs);
	n = mk(self, f, srv, SRV_PORT, SRV_PORT, 12345, 0, F_SYN, NULL, 0);
	ASSERT_EQ(0, inject(self, f, n));
	xu_msleep(1000);
	/* the old code had sent thousands by now */
	rl = xu_counter("OutSegs") - segs;
	TH_LOG("one self-addressed SYN: %lld segments sent in 1 s", rl);
	EXPECT_GE(2, rl);
	EXPECT_EQ(0, count_state(XNET_STATE_SYN_RECV));
	ASSERT_LE(0, mart);
	EXPECT_EQ(mart + 1, xu_counter("InMartians"));
}

/*
 * Finding 8: an ACK below snd_una - max_wnd (RFC 5961 5.2) on an
 * in-window segment is refused with one challenge ACK; its data is not
 * delivered.
 */
TEST_F(ia, old_ack)
{
	long long chal, segs;
	uint8_t f[FMAX], b[16];
	size_t n;
	int fd;

	fd = handshake(self, 30001);
	ASSERT_LE(0, fd);
	chal = xu_counter("InChallengeAcks");
	segs = xu_counter("OutSegs");
	ASSERT_LE(0, chal);
	drain_sniff(self);
	/* the node's snd_una is srv_nxt; it saw a window of 65535 at most */
	n = mk(self, f, xu_addr(SPOOF_ADDR), self->cport, SRV_PORT,
	       self->iss + 1, self->srv_nxt - 65535 - 1000, F_ACK, stream,
	       100);
	ASSERT_EQ(0, inject(self, f, n));
	ASSERT_EQ(0, wait_seg(self, self->cport, F_ACK, f, 5000));
	/* the challenge ACK still expects the first byte */
	EXPECT_EQ(self->iss + 1, xu_get32(f, O_ACK));
	EXPECT_EQ(chal + 1, xu_counter("InChallengeAcks"));
	EXPECT_EQ(segs + 1, xu_counter("OutSegs"));
	EXPECT_EQ(-1, recv(fd, b, sizeof(b), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	/* the real data still goes through */
	ASSERT_EQ(0, send_data(self, 0, 10, 0));
	EXPECT_EQ(10, recv(fd, b, 10, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(b, stream, 10));
	rst_close(fd);
}

/*
 * Finding 8: out-of-window pure ACKs earn one ACK per
 * invalid_ratelimit_ms (500 ms) per connection, not one each.
 */
TEST_F(ia, oow_burst)
{
	long long segs, rl, sent, oow, in;
	uint8_t f[FMAX];
	double t0, dt;
	size_t n;
	int fd, i;

	fd = handshake(self, 30002);
	ASSERT_LE(0, fd);
	xu_msleep(200);		/* the handshake's last frames are out */
	segs = xu_counter("OutSegs");
	oow = xu_counter("InOutOfWindow");
	ASSERT_LE(0, segs);
	ASSERT_LE(0, oow);
	rl = xu_counter("OutAcksRateLimited");
	t0 = xu_now();
	for (i = 0; i < 1000; i++) {
		/* far beyond the window */
		n = mk(self, f, xu_addr(SPOOF_ADDR), self->cport, SRV_PORT,
		       self->iss + 1 + 0x40000000U + i * 100, self->srv_nxt,
		       F_ACK, NULL, 0);
		ASSERT_EQ(0, inject(self, f, n));
	}
	/* each is counted in InOutOfWindow before its answer */
	in = wait_counter("InOutOfWindow", oow + 1000, 10000) - oow;
	xu_msleep(100);
	dt = xu_now() - t0;
	sent = xu_counter("OutSegs") - segs;
	TH_LOG("%lld out-of-window ACKs in %.2f s: %lld answers, %lld limited",
	       in, dt, sent, xu_counter("OutAcksRateLimited") - rl);
	ASSERT_EQ(1000, in);
	EXPECT_GE(2 + (long long)(dt / 0.5), sent);
	EXPECT_LE(1, sent);
	ASSERT_LE(0, rl);
	EXPECT_EQ(1000 - sent, xu_counter("OutAcksRateLimited") - rl);
	rst_close(fd);
}

/* Finding 8: segments for no socket earn at most the reset budget. */
TEST_F(ia, rst_budget)
{
	long long rsts, rl, sent, nosock, in;
	uint8_t f[FMAX];
	double t0, dt;
	size_t n;
	int i;

	/* the old module has no such sysctl: it then fails below */
	xu_sh("echo 10 > /proc/sys/net/xnet/rst_rate");
	rsts = xu_counter("OutRsts");
	nosock = xu_counter("InNoSocket");
	ASSERT_LE(0, rsts);
	ASSERT_LE(0, nosock);
	rl = xu_counter("OutRstsRateLimited");
	t0 = xu_now();
	for (i = 0; i < 1000; i++) {
		n = mk(self, f, xu_addr(SPOOF_ADDR), 40000 + (i % 1000), 5999,
		       i, 0, 0, stream, 10);
		ASSERT_EQ(0, inject(self, f, n));
	}
	in = wait_counter("InNoSocket", nosock + 1000, 10000) - nosock;
	xu_msleep(100);
	dt = xu_now() - t0;
	sent = xu_counter("OutRsts") - rsts;
	TH_LOG("%lld segments to a closed port in %.2f s: %lld resets", in, dt,
	       sent);
	ASSERT_EQ(1000, in);
	/* burst 50, 10/s */
	EXPECT_GE(50 + 10 * (long long)(dt + 1), sent);
	EXPECT_LE(50, sent);
	ASSERT_LE(0, rl);
	EXPECT_EQ(1000 - sent, xu_counter("OutRstsRateLimited") - rl);
}

/*
 * Finding 11: overlapping out-of-order segments are trimmed or dropped,
 * never held twice, and the stream stays intact.
 */
TEST_F(ia, ooo_overlap)
{
	uint8_t buf[4096];
	long long in;
	long rm, rm_one;
	int fd, i;

	fd = handshake(self, 30003);
	ASSERT_LE(0, fd);
	in = xu_counter("InSegs");
	ASSERT_LE(0, in);
	/* byte 0 is the hole; [1, 1001) held */
	ASSERT_EQ(0, send_data(self, 1, 1001, 0));
	for (i = 0; i < 100 * mul() && rmem_of(self->cport) <= 0; i++)
		xu_msleep(20);
	rm_one = rmem_of(self->cport);
	ASSERT_LT(0, rm_one);
	/* 500 1-byte segments inside it: all held already */
	for (i = 0; i < 500; i++)
		ASSERT_EQ(0, send_data(self, 1 + i, 2 + i, 0));
	/* 300 1-byte segments, then one covering them all */
	for (i = 0; i < 300; i++)
		ASSERT_EQ(0, send_data(self, 1001 + i, 1002 + i, 0));
	ASSERT_EQ(0, send_data(self, 1001, 1301, 0));
	/* 20 2-byte segments, each overlapping the last by one byte */
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, send_data(self, 1301 + i, 1303 + i, 0));
	ASSERT_EQ(0, send_data(self, 1500, 1501, 0));
	/* 1 + 500 + 301 + 20 + 1 segments */
	ASSERT_EQ(in + 823, wait_counter("InSegs", in + 823, 10000));
	xu_msleep(100);
	rm = rmem_of(self->cport);
	TH_LOG("out of order: %ld bytes held for one segment, %ld after 822 more",
	       rm_one, rm);
	/*
	 * held: 2 large and 21 small skbs (20-25 KB measured on 6.1 and
	 * 6.12); it was 800+ skbs, over 600 KB
	 */
	EXPECT_GT(rm_one * 4 + 21 * 2048, rm);
	/* fill the hole and [1322, 1500): everything up to 1501 in order */
	ASSERT_EQ(0, send_data(self, 1322, 1500, 0));
	ASSERT_EQ(0, send_data(self, 0, 1, 0));
	ASSERT_EQ(1501, recv(fd, buf, 1501, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, stream, 1501));
	EXPECT_EQ(-1, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
	rst_close(fd);
}

/* Finding 14: a FIN on data already received ends the stream. */
TEST_F(ia, fin_seen_data)
{
	uint8_t buf[256];
	int fd;

	fd = handshake(self, 30004);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_data(self, 0, 100, 0));
	ASSERT_EQ(100, recv(fd, buf, 100, MSG_WAITALL));
	/* the same bytes again, now with FIN (another sender's habit) */
	ASSERT_EQ(0, send_data(self, 0, 100, F_FIN));
	EXPECT_EQ(0, recv(fd, buf, sizeof(buf), 0));
	rst_close(fd);
}

/* Finding 14: data beyond a FIN held out of order is not delivered. */
TEST_F(ia, data_after_fin)
{
	uint8_t buf[512];
	long long drops;
	int fd;

	fd = handshake(self, 30005);
	ASSERT_LE(0, fd);
	drops = xu_counter("InStateDrops");
	/* [1, 11) and FIN at 11, out of order behind the hole at 0 */
	ASSERT_EQ(0, send_data(self, 1, 11, F_FIN));
	/* then data beyond the FIN, and again with a FIN elsewhere */
	ASSERT_EQ(0, send_data(self, 11, 111, 0));
	ASSERT_EQ(0, send_data(self, 5, 200, F_FIN));
	ASSERT_EQ(0, send_data(self, 0, 1, 0));
	EXPECT_EQ(11, read_to_eof(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, stream, 11));
	EXPECT_EQ(drops + 2, xu_counter("InStateDrops"));
	rst_close(fd);
}

/*
 * fada151: a receive window's right edge never recedes (RFC 9293 3.8.6).
 * The node's child has a small receive buffer and nobody reads it; the
 * node sends 100 bytes the peer does not acknowledge yet. The peer sends
 * out-of-order data behind a 1-byte hole, up to just short of the right
 * edge of the node's first window: the data fills the buffer, so the
 * window the node could offer now ends before the peer's snd_nxt. The
 * peer's pure ACK of the node's data carries that snd_nxt (beyond
 * rcv_nxt + the current window, inside the right edge offered): it must
 * be taken. The old node judged it by the shrunk window and dropped it
 * (InOutOfWindow), and with a hole each way both ends of a bidirectional
 * transfer stalled for good. No segment of the node's moves the right
 * edge back either.
 */
TEST_F(ia, rcv_right_edge)
{
	const int seg = 512, small = 4096;
	uint32_t right, low, end, off, w0;
	long long oow;
	struct xnet_info info;
	socklen_t sl = sizeof(int);
	int fd, rcvbuf, back, i;
	double deadline;
	uint8_t f[FMAX];
	long rm, space;
	size_t n;

	/* children inherit the listener's buffer and its first window */
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUF, &small,
				sizeof(small)));
	ASSERT_EQ(0, getsockopt(self->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				&sl));
	fd = handshake(self, 30013);
	ASSERT_LE(0, fd);
	w0 = self->srv_wnd;
	TH_LOG("rcvbuf %d, first window %u", rcvbuf, w0);
	ASSERT_LE(2048U, w0);
	ASSERT_GE(sizeof(stream), w0);
	right = self->iss + 1 + w0;
	low = right;

	/* the node's data, left unacknowledged */
	drain_sniff(self);
	ASSERT_EQ(100, send(fd, stream, 100, 0));
	deadline = xu_now() + 5.0 * mul();
	do {
		ASSERT_EQ(0, get_info(fd, &info));
		if (info.xi_unacked == 100)
			break;
		xu_msleep(10);
	} while (xu_now() < deadline);
	ASSERT_EQ(100U, info.xi_unacked);

	/* [1, end) out of order: byte 0 is the hole; end is our snd_nxt */
	end = w0 - 100;
	for (off = 1; off < end; off += seg) {
		ASSERT_EQ(0, send_data(self, off, off + seg < end ?
				       off + seg : end, 0));
		watch_edge(self, &right, &low, 100);
	}
	back = watch_edge(self, &right, &low, 200);
	for (i = 0; i < 100 * mul() && rmem_of(self->cport) <= 0; i++)
		xu_msleep(20);
	rm = rmem_of(self->cport);
	space = rm < rcvbuf ? (rcvbuf - rm) / 2 : 0;
	TH_LOG("held %ld bytes: room for a window of %ld, the peer sent %u",
	       rm, space, end);
	ASSERT_LT(0, rm);
	/* the window the node could offer now ends before our snd_nxt */
	ASSERT_GT((long)end, space);

	/* our pure ACK at snd_nxt, of all the node's data */
	oow = xu_counter("InOutOfWindow");
	ASSERT_LE(0, oow);
	n = mk(self, f, xu_addr(SPOOF_ADDR), self->cport, SRV_PORT,
	       self->iss + 1 + end, self->srv_nxt + 100, F_ACK, NULL, 0);
	ASSERT_EQ(0, inject(self, f, n));
	deadline = xu_now() + 3.0 * mul();
	do {
		ASSERT_EQ(0, get_info(fd, &info));
		if (!info.xi_unacked)
			break;
		xu_msleep(20);
	} while (xu_now() < deadline);
	back += watch_edge(self, &right, &low, 200);
	TH_LOG("right edge: first %u, furthest %u; %d segments offered less (down to %u)",
	       w0, right - self->iss - 1, back, low - self->iss - 1);
	EXPECT_EQ(0U, info.xi_unacked);
	EXPECT_EQ(oow, xu_counter("InOutOfWindow"));
	EXPECT_EQ(0, back);
	rst_close(fd);
}

/*
 * Review of issue 10: cookie SYN+ACKs are one answer per SYN, stateless,
 * and are not drawn from the netns's ACK budget: a SYN flood above it
 * would otherwise turn legitimate clients away. With that budget at 1/s
 * and a burst of 1, every one of 200 SYNs gets its cookie.
 */
TEST_F(ia, cookies_not_limited)
{
	long long segs, sent, rl, cookies;
	uint8_t f[FMAX];
	size_t n;
	int i;

	ASSERT_EQ(0, xu_sh("echo 2 > /proc/sys/net/xnet/syncookies && "
			   "echo 1 > /proc/sys/net/xnet/ack_rate && "
			   "echo 1 > /proc/sys/net/xnet/ratelimit_burst"));
	segs = xu_counter("OutSegs");
	cookies = xu_counter("SyncookiesSent");
	rl = xu_counter("OutAcksRateLimited");
	ASSERT_LE(0, segs);
	ASSERT_LE(0, cookies);
	ASSERT_LE(0, rl);
	for (i = 0; i < 200; i++) {
		n = mk(self, f, xu_addr(SPOOF_ADDR), 41000 + i, SRV_PORT,
		       i * 1000, 0, F_SYN, NULL, 0);
		ASSERT_EQ(0, inject(self, f, n));
	}
	ASSERT_EQ(cookies + 200, wait_counter("SyncookiesSent", cookies + 200,
					      10000));
	xu_msleep(100);
	sent = xu_counter("OutSegs") - segs;
	TH_LOG("200 SYNs with ack_rate 1/s: %lld cookie SYN+ACKs sent", sent);
	EXPECT_EQ(200, sent);
	EXPECT_EQ(rl, xu_counter("OutAcksRateLimited"));
}

/*
 * Review of issue 10: the answer to a peer's keepalive or zero-window
 * probe (seq rcv_nxt - 1, no data) is bounded by the connection's own
 * limit only: a flood of other out-of-window segments that empties the
 * netns's ACK budget must not starve it, or healthy connections would
 * time out.
 */
TEST_F(ia, probe_answer_not_starved)
{
	uint8_t f[FMAX];
	size_t n;
	int fd, i;

	fd = handshake(self, 30010);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xu_sh("echo 1 > /proc/sys/net/xnet/ack_rate && "
			   "echo 1 > /proc/sys/net/xnet/ratelimit_burst && "
			   "echo 0 > /proc/sys/net/xnet/invalid_ratelimit_ms"));
	xu_msleep(200);
	/* the budget is spent by out-of-window ACKs far beyond the window */
	for (i = 0; i < 20; i++) {
		n = mk(self, f, xu_addr(SPOOF_ADDR), self->cport, SRV_PORT,
		       self->iss + 1 + 0x40000000U + i * 100, self->srv_nxt,
		       F_ACK, NULL, 0);
		ASSERT_EQ(0, inject(self, f, n));
	}
	xu_msleep(50);
	drain_sniff(self);
	/* a keepalive probe: one below the next expected byte */
	n = mk(self, f, xu_addr(SPOOF_ADDR), self->cport, SRV_PORT, self->iss,
	       self->srv_nxt, F_ACK, NULL, 0);
	ASSERT_EQ(0, inject(self, f, n));
	ASSERT_EQ(0, wait_seg(self, self->cport, F_ACK, f, 1000));
	EXPECT_EQ(self->iss + 1, xu_get32(f, O_ACK));
	rst_close(fd);
}

/*
 * Review of issue 10: a half-open child answers its SYN's Ethernet
 * source directly, as cookies and resets do: no neighbour entry and no
 * broadcast query for a source address that may be spoofed.
 */
TEST_F(ia, child_synack_direct)
{
	long long queries;
	uint8_t f[FMAX], r[FMAX];
	size_t n;

	queries = xu_counter("NeighQueriesOut");
	ASSERT_LE(0, queries);
	drain_sniff(self);
	n = mk(self, f, xu_addr("10.0.0.123"), 31000, SRV_PORT, 777, 0, F_SYN,
	       NULL, 0);
	ASSERT_EQ(0, inject(self, f, n));
	EXPECT_EQ(0, wait_seg(self, 31000, F_SYN | F_ACK, r, 3000));
	EXPECT_EQ(1, count_state(XNET_STATE_SYN_RECV));
	EXPECT_EQ(queries, xu_counter("NeighQueriesOut"));
	EXPECT_EQ(0, xu_proc_has("neigh", "10.0.0.123", NULL));
	/* an exact reset ends the child: nothing left for the runner */
	n = mk(self, f, xu_addr("10.0.0.123"), 31000, SRV_PORT, 778, 0, F_RST,
	       NULL, 0);
	ASSERT_EQ(0, inject(self, f, n));
	for (n = 0; n < 100 * (size_t)mul() &&
	     count_state(XNET_STATE_SYN_RECV); n++)
		xu_msleep(20);
	EXPECT_EQ(0, count_state(XNET_STATE_SYN_RECV));
}

/*
 * Review of issue 10: a connection in TIME_WAIT is no orphan (it holds
 * no data and ends on its own), as with TCP: with max_orphans 1, a
 * connection the node closed into TIME_WAIT must not turn the next
 * graceful close into a reset.
 */
TEST_F(ia, time_wait_not_orphan)
{
	long long over;
	uint8_t f[FMAX];
	uint32_t fin;
	size_t n;
	int a, b, i;

	ASSERT_EQ(0, xu_sh("echo 1 > /proc/sys/net/xnet/max_orphans && "
			   "echo 1000 > /proc/sys/net/xnet/time_wait_ms"));
	over = xu_counter("OrphanOverflows");
	ASSERT_LE(0, over);
	/* A: the node closes first, the peer ACKs its FIN and sends its own */
	a = handshake(self, 30011);
	ASSERT_LE(0, a);
	drain_sniff(self);
	ASSERT_EQ(0, close(a));
	ASSERT_EQ(0, wait_seg(self, 30011, F_FIN, f, 3000));
	fin = xu_get32(f, O_SEQ);
	n = mk(self, f, xu_addr(SPOOF_ADDR), 30011, SRV_PORT, self->iss + 1,
	       fin + 1, F_ACK | F_FIN, NULL, 0);
	ASSERT_EQ(0, inject(self, f, n));
	for (i = 0; i < 100 * mul() && count_state(XNET_STATE_TIME_WAIT) != 1;
	     i++)
		xu_msleep(20);
	ASSERT_EQ(1, count_state(XNET_STATE_TIME_WAIT));
	/* B: its close is a FIN, not a reset for want of orphan room */
	b = handshake(self, 30012);
	ASSERT_LE(0, b);
	drain_sniff(self);
	ASSERT_EQ(0, close(b));
	EXPECT_EQ(0, wait_seg(self, 30012, F_FIN, f, 3000));
	EXPECT_EQ(over, xu_counter("OrphanOverflows"));
	/* B ends with an exact reset; A's TIME_WAIT ends by itself */
	n = mk(self, f, xu_addr(SPOOF_ADDR), 30012, SRV_PORT, self->iss + 1, 0,
	       F_RST, NULL, 0);
	ASSERT_EQ(0, inject(self, f, n));
	for (i = 0; i < 200 * mul() && (count_state(XNET_STATE_TIME_WAIT) ||
					count_state(XNET_STATE_FIN_WAIT1));
	     i++)
		xu_msleep(20);
	EXPECT_EQ(0, count_state(XNET_STATE_FIN_WAIT1));
	EXPECT_EQ(0, count_state(XNET_STATE_TIME_WAIT));
}

#include "xnet_harness.h"

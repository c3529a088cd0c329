// SPDX-License-Identifier: GPL-2.0
/*
 * Receive offload (GRO, module/offload.c) on crafted frames, with exact
 * counts.
 *
 * Two namespaces joined by a veth pair: the test's own (the receiver,
 * xgb, 10.0.8.2, GRO on) and xg-cli-PID (xga: no xnet address; TSO off
 * so that the veth hands frames to its peer's NAPI, where GRO runs; a
 * plug qdisc). Each batch of frames is crafted with AF_PACKET on xga,
 * held by the plug qdisc and released at once: the frames then reach
 * the receiver's NAPI poll together, in order, as a NIC's ring hands
 * them over. They go to a port without a socket, so every frame that
 * reaches rx.c is counted exactly once: InPackets, then InCsumErrors for
 * a bad CRC, or InSegs (its segments) and InNoSocket. After each batch
 * the counters must have moved by exactly what GRO's rules give:
 *
 *  - in-order segments of one connection merge into one frame;
 *  - a segment with a bad CRC is never merged: the frame held so far
 *    goes up, the bad one goes up alone and is counted in InCsumErrors,
 *    the next one starts a new frame; a bad first segment is found when
 *    the second would merge into it, and goes up alone too;
 *  - a sequence gap, a FIN, a SACK block that changes, another
 *    connection interleaved, a frame shorter than its header says, all
 *    end or keep apart frames as given below; datagrams never merge.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sched.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"

#define RCV_ADDR	"10.0.8.2"
#define SND_ADDR	"10.0.8.1"	/* nobody's: no socket answers */
#define DPORT		7000		/* no socket */
#define PAY		1000
#define FMAX		(ETH_HLEN + XU_CONN_HLEN + 32 + PAY)

#define X		ETH_HLEN
#define O_VER		(X + 0)
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
#define O_NSACK		(O_SEQ + 14)
#define CONN_HLEN	XU_CONN_HLEN
#define F_ACK		0x02
#define F_FIN		0x04

enum { C_PACKETS, C_SEGS, C_CSUM, C_NOSOCK, C_MERGED, C_MALFORMED, NC };
static const char * const cnames[NC] = {
	"InPackets", "InSegs", "InCsumErrors", "InNoSocket", "InGroMerged",
	"InMalformed",
};

FIXTURE(gro) {
	char cli[32];
	int tx, ifindex, own_ns;
	uint8_t a_mac[6], b_mac[6];
	long long c0[NC];
};

static double timeout_mul(void)
{
	const char *e = getenv("XNET_TIMEOUT_MUL");
	int mul = e ? atoi(e) : 1;

	return mul >= 1 && mul <= 20 ? mul : 1;
}

/* Counters of the receiver (the test's netns). */
static int read_all(long long *v)
{
	int i;

	for (i = 0; i < NC; i++) {
		v[i] = xu_counter(cnames[i]);
		if (v[i] < 0)
			return -1;
	}
	return 0;
}

FIXTURE_SETUP(gro)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	char path[64];
	int cli_ns;

	snprintf(self->cli, sizeof(self->cli), "xg-cli-%d", getpid());
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, xu_sh("modprobe sch_plug 2>/dev/null; "
			   "ip link set lo up && ip netns add %s && "
			   "ip link add xgb type veth peer name xga && "
			   "ip link set xga netns %s && "
			   "ip link set xgb up && "
			   "ethtool -K xgb gro on >/dev/null && "
			   "xnetctl addr add " RCV_ADDR " dev xgb && "
			   "{ ip netns exec %s sysctl -qw "
			   "net.ipv6.conf.xga.disable_ipv6=1 2>/dev/null; true; } && "
			   "ip -n %s link set xga up && "
			   "ip netns exec %s ethtool -K xga tso off >/dev/null && "
			   "ip netns exec %s tc qdisc add dev xga root plug",
			   self->cli, self->cli, self->cli, self->cli,
			   self->cli, self->cli));
	ASSERT_EQ(0, xu_sh("ethtool -k xgb | grep -q '^generic-receive-offload: on'"));
	ASSERT_EQ(0, xu_get_mac("xgb", self->b_mac));
	self->own_ns = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_LE(0, self->own_ns);
	snprintf(path, sizeof(path), "/run/netns/%s", self->cli);
	cli_ns = open(path, O_RDONLY);
	ASSERT_LE(0, cli_ns);
	ASSERT_EQ(0, setns(cli_ns, CLONE_NEWNET));
	close(cli_ns);
	self->ifindex = if_nametoindex("xga");
	ASSERT_LT(0, self->ifindex);
	ASSERT_EQ(0, xu_get_mac("xga", self->a_mac));
	self->tx = socket(AF_PACKET, SOCK_RAW, 0);
	ASSERT_LE(0, self->tx);
	ll.sll_ifindex = self->ifindex;
	ASSERT_EQ(0, bind(self->tx, (struct sockaddr *)&ll, sizeof(ll)));
	ASSERT_EQ(0, setns(self->own_ns, CLONE_NEWNET));
	ASSERT_EQ(0, read_all(self->c0));
}

FIXTURE_TEARDOWN(gro)
{
	close(self->tx);
	close(self->own_ns);
	xu_sh("ip netns del %s 2>/dev/null", self->cli);
}

/* the hop limit of the frames mk() builds */
static uint8_t mk_hoplimit = XU_HOPLIMIT;

/* Build a frame; returns its length. @bad: a wrong CRC. */
static size_t mk(FIXTURE_DATA(gro) *self, uint8_t *f, uint8_t type,
		 uint16_t sport, uint32_t seq, uint16_t flags, int nsack,
		 uint32_t sack0, int plen, int bad)
{
	size_t hlen = type == 1 ? XU_HLEN : CONN_HLEN + 8 * nsack;
	size_t xlen = hlen + plen;
	int i;

	memset(f, 0, ETH_HLEN + xlen);
	memcpy(f, self->b_mac, 6);
	memcpy(f + 6, self->a_mac, 6);
	xu_put16(f, 12, ETH_P_XNET);
	f[O_VER] = XU_VERSION;
	f[X + XU_O_HOPLIMIT] = mk_hoplimit;
	f[O_TYPE] = type;
	xu_put16(f, O_LEN, xlen);
	xu_put32(f, O_SADDR, ntohl(xu_addr(SND_ADDR)));
	xu_put32(f, O_DADDR, ntohl(xu_addr(RCV_ADDR)));
	xu_put16(f, O_SPORT, sport);
	xu_put16(f, O_DPORT, DPORT);
	if (type != 1) {
		xu_put32(f, O_SEQ, seq);
		xu_put32(f, O_ACK, 1000);
		xu_put32(f, O_WND, 65536);
		xu_put16(f, O_FLAGS, flags);
		f[O_NSACK] = nsack;
		for (i = 0; i < nsack; i++) {
			xu_put32(f, X + CONN_HLEN + 8 * i, sack0 + 100 * i);
			xu_put32(f, X + CONN_HLEN + 8 * i + 4, sack0 + 100 * i + 50);
		}
	}
	xu_fill(f + ETH_HLEN + hlen, plen, sport, seq);
	xu_put32(f, O_CSUM, xu_crc32c(f + X, xlen));
	if (bad)
		f[ETH_HLEN + xlen - 1] ^= 0x40;	/* after the CRC */
	return ETH_HLEN + xlen;
}

static int inject(FIXTURE_DATA(gro) *self, const uint8_t *f, size_t len)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_ifindex = self->ifindex,
		.sll_halen = 6, .sll_protocol = htons(ETH_P_XNET),
	};

	memcpy(ll.sll_addr, f, 6);
	return sendto(self->tx, f, len, 0, (struct sockaddr *)&ll,
		      sizeof(ll)) == (ssize_t)len ? 0 : -1;
}

/* Send a connection segment of @sport (payload PAY unless @plen). */
#define SEG(sport, seq, flags, nsack, sack0, plen, bad) do {		\
	uint8_t f_[FMAX];						\
	size_t l_ = mk(self, f_, 4, sport, seq, flags, nsack, sack0,	\
		       plen, bad);					\
	ASSERT_EQ(0, inject(self, f_, l_));				\
	nframes++;							\
} while (0)

/*
 * Release the plugged batch of @n frames and wait until rx.c has seen
 * @packets of them; then every counter must have moved exactly as given.
 */
static void release(struct __test_metadata *_metadata,
		    FIXTURE_DATA(gro) *self, int n, long long packets,
		    long long segs, long long csum, long long nosock,
		    long long merged)
{
	long long want[NC] = { packets, segs, csum, nosock, merged, 0 };
	long long v[NC];
	double end;
	int i;

	/* all of the batch is held, nothing else: release it */
	i = xu_sh("ip netns exec %s sh -c \"tc -s qdisc show dev xga | "
		  "grep -q 'backlog [0-9]*b %dp' && tc qdisc change dev xga "
		  "root plug release_indefinite\"", self->cli, n);
	if (i)
		xu_sh("ip netns exec %s tc -s qdisc show dev xga", self->cli);
	ASSERT_EQ(0, i);
	end = xu_now() + 10.0 * timeout_mul();
	do {
		xu_msleep(50);
		ASSERT_EQ(0, read_all(v));
	} while (v[C_PACKETS] - self->c0[C_PACKETS] < packets &&
		 xu_now() < end);
	xu_msleep(200);		/* anything more would show now */
	ASSERT_EQ(0, read_all(v));
	for (i = 0; i < NC; i++) {
		long long d = v[i] - self->c0[i];

		if (d != want[i])
			TH_LOG("%s moved by %lld, expected %lld", cnames[i], d,
			       want[i]);
		EXPECT_EQ(want[i], d);
	}
	memcpy(self->c0, v, sizeof(v));
	ASSERT_EQ(0, xu_sh("ip netns exec %s tc qdisc change dev xga root "
			   "plug block", self->cli));
}

/*
 * 8 in-order segments: one frame of 8. A bad CRC in the middle (the 4th
 * of 10): frames of 3, the bad one alone, then 6. A bad first one (of
 * 6): alone, then a frame of 5.
 */
TEST_F_TIMEOUT(gro, in_order_and_bad_crc, 90)
{
	int nframes = 0, i;

	for (i = 0; i < 8; i++)
		SEG(1001, 5000 + i * PAY, F_ACK, 0, 0, PAY, 0);
	/* packets, segs, csum errors, no socket, merged */
	release(_metadata, self, nframes, 1, 8, 0, 1, 7);

	nframes = 0;
	for (i = 0; i < 10; i++)
		SEG(1002, 9000 + i * PAY, F_ACK, 0, 0, PAY, i == 3);
	release(_metadata, self, nframes, 3, 9, 1, 2, 7);

	nframes = 0;
	for (i = 0; i < 6; i++)
		SEG(1003, 70000 + i * PAY, F_ACK, 0, 0, PAY, i == 0);
	release(_metadata, self, nframes, 2, 5, 1, 1, 4);

	/* every segment bad: nothing merges */
	nframes = 0;
	for (i = 0; i < 5; i++)
		SEG(1004, 1000 + i * PAY, F_ACK, 0, 0, PAY, 1);
	release(_metadata, self, nframes, 5, 0, 5, 0, 0);
}

/*
 * What ends a frame or keeps frames apart: a sequence gap (4 + 4), a FIN with data after 3
 * (3, the FIN alone, then 2), a SACK block that changes (3 without, then
 * 3 with one block: 2 frames), a shorter segment (merged, then the
 * frame ends: 3 + 1 short, then 2 more start a new frame).
 */
TEST_F_TIMEOUT(gro, what_ends_a_frame, 90)
{
	uint8_t f[FMAX + 8] = { 0 };
	int nframes = 0, i;
	size_t l;

	for (i = 0; i < 8; i++)
		SEG(1010, 1000 + i * PAY + (i >= 4) * PAY, F_ACK, 0, 0, PAY, 0);
	release(_metadata, self, nframes, 2, 8, 0, 2, 6);

	nframes = 0;
	for (i = 0; i < 6; i++)
		SEG(1011, 1000 + i * PAY, i == 3 ? F_ACK | F_FIN : F_ACK,
		    0, 0, PAY, 0);
	release(_metadata, self, nframes, 3, 6, 0, 3, 3);

	nframes = 0;
	for (i = 0; i < 6; i++)
		SEG(1012, 1000 + i * PAY, F_ACK, i >= 3, 777, PAY, 0);
	release(_metadata, self, nframes, 2, 6, 0, 2, 4);

	nframes = 0;
	for (i = 0; i < 4; i++)
		SEG(1013, 1000 + i * PAY, F_ACK, 0, 0, PAY, 0);
	SEG(1013, 1000 + 4 * PAY, F_ACK, 0, 0, PAY / 2, 0);
	SEG(1013, 1000 + 4 * PAY + PAY / 2, F_ACK, 0, 0, PAY, 0);
	SEG(1013, 1000 + 5 * PAY + PAY / 2, F_ACK, 0, 0, PAY, 0);
	release(_metadata, self, nframes, 2, 7, 0, 2, 5);

	/*
	 * Two connections interleaved: a frame each. Datagrams: never
	 * merged. A frame longer than its header says (trailing bytes):
	 * not merged, rx.c trims it.
	 */
	nframes = 0;
	for (i = 0; i < 10; i++)
		SEG(1020 + (i & 1), 1000 + (i / 2) * PAY, F_ACK, 0, 0, PAY, 0);
	release(_metadata, self, nframes, 2, 10, 0, 2, 8);

	for (i = 0; i < 4; i++) {
		l = mk(self, f, 1, 1030, 0, 0, 0, 0, PAY, 0);
		ASSERT_EQ(0, inject(self, f, l));
	}
	/* datagrams: no InSegs; a datagram without a socket is InNoSocket */
	release(_metadata, self, 4, 4, 0, 0, 4, 0);

	nframes = 0;
	for (i = 0; i < 4; i++) {
		l = mk(self, f, 4, 1031, 1000 + i * PAY, F_ACK, 0, 0, PAY, 0);
		ASSERT_EQ(0, inject(self, f, l + (i == 1 ? 8 : 0)));
		nframes++;
	}
	/* frame 1 is not merged: 0, 1 alone (flushes 0), 2+3 */
	release(_metadata, self, nframes, 3, 4, 0, 3, 1);

	/* a different hop limit ends the frame, as IP's TTL does: 3 + 3 */
	nframes = 0;
	for (i = 0; i < 6; i++) {
		mk_hoplimit = i < 3 ? XU_HOPLIMIT : XU_HOPLIMIT - 1;
		SEG(1032, 1000 + i * PAY, F_ACK, 0, 0, PAY, 0);
	}
	mk_hoplimit = XU_HOPLIMIT;
	release(_metadata, self, nframes, 2, 6, 0, 2, 4);
}

/* tools the tests run, besides ip and xnetctl (xnet_harness.h) */
#define XNET_NEEDS "ethtool modprobe tc"
#include "xnet_harness.h"

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet receive-path validation, by injecting hand-built frames.
 *
 * Fresh netns per test with a veth pair: xa (no xnet address) is the wire
 * we inject on with AF_PACKET and sniff on; xb carries 10.0.0.2 with an
 * AF_XNET socket bound to 10.0.0.2:4000. Every bad frame must be dropped,
 * counted by exactly its drop counter (by exactly the number injected, the
 * other drop counters untouched) and never delivered. A valid frame built
 * the same way (CRC-32C computed here) must be delivered, which proves the
 * injector. Frames the kernel sends are checked field by field.
 */
#define _GNU_SOURCE
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>

/* the 6.1 harness and its TEST() macro leave parameters unused */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xnet_util.h"

#define HLEN		XU_HLEN
#define T_DGRAM		1
#define T_QUERY		2
#define T_ANSWER	3
#define PORT		4000

static const char * const drop_names[] = {
	"InCsumErrors", "InMalformed", "InBadVersion", "InUnknownType",
	"InNoSocket", "InBufferErrors", "InAddrErrors", "InBadPort",
	"InDatagrams", "NeighUnsolicited",
};
#define NDROP (int)(sizeof(drop_names) / sizeof(drop_names[0]))

struct snap {
	long long v[NDROP];
	long long in_packets;
};

/* All counters of this netns in one read. 0 ok, -1 error. */
static int snap_take(struct snap *s)
{
	char line[256], name[128];
	long long val;
	int i, found = 0, is_pipe;
	FILE *f;

	for (i = 0; i < NDROP; i++)
		s->v[i] = -1;
	s->in_packets = -1;
	f = xu_stats_open(&is_pipe);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lld", name, &val) != 2)
			continue;
		if (!strcmp(name, "InPackets"))
			s->in_packets = val;
		for (i = 0; i < NDROP; i++)
			if (!strcmp(name, drop_names[i])) {
				s->v[i] = val;
				found++;
			}
	}
	if (xu_stats_close(f, is_pipe) || found != NDROP)
		return -1;
	return 0;
}

static int drop_index(const char *name)
{
	int i;

	for (i = 0; i < NDROP; i++)
		if (!strcmp(drop_names[i], name))
			return i;
	return -1;
}

FIXTURE(inj) {
	int tx;			/* AF_PACKET injector on xa */
	int sniff;		/* AF_PACKET sniffer on xa */
	int rx;			/* AF_XNET socket, 10.0.0.2:4000 */
	int xa_index;
	uint8_t xa_mac[6], xb_mac[6];
	struct snap before;
};

FIXTURE_SETUP(inj)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	struct sockaddr_xnet sa = xu_sa("10.0.0.2", PORT);
	struct timeval tv = { .tv_sec = 1 };
	int big = 1 << 20;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, xu_sh("ip link set lo up && "
			   "ip link add xa type veth peer name xb && "
			   "ip link set xa up && ip link set xb up && "
			   "xnetctl addr add 10.0.0.2 dev xb"));
	self->xa_index = if_nametoindex("xa");
	ASSERT_LT(0, self->xa_index);
	ASSERT_EQ(0, xu_get_mac("xa", self->xa_mac));
	ASSERT_EQ(0, xu_get_mac("xb", self->xb_mac));

	self->tx = socket(AF_PACKET, SOCK_RAW, 0);
	ASSERT_LE(0, self->tx);
	ll.sll_protocol = 0;
	ll.sll_ifindex = self->xa_index;
	ASSERT_EQ(0, bind(self->tx, (struct sockaddr *)&ll, sizeof(ll)));

	self->sniff = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	ASSERT_LE(0, self->sniff);
	setsockopt(self->sniff, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	ll.sll_protocol = htons(ETH_P_ALL);
	ASSERT_EQ(0, bind(self->sniff, (struct sockaddr *)&ll, sizeof(ll)));

	self->rx = socket(AF_XNET, SOCK_DGRAM, 0);
	ASSERT_LE(0, self->rx);
	setsockopt(self->rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ASSERT_EQ(0, bind(self->rx, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, snap_take(&self->before));
}

FIXTURE_TEARDOWN(inj)
{
	close(self->tx);
	close(self->sniff);
	close(self->rx);
}

/* ---- frame building ---- */

struct hdr {
	uint8_t version, type;
	uint16_t len;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t csum;
	uint8_t hoplimit, resv[3];
} __attribute__((packed));

/* Recompute the checksum of the xnet packet at x (xlen bytes). */
static void fix_crc(uint8_t *x, size_t xlen)
{
	struct hdr *h = (struct hdr *)x;

	h->csum = 0;
	h->csum = htonl(xu_crc32c(x, xlen));
}

/*
 * Ethernet frame (dst, src = xa, 0x88B5) + a valid xnet packet with plen
 * bytes of payload. Returns the frame length.
 */
static size_t mk(uint8_t *f, const uint8_t *dmac, const uint8_t *smac,
		 uint8_t type, const char *saddr, const char *daddr,
		 uint16_t sport, uint16_t dport, size_t plen, uint32_t seed)
{
	struct hdr *h = (struct hdr *)(f + ETH_HLEN);

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = ETH_P_XNET >> 8;
	f[13] = ETH_P_XNET & 0xff;
	h->version = XU_VERSION;
	h->type = type;
	h->len = htons(HLEN + plen);
	h->saddr = xu_addr(saddr);
	h->daddr = xu_addr(daddr);
	h->sport = htons(sport);
	h->dport = htons(dport);
	h->hoplimit = XU_HOPLIMIT;
	memset(h->resv, 0, sizeof(h->resv));
	xu_fill(f + ETH_HLEN + HLEN, plen, seed, 0);
	fix_crc(f + ETH_HLEN, HLEN + plen);
	return ETH_HLEN + HLEN + plen;
}

/* A DGRAM from 10.0.0.9:1234 to 10.0.0.2:PORT, to xb's MAC. */
static size_t mk_dgram(FIXTURE_DATA(inj) *self, uint8_t *f, size_t plen)
{
	return mk(f, self->xb_mac, self->xa_mac, T_DGRAM, "10.0.0.9",
		  "10.0.0.2", 1234, PORT, plen, 42);
}

static int inject(FIXTURE_DATA(inj) *self, const uint8_t *f, size_t len)
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
 * Wait (bounded) until the drop counters moved by n in total, then check:
 * the counters named in `expect` (one or more alternatives) moved by
 * exactly n together, every other drop counter did not move, and nothing
 * reached the socket.
 */
static void check_dropped(struct __test_metadata *_metadata,
			  FIXTURE_DATA(inj) *self, const char *const *expect,
			  int nexp, long long n)
{
	long long sum_exp = 0, sum_other = 0;
	struct snap now;
	double t0 = xu_now();
	char buf[2048];
	int i, k;

	for (;;) {
		ASSERT_EQ(0, snap_take(&now));
		sum_exp = sum_other = 0;
		for (i = 0; i < NDROP; i++) {
			long long d = now.v[i] - self->before.v[i];
			int hit = 0;

			for (k = 0; k < nexp; k++)
				hit |= !strcmp(drop_names[i], expect[k]);
			if (hit)
				sum_exp += d;
			else
				sum_other += d;
		}
		if (sum_exp + sum_other >= n || xu_now() - t0 > 2.0)
			break;
		xu_msleep(50);
	}
	for (i = 0; i < NDROP; i++)
		if (now.v[i] != self->before.v[i])
			TH_LOG("%s +%lld", drop_names[i],
			       now.v[i] - self->before.v[i]);
	EXPECT_EQ(n, sum_exp);
	EXPECT_EQ(0, sum_other);
	/* every frame handed to xnet is counted in, good or bad */
	EXPECT_EQ(n, now.in_packets - self->before.in_packets);
	errno = 0;
	EXPECT_EQ(-1, recv(self->rx, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	self->before = now;
}

#define CHECK_DROPPED(n, ...) do { \
	static const char *const _e[] = { __VA_ARGS__ }; \
	check_dropped(_metadata, self, _e, sizeof(_e) / sizeof(_e[0]), n); \
} while (0)

/* Next xnet frame on xa sent by the other side (not ours), or 0 on timeout. */
static ssize_t sniff_xnet(FIXTURE_DATA(inj) *self, uint8_t *f, size_t size,
			  int type, int ms)
{
	double deadline = xu_now() + ms / 1000.0;

	for (;;) {
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		struct pollfd p = { .fd = self->sniff, .events = POLLIN };
		int left = (int)((deadline - xu_now()) * 1000);
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return 0;
		n = recvfrom(self->sniff, f, size, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < ETH_HLEN + HLEN || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (f[12] != (ETH_P_XNET >> 8) || f[13] != (ETH_P_XNET & 0xff))
			continue;
		if (type && f[ETH_HLEN + 1] != type)
			continue;
		return n;
	}
}

/* Check a frame the kernel sent: header fields and CRC. */
static void check_frame(struct __test_metadata *_metadata, uint8_t *f,
			ssize_t n, uint8_t type, const char *saddr,
			const char *daddr, uint16_t sport, uint16_t dport,
			size_t plen)
{
	struct hdr *h = (struct hdr *)(f + ETH_HLEN);
	uint32_t got;

	ASSERT_LE((ssize_t)(ETH_HLEN + HLEN + plen), n);
	EXPECT_EQ(XU_VERSION, h->version);
	EXPECT_EQ(type, h->type);
	EXPECT_EQ(HLEN + plen, ntohs(h->len));
	EXPECT_EQ(xu_addr(saddr), h->saddr);
	EXPECT_EQ(xu_addr(daddr), h->daddr);
	EXPECT_EQ(sport, ntohs(h->sport));
	EXPECT_EQ(dport, ntohs(h->dport));
	/* neighbour frames are link-local; others the netns default */
	EXPECT_EQ(type == T_QUERY || type == T_ANSWER ? 1 : XU_HOPLIMIT,
		  h->hoplimit);
	EXPECT_EQ(0, h->resv[0] | h->resv[1] | h->resv[2]);
	got = ntohl(h->csum);
	h->csum = 0;
	EXPECT_EQ(xu_crc32c(f + ETH_HLEN, HLEN + plen), got);
	h->csum = htonl(got);
}

TEST(crc32c_known_answer)
{
	uint8_t z[32] = { 0 };

	/* the usual check value, and RFC 3720 B.4's 32 zero bytes */
	EXPECT_EQ(0xe3069283U, xu_crc32c("123456789", 9));
	EXPECT_EQ(0x8a9136aaU, xu_crc32c(z, sizeof(z)));
}

TEST_F(inj, valid_frame_delivered)
{
	uint8_t f[1600], want[1500], rx[1600];
	struct sockaddr_xnet from;
	socklen_t flen = sizeof(from);
	size_t len;

	len = mk_dgram(self, f, 100);
	ASSERT_EQ(0, inject(self, f, len));
	ASSERT_EQ(100, recvfrom(self->rx, rx, sizeof(rx), 0,
				(struct sockaddr *)&from, &flen));
	xu_fill(want, 100, 42, 0);
	EXPECT_EQ(0, memcmp(want, rx, 100));
	EXPECT_EQ(xu_addr("10.0.0.9"), from.sxn_addr);
	EXPECT_EQ(1234, ntohs(from.sxn_port));
	CHECK_DROPPED(1, "InDatagrams");

	/* largest payload at MTU 1500 */
	len = mk_dgram(self, f, 1476);
	ASSERT_EQ(0, inject(self, f, len));
	ASSERT_EQ(1476, recv(self->rx, rx, sizeof(rx), 0));
	xu_fill(want, 1476, 42, 0);
	EXPECT_EQ(0, memcmp(want, rx, 1476));

	/* empty payload */
	len = mk_dgram(self, f, 0);
	ASSERT_EQ(0, inject(self, f, len));
	ASSERT_EQ(0, recv(self->rx, rx, sizeof(rx), 0));

	/* Ethernet padding past `length` is ignored */
	len = mk_dgram(self, f, 3);
	memset(f + len, 0xee, 60 - len);
	ASSERT_EQ(0, inject(self, f, 60));
	ASSERT_EQ(3, recv(self->rx, rx, sizeof(rx), 0));
	xu_fill(want, 3, 42, 0);
	EXPECT_EQ(0, memcmp(want, rx, 3));

	/* Ethernet broadcast destination is accepted too */
	len = mk_dgram(self, f, 10);
	memset(f, 0xff, 6);
	ASSERT_EQ(0, inject(self, f, len));
	ASSERT_EQ(10, recv(self->rx, rx, sizeof(rx), 0));
	CHECK_DROPPED(4, "InDatagrams");	/* snap was taken after #1 */
}

TEST_F(inj, bad_crc)
{
	uint8_t f[1600];
	size_t len;
	int i;

	for (i = 0; i < 3; i++) {
		struct hdr *h = (struct hdr *)(f + ETH_HLEN);

		len = mk_dgram(self, f, 50 + i);
		h->csum ^= htonl(1U << (i * 7));
		ASSERT_EQ(0, inject(self, f, len));
	}
	/* payload corrupted after the CRC was computed */
	len = mk_dgram(self, f, 200);
	f[len - 1] ^= 0x80;
	ASSERT_EQ(0, inject(self, f, len));
	/* header field (sport) corrupted after the CRC was computed */
	len = mk_dgram(self, f, 20);
	f[ETH_HLEN + 13] ^= 0x02;
	ASSERT_EQ(0, inject(self, f, len));
	/* the hop limit is covered too */
	len = mk_dgram(self, f, 20);
	f[ETH_HLEN + XU_O_HOPLIMIT] ^= 0x01;
	ASSERT_EQ(0, inject(self, f, len));
	CHECK_DROPPED(6, "InCsumErrors");
}

TEST_F(inj, runts)
{
	static const size_t sizes[] = { 0, 1, 10, 19, 20, 23 };
	uint8_t f[1600];
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		mk_dgram(self, f, 0);
		ASSERT_EQ(0, inject(self, f, ETH_HLEN + sizes[i]));
	}
	CHECK_DROPPED(6, "InMalformed");
}

TEST_F(inj, length_beyond_frame)
{
	uint8_t f[1600];
	struct hdr *h = (struct hdr *)(f + ETH_HLEN);
	size_t len;

	/* length one more than the bytes present */
	len = mk_dgram(self, f, 40);
	h->len = htons(HLEN + 41);
	ASSERT_EQ(0, inject(self, f, len));
	/* header only, claiming a full-size packet */
	len = mk_dgram(self, f, 0);
	h->len = htons(1500);
	ASSERT_EQ(0, inject(self, f, len));
	/* 0xffff */
	len = mk_dgram(self, f, 100);
	h->len = htons(0xffff);
	ASSERT_EQ(0, inject(self, f, len));
	CHECK_DROPPED(3, "InMalformed");
}

TEST_F(inj, length_below_header)
{
	uint8_t f[1600];
	struct hdr *h = (struct hdr *)(f + ETH_HLEN);
	static const uint16_t lens[] = { 0, 1, 19, 20, 23 };
	size_t len, i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		len = mk_dgram(self, f, 30);
		h->len = htons(lens[i]);
		ASSERT_EQ(0, inject(self, f, len));
	}
	CHECK_DROPPED(5, "InMalformed");
}

TEST_F(inj, bad_version)
{
	static const uint8_t vers[] = { 0, 1, 3, 255 };
	uint8_t f[1600];
	struct hdr *h = (struct hdr *)(f + ETH_HLEN);
	size_t len, i;

	for (i = 0; i < sizeof(vers); i++) {
		len = mk_dgram(self, f, 16);
		h->version = vers[i];
		fix_crc(f + ETH_HLEN, len - ETH_HLEN);
		ASSERT_EQ(0, inject(self, f, len));
	}
	CHECK_DROPPED(4, "InBadVersion");
}

/*
 * A well-formed version 1 frame (20-byte header, no hop limit, its CRC
 * right) is not delivered: InBadVersion, exactly once, nothing else.
 */
TEST_F(inj, version1_frame)
{
	uint8_t f[1600], *x = f + ETH_HLEN;
	size_t plen = 32, len;

	mk_dgram(self, f, plen);
	/* the v1 layout: the payload right after byte 19 */
	memmove(x + 20, x + HLEN, plen);
	x[0] = 1;
	xu_put16(x, 2, 20 + plen);
	xu_put32(x, 16, 0);
	xu_put32(x, 16, xu_crc32c(x, 20 + plen));
	len = ETH_HLEN + 20 + plen;
	ASSERT_EQ(0, inject(self, f, len));
	CHECK_DROPPED(1, "InBadVersion");
}

/*
 * At its destination the hop limit means nothing, 0 included, and the
 * reserved bytes are ignored (the CRC still covers them).
 */
TEST_F(inj, hoplimit_and_reserved_ignored)
{
	uint8_t f[1600], rx[1600];
	struct hdr *h = (struct hdr *)(f + ETH_HLEN);
	size_t len;

	len = mk_dgram(self, f, 10);
	h->hoplimit = 0;
	fix_crc(f + ETH_HLEN, len - ETH_HLEN);
	ASSERT_EQ(0, inject(self, f, len));
	ASSERT_EQ(10, recv(self->rx, rx, sizeof(rx), 0));
	len = mk_dgram(self, f, 11);
	h->hoplimit = 255;
	memset(h->resv, 0xa5, sizeof(h->resv));
	fix_crc(f + ETH_HLEN, len - ETH_HLEN);
	ASSERT_EQ(0, inject(self, f, len));
	ASSERT_EQ(11, recv(self->rx, rx, sizeof(rx), 0));
	CHECK_DROPPED(2, "InDatagrams");
}

TEST_F(inj, unknown_type)
{
	static const uint8_t types[] = { 0, 9, 200, 255 };	/* 6..8: known */
	uint8_t f[1600];
	struct hdr *h = (struct hdr *)(f + ETH_HLEN);
	size_t len, i;

	for (i = 0; i < sizeof(types); i++) {
		len = mk_dgram(self, f, 16);
		h->type = types[i];
		fix_crc(f + ETH_HLEN, len - ETH_HLEN);
		ASSERT_EQ(0, inject(self, f, len));
	}
	CHECK_DROPPED(4, "InUnknownType");
}

TEST_F(inj, bad_ports)
{
	uint8_t f[1600];
	struct hdr *h = (struct hdr *)(f + ETH_HLEN);
	size_t len;

	len = mk_dgram(self, f, 16);
	h->dport = 0;
	fix_crc(f + ETH_HLEN, len - ETH_HLEN);
	ASSERT_EQ(0, inject(self, f, len));
	len = mk_dgram(self, f, 16);
	h->sport = 0;
	fix_crc(f + ETH_HLEN, len - ETH_HLEN);
	ASSERT_EQ(0, inject(self, f, len));
	CHECK_DROPPED(2, "InBadPort");
}

TEST_F(inj, wrong_destination)
{
	uint8_t f[1600];
	size_t len;

	/* nobody's address */
	len = mk(f, self->xb_mac, self->xa_mac, T_DGRAM, "10.0.0.9",
		 "10.0.0.99", 1234, PORT, 16, 1);
	ASSERT_EQ(0, inject(self, f, len));
	CHECK_DROPPED(1, "InAddrErrors");
	/*
	 * An address of this netns, but not of the receiving interface: the
	 * node's all the same (the weak host model, rx.c), and no socket is
	 * bound to it.
	 */
	ASSERT_EQ(0, xu_sh("ip link add xc type veth peer name xd && "
			   "ip link set xc up && "
			   "xnetctl addr add 10.0.0.3 dev xc"));
	len = mk(f, self->xb_mac, self->xa_mac, T_DGRAM, "10.0.0.9",
		 "10.0.0.3", 1234, PORT, 16, 1);
	ASSERT_EQ(0, inject(self, f, len));
	CHECK_DROPPED(1, "InNoSocket");
}

TEST_F(inj, invalid_source)
{
	uint8_t f[1600];
	size_t len;

	len = mk(f, self->xb_mac, self->xa_mac, T_DGRAM, "0.0.0.0",
		 "10.0.0.2", 1234, PORT, 16, 1);
	ASSERT_EQ(0, inject(self, f, len));
	len = mk(f, self->xb_mac, self->xa_mac, T_DGRAM, "255.255.255.255",
		 "10.0.0.2", 1234, PORT, 16, 1);
	ASSERT_EQ(0, inject(self, f, len));
	/* the protocol does not say which: either counter, never both */
	CHECK_DROPPED(2, "InAddrErrors", "InMalformed");
}

TEST_F(inj, no_socket)
{
	uint8_t f[1600];
	size_t len;

	len = mk(f, self->xb_mac, self->xa_mac, T_DGRAM, "10.0.0.9",
		 "10.0.0.2", 1234, PORT + 1, 16, 1);
	ASSERT_EQ(0, inject(self, f, len));
	ASSERT_EQ(0, inject(self, f, len));
	CHECK_DROPPED(2, "InNoSocket");
}

TEST_F(inj, other_host_ignored)
{
	static const uint8_t other[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	uint8_t f[1600], rx[64];
	struct snap now;
	size_t len;
	int i;

	len = mk(f, other, self->xa_mac, T_DGRAM, "10.0.0.9", "10.0.0.2",
		 1234, PORT, 16, 1);
	ASSERT_EQ(0, inject(self, f, len));
	xu_msleep(300);
	errno = 0;
	EXPECT_EQ(-1, recv(self->rx, rx, sizeof(rx), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, snap_take(&now));
	i = drop_index("InDatagrams");
	EXPECT_EQ(self->before.v[i], now.v[i]);
}

TEST_F(inj, unsolicited_answer)
{
	uint8_t f[1600];
	size_t len;

	len = mk(f, self->xb_mac, self->xa_mac, T_ANSWER, "10.0.0.77",
		 "10.0.0.2", 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	CHECK_DROPPED(1, "NeighUnsolicited");
	/* and nothing was learnt from it */
	EXPECT_EQ(0, xu_proc_entries("neigh"));
}

/*
 * A resolved entry is not rewritten by an answer nobody asked for: the
 * classic poisoning of a neighbour cache.
 */
TEST_F(inj, answer_cannot_rewrite_entry)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t evil[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
	uint8_t f[1600];
	char mac[32];
	size_t len;

	/* 10.0.0.9 asks for us: learnt at xa's address, answered */
	len = mk(f, bcast, self->xa_mac, T_QUERY, "10.0.0.9", "10.0.0.2",
		 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	ASSERT_LT(0, sniff_xnet(self, f, sizeof(f), T_ANSWER, 2000));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 self->xa_mac[0], self->xa_mac[1], self->xa_mac[2],
		 self->xa_mac[3], self->xa_mac[4], self->xa_mac[5]);
	ASSERT_EQ(1, xu_proc_has("neigh", "10.0.0.9", mac));
	ASSERT_EQ(0, snap_take(&self->before));
	/* someone else claims 10.0.0.9 */
	len = mk(f, self->xb_mac, evil, T_ANSWER, "10.0.0.9", "10.0.0.2",
		 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	CHECK_DROPPED(1, "NeighUnsolicited");
	EXPECT_EQ(1, xu_proc_has("neigh", "10.0.0.9", mac));
	EXPECT_EQ(0, xu_proc_has("neigh", "10.0.0.9", "02:00:00:00:00:99"));
}

TEST_F(inj, neigh_bad_fields)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	uint8_t f[1600];
	struct hdr *h = (struct hdr *)(f + ETH_HLEN);
	size_t len;

	/* a query with ports set */
	len = mk(f, bcast, self->xa_mac, T_QUERY, "10.0.0.9", "10.0.0.2",
		 0, 0, 0, 0);
	h->sport = htons(7);
	fix_crc(f + ETH_HLEN, len - ETH_HLEN);
	ASSERT_EQ(0, inject(self, f, len));
	/* a query from a multicast Ethernet source */
	len = mk(f, bcast, mcast, T_QUERY, "10.0.0.9", "10.0.0.2", 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	/* an answer to the broadcast address */
	len = mk(f, bcast, self->xa_mac, T_ANSWER, "10.0.0.9",
		 "255.255.255.255", 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	CHECK_DROPPED(3, "InMalformed");
	/* nothing answered, nothing learnt */
	EXPECT_EQ(0, sniff_xnet(self, f, sizeof(f), T_ANSWER, 500));
	EXPECT_EQ(0, xu_proc_entries("neigh"));
}

TEST_F(inj, query_invalid_addresses)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[1600];
	size_t len;
	ssize_t n;

	/* from 0.0.0.0 and from the broadcast address: never valid */
	len = mk(f, bcast, self->xa_mac, T_QUERY, "0.0.0.0", "10.0.0.2",
		 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	len = mk(f, bcast, self->xa_mac, T_QUERY, "255.255.255.255",
		 "10.0.0.2", 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	CHECK_DROPPED(2, "InMalformed", "InAddrErrors");
	EXPECT_EQ(0, sniff_xnet(self, f, sizeof(f), T_ANSWER, 500));
	EXPECT_EQ(0, xu_proc_entries("neigh"));

	/*
	 * A query for 255.255.255.255: nobody owns the broadcast address, so
	 * nobody may answer (an answer would carry it as its source).
	 */
	len = mk(f, bcast, self->xa_mac, T_QUERY, "10.0.0.9",
		 "255.255.255.255", 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	n = sniff_xnet(self, f, sizeof(f), T_ANSWER, 500);
	if (n > 0) {
		char sa[INET_ADDRSTRLEN], da[INET_ADDRSTRLEN];
		struct hdr *h = (struct hdr *)(f + ETH_HLEN);

		TH_LOG("query for 255.255.255.255 answered: %s -> %s",
		       xu_ntoa(h->saddr, sa), xu_ntoa(h->daddr, da));
	}
	EXPECT_EQ(0, n);
}

TEST_F(inj, query_for_other_interface)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	long long aout0 = xu_counter("NeighAnswersOut");
	uint8_t f[1600];
	size_t len;

	ASSERT_LE(0, aout0);
	/* 10.0.0.3 belongs to this netns, but to xc, not to xb */
	ASSERT_EQ(0, xu_sh("ip link add xc type veth peer name xd && "
			   "ip link set xc up && "
			   "xnetctl addr add 10.0.0.3 dev xc"));
	len = mk(f, bcast, self->xa_mac, T_QUERY, "10.0.0.9", "10.0.0.3",
		 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	EXPECT_EQ(0, sniff_xnet(self, f, sizeof(f), T_ANSWER, 500));
	EXPECT_EQ(aout0, xu_counter("NeighAnswersOut"));
}

TEST_F(inj, query_answered)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	long long qin0 = xu_counter("NeighQueriesIn");
	long long aout0 = xu_counter("NeighAnswersOut");
	long long qout0 = xu_counter("NeighQueriesOut");
	uint8_t f[1600], want[64];
	struct sockaddr_xnet dst = xu_sa("10.0.0.9", 5555);
	char cmd[160];
	ssize_t n;
	size_t len;

	ASSERT_LE(0, qin0);
	ASSERT_LE(0, aout0);
	ASSERT_LE(0, qout0);

	/* a query for somebody else: no answer */
	len = mk(f, bcast, self->xa_mac, T_QUERY, "10.0.0.9", "10.0.0.50",
		 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	EXPECT_EQ(0, sniff_xnet(self, f, sizeof(f), T_ANSWER, 500));

	/* a query for 10.0.0.2 from 10.0.0.9 at xa's MAC */
	len = mk(f, bcast, self->xa_mac, T_QUERY, "10.0.0.9", "10.0.0.2",
		 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	n = sniff_xnet(self, f, sizeof(f), T_ANSWER, 3000);
	ASSERT_LT(0, n);
	EXPECT_EQ(0, memcmp(f, self->xa_mac, 6));	/* to the querier */
	EXPECT_EQ(0, memcmp(f + 6, self->xb_mac, 6));
	check_frame(_metadata, f, n, T_ANSWER, "10.0.0.2", "10.0.0.9", 0, 0, 0);
	/* the query for somebody else may or may not be counted */
	EXPECT_LE(qin0 + 1, xu_counter("NeighQueriesIn"));
	EXPECT_GE(qin0 + 2, xu_counter("NeighQueriesIn"));
	EXPECT_EQ(aout0 + 1, xu_counter("NeighAnswersOut"));

	/* the querier was learnt, with its MAC */
	EXPECT_EQ(1, xu_proc_entries("neigh"));
	snprintf(cmd, sizeof(cmd),
		 "xnetctl neigh show | grep 10.0.0.9 | grep -qi %02x:%02x:%02x:%02x:%02x:%02x",
		 self->xa_mac[0], self->xa_mac[1], self->xa_mac[2],
		 self->xa_mac[3], self->xa_mac[4], self->xa_mac[5]);
	EXPECT_EQ(0, xu_sh("%s", cmd));

	/* so a datagram to it needs no query */
	ASSERT_EQ(9, sendto(self->rx, "direct!!!", 9, 0,
			    (struct sockaddr *)&dst, sizeof(dst)));
	n = sniff_xnet(self, f, sizeof(f), T_DGRAM, 3000);
	ASSERT_LT(0, n);
	EXPECT_EQ(0, memcmp(f, self->xa_mac, 6));
	check_frame(_metadata, f, n, T_DGRAM, "10.0.0.2", "10.0.0.9", PORT,
		    5555, 9);
	memcpy(want, "direct!!!", 9);
	EXPECT_EQ(0, memcmp(f + ETH_HLEN + HLEN, want, 9));
	EXPECT_EQ(qout0, xu_counter("NeighQueriesOut"));
}

static int get_hl(int fd)
{
	socklen_t l = sizeof(int);
	int v = -100;

	if (getsockopt(fd, SOL_XNET, XNET_HOPLIMIT, &v, &l) || l != sizeof(v))
		return -100;
	return v;
}

static int set_hl(int fd, int v)
{
	return setsockopt(fd, SOL_XNET, XNET_HOPLIMIT, &v, sizeof(v));
}

/* The hop limit of the frame in @f, after checking its CRC: -1 if bad. */
static int wire_hl(const uint8_t *f, ssize_t n)
{
	uint8_t x[1600];
	size_t xlen = xu_get16(f, ETH_HLEN + 2);
	uint32_t crc;

	if (n < ETH_HLEN + HLEN || xlen > sizeof(x) ||
	    xlen > (size_t)n - ETH_HLEN)
		return -1;
	memcpy(x, f + ETH_HLEN, xlen);
	crc = xu_get32(x, 16);
	xu_put32(x, 16, 0);
	return xu_crc32c(x, xlen) == crc ? x[XU_O_HOPLIMIT] : -1;
}

/*
 * XNET_HOPLIMIT: 64 by default, 1..255, -1 restores the default, which
 * is net.xnet.hoplimit (1..255); the frames a socket sends carry it.
 */
TEST_F(inj, hoplimit_option)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct sockaddr_xnet dst = xu_sa("10.0.0.9", 5555);
	static const int bad[] = { 0, 256, -2, 1000, -1000 };
	uint8_t f[1600];
	size_t len, i;
	ssize_t n;
	int s;

	/* the node learns 10.0.0.9 at xa's MAC: its frames go straight out */
	len = mk(f, bcast, self->xa_mac, T_QUERY, "10.0.0.9", "10.0.0.2",
		 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	ASSERT_LT(0, sniff_xnet(self, f, sizeof(f), T_ANSWER, 3000));
	EXPECT_EQ(1, wire_hl(f, ETH_HLEN + HLEN));

	EXPECT_EQ(64, get_hl(self->rx));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, set_hl(self->rx, bad[i]));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(64, get_hl(self->rx));
	ASSERT_EQ(0, set_hl(self->rx, 7));
	EXPECT_EQ(7, get_hl(self->rx));
	ASSERT_EQ(3, sendto(self->rx, "hl7", 3, 0, (struct sockaddr *)&dst,
			    sizeof(dst)));
	n = sniff_xnet(self, f, sizeof(f), T_DGRAM, 3000);
	EXPECT_EQ(7, wire_hl(f, n));
	ASSERT_EQ(0, set_hl(self->rx, 255));
	EXPECT_EQ(255, get_hl(self->rx));

	/* -1: the netns default, read at each send */
	EXPECT_NE(0, xu_sh("echo 0 > /proc/sys/net/xnet/hoplimit 2>/dev/null"));
	EXPECT_NE(0, xu_sh("echo 256 > /proc/sys/net/xnet/hoplimit 2>/dev/null"));
	ASSERT_EQ(0, xu_sh("echo 100 > /proc/sys/net/xnet/hoplimit"));
	EXPECT_EQ(255, get_hl(self->rx));
	ASSERT_EQ(0, set_hl(self->rx, -1));
	EXPECT_EQ(100, get_hl(self->rx));
	ASSERT_EQ(3, sendto(self->rx, "dfl", 3, 0, (struct sockaddr *)&dst,
			    sizeof(dst)));
	n = sniff_xnet(self, f, sizeof(f), T_DGRAM, 3000);
	EXPECT_EQ(100, wire_hl(f, n));

	/* a connection's segments: its SYN */
	s = socket(AF_XNET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, s);
	EXPECT_EQ(100, get_hl(s));
	errno = 0;
	EXPECT_EQ(-1, set_hl(s, 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, set_hl(s, 9));
	EXPECT_EQ(9, get_hl(s));
	errno = 0;
	EXPECT_EQ(-1, connect(s, (struct sockaddr *)&dst, sizeof(dst)));
	EXPECT_EQ(EINPROGRESS, errno);
	n = sniff_xnet(self, f, sizeof(f), 4, 3000);
	EXPECT_EQ(9, wire_hl(f, n));
	close(s);
}

TEST_F(inj, resolution_on_the_wire)
{
	static const uint8_t peer_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	long long ain0 = xu_counter("NeighAnswersIn");
	struct sockaddr_xnet dst = xu_sa("10.0.0.60", 6060);
	uint8_t f[1600], payload[300];
	ssize_t n;
	size_t len;

	ASSERT_LE(0, ain0);
	xu_fill(payload, sizeof(payload), 9, 9);
	ASSERT_EQ(300, sendto(self->rx, payload, 300, 0,
			      (struct sockaddr *)&dst, sizeof(dst)));

	/* the query: broadcast, from xb, 10.0.0.2 asking for 10.0.0.60 */
	n = sniff_xnet(self, f, sizeof(f), T_QUERY, 3000);
	ASSERT_LT(0, n);
	EXPECT_EQ(0, memcmp(f, "\xff\xff\xff\xff\xff\xff", 6));
	EXPECT_EQ(0, memcmp(f + 6, self->xb_mac, 6));
	check_frame(_metadata, f, n, T_QUERY, "10.0.0.2", "10.0.0.60", 0, 0, 0);
	EXPECT_EQ(1, xu_sh("xnetctl neigh show | grep 10.0.0.60 | grep -q REACHABLE"));

	/* answer it from a made-up MAC */
	len = mk(f, self->xb_mac, peer_mac, T_ANSWER, "10.0.0.60", "10.0.0.2",
		 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));

	/* the queued datagram leaves, to the answering MAC, intact */
	n = sniff_xnet(self, f, sizeof(f), T_DGRAM, 3000);
	ASSERT_LT(0, n);
	EXPECT_EQ(0, memcmp(f, peer_mac, 6));
	EXPECT_EQ(0, memcmp(f + 6, self->xb_mac, 6));
	check_frame(_metadata, f, n, T_DGRAM, "10.0.0.2", "10.0.0.60", PORT,
		    6060, 300);
	EXPECT_EQ(0, memcmp(f + ETH_HLEN + HLEN, payload, 300));
	EXPECT_EQ(ain0 + 1, xu_counter("NeighAnswersIn"));
	EXPECT_EQ(0, xu_sh("xnetctl neigh show | grep 10.0.0.60 | "
			   "grep -i 02:11:22:33:44:55 | grep -q REACHABLE"));
}

TEST_F(inj, resolution_queue_limit)
{
	static const uint8_t peer_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x66 };
	long long qd0 = xu_counter("NeighQueueDrops");
	struct sockaddr_xnet dst = xu_sa("10.0.0.61", 6161);
	uint8_t f[1600], payload[64];
	int i, s, got[5] = { 0 };
	ssize_t n;
	size_t len;

	ASSERT_LE(0, qd0);
	/* a second socket, closed while its frames wait for resolution */
	s = socket(AF_XNET, SOCK_DGRAM, 0);
	ASSERT_LE(0, s);
	for (i = 0; i < 5; i++) {
		xu_fill(payload, sizeof(payload), 61, i);
		ASSERT_EQ(64, sendto(i < 2 ? self->rx : s, payload, 64, 0,
				     (struct sockaddr *)&dst, sizeof(dst)));
	}
	close(s);
	n = sniff_xnet(self, f, sizeof(f), T_QUERY, 3000);
	ASSERT_LT(0, n);
	EXPECT_EQ(qd0 + 2, xu_counter("NeighQueueDrops"));

	len = mk(f, self->xb_mac, peer_mac, T_ANSWER, "10.0.0.61", "10.0.0.2",
		 0, 0, 0, 0);
	ASSERT_EQ(0, inject(self, f, len));
	/* only the last 3 frames were kept, and they leave in order */
	for (i = 0; i < 3; i++) {
		int k;

		n = sniff_xnet(self, f, sizeof(f), T_DGRAM, 3000);
		ASSERT_LT(0, n);
		for (k = 0; k < 5; k++) {
			xu_fill(payload, sizeof(payload), 61, k);
			if (!memcmp(f + ETH_HLEN + HLEN, payload, 64))
				got[k] = i + 1;
		}
	}
	EXPECT_EQ(0, sniff_xnet(self, f, sizeof(f), T_DGRAM, 300));
	EXPECT_EQ(0, got[0]);
	EXPECT_EQ(0, got[1]);
	EXPECT_EQ(1, got[2]);
	EXPECT_EQ(2, got[3]);
	EXPECT_EQ(3, got[4]);
}

#include "xnet_harness.h"

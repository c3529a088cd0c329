// SPDX-License-Identifier: GPL-2.0
/*
 * Secure channels (issue 13) from the outside: what an attacker on the
 * link sees and can do against two peers that share a key.
 *
 * Two namespaces joined by a veth pair: the test's own (node B, xb,
 * 10.0.0.2) and "xs-cli" (node A, xa, 10.0.0.1, and the attacker, who
 * sniffs and injects on xa with AF_PACKET). Sockets of A are made in
 * xs-cli (setns there and back: a socket keeps the netns it was made in);
 * counters of either side are read from /proc/thread-self/net/xnet/snmp
 * after a setns, or from /proc/PID/net in a forked child.
 *
 * - wrong_key: one side holds another key: nothing is delivered, the
 *   initiation is refused (its fingerprint names no key of B's, while a key
 *   of B's applies to A: InAuthFailures),
 *   connect fails with ETIMEDOUT.
 * - bit_flips: a sealed datagram is captured as it leaves A, B never
 *   getting it (xb's MTU is lowered below its size for that moment: veth
 *   drops it on the way in). One bit is flipped at each offset of the
 *   xnet frame (all 8 bits of the 40 header bytes), the CRC recomputed
 *   (but for flips in the CRC), and each copy injected: every one is
 *   dropped and counted under the one counter the receive path must
 *   use (table in flip_expect()); then the frame itself is injected and
 *   delivered once (it was valid and fresh: the flips were refused for
 *   what they changed, not because the frame was stale), then its
 *   hop-limit flips (outside the tag by design: routers change it) and
 *   itself again are replays.
 * - slow_responder: answers slower than the retry interval still make
 *   a session (B's frames delayed 1.5 s).
 * - replay: captured frames injected again at once, and after the
 *   sessions rekeyed (net.xnet.rekey_ms=1000): all dropped, counted.
 * - rotate_bulk: a stream transfer each way (SHA-256 checked by
 *   xnet_bulk) while the key is rotated twice on both sides (staggered
 *   by a second) and the sessions rekey every second: intact, no frame
 *   refused.
 * - require_injector: net.xnet.secure=2: plain datagrams and neighbour
 *   frames from an unkeyed injector are dropped (InPlainDropped), the
 *   neighbour table is unchanged, nothing is answered.
 * - marker: the bytes of a known 64-byte marker are on the wire in a
 *   plain transfer and nowhere in a protected one.
 * - sockopt: XNET_SECURE's EACCES and its value on connected sockets.
 * - handshake_flood: spoofed initiations (random sources, right
 *   fingerprint, random MAC) and replays of a real one, while A and B
 *   keep rekeying and transferring: every one refused and counted,
 *   nothing kept for them, the legitimate transfers intact.
 *
 * Environment: XNET_TIMEOUT_MUL stretches waits; XNET_SEC_BULK_MB
 * (default 2; the issue asks 64, which takes minutes under emulation)
 * sizes rotate_bulk's transfer each way; XNET_SEC_FLOOD_N (default
 * 20000, divided by XNET_TIMEOUT_MUL; the 100000 take 50 s
 * under emulation) sizes the flood. Measured on 6.1 under TCG: a
 * protected stream carries 0.59 MB/s one way, 0.18-0.31 MB/s each way
 * both ways (plain: 4.9 MB/s); the flood is refused at ~2000 frames/s.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"

#define B_ADDR		"10.0.0.2"
#define A_ADDR		"10.0.0.1"
#define STRANGER	"10.0.0.77"
#define NOBODY		"10.0.0.3"
#define CLI_NS		"xs-cli"
#define SRV_PORT	5000
#define DG_PORT		6000
#define BULK_PORT	7000
#define FMAX		2048

/* frame offsets: Ethernet, common header, seal or handshake header */
#define X		ETH_HLEN
#define O_VER		(X + 0)
#define O_TYPE		(X + 1)
#define O_LEN		(X + 2)
#define O_SADDR		(X + 4)
#define O_DADDR		(X + 8)
#define O_CSUM		(X + 16)
#define O_HOP		(X + 20)
#define O_INNER		(X + 24)	/* seal header */
#define O_INDEX		(X + 28)
#define O_COUNTER	(X + 32)
#define O_HS_KIND	(X + 24)	/* handshake header */
#define O_HS_FPR	(X + 36)
#define O_HS_TS		(X + 48)	/* 4 bytes of padding before it */
#define SEAL_HLEN	16
#define TAGLEN		16
#define HS_LEN		(XU_HLEN + 80)	/* sizeof(struct xnet_hshdr) 80 */

enum { T_DGRAM = 1, T_QUERY, T_ANSWER, T_STREAM, T_SEQPACKET, T_ERROR,
       T_SEALED, T_HANDSHAKE };

/* The counters the tests read, of either node. */
enum {
	K_AUTH, K_REPLAY, K_NOKEY, K_PLAIN, K_CSUM, K_VER, K_MALF, K_ADDR,
	K_TYPE, K_NOSOCK, K_MARTIAN,
	K_NDROP,			/* the drop counters are those above */
	K_OUTNOKEY = K_NDROP, K_ESTAB, K_REKEY, K_HSSENT, K_TFULL, K_PKTS,
	NK
};

static const char * const ctr_names[NK] = {
	"InAuthFailures", "InReplays", "InNoKey", "InPlainDropped",
	"InCsumErrors", "InBadVersion", "InMalformed", "InAddrErrors",
	"InUnknownType", "InNoSocket", "InMartians",
	"OutNoKey", "SessionsEstablished", "SessionRekeys", "HandshakesSent",
	"SessionTableFull", "InPackets",
};

static const uint8_t spoof_mac[6] = { 0x02, 0x58, 0x53, 0x45, 0x43, 0x01 };

static const char marker[] =
	"<<xnet-secure-marker:0123456789:abcdefghijklmnopqrstuvwxyz:!!>>\n";

static int tmul(void)
{
	const char *m = getenv("XNET_TIMEOUT_MUL");
	int v = m ? atoi(m) : 1;

	return v > 0 ? v : 1;
}

static uint32_t rnd_state = 0x2545f491;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static uint64_t get64(const uint8_t *f, int o)
{
	return (uint64_t)xu_get32(f, o) << 32 | xu_get32(f, o + 4);
}

static uint32_t crc_of(const uint8_t *f, size_t xlen)
{
	uint8_t x[FMAX];

	memcpy(x, f + X, xlen);
	memset(x + 16, 0, 4);
	return xu_crc32c(x, xlen);
}

/* Recompute the CRC over the length field's bytes (bounded by the frame). */
static void fix_crc(uint8_t *f, size_t flen)
{
	size_t xlen = xu_get16(f, O_LEN);

	if (xlen > flen - X)
		xlen = flen - X;
	if (xlen < XU_HLEN)
		return;
	xu_put32(f, O_CSUM, crc_of(f, xlen));
}

FIXTURE(sec) {
	int own_ns, cli_ns;
	int tx, sniff, ifindex;		/* xs-cli's, on xa */
	uint8_t xa_mac[6], xb_mac[6];
	char k1[65], k2[65], k3[65], kw[65];
	long long v[NK];
};

static int to_cli(FIXTURE_DATA(sec) *self)
{
	return setns(self->cli_ns, CLONE_NEWNET);
}

static int to_own(FIXTURE_DATA(sec) *self)
{
	return setns(self->own_ns, CLONE_NEWNET);
}

/* A socket in A's netns. */
static int cli_socket(FIXTURE_DATA(sec) *self, int domain, int type, int proto)
{
	int fd;

	if (to_cli(self))
		return -1;
	fd = socket(domain, type, proto);
	if (to_own(self)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int read_ctrs_file(const char *path, long long *v)
{
	char line[256], name[128];
	long long val;
	int i, found = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	for (i = 0; i < NK; i++)
		v[i] = -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lld", name, &val) != 2)
			continue;
		for (i = 0; i < NK; i++)
			if (!strcmp(name, ctr_names[i])) {
				v[i] = val;
				found++;
			}
	}
	fclose(f);
	return found == NK ? 0 : -1;
}

/* Every counter of B (@cli 0) or A (@cli 1); -1 if one is missing. */
static int ctrs(FIXTURE_DATA(sec) *self, int cli, long long *v)
{
	int ret;

	if (cli && to_cli(self))
		return -1;
	ret = read_ctrs_file("/proc/thread-self/net/xnet/snmp", v);
	if (cli && to_own(self))
		return -1;
	return ret;
}

static long long ctr(FIXTURE_DATA(sec) *self, int cli, int k)
{
	long long v[NK];

	return ctrs(self, cli, v) ? -1 : v[k];
}

/* Wait until counter @k of a node reaches @want; its last value. */
static long long wait_ctr(FIXTURE_DATA(sec) *self, int cli, int k,
			  long long want, int ms)
{
	double end = xu_now() + ms * tmul() / 1000.0;
	long long v;

	for (;;) {
		v = ctr(self, cli, k);
		if (v < 0 || v >= want || xu_now() > end)
			return v;
		xu_msleep(20);
	}
}

/* A sysctl net.xnet.NAME of B (@cli 0) or A. */
static int sysctl_set(FIXTURE_DATA(sec) *self, int cli, const char *name,
		      const char *val)
{
	char path[128];
	int fd, ret = -1;

	if (cli && to_cli(self))
		return -1;
	snprintf(path, sizeof(path), "/proc/sys/net/xnet/%s", name);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ?
		      0 : -1;
		close(fd);
	}
	if (cli && to_own(self))
		return -1;
	return ret;
}

static int secure_both(FIXTURE_DATA(sec) *self, const char *v)
{
	return sysctl_set(self, 0, "secure", v) ||
	       sysctl_set(self, 1, "secure", v) ? -1 : 0;
}

/* xnetctl in B's netns (@cli 0) or A's. */
static int xnetctl(int cli, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return xu_sh("%sxnetctl %s", cli ? "ip netns exec " CLI_NS " " : "",
		     cmd);
}

/* Key @id (hex @k) for the other node on both sides. */
static int key_pair(int id, const char *k)
{
	return xnetctl(0, "key add %d %s peer " A_ADDR, id, k) ||
	       xnetctl(1, "key add %d %s peer " B_ADDR, id, k) ? -1 : 0;
}

static void hexkey(char *out)
{
	uint8_t k[32];
	int i;

	if (getrandom(k, sizeof(k), 0) != sizeof(k))
		for (i = 0; i < 32; i++)
			k[i] = rnd();
	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", k[i]);
}

static int inject(FIXTURE_DATA(sec) *self, const uint8_t *f, size_t len)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_ifindex = self->ifindex,
		.sll_halen = 6, .sll_protocol = htons(ETH_P_XNET),
	};

	memcpy(ll.sll_addr, f, 6);
	return sendto(self->tx, f, len, 0, (struct sockaddr *)&ll,
		      sizeof(ll)) == (ssize_t)len ? 0 : -1;
}

static void cap_drain(int fd)
{
	uint8_t f[FMAX];

	while (recv(fd, f, sizeof(f), MSG_DONTWAIT) >= 0)
		;
}

/*
 * The next xnet frame on the sniffer @fd of direction @out (1: leaving
 * the sniffed device, 0: arriving), of type @type (and, if @sub >= 0,
 * seal inner type or handshake kind @sub), within @ms; its length, 0.
 */
static size_t cap_get(int fd, uint8_t *f, int out, int type, int sub, int ms)
{
	double end = xu_now() + ms * tmul() / 1000.0;

	do {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = recvfrom(fd, f, FMAX, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < X + XU_HLEN || xu_get16(f, 12) != ETH_P_XNET ||
		    xu_get16(f, O_LEN) != n - X)
			continue;
		if ((from.sll_pkttype == PACKET_OUTGOING) != out)
			continue;
		if (f[O_TYPE] != type)
			continue;
		if (sub >= 0 && (n < O_INNER + 1 || f[O_INNER] != sub))
			continue;
		return n;
	} while (xu_now() < end);
	return 0;
}

/* An AF_PACKET socket on @ifname of the current netns: the tap. */
static int sniffer(const char *ifname, int *ifindex)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
	};
	int big = 8 << 20, fd;

	ll.sll_ifindex = if_nametoindex(ifname);
	if (!ll.sll_ifindex)
		return -1;
	if (ifindex)
		*ifindex = ll.sll_ifindex;
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
		close(fd);
		return -1;
	}
	return fd;
}

FIXTURE_SETUP(sec)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };

	hexkey(self->k1);
	hexkey(self->k2);
	hexkey(self->k3);
	hexkey(self->kw);
	rnd_state ^= getpid();
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	xu_sh("ip netns del " CLI_NS " 2>/dev/null");
	ASSERT_EQ(0, xu_sh("ip link set lo up && ip netns add " CLI_NS " && "
			   "ip link add xb type veth peer name xa && "
			   "ip link set xa netns " CLI_NS " && "
			   "ip link set xb up && "
			   "xnetctl addr add " B_ADDR " dev xb && "
			   "ip -n " CLI_NS " link set lo up && "
			   "ip -n " CLI_NS " link set xa up && "
			   "ip netns exec " CLI_NS
			   " xnetctl addr add " A_ADDR " dev xa"));
	ASSERT_EQ(0, xu_get_mac("xb", self->xb_mac));
	self->own_ns = open("/proc/self/ns/net", O_RDONLY);
	self->cli_ns = open("/run/netns/" CLI_NS, O_RDONLY);
	ASSERT_LE(0, self->own_ns);
	ASSERT_LE(0, self->cli_ns);
	ASSERT_EQ(0, to_cli(self));
	ASSERT_EQ(0, xu_get_mac("xa", self->xa_mac));
	self->sniff = sniffer("xa", &self->ifindex);
	ASSERT_LE(0, self->sniff);
	self->tx = socket(AF_PACKET, SOCK_RAW, 0);
	ASSERT_LE(0, self->tx);
	ll.sll_ifindex = self->ifindex;
	ASSERT_EQ(0, bind(self->tx, (struct sockaddr *)&ll, sizeof(ll)));
	ASSERT_EQ(0, to_own(self));
	/* every counter the tests read exists, on both nodes */
	ASSERT_EQ(0, ctrs(self, 0, self->v));
	ASSERT_EQ(0, ctrs(self, 1, self->v));
}

FIXTURE_TEARDOWN(sec)
{
	close(self->tx);
	close(self->sniff);
	xu_sh("ip netns del " CLI_NS " 2>/dev/null");
}

static struct sockaddr_xnet sa_of(const char *addr, uint16_t port)
{
	return xu_sa(addr, port);
}

/* A datagram socket of B (@cli 0) or A bound to @addr:@port. */
static int dgram_bound(FIXTURE_DATA(sec) *self, int cli, const char *addr,
		       uint16_t port)
{
	struct sockaddr_xnet sa = sa_of(addr, port);
	int fd = cli ? cli_socket(self, AF_XNET, SOCK_DGRAM, 0) :
		       socket(AF_XNET, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static ssize_t send_to(int fd, const char *addr, uint16_t port,
		       const void *buf, size_t len)
{
	struct sockaddr_xnet sa = sa_of(addr, port);

	return sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
}

/* A datagram within @ms (scaled), its length or -1. */
static ssize_t recv_within(int fd, void *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms * tmul()) != 1)
		return -1;
	return recv(fd, buf, len, MSG_DONTWAIT);
}

/* Nothing waiting on @fd: 1. */
static int nothing_queued(int fd)
{
	char c;

	return recv(fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

/*
 * The drop counters of B moved by exactly @want (NULL: not at all) from
 * @base; logs the differences. 1 if so.
 */
static int drops_are(struct __test_metadata *_metadata,
		     FIXTURE_DATA(sec) *self, const long long *base,
		     const long long *want, const char *what)
{
	long long v[NK];
	int i, ok = 1;

	if (ctrs(self, 0, v))
		return 0;
	for (i = 0; i < K_NDROP; i++) {
		long long d = v[i] - base[i], w = want ? want[i] : 0;

		if (d != w) {
			TH_LOG("%s: %s moved by %lld, want %lld", what,
			       ctr_names[i], d, w);
			ok = 0;
		}
	}
	return ok;
}

/* Log every counter of either node that moved from @b0 (B) / @a0 (A). */
static void log_deltas(struct __test_metadata *_metadata,
		       FIXTURE_DATA(sec) *self, const long long *b0,
		       const long long *a0)
{
	long long v[NK];
	int i, cli;

	for (cli = 0; cli < 2; cli++) {
		const long long *z = cli ? a0 : b0;

		if (ctrs(self, cli, v))
			continue;
		for (i = 0; i < NK; i++)
			if (v[i] != z[i])
				TH_LOG("%s: %s +%lld", cli ? "A" : "B",
				       ctr_names[i], v[i] - z[i]);
	}
}

/* -------------------------------------------------------------------- */

/*
 * A holds key 1, B another one under the same ID: A's initiations name
 * a fingerprint B has no key for, while a key of B's applies to A: an
 * authentication failure (InAuthFailures there, not InNoKey), no session
 * forms, nothing A sends is delivered, its connect times out.
 */
TEST_F_TIMEOUT(sec, wrong_key, 90)
{
	struct sockaddr_xnet sa = sa_of(B_ADDR, SRV_PORT);
	long long b0[NK], a0[NK], b1[NK], a1[NK];
	int lfd, dfd, cdfd, cfd, to = 3000 * tmul();
	struct pollfd p;
	double t0;

	ASSERT_EQ(0, xnetctl(0, "key add 1 %s peer " A_ADDR, self->kw));
	ASSERT_EQ(0, xnetctl(1, "key add 1 %s peer " B_ADDR, self->k1));
	ASSERT_EQ(0, secure_both(self, "1"));
	lfd = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(lfd, 4));
	dfd = dgram_bound(self, 0, B_ADDR, DG_PORT);
	ASSERT_LE(0, dfd);
	cdfd = cli_socket(self, AF_XNET, SOCK_DGRAM, 0);
	ASSERT_LE(0, cdfd);
	ASSERT_EQ(0, ctrs(self, 0, b0));
	ASSERT_EQ(0, ctrs(self, 1, a0));

	/* a datagram is accepted by the socket, and goes nowhere */
	EXPECT_EQ(5, send_to(cdfd, B_ADDR, DG_PORT, "hello", 5));
	cfd = cli_socket(self, AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, setsockopt(cfd, SOL_XNET, XNET_USER_TIMEOUT, &to,
				sizeof(to)));
	t0 = xu_now();
	errno = 0;
	EXPECT_EQ(-1, connect(cfd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(ETIMEDOUT, errno) TH_LOG("connect: %s after %.1f s",
					   strerror(errno), xu_now() - t0);

	/* the initiations reached B and were refused there */
	EXPECT_LT(b0[K_AUTH], wait_ctr(self, 0, K_AUTH, b0[K_AUTH] + 1,
				       5000));
	ASSERT_EQ(0, ctrs(self, 0, b1));
	ASSERT_EQ(0, ctrs(self, 1, a1));
	TH_LOG("B: InNoKey +%lld InAuthFailures +%lld; A: HandshakesSent +%lld",
	       b1[K_NOKEY] - b0[K_NOKEY], b1[K_AUTH] - b0[K_AUTH],
	       a1[K_HSSENT] - a0[K_HSSENT]);
	EXPECT_LE(a0[K_HSSENT] + 2, a1[K_HSSENT]);
	EXPECT_EQ(b0[K_ESTAB], b1[K_ESTAB]);
	EXPECT_EQ(a0[K_ESTAB], a1[K_ESTAB]);
	/* B sent no response: A refused nothing, it got nothing */
	EXPECT_EQ(a0[K_NOKEY] + a0[K_AUTH], a1[K_NOKEY] + a1[K_AUTH]);
	/* nothing delivered: no connection, no datagram, no plain frame */
	p.fd = lfd;
	p.events = POLLIN;
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_TRUE(nothing_queued(dfd));
	EXPECT_EQ(b0[K_PLAIN], b1[K_PLAIN]);
	close(cfd);
	close(cdfd);
	close(dfd);
	close(lfd);
}

/*
 * The counter a copy of the sealed frame @f (xnet length @xlen, seal
 * counter @c) with bit @bit of byte @off (from the xnet header) flipped
 * must land in, at B, B at secure=2 for type flips. -1: the hop limit
 * (outside the tag: a replay once the frame was accepted), -2: the
 * session index (InNoKey; injected last, they make B handshake again).
 */
static int flip_expect(int off, int bit, size_t xlen, uint64_t c)
{
	if (off == 0)
		return K_VER;
	if (off == 1)
		return K_PLAIN;		/* a plain type, refused at secure=2 */
	if (off == 2 || off == 3) {
		unsigned int l = xlen ^ (1U << (bit + (off == 2 ? 8 : 0)));

		/* longer than the frame, or shorter than a header */
		if (l > xlen || l < XU_HLEN)
			return K_MALF;
		return K_AUTH;		/* cut short: tag or seal header gone */
	}
	if (off >= 4 && off < 8)
		return K_AUTH;		/* not the session's peer */
	if (off >= 8 && off < 12)
		return K_ADDR;		/* not for B */
	if (off >= 16 && off < 20)
		return K_CSUM;
	if (off == 20)
		return -1;
	if (off >= 28 && off < 32)
		return -2;
	if (off >= 32 && off < 40) {
		int k = (39 - off) * 8 + bit;

		/* an older counter was accepted; a newer one fails the tag */
		return (c >> k) & 1 ? K_REPLAY : K_AUTH;
	}
	return K_AUTH;			/* ports, AAD, seal header, payload, tag */
}

struct flip {
	uint16_t off;
	uint8_t bit;
	int8_t want;
};

static size_t flip_frame(const uint8_t *f, size_t len, const struct flip *fl,
			 uint8_t *out)
{
	memcpy(out, f, len);
	out[X + fl->off] ^= 1U << fl->bit;
	if (fl->want != K_CSUM)
		fix_crc(out, len);
	return len;
}

/* Inject every flip whose expectation is @k; how many. */
static int inject_flips(FIXTURE_DATA(sec) *self, const uint8_t *f, size_t len,
			const struct flip *fl, int n, int k)
{
	uint8_t out[FMAX];
	int i, cnt = 0;

	for (i = 0; i < n; i++) {
		if (fl[i].want != k)
			continue;
		flip_frame(f, len, &fl[i], out);
		if (inject(self, out, len))
			return -1;
		cnt++;
	}
	return cnt;
}

#define FLIP_PAYLOAD	1000

TEST_F_TIMEOUT(sec, bit_flips, 150)
{
	static const int phase1[] = { K_CSUM, K_VER, K_MALF, K_ADDR, K_AUTH,
				      K_REPLAY, K_PLAIN };
	static struct flip fl[8 * 64 + FMAX];
	uint8_t f[FMAX], buf[FMAX], want[FLIP_PAYLOAD];
	long long base[NK], exp[NK], a0[NK];
	int dfd, cdfd, i, nfl = 0, n, k;
	size_t len, xlen;
	uint64_t c;

	ASSERT_EQ(0, key_pair(1, self->k1));
	ASSERT_EQ(0, secure_both(self, "1"));
	dfd = dgram_bound(self, 0, B_ADDR, DG_PORT);
	ASSERT_LE(0, dfd);
	cdfd = cli_socket(self, AF_XNET, SOCK_DGRAM, 0);
	ASSERT_LE(0, cdfd);
	ASSERT_EQ(0, ctrs(self, 0, base));
	ASSERT_EQ(0, ctrs(self, 1, a0));
	/* a session, and the first counters used */
	for (i = 0; i < 3; i++) {
		xu_fill(want, sizeof(want), 5, i);
		ASSERT_EQ(FLIP_PAYLOAD, send_to(cdfd, B_ADDR, DG_PORT, want,
						sizeof(want)));
		n = recv_within(dfd, buf, sizeof(buf), 10000);
		if (n != FLIP_PAYLOAD)
			log_deltas(_metadata, self, base, a0);
		ASSERT_EQ(FLIP_PAYLOAD, n) TH_LOG("datagram %d", i);
		ASSERT_EQ(0, memcmp(buf, want, sizeof(want)));
	}

	/* one sealed datagram, seen leaving A, never reaching B */
	ASSERT_EQ(0, xu_sh("ip link set xb mtu 600"));
	cap_drain(self->sniff);
	xu_fill(want, sizeof(want), 5, 99);
	ASSERT_EQ(FLIP_PAYLOAD, send_to(cdfd, B_ADDR, DG_PORT, want,
					sizeof(want)));
	len = cap_get(self->sniff, f, 1, T_SEALED, T_DGRAM, 5000);
	ASSERT_EQ(0, xu_sh("ip link set xb mtu 1500"));
	ASSERT_LT(0, (int)len);
	xlen = len - X;
	ASSERT_EQ(XU_HLEN + SEAL_HLEN + FLIP_PAYLOAD + TAGLEN, (int)xlen);
	EXPECT_EQ(-1, recv_within(dfd, buf, sizeof(buf), 300));
	/* the payload is not in clear */
	EXPECT_EQ(NULL, memmem(f, len, want, 64));
	c = get64(f, O_COUNTER);
	TH_LOG("sealed frame: %zu bytes, index %08x, counter %llu", xlen,
	       xu_get32(f, O_INDEX), (unsigned long long)c);

	for (i = 0; i < (int)xlen; i++) {
		int b, b0 = i < XU_HLEN + SEAL_HLEN ? 0 : i % 8;
		int b1 = i < XU_HLEN + SEAL_HLEN ? 8 : i % 8 + 1;

		for (b = b0; b < b1; b++) {
			fl[nfl].off = i;
			fl[nfl].bit = b;
			fl[nfl].want = flip_expect(i, b, xlen, c);
			nfl++;
		}
	}

	/* 1: every flip refused for what it changed, in one counter */
	ASSERT_EQ(0, ctrs(self, 0, base));
	memset(exp, 0, sizeof(exp));
	for (i = 0; i < (int)(sizeof(phase1) / sizeof(phase1[0])); i++) {
		long long got;

		k = phase1[i];
		if (k == K_PLAIN)
			ASSERT_EQ(0, sysctl_set(self, 0, "secure", "2"));
		n = inject_flips(self, f, len, fl, nfl, k);
		ASSERT_LE(0, n);
		exp[k] += n;
		got = wait_ctr(self, 0, k, base[k] + exp[k], 10000);
		if (k == K_PLAIN)
			ASSERT_EQ(0, sysctl_set(self, 0, "secure", "1"));
		EXPECT_EQ(base[k] + exp[k], got)
			TH_LOG("%d flips for %s", n, ctr_names[k]);
		EXPECT_TRUE(drops_are(_metadata, self, base, exp,
				      ctr_names[k]));
	}
	EXPECT_TRUE(nothing_queued(dfd));

	/* 2: the frame itself was fresh and valid: delivered, once */
	ASSERT_EQ(0, inject(self, f, len));
	EXPECT_EQ(FLIP_PAYLOAD, recv_within(dfd, buf, sizeof(buf), 5000));
	EXPECT_EQ(0, memcmp(buf, want, sizeof(want)));
	EXPECT_TRUE(drops_are(_metadata, self, base, exp, "original"));

	/* 3: now its hop-limit flips, and itself again, are replays */
	n = inject_flips(self, f, len, fl, nfl, -1);
	EXPECT_EQ(8, n);
	ASSERT_EQ(0, inject(self, f, len));
	exp[K_REPLAY] += n + 1;
	EXPECT_EQ(base[K_REPLAY] + exp[K_REPLAY],
		  wait_ctr(self, 0, K_REPLAY, base[K_REPLAY] + exp[K_REPLAY],
			   10000));
	EXPECT_TRUE(drops_are(_metadata, self, base, exp, "hop limit"));

	/* 4: another session index names no session of B's */
	n = inject_flips(self, f, len, fl, nfl, -2);
	EXPECT_EQ(32, n);
	exp[K_NOKEY] += n;
	EXPECT_EQ(base[K_NOKEY] + exp[K_NOKEY],
		  wait_ctr(self, 0, K_NOKEY, base[K_NOKEY] + exp[K_NOKEY],
			   10000));
	EXPECT_TRUE(drops_are(_metadata, self, base, exp, "index"));
	TH_LOG("%d flipped copies refused", nfl);
	xu_msleep(200);
	EXPECT_TRUE(nothing_queued(dfd));
	close(cdfd);
	close(dfd);
}

/*
 * A responder whose answer takes longer than the initiator's retry
 * interval (1 s): a path with a long delay, or a loaded machine where
 * the responder's first transforms take their time (crypto templates
 * instantiated, modules loaded, self-tests run). Every retry is a new
 * initiation with a new index; the initiator must still take the
 * answer to an earlier one of the same attempt, else no handshake ever
 * completes and everything A sends is dropped. B's frames are delayed
 * by 1.5 s (netem).
 */
TEST_F_TIMEOUT(sec, slow_responder, 90)
{
	long long b0[NK], a0[NK];
	uint8_t buf[64];
	int dfd, cdfd;
	ssize_t n;
	double t0;

	ASSERT_EQ(0, key_pair(1, self->k1));
	ASSERT_EQ(0, secure_both(self, "1"));
	ASSERT_EQ(0, xu_sh("tc qdisc add dev xb root netem delay 1500ms"));
	dfd = dgram_bound(self, 0, B_ADDR, DG_PORT);
	ASSERT_LE(0, dfd);
	cdfd = cli_socket(self, AF_XNET, SOCK_DGRAM, 0);
	ASSERT_LE(0, cdfd);
	ASSERT_EQ(0, ctrs(self, 0, b0));
	ASSERT_EQ(0, ctrs(self, 1, a0));
	t0 = xu_now();
	ASSERT_EQ(5, send_to(cdfd, B_ADDR, DG_PORT, "hello", 5));
	n = recv_within(dfd, buf, sizeof(buf), 15000);
	TH_LOG("delivered after %.1f s", xu_now() - t0);
	if (n != 5)
		log_deltas(_metadata, self, b0, a0);
	EXPECT_EQ(5, n);
	EXPECT_LT(a0[K_ESTAB], ctr(self, 1, K_ESTAB));
	xu_sh("tc qdisc del dev xb root");
	close(cdfd);
	close(dfd);
}

#define REPLAY_N	32

/* Capture @n sealed datagrams A sends to B (B receives them). */
static int send_capture(FIXTURE_DATA(sec) *self, int cdfd, int dfd, int n,
			uint32_t seed, uint8_t (*fr)[FMAX], size_t *len)
{
	uint8_t buf[256], want[200];
	int i;

	cap_drain(self->sniff);
	for (i = 0; i < n; i++) {
		xu_fill(want, sizeof(want), seed, i);
		if (send_to(cdfd, B_ADDR, DG_PORT, want, sizeof(want)) !=
		    sizeof(want))
			return -1;
		if (recv_within(dfd, buf, sizeof(buf), 10000) != sizeof(want) ||
		    memcmp(buf, want, sizeof(want)))
			return -2;
	}
	for (i = 0; i < n; i++) {
		len[i] = cap_get(self->sniff, fr[i], 1, T_SEALED, T_DGRAM,
				 3000);
		if (!len[i])
			return -3;
	}
	return 0;
}

/*
 * Frames captured on the wire and injected again: refused as replays at
 * once; after a rekey, those of the new session as replays, those of the
 * old one as replays while it may still receive, as stale (InNoKey) once
 * it expired. Nothing is delivered twice.
 */
TEST_F_TIMEOUT(sec, replay, 120)
{
	static uint8_t fr[REPLAY_N][FMAX], fr2[8][FMAX];
	size_t len[REPLAY_N], len2[8];
	long long base[NK], exp[NK], v[NK], r0;
	uint8_t buf[256];
	int dfd, cdfd, i, ret;
	uint32_t idx1;
	double end;

	ASSERT_EQ(0, key_pair(1, self->k1));
	ASSERT_EQ(0, secure_both(self, "1"));
	dfd = dgram_bound(self, 0, B_ADDR, DG_PORT);
	ASSERT_LE(0, dfd);
	cdfd = cli_socket(self, AF_XNET, SOCK_DGRAM, 0);
	ASSERT_LE(0, cdfd);
	ret = send_capture(self, cdfd, dfd, REPLAY_N, 11, fr, len);
	ASSERT_EQ(0, ret);
	idx1 = xu_get32(fr[0], O_INDEX);

	ASSERT_EQ(0, ctrs(self, 0, base));
	for (i = 0; i < REPLAY_N; i++)
		ASSERT_EQ(0, inject(self, fr[i], len[i]));
	memset(exp, 0, sizeof(exp));
	exp[K_REPLAY] = REPLAY_N;
	EXPECT_EQ(base[K_REPLAY] + REPLAY_N,
		  wait_ctr(self, 0, K_REPLAY, base[K_REPLAY] + REPLAY_N,
			   10000));
	EXPECT_TRUE(drops_are(_metadata, self, base, exp, "at once"));
	EXPECT_TRUE(nothing_queued(dfd));

	/* sessions rekey every second: A sends until its frames change */
	ASSERT_EQ(0, sysctl_set(self, 0, "rekey_ms", "1000"));
	ASSERT_EQ(0, sysctl_set(self, 1, "rekey_ms", "1000"));
	r0 = ctr(self, 1, K_REKEY) + ctr(self, 0, K_REKEY);
	end = xu_now() + 20 * tmul();
	do {
		xu_msleep(200);
		ret = send_capture(self, cdfd, dfd, 1, 12, fr2, len2);
		ASSERT_EQ(0, ret);
	} while (xu_get32(fr2[0], O_INDEX) == idx1 && xu_now() < end);
	ASSERT_NE(idx1, xu_get32(fr2[0], O_INDEX));
	EXPECT_LT(r0, ctr(self, 1, K_REKEY) + ctr(self, 0, K_REKEY));
	ASSERT_EQ(0, send_capture(self, cdfd, dfd, 8, 13, fr2, len2));

	/* the new session's frames, then the old one's */
	ASSERT_EQ(0, ctrs(self, 0, base));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, inject(self, fr2[i], len2[i]));
	memset(exp, 0, sizeof(exp));
	exp[K_REPLAY] = 8;
	EXPECT_EQ(base[K_REPLAY] + 8,
		  wait_ctr(self, 0, K_REPLAY, base[K_REPLAY] + 8, 10000));
	EXPECT_TRUE(drops_are(_metadata, self, base, exp, "new session"));
	for (i = 0; i < REPLAY_N; i++)
		ASSERT_EQ(0, inject(self, fr[i], len[i]));
	end = xu_now() + 10 * tmul();
	do {
		xu_msleep(50);
		ASSERT_EQ(0, ctrs(self, 0, v));
	} while (v[K_REPLAY] + v[K_NOKEY] - base[K_REPLAY] - base[K_NOKEY] <
		 8 + REPLAY_N && xu_now() < end);
	TH_LOG("old session's frames after the rekey: %lld replays, %lld stale",
	       v[K_REPLAY] - base[K_REPLAY] - 8, v[K_NOKEY] - base[K_NOKEY]);
	exp[K_REPLAY] = v[K_REPLAY] - base[K_REPLAY];
	exp[K_NOKEY] = v[K_NOKEY] - base[K_NOKEY];
	EXPECT_EQ(8 + REPLAY_N, exp[K_REPLAY] + exp[K_NOKEY]);
	EXPECT_TRUE(drops_are(_metadata, self, base, exp, "old session"));
	EXPECT_EQ(-1, recv_within(dfd, buf, sizeof(buf), 200));
	close(cdfd);
	close(dfd);
}

/* Run a shell command in a child; its pid. */
static pid_t sh_bg(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (!pid)
		_exit(xu_sh("%s", cmd));
	return pid;
}

static int wait_exit(pid_t pid)
{
	int st;

	if (pid <= 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void log_file(struct __test_metadata *_metadata, const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, "sent_sha", 8) && strncmp(line, "recv_sha", 8))
			TH_LOG("  %s", line);
	}
	fclose(f);
}

/*
 * A stream transfer each way while the key is replaced twice on both
 * sides, a second apart, and sessions rekey every second: both ends get
 * every byte (xnet_bulk checks the SHA-256 of each stream), no frame is
 * refused, sessions rekeyed. The transfer is paced to last at least 16 s
 * so that it spans the rotation whatever the speed of the machine.
 */
TEST_F_TIMEOUT(sec, rotate_bulk, 170)
{
	const char *env = getenv("XNET_SEC_BULK_MB");
	size_t bytes = (size_t)(env ? atoi(env) : 2) << 20;
	/* paced past the rotation steps, which a debug kernel slows too */
	size_t rate = bytes / (16 * tmul());
	const char *srv_out = "/tmp/xnet_secure.srv", *cli_out =
		"/tmp/xnet_secure.cli", *ready = "/tmp/xnet_secure.ready";
	static const char * const steps[] = {
		"key add 2 %s peer %s", "key del 1", "key add 3 %s peer %s",
		"key del 2",
	};
	long long a0[NK], b0[NK], a1[NK], b1[NK];
	int deadline = 150 * tmul(), i, srv_rc, cli_rc;
	pid_t srv, cli;
	double t0;

	ASSERT_EQ(0, key_pair(1, self->k1));
	ASSERT_EQ(0, secure_both(self, "1"));
	ASSERT_EQ(0, sysctl_set(self, 0, "rekey_ms", "1000"));
	ASSERT_EQ(0, sysctl_set(self, 1, "rekey_ms", "1000"));
	ASSERT_EQ(0, ctrs(self, 0, b0));
	ASSERT_EQ(0, ctrs(self, 1, a0));
	unlink(ready);
	t0 = xu_now();
	srv = sh_bg("./xnet_bulk server -b " B_ADDR ":%d -n %zu -r %zu -R %s "
		    "-T %d > %s 2>&1", BULK_PORT, bytes, rate, ready, deadline,
		    srv_out);
	ASSERT_LT(0, srv);
	for (i = 0; i < 100 * tmul() && access(ready, F_OK); i++)
		xu_msleep(100);
	ASSERT_EQ(0, access(ready, F_OK));
	cli = sh_bg("ip netns exec " CLI_NS " ./xnet_bulk client -c " B_ADDR
		    ":%d -n %zu -r %zu -T %d > %s 2>&1", BULK_PORT, bytes,
		    rate, deadline, cli_out);
	ASSERT_LT(0, cli);

	/* B first, A a second later; each step a second after the last */
	for (i = 0; i < 8; i++) {
		const char *fmt = steps[i / 2];
		int cli_side = i & 1;
		const char *k = i / 2 == 0 ? self->k2 : self->k3;
		double ts = xu_now();
		siginfo_t si = { 0 };

		EXPECT_EQ(0, xnetctl(cli_side, fmt, k,
				     cli_side ? B_ADDR : A_ADDR))
			TH_LOG("step %d on %s", i, cli_side ? "A" : "B");
		if (xu_now() - ts < 1.0)
			xu_msleep((1.0 - (xu_now() - ts)) * 1000);
		/* the transfer spans the rotation: still running */
		EXPECT_EQ(0, waitid(P_PID, cli, &si,
				    WEXITED | WNOHANG | WNOWAIT));
		EXPECT_EQ(0, si.si_pid) TH_LOG("step %d at %.1f s", i,
					       xu_now() - t0);
	}
	xnetctl(0, "key show");
	srv_rc = wait_exit(srv);
	cli_rc = wait_exit(cli);
	TH_LOG("%zu MiB each way in %.1f s (paced to >= %d s)", bytes >> 20,
	       xu_now() - t0, 16 * tmul());
	EXPECT_EQ(0, srv_rc);
	EXPECT_EQ(0, cli_rc);
	if (srv_rc || cli_rc) {
		TH_LOG("server:");
		log_file(_metadata, srv_out);
		TH_LOG("client:");
		log_file(_metadata, cli_out);
	}
	ASSERT_EQ(0, ctrs(self, 0, b1));
	ASSERT_EQ(0, ctrs(self, 1, a1));
	TH_LOG("SessionRekeys A +%lld B +%lld, SessionsEstablished A +%lld "
	       "B +%lld, InNoKey A +%lld B +%lld",
	       a1[K_REKEY] - a0[K_REKEY], b1[K_REKEY] - b0[K_REKEY],
	       a1[K_ESTAB] - a0[K_ESTAB], b1[K_ESTAB] - b0[K_ESTAB],
	       a1[K_NOKEY] - a0[K_NOKEY], b1[K_NOKEY] - b0[K_NOKEY]);
	EXPECT_LT(a0[K_REKEY] + b0[K_REKEY] + 1, a1[K_REKEY] + b1[K_REKEY]);
	/*
	 * No frame of the transfer refused for its protection. (InReplays
	 * may move: an initiation retried while its response was on the
	 * way is a replay of the one accepted.)
	 */
	TH_LOG("InReplays A +%lld B +%lld", a1[K_REPLAY] - a0[K_REPLAY],
	       b1[K_REPLAY] - b0[K_REPLAY]);
	/*
	 * An initiation keyed with the new key that reaches the peer
	 * before the peer holds it is refused as a wrong key
	 * (InAuthFailures): at most one per handshake message the peer
	 * sent; a sealed frame refused would show beyond that.
	 */
	TH_LOG("InAuthFailures A +%lld B +%lld", a1[K_AUTH] - a0[K_AUTH],
	       b1[K_AUTH] - b0[K_AUTH]);
	EXPECT_LE(a1[K_AUTH] - a0[K_AUTH], b1[K_HSSENT] - b0[K_HSSENT]);
	EXPECT_LE(b1[K_AUTH] - b0[K_AUTH], a1[K_HSSENT] - a0[K_HSSENT]);
	EXPECT_EQ(a0[K_PLAIN], a1[K_PLAIN]);
	EXPECT_EQ(b0[K_PLAIN], b1[K_PLAIN]);
	unlink(srv_out);
	unlink(cli_out);
	unlink(ready);
}

/* (dst, lladdr) of every entry of `xnetctl -j neigh show` of B, sorted. */
static int neigh_snapshot(char *out, size_t size)
{
	char buf[8192], *p, *q;
	size_t n = 0, o = 0;
	FILE *f = popen("xnetctl -j neigh show 2>/dev/null", "r");

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	if (pclose(f))
		return -1;
	out[0] = 0;
	for (p = buf; (p = strstr(p, "\"dst\"")); p = q) {
		char dst[32] = "", ll[32] = "null";

		sscanf(p, "\"dst\":%*[ \"]%31[^\"]", dst);
		q = strstr(p + 5, "\"dst\"");
		if (!q)
			q = p + strlen(p);
		{
			char *l = strstr(p, "\"lladdr\"");

			if (l && l < q)
				sscanf(l, "\"lladdr\":%*[ \"]%31[^\",}]", ll);
		}
		o += snprintf(out + o, size - o, "%s=%s;", dst, ll);
		if (o >= size)
			return -1;
	}
	return 0;
}

static size_t mk_plain(uint8_t *f, int type,
		       const uint8_t *smac, const uint8_t *dmac,
		       const char *saddr, const char *daddr, uint16_t sport,
		       uint16_t dport, size_t plen)
{
	size_t xlen = XU_HLEN + plen;
	size_t i;

	memset(f, 0, X + xlen);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	xu_put16(f, 12, ETH_P_XNET);
	f[O_VER] = XU_VERSION;
	f[O_TYPE] = type;
	xu_put16(f, O_LEN, xlen);
	xu_put32(f, O_SADDR, ntohl(xu_addr(saddr)));
	xu_put32(f, O_DADDR, ntohl(xu_addr(daddr)));
	xu_put16(f, X + 12, sport);
	xu_put16(f, X + 14, dport);
	f[O_HOP] = type == T_QUERY || type == T_ANSWER ? 1 : XU_HOPLIMIT;
	for (i = 0; i < plen; i++)
		f[X + XU_HLEN + i] = rnd();
	fix_crc(f, X + xlen);
	return X + xlen;
}

/*
 * net.xnet.secure=2 on both: A and B still talk (sealed, their
 * neighbour frames authenticated), and an injector without the key gets
 * nothing in: plain datagrams (from A's address or a stranger's),
 * neighbour answers and queries (unauthenticated, or with a forged
 * trailer) are dropped and counted, the neighbour table is unchanged,
 * nothing is answered.
 */
TEST_F_TIMEOUT(sec, require_injector, 90)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	char before[1024], after[1024];
	uint8_t f[FMAX], buf[256];
	long long base[NK], exp[NK];
	int dfd, cdfd, i, n = 0;
	size_t len;

	ASSERT_EQ(0, key_pair(1, self->k1));
	ASSERT_EQ(0, secure_both(self, "2"));
	dfd = dgram_bound(self, 0, B_ADDR, DG_PORT);
	ASSERT_LE(0, dfd);
	cdfd = dgram_bound(self, 1, A_ADDR, DG_PORT);
	ASSERT_LE(0, cdfd);
	ASSERT_EQ(5, send_to(cdfd, B_ADDR, DG_PORT, "hello", 5));
	ASSERT_EQ(5, recv_within(dfd, buf, sizeof(buf), 15000));
	ASSERT_EQ(5, send_to(dfd, A_ADDR, DG_PORT, "world", 5));
	ASSERT_EQ(5, recv_within(cdfd, buf, sizeof(buf), 15000));
	ASSERT_EQ(0, neigh_snapshot(before, sizeof(before)));
	TH_LOG("neighbours of B: %s", before);
	ASSERT_NE(NULL, strstr(before, A_ADDR "="));

	ASSERT_EQ(0, ctrs(self, 0, base));
	cap_drain(self->sniff);
	for (i = 0; i < 16; i++) {
		/* plain datagrams: A's address and MAC, a stranger's */
		len = mk_plain(f, T_DGRAM, self->xa_mac, self->xb_mac,
			       A_ADDR, B_ADDR, DG_PORT, DG_PORT, 32);
		ASSERT_EQ(0, inject(self, f, len));
		len = mk_plain(f, T_DGRAM, spoof_mac, self->xb_mac,
			       STRANGER, B_ADDR, DG_PORT, DG_PORT, 32);
		ASSERT_EQ(0, inject(self, f, len));
		/* answers: A (and a stranger) are at the spoofer's MAC */
		len = mk_plain(f, T_ANSWER, spoof_mac, self->xb_mac,
			       A_ADDR, B_ADDR, 0, 0, 0);
		ASSERT_EQ(0, inject(self, f, len));
		len = mk_plain(f, T_ANSWER, spoof_mac, self->xb_mac,
			       STRANGER, B_ADDR, 0, 0, 0);
		ASSERT_EQ(0, inject(self, f, len));
		/* the same with a forged 32-byte trailer (timestamp, MAC) */
		len = mk_plain(f, T_ANSWER, spoof_mac, self->xb_mac,
			       A_ADDR, B_ADDR, 0, 0, 32);
		ASSERT_EQ(0, inject(self, f, len));
		/* queries: a stranger asks for B, broadcast and unicast */
		len = mk_plain(f, T_QUERY, spoof_mac, bcast, STRANGER,
			       B_ADDR, 0, 0, 0);
		ASSERT_EQ(0, inject(self, f, len));
		len = mk_plain(f, T_QUERY, spoof_mac, self->xb_mac,
			       STRANGER, B_ADDR, 0, 0, 32);
		ASSERT_EQ(0, inject(self, f, len));
		n += 7;
	}
	memset(exp, 0, sizeof(exp));
	exp[K_PLAIN] = n;
	EXPECT_EQ(base[K_PLAIN] + n,
		  wait_ctr(self, 0, K_PLAIN, base[K_PLAIN] + n, 10000));
	EXPECT_TRUE(drops_are(_metadata, self, base, exp, "injector"));
	EXPECT_TRUE(nothing_queued(dfd));
	ASSERT_EQ(0, neigh_snapshot(after, sizeof(after)));
	EXPECT_STREQ(before, after);
	EXPECT_EQ(NULL, strstr(after, STRANGER));
	/* B answered nothing to the stranger */
	while ((len = cap_get(self->sniff, f, 0, T_ANSWER, -1, 300)))
		EXPECT_NE(ntohl(xu_addr(STRANGER)), xu_get32(f, O_DADDR));

	/* and A still gets through */
	ASSERT_EQ(5, send_to(cdfd, B_ADDR, DG_PORT, "again", 5));
	EXPECT_EQ(5, recv_within(dfd, buf, sizeof(buf), 10000));
	close(cdfd);
	close(dfd);
}

#define MARK_BYTES	(256 * 1024)
#define CAP_BYTES	(4 << 20)

struct capture {
	int fd;
	volatile int stop;
	uint8_t *buf;
	size_t len;
	int sealed, plain_data;
	pthread_t thr;
};

/* Every xnet frame arriving on xb, its bytes from the xnet header on. */
static void *cap_thread(void *arg)
{
	struct capture *c = arg;
	static uint8_t f[70000];	/* a GRO/GSO frame whole */

	while (!c->stop) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		while ((n = recv(c->fd, f, sizeof(f), MSG_DONTWAIT)) > 0) {
			if (n < X + XU_HLEN || xu_get16(f, 12) != ETH_P_XNET)
				continue;
			if (f[O_TYPE] == T_SEALED)
				c->sealed++;
			if (f[O_TYPE] == T_STREAM && n > X + XU_CONN_HLEN)
				c->plain_data++;
			if (c->len + n - X <= CAP_BYTES) {
				memcpy(c->buf + c->len, f + X, n - X);
				c->len += n - X;
			}
		}
	}
	return NULL;
}

struct reader {
	int lfd, ok;
	const uint8_t *want;
	pthread_t thr;
};

static void *read_thread(void *arg)
{
	struct reader *r = arg;
	static uint8_t got[MARK_BYTES + 1];
	struct pollfd p = { .fd = r->lfd, .events = POLLIN };
	struct timeval tv = { .tv_sec = 30 };
	size_t n = 0;
	ssize_t k;
	int fd;

	r->ok = 0;
	if (poll(&p, 1, 30000) != 1)
		return NULL;
	fd = accept(r->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (n < sizeof(got) &&
	       (k = recv(fd, got + n, sizeof(got) - n, 0)) > 0)
		n += k;
	r->ok = n == MARK_BYTES && !memcmp(got, r->want, MARK_BYTES);
	close(fd);
	return NULL;
}

/* One transfer of @data from A to B, captured on xb; what was seen. */
static int marked_transfer(FIXTURE_DATA(sec) *self, const uint8_t *data,
			   struct capture *c)
{
	struct sockaddr_xnet sa = sa_of(B_ADDR, SRV_PORT);
	struct timeval tv = { .tv_sec = 30 };
	struct reader r = { .want = data };
	int fd, ret = -1;

	r.lfd = socket(AF_XNET, SOCK_STREAM, 0);
	if (r.lfd < 0)
		return -1;
	if (bind(r.lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(r.lfd, 1))
		goto out_l;
	c->len = 0;
	c->sealed = 0;
	c->plain_data = 0;
	c->stop = 0;
	c->fd = sniffer("xb", NULL);
	if (c->fd < 0)
		goto out_l;
	if (pthread_create(&c->thr, NULL, cap_thread, c))
		goto out_c;
	if (pthread_create(&r.thr, NULL, read_thread, &r))
		goto out_t;
	fd = cli_socket(self, AF_XNET, SOCK_STREAM, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
		    send(fd, data, MARK_BYTES, 0) == MARK_BYTES)
			ret = 0;
		close(fd);
	}
	pthread_join(r.thr, NULL);
	if (!r.ok)
		ret = -2;
out_t:
	xu_msleep(200);
	c->stop = 1;
	pthread_join(c->thr, NULL);
out_c:
	close(c->fd);
out_l:
	close(r.lfd);
	return ret;
}

static int count_marker(const struct capture *c)
{
	const uint8_t *p = c->buf, *end = c->buf + c->len;
	int n = 0;

	while ((p = memmem(p, end - p, marker, 64))) {
		n++;
		p++;
	}
	return n;
}

/*
 * A file with a 64-byte marker every 4 KiB sent from A to B: on the wire
 * in clear at secure=0 (the capture works, the test can fail), nowhere
 * at secure=1, where every frame of it is sealed.
 */
TEST_F_TIMEOUT(sec, marker, 90)
{
	static uint8_t data[MARK_BYTES];
	struct capture c = { 0 };
	int i, plain, prot;

	ASSERT_EQ(64, (int)strlen(marker));
	xu_fill(data, sizeof(data), 21, 0);
	for (i = 0; i + 64 <= MARK_BYTES; i += 4096)
		memcpy(data + i + 1000, marker, 64);
	c.buf = malloc(CAP_BYTES);
	ASSERT_NE(NULL, c.buf);
	ASSERT_EQ(0, key_pair(1, self->k1));

	ASSERT_EQ(0, secure_both(self, "0"));
	ASSERT_EQ(0, marked_transfer(self, data, &c));
	plain = count_marker(&c);
	TH_LOG("plain: %zu bytes captured, %d markers, %d data frames",
	       c.len, plain, c.plain_data);
	EXPECT_LE(MARK_BYTES / 4096 / 2, plain);
	EXPECT_EQ(0, c.sealed);

	ASSERT_EQ(0, secure_both(self, "1"));
	ASSERT_EQ(0, marked_transfer(self, data, &c));
	prot = count_marker(&c);
	TH_LOG("protected: %zu bytes captured, %d markers, %d sealed frames",
	       c.len, prot, c.sealed);
	EXPECT_EQ(0, prot);
	EXPECT_EQ(0, c.plain_data);
	EXPECT_LE(MARK_BYTES / 1500, c.sealed);
	EXPECT_LE((size_t)MARK_BYTES, c.len);
	free(c.buf);
}

static int secure_opt(int fd)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(fd, SOL_XNET, XNET_SECURE, &v, &len) || len != sizeof(int))
		return -1;
	return v;
}

static int set_secure(int fd, int v)
{
	return setsockopt(fd, SOL_XNET, XNET_SECURE, &v, sizeof(v));
}

static int xconnect(int fd, const char *addr, uint16_t port)
{
	struct sockaddr_xnet sa = sa_of(addr, port);

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/*
 * XNET_SECURE: refused values, EACCES towards a peer without a key (a
 * datagram's sendto and connect, a stream's and a seqpacket's connect),
 * allowed to a keyed peer and to the node's own address; on a connected
 * socket it says whether the traffic is protected, now.
 */
TEST_F_TIMEOUT(sec, sockopt, 90)
{
	int types[] = { SOCK_DGRAM, SOCK_STREAM, SOCK_SEQPACKET };
	struct sockaddr_xnet sa = sa_of(B_ADDR, SRV_PORT);
	long long p0;
	int lfd, fd, afd, own, i, v, to;
	char buf[8];

	ASSERT_EQ(0, key_pair(1, self->k1));
	ASSERT_EQ(0, secure_both(self, "1"));
	lfd = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(lfd, 8));

	fd = cli_socket(self, AF_XNET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, secure_opt(fd));
	v = 2;
	EXPECT_EQ(-1, setsockopt(fd, SOL_XNET, XNET_SECURE, &v, sizeof(v)));
	EXPECT_EQ(EINVAL, errno);
	v = -1;
	EXPECT_EQ(-1, setsockopt(fd, SOL_XNET, XNET_SECURE, &v, sizeof(v)));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, set_secure(fd, 1));
	EXPECT_EQ(1, secure_opt(fd));
	EXPECT_EQ(-1, send_to(fd, NOBODY, DG_PORT, "x", 1));
	EXPECT_EQ(EACCES, errno);
	/* the node's own address never leaves memory: protected */
	own = dgram_bound(self, 1, A_ADDR, DG_PORT);
	ASSERT_LE(0, own);
	EXPECT_EQ(1, send_to(fd, A_ADDR, DG_PORT, "y", 1));
	EXPECT_EQ(1, recv_within(own, buf, sizeof(buf), 5000));
	EXPECT_EQ(-1, xconnect(fd, NOBODY, DG_PORT));
	EXPECT_EQ(EACCES, errno);
	close(fd);

	for (i = 0; i < 3; i++) {
		fd = cli_socket(self, AF_XNET, types[i], 0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, set_secure(fd, 1));
		errno = 0;
		EXPECT_EQ(-1, xconnect(fd, NOBODY, SRV_PORT))
			TH_LOG("type %d", types[i]);
		EXPECT_EQ(EACCES, errno) TH_LOG("type %d: %s", types[i],
						strerror(errno));
		close(fd);
	}

	/* a keyed peer: connected, protected */
	fd = cli_socket(self, AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, set_secure(fd, 1));
	ASSERT_EQ(0, xconnect(fd, B_ADDR, SRV_PORT));
	afd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, afd);
	EXPECT_EQ(1, secure_opt(fd));
	EXPECT_EQ(1, secure_opt(afd));
	EXPECT_EQ(4, send(fd, "ping", 4, 0));
	EXPECT_EQ(4, recv(afd, buf, 4, MSG_WAITALL));
	/* protection is what the policy says now */
	ASSERT_EQ(0, sysctl_set(self, 1, "secure", "0"));
	EXPECT_EQ(0, secure_opt(fd));
	ASSERT_EQ(0, sysctl_set(self, 1, "secure", "1"));
	EXPECT_EQ(1, secure_opt(fd));
	close(afd);
	close(fd);

	/* secure=0: a connected socket is not protected; XNET_SECURE refuses */
	ASSERT_EQ(0, secure_both(self, "0"));
	fd = cli_socket(self, AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xconnect(fd, B_ADDR, SRV_PORT));
	afd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, afd);
	EXPECT_EQ(0, secure_opt(fd));
	EXPECT_EQ(0, secure_opt(afd));
	close(afd);
	close(fd);
	fd = cli_socket(self, AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, set_secure(fd, 1));
	EXPECT_EQ(-1, xconnect(fd, B_ADDR, SRV_PORT));
	EXPECT_EQ(EACCES, errno);
	close(fd);

	/* a listener with XNET_SECURE refuses an unprotected peer's SYN */
	close(lfd);
	lfd = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_secure(lfd, 1));
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(lfd, 8));
	p0 = ctr(self, 0, K_PLAIN);
	fd = cli_socket(self, AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	to = 2000 * tmul();
	ASSERT_EQ(0, setsockopt(fd, SOL_XNET, XNET_USER_TIMEOUT, &to,
				sizeof(to)));
	EXPECT_EQ(-1, xconnect(fd, B_ADDR, SRV_PORT));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LT(p0, ctr(self, 0, K_PLAIN));
	close(fd);
	close(own);
	close(lfd);
}

/* ---- the handshake flood ------------------------------------------- */

struct flood {
	long n;			/* spoofed initiations */
	long replays;		/* of the captured real one */
	volatile long sent;
	volatile int done, legit_ok, legit_rounds, legit_bad;
	pid_t parent;
	uint8_t init[FMAX];	/* A's real initiation */
	size_t init_len;
};

static long long parent_ctr(pid_t pid, int k)
{
	char path[64];
	long long v[NK];

	snprintf(path, sizeof(path), "/proc/%d/net/xnet/snmp", (int)pid);
	return read_ctrs_file(path, v) ? -1 : v[k];
}

/*
 * The flood, from A's netns: INITs from random 10.1.0.0/16 sources
 * with the key's real fingerprint (it is on the wire) and random MACs,
 * paced on B's counters so that no frame is lost in a queue before the
 * check (each must be counted). Every 1000th frame, A's real INIT again.
 */
static int flood_run(FIXTURE_DATA(sec) *self, struct flood *fl)
{
	long long a0 = parent_ctr(fl->parent, K_AUTH);
	long long r0 = parent_ctr(fl->parent, K_REPLAY);
	uint8_t f[FMAX];
	long i, rep = 0;
	int j;

	if (a0 < 0 || r0 < 0)
		return 1;
	memcpy(f, fl->init, fl->init_len);
	memcpy(f + 6, spoof_mac, 6);
	for (i = 0; i < fl->n; i++) {
		uint32_t src = 0x0a010000 | (rnd() & 0xffff);

		if ((src & 0xff) == 0 || (src & 0xff) == 0xff)
			src ^= 0x10;
		xu_put32(f, O_SADDR, src);
		xu_put32(f, X + 28, rnd());		/* sender index */
		for (j = O_HS_TS; j < X + HS_LEN; j += 4)
			xu_put32(f, j, rnd());		/* ts, random, MAC */
		fix_crc(f, fl->init_len);
		if (inject(self, f, fl->init_len))
			return 2;
		fl->sent = i + 1;
		if (i % 1000 == 999) {
			if (inject(self, fl->init, fl->init_len))
				return 2;
			rep++;
		}
		if (i % 128 == 127) {
			double end = xu_now() + 30 * tmul();

			/* at most 512 in flight, none lost to a backlog */
			while (parent_ctr(fl->parent, K_AUTH) - a0 < i + 1 - 512) {
				if (xu_now() > end)
					return 3;
				xu_msleep(1);
			}
		}
	}
	fl->replays = rep;
	return 0;
}

struct hserver {
	int lfd;
	volatile int stop;
	int served;
	pthread_t thr;
};

#define LEGIT_BYTES	(256 * 1024)

static void *hserve(void *arg)
{
	struct hserver *s = arg;
	static uint8_t buf[65536];

	while (!s->stop) {
		struct pollfd p = { .fd = s->lfd, .events = POLLIN };
		struct timeval tv = { .tv_sec = 30 };
		size_t got = 0;
		ssize_t n;
		int fd;

		if (poll(&p, 1, 100) <= 0)
			continue;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
			got += n;
		/* echo the count: the client checks it */
		if (!n && send(fd, &got, sizeof(got), 0) == sizeof(got))
			s->served++;
		close(fd);
	}
	return NULL;
}

/* One legitimate connection from A, from a child in A's netns. */
static int legit_round(void)
{
	struct sockaddr_xnet sa = sa_of(B_ADDR, SRV_PORT);
	struct timeval tv = { .tv_sec = 30 };
	static uint8_t buf[LEGIT_BYTES];
	size_t got = 0;
	int fd, ok = 0;

	fd = socket(AF_XNET, SOCK_STREAM, 0);
	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    send(fd, buf, sizeof(buf), 0) == sizeof(buf) &&
	    !shutdown(fd, SHUT_WR) &&
	    recv(fd, &got, sizeof(got), MSG_WAITALL) == sizeof(got) &&
	    got == sizeof(buf))
		ok = 1;
	close(fd);
	return ok;
}

/*
 * Spoofed initiations from random sources (XNET_SEC_FLOOD_N), with the
 * default key's fingerprint and random MACs, and replays of a real one,
 * while A keeps connecting and sending with sessions rekeying every
 * second (so handshakes run during the flood): every spoofed one is an
 * InAuthFailures, every replay an InReplays, nothing is kept for them (no
 * session table pressure) or answered, the legitimate transfers are
 * intact and new sessions form.
 */
TEST_F_TIMEOUT(sec, handshake_flood, 170)
{
	const char *env = getenv("XNET_SEC_FLOOD_N");
	struct flood *fl = mmap(NULL, sizeof(*fl), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct sockaddr_xnet sa = sa_of(B_ADDR, SRV_PORT);
	struct hserver srv = { 0 };
	long long b0[NK], b1[NK], a0[NK], a1[NK];
	uint8_t buf[64];
	int dfd, cdfd, rc_flood, rc_legit;
	pid_t fp, lp;
	double t0;

	ASSERT_NE(MAP_FAILED, fl);
	memset(fl, 0, sizeof(*fl));
	fl->n = env ? atol(env) : 20000 / tmul();
	fl->parent = getpid();
	/* a default key: any source address has one, its MAC is checked */
	ASSERT_EQ(0, xnetctl(0, "key add 1 %s", self->k1));
	ASSERT_EQ(0, xnetctl(1, "key add 1 %s", self->k1));
	ASSERT_EQ(0, secure_both(self, "1"));
	ASSERT_EQ(0, sysctl_set(self, 0, "rekey_ms", "1000"));
	ASSERT_EQ(0, sysctl_set(self, 1, "rekey_ms", "1000"));
	dfd = dgram_bound(self, 0, B_ADDR, DG_PORT);
	ASSERT_LE(0, dfd);
	cdfd = cli_socket(self, AF_XNET, SOCK_DGRAM, 0);
	ASSERT_LE(0, cdfd);
	cap_drain(self->sniff);
	ASSERT_EQ(5, send_to(cdfd, B_ADDR, DG_PORT, "hello", 5));
	fl->init_len = cap_get(self->sniff, fl->init, 1, T_HANDSHAKE,
			       1 /* INIT */, 5000);
	ASSERT_EQ(X + HS_LEN, (int)fl->init_len);
	ASSERT_EQ(5, recv_within(dfd, buf, sizeof(buf), 10000));

	srv.lfd = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, srv.lfd);
	ASSERT_EQ(0, bind(srv.lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(srv.lfd, 16));
	ASSERT_EQ(0, pthread_create(&srv.thr, NULL, hserve, &srv));
	ASSERT_EQ(0, ctrs(self, 0, b0));
	ASSERT_EQ(0, ctrs(self, 1, a0));
	t0 = xu_now();

	fflush(stdout);
	fflush(stderr);
	fp = fork();
	if (!fp) {
		int rc = flood_run(self, fl);

		fl->done = 1;
		_exit(rc);
	}
	lp = fork();
	if (!lp) {
		if (to_cli(self))
			_exit(1);
		/* start once the flood runs; go on while it does, 3 at least */
		while (!fl->done && fl->sent < fl->n / 20)
			xu_msleep(10);
		while (fl->legit_rounds < 3 || !fl->done) {
			fl->legit_ok += legit_round();
			fl->legit_rounds++;
			if (fl->legit_rounds > 200)
				break;
		}
		_exit(0);
	}
	rc_flood = wait_exit(fp);
	rc_legit = wait_exit(lp);
	srv.stop = 1;
	pthread_join(srv.thr, NULL);
	close(srv.lfd);
	ASSERT_EQ(0, ctrs(self, 0, b1));
	ASSERT_EQ(0, ctrs(self, 1, a1));
	TH_LOG("%ld spoofed + %ld replayed initiations in %.1f s; %d/%d legit "
	       "transfers", fl->n, fl->replays, xu_now() - t0, fl->legit_ok,
	       fl->legit_rounds);
	TH_LOG("B: InAuthFailures +%lld InReplays +%lld InNoKey +%lld "
	       "SessionsEstablished +%lld HandshakesSent +%lld "
	       "SessionTableFull +%lld", b1[K_AUTH] - b0[K_AUTH],
	       b1[K_REPLAY] - b0[K_REPLAY], b1[K_NOKEY] - b0[K_NOKEY],
	       b1[K_ESTAB] - b0[K_ESTAB], b1[K_HSSENT] - b0[K_HSSENT],
	       b1[K_TFULL] - b0[K_TFULL]);
	EXPECT_EQ(0, rc_flood);
	EXPECT_EQ(0, rc_legit);
	/* the legitimate peers: every transfer intact, sessions renewed */
	EXPECT_LE(3, fl->legit_rounds);
	EXPECT_EQ(fl->legit_rounds, fl->legit_ok);
	EXPECT_EQ(fl->legit_ok, srv.served);
	EXPECT_LT(b0[K_ESTAB], b1[K_ESTAB]);
	EXPECT_LT(a0[K_ESTAB], a1[K_ESTAB]);
	/* every forged initiation refused as such, every replay as one */
	EXPECT_EQ(b0[K_AUTH] + fl->n, b1[K_AUTH]);
	EXPECT_EQ(b0[K_REPLAY] + fl->replays, b1[K_REPLAY]);
	/* nothing kept, nothing answered for them */
	EXPECT_EQ(b0[K_TFULL], b1[K_TFULL]);
	EXPECT_GE(b0[K_HSSENT] + 5 * (long long)(xu_now() - t0) + 20,
		  b1[K_HSSENT]);
	EXPECT_GE(256, xu_proc_entries("neigh"));
	EXPECT_EQ(0, xu_proc_has("neigh", "10.1.", NULL));
	munmap(fl, sizeof(*fl));
	close(cdfd);
	close(dfd);
}

/* tools the tests run, besides ip and xnetctl (xnet_harness.h) */
#define XNET_NEEDS "tc"
#include "xnet_harness.h"

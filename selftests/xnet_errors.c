// SPDX-License-Identifier: GPL-2.0
/*
 * Error reports (frame type 6, issue 12) and path MTU, on one link.
 *
 * Two namespaces joined by a veth pair: the test's own (A, "ea",
 * 10.0.0.1) and "xe-b" (B, "eb", 10.0.0.2). In xe-b an AF_PACKET socket
 * plays a router between them (or an off-path attacker): it sniffs what
 * A sends to B and sends A hand-made reports from 10.0.0.9, bypassing
 * eb's qdisc, which drops B's own frames when a test stalls B's ACKs
 * (netem loss 100%) so that A's data stays in flight for as long as the
 * test needs, whatever the machine's speed.
 *
 *  - port_connected: a connected datagram socket sending to a port of B
 *    where nobody listens sees ECONNREFUSED through SO_ERROR, then on its
 *    next recv; B counts OutErrors, A InErrors;
 *  - port_local: the same to a port of A's own address (a looped report);
 *  - recverr: an unconnected socket with XNET_RECVERR finds the report
 *    on its error queue (sock_extended_err, offender, original
 *    destination, quoted payload); one without it finds nothing;
 *  - toobig_forged: reports about an in-flight segment with a quoted
 *    sequence outside [snd_una, snd_nxt), with the wrong ports, or with
 *    an MTU below the floor are ignored (InErrorsIgnored): the MSS and
 *    XNET_MTU stay, the transfer completes intact;
 *  - toobig_valid: a report quoting a real in-flight segment with MTU
 *    1280 sets xi_mss to what 1280 allows and XNET_MTU to 1280, and the
 *    transfer completes intact;
 *  - syn_unreach: a report about the SYN of a connect() in progress ends
 *    it with EHOSTUNREACH; one quoting another sequence is ignored;
 *  - soft_timeout: an unreachable report about data in flight leaves the
 *    connection up; when it gives up, it reports EHOSTUNREACH;
 *  - rate: a flood of datagrams to a closed port earns at most
 *    burst + error_rate * time reports, every one either sent or counted
 *    as rate limited.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <net/if.h>
#include <linux/errqueue.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"

#define A_ADDR		"10.0.0.1"
#define B_ADDR		"10.0.0.2"
#define R_ADDR		"10.0.0.9"	/* the "router" that reports */
#define B_NS		"xe-b"
#define B_PORT		5000
#define CLOSED_PORT	7
#define FMAX		2048

/*
 * The frame layout, in one place (a new header version changes these):
 * the common header's length and offsets, after the Ethernet header.
 */
#define X		ETH_HLEN
#define XHLEN		XU_HLEN		/* the common header */
#define XVERSION	XU_VERSION
#define H_TYPE		1
#define H_LEN		2
#define H_SADDR		4
#define H_DADDR		8
#define H_SPORT		12
#define H_DPORT		14
#define H_CSUM		16
#define SEG_SEQ		0		/* in the segment header */
#define ERR_HLEN	8
#define T_STREAM	4
#define T_ERROR		6
#define XNET_ERR_QUOTE	64		/* bytes of the offending frame quoted */

#define TRANSFER	(256 * 1024)

static int mul(void)
{
	const char *e = getenv("XNET_TIMEOUT_MUL");
	int m = e ? atoi(e) : 1;

	return m < 1 ? 1 : m;
}

static uint8_t payload[TRANSFER];

FIXTURE(xe) {
	int own_ns, b_ns, tx, sniff, ifindex;
	uint8_t ea_mac[6], eb_mac[6];
};

static int to_b(FIXTURE_DATA(xe) *self)
{
	return setns(self->b_ns, CLONE_NEWNET);
}

static int to_own(FIXTURE_DATA(xe) *self)
{
	return setns(self->own_ns, CLONE_NEWNET);
}

/* A socket of B's netns. */
static int b_socket(FIXTURE_DATA(xe) *self, int type)
{
	int fd;

	if (to_b(self))
		return -1;
	fd = socket(AF_XNET, type, 0);
	if (to_own(self)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A counter of B's netns; -1 if unreadable. */
static __attribute__((noinline)) long long
b_counter(FIXTURE_DATA(xe) *self, const char *name)
{
	long long v;

	if (to_b(self))
		return -1;
	v = xu_counter(name);
	if (to_own(self))
		return -1;
	return v;
}

/* Wait (bounded) until A's counter @name reaches @want; its last value. */
static long long wait_counter(const char *name, long long want, int ms)
{
	double end = xu_now() + ms * mul() / 1000.0;
	long long v;

	while ((v = xu_counter(name)) >= 0 && v < want && xu_now() < end)
		xu_msleep(20);
	return v;
}

/*
 * An error report from R_ADDR to A about the quoted frame @q (@qlen
 * bytes from its xnet header), built at @f with its Ethernet header;
 * returns its size.
 */
static size_t mk_report(FIXTURE_DATA(xe) *self, uint8_t *f, uint8_t type,
			uint8_t code, uint32_t info, const uint8_t *q,
			size_t qlen)
{
	uint32_t saddr = xu_addr(R_ADDR), daddr = xu_addr(A_ADDR);
	size_t xlen = XHLEN + ERR_HLEN + qlen;
	uint8_t *x = f + X;
	uint8_t c[FMAX];

	memset(f, 0, X + xlen);
	memcpy(f, self->ea_mac, 6);
	memcpy(f + 6, self->eb_mac, 6);
	xu_put16(f, 12, ETH_P_XNET);
	x[0] = XVERSION;
	x[H_TYPE] = T_ERROR;
	x[XU_O_HOPLIMIT] = XU_HOPLIMIT;
	xu_put16(x, H_LEN, xlen);
	memcpy(x + H_SADDR, &saddr, 4);
	memcpy(x + H_DADDR, &daddr, 4);
	x[XHLEN] = type;
	x[XHLEN + 1] = code;
	xu_put32(x, XHLEN + 4, info);
	memcpy(x + XHLEN + ERR_HLEN, q, qlen);
	memcpy(c, x, xlen);
	memset(c + H_CSUM, 0, 4);
	xu_put32(x, H_CSUM, xu_crc32c(c, xlen));
	return X + xlen;
}

static int inject(FIXTURE_DATA(xe) *self, const uint8_t *f, size_t len)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_ifindex = self->ifindex,
		.sll_halen = 6, .sll_protocol = htons(ETH_P_XNET),
	};

	memcpy(ll.sll_addr, f, 6);
	return sendto(self->tx, f, len, 0, (struct sockaddr *)&ll,
		      sizeof(ll)) == (ssize_t)len ? 0 : -1;
}

/*
 * Wait up to @ms for a STREAM frame from A longer than @minlen (its xnet
 * length) carrying data; copies its first FMAX bytes from the xnet header
 * to @q. 0 if one came.
 */
static int sniff_data(FIXTURE_DATA(xe) *self, uint8_t *q, unsigned int minlen,
		      int ms)
{
	double end = xu_now() + ms * mul() / 1000.0;
	uint8_t f[FMAX];

	do {
		struct pollfd p = { .fd = self->sniff, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		poll(&p, 1, 20);
		while ((n = recvfrom(self->sniff, f, sizeof(f), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl)) > 0) {
			if (n < X + XHLEN + 16 || xu_get16(f, 12) != ETH_P_XNET ||
			    from.sll_pkttype == PACKET_OUTGOING ||
			    f[X + H_TYPE] != T_STREAM ||
			    xu_get16(f, X + H_LEN) <= minlen)
				continue;
			memcpy(q, f + X, n - X);
			return 0;
		}
	} while (xu_now() < end);
	return -1;
}

static void drain_sniff(FIXTURE_DATA(xe) *self)
{
	uint8_t f[FMAX];

	while (recv(self->sniff, f, sizeof(f), MSG_DONTWAIT) > 0)
		;
}

static int get_info(int fd, struct xnet_info *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return getsockopt(fd, SOL_XNET, XNET_INFO, info, &len);
}

static int get_int(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(fd, level, name, &v, &len))
		return -errno;
	return v;
}

static void rst_close(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

FIXTURE_SETUP(xe)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	int big = 4 << 20, one = 1;

	xu_fill(payload, sizeof(payload), 1212, 5);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	xu_sh("ip netns del " B_NS " 2>/dev/null");
	ASSERT_EQ(0, xu_sh("ip link set lo up && ip netns add " B_NS " && "
			   "ip link add ea type veth peer name eb && "
			   "ip link set eb netns " B_NS " && "
			   "ip link set ea up && "
			   "xnetctl addr add " A_ADDR " dev ea && "
			   "ip -n " B_NS " link set eb up && "
			   "ip netns exec " B_NS " xnetctl addr add " B_ADDR
			   " dev eb"));
	ASSERT_EQ(0, xu_get_mac("ea", self->ea_mac));
	self->own_ns = open("/proc/self/ns/net", O_RDONLY);
	self->b_ns = open("/run/netns/" B_NS, O_RDONLY);
	ASSERT_LE(0, self->own_ns);
	ASSERT_LE(0, self->b_ns);

	ASSERT_EQ(0, to_b(self));
	self->ifindex = if_nametoindex("eb");
	ASSERT_LT(0, self->ifindex);
	ASSERT_EQ(0, xu_get_mac("eb", self->eb_mac));
	self->tx = socket(AF_PACKET, SOCK_RAW, 0);
	ASSERT_LE(0, self->tx);
	ll.sll_ifindex = self->ifindex;
	ASSERT_EQ(0, bind(self->tx, (struct sockaddr *)&ll, sizeof(ll)));
	/* the "router" is not held back by the qdisc that stalls B */
	ASSERT_EQ(0, setsockopt(self->tx, SOL_PACKET, PACKET_QDISC_BYPASS,
				&one, sizeof(one)));
	self->sniff = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	ASSERT_LE(0, self->sniff);
	setsockopt(self->sniff, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	ll.sll_protocol = htons(ETH_P_ALL);
	ASSERT_EQ(0, bind(self->sniff, (struct sockaddr *)&ll, sizeof(ll)));
	ASSERT_EQ(0, to_own(self));
}

FIXTURE_TEARDOWN(xe)
{
	close(self->tx);
	close(self->sniff);
	xu_sh("ip netns del " B_NS " 2>/dev/null");
}

/* A datagram socket of A, connected to B at @port (0: unconnected). */
static int a_dgram(uint16_t port)
{
	struct sockaddr_xnet sa = xu_sa(B_ADDR, port);
	int fd = socket(AF_XNET, SOCK_DGRAM, 0);

	if (fd >= 0 && port &&
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F(xe, port_connected)
{
	long long out0 = b_counter(self, "OutErrors");
	long long in0 = xu_counter("InErrors");
	char buf[64];
	socklen_t sl = sizeof(int);
	int fd = a_dgram(CLOSED_PORT), err = -1;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, out0);
	ASSERT_LE(0, in0);
	ASSERT_EQ(5, send(fd, "hello", 5, 0));
	ASSERT_EQ(in0 + 1, wait_counter("InErrors", in0 + 1, 5000));
	EXPECT_EQ(out0 + 1, b_counter(self, "OutErrors"));
	/* SO_ERROR reports it once and clears it */
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl));
	EXPECT_EQ(ECONNREFUSED, err);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl));
	EXPECT_EQ(0, err);
	/* a second report fails the next call */
	ASSERT_EQ(5, send(fd, "again", 5, 0));
	ASSERT_EQ(in0 + 2, wait_counter("InErrors", in0 + 2, 5000));
	EXPECT_EQ(-1, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ECONNREFUSED, errno);
	/* and only once */
	EXPECT_EQ(-1, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, xu_counter("InErrorsIgnored"));
	/* XNET_MTU: the link's, connected or not */
	EXPECT_EQ(1500, get_int(fd, SOL_XNET, XNET_MTU));
	close(fd);
	fd = a_dgram(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTCONN, get_int(fd, SOL_XNET, XNET_MTU));
	close(fd);
}

/* The same to a port of our own address: the report is looped. */
TEST_F(xe, port_local)
{
	struct sockaddr_xnet sa = xu_sa(A_ADDR, CLOSED_PORT);
	long long out0 = xu_counter("OutErrors"), in0 = xu_counter("InErrors");
	int fd = socket(AF_XNET, SOCK_DGRAM, 0), err = -1;
	socklen_t sl = sizeof(err);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(5, send(fd, "local", 5, 0));
	ASSERT_EQ(in0 + 1, wait_counter("InErrors", in0 + 1, 5000));
	EXPECT_EQ(out0 + 1, xu_counter("OutErrors"));
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl));
	EXPECT_EQ(ECONNREFUSED, err);
	EXPECT_EQ(0, xu_counter("InErrorsIgnored"));
	close(fd);
}

struct errmsg {
	struct sock_extended_err ee;
	struct sockaddr_xnet offender;
};

TEST_F(xe, recverr)
{
	struct sockaddr_xnet to = xu_sa(B_ADDR, CLOSED_PORT), name;
	long long in0 = xu_counter("InErrors");
	uint8_t msg[32], data[128];
	char cbuf[256];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr mh = {
		.msg_name = &name, .msg_namelen = sizeof(name),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	struct errmsg em;
	int on = 1, fd, plain, got = 0;
	ssize_t n;

	xu_fill(msg, sizeof(msg), 3, 3);
	fd = a_dgram(0);
	plain = a_dgram(0);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, plain);
	ASSERT_EQ(0, setsockopt(fd, SOL_XNET, XNET_RECVERR, &on, sizeof(on)));
	EXPECT_EQ(1, get_int(fd, SOL_XNET, XNET_RECVERR));
	EXPECT_EQ(0, get_int(plain, SOL_XNET, XNET_RECVERR));

	/* without XNET_RECVERR: the report comes, nothing is queued */
	ASSERT_EQ((ssize_t)sizeof(msg),
		  sendto(plain, msg, sizeof(msg), 0, (struct sockaddr *)&to,
			 sizeof(to)));
	ASSERT_EQ(in0 + 1, wait_counter("InErrors", in0 + 1, 5000));
	EXPECT_EQ(-1, recvmsg(plain, &mh, MSG_ERRQUEUE | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, recv(plain, data, sizeof(data), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);

	/* with it: one entry */
	ASSERT_EQ((ssize_t)sizeof(msg),
		  sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&to,
			 sizeof(to)));
	ASSERT_EQ(in0 + 2, wait_counter("InErrors", in0 + 2, 5000));
	n = recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
	ASSERT_EQ((ssize_t)sizeof(msg), n);
	EXPECT_EQ(0, memcmp(data, msg, sizeof(msg)));
	EXPECT_TRUE(mh.msg_flags & MSG_ERRQUEUE);
	EXPECT_EQ(sizeof(name), mh.msg_namelen);
	EXPECT_EQ(AF_XNET, name.sxn_family);
	EXPECT_EQ(xu_addr(B_ADDR), name.sxn_addr);
	EXPECT_EQ(htons(CLOSED_PORT), name.sxn_port);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_XNET || cm->cmsg_type != XNET_RECVERR)
			continue;
		ASSERT_EQ(CMSG_LEN(sizeof(em)), cm->cmsg_len);
		memcpy(&em, CMSG_DATA(cm), sizeof(em));
		got++;
	}
	ASSERT_EQ(1, got);
	EXPECT_EQ(ECONNREFUSED, (int)em.ee.ee_errno);
	EXPECT_EQ(XNET_EE_ORIGIN, em.ee.ee_origin);
	EXPECT_EQ(XNET_ERR_UNREACH, em.ee.ee_type);
	EXPECT_EQ(XNET_UNREACH_PORT, em.ee.ee_code);
	EXPECT_EQ(0, (int)em.ee.ee_info);
	EXPECT_EQ(AF_XNET, em.offender.sxn_family);
	EXPECT_EQ(xu_addr(B_ADDR), em.offender.sxn_addr);
	/* the queue is empty again, and the socket has no pending error */
	EXPECT_EQ(-1, recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, get_int(fd, SOL_SOCKET, SO_ERROR));
	close(fd);
	close(plain);
}

/*
 * A connection from A to B with B's ACKs held back (netem on eb), and
 * @first bytes of payload delivered before: the stall lets what A sends
 * next stay in flight. Fills @q with a sniffed in-flight data frame
 * longer than 1300 bytes; returns 0 and the two ends.
 */
static int stalled_conn(FIXTURE_DATA(xe) *self, int *afd, int *bfd,
			uint8_t *q, size_t first)
{
	struct sockaddr_xnet sa = xu_sa(B_ADDR, B_PORT);
	struct timeval tv = { .tv_sec = 20 * mul() };
	int lfd = b_socket(self, SOCK_STREAM), one = 1;
	size_t got = 0;
	ssize_t n;
	uint8_t buf[4096];

	*afd = *bfd = -1;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, 1))
		return -1;
	*afd = socket(AF_XNET, SOCK_STREAM, 0);
	if (*afd < 0 || connect(*afd, (struct sockaddr *)&sa, sizeof(sa)))
		return -2;
	*bfd = accept(lfd, NULL, NULL);
	close(lfd);
	if (*bfd < 0)
		return -3;
	setsockopt(*bfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(*afd, SOL_XNET, XNET_NODELAY, &one, sizeof(one));
	if (send(*afd, payload, first, 0) != (ssize_t)first)
		return -4;
	while (got < first) {
		n = recv(*bfd, buf, sizeof(buf), 0);
		if (n <= 0 || memcmp(buf, payload + got, n))
			return -5;
		got += n;
	}
	/* B's frames (its ACKs) are lost from now on */
	xu_sh("modprobe sch_netem 2>/dev/null");
	if (xu_sh("ip netns exec " B_NS " tc qdisc add dev eb root netem "
		  "loss 100%%"))
		return -6;
	drain_sniff(self);
	n = send(*afd, payload + first, 64 * 1024, MSG_DONTWAIT);
	if (n <= 0)
		return -7;
	if (sniff_data(self, q, 1300, 5000))
		return -8;
	return n;
}

/*
 * Let B's ACKs through again and finish the transfer of @sent0 bytes
 * queued so far plus the rest of the payload; 0 if B read it all intact.
 */
static int finish(int afd, int bfd, size_t first, size_t sent0)
{
	size_t sent = first + sent0, got = first;
	static uint8_t buf[TRANSFER];
	ssize_t n;

	if (xu_sh("ip netns exec " B_NS " tc qdisc del dev eb root"))
		return -1;
	/* B's data carries an ACK at once, not after A's backed-off timer */
	if (send(bfd, "k", 1, 0) != 1)
		return -2;
	while (sent < TRANSFER) {
		n = send(afd, payload + sent, TRANSFER - sent, MSG_DONTWAIT);
		if (n > 0) {
			sent += n;
			continue;
		}
		if (errno != EAGAIN)
			return -3;
		n = recv(bfd, buf + got, TRANSFER - got, 0);
		if (n <= 0)
			return -4;
		got += n;
	}
	while (got < TRANSFER) {
		n = recv(bfd, buf + got, TRANSFER - got, 0);
		if (n <= 0)
			return -5;
		got += n;
	}
	return memcmp(buf + first, payload + first, TRANSFER - first) ? -6 : 0;
}

TEST_F_TIMEOUT(xe, toobig_forged, 90)
{
	long long in0, ign0;
	uint8_t q[FMAX], f[FMAX], bad[XNET_ERR_QUOTE];
	struct xnet_info info;
	int afd, bfd, mss0;
	uint32_t seq;
	size_t n;
	int sent;

	sent = stalled_conn(self, &afd, &bfd, q, 4096);
	ASSERT_LT(0, sent);
	ASSERT_EQ(0, get_info(afd, &info));
	mss0 = info.xi_mss;
	ASSERT_EQ(1500, get_int(afd, SOL_XNET, XNET_MTU));
	ASSERT_LT(0, (int)info.xi_unacked);
	in0 = xu_counter("InErrors");
	ign0 = xu_counter("InErrorsIgnored");
	seq = xu_get32(q, XHLEN + SEG_SEQ);

	/* a sequence number far outside what is in flight */
	memcpy(bad, q, sizeof(bad));
	xu_put32(bad, XHLEN + SEG_SEQ, seq - 0x40000000U);
	n = mk_report(self, f, XNET_ERR_TOOBIG, 0, 1280, bad, sizeof(bad));
	ASSERT_EQ(0, inject(self, f, n));
	/* just past what was sent: snd_nxt is not in flight */
	memcpy(bad, q, sizeof(bad));
	xu_put32(bad, XHLEN + SEG_SEQ, seq + info.xi_unacked + 4096);
	n = mk_report(self, f, XNET_ERR_TOOBIG, 0, 1280, bad, sizeof(bad));
	ASSERT_EQ(0, inject(self, f, n));
	/* the right sequence, the wrong source port */
	memcpy(bad, q, sizeof(bad));
	xu_put16(bad, H_SPORT, xu_get16(q, H_SPORT) + 1);
	n = mk_report(self, f, XNET_ERR_TOOBIG, 0, 1280, bad, sizeof(bad));
	ASSERT_EQ(0, inject(self, f, n));
	/* the right frame, an MTU below the floor */
	n = mk_report(self, f, XNET_ERR_TOOBIG, 0, 200, q, XNET_ERR_QUOTE);
	ASSERT_EQ(0, inject(self, f, n));
	/* the right frame, unreachable: a soft error, the connection stays */
	n = mk_report(self, f, XNET_ERR_UNREACH, XNET_UNREACH_NOROUTE, 0, q,
		      XNET_ERR_QUOTE);
	ASSERT_EQ(0, inject(self, f, n));

	ASSERT_EQ(in0 + 5, wait_counter("InErrors", in0 + 5, 5000));
	EXPECT_EQ(ign0 + 4, xu_counter("InErrorsIgnored"));
	ASSERT_EQ(0, get_info(afd, &info));
	EXPECT_EQ(mss0, (int)info.xi_mss);
	EXPECT_EQ(XNET_STATE_ESTABLISHED, info.xi_state);
	EXPECT_EQ(1500, get_int(afd, SOL_XNET, XNET_MTU));
	EXPECT_EQ(0, finish(afd, bfd, 4096, sent));
	ASSERT_EQ(0, get_info(afd, &info));
	EXPECT_EQ(mss0, (int)info.xi_mss);
	rst_close(afd);
	rst_close(bfd);
}

TEST_F_TIMEOUT(xe, toobig_valid, 90)
{
	long long in0, ign0;
	uint8_t q[FMAX], f[FMAX];
	struct xnet_info info;
	int afd, bfd, mss0, sent, d;
	size_t n;

	sent = stalled_conn(self, &afd, &bfd, q, 4096);
	ASSERT_LT(0, sent);
	ASSERT_EQ(0, get_info(afd, &info));
	mss0 = info.xi_mss;
	ASSERT_EQ(1500, get_int(afd, SOL_XNET, XNET_MTU));
	in0 = xu_counter("InErrors");
	ign0 = xu_counter("InErrorsIgnored");

	n = mk_report(self, f, XNET_ERR_TOOBIG, 0, 1280, q, XNET_ERR_QUOTE);
	ASSERT_EQ(0, inject(self, f, n));
	ASSERT_EQ(in0 + 1, wait_counter("InErrors", in0 + 1, 5000));
	EXPECT_EQ(ign0, xu_counter("InErrorsIgnored"));
	ASSERT_EQ(0, get_info(afd, &info));
	/* what 1280 allows: the link's overhead taken from 1280 instead */
	EXPECT_EQ(mss0 - (1500 - 1280), (int)info.xi_mss);
	EXPECT_EQ(1280, get_int(afd, SOL_XNET, XNET_MTU));
	/* the path MTU is the destination's: a datagram socket's too */
	d = a_dgram(B_PORT + 1);
	ASSERT_LE(0, d);
	EXPECT_EQ(1280, get_int(d, SOL_XNET, XNET_MTU));
	/* a datagram above it is refused */
	EXPECT_EQ(-1, send(d, payload, 1280 - XHLEN + 1, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(1280 - XHLEN, send(d, payload, 1280 - XHLEN, 0));
	close(d);
	EXPECT_EQ(0, finish(afd, bfd, 4096, sent));
	ASSERT_EQ(0, get_info(afd, &info));
	EXPECT_EQ(mss0 - (1500 - 1280), (int)info.xi_mss);
	rst_close(afd);
	rst_close(bfd);
}

/*
 * A report about the SYN of a connect() in progress ends it at once with
 * its errno (as TCP's hard errors); one quoting another sequence is
 * ignored.
 */
TEST_F_TIMEOUT(xe, syn_unreach, 60)
{
	struct sockaddr_xnet sa = xu_sa(B_ADDR, B_PORT + 2);
	long long in0 = xu_counter("InErrors"), ign0, af0;
	struct pollfd p = { .events = POLLOUT };
	uint8_t q[FMAX], f[FMAX], bad[XNET_ERR_QUOTE];
	int fd = a_dgram(CLOSED_PORT), cfd, st;
	size_t n, qlen;

	/* A and B know each other before B's frames are dropped */
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, send(fd, "x", 1, 0));
	ASSERT_EQ(in0 + 1, wait_counter("InErrors", in0 + 1, 5000));
	close(fd);
	xu_sh("modprobe sch_netem 2>/dev/null");
	ASSERT_EQ(0, xu_sh("ip netns exec " B_NS " tc qdisc add dev eb root "
			   "netem loss 100%%"));
	drain_sniff(self);
	cfd = socket(AF_XNET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(-1, connect(cfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(0, sniff_data(self, q, XHLEN + 16 - 1, 5000));
	qlen = xu_get16(q, H_LEN);
	ASSERT_GE(qlen, (size_t)(XHLEN + 16));
	ASSERT_GE(sizeof(bad), qlen);
	ign0 = xu_counter("InErrorsIgnored");
	af0 = xu_counter("AttemptFails");

	memcpy(bad, q, qlen);
	xu_put32(bad, XHLEN + SEG_SEQ, xu_get32(q, XHLEN + SEG_SEQ) + 1);
	n = mk_report(self, f, XNET_ERR_UNREACH, XNET_UNREACH_NEIGH, 0, bad,
		      qlen);
	ASSERT_EQ(0, inject(self, f, n));
	ASSERT_EQ(ign0 + 1, wait_counter("InErrorsIgnored", ign0 + 1, 5000));
	p.fd = cfd;
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(af0, xu_counter("AttemptFails"));

	n = mk_report(self, f, XNET_ERR_UNREACH, XNET_UNREACH_NEIGH, 0, q,
		      qlen);
	ASSERT_EQ(0, inject(self, f, n));
	ASSERT_EQ(1, poll(&p, 1, 5000 * mul()));
	st = get_int(cfd, SOL_SOCKET, SO_ERROR);
	EXPECT_EQ(EHOSTUNREACH, st);
	EXPECT_EQ(af0 + 1, xu_counter("AttemptFails"));
	EXPECT_EQ(ign0 + 1, xu_counter("InErrorsIgnored"));
	close(cfd);
}

/*
 * An unreachable report about data in flight is soft: the connection
 * stays; when it gives up (a short XNET_USER_TIMEOUT) the report is the
 * cause it gives, EHOSTUNREACH, not ETIMEDOUT.
 */
TEST_F_TIMEOUT(xe, soft_timeout, 60)
{
	uint8_t q[FMAX], f[FMAX];
	struct pollfd p = { .events = POLLIN };
	struct xnet_info info;
	int afd, bfd, sent, ut = 2000;
	long long in0;
	char c;
	size_t n;

	sent = stalled_conn(self, &afd, &bfd, q, 4096);
	ASSERT_LT(0, sent);
	in0 = xu_counter("InErrors");
	n = mk_report(self, f, XNET_ERR_UNREACH, XNET_UNREACH_NOROUTE, 0, q,
		      XNET_ERR_QUOTE);
	ASSERT_EQ(0, inject(self, f, n));
	ASSERT_EQ(in0 + 1, wait_counter("InErrors", in0 + 1, 5000));
	EXPECT_EQ(0, xu_counter("InErrorsIgnored"));
	ASSERT_EQ(0, get_info(afd, &info));
	EXPECT_EQ(XNET_STATE_ESTABLISHED, info.xi_state);
	ASSERT_EQ(0, setsockopt(afd, SOL_XNET, XNET_USER_TIMEOUT, &ut,
				sizeof(ut)));
	p.fd = afd;
	ASSERT_EQ(1, poll(&p, 1, 30000 * mul()));
	EXPECT_EQ(-1, recv(afd, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(EHOSTUNREACH, errno);
	close(afd);
	rst_close(bfd);
}

TEST_F_TIMEOUT(xe, rate, 60)
{
	struct sockaddr_xnet to = xu_sa(B_ADDR, CLOSED_PORT);
	const int N = 1000, rate = 100;
	long long ns0, out0, rl0, ns, out, rl, last = -1;
	double t0, t;
	int fd = a_dgram(0), i, burst;
	FILE *fb;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xu_sh("ip netns exec " B_NS
			   " sh -c 'echo %d > /proc/sys/net/xnet/error_rate'",
			   rate));
	ASSERT_EQ(0, to_b(self));
	fb = fopen("/proc/sys/net/xnet/ratelimit_burst", "r");
	ASSERT_NE(NULL, fb);
	ASSERT_EQ(1, fscanf(fb, "%d", &burst));
	fclose(fb);
	ASSERT_EQ(0, to_own(self));
	ns0 = b_counter(self, "InNoSocket");
	out0 = b_counter(self, "OutErrors");
	rl0 = b_counter(self, "OutErrorsRateLimited");
	ASSERT_LE(0, rl0);
	t0 = xu_now();
	for (i = 0; i < N; i++)
		ASSERT_EQ(8, sendto(fd, "floodabc", 8, 0,
				    (struct sockaddr *)&to, sizeof(to)));
	/* until B has seen them all (or stopped seeing more) */
	for (i = 0; i < 250 * mul(); i++) {
		ns = b_counter(self, "InNoSocket");
		if (ns - ns0 == N || (ns == last && i > 25))
			break;
		last = ns;
		xu_msleep(20);
	}
	t = xu_now() - t0;
	out = b_counter(self, "OutErrors") - out0;
	rl = b_counter(self, "OutErrorsRateLimited") - rl0;
	ns -= ns0;
	TH_LOG("%lld datagrams in %.2f s: %lld reports, %lld rate limited",
	       ns, t, out, rl);
	ASSERT_LT(N / 2, ns);
	/* each one reported or counted as suppressed, nothing else */
	EXPECT_EQ(ns, out + rl);
	EXPECT_LE(out, burst + (long long)(rate * (t + 1)));
	EXPECT_LE(burst < ns ? burst : ns, out);
	EXPECT_LT(0, rl);
	close(fd);
}

/* tools the tests run, besides ip and xnetctl (xnet_harness.h) */
#define XNET_NEEDS "modprobe"
#include "xnet_harness.h"

// SPDX-License-Identifier: GPL-2.0
/*
 * The protection policy without the crypto: XNET_SECURE on every socket
 * type and the authentication of neighbour frames at net.xnet.secure=2
 * (key.c). What is sealed and how is tested elsewhere; here only who may
 * talk to whom, and which neighbour frames are taken.
 *
 * Two namespaces joined by a veth pair: the test's own (A, "ea",
 * 10.0.0.1) and "xsp-b" (B, "eb", 10.0.0.2).
 *
 *  - sockopt: XNET_SECURE takes 0 and 1 (EINVAL otherwise), reads back
 *    what was set on an unconnected socket, on datagram, stream and
 *    seqpacket sockets;
 *  - eacces: with it, connect() (every type) and sendto() to a peer
 *    without protection fail with EACCES: no key, or a key with
 *    net.xnet.secure=0; a broadcast too. One of our own addresses is
 *    protected (the frame never leaves memory): connect and send work,
 *    and getsockopt on the connected socket says 1. With a key and
 *    secure=1, connect and sendto are allowed and getsockopt says 1;
 *    deleting the key makes a connected socket's send fail with EACCES
 *    and getsockopt say 0;
 *  - key_dev: a key naming another device than the one the route to
 *    the peer leaves by does not protect an unbound socket's traffic
 *    (EACCES), one naming the route's device does;
 *  - neigh_tap: checking the trailer does not write into the frame a
 *    packet socket on the same device captured (it shares the data);
 *  - listener: a listener with it drops the SYNs of a peer it cannot
 *    protect (InPlainDropped); one without accepts;
 *  - dgram_rcv: a datagram socket with it drops datagrams from such a
 *    peer (InPlainDropped), one without receives them;
 *  - neigh_auth: at secure=2 with the same key on both sides, resolution
 *    works (the trailer is added and checked); with different keys the
 *    query is dropped (InPlainDropped) and nothing is learnt; with no
 *    key the query is not sent (OutNoKey); a node at secure=0 answers a
 *    query carrying the trailer, and a node at secure=2 drops that plain
 *    answer.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"

#define A_ADDR		"10.0.0.1"
#define B_ADDR		"10.0.0.2"
#define B_NS		"xsp-b"
#define K1 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define K2 "5eadbeef5eadbeef5eadbeef5eadbeef5eadbeef5eadbeef5eadbeef5eadbeef"

static int mul(void)
{
	const char *e = getenv("XNET_TIMEOUT_MUL");
	int m = e ? atoi(e) : 1;

	return m < 1 ? 1 : m;
}

FIXTURE(sp) {
	int own_ns, b_ns;
};

static int to_b(FIXTURE_DATA(sp) *self)
{
	return setns(self->b_ns, CLONE_NEWNET);
}

static int to_own(FIXTURE_DATA(sp) *self)
{
	return setns(self->own_ns, CLONE_NEWNET);
}

FIXTURE_SETUP(sp)
{
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
	self->own_ns = open("/proc/self/ns/net", O_RDONLY);
	self->b_ns = open("/run/netns/" B_NS, O_RDONLY);
	ASSERT_LE(0, self->own_ns);
	ASSERT_LE(0, self->b_ns);
}

FIXTURE_TEARDOWN(sp)
{
	xu_sh("ip netns del " B_NS " 2>/dev/null");
}

/* A socket of B's netns. */
static int b_socket(FIXTURE_DATA(sp) *self, int type)
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

static __attribute__((noinline)) long long
b_counter(FIXTURE_DATA(sp) *self, const char *name)
{
	long long v;

	if (to_b(self))
		return -1;
	v = xu_counter(name);
	if (to_own(self))
		return -1;
	return v;
}

/* Wait (bounded) until @ns's (A: own) counter @name reaches @want. */
static long long wait_counter(FIXTURE_DATA(sp) *self, bool b,
			      const char *name, long long want)
{
	double end = xu_now() + 5.0 * mul();
	long long v;

	do {
		v = b ? b_counter(self, name) : xu_counter(name);
		if (v < 0 || v >= want)
			return v;
		xu_msleep(20);
	} while (xu_now() < end);
	return v;
}

static int set_secure(int fd, int v)
{
	return setsockopt(fd, SOL_XNET, XNET_SECURE, &v, sizeof(v)) ? -errno
								  : 0;
}

static int get_secure(int fd)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(fd, SOL_XNET, XNET_SECURE, &v, &len))
		return -errno;
	return v;
}

static int do_connect(int fd, const char *addr, uint16_t port)
{
	struct sockaddr_xnet sa = xu_sa(addr, port);

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
}

static int do_sendto(int fd, const char *addr, uint16_t port)
{
	struct sockaddr_xnet sa = xu_sa(addr, port);

	return sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) == 1 ?
	       0 : -errno;
}

static int do_bind(int fd, const char *addr, uint16_t port)
{
	struct sockaddr_xnet sa = xu_sa(addr, port);

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
}

/* The listener is bound; a connection in or a timeout. */
static int accept_within(int lfd, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	if (poll(&p, 1, ms * mul()) != 1)
		return -ETIMEDOUT;
	return accept(lfd, NULL, NULL);
}

static const int types[] = { SOCK_DGRAM, SOCK_STREAM, SOCK_SEQPACKET };

TEST_F(sp, sockopt)
{
	unsigned int i;
	int fd, v;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		fd = socket(AF_XNET, types[i], 0);
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, get_secure(fd));
		EXPECT_EQ(0, set_secure(fd, 1));
		EXPECT_EQ(1, get_secure(fd));
		EXPECT_EQ(-EINVAL, set_secure(fd, 2));
		EXPECT_EQ(-EINVAL, set_secure(fd, -1));
		v = 1;
		EXPECT_EQ(-1, setsockopt(fd, SOL_XNET, XNET_SECURE, &v, 1));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(1, get_secure(fd));
		EXPECT_EQ(0, set_secure(fd, 0));
		EXPECT_EQ(0, get_secure(fd));
		close(fd);
	}
}

TEST_F(sp, eacces)
{
	int fd, l, c, s, one = 1;
	unsigned int i;

	/* no key, secure=0 then 1; then a key with secure=0 */
	for (i = 0; i < 3; i++) {
		if (i == 1)
			ASSERT_EQ(0, xu_sh("sysctl -qw net.xnet.secure=1"));
		if (i == 2)
			ASSERT_EQ(0, xu_sh("sysctl -qw net.xnet.secure=0 && "
					   "xnetctl key add 1 " K1 " peer "
					   B_ADDR));
		fd = socket(AF_XNET, SOCK_STREAM, 0);
		ASSERT_EQ(0, set_secure(fd, 1));
		EXPECT_EQ(-EACCES, do_connect(fd, B_ADDR, 5000));
		close(fd);
		fd = socket(AF_XNET, SOCK_SEQPACKET, 0);
		ASSERT_EQ(0, set_secure(fd, 1));
		EXPECT_EQ(-EACCES, do_connect(fd, B_ADDR, 5000));
		close(fd);
		fd = socket(AF_XNET, SOCK_DGRAM, 0);
		ASSERT_EQ(0, set_secure(fd, 1));
		EXPECT_EQ(-EACCES, do_connect(fd, B_ADDR, 5000));
		EXPECT_EQ(-EACCES, do_sendto(fd, B_ADDR, 5000));
		ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one,
					sizeof(one)));
		EXPECT_EQ(-EACCES, do_sendto(fd, "255.255.255.255", 5000));
		EXPECT_EQ(1, get_secure(fd));
		close(fd);
		/* without the option: as ever */
		fd = socket(AF_XNET, SOCK_DGRAM, 0);
		EXPECT_EQ(0, do_sendto(fd, B_ADDR, 5000));
		close(fd);
	}

	/* our own address is protected: it never leaves memory */
	l = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_EQ(0, do_bind(l, A_ADDR, 6000));
	ASSERT_EQ(0, listen(l, 4));
	ASSERT_EQ(0, set_secure(l, 1));
	c = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_EQ(0, set_secure(c, 1));
	EXPECT_EQ(0, do_connect(c, A_ADDR, 6000));
	EXPECT_EQ(1, get_secure(c));
	s = accept_within(l, 5000);
	ASSERT_LE(0, s);
	EXPECT_EQ(1, get_secure(s));
	close(s);
	close(c);
	close(l);
	s = socket(AF_XNET, SOCK_DGRAM, 0);
	ASSERT_EQ(0, do_bind(s, A_ADDR, 6001));
	ASSERT_EQ(0, set_secure(s, 1));
	fd = socket(AF_XNET, SOCK_DGRAM, 0);
	ASSERT_EQ(0, set_secure(fd, 1));
	EXPECT_EQ(0, do_sendto(fd, A_ADDR, 6001));
	{
		struct pollfd p = { .fd = s, .events = POLLIN };
		char b;

		EXPECT_EQ(1, poll(&p, 1, 5000 * mul()));
		EXPECT_EQ(1, recv(s, &b, 1, MSG_DONTWAIT));
	}
	close(fd);
	close(s);

	/* a key and secure=1: allowed, and reported protected */
	ASSERT_EQ(0, xu_sh("sysctl -qw net.xnet.secure=1"));
	fd = socket(AF_XNET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_EQ(0, set_secure(fd, 1));
	EXPECT_EQ(-EINPROGRESS, do_connect(fd, B_ADDR, 5000));
	EXPECT_EQ(1, get_secure(fd));
	close(fd);
	fd = socket(AF_XNET, SOCK_DGRAM, 0);
	ASSERT_EQ(0, set_secure(fd, 1));
	EXPECT_EQ(0, do_sendto(fd, B_ADDR, 5000));
	EXPECT_EQ(0, do_connect(fd, B_ADDR, 5000));
	EXPECT_EQ(1, get_secure(fd));
	EXPECT_EQ(1, send(fd, "x", 1, 0));
	/* the key goes: the connected socket may not send any more */
	ASSERT_EQ(0, xu_sh("xnetctl key del 1"));
	EXPECT_EQ(0, get_secure(fd));
	EXPECT_EQ(-1, send(fd, "x", 1, 0));
	EXPECT_EQ(EACCES, errno);
	close(fd);
	/* an unconnected one reads what was set */
	fd = socket(AF_XNET, SOCK_DGRAM, 0);
	ASSERT_EQ(0, set_secure(fd, 1));
	EXPECT_EQ(1, get_secure(fd));
	close(fd);
}

TEST_F(sp, key_dev)
{
	unsigned int i;
	int fd;

	/* ec leads nowhere near B: frames to B leave by ea */
	ASSERT_EQ(0, xu_sh("ip link add ec type veth peer name ed && "
			   "ip link set ec up && ip link set ed up && "
			   "sysctl -qw net.xnet.secure=1 && "
			   "xnetctl key add 1 " K1 " peer " B_ADDR " dev ec"));
	for (i = 0; i < 2; i++) {
		int want = i ? 0 : -EACCES;

		if (i == 1)
			ASSERT_EQ(0, xu_sh("xnetctl key add 2 " K1 " peer "
					   B_ADDR " dev ea"));
		fd = socket(AF_XNET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ASSERT_EQ(0, set_secure(fd, 1));
		EXPECT_EQ(i ? -EINPROGRESS : -EACCES,
			  do_connect(fd, B_ADDR, 5000));
		close(fd);
		fd = socket(AF_XNET, SOCK_DGRAM, 0);
		ASSERT_EQ(0, set_secure(fd, 1));
		EXPECT_EQ(want, do_sendto(fd, B_ADDR, 5000));
		EXPECT_EQ(want, do_connect(fd, B_ADDR, 5000));
		close(fd);
	}
	xu_sh("ip link del ec");
}

TEST_F(sp, listener)
{
	int l, l2, c, s;
	long long d0 = b_counter(self, "InPlainDropped"), d;

	ASSERT_LE(0, d0);
	l = b_socket(self, SOCK_STREAM);
	l2 = b_socket(self, SOCK_STREAM);
	ASSERT_LE(0, l);
	ASSERT_LE(0, l2);
	ASSERT_EQ(0, do_bind(l, B_ADDR, 5000));
	ASSERT_EQ(0, do_bind(l2, B_ADDR, 5001));
	ASSERT_EQ(0, set_secure(l, 1));
	ASSERT_EQ(0, listen(l, 4));
	ASSERT_EQ(0, listen(l2, 4));

	c = socket(AF_XNET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	EXPECT_EQ(-EINPROGRESS, do_connect(c, B_ADDR, 5000));
	d = wait_counter(self, true, "InPlainDropped", d0 + 1);
	EXPECT_LE(d0 + 1, d);
	EXPECT_EQ(-ETIMEDOUT, accept_within(l, 500));
	close(c);

	/* the same peer, a listener without the option */
	c = socket(AF_XNET, SOCK_STREAM, 0);
	EXPECT_EQ(0, do_connect(c, B_ADDR, 5001));
	s = accept_within(l2, 5000);
	EXPECT_LE(0, s);
	if (s >= 0) {
		EXPECT_EQ(0, get_secure(s));
		close(s);
	}
	close(c);
	close(l);
	close(l2);
}

TEST_F(sp, dgram_rcv)
{
	long long d0 = b_counter(self, "InPlainDropped"), d;
	int sec, plain, fd, i;
	char b[4];

	ASSERT_LE(0, d0);
	sec = b_socket(self, SOCK_DGRAM);
	plain = b_socket(self, SOCK_DGRAM);
	ASSERT_EQ(0, do_bind(sec, B_ADDR, 5000));
	ASSERT_EQ(0, do_bind(plain, B_ADDR, 5001));
	ASSERT_EQ(0, set_secure(sec, 1));
	fd = socket(AF_XNET, SOCK_DGRAM, 0);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, do_sendto(fd, B_ADDR, 5000));
	EXPECT_EQ(0, do_sendto(fd, B_ADDR, 5001));
	{
		struct pollfd p = { .fd = plain, .events = POLLIN };

		EXPECT_EQ(1, poll(&p, 1, 5000 * mul()));
		EXPECT_EQ(1, recv(plain, b, sizeof(b), MSG_DONTWAIT));
	}
	d = wait_counter(self, true, "InPlainDropped", d0 + 3);
	EXPECT_EQ(d0 + 3, d);
	EXPECT_EQ(-1, recv(sec, b, sizeof(b), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
	close(sec);
	close(plain);
}

/* Does A's (own) neighbour table hold B_ADDR as REACHABLE? */
static int a_has_b(void)
{
	return xu_proc_has("neigh", B_ADDR " ", "REACHABLE") == 1;
}

static int b_has_a(FIXTURE_DATA(sp) *self)
{
	int v;

	if (to_b(self))
		return -1;
	v = xu_proc_has("neigh", A_ADDR " ", NULL) == 1;
	if (to_own(self))
		return -1;
	return v;
}

static int wait_a_has_b(void)
{
	double end = xu_now() + 5.0 * mul();

	do {
		if (a_has_b())
			return 1;
		xu_msleep(20);
	} while (xu_now() < end);
	return 0;
}

/* A datagram from A to B: it needs B resolved first. */
static void poke_b(void)
{
	int fd = socket(AF_XNET, SOCK_DGRAM, 0);

	do_sendto(fd, B_ADDR, 5000);
	close(fd);
}

#define B_SH(cmd) "ip netns exec " B_NS " sh -c '" cmd "'"

TEST_F(sp, neigh_auth)
{
	long long q0, a0;

	/* the same default key on both sides, both at secure=2 */
	ASSERT_EQ(0, xu_sh("xnetctl key add 1 " K1 " && "
			   "sysctl -qw net.xnet.secure=2 && "
			   B_SH("xnetctl key add 9 " K1 " && "
				"sysctl -qw net.xnet.secure=2")));
	q0 = b_counter(self, "NeighQueriesIn");
	a0 = xu_counter("NeighAnswersIn");
	poke_b();
	EXPECT_EQ(1, wait_a_has_b());
	EXPECT_LE(q0 + 1, b_counter(self, "NeighQueriesIn"));
	EXPECT_LE(a0 + 1, xu_counter("NeighAnswersIn"));
	EXPECT_EQ(1, b_has_a(self));
}

/*
 * A packet socket on eb gets a clone of each frame, sharing its data:
 * the trailer's check must not change that data (the length field) when
 * it strips the trailer.
 */
TEST_F(sp, neigh_tap)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	struct pollfd p;
	uint8_t f[256];
	double end;
	int ps, n, seen = 0;

	ASSERT_EQ(0, xu_sh("xnetctl key add 1 " K1 " && "
			   "sysctl -qw net.xnet.secure=2 && "
			   B_SH("xnetctl key add 9 " K1 " && "
				"sysctl -qw net.xnet.secure=2")));
	ASSERT_EQ(0, to_b(self));
	ps = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	sll.sll_ifindex = if_nametoindex("eb");
	ASSERT_EQ(0, to_own(self));
	ASSERT_LE(0, ps);
	ASSERT_EQ(0, bind(ps, (struct sockaddr *)&sll, sizeof(sll)));
	poke_b();
	EXPECT_EQ(1, wait_a_has_b());
	/* the query A sent, as B's tap captured it: untouched */
	end = xu_now() + 5.0 * mul();
	while (!seen && xu_now() < end) {
		p.fd = ps;
		p.events = POLLIN;
		if (poll(&p, 1, 200) != 1)
			continue;
		n = recv(ps, f, sizeof(f), MSG_DONTWAIT);
		if (n < ETH_HLEN + 32 || xu_get16(f, 12) != ETH_P_XNET ||
		    f[ETH_HLEN + 1] != 2)
			continue;
		seen = 1;
		EXPECT_EQ(ETH_HLEN + 56, n);
		EXPECT_EQ(56, xu_get16(f, ETH_HLEN + 2));
	}
	EXPECT_EQ(1, seen);
	close(ps);
}

TEST_F(sp, neigh_wrong_key)
{
	long long q0, d0;

	ASSERT_EQ(0, xu_sh("xnetctl key add 1 " K1 " && "
			   "sysctl -qw net.xnet.secure=2 && "
			   B_SH("xnetctl key add 1 " K2 " && "
				"sysctl -qw net.xnet.secure=2")));
	q0 = b_counter(self, "NeighQueriesIn");
	d0 = b_counter(self, "InPlainDropped");
	poke_b();
	EXPECT_LE(d0 + 1, wait_counter(self, true, "InPlainDropped", d0 + 1));
	EXPECT_EQ(q0, b_counter(self, "NeighQueriesIn"));
	EXPECT_EQ(0, b_has_a(self));
	EXPECT_EQ(0, a_has_b());
}

TEST_F(sp, neigh_no_key)
{
	long long o0, q0;

	/* a key for somebody else only */
	ASSERT_EQ(0, xu_sh("xnetctl key add 1 " K1 " peer 10.0.0.77 && "
			   "sysctl -qw net.xnet.secure=2"));
	o0 = xu_counter("OutNoKey");
	q0 = b_counter(self, "NeighQueriesIn");
	poke_b();
	EXPECT_LE(o0 + 1, wait_counter(self, false, "OutNoKey", o0 + 1));
	EXPECT_EQ(q0, b_counter(self, "NeighQueriesIn"));
	EXPECT_EQ(0, b_has_a(self));
}

TEST_F(sp, neigh_mixed)
{
	long long q0, o0, d0;

	/* A requires, B does not: B takes the query, A drops the answer */
	ASSERT_EQ(0, xu_sh("xnetctl key add 1 " K1 " && "
			   "sysctl -qw net.xnet.secure=2"));
	q0 = b_counter(self, "NeighQueriesIn");
	o0 = b_counter(self, "NeighAnswersOut");
	d0 = xu_counter("InPlainDropped");
	poke_b();
	EXPECT_LE(q0 + 1, wait_counter(self, true, "NeighQueriesIn", q0 + 1));
	EXPECT_LE(o0 + 1, wait_counter(self, true, "NeighAnswersOut", o0 + 1));
	EXPECT_LE(d0 + 1, wait_counter(self, false, "InPlainDropped", d0 + 1));
	EXPECT_EQ(1, b_has_a(self));
	EXPECT_EQ(0, a_has_b());
}


/*
 * An XNET_SECURE connection whose peer's key goes while it has data
 * queued: nothing more of it leaves in the clear. B never reads, so A's
 * data waits behind a closed window and A probes it; once A's key for B
 * is deleted, send() fails with EACCES and the probes (and anything
 * else the connection would send) are held back (OutNoKey on A), never
 * sent plain: B, which still holds its key for A, would count a plain
 * frame from A in InPlainDropped. Before the fix the probes left plain.
 */
TEST_F_TIMEOUT(sp, queued_after_key_del, 60)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	long long nk0, nk, pd0, pd;
	char buf[4096];
	int l, c, s, i;
	double end;

	memset(buf, 'q', sizeof(buf));
	ASSERT_EQ(0, xu_sh("xnetctl key add 1 " K1 " peer " B_ADDR));
	ASSERT_EQ(0, xu_sh(B_SH("xnetctl key add 1 " K1 " peer " A_ADDR)));
	ASSERT_EQ(0, xu_sh("sysctl -qw net.xnet.secure=1"));
	ASSERT_EQ(0, xu_sh(B_SH("sysctl -qw net.xnet.secure=1")));
	l = b_socket(self, SOCK_STREAM);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, do_bind(l, B_ADDR, 5100));
	ASSERT_EQ(0, listen(l, 4));
	c = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, set_secure(c, 1));
	ASSERT_EQ(0, do_connect(c, B_ADDR, 5100));
	s = accept_within(l, 5000);
	ASSERT_LE(0, s);
	ASSERT_EQ(1, get_secure(c));

	/* fill B's receive buffer and A's send buffer */
	for (i = 0; i < 100000; i++)
		if (send(c, buf, sizeof(buf), MSG_DONTWAIT) < 0)
			break;
	ASSERT_EQ(EAGAIN, errno);

	pd0 = b_counter(self, "InPlainDropped");
	nk0 = xu_counter("OutNoKey");
	ASSERT_LE(0, pd0);
	ASSERT_EQ(0, xu_sh("xnetctl key del 1"));
	EXPECT_EQ(0, get_secure(c));
	EXPECT_EQ(-1, send(c, buf, 1, MSG_DONTWAIT));
	EXPECT_EQ(EACCES, errno);
	/*
	 * The next window probe (the persist timer backs off: it may be
	 * seconds away) is held back...
	 */
	end = xu_now() + 20.0 * mul();
	do {
		nk = xu_counter("OutNoKey");
		if (nk < 0 || nk > nk0)
			break;
		xu_msleep(50);
	} while (xu_now() < end);
	EXPECT_LT(nk0, nk);
	/* ...not sent in the clear */
	pd = b_counter(self, "InPlainDropped");
	EXPECT_EQ(pd0, pd);
	/* an abort: its reset is held back too; the netns goes with us */
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(s);
	close(c);
	close(l);
}

/* tools the tests run, besides ip and xnetctl (xnet_harness.h) */
#define XNET_NEEDS "sysctl"
#include "xnet_harness.h"

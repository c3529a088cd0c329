// SPDX-License-Identifier: GPL-2.0
/*
 * AF_XNET SOCK_DGRAM semantics: errnos, names, flags, readiness, buffers.
 *
 * Each test runs in a child of the harness, in a fresh network namespace
 * holding a veth pair xa (10.0.0.1) <-> xb (10.0.0.2). Both addresses are
 * local to that namespace, so most traffic here is local delivery; the wire
 * paths are covered by the shell tests and by malformed.c.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <linux/capability.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"

#define A_ADDR		"10.0.0.1"
#define B_ADDR		"10.0.0.2"
#define NOBODY		"10.0.0.3"	/* nobody has it */
#define EPH_LO		32768
#define EPH_HI		60999

static int xsock(void)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_XNET, SOCK_DGRAM, 0);

	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	return fd;
}

static int xbind(int fd, const char *addr, uint16_t port)
{
	struct sockaddr_xnet sa = xu_sa(addr, port);

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* A socket bound to addr:port, or -1. */
static int xbound(const char *addr, uint16_t port)
{
	int fd = xsock();

	if (fd < 0)
		return -1;
	if (xbind(fd, addr, port)) {
		close(fd);
		return -1;
	}
	return fd;
}

static ssize_t xsendto(int fd, const void *buf, size_t len,
		       const char *addr, uint16_t port)
{
	struct sockaddr_xnet sa = xu_sa(addr, port);

	return sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
}

static uint16_t local_port(int fd)
{
	struct sockaddr_xnet sa;
	socklen_t len = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return 0;
	return ntohs(sa.sxn_port);
}

FIXTURE(dgram) {
	int unused;
};

FIXTURE_SETUP(dgram)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, xu_sh("ip link set lo up && "
			   "ip link add xa type veth peer name xb && "
			   "ip link set xa up && ip link set xb up && "
			   "xnetctl addr add " A_ADDR " dev xa && "
			   "xnetctl addr add " B_ADDR " dev xb"));
	/* a fresh netns: nothing bound, no neighbours */
	ASSERT_EQ(0, xu_proc_entries("sockets"));
	ASSERT_EQ(0, xu_proc_entries("neigh"));
}

FIXTURE_TEARDOWN(dgram)
{
	/* the netns and its veth pair go away with this process */
}

TEST_F(dgram, socket_types)
{
	int fd;

	errno = 0;
	EXPECT_EQ(-1, socket(AF_XNET, SOCK_RAW, 0));
	EXPECT_EQ(ESOCKTNOSUPPORT, errno);
	errno = 0;
	EXPECT_EQ(-1, socket(AF_XNET, SOCK_DGRAM, 1));
	EXPECT_EQ(EPROTONOSUPPORT, errno);

	fd = socket(AF_XNET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	close(fd);

	fd = socket(AF_XNET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

TEST_F(dgram, sockopt_identity)
{
	int fd = xsock(), v;
	socklen_t len;

	ASSERT_LE(0, fd);
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	EXPECT_EQ(SOCK_DGRAM, v);
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len));
	EXPECT_EQ(AF_XNET, v);
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
	EXPECT_EQ(0, v);
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len));
	EXPECT_EQ(0, v);
	close(fd);
}

TEST_F(dgram, bind_errors)
{
	struct sockaddr_xnet sa;
	int fd = xsock(), fd2 = xsock();

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);

	sa = xu_sa(A_ADDR, 5000);
	errno = 0;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, sizeof(sa) - 1));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, 2));
	EXPECT_EQ(EINVAL, errno);

	sa.sxn_family = AF_INET;
	errno = 0;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EAFNOSUPPORT, errno);

	errno = 0;
	EXPECT_EQ(-1, xbind(fd, NOBODY, 5000));
	EXPECT_EQ(EADDRNOTAVAIL, errno);

	/* the failed attempts left the socket unbound */
	EXPECT_EQ(0, xbind(fd, A_ADDR, 5000));
	EXPECT_EQ(5000, local_port(fd));

	errno = 0;
	EXPECT_EQ(-1, xbind(fd2, A_ADDR, 5000));
	EXPECT_EQ(EADDRINUSE, errno);

	/* the port is free again once its owner is closed */
	close(fd);
	EXPECT_EQ(0, xbind(fd2, A_ADDR, 5000));
	close(fd2);
}

TEST_F(dgram, bind_any_receives)
{
	char buf[64] = { 0 };
	int r = xbound("0.0.0.0", 7100), s = xbound(A_ADDR, 0);
	struct sockaddr_xnet from;
	socklen_t flen = sizeof(from);

	ASSERT_LE(0, r);
	ASSERT_LE(0, s);
	ASSERT_EQ(5, xsendto(s, "any-1", 5, B_ADDR, 7100));
	ASSERT_EQ(5, recvfrom(r, buf, sizeof(buf), 0,
			      (struct sockaddr *)&from, &flen));
	EXPECT_EQ(0, memcmp(buf, "any-1", 5));
	EXPECT_EQ(sizeof(from), flen);
	EXPECT_EQ(AF_XNET, from.sxn_family);
	EXPECT_EQ(xu_addr(A_ADDR), from.sxn_addr);
	EXPECT_EQ(local_port(s), ntohs(from.sxn_port));

	ASSERT_EQ(5, xsendto(s, "any-2", 5, A_ADDR, 7100));
	ASSERT_EQ(5, recv(r, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "any-2", 5));
	close(r);
	close(s);
}

TEST_F(dgram, bind_ephemeral)
{
	int fd1 = xsock(), fd2 = xsock();
	struct sockaddr_xnet sa;
	socklen_t len = sizeof(sa);
	uint16_t p1, p2;

	ASSERT_LE(0, fd1);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, xbind(fd1, A_ADDR, 0));
	ASSERT_EQ(0, xbind(fd2, A_ADDR, 0));
	memset(&sa, 0xa5, sizeof(sa));
	ASSERT_EQ(0, getsockname(fd1, (struct sockaddr *)&sa, &len));
	EXPECT_EQ(sizeof(sa), len);
	EXPECT_EQ(AF_XNET, sa.sxn_family);
	EXPECT_EQ(xu_addr(A_ADDR), sa.sxn_addr);
	p1 = ntohs(sa.sxn_port);
	p2 = local_port(fd2);
	EXPECT_LE(EPH_LO, p1);
	EXPECT_GE(EPH_HI, p1);
	EXPECT_LE(EPH_LO, p2);
	EXPECT_GE(EPH_HI, p2);
	EXPECT_NE(p1, p2);
	close(fd1);
	close(fd2);
}

/* Child: drop CAP_NET_BIND_SERVICE from the effective set, try ports. */
static int privileged_child(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int fd;

	if (syscall(SYS_capget, &hdr, data))
		return 10;
	data[0].effective &= ~(1U << CAP_NET_BIND_SERVICE);
	if (syscall(SYS_capset, &hdr, data))
		return 11;

	fd = xsock();
	if (fd < 0)
		return 12;
	errno = 0;
	if (xbind(fd, A_ADDR, 80) != -1 || errno != EACCES)
		return 13;
	errno = 0;
	if (xbind(fd, A_ADDR, XNET_PORT_PRIVILEGED - 1) != -1 ||
	    errno != EACCES)
		return 14;
	if (xbind(fd, A_ADDR, XNET_PORT_PRIVILEGED))
		return 15;
	close(fd);
	/* ephemeral ports need no capability either */
	fd = xbound(A_ADDR, 0);
	if (fd < 0)
		return 16;
	if (local_port(fd) < EPH_LO)
		return 17;
	close(fd);
	return 0;
}

TEST_F(dgram, bind_privileged_port)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(privileged_child());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* 13/14: bind below 1024 without the capability did not fail EACCES */
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* with the capability (we are root) it works */
	fd = xbound(A_ADDR, 80);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
}

TEST_F(dgram, connect_and_names)
{
	struct sockaddr_xnet sa, peer;
	socklen_t len;
	char buf[32];
	int s = xsock(), r = xbound(B_ADDR, 6000);
	struct sockaddr_xnet from;
	socklen_t flen = sizeof(from);

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);

	len = sizeof(peer);
	errno = 0;
	EXPECT_EQ(-1, getpeername(s, (struct sockaddr *)&peer, &len));
	EXPECT_EQ(ENOTCONN, errno);

	sa = xu_sa(B_ADDR, 6000);
	errno = 0;
	EXPECT_EQ(-1, connect(s, (struct sockaddr *)&sa, sizeof(sa) - 1));
	EXPECT_EQ(EINVAL, errno);
	sa.sxn_family = AF_INET;
	errno = 0;
	EXPECT_EQ(-1, connect(s, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EAFNOSUPPORT, errno);

	sa = xu_sa(B_ADDR, 6000);
	ASSERT_EQ(0, connect(s, (struct sockaddr *)&sa, sizeof(sa)));
	len = sizeof(peer);
	memset(&peer, 0, sizeof(peer));
	ASSERT_EQ(0, getpeername(s, (struct sockaddr *)&peer, &len));
	EXPECT_EQ(sizeof(peer), len);
	EXPECT_EQ(AF_XNET, peer.sxn_family);
	EXPECT_EQ(xu_addr(B_ADDR), peer.sxn_addr);
	EXPECT_EQ(6000, ntohs(peer.sxn_port));

	/* connect bound the socket to an ephemeral port */
	EXPECT_LE(EPH_LO, local_port(s));
	EXPECT_GE(EPH_HI, local_port(s));

	/* send() without an address goes to the peer */
	ASSERT_EQ(9, send(s, "connected", 9, 0));
	ASSERT_EQ(9, recvfrom(r, buf, sizeof(buf), 0,
			      (struct sockaddr *)&from, &flen));
	EXPECT_EQ(0, memcmp(buf, "connected", 9));
	EXPECT_EQ(local_port(s), ntohs(from.sxn_port));

	/* and the peer's answer comes back */
	ASSERT_EQ(5, sendto(r, "reply", 5, 0, (struct sockaddr *)&from, flen));
	ASSERT_EQ(5, recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "reply", 5));
	close(s);
	close(r);
}

TEST_F(dgram, disconnect_and_invalid_peers)
{
	struct sockaddr_xnet sa = xu_sa(B_ADDR, 6020), peer;
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	socklen_t len = sizeof(peer);
	int s = xbound(A_ADDR, 0);

	ASSERT_LE(0, s);
	errno = 0;
	sa.sxn_port = 0;
	EXPECT_EQ(-1, connect(s, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EINVAL, errno);
	sa = xu_sa("0.0.0.0", 6020);
	errno = 0;
	EXPECT_EQ(-1, connect(s, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EINVAL, errno);
	sa = xu_sa("255.255.255.255", 6020);
	errno = 0;
	EXPECT_EQ(-1, connect(s, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EACCES, errno);
	errno = 0;
	EXPECT_EQ(-1, xsendto(s, "x", 1, "0.0.0.0", 6020));
	EXPECT_EQ(EINVAL, errno);

	sa = xu_sa(B_ADDR, 6020);
	ASSERT_EQ(0, connect(s, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, getpeername(s, (struct sockaddr *)&peer, &len));
	/* AF_UNSPEC dissolves the association */
	ASSERT_EQ(0, connect(s, &unspec, sizeof(unspec)));
	len = sizeof(peer);
	errno = 0;
	EXPECT_EQ(-1, getpeername(s, (struct sockaddr *)&peer, &len));
	EXPECT_EQ(ENOTCONN, errno);
	errno = 0;
	EXPECT_EQ(-1, send(s, "x", 1, 0));
	EXPECT_EQ(EDESTADDRREQ, errno);
	close(s);
}

TEST_F(dgram, send_needs_destination)
{
	int s = xsock(), b = xbound(A_ADDR, 0);

	ASSERT_LE(0, s);
	ASSERT_LE(0, b);
	errno = 0;
	EXPECT_EQ(-1, send(s, "x", 1, 0));
	EXPECT_EQ(EDESTADDRREQ, errno);
	errno = 0;
	EXPECT_EQ(-1, send(b, "x", 1, 0));
	EXPECT_EQ(EDESTADDRREQ, errno);
	errno = 0;
	EXPECT_EQ(-1, write(b, "x", 1));
	EXPECT_EQ(EDESTADDRREQ, errno);
	close(s);
	close(b);
}

TEST_F(dgram, sendto_address_errors)
{
	struct sockaddr_xnet sa = xu_sa(B_ADDR, 6001);
	int s = xbound(A_ADDR, 0);

	ASSERT_LE(0, s);
	errno = 0;
	EXPECT_EQ(-1, sendto(s, "x", 1, 0, (struct sockaddr *)&sa,
			     sizeof(sa) - 1));
	EXPECT_EQ(EINVAL, errno);
	sa.sxn_family = AF_INET;
	errno = 0;
	EXPECT_EQ(-1, sendto(s, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	close(s);
}

TEST_F(dgram, msgsize)
{
	static char buf[2000];
	int s = xbound(A_ADDR, 0), r = xbound(B_ADDR, 6002);
	int rcvbuf = 1 << 20;

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	setsockopt(r, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(buf, 'm', sizeof(buf));

	/* to a remote (unresolved) destination: MTU 1500 of xa */
	EXPECT_EQ(1476, xsendto(s, buf, 1476, NOBODY, 6002));
	errno = 0;
	EXPECT_EQ(-1, xsendto(s, buf, 1477, NOBODY, 6002));
	EXPECT_EQ(EMSGSIZE, errno);
	errno = 0;
	EXPECT_EQ(-1, xsendto(s, buf, sizeof(buf), NOBODY, 6002));
	EXPECT_EQ(EMSGSIZE, errno);

	/* to a local address: same limit, and 1476 arrives whole */
	EXPECT_EQ(1476, xsendto(s, buf, 1476, B_ADDR, 6002));
	errno = 0;
	EXPECT_EQ(-1, xsendto(s, buf, 1477, B_ADDR, 6002));
	EXPECT_EQ(EMSGSIZE, errno);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(1476, recv(r, buf, sizeof(buf), 0));
	EXPECT_EQ('m', buf[0]);
	EXPECT_EQ('m', buf[1475]);
	EXPECT_EQ(0, buf[1476]);
	/* the oversized one was not queued */
	errno = 0;
	EXPECT_EQ(-1, recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	close(s);
	close(r);
}

TEST_F(dgram, broadcast_needs_so_broadcast)
{
	int s = xbound(A_ADDR, 0), on = 1, v = -1;
	socklen_t len = sizeof(v);

	ASSERT_LE(0, s);
	ASSERT_EQ(0, getsockopt(s, SOL_SOCKET, SO_BROADCAST, &v, &len));
	EXPECT_EQ(0, v);
	errno = 0;
	EXPECT_EQ(-1, xsendto(s, "b", 1, "255.255.255.255", 6003));
	EXPECT_EQ(EACCES, errno);

	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)));
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(s, SOL_SOCKET, SO_BROADCAST, &v, &len));
	EXPECT_EQ(1, v);
	EXPECT_EQ(1, xsendto(s, "b", 1, "255.255.255.255", 6003));
	close(s);
}

TEST_F(dgram, local_delivery)
{
	long long q0 = xu_counter("NeighQueriesOut");
	long long out0 = xu_counter("OutDatagrams");
	long long in0 = xu_counter("InDatagrams");
	int s = xbound(A_ADDR, 7000), r = xbound(A_ADDR, 7001);
	struct sockaddr_xnet from;
	socklen_t flen = sizeof(from);
	uint8_t tx[1000], rx[1100];
	int i;

	ASSERT_LE(0, q0);
	ASSERT_LE(0, out0);
	ASSERT_LE(0, in0);
	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	for (i = 0; i < 10; i++) {
		xu_fill(tx, sizeof(tx), 7, i);
		ASSERT_EQ((ssize_t)sizeof(tx) - i,
			  xsendto(s, tx, sizeof(tx) - i, A_ADDR, 7001));
		flen = sizeof(from);
		ASSERT_EQ((ssize_t)sizeof(tx) - i,
			  recvfrom(r, rx, sizeof(rx), 0,
				   (struct sockaddr *)&from, &flen));
		EXPECT_EQ(0, memcmp(tx, rx, sizeof(tx) - i));
		EXPECT_EQ(xu_addr(A_ADDR), from.sxn_addr);
		EXPECT_EQ(7000, ntohs(from.sxn_port));
	}
	/* delivered without resolving anything */
	EXPECT_EQ(q0, xu_counter("NeighQueriesOut"));
	EXPECT_EQ(0, xu_proc_entries("neigh"));
	EXPECT_EQ(out0 + 10, xu_counter("OutDatagrams"));
	EXPECT_EQ(in0 + 10, xu_counter("InDatagrams"));
	close(s);
	close(r);
}

TEST_F(dgram, boundaries_and_empty)
{
	int s = xbound(A_ADDR, 0), r = xbound(B_ADDR, 6004);
	char buf[64];

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	ASSERT_EQ(3, xsendto(s, "one", 3, B_ADDR, 6004));
	ASSERT_EQ(0, xsendto(s, "", 0, B_ADDR, 6004));
	ASSERT_EQ(5, xsendto(s, "three", 5, B_ADDR, 6004));
	ASSERT_EQ(3, recv(r, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "one", 3));
	ASSERT_EQ(0, recv(r, buf, sizeof(buf), 0));
	ASSERT_EQ(5, recv(r, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "three", 5));
	close(s);
	close(r);
}

TEST_F(dgram, dontwait_and_timeout)
{
	struct timeval tv = { .tv_usec = 300000 };
	int r = xbound(B_ADDR, 6005), nb;
	char buf[16];
	double t0;

	ASSERT_LE(0, r);
	errno = 0;
	EXPECT_EQ(-1, recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(0, setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = xu_now();
	errno = 0;
	EXPECT_EQ(-1, recv(r, buf, sizeof(buf), 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(0.25, xu_now() - t0);
	EXPECT_GE(3.0, xu_now() - t0);

	nb = socket(AF_XNET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, nb);
	ASSERT_EQ(0, xbind(nb, B_ADDR, 6006));
	errno = 0;
	EXPECT_EQ(-1, recv(nb, buf, sizeof(buf), 0));
	EXPECT_EQ(EAGAIN, errno);
	close(nb);
	close(r);
}

TEST_F(dgram, peek)
{
	int s = xbound(A_ADDR, 0), r = xbound(B_ADDR, 6007);
	char buf[64], buf2[64];
	struct sockaddr_xnet f1, f2;
	socklen_t l1 = sizeof(f1), l2 = sizeof(f2);

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	ASSERT_EQ(6, xsendto(s, "first!", 6, B_ADDR, 6007));
	ASSERT_EQ(7, xsendto(s, "second!", 7, B_ADDR, 6007));

	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(6, recvfrom(r, buf, sizeof(buf), MSG_PEEK,
			      (struct sockaddr *)&f1, &l1));
	memset(buf2, 0, sizeof(buf2));
	ASSERT_EQ(6, recvfrom(r, buf2, sizeof(buf2), MSG_PEEK,
			      (struct sockaddr *)&f2, &l2));
	EXPECT_EQ(0, memcmp(buf, "first!", 6));
	EXPECT_EQ(0, memcmp(buf2, "first!", 6));
	memset(buf2, 0, sizeof(buf2));
	ASSERT_EQ(6, recv(r, buf2, sizeof(buf2), 0));
	EXPECT_EQ(0, memcmp(buf2, "first!", 6));
	EXPECT_EQ(0, memcmp(&f1, &f2, sizeof(f1)));
	EXPECT_EQ(local_port(s), ntohs(f1.sxn_port));

	ASSERT_EQ(7, recv(r, buf2, sizeof(buf2), 0));
	EXPECT_EQ(0, memcmp(buf2, "second!", 7));
	close(s);
	close(r);
}

TEST_F(dgram, trunc)
{
	int s = xbound(A_ADDR, 0), r = xbound(B_ADDR, 6008);
	uint8_t tx[100], rx[100];
	struct iovec iov = { .iov_base = rx, .iov_len = 10 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	char buf[16];

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	xu_fill(tx, sizeof(tx), 1, 1);
	ASSERT_EQ(100, xsendto(s, tx, 100, B_ADDR, 6008));
	ASSERT_EQ(100, xsendto(s, tx, 100, B_ADDR, 6008));
	ASSERT_EQ(3, xsendto(s, "end", 3, B_ADDR, 6008));

	/* recvmsg: returns the copied part and flags MSG_TRUNC */
	memset(rx, 0, sizeof(rx));
	ASSERT_EQ(10, recvmsg(r, &msg, 0));
	EXPECT_TRUE(msg.msg_flags & MSG_TRUNC);
	EXPECT_EQ(0, memcmp(rx, tx, 10));
	EXPECT_EQ(0, rx[10]);

	/* MSG_TRUNC in flags: returns the real length */
	memset(rx, 0, sizeof(rx));
	msg.msg_flags = 0;
	ASSERT_EQ(100, recvmsg(r, &msg, MSG_TRUNC));
	EXPECT_TRUE(msg.msg_flags & MSG_TRUNC);
	EXPECT_EQ(0, memcmp(rx, tx, 10));
	EXPECT_EQ(0, rx[10]);

	/* the rest of the truncated datagrams was discarded */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(3, recv(r, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "end", 3));
	close(s);
	close(r);
}

TEST_F(dgram, poll_readiness)
{
	int s = xbound(A_ADDR, 0), r = xbound(B_ADDR, 6009);
	struct pollfd pfd;
	char buf[8];

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	pfd = (struct pollfd){ .fd = r, .events = POLLIN | POLLOUT };
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents);

	pfd = (struct pollfd){ .fd = r, .events = POLLIN };
	ASSERT_EQ(0, poll(&pfd, 1, 100));

	ASSERT_EQ(4, xsendto(s, "ping", 4, B_ADDR, 6009));
	pfd = (struct pollfd){ .fd = r, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 2000));
	EXPECT_EQ(POLLIN, pfd.revents);
	ASSERT_EQ(4, recv(r, buf, sizeof(buf), MSG_DONTWAIT));

	pfd = (struct pollfd){ .fd = r, .events = POLLIN };
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	close(s);
	close(r);
}

struct delayed_send {
	int fd;
	unsigned int ms;
};

static void *delayed_send_fn(void *arg)
{
	struct delayed_send *d = arg;

	xu_msleep(d->ms);
	xsendto(d->fd, "late", 4, B_ADDR, 6010);
	return NULL;
}

TEST_F(dgram, epoll_readiness)
{
	int s = xbound(A_ADDR, 0), r = xbound(B_ADDR, 6010), ep;
	struct epoll_event ev = { .events = EPOLLIN }, out[4];
	struct delayed_send d;
	pthread_t th;
	char buf[8];

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ev.data.fd = r;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));

	/* a waiter blocked in epoll_wait is woken by an arriving datagram */
	d.fd = s;
	d.ms = 200;
	ASSERT_EQ(0, pthread_create(&th, NULL, delayed_send_fn, &d));
	ASSERT_EQ(1, epoll_wait(ep, out, 4, 5000));
	pthread_join(th, NULL);
	EXPECT_EQ(r, out[0].data.fd);
	EXPECT_TRUE((out[0].events & EPOLLIN) != 0);

	/* level triggered: still ready until read */
	EXPECT_EQ(1, epoll_wait(ep, out, 4, 0));
	ASSERT_EQ(4, recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(buf, "late", 4));
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));

	/* EPOLLOUT is reported for an idle socket */
	ev.events = EPOLLOUT;
	ev.data.fd = s;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	ASSERT_EQ(1, epoll_wait(ep, out, 4, 1000));
	EXPECT_EQ(s, out[0].data.fd);
	EXPECT_TRUE((out[0].events & EPOLLOUT) != 0);
	close(ep);
	close(s);
	close(r);
}

TEST_F(dgram, buffer_sizes)
{
	int fd = xsock(), v;
	socklen_t len;

	ASSERT_LE(0, fd);
	v = 65536;
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len));
	EXPECT_LE(65536, v);
	EXPECT_GE(2 * 65536, v);

	v = 32768;
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len));
	EXPECT_LE(32768, v);
	EXPECT_GE(2 * 32768, v);

	/* tiny values are raised to the kernel's minimum, not to zero */
	v = 1;
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len));
	EXPECT_LT(1000, v);
	EXPECT_GT(65536, v);
	close(fd);
}

TEST_F(dgram, rcvbuf_flood)
{
	int s = xbound(A_ADDR, 0), r = xbound(B_ADDR, 6011);
	long long drops0, drops1, in0, in1;
	int v = 1, i, sent = 0, got = 0;
	uint8_t buf[1000];
	const int n = 200;

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, setsockopt(r, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	drops0 = xu_counter("InBufferErrors");
	in0 = xu_counter("InDatagrams");
	ASSERT_LE(0, drops0);
	ASSERT_LE(0, in0);

	for (i = 0; i < n; i++) {
		xu_fill(buf, sizeof(buf), 3, i);
		if (xsendto(s, buf, sizeof(buf), B_ADDR, 6011) == sizeof(buf))
			sent++;
	}
	ASSERT_EQ(n, sent);
	xu_msleep(200);
	while (recv(r, buf, sizeof(buf), MSG_DONTWAIT) == sizeof(buf))
		got++;
	drops1 = xu_counter("InBufferErrors");
	in1 = xu_counter("InDatagrams");
	TH_LOG("received %d of %d, InBufferErrors +%lld, InDatagrams +%lld",
	       got, n, drops1 - drops0, in1 - in0);
	/* the queue was bounded, something was queued, the rest counted */
	EXPECT_LE(1, got);
	EXPECT_GT(n / 4, got);
	EXPECT_EQ(n - got, drops1 - drops0);
	EXPECT_EQ(got, in1 - in0);

	/* once drained, the socket receives again */
	ASSERT_EQ(5, xsendto(s, "again", 5, B_ADDR, 6011));
	ASSERT_EQ(5, recv(r, buf, sizeof(buf), 0));
	close(s);
	close(r);
}

TEST_F(dgram, shutdown_rd)
{
	struct sockaddr_xnet sa = xu_sa(A_ADDR, 6012);
	int s = xbound(A_ADDR, 6012), r = xbound(B_ADDR, 6013);
	char buf[8];
	double t0;

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, connect(r, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, shutdown(r, SHUT_RD));
	/* returns 0 at once instead of waiting for SO_RCVTIMEO (2 s) */
	t0 = xu_now();
	EXPECT_EQ(0, recv(r, buf, sizeof(buf), 0));
	EXPECT_GT(1.0, xu_now() - t0);

	/* SHUT_WR: sending fails with EPIPE */
	ASSERT_EQ(0, shutdown(r, SHUT_WR));
	errno = 0;
	EXPECT_EQ(-1, send(r, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	close(s);
	close(r);
}

struct blocked_reader {
	int fd;
	ssize_t ret;
	int err;
	double elapsed;
};

static void *blocked_reader_fn(void *arg)
{
	struct blocked_reader *b = arg;
	struct timeval tv = { .tv_sec = 8 };
	char buf[8];
	double t0 = xu_now();

	setsockopt(b->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	b->ret = recv(b->fd, buf, sizeof(buf), 0);
	b->err = errno;
	b->elapsed = xu_now() - t0;
	return NULL;
}

TEST_F(dgram, shutdown_wakes_reader)
{
	struct sockaddr_xnet sa = xu_sa(A_ADDR, 6014);
	struct blocked_reader b = { 0 };
	pthread_t th;

	b.fd = xbound(B_ADDR, 6015);
	ASSERT_LE(0, b.fd);
	ASSERT_EQ(0, connect(b.fd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, pthread_create(&th, NULL, blocked_reader_fn, &b));
	xu_msleep(300);
	ASSERT_EQ(0, shutdown(b.fd, SHUT_RD));
	pthread_join(th, NULL);
	EXPECT_EQ(0, b.ret);
	EXPECT_GT(5.0, b.elapsed);
	close(b.fd);
}

TEST_F(dgram, autobind_on_sendto)
{
	int s = xsock(), r = xbound(B_ADDR, 6016);
	struct sockaddr_xnet from;
	socklen_t flen = sizeof(from);
	char buf[8];

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	EXPECT_EQ(0, local_port(s));
	ASSERT_EQ(4, xsendto(s, "auto", 4, B_ADDR, 6016));
	EXPECT_LE(EPH_LO, local_port(s));
	EXPECT_GE(EPH_HI, local_port(s));
	ASSERT_EQ(4, recvfrom(r, buf, sizeof(buf), 0,
			      (struct sockaddr *)&from, &flen));
	EXPECT_EQ(local_port(s), ntohs(from.sxn_port));
	EXPECT_TRUE(from.sxn_addr == xu_addr(A_ADDR) ||
		    from.sxn_addr == xu_addr(B_ADDR));
	/* and the reply reaches the auto-bound socket */
	ASSERT_EQ(2, sendto(r, "ok", 2, 0, (struct sockaddr *)&from, flen));
	ASSERT_EQ(2, recv(s, buf, sizeof(buf), 0));
	close(s);
	close(r);
}

TEST_F(dgram, proc_sockets)
{
	int fds[3], i;

	for (i = 0; i < 3; i++) {
		fds[i] = xbound(A_ADDR, 6100 + i);
		ASSERT_LE(0, fds[i]);
	}
	EXPECT_EQ(3, xu_proc_entries("sockets"));
	EXPECT_EQ(0, xu_sh("xnetctl sockets | grep -q 6101"));
	for (i = 0; i < 3; i++)
		close(fds[i]);
	EXPECT_EQ(0, xu_proc_entries("sockets"));
}

TEST_F(dgram, many_sockets_listed)
{
	const int n = 600;
	int fds[600], i, listed = 0;
	char line[512];
	FILE *f;

	for (i = 0; i < n; i++) {
		fds[i] = xbound(i & 1 ? B_ADDR : A_ADDR, 10000 + i);
		ASSERT_LE(0, fds[i]);
	}
	/* /proc: one line per socket, however many pages that takes */
	EXPECT_EQ(n, xu_proc_entries("sockets"));
	/* the netlink dump is complete too, each socket once */
	f = popen("xnetctl sockets", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "10.0.0.1:1") || strstr(line, "10.0.0.2:1"))
			listed++;
	EXPECT_EQ(0, pclose(f));
	EXPECT_EQ(n, listed);
	for (i = 0; i < n; i++)
		close(fds[i]);
	EXPECT_EQ(0, xu_proc_entries("sockets"));
}

TEST_F(dgram, scatter_gather)
{
	int s = xbound(A_ADDR, 0), r = xbound(B_ADDR, 6200);
	struct sockaddr_xnet dst = xu_sa(B_ADDR, 6200), from;
	uint8_t tx[1476], rx[1476], a[100], b[1376];
	struct iovec tiov[3], riov[2];
	struct msghdr msg;

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	xu_fill(tx, sizeof(tx), 5, 5);
	tiov[0] = (struct iovec){ tx, 1 };
	tiov[1] = (struct iovec){ tx + 1, 0 };
	tiov[2] = (struct iovec){ tx + 1, sizeof(tx) - 1 };
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &dst;
	msg.msg_namelen = sizeof(dst);
	msg.msg_iov = tiov;
	msg.msg_iovlen = 3;
	ASSERT_EQ((ssize_t)sizeof(tx), sendmsg(s, &msg, 0));

	riov[0] = (struct iovec){ a, sizeof(a) };
	riov[1] = (struct iovec){ b, sizeof(b) };
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = riov;
	msg.msg_iovlen = 2;
	ASSERT_EQ((ssize_t)sizeof(tx), recvmsg(r, &msg, 0));
	EXPECT_EQ(sizeof(from), msg.msg_namelen);
	EXPECT_EQ(0, msg.msg_flags & MSG_TRUNC);
	memcpy(rx, a, sizeof(a));
	memcpy(rx + sizeof(a), b, sizeof(b));
	EXPECT_EQ(0, memcmp(tx, rx, sizeof(tx)));
	close(s);
	close(r);
}

TEST_F(dgram, bad_user_memory)
{
	int s = xbound(A_ADDR, 0), r = xbound(B_ADDR, 6201);
	struct sockaddr_xnet dst = xu_sa(B_ADDR, 6201);
	char buf[16];

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	errno = 0;
	EXPECT_EQ(-1, xsendto(s, (void *)8, 100, B_ADDR, 6201));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, sendto(s, "x", 1, 0, (struct sockaddr *)8, sizeof(dst)));
	EXPECT_EQ(EFAULT, errno);
	/* nothing was sent by the failed calls */
	errno = 0;
	EXPECT_EQ(-1, recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(4, xsendto(s, "data", 4, B_ADDR, 6201));
	errno = 0;
	EXPECT_EQ(-1, recv(r, (void *)8, 4, 0));
	EXPECT_EQ(EFAULT, errno);
	/* the socket still works afterwards */
	ASSERT_EQ(4, xsendto(s, "more", 4, B_ADDR, 6201));
	ASSERT_LE(1, recv(r, buf, sizeof(buf), 0));
	close(s);
	close(r);
}

TEST_F(dgram, unbound_names)
{
	struct sockaddr_xnet sa;
	socklen_t len = sizeof(sa);
	int s = xsock();

	ASSERT_LE(0, s);
	memset(&sa, 0xa5, sizeof(sa));
	ASSERT_EQ(0, getsockname(s, (struct sockaddr *)&sa, &len));
	EXPECT_EQ(sizeof(sa), len);
	EXPECT_EQ(AF_XNET, sa.sxn_family);
	EXPECT_EQ(0, sa.sxn_port);
	EXPECT_EQ(0U, sa.sxn_addr);
	close(s);
}

TEST_F(dgram, port_zero_destination)
{
	long long out0 = xu_counter("OutDatagrams");
	int s = xbound(A_ADDR, 0);

	ASSERT_LE(0, out0);
	ASSERT_LE(0, s);
	/* port 0 is invalid on the wire: refused, not sent */
	EXPECT_EQ(-1, xsendto(s, "zero", 4, B_ADDR, 0));
	TH_LOG("sendto port 0: %s", strerror(errno));
	EXPECT_EQ(-1, xsendto(s, "zero", 4, NOBODY, 0));
	EXPECT_EQ(out0, xu_counter("OutDatagrams"));
	close(s);
}

struct churn {
	volatile int stop;
	unsigned long sent, errs;
};

static void *churn_sender(void *arg)
{
	struct churn *c = arg;
	int s = xbound(A_ADDR, 0);

	if (s < 0)
		return NULL;
	while (!c->stop) {
		if (xsendto(s, "churn", 5, B_ADDR, 6300) == 5)
			c->sent++;
		else
			c->errs++;
	}
	close(s);
	return NULL;
}

TEST_F(dgram, bind_close_under_traffic)
{
	struct churn c = { 0 };
	pthread_t th;
	int i, fd, bound = 0;
	char buf[8];

	ASSERT_EQ(0, pthread_create(&th, NULL, churn_sender, &c));
	/* the destination port appears and disappears under the sender */
	for (i = 0; i < 300; i++) {
		fd = xsock();
		ASSERT_LE(0, fd);
		if (!xbind(fd, B_ADDR, 6300)) {
			bound++;
			recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		}
		close(fd);
	}
	c.stop = 1;
	pthread_join(th, NULL);
	TH_LOG("%d binds, %lu datagrams sent, %lu send errors", bound,
	       c.sent, c.errs);
	EXPECT_EQ(300, bound);
	EXPECT_LT(0UL, c.sent);
	EXPECT_EQ(0UL, c.errs);
	EXPECT_EQ(0, xu_proc_entries("sockets"));
}

TEST_F_TIMEOUT(dgram, unreachable, 40)
{
	long long q0 = xu_counter("NeighQueriesOut");
	long long f0 = xu_counter("NeighResolveFailed");
	long long q1, f1 = f0;
	int s = xbound(A_ADDR, 0);
	double t0, waited;

	ASSERT_LE(0, q0);
	ASSERT_LE(0, f0);
	ASSERT_LE(0, s);
	t0 = xu_now();
	ASSERT_EQ(5, xsendto(s, "lost?", 5, NOBODY, 6017));
	/* still resolving after a short while */
	xu_msleep(500);
	EXPECT_EQ(f0, xu_counter("NeighResolveFailed"));
	while (xu_now() - t0 < 10.0) {
		f1 = xu_counter("NeighResolveFailed");
		if (f1 != f0)
			break;
		xu_msleep(100);
	}
	waited = xu_now() - t0;
	q1 = xu_counter("NeighQueriesOut");
	TH_LOG("resolution failed after %.2f s, %lld queries", waited, q1 - q0);
	ASSERT_EQ(f0 + 1, f1);
	EXPECT_LE(2.0, waited);
	EXPECT_GE(6.0, waited);
	/* 3 or 4 rounds, each on both interfaces with an address (xa, xb) */
	EXPECT_LE(6, q1 - q0);
	EXPECT_GE(8, q1 - q0);
	EXPECT_EQ(0, xu_sh("xnetctl neigh show | grep " NOBODY
			   " | grep -q FAILED"));

	errno = 0;
	EXPECT_EQ(-1, xsendto(s, "lost!", 5, NOBODY, 6017));
	EXPECT_EQ(EHOSTUNREACH, errno);
	close(s);
}

#include "xnet_harness.h"

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet_echo: AF_XNET datagram helper for the shell selftests.
 *
 *   xnet_echo server  -b ADDR:PORT [-i IDLE_S]
 *	Echo every datagram back to its sender. Exits 0 on a QUIT datagram or
 *	after IDLE_S (default 30) seconds without traffic. Prints "served N".
 *   xnet_echo client  -b ADDR[:PORT] -c DST:PORT [-n N] [-m MAX] [-s SEED]
 *		       [-r RETRIES] [-w WAIT_MS] [-q]
 *	N (default 2000) datagrams of sizes 1..MAX (default 1476), each with a
 *	sequence number and a deterministic pseudo-random payload; waits for
 *	each echo, retransmits on loss, verifies byte for byte. -q: send QUIT
 *	to the server at the end. Exit 0 iff every echo came back intact.
 *   xnet_echo flood   -b ADDR -c DST:PORT -d SECONDS [-m SIZE] [-e]
 *	Send as fast as possible for SECONDS, draining echoes; counts
 *	successes and errnos. Exit 1 on an errno outside the expected set
 *	for link events, 3 with -e if nothing at all could be sent.
 *   xnet_echo send    [-b ADDR[:PORT]] -c DST:PORT [-m SIZE] [-B] [-E]
 *		       [-x ERRNO] [-w WAIT_MS] [-r RETRIES]
 *	One datagram (-B: set SO_BROADCAST first; -E: wait for the echo and
 *	verify it). Exit 0 iff the outcome is -x (default OK; a comma
 *	separated list of errno names accepts any of them).
 *   xnet_echo bind    -b ADDR:PORT [-x ERRNO]
 *   xnet_echo recv    -b ADDR:PORT -n N [-w IDLE_MS]
 *	Receive broadcast-format datagrams until N distinct ones or idle;
 *	exit 0 iff exactly N (N=0: none) arrived, all intact, no duplicate.
 *   xnet_echo bcast   -b ADDR[:PORT] -p PORT [-n N] [-g GAP_MS] [-N]
 *	N broadcast-format datagrams to 255.255.255.255:PORT (-N: without
 *	SO_BROADCAST). Exit 0 iff all were sent.
 *   xnet_echo hold    [-b ADDR:PORT] [-c DST:PORT] [-t SECS] [-R FILE]
 *		       [-k RCVBUF]
 *	Keep a socket open (optionally bound, optionally after one send) for
 *	SECS (default 60) or until killed, never reading; creates FILE once
 *	ready.
 *   xnet_echo spray   -b ADDR -c BASE:PORT -n N
 *	One datagram to each of N consecutive addresses from BASE (fills the
 *	neighbour table). Prints what happened; exit 0.
 *   xnet_echo nobody CMD [ARGS...]
 *	Run CMD as uid/gid 65534, without capabilities.
 *   xnet_echo socket
 *	Exit 0 iff socket(AF_XNET, SOCK_DGRAM, 0) works.
 *   xnet_echo unreach -b ADDR -c DST:PORT [-w MS] [-R FILE]
 *	Send once (must succeed; then create FILE), wait MS (default 4500),
 *	send again: exit 0 iff the second send fails with EHOSTUNREACH.
 * Any command: -D DEV binds its sockets to DEV (SO_BINDTODEVICE).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>

#include "xnet_util.h"

#define QUIT_MSG	"XNET-ECHO-QUIT"
#define BCAST_SIZE	64
#define MAXBUF		65536

static const struct { const char *name; int val; } errnames[] = {
	{ "OK", 0 }, { "EACCES", EACCES }, { "EADDRINUSE", EADDRINUSE },
	{ "EADDRNOTAVAIL", EADDRNOTAVAIL }, { "EAFNOSUPPORT", EAFNOSUPPORT },
	{ "EAGAIN", EAGAIN }, { "EDESTADDRREQ", EDESTADDRREQ },
	{ "EHOSTUNREACH", EHOSTUNREACH }, { "EINVAL", EINVAL },
	{ "EMSGSIZE", EMSGSIZE }, { "ENETDOWN", ENETDOWN },
	{ "ENETUNREACH", ENETUNREACH }, { "ENOBUFS", ENOBUFS },
	{ "ENODEV", ENODEV }, { "ENOTCONN", ENOTCONN }, { "ENXIO", ENXIO },
	{ "EPERM", EPERM }, { "EPIPE", EPIPE }, { "ETIMEDOUT", ETIMEDOUT },
	{ "ECONNREFUSED", ECONNREFUSED }, { "ENOMEM", ENOMEM },
	{ "EINTR", EINTR }, { "EBADF", EBADF },
};

static const char *errname(int e)
{
	static char buf[32];
	size_t i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].val == e)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

static int errval(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (!strcmp(errnames[i].name, name))
			return errnames[i].val;
	fprintf(stderr, "unknown errno name %s\n", name);
	exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "xnet_echo: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* "A.B.C.D[:PORT]" */
static struct sockaddr_xnet parse_sa(const char *s)
{
	char buf[64], *colon;
	uint16_t port = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strchr(buf, ':');
	if (colon) {
		*colon = 0;
		port = (uint16_t)atoi(colon + 1);
	}
	return xu_sa(buf, port);
}

static const char *sa_str(const struct sockaddr_xnet *sa)
{
	static char out[48];
	char a[INET_ADDRSTRLEN];

	snprintf(out, sizeof(out), "%s:%u", xu_ntoa(sa->sxn_addr, a),
		 ntohs(sa->sxn_port));
	return out;
}

struct opts {
	const char *bind, *dst, *expect, *ready;
	int n, max, seed, retries, wait_ms, quit, idle, secs, bcast, echo;
	int port, gap_ms, nobcast, require, rcvbuf;
	int n_set;
};

static const char *bind_dev;	/* -D */

static int xsocket(void)
{
	int fd = socket(AF_XNET, SOCK_DGRAM, 0);
	struct timeval tv = { .tv_sec = 2 };

	if (fd < 0)
		die("socket");
	if (bind_dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, bind_dev,
				   strlen(bind_dev) + 1))
		die("SO_BINDTODEVICE");
	/* every blocking call is bounded */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void xbind_or_die(int fd, const char *spec)
{
	struct sockaddr_xnet sa;

	if (!spec)
		return;
	sa = parse_sa(spec);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
}

/* -R FILE: tell the shell test we are ready. */
static void touch_ready(const char *path)
{
	int fd;

	if (!path)
		return;
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		die("ready file");
	close(fd);
}

/* Wait up to ms for fd to become readable: 1 ready, 0 timeout. */
static int wait_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do {
		r = poll(&p, 1, ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		die("poll");
	return r;
}

/* ---- echo payloads ---- */

static size_t msg_size(uint32_t seq, int max)
{
	/* 739 is coprime with 1476: every size 1..1476 within 1476 messages */
	return 1 + (size_t)((seq * 739ULL) % (unsigned int)max);
}

static void msg_build(uint8_t *buf, size_t len, uint32_t seed, uint32_t seq)
{
	uint32_t be = htonl(seq);

	xu_fill(buf, len, seed, seq);
	memcpy(buf, &be, len < 4 ? len : 4);
}

static int cmd_server(struct opts *o)
{
	static uint8_t buf[MAXBUF];
	int fd = xsocket(), big = 4 << 20;
	unsigned long served = 0;
	double last = xu_now();

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	xbind_or_die(fd, o->bind);
	printf("listening %s\n", o->bind);
	fflush(stdout);
	for (;;) {
		struct sockaddr_xnet from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		if (xu_now() - last > o->idle) {
			printf("idle, served %lu\n", served);
			break;
		}
		if (!wait_in(fd, 200))
			continue;
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("recvfrom");
		}
		last = xu_now();
		if (n == (ssize_t)strlen(QUIT_MSG) && !memcmp(buf, QUIT_MSG, n)) {
			printf("quit, served %lu\n", served);
			break;
		}
		if (sendto(fd, buf, n, 0, (struct sockaddr *)&from, flen) != n)
			fprintf(stderr, "echo to %s: %s\n", sa_str(&from),
				strerror(errno));
		else
			served++;
	}
	close(fd);
	return 0;
}

static int cmd_client(struct opts *o)
{
	static uint8_t tx[MAXBUF], rx[MAXBUF];
	struct sockaddr_xnet dst = parse_sa(o->dst);
	unsigned long retrans = 0, dups = 0, bytes = 0;
	int fd = xsocket(), big = 1 << 20, ok = 0;
	double t0 = xu_now();
	uint32_t seq;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	xbind_or_die(fd, o->bind);
	for (seq = 0; seq < (uint32_t)o->n; seq++) {
		size_t len = msg_size(seq, o->max);
		int attempt, done = 0;

		msg_build(tx, len, o->seed, seq);
		for (attempt = 0; attempt <= o->retries && !done; attempt++) {
			double deadline;

			if (attempt)
				retrans++;
			if (sendto(fd, tx, len, 0, (struct sockaddr *)&dst,
				   sizeof(dst)) != (ssize_t)len) {
				fprintf(stderr, "seq %u: send %zu: %s\n", seq,
					len, strerror(errno));
				xu_msleep(o->wait_ms);
				continue;
			}
			deadline = xu_now() + o->wait_ms / 1000.0;
			while (!done) {
				struct sockaddr_xnet from;
				socklen_t flen = sizeof(from);
				int left = (int)((deadline - xu_now()) * 1000);
				ssize_t n;

				if (left <= 0 || !wait_in(fd, left))
					break;
				n = recvfrom(fd, rx, sizeof(rx), MSG_DONTWAIT,
					     (struct sockaddr *)&from, &flen);
				if (n < 0)
					continue;
				if (from.sxn_addr != dst.sxn_addr ||
				    from.sxn_port != dst.sxn_port) {
					fprintf(stderr, "seq %u: echo from %s\n",
						seq, sa_str(&from));
					goto out;
				}
				if ((size_t)n == len && !memcmp(rx, tx, len)) {
					done = 1;
					break;
				}
				/* a late echo of an earlier retransmitted one? */
				if (n >= 4) {
					uint32_t s;

					memcpy(&s, rx, 4);
					s = ntohl(s);
					if (s < seq && (size_t)n == msg_size(s, o->max)) {
						static uint8_t old[MAXBUF];

						msg_build(old, n, o->seed, s);
						if (!memcmp(old, rx, n)) {
							dups++;
							continue;
						}
					}
				} else if (seq && (size_t)n < len) {
					/* tiny stale echo: cannot tell, tolerate */
					dups++;
					continue;
				}
				fprintf(stderr, "seq %u: MISMATCH: sent %zu bytes, echo %zd bytes\n",
					seq, len, n);
				goto out;
			}
		}
		if (!done) {
			fprintf(stderr, "seq %u (%zu bytes): no echo after %d tries\n",
				seq, len, o->retries + 1);
			goto out;
		}
		ok++;
		bytes += len;
	}
out:
	if (o->quit)
		sendto(fd, QUIT_MSG, strlen(QUIT_MSG), 0,
		       (struct sockaddr *)&dst, sizeof(dst));
	printf("client: %d/%d echoed intact, %lu bytes, %lu retransmits, %lu late duplicates, %.2f s\n",
	       ok, o->n, bytes, retrans, dups, xu_now() - t0);
	close(fd);
	return ok == o->n ? 0 : 1;
}

static int cmd_flood(struct opts *o)
{
	static const int allowed[] = { ENETDOWN, ENETUNREACH, EHOSTUNREACH,
		ENOBUFS, EAGAIN, ENODEV, ENXIO, EADDRNOTAVAIL, EMSGSIZE };
	static uint8_t buf[MAXBUF];
	struct sockaddr_xnet dst = parse_sa(o->dst);
	unsigned long sent = 0, echoed = 0, errs[256] = { 0 };
	int fd = xsocket(), bad = 0, e;
	size_t len = o->max;
	double t0 = xu_now();

	xbind_or_die(fd, o->bind);
	memset(buf, 0x5a, len);
	while (xu_now() - t0 < o->secs) {
		if (sendto(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&dst,
			   sizeof(dst)) == (ssize_t)len) {
			sent++;
		} else {
			e = errno;
			errs[e & 255]++;
			if (e == EAGAIN || e == ENOBUFS)
				xu_msleep(1);
			else
				xu_msleep(20);	/* link gone: don't spin */
		}
		while (recv(fd, buf + len, sizeof(buf) - len, MSG_DONTWAIT) >= 0)
			echoed++;
		if (o->gap_ms)
			xu_msleep(o->gap_ms);
	}
	printf("flood: %.1f s, sent %lu, echoes %lu", xu_now() - t0, sent, echoed);
	for (e = 0; e < 256; e++) {
		size_t i;
		int ok = 0;

		if (!errs[e])
			continue;
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			ok |= allowed[i] == e;
		printf(", %s=%lu%s", errname(e), errs[e], ok ? "" : " (UNEXPECTED)");
		if (!ok)
			bad = 1;
	}
	printf("\n");
	close(fd);
	if (bad)
		return 1;
	if (o->require && !sent)
		return 3;
	return 0;
}

/* expect: an errno name, or several separated by commas; NULL means OK. */
static int outcome(const char *what, int err, const char *expect)
{
	char list[256], *tok, *save = NULL;
	int match = 0;

	snprintf(list, sizeof(list), "%s", expect ? expect : "OK");
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		match |= errval(tok) == err;
	printf("%s: %s (expected %s)\n", what, errname(err),
	       expect ? expect : "OK");
	return match ? 0 : 1;
}

static int cmd_send(struct opts *o)
{
	static uint8_t tx[MAXBUF], rx[MAXBUF];
	struct sockaddr_xnet dst = parse_sa(o->dst);
	int fd = xsocket(), on = 1, attempt;
	size_t len = o->max;
	ssize_t n;

	xbind_or_die(fd, o->bind);
	if (o->bcast && setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)))
		die("SO_BROADCAST");
	msg_build(tx, len, o->seed, 1);
	for (attempt = 0; attempt <= o->retries; attempt++) {
		n = sendto(fd, tx, len, 0, (struct sockaddr *)&dst, sizeof(dst));
		if (n < 0)
			return outcome("send", errno, o->expect);
		if (n != (ssize_t)len) {
			printf("send: short %zd of %zu\n", n, len);
			return 1;
		}
		if (!o->echo)
			return outcome("send", 0, o->expect);
		if (!wait_in(fd, o->wait_ms))
			continue;
		n = recv(fd, rx, sizeof(rx), MSG_DONTWAIT);
		if (n == (ssize_t)len && !memcmp(tx, rx, len))
			return outcome("send+echo", 0, o->expect);
		printf("send+echo: MISMATCH (%zd bytes back of %zu)\n", n, len);
		return 1;
	}
	printf("send+echo: no echo after %d tries\n", o->retries + 1);
	return outcome("send+echo", ETIMEDOUT, o->expect);
}

static int cmd_bind(struct opts *o)
{
	struct sockaddr_xnet sa = parse_sa(o->bind);
	int fd = xsocket(), err = 0;

	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		err = errno;
	close(fd);
	return outcome("bind", err, o->expect);
}

static int cmd_recv(struct opts *o)
{
	static uint8_t rx[MAXBUF], want[BCAST_SIZE];
	static unsigned char seen[4096];
	struct sockaddr_xnet from;
	int fd = xsocket(), got = 0, bad = 0;
	double last;

	xbind_or_die(fd, o->bind);
	touch_ready(o->ready);
	last = xu_now();
	while ((o->n == 0 || got < o->n) &&
	       (xu_now() - last) * 1000 < o->wait_ms) {
		socklen_t flen = sizeof(from);
		uint32_t seq;
		ssize_t n;

		if (!wait_in(fd, 100))
			continue;
		n = recvfrom(fd, rx, sizeof(rx), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0)
			continue;
		last = xu_now();
		memcpy(&seq, rx, 4);
		seq = ntohl(seq);
		msg_build(want, BCAST_SIZE, o->seed, seq);
		if (n != BCAST_SIZE || seq >= sizeof(seen) ||
		    memcmp(want, rx, BCAST_SIZE)) {
			printf("recv: corrupt datagram (%zd bytes) from %s\n",
			       n, sa_str(&from));
			bad = 1;
			continue;
		}
		if (seen[seq]++) {
			printf("recv: duplicate seq %u from %s\n", seq,
			       sa_str(&from));
			bad = 1;
			continue;
		}
		got++;
		printf("recv: seq %u from %s\n", seq, sa_str(&from));
	}
	printf("received %d (expected %d)\n", got, o->n);
	close(fd);
	return (!bad && got == o->n) ? 0 : 1;
}

static int cmd_bcast(struct opts *o)
{
	struct sockaddr_xnet dst = xu_sa("255.255.255.255", o->port);
	uint8_t tx[BCAST_SIZE];
	int fd = xsocket(), on = 1, i, sent = 0;

	xbind_or_die(fd, o->bind);
	if (!o->nobcast &&
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)))
		die("SO_BROADCAST");
	for (i = 0; i < o->n; i++) {
		msg_build(tx, sizeof(tx), o->seed, i);
		if (sendto(fd, tx, sizeof(tx), 0, (struct sockaddr *)&dst,
			   sizeof(dst)) == sizeof(tx)) {
			sent++;
		} else {
			printf("bcast %d: %s\n", i, errname(errno));
			if (o->expect) {
				close(fd);
				return outcome("bcast", errno, o->expect);
			}
		}
		if (o->gap_ms)
			xu_msleep(o->gap_ms);
	}
	printf("bcast: sent %d of %d\n", sent, o->n);
	close(fd);
	if (o->expect)
		return outcome("bcast", 0, o->expect);
	return sent == o->n ? 0 : 1;
}

static int cmd_hold(struct opts *o)
{
	int fd = xsocket();

	if (o->rcvbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o->rcvbuf, sizeof(o->rcvbuf)))
		die("SO_RCVBUF");
	xbind_or_die(fd, o->bind);
	if (o->dst) {
		struct sockaddr_xnet dst = parse_sa(o->dst);

		if (sendto(fd, "hold", 4, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) != 4)
			printf("hold: send: %s\n", errname(errno));
	}
	touch_ready(o->ready);
	xu_msleep(o->secs * 1000U);
	close(fd);
	return 0;
}

static int cmd_spray(struct opts *o)
{
	struct sockaddr_xnet dst = parse_sa(o->dst);
	unsigned long errs[256] = { 0 };
	uint32_t base = ntohl(dst.sxn_addr);
	int fd = xsocket(), i, sent = 0, e, sndbuf = 16 << 20;

	/*
	 * Every frame waiting for resolution stays charged to this socket:
	 * make room for all of them, or the send buffer (whose truesize
	 * cost differs between kernels) rather than the table would stop
	 * the spray.
	 */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
	xbind_or_die(fd, o->bind);
	for (i = 0; i < o->n; i++) {
		dst.sxn_addr = htonl(base + i);
		if (sendto(fd, "s", 1, MSG_DONTWAIT, (struct sockaddr *)&dst,
			   sizeof(dst)) == 1)
			sent++;
		else
			errs[errno & 255]++;
	}
	printf("spray: %d destinations, %d sent", o->n, sent);
	for (e = 0; e < 256; e++)
		if (errs[e])
			printf(", %s=%lu", errname(e), errs[e]);
	printf("\n");
	close(fd);
	return 0;
}

static int cmd_socket(void)
{
	int fd = socket(AF_XNET, SOCK_DGRAM, 0);

	if (fd < 0) {
		printf("socket: %s\n", errname(errno));
		return 1;
	}
	close(fd);
	return 0;
}

static int cmd_unreach(struct opts *o)
{
	struct sockaddr_xnet dst = parse_sa(o->dst);
	int fd = xsocket(), err = 0;
	double t0 = xu_now();

	xbind_or_die(fd, o->bind);
	if (sendto(fd, "q1", 2, 0, (struct sockaddr *)&dst, sizeof(dst)) != 2) {
		printf("unreach: first send: %s (expected OK)\n", errname(errno));
		return 1;
	}
	touch_ready(o->ready);
	xu_msleep(o->wait_ms);
	if (sendto(fd, "q2", 2, 0, (struct sockaddr *)&dst, sizeof(dst)) != 2)
		err = errno;
	printf("unreach: after %.2f s: ", xu_now() - t0);
	close(fd);
	return outcome("second send", err, "EHOSTUNREACH");
}

int main(int argc, char **argv)
{
	struct opts o = {
		.n = 2000, .max = 1476, .seed = 1, .retries = 5,
		.wait_ms = 1000, .idle = 30, .secs = 60,
	};
	const char *cmd;
	int c;

	if (argc < 2) {
		fprintf(stderr, "usage: see the comment at the top of xnet_echo.c\n");
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "nobody") && argc > 2) {
		/* run a command as uid/gid 65534: no capabilities left */
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			die("dropping privileges");
		execvp(argv[2], argv + 2);
		die(argv[2]);
	}
	optind = 2;
	while ((c = getopt(argc, argv, "b:c:n:m:s:r:w:qi:d:t:R:x:BEp:g:Nek:D:")) != -1) {
		switch (c) {
		case 'b': o.bind = optarg; break;
		case 'c': o.dst = optarg; break;
		case 'n': o.n = atoi(optarg); o.n_set = 1; break;
		case 'm': o.max = atoi(optarg); break;
		case 's': o.seed = atoi(optarg); break;
		case 'r': o.retries = atoi(optarg); break;
		case 'w': o.wait_ms = atoi(optarg); break;
		case 'q': o.quit = 1; break;
		case 'i': o.idle = atoi(optarg); break;
		case 'd': case 't': o.secs = atoi(optarg); break;
		case 'R': o.ready = optarg; break;
		case 'x': o.expect = optarg; break;
		case 'B': o.bcast = 1; break;
		case 'E': o.echo = 1; break;
		case 'p': o.port = atoi(optarg); break;
		case 'g': o.gap_ms = atoi(optarg); break;
		case 'N': o.nobcast = 1; break;
		case 'e': o.require = 1; break;
		case 'k': o.rcvbuf = atoi(optarg); break;
		case 'D': bind_dev = optarg; break;
		default: return 2;
		}
	}
	if (o.max < 1 || o.max > MAXBUF / 2) {
		fprintf(stderr, "bad -m\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(cmd, "server"))
		return cmd_server(&o);
	if (!strcmp(cmd, "socket"))
		return cmd_socket();
	if (!strcmp(cmd, "hold"))
		return cmd_hold(&o);
	if (!strcmp(cmd, "bind") && o.bind)
		return cmd_bind(&o);
	if (!strcmp(cmd, "recv") && o.bind) {
		if (!o.n_set)
			o.n = 1;
		return cmd_recv(&o);
	}
	if (!strcmp(cmd, "bcast") && o.port) {
		if (!o.n_set)
			o.n = 1;
		return cmd_bcast(&o);
	}
	if (!o.dst) {
		fprintf(stderr, "%s needs -c DST:PORT\n", cmd);
		return 2;
	}
	if (!strcmp(cmd, "client"))
		return cmd_client(&o);
	if (!strcmp(cmd, "flood"))
		return cmd_flood(&o);
	if (!strcmp(cmd, "send"))
		return cmd_send(&o);
	if (!strcmp(cmd, "spray"))
		return cmd_spray(&o);
	if (!strcmp(cmd, "unreach")) {
		if (o.wait_ms == 1000)
			o.wait_ms = 4500;
		return cmd_unreach(&o);
	}
	fprintf(stderr, "unknown command %s\n", cmd);
	return 2;
}

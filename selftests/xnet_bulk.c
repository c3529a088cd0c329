// SPDX-License-Identifier: GPL-2.0
/*
 * xnet_bulk: AF_XNET connection helper for the shell selftests.
 *
 *   xnet_bulk server -b ADDR:PORT [-k CONNS] [-R FILE] [COMMON]
 *	Listen, then for each of CONNS (default 1) connections in turn run
 *	a bulk exchange (below). -R: create FILE once listening.
 *   xnet_bulk client -c ADDR:PORT [-b ADDR] [COMMON]
 *	Connect and run one bulk exchange.
 *   COMMON: [-t stream|seqpacket] [-n BYTES] [-N PEER_BYTES] [-S SEED]
 *	     [-P PEER_SEED] [-m MAXMSG] [-r BYTES_PER_S] [-M MSS] [-I]
 *	     [-T SECS] [-U MS] [-4]
 *	A bulk exchange sends BYTES (default 1 MiB) of the deterministic
 *	stream SEED (client 1, server 2 by default) and, at the same time
 *	(two threads), receives until EOF, checking the bytes against the
 *	stream PEER_SEED (default: the other side's default) and their
 *	number against PEER_BYTES (default BYTES). SEQPACKET sends messages
 *	of pseudo-random sizes 1..MAXMSG (default 65536) and checks every
 *	received message's size. -r paces the sender, -M sets XNET_MAXSEG,
 *	-U sets XNET_USER_TIMEOUT (milliseconds),
 *	-I prints XNET_INFO at the end (once all it sent is acknowledged,
 *	15 s at most: info_all_acked=1), -T (default 60) bounds the whole
 *	run (exit 3), -4 uses AF_INET/TCP instead (to test this helper on a
 *	host without xnet). Prints key=value lines:
 *	  sent_bytes sent_sha256 recv_bytes recv_sha256 recv_verify
 *	  msgs_sent msgs_recv msg_errors secs [info_*]
 *	Exit 0 iff everything was sent, and what came back was complete and
 *	intact.
 *   xnet_bulk gen [-S SEED] [-n BYTES]
 *	Write BYTES of stream SEED to stdout (check: | sha256sum).
 *   xnet_bulk echo -b ADDR:PORT -k CONNS [-t TYPE] [-B BACKLOG] [-R FILE]
 *		    [-T SECS] [-4]
 *	Echo server (epoll) for CONNS connections, concurrently: echoes
 *	everything, closes on EOF. Prints echo_conns= echo_errors= and exits
 *	0 iff CONNS connections ended cleanly.
 *   xnet_bulk many -c ADDR:PORT -n CONNS [-p PARALLEL] [-b ADDR] [-t TYPE]
 *		    [-T SECS] [-4]
 *	Open CONNS connections to an echo server, PARALLEL (default 50) at a
 *	time all open together; one 64-byte exchange on each, checked; then
 *	close them. Prints conns_ok= conns_failed= max_open=; exit 0 iff
 *	all succeeded.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/time.h>

#include "xnet_util.h"

#define TCP_INFO_OPT	11	/* TCP_INFO, for -4 */
#define BLK		4096

static int family = AF_XNET;
static int type = SOCK_STREAM;
static size_t nbytes = 1 << 20, peer_nbytes;
static uint32_t seed, peer_seed;
static int have_seed, have_peer_seed, have_peer_nbytes;
static size_t maxmsg = 65536;
static double rate;
static int mss, info, deadline = 60, user_timeout;
static volatile size_t prog_sent, prog_recv;

#include "xnet_sha256.h"

/* ---- the deterministic streams ------------------------------------------ */

/* Bytes [off, off + len) of stream `sd`, built from 4 kB xu_fill() blocks. */
static void stream_fill(uint8_t *buf, size_t len, uint64_t off, uint32_t sd)
{
	uint8_t blk[BLK];

	while (len) {
		size_t in = off % BLK, n = BLK - in;

		if (n > len)
			n = len;
		xu_fill(blk, BLK, sd, (uint32_t)(off / BLK));
		memcpy(buf, blk + in, n);
		buf += n;
		off += n;
		len -= n;
	}
}

/* Size of SEQPACKET message k of stream sd (before the final clamp). */
static size_t msg_size(uint32_t sd, uint64_t k)
{
	uint64_t x = (sd + 1) * 0x9e3779b97f4a7c15ULL ^ (k + 1) * 0xbf58476d1ce4e5b9ULL;

	x ^= x >> 31;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 29;
	return 1 + x % maxmsg;
}

/* ---- sockets -------------------------------------------------------------- */

static int parse_addr(const char *s, struct sockaddr_xnet *sa, int need_port)
{
	char host[64], *colon;
	long port = 0;

	snprintf(host, sizeof(host), "%s", s);
	colon = strchr(host, ':');
	if (colon) {
		*colon = 0;
		port = strtol(colon + 1, NULL, 10);
		if (port < 0 || port > 65535)
			return -1;
	} else if (need_port) {
		return -1;
	}
	*sa = xu_sa(host, (uint16_t)port);
	sa->sxn_family = family;	/* sockaddr_in has the same layout */
	return 0;
}

static int xsock(void)
{
	int fd = socket(family, type, 0);

	if (fd < 0) {
		fprintf(stderr, "socket: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

static void print_info(int fd)
{
	struct xnet_info xi;
	socklen_t len = sizeof(xi);

	memset(&xi, 0, sizeof(xi));
	if (family != AF_XNET) {
		uint8_t ti[256];	/* struct tcp_info, first fields */
		uint32_t v;

		len = sizeof(ti);
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO_OPT, ti, &len)) {
			printf("info_error=%s\n", strerror(errno));
			return;
		}
		memcpy(&v, ti + 100, 4);	/* tcpi_total_retrans */
		printf("info_state=%u\ninfo_total_retrans=%u\n", ti[0], v);
		return;
	}
	/*
	 * Our last bytes (and FIN) may still be unacknowledged when both
	 * threads are done: the receiver ends at the peer's FIN, the sender
	 * when its bytes are queued. Read the counters once all is
	 * acknowledged (15 s at most), so that no retransmission of this
	 * connection can follow: info_total_retrans is then final.
	 */
	for (int i = 0; ; i++) {
		len = sizeof(xi);
		if (getsockopt(fd, SOL_XNET, XNET_INFO, &xi, &len)) {
			printf("info_error=%s\n", strerror(errno));
			return;
		}
		if (!xi.xi_unacked || i == 1500)
			break;
		xu_msleep(10);
	}
	printf("info_all_acked=%d\n", !xi.xi_unacked);
	printf("info_state=%u\ninfo_rto_us=%u\ninfo_srtt_us=%u\n"
	       "info_rttvar_us=%u\ninfo_snd_cwnd=%u\ninfo_snd_ssthresh=%u\n"
	       "info_mss=%u\ninfo_rcv_wnd=%u\ninfo_snd_wnd=%u\n"
	       "info_retransmits=%u\ninfo_total_retrans=%u\ninfo_unacked=%u\n"
	       "info_bytes_acked=%llu\ninfo_bytes_received=%llu\n"
	       "info_segs_out=%llu\ninfo_segs_in=%llu\n",
	       xi.xi_state, xi.xi_rto_us, xi.xi_srtt_us, xi.xi_rttvar_us,
	       xi.xi_snd_cwnd, xi.xi_snd_ssthresh, xi.xi_mss, xi.xi_rcv_wnd,
	       xi.xi_snd_wnd, xi.xi_retransmits, xi.xi_total_retrans,
	       xi.xi_unacked, (unsigned long long)xi.xi_bytes_acked,
	       (unsigned long long)xi.xi_bytes_received,
	       (unsigned long long)xi.xi_segs_out,
	       (unsigned long long)xi.xi_segs_in);
}

static void on_alarm(int sig)
{
	char msg[160];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg),
		     "timeout: deadline of %d s passed (sent %zu, received %zu)\n",
		     deadline, prog_sent, prog_recv);
	if (write(2, msg, n) < 0)
		_exit(3);
	_exit(3);
}

/* ---- bulk exchange -------------------------------------------------------- */

struct side {
	int fd;
	/* sender */
	size_t sent;
	uint64_t msgs_sent;
	int send_err;
	char sent_hex[65];
	/* receiver */
	size_t recvd;
	uint64_t msgs_recv, msg_errors;
	int recv_err;
	int64_t mismatch;	/* first bad offset, -1: none */
	char recv_hex[65];
};

static void *sender(void *arg)
{
	struct side *s = arg;
	uint8_t *buf = malloc(maxmsg > 65536 ? maxmsg : 65536);
	struct sha256 h;
	double t0 = xu_now();
	uint64_t k = 0;

	sha256_init(&h);
	while (buf && s->sent < nbytes) {
		size_t n = type == SOCK_SEQPACKET ? msg_size(seed, k) :
			   1 + (k * 7919) % 65536;
		ssize_t r;

		if (n > nbytes - s->sent)
			n = nbytes - s->sent;
		stream_fill(buf, n, s->sent, seed);
		if (rate > 0) {
			double due = t0 + (s->sent + n) / rate;
			double now = xu_now();

			if (due > now)
				xu_msleep((unsigned int)((due - now) * 1000));
		}
		r = send(s->fd, buf, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			s->send_err = errno;
			break;
		}
		if (type == SOCK_SEQPACKET && (size_t)r != n) {
			s->send_err = EMSGSIZE;
			break;
		}
		sha256_update(&h, buf, r);
		s->sent += r;
		prog_sent = s->sent;
		k++;
	}
	s->msgs_sent = k;
	if (!buf)
		s->send_err = ENOMEM;
	shutdown(s->fd, SHUT_WR);
	sha256_hex(&h, s->sent_hex);
	free(buf);
	return NULL;
}

static void *receiver(void *arg)
{
	struct side *s = arg;
	size_t cap = (maxmsg > 65536 ? maxmsg : 65536) + 1;
	uint8_t *buf = malloc(cap), *exp = malloc(cap);
	struct sha256 h;
	uint64_t k = 0;

	sha256_init(&h);
	s->mismatch = -1;
	while (buf && exp) {
		struct iovec iov = { .iov_base = buf, .iov_len = cap };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(s->fd, &m, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s->recv_err = errno;
			break;
		}
		if (n == 0)
			break;
		if (type == SOCK_SEQPACKET) {
			size_t want = msg_size(peer_seed, k);

			if (want > peer_nbytes - s->recvd)
				want = peer_nbytes - s->recvd;
			if ((size_t)n != want || (m.msg_flags & MSG_TRUNC)) {
				if (s->msg_errors++ < 5)
					fprintf(stderr,
						"message %llu: %zd bytes%s, expected %zu\n",
						(unsigned long long)k, n,
						(m.msg_flags & MSG_TRUNC) ?
						" (MSG_TRUNC)" : "", want);
			}
			k++;
		}
		if (s->mismatch < 0) {
			stream_fill(exp, n, s->recvd, peer_seed);
			if (memcmp(exp, buf, n)) {
				ssize_t i = 0;

				while (i < n && exp[i] == buf[i])
					i++;
				s->mismatch = s->recvd + i;
			}
		}
		sha256_update(&h, buf, n);
		s->recvd += n;
		prog_recv = s->recvd;
	}
	if (!buf || !exp)
		s->recv_err = ENOMEM;
	s->msgs_recv = k;
	sha256_hex(&h, s->recv_hex);
	free(buf);
	free(exp);
	return NULL;
}

static int bulk(int fd, const char *role)
{
	struct side s = { .fd = fd };
	pthread_t ts, tr;
	double t0 = xu_now(), dt;
	int ok = 1;

	if (pthread_create(&tr, NULL, receiver, &s) ||
	    pthread_create(&ts, NULL, sender, &s)) {
		fprintf(stderr, "pthread_create failed\n");
		return 1;
	}
	pthread_join(ts, NULL);
	pthread_join(tr, NULL);
	dt = xu_now() - t0;
	printf("role=%s\nsent_bytes=%zu\nsent_sha256=%s\nrecv_bytes=%zu\n"
	       "recv_sha256=%s\n", role, s.sent, s.sent_hex, s.recvd,
	       s.recv_hex);
	if (s.mismatch >= 0)
		printf("recv_verify=mismatch@%lld\n", (long long)s.mismatch);
	else if (s.recvd != peer_nbytes)
		printf("recv_verify=short\n");
	else
		printf("recv_verify=ok\n");
	printf("msgs_sent=%llu\nmsgs_recv=%llu\nmsg_errors=%llu\n",
	       (unsigned long long)s.msgs_sent,
	       (unsigned long long)s.msgs_recv,
	       (unsigned long long)s.msg_errors);
	printf("secs=%.3f\nrate_mbs=%.2f\n", dt,
	       dt > 0 ? (s.sent + s.recvd) / dt / 1e6 : 0.0);
	if (s.send_err)
		printf("send_error=%s\n", strerror(s.send_err));
	if (s.recv_err)
		printf("recv_error=%s\n", strerror(s.recv_err));
	if (info)
		print_info(fd);
	fflush(stdout);
	if (s.send_err || s.recv_err || s.sent != nbytes ||
	    s.recvd != peer_nbytes || s.mismatch >= 0 || s.msg_errors)
		ok = 0;
	return ok ? 0 : 1;
}

static void sock_opts(int fd)
{
	if (mss && setsockopt(fd, family == AF_XNET ? SOL_XNET : IPPROTO_TCP,
			      XNET_MAXSEG, &mss, sizeof(mss)))
		fprintf(stderr, "MAXSEG %d: %s\n", mss, strerror(errno));
	if (user_timeout && family == AF_XNET &&
	    setsockopt(fd, SOL_XNET, XNET_USER_TIMEOUT, &user_timeout,
		       sizeof(user_timeout)))
		fprintf(stderr, "USER_TIMEOUT %d: %s\n", user_timeout,
			strerror(errno));
}

static int listener(struct sockaddr_xnet *me, int backlog, const char *ready)
{
	int fd = xsock(), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sock_opts(fd);
	if (bind(fd, (struct sockaddr *)me, sizeof(*me)) ||
	    listen(fd, backlog)) {
		fprintf(stderr, "bind/listen: %s\n", strerror(errno));
		exit(1);
	}
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	return fd;
}

static int do_server(struct sockaddr_xnet *me, int conns, const char *ready)
{
	int l = listener(me, 16, ready), i, rc = 0;

	for (i = 0; i < conns; i++) {
		int fd = accept(l, NULL, NULL);

		if (fd < 0) {
			fprintf(stderr, "accept: %s\n", strerror(errno));
			return 1;
		}
		rc |= bulk(fd, "server");
		close(fd);
	}
	close(l);
	return rc;
}

static int do_client(struct sockaddr_xnet *me, int bound,
		     struct sockaddr_xnet *peer)
{
	int fd = xsock(), rc;

	sock_opts(fd);
	if (bound && bind(fd, (struct sockaddr *)me, sizeof(*me))) {
		fprintf(stderr, "bind: %s\n", strerror(errno));
		return 1;
	}
	if (connect(fd, (struct sockaddr *)peer, sizeof(*peer))) {
		printf("connect_error=%s\n", strerror(errno));
		return 1;
	}
	rc = bulk(fd, "client");
	close(fd);
	return rc;
}

/* ---- echo server and many clients ------------------------------------------ */

static int do_echo(struct sockaddr_xnet *me, int conns, int backlog,
		   const char *ready)
{
	int l = listener(me, backlog, ready), ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN }, evs[64];
	int done = 0, errs = 0, open_now = 0, max_open = 0, i, n;
	char buf[4096];

	fcntl(l, F_SETFL, O_NONBLOCK);
	ev.data.fd = l;
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	while (done + errs < conns) {
		n = epoll_wait(ep, evs, 64, 1000);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t r;

			if (fd == l) {
				int c;

				while ((c = accept4(l, NULL, NULL,
						    SOCK_NONBLOCK)) >= 0) {
					ev.data.fd = c;
					ev.events = EPOLLIN;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
					if (++open_now > max_open)
						max_open = open_now;
				}
				continue;
			}
			r = recv(fd, buf, sizeof(buf), 0);
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r > 0) {
				ssize_t off = 0;

				while (off < r) {
					ssize_t w = send(fd, buf + off, r - off,
							 MSG_NOSIGNAL);

					if (w < 0 && errno == EAGAIN) {
						struct pollfd p = { fd, POLLOUT, 0 };

						poll(&p, 1, 1000);
						continue;
					}
					if (w <= 0)
						break;
					off += w;
				}
				if (off == r)
					continue;
			}
			if (r == 0)
				done++;
			else
				errs++;
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			close(fd);
			open_now--;
		}
	}
	printf("echo_conns=%d\necho_errors=%d\necho_max_open=%d\n", done, errs,
	       max_open);
	close(l);
	return errs || done != conns;
}

#define MSGLEN 64

struct mconn {
	int fd;
	int state;	/* 0 connecting, 1 waiting for echo, 2 ok, -1 failed */
	size_t got;
	uint8_t want[MSGLEN], buf[MSGLEN];
};

static int do_many(struct sockaddr_xnet *me, int bound,
		   struct sockaddr_xnet *peer, int conns, int par)
{
	struct mconn *mc = calloc(par, sizeof(*mc));
	struct pollfd *pf = calloc(par, sizeof(*pf));
	int ok = 0, bad = 0, base, i, max_open = 0;

	if (!mc || !pf)
		return 1;
	for (base = 0; base < conns; base += par) {
		int k = conns - base < par ? conns - base : par, left = k;
		double end = xu_now() + 30;

		for (i = 0; i < k; i++) {
			struct mconn *c = &mc[i];

			memset(c, 0, sizeof(*c));
			xu_fill(c->want, MSGLEN, 77, base + i);
			snprintf((char *)c->want, 16, "conn %08d", base + i);
			c->fd = socket(family, type | SOCK_NONBLOCK, 0);
			if (c->fd < 0 ||
			    (bound && bind(c->fd, (struct sockaddr *)me,
					   sizeof(*me))) ||
			    (connect(c->fd, (struct sockaddr *)peer,
				     sizeof(*peer)) && errno != EINPROGRESS)) {
				if (bad++ < 5)
					fprintf(stderr, "conn %d: %s\n",
						base + i, strerror(errno));
				c->state = -1;
				left--;
			}
		}
		if (k > max_open)
			max_open = k;
		while (left > 0 && xu_now() < end) {
			for (i = 0; i < k; i++) {
				pf[i].fd = mc[i].state >= 0 && mc[i].state < 2 ?
					   mc[i].fd : -1;
				pf[i].events = mc[i].state ? POLLIN : POLLOUT;
				pf[i].revents = 0;
			}
			if (poll(pf, k, 1000) <= 0)
				continue;
			for (i = 0; i < k; i++) {
				struct mconn *c = &mc[i];
				int err = 0;
				socklen_t el = sizeof(err);
				ssize_t r;

				if (!pf[i].revents)
					continue;
				if (c->state == 0) {
					getsockopt(c->fd, SOL_SOCKET, SO_ERROR,
						   &err, &el);
					if (err || send(c->fd, c->want, MSGLEN,
							MSG_NOSIGNAL) != MSGLEN) {
						if (bad++ < 5)
							fprintf(stderr, "conn %d: connect/send: %s\n",
								base + i,
								strerror(err ? err : errno));
						c->state = -1;
						left--;
					} else {
						c->state = 1;
					}
					continue;
				}
				r = recv(c->fd, c->buf + c->got,
					 MSGLEN - c->got, 0);
				if (r < 0 && errno == EAGAIN)
					continue;
				if (r <= 0) {
					if (bad++ < 5)
						fprintf(stderr, "conn %d: recv: %s\n",
							base + i, r ? strerror(errno) : "EOF");
					c->state = -1;
					left--;
					continue;
				}
				c->got += r;
				if (c->got < MSGLEN)
					continue;
				if (memcmp(c->buf, c->want, MSGLEN)) {
					if (bad++ < 5)
						fprintf(stderr, "conn %d: echo differs\n",
							base + i);
					c->state = -1;
				} else {
					c->state = 2;
					ok++;
				}
				left--;
			}
		}
		for (i = 0; i < k; i++) {
			if (mc[i].state == 0 || mc[i].state == 1) {
				if (bad++ < 5)
					fprintf(stderr, "conn %d: no answer\n",
						base + i);
			}
			if (mc[i].fd >= 0)
				close(mc[i].fd);
		}
	}
	bad = conns - ok;
	printf("conns_ok=%d\nconns_failed=%d\nmax_open=%d\n", ok, bad, max_open);
	free(mc);
	free(pf);
	return bad ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xnet_bulk server|client|echo|many [options] (see source)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_xnet me, peer;
	const char *mode, *bstr = NULL, *cstr = NULL, *ready = NULL;
	int conns = -1, par = 50, backlog = 1024, opt, server;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "b:c:k:R:t:n:N:S:P:m:r:M:IT:4B:p:U:")) != -1) {
		switch (opt) {
		case 'b': bstr = optarg; break;
		case 'c': cstr = optarg; break;
		case 'k': conns = atoi(optarg); break;
		case 'R': ready = optarg; break;
		case 't':
			if (!strcmp(optarg, "stream"))
				type = SOCK_STREAM;
			else if (!strcmp(optarg, "seqpacket"))
				type = SOCK_SEQPACKET;
			else
				usage();
			break;
		case 'n': nbytes = strtoull(optarg, NULL, 0); break;
		case 'N': peer_nbytes = strtoull(optarg, NULL, 0);
			  have_peer_nbytes = 1; break;
		case 'S': seed = strtoul(optarg, NULL, 0); have_seed = 1; break;
		case 'P': peer_seed = strtoul(optarg, NULL, 0);
			  have_peer_seed = 1; break;
		case 'm': maxmsg = strtoull(optarg, NULL, 0); break;
		case 'r': rate = atof(optarg); break;
		case 'M': mss = atoi(optarg); break;
		case 'U': user_timeout = atoi(optarg); break;
		case 'I': info = 1; break;
		case 'T': deadline = atoi(optarg); break;
		case '4': family = AF_INET; break;
		case 'B': backlog = atoi(optarg); break;
		case 'p': par = atoi(optarg); break;
		default: usage();
		}
	}
	if (!maxmsg || par < 1 || (family == AF_INET && type != SOCK_STREAM))
		usage();
	server = !strcmp(mode, "server") || !strcmp(mode, "echo");
	if (!have_seed)
		seed = server ? 2 : 1;
	if (!have_peer_seed)
		peer_seed = server ? 1 : 2;
	if (!have_peer_nbytes)
		peer_nbytes = nbytes;
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	alarm(deadline);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(mode, "gen")) {
		uint8_t buf[BLK];
		size_t off;

		for (off = 0; off < nbytes; off += BLK) {
			size_t n = nbytes - off < BLK ? nbytes - off : BLK;

			stream_fill(buf, n, off, seed);
			if (fwrite(buf, 1, n, stdout) != n)
				return 1;
		}
		return fflush(stdout) ? 1 : 0;
	}
	{
		struct rlimit rl = { 16384, 16384 };

		/* room for many sockets (echo, many) */
		if (setrlimit(RLIMIT_NOFILE, &rl) &&
		    !getrlimit(RLIMIT_NOFILE, &rl)) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (server) {
		if (!bstr || parse_addr(bstr, &me, 1))
			usage();
		if (!strcmp(mode, "echo"))
			return do_echo(&me, conns < 0 ? 1 : conns, backlog, ready);
		return do_server(&me, conns < 0 ? 1 : conns, ready);
	}
	if (!cstr || parse_addr(cstr, &peer, 1))
		usage();
	if (bstr && parse_addr(bstr, &me, 0))
		usage();
	if (!strcmp(mode, "client"))
		return do_client(&me, !!bstr, &peer);
	if (!strcmp(mode, "many"))
		return do_many(&me, !!bstr, &peer, (int)nbytes, par);
	usage();
	return 2;
}

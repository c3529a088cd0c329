// SPDX-License-Identifier: GPL-2.0
/*
 * xnet-ping: ping-like datagram round-trip tool over AF_XNET SOCK_DGRAM.
 *
 *   server: xnet-ping -l [-p PORT] [-c COUNT] [-b ADDR] [-W IDLE_S] [-q]
 *   client: xnet-ping [-c COUNT] [-i INTERVAL_S] [-s SIZE] [-p PORT]
 *                     [-W TIMEOUT_S] [-b ADDR] [-q] [-j] DEST_ADDR
 *
 * Probe layout (all big-endian):
 *   0  u32 magic "XNP1"
 *   4  u32 sequence number
 *   8  u64 send timestamp, CLOCK_MONOTONIC nanoseconds
 *   16 payload: byte i (offset from datagram start) = pattern(seq, i)
 * A reply must be a byte-for-byte copy of the probe.
 *
 * Exit status (client): 0 every probe answered and no reply corrupt,
 * 1 otherwise or on a runtime error, 2 usage error.
 * Exit status (server): 0 after COUNT datagrams or on SIGINT/SIGTERM,
 * 1 runtime error or idle timeout (-W), 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <linux/xnet.h>

#include "xnet_tools.h"
#include "xnet_json.h"

#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define PROBE_MAGIC	0x584e5031U	/* "XNP1" */
#define HDR_LEN		16
#define DEFAULT_SIZE	56
#define MAX_SIZE	65535
#define DEFAULT_PORT	7
#define RING		65536		/* probes remembered for matching */

static const char *prog = "xnet-ping";
static volatile sig_atomic_t stop_flag;

#define die(code, ...) xnet_die(prog, code, __VA_ARGS__)

#define usage_error(...) die(EXIT_USAGE, __VA_ARGS__)
#define parse_ulong(opt, s, min, max) \
	xnet_parse_ulong(prog, EXIT_USAGE, opt, s, min, max)
#define now_ns()	xnet_now_ns()
#define put_be32	xnet_put_be32
#define get_be32	xnet_get_be32

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [OPTIONS] DEST_ADDR        (client)\n"
"       %s -l [OPTIONS]                (echo server)\n"
"\n"
"Round-trip datagrams over AF_XNET SOCK_DGRAM.\n"
"\n"
"Client options:\n"
"  -c COUNT       stop after COUNT probes (default: until interrupted)\n"
"  -i INTERVAL    seconds between probes, fractional allowed (default 1);\n"
"                 0 sends the next probe as soon as the previous one is\n"
"                 answered (or timed out)\n"
"  -s SIZE        datagram size in bytes, %d..%d (default %d)\n"
"  -p PORT        destination port (default %d)\n"
"  -W TIMEOUT     seconds to wait for a reply (default 2)\n"
"  -b ADDR        bind to this local xnet address\n"
"  -q             quiet: only print the summary\n"
"  -j             print the summary as JSON (implies -q)\n"
"\n"
"Server options:\n"
"  -l             echo every datagram back to its sender\n"
"  -p PORT        port to listen on (default %d)\n"
"  -c COUNT       exit after echoing COUNT datagrams\n"
"  -b ADDR        bind to this local xnet address (default any)\n"
"  -W IDLE        exit with status 1 after IDLE seconds without a datagram\n"
"  -q             do not print a line per datagram\n"
"\n"
"  -h, --help     print this help and exit\n"
"  -V, --version  print version and exit\n"
"\n"
"Client exit status: 0 if every probe was answered and no reply was\n"
"corrupt, 1 otherwise or on error, 2 usage error.\n",
		prog, prog, HDR_LEN, MAX_SIZE, DEFAULT_SIZE, DEFAULT_PORT,
		DEFAULT_PORT);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* ------------------------------------------------------------------ */
/* argument parsing                                                   */

static double parse_seconds(const char *opt, const char *s, double max)
{
	double v;
	char *end;

	if (!s || !*s || *s == ' ' || *s == '+' || *s == '-')
		usage_error("bad value for %s: '%s'", opt, s ? s : "");
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || v > max)
		usage_error("bad value for %s: '%s' (expected seconds, 0..%g)",
			    opt, s, max);
	return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static inline uint8_t pattern(uint32_t seq, size_t i)
{
	return (uint8_t)(seq * 131u + (uint32_t)i * 7u + (uint32_t)(i >> 8) +
			 0x5a);
}

static void fmt_sxn(const struct sockaddr_xnet *a, char *buf, size_t len)
{
	char ab[16];

	snprintf(buf, len, "%s:%u", xnet_fmt_addr(a->sxn_addr, ab),
		 ntohs(a->sxn_port));
}

static int open_socket(const char *bind_addr_s, uint32_t bind_addr,
		       uint16_t bind_port, bool do_bind)
{
	struct sockaddr_xnet sa;
	int fd;

	fd = socket(AF_XNET, SOCK_DGRAM, 0);
	if (fd < 0) {
		if (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT ||
		    errno == EINVAL)
			die(EXIT_FAIL,
			    "AF_XNET sockets not supported (address family %d): "
			    "is the xnet module loaded?", AF_XNET);
		die(EXIT_FAIL, "socket(AF_XNET, SOCK_DGRAM): %s",
		    strerror(errno));
	}
	if (!do_bind)
		return fd;

	memset(&sa, 0, sizeof(sa));
	sa.sxn_family = AF_XNET;
	sa.sxn_port = htons(bind_port);
	sa.sxn_addr = bind_addr;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		char ab[16];
		const char *a = bind_addr_s ? bind_addr_s
					    : xnet_fmt_addr(bind_addr, ab);

		switch (errno) {
		case EADDRINUSE:
			die(EXIT_FAIL, "bind %s:%u: port already in use", a,
			    bind_port);
		case EADDRNOTAVAIL:
			die(EXIT_FAIL,
			    "bind %s:%u: address not configured on any "
			    "interface", a, bind_port);
		case EACCES:
		case EPERM:
			die(EXIT_FAIL,
			    "bind %s:%u: permission denied (ports below %d "
			    "need CAP_NET_BIND_SERVICE)", a, bind_port,
			    XNET_PORT_PRIVILEGED);
		default:
			die(EXIT_FAIL, "bind %s:%u: %s", a, bind_port,
			    strerror(errno));
		}
	}
	return fd;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll gets EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* ------------------------------------------------------------------ */
/* server                                                             */

static int run_server(uint16_t port, unsigned long count, const char *baddr_s,
		      uint32_t baddr, double idle_s, bool quiet)
{
	static uint8_t buf[MAX_SIZE + 1];
	unsigned long echoed = 0;
	uint64_t last = now_ns();
	char ab[16];
	int fd;

	fd = open_socket(baddr_s, baddr, port, true);
	if (!quiet)
		printf("listening on %s:%u\n",
		       baddr ? xnet_fmt_addr(baddr, ab) : "*", port);
	fflush(stdout);

	while (!stop_flag && (!count || echoed < count)) {
		struct sockaddr_xnet from;
		socklen_t flen = sizeof(from);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int timeout = 1000;
		ssize_t n;
		int r;

		if (idle_s > 0) {
			uint64_t deadline = last + (uint64_t)(idle_s * 1e9);
			uint64_t t = now_ns();

			if (t >= deadline) {
				close(fd);
				die(EXIT_FAIL,
				    "no datagram for %g s, giving up (%lu echoed)",
				    idle_s, echoed);
			}
			if ((deadline - t) / 1000000 + 1 < (uint64_t)timeout)
				timeout = (int)((deadline - t) / 1000000 + 1);
		}
		r = poll(&pfd, 1, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_FAIL, "poll: %s", strerror(errno));
		}
		if (r == 0)
			continue;
		if (pfd.revents & (POLLERR | POLLNVAL) && !(pfd.revents & POLLIN)) {
			int soerr = 0;
			socklen_t sl = sizeof(soerr);

			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			if (soerr && !quiet)
				fprintf(stderr, "%s: socket error: %s\n", prog,
					strerror(soerr));
			continue;
		}

		memset(&from, 0, sizeof(from));
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				continue;
			if (errno == EHOSTUNREACH || errno == ECONNREFUSED ||
			    errno == ENETUNREACH) {
				if (!quiet)
					fprintf(stderr, "%s: recvfrom: %s\n",
						prog, strerror(errno));
				continue;
			}
			die(EXIT_FAIL, "recvfrom: %s", strerror(errno));
		}
		last = now_ns();
		echoed++;
		if (flen < sizeof(from) - sizeof(from.sxn_zero) ||
		    from.sxn_family != AF_XNET) {
			fprintf(stderr,
				"%s: recvfrom returned no usable sender address "
				"(len %u, family %u); cannot echo\n",
				prog, (unsigned int)flen,
				(unsigned int)from.sxn_family);
			continue;
		}
		{
			char fb[32];

			fmt_sxn(&from, fb, sizeof(fb));
			if (!quiet)
				printf("%zd bytes from %s\n", n, fb);
			if (sendto(fd, buf, (size_t)n, 0,
				   (struct sockaddr *)&from, sizeof(from)) < 0)
				fprintf(stderr, "%s: sendto %s: %s\n", prog, fb,
					strerror(errno));
		}
		fflush(stdout);
	}
	close(fd);
	if (!quiet)
		printf("%lu datagrams echoed\n", echoed);
	return 0;
}

/* ------------------------------------------------------------------ */
/* client                                                             */

struct probe {
	uint32_t seq;
	bool used;
	bool replied;
	uint64_t sent_ns;
};

struct client {
	int fd;
	struct sockaddr_xnet dst;
	bool any_source;	/* broadcast destination: accept any sender */
	size_t size;
	bool quiet;
	struct probe *ring;
	uint8_t *sbuf, *rbuf;
	unsigned long transmitted, received, corrupt, dups, errors, foreign;
	unsigned long outstanding;
	uint32_t last_seq;	/* most recently sent probe */
	bool last_done;		/* ... was answered or failed to send */
	double *rtt;		/* ms, one per first valid reply */
	size_t nrtt, rtt_cap;
	uint64_t last_reply_ns;
};

static void build_probe(struct client *c, uint32_t seq, uint64_t ts)
{
	size_t i;

	put_be32(c->sbuf, PROBE_MAGIC);
	put_be32(c->sbuf + 4, seq);
	put_be64(c->sbuf + 8, ts);
	for (i = HDR_LEN; i < c->size; i++)
		c->sbuf[i] = pattern(seq, i);
}

static bool send_errno_fatal(int e)
{
	switch (e) {
	case EMSGSIZE:
	case EINVAL:
	case EACCES:
	case EPERM:
	case EDESTADDRREQ:
	case EAFNOSUPPORT:
	case EOPNOTSUPP:
	case EBADF:
	case EFAULT:
	case ENOTSOCK:
		return true;
	}
	return false;
}

static void add_rtt(struct client *c, double ms)
{
	if (c->nrtt == c->rtt_cap) {
		size_t nc = c->rtt_cap ? c->rtt_cap * 2 : 1024;
		double *n = realloc(c->rtt, nc * sizeof(*n));

		if (!n)
			die(EXIT_FAIL, "out of memory");
		c->rtt = n;
		c->rtt_cap = nc;
	}
	c->rtt[c->nrtt++] = ms;
}

static void handle_reply(struct client *c, ssize_t n,
			 const struct sockaddr_xnet *from)
{
	char fb[32];
	uint32_t seq;
	struct probe *p;
	uint64_t t = now_ns();
	size_t i, bad = (size_t)-1;
	double ms;
	bool dup;

	fmt_sxn(from, fb, sizeof(fb));
	if (!c->any_source && (from->sxn_addr != c->dst.sxn_addr ||
			       from->sxn_port != c->dst.sxn_port)) {
		c->foreign++;
		return;
	}
	if (n < HDR_LEN || get_be32(c->rbuf) != PROBE_MAGIC) {
		c->corrupt++;
		if (!c->quiet)
			printf("%zd bytes from %s: CORRUPT (bad header)\n", n,
			       fb);
		return;
	}
	seq = get_be32(c->rbuf + 4);
	p = &c->ring[seq % RING];
	if (!p->used || p->seq != seq) {
		c->corrupt++;
		if (!c->quiet)
			printf("%zd bytes from %s: seq=%" PRIu32
			       " CORRUPT (unknown sequence)\n", n, fb, seq);
		return;
	}

	ms = (double)(t - p->sent_ns) / 1e6;
	dup = p->replied;

	/* verify every byte against what was sent */
	if ((size_t)n != c->size) {
		bad = (size_t)n < c->size ? (size_t)n : c->size;
	} else if (get_be64(c->rbuf + 8) != p->sent_ns) {
		bad = 8;
	} else {
		for (i = HDR_LEN; i < c->size; i++) {
			if (c->rbuf[i] != pattern(seq, i)) {
				bad = i;
				break;
			}
		}
	}

	if (bad != (size_t)-1) {
		c->corrupt++;
		if (!c->quiet) {
			if ((size_t)n != c->size)
				printf("%zd bytes from %s: seq=%" PRIu32
				       " time=%.3f ms CORRUPT (length %zd, "
				       "expected %zu)%s\n", n, fb, seq, ms, n,
				       c->size, dup ? " (DUP!)" : "");
			else
				printf("%zd bytes from %s: seq=%" PRIu32
				       " time=%.3f ms CORRUPT (first bad byte "
				       "at offset %zu)%s\n", n, fb, seq, ms,
				       bad, dup ? " (DUP!)" : "");
		}
		/* the probe did come back: it is received, but corrupt */
	} else if (!c->quiet) {
		printf("%zd bytes from %s: seq=%" PRIu32 " time=%.3f ms%s\n",
		       n, fb, seq, ms, dup ? " (DUP!)" : "");
	}

	if (dup) {
		c->dups++;
		return;
	}
	p->replied = true;
	if (seq == c->last_seq)
		c->last_done = true;
	c->received++;
	if (c->outstanding)
		c->outstanding--;
	c->last_reply_ns = t;
	add_rtt(c, ms);
}

static void drain(struct client *c)
{
	for (;;) {
		struct sockaddr_xnet from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		memset(&from, 0, sizeof(from));
		n = recvfrom(c->fd, c->rbuf, MAX_SIZE + 1, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			if (errno == EHOSTUNREACH || errno == ECONNREFUSED ||
			    errno == ENETUNREACH || errno == EHOSTDOWN) {
				c->errors++;
				if (!c->quiet)
					printf("recvfrom: %s\n",
					       strerror(errno));
				continue;
			}
			die(EXIT_FAIL, "recvfrom: %s", strerror(errno));
		}
		handle_reply(c, n, &from);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* nearest-rank percentile over a sorted array */
static double percentile(const double *v, size_t n, double pct)
{
	size_t rank;

	if (!n)
		return 0;
	rank = (size_t)ceil(pct / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

static void summary(struct client *c, const char *dst_s, uint16_t port,
		    double elapsed_ms, bool json)
{
	double min = 0, max = 0, avg = 0, mdev = 0, p50 = 0, p99 = 0;
	double loss;
	size_t i;

	loss = c->transmitted ?
		100.0 * (double)(c->transmitted - (c->received < c->transmitted
						   ? c->received
						   : c->transmitted)) /
		(double)c->transmitted : 0.0;
	if (c->nrtt) {
		double sum = 0, sum2 = 0;

		qsort(c->rtt, c->nrtt, sizeof(double), cmp_double);
		min = c->rtt[0];
		max = c->rtt[c->nrtt - 1];
		for (i = 0; i < c->nrtt; i++) {
			sum += c->rtt[i];
			sum2 += c->rtt[i] * c->rtt[i];
		}
		avg = sum / (double)c->nrtt;
		mdev = sum2 / (double)c->nrtt - avg * avg;
		mdev = mdev > 0 ? sqrt(mdev) : 0;
		p50 = percentile(c->rtt, c->nrtt, 50);
		p99 = percentile(c->rtt, c->nrtt, 99);
	}

	if (json) {
		j_open('{');
		j_str("dest", dst_s);
		j_uint("port", port);
		j_uint("size", c->size);
		j_uint("transmitted", c->transmitted);
		j_uint("received", c->received);
		j_double("loss_pct", loss, 4);
		j_uint("corrupt", c->corrupt);
		j_uint("duplicates", c->dups);
		j_uint("errors", c->errors);
		j_double("time_ms", elapsed_ms, 3);
		if (c->nrtt) {
			j_double("rtt_min_ms", min, 3);
			j_double("rtt_avg_ms", avg, 3);
			j_double("rtt_max_ms", max, 3);
			j_double("rtt_mdev_ms", mdev, 3);
			j_double("rtt_p50_ms", p50, 3);
			j_double("rtt_p99_ms", p99, 3);
		} else {
			j_null("rtt_min_ms");
			j_null("rtt_avg_ms");
			j_null("rtt_max_ms");
			j_null("rtt_mdev_ms");
			j_null("rtt_p50_ms");
			j_null("rtt_p99_ms");
		}
		j_close('}');
		return;
	}

	printf("\n--- %s:%u xnet-ping statistics ---\n", dst_s, port);
	printf("%lu transmitted, %lu received, %.4g%% loss, %lu corrupt",
	       c->transmitted, c->received, loss, c->corrupt);
	if (c->dups)
		printf(", %lu duplicates", c->dups);
	if (c->errors)
		printf(", %lu errors", c->errors);
	printf(", time %.0fms\n", elapsed_ms);
	if (c->nrtt) {
		printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", min,
		       avg, max, mdev);
		printf("rtt p50/p99 = %.3f/%.3f ms\n", p50, p99);
	}
}

static int run_client(const char *dst_s, uint32_t dst, uint16_t port,
		      unsigned long count, double interval_s, size_t size,
		      double timeout_s, const char *baddr_s, uint32_t baddr,
		      bool have_baddr, bool quiet, bool json)
{
	struct client c;
	uint64_t start, next_send, last_send = 0;
	uint64_t interval_ns = (uint64_t)(interval_s * 1e9 + 0.5);
	uint64_t timeout_ns = (uint64_t)(timeout_s * 1e9 + 0.5);
	uint32_t seq = 1;
	int rc;

	memset(&c, 0, sizeof(c));
	c.size = size;
	c.quiet = quiet || json;
	c.any_source = dst == htonl(XNET_ADDR_BROADCAST);
	c.dst.sxn_family = AF_XNET;
	c.dst.sxn_port = htons(port);
	c.dst.sxn_addr = dst;
	c.ring = calloc(RING, sizeof(*c.ring));
	c.sbuf = malloc(MAX_SIZE + 1);
	c.rbuf = malloc(MAX_SIZE + 1);
	if (!c.ring || !c.sbuf || !c.rbuf)
		die(EXIT_FAIL, "out of memory");

	c.fd = open_socket(baddr_s, baddr, 0, have_baddr);
	if (c.any_source) {
		int one = 1;

		(void)setsockopt(c.fd, SOL_SOCKET, SO_BROADCAST, &one,
				 sizeof(one));
	}

	if (!c.quiet)
		printf("XNET-PING %s:%u: %zu bytes per datagram\n", dst_s, port,
		       size);
	fflush(stdout);

	start = next_send = now_ns();
	for (;;) {
		uint64_t t = now_ns(), wake;
		bool more = !count || c.transmitted < count;
		struct pollfd pfd = { .fd = c.fd, .events = POLLIN };
		int timeout_ms, r;

		if (stop_flag)
			break;

		/* time to send? */
		if (more) {
			bool go;

			if (interval_ns)
				go = t >= next_send;
			else
				go = t >= next_send &&
				     (c.transmitted == 0 || c.last_done ||
				      t - last_send >= timeout_ns);
			if (go) {
				struct probe *p = &c.ring[seq % RING];

				if (p->used && !p->replied && c.outstanding)
					c.outstanding--;	/* evicted */
				t = now_ns();
				build_probe(&c, seq, t);
				p->seq = seq;
				p->used = true;
				p->replied = false;
				p->sent_ns = t;
				c.transmitted++;
				c.outstanding++;
				c.last_seq = seq;
				c.last_done = false;
				last_send = t;
				if (sendto(c.fd, c.sbuf, size, MSG_DONTWAIT,
					   (struct sockaddr *)&c.dst,
					   sizeof(c.dst)) < 0) {
					int e = errno;

					if (send_errno_fatal(e)) {
						if (e == EMSGSIZE)
							die(EXIT_FAIL,
							    "sendto %s:%u: message too long "
							    "(%zu bytes; the limit is the "
							    "MTU minus 24)", dst_s, port,
							    size);
						die(EXIT_FAIL, "sendto %s:%u: %s",
						    dst_s, port, strerror(e));
					}
					c.errors++;
					c.outstanding--;
					c.last_done = true;
					if (!interval_ns)	/* don't spin */
						next_send = t + 10000000ULL;
					if (!c.quiet)
						printf("seq=%" PRIu32 ": sendto: %s\n",
						       seq, strerror(e));
				}
				seq++;
				if (interval_ns) {
					next_send += interval_ns;
					if (next_send < t)	/* fell behind */
						next_send = t + interval_ns;
				}
				more = !count || c.transmitted < count;
			}
		}

		/* finished? */
		if (!more && (c.outstanding == 0 ||
			      now_ns() - last_send >= timeout_ns))
			break;

		/* compute how long to sleep */
		t = now_ns();
		if (more) {
			if (interval_ns)
				wake = next_send;
			else
				wake = (c.transmitted && !c.last_done)
					? last_send + timeout_ns : next_send;
		} else {
			wake = last_send + timeout_ns;
		}
		if (wake <= t)
			timeout_ms = 0;
		else
			timeout_ms = (int)((wake - t + 999999) / 1000000);
		if (timeout_ms > 1000)
			timeout_ms = 1000;

		r = poll(&pfd, 1, timeout_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_FAIL, "poll: %s", strerror(errno));
		}
		if (r > 0)
			drain(&c);
		fflush(stdout);
	}
	/* pick up anything that already arrived */
	drain(&c);

	summary(&c, dst_s, port, (double)(now_ns() - start) / 1e6, json);
	rc = (c.transmitted > 0 && c.received >= c.transmitted &&
	      c.corrupt == 0) ? 0 : EXIT_FAIL;
	close(c.fd);
	free(c.ring);
	free(c.sbuf);
	free(c.rbuf);
	free(c.rtt);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help",    no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	bool listen_mode = false, quiet = false, json = false;
	bool have_baddr = false, have_i = false, have_s = false;
	unsigned long count = 0;
	double interval = 1.0, timeout = 2.0, idle = 0;
	bool have_W = false;
	unsigned long size = DEFAULT_SIZE;
	unsigned long port = DEFAULT_PORT;
	const char *baddr_s = NULL;
	uint32_t baddr = 0, dst;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":lc:i:s:p:W:b:qjhV", lopts,
				NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_mode = true;
			break;
		case 'c':
			count = parse_ulong("-c", optarg, 1, 0xffffffffUL);
			break;
		case 'i':
			interval = parse_seconds("-i", optarg, 3600);
			have_i = true;
			break;
		case 's':
			size = parse_ulong("-s", optarg, HDR_LEN, MAX_SIZE);
			have_s = true;
			break;
		case 'p':
			port = parse_ulong("-p", optarg, 1, 65535);
			break;
		case 'W':
			timeout = parse_seconds("-W", optarg, 3600);
			have_W = true;
			break;
		case 'b':
			baddr_s = optarg;
			if (xnet_parse_addr(optarg, &baddr) < 0)
				usage_error("bad address: %s", optarg);
			have_baddr = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s %s\n", prog, XNET_TOOLS_VERSION);
			return 0;
		case ':':
			usage_error("option -%c needs a value (try --help)",
				    optopt);
		default:
			if (optopt)
				usage_error("unknown option: -%c (try --help)",
					    optopt);
			usage_error("unknown option: %s (try --help)",
				    argv[optind - 1]);
		}
	}

	install_signals();
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (listen_mode) {
		if (optind < argc)
			usage_error("unexpected argument in server mode: %s",
				    argv[optind]);
		if (have_i || have_s || json)
			usage_error("-i, -s and -j are client options");
		if (have_W && timeout > 0)
			idle = timeout;
		return run_server((uint16_t)port, count, baddr_s, baddr, idle,
				  quiet);
	}

	if (optind >= argc)
		usage_error("missing destination address (try --help)");
	if (optind + 1 < argc)
		usage_error("unexpected argument: %s", argv[optind + 1]);
	if (xnet_parse_addr(argv[optind], &dst) < 0)
		usage_error("bad address: %s", argv[optind]);
	if (dst == htonl(XNET_ADDR_ANY))
		usage_error("bad address: %s (0.0.0.0 is not a destination)",
			    argv[optind]);
	if (timeout <= 0)
		usage_error("-W must be greater than 0");

	return run_client(argv[optind], dst, (uint16_t)port, count, interval,
			  size, timeout, baddr_s, baddr, have_baddr, quiet,
			  json);
}

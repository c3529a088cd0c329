// SPDX-License-Identifier: GPL-2.0
/*
 * xnet-trace: traceroute for xnet.
 *
 *   xnet-trace [-m MAX_HOPS] [-f FIRST_HOP] [-q NQUERIES] [-w WAIT_S]
 *              [-p PORT] [-i IFNAME] [-s SRC_ADDR] [-n] [-j] ADDR
 *
 * Sends probe datagrams from an unconnected AF_XNET SOCK_DGRAM socket
 * with the hop limit (XNET_HOPLIMIT) set to 1, 2, 3, ... and reads the
 * error reports they cause from the socket's error queue (XNET_RECVERR,
 * recvmsg MSG_ERRQUEUE): "hop limit exceeded" names the node at that
 * distance, "port unreachable" means the probe reached ADDR.
 *
 * One probe is in flight at a time. Probe k (k = 0, 1, ...) goes to port
 * PORT + k, so a report is matched to its probe by the quoted frame: the
 * destination port the kernel hands back in msg_name, or the probe's own
 * bytes in the quoted payload. Probe layout (big-endian):
 *   0  u32 magic "XNT1"
 *   4  u32 probe number k
 *   8  u64 send timestamp, CLOCK_MONOTONIC nanoseconds
 * A report that identifies no probe is taken for the one in flight only
 * if it quotes nothing at all; otherwise it is ignored (a late report of
 * a probe given up on, or someone else's).
 *
 * Exit status: 0 the destination was reached, 1 it was not (max hops,
 * an unreachable report, a local send error) or a runtime error, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>

#include <linux/xnet.h>

#include "xnet_tools.h"
#include "xnet_json.h"

#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define PROBE_MAGIC	0x584e5431U	/* "XNT1" */
#define PROBE_LEN	16
#define DEFAULT_PORT	33434		/* traceroute's */
#define DEFAULT_HOPS	30
#define DEFAULT_QUERIES	3
#define DEFAULT_WAIT	3.0
#define MAX_HOPS	255
#define MAX_QUERIES	10
#define BUF_LEN		2048

/* the common header every xnet version starts with (docs/PROTOCOL.md) */
#define QH_TYPE		1
#define QH_DADDR	8
#define QH_DPORT	14
#define QH_MIN		16
#define QT_DGRAM	1

static const char *prog = "xnet-trace";
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
"Usage: %s [OPTIONS] ADDR\n"
"\n"
"Print the xnet nodes a datagram to ADDR passes through (traceroute).\n"
"\n"
"Probes are %d-byte datagrams sent from an unconnected socket with hop\n"
"limit 1, 2, 3, ... (XNET_HOPLIMIT), one at a time, to ports PORT,\n"
"PORT+1, ...; the error reports they cause come back on the socket's\n"
"error queue (XNET_RECVERR). Each line is a hop: its number, the node\n"
"that answered and each probe's round-trip time:\n"
"\n"
"   1  10.0.1.1  0.412 ms  0.301 ms  0.287 ms\n"
"\n"
"A probe with no answer within WAIT prints '*'. A node other than the\n"
"previous probe's is printed before its time. Markers after a time:\n"
"  !N   no route to ADDR (XNET_UNREACH_NOROUTE)\n"
"  !H   next hop did not answer resolution (XNET_UNREACH_NEIGH)\n"
"  !X   a node that does not forward got the probe\n"
"       (XNET_UNREACH_FORWARDING)\n"
"  !F-MTU  frame too big for the next hop, whose MTU it gives\n"
"  !<N> an unreachable report with unknown code N\n"
"A local send error prints its marker (!N, !H) or its text instead of a\n"
"time. The trace stops at the hop where ADDR answers 'port unreachable'\n"
"(the destination is reached), at a hop where an unreachable or frame\n"
"too big report came and no hop limit report did, or at MAX_HOPS.\n"
"\n"
"Options:\n"
"  -m MAX_HOPS    largest hop limit to try, 1..%d (default %d)\n"
"  -f FIRST_HOP   hop limit of the first probes (default 1)\n"
"  -q NQUERIES    probes per hop, 1..%d (default %d)\n"
"  -w WAIT        seconds to wait for each answer, fractional allowed\n"
"                 (default %g)\n"
"  -p PORT        first destination port; each probe uses the next one\n"
"                 (default %d); PORT + hops * NQUERIES must fit 65535\n"
"  -i IFNAME      send by this interface (SO_BINDTODEVICE)\n"
"  -s ADDR        source address (bind)\n"
"  -n             print addresses only (the default: xnet has no names)\n"
"  -j             print the result as one JSON object:\n"
"                 {\"dest\",\"port\",\"max_hops\",\"first_hop\",\"queries\",\n"
"                  \"reached\",\"hops\":[{\"hop\",\"probes\":[{\"addr\",\n"
"                  \"rtt_ms\",\"error\"}]}]}; a probe without an answer\n"
"                  has addr and rtt_ms null; error is the marker or null\n"
"  -h, --help     print this help and exit\n"
"  -V, --version  print version and exit\n"
"\n"
"Exit status: 0 if ADDR was reached, 1 if not or on error, 2 usage error.\n",
		prog, PROBE_LEN, MAX_HOPS, DEFAULT_HOPS, MAX_QUERIES,
		DEFAULT_QUERIES, DEFAULT_WAIT, DEFAULT_PORT);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double parse_seconds(const char *opt, const char *s, double max)
{
	double v;
	char *end;

	if (!s || !*s || *s == ' ' || *s == '+' || *s == '-')
		usage_error("bad value for %s: '%s'", opt, s ? s : "");
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > max)
		usage_error("bad value for %s: '%s' (expected seconds, "
			    "more than 0, at most %g)", opt, s, max);
	return v;
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* ------------------------------------------------------------------ */

enum pstate {
	P_NONE,		/* no answer (yet) */
	P_HOP,		/* hop limit exceeded at addr */
	P_REACHED,	/* port unreachable (or an answer) from the destination */
	P_UNREACH,	/* an unreachable report, marker set */
	P_LOCAL,	/* the send failed here, marker set */
};

struct probe {
	enum pstate state;
	uint32_t addr;		/* answering node, network order */
	bool have_addr;
	double rtt_ms;
	char mark[24];		/* "!N", "!F-1280", ... or "" */
};

struct hop {
	struct probe p[MAX_QUERIES];
};

struct trace {
	int fd;
	struct sockaddr_xnet dst;
	uint16_t base_port;
	unsigned int queries;
	bool json;
	/* the probe in flight */
	uint32_t cur;		/* its number k */
	uint64_t cur_sent;	/* its send time and timestamp */
	struct probe *cur_p;
	bool cur_done;
	uint8_t buf[BUF_LEN];
};

static void set_hoplimit(int fd, int hl)
{
	if (setsockopt(fd, SOL_XNET, XNET_HOPLIMIT, &hl, sizeof(hl)) < 0) {
		if (errno == ENOPROTOOPT)
			die(EXIT_FAIL, "setsockopt XNET_HOPLIMIT: not supported "
			    "(xnet module without hop limits?)");
		die(EXIT_FAIL, "setsockopt XNET_HOPLIMIT %d: %s", hl,
		    strerror(errno));
	}
}

static int open_socket(const char *src_s, uint32_t src, const char *ifname)
{
	struct sockaddr_xnet sa;
	int one = 1;
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
	if (setsockopt(fd, SOL_XNET, XNET_RECVERR, &one, sizeof(one)) < 0) {
		if (errno == ENOPROTOOPT)
			die(EXIT_FAIL, "setsockopt XNET_RECVERR: not supported "
			    "(xnet module without error reports?)");
		die(EXIT_FAIL, "setsockopt XNET_RECVERR: %s", strerror(errno));
	}
	if (ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				 (socklen_t)strlen(ifname) + 1) < 0) {
		if (errno == ENODEV)
			die(EXIT_FAIL, "-i %s: no such interface", ifname);
		if (errno == EPERM)
			die(EXIT_FAIL, "-i %s: permission denied "
			    "(SO_BINDTODEVICE needs CAP_NET_RAW)", ifname);
		die(EXIT_FAIL, "-i %s: %s", ifname, strerror(errno));
	}
	if (!src_s)
		return fd;
	memset(&sa, 0, sizeof(sa));
	sa.sxn_family = AF_XNET;
	sa.sxn_addr = src;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EADDRNOTAVAIL)
			die(EXIT_FAIL, "-s %s: address not configured on any "
			    "interface", src_s);
		die(EXIT_FAIL, "-s %s: bind: %s", src_s, strerror(errno));
	}
	return fd;
}

static void fmt_mark_unreach(char *m, size_t len, const struct sock_extended_err *ee)
{
	switch (ee->ee_type) {
	case XNET_ERR_UNREACH:
		switch (ee->ee_code) {
		case XNET_UNREACH_NOROUTE:
			snprintf(m, len, "!N");
			return;
		case XNET_UNREACH_NEIGH:
			snprintf(m, len, "!H");
			return;
		case XNET_UNREACH_FORWARDING:
			snprintf(m, len, "!X");
			return;
		default:
			snprintf(m, len, "!<%u>", ee->ee_code);
			return;
		}
	case XNET_ERR_TOOBIG:
		snprintf(m, len, "!F-%u", ee->ee_info);
		return;
	default:
		snprintf(m, len, "!T%u", ee->ee_type);
	}
}

/*
 * Which probe a report is about: by the destination port in msg_name
 * (the quoted frame's, as the kernel hands it back), else by the probe
 * bytes in the quoted payload, else by a quoted header's port. Returns
 * 1 with *k set, 0 if nothing was quoted at all, -1 if what was quoted
 * is not a probe of ours.
 */
static int match_probe(struct trace *t, const struct sockaddr_xnet *name,
		       socklen_t namelen, size_t n, uint32_t *k)
{
	const uint8_t *b = t->buf;
	size_t i;

	if (namelen >= offsetof(struct sockaddr_xnet, sxn_zero) &&
	    name->sxn_family == AF_XNET && name->sxn_port) {
		uint16_t port = ntohs(name->sxn_port);

		if ((name->sxn_addr && name->sxn_addr != t->dst.sxn_addr) ||
		    port < t->base_port)
			return -1;
		*k = port - t->base_port;
		return 1;
	}
	for (i = 0; i + PROBE_LEN <= n; i++) {
		if (get_be32(b + i) != PROBE_MAGIC)
			continue;
		*k = get_be32(b + i + 4);
		if (*k == t->cur && get_be64(b + i + 8) != t->cur_sent)
			continue;	/* not our bytes after all */
		return 1;
	}
	if (n >= QH_MIN && b[QH_TYPE] == QT_DGRAM &&
	    get_be32(b + QH_DADDR) == ntohl(t->dst.sxn_addr)) {
		uint16_t port = (uint16_t)(b[QH_DPORT] << 8 | b[QH_DPORT + 1]);

		if (port < t->base_port)
			return -1;
		*k = port - t->base_port;
		return 1;
	}
	return n ? -1 : 0;
}

/* Read every report queued; settle the probe in flight if one is its. */
static void read_errqueue(struct trace *t)
{
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(struct sock_extended_err) +
					    sizeof(struct sockaddr_xnet)) + 64];
			struct cmsghdr align;
		} ctl;
		struct sockaddr_xnet name;
		struct iovec iov = { .iov_base = t->buf, .iov_len = BUF_LEN };
		struct msghdr msg = {
			.msg_name = &name, .msg_namelen = sizeof(name),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		const struct sock_extended_err *ee = NULL;
		const struct sockaddr_xnet *off;
		const char *ee_end = NULL;
		struct cmsghdr *cm;
		uint64_t now;
		uint32_t k;
		ssize_t n;
		int r;

		memset(&name, 0, sizeof(name));
		n = recvmsg(t->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			die(EXIT_FAIL, "recvmsg MSG_ERRQUEUE: %s",
			    strerror(errno));
		}
		now = now_ns();
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == SOL_XNET &&
			    cm->cmsg_type == XNET_RECVERR &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(*ee))) {
				ee = (const struct sock_extended_err *)
				     CMSG_DATA(cm);
				ee_end = (const char *)cm + cm->cmsg_len;
			}
		}
		if (!ee || ee->ee_origin != XNET_EE_ORIGIN)
			continue;
		r = match_probe(t, &name, msg.msg_namelen, (size_t)n, &k);
		if (r < 0 || (r == 1 && k != t->cur) || t->cur_done)
			continue;	/* late, or not ours */

		t->cur_p->rtt_ms = (double)(now - t->cur_sent) / 1e6;
		off = (const struct sockaddr_xnet *)SO_EE_OFFENDER(ee);
		if ((const char *)off + sizeof(*off) <= ee_end &&
		    off->sxn_family == AF_XNET) {
			t->cur_p->addr = off->sxn_addr;
			t->cur_p->have_addr = true;
		}
		if (ee->ee_type == XNET_ERR_HOPLIMIT) {
			t->cur_p->state = P_HOP;
		} else if (ee->ee_type == XNET_ERR_UNREACH &&
			   ee->ee_code == XNET_UNREACH_PORT) {
			t->cur_p->state = P_REACHED;
		} else {
			t->cur_p->state = P_UNREACH;
			fmt_mark_unreach(t->cur_p->mark,
					 sizeof(t->cur_p->mark), ee);
		}
		t->cur_done = true;
	}
}

/* Datagrams answering a probe: the destination listens and replies. */
static void read_data(struct trace *t)
{
	for (;;) {
		struct sockaddr_xnet from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		memset(&from, 0, sizeof(from));
		n = recvfrom(t->fd, t->buf, BUF_LEN, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* a pending error of the socket: the queue has it */
			continue;
		}
		if (t->cur_done || from.sxn_family != AF_XNET ||
		    from.sxn_addr != t->dst.sxn_addr ||
		    ntohs(from.sxn_port) != t->base_port + t->cur)
			continue;
		t->cur_p->rtt_ms = (double)(now_ns() - t->cur_sent) / 1e6;
		t->cur_p->addr = from.sxn_addr;
		t->cur_p->have_addr = true;
		t->cur_p->state = P_REACHED;
		t->cur_done = true;
	}
}

static void clear_soerror(int fd)
{
	int e = 0;
	socklen_t l = sizeof(e);

	(void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
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
	case EADDRNOTAVAIL:
		return true;
	}
	return false;
}

/* Send probe k and wait for its answer, up to wait_ns. */
static void run_probe(struct trace *t, struct probe *p, uint32_t k,
		      uint64_t wait_ns)
{
	uint8_t pkt[PROBE_LEN];
	struct sockaddr_xnet to = t->dst;
	uint64_t deadline;

	memset(p, 0, sizeof(*p));
	/* whatever report came late already sits in the queues: drop it */
	read_errqueue(t);
	read_data(t);
	clear_soerror(t->fd);

	t->cur = k;
	t->cur_p = p;
	t->cur_done = false;
	t->cur_sent = now_ns();
	put_be32(pkt, PROBE_MAGIC);
	put_be32(pkt + 4, k);
	put_be32(pkt + 8, (uint32_t)(t->cur_sent >> 32));
	put_be32(pkt + 12, (uint32_t)t->cur_sent);
	to.sxn_port = htons((uint16_t)(t->base_port + k));
	if (sendto(t->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0) {
		int e = errno;

		if (send_errno_fatal(e))
			die(EXIT_FAIL, "sendto: %s", strerror(e));
		p->state = P_LOCAL;
		if (e == ENETUNREACH)
			snprintf(p->mark, sizeof(p->mark), "!N");
		else if (e == EHOSTUNREACH)
			snprintf(p->mark, sizeof(p->mark), "!H");
		else
			snprintf(p->mark, sizeof(p->mark), "!E");
		if (!t->json)
			fprintf(stderr, "%s: sendto: %s\n", prog, strerror(e));
		t->cur_done = true;
		return;
	}

	deadline = t->cur_sent + wait_ns;
	while (!t->cur_done && !stop_flag) {
		struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
		uint64_t now = now_ns();
		int r;

		if (now >= deadline)
			break;
		r = poll(&pfd, 1, (int)((deadline - now + 999999) / 1000000));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_FAIL, "poll: %s", strerror(errno));
		}
		if (r == 0)
			continue;
		if (pfd.revents & POLLERR)
			read_errqueue(t);
		if (pfd.revents & POLLIN)
			read_data(t);
		if (!t->cur_done && (pfd.revents & POLLERR))
			clear_soerror(t->fd);	/* no poll spin on sk_err */
	}
	t->cur_done = true;	/* given up on: a late answer is dropped */
}

static void print_hop(unsigned int hl, const struct hop *h, unsigned int nq)
{
	uint32_t last = 0;
	bool have_last = false;
	unsigned int i;
	char ab[16];

	printf("%2u ", hl);
	for (i = 0; i < nq; i++) {
		const struct probe *p = &h->p[i];

		if (p->state == P_NONE) {
			printf(" *");
			continue;
		}
		if (p->have_addr && (!have_last || p->addr != last)) {
			printf(" %s", xnet_fmt_addr(p->addr, ab));
			last = p->addr;
			have_last = true;
		}
		if (p->state != P_LOCAL)
			printf("  %.3f ms", p->rtt_ms);
		if (p->mark[0])
			printf(" %s", p->mark);
	}
	printf("\n");
}

static void print_json(const char *dst_s, uint16_t port, unsigned int max,
		       unsigned int first, unsigned int nq, bool reached,
		       const struct hop *hops, unsigned int nhops)
{
	unsigned int i, j;
	char ab[16];

	j_open('{');
	j_str("dest", dst_s);
	j_uint("port", port);
	j_uint("max_hops", max);
	j_uint("first_hop", first);
	j_uint("queries", nq);
	j_bool("reached", reached);
	j_key("hops");
	j_open('[');
	for (i = 0; i < nhops; i++) {
		j_open('{');
		j_uint("hop", first + i);
		j_key("probes");
		j_open('[');
		for (j = 0; j < nq; j++) {
			const struct probe *p = &hops[i].p[j];

			j_open('{');
			if (p->have_addr)
				j_str("addr", xnet_fmt_addr(p->addr, ab));
			else
				j_null("addr");
			if (p->state == P_NONE || p->state == P_LOCAL)
				j_null("rtt_ms");
			else
				j_double("rtt_ms", p->rtt_ms, 3);
			if (p->state == P_REACHED)
				j_bool("reached", true);
			j_str("error", p->mark[0] ? p->mark : NULL);
			j_close('}');
		}
		j_close(']');
		j_close('}');
	}
	j_close(']');
	j_close('}');
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help",    no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct hop hops[MAX_HOPS];
	unsigned long max_hops = DEFAULT_HOPS, first = 1;
	unsigned long nq = DEFAULT_QUERIES, port = DEFAULT_PORT;
	double wait_s = DEFAULT_WAIT;
	const char *src_s = NULL, *ifname = NULL, *dst_s;
	uint32_t src = 0, dst;
	bool json = false, reached = false;
	unsigned int hl, nhops = 0;
	struct trace *t;
	struct sigaction sa;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:f:q:w:p:i:s:njhV", lopts,
				NULL)) != -1) {
		switch (c) {
		case 'm':
			max_hops = parse_ulong("-m", optarg, 1, MAX_HOPS);
			break;
		case 'f':
			first = parse_ulong("-f", optarg, 1, MAX_HOPS);
			break;
		case 'q':
			nq = parse_ulong("-q", optarg, 1, MAX_QUERIES);
			break;
		case 'w':
			wait_s = parse_seconds("-w", optarg, 3600);
			break;
		case 'p':
			port = parse_ulong("-p", optarg, 1, 65535);
			break;
		case 'i':
			ifname = optarg;
			if (!*optarg || strlen(optarg) >= IFNAMSIZ)
				usage_error("bad interface name: '%s'", optarg);
			break;
		case 's':
			src_s = optarg;
			if (xnet_parse_addr(optarg, &src) < 0)
				usage_error("bad address: %s", optarg);
			break;
		case 'n':
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
	if (optind >= argc)
		usage_error("missing destination address (try --help)");
	if (optind + 1 < argc)
		usage_error("unexpected argument: %s", argv[optind + 1]);
	dst_s = argv[optind];
	if (xnet_parse_addr(dst_s, &dst) < 0)
		usage_error("bad address: %s", dst_s);
	if (dst == htonl(XNET_ADDR_ANY) || dst == htonl(XNET_ADDR_BROADCAST))
		usage_error("bad address: %s (not a unicast destination)",
			    dst_s);
	if (first > max_hops)
		usage_error("-f %lu is beyond -m %lu", first, max_hops);
	if (port + (max_hops - first + 1) * nq - 1 > 65535)
		usage_error("-p %lu: ports run past 65535 (%lu hops x %lu "
			    "probes); use a lower port", port,
			    max_hops - first + 1, nq);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll gets EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	t = calloc(1, sizeof(*t));
	if (!t)
		die(EXIT_FAIL, "out of memory");
	t->fd = open_socket(src_s, src, ifname);
	t->dst.sxn_family = AF_XNET;
	t->dst.sxn_addr = dst;
	t->base_port = (uint16_t)port;
	t->queries = (unsigned int)nq;
	t->json = json;

	if (!json)
		printf("xnet-trace to %s, %lu hops max, %d byte probes\n",
		       dst_s, max_hops, PROBE_LEN);
	for (hl = (unsigned int)first; hl <= max_hops && !stop_flag; hl++) {
		struct hop *h = &hops[nhops++];
		bool hop_rep = false, unreach = false, local = true;
		unsigned int q;

		set_hoplimit(t->fd, (int)hl);
		for (q = 0; q < nq && !stop_flag; q++) {
			struct probe *p = &h->p[q];

			run_probe(t, p, (hl - (unsigned int)first) * nq + q,
				  (uint64_t)(wait_s * 1e9 + 0.5));
			hop_rep |= p->state == P_HOP;
			reached |= p->state == P_REACHED;
			unreach |= p->state == P_UNREACH;
			local &= p->state == P_LOCAL;
		}
		if (!json)
			print_hop(hl, h, (unsigned int)nq);
		if (reached || (unreach && !hop_rep) || local)
			break;
	}
	if (json)
		print_json(dst_s, (uint16_t)port, (unsigned int)max_hops,
			   (unsigned int)first, (unsigned int)nq, reached, hops,
			   nhops);
	close(t->fd);
	free(t);
	return reached ? 0 : EXIT_FAIL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet-bench: a netperf-style benchmark speaking every family the xnet
 * benchmark compares: AF_XNET (stream, seqpacket, dgram), TCP, UDP, TIPC
 * (stream, seqpacket, rdm over service addresses) and AF_UNIX stream.
 *
 * One binary, two roles:
 *   xnet-bench -l -f FAMILY [-a ADDR] [-p PORT]      server
 *   xnet-bench -f FAMILY -t TEST [...] ADDR          client
 *
 * Every family is one row of the family table (socket domain and type,
 * address parser, no-delay option, congestion window reader); the tests
 * only ever go through that row, so no test has a per-family code path.
 *
 * Wire protocol (connection families): the client's first message is a
 * struct bench_hdr naming the test; the server then
 *   STREAM  reads until a unit ending in the byte 0xff (the client's
 *           data is zeros, its last write ends in 0xff: TIPC has no
 *           half-close), then answers the byte count (8 bytes, BE)
 *   RR      echoes SIZE-byte requests until EOF
 *   CRR     echoes one SIZE-byte request and closes
 *   IDLE    answers one byte and keeps the connection until the peer
 *           closes it
 * Datagram families have no header: the server echoes every datagram, but
 * for the blast test's (each starts with a struct blast_hdr, kind BLAST_DATA
 * or BLAST_END): it counts the data datagrams of the latest session and
 * answers each BLAST_END with a BLAST_REPORT of what arrived.
 *
 * The stream test can send with MSG_ZEROCOPY or sendfile() (-M), under
 * SO_MAX_PACING_RATE (-r), and reports the CPU time the sending side spent
 * (see stream_cpu below). A feature the kernel refuses (SO_ZEROCOPY,
 * XNET_SEGMENT / UDP_SEGMENT, a pacing rate the protocol does not report)
 * ends the client with exit status 4 and, with -j, a JSON object holding
 * "unsupported": a figure is never made up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/errqueue.h>
#include <linux/tipc.h>
#include <linux/xnet.h>

#include "xnet_tools.h"
#include "xnet_json.h"

#define PROG		"xnet-bench"
#define BENCH_MAGIC	0x58424e43U	/* "XBNC" */
#define DEF_PORT	5201
#define TIPC_SRV_TYPE	18888		/* TIPC service type; instance = port */
#define MAX_STREAMS	64
#define MAX_MSG		(1 << 20)
#define CWND_PERIOD_NS	10000000L	/* cwnd sampling: 10 ms */
#define STREAM_END	0xff		/* last byte of a stream test */
#define EXIT_UNSUPPORTED 4		/* the kernel refused a feature */
#define BLAST_MAGIC	0x58424c53U	/* "XBLS" */
#define BLAST_BATCH	64		/* server: datagrams per recvmmsg */
#define SF_FILE_SIZE	(16 << 20)	/* sendfile: the source file */

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY	60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY	0x4000000
#endif
#ifndef SO_MAX_PACING_RATE
#define SO_MAX_PACING_RATE 47
#endif
#ifndef SOL_UDP
#define SOL_UDP		17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103
#endif

enum test { T_NONE, T_STREAM, T_RR, T_CRR, T_IDLE, T_BLAST };
static const char *const test_names[] = {
	[T_STREAM] = "stream", [T_RR] = "rr", [T_CRR] = "crr", [T_IDLE] = "idle",
	[T_BLAST] = "blast",
};

/* How the stream test hands its data to the kernel (-M). */
enum send_mode { M_COPY, M_ZEROCOPY, M_SENDFILE };
static const char *const mode_names[] = {
	[M_COPY] = "copy", [M_ZEROCOPY] = "zerocopy", [M_SENDFILE] = "sendfile",
};

/*
 * Blast test datagrams: every datagram (every segment of a segmented send)
 * starts with one. BLAST_REPORT (server to client) fills the counters.
 */
enum { BLAST_DATA = 1, BLAST_END, BLAST_REPORT };

struct blast_hdr {
	uint32_t magic;
	uint32_t kind;
	uint32_t session;
	uint32_t pad;
	uint64_t dgrams;	/* REPORT: data datagrams received */
	uint64_t bytes;		/* REPORT: their bytes */
	uint64_t span_ns;	/* REPORT: first to last data datagram */
};

struct bench_hdr {
	uint32_t magic;
	uint32_t test;
	uint32_t size;
	uint32_t flags;
};

struct opts;

struct family {
	const char *name;
	int domain;
	int type;
	/* Fill @ss for the server's address (bind when @server, else connect). */
	int (*addr)(const struct opts *o, bool server,
		    struct sockaddr_storage *ss, socklen_t *len);
	int nodelay_level;	/* 0: the family has no such option */
	int nodelay_opt;
	/* Congestion window in segments, or -1. NULL: not available. */
	long (*cwnd)(int fd);
	/* Datagram segmentation offload option (0: none), an int. */
	int seg_level;
	int seg_opt;
	/*
	 * The maximum pacing rate (bytes/s) the protocol itself reports, or
	 * -1; NULL: the family cannot show it.
	 */
	long long (*max_pacing)(int fd);
	/* The family's own switch for MSG_ZEROCOPY, tried if SO_ZEROCOPY is
	 * refused (0: none), an int.
	 */
	int zc_level;
	int zc_opt;
};

/*
 * 6.1's core refuses SO_ZEROCOPY for a family it does not know: xnet
 * takes XNET_ZEROCOPY at SOL_XNET too, where the UAPI header has it.
 */
#ifdef XNET_ZEROCOPY
#define XNET_ZC_LEVEL	SOL_XNET
#define XNET_ZC_OPT	XNET_ZEROCOPY
#else
#define XNET_ZC_LEVEL	0
#define XNET_ZC_OPT	0
#endif

struct opts {
	const struct family *fam;
	enum test test;
	bool server;
	bool json;
	const char *host;
	int port;
	double secs;
	uint64_t bytes;		/* stream: stop after this many (per stream) */
	uint64_t count;		/* rr/crr: transactions; idle: connections */
	unsigned int size;	/* message size */
	int streams;
	const char *cwnd_file;
	const char *lat_file;
	const char *label;
	bool nodelay;
	enum send_mode mode;
	double rate_mbit;	/* stream: SO_MAX_PACING_RATE, Mbit/s */
	unsigned int seg;	/* blast: segment size (0: one datagram a send) */
	long long rcvbuf;	/* SO_RCVBUF(FORCE), 0: leave it */
	const char *sf_file;	/* sendfile: source file */
};

static struct opts opt = {
	.port = DEF_PORT,
	.secs = 2.0,
	.streams = 1,
	.count = 0,
	.nodelay = true,
};

/* ---- small helpers ---------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define die(...) xnet_die(PROG, 1, __VA_ARGS__)

static bool is_conn(const struct family *f)
{
	return f->type == SOCK_STREAM || f->type == SOCK_SEQPACKET;
}

static bool is_msg(const struct family *f)
{
	return f->type != SOCK_STREAM;
}

/* ---- address parsers, one per domain ---------------------------------- */

static int addr_inet(const struct opts *o, bool server,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(o->port);
	if (server && !o->host)
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (!o->host || inet_pton(AF_INET, o->host, &sin->sin_addr) != 1)
		return -1;
	*len = sizeof(*sin);
	return 0;
}

static int addr_xnet(const struct opts *o, bool server,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_xnet *sx = (struct sockaddr_xnet *)ss;
	uint32_t a = XNET_ADDR_ANY;

	memset(ss, 0, sizeof(*ss));
	if (o->host ? xnet_parse_addr(o->host, &a) : !server)
		return -1;
	sx->sxn_family = AF_XNET;
	sx->sxn_port = htons(o->port);
	sx->sxn_addr = a;
	*len = sizeof(*sx);
	return 0;
}

/* TIPC: service {TIPC_SRV_TYPE, port}, cluster scope; the host is unused. */
static int addr_tipc(const struct opts *o, bool server,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_tipc *st = (struct sockaddr_tipc *)ss;

	memset(ss, 0, sizeof(*ss));
	st->family = AF_TIPC;
	if (server) {
		st->addrtype = TIPC_ADDR_NAMESEQ;
		st->scope = TIPC_CLUSTER_SCOPE;
		st->addr.nameseq.type = TIPC_SRV_TYPE;
		st->addr.nameseq.lower = o->port;
		st->addr.nameseq.upper = o->port;
	} else {
		st->addrtype = TIPC_ADDR_NAME;
		st->addr.name.name.type = TIPC_SRV_TYPE;
		st->addr.name.name.instance = o->port;
		st->addr.name.domain = 0;
	}
	*len = sizeof(*st);
	return 0;
}

/* AF_UNIX: a path, by default /tmp/xnet-bench-PORT.sock. */
static int addr_unix(const struct opts *o, bool server,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_un *su = (struct sockaddr_un *)ss;
	int n;

	(void)server;
	memset(ss, 0, sizeof(*ss));
	su->sun_family = AF_UNIX;
	if (o->host)
		n = snprintf(su->sun_path, sizeof(su->sun_path), "%s", o->host);
	else
		n = snprintf(su->sun_path, sizeof(su->sun_path),
			     "/tmp/xnet-bench-%d.sock", o->port);
	if (n < 0 || (size_t)n >= sizeof(su->sun_path))
		return -1;
	*len = sizeof(*su);
	return 0;
}

static long cwnd_xnet(int fd)
{
	struct xnet_info xi;
	socklen_t l = sizeof(xi);

	if (getsockopt(fd, SOL_XNET, XNET_INFO, &xi, &l) < 0)
		return -1;
	return xi.xi_snd_cwnd;
}

static long cwnd_tcp(int fd)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l) < 0)
		return -1;
	return ti.tcpi_snd_cwnd;
}

/* xi_max_pacing_rate: a module without pacing leaves it 0 (or short). */
static long long max_pacing_xnet(int fd)
{
	struct xnet_info xi;
	socklen_t l = sizeof(xi);

	memset(&xi, 0, sizeof(xi));
	if (getsockopt(fd, SOL_XNET, XNET_INFO, &xi, &l) < 0 ||
	    l < offsetof(struct xnet_info, xi_max_pacing_rate) +
		sizeof(xi.xi_max_pacing_rate))
		return -1;
	return (long long)xi.xi_max_pacing_rate;
}

/*
 * glibc's struct tcp_info stops at tcpi_total_retrans; the kernel's goes
 * on with tcpi_pacing_rate and tcpi_max_pacing_rate.
 */
struct tcp_info_pacing {
	struct tcp_info ti;
	uint64_t pacing_rate;
	uint64_t max_pacing_rate;
};

_Static_assert(offsetof(struct tcp_info_pacing, pacing_rate) == 104,
	       "tcpi_pacing_rate follows tcpi_total_retrans at offset 104");

static long long max_pacing_tcp(int fd)
{
	struct tcp_info_pacing tp;
	socklen_t l = sizeof(tp);

	memset(&tp, 0, sizeof(tp));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &tp, &l) < 0 ||
	    l < sizeof(tp))
		return -1;
	return (long long)tp.max_pacing_rate;
}

static const struct family families[] = {
	{ "xnet", AF_XNET, SOCK_STREAM, addr_xnet, SOL_XNET, XNET_NODELAY, cwnd_xnet,
	  0, 0, max_pacing_xnet, XNET_ZC_LEVEL, XNET_ZC_OPT },
	{ "xnet-seqpacket", AF_XNET, SOCK_SEQPACKET, addr_xnet, SOL_XNET, XNET_NODELAY,
	  cwnd_xnet, 0, 0, max_pacing_xnet, XNET_ZC_LEVEL, XNET_ZC_OPT },
	{ "xnet-dgram", AF_XNET, SOCK_DGRAM, addr_xnet, 0, 0, NULL, SOL_XNET,
	  XNET_SEGMENT, NULL, 0, 0 },
	{ "tcp", AF_INET, SOCK_STREAM, addr_inet, IPPROTO_TCP, TCP_NODELAY, cwnd_tcp,
	  0, 0, max_pacing_tcp, 0, 0 },
	{ "udp", AF_INET, SOCK_DGRAM, addr_inet, 0, 0, NULL, SOL_UDP, UDP_SEGMENT,
	  NULL, 0, 0 },
	{ "tipc", AF_TIPC, SOCK_STREAM, addr_tipc, 0, 0, NULL, 0, 0, NULL, 0, 0 },
	{ "tipc-seqpacket", AF_TIPC, SOCK_SEQPACKET, addr_tipc, 0, 0, NULL, 0, 0, NULL,
	  0, 0 },
	{ "tipc-rdm", AF_TIPC, SOCK_RDM, addr_tipc, 0, 0, NULL, 0, 0, NULL, 0, 0 },
	{ "unix", AF_UNIX, SOCK_STREAM, addr_unix, 0, 0, NULL, 0, 0, NULL, 0, 0 },
};

static const struct family *find_family(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (!strcmp(families[i].name, name))
			return &families[i];
	return NULL;
}

/* ---- I/O through the family's semantics -------------------------------- */

/*
 * Read one unit of @n bytes: a whole message on message families, exactly
 * @n bytes on byte streams.  Returns bytes read, 0 on EOF, -1 on error.
 */
static ssize_t read_unit(int fd, void *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	if (is_msg(opt.fam)) {
		do
			r = recv(fd, buf, n, 0);
		while (r < 0 && errno == EINTR);
		return r;
	}
	while (got < n) {
		r = recv(fd, (char *)buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return got ? (ssize_t)got : r;
		got += r;
	}
	return got;
}

static int write_all(int fd, const void *buf, size_t n)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = send(fd, (const char *)buf + done, n - done, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (is_msg(opt.fam))
			return 0;
		done += r;
	}
	return 0;
}

static void set_nodelay(int fd)
{
	int one = 1;

	if (!opt.nodelay || !opt.fam->nodelay_level)
		return;
	if (setsockopt(fd, opt.fam->nodelay_level, opt.fam->nodelay_opt,
		       &one, sizeof(one)) < 0 && errno != ENOPROTOOPT &&
	    errno != EOPNOTSUPP)
		fprintf(stderr, "%s: warning: no-delay option: %s\n", PROG,
			strerror(errno));
}

static int new_socket(void)
{
	int fd = socket(opt.fam->domain, opt.fam->type, 0);

	if (fd < 0)
		die("socket(%s): %s%s", opt.fam->name, strerror(errno),
		    errno == EAFNOSUPPORT ? " (module not loaded?)" : "");
	return fd;
}

/*
 * Connect to the server, retrying refusals for a while: a server just
 * started, or a TIPC name not yet distributed to this node.
 */
static int connect_server(void)
{
	struct sockaddr_storage ss;
	double give_up = now() + 5.0;
	socklen_t len;
	int fd;

	if (opt.fam->addr(&opt, false, &ss, &len) < 0) {
		if (!opt.host)
			die("%s: the server address (ADDR) is missing",
			    opt.fam->name);
		die("bad %s server address '%s'", opt.fam->name, opt.host);
	}
	for (;;) {
		fd = new_socket();
		if (connect(fd, (struct sockaddr *)&ss, len) == 0)
			return fd;
		if ((errno != ECONNREFUSED && errno != EHOSTUNREACH &&
		     errno != ENOENT) || now() > give_up)
			return close(fd), -1;
		close(fd);
		usleep(50000);
	}
}

static int send_hdr(int fd, enum test t, uint32_t size)
{
	struct bench_hdr h = {
		.magic = htonl(BENCH_MAGIC), .test = htonl(t), .size = htonl(size),
	};

	return write_all(fd, &h, sizeof(h));
}

/* ---- server ------------------------------------------------------------ */

static int idle_ep = -1;

static void *idle_reaper(void *arg)
{
	struct epoll_event ev[64];
	int i, n;

	(void)arg;
	for (;;) {
		n = epoll_wait(idle_ep, ev, 64, -1);
		for (i = 0; i < n; i++) {
			epoll_ctl(idle_ep, EPOLL_CTL_DEL, ev[i].data.fd, NULL);
			close(ev[i].data.fd);
		}
	}
	return NULL;
}

struct conn_job {
	int fd;
	struct bench_hdr h;
};

static void *serve_conn(void *arg)
{
	struct conn_job *j = arg;
	uint64_t total = 0, be;
	size_t bufsz = j->h.size ? j->h.size : 65536;
	char *buf = malloc(bufsz < 65536 ? 65536 : bufsz);
	ssize_t r;

	if (!buf)
		goto out;
	if (j->h.test == T_STREAM) {
		do {
			r = recv(j->fd, buf, 65536, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				goto out;
			total += r;
		} while ((unsigned char)buf[r - 1] != STREAM_END);
		be = htobe64(total);
		write_all(j->fd, &be, sizeof(be));
	} else {	/* T_RR, T_CRR */
		while ((r = read_unit(j->fd, buf, j->h.size)) > 0) {
			if (write_all(j->fd, buf, r) < 0 || j->h.test == T_CRR)
				break;
		}
	}
out:
	free(buf);
	close(j->fd);
	free(j);
	return NULL;
}

/* The blast session the datagram server counts (one at a time). */
struct blast_state {
	uint32_t session;
	uint64_t dgrams, bytes;
	uint64_t first_ns, last_ns;
};

/*
 * One datagram of a blast session: count it (BLAST_DATA) or answer what
 * arrived (BLAST_END). Returns its kind, 0 for anything else (an rr
 * request).
 */
static uint32_t blast_datagram(int fd, struct blast_state *b, const char *buf,
			       size_t len, const struct sockaddr_storage *from,
			       socklen_t fl)
{
	struct blast_hdr h;
	uint32_t kind;

	if (len < sizeof(uint32_t) * 3)
		return 0;
	memcpy(&h, buf, sizeof(uint32_t) * 3);
	if (ntohl(h.magic) != BLAST_MAGIC)
		return 0;
	h.session = ntohl(h.session);
	kind = ntohl(h.kind);
	switch (kind) {
	case BLAST_DATA:
		if (h.session != b->session || !b->dgrams) {
			memset(b, 0, sizeof(*b));
			b->session = h.session;
			b->first_ns = xnet_now_ns();
		}
		b->dgrams++;
		b->bytes += len;
		b->last_ns = xnet_now_ns();
		break;
	case BLAST_END:
		memset(&h, 0, sizeof(h));
		h.magic = htonl(BLAST_MAGIC);
		h.kind = htonl(BLAST_REPORT);
		h.session = htonl(b->session);
		h.dgrams = htobe64(b->dgrams);
		h.bytes = htobe64(b->bytes);
		h.span_ns = htobe64(b->last_ns - b->first_ns);
		sendto(fd, &h, sizeof(h), 0, (const struct sockaddr *)from, fl);
		break;
	default:
		break;		/* a report echoed back at us: drop it */
	}
	return kind ? kind : BLAST_REPORT;
}

/*
 * Echo every datagram but a blast's. While a blast session runs, take
 * up to BLAST_BATCH datagrams a call (recvmmsg), one otherwise, so the
 * request/response figures keep their one-recvfrom path.
 */
static void serve_dgram(int fd)
{
	static char bufs[BLAST_BATCH][65536];
	static struct sockaddr_storage from[BLAST_BATCH];
	struct mmsghdr mm[BLAST_BATCH];
	struct iovec iov[BLAST_BATCH];
	struct blast_state b = {};
	bool blasting = false;
	int i, n;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < BLAST_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &from[i];
	}
	for (;;) {
		for (i = 0; i < (blasting ? BLAST_BATCH : 1); i++)
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		n = recvmmsg(fd, mm, blasting ? BLAST_BATCH : 1,
			     blasting ? MSG_WAITFORONE : 0, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("recvmmsg: %s", strerror(errno));
		}
		for (i = 0; i < n; i++) {
			size_t len = mm[i].msg_len;
			socklen_t fl = mm[i].msg_hdr.msg_namelen;
			uint32_t kind = blast_datagram(fd, &b, bufs[i], len,
						       &from[i], fl);

			blasting = kind == BLAST_DATA;
			if (kind)
				continue;
			sendto(fd, bufs[i], len, 0, (struct sockaddr *)&from[i], fl);
		}
	}
}

/* SO_RCVBUFFORCE (root: past net.core.rmem_max), else SO_RCVBUF. */
static void set_rcvbuf(int fd)
{
	int v = (int)opt.rcvbuf;

	if (!opt.rcvbuf)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
		fprintf(stderr, "%s: warning: SO_RCVBUF %d: %s\n", PROG, v,
			strerror(errno));
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* As root the hard limit can be raised too. */
	rl.rlim_cur = rl.rlim_max = 1 << 20;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static int run_server(void)
{
	struct sockaddr_storage ss;
	pthread_attr_t attr;
	pthread_t th;
	socklen_t len;
	int fd, one = 1;

	if (opt.fam->addr(&opt, true, &ss, &len) < 0)
		die("bad %s bind address '%s'", opt.fam->name, opt.host);
	fd = new_socket();
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (opt.fam->domain == AF_UNIX)
		unlink(((struct sockaddr_un *)&ss)->sun_path);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind(%s): %s", opt.fam->name, strerror(errno));
	set_rcvbuf(fd);
	if (!is_conn(opt.fam))
		serve_dgram(fd);
	if (listen(fd, 4096) < 0)
		die("listen(%s): %s", opt.fam->name, strerror(errno));
	raise_nofile();
	idle_ep = epoll_create1(EPOLL_CLOEXEC);
	if (idle_ep < 0 || pthread_create(&th, NULL, idle_reaper, NULL))
		die("idle reaper: %s", strerror(errno));
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (!opt.json)
		fprintf(stderr, "%s: %s server on port %d\n", PROG,
			opt.fam->name, opt.port);
	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		struct conn_job *j;
		char one_byte = 1;
		int cfd = accept(fd, NULL, NULL);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				die("accept: %s (raise the fd limit)", strerror(errno));
			die("accept: %s", strerror(errno));
		}
		j = calloc(1, sizeof(*j));
		if (!j)
			die("out of memory");
		j->fd = cfd;
		if (read_unit(cfd, &j->h, sizeof(j->h)) != sizeof(j->h) ||
		    ntohl(j->h.magic) != BENCH_MAGIC) {
			close(cfd);
			free(j);
			continue;
		}
		j->h.test = ntohl(j->h.test);
		j->h.size = ntohl(j->h.size);
		if (j->h.size > MAX_MSG)
			j->h.size = MAX_MSG;
		switch (j->h.test) {
		case T_IDLE:
			write_all(cfd, &one_byte, 1);
			ev.data.fd = cfd;
			if (epoll_ctl(idle_ep, EPOLL_CTL_ADD, cfd, &ev) < 0)
				close(cfd);
			free(j);
			break;
		case T_CRR:
			set_nodelay(cfd);
			serve_conn(j);	/* inline: one transaction */
			break;
		case T_RR:
			set_nodelay(cfd);
			/* fall through */
		case T_STREAM:
			if (pthread_create(&th, &attr, serve_conn, j)) {
				close(cfd);
				free(j);
			}
			break;
		default:
			close(cfd);
			free(j);
		}
	}
	return 0;
}

/* ---- client: results --------------------------------------------------- */

static FILE *out_human(void)
{
	return opt.json ? stderr : stdout;
}

static void json_begin(void)
{
	j_open('{');
	j_str("family", opt.fam->name);
	j_str("test", test_names[opt.test]);
	if (opt.label)
		j_str("label", opt.label);
}

/*
 * The kernel refused a feature the test needs: say so on one line (and as
 * JSON with -j), exit EXIT_UNSUPPORTED. No figure is printed.
 */
static void __attribute__((format(printf, 1, 2), noreturn))
unsupported(const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fprintf(out_human(), "%s: %s %s: not supported: %s\n", PROG,
		opt.fam->name, test_names[opt.test], why);
	if (opt.json) {
		json_begin();
		j_str("unsupported", why);
		j_close('}');
	}
	fflush(stdout);
	exit(EXIT_UNSUPPORTED);
}

/* A refusal that means "this kernel does not have it". */
static bool errno_unsupported(int e)
{
	return e == ENOPROTOOPT || e == EOPNOTSUPP;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const uint64_t *v, size_t n, double p)
{
	size_t k;

	if (!n)
		return 0;
	k = (size_t)(p / 100.0 * n + 0.999999);
	if (k < 1)
		k = 1;
	return v[(k > n ? n : k) - 1];
}

/* ---- client: bulk throughput ------------------------------------------- */

struct stream_ctx {
	pthread_t th;
	int fd;
	uint64_t sent;
	uint64_t acked;		/* bytes the server counted */
	double end;
	int err;
	/* MSG_ZEROCOPY: ids used, ids completed, of them copied after all */
	uint64_t zc_ids, zc_done, zc_copied, zc_notes;
};

static pthread_barrier_t go;
static volatile int stream0_fd = -1;
static volatile bool sampling;
static int sf_fd = -1;		/* sendfile's source */

/*
 * Reap MSG_ZEROCOPY completions from the error queue: wait up to
 * @timeout_ms for one (poll: POLLERR), then take all there are. Any
 * control message carrying a struct sock_extended_err of origin
 * SO_EE_ORIGIN_ZEROCOPY counts, whatever its level (SOL_IP for TCP,
 * SOL_XNET for xnet).
 */
static void zc_reap(struct stream_ctx *c, int timeout_ms)
{
	struct pollfd pfd = { .fd = c->fd, .events = 0 };
	char ctl[512];

	if (timeout_ms)
		poll(&pfd, 1, timeout_ms);
	for (;;) {
		struct msghdr m = { .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct cmsghdr *cm;

		if (recvmsg(c->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
			struct sock_extended_err ee;
			uint64_t n;

			if (cm->cmsg_len < CMSG_LEN(sizeof(ee)))
				continue;
			memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
			if (ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee.ee_errno)
				continue;
			n = (uint32_t)(ee.ee_data - ee.ee_info) + 1ULL;
			c->zc_done += n;
			c->zc_notes++;
			if (ee.ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
				c->zc_copied += n;
		}
	}
}

/* One unit of @sz bytes the way -M says; 0 or -1 (errno). */
static int send_unit(struct stream_ctx *c, const char *buf, size_t sz)
{
	static __thread off_t sf_off;
	double stuck = 0;
	size_t done = 0;
	ssize_t r;

	if (opt.mode == M_COPY)
		return write_all(c->fd, buf, sz);
	while (done < sz) {
		if (opt.mode == M_ZEROCOPY) {
			r = send(c->fd, buf + done, sz - done,
				 MSG_NOSIGNAL | MSG_ZEROCOPY);
			if (r < 0 && errno == ENOBUFS) {
				/*
				 * optmem full of notifications not yet
				 * given: wait for some, 10 s at most
				 */
				if (!stuck)
					stuck = now() + 10;
				else if (now() > stuck)
					return -1;
				zc_reap(c, 100);
				continue;
			}
			stuck = 0;
			if (r > 0)
				c->zc_ids++;
		} else {
			if (sf_off + (off_t)(sz - done) > SF_FILE_SIZE)
				sf_off = 0;
			r = sendfile(c->fd, sf_fd, &sf_off, sz - done);
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		done += r;
		if (opt.mode == M_ZEROCOPY)
			zc_reap(c, 0);
	}
	return 0;
}

static void *stream_thread(void *arg)
{
	struct stream_ctx *c = arg;
	size_t sz = opt.size ? opt.size : 65536;
	char *buf = calloc(1, sz), *endbuf = calloc(1, sz);
	double deadline;
	uint64_t be;

	if (!buf || !endbuf) {
		c->err = ENOMEM;
		pthread_barrier_wait(&go);
		return NULL;
	}
	/*
	 * The last unit ends in STREAM_END and leaves from its own buffer
	 * by an ordinary send: pages still pinned by MSG_ZEROCOPY must not
	 * change under the peer (nor may the file's).
	 */
	endbuf[sz - 1] = (char)STREAM_END;
	pthread_barrier_wait(&go);
	deadline = now() + opt.secs;
	for (;;) {
		bool last = opt.bytes ? c->sent + sz >= opt.bytes :
				       now() >= deadline;

		if (last ? write_all(c->fd, endbuf, sz) < 0 :
		    send_unit(c, buf, sz) < 0) {
			c->err = errno;
			break;
		}
		c->sent += sz;
		if (last)
			break;
	}
	if (!c->err && read_unit(c->fd, &be, sizeof(be)) == sizeof(be))
		c->acked = be64toh(be);
	else if (!c->err)
		c->err = EPROTO;
	c->end = now();
	/* every completion, with a generous deadline: all data is acked */
	if (opt.mode == M_ZEROCOPY)
		for (deadline = now() + 5; c->zc_done < c->zc_ids &&
		     now() < deadline;)
			zc_reap(c, 50);
	free(buf);
	free(endbuf);
	return NULL;
}

struct cwnd_sample {
	double t;
	long cwnd;
};

static void *cwnd_sampler(void *arg)
{
	struct cwnd_sample **samples = arg, *s = NULL;
	size_t n = 0, cap = 0;
	struct timespec ts = { 0, CWND_PERIOD_NS };
	double t0 = now();
	FILE *f;

	while (sampling) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			s = realloc(s, cap * sizeof(*s));
			if (!s)
				return NULL;
		}
		s[n].t = now() - t0;
		s[n].cwnd = opt.fam->cwnd(stream0_fd);
		n++;
		nanosleep(&ts, NULL);
	}
	f = fopen(opt.cwnd_file, "w");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", PROG, opt.cwnd_file, strerror(errno));
	} else {
		fprintf(f, "# %s cwnd (segments) every 10 ms\n# t_s cwnd\n",
			opt.fam->name);
		for (size_t i = 0; i < n; i++)
			if (s[i].cwnd >= 0)
				fprintf(f, "%.3f %ld\n", s[i].t, s[i].cwnd);
		fclose(f);
	}
	*samples = s;
	return NULL;
}

/*
 * The sending side's CPU time (stream test), from /proc/stat: the system
 * time of the CPU the client is pinned to (of all CPUs if it is not
 * pinned to one) plus the softirq and irq time of all CPUs. Each tick
 * falls in one of those columns only, so nothing is counted twice; a
 * task's own getrusage() system time would also hold the softirq ticks
 * that hit it (tick accounting: CONFIG_IRQ_TIME_ACCOUNTING is off in
 * Debian's kernels) and cannot be added to the softirq column. Pin the
 * client away from the receiver (taskset) to leave the receiving
 * process's system time out; its softirq work (a veth delivers in
 * softirq on the sending CPU) stays in.
 */
struct cpu_snap {
	unsigned long long sys, irq, softirq;
};

static int cpu_snap(int cpu, struct cpu_snap *cs)
{
	unsigned long long v[8];
	char line[512], name[32];
	FILE *f = fopen("/proc/stat", "r");
	int found = 0;

	if (!f)
		return -1;
	memset(cs, 0, sizeof(*cs));
	while (fgets(line, sizeof(line), f) && found < 2) {
		if (strncmp(line, "cpu", 3))
			break;
		if (sscanf(line, "%31s %llu %llu %llu %llu %llu %llu %llu %llu",
			   name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7]) != 9)
			continue;
		if (!strcmp(name, "cpu")) {
			cs->irq = v[5];
			cs->softirq = v[6];
			if (cpu < 0)
				cs->sys = v[2];
			found++;
		} else if (cpu >= 0 && atoi(name + 3) == cpu) {
			cs->sys = v[2];
			found++;
		}
	}
	fclose(f);
	return found == (cpu < 0 ? 1 : 2) ? 0 : -1;
}

/* The one CPU this process may run on, or -1. */
static int pinned_cpu(void)
{
	cpu_set_t set;
	int i;

	if (sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) != 1)
		return -1;
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			return i;
	return -1;
}

static double tv_s(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec / 1e6;
}

/*
 * SO_MAX_PACING_RATE, then the rate read back from the protocol itself:
 * the generic option is taken by every socket, so only the protocol's
 * own report (XNET_INFO, TCP_INFO) tells whether it paces.
 */
static void set_pacing(int fd)
{
	unsigned int v = (unsigned int)(opt.rate_mbit * 1e6 / 8);
	long long got;

	if (setsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &v, sizeof(v)) < 0) {
		if (errno_unsupported(errno))
			unsupported("SO_MAX_PACING_RATE: %s", strerror(errno));
		die("setsockopt(SO_MAX_PACING_RATE): %s", strerror(errno));
	}
	if (!opt.fam->max_pacing)
		die("%s: no way to read the pacing rate back (-r is for xnet, "
		    "xnet-seqpacket and tcp)", opt.fam->name);
	got = opt.fam->max_pacing(fd);
	if (got != (long long)v)
		unsupported("SO_MAX_PACING_RATE taken, but the protocol reports "
			    "a maximum pacing rate of %lld B/s, not %u", got, v);
}

/* SO_ZEROCOPY, else the family's own switch (XNET_ZEROCOPY). */
static void set_zerocopy(int fd)
{
	int one = 1, e;

	if (!setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		return;
	e = errno;
	if (!errno_unsupported(e))
		die("setsockopt(SO_ZEROCOPY): %s", strerror(e));
	if (!opt.fam->zc_opt)
		unsupported("SO_ZEROCOPY: %s", strerror(e));
	if (!setsockopt(fd, opt.fam->zc_level, opt.fam->zc_opt, &one,
			sizeof(one)))
		return;
	if (errno_unsupported(errno))
		unsupported("SO_ZEROCOPY: %s; the family's own option: %s",
			    strerror(e), strerror(errno));
	die("setsockopt(zerocopy option %d): %s", opt.fam->zc_opt,
	    strerror(errno));
}

/* sendfile's source: 16 MiB of zeros written to $TMPDIR or /tmp. */
static void sendfile_source(void)
{
	const char *dir = getenv("TMPDIR");
	static char buf[1 << 16];
	char path[256];
	size_t done;

	snprintf(path, sizeof(path), "%s/xnet-bench-sf.XXXXXX",
		 dir && *dir ? dir : "/tmp");
	sf_fd = mkstemp(path);
	if (sf_fd < 0)
		die("sendfile source %s: %s", path, strerror(errno));
	unlink(path);
	for (done = 0; done < SF_FILE_SIZE; done += sizeof(buf))
		if (write(sf_fd, buf, sizeof(buf)) != sizeof(buf))
			die("sendfile source %s: %s", path, strerror(errno));
}

static int run_stream(void)
{
	struct stream_ctx c[MAX_STREAMS] = {};
	struct cwnd_sample *samples = NULL;
	struct cpu_snap cs0, cs1;
	struct rusage ru0, ru1;
	pthread_t sampler;
	uint64_t sent = 0, acked = 0, zc_ids = 0, zc_done = 0, zc_copied = 0;
	uint64_t zc_notes = 0;
	double t0, end = 0, mbps, hz = sysconf(_SC_CLK_TCK), tx_cpu = 0;
	double sys_s = 0, softirq_s = 0, irq_s = 0, gib;
	int i, err = 0, cpu = pinned_cpu();
	bool have_cpu;

	if (!is_conn(opt.fam))
		die("stream test needs a connection family");
	if (opt.cwnd_file && !opt.fam->cwnd)
		die("%s has no congestion window to sample", opt.fam->name);
	if (opt.mode == M_SENDFILE && opt.fam->type != SOCK_STREAM)
		die("-M sendfile needs a byte stream family");
	if (opt.mode == M_SENDFILE)
		sendfile_source();
	for (i = 0; i < opt.streams; i++) {
		c[i].fd = connect_server();
		if (c[i].fd < 0)
			die("connect(%s): %s", opt.fam->name, strerror(errno));
		if (opt.mode == M_ZEROCOPY)
			set_zerocopy(c[i].fd);
		if (opt.rate_mbit > 0)
			set_pacing(c[i].fd);
		if (send_hdr(c[i].fd, T_STREAM, 0) < 0)
			die("send: %s", strerror(errno));
	}
	pthread_barrier_init(&go, NULL, opt.streams + 1);
	for (i = 0; i < opt.streams; i++)
		if (pthread_create(&c[i].th, NULL, stream_thread, &c[i]))
			die("pthread_create: %s", strerror(errno));
	if (opt.cwnd_file) {
		stream0_fd = c[0].fd;
		sampling = true;
		if (pthread_create(&sampler, NULL, cwnd_sampler, &samples))
			die("pthread_create: %s", strerror(errno));
	}
	have_cpu = !cpu_snap(cpu, &cs0);
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now();
	pthread_barrier_wait(&go);
	for (i = 0; i < opt.streams; i++) {
		pthread_join(c[i].th, NULL);
		sent += c[i].sent;
		acked += c[i].acked;
		zc_ids += c[i].zc_ids;
		zc_done += c[i].zc_done;
		zc_copied += c[i].zc_copied;
		zc_notes += c[i].zc_notes;
		if (c[i].end > end)
			end = c[i].end;
		if (c[i].err)
			err = c[i].err;
	}
	getrusage(RUSAGE_SELF, &ru1);
	have_cpu = have_cpu && !cpu_snap(cpu, &cs1);
	if (have_cpu) {
		sys_s = (cs1.sys - cs0.sys) / hz;
		softirq_s = (cs1.softirq - cs0.softirq) / hz;
		irq_s = (cs1.irq - cs0.irq) / hz;
		tx_cpu = sys_s + softirq_s + irq_s;
	}
	if (opt.cwnd_file) {
		sampling = false;
		pthread_join(sampler, NULL);
		free(samples);
	}
	for (i = 0; i < opt.streams; i++)
		close(c[i].fd);
	if (err)
		die("stream: %s", strerror(err));
	if (opt.mode == M_ZEROCOPY && zc_done != zc_ids)
		fprintf(stderr, "%s: warning: MSG_ZEROCOPY: %" PRIu64 " of %"
			PRIu64 " completions arrived\n", PROG, zc_done, zc_ids);
	mbps = acked * 8 / (end - t0) / 1e6;
	gib = acked / 1073741824.0;
	fprintf(out_human(), "%s stream x%d: %.1f Mbit/s (%" PRIu64
		" bytes in %.2f s, msg %u, %s)\n", opt.fam->name, opt.streams,
		mbps, acked, end - t0, opt.size ? opt.size : 65536,
		mode_names[opt.mode]);
	if (have_cpu && gib > 0)
		fprintf(out_human(), "  sending side: %.2f s system (%s) + %.2f s "
			"softirq + %.2f s irq (all CPUs) = %.2f CPU s/GiB; "
			"getrusage %.2f s sys %.2f s user\n", sys_s,
			cpu < 0 ? "all CPUs" : "its CPU", softirq_s, irq_s,
			tx_cpu / gib, tv_s(&ru1.ru_stime) - tv_s(&ru0.ru_stime),
			tv_s(&ru1.ru_utime) - tv_s(&ru0.ru_utime));
	if (opt.mode == M_ZEROCOPY)
		fprintf(out_human(), "  MSG_ZEROCOPY: %" PRIu64 " sends, %" PRIu64
			" completed in %" PRIu64 " notifications, %" PRIu64
			" copied after all\n", zc_ids, zc_done, zc_notes, zc_copied);
	if (opt.rate_mbit > 0)
		fprintf(out_human(), "  pacing: asked %.1f Mbit/s, got %.3f of it\n",
			opt.rate_mbit, mbps / opt.rate_mbit);
	if (opt.json) {
		json_begin();
		j_int("streams", opt.streams);
		j_uint("msg", opt.size ? opt.size : 65536);
		j_double("secs", end - t0, 3);
		j_uint("bytes", acked);
		j_uint("sent", sent);
		j_double("mbps", mbps, 3);
		j_str("send", mode_names[opt.mode]);
		j_double("ru_sys_s", tv_s(&ru1.ru_stime) - tv_s(&ru0.ru_stime), 3);
		j_double("ru_usr_s", tv_s(&ru1.ru_utime) - tv_s(&ru0.ru_utime), 3);
		if (have_cpu && gib > 0) {
			char scope[16];

			if (cpu < 0)
				snprintf(scope, sizeof(scope), "all");
			else
				snprintf(scope, sizeof(scope), "cpu%d", cpu);
			j_str("cpu_scope", scope);
			j_double("tx_sys_s", sys_s, 2);
			j_double("softirq_s", softirq_s, 2);
			j_double("irq_s", irq_s, 2);
			j_double("tx_cpu_s_per_gib", tx_cpu / gib, 4);
		}
		if (opt.mode == M_ZEROCOPY) {
			j_uint("zc_ids", zc_ids);
			j_uint("zc_done", zc_done);
			j_uint("zc_copied", zc_copied);
			j_uint("zc_notes", zc_notes);
		}
		if (opt.rate_mbit > 0) {
			j_double("rate_mbit", opt.rate_mbit, 3);
			j_double("pace_ratio", mbps / opt.rate_mbit, 4);
		}
		j_close('}');
	}
	if (sf_fd >= 0)
		close(sf_fd);
	return 0;
}

/* ---- client: one-way datagrams --------------------------------------- */

/*
 * -m bytes a send for -d seconds, in -G byte datagrams by the family's
 * segmentation offload option (XNET_SEGMENT, UDP_SEGMENT) or one datagram
 * a send; the server counts what arrives (goodput: bytes received over the
 * time from the first datagram it received to the last).
 */
static int run_blast(void)
{
	struct timeval tv = { 0, 200000 };
	struct blast_hdr h = {}, rep = {};
	uint64_t sends = 0, dgrams = 0, drops = 0, unreach = 0;
	size_t m = opt.size ? opt.size : 1400, k, segs, step;
	uint32_t session;
	double t0, secs, rx_secs, gput;
	bool got = false;
	char *buf;
	int fd, i, seg = (int)opt.seg;

	if (opt.fam->type != SOCK_DGRAM || opt.fam->domain == AF_TIPC)
		die("blast test needs xnet-dgram or udp");
	if (m < sizeof(h) || (seg && (unsigned int)seg < sizeof(h)))
		die("blast: messages and segments of at least %zu bytes",
		    sizeof(h));
	step = seg ? (size_t)seg : m;
	segs = (m + step - 1) / step;
	buf = calloc(1, m);
	if (!buf)
		die("out of memory");
	session = (uint32_t)getpid() ^ (uint32_t)(xnet_now_ns() >> 10);
	h.magic = htonl(BLAST_MAGIC);
	h.kind = htonl(BLAST_DATA);
	h.session = htonl(session);
	/* every datagram (segment) starts with the header */
	for (k = 0; k < m; k += step)
		if (m - k >= sizeof(uint32_t) * 3)
			memcpy(buf + k, &h, sizeof(uint32_t) * 3);
	fd = connect_server();
	if (fd < 0)
		die("connect(%s): %s", opt.fam->name, strerror(errno));
	if (seg && setsockopt(fd, opt.fam->seg_level, opt.fam->seg_opt, &seg,
			      sizeof(seg)) < 0) {
		if (errno_unsupported(errno))
			unsupported("%s: %s", opt.fam->domain == AF_XNET ?
				    "XNET_SEGMENT" : "UDP_SEGMENT",
				    strerror(errno));
		die("setsockopt(segment %d): %s", seg, strerror(errno));
	}
	t0 = now();
	while (now() - t0 < opt.secs) {
		if (send(fd, buf, m, 0) >= 0) {
			sends++;
			dgrams += segs;
			continue;
		}
		switch (errno) {
		case EINTR:
			break;
		case ENOBUFS:
		case EAGAIN:
			drops++;	/* a full queue on the way out */
			break;
		case EHOSTUNREACH:
		case ECONNREFUSED:
			/* neighbour not resolved yet, or no server */
			if (++unreach > 100)
				die("send: %s", strerror(errno));
			usleep(20000);
			break;
		default:
			if (!sends && seg && errno_unsupported(errno))
				unsupported("a segmented send: %s",
					    strerror(errno));
			/*
			 * UDP's segmented sends need the device's transmit
			 * checksum offload (udp_send_skb: EIO without it),
			 * which a virtio-net NIC on a QEMU socket netdev
			 * does not offer
			 */
			if (!sends && seg && errno == EIO &&
			    opt.fam->domain == AF_INET)
				unsupported("a segmented send: %s (UDP_SEGMENT "
					    "needs the NIC's transmit checksum "
					    "offload)", strerror(errno));
			die("send(%zu bytes%s): %s", m, seg ? ", segmented" : "",
			    strerror(errno));
		}
	}
	secs = now() - t0;
	/* What arrived: BLAST_END until the report comes (5 s at most). */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (seg) {
		seg = 0;
		setsockopt(fd, opt.fam->seg_level, opt.fam->seg_opt, &seg,
			   sizeof(seg));
	}
	h.kind = htonl(BLAST_END);
	for (i = 0; i < 25 && !got; i++) {
		if (send(fd, &h, sizeof(h), 0) < 0 && errno != ENOBUFS)
			die("send: %s", strerror(errno));
		while (recv(fd, &rep, sizeof(rep), 0) == sizeof(rep)) {
			if (ntohl(rep.magic) == BLAST_MAGIC &&
			    ntohl(rep.kind) == BLAST_REPORT &&
			    ntohl(rep.session) == session) {
				got = true;
				break;
			}
		}
	}
	close(fd);
	free(buf);
	if (!got)
		die("blast: no report from the %s server", opt.fam->name);
	rep.dgrams = be64toh(rep.dgrams);
	rep.bytes = be64toh(rep.bytes);
	rx_secs = be64toh(rep.span_ns) / 1e9;
	gput = rx_secs > 0 ? rep.bytes * 8 / rx_secs / 1e6 : 0;
	fprintf(out_human(), "%s blast: %zu B a send%s: %.1f Mbit/s received "
		"(%" PRIu64 " of %" PRIu64 " datagrams, %.1f%%, in %.2f s), "
		"%.1f Mbit/s sent, %" PRIu64 " sends refused (queue full)\n",
		opt.fam->name, m, opt.seg ? "" : ", one datagram each", gput,
		rep.dgrams, dgrams, dgrams ? 100.0 * rep.dgrams / dgrams : 0,
		rx_secs, sends * m * 8 / secs / 1e6, drops);
	if (opt.seg)
		fprintf(out_human(), "  segments of %u B, %zu a send\n", opt.seg,
			segs);
	if (opt.json) {
		json_begin();
		j_uint("msg", m);
		j_uint("seg", opt.seg);
		j_uint("segs_per_send", segs);
		j_double("secs", secs, 3);
		j_uint("sends", sends);
		j_uint("send_drops", drops);
		j_uint("sent_dgrams", dgrams);
		j_uint("rcvd_dgrams", rep.dgrams);
		j_uint("rcvd_bytes", rep.bytes);
		j_double("rx_secs", rx_secs, 3);
		j_double("delivered", dgrams ? (double)rep.dgrams / dgrams : 0, 4);
		j_double("send_mbps", sends * m * 8 / secs / 1e6, 3);
		j_double("goodput_mbps", gput, 3);
		j_close('}');
	}
	return 0;
}

/* ---- client: request/response and connect/request/response ------------ */

struct lat {
	uint64_t *v;	/* nanoseconds */
	size_t n, cap;
};

static void lat_add(struct lat *l, uint64_t ns)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 65536;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			die("out of memory");
	}
	l->v[l->n++] = ns;
}

static bool rr_done(const struct lat *l, double deadline)
{
	return opt.count ? l->n >= opt.count : now() >= deadline;
}

static void lat_report(struct lat *l, double secs, uint64_t lost,
		       const char *rate_name)
{
	double p50, p99, p999, max, mean = 0;
	size_t i;
	FILE *f;

	/* Every round trip in order, before sorting (-R: outlier hunting). */
	if (opt.lat_file) {
		f = fopen(opt.lat_file, "w");
		if (!f)
			die("%s: %s", opt.lat_file, strerror(errno));
		fprintf(f, "# %s %s %u B: round trip (ns) of each transaction, "
			"in order\n", opt.fam->name, test_names[opt.test],
			opt.size);
		for (i = 0; i < l->n; i++)
			fprintf(f, "%" PRIu64 "\n", l->v[i]);
		fclose(f);
	}
	qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
	for (i = 0; i < l->n; i++)
		mean += l->v[i];
	mean = l->n ? mean / l->n / 1e3 : 0;
	p50 = pct(l->v, l->n, 50) / 1e3;
	p99 = pct(l->v, l->n, 99) / 1e3;
	p999 = pct(l->v, l->n, 99.9) / 1e3;
	max = l->n ? l->v[l->n - 1] / 1e3 : 0;
	fprintf(out_human(), "%s %s %u B: %.0f %s/s, p50 %.1f us, p99 %.1f us, "
		"p99.9 %.1f us, max %.1f us, mean %.1f us (%zu samples%s)\n",
		opt.fam->name, test_names[opt.test], opt.size, l->n / secs,
		rate_name, p50, p99, p999, max, mean, l->n,
		lost ? ", some lost" : "");
	if (opt.json) {
		json_begin();
		j_uint("size", opt.size);
		j_double("secs", secs, 3);
		j_uint("n", l->n);
		j_double("rate", l->n / secs, 3);
		j_double("p50_us", p50, 3);
		j_double("p99_us", p99, 3);
		j_double("p999_us", p999, 3);
		j_double("max_us", max, 3);
		j_double("mean_us", mean, 3);
		j_uint("lost", lost);
		j_close('}');
	}
}

static int run_rr(void)
{
	struct sockaddr_storage ss;
	struct timeval tv = { 0, 200000 };
	struct lat l = {};
	socklen_t len;
	uint64_t lost = 0;
	double t0, deadline, t;
	char *buf;
	int fd;

	if (!opt.size)
		opt.size = 1;
	buf = calloc(1, opt.size);
	if (!buf)
		die("out of memory");
	if (is_conn(opt.fam)) {
		fd = connect_server();
		if (fd < 0)
			die("connect(%s): %s", opt.fam->name, strerror(errno));
		set_nodelay(fd);
		if (send_hdr(fd, T_RR, opt.size) < 0)
			die("send: %s", strerror(errno));
	} else {
		if (opt.fam->addr(&opt, false, &ss, &len) < 0)
			die("bad %s server address", opt.fam->name);
		fd = new_socket();
		/* TIPC rdm sends to a service name; the others connect. */
		if (opt.fam->domain != AF_TIPC &&
		    connect(fd, (struct sockaddr *)&ss, len) < 0)
			die("connect(%s): %s", opt.fam->name, strerror(errno));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	t0 = now();
	deadline = t0 + opt.secs;
	while (!rr_done(&l, deadline)) {
		ssize_t r;

		t = now();
		if (is_conn(opt.fam) || opt.fam->domain != AF_TIPC)
			r = send(fd, buf, opt.size, MSG_NOSIGNAL);
		else
			r = sendto(fd, buf, opt.size, 0, (struct sockaddr *)&ss, len);
		if (r < 0 && !is_conn(opt.fam) && (errno == EHOSTUNREACH ||
						  errno == ECONNREFUSED)) {
			usleep(50000);	/* name or neighbour not there yet */
			continue;
		}
		if (r < 0 || (!is_msg(opt.fam) && r != (ssize_t)opt.size &&
			      write_all(fd, buf + r, opt.size - r) < 0))
			die("send: %s", strerror(errno));
		r = read_unit(fd, buf, opt.size);
		if (r < 0 && !is_conn(opt.fam) &&
		    (errno == EAGAIN || errno == EWOULDBLOCK)) {
			lost++;
			continue;
		}
		if (r <= 0)
			die("recv: %s", r ? strerror(errno) : "connection closed");
		lat_add(&l, (uint64_t)((now() - t) * 1e9));
	}
	t = now() - t0;
	close(fd);
	lat_report(&l, t, lost, "trans");
	free(l.v);
	free(buf);
	return 0;
}

static int run_crr(void)
{
	struct lat l = {};
	double t0, deadline, t;
	char buf[sizeof(struct bench_hdr) + 64] = {};
	struct bench_hdr *h = (struct bench_hdr *)buf;
	int fd;

	if (!is_conn(opt.fam))
		die("crr test needs a connection family");
	if (!opt.size)
		opt.size = 1;
	if (opt.size > 64)
		die("crr: size at most 64");
	h->magic = htonl(BENCH_MAGIC);
	h->test = htonl(T_CRR);
	h->size = htonl(opt.size);
	t0 = now();
	deadline = t0 + opt.secs;
	while (!rr_done(&l, deadline)) {
		t = now();
		fd = connect_server();
		if (fd < 0)
			die("connect(%s) after %zu connections: %s", opt.fam->name,
			    l.n, strerror(errno));
		set_nodelay(fd);
		/* Header and request in one write on byte streams. */
		if (is_msg(opt.fam) ? send_hdr(fd, T_CRR, opt.size) < 0 ||
		    write_all(fd, buf + sizeof(*h), opt.size) < 0 :
		    write_all(fd, buf, sizeof(*h) + opt.size) < 0)
			die("send: %s", strerror(errno));
		if (read_unit(fd, buf + sizeof(*h), opt.size) <= 0)
			die("recv: %s", strerror(errno));
		close(fd);
		lat_add(&l, (uint64_t)((now() - t) * 1e9));
	}
	lat_report(&l, now() - t0, 0, "conn");
	free(l.v);
	return 0;
}

/* ---- client: memory per idle connection -------------------------------- */

/* /proc/meminfo "Slab:" in bytes, or -1. */
static long long meminfo_slab(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

struct slab_row {
	char name[64];
	long long bytes;
};

/* /proc/slabinfo: bytes in use (active_objs * objsize) per cache. */
static size_t slabinfo(struct slab_row *rows, size_t max)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512];
	long long active, total, objsize;
	size_t n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lld %lld %lld", rows[n].name, &active,
			   &total, &objsize) == 4) {
			rows[n].bytes = active * objsize;
			n++;
		}
	}
	fclose(f);
	return n;
}

static void settle(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	/* Reclaimable slab (dentries, inodes) out of the way; root only. */
	if (fd >= 0) {
		ssize_t r = write(fd, "2", 1);

		(void)r;	/* not fatal */
		close(fd);
	}
	sleep(1);
}

#define MAX_SLABS 512

static int cmp_slab_delta(const void *a, const void *b)
{
	const struct slab_row *x = a, *y = b;

	return (y->bytes > x->bytes) - (y->bytes < x->bytes);
}

static int run_idle(void)
{
	static struct slab_row before[MAX_SLABS], after[MAX_SLABS];
	size_t nb, na, i, k, n = opt.count ? opt.count : 1000;
	long long s0, s1, objs = 0;
	double t0, t_open, t_close;
	int *fds;
	char c;

	if (!is_conn(opt.fam))
		die("idle test needs a connection family");
	raise_nofile();
	fds = calloc(n, sizeof(*fds));
	if (!fds)
		die("out of memory");
	settle();
	s0 = meminfo_slab();
	nb = slabinfo(before, MAX_SLABS);
	t0 = now();
	for (i = 0; i < n; i++) {
		fds[i] = connect_server();
		if (fds[i] < 0)
			die("connect(%s) #%zu: %s", opt.fam->name, i, strerror(errno));
		if (send_hdr(fds[i], T_IDLE, 0) < 0 || read_unit(fds[i], &c, 1) != 1)
			die("idle handshake #%zu: %s", i, strerror(errno));
	}
	t_open = now() - t0;
	settle();
	s1 = meminfo_slab();
	na = slabinfo(after, MAX_SLABS);
	t0 = now();
	for (i = 0; i < n; i++)
		close(fds[i]);
	t_close = now() - t0;
	free(fds);

	/*
	 * after[] becomes the per-cache delta, largest first; objs is the
	 * net change of bytes in allocated slab objects, finer than the page
	 * granular meminfo figure.
	 */
	for (i = 0; i < na; i++) {
		for (k = 0; k < nb; k++)
			if (!strcmp(after[i].name, before[k].name)) {
				after[i].bytes -= before[k].bytes;
				break;
			}
		objs += after[i].bytes;
	}
	qsort(after, na, sizeof(after[0]), cmp_slab_delta);
	fprintf(out_human(), "%s idle x%zu: %.0f B/conn in slab objects, "
		"%.0f B/conn slab pages (both ends), opened in %.2f s "
		"(%.0f conn/s), closed in %.2f s\n", opt.fam->name, n,
		(double)objs / n, s0 < 0 ? 0.0 : (double)(s1 - s0) / n, t_open,
		n / t_open, t_close);
	for (i = 0; i < na && i < 6 && after[i].bytes > 0; i++)
		fprintf(out_human(), "  %-24s %+lld B (%.0f B/conn)\n",
			after[i].name, after[i].bytes, (double)after[i].bytes / n);
	if (opt.json) {
		json_begin();
		j_uint("n", n);
		j_double("open_secs", t_open, 3);
		j_double("close_secs", t_close, 3);
		j_int("slab_bytes", s1 - s0);
		j_double("slab_bytes_per_conn", (double)(s1 - s0) / n, 1);
		j_double("bytes_per_conn", (double)objs / n, 1);
		j_key("caches");
		j_open('{');
		for (i = 0; i < na && i < 6 && after[i].bytes > 0; i++)
			j_double(after[i].name, (double)after[i].bytes / n, 1);
		j_close('}');
		j_close('}');
	}
	return 0;
}

/* ---- command line ------------------------------------------------------ */

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
"Usage: %s -l -f FAMILY [-a ADDR] [-p PORT]           (server)\n"
"       %s -f FAMILY -t TEST [OPTIONS] [ADDR]         (client)\n"
"\n"
"A netperf-style benchmark over AF_XNET and the families it is compared\n"
"with.  Start a server for a family, then run tests against it.\n"
"\n"
"Families (-f):", PROG, PROG);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		fprintf(f, " %s", families[i].name);
	fprintf(f,
"\n"
"  ADDR is an IPv4 address (tcp, udp), an xnet address (xnet*), a socket\n"
"  path (unix; default /tmp/xnet-bench-PORT.sock) or unused (tipc*: the\n"
"  service {%d, PORT} is bound and connected to, cluster scope).\n"
"\n"
"Tests (-t):\n"
"  stream   bulk throughput: -P streams, for -d seconds or -n bytes each\n"
"  rr       request/response ping-pong of -m bytes: p50/p99/p99.9 and\n"
"           max round trip\n"
"  crr      connect, one -m byte request/response, close: connections/s\n"
"  idle     open -n idle connections: bytes per connection (both ends)\n"
"           in slab objects (/proc/slabinfo active objects x size) and\n"
"           in slab pages (/proc/meminfo Slab), time to open and close\n"
"  blast    datagrams one way (xnet-dgram, udp) for -d seconds, -m bytes a\n"
"           send (default 1400), with -G in datagrams of that size; the\n"
"           server counts what arrives: goodput, datagrams delivered\n"
"\n"
"The stream test also prints the sending side's CPU time per GiB:\n"
"/proc/stat system time of the CPU the client is pinned to (all CPUs if\n"
"not pinned to one) plus softirq and irq time of all CPUs; pin the client\n"
"(taskset) away from the server to leave the receiver's system time out.\n"
"A feature the kernel refuses (-M zerocopy, -r, -G) ends the client with\n"
"status 4 and \"unsupported\" in the JSON object: no figure is made up.\n"
"\n"
"Options:\n"
"  -l         server mode (serves every test for its family)\n"
"  -f FAMILY  socket family, see above (required)\n"
"  -t TEST    client test, see above (required for a client)\n"
"  -a ADDR    server: bind address (default any); client: same as ADDR\n"
"  -p PORT    port / TIPC instance / unix path suffix (default %d)\n"
"  -d SECS    test duration, fractional allowed (default 2)\n"
"  -n NUM     stream: bytes per stream (K/M/G suffix); rr/crr:\n"
"             transactions; idle: connections (default 1000)\n"
"  -m BYTES   message size (stream 65536, rr/crr 1)\n"
"  -P N       parallel streams, 1..%d (default 1)\n"
"  -M MODE    stream: how data is sent: copy (send, the default),\n"
"             zerocopy (SO_ZEROCOPY + MSG_ZEROCOPY, completions reaped\n"
"             from the error queue), sendfile (from a 16 MiB file of\n"
"             zeros in $TMPDIR or /tmp)\n"
"  -r MBIT    stream: SO_MAX_PACING_RATE of MBIT Mbit/s on each stream,\n"
"             checked in the protocol's own report (XNET_INFO, TCP_INFO)\n"
"  -G BYTES   blast: segment size (XNET_SEGMENT, UDP_SEGMENT)\n"
"  -B BYTES   server: receive buffer (SO_RCVBUFFORCE, K/M suffix)\n"
"  -C FILE    stream: sample the first stream's congestion window every\n"
"             10 ms (XNET_INFO, TCP_INFO) into FILE (\"t_s cwnd\" lines)\n"
"  -R FILE    rr/crr: write every round trip (ns), in order, into FILE\n"
"  -D         rr/crr: leave Nagle-style coalescing on (default: no-delay)\n"
"  -L LABEL   label copied into the JSON result\n"
"  -j         print the result as one JSON object on stdout (the\n"
"             human-readable line goes to stderr)\n"
"  -V, --version  print the version\n"
"  -h, --help this text\n",
		TIPC_SRV_TYPE, DEF_PORT, MAX_STREAMS);
}

static uint64_t parse_num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		die("bad %s '%s'", what, s);
	switch (*end) {
	case 'G': v <<= 10; /* fall through */
	case 'M': v <<= 10; /* fall through */
	case 'K': v <<= 10; end++; break;
	default: break;
	}
	if (*end)
		die("bad %s '%s'", what, s);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	enum test t;
	char *end;
	int c;

	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "lf:t:a:p:d:n:m:P:C:R:DL:jhVM:r:G:B:", lopts,
				NULL)) != -1) {
		switch (c) {
		case 'l': opt.server = true; break;
		case 'f':
			opt.fam = find_family(optarg);
			if (!opt.fam)
				die("unknown family '%s' (see --help)", optarg);
			break;
		case 't':
			for (t = T_STREAM; t <= T_BLAST; t++)
				if (!strcmp(optarg, test_names[t]))
					opt.test = t;
			if (opt.test == T_NONE)
				die("unknown test '%s' (see --help)", optarg);
			break;
		case 'a': opt.host = optarg; break;
		case 'p':
			opt.port = parse_num(optarg, "port");
			if (opt.port < 1 || opt.port > 65535)
				die("port out of range: %s", optarg);
			break;
		case 'd':
			opt.secs = strtod(optarg, &end);
			if (*end || opt.secs <= 0 || opt.secs > 3600)
				die("bad duration '%s'", optarg);
			break;
		case 'n': opt.bytes = opt.count = parse_num(optarg, "count"); break;
		case 'm':
			opt.size = parse_num(optarg, "message size");
			if (!opt.size || opt.size > MAX_MSG)
				die("message size must be 1..%d", MAX_MSG);
			break;
		case 'P':
			opt.streams = parse_num(optarg, "streams");
			if (opt.streams < 1 || opt.streams > MAX_STREAMS)
				die("streams must be 1..%d", MAX_STREAMS);
			break;
		case 'C': opt.cwnd_file = optarg; break;
		case 'R': opt.lat_file = optarg; break;
		case 'D': opt.nodelay = false; break;
		case 'L': opt.label = optarg; break;
		case 'j': opt.json = true; break;
		case 'M':
			for (c = M_COPY; c <= M_SENDFILE; c++)
				if (!strcmp(optarg, mode_names[c]))
					break;
			if (c > M_SENDFILE)
				die("unknown send mode '%s' (copy, zerocopy, "
				    "sendfile)", optarg);
			opt.mode = c;
			break;
		case 'r':
			opt.rate_mbit = strtod(optarg, &end);
			if (*end || !(opt.rate_mbit >= 0.01) ||
			    opt.rate_mbit > 30000)
				die("bad pacing rate '%s' (Mbit/s, 0.01..30000)",
				    optarg);
			break;
		case 'G':
			opt.seg = parse_num(optarg, "segment size");
			if (!opt.seg || opt.seg > XNET_SEGMENT_MAX_BYTES)
				die("segment size must be 1..%d",
				    XNET_SEGMENT_MAX_BYTES);
			break;
		case 'B':
			opt.rcvbuf = parse_num(optarg, "receive buffer");
			if (!opt.rcvbuf || opt.rcvbuf > (1LL << 30))
				die("receive buffer must be 1..1G");
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("xnet-bench %s\n", XNET_TOOLS_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!opt.fam) {
		fprintf(stderr, "%s: -f FAMILY is required\n", PROG);
		usage(stderr);
		return 2;
	}
	if (optind < argc)
		opt.host = argv[optind++];
	if (optind < argc)
		die("unexpected argument '%s'", argv[optind]);
	if (opt.server)
		return run_server();
	if (opt.test != T_STREAM)
		opt.bytes = 0;
	else
		opt.count = 0;
	if ((opt.mode != M_COPY || opt.rate_mbit > 0) && opt.test != T_STREAM)
		die("-M and -r are for the stream test");
	if (opt.seg && opt.test != T_BLAST)
		die("-G is for the blast test");
	switch (opt.test) {
	case T_STREAM: return run_stream();
	case T_BLAST: return run_blast();
	case T_RR: return run_rr();
	case T_CRR: return run_crr();
	case T_IDLE: return run_idle();
	default:
		fprintf(stderr, "%s: -t TEST is required for a client\n", PROG);
		return 2;
	}
}

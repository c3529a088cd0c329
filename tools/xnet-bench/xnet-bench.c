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
 * Datagram families have no header: the server echoes every datagram.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/tipc.h>
#include <linux/xnet.h>

#include "xnet_tools.h"

#define PROG		"xnet-bench"
#define BENCH_MAGIC	0x58424e43U	/* "XBNC" */
#define DEF_PORT	5201
#define TIPC_SRV_TYPE	18888		/* TIPC service type; instance = port */
#define MAX_STREAMS	64
#define MAX_MSG		(1 << 20)
#define CWND_PERIOD_NS	10000000L	/* cwnd sampling: 10 ms */
#define STREAM_END	0xff		/* last byte of a stream test */

enum test { T_NONE, T_STREAM, T_RR, T_CRR, T_IDLE };
static const char *const test_names[] = {
	[T_STREAM] = "stream", [T_RR] = "rr", [T_CRR] = "crr", [T_IDLE] = "idle",
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
};

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

static const struct family families[] = {
	{ "xnet", AF_XNET, SOCK_STREAM, addr_xnet, SOL_XNET, XNET_NODELAY, cwnd_xnet },
	{ "xnet-seqpacket", AF_XNET, SOCK_SEQPACKET, addr_xnet, SOL_XNET, XNET_NODELAY,
	  cwnd_xnet },
	{ "xnet-dgram", AF_XNET, SOCK_DGRAM, addr_xnet, 0, 0, NULL },
	{ "tcp", AF_INET, SOCK_STREAM, addr_inet, IPPROTO_TCP, TCP_NODELAY, cwnd_tcp },
	{ "udp", AF_INET, SOCK_DGRAM, addr_inet, 0, 0, NULL },
	{ "tipc", AF_TIPC, SOCK_STREAM, addr_tipc, 0, 0, NULL },
	{ "tipc-seqpacket", AF_TIPC, SOCK_SEQPACKET, addr_tipc, 0, 0, NULL },
	{ "tipc-rdm", AF_TIPC, SOCK_RDM, addr_tipc, 0, 0, NULL },
	{ "unix", AF_UNIX, SOCK_STREAM, addr_unix, 0, 0, NULL },
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

static void serve_dgram(int fd)
{
	static char buf[65536];
	struct sockaddr_storage from;
	socklen_t fl;
	ssize_t r;

	for (;;) {
		fl = sizeof(from);
		r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("recvfrom: %s", strerror(errno));
		}
		sendto(fd, buf, r, 0, (struct sockaddr *)&from, fl);
	}
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
	printf("{\"family\":\"%s\",\"test\":\"%s\"", opt.fam->name,
	       test_names[opt.test]);
	if (opt.label)
		printf(",\"label\":\"%s\"", opt.label);
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
};

static pthread_barrier_t go;
static volatile int stream0_fd = -1;
static volatile bool sampling;

static void *stream_thread(void *arg)
{
	struct stream_ctx *c = arg;
	size_t sz = opt.size ? opt.size : 65536;
	char *buf = calloc(1, sz);
	double deadline;
	uint64_t be;

	if (!buf) {
		c->err = ENOMEM;
		pthread_barrier_wait(&go);
		return NULL;
	}
	pthread_barrier_wait(&go);
	deadline = now() + opt.secs;
	for (;;) {
		if (opt.bytes ? c->sent + sz >= opt.bytes : now() >= deadline)
			buf[sz - 1] = (char)STREAM_END;
		if (write_all(c->fd, buf, sz) < 0) {
			c->err = errno;
			break;
		}
		c->sent += sz;
		if ((unsigned char)buf[sz - 1] == STREAM_END)
			break;
	}
	if (!c->err && read_unit(c->fd, &be, sizeof(be)) == sizeof(be))
		c->acked = be64toh(be);
	else if (!c->err)
		c->err = EPROTO;
	c->end = now();
	free(buf);
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

static int run_stream(void)
{
	struct stream_ctx c[MAX_STREAMS] = {};
	struct cwnd_sample *samples = NULL;
	pthread_t sampler;
	uint64_t sent = 0, acked = 0;
	double t0, end = 0, mbps;
	int i, err = 0;

	if (!is_conn(opt.fam))
		die("stream test needs a connection family");
	if (opt.cwnd_file && !opt.fam->cwnd)
		die("%s has no congestion window to sample", opt.fam->name);
	for (i = 0; i < opt.streams; i++) {
		c[i].fd = connect_server();
		if (c[i].fd < 0)
			die("connect(%s): %s", opt.fam->name, strerror(errno));
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
	t0 = now();
	pthread_barrier_wait(&go);
	for (i = 0; i < opt.streams; i++) {
		pthread_join(c[i].th, NULL);
		sent += c[i].sent;
		acked += c[i].acked;
		if (c[i].end > end)
			end = c[i].end;
		if (c[i].err)
			err = c[i].err;
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
	mbps = acked * 8 / (end - t0) / 1e6;
	fprintf(out_human(), "%s stream x%d: %.1f Mbit/s (%" PRIu64
		" bytes in %.2f s, msg %u)\n", opt.fam->name, opt.streams,
		mbps, acked, end - t0, opt.size ? opt.size : 65536);
	if (opt.json) {
		json_begin();
		printf(",\"streams\":%d,\"msg\":%u,\"secs\":%.3f,\"bytes\":%" PRIu64
		       ",\"sent\":%" PRIu64 ",\"mbps\":%.3f}\n", opt.streams,
		       opt.size ? opt.size : 65536, end - t0, acked, sent, mbps);
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
		printf(",\"size\":%u,\"secs\":%.3f,\"n\":%zu,\"rate\":%.3f,"
		       "\"p50_us\":%.3f,\"p99_us\":%.3f,\"p999_us\":%.3f,"
		       "\"max_us\":%.3f,\"mean_us\":%.3f,\"lost\":%" PRIu64
		       "}\n", opt.size, secs, l->n, l->n / secs, p50, p99, p999,
		       max, mean, lost);
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
		printf(",\"n\":%zu,\"open_secs\":%.3f,\"close_secs\":%.3f,"
		       "\"slab_bytes\":%lld,\"slab_bytes_per_conn\":%.1f,"
		       "\"bytes_per_conn\":%.1f,\"caches\":{", n, t_open, t_close,
		       s1 - s0, (double)(s1 - s0) / n, (double)objs / n);
		for (i = 0; i < na && i < 6 && after[i].bytes > 0; i++)
			printf("%s\"%s\":%.1f", i ? "," : "", after[i].name,
			       (double)after[i].bytes / n);
		printf("}}\n");
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
"  -C FILE    stream: sample the first stream's congestion window every\n"
"             10 ms (XNET_INFO, TCP_INFO) into FILE (\"t_s cwnd\" lines)\n"
"  -R FILE    rr/crr: write every round trip (ns), in order, into FILE\n"
"  -D         rr/crr: leave Nagle-style coalescing on (default: no-delay)\n"
"  -L LABEL   label copied into the JSON result\n"
"  -j         print the result as one JSON object on stdout (the\n"
"             human-readable line goes to stderr)\n"
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
		{ }
	};
	enum test t;
	char *end;
	int c;

	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "lf:t:a:p:d:n:m:P:C:R:DL:jh", lopts,
				NULL)) != -1) {
		switch (c) {
		case 'l': opt.server = true; break;
		case 'f':
			opt.fam = find_family(optarg);
			if (!opt.fam)
				die("unknown family '%s' (see --help)", optarg);
			break;
		case 't':
			for (t = T_STREAM; t <= T_IDLE; t++)
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
		case 'h': usage(stdout); return 0;
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
	switch (opt.test) {
	case T_STREAM: return run_stream();
	case T_RR: return run_rr();
	case T_CRR: return run_crr();
	case T_IDLE: return run_idle();
	default:
		fprintf(stderr, "%s: -t TEST is required for a client\n", PROG);
		return 2;
	}
}

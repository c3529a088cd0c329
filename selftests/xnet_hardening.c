// SPDX-License-Identifier: GPL-2.0
/*
 * xnet against hostile peers: a flood of spoofed connection requests,
 * SYN cookies, forged handshake completions, unpredictable ephemeral
 * ports.
 *
 * Two namespaces joined by a veth pair: the test's own (server, xb,
 * 10.0.0.2, listener on port 5000 served by a thread that answers every
 * connection with a hash of what it read) and "xh-cli" (client and
 * attacker, xa, 10.0.0.1). The attacker injects frames with AF_PACKET on
 * xa; the legitimate client is an ordinary AF_XNET socket. Client-side
 * work runs in a forked child that entered xh-cli; its exit status is the
 * verdict of what it checked.
 *
 * XNET_FLOOD_N (default 100000, divided by XNET_TIMEOUT_MUL on the slow
 * debug lane: the same minutes of flooding) sets the number of spoofed
 * requests.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"

#define SRV_ADDR	"10.0.0.2"
#define CLI_ADDR	"10.0.0.1"
#define SRV_PORT	5000
#define CLI_NS		"xh-cli"
#define XFER		65536
#define SYN_LEN		(14 + XU_CONN_HLEN + 4)

/* FNV-1a, 64 bits: the integrity check of every transfer. */
static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

/* The server: accept, read to EOF, answer the 8-byte hash, close. */
struct server {
	int lfd;
	volatile int stop;
	int served;
	pthread_t thr;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	uint8_t buf[8192];

	while (!s->stop) {
		struct pollfd p = { .fd = s->lfd, .events = POLLIN };
		uint64_t h = FNV_INIT;
		struct timeval tv = { .tv_sec = 10 };
		ssize_t n;
		int fd;

		if (poll(&p, 1, 200) <= 0)
			continue;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
			h = fnv(h, buf, n);
		if (n == 0 && send(fd, &h, sizeof(h), 0) == sizeof(h))
			s->served++;
		close(fd);
	}
	return NULL;
}

/*
 * A legitimate client: connect within 10 s, send XFER bytes, read the
 * server's hash. 0 if the hash matches, else -1 (reason on stderr).
 */
static int legit_client(uint32_t seed)
{
	struct sockaddr_xnet sa = xu_sa(SRV_ADDR, SRV_PORT);
	struct timeval tv = { .tv_sec = 10 };
	static uint8_t buf[XFER];
	uint64_t want, got;
	int fd, ret = -1;

	xu_fill(buf, sizeof(buf), seed, 0);
	want = fnv(FNV_INIT, buf, sizeof(buf));
	fd = socket(AF_XNET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "# legit connect: %s\n", strerror(errno));
		goto out;
	}
	if (send(fd, buf, sizeof(buf), 0) != sizeof(buf) ||
	    shutdown(fd, SHUT_WR)) {
		fprintf(stderr, "# legit send: %s\n", strerror(errno));
		goto out;
	}
	if (recv(fd, &got, sizeof(got), MSG_WAITALL) != sizeof(got)) {
		fprintf(stderr, "# legit recv: %s\n", strerror(errno));
		goto out;
	}
	if (got != want) {
		fprintf(stderr, "# legit transfer: hash mismatch\n");
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

/* The attacker's view of the wire: an AF_PACKET socket on xa. */
struct wire {
	int fd;
	int ifindex;
	uint8_t smac[6], dmac[6];
};

static int wire_open(struct wire *w)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };

	w->ifindex = if_nametoindex("xa");
	if (!w->ifindex || xu_get_mac("xa", w->smac))
		return -1;
	w->fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (w->fd < 0)
		return -1;
	ll.sll_ifindex = w->ifindex;
	return bind(w->fd, (struct sockaddr *)&ll, sizeof(ll));
}

/*
 * A connection segment from saddr:sport to the server's listener, with
 * a SYN's MSS option when flags has SYN; returns the frame length.
 */
static size_t mk_seg(const struct wire *w, uint8_t *f, uint32_t saddr,
		     uint16_t sport, uint32_t seq, uint32_t ack, uint16_t flags)
{
	uint8_t *x = f + 14, *sh = x + XU_HLEN;
	size_t xlen = XU_CONN_HLEN + ((flags & 1) ? 4 : 0);
	uint32_t v;
	uint16_t s;

	memset(f, 0, 14 + xlen);
	memcpy(f, w->dmac, 6);
	memcpy(f + 6, w->smac, 6);
	f[12] = ETH_P_XNET >> 8;
	f[13] = ETH_P_XNET & 0xff;
	x[0] = XU_VERSION;
	x[1] = 4;			/* STREAM */
	x[XU_O_HOPLIMIT] = XU_HOPLIMIT;
	s = htons(xlen);
	memcpy(x + 2, &s, 2);
	memcpy(x + 4, &saddr, 4);
	v = xu_addr(SRV_ADDR);
	memcpy(x + 8, &v, 4);
	s = htons(sport);
	memcpy(x + 12, &s, 2);
	s = htons(SRV_PORT);
	memcpy(x + 14, &s, 2);
	v = htonl(seq);
	memcpy(sh, &v, 4);
	v = htonl(ack);
	memcpy(sh + 4, &v, 4);
	v = htonl(65535);
	memcpy(sh + 8, &v, 4);
	s = htons(flags);
	memcpy(sh + 12, &s, 2);
	if (flags & 1) {
		s = htons(1428);
		memcpy(sh + 16, &s, 2);
	}
	v = htonl(xu_crc32c(x, xlen));
	memcpy(x + 16, &v, 4);
	return 14 + xlen;
}

static int wire_send(const struct wire *w, const uint8_t *f, size_t len)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_ifindex = w->ifindex,
		.sll_halen = 6, .sll_protocol = htons(ETH_P_XNET),
	};

	memcpy(ll.sll_addr, f, 6);
	return sendto(w->fd, f, len, 0, (struct sockaddr *)&ll,
		      sizeof(ll)) == (ssize_t)len ? 0 : -1;
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Start fn in the client netns; its return value is the exit status. */
static pid_t client_start(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int fd;

	if (!pid) {
		fd = open("/run/netns/" CLI_NS, O_RDONLY);
		if (fd < 0 || setns(fd, CLONE_NEWNET))
			_exit(100);
		_exit(fn(arg));
	}
	return pid;
}

static int client_wait(pid_t pid)
{
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int in_client(int (*fn)(void *), void *arg)
{
	return client_wait(client_start(fn, arg));
}

static long long mem_available_kb(void)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * Memory a KASAN kernel may hold in its quarantine of freed objects
 * (1/32 of RAM at most, mm/kasan/quarantine.c): a flood frees many skbs,
 * and MemAvailable does not count them as available until reused.
 */
static long long kasan_quarantine_kb(void)
{
	char line[256];
	long long total = 0;
	int kasan = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (f) {
		while (!kasan && fgets(line, sizeof(line), f))
			kasan = strstr(line, " kasan_quarantine_reduce") != NULL;
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	if (!kasan || !f) {
		if (f)
			fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &total) == 1)
			break;
	fclose(f);
	return total / 32;
}

/* Lines of the kernel log containing s, -1 on error. */
static int dmesg_count(const char *s)
{
	char cmd[256], out[32];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "dmesg | grep -c '%s'", s);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fgets(out, sizeof(out), p))
		n = atoi(out);
	pclose(p);
	return n;
}

/* SYN_RECV entries in this netns's socket table (column "st"). */
static int synrecv_count(void)
{
	char line[512];
	int n = 0, type, st;
	FILE *f = fopen("/proc/net/xnet/sockets", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %d", &type, &st) == 2 &&
		    st == XNET_STATE_SYN_RECV)
			n++;
	fclose(f);
	return n;
}

FIXTURE(harden) {
	struct server srv;
	struct wire w;		/* filled in the client child */
	uint8_t srv_mac[6];
};

FIXTURE_SETUP(harden)
{
	struct sockaddr_xnet sa = xu_sa(SRV_ADDR, SRV_PORT);

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	xu_sh("ip netns del " CLI_NS " 2>/dev/null");
	ASSERT_EQ(0, xu_sh("ip link set lo up && ip netns add " CLI_NS " && "
			   "ip link add xb type veth peer name xa && "
			   "ip link set xa netns " CLI_NS " && "
			   "ip link set xb up && "
			   "xnetctl addr add " SRV_ADDR " dev xb && "
			   "ip -n " CLI_NS " link set lo up && "
			   "ip -n " CLI_NS " link set xa up && "
			   "ip netns exec " CLI_NS
			   " xnetctl addr add " CLI_ADDR " dev xa"));
	/*
	 * Half-open children of spoofed requests give up after one SYN+ACK
	 * retransmission (about 3 s), not five (a minute): each holds the
	 * module, which the runner unloads after the test.
	 */
	ASSERT_EQ(0, xu_sh("echo 1 > /proc/sys/net/xnet/synack_retries"));
	ASSERT_EQ(0, xu_get_mac("xb", self->srv_mac));
	memset(&self->srv, 0, sizeof(self->srv));
	self->srv.lfd = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, self->srv.lfd);
	ASSERT_EQ(0, bind(self->srv.lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(self->srv.lfd, 64));
	ASSERT_EQ(0, pthread_create(&self->srv.thr, NULL, serve, &self->srv));
}

FIXTURE_TEARDOWN(harden)
{
	self->srv.stop = 1;
	pthread_join(self->srv.thr, NULL);
	close(self->srv.lfd);
	xu_sh("ip netns del " CLI_NS " 2>/dev/null");
}

struct flood_arg {
	const uint8_t *srv_mac;
	long n;
	int rounds;		/* legitimate clients, spread over the flood */
	int ok;
};

static int flood_client(void *p)
{
	struct flood_arg *a = p;
	struct wire w;
	uint8_t f[SYN_LEN];
	uint32_t s = 0x2545f491;
	long i, per = a->n / a->rounds;
	int r, ok = 0;

	if (wire_open(&w))
		return 101;
	memcpy(w.dmac, a->srv_mac, 6);
	for (r = 0; r < a->rounds; r++) {
		for (i = 0; i < per; i++) {
			/* 10.x.y.z, anyone but the two real hosts */
			uint32_t src = htonl(0x0a000000 | (rnd(&s) & 0xffffff));
			uint16_t sport = 1024 + rnd(&s) % 60000;

			if (src == xu_addr(SRV_ADDR) || src == xu_addr(CLI_ADDR))
				continue;
			mk_seg(&w, f, src, sport, rnd(&s), 0, 1);
			if (wire_send(&w, f, sizeof(f)))
				return 102;
		}
		if (!legit_client(r + 1))
			ok++;
	}
	return ok;
}

/*
 * 100 000 spoofed connection requests: the half-open table stays within
 * max_syn_backlog, memory stays bounded, the flood is counted and logged
 * (once), and legitimate clients keep connecting throughout, through
 * cookies, with intact data.
 */
TEST_F_TIMEOUT(harden, spoofed_request_flood, 400)
{
	const char *env = getenv("XNET_FLOOD_N");
	const char *mul = getenv("XNET_TIMEOUT_MUL");
	struct flood_arg a = {
		.srv_mac = self->srv_mac,
		.n = env ? atol(env) : 100000,
		.rounds = 5,
	};
	long long slack_kb = kasan_quarantine_kb();
	long long sent0 = xu_counter("SyncookiesSent");
	long long recv0 = xu_counter("SyncookiesRecv");
	long long mem0 = mem_available_kb(), mem1;
	int logged0 = dmesg_count("possible connection request flood");
	int ok, max_half = 256, half, logged;
	double t0 = xu_now();

	ASSERT_LE(0, sent0);
	ASSERT_LE(0, recv0);
	ASSERT_LE(0, logged0);
	/* at a divisor of 8, still about 50 times the half-open table */
	if (!env && mul && atoi(mul) > 1 && atoi(mul) <= 20)
		a.n /= atoi(mul);
	TH_LOG("%ld spoofed requests; MemAvailable slack %lld kB (KASAN)",
	       a.n, slack_kb);
	ok = in_client(flood_client, &a);
	TH_LOG("%ld spoofed requests and %d clients in %.1fs", a.n, a.rounds,
	       xu_now() - t0);
	/* every legitimate client connected and its data arrived intact */
	EXPECT_EQ(a.rounds, ok);
	EXPECT_EQ(a.rounds, self->srv.served);

	half = synrecv_count();
	EXPECT_LE(0, half);
	EXPECT_GE(max_half, half);
	/* most requests were answered statelessly */
	EXPECT_LE(sent0 + a.n / 2, xu_counter("SyncookiesSent"));
	/* the legitimate clients came in through cookies */
	EXPECT_LE(recv0 + 1, xu_counter("SyncookiesRecv"));
	/* the neighbour table stayed bounded too */
	EXPECT_GE(256, xu_proc_entries("neigh"));
	mem1 = mem_available_kb();
	TH_LOG("MemAvailable %lld -> %lld kB, %d half-open", mem0, mem1, half);
	EXPECT_GT(64 * 1024 + slack_kb, mem0 - mem1);
	/* logged, but not once per request */
	logged = dmesg_count("possible connection request flood");
	EXPECT_LE(logged0 + 1, logged);
	EXPECT_GE(logged0 + 2, logged);
}

static int one_client(void *p)
{
	(void)p;
	return legit_client(7) ? 1 : 0;
}

/* net.xnet.syncookies=2: every handshake through a cookie works. */
TEST_F(harden, cookies_always)
{
	long long sent0 = xu_counter("SyncookiesSent");
	long long recv0 = xu_counter("SyncookiesRecv");

	ASSERT_EQ(0, xu_sh("echo 2 > /proc/sys/net/xnet/syncookies"));
	EXPECT_EQ(0, in_client(one_client, NULL));
	EXPECT_EQ(1, self->srv.served);
	EXPECT_EQ(sent0 + 1, xu_counter("SyncookiesSent"));
	EXPECT_EQ(recv0 + 1, xu_counter("SyncookiesRecv"));
	EXPECT_EQ(0, synrecv_count());
}

struct forge_arg {
	const uint8_t *srv_mac;
	int n;
};

static int forge_acks(void *p)
{
	struct forge_arg *a = p;
	struct wire w;
	uint8_t f[SYN_LEN];
	uint32_t s = 0x1234567;
	int i;

	if (wire_open(&w))
		return 101;
	memcpy(w.dmac, a->srv_mac, 6);
	for (i = 0; i < a->n; i++) {
		size_t len = mk_seg(&w, f, xu_addr(CLI_ADDR),
				    2000 + i, rnd(&s), rnd(&s), 2 /* ACK */);

		if (wire_send(&w, f, len))
			return 102;
	}
	return 0;
}

/*
 * Forged handshake completions (an ACK with a guessed cookie) create
 * nothing: each is counted as a failed cookie and answered with a reset.
 */
TEST_F(harden, forged_cookie_refused)
{
	struct forge_arg a = { .srv_mac = self->srv_mac, .n = 200 };
	long long failed0 = xu_counter("SyncookiesFailed");
	long long nosock0 = xu_counter("InNoSocket");
	struct pollfd p = { .fd = self->srv.lfd, .events = POLLIN };
	int i;

	ASSERT_EQ(0, xu_sh("echo 2 > /proc/sys/net/xnet/syncookies"));
	ASSERT_EQ(0, in_client(forge_acks, &a));
	for (i = 0; i < 50 && xu_counter("InNoSocket") < nosock0 + a.n; i++)
		xu_msleep(100);
	EXPECT_EQ(failed0 + a.n, xu_counter("SyncookiesFailed"));
	EXPECT_EQ(nosock0 + a.n, xu_counter("InNoSocket"));
	/* nothing to accept, nothing accepted, nothing half-open */
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(0, self->srv.served);
	EXPECT_EQ(1, xu_proc_entries("sockets"));	/* the listener */
}

/*
 * With net.xnet.syncookies=1 a cookie is only looked at while cookies
 * are being sent: without a recent overflow, an ACK is not even checked.
 */
TEST_F(harden, cookies_only_after_overflow)
{
	struct forge_arg a = { .srv_mac = self->srv_mac, .n = 20 };
	long long failed0 = xu_counter("SyncookiesFailed");
	long long nosock0 = xu_counter("InNoSocket");
	int i;

	ASSERT_EQ(0, in_client(forge_acks, &a));
	for (i = 0; i < 50 && xu_counter("InNoSocket") < nosock0 + a.n; i++)
		xu_msleep(100);
	EXPECT_EQ(nosock0 + a.n, xu_counter("InNoSocket"));
	EXPECT_EQ(failed0, xu_counter("SyncookiesFailed"));
}

static int port_walk(void *p)
{
	struct sockaddr_xnet sa = xu_sa(SRV_ADDR, SRV_PORT), me;
	int *ports = p, i, fd;
	socklen_t len;

	for (i = 0; i < 16; i++) {
		fd = socket(AF_XNET, SOCK_DGRAM, 0);
		len = sizeof(me);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    getsockname(fd, (struct sockaddr *)&me, &len))
			return 1;
		ports[i] = ntohs(me.sxn_port);
		close(fd);
	}
	return 0;
}

/*
 * Ephemeral ports towards one peer are not an arithmetic progression
 * (RFC 6056 algorithm 3 with a random stride) and stay in range.
 */
TEST_F(harden, ephemeral_ports_unpredictable)
{
	int *ports = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int i, same_stride = 1;

	ASSERT_NE(MAP_FAILED, ports);
	ASSERT_EQ(0, in_client(port_walk, ports));
	for (i = 0; i < 16; i++) {
		EXPECT_LE(32768, ports[i]);
		EXPECT_GE(60999, ports[i]);
	}
	for (i = 2; i < 16; i++)
		if (ports[i] - ports[i - 1] != ports[1] - ports[0])
			same_stride = 0;
	EXPECT_EQ(0, same_stride);
	munmap(ports, 4096);
}

#define MEM_CONNS	4
#define MEM_BYTES	(512 * 1024)

static int mem_client(void *p)
{
	struct sockaddr_xnet sa = xu_sa(SRV_ADDR, SRV_PORT + 1);
	struct timeval tv = { .tv_sec = 60 };
	static uint8_t buf[MEM_BYTES];
	int fd[MEM_CONNS], i;
	char c;

	(void)p;
	for (i = 0; i < MEM_CONNS; i++) {
		fd[i] = socket(AF_XNET, SOCK_STREAM, 0);
		if (fd[i] < 0)
			return 1;
		setsockopt(fd[i], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd[i], (struct sockaddr *)&sa, sizeof(sa)))
			return 2;
	}
	for (i = 0; i < MEM_CONNS; i++) {
		xu_fill(buf, sizeof(buf), 100 + i, 0);
		if (send(fd[i], buf, sizeof(buf), 0) != sizeof(buf) ||
		    shutdown(fd[i], SHUT_WR))
			return 3;
	}
	/* the server closes after reading everything */
	for (i = 0; i < MEM_CONNS; i++) {
		if (recv(fd[i], &c, 1, 0) != 0)
			return 4;
		close(fd[i]);
	}
	return 0;
}

static long mem_pages(void)
{
	long v = -1;
	FILE *f = fopen("/proc/net/xnet/mem", "r");

	if (!f)
		return -1;
	if (fscanf(f, "allocated_pages %ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * Peers that send more than the node will hold (four connections of
 * 512 KiB each to a server that does not read, against a 256 KiB netns
 * limit): the netns allocation stays at its limit, pressure and drops
 * are counted, and once the server reads, every byte arrives intact.
 */
TEST_F_TIMEOUT(harden, receive_memory_bounded, 180)
{
	struct sockaddr_xnet sa = xu_sa(SRV_ADDR, SRV_PORT + 1);
	long long press0 = xu_counter("MemPressureEvents");
	long long drops0 = xu_counter("MemLimitDrops");
	static uint8_t want[MEM_BYTES], buf[8192];
	struct timeval tv = { .tv_sec = 60 };
	int lfd, fd[MEM_CONNS], i, hi = 64;
	long pages, peak = 0;
	pid_t pid;

	ASSERT_EQ(0, xu_sh("echo '16 32 %d' > /proc/sys/net/xnet/mem", hi));
	EXPECT_NE(0, xu_sh("echo '32 16 64' > /proc/sys/net/xnet/mem 2>/dev/null"));
	lfd = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(lfd, MEM_CONNS));
	pid = client_start(mem_client, NULL);
	ASSERT_LT(0, pid);
	for (i = 0; i < MEM_CONNS; i++) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		ASSERT_EQ(1, poll(&p, 1, 20000));
		fd[i] = accept(lfd, NULL, NULL);
		ASSERT_LE(0, fd[i]);
		setsockopt(fd[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	/* nobody reads for 3 s: the senders push against the limit */
	for (i = 0; i < 30; i++) {
		pages = mem_pages();
		ASSERT_LE(0, pages);
		if (pages > peak)
			peak = pages;
		xu_msleep(100);
	}
	TH_LOG("peak %ld pages (limit %d)", peak, hi);
	/*
	 * each socket may hold 16 KiB beyond the limit, plus the frame that
	 * crossed it: under pressure the window is 4 segments, so a frame
	 * holds at most 4 (3 pages with their skbs), no more
	 */
	EXPECT_GE(hi + MEM_CONNS * (4 + 3) + 1, peak);
	EXPECT_LT(press0, xu_counter("MemPressureEvents"));
	EXPECT_LT(drops0, xu_counter("MemLimitDrops"));

	for (i = 0; i < MEM_CONNS; i++) {
		size_t got = 0;
		ssize_t n;

		xu_fill(want, sizeof(want), 100 + i, 0);
		while ((n = recv(fd[i], buf, sizeof(buf), 0)) > 0) {
			if (got + n > sizeof(want) ||
			    memcmp(buf, want + got, n))
				break;
			got += n;
		}
		EXPECT_EQ(0, n);
		EXPECT_EQ(sizeof(want), got);
		close(fd[i]);
	}
	EXPECT_EQ(0, client_wait(pid));
	close(lfd);
	EXPECT_EQ(0, mem_pages());
}

/* tools the tests run, besides ip and xnetctl (xnet_harness.h) */
#define XNET_NEEDS "dmesg"
#include "xnet_harness.h"

// SPDX-License-Identifier: GPL-2.0
/*
 * Who may do what with xnet: privileged ports, configuration over
 * generic netlink, net.xnet.* sysctls, and a user namespace running xnet
 * in network namespaces of its own.
 *
 * Each test runs in a netns of its own owned by the initial user
 * namespace (the "host": h0 10.0.7.1 and h1 10.0.7.2, a veth pair, with
 * sockets bound to ports 80, 5000 and 10.0.7.1:7777 and a resolution of
 * 10.0.7.99 pending). The cases run in forked children whose exit status
 * is their verdict (the failed check is printed):
 *  - nobody (uid/gid 65534, no capabilities) in the host netns;
 *  - nobody who made a user namespace (root in it, "0 65534 1") and a
 *    netns "U" with a veth pair, one end moved into a second netns "G" it
 *    also made: both ends carry xnet addresses and datagrams and a
 *    stream cross the wire between them.
 * netns_isolation.sh covers what root's namespaces see of each other;
 * this covers what a user namespace sees and may do.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/time.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"

#define NOBODY		65534
#define H0_ADDR		"10.0.7.1"
#define H1_ADDR		"10.0.7.2"
#define H_GHOST		"10.0.7.99"
#define U_ADDR		"10.0.8.1"
#define G_ADDR		"10.0.8.2"
#define N_DGRAMS	10
#define XFER		65536
#define USERNS_CLONE	"/proc/sys/kernel/unprivileged_userns_clone"

/* A check in a child: print what failed and exit 1. */
#define CHK(cond) do {							\
	if (!(cond)) {							\
		fprintf(stderr, "# %s:%d: %s failed (errno %d: %s)\n",	\
			__func__, __LINE__, #cond, errno,		\
			strerror(errno));				\
		_exit(1);						\
	}								\
} while (0)

/* FNV-1a, 64 bits: the integrity check of the stream transfer. */
static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

/* Run fn in a forked child; its exit status (-1 if it died). */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Become nobody, keeping no capability (but dumpable: own /proc files). */
static void drop_privs(void)
{
	char line[128];
	int capeff = 0;
	FILE *f;

	CHK(setgroups(0, NULL) == 0);
	CHK(setgid(NOBODY) == 0);
	CHK(setuid(NOBODY) == 0);
	CHK(prctl(PR_SET_DUMPABLE, 1) == 0);
	f = fopen("/proc/self/status", "r");
	CHK(f);
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "CapEff:\t0000000000000000\n"))
			capeff = 1;
	fclose(f);
	CHK(capeff);
	CHK(geteuid() == NOBODY);
}

/* bind() a new socket of @type to @addr:@port: 0 or the errno. */
static int bind_errno(int type, const char *addr, uint16_t port)
{
	struct sockaddr_xnet sa = xu_sa(addr, port);
	int fd = socket(AF_XNET, type, 0), err = 0;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		err = errno;
	close(fd);
	return err;
}

/* A socket bound to @addr:@port (listening if a stream), or -1. */
static int bound(int type, const char *addr, uint16_t port)
{
	struct sockaddr_xnet sa = xu_sa(addr, port);
	int fd = socket(AF_XNET, type, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type != SOCK_DGRAM && listen(fd, 4))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Write @val to net.xnet.@name of the current netns: 0 or the errno. */
static int sysctl_write(const char *name, const char *val)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/xnet/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	close(fd);
	return err;
}

static int sysctl_read(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/xnet/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* Output of a shell command (at most len - 1 bytes); its status or -1. */
static int sh_out(char *buf, size_t len, const char *cmd)
{
	size_t n = 0, r;
	FILE *p;
	int st;

	fflush(stdout);
	fflush(stderr);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n < len - 1 && (r = fread(buf + n, 1, len - 1 - n, p)) > 0)
		n += r;
	buf[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* Wait up to 15 s for a byte on @fd; the byte, or -1. */
static int wait_byte(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, 15000) != 1 || read(fd, &c, 1) != 1)
		return -1;
	return c;
}

static void set_timeouts(int fd, int sec)
{
	struct timeval tv = { .tv_sec = sec };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

FIXTURE(access) {
	int fds[5];
	int nfds;
	char userns_clone[8];	/* value to restore, "" if none */
};

FIXTURE_SETUP(access)
{
	static const struct { int type; const char *addr; uint16_t port; }
	socks[] = {
		{ SOCK_DGRAM, NULL, 80 },
		{ SOCK_STREAM, NULL, 80 },
		{ SOCK_DGRAM, NULL, 5000 },
		{ SOCK_SEQPACKET, NULL, 5000 },
		{ SOCK_DGRAM, H0_ADDR, 7777 },
	};
	struct sockaddr_xnet ghost = xu_sa(H_GHOST, 9);
	int i, fd;

	/* distributions may keep unprivileged user namespaces off */
	self->userns_clone[0] = 0;
	fd = open(USERNS_CLONE, O_RDWR);
	if (fd >= 0) {
		i = read(fd, self->userns_clone, sizeof(self->userns_clone) - 1);
		self->userns_clone[i > 0 ? i : 0] = 0;
		ASSERT_EQ(1, pwrite(fd, "1", 1, 0));
		close(fd);
	}

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, xu_sh("ip link set lo up && "
			   "ip link add h0 type veth peer name h1 && "
			   "ip link set h0 up && ip link set h1 up && "
			   "xnetctl addr add " H0_ADDR " dev h0 && "
			   "xnetctl addr add " H1_ADDR " dev h1"));
	/*
	 * Keep the pending resolution of H_GHOST up for the whole test, on
	 * the debug kernel too: 10 queries 5 s apart, then 50 s FAILED.
	 * Its queued datagram holds fds[4]'s socket, and through it this
	 * netns, until the resolution ends: the teardown flushes it.
	 */
	ASSERT_EQ(0, sysctl_write("neigh_retries", "10"));
	ASSERT_EQ(0, sysctl_write("neigh_retrans_ms", "5000"));
	self->nfds = 0;
	for (i = 0; i < (int)(sizeof(socks) / sizeof(socks[0])); i++) {
		fd = bound(socks[i].type, socks[i].addr, socks[i].port);
		ASSERT_LE(0, fd);
		self->fds[self->nfds++] = fd;
	}
	ASSERT_EQ(4, sendto(self->fds[4], "boo!", 4, 0,
			    (struct sockaddr *)&ghost, sizeof(ghost)));
	ASSERT_EQ(1, xu_proc_has("neigh", H_GHOST, "INCOMPLETE"));
}

FIXTURE_TEARDOWN(access)
{
	int fd;

	/* frees H_GHOST's queued datagram (see the setup) */
	if (xu_sh("xnetctl neigh flush"))
		fprintf(stderr, "# teardown: xnetctl neigh flush failed\n");
	while (self->nfds > 0)
		close(self->fds[--self->nfds]);
	if (self->userns_clone[0]) {
		fd = open(USERNS_CLONE, O_WRONLY);
		if (fd >= 0) {
			if (write(fd, self->userns_clone,
				  strlen(self->userns_clone)) < 0)
				perror("restore " USERNS_CLONE);
			close(fd);
		}
	}
}

/* nobody in the host netns: ports, and ephemeral ports still work */
static int nobody_ports(void *arg __attribute__((unused)))
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM, SOCK_SEQPACKET };
	struct sockaddr_xnet to = xu_sa(H1_ADDR, 5000);
	int i, fd;

	drop_privs();
	for (i = 0; i < 3; i++) {
		CHK(bind_errno(types[i], NULL, 80) == EACCES);
		CHK(bind_errno(types[i], H0_ADDR, 1) == EACCES);
		CHK(bind_errno(types[i], H0_ADDR, 1023) == EACCES);
		CHK(bind_errno(types[i], NULL, 1024) == 0);
		CHK(bind_errno(types[i], H0_ADDR, 5001) == 0);
		/* the address is checked before the port, as inet_bind */
		CHK(bind_errno(types[i], "10.9.9.9", 80) == EADDRNOTAVAIL);
	}
	/* an unbound sender gets an ephemeral port */
	fd = socket(AF_XNET, SOCK_DGRAM, 0);
	CHK(fd >= 0);
	CHK(sendto(fd, "nobody", 6, 0, (struct sockaddr *)&to,
		   sizeof(to)) == 6);
	close(fd);
	return 0;
}

TEST_F(access, unprivileged_ports)
{
	struct sockaddr_xnet from;
	socklen_t flen = sizeof(from);
	char buf[16];

	ASSERT_EQ(0, in_child(nobody_ports, NULL));
	set_timeouts(self->fds[2], 5);
	ASSERT_EQ(6, recvfrom(self->fds[2], buf, sizeof(buf), 0,
			      (struct sockaddr *)&from, &flen));
	EXPECT_EQ(0, memcmp(buf, "nobody", 6));
	EXPECT_LE(32768, ntohs(from.sxn_port));
	/* root binds below 1024 */
	EXPECT_EQ(0, bind_errno(SOCK_DGRAM, H0_ADDR, 1023));
}

/* nobody in the host netns: may look, may not change */
static int nobody_config(void *arg __attribute__((unused)))
{
	char out[4096];

	drop_privs();
	CHK(sh_out(out, sizeof(out), "xnetctl addr add 10.0.7.9 dev h1 2>&1") == 1);
	fprintf(stderr, "# %s", out);
	CHK(strstr(out, "permission denied") && strstr(out, "CAP_NET_ADMIN"));
	CHK(sh_out(out, sizeof(out), "xnetctl addr del " H0_ADDR " dev h0 2>&1") == 1);
	CHK(strstr(out, "permission denied"));
	CHK(sh_out(out, sizeof(out), "xnetctl neigh flush 2>&1") == 1);
	CHK(strstr(out, "permission denied"));
	/* reading is for everyone */
	CHK(sh_out(out, sizeof(out), "xnetctl addr show") == 0);
	CHK(strstr(out, H0_ADDR) && strstr(out, H1_ADDR));
	CHK(sh_out(out, sizeof(out), "xnetctl neigh show") == 0);
	CHK(strstr(out, H_GHOST));
	CHK(sh_out(out, sizeof(out), "xnetctl -j sockets") == 0);
	CHK(count_str(out, "\"local_port\"") == 5);
	/* sysctls are root's (mode 0644) */
	CHK(sysctl_write("syncookies", "0") == EACCES);
	CHK(sysctl_write("mem", "1 2 3") == EACCES);
	CHK(sysctl_write("neigh_max", "1") == EACCES);
	CHK(sysctl_read("mem", out, sizeof(out)) == 0);
	return 0;
}

TEST_F(access, unprivileged_config)
{
	char out[4096], mem[64];

	ASSERT_EQ(0, in_child(nobody_config, NULL));
	/* nothing changed */
	ASSERT_EQ(0, sh_out(out, sizeof(out), "xnetctl addr show"));
	EXPECT_EQ(2, count_str(out, " xnet "));
	EXPECT_NE(NULL, strstr(out, H0_ADDR));
	EXPECT_NE(NULL, strstr(out, H1_ADDR));
	EXPECT_EQ(NULL, strstr(out, "10.0.7.9"));
	EXPECT_EQ(1, xu_proc_has("neigh", H_GHOST, NULL));
	ASSERT_EQ(0, sysctl_read("syncookies", out, sizeof(out)));
	EXPECT_STREQ("1\n", out);
	/* root of the initial user namespace may set the limits */
	ASSERT_EQ(0, sysctl_read("mem", mem, sizeof(mem)));
	EXPECT_EQ(0, sysctl_write("mem", mem));
	EXPECT_EQ(0, sysctl_write("neigh_max", "300"));
	EXPECT_EQ(0, sysctl_write("max_connections", "1000"));
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	CHK(fd >= 0);
	CHK(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	close(fd);
}

struct g_pipes {
	int to_u[2];	/* 'n': in G's netns, 'r': serving */
	int to_g[2];	/* 'm': u1 moved in, 'q': U is done */
};

/* G, the peer netns of the user namespace: echo datagrams, hash a stream. */
static int g_main(struct g_pipes *p)
{
	static uint8_t buf[XFER];
	struct sockaddr_xnet from;
	struct pollfd pfd;
	int d, l, c, i;
	socklen_t flen;
	uint64_t h;
	size_t got;
	ssize_t n;

	CHK(unshare(CLONE_NEWNET) == 0);
	CHK(write(p->to_u[1], "n", 1) == 1);
	CHK(wait_byte(p->to_g[0]) == 'm');
	CHK(xu_sh("ip link set lo up && ip link set u1 up && "
		  "xnetctl addr add " G_ADDR " dev u1") == 0);
	/* port 80: CAP_NET_BIND_SERVICE in the netns's user namespace */
	d = bound(SOCK_DGRAM, G_ADDR, 80);
	CHK(d >= 0);
	l = bound(SOCK_STREAM, G_ADDR, 80);
	CHK(l >= 0);
	set_timeouts(d, 10);
	CHK(write(p->to_u[1], "r", 1) == 1);

	for (i = 0; i < N_DGRAMS; i++) {
		flen = sizeof(from);
		n = recvfrom(d, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &flen);
		CHK(n > 0);
		CHK(sendto(d, buf, n, 0, (struct sockaddr *)&from,
			   flen) == n);
	}
	pfd.fd = l;
	pfd.events = POLLIN;
	CHK(poll(&pfd, 1, 10000) == 1);
	c = accept(l, NULL, NULL);
	CHK(c >= 0);
	set_timeouts(c, 10);
	got = 0;
	while ((n = recv(c, buf + got, sizeof(buf) - got, 0)) > 0)
		got += n;
	CHK(n == 0 && got == XFER);
	h = fnv(buf, got);
	CHK(send(c, &h, sizeof(h), 0) == sizeof(h));
	close(c);
	close(l);
	close(d);
	CHK(wait_byte(p->to_g[0]) == 'q');
	return 0;
}

/* U: nobody's user namespace and its first netns. */
static int userns_main(void *arg)
{
	int host_ns = *(int *)arg, d, w, l, s, i;
	struct sockaddr_xnet g = xu_sa(G_ADDR, 80), from;
	struct sockaddr_xnet h = xu_sa(H0_ADDR, 80);
	static uint8_t buf[XFER], echo[XFER];
	char out[8192], mem[64], mem2[64];
	struct g_pipes p;
	uint64_t want, hash;
	socklen_t flen;
	pid_t gpid;
	ssize_t n;
	int st;

	drop_privs();
	CHK(unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0);
	write_file("/proc/self/setgroups", "deny");
	write_file("/proc/self/uid_map", "0 65534 1");
	write_file("/proc/self/gid_map", "0 65534 1");
	CHK(geteuid() == 0);
	/* no way back into the host's netns */
	CHK(setns(host_ns, CLONE_NEWNET) == -1 && errno == EPERM);

	CHK(xu_sh("ip link set lo up && "
		  "ip link add u0 type veth peer name u1 && "
		  "ip link set u0 up && xnetctl addr add " U_ADDR " dev u0") == 0);

	/* its own netns's tunables; the host's limits */
	CHK(sysctl_write("neigh_retries", "1") == 0);
	CHK(sysctl_write("neigh_retrans_ms", "500") == 0);
	CHK(sysctl_write("syncookies", "2") == 0);
	CHK(sysctl_write("congestion_control", "cubic") == 0);
	CHK(sysctl_read("mem", mem, sizeof(mem)) == 0);
	/*
	 * The host's limits are read-only here: they cannot even be
	 * opened for writing (EACCES), so no descriptor of them can be
	 * handed to a privileged program to write (the check is the
	 * opener's, not the writer's).
	 */
	CHK(sysctl_write("mem", "1000000 2000000 3000000") == EACCES);
	CHK(sysctl_write("neigh_max", "65536") == EACCES);
	CHK(sysctl_write("max_connections", "1048576") == EACCES);
	CHK(sysctl_write("max_orphans", "1048576") == EACCES);
	CHK(sysctl_read("mem", mem2, sizeof(mem2)) == 0);
	CHK(!strcmp(mem, mem2));
	CHK(sysctl_read("neigh_max", out, sizeof(out)) == 0);
	CHK(!strcmp(out, "256\n"));

	/* the host's ports are not ours: 80 and 5000 bind here too */
	d = bound(SOCK_DGRAM, U_ADDR, 80);
	CHK(d >= 0);
	w = bound(SOCK_DGRAM, NULL, 5000);
	CHK(w >= 0);
	l = bound(SOCK_STREAM, NULL, 80);
	CHK(l >= 0);
	CHK(bind_errno(SOCK_SEQPACKET, NULL, 5000) == 0);
	CHK(bind_errno(SOCK_DGRAM, NULL, 7777) == 0);
	/* nor its addresses */
	CHK(bind_errno(SOCK_DGRAM, H0_ADDR, 0) == EADDRNOTAVAIL);

	/* the peer netns G, with u1 */
	CHK(pipe(p.to_u) == 0 && pipe(p.to_g) == 0);
	fflush(stdout);
	fflush(stderr);
	gpid = fork();
	CHK(gpid >= 0);
	if (!gpid) {
		close(p.to_u[0]);
		close(p.to_g[1]);
		_exit(g_main(&p));
	}
	close(p.to_u[1]);
	close(p.to_g[0]);
	CHK(wait_byte(p.to_u[0]) == 'n');
	CHK(xu_sh("ip link set u1 netns %d", (int)gpid) == 0);
	CHK(write(p.to_g[1], "m", 1) == 1);
	CHK(wait_byte(p.to_u[0]) == 'r');

	/* what U sees: its own, neither the host's nor G's */
	CHK(sh_out(out, sizeof(out), "xnetctl addr show") == 0);
	fprintf(stderr, "# U: %s", out);
	CHK(count_str(out, " xnet ") == 1 && strstr(out, U_ADDR));
	CHK(xu_proc_entries("sockets") == 3);
	CHK(xu_proc_has("sockets", U_ADDR ":80 ", NULL) == 1);
	CHK(xu_proc_has("sockets", "7777", NULL) == 0);
	CHK(xu_proc_has("sockets", G_ADDR, NULL) == 0);
	CHK(sh_out(out, sizeof(out), "xnetctl -j sockets") == 0);
	CHK(count_str(out, "\"local_port\"") == 3);
	CHK(!strstr(out, "7777") && !strstr(out, G_ADDR) &&
	    !strstr(out, "10.0.7."));
	CHK(xu_proc_entries("neigh") == 0);
	CHK(sh_out(out, sizeof(out), "xnetctl neigh show") == 0);
	CHK(!strstr(out, H_GHOST));
	CHK(xu_counter("OutDatagrams") == 0);

	/* datagrams to G and back, from port 80 */
	set_timeouts(d, 5);
	for (i = 0; i < N_DGRAMS; i++) {
		size_t len = 100 + i * 137;

		xu_fill(buf, len, 4, i);
		CHK(sendto(d, buf, len, 0, (struct sockaddr *)&g,
			   sizeof(g)) == (ssize_t)len);
		flen = sizeof(from);
		n = recvfrom(d, echo, sizeof(echo), 0,
			     (struct sockaddr *)&from, &flen);
		CHK(n == (ssize_t)len && !memcmp(buf, echo, len));
		CHK(from.sxn_addr == g.sxn_addr && from.sxn_port == g.sxn_port);
	}
	/* a stream to G */
	s = socket(AF_XNET, SOCK_STREAM, 0);
	CHK(s >= 0);
	set_timeouts(s, 10);
	CHK(connect(s, (struct sockaddr *)&g, sizeof(g)) == 0);
	xu_fill(buf, XFER, 5, 0);
	want = fnv(buf, XFER);
	CHK(send(s, buf, XFER, 0) == XFER);
	CHK(shutdown(s, SHUT_WR) == 0);
	CHK(recv(s, &hash, sizeof(hash), MSG_WAITALL) == sizeof(hash));
	CHK(hash == want);
	close(s);
	CHK(xu_counter("OutDatagrams") == N_DGRAMS);
	CHK(xu_counter("InDatagrams") == N_DGRAMS);
	CHK(xu_counter("ActiveOpens") == 1);
	CHK(xu_proc_has("neigh", G_ADDR, "u0") == 1);
	CHK(sh_out(out, sizeof(out), "xnetctl neigh show") == 0);
	CHK(strstr(out, G_ADDR) && !strstr(out, H_GHOST));

	/*
	 * The host's address is not reachable from here: the first datagram
	 * waits for a resolution that fails (in 2 s), the next is refused
	 * while the entry is FAILED.
	 */
	CHK(sysctl_write("neigh_retrans_ms", "2000") == 0);
	CHK(sendto(d, "host?", 5, 0, (struct sockaddr *)&h,
		   sizeof(h)) == 5);
	CHK(xu_proc_has("neigh", H0_ADDR, "INCOMPLETE") == 1);
	for (i = 0; i < 400 && !xu_proc_has("neigh", H0_ADDR, "FAILED"); i++)
		xu_msleep(10);
	CHK(sendto(d, "host?", 5, 0, (struct sockaddr *)&h,
		   sizeof(h)) == -1 && errno == EHOSTUNREACH);
	CHK(xu_counter("NeighResolveFailed") == 1);

	/* its own configuration: flush, delete */
	CHK(xu_sh("xnetctl neigh flush && "
		  "xnetctl addr del " U_ADDR " dev u0") == 0);
	CHK(xu_proc_entries("neigh") == 0);
	CHK(sh_out(out, sizeof(out), "xnetctl addr show") == 0 && !*out);
	/* G's end, u1, goes with G's netns: keep G until here */
	CHK(write(p.to_g[1], "q", 1) == 1);
	CHK(waitpid(gpid, &st, 0) == gpid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	close(d);
	close(w);
	close(l);
	return 0;
}

TEST_F(access, user_namespace)
{
	long long segs = xu_counter("InSegs");
	char out[4096];
	int host_ns;

	host_ns = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_LE(0, host_ns);
	ASSERT_EQ(0, in_child(userns_main, &host_ns));
	close(host_ns);
	/* the host kept its configuration, sockets and neighbours */
	ASSERT_EQ(0, sh_out(out, sizeof(out), "xnetctl addr show"));
	EXPECT_EQ(2, count_str(out, " xnet "));
	EXPECT_EQ(5, xu_proc_entries("sockets"));
	EXPECT_EQ(1, xu_proc_has("neigh", H_GHOST, NULL));
	EXPECT_EQ(0, xu_proc_has("neigh", G_ADDR, NULL));
	EXPECT_EQ(segs, xu_counter("InSegs"));
	ASSERT_EQ(0, sysctl_read("syncookies", out, sizeof(out)));
	EXPECT_STREQ("1\n", out);
	ASSERT_EQ(0, sysctl_read("neigh_retries", out, sizeof(out)));
	EXPECT_STREQ("10\n", out);
}

#include "xnet_harness.h"

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet's audit trail: the tracepoints (events/xnet/ in tracefs) for a
 * connection's life, a retransmission and a dropped frame; refused
 * configuration counted and traced; a peer sending invalid frames above
 * net.xnet.invalid_rate counted once per episode and logged once.
 *
 * Two namespaces joined by a veth pair: the test's own ("home": xb,
 * 10.0.0.2, the server) and "xau-peer" (xa, 10.0.0.1, the client and
 * the frame injector). The main thread switches between them with
 * setns() to create sockets; a socket stays in the netns it was made in.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/mount.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"

#define SRV_ADDR	"10.0.0.2"
#define CLI_ADDR	"10.0.0.1"
#define SRV_PORT	6000
#define PEER_NS		"xau-peer"
#define TRACEFS		"/sys/kernel/tracing"
#define XFER		65536
#define CHUNK		8192
#define FLOOD_LOG	"sends invalid frames above"

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Clear the trace buffer and enable (1) or disable (0) xnet's events. */
static int trace_xnet(int on)
{
	struct stat st;

	if (stat(TRACEFS "/events", &st) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		return -1;
	if (write_file(TRACEFS "/events/xnet/enable", on ? "1" : "0") ||
	    write_file(TRACEFS "/trace", ""))
		return -1;
	return on ? write_file(TRACEFS "/tracing_on", "1") : 0;
}

/* Lines of the trace buffer containing a and b (b may be NULL), -1 on error. */
static int trace_count(const char *a, const char *b)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(TRACEFS "/trace", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
	fclose(f);
	return n;
}

/* Log the first trace line containing a (a sample of the format). */
static void trace_show(struct __test_metadata *_metadata, const char *a)
{
	char line[1024], *p;
	FILE *f = fopen(TRACEFS "/trace", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, a);
		if (p) {
			p[strcspn(p, "\n")] = 0;
			TH_LOG("%s", p);
			break;
		}
	}
	fclose(f);
}

/* Wait up to ms for a trace line with a and b; its count. */
static int trace_wait(const char *a, const char *b, int ms)
{
	int n;

	while ((n = trace_count(a, b)) == 0 && ms > 0) {
		xu_msleep(50);
		ms -= 50;
	}
	return n;
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

static void mac_str(const uint8_t *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x",
		m[0], m[1], m[2], m[3], m[4], m[5]);
}

FIXTURE(audit) {
	int home, peer;		/* netns fds */
	int wire;		/* AF_PACKET on xa, in the peer netns */
	int wire_ifindex;
	uint8_t srv_mac[6], cli_mac[6];
	char cli_mac_str[18];
};

FIXTURE_SETUP(audit)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	xu_sh("ip netns del " PEER_NS " 2>/dev/null");
	ASSERT_EQ(0, xu_sh("ip link set lo up && ip netns add " PEER_NS " && "
			   "ip link add xb type veth peer name xa && "
			   "ip link set xa netns " PEER_NS " && "
			   "ip link set xb up && "
			   "xnetctl addr add " SRV_ADDR " dev xb && "
			   "ip -n " PEER_NS " link set lo up && "
			   "ip -n " PEER_NS " link set xa up && "
			   "ip netns exec " PEER_NS
			   " xnetctl addr add " CLI_ADDR " dev xa && "
			   "ip netns exec " PEER_NS " sh -c "
			   "'echo 100 >/proc/sys/net/xnet/time_wait_ms'"));
	self->home = open("/proc/self/ns/net", O_RDONLY);
	self->peer = open("/run/netns/" PEER_NS, O_RDONLY);
	ASSERT_LE(0, self->home);
	ASSERT_LE(0, self->peer);
	ASSERT_EQ(0, xu_get_mac("xb", self->srv_mac));

	ASSERT_EQ(0, setns(self->peer, CLONE_NEWNET));
	ASSERT_EQ(0, xu_get_mac("xa", self->cli_mac));
	self->wire_ifindex = if_nametoindex("xa");
	self->wire = socket(AF_PACKET, SOCK_RAW, 0);
	ASSERT_EQ(0, setns(self->home, CLONE_NEWNET));
	ASSERT_LT(0, self->wire_ifindex);
	ASSERT_LE(0, self->wire);
	ll.sll_ifindex = self->wire_ifindex;
	ASSERT_EQ(0, bind(self->wire, (struct sockaddr *)&ll, sizeof(ll)));
	mac_str(self->cli_mac, self->cli_mac_str);
}

FIXTURE_TEARDOWN(audit)
{
	trace_xnet(0);
	close(self->wire);
	xu_sh("ip netns del " PEER_NS " 2>/dev/null");
}

/* A datagram from the client to the server, its checksum wrong if bad. */
static int inject_dgram(FIXTURE_DATA(audit) * self, int bad)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_ifindex = self->wire_ifindex,
		.sll_halen = 6, .sll_protocol = htons(ETH_P_XNET),
	};
	uint8_t f[14 + XU_HLEN + 8], *x = f + 14;
	uint32_t v;
	uint16_t s;

	memset(f, 0, sizeof(f));
	memcpy(f, self->srv_mac, 6);
	memcpy(f + 6, self->cli_mac, 6);
	f[12] = ETH_P_XNET >> 8;
	f[13] = ETH_P_XNET & 0xff;
	x[0] = XU_VERSION;
	x[1] = 1;			/* DGRAM */
	x[XU_O_HOPLIMIT] = XU_HOPLIMIT;
	s = htons(XU_HLEN + 8);
	memcpy(x + 2, &s, 2);
	v = xu_addr(CLI_ADDR);
	memcpy(x + 4, &v, 4);
	v = xu_addr(SRV_ADDR);
	memcpy(x + 8, &v, 4);
	s = htons(7001);
	memcpy(x + 12, &s, 2);
	s = htons(7000);
	memcpy(x + 14, &s, 2);
	memcpy(x + XU_HLEN, "auditing", 8);
	v = htonl(xu_crc32c(x, XU_HLEN + 8) ^ (bad ? 1 : 0));
	memcpy(x + 16, &v, 4);
	memcpy(ll.sll_addr, self->srv_mac, 6);
	return sendto(self->wire, f, sizeof(f), 0, (struct sockaddr *)&ll,
		      sizeof(ll)) == (ssize_t)sizeof(f) ? 0 : -1;
}

/* Exactly len bytes from fd, or -1. */
static int read_all(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, buf + got, len - got, 0);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/*
 * A connection's life in the trace: handshake, data, a retransmission
 * forced by netem, close on both sides; then a frame with a bad
 * checksum traced as a drop with its reason and source MAC.
 */
TEST_F_TIMEOUT(audit, trace_connection, 60)
{
	struct sockaddr_xnet sa = xu_sa(SRV_ADDR, SRV_PORT);
	struct timeval tv = { .tv_sec = 10 };
	static uint8_t out[XFER], in[XFER];
	long long csum0;
	int lfd, cfd, afd, i;

	ASSERT_EQ(0, trace_xnet(1));
	lfd = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(lfd, 4));
	ASSERT_EQ(0, setns(self->peer, CLONE_NEWNET));
	cfd = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_EQ(0, setns(self->home, CLONE_NEWNET));
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0, connect(cfd, (struct sockaddr *)&sa, sizeof(sa)));
	afd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, afd);
	ASSERT_EQ(0, setsockopt(afd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));

	/* data, checked byte for byte */
	xu_fill(out, sizeof(out), 4, 0);
	for (i = 0; i < XFER; i += CHUNK) {
		ASSERT_EQ(CHUNK, send(cfd, out + i, CHUNK, 0));
		ASSERT_EQ(0, read_all(afd, in + i, CHUNK));
	}
	ASSERT_EQ(0, memcmp(out, in, sizeof(out)));

	/* every client frame lost for a while: the RTO retransmits */
	xu_sh("modprobe sch_netem 2>/dev/null");
	ASSERT_EQ(0, xu_sh("ip netns exec " PEER_NS
			   " tc qdisc add dev xa root netem loss 100%%"));
	ASSERT_EQ(1000, send(cfd, out, 1000, 0));
	/* the RTO's retransmission (a tail loss probe may come first) */
	EXPECT_LT(0, trace_wait("xnet_retransmit:", "len=1000 cwnd=1 ", 8000));
	ASSERT_EQ(0, xu_sh("ip netns exec " PEER_NS
			   " tc qdisc del dev xa root"));
	ASSERT_EQ(0, read_all(afd, in, 1000));
	ASSERT_EQ(0, memcmp(out, in, 1000));

	/* the client closes first, then the server */
	ASSERT_EQ(0, close(cfd));
	ASSERT_EQ(0, recv(afd, in, 1, 0));
	ASSERT_EQ(0, close(afd));
	ASSERT_EQ(0, close(lfd));

	/* a frame with a bad checksum from the client's MAC */
	csum0 = xu_counter("InCsumErrors");
	ASSERT_LE(0, csum0);
	ASSERT_EQ(0, inject_dgram(self, 1));
	EXPECT_EQ(1, trace_wait("xnet_drop:", "reason=InCsumErrors", 3000));
	EXPECT_EQ(1, trace_count("reason=InCsumErrors", self->cli_mac_str));
	EXPECT_EQ(csum0 + 1, xu_counter("InCsumErrors"));

	/* the client, in TIME_WAIT for 100 ms, ends in CLOSED */
	EXPECT_EQ(1, trace_wait("xnet_conn_state:", "TIME_WAIT -> CLOSED", 3000));
	EXPECT_EQ(1, trace_count("xnet_conn_state:", "CLOSED -> LISTEN"));
	EXPECT_EQ(1, trace_count("xnet_conn_state:", "CLOSED -> SYN_SENT"));
	EXPECT_EQ(1, trace_count("xnet_conn_state:", "SYN_SENT -> ESTABLISHED"));
	EXPECT_EQ(1, trace_count("xnet_conn_state:", "CLOSED -> SYN_RECV"));
	EXPECT_EQ(1, trace_count("xnet_conn_state:", "SYN_RECV -> ESTABLISHED"));
	EXPECT_EQ(1, trace_count("xnet_conn_state:", "ESTABLISHED -> FIN_WAIT1"));
	EXPECT_EQ(1, trace_count("xnet_conn_state:", "ESTABLISHED -> CLOSE_WAIT"));
	EXPECT_EQ(1, trace_count("xnet_conn_state:", "CLOSE_WAIT -> LAST_ACK"));
	EXPECT_EQ(1, trace_count("xnet_conn_state:", "LAST_ACK -> CLOSED"));
	EXPECT_EQ(1, trace_count("xnet_conn_state:", "LISTEN -> CLOSED"));
	EXPECT_EQ(1, trace_count("SYN_SENT -> ESTABLISHED",
				 "local=10.0.0.1:"));
	EXPECT_EQ(1, trace_count("SYN_SENT -> ESTABLISHED",
				 "remote=10.0.0.2:6000"));
	/* slow start grew the window during the transfer */
	EXPECT_LT(0, trace_count("xnet_cong:", "cwnd="));

	trace_show(_metadata, "SYN_SENT -> ESTABLISHED");
	trace_show(_metadata, "xnet_retransmit:");
	trace_show(_metadata, "xnet_cong:");
	trace_show(_metadata, "reason=InCsumErrors");

	ASSERT_EQ(0, trace_xnet(0));
	EXPECT_EQ(0, trace_count("xnet_", NULL));
}

/* Run xnetctl as nobody; its exit status, stderr in err. */
static int xnetctl_as_nobody(char *err, size_t len, const char *cmd)
{
	size_t got = 0;
	int p[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		dup2(p[1], 2);
		close(p[0]);
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(100);
		execlp("sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	/* to the end: xnetctl may write its message in pieces */
	while (got < len - 1 && (n = read(p[0], err + got, len - 1 - got)) > 0)
		got += n;
	err[got] = 0;
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Changes without CAP_NET_ADMIN: EPERM, counted, traced, logged. */
TEST_F(audit, config_refused)
{
	long long refused0, invalid0;
	char err[512];

	ASSERT_EQ(0, trace_xnet(1));
	refused0 = xu_counter("ConfigRefused");
	invalid0 = xu_counter("ConfigInvalid");
	ASSERT_LE(0, refused0);
	ASSERT_LE(0, invalid0);

	EXPECT_EQ(1, xnetctl_as_nobody(err, sizeof(err),
				       "xnetctl addr add 10.0.0.9 dev xb"));
	/* xnetctl prints this for EPERM or EACCES, and only xnet's EPERM
	 * path sets this extack message
	 */
	EXPECT_NE(NULL, strstr(err, "permission denied"));
	EXPECT_NE(NULL, strstr(err, "CAP_NET_ADMIN needed"));
	EXPECT_EQ(1, xnetctl_as_nobody(err, sizeof(err),
				       "xnetctl addr del 10.0.0.2 dev xb"));
	EXPECT_EQ(1, xnetctl_as_nobody(err, sizeof(err), "xnetctl neigh flush"));
	EXPECT_EQ(refused0 + 3, xu_counter("ConfigRefused"));
	EXPECT_EQ(0, xu_sh("xnetctl addr show dev xb | grep -q " SRV_ADDR));
	EXPECT_NE(0, xu_sh("xnetctl addr show dev xb | grep -q 10.0.0.9"));
	EXPECT_EQ(3, trace_count("xnet_security:", "event=config_refused"));

	/* reading needs no privilege and is not refused */
	EXPECT_EQ(0, xnetctl_as_nobody(err, sizeof(err),
				       "xnetctl stats >/dev/null"));
	EXPECT_EQ(refused0 + 3, xu_counter("ConfigRefused"));

	/* an address that is no host's: refused by xnet, counted */
	EXPECT_EQ(1, xu_sh("xnetctl addr add 0.0.0.0 dev xb 2>/dev/null"));
	EXPECT_EQ(invalid0 + 1, xu_counter("ConfigInvalid"));
	EXPECT_EQ(1, trace_count("xnet_security:", "event=config_invalid"));
	EXPECT_EQ(refused0 + 3, xu_counter("ConfigRefused"));
}

/*
 * Many invalid frames from one MAC: one episode (InvalidPeerFloods + 1),
 * one log line, one security event, however long the burst lasts.
 */
TEST_F(audit, invalid_peer_flood)
{
	long long floods0, csum0;
	char log[128];
	int logs0, i;

	ASSERT_EQ(0, trace_xnet(1));
	floods0 = xu_counter("InvalidPeerFloods");
	csum0 = xu_counter("InCsumErrors");
	snprintf(log, sizeof(log), "peer %s " FLOOD_LOG, self->cli_mac_str);
	logs0 = dmesg_count(log);
	ASSERT_LE(0, floods0);
	ASSERT_LE(0, logs0);

	/* below the rate: a few frames are only counted as drops */
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, inject_dgram(self, 1));
	xu_msleep(200);
	EXPECT_EQ(floods0, xu_counter("InvalidPeerFloods"));

	for (i = 0; i < 1000; i++)
		ASSERT_EQ(0, inject_dgram(self, 1));
	xu_msleep(200);
	EXPECT_EQ(csum0 + 1020, xu_counter("InCsumErrors"));
	EXPECT_EQ(floods0 + 1, xu_counter("InvalidPeerFloods"));
	EXPECT_EQ(logs0 + 1, dmesg_count(log));
	EXPECT_EQ(1, trace_count("event=invalid_peer", self->cli_mac_str));
	trace_show(_metadata, "event=invalid_peer");

	/* valid frames from the same peer are not counted against it */
	for (i = 0; i < 300; i++)
		ASSERT_EQ(0, inject_dgram(self, 0));
	xu_msleep(200);
	EXPECT_EQ(floods0 + 1, xu_counter("InvalidPeerFloods"));
	EXPECT_EQ(csum0 + 1020, xu_counter("InCsumErrors"));
	EXPECT_EQ(logs0 + 1, dmesg_count(log));
	EXPECT_EQ(1, trace_count("event=invalid_peer", NULL));
}

/* tools the tests run, besides ip and xnetctl (xnet_harness.h) */
#define XNET_NEEDS "dmesg modprobe"
#include "xnet_harness.h"

// SPDX-License-Identifier: GPL-2.0
/*
 * NETLINK_SOCK_DIAG for AF_XNET (module/diag.c) and xnetctl sockets on
 * it. Two netns joined by a veth (xnet_zc_util.h): the test's own (A)
 * and a peer (B), each with sockets of every type in known states.
 * Checks that a dump lists exactly a netns's own sockets, that the
 * state, type, port and inode filters select exact sets, that XNET_INFO
 * in the dump matches getsockopt, that 2000 sockets come back once each
 * across many recvmsg calls, that an unprivileged user may list, that
 * nothing is left after close, that malformed requests get EINVAL, and
 * that xnetctl sockets -p/-i/state/sport show the same.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "kselftest_harness.h"
#include "xnet_util.h"
#include "xnet_zc_util.h"

#define PORT_LISTEN	7001
#define PORT_DGRAM	7002
#define PORT_CONN	7003
#define PORT_SEQ	7004
#define MANY		2000
#define MANY_BASE	20000

struct row {
	uint8_t type, state;
	uint16_t lport, rport;
	uint32_t ino, uid;
	bool has_info, has_uid;
	struct xnet_info info;
};

struct dump {
	struct row *rows;
	int n, max;
	int recvs;		/* recv calls that returned data */
};

static struct xnet_diag_req req_all(void)
{
	struct xnet_diag_req r = { .sdiag_family = AF_XNET,
				   .xdiag_states = ~0U };

	return r;
}

static void parse_one(struct dump *d, const struct nlmsghdr *h)
{
	const struct xnet_diag_msg *m = NLMSG_DATA(h);
	const struct nlattr *a;
	struct row *r;
	int len;

	if (d->n >= d->max)
		return;
	r = &d->rows[d->n++];
	memset(r, 0, sizeof(*r));
	r->type = m->xdiag_type;
	r->state = m->xdiag_state;
	r->lport = ntohs(m->xdiag_lport);
	r->rport = ntohs(m->xdiag_rport);
	r->ino = m->xdiag_ino;
	len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	a = (const void *)((const char *)m + NLMSG_ALIGN(sizeof(*m)));
	while (len >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= len) {
		const void *p = (const char *)a + NLA_HDRLEN;

		if (a->nla_type == XNET_DIAG_INFO &&
		    a->nla_len - NLA_HDRLEN >= (int)sizeof(r->info)) {
			memcpy(&r->info, p, sizeof(r->info));
			r->has_info = true;
		} else if (a->nla_type == XNET_DIAG_UID) {
			memcpy(&r->uid, p, 4);
			r->has_uid = true;
		}
		len -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
}

/*
 * Send @plen bytes of @payload as a SOCK_DIAG_BY_FAMILY request with
 * @flags and collect the answer: 0 at NLMSG_DONE, or -errno from an
 * NLMSG_ERROR. @rcvbuf bytes per recv.
 */
static int diag_raw(const void *payload, size_t plen, uint16_t flags,
		    struct dump *d, size_t rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char *buf = malloc(rcvbuf), req[256] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	struct timeval tv = { .tv_sec = 10 * zc_mul() };
	int fd, ret = -EPROTO;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG);
	if (fd < 0 || !buf) {
		free(buf);
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nlh->nlmsg_len = NLMSG_LENGTH(plen);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = 1;
	memcpy(NLMSG_DATA(nlh), payload, plen);
	if (sendto(fd, req, nlh->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	d->recvs = 0;
	for (;;) {
		struct nlmsghdr *h;

		n = recv(fd, buf, rcvbuf, 0);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EPROTO;
			goto out;
		}
		d->recvs++;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				goto out;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				ret = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				goto out;
			}
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY)
				parse_one(d, h);
		}
	}
out:
	close(fd);
	free(buf);
	return ret;
}

static int diag(const struct xnet_diag_req *req, struct dump *d)
{
	d->n = 0;
	return diag_raw(req, sizeof(*req), NLM_F_DUMP, d, 32768);
}

static uint32_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_xnet a;
	socklen_t l = sizeof(a);

	return getsockname(fd, (struct sockaddr *)&a, &l) ? 0 :
	       ntohs(a.sxn_port);
}

static const struct row *find(const struct dump *d, uint32_t ino)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (d->rows[i].ino == ino)
			return &d->rows[i];
	return NULL;
}

static int bound(int type, const char *addr, uint16_t port)
{
	struct sockaddr_xnet a = xu_sa(addr, port);
	int fd = socket(AF_XNET, type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void abort_close(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

FIXTURE(dg) {
	struct zc_pair p;
	int lst, dgr, seq;	/* A: listening, bound datagram, seqpacket */
	int cli, srv;		/* A's client, B's accepted end */
	int blst;		/* B's listener */
	struct row rows[MANY + 64];
	struct dump d;
};

FIXTURE_SETUP(dg)
{
	struct sockaddr_xnet b = xu_sa(ZC_B_ADDR, PORT_CONN);
	char buf[100] = "ping";

	self->lst = self->dgr = self->seq = self->cli = self->srv = -1;
	self->blst = -1;
	self->d.rows = self->rows;
	self->d.max = MANY + 64;
	ASSERT_EQ(0, zc_pair_setup(&self->p, "xdg"));

	self->lst = bound(SOCK_STREAM, ZC_A_ADDR, PORT_LISTEN);
	ASSERT_LE(0, self->lst);
	ASSERT_EQ(0, listen(self->lst, 4));
	self->dgr = bound(SOCK_DGRAM, ZC_A_ADDR, PORT_DGRAM);
	ASSERT_LE(0, self->dgr);
	self->seq = bound(SOCK_SEQPACKET, ZC_A_ADDR, PORT_SEQ);
	ASSERT_LE(0, self->seq);
	ASSERT_EQ(0, listen(self->seq, 4));

	/* B listens on PORT_CONN; A connects; data both ways (an RTT) */
	ASSERT_EQ(0, setns(self->p.peer_ns, CLONE_NEWNET));
	self->blst = bound(SOCK_STREAM, ZC_B_ADDR, PORT_CONN);
	ASSERT_LE(0, self->blst);
	ASSERT_EQ(0, listen(self->blst, 4));
	ASSERT_EQ(0, setns(self->p.own_ns, CLONE_NEWNET));
	self->cli = socket(AF_XNET, SOCK_STREAM, 0);
	ASSERT_LE(0, self->cli);
	zc_timeo(self->cli, SO_SNDTIMEO, 20);
	zc_timeo(self->cli, SO_RCVTIMEO, 20);
	ASSERT_EQ(0, connect(self->cli, (struct sockaddr *)&b, sizeof(b)));
	self->srv = accept(self->blst, NULL, NULL);
	ASSERT_LE(0, self->srv);
	zc_timeo(self->srv, SO_RCVTIMEO, 20);
	ASSERT_EQ(4, send(self->cli, buf, 4, 0));
	ASSERT_EQ(4, recv(self->srv, buf, 4, MSG_WAITALL));
	ASSERT_EQ(4, send(self->srv, buf, 4, 0));
	ASSERT_EQ(4, recv(self->cli, buf, 4, MSG_WAITALL));
}

FIXTURE_TEARDOWN(dg)
{
	abort_close(self->cli);
	abort_close(self->srv);
	if (self->lst >= 0)
		close(self->lst);
	if (self->dgr >= 0)
		close(self->dgr);
	if (self->seq >= 0)
		close(self->seq);
	if (self->blst >= 0)
		close(self->blst);
	zc_pair_teardown(&self->p);
}

/* The dump in A has exactly @n rows, each one of @inos (distinct). */
static bool exactly(const struct dump *d, const uint32_t *inos, int n)
{
	int i;

	if (d->n != n)
		return false;
	for (i = 0; i < n; i++)
		if (!find(d, inos[i]))
			return false;
	return true;
}

static void dump_rows(const struct dump *d)
{
	int i;

	for (i = 0; i < d->n && i < 20; i++)
		printf("#   type %u state %u %u -> %u ino %u\n",
		       d->rows[i].type, d->rows[i].state, d->rows[i].lport,
		       d->rows[i].rport, d->rows[i].ino);
}

TEST_F(dg, own_netns_exactly)
{
	struct xnet_diag_req r = req_all();
	uint32_t a[] = { ino_of(self->lst), ino_of(self->dgr),
			 ino_of(self->seq), ino_of(self->cli) };
	uint32_t b[] = { ino_of(self->blst), ino_of(self->srv) };
	const struct row *w;

	ASSERT_EQ(0, diag(&r, &self->d));
	dump_rows(&self->d);
	ASSERT_TRUE(exactly(&self->d, a, 4));
	w = find(&self->d, ino_of(self->lst));
	EXPECT_EQ(SOCK_STREAM, w->type);
	EXPECT_EQ(XNET_STATE_LISTEN, w->state);
	EXPECT_EQ(PORT_LISTEN, w->lport);
	w = find(&self->d, ino_of(self->dgr));
	EXPECT_EQ(SOCK_DGRAM, w->type);
	EXPECT_EQ(XNET_STATE_BOUND, w->state);
	w = find(&self->d, ino_of(self->seq));
	EXPECT_EQ(SOCK_SEQPACKET, w->type);
	EXPECT_EQ(XNET_STATE_LISTEN, w->state);
	w = find(&self->d, ino_of(self->cli));
	EXPECT_EQ(XNET_STATE_ESTABLISHED, w->state);
	EXPECT_EQ(PORT_CONN, w->rport);
	EXPECT_EQ(port_of(self->cli), w->lport);

	ASSERT_EQ(0, setns(self->p.peer_ns, CLONE_NEWNET));
	ASSERT_EQ(0, diag(&r, &self->d));
	ASSERT_EQ(0, setns(self->p.own_ns, CLONE_NEWNET));
	dump_rows(&self->d);
	ASSERT_TRUE(exactly(&self->d, b, 2));
	w = find(&self->d, ino_of(self->srv));
	EXPECT_EQ(XNET_STATE_ESTABLISHED, w->state);
	EXPECT_EQ(PORT_CONN, w->lport);
	EXPECT_EQ(port_of(self->cli), w->rport);
}

TEST_F(dg, filters_exact)
{
	struct xnet_diag_req r = req_all();
	uint32_t lst[] = { ino_of(self->lst), ino_of(self->seq) };
	uint32_t one[1];

	r.xdiag_states = 1U << XNET_STATE_LISTEN;
	ASSERT_EQ(0, diag(&r, &self->d));
	EXPECT_TRUE(exactly(&self->d, lst, 2));

	r.xdiag_type = SOCK_STREAM;
	one[0] = ino_of(self->lst);
	ASSERT_EQ(0, diag(&r, &self->d));
	EXPECT_TRUE(exactly(&self->d, one, 1));

	r = req_all();
	r.xdiag_states = (1U << XNET_STATE_ESTABLISHED) |
			 (1U << XNET_STATE_BOUND);
	{
		uint32_t est[] = { ino_of(self->cli), ino_of(self->dgr) };

		ASSERT_EQ(0, diag(&r, &self->d));
		EXPECT_TRUE(exactly(&self->d, est, 2));
	}

	r = req_all();
	r.xdiag_sport = PORT_DGRAM;
	one[0] = ino_of(self->dgr);
	ASSERT_EQ(0, diag(&r, &self->d));
	EXPECT_TRUE(exactly(&self->d, one, 1));

	r = req_all();
	r.xdiag_dport = PORT_CONN;
	one[0] = ino_of(self->cli);
	ASSERT_EQ(0, diag(&r, &self->d));
	EXPECT_TRUE(exactly(&self->d, one, 1));

	/* a port nobody uses, a state nobody is in */
	r = req_all();
	r.xdiag_sport = 7999;
	ASSERT_EQ(0, diag(&r, &self->d));
	EXPECT_EQ(0, self->d.n);
	r = req_all();
	r.xdiag_states = 1U << XNET_STATE_TIME_WAIT;
	ASSERT_EQ(0, diag(&r, &self->d));
	EXPECT_EQ(0, self->d.n);

	/* one socket by inode, then with its cookie and a wrong one */
	r = req_all();
	r.xdiag_ino = ino_of(self->seq);
	one[0] = r.xdiag_ino;
	ASSERT_EQ(0, diag(&r, &self->d));
	EXPECT_TRUE(exactly(&self->d, one, 1));
	r.xdiag_cookie[0] = 1;
	r.xdiag_cookie[1] = 0x7fffffff;
	ASSERT_EQ(0, diag(&r, &self->d));
	EXPECT_EQ(0, self->d.n);
}

TEST_F(dg, info_matches_getsockopt)
{
	struct xnet_diag_req r = req_all();
	struct xnet_info gi;
	socklen_t gl = sizeof(gi);
	const struct row *w;

	ASSERT_EQ(0, getsockopt(self->cli, SOL_XNET, XNET_INFO, &gi, &gl));
	r.xdiag_ino = ino_of(self->cli);
	r.xdiag_show = XNET_DIAG_SHOW_INFO | XNET_DIAG_SHOW_UID;
	ASSERT_EQ(0, diag(&r, &self->d));
	ASSERT_EQ(1, self->d.n);
	w = &self->d.rows[0];
	ASSERT_TRUE(w->has_info);
	EXPECT_EQ(XNET_STATE_ESTABLISHED, w->info.xi_state);
	EXPECT_EQ(gi.xi_mss, w->info.xi_mss);
	EXPECT_NE(0U, w->info.xi_mss);
	EXPECT_EQ(gi.xi_snd_cwnd, w->info.xi_snd_cwnd);
	EXPECT_LT(0U, w->info.xi_srtt_us);
	EXPECT_LT(0U, w->info.xi_rto_us);
	EXPECT_EQ(gi.xi_bytes_acked, w->info.xi_bytes_acked);
	ASSERT_TRUE(w->has_uid);
	EXPECT_EQ(getuid(), w->uid);

	/* nothing asked, nothing sent */
	r.xdiag_show = 0;
	ASSERT_EQ(0, diag(&r, &self->d));
	ASSERT_EQ(1, self->d.n);
	EXPECT_FALSE(self->d.rows[0].has_info);
	EXPECT_FALSE(self->d.rows[0].has_uid);
}

/* 2000 sockets: each once, across many recvmsg (the dump resumes). */
TEST_F(dg, many_once_each)
{
	struct rlimit rl = { MANY + 256, MANY + 256 };
	struct xnet_diag_req r = req_all();
	static int fds[MANY];
	int i, seen, bad = 0;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i < MANY; i++) {
		fds[i] = bound(SOCK_DGRAM, ZC_A_ADDR, MANY_BASE + i);
		ASSERT_LE(0, fds[i]);
	}
	self->d.n = 0;
	ASSERT_EQ(0, diag_raw(&r, sizeof(r), NLM_F_DUMP, &self->d, 4096));
	printf("# %d sockets in %d recv calls\n", self->d.n, self->d.recvs);
	EXPECT_EQ(MANY + 4, self->d.n);
	EXPECT_LT(10, self->d.recvs);
	for (i = 0, seen = 0; i < MANY; i++) {
		uint32_t ino = ino_of(fds[i]);
		int j, c = 0;

		for (j = 0; j < self->d.n; j++)
			c += self->d.rows[j].ino == ino;
		if (c == 1)
			seen++;
		else
			bad++;
	}
	EXPECT_EQ(MANY, seen);
	EXPECT_EQ(0, bad);
	for (i = 0; i < MANY; i++)
		close(fds[i]);
	ASSERT_EQ(0, diag(&r, &self->d));
	EXPECT_EQ(4, self->d.n);
}

TEST_F(dg, unprivileged_lists)
{
	uint32_t a[] = { ino_of(self->lst), ino_of(self->dgr),
			 ino_of(self->seq), ino_of(self->cli) };
	pid_t pid = fork();
	int st;

	ASSERT_LE(0, pid);
	if (!pid) {
		struct xnet_diag_req r = req_all();
		const struct row *w;

		r.xdiag_show = XNET_DIAG_SHOW_UID | XNET_DIAG_SHOW_INFO;
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		if (diag(&r, &self->d) || !exactly(&self->d, a, 4))
			_exit(3);
		w = find(&self->d, a[3]);
		if (!w->has_uid || w->uid != 0 || !w->has_info ||
		    !w->info.xi_mss)
			_exit(4);
		/* and xnetctl, as nobody */
		if (xu_sh("xnetctl sockets | grep -q ':%u '", PORT_LISTEN))
			_exit(5);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST_F(dg, nothing_after_close)
{
	struct xnet_diag_req r = req_all();
	double end = xu_now() + 10 * zc_mul();
	int na = -1, nb = -1;

	abort_close(self->cli);
	abort_close(self->srv);
	close(self->lst);
	close(self->dgr);
	close(self->seq);
	close(self->blst);
	self->cli = self->srv = self->lst = self->dgr = -1;
	self->seq = self->blst = -1;
	while (xu_now() < end) {
		ASSERT_EQ(0, diag(&r, &self->d));
		na = self->d.n;
		ASSERT_EQ(0, setns(self->p.peer_ns, CLONE_NEWNET));
		ASSERT_EQ(0, diag(&r, &self->d));
		nb = self->d.n;
		ASSERT_EQ(0, setns(self->p.own_ns, CLONE_NEWNET));
		if (!na && !nb)
			break;
		xu_msleep(100);
	}
	EXPECT_EQ(0, na);
	EXPECT_EQ(0, nb);
}

TEST_F(dg, malformed_einval)
{
	struct xnet_diag_req r = req_all();
	char big[64] = { 0 };

	/* shorter than sock_diag_req, then than xnet_diag_req */
	big[0] = AF_XNET;
	EXPECT_EQ(-EINVAL, diag_raw(big, 1, NLM_F_DUMP, &self->d, 8192));
	EXPECT_EQ(-EINVAL, diag_raw(big, 2, NLM_F_DUMP, &self->d, 8192));
	EXPECT_EQ(-EINVAL, diag_raw(&r, sizeof(r) - 1, NLM_F_DUMP, &self->d,
				    8192));
	EXPECT_EQ(-EINVAL, diag_raw(&r, 8, NLM_F_DUMP, &self->d, 8192));
	r.sdiag_protocol = 6;
	EXPECT_EQ(-EINVAL, diag(&r, &self->d));
	r = req_all();
	r.pad = 1;
	EXPECT_EQ(-EINVAL, diag(&r, &self->d));
	r = req_all();
	r.xdiag_pad = 1;
	EXPECT_EQ(-EINVAL, diag(&r, &self->d));
	r = req_all();
	r.xdiag_type = SOCK_RAW;
	EXPECT_EQ(-EINVAL, diag(&r, &self->d));
	r = req_all();
	r.xdiag_show = 0x80000000U;
	EXPECT_EQ(-EINVAL, diag(&r, &self->d));
	/* only dumps are served */
	r = req_all();
	EXPECT_EQ(-EOPNOTSUPP, diag_raw(&r, sizeof(r), 0, &self->d, 8192));
	/* a longer request is fine: room to grow */
	memcpy(big, &r, sizeof(r));
	self->d.n = 0;
	EXPECT_EQ(0, diag_raw(big, sizeof(big), NLM_F_DUMP, &self->d, 8192));
	EXPECT_EQ(4, self->d.n);
	/*
	 * but not with anything in the tail: a newer tool's field or a
	 * trailing filter attribute (inet_diag's bytecode) the module
	 * does not know must fail, not be ignored and list everything
	 */
	big[sizeof(r) + 20] = 1;
	EXPECT_EQ(-EINVAL, diag_raw(big, sizeof(big), NLM_F_DUMP, &self->d,
				    8192));
	memset(big + sizeof(r), 0, sizeof(big) - sizeof(r));
	{
		struct nlattr bc = { .nla_len = NLA_HDRLEN + 4, .nla_type = 1 };

		memcpy(big + sizeof(r), &bc, sizeof(bc));
		EXPECT_EQ(-EINVAL, diag_raw(big, sizeof(r) + NLA_HDRLEN + 4,
					    NLM_F_DUMP, &self->d, 8192));
	}
	/* and the family still answers */
	EXPECT_EQ(0, diag(&r, &self->d));
	EXPECT_EQ(4, self->d.n);
}

/* xnetctl sockets shows the same: -p pid and fd, -i mss, filters. */
TEST_F(dg, xnetctl_options)
{
	struct xnet_info gi;
	socklen_t gl = sizeof(gi);
	char pat[128];

	ASSERT_EQ(0, getsockopt(self->cli, SOL_XNET, XNET_INFO, &gi, &gl));
	xu_sh("xnetctl sockets -i -p | sed 's/^/#   /'");
	snprintf(pat, sizeof(pat), "pid=%d,fd=%d)", getpid(), self->lst);
	EXPECT_EQ(0, xu_sh("xnetctl sockets -p sport %u | grep -qF '%s'",
			   PORT_LISTEN, pat));
	snprintf(pat, sizeof(pat), "\"pid\":%d,\"fd\":%d}", getpid(),
		 self->dgr);
	EXPECT_EQ(0, xu_sh("xnetctl -j sockets -p sport = :%u | grep -qF '%s'",
			   PORT_DGRAM, pat));
	EXPECT_EQ(0, xu_sh("xnetctl sockets -i dport %u | grep -q ' mss:%u cwnd:%u '",
			   PORT_CONN, gi.xi_mss, gi.xi_snd_cwnd));
	EXPECT_EQ(0, xu_sh("xnetctl -j sockets -i state established | grep -q '\"mss\":%u'",
			   gi.xi_mss));
	/* -l: the two listeners, nothing else (header + 2 lines) */
	EXPECT_EQ(0, xu_sh("test $(xnetctl sockets -l | wc -l) = 3"));
	EXPECT_EQ(0, xu_sh("test $(xnetctl sockets -l -S | grep -c ':%u ') = 1",
			   PORT_SEQ));
	EXPECT_EQ(0, xu_sh("test $(xnetctl sockets state connected | wc -l) = 2"));
	EXPECT_EQ(0, xu_sh("test $(xnetctl sockets -d -t | wc -l) = 4"));
	EXPECT_EQ(0, xu_sh("test $(xnetctl sockets | wc -l) = 5"));
	EXPECT_EQ(2, xu_sh("xnetctl sockets state bogus 2>/dev/null"));
	EXPECT_EQ(2, xu_sh("xnetctl sockets sport 0 2>/dev/null"));
}

/*
 * -p shows names processes give themselves: a name with a quote, an
 * escape sequence and a byte that is not UTF-8 must come out as
 * printable ASCII, in text and in -j (valid JSON), nothing raw.
 */
TEST_F(dg, xnetctl_procs_hostile_name)
{
	static const char name[] = "q\"\x1b[2J\xff\x01z";
	char cmd[160], out[8192], want[64];
	const char *mode[] = { "-j", "" };
	size_t n, i;
	int m, bad;
	FILE *f;

	ASSERT_EQ(0, prctl(PR_SET_NAME, name, 0, 0, 0));
	for (m = 0; m < 2; m++) {
		snprintf(cmd, sizeof(cmd), "xnetctl %s sockets -p sport %u",
			 mode[m], PORT_DGRAM);
		f = popen(cmd, "r");
		ASSERT_NE(NULL, f);
		n = fread(out, 1, sizeof(out) - 1, f);
		EXPECT_EQ(0, pclose(f));
		out[n] = 0;
		printf("# %s", out);
		for (i = 0, bad = 0; i < n; i++)
			bad += (unsigned char)out[i] > 0x7e ||
			       ((unsigned char)out[i] < 0x20 && out[i] != '\n' &&
				out[i] != '\t');
		EXPECT_EQ(0, bad);
		snprintf(want, sizeof(want), m ? "(\"q\"?[2J??z\",pid=%d,"
				: "\"name\":\"q\\\"?[2J??z\",\"pid\":%d,",
			 getpid());
		EXPECT_NE(NULL, strstr(out, want)) {
			printf("# wanted %s\n", want);
		}
	}
}

#include "xnet_harness.h"

// SPDX-License-Identifier: GPL-2.0
/*
 * xnetctl sockets: see usage() in xnetctl.c and xnetctl(8). Lists
 * through NETLINK_SOCK_DIAG (the module's AF_XNET handler, diag.c), with
 * the kernel applying the state, type and port filters; falls back to
 * the generic netlink dump XNET_CMD_SOCK_GET, with a note, when the
 * module has no handler and no option needs one.
 */
#include <dirent.h>
#include <limits.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/sock_diag.h>

#include "xnetctl.h"

static const char *sock_state_name(uint8_t s)
{
	static const char *const names[] = {
		[XNET_STATE_CLOSED]	 = "CLOSED",
		[XNET_STATE_LISTEN]	 = "LISTEN",
		[XNET_STATE_SYN_SENT]	 = "SYN-SENT",
		[XNET_STATE_SYN_RECV]	 = "SYN-RECV",
		[XNET_STATE_ESTABLISHED] = "ESTABLISHED",
		[XNET_STATE_FIN_WAIT1]	 = "FIN-WAIT-1",
		[XNET_STATE_FIN_WAIT2]	 = "FIN-WAIT-2",
		[XNET_STATE_CLOSING]	 = "CLOSING",
		[XNET_STATE_TIME_WAIT]	 = "TIME-WAIT",
		[XNET_STATE_CLOSE_WAIT]	 = "CLOSE-WAIT",
		[XNET_STATE_LAST_ACK]	 = "LAST-ACK",
		[XNET_STATE_BOUND]	 = "BOUND",
		[XNET_STATE_CONNECTED]	 = "CONNECTED",
	};

	if (s < sizeof(names) / sizeof(names[0]) && names[s])
		return names[s];
	return NULL;
}

static const char *timer_name(uint8_t t)
{
	switch (t) {
	case XNET_TIMER_NONE:	   return "none";
	case XNET_TIMER_RETRANS:   return "retrans";
	case XNET_TIMER_DELACK:	   return "delack";
	case XNET_TIMER_PROBE:	   return "probe";
	case XNET_TIMER_KEEPALIVE: return "keepalive";
	case XNET_TIMER_TIME_WAIT: return "time-wait";
	}
	return NULL;
}

static const char *sock_type_name(uint8_t t, char *buf, size_t len)
{
	switch (t) {
	case SOCK_DGRAM:     return "dgram";
	case SOCK_STREAM:    return "stream";
	case SOCK_SEQPACKET: return "seqpacket";
	}
	snprintf(buf, len, "type%u", t);
	return buf;
}

/* What a listing shows and filters, from the command's options. */
struct sock_req {
	unsigned int count;
	bool info, procs;
	uint32_t states;	/* 1 << XNET_STATE_* */
	unsigned int types;	/* 1 << SOCK_*; 0: all */
	uint16_t sport, dport;
	struct proc_ent *procs_list;
	size_t nprocs;
};

/* One open file descriptor of a socket, found in /proc/PID/fd. */
struct proc_ent {
	unsigned long ino;
	int pid, fd;
	char comm[32];
};

static void fmt_endpoint(char *buf, size_t len, bool has_a, uint32_t a,
			 bool has_p, uint16_t p)
{
	char abuf[16];
	const char *as = (has_a && a) ? xnet_fmt_addr(a, abuf) : "*";

	if (has_p && p)
		snprintf(buf, len, "%s:%u", as, p);
	else
		snprintf(buf, len, "%s:*", as);
}

static void print_sock_header(void)
{
	printf("%-9s %-11s %6s %6s %-21s %-21s %-22s %8s %5s\n",
	       "Type", "State", "Recv-Q", "Send-Q", "Local Address:Port",
	       "Peer Address:Port", "Timer", "Inode", "Uid");
}


/* One socket, from either dump, decoded into what we print. */
struct sock_row {
	const char *tname, *sname, *tmname;
	char tbuf[16], sbuf[16], tmbuf[16];
	uint32_t laddr, paddr, rq, wq, uid, tms, rtx;
	uint16_t lport, pport;
	unsigned long long inode;
	bool has_la, has_lp, has_pa, has_pp, has_rq, has_wq, has_inode;
	bool has_uid, has_tms, has_rtx;
	const struct xnet_info *info;	/* NULL: not asked or none */
};

static void row_set_names(struct sock_row *w, bool has_type, uint8_t type,
			  bool has_state, uint8_t state, bool has_timer,
			  uint8_t timer)
{
	if (has_type)
		w->tname = sock_type_name(type, w->tbuf, sizeof(w->tbuf));
	if (has_state) {
		w->sname = sock_state_name(state);
		if (!w->sname) {
			snprintf(w->sbuf, sizeof(w->sbuf), "UNKNOWN(%u)", state);
			w->sname = w->sbuf;
		}
	}
	if (has_timer && timer != XNET_TIMER_NONE) {
		w->tmname = timer_name(timer);
		if (!w->tmname) {
			snprintf(w->tmbuf, sizeof(w->tmbuf), "timer%u", timer);
			w->tmname = w->tmbuf;
		}
	}
}

/* users:(("name",pid=N,fd=N),...) as ss -p prints it; 0 if none. */
static int print_users(const struct sock_req *r, unsigned long long ino)
{
	size_t i;
	int n = 0;

	for (i = 0; i < r->nprocs; i++) {
		const struct proc_ent *p = &r->procs_list[i];

		if (p->ino != ino)
			continue;
		printf("%s(\"%s\",pid=%d,fd=%d)", n ? "," : " users:(",
		       p->comm, p->pid, p->fd);
		n++;
	}
	if (n)
		putchar(')');
	return n;
}

static void json_users(const struct sock_req *r, unsigned long long ino)
{
	size_t i;

	j_key("users");
	j_open('[');
	for (i = 0; i < r->nprocs; i++) {
		const struct proc_ent *p = &r->procs_list[i];

		if (p->ino != ino)
			continue;
		j_open('{');
		j_str("name", p->comm);
		j_uint("pid", p->pid);
		j_uint("fd", p->fd);
		j_close('}');
	}
	j_close(']');
}

static void json_info(const struct xnet_info *i)
{
	j_key("info");
	j_open('{');
	j_uint("rto_us", i->xi_rto_us);
	j_uint("rtt_us", i->xi_srtt_us);
	j_uint("rttvar_us", i->xi_rttvar_us);
	j_uint("mss", i->xi_mss);
	j_uint("cwnd", i->xi_snd_cwnd);
	j_uint("ssthresh", i->xi_snd_ssthresh);
	j_uint("rcv_wnd", i->xi_rcv_wnd);
	j_uint("snd_wnd", i->xi_snd_wnd);
	j_uint("retrans", i->xi_retransmits);
	j_uint("total_retrans", i->xi_total_retrans);
	j_uint("unacked", i->xi_unacked);
	j_uint("bytes_acked", i->xi_bytes_acked);
	j_uint("bytes_received", i->xi_bytes_received);
	j_uint("segs_out", i->xi_segs_out);
	j_uint("segs_in", i->xi_segs_in);
	j_close('}');
}

/* The second line of ss -i: times in milliseconds, as ss prints them. */
static void print_info(const struct xnet_info *i)
{
	printf("\t rto:%g rtt:%g/%g mss:%u cwnd:%u",
	       i->xi_rto_us / 1000.0, i->xi_srtt_us / 1000.0,
	       i->xi_rttvar_us / 1000.0, i->xi_mss, i->xi_snd_cwnd);
	if (i->xi_snd_ssthresh != UINT32_MAX)	/* ss: only once set */
		printf(" ssthresh:%u", i->xi_snd_ssthresh);
	printf(" bytes_acked:%llu bytes_received:%llu segs_out:%llu segs_in:%llu",
	       (unsigned long long)i->xi_bytes_acked,
	       (unsigned long long)i->xi_bytes_received,
	       (unsigned long long)i->xi_segs_out,
	       (unsigned long long)i->xi_segs_in);
	printf(" unacked:%u retrans:%u/%u rcv_wnd:%u snd_wnd:%u\n",
	       i->xi_unacked, i->xi_retransmits, i->xi_total_retrans,
	       i->xi_rcv_wnd, i->xi_snd_wnd);
}

static void print_row(struct sock_req *r, const struct sock_row *w)
{
	char local[32], peer[32], timerbuf[48] = "";

	r->count++;
	if (w->tmname) {
		if (w->has_tms)
			snprintf(timerbuf, sizeof(timerbuf), "%s:%ums",
				 w->tmname, w->tms);
		else
			snprintf(timerbuf, sizeof(timerbuf), "%s", w->tmname);
		if (w->has_rtx && w->rtx)
			snprintf(timerbuf + strlen(timerbuf),
				 sizeof(timerbuf) - strlen(timerbuf),
				 ",rtx:%u", w->rtx);
	}
	if (opt_json) {
		char abuf[16];

		j_open('{');
		if (w->tname)
			j_str("type", w->tname);
		if (w->sname)
			j_str("state", w->sname);
		if (w->has_rq)
			j_uint("recv_q", w->rq);
		if (w->has_wq)
			j_uint("send_q", w->wq);
		if (w->has_la)
			j_str("local_addr", xnet_fmt_addr(w->laddr, abuf));
		if (w->has_lp)
			j_uint("local_port", w->lport);
		if (w->has_pa)
			j_str("peer_addr", xnet_fmt_addr(w->paddr, abuf));
		if (w->has_pp)
			j_uint("peer_port", w->pport);
		if (w->tmname) {
			j_str("timer", w->tmname);
			if (w->has_tms)
				j_uint("timer_ms", w->tms);
		}
		if (w->has_rtx)
			j_uint("retrans", w->rtx);
		if (w->has_inode)
			j_uint("inode", w->inode);
		if (w->has_uid)
			j_uint("uid", w->uid);
		if (w->info)
			json_info(w->info);
		if (r->procs && w->has_inode)
			json_users(r, w->inode);
		j_close('}');
	} else {
		char inobuf[24] = "-", uidbuf[12] = "-", rqb[12] = "-",
		     wqb[12] = "-";

		if (r->count == 1)
			print_sock_header();
		fmt_endpoint(local, sizeof(local), w->has_la, w->laddr,
			     w->has_lp, w->lport);
		fmt_endpoint(peer, sizeof(peer), w->has_pa, w->paddr,
			     w->has_pp, w->pport);
		if (w->has_inode)
			snprintf(inobuf, sizeof(inobuf), "%llu", w->inode);
		if (w->has_uid)
			snprintf(uidbuf, sizeof(uidbuf), "%u", w->uid);
		if (w->has_rq)
			snprintf(rqb, sizeof(rqb), "%u", w->rq);
		if (w->has_wq)
			snprintf(wqb, sizeof(wqb), "%u", w->wq);
		printf("%-9s %-11s %6s %6s %-21s %-21s %-22s %8s %5s",
		       w->tname ? w->tname : "-", w->sname ? w->sname : "-",
		       rqb, wqb, local, peer, *timerbuf ? timerbuf : "-",
		       inobuf, uidbuf);
		if (r->procs && w->has_inode)
			print_users(r, w->inode);
		putchar('\n');
		if (w->info)
			print_info(w->info);
	}
}

/* The generic netlink dump: modules without the sock_diag handler. */
static int parse_sock_msg(struct nlmsghdr *nlh, void *arg)
{
	struct sock_req *r = arg;
	struct nlattr *tb[XNET_ATTR_MAX + 1];
	struct sock_row w = { 0 };
	uint8_t type = 0, state = 0, timer = 0;
	bool has_type, has_state, has_timer;

	if (parse_genl(nlh, tb, XNET_ATTR_MAX) < 0)
		return NL_SKIP;
	has_type = get_u8(tb, XNET_ATTR_SOCK_TYPE, &type);
	has_state = get_u8(tb, XNET_ATTR_SOCK_STATE, &state);
	w.has_la = get_u32(tb, XNET_ATTR_LOCAL_ADDR, &w.laddr);
	w.has_lp = get_u16(tb, XNET_ATTR_LOCAL_PORT, &w.lport);
	w.has_pa = get_u32(tb, XNET_ATTR_PEER_ADDR, &w.paddr);
	w.has_pp = get_u16(tb, XNET_ATTR_PEER_PORT, &w.pport);
	w.has_rq = get_u32(tb, XNET_ATTR_RQUEUE, &w.rq);
	w.has_wq = get_u32(tb, XNET_ATTR_WQUEUE, &w.wq);
	w.has_inode = get_uint(attr_ok(tb[XNET_ATTR_INODE], 4), &w.inode);
	w.has_uid = get_u32(tb, XNET_ATTR_UID, &w.uid);
	has_timer = get_u8(tb, XNET_ATTR_TIMER, &timer);
	w.has_tms = get_u32(tb, XNET_ATTR_TIMER_MS, &w.tms);
	w.has_rtx = get_u32(tb, XNET_ATTR_RETRANS, &w.rtx);
	row_set_names(&w, has_type, type, has_state, state, has_timer, timer);
	print_row(r, &w);
	return NL_OK;
}

/* The NETLINK_SOCK_DIAG dump: one struct xnet_diag_msg and attributes. */
static void parse_diag_msg(struct sock_req *r, const struct nlmsghdr *nlh)
{
	const struct xnet_diag_msg *m = NLMSG_DATA(nlh);
	const struct nlattr *a;
	struct xnet_diag_timer t = { 0 };
	struct xnet_info info;
	struct sock_row w = { 0 };
	bool has_timer = false;
	int len, alen;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return;
	if (r->types && !(r->types & (1U << (m->xdiag_type & 31))))
		return;
	w.has_la = w.has_lp = w.has_pa = w.has_pp = w.has_inode = true;
	w.laddr = m->xdiag_laddr;
	w.paddr = m->xdiag_raddr;
	w.lport = ntohs(m->xdiag_lport);
	w.pport = ntohs(m->xdiag_rport);
	w.inode = m->xdiag_ino;
	len = nlh->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	a = (const struct nlattr *)((const char *)m + NLMSG_ALIGN(sizeof(*m)));
	for (; len >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len),
	     a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		const void *d = (const char *)a + NLA_HDRLEN;

		alen = a->nla_len - NLA_HDRLEN;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case XNET_DIAG_UID:
			if (alen >= 4) {
				memcpy(&w.uid, d, 4);
				w.has_uid = true;
			}
			break;
		case XNET_DIAG_RQLEN:
			if (alen >= 4) {
				memcpy(&w.rq, d, 4);
				w.has_rq = true;
			}
			break;
		case XNET_DIAG_WQLEN:
			if (alen >= 4) {
				memcpy(&w.wq, d, 4);
				w.has_wq = true;
			}
			break;
		case XNET_DIAG_TIMER:
			if (alen >= (int)sizeof(t)) {
				memcpy(&t, d, sizeof(t));
				has_timer = true;
			}
			break;
		case XNET_DIAG_INFO:
			/* an older or newer struct: what both know */
			memset(&info, 0, sizeof(info));
			memcpy(&info, d, alen < (int)sizeof(info) ?
					 (size_t)alen : sizeof(info));
			if (r->info && m->xdiag_type != SOCK_DGRAM)
				w.info = &info;
			break;
		}
	}
	if (has_timer) {
		w.tms = t.xdiag_expires_ms;
		w.has_tms = t.xdiag_timer != XNET_TIMER_NONE;
		w.rtx = t.xdiag_retrans;
		w.has_rtx = true;
	}
	row_set_names(&w, true, m->xdiag_type, true, m->xdiag_state,
		      has_timer, t.xdiag_timer);
	print_row(r, &w);
}

static int proc_ent_cmp(const void *a, const void *b)
{
	const struct proc_ent *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->fd - y->fd;
}

/*
 * Any process names itself (prctl PR_SET_NAME): any bytes but NUL. Keep
 * printable ASCII, '?' for the rest (as ps in the C locale), so -p never
 * writes another user's terminal escapes, nor invalid UTF-8 in -j
 * output (invalid JSON).
 */
static void clean_comm(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/* Every socket:[INODE] open in /proc/PID/fd that we may read, as ss -p. */
static void scan_procs(struct sock_req *r)
{
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *p, *f;
	size_t cap = 0;

	if (!proc)
		return;
	while ((p = readdir(proc))) {
		char path[PATH_MAX], link[64], comm[32] = "";
		unsigned long ino;
		FILE *cf;
		int pid = atoi(p->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		cf = fopen(path, "r");
		if (cf) {
			if (fgets(comm, sizeof(comm), cf))
				comm[strcspn(comm, "\n")] = 0;
			clean_comm(comm);
			fclose(cf);
		}
		while ((f = readdir(fds))) {
			ssize_t n;

			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid,
				 f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = 0;
			if (sscanf(link, "socket:[%lu]", &ino) != 1)
				continue;
			if (r->nprocs == cap) {
				cap = cap ? 2 * cap : 64;
				r->procs_list = realloc(r->procs_list,
						cap * sizeof(*r->procs_list));
				if (!r->procs_list)
					die(EXIT_RUNTIME, "out of memory");
			}
			r->procs_list[r->nprocs].ino = ino;
			r->procs_list[r->nprocs].pid = pid;
			r->procs_list[r->nprocs].fd = atoi(f->d_name);
			snprintf(r->procs_list[r->nprocs].comm,
				 sizeof(r->procs_list[0].comm), "%s", comm);
			r->nprocs++;
		}
		closedir(fds);
	}
	closedir(proc);
	qsort(r->procs_list, r->nprocs, sizeof(*r->procs_list), proc_ent_cmp);
}

/*
 * One SOCK_DIAG_BY_FAMILY dump. 0 when done, -ENOENT when the module
 * has no handler (the caller falls back), or dies on other errors.
 */
static int diag_dump(struct sock_req *r)
{
	struct {
		struct nlmsghdr nlh;
		struct xnet_diag_req req;
	} msg = { 0 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char buf[32768];
	int fd, one = 1;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		die(EXIT_RUNTIME, "NETLINK_SOCK_DIAG socket: %s", strerror(errno));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.nlh.nlmsg_seq = 1;
	msg.req.sdiag_family = AF_XNET;
	msg.req.xdiag_states = r->states;
	msg.req.xdiag_show = XNET_DIAG_SHOW_UID | XNET_DIAG_SHOW_QLEN |
			     XNET_DIAG_SHOW_TIMER |
			     (r->info ? XNET_DIAG_SHOW_INFO : 0);
	/* one type: the kernel filters; several: we do */
	if (r->types && !(r->types & (r->types - 1)))
		msg.req.xdiag_type = __builtin_ctz(r->types);
	msg.req.xdiag_sport = r->sport;
	msg.req.xdiag_dport = r->dport;
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		die(EXIT_RUNTIME, "NETLINK_SOCK_DIAG request: %s",
		    strerror(errno));
	for (;;) {
		struct nlmsghdr *h;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_RUNTIME, "NETLINK_SOCK_DIAG: %s",
			    strerror(errno));
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				int err = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e))
					  ? -e->error : EPROTO;

				close(fd);
				if (err == ENOENT)
					return -ENOENT;
				die(EXIT_RUNTIME, "NETLINK_SOCK_DIAG dump: %s",
				    strerror(err));
			}
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY)
				parse_diag_msg(r, h);
		}
	}
}

static const struct {
	const char *name;
	uint32_t states;
} state_words[] = {
	{ "closed",	 1U << XNET_STATE_CLOSED },
	{ "listening",	 1U << XNET_STATE_LISTEN },
	{ "listen",	 1U << XNET_STATE_LISTEN },
	{ "syn-sent",	 1U << XNET_STATE_SYN_SENT },
	{ "syn-recv",	 1U << XNET_STATE_SYN_RECV },
	{ "established", 1U << XNET_STATE_ESTABLISHED },
	{ "fin-wait-1",	 1U << XNET_STATE_FIN_WAIT1 },
	{ "fin-wait-2",	 1U << XNET_STATE_FIN_WAIT2 },
	{ "closing",	 1U << XNET_STATE_CLOSING },
	{ "time-wait",	 1U << XNET_STATE_TIME_WAIT },
	{ "close-wait",	 1U << XNET_STATE_CLOSE_WAIT },
	{ "last-ack",	 1U << XNET_STATE_LAST_ACK },
	{ "bound",	 1U << XNET_STATE_BOUND },
	/* ss's group: all but listening and closed (the datagram
	 * CONNECTED state is in it)
	 */
	{ "connected",	 ~((1U << XNET_STATE_CLOSED) |
			   (1U << XNET_STATE_LISTEN) |
			   (1U << XNET_STATE_BOUND)) },
	{ "all",	 ~0U },
};

static uint32_t parse_state_or_die(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(state_words) / sizeof(state_words[0]); i++)
		if (!strcasecmp(s, state_words[i].name))
			return state_words[i].states;
	usage_error("unknown state: %s (established, listening, time-wait, ..., bound, connected, all)",
		    s);
}

/* PORT, :PORT, or "= :PORT" (ss's form): a port 1..65535. */
static uint16_t parse_port_or_die(int *i, int argc, char **argv)
{
	const char *s;
	char *end;
	unsigned long v;

	if (*i + 1 < argc && (!strcmp(argv[*i + 1], "=") ||
			      !strcmp(argv[*i + 1], "==") ||
			      !strcmp(argv[*i + 1], "eq")))
		(*i)++;
	if (*i + 1 >= argc)
		usage_error("%s needs a port", argv[*i]);
	s = argv[++(*i)];
	if (*s == ':')
		s++;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v == 0 || v > 65535)
		usage_error("bad port: %s", argv[*i]);
	return v;
}

int cmd_sockets(struct xnl *x, int argc, char **argv)
{
	struct sock_req r = { 0 };
	uint32_t states = 0;
	bool listening = false, filtered;
	char ext[256];
	int i, err;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-i") || !strcmp(a, "--info"))
			r.info = true;
		else if (!strcmp(a, "-p") || !strcmp(a, "--processes"))
			r.procs = true;
		else if (!strcmp(a, "-l") || !strcmp(a, "--listening"))
			listening = true;
		else if (!strcmp(a, "-a") || !strcmp(a, "--all"))
			states |= ~0U;
		else if (!strcmp(a, "-t") || !strcmp(a, "--stream"))
			r.types |= 1U << SOCK_STREAM;
		else if (!strcmp(a, "-d") || !strcmp(a, "--dgram"))
			r.types |= 1U << SOCK_DGRAM;
		else if (!strcmp(a, "-S") || !strcmp(a, "--seqpacket"))
			r.types |= 1U << SOCK_SEQPACKET;
		else if (!strcmp(a, "state") && i + 1 < argc)
			states |= parse_state_or_die(argv[++i]);
		else if (!strcmp(a, "sport"))
			r.sport = parse_port_or_die(&i, argc, argv);
		else if (!strcmp(a, "dport"))
			r.dport = parse_port_or_die(&i, argc, argv);
		else if (!strcmp(a, "state"))
			usage_error("state needs a name");
		else
			usage_error("unexpected argument: %s", a);
	}
	if (listening)
		states |= 1U << XNET_STATE_LISTEN;
	/* xnetctl has always listed every socket: unlike ss, that stays */
	r.states = states ? states : ~0U;
	filtered = r.info || r.procs || r.states != ~0U || r.types ||
		   r.sport || r.dport;
	if (r.procs)
		scan_procs(&r);
	if (opt_json)
		j_open('[');
	if (diag_dump(&r) == -ENOENT) {
		if (filtered)
			die(EXIT_RUNTIME, "the xnet module has no sock_diag handler (too old?): options need it");
		if (!access("/sys/module/xnet", F_OK))
			fprintf(stderr, "%s: note: the xnet module has no sock_diag handler; listing through generic netlink\n",
				prog);
		xnl_open(x);
		err = xnl_run(x, XNET_CMD_SOCK_GET, NLM_F_REQUEST | NLM_F_DUMP,
			      NULL, parse_sock_msg, &r, ext, sizeof(ext));
		if (err)
			die_kernel(err, OP_DUMP, NULL, NULL, ext);
	}
	if (opt_json)
		j_close(']');
	else if (r.count == 0)
		print_sock_header();
	free(r.procs_list);
	return 0;
}

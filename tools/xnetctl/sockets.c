// SPDX-License-Identifier: GPL-2.0
/* xnetctl sockets: see usage() in xnetctl.c. */
#include <net/if.h>

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

struct sock_req {
	unsigned int count;
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

static int parse_sock_msg(struct nlmsghdr *nlh, void *arg)
{
	struct sock_req *r = arg;
	struct nlattr *tb[XNET_ATTR_MAX + 1];
	uint8_t type = 0, state = 0, timer = 0;
	uint16_t lport = 0, pport = 0;
	uint32_t laddr = 0, paddr = 0, rq = 0, wq = 0, uid = 0, tms = 0;
	uint32_t rtx = 0;
	unsigned long long inode = 0;
	bool has_type, has_state, has_la, has_lp, has_pa, has_pp, has_timer;
	bool has_tms, has_inode, has_uid, has_rtx, has_rq, has_wq;
	char tbuf[16], sbuf[16], local[32], peer[32], timerbuf[48] = "";
	char tmbuf[16];
	const char *tname = NULL, *sname = NULL, *tmname = NULL;

	if (parse_genl(nlh, tb, XNET_ATTR_MAX) < 0)
		return NL_SKIP;
	has_type = get_u8(tb, XNET_ATTR_SOCK_TYPE, &type);
	has_state = get_u8(tb, XNET_ATTR_SOCK_STATE, &state);
	has_la = get_u32(tb, XNET_ATTR_LOCAL_ADDR, &laddr);
	has_lp = get_u16(tb, XNET_ATTR_LOCAL_PORT, &lport);
	has_pa = get_u32(tb, XNET_ATTR_PEER_ADDR, &paddr);
	has_pp = get_u16(tb, XNET_ATTR_PEER_PORT, &pport);
	has_rq = get_u32(tb, XNET_ATTR_RQUEUE, &rq);
	has_wq = get_u32(tb, XNET_ATTR_WQUEUE, &wq);
	has_inode = get_uint(attr_ok(tb[XNET_ATTR_INODE], 4), &inode);
	has_uid = get_u32(tb, XNET_ATTR_UID, &uid);
	has_timer = get_u8(tb, XNET_ATTR_TIMER, &timer);
	has_tms = get_u32(tb, XNET_ATTR_TIMER_MS, &tms);
	has_rtx = get_u32(tb, XNET_ATTR_RETRANS, &rtx);

	if (has_type)
		tname = sock_type_name(type, tbuf, sizeof(tbuf));
	if (has_state) {
		sname = sock_state_name(state);
		if (!sname) {
			snprintf(sbuf, sizeof(sbuf), "UNKNOWN(%u)", state);
			sname = sbuf;
		}
	}
	if (has_timer && timer != XNET_TIMER_NONE) {
		tmname = timer_name(timer);
		if (!tmname) {
			snprintf(tmbuf, sizeof(tmbuf), "timer%u", timer);
			tmname = tmbuf;
		}
		if (has_tms)
			snprintf(timerbuf, sizeof(timerbuf), "%s:%ums", tmname,
				 tms);
		else
			snprintf(timerbuf, sizeof(timerbuf), "%s", tmname);
		if (has_rtx && rtx)
			snprintf(timerbuf + strlen(timerbuf),
				 sizeof(timerbuf) - strlen(timerbuf),
				 ",rtx:%u", rtx);
	}
	r->count++;

	if (opt_json) {
		char abuf[16];

		j_open('{');
		if (tname)
			j_str("type", tname);
		if (sname)
			j_str("state", sname);
		if (has_rq)
			j_uint("recv_q", rq);
		if (has_wq)
			j_uint("send_q", wq);
		if (has_la)
			j_str("local_addr", xnet_fmt_addr(laddr, abuf));
		if (has_lp)
			j_uint("local_port", lport);
		if (has_pa)
			j_str("peer_addr", xnet_fmt_addr(paddr, abuf));
		if (has_pp)
			j_uint("peer_port", pport);
		if (tmname) {
			j_str("timer", tmname);
			if (has_tms)
				j_uint("timer_ms", tms);
		}
		if (has_rtx)
			j_uint("retrans", rtx);
		if (has_inode)
			j_uint("inode", inode);
		if (has_uid)
			j_uint("uid", uid);
		j_close('}');
	} else {
		char inobuf[24] = "-", uidbuf[12] = "-", rqb[12] = "-",
		     wqb[12] = "-";

		if (r->count == 1)
			print_sock_header();
		fmt_endpoint(local, sizeof(local), has_la, laddr, has_lp, lport);
		fmt_endpoint(peer, sizeof(peer), has_pa, paddr, has_pp, pport);
		if (has_inode)
			snprintf(inobuf, sizeof(inobuf), "%llu", inode);
		if (has_uid)
			snprintf(uidbuf, sizeof(uidbuf), "%u", uid);
		if (has_rq)
			snprintf(rqb, sizeof(rqb), "%u", rq);
		if (has_wq)
			snprintf(wqb, sizeof(wqb), "%u", wq);
		printf("%-9s %-11s %6s %6s %-21s %-21s %-22s %8s %5s\n",
		       tname ? tname : "-", sname ? sname : "-", rqb, wqb,
		       local, peer, *timerbuf ? timerbuf : "-", inobuf, uidbuf);
	}
	return NL_OK;
}

int cmd_sockets(struct xnl *x, int argc, char **argv)
{
	struct sock_req r = { 0 };
	char ext[256];
	int err;

	if (argc > 0)
		usage_error("unexpected argument: %s", argv[0]);
	xnl_open(x);
	if (opt_json)
		j_open('[');
	err = xnl_run(x, XNET_CMD_SOCK_GET, NLM_F_REQUEST | NLM_F_DUMP, NULL,
		      parse_sock_msg, &r, ext, sizeof(ext));
	if (err)
		die_kernel(err, OP_DUMP, NULL, NULL, ext);
	if (opt_json)
		j_close(']');
	else if (r.count == 0)
		print_sock_header();
	return 0;
}

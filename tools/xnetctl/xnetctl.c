// SPDX-License-Identifier: GPL-2.0
/*
 * xnetctl: configure and inspect the xnet (AF_XNET) protocol through its
 * generic netlink family "xnet".
 *
 *   xnetctl [-j] [-p] addr add|del A.B.C.D[/LEN] dev IFNAME
 *   xnetctl [-j] [-p] route add|del PREFIX/LEN|default via A.B.C.D
 *                              [dev IFNAME] [metric N]
 *   xnetctl [-j] [-p] route [show]
 *   xnetctl [-j] [-p] route get A.B.C.D [from A.B.C.D] [oif IFNAME]
 *   xnetctl -b FILE   one command a line (- for stdin), as ip -batch
 *   xnetctl [-j] [-p] addr [show [dev IFNAME]]
 *   xnetctl [-j] [-p] neigh [show [dev IFNAME]]
 *   xnetctl [-j] [-p] neigh flush [dev IFNAME] [[to] A.B.C.D]
 *   xnetctl [-j] [-p] stats
 *   xnetctl [-j] [-p] sockets
 *   xnetctl key add ID KEY|@FILE [peer A.B.C.D] [dev IFNAME]
 *                      [alg aes-gcm|chacha20poly1305]
 *   xnetctl key del ID
 *   xnetctl [-j] [-p] key [show]
 *
 * Exit status: 0 success, 1 runtime error (kernel refused, module not
 * loaded, no such device...), 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/netlink.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

#include <linux/xnet.h>

#include "xnet_tools.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define EXIT_RUNTIME	1
#define EXIT_USAGE	2

#define REPLY_TIMEOUT_MS 5000

static const char *prog = "xnetctl";
static bool opt_json;
static bool opt_pretty;

/* ------------------------------------------------------------------ */
/* error reporting                                                    */

#define die(code, ...) xnet_die(prog, code, __VA_ARGS__)

#define usage_error(...) die(EXIT_USAGE, __VA_ARGS__)

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [OPTIONS] OBJECT COMMAND\n"
"\n"
"Configure and inspect xnet (AF_XNET, EtherType 0x88B5).\n"
"\n"
"Objects and commands:\n"
"  addr add A.B.C.D[/LEN] dev IFNAME\n"
"                                  configure an xnet address on IFNAME\n"
"                                  (no /LEN: a bare address, docs/PROTOCOL.md)\n"
"  addr del A.B.C.D dev IFNAME     remove it\n"
"  addr [show] [dev IFNAME]        list configured addresses\n"
"  neigh [show] [dev IFNAME]       list the neighbour (resolution) table\n"
"  neigh flush [dev IFNAME] [[to] A.B.C.D]\n"
"                                  flush neighbour entries\n"
"  route add|del PREFIX/LEN|default via A.B.C.D [dev IFNAME] [metric N]\n"
"  route [show]                    list the route table\n"
"  route get A.B.C.D [from A.B.C.D] [oif IFNAME]\n"
"                                  the route a destination takes\n"
"  stats                           protocol counters\n"
"  sockets                         list xnet sockets (like ss)\n"
"  key add ID KEY|@FILE [peer A.B.C.D] [dev IFNAME] [alg aes-gcm|chacha20poly1305]\n"
"                                  add a secure-channel key: ID a number,\n"
"                                  KEY 64 hex digits (32 bytes) or @FILE\n"
"                                  holding them; no peer: the default key\n"
"  key del ID                      delete (and wipe) a key\n"
"  key [show]                      list keys: id peer dev alg state use\n"
"                                  fingerprint (never the key itself)\n"
"\n"
"Options:\n"
"  -j, --json      JSON output\n"
"  -p, --pretty    indent JSON output\n"
"  -b, --batch F   run the commands of file F (- for stdin), one a line\n"
"  -V, --version   print version and exit\n"
"  -h, --help      print this help and exit\n"
"\n"
"Exit status: 0 success, 1 runtime error, 2 usage error.\n",
		prog);
}

/* ------------------------------------------------------------------ */
/* minimal JSON writer                                                */

static int j_depth;
static bool j_first[64];
static bool j_afterkey;

static void j_indent(int n)
{
	while (n-- > 0)
		fputs("    ", stdout);
}

static void j_pre(void)
{
	if (j_afterkey) {
		j_afterkey = false;
		return;
	}
	if (j_depth > 0) {
		if (!j_first[j_depth])
			putchar(',');
		j_first[j_depth] = false;
		if (opt_pretty) {
			putchar('\n');
			j_indent(j_depth);
		}
	}
}

static void j_open(char c)
{
	j_pre();
	putchar(c);
	j_depth++;
	j_first[j_depth] = true;
}

static void j_close(char c)
{
	bool empty = j_first[j_depth];

	j_depth--;
	if (opt_pretty && !empty) {
		putchar('\n');
		j_indent(j_depth);
	}
	putchar(c);
	if (j_depth == 0)
		putchar('\n');
}

static void j_raw_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':  fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			if (c < 0x20)
				printf("\\u%04x", c);
			else
				putchar(c);
		}
	}
	putchar('"');
}

static void j_key(const char *k)
{
	j_pre();
	j_raw_string(k);
	putchar(':');
	if (opt_pretty)
		putchar(' ');
	j_afterkey = true;
}

static void j_str(const char *k, const char *v)
{
	j_key(k);
	j_pre();
	j_raw_string(v);
}

static void j_uint(const char *k, unsigned long long v)
{
	j_key(k);
	j_pre();
	printf("%llu", v);
}

static void j_null(const char *k)
{
	j_key(k);
	j_pre();
	fputs("null", stdout);
}

/* ------------------------------------------------------------------ */
/* netlink plumbing                                                   */

struct xnl {
	struct nl_sock *sk;
	int family;
};

struct req_ctx {
	bool done;
	int err;		/* positive errno from the kernel, 0 if none */
	char extack[256];	/* kernel's extended ack message, if any */
	int (*parse)(struct nlmsghdr *nlh, void *arg);
	void *arg;
};

static void xnl_open(struct xnl *x)
{
	int one = 1;

	if (x->sk)
		return;		/* batch mode: one socket for every command */
	x->sk = nl_socket_alloc();
	if (!x->sk)
		die(EXIT_RUNTIME, "out of memory");
	if (genl_connect(x->sk) < 0)
		die(EXIT_RUNTIME, "cannot open generic netlink socket: %s",
		    strerror(errno));
	/* Ask for the kernel's error strings; ignore old kernels. */
	(void)setsockopt(nl_socket_get_fd(x->sk), SOL_NETLINK, NETLINK_EXT_ACK,
			 &one, sizeof(one));
	/* Never block forever on a reply (see also the poll in xnl_run). */
	{
		struct timeval tv = { .tv_sec = REPLY_TIMEOUT_MS / 1000 };

		(void)setsockopt(nl_socket_get_fd(x->sk), SOL_SOCKET,
				 SO_RCVTIMEO, &tv, sizeof(tv));
	}

	x->family = genl_ctrl_resolve(x->sk, XNET_GENL_NAME);
	if (x->family < 0) {
		if (x->family == -NLE_OBJ_NOTFOUND)
			die(EXIT_RUNTIME,
			    "xnet module not loaded (generic netlink family '"
			    XNET_GENL_NAME "' not found)");
		die(EXIT_RUNTIME,
		    "cannot resolve generic netlink family '" XNET_GENL_NAME
		    "': %s", nl_geterror(x->family));
	}
}

static void xnl_close(struct xnl *x)
{
	nl_socket_free(x->sk);
	x->sk = NULL;
}

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct req_ctx *c = arg;

	if (c->parse)
		return c->parse(nlmsg_hdr(msg), c->arg);
	return NL_OK;
}

static int cb_finish(struct nl_msg *msg, void *arg)
{
	struct req_ctx *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	/* A dump that failed half way reports the error in NLMSG_DONE. */
	if (nlmsg_datalen(nlh) >= (int)sizeof(int)) {
		int e = *(int *)nlmsg_data(nlh);

		if (e < 0 && !c->err)
			c->err = -e;
	}
	c->done = true;
	return NL_STOP;
}

static int cb_ack(struct nl_msg *msg, void *arg)
{
	struct req_ctx *c = arg;

	(void)msg;
	c->done = true;
	return NL_STOP;
}

static int cb_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct req_ctx *c = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	unsigned int off;

	(void)nla;
	c->err = e->error < 0 ? -e->error : e->error;
	if (!c->err)
		c->err = EPROTO;
	c->done = true;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	off = NLMSG_HDRLEN + sizeof(int);
	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		off += NLMSG_HDRLEN;
	else
		off += NLMSG_ALIGN(e->msg.nlmsg_len);
	if (off < nlh->nlmsg_len) {
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
		struct nlattr *head = (struct nlattr *)((char *)nlh + off);

		if (nla_parse(tb, NLMSGERR_ATTR_MAX, head,
			      (int)(nlh->nlmsg_len - off), NULL) == 0 &&
		    tb[NLMSGERR_ATTR_MSG]) {
			int len = nla_len(tb[NLMSGERR_ATTR_MSG]);

			if (len > (int)sizeof(c->extack) - 1)
				len = sizeof(c->extack) - 1;
			if (len > 0) {
				memcpy(c->extack, nla_data(tb[NLMSGERR_ATTR_MSG]),
				       (size_t)len);
				c->extack[len] = '\0';
			}
		}
	}
	return NL_STOP;
}

/*
 * Send one request and process replies until ACK, NLMSG_DONE or error.
 * Returns 0 or a positive errno from the kernel; dies on local failures.
 */
static int xnl_run(struct xnl *x, uint8_t cmd, int flags,
		   int (*fill)(struct nl_msg *, void *),
		   int (*parse)(struct nlmsghdr *, void *), void *arg,
		   char *extack, size_t extack_len)
{
	struct req_ctx c = { .parse = parse, .arg = arg };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int ret;

	msg = nlmsg_alloc();
	if (!msg)
		die(EXIT_RUNTIME, "out of memory");
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, x->family, 0, flags,
			 cmd, XNET_GENL_VERSION))
		die(EXIT_RUNTIME, "cannot build netlink message");
	if (fill && fill(msg, arg) < 0)
		die(EXIT_RUNTIME, "cannot build netlink message");

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		die(EXIT_RUNTIME, "out of memory");
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, &c);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, &c);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, &c);
	nl_cb_err(cb, NL_CB_CUSTOM, cb_err, &c);

	ret = nl_send_auto(x->sk, msg);
	/* a request may hold a key: leave no copy of it behind */
	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	if (ret < 0)
		die(EXIT_RUNTIME, "cannot send netlink request: %s",
		    nl_geterror(ret));

	while (!c.done) {
		struct pollfd pfd = { .fd = nl_socket_get_fd(x->sk),
				      .events = POLLIN };

		ret = poll(&pfd, 1, REPLY_TIMEOUT_MS);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_RUNTIME, "poll: %s", strerror(errno));
		}
		if (ret == 0)
			die(EXIT_RUNTIME,
			    "timed out waiting for a reply from the xnet module");
		ret = nl_recvmsgs(x->sk, cb);
		if (c.done || c.err)
			break;
		if (ret < 0)
			die(EXIT_RUNTIME, "netlink receive failed: %s",
			    nl_geterror(ret));
	}
	nl_cb_put(cb);

	if (extack && extack_len) {
		snprintf(extack, extack_len, "%s", c.extack);
	}
	return c.err;
}

/*
 * Turn a kernel errno into one line of text.  @what names the object of
 * the request for ENODEV/EEXIST-like errors.
 */
enum op { OP_ADDR_ADD, OP_ADDR_DEL, OP_DUMP, OP_NEIGH_FLUSH, OP_STATS,
	  OP_ROUTE, OP_KEY };

static void __attribute__((noreturn))
die_kernel(int err, enum op op, const char *ifname, const char *addr,
	   const char *extack)
{
	char buf[256];
	const char *txt;

	switch (err) {
	case EPERM:
	case EACCES:
		txt = "permission denied: changing xnet's configuration needs CAP_NET_ADMIN in the user namespace owning this network namespace";
		break;
	case EEXIST:
		if (op == OP_ADDR_ADD) {
			snprintf(buf, sizeof(buf),
				 "address already configured: %s", addr);
			txt = buf;
		} else if (op == OP_ROUTE) {
			snprintf(buf, sizeof(buf), "route exists: %s", addr);
			txt = buf;
		} else if (op == OP_KEY) {
			snprintf(buf, sizeof(buf), "key exists: %s", addr);
			txt = buf;
		} else {
			txt = "object already exists";
		}
		break;
	case EADDRNOTAVAIL:
		if (op == OP_ADDR_DEL) {
			snprintf(buf, sizeof(buf),
				 "no such address: %s on %s", addr, ifname);
			txt = buf;
		} else if (op == OP_ADDR_ADD) {
			snprintf(buf, sizeof(buf),
				 "address not usable: %s", addr);
			txt = buf;
		} else if (op == OP_NEIGH_FLUSH && addr) {
			snprintf(buf, sizeof(buf),
				 "no such neighbour: %s", addr);
			txt = buf;
		} else {
			txt = "address not available";
		}
		break;
	case ENOENT:
	case ESRCH:
		if (op == OP_ADDR_DEL) {
			snprintf(buf, sizeof(buf),
				 "no such address: %s on %s", addr, ifname);
			txt = buf;
		} else if (op == OP_NEIGH_FLUSH) {
			txt = "no such neighbour entry";
		} else if (op == OP_ROUTE) {
			snprintf(buf, sizeof(buf), "no such route: %s", addr);
			txt = buf;
		} else if (op == OP_KEY) {
			snprintf(buf, sizeof(buf), "no such key: %s", addr);
			txt = buf;
		} else {
			txt = "no such object";
		}
		break;
	case ENODEV:
	case ENXIO:
		if (ifname) {
			snprintf(buf, sizeof(buf), "no such device: %s",
				 ifname);
			txt = buf;
		} else {
			txt = "no such device";
		}
		break;
	case EINVAL:
		if (op == OP_ADDR_ADD || op == OP_ADDR_DEL) {
			snprintf(buf, sizeof(buf),
				 "invalid argument (kernel rejected %s dev %s)",
				 addr, ifname);
			txt = buf;
		} else {
			txt = "invalid argument (kernel rejected the request)";
		}
		break;
	case EOPNOTSUPP:
		txt = "operation not supported by the xnet module";
		break;
	case ENOSPC:
	case ENOBUFS:
		txt = op == OP_ADDR_ADD ? "address table full" :
		      op == OP_ROUTE ? "route table full" :
		      op == OP_KEY ? "key table full" :
		      "no buffer space";
		break;
	case ENOMEM:
		txt = "kernel out of memory";
		break;
	case ENETDOWN:
		snprintf(buf, sizeof(buf), "device is down: %s",
			 ifname ? ifname : "?");
		txt = buf;
		break;
	case EAFNOSUPPORT:
	case EPROTONOSUPPORT:
		txt = "device type not supported by xnet (need Ethernet)";
		break;
	case EBUSY:
		txt = "resource busy";
		break;
	case ENETUNREACH:
		txt = op == OP_ROUTE ? "network unreachable" : strerror(err);
		break;
	default:
		snprintf(buf, sizeof(buf), "kernel error: %s", strerror(err));
		txt = buf;
	}
	if (extack && *extack)
		die(EXIT_RUNTIME, "%s: %s", txt, extack);
	die(EXIT_RUNTIME, "%s", txt);
}

/* ------------------------------------------------------------------ */
/* attribute helpers (tolerant: wrong-sized attributes count as absent) */

static struct nlattr *attr_ok(struct nlattr *a, int minlen)
{
	return (a && nla_len(a) >= minlen) ? a : NULL;
}

static bool get_u8(struct nlattr **tb, int t, uint8_t *v)
{
	struct nlattr *a = attr_ok(tb[t], 1);

	if (a)
		*v = *(uint8_t *)nla_data(a);
	return a;
}

static bool get_u16(struct nlattr **tb, int t, uint16_t *v)
{
	struct nlattr *a = attr_ok(tb[t], 2);

	if (a)
		memcpy(v, nla_data(a), 2);
	return a;
}

static bool get_u32(struct nlattr **tb, int t, uint32_t *v)
{
	struct nlattr *a = attr_ok(tb[t], 4);

	if (a)
		memcpy(v, nla_data(a), 4);
	return a;
}

/* u64, but accept a u32 as well */
static bool get_uint(struct nlattr *a, unsigned long long *v)
{
	if (!a)
		return false;
	if (nla_len(a) >= 8) {
		uint64_t x;

		memcpy(&x, nla_data(a), 8);
		*v = x;
		return true;
	}
	if (nla_len(a) >= 4) {
		uint32_t x;

		memcpy(&x, nla_data(a), 4);
		*v = x;
		return true;
	}
	return false;
}

static bool get_str(struct nlattr *a, char *buf, size_t len)
{
	size_t n;

	if (!a || nla_len(a) <= 0)
		return false;
	n = (size_t)nla_len(a);
	if (n > len - 1)
		n = len - 1;
	memcpy(buf, nla_data(a), n);
	buf[n] = '\0';
	n = strnlen(buf, n);
	buf[n] = '\0';
	return true;
}

static int parse_genl(struct nlmsghdr *nlh, struct nlattr **tb, int max)
{
	return genlmsg_parse(nlh, 0, tb, max, NULL);
}

/* ------------------------------------------------------------------ */
/* argument helpers                                                   */

static bool matches(const char *arg, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(arg, *names))
			return true;
	return false;
}

static const char *const W_ADDR[] = { "addr", "address", "a", NULL };
static const char *const W_NEIGH[] = { "neigh", "neighbor", "neighbour",
				       "n", NULL };
static const char *const W_STATS[] = { "stats", "statistics", NULL };
static const char *const W_SOCKETS[] = { "sockets", "socket", "sock", "ss",
					 NULL };
static const char *const W_SHOW[] = { "show", "list", "ls", "lst", NULL };
static const char *const W_ADD[] = { "add", NULL };
static const char *const W_DEL[] = { "del", "delete", NULL };
static const char *const W_FLUSH[] = { "flush", NULL };

static uint32_t parse_addr_or_die(const char *s)
{
	uint32_t a;

	if (xnet_parse_addr(s, &a) < 0)
		usage_error("bad address: %s", s);
	return a;
}

static unsigned int ifindex_or_die(const char *name)
{
	unsigned int idx;

	if (strlen(name) >= IF_NAMESIZE)
		die(EXIT_RUNTIME, "no such device: %s", name);
	idx = if_nametoindex(name);
	if (!idx)
		die(EXIT_RUNTIME, "no such device: %s", name);
	return idx;
}

static const char *ifname_of(unsigned int idx, char *buf)
{
	if (!if_indextoname(idx, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", idx);
	return buf;
}

/* ------------------------------------------------------------------ */
/* addr                                                               */

/* The device and address a request names; each part is optional. */
struct ifaddr_sel {
	uint32_t ifindex;
	uint32_t addr;
	bool has_ifindex, has_addr;
	int prefixlen;		/* -1: none given */
};

/* Request filler: @arg points at a struct ifaddr_sel. */
static int fill_ifindex_addr(struct nl_msg *msg, void *arg)
{
	struct ifaddr_sel *r = arg;

	if (r->has_ifindex && nla_put_u32(msg, XNET_ATTR_IFINDEX, r->ifindex))
		return -1;
	if (r->has_addr && nla_put_u32(msg, XNET_ATTR_ADDR, r->addr))
		return -1;
	if (r->prefixlen > 0 &&
	    nla_put_u8(msg, XNET_ATTR_PREFIXLEN, (uint8_t)r->prefixlen))
		return -1;
	return 0;
}

/* "A.B.C.D" or "A.B.C.D/LEN"; *len -1 when no /LEN is given. */
static uint32_t parse_prefix_or_die(const char *s, int *len)
{
	char buf[32], *slash, *end;
	long l;

	if (strlen(s) >= sizeof(buf))
		usage_error("bad address: %s", s);
	strcpy(buf, s);
	*len = -1;
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		l = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || l < 0 || l > 32)
			usage_error("bad prefix length: %s", s);
		*len = (int)l;
	}
	return parse_addr_or_die(buf);
}

struct addr_req {
	struct ifaddr_sel sel;
	unsigned int filter_ifindex;	/* 0: all */
	unsigned int count;
};

static int parse_addr_msg(struct nlmsghdr *nlh, void *arg)
{
	struct addr_req *r = arg;
	struct nlattr *tb[XNET_ATTR_MAX + 1];
	char ifname[IF_NAMESIZE + 1] = "", abuf[24];
	uint32_t ifindex = 0, addr;
	uint8_t plen = 0;

	if (parse_genl(nlh, tb, XNET_ATTR_MAX) < 0)
		return NL_SKIP;
	if (!get_u32(tb, XNET_ATTR_ADDR, &addr))
		return NL_SKIP;
	get_u8(tb, XNET_ATTR_PREFIXLEN, &plen);
	get_u32(tb, XNET_ATTR_IFINDEX, &ifindex);
	if (r->filter_ifindex && ifindex != r->filter_ifindex)
		return NL_OK;
	if (!get_str(tb[XNET_ATTR_IFNAME], ifname, sizeof(ifname)) || !*ifname) {
		if (ifindex)
			ifname_of(ifindex, ifname);
		else
			strcpy(ifname, "?");
	}
	xnet_fmt_addr(addr, abuf);
	r->count++;

	if (opt_json) {
		j_open('{');
		j_uint("ifindex", ifindex);
		j_str("ifname", ifname);
		j_str("family", "xnet");
		j_str("local", abuf);
		j_uint("prefixlen", plen);
		j_close('}');
	} else {
		if (plen)
			snprintf(abuf + strlen(abuf), sizeof(abuf) - strlen(abuf),
				 "/%u", plen);
		printf("%u: %s xnet %s\n", ifindex, ifname, abuf);
	}
	return NL_OK;
}

static int cmd_addr(struct xnl *x, int argc, char **argv)
{
	struct addr_req r = { .sel.prefixlen = -1 };
	const char *sub = argc > 0 ? argv[0] : "show";
	const char *addr_s = NULL, *dev = NULL;
	int i, err;
	char ext[256];

	if (matches(sub, W_ADD) || matches(sub, W_DEL)) {
		bool add = matches(sub, W_ADD);

		for (i = 1; i < argc; i++) {
			if (!strcmp(argv[i], "dev")) {
				if (++i >= argc)
					usage_error("'dev' needs an interface name");
				if (dev)
					usage_error("'dev' given twice");
				dev = argv[i];
			} else if (!strcmp(argv[i], "local") && i + 1 < argc &&
				   !addr_s) {
				addr_s = argv[++i];
			} else if (!addr_s) {
				addr_s = argv[i];
			} else {
				usage_error("unexpected argument: %s", argv[i]);
			}
		}
		if (!addr_s)
			usage_error("addr %s: missing address", sub);
		r.sel.addr = parse_prefix_or_die(addr_s, &r.sel.prefixlen);
		if (!dev)
			usage_error("addr %s: missing 'dev IFNAME'", sub);
		r.sel.ifindex = ifindex_or_die(dev);
		r.sel.has_addr = r.sel.has_ifindex = true;

		xnl_open(x);
		err = xnl_run(x, add ? XNET_CMD_ADDR_ADD : XNET_CMD_ADDR_DEL,
			      NLM_F_REQUEST | NLM_F_ACK, fill_ifindex_addr,
			      NULL, &r.sel, ext, sizeof(ext));
		if (err)
			die_kernel(err, add ? OP_ADDR_ADD : OP_ADDR_DEL, dev,
				   addr_s, ext);
		return 0;
	}

	if (!matches(sub, W_SHOW) && strcmp(sub, "dev"))
		usage_error("unknown addr command: %s", sub);
	i = matches(sub, W_SHOW) ? 1 : 0;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "dev")) {
			if (++i >= argc)
				usage_error("'dev' needs an interface name");
			dev = argv[i];
		} else {
			usage_error("unexpected argument: %s", argv[i]);
		}
	}
	if (dev)
		r.filter_ifindex = ifindex_or_die(dev);

	xnl_open(x);
	if (opt_json)
		j_open('[');
	err = xnl_run(x, XNET_CMD_ADDR_GET, NLM_F_REQUEST | NLM_F_DUMP,
		      NULL, parse_addr_msg, &r, ext, sizeof(ext));
	if (err)
		die_kernel(err, OP_DUMP, dev, NULL, ext);
	if (opt_json)
		j_close(']');
	return 0;
}

/* ------------------------------------------------------------------ */
/* neigh                                                              */

static const char *neigh_state_name(uint8_t s)
{
	switch (s) {
	case XNET_NEIGH_INCOMPLETE: return "INCOMPLETE";
	case XNET_NEIGH_REACHABLE:  return "REACHABLE";
	case XNET_NEIGH_STALE:      return "STALE";
	case XNET_NEIGH_FAILED:     return "FAILED";
	}
	return NULL;
}

struct neigh_req {
	struct ifaddr_sel sel;
	unsigned int filter_ifindex;
};

static int parse_neigh_msg(struct nlmsghdr *nlh, void *arg)
{
	struct neigh_req *r = arg;
	struct nlattr *tb[XNET_ATTR_MAX + 1];
	char ifname[IF_NAMESIZE + 1] = "", abuf[16], lladdr[18] = "";
	char statebuf[16];
	const char *state = NULL;
	uint32_t ifindex = 0, addr, age = 0, qlen = 0;
	uint8_t st = 0;
	bool has_age, has_qlen, has_state;

	if (parse_genl(nlh, tb, XNET_ATTR_MAX) < 0)
		return NL_SKIP;
	if (!get_u32(tb, XNET_ATTR_ADDR, &addr))
		return NL_SKIP;
	get_u32(tb, XNET_ATTR_IFINDEX, &ifindex);
	if (r->filter_ifindex && ifindex != r->filter_ifindex)
		return NL_OK;
	if (!get_str(tb[XNET_ATTR_IFNAME], ifname, sizeof(ifname)) || !*ifname) {
		if (ifindex)
			ifname_of(ifindex, ifname);
		else
			strcpy(ifname, "?");
	}
	if (attr_ok(tb[XNET_ATTR_LLADDR], 6)) {
		const uint8_t *m = nla_data(tb[XNET_ATTR_LLADDR]);

		snprintf(lladdr, sizeof(lladdr),
			 "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	has_state = get_u8(tb, XNET_ATTR_NEIGH_STATE, &st);
	if (has_state) {
		state = neigh_state_name(st);
		if (!state) {
			snprintf(statebuf, sizeof(statebuf), "UNKNOWN(%u)", st);
			state = statebuf;
		}
	}
	has_age = get_u32(tb, XNET_ATTR_AGE_MS, &age);
	has_qlen = get_u32(tb, XNET_ATTR_NEIGH_QLEN, &qlen);
	xnet_fmt_addr(addr, abuf);

	if (opt_json) {
		j_open('{');
		j_str("dst", abuf);
		j_uint("ifindex", ifindex);
		j_str("dev", ifname);
		if (*lladdr)
			j_str("lladdr", lladdr);
		else
			j_null("lladdr");
		if (state)
			j_str("state", state);
		if (has_age)
			j_uint("age_ms", age);
		if (has_qlen)
			j_uint("qlen", qlen);
		j_close('}');
	} else {
		printf("%s dev %s", abuf, ifname);
		if (*lladdr)
			printf(" lladdr %s", lladdr);
		if (state)
			printf(" %s", state);
		if (has_age)
			printf(" age %ums", age);
		if (has_qlen)
			printf(" qlen %u", qlen);
		putchar('\n');
	}
	return NL_OK;
}

static int cmd_neigh(struct xnl *x, int argc, char **argv)
{
	struct neigh_req r = { 0 };
	const char *sub = argc > 0 ? argv[0] : "show";
	const char *dev = NULL, *addr_s = NULL;
	bool flush;
	char ext[256];
	int i, err;

	flush = matches(sub, W_FLUSH);
	if (!flush && !matches(sub, W_SHOW) && strcmp(sub, "dev"))
		usage_error("unknown neigh command: %s", sub);
	i = (flush || matches(sub, W_SHOW)) ? 1 : 0;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "dev")) {
			if (++i >= argc)
				usage_error("'dev' needs an interface name");
			dev = argv[i];
		} else if (flush && !strcmp(argv[i], "to") && !addr_s) {
			if (++i >= argc)
				usage_error("'to' needs an address");
			addr_s = argv[i];
		} else if (flush && !addr_s) {
			addr_s = argv[i];
		} else {
			usage_error("unexpected argument: %s", argv[i]);
		}
	}
	if (addr_s) {
		r.sel.addr = parse_addr_or_die(addr_s);
		r.sel.has_addr = true;
	}
	if (dev) {
		r.sel.ifindex = r.filter_ifindex = ifindex_or_die(dev);
		r.sel.has_ifindex = true;
	}

	xnl_open(x);
	if (flush) {
		err = xnl_run(x, XNET_CMD_NEIGH_FLUSH, NLM_F_REQUEST | NLM_F_ACK,
			      fill_ifindex_addr, NULL, &r.sel, ext, sizeof(ext));
		if (err)
			die_kernel(err, OP_NEIGH_FLUSH, dev, addr_s, ext);
		return 0;
	}
	if (opt_json)
		j_open('[');
	err = xnl_run(x, XNET_CMD_NEIGH_GET, NLM_F_REQUEST | NLM_F_DUMP,
		      NULL, parse_neigh_msg, &r, ext, sizeof(ext));
	if (err)
		die_kernel(err, OP_DUMP, dev, NULL, ext);
	if (opt_json)
		j_close(']');
	return 0;
}

/* ------------------------------------------------------------------ */
/* stats                                                              */

struct stat_ent {
	char name[64];
	unsigned long long value;
};

struct stats_req {
	struct stat_ent *v;
	size_t n, cap;
};

static int parse_stats_msg(struct nlmsghdr *nlh, void *arg)
{
	struct stats_req *r = arg;
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		struct nlattr *tb[XNET_STAT_ATTR_MAX + 1];
		struct stat_ent e;

		if (nla_type(a) != XNET_ATTR_STAT)
			continue;
		if (nla_parse_nested(tb, XNET_STAT_ATTR_MAX, a, NULL) < 0)
			continue;
		if (!get_str(tb[XNET_STAT_ATTR_NAME], e.name, sizeof(e.name)) ||
		    !*e.name)
			continue;
		if (!get_uint(tb[XNET_STAT_ATTR_VALUE], &e.value))
			continue;
		if (r->n == r->cap) {
			size_t nc = r->cap ? r->cap * 2 : 64;
			struct stat_ent *nv = realloc(r->v, nc * sizeof(*nv));

			if (!nv)
				die(EXIT_RUNTIME, "out of memory");
			r->v = nv;
			r->cap = nc;
		}
		r->v[r->n++] = e;
	}
	return NL_OK;
}

static int cmd_stats(struct xnl *x, int argc, char **argv)
{
	struct stats_req r = { 0 };
	char ext[256];
	size_t i;
	int err;

	if (argc > 0)
		usage_error("unexpected argument: %s", argv[0]);
	xnl_open(x);
	/* The kernel may implement STATS_GET as a doit or as a dump. */
	err = xnl_run(x, XNET_CMD_STATS_GET, NLM_F_REQUEST | NLM_F_ACK, NULL,
		      parse_stats_msg, &r, ext, sizeof(ext));
	if (err == EOPNOTSUPP) {
		r.n = 0;
		err = xnl_run(x, XNET_CMD_STATS_GET,
			      NLM_F_REQUEST | NLM_F_DUMP, NULL,
			      parse_stats_msg, &r, ext, sizeof(ext));
	}
	if (err)
		die_kernel(err, OP_STATS, NULL, NULL, ext);

	if (opt_json) {
		j_open('{');
		for (i = 0; i < r.n; i++)
			j_uint(r.v[i].name, r.v[i].value);
		j_close('}');
	} else {
		for (i = 0; i < r.n; i++)
			printf("%s %llu\n", r.v[i].name, r.v[i].value);
	}
	free(r.v);
	return 0;
}

/* ------------------------------------------------------------------ */
/* sockets                                                            */

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

static int cmd_sockets(struct xnl *x, int argc, char **argv)
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


/* ------------------------------------------------------------------ */
/* route                                                              */

static const char *const W_ROUTE[] = { "route", "r", "ro", NULL };
static const char *const W_GET[] = { "get", NULL };

struct route_req {
	uint32_t prefix, gateway, ifindex, metric, from;
	int prefixlen;
	bool has_gw, has_metric, has_from;
	unsigned int count;
};

static int fill_route(struct nl_msg *msg, void *arg)
{
	struct route_req *r = arg;

	if (nla_put_u32(msg, XNET_ATTR_PREFIX, r->prefix) ||
	    nla_put_u8(msg, XNET_ATTR_PREFIXLEN, (uint8_t)r->prefixlen))
		return -1;
	if (r->has_gw && nla_put_u32(msg, XNET_ATTR_GATEWAY, r->gateway))
		return -1;
	if (r->ifindex && nla_put_u32(msg, XNET_ATTR_IFINDEX, r->ifindex))
		return -1;
	if (r->has_metric && nla_put_u32(msg, XNET_ATTR_METRIC, r->metric))
		return -1;
	return 0;
}

static int fill_route_get(struct nl_msg *msg, void *arg)
{
	struct route_req *r = arg;

	if (nla_put_u32(msg, XNET_ATTR_ADDR, r->prefix))
		return -1;
	if (r->ifindex && nla_put_u32(msg, XNET_ATTR_IFINDEX, r->ifindex))
		return -1;
	if (r->has_from && nla_put_u32(msg, XNET_ATTR_LOCAL_ADDR, r->from))
		return -1;
	return 0;
}

static const char *route_type_name(uint8_t t)
{
	switch (t) {
	case XNET_ROUTE_CONNECTED: return "connected";
	case XNET_ROUTE_GATEWAY:   return "gateway";
	case XNET_ROUTE_BARE:      return "bare";
	}
	return "unknown";
}

/* One route (dump) or one lookup's answer (get). */
static int parse_route_msg(struct nlmsghdr *nlh, void *arg)
{
	struct route_req *r = arg;
	struct nlattr *tb[XNET_ATTR_MAX + 1];
	char ifname[IF_NAMESIZE + 1] = "", pbuf[24], gbuf[16], sbuf[16],
	     dbuf[16];
	uint32_t prefix = 0, gw = 0, ifindex = 0, metric = 0, src = 0,
		 mtu = 0, dst = 0;
	bool has_gw, has_src, has_mtu, has_type, has_dst;
	uint8_t plen = 0, type = 0;

	if (parse_genl(nlh, tb, XNET_ATTR_MAX) < 0)
		return NL_SKIP;
	has_dst = get_u32(tb, XNET_ATTR_ADDR, &dst);
	get_u32(tb, XNET_ATTR_PREFIX, &prefix);
	get_u8(tb, XNET_ATTR_PREFIXLEN, &plen);
	has_type = get_u8(tb, XNET_ATTR_ROUTE_TYPE, &type);
	get_u32(tb, XNET_ATTR_METRIC, &metric);
	has_gw = get_u32(tb, XNET_ATTR_GATEWAY, &gw);
	has_src = get_u32(tb, XNET_ATTR_PREFSRC, &src);
	has_mtu = get_u32(tb, XNET_ATTR_MTU, &mtu);
	get_u32(tb, XNET_ATTR_IFINDEX, &ifindex);
	if (!get_str(tb[XNET_ATTR_IFNAME], ifname, sizeof(ifname)) && ifindex)
		ifname_of(ifindex, ifname);
	xnet_fmt_addr(prefix, pbuf);
	if (plen == 0 && (!has_type || type != XNET_ROUTE_BARE))
		strcpy(pbuf, "default");
	else
		snprintf(pbuf + strlen(pbuf), sizeof(pbuf) - strlen(pbuf),
			 "/%u", plen);
	xnet_fmt_addr(gw, gbuf);
	xnet_fmt_addr(src, sbuf);
	xnet_fmt_addr(dst, dbuf);
	r->count++;

	if (opt_json) {
		j_open('{');
		if (has_dst)
			j_str("dst", dbuf);
		if (has_type) {
			j_str("prefix", pbuf);
			j_str("type", route_type_name(type));
			j_uint("metric", metric);
		} else if (has_dst) {
			j_str("type", "local");
		}
		if (has_gw)
			j_str("gateway", gbuf);
		if (*ifname)
			j_str("dev", ifname);
		if (has_src)
			j_str("prefsrc", sbuf);
		if (has_mtu)
			j_uint("mtu", mtu);
		j_close('}');
		return NL_OK;
	}
	if (has_dst && !has_type) {
		printf("local %s dev %s src %s\n", dbuf, ifname, sbuf);
		return NL_OK;
	}
	if (has_dst) {
		/* route get: like ip route get, then the route it took */
		printf("%s", dbuf);
		if (has_gw)
			printf(" via %s", gbuf);
		printf(" dev %s", *ifname ? ifname : "*");
		if (has_src)
			printf(" src %s", sbuf);
		if (has_mtu)
			printf(" mtu %u", mtu);
		printf(" route %s type %s metric %u\n", pbuf,
		       route_type_name(type), metric);
		return NL_OK;
	}
	printf("%s", pbuf);
	if (has_gw)
		printf(" via %s", gbuf);
	if (*ifname)
		printf(" dev %s", ifname);
	printf(" type %s metric %u\n", route_type_name(type), metric);
	return NL_OK;
}

static int cmd_route(struct xnl *x, int argc, char **argv)
{
	struct route_req r = { .prefixlen = -1 };
	const char *sub = argc > 0 ? argv[0] : "show";
	const char *dev = NULL, *dst = NULL;
	char ext[256], *end;
	int i, err;

	if (matches(sub, W_ADD) || matches(sub, W_DEL)) {
		bool add = matches(sub, W_ADD);

		for (i = 1; i < argc; i++) {
			const char *k = argv[i];

			if (!strcmp(k, "via") || !strcmp(k, "dev") ||
			    !strcmp(k, "metric")) {
				if (++i >= argc)
					usage_error("'%s' needs a value", k);
				if (!strcmp(k, "via")) {
					r.gateway = parse_addr_or_die(argv[i]);
					r.has_gw = true;
				} else if (!strcmp(k, "dev")) {
					dev = argv[i];
				} else {
					unsigned long m;

					errno = 0;
					m = strtoul(argv[i], &end, 10);
					if (errno || *end || !*argv[i] ||
					    m > UINT32_MAX)
						usage_error("bad metric: %s",
							    argv[i]);
					r.metric = (uint32_t)m;
					r.has_metric = true;
				}
			} else if (!dst) {
				dst = k;
			} else {
				usage_error("unexpected argument: %s", k);
			}
		}
		if (!dst)
			usage_error("route %s: missing PREFIX/LEN", sub);
		if (!strcmp(dst, "default")) {
			r.prefix = 0;
			r.prefixlen = 0;
		} else {
			r.prefix = parse_prefix_or_die(dst, &r.prefixlen);
			if (r.prefixlen < 0)
				r.prefixlen = 32;
		}
		if (add && !r.has_gw)
			usage_error("route add: missing 'via ADDR'");
		if (dev)
			r.ifindex = ifindex_or_die(dev);
		xnl_open(x);
		err = xnl_run(x, add ? XNET_CMD_ROUTE_ADD : XNET_CMD_ROUTE_DEL,
			      NLM_F_REQUEST | NLM_F_ACK, fill_route, NULL, &r,
			      ext, sizeof(ext));
		if (err)
			die_kernel(err, OP_ROUTE, dev, dst, ext);
		return 0;
	}
	if (matches(sub, W_GET)) {
		for (i = 1; i < argc; i++) {
			if (!strcmp(argv[i], "oif") || !strcmp(argv[i], "dev")) {
				if (++i >= argc)
					usage_error("'oif' needs a device");
				r.ifindex = ifindex_or_die(argv[i]);
			} else if (!strcmp(argv[i], "from")) {
				if (++i >= argc)
					usage_error("'from' needs an address");
				r.from = parse_addr_or_die(argv[i]);
				r.has_from = true;
			} else if (!strcmp(argv[i], "to") && !dst && i + 1 < argc) {
				dst = argv[++i];
			} else if (!dst) {
				dst = argv[i];
			} else {
				usage_error("unexpected argument: %s", argv[i]);
			}
		}
		if (!dst)
			usage_error("route get: missing address");
		r.prefix = parse_addr_or_die(dst);
		xnl_open(x);
		err = xnl_run(x, XNET_CMD_ROUTE_LOOKUP,
			      NLM_F_REQUEST | NLM_F_ACK, fill_route_get,
			      parse_route_msg, &r, ext, sizeof(ext));
		if (err)
			die_kernel(err, OP_ROUTE, NULL, dst, ext);
		return 0;
	}
	if (!matches(sub, W_SHOW))
		usage_error("unknown route command: %s", sub);
	if (argc > 1)
		usage_error("unexpected argument: %s", argv[1]);
	xnl_open(x);
	if (opt_json)
		j_open('[');
	err = xnl_run(x, XNET_CMD_ROUTE_GET, NLM_F_REQUEST | NLM_F_DUMP,
		      NULL, parse_route_msg, &r, ext, sizeof(ext));
	if (err)
		die_kernel(err, OP_DUMP, NULL, NULL, ext);
	if (opt_json)
		j_close(']');
	return 0;
}

/* ------------------------------------------------------------------ */
/* key                                                                */

static const char *const W_KEY[] = { "key", "keys", "k", NULL };

struct key_req {
	uint32_t id, peer, ifindex;
	uint8_t alg;
	bool has_peer;
	uint8_t secret[XNET_KEY_LEN];
	unsigned int count;
};

static int fill_key(struct nl_msg *msg, void *arg)
{
	struct key_req *r = arg;

	if (nla_put_u32(msg, XNET_ATTR_KEY_ID, r->id) ||
	    nla_put(msg, XNET_ATTR_KEY, XNET_KEY_LEN, r->secret))
		return -1;
	if (r->has_peer && nla_put_u32(msg, XNET_ATTR_PEER_ADDR, r->peer))
		return -1;
	if (r->ifindex && nla_put_u32(msg, XNET_ATTR_IFINDEX, r->ifindex))
		return -1;
	if (r->alg && nla_put_u8(msg, XNET_ATTR_KEY_ALG, r->alg))
		return -1;
	return 0;
}

static int fill_key_id(struct nl_msg *msg, void *arg)
{
	struct key_req *r = arg;

	return nla_put_u32(msg, XNET_ATTR_KEY_ID, r->id) ? -1 : 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2 * XNET_KEY_LEN hex digits in @s (@len bytes): true if so. */
static bool parse_key_hex(const char *s, size_t len, uint8_t *out)
{
	size_t i;

	if (len != 2 * XNET_KEY_LEN)
		return false;
	for (i = 0; i < XNET_KEY_LEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/*
 * @FILE: 64 hex digits, optionally followed by one newline, nothing
 * else. A file others may read is used, with a warning.
 */
static void read_key_file(const char *path, uint8_t *out)
{
	char buf[2 * XNET_KEY_LEN + 2];
	struct stat st;
	ssize_t n, len = 0;
	bool ok;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(EXIT_RUNTIME, "cannot open key file %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == 0 && (st.st_mode & S_IROTH))
		fprintf(stderr,
			"%s: warning: key file %s is readable by every user\n",
			prog, path);
	while ((size_t)len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			explicit_bzero(buf, sizeof(buf));
			die(EXIT_RUNTIME, "cannot read key file %s: %s", path,
			    strerror(errno));
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	if (len == 2 * XNET_KEY_LEN + 1 && buf[len - 1] == '\n')
		len--;
	ok = len <= 2 * XNET_KEY_LEN && parse_key_hex(buf, (size_t)len, out);
	explicit_bzero(buf, sizeof(buf));
	if (!ok)
		usage_error("bad key file %s: want 64 hex digits (32 bytes), optionally followed by a newline",
			    path);
}

static const char *key_alg_name(uint8_t a)
{
	switch (a) {
	case XNET_KEY_ALG_AES_GCM:		return "aes-gcm";
	case XNET_KEY_ALG_CHACHA20POLY1305:	return "chacha20poly1305";
	}
	return "unknown";
}

static const char *key_state_name(uint8_t s)
{
	switch (s) {
	case XNET_KEY_STATE_ACTIVE:	return "active";
	case XNET_KEY_STATE_STANDBY:	return "standby";
	}
	return "unknown";
}

static int parse_key_msg(struct nlmsghdr *nlh, void *arg)
{
	struct key_req *r = arg;
	struct nlattr *tb[XNET_ATTR_MAX + 1];
	char ifname[IF_NAMESIZE + 1] = "any", peer[16] = "default",
	     fpr[2 * XNET_KEY_FPR_LEN + 1] = "";
	uint32_t id, paddr, ifindex = 0, use = 0;
	uint8_t alg = 0, state = 0;
	struct nlattr *fa;
	int i;

	if (parse_genl(nlh, tb, XNET_ATTR_MAX) < 0)
		return NL_SKIP;
	if (!get_u32(tb, XNET_ATTR_KEY_ID, &id))
		return NL_SKIP;
	if (get_u32(tb, XNET_ATTR_PEER_ADDR, &paddr))
		xnet_fmt_addr(paddr, peer);
	if (get_u32(tb, XNET_ATTR_IFINDEX, &ifindex) && ifindex)
		ifname_of(ifindex, ifname);
	get_u8(tb, XNET_ATTR_KEY_ALG, &alg);
	get_u8(tb, XNET_ATTR_KEY_STATE, &state);
	get_u32(tb, XNET_ATTR_KEY_USE, &use);
	fa = attr_ok(tb[XNET_ATTR_KEY_FPR], XNET_KEY_FPR_LEN);
	for (i = 0; fa && i < XNET_KEY_FPR_LEN; i++)
		sprintf(fpr + 2 * i, "%02x", ((uint8_t *)nla_data(fa))[i]);
	r->count++;

	if (opt_json) {
		j_open('{');
		j_uint("id", id);
		j_str("peer", peer);
		j_str("dev", ifname);
		j_str("alg", key_alg_name(alg));
		j_str("state", key_state_name(state));
		j_uint("use", use);
		j_str("fingerprint", fpr);
		j_close('}');
		return NL_OK;
	}
	if (r->count == 1)
		printf("%-10s %-15s %-15s %-16s %-7s %5s %s\n", "id", "peer",
		       "dev", "alg", "state", "use", "fingerprint");
	printf("%-10u %-15s %-15s %-16s %-7s %5u %s\n", id, peer, ifname,
	       key_alg_name(alg), key_state_name(state), use, fpr);
	return NL_OK;
}

static uint32_t parse_key_id_or_die(const char *s)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || *s == '-' || v > UINT32_MAX)
		usage_error("bad key ID: %s (a number, 0..4294967295)", s);
	return (uint32_t)v;
}

static int cmd_key(struct xnl *x, int argc, char **argv)
{
	struct key_req r = { 0 };
	const char *sub = argc > 0 ? argv[0] : "show";
	const char *dev = NULL;
	char ext[256];
	int i, err;

	if (matches(sub, W_ADD)) {
		if (argc < 3)
			usage_error("key add: want ID KEY|@FILE");
		r.id = parse_key_id_or_die(argv[1]);
		for (i = 3; i < argc; i++) {
			const char *k = argv[i];

			if (++i >= argc)
				usage_error("'%s' needs a value", k);
			if (!strcmp(k, "peer")) {
				r.peer = parse_addr_or_die(argv[i]);
				r.has_peer = true;
			} else if (!strcmp(k, "dev")) {
				dev = argv[i];
			} else if (!strcmp(k, "alg")) {
				if (!strcmp(argv[i], "aes-gcm"))
					r.alg = XNET_KEY_ALG_AES_GCM;
				else if (!strcmp(argv[i], "chacha20poly1305"))
					r.alg = XNET_KEY_ALG_CHACHA20POLY1305;
				else
					usage_error("bad alg: %s (aes-gcm or chacha20poly1305)",
						    argv[i]);
			} else {
				usage_error("unexpected argument: %s", k);
			}
		}
		if (argv[2][0] == '@') {
			read_key_file(argv[2] + 1, r.secret);
		} else {
			bool ok = parse_key_hex(argv[2], strlen(argv[2]),
						r.secret);

			/* out of ps's sight as soon as it is read */
			explicit_bzero(argv[2], strlen(argv[2]));
			if (!ok)
				usage_error("bad key: want 64 hex digits (32 bytes) or @FILE");
		}
		if (dev)
			r.ifindex = ifindex_or_die(dev);
		xnl_open(x);
		err = xnl_run(x, XNET_CMD_KEY_ADD, NLM_F_REQUEST | NLM_F_ACK,
			      fill_key, NULL, &r, ext, sizeof(ext));
		explicit_bzero(r.secret, sizeof(r.secret));
		if (err)
			die_kernel(err, OP_KEY, dev, argv[1], ext);
		return 0;
	}
	if (matches(sub, W_DEL)) {
		if (argc != 2)
			usage_error("key del: want ID");
		r.id = parse_key_id_or_die(argv[1]);
		xnl_open(x);
		err = xnl_run(x, XNET_CMD_KEY_DEL, NLM_F_REQUEST | NLM_F_ACK,
			      fill_key_id, NULL, &r, ext, sizeof(ext));
		if (err)
			die_kernel(err, OP_KEY, NULL, argv[1], ext);
		return 0;
	}
	if (!matches(sub, W_SHOW))
		usage_error("unknown key command: %s", sub);
	if (argc > 1)
		usage_error("unexpected argument: %s", argv[1]);
	xnl_open(x);
	if (opt_json)
		j_open('[');
	err = xnl_run(x, XNET_CMD_KEY_GET, NLM_F_REQUEST | NLM_F_DUMP,
		      NULL, parse_key_msg, &r, ext, sizeof(ext));
	if (err)
		die_kernel(err, OP_DUMP, NULL, NULL, ext);
	if (opt_json)
		j_close(']');
	return 0;
}

/* ------------------------------------------------------------------ */

static int run_command(struct xnl *x, int argc, char **argv);

/*
 * -b FILE: each line a command (words split on blanks, # comments), run
 * on one netlink socket; the first failure ends the run, as ip -batch.
 */
static int run_batch(struct xnl *x, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char line[1024], *argv[64], *tok, *save;
	unsigned long lineno = 0;
	int argc;

	if (!f)
		die(EXIT_RUNTIME, "cannot open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			usage_error("%s:%lu: line too long", path, lineno);
		tok = strchr(line, '#');
		if (tok)
			*tok = '\0';
		argc = 0;
		for (tok = strtok_r(line, " \t\r\n", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			if (argc == (int)(sizeof(argv) / sizeof(argv[0])) - 1)
				usage_error("%s:%lu: too many words", path,
					    lineno);
			argv[argc++] = tok;
		}
		if (!argc)
			continue;
		argv[argc] = NULL;
		run_command(x, argc, argv);
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

static int run_command(struct xnl *x, int argc, char **argv)
{
	const char *obj = argv[0];

	argc--;
	argv++;
	if (!strcmp(obj, "help")) {
		usage(stdout);
		return 0;
	} else if (matches(obj, W_ADDR)) {
		return cmd_addr(x, argc, argv);
	} else if (matches(obj, W_NEIGH)) {
		return cmd_neigh(x, argc, argv);
	} else if (matches(obj, W_STATS)) {
		return cmd_stats(x, argc, argv);
	} else if (matches(obj, W_SOCKETS)) {
		return cmd_sockets(x, argc, argv);
	} else if (matches(obj, W_ROUTE)) {
		return cmd_route(x, argc, argv);
	} else if (matches(obj, W_KEY)) {
		return cmd_key(x, argc, argv);
	}
	usage_error("unknown command: %s (try --help)", obj);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json",    no_argument, NULL, 'j' },
		{ "pretty",  no_argument, NULL, 'p' },
		{ "help",    no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "batch",   required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	struct xnl x = { 0 };
	const char *batch = NULL;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jphVb:", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opt_json = true;
			break;
		case 'p':
			opt_pretty = true;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s %s (xnet genl version %d)\n", prog,
			       XNET_TOOLS_VERSION, XNET_GENL_VERSION);
			return 0;
		default:
			if (optopt)
				usage_error("unknown option: -%c (try --help)",
					    optopt);
			usage_error("unknown option: %s (try --help)",
				    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 && !batch)
		usage_error("missing command (try --help)");
	if (argc > 0 && batch)
		usage_error("-b takes no command: %s", argv[0]);
	if (batch)
		ret = run_batch(&x, batch);
	else
		ret = run_command(&x, argc, argv);
	if (x.sk)
		xnl_close(&x);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_RUNTIME, "write error: %s", strerror(errno));
	return ret;
}

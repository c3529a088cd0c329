// SPDX-License-Identifier: GPL-2.0
/* xnetctl: generic netlink plumbing, kernel errors, attribute helpers. */
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xnetctl.h"

/* netlink plumbing                                                   */

struct req_ctx {
	bool done;
	int err;		/* positive errno from the kernel, 0 if none */
	char extack[256];	/* kernel's extended ack message, if any */
	int (*parse)(struct nlmsghdr *nlh, void *arg);
	void *arg;
};

void xnl_open(struct xnl *x)
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

void xnl_close(struct xnl *x)
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
int xnl_run(struct xnl *x, uint8_t cmd, int flags,
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

/* @hay contains the first @n bytes of @needle, ignoring case. */
static bool strncasecmp_in(const char *hay, const char *needle, size_t n)
{
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return false;
}

/*
 * Turn a kernel errno into one line of text.  @what names the object of
 * the request for ENODEV/EEXIST-like errors.
 */
void __attribute__((noreturn))
die_kernel(int err, enum op op, const char *ifname, const char *addr,
	   const char *extack)
{
	char buf[256];
	const char *txt, *paren;
	bool complete = false;	/* txt says all the kernel's message would */
	size_t plen;

	switch (err) {
	case EPERM:
	case EACCES:
		if (extack && *extack) {
			txt = "permission denied";
			break;
		}
		txt = "permission denied: changing xnet's configuration needs CAP_NET_ADMIN in the user namespace owning this network namespace";
		break;
	case EEXIST:
		complete = op == OP_ADDR_ADD || op == OP_ROUTE || op == OP_KEY;
		if (op == OP_ADDR_ADD) {
			snprintf(buf, sizeof(buf),
				 "address already configured: %s", addr);
			txt = buf;
		} else if (op == OP_ROUTE) {
			snprintf(buf, sizeof(buf),
				 "route exists (same prefix and metric): %s",
				 addr);
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
		complete = op == OP_ADDR_DEL || op == OP_ROUTE || op == OP_KEY;
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
		complete = ifname;
		if (ifname) {
			snprintf(buf, sizeof(buf), "no such device: %s",
				 ifname);
			txt = buf;
		} else {
			txt = "no such device";
		}
		break;
	case EINVAL:
		if (extack && *extack) {
			txt = "invalid argument";
		} else if (op == OP_ADDR_ADD || op == OP_ADDR_DEL) {
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
		complete = true;
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
	/*
	 * The problem once: the kernel's message (extack) only when it adds
	 * to ours, alone when what it says before a "(" is ours already
	 * ("route table full (net.xnet.route_max)").
	 */
	if (!extack || !*extack || complete)
		die(EXIT_RUNTIME, "%s", txt);
	paren = strstr(extack, " (");
	plen = paren ? (size_t)(paren - extack) : strlen(extack);
	if (plen && strncasecmp_in(txt, extack, plen))
		die(EXIT_RUNTIME, "%s", extack);
	die(EXIT_RUNTIME, "%s: %s", txt, extack);
}

/* attribute helpers (tolerant: wrong-sized attributes count as absent) */

struct nlattr *attr_ok(struct nlattr *a, int minlen)
{
	return (a && nla_len(a) >= minlen) ? a : NULL;
}

bool get_u8(struct nlattr **tb, int t, uint8_t *v)
{
	struct nlattr *a = attr_ok(tb[t], 1);

	if (a)
		*v = *(uint8_t *)nla_data(a);
	return a;
}

bool get_u16(struct nlattr **tb, int t, uint16_t *v)
{
	struct nlattr *a = attr_ok(tb[t], 2);

	if (a)
		memcpy(v, nla_data(a), 2);
	return a;
}

bool get_u32(struct nlattr **tb, int t, uint32_t *v)
{
	struct nlattr *a = attr_ok(tb[t], 4);

	if (a)
		memcpy(v, nla_data(a), 4);
	return a;
}

/* u64, but accept a u32 as well */
bool get_uint(struct nlattr *a, unsigned long long *v)
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

bool get_str(struct nlattr *a, char *buf, size_t len)
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

int parse_genl(struct nlmsghdr *nlh, struct nlattr **tb, int max)
{
	return genlmsg_parse(nlh, 0, tb, max, NULL);
}

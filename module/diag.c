// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: the NETLINK_SOCK_DIAG handler for AF_XNET (what ss asks TCP and
 * UNIX sockets for), so any tool lists xnet sockets the standard way.
 *
 * A SOCK_DIAG_BY_FAMILY request for our family carries a struct
 * xnet_diag_req (include/uapi/linux/xnet.h); only dumps are served. The
 * handler checks the request and starts the dump; each dump call walks
 * the requester's netns with xnet_sock_walk() (conn.c), the walk
 * XNET_CMD_SOCK_GET and /proc use, resuming where the last call stopped
 * (cb->args[0], cb->args[1]) and stopping when the message is full.
 *
 * Locks and context: the handler and dump calls run in process context
 * (netlink's dump mutex around each dump call). Module references: the
 * sock_diag core holds one on .owner around the handler (Debian's 6.1
 * has this from stable, as 6.12), and netlink_dump_start() takes one for
 * the dump's life (cb->module): rmmod is refused meanwhile.
 * xnet_diag_fill() runs under the port table's or the connection table's
 * spinlock with BHs off, never sleeps and takes no socket lock (the
 * socket lock is taken before those table locks elsewhere): what it
 * reports of a connection is a snapshot read without the socket lock,
 * each field whole (u32 reads) but not all from the same instant, as ss
 * sees a TCP listener's. A socket in a table is held by the table, so
 * it cannot go away during the fill.
 *
 * Privilege: none (as ss for TCP); a request only ever sees the sockets
 * of its own netns, and UIDs are mapped into the requester's user
 * namespace.
 */
#include <linux/sock_diag.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "xnet.h"

#define XNET_DIAG_SHOW_ALL (XNET_DIAG_SHOW_INFO | XNET_DIAG_SHOW_UID | \
			    XNET_DIAG_SHOW_QLEN | XNET_DIAG_SHOW_MEMINFO | \
			    XNET_DIAG_SHOW_SHUTDOWN | XNET_DIAG_SHOW_TIMER)

struct xnet_diag_walk {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const struct xnet_diag_req *req;
};

/* Does @sk pass the request's filters? Table lock held. */
static bool xnet_diag_match(struct sock *sk, const struct xnet_diag_req *req,
			    u8 state)
{
	const struct xnet_sock *xs = xnet_sk(sk);

	if (req->xdiag_type && sk->sk_type != req->xdiag_type)
		return false;
	if (state >= 32 || !(req->xdiag_states & (1U << state)))
		return false;
	if (req->xdiag_sport && ntohs(xs->sport) != req->xdiag_sport)
		return false;
	if (req->xdiag_dport && ntohs(xs->dport) != req->xdiag_dport)
		return false;
	if (req->xdiag_ino && sock_i_ino(sk) != req->xdiag_ino)
		return false;
	if ((req->xdiag_cookie[0] || req->xdiag_cookie[1]) &&
	    sock_diag_check_cookie(sk, req->xdiag_cookie))
		return false;
	return true;
}

static int xnet_diag_put_info(struct sk_buff *skb, struct sock *sk)
{
	struct xnet_info info;

	if (sk->sk_type == SOCK_DGRAM)
		xnet_sock_fill_info(sk, &info);
	else
		xnet_conn_fill_info(sk, &info);
	return nla_put(skb, XNET_DIAG_INFO, sizeof(info), &info);
}

static int xnet_diag_put_timer(struct sk_buff *skb, struct sock *sk)
{
	struct xnet_diag_timer t = { };

	t.xdiag_timer = xnet_conn_next_timer(sk, &t.xdiag_expires_ms);
	t.xdiag_retrans = READ_ONCE(xnet_conn(sk)->retransmits);
	return nla_put(skb, XNET_DIAG_TIMER, sizeof(t), &t);
}

static int xnet_diag_put_attrs(struct sk_buff *skb, struct sock *sk,
			       struct netlink_callback *cb, u32 show)
{
	struct user_namespace *ns = sk_user_ns(NETLINK_CB(cb->skb).sk);
	u32 wq;

	if ((show & XNET_DIAG_SHOW_INFO) && xnet_diag_put_info(skb, sk))
		return -EMSGSIZE;
	if ((show & XNET_DIAG_SHOW_UID) &&
	    nla_put_u32(skb, XNET_DIAG_UID,
			from_kuid_munged(ns, sock_i_uid(sk))))
		return -EMSGSIZE;
	if (show & XNET_DIAG_SHOW_QLEN) {
		wq = sk->sk_type == SOCK_DGRAM ? sk_wmem_alloc_get(sk)
					       : READ_ONCE(sk->sk_wmem_queued);
		if (nla_put_u32(skb, XNET_DIAG_RQLEN, sk_rmem_alloc_get(sk)) ||
		    nla_put_u32(skb, XNET_DIAG_WQLEN, wq))
			return -EMSGSIZE;
	}
	if ((show & XNET_DIAG_SHOW_MEMINFO) &&
	    sock_diag_put_meminfo(sk, skb, XNET_DIAG_MEMINFO))
		return -EMSGSIZE;
	if ((show & XNET_DIAG_SHOW_SHUTDOWN) &&
	    nla_put_u8(skb, XNET_DIAG_SHUTDOWN,
		       READ_ONCE(sk->sk_shutdown) & SHUTDOWN_MASK))
		return -EMSGSIZE;
	if ((show & XNET_DIAG_SHOW_TIMER) && sk->sk_type != SOCK_DGRAM &&
	    xnet_diag_put_timer(skb, sk))
		return -EMSGSIZE;
	return 0;
}

/* xnet_sock_walk() callback: one message for @sk if it passes. */
static int xnet_diag_fill(struct sock *sk, void *arg)
{
	struct xnet_diag_walk *w = arg;
	const struct xnet_sock *xs = xnet_sk(sk);
	struct sk_buff *skb = w->skb;
	struct xnet_diag_msg *m;
	struct nlmsghdr *nlh;
	u8 state = xnet_sock_state(sk);

	if (!xnet_diag_match(sk, w->req, state))
		return 0;
	nlh = nlmsg_put(skb, NETLINK_CB(w->cb->skb).portid,
			w->cb->nlh->nlmsg_seq, SOCK_DIAG_BY_FAMILY,
			sizeof(*m), NLM_F_MULTI);
	if (!nlh)
		return -EMSGSIZE;
	m = nlmsg_data(nlh);
	memset(m, 0, sizeof(*m));
	m->xdiag_family = sk->sk_family;
	m->xdiag_type = sk->sk_type;
	m->xdiag_state = state;
	m->xdiag_laddr = xs->rcv_addr;
	m->xdiag_raddr = xs->daddr;
	m->xdiag_lport = xs->sport;
	m->xdiag_rport = xs->dport;
	m->xdiag_ino = sock_i_ino(sk);
	sock_diag_save_cookie(sk, m->xdiag_cookie);
	if (xnet_diag_put_attrs(skb, sk, w->cb, w->req->xdiag_show)) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

static int xnet_diag_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xnet_diag_walk w = {
		.skb = skb,
		.cb = cb,
		.req = nlmsg_data(cb->nlh),	/* checked by the handler */
	};
	int err;

	err = xnet_sock_walk(sock_net(skb->sk), &cb->args[0], &cb->args[1],
			     xnet_diag_fill, &w);
	if (err && !skb->len)
		return err;
	return skb->len;
}

/*
 * Every field a request does not use must be zero: room to grow. So must
 * every byte after the struct (as copy_struct_from_user()): a newer
 * tool's longer request or trailing filter attributes fail here rather
 * than being ignored, which would list more than was asked for.
 */
static int xnet_diag_check(const struct nlmsghdr *h)
{
	const struct xnet_diag_req *req = nlmsg_data(h);
	int len = nlmsg_len(h);

	if (len < (int)sizeof(*req))
		return -EINVAL;
	if (memchr_inv(req + 1, 0, len - sizeof(*req)))
		return -EINVAL;
	if (req->sdiag_protocol || req->pad || req->xdiag_pad ||
	    (req->xdiag_show & ~XNET_DIAG_SHOW_ALL))
		return -EINVAL;
	switch (req->xdiag_type) {
	case 0:
	case SOCK_DGRAM:
	case SOCK_STREAM:
	case SOCK_SEQPACKET:
		return 0;
	}
	return -EINVAL;
}

static int xnet_diag_handler_dump(struct sk_buff *skb, struct nlmsghdr *h)
{
	struct netlink_dump_control c = {
		.dump = xnet_diag_dump,
	};
	int err;

	err = xnet_diag_check(h);
	if (err)
		return err;
	if (!(h->nlmsg_flags & NLM_F_DUMP))
		return -EOPNOTSUPP;
	return netlink_dump_start(sock_net(skb->sk)->diag_nlsk, skb, h, &c);
}

static struct sock_diag_handler xnet_diag_handler __ro_after_init = {
	.owner	= THIS_MODULE,
	.dump	= xnet_diag_handler_dump,
};

/* Module init, after the generic netlink family. */
int __init xnet_diag_init(void)
{
	xnet_diag_handler.family = xnet_family;
	return sock_diag_register(&xnet_diag_handler);
}

void xnet_diag_exit(void)
{
	sock_diag_unregister(&xnet_diag_handler);
}

MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_NETLINK, NETLINK_SOCK_DIAG, AF_XNET);

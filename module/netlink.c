// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: the "xnet" generic netlink family (configuration and state).
 *
 * Context: handlers run in process context, serialised by the genetlink
 * mutex, in the requester's netns. Address and route changes take RTNL.
 * Dumps walk the RCU device list or route list, or the neighbour and port tables under their own
 * spinlocks, or the RCU key list (key.c) (fill functions never sleep).
 * The fill of each object's attributes (xnet_nl_*_attrs()) is shared by
 * its dump and its notification on the monitor group (notify.c), so one
 * parser reads both.
 * KEY_ADD wipes the secret from the request once key.c keyed its HMAC
 * with it; no reply ever carries key bytes. Changes need CAP_NET_ADMIN in
 * the user namespace owning the netns: xnet checks it itself rather than
 * with GENL_UNS_ADMIN_PERM so that refusals are counted (ConfigRefused),
 * traced and logged (audit.c); requests xnet finds invalid are counted
 * as ConfigInvalid. Attributes that fail the policy are refused by the
 * genetlink core before xnet sees them, and so are not counted.
 */
#include <linux/rtnetlink.h>
#include <net/genetlink.h>

#include "xnet.h"
#include "sec.h"

static const struct nla_policy xnet_nl_policy[XNET_ATTR_MAX + 1] = {
	[XNET_ATTR_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[XNET_ATTR_ADDR]	= { .type = NLA_U32 },
	[XNET_ATTR_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[XNET_ATTR_PREFIXLEN]	= NLA_POLICY_MAX(NLA_U8, 32),
	[XNET_ATTR_PREFIX]	= { .type = NLA_U32 },
	[XNET_ATTR_GATEWAY]	= { .type = NLA_U32 },
	[XNET_ATTR_METRIC]	= { .type = NLA_U32 },
	[XNET_ATTR_LOCAL_ADDR]	= { .type = NLA_U32 },
	[XNET_ATTR_PEER_ADDR]	= { .type = NLA_U32 },
	[XNET_ATTR_KEY_ID]	= { .type = NLA_U32 },
	[XNET_ATTR_KEY]		= NLA_POLICY_EXACT_LEN(XNET_KEY_LEN),
	[XNET_ATTR_KEY_ALG]	= NLA_POLICY_RANGE(NLA_U8, XNET_KEY_ALG_AES_GCM,
						   XNET_KEY_ALG_CHACHA20POLY1305),
};

static struct genl_family xnet_genl_family;

/* May the sender of @skb change this netns's configuration? */
static int xnet_nl_admin(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);

	if (netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN))
		return 0;
	xnet_audit_config(xnet_pernet(net), XNET_SEC_CONFIG_REFUSED,
			  info->genlhdr->cmd);
	NL_SET_ERR_MSG(info->extack, "CAP_NET_ADMIN needed in the netns's user namespace");
	return -EPERM;
}

/* ADDR_ADD and ADDR_DEL: IFINDEX and ADDR, under RTNL. */
static int xnet_nl_addr_change(struct genl_info *info, bool add)
{
	struct net *net = genl_info_net(info);
	int ifindex, err;
	__be32 addr;
	u8 plen = 0;

	if (GENL_REQ_ATTR_CHECK(info, XNET_ATTR_IFINDEX) ||
	    GENL_REQ_ATTR_CHECK(info, XNET_ATTR_ADDR)) {
		xnet_audit_config(xnet_pernet(net), XNET_SEC_CONFIG_INVALID,
				  info->genlhdr->cmd);
		return -EINVAL;
	}
	ifindex = nla_get_u32(info->attrs[XNET_ATTR_IFINDEX]);
	addr = nla_get_in_addr(info->attrs[XNET_ATTR_ADDR]);
	if (info->attrs[XNET_ATTR_PREFIXLEN])
		plen = nla_get_u8(info->attrs[XNET_ATTR_PREFIXLEN]);
	rtnl_lock();
	err = add ? xnet_addr_add(net, ifindex, addr, plen)
		  : xnet_addr_del(net, ifindex, addr);
	rtnl_unlock();
	switch (add ? err : 0) {
	case -ENOSPC:
		NL_SET_ERR_MSG(info->extack, "route table full (net.xnet.route_max)");
		break;
	case -EINVAL:
		NL_SET_ERR_MSG(info->extack, "0.0.0.0 and 255.255.255.255 are not host addresses");
		xnet_audit_config(xnet_pernet(net), XNET_SEC_CONFIG_INVALID,
				  info->genlhdr->cmd);
		break;
	case -EOPNOTSUPP:
		NL_SET_ERR_MSG(info->extack, "xnet runs on Ethernet devices only");
		break;
	case -EEXIST:
		NL_SET_ERR_MSG(info->extack, "address already configured in this netns");
		break;
	}
	return err;
}

static int xnet_nl_addr_add(struct sk_buff *skb, struct genl_info *info)
{
	return xnet_nl_admin(skb, info) ? : xnet_nl_addr_change(info, true);
}

static int xnet_nl_addr_del(struct sk_buff *skb, struct genl_info *info)
{
	return xnet_nl_admin(skb, info) ? : xnet_nl_addr_change(info, false);
}

static void *xnet_nl_put(struct sk_buff *skb, struct netlink_callback *cb,
			 u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &xnet_genl_family, NLM_F_MULTI, cmd);
}

/* An address's attributes, in dumps and notifications (notify.c). */
int xnet_nl_addr_attrs(struct sk_buff *skb, const struct net_device *dev,
		       __be32 addr, u8 prefixlen)
{
	if (nla_put_u32(skb, XNET_ATTR_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, XNET_ATTR_IFNAME, dev->name) ||
	    nla_put_in_addr(skb, XNET_ATTR_ADDR, addr) ||
	    nla_put_u8(skb, XNET_ATTR_PREFIXLEN, prefixlen))
		return -EMSGSIZE;
	return 0;
}

static int xnet_nl_addr_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xnet_net *xn = xnet_pernet(sock_net(skb->sk));
	unsigned long idx = 0, start = cb->args[0];
	struct xnet_ifaddr *ifa;
	struct xnet_dev *xdev;
	void *hdr;
	int err = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(xdev, &xn->devs, list) {
		list_for_each_entry_rcu(ifa, &xdev->addrs, list) {
			if (idx++ < start)
				continue;
			hdr = xnet_nl_put(skb, cb, XNET_CMD_ADDR_GET);
			if (!hdr)
				goto full;
			if (xnet_nl_addr_attrs(skb, xdev->dev, ifa->addr,
					       ifa->prefixlen)) {
				genlmsg_cancel(skb, hdr);
				goto full;
			}
			genlmsg_end(skb, hdr);
			cb->args[0] = idx;
		}
	}
	goto out;
full:
	if (!skb->len)
		err = -EMSGSIZE;
out:
	rcu_read_unlock();
	return err ? err : skb->len;
}

struct xnet_nl_walk {
	struct sk_buff		*skb;
	struct netlink_callback	*cb;
};

/*
 * A neighbour entry's attributes, in dumps and notifications (notify.c).
 * Under xn->neigh_lock; takes no other lock.
 */
int xnet_nl_neigh_attrs(struct sk_buff *skb, const struct xnet_neigh *n)
{
	if (nla_put_in_addr(skb, XNET_ATTR_ADDR, n->addr) ||
	    nla_put_u8(skb, XNET_ATTR_NEIGH_STATE, n->state) ||
	    nla_put_u32(skb, XNET_ATTR_NEIGH_QLEN, skb_queue_len(&n->queue)) ||
	    nla_put_u32(skb, XNET_ATTR_AGE_MS,
			n->confirmed ? jiffies_to_msecs(jiffies - n->confirmed)
				     : 0))
		return -EMSGSIZE;
	if (n->dev &&
	    (nla_put_u32(skb, XNET_ATTR_IFINDEX, n->dev->ifindex) ||
	     nla_put_string(skb, XNET_ATTR_IFNAME, n->dev->name) ||
	     nla_put(skb, XNET_ATTR_LLADDR, ETH_ALEN, n->ha)))
		return -EMSGSIZE;
	return 0;
}

static int xnet_nl_neigh_fill(const struct xnet_neigh *n, void *arg)
{
	struct xnet_nl_walk *w = arg;
	struct sk_buff *skb = w->skb;
	void *hdr;

	hdr = xnet_nl_put(skb, w->cb, XNET_CMD_NEIGH_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (xnet_nl_neigh_attrs(skb, n)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int xnet_nl_neigh_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xnet_net *xn = xnet_pernet(sock_net(skb->sk));
	struct xnet_nl_walk w = { .skb = skb, .cb = cb };
	int err;

	err = xnet_neigh_walk(xn, &cb->args[0], xnet_nl_neigh_fill, &w);
	if (err && !skb->len)
		return err;
	return skb->len;
}

/*
 * xnetctl neigh flush [dev IFNAME] [[to] A.B.C.D]: the entries of one
 * device, of one address, or all of them.
 */
static int xnet_nl_neigh_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct net_device *dev = NULL;
	__be32 addr = 0;
	int err = xnet_nl_admin(skb, info);

	if (err)
		return err;
	if (info->attrs[XNET_ATTR_ADDR]) {
		addr = nla_get_in_addr(info->attrs[XNET_ATTR_ADDR]);
		/* 0 would mean "any" below: a neighbour has neither */
		if (addr == htonl(XNET_ADDR_ANY) ||
		    addr == htonl(XNET_ADDR_BROADCAST)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[XNET_ATTR_ADDR],
					    "no neighbour has this address");
			return -EINVAL;
		}
	}
	if (info->attrs[XNET_ATTR_IFINDEX]) {
		dev = dev_get_by_index(net,
				       nla_get_u32(info->attrs[XNET_ATTR_IFINDEX]));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[XNET_ATTR_IFINDEX],
					    "no such device");
			return -ENODEV;
		}
	}
	xnet_neigh_flush(xnet_pernet(net), dev, addr);
	dev_put(dev);
	return 0;
}

/* The connection timer that fires first and xi_retransmits. */
static int xnet_nl_conn_timer(struct sk_buff *skb, struct sock *sk)
{
	u32 ms;
	u8 kind = xnet_conn_next_timer(sk, &ms);

	if (nla_put_u32(skb, XNET_ATTR_RETRANS, xnet_conn(sk)->retransmits))
		return -EMSGSIZE;
	if (kind == XNET_TIMER_NONE)
		return 0;
	if (nla_put_u8(skb, XNET_ATTR_TIMER, kind) ||
	    nla_put_u32(skb, XNET_ATTR_TIMER_MS, ms))
		return -EMSGSIZE;
	return 0;
}

static int xnet_nl_sock_fill(struct sock *sk, void *arg)
{
	struct xnet_nl_walk *w = arg;
	struct sk_buff *skb = w->skb;
	struct xnet_sock *xs = xnet_sk(sk);
	struct user_namespace *ns = sk_user_ns(NETLINK_CB(w->cb->skb).sk);
	void *hdr;

	hdr = xnet_nl_put(skb, w->cb, XNET_CMD_SOCK_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u8(skb, XNET_ATTR_SOCK_TYPE, sk->sk_type) ||
	    nla_put_u8(skb, XNET_ATTR_SOCK_STATE, xnet_sock_state(sk)) ||
	    nla_put_in_addr(skb, XNET_ATTR_LOCAL_ADDR, xs->rcv_addr) ||
	    nla_put_u16(skb, XNET_ATTR_LOCAL_PORT, ntohs(xs->sport)) ||
	    nla_put_in_addr(skb, XNET_ATTR_PEER_ADDR, xs->daddr) ||
	    nla_put_u16(skb, XNET_ATTR_PEER_PORT, ntohs(xs->dport)) ||
	    nla_put_u32(skb, XNET_ATTR_RQUEUE, sk_rmem_alloc_get(sk)) ||
	    nla_put_u32(skb, XNET_ATTR_WQUEUE,
			sk->sk_type == SOCK_DGRAM ? sk_wmem_alloc_get(sk)
						  : READ_ONCE(sk->sk_wmem_queued)) ||
	    nla_put_u64_64bit(skb, XNET_ATTR_INODE, sock_i_ino(sk),
			      XNET_ATTR_PAD) ||
	    nla_put_u32(skb, XNET_ATTR_UID,
			from_kuid_munged(ns, sock_i_uid(sk)))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	if (sk->sk_type != SOCK_DGRAM && xnet_nl_conn_timer(skb, sk)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int xnet_nl_sock_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xnet_nl_walk w = { .skb = skb, .cb = cb };
	int err;

	err = xnet_sock_walk(sock_net(skb->sk), &cb->args[0], &cb->args[1],
			     xnet_nl_sock_fill, &w);
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int xnet_nl_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct xnet_net *xn = xnet_pernet(genl_info_net(info));
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	int i;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &xnet_genl_family, 0,
				XNET_CMD_STATS_GET);
	if (!hdr)
		goto nospace;
	for (i = 0; i < __XNET_MIB_MAX; i++) {
		nest = nla_nest_start(msg, XNET_ATTR_STAT);
		if (!nest ||
		    nla_put_string(msg, XNET_STAT_ATTR_NAME, xnet_mib_names[i]) ||
		    nla_put_u64_64bit(msg, XNET_STAT_ATTR_VALUE,
				      xnet_read_stat(xn, i), XNET_STAT_ATTR_PAD))
			goto nospace;
		nla_nest_end(msg, nest);
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* ROUTE_ADD and ROUTE_DEL: PREFIX, PREFIXLEN, [GATEWAY, IFINDEX, METRIC]. */
static int xnet_nl_route_change(struct genl_info *info, bool add)
{
	struct xnet_net *xn = xnet_pernet(genl_info_net(info));
	struct nlattr **a = info->attrs;
	struct xnet_route_cfg cfg = { };
	int err;

	if (GENL_REQ_ATTR_CHECK(info, XNET_ATTR_PREFIX) ||
	    GENL_REQ_ATTR_CHECK(info, XNET_ATTR_PREFIXLEN)) {
		xnet_audit_config(xn, XNET_SEC_CONFIG_INVALID,
				  info->genlhdr->cmd);
		return -EINVAL;
	}
	cfg.prefix = nla_get_in_addr(a[XNET_ATTR_PREFIX]);
	cfg.prefixlen = nla_get_u8(a[XNET_ATTR_PREFIXLEN]);
	if (a[XNET_ATTR_GATEWAY])
		cfg.gateway = nla_get_in_addr(a[XNET_ATTR_GATEWAY]);
	if (a[XNET_ATTR_IFINDEX])
		cfg.ifindex = nla_get_u32(a[XNET_ATTR_IFINDEX]);
	if (a[XNET_ATTR_METRIC]) {
		cfg.metric = nla_get_u32(a[XNET_ATTR_METRIC]);
		cfg.has_metric = true;
	}
	rtnl_lock();
	err = add ? xnet_route_add(xn, &cfg, info->extack)
		  : xnet_route_del(xn, &cfg);
	rtnl_unlock();
	if (err == -EINVAL)
		xnet_audit_config(xn, XNET_SEC_CONFIG_INVALID,
				  info->genlhdr->cmd);
	if (err == -ESRCH)
		NL_SET_ERR_MSG(info->extack, "no such route");
	return err;
}

static int xnet_nl_route_add(struct sk_buff *skb, struct genl_info *info)
{
	return xnet_nl_admin(skb, info) ? : xnet_nl_route_change(info, true);
}

static int xnet_nl_route_del(struct sk_buff *skb, struct genl_info *info)
{
	return xnet_nl_admin(skb, info) ? : xnet_nl_route_change(info, false);
}

/* A route's attributes, in dumps and notifications (notify.c). */
int xnet_nl_route_attrs(struct sk_buff *skb, const struct xnet_route_info *ri)
{
	if (nla_put_in_addr(skb, XNET_ATTR_PREFIX, ri->prefix) ||
	    nla_put_u8(skb, XNET_ATTR_PREFIXLEN, ri->prefixlen) ||
	    nla_put_u8(skb, XNET_ATTR_ROUTE_TYPE, ri->type) ||
	    nla_put_u32(skb, XNET_ATTR_METRIC, ri->metric) ||
	    nla_put_u32(skb, XNET_ATTR_IFINDEX, ri->dev->ifindex) ||
	    nla_put_string(skb, XNET_ATTR_IFNAME, ri->dev->name) ||
	    (ri->gateway &&
	     nla_put_in_addr(skb, XNET_ATTR_GATEWAY, ri->gateway)))
		return -EMSGSIZE;
	return 0;
}

static int xnet_nl_route_fill(const struct xnet_route_info *ri, void *arg)
{
	struct xnet_nl_walk *w = arg;
	struct sk_buff *skb = w->skb;
	void *hdr;

	hdr = xnet_nl_put(skb, w->cb, XNET_CMD_ROUTE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (xnet_nl_route_attrs(skb, ri)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int xnet_nl_route_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xnet_net *xn = xnet_pernet(sock_net(skb->sk));
	struct xnet_nl_walk w = { .skb = skb, .cb = cb };
	int err;

	err = xnet_route_walk(xn, &cb->args[0], xnet_nl_route_fill, &w);
	if (err && !skb->len)
		return err;
	return skb->len;
}

/*
 * ROUTE_LOOKUP: ADDR, [IFINDEX as the sender's oif], [LOCAL_ADDR as its
 * bound address]: the way xnet_output() would send, as ip route get. An
 * own address is answered with its device and PREFSRC, and no type.
 */
static int xnet_nl_route_lookup_fill(struct sk_buff *msg, struct xnet_net *xn,
				     __be32 daddr, __be32 saddr, int oif)
{
	struct xnet_dev *xdev;
	struct xnet_rt rt;
	int err;

	if (nla_put_in_addr(msg, XNET_ATTR_ADDR, daddr))
		return -EMSGSIZE;
	xdev = xnet_dev_by_addr_rcu(xn, daddr);
	if (xdev)
		return nla_put_u32(msg, XNET_ATTR_IFINDEX, xdev->dev->ifindex) ||
		       nla_put_string(msg, XNET_ATTR_IFNAME, xdev->dev->name) ||
		       nla_put_in_addr(msg, XNET_ATTR_PREFSRC, daddr) ?
		       -EMSGSIZE : 0;
	err = xnet_route_output_rcu(xn, daddr, saddr, oif, &rt);
	if (err)
		return err;
	if (nla_put_u8(msg, XNET_ATTR_ROUTE_TYPE, rt.type) ||
	    nla_put_in_addr(msg, XNET_ATTR_PREFIX, rt.prefix) ||
	    nla_put_u8(msg, XNET_ATTR_PREFIXLEN, rt.prefixlen) ||
	    nla_put_u32(msg, XNET_ATTR_METRIC, rt.metric) ||
	    (rt.nexthop != daddr &&
	     nla_put_in_addr(msg, XNET_ATTR_GATEWAY, rt.nexthop)))
		return -EMSGSIZE;
	if (rt.xdev &&
	    (nla_put_u32(msg, XNET_ATTR_IFINDEX, rt.xdev->dev->ifindex) ||
	     nla_put_string(msg, XNET_ATTR_IFNAME, rt.xdev->dev->name) ||
	     nla_put_u32(msg, XNET_ATTR_MTU, rt.mtu)))
		return -EMSGSIZE;
	if (rt.src && nla_put_in_addr(msg, XNET_ATTR_PREFSRC, rt.src))
		return -EMSGSIZE;
	return 0;
}

static int xnet_nl_route_lookup(struct sk_buff *skb, struct genl_info *info)
{
	struct xnet_net *xn = xnet_pernet(genl_info_net(info));
	struct nlattr **a = info->attrs;
	__be32 daddr, saddr = 0;
	struct sk_buff *msg;
	int oif = 0, err;
	void *hdr;

	if (GENL_REQ_ATTR_CHECK(info, XNET_ATTR_ADDR))
		return -EINVAL;
	daddr = nla_get_in_addr(a[XNET_ATTR_ADDR]);
	if (a[XNET_ATTR_IFINDEX])
		oif = nla_get_u32(a[XNET_ATTR_IFINDEX]);
	if (a[XNET_ATTR_LOCAL_ADDR])
		saddr = nla_get_in_addr(a[XNET_ATTR_LOCAL_ADDR]);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &xnet_genl_family, 0,
				XNET_CMD_ROUTE_LOOKUP);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free;
	}
	rcu_read_lock();
	err = xnet_nl_route_lookup_fill(msg, xn, daddr, saddr, oif);
	rcu_read_unlock();
	if (err) {
		if (err == -ENETUNREACH)
			NL_SET_ERR_MSG(info->extack, "no route to the destination");
		goto free;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
free:
	nlmsg_free(msg);
	return err;
}

/*
 * KEY_ADD: KEY_ID, KEY, [PEER_ADDR], [IFINDEX], [KEY_ALG]. The request's
 * copy of the secret is wiped once the key is made (or refused).
 */
static int xnet_nl_key_add(struct sk_buff *skb, struct genl_info *info)
{
	struct xnet_net *xn = xnet_pernet(genl_info_net(info));
	struct xnet_key_cfg cfg = { .alg = XNET_KEY_ALG_AES_GCM };
	struct nlattr **a = info->attrs;
	int err = xnet_nl_admin(skb, info);

	if (err)
		goto wipe;
	err = -EINVAL;
	if (GENL_REQ_ATTR_CHECK(info, XNET_ATTR_KEY_ID) ||
	    GENL_REQ_ATTR_CHECK(info, XNET_ATTR_KEY))
		goto invalid;
	cfg.id = nla_get_u32(a[XNET_ATTR_KEY_ID]);
	cfg.secret = nla_data(a[XNET_ATTR_KEY]);
	if (a[XNET_ATTR_PEER_ADDR])
		cfg.peer = nla_get_in_addr(a[XNET_ATTR_PEER_ADDR]);
	if (cfg.peer == htonl(XNET_ADDR_BROADCAST)) {
		NL_SET_ERR_MSG(info->extack, "a key's peer is a host address");
		goto invalid;
	}
	if (a[XNET_ATTR_KEY_ALG])
		cfg.alg = nla_get_u8(a[XNET_ATTR_KEY_ALG]);
	if (a[XNET_ATTR_IFINDEX]) {
		cfg.ifindex = nla_get_u32(a[XNET_ATTR_IFINDEX]);
		rcu_read_lock();
		if (!dev_get_by_index_rcu(genl_info_net(info), cfg.ifindex))
			err = -ENODEV;
		rcu_read_unlock();
		if (err == -ENODEV)
			goto wipe;
	}
	err = xnet_key_add(xn, &cfg);
	if (err == -EEXIST)
		NL_SET_ERR_MSG(info->extack, "a key with this ID exists");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "key table full (net.xnet.key_max)");
	goto wipe;
invalid:
	xnet_audit_config(xn, XNET_SEC_CONFIG_INVALID, info->genlhdr->cmd);
wipe:
	if (a[XNET_ATTR_KEY])
		memzero_explicit(nla_data(a[XNET_ATTR_KEY]),
				 nla_len(a[XNET_ATTR_KEY]));
	return err;
}

static int xnet_nl_key_del(struct sk_buff *skb, struct genl_info *info)
{
	struct xnet_net *xn = xnet_pernet(genl_info_net(info));
	int err = xnet_nl_admin(skb, info);

	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, XNET_ATTR_KEY_ID)) {
		xnet_audit_config(xn, XNET_SEC_CONFIG_INVALID,
				  info->genlhdr->cmd);
		return -EINVAL;
	}
	err = xnet_key_del(xn, nla_get_u32(info->attrs[XNET_ATTR_KEY_ID]));
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no key with this ID");
	return err;
}

/*
 * One key as KEY_GET and notifications (notify.c) show it: never its
 * bytes (there are none to show).
 */
int xnet_nl_key_attrs(struct sk_buff *skb, const struct xnet_key_info *ki)
{
	if (nla_put_u32(skb, XNET_ATTR_KEY_ID, ki->id) ||
	    nla_put_u8(skb, XNET_ATTR_KEY_ALG, ki->alg) ||
	    nla_put_u8(skb, XNET_ATTR_KEY_STATE, ki->state) ||
	    nla_put_u32(skb, XNET_ATTR_KEY_USE, ki->use) ||
	    nla_put(skb, XNET_ATTR_KEY_FPR, XNET_KEY_FPR_LEN, ki->fpr) ||
	    (ki->peer && nla_put_in_addr(skb, XNET_ATTR_PEER_ADDR, ki->peer)) ||
	    (ki->ifindex && nla_put_u32(skb, XNET_ATTR_IFINDEX, ki->ifindex)))
		return -EMSGSIZE;
	return 0;
}

static int xnet_nl_key_fill(const struct xnet_key_info *ki, void *arg)
{
	struct xnet_nl_walk *w = arg;
	struct sk_buff *skb = w->skb;
	void *hdr;

	hdr = xnet_nl_put(skb, w->cb, XNET_CMD_KEY_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (xnet_nl_key_attrs(skb, ki)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int xnet_nl_key_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xnet_net *xn = xnet_pernet(sock_net(skb->sk));
	struct xnet_nl_walk w = { .skb = skb, .cb = cb };
	int err;

	err = xnet_key_walk(xn, &cb->args[0], xnet_nl_key_fill, &w);
	if (err && !skb->len)
		return err;
	return skb->len;
}

static const struct genl_small_ops xnet_genl_ops[] = {
	{
		.cmd	= XNET_CMD_ADDR_ADD,
		.doit	= xnet_nl_addr_add,
	},
	{
		.cmd	= XNET_CMD_ADDR_DEL,
		.doit	= xnet_nl_addr_del,
	},
	{
		.cmd	= XNET_CMD_ADDR_GET,
		.dumpit	= xnet_nl_addr_dump,
	},
	{
		.cmd	= XNET_CMD_NEIGH_GET,
		.dumpit	= xnet_nl_neigh_dump,
	},
	{
		.cmd	= XNET_CMD_STATS_GET,
		.doit	= xnet_nl_stats,
	},
	{
		.cmd	= XNET_CMD_SOCK_GET,
		.dumpit	= xnet_nl_sock_dump,
	},
	{
		.cmd	= XNET_CMD_NEIGH_FLUSH,
		.doit	= xnet_nl_neigh_flush,
	},
	{
		.cmd	= XNET_CMD_ROUTE_ADD,
		.doit	= xnet_nl_route_add,
	},
	{
		.cmd	= XNET_CMD_ROUTE_DEL,
		.doit	= xnet_nl_route_del,
	},
	{
		.cmd	= XNET_CMD_ROUTE_GET,
		.dumpit	= xnet_nl_route_dump,
	},
	{
		.cmd	= XNET_CMD_ROUTE_LOOKUP,
		.doit	= xnet_nl_route_lookup,
	},
	{
		.cmd	= XNET_CMD_KEY_ADD,
		.doit	= xnet_nl_key_add,
	},
	{
		.cmd	= XNET_CMD_KEY_DEL,
		.doit	= xnet_nl_key_del,
	},
	{
		.cmd	= XNET_CMD_KEY_GET,
		.dumpit	= xnet_nl_key_dump,
	},
};

/* The groups, in the order of enum xnet_nl_mcgrp (xnet.h). */
static const struct genl_multicast_group xnet_genl_mcgrps[] = {
	[XNET_NL_MCGRP_MONITOR] = { .name = XNET_GENL_MCGRP_MONITOR },
};

static struct genl_family xnet_genl_family __ro_after_init = {
	.name		= XNET_GENL_NAME,
	.version	= XNET_GENL_VERSION,
	.maxattr	= XNET_ATTR_MAX,
	.policy		= xnet_nl_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.small_ops	= xnet_genl_ops,
	.n_small_ops	= ARRAY_SIZE(xnet_genl_ops),
	.mcgrps		= xnet_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(xnet_genl_mcgrps),
	.resv_start_op	= XNET_CMD_MAX + 1,
};

/*
 * Set while the family is registered: notifications (notify.c) from
 * netns and module teardown after genl_unregister_family() must not use
 * a group number the core may have given to another family.
 */
static bool xnet_nl_up;

/*
 * Might anyone in @net listen to @grp? The core's answer is per protocol
 * (a listener in any netns says yes). Any context.
 */
bool xnet_nl_listening(struct net *net, enum xnet_nl_mcgrp grp)
{
	return READ_ONCE(xnet_nl_up) &&
	       genl_has_listeners(&xnet_genl_family, net, grp) > 0;
}

/* A notification message of @cmd, its header in *@hdr. Any context. */
struct sk_buff *xnet_nl_event_new(u8 cmd, gfp_t gfp, void **hdr)
{
	struct sk_buff *skb = genlmsg_new(XNET_NL_EVENT_SIZE, gfp);

	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &xnet_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/*
 * Send a notification (genlmsg_end() done) to @net's listeners of @grp only.
 * Consumes @skb. Process or softirq context, no xnet spinlock held (the
 * core takes the netlink table's lock and each listener's queue lock).
 */
void xnet_nl_event_send(struct net *net, struct sk_buff *skb,
			enum xnet_nl_mcgrp grp, gfp_t gfp)
{
	/* -ESRCH (nobody left) and listeners' -ENOBUFS are theirs */
	genlmsg_multicast_netns(&xnet_genl_family, net, skb, 0, grp, gfp);
}

/*
 * Tell @net's listeners of @grp that they missed events: ENOBUFS on their
 * sockets, as a full receive queue says. Process or softirq context, no
 * xnet spinlock held.
 */
void xnet_nl_event_lost(struct net *net, enum xnet_nl_mcgrp grp)
{
	if (READ_ONCE(xnet_nl_up))
		genl_set_err(&xnet_genl_family, net, 0, grp, -ENOBUFS);
}

int xnet_netlink_init(void)
{
	int err = genl_register_family(&xnet_genl_family);

	if (!err)
		WRITE_ONCE(xnet_nl_up, true);
	return err;
}

void xnet_netlink_exit(void)
{
	WRITE_ONCE(xnet_nl_up, false);
	genl_unregister_family(&xnet_genl_family);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: the per-netns route table and longest-prefix-match lookup.
 *
 * Kinds of route (XNET_ROUTE_*):
 *  - CONNECTED: the prefix of an address A/LEN, LEN >= 1, on its device;
 *    created and removed with the address (one entry per prefix and
 *    device, counted in @users when several addresses share it).
 *  - GATEWAY: route add PREFIX/LEN via GW [dev IF] [metric N]. GW must be
 *    on link: inside a connected prefix (of IF, if given) or on the link
 *    of a bare address. When it no longer is (its address went), the
 *    route goes, as Linux drops routes whose next hop lost its link.
 *  - BARE: a bare address (no /LEN) is A/0 on the link of its device: one
 *    entry per device holding bare addresses, 0/0. It is the last resort:
 *    any route, a default route included, beats it; when it is what a
 *    lookup finds, struct xnet_rt has xdev NULL and the destination is
 *    resolved as before prefixes existed (a query on every device
 *    holding a bare address, the sender's oif honoured).
 *
 * Structure: one hash table keyed by (prefix, length), and a bitmap of
 * the lengths that have at least one route. A lookup walks the populated
 * lengths longest first, masks the destination and probes one bucket per
 * length: at most 33 probes, each O(1) on average; with 10 000 routes in
 * 4096 buckets chains stay short, and a typical table (a few lengths)
 * costs a few probes. Simpler than a compressed trie for the same
 * bound, and readers touch no shared cache line written per lookup. On
 * one prefix, the usable route of lowest metric wins (connected routes
 * have metric 0; equal metrics: the older route).
 *
 * Locking: writers hold RTNL (genetlink handlers take it, netdev events
 * and address changes run under it); they change the hash chains and
 * the list of all routes with the _rcu list primitives, update the
 * length bitmap with WRITE_ONCE and free routes with kfree_rcu().
 * Readers (xnet_route_output_rcu(), dumps) run under rcu_read_lock()
 * (or the _bh flavour) and never block. A route points at its xnet_dev:
 * xnet_dev_destroy() removes the device's routes (xnet_route_dev_down())
 * before it frees the xnet_dev after a grace period, so a reader that
 * found a route may use route->xdev until it leaves its RCU section.
 *
 * Lookup cache: a table with many lengths costs up to 33 probes, so
 * xnet_route_output_rcu() first looks in a per-netns, per-CPU,
 * direct-mapped cache of 64 results keyed by (daddr, saddr, oif); a
 * slot holds the inputs, the result (error or struct xnet_rt, whose mtu
 * is read again from the device at each hit) and t->gen as read BEFORE
 * the walk that computed it, so a change made during the walk leaves the
 * slot stale. A slot is used only while its gen equals t->gen. Writers
 * bump t->gen (smp_store_release(), RTNL; the reader's load is an
 * acquire, so a walk that saw the new gen sees the change that came
 * before it and cannot cache a pre-change result under the new gen)
 * after every change a result depends
 * on: a route inserted or removed (xnet_route_insert/remove), an address
 * added or deleted (dev.c: sources and the saddr check), any netdev
 * event on one of our devices (dev.c: netif_running(), MTU), and a
 * device going (xnet_route_dev_down(), even with no route through it).
 * A slot is read and written with BHs off (lookups run in process and
 * softirq context; with IRQs off the cache is bypassed), so it is never
 * seen half written. A cached xdev stays safe to use: its removal and
 * the removal of a route bump t->gen before kfree_rcu(), so a reader
 * that still sees the old gen began its RCU section before the grace
 * period the free waits for. Until the NETDEV_DOWN event follows
 * clearing netif_running(), a hit may name a device just going down,
 * as a lookup just before it would. Strangers' frames (forwarding,
 * errors) can only evict slots: a miss costs one walk, as before.
 *
 * Every route inserted or removed (with its address or device too) is
 * announced on the monitor group (notify.c), under RTNL.
 *
 * Context: xnet_route_output_rcu() in any context under RCU; everything
 * else in process context under RTNL, but for xnet_route_walk() (RCU).
 */
#include <linux/hash.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "xnet.h"

#define XNET_RT_HASH_BITS	12
#define XNET_RCACHE_BITS	6

struct xnet_route {
	struct hlist_node	node;		/* in rtable->hash, RCU */
	struct list_head	list;		/* in rtable->all, RCU */
	struct rcu_head		rcu;
	struct xnet_dev		*xdev;
	__be32			prefix;
	__be32			gateway;	/* 0: on link */
	u32			metric;
	u8			prefixlen;
	u8			type;		/* XNET_ROUTE_* */
	unsigned int		users;		/* addresses sharing it */
};

/* One slot of the per-CPU lookup cache: a lookup's inputs and result. */
struct xnet_rcache_slot {
	unsigned long		gen;		/* rtable->gen; 0: empty */
	__be32			daddr;
	__be32			saddr;
	int			oif;
	int			err;
	struct xnet_rt		rt;		/* mtu not used: read at hit */
};

struct xnet_rcache {
	struct xnet_rcache_slot	slot[1 << XNET_RCACHE_BITS];
};

struct xnet_rtable {
	struct rcu_head		rcu;
	unsigned long		gen;		/* RTNL, release/acquire; >= 1 */
	struct xnet_rcache __percpu *cache;
	u64			lens;		/* bit L: a route of length L */
	unsigned int		nlen[33];	/* routes per length; RTNL */
	unsigned int		count;		/* routes but BARE; RTNL */
	struct list_head	all;		/* every route, RCU */
	struct hlist_head	hash[1 << XNET_RT_HASH_BITS];
};

static __be32 xnet_mask(u8 len)
{
	return len ? htonl(~0U << (32 - len)) : 0;
}

static struct hlist_head *xnet_rt_bucket(struct xnet_rtable *t,
					 __be32 prefix, u8 len)
{
	return &t->hash[hash_32((__force u32)prefix ^ len, XNET_RT_HASH_BITS)];
}

/* The source for a frame to @nexthop leaving by @xdev: RCU or RTNL. */
static __be32 xnet_route_src(struct xnet_dev *xdev, __be32 nexthop)
{
	struct xnet_ifaddr *ifa;

	list_for_each_entry_rcu(ifa, &xdev->addrs, list,
				lockdep_rtnl_is_held())
		if (ifa->prefixlen &&
		    !((ifa->addr ^ nexthop) & xnet_mask(ifa->prefixlen)))
			return ifa->addr;
	return xnet_dev_first_addr_rcu(xdev);
}

/* The walk of the table behind xnet_route_output_rcu(): RCU. */
static int xnet_route_lookup(struct xnet_net *xn, __be32 daddr,
			     __be32 saddr, int oif, struct xnet_rt *rt)
{
	struct xnet_rtable *t = xn->rtable;
	struct xnet_route *r, *best;
	u64 lens = READ_ONCE(t->lens);
	bool bare = false;
	__be32 prefix;
	u8 len;

	while (lens) {
		len = fls64(lens) - 1;
		lens &= ~BIT_ULL(len);
		prefix = daddr & xnet_mask(len);
		best = NULL;
		hlist_for_each_entry_rcu(r, xnet_rt_bucket(t, prefix, len),
					 node) {
			if (r->prefix != prefix || r->prefixlen != len)
				continue;
			if (r->type == XNET_ROUTE_BARE) {
				bare |= xnet_dev_usable(r->xdev, oif, 0);
				continue;
			}
			if (!xnet_dev_usable(r->xdev, oif, saddr))
				continue;
			if (!best || r->metric < best->metric)
				best = r;
		}
		if (!best)
			continue;
		rt->xdev = best->xdev;
		rt->nexthop = best->gateway ? : daddr;
		rt->src = saddr ? : xnet_route_src(best->xdev, rt->nexthop);
		rt->mtu = READ_ONCE(best->xdev->dev->mtu);
		rt->type = best->type;
		rt->prefixlen = best->prefixlen;
		rt->prefix = best->prefix;
		rt->metric = best->metric;
		return 0;
	}
	if (!bare)
		return -ENETUNREACH;
	memset(rt, 0, sizeof(*rt));
	rt->nexthop = daddr;
	rt->src = saddr;
	rt->type = XNET_ROUTE_BARE;
	return 0;
}

/*
 * Anything a lookup's result depends on changed (a route, an address, a
 * device's state or MTU): every cached result of this netns is stale.
 * RTNL, called after the change is visible to readers and before any
 * object it frees is handed to kfree_rcu()/call_rcu().
 */
void xnet_route_changed(struct xnet_net *xn)
{
	struct xnet_rtable *t = xn->rtable;

	ASSERT_RTNL();
	if (!t)
		return;
	/* pairs with the acquire in xnet_route_output_rcu() */
	smp_store_release(&t->gen, t->gen + 1);
}

/*
 * The way to @daddr for a sender bound to @saddr (0: unbound) and to the
 * device @oif (0: any). Fills @rt; -ENETUNREACH if no route matches. The
 * result is valid until the caller leaves its RCU read section.
 */
int xnet_route_output_rcu(struct xnet_net *xn, __be32 daddr, __be32 saddr,
			  int oif, struct xnet_rt *rt)
{
	struct xnet_rtable *t = xn->rtable;
	struct xnet_rcache_slot *s;
	unsigned long gen;
	u32 h;
	int err;

	if (unlikely(irqs_disabled()))
		return xnet_route_lookup(xn, daddr, saddr, oif, rt);
	/* read before the lookup: a change during it makes the slot stale */
	gen = smp_load_acquire(&t->gen);	/* pairs with the release */
	h = hash_32((__force u32)daddr ^ hash_32((__force u32)saddr ^ oif, 32),
		    XNET_RCACHE_BITS);
	local_bh_disable();
	s = &this_cpu_ptr(t->cache)->slot[h];
	if (s->gen == gen && s->daddr == daddr && s->saddr == saddr &&
	    s->oif == oif) {
		err = s->err;
		*rt = s->rt;
		local_bh_enable();
		if (!err && rt->xdev)
			rt->mtu = READ_ONCE(rt->xdev->dev->mtu);
		return err;
	}
	local_bh_enable();
	err = xnet_route_lookup(xn, daddr, saddr, oif, rt);
	local_bh_disable();
	s = &this_cpu_ptr(t->cache)->slot[h];
	s->gen = gen;
	s->daddr = daddr;
	s->saddr = saddr;
	s->oif = oif;
	s->err = err;
	if (!err)
		s->rt = *rt;
	local_bh_enable();
	return err;
}

/* A route added or removed, to the monitor group (notify.c). RTNL. */
static void xnet_route_notify(struct xnet_route *r, u8 cmd)
{
	struct xnet_route_info ri = {
		.prefix = r->prefix,
		.prefixlen = r->prefixlen,
		.type = r->type,
		.gateway = r->gateway,
		.metric = r->metric,
		.dev = r->xdev->dev,
	};

	xnet_notify_route(r->xdev->xn, &ri, cmd);
}

static void xnet_route_insert(struct xnet_rtable *t, struct xnet_route *r)
{
	ASSERT_RTNL();
	hlist_add_tail_rcu(&r->node, xnet_rt_bucket(t, r->prefix,
						    r->prefixlen));
	list_add_tail_rcu(&r->list, &t->all);
	if (!t->nlen[r->prefixlen]++)
		WRITE_ONCE(t->lens, t->lens | BIT_ULL(r->prefixlen));
	if (r->type != XNET_ROUTE_BARE)
		t->count++;
	/* after the route is in place: pairs with the lookup's acquire */
	smp_store_release(&t->gen, t->gen + 1);
	xnet_route_notify(r, XNET_CMD_ROUTE_ADD);
}

static void xnet_route_remove(struct xnet_rtable *t, struct xnet_route *r)
{
	ASSERT_RTNL();
	hlist_del_rcu(&r->node);
	list_del_rcu(&r->list);
	if (!--t->nlen[r->prefixlen])
		WRITE_ONCE(t->lens, t->lens & ~BIT_ULL(r->prefixlen));
	if (r->type != XNET_ROUTE_BARE)
		t->count--;
	/* after the unlink, before the free: pairs with the acquire */
	smp_store_release(&t->gen, t->gen + 1);
	xnet_route_notify(r, XNET_CMD_ROUTE_DEL);
	kfree_rcu(r, rcu);
}

static struct xnet_route *xnet_route_alloc(struct xnet_net *xn,
					   struct xnet_dev *xdev, u8 type,
					   __be32 prefix, u8 len)
{
	struct xnet_rtable *t = xn->rtable;
	struct xnet_route *r;

	if (type != XNET_ROUTE_BARE &&
	    t->count >= READ_ONCE(xn->route_max)) {
		xnet_inc_stat(xn, XNET_MIB_ROUTE_TABLE_FULL);
		return ERR_PTR(-ENOSPC);
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->xdev = xdev;
	r->type = type;
	r->prefix = prefix;
	r->prefixlen = len;
	r->users = 1;
	return r;
}

/* The entry of kind @type for @prefix/@len on @xdev, if any. RTNL. */
static struct xnet_route *xnet_route_find(struct xnet_rtable *t,
					  struct xnet_dev *xdev, u8 type,
					  __be32 prefix, u8 len)
{
	struct xnet_route *r;

	hlist_for_each_entry(r, xnet_rt_bucket(t, prefix, len), node)
		if (r->xdev == xdev && r->type == type &&
		    r->prefix == prefix && r->prefixlen == len)
			return r;
	return NULL;
}

/* An address @addr/@prefixlen appears on @xdev: its route. RTNL. */
int xnet_route_addr_add(struct xnet_net *xn, struct xnet_dev *xdev,
			__be32 addr, u8 prefixlen)
{
	u8 type = prefixlen ? XNET_ROUTE_CONNECTED : XNET_ROUTE_BARE;
	__be32 prefix = addr & xnet_mask(prefixlen);
	struct xnet_route *r;

	ASSERT_RTNL();
	r = xnet_route_find(xn->rtable, xdev, type, prefix, prefixlen);
	if (r) {
		r->users++;
		return 0;
	}
	r = xnet_route_alloc(xn, xdev, type, prefix, prefixlen);
	if (IS_ERR(r))
		return PTR_ERR(r);
	xnet_route_insert(xn->rtable, r);
	return 0;
}

/* Is @gw on the link of @xdev: in a prefix of its, or a bare link? */
static bool xnet_route_onlink(struct xnet_dev *xdev, __be32 gw)
{
	struct xnet_ifaddr *ifa;

	if (xdev->nbare)
		return true;
	list_for_each_entry(ifa, &xdev->addrs, list)
		if (ifa->prefixlen &&
		    !((ifa->addr ^ gw) & xnet_mask(ifa->prefixlen)))
			return true;
	return false;
}

/* Drop the gateway routes whose gateway is no longer on link. RTNL. */
static void xnet_route_prune(struct xnet_net *xn)
{
	struct xnet_rtable *t = xn->rtable;
	struct xnet_route *r, *tmp;

	list_for_each_entry_safe(r, tmp, &t->all, list)
		if (r->type == XNET_ROUTE_GATEWAY &&
		    !xnet_route_onlink(r->xdev, r->gateway))
			xnet_route_remove(t, r);
}

/*
 * @addr/@prefixlen left @xdev (already off its list): drop its route
 * when no address shares it, then the routes whose gateway it carried.
 * RTNL.
 */
void xnet_route_addr_del(struct xnet_net *xn, struct xnet_dev *xdev,
			 __be32 addr, u8 prefixlen)
{
	u8 type = prefixlen ? XNET_ROUTE_CONNECTED : XNET_ROUTE_BARE;
	__be32 prefix = addr & xnet_mask(prefixlen);
	struct xnet_route *r;

	ASSERT_RTNL();
	r = xnet_route_find(xn->rtable, xdev, type, prefix, prefixlen);
	if (r && !--r->users)
		xnet_route_remove(xn->rtable, r);
	xnet_route_prune(xn);
}

/* @xdev goes away: every route through it goes. RTNL. */
void xnet_route_dev_down(struct xnet_net *xn, struct xnet_dev *xdev)
{
	struct xnet_rtable *t = xn->rtable;
	struct xnet_route *r, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(r, tmp, &t->all, list)
		if (r->xdev == xdev)
			xnet_route_remove(t, r);
	/* even with no route left: a cached result may name @xdev */
	xnet_route_changed(xn);
}

/*
 * The device a gateway is reached by: a device (@ifindex's, if given)
 * with a prefix containing @gw, else one holding a bare address (the
 * only one, when @ifindex is not given). NULL: not on link. RTNL.
 */
static struct xnet_dev *xnet_route_gw_dev(struct xnet_net *xn, __be32 gw,
					  int ifindex)
{
	struct xnet_dev *xdev, *bare = NULL;
	struct xnet_ifaddr *ifa;
	int nbare = 0;

	list_for_each_entry(xdev, &xn->devs, list) {
		if (ifindex && xdev->dev->ifindex != ifindex)
			continue;
		list_for_each_entry(ifa, &xdev->addrs, list)
			if (ifa->prefixlen &&
			    !((ifa->addr ^ gw) & xnet_mask(ifa->prefixlen)))
				return xdev;
		if (xdev->nbare) {
			bare = xdev;
			nbare++;
		}
	}
	return nbare == 1 ? bare : NULL;
}

static bool xnet_route_cfg_ok(const struct xnet_route_cfg *cfg,
			      struct netlink_ext_ack *extack)
{
	if (cfg->prefixlen > 32) {
		NL_SET_ERR_MSG(extack, "prefix length is 0..32");
		return false;
	}
	if (cfg->prefix & ~xnet_mask(cfg->prefixlen)) {
		NL_SET_ERR_MSG(extack, "invalid prefix for given prefix length");
		return false;
	}
	return true;
}

/* route add: -EINVAL, -ENETUNREACH, -EEXIST, -ENOSPC, -ENOMEM. RTNL. */
int xnet_route_add(struct xnet_net *xn, const struct xnet_route_cfg *cfg,
		   struct netlink_ext_ack *extack)
{
	struct xnet_rtable *t = xn->rtable;
	struct xnet_route *r;
	struct xnet_dev *xdev;
	__be32 gw = cfg->gateway;

	ASSERT_RTNL();
	if (!xnet_route_cfg_ok(cfg, extack))
		return -EINVAL;
	if (!gw || gw == htonl(XNET_ADDR_BROADCAST)) {
		NL_SET_ERR_MSG(extack, "a route needs a gateway (via ADDR)");
		return -EINVAL;
	}
	if (xnet_dev_by_addr_rcu(xn, gw)) {
		NL_SET_ERR_MSG(extack, "gateway is a local address");
		return -EINVAL;
	}
	if (cfg->ifindex && !__dev_get_by_index(xn->net, cfg->ifindex)) {
		NL_SET_ERR_MSG(extack, "no such device");
		return -ENODEV;
	}
	xdev = xnet_route_gw_dev(xn, gw, cfg->ifindex);
	if (!xdev) {
		NL_SET_ERR_MSG(extack, "gateway not on link (a bare link: give dev)");
		return -ENETUNREACH;
	}
	hlist_for_each_entry(r, xnet_rt_bucket(t, cfg->prefix,
					       cfg->prefixlen), node)
		if (r->type == XNET_ROUTE_GATEWAY &&
		    r->prefix == cfg->prefix &&
		    r->prefixlen == cfg->prefixlen &&
		    r->metric == cfg->metric) {
			NL_SET_ERR_MSG(extack, "a route to this prefix with this metric exists");
			return -EEXIST;
		}
	r = xnet_route_alloc(xn, xdev, XNET_ROUTE_GATEWAY, cfg->prefix,
			     cfg->prefixlen);
	if (IS_ERR(r)) {
		if (PTR_ERR(r) == -ENOSPC)
			NL_SET_ERR_MSG(extack, "route table full (net.xnet.route_max)");
		return PTR_ERR(r);
	}
	r->gateway = gw;
	r->metric = cfg->metric;
	xnet_route_insert(t, r);
	return 0;
}

/* route del: the first gateway route matching every key given. RTNL. */
int xnet_route_del(struct xnet_net *xn, const struct xnet_route_cfg *cfg)
{
	struct xnet_rtable *t = xn->rtable;
	struct xnet_route *r;

	ASSERT_RTNL();
	if (cfg->prefixlen > 32)
		return -EINVAL;
	hlist_for_each_entry(r, xnet_rt_bucket(t, cfg->prefix,
					       cfg->prefixlen), node) {
		if (r->type != XNET_ROUTE_GATEWAY ||
		    r->prefix != cfg->prefix ||
		    r->prefixlen != cfg->prefixlen ||
		    (cfg->gateway && r->gateway != cfg->gateway) ||
		    (cfg->ifindex && r->xdev->dev->ifindex != cfg->ifindex) ||
		    (cfg->has_metric && r->metric != cfg->metric))
			continue;
		xnet_route_remove(t, r);	/* the walk ends here */
		return 0;
	}
	return -ESRCH;
}

/*
 * Call @fn for each route from position *pos on, under RCU (fn must not
 * sleep); stops when fn returns non-zero, leaving *pos there. A table
 * changing between two calls may make a dump skip or repeat a route.
 */
int xnet_route_walk(struct xnet_net *xn, unsigned long *pos,
		    xnet_route_iter_t fn, void *arg)
{
	struct xnet_rtable *t = xn->rtable;
	struct xnet_route_info ri;
	unsigned long idx = 0;
	struct xnet_route *r;
	int err = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(r, &t->all, list) {
		if (idx++ < *pos)
			continue;
		ri.prefix = r->prefix;
		ri.prefixlen = r->prefixlen;
		ri.type = r->type;
		ri.gateway = r->gateway;
		ri.metric = r->metric;
		ri.dev = r->xdev->dev;
		err = fn(&ri, arg);
		if (err)
			break;
		(*pos)++;
	}
	rcu_read_unlock();
	return err;
}

int xnet_route_net_init(struct xnet_net *xn)
{
	struct xnet_rtable *t;
	int i;

	t = kvzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->cache = alloc_percpu(struct xnet_rcache);	/* zeroed: empty */
	if (!t->cache) {
		kvfree(t);
		return -ENOMEM;
	}
	t->gen = 1;
	INIT_LIST_HEAD(&t->all);
	for (i = 0; i < ARRAY_SIZE(t->hash); i++)
		INIT_HLIST_HEAD(&t->hash[i]);
	xn->rtable = t;
	xn->route_max = 16384;
	return 0;
}

static void xnet_rtable_free(struct rcu_head *head)
{
	struct xnet_rtable *t = container_of(head, struct xnet_rtable, rcu);

	free_percpu(t->cache);	/* atomic context is fine for both */
	kvfree(t);
}

/* After every xnet_dev of the netns is gone (so every route). */
void xnet_route_net_exit(struct xnet_net *xn)
{
	struct xnet_rtable *t = xn->rtable;

	WARN_ON_ONCE(!list_empty(&t->all));
	xn->rtable = NULL;
	call_rcu(&t->rcu, xnet_rtable_free);
}

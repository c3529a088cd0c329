// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: the path MTU cache: per netns, per destination address, the MTU
 * that frame too big reports (error.c) taught us, below the MTU of the
 * device a frame leaves by. xnet_path_mtu() (tx.c) takes the smaller of
 * the two, so datagram senders get EMSGSIZE above it and connections
 * take their MSS from it.
 *
 * Bounded: at most net.xnet.pmtu_max entries; when full, the entry
 * updated longest ago (the head of pmtu_lru: every entry lives as long,
 * so it is also the first to expire) makes room, the table never grows.
 * An entry is ignored once net.xnet.pmtu_expires_ms have passed since
 * its last update (as IPv4's 10 minutes, ip_rt_mtu_expires), and
 * reclaimed when it is the oldest. An entry only ever lowers the MTU; a
 * path that grows is found again when its entry expires.
 *
 * Locking and context: readers (xnet_pmtu_get()) in any context under
 * RCU, lockless; writers (xnet_pmtu_update(), the netns exit) take
 * xn->pmtu_lock with BHs off, which protects the hash chains, pmtu_lru,
 * pmtu_count and the entries' fields (read locklessly with READ_ONCE).
 * Entries are freed after an RCU grace period.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "xnet.h"

struct xnet_pmtu {
	struct hlist_node	node;		/* in xn->pmtu_hash, RCU */
	struct list_head	lru;		/* in xn->pmtu_lru */
	__be32			daddr;
	unsigned int		mtu;
	unsigned long		expires;	/* jiffies */
	struct rcu_head		rcu;
};

static struct hlist_head *xnet_pmtu_bucket(struct xnet_net *xn, __be32 daddr)
{
	u32 h = jhash_1word((__force u32)daddr, xn->pmtu_seed);

	return &xn->pmtu_hash[hash_32(h, XNET_PMTU_HASH_BITS)];
}

static struct xnet_pmtu *xnet_pmtu_find(struct xnet_net *xn, __be32 daddr)
{
	struct xnet_pmtu *p;

	hlist_for_each_entry_rcu(p, xnet_pmtu_bucket(xn, daddr), node,
				 lockdep_is_held(&xn->pmtu_lock))
		if (p->daddr == daddr)
			return p;
	return NULL;
}

/*
 * The path MTU learnt for @daddr (header included), or UINT_MAX if none
 * is known or it expired: callers take the smaller of it and the
 * device's. Any context.
 */
unsigned int xnet_pmtu_get(struct xnet_net *xn, __be32 daddr)
{
	unsigned int mtu = UINT_MAX;
	struct xnet_pmtu *p;

	if (!READ_ONCE(xn->pmtu_count))
		return mtu;
	rcu_read_lock();
	p = xnet_pmtu_find(xn, daddr);
	if (p && time_before(jiffies, READ_ONCE(p->expires)))
		mtu = READ_ONCE(p->mtu);
	rcu_read_unlock();
	return mtu;
}

static void xnet_pmtu_unlink(struct xnet_net *xn, struct xnet_pmtu *p)
{
	hlist_del_rcu(&p->node);
	list_del(&p->lru);
	WRITE_ONCE(xn->pmtu_count, xn->pmtu_count - 1);
	kfree_rcu(p, rcu);
}

/*
 * Lower the path MTU of @daddr to @mtu (validated by the caller, error.c)
 * for pmtu_expires_ms. An expired entry takes the new value whatever it
 * was. Any context, no xnet lock held.
 */
void xnet_pmtu_update(struct xnet_net *xn, __be32 daddr, unsigned int mtu)
{
	unsigned long expires = jiffies +
		msecs_to_jiffies(READ_ONCE(xn->pmtu_expires_ms));
	unsigned int max = max(READ_ONCE(xn->pmtu_max), 1);
	struct xnet_pmtu *p, *n;

	spin_lock_bh(&xn->pmtu_lock);
	p = xnet_pmtu_find(xn, daddr);
	if (p) {
		if (mtu < p->mtu || !time_before(jiffies, p->expires))
			WRITE_ONCE(p->mtu, mtu);
		else if (mtu > p->mtu)
			goto out;
		WRITE_ONCE(p->expires, expires);
		list_move_tail(&p->lru, &xn->pmtu_lru);
		goto out;
	}
	/* full (or the limit lowered): the oldest make room */
	list_for_each_entry_safe(p, n, &xn->pmtu_lru, lru) {
		if (xn->pmtu_count < max)
			break;
		xnet_pmtu_unlink(xn, p);
	}
	p = kzalloc(sizeof(*p), GFP_ATOMIC);
	if (!p)
		goto out;
	p->daddr = daddr;
	p->mtu = mtu;
	p->expires = expires;
	hlist_add_head_rcu(&p->node, xnet_pmtu_bucket(xn, daddr));
	list_add_tail(&p->lru, &xn->pmtu_lru);
	WRITE_ONCE(xn->pmtu_count, xn->pmtu_count + 1);
out:
	spin_unlock_bh(&xn->pmtu_lock);
}

void xnet_pmtu_net_init(struct xnet_net *xn)
{
	int i;

	spin_lock_init(&xn->pmtu_lock);
	for (i = 0; i < ARRAY_SIZE(xn->pmtu_hash); i++)
		INIT_HLIST_HEAD(&xn->pmtu_hash[i]);
	INIT_LIST_HEAD(&xn->pmtu_lru);
	xn->pmtu_count = 0;
	xn->pmtu_seed = get_random_u32();
	xn->pmtu_max = 1024;
	xn->pmtu_expires_ms = 600000;
}

/* Netns exit: no socket and no device is left to read the cache. */
void xnet_pmtu_net_exit(struct xnet_net *xn)
{
	struct xnet_pmtu *p, *n;

	spin_lock_bh(&xn->pmtu_lock);
	list_for_each_entry_safe(p, n, &xn->pmtu_lru, lru)
		xnet_pmtu_unlink(xn, p);
	spin_unlock_bh(&xn->pmtu_lock);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: neighbour resolution (xnet address -> Ethernet address) and the
 * per-netns neighbour table.
 *
 * Locking: one spinlock per netns, xn->neigh_lock, taken with BHs off,
 * protects the hash, the count and every field of every entry, including
 * the queue of frames waiting for resolution. Nothing is transmitted with
 * it held: frames and queries to send are collected under the lock and sent
 * after it is dropped (the "xmitq" pattern).
 *
 * An entry's dev pointer is valid while the entry exists: entries learnt on
 * a device are flushed when its xnet_dev is destroyed (RTNL) before the
 * device reference is dropped. A sender copies dev under the lock and pins
 * it with dev_hold() until its frame is handed over.
 *
 * Strangers: an entry created for somebody who has not been shown to be
 * a peer of a local sender is a stranger's (n->stranger, counted in
 * xn->neigh_strangers): one learnt from a query, or created to send an
 * answer to a peer's frame (a SYN+ACK of a half-open connection, a
 * reset). Strangers' entries fill at most half of neigh_max; forced GC
 * evicts them first and, for a stranger's sake, never evicts anything
 * else; they are probed once, and only within the netns's query budget
 * (XNET_RL_NEIGH_QUERY). An entry becomes a local sender's own when a
 * frame other than such an answer is sent through it (the handshake
 * completed, a datagram was sent). A query never moves a resolved entry
 * to another MAC or device; only an answer to our own query does.
 *
 * Forwarded frames (xnet_neigh_forward(), forward.c) take the same way
 * to their next hop, as strangers' frames: toward a destination on a
 * connected link they create only strangers' entries (anyone may send
 * frames to every address of a prefix); toward a gateway route's next
 * hop, which the administrator named, the entry is the router's own, as
 * a local sender's: its resolution and probes are not charged to the
 * strangers' budget (a re-check after a MAC change, xnet_neigh_recheck(),
 * still is) and it is not evicted for a stranger's sake, so a spray of
 * frames to unused addresses cannot make a router's next hop
 * unreachable. They leave by xnet_forward_finish(), and a failed
 * resolution sends their source an unreachable report.
 *
 * Authentication (net.xnet.secure=2, key.c): queries and answers we send
 * carry a trailer after the header (xnet_neigh_auth()); frames received
 * are checked and the trailer stripped by rx.c's policy check before
 * xnet_neigh_rcv() sees them, so nothing here reads it. At other
 * settings a trailer is ignored (the length of neighbour frames is not
 * checked beyond the header).
 *
 * Notifications (notify.c): every real change of an entry (created,
 * state, device or MAC changed, removed) is built under neigh_lock into
 * xn->neigh_notes (under neigh_lock too) and sent by the code that
 * drops the lock, with xnet_notify_neigh_send(); a confirmation that
 * changes nothing sends nothing.
 *
 * Context: xnet_neigh_output() runs in process or softirq context (a
 * connection's output), xnet_neigh_forward() in softirq; xnet_neigh_rcv() in
 * softirq; xnet_neigh_work() in process context (system workqueue), once
 * per interval while the table is not empty; it is cancelled at netns exit
 * after 'dying' is set, so it cannot re-arm.
 */
#include <linux/etherdevice.h>
#include <linux/hash.h>
#include <linux/slab.h>

#include "xnet.h"
#include "sec.h"

/*
 * A frame waiting for resolution remembers its sender's device binding,
 * and whether it is a forwarded frame (xnet_neigh_forward()): set from
 * the caller's word when it is queued, read only here.
 */
struct xnet_neigh_cb {
	int	oif;
	bool	fwd;
};

#define XNET_NEIGH_CB(skb) ((struct xnet_neigh_cb *)(skb)->cb)

static struct hlist_head *xnet_neigh_bucket(struct xnet_net *xn, __be32 addr)
{
	return &xn->neigh_hash[hash_32((__force u32)addr, XNET_NEIGH_HASH_BITS)];
}

static struct xnet_neigh *xnet_neigh_lookup(struct xnet_net *xn, __be32 addr)
{
	struct xnet_neigh *n;

	lockdep_assert_held(&xn->neigh_lock);
	hlist_for_each_entry(n, xnet_neigh_bucket(xn, addr), node)
		if (n->addr == addr)
			return n;
	return NULL;
}

static void xnet_neigh_kick(struct xnet_net *xn, unsigned long delay)
{
	if (!xn->dying)
		queue_delayed_work(system_wq, &xn->neigh_work, delay);
}

static void xnet_neigh_destroy(struct xnet_net *xn, struct xnet_neigh *n)
{
	lockdep_assert_held(&xn->neigh_lock);
	xnet_notify_neigh(xn, n, XNET_CMD_NEIGH_DEL);
	hlist_del(&n->node);
	xn->neigh_count--;
	if (n->stranger)
		xn->neigh_strangers--;
	__skb_queue_purge(&n->queue);
	kfree(n);
}

/* A local sender uses the entry: it is no longer a stranger's. */
static void xnet_neigh_adopt(struct xnet_net *xn, struct xnet_neigh *n)
{
	lockdep_assert_held(&xn->neigh_lock);
	if (n->stranger) {
		n->stranger = 0;
		xn->neigh_strangers--;
	}
}

/*
 * Forced GC's order of eviction, lowest first; -1: never. For a
 * stranger's new entry only strangers' entries that are not REACHABLE may
 * go; for a local sender's, everything but its own REACHABLE entries,
 * which were confirmed within neigh_reachable_ms: strangers' unresolved
 * entries, then their stale ones, then own FAILED, INCOMPLETE and STALE
 * entries, then strangers' resolved ones.
 */
static int xnet_neigh_gc_rank(const struct xnet_neigh *n, bool for_stranger)
{
	switch (n->state) {
	case XNET_NEIGH_INCOMPLETE:
	case XNET_NEIGH_FAILED:
		return n->stranger ? 0 : for_stranger ? -1 :
		       n->state == XNET_NEIGH_FAILED ? 2 : 3;
	case XNET_NEIGH_STALE:
		return n->stranger ? 1 : for_stranger ? -1 : 4;
	default:
		return n->stranger && !for_stranger ? 5 : -1;
	}
}

/* When the entry last made progress: its query, or its confirmation. */
static unsigned long xnet_neigh_stamp(const struct xnet_neigh *n)
{
	if (n->state == XNET_NEIGH_INCOMPLETE || n->state == XNET_NEIGH_FAILED)
		return n->probed;
	return n->confirmed;
}

/*
 * Make room for one entry: evict the oldest entry of the lowest rank.
 * False if nothing may go.
 */
static bool xnet_neigh_forced_gc(struct xnet_net *xn, bool for_stranger)
{
	struct xnet_neigh *n, *victim = NULL;
	int i, rank, vrank = INT_MAX;

	lockdep_assert_held(&xn->neigh_lock);
	for (i = 0; i < ARRAY_SIZE(xn->neigh_hash); i++)
		hlist_for_each_entry(n, &xn->neigh_hash[i], node) {
			rank = xnet_neigh_gc_rank(n, for_stranger);
			if (rank < 0 || rank > vrank)
				continue;
			if (rank == vrank &&
			    !time_before(xnet_neigh_stamp(n),
					 xnet_neigh_stamp(victim)))
				continue;
			victim = n;
			vrank = rank;
		}
	if (victim)
		xnet_neigh_destroy(xn, victim); /* the walk is over */
	return victim;
}

/*
 * A new INCOMPLETE entry for @addr, a stranger's if @stranger. NULL if
 * the table (or the strangers' half of it) is full of entries that may
 * not be evicted for it.
 */
static struct xnet_neigh *xnet_neigh_create(struct xnet_net *xn, __be32 addr,
					    bool stranger)
{
	unsigned int max = READ_ONCE(xn->neigh_max);
	struct xnet_neigh *n;

	lockdep_assert_held(&xn->neigh_lock);
	if (xn->dying)
		return NULL;
	if (stranger && xn->neigh_strangers >= max / 2 &&
	    !xnet_neigh_forced_gc(xn, true)) {
		xnet_inc_stat(xn, XNET_MIB_NEIGH_STRANGERS_FULL);
		return NULL;
	}
	if (xn->neigh_count >= max && !xnet_neigh_forced_gc(xn, stranger)) {
		xnet_inc_stat(xn, stranger ? XNET_MIB_NEIGH_STRANGERS_FULL :
				   XNET_MIB_NEIGH_TABLE_FULL);
		return NULL;
	}
	n = kzalloc(sizeof(*n), GFP_ATOMIC);
	if (!n)
		return NULL;
	n->addr = addr;
	n->state = XNET_NEIGH_INCOMPLETE;
	n->stranger = stranger;
	xn->neigh_strangers += stranger;
	skb_queue_head_init(&n->queue);
	hlist_add_head(&n->node, xnet_neigh_bucket(xn, addr));
	xn->neigh_count++;
	xnet_neigh_kick(xn, HZ / 10);
	return n;
}

/*
 * A query for @addr: broadcast, or to @dst (a probe) if not NULL; out of
 * the device @oif, or with @oif 0 out of every usable device holding a
 * bare address (the last resort, route.c). BHs on or off.
 */
/*
 * net.xnet.secure=2: every neighbour frame we send carries an
 * authentication trailer (key.c); with no key for its peer it is not
 * sent (OutNoKey). False: @skb was freed.
 */
static bool xnet_neigh_auth(struct xnet_net *xn, struct sk_buff *skb,
			    const struct net_device *dev)
{
	if (READ_ONCE(xn->secure) != XNET_SECURE_REQUIRE ||
	    xnet_neigh_auth_add(xn, skb, dev))
		return true;
	xnet_inc_stat(xn, XNET_MIB_OUT_NO_KEY);
	kfree_skb(skb);
	return false;
}

static void xnet_neigh_send_query(struct xnet_net *xn, __be32 addr, int oif,
				  const u8 *dst)
{
	struct xnet_dev *xdev;
	struct sk_buff *skb;
	__be32 saddr;

	rcu_read_lock_bh();
	list_for_each_entry_rcu(xdev, &xn->devs, list) {
		if (!xnet_dev_usable(xdev, oif, 0))
			continue;
		/* no device given: a bare address's link (route.c) */
		if (!oif && !READ_ONCE(xdev->nbare))
			continue;
		saddr = xnet_dev_first_addr_rcu(xdev);
		if (!saddr)
			continue;
		skb = alloc_skb(LL_MAX_HEADER + XNET_HLEN + XNET_NEIGH_AUTH_LEN,
				GFP_ATOMIC);
		if (!skb)
			break;
		skb_reserve(skb, LL_MAX_HEADER + XNET_HLEN);
		xnet_build_hdr(skb, XNET_T_NEIGH_QUERY, saddr, addr, 0, 0,
			       XNET_HOPLIMIT_LINK);
		if (!xnet_neigh_auth(xn, skb, xdev->dev))
			continue;
		xnet_inc_stat(xn, XNET_MIB_NEIGH_QUERIES_OUT);
		xnet_finish_output(xn, skb, xdev->dev,
				   dst ? dst : xdev->dev->broadcast);
	}
	rcu_read_unlock_bh();
}

static unsigned long xnet_ms(const struct xnet_net *xn, const int *ms)
{
	return msecs_to_jiffies(max(READ_ONCE(*ms), 1));
}

/* How long a FAILED entry answers EHOSTUNREACH before resolving again. */
static unsigned long xnet_neigh_failed_hold(const struct xnet_net *xn)
{
	return xnet_ms(xn, &xn->neigh_retrans_ms) *
	       max(READ_ONCE(xn->neigh_retries), 1);
}

/*
 * Is @skb an answer to a peer's frame rather than a local sender's own
 * traffic: a reset, or the SYN+ACK of a half-open connection (sent, and
 * resent, before the peer has shown it hears us)?
 */
static bool xnet_neigh_is_answer(const struct sk_buff *skb)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	const struct xnet_seghdr *sh = (const void *)(xh + 1);
	u16 flags;

	if (xh->type != XNET_T_STREAM && xh->type != XNET_T_SEQPACKET)
		return false;
	if (skb_headlen(skb) < skb_network_offset(skb) + XNET_CONN_HLEN)
		return false;
	flags = ntohs(sh->flags);
	return (flags & XNET_SEG_RST) ||
	       (flags & (XNET_SEG_SYN | XNET_SEG_ACK)) ==
	       (XNET_SEG_SYN | XNET_SEG_ACK);
}

/* To the device: a local sender's frame, or a forwarded one (forward.c). */
static void xnet_neigh_xmit(struct xnet_net *xn, struct sk_buff *skb,
			    struct net_device *dev, const u8 *ha, bool fwd)
{
	if (fwd)
		xnet_forward_finish(xn, skb, dev, ha);
	else
		xnet_finish_output(xn, skb, dev, ha);
}

/*
 * A forwarded frame that cannot reach its next hop: its sender is told
 * (error.c rate limits). Consumes skb. No xnet lock held.
 */
static void xnet_neigh_fwd_unreachable(struct xnet_net *xn,
				       struct sk_buff *skb)
{
	/* the device it came by, if it is still there (skb->dev was let go) */
	rcu_read_lock();
	skb->dev = dev_get_by_index_rcu(xn->net, skb->skb_iif);
	if (skb->dev)
		xnet_error_send(xn, skb, XNET_ERR_UNREACH, XNET_UNREACH_NEIGH,
				0);
	/* not past the RCU section: the device may go once it ends */
	skb->dev = NULL;
	rcu_read_unlock();
	kfree_skb(skb);
}

/*
 * Send a frame, header built, to @daddr on the link: at once if it is
 * resolved, else queued on its entry while a query is out. A forwarded
 * frame (@fwd) is a stranger's unless @daddr is a gateway route's next
 * hop (@gw): it creates, or keeps, only a stranger's entry, as an
 * answer does. It waits without a device pointer (its input device may
 * go; error.c finds it by skb_iif), and its sender gets an unreachable
 * report if it is dropped for a failed resolution. Consumes skb.
 * Process or softirq context, no xnet lock held.
 */
static int xnet_neigh_resolve_output(struct xnet_net *xn, struct sk_buff *skb,
				     __be32 daddr, int oif, bool fwd, bool gw)
{
	bool answer = fwd ? !gw : xnet_neigh_is_answer(skb);
	struct net_device *dev = NULL;
	bool query = false, limited = false;
	struct xnet_neigh *n;
	u8 ha[ETH_ALEN];
	int err = 0;

	spin_lock_bh(&xn->neigh_lock);
	n = xnet_neigh_lookup(xn, daddr);
	if (n && !answer)
		xnet_neigh_adopt(xn, n);
	if (n && n->dev && (n->state == XNET_NEIGH_REACHABLE ||
			    n->state == XNET_NEIGH_STALE)) {
		if (oif && n->dev->ifindex != oif) {
			/* the peer is known on another device only */
			err = -ENETUNREACH;
			goto unlock;
		}
		dev = n->dev;
		dev_hold(dev);
		ether_addr_copy(ha, n->ha);
		if (n->state == XNET_NEIGH_STALE &&
		    time_after(jiffies, n->probed +
			       xnet_ms(xn, &xn->neigh_retrans_ms))) {
			n->probed = jiffies;
			n->asked = 1;
			query = true;
		}
		goto unlock;
	}
	if (n && n->state == XNET_NEIGH_FAILED) {
		if (time_before(jiffies, n->probed + xnet_neigh_failed_hold(xn))) {
			err = -EHOSTUNREACH;
			goto unlock;
		}
		n->state = XNET_NEIGH_INCOMPLETE;
		n->probes = 0;
		xnet_notify_neigh(xn, n, XNET_CMD_NEIGH_NEW);
	}
	if (!n) {
		n = xnet_neigh_create(xn, daddr, answer);
		if (!n) {
			err = -EHOSTUNREACH;
			goto unlock;
		}
		xnet_notify_neigh(xn, n, XNET_CMD_NEIGH_NEW);
	}
	if (skb_queue_len(&n->queue) >= XNET_NEIGH_QUEUE_MAX) {
		xnet_inc_stat(xn, XNET_MIB_NEIGH_QUEUE_DROPS);
		kfree_skb(__skb_dequeue(&n->queue));
	}
	/*
	 * Retries go where the waiting frames may leave: out of the device
	 * they are bound to if they all are to the same one, else anywhere.
	 */
	if (skb_queue_empty(&n->queue))
		n->query_oif = oif;
	else if (n->query_oif != oif)
		n->query_oif = 0;
	XNET_NEIGH_CB(skb)->oif = oif;
	XNET_NEIGH_CB(skb)->fwd = fwd;
	if (fwd)
		skb->dev = NULL;
	__skb_queue_tail(&n->queue, skb);
	skb = NULL;
	if (!n->probes) {
		n->probes = 1;
		n->probed = jiffies;
		n->asked = 1;
		query = true;
		xnet_neigh_kick(xn, HZ / 10);
	}
unlock:
	limited = query && n->stranger;
	spin_unlock_bh(&xn->neigh_lock);
	xnet_notify_neigh_send(xn);

	if (dev) {
		local_bh_disable();
		rcu_read_lock();
		xnet_neigh_xmit(xn, skb, dev, ha, fwd);
		rcu_read_unlock();
		local_bh_enable();
		dev_put(dev);
	} else if (err) {
		xnet_inc_stat(xn, XNET_MIB_OUT_NO_ROUTE);
		if (fwd)
			xnet_neigh_fwd_unreachable(xn, skb);
		else
			kfree_skb(skb);
	}
	/* the bucket's lock is never taken inside the table's */
	if (query && (!limited || xnet_rl_allow(xn, XNET_RL_NEIGH_QUERY)))
		xnet_neigh_send_query(xn, daddr, oif, NULL);
	return err;
}

/*
 * Send a frame, header built, to its route's next hop: at once if the
 * next hop is resolved, else queued on its entry while a query is out.
 * Entries are keyed by the next hop's address. An unbound sender's source
 * is the route's. No route: -ENETUNREACH (OutNoRoutes). Consumes skb.
 * Process or softirq context, no xnet lock held.
 */
int xnet_neigh_output(struct xnet_net *xn, struct sk_buff *skb, int oif)
{
	struct xnethdr *xh = xnet_hdr(skb);
	struct xnet_rt rt;
	int err;

	/*
	 * The route says which address to resolve (the next hop) and where:
	 * on its device only, or, for a bare address's last resort, as
	 * before routes existed (xdev NULL, the sender's oif).
	 */
	rcu_read_lock();
	err = xnet_route_output_rcu(xn, xh->daddr, xh->saddr, oif, &rt);
	if (!err) {
		if (!xh->saddr)
			xh->saddr = rt.src;	/* 0 for a bare link: later */
		if (rt.xdev)
			oif = rt.xdev->dev->ifindex;
	}
	rcu_read_unlock();
	if (err) {
		xnet_inc_stat(xn, XNET_MIB_OUT_NO_ROUTE);
		kfree_skb(skb);
		return -ENETUNREACH;
	}
	return xnet_neigh_resolve_output(xn, skb, rt.nexthop, oif, false,
					 false);
}

/*
 * Send a frame forward.c forwards to its route's next hop @nexthop on
 * the device @oif; @gw: @nexthop is a gateway route's (the router's own
 * entry), not the destination on a connected link (a stranger's).
 * Consumes skb. Softirq, no xnet lock held.
 */
int xnet_neigh_forward(struct xnet_net *xn, struct sk_buff *skb,
		       __be32 nexthop, int oif, bool gw)
{
	return xnet_neigh_resolve_output(xn, skb, nexthop, oif, true, gw);
}

/*
 * A query from @addr came from another MAC or device than its resolved
 * entry's: the peer's MAC may have changed (a bond failing over with
 * fail_over_mac=active, a new NIC) and our frames to it be lost until
 * the entry turns STALE. Probe the MAC we know first, as ARP's unicast
 * probe does: if it answers, the entry stands (a stranger's query and
 * a pipelined forged answer change nothing: no broadcast query is out
 * for the forgery to answer). Only if it stays silent for
 * neigh_retrans_ms does xnet_neigh_work() ask by broadcast, whose answer
 * may move the entry, the race any STALE entry's probe offers. At most
 * once per neigh_retrans_ms per entry, within the netns's query budget
 * (XNET_RL_NEIGH_QUERY), only for a local sender's own entries.
 * Softirq, no xnet lock held.
 */
static void xnet_neigh_recheck(struct xnet_net *xn, __be32 addr)
{
	struct xnet_neigh *n;
	u8 ha[ETH_ALEN];
	int oif = 0;

	if (!xnet_rl_allow(xn, XNET_RL_NEIGH_QUERY))
		return;
	spin_lock(&xn->neigh_lock);
	n = xnet_neigh_lookup(xn, addr);
	if (n && n->dev && !n->asked && !n->verify &&
	    (n->state == XNET_NEIGH_REACHABLE ||
	     n->state == XNET_NEIGH_STALE)) {
		n->verify = 1;
		n->probed = jiffies;
		oif = n->dev->ifindex;
		ether_addr_copy(ha, n->ha);
		xnet_neigh_kick(xn, HZ / 10);
	}
	spin_unlock(&xn->neigh_lock);
	if (oif)
		xnet_neigh_send_query(xn, addr, oif, ha);
}

/*
 * Record that @addr is at @ha on @xdev. A query's sender is learnt (and
 * created, as ARP does, as a stranger's entry); an answer is taken only
 * for an entry with a query outstanding, so that unsolicited answers can
 * neither fill the table nor rewrite a resolved entry. A query confirms
 * a resolved entry only from the MAC and device it is known at: it can
 * neither move it nor keep a moved one alive; a peer whose MAC really
 * changed is asked for at once (xnet_neigh_recheck()), and found again
 * by the answer. Frames waiting on the entry are sent. Softirq, under
 * RCU.
 */
static bool xnet_neigh_learn(struct xnet_net *xn, struct xnet_dev *xdev,
			     __be32 addr, const u8 *ha, bool create)
{
	unsigned long retrans = xnet_ms(xn, &xn->neigh_retrans_ms);
	bool recheck, created = false, changed;
	struct sk_buff_head q;
	struct xnet_neigh *n;
	struct sk_buff *skb;

	__skb_queue_head_init(&q);
	spin_lock(&xn->neigh_lock);
	n = xnet_neigh_lookup(xn, addr);
	if (!n && create) {
		n = xnet_neigh_create(xn, addr, true);
		created = n;	/* announced once resolved, below */
	}
	/* the known MAC answered our probe (xnet_neigh_recheck()) */
	if (n && !create && n->verify && n->dev == xdev->dev &&
	    ether_addr_equal(n->ha, ha)) {
		n->verify = 0;
		changed = n->state != XNET_NEIGH_REACHABLE;
		n->state = XNET_NEIGH_REACHABLE;
		n->confirmed = jiffies;
		if (changed)
			xnet_notify_neigh(xn, n, XNET_CMD_NEIGH_NEW);
		spin_unlock(&xn->neigh_lock);
		xnet_notify_neigh_send(xn);
		return true;
	}
	if (!n || (!create && !n->asked)) {
		spin_unlock(&xn->neigh_lock);
		xnet_notify_neigh_send(xn);	/* a forced GC's eviction */
		return false;
	}
	if (create && n->dev && (n->state == XNET_NEIGH_REACHABLE ||
				 n->state == XNET_NEIGH_STALE) &&
	    (n->dev != xdev->dev || !ether_addr_equal(n->ha, ha))) {
		xnet_inc_stat(xn, XNET_MIB_NEIGH_QUERY_CONFLICTS);
		/* probed is 0 in an entry learnt from a query, never probed */
		recheck = !n->stranger && !n->asked &&
			  (!n->probed ||
			   time_after(jiffies, n->probed + retrans));
		if (recheck)
			n->probed = jiffies;
		spin_unlock(&xn->neigh_lock);
		if (recheck)
			xnet_neigh_recheck(xn, addr);
		return false;
	}
	/* one message per real change: a plain confirmation is silent */
	changed = created || n->state != XNET_NEIGH_REACHABLE ||
		  n->dev != xdev->dev || !ether_addr_equal(n->ha, ha);
	n->asked = 0;
	n->verify = 0;
	n->dev = xdev->dev;
	ether_addr_copy(n->ha, ha);
	n->state = XNET_NEIGH_REACHABLE;
	n->confirmed = jiffies;
	n->probes = 0;
	skb_queue_splice_init(&n->queue, &q);
	if (changed)
		xnet_notify_neigh(xn, n, XNET_CMD_NEIGH_NEW);
	spin_unlock(&xn->neigh_lock);
	xnet_notify_neigh_send(xn);

	while ((skb = __skb_dequeue(&q))) {
		int oif = XNET_NEIGH_CB(skb)->oif;

		if (oif && oif != xdev->dev->ifindex) {
			xnet_inc_stat(xn, XNET_MIB_OUT_DISCARDS);
			kfree_skb(skb);
			continue;
		}
		xnet_neigh_xmit(xn, skb, xdev->dev, ha,
				XNET_NEIGH_CB(skb)->fwd);
	}
	return true;
}

static void xnet_neigh_answer(struct xnet_net *xn, struct xnet_dev *xdev,
			      const struct xnethdr *query, const u8 *ha)
{
	struct sk_buff *skb;

	skb = alloc_skb(LL_MAX_HEADER + XNET_HLEN + XNET_NEIGH_AUTH_LEN,
			GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, LL_MAX_HEADER + XNET_HLEN);
	xnet_build_hdr(skb, XNET_T_NEIGH_ANSWER, query->daddr, query->saddr,
		       0, 0, XNET_HOPLIMIT_LINK);
	if (!xnet_neigh_auth(xn, skb, xdev->dev))
		return;
	xnet_inc_stat(xn, XNET_MIB_NEIGH_ANSWERS_OUT);
	xnet_finish_output(xn, skb, xdev->dev, ha);
}

/* A validated NEIGH_QUERY or NEIGH_ANSWER from the wire. Softirq, RCU. */
void xnet_neigh_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		    struct sk_buff *skb)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	const u8 *ha;

	if (!xdev || !skb_mac_header_was_set(skb) || xh->sport || xh->dport)
		goto malformed;
	ha = eth_hdr(skb)->h_source;
	if (!is_valid_ether_addr(ha))
		goto malformed;

	if (xh->type == XNET_T_NEIGH_QUERY) {
		if (xh->daddr == htonl(XNET_ADDR_BROADCAST))
			goto malformed;	/* nobody may answer for it */
		xnet_inc_stat(xn, XNET_MIB_NEIGH_QUERIES_IN);
		xnet_neigh_learn(xn, xdev, xh->saddr, ha, true);
		if (xnet_rl_allow(xn, XNET_RL_NEIGH_ANSWER))
			xnet_neigh_answer(xn, xdev, xh, ha);
	} else {
		if (xh->daddr == htonl(XNET_ADDR_BROADCAST))
			goto malformed;
		xnet_inc_stat(xn, XNET_MIB_NEIGH_ANSWERS_IN);
		if (!xnet_neigh_learn(xn, xdev, xh->saddr, ha, false))
			xnet_inc_stat(xn, XNET_MIB_NEIGH_UNSOLICITED);
	}
	consume_skb(skb);
	return;

malformed:
	xnet_drop(xn, skb, XNET_MIB_IN_MALFORMED);
	kfree_skb(skb);
}

#define XNET_NEIGH_QUERY_BATCH	16

/*
 * Frames that waited for a resolution that failed. An opening
 * connection's SYN is owned by its socket: the connection ends now with
 * EHOSTUNREACH, as connect() over TCP does when ARP fails, rather than
 * whenever a retransmission happens to find the entry failed. A
 * forwarded frame's sender gets an unreachable report. Process context,
 * no lock held. Holding the skb keeps its owner's memory; the owner may
 * be closing, hence refcount_inc_not_zero().
 */
static void xnet_neigh_fail_frames(struct xnet_net *xn, struct sk_buff_head *q)
{
	struct sk_buff *skb;
	struct sock *sk;

	while ((skb = __skb_dequeue(q))) {
		if (XNET_NEIGH_CB(skb)->fwd) {
			xnet_neigh_fwd_unreachable(xn, skb);
			continue;
		}
		sk = skb->sk;
		if (!sk || sk->sk_type == SOCK_DGRAM ||
		    !refcount_inc_not_zero(&sk->sk_refcnt)) {
			kfree_skb(skb);
			continue;
		}
		kfree_skb(skb);
		xnet_conn_unreachable(sk);
		sock_put(sk);
	}
}

/* Retries, failures, aging and garbage collection. Process context. */
static void xnet_neigh_work(struct work_struct *work)
{
	struct xnet_net *xn = container_of(to_delayed_work(work),
					   struct xnet_net, neigh_work);
	unsigned long retrans = xnet_ms(xn, &xn->neigh_retrans_ms);
	unsigned long reachable = xnet_ms(xn, &xn->neigh_reachable_ms);
	unsigned long gc = xnet_ms(xn, &xn->neigh_gc_ms);
	unsigned long hold = xnet_neigh_failed_hold(xn);
	int retries = READ_ONCE(xn->neigh_retries);
	__be32 query[XNET_NEIGH_QUERY_BATCH];
	int query_oif[XNET_NEIGH_QUERY_BATCH];
	unsigned long now = jiffies;
	bool resolving = false;
	struct sk_buff_head failed;
	struct xnet_neigh *n;
	struct hlist_node *tmp;
	int i, nq = 0;

	__skb_queue_head_init(&failed);
	spin_lock_bh(&xn->neigh_lock);
	for (i = 0; i < ARRAY_SIZE(xn->neigh_hash); i++) {
		hlist_for_each_entry_safe(n, tmp, &xn->neigh_hash[i], node) {
			switch (n->state) {
			case XNET_NEIGH_INCOMPLETE:
				resolving = true;
				if (time_before(now, n->probed + retrans))
					break;
				/* a stranger's entry is asked for once */
				if (n->probes >= (n->stranger ? 1 : retries)) {
					n->state = XNET_NEIGH_FAILED;
					n->probed = now;
					xnet_notify_neigh(xn, n,
							  XNET_CMD_NEIGH_NEW);
					xnet_inc_stat(xn,
						      XNET_MIB_NEIGH_RESOLVE_FAILED);
					skb_queue_splice_tail_init(&n->queue,
								   &failed);
					break;
				}
				if (nq == ARRAY_SIZE(query))
					break;	/* next run */
				n->probes++;
				n->probed = now;
				query_oif[nq] = n->query_oif;
				query[nq++] = n->addr;
				break;
			case XNET_NEIGH_REACHABLE:
			case XNET_NEIGH_STALE:
				if (n->verify) {
					resolving = true;
					if (time_before(now, n->probed + retrans) ||
					    nq == ARRAY_SIZE(query))
						break;
					/* the known MAC is silent: ask all */
					n->verify = 0;
					n->asked = 1;
					n->probed = now;
					query_oif[nq] = 0;
					query[nq++] = n->addr;
					break;
				}
				/* an answer only counts while it is awaited */
				if (n->asked && time_after(now, n->probed + hold))
					n->asked = 0;
				if (n->state == XNET_NEIGH_REACHABLE &&
				    time_after(now, n->confirmed + reachable)) {
					n->state = XNET_NEIGH_STALE;
					xnet_notify_neigh(xn, n,
							  XNET_CMD_NEIGH_NEW);
				} else if (n->state == XNET_NEIGH_STALE &&
					 time_after(now, n->confirmed + gc))
					xnet_neigh_destroy(xn, n);
				break;
			default:
				if (time_after(now, n->probed + hold))
					xnet_neigh_destroy(xn, n);
				break;
			}
		}
	}
	if (xn->neigh_count)
		xnet_neigh_kick(xn, resolving ? HZ / 10 : HZ);
	spin_unlock_bh(&xn->neigh_lock);
	xnet_notify_neigh_send(xn);

	for (i = 0; i < nq; i++)
		xnet_neigh_send_query(xn, query[i], query_oif[i], NULL);
	xnet_neigh_fail_frames(xn, &failed);
}

/*
 * Forget the entries learnt on @dev (NULL: on any device, unresolved
 * ones included) for @addr (0: any address). Process context.
 */
void xnet_neigh_flush(struct xnet_net *xn, struct net_device *dev,
		      __be32 addr)
{
	struct xnet_neigh *n;
	struct hlist_node *tmp;
	int i;

	spin_lock_bh(&xn->neigh_lock);
	for (i = 0; i < ARRAY_SIZE(xn->neigh_hash); i++)
		hlist_for_each_entry_safe(n, tmp, &xn->neigh_hash[i], node)
			if ((!dev || n->dev == dev) &&
			    (!addr || n->addr == addr))
				xnet_neigh_destroy(xn, n);
	spin_unlock_bh(&xn->neigh_lock);
	xnet_notify_neigh_send(xn);
}

/*
 * Call @fn for each entry from position *pos on, under the table lock (fn
 * must not sleep); stops when fn returns non-zero, leaving *pos there.
 */
int xnet_neigh_walk(struct xnet_net *xn, unsigned long *pos,
		    xnet_neigh_iter_t fn, void *arg)
{
	unsigned long idx = 0;
	struct xnet_neigh *n;
	int i, err = 0;

	spin_lock_bh(&xn->neigh_lock);
	for (i = 0; i < ARRAY_SIZE(xn->neigh_hash); i++) {
		hlist_for_each_entry(n, &xn->neigh_hash[i], node) {
			if (idx++ < *pos)
				continue;
			err = fn(n, arg);
			if (err)
				goto out;
			(*pos)++;
		}
	}
out:
	spin_unlock_bh(&xn->neigh_lock);
	return err;
}

void xnet_neigh_net_init(struct xnet_net *xn)
{
	spin_lock_init(&xn->neigh_lock);
	__skb_queue_head_init(&xn->neigh_notes);
	spin_lock_init(&xn->neigh_notes_send);
	INIT_DELAYED_WORK(&xn->neigh_work, xnet_neigh_work);
}

void xnet_neigh_net_exit(struct xnet_net *xn)
{
	spin_lock_bh(&xn->neigh_lock);
	xn->dying = true;
	spin_unlock_bh(&xn->neigh_lock);
	cancel_delayed_work_sync(&xn->neigh_work);
	xnet_neigh_flush(xn, NULL, 0);
	__skb_queue_purge(&xn->neigh_notes);	/* nobody listens any more */
}

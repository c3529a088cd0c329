// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: change notifications on the "monitor" multicast group of the
 * "xnet" generic netlink family (xnetctl monitor, as ip monitor).
 *
 * Each change is announced once, to listeners in the netns where it
 * happened only (genlmsg_multicast_netns()), with the attributes its
 * dump uses (netlink.c's xnet_nl_*_attrs()) and the command saying what
 * happened (include/uapi/linux/xnet.h). Nothing is built when nobody
 * listens (xnet_nl_listening(), a bitmap test). The core keeps that
 * bitmap per protocol, not per netns (as for rtnl_has_listeners()): with
 * a listener in any netns every netns builds its messages, and
 * netlink_broadcast() delivers them to listeners of the change's netns
 * only. A listener that reads too slowly loses messages and sees
 * ENOBUFS: its problem, as with rtnetlink; nothing here waits or
 * retries.
 *
 * Context:
 *  - addresses (dev.c) and routes (route.c): process context under
 *    RTNL; keys (key.c): process context, after keys->lock is dropped.
 *    GFP_KERNEL, sent at once.
 *  - neighbours (neigh.c): process or softirq context with
 *    xn->neigh_lock held (BHs off). xnet_notify_neigh() only builds the
 *    message (GFP_ATOMIC; the fill reads the entry and takes no lock)
 *    and queues it on xn->neigh_notes; the code that dropped neigh_lock
 *    calls xnet_notify_neigh_send(), which sends with neigh_lock not
 *    held (the netlink core takes its table lock and each listener's
 *    queue lock: never nest those inside neigh_lock), under
 *    xn->neigh_notes_send (BHs off) so that messages leave in the order
 *    they were queued, which is the order of the changes.
 *
 * Strangers' frames: neigh.c announces one message per real change of
 * an entry (created, state, device or MAC changed, removed); a
 * confirmation that changes nothing is silent. A frame can create at
 * most one entry (and evict one to make room) and each entry then goes
 * through a bounded number of states (INCOMPLETE, REACHABLE or FAILED,
 * STALE, removed) paced by the neighbour timers, so a flood of frames
 * from random sources buys at most a few small messages per frame, and
 * only while someone listens; the table itself stays bounded by
 * net.xnet.neigh_max (strangers to half of it). The queue of messages
 * holds at most XNET_NOTIFY_NEIGH_MAX: one critical section may change
 * the whole table (a flush, up to 65536 entries), and building one
 * GFP_ATOMIC message per entry under neigh_lock, BHs off, before any is
 * sent, would hold tens of MB that no listener's receive queue takes
 * anyway. Beyond it the changes are not built; the listeners get ENOBUFS
 * (xnet_nl_event_lost()) once the queue is sent, as a listener whose
 * queue overflowed does, and re-read the table.
 */
#include <net/genetlink.h>

#include "xnet.h"
#include "sec.h"

/* neighbour messages queued at most (a default table's flush fits) */
#define XNET_NOTIFY_NEIGH_MAX	512

static struct sk_buff *xnet_notify_new(struct xnet_net *xn, u8 cmd,
				       gfp_t gfp, void **hdr)
{
	if (!xnet_nl_listening(xn->net, XNET_NL_MCGRP_MONITOR))
		return NULL;
	return xnet_nl_event_new(cmd, gfp, hdr);
}

static void xnet_notify_send(struct xnet_net *xn, struct sk_buff *skb,
			     void *hdr)
{
	genlmsg_end(skb, hdr);
	xnet_nl_event_send(xn->net, skb, XNET_NL_MCGRP_MONITOR, GFP_KERNEL);
}

/* @addr/@prefixlen on @dev added or removed (@cmd ADDR_ADD/DEL). RTNL. */
void xnet_notify_addr(struct xnet_net *xn, const struct net_device *dev,
		      __be32 addr, u8 prefixlen, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = xnet_notify_new(xn, cmd, GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if (xnet_nl_addr_attrs(skb, dev, addr, prefixlen)) {
		nlmsg_free(skb);
		return;
	}
	xnet_notify_send(xn, skb, hdr);
}

/* A route inserted or removed (@cmd ROUTE_ADD/DEL). RTNL. */
void xnet_notify_route(struct xnet_net *xn, const struct xnet_route_info *ri,
		       u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = xnet_notify_new(xn, cmd, GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if (xnet_nl_route_attrs(skb, ri)) {
		nlmsg_free(skb);
		return;
	}
	xnet_notify_send(xn, skb, hdr);
}

/* A key added or deleted (@cmd KEY_ADD/DEL): never its bytes. Process. */
void xnet_notify_key(struct xnet_net *xn, const struct xnet_key_info *ki,
		     u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = xnet_notify_new(xn, cmd, GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if (xnet_nl_key_attrs(skb, ki)) {
		nlmsg_free(skb);
		return;
	}
	xnet_notify_send(xn, skb, hdr);
}

/*
 * Entry @n created or changed (NEIGH_NEW) or about to be freed
 * (NEIGH_DEL): build the message and queue it for
 * xnet_notify_neigh_send(). Under xn->neigh_lock, BHs off.
 */
void xnet_notify_neigh(struct xnet_net *xn, const struct xnet_neigh *n,
		       u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&xn->neigh_lock);
	if (xn->dying)
		return;
	if (skb_queue_len(&xn->neigh_notes) >= XNET_NOTIFY_NEIGH_MAX) {
		xn->neigh_notes_lost = true;	/* sent with the queue */
		return;
	}
	skb = xnet_notify_new(xn, cmd, GFP_ATOMIC, &hdr);
	if (!skb)
		return;
	if (xnet_nl_neigh_attrs(skb, n)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	__skb_queue_tail(&xn->neigh_notes, skb);
}

/*
 * Send the neighbour messages queued so far, then the loss of those that
 * did not fit. Process or softirq context, neigh_lock not held (taken
 * here only to take the queue). neigh_notes_lost is only set while the
 * queue is full, and taken with it: an empty queue has no loss to tell.
 * One sender at a time (neigh_notes_send, then neigh_lock inside it):
 * messages taken by one sender are all delivered before the next takes
 * the later ones, so an entry's DEL cannot overtake, from another CPU
 * or a softirq on this one, the NEW of the entry made again after it.
 */
void xnet_notify_neigh_send(struct xnet_net *xn)
{
	struct sk_buff_head q;
	struct sk_buff *skb;
	bool lost;

	if (skb_queue_empty_lockless(&xn->neigh_notes))
		return;
	__skb_queue_head_init(&q);
	spin_lock_bh(&xn->neigh_notes_send);
	spin_lock(&xn->neigh_lock);
	skb_queue_splice_init(&xn->neigh_notes, &q);
	lost = xn->neigh_notes_lost;
	xn->neigh_notes_lost = false;
	spin_unlock(&xn->neigh_lock);
	while ((skb = __skb_dequeue(&q)))
		xnet_nl_event_send(xn->net, skb, XNET_NL_MCGRP_MONITOR,
				   GFP_ATOMIC);
	if (lost)
		xnet_nl_event_lost(xn->net, XNET_NL_MCGRP_MONITOR);
	spin_unlock_bh(&xn->neigh_notes_send);
}

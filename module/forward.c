// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: forwarding. A node with net.xnet.forwarding set sends on the
 * frames it receives for other nodes, as an IP router does; one without
 * it drops them and tells their sender (rx.c).
 *
 * What is forwarded (xnet_forward_wanted()): a frame from the wire,
 * unicast to our MAC (PACKET_HOST), whose destination is a unicast
 * address that no device of the netns holds (an address of another of
 * our devices is ours: the weak host model, rx.c), and that is not a
 * neighbour frame (those never leave their link). rx.c has checked its
 * version and length and trimmed it to its length; its header is linear.
 *
 * xnet_forward() then checks what rx.c would check of any frame but the
 * CRC (a source that is no node's, an own source from the wire), looks
 * the route up (route.c) and, as ip_forward() does, reports and drops:
 *  - no route, or only a bare address's link (forwarding back onto the
 *    shared segment every host there reaches directly): an unreachable
 *    report, code XNET_UNREACH_NOROUTE, counted in InNoRoutes;
 *  - a hop limit of 1 or 0: a hop limit report, InHopLimitExceeded;
 *  - a frame longer than the next hop's MTU, or a large frame (offload.c)
 *    whose segments are: a frame too big report with that MTU,
 *    InTooBigErrors.
 * Anything else gets its hop limit decremented and goes to the route's
 * next hop through the neighbour table (xnet_neigh_forward(), neigh.c),
 * which hands it to xnet_forward_finish() once the next hop's MAC is
 * known, or reports XNET_UNREACH_NEIGH if it is never found.
 *
 * What a forwarder never does: copy or read the payload. skb_cow_head()
 * makes the headers writable (copying only the linear head, and only if
 * a tap shares it); the hop limit changes with an incremental CRC update
 * (xnet_hdr_set_hoplimit(), tx.c), which keeps a corrupted frame's CRC
 * wrong: its destination still catches it. So the CRC of a frame passing
 * through is not checked here; it is checked before an error report is
 * sent about a frame, so that a corrupted source address is never sent
 * a report. A large frame (a veth peer's, or one GRO merged) is
 * forwarded whole and cut by xnet_gso_segment() on the way out of a
 * device that cannot take it whole, each segment with the decremented
 * hop limit in its header and a CRC of its own. Transport state is
 * never looked at: the error reports quote the frame's start as it came.
 *
 * Error reports go through xnet_error_send() (error.c): rate limited per
 * netns, never about an error report, a broadcast or an implausible
 * source.
 *
 * Locking and context: xnet_forward() runs in softirq context under
 * rcu_read_lock() (rx.c's packet handler); the route it finds, and the
 * xnet_dev the route points to, are used only within that RCU section.
 * xnet_forward_finish() runs in softirq under RCU: from
 * xnet_neigh_forward(), or when the next hop's answer arrives for a frame
 * that waited (neigh.c); the report about a frame whose next hop never
 * answered is sent from neigh.c's work, in process context. No xnet lock
 * is held by any of them; net.xnet.forwarding is read with READ_ONCE.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>

#include "xnet.h"

/*
 * Is @skb, from rx.c, a frame for another node (see the top comment)?
 * Softirq, under RCU.
 */
bool xnet_forward_wanted(struct xnet_net *xn, struct xnet_dev *xdev,
			 const struct sk_buff *skb)
{
	const struct xnethdr *xh = xnet_hdr(skb);

	return skb->pkt_type == PACKET_HOST &&
	       skb_mac_header_was_set(skb) &&
	       skb_mac_header_len(skb) >= ETH_HLEN &&
	       xh->type != XNET_T_NEIGH_QUERY &&
	       xh->type != XNET_T_NEIGH_ANSWER &&
	       xh->daddr != htonl(XNET_ADDR_BROADCAST) &&
	       xh->daddr != htonl(XNET_ADDR_ANY) &&
	       !xnet_dev_has_addr_rcu(xdev, xh->daddr) &&
	       !xnet_dev_by_addr_rcu(xn, xh->daddr);
}

/*
 * Drop @skb, counted in @reason, and report @type/@code/@info about it
 * to its source if its CRC is right (a frame trusted without one,
 * CHECKSUM_PARTIAL, never was on a wire: rx.c). Consumes skb.
 */
static void xnet_forward_refuse(struct xnet_net *xn, struct sk_buff *skb,
				enum xnet_mib reason, u8 type, u8 code,
				u32 info)
{
	if (skb->ip_summed != CHECKSUM_PARTIAL &&
	    xnet_csum(skb) != xnet_hdr(skb)->csum)
		reason = XNET_MIB_IN_CSUM_ERRORS;
	xnet_drop(xn, skb, reason);
	if (reason != XNET_MIB_IN_CSUM_ERRORS)
		xnet_error_send(xn, skb, type, code, info);
	kfree_skb(skb);
}

/*
 * Would @skb leave @mtu behind? A large frame (offload.c) leaves as
 * segments of gso_size bytes after its headers: they must fit, as
 * ip_exceeds_mtu() asks of a GSO packet. False if it cannot be read.
 */
static bool xnet_forward_too_big(struct sk_buff *skb, unsigned int mtu)
{
	const struct xnet_seghdr *sh;
	unsigned int hlen;

	if (!skb_is_gso(skb))
		return skb->len > mtu;
	/* a segmented datagram: gso_size bytes after the common header */
	if (xnet_hdr(skb)->type == XNET_T_DGRAM)
		return XNET_HLEN + skb_shinfo(skb)->gso_size > mtu;
	if (!pskb_may_pull(skb, XNET_CONN_HLEN))
		return true;
	sh = (const void *)(xnet_hdr(skb) + 1);
	hlen = XNET_CONN_HLEN +
	       min_t(unsigned int, sh->nsack, XNET_MAX_SACK) *
	       sizeof(struct xnet_sack_block);
	return hlen + skb_shinfo(skb)->gso_size > mtu;
}

/*
 * A frame from the wire for another node (xnet_forward_wanted()), with
 * forwarding on: send it on, or drop it with a report. Consumes skb.
 * Softirq, under RCU.
 */
void xnet_forward(struct xnet_net *xn, struct xnet_dev *xdev,
		  struct sk_buff *skb)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	struct net_device *odev;
	struct xnet_rt rt;
	u8 hoplimit;
	int oif;

	/* as rx.c: no node's source, or an own one from the wire */
	if (xh->saddr == htonl(XNET_ADDR_ANY) ||
	    xh->saddr == htonl(XNET_ADDR_BROADCAST)) {
		xnet_drop(xn, skb, XNET_MIB_IN_MALFORMED);
		goto free;
	}
	if (xnet_dev_by_addr_rcu(xn, xh->saddr)) {
		xnet_drop(xn, skb, XNET_MIB_IN_MARTIANS);
		goto free;
	}

	if (xnet_route_output_rcu(xn, xh->daddr, 0, 0, &rt) || !rt.xdev) {
		xnet_forward_refuse(xn, skb, XNET_MIB_IN_NO_ROUTES,
				    XNET_ERR_UNREACH, XNET_UNREACH_NOROUTE, 0);
		return;
	}
	hoplimit = xh->hoplimit;
	if (hoplimit <= 1) {
		xnet_forward_refuse(xn, skb, XNET_MIB_IN_HOPLIMIT_EXCEEDED,
				    XNET_ERR_HOPLIMIT, 0, 0);
		return;
	}
	if (xnet_forward_too_big(skb, rt.mtu)) {
		xnet_forward_refuse(xn, skb, XNET_MIB_IN_TOO_BIG_ERRORS,
				    XNET_ERR_TOOBIG, 0, rt.mtu);
		return;
	}
	odev = rt.xdev->dev;
	oif = odev->ifindex;
	/* the headers, not the payload, made ours to write */
	if (skb_cow_head(skb, LL_RESERVED_SPACE(odev))) {
		xnet_inc_stat(xn, XNET_MIB_OUT_DISCARDS);
		goto free;
	}
	xnet_hdr_set_hoplimit(skb, hoplimit - 1);
	/* a receive checksum (CHECKSUM_COMPLETE) means nothing on send */
	skb_forward_csum(skb);
	/* a receive timestamp is no departure time for fq (ip_forward()) */
	skb_clear_tstamp(skb);
	xnet_neigh_forward(xn, skb, rt.nexthop, oif,
			   rt.type == XNET_ROUTE_GATEWAY);
	return;

free:
	kfree_skb(skb);
}

/*
 * The last step of a forwarded frame, once its next hop's MAC @ha is
 * known (neigh.c): to @dev. Unlike xnet_finish_output(), nothing in the
 * header is filled in or recomputed: the CRC is already right. The MTU
 * is checked again (it may have shrunk while the frame waited). Consumes
 * skb. Softirq (BHs off), under RCU.
 */
void xnet_forward_finish(struct xnet_net *xn, struct sk_buff *skb,
			 struct net_device *dev, const u8 *ha)
{
	if (unlikely(dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN))
		goto discard;
	if (skb->len > dev->mtu && !skb_is_gso(skb))
		goto discard;
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dev)))
		goto discard;
	skb->dev = dev;
	skb->protocol = htons(ETH_P_XNET);
	if (dev_hard_header(skb, dev, ETH_P_XNET, ha, NULL, skb->len) < 0)
		goto discard;
	xnet_inc_stat(xn, XNET_MIB_FORW_DATAGRAMS);
	dev_queue_xmit(skb);
	return;

discard:
	xnet_inc_stat(xn, XNET_MIB_OUT_DISCARDS);
	kfree_skb(skb);
}

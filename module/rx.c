// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: the receive path. Every frame is validated here, in one place,
 * before any other part of xnet sees it.
 *
 * Context: xnet_rcv() is the packet_type handler of one xnet_dev; it runs
 * in softirq context under rcu_read_lock(). It takes only frames that are
 * on the xnet_dev's own device when they reach it: the core also offers
 * it those of the device's uppers (VLAN, macvlan, bond). The xnet_dev is
 * valid for the whole call: dev_remove_pack() in xnet_dev_destroy() waits
 * for it.
 * xnet_rcv_local() runs in process context for frames sent to an own
 * address and disables BHs so that delivery code sees the same context as
 * for frames from the wire.
 *
 * Frames for other nodes (forward.c): with net.xnet.forwarding set, one
 * unicast to our MAC for a unicast address no device of the netns holds
 * leaves this path right after its length is checked, before its CRC is
 * read; without it, it is dropped here (InAddrErrors) and its sender
 * gets an unreachable report (XNET_UNREACH_FORWARDING), as an IPv4 host
 * that does not forward answers with host unreachable. A frame for an
 * address of another device of the netns is ours (the weak host model).
 *
 * Martians: a frame from the wire whose source is one of this node's own
 * addresses (in any device of the netns) is dropped and counted in
 * InMartians, as IPv4 drops a "martian source": answering it would make
 * the node talk to itself (a spoofed SYN to a listener once started an
 * endless exchange of a connection with itself). The node's own frames
 * to its own addresses are not from the wire: xnet_output() loops
 * connection frames through netif_rx() with the MAC header reset at the
 * xnet header (no Ethernet header), and hands the others to
 * xnet_rcv_local(), which does not come here.
 */
#include <linux/crc32c.h>

#include "xnet.h"
#include "sec.h"

/*
 * Hand a checked frame to its type's handler: from xnet_rcv(), from
 * xnet_rcv_local(), and from seal.c with a frame it opened.
 */
void xnet_rcv_demux(struct xnet_net *xn, struct xnet_dev *xdev,
		    struct sk_buff *skb)
{
	const struct xnethdr *xh = xnet_hdr(skb);

	switch (xh->type) {
	case XNET_T_DGRAM:
		xnet_dgram_rcv(xn, xdev, skb);
		return;
	case XNET_T_NEIGH_QUERY:
	case XNET_T_NEIGH_ANSWER:
		xnet_neigh_rcv(xn, xdev, skb);
		return;
	case XNET_T_STREAM:
	case XNET_T_SEQPACKET:
		xnet_conn_rcv(xn, xdev, skb);
		return;
	case XNET_T_ERROR:
		xnet_error_rcv(xn, xdev, skb);
		return;
	case XNET_T_SEALED:
		/* a sealed frame never carries a sealed frame (seal.c) */
		if (xdev) {
			xnet_sec_rcv(xn, xdev, skb);
			return;
		}
		break;
	case XNET_T_HANDSHAKE:
		if (xdev) {
			xnet_handshake_rcv(xn, xdev, skb);
			return;
		}
		break;
	default:
		break;
	}
	xnet_drop(xn, skb, XNET_MIB_IN_UNKNOWN_TYPE);
	kfree_skb(skb);
}

/* Did @skb come from a wire (an Ethernet header), not from xnet_output()? */
static bool xnet_from_wire(const struct sk_buff *skb)
{
	return skb_mac_header_was_set(skb) &&
	       skb_mac_header_len(skb) >= ETH_HLEN;
}

static int xnet_rcv(struct sk_buff *skb, struct net_device *dev,
		    struct packet_type *pt, struct net_device *orig_dev)
{
	struct xnet_dev *xdev = container_of(pt, struct xnet_dev, pt);
	struct xnet_net *xn = xdev->xn;
	const struct xnethdr *xh;
	enum xnet_mib reason;
	unsigned int len;
	bool gso_dgram;

	if (skb->pkt_type != PACKET_HOST && skb->pkt_type != PACKET_BROADCAST)
		goto drop_silently;
	/*
	 * A frame an upper device took (a VLAN, a macvlan, a bond's slave
	 * handing it to the bond) is offered to its lower device's handlers
	 * too (orig_dev's ptype_specific list), with @dev the upper device:
	 * it is the upper device's, not ours.
	 */
	if (dev != xdev->dev)
		goto drop_silently;

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return NET_RX_DROP;

	xnet_inc_stat(xn, XNET_MIB_IN_PACKETS);
	reason = XNET_MIB_IN_MALFORMED;
	if (!pskb_may_pull(skb, XNET_HLEN))
		goto drop;
	skb_reset_network_header(skb);
	xh = xnet_hdr(skb);
	/*
	 * Version 1 had no hop limit: its frames are counted here like any
	 * other version. The hop limit (any value, 0 included) and the
	 * reserved bytes mean nothing to a frame's destination: only a
	 * forwarder looks at the hop limit.
	 */
	if (xh->version != XNET_VERSION) {
		reason = XNET_MIB_IN_BAD_VERSION;
		goto drop;
	}
	len = ntohs(xh->len);
	if (len < XNET_HLEN || len > skb->len)
		goto drop;
	/*
	 * A segmented datagram (XNET_SEGMENT, offload.c) that crossed a
	 * veth whole: its header's length is one datagram's frame, the
	 * skb's length is the truth, dgram.c cuts it before delivery. Only
	 * as this host builds it (CHECKSUM_PARTIAL, never from a wire).
	 */
	gso_dgram = xh->type == XNET_T_DGRAM && skb_is_gso(skb);
	if (gso_dgram) {
		if (skb->ip_summed != CHECKSUM_PARTIAL ||
		    len != XNET_HLEN + skb_shinfo(skb)->gso_size)
			goto drop;
	} else if (pskb_trim_rcsum(skb, len)) {
		goto drop;
	}
	/*
	 * A frame for another node goes to forward.c before anything reads
	 * its payload: a forwarder neither checks nor copies it.
	 */
	if (READ_ONCE(xn->forwarding) && xnet_forward_wanted(xn, xdev, skb)) {
		xnet_forward(xn, xdev, skb);
		return NET_RX_SUCCESS;
	}
	/*
	 * Connection frames may be large frames made of fragments
	 * (offload.c); their segment headers are pulled by input.c. A
	 * segmented datagram is cut by dgram.c, which reads it in any
	 * layout. Every other frame is read as one linear buffer.
	 */
	if (xh->type != XNET_T_STREAM && xh->type != XNET_T_SEQPACKET &&
	    !gso_dgram && skb_linearize(skb))
		goto drop;
	xh = xnet_hdr(skb);

	/*
	 * CHECKSUM_PARTIAL: built in this host and handed over in memory
	 * (a veth peer, a bridge), never on a wire, or merged by GRO after
	 * each of its segments' CRC was checked (offload.c); as TCP, trust
	 * it. Any other frame from a device is checked.
	 */
	if (skb->ip_summed != CHECKSUM_PARTIAL && xnet_csum(skb) != xh->csum) {
		reason = XNET_MIB_IN_CSUM_ERRORS;
		goto drop;
	}
	if (xh->saddr == htonl(XNET_ADDR_ANY) ||
	    xh->saddr == htonl(XNET_ADDR_BROADCAST))
		goto drop;
	if (xnet_from_wire(skb) && xnet_dev_by_addr_rcu(xn, xh->saddr)) {
		reason = XNET_MIB_IN_MARTIANS;
		goto drop;
	}
	if (xh->daddr == htonl(XNET_ADDR_BROADCAST)) {
		if (skb->pkt_type != PACKET_BROADCAST)
			goto drop;
	} else if (!xnet_dev_has_addr_rcu(xdev, xh->daddr)) {
		/* a query for a neighbour's address is not an error */
		if (xh->type == XNET_T_NEIGH_QUERY &&
		    skb->pkt_type == PACKET_BROADCAST)
			goto drop_silently;
		/*
		 * The weak host model, as IPv4's: an address of another of
		 * our devices is ours. Neighbour frames are about the link
		 * they came by.
		 */
		if (xh->type == XNET_T_NEIGH_QUERY ||
		    xh->type == XNET_T_NEIGH_ANSWER ||
		    !xnet_dev_by_addr_rcu(xn, xh->daddr)) {
			xnet_drop(xn, skb, XNET_MIB_IN_ADDR_ERRORS);
			/* a node that does not forward says so (forward.c) */
			if (xnet_forward_wanted(xn, xdev, skb))
				xnet_error_send(xn, skb, XNET_ERR_UNREACH,
						XNET_UNREACH_FORWARDING, 0);
			goto drop_silently;
		}
	}
	/*
	 * Policy (key.c): a plain frame from the wire that net.xnet.secure
	 * refuses. Sealed frames and handshakes are checked where they
	 * are opened; frames between our own addresses never left memory.
	 */
	if (xh->type != XNET_T_SEALED && xh->type != XNET_T_HANDSHAKE &&
	    xnet_from_wire(skb) && !xnet_sec_plain_ok(xn, xdev, skb)) {
		reason = XNET_MIB_IN_PLAIN_DROPPED;
		goto drop;
	}

	xnet_rcv_demux(xn, xdev, skb);
	return NET_RX_SUCCESS;

drop:
	xnet_drop(xn, skb, reason);
drop_silently:
	kfree_skb(skb);
	return NET_RX_DROP;
}

void xnet_dev_attach_rx(struct xnet_dev *xdev)
{
	xdev->pt.type = htons(ETH_P_XNET);
	xdev->pt.dev = xdev->dev;
	xdev->pt.func = xnet_rcv;
	dev_add_pack(&xdev->pt);
}

/*
 * A frame from this node to one of its own addresses: the header is built
 * and the network header set. Demultiplex it as if it came from the wire,
 * without a device.
 */
void xnet_rcv_local(struct xnet_net *xn, struct sk_buff *skb)
{
	skb_orphan(skb);
	skb->pkt_type = PACKET_HOST;
	local_bh_disable();
	rcu_read_lock();
	xnet_inc_stat(xn, XNET_MIB_IN_PACKETS);
	xnet_rcv_demux(xn, NULL, skb);
	rcu_read_unlock();
	local_bh_enable();
}

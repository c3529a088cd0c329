// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: the transmit path: header construction, checksum, choice of
 * device, local delivery, broadcast, and the final hand-off to the device.
 *
 * Context: xnet_output() and xnet_send_broadcast() run in process context
 * (socket sendmsg) with no xnet lock held; they take rcu_read_lock_bh()
 * themselves. xnet_finish_output() runs in process or softirq context
 * (neighbour resolution completing) with BHs disabled and under RCU, and
 * never with a spinlock held, as dev_queue_xmit() requires. A net_device
 * used outside RCU is pinned with netdev_hold() by the caller.
 */
#include <linux/crc32.h>
#include <linux/crc32c.h>
#include <linux/etherdevice.h>
#include <linux/if_arp.h>

#include "xnet.h"
#include "sec.h"

struct sk_buff *xnet_alloc_skb(struct sock *sk, unsigned int payload,
			       int noblock, int *err)
{
	unsigned int headroom = LL_MAX_HEADER + XNET_HLEN;
	struct sk_buff *skb;

	skb = sock_alloc_send_skb(sk, headroom + payload, noblock, err);
	if (skb) {
		skb_reserve(skb, headroom);
		skb->priority = READ_ONCE(sk->sk_priority);
		skb->mark = READ_ONCE(sk->sk_mark);
	}
	return skb;
}

/*
 * Push the common header in front of the payload at skb->data: the
 * sender's hop limit (xnet_sock_hoplimit(), the netns's for frames of no
 * socket, XNET_HOPLIMIT_LINK for link-local ones), reserved bytes zero.
 */
void xnet_build_hdr(struct sk_buff *skb, u8 type, __be32 saddr,
		    __be32 daddr, __be16 sport, __be16 dport, u8 hoplimit)
{
	struct xnethdr *xh;

	xh = skb_push(skb, XNET_HLEN);
	skb_reset_network_header(skb);
	xh->version = XNET_VERSION;
	xh->type = type;
	xh->len = htons(skb->len);
	xh->saddr = saddr;
	xh->daddr = daddr;
	xh->sport = sport;
	xh->dport = dport;
	xh->csum = 0;
	xh->hoplimit = hoplimit;
	memset(xh->resv, 0, sizeof(xh->resv));
	skb->protocol = htons(ETH_P_XNET);
}

/* CRC-32C of @len bytes of @skb from @offset, linear or not. */
static u32 xnet_crc_skb(struct sk_buff *skb, unsigned int offset,
			unsigned int len, u32 crc)
{
	struct skb_seq_state st;
	unsigned int consumed = 0, n;
	const u8 *data;

	if (offset + len <= skb_headlen(skb))
		return crc32c(crc, skb->data + offset, len);
	skb_prepare_seq_read(skb, offset, offset + len, &st);
	while ((n = skb_seq_read(consumed, &data, &st))) {
		crc = crc32c(crc, data, n);
		consumed += n;
	}
	return crc;
}

/*
 * CRC-32C of the xnet packet at the network header, with the checksum
 * field taken as zero. The header must be linear; the rest need not be.
 */
__be32 xnet_csum(struct sk_buff *skb)
{
	static const u8 zero[4];
	const struct xnethdr *xh = xnet_hdr(skb);
	const u8 *p = (const u8 *)xh;
	unsigned int len = ntohs(xh->len);
	u32 crc;

	crc = crc32c(~0U, p, offsetof(struct xnethdr, csum));
	crc = crc32c(crc, zero, sizeof(zero));
	BUILD_BUG_ON(sizeof(*xh) != XNET_HLEN);
	crc = crc32c(crc, &xh->hoplimit,
		     XNET_HLEN - offsetof(struct xnethdr, hoplimit));
	crc = xnet_crc_skb(skb, skb_network_offset(skb) + XNET_HLEN,
			   len - XNET_HLEN, crc);
	return cpu_to_be32(~crc);
}

/*
 * For a forwarder: set the hop limit of the frame at the network header
 * of @skb and fix its CRC without reading the payload. CRC-32C is affine
 * in its message: two packets of the same length that differ only in
 * byte 20 by d have CRCs that differ by the CRC, without the initial and
 * final inversion, of the byte d followed by (length - 21) zero bytes;
 * __crc32c_le_shift() appends the zeros in O(log n). A frame whose CRC
 * is not computed (a large frame, CHECKSUM_PARTIAL: offload.c) only gets
 * the byte. The caller has made the header writable (skb_ensure_writable())
 * and checked the frame (rx.c): its length field is the packet's length.
 * Any context.
 */
void xnet_hdr_set_hoplimit(struct sk_buff *skb, u8 hoplimit)
{
	struct xnethdr *xh = xnet_hdr(skb);
	u8 delta = xh->hoplimit ^ hoplimit;
	u32 d;

	xh->hoplimit = hoplimit;
	if (!delta || skb_is_gso(skb) || skb->ip_summed == CHECKSUM_PARTIAL)
		return;
	d = __crc32c_le_shift(crc32c(0, &delta, 1),
			      ntohs(xh->len) - offsetof(struct xnethdr,
							hoplimit) - 1);
	xh->csum ^= cpu_to_be32(d);
}

static struct xnet_dev *xnet_dev_of(struct xnet_net *xn,
				    const struct net_device *dev)
{
	struct xnet_dev *xdev;

	list_for_each_entry_rcu(xdev, &xn->devs, list)
		if (xdev->dev == dev)
			return xdev;
	return NULL;
}

/*
 * Hand a frame whose header is complete but for the source address of an
 * unbound sender and the checksum to @dev, addressed to @ha. Consumes skb.
 * BHs off, under RCU.
 */
void xnet_finish_output(struct xnet_net *xn, struct sk_buff *skb,
			struct net_device *dev, const u8 *ha)
{
	struct xnethdr *xh = xnet_hdr(skb);

	if (!xh->saddr) {
		struct xnet_dev *xdev = xnet_dev_of(xn, dev);

		xh->saddr = xdev ? xnet_dev_first_addr_rcu(xdev) : 0;
		if (!xh->saddr)
			goto discard;
	}
	if (unlikely(dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN))
		goto discard;
	/*
	 * The MTU shrank while the frame waited. A large frame (offload.c)
	 * is segmented by the core if the device needs it.
	 */
	if (skb->len > dev->mtu && !skb_is_gso(skb))
		goto discard;
	/* a frame to a peer under protection leaves sealed (seal.c) */
	if (xnet_sec_output(xn, skb, dev, ha))
		return;
	xnet_xmit(xn, skb, dev, ha);
	return;

discard:
	xnet_inc_stat(xn, XNET_MIB_OUT_DISCARDS);
	kfree_skb(skb);
}

/*
 * The last step of every frame to the wire: checksum, Ethernet header,
 * the device's queue. @skb's xnet header is complete (its source set).
 * Consumes skb. BHs off, under RCU.
 */
void xnet_xmit(struct xnet_net *xn, struct sk_buff *skb,
	       struct net_device *dev, const u8 *ha)
{
	struct xnethdr *xh;

	if (skb_cow_head(skb, LL_RESERVED_SPACE(dev)))
		goto discard;
	xh = xnet_hdr(skb);
	if (!skb_is_gso(skb))
		xh->csum = xnet_csum(skb);
	skb->dev = dev;
	skb->protocol = htons(ETH_P_XNET);
	if (dev_hard_header(skb, dev, ETH_P_XNET, ha, NULL, skb->len) < 0)
		goto discard;
	xnet_inc_stat(xn, XNET_MIB_OUT_PACKETS);
	dev_queue_xmit(skb);
	return;

discard:
	xnet_inc_stat(xn, XNET_MIB_OUT_DISCARDS);
	kfree_skb(skb);
}

bool xnet_dev_usable(struct xnet_dev *xdev, int oif, __be32 saddr)
{
	if (!netif_running(xdev->dev))
		return false;
	if (oif && xdev->dev->ifindex != oif)
		return false;
	return !saddr || xnet_dev_has_addr_rcu(xdev, saddr);
}

/*
 * Largest xnet packet (header included) a sender can hand to xnet_output()
 * for @daddr: the MTU of the device its route leaves by, or, for a
 * broadcast or a bare address's link, the smallest MTU of the devices it
 * may leave by. 0 if there is no route or no device is up.
 */
unsigned int xnet_path_mtu(struct xnet_net *xn, __be32 saddr, __be32 daddr,
			   int oif)
{
	unsigned int mtu = 0;
	struct xnet_dev *xdev;
	struct xnet_rt rt;
	bool local;

	rcu_read_lock();
	xdev = xnet_dev_by_addr_rcu(xn, daddr);
	local = xdev;
	if (xdev) {
		mtu = READ_ONCE(xdev->dev->mtu);
		goto out;
	}
	if (daddr != htonl(XNET_ADDR_BROADCAST)) {
		if (xnet_route_output_rcu(xn, daddr, saddr, oif, &rt))
			goto out;		/* no route: 0 */
		if (rt.xdev) {
			mtu = rt.mtu;
			goto out;
		}
	}
	/* broadcast, or a bare address's link: any device it may take */
	list_for_each_entry_rcu(xdev, &xn->devs, list) {
		unsigned int m = READ_ONCE(xdev->dev->mtu);

		if (xnet_dev_usable(xdev, oif, saddr) && (!mtu || m < mtu))
			mtu = m;
	}
out:
	rcu_read_unlock();
	mtu = min(mtu, xnet_pmtu_get(xn, daddr));	/* pmtu.c */
	/* a sealed frame carries its seal header and tag too (seal.c) */
	if (mtu > XNET_SEAL_OVERHEAD + XNET_HLEN &&
	    daddr != htonl(XNET_ADDR_BROADCAST) && !local &&
	    xnet_sec_wanted(xn, daddr, oif))
		mtu -= XNET_SEAL_OVERHEAD;
	return min_t(unsigned int, mtu, U16_MAX);
}

/*
 * Send a frame to the Ethernet broadcast address out of every usable
 * device (one, if the sender is bound to an address or a device).
 * Consumes skb. Process context.
 */
int xnet_send_broadcast(struct xnet_net *xn, struct sk_buff *skb, int oif)
{
	__be32 saddr = xnet_hdr(skb)->saddr;
	struct xnet_dev *xdev, *last = NULL;
	struct sk_buff *clone;

	rcu_read_lock_bh();
	list_for_each_entry_rcu(xdev, &xn->devs, list) {
		if (!xnet_dev_usable(xdev, oif, saddr))
			continue;
		if (last) {
			/*
			 * The header is written per device, the payload never:
			 * a segmented datagram's (XNET_SEGMENT, SKB_GSO_FRAGLIST)
			 * pages are shared; skb_copy() refuses such an skb.
			 */
			clone = skb_is_gso(skb) ? pskb_copy(skb, GFP_ATOMIC) :
						  skb_copy(skb, GFP_ATOMIC);
			if (clone)
				xnet_finish_output(xn, clone, last->dev,
						   last->dev->broadcast);
		}
		last = xdev;
	}
	if (last)
		xnet_finish_output(xn, skb, last->dev, last->dev->broadcast);
	rcu_read_unlock_bh();

	if (!last) {
		xnet_inc_stat(xn, XNET_MIB_OUT_NO_ROUTE);
		kfree_skb(skb);
		return -ENETUNREACH;
	}
	return 0;
}

/*
 * Send a frame whose header is built: to a local socket, or through
 * neighbour resolution to the wire. Consumes skb. Process context.
 */
int xnet_output(struct xnet_net *xn, struct sk_buff *skb, int oif)
{
	struct xnethdr *xh = xnet_hdr(skb);
	struct xnet_dev *xdev;

	if (xh->daddr == htonl(XNET_ADDR_BROADCAST))
		return xnet_send_broadcast(xn, skb, oif);

	rcu_read_lock();
	xdev = xnet_dev_by_addr_rcu(xn, xh->daddr);
	if (xdev && xh->type != XNET_T_DGRAM) {
		/*
		 * A connection to an own address: loop the frame through the
		 * device's receive path, so that the receiver never runs
		 * inside the sender's socket lock.
		 */
		if (!xh->saddr)
			xh->saddr = xh->daddr;
		if (!skb_is_gso(skb))
			xh->csum = xnet_csum(skb);
		skb_orphan(skb);
		skb->dev = xdev->dev;
		skb->pkt_type = PACKET_HOST;
		skb_reset_mac_header(skb);
		xnet_inc_stat(xn, XNET_MIB_OUT_PACKETS);
		netif_rx(skb);
		rcu_read_unlock();
		return 0;
	}
	rcu_read_unlock();
	if (xdev) {
		if (!xh->saddr)
			xh->saddr = xh->daddr;
		xnet_inc_stat(xn, XNET_MIB_OUT_PACKETS);
		xnet_rcv_local(xn, skb);
		return 0;
	}
	return xnet_neigh_output(xn, skb, oif);
}

/*
 * Send @skb, header built, to the Ethernet address @ha out of the xnet
 * device of index @ifindex, without consulting the neighbour table: how
 * xnet answers a frame from the wire (xnet_output_reply()) and how a
 * half-open child sends its SYN+ACK to the SYN's sender. A frame to an
 * own address is looped as xnet_output() does. Consumes skb. Softirq or
 * process context, no xnet lock held. The device is looked up by index
 * among the netns's xnet devices under RCU, so a device gone meanwhile is
 * never touched (-EHOSTUNREACH).
 */
int xnet_output_direct(struct xnet_net *xn, struct sk_buff *skb, int ifindex,
		       const u8 *ha)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	struct xnet_dev *xdev, *found = NULL;

	if (xh->daddr == htonl(XNET_ADDR_BROADCAST) || !is_valid_ether_addr(ha))
		goto discard;
	rcu_read_lock_bh();
	if (xnet_dev_by_addr_rcu(xn, xh->daddr)) {
		rcu_read_unlock_bh();
		return xnet_output(xn, skb, 0);
	}
	list_for_each_entry_rcu(xdev, &xn->devs, list)
		if (xdev->dev->ifindex == ifindex) {
			found = xdev;
			break;
		}
	if (!found || !netif_running(found->dev)) {
		rcu_read_unlock_bh();
		goto discard;
	}
	xnet_finish_output(xn, skb, found->dev, ha);
	rcu_read_unlock_bh();
	return 0;

discard:
	xnet_inc_stat(xn, XNET_MIB_OUT_NO_ROUTE);
	kfree_skb(skb);
	return -EHOSTUNREACH;
}

/*
 * Send a frame answering the frame @in from the wire (a reset, a cookie
 * SYN+ACK) back where @in came from: to its Ethernet source, out of the
 * device it arrived on (xnet_output_direct()). A stranger's frames create
 * no neighbour entry and start no query, and the answer goes to the
 * sender of @in even when its source address is spoofed, as TCP answers
 * to the link-layer path a segment came by. An answer to an own address
 * is looped. Consumes skb.
 */
int xnet_output_reply(struct xnet_net *xn, struct sk_buff *skb,
		      const struct sk_buff *in)
{
	bool local;

	rcu_read_lock_bh();
	local = xnet_dev_by_addr_rcu(xn, xnet_hdr(skb)->daddr);
	rcu_read_unlock_bh();
	if (local)
		return xnet_output(xn, skb, 0);
	if (!skb_mac_header_was_set(in) || skb_mac_header_len(in) < ETH_HLEN) {
		xnet_inc_stat(xn, XNET_MIB_OUT_NO_ROUTE);
		kfree_skb(skb);
		return -EHOSTUNREACH;
	}
	return xnet_output_direct(xn, skb, in->skb_iif, eth_hdr(in)->h_source);
}

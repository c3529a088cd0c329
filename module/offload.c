// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: large frames through the stack, segmented where a device needs it.
 *
 * A connection sends the segments one push may send as one frame: a
 * linear head with the xnet and segment headers, and the segments'
 * payloads (clones of the write-queue skbs, each holding one or more
 * segments of gso_size bytes, the last one possibly shorter) on its
 * frag_list, marked SKB_GSO_FRAGLIST with gso_segs segments and
 * CHECKSUM_PARTIAL (the CRC is not computed yet). The core decides per
 * device (validate_xmit_skb()):
 *
 * - a software device that forwards skbs inside this host and takes
 *   both NETIF_F_GSO_FRAGLIST and NETIF_F_HW_CSUM (veth, bridge) passes
 *   the frame whole; its receiver takes it as one segment with the
 *   payload of all, and trusts it without a CRC as it trusts any
 *   CHECKSUM_PARTIAL skb (it never left memory), exactly as TCP's large
 *   segments and checksums cross a veth pair;
 * - every other device (a NIC: no such feature) gets it from
 *   xnet_gso_segment() below as ordinary frames, one per segment, each
 *   with its own header, sequence number and CRC: the wire never sees a
 *   frame larger than the MTU nor one without its CRC.
 *
 * Context: xnet_gso_segment() runs in the transmit path (process or
 * softirq context, BHs off) on an skb that nobody else holds. It trusts
 * nothing in it: any other device, a tap for instance, may hand the core
 * a GSO skb of our EtherType.
 */
#include <linux/netdevice.h>
#include <linux/crc32c.h>

#include "xnet.h"

/* Header length of a data frame: header, segment header, SACK blocks. */
static unsigned int xnet_gso_hlen(const struct sk_buff *skb)
{
	const struct xnet_seghdr *sh;

	if (skb_headlen(skb) < XNET_CONN_HLEN)
		return 0;
	sh = (const void *)(xnet_hdr(skb) + 1);
	if (sh->nsack > XNET_MAX_SACK ||
	    (ntohs(sh->flags) & (XNET_SEG_SYN | XNET_SEG_FIN | XNET_SEG_RST)))
		return 0;
	return XNET_CONN_HLEN + sh->nsack * sizeof(struct xnet_sack_block);
}

/*
 * One ordinary frame: @skb's headers, then @len bytes of @pay from @off,
 * at @seq.
 */
static struct sk_buff *xnet_gso_one(struct sk_buff *skb, unsigned int hlen,
				    struct sk_buff *pay, unsigned int off,
				    unsigned int len, u32 seq, bool last)
{
	unsigned int mac_len = skb->data - skb_mac_header(skb);
	struct xnet_seghdr *sh;
	struct xnethdr *xh;
	struct sk_buff *nskb;

	nskb = alloc_skb(LL_RESERVED_SPACE(skb->dev) + mac_len + hlen + len,
			 GFP_ATOMIC);
	if (!nskb)
		return NULL;
	skb_reserve(nskb, LL_RESERVED_SPACE(skb->dev));
	skb_put_data(nskb, skb_mac_header(skb), mac_len + hlen);
	if (skb_copy_bits(pay, off, skb_put(nskb, len), len)) {
		kfree_skb(nskb);
		return NULL;
	}
	skb_reset_mac_header(nskb);
	skb_set_network_header(nskb, mac_len);
	nskb->mac_len = mac_len;
	nskb->dev = skb->dev;
	nskb->protocol = skb->protocol;
	nskb->priority = skb->priority;
	nskb->mark = skb->mark;
	skb_copy_queue_mapping(nskb, skb);

	xh = xnet_hdr(nskb);
	sh = (void *)(xh + 1);
	xh->len = htons(hlen + len);
	sh->seq = htonl(seq);
	if (!last)
		sh->flags &= ~htons(XNET_SEG_EOR);
	xh->csum = xnet_csum(nskb);
	return nskb;
}

/*
 * skb->data at the xnet header; the result's data at the MAC header.
 * Every gso_size bytes of each frag_list skb become one frame.
 */
static struct sk_buff *xnet_gso_segment(struct sk_buff *skb,
					netdev_features_t features)
{
	unsigned int mss = skb_shinfo(skb)->gso_size, hlen, total, off;
	struct sk_buff *segs = NULL, **tail = &segs, *pay, *last = NULL;
	u32 seq;

	if (skb_shinfo(skb)->gso_type != SKB_GSO_FRAGLIST ||
	    skb_shinfo(skb)->nr_frags || !skb_has_frag_list(skb) ||
	    skb->data != skb_network_header(skb) ||
	    skb_mac_header(skb) > skb->data || mss < 64)
		return ERR_PTR(-EINVAL);
	hlen = xnet_gso_hlen(skb);
	if (!hlen || skb_headlen(skb) != hlen ||
	    ntohs(xnet_hdr(skb)->len) != skb->len)
		return ERR_PTR(-EINVAL);
	seq = ntohl(((struct xnet_seghdr *)(xnet_hdr(skb) + 1))->seq);

	total = hlen;
	skb_walk_frags(skb, pay) {
		if (!pay->len || pay->len > skb->len - total)
			goto err;
		for (off = 0; off < pay->len; off += mss) {
			unsigned int len = min(mss, pay->len - off);
			struct sk_buff *nskb;

			total += len;
			nskb = xnet_gso_one(skb, hlen, pay, off, len, seq,
					    total == skb->len);
			if (!nskb)
				goto err;
			*tail = nskb;
			tail = &nskb->next;
			last = nskb;
			seq += len;
		}
	}
	if (total != skb->len)
		goto err;
	/*
	 * As skb_segment() leaves it: the head's prev is the last segment.
	 * validate_xmit_skb_list() appends the next skb of a qdisc's bulk
	 * dequeue there (a NIC with BQL and a qdisc: e1000).
	 */
	segs->prev = last;
	return segs;

err:
	kfree_skb_list(segs);
	return ERR_PTR(-EINVAL);
}

static struct packet_offload xnet_offload __read_mostly = {
	.type = cpu_to_be16(ETH_P_XNET),
	.callbacks = {
		.gso_segment = xnet_gso_segment,
	},
};

void xnet_offload_init(void)
{
	dev_add_offload(&xnet_offload);
}

void xnet_offload_exit(void)
{
	dev_remove_offload(&xnet_offload);	/* waits for users */
}

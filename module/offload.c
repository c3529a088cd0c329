// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: large frames through the stack, segmented where a device needs it,
 * and merged again on receive (GRO).
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
 * GRO: a NIC (or a veth with GRO on) hands the core one frame per
 * segment, and the core offers each frame of our EtherType to
 * xnet_gro_receive() with the frames held earlier in this NAPI poll.
 * In-order data segments of one connection are chained onto the first
 * one's frag_list, as TCP's are, while: same type, addresses, ports and
 * hop limit (reserved header bytes are ignored, as on receive),
 * ACK as the only flag (EOR may end a merge), the same ACK and SACK
 * blocks, each segment at the held frame's end sequence, no longer than
 * the first (a shorter one ends the merge), the frame exactly its
 * header's length, at most XNET_GSO_MAX_SEGS segments and 65535 bytes.
 * Anything else flushes the held frame of that connection (order is
 * kept) and goes up alone; datagrams and neighbour frames are never
 * held. The merged header takes the newest window (its ACK is the
 * same, so it is the newer information) and an EOR of the last segment.
 *
 * GRO never hides a bad CRC. Each segment's CRC is checked before it is
 * merged, and the held first segment's before the first merge; a
 * segment whose CRC is wrong is never merged: it (or the held frame)
 * goes up alone, and rx.c counts it in InCsumErrors as without GRO. A
 * frame that stays alone goes up unchanged and rx.c checks its CRC: a
 * CRC is computed once per frame either way. xnet_gro_complete() gives a
 * merged frame the form of a large frame from a veth peer: its length in
 * the header, CHECKSUM_PARTIAL, SKB_GSO_FRAGLIST, gso_segs segments; rx.c
 * trusts CHECKSUM_PARTIAL as for those. NIC drivers set at most
 * CHECKSUM_UNNECESSARY or _COMPLETE, which rx.c does not trust; a frame
 * marked CHECKSUM_PARTIAL comes from this host's stack or from a
 * virtual device's "needs checksum" flag set by whoever feeds it
 * (virtio-net's peer, tap/macvtap or AF_PACKET with a vnet header, a
 * co-tenant VM): a frame that never crossed a wire, trusted as TCP
 * trusts it. The CRC detects corruption; it never authenticated a
 * frame, and such a sender could compute it anyway. Forwarded on (a
 * bridge), a merged frame passes a veth whole or is cut again by
 * xnet_gso_segment(), which takes both layouts.
 *
 * Context: xnet_gso_segment() runs in the transmit path (process or
 * softirq context, BHs off) on an skb that nobody else holds. It trusts
 * nothing in it: any other device, a tap for instance, may hand the core
 * a GSO skb of our EtherType. xnet_gro_receive() and xnet_gro_complete()
 * run in NAPI softirq context under RCU, on one CPU's lists of held
 * frames (no lock needed); they trust nothing either. A device exists
 * only while its netns's xnet state does (netns.c), so the counter can be
 * reached from skb->dev.
 */
#include <linux/netdevice.h>
#include <linux/crc32c.h>
#include <linux/delay.h>
#include <net/gro.h>

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

/* Frames under construction by xnet_gso_segment(). */
struct xnet_gso_state {
	struct sk_buff	*segs;
	struct sk_buff	**tail;
	struct sk_buff	*last;
	unsigned int	hlen;
	unsigned int	total;		/* bytes cut so far, headers included */
	u32		seq;
};

/* Every gso_size bytes of @len bytes of @pay from @start become a frame. */
static int xnet_gso_cut(struct sk_buff *skb, struct xnet_gso_state *st,
			struct sk_buff *pay, unsigned int start,
			unsigned int len)
{
	unsigned int mss = skb_shinfo(skb)->gso_size, off;

	for (off = 0; off < len; off += mss) {
		unsigned int n = min(mss, len - off);
		struct sk_buff *nskb;

		st->total += n;
		nskb = xnet_gso_one(skb, st->hlen, pay, start + off, n, st->seq,
				    st->total == skb->len);
		if (!nskb)
			return -ENOMEM;
		*st->tail = nskb;
		st->tail = &nskb->next;
		st->last = nskb;
		st->seq += n;
	}
	return 0;
}

/*
 * A segmented datagram (XNET_SEGMENT, dgram.c): the xnet header, then
 * the payload of every datagram, linear or in page fragments, marked
 * SKB_GSO_FRAGLIST with gso_size the datagram size and CHECKSUM_PARTIAL.
 * Its header's length field is one full datagram's frame (XNET_HLEN +
 * gso_size: 64 KiB of payload would not fit the field), the skb's length
 * is the truth. It is cut into ordinary datagrams, each its own frame
 * with its own header and length (the last one may be shorter): here for
 * a device (@crc: each gets its CRC), and by dgram.c before delivery to
 * a socket (a veth passes the frame whole; its CRC is not needed, the
 * frame never left memory, as for a connection's large frame).
 *
 * skb->data at the xnet header, which is linear; the MAC header, if set
 * and before it, is copied into each frame. The result's data at the MAC
 * header (the xnet header if none). Trusts nothing: a tap may hand any
 * GSO skb of our EtherType to the core. At most XNET_SEGMENT_MAX_SEGS
 * frames; -EINVAL for anything else, -ENOMEM.
 */
struct sk_buff *xnet_dgram_segment(struct sk_buff *skb, bool crc)
{
	unsigned int mss = skb_shinfo(skb)->gso_size, mac_len = 0, off;
	unsigned int room = skb->dev ? LL_RESERVED_SPACE(skb->dev) : 0;
	struct sk_buff *segs = NULL, **tail = &segs, *nskb;
	const u8 *mac = skb->data;
	struct xnethdr *xh;

	if (!skb_is_gso(skb) || !mss || skb->data != skb_network_header(skb) ||
	    skb_headlen(skb) < XNET_HLEN || skb->len <= XNET_HLEN ||
	    ntohs(xnet_hdr(skb)->len) != XNET_HLEN + mss ||
	    DIV_ROUND_UP(skb->len - XNET_HLEN, mss) > XNET_SEGMENT_MAX_SEGS)
		return ERR_PTR(-EINVAL);
	if (skb_mac_header_was_set(skb) && skb_mac_header(skb) <= skb->data &&
	    skb_mac_header(skb) >= skb->head) {
		mac = skb_mac_header(skb);
		mac_len = skb->data - mac;
	}

	for (off = XNET_HLEN; off < skb->len; off += mss) {
		unsigned int n = min(mss, skb->len - off);

		nskb = alloc_skb(room + mac_len + XNET_HLEN + n, GFP_ATOMIC);
		if (!nskb)
			goto err;
		*tail = nskb;
		tail = &nskb->next;
		skb_reserve(nskb, room);
		skb_put_data(nskb, mac, mac_len + XNET_HLEN);
		if (skb_copy_bits(skb, off, skb_put(nskb, n), n))
			goto err;
		skb_reset_mac_header(nskb);
		skb_set_network_header(nskb, mac_len);
		nskb->mac_len = mac_len;
		nskb->dev = skb->dev;
		nskb->skb_iif = skb->skb_iif;
		nskb->pkt_type = skb->pkt_type;
		nskb->protocol = skb->protocol;
		nskb->priority = skb->priority;
		nskb->mark = skb->mark;
		nskb->tstamp = skb->tstamp;
		skb_copy_queue_mapping(nskb, skb);

		xh = xnet_hdr(nskb);
		xh->len = htons(XNET_HLEN + n);
		if (crc)
			xh->csum = xnet_csum(nskb);
		else
			nskb->ip_summed = CHECKSUM_UNNECESSARY;
	}
	return segs;

err:
	kfree_skb_list(segs);
	return ERR_PTR(-ENOMEM);
}

/*
 * skb->data at the xnet header; the result's data at the MAC header.
 * Two layouts: a large frame of ours has its payload on its frag_list,
 * each frag_list skb a run of gso_size segments whose last one may be
 * shorter; a frame merged by GRO has the first segment's payload after
 * the headers (head and page fragments) and one segment per frag_list
 * skb. Each run (the head's own payload, then each frag_list skb) is
 * cut every gso_size bytes.
 */
static struct sk_buff *xnet_gso_segment(struct sk_buff *skb,
					netdev_features_t features)
{
	struct xnet_gso_state st = { .tail = &st.segs };
	unsigned int fl = 0;
	struct sk_buff *pay;

	if (skb_shinfo(skb)->gso_type != SKB_GSO_FRAGLIST ||
	    skb->data != skb_network_header(skb) ||
	    skb_mac_header(skb) > skb->data)
		return ERR_PTR(-EINVAL);
	/* a segmented datagram (XNET_SEGMENT): any size, few segments */
	if (skb_headlen(skb) >= XNET_HLEN &&
	    xnet_hdr(skb)->type == XNET_T_DGRAM) {
		st.segs = xnet_dgram_segment(skb, true);
		if (IS_ERR(st.segs))
			return st.segs;
		/* as below: the head's prev is the last segment */
		for (st.last = st.segs; st.last->next; st.last = st.last->next)
			;
		st.segs->prev = st.last;
		return st.segs;
	}
	if (skb_shinfo(skb)->gso_size < 64)
		return ERR_PTR(-EINVAL);
	st.hlen = xnet_gso_hlen(skb);
	if (!st.hlen || skb_headlen(skb) < st.hlen ||
	    ntohs(xnet_hdr(skb)->len) != skb->len)
		return ERR_PTR(-EINVAL);
	st.seq = ntohl(((struct xnet_seghdr *)(xnet_hdr(skb) + 1))->seq);
	skb_walk_frags(skb, pay) {
		if (!pay->len || pay->len > skb->len - st.hlen - fl)
			return ERR_PTR(-EINVAL);
		fl += pay->len;
		/* its MSG_ZEROCOPY pages are copied below (zerocopy.c) */
		xnet_zc_copied(pay);
	}

	st.total = st.hlen;
	if (xnet_gso_cut(skb, &st, skb, st.hlen, skb->len - fl - st.hlen))
		goto err;
	skb_walk_frags(skb, pay)
		if (xnet_gso_cut(skb, &st, pay, 0, pay->len))
			goto err;
	if (st.total != skb->len || !st.segs)
		goto err;
	/*
	 * As skb_segment() leaves it: the head's prev is the last segment.
	 * validate_xmit_skb_list() appends the next skb of a qdisc's bulk
	 * dequeue there (a NIC with BQL and a qdisc: e1000).
	 */
	st.segs->prev = st.last;
	return st.segs;

err:
	kfree_skb_list(st.segs);
	return ERR_PTR(-EINVAL);
}

/* Module exit: merge nothing more (xnet_offload_exit()). */
static bool xnet_gro_stopping;
/* Merged frames held, not completed yet: exit waits for them. */
static atomic_t xnet_gro_pending = ATOMIC_INIT(0);

/* Could this frame be merged, or held for merging, as far as it goes? */
static bool xnet_gro_plain(const struct sk_buff *skb,
			   const struct xnethdr *xh, unsigned int hlen)
{
	const struct xnet_seghdr *sh = (const void *)(xh + 1);
	u16 flags = ntohs(sh->flags);

	/*
	 * Nothing rx.c or input.c would drop as a whole (counters count
	 * frames): a frame of a connection, unicast, with ports, and
	 * exactly as long as its header says (no padding, nothing cut).
	 */
	/*
	 * Not inside a tunnel (VXLAN, GRE: encap_mark): the outer
	 * completion would want its own gso_type and inner headers, and a
	 * UDP encap socket drops a GSO frame without its tunnel bits.
	 */
	return !NAPI_GRO_CB(skb)->flush && !skb_is_gso(skb) &&
	       !NAPI_GRO_CB(skb)->encap_mark &&
	       !READ_ONCE(xnet_gro_stopping) && !sh->resv &&
	       (flags & ~XNET_SEG_EOR) == XNET_SEG_ACK &&
	       ntohs(xh->len) == skb_gro_len(skb) && ntohs(xh->len) > hlen &&
	       xh->sport && xh->dport &&
	       xh->daddr != htonl(XNET_ADDR_BROADCAST) &&
	       xh->saddr != htonl(XNET_ADDR_BROADCAST) &&
	       xh->saddr != htonl(XNET_ADDR_ANY);
}

static bool xnet_gro_same_conn(const struct xnethdr *a,
			       const struct xnethdr *b)
{
	return a->type == b->type && a->saddr == b->saddr &&
	       a->daddr == b->daddr && a->sport == b->sport &&
	       a->dport == b->dport;
}

static unsigned int xnet_gro_hlen(const struct xnethdr *xh)
{
	const struct xnet_seghdr *sh = (const void *)(xh + 1);

	return XNET_CONN_HLEN + sh->nsack * sizeof(struct xnet_sack_block);
}

/* The CRC of a frame whose header (at the network header) is linear. */
static bool xnet_gro_crc_ok(struct sk_buff *skb)
{
	return xnet_csum(skb) == xnet_hdr(skb)->csum;
}

/*
 * Does the segment at @xh (@len bytes of payload) continue the held
 * frame @p? Both headers were checked by xnet_gro_plain().
 */
static bool xnet_gro_continues(struct sk_buff *p, struct sk_buff *skb,
			       const struct xnethdr *xh, unsigned int len)
{
	const struct xnet_seghdr *sh = (const void *)(xh + 1), *sh2;
	const struct xnethdr *xh2 = xnet_hdr(p);
	unsigned int hlen2 = xnet_gro_hlen(xh2);
	unsigned int held = p->len - skb_network_offset(p);

	sh2 = (const void *)(xh2 + 1);
	/* a different hop limit flushes, as IP's TTL does */
	return !NAPI_GRO_CB(p)->flush && xh->hoplimit == xh2->hoplimit &&
	       sh2->flags == htons(XNET_SEG_ACK) && sh->ack == sh2->ack &&
	       sh->nsack == sh2->nsack &&
	       !memcmp(sh + 1, sh2 + 1,
		       sh->nsack * sizeof(struct xnet_sack_block)) &&
	       len <= skb_shinfo(p)->gso_size &&
	       ntohl(sh->seq) == ntohl(sh2->seq) + held - hlen2 &&
	       NAPI_GRO_CB(p)->count < XNET_GSO_MAX_SEGS &&
	       held + len <= U16_MAX &&
	       (NAPI_GRO_CB(p)->count > 1 || !skb_has_frag_list(p)) &&
	       !skb_zcopy(p) && !skb_zcopy(skb) &&
	       /*
		* a sender's charge moves to @p (see xnet_gro_merge()): only
		* a truesize charge (sock_wfree) can; a reference-holding
		* destructor (sock_efree after netem's skb_orphan_partial())
		* would leak one socket reference per merge
		*/
	       p->sk == skb->sk && p->destructor == skb->destructor &&
	       (skb->sk ? skb->destructor == sock_wfree : !skb->destructor);
}

/*
 * Chain @skb's payload onto @p. Checks the CRCs first: @p's before its
 * first merge (false: @p goes up alone), @skb's (false, *@bad: @skb goes
 * up alone); rx.c then counts whichever is wrong.
 */
static bool xnet_gro_merge(struct sk_buff *p, struct sk_buff *skb,
			   unsigned int len, bool *bad)
{
	struct xnet_seghdr *sh, *sh2;

	if (NAPI_GRO_CB(p)->count == 1) {
		if (!xnet_gro_crc_ok(p) ||
		    skb_ensure_writable(p, skb_network_offset(p) +
					xnet_gro_hlen(xnet_hdr(p))))
			return false;
		NAPI_GRO_CB(p)->last = p;
	}
	/* headers linear (the pointers into frag0 are stale after this) */
	if (!pskb_may_pull(skb, skb_gro_offset(skb)) ||
	    !xnet_gro_crc_ok(skb)) {
		*bad = true;
		return false;
	}
	sh = (void *)(xnet_hdr(skb) + 1);
	sh2 = (void *)(xnet_hdr(p) + 1);
	/* the newest window (the ACK is the same); EOR ends the message */
	sh2->wnd = sh->wnd;
	sh2->flags |= sh->flags & htons(XNET_SEG_EOR);

	/*
	 * A local sender's charge (a veth peer's socket; the same socket
	 * and destructor as @p's) moves to @p with the truesize, as the
	 * core's own GRO does: @p's destructor returns both.
	 */
	skb->destructor = NULL;
	skb->sk = NULL;
	__skb_pull(skb, skb_gro_offset(skb));
	skb->next = NULL;
	if (NAPI_GRO_CB(p)->last == p)
		skb_shinfo(p)->frag_list = skb;
	else
		NAPI_GRO_CB(p)->last->next = skb;
	NAPI_GRO_CB(p)->last = skb;
	__skb_header_release(skb);
	p->len += len;
	p->data_len += len;
	p->truesize += skb->truesize;
	skb_shinfo(p)->flags |= skb_shinfo(skb)->flags & SKBFL_SHARED_FRAG;
	if (NAPI_GRO_CB(p)->count++ == 1)
		atomic_inc(&xnet_gro_pending);
	NAPI_GRO_CB(skb)->same_flow = 1;
	xnet_inc_stat(xnet_pernet(dev_net(skb->dev)), XNET_MIB_IN_GRO_MERGED);
	return true;
}

/*
 * skb at the xnet header (skb_gro_offset()); @head: the frames held.
 * Returns the held frame to send up now, if any.
 */
static struct sk_buff *xnet_gro_receive(struct list_head *head,
					struct sk_buff *skb)
{
	unsigned int off = skb_gro_offset(skb), hlen, len = 0;
	bool plain, merged = false, bad = false;
	struct sk_buff *pp = NULL, *p;
	const struct xnethdr *xh;
	bool eor;

	xh = skb_gro_header(skb, off + XNET_CONN_HLEN, off);
	if (!xh || xh->version != XNET_VERSION ||
	    (xh->type != XNET_T_STREAM && xh->type != XNET_T_SEQPACKET) ||
	    ((const struct xnet_seghdr *)(xh + 1))->nsack > XNET_MAX_SACK)
		goto out;
	hlen = xnet_gro_hlen(xh);
	xh = skb_gro_header(skb, off + hlen, off);
	if (!xh)
		goto out;
	skb_set_network_header(skb, off);
	plain = xnet_gro_plain(skb, xh, hlen);
	eor = ((const struct xnet_seghdr *)(xh + 1))->flags &
	      htons(XNET_SEG_EOR);
	if (plain)
		len = ntohs(xh->len) - hlen;
	skb_gro_pull(skb, hlen);

	list_for_each_entry(p, head, list) {
		if (!NAPI_GRO_CB(p)->same_flow)
			continue;
		/*
		 * Devices without a link-layer header (a tun) hold frames of
		 * every protocol in one list, matched without the protocol.
		 */
		if (p->protocol != skb->protocol ||
		    !xnet_gro_same_conn(xh, xnet_hdr(p))) {
			NAPI_GRO_CB(p)->same_flow = 0;
			continue;
		}
		/* a held frame of this connection: merge into it or flush it */
		pp = p;
		/* (after a merge attempt @xh may point to freed frag0) */
		if (plain && xnet_gro_continues(p, skb, xh, len) &&
		    xnet_gro_merge(p, skb, len, &bad)) {
			merged = true;
			/* a shorter segment, EOR or the last one allowed ends it */
			if (len == skb_shinfo(p)->gso_size && !eor &&
			    NAPI_GRO_CB(p)->count < XNET_GSO_MAX_SEGS)
				pp = NULL;
		}
		break;
	}
	/* merged, or held alone: a plain segment without EOR, CRC not bad */
	if (merged || (plain && !eor && !bad))
		return pp;
out:
	NAPI_GRO_CB(skb)->flush |= 1;
	return pp;
}

/*
 * A merged frame (NAPI_GRO_CB(skb)->count > 1) goes up: the header at
 * @nhoff gets the frame's length, and the frame the marks of a large
 * frame (see the top of this file). Its CRC field is left as it was;
 * every segment's CRC was checked.
 */
static int xnet_gro_complete(struct sk_buff *skb, int nhoff)
{
	unsigned int len = skb->len - nhoff;
	struct xnethdr *xh;
	int err = -EINVAL;

	if (len <= U16_MAX && len > XNET_HLEN &&
	    !skb_ensure_writable(skb, nhoff + XNET_HLEN)) {
		xh = (struct xnethdr *)(skb->data + nhoff);
		xh->len = htons(len);
		skb->csum_start = (unsigned char *)xh - skb->head;
		skb->csum_offset = offsetof(struct xnethdr, csum);
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb_shinfo(skb)->gso_type = SKB_GSO_FRAGLIST;
		skb_shinfo(skb)->gso_segs = NAPI_GRO_CB(skb)->count;
		err = 0;
	}
	/* on an error the core frees the frame */
	atomic_dec(&xnet_gro_pending);
	return err;
}

static struct packet_offload xnet_offload __read_mostly = {
	.type = cpu_to_be16(ETH_P_XNET),
	.callbacks = {
		.gso_segment = xnet_gso_segment,
		.gro_receive = xnet_gro_receive,
		.gro_complete = xnet_gro_complete,
	},
};

void xnet_offload_init(void)
{
	dev_add_offload(&xnet_offload);
}

/*
 * Process context. The core finds gro_complete by our packet_offload
 * for every merged frame it still holds; one completed after the offload
 * is gone would be a WARN and a lost frame. So: stop merging, wait for
 * the callers already in xnet_gro_receive(), then for the merged frames
 * held (a NAPI poll flushes them; a device deleted with one held frees it
 * without completing it, hence the bound), then go.
 */
void xnet_offload_exit(void)
{
	int i;

	WRITE_ONCE(xnet_gro_stopping, true);
	synchronize_net();
	for (i = 0; i < 100 && atomic_read(&xnet_gro_pending); i++)
		msleep(20);
	dev_remove_offload(&xnet_offload);	/* waits for users */
}

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: sealing and opening protected frames (sec.h for the wire format).
 *
 * Output (xnet_sec_output(), called by xnet_finish_output() for every
 * frame about to leave by a device): our own frames (the source is an
 * address of the netns; a forwarded frame is not ours and leaves as it
 * came) of types 1, 4, 5 and 6 to a unicast peer that xnet_sec_wanted()
 * are sealed with the session xnet_session_tx() gives, or held for the
 * handshake (xnet_session_hold()) if there is none yet. At secure=2 such
 * a frame to a peer without a key is dropped (OutNoKey). A large frame
 * (offload.c) is cut into its ordinary frames first, each with its own
 * header and sequence number, and each is sealed on its own: every frame
 * on the wire is verifiable alone. Sealing writes into a new linear skb
 * (header, seal header, the payload encrypted from the source's
 * scatterlist, whatever its layout, and the tag), which takes over the
 * sender's socket charge (sock_wfree); the source is freed.
 *
 * Input (xnet_sec_rcv(), from rx.c for a type 7 frame addressed to us,
 * its CRC checked, linear): the session by the receiver index, the
 * header's source must be its peer, the counter is checked against the
 * replay window before the tag is (cheap, no state changed), decrypted
 * in place, and only then recorded in the window (RFC 6479 bitmap,
 * XNET_REPLAY_BITS bits of which all but one word are usable: a counter
 * is taken once, and none older than next - (XNET_REPLAY_BITS -
 * BITS_PER_LONG)). The opened frame gets the form rx.c gives a plain
 * frame: header moved over the seal header (the Ethernet header with it),
 * the inner type and length, the tag trimmed, its CRC not to be checked
 * again (CHECKSUM_UNNECESSARY), and goes to xnet_rcv_demux().
 *
 * AEAD: synchronous transforms only (session.c allocates them with
 * CRYPTO_ALG_ASYNC masked out), one request per frame from GFP_ATOMIC.
 * The associated data (40 bytes: the common header with checksum and hop
 * limit zero, then the seal header) is the first entry of both the source
 * and the destination scatterlists, in the same memory.
 *
 * Context: xnet_sec_output() runs with BHs off under RCU (tx.c);
 * xnet_sec_rcv() in softirq under RCU (rx.c). A keypair looked up by
 * index is used under RCU without a reference: session.c frees it (and
 * its transforms) after a grace period. The replay window's lock is the
 * only lock taken here (_bh, never nested).
 */
#include <linux/scatterlist.h>
#ifdef XNET_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

#include "sec.h"

#define XNET_REPLAY_WORDS	(XNET_REPLAY_BITS / BITS_PER_LONG)
/* counters below next - XNET_REPLAY_WINDOW are too old */
#define XNET_REPLAY_WINDOW	(XNET_REPLAY_BITS - BITS_PER_LONG)

/* Would counter @ctr be accepted now? Any context, takes the lock. */
static bool xnet_replay_fresh(struct xnet_replay *r, u64 ctr)
{
	bool fresh;

	spin_lock_bh(&r->lock);
	if (ctr >= r->next)
		fresh = true;
	else if (r->next - ctr > XNET_REPLAY_WINDOW)
		fresh = false;
	else
		fresh = !test_bit(ctr % XNET_REPLAY_BITS, r->bits);
	spin_unlock_bh(&r->lock);
	return fresh;
}

/*
 * Record @ctr, whose frame's tag verified: false if it was taken
 * meanwhile (another CPU opened the same frame) or fell out of the
 * window. The words the window slides past are cleared (RFC 6479).
 */
static bool xnet_replay_update(struct xnet_replay *r, u64 ctr)
{
	unsigned int bit = ctr % XNET_REPLAY_BITS;
	bool ok = true;

	spin_lock_bh(&r->lock);
	if (ctr >= r->next) {
		u64 top = ctr / BITS_PER_LONG, cur, i;

		if (r->next) {
			cur = (r->next - 1) / BITS_PER_LONG;
			if (top - cur >= XNET_REPLAY_WORDS)
				memset(r->bits, 0, sizeof(r->bits));
			else
				for (i = cur + 1; i <= top; i++)
					r->bits[i % XNET_REPLAY_WORDS] = 0;
		}
		r->next = ctr + 1;
		__set_bit(bit, r->bits);
	} else if (r->next - ctr > XNET_REPLAY_WINDOW ||
		   __test_and_set_bit(bit, r->bits)) {
		ok = false;
	}
	spin_unlock_bh(&r->lock);
	return ok;
}

/* Scatterlist entries @skb's bytes may take (skb_to_sgvec()). */
static int xnet_seal_nsg(struct sk_buff *skb, int depth)
{
	struct sk_buff *frag;
	int n = 1 + skb_shinfo(skb)->nr_frags;

	if (depth > 4)
		return -E2BIG;
	skb_walk_frags(skb, frag) {
		int m = xnet_seal_nsg(frag, depth + 1);

		if (m < 0)
			return m;
		n += m;
	}
	return n;
}

/*
 * One allocation per frame: the AEAD request, then @nsg scatterlist
 * entries, then the nonce.
 */
static void *xnet_seal_tmp(struct crypto_aead *tfm, int nsg,
			   struct aead_request **req, struct scatterlist **sg,
			   u8 **iv)
{
	unsigned int reqlen = ALIGN(sizeof(struct aead_request) +
				    crypto_aead_reqsize(tfm),
				    __alignof__(struct scatterlist));
	unsigned int mask = crypto_aead_alignmask(tfm);
	void *tmp;

	tmp = kmalloc(reqlen + nsg * sizeof(struct scatterlist) +
		      XNET_SEAL_NONCELEN + mask, GFP_ATOMIC);
	if (!tmp)
		return NULL;
	*req = tmp;
	*sg = tmp + reqlen;
	*iv = PTR_ALIGN((u8 *)(*sg + nsg), mask + 1);
	aead_request_set_tfm(*req, tfm);
	aead_request_set_callback(*req, 0, NULL, NULL);
	return tmp;
}

static void xnet_seal_nonce(u8 *iv, u64 ctr)
{
	__be64 be = cpu_to_be64(ctr);

	memset(iv, 0, 4);
	memcpy(iv + 4, &be, sizeof(be));
}

/*
 * Seal the ordinary frame @skb (data at its header, any layout) with @kp
 * and counter @ctr into a new linear skb, leaving by @dev. NULL: no
 * memory, or the transform failed. @skb is left to the caller.
 */
static struct sk_buff *xnet_seal_one(struct xnet_keypair *kp,
				     struct sk_buff *skb,
				     const struct net_device *dev, u64 ctr)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	unsigned int plen = skb->len - XNET_HLEN;
	struct aead_request *req;
	struct scatterlist *sg, dst;
	struct xnet_sealhdr *sh;
	struct sk_buff *nskb;
	struct xnethdr *nxh;
	int nsg, n;
	void *tmp;
	u8 *iv;

	nsg = xnet_seal_nsg(skb, 0);
	if (nsg < 0)
		return NULL;
	nsg += 1;				/* the associated data */
	nskb = alloc_skb(LL_RESERVED_SPACE(dev) + skb->len +
			 XNET_SEAL_OVERHEAD, GFP_ATOMIC);
	if (!nskb)
		return NULL;
	skb_reserve(nskb, LL_RESERVED_SPACE(dev));
	skb_reset_network_header(nskb);
	nxh = skb_put_data(nskb, xh, XNET_HLEN);
	nxh->type = XNET_T_SEALED;
	nxh->len = htons(XNET_HLEN + XNET_SEAL_OVERHEAD + plen);
	nxh->csum = 0;
	nxh->hoplimit = 0;			/* authenticated as zero */
	sh = skb_put(nskb, XNET_SEAL_HLEN);
	sh->inner_type = xh->type;
	sh->flags = 0;
	sh->resv = 0;
	sh->index = kp->remote_index;
	sh->counter = cpu_to_be64(ctr);
	skb_put(nskb, plen + XNET_SEAL_TAGLEN);

	tmp = xnet_seal_tmp(kp->tx, nsg, &req, &sg, &iv);
	if (!tmp)
		goto free;
	sg_init_table(sg, nsg);
	sg_set_buf(sg, nxh, XNET_SEAL_AADLEN);
	n = skb_to_sgvec(skb, sg + 1, XNET_HLEN, plen);
	if (n < 0)
		goto free_tmp;
	sg_mark_end(&sg[n]);
	sg_init_one(&dst, nxh, nskb->len);
	xnet_seal_nonce(iv, ctr);
	aead_request_set_crypt(req, sg, &dst, plen, iv);
	aead_request_set_ad(req, XNET_SEAL_AADLEN);
	if (crypto_aead_encrypt(req))
		goto free_tmp;
	kfree(tmp);

	nxh->hoplimit = xh->hoplimit;
	nskb->protocol = htons(ETH_P_XNET);
	nskb->priority = skb->priority;
	nskb->mark = skb->mark;
	skb_copy_queue_mapping(nskb, skb);
	/*
	 * The sender's charge moves to the sealed frame (a datagram's
	 * sndbuf, a SYN's owner that neigh.c tells of a failure): the
	 * original's charge holds the socket until it is freed after this.
	 */
	if (skb->sk && skb->destructor == sock_wfree)
		skb_set_owner_w(nskb, skb->sk);
	return nskb;

free_tmp:
	kfree(tmp);
free:
	kfree_skb(nskb);
	return NULL;
}

/* Seal @skb (ordinary) and send it; consumes @skb. BHs off, RCU. */
static void xnet_seal_xmit(struct xnet_net *xn, struct xnet_keypair *kp,
			   struct sk_buff *skb, struct net_device *dev,
			   const u8 *ha)
{
	struct sk_buff *nskb = NULL;
	u64 ctr;

	ctr = atomic64_inc_return(&kp->tx_counter) - 1;
	if (unlikely(ctr >= XNET_REKEY_AFTER_FRAMES)) {
		xnet_session_rekey(xn, kp);
		if (ctr >= XNET_REJECT_AFTER_FRAMES) {
			xnet_inc_stat(xn, XNET_MIB_OUT_NO_KEY);
			kfree_skb(skb);
			return;
		}
	}
	nskb = xnet_seal_one(kp, skb, dev, ctr);
	kfree_skb(skb);
	if (!nskb) {
		xnet_inc_stat(xn, XNET_MIB_OUT_DISCARDS);
		return;
	}
	xnet_xmit(xn, nskb, dev, ha);
}

/* Cut the large frame @skb into ordinary frames and seal each. */
static void xnet_seal_gso(struct xnet_net *xn, struct xnet_keypair *kp,
			  struct sk_buff *skb, struct net_device *dev,
			  const u8 *ha)
{
	struct sk_buff *segs, *seg, *next;

	skb->dev = dev;
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		xnet_inc_stat(xn, XNET_MIB_OUT_DISCARDS);
		kfree_skb(skb);
		return;
	}
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		/* the sender's charge follows, as it would the frame */
		if (skb->sk && skb->destructor == sock_wfree)
			skb_set_owner_w(seg, skb->sk);
		xnet_seal_xmit(xn, kp, seg, dev, ha);
	}
	consume_skb(skb);
}

bool xnet_sec_output(struct xnet_net *xn, struct sk_buff *skb,
		     struct net_device *dev, const u8 *ha)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	struct xnet_keypair *kp;

	switch (xh->type) {
	case XNET_T_DGRAM:
	case XNET_T_STREAM:
	case XNET_T_SEQPACKET:
	case XNET_T_ERROR:
		break;
	default:
		return false;
	}
	if (xh->daddr == htonl(XNET_ADDR_BROADCAST) ||
	    READ_ONCE(xn->secure) == XNET_SECURE_OFF ||
	    !xnet_dev_by_addr_rcu(xn, xh->saddr))
		return false;
	if (!xnet_sec_wanted(xn, xh->daddr, dev->ifindex)) {
		if (READ_ONCE(xn->secure) != XNET_SECURE_REQUIRE)
			return false;
		/* secure=2: nothing of ours leaves unprotected */
		xnet_inc_stat(xn, XNET_MIB_OUT_NO_KEY);
		kfree_skb(skb);
		return true;
	}
	kp = xnet_session_tx(xn, xh->daddr, dev->ifindex);
	if (!kp) {
		xnet_session_hold(xn, skb, xh->daddr, dev->ifindex, ha);
		return true;
	}
	if (skb_is_gso(skb))
		xnet_seal_gso(xn, kp, skb, dev, ha);
	else
		xnet_seal_xmit(xn, kp, skb, dev, ha);
	xnet_keypair_put(kp);
	return true;
}

/*
 * Give the opened frame at @xh (the seal header after it, @plen bytes of
 * payload, the tag) the form of a plain frame of type @type from the
 * wire: the header (and the link-layer header before it) moved over the
 * seal header, the tag trimmed.
 */
static void xnet_sec_unwrap(struct sk_buff *skb, u8 type, u8 hoplimit,
			    unsigned int plen)
{
	struct xnethdr *xh;

	if (skb_mac_header_was_set(skb) &&
	    skb_mac_header(skb) <= skb_network_header(skb)) {
		unsigned int mlen = skb_network_header(skb) -
				    skb_mac_header(skb);

		memmove(skb_mac_header(skb) + XNET_SEAL_HLEN,
			skb_mac_header(skb), mlen + XNET_HLEN);
		skb->mac_header += XNET_SEAL_HLEN;
	} else {
		memmove(skb->data + XNET_SEAL_HLEN, skb->data, XNET_HLEN);
	}
	__skb_pull(skb, XNET_SEAL_HLEN);
	skb_reset_network_header(skb);
	__skb_trim(skb, XNET_HLEN + plen);
	xh = xnet_hdr(skb);
	xh->type = type;
	xh->len = htons(XNET_HLEN + plen);
	xh->hoplimit = hoplimit;
	xh->csum = 0;
	/* authenticated: its CRC is not checked again */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->protocol = htons(ETH_P_XNET);
	skb_gso_reset(skb);
}

void xnet_sec_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		  struct sk_buff *skb)
{
	enum xnet_mib reason = XNET_MIB_IN_AUTH_FAILURES;
	struct xnet_keypair *kp;
	struct aead_request *req;
	struct xnet_sealhdr *sh;
	struct scatterlist *sg;
	unsigned int plen;
	struct xnethdr *xh;
	u8 type, hoplimit;
	void *tmp;
	u64 ctr;
	u8 *iv;
	int err;

	xh = xnet_hdr(skb);
	if (skb_is_nonlinear(skb) || skb->data != (u8 *)xh ||
	    skb->len != ntohs(xh->len) ||
	    skb->len < XNET_HLEN + XNET_SEAL_OVERHEAD ||
	    xh->daddr == htonl(XNET_ADDR_BROADCAST))
		goto drop;
	sh = (struct xnet_sealhdr *)(xh + 1);
	type = sh->inner_type;
	if (sh->flags || sh->resv ||
	    (type != XNET_T_DGRAM && type != XNET_T_STREAM &&
	     type != XNET_T_SEQPACKET && type != XNET_T_ERROR))
		goto drop;
	ctr = be64_to_cpu(sh->counter);
	if (ctr >= XNET_REJECT_AFTER_FRAMES)
		goto drop;
	kp = xnet_keypair_lookup_rcu(xn, sh->index);
	if (!kp) {
		if (xdev && xnet_sec_wanted(xn, xh->saddr, xdev->dev->ifindex))
			xnet_session_unknown(xn, xh->saddr,
					     xdev->dev->ifindex);
		reason = XNET_MIB_IN_NO_KEY;
		goto drop;
	}
	if (kp->peer != xh->saddr)
		goto drop;
	if (!xnet_replay_fresh(&kp->replay, ctr)) {
		reason = XNET_MIB_IN_REPLAYS;
		goto drop;
	}
	/* decrypted in place: nobody else may see the buffer */
	if (skb_unclone(skb, GFP_ATOMIC)) {
		reason = XNET_MIB_IN_BUFFER_ERRORS;
		goto drop;
	}
	xh = xnet_hdr(skb);
	tmp = xnet_seal_tmp(kp->rx, 1, &req, &sg, &iv);
	if (!tmp) {
		reason = XNET_MIB_IN_BUFFER_ERRORS;
		goto drop;
	}
	plen = skb->len - XNET_HLEN - XNET_SEAL_OVERHEAD;
	hoplimit = xh->hoplimit;
	xh->hoplimit = 0;
	xh->csum = 0;
	sg_init_one(sg, xh, skb->len);
	xnet_seal_nonce(iv, ctr);
	aead_request_set_crypt(req, sg, sg, plen + XNET_SEAL_TAGLEN, iv);
	aead_request_set_ad(req, XNET_SEAL_AADLEN);
	err = crypto_aead_decrypt(req);
	kfree(tmp);
	xh->hoplimit = hoplimit;
	if (err)
		goto drop;
	if (!xnet_replay_update(&kp->replay, ctr)) {
		reason = XNET_MIB_IN_REPLAYS;
		goto drop;
	}
	if (!READ_ONCE(kp->confirmed))
		xnet_session_confirmed(xn, kp);

	xnet_sec_unwrap(skb, type, hoplimit, plen);
	xnet_rcv_demux(xn, xdev, skb);
	return;

drop:
	xnet_drop(xn, skb, reason);
	kfree_skb(skb);
}

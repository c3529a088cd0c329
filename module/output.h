/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xnet: what the connection output (output.c) and loss recovery
 * (recovery.c) share; private to those two files. Same context and
 * locking as they: the socket lock held.
 */
#ifndef _XNET_OUTPUT_H
#define _XNET_OUTPUT_H

#include "xnet.h"

static inline u64 xnet_now_us(void)
{
	return div_u64(ktime_get_ns(), NSEC_PER_USEC);
}

static inline u32 xnet_conn_packets_out(const struct xnet_conn *c)
{
	return xnet_conn_segs(c, c->snd_nxt - c->snd_una);
}

/*
 * Consecutive write-queue skbs gathered for one frame, by the first
 * transmission (xnet_conn_push()) and by repair (xnet_conn_repair()).
 */
struct xnet_frame_batch {
	struct sk_buff	*first;
	unsigned int	n;	/* skbs; 0: empty */
	unsigned int	bytes;
	unsigned int	segs;
};

/*
 * Whether @skb (@skb_segs segments) may join the non-empty batch @b in
 * one frame: plain data, whole SEQPACKET messages or the start of one
 * (EOR ends a frame, it flags the frame's last segment), within the
 * limits of one large frame.
 */
static inline bool xnet_batch_joins(const struct xnet_frame_batch *b,
				    const struct sk_buff *skb,
				    unsigned int skb_segs)
{
	return b->first->len && skb->len &&
	       b->segs + skb_segs <= XNET_GSO_MAX_SEGS &&
	       b->bytes + skb->len <= XNET_GSO_MAX_PAYLOAD &&
	       !XNET_SEG_CB(b->first)->flags &&
	       !(XNET_SEG_CB(skb)->flags & ~XNET_SEG_EOR);
}

static inline void xnet_batch_add(struct xnet_frame_batch *b,
				  struct sk_buff *skb, unsigned int skb_segs)
{
	if (!b->n++) {
		b->first = skb;
		b->bytes = 0;
		b->segs = 0;
	}
	b->bytes += skb->len;
	b->segs += skb_segs;
}

/* output.c */
void xnet_conn_tx_error(struct sock *sk);
void xnet_conn_retransmit_run(struct sock *sk, struct sk_buff *first,
			      unsigned int n);

/* recovery.c */
u32 xnet_conn_in_flight(struct sock *sk);

#endif /* _XNET_OUTPUT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: loss recovery: acknowledgment processing with SACK (tagging the
 * write queue), the pipe (RFC 6675), fast retransmit and the repair of
 * holes; how the congestion window grows and is cut is cong.c's, building
 * and sending frames output.c's.
 *
 * Context: every function here runs with the socket lock held, by the
 * owner in process context or with bh_lock_sock() in softirq and timer
 * context. The write queue is as output.c's top comment describes it.
 */
#include "xnet.h"
#include "output.h"
#include "trace.h"

/*
 * Lost retransmissions, RACK's way (RFC 8985 6.2): a retransmission is
 * lost once a segment sent after it has been delivered and the time that
 * segment's round trip took, plus a reordering window of a quarter of
 * the least round trip, has passed since the retransmission left; until
 * then it is still flying, however long the queue it waits in. A
 * round-trip clock (resend after one srtt) resent what a growing queue
 * held: srtt lags behind the queue it measures (docs/PERFORMANCE.md).
 * There is no reordering timer: the rule is applied as ACKs arrive, and
 * a retransmission no later ACK shows lost waits for the retransmission
 * timer. A hole is resent at most once a millisecond, however a peer
 * times its SACKs. rtt_min_us is the least sample of the connection's
 * life (Linux keeps a windowed minimum): on a path that grew longer the
 * window stays small, which errs towards resending.
 */
static bool xnet_conn_rtx_flying(const struct xnet_conn *c,
				 const struct xnet_seg_cb *cb, u64 now)
{
	if (!cb->retrans)
		return false;
	if (c->rack_xmit_us <= cb->sent_us)
		return true;	/* nothing sent after it was delivered */
	return now - cb->sent_us < max_t(u64, (u64)c->rack_rtt_us +
					      c->rtt_min_us / 4, 1000);
}

/*
 * @cb was delivered (cumulatively acknowledged or newly SACKed) at @now:
 * the latest send time of what was delivered moves to its send time, and
 * RACK's round trip to the time it took. A retransmission acknowledged
 * sooner than the path's minimum round trip after it left was the first
 * copy's acknowledgment: its send time says nothing of what came after
 * (RFC 8985 6.2, step 2).
 */
static void xnet_rack_delivered(struct xnet_conn *c,
				const struct xnet_seg_cb *cb, u64 now)
{
	if (!cb->sent_us)
		return;
	if (cb->retrans && now - cb->sent_us < c->rtt_min_us)
		return;
	if (cb->sent_us >= c->rack_xmit_us) {
		c->rack_xmit_us = cb->sent_us;
		c->rack_rtt_us = min_t(u64, now - cb->sent_us, U32_MAX);
	}
}

/*
 * A retransmission timeout: all that was sent before it is lost,
 * retransmissions included (TCP's Loss state), as if something sent now
 * had been delivered. Without this, retransmissions still flying by the
 * rule above would fill the one-segment window after the timeout.
 */
void xnet_rack_timeout(struct xnet_conn *c)
{
	c->rack_xmit_us = xnet_now_us();
	c->rack_rtt_us = 0;
}

/*
 * Segments in the network (RFC 6675's "pipe"). Outside recovery, all
 * that was sent and not acknowledged. In recovery, not what the peer
 * SACKed, nor the holes below its highest SACK (lost), unless they
 * were retransmitted and are not known lost (xnet_conn_rtx_flying()); so
 * that new data keeps flowing as SACKs arrive rather than waiting for the
 * holes to fill. After a timeout (rto_loss), none of what was sent before
 * it either.
 */
u32 xnet_conn_in_flight(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	u32 flying = 0, above = 0;	/* bytes */
	struct sk_buff *skb;
	u64 now;

	if (!c->in_recovery)
		return xnet_conn_packets_out(c);
	now = xnet_now_us();
	skb_queue_walk(&sk->sk_write_queue, skb) {
		const struct xnet_seg_cb *cb = XNET_SEG_CB(skb);
		u32 bytes = max(skb->len, 1U);	/* SYN, FIN: one */

		if (skb == c->send_head)
			break;
		if (cb->sacked)
			above = 0;	/* what was below it is lost */
		else if (xnet_conn_rtx_flying(c, cb, now) ||
			 (c->rto_loss && !xnet_before(cb->seq, c->recover)))
			flying += bytes;
		else
			above += bytes;
	}
	/*
	 * In bytes: pieces of segments count as what they hold. After a
	 * timeout, all that was sent before it and not resent is lost.
	 */
	return xnet_conn_segs(c, flying + (c->rto_loss ? 0 : above));
}

static void xnet_conn_enter_recovery(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	c->ssthresh = xnet_cong_ssthresh(c, xnet_conn_packets_out(c));
	c->cwnd = c->ssthresh;
	c->cwnd_cnt = 0;
	c->recover = c->snd_nxt;
	c->in_recovery = 1;
}

/*
 * Retransmit the holes below the highest SACKed segment (or the head
 * alone without SACK information), so that several losses in one window
 * are repaired in one round trip. After a timeout (rto_loss), everything
 * sent and not SACKed is lost, as in TCP's Loss state: the holes up to
 * the last segment sent, within the congestion window less the
 * retransmissions still flying.
 */
static void xnet_conn_repair(struct sock *sk, bool all_holes)
{
	struct xnet_conn *c = xnet_conn(sk);
	u64 now = xnet_now_us();
	struct sk_buff *skb, *last_sacked = NULL;
	struct xnet_frame_batch b = { };
	int budget = max(c->cwnd, 2U);
	unsigned int skb_segs;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		const struct xnet_seg_cb *cb = XNET_SEG_CB(skb);

		if (skb == c->send_head)
			break;
		if (cb->sacked) {
			last_sacked = skb;
		} else if (c->rto_loss) {
			bool fresh = !xnet_before(cb->seq, c->recover);

			if (!fresh)
				last_sacked = skb;	/* a hole, up to the end */
			/* what flies: recent resends, data sent since */
			if (fresh || xnet_conn_rtx_flying(c, cb, now))
				budget -= max(xnet_conn_segs(c, skb->len), 1U);
		}
	}
	/* consecutive holes go out together, as one frame */
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xnet_seg_cb *cb = XNET_SEG_CB(skb);
		bool recent = xnet_conn_rtx_flying(c, cb, now);

		if (skb == c->send_head || budget <= 0)
			break;
		/*
		 * Past the highest SACKed segment (after a timeout, the
		 * last one sent before it): not known lost. It used to be
		 * resent with the holes, a spurious retransmission at
		 * every repair.
		 */
		if (!cb->sacked && all_holes && last_sacked &&
		    xnet_after(cb->seq, XNET_SEG_CB(last_sacked)->seq))
			break;
		/* no more than the budget: the rest of a large skb waits */
		if (!cb->sacked && !recent &&
		    xnet_conn_segs(c, skb->len) > budget)
			xnet_conn_split(sk, skb, budget * c->mss);
		skb_segs = xnet_conn_segs(c, skb->len);
		if (b.n && (cb->sacked || recent ||
			    !xnet_batch_joins(&b, skb, skb_segs))) {
			xnet_conn_retransmit_run(sk, b.first, b.n);
			b.n = 0;
		}
		if (cb->sacked)
			continue;
		/* retransmitted and not known lost: still flying */
		if (recent)
			goto next;
		xnet_batch_add(&b, skb, skb_segs);
		budget -= max(skb_segs, 1U);
		if (cb->flags) {
			xnet_conn_retransmit_run(sk, b.first, b.n);
			b.n = 0;
		}
next:
		if (!all_holes || !last_sacked || skb == last_sacked)
			break;
	}
	if (b.n)
		xnet_conn_retransmit_run(sk, b.first, b.n);
}

/* Segments sent and SACKed, not yet cumulatively acknowledged. */
static unsigned int xnet_conn_sacked_segs(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *skb;
	u32 bytes = 0;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == c->send_head)
			break;
		if (XNET_SEG_CB(skb)->sacked)
			bytes += skb->len;
	}
	return xnet_conn_segs(c, bytes);
}

/*
 * Mark what the peer's SACK blocks cover, in whole segments only: each
 * block's edges are rounded inward to the segment boundaries of the skb
 * they fall in (every mss bytes from its start, where offload.c cuts it),
 * so a block that covers part of a segment marks nothing of it, and a
 * peer cannot have the queue cut at byte granularity (issue 10). A block
 * is walked from the first skb it reaches to the first past it. Returns
 * the bytes newly marked.
 */
static u32 xnet_conn_mark_sacked(struct sock *sk,
				 const struct xnet_sack_block *sack, int nsack,
				 u64 now)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *skb;
	u32 newly = 0;
	int i;

	for (i = 0; i < nsack; i++) {
		u32 start = ntohl(sack[i].start), end = ntohl(sack[i].end);

		if (!xnet_before(start, end) || !xnet_after(start, c->snd_una) ||
		    xnet_after(end, c->snd_nxt))
			continue;	/* invalid or stale: ignored */
		skb_queue_walk(&sk->sk_write_queue, skb) {
			struct xnet_seg_cb *cb = XNET_SEG_CB(skb);
			u32 s = cb->seq, e = cb->end_seq;

			if (skb == c->send_head || !xnet_before(cb->seq, end))
				break;
			if (cb->sacked || !skb->len ||
			    !xnet_after(cb->end_seq, start))
				continue;
			if (xnet_before(s, start))
				s += roundup(start - s, c->mss);
			if (xnet_after(e, end))
				e = cb->seq + rounddown(end - cb->seq, c->mss);
			if (!xnet_before(s, e))
				continue;	/* no whole segment in the block */
			if (s != cb->seq) {
				/* on success, the next skb starts at @s */
				xnet_conn_split(sk, skb, s - cb->seq);
				continue;
			}
			if (e != cb->end_seq &&
			    xnet_conn_split(sk, skb, e - cb->seq))
				continue;
			cb->sacked = 1;
			xnet_rack_delivered(c, cb, now);
			newly += skb->len;
		}
	}
	return newly;
}

/*
 * Process the acknowledgment fields of a segment from the peer: free
 * what is acknowledged, take an RTT sample, grow or cut the congestion
 * window, and repair losses. A frame that cannot leave may end the
 * connection, once the queues are no longer walked (xnet_conn_tx_error()):
 * it may be CLOSED on return.
 */
void xnet_conn_ack_rcvd(struct sock *sk, u32 ack, u32 wnd,
			const struct xnet_sack_block *sack, int nsack)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	u32 old_cwnd = c->cwnd;
	u64 now = xnet_now_us();
	u32 newly_sacked, acked_bytes = 0, acked_segs;
	bool karn_ok = true;
	struct sk_buff *skb;
	s64 rtt = -1;

	if (xnet_before(ack, c->snd_una))
		return;		/* old duplicate: idempotent */
	c->snd_wnd = min_t(u32, wnd, XNET_SND_WND_MAX);
	newly_sacked = xnet_conn_mark_sacked(sk, sack, nsack, now);

	if (ack == c->snd_una) {
		/*
		 * A duplicate ACK counts by the segments it newly SACKs (RFC
		 * 6675's DupThresh is in segments: a large frame is one ACK
		 * for many segments), whether or not it carries data. One
		 * that SACKs nothing new tells of no loss: every receiver
		 * SACKs what it holds out of order, so it is a window
		 * update, a delayed ACK, or the answer to a duplicate of
		 * data it had, and counting those (RFC 5681's rule, for
		 * peers without SACK) made each spurious retransmission
		 * bring the next one: its copies drew same-window ACKs that
		 * started a fast retransmit of the head. Linux counts
		 * SACKed segments only for SACK peers, as here. Repair runs
		 * on news only, however many ACKs a stranger sends.
		 */
		if (c->snd_una != c->snd_nxt)
			c->dupacks += xnet_conn_segs(c, newly_sacked);
		if (c->dupacks >= 3 && !c->in_recovery) {
			xnet_inc_stat(xn, XNET_MIB_FAST_RETRANS);
			xnet_conn_enter_recovery(sk);
			xnet_conn_repair(sk, true);
		} else if (c->in_recovery && newly_sacked) {
			xnet_conn_repair(sk, true);
		}
		if (c->cwnd != old_cwnd)
			trace_xnet_cong(c);
		xnet_pacing_update_rate(sk);
		xnet_conn_tx_error(sk);	/* repair's walks are over */
		return;
	}

	/* new data acknowledged: the path works (a report is forgotten) */
	c->soft_err = 0;
	while ((skb = skb_peek(&sk->sk_write_queue)) && skb != c->send_head) {
		struct xnet_seg_cb *cb = XNET_SEG_CB(skb);

		if (xnet_after(cb->end_seq, ack)) {
			/* part of a large skb: the acknowledged part goes */
			if (!skb->len || !xnet_after(ack, cb->seq) ||
			    xnet_conn_split(sk, skb, ack - cb->seq))
				break;
			continue;
		}
		/*
		 * RFC 6298: the sample is the time since the first
		 * transmission of the oldest segment this ACK newly covers
		 * (one SACKed earlier was held back by a hole: not it);
		 * Karn: none if the range held a retransmission, a tail
		 * probe's included.
		 */
		if (cb->retrans)
			karn_ok = false;
		else if (rtt < 0 && !cb->sacked && cb->sent_us)
			rtt = now - cb->sent_us;	/* the oldest one */
		if (!cb->sacked)
			xnet_rack_delivered(c, cb, now);
		acked_bytes += skb->len;
		c->bytes_acked += skb->len;
		__skb_unlink(skb, &sk->sk_write_queue);
		sk_wmem_queued_add(sk, -skb->truesize);
		kfree_skb(skb);
	}
	c->snd_una = ack;
	acked_segs = xnet_conn_segs(c, acked_bytes);
	/* segments still SACKed above a hole count as duplicates */
	c->dupacks = nsack ? xnet_conn_sacked_segs(sk) : 0;
	c->retransmits = 0;
	c->backoff = 0;
	c->rtx_start = 0;
	if (rtt >= 0 && karn_ok)
		xnet_conn_rtt_sample(sk, (u32)min_t(s64, rtt, U32_MAX));

	if (c->in_recovery) {
		if (!xnet_before(ack, c->recover)) {
			/* after a timeout, slow start went on from 1 */
			c->cwnd = c->rto_loss ? max(c->cwnd, 2U)
					      : max(c->ssthresh, 2U);
			c->in_recovery = 0;
			c->rto_loss = 0;
		} else {
			/*
			 * A partial ACK: the next holes (RFC 6675, all of
			 * them below the highest SACK, not only the first);
			 * after a timeout, slow start from one segment.
			 */
			if (c->rto_loss)
				xnet_cong_on_ack(c, max(acked_segs, 1U));
			xnet_conn_repair(sk, true);
		}
	} else if (c->dupacks >= 3) {
		/* a new hole below SACKed data, past the one just filled */
		xnet_inc_stat(xn, XNET_MIB_FAST_RETRANS);
		xnet_conn_enter_recovery(sk);
		xnet_conn_repair(sk, true);
	} else {
		xnet_cong_on_ack(c, max(acked_segs, 1U));
	}
	if (c->cwnd != old_cwnd)
		trace_xnet_cong(c);
	xnet_pacing_update_rate(sk);

	if (c->snd_una == c->snd_nxt)
		sk_stop_timer(sk, &c->rtx_timer);
	else
		xnet_conn_reset_rtx_timer(sk);

	/* room in the send buffer: wake writers */
	if (sk->sk_socket &&
	    test_bit(SOCK_NOSPACE, &sk->sk_socket->flags) &&
	    sk->sk_wmem_queued < READ_ONCE(sk->sk_sndbuf) / 2) {
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		sk->sk_write_space(sk);
	}
	xnet_conn_tx_error(sk);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: connection output: building and sending segments, the send
 * window, retransmitting what recovery.c (acknowledgments, SACK, loss
 * recovery) asks for; how the congestion window grows and is cut is
 * cong.c's (CUBIC or NewReno).
 *
 * Context: every function here runs with the socket lock held, either
 * by the owner in process context or with bh_lock_sock() in softirq and
 * timer context; except xnet_conn_unreachable(), which takes it (process
 * context, from the neighbour work). Frames are handed to xnet_output(),
 * which may take the neighbour lock (nested inside the socket lock, never
 * the other way round) and never delivers to a socket synchronously:
 * connection frames for a local address are looped through netif_rx().
 *
 * Write queue: every skb on sk_write_queue holds one or more whole
 * segments of payload in page fragments (the last one possibly short),
 * or is a SYN/FIN with none; in sequence order, charged to
 * sk_wmem_queued (its truesize); freed when cumulatively acknowledged.
 * Per-segment state (sent, SACKed, retransmitted) is per skb: an skb is
 * split where that state would differ inside it. A transmission sends
 * clones in a large frame (offload.c): a queued skb's payload is never
 * written once sent, and its fragment table is made private before a
 * split.
 */
#include <linux/random.h>

#include "xnet.h"
#include "output.h"
#include "sec.h"
#include "trace.h"

u32 xnet_conn_rcv_wnd(const struct sock *sk)
{
	int space = READ_ONCE(sk->sk_rcvbuf) -
		    atomic_read(&sk->sk_rmem_alloc);

	if (space <= 0)
		return 0;
	/* truesize is about twice the payload for full segments */
	space /= 2;
	/* under memory pressure, a few segments at a time */
	if (xnet_mem_under_pressure(sk))
		space = min_t(int, space, 4 * xnet_conn(sk)->mss);
	return space;
}

void xnet_conn_set_mss(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	unsigned int mtu;
	u32 mss;

	mtu = xnet_path_mtu(xn, c->laddr, c->xs.daddr,
			    READ_ONCE(sk->sk_bound_dev_if));
	mss = mtu > XNET_CONN_OVERHEAD + 64 ? mtu - XNET_CONN_OVERHEAD : 64;
	if (c->user_mss && c->user_mss < mss)
		mss = c->user_mss;
	c->mss = mss;
}

/*
 * Protection that began under a live connection (a key added, or
 * net.xnet.secure raised: seal.c): its frames now leave sealed,
 * XNET_SEAL_OVERHEAD bytes longer than its MSS was set for, and a
 * full-sized one would not fit the device, which drops it: the
 * connection would stall until it times out. Take the smaller MSS the
 * path gives now (xnet_path_mtu() leaves room for the seal); what is
 * queued is cut to it as it is sent again (xnet_conn_retransmit(),
 * recovery.c). Checked once per connection; until protection starts, a
 * key walk per call at secure >= 1, nothing at secure=0. Socket lock
 * held.
 */
void xnet_conn_check_seal(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	int oif = READ_ONCE(sk->sk_bound_dev_if);
	unsigned int mtu;
	u32 mss;

	if (likely(c->mss_sealed) || READ_ONCE(xn->secure) == XNET_SECURE_OFF ||
	    !xnet_sec_wanted(xn, c->xs.daddr, oif))
		return;
	c->mss_sealed = true;
	mtu = xnet_path_mtu(xn, c->laddr, c->xs.daddr, oif);
	if (!mtu)
		return;
	mss = mtu > XNET_CONN_OVERHEAD + 64 ? mtu - XNET_CONN_OVERHEAD : 64;
	if (mss < c->mss)
		c->mss = mss;
}

/*
 * The out-of-order range holding @seq, as [*start, *end): false if no
 * segment held holds it (it was dropped, or is in order now).
 */
static bool xnet_ooo_range(struct xnet_conn *c, u32 seq, u32 *start,
			   u32 *end)
{
	struct rb_node *n = c->ooo_q.rb_node;
	struct sk_buff *skb, *at = NULL, *p;

	while (n) {
		skb = rb_to_skb(n);
		if (xnet_before(seq, XNET_SEG_CB(skb)->seq)) {
			n = n->rb_left;
		} else {
			at = skb;
			n = n->rb_right;
		}
	}
	if (!at || !xnet_before(seq, XNET_SEG_CB(at)->end_seq))
		return false;
	*start = XNET_SEG_CB(at)->seq;
	*end = XNET_SEG_CB(at)->end_seq;
	/* held segments do not overlap: touching ones make one range */
	for (p = skb_rb_prev(at); p; p = skb_rb_prev(p)) {
		if (xnet_before(XNET_SEG_CB(p)->end_seq, *start))
			break;
		*start = XNET_SEG_CB(p)->seq;
	}
	for (p = skb_rb_next(at); p; p = skb_rb_next(p)) {
		if (xnet_after(XNET_SEG_CB(p)->seq, *end))
			break;
		if (xnet_after(XNET_SEG_CB(p)->end_seq, *end))
			*end = XNET_SEG_CB(p)->end_seq;
	}
	return true;
}

/*
 * Up to XNET_MAX_SACK blocks describing the out-of-order queue: first
 * the range holding the segment that arrived last (RFC 2018: a sender
 * learns of the newest deliveries at once, whatever the number of
 * holes), then the others from the lowest.
 */
static int xnet_conn_sack_blocks(struct xnet_conn *c,
				 struct xnet_sack_block *b)
{
	struct sk_buff *skb;
	int n = 0;
	u32 start = 0, end = 0, s0 = 0, e0 = 0;
	bool first = xnet_after(c->ooo_last, c->rcv_nxt) &&
		     xnet_ooo_range(c, c->ooo_last, &s0, &e0);

	if (first) {
		b[0].start = htonl(s0);
		b[0].end = htonl(e0);
		n = 1;
	}
	skb_rbtree_walk(skb, &c->ooo_q) {
		struct xnet_seg_cb *cb = XNET_SEG_CB(skb);

		/* the first block's range, already given */
		if (first && !xnet_before(cb->seq, s0) &&
		    !xnet_after(cb->end_seq, e0))
			continue;
		if (n > first && cb->seq == end) {
			end = cb->end_seq;
			b[n - 1].end = htonl(end);
			continue;
		}
		if (!xnet_after(cb->seq, end) && n > first) {
			if (xnet_after(cb->end_seq, end)) {
				end = cb->end_seq;
				b[n - 1].end = htonl(end);
			}
			continue;
		}
		if (n == XNET_MAX_SACK)
			break;
		start = cb->seq;
		end = cb->end_seq;
		b[n].start = htonl(start);
		b[n].end = htonl(end);
		n++;
	}
	return n;
}

/*
 * Chain clones of @n write-queue segments from @first to @skb's
 * frag_list: the frame's payload, shared with the queue, never copied.
 * Queued segments are never written once sent.
 */
static int xnet_conn_attach(struct sock *sk, struct sk_buff *skb,
			    struct sk_buff *first, unsigned int n)
{
	struct sk_buff **tail = &skb_shinfo(skb)->frag_list;
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *seg = first, *clone;
	unsigned int segs = 0;

	while (n--) {
		clone = skb_clone(seg, GFP_ATOMIC);
		if (!clone)
			return -ENOBUFS;
		*tail = clone;
		tail = &clone->next;
		skb->len += clone->len;
		skb->data_len += clone->len;
		skb->truesize += clone->truesize;
		segs += xnet_conn_segs(c, clone->len);
		if (n)
			seg = skb_queue_next(&sk->sk_write_queue, seg);
	}
	return segs;
}

/*
 * Send one frame: the payload of @n write-queue segments from @first
 * (none if @n is 0) at @seq with @flags, plus the current ACK, window
 * and SACK blocks. A frame with payload is a large frame (offload.c),
 * however many segments it holds. Returns xnet_output()'s verdict.
 */
static int xnet_conn_xmit(struct sock *sk, struct sk_buff *first,
			  unsigned int n, u32 seq, u16 flags)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	struct xnet_conn *c = xnet_conn(sk);
	struct xnet_sack_block sack[XNET_MAX_SACK];
	unsigned int hroom = LL_MAX_HEADER + XNET_CONN_OVERHEAD;
	struct xnet_seghdr *sh;
	struct sk_buff *skb;
	int nsack = 0, segs = 0;
	u32 wnd;

	skb = alloc_skb(hroom + XNET_SYN_OPTLEN, GFP_ATOMIC);
	if (!skb)
		return -ENOBUFS;
	skb_reserve(skb, hroom);
	skb->priority = READ_ONCE(sk->sk_priority);
	skb->mark = READ_ONCE(sk->sk_mark);
	if (flags & XNET_SEG_SYN) {
		/* the largest segment we accept, as TCP's MSS option */
		__be16 *opt = skb_put_zero(skb, XNET_SYN_OPTLEN);

		opt[0] = htons(c->mss);
		/* a failed resolution tells its owner (neigh.c) */
		if (sk->sk_state == XNET_STATE_SYN_SENT)
			skb_set_owner_w(skb, sk);
	}
	if (n) {
		segs = xnet_conn_attach(sk, skb, first, n);
		if (segs < 0) {
			kfree_skb(skb);
			return segs;
		}
	}
	if (sk->sk_state != XNET_STATE_SYN_SENT) {
		flags |= XNET_SEG_ACK;
		nsack = xnet_conn_sack_blocks(c, sack);
		if (nsack)
			memcpy(skb_push(skb, nsack * sizeof(sack[0])), sack,
			       nsack * sizeof(sack[0]));
	}
	wnd = xnet_conn_rcv_wnd(sk);
	/*
	 * The right edge never recedes (RFC 9293 3.8.6): what the peer
	 * may already have sent stays acceptable (input.c judges segments
	 * by the last window). A window shrunk by out-of-order data made
	 * each end of a connection with holes both ways drop the other's
	 * ACKs, whose sequence numbers lie past the hole: both stalled for
	 * good. Memory is bounded by what the input path admits.
	 */
	if ((flags & XNET_SEG_ACK) &&
	    xnet_after(c->rcv_right, c->rcv_nxt + wnd))
		wnd = c->rcv_right - c->rcv_nxt;
	sh = skb_push(skb, XNET_SEG_HLEN);
	sh->seq = htonl(seq);
	sh->ack = htonl((flags & XNET_SEG_ACK) ? c->rcv_nxt : 0);
	sh->wnd = htonl(wnd);
	sh->flags = htons(flags);
	sh->nsack = nsack;
	sh->resv = 0;
	xnet_build_hdr(skb, c->type, c->laddr, c->xs.daddr, c->xs.sport,
		       c->xs.dport, xnet_sock_hoplimit(&c->xs.sk));
	if (n) {
		skb_shinfo(skb)->gso_size = c->mss;
		skb_shinfo(skb)->gso_segs = segs;
		skb_shinfo(skb)->gso_type = SKB_GSO_FRAGLIST;
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_network_header(skb) - skb->head;
		skb->csum_offset = offsetof(struct xnethdr, csum);
	}

	if (flags & XNET_SEG_ACK) {
		c->rcv_wnd = wnd;
		c->rcv_right = c->rcv_nxt + wnd;
		c->rcv_unacked = 0;
		sk_stop_timer(sk, &c->delack_timer);
	}
	if (flags & XNET_SEG_RST)
		xnet_inc_stat(xn, XNET_MIB_OUT_RSTS);
	xnet_add_stat(xn, XNET_MIB_OUT_SEGS, max(segs, 1));
	c->segs_out += max(segs, 1);
	/*
	 * A closed socket's connection whose address has no usable device
	 * left ends now rather than after its retransmissions: nobody waits
	 * for it (xnet_conn_output_error()). Open ones keep trying, the link
	 * may come back.
	 */
	if (sock_flag(sk, SOCK_DEAD) &&
	    !xnet_path_mtu(xn, c->laddr, c->xs.daddr,
			   READ_ONCE(sk->sk_bound_dev_if))) {
		xnet_inc_stat(xn, XNET_MIB_OUT_NO_ROUTE);
		kfree_skb(skb);
		return -ENETUNREACH;
	}
	/*
	 * XNET_SECURE: nothing of the connection leaves unprotected, not
	 * even what was queued (or is retransmitted, or acknowledged)
	 * after the peer's key went or net.xnet.secure was lowered: send
	 * refuses new data (EACCES), this holds back the rest. It stays
	 * queued, as if lost, until protection returns or the connection
	 * times out.
	 */
	if (unlikely(xnet_sock_check_secure(sk, c->xs.daddr,
					    READ_ONCE(sk->sk_bound_dev_if)))) {
		xnet_inc_stat(xn, XNET_MIB_OUT_NO_KEY);
		kfree_skb(skb);
		return -EACCES;
	}
	/* owned for fq; paced (pacing.c) */
	if (n)
		xnet_pacing_sent(sk, skb);
	if (sk->sk_state == XNET_STATE_SYN_RECV && c->syn_ifindex)
		return xnet_output_direct(xn, skb, c->syn_ifindex, c->syn_ha);
	return xnet_output(xn, skb, READ_ONCE(sk->sk_bound_dev_if));
}

/*
 * Queue a zero-length SYN or FIN; it takes one sequence number. 0, or
 * -ENOBUFS with nothing queued: an opening connection's SYN ends it
 * (connect() fails with ENOBUFS); a listener's child is the caller's to
 * end (the client sends its SYN again); a FIN is queued later, by the
 * next push or the retransmission timer (fin_pending).
 */
int xnet_conn_queue_ctl(struct sock *sk, u16 flags)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *skb;

	skb = alloc_skb(0, GFP_ATOMIC);
	if (unlikely(!skb)) {
		if (flags & XNET_SEG_FIN) {
			c->fin_pending = 1;
			if (!timer_pending(&c->rtx_timer))
				xnet_conn_reset_rtx_timer(sk);
		} else if (sk->sk_state == XNET_STATE_SYN_SENT) {
			xnet_inc_stat(xnet_pernet(sock_net(sk)),
				      XNET_MIB_ATTEMPT_FAILS);
			xnet_conn_abort(sk, ENOBUFS);
		}
		return -ENOBUFS;
	}
	XNET_SEG_CB(skb)->seq = c->write_seq;
	XNET_SEG_CB(skb)->end_seq = c->write_seq + 1;
	XNET_SEG_CB(skb)->flags = flags;
	c->write_seq++;
	if (flags & XNET_SEG_FIN) {
		c->fin_queued = 1;
		c->fin_pending = 0;
	}
	sk_wmem_queued_add(sk, skb->truesize);
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!c->send_head)
		c->send_head = skb;
	return 0;
}

/*
 * A frame could not leave: remember why. Nothing is ended here, whatever
 * the error: a caller may be walking the write queue, which ending the
 * connection would free under it. xnet_conn_tx_error() acts on it once
 * the walk is over.
 */
static void xnet_conn_output_error(struct sock *sk, int err)
{
	if (err == -EHOSTUNREACH || err == -ENETUNREACH)
		xnet_conn(sk)->tx_err = err;
}

/*
 * Act on the error xnet_conn_output_error() recorded, if any: a peer that
 * cannot be resolved ends an opening connection, an orphan and a
 * half-open child (nobody waits for them); an open one keeps trying, the
 * link may come back. Called
 * by the entry points that transmit (push, retransmit, ACK processing)
 * when they are done with the queues, never inside a walk of them; the
 * connection may be CLOSED on return.
 */
void xnet_conn_tx_error(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	int err = c->tx_err;

	if (!err)
		return;
	c->tx_err = 0;
	if (sk->sk_state == XNET_STATE_CLOSED)
		return;
	if (sk->sk_state == XNET_STATE_SYN_SENT) {
		xnet_inc_stat(xnet_pernet(sock_net(sk)),
			      XNET_MIB_ATTEMPT_FAILS);
		xnet_conn_abort(sk, -err);
	} else if (sock_flag(sk, SOCK_DEAD) && !c->unowned) {
		xnet_conn_done(sk);
	} else if (sk->sk_state == XNET_STATE_SYN_RECV && c->unowned &&
		   !c->accepted_pending) {
		/*
		 * A half-open child whose client does not resolve: a spoofed
		 * source, most likely. Nobody waits for it; retrying its
		 * SYN+ACK would hold a half-open slot (and the module) for a
		 * minute. done() drops the child's own reference: the caller
		 * holds another.
		 */
		xnet_conn_done(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, -err);
	}
}

/*
 * Neighbour resolution of the peer failed while our SYN waited for it.
 * Process context (neigh.c's work), no lock held, a reference on @sk.
 */
void xnet_conn_unreachable(struct sock *sk)
{
	lock_sock(sk);
	if (sk->sk_state == XNET_STATE_SYN_SENT) {
		xnet_conn_output_error(sk, -EHOSTUNREACH);
		xnet_conn_tx_error(sk);
	}
	release_sock(sk);
}

/* Send @n queued segments from @first as one frame. */
static void xnet_conn_send_segs(struct sock *sk, struct sk_buff *first,
				unsigned int n, u16 flags)
{
	int err;

	err = xnet_conn_xmit(sk, first, first->len ? n : 0,
			     XNET_SEG_CB(first)->seq, flags);
	if (err)
		xnet_conn_output_error(sk, err);
}

/*
 * Split the queued @skb after @len bytes of its payload: the rest becomes
 * a new skb right after it, with the rest of its sequence space and its
 * flags (EOR), and the same transmission state. A sent skb may be
 * shared with a frame in flight: its fragment table is made private
 * first. 0 or -ENOMEM (nothing changed).
 *
 * Where a sent skb is cut is the peer's to say (its ACKs and SACK
 * blocks): once the queue holds well over the send buffer, no more cuts
 * but of the head (cumulative ACKs, the timer) and of the first unsent
 * skb (the windows), as tcp_fragment() since CVE-2019-11478 (issue 10).
 */
int xnet_conn_split(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct xnet_seg_cb *cb = XNET_SEG_CB(skb);
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *nskb;
	unsigned int base;

	if (!len || len >= skb->len)
		return 0;
	if (unlikely((sk->sk_wmem_queued >> 1) > READ_ONCE(sk->sk_sndbuf) +
		     2 * SKB_TRUESIZE(XNET_GSO_MAX_PAYLOAD)) &&
	    skb != skb_peek(&sk->sk_write_queue) && skb != c->send_head) {
		xnet_inc_stat(xnet_pernet(sock_net(sk)),
			      XNET_MIB_TX_SPLIT_REFUSED);
		return -ENOMEM;
	}
	/* sk_wmem_queued holds this truesize: a private head keeps it */
	base = skb->truesize;
	if (skb_unclone(skb, GFP_ATOMIC))
		return -ENOMEM;
	skb->truesize = base;
	nskb = alloc_skb(0, GFP_ATOMIC);
	if (!nskb)
		return -ENOMEM;
	base = nskb->truesize;
	skb_split(skb, nskb, len);
	/* the payload's share of truesize moves with it */
	nskb->truesize += nskb->len;
	skb->truesize -= nskb->len;
	sk_wmem_queued_add(sk, base);
	*XNET_SEG_CB(nskb) = *cb;
	XNET_SEG_CB(nskb)->seq = cb->seq + len;
	cb->end_seq = cb->seq + len;
	cb->flags = 0;
	__skb_queue_after(&sk->sk_write_queue, skb, nskb);
	return 0;
}

/*
 * How much of the unsent data skb @skb may leave now, @flight segments
 * being in the network: the congestion window's room, the receive
 * window's (0: none of it), one frame's worth. Whole segments, at least
 * one, or 0.
 */
static u32 xnet_conn_send_quota(struct sock *sk, const struct sk_buff *skb,
				u32 flight)
{
	struct xnet_conn *c = xnet_conn(sk);
	u32 seq = XNET_SEG_CB(skb)->seq, wnd_end = c->snd_una + c->snd_wnd;
	u32 quota = (c->cwnd - flight) * c->mss;

	quota = min(quota, xnet_conn_size_goal(c));
	if (xnet_after(XNET_SEG_CB(skb)->end_seq, wnd_end)) {
		u32 wnd = xnet_after(wnd_end, seq) ? wnd_end - seq : 0;

		quota = min(quota, rounddown(wnd, c->mss));
	}
	return quota;
}

/*
 * Send what the congestion and receive windows allow, as few frames as
 * the segments' flags permit; an skb larger than what may leave is split.
 * A paced connection (pacing.c) sends frames of @pace bytes at most, each
 * when its time has come. A frame that cannot leave may end the
 * connection at the end (xnet_conn_tx_error()).
 */
void xnet_conn_push(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	u32 flight = xnet_conn_in_flight(sk);
	u64 now = 0;
	struct xnet_frame_batch b = { };
	unsigned int skb_segs;
	struct sk_buff *skb;
	bool sent = false, held = false;
	u32 pace;

	xnet_conn_check_seal(sk);
	pace = xnet_pacing_goal(sk);
	/* our FIN found no memory when it was due: it comes after all */
	if (unlikely(c->fin_pending) && sk->sk_state != XNET_STATE_CLOSED)
		xnet_conn_queue_ctl(sk, XNET_SEG_FIN);
	while ((skb = c->send_head)) {
		struct xnet_seg_cb *cb = XNET_SEG_CB(skb);

		if (sk->sk_state == XNET_STATE_CLOSED)
			return;
		if (flight >= c->cwnd)
			break;
		if (pace) {
			/* a frame's worth gathered: it leaves, the next waits */
			if (b.n && b.bytes + skb->len > pace) {
				xnet_conn_send_segs(sk, b.first, b.n, 0);
				b.n = 0;
				continue;
			}
			if (!b.n && xnet_pacing_hold(sk)) {
				held = true;
				break;
			}
		}
		if (skb->len) {
			u32 quota = xnet_conn_send_quota(sk, skb, flight);

			if (pace && !b.n)
				quota = min(quota, pace);

			if (!quota) {
				/*
				 * zero or short window: probe it when nothing
				 * flies; a pending probe keeps its time, or
				 * a peer's ACKs would put it off forever
				 */
				if (c->snd_una == c->snd_nxt &&
				    !timer_pending(&c->rtx_timer))
					xnet_conn_reset_rtx_timer(sk);
				break;
			}
			if (skb->len > quota && xnet_conn_split(sk, skb, quota))
				break;
		}
		/* Nagle: hold a short segment while data is unacknowledged */
		if (!c->nodelay && skb->len < c->mss &&
		    c->snd_una != c->snd_nxt &&
		    skb_queue_is_last(&sk->sk_write_queue, skb) &&
		    !(cb->flags & (XNET_SEG_EOR | XNET_SEG_FIN)))
			break;
		skb_segs = xnet_conn_segs(c, skb->len);
		if (b.n && !xnet_batch_joins(&b, skb, skb_segs)) {
			xnet_conn_send_segs(sk, b.first, b.n, 0);
			b.n = 0;
			continue;	/* the state may have changed */
		}
		c->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ?
			       NULL : skb_queue_next(&sk->sk_write_queue, skb);
		c->snd_nxt = cb->end_seq;
		flight += xnet_conn_segs(c, cb->end_seq - cb->seq);
		if (!now)
			now = xnet_now_us();
		cb->sent_us = now;
		xnet_batch_add(&b, skb, skb_segs);
		sent = true;
		if (cb->flags) {
			xnet_conn_send_segs(sk, b.first, b.n, cb->flags);
			b.n = 0;
		}
	}
	if (b.n)
		xnet_conn_send_segs(sk, b.first, b.n, 0);
	if (pace && !held)
		xnet_pacing_unheld(sk);
	if (sent)
		xnet_cong_validate(c, flight, flight >= c->cwnd);
	if (sent && !timer_pending(&c->rtx_timer))
		xnet_conn_reset_rtx_timer(sk);
	xnet_conn_tx_error(sk);
}

/*
 * The path MTU fell below what was sent (a frame too big report,
 * error.c) and c->mss with it: send again at once, at the new MSS, what
 * is in flight and not SACKed, each skb cut to what one large frame holds
 * now. Not a sign of congestion: cwnd and ssthresh stay (as Linux's
 * tcp_simple_retransmit()). What is not sent yet leaves at the new MSS
 * anyway. The connection may be CLOSED on return (xnet_conn_tx_error()).
 */
void xnet_conn_mtu_reduced(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	u32 goal = xnet_conn_size_goal(c);
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == c->send_head)
			break;
		if (XNET_SEG_CB(skb)->sacked || !skb->len)
			continue;
		/* a refused cut: the timer sends the rest, one MSS at a time */
		if (skb->len > goal && xnet_conn_split(sk, skb, goal))
			break;
		xnet_conn_retransmit_run(sk, skb, 1);
	}
	xnet_conn_tx_error(sk);
}

/* Send @n queued segments from @first again, as one frame. */
void xnet_conn_retransmit_run(struct sock *sk, struct sk_buff *first,
			      unsigned int n)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	struct xnet_conn *c = xnet_conn(sk);
	u64 now = xnet_now_us();
	struct sk_buff *skb = first;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct xnet_seg_cb *cb = XNET_SEG_CB(skb);

		cb->retrans++;
		cb->sent_us = now;
		c->total_retrans += max(xnet_conn_segs(c, skb->len), 1U);
		xnet_add_stat(xn, XNET_MIB_RETRANS_SEGS,
			      max(xnet_conn_segs(c, skb->len), 1U));
		trace_xnet_retransmit(c, cb->seq, skb->len, cb->retrans);
		if (i + 1 < n)
			skb = skb_queue_next(&sk->sk_write_queue, skb);
	}
	xnet_conn_send_segs(sk, first, n, XNET_SEG_CB(skb)->flags);
}

/*
 * Send the first segment of @skb again (the timer's and the tail probe's
 * retransmission: one segment into a collapsed window); @last: its last
 * segment instead.
 */
void xnet_conn_retransmit(struct sock *sk, struct sk_buff *skb, bool last)
{
	struct xnet_conn *c = xnet_conn(sk);

	if (skb->len > c->mss) {
		u32 at = last ? rounddown(skb->len - 1, c->mss) : c->mss;

		if (!xnet_conn_split(sk, skb, at) && last)
			skb = skb_queue_next(&sk->sk_write_queue, skb);
	}
	xnet_conn_retransmit_run(sk, skb, 1);
	xnet_conn_tx_error(sk);
}

void xnet_conn_send_ack(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	xnet_conn_xmit(sk, NULL, 0, c->snd_nxt, 0);
}

/*
 * A segment the peer must answer: an old sequence number, no data.
 * Returns xnet_output()'s verdict.
 */
int xnet_conn_send_probe(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	return xnet_conn_xmit(sk, NULL, 0, c->snd_una - 1, 0);
}

void xnet_conn_send_rst(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	xnet_conn_xmit(sk, NULL, 0, c->snd_nxt, XNET_SEG_RST);
}

/*
 * Answer the SYN @in statelessly: a SYN+ACK whose sequence number is the
 * cookie @cookie, advertising @wnd and our MSS towards the client. The
 * SYN may come from anyone; the answer is one frame for one frame, to the
 * frame's Ethernet source, and keeps no state, so it is not rate-limited:
 * a budget shared with the flood would turn legitimate clients away, the
 * very thing cookies are for (Linux TCP does not limit them either).
 */
void xnet_send_cookie_synack(struct xnet_net *xn, const struct sk_buff *in,
			     u32 cookie, u32 wnd)
{
	const struct xnethdr *ixh = xnet_hdr(in);
	const struct xnet_seghdr *ish = (const void *)(ixh + 1);
	struct xnet_seghdr *sh;
	struct sk_buff *skb;
	unsigned int mtu;
	__be16 *opt;

	skb = alloc_skb(LL_MAX_HEADER + XNET_CONN_HLEN + XNET_SYN_OPTLEN,
			GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, LL_MAX_HEADER + XNET_CONN_HLEN);
	mtu = xnet_path_mtu(xn, ixh->daddr, ixh->saddr, 0);
	opt = skb_put_zero(skb, XNET_SYN_OPTLEN);
	opt[0] = htons(mtu > XNET_CONN_OVERHEAD + 64 ?
		       mtu - XNET_CONN_OVERHEAD : 64);
	sh = skb_push(skb, XNET_SEG_HLEN);
	memset(sh, 0, XNET_SEG_HLEN);
	sh->seq = htonl(cookie);
	sh->ack = htonl(ntohl(ish->seq) + 1);
	sh->wnd = htonl(wnd);
	sh->flags = htons(XNET_SEG_SYN | XNET_SEG_ACK);
	xnet_build_hdr(skb, ixh->type, ixh->daddr, ixh->saddr, ixh->dport,
		       ixh->sport, xnet_net_hoplimit(xn));
	xnet_inc_stat(xn, XNET_MIB_OUT_SEGS);
	xnet_output_reply(xn, skb, in);
}

/*
 * Answer a segment that belongs to no connection (or that a connection
 * refuses) with a reset, within the netns's reset budget (ratelimit.c):
 * whoever sends them, a flood of such segments gets at most rst_rate
 * resets a second.
 */
void xnet_send_reset(struct xnet_net *xn, const struct sk_buff *in)
{
	const struct xnethdr *ixh = xnet_hdr(in);
	const struct xnet_seghdr *ish = (const void *)(ixh + 1);
	u16 iflags = ntohs(ish->flags);
	struct xnet_seghdr *sh;
	struct sk_buff *skb;
	u32 len;

	if (iflags & XNET_SEG_RST)
		return;
	if (!xnet_rl_allow(xn, XNET_RL_RST))
		return;
	skb = alloc_skb(LL_MAX_HEADER + XNET_CONN_HLEN, GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, LL_MAX_HEADER + XNET_CONN_HLEN);
	sh = skb_push(skb, XNET_SEG_HLEN);
	memset(sh, 0, XNET_SEG_HLEN);
	if (iflags & XNET_SEG_ACK) {
		sh->seq = ish->ack;
		sh->flags = htons(XNET_SEG_RST);
	} else {
		len = ntohs(ixh->len) - XNET_CONN_HLEN -
		      ish->nsack * sizeof(struct xnet_sack_block);
		if (iflags & XNET_SEG_SYN)
			len -= XNET_SYN_OPTLEN;	/* options take no sequence */
		len += !!(iflags & XNET_SEG_SYN) + !!(iflags & XNET_SEG_FIN);
		sh->ack = htonl(ntohl(ish->seq) + len);
		sh->flags = htons(XNET_SEG_RST | XNET_SEG_ACK);
	}
	xnet_build_hdr(skb, ixh->type, ixh->daddr, ixh->saddr, ixh->dport,
		       ixh->sport, xnet_net_hoplimit(xn));
	xnet_inc_stat(xn, XNET_MIB_OUT_RSTS);
	xnet_inc_stat(xn, XNET_MIB_OUT_SEGS);
	xnet_output_reply(xn, skb, in);
}

/*
 * @len bytes of in-order data were queued: acknowledge now (every second
 * full segment, so a large frame at once) or soon.
 */
void xnet_conn_data_rcvd(struct sock *sk, u32 len)
{
	struct xnet_conn *c = xnet_conn(sk);

	c->rcv_unacked += DIV_ROUND_UP(len, c->mss);
	if (c->rcv_unacked >= 2 || !RB_EMPTY_ROOT(&c->ooo_q))
		xnet_conn_send_ack(sk);
	else
		xnet_conn_schedule_delack(sk);
}

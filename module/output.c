// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: connection output: building and sending segments, the send
 * window, acknowledgment processing with SACK, retransmission and loss
 * recovery (RFC 6675: SACK-based, sending against the pipe); how the
 * congestion window grows and is cut is cong.c's (CUBIC or NewReno).
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
#include "trace.h"

static u64 xnet_now_us(void)
{
	return div_u64(ktime_get_ns(), NSEC_PER_USEC);
}

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

/* Up to XNET_MAX_SACK blocks describing the out-of-order queue. */
static int xnet_conn_sack_blocks(struct xnet_conn *c,
				 struct xnet_sack_block *b)
{
	struct sk_buff *skb;
	int n = 0;
	u32 start = 0, end = 0;

	skb_queue_walk(&c->ooo_q, skb) {
		struct xnet_seg_cb *cb = XNET_SEG_CB(skb);

		if (n && cb->seq == end) {
			end = cb->end_seq;
			b[n - 1].end = htonl(end);
			continue;
		}
		if (!xnet_after(cb->seq, end) && n) {
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
	sh = skb_push(skb, XNET_SEG_HLEN);
	sh->seq = htonl(seq);
	sh->ack = htonl((flags & XNET_SEG_ACK) ? c->rcv_nxt : 0);
	sh->wnd = htonl(wnd);
	sh->flags = htons(flags);
	sh->nsack = nsack;
	sh->resv = 0;
	xnet_build_hdr(skb, c->type, c->laddr, c->xs.daddr, c->xs.sport,
		       c->xs.dport);
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
	return xnet_output(xn, skb, READ_ONCE(sk->sk_bound_dev_if));
}

/* Queue a zero-length SYN or FIN; it takes one sequence number. */
void xnet_conn_queue_ctl(struct sock *sk, u16 flags)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *skb;

	skb = alloc_skb(0, GFP_ATOMIC | __GFP_NOFAIL);
	XNET_SEG_CB(skb)->seq = c->write_seq;
	XNET_SEG_CB(skb)->end_seq = c->write_seq + 1;
	XNET_SEG_CB(skb)->flags = flags;
	c->write_seq++;
	if (flags & XNET_SEG_FIN)
		c->fin_queued = 1;
	sk_wmem_queued_add(sk, skb->truesize);
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!c->send_head)
		c->send_head = skb;
}

static u32 xnet_conn_packets_out(const struct xnet_conn *c)
{
	return xnet_conn_segs(c, c->snd_nxt - c->snd_una);
}

/* A retransmission sent less than a round trip ago is still flying. */
static bool xnet_conn_rtx_recent(const struct xnet_conn *c,
				 const struct xnet_seg_cb *cb, u64 now)
{
	return cb->retrans && now - cb->sent_us < max(c->srtt_us, 1000U);
}

/*
 * Segments in the network (RFC 6675's "pipe"). Outside recovery, all
 * that was sent and not acknowledged. In recovery, not what the peer
 * SACKed, nor the holes below its highest SACK (lost), unless they
 * were retransmitted less than a round trip ago; so that new data keeps
 * flowing as SACKs arrive rather than waiting for the holes to fill.
 * @now: the clock, read by the caller (only needed in recovery).
 */
static u32 xnet_conn_in_flight(struct sock *sk, u64 now)
{
	struct xnet_conn *c = xnet_conn(sk);
	u32 flying = 0, above = 0;
	struct sk_buff *skb;

	if (!c->in_recovery)
		return xnet_conn_packets_out(c);
	skb_queue_walk(&sk->sk_write_queue, skb) {
		const struct xnet_seg_cb *cb = XNET_SEG_CB(skb);
		u32 segs = xnet_conn_segs(c, cb->end_seq - cb->seq);

		if (skb == c->send_head)
			break;
		if (cb->sacked)
			above = 0;	/* what was below it is lost */
		else if (xnet_conn_rtx_recent(c, cb, now))
			flying += segs;
		else
			above += segs;
	}
	return flying + above;
}

static void xnet_conn_output_error(struct sock *sk, int err)
{
	/* a peer that cannot be resolved ends an opening connection */
	if (err == -EHOSTUNREACH || err == -ENETUNREACH) {
		if (sk->sk_state == XNET_STATE_SYN_SENT) {
			xnet_inc_stat(xnet_pernet(sock_net(sk)),
				      XNET_MIB_ATTEMPT_FAILS);
			xnet_conn_abort(sk, -err);
		} else if (sock_flag(sk, SOCK_DEAD) && !xnet_conn(sk)->unowned) {
			/* nobody waits for a closed socket's unreachable peer */
			xnet_conn_done(sk);
		} else {
			WRITE_ONCE(sk->sk_err_soft, -err);
		}
	}
}

/*
 * Neighbour resolution of the peer failed while our SYN waited for it.
 * Process context (neigh.c's work), no lock held, a reference on @sk.
 */
void xnet_conn_unreachable(struct sock *sk)
{
	lock_sock(sk);
	if (sk->sk_state == XNET_STATE_SYN_SENT)
		xnet_conn_output_error(sk, -EHOSTUNREACH);
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
 */
int xnet_conn_split(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct xnet_seg_cb *cb = XNET_SEG_CB(skb);
	struct sk_buff *nskb;
	unsigned int base;

	if (!len || len >= skb->len)
		return 0;
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
static bool xnet_batch_joins(const struct xnet_frame_batch *b,
			     const struct sk_buff *skb, unsigned int skb_segs)
{
	return b->first->len && skb->len &&
	       b->segs + skb_segs <= XNET_GSO_MAX_SEGS &&
	       b->bytes + skb->len <= XNET_GSO_MAX_PAYLOAD &&
	       !XNET_SEG_CB(b->first)->flags &&
	       !(XNET_SEG_CB(skb)->flags & ~XNET_SEG_EOR);
}

static void xnet_batch_add(struct xnet_frame_batch *b, struct sk_buff *skb,
			   unsigned int skb_segs)
{
	if (!b->n++) {
		b->first = skb;
		b->bytes = 0;
		b->segs = 0;
	}
	b->bytes += skb->len;
	b->segs += skb_segs;
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
 */
void xnet_conn_push(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	u64 now = c->in_recovery ? xnet_now_us() : 0;
	u32 flight = xnet_conn_in_flight(sk, now);
	struct xnet_frame_batch b = { };
	unsigned int skb_segs;
	struct sk_buff *skb;
	bool sent = false;

	while ((skb = c->send_head)) {
		struct xnet_seg_cb *cb = XNET_SEG_CB(skb);

		if (sk->sk_state == XNET_STATE_CLOSED)
			return;
		if (flight >= c->cwnd)
			break;
		if (skb->len) {
			u32 quota = xnet_conn_send_quota(sk, skb, flight);

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
	if (sent && !timer_pending(&c->rtx_timer))
		xnet_conn_reset_rtx_timer(sk);
}

/* Send @n queued segments from @first again, as one frame. */
static void xnet_conn_retransmit_run(struct sock *sk, struct sk_buff *first,
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

/* Answer a segment that belongs to no connection with a reset. */
/*
 * Answer the SYN @in statelessly: a SYN+ACK whose sequence number is the
 * cookie @cookie, advertising @wnd and our MSS towards the client.
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
		       ixh->sport);
	xnet_inc_stat(xn, XNET_MIB_OUT_SEGS);
	xnet_output(xn, skb, 0);
}

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
		       ixh->sport);
	xnet_inc_stat(xn, XNET_MIB_OUT_RSTS);
	xnet_inc_stat(xn, XNET_MIB_OUT_SEGS);
	xnet_output(xn, skb, 0);
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
 * are repaired in one round trip.
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
		if (skb == c->send_head)
			break;
		if (XNET_SEG_CB(skb)->sacked)
			last_sacked = skb;
	}
	/* consecutive holes go out together, as one frame */
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xnet_seg_cb *cb = XNET_SEG_CB(skb);
		bool recent = xnet_conn_rtx_recent(c, cb, now);

		if (skb == c->send_head || budget <= 0)
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
		/* retransmitted less than a round trip ago: still flying */
		if (recent)
			goto next;
		xnet_batch_add(&b, skb, skb_segs);
		budget -= max(skb_segs, 1U);
		if (cb->flags) {
			xnet_conn_retransmit_run(sk, b.first, b.n);
			b.n = 0;
		}
next:
		if (!all_holes || !last_sacked || skb == last_sacked ||
		    !xnet_before(cb->seq, XNET_SEG_CB(last_sacked)->seq))
			break;
	}
	if (b.n)
		xnet_conn_retransmit_run(sk, b.first, b.n);
}

/* Segments sent and SACKed, not yet cumulatively acknowledged. */
static unsigned int xnet_conn_sacked_segs(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	unsigned int n = 0;
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == c->send_head)
			break;
		if (XNET_SEG_CB(skb)->sacked)
			n += xnet_conn_segs(c, skb->len);
	}
	return n;
}

/* Mark what the peer's SACK blocks cover; how many segments are new. */
static unsigned int xnet_conn_mark_sacked(struct sock *sk,
					  const struct xnet_sack_block *sack,
					  int nsack)
{
	struct xnet_conn *c = xnet_conn(sk);
	unsigned int newly = 0;
	struct sk_buff *skb;
	int i;

	for (i = 0; i < nsack; i++) {
		u32 start = ntohl(sack[i].start), end = ntohl(sack[i].end);

		if (!xnet_before(start, end) || !xnet_after(start, c->snd_una) ||
		    xnet_after(end, c->snd_nxt))
			continue;	/* invalid or stale: ignored */
		skb_queue_walk(&sk->sk_write_queue, skb) {
			struct xnet_seg_cb *cb = XNET_SEG_CB(skb);

			if (skb == c->send_head)
				break;
			if (cb->sacked || !skb->len)
				continue;
			/* a block's edge inside a large skb: split it there */
			if (xnet_before(cb->seq, start) &&
			    xnet_after(cb->end_seq, start)) {
				xnet_conn_split(sk, skb, start - cb->seq);
				continue;	/* the next skb starts at @start */
			}
			if (xnet_before(cb->seq, end) &&
			    xnet_after(cb->end_seq, end))
				xnet_conn_split(sk, skb, end - cb->seq);
			if (!xnet_before(cb->seq, start) &&
			    !xnet_after(cb->end_seq, end)) {
				cb->sacked = 1;
				newly += xnet_conn_segs(c, skb->len);
			}
		}
	}
	return newly;
}

/*
 * Process the acknowledgment fields of a segment from the peer: free
 * what is acknowledged, take an RTT sample, grow or cut the congestion
 * window, and repair losses. @pure_ack: no data, no SYN/FIN.
 */
void xnet_conn_ack_rcvd(struct sock *sk, u32 ack, u32 wnd,
			const struct xnet_sack_block *sack, int nsack,
			bool pure_ack)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	u32 old_wnd = c->snd_wnd, old_cwnd = c->cwnd, acked_segs = 0;
	u64 now = xnet_now_us();
	unsigned int newly_sacked;
	bool karn_ok = true;
	struct sk_buff *skb;
	s64 rtt = -1;

	if (xnet_before(ack, c->snd_una))
		return;		/* old duplicate: idempotent */
	c->snd_wnd = min_t(u32, wnd, XNET_SND_WND_MAX);
	newly_sacked = xnet_conn_mark_sacked(sk, sack, nsack);

	if (ack == c->snd_una) {
		/*
		 * A duplicate ACK: the window unchanged (RFC 5681), or SACK
		 * news (RFC 6675), since our receive window shrinks as the
		 * peer queues data out of order behind a hole. It counts the
		 * segments it SACKs (RFC 6675's DupThresh is in segments): a
		 * large frame is one ACK for many segments.
		 */
		if (pure_ack && (wnd == old_wnd || newly_sacked) &&
		    c->snd_una != c->snd_nxt)
			c->dupacks += max(newly_sacked, 1U);
		if (c->dupacks >= 3 && !c->in_recovery) {
			xnet_inc_stat(xn, XNET_MIB_FAST_RETRANS);
			xnet_conn_enter_recovery(sk);
			xnet_conn_repair(sk, true);
		} else if (c->in_recovery && nsack) {
			xnet_conn_repair(sk, true);
		}
		if (c->cwnd != old_cwnd)
			trace_xnet_cong(c);
		return;
	}

	/* new data acknowledged */
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
		 * Karn: a range that held a retransmitted segment, or one
		 * SACKed earlier (held back by a hole), gives no sample.
		 */
		if (cb->retrans || cb->sacked || !cb->sent_us)
			karn_ok = false;
		else
			rtt = now - cb->sent_us;
		acked_segs += xnet_conn_segs(c, skb->len);
		c->bytes_acked += skb->len;
		__skb_unlink(skb, &sk->sk_write_queue);
		sk_wmem_queued_add(sk, -skb->truesize);
		kfree_skb(skb);
	}
	c->snd_una = ack;
	/* segments still SACKed above a hole count as duplicates */
	c->dupacks = nsack ? xnet_conn_sacked_segs(sk) : 0;
	c->retransmits = 0;
	c->backoff = 0;
	c->rtx_start = 0;
	if (rtt >= 0 && karn_ok)
		xnet_conn_rtt_sample(sk, (u32)min_t(s64, rtt, U32_MAX));

	if (c->in_recovery) {
		if (!xnet_before(ack, c->recover)) {
			c->in_recovery = 0;
			c->cwnd = max(c->ssthresh, 2U);
		} else {
			xnet_conn_repair(sk, false);	/* partial ack (RFC 6582) */
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
}

/*
 * @len bytes of in-order data were queued: acknowledge now (every second
 * full segment, so a large frame at once) or soon.
 */
void xnet_conn_data_rcvd(struct sock *sk, u32 len)
{
	struct xnet_conn *c = xnet_conn(sk);

	c->rcv_unacked += DIV_ROUND_UP(len, c->mss);
	if (c->rcv_unacked >= 2 || !skb_queue_empty(&c->ooo_q))
		xnet_conn_send_ack(sk);
	else
		xnet_conn_schedule_delack(sk);
}

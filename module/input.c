// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: connection input: demultiplexing segments to connections and
 * listeners, the handshake, the state machine, in-order and out-of-order
 * data, FIN and RST (accepted only at the exact expected sequence, as
 * RFC 5961 asks).
 *
 * Answers to segments that may come from a blind attacker (ACKs to
 * out-of-window segments without data, challenge ACKs, a SYN+ACK again
 * for a repeated SYN) go through xnet_conn_send_oow_ack(): at most one
 * per invalid_ratelimit_ms per connection, within the netns's ACK budget
 * (ratelimit.c). An ACK must lie within [snd_una - max_wnd, snd_nxt]
 * (RFC 5961 section 5), max_wnd being the largest window the peer
 * offered; a segment whose ACK does not is dropped.
 *
 * Out-of-order queue: an rbtree keyed by sequence (c->ooo_q), holding no
 * byte twice: a new segment is trimmed to the bytes not yet held, those
 * it covers entirely are removed, and none holds data beyond the peer's
 * FIN. The head of a segment is trimmed by advancing its seq and its
 * read offset (XNET_SEG_CB(skb)->off), its tail by pskb_trim(). Each skb
 * there is charged to the socket (mem.c) and uncharged when freed.
 *
 * Context: xnet_conn_rcv() runs in softirq under RCU (or from netif_rx
 * for local connections). It finds the socket with a reference, then
 * either processes the segment under bh_lock_sock() or, if the user owns
 * the socket, queues it on the backlog, which release_sock() feeds to
 * xnet_conn_backlog_rcv() in process context with the socket owned.
 */
#include <linux/etherdevice.h>

#include "xnet.h"
#include "sec.h"

static struct xnet_port_table *xnet_type_ports(u8 type)
{
	return type == XNET_T_STREAM ? &xnet_stream_ports
				     : &xnet_seqpacket_ports;
}

static void xnet_conn_process(struct sock *sk, struct sk_buff *skb);

/* Cookies are accepted this long after the last one was sent. */
#define XNET_COOKIE_VALID	(120 * HZ)

/* A listener on the frame's destination. Under RCU, no reference. */
static struct sock *xnet_listener_lookup_rcu(struct xnet_net *xn,
					     struct xnet_dev *xdev,
					     const struct xnethdr *xh)
{
	struct xnet_port_table *t = xnet_type_ports(xh->type);
	struct sock *sk = NULL;

	while ((sk = xnet_port_next_rcu(t, xn->net, xh->saddr, xh->sport,
					xh->daddr, xh->dport, xdev, sk)))
		if (READ_ONCE(sk->sk_state) == XNET_STATE_LISTEN)
			return sk;
	return NULL;
}

/* The peer's MSS from a validated SYN's option block; 0 if unusable. */
static u32 xnet_syn_mss(const struct xnethdr *xh)
{
	const struct xnet_seghdr *sh = (const void *)(xh + 1);
	const __be16 *opt = (const void *)((const u8 *)(sh + 1) +
					    sh->nsack * sizeof(struct xnet_sack_block));
	u32 mss = ntohs(opt[0]);

	return mss >= 64 ? mss : 0;
}

static void xnet_conn_peer_mss(struct xnet_conn *c, u32 mss)
{
	if (mss && mss < c->mss)
		c->mss = mss;
}

static u32 xnet_seg_len(const struct sk_buff *skb)
{
	return XNET_SEG_CB(skb)->end_seq - XNET_SEG_CB(skb)->seq -
	       !!(XNET_SEG_CB(skb)->flags & (XNET_SEG_SYN | XNET_SEG_FIN));
}

/*
 * A child of @lsk for the connection @xh opens, with the client's
 * initial sequence @irs and ours @iss, not yet locked, hashed or in any
 * state. Its own reference (from sk_alloc) belongs to nobody until
 * accept(): it is "unowned".
 */
static struct sock *xnet_conn_child(struct xnet_net *xn, struct sock *lsk,
				    const struct xnethdr *xh, u32 irs, u32 iss,
				    u32 peer_mss, u32 peer_wnd)
{
	struct xnet_conn *l = xnet_conn(lsk), *c;
	struct sock *sk;

	sk = sk_alloc(xn->net, xnet_family, GFP_ATOMIC, lsk->sk_prot, 0);
	if (!sk)
		return NULL;
	sock_init_data(NULL, sk);
	sk->sk_type = lsk->sk_type;
	sk->sk_destruct = lsk->sk_destruct;
	sk->sk_backlog_rcv = lsk->sk_backlog_rcv;
	sock_set_flag(sk, SOCK_RCU_FREE);
	sock_set_flag(sk, SOCK_DEAD);
	sk->sk_rcvbuf = READ_ONCE(lsk->sk_rcvbuf);
	sk->sk_sndbuf = READ_ONCE(lsk->sk_sndbuf);
	sk->sk_bound_dev_if = READ_ONCE(lsk->sk_bound_dev_if);
	if (sock_flag(lsk, SOCK_KEEPOPEN))
		sock_set_flag(sk, SOCK_KEEPOPEN);
	xnet_conn_inherit(sk, lsk);
	xnet_conn_init(sk, xh->type);
	WRITE_ONCE(sk->sk_state, XNET_STATE_CLOSED);	/* not TCP_CLOSE */
	c = xnet_conn(sk);
	c->unowned = 1;
	c->nodelay = l->nodelay;
	c->cc = l->cc;
	c->user_mss = l->user_mss;
	c->user_timeout_ms = l->user_timeout_ms;
	c->keepidle = l->keepidle;
	c->keepintvl = l->keepintvl;
	c->keepcnt = l->keepcnt;
	c->xs.hoplimit = READ_ONCE(l->xs.hoplimit);
	c->xs.secure = READ_ONCE(l->xs.secure);
	c->laddr = xh->daddr;
	c->xs.rcv_addr = xh->daddr;
	c->xs.sport = xh->dport;
	c->xs.daddr = xh->saddr;
	c->xs.dport = xh->sport;
	c->listen_port = xh->dport;
	c->irs = irs;
	c->rcv_nxt = irs + 1;
	c->rcv_right = c->rcv_nxt;
	c->iss = iss;
	c->snd_una = iss;
	c->snd_nxt = iss;
	c->write_seq = iss;
	c->snd_wnd = min_t(u32, peer_wnd, XNET_SND_WND_MAX);
	c->max_wnd = c->snd_wnd;
	c->last_rx = jiffies;
	xnet_conn_set_mss(sk);
	xnet_conn_peer_mss(c, peer_mss);
	return sk;
}

/* Log (count, trace) a flood once a minute per netns, whatever its rate. */
static void xnet_conn_flood_warn(struct xnet_net *xn, const struct xnethdr *xh)
{
	unsigned long last = READ_ONCE(xn->synflood_warned);

	if (last && time_before(jiffies, last + 60 * HZ))
		return;
	if (cmpxchg(&xn->synflood_warned, last, jiffies | 1) != last)
		return;
	xnet_audit_syn_flood(xn, xh);
	pr_info("xnet: possible connection request flood on port %u; sending cookies (net.xnet.syncookies)\n",
		ntohs(xh->dport));
}

/*
 * The half-open table is full: answer with a SYN+ACK whose sequence
 * number is a cookie (secure.c) and keep nothing.
 */
static void xnet_conn_syn_cookie(struct xnet_net *xn, struct sock *lsk,
				 struct sk_buff *skb)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	const struct xnet_seghdr *sh = (const void *)(xh + 1);
	u32 peer_mss = xnet_syn_mss(xh), cookie;

	WRITE_ONCE(xn->last_overflow, jiffies);
	xnet_conn_flood_warn(xn, xh);
	if (!peer_mss) {
		xnet_drop(xn, skb, XNET_MIB_LISTEN_OVERFLOWS);
		return;
	}
	cookie = xnet_syncookie_make(xh, ntohl(sh->seq), peer_mss);
	xnet_inc_stat(xn, XNET_MIB_SYNCOOKIES_SENT);
	xnet_send_cookie_synack(xn, skb, cookie,
				READ_ONCE(lsk->sk_rcvbuf) / 2);
}

/* A SYN for a listener: a child in SYN_RECV, hashed, answering SYN+ACK. */
static void xnet_conn_syn(struct xnet_net *xn, struct sock *lsk,
			  struct sk_buff *skb)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	const struct xnet_seghdr *sh = (const void *)(xh + 1);
	int cookies = READ_ONCE(xn->syncookies);
	struct xnet_conn *c;
	struct sock *sk;
	bool full;

	/* XNET_SECURE: no connection from a peer we cannot protect */
	if (READ_ONCE(xnet_sk(lsk)->secure) &&
	    !xnet_sec_protected(xn, xh->saddr, skb->skb_iif)) {
		xnet_drop(xn, skb, XNET_MIB_IN_PLAIN_DROPPED);
		return;
	}
	if (sk_acceptq_is_full(lsk)) {
		xnet_drop(xn, skb, XNET_MIB_LISTEN_OVERFLOWS);
		return;		/* the client will retry */
	}
	/*
	 * Take the half-open slot before making the child: SYNs arrive on
	 * every CPU at once, and a check apart from the increment would let
	 * each of them past the last free slot.
	 */
	full = cookies == 2;
	if (!full &&
	    atomic_inc_return(&xn->nsynrecv) > READ_ONCE(xn->max_syn_backlog)) {
		atomic_dec(&xn->nsynrecv);
		full = true;
	}
	if (full) {
		if (cookies) {
			xnet_conn_syn_cookie(xn, lsk, skb);
			return;
		}
		xnet_conn_flood_warn(xn, xh);
		xnet_drop(xn, skb, XNET_MIB_LISTEN_OVERFLOWS);
		return;
	}
	sk = xnet_conn_child(xn, lsk, xh, ntohl(sh->seq),
			     xnet_secure_seq(xh->daddr, xh->saddr, xh->dport,
					     xh->sport, xh->type),
			     xnet_syn_mss(xh), ntohl(sh->wnd));
	if (!sk) {
		atomic_dec(&xn->nsynrecv);
		return;
	}
	c = xnet_conn(sk);
	/*
	 * Its SYN+ACKs go back to the SYN's Ethernet source on the device it
	 * came by, as cookies do: no neighbour entry, no broadcast query for
	 * a source that may be spoofed (a local SYN has no MAC header).
	 */
	if (skb_mac_header_was_set(skb) && skb_mac_header_len(skb) >= ETH_HLEN &&
	    is_valid_ether_addr(eth_hdr(skb)->h_source)) {
		c->syn_ifindex = skb->skb_iif;
		ether_addr_copy(c->syn_ha, eth_hdr(skb)->h_source);
	}

	bh_lock_sock_nested(sk);
	xnet_conn_set_state(sk, XNET_STATE_SYN_RECV);
	c->synrecv_counted = 1;		/* the slot taken above */
	if (xnet_conn_hash(sk)) {
		xnet_send_reset(xn, skb);
		sock_hold(sk);		/* done() drops the unowned reference */
		xnet_conn_done(sk);
		bh_unlock_sock(sk);
		sock_put(sk);
		return;
	}
	if (xnet_conn_queue_ctl(sk, XNET_SEG_SYN)) {
		sock_hold(sk);		/* no memory: the client sends again */
		xnet_conn_done(sk);
		bh_unlock_sock(sk);
		sock_put(sk);
		return;
	}
	sock_hold(sk);		/* push may end the child (unresolvable) */
	xnet_conn_push(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

/* The handshake completed on a child: hand it to its listener. */
static bool xnet_conn_to_accept_queue(struct sock *sk)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	struct xnet_conn *c = xnet_conn(sk), *l;
	struct sock *lsk;
	struct xnethdr key = {
		.type = c->type, .saddr = c->xs.daddr, .daddr = c->laddr,
		.sport = c->xs.dport, .dport = c->listen_port,
	};
	bool queued = false;

	rcu_read_lock();
	lsk = xnet_listener_lookup_rcu(xn, NULL, &key);
	if (lsk) {
		l = xnet_conn(lsk);
		/* BHs may be on: backlog processing runs in process context */
		spin_lock_bh(&l->accept_lock);
		if (READ_ONCE(lsk->sk_state) == XNET_STATE_LISTEN &&
		    !sk_acceptq_is_full(lsk)) {
			list_add_tail(&c->accept_node, &l->accept_q);
			sk_acceptq_added(lsk);
			c->accepted_pending = 1;
			queued = true;
		}
		spin_unlock_bh(&l->accept_lock);
		if (queued)
			lsk->sk_data_ready(lsk);
		else
			xnet_drop(xn, NULL, XNET_MIB_LISTEN_OVERFLOWS);
	}
	rcu_read_unlock();
	return queued;
}

/*
 * An ACK for a listener with no connection: the end of a handshake we
 * answered with a cookie? If the cookie checks out, create the child
 * directly in ESTABLISHED and let it process the segment. Returns true
 * if the segment was consumed.
 */
static bool xnet_conn_cookie_ack(struct xnet_net *xn, struct sock *lsk,
				 struct sk_buff *skb)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	const struct xnet_seghdr *sh = (const void *)(xh + 1);
	u32 seq = ntohl(sh->seq), ack = ntohl(sh->ack);
	int cookies = READ_ONCE(xn->syncookies);
	struct xnet_conn *c;
	struct sock *sk;
	u32 mss;

	/* cookies are only taken while (or shortly after) we sent them */
	if (!cookies || (cookies == 1 &&
			 time_after(jiffies, READ_ONCE(xn->last_overflow) +
					     XNET_COOKIE_VALID)))
		return false;
	mss = xnet_syncookie_check(xh, seq - 1, ack - 1);
	if (!mss) {
		xnet_inc_stat(xn, XNET_MIB_SYNCOOKIES_FAILED);
		return false;
	}
	if (READ_ONCE(xnet_sk(lsk)->secure) &&
	    !xnet_sec_protected(xn, xh->saddr, skb->skb_iif)) {
		xnet_drop(xn, skb, XNET_MIB_IN_PLAIN_DROPPED);
		goto drop;
	}
	if (sk_acceptq_is_full(lsk)) {
		xnet_drop(xn, skb, XNET_MIB_LISTEN_OVERFLOWS);
		goto drop;
	}
	sk = xnet_conn_child(xn, lsk, xh, seq - 1, ack - 1, mss,
			     ntohl(sh->wnd));
	if (!sk)
		goto drop;
	c = xnet_conn(sk);
	c->snd_una = ack;
	c->snd_nxt = ack;
	c->write_seq = ack;
	c->rcv_wnd = READ_ONCE(lsk->sk_rcvbuf) / 2;	/* as the SYN+ACK said */
	c->rcv_right = c->rcv_nxt + c->rcv_wnd;

	sock_hold(sk);			/* ours, for this function */
	bh_lock_sock_nested(sk);
	xnet_conn_set_state(sk, XNET_STATE_ESTABLISHED);
	c->was_connected = 1;
	if (xnet_conn_hash(sk))
		goto fail;
	if (!xnet_conn_to_accept_queue(sk)) {
		xnet_conn_send_rst(sk);
		goto fail;
	}
	xnet_inc_stat(xn, XNET_MIB_SYNCOOKIES_RECV);
	xnet_inc_stat(xn, XNET_MIB_PASSIVE_OPENS);
	xnet_conn_process(sk, skb);	/* the ACK's data, if any */
	bh_unlock_sock(sk);
	sock_put(sk);
	return true;
fail:
	xnet_conn_done(sk);		/* drops the unowned reference */
	bh_unlock_sock(sk);
	sock_put(sk);
drop:
	kfree_skb(skb);
	return true;
}

/* Linger in TIME_WAIT, bounded by net.xnet.time_wait_ms, then go. */
static void xnet_conn_time_wait(struct sock *sk)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));

	xnet_conn_set_state(sk, XNET_STATE_TIME_WAIT);
	xnet_conn_orphan_over(sk);
	sk_stop_timer(sk, &xnet_conn(sk)->rtx_timer);
	xnet_conn_reset_linger_timer(sk,
				     msecs_to_jiffies(READ_ONCE(xn->time_wait_ms)));
}

static void xnet_conn_fin(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	c->rcv_nxt++;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	switch (sk->sk_state) {
	case XNET_STATE_SYN_RECV:
	case XNET_STATE_ESTABLISHED:
		xnet_conn_set_state(sk, XNET_STATE_CLOSE_WAIT);
		break;
	case XNET_STATE_FIN_WAIT1:
		xnet_conn_set_state(sk, XNET_STATE_CLOSING);
		break;
	case XNET_STATE_FIN_WAIT2:
		xnet_conn_time_wait(sk);
		break;
	}
	xnet_conn_send_ack(sk);
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk->sk_data_ready(sk);
	}
}

/*
 * Queue an in-order segment for the reader; returns false if no room.
 * @charged: the skb comes from the out-of-order queue, already charged
 * (mem.c): it must not be dropped now, it was SACKed.
 */
static bool xnet_conn_queue_in_order(struct sock *sk, struct sk_buff *skb,
				     bool charged)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct xnet_seg_cb *cb = XNET_SEG_CB(skb);
	u32 len = xnet_seg_len(skb), skip = c->rcv_nxt - cb->seq;

	if (len) {
		if (skip >= len) {
			/* all of it seen already; its FIN may be news */
			if (skip == len && (cb->flags & XNET_SEG_FIN))
				xnet_conn_fin(sk);
			kfree_skb(skb);
			return true;
		}
		/* in s64: sk_rcvbuf may be near INT_MAX */
		if (!charged &&
		    ((s64)atomic_read(&sk->sk_rmem_alloc) + skb->truesize >
		     (s64)READ_ONCE(sk->sk_rcvbuf) + 65536 ||
		     !xnet_rmem_charge(sk, skb)))
			return false;
		/* fragments cannot be pulled: the reader starts at off */
		cb->off += skip;
		c->rcv_nxt += len - skip;
		c->bytes_received += len - skip;
		if (cb->flags & XNET_SEG_EOR)
			c->rcv_eor++;
		__skb_queue_tail(&sk->sk_receive_queue, skb);
		if (cb->flags & XNET_SEG_FIN)
			xnet_conn_fin(sk);
	} else {
		if (cb->flags & XNET_SEG_FIN)
			xnet_conn_fin(sk);
		kfree_skb(skb);
	}
	return true;
}

/* Take @skb out of the out-of-order tree (its rbnode shares skb->dev). */
static void xnet_ooo_unlink(struct xnet_conn *c, struct sk_buff *skb)
{
	rb_erase(&skb->rbnode, &c->ooo_q);
	skb->dev = NULL;
}

/* Where @skb's data ends (its FIN, if any, is at that sequence). */
static u32 xnet_seg_data_end(const struct sk_buff *skb)
{
	const struct xnet_seg_cb *cb = XNET_SEG_CB(skb);

	return cb->end_seq - !!(cb->flags & XNET_SEG_FIN);
}

/*
 * Does @skb contradict a FIN held out of order (the last segment of the
 * tree, if any has one): data beyond it, or a FIN elsewhere?
 */
static bool xnet_ooo_beyond_fin(const struct xnet_conn *c,
				const struct sk_buff *skb)
{
	const struct sk_buff *last = skb_rb_last(&c->ooo_q);
	u32 fin;

	if (!last || !(XNET_SEG_CB(last)->flags & XNET_SEG_FIN))
		return false;
	fin = xnet_seg_data_end(last);
	return xnet_after(xnet_seg_data_end(skb), fin) ||
	       ((XNET_SEG_CB(skb)->flags & XNET_SEG_FIN) &&
		xnet_seg_data_end(skb) != fin);
}

/*
 * Trim the new out-of-order segment @skb to end at @seq (before a
 * segment already held): pskb_trim() of its payload; it loses its EOR,
 * which the byte held already carries. False if it cannot be trimmed.
 */
static bool xnet_ooo_trim_tail(struct sk_buff *skb, u32 seq)
{
	struct xnet_seg_cb *cb = XNET_SEG_CB(skb);

	if (pskb_trim(skb, cb->off + (seq - cb->seq)))
		return false;
	cb->end_seq = seq;
	cb->flags &= ~XNET_SEG_EOR;
	return true;
}

/*
 * Keep a segment that starts after rcv_nxt, as tcp_data_queue_ofo():
 * no byte is held twice, nothing beyond the peer's FIN. Consumes skb.
 */
static void xnet_conn_ooo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	struct xnet_conn *c = xnet_conn(sk);
	struct xnet_seg_cb *cb = XNET_SEG_CB(skb), *pcb;
	struct rb_node **p = &c->ooo_q.rb_node, *parent = NULL;
	struct sk_buff *pos, *prev = NULL, *last;

	c->ooo_last = cb->seq;	/* its range is SACKed first */
	if (xnet_mem_under_pressure(sk)) {
		/* the peer will send it again once the hole is filled */
		xnet_drop(xn, skb, XNET_MIB_MEM_PRESSURE_DROPS);
		goto free;
	}
	if ((s64)atomic_read(&sk->sk_rmem_alloc) + skb->truesize >
	    READ_ONCE(sk->sk_rcvbuf)) {
		xnet_inc_stat(xn, XNET_MIB_IN_BUFFER_ERRORS);
		goto free;
	}

	/* the peer's FIN ends the sequence space: nothing held beyond it */
	if (xnet_ooo_beyond_fin(c, skb)) {
		xnet_drop(xn, skb, XNET_MIB_IN_STATE_DROPS);
		goto free;
	}
	last = skb_rb_last(&c->ooo_q);
	while ((cb->flags & XNET_SEG_FIN) && last &&
	       xnet_after(xnet_seg_data_end(last), xnet_seg_data_end(skb))) {
		pos = last;
		last = skb_rb_prev(last);
		xnet_ooo_unlink(c, pos);
		kfree_skb(pos);
	}

	/* the last segment starting at or before ours: it may cover us */
	while (*p) {
		parent = *p;
		pos = rb_to_skb(parent);
		if (xnet_before(cb->seq, XNET_SEG_CB(pos)->seq)) {
			p = &parent->rb_left;
		} else {
			prev = pos;
			p = &parent->rb_right;
		}
	}
	if (prev) {
		pcb = XNET_SEG_CB(prev);
		if (!xnet_after(cb->end_seq, pcb->end_seq))
			goto free;		/* all held already */
		if (xnet_after(pcb->end_seq, cb->seq)) {
			/* held up to pcb->end_seq: the reader skips that */
			cb->off += pcb->end_seq - cb->seq;
			cb->seq = pcb->end_seq;
		}
	}
	/* a segment after ours that goes on past our end: stop before it */
	pos = prev ? skb_rb_next(prev) : skb_rb_first(&c->ooo_q);
	for (; pos && xnet_before(XNET_SEG_CB(pos)->seq, cb->end_seq);
	     pos = skb_rb_next(pos)) {
		pcb = XNET_SEG_CB(pos);
		if (!xnet_after(pcb->end_seq, cb->end_seq))
			continue;		/* covered by ours: goes below */
		if (pcb->seq == cb->seq || !xnet_ooo_trim_tail(skb, pcb->seq))
			goto free;
		break;
	}
	if (!xnet_rmem_charge(sk, skb))
		goto free;
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &c->ooo_q);

	/* the segments ours covers entirely go */
	while ((pos = skb_rb_next(skb)) &&
	       !xnet_after(XNET_SEG_CB(pos)->end_seq, cb->end_seq)) {
		xnet_ooo_unlink(c, pos);
		kfree_skb(pos);
	}
	return;
free:
	kfree_skb(skb);
}

/* Free the out-of-order queue. Socket lock held, or the socket unused. */
void xnet_conn_ooo_purge(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *skb;

	while ((skb = skb_rb_first(&c->ooo_q))) {
		xnet_ooo_unlink(c, skb);
		kfree_skb(skb);
	}
}

/* Move segments that became in order from the out-of-order queue. */
static void xnet_conn_ooo_drain(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *skb;

	while ((skb = skb_rb_first(&c->ooo_q))) {
		struct xnet_seg_cb *cb = XNET_SEG_CB(skb);

		if (xnet_after(cb->seq, c->rcv_nxt))
			break;
		xnet_ooo_unlink(c, skb);
		if (!xnet_after(cb->end_seq, c->rcv_nxt)) {
			kfree_skb(skb);
			continue;
		}
		/* keeps its charge: moving it cannot fail */
		xnet_conn_queue_in_order(sk, skb, true);
	}
}

/* Data or FIN in a synchronized state. Consumes skb. */
static void xnet_conn_data(struct sock *sk, struct sk_buff *skb)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct xnet_seg_cb *cb = XNET_SEG_CB(skb);
	bool had_ooo = !RB_EMPTY_ROOT(&c->ooo_q);
	u32 len = xnet_seg_len(skb);

	if (!len && !(cb->flags & XNET_SEG_FIN)) {
		kfree_skb(skb);
		return;
	}
	if (sk->sk_state != XNET_STATE_ESTABLISHED &&
	    sk->sk_state != XNET_STATE_FIN_WAIT1 &&
	    sk->sk_state != XNET_STATE_FIN_WAIT2) {
		/* after the peer's FIN */
		xnet_drop(xnet_pernet(sock_net(sk)), skb,
			  XNET_MIB_IN_STATE_DROPS);
		kfree_skb(skb);
		return;
	}
	if (len && sock_flag(sk, SOCK_DEAD) && !c->unowned) {
		/* data for a closed socket: nobody will read it */
		xnet_drop(xnet_pernet(sock_net(sk)), skb,
			  XNET_MIB_IN_STATE_DROPS);
		kfree_skb(skb);
		xnet_conn_send_rst(sk);
		xnet_conn_done(sk);
		return;
	}
	if (xnet_after(cb->seq, c->rcv_nxt)) {
		xnet_conn_ooo_insert(sk, skb);
		xnet_conn_send_ack(sk);		/* duplicate ACK with SACK */
		return;
	}
	if (xnet_ooo_beyond_fin(c, skb)) {
		/* data past the FIN the peer already sent */
		xnet_drop(xnet_pernet(sock_net(sk)), skb,
			  XNET_MIB_IN_STATE_DROPS);
		kfree_skb(skb);
		return;
	}
	if (!xnet_conn_queue_in_order(sk, skb, false)) {
		xnet_drop(xnet_pernet(sock_net(sk)), skb,
			  XNET_MIB_IN_BUFFER_ERRORS);
		kfree_skb(skb);
		xnet_conn_send_ack(sk);
		return;
	}
	xnet_conn_ooo_drain(sk);
	if (sk->sk_state == XNET_STATE_CLOSED)
		return;
	if (had_ooo)
		xnet_conn_send_ack(sk);
	else if (len)
		xnet_conn_data_rcvd(sk, len);
	if (len && !sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
}

/*
 * Whether a segment falls in the receive window: [rcv_nxt, rcv_nxt +
 * the last window advertised). That end is never before the furthest
 * right edge advertised (rcv_right), because output.c never advertises a
 * window that moves it back: what the peer may have sent stays
 * acceptable, its ACKs included.
 */
static bool xnet_conn_seq_ok(const struct xnet_conn *c, u32 seq, u32 len)
{
	u32 end = c->rcv_nxt + max(c->rcv_wnd, 1U);

	if (!len)
		return !xnet_before(seq, c->rcv_nxt) && xnet_before(seq, end);
	return xnet_before(seq, end) && xnet_after(seq + len, c->rcv_nxt);
}

static void xnet_conn_our_fin_acked(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	if (!c->fin_queued || c->snd_una != c->write_seq)
		return;
	switch (sk->sk_state) {
	case XNET_STATE_FIN_WAIT1:
		xnet_conn_set_state(sk, XNET_STATE_FIN_WAIT2);
		if (sock_flag(sk, SOCK_DEAD))
			xnet_conn_reset_linger_timer(sk,
						     xnet_conn_fin_timeout());
		sk->sk_state_change(sk);
		break;
	case XNET_STATE_CLOSING:
		xnet_conn_time_wait(sk);
		break;
	case XNET_STATE_LAST_ACK:
		xnet_conn_done(sk);
		break;
	}
}

static void xnet_conn_synsent(struct sock *sk, struct sk_buff *skb, u16 flags,
			      u32 seq, u32 ack, u32 wnd)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	struct xnet_conn *c = xnet_conn(sk);

	if ((flags & XNET_SEG_ACK) && ack != c->iss + 1) {
		xnet_drop(xn, skb, XNET_MIB_IN_STATE_DROPS);
		if (!(flags & XNET_SEG_RST))
			xnet_send_reset(xn, skb);
		return;
	}
	if (flags & XNET_SEG_RST) {
		if (flags & XNET_SEG_ACK) {
			xnet_inc_stat(xn, XNET_MIB_ATTEMPT_FAILS);
			xnet_inc_stat(xn, XNET_MIB_IN_RSTS);
			xnet_conn_abort(sk, ECONNREFUSED);
		} else {
			xnet_drop(xn, skb, XNET_MIB_IN_STATE_DROPS);
		}
		return;
	}
	if (!(flags & XNET_SEG_SYN) || !(flags & XNET_SEG_ACK)) {
		/* no simultaneous open */
		xnet_drop(xn, skb, XNET_MIB_IN_STATE_DROPS);
		return;
	}
	c->irs = seq;
	c->rcv_nxt = seq + 1;
	c->rcv_right = c->rcv_nxt;
	c->max_wnd = min_t(u32, wnd, XNET_SND_WND_MAX);
	xnet_conn_set_state(sk, XNET_STATE_ESTABLISHED);
	c->was_connected = 1;
	xnet_conn_ack_rcvd(sk, ack, wnd, NULL, 0);
	xnet_conn_send_ack(sk);
	sk->sk_state_change(sk);
	sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	xnet_conn_push(sk);
}

/*
 * An ACK in answer to a segment a blind attacker may have sent (out of
 * the window, a challenge): rate-limited per connection and per netns.
 */
static void xnet_conn_send_oow_ack(struct sock *sk, bool probe)
{
	struct xnet_conn *c = xnet_conn(sk);

	if (xnet_rl_oow_allow(xnet_pernet(sock_net(sk)), &c->last_oow_ack,
			      !probe))
		xnet_conn_send_ack(sk);
}

/*
 * RFC 5961 section 5.2: an acceptable ACK lies in
 * [snd_una - max_wnd, snd_nxt]; anything else was not sent by the peer
 * (or is very old) and only earns a challenge ACK.
 */
static bool xnet_conn_ack_ok(const struct xnet_conn *c, u32 ack)
{
	return !xnet_after(ack, c->snd_nxt) &&
	       !xnet_before(ack, c->snd_una - c->max_wnd);
}

/*
 * A segment in the window with an acceptable ACK: the peer is alive
 * (keepalive and the persist timer's count of unanswered probes). Blind
 * frames never get here, so a stranger who knows only the 4-tuple cannot
 * keep a dead peer's connection probing forever.
 */
static void xnet_conn_peer_alive(struct xnet_conn *c)
{
	c->last_rx = jiffies;
	c->ka_probes = 0;
}

/* One segment for a connection; socket lock held. Consumes skb. */
static void xnet_conn_process(struct sock *sk, struct sk_buff *skb)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	struct xnet_conn *c = xnet_conn(sk);
	const struct xnethdr *xh = xnet_hdr(skb);
	const struct xnet_seghdr *sh = (const void *)(xh + 1);
	struct xnet_sack_block sack[XNET_MAX_SACK];
	u16 flags = ntohs(sh->flags);
	u32 seq = ntohl(sh->seq), ack = ntohl(sh->ack), wnd = ntohl(sh->wnd);
	int nsack = sh->nsack;
	u32 len;

	memcpy(sack, sh + 1, nsack * sizeof(sack[0]));
	if (flags & XNET_SEG_SYN)
		xnet_conn_peer_mss(c, xnet_syn_mss(xh));
	__skb_pull(skb, XNET_CONN_HLEN + nsack * sizeof(sack[0]) +
		   ((flags & XNET_SEG_SYN) ? XNET_SYN_OPTLEN : 0));
	len = skb->len;
	XNET_SEG_CB(skb)->seq = seq;
	XNET_SEG_CB(skb)->end_seq = seq + len + !!(flags & XNET_SEG_FIN);
	XNET_SEG_CB(skb)->flags = flags;
	XNET_SEG_CB(skb)->off = 0;
	c->segs_in += xnet_frame_segs(skb);

	switch (sk->sk_state) {
	case XNET_STATE_CLOSED:
	case XNET_STATE_LISTEN:
		xnet_drop(xn, skb, XNET_MIB_IN_STATE_DROPS);
		goto drop;
	case XNET_STATE_SYN_SENT:
		xnet_conn_synsent(sk, skb, flags, seq, ack, wnd);
		goto drop;
	}

	if (!xnet_conn_seq_ok(c, seq, len + !!(flags & XNET_SEG_FIN))) {
		xnet_drop(xn, skb, XNET_MIB_IN_OUT_OF_WINDOW);
		if (sk->sk_state == XNET_STATE_SYN_RECV &&
		    (flags & XNET_SEG_SYN) && seq == c->irs) {
			/* our SYN+ACK was lost: send it again (or spoofed) */
			if (skb_peek(&sk->sk_write_queue) &&
			    xnet_rl_oow_allow(xn, &c->last_oow_ack, true))
				xnet_conn_retransmit(sk,
						     skb_peek(&sk->sk_write_queue),
						     false);
			goto drop;
		}
		/*
		 * As TCP (tcp_oow_rate_limited()): only answers to segments
		 * without data can loop (two ends answering each other's
		 * ACKs), so those are rate-limited; a retransmission of data
		 * already received is always answered, its ACK may be lost.
		 */
		if (len && !(flags & (XNET_SEG_SYN | XNET_SEG_RST)))
			xnet_conn_send_ack(sk);
		else if (!(flags & XNET_SEG_RST))
			/* a keepalive or zero-window probe: seq rcv_nxt - 1 */
			xnet_conn_send_oow_ack(sk, seq == c->rcv_nxt - 1 &&
					       !len && !(flags & ~XNET_SEG_ACK));
		goto drop;
	}
	if (flags & XNET_SEG_RST) {
		if (seq != c->rcv_nxt) {
			xnet_drop(xn, skb, XNET_MIB_IN_CHALLENGE_ACKS);
			xnet_conn_send_oow_ack(sk, false);
			goto drop;
		}
		if (sk->sk_state == XNET_STATE_TIME_WAIT) {
			/*
			 * RFC 1337: a reset does not end TIME_WAIT. It is
			 * typically the peer's answer to a late duplicate of
			 * ours after it forgot the connection; taking it would
			 * turn the end of file a reader has not read yet into
			 * ECONNRESET (TCP's reader never sees it: its socket
			 * has left TIME_WAIT to a separate timewait sock).
			 */
			xnet_drop(xn, skb, XNET_MIB_IN_STATE_DROPS);
			goto drop;
		}
		xnet_inc_stat(xn, XNET_MIB_IN_RSTS);
		if (sk->sk_state == XNET_STATE_SYN_RECV) {
			xnet_conn_done(sk);
			goto drop;
		}
		if (sk->sk_state == XNET_STATE_ESTABLISHED ||
		    sk->sk_state == XNET_STATE_CLOSE_WAIT)
			xnet_inc_stat(xn, XNET_MIB_ESTAB_RESETS);
		xnet_conn_abort(sk, sk->sk_state == XNET_STATE_CLOSE_WAIT ?
				    EPIPE : ECONNRESET);
		goto drop;
	}
	if (flags & XNET_SEG_SYN) {
		xnet_drop(xn, skb, XNET_MIB_IN_CHALLENGE_ACKS);
		xnet_conn_send_oow_ack(sk, false);
		goto drop;
	}
	if (!(flags & XNET_SEG_ACK)) {
		xnet_drop(xn, skb, XNET_MIB_IN_STATE_DROPS);
		goto drop;
	}

	if (sk->sk_state == XNET_STATE_SYN_RECV) {
		if (ack != c->iss + 1) {
			xnet_drop(xn, skb, XNET_MIB_IN_STATE_DROPS);
			xnet_send_reset(xn, skb);
			goto drop;
		}
		c->max_wnd = max(c->max_wnd, min_t(u32, wnd, XNET_SND_WND_MAX));
		xnet_conn_peer_alive(c);
		xnet_conn_ack_rcvd(sk, ack, wnd, NULL, 0);
		xnet_conn_set_state(sk, XNET_STATE_ESTABLISHED);
		c->was_connected = 1;
		if (!xnet_conn_to_accept_queue(sk)) {
			xnet_conn_send_rst(sk);
			xnet_conn_done(sk);
			goto drop;
		}
		xnet_inc_stat(xn, XNET_MIB_PASSIVE_OPENS);
	} else {
		if (!xnet_conn_ack_ok(c, ack)) {
			/* data never sent, or too old (RFC 5961 5.2) */
			xnet_drop(xn, skb, XNET_MIB_IN_CHALLENGE_ACKS);
			xnet_conn_send_oow_ack(sk, false);
			goto drop;
		}
		c->max_wnd = max(c->max_wnd, min_t(u32, wnd, XNET_SND_WND_MAX));
		xnet_conn_peer_alive(c);
		xnet_conn_ack_rcvd(sk, ack, wnd, sack, nsack);
		xnet_conn_our_fin_acked(sk);
		if (sk->sk_state == XNET_STATE_CLOSED)
			goto drop;
	}

	if (sk->sk_state == XNET_STATE_TIME_WAIT) {
		if (len)
			xnet_drop(xn, skb, XNET_MIB_IN_STATE_DROPS);
		if (flags & XNET_SEG_FIN)
			xnet_conn_send_ack(sk);	/* our last ACK was lost */
		goto drop;
	}
	xnet_conn_data(sk, skb);
	if (sk->sk_state != XNET_STATE_CLOSED)
		xnet_conn_push(sk);
	return;
drop:
	kfree_skb(skb);
}

int xnet_conn_backlog_rcv(struct sock *sk, struct sk_buff *skb)
{
	/* an error report about this connection waited too (error.c) */
	if (xnet_hdr(skb)->type == XNET_T_ERROR) {
		xnet_error_conn_rcv(sk, skb);
		return 0;
	}
	xnet_conn_process(sk, skb);
	return 0;
}

/*
 * Validate the segment header and make it linear (with its SACK blocks
 * and a SYN's option block); false for a malformed segment. The payload
 * may stay in fragments.
 */
static bool xnet_seg_valid(struct sk_buff *skb)
{
	const struct xnet_seghdr *sh;
	unsigned int hlen;
	u16 flags;

	if (!pskb_may_pull(skb, XNET_CONN_HLEN))
		return false;
	sh = (const void *)(xnet_hdr(skb) + 1);
	flags = ntohs(sh->flags);
	if (sh->nsack > XNET_MAX_SACK || sh->resv ||
	    (flags & ~XNET_SEG_FLAGS))
		return false;
	hlen = XNET_CONN_HLEN + sh->nsack * sizeof(struct xnet_sack_block);
	if ((flags & XNET_SEG_SYN) &&
	    (flags & (XNET_SEG_FIN | XNET_SEG_RST | XNET_SEG_EOR)))
		return false;
	if (flags & XNET_SEG_SYN) {
		hlen += XNET_SYN_OPTLEN;
		if (skb->len != hlen)
			return false;	/* its option block, no data */
	}
	return pskb_may_pull(skb, hlen);
}

/*
 * Hand @skb to the connection @sk, whose reference it consumes: at once
 * with @process if no user holds the socket, else on its backlog
 * (bounded by rcvbuf + sndbuf, as TCP's), to be processed at
 * release_sock(). Consumes @skb. Softirq, under RCU.
 */
void xnet_conn_deliver(struct xnet_net *xn, struct sock *sk,
		       struct sk_buff *skb,
		       void (*process)(struct sock *sk, struct sk_buff *skb))
{
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk)) {
		process(sk, skb);
	} else {
		/* both may be near INT_MAX: no int overflow in the sum */
		u64 limit = (u64)(u32)READ_ONCE(sk->sk_rcvbuf) +
			    (u32)READ_ONCE(sk->sk_sndbuf);

		/* the device may go before release_sock() (skb_iif stays) */
		skb->dev = NULL;
		if (sk_add_backlog(sk, skb, min_t(u64, limit, UINT_MAX))) {
			xnet_drop(xn, skb, XNET_MIB_IN_BUFFER_ERRORS);
			kfree_skb(skb);
		}
	}
	bh_unlock_sock(sk);
	sock_put(sk);
}

/*
 * A validated STREAM/SEQPACKET frame, skb->data at the xnet header.
 * Softirq, under RCU. Consumes skb.
 */
void xnet_conn_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		   struct sk_buff *skb)
{
	const struct xnethdr *xh;
	const struct xnet_seghdr *sh;
	struct sock *sk;

	/* no socket keeps a local sender's MSG_ZEROCOPY pages (zerocopy.c) */
	if (unlikely(xnet_zc_orphan_rx(skb))) {
		xnet_drop(xn, skb, XNET_MIB_IN_BUFFER_ERRORS);
		goto drop;
	}
	if (!xnet_seg_valid(skb)) {
		xnet_drop(xn, skb, XNET_MIB_IN_MALFORMED);
		goto drop;
	}
	xh = xnet_hdr(skb);	/* after the pull */
	if (!xh->sport || !xh->dport ||
	    xh->daddr == htonl(XNET_ADDR_BROADCAST)) {
		xnet_drop(xn, skb, XNET_MIB_IN_BAD_PORT);
		goto drop;
	}
	/* a large frame (offload.c) counts its segments, as TCP's do */
	xnet_add_stat(xn, XNET_MIB_IN_SEGS, xnet_frame_segs(skb));
	sh = (const void *)(xh + 1);

	sk = xnet_conn_lookup_rcu(xn->net, xh->type, xh->daddr, xh->dport,
				  xh->saddr, xh->sport);
	if (!sk) {
		u16 flags = ntohs(sh->flags);

		if ((flags & (XNET_SEG_SYN | XNET_SEG_ACK)) == XNET_SEG_SYN) {
			sk = xnet_listener_lookup_rcu(xn, xdev, xh);
			if (sk) {
				xnet_conn_syn(xn, sk, skb);
				goto drop;
			}
		}
		if ((flags & (XNET_SEG_SYN | XNET_SEG_ACK | XNET_SEG_RST)) ==
		    XNET_SEG_ACK) {
			sk = xnet_listener_lookup_rcu(xn, xdev, xh);
			if (sk && xnet_conn_cookie_ack(xn, sk, skb))
				return;
		}
		xnet_drop(xn, skb, XNET_MIB_IN_NO_SOCKET);
		xnet_send_reset(xn, skb);
		goto drop;
	}

	xnet_conn_deliver(xn, sk, skb, xnet_conn_process);
	return;
drop:
	kfree_skb(skb);
}

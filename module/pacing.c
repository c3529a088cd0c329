// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: pacing. SO_MAX_PACING_RATE caps every socket type; congestion
 * control sets a connection's sk_pacing_rate from cwnd/srtt as TCP does
 * (200% of cwnd * mss / srtt in slow start, 120% after), capped by
 * SO_MAX_PACING_RATE. Rates are bytes of frame (xnet header and payload)
 * a second.
 *
 * How a socket is paced follows sk_pacing_status, as TCP:
 *  - SK_PACING_NONE (no SO_MAX_PACING_RATE, no fq seen): not at all;
 *    frames leave as the windows allow, as TCP's do without fq.
 *  - SK_PACING_FQ (sch_fq saw our frames: connection data frames carry
 *    skb->sk for it): every frame gets its earliest departure time
 *    (EDT) in skb->tstamp and leaves at once; fq holds it until then.
 *    A connection stamps at most XNET_PACE_AHEAD_NS ahead and waits for
 *    the timer beyond, so fq holds a few of its frames, not a window.
 *    With fq the default rate from congestion control applies too: that
 *    keeps bursts off the link after idle and in recovery. fq reads
 *    sk_state with TCP's numbers: a datagram socket's stays TCP_CLOSE
 *    (sock_init_data()), which fq takes for an unconnected UDP socket
 *    (a flow per hash, never SK_PACING_FQ), so datagrams are always
 *    paced here; a connection's LAST_ACK is TCP_LISTEN's number (fq
 *    orphans those frames), CLOSING TCP_CLOSE's; no state of ours is
 *    TCP_NEW_SYN_RECV's (sk_to_full_sk() would misread the socket).
 *  - SK_PACING_NEEDED (SO_MAX_PACING_RATE set, no fq): xnet paces
 *    itself. A connection's push sends a frame only when its time has
 *    come, frames about 1 ms of the rate (at least two segments, as
 *    tcp_tso_autosize()), and arms the pacer's hrtimer for the next
 *    departure; a datagram waits on the pacer's queue, charged to
 *    sk_wmem_alloc (the send buffer bounds it and makes sendmsg block
 *    or return EAGAIN, and poll follow), and the timer sends it.
 * A socket held back catches up on a late timer (XNET_PACE_CATCHUP_NS);
 * one that was idle sends at most XNET_PACE_SLACK_NS of the rate at once.
 *
 * Context and locking: a connection's pacer state (next_ns) is under the
 * socket lock, owner or bh_lock_sock(): the push path, the ACK path and
 * xnet_conn_done() run with it. The timer runs in softirq (a soft,
 * pinned hrtimer) and takes bh_lock_sock(); if the user owns the
 * socket it sets XNET_PACE_DEFERRED, which the proto's release_cb
 * (xnet_pacing_release_cb(), from release_sock() with the socket still
 * owned and its spinlock held) acts on: no busy retry. A datagram
 * socket's pacer (next_ns, q) is under q.lock with BHs off: sendmsg
 * runs unlocked. A queued timer holds a socket reference, dropped by
 * the handler or by whoever cancels it; xnet_conn_done() and the
 * datagram release cancel it (a handler already running on another CPU
 * finds the connection CLOSED or the queue empty and does nothing), so
 * nothing is left when the socket is destroyed and the module's
 * sockets (each pinning it) are gone before it unloads.
 */
#include <linux/hrtimer.h>
#include <linux/math64.h>

#include "compat.h"
#include "xnet.h"

/* a connection's frames: about 1 ms of the rate (2^-10 s), as TCP */
#define XNET_PACE_SHIFT		10
/*
 * A socket that was not held back (idle, or limited by its windows) may
 * send this much of the rate at once: frames whose time passed up to
 * this long ago leave now.
 */
#define XNET_PACE_SLACK_NS	(4 * NSEC_PER_MSEC)
/*
 * A socket the pacer held back (backlogged) catches up on a late timer
 * (a busy host, a descheduled vCPU) up to this much: the long-run rate
 * holds.
 */
#define XNET_PACE_CATCHUP_NS	(100 * NSEC_PER_MSEC)
/*
 * With fq, frames are stamped at most this far ahead: a connection
 * whose next departure is later waits for the timer, as it would
 * without fq, so that fq holds a few frames of it, not a window's worth
 * (fq drops past 100 packets a flow; TCP bounds it with TSQ).
 */
#define XNET_PACE_AHEAD_NS	(4 * NSEC_PER_MSEC)

enum {
	XNET_PACE_DEFERRED,	/* the timer fired while the user owned it */
	XNET_PACE_BACKLOG,	/* a connection's frame is waiting its time */
	XNET_PACE_RUN,		/* the timer's push (or the deferred one) */
};

enum xnet_pace_mode { XNET_PACE_OFF, XNET_PACE_EDT, XNET_PACE_INTERNAL };

/* Where a queued datagram goes (xnet_output()'s @oif). */
struct xnet_pace_cb {
	int	oif;
};

#define XNET_PACE_CB(skb) ((struct xnet_pace_cb *)(skb)->cb)

static struct xnet_pacer *xnet_pacer(const struct sock *sk)
{
	return &xnet_sk(sk)->pacer;
}

/* The rate @sk is held to, bytes/s; ~0UL: none. Any context. */
static unsigned long xnet_pace_rate(const struct sock *sk)
{
	unsigned long max = READ_ONCE(sk->sk_max_pacing_rate);

	/* datagrams: the cap alone (sk_pacing_rate only ever falls) */
	if (sk->sk_type == SOCK_DGRAM)
		return max;
	return min(READ_ONCE(sk->sk_pacing_rate), max);
}

static enum xnet_pace_mode xnet_pace_mode(const struct sock *sk,
					  unsigned long *rate)
{
	/* pairs with sch_fq's smp_store_release() of SK_PACING_FQ */
	u32 status = smp_load_acquire(&sk->sk_pacing_status);

	if (status == SK_PACING_NONE)
		return XNET_PACE_OFF;
	*rate = xnet_pace_rate(sk);
	if (*rate == ~0UL)
		return XNET_PACE_OFF;
	return status == SK_PACING_FQ ? XNET_PACE_EDT : XNET_PACE_INTERNAL;
}

/*
 * How long @len bytes take at @rate; a rate of 0 (SO_MAX_PACING_RATE 0)
 * lets one frame a second leave, as fq does.
 */
static u64 xnet_pace_len_ns(unsigned int len, unsigned long rate)
{
	if (rate == ~0UL)
		return 0;
	if (!rate)
		return NSEC_PER_SEC;
	return min_t(u64, div64_ul((u64)len * NSEC_PER_SEC, rate),
		     NSEC_PER_SEC);
}

/*
 * Arm the timer for @at unless it is queued already (its time is never
 * later: departures only move forward). It holds a socket reference.
 * Whether it was armed now.
 */
static bool xnet_pace_arm(struct sock *sk, u64 at)
{
	struct xnet_pacer *p = xnet_pacer(sk);

	if (hrtimer_is_queued(&p->timer))
		return false;
	sock_hold(sk);
	hrtimer_start(&p->timer, ns_to_ktime(at),
		      HRTIMER_MODE_ABS_PINNED_SOFT);
	return true;
}

/* Send the datagrams whose time has come. Softirq (the timer). */
static void xnet_pace_dgram_run(struct sock *sk)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	struct xnet_pacer *p = xnet_pacer(sk);
	unsigned long rate = xnet_pace_rate(sk);
	struct sk_buff_head send;
	struct sk_buff *skb;
	u64 now;

	__skb_queue_head_init(&send);
	spin_lock(&p->q.lock);
	now = ktime_get_ns();
	/* the queue's datagrams were held back: they catch up */
	while ((skb = skb_peek(&p->q)) && p->next_ns <= now) {
		__skb_unlink(skb, &p->q);
		p->next_ns = max(p->next_ns, now - XNET_PACE_CATCHUP_NS) +
			     xnet_pace_len_ns(skb->len, rate);
		__skb_queue_tail(&send, skb);
	}
	if (!skb_queue_empty(&p->q))
		xnet_pace_arm(sk, p->next_ns);
	spin_unlock(&p->q.lock);
	while ((skb = __skb_dequeue(&send)))
		xnet_output(xn, skb, XNET_PACE_CB(skb)->oif);
}

/* The pacer's own push (timer or deferred). Socket lock held. */
static void xnet_pace_push(struct sock *sk)
{
	struct xnet_pacer *p = xnet_pacer(sk);

	set_bit(XNET_PACE_RUN, &p->flags);
	xnet_conn_push(sk);
	clear_bit(XNET_PACE_RUN, &p->flags);
}

static enum hrtimer_restart xnet_pace_timer(struct hrtimer *t)
{
	struct xnet_pacer *p = container_of(t, struct xnet_pacer, timer);
	struct sock *sk = &container_of(p, struct xnet_sock, pacer)->sk;

	if (sk->sk_type == SOCK_DGRAM) {
		xnet_pace_dgram_run(sk);
	} else {
		bh_lock_sock(sk);
		if (sock_owned_by_user(sk))
			set_bit(XNET_PACE_DEFERRED, &p->flags);
		else if (sk->sk_state != XNET_STATE_CLOSED)
			xnet_pace_push(sk);
		bh_unlock_sock(sk);
	}
	sock_put(sk);	/* the timer's */
	return HRTIMER_NORESTART;
}

/* A new socket, any type. Process or softirq context (a child). */
void xnet_pacing_init(struct sock *sk)
{
	struct xnet_pacer *p = xnet_pacer(sk);

	hrtimer_init(&p->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_PINNED_SOFT);
	p->timer.function = xnet_pace_timer;
	p->next_ns = 0;
	p->flags = 0;
	skb_queue_head_init(&p->q);
	/*
	 * Connection frames carry skb->sk (for fq) and are charged to
	 * sk_wmem_alloc while they are out; the send buffer is
	 * sk_wmem_queued's: their release need not wake writers.
	 */
	if (sk->sk_type != SOCK_DGRAM)
		sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);
}

/*
 * Stop pacing @sk: cancel the timer and free what waits for it. A
 * connection's xnet_conn_done() (socket lock held, any context): a
 * handler already running finds it CLOSED. A datagram socket's release
 * (process context, no lock): waits for a running handler, which may
 * have armed the timer again before the queue was emptied.
 */
void xnet_pacing_stop(struct sock *sk)
{
	struct xnet_pacer *p = xnet_pacer(sk);
	struct sk_buff_head purge;

	if (sk->sk_type != SOCK_DGRAM) {
		if (hrtimer_try_to_cancel(&p->timer) == 1)
			sock_put(sk);
		return;
	}
	__skb_queue_head_init(&purge);
	spin_lock_bh(&p->q.lock);
	skb_queue_splice_init(&p->q, &purge);
	spin_unlock_bh(&p->q.lock);
	__skb_queue_purge(&purge);
	if (hrtimer_cancel(&p->timer))
		sock_put(sk);
}

/*
 * Congestion control's rate for a connection (as tcp_update_pacing_rate()):
 * cwnd segments a smoothed round trip, 200% of it in slow start (while
 * cwnd is under half of ssthresh), 120% after; capped by
 * SO_MAX_PACING_RATE. Without an RTT sample, the cap. After ACKs and
 * timeouts, socket lock held; sch_fq reads it locklessly.
 */
void xnet_pacing_update_rate(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	u64 rate = ~0ULL;

	if (c->srtt_us) {
		rate = (u64)c->mss * c->cwnd *
		       (c->cwnd < c->ssthresh / 2 ? 200 : 120);
		rate = mul_u64_u64_div_u64(rate, USEC_PER_SEC,
					   100ULL * c->srtt_us);
	}
	WRITE_ONCE(sk->sk_pacing_rate,
		   (unsigned long)min_t(u64, rate,
					READ_ONCE(sk->sk_max_pacing_rate)));
}

/*
 * How many payload bytes a connection's frame may hold now: about 1 ms
 * of the rate in whole segments, at least two, at most a large frame;
 * 0 when the connection is not paced. A backlogged connection whose
 * timer came late sends what is due in the same frame: on a busy host
 * the pacer's frames grow rather than its rate fall. Socket lock held.
 */
u32 xnet_pacing_goal(struct sock *sk)
{
	struct xnet_pacer *p = xnet_pacer(sk);
	struct xnet_conn *c = xnet_conn(sk);
	u32 goal = xnet_conn_size_goal(c);
	unsigned long rate;
	u64 bytes, now;

	if (xnet_pace_mode(sk, &rate) == XNET_PACE_OFF)
		return 0;
	bytes = max_t(u64, rate >> XNET_PACE_SHIFT, 2 * c->mss);
	now = ktime_get_ns();
	if (test_bit(XNET_PACE_BACKLOG, &p->flags) && p->next_ns < now)
		bytes += mul_u64_u64_div_u64(min_t(u64, now - p->next_ns,
						   XNET_PACE_CATCHUP_NS),
					     rate, NSEC_PER_SEC);
	return min_t(u64, rounddown(bytes, c->mss), goal);
}

/*
 * Whether the connection's next frame must wait: its time has not come
 * (internal pacing), or is too far ahead to stamp it (fq). If so the
 * timer is armed (counted in PacingDelays once per wait) and the
 * connection is backlogged until a push ends without waiting
 * (xnet_pacing_unheld()). Socket lock held.
 */
bool xnet_pacing_hold(struct sock *sk)
{
	struct xnet_pacer *p = xnet_pacer(sk);
	enum xnet_pace_mode mode;
	unsigned long rate;
	u64 at;

	mode = xnet_pace_mode(sk, &rate);
	if (mode == XNET_PACE_OFF)
		return false;
	/*
	 * A backlogged connection's frames leave from the timer alone
	 * while it is armed: from one CPU (it is pinned and rearms itself),
	 * in order. Frames sent from an ACK's or a sender's CPU as well
	 * would reach the peer through other CPUs' backlogs (veth), out
	 * of order now and then, which it takes for losses.
	 */
	if (test_bit(XNET_PACE_BACKLOG, &p->flags) &&
	    !test_bit(XNET_PACE_RUN, &p->flags) &&
	    hrtimer_is_queued(&p->timer))
		return true;
	at = p->next_ns;
	if (mode == XNET_PACE_EDT)
		at = at > XNET_PACE_AHEAD_NS ? at - XNET_PACE_AHEAD_NS : 0;
	if (at <= ktime_get_ns())
		return false;
	set_bit(XNET_PACE_BACKLOG, &p->flags);
	if (xnet_pace_arm(sk, at))
		xnet_inc_stat(xnet_pernet(sock_net(sk)),
			      XNET_MIB_PACING_DELAYS);
	return true;
}

/*
 * A push of the connection ended without waiting for the pacer: it is
 * no longer backlogged (after idle, only XNET_PACE_SLACK_NS of the rate
 * leaves at once). Socket lock held.
 */
void xnet_pacing_unheld(struct sock *sk)
{
	struct xnet_pacer *p = xnet_pacer(sk);

	if (test_bit(XNET_PACE_BACKLOG, &p->flags))
		clear_bit(XNET_PACE_BACKLOG, &p->flags);
}

/*
 * The connection's data frame @skb (a first transmission or not) is
 * about to leave: owned by @sk, so that fq sees the socket (and sets
 * SK_PACING_FQ); with fq, stamped with its departure time; the next
 * frame's time moves on by this one's length at the rate. Socket lock
 * held.
 */
void xnet_pacing_sent(struct sock *sk, struct sk_buff *skb)
{
	struct xnet_pacer *p = xnet_pacer(sk);
	enum xnet_pace_mode mode;
	unsigned long rate;
	u64 now, t;

	skb_set_owner_w(skb, sk);
	mode = xnet_pace_mode(sk, &rate);
	if (mode == XNET_PACE_OFF)
		return;
	now = ktime_get_ns();
	if (test_bit(XNET_PACE_BACKLOG, &p->flags))
		t = max(p->next_ns, now - XNET_PACE_CATCHUP_NS);
	else if (mode == XNET_PACE_EDT)
		t = max(p->next_ns, now);
	else
		t = max(p->next_ns, now - XNET_PACE_SLACK_NS);
	if (mode == XNET_PACE_EDT)
		skb_set_delivery_time(skb, ns_to_ktime(max(t, now)),
				      XNET_TSTAMP_MONO);
	p->next_ns = t + xnet_pace_len_ns(skb->len, rate);
}

/*
 * release_sock() of a connection (the proto's release_cb): the timer
 * fired while the user owned the socket. Socket still owned, its
 * spinlock held, BHs off.
 */
void xnet_pacing_release_cb(struct sock *sk)
{
	struct xnet_pacer *p = xnet_pacer(sk);

	if (likely(!test_bit(XNET_PACE_DEFERRED, &p->flags)) ||
	    !test_and_clear_bit(XNET_PACE_DEFERRED, &p->flags))
		return;
	if (sk->sk_state != XNET_STATE_CLOSED)
		xnet_pace_push(sk);
}

/*
 * XNET_INFO: the rate the pacer holds the socket to (~0: not paced) and
 * SO_MAX_PACING_RATE (~0: unlimited). Socket lock held.
 */
void xnet_pacing_fill_info(struct sock *sk, struct xnet_info *info)
{
	unsigned long max = READ_ONCE(sk->sk_max_pacing_rate);
	unsigned long rate;

	if (xnet_pace_mode(sk, &rate) == XNET_PACE_OFF)
		info->xi_pacing_rate = ~0ULL;
	else
		info->xi_pacing_rate = rate;
	info->xi_max_pacing_rate = max == ~0UL ? ~0ULL : max;
}

/*
 * sendmsg of a datagram socket: send @skb (owned by @sk, charged to its
 * send buffer) now, stamped with its departure time under fq, or queue
 * it until its time comes. xnet_output()'s verdict, or 0 if queued.
 * Process context, no lock held.
 */
int xnet_pacing_dgram_xmit(struct xnet_net *xn, struct sock *sk,
			   struct sk_buff *skb, int oif)
{
	struct xnet_pacer *p = xnet_pacer(sk);
	enum xnet_pace_mode mode;
	unsigned long rate;
	u64 now, t, len_ns;

	mode = xnet_pace_mode(sk, &rate);
	if (mode == XNET_PACE_OFF)
		return xnet_output(xn, skb, oif);
	len_ns = xnet_pace_len_ns(skb->len, rate);
	spin_lock_bh(&p->q.lock);
	now = ktime_get_ns();
	if (mode == XNET_PACE_EDT) {
		t = max(p->next_ns, now);
		p->next_ns = t + len_ns;
		spin_unlock_bh(&p->q.lock);
		skb_set_delivery_time(skb, ns_to_ktime(t), XNET_TSTAMP_MONO);
		return xnet_output(xn, skb, oif);
	}
	if (skb_queue_empty(&p->q) && p->next_ns <= now) {
		p->next_ns = max(p->next_ns, now - XNET_PACE_SLACK_NS) + len_ns;
		spin_unlock_bh(&p->q.lock);
		return xnet_output(xn, skb, oif);
	}
	XNET_PACE_CB(skb)->oif = oif;
	__skb_queue_tail(&p->q, skb);
	xnet_pace_arm(sk, p->next_ns);
	spin_unlock_bh(&p->q.lock);
	xnet_inc_stat(xn, XNET_MIB_PACING_DELAYS);
	return 0;
}

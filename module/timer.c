// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: connection timers: retransmission (RFC 6298 RTO with backoff,
 * also SYN retries and zero-window probes), delayed ACK, and one timer
 * for keepalive, FIN_WAIT2 of orphans and TIME_WAIT.
 *
 * Context: handlers run in softirq (timer) context. Each pending timer
 * holds a socket reference (sk_reset_timer/sk_stop_timer). A handler
 * takes bh_lock_sock(); if the user owns the socket it retries a moment
 * later rather than touch the socket. xnet_conn_done() stops all timers;
 * a handler already running sees the CLOSED state and does nothing.
 */
#include "xnet.h"

#define XNET_RTO_MIN_US		(200 * USEC_PER_MSEC)
#define XNET_RTO_MAX_US		(60 * USEC_PER_SEC)
#define XNET_SYN_RETRIES	5
#define XNET_DATA_RETRIES	12
#define XNET_ORPHAN_RETRIES	6
#define XNET_FIN_TIMEOUT	(10 * HZ)
#define XNET_DELACK		max_t(unsigned long, msecs_to_jiffies(20), 1)
#define XNET_BUSY_RETRY		max_t(unsigned long, HZ / 50, 1)

void xnet_conn_rtt_sample(struct sock *sk, u32 rtt_us)
{
	struct xnet_conn *c = xnet_conn(sk);
	u32 rto;

	rtt_us = max(rtt_us, 1U);
	if (!c->srtt_us) {
		c->srtt_us = rtt_us;
		c->rttvar_us = rtt_us / 2;
	} else {
		u32 delta = c->srtt_us > rtt_us ? c->srtt_us - rtt_us
						: rtt_us - c->srtt_us;

		c->rttvar_us = (3 * c->rttvar_us + delta) / 4;
		c->srtt_us = (7 * c->srtt_us + rtt_us) / 8;
	}
	rto = c->srtt_us + max(4 * c->rttvar_us, 1000U);
	c->rto_us = clamp_t(u32, rto, XNET_RTO_MIN_US, XNET_RTO_MAX_US);
}

static unsigned long xnet_conn_rto_jiffies(const struct xnet_conn *c)
{
	u64 rto = (u64)c->rto_us << min(c->backoff, 10U);

	rto = min_t(u64, rto, XNET_RTO_MAX_US);
	return max_t(unsigned long, usecs_to_jiffies(rto), 1);
}

void xnet_conn_reset_rtx_timer(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	unsigned long when = xnet_conn_rto_jiffies(c), pto;

	/*
	 * Tail loss probe: with data in flight and no loss being repaired,
	 * fire after two round trips and resend the last segment, so that a
	 * lost tail is repaired by the ensuing SACK/ACK rather than an RTO;
	 * in every state that sends, a FIN being the last segment too.
	 */
	c->tlp_armed = 0;
	if (c->srtt_us && !c->in_recovery && !c->retransmits &&
	    c->snd_una != c->snd_nxt &&
	    (sk->sk_state == XNET_STATE_ESTABLISHED ||
	     sk->sk_state == XNET_STATE_CLOSE_WAIT ||
	     sk->sk_state == XNET_STATE_FIN_WAIT1 ||
	     sk->sk_state == XNET_STATE_CLOSING ||
	     sk->sk_state == XNET_STATE_LAST_ACK)) {
		/* two round trips plus the peer's delayed ACK, twice */
		pto = usecs_to_jiffies(2 * c->srtt_us) + 2 * XNET_DELACK;
		if (pto < when) {
			when = pto;
			c->tlp_armed = 1;
		}
	}
	sk_reset_timer(sk, &c->rtx_timer, jiffies + when);
}

/* The tail probe fired: resend the last segment sent, then wait an RTO. */
static void xnet_conn_tail_probe(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *skb, *last = NULL;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == c->send_head)
			break;
		last = skb;
	}
	if (last && !XNET_SEG_CB(last)->sacked)
		xnet_conn_retransmit(sk, last, true);
	if (sk->sk_state != XNET_STATE_CLOSED)	/* an unreachable orphan */
		sk_reset_timer(sk, &c->rtx_timer,
			       jiffies + xnet_conn_rto_jiffies(c));
}

void xnet_conn_schedule_delack(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	if (!timer_pending(&c->delack_timer))
		sk_reset_timer(sk, &c->delack_timer, jiffies + XNET_DELACK);
}

void xnet_conn_reset_ka_timer(struct sock *sk, unsigned long delay)
{
	struct xnet_conn *c = xnet_conn(sk);

	sk_reset_timer(sk, &c->ka_timer, jiffies + max(delay, 1UL));
}

static bool xnet_conn_give_up(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	u32 limit;

	if (sk->sk_state == XNET_STATE_SYN_SENT ||
	    sk->sk_state == XNET_STATE_SYN_RECV)
		limit = XNET_SYN_RETRIES;
	else if (sock_flag(sk, SOCK_DEAD))
		limit = XNET_ORPHAN_RETRIES;
	else
		limit = XNET_DATA_RETRIES;
	if (c->user_timeout_ms && c->rtx_start &&
	    time_after_eq(jiffies, c->rtx_start +
			  msecs_to_jiffies(c->user_timeout_ms)))
		return true;
	return c->retransmits >= limit;
}

static void xnet_conn_rtx_fire(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *head;

	if (sk->sk_state == XNET_STATE_CLOSED ||
	    sk->sk_state == XNET_STATE_LISTEN)
		return;

	if (c->snd_una == c->snd_nxt) {
		if (unlikely(c->fin_pending)) {
			/* our FIN found no memory: try again, backing off */
			if (c->backoff < 10)
				c->backoff++;
			xnet_conn_push(sk);
			if (sk->sk_state != XNET_STATE_CLOSED &&
			    !timer_pending(&c->rtx_timer))
				xnet_conn_reset_rtx_timer(sk);
			return;
		}
		/* nothing in flight: a zero window to probe */
		if (c->send_head && READ_ONCE(c->snd_wnd) < c->send_head->len) {
			xnet_conn_send_probe(sk);
			if (c->backoff < 10)
				c->backoff++;
			xnet_conn_reset_rtx_timer(sk);
		}
		return;
	}

	if (c->tlp_armed) {
		c->tlp_armed = 0;
		xnet_conn_tail_probe(sk);
		return;
	}

	if (xnet_conn_give_up(sk)) {
		int err = READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT;

		if (sk->sk_state == XNET_STATE_SYN_SENT)
			xnet_inc_stat(xnet_pernet(sock_net(sk)),
				      XNET_MIB_ATTEMPT_FAILS);
		if (sk->sk_state != XNET_STATE_SYN_SENT)
			err = ETIMEDOUT;
		xnet_conn_abort(sk, err);
		return;
	}

	xnet_inc_stat(xnet_pernet(sock_net(sk)), XNET_MIB_TIMEOUTS);
	if (!c->rtx_start)
		c->rtx_start = jiffies;
	c->retransmits++;
	if (c->backoff < 10)
		c->backoff++;
	if (sk->sk_state != XNET_STATE_SYN_SENT &&
	    sk->sk_state != XNET_STATE_SYN_RECV) {
		u32 flight = xnet_conn_segs(c, c->snd_nxt - c->snd_una);

		/* RFC 5681: loss detected by timeout */
		c->ssthresh = xnet_cong_ssthresh(c, flight);
		c->cwnd = 1;
		c->cwnd_cnt = 0;
		c->recover = c->snd_nxt;
		c->in_recovery = 1;
		c->rto_loss = 1;	/* all not SACKed is lost (recovery.c) */
		c->dupacks = 0;
	}
	head = skb_peek(&sk->sk_write_queue);
	if (head)
		xnet_conn_retransmit(sk, head, false);
	if (sk->sk_state != XNET_STATE_CLOSED)
		xnet_conn_reset_rtx_timer(sk);
}

static void xnet_conn_rtx_timer(struct timer_list *t)
{
	struct xnet_conn *c = from_timer(c, t, rtx_timer);
	struct sock *sk = &c->xs.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		sk_reset_timer(sk, &c->rtx_timer, jiffies + XNET_BUSY_RETRY);
	else
		xnet_conn_rtx_fire(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

static void xnet_conn_delack_timer(struct timer_list *t)
{
	struct xnet_conn *c = from_timer(c, t, delack_timer);
	struct sock *sk = &c->xs.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		sk_reset_timer(sk, &c->delack_timer, jiffies + XNET_BUSY_RETRY);
	else if (sk->sk_state != XNET_STATE_CLOSED && c->rcv_unacked)
		xnet_conn_send_ack(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

static void xnet_conn_ka_fire(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	unsigned long idle, idle_limit;

	switch (sk->sk_state) {
	case XNET_STATE_TIME_WAIT:
		xnet_conn_done(sk);
		return;
	case XNET_STATE_FIN_WAIT2:
		if (sock_flag(sk, SOCK_DEAD)) {
			xnet_conn_done(sk);
			return;
		}
		break;
	case XNET_STATE_ESTABLISHED:
	case XNET_STATE_CLOSE_WAIT:
		break;
	default:
		return;
	}
	if (!sock_flag(sk, SOCK_KEEPOPEN))
		return;
	idle = jiffies - c->last_rx;
	idle_limit = (unsigned long)c->keepidle * HZ;
	if (idle < idle_limit) {
		xnet_conn_reset_ka_timer(sk, idle_limit - idle);
		return;
	}
	if (c->ka_probes >= c->keepcnt ||
	    (c->user_timeout_ms &&
	     idle >= idle_limit + msecs_to_jiffies(c->user_timeout_ms))) {
		xnet_inc_stat(xnet_pernet(sock_net(sk)), XNET_MIB_TIMEOUTS);
		xnet_conn_abort(sk, ETIMEDOUT);
		return;
	}
	xnet_conn_send_probe(sk);
	c->ka_probes++;
	xnet_conn_reset_ka_timer(sk, (unsigned long)c->keepintvl * HZ);
}

static void xnet_conn_ka_timer(struct timer_list *t)
{
	struct xnet_conn *c = from_timer(c, t, ka_timer);
	struct sock *sk = &c->xs.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		sk_reset_timer(sk, &c->ka_timer, jiffies + XNET_BUSY_RETRY);
	else
		xnet_conn_ka_fire(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

void xnet_conn_timers_init(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	timer_setup(&c->rtx_timer, xnet_conn_rtx_timer, 0);
	timer_setup(&c->delack_timer, xnet_conn_delack_timer, 0);
	timer_setup(&c->ka_timer, xnet_conn_ka_timer, 0);
}

void xnet_conn_timers_stop(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	sk_stop_timer(sk, &c->rtx_timer);
	sk_stop_timer(sk, &c->delack_timer);
	sk_stop_timer(sk, &c->ka_timer);
}

/* Orphans waiting in FIN_WAIT2 and TIME_WAIT end on the ka timer. */
unsigned long xnet_conn_fin_timeout(void)
{
	return XNET_FIN_TIMEOUT;
}

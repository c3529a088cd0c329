// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: connection timers, one timer for one duty (as WireGuard's
 * timers.c), each armed and stopped by the small named helpers below:
 *  - rtx_timer: retransmission (RFC 6298 RTO with backoff), SYN retries,
 *    the tail loss probe, and zero-window probes (persist);
 *  - delack_timer: the delayed ACK;
 *  - ka_timer: keepalive, and nothing else (SO_KEEPALIVE off stops it);
 *  - linger_timer: the end of an orphan's FIN_WAIT2 and of TIME_WAIT.
 *
 * Giving up: a connection ends with ETIMEDOUT after XNET_SYN_RETRIES SYN
 * retransmissions, net.xnet.synack_retries SYN+ACK retransmissions of a
 * half-open child, XNET_DATA_RETRIES retransmissions of an open socket
 * or net.xnet.orphan_retries of a closed one (AbortOnTimeout), or once
 * XNET_USER_TIMEOUT ms have passed since its oldest unacknowledged send;
 * the retransmission timer is never armed past that deadline (as TCP's
 * tcp_clamp_rto_to_user_timeout()). Zero-window probes count as
 * retransmissions for both limits (as tcp_probe_timer()); an open socket
 * keeps probing while its peer answers (RFC 1122 4.2.2.17), a closed
 * one does not. A retransmission timeout reports the cause an error
 * report gave (c->soft_err, error.c: EHOSTUNREACH) instead of ETIMEDOUT,
 * as TCP reports sk_err_soft.
 *
 * Context: handlers run in softirq (timer) context. Each pending timer
 * holds a socket reference (sk_reset_timer/sk_stop_timer). A handler
 * takes bh_lock_sock(); if the user owns the socket it retries a moment
 * later rather than touch the socket. xnet_conn_done() stops all timers;
 * a handler already running sees the CLOSED state and does nothing.
 * The arm/stop helpers run with the socket lock held (owner or
 * bh_lock_sock).
 */
#include "xnet.h"

#define XNET_RTO_MIN_US		(200 * USEC_PER_MSEC)
#define XNET_RTO_MAX_US		(60 * USEC_PER_SEC)
#define XNET_SYN_RETRIES	5
#define XNET_DATA_RETRIES	12
#define XNET_FIN_TIMEOUT	(10 * HZ)
#define XNET_DELACK		max_t(unsigned long, msecs_to_jiffies(20), 1)
#define XNET_BUSY_RETRY		max_t(unsigned long, HZ / 50, 1)

void xnet_conn_rtt_sample(struct sock *sk, u32 rtt_us)
{
	struct xnet_conn *c = xnet_conn(sk);
	u32 rto;

	rtt_us = max(rtt_us, 1U);
	if (!c->rtt_min_us || rtt_us < c->rtt_min_us)
		c->rtt_min_us = rtt_us;
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

/*
 * Where XNET_USER_TIMEOUT counts from (jiffies, never 0): the oldest
 * unacknowledged send once retransmitting, or the first zero-window
 * probe (rtx_start); else the send of the first unacknowledged segment.
 * 0 if nothing is outstanding.
 */
static unsigned long xnet_conn_timeout_start(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *head;
	u64 age;

	if (c->rtx_start)
		return c->rtx_start;
	head = skb_peek(&sk->sk_write_queue);
	if (!head || head == c->send_head || !XNET_SEG_CB(head)->sent_us)
		return 0;
	age = div_u64(ktime_get_ns(), NSEC_PER_USEC) - XNET_SEG_CB(head)->sent_us;
	return (jiffies - usecs_to_jiffies(min_t(u64, age, U32_MAX))) | 1;
}

/*
 * @when (jiffies from now), shortened so that the timer fires no later
 * than the user timeout's deadline; *@clamped says if it was.
 */
static unsigned long xnet_conn_clamp_to_user_timeout(struct sock *sk,
						     unsigned long when,
						     bool *clamped)
{
	struct xnet_conn *c = xnet_conn(sk);
	unsigned long start, deadline, left;

	*clamped = false;
	if (!c->user_timeout_ms)
		return when;
	start = xnet_conn_timeout_start(sk);
	if (!start)
		return when;
	deadline = start + msecs_to_jiffies(c->user_timeout_ms);
	if (!time_before(jiffies, deadline)) {
		*clamped = true;
		return 1;
	}
	left = deadline - jiffies;
	if (left < when) {
		*clamped = true;
		return left;
	}
	return when;
}

void xnet_conn_reset_rtx_timer(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	unsigned long when = xnet_conn_rto_jiffies(c), pto;
	bool clamped;

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
	/* the user timeout's deadline comes first: fire to give up then */
	when = xnet_conn_clamp_to_user_timeout(sk, when, &clamped);
	if (clamped)
		c->tlp_armed = 0;
	sk_reset_timer(sk, &c->rtx_timer, jiffies + when);
}

/* The tail probe fired: resend the last segment sent, then wait an RTO. */
static void xnet_conn_tail_probe(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *skb, *last = NULL;
	bool clamped;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == c->send_head)
			break;
		last = skb;
	}
	if (last && !XNET_SEG_CB(last)->sacked)
		xnet_conn_retransmit(sk, last, true);
	if (sk->sk_state != XNET_STATE_CLOSED)	/* an unreachable orphan */
		sk_reset_timer(sk, &c->rtx_timer, jiffies +
			       xnet_conn_clamp_to_user_timeout(sk,
							       xnet_conn_rto_jiffies(c),
							       &clamped));
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

/* States in which keepalive probes the peer. */
static bool xnet_conn_keepalive_state(const struct sock *sk)
{
	switch (sk->sk_state) {
	case XNET_STATE_ESTABLISHED:
	case XNET_STATE_CLOSE_WAIT:
	case XNET_STATE_FIN_WAIT1:
	case XNET_STATE_FIN_WAIT2:
		return true;
	}
	return false;
}

/*
 * SO_KEEPALIVE is on (set now, before connect(), or inherited from the
 * listener) or XNET_KEEPIDLE changed: probe after keepidle of silence.
 */
void xnet_conn_keepalive_arm(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	unsigned long idle = jiffies - c->last_rx;
	unsigned long limit = (unsigned long)c->keepidle * HZ;

	if (!sock_flag(sk, SOCK_KEEPOPEN) || !xnet_conn_keepalive_state(sk))
		return;
	xnet_conn_reset_ka_timer(sk, idle < limit ? limit - idle : 1);
}

/* SO_KEEPALIVE is off: only the keepalive timer stops. */
void xnet_conn_keepalive_stop(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	sk_stop_timer(sk, &c->ka_timer);
	c->ka_probes = 0;
}

/* End an orphan's FIN_WAIT2, or TIME_WAIT, @delay jiffies from now. */
void xnet_conn_reset_linger_timer(struct sock *sk, unsigned long delay)
{
	struct xnet_conn *c = xnet_conn(sk);

	sk_reset_timer(sk, &c->linger_timer, jiffies + max(delay, 1UL));
}

/* A timer gives up on the connection. */
static void xnet_conn_timed_out(struct sock *sk, int err)
{
	xnet_inc_stat(xnet_pernet(sock_net(sk)), XNET_MIB_ABORT_ON_TIMEOUT);
	xnet_conn_abort(sk, err);
}

static bool xnet_conn_give_up(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	unsigned long start;
	u32 limit;

	if (sk->sk_state == XNET_STATE_SYN_SENT)
		limit = XNET_SYN_RETRIES;
	else if (sk->sk_state == XNET_STATE_SYN_RECV)
		limit = READ_ONCE(xnet_pernet(sock_net(sk))->synack_retries);
	else if (sock_flag(sk, SOCK_DEAD))
		limit = READ_ONCE(xnet_pernet(sock_net(sk))->orphan_retries);
	else
		limit = XNET_DATA_RETRIES;
	start = xnet_conn_timeout_start(sk);
	if (c->user_timeout_ms && start &&
	    time_after_eq(jiffies, start + msecs_to_jiffies(c->user_timeout_ms)))
		return true;
	return c->retransmits >= limit;
}

/*
 * Nothing in flight and the peer's window too small for what waits:
 * probe it. Probes count as retransmissions (give-up limit, user
 * timeout), the backoff growing; answers do not reset the count of a
 * closed socket, whose peer could otherwise hold it (and its send
 * buffer) forever by advertising a zero window.
 */
static void xnet_conn_persist_fire(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	int err;

	if (!c->send_head || READ_ONCE(c->snd_wnd) >= c->send_head->len)
		return;
	if (!c->rtx_start)
		c->rtx_start = jiffies | 1;
	else if (!sock_flag(sk, SOCK_DEAD) &&
		 time_after_eq(c->last_rx, c->probe_sent))
		c->retransmits = 0;	/* answered: RFC 1122 4.2.2.17 */
	if (xnet_conn_give_up(sk)) {
		xnet_conn_timed_out(sk, ETIMEDOUT);
		return;
	}
	c->probe_sent = jiffies | 1;
	err = xnet_conn_send_probe(sk);
	if (err == -EHOSTUNREACH || err == -ENETUNREACH) {
		if (sock_flag(sk, SOCK_DEAD) && !c->unowned) {
			/* nobody waits for a closed socket's unreachable peer */
			xnet_conn_done(sk);
			return;
		}
		WRITE_ONCE(sk->sk_err_soft, -err);
	}
	c->retransmits++;
	if (c->backoff < 10)
		c->backoff++;
	xnet_conn_reset_rtx_timer(sk);
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
		xnet_conn_persist_fire(sk);
		return;
	}
	if (c->probe_sent) {
		/* the window opened: the probes' count is over */
		c->probe_sent = 0;
		c->retransmits = 0;
		c->rtx_start = 0;
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
			err = c->soft_err ? : ETIMEDOUT;	/* error.c */
		xnet_conn_timed_out(sk, err);
		return;
	}

	xnet_inc_stat(xnet_pernet(sock_net(sk)), XNET_MIB_TIMEOUTS);
	/* the user timeout counts from the oldest unacknowledged send */
	if (!c->rtx_start)
		c->rtx_start = xnet_conn_timeout_start(sk) ? : jiffies | 1;
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
		xnet_rack_timeout(c);
		c->dupacks = 0;
		xnet_pacing_update_rate(sk);
	}
	/* frames sealed since the MSS was set are longer (output.c) */
	xnet_conn_check_seal(sk);
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

	if (!sock_flag(sk, SOCK_KEEPOPEN) || !xnet_conn_keepalive_state(sk))
		return;
	idle_limit = (unsigned long)c->keepidle * HZ;
	if (c->snd_una != c->snd_nxt || c->send_head) {
		/* data outstanding: the retransmission timer watches */
		xnet_conn_reset_ka_timer(sk, idle_limit);
		return;
	}
	idle = jiffies - c->last_rx;
	if (idle < idle_limit) {
		xnet_conn_reset_ka_timer(sk, idle_limit - idle);
		return;
	}
	if (c->ka_probes >= c->keepcnt ||
	    (c->user_timeout_ms &&
	     idle >= idle_limit + msecs_to_jiffies(c->user_timeout_ms))) {
		xnet_inc_stat(xnet_pernet(sock_net(sk)), XNET_MIB_TIMEOUTS);
		xnet_conn_timed_out(sk, ETIMEDOUT);
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

/* TIME_WAIT is over, or an orphan waited long enough in FIN_WAIT2. */
static void xnet_conn_linger_fire(struct sock *sk)
{
	if (sk->sk_state == XNET_STATE_TIME_WAIT ||
	    (sk->sk_state == XNET_STATE_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)))
		xnet_conn_done(sk);
}

static void xnet_conn_linger_timer(struct timer_list *t)
{
	struct xnet_conn *c = from_timer(c, t, linger_timer);
	struct sock *sk = &c->xs.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		sk_reset_timer(sk, &c->linger_timer, jiffies + XNET_BUSY_RETRY);
	else
		xnet_conn_linger_fire(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

void xnet_conn_timers_init(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	timer_setup(&c->rtx_timer, xnet_conn_rtx_timer, 0);
	timer_setup(&c->delack_timer, xnet_conn_delack_timer, 0);
	timer_setup(&c->ka_timer, xnet_conn_ka_timer, 0);
	timer_setup(&c->linger_timer, xnet_conn_linger_timer, 0);
}

void xnet_conn_timers_stop(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	sk_stop_timer(sk, &c->rtx_timer);
	sk_stop_timer(sk, &c->delack_timer);
	sk_stop_timer(sk, &c->ka_timer);
	sk_stop_timer(sk, &c->linger_timer);
}

/* How long a closed socket's connection lingers in FIN_WAIT2. */
unsigned long xnet_conn_fin_timeout(void)
{
	return XNET_FIN_TIMEOUT;
}

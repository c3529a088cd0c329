// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: congestion control algorithms: NewReno (RFC 5681/6582) and
 * CUBIC (RFC 8312), chosen per socket with XNET_CONGESTION and per netns
 * with net.xnet.congestion_control.
 *
 * Context: the hooks run with the socket lock held (owner or
 * bh_lock_sock), from the ACK path and the retransmission timer. They
 * only touch the connection's own window fields.
 */
#include <linux/math64.h>

#include "xnet.h"

#define XNET_CWND_MAX		4096
#define CUBIC_BETA_10		7	/* beta = 0.7 */

static u64 xnet_cong_now_us(void)
{
	return div_u64(ktime_get_ns(), NSEC_PER_USEC);
}

static void reno_on_ack(struct xnet_conn *c, u32 acked)
{
	c->cwnd_cnt += acked;
	if (c->cwnd_cnt >= c->cwnd) {
		c->cwnd_cnt -= c->cwnd;
		if (c->cwnd < XNET_CWND_MAX)
			c->cwnd++;
	}
}

static u32 reno_ssthresh(struct xnet_conn *c, u32 flight)
{
	return max(flight / 2, 2U);
}

/* Integer cube root of @x, by bisection (called once per epoch). */
static u32 cubic_cbrt(u64 x)
{
	u32 lo = 0, hi = 2642245;	/* cbrt(2^64) */

	while (lo < hi) {
		u32 mid = lo + (hi - lo + 1) / 2;

		if ((u64)mid * mid * mid <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static void cubic_on_ack(struct xnet_conn *c, u32 acked)
{
	u64 now = xnet_cong_now_us();
	u32 target, cnt, w_est;
	s64 t_ms, d, cube;

	if (!c->cubic_epoch_us) {
		c->cubic_epoch_us = now;
		if (c->cwnd < c->cubic_w_max) {
			/* K = cbrt((W_max - cwnd) / C) s, C = 0.4 */
			c->cubic_k_ms = cubic_cbrt((u64)(c->cubic_w_max - c->cwnd) *
						   2500000000ULL);
			c->cubic_origin = c->cubic_w_max;
		} else {
			c->cubic_k_ms = 0;
			c->cubic_origin = c->cwnd;
		}
	}
	t_ms = div_u64(now - c->cubic_epoch_us + c->srtt_us, 1000);
	d = t_ms - c->cubic_k_ms;
	d = clamp_t(s64, d, -100000, 100000);
	cube = d * d * d;
	/* W(t) = C (t - K)^3 + W_origin, C = 0.4 = 4 / 10 per s^3 */
	target = clamp_t(s64, (s64)c->cubic_origin +
			 div64_s64(cube * 4, 10000000000LL), 2, XNET_CWND_MAX);
	if (target > c->cwnd)
		cnt = max(c->cwnd / (target - c->cwnd), 1U);
	else
		cnt = 100 * c->cwnd;

	/* TCP-friendly region: never slower than Reno would be */
	if (c->srtt_us) {
		w_est = c->cubic_w_max * CUBIC_BETA_10 / 10 +
			div_u64((u64)(now - c->cubic_epoch_us) * 53,
				(u64)c->srtt_us * 100);
		if (w_est > c->cwnd)
			cnt = min(cnt, max(c->cwnd / (w_est - c->cwnd), 1U));
	}
	/* one large frame's ACK may be worth several increments */
	c->cwnd_cnt += acked;
	if (c->cwnd_cnt >= cnt) {
		u32 delta = c->cwnd_cnt / cnt;

		c->cwnd_cnt -= delta * cnt;
		c->cwnd = min(c->cwnd + delta, (u32)XNET_CWND_MAX);
	}
}

static u32 cubic_ssthresh(struct xnet_conn *c, u32 flight)
{
	/* fast convergence: give way to newer flows */
	if (c->cwnd < c->cubic_w_max)
		c->cubic_w_max = c->cwnd * (10 + CUBIC_BETA_10) / 20;
	else
		c->cubic_w_max = c->cwnd;
	c->cubic_epoch_us = 0;
	return max(c->cwnd * CUBIC_BETA_10 / 10, 2U);
}

static const struct xnet_cong_ops xnet_congs[] = {
	{ .name = "reno", .on_ack = reno_on_ack, .ssthresh = reno_ssthresh },
	{ .name = "cubic", .on_ack = cubic_on_ack,
	  .ssthresh = cubic_ssthresh },
};

const struct xnet_cong_ops *xnet_cong_find(const char *name)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(xnet_congs); i++)
		if (!strcmp(xnet_congs[i].name, name))
			return &xnet_congs[i];
	return NULL;
}

const struct xnet_cong_ops *xnet_cong_default(struct xnet_net *xn)
{
	return &xnet_congs[READ_ONCE(xn->cong_default)];
}

int xnet_cong_index(const struct xnet_cong_ops *ops)
{
	return ops - xnet_congs;
}

/*
 * After a push that sent data, @flight segments now in flight: remember
 * the most in flight over the last window (until snd_una passes what
 * was sent when it was reached) and whether the congestion window was
 * what stopped sending, as TCP's tcp_cwnd_validate() (RFC 7661).
 */
void xnet_cong_validate(struct xnet_conn *c, u32 flight, bool cwnd_limited)
{
	if (!xnet_before(c->snd_una, c->max_flight_seq) ||
	    flight > c->max_flight || cwnd_limited) {
		c->max_flight = flight;
		c->max_flight_seq = c->snd_nxt;
		c->cwnd_limited = cwnd_limited;
	}
}

/*
 * Was the window in use? In slow start, while it is under twice what
 * was in flight; else if it stopped sending in the last window. A
 * window that was not the limit (an application sending little, a
 * receive window, a CPU-bound path) must not grow on the ACKs it gets:
 * it would stand far above what the path holds, and a cut on loss
 * would no longer slow the sender.
 */
static bool xnet_cong_window_used(const struct xnet_conn *c)
{
	if (c->cwnd < c->ssthresh)
		return c->cwnd < 2 * c->max_flight;
	return c->cwnd_limited;
}

/* Window growth for newly acknowledged segments, outside recovery. */
void xnet_cong_on_ack(struct xnet_conn *c, u32 acked)
{
	if (!xnet_cong_window_used(c))
		return;
	if (c->cwnd < c->ssthresh) {
		c->cwnd = min(c->cwnd + acked, (u32)XNET_CWND_MAX);
		return;
	}
	c->cc->on_ack(c, acked);
}

/* A loss: the new slow start threshold. */
u32 xnet_cong_ssthresh(struct xnet_conn *c, u32 flight)
{
	return c->cc->ssthresh(c, flight);
}

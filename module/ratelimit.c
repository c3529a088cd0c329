// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: rate limits on the frames xnet sends in answer to frames it did
 * not ask for, so that no stranger can make a node send more than it
 * was sent, nor use it to flood a third party.
 *
 * Two kinds of limit, as Linux TCP/IP has them:
 *  - per netns, one token bucket per kind of answer (resets, ACKs to
 *    out-of-window and challenge segments, neighbour answers, neighbour
 *    queries started by answering a stranger, error reports): at most net.xnet.<kind>_rate
 *    frames per second, with bursts of up to net.xnet.ratelimit_burst, as
 *    icmp_global_allow() bounds ICMP;
 *  - per connection, at most one ACK to out-of-window segments per
 *    net.xnet.invalid_ratelimit_ms, as tcp_oow_rate_limited().
 * A refused answer is counted (one counter per kind) and not sent.
 *
 * Locking and context: xnet_rl_allow() runs in any context (softirq on
 * the receive path, process context on the local one); each bucket has
 * its own spinlock, taken with BHs off, held for a few arithmetic
 * operations and never nested. xnet_rl_oow_allow() runs under the
 * connection's socket lock, which protects its timestamp.
 */
#include "xnet.h"

static const enum xnet_mib xnet_rl_mib[__XNET_RL_MAX] = {
	[XNET_RL_RST]		= XNET_MIB_RL_RSTS,
	[XNET_RL_ACK]		= XNET_MIB_RL_ACKS,
	[XNET_RL_NEIGH_ANSWER]	= XNET_MIB_RL_NEIGH_ANSWERS,
	[XNET_RL_NEIGH_QUERY]	= XNET_MIB_RL_NEIGH_QUERIES,
	[XNET_RL_ERROR]		= XNET_MIB_RL_ERRORS,
	[XNET_RL_TOOBIG]	= XNET_MIB_RL_ERRORS,
};

/*
 * May the netns send one more answer of @kind now? Refills the bucket
 * by the time elapsed at the kind's rate; 0 as a rate means no limit.
 */
bool xnet_rl_allow(struct xnet_net *xn, enum xnet_rl_kind kind)
{
	struct xnet_rl_bucket *b = &xn->rl[kind];
	u32 rate = READ_ONCE(xn->rl_rate[kind]);
	u32 burst = max_t(int, READ_ONCE(xn->rl_burst), 1);
	unsigned long now = jiffies, delta;
	bool ok = false;

	if (!rate)
		return true;
	spin_lock_bh(&b->lock);
	delta = min_t(unsigned long, now - b->stamp, HZ);
	if (delta) {
		/* whole tokens only; the remainder stays in the stamp */
		u32 add = (u32)(((u64)delta * rate) / HZ);

		if (add) {
			b->tokens = min(b->tokens + add, burst);
			b->stamp = now;
		}
	}
	if (b->tokens) {
		b->tokens--;
		ok = true;
	}
	spin_unlock_bh(&b->lock);
	if (!ok)
		xnet_inc_stat(xn, xnet_rl_mib[kind]);
	return ok;
}

/*
 * One ACK to an out-of-window segment per invalid_ratelimit_ms per
 * connection (@last: the connection's jiffies of the last one, under its
 * socket lock), and, if @global, within the netns's ACK budget. Answers
 * to the peer's keepalive and zero-window probes are not @global: a
 * stranger's flood of other segments must not starve them, or healthy
 * connections would time out; the per-connection limit bounds them.
 */
bool xnet_rl_oow_allow(struct xnet_net *xn, unsigned long *last, bool global)
{
	unsigned long gap = msecs_to_jiffies(READ_ONCE(xn->invalid_ratelimit_ms));

	if (*last && time_before(jiffies, *last + gap)) {
		xnet_inc_stat(xn, XNET_MIB_RL_ACKS);
		return false;
	}
	if (global && !xnet_rl_allow(xn, XNET_RL_ACK))
		return false;
	*last = jiffies | 1;
	return true;
}

void xnet_rl_net_init(struct xnet_net *xn)
{
	int i;

	for (i = 0; i < __XNET_RL_MAX; i++) {
		spin_lock_init(&xn->rl[i].lock);
		xn->rl[i].stamp = jiffies;
	}
	xn->rl_burst = 50;
	xn->rl_rate[XNET_RL_RST] = 1000;
	xn->rl_rate[XNET_RL_ACK] = 1000;
	xn->rl_rate[XNET_RL_NEIGH_ANSWER] = 1000;
	xn->rl_rate[XNET_RL_NEIGH_QUERY] = 100;
	xn->rl_rate[XNET_RL_ERROR] = 100;	/* as icmp_msgs_per_sec's scale */
	xn->rl_rate[XNET_RL_TOOBIG] = 1000;
	xn->invalid_ratelimit_ms = 500;
	for (i = 0; i < __XNET_RL_MAX; i++)
		xn->rl[i].tokens = xn->rl_burst;
}

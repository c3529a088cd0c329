// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: accounting of dropped frames and of security-relevant events:
 * each is counted (xnetctl stats), traced (events/xnet/) and, for
 * security events, logged with a rate limit.
 *
 * Peers sending invalid frames: a per-netns table of XNET_PEER_SLOTS
 * slots hashed by source MAC (keyed per netns) counts each peer's
 * invalid frames per one-second window; a peer above
 * net.xnet.invalid_rate frames in a window starts an "episode", counted
 * once in InvalidPeerFloods, logged and traced. The episode ends after a
 * window at or below the rate. Nothing is allocated on the receive path:
 * a peer whose slot is taken by another peer in an episode is not
 * tracked until that episode ends; otherwise a new MAC takes the slot.
 *
 * Locking and context: xnet_drop() runs in softirq context under RCU, or
 * in process context from a socket's backlog, with the skb owned by the
 * caller. Each slot has its own spinlock, taken with BHs off (the
 * backlog runs with them on), held for a few comparisons, never nested.
 * The config events run in process context (genetlink handlers); the SYN
 * flood event in softirq context.
 */
#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/random.h>

#include "xnet.h"
#include "trace.h"

/* Reasons that say the peer sent a frame no correct xnet node sends. */
static bool xnet_drop_invalid(enum xnet_mib reason)
{
	switch (reason) {
	case XNET_MIB_IN_CSUM_ERRORS:
	case XNET_MIB_IN_MALFORMED:
	case XNET_MIB_IN_BAD_VERSION:
	case XNET_MIB_IN_UNKNOWN_TYPE:
	case XNET_MIB_IN_BAD_PORT:
	case XNET_MIB_IN_AUTH_FAILURES:
		return true;
	default:
		return false;
	}
}

/* One more invalid frame from @mac: true if this starts an episode. */
static bool xnet_peer_invalid(struct xnet_net *xn, const u8 *mac, u32 rate)
{
	u32 h = jhash(mac, ETH_ALEN, xn->peer_seed) % XNET_PEER_SLOTS;
	struct xnet_peer_slot *s = &xn->invalid_peers[h];
	unsigned long now = jiffies;
	bool start = false;

	spin_lock_bh(&s->lock);
	if (!ether_addr_equal_unaligned(s->mac, mac)) {
		if (s->flood && time_before(now, s->start + 2 * HZ))
			goto out;	/* the slot's peer is flooding */
		memcpy(s->mac, mac, ETH_ALEN);
		s->flood = false;
		s->count = 0;
		s->start = now;
	}
	if (time_after_eq(now, s->start + HZ)) {
		/* a new window: a calm (or idle) last one ends an episode */
		if (s->count <= rate || time_after_eq(now, s->start + 2 * HZ))
			s->flood = false;
		s->count = 0;
		s->start = now;
	}
	if (++s->count > rate && !s->flood) {
		s->flood = true;
		start = true;
	}
out:
	spin_unlock_bh(&s->lock);
	return start;
}

/*
 * Count a dropped received frame under @reason (an xnet_mib counter)
 * and trace it with what is known of its sender. @skb may be NULL; its
 * xnet header is used if the network header is in the linear part.
 */
void xnet_drop(struct xnet_net *xn, const struct sk_buff *skb,
	       enum xnet_mib reason)
{
	const struct xnethdr *xh = NULL;
	const u8 *mac = NULL;
	u32 rate;

	xnet_inc_stat(xn, reason);
	if (skb) {
		if (skb_mac_header_was_set(skb) &&
		    skb_mac_header_len(skb) >= ETH_HLEN)
			mac = eth_hdr(skb)->h_source;
		if (skb_network_header(skb) + XNET_HLEN <=
		    skb_tail_pointer(skb))
			xh = xnet_hdr(skb);
	}
	/*
	 * skb_iif, never skb->dev: a segment that waited on a socket's
	 * backlog may outlive its device (input.c clears skb->dev there).
	 */
	trace_xnet_drop(reason, mac, xh, skb ? skb->skb_iif : 0);
	/* secure channels: failed checks are security events too */
	if (reason == XNET_MIB_IN_AUTH_FAILURES)
		trace_xnet_security(XNET_SEC_AUTH_FAILURE, mac,
				    xh ? xh->saddr : 0, 0);
	else if (reason == XNET_MIB_IN_REPLAYS)
		trace_xnet_security(XNET_SEC_REPLAY, mac,
				    xh ? xh->saddr : 0, 0);

	rate = READ_ONCE(xn->invalid_rate);
	if (!mac || !rate || !xnet_drop_invalid(reason) ||
	    !xnet_peer_invalid(xn, mac, rate))
		return;
	xnet_inc_stat(xn, XNET_MIB_INVALID_PEER_FLOODS);
	trace_xnet_security(XNET_SEC_INVALID_PEER, mac, xh ? xh->saddr : 0,
			    rate);
	net_warn_ratelimited("xnet: peer %pM sends invalid frames above %u/s (net.xnet.invalid_rate)\n",
			     mac, rate);
}

/* A connection request flood was detected (its log line is input.c's). */
void xnet_audit_syn_flood(struct xnet_net *xn, const struct xnethdr *xh)
{
	xnet_inc_stat(xn, XNET_MIB_SYN_FLOODS);
	trace_xnet_security(XNET_SEC_SYN_FLOOD, NULL, xh->daddr,
			    ntohs(xh->dport));
}

/* A netlink configuration request @cmd was refused. Process context. */
void xnet_audit_config(struct xnet_net *xn, enum xnet_sec_event ev, u8 cmd)
{
	bool refused = ev == XNET_SEC_CONFIG_REFUSED;

	xnet_inc_stat(xn, refused ? XNET_MIB_CONFIG_REFUSED
				  : XNET_MIB_CONFIG_INVALID);
	trace_xnet_security(ev, NULL, 0, cmd);
	net_info_ratelimited("xnet: %s configuration request %u from pid %d (%s) uid %u\n",
			     refused ? "unprivileged" : "invalid", cmd,
			     task_pid_nr(current), current->comm,
			     from_kuid_munged(&init_user_ns, current_uid()));
}

void xnet_audit_net_init(struct xnet_net *xn)
{
	int i;

	xn->invalid_rate = 100;
	xn->peer_seed = get_random_u32();
	for (i = 0; i < XNET_PEER_SLOTS; i++)
		spin_lock_init(&xn->invalid_peers[i].lock);
}

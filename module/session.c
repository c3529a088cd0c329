// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: sessions with peers (sec.h). STUB: none is ever established.
 */
#include "sec.h"

int xnet_sessions_net_init(struct xnet_net *xn)
{
	return 0;
}

void xnet_sessions_net_exit(struct xnet_net *xn)
{
}

struct xnet_keypair *xnet_session_tx(struct xnet_net *xn, __be32 peer,
				     int ifindex)
{
	return NULL;
}

void xnet_session_hold(struct xnet_net *xn, struct sk_buff *skb,
		       __be32 peer, int ifindex, const u8 *ha)
{
	xnet_inc_stat(xn, XNET_MIB_OUT_NO_KEY);
	kfree_skb(skb);
}

struct xnet_keypair *xnet_keypair_lookup_rcu(struct xnet_net *xn,
					     __be32 index)
{
	return NULL;
}

void xnet_keypair_put(struct xnet_keypair *kp)
{
}

void xnet_session_unknown(struct xnet_net *xn, __be32 peer, int ifindex)
{
}

void xnet_session_confirmed(struct xnet_net *xn, struct xnet_keypair *kp)
{
}

void xnet_session_rekey(struct xnet_net *xn, struct xnet_keypair *kp)
{
}

void xnet_sessions_key_changed(struct xnet_net *xn, __be32 peer)
{
}

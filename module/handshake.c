// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: the session handshake (sec.h). STUB: every handshake is dropped.
 */
#include "sec.h"

void xnet_handshake_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
			struct sk_buff *skb)
{
	xnet_drop(xn, skb, XNET_MIB_IN_NO_KEY);
	kfree_skb(skb);
}

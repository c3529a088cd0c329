// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: sealing and opening protected frames (sec.h). STUB: nothing is
 * sealed; sealed frames are dropped.
 */
#include "sec.h"

bool xnet_sec_output(struct xnet_net *xn, struct sk_buff *skb,
		     struct net_device *dev, const u8 *ha)
{
	return false;
}

void xnet_sec_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		  struct sk_buff *skb)
{
	xnet_drop(xn, skb, XNET_MIB_IN_NO_KEY);
	kfree_skb(skb);
}

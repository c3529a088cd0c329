// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: error reports (frame type 6): sending them about frames that
 * cannot be delivered, and acting on the ones that arrive.
 *
 * Context: xnet_error_send() runs in softirq or process context with no
 * xnet lock held.
 */
#include "xnet.h"

void xnet_error_send(struct xnet_net *xn, struct sk_buff *in, u8 type,
		     u8 code, u32 info)
{
	/* filled in by the error-report work (issue 12) */
}

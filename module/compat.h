/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xnet: the differences between the kernels we build for (6.1 to 6.12),
 * kept in one place.
 */
#ifndef _XNET_COMPAT_H
#define _XNET_COMPAT_H

#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

/*
 * Per-netns sysctl tables: 6.6 added register_net_sysctl_sz() and 6.11
 * dropped the empty sentinel entry. Kbuild detects the feature in the
 * target kernel's headers rather than trusting version numbers.
 * @table always ends with a sentinel; @n counts the entries before it.
 */
static inline struct ctl_table_header *
xnet_register_sysctl(struct net *net, const char *path,
		     struct ctl_table *table, size_t n)
{
#ifdef XNET_HAVE_SYSCTL_SZ
	return register_net_sysctl_sz(net, path, table, n);
#else
	return register_net_sysctl(net, path, table);
#endif
}

/* 6.11 made sysctl handlers take a const table. */
#ifdef XNET_HAVE_CONST_CTL
#define XNET_CTL_TABLE const struct ctl_table
#else
#define XNET_CTL_TABLE struct ctl_table
#endif

/*
 * GRO (offload.c) uses only what 6.1 and 6.12 spell alike: the
 * gro_receive(head, skb)/gro_complete(skb, nhoff) callbacks,
 * skb_gro_header(), skb_gro_offset/len/pull() and NAPI_GRO_CB()'s count,
 * flush, same_flow and last. Neither exports skb_gro_receive(), so
 * offload.c chains segments itself.
 */

/*
 * Pages into a stream socket by reference (zerocopy.c): sendfile() and
 * splice() call 6.1's proto_ops.sendpage, one page at a time; 6.5
 * dropped it for sendmsg() with MSG_SPLICE_PAGES and a bvec iterator.
 * Debian's 6.1 defines MSG_SPLICE_PAGES but never passes it, so Kbuild
 * detects the sendpage member (XNET_HAVE_SENDPAGE), not the flag.
 * splice() out of a socket whose type keeps message bounds falls back
 * to the generic read, renamed copy_splice_read() in 6.5.
 */
#ifdef XNET_HAVE_SENDPAGE
#define xnet_zc_splice_msg(msg)		false
#define xnet_copy_splice_read		generic_file_splice_read
#else
#define xnet_zc_splice_msg(msg)		(!!((msg)->msg_flags & MSG_SPLICE_PAGES))
#define xnet_copy_splice_read		copy_splice_read
#endif

/*
 * SO_ZEROCOPY at SOL_SOCKET: 6.1's core refuses it for our family and
 * hands SOL_SOCKET options to MPTCP only; later kernels hand them to a
 * socket flagged SOCK_CUSTOM_SOCKOPT (zerocopy.c). XNET_ZEROCOPY works
 * on both.
 */
static inline void xnet_zc_custom_sockopt(struct socket *sock)
{
#ifdef SOCK_CUSTOM_SOCKOPT
	set_bit(SOCK_CUSTOM_SOCKOPT, &sock->flags);
#endif
}

/*
 * An earliest departure time in skb->tstamp (pacing.c) is on the
 * monotonic clock: 6.1 flags it with a bool, 6.11 with a clock id.
 */
#ifdef XNET_HAVE_SKB_CLOCK
#define XNET_TSTAMP_MONO	SKB_CLOCK_MONOTONIC
#else
#define XNET_TSTAMP_MONO	true
#endif

/*
 * Whether a ubuf_info is MSG_ZEROCOPY's (msg_zerocopy_realloc()): 6.1
 * tells by its callback, 6.10 by its ops.
 */
static inline bool xnet_uarg_is_msgzc(const struct ubuf_info *uarg)
{
#ifdef XNET_HAVE_ZC_UBUF_OPS
	return uarg->ops == &msg_zerocopy_ubuf_ops;
#else
	return uarg->callback == msg_zerocopy_callback;
#endif
}

#endif /* _XNET_COMPAT_H */

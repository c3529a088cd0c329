// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: receive memory accounting per network namespace, with pressure
 * states, as tcp_mem does for TCP.
 *
 * Every skb a peer makes us hold (a connection's receive and
 * out-of-order queues, a datagram socket's receive queue) is charged to
 * its socket (sk_rmem_alloc, bounded by SO_RCVBUF) and to the socket's
 * netns (xn->mem_allocated, bytes), and uncharged by its destructor.
 * net.xnet.mem = "low pressure high", in pages:
 *  - above high, nothing more is charged: the skb is dropped
 *    (MemLimitDrops) and a reliable peer retransmits it later; except
 *    that every socket below XNET_RMEM_MIN takes one more skb (a large
 *    frame: several segments), as TCP's tcp_rmem[0], so
 *    that sockets nobody reads cannot starve the one being read (the
 *    overshoot is bounded by max_connections * XNET_RMEM_MIN);
 *  - above pressure, the netns enters pressure (MemPressureEvents):
 *    out-of-order segments are no longer kept (MemPressureDrops) and
 *    connections advertise a small window;
 *  - pressure ends when the allocation falls below low.
 *
 * Context: charge in softirq or process context with the socket locked
 * (or, for datagrams, under RCU in softirq); uncharge from the skb
 * destructor, in any context. Only atomics, no locks.
 */
#include <linux/mm.h>

#include "xnet.h"

#define XNET_RMEM_MIN	(16 * 1024)

static long xnet_mem_pages(long bytes)
{
	return bytes >> PAGE_SHIFT;
}

static void xnet_rfree(struct sk_buff *skb)
{
	struct xnet_net *xn = xnet_pernet(sock_net(skb->sk));
	long now;

	now = atomic_long_sub_return(skb->truesize, &xn->mem_allocated);
	if (READ_ONCE(xn->mem_pressure) &&
	    xnet_mem_pages(now) < READ_ONCE(xn->mem[0]))
		WRITE_ONCE(xn->mem_pressure, 0);
	sock_rfree(skb);
}

/*
 * Charge @skb to @sk and its netns, making @sk its owner. False (and
 * nothing charged) if the netns is at its hard limit.
 */
bool xnet_rmem_charge(struct sock *sk, struct sk_buff *skb)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	long now;

	now = atomic_long_add_return(skb->truesize, &xn->mem_allocated);
	if (xnet_mem_pages(now) > READ_ONCE(xn->mem[2]) &&
	    atomic_read(&sk->sk_rmem_alloc) >= XNET_RMEM_MIN) {
		atomic_long_sub(skb->truesize, &xn->mem_allocated);
		xnet_drop(xn, skb, XNET_MIB_MEM_LIMIT_DROPS);
		net_info_ratelimited("xnet: receive memory limit reached (net.xnet.mem)\n");
		return false;
	}
	if (xnet_mem_pages(now) > READ_ONCE(xn->mem[1]) &&
	    !READ_ONCE(xn->mem_pressure)) {
		WRITE_ONCE(xn->mem_pressure, 1);
		xnet_inc_stat(xn, XNET_MIB_MEM_PRESSURE_EVENTS);
	}
	skb_set_owner_r(skb, sk);
	skb->destructor = xnet_rfree;
	return true;
}

bool xnet_mem_under_pressure(const struct sock *sk)
{
	return READ_ONCE(xnet_pernet(sock_net(sk))->mem_pressure);
}

/* Defaults as TCP's tcp_mem, from the memory free for buffers. */
void xnet_mem_net_init(struct xnet_net *xn)
{
	unsigned long limit = max(nr_free_buffer_pages() / 16, 128UL);

	xn->mem[0] = min_t(unsigned long, limit / 4 * 3, INT_MAX);
	xn->mem[1] = min_t(unsigned long, limit, INT_MAX);
	xn->mem[2] = min_t(unsigned long, limit / 4 * 3 * 2, INT_MAX);
	atomic_long_set(&xn->mem_allocated, 0);
}

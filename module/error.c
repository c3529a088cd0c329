// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: error reports (frame type 6): sending them about frames that
 * cannot be delivered, and acting on the ones that arrive, as ICMP does
 * for IP (docs/PROTOCOL.md, "Error reports (type 6)").
 *
 * Sending (xnet_error_send()): never about an error report, a frame to
 * the broadcast address or received as broadcast or multicast, a frame
 * whose source is 0, broadcast, one of our addresses (from the wire) or
 * not plausible on the device it came by (xnet_error_src_plausible());
 * within the netns's error_rate (ratelimit.c); back where the frame came
 * from, as resets go (xnet_output_reply()): no neighbour entry is made
 * for the offending frame's source.
 *
 * Receiving (xnet_error_rcv()): a report is acted on only if it matches
 * one socket's state: the quoted frame must be ours (its source our
 * address, the report sent to it), a connection's quoted sequence must
 * be in flight ([snd_una, snd_nxt), RFC 5927), a connected datagram
 * socket's peer the quoted destination. Failures are counted in
 * InErrorsIgnored. Effects:
 *  - datagram sockets: a connected socket's next call fails (sk_err:
 *    ECONNREFUSED for no socket on the port, EMSGSIZE for frame too big,
 *    EHOSTUNREACH otherwise); with XNET_RECVERR the report is queued on
 *    the error queue (recvmsg MSG_ERRQUEUE, dgram.c), charged to the
 *    receive buffer, which bounds it;
 *  - connections: during SYN_SENT a report about the SYN ends the
 *    attempt (a hard error, as TCP); later, unreachable and hop limit
 *    reports are soft errors (c->soft_err: the errno a timeout reports
 *    instead of ETIMEDOUT unless new data was acknowledged since,
 *    timer.c);
 *  - frame too big: the path MTU of the destination is lowered (pmtu.c)
 *    if the reported MTU is at least XNET_MIN_MTU, below the current
 *    path MTU and below the quoted frame's length; a connection's MSS
 *    follows at once and what is in flight is sent again at the new MSS
 *    (xnet_conn_mtu_reduced()), without touching the congestion window.
 *  - a report quoting a sealed frame (type 7, seal.c) is about the frame
 *    it carries, whose type the seal header says in the clear; its
 *    ports and addresses are the quoted header's. The rest (a stream's
 *    sequence number) is encrypted: such a report is acted on only if
 *    it is a frame too big report, whose MTU is checked as above against
 *    the path MTU before sealing takes its share; the MSS then leaves
 *    room for the seal (xnet_path_mtu()).
 *
 * Context: xnet_error_send() runs in softirq or process context with no
 * xnet lock held. xnet_error_rcv() runs in softirq under RCU (rx.c); it
 * finds a connection with a reference and handles the report under
 * bh_lock_sock(), or queues it on the socket's backlog if the user owns
 * the socket, which release_sock() feeds to xnet_error_conn_rcv() through
 * xnet_conn_backlog_rcv() (input.c). Datagram sockets need no socket
 * lock: sk_err is written with WRITE_ONCE, the error queue has its lock.
 */
#include <linux/errqueue.h>
#include <linux/etherdevice.h>

#include "xnet.h"
#include "sec.h"

/* Least payload of a connection frame a report must quote: its seq. */
#define XNET_ERR_QUOTE_MIN	16

static struct xnet_dev *xnet_error_xdev(struct xnet_net *xn, int ifindex)
{
	struct xnet_dev *xdev;

	list_for_each_entry_rcu(xdev, &xn->devs, list)
		if (xdev->dev->ifindex == ifindex)
			return xdev;
	return NULL;
}

/*
 * Is @saddr a plausible source of a frame that came in by @xdev: would
 * we reach it by the same device (a reverse-path check, as rp_filter's
 * strict mode)? A source only a bare address's link reaches is plausible
 * on any device holding one. Under RCU.
 */
static bool xnet_error_src_plausible(struct xnet_net *xn,
				     struct xnet_dev *xdev, __be32 saddr)
{
	struct xnet_rt rt;

	if (xnet_route_output_rcu(xn, saddr, 0, 0, &rt))
		return false;
	return rt.xdev ? rt.xdev == xdev : READ_ONCE(xdev->nbare) > 0;
}

/* Did @skb come from a wire (an Ethernet header), not from this node? */
static bool xnet_error_from_wire(const struct sk_buff *skb)
{
	return skb_mac_header_was_set(skb) &&
	       skb_mac_header_len(skb) >= ETH_HLEN;
}

void xnet_error_send(struct xnet_net *xn, struct sk_buff *in, u8 type,
		     u8 code, u32 info)
{
	const struct xnethdr *ixh = xnet_hdr(in);
	__be32 bcast = htonl(XNET_ADDR_BROADCAST), src, isaddr = ixh->saddr;
	unsigned int quote, flen = ntohs(ixh->len);
	struct xnet_errhdr *eh;
	struct xnet_dev *xdev;
	struct sk_buff *skb;
	int avail;

	if (ixh->type == XNET_T_ERROR || ixh->daddr == bcast ||
	    in->pkt_type == PACKET_BROADCAST ||
	    in->pkt_type == PACKET_MULTICAST ||
	    !isaddr || isaddr == bcast)
		return;
	rcu_read_lock();
	if (xnet_error_from_wire(in)) {
		xdev = xnet_error_xdev(xn, in->skb_iif);
		if (!xdev || xnet_dev_by_addr_rcu(xn, isaddr) ||
		    !xnet_error_src_plausible(xn, xdev, isaddr)) {
			rcu_read_unlock();
			return;
		}
		src = xnet_dev_first_addr_rcu(xdev);
	} else {
		/* this node's own frame to itself: the reporter is we */
		src = xnet_dev_by_addr_rcu(xn, isaddr) ? ixh->daddr : 0;
	}
	rcu_read_unlock();
	if (!src || src == bcast)
		return;
	/*
	 * Frame too big has its own budget, as Linux never limits PMTU
	 * discovery with the other ICMP errors: a flood of frames that
	 * earn other reports (hop limit 1, no route) must not stop the
	 * reports that let senders' connections shrink their segments.
	 */
	if (!xnet_rl_allow(xn, type == XNET_ERR_TOOBIG ? XNET_RL_TOOBIG :
			   XNET_RL_ERROR))
		return;

	/* what the frame holds from its header on */
	avail = (int)in->len - skb_network_offset(in);
	if (avail < XNET_HLEN)
		return;
	quote = min3((unsigned int)avail, flen, XNET_ERR_QUOTE_MAX);
	skb = alloc_skb(LL_MAX_HEADER + XNET_HLEN + XNET_ERR_HLEN + quote,
			GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, LL_MAX_HEADER + XNET_HLEN);
	eh = skb_put(skb, XNET_ERR_HLEN);
	eh->type = type;
	eh->code = code;
	eh->resv = 0;
	eh->info = htonl(info);
	if (skb_copy_bits(in, skb_network_offset(in), skb_put(skb, quote),
			  quote)) {
		kfree_skb(skb);
		return;
	}
	xnet_build_hdr(skb, XNET_T_ERROR, src, isaddr, 0, 0,
		       xnet_net_hoplimit(xn));
	xnet_inc_stat(xn, XNET_MIB_OUT_ERRORS);
	xnet_output_reply(xn, skb, in);
}

/* The errno a sender sees for @eh, negative. */
static int xnet_error_errno(const struct xnet_errhdr *eh)
{
	if (eh->type == XNET_ERR_TOOBIG)
		return -EMSGSIZE;
	if (eh->type == XNET_ERR_UNREACH && eh->code == XNET_UNREACH_PORT)
		return -ECONNREFUSED;
	return -EHOSTUNREACH;
}

/*
 * A frame too big report's MTU, validated: at least XNET_MIN_MTU, below
 * the path MTU to @daddr as it stands, and below the length of the quoted
 * frame (a frame that fitted was not too big). 0 if it fails.
 */
static unsigned int xnet_error_mtu(struct xnet_net *xn, const struct xnethdr *qh,
				   const struct xnet_errhdr *eh, int oif)
{
	unsigned int mtu = ntohl(eh->info);
	unsigned int cur = xnet_path_mtu(xn, qh->saddr, qh->daddr, oif);

	/* a sealed frame's MTU is the path's, before the seal's share */
	if (qh->type == XNET_T_SEALED)
		cur += XNET_SEAL_OVERHEAD;
	if (mtu < XNET_MIN_MTU || mtu >= cur || ntohs(qh->len) <= mtu)
		return 0;
	return mtu;
}

static void xnet_error_ignored(struct xnet_net *xn, struct sk_buff *skb)
{
	xnet_inc_stat(xn, XNET_MIB_IN_ERRORS_IGNORED);
	kfree_skb(skb);
}

/*
 * A report about one of our datagrams, delivered to the socket bound to
 * its source port. Softirq, under RCU. Consumes skb.
 */
static void xnet_error_dgram(struct xnet_net *xn, struct xnet_dev *xdev,
			     struct sk_buff *skb)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	const struct xnet_errhdr *eh = (const void *)(xh + 1);
	const struct xnethdr *qh = (const void *)(eh + 1);
	struct sock_exterr_skb *serr;
	unsigned int mtu = 0;
	struct xnet_sock *xs;
	struct sock *sk;
	int err;

	if (!qh->sport || !qh->dport || qh->daddr == htonl(XNET_ADDR_BROADCAST))
		goto ignore;
	/* the socket a reply from the quoted destination would reach */
	sk = xnet_port_lookup_rcu(&xnet_dgram_ports, xn->net, qh->daddr,
				  qh->dport, qh->saddr, qh->sport, xdev);
	if (!sk)
		goto ignore;
	xs = xnet_sk(sk);
	if (xs->sport != qh->sport ||
	    (xs->dport && (xs->daddr != qh->daddr || xs->dport != qh->dport)))
		goto ignore;
	err = -xnet_error_errno(eh);
	if (eh->type == XNET_ERR_TOOBIG) {
		mtu = xnet_error_mtu(xn, qh, eh,
				     READ_ONCE(sk->sk_bound_dev_if));
		if (!mtu)
			goto ignore;
		xnet_pmtu_update(xn, qh->daddr, mtu);
	}
	if (xs->dport) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	}
	if (!READ_ONCE(xs->recverr)) {
		consume_skb(skb);
		return;
	}
	/*
	 * As ip_icmp_error(): the report itself goes on the error queue,
	 * its network header at the report's header (the offender), its
	 * data at the quoted payload; the quoted header stays before it.
	 */
	serr = SKB_EXT_ERR(skb);
	memset(serr, 0, sizeof(*serr));
	serr->ee.ee_errno = err;
	serr->ee.ee_origin = XNET_EE_ORIGIN;
	serr->ee.ee_type = eh->type;
	serr->ee.ee_code = eh->code;
	serr->ee.ee_info = mtu;
	serr->port = qh->dport;
	serr->addr_offset = XNET_HLEN + XNET_ERR_HLEN +
			    offsetof(struct xnethdr, daddr);
	__skb_pull(skb, XNET_HLEN + XNET_ERR_HLEN + XNET_HLEN);
	skb->dev = NULL;	/* the device may go before the reader comes */
	if (sock_queue_err_skb(sk, skb)) {
		atomic_inc(&sk->sk_drops);
		kfree_skb(skb);
	}
	return;
ignore:
	xnet_error_ignored(xn, skb);
}

/*
 * A report about a frame of the connection @sk; the socket lock held
 * (bh_lock_sock, or the owner through the backlog). Consumes skb.
 */
void xnet_error_conn_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	const struct xnethdr *xh = xnet_hdr(skb);
	const struct xnet_errhdr *eh = (const void *)(xh + 1);
	const struct xnethdr *qh = (const void *)(eh + 1);
	const struct xnet_seghdr *qsh = (const void *)(qh + 1);
	struct xnet_conn *c = xnet_conn(sk);
	u32 seq = ntohl(qsh->seq);
	unsigned int mtu;
	u32 mss;
	int err;

	/* a sealed frame's sequence number cannot be read: frame too big only */
	if (sk->sk_state == XNET_STATE_CLOSED ||
	    sk->sk_state == XNET_STATE_LISTEN ||
	    (qh->type == XNET_T_SEALED ? eh->type != XNET_ERR_TOOBIG :
	     xnet_before(seq, c->snd_una) || !xnet_before(seq, c->snd_nxt))) {
		xnet_error_ignored(xn, skb);
		return;
	}
	err = -xnet_error_errno(eh);
	if (eh->type == XNET_ERR_TOOBIG) {
		mtu = xnet_error_mtu(xn, qh, eh,
				     READ_ONCE(sk->sk_bound_dev_if));
		if (!mtu) {
			xnet_error_ignored(xn, skb);
			return;
		}
		xnet_pmtu_update(xn, c->xs.daddr, mtu);
		/* the path MTU now, less the seal's share if it takes one */
		mtu = xnet_path_mtu(xn, c->laddr, c->xs.daddr,
				    READ_ONCE(sk->sk_bound_dev_if));
		mss = mtu > XNET_CONN_OVERHEAD + 64 ?
		      mtu - XNET_CONN_OVERHEAD : 64;
		if (mss < c->mss) {
			c->mss = mss;
			xnet_conn_mtu_reduced(sk);
		}
	} else if (sk->sk_state == XNET_STATE_SYN_SENT) {
		/* a report about our SYN: a hard error, as TCP's */
		xnet_inc_stat(xn, XNET_MIB_ATTEMPT_FAILS);
		xnet_conn_abort(sk, err);
	} else {
		/* the cause a timeout reports (timer.c) */
		c->soft_err = err;
		WRITE_ONCE(sk->sk_err_soft, err);
	}
	consume_skb(skb);
}

static void xnet_error_conn(struct xnet_net *xn, struct sk_buff *skb, u8 type)
{
	const struct xnethdr *qh = (const void *)((const u8 *)xnet_hdr(skb) +
						  XNET_HLEN + XNET_ERR_HLEN);
	struct sock *sk;

	sk = xnet_conn_lookup_rcu(xn->net, type, qh->saddr, qh->sport,
				  qh->daddr, qh->dport);
	if (!sk) {
		xnet_error_ignored(xn, skb);
		return;
	}
	xnet_conn_deliver(xn, sk, skb, xnet_error_conn_rcv);
}

/*
 * A validated frame of type XNET_T_ERROR (linear, its checksum checked,
 * addressed to @xdev, or NULL for a frame looped by this node), skb->data
 * at the xnet header. Softirq, under RCU. Consumes skb.
 */
void xnet_error_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		    struct sk_buff *skb)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	const struct xnet_errhdr *eh = (const void *)(xh + 1);
	const struct xnethdr *qh = (const void *)(eh + 1);
	const struct xnet_sealhdr *qsh = (const void *)(qh + 1);
	unsigned int qlen;
	u8 type;

	if (skb->len < XNET_HLEN + XNET_ERR_HLEN + XNET_HLEN ||
	    xh->sport || xh->dport ||
	    xh->daddr == htonl(XNET_ADDR_BROADCAST) ||
	    eh->type < XNET_ERR_UNREACH || eh->type > XNET_ERR_TOOBIG)
		goto malformed;
	qlen = skb->len - XNET_HLEN - XNET_ERR_HLEN;
	type = qh->type;
	if (type == XNET_T_SEALED) {
		/* a sealed frame is longer than what every report quotes */
		if (qlen < XNET_HLEN + XNET_SEAL_HLEN)
			goto malformed;
		type = qsh->inner_type;
	} else if ((type == XNET_T_STREAM || type == XNET_T_SEQPACKET) &&
		   qlen < XNET_HLEN + XNET_ERR_QUOTE_MIN) {
		goto malformed;
	}
	xnet_inc_stat(xn, XNET_MIB_IN_ERRORS);

	/* about a frame of ours, reported to its source */
	if (qh->version != XNET_VERSION || qh->saddr != xh->daddr ||
	    !xnet_dev_by_addr_rcu(xn, qh->saddr)) {
		xnet_error_ignored(xn, skb);
		return;
	}
	switch (type) {
	case XNET_T_DGRAM:
		xnet_error_dgram(xn, xdev, skb);
		return;
	case XNET_T_STREAM:
	case XNET_T_SEQPACKET:
		xnet_error_conn(xn, skb, type);
		return;
	default:
		xnet_error_ignored(xn, skb);
		return;
	}

malformed:
	xnet_drop(xn, skb, XNET_MIB_IN_MALFORMED);
	kfree_skb(skb);
}

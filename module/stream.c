// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: the socket layer of SOCK_STREAM and SOCK_SEQPACKET sockets:
 * connect, listen, accept, sendmsg, recvmsg, poll, shutdown, close and
 * the SOL_XNET options.
 *
 * Context: process context. Every operation takes lock_sock(); segments
 * that arrive meanwhile wait on the backlog and are processed by
 * release_sock(). Sleeping uses sk_wait_event(), which drops the lock.
 * A listener's accept queue has its own spinlock (accept_lock), taken
 * with BHs off here and from softirq by children completing their
 * handshake, so a child never takes its listener's socket lock.
 */
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <asm/ioctls.h>
#include <linux/sockios.h>

#include "compat.h"
#include "xnet.h"

#define XNET_CONN_BUF_DEFAULT	(2 * 1024 * 1024)
#define XNET_SEQPACKET_MAX	65536

struct xnet_port_table *xnet_conn_ports(const struct sock *sk)
{
	return xnet_conn(sk)->type == XNET_T_STREAM ? &xnet_stream_ports
						     : &xnet_seqpacket_ports;
}

static bool xnet_is_seqpacket(const struct sock *sk)
{
	return sk->sk_type == SOCK_SEQPACKET;
}

static int xnet_conn_bind(struct socket *sock, struct sockaddr *uaddr,
			  int addr_len)
{
	struct sock *sk = sock->sk;
	int err = -EINVAL;

	lock_sock(sk);
	if (sk->sk_state == XNET_STATE_CLOSED)
		err = xnet_sock_bind(xnet_conn_ports(sk), sk, uaddr, addr_len);
	release_sock(sk);
	return err;
}

static int xnet_conn_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED ||
	    (sk->sk_state != XNET_STATE_CLOSED &&
	     sk->sk_state != XNET_STATE_LISTEN))
		goto out;
	err = xnet_sock_autobind(xnet_conn_ports(sk), sk, 0, 0);
	if (err)
		goto out;
	/* as TCP without SO_REUSEPORT: one listener per port and address */
	if (sk->sk_state != XNET_STATE_LISTEN) {
		err = xnet_port_listen(xnet_conn_ports(sk), sk);
		if (err)
			goto out;
	}
	WRITE_ONCE(sk->sk_max_ack_backlog,
		   clamp(backlog, 0, (int)READ_ONCE(sock_net(sk)->core.sysctl_somaxconn)));
out:
	release_sock(sk);
	return err;
}

/*
 * The local address for a connection to @daddr: its route's source (0: no
 * route). RCU-protected lookups.
 */
static __be32 xnet_conn_pick_saddr(struct xnet_net *xn, __be32 daddr,
				   int oif)
{
	struct xnet_dev *xdev;
	struct xnet_rt rt;
	__be32 saddr = 0;

	rcu_read_lock();
	if (xnet_dev_by_addr_rcu(xn, daddr)) {
		saddr = daddr;
		goto out;
	}
	/* the route's source, so that replies come back the same way */
	if (xnet_route_output_rcu(xn, daddr, 0, oif, &rt))
		goto out;
	if (rt.xdev) {
		saddr = rt.src;
		goto out;
	}
	/* a bare address's link: the first device it may take */
	list_for_each_entry_rcu(xdev, &xn->devs, list) {
		if (!oif && !READ_ONCE(xdev->nbare))
			continue;
		if (xnet_dev_usable(xdev, oif, 0)) {
			saddr = xnet_dev_first_addr_rcu(xdev);
			if (saddr)
				break;
		}
	}
out:
	rcu_read_unlock();
	return saddr;
}

static int xnet_conn_wait_connect(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int done = 0;

	/* any wakeup (write space, say) ends one wait: loop, as TCP does */
	add_wait_queue(sk_sleep(sk), &wait);
	while (!done && *timeo && !signal_pending(current))
		done = sk_wait_event(sk, timeo,
				     sk->sk_state != XNET_STATE_SYN_SENT &&
				     sk->sk_state != XNET_STATE_SYN_RECV,
				     &wait);
	remove_wait_queue(sk_sleep(sk), &wait);
	return done;
}

static int xnet_conn_connect(struct socket *sock, struct sockaddr *uaddr,
			     int addr_len, int flags)
{
	const struct sockaddr_xnet *sxn = (const struct sockaddr_xnet *)uaddr;
	struct sock *sk = sock->sk;
	struct xnet_conn *c = xnet_conn(sk);
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	long timeo;
	int err;

	err = xnet_check_sockaddr(uaddr, addr_len);
	if (err)
		return err;
	lock_sock(sk);
	switch (sock->state) {
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		err = sk->sk_state == XNET_STATE_SYN_SENT ? -EALREADY
							  : -EISCONN;
		if (sk->sk_state == XNET_STATE_CLOSED) {
			err = sock_error(sk) ? : -ECONNABORTED;
			sock->state = SS_UNCONNECTED;
		} else if (sk->sk_state != XNET_STATE_SYN_SENT) {
			sock->state = SS_CONNECTED;
		}
		goto out;
	default:
		break;
	}
	err = -EISCONN;
	if (sk->sk_state != XNET_STATE_CLOSED)
		goto out;
	err = -EINVAL;
	if (!sxn->sxn_addr || !sxn->sxn_port ||
	    sxn->sxn_addr == htonl(XNET_ADDR_BROADCAST))
		goto out;
	/* XNET_SECURE: only to a peer we can protect (sec.h) */
	err = xnet_sock_check_secure(sk, sxn->sxn_addr,
				     READ_ONCE(sk->sk_bound_dev_if));
	if (err)
		goto out;

	err = xnet_sock_autobind(xnet_conn_ports(sk), sk, sxn->sxn_addr,
				 sxn->sxn_port);
	if (err)
		goto out;
	c->laddr = c->xs.rcv_addr ? :
		   xnet_conn_pick_saddr(xn, sxn->sxn_addr,
					READ_ONCE(sk->sk_bound_dev_if));
	err = -ENETUNREACH;
	if (!c->laddr)
		goto out;
	/* as TCP: the port is now bound to the address the connection uses */
	xnet_port_set_addr(xnet_conn_ports(sk), sk, c->laddr);
	c->xs.daddr = sxn->sxn_addr;
	c->xs.dport = sxn->sxn_port;
	err = xnet_conn_hash(sk);
	if (err) {
		c->xs.daddr = 0;
		c->xs.dport = 0;
		goto out;
	}
	xnet_conn_set_mss(sk);
	xnet_conn_reset_engine(sk);
	c->iss = xnet_secure_seq(c->laddr, c->xs.daddr, c->xs.sport,
				 c->xs.dport, c->type);
	c->snd_una = c->iss;
	c->snd_nxt = c->iss;
	c->write_seq = c->iss;
	c->snd_wnd = c->mss;
	sk->sk_err = 0;
	WRITE_ONCE(sk->sk_shutdown, 0);
	xnet_conn_set_state(sk, XNET_STATE_SYN_SENT);
	xnet_inc_stat(xn, XNET_MIB_ACTIVE_OPENS);
	sock->state = SS_CONNECTING;
	xnet_conn_queue_ctl(sk, XNET_SEG_SYN);
	xnet_conn_push(sk);

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	err = -EINPROGRESS;
	if (sk->sk_state == XNET_STATE_SYN_SENT &&
	    (!timeo || !xnet_conn_wait_connect(sk, &timeo))) {
		if (timeo && signal_pending(current))
			err = sock_intr_errno(timeo);
		goto out;
	}
	if (sk->sk_state == XNET_STATE_CLOSED) {
		err = sock_error(sk) ? : -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		goto out;
	}
	sock->state = SS_CONNECTED;
	err = 0;
out:
	release_sock(sk);
	return err;
}

static struct sock *xnet_accept_dequeue(struct sock *lsk)
{
	struct xnet_conn *l = xnet_conn(lsk), *c;

	spin_lock_bh(&l->accept_lock);
	c = list_first_entry_or_null(&l->accept_q, struct xnet_conn,
				     accept_node);
	if (c) {
		list_del_init(&c->accept_node);
		sk_acceptq_removed(lsk);
	}
	spin_unlock_bh(&l->accept_lock);
	return c ? &c->xs.sk : NULL;
}

static int xnet_conn_do_accept(struct socket *sock, struct socket *newsock,
			       int flags)
{
	struct sock *lsk = sock->sk, *sk;
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	long timeo;
	int err = -EINVAL;

	lock_sock(lsk);
	if (lsk->sk_state != XNET_STATE_LISTEN)
		goto out;
	timeo = sock_rcvtimeo(lsk, flags & O_NONBLOCK);
	add_wait_queue(sk_sleep(lsk), &wait);
	while (!(sk = xnet_accept_dequeue(lsk))) {
		err = -EAGAIN;
		if (!timeo)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		err = -EINVAL;
		if (lsk->sk_state != XNET_STATE_LISTEN)
			break;
		sk_wait_event(lsk, &timeo,
			      !list_empty(&xnet_conn(lsk)->accept_q) ||
			      lsk->sk_state != XNET_STATE_LISTEN, &wait);
	}
	remove_wait_queue(sk_sleep(lsk), &wait);
	if (!sk)
		goto out;

	/* the lock order is listener, then child; children never take
	 * their listener's lock
	 */
	lock_sock_nested(sk, SINGLE_DEPTH_NESTING);
	xnet_conn(sk)->accepted_pending = 0;
	xnet_conn(sk)->unowned = 0;	/* its reference is the socket's now */
	sock_graft(sk, newsock);
	xnet_zc_custom_sockopt(newsock);
	sock_reset_flag(sk, SOCK_DEAD);
	newsock->state = SS_CONNECTED;
	release_sock(sk);
	err = 0;
out:
	release_sock(lsk);
	return err;
}

#ifdef XNET_HAVE_PROTO_ACCEPT_ARG
static int xnet_conn_accept(struct socket *sock, struct socket *newsock,
			    struct proto_accept_arg *arg)
{
	return xnet_conn_do_accept(sock, newsock, arg->flags);
}
#else
static int xnet_conn_accept(struct socket *sock, struct socket *newsock,
			    int flags, bool kern)
{
	return xnet_conn_do_accept(sock, newsock, flags);
}
#endif

static int xnet_conn_getname(struct socket *sock, struct sockaddr *uaddr,
			     int peer)
{
	struct sock *sk = sock->sk;

	if (peer && (sk->sk_state == XNET_STATE_CLOSED ||
		     sk->sk_state == XNET_STATE_SYN_SENT ||
		     sk->sk_state == XNET_STATE_LISTEN) &&
	    !xnet_conn(sk)->was_connected)
		return -ENOTCONN;
	return xnet_sock_getname(sock, uaddr, peer);
}

static __poll_t xnet_conn_poll(struct file *file, struct socket *sock,
			       poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct xnet_conn *c = xnet_conn(sk);
	u8 state = READ_ONCE(sk->sk_state);
	u8 shutdown = READ_ONCE(sk->sk_shutdown);
	__poll_t mask = 0;

	sock_poll_wait(file, sock, wait);
	if (state == XNET_STATE_LISTEN)
		return list_empty_careful(&c->accept_q) ? 0
							: EPOLLIN | EPOLLRDNORM;
	/* and MSG_ZEROCOPY's notifications (zerocopy.c) */
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	if (shutdown == SHUTDOWN_MASK || state == XNET_STATE_CLOSED)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (state == XNET_STATE_SYN_SENT || state == XNET_STATE_SYN_RECV)
		return mask;
	if (xnet_is_seqpacket(sk) ? READ_ONCE(c->rcv_eor) :
	    !skb_queue_empty_lockless(&sk->sk_receive_queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (!(shutdown & SEND_SHUTDOWN)) {
		if (READ_ONCE(sk->sk_wmem_queued) < READ_ONCE(sk->sk_sndbuf)) {
			mask |= EPOLLOUT | EPOLLWRNORM;
		} else {
			sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			/* pairs with the ACK path freeing space, then testing
			 * SOCK_NOSPACE: either it sees the bit or we see room
			 */
			smp_mb__after_atomic();
			if (READ_ONCE(sk->sk_wmem_queued) <
			    READ_ONCE(sk->sk_sndbuf))
				mask |= EPOLLOUT | EPOLLWRNORM;
		}
	} else {
		mask |= EPOLLOUT | EPOLLWRNORM;
	}
	return mask;
}

/* Wait until the send buffer has room, or fail. Socket locked. */
static int xnet_conn_wait_memory(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	if (!*timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(*timeo);
	set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	add_wait_queue(sk_sleep(sk), &wait);
	sk_wait_event(sk, timeo,
		      sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN) ||
		      sk->sk_state == XNET_STATE_CLOSED ||
		      sk->sk_wmem_queued < READ_ONCE(sk->sk_sndbuf), &wait);
	remove_wait_queue(sk_sleep(sk), &wait);
	return 0;
}

/*
 * Take back the segments of a SEQPACKET message that failed part-way,
 * those from @seq on: none was sent, as a message is only pushed once it
 * is queued whole. Socket locked.
 */
/* Take @skb off the write queue and give back its send-buffer charge. */
static void xnet_conn_free_queued(struct sock *sk, struct sk_buff *skb)
{
	__skb_unlink(skb, &sk->sk_write_queue);
	sk_wmem_queued_add(sk, -skb->truesize);
	kfree_skb(skb);
}

static void xnet_conn_unqueue(struct sock *sk, u32 seq)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *skb;

	while ((skb = skb_peek_tail(&sk->sk_write_queue)) &&
	       !xnet_before(XNET_SEG_CB(skb)->seq, seq)) {
		if (WARN_ON_ONCE(!c->send_head))
			break;
		if (skb == c->send_head)
			c->send_head = NULL;
		xnet_conn_free_queued(sk, skb);
	}
	c->write_seq = seq;
}

/*
 * A data skb queued by a failed copy may be left empty: it would share
 * its sequence number with the next one. Unsent, it goes.
 */
static void xnet_conn_drop_empty_tail(struct sock *sk)
{
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);
	struct xnet_conn *c = xnet_conn(sk);

	if (!tail || tail->len || XNET_SEG_CB(tail)->flags || !c->send_head)
		return;
	if (tail == c->send_head)
		c->send_head = NULL;
	xnet_conn_free_queued(sk, tail);
}

/*
 * Copy up to @len bytes of @msg into the page fragments of @skb, a
 * segment at most: a copy that faults part-way loses at most the segment
 * it was in, the prefix before it is sent. The bytes copied; -EMSGSIZE
 * if @skb's fragment table is full, -ENOBUFS, -EFAULT. Socket locked.
 */
static ssize_t xnet_conn_copy(struct sock *sk, struct sk_buff *skb,
			      struct msghdr *msg, size_t len)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	int i = skb_shinfo(skb)->nr_frags;
	bool merge;
	size_t n;

	if (!sk_page_frag_refill(sk, pfrag))
		return -ENOBUFS;
	n = min3(len, (size_t)(pfrag->size - pfrag->offset),
		 (size_t)xnet_conn(sk)->mss);
	merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
	if (!merge && i >= MAX_SKB_FRAGS)
		return -EMSGSIZE;
	if (skb_copy_to_page_nocache(sk, &msg->msg_iter, skb, pfrag->page,
				     pfrag->offset, n))
		return -EFAULT;
	if (merge) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], n);
	} else {
		skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, n);
		get_page(pfrag->page);
	}
	pfrag->offset += n;
	return n;
}

/*
 * sendmsg, taking the data as @mode says (zerocopy.c): copied, the
 * user's pages pinned (MSG_ZEROCOPY) or a splice's pages by reference.
 */
int xnet_conn_sendmsg_mode(struct socket *sock, struct msghdr *msg,
			   size_t len, enum xnet_zc_mode mode)
{
	struct sock *sk = sock->sk;
	struct xnet_conn *c = xnet_conn(sk);
	bool seqpacket = xnet_is_seqpacket(sk);
	struct ubuf_info *uarg = NULL;
	int flags = msg->msg_flags;
	size_t copied = 0;
	bool new_skb = false;
	u32 start_seq;
	long timeo;
	int err = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (seqpacket && len > XNET_SEQPACKET_MAX)
		return -EMSGSIZE;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	if (sk->sk_state == XNET_STATE_SYN_SENT && timeo)
		xnet_conn_wait_connect(sk, &timeo);
	start_seq = c->write_seq;
	/* XNET_SECURE: the peer's key may have gone since connect() */
	if (c->xs.daddr && sk->sk_state != XNET_STATE_CLOSED) {
		err = xnet_sock_check_secure(sk, c->xs.daddr,
					     READ_ONCE(sk->sk_bound_dev_if));
		if (err)
			goto out_err;
	}
	if (mode == XNET_ZC_PIN) {
		uarg = xnet_zc_uarg(sk, len);
		if (!uarg) {
			err = -ENOBUFS;
			goto out_err;
		}
	}

	while (copied < len || (!len && !copied)) {
		struct sk_buff *skb, *tail;
		ssize_t n;
		u32 goal;

		if (sk->sk_err) {
			/*
			 * A stream's partial write returns its count: the
			 * error stays for the next call (or the reader),
			 * as TCP's, instead of being consumed and lost.
			 */
			err = copied && !seqpacket ? -EPIPE : sock_error(sk);
			goto out_err;
		}
		if ((sk->sk_shutdown & SEND_SHUTDOWN) ||
		    (sk->sk_state != XNET_STATE_ESTABLISHED &&
		     sk->sk_state != XNET_STATE_CLOSE_WAIT)) {
			err = sk->sk_state == XNET_STATE_SYN_SENT ? -EAGAIN
								   : -EPIPE;
			goto out_err;
		}
		if (!len)
			break;
		/*
		 * A SEQPACKET message goes whole or not at all: wait for room
		 * before its first segment only (the buffer overshoots by at
		 * most one message), so none is pushed before its end.
		 */
		if (sk->sk_wmem_queued >= READ_ONCE(sk->sk_sndbuf) &&
		    !(seqpacket && copied)) {
			xnet_conn_push(sk);
			err = xnet_conn_wait_memory(sk, &timeo);
			if (err)
				goto out_err;
			continue;
		}
		/*
		 * Append to the unsent tail skb while it is under the size
		 * goal (a SEQPACKET message starts its own); the payload
		 * lives in page fragments, as TCP's.
		 */
		tail = skb_peek_tail(&sk->sk_write_queue);
		goal = xnet_conn_size_goal(c);
		if (!tail || !c->send_head || XNET_SEG_CB(tail)->flags ||
		    tail->len >= goal || (seqpacket && !copied) || new_skb) {
			skb = alloc_skb(0, sk->sk_allocation);
			if (!skb) {
				err = -ENOBUFS;
				goto out_err;
			}
			XNET_SEG_CB(skb)->seq = c->write_seq;
			XNET_SEG_CB(skb)->end_seq = c->write_seq;
			XNET_SEG_CB(skb)->flags = 0;
			XNET_SEG_CB(skb)->sacked = 0;
			XNET_SEG_CB(skb)->retrans = 0;
			XNET_SEG_CB(skb)->sent_us = 0;
			sk_wmem_queued_add(sk, skb->truesize);
			__skb_queue_tail(&sk->sk_write_queue, skb);
			if (!c->send_head)
				c->send_head = skb;
			tail = skb;
			new_skb = false;
		}
		n = min_t(size_t, len - copied, goal - tail->len);
		if (mode == XNET_ZC_COPY)
			n = xnet_conn_copy(sk, tail, msg, n);
		else
			n = xnet_zc_append(sk, tail, msg, n, mode, uarg);
		if (n == -EMSGSIZE || n == -EEXIST) {
			new_skb = true;
			continue;
		}
		if (n <= 0) {
			err = n ? : -EFAULT;
			goto out_err;
		}
		XNET_SEG_CB(tail)->end_seq += n;
		c->write_seq += n;
		copied += n;
		if (seqpacket && copied == len)
			XNET_SEG_CB(tail)->flags = XNET_SEG_EOR;
		/* a large frame's worth at a time; the rest at the end */
		if (!seqpacket &&
		    c->write_seq - c->snd_nxt >= XNET_GSO_MAX_PAYLOAD)
			xnet_conn_push(sk);
	}
	xnet_conn_push(sk);
	xnet_zc_uarg_done(uarg, true);
	release_sock(sk);
	return copied;

out_err:
	xnet_conn_drop_empty_tail(sk);
	if (seqpacket && copied) {
		xnet_conn_unqueue(sk, start_seq);
		copied = 0;
	}
	xnet_conn_push(sk);
	/* a message taken back, or nothing queued: no notification */
	xnet_zc_uarg_done(uarg, copied);
	release_sock(sk);
	if (copied)
		return copied;
	if (err == -EPIPE && !(flags & MSG_NOSIGNAL))
		send_sig(SIGPIPE, current, 0);
	return err;
}

static int xnet_conn_sendmsg(struct socket *sock, struct msghdr *msg,
			     size_t len)
{
	return xnet_conn_sendmsg_mode(sock, msg, len,
				      xnet_zc_mode(sock->sk, msg, len));
}

/*
 * The reader (recvmsg, splice) freed buffer space: tell the peer if its
 * window reopens.
 */
void xnet_conn_rcv_space(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	u32 wnd = xnet_conn_rcv_wnd(sk);

	if (sk->sk_state != XNET_STATE_ESTABLISHED &&
	    sk->sk_state != XNET_STATE_FIN_WAIT1 &&
	    sk->sk_state != XNET_STATE_FIN_WAIT2)
		return;
	if (wnd >= c->rcv_wnd + 2 * c->mss && c->rcv_wnd < wnd / 2)
		xnet_conn_send_ack(sk);
}

static int xnet_conn_recvmsg(struct socket *sock, struct msghdr *msg,
			     size_t len, int flags)
{
	DECLARE_SOCKADDR(struct sockaddr_xnet *, sxn, msg->msg_name);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sock *sk = sock->sk;
	struct xnet_conn *c = xnet_conn(sk);
	bool seqpacket = xnet_is_seqpacket(sk), peek = flags & MSG_PEEK;
	size_t copied = 0, target, msglen = 0;
	struct sk_buff *skb, *tmp;
	long timeo;
	int err = 0;

	if (flags & MSG_ERRQUEUE)
		return xnet_zc_recv_error(sk, msg, len);
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	lock_sock(sk);
	if (sk->sk_state == XNET_STATE_LISTEN ||
	    (sk->sk_state == XNET_STATE_CLOSED && !c->was_connected)) {
		err = -ENOTCONN;
		goto out;
	}
	/* as TCP: a zero-length read of a stream copies nothing, waits not */
	if (!len && !seqpacket)
		goto out;
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = seqpacket ? 1 : sock_rcvlowat(sk, flags & MSG_WAITALL, len);

	for (;;) {
		bool eor = false;
		size_t offset = 0;

		/* seqpacket: wait for a whole message */
		if (seqpacket ? READ_ONCE(c->rcv_eor) :
		    !skb_queue_empty(&sk->sk_receive_queue)) {
			skb_queue_walk_safe(&sk->sk_receive_queue, skb, tmp) {
				struct xnet_seg_cb *cb = XNET_SEG_CB(skb);
				size_t avail = skb->len - cb->off;
				size_t n = min_t(size_t, avail, len - copied);

				if (peek && !seqpacket && offset < copied) {
					/* already peeked part of the stream */
					size_t skip = min_t(size_t, avail,
							    copied - offset);

					offset += skip;
					if (skip == avail)
						continue;
					n = min_t(size_t, avail - skip,
						  len - copied);
					if (skb_copy_datagram_msg(skb,
								  cb->off + skip,
								  msg, n)) {
						err = -EFAULT;
						goto out;
					}
					copied += n;
					offset += n;
					continue;
				}
				if (n && skb_copy_datagram_msg(skb, cb->off, msg,
							       n)) {
					if (!copied)
						err = -EFAULT;
					goto out;
				}
				copied += n;
				offset += n;
				msglen += avail;
				eor = cb->flags & XNET_SEG_EOR;
				if (!peek) {
					if (!seqpacket && n < avail) {
						cb->off += n;
						break;
					}
					__skb_unlink(skb, &sk->sk_receive_queue);
					kfree_skb(skb);
				}
				if (seqpacket ? eor : copied >= len)
					break;
			}
			if (seqpacket && eor && !peek)
				WRITE_ONCE(c->rcv_eor, c->rcv_eor - 1);
			if (!peek)
				xnet_conn_rcv_space(sk);
			if (seqpacket)
				break;
			if (peek || copied >= target)
				break;
		}
		if (copied >= target && copied)
			break;
		if (sk->sk_err) {
			if (!copied)
				err = sock_error(sk);
			break;
		}
		if ((sk->sk_shutdown & RCV_SHUTDOWN) ||
		    sk->sk_state == XNET_STATE_CLOSED)
			break;
		if (!timeo) {
			if (!copied)
				err = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			if (!copied)
				err = sock_intr_errno(timeo);
			break;
		}
		add_wait_queue(sk_sleep(sk), &wait);
		sk_wait_event(sk, &timeo,
			      (seqpacket ? READ_ONCE(c->rcv_eor) :
			       !skb_queue_empty(&sk->sk_receive_queue)) ||
			      sk->sk_err || (sk->sk_shutdown & RCV_SHUTDOWN) ||
			      sk->sk_state == XNET_STATE_CLOSED, &wait);
		remove_wait_queue(sk_sleep(sk), &wait);
	}
	if (seqpacket && msglen > copied) {
		msg->msg_flags |= MSG_TRUNC;
		if (flags & MSG_TRUNC)
			copied = msglen;
	} else if (seqpacket && msglen) {
		msg->msg_flags |= MSG_EOR;
	}
	if (sxn && copied) {
		memset(sxn, 0, sizeof(*sxn));
		sxn->sxn_family = sk->sk_family;
		sxn->sxn_addr = c->xs.daddr;
		sxn->sxn_port = c->xs.dport;
		msg->msg_namelen = sizeof(*sxn);
	}
out:
	release_sock(sk);
	return err ? err : copied;
}

/* Send our FIN after queued data. Socket locked. */
static void xnet_conn_send_fin(struct sock *sk)
{
	switch (sk->sk_state) {
	case XNET_STATE_ESTABLISHED:
	case XNET_STATE_SYN_RECV:
		xnet_conn_set_state(sk, XNET_STATE_FIN_WAIT1);
		break;
	case XNET_STATE_CLOSE_WAIT:
		xnet_conn_set_state(sk, XNET_STATE_LAST_ACK);
		break;
	default:
		return;
	}
	xnet_conn_queue_ctl(sk, XNET_SEG_FIN);
	xnet_conn_push(sk);
}

static int xnet_conn_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	how++;
	if (how <= 0 || how > SHUTDOWN_MASK)
		return -EINVAL;
	lock_sock(sk);
	switch (sk->sk_state) {
	case XNET_STATE_ESTABLISHED:
	case XNET_STATE_CLOSE_WAIT:
	case XNET_STATE_FIN_WAIT1:
	case XNET_STATE_FIN_WAIT2:
	case XNET_STATE_CLOSING:
	case XNET_STATE_LAST_ACK:
	case XNET_STATE_TIME_WAIT:
		break;
	default:
		err = -ENOTCONN;
		goto out;
	}
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
	if (how & SEND_SHUTDOWN)
		xnet_conn_send_fin(sk);
	sk->sk_state_change(sk);
out:
	release_sock(sk);
	return err;
}

/*
 * Close a listener: reset every child that waits in its accept queue,
 * end those still in their handshake.
 */
static void xnet_conn_close_listener(struct sock *lsk)
{
	struct xnet_conn *l = xnet_conn(lsk);
	struct sock *sk;

	xnet_conn_set_state(lsk, XNET_STATE_CLOSED);
	while ((sk = xnet_accept_dequeue(lsk))) {
		local_bh_disable();
		bh_lock_sock_nested(sk);
		xnet_conn(sk)->accepted_pending = 0;
		if (sk->sk_state != XNET_STATE_CLOSED)
			xnet_conn_send_rst(sk);
		sock_hold(sk);
		xnet_conn_done(sk);	/* drops the unowned reference */
		bh_unlock_sock(sk);
		sock_put(sk);
		local_bh_enable();
	}
	WARN_ON_ONCE(!list_empty(&l->accept_q));
	xnet_conn_close_children(lsk);
}

/*
 * SO_LINGER with a time: wait until our FIN is acknowledged, the time is
 * up or a signal comes. The socket is not orphaned yet: its wait queue
 * is still there and state changes wake us.
 */
static void xnet_conn_linger(struct sock *sk)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	long timeo = sk->sk_lingertime;
	int done = 0;

	add_wait_queue(sk_sleep(sk), &wait);
	while (!done && timeo && !signal_pending(current))
		done = sk_wait_event(sk, &timeo,
				     sk->sk_state != XNET_STATE_FIN_WAIT1 &&
				     sk->sk_state != XNET_STATE_CLOSING &&
				     sk->sk_state != XNET_STATE_LAST_ACK,
				     &wait);
	remove_wait_queue(sk_sleep(sk), &wait);
}

static int xnet_conn_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	bool linger;

	if (!sk)
		return 0;
	lock_sock(sk);
	/* a graceful close with a linger time orphans after its wait */
	linger = sock_flag(sk, SOCK_LINGER) && sk->sk_lingertime &&
		 skb_queue_empty(&sk->sk_receive_queue) &&
		 sk->sk_state != XNET_STATE_LISTEN &&
		 sk->sk_state != XNET_STATE_CLOSED &&
		 sk->sk_state != XNET_STATE_SYN_SENT;
	if (!linger)
		sock_orphan(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	switch (sk->sk_state) {
	case XNET_STATE_LISTEN:
		xnet_conn_close_listener(sk);
		xnet_conn_done(sk);
		break;
	case XNET_STATE_CLOSED:
		xnet_conn_done(sk);
		break;
	case XNET_STATE_SYN_SENT:
		xnet_conn_done(sk);
		break;
	default:
		if (!skb_queue_empty(&sk->sk_receive_queue) ||
		    (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) ||
		    (sk->sk_state != XNET_STATE_TIME_WAIT &&
		     xnet_conn_too_many_orphans(sk))) {
			/* unread data or an abortive close: reset */
			xnet_inc_stat(xnet_pernet(sock_net(sk)),
				      XNET_MIB_ESTAB_RESETS);
			xnet_conn_send_rst(sk);
			xnet_conn_done(sk);
			break;
		}
		xnet_conn_send_fin(sk);
		if (linger) {
			xnet_conn_linger(sk);
			sock_orphan(sk);
			if (sk->sk_state == XNET_STATE_CLOSED) {
				/* ended while we waited: give back the port */
				xnet_conn_done(sk);
				break;
			}
		}
		if (sk->sk_state == XNET_STATE_FIN_WAIT2)
			xnet_conn_reset_linger_timer(sk,
						     xnet_conn_fin_timeout());
		break;
	}
	/* what goes on without its socket is an orphan (max_orphans) */
	if (sk->sk_state != XNET_STATE_CLOSED &&
	    sk->sk_state != XNET_STATE_TIME_WAIT)
		xnet_conn_orphaned(sk);
	release_sock(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int xnet_conn_setsockopt(struct socket *sock, int level, int optname,
				sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct xnet_conn *c = xnet_conn(sk);
	char name[16];
	int val, err = 0;

	if (level == SOL_SOCKET)
		return xnet_zc_sol_socket(sock, optname, optval, optlen);
	if (level != SOL_XNET)
		return -ENOPROTOOPT;
	if (optname == XNET_CONGESTION) {
		if (optlen < 1)
			return -EINVAL;
		memset(name, 0, sizeof(name));
		if (copy_from_sockptr(name, optval,
				      min_t(unsigned int, optlen,
					    sizeof(name) - 1)))
			return -EFAULT;
		if (!xnet_cong_find(name))
			return -ENOENT;
		lock_sock(sk);
		c->cc = xnet_cong_find(name);
		release_sock(sk);
		return 0;
	}
	if (optname == XNET_HOPLIMIT)
		return xnet_sock_set_hoplimit(sk, optval, optlen);
	if (optname == XNET_SECURE)
		return xnet_sock_set_secure(sk, optval, optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case XNET_NODELAY:
		c->nodelay = !!val;
		if (val)
			xnet_conn_push(sk);
		break;
	case XNET_MAXSEG:
		if (val < 64 || val > U16_MAX) {
			err = -EINVAL;
			break;
		}
		c->user_mss = val;
		if (sk->sk_state == XNET_STATE_CLOSED ||
		    sk->sk_state == XNET_STATE_LISTEN)
			c->mss = min_t(u32, c->mss ? : val, val);
		break;
	case XNET_KEEPIDLE:
	case XNET_KEEPINTVL:
	case XNET_KEEPCNT:
		if (val < 1 || val > 32767) {
			err = -EINVAL;
			break;
		}
		if (optname == XNET_KEEPIDLE) {
			c->keepidle = val;
			xnet_conn_keepalive_arm(sk);
		} else if (optname == XNET_KEEPINTVL) {
			c->keepintvl = val;
		} else {
			c->keepcnt = val;
		}
		break;
	case XNET_USER_TIMEOUT:
		if (val < 0) {
			err = -EINVAL;
			break;
		}
		c->user_timeout_ms = val;
		break;
	case XNET_ZEROCOPY:
		if (val < 0 || val > 1)
			err = -EINVAL;
		else
			sock_valbool_flag(sk, SOCK_ZEROCOPY, val);
		break;
	case XNET_INFO:
		err = -EINVAL;
		break;
	default:
		err = -ENOPROTOOPT;
	}
	release_sock(sk);
	return err;
}

/*
 * XNET_INFO of a connection. Socket lock held, or (diag.c) its table's
 * lock: a snapshot of fields each read whole.
 */
void xnet_conn_fill_info(struct sock *sk, struct xnet_info *info)
{
	struct xnet_conn *c = xnet_conn(sk);

	memset(info, 0, sizeof(*info));
	info->xi_state = sk->sk_state;
	info->xi_rto_us = c->rto_us;
	info->xi_srtt_us = c->srtt_us;
	info->xi_rttvar_us = c->rttvar_us;
	info->xi_snd_cwnd = c->cwnd;
	info->xi_snd_ssthresh = c->ssthresh;
	info->xi_mss = c->mss;
	info->xi_rcv_wnd = c->rcv_wnd;
	info->xi_snd_wnd = c->snd_wnd;
	info->xi_retransmits = c->retransmits;
	info->xi_total_retrans = c->total_retrans;
	info->xi_unacked = c->snd_nxt - c->snd_una;
	info->xi_bytes_acked = c->bytes_acked;
	info->xi_bytes_received = c->bytes_received;
	info->xi_segs_out = c->segs_out;
	info->xi_segs_in = c->segs_in;
	xnet_pacing_fill_info(sk, info);
}

static int xnet_conn_getsockopt(struct socket *sock, int level, int optname,
				char __user *optval, int __user *optlen)
{
	struct sock *sk = sock->sk;
	struct xnet_conn *c = xnet_conn(sk);
	struct xnet_info info;
	const void *p = &info;
	int len, val = 0;

	if (level != SOL_XNET)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	lock_sock(sk);
	switch (optname) {
	case XNET_INFO:
		xnet_conn_fill_info(sk, &info);
		len = min_t(int, len, sizeof(info));
		break;
	case XNET_CONGESTION:
		p = c->cc->name;
		len = min_t(int, len, strlen(c->cc->name) + 1);
		break;
	case XNET_NODELAY:
		val = c->nodelay;
		break;
	case XNET_MAXSEG:
		val = c->mss;
		break;
	case XNET_KEEPIDLE:
		val = c->keepidle;
		break;
	case XNET_KEEPINTVL:
		val = c->keepintvl;
		break;
	case XNET_KEEPCNT:
		val = c->keepcnt;
		break;
	case XNET_USER_TIMEOUT:
		val = c->user_timeout_ms;
		break;
	case XNET_ZEROCOPY:
		val = sock_flag(sk, SOCK_ZEROCOPY);
		break;
	case XNET_MTU:
		/* the path MTU to the peer (pmtu.c), once there is one */
		if (sk->sk_state == XNET_STATE_CLOSED ||
		    sk->sk_state == XNET_STATE_LISTEN) {
			release_sock(sk);
			return -ENOTCONN;
		}
		val = xnet_path_mtu(xnet_pernet(sock_net(sk)), c->laddr,
				    c->xs.daddr, READ_ONCE(sk->sk_bound_dev_if));
		break;
	case XNET_HOPLIMIT:
		val = xnet_sock_hoplimit(sk);
		break;
	case XNET_SECURE:
		/* connected (or connecting): is the peer protected now? */
		val = xnet_sock_get_secure(sk,
					   sk->sk_state == XNET_STATE_CLOSED ||
					   sk->sk_state == XNET_STATE_LISTEN ?
					   0 : c->xs.daddr);
		break;
	default:
		release_sock(sk);
		return -ENOPROTOOPT;
	}
	release_sock(sk);
	if (optname != XNET_INFO && optname != XNET_CONGESTION) {
		p = &val;
		len = min_t(int, len, sizeof(val));
	}
	if (put_user(len, optlen) || copy_to_user(optval, p, len))
		return -EFAULT;
	return 0;
}

static int xnet_conn_ioctl(struct socket *sock, unsigned int cmd,
			   unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *skb;
	int amount = 0;

	lock_sock(sk);
	switch (cmd) {
	case SIOCINQ:
		skb_queue_walk(&sk->sk_receive_queue, skb)
			amount += skb->len - XNET_SEG_CB(skb)->off;
		break;
	case SIOCOUTQ:
		amount = c->write_seq - c->snd_una;
		break;
	default:
		release_sock(sk);
		return -ENOIOCTLCMD;
	}
	release_sock(sk);
	return put_user(amount, (int __user *)arg);
}

/*
 * SO_KEEPALIVE (sock_setsockopt(), socket locked): the flag is set after
 * this returns, so arm by hand. Only the keepalive timer is touched.
 */
static void xnet_conn_keepalive(struct sock *sk, int valbool)
{
	if (valbool) {
		sock_set_flag(sk, SOCK_KEEPOPEN);
		xnet_conn_keepalive_arm(sk);
	} else {
		xnet_conn_keepalive_stop(sk);
	}
}

static void xnet_conn_destruct(struct sock *sk)
{
	skb_queue_purge(&sk->sk_receive_queue);
	skb_queue_purge(&sk->sk_error_queue);
	xnet_conn_ooo_purge(sk);
}

struct proto xnet_stream_proto = {
	.name		= "XNET_STREAM",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct xnet_conn),
	.backlog_rcv	= xnet_conn_backlog_rcv,
	.release_cb	= xnet_pacing_release_cb,
	.keepalive	= xnet_conn_keepalive,
};

struct proto xnet_seqpacket_proto = {
	.name		= "XNET_SEQPACKET",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct xnet_conn),
	.backlog_rcv	= xnet_conn_backlog_rcv,
	.release_cb	= xnet_pacing_release_cb,
	.keepalive	= xnet_conn_keepalive,
};

static const struct proto_ops xnet_conn_ops = {
	.family		= PF_XNET,
	.owner		= THIS_MODULE,
	.release	= xnet_conn_release,
	.bind		= xnet_conn_bind,
	.connect	= xnet_conn_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= xnet_conn_accept,
	.getname	= xnet_conn_getname,
	.poll		= xnet_conn_poll,
	.ioctl		= xnet_conn_ioctl,
	.listen		= xnet_conn_listen,
	.shutdown	= xnet_conn_shutdown,
	.setsockopt	= xnet_conn_setsockopt,
	.getsockopt	= xnet_conn_getsockopt,
	.sendmsg	= xnet_conn_sendmsg,
	.recvmsg	= xnet_conn_recvmsg,
	.mmap		= sock_no_mmap,
#ifdef XNET_HAVE_SENDPAGE
	.sendpage	= xnet_zc_sendpage,
#endif
	.splice_read	= xnet_zc_splice_read,
};

int xnet_stream_create(struct net *net, struct socket *sock, int kern)
{
	bool seq = sock->type == SOCK_SEQPACKET;
	struct sock *sk;

	sk = sk_alloc(net, xnet_family, GFP_KERNEL,
		      seq ? &xnet_seqpacket_proto : &xnet_stream_proto, kern);
	if (!sk)
		return -ENOMEM;
	sock->ops = &xnet_conn_ops;
	xnet_zc_custom_sockopt(sock);
	sock_init_data(sock, sk);
	sk->sk_destruct = xnet_conn_destruct;
	sk->sk_backlog_rcv = sk->sk_prot->backlog_rcv;
	sk->sk_rcvbuf = max(sk->sk_rcvbuf, XNET_CONN_BUF_DEFAULT);
	sk->sk_sndbuf = max(sk->sk_sndbuf, XNET_CONN_BUF_DEFAULT);
	sock_set_flag(sk, SOCK_RCU_FREE);
	xnet_conn_init(sk, seq ? XNET_T_SEQPACKET : XNET_T_STREAM);
	WRITE_ONCE(sk->sk_state, XNET_STATE_CLOSED);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: SOCK_DGRAM sockets: unreliable, unordered messages, as UDP.
 *
 * Locking: bind, connect and the socket's addresses are under lock_sock().
 * sendmsg takes lock_sock() only to autobind and read the addresses, then
 * builds and sends its frame unlocked. Receiving needs no socket lock:
 * xnet_dgram_rcv() runs in softirq (or with BHs off for local delivery)
 * under RCU and queues the frame itself, charging the socket's receive
 * buffer and the netns's receive memory (mem.c); it drops, counted, when
 * either is full. recvmsg uses the generic
 * datagram helpers (receive queue lock).
 *
 * Batching (issue 14): with XNET_SEGMENT one sendmsg builds one skb of
 * up to XNET_SEGMENT_MAX_BYTES (payload in page fragments, copied once)
 * marked GSO; offload.c cuts it into datagrams for a device, and
 * xnet_dgram_rcv() cuts one that arrived whole (a veth, an own address)
 * before delivery: sockets only ever queue ordinary datagrams. With
 * XNET_GRO, recvmsg takes the datagrams queued behind the first from the
 * same sender, of its size, unlinking each under the receive queue lock
 * and copying it unlocked. Nothing holds lock_sock() across a copy, so
 * sendmmsg/recvmmsg on one socket from several threads do not serialize
 * on it.
 *
 * Error reports (error.c) about a socket's datagrams set sk_err of a
 * connected socket (reported by its next call) and, with XNET_RECVERR,
 * wait on sk_error_queue for recvmsg(MSG_ERRQUEUE), charged to the
 * receive buffer (sock_queue_err_skb()), which bounds them.
 *
 * Lifetime: the port table holds a reference from bind to release; the
 * socket is SOCK_RCU_FREE so receivers that found it under RCU stay safe.
 * Frames queued after release are purged by the destructor.
 */
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <asm/ioctls.h>
#include <linux/sockios.h>
#include <net/sock.h>

#include "xnet.h"
#include "sec.h"

struct proto xnet_dgram_proto = {
	.name		= "XNET_DGRAM",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct xnet_sock),
};

static int xnet_dgram_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	xnet_port_unbind(&xnet_dgram_ports, sk);
	sock_orphan(sk);
	release_sock(sk);
	xnet_pacing_stop(sk);	/* what waits for the pacer goes */
	skb_queue_purge(&sk->sk_receive_queue);
	skb_queue_purge(&sk->sk_error_queue);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int xnet_dgram_bind(struct socket *sock, struct sockaddr *uaddr,
			   int addr_len)
{
	struct sock *sk = sock->sk;
	int err;

	lock_sock(sk);
	err = xnet_sock_bind(&xnet_dgram_ports, sk, uaddr, addr_len);
	release_sock(sk);
	return err;
}

static int xnet_dgram_connect(struct socket *sock, struct sockaddr *uaddr,
			      int addr_len, int flags)
{
	const struct sockaddr_xnet *sxn = (const struct sockaddr_xnet *)uaddr;
	struct sock *sk = sock->sk;
	struct xnet_sock *xs = xnet_sk(sk);
	int err;

	if (addr_len >= (int)sizeof(sa_family_t) &&
	    uaddr->sa_family == AF_UNSPEC) {
		lock_sock(sk);
		xs->daddr = 0;
		xs->dport = 0;
		/* as UDP: a port that connect() picked is given back */
		if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			xnet_port_unbind(&xnet_dgram_ports, sk);
		release_sock(sk);
		return 0;
	}
	err = xnet_check_sockaddr(uaddr, addr_len);
	if (err)
		return err;
	if (!sxn->sxn_addr || !sxn->sxn_port)
		return -EINVAL;
	if (sxn->sxn_addr == htonl(XNET_ADDR_BROADCAST) &&
	    !sock_flag(sk, SOCK_BROADCAST))
		return -EACCES;

	err = xnet_sock_check_secure(sk, sxn->sxn_addr,
				     READ_ONCE(sk->sk_bound_dev_if));
	if (err)
		return err;

	lock_sock(sk);
	err = xnet_sock_autobind(&xnet_dgram_ports, sk, sxn->sxn_addr,
				 sxn->sxn_port);
	if (!err) {
		xs->daddr = sxn->sxn_addr;
		xs->dport = sxn->sxn_port;
	}
	release_sock(sk);
	return err;
}

/*
 * Control messages of a send: SOL_XNET / XNET_SEGMENT (a __u16) sets
 * the segment size of this call, as UDP_SEGMENT's; other SOL_XNET ones
 * are refused, other levels ignored.
 */
static int xnet_dgram_cmsg(struct msghdr *msg, u16 *gso_size)
{
	struct cmsghdr *cmsg;

	if (!msg->msg_controllen)
		return 0;
	for_each_cmsghdr(cmsg, msg) {
		if (!CMSG_OK(msg, cmsg))
			return -EINVAL;
		if (cmsg->cmsg_level != SOL_XNET)
			continue;
		if (cmsg->cmsg_type != XNET_SEGMENT ||
		    cmsg->cmsg_len != CMSG_LEN(sizeof(__u16)))
			return -EINVAL;
		*gso_size = *(__u16 *)CMSG_DATA(cmsg);
	}
	return 0;
}

/*
 * One skb for @len bytes cut into datagrams of @gso_size bytes
 * (offload.c): the payload in page fragments after room for the
 * headers, copied once.
 */
static struct sk_buff *xnet_dgram_gso_skb(struct sock *sk, struct msghdr *msg,
					  size_t len, u16 gso_size, int *err)
{
	unsigned int headroom = LL_MAX_HEADER + XNET_HLEN;
	struct sk_buff *skb;

	skb = sock_alloc_send_pskb(sk, headroom, len,
				   msg->msg_flags & MSG_DONTWAIT, err,
				   PAGE_ALLOC_COSTLY_ORDER);
	if (!skb)
		return NULL;
	skb_reserve(skb, headroom);
	skb->data_len = len;
	skb->len = len;
	*err = skb_copy_datagram_from_iter(skb, 0, &msg->msg_iter, len);
	if (*err) {
		kfree_skb(skb);
		return NULL;
	}
	skb->priority = READ_ONCE(sk->sk_priority);
	skb->mark = READ_ONCE(sk->sk_mark);
	skb_shinfo(skb)->gso_size = gso_size;
	skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(len, gso_size);
	skb_shinfo(skb)->gso_type = SKB_GSO_FRAGLIST;
	skb->ip_summed = CHECKSUM_PARTIAL;
	return skb;
}

static int xnet_dgram_sendmsg(struct socket *sock, struct msghdr *msg,
			      size_t len)
{
	DECLARE_SOCKADDR(struct sockaddr_xnet *, sxn, msg->msg_name);
	struct sock *sk = sock->sk;
	struct xnet_sock *xs = xnet_sk(sk);
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	u16 gso_size = READ_ONCE(xs->gso_size);
	unsigned int mtu, segs = 1;
	__be32 daddr, saddr;
	__be16 dport, sport;
	struct sk_buff *skb;
	int err, oif;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	err = xnet_dgram_cmsg(msg, &gso_size);
	if (err)
		return err;
	if (sxn) {
		err = xnet_check_sockaddr((struct sockaddr *)sxn,
					  msg->msg_namelen);
		if (err)
			return err;
		daddr = sxn->sxn_addr;
		dport = sxn->sxn_port;
		if (!daddr || !dport)
			return -EINVAL;
		if (daddr == htonl(XNET_ADDR_BROADCAST) &&
		    !sock_flag(sk, SOCK_BROADCAST))
			return -EACCES;
	}

	lock_sock(sk);
	if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN) {
		release_sock(sk);
		return -EPIPE;
	}
	if (!sxn) {
		if (!xs->dport) {
			release_sock(sk);
			return -EDESTADDRREQ;
		}
		daddr = xs->daddr;
		dport = xs->dport;
	}
	err = xnet_sock_autobind(&xnet_dgram_ports, sk, daddr, dport);
	saddr = xs->rcv_addr;
	sport = xs->sport;
	oif = READ_ONCE(sk->sk_bound_dev_if);
	release_sock(sk);
	if (err)
		return err;
	/* XNET_SECURE: only to a peer we can protect (sec.h) */
	err = xnet_sock_check_secure(sk, daddr, oif);
	if (err)
		return err;

	mtu = xnet_path_mtu(xn, saddr, daddr, oif);
	if (!mtu) {
		xnet_inc_stat(xn, XNET_MIB_OUT_NO_ROUTE);
		return -ENETUNREACH;
	}
	if (mtu <= XNET_HLEN)
		return -EMSGSIZE;
	/*
	 * XNET_SEGMENT, as UDP_SEGMENT: the segment size must fit the
	 * path, whatever the send's length; a send no longer than one
	 * segment is an ordinary datagram.
	 */
	if (gso_size) {
		if (len > XNET_SEGMENT_MAX_BYTES)
			return -EMSGSIZE;
		if (gso_size > mtu - XNET_HLEN ||
		    DIV_ROUND_UP(len, gso_size) > XNET_SEGMENT_MAX_SEGS)
			return -EINVAL;
		if (len <= gso_size)
			gso_size = 0;
	}
	if (!gso_size && len > mtu - XNET_HLEN)
		return -EMSGSIZE;

	if (gso_size) {
		skb = xnet_dgram_gso_skb(sk, msg, len, gso_size, &err);
		if (!skb)
			return err;
		segs = skb_shinfo(skb)->gso_segs;
	} else {
		skb = xnet_alloc_skb(sk, len, msg->msg_flags & MSG_DONTWAIT,
				     &err);
		if (!skb)
			return err;
		err = memcpy_from_msg(skb_put(skb, len), msg, len);
		if (err) {
			kfree_skb(skb);
			return err;
		}
	}
	xnet_build_hdr(skb, XNET_T_DGRAM, saddr, daddr, sport, dport,
		       xnet_sock_hoplimit(sk));
	if (gso_size) {
		/* one datagram's frame: 64 KiB would not fit (offload.c) */
		xnet_hdr(skb)->len = htons(XNET_HLEN + gso_size);
		skb->csum_start = skb_network_header(skb) - skb->head;
		skb->csum_offset = offsetof(struct xnethdr, csum);
		xnet_add_stat(xn, XNET_MIB_OUT_SEGMENTED, segs);
	}
	xnet_add_stat(xn, XNET_MIB_OUT_DATAGRAMS, segs);
	err = xnet_pacing_dgram_xmit(xn, sk, skb, oif);	/* SO_MAX_PACING_RATE */
	return err ? err : len;
}

/*
 * recvmsg(MSG_ERRQUEUE): the oldest error report queued by error.c (with
 * XNET_RECVERR), as ip_recv_error(): the quoted payload as data, the
 * original destination as the name, and a control message SOL_XNET /
 * XNET_RECVERR holding the sock_extended_err and the reporter's address
 * (SO_EE_OFFENDER()).
 */
static int xnet_dgram_recv_error(struct sock *sk, struct msghdr *msg,
				 size_t len)
{
	DECLARE_SOCKADDR(struct sockaddr_xnet *, sxn, msg->msg_name);
	struct {
		struct sock_extended_err	ee;
		struct sockaddr_xnet		offender;
	} errhdr;
	const struct xnethdr *qh;
	struct sk_buff *skb;
	size_t copied;
	int err;

	skb = sock_dequeue_err_skb(sk);
	if (!skb)
		return -EAGAIN;
	copied = skb->len;
	if (copied > len) {
		copied = len;
		msg->msg_flags |= MSG_TRUNC;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (err)
		goto out;
	qh = (const void *)(skb_network_header(skb) +
			    SKB_EXT_ERR(skb)->addr_offset -
			    offsetof(struct xnethdr, daddr));
	if (sxn) {
		memset(sxn, 0, sizeof(*sxn));
		sxn->sxn_family = sk->sk_family;
		sxn->sxn_addr = qh->daddr;
		sxn->sxn_port = SKB_EXT_ERR(skb)->port;
		msg->msg_namelen = sizeof(*sxn);
	}
	memset(&errhdr, 0, sizeof(errhdr));
	errhdr.ee = SKB_EXT_ERR(skb)->ee;
	errhdr.offender.sxn_family = sk->sk_family;
	errhdr.offender.sxn_addr = xnet_hdr(skb)->saddr;
	put_cmsg(msg, SOL_XNET, XNET_RECVERR, sizeof(errhdr), &errhdr);
	msg->msg_flags |= MSG_ERRQUEUE;
	err = copied;
out:
	consume_skb(skb);
	return err;
}

/*
 * XNET_GRO: after @skb (@copied bytes of it copied), take the datagrams
 * queued behind it from the same sender to the same address, of
 * @skb's size (the last may be shorter), while they fit @len whole and
 * make at most XNET_SEGMENT_MAX_SEGS. Each is unlinked under the queue
 * lock, copied, and freed like any datagram read. Returns the bytes
 * copied in all, *@segs the datagrams taken.
 */
static int xnet_dgram_recv_run(struct sock *sk, struct msghdr *msg,
			       struct sk_buff *skb, size_t len, int *segs)
{
	struct sk_buff_head *q = &sk->sk_receive_queue;
	const struct xnethdr *xh = xnet_hdr(skb);
	unsigned int seg = skb->len, copied = skb->len;
	struct sk_buff *next;
	int err;

	*segs = 1;
	while (*segs < XNET_SEGMENT_MAX_SEGS) {
		const struct xnethdr *nh;

		spin_lock_bh(&q->lock);
		next = skb_peek(q);
		if (next) {
			nh = xnet_hdr(next);
			if (nh->saddr != xh->saddr || nh->sport != xh->sport ||
			    nh->daddr != xh->daddr || !next->len ||
			    next->len > seg || next->len > len - copied)
				next = NULL;
			else
				__skb_unlink(next, q);
		}
		spin_unlock_bh(&q->lock);
		if (!next)
			break;
		err = skb_copy_datagram_msg(next, 0, msg, next->len);
		if (err) {
			skb_free_datagram(sk, next);
			return err;
		}
		copied += next->len;
		(*segs)++;
		/* a shorter datagram ends the run */
		if (next->len < seg) {
			skb_free_datagram(sk, next);
			break;
		}
		skb_free_datagram(sk, next);
	}
	return copied;
}

static int xnet_dgram_recvmsg(struct socket *sock, struct msghdr *msg,
			      size_t len, int flags)
{
	DECLARE_SOCKADDR(struct sockaddr_xnet *, sxn, msg->msg_name);
	struct sock *sk = sock->sk;
	const struct xnethdr *xh;
	struct sk_buff *skb;
	int err, segs = 1;
	size_t copied;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE)
		return xnet_dgram_recv_error(sk, msg, len);

	skb = skb_recv_datagram(sk, flags, &err);
	if (!skb) {
		if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
			return 0;
		return err;
	}

	copied = skb->len;
	if (copied > len) {
		copied = len;
		msg->msg_flags |= MSG_TRUNC;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (err)
		goto out;
	sock_recv_cmsgs(msg, sk, skb);

	if (sxn) {
		xh = xnet_hdr(skb);
		memset(sxn, 0, sizeof(*sxn));
		sxn->sxn_family = sk->sk_family;
		sxn->sxn_addr = xh->saddr;
		sxn->sxn_port = xh->sport;
		msg->msg_namelen = sizeof(*sxn);
	}
	err = (flags & MSG_TRUNC) ? skb->len : copied;
	/* XNET_GRO: a run of datagrams of one size from one sender */
	if (READ_ONCE(xnet_sk(sk)->gro) && !(flags & MSG_PEEK) &&
	    skb->len && copied == skb->len && copied < len) {
		err = xnet_dgram_recv_run(sk, msg, skb, len, &segs);
		if (err > 0 && segs > 1) {
			int gso_size = skb->len;

			put_cmsg(msg, SOL_XNET, XNET_GRO, sizeof(gso_size),
				 &gso_size);
		}
	}
out:
	skb_free_datagram(sk, skb);
	return err;
}

static int xnet_dgram_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;

	int err;

	how++;	/* SHUT_RD..SHUT_RDWR -> RCV_SHUTDOWN..SHUTDOWN_MASK */
	if (how <= 0 || how > SHUTDOWN_MASK)
		return -EINVAL;
	lock_sock(sk);
	/* as UDP: applied, but reported as ENOTCONN without a peer */
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
	err = xnet_sk(sk)->dport ? 0 : -ENOTCONN;
	release_sock(sk);
	sk->sk_state_change(sk);
	return err;
}

static int xnet_dgram_ioctl(struct socket *sock, unsigned int cmd,
			    unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct sk_buff *skb;
	int amount;

	switch (cmd) {
	case SIOCOUTQ:
		amount = sk_wmem_alloc_get(sk);
		break;
	case SIOCINQ:
		/* the size of the next datagram, as UDP */
		spin_lock_bh(&sk->sk_receive_queue.lock);
		skb = skb_peek(&sk->sk_receive_queue);
		amount = skb ? skb->len : 0;
		spin_unlock_bh(&sk->sk_receive_queue.lock);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return put_user(amount, (int __user *)arg);
}

static int xnet_dgram_setsockopt(struct socket *sock, int level, int optname,
				 sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	int val;

	if (level == SOL_XNET && optname == XNET_HOPLIMIT)
		return xnet_sock_set_hoplimit(sk, optval, optlen);
	if (level == SOL_XNET && optname == XNET_SECURE)
		return xnet_sock_set_secure(sk, optval, optlen);
	if (level != SOL_XNET ||
	    (optname != XNET_RECVERR && optname != XNET_SEGMENT &&
	     optname != XNET_GRO))
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	/* as UDP_SEGMENT: any size a __u16 holds, checked on each send */
	if (optname == XNET_SEGMENT) {
		if (val < 0 || val > U16_MAX)
			return -EINVAL;
		WRITE_ONCE(xnet_sk(sk)->gso_size, val);
		return 0;
	}
	if (optname == XNET_GRO) {
		WRITE_ONCE(xnet_sk(sk)->gro, !!val);
		return 0;
	}
	WRITE_ONCE(xnet_sk(sk)->recverr, !!val);
	/* as IP_RECVERR: turning it off forgets what was queued */
	if (!val)
		skb_queue_purge(&sk->sk_error_queue);
	return 0;
}

/* XNET_MTU: the connected peer's path MTU; -ENOTCONN without a peer. */
static int xnet_dgram_mtu(struct sock *sk)
{
	struct xnet_sock *xs = xnet_sk(sk);
	__be32 saddr, daddr;
	int oif;

	lock_sock(sk);
	saddr = xs->rcv_addr;
	daddr = xs->dport ? xs->daddr : 0;
	oif = READ_ONCE(sk->sk_bound_dev_if);
	release_sock(sk);
	if (!daddr)
		return -ENOTCONN;
	return xnet_path_mtu(xnet_pernet(sock_net(sk)), saddr, daddr, oif);
}

static int xnet_dgram_getsockopt(struct socket *sock, int level, int optname,
				 char __user *optval, int __user *optlen)
{
	struct xnet_info info;
	int len, val;

	if (level != SOL_XNET)
		return -ENOPROTOOPT;
	/* an option datagram sockets do not have, whatever the buffer */
	if (optname != XNET_INFO && optname != XNET_RECVERR &&
	    optname != XNET_MTU && optname != XNET_HOPLIMIT &&
	    optname != XNET_SECURE && optname != XNET_SEGMENT &&
	    optname != XNET_GRO)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (optname != XNET_INFO) {
		if (optname == XNET_HOPLIMIT) {
			val = xnet_sock_hoplimit(sock->sk);
		} else if (optname == XNET_SECURE) {
			struct xnet_sock *xs = xnet_sk(sock->sk);

			val = xnet_sock_get_secure(sock->sk,
						   READ_ONCE(xs->dport) ?
						   READ_ONCE(xs->daddr) : 0);
		} else if (optname == XNET_RECVERR) {
			val = READ_ONCE(xnet_sk(sock->sk)->recverr);
		} else if (optname == XNET_SEGMENT) {
			val = READ_ONCE(xnet_sk(sock->sk)->gso_size);
		} else if (optname == XNET_GRO) {
			val = READ_ONCE(xnet_sk(sock->sk)->gro);
		} else {
			val = xnet_dgram_mtu(sock->sk);
			if (val < 0)
				return val;
		}
		len = min_t(unsigned int, len, sizeof(val));
		if (put_user(len, optlen) || copy_to_user(optval, &val, len))
			return -EFAULT;
		return 0;
	}
	lock_sock(sock->sk);
	xnet_sock_fill_info(sock->sk, &info);
	release_sock(sock->sk);
	len = min_t(unsigned int, len, sizeof(info));
	if (put_user(len, optlen) || copy_to_user(optval, &info, len))
		return -EFAULT;
	return 0;
}

static const struct proto_ops xnet_dgram_ops = {
	.family		= PF_XNET,
	.owner		= THIS_MODULE,
	.release	= xnet_dgram_release,
	.bind		= xnet_dgram_bind,
	.connect	= xnet_dgram_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= xnet_sock_getname,
	.poll		= datagram_poll,
	.ioctl		= xnet_dgram_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= xnet_dgram_shutdown,
	.setsockopt	= xnet_dgram_setsockopt,
	.getsockopt	= xnet_dgram_getsockopt,
	.sendmsg	= xnet_dgram_sendmsg,
	.recvmsg	= xnet_dgram_recvmsg,
	.mmap		= sock_no_mmap,
};

static void xnet_sock_destruct(struct sock *sk)
{
	skb_queue_purge(&sk->sk_receive_queue);
	skb_queue_purge(&sk->sk_error_queue);
}

int xnet_dgram_create(struct net *net, struct socket *sock, int kern)
{
	struct sock *sk;

	sk = sk_alloc(net, xnet_family, GFP_KERNEL, &xnet_dgram_proto, kern);
	if (!sk)
		return -ENOMEM;
	sock->ops = &xnet_dgram_ops;
	sock_init_data(sock, sk);
	sk->sk_destruct = xnet_sock_destruct;
	sock_set_flag(sk, SOCK_RCU_FREE);
	INIT_HLIST_NODE(&xnet_sk(sk)->bind_node);
	xnet_pacing_init(sk);
	return 0;
}

static void xnet_dgram_queue(struct xnet_net *xn, struct sock *sk,
			     struct sk_buff *skb)
{
	/* XNET_SECURE: nothing from a peer we cannot protect (sec.h) */
	if (READ_ONCE(xnet_sk(sk)->secure) &&
	    !xnet_sec_protected(xn, xnet_hdr(skb)->saddr, skb->skb_iif)) {
		xnet_drop(xn, skb, XNET_MIB_IN_PLAIN_DROPPED);
		goto drop;
	}
	if (sk_filter(sk, skb))
		goto drop;
	if (atomic_read(&sk->sk_rmem_alloc) >= READ_ONCE(sk->sk_rcvbuf)) {
		xnet_drop(xn, skb, XNET_MIB_IN_BUFFER_ERRORS);
		goto drop;
	}
	if (!xnet_rmem_charge(sk, skb))
		goto drop;
	skb_dst_drop(skb);
	skb->dev = NULL;	/* the device may go before the reader comes */
	skb_queue_tail(&sk->sk_receive_queue, skb);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
	xnet_inc_stat(xn, XNET_MIB_IN_DATAGRAMS);
	return;
drop:
	atomic_inc(&sk->sk_drops);
	kfree_skb(skb);
}

/*
 * A validated DGRAM frame, skb->data at the xnet header. Deliver it to the
 * socket bound to its port, or to every such socket for a broadcast.
 * Softirq (or BHs off), under RCU. Consumes skb.
 */
void xnet_dgram_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		    struct sk_buff *skb)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	__be32 saddr = xh->saddr, daddr = xh->daddr;
	__be16 sport = xh->sport, dport = xh->dport;
	struct xnet_port_table *t = &xnet_dgram_ports;
	struct sock *sk, *next;
	struct sk_buff *clone;

	if (!sport || !dport) {
		xnet_drop(xn, skb, XNET_MIB_IN_BAD_PORT);
		goto drop;
	}
	/*
	 * A segmented datagram that came whole (a veth, or our own
	 * address): its datagrams, each delivered as if it came alone.
	 */
	if (skb_is_gso(skb)) {
		struct sk_buff *segs, *seg;

		/*
		 * No socket: one report about the whole frame, as UDP
		 * answers a GSO skb, not one per datagram cut from it.
		 */
		if (daddr != htonl(XNET_ADDR_BROADCAST) &&
		    !xnet_port_lookup_rcu(t, xn->net, saddr, sport, daddr,
					  dport, xdev))
			goto nosock;
		segs = xnet_dgram_segment(skb, false);
		if (IS_ERR(segs)) {
			xnet_drop(xn, skb, PTR_ERR(segs) == -ENOMEM ?
				  XNET_MIB_IN_BUFFER_ERRORS :
				  XNET_MIB_IN_MALFORMED);
			goto drop;
		}
		consume_skb(skb);
		skb_list_walk_safe(segs, seg, clone) {
			skb_mark_not_on_list(seg);
			__skb_pull(seg, skb_network_offset(seg));
			xnet_dgram_rcv(xn, xdev, seg);
		}
		return;
	}
	__skb_pull(skb, XNET_HLEN);

	if (daddr != htonl(XNET_ADDR_BROADCAST)) {
		sk = xnet_port_lookup_rcu(t, xn->net, saddr, sport, daddr,
					  dport, xdev);
		if (!sk)
			goto nosock;
		xnet_dgram_queue(xn, sk, skb);
		return;
	}
	sk = xnet_port_next_rcu(t, xn->net, saddr, sport, daddr, dport, xdev,
				NULL);
	if (!sk)
		goto nosock;
	while ((next = xnet_port_next_rcu(t, xn->net, saddr, sport, daddr,
					  dport, xdev, sk))) {
		clone = skb_clone(skb, GFP_ATOMIC);
		if (clone)
			xnet_dgram_queue(xn, sk, clone);
		sk = next;
	}
	xnet_dgram_queue(xn, sk, skb);
	return;

nosock:
	xnet_drop(xn, skb, XNET_MIB_IN_NO_SOCKET);
	/* as ICMP port unreachable (error.c: never about a broadcast) */
	xnet_error_send(xn, skb, XNET_ERR_UNREACH, XNET_UNREACH_PORT, 0);
drop:
	kfree_skb(skb);
}

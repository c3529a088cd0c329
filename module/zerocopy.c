// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: zero-copy send and splice for connection sockets (SOCK_STREAM
 * and SOCK_SEQPACKET), following Documentation/networking/msg_zerocopy.rst
 * and TCP:
 *  - SO_ZEROCOPY: the core refuses it for families it does not know, so
 *    connection sockets take their SOL_SOCKET options themselves where
 *    the kernel lets them (SOCK_CUSTOM_SOCKOPT, 6.5 on, set at create and
 *    accept; compat.h) and hand every other one to sock_setsockopt();
 *    XNET_ZEROCOPY (SOL_XNET) sets the same flag on every kernel;
 *    sock_getsockopt() reads it back.
 *  - send(MSG_ZEROCOPY) with SO_ZEROCOPY: the user's pages go into the
 *    write-queue skbs' fragments (skb_zerocopy_iter_stream()) under one
 *    ubuf_info per sendmsg (msg_zerocopy_realloc(): consecutive ids per
 *    socket, a stream's consecutive sends may share one, as TCP's). Each
 *    skb holding the pages holds a reference; so do its clones sent in
 *    large frames (they share its fragment table), and the write-queue
 *    skb goes only when acknowledged: retransmissions send from the same
 *    pages, and the notification comes when nothing refers to them.
 *    Pinned pages are charged to RLIMIT_MEMLOCK and the notification skb
 *    to optmem (sock_omalloc()) by msg_zerocopy_realloc(), as TCP's.
 *  - Notifications wait on sk_error_queue: recvmsg(MSG_ERRQUEUE) returns
 *    one with a control message at level SOL_XNET, type XNET_RECVERR
 *    (TCP's say SOL_IP/IP_RECVERR), holding a sock_extended_err with
 *    SO_EE_ORIGIN_ZEROCOPY, ids ee_info..ee_data and
 *    SO_EE_CODE_ZEROCOPY_COPIED in ee_code if the data was copied after
 *    all. poll() says EPOLLERR while the queue is not empty.
 *  - A frame delivered to a local socket (veth, an own address) still
 *    refers to the sender's frames' fragment tables: its payload is
 *    copied on receive when it holds zero-copy pages (xnet_zc_orphan_rx),
 *    as the core does for TCP, so that no receiver keeps a user's pages
 *    past the notification (the sender then sees ..._COPIED).
 *  - sendfile()/splice() into a stream: the file's pages are appended by
 *    reference (6.1: proto_ops.sendpage; from 6.5: sendmsg with
 *    MSG_SPLICE_PAGES, compat.h). SEQPACKET copies them.
 *  - splice() from a stream into a pipe: the receive queue's pages are
 *    handed to the pipe (skb_splice_bits()), as tcp_splice_read().
 *
 * Context: process context. Everything but xnet_zc_orphan_rx() runs with
 * the socket locked (lock_sock()); xnet_zc_orphan_rx() runs in softirq
 * on a frame nobody else holds. Notifications are queued by the core's
 * ubuf callback, in any context, under the error queue's spinlock.
 */
#include <linux/errqueue.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched/signal.h>
#include <linux/skbuff.h>
#include <linux/splice.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "compat.h"
#include "xnet.h"

/* SOL_SOCKET options of a connection socket (SOCK_CUSTOM_SOCKOPT). */
int xnet_zc_sol_socket(struct socket *sock, int optname, sockptr_t optval,
		       unsigned int optlen)
{
	struct sock *sk = sock->sk;
	int val;

	if (optname != SO_ZEROCOPY)
		return sock_setsockopt(sock, SOL_SOCKET, optname, optval,
				       optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	if (val < 0 || val > 1)
		return -EINVAL;
	lock_sock(sk);
	sock_valbool_flag(sk, SOCK_ZEROCOPY, val);
	release_sock(sk);
	return 0;
}

/*
 * How sendmsg takes its data: MSG_ZEROCOPY pins with SO_ZEROCOPY set and
 * copies without it (counted, as TCP ignores the flag); MSG_SPLICE_PAGES
 * (6.5 on) appends a stream's pages. Before the socket is locked: the
 * flag is read once.
 */
enum xnet_zc_mode xnet_zc_mode(struct sock *sk, const struct msghdr *msg,
			       size_t len)
{
	if (!len)
		return XNET_ZC_COPY;
	if (xnet_zc_splice_msg(msg) && sk->sk_type == SOCK_STREAM)
		return XNET_ZC_SPLICE;
	if (!(msg->msg_flags & MSG_ZEROCOPY))
		return XNET_ZC_COPY;
	if (!sock_flag(sk, SOCK_ZEROCOPY)) {
		xnet_inc_stat(xnet_pernet(sock_net(sk)),
			      XNET_MIB_ZEROCOPY_COPIED);
		return XNET_ZC_COPY;
	}
	return XNET_ZC_PIN;
}

/*
 * The ubuf_info of a MSG_ZEROCOPY send of @len bytes: a stream extends
 * the one of its write-queue tail if it can (as TCP), a SEQPACKET
 * message has its own. NULL: optmem or RLIMIT_MEMLOCK exhausted. Socket
 * locked (msg_zerocopy_realloc() checks it).
 */
struct ubuf_info *xnet_zc_uarg(struct sock *sk, size_t len)
{
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);
	struct ubuf_info *uarg;

	uarg = msg_zerocopy_realloc(sk, len,
				    sk->sk_type == SOCK_STREAM ?
				    skb_zcopy(tail) : NULL);
	if (uarg)
		xnet_inc_stat(xnet_pernet(sock_net(sk)),
			      XNET_MIB_ZEROCOPY_SENDS);
	return uarg;
}

/*
 * The end of a sendmsg that took @uarg: its own reference goes; if
 * nothing was queued (@done false) its id is given back and no
 * notification comes, as TCP's. Socket locked.
 */
void xnet_zc_uarg_done(struct ubuf_info *uarg, bool done)
{
	if (!uarg)
		return;
	if (done)
		net_zcopy_put(uarg);
	else
		net_zcopy_put_abort(uarg, true);
}

/*
 * Append up to @len bytes of the pages of a splice's iterator to @skb by
 * reference. 6.12: skb_splice_from_iter(); 6.1 (sendpage hands one
 * page at a time): the page references iov_iter_get_pages2() takes.
 */
static ssize_t xnet_zc_splice_pages(struct sk_buff *skb, struct msghdr *msg,
				    size_t len)
{
#ifdef XNET_HAVE_SENDPAGE
	ssize_t done = 0;

	while (done < len) {
		int i = skb_shinfo(skb)->nr_frags;
		struct page *page;
		size_t start;
		ssize_t got;

		got = iov_iter_get_pages2(&msg->msg_iter, &page, len - done,
					  1, &start);
		if (got <= 0)
			return done ? : (got ? : -EFAULT);
		if (skb_can_coalesce(skb, i, page, start)) {
			skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], got);
			put_page(page);
		} else if (i < MAX_SKB_FRAGS) {
			skb_fill_page_desc(skb, i, page, start, got);
		} else {
			put_page(page);
			iov_iter_revert(&msg->msg_iter, got);
			return done ? : -EMSGSIZE;
		}
		skb->len += got;
		skb->data_len += got;
		skb->truesize += got;
		done += got;
	}
	return done;
#else
	u8 ip_summed = skb->ip_summed;
	ssize_t done;

	/* no checksum of the pages: frames are summed when they leave */
	skb->ip_summed = CHECKSUM_PARTIAL;
	done = skb_splice_from_iter(skb, &msg->msg_iter, len, GFP_KERNEL);
	skb->ip_summed = ip_summed;
	return done;
#endif
}

/*
 * Append up to @len bytes of @msg to the write-queue skb @skb without
 * copying them: the user's pages under @uarg (XNET_ZC_PIN) or a splice's
 * pages (XNET_ZC_SPLICE). The bytes appended, charged to sk_wmem_queued
 * with @skb's truesize; -EMSGSIZE (fragment table full) or -EEXIST
 * (@skb is another send's) when the caller must start a new skb, or
 * -EFAULT. Socket locked.
 */
ssize_t xnet_zc_append(struct sock *sk, struct sk_buff *skb,
		       struct msghdr *msg, size_t len, enum xnet_zc_mode mode,
		       struct ubuf_info *uarg)
{
	unsigned int truesize = skb->truesize;
	ssize_t got;

	if (mode == XNET_ZC_SPLICE) {
		got = xnet_zc_splice_pages(skb, msg, len);
		if (got > 0) {
			skb_shinfo(skb)->flags |= SKBFL_SHARED_FRAG;
			sk_wmem_queued_add(sk, skb->truesize - truesize);
			xnet_add_stat(xnet_pernet(sock_net(sk)),
				      XNET_MIB_SPLICED_PAGES,
				      DIV_ROUND_UP(got, PAGE_SIZE));
		}
		return got;
	}
	if (sk->sk_type == SOCK_STREAM)
		/* charges sk_wmem_queued itself */
		return skb_zerocopy_iter_stream(sk, skb, msg, len, uarg);
	/*
	 * The core charges any other type's pages to skb->sk's
	 * sk_wmem_alloc; a write-queue skb has no owner: lend it ours for
	 * the call and move the charge to sk_wmem_queued, where the write
	 * queue's is.
	 */
	skb->sk = sk;
	got = skb_zerocopy_iter_stream(sk, skb, msg, len, uarg);
	skb->sk = NULL;
	truesize = skb->truesize - truesize;
	if (truesize) {
		WARN_ON_ONCE(refcount_sub_and_test(truesize,
						   &sk->sk_wmem_alloc));
		sk_wmem_queued_add(sk, truesize);
	}
	return got;
}

/* recvmsg(MSG_ERRQUEUE) on a connection socket. */
int xnet_zc_recv_error(struct sock *sk, struct msghdr *msg, size_t len)
{
	return sock_recv_errqueue(sk, msg, len, SOL_XNET, XNET_RECVERR);
}

/*
 * A frame for a local socket whose payload refers to zero-copy pages (a
 * local sender's, sharing its frames' fragment tables, on its frag_list
 * or its own fragments): copy it, as the core does for the skb it hands
 * a protocol (skb_orphan_frags_rx()); the sender's notification then
 * says ..._COPIED. Softirq; the frame is ours alone. -ENOMEM: drop it.
 */
int xnet_zc_orphan_rx(struct sk_buff *skb)
{
	struct sk_buff *frag;

	if (skb_orphan_frags_rx(skb, GFP_ATOMIC))
		return -ENOMEM;
	skb_walk_frags(skb, frag)
		if (skb_orphan_frags_rx(frag, GFP_ATOMIC))
			return -ENOMEM;
	return 0;
}

/*
 * @skb's payload was copied on its way out (GSO for a device that cannot
 * take our large frames, sealing): the pages were not sent from, so the
 * MSG_ZEROCOPY notification says SO_EE_CODE_ZEROCOPY_COPIED, as TCP's
 * does when its device cannot take the pages (msg_zerocopy.rst). Any
 * context; a plain store, as TCP's (tcp_sendmsg_locked()).
 */
void xnet_zc_copied(struct sk_buff *skb)
{
	struct ubuf_info *uarg = skb_zcopy(skb);

	if (uarg && xnet_uarg_is_msgzc(uarg))
		uarg_to_msgzc(uarg)->zerocopy = 0;
}

#ifdef XNET_HAVE_SENDPAGE
/* 6.1's sendfile()/splice() into a socket: one page at a time. */
ssize_t xnet_zc_sendpage(struct socket *sock, struct page *page, int offset,
			 size_t size, int flags)
{
	struct msghdr msg = { .msg_flags = flags };
	struct bio_vec bvec = {
		.bv_page	= page,
		.bv_offset	= offset,
		.bv_len		= size,
	};

	if (sock->sk->sk_type != SOCK_STREAM || !sendpage_ok(page))
		return sock_no_sendpage(sock, page, offset, size, flags);
	iov_iter_bvec(&msg.msg_iter, WRITE, &bvec, 1, size);
	return xnet_conn_sendmsg_mode(sock, &msg, size, XNET_ZC_SPLICE);
}
#endif

/*
 * Hand up to @len bytes of the receive queue to @pipe: whole skbs go
 * when spliced to their end, a partly spliced one keeps its offset. The
 * bytes spliced, or the first call's error. Socket locked.
 */
static int xnet_zc_splice_queue(struct sock *sk, struct pipe_inode_info *pipe,
				size_t len, unsigned int flags)
{
	struct sk_buff *skb, *tmp;
	size_t spliced = 0;
	int ret = 0;

	skb_queue_walk_safe(&sk->sk_receive_queue, skb, tmp) {
		struct xnet_seg_cb *cb = XNET_SEG_CB(skb);
		size_t n = min_t(size_t, skb->len - cb->off, len - spliced);

		if (n) {
			ret = skb_splice_bits(skb, sk, cb->off, pipe, n, flags);
			if (ret <= 0)
				break;
			cb->off += ret;
			spliced += ret;
		}
		if (cb->off < skb->len)
			break;
		__skb_unlink(skb, &sk->sk_receive_queue);
		kfree_skb(skb);
		if (spliced >= len)
			break;
	}
	if (spliced) {
		xnet_conn_rcv_space(sk);
		return spliced;
	}
	return ret;
}

/*
 * splice() from a connection socket into a pipe, as tcp_splice_read():
 * a stream's pages go by reference; a SEQPACKET socket's messages are
 * read (and copied) by the generic code, which keeps their bounds.
 */
ssize_t xnet_zc_splice_read(struct socket *sock, loff_t *ppos,
			    struct pipe_inode_info *pipe, size_t len,
			    unsigned int flags)
{
	struct sock *sk = sock->sk;
	ssize_t spliced = 0;
	long timeo;
	int ret = 0;

	if (sk->sk_type != SOCK_STREAM)
		return xnet_copy_splice_read(sock->file, ppos, pipe, len,
					     flags);
	lock_sock(sk);
	if (sk->sk_state == XNET_STATE_LISTEN ||
	    (sk->sk_state == XNET_STATE_CLOSED &&
	     !xnet_conn(sk)->was_connected)) {
		ret = -ENOTCONN;
		goto out;
	}
	timeo = sock_rcvtimeo(sk, sock->file->f_flags & O_NONBLOCK);
	while (len) {
		ret = xnet_zc_splice_queue(sk, pipe, len, flags);
		if (ret < 0)
			break;
		if (!ret) {
			if (spliced)
				break;
			if (sk->sk_err) {
				ret = sock_error(sk);
				break;
			}
			if ((sk->sk_shutdown & RCV_SHUTDOWN) ||
			    sk->sk_state == XNET_STATE_CLOSED)
				break;
			if (!timeo) {
				ret = -EAGAIN;
				break;
			}
			/* not waiting for data it could not take */
			if (!skb_queue_empty(&sk->sk_receive_queue))
				break;
			sk_wait_data(sk, &timeo, NULL);
			if (signal_pending(current)) {
				ret = sock_intr_errno(timeo);
				break;
			}
			continue;
		}
		len -= ret;
		spliced += ret;
		if (!len || !timeo)
			break;
		/* let the backlog in, as tcp_splice_read() does */
		release_sock(sk);
		lock_sock(sk);
		if (sk->sk_err || sk->sk_state == XNET_STATE_CLOSED ||
		    (sk->sk_shutdown & RCV_SHUTDOWN) ||
		    signal_pending(current))
			break;
	}
out:
	release_sock(sk);
	return spliced ? : ret;
}

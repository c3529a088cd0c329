// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: the AF_XNET socket family. Module init and exit, socket creation,
 * and the socket operations every socket type shares (address checks,
 * bind, getname, XNET_INFO, XNET_HOPLIMIT, XNET_SECURE).
 *
 * Locking: a socket's own fields (bound address and port, peer) are
 * written under lock_sock() in process context; the port table's lock
 * orders binds against each other. The hop limit is one byte written
 * with WRITE_ONCE() and read with READ_ONCE() wherever a frame is built,
 * lock or not; so is XNET_SECURE's flag, read at connect, send and
 * receive (softirq: a listener's SYNs, a datagram socket's input). Context: all process context.
 *
 * Registration order (reverse on exit): pernet state, port tables, proto,
 * segmentation offload, netdev notifier, generic netlink, the sock_diag
 * handler (diag.c), and the socket family last, so no
 * socket can exist before everything it relies on.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>

#include "xnet.h"
#include "sec.h"

int xnet_family __read_mostly = AF_XNET;
module_param_named(family, xnet_family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register (default 22)");

int xnet_check_sockaddr(const struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_xnet *sxn = (const struct sockaddr_xnet *)uaddr;

	if (addr_len < (int)sizeof(*sxn))
		return -EINVAL;
	if (sxn->sxn_family != xnet_family)
		return -EAFNOSUPPORT;
	return 0;
}

/* Bind to (address, port) from userspace. Socket locked by the caller. */
int xnet_sock_bind(struct xnet_port_table *t, struct sock *sk,
		   const struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_xnet *sxn = (const struct sockaddr_xnet *)uaddr;
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	u16 port;
	int err;

	err = xnet_check_sockaddr(uaddr, addr_len);
	if (err)
		return err;
	if (xnet_sk(sk)->sport)
		return -EINVAL;
	port = ntohs(sxn->sxn_port);
	if (sxn->sxn_addr) {
		bool ours;

		rcu_read_lock();
		ours = xnet_dev_by_addr_rcu(xn, sxn->sxn_addr);
		rcu_read_unlock();
		if (!ours)
			return -EADDRNOTAVAIL;
	}
	if (port && port < XNET_PORT_PRIVILEGED &&
	    !ns_capable(sock_net(sk)->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;
	err = xnet_port_bind(t, sk, sxn->sxn_addr, port);
	if (!err && port)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	return err;
}

/*
 * Give an unbound socket an ephemeral port on any address, chosen for
 * the destination @daddr:@dport (0 if none yet). Locked.
 */
int xnet_sock_autobind(struct xnet_port_table *t, struct sock *sk,
		       __be32 daddr, __be16 dport)
{
	if (xnet_sk(sk)->sport)
		return 0;
	return xnet_port_bind_to(t, sk, daddr, dport);
}

int xnet_sock_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sockaddr_xnet *sxn = (struct sockaddr_xnet *)uaddr;
	struct sock *sk = sock->sk;
	struct xnet_sock *xs = xnet_sk(sk);
	int err = sizeof(*sxn);

	lock_sock(sk);
	memset(sxn, 0, sizeof(*sxn));
	sxn->sxn_family = xnet_family;
	if (peer) {
		if (!xs->dport) {
			err = -ENOTCONN;
			goto out;
		}
		sxn->sxn_addr = xs->daddr;
		sxn->sxn_port = xs->dport;
	} else {
		sxn->sxn_addr = xs->rcv_addr;
		sxn->sxn_port = xs->sport;
	}
out:
	release_sock(sk);
	return err;
}

/* The hop limit of the frames @sk sends: its own, or the netns's. */
u8 xnet_sock_hoplimit(const struct sock *sk)
{
	return READ_ONCE(xnet_sk(sk)->hoplimit) ? :
	       xnet_net_hoplimit(xnet_pernet(sock_net(sk)));
}

/*
 * XNET_HOPLIMIT, every socket type: 1..255, or -1 for the netns default
 * (net.xnet.hoplimit, read at each send). 0 and anything else: -EINVAL.
 */
int xnet_sock_set_hoplimit(struct sock *sk, sockptr_t optval,
			   unsigned int optlen)
{
	int val;

	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	if (val != -1 && (val < 1 || val > 255))
		return -EINVAL;
	WRITE_ONCE(xnet_sk(sk)->hoplimit, val == -1 ? 0 : val);
	return 0;
}

/*
 * XNET_SECURE, every socket type (sec.h): 0 or 1, anything else -EINVAL.
 * With 1 the socket talks only to peers it can protect.
 */
int xnet_sock_set_secure(struct sock *sk, sockptr_t optval,
			 unsigned int optlen)
{
	int val;

	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	if (val != 0 && val != 1)
		return -EINVAL;
	WRITE_ONCE(xnet_sk(sk)->secure, val);
	return 0;
}

/*
 * connect(), sendto(), send(): -EACCES if @sk has XNET_SECURE and @daddr
 * (through @oif, 0: any) is neither one of our addresses nor a peer
 * net.xnet.secure and a key protect. Any context.
 */
int xnet_sock_check_secure(struct sock *sk, __be32 daddr, int oif)
{
	if (!READ_ONCE(xnet_sk(sk)->secure) ||
	    xnet_sec_protected(xnet_pernet(sock_net(sk)), daddr, oif))
		return 0;
	return -EACCES;
}

/*
 * getsockopt(XNET_SECURE): with a peer @daddr (a connected socket),
 * whether its traffic is protected now; without, the value set.
 */
int xnet_sock_get_secure(struct sock *sk, __be32 daddr)
{
	if (!daddr)
		return READ_ONCE(xnet_sk(sk)->secure);
	return xnet_sec_protected(xnet_pernet(sock_net(sk)), daddr,
				  READ_ONCE(sk->sk_bound_dev_if));
}

u8 xnet_sock_state(const struct sock *sk)
{
	const struct xnet_sock *xs = xnet_sk(sk);

	if (sk->sk_type != SOCK_DGRAM)
		return READ_ONCE(sk->sk_state);
	if (xs->dport)
		return XNET_STATE_CONNECTED;
	return xs->sport ? XNET_STATE_BOUND : XNET_STATE_CLOSED;
}

void xnet_sock_fill_info(struct sock *sk, struct xnet_info *info)
{
	memset(info, 0, sizeof(*info));
	info->xi_state = xnet_sock_state(sk);
	xnet_pacing_fill_info(sk, info);
}

static int xnet_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	if (protocol)
		return -EPROTONOSUPPORT;
	switch (sock->type) {
	case SOCK_DGRAM:
		return xnet_dgram_create(net, sock, kern);
	case SOCK_STREAM:
	case SOCK_SEQPACKET:
		return xnet_stream_create(net, sock, kern);
	default:
		return -ESOCKTNOSUPPORT;
	}
}

static struct net_proto_family xnet_family_ops = {
	.create	= xnet_create,
	.owner	= THIS_MODULE,
};

static int __init xnet_init(void)
{
	int err;

	if (xnet_family <= 0 || xnet_family >= AF_MAX) {
		pr_err("xnet: family %d is outside 1..%d\n", xnet_family,
		       AF_MAX - 1);
		return -EINVAL;
	}
	xnet_family_ops.family = xnet_family;

	err = xnet_netns_init();
	if (err)
		return err;
	xnet_port_table_init(&xnet_dgram_ports);
	xnet_port_table_init(&xnet_stream_ports);
	xnet_port_table_init(&xnet_seqpacket_ports);
	err = proto_register(&xnet_dgram_proto, 1);
	if (err)
		goto err_netns;
	err = proto_register(&xnet_stream_proto, 1);
	if (err)
		goto err_proto;
	err = proto_register(&xnet_seqpacket_proto, 1);
	if (err)
		goto err_proto_stream;
	xnet_offload_init();
	err = xnet_dev_init();
	if (err)
		goto err_offload;
	err = xnet_netlink_init();
	if (err)
		goto err_dev;
	err = xnet_diag_init();
	if (err)
		goto err_netlink;
	err = sock_register(&xnet_family_ops);
	if (err) {
		pr_err("xnet: address family %d is already registered (%d); load with family=N to pick a free one\n",
		       xnet_family, err);
		goto err_diag;
	}
	pr_info("xnet: AF_XNET (family %d) over EtherType 0x%04x, sock %zu bytes\n",
		xnet_family, ETH_P_XNET, sizeof(struct xnet_sock));
	return 0;

err_diag:
	xnet_diag_exit();
err_netlink:
	xnet_netlink_exit();
err_dev:
	xnet_dev_exit();
err_offload:
	xnet_offload_exit();
	proto_unregister(&xnet_seqpacket_proto);
err_proto_stream:
	proto_unregister(&xnet_stream_proto);
err_proto:
	proto_unregister(&xnet_dgram_proto);
err_netns:
	xnet_netns_exit();
	return err;
}

static void __exit xnet_exit(void)
{
	sock_unregister(xnet_family);
	xnet_diag_exit();
	xnet_netlink_exit();
	xnet_dev_exit();
	xnet_offload_exit();
	proto_unregister(&xnet_seqpacket_proto);
	proto_unregister(&xnet_stream_proto);
	proto_unregister(&xnet_dgram_proto);
	xnet_netns_exit();
	rcu_barrier();	/* kfree_rcu() and SOCK_RCU_FREE callbacks */
}

module_init(xnet_init);
module_exit(xnet_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("AF_XNET: a socket family carried directly over Ethernet");
MODULE_VERSION(XNET_RELEASE);
MODULE_ALIAS_NETPROTO(AF_XNET);
MODULE_ALIAS_GENL_FAMILY(XNET_GENL_NAME);

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: port tables, one per socket type, shared by all network
 * namespaces and keyed by (netns, port).
 *
 * Locking: writers (bind, unbind) take the table's spinlock with BHs off;
 * the receive path looks sockets up under RCU. The table holds a socket
 * reference from bind to unbind; sockets are SOCK_RCU_FREE, so a reader
 * that found one may use it until rcu_read_unlock() even if it is being
 * unbound.
 *
 * Sharing a port, as TCP: with SO_REUSEADDR on both sockets, only while
 * neither listens; a listener's port is its own. (TCP lets listeners of
 * one user share a port with SO_REUSEPORT, but the core refuses that
 * option to sockets other than inet ones, so xnet never sees it.) A
 * listener's state is set under the table lock (xnet_port_listen()), so
 * bind and listen see each other.
 *
 * Context: bind/unbind in process context; lookups in softirq (or with
 * BHs disabled for local delivery).
 */
#include <linux/hash.h>
#include <linux/random.h>
#include <net/netns/hash.h>

#include "xnet.h"

#define XNET_PORT_HASH_BITS	8
#define XNET_EPHEMERAL_LOW	32768
#define XNET_EPHEMERAL_HIGH	60999

#define XNET_PORT_PERTURB	256

struct xnet_port_table {
	spinlock_t		lock;	/* writers of every chain, perturb[] */
	struct hlist_head	hash[1 << XNET_PORT_HASH_BITS];
	/* RFC 6056 algorithm 3's per-destination increments */
	u16			perturb[XNET_PORT_PERTURB];
};

struct xnet_port_table xnet_dgram_ports;
struct xnet_port_table xnet_stream_ports;
struct xnet_port_table xnet_seqpacket_ports;

static struct hlist_head *xnet_port_bucket(struct xnet_port_table *t,
					   const struct net *net, u16 port)
{
	return &t->hash[hash_32(port ^ net_hash_mix(net), XNET_PORT_HASH_BITS)];
}

/* Does binding @sk to (@addr, @port) clash with a socket in the table? */
static bool xnet_port_conflict(struct xnet_port_table *t, struct sock *sk,
			       __be32 addr, u16 port)
{
	struct net *net = sock_net(sk);
	struct xnet_sock *xs;

	hlist_for_each_entry(xs, xnet_port_bucket(t, net, port), bind_node) {
		struct sock *o = &xs->sk;

		if (!net_eq(sock_net(o), net) || ntohs(xs->sport) != port)
			continue;
		if (addr && xs->rcv_addr && addr != xs->rcv_addr)
			continue;
		/* SO_REUSEADDR never takes a listener's port */
		if (sk->sk_reuse && o->sk_reuse &&
		    (o->sk_type == SOCK_DGRAM ||
		     READ_ONCE(o->sk_state) != XNET_STATE_LISTEN))
			continue;
		return true;
	}
	return false;
}

/*
 * listen() on the bound connection socket @sk: -EADDRINUSE if another
 * socket listens on its port and an address it covers, else enter
 * LISTEN. Process context, socket locked.
 */
int xnet_port_listen(struct xnet_port_table *t, struct sock *sk)
{
	struct xnet_sock *me = xnet_sk(sk), *xs;
	struct net *net = sock_net(sk);
	int err = 0;

	spin_lock_bh(&t->lock);
	hlist_for_each_entry(xs, xnet_port_bucket(t, net, ntohs(me->sport)),
			     bind_node) {
		struct sock *o = &xs->sk;

		if (o == sk || !net_eq(sock_net(o), net) ||
		    xs->sport != me->sport)
			continue;
		if (me->rcv_addr && xs->rcv_addr && me->rcv_addr != xs->rcv_addr)
			continue;
		if (READ_ONCE(o->sk_state) != XNET_STATE_LISTEN)
			continue;
		err = -EADDRINUSE;
		goto out;
	}
	xnet_conn_set_state(sk, XNET_STATE_LISTEN);
out:
	spin_unlock_bh(&t->lock);
	return err;
}

static void __xnet_port_hash(struct xnet_port_table *t, struct sock *sk,
			     __be32 addr, u16 port)
{
	struct xnet_sock *xs = xnet_sk(sk);

	xs->rcv_addr = addr;
	xs->sport = htons(port);
	sock_hold(sk);
	hlist_add_head_rcu(&xs->bind_node,
			   xnet_port_bucket(t, sock_net(sk), port));
}

/*
 * Bind @sk to @addr (0: any) and @port (0: an ephemeral port). The
 * ephemeral search starts at @offset (a keyed hash of the destination,
 * secure.c) plus a per-destination increment, as RFC 6056 algorithm 3:
 * unpredictable from outside, yet successive connections to one peer
 * do not collide. Process context.
 */
static int __xnet_port_bind(struct xnet_port_table *t, struct sock *sk,
			    __be32 addr, u16 port, u32 offset)
{
	u16 *perturb = &t->perturb[offset % XNET_PORT_PERTURB];
	u32 range = XNET_EPHEMERAL_HIGH - XNET_EPHEMERAL_LOW + 1;
	u32 i, start;
	int err = 0;

	spin_lock_bh(&t->lock);
	if (xnet_sk(sk)->sport) {
		err = -EINVAL;
		goto out;
	}
	if (port) {
		if (xnet_port_conflict(t, sk, addr, port))
			err = -EADDRINUSE;
		else
			__xnet_port_hash(t, sk, addr, port);
		goto out;
	}
	start = (offset + *perturb) % range;
	for (i = 0; i < range; i++) {
		if ((i & 255) == 255) {
			/* long scans must not keep BHs off */
			spin_unlock_bh(&t->lock);
			cond_resched();
			spin_lock_bh(&t->lock);
			if (xnet_sk(sk)->sport) {
				err = -EINVAL;
				goto out;
			}
		}
		port = XNET_EPHEMERAL_LOW + (start + i) % range;
		if (!xnet_port_conflict(t, sk, addr, port)) {
			/* a random stride, so a peer cannot infer the next */
			*perturb += i + 2 + (get_random_u32() & 7);
			__xnet_port_hash(t, sk, addr, port);
			goto out;
		}
	}
	err = -EADDRINUSE;
out:
	spin_unlock_bh(&t->lock);
	return err;
}

/* bind(): a given port, or an ephemeral one from a random start. */
int xnet_port_bind(struct xnet_port_table *t, struct sock *sk,
		   __be32 addr, u16 port)
{
	return __xnet_port_bind(t, sk, addr, port, get_random_u32());
}

/* An ephemeral port on any address for a socket about to reach @daddr. */
int xnet_port_bind_to(struct xnet_port_table *t, struct sock *sk,
		      __be32 daddr, __be16 dport)
{
	return __xnet_port_bind(t, sk, 0, 0,
				xnet_secure_port_offset(daddr, dport,
							sk->sk_type));
}

/* Narrow a wildcard binding to @addr (connect() chose it). */
void xnet_port_set_addr(struct xnet_port_table *t, struct sock *sk,
			__be32 addr)
{
	spin_lock_bh(&t->lock);
	WRITE_ONCE(xnet_sk(sk)->rcv_addr, addr);
	spin_unlock_bh(&t->lock);
}

void xnet_port_unbind(struct xnet_port_table *t, struct sock *sk)
{
	struct xnet_sock *xs = xnet_sk(sk);
	bool hashed = false;

	spin_lock_bh(&t->lock);
	if (!hlist_unhashed(&xs->bind_node)) {
		hlist_del_init_rcu(&xs->bind_node);
		hashed = true;
	}
	xs->sport = 0;
	xs->rcv_addr = 0;
	spin_unlock_bh(&t->lock);
	if (hashed)
		sock_put(sk);
}

/*
 * Does @sk accept a frame from (@saddr, @sport) to (@daddr, @dport)
 * arriving on @xdev (NULL: local delivery, @daddr an own address)?
 * Returns how specific the match is (higher wins), or -1.
 */
static int xnet_port_score(struct sock *sk, struct net *net, __be32 saddr,
			   __be16 sport, __be32 daddr, __be16 dport,
			   struct xnet_dev *xdev)
{
	struct xnet_sock *xs = xnet_sk(sk);
	bool bcast = daddr == htonl(XNET_ADDR_BROADCAST);
	int score = 0;

	if (!net_eq(sock_net(sk), net) || xs->sport != dport)
		return -1;
	if (sk->sk_bound_dev_if) {
		if (xdev && sk->sk_bound_dev_if != xdev->dev->ifindex)
			return -1;
		score += 1;
	}
	if (xs->rcv_addr) {
		if (!bcast && xs->rcv_addr != daddr)
			return -1;
		if (bcast && (!xdev || !xnet_dev_has_addr_rcu(xdev, xs->rcv_addr)))
			return -1;
		score += 2;
	}
	if (xs->dport) {
		/* a connected socket hears only its peer, as UDP */
		if (xs->daddr != saddr || xs->dport != sport)
			return -1;
		score += 4;
	}
	return score;
}

/*
 * The socket that should receive a unicast frame: the most specific match
 * (connected, then bound address, then bound device). Under RCU; no
 * reference is taken.
 */
struct sock *xnet_port_lookup_rcu(struct xnet_port_table *t, struct net *net,
				  __be32 saddr, __be16 sport, __be32 daddr,
				  __be16 dport, struct xnet_dev *xdev)
{
	struct hlist_head *head = xnet_port_bucket(t, net, ntohs(dport));
	struct sock *best = NULL;
	int score, best_score = -1;
	struct xnet_sock *xs;

	hlist_for_each_entry_rcu(xs, head, bind_node) {
		score = xnet_port_score(&xs->sk, net, saddr, sport, daddr,
					dport, xdev);
		if (score > best_score) {
			best = &xs->sk;
			best_score = score;
		}
	}
	return best;
}

/*
 * Next socket after @after (NULL: the first) that accepts a broadcast
 * frame, for delivery to each of them. Under RCU; no reference is taken.
 */
struct sock *xnet_port_next_rcu(struct xnet_port_table *t, struct net *net,
				__be32 saddr, __be16 sport, __be32 daddr,
				__be16 dport, struct xnet_dev *xdev,
				struct sock *after)
{
	struct hlist_head *head = xnet_port_bucket(t, net, ntohs(dport));
	struct hlist_node *node;
	struct xnet_sock *xs;

	node = after ? rcu_dereference(hlist_next_rcu(&xnet_sk(after)->bind_node))
		     : rcu_dereference(hlist_first_rcu(head));
	for (; node; node = rcu_dereference(hlist_next_rcu(node))) {
		xs = hlist_entry(node, struct xnet_sock, bind_node);
		if (xnet_port_score(&xs->sk, net, saddr, sport, daddr, dport,
				    xdev) >= 0)
			return &xs->sk;
	}
	return NULL;
}

/* Call @fn for each socket of @net from *pos on; see xnet_neigh_walk(). */
int xnet_port_walk(struct xnet_port_table *t, struct net *net,
		   unsigned long *pos, xnet_sock_iter_t fn, void *arg)
{
	unsigned long idx = 0;
	struct xnet_sock *xs;
	int i, err = 0;

	spin_lock_bh(&t->lock);
	for (i = 0; i < ARRAY_SIZE(t->hash); i++) {
		hlist_for_each_entry(xs, &t->hash[i], bind_node) {
			if (!net_eq(sock_net(&xs->sk), net))
				continue;
			if (idx++ < *pos)
				continue;
			err = fn(&xs->sk, arg);
			if (err)
				goto out;
			(*pos)++;
		}
	}
out:
	spin_unlock_bh(&t->lock);
	return err;
}

void xnet_port_table_init(struct xnet_port_table *t)
{
	int i;

	spin_lock_init(&t->lock);
	for (i = 0; i < ARRAY_SIZE(t->hash); i++)
		INIT_HLIST_HEAD(&t->hash[i]);
}

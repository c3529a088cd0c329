// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: the connection table and a connection's lifecycle.
 *
 * The table is global, keyed by (netns, type, local address and port,
 * remote address and port). Writers take xnet_conn_lock with BHs off;
 * the receive path looks connections up under RCU and takes a reference
 * with refcount_inc_not_zero(). A hashed connection holds one reference
 * of its own, dropped by xnet_conn_unhash().
 *
 * Context: hash/unhash run in process or softirq context with the
 * socket's lock held (owner or bh_lock_sock); done and abort likewise.
 *
 * Orphans: a connection that goes on after its socket was closed is
 * counted in its netns's norphans (an atomic; orphan_counted, under the
 * socket lock, says whether this one is) from xnet_conn_orphaned() to
 * xnet_conn_done() or TIME_WAIT; a close beyond net.xnet.max_orphans resets instead.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/security.h>
#include <net/netns/hash.h>

#include "xnet.h"
#include "trace.h"

#define XNET_CONN_HASH_BITS	10
#define XNET_RTO_INIT_US	(1000 * USEC_PER_MSEC)
#define XNET_CWND_INIT		10

static DEFINE_SPINLOCK(xnet_conn_lock);
static struct hlist_head xnet_conn_table[1 << XNET_CONN_HASH_BITS];

static struct hlist_head *xnet_conn_bucket(const struct net *net,
					   __be32 laddr, __be16 lport,
					   __be32 raddr, __be16 rport)
{
	u32 h = jhash_3words((__force u32)laddr, (__force u32)raddr,
			     ((__force u32)lport << 16) | (__force u32)rport,
			     net_hash_mix(net));

	return &xnet_conn_table[hash_32(h, XNET_CONN_HASH_BITS)];
}

static bool xnet_conn_match(struct xnet_conn *c, const struct net *net,
			    u8 type, __be32 laddr, __be16 lport,
			    __be32 raddr, __be16 rport)
{
	return c->laddr == laddr && c->xs.sport == lport &&
	       c->xs.daddr == raddr && c->xs.dport == rport &&
	       c->type == type && net_eq(sock_net(&c->xs.sk), net);
}

/* Find a connection and take a reference on it. Under RCU. */
struct sock *xnet_conn_lookup_rcu(struct net *net, u8 type, __be32 laddr,
				  __be16 lport, __be32 raddr, __be16 rport)
{
	struct hlist_head *head = xnet_conn_bucket(net, laddr, lport, raddr,
						   rport);
	struct xnet_conn *c;

	hlist_for_each_entry_rcu(c, head, conn_node) {
		if (!xnet_conn_match(c, net, type, laddr, lport, raddr, rport))
			continue;
		if (!refcount_inc_not_zero(&c->xs.sk.sk_refcnt))
			return NULL;
		return &c->xs.sk;
	}
	return NULL;
}

/*
 * Enter the connection in the table. -EADDRINUSE if the 4-tuple is taken,
 * -ENOBUFS past the netns's connection limit.
 */
int xnet_conn_hash(struct sock *sk)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	struct xnet_conn *c = xnet_conn(sk), *o;
	struct hlist_head *head;

	head = xnet_conn_bucket(sock_net(sk), c->laddr, c->xs.sport,
				c->xs.daddr, c->xs.dport);
	if (atomic_inc_return(&xn->nconn) > READ_ONCE(xn->max_connections)) {
		atomic_dec(&xn->nconn);
		xnet_inc_stat(xn, XNET_MIB_CONN_LIMIT_DROPS);
		net_info_ratelimited("xnet: connection limit (%d) reached\n",
				     READ_ONCE(xn->max_connections));
		return -ENOBUFS;
	}
	spin_lock_bh(&xnet_conn_lock);
	hlist_for_each_entry(o, head, conn_node) {
		if (xnet_conn_match(o, sock_net(sk), c->type, c->laddr,
				    c->xs.sport, c->xs.daddr, c->xs.dport)) {
			spin_unlock_bh(&xnet_conn_lock);
			atomic_dec(&xn->nconn);
			return -EADDRINUSE;
		}
	}
	sock_hold(sk);
	hlist_add_head_rcu(&c->conn_node, head);
	c->hashed = 1;
	spin_unlock_bh(&xnet_conn_lock);
	return 0;
}

void xnet_conn_unhash(struct sock *sk)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	struct xnet_conn *c = xnet_conn(sk);

	if (!c->hashed)
		return;
	spin_lock_bh(&xnet_conn_lock);
	hlist_del_init_rcu(&c->conn_node);
	c->hashed = 0;
	spin_unlock_bh(&xnet_conn_lock);
	atomic_dec(&xn->nconn);
	sock_put(sk);
}

void xnet_conn_init(struct sock *sk, u8 type)
{
	struct xnet_conn *c = xnet_conn(sk);

	c->type = type;
	INIT_HLIST_NODE(&c->conn_node);
	INIT_HLIST_NODE(&c->xs.bind_node);
	spin_lock_init(&c->accept_lock);
	INIT_LIST_HEAD(&c->accept_q);
	INIT_LIST_HEAD(&c->accept_node);
	c->ooo_q = RB_ROOT;
	c->rto_us = XNET_RTO_INIT_US;
	c->cwnd = XNET_CWND_INIT;
	c->ssthresh = U32_MAX;
	c->keepidle = 7200;
	c->keepintvl = 75;
	c->keepcnt = 9;
	c->mss = 536;
	c->cc = xnet_cong_default(xnet_pernet(sock_net(sk)));
	xnet_conn_timers_init(sk);
	xnet_pacing_init(sk);
}

void xnet_conn_set_state(struct sock *sk, u8 state)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));
	struct xnet_conn *c = xnet_conn(sk);

	if (sk->sk_state == XNET_STATE_SYN_RECV && c->synrecv_counted) {
		atomic_dec(&xn->nsynrecv);
		c->synrecv_counted = 0;
	}
	if (state == XNET_STATE_ESTABLISHED &&
	    sk->sk_state != XNET_STATE_ESTABLISHED)
		c->last_rx = jiffies;
	if (sk->sk_state != state)
		trace_xnet_conn_state(c, sk->sk_state, state);
	WRITE_ONCE(sk->sk_state, state);
	/* SO_KEEPALIVE set before connect() or inherited: start it now */
	if (state == XNET_STATE_ESTABLISHED)
		xnet_conn_keepalive_arm(sk);
}

/*
 * A child takes its listener's socket attributes, as sk_clone_lock()
 * gives TCP's: mark, priority, owner, SO_ZEROCOPY, SO_MAX_PACING_RATE
 * (and whether it is paced) and LSM label. (The cgroup and
 * memory cgroup a softirq sk_alloc() gives are the root's: the helpers
 * that copy them are not exported to modules.) Softirq, neither locked.
 */
void xnet_conn_inherit(struct sock *sk, const struct sock *lsk)
{
	sk->sk_mark = READ_ONCE(lsk->sk_mark);
	sk->sk_priority = READ_ONCE(lsk->sk_priority);
	sk->sk_uid = lsk->sk_uid;
	if (sock_flag(lsk, SOCK_ZEROCOPY))
		sock_set_flag(sk, SOCK_ZEROCOPY);
	sk->sk_max_pacing_rate = READ_ONCE(lsk->sk_max_pacing_rate);
	sk->sk_pacing_rate = sk->sk_max_pacing_rate;
	/* pairs with sch_fq's smp_store_release() of SK_PACING_FQ */
	sk->sk_pacing_status = smp_load_acquire(&lsk->sk_pacing_status);
	security_sk_clone(lsk, sk);
}

/*
 * connect() starts a new connection: nothing learnt by a failed attempt
 * (backoff, RTO, congestion state) carries over. Socket locked.
 */
void xnet_conn_reset_engine(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	c->srtt_us = 0;
	c->rttvar_us = 0;
	c->rtt_min_us = 0;
	c->rack_xmit_us = 0;
	c->rack_rtt_us = 0;
	c->rto_us = XNET_RTO_INIT_US;
	c->backoff = 0;
	c->retransmits = 0;
	c->rtx_start = 0;
	c->probe_sent = 0;
	c->tlp_armed = 0;
	c->in_recovery = 0;
	c->dupacks = 0;
	c->recover = 0;
	c->cwnd = XNET_CWND_INIT;
	c->cwnd_cnt = 0;
	c->ssthresh = U32_MAX;
	c->cubic_w_max = 0;
	c->cubic_origin = 0;
	c->cubic_k_ms = 0;
	c->cubic_epoch_us = 0;
	c->max_flight = 0;
	c->max_flight_seq = 0;
	c->cwnd_limited = 0;
	c->ka_probes = 0;
	c->fin_queued = 0;
	c->rcv_unacked = 0;
}

/* A closed socket's connection goes on: count it. Socket locked. */
void xnet_conn_orphaned(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	if (c->orphan_counted)
		return;
	c->orphan_counted = 1;
	atomic_inc(&xnet_pernet(sock_net(sk))->norphans);
}

/*
 * The connection no longer counts as an orphan: it ended, or it entered
 * TIME_WAIT, which holds no data and ends on its own (TCP stops counting
 * there too, or a busy server's active closes would fill max_orphans).
 * Socket locked.
 */
void xnet_conn_orphan_over(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	if (!c->orphan_counted)
		return;
	c->orphan_counted = 0;
	atomic_dec(&xnet_pernet(sock_net(sk))->norphans);
}

/*
 * Closing @sk would make one orphan too many (net.xnet.max_orphans, as
 * TCP's tcp_max_orphans): the caller resets it instead. Counted.
 */
bool xnet_conn_too_many_orphans(struct sock *sk)
{
	struct xnet_net *xn = xnet_pernet(sock_net(sk));

	if (atomic_read(&xn->norphans) < READ_ONCE(xn->max_orphans))
		return false;
	xnet_inc_stat(xn, XNET_MIB_ORPHAN_OVERFLOWS);
	net_info_ratelimited("xnet: too many orphaned sockets (%d)\n",
			     READ_ONCE(xn->max_orphans));
	return true;
}

void xnet_conn_purge_queues(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue))) {
		sk_wmem_queued_add(sk, -skb->truesize);
		kfree_skb(skb);
	}
	c->send_head = NULL;
	xnet_conn_ooo_purge(sk);
}

/*
 * The connection is over: no more segments will be sent or accepted.
 * Stop the timers, leave the tables, free the queues; an orphan loses
 * its last reference here. Socket lock held.
 */
void xnet_conn_done(struct sock *sk)
{
	struct xnet_conn *c = xnet_conn(sk);

	xnet_conn_set_state(sk, XNET_STATE_CLOSED);
	xnet_conn_timers_stop(sk);
	xnet_pacing_stop(sk);
	xnet_conn_purge_queues(sk);
	xnet_conn_unhash(sk);
	xnet_conn_orphan_over(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		return;
	}
	/* an orphan: nobody will close it, so give back what it holds */
	xnet_port_unbind(xnet_conn_ports(sk), sk);
	if (c->unowned && !c->accepted_pending) {
		c->unowned = 0;
		sock_put(sk);	/* the reference sk_alloc() gave the child */
	}
}

/*
 * A device of @net went away. Closed connections (orphans) sending to
 * peers behind it would learn so only at their next, backed-off,
 * retransmission, keeping the netns and the module busy for a minute;
 * fire their retransmission timers now, so that those that can no longer
 * reach their peer end at once (xnet_conn_output_error()). Process
 * context (netdev notifier, RTNL); walks the table under RCU and takes
 * each orphan's lock with BHs off, as the receive path does.
 */
void xnet_conn_kick_orphans(struct net *net)
{
	struct xnet_conn *c;
	struct sock *sk;
	int i;

	rcu_read_lock_bh();
	for (i = 0; i < ARRAY_SIZE(xnet_conn_table); i++) {
		hlist_for_each_entry_rcu(c, &xnet_conn_table[i], conn_node) {
			sk = &c->xs.sk;
			if (!net_eq(sock_net(sk), net) ||
			    !sock_flag(sk, SOCK_DEAD) ||
			    !refcount_inc_not_zero(&sk->sk_refcnt))
				continue;
			bh_lock_sock(sk);
			if (!sock_owned_by_user(sk) &&
			    timer_pending(&c->rtx_timer))
				sk_reset_timer(sk, &c->rtx_timer, jiffies);
			bh_unlock_sock(sk);
			sock_put(sk);
		}
	}
	rcu_read_unlock_bh();
}

/*
 * The listener @lsk closes: its half-open children (SYN_RECV) could
 * never be accepted, yet would retransmit their SYN+ACK for a minute,
 * each holding a max_syn_backlog slot (TCP drops a closed listener's
 * request socks too). End them, silently. Process context, @lsk locked
 * and no longer LISTEN, so no new child completes into it. The walk
 * only takes references, in batches: the children end after it.
 */
static bool xnet_conn_is_child_of(const struct xnet_conn *c,
				  const struct sock *lsk)
{
	const struct xnet_sock *l = xnet_sk(lsk);

	return net_eq(sock_net(&c->xs.sk), sock_net(lsk)) &&
	       c->type == xnet_conn(lsk)->type &&
	       c->listen_port == l->sport &&
	       (!l->rcv_addr || l->rcv_addr == c->laddr) &&
	       READ_ONCE(c->xs.sk.sk_state) == XNET_STATE_SYN_RECV;
}

void xnet_conn_close_children(struct sock *lsk)
{
	struct sock *batch[16], *sk;
	struct xnet_conn *c;
	int i, n;

	do {
		n = 0;
		rcu_read_lock_bh();
		for (i = 0; i < ARRAY_SIZE(xnet_conn_table); i++) {
			hlist_for_each_entry_rcu(c, &xnet_conn_table[i],
						 conn_node) {
				sk = &c->xs.sk;
				if (n == ARRAY_SIZE(batch))
					break;
				if (xnet_conn_is_child_of(c, lsk) &&
				    refcount_inc_not_zero(&sk->sk_refcnt))
					batch[n++] = sk;
			}
		}
		rcu_read_unlock_bh();
		for (i = 0; i < n; i++) {
			sk = batch[i];
			local_bh_disable();
			bh_lock_sock_nested(sk);
			if (sk->sk_state == XNET_STATE_SYN_RECV)
				xnet_conn_done(sk);
			bh_unlock_sock(sk);
			local_bh_enable();
			sock_put(sk);
		}
	} while (n == ARRAY_SIZE(batch));
}

/* End the connection at once with @err for the user. Socket lock held. */
void xnet_conn_abort(struct sock *sk, int err)
{
	WRITE_ONCE(sk->sk_err, err);
	sk_error_report(sk);
	xnet_conn_done(sk);
}

/*
 * The connection timer that fires first (XNET_TIMER_*), as ss shows it,
 * and in *@ms the time until it does. Read without the socket lock
 * (dumps, under a table lock): a snapshot.
 */
u8 xnet_conn_next_timer(struct sock *sk, u32 *ms)
{
	struct xnet_conn *c = xnet_conn(sk);
	struct timer_list *t = NULL;
	u8 kind = XNET_TIMER_NONE;

	if (timer_pending(&c->rtx_timer)) {
		t = &c->rtx_timer;
		kind = c->snd_una == c->snd_nxt ? XNET_TIMER_PROBE
						: XNET_TIMER_RETRANS;
	} else if (timer_pending(&c->delack_timer)) {
		t = &c->delack_timer;
		kind = XNET_TIMER_DELACK;
	} else if (timer_pending(&c->linger_timer)) {
		t = &c->linger_timer;
		kind = sk->sk_state == XNET_STATE_TIME_WAIT ?
		       XNET_TIMER_TIME_WAIT : XNET_TIMER_KEEPALIVE;
	} else if (timer_pending(&c->ka_timer)) {
		t = &c->ka_timer;
		kind = XNET_TIMER_KEEPALIVE;
	}
	*ms = t ? jiffies_to_msecs(max_t(long, READ_ONCE(t->expires) - jiffies,
					 0)) : 0;
	return kind;
}

/*
 * Call @fn for each accepted or accept-pending connection of @net: those
 * that share their listener's port and so are in no port table.
 */
static int xnet_conn_walk_children(struct net *net, unsigned long *pos,
				   xnet_sock_iter_t fn, void *arg)
{
	unsigned long idx = 0;
	struct xnet_conn *c;
	int i, err = 0;

	spin_lock_bh(&xnet_conn_lock);
	for (i = 0; i < ARRAY_SIZE(xnet_conn_table); i++) {
		hlist_for_each_entry(c, &xnet_conn_table[i], conn_node) {
			if (!net_eq(sock_net(&c->xs.sk), net) ||
			    !c->listen_port)
				continue;
			if (idx++ < *pos)
				continue;
			err = fn(&c->xs.sk, arg);
			if (err)
				goto out;
			(*pos)++;
		}
	}
out:
	spin_unlock_bh(&xnet_conn_lock);
	return err;
}

/*
 * Call @fn for every socket of @net: each port table, then the
 * connections that live in no port table. *@table and *@pos say where
 * to resume (netlink dumps); both start at 0.
 */
int xnet_sock_walk(struct net *net, unsigned long *table, unsigned long *pos,
		   xnet_sock_iter_t fn, void *arg)
{
	static struct xnet_port_table * const tables[] = {
		&xnet_dgram_ports, &xnet_stream_ports, &xnet_seqpacket_ports,
	};
	int err;

	for (; *table <= ARRAY_SIZE(tables); (*table)++, *pos = 0) {
		if (*table < ARRAY_SIZE(tables))
			err = xnet_port_walk(tables[*table], net, pos, fn, arg);
		else
			err = xnet_conn_walk_children(net, pos, fn, arg);
		if (err)
			return err;
	}
	return 0;
}

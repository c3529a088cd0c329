// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: sessions with peers (sec.h): the peer table, the keypairs each
 * handshake makes, the handshake in progress, frames waiting for it,
 * rekeying, expiry and teardown.
 *
 * Per peer address (struct xnet_peer), at most net.xnet.session_max of
 * them (SessionTableFull beyond):
 *  - cur: the keypair frames to the peer are sealed with (RCU pointer);
 *  - next: a responder's newest keypair, not yet confirmed by a frame
 *    the initiator sealed with it, while cur still works: the responder
 *    switches to it on that frame or on the initiator's CONFIRM, sent as
 *    soon as the RESP is taken (xnet_session_confirmed()); with no
 *    working cur a responder sends with its keypair at once (the RESP
 *    leaves first on the same path);
 *  - old[]: up to XNET_OLD_MAX keypairs cur or next replaced, newest
 *    first, still good for receiving until they expire, so that no frame
 *    in flight during a rekey is lost, even when both sides rekey at once
 *    or a responder answered several INITs of one attempt (an old next
 *    the initiator turns out to use becomes cur when confirmed).
 * Every keypair of the table is in the index hash (seal.c finds it by
 * the index a sealed frame names) and holds one reference, dropped when
 * it leaves its slot. A keypair is freed, with its transforms, after an
 * RCU grace period once its last reference goes (xnet_keypair_put()).
 * Keys are derived per handshake from fresh random bytes of both sides
 * (handshake.c), and each keypair's counters start at zero.
 *
 * Timing: a keypair older than net.xnet.rekey_ms (an initiator's; a
 * responder's 1.5 times that, so that one side starts) asks for a rekey
 * when used to send; traffic keeps using it until the new one is
 * established. At 3 x rekey_ms a keypair expires: no frame is sealed or
 * opened with it any more (frames wait for a new handshake). An INIT is
 * sent again (fresh: new index, timestamp and random bytes) every second,
 * up to XNET_HS_TRIES times; a RESP to any of them completes the attempt
 * (a responder loading its crypto modules may answer late). Then the frames
 * held are dropped (OutNoKey) and no handshake is started for
 * XNET_HS_BACKOFF. At most XNET_HELD_MAX frames wait per peer (the oldest
 * dropped, OutNoKey) and XNET_HELD_NET_MAX per netns.
 *
 * Replays: the newest INIT timestamp accepted from a peer is kept in its
 * entry; an INIT not newer is dropped (InReplays). Entries without
 * sessions are kept (with their timestamp) and reclaimed only when the
 * table is three quarters full and they are idle: see
 * xnet_peer_reclaimable().
 *
 * Locking: xs->lock (spinlock, _bh) protects the peer hash and index
 * hash writers, every field of every xnet_peer, the handshake queue,
 * npeers, nheld, the unknown-session budget and dying. Readers of the
 * hashes and of peer->cur use RCU (peer fields read locklessly are
 * marked READ_ONCE/WRITE_ONCE). Peers are removed and freed (kfree_rcu)
 * only by the work item and by xnet_sessions_net_exit() after the work
 * is cancelled, so the work may use a peer pointer across a dropped
 * lock. Nothing else is taken under xs->lock but the keys' references
 * (xnet_key_put()) and the keypair release (call_rcu()).
 *
 * Context:
 *  - xnet_session_tx(), xnet_session_hold(): BHs off under RCU (seal.c
 *    from xnet_finish_output()), or any context;
 *  - xnet_keypair_lookup_rcu(): under RCU; xnet_keypair_put(): any;
 *  - xnet_session_unknown(), _confirmed(), _rekey(), and the helpers for
 *    handshake.c (xnet_session_init_fresh(), _resp_expected(),
 *    _queue_hs(), _confirm_rcv()): softirq under RCU (or BHs off);
 *  - the work item (xnet_sessions_work()): process context; it
 *    allocates the transforms, builds and sends the handshakes
 *    (xnet_output(), xnet_output_reply()) and sends held frames
 *    (xnet_output_direct() with BHs off);
 *  - xnet_sessions_key_changed(), _net_init(), _net_exit(): process.
 */
#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/random.h>

#include "session.h"

#define XNET_HS_TRIES		5		/* INITs per attempt */
#define XNET_HS_RETRY		HZ		/* between them */
#define XNET_HS_BACKOFF		(5 * HZ)	/* after an attempt failed */
#define XNET_HELD_MAX		64		/* frames per peer */
#define XNET_HELD_NET_MAX	1024		/* frames per netns */
#define XNET_HSQ_MAX		256		/* valid handshakes waiting */
#define XNET_UNKNOWN_RATE	10		/* handshakes/s for lost sessions */
#define XNET_SESS_TICK		(HZ / 4)	/* the work's period while busy */
#define XNET_PEER_IDLE		(60 * HZ)	/* before an entry is reclaimed */
#define XNET_OLD_MAX		4		/* receive-only keypairs */
#define XNET_PEER_BITS		8
#define XNET_INDEX_BITS		8

struct xnet_sessions {
	struct rcu_head		rcu;		/* first: kfree_rcu() */
	spinlock_t		lock;		/* everything below, _bh */
	struct hlist_head	peers[1 << XNET_PEER_BITS];	/* RCU */
	struct hlist_head	index[1 << XNET_INDEX_BITS];	/* RCU */
	unsigned int		npeers;
	unsigned int		nheld;
	struct sk_buff_head	hsq;		/* valid handshakes (__skb_*) */
	unsigned long		unk_stamp;	/* jiffies: budget's second */
	unsigned int		unk_tokens;
	bool			dying;
	u32			seed;
	u64			last_ts;	/* work only: last INIT stamp */
	struct delayed_work	work;
	struct xnet_net		*xn;
};

struct xnet_peer {
	struct hlist_node	node;		/* xs->peers, RCU */
	struct rcu_head		rcu;
	__be32			addr;
	int			ifindex;	/* the device used last */
	__be32			laddr;		/* our address in its frames */
	struct xnet_keypair __rcu *cur;
	struct xnet_keypair	*next;
	struct xnet_keypair	*old[XNET_OLD_MAX];
	bool			hs_want;	/* the work is to send an INIT */
	bool			hs_pending;	/* an INIT awaits its RESP */
	bool			key_check;	/* keys changed: look again */
	u8			hs_tries;	/* INITs of this attempt */
	/* the INITs of this attempt (a slow responder answers an older
	 * one): their indexes (0: none) and messages as MAC'ed
	 */
	__be32			hs_index[XNET_HS_TRIES];
	unsigned long		hs_sent;	/* jiffies */
	unsigned long		hs_backoff;	/* no attempt before */
	unsigned long		last_unknown;	/* jiffies */
	unsigned long		active;		/* jiffies: last use */
	u64			last_init_ts;	/* newest INIT accepted */
	u8			hs_init[XNET_HS_TRIES][XNET_HS_LEN];
	struct sk_buff_head	held;		/* under xs->lock (__skb_*) */
};

/* a keypair and what only this file sees of it */
struct xnet_kp {
	struct xnet_keypair	kp;
	struct xnet_key		*key;		/* referenced */
	u8			resp_mac[XNET_HS_MACLEN]; /* responder's */
};

/* where a held frame goes, in its skb->cb */
struct xnet_held_cb {
	int	ifindex;
	u8	ha[ETH_ALEN];
};

static struct xnet_sessions *xnet_xs(struct xnet_net *xn)
{
	return READ_ONCE(xn->sessions);
}

static struct hlist_head *xnet_peer_bucket(struct xnet_sessions *xs,
					   __be32 addr)
{
	return &xs->peers[jhash_1word((__force u32)addr, xs->seed) &
			  ((1 << XNET_PEER_BITS) - 1)];
}

static struct hlist_head *xnet_index_bucket(struct xnet_sessions *xs,
					    __be32 index)
{
	return &xs->index[hash_32((__force u32)index, XNET_INDEX_BITS)];
}

/* under RCU or xs->lock */
static struct xnet_peer *xnet_peer_find(struct xnet_sessions *xs,
					__be32 addr)
{
	struct xnet_peer *p;

	hlist_for_each_entry_rcu(p, xnet_peer_bucket(xs, addr), node,
				 lockdep_is_held(&xs->lock))
		if (p->addr == addr)
			return p;
	return NULL;
}

/* under xs->lock, while the work may run */
static void xnet_sessions_kick(struct xnet_sessions *xs, unsigned long delay)
{
	if (!xs->dying)
		mod_delayed_work(system_wq, &xs->work, delay);
}

static unsigned long xnet_rekey_jiffies(struct xnet_net *xn)
{
	return msecs_to_jiffies(READ_ONCE(xn->rekey_ms));
}

static bool xnet_kp_expired(struct xnet_net *xn,
			    const struct xnet_keypair *kp)
{
	return time_after_eq(jiffies, kp->birth + 3 * xnet_rekey_jiffies(xn)) ||
	       atomic64_read(&kp->tx_counter) >= XNET_REJECT_AFTER_FRAMES;
}

static void xnet_keypair_free_rcu(struct rcu_head *head)
{
	struct xnet_keypair *kp = container_of(head, struct xnet_keypair, rcu);
	struct xnet_kp *k = container_of(kp, struct xnet_kp, kp);

	/* the transforms' contexts (the keys) are freed with kfree_sensitive */
	crypto_free_aead(kp->tx);
	crypto_free_aead(kp->rx);
	kfree_sensitive(k);
}

void xnet_keypair_put(struct xnet_keypair *kp)
{
	struct xnet_kp *k;

	if (!kp || !refcount_dec_and_test(&kp->ref))
		return;
	k = container_of(kp, struct xnet_kp, kp);
	xnet_key_put(k->key);
	k->key = NULL;
	call_rcu(&kp->rcu, xnet_keypair_free_rcu);
}

struct xnet_keypair *xnet_keypair_lookup_rcu(struct xnet_net *xn,
					     __be32 index)
{
	struct xnet_sessions *xs = xnet_xs(xn);
	struct xnet_keypair *kp;

	if (!xs)
		return NULL;
	hlist_for_each_entry_rcu(kp, xnet_index_bucket(xs, index), index_node)
		if (kp->local_index == index)
			return kp;
	return NULL;
}

/* under xs->lock */
static bool xnet_index_taken(struct xnet_sessions *xs, __be32 index)
{
	struct xnet_keypair *kp;

	hlist_for_each_entry(kp, xnet_index_bucket(xs, index), index_node)
		if (kp->local_index == index)
			return true;
	return false;
}

/* a fresh index nobody uses; under xs->lock */
static __be32 xnet_index_new(struct xnet_sessions *xs)
{
	__be32 index;

	do {
		index = (__force __be32)get_random_u32();
	} while (!index || xnet_index_taken(xs, index));
	return index;
}

/* a keypair leaves its slot: no lookup finds it from now; xs->lock */
static void xnet_kp_drop(struct xnet_keypair *kp)
{
	struct xnet_kp *k;

	if (!kp)
		return;
	k = container_of(kp, struct xnet_kp, kp);
	hlist_del_rcu(&kp->index_node);
	atomic_dec(&k->key->use);
	xnet_keypair_put(kp);
}

/* under xs->lock: every frame @p holds is dropped */
static void xnet_peer_purge_held(struct xnet_sessions *xs, struct xnet_peer *p)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&p->held))) {
		xs->nheld--;
		xnet_inc_stat(xs->xn, XNET_MIB_OUT_NO_KEY);
		kfree_skb(skb);
	}
}

/* under xs->lock: no session with @p any more, no handshake */
static void xnet_peer_end(struct xnet_sessions *xs, struct xnet_peer *p)
{
	struct xnet_keypair *cur = rcu_dereference_protected(p->cur,
					lockdep_is_held(&xs->lock));
	int i;

	RCU_INIT_POINTER(p->cur, NULL);
	xnet_kp_drop(cur);
	xnet_kp_drop(p->next);
	p->next = NULL;
	for (i = 0; i < XNET_OLD_MAX; i++) {
		xnet_kp_drop(p->old[i]);
		p->old[i] = NULL;
	}
	p->hs_want = false;
	WRITE_ONCE(p->hs_pending, false);
	p->hs_tries = 0;
	xnet_peer_purge_held(xs, p);
}

/* under xs->lock: @kp (cur or next replaced) serves receiving only */
static void xnet_peer_retire(struct xnet_peer *p, struct xnet_keypair *kp)
{
	if (!kp)
		return;
	xnet_kp_drop(p->old[XNET_OLD_MAX - 1]);
	memmove(&p->old[1], &p->old[0], sizeof(p->old[0]) * (XNET_OLD_MAX - 1));
	p->old[0] = kp;
}

/* under xs->lock: take @kp out of old[]; false if it is not there */
static bool xnet_peer_unretire(struct xnet_peer *p, struct xnet_keypair *kp)
{
	int i;

	for (i = 0; i < XNET_OLD_MAX; i++)
		if (p->old[i] == kp)
			break;
	if (i == XNET_OLD_MAX)
		return false;
	memmove(&p->old[i], &p->old[i + 1],
		sizeof(p->old[0]) * (XNET_OLD_MAX - 1 - i));
	p->old[XNET_OLD_MAX - 1] = NULL;
	return true;
}

/* the entry of @addr, made if need be; under xs->lock. NULL: full. */
static struct xnet_peer *xnet_peer_get(struct xnet_sessions *xs, __be32 addr)
{
	struct xnet_net *xn = xs->xn;
	struct xnet_peer *p;

	p = xnet_peer_find(xs, addr);
	if (p || xs->dying)
		return p;
	if (xs->npeers >= READ_ONCE(xn->session_max)) {
		xnet_inc_stat(xn, XNET_MIB_SESSION_TABLE_FULL);
		return NULL;
	}
	p = kzalloc(sizeof(*p), GFP_ATOMIC);
	if (!p)
		return NULL;
	p->addr = addr;
	p->active = jiffies;
	__skb_queue_head_init(&p->held);
	hlist_add_head_rcu(&p->node, xnet_peer_bucket(xs, addr));
	xs->npeers++;
	/* the work ages its sessions and retries its handshakes */
	if (!xs->dying)
		queue_delayed_work(system_wq, &xs->work, XNET_SESS_TICK);
	return p;
}

/* did an attempt fail lately? (0: never; jiffies start below 0) */
static bool xnet_peer_backoff(const struct xnet_peer *p)
{
	unsigned long until = READ_ONCE(p->hs_backoff);

	return until && time_before(jiffies, until);
}

/*
 * Ask the work for a handshake with @p, unless one is on its way or
 * the last attempt failed lately (@force: even then). Any context.
 */
static void xnet_peer_want(struct xnet_sessions *xs, struct xnet_peer *p,
			   bool force)
{
	if (READ_ONCE(p->hs_want) || READ_ONCE(p->hs_pending))
		return;
	if (!force && xnet_peer_backoff(p))
		return;
	spin_lock_bh(&xs->lock);
	if (!p->hs_want && !p->hs_pending) {
		WRITE_ONCE(p->hs_want, true);
		xnet_sessions_kick(xs, 0);
	}
	spin_unlock_bh(&xs->lock);
}

struct xnet_keypair *xnet_session_tx(struct xnet_net *xn, __be32 peer,
				     int ifindex)
{
	struct xnet_sessions *xs = xnet_xs(xn);
	struct xnet_keypair *kp;
	struct xnet_peer *p;
	unsigned long age;

	if (!xs)
		return NULL;
	rcu_read_lock();
	p = xnet_peer_find(xs, peer);
	if (!p) {
		spin_lock_bh(&xs->lock);
		p = xnet_peer_get(xs, peer);
		if (p)
			p->ifindex = ifindex;
		spin_unlock_bh(&xs->lock);
		if (p)
			xnet_peer_want(xs, p, false);
		rcu_read_unlock();
		return NULL;
	}
	if (READ_ONCE(p->ifindex) != ifindex)
		WRITE_ONCE(p->ifindex, ifindex);
	age = jiffies;
	if (READ_ONCE(p->active) != age)
		WRITE_ONCE(p->active, age);
	kp = rcu_dereference(p->cur);
	if (kp && !xnet_kp_expired(xn, kp) && refcount_inc_not_zero(&kp->ref)) {
		age = jiffies - kp->birth;
		if (age >= xnet_rekey_jiffies(xn) * (kp->initiator ? 2 : 3) / 2)
			xnet_peer_want(xs, p, false);
		rcu_read_unlock();
		return kp;
	}
	xnet_peer_want(xs, p, false);
	rcu_read_unlock();
	return NULL;
}

void xnet_session_hold(struct xnet_net *xn, struct sk_buff *skb,
		       __be32 peer, int ifindex, const u8 *ha)
{
	struct xnet_sessions *xs = xnet_xs(xn);
	struct xnet_held_cb *cb = (struct xnet_held_cb *)skb->cb;
	struct sk_buff *old = NULL;
	struct xnet_peer *p;

	BUILD_BUG_ON(sizeof(*cb) > sizeof(skb->cb));
	if (!xs)
		goto drop;
	/* the socket need not wait for the handshake to be freed */
	skb_orphan(skb);
	cb->ifindex = ifindex;
	ether_addr_copy(cb->ha, ha);
	spin_lock_bh(&xs->lock);
	p = xnet_peer_get(xs, peer);
	/* after a failed attempt, frames are not kept until the next */
	if (!p || (!p->hs_want && !p->hs_pending && xnet_peer_backoff(p))) {
		spin_unlock_bh(&xs->lock);
		goto drop;
	}
	if (skb_queue_len(&p->held) >= XNET_HELD_MAX) {
		old = __skb_dequeue(&p->held);
		xs->nheld--;
	}
	if (xs->nheld >= XNET_HELD_NET_MAX) {
		spin_unlock_bh(&xs->lock);
		goto drop;
	}
	p->ifindex = ifindex;
	p->laddr = xnet_hdr(skb)->saddr;
	__skb_queue_tail(&p->held, skb);
	xs->nheld++;
	if (!p->hs_want && !p->hs_pending) {
		WRITE_ONCE(p->hs_want, true);
		xnet_sessions_kick(xs, 0);
	}
	spin_unlock_bh(&xs->lock);
	skb = old;
	if (!skb)
		return;
drop:
	xnet_inc_stat(xn, XNET_MIB_OUT_NO_KEY);
	kfree_skb(skb);
}

/* send the frames that waited for a session; process context */
static void xnet_send_held(struct xnet_net *xn, struct sk_buff_head *list)
{
	struct xnet_held_cb *cb;
	struct sk_buff *skb;
	u8 ha[ETH_ALEN];
	int ifindex;

	while ((skb = __skb_dequeue(list))) {
		cb = (struct xnet_held_cb *)skb->cb;
		ifindex = cb->ifindex;
		ether_addr_copy(ha, cb->ha);
		memset(skb->cb, 0, sizeof(skb->cb));
		local_bh_disable();
		xnet_output_direct(xn, skb, ifindex, ha);
		local_bh_enable();
	}
}

/* under xs->lock: move @p's held frames to @list */
static void xnet_peer_take_held(struct xnet_sessions *xs, struct xnet_peer *p,
				struct sk_buff_head *list)
{
	xs->nheld -= skb_queue_len(&p->held);
	skb_queue_splice_tail_init(&p->held, list);
}

void xnet_session_unknown(struct xnet_net *xn, __be32 peer, int ifindex)
{
	struct xnet_sessions *xs = xnet_xs(xn);
	unsigned long now = jiffies;
	struct xnet_peer *p;

	if (!xs)
		return;
	spin_lock_bh(&xs->lock);
	if (time_after_eq(now, xs->unk_stamp + HZ) || !xs->unk_stamp) {
		xs->unk_stamp = now | 1;
		xs->unk_tokens = XNET_UNKNOWN_RATE;
	}
	if (!xs->unk_tokens)
		goto out;
	p = xnet_peer_get(xs, peer);
	if (!p || p->hs_want || p->hs_pending ||
	    (p->last_unknown && time_before(now, p->last_unknown + HZ)))
		goto out;
	xs->unk_tokens--;
	p->last_unknown = now | 1;
	p->ifindex = ifindex;
	WRITE_ONCE(p->hs_backoff, 0);
	WRITE_ONCE(p->hs_want, true);
	xnet_sessions_kick(xs, 0);
out:
	spin_unlock_bh(&xs->lock);
}

void xnet_session_confirmed(struct xnet_net *xn, struct xnet_keypair *kp)
{
	struct xnet_sessions *xs = xnet_xs(xn);
	struct xnet_keypair *cur;
	struct xnet_peer *p;

	if (!xs || READ_ONCE(kp->confirmed))
		return;
	spin_lock_bh(&xs->lock);
	WRITE_ONCE(kp->confirmed, true);
	p = xnet_peer_find(xs, kp->peer);
	if (!p)
		goto out;
	cur = rcu_dereference_protected(p->cur, lockdep_is_held(&xs->lock));
	/* the initiator uses it: it serves sending too, unless older */
	if (kp == cur || (cur && time_before(kp->birth, cur->birth)))
		goto out;
	if (p->next == kp)
		p->next = NULL;
	else if (!xnet_peer_unretire(p, kp))
		goto out;			/* dropped meanwhile */
	xnet_peer_retire(p, cur);
	rcu_assign_pointer(p->cur, kp);
out:
	spin_unlock_bh(&xs->lock);
}

void xnet_session_rekey(struct xnet_net *xn, struct xnet_keypair *kp)
{
	struct xnet_sessions *xs = xnet_xs(xn);
	struct xnet_peer *p;

	if (!xs)
		return;
	rcu_read_lock();
	p = xnet_peer_find(xs, kp->peer);
	if (p)
		xnet_peer_want(xs, p, false);
	rcu_read_unlock();
}

void xnet_sessions_key_changed(struct xnet_net *xn, __be32 peer)
{
	struct xnet_sessions *xs = xnet_xs(xn);
	struct xnet_peer *p;
	unsigned int i;

	if (!xs)
		return;
	spin_lock_bh(&xs->lock);
	for (i = 0; i < ARRAY_SIZE(xs->peers); i++)
		hlist_for_each_entry(p, &xs->peers[i], node)
			if (!peer || p->addr == peer)
				p->key_check = true;
	xnet_sessions_kick(xs, 0);
	spin_unlock_bh(&xs->lock);
	/* sessions with no key left end before the change is reported */
	flush_delayed_work(&xs->work);
}

/* handshake.c ---------------------------------------------------------- */

bool xnet_session_init_fresh(struct xnet_net *xn, __be32 peer, u64 ts)
{
	struct xnet_sessions *xs = xnet_xs(xn);
	struct xnet_peer *p;

	if (!xs)
		return false;
	p = xnet_peer_find(xs, peer);
	return !p || ts > READ_ONCE(p->last_init_ts);
}

/* which INIT of @p's attempt has @index; -1: none. Lock or RCU. */
static int xnet_peer_hs_slot(const struct xnet_peer *p, __be32 index)
{
	int i;

	for (i = 0; index && i < XNET_HS_TRIES; i++)
		if (READ_ONCE(p->hs_index[i]) == index)
			return i;
	return -1;
}

int xnet_session_resp_expected(struct xnet_net *xn, __be32 peer,
			       __be32 index)
{
	struct xnet_sessions *xs = xnet_xs(xn);
	struct xnet_peer *p;

	if (!xs)
		return 0;
	p = xnet_peer_find(xs, peer);
	if (!p || xnet_peer_hs_slot(p, index) < 0)
		return 0;
	return READ_ONCE(p->hs_pending) ? 1 : -1;
}

void xnet_session_queue_hs(struct xnet_net *xn, struct sk_buff *skb)
{
	struct xnet_sessions *xs = xnet_xs(xn);

	if (!xs)
		goto drop;
	spin_lock_bh(&xs->lock);
	if (xs->dying || skb_queue_len(&xs->hsq) >= XNET_HSQ_MAX) {
		spin_unlock_bh(&xs->lock);
		/* handshakes refused: the work's queue is full */
		xnet_inc_stat(xn, XNET_MIB_SESSION_TABLE_FULL);
		goto drop;
	}
	skb_dst_drop(skb);
	__skb_queue_tail(&xs->hsq, skb);
	xnet_sessions_kick(xs, 0);
	spin_unlock_bh(&xs->lock);
	return;
drop:
	kfree_skb(skb);
}

/* the work item -------------------------------------------------------- */

/* a keypair with the keys @txk and @rxk; process context */
static struct xnet_kp *xnet_kp_new(struct xnet_key *key, const u8 *txk,
				   const u8 *rxk)
{
	const char *name = key->alg == XNET_KEY_ALG_CHACHA20POLY1305 ?
			   "rfc7539(chacha20,poly1305)" : "gcm(aes)";
	struct crypto_aead *tfm;
	struct xnet_kp *k;
	int i;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return NULL;
	for (i = 0; i < 2; i++) {
		/* synchronous transforms only: seal.c runs in softirq */
		tfm = crypto_alloc_aead(name, 0, CRYPTO_ALG_ASYNC);
		if (IS_ERR(tfm)) {
			net_warn_ratelimited("xnet: no %s transform: %ld\n",
					     name, PTR_ERR(tfm));
			goto err;
		}
		if (i)
			k->kp.rx = tfm;
		else
			k->kp.tx = tfm;
		if (crypto_aead_setkey(tfm, i ? rxk : txk, XNET_HS_KEYLEN) ||
		    crypto_aead_setauthsize(tfm, XNET_SEAL_TAGLEN))
			goto err;
	}
	refcount_set(&k->kp.ref, 1);		/* the peer slot's */
	spin_lock_init(&k->kp.replay.lock);
	k->kp.birth = jiffies;
	refcount_inc(&key->ref);
	k->key = key;
	return k;

err:
	crypto_free_aead(k->kp.tx);
	crypto_free_aead(k->kp.rx);
	kfree_sensitive(k);
	return NULL;
}

static void xnet_kp_free(struct xnet_kp *k)
{
	if (!k)
		return;
	xnet_key_put(k->key);
	crypto_free_aead(k->kp.tx);
	crypto_free_aead(k->kp.rx);
	kfree_sensitive(k);
}

/* under xs->lock: @k joins the index hash */
static void xnet_kp_install(struct xnet_sessions *xs, struct xnet_kp *k)
{
	hlist_add_head_rcu(&k->kp.index_node,
			   xnet_index_bucket(xs, k->kp.local_index));
	atomic_inc(&k->key->use);
}

/* keys derived from a handshake, the keypair made from them */
static struct xnet_kp *xnet_hs_keypair(struct xnet_key *key, const u8 *init,
				       const u8 *resp, bool initiator)
{
	u8 i2r[XNET_HS_KEYLEN], r2i[XNET_HS_KEYLEN];
	struct xnet_kp *k = NULL;

	if (!xnet_hs_derive(key, init, resp, i2r, r2i))
		k = initiator ? xnet_kp_new(key, i2r, r2i) :
				xnet_kp_new(key, r2i, i2r);
	memzero_explicit(i2r, sizeof(i2r));
	memzero_explicit(r2i, sizeof(r2i));
	return k;
}

/* the responder's part: a valid INIT from the queue */
static void xnet_hs_do_init(struct xnet_sessions *xs, struct sk_buff *skb)
{
	struct xnet_net *xn = xs->xn;
	u8 init[XNET_HS_LEN], resp[XNET_HS_LEN];
	struct xnet_hshdr *hs = xnet_hs_body(init);
	struct xnet_keypair *cur;
	struct sk_buff_head held;
	struct sk_buff *rskb;
	struct xnet_key *key;
	struct xnet_kp *k;
	struct xnet_peer *p;
	__be32 peer, index;
	bool live;
	u64 ts;

	__skb_queue_head_init(&held);
	xnet_hs_msg_of(skb, init);
	peer = ((struct xnethdr *)init)->saddr;
	ts = be64_to_cpu(hs->timestamp);
	key = xnet_key_get_fpr(xn, peer, skb->skb_iif, hs->fpr);
	if (!key) {
		xnet_inc_stat(xn, XNET_MIB_IN_NO_KEY);
		return;
	}
	spin_lock_bh(&xs->lock);
	p = xnet_peer_get(xs, peer);
	if (!p || ts <= p->last_init_ts) {
		spin_unlock_bh(&xs->lock);
		if (p)
			xnet_inc_stat(xn, XNET_MIB_IN_REPLAYS);
		goto out;
	}
	index = xnet_index_new(xs);
	spin_unlock_bh(&xs->lock);

	if (xnet_hs_resp_build(resp, key, init, index))
		goto out;
	k = xnet_hs_keypair(key, init, resp, false);
	if (!k)
		goto out;
	k->kp.peer = peer;
	k->kp.local_index = index;
	k->kp.remote_index = hs->sender;
	memcpy(k->resp_mac, xnet_hs_body(resp)->mac, sizeof(k->resp_mac));
	rskb = xnet_hs_skb(xn, resp);
	if (!rskb) {
		xnet_kp_free(k);
		goto out;
	}

	spin_lock_bh(&xs->lock);
	if (xs->dying || ts <= p->last_init_ts || xnet_index_taken(xs, index)) {
		spin_unlock_bh(&xs->lock);
		xnet_kp_free(k);
		kfree_skb(rskb);
		goto out;
	}
	WRITE_ONCE(p->last_init_ts, ts);
	p->active = jiffies;
	xnet_kp_install(xs, k);
	cur = rcu_dereference_protected(p->cur, lockdep_is_held(&xs->lock));
	live = cur && !xnet_kp_expired(xn, cur);
	if (live) {
		/* cur serves until the initiator's first frame with k */
		xnet_peer_retire(p, p->next);
		p->next = &k->kp;
	} else {
		RCU_INIT_POINTER(p->cur, NULL);
		xnet_kp_drop(cur);
		rcu_assign_pointer(p->cur, &k->kp);
		xnet_peer_take_held(xs, p, &held);
	}
	spin_unlock_bh(&xs->lock);

	xnet_inc_stat(xn, XNET_MIB_SESSIONS_ESTABLISHED);
	if (live)
		xnet_inc_stat(xn, XNET_MIB_SESSION_REKEYS);
	/* to the INIT's Ethernet source: no neighbour entry for it */
	if (!xnet_output_reply(xn, rskb, skb))
		xnet_inc_stat(xn, XNET_MIB_HANDSHAKES_SENT);
	xnet_send_held(xn, &held);
out:
	xnet_key_put(key);
}

/* the initiator's part: a RESP naming the index of our INIT in flight */
static void xnet_hs_do_resp(struct xnet_sessions *xs, struct sk_buff *skb)
{
	struct xnet_net *xn = xs->xn;
	u8 init[XNET_HS_LEN], resp[XNET_HS_LEN];
	struct xnet_hshdr *hs = xnet_hs_body(resp);
	struct xnet_keypair *cur;
	struct sk_buff_head held;
	struct sk_buff *cskb;
	struct xnet_key *key;
	struct xnet_kp *k;
	struct xnet_peer *p;
	__be32 peer;
	bool live;
	int slot;

	__skb_queue_head_init(&held);
	xnet_hs_msg_of(skb, resp);
	peer = ((struct xnethdr *)resp)->saddr;
	spin_lock_bh(&xs->lock);
	p = xnet_peer_find(xs, peer);
	slot = p ? xnet_peer_hs_slot(p, hs->receiver) : -1;
	if (slot < 0 || !p->hs_pending) {
		spin_unlock_bh(&xs->lock);
		/* a late answer to an attempt that succeeded: not counted */
		if (slot < 0)
			xnet_drop(xn, skb, XNET_MIB_IN_NO_KEY);
		return;
	}
	memcpy(init, p->hs_init[slot], sizeof(init));
	spin_unlock_bh(&xs->lock);

	key = xnet_key_get_fpr(xn, peer, skb->skb_iif, hs->fpr);
	if (!key) {
		xnet_drop(xn, skb, XNET_MIB_IN_NO_KEY);
		return;
	}
	if (!xnet_hs_resp_ok(key, init, resp)) {
		xnet_drop(xn, skb, XNET_MIB_IN_AUTH_FAILURES);
		goto out;
	}
	k = xnet_hs_keypair(key, init, resp, true);
	if (!k)
		goto out;
	k->kp.peer = peer;
	k->kp.local_index = hs->receiver;
	k->kp.remote_index = hs->sender;
	k->kp.initiator = true;
	k->kp.confirmed = true;		/* the RESP confirmed it */

	spin_lock_bh(&xs->lock);
	if (xs->dying || !p->hs_pending || p->hs_index[slot] != hs->receiver ||
	    xnet_index_taken(xs, hs->receiver)) {
		spin_unlock_bh(&xs->lock);
		xnet_kp_free(k);
		goto out;
	}
	WRITE_ONCE(p->hs_pending, false);
	WRITE_ONCE(p->hs_want, false);
	p->hs_tries = 0;
	WRITE_ONCE(p->hs_backoff, 0);
	p->active = jiffies;
	xnet_kp_install(xs, k);
	cur = rcu_dereference_protected(p->cur, lockdep_is_held(&xs->lock));
	live = cur && !xnet_kp_expired(xn, cur);
	if (live)
		xnet_peer_retire(p, cur);
	else
		xnet_kp_drop(cur);
	rcu_assign_pointer(p->cur, &k->kp);
	xnet_peer_take_held(xs, p, &held);
	spin_unlock_bh(&xs->lock);

	xnet_inc_stat(xn, XNET_MIB_SESSIONS_ESTABLISHED);
	if (live)
		xnet_inc_stat(xn, XNET_MIB_SESSION_REKEYS);
	/*
	 * The responder seals with its keypair only once it knows we have
	 * ours: say so now, as we may have nothing to send (a peer that
	 * lost our session keeps sealing with it until then).
	 */
	xnet_hs_confirm_build(init, key, resp);
	cskb = xnet_hs_skb(xn, init);
	if (cskb && !xnet_output_reply(xn, cskb, skb))
		xnet_inc_stat(xn, XNET_MIB_HANDSHAKES_SENT);
	xnet_send_held(xn, &held);
out:
	xnet_key_put(key);
}

enum xnet_mib xnet_session_confirm_rcv(struct xnet_net *xn,
				       const u8 msg[XNET_HS_LEN])
{
	const struct xnethdr *xh = (const struct xnethdr *)msg;
	const struct xnet_hshdr *hs = xnet_hs_body((u8 *)msg);
	struct xnet_keypair *kp;
	struct xnet_key *key;
	struct xnet_kp *k;
	bool ok;

	kp = xnet_keypair_lookup_rcu(xn, hs->receiver);
	if (!kp || kp->initiator || kp->peer != xh->saddr ||
	    kp->remote_index != hs->sender || !refcount_inc_not_zero(&kp->ref))
		return XNET_MIB_IN_NO_KEY;
	k = container_of(kp, struct xnet_kp, kp);
	key = k->key;
	ok = hs->alg == key->alg &&
	     !memcmp(hs->fpr, key->fpr, sizeof(hs->fpr)) &&
	     xnet_hs_confirm_ok(key, msg, k->resp_mac);
	if (ok)
		xnet_session_confirmed(xn, kp);
	xnet_keypair_put(kp);
	return ok ? __XNET_MIB_MAX : XNET_MIB_IN_AUTH_FAILURES;
}

/* our address in frames to @peer: the one held frames had, or a route's */
static __be32 xnet_peer_laddr(struct xnet_net *xn, __be32 peer, int ifindex)
{
	struct xnet_dev *xdev;
	struct xnet_rt rt;
	__be32 laddr = 0;

	rcu_read_lock();
	if (!xnet_route_output_rcu(xn, peer, 0, ifindex, &rt)) {
		laddr = rt.src;
		if (!laddr && rt.xdev)
			laddr = xnet_dev_first_addr_rcu(rt.xdev);
	}
	if (!laddr)
		list_for_each_entry_rcu(xdev, &xn->devs, list)
			if (xdev->dev->ifindex == ifindex) {
				laddr = xnet_dev_first_addr_rcu(xdev);
				break;
			}
	rcu_read_unlock();
	return laddr;
}

/* send an INIT to @p (again): the work, lock not held */
static void xnet_peer_initiate(struct xnet_sessions *xs, struct xnet_peer *p)
{
	struct xnet_net *xn = xs->xn;
	u8 msg[XNET_HS_LEN];
	struct xnet_key *key;
	struct sk_buff *skb;
	__be32 laddr, index;
	int ifindex, oif, slot;
	u64 ts;

	spin_lock_bh(&xs->lock);
	if (!p->hs_want || xs->dying) {
		spin_unlock_bh(&xs->lock);
		return;
	}
	ifindex = p->ifindex;
	laddr = p->laddr;
	spin_unlock_bh(&xs->lock);

	key = xnet_key_get(xn, p->addr, ifindex);
	if (!laddr)
		laddr = xnet_peer_laddr(xn, p->addr, ifindex);
	if (!key || !laddr) {
		spin_lock_bh(&xs->lock);
		WRITE_ONCE(p->hs_want, false);
		WRITE_ONCE(p->hs_pending, false);
		p->hs_tries = 0;
		WRITE_ONCE(p->hs_backoff, (jiffies + XNET_HS_BACKOFF) | 1);
		xnet_peer_purge_held(xs, p);
		spin_unlock_bh(&xs->lock);
		xnet_key_put(key);
		return;
	}
	/* strictly increasing, whatever the wall clock does */
	ts = max_t(u64, ktime_get_real_ns(), xs->last_ts + 1);
	xs->last_ts = ts;
	spin_lock_bh(&xs->lock);
	index = xnet_index_new(xs);
	spin_unlock_bh(&xs->lock);
	xnet_hs_init_build(msg, key, laddr, p->addr, index, ts);
	oif = key->ifindex;
	xnet_key_put(key);
	skb = xnet_hs_skb(xn, msg);

	spin_lock_bh(&xs->lock);
	if (!p->hs_pending || p->hs_tries >= XNET_HS_TRIES) {
		p->hs_tries = 0;
		for (slot = 0; slot < XNET_HS_TRIES; slot++)
			WRITE_ONCE(p->hs_index[slot], 0);
	}
	slot = p->hs_tries++;
	memcpy(p->hs_init[slot], msg, XNET_HS_LEN);
	WRITE_ONCE(p->hs_index[slot], index);
	WRITE_ONCE(p->hs_pending, true);
	WRITE_ONCE(p->hs_want, false);
	p->hs_sent = jiffies;
	spin_unlock_bh(&xs->lock);
	if (skb && !xnet_output(xn, skb, oif))
		xnet_inc_stat(xn, XNET_MIB_HANDSHAKES_SENT);
}

/* an entry that may go: nothing live, idle, and the table filling up */
static bool xnet_peer_reclaimable(struct xnet_sessions *xs,
				  struct xnet_peer *p)
{
	return !rcu_access_pointer(p->cur) && !p->next && !p->old[0] &&
	       !p->hs_want && !p->hs_pending && skb_queue_empty(&p->held) &&
	       time_after(jiffies, p->active + XNET_PEER_IDLE) &&
	       xs->npeers * 4 >= READ_ONCE(xs->xn->session_max) * 3;
}

/* keys changed for @p: rekey with the newest one, or end; lock not held */
static void xnet_peer_key_check(struct xnet_sessions *xs, struct xnet_peer *p)
{
	struct xnet_key *key = xnet_key_get(xs->xn, p->addr, p->ifindex);
	struct xnet_keypair *cur;
	struct xnet_kp *k;

	spin_lock_bh(&xs->lock);
	cur = rcu_dereference_protected(p->cur, lockdep_is_held(&xs->lock));
	if (!key) {
		xnet_peer_end(xs, p);
	} else if (cur || p->next || p->hs_pending) {
		k = cur ? container_of(cur, struct xnet_kp, kp) : NULL;
		if (!k || k->key != key || p->hs_pending) {
			/* an INIT in flight may use the old key: a new one */
			WRITE_ONCE(p->hs_backoff, 0);
			WRITE_ONCE(p->hs_want, true);
		}
	}
	spin_unlock_bh(&xs->lock);
	xnet_key_put(key);
}

/*
 * Under xs->lock: expired keypairs leave, a handshake unanswered is sent
 * again or given up on.
 */
static void xnet_peer_age(struct xnet_sessions *xs, struct xnet_peer *p)
{
	struct xnet_net *xn = xs->xn;
	struct xnet_keypair *cur, *kp;
	int i, n;

	cur = rcu_dereference_protected(p->cur, lockdep_is_held(&xs->lock));
	if (cur && xnet_kp_expired(xn, cur)) {
		RCU_INIT_POINTER(p->cur, NULL);
		xnet_kp_drop(cur);
	}
	if (p->next && xnet_kp_expired(xn, p->next)) {
		xnet_kp_drop(p->next);
		p->next = NULL;
	}
	/* cur gone unconfirmed: the responder's newest serves */
	if (p->next && !rcu_access_pointer(p->cur)) {
		rcu_assign_pointer(p->cur, p->next);
		p->next = NULL;
	}
	/* old[] stays packed: the live ones first, in their order */
	for (i = 0, n = 0; i < XNET_OLD_MAX; i++) {
		kp = p->old[i];
		p->old[i] = NULL;
		if (kp && xnet_kp_expired(xn, kp))
			xnet_kp_drop(kp);
		else if (kp)
			p->old[n++] = kp;
	}
	if (!p->hs_pending || time_before(jiffies, p->hs_sent + XNET_HS_RETRY))
		return;
	if (p->hs_tries >= XNET_HS_TRIES) {
		WRITE_ONCE(p->hs_pending, false);
		p->hs_tries = 0;
		WRITE_ONCE(p->hs_backoff, (jiffies + XNET_HS_BACKOFF) | 1);
		xnet_peer_purge_held(xs, p);
	} else {
		WRITE_ONCE(p->hs_want, true);
	}
}

/* ages, retries and key checks of every peer; true: come back soon */
static bool xnet_sessions_walk(struct xnet_sessions *xs)
{
	struct hlist_node *tmp;
	struct xnet_peer *p;
	bool busy = false;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(xs->peers); i++) {
		spin_lock_bh(&xs->lock);
		hlist_for_each_entry_safe(p, tmp, &xs->peers[i], node) {
			if (p->key_check) {
				p->key_check = false;
				spin_unlock_bh(&xs->lock);
				xnet_peer_key_check(xs, p);
				spin_lock_bh(&xs->lock);
			}
			xnet_peer_age(xs, p);
			if (p->hs_want) {
				/* peers leave only here: p stays valid */
				spin_unlock_bh(&xs->lock);
				xnet_peer_initiate(xs, p);
				spin_lock_bh(&xs->lock);
			}
			if (xnet_peer_reclaimable(xs, p)) {
				hlist_del_rcu(&p->node);
				xs->npeers--;
				kfree_rcu(p, rcu);
				continue;
			}
			if (rcu_access_pointer(p->cur) || p->next || p->old[0] ||
			    p->hs_pending || p->hs_want ||
			    !skb_queue_empty(&p->held))
				busy = true;
		}
		spin_unlock_bh(&xs->lock);
	}
	return busy;
}

static void xnet_sessions_work(struct work_struct *work)
{
	struct xnet_sessions *xs = container_of(to_delayed_work(work),
						struct xnet_sessions, work);
	struct sk_buff *skb;
	unsigned int n;
	bool busy;

	for (n = 0; n < XNET_HSQ_MAX; n++) {
		spin_lock_bh(&xs->lock);
		skb = __skb_dequeue(&xs->hsq);
		spin_unlock_bh(&xs->lock);
		if (!skb)
			break;
		if (xnet_hs_body(skb_network_header(skb))->kind == XNET_HS_INIT)
			xnet_hs_do_init(xs, skb);
		else
			xnet_hs_do_resp(xs, skb);
		kfree_skb(skb);
		cond_resched();
	}
	busy = xnet_sessions_walk(xs);
	spin_lock_bh(&xs->lock);
	if (!xs->dying) {
		if (!skb_queue_empty(&xs->hsq))
			mod_delayed_work(system_wq, &xs->work, 0);
		else if (busy)
			queue_delayed_work(system_wq, &xs->work,
					   XNET_SESS_TICK);
	}
	spin_unlock_bh(&xs->lock);
}

int xnet_sessions_net_init(struct xnet_net *xn)
{
	struct xnet_sessions *xs;

	xs = kzalloc(sizeof(*xs), GFP_KERNEL);
	if (!xs)
		return -ENOMEM;
	spin_lock_init(&xs->lock);
	__skb_queue_head_init(&xs->hsq);
	INIT_DELAYED_WORK(&xs->work, xnet_sessions_work);
	xs->seed = get_random_u32();
	xs->xn = xn;
	WRITE_ONCE(xn->sessions, xs);
	return 0;
}

void xnet_sessions_net_exit(struct xnet_net *xn)
{
	struct xnet_sessions *xs = xn->sessions;
	struct hlist_node *tmp;
	struct xnet_peer *p;
	unsigned int i;

	if (!xs)
		return;
	spin_lock_bh(&xs->lock);
	xs->dying = true;
	spin_unlock_bh(&xs->lock);
	cancel_delayed_work_sync(&xs->work);

	spin_lock_bh(&xs->lock);
	__skb_queue_purge(&xs->hsq);
	for (i = 0; i < ARRAY_SIZE(xs->peers); i++)
		hlist_for_each_entry_safe(p, tmp, &xs->peers[i], node) {
			xnet_peer_end(xs, p);
			hlist_del_rcu(&p->node);
			kfree_rcu(p, rcu);
		}
	xs->npeers = 0;
	spin_unlock_bh(&xs->lock);
	WRITE_ONCE(xn->sessions, NULL);
	kfree_rcu(xs, rcu);
}

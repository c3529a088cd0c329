// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: long-term keys, the protection policy and neighbour frames'
 * authentication (sec.h).
 *
 * The keys of a netns are a list in order of addition (serial), at most
 * net.xnet.key_max long. Writers (xnetctl key add/del through netlink,
 * netns exit) run in process context and take keys->lock, a mutex;
 * readers (the datapath, the handshake, netlink dumps) walk the list
 * under RCU and take a reference (refcount_inc_not_zero) on a key they
 * keep. A key on the list holds one reference; deleting it marks it dead,
 * unlinks it and drops that reference. The last reference frees it after
 * a grace period: its HMAC transform (which holds the only copy of the
 * secret, in the keyed HMAC state: crypto_free_shash() wipes it) and the
 * key itself with kfree_sensitive(). The raw secret is never kept: the
 * request's copy of it is wiped as soon as the transform is keyed.
 *
 * Which keys apply to a peer: the keys naming that peer (and, if they
 * name a device, that device or any device when the caller gives none);
 * if there are none, the default keys (no peer). Among those, the newest
 * is active (used by new handshakes), the older ones standby (accepted
 * from the peer, by fingerprint, while they last).
 *
 * Keys added and deleted are announced on the monitor group
 * (notify.c) after keys->lock is dropped, never with their bytes.
 *
 * Policy (net.xnet.secure) and the neighbour trailer are described in
 * sec.h; the policy functions run in softirq under RCU.
 */
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <crypto/algapi.h>

#include "sec.h"

struct xnet_keys {
	struct rcu_head		rcu;
	struct mutex		lock;	/* writers: list, count, serial */
	struct list_head	list;	/* struct xnet_key, RCU */
	int			count;
	u64			serial;
};

static const char xnet_fpr_label[] = "xnet fingerprint";
static const char xnet_neigh_label[] = "xnet neigh";

int xnet_keys_net_init(struct xnet_net *xn)
{
	struct xnet_keys *keys = kzalloc(sizeof(*keys), GFP_KERNEL);

	if (!keys)
		return -ENOMEM;
	mutex_init(&keys->lock);
	INIT_LIST_HEAD(&keys->list);
	xn->keys = keys;
	return 0;
}

static void xnet_key_free_rcu(struct rcu_head *head)
{
	struct xnet_key *key = container_of(head, struct xnet_key, rcu);

	crypto_free_shash(key->hmac);	/* wipes the keyed state */
	kfree_sensitive(key);
}

void xnet_key_put(struct xnet_key *key)
{
	if (key && refcount_dec_and_test(&key->ref))
		call_rcu(&key->rcu, xnet_key_free_rcu);
}

/* Every key goes; sessions (which hold references) ended before. */
void xnet_keys_net_exit(struct xnet_net *xn)
{
	struct xnet_keys *keys = xn->keys;
	struct xnet_key *key, *tmp;
	LIST_HEAD(gone);

	if (!keys)
		return;
	mutex_lock(&keys->lock);
	list_for_each_entry_safe(key, tmp, &keys->list, list) {
		WRITE_ONCE(key->dead, true);
		list_del_rcu(&key->list);
		keys->count--;
		xnet_key_put(key);
	}
	mutex_unlock(&keys->lock);
	WRITE_ONCE(xn->keys, NULL);
	kfree_rcu(keys, rcu);
}

/* Does @key apply to @peer through @ifindex (0: any)? */
static bool xnet_key_matches(const struct xnet_key *key, __be32 peer,
			     int ifindex)
{
	return !READ_ONCE(key->dead) && key->peer == peer &&
	       (!key->ifindex || !ifindex || key->ifindex == ifindex);
}

/*
 * The peer's own keys if it has any, else the defaults: the address
 * keys are looked up by (@peer or 0). Under RCU.
 */
static __be32 xnet_key_owner_rcu(struct xnet_keys *keys, __be32 peer,
				 int ifindex)
{
	struct xnet_key *key;

	if (!peer)
		return 0;
	list_for_each_entry_rcu(key, &keys->list, list)
		if (xnet_key_matches(key, peer, ifindex))
			return peer;
	return 0;
}

/* The newest key applying to @peer, no reference. Under RCU. */
static struct xnet_key *xnet_key_find_rcu(struct xnet_net *xn, __be32 peer,
					  int ifindex, const u8 *fpr)
{
	struct xnet_keys *keys = READ_ONCE(xn->keys);
	struct xnet_key *key, *found = NULL;
	__be32 owner;

	if (!keys || peer == htonl(XNET_ADDR_BROADCAST))
		return NULL;
	owner = xnet_key_owner_rcu(keys, peer, ifindex);
	/* in order of addition: the last match is the newest */
	list_for_each_entry_rcu(key, &keys->list, list) {
		if (!xnet_key_matches(key, owner, ifindex))
			continue;
		if (fpr && memcmp(key->fpr, fpr, XNET_KEY_FPR_LEN))
			continue;
		found = key;
	}
	return found;
}

static struct xnet_key *xnet_key_ref(struct xnet_key *key)
{
	return key && refcount_inc_not_zero(&key->ref) ? key : NULL;
}

struct xnet_key *xnet_key_get(struct xnet_net *xn, __be32 peer, int ifindex)
{
	struct xnet_key *key;

	rcu_read_lock();
	key = xnet_key_ref(xnet_key_find_rcu(xn, peer, ifindex, NULL));
	rcu_read_unlock();
	return key;
}

struct xnet_key *xnet_key_get_fpr(struct xnet_net *xn, __be32 peer,
				  int ifindex, const u8 *fpr)
{
	struct xnet_key *key;

	rcu_read_lock();
	key = xnet_key_ref(xnet_key_find_rcu(xn, peer, ifindex, fpr));
	rcu_read_unlock();
	return key;
}

int xnet_key_mac(const struct xnet_key *key, const struct kvec *v,
		 unsigned int n, u8 out[SHA256_DIGEST_SIZE])
{
	SHASH_DESC_ON_STACK(desc, key->hmac);
	unsigned int i;
	int err;

	desc->tfm = key->hmac;
	err = crypto_shash_init(desc);
	for (i = 0; !err && i < n; i++)
		err = crypto_shash_update(desc, v[i].iov_base, v[i].iov_len);
	if (!err)
		err = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return err;
}

/*
 * The sessions' AEAD, made once and freed. Its first instantiation in a
 * boot loads modules and runs the crypto self-tests, which under
 * emulation took longer than a handshake attempt (5 INITs a second
 * apart): the responder's answers all came after the initiator gave up,
 * and the first session after boot never formed. Here the user waits
 * for it instead, and a key whose algorithm the kernel lacks is refused
 * at once. Process context.
 */
static int xnet_key_aead_probe(u8 alg)
{
	struct crypto_aead *tfm;

	tfm = crypto_alloc_aead(alg == XNET_KEY_ALG_CHACHA20POLY1305 ?
				"rfc7539(chacha20,poly1305)" : "gcm(aes)",
				0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	crypto_free_aead(tfm);
	return 0;
}

/*
 * @key as dumps and notifications show it: standby if a newer live key
 * has the same peer and device. Under RCU, or keys->lock.
 */
static void xnet_key_info_get(struct xnet_keys *keys, struct xnet_key *key,
			      struct xnet_key_info *ki)
{
	struct xnet_key *k = key;

	ki->id = key->id;
	ki->peer = key->peer;
	ki->ifindex = key->ifindex;
	ki->alg = key->alg;
	ki->use = atomic_read(&key->use);
	memcpy(ki->fpr, key->fpr, XNET_KEY_FPR_LEN);
	ki->state = XNET_KEY_STATE_ACTIVE;
	rcu_read_lock();
	list_for_each_entry_continue_rcu(k, &keys->list, list)
		if (!READ_ONCE(k->dead) && k->peer == key->peer &&
		    k->ifindex == key->ifindex) {
			ki->state = XNET_KEY_STATE_STANDBY;
			break;
		}
	rcu_read_unlock();
}

/*
 * KEY_ADD: a new key, keyed from @secret (XNET_KEY_LEN bytes, the
 * caller's to wipe). Process context.
 */
int xnet_key_add(struct xnet_net *xn, const struct xnet_key_cfg *cfg)
{
	struct xnet_keys *keys = xn->keys;
	u8 digest[SHA256_DIGEST_SIZE];
	struct xnet_key_info ki;
	struct kvec v = {
		.iov_base = (void *)xnet_fpr_label,
		.iov_len = sizeof(xnet_fpr_label) - 1,
	};
	struct xnet_key *key, *k;
	int err;

	key = kzalloc(sizeof(*key), GFP_KERNEL);
	if (!key)
		return -ENOMEM;
	key->hmac = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(key->hmac)) {
		err = PTR_ERR(key->hmac);
		kfree(key);
		return err;
	}
	err = crypto_shash_setkey(key->hmac, cfg->secret, XNET_KEY_LEN);
	if (!err)
		err = xnet_key_mac(key, &v, 1, digest);
	if (!err)
		err = xnet_key_aead_probe(cfg->alg);
	if (err)
		goto free;
	memcpy(key->fpr, digest, XNET_KEY_FPR_LEN);
	memzero_explicit(digest, sizeof(digest));
	refcount_set(&key->ref, 1);
	key->id = cfg->id;
	key->peer = cfg->peer;
	key->ifindex = cfg->ifindex;
	key->alg = cfg->alg;
	atomic_set(&key->use, 0);

	mutex_lock(&keys->lock);
	err = -EEXIST;
	list_for_each_entry(k, &keys->list, list)
		if (k->id == cfg->id)
			goto unlock;
	err = -ENOSPC;
	if (keys->count >= READ_ONCE(xn->key_max))
		goto unlock;
	key->serial = ++keys->serial;
	list_add_tail_rcu(&key->list, &keys->list);
	keys->count++;
	xnet_key_info_get(keys, key, &ki);
	mutex_unlock(&keys->lock);

	xnet_sessions_key_changed(xn, cfg->peer);
	xnet_notify_key(xn, &ki, XNET_CMD_KEY_ADD);
	return 0;

unlock:
	mutex_unlock(&keys->lock);
free:
	crypto_free_shash(key->hmac);
	kfree_sensitive(key);
	return err;
}

/* KEY_DEL. Process context. */
int xnet_key_del(struct xnet_net *xn, u32 id)
{
	struct xnet_keys *keys = xn->keys;
	struct xnet_key *key, *found = NULL;
	struct xnet_key_info ki;
	__be32 peer;

	mutex_lock(&keys->lock);
	list_for_each_entry(key, &keys->list, list)
		if (key->id == id) {
			found = key;
			break;
		}
	if (!found) {
		mutex_unlock(&keys->lock);
		return -ENOENT;
	}
	xnet_key_info_get(keys, found, &ki);	/* as it was, live */
	WRITE_ONCE(found->dead, true);
	list_del_rcu(&found->list);
	keys->count--;
	mutex_unlock(&keys->lock);

	peer = found->peer;
	xnet_key_put(found);
	xnet_sessions_key_changed(xn, peer);
	xnet_notify_key(xn, &ki, XNET_CMD_KEY_DEL);
	return 0;
}

/*
 * KEY_GET: @fill for every key from position *@pos on, under RCU; stops
 * at the first error (the dump buffer is full) and remembers where.
 */
int xnet_key_walk(struct xnet_net *xn, unsigned long *pos,
		  int (*fill)(const struct xnet_key_info *ki, void *arg),
		  void *arg)
{
	struct xnet_keys *keys = xn->keys;
	struct xnet_key_info ki;
	struct xnet_key *key;
	unsigned long idx = 0;
	int err = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(key, &keys->list, list) {
		if (idx++ < *pos)
			continue;
		xnet_key_info_get(keys, key, &ki);
		err = fill(&ki, arg);
		if (err)
			break;
		*pos = idx;
	}
	rcu_read_unlock();
	return err;
}

bool xnet_sec_wanted(struct xnet_net *xn, __be32 peer, int ifindex)
{
	bool ret;

	if (READ_ONCE(xn->secure) == XNET_SECURE_OFF ||
	    !peer || peer == htonl(XNET_ADDR_BROADCAST))
		return false;
	rcu_read_lock();
	ret = xnet_key_find_rcu(xn, peer, ifindex, NULL);
	rcu_read_unlock();
	return ret;
}

/*
 * A sender bound to no device: a key naming a device protects only the
 * frames that leave by it, so ask about the device(s) the route to @peer
 * takes (seal.c decides by the device a frame leaves by): the route's
 * device, or for a bare address's link every running xnet device. No
 * route: as for any device (sending fails anyway). Under RCU.
 */
static bool xnet_sec_wanted_route_rcu(struct xnet_net *xn, __be32 peer)
{
	struct xnet_dev *xdev;
	struct xnet_rt rt;
	bool any = false;

	if (xnet_route_output_rcu(xn, peer, 0, 0, &rt))
		return xnet_sec_wanted(xn, peer, 0);
	if (rt.xdev)
		return xnet_sec_wanted(xn, peer, rt.xdev->dev->ifindex);
	list_for_each_entry_rcu(xdev, &xn->devs, list) {
		if (!xnet_dev_usable(xdev, 0, 0))
			continue;
		if (!xnet_sec_wanted(xn, peer, xdev->dev->ifindex))
			return false;
		any = true;
	}
	return any || xnet_sec_wanted(xn, peer, 0);
}

bool xnet_sec_protected(struct xnet_net *xn, __be32 peer, int ifindex)
{
	bool ret;

	rcu_read_lock();
	ret = xnet_dev_by_addr_rcu(xn, peer) ||
	      (ifindex ? xnet_sec_wanted(xn, peer, ifindex) :
			 xnet_sec_wanted_route_rcu(xn, peer));
	rcu_read_unlock();
	return ret;
}

bool xnet_sec_plain_ok(struct xnet_net *xn, struct xnet_dev *xdev,
		       struct sk_buff *skb)
{
	const struct xnethdr *xh = xnet_hdr(skb);
	bool neigh = xh->type == XNET_T_NEIGH_QUERY ||
		     xh->type == XNET_T_NEIGH_ANSWER;

	switch (READ_ONCE(xn->secure)) {
	case XNET_SECURE_OFF:
		return true;
	case XNET_SECURE_PREFER:
		/* broadcasts are never sealed: nothing better to expect */
		if (neigh || xh->daddr == htonl(XNET_ADDR_BROADCAST))
			return true;
		return !xnet_key_find_rcu(xn, xh->saddr, xdev->dev->ifindex,
					  NULL);
	default:
		return neigh && xnet_neigh_auth_check(xn, xdev, skb);
	}
}

/*
 * The neighbour trailer's MAC (sec.h): "xnet neigh" | @ha | the common
 * header with checksum and hop limit zero | timestamp | fingerprint.
 */
static int xnet_neigh_auth_mac(const struct xnet_key *key, const u8 *ha,
			       const struct xnethdr *xh,
			       const struct xnet_neigh_auth *na,
			       u8 digest[SHA256_DIGEST_SIZE])
{
	struct xnethdr hdr = *xh;
	struct kvec v[] = {
		{ (void *)xnet_neigh_label, sizeof(xnet_neigh_label) - 1 },
		{ (void *)ha, ETH_ALEN },
		{ &hdr, sizeof(hdr) },
		{ (void *)na, offsetof(struct xnet_neigh_auth, mac) },
	};

	hdr.csum = 0;
	hdr.hoplimit = 0;
	return xnet_key_mac(key, v, ARRAY_SIZE(v), digest);
}

bool xnet_neigh_auth_add(struct xnet_net *xn, struct sk_buff *skb,
			 const struct net_device *dev)
{
	struct xnethdr *xh = xnet_hdr(skb);
	u8 digest[SHA256_DIGEST_SIZE];
	struct xnet_neigh_auth *na;
	struct xnet_key *key;
	__be32 peer;
	bool ok = false;

	/* a query names the queried address, an answer the querier */
	peer = xh->daddr;
	rcu_read_lock();
	key = xnet_key_find_rcu(xn, peer, dev->ifindex, NULL);
	if (!key || skb_tailroom(skb) < sizeof(*na))
		goto out;
	na = skb_put(skb, sizeof(*na));
	xh->len = htons(ntohs(xh->len) + sizeof(*na));
	na->timestamp = cpu_to_be64(ktime_get_real_ns());
	memcpy(na->fpr, key->fpr, XNET_KEY_FPR_LEN);
	if (xnet_neigh_auth_mac(key, dev->dev_addr, xh, na, digest)) {
		skb_trim(skb, skb->len - sizeof(*na));
		xh->len = htons(ntohs(xh->len) - sizeof(*na));
		goto out;
	}
	memcpy(na->mac, digest, sizeof(na->mac));
	ok = true;
out:
	rcu_read_unlock();
	return ok;
}

bool xnet_neigh_auth_check(struct xnet_net *xn, struct xnet_dev *xdev,
			   struct sk_buff *skb)
{
	struct xnethdr *xh = xnet_hdr(skb);
	u8 digest[SHA256_DIGEST_SIZE];
	struct xnet_neigh_auth *na;
	struct xnet_key *key;
	s64 age;

	/* linear (rx.c), trimmed to its length: the trailer is the rest */
	if (!skb_mac_header_was_set(skb) ||
	    skb->len != XNET_HLEN + sizeof(*na) || skb_headlen(skb) != skb->len)
		return false;
	na = (struct xnet_neigh_auth *)(xh + 1);
	age = ktime_get_real_ns() - (s64)be64_to_cpu(na->timestamp);
	if (age > XNET_NEIGH_AUTH_WINDOW_NS || age < -XNET_NEIGH_AUTH_WINDOW_NS)
		return false;
	key = xnet_key_find_rcu(xn, xh->saddr, xdev->dev->ifindex, na->fpr);
	if (!key ||
	    xnet_neigh_auth_mac(key, eth_hdr(skb)->h_source, xh, na, digest) ||
	    crypto_memneq(digest, na->mac, sizeof(na->mac)))
		return false;
	/*
	 * neigh.c sees the frame it always saw. The data may be shared
	 * with a clone (a packet socket's capture): unshare the header
	 * before writing its length.
	 */
	if (skb_ensure_writable(skb, XNET_HLEN))
		return false;
	skb_trim(skb, XNET_HLEN);
	xnet_hdr(skb)->len = htons(XNET_HLEN);
	return true;
}

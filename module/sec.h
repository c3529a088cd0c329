/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xnet: secure channels, what key.c, handshake.c, session.c and seal.c
 * share (docs/SECURITY.md for the design, docs/PROTOCOL.md for the wire).
 *
 * - key.c: the long-term keys of a netns (xnetctl key add/del/show), the
 *   policy (net.xnet.secure, XNET_SECURE) and the authentication of
 *   neighbour frames at secure=2. A key never encrypts traffic: it keys
 *   HMAC-SHA256 for handshakes, neighbour frames, fingerprints and the
 *   derivation of session keys.
 * - handshake.c: the two handshake messages (type 8), built and checked,
 *   and the session keys derived from them.
 * - session.c: per peer, the sessions (keypairs) established with it,
 *   the handshake in progress, frames waiting for it, rekeying, expiry.
 * - seal.c: every frame to a peer under protection is sealed (type 7)
 *   as it leaves, and every sealed frame opened and checked against its
 *   session's replay window as it arrives.
 *
 * Wire formats (all big-endian):
 *
 * Sealed frame (type 7): the common header of the frame it carries, but
 * type 7, length and checksum of the sealed frame; then
 *	struct xnet_sealhdr (16 bytes);
 *	the inner frame's payload (everything after its common header),
 *	encrypted;
 *	the AEAD tag (16 bytes).
 * The associated data is the common header with checksum and hop limit
 * taken as zero (the fields routers rewrite) followed by the seal header:
 * 40 bytes. The 12-byte nonce is four zero bytes and the counter.
 *
 * Handshake (type 8): the common header (ports 0), then struct
 * xnet_hshdr. Initiation: kind INIT, the initiator's index, receiver
 * index 0, the fingerprint of the key it used, its timestamp (wall
 * clock, ns, strictly increasing per netns), 32 random bytes, and the
 * first 16 bytes of HMAC-SHA256(key, "xnet hs init" | header with
 * checksum and hop limit zero | the message up to the MAC). Response:
 * kind RESP, the responder's index, the initiator's index, the same
 * fingerprint, the initiation's timestamp, 32 random bytes of its own,
 * and HMAC-SHA256(key, "xnet hs resp" | the whole initiation from its
 * common header (checksum, hop limit zero) | header | the response up to
 * the MAC). Session keys: HMAC-SHA256(key, "xnet key i2r" | T) and
 * HMAC-SHA256(key, "xnet key r2i" | T), T the initiation and the
 * response as MAC'ed, 32 bytes each.
 */
#ifndef _XNET_SEC_H
#define _XNET_SEC_H

#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/refcount.h>
#include <linux/uio.h>

#include "xnet.h"

#define XNET_SEAL_TAGLEN	16
#define XNET_SEAL_HLEN		16
/* what sealing adds to a frame: MTUs and MSS leave room for it */
#define XNET_SEAL_OVERHEAD	(XNET_SEAL_HLEN + XNET_SEAL_TAGLEN)
#define XNET_SEAL_AADLEN	(XNET_HLEN + XNET_SEAL_HLEN)
#define XNET_SEAL_NONCELEN	12

struct xnet_sealhdr {
	__u8	inner_type;	/* XNET_T_DGRAM, _STREAM, _SEQPACKET, _ERROR */
	__u8	flags;		/* zero */
	__be16	resv;		/* zero */
	__be32	index;		/* the receiver's session index */
	__be64	counter;	/* the nonce: never repeats under one key */
};

#define XNET_HS_RANDLEN		32
#define XNET_HS_MACLEN		16

enum {
	XNET_HS_INIT = 1,
	XNET_HS_RESP = 2,
	/*
	 * initiator -> responder once the RESP is taken: the responder may
	 * seal with the new session (session.c). Its indexes as a RESP's
	 * (sender the initiator's), the INIT's fingerprint and timestamp,
	 * random zero, MAC = HMAC-SHA256(key, "xnet hs conf" | the message
	 * up to the MAC (checksum, hop limit zero) | the RESP's MAC).
	 */
	XNET_HS_CONFIRM = 3,
};

struct xnet_hshdr {
	__u8	kind;		/* XNET_HS_* */
	__u8	alg;		/* XNET_KEY_ALG_* of the session */
	__be16	resv;		/* zero */
	__be32	sender;		/* the sender's session index */
	__be32	receiver;	/* RESP: the initiator's index; INIT: 0 */
	__u8	fpr[XNET_KEY_FPR_LEN];
	__be64	timestamp;
	__u8	random[XNET_HS_RANDLEN];
	__u8	mac[XNET_HS_MACLEN];
};

#define XNET_HS_LEN		(XNET_HLEN + sizeof(struct xnet_hshdr))

/* key.c ------------------------------------------------------------- */

/*
 * A long-term key. Immutable once on the list but for @use and @dead;
 * freed (kfree_sensitive, its HMAC transform freed) when the last
 * reference goes, after an RCU grace period.
 */
struct xnet_key {
	struct list_head	list;		/* xn->keys: key.c lock, RCU */
	struct rcu_head		rcu;
	refcount_t		ref;		/* the list's + holders' */
	u32			id;
	__be32			peer;		/* 0: the netns's default */
	int			ifindex;	/* 0: any device */
	u8			alg;		/* XNET_KEY_ALG_* */
	u8			fpr[XNET_KEY_FPR_LEN];
	u64			serial;		/* order of addition */
	atomic_t		use;		/* live sessions made with it */
	bool			dead;		/* deleted: no new handshake */
	struct crypto_shash	*hmac;		/* hmac(sha256), keyed */
};

int xnet_keys_net_init(struct xnet_net *xn);
void xnet_keys_net_exit(struct xnet_net *xn);	/* wipes every key */

/*
 * The key for @peer through device @ifindex: the newest live key for
 * that peer (and device, if the key names one), else the newest default
 * key; with a reference (xnet_key_put()). NULL: none. Any context.
 */
struct xnet_key *xnet_key_get(struct xnet_net *xn, __be32 peer, int ifindex);
/* a live or standby key applying to @peer with fingerprint @fpr */
struct xnet_key *xnet_key_get_fpr(struct xnet_net *xn, __be32 peer,
				  int ifindex, const u8 *fpr);
void xnet_key_put(struct xnet_key *key);

/*
 * HMAC-SHA256 keyed with the long-term key over the concatenation of
 * @n buffers. Any context (the transform is only read). 0 or -errno.
 */
int xnet_key_mac(const struct xnet_key *key, const struct kvec *v,
		 unsigned int n, u8 out[SHA256_DIGEST_SIZE]);

/*
 * Policy. xnet_sec_wanted(): is traffic to @peer through @ifindex
 * (0: any) protected? net.xnet.secure >= 1 and a key applies. Any
 * context, RCU inside.
 */
bool xnet_sec_wanted(struct xnet_net *xn, __be32 peer, int ifindex);
/*
 * A plain frame (not type 7 or 8) from the wire: may it be taken?
 * secure=0: yes. 1: not from a peer that has a key (neighbour frames
 * excepted). 2: never, but neighbour frames that carry a valid
 * authentication (xnet_neigh_auth_check()). The caller counts
 * InPlainDropped. Softirq, under RCU.
 */
bool xnet_sec_plain_ok(struct xnet_net *xn, struct xnet_dev *xdev,
		       struct sk_buff *skb);
/*
 * Neighbour frames at secure=2: append an authentication trailer to the
 * neighbour frame @skb (header built, leaving by @dev); false: no key
 * applies (the caller drops it and counts OutNoKey). Checking strips it.
 */
bool xnet_neigh_auth_add(struct xnet_net *xn, struct sk_buff *skb,
			 const struct net_device *dev);
bool xnet_neigh_auth_check(struct xnet_net *xn, struct xnet_dev *xdev,
			   struct sk_buff *skb);

/*
 * The neighbour trailer (secure=2): the MAC is the first bytes of
 * HMAC-SHA256(key, "xnet neigh" | the sending device's Ethernet address |
 * the common header, checksum and hop limit zero, length covering the
 * trailer | timestamp | fpr). A query uses the key applying to the
 * queried address, an answer the key applying to the querier.
 */
struct xnet_neigh_auth {
	__be64	timestamp;		/* ktime_get_real_ns() */
	__u8	fpr[XNET_KEY_FPR_LEN];
	__u8	mac[16];
};

#define XNET_NEIGH_AUTH_LEN	sizeof(struct xnet_neigh_auth)
#define XNET_NEIGH_AUTH_WINDOW_NS (30LL * NSEC_PER_SEC)

/*
 * Peer protected for XNET_SECURE: one of our own addresses (the frame
 * never leaves memory) or xnet_sec_wanted(). Any context.
 */
bool xnet_sec_protected(struct xnet_net *xn, __be32 peer, int ifindex);

/* netlink.c's side of xnetctl key add/del/show; process context */
struct xnet_key_cfg {
	u32		id;
	__be32		peer;
	int		ifindex;
	u8		alg;
	const u8	*secret;	/* XNET_KEY_LEN bytes */
};

struct xnet_key_info {
	u32		id;
	__be32		peer;
	int		ifindex;
	u8		alg;
	u8		state;		/* XNET_KEY_STATE_* */
	u32		use;
	u8		fpr[XNET_KEY_FPR_LEN];
};

int xnet_key_add(struct xnet_net *xn, const struct xnet_key_cfg *cfg);
int xnet_key_del(struct xnet_net *xn, u32 id);
int xnet_key_walk(struct xnet_net *xn, unsigned long *pos,
		  int (*fill)(const struct xnet_key_info *ki, void *arg),
		  void *arg);

/* session.c --------------------------------------------------------- */

/* 4096 bits of which at least 4096 - BITS_PER_LONG are usable: >= 2048 */
#define XNET_REPLAY_BITS	4096

struct xnet_replay {
	spinlock_t	lock;		/* everything here, _bh */
	u64		next;		/* highest counter accepted + 1 */
	unsigned long	bits[XNET_REPLAY_BITS / BITS_PER_LONG];
};

/* After this many frames under one session it rekeys, and stops at... */
#define XNET_REKEY_AFTER_FRAMES	(1ULL << 30)
#define XNET_REJECT_AFTER_FRAMES (1ULL << 62)

/*
 * One session with a peer: the keys derived by one handshake, one per
 * direction. Immutable once published but for the counters and window.
 * Looked up by @local_index under RCU (seal.c), freed with its
 * transforms after a grace period when the last reference goes.
 */
struct xnet_keypair {
	struct hlist_node	index_node;	/* sessions' index hash, RCU */
	struct rcu_head		rcu;
	refcount_t		ref;
	__be32			peer;		/* its peer's address */
	__be32			local_index;	/* in frames sent to us */
	__be32			remote_index;	/* in frames we send */
	struct crypto_aead	*tx;
	struct crypto_aead	*rx;
	atomic64_t		tx_counter;	/* the next nonce to use */
	struct xnet_replay	replay;
	unsigned long		birth;		/* jiffies */
	bool			initiator;
	bool			confirmed;	/* a frame was opened with it */
};

int xnet_sessions_net_init(struct xnet_net *xn);
void xnet_sessions_net_exit(struct xnet_net *xn);

/*
 * The session to seal a frame to @peer with, referenced
 * (xnet_keypair_put()); NULL if none is established yet. Starts a
 * handshake if there is none (or a rekey, if the session is old). Any
 * context, no xnet lock held.
 */
struct xnet_keypair *xnet_session_tx(struct xnet_net *xn, __be32 peer,
				     int ifindex);
/*
 * Keep @skb (a frame to @peer that xnet_session_tx() found no session
 * for, to leave by device @ifindex to @ha) until the handshake ends, and
 * send it then through xnet_output_direct(); bounded, dropped (OutNoKey)
 * if the handshake fails. Consumes @skb. Any context.
 */
void xnet_session_hold(struct xnet_net *xn, struct sk_buff *skb,
		       __be32 peer, int ifindex, const u8 *ha);
/* the session whose local index is @index; no reference: RCU only */
struct xnet_keypair *xnet_keypair_lookup_rcu(struct xnet_net *xn,
					     __be32 index);
void xnet_keypair_put(struct xnet_keypair *kp);
/*
 * seal.c: a sealed frame from @peer (a peer with a key) named a session
 * we do not have (InNoKey): the peer lost ours (its module reloaded, its
 * netns re-created) or we lost its. Start a handshake to it, at most
 * once a second per peer and within a per-netns budget, so that the
 * peer's next frames find a session again. Softirq, under RCU.
 */
void xnet_session_unknown(struct xnet_net *xn, __be32 peer, int ifindex);
/* seal.c opened a frame with @kp: the responder may now send with it */
void xnet_session_confirmed(struct xnet_net *xn, struct xnet_keypair *kp);
/* seal.c: @kp's counter passed XNET_REKEY_AFTER_FRAMES */
void xnet_session_rekey(struct xnet_net *xn, struct xnet_keypair *kp);
/*
 * key.c: keys for @peer changed (0: a default key changed): sessions
 * rekey with the newest key, or end if no key applies any more.
 * Process context.
 */
void xnet_sessions_key_changed(struct xnet_net *xn, __be32 peer);

/* handshake.c ------------------------------------------------------- */

/* A handshake frame (type 8) from the wire, its CRC checked. Softirq. */
void xnet_handshake_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
			struct sk_buff *skb);

/* seal.c ------------------------------------------------------------ */

/*
 * The frame @skb (header complete, checksum not yet) leaves by @dev to
 * @ha. If it is to be sealed (our own frame of type 1, 4, 5 or 6 to a
 * peer xnet_sec_wanted()), seal it (cutting a large frame first) and
 * send the result through xnet_xmit(), or hold it for a handshake, or
 * drop it (OutNoKey), and return true: consumed. False: send it plain.
 * BHs off, under RCU.
 */
bool xnet_sec_output(struct xnet_net *xn, struct sk_buff *skb,
		     struct net_device *dev, const u8 *ha);
/*
 * A sealed frame (type 7) from the wire, its CRC and addresses checked:
 * open it and hand the inner frame to xnet_rcv_demux(), or drop it
 * (InAuthFailures, InReplays, InNoKey). Softirq, under RCU.
 */
void xnet_sec_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		  struct sk_buff *skb);

/* tx.c / rx.c */
void xnet_xmit(struct xnet_net *xn, struct sk_buff *skb,
	       struct net_device *dev, const u8 *ha);
void xnet_rcv_demux(struct xnet_net *xn, struct xnet_dev *xdev,
		    struct sk_buff *skb);

#endif /* _XNET_SEC_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: the session handshake (sec.h, docs/PROTOCOL.md): its two
 * messages built and checked, and the session keys derived from them.
 *
 * INIT (initiator -> responder): its session index, the fingerprint of
 * the long-term key, a timestamp strictly increasing per netns, 32 fresh
 * random bytes, MAC = HMAC-SHA256(key, "xnet hs init" | the message up to
 * the MAC, its header's checksum and hop limit taken as zero)[0..15].
 * RESP (responder -> initiator): its own index, the initiator's, the same
 * fingerprint and timestamp, 32 fresh random bytes of its own,
 * MAC = HMAC-SHA256(key, "xnet hs resp" | INIT | RESP up to the MAC).
 * CONFIRM (initiator -> responder, once the RESP is taken): the RESP's
 * indexes swapped, fingerprint and timestamp, random zero, MAC =
 * HMAC-SHA256(key, "xnet hs conf" | the message up to the MAC | the
 * RESP's MAC): the responder may now seal with the new session.
 * Keys: i2r = HMAC-SHA256(key, "xnet key i2r" | INIT | RESP), r2i the
 * same with "xnet key r2i"; INIT and RESP whole (MACs included), with
 * checksum and hop limit zero. Both sides' random bytes are fresh for
 * every handshake, so no two sessions share a key even when a node
 * restarts with its counters at zero.
 *
 * What a stranger can make us do (xnet_handshake_rcv()): a malformed
 * message or a bad MAC costs one HMAC and is dropped (InAuthFailures,
 * through xnet_drop(), which feeds the invalid-peer episodes); an unknown
 * fingerprint costs a list walk (InNoKey); a RESP is looked at only if it
 * names the index of one of the INITs of our attempt with its source (a
 * late answer to an attempt that already succeeded is dropped uncounted). No
 * state is created for any of them. An INIT replayed (its timestamp not
 * newer than the last one accepted from that peer) is dropped
 * (InReplays). A CONFIRM is checked (one HMAC) against the keypair its
 * index names and acted on at once, with no state made.
 * Only valid INITs and RESPs reach session.c's bounded queue; its
 * work item allocates the transforms (process context).
 *
 * Context: xnet_handshake_rcv() runs in softirq under RCU (rx.c, the frame
 * linear and its CRC checked). The builders and checkers run in any
 * context and take no lock; xnet_hs_skb() allocates with GFP_KERNEL:
 * process context (session.c's work item). No lock is defined here.
 */
#include <crypto/algapi.h>
#include <linux/random.h>

#include "session.h"

static const char xnet_lbl_init[] = "xnet hs init";
static const char xnet_lbl_resp[] = "xnet hs resp";
static const char xnet_lbl_conf[] = "xnet hs conf";
static const char xnet_lbl_i2r[] = "xnet key i2r";
static const char xnet_lbl_r2i[] = "xnet key r2i";

#define XNET_HS_MACOFF	(XNET_HS_LEN - XNET_HS_MACLEN)

struct xnet_hshdr *xnet_hs_body(u8 *msg)
{
	return (struct xnet_hshdr *)(msg + XNET_HLEN);
}

static void xnet_hs_hdr(u8 *msg, __be32 saddr, __be32 daddr)
{
	struct xnethdr *xh = (struct xnethdr *)msg;

	xh->version = XNET_VERSION;
	xh->type = XNET_T_HANDSHAKE;
	xh->len = htons(XNET_HS_LEN);
	xh->saddr = saddr;
	xh->daddr = daddr;
}

/* HMAC over a label and up to two messages */
static int xnet_hs_mac(const struct xnet_key *key, const char *label,
		       const u8 *a, unsigned int alen,
		       const u8 *b, unsigned int blen,
		       u8 out[SHA256_DIGEST_SIZE])
{
	struct kvec v[3] = {
		{ .iov_base = (void *)label, .iov_len = strlen(label) },
		{ .iov_base = (void *)a, .iov_len = alen },
		{ .iov_base = (void *)b, .iov_len = blen },
	};

	return xnet_key_mac(key, v, b ? 3 : 2, out);
}

void xnet_hs_init_build(u8 msg[XNET_HS_LEN], const struct xnet_key *key,
			__be32 saddr, __be32 daddr, __be32 index, u64 ts)
{
	struct xnet_hshdr *hs = xnet_hs_body(msg);
	u8 mac[SHA256_DIGEST_SIZE];

	memset(msg, 0, XNET_HS_LEN);
	xnet_hs_hdr(msg, saddr, daddr);
	hs->kind = XNET_HS_INIT;
	hs->alg = key->alg;
	hs->sender = index;
	memcpy(hs->fpr, key->fpr, sizeof(hs->fpr));
	hs->timestamp = cpu_to_be64(ts);
	get_random_bytes(hs->random, sizeof(hs->random));
	/* a key without a working HMAC leaves a MAC no peer accepts */
	if (!xnet_hs_mac(key, xnet_lbl_init, msg, XNET_HS_MACOFF, NULL, 0, mac))
		memcpy(hs->mac, mac, sizeof(hs->mac));
	memzero_explicit(mac, sizeof(mac));
}

int xnet_hs_resp_build(u8 resp[XNET_HS_LEN], const struct xnet_key *key,
		       const u8 init[XNET_HS_LEN], __be32 index)
{
	const struct xnethdr *ih = (const struct xnethdr *)init;
	const struct xnet_hshdr *ihs = xnet_hs_body((u8 *)init);
	struct xnet_hshdr *hs = xnet_hs_body(resp);
	u8 mac[SHA256_DIGEST_SIZE];
	int err;

	memset(resp, 0, XNET_HS_LEN);
	xnet_hs_hdr(resp, ih->daddr, ih->saddr);
	hs->kind = XNET_HS_RESP;
	hs->alg = ihs->alg;
	hs->sender = index;
	hs->receiver = ihs->sender;
	memcpy(hs->fpr, ihs->fpr, sizeof(hs->fpr));
	hs->timestamp = ihs->timestamp;
	get_random_bytes(hs->random, sizeof(hs->random));
	err = xnet_hs_mac(key, xnet_lbl_resp, init, XNET_HS_LEN,
			  resp, XNET_HS_MACOFF, mac);
	if (!err)
		memcpy(hs->mac, mac, sizeof(hs->mac));
	memzero_explicit(mac, sizeof(mac));
	return err;
}

bool xnet_hs_resp_ok(const struct xnet_key *key, const u8 init[XNET_HS_LEN],
		     const u8 resp[XNET_HS_LEN])
{
	const struct xnethdr *ih = (const struct xnethdr *)init;
	const struct xnethdr *rh = (const struct xnethdr *)resp;
	const struct xnet_hshdr *ihs = xnet_hs_body((u8 *)init);
	const struct xnet_hshdr *hs = xnet_hs_body((u8 *)resp);
	u8 mac[SHA256_DIGEST_SIZE];
	bool ok;

	if (hs->kind != XNET_HS_RESP || hs->alg != ihs->alg ||
	    hs->receiver != ihs->sender || hs->timestamp != ihs->timestamp ||
	    memcmp(hs->fpr, ihs->fpr, sizeof(hs->fpr)) ||
	    rh->saddr != ih->daddr || rh->daddr != ih->saddr)
		return false;
	if (xnet_hs_mac(key, xnet_lbl_resp, init, XNET_HS_LEN,
			resp, XNET_HS_MACOFF, mac))
		return false;
	ok = !crypto_memneq(mac, hs->mac, XNET_HS_MACLEN);
	memzero_explicit(mac, sizeof(mac));
	return ok;
}

void xnet_hs_confirm_build(u8 msg[XNET_HS_LEN], const struct xnet_key *key,
			   const u8 resp[XNET_HS_LEN])
{
	const struct xnethdr *rh = (const struct xnethdr *)resp;
	const struct xnet_hshdr *rhs = xnet_hs_body((u8 *)resp);
	struct xnet_hshdr *hs = xnet_hs_body(msg);
	u8 mac[SHA256_DIGEST_SIZE];

	memset(msg, 0, XNET_HS_LEN);
	xnet_hs_hdr(msg, rh->daddr, rh->saddr);
	hs->kind = XNET_HS_CONFIRM;
	hs->alg = rhs->alg;
	hs->sender = rhs->receiver;
	hs->receiver = rhs->sender;
	memcpy(hs->fpr, rhs->fpr, sizeof(hs->fpr));
	hs->timestamp = rhs->timestamp;
	if (!xnet_hs_mac(key, xnet_lbl_conf, msg, XNET_HS_MACOFF,
			 rhs->mac, XNET_HS_MACLEN, mac))
		memcpy(hs->mac, mac, sizeof(hs->mac));
	memzero_explicit(mac, sizeof(mac));
}

bool xnet_hs_confirm_ok(const struct xnet_key *key, const u8 msg[XNET_HS_LEN],
			const u8 resp_mac[XNET_HS_MACLEN])
{
	const struct xnet_hshdr *hs = xnet_hs_body((u8 *)msg);
	u8 mac[SHA256_DIGEST_SIZE];
	bool ok;

	if (xnet_hs_mac(key, xnet_lbl_conf, msg, XNET_HS_MACOFF,
			resp_mac, XNET_HS_MACLEN, mac))
		return false;
	ok = !crypto_memneq(mac, hs->mac, XNET_HS_MACLEN);
	memzero_explicit(mac, sizeof(mac));
	return ok;
}

int xnet_hs_derive(const struct xnet_key *key, const u8 init[XNET_HS_LEN],
		   const u8 resp[XNET_HS_LEN], u8 i2r[XNET_HS_KEYLEN],
		   u8 r2i[XNET_HS_KEYLEN])
{
	int err;

	BUILD_BUG_ON(XNET_HS_KEYLEN != SHA256_DIGEST_SIZE);
	BUILD_BUG_ON(sizeof(struct xnet_hshdr) != 80);	/* docs/PROTOCOL.md */
	err = xnet_hs_mac(key, xnet_lbl_i2r, init, XNET_HS_LEN,
			  resp, XNET_HS_LEN, i2r);
	if (!err)
		err = xnet_hs_mac(key, xnet_lbl_r2i, init, XNET_HS_LEN,
				  resp, XNET_HS_LEN, r2i);
	return err;
}

struct sk_buff *xnet_hs_skb(struct xnet_net *xn, const u8 msg[XNET_HS_LEN])
{
	const struct xnethdr *xh = (const struct xnethdr *)msg;
	struct sk_buff *skb;

	skb = alloc_skb(LL_MAX_HEADER + XNET_HS_LEN, GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_reserve(skb, LL_MAX_HEADER + XNET_HLEN);
	skb_put_data(skb, msg + XNET_HLEN, XNET_HS_LEN - XNET_HLEN);
	xnet_build_hdr(skb, XNET_T_HANDSHAKE, xh->saddr, xh->daddr, 0, 0,
		       xnet_net_hoplimit(xn));
	return skb;
}

void xnet_hs_msg_of(const struct sk_buff *skb, u8 msg[XNET_HS_LEN])
{
	struct xnethdr *xh = (struct xnethdr *)msg;

	memcpy(msg, skb_network_header(skb), XNET_HS_LEN);
	xh->csum = 0;
	xh->hoplimit = 0;
}

/* an INIT whose fingerprint names a key of its source: is its MAC right? */
static enum xnet_mib xnet_hs_init_check(struct xnet_net *xn,
					struct xnet_dev *xdev,
					const u8 msg[XNET_HS_LEN])
{
	const struct xnethdr *xh = (const struct xnethdr *)msg;
	const struct xnet_hshdr *hs = xnet_hs_body((u8 *)msg);
	u8 mac[SHA256_DIGEST_SIZE];
	enum xnet_mib reason = XNET_MIB_IN_AUTH_FAILURES;
	struct xnet_key *key;

	key = xnet_key_get_fpr(xn, xh->saddr, xdev->dev->ifindex, hs->fpr);
	if (!key) {
		/*
		 * A key of ours applies to the sender, but not the one it
		 * used: the two sides hold different keys (or a forger
		 * guessed). That is a failed authentication, as a wrong tag
		 * is; InNoKey is for peers we hold no key for at all.
		 */
		key = xnet_key_get(xn, xh->saddr, xdev->dev->ifindex);
		if (!key)
			return XNET_MIB_IN_NO_KEY;
		xnet_key_put(key);
		return XNET_MIB_IN_AUTH_FAILURES;
	}
	if (key->alg == hs->alg &&
	    !xnet_hs_mac(key, xnet_lbl_init, msg, XNET_HS_MACOFF, NULL, 0,
			 mac) &&
	    !crypto_memneq(mac, hs->mac, XNET_HS_MACLEN))
		reason = __XNET_MIB_MAX;	/* valid */
	xnet_key_put(key);
	memzero_explicit(mac, sizeof(mac));
	return reason;
}

void xnet_handshake_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
			struct sk_buff *skb)
{
	enum xnet_mib reason = XNET_MIB_IN_AUTH_FAILURES;
	const struct xnet_hshdr *hs;
	const struct xnethdr *xh;
	u8 msg[XNET_HS_LEN];

	xh = xnet_hdr(skb);
	/* rx.c trimmed the frame to its length and made it linear */
	if (skb->len != XNET_HS_LEN || skb_headlen(skb) < XNET_HS_LEN)
		goto drop;
	if (xh->sport || xh->dport || xh->daddr == htonl(XNET_ADDR_BROADCAST))
		goto drop;
	xnet_hs_msg_of(skb, msg);
	hs = xnet_hs_body(msg);
	if (hs->resv || hs->resv2 ||
	    (hs->alg != XNET_KEY_ALG_AES_GCM &&
	     hs->alg != XNET_KEY_ALG_CHACHA20POLY1305))
		goto drop;
	switch (hs->kind) {
	case XNET_HS_INIT:
		if (hs->receiver)
			goto drop;
		reason = xnet_hs_init_check(xn, xdev, msg);
		if (reason != __XNET_MIB_MAX)
			goto drop;
		if (!xnet_session_init_fresh(xn, xh->saddr,
					     be64_to_cpu(hs->timestamp))) {
			reason = XNET_MIB_IN_REPLAYS;
			goto drop;
		}
		break;
	case XNET_HS_RESP:
		/* its MAC is checked against our INIT by the work item */
		switch (xnet_session_resp_expected(xn, xh->saddr,
						   hs->receiver)) {
		case 0:
			reason = XNET_MIB_IN_NO_KEY;
			goto drop;
		case -1:
			/* a late answer to an INIT sent again: done */
			kfree_skb(skb);
			return;
		}
		break;
	case XNET_HS_CONFIRM:
		/* one HMAC, no state made: checked and acted on here */
		if (!hs->receiver ||
		    memchr_inv(hs->random, 0, sizeof(hs->random)))
			goto drop;
		reason = xnet_session_confirm_rcv(xn, msg);
		if (reason != __XNET_MIB_MAX)
			goto drop;
		consume_skb(skb);
		return;
	default:
		goto drop;
	}
	xnet_session_queue_hs(xn, skb);
	return;

drop:
	xnet_drop(xn, skb, reason);
	kfree_skb(skb);
}

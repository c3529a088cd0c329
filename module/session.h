/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xnet: what handshake.c and session.c share, and no other file.
 *
 * A handshake message is kept as the bytes its MAC covers: the common
 * header with checksum and hop limit zero, then struct xnet_hshdr, MAC
 * included (XNET_HS_LEN bytes). The same bytes are what the response's
 * MAC and the session keys are computed over.
 */
#ifndef _XNET_SESSION_H
#define _XNET_SESSION_H

#include "sec.h"

#define XNET_HS_KEYLEN		32	/* a session key: AES-256 or ChaCha20 */

/* handshake.c: any context unless said */
struct xnet_hshdr *xnet_hs_body(u8 *msg);
void xnet_hs_init_build(u8 msg[XNET_HS_LEN], const struct xnet_key *key,
			__be32 saddr, __be32 daddr, __be32 index, u64 ts);
/* the response to @init (checked) from @index; 0 or -errno */
int xnet_hs_resp_build(u8 resp[XNET_HS_LEN], const struct xnet_key *key,
		       const u8 init[XNET_HS_LEN], __be32 index);
bool xnet_hs_resp_ok(const struct xnet_key *key, const u8 init[XNET_HS_LEN],
		     const u8 resp[XNET_HS_LEN]);
int xnet_hs_derive(const struct xnet_key *key, const u8 init[XNET_HS_LEN],
		   const u8 resp[XNET_HS_LEN], u8 i2r[XNET_HS_KEYLEN],
		   u8 r2i[XNET_HS_KEYLEN]);
/* the CONFIRM of the handshake whose RESP is @resp */
void xnet_hs_confirm_build(u8 msg[XNET_HS_LEN], const struct xnet_key *key,
			   const u8 resp[XNET_HS_LEN]);
bool xnet_hs_confirm_ok(const struct xnet_key *key, const u8 msg[XNET_HS_LEN],
			const u8 resp_mac[XNET_HS_MACLEN]);
/* an skb carrying @msg with the netns's hop limit; process context */
struct sk_buff *xnet_hs_skb(struct xnet_net *xn, const u8 msg[XNET_HS_LEN]);
/* the message of a checked handshake frame, as MAC'ed */
void xnet_hs_msg_of(const struct sk_buff *skb, u8 msg[XNET_HS_LEN]);

/* session.c: softirq, under RCU */
bool xnet_session_init_fresh(struct xnet_net *xn, __be32 peer, u64 ts);
/* 1: a RESP for our attempt in flight; -1: for one that succeeded; 0: no */
int xnet_session_resp_expected(struct xnet_net *xn, __be32 peer,
			       __be32 index);
/* a CONFIRM (checked for form): InNoKey, InAuthFailures or 0 */
enum xnet_mib xnet_session_confirm_rcv(struct xnet_net *xn,
				       const u8 msg[XNET_HS_LEN]);
/* queue a handshake frame whose MAC (INIT) or index (RESP) checked */
void xnet_session_queue_hs(struct xnet_net *xn, struct sk_buff *skb);

#endif /* _XNET_SESSION_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: values an off-path attacker must not be able to predict:
 * initial sequence numbers, ephemeral port offsets and SYN cookies.
 *
 * All three are keyed SipHash values over the connection's addresses and
 * ports, as the kernel does for TCP (RFC 6528 for sequence numbers,
 * RFC 6056 algorithm 3 for ports). The keys are drawn once, on first
 * use, and never change while the module is loaded.
 *
 * A SYN cookie is the initial sequence number of a SYN+ACK sent without
 * keeping any state (the half-open table is full). Its top 29 bits are a
 * hash of the 4-tuple, the type, the client's initial sequence number
 * and a 64-second time slot; the low 3 bits index the client's MSS in
 * xnet_cookie_mss[]. The final ACK of the handshake (ack - 1) is checked
 * against the current and the previous slot, so a cookie lives 64 to
 * 128 seconds and a blind guess succeeds with probability 2^-28.
 *
 * Context: any; no locks, no state beyond the keys.
 */
#include <linux/ktime.h>
#include <linux/net.h>
#include <linux/siphash.h>

#include "xnet.h"

static siphash_aligned_key_t xnet_seq_key;
static siphash_aligned_key_t xnet_port_key;
static siphash_aligned_key_t xnet_cookie_key;

#define XNET_COOKIE_SLOT_SECS	64
#define XNET_COOKIE_MSS_BITS	3

/*
 * MSS values a cookie can carry; the largest not above the client's.
 * 1428 and 8928: MTU 1500 and 9000 less XNET_CONN_OVERHEAD.
 */
static const u16 xnet_cookie_mss[1 << XNET_COOKIE_MSS_BITS] = {
	64, 256, 536, 1024, 1400, 1428, 4000, 8928,
};

static u64 xnet_tuple(__be16 lport, __be16 rport, u8 type)
{
	return ((u64)type << 32) | ((__force u32)lport << 16) |
	       (__force u32)rport;
}

/* RFC 6528: a keyed hash of the 4-tuple plus a 4 µs clock. */
u32 xnet_secure_seq(__be32 laddr, __be32 raddr, __be16 lport, __be16 rport,
		    u8 type)
{
	u32 h;

	net_get_random_once(&xnet_seq_key, sizeof(xnet_seq_key));
	h = siphash_3u64((__force u64)laddr, (__force u64)raddr,
			 xnet_tuple(lport, rport, type), &xnet_seq_key);
	return h + (u32)(ktime_get_real_ns() >> 6);
}

/* RFC 6056 algorithm 3: where the ephemeral port search starts. */
u32 xnet_secure_port_offset(__be32 raddr, __be16 rport, u8 type)
{
	net_get_random_once(&xnet_port_key, sizeof(xnet_port_key));
	return siphash_2u64((__force u64)raddr, xnet_tuple(0, rport, type),
			    &xnet_port_key);
}

static u32 xnet_cookie_slot(void)
{
	return (u32)(ktime_get_boottime_seconds() / XNET_COOKIE_SLOT_SECS);
}

/* @xh is the client's frame: saddr/sport are the client's. */
static u32 xnet_cookie_hash(const struct xnethdr *xh, u32 irs, u32 slot)
{
	net_get_random_once(&xnet_cookie_key, sizeof(xnet_cookie_key));
	return siphash_4u64((__force u64)xh->saddr, (__force u64)xh->daddr,
			    xnet_tuple(xh->dport, xh->sport, xh->type),
			    ((u64)slot << 32) | irs, &xnet_cookie_key);
}

u32 xnet_syncookie_make(const struct xnethdr *xh, u32 irs, u32 mss)
{
	u32 i = ARRAY_SIZE(xnet_cookie_mss) - 1;

	while (i && xnet_cookie_mss[i] > mss)
		i--;
	return (xnet_cookie_hash(xh, irs, xnet_cookie_slot()) &
		~((1U << XNET_COOKIE_MSS_BITS) - 1)) | i;
}

/* The client's MSS if @cookie is one of ours for @xh and @irs, else 0. */
u32 xnet_syncookie_check(const struct xnethdr *xh, u32 irs, u32 cookie)
{
	u32 mask = ~((1U << XNET_COOKIE_MSS_BITS) - 1);
	u32 slot = xnet_cookie_slot();
	int age;

	for (age = 0; age < 2; age++)
		if ((xnet_cookie_hash(xh, irs, slot - age) & mask) ==
		    (cookie & mask))
			return xnet_cookie_mss[cookie & ~mask];
	return 0;
}

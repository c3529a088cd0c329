/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xnet tracepoints (events/xnet/ in tracefs, perf and trace-cmd):
 * connection state changes, retransmissions, congestion window changes,
 * drops with their reason, and security events.
 *
 * Context: callers hold whatever protects the fields they pass (the
 * socket lock for a connection; nothing for a drop's skb, which the
 * caller owns). Events record scalars (addresses as 4-byte arrays, as
 * tcp.h's, so that perf and trace-cmd decode them) and never walk a queue.
 * CREATE_TRACE_POINTS is defined in trace.c only.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xnet

#if !defined(_XNET_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XNET_TRACE_H

#include <linux/tracepoint.h>

#include "xnet.h"

#ifndef _XNET_TRACE_HELPERS
#define _XNET_TRACE_HELPERS
/* a source MAC, or zeros when unknown (NULL) */
static inline void xnet_trace_mac(u8 *dst, const u8 *mac)
{
	if (mac)
		memcpy(dst, mac, ETH_ALEN);
	else
		memset(dst, 0, ETH_ALEN);
}

/*
 * An address as 4 bytes in network order: perf and trace-cmd decode
 * "%pI4" of a byte array (as tcp.h stores its addresses), not of the
 * address of an integer field.
 */
static inline void xnet_trace_addr(u8 *dst, __be32 addr)
{
	memcpy(dst, &addr, sizeof(addr));
}
#endif

TRACE_DEFINE_ENUM(XNET_T_STREAM);
TRACE_DEFINE_ENUM(XNET_T_SEQPACKET);

#define xnet_show_type(type)					\
	__print_symbolic(type,					\
			 { XNET_T_STREAM,	"stream" },	\
			 { XNET_T_SEQPACKET,	"seqpacket" })

TRACE_DEFINE_ENUM(XNET_STATE_CLOSED);
TRACE_DEFINE_ENUM(XNET_STATE_LISTEN);
TRACE_DEFINE_ENUM(XNET_STATE_SYN_SENT);
TRACE_DEFINE_ENUM(XNET_STATE_SYN_RECV);
TRACE_DEFINE_ENUM(XNET_STATE_ESTABLISHED);
TRACE_DEFINE_ENUM(XNET_STATE_FIN_WAIT1);
TRACE_DEFINE_ENUM(XNET_STATE_FIN_WAIT2);
TRACE_DEFINE_ENUM(XNET_STATE_CLOSING);
TRACE_DEFINE_ENUM(XNET_STATE_TIME_WAIT);
TRACE_DEFINE_ENUM(XNET_STATE_CLOSE_WAIT);
TRACE_DEFINE_ENUM(XNET_STATE_LAST_ACK);

#define xnet_show_state(state)					\
	__print_symbolic(state,					\
			 { XNET_STATE_CLOSED,	"CLOSED" },	\
			 { XNET_STATE_LISTEN,	"LISTEN" },	\
			 { XNET_STATE_SYN_SENT,	"SYN_SENT" },	\
			 { XNET_STATE_SYN_RECV,	"SYN_RECV" },	\
			 { XNET_STATE_ESTABLISHED, "ESTABLISHED" }, \
			 { XNET_STATE_FIN_WAIT1, "FIN_WAIT1" },	\
			 { XNET_STATE_FIN_WAIT2, "FIN_WAIT2" },	\
			 { XNET_STATE_CLOSING,	"CLOSING" },	\
			 { XNET_STATE_TIME_WAIT, "TIME_WAIT" },	\
			 { XNET_STATE_CLOSE_WAIT, "CLOSE_WAIT" }, \
			 { XNET_STATE_LAST_ACK,	"LAST_ACK" })

/* the counters a drop is accounted to; names as in proc.c */
TRACE_DEFINE_ENUM(XNET_MIB_IN_CSUM_ERRORS);
TRACE_DEFINE_ENUM(XNET_MIB_IN_MALFORMED);
TRACE_DEFINE_ENUM(XNET_MIB_IN_BAD_VERSION);
TRACE_DEFINE_ENUM(XNET_MIB_IN_UNKNOWN_TYPE);
TRACE_DEFINE_ENUM(XNET_MIB_IN_NO_SOCKET);
TRACE_DEFINE_ENUM(XNET_MIB_IN_BUFFER_ERRORS);
TRACE_DEFINE_ENUM(XNET_MIB_IN_ADDR_ERRORS);
TRACE_DEFINE_ENUM(XNET_MIB_IN_BAD_PORT);
TRACE_DEFINE_ENUM(XNET_MIB_LISTEN_OVERFLOWS);
TRACE_DEFINE_ENUM(XNET_MIB_IN_OUT_OF_WINDOW);
TRACE_DEFINE_ENUM(XNET_MIB_MEM_PRESSURE_DROPS);
TRACE_DEFINE_ENUM(XNET_MIB_MEM_LIMIT_DROPS);
TRACE_DEFINE_ENUM(XNET_MIB_IN_MARTIANS);
TRACE_DEFINE_ENUM(XNET_MIB_IN_NO_ROUTES);
TRACE_DEFINE_ENUM(XNET_MIB_IN_HOPLIMIT_EXCEEDED);
TRACE_DEFINE_ENUM(XNET_MIB_IN_TOO_BIG_ERRORS);
TRACE_DEFINE_ENUM(XNET_MIB_IN_AUTH_FAILURES);
TRACE_DEFINE_ENUM(XNET_MIB_IN_REPLAYS);
TRACE_DEFINE_ENUM(XNET_MIB_IN_NO_KEY);
TRACE_DEFINE_ENUM(XNET_MIB_IN_PLAIN_DROPPED);

#define xnet_show_reason(reason)					\
	__print_symbolic(reason,					\
			 { XNET_MIB_IN_CSUM_ERRORS,	"InCsumErrors" },	\
			 { XNET_MIB_IN_MALFORMED,	"InMalformed" },	\
			 { XNET_MIB_IN_BAD_VERSION,	"InBadVersion" },	\
			 { XNET_MIB_IN_UNKNOWN_TYPE,	"InUnknownType" },	\
			 { XNET_MIB_IN_NO_SOCKET,	"InNoSocket" },		\
			 { XNET_MIB_IN_BUFFER_ERRORS,	"InBufferErrors" },	\
			 { XNET_MIB_IN_ADDR_ERRORS,	"InAddrErrors" },	\
			 { XNET_MIB_IN_BAD_PORT,	"InBadPort" },		\
			 { XNET_MIB_LISTEN_OVERFLOWS,	"ListenOverflows" },	\
			 { XNET_MIB_IN_OUT_OF_WINDOW,	"InOutOfWindow" },	\
			 { XNET_MIB_MEM_PRESSURE_DROPS,	"MemPressureDrops" },	\
			 { XNET_MIB_MEM_LIMIT_DROPS,	"MemLimitDrops" },	\
			 { XNET_MIB_IN_MARTIANS,	"InMartians" },	\
			 { XNET_MIB_IN_NO_ROUTES,	"InNoRoutes" },	\
			 { XNET_MIB_IN_HOPLIMIT_EXCEEDED, "InHopLimitExceeded" }, \
			 { XNET_MIB_IN_TOO_BIG_ERRORS,	"InTooBigErrors" },	\
			 { XNET_MIB_IN_AUTH_FAILURES,	"InAuthFailures" },	\
			 { XNET_MIB_IN_REPLAYS,		"InReplays" },		\
			 { XNET_MIB_IN_NO_KEY,		"InNoKey" },		\
			 { XNET_MIB_IN_PLAIN_DROPPED,	"InPlainDropped" })

TRACE_DEFINE_ENUM(XNET_SEC_SYN_FLOOD);
TRACE_DEFINE_ENUM(XNET_SEC_CONFIG_REFUSED);
TRACE_DEFINE_ENUM(XNET_SEC_CONFIG_INVALID);
TRACE_DEFINE_ENUM(XNET_SEC_INVALID_PEER);
TRACE_DEFINE_ENUM(XNET_SEC_AUTH_FAILURE);
TRACE_DEFINE_ENUM(XNET_SEC_REPLAY);

#define xnet_show_sec(event)						\
	__print_symbolic(event,						\
			 { XNET_SEC_SYN_FLOOD,		"syn_flood" },		\
			 { XNET_SEC_CONFIG_REFUSED,	"config_refused" },	\
			 { XNET_SEC_CONFIG_INVALID,	"config_invalid" },	\
			 { XNET_SEC_INVALID_PEER,	"invalid_peer" },	\
			 { XNET_SEC_AUTH_FAILURE,	"auth_failure" },	\
			 { XNET_SEC_REPLAY,		"replay" })

TRACE_EVENT(xnet_conn_state,
	    TP_PROTO(const struct xnet_conn *c, u8 oldstate, u8 newstate),
	    TP_ARGS(c, oldstate, newstate),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __array(u8, laddr, 4)
			     __array(u8, raddr, 4)
			     __field(u16, lport)
			     __field(u16, rport)
			     __field(u8, type)
			     __field(u8, oldstate)
			     __field(u8, newstate)),
	    TP_fast_assign(__entry->skaddr = c;
			   xnet_trace_addr(__entry->laddr, c->laddr ?: c->xs.rcv_addr);
			   xnet_trace_addr(__entry->raddr, c->xs.daddr);
			   __entry->lport = ntohs(c->xs.sport);
			   __entry->rport = ntohs(c->xs.dport);
			   __entry->type = c->type;
			   __entry->oldstate = oldstate;
			   __entry->newstate = newstate;),
	    TP_printk("sk=%p type=%s local=%pI4:%u remote=%pI4:%u %s -> %s",
		      __entry->skaddr,
		      xnet_show_type(__entry->type),
		      __entry->laddr, __entry->lport,
		      __entry->raddr, __entry->rport,
		      xnet_show_state(__entry->oldstate),
		      xnet_show_state(__entry->newstate))
);

TRACE_EVENT(xnet_retransmit,
	    TP_PROTO(const struct xnet_conn *c, u32 seq, u32 len,
		     u32 seg_retrans),
	    TP_ARGS(c, seq, len, seg_retrans),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __array(u8, laddr, 4)
			     __array(u8, raddr, 4)
			     __field(u16, lport)
			     __field(u16, rport)
			     __field(u32, seq)
			     __field(u32, len)
			     __field(u32, cwnd)
			     __field(u32, ssthresh)
			     __field(u32, rto_us)
			     __field(u32, seg_retrans)
			     __field(u32, total_retrans)),
	    TP_fast_assign(__entry->skaddr = c;
			   xnet_trace_addr(__entry->laddr, c->laddr);
			   xnet_trace_addr(__entry->raddr, c->xs.daddr);
			   __entry->lport = ntohs(c->xs.sport);
			   __entry->rport = ntohs(c->xs.dport);
			   __entry->seq = seq;
			   __entry->len = len;
			   __entry->cwnd = c->cwnd;
			   __entry->ssthresh = c->ssthresh;
			   __entry->rto_us = c->rto_us;
			   __entry->seg_retrans = seg_retrans;
			   __entry->total_retrans = c->total_retrans;),
	    TP_printk("sk=%p local=%pI4:%u remote=%pI4:%u seq=%u len=%u cwnd=%u ssthresh=%u rto_us=%u seg_retrans=%u total_retrans=%u",
		      __entry->skaddr, __entry->laddr, __entry->lport,
		      __entry->raddr, __entry->rport, __entry->seq,
		      __entry->len, __entry->cwnd, __entry->ssthresh,
		      __entry->rto_us, __entry->seg_retrans,
		      __entry->total_retrans)
);

TRACE_EVENT(xnet_cong,
	    TP_PROTO(const struct xnet_conn *c),
	    TP_ARGS(c),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __field(u32, cwnd)
			     __field(u32, ssthresh)
			     __field(u32, srtt_us)
			     __field(u32, mss)),
	    TP_fast_assign(__entry->skaddr = c;
			   __entry->cwnd = c->cwnd;
			   __entry->ssthresh = c->ssthresh;
			   __entry->srtt_us = c->srtt_us;
			   __entry->mss = c->mss;),
	    TP_printk("sk=%p cwnd=%u ssthresh=%u srtt_us=%u mss=%u",
		      __entry->skaddr, __entry->cwnd, __entry->ssthresh,
		      __entry->srtt_us, __entry->mss)
);

TRACE_EVENT(xnet_drop,
	    TP_PROTO(int reason, const u8 *smac, const struct xnethdr *xh,
		     int ifindex),
	    TP_ARGS(reason, smac, xh, ifindex),
	    TP_STRUCT__entry(__field(int, reason)
			     __field(int, ifindex)
			     __array(u8, smac, ETH_ALEN)
			     __array(u8, saddr, 4)
			     __array(u8, daddr, 4)
			     __field(u8, type)),
	    TP_fast_assign(__entry->reason = reason;
			   __entry->ifindex = ifindex;
			   xnet_trace_mac(__entry->smac, smac);
			   xnet_trace_addr(__entry->saddr, xh ? xh->saddr : 0);
			   xnet_trace_addr(__entry->daddr, xh ? xh->daddr : 0);
			   __entry->type = xh ? xh->type : 0;),
	    TP_printk("reason=%s ifindex=%d smac=%pM saddr=%pI4 daddr=%pI4 type=%u",
		      xnet_show_reason(__entry->reason), __entry->ifindex,
		      __entry->smac, __entry->saddr, __entry->daddr,
		      __entry->type)
);

TRACE_EVENT(xnet_security,
	    TP_PROTO(int event, const u8 *smac, __be32 addr, u32 arg),
	    TP_ARGS(event, smac, addr, arg),
	    TP_STRUCT__entry(__field(int, event)
			     __array(u8, smac, ETH_ALEN)
			     __array(u8, addr, 4)
			     __field(u32, arg)),
	    TP_fast_assign(__entry->event = event;
			   xnet_trace_mac(__entry->smac, smac);
			   xnet_trace_addr(__entry->addr, addr);
			   __entry->arg = arg;),
	    TP_printk("event=%s smac=%pM addr=%pI4 arg=%u",
		      xnet_show_sec(__entry->event), __entry->smac,
		      __entry->addr, __entry->arg)
);

#endif /* _XNET_TRACE_H */

/* this part must be outside the header guard */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>

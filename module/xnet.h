/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xnet: internal definitions shared by the module's files.
 *
 * Object model and ownership:
 *  - struct xnet_net: per network namespace state (net_generic). Lives from
 *    pernet init to pernet exit; sockets pin their netns, so it outlives them.
 *  - struct xnet_dev: xnet state of one net_device that has at least one
 *    xnet address. Created and destroyed under RTNL; found by the receive
 *    path through its embedded packet_type, by the transmit path through
 *    the RCU list xn->devs. Holds a tracked reference on the net_device
 *    until NETDEV_UNREGISTER or its last address is deleted. Freed after an
 *    RCU grace period.
 *  - struct xnet_ifaddr: one address on one xnet_dev, RCU list, RTNL writers.
 *  - struct xnet_neigh: neighbour entry, all fields under xn->neigh_lock.
 *  - struct xnet_sock: socket; hashed in a port table (RCU readers, table
 *    spinlock writers), freed with SOCK_RCU_FREE.
 */
#ifndef _XNET_H
#define _XNET_H

#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <uapi/linux/xnet.h>

/*
 * Version 2 (docs/PROTOCOL.md): version 1's 20 bytes unchanged, then the
 * hop limit and 3 reserved bytes.
 */
#define XNET_VERSION		2
#define XNET_HLEN		24

/* Frame types (docs/PROTOCOL.md). */
enum {
	XNET_T_DGRAM		= 1,
	XNET_T_NEIGH_QUERY	= 2,
	XNET_T_NEIGH_ANSWER	= 3,
	XNET_T_STREAM		= 4,
	XNET_T_SEQPACKET	= 5,
	XNET_T_ERROR		= 6,	/* error report (error.c) */
	XNET_T_SEALED		= 7,	/* a protected frame (seal.c) */
	XNET_T_HANDSHAKE	= 8,	/* session handshake (handshake.c) */
};

struct xnethdr {
	__u8	version;
	__u8	type;
	__be16	len;
	__be32	saddr;
	__be32	daddr;
	__be16	sport;
	__be16	dport;
	__be32	csum;
	/*
	 * The one field a forwarder changes, kept out of bytes 0..19 so that
	 * an AEAD can authenticate the header with it taken as zero.
	 */
	__u8	hoplimit;
	__u8	resv[3];	/* zero on send, ignored on receive */
};

static inline struct xnethdr *xnet_hdr(const struct sk_buff *skb)
{
	return (struct xnethdr *)skb_network_header(skb);
}

/* SNMP-style counters, per netns; names in proc.c (xnet_mib_names). */
enum xnet_mib {
	XNET_MIB_IN_PACKETS,
	XNET_MIB_OUT_PACKETS,
	XNET_MIB_IN_DATAGRAMS,
	XNET_MIB_OUT_DATAGRAMS,
	XNET_MIB_IN_CSUM_ERRORS,
	XNET_MIB_IN_MALFORMED,
	XNET_MIB_IN_BAD_VERSION,
	XNET_MIB_IN_UNKNOWN_TYPE,
	XNET_MIB_IN_NO_SOCKET,
	XNET_MIB_IN_BUFFER_ERRORS,
	XNET_MIB_IN_ADDR_ERRORS,
	XNET_MIB_IN_BAD_PORT,
	XNET_MIB_OUT_NO_ROUTE,
	XNET_MIB_OUT_DISCARDS,
	XNET_MIB_NEIGH_QUERIES_OUT,
	XNET_MIB_NEIGH_QUERIES_IN,
	XNET_MIB_NEIGH_ANSWERS_OUT,
	XNET_MIB_NEIGH_ANSWERS_IN,
	XNET_MIB_NEIGH_UNSOLICITED,
	XNET_MIB_NEIGH_RESOLVE_FAILED,
	XNET_MIB_NEIGH_TABLE_FULL,
	XNET_MIB_NEIGH_QUEUE_DROPS,
	XNET_MIB_ACTIVE_OPENS,
	XNET_MIB_PASSIVE_OPENS,
	XNET_MIB_ATTEMPT_FAILS,
	XNET_MIB_ESTAB_RESETS,
	XNET_MIB_IN_SEGS,
	XNET_MIB_OUT_SEGS,
	XNET_MIB_RETRANS_SEGS,
	XNET_MIB_OUT_RSTS,
	XNET_MIB_IN_RSTS,
	XNET_MIB_TIMEOUTS,
	XNET_MIB_LISTEN_OVERFLOWS,
	XNET_MIB_CONN_LIMIT_DROPS,
	XNET_MIB_IN_OUT_OF_WINDOW,
	XNET_MIB_FAST_RETRANS,
	XNET_MIB_SYNCOOKIES_SENT,
	XNET_MIB_SYNCOOKIES_RECV,
	XNET_MIB_SYNCOOKIES_FAILED,
	XNET_MIB_MEM_PRESSURE_EVENTS,
	XNET_MIB_MEM_PRESSURE_DROPS,
	XNET_MIB_MEM_LIMIT_DROPS,
	XNET_MIB_IN_CHALLENGE_ACKS,
	XNET_MIB_IN_STATE_DROPS,
	/* audit (audit.c): security-relevant events */
	XNET_MIB_CONFIG_REFUSED,	/* netlink change without CAP_NET_ADMIN */
	XNET_MIB_CONFIG_INVALID,	/* netlink change xnet refused as invalid */
	XNET_MIB_INVALID_PEER_FLOODS,	/* episodes: a peer above invalid_rate */
	XNET_MIB_SYN_FLOODS,		/* connection request floods logged */
	/* ratelimit.c: answers not sent, over their rate */
	XNET_MIB_RL_RSTS,
	XNET_MIB_RL_ACKS,
	XNET_MIB_RL_NEIGH_ANSWERS,
	XNET_MIB_RL_NEIGH_QUERIES,
	XNET_MIB_IN_MARTIANS,		/* from the wire with an own source */
	/* neigh.c: strangers' entries refused, claims on resolved entries */
	XNET_MIB_NEIGH_STRANGERS_FULL,
	XNET_MIB_NEIGH_QUERY_CONFLICTS,
	XNET_MIB_TX_SPLIT_REFUSED,	/* write queue cuts refused: too big */
	/* timers and orphans (timer.c, stream.c) */
	XNET_MIB_ABORT_ON_TIMEOUT,	/* a timer gave up on the connection */
	XNET_MIB_ORPHAN_OVERFLOWS,	/* closed past max_orphans: reset */
	XNET_MIB_IN_GRO_MERGED,		/* frames GRO merged into another (offload.c) */
	/* error reports (error.c) */
	XNET_MIB_OUT_ERRORS,		/* sent */
	XNET_MIB_IN_ERRORS,		/* received, well formed */
	XNET_MIB_RL_ERRORS,		/* not sent: over error_rate */
	XNET_MIB_IN_ERRORS_IGNORED,	/* received, failed validation */
	XNET_MIB_ROUTE_TABLE_FULL,	/* routes refused: route_max (route.c) */
	/* forward.c: frames for other nodes */
	XNET_MIB_FORW_DATAGRAMS,	/* handed to the next hop's device */
	XNET_MIB_IN_NO_ROUTES,		/* not forwarded: no route */
	XNET_MIB_IN_HOPLIMIT_EXCEEDED,	/* not forwarded: hop limit reached */
	XNET_MIB_IN_TOO_BIG_ERRORS,	/* not forwarded: above the next MTU */
	/* secure channels (sec.h) */
	XNET_MIB_IN_AUTH_FAILURES,	/* bad tag or malformed protected frame */
	XNET_MIB_IN_REPLAYS,		/* seen, or left of the replay window */
	XNET_MIB_IN_NO_KEY,		/* protected frame: no such session/key */
	XNET_MIB_IN_PLAIN_DROPPED,	/* plain frame refused by net.xnet.secure */
	XNET_MIB_OUT_NO_KEY,		/* not sent: no session could protect it */
	XNET_MIB_SESSIONS_ESTABLISHED,	/* handshakes completed, either side */
	XNET_MIB_SESSION_REKEYS,	/* of those, replacing a live session */
	XNET_MIB_HANDSHAKES_SENT,	/* initiations and responses sent */
	XNET_MIB_SESSION_TABLE_FULL,	/* handshakes refused: session_max */
	/* zero-copy, batching and pacing (issue 14) */
	XNET_MIB_ZEROCOPY_SENDS,	/* MSG_ZEROCOPY sends that pinned pages */
	XNET_MIB_ZEROCOPY_COPIED,	/* MSG_ZEROCOPY sends that copied */
	XNET_MIB_SPLICED_PAGES,		/* pages sent without copy (sendfile, splice) */
	XNET_MIB_OUT_SEGMENTED,		/* datagrams sent through XNET_SEGMENT */
	XNET_MIB_PACING_DELAYS,		/* times the pacer held a frame back */
	__XNET_MIB_MAX
};

extern const char * const xnet_mib_names[__XNET_MIB_MAX];

struct xnet_mib_set {
	u64	mibs[__XNET_MIB_MAX];
};

/* Security events (audit.c), the kind in the xnet_security tracepoint. */
enum xnet_sec_event {
	XNET_SEC_SYN_FLOOD,
	XNET_SEC_CONFIG_REFUSED,
	XNET_SEC_CONFIG_INVALID,
	XNET_SEC_INVALID_PEER,
	XNET_SEC_AUTH_FAILURE,		/* a protected frame failed its check */
	XNET_SEC_REPLAY,		/* a protected frame was replayed */
};

/*
 * One slot of the per-netns table of peers sending invalid frames
 * (audit.c), hashed by source MAC. All fields under @lock, taken in
 * softirq context (or with BHs off) only.
 */
struct xnet_peer_slot {
	spinlock_t	lock;		/* this slot's fields */
	u8		mac[ETH_ALEN];
	bool		flood;		/* in an episode above the rate */
	u32		count;		/* invalid frames since @start */
	unsigned long	start;		/* jiffies: this one-second window */
};

#define XNET_PEER_SLOTS		64

/* Kinds of answers to unsolicited frames, each rate-limited per netns. */
enum xnet_rl_kind {
	XNET_RL_RST,		/* resets */
	XNET_RL_ACK,		/* ACKs to out-of-window and challenge segments */
	XNET_RL_NEIGH_ANSWER,	/* neighbour answers */
	XNET_RL_NEIGH_QUERY,	/* queries started by answering a stranger */
	XNET_RL_ERROR,		/* error reports (error.c) */
	XNET_RL_TOOBIG,		/* frame too big reports: path MTU discovery */
	__XNET_RL_MAX
};

/* A token bucket (ratelimit.c); fields under @lock. */
struct xnet_rl_bucket {
	spinlock_t	lock;		/* tokens, stamp */
	u32		tokens;
	unsigned long	stamp;		/* jiffies of the last refill */
};

struct xnet_rtable;
struct xnet_keys;
struct xnet_sessions;

#define XNET_NEIGH_HASH_BITS	6
#define XNET_PMTU_HASH_BITS	6
#define XNET_NEIGH_QUEUE_MAX	3

struct xnet_net {
	struct net		*net;
	struct list_head	devs;		/* xnet_dev: RTNL writers, RCU */
	struct xnet_mib_set __percpu *mib;

	spinlock_t		neigh_lock;	/* everything neighbour, _bh */
	struct hlist_head	neigh_hash[1 << XNET_NEIGH_HASH_BITS];
	unsigned int		neigh_count;
	unsigned int		neigh_strangers; /* of neigh_count */
	struct delayed_work	neigh_work;	/* retries, aging, GC */
	bool			dying;		/* under neigh_lock */
	/* notifications built under neigh_lock, sent after it (notify.c) */
	struct sk_buff_head	neigh_notes;
	bool			neigh_notes_lost; /* under neigh_lock */
	spinlock_t		neigh_notes_send; /* one sender at a time */

	/* sysctl net.xnet.*, read with READ_ONCE */
	int			neigh_max;
	int			neigh_retries;
	int			neigh_retrans_ms;
	int			neigh_reachable_ms;
	int			neigh_gc_ms;
	int			max_connections;
	int			time_wait_ms;
	int			max_syn_backlog;
	int			cong_default;	/* index, cong.c */
	int			syncookies;	/* 0 never, 1 when full, 2 always */
	int			mem[3];		/* pages: low, pressure, high */
	int			mem_pressure;	/* mem.c */
	atomic_long_t		mem_allocated;	/* bytes charged, mem.c */
	unsigned long		last_overflow;	/* jiffies: last cookie sent */
	unsigned long		synflood_warned; /* jiffies | 1 of last log */
	atomic_t		nconn;		/* hashed connections */
	atomic_t		nsynrecv;	/* half-open children */
	int			invalid_rate;	/* invalid frames/s per peer */
	int			orphan_retries;	/* give-up limit of orphans */
	int			synack_retries;	/* give-up limit of half-open */
	int			max_orphans;
	atomic_t		norphans;	/* closed, not yet ended */
	u32			peer_seed;	/* hashes invalid_peers */
	struct xnet_peer_slot	invalid_peers[XNET_PEER_SLOTS];
	/* ratelimit.c; sysctls net.xnet.*_rate, ratelimit_burst */
	struct xnet_rl_bucket	rl[__XNET_RL_MAX];
	int			rl_rate[__XNET_RL_MAX];	/* per second, 0: none */
	int			rl_burst;
	int			invalid_ratelimit_ms;
	int			hoplimit;	/* default of frames built */
	struct ctl_table_header	*sysctl_hdr;
	struct proc_dir_entry	*proc_dir;
	/* pmtu.c: path MTU cache; sysctls pmtu_max, pmtu_expires_ms */
	spinlock_t		pmtu_lock;	/* writers of the fields below */
	struct hlist_head	pmtu_hash[1 << XNET_PMTU_HASH_BITS];
	struct list_head	pmtu_lru;	/* oldest update first */
	unsigned int		pmtu_count;
	u32			pmtu_seed;
	int			pmtu_max;
	int			pmtu_expires_ms;
	/* route.c: the route table; sysctl net.xnet.route_max */
	struct xnet_rtable	*rtable;
	int			route_max;
	int			forwarding;	/* net.xnet.forwarding (forward.c) */
	/* secure channels (sec.h): sysctls, key.c's and session.c's state */
	int			secure;		/* net.xnet.secure: XNET_SECURE_* */
	int			rekey_ms;	/* session age that starts a rekey */
	int			session_max;	/* peers with a session */
	int			key_max;	/* keys of the netns */
	struct xnet_keys	*keys;		/* key.c */
	struct xnet_sessions	*sessions;	/* session.c */
};

struct xnet_ifaddr {
	struct list_head	list;		/* in xdev->addrs, RCU */
	__be32			addr;
	u8			prefixlen;	/* 0: bare (the last resort) */
	struct rcu_head		rcu;
};

struct xnet_dev {
	struct list_head	list;		/* in xn->devs, RCU */
	struct net_device	*dev;
	netdevice_tracker	dev_tracker;
	struct packet_type	pt;
	struct xnet_net		*xn;
	struct list_head	addrs;		/* xnet_ifaddr, RCU */
	struct rcu_head		rcu;
	unsigned int		nbare;		/* bare addresses; RTNL, READ_ONCE */
};

struct xnet_neigh {
	struct hlist_node	node;
	__be32			addr;
	u8			state;		/* XNET_NEIGH_* */
	u8			probes;
	u8			asked;		/* a query awaits its answer */
	u8			verify;		/* a probe to ha awaits its answer */
	u8			stranger;	/* created for a stranger */
	u8			ha[ETH_ALEN];
	struct net_device	*dev;		/* set once resolved */
	unsigned long		confirmed;	/* jiffies */
	unsigned long		probed;		/* jiffies of last query */
	struct sk_buff_head	queue;
	/* where retries go: the waiting frames' device binding, 0 any */
	int			query_oif;
};

/* Connection segment header, after the common header (types 4 and 5). */
struct xnet_seghdr {
	__be32	seq;
	__be32	ack;
	__be32	wnd;		/* receive window, bytes */
	__be16	flags;		/* XNET_SEG_* */
	__u8	nsack;		/* SACK blocks that follow, 0..4 */
	__u8	resv;		/* zero */
};

struct xnet_sack_block {
	__be32	start;
	__be32	end;
};

#define XNET_SEG_SYN		0x01
#define XNET_SEG_ACK		0x02
#define XNET_SEG_FIN		0x04
#define XNET_SEG_RST		0x08
#define XNET_SEG_EOR		0x10	/* last segment of a SEQPACKET message */
#define XNET_SEG_FLAGS		0x1f
#define XNET_SEG_HLEN		16
#define XNET_SYN_OPTLEN		4	/* SYN payload: __be16 mss, 2 zero bytes */
#define XNET_MAX_SACK		4
#define XNET_CONN_HLEN		(XNET_HLEN + XNET_SEG_HLEN)
/* the peer's window as we take it: sequence arithmetic needs < 2^31 */
#define XNET_SND_WND_MAX	BIT(30)
/* header room every data segment leaves for a full set of SACK blocks */
#define XNET_CONN_OVERHEAD	(XNET_CONN_HLEN + \
				 XNET_MAX_SACK * sizeof(struct xnet_sack_block))
/* a large frame (offload.c): segments, and payload under the 16-bit len */
#define XNET_GSO_MAX_SEGS	64
#define XNET_GSO_MAX_PAYLOAD	(U16_MAX - XNET_CONN_OVERHEAD)

/*
 * A socket's pacer (pacing.c): SO_MAX_PACING_RATE and the rate
 * congestion control sets. Its timer, while queued, holds a socket
 * reference. Connections: next_ns and flags under the socket lock (flags
 * also set by the timer, atomically); datagram sockets: next_ns and q
 * under q.lock.
 */
struct xnet_pacer {
	struct hrtimer		timer;
	u64			next_ns;	/* earliest next departure */
	unsigned long		flags;		/* XNET_PACE_*, atomic bitops */
	struct sk_buff_head	q;		/* datagrams waiting their time */
};

/* Socket. */
struct xnet_sock {
	struct sock		sk;
	struct hlist_node	bind_node;	/* port table, RCU */
	__be32			rcv_addr;	/* bound address, 0 = any */
	__be16			sport;		/* bound port, 0 = unbound */
	__be32			daddr;		/* connected peer */
	__be16			dport;
	u8			recverr;	/* XNET_RECVERR (dgram only) */
	u8			hoplimit;	/* XNET_HOPLIMIT; 0: the netns's */
	u8			secure;		/* XNET_SECURE set */
	u8			gro;		/* XNET_GRO (dgram only) */
	u16			gso_size;	/* XNET_SEGMENT (dgram only) */
	struct xnet_pacer	pacer;		/* pacing.c */
};

static inline struct xnet_sock *xnet_sk(const struct sock *sk)
{
	return (struct xnet_sock *)sk;
}

/* Sequence number comparisons, modulo 2^32. */
static inline bool xnet_before(u32 seq1, u32 seq2)
{
	return (s32)(seq1 - seq2) < 0;
}

#define xnet_after(seq2, seq1)	xnet_before(seq1, seq2)

struct xnet_conn;

/* A congestion control algorithm (cong.c). */
struct xnet_cong_ops {
	const char	*name;
	/* grow cwnd for @acked newly acknowledged segments (at ssthresh) */
	void		(*on_ack)(struct xnet_conn *c, u32 acked);
	/* a loss with @flight segments in flight: the new ssthresh */
	u32		(*ssthresh)(struct xnet_conn *c, u32 flight);
};

/* Per-segment state of an skb on a connection's write queue. */
struct xnet_seg_cb {
	u32	seq;
	u32	end_seq;	/* seq + payload + SYN + FIN */
	u16	flags;		/* XNET_SEG_SYN/FIN/EOR */
	u8	sacked;
	u8	retrans;
	u32	off;		/* receive queue: bytes already read */
	u64	sent_us;	/* last transmission, 0 = never */
};

#define XNET_SEG_CB(skb) ((struct xnet_seg_cb *)(skb)->cb)

/*
 * A STREAM or SEQPACKET socket. All fields below are protected by the
 * socket lock: the owner (lock_sock) in process context, or
 * bh_lock_sock with !sock_owned_by_user in softirq and timers; segments
 * arriving while the user owns the socket wait on its backlog.
 */
struct xnet_conn {
	struct xnet_sock	xs;
	struct hlist_node	conn_node;	/* connection table, RCU */
	__be32			laddr;		/* local address in use */
	u8			type;		/* XNET_T_STREAM / _SEQPACKET */
	u8			hashed:1,
				nodelay:1,
				synrecv_counted:1,
				accepted_pending:1,
				in_recovery:1,
				fin_queued:1,
				unowned:1,	/* child not yet accepted */
				was_connected:1,
				tlp_armed:1,	/* rtx_timer is a tail probe */
				orphan_counted:1; /* in xn->norphans */
	/* listener */
	spinlock_t		accept_lock;
	struct list_head	accept_q;	/* established, not accepted */
	struct list_head	accept_node;	/* in the listener's accept_q */
	__be16			listen_port;	/* child: listener's port */

	/* send side */
	u32			iss;
	u32			snd_una;
	u32			snd_nxt;
	u32			write_seq;	/* next seq to queue */
	u32			snd_wnd;
	u32			mss;
	u32			user_mss;
	u32			cwnd;		/* segments */
	u32			cwnd_cnt;
	u32			ssthresh;
	u32			recover;
	u32			dupacks;
	const struct xnet_cong_ops *cc;
	u32			cubic_w_max;
	u32			cubic_origin;
	u32			cubic_k_ms;
	u64			cubic_epoch_us;
	struct sk_buff		*send_head;	/* first unsent, or NULL */
	/* the most in flight in the last window, and whether cwnd was
	 * what stopped sending then (xnet_cong_validate())
	 */
	u32			max_flight;
	u32			max_flight_seq;
	u8			cwnd_limited;

	/* RTT and timers */
	u32			srtt_us;
	u32			rttvar_us;
	u32			rtt_min_us;	/* least sample, 0 = none */
	/* the latest send time of a segment delivered, and the round trip
	 * it took (recovery.c, RACK)
	 */
	u64			rack_xmit_us;
	u32			rack_rtt_us;
	u32			rto_us;
	u32			backoff;
	u32			retransmits;
	u32			total_retrans;
	/* jiffies: oldest unacknowledged send once retransmitting, or the
	 * first zero-window probe; 0 when neither
	 */
	unsigned long		rtx_start;
	unsigned long		probe_sent;	/* jiffies: last window probe */
	unsigned long		last_rx;	/* jiffies */
	struct timer_list	rtx_timer;	/* RTO, persist, SYN */
	struct timer_list	delack_timer;
	struct timer_list	ka_timer;	/* keepalive only */
	struct timer_list	linger_timer;	/* FIN_WAIT2 orphan, TIME_WAIT */
	u32			ka_probes;

	/* receive side */
	u32			irs;
	u32			rcv_nxt;
	u32			rcv_wnd;	/* last advertised */
	u32			rcv_right;	/* furthest right edge advertised */
	u32			rcv_unacked;	/* full segments since last ACK */
	u32			rcv_eor;	/* whole messages queued */
	struct rb_root		ooo_q;		/* out of order, by seq (input.c) */
	u32			ooo_last;	/* seq of the last one to arrive */

	/* options */
	u32			user_timeout_ms;
	u32			keepidle;	/* seconds */
	u32			keepintvl;
	u32			keepcnt;

	/* statistics */
	u64			bytes_acked;
	u64			bytes_received;
	u64			segs_out;
	u64			segs_in;

	/* input.c */
	u32			max_wnd;	/* largest window the peer offered */
	unsigned long		last_oow_ack;	/* jiffies: ratelimit.c */
	/* a frame could not leave; acted on after the queue walks (output.c) */
	int			tx_err;
	u8			fin_pending:1,	/* FIN due, not queued: no memory */
				rto_loss:1;	/* recovery after a timeout */
	/* a half-open child answers its SYN's sender directly (output.c) */
	int			syn_ifindex;	/* 0: through the neighbour table */
	u8			syn_ha[ETH_ALEN];
	/*
	 * error.c: an unreachable or hop limit report about data in flight,
	 * the errno a timeout reports instead of ETIMEDOUT; 0 once new data
	 * is acknowledged (recovery.c), as TCP's sk_err_soft
	 */
	int			soft_err;
	/*
	 * output.c: the MSS was checked against the path since frames to
	 * the peer leave sealed (a key added or net.xnet.secure raised
	 * under the connection)
	 */
	bool			mss_sealed;
};

static inline struct xnet_conn *xnet_conn(const struct sock *sk)
{
	return (struct xnet_conn *)sk;
}

/* netns.c */
struct xnet_net *xnet_pernet(const struct net *net);
int xnet_netns_init(void);
void xnet_netns_exit(void);

/* net.xnet.hoplimit: the hop limit of frames no socket chose one for */
static inline u8 xnet_net_hoplimit(const struct xnet_net *xn)
{
	return READ_ONCE(xn->hoplimit);
}

static inline void xnet_inc_stat(struct xnet_net *xn, enum xnet_mib f)
{
	this_cpu_inc(xn->mib->mibs[f]);
}

static inline void xnet_add_stat(struct xnet_net *xn, enum xnet_mib f,
				 unsigned int n)
{
	this_cpu_add(xn->mib->mibs[f], n);
}

u64 xnet_read_stat(struct xnet_net *xn, enum xnet_mib f);

/* dev.c: addresses and netdev events.  RTNL for writers. */
int xnet_addr_add(struct net *net, int ifindex, __be32 addr, u8 prefixlen);
int xnet_addr_del(struct net *net, int ifindex, __be32 addr);
struct xnet_dev *xnet_dev_by_addr_rcu(struct xnet_net *xn, __be32 addr);
__be32 xnet_dev_first_addr_rcu(struct xnet_dev *xdev);
bool xnet_dev_has_addr_rcu(struct xnet_dev *xdev, __be32 addr);
void xnet_devs_flush(struct xnet_net *xn);
int xnet_dev_init(void);
void xnet_dev_exit(void);

/* port.c: the port tables.  Writers take the table lock, readers RCU. */
struct xnet_port_table;
extern struct xnet_port_table xnet_dgram_ports;
int xnet_port_bind(struct xnet_port_table *t, struct sock *sk,
		   __be32 addr, u16 port);
int xnet_port_bind_to(struct xnet_port_table *t, struct sock *sk,
		      __be32 daddr, __be16 dport);
void xnet_port_unbind(struct xnet_port_table *t, struct sock *sk);
void xnet_port_set_addr(struct xnet_port_table *t, struct sock *sk,
			__be32 addr);
struct sock *xnet_port_lookup_rcu(struct xnet_port_table *t, struct net *net,
				  __be32 saddr, __be16 sport, __be32 daddr,
				  __be16 dport, struct xnet_dev *xdev);
struct sock *xnet_port_next_rcu(struct xnet_port_table *t, struct net *net,
				__be32 saddr, __be16 sport, __be32 daddr,
				__be16 dport, struct xnet_dev *xdev,
				struct sock *after);
typedef int (*xnet_sock_iter_t)(struct sock *sk, void *arg);
int xnet_port_listen(struct xnet_port_table *t, struct sock *sk);
int xnet_port_walk(struct xnet_port_table *t, struct net *net,
		   unsigned long *pos, xnet_sock_iter_t fn, void *arg);
void xnet_port_table_init(struct xnet_port_table *t);

/* af_xnet.c: parts shared by every socket type. */
extern int xnet_family;
int xnet_check_sockaddr(const struct sockaddr *uaddr, int addr_len);
int xnet_sock_bind(struct xnet_port_table *t, struct sock *sk,
		   const struct sockaddr *uaddr, int addr_len);
int xnet_sock_autobind(struct xnet_port_table *t, struct sock *sk,
		       __be32 daddr, __be16 dport);
int xnet_sock_getname(struct socket *sock, struct sockaddr *uaddr, int peer);
void xnet_sock_fill_info(struct sock *sk, struct xnet_info *info);
void xnet_conn_fill_info(struct sock *sk, struct xnet_info *info);
u8 xnet_sock_state(const struct sock *sk);
u8 xnet_sock_hoplimit(const struct sock *sk);
int xnet_sock_set_secure(struct sock *sk, sockptr_t optval,
			 unsigned int optlen);
int xnet_sock_check_secure(struct sock *sk, __be32 daddr, int oif);
int xnet_sock_get_secure(struct sock *sk, __be32 daddr);
int xnet_sock_set_hoplimit(struct sock *sk, sockptr_t optval,
			   unsigned int optlen);

/* pacing.c: SO_MAX_PACING_RATE and the default pacing rate */
void xnet_pacing_init(struct sock *sk);
void xnet_pacing_stop(struct sock *sk);
void xnet_pacing_update_rate(struct sock *sk);
u32 xnet_pacing_goal(struct sock *sk);
bool xnet_pacing_hold(struct sock *sk);
void xnet_pacing_unheld(struct sock *sk);
void xnet_pacing_sent(struct sock *sk, struct sk_buff *skb);
void xnet_pacing_release_cb(struct sock *sk);
void xnet_pacing_fill_info(struct sock *sk, struct xnet_info *info);
int xnet_pacing_dgram_xmit(struct xnet_net *xn, struct sock *sk,
			   struct sk_buff *skb, int oif);

/* dgram.c */
extern struct proto xnet_dgram_proto;
int xnet_dgram_create(struct net *net, struct socket *sock, int kern);
void xnet_dgram_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		    struct sk_buff *skb);

/* stream.c: STREAM and SEQPACKET socket layer */
extern struct proto xnet_stream_proto;
extern struct proto xnet_seqpacket_proto;
extern struct xnet_port_table xnet_stream_ports;
extern struct xnet_port_table xnet_seqpacket_ports;
int xnet_stream_create(struct net *net, struct socket *sock, int kern);
struct xnet_port_table *xnet_conn_ports(const struct sock *sk);
void xnet_conn_wake(struct sock *sk);
void xnet_conn_rcv_space(struct sock *sk);

/* zerocopy.c: MSG_ZEROCOPY, sendfile/splice for connection sockets */
enum xnet_zc_mode {
	XNET_ZC_COPY,		/* copy the data (the default) */
	XNET_ZC_PIN,		/* MSG_ZEROCOPY: pin the user's pages */
	XNET_ZC_SPLICE,		/* sendfile/splice: take the pages' refs */
};

int xnet_conn_sendmsg_mode(struct socket *sock, struct msghdr *msg,
			   size_t len, enum xnet_zc_mode mode);
int xnet_zc_sol_socket(struct socket *sock, int optname, sockptr_t optval,
		       unsigned int optlen);
enum xnet_zc_mode xnet_zc_mode(struct sock *sk, const struct msghdr *msg,
			       size_t len);
struct ubuf_info *xnet_zc_uarg(struct sock *sk, size_t len);
void xnet_zc_uarg_done(struct ubuf_info *uarg, bool done);
ssize_t xnet_zc_append(struct sock *sk, struct sk_buff *skb,
		       struct msghdr *msg, size_t len, enum xnet_zc_mode mode,
		       struct ubuf_info *uarg);
int xnet_zc_recv_error(struct sock *sk, struct msghdr *msg, size_t len);
int xnet_zc_orphan_rx(struct sk_buff *skb);
void xnet_zc_copied(struct sk_buff *skb);
ssize_t xnet_zc_sendpage(struct socket *sock, struct page *page, int offset,
			 size_t size, int flags);
ssize_t xnet_zc_splice_read(struct socket *sock, loff_t *ppos,
			    struct pipe_inode_info *pipe, size_t len,
			    unsigned int flags);

/* conn.c: connection table and lifecycle */
int xnet_conn_hash(struct sock *sk);
void xnet_conn_unhash(struct sock *sk);
struct sock *xnet_conn_lookup_rcu(struct net *net, u8 type, __be32 laddr,
				  __be16 lport, __be32 raddr, __be16 rport);
void xnet_conn_init(struct sock *sk, u8 type);
void xnet_conn_set_state(struct sock *sk, u8 state);
void xnet_conn_done(struct sock *sk);
void xnet_conn_abort(struct sock *sk, int err);
void xnet_conn_close_children(struct sock *lsk);
void xnet_conn_kick_orphans(struct net *net);
int xnet_sock_walk(struct net *net, unsigned long *table, unsigned long *pos,
		   xnet_sock_iter_t fn, void *arg);
u8 xnet_conn_next_timer(struct sock *sk, u32 *ms);
void xnet_conn_purge_queues(struct sock *sk);
void xnet_conn_inherit(struct sock *sk, const struct sock *lsk);
void xnet_conn_reset_engine(struct sock *sk);
void xnet_conn_orphaned(struct sock *sk);
void xnet_conn_orphan_over(struct sock *sk);
bool xnet_conn_too_many_orphans(struct sock *sk);

/* input.c */
void xnet_conn_deliver(struct xnet_net *xn, struct sock *sk,
		       struct sk_buff *skb,
		       void (*process)(struct sock *sk, struct sk_buff *skb));
void xnet_conn_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		   struct sk_buff *skb);
int xnet_conn_backlog_rcv(struct sock *sk, struct sk_buff *skb);
void xnet_conn_ooo_purge(struct sock *sk);

/* output.c */
int xnet_conn_queue_ctl(struct sock *sk, u16 flags);
void xnet_conn_push(struct sock *sk);
void xnet_conn_send_ack(struct sock *sk);
int xnet_conn_send_probe(struct sock *sk);
void xnet_conn_send_rst(struct sock *sk);
void xnet_conn_unreachable(struct sock *sk);
void xnet_send_reset(struct xnet_net *xn, const struct sk_buff *in);
void xnet_send_cookie_synack(struct xnet_net *xn, const struct sk_buff *in,
			     u32 cookie, u32 wnd);
void xnet_conn_retransmit(struct sock *sk, struct sk_buff *skb, bool last);
int xnet_conn_split(struct sock *sk, struct sk_buff *skb, u32 len);
u32 xnet_conn_rcv_wnd(const struct sock *sk);
void xnet_conn_set_mss(struct sock *sk);
void xnet_conn_check_seal(struct sock *sk);
void xnet_conn_ack_rcvd(struct sock *sk, u32 ack, u32 wnd,
			const struct xnet_sack_block *sack, int nsack);
void xnet_rack_timeout(struct xnet_conn *c);
void xnet_conn_data_rcvd(struct sock *sk, u32 len);
void xnet_conn_mtu_reduced(struct sock *sk);

/* cong.c */
const struct xnet_cong_ops *xnet_cong_find(const char *name);
const struct xnet_cong_ops *xnet_cong_default(struct xnet_net *xn);
int xnet_cong_index(const struct xnet_cong_ops *ops);
void xnet_cong_on_ack(struct xnet_conn *c, u32 acked);
void xnet_cong_validate(struct xnet_conn *c, u32 flight, bool cwnd_limited);
u32 xnet_cong_ssthresh(struct xnet_conn *c, u32 flight);

/* timer.c */
void xnet_conn_timers_init(struct sock *sk);
void xnet_conn_timers_stop(struct sock *sk);
void xnet_conn_reset_rtx_timer(struct sock *sk);
void xnet_conn_schedule_delack(struct sock *sk);
void xnet_conn_reset_ka_timer(struct sock *sk, unsigned long delay);
void xnet_conn_keepalive_arm(struct sock *sk);
void xnet_conn_keepalive_stop(struct sock *sk);
void xnet_conn_reset_linger_timer(struct sock *sk, unsigned long delay);
void xnet_conn_rtt_sample(struct sock *sk, u32 rtt_us);
unsigned long xnet_conn_fin_timeout(void);

/* rx.c */
void xnet_dev_attach_rx(struct xnet_dev *xdev);

/*
 * The most payload one write-queue skb holds: as many whole segments as
 * one large frame carries (offload.c).
 */
static inline u32 xnet_conn_size_goal(const struct xnet_conn *c)
{
	return min_t(u32, XNET_GSO_MAX_SEGS, XNET_GSO_MAX_PAYLOAD / c->mss) *
	       c->mss;
}

/* Segments in @len bytes of payload. */
static inline u32 xnet_conn_segs(const struct xnet_conn *c, u32 len)
{
	return DIV_ROUND_UP(len, c->mss);
}

/* offload.c */
static inline unsigned int xnet_frame_segs(const struct sk_buff *skb)
{
	return max_t(u16, skb_shinfo(skb)->gso_segs, 1);
}

void xnet_offload_init(void);
void xnet_offload_exit(void);
struct sk_buff *xnet_dgram_segment(struct sk_buff *skb, bool crc);
void xnet_rcv_local(struct xnet_net *xn, struct sk_buff *skb);

/* tx.c */
struct sk_buff *xnet_alloc_skb(struct sock *sk, unsigned int payload,
			       int noblock, int *err);
void xnet_build_hdr(struct sk_buff *skb, u8 type, __be32 saddr,
		    __be32 daddr, __be16 sport, __be16 dport, u8 hoplimit);
__be32 xnet_csum(struct sk_buff *skb);
void xnet_hdr_set_hoplimit(struct sk_buff *skb, u8 hoplimit);
/* link-local frames (neighbour resolution) */
#define XNET_HOPLIMIT_LINK	1
int xnet_output(struct xnet_net *xn, struct sk_buff *skb, int oif);
int xnet_output_reply(struct xnet_net *xn, struct sk_buff *skb,
		      const struct sk_buff *in);
int xnet_output_direct(struct xnet_net *xn, struct sk_buff *skb, int ifindex,
		       const u8 *ha);
bool xnet_dev_usable(struct xnet_dev *xdev, int oif, __be32 saddr);
unsigned int xnet_path_mtu(struct xnet_net *xn, __be32 saddr, __be32 daddr,
			   int oif);
void xnet_finish_output(struct xnet_net *xn, struct sk_buff *skb,
			struct net_device *dev, const u8 *ha);
int xnet_send_broadcast(struct xnet_net *xn, struct sk_buff *skb, int oif);

/*
 * route.c: the way to a destination, as a route lookup finds it. Valid
 * under the RCU read section the lookup ran in.
 */
struct xnet_rt {
	/* the device to leave by; NULL: the link of a bare (/0) address,
	 * resolved by query on every device holding one (the oif honoured)
	 */
	struct xnet_dev		*xdev;
	__be32			nexthop;	/* the address to resolve */
	__be32			src;		/* source for an unbound sender */
	unsigned int		mtu;		/* of xdev; 0 when xdev is NULL */
	u8			type;		/* XNET_ROUTE_* */
	u8			prefixlen;
	__be32			prefix;
	u32			metric;
};

int xnet_route_output_rcu(struct xnet_net *xn, __be32 daddr, __be32 saddr,
			  int oif, struct xnet_rt *rt);

/* A route as netlink names it (route add/del). */
struct xnet_route_cfg {
	__be32		prefix;
	u8		prefixlen;
	__be32		gateway;
	int		ifindex;	/* 0: any / derived from the gateway */
	u32		metric;
	bool		has_metric;
};

/* A route as a dump shows it. */
struct xnet_route_info {
	__be32		prefix;
	u8		prefixlen;
	u8		type;
	__be32		gateway;
	u32		metric;
	struct net_device *dev;
};

typedef int (*xnet_route_iter_t)(const struct xnet_route_info *ri, void *arg);

int xnet_route_net_init(struct xnet_net *xn);
void xnet_route_net_exit(struct xnet_net *xn);
int xnet_route_add(struct xnet_net *xn, const struct xnet_route_cfg *cfg,
		   struct netlink_ext_ack *extack);
int xnet_route_del(struct xnet_net *xn, const struct xnet_route_cfg *cfg);
int xnet_route_addr_add(struct xnet_net *xn, struct xnet_dev *xdev,
			__be32 addr, u8 prefixlen);
void xnet_route_addr_del(struct xnet_net *xn, struct xnet_dev *xdev,
			 __be32 addr, u8 prefixlen);
void xnet_route_dev_down(struct xnet_net *xn, struct xnet_dev *xdev);
void xnet_route_changed(struct xnet_net *xn);
int xnet_route_walk(struct xnet_net *xn, unsigned long *pos,
		    xnet_route_iter_t fn, void *arg);

/*
 * error.c: send an error report about the frame @in (network header at
 * its xnet header; in->dev the device it came by) to its source. Rate
 * limited per netns; never about an error report, a broadcast or a
 * source that is not plausible. Does not consume @in. Softirq or process
 * context, no xnet lock held.
 */
void xnet_error_send(struct xnet_net *xn, struct sk_buff *in, u8 type,
		     u8 code, u32 info);

/*
 * The payload of an error report (type 6), after the common header: then
 * the quoted start of the offending frame, its header included, up to
 * XNET_ERR_QUOTE_MAX bytes (docs/PROTOCOL.md).
 */
struct xnet_errhdr {
	__u8	type;		/* XNET_ERR_* */
	__u8	code;		/* XNET_UNREACH_* for XNET_ERR_UNREACH, else 0 */
	__be16	resv;		/* zero, ignored */
	__be32	info;		/* XNET_ERR_TOOBIG: the next hop's MTU; else 0 */
};

#define XNET_ERR_HLEN		8
#define XNET_ERR_QUOTE_MAX	64U
/* the least path MTU a frame too big report may set (header included) */
#define XNET_MIN_MTU		256

void xnet_error_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		    struct sk_buff *skb);
void xnet_error_conn_rcv(struct sock *sk, struct sk_buff *skb);

/* pmtu.c: per-destination path MTU, learnt from frame too big reports */
unsigned int xnet_pmtu_get(struct xnet_net *xn, __be32 daddr);
void xnet_pmtu_update(struct xnet_net *xn, __be32 daddr, unsigned int mtu);
void xnet_pmtu_net_init(struct xnet_net *xn);
void xnet_pmtu_net_exit(struct xnet_net *xn);
/* forward.c: frames from the wire for other nodes */
bool xnet_forward_wanted(struct xnet_net *xn, struct xnet_dev *xdev,
			 const struct sk_buff *skb);
void xnet_forward(struct xnet_net *xn, struct xnet_dev *xdev,
		  struct sk_buff *skb);
void xnet_forward_finish(struct xnet_net *xn, struct sk_buff *skb,
			 struct net_device *dev, const u8 *ha);

/* neigh.c */
int xnet_neigh_output(struct xnet_net *xn, struct sk_buff *skb, int oif);
int xnet_neigh_forward(struct xnet_net *xn, struct sk_buff *skb,
		       __be32 nexthop, int oif, bool gw);
void xnet_neigh_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		    struct sk_buff *skb);
void xnet_neigh_flush(struct xnet_net *xn, struct net_device *dev,
		      __be32 addr);
void xnet_neigh_net_init(struct xnet_net *xn);
void xnet_neigh_net_exit(struct xnet_net *xn);
typedef int (*xnet_neigh_iter_t)(const struct xnet_neigh *n, void *arg);
int xnet_neigh_walk(struct xnet_net *xn, unsigned long *pos,
		    xnet_neigh_iter_t fn, void *arg);

/* secure.c: keyed hashes an off-path attacker cannot predict */
u32 xnet_secure_seq(__be32 laddr, __be32 raddr, __be16 lport, __be16 rport,
		    u8 type);
u32 xnet_secure_port_offset(__be32 raddr, __be16 rport, u8 type);
u32 xnet_syncookie_make(const struct xnethdr *xh, u32 irs, u32 mss);
u32 xnet_syncookie_check(const struct xnethdr *xh, u32 irs, u32 cookie);

/* mem.c: per-netns receive memory accounting (net.xnet.mem) */
bool xnet_rmem_charge(struct sock *sk, struct sk_buff *skb);
bool xnet_mem_under_pressure(const struct sock *sk);
void xnet_mem_net_init(struct xnet_net *xn);

/* audit.c: drops, security events and their tracepoints */
void xnet_drop(struct xnet_net *xn, const struct sk_buff *skb,
	       enum xnet_mib reason);
void xnet_audit_net_init(struct xnet_net *xn);
void xnet_audit_syn_flood(struct xnet_net *xn, const struct xnethdr *xh);
void xnet_audit_config(struct xnet_net *xn, enum xnet_sec_event ev, u8 cmd);

/* ratelimit.c: answers to unsolicited frames */
bool xnet_rl_allow(struct xnet_net *xn, enum xnet_rl_kind kind);
bool xnet_rl_oow_allow(struct xnet_net *xn, unsigned long *last,
		       bool global);
void xnet_rl_net_init(struct xnet_net *xn);

/* netlink.c */
int xnet_netlink_init(void);
void xnet_netlink_exit(void);

/* diag.c: NETLINK_SOCK_DIAG handler */
int xnet_diag_init(void);
void xnet_diag_exit(void);
/* netlink.c: the monitor group's plumbing, for notify.c */
enum xnet_nl_mcgrp {
	XNET_NL_MCGRP_MONITOR,
};

#define XNET_NL_EVENT_SIZE	256	/* any one notification fits */

struct xnet_key_info;
bool xnet_nl_listening(struct net *net, enum xnet_nl_mcgrp grp);
struct sk_buff *xnet_nl_event_new(u8 cmd, gfp_t gfp, void **hdr);
void xnet_nl_event_send(struct net *net, struct sk_buff *skb,
			enum xnet_nl_mcgrp grp, gfp_t gfp);
void xnet_nl_event_lost(struct net *net, enum xnet_nl_mcgrp grp);
int xnet_nl_addr_attrs(struct sk_buff *skb, const struct net_device *dev,
		       __be32 addr, u8 prefixlen);
int xnet_nl_neigh_attrs(struct sk_buff *skb, const struct xnet_neigh *n);
int xnet_nl_route_attrs(struct sk_buff *skb, const struct xnet_route_info *ri);
int xnet_nl_key_attrs(struct sk_buff *skb, const struct xnet_key_info *ki);

/* notify.c: changes announced on the monitor group */
void xnet_notify_addr(struct xnet_net *xn, const struct net_device *dev,
		      __be32 addr, u8 prefixlen, u8 cmd);
void xnet_notify_route(struct xnet_net *xn, const struct xnet_route_info *ri,
		       u8 cmd);
void xnet_notify_key(struct xnet_net *xn, const struct xnet_key_info *ki,
		     u8 cmd);
void xnet_notify_neigh(struct xnet_net *xn, const struct xnet_neigh *n,
		       u8 cmd);
void xnet_notify_neigh_send(struct xnet_net *xn);

/* proc.c: /proc/net/xnet and net.xnet sysctls, per netns. */
int xnet_proc_net_init(struct xnet_net *xn);
void xnet_proc_net_exit(struct xnet_net *xn);

#endif /* _XNET_H */

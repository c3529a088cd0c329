/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xnet: the AF_XNET socket family, carried directly over Ethernet.
 *
 * This header is the userspace contract.  Values defined here never change
 * meaning once released; new ones are only ever appended.
 */
#ifndef _UAPI_LINUX_XNET_H
#define _UAPI_LINUX_XNET_H

#include <linux/types.h>
#include <linux/socket.h>

#define AF_XNET			22	/* the AF_SNA slot: no Linux kernel uses it */
#define PF_XNET			AF_XNET
#define SOL_XNET		300
#define ETH_P_XNET		0x88B5	/* IEEE local experimental EtherType 1 */

#define XNET_ADDR_ANY		0x00000000U
#define XNET_ADDR_BROADCAST	0xffffffffU

/* All fields in network byte order. 16 bytes, like sockaddr_in. */
struct sockaddr_xnet {
	__kernel_sa_family_t	sxn_family;	/* AF_XNET */
	__be16			sxn_port;
	__be32			sxn_addr;
	__u8			sxn_zero[8];	/* must be zero */
};

/* Ports below this need CAP_NET_BIND_SERVICE. */
#define XNET_PORT_PRIVILEGED	1024

/* Socket options at level SOL_XNET. */
#define XNET_NODELAY		1	/* int: disable send coalescing */
#define XNET_MAXSEG		2	/* int: lower the segment size */
#define XNET_CONGESTION		3	/* string: congestion control name */
#define XNET_KEEPIDLE		4	/* int, seconds */
#define XNET_KEEPINTVL		5	/* int, seconds */
#define XNET_KEEPCNT		6	/* int */
#define XNET_USER_TIMEOUT	7	/* unsigned int, milliseconds */
#define XNET_INFO		8	/* struct xnet_info, read only */
#define XNET_HOPLIMIT		9	/* int: 1..255; -1 restores the default */
#define XNET_RECVERR		10	/* int: error reports to the error queue */
#define XNET_MTU		11	/* int, read only: connected peer's path MTU */
#define XNET_SECURE		12	/* int: 1 refuses unprotected peers */
#define XNET_SEGMENT		13	/* int: datagram segment size (0: off) */
#define XNET_GRO		14	/* int: receive runs of datagrams whole */
#define XNET_ZEROCOPY		15	/* int: SO_ZEROCOPY (connections) */

#define XNET_HOPLIMIT_DEFAULT	64

/* Connection states as reported in xnet_info.xi_state and /proc. */
enum {
	XNET_STATE_CLOSED = 0,
	XNET_STATE_LISTEN,
	XNET_STATE_SYN_SENT,
	XNET_STATE_SYN_RECV,
	XNET_STATE_ESTABLISHED,
	XNET_STATE_FIN_WAIT1,
	XNET_STATE_FIN_WAIT2,
	XNET_STATE_CLOSING,
	XNET_STATE_TIME_WAIT,
	XNET_STATE_CLOSE_WAIT,
	XNET_STATE_LAST_ACK,
	XNET_STATE_BOUND,	/* datagram socket with a local port */
	XNET_STATE_CONNECTED,	/* datagram socket with a default peer */
};

struct xnet_info {
	__u8	xi_state;
	__u8	xi_pad[3];
	__u32	xi_rto_us;
	__u32	xi_srtt_us;
	__u32	xi_rttvar_us;
	__u32	xi_snd_cwnd;		/* segments */
	__u32	xi_snd_ssthresh;	/* segments */
	__u32	xi_mss;
	__u32	xi_rcv_wnd;
	__u32	xi_snd_wnd;
	__u32	xi_retransmits;		/* current unrecovered RTOs */
	__u32	xi_total_retrans;
	__u32	xi_unacked;
	__u64	xi_bytes_acked;
	__u64	xi_bytes_received;
	__u64	xi_segs_out;
	__u64	xi_segs_in;
	__u64	xi_pacing_rate;		/* bytes/s the pacer holds to; ~0: none */
	__u64	xi_max_pacing_rate;	/* SO_MAX_PACING_RATE; ~0: unlimited */
};

/*
 * XNET_SEGMENT (datagram sockets, level SOL_XNET, as UDP_SEGMENT): with a
 * segment size set (setsockopt, or a control message SOL_XNET /
 * XNET_SEGMENT holding a __u16 for one sendmsg), one send of up to
 * XNET_SEGMENT_MAX_BYTES leaves as datagrams of that size (the last one
 * may be shorter), at most XNET_SEGMENT_MAX_SEGS of them. The receiver
 * sees ordinary datagrams.
 *
 * XNET_GRO (datagram sockets, as UDP_GRO): with it set, one recvmsg may
 * return a run of queued datagrams from one sender, of one size (the
 * last may be shorter), as one buffer, with a control message SOL_XNET /
 * XNET_GRO holding the segment size as an int when it returned more than
 * one.
 */
#define XNET_SEGMENT_MAX_BYTES	65536
#define XNET_SEGMENT_MAX_SEGS	128

/*
 * Generic netlink interface: family XNET_GENL_NAME.
 *
 * ADDR_ADD / ADDR_DEL take XNET_ATTR_IFINDEX and XNET_ATTR_ADDR and need
 * CAP_NET_ADMIN in the user namespace owning the network namespace.
 * ADDR_GET, NEIGH_GET and SOCK_GET are dumps.  STATS_GET answers with one
 * XNET_ATTR_STAT nest per counter (name and value), so tools print new
 * counters without being rebuilt.
 */
#define XNET_GENL_NAME		"xnet"
#define XNET_GENL_VERSION	1

enum {
	XNET_CMD_UNSPEC,
	XNET_CMD_ADDR_ADD,
	XNET_CMD_ADDR_DEL,
	XNET_CMD_ADDR_GET,
	XNET_CMD_NEIGH_GET,
	XNET_CMD_STATS_GET,
	XNET_CMD_SOCK_GET,
	XNET_CMD_NEIGH_FLUSH,
	XNET_CMD_ROUTE_ADD,	/* PREFIX, PREFIXLEN, [GATEWAY], [IFINDEX], [METRIC] */
	XNET_CMD_ROUTE_DEL,	/* the same keys as ROUTE_ADD */
	XNET_CMD_ROUTE_GET,	/* dump: every route of the netns */
	XNET_CMD_ROUTE_LOOKUP,	/* do: the route ADDR takes, like ip route get */
	XNET_CMD_KEY_ADD,	/* KEY_ID, KEY, [PEER_ADDR], [IFINDEX], [KEY_ALG] */
	XNET_CMD_KEY_DEL,	/* KEY_ID */
	XNET_CMD_KEY_GET,	/* dump: every key of the netns, never its bytes */
	XNET_CMD_NEIGH_NEW,	/* monitor: entry created or its state changed */
	XNET_CMD_NEIGH_DEL,	/* monitor: entry removed */
	__XNET_CMD_MAX,
};

#define XNET_CMD_MAX (__XNET_CMD_MAX - 1)

/*
 * Multicast group XNET_GENL_MCGRP_MONITOR of the family (xnetctl
 * monitor, like ip monitor): changes of the listener's own netns, one
 * message per change, with the attributes of the matching dump. The
 * command says what happened: ADDR_ADD / ADDR_DEL (an address, also one
 * that left with its device), ROUTE_ADD / ROUTE_DEL (any route, also one
 * removed with its address or device), KEY_ADD / KEY_DEL (never the key
 * bytes), NEIGH_NEW (an entry created or its state, device or link-layer
 * address changed) / NEIGH_DEL. Joining needs no privilege, as the dumps.
 * A listener that reads too slowly loses messages (ENOBUFS on its
 * socket), as with rtnetlink.
 */
#define XNET_GENL_MCGRP_MONITOR	"monitor"

enum {
	XNET_ATTR_UNSPEC,
	XNET_ATTR_IFINDEX,	/* u32 */
	XNET_ATTR_ADDR,		/* u32, network byte order */
	XNET_ATTR_IFNAME,	/* string (dumps only) */
	XNET_ATTR_LLADDR,	/* binary, ETH_ALEN (neighbours) */
	XNET_ATTR_NEIGH_STATE,	/* u8, XNET_NEIGH_* */
	XNET_ATTR_AGE_MS,	/* u32: time since last confirmed */
	XNET_ATTR_STAT,		/* nest: XNET_STAT_ATTR_* */
	XNET_ATTR_SOCK_TYPE,	/* u8: SOCK_DGRAM / SOCK_STREAM / SOCK_SEQPACKET */
	XNET_ATTR_SOCK_STATE,	/* u8: XNET_STATE_* */
	XNET_ATTR_LOCAL_ADDR,	/* u32, network byte order */
	XNET_ATTR_LOCAL_PORT,	/* u16, host byte order */
	XNET_ATTR_PEER_ADDR,	/* u32, network byte order */
	XNET_ATTR_PEER_PORT,	/* u16, host byte order */
	XNET_ATTR_RQUEUE,	/* u32: bytes queued for reading */
	XNET_ATTR_WQUEUE,	/* u32: bytes queued for sending */
	XNET_ATTR_INODE,	/* u64 */
	XNET_ATTR_UID,		/* u32 */
	XNET_ATTR_PAD,
	XNET_ATTR_NEIGH_QLEN,	/* u32: frames waiting for resolution */
	XNET_ATTR_TIMER,	/* u8: XNET_TIMER_* pending */
	XNET_ATTR_TIMER_MS,	/* u32: time until it fires */
	XNET_ATTR_RETRANS,	/* u32: xi_retransmits */
	XNET_ATTR_PREFIXLEN,	/* u8: 0..32 */
	XNET_ATTR_PREFIX,	/* u32, network byte order */
	XNET_ATTR_GATEWAY,	/* u32, network byte order; absent: on link */
	XNET_ATTR_METRIC,	/* u32: lower is preferred */
	XNET_ATTR_ROUTE_TYPE,	/* u8: XNET_ROUTE_* */
	XNET_ATTR_PREFSRC,	/* u32, network byte order: source chosen */
	XNET_ATTR_MTU,		/* u32: device MTU, or path MTU if lower */
	XNET_ATTR_KEY_ID,	/* u32: the key's name, chosen by the user */
	XNET_ATTR_KEY,		/* binary, XNET_KEY_LEN: write only */
	XNET_ATTR_KEY_ALG,	/* u8: XNET_KEY_ALG_* */
	XNET_ATTR_KEY_STATE,	/* u8: XNET_KEY_STATE_* */
	XNET_ATTR_KEY_USE,	/* u32: sessions established with the key, alive */
	XNET_ATTR_KEY_FPR,	/* binary, XNET_KEY_FPR_LEN: fingerprint */
	__XNET_ATTR_MAX,
};

#define XNET_ATTR_MAX (__XNET_ATTR_MAX - 1)

enum {
	XNET_STAT_ATTR_UNSPEC,
	XNET_STAT_ATTR_NAME,	/* string */
	XNET_STAT_ATTR_VALUE,	/* u64 */
	XNET_STAT_ATTR_PAD,
	__XNET_STAT_ATTR_MAX,
};

#define XNET_STAT_ATTR_MAX (__XNET_STAT_ATTR_MAX - 1)

/* Neighbour entry states. */
enum {
	XNET_NEIGH_INCOMPLETE = 1,	/* query sent, no answer yet */
	XNET_NEIGH_REACHABLE,		/* answered recently */
	XNET_NEIGH_STALE,		/* aged: reconfirmed on next use */
	XNET_NEIGH_FAILED,		/* no answer to any query */
};

enum {
	XNET_TIMER_NONE = 0,
	XNET_TIMER_RETRANS,
	XNET_TIMER_DELACK,
	XNET_TIMER_PROBE,
	XNET_TIMER_KEEPALIVE,
	XNET_TIMER_TIME_WAIT,
};

/* Kinds of route (XNET_ATTR_ROUTE_TYPE). */
enum {
	XNET_ROUTE_CONNECTED = 1,	/* the prefix of an address: on link */
	XNET_ROUTE_GATEWAY,		/* through a next hop: route add ... via */
	XNET_ROUTE_BARE,		/* a bare address's link: the last resort */
};

/*
 * Error reports (frame type 6, docs/PROTOCOL.md). With XNET_RECVERR set,
 * a datagram socket finds them on its error queue (recvmsg MSG_ERRQUEUE)
 * as a control message at level SOL_XNET, type XNET_RECVERR, holding a
 * struct sock_extended_err (linux/errqueue.h): ee_origin XNET_EE_ORIGIN,
 * ee_type XNET_ERR_*, ee_code XNET_UNREACH_* (unreachable only), ee_info
 * the next hop's MTU (frame too big only), ee_errno the errno a send
 * would see, followed by the reporting node's struct sockaddr_xnet
 * (SO_EE_OFFENDER()).
 */
#define XNET_EE_ORIGIN		2	/* SO_EE_ORIGIN_ICMP's value */

enum {
	XNET_ERR_UNREACH = 1,	/* destination unreachable: code says why */
	XNET_ERR_HOPLIMIT,	/* hop limit reached 0 in transit */
	XNET_ERR_TOOBIG,	/* frame too big for the next hop: MTU given */
};

enum {
	XNET_UNREACH_NOROUTE = 0,	/* no route to the destination */
	XNET_UNREACH_NEIGH,		/* next hop did not answer resolution */
	XNET_UNREACH_PORT,		/* no socket on that datagram port */
	XNET_UNREACH_FORWARDING,	/* not addressed to a node not forwarding */
};

/*
 * Secure channels (docs/SECURITY.md, docs/PROTOCOL.md). A key is
 * XNET_KEY_LEN secret bytes shared by two peers (ATTR_PEER_ADDR), or by
 * every peer that has no key of its own (no ATTR_PEER_ADDR: the netns's
 * default), optionally only through one device (ATTR_IFINDEX). It never
 * encrypts traffic itself: it authenticates a handshake from which two
 * peers derive fresh per-direction session keys. Its fingerprint is
 * the first XNET_KEY_FPR_LEN bytes of HMAC-SHA256(key, "xnet fingerprint").
 */
#define XNET_KEY_LEN		32
#define XNET_KEY_FPR_LEN	8

enum {
	XNET_KEY_ALG_AES_GCM = 1,		/* gcm(aes), 256-bit: the default */
	XNET_KEY_ALG_CHACHA20POLY1305,		/* rfc7539(chacha20,poly1305) */
};

enum {
	XNET_KEY_STATE_ACTIVE = 1,	/* newest for its peer: handshakes use it */
	XNET_KEY_STATE_STANDBY,		/* older: still accepted from the peer */
};

/*
 * XNET_SECURE set to 1 before connect()/sendto(): those fail with EACCES
 * for a peer xnet cannot protect. Read on a connected socket: 1 if its
 * traffic is protected.
 *
 * net.xnet.secure:
 */
enum {
	XNET_SECURE_OFF = 0,		/* nothing protected: as before keys */
	XNET_SECURE_PREFER,		/* protect peers with a key, plain others */
	XNET_SECURE_REQUIRE,		/* drop every frame not protected */
};

/*
 * MSG_ZEROCOPY on SOCK_STREAM and SOCK_SEQPACKET sockets
 * (Documentation/networking/msg_zerocopy.rst): enable it with
 * XNET_ZEROCOPY at level SOL_XNET, or SO_ZEROCOPY at SOL_SOCKET on
 * kernels that let a family take SOL_SOCKET options (6.5 on; 6.1's core
 * refuses SO_ZEROCOPY for families it does not know); getsockopt
 * SO_ZEROCOPY reads the setting on every kernel. Completions come on the
 * error queue (recvmsg MSG_ERRQUEUE, EPOLLERR) as a control message at
 * level SOL_XNET, type XNET_RECVERR (where TCP's say SOL_IP/IP_RECVERR),
 * holding a struct sock_extended_err: ee_origin SO_EE_ORIGIN_ZEROCOPY,
 * the ids ee_info..ee_data (one per send, from 0, per socket),
 * SO_EE_CODE_ZEROCOPY_COPIED in ee_code when the data was copied after
 * all (a peer on the same host always copies).
 */

/*
 * Socket diagnostics (NETLINK_SOCK_DIAG, as ss uses for TCP and UNIX):
 * send a struct xnet_diag_req with nlmsg_type SOCK_DIAG_BY_FAMILY and
 * NLM_F_DUMP; each socket of the requester's netns that passes the
 * filters comes back as a struct xnet_diag_msg followed by the
 * XNET_DIAG_* attributes xdiag_show asked for. No privilege is needed.
 * Fields a request does not use must be zero (EINVAL otherwise), and so
 * must any bytes after the struct.
 */
struct xnet_diag_req {
	__u8	sdiag_family;		/* AF_XNET */
	__u8	sdiag_protocol;		/* 0 */
	__u16	pad;
	__u32	xdiag_states;		/* 1 << XNET_STATE_*; ~0U: all */
	__u32	xdiag_ino;		/* 0: any socket */
	__u32	xdiag_show;		/* XNET_DIAG_SHOW_* */
	__u32	xdiag_cookie[2];	/* with xdiag_ino; ~0U ~0U: any */
	__u16	xdiag_type;		/* SOCK_*; 0: every type */
	__u16	xdiag_sport;		/* local port, host order; 0: any */
	__u16	xdiag_dport;		/* peer port, host order; 0: any */
	__u16	xdiag_pad;
};

#define XNET_DIAG_SHOW_INFO	0x00000001	/* XNET_DIAG_INFO */
#define XNET_DIAG_SHOW_UID	0x00000002	/* XNET_DIAG_UID */
#define XNET_DIAG_SHOW_QLEN	0x00000004	/* XNET_DIAG_RQLEN, _WQLEN */
#define XNET_DIAG_SHOW_MEMINFO	0x00000008	/* XNET_DIAG_MEMINFO */
#define XNET_DIAG_SHOW_SHUTDOWN	0x00000010	/* XNET_DIAG_SHUTDOWN */
#define XNET_DIAG_SHOW_TIMER	0x00000020	/* XNET_DIAG_TIMER */

/* Addresses and ports in network byte order, as in sockaddr_xnet. */
struct xnet_diag_msg {
	__u8	xdiag_family;		/* AF_XNET */
	__u8	xdiag_type;		/* SOCK_* */
	__u8	xdiag_state;		/* XNET_STATE_* */
	__u8	xdiag_pad;
	__be32	xdiag_laddr;
	__be32	xdiag_raddr;
	__be16	xdiag_lport;
	__be16	xdiag_rport;
	__u32	xdiag_ino;
	__u32	xdiag_cookie[2];
};

enum {
	XNET_DIAG_UNSPEC,
	XNET_DIAG_INFO,		/* struct xnet_info (datagram: state, pacing) */
	XNET_DIAG_UID,		/* u32, in the requester's user namespace */
	XNET_DIAG_RQLEN,	/* u32: bytes queued for reading */
	XNET_DIAG_WQLEN,	/* u32: bytes queued for sending */
	XNET_DIAG_MEMINFO,	/* u32[SK_MEMINFO_VARS] (linux/sock_diag.h) */
	XNET_DIAG_SHUTDOWN,	/* u8: RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2 */
	XNET_DIAG_TIMER,	/* struct xnet_diag_timer (stream, seqpacket) */
	__XNET_DIAG_MAX,
};

#define XNET_DIAG_MAX (__XNET_DIAG_MAX - 1)

struct xnet_diag_timer {
	__u8	xdiag_timer;		/* XNET_TIMER_* that fires first */
	__u8	xdiag_pad[3];
	__u32	xdiag_expires_ms;	/* time until it fires */
	__u32	xdiag_retrans;		/* xi_retransmits */
};

#endif /* _UAPI_LINUX_XNET_H */

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
};

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
	__XNET_CMD_MAX,
};

#define XNET_CMD_MAX (__XNET_CMD_MAX - 1)

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

#endif /* _UAPI_LINUX_XNET_H */

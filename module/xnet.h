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

#define XNET_VERSION		1
#define XNET_HLEN		20

/* Frame types (docs/PROTOCOL.md). */
enum {
	XNET_T_DGRAM		= 1,
	XNET_T_NEIGH_QUERY	= 2,
	XNET_T_NEIGH_ANSWER	= 3,
	XNET_T_STREAM		= 4,
	XNET_T_SEQPACKET	= 5,
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
	__XNET_MIB_MAX
};

extern const char * const xnet_mib_names[__XNET_MIB_MAX];

struct xnet_mib_set {
	u64	mibs[__XNET_MIB_MAX];
};

#define XNET_NEIGH_HASH_BITS	6
#define XNET_NEIGH_QUEUE_MAX	3

struct xnet_net {
	struct net		*net;
	struct list_head	devs;		/* xnet_dev: RTNL writers, RCU */
	struct xnet_mib_set __percpu *mib;

	spinlock_t		neigh_lock;	/* everything neighbour, _bh */
	struct hlist_head	neigh_hash[1 << XNET_NEIGH_HASH_BITS];
	unsigned int		neigh_count;
	struct delayed_work	neigh_work;	/* retries, aging, GC */
	bool			dying;		/* under neigh_lock */

	/* sysctl net.xnet.*, read with READ_ONCE */
	int			neigh_max;
	int			neigh_retries;
	int			neigh_retrans_ms;
	int			neigh_reachable_ms;
	int			neigh_gc_ms;
	struct ctl_table_header	*sysctl_hdr;
	struct proc_dir_entry	*proc_dir;
};

struct xnet_ifaddr {
	struct list_head	list;		/* in xdev->addrs, RCU */
	__be32			addr;
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
};

struct xnet_neigh {
	struct hlist_node	node;
	__be32			addr;
	u8			state;		/* XNET_NEIGH_* */
	u8			probes;
	u8			ha[ETH_ALEN];
	struct net_device	*dev;		/* set once resolved */
	unsigned long		confirmed;	/* jiffies */
	unsigned long		probed;		/* jiffies of last query */
	struct sk_buff_head	queue;
};

/* Socket. */
struct xnet_sock {
	struct sock		sk;
	struct hlist_node	bind_node;	/* port table, RCU */
	__be32			rcv_addr;	/* bound address, 0 = any */
	__be16			sport;		/* bound port, 0 = unbound */
	__be32			daddr;		/* connected peer */
	__be16			dport;
};

static inline struct xnet_sock *xnet_sk(const struct sock *sk)
{
	return (struct xnet_sock *)sk;
}

/* netns.c */
struct xnet_net *xnet_pernet(const struct net *net);
int xnet_netns_init(void);
void xnet_netns_exit(void);

static inline void xnet_inc_stat(struct xnet_net *xn, enum xnet_mib f)
{
	this_cpu_inc(xn->mib->mibs[f]);
}

u64 xnet_read_stat(struct xnet_net *xn, enum xnet_mib f);

/* dev.c: addresses and netdev events.  RTNL for writers. */
int xnet_addr_add(struct net *net, int ifindex, __be32 addr);
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
void xnet_port_unbind(struct xnet_port_table *t, struct sock *sk);
struct sock *xnet_port_lookup_rcu(struct xnet_port_table *t, struct net *net,
				  __be32 saddr, __be16 sport, __be32 daddr,
				  __be16 dport, struct xnet_dev *xdev);
struct sock *xnet_port_next_rcu(struct xnet_port_table *t, struct net *net,
				__be32 saddr, __be16 sport, __be32 daddr,
				__be16 dport, struct xnet_dev *xdev,
				struct sock *after);
typedef int (*xnet_sock_iter_t)(struct sock *sk, void *arg);
int xnet_port_walk(struct xnet_port_table *t, struct net *net,
		   unsigned long *pos, xnet_sock_iter_t fn, void *arg);
void xnet_port_table_init(struct xnet_port_table *t);

/* af_xnet.c: parts shared by every socket type. */
extern int xnet_family;
int xnet_check_sockaddr(const struct sockaddr *uaddr, int addr_len);
int xnet_sock_bind(struct xnet_port_table *t, struct sock *sk,
		   const struct sockaddr *uaddr, int addr_len);
int xnet_sock_autobind(struct xnet_port_table *t, struct sock *sk);
int xnet_sock_getname(struct socket *sock, struct sockaddr *uaddr, int peer);
void xnet_sock_fill_info(struct sock *sk, struct xnet_info *info);
u8 xnet_sock_state(const struct sock *sk);

/* dgram.c */
extern struct proto xnet_dgram_proto;
int xnet_dgram_create(struct net *net, struct socket *sock, int kern);
void xnet_dgram_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		    struct sk_buff *skb);

/* rx.c */
void xnet_dev_attach_rx(struct xnet_dev *xdev);
void xnet_rcv_local(struct xnet_net *xn, struct sk_buff *skb);

/* tx.c */
struct sk_buff *xnet_alloc_skb(struct sock *sk, unsigned int payload,
			       int noblock, int *err);
void xnet_build_hdr(struct sk_buff *skb, u8 type, __be32 saddr,
		    __be32 daddr, __be16 sport, __be16 dport);
__be32 xnet_csum(const struct sk_buff *skb);
int xnet_output(struct xnet_net *xn, struct sk_buff *skb, int oif);
bool xnet_dev_usable(struct xnet_dev *xdev, int oif, __be32 saddr);
unsigned int xnet_path_mtu(struct xnet_net *xn, __be32 saddr, __be32 daddr,
			   int oif);
void xnet_finish_output(struct xnet_net *xn, struct sk_buff *skb,
			struct net_device *dev, const u8 *ha);
int xnet_send_broadcast(struct xnet_net *xn, struct sk_buff *skb, int oif);

/* neigh.c */
int xnet_neigh_output(struct xnet_net *xn, struct sk_buff *skb, int oif);
void xnet_neigh_rcv(struct xnet_net *xn, struct xnet_dev *xdev,
		    struct sk_buff *skb);
void xnet_neigh_flush(struct xnet_net *xn, struct net_device *dev);
void xnet_neigh_net_init(struct xnet_net *xn);
void xnet_neigh_net_exit(struct xnet_net *xn);
typedef int (*xnet_neigh_iter_t)(const struct xnet_neigh *n, void *arg);
int xnet_neigh_walk(struct xnet_net *xn, unsigned long *pos,
		    xnet_neigh_iter_t fn, void *arg);

/* netlink.c */
int xnet_netlink_init(void);
void xnet_netlink_exit(void);

/* proc.c: /proc/net/xnet and net.xnet sysctls, per netns. */
int xnet_proc_net_init(struct xnet_net *xn);
void xnet_proc_net_exit(struct xnet_net *xn);

#endif /* _XNET_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: /proc/net/xnet/{sockets,neigh,snmp,mem} and the net.xnet.* sysctls,
 * both per network namespace.
 *
 * Context: process context. The show functions walk the port and
 * neighbour tables under their spinlocks and only format text there.
 *
 * Who may write net.xnet.*: the kernel makes a netns's net.* sysctls
 * writable by whoever has CAP_NET_ADMIN in the user namespace owning it,
 * so the root of an unprivileged container tunes its own netns. The
 * limits on what a netns may make the kernel hold (mem, neigh_max,
 * max_connections, max_orphans, pmtu_max) are the host's to set, as
 * tcp_mem is: in a netns owned by another user namespace they are
 * read-only. The check is the opener's, when the file is opened (mode and
 * net_ctl_permissions()), never the writer's at write time: a writer's
 * capable() would let an unprivileged opener pass its descriptor to a
 * privileged program and have it write the value (the confused deputy
 * that the kernel's own sysctls avoid).
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysctl.h>

#include "compat.h"
#include "xnet.h"

const char * const xnet_mib_names[__XNET_MIB_MAX] = {
	[XNET_MIB_IN_PACKETS]		= "InPackets",
	[XNET_MIB_OUT_PACKETS]		= "OutPackets",
	[XNET_MIB_IN_DATAGRAMS]		= "InDatagrams",
	[XNET_MIB_OUT_DATAGRAMS]	= "OutDatagrams",
	[XNET_MIB_IN_CSUM_ERRORS]	= "InCsumErrors",
	[XNET_MIB_IN_MALFORMED]		= "InMalformed",
	[XNET_MIB_IN_BAD_VERSION]	= "InBadVersion",
	[XNET_MIB_IN_UNKNOWN_TYPE]	= "InUnknownType",
	[XNET_MIB_IN_NO_SOCKET]		= "InNoSocket",
	[XNET_MIB_IN_BUFFER_ERRORS]	= "InBufferErrors",
	[XNET_MIB_IN_ADDR_ERRORS]	= "InAddrErrors",
	[XNET_MIB_IN_BAD_PORT]		= "InBadPort",
	[XNET_MIB_OUT_NO_ROUTE]		= "OutNoRoute",
	[XNET_MIB_OUT_DISCARDS]		= "OutDiscards",
	[XNET_MIB_NEIGH_QUERIES_OUT]	= "NeighQueriesOut",
	[XNET_MIB_NEIGH_QUERIES_IN]	= "NeighQueriesIn",
	[XNET_MIB_NEIGH_ANSWERS_OUT]	= "NeighAnswersOut",
	[XNET_MIB_NEIGH_ANSWERS_IN]	= "NeighAnswersIn",
	[XNET_MIB_NEIGH_UNSOLICITED]	= "NeighUnsolicited",
	[XNET_MIB_NEIGH_RESOLVE_FAILED]	= "NeighResolveFailed",
	[XNET_MIB_NEIGH_TABLE_FULL]	= "NeighTableFull",
	[XNET_MIB_NEIGH_QUEUE_DROPS]	= "NeighQueueDrops",
	[XNET_MIB_ACTIVE_OPENS]		= "ActiveOpens",
	[XNET_MIB_PASSIVE_OPENS]	= "PassiveOpens",
	[XNET_MIB_ATTEMPT_FAILS]	= "AttemptFails",
	[XNET_MIB_ESTAB_RESETS]		= "EstabResets",
	[XNET_MIB_IN_SEGS]		= "InSegs",
	[XNET_MIB_OUT_SEGS]		= "OutSegs",
	[XNET_MIB_RETRANS_SEGS]		= "RetransSegs",
	[XNET_MIB_OUT_RSTS]		= "OutRsts",
	[XNET_MIB_IN_RSTS]		= "InRsts",
	[XNET_MIB_TIMEOUTS]		= "Timeouts",
	[XNET_MIB_LISTEN_OVERFLOWS]	= "ListenOverflows",
	[XNET_MIB_CONN_LIMIT_DROPS]	= "ConnLimitDrops",
	[XNET_MIB_IN_OUT_OF_WINDOW]	= "InOutOfWindow",
	[XNET_MIB_FAST_RETRANS]		= "FastRetrans",
	[XNET_MIB_SYNCOOKIES_SENT]	= "SyncookiesSent",
	[XNET_MIB_SYNCOOKIES_RECV]	= "SyncookiesRecv",
	[XNET_MIB_SYNCOOKIES_FAILED]	= "SyncookiesFailed",
	[XNET_MIB_MEM_PRESSURE_EVENTS]	= "MemPressureEvents",
	[XNET_MIB_MEM_PRESSURE_DROPS]	= "MemPressureDrops",
	[XNET_MIB_MEM_LIMIT_DROPS]	= "MemLimitDrops",
	[XNET_MIB_IN_CHALLENGE_ACKS]	= "InChallengeAcks",
	[XNET_MIB_IN_STATE_DROPS]	= "InStateDrops",
	[XNET_MIB_CONFIG_REFUSED]	= "ConfigRefused",
	[XNET_MIB_CONFIG_INVALID]	= "ConfigInvalid",
	[XNET_MIB_INVALID_PEER_FLOODS]	= "InvalidPeerFloods",
	[XNET_MIB_SYN_FLOODS]		= "SynFloods",
	[XNET_MIB_RL_RSTS]		= "OutRstsRateLimited",
	[XNET_MIB_RL_ACKS]		= "OutAcksRateLimited",
	[XNET_MIB_RL_NEIGH_ANSWERS]	= "NeighAnswersRateLimited",
	[XNET_MIB_RL_NEIGH_QUERIES]	= "NeighQueriesRateLimited",
	[XNET_MIB_IN_MARTIANS]		= "InMartians",
	[XNET_MIB_NEIGH_STRANGERS_FULL]	= "NeighStrangersFull",
	[XNET_MIB_NEIGH_QUERY_CONFLICTS] = "NeighQueryConflicts",
	[XNET_MIB_TX_SPLIT_REFUSED]	= "TxSplitRefused",
	[XNET_MIB_ABORT_ON_TIMEOUT]	= "AbortOnTimeout",
	[XNET_MIB_ORPHAN_OVERFLOWS]	= "OrphanOverflows",
	[XNET_MIB_IN_GRO_MERGED]	= "InGroMerged",
	[XNET_MIB_OUT_ERRORS]		= "OutErrors",
	[XNET_MIB_IN_ERRORS]		= "InErrors",
	[XNET_MIB_RL_ERRORS]		= "OutErrorsRateLimited",
	[XNET_MIB_IN_ERRORS_IGNORED]	= "InErrorsIgnored",
	[XNET_MIB_ROUTE_TABLE_FULL]	= "RouteTableFull",
	[XNET_MIB_FORW_DATAGRAMS]	= "ForwDatagrams",
	[XNET_MIB_IN_NO_ROUTES]		= "InNoRoutes",
	[XNET_MIB_IN_HOPLIMIT_EXCEEDED]	= "InHopLimitExceeded",
	[XNET_MIB_IN_TOO_BIG_ERRORS]	= "InTooBigErrors",
	[XNET_MIB_IN_AUTH_FAILURES]	= "InAuthFailures",
	[XNET_MIB_IN_REPLAYS]		= "InReplays",
	[XNET_MIB_IN_NO_KEY]		= "InNoKey",
	[XNET_MIB_IN_PLAIN_DROPPED]	= "InPlainDropped",
	[XNET_MIB_OUT_NO_KEY]		= "OutNoKey",
	[XNET_MIB_SESSIONS_ESTABLISHED]	= "SessionsEstablished",
	[XNET_MIB_SESSION_REKEYS]	= "SessionRekeys",
	[XNET_MIB_HANDSHAKES_SENT]	= "HandshakesSent",
	[XNET_MIB_SESSION_TABLE_FULL]	= "SessionTableFull",
	[XNET_MIB_ZEROCOPY_SENDS]	= "ZerocopySends",
	[XNET_MIB_ZEROCOPY_COPIED]	= "ZerocopyCopied",
	[XNET_MIB_SPLICED_PAGES]	= "SplicedPages",
	[XNET_MIB_OUT_SEGMENTED]	= "OutSegmented",
	[XNET_MIB_PACING_DELAYS]	= "PacingDelays",
};

static const char * const xnet_neigh_state_names[] = {
	[XNET_NEIGH_INCOMPLETE]	= "INCOMPLETE",
	[XNET_NEIGH_REACHABLE]	= "REACHABLE",
	[XNET_NEIGH_STALE]	= "STALE",
	[XNET_NEIGH_FAILED]	= "FAILED",
};

static int xnet_snmp_show(struct seq_file *seq, void *v)
{
	struct xnet_net *xn = xnet_pernet(seq_file_single_net(seq));
	int i;

	for (i = 0; i < __XNET_MIB_MAX; i++)
		seq_printf(seq, "%s %llu\n", xnet_mib_names[i],
			   xnet_read_stat(xn, i));
	return 0;
}

static int xnet_proc_sock_show(struct sock *sk, void *arg)
{
	const struct xnet_sock *xs = xnet_sk(sk);
	struct seq_file *seq = arg;

	seq_printf(seq, "%-4d %2u %pI4:%-5u %pI4:%-5u %08X:%08X %5u %8lu %d\n",
		   sk->sk_type, xnet_sock_state(sk), &xs->rcv_addr,
		   ntohs(xs->sport), &xs->daddr, ntohs(xs->dport),
		   sk->sk_type == SOCK_DGRAM ? sk_wmem_alloc_get(sk)
					     : READ_ONCE(sk->sk_wmem_queued),
		   sk_rmem_alloc_get(sk),
		   from_kuid_munged(seq_user_ns(seq), sock_i_uid(sk)),
		   sock_i_ino(sk), atomic_read(&sk->sk_drops));
	return 0;
}

static int xnet_sockets_show(struct seq_file *seq, void *v)
{
	unsigned long table = 0, pos = 0;

	seq_puts(seq, "type st local                peer                 tx_queue:rx_queue   uid    inode drops\n");
	return xnet_sock_walk(seq_file_single_net(seq), &table, &pos,
			      xnet_proc_sock_show, seq);
}

static int xnet_proc_neigh_show(const struct xnet_neigh *n, void *arg)
{
	struct seq_file *seq = arg;

	seq_printf(seq, "%-15pI4 %-16s %pM %-10s %u %u\n", &n->addr,
		   n->dev ? n->dev->name : "-", n->ha,
		   xnet_neigh_state_names[n->state], skb_queue_len(&n->queue),
		   n->confirmed ? jiffies_to_msecs(jiffies - n->confirmed) : 0);
	return 0;
}

static int xnet_mem_show(struct seq_file *seq, void *v)
{
	struct xnet_net *xn = xnet_pernet(seq_file_single_net(seq));

	seq_printf(seq, "allocated_pages %ld\npressure %d\norphans %d\n",
		   atomic_long_read(&xn->mem_allocated) >> PAGE_SHIFT,
		   READ_ONCE(xn->mem_pressure), atomic_read(&xn->norphans));
	return 0;
}

static int xnet_neigh_show(struct seq_file *seq, void *v)
{
	struct xnet_net *xn = xnet_pernet(seq_file_single_net(seq));
	unsigned long pos = 0;

	seq_puts(seq, "address         device           lladdr            state      queue age_ms\n");
	return xnet_neigh_walk(xn, &pos, xnet_proc_neigh_show, seq);
}

/*
 * A host limit (neigh_max, max_connections, max_orphans): an int within
 * extra1..extra2; the handler marks the entry read-only outside the
 * initial user namespace (xnet_sysctl_init()).
 */
static int xnet_sysctl_limit(XNET_CTL_TABLE *table, int write, void *buffer,
			     size_t *lenp, loff_t *ppos)
{
	return proc_dointvec_minmax(table, write, buffer, lenp, ppos);
}

/* net.xnet.congestion_control: the default algorithm, by name. */
static int xnet_sysctl_cong(XNET_CTL_TABLE *table, int write, void *buffer,
			    size_t *lenp, loff_t *ppos)
{
	struct xnet_net *xn = table->data;
	const struct xnet_cong_ops *ops;
	char name[16];
	struct ctl_table tmp = {
		.data	= name,
		.maxlen	= sizeof(name),
	};
	int err;

	strscpy(name, xnet_cong_default(xn)->name, sizeof(name));
	err = proc_dostring(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	ops = xnet_cong_find(name);
	if (!ops)
		return -ENOENT;
	WRITE_ONCE(xn->cong_default, xnet_cong_index(ops));
	return 0;
}

/* net.xnet.mem: three page counts, low <= pressure <= high. */
static int xnet_sysctl_mem(XNET_CTL_TABLE *table, int write, void *buffer,
			   size_t *lenp, loff_t *ppos)
{
	int *mem = table->data, val[3];
	struct ctl_table tmp = {
		.data	= val,
		.maxlen	= sizeof(val),
		.extra1	= SYSCTL_ONE,
		.extra2	= SYSCTL_INT_MAX,
	};
	int err, i;

	for (i = 0; i < 3; i++)
		val[i] = READ_ONCE(mem[i]);
	err = proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	if (val[0] > val[1] || val[1] > val[2])
		return -EINVAL;
	for (i = 0; i < 3; i++)
		WRITE_ONCE(mem[i], val[i]);
	return 0;
}

/* net.xnet.*: @data is rebased onto each netns's xnet_net. */
static int xnet_ms_min = 1;
static int xnet_ms_max = 3600 * 1000;
static int xnet_one = 1;
static int xnet_neigh_max_max = 65536;
static int xnet_conn_max_max = 1 << 20;
static int xnet_retries_max = 10;
static int xnet_invalid_rate_max = 1000000;
static int xnet_burst_max = 100000;
static int xnet_orphan_retries_max = 15;
static int xnet_hoplimit_max = 255;
static int xnet_route_max_max = 1 << 20;
static int xnet_session_max_max = 1 << 16;
static int xnet_key_max_max = 4096;
/* rekey: 1 s (tests) .. 1 day */
static int xnet_rekey_ms_min = 1000;
static int xnet_rekey_ms_max = 86400000;

/*
 * Each entry's .data is the offset of its field in struct xnet_net
 * (XNET_SYSCTL_NET: the whole of it); xnet_sysctl_init() turns offsets
 * into the netns's addresses, so entries need no index kept in step.
 */
#define XNET_SYSCTL_FIELD(f)	((void *)offsetof(struct xnet_net, f))
#define XNET_SYSCTL_NET		((void *)0)

static struct ctl_table xnet_sysctl_template[] = {
	{
		.procname	= "neigh_max",
		.data		= XNET_SYSCTL_FIELD(neigh_max),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= xnet_sysctl_limit,
		.extra1		= &xnet_one,
		.extra2		= &xnet_neigh_max_max,
	},
	{
		.procname	= "neigh_retries",
		.data		= XNET_SYSCTL_FIELD(neigh_retries),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xnet_one,
		.extra2		= &xnet_retries_max,
	},
	{
		.procname	= "neigh_retrans_ms",
		.data		= XNET_SYSCTL_FIELD(neigh_retrans_ms),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xnet_ms_min,
		.extra2		= &xnet_ms_max,
	},
	{
		.procname	= "neigh_reachable_ms",
		.data		= XNET_SYSCTL_FIELD(neigh_reachable_ms),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xnet_ms_min,
		.extra2		= &xnet_ms_max,
	},
	{
		.procname	= "neigh_gc_ms",
		.data		= XNET_SYSCTL_FIELD(neigh_gc_ms),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xnet_ms_min,
		.extra2		= &xnet_ms_max,
	},
	{
		.procname	= "max_connections",
		.data		= XNET_SYSCTL_FIELD(max_connections),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= xnet_sysctl_limit,
		.extra1		= &xnet_one,
		.extra2		= &xnet_conn_max_max,
	},
	{
		.procname	= "time_wait_ms",
		.data		= XNET_SYSCTL_FIELD(time_wait_ms),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xnet_ms_min,
		.extra2		= &xnet_ms_max,
	},
	{
		.procname	= "max_syn_backlog",
		.data		= XNET_SYSCTL_FIELD(max_syn_backlog),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xnet_one,
		.extra2		= &xnet_conn_max_max,
	},
	{
		.procname	= "congestion_control",
		.data		= XNET_SYSCTL_NET,
		.maxlen		= 16,
		.mode		= 0644,
		.proc_handler	= xnet_sysctl_cong,
	},
	{
		.procname	= "syncookies",
		.data		= XNET_SYSCTL_FIELD(syncookies),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_TWO,
	},
	{
		.procname	= "mem",
		.data		= XNET_SYSCTL_FIELD(mem),
		.maxlen		= 3 * sizeof(int),
		.mode		= 0644,
		.proc_handler	= xnet_sysctl_mem,
	},
	{
		.procname	= "invalid_rate",
		.data		= XNET_SYSCTL_FIELD(invalid_rate),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &xnet_invalid_rate_max,
	},
	{
		.procname	= "rst_rate",
		.data		= XNET_SYSCTL_FIELD(rl_rate[XNET_RL_RST]),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &xnet_invalid_rate_max,
	},
	{
		.procname	= "ack_rate",
		.data		= XNET_SYSCTL_FIELD(rl_rate[XNET_RL_ACK]),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &xnet_invalid_rate_max,
	},
	{
		.procname	= "neigh_answer_rate",
		.data		= XNET_SYSCTL_FIELD(rl_rate[XNET_RL_NEIGH_ANSWER]),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &xnet_invalid_rate_max,
	},
	{
		.procname	= "neigh_query_rate",
		.data		= XNET_SYSCTL_FIELD(rl_rate[XNET_RL_NEIGH_QUERY]),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &xnet_invalid_rate_max,
	},
	{
		.procname	= "ratelimit_burst",
		.data		= XNET_SYSCTL_FIELD(rl_burst),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xnet_one,
		.extra2		= &xnet_burst_max,
	},
	{
		.procname	= "invalid_ratelimit_ms",
		.data		= XNET_SYSCTL_FIELD(invalid_ratelimit_ms),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &xnet_ms_max,
	},
	{
		.procname	= "orphan_retries",
		.data		= XNET_SYSCTL_FIELD(orphan_retries),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xnet_one,
		.extra2		= &xnet_orphan_retries_max,
	},
	{
		.procname	= "synack_retries",
		.data		= XNET_SYSCTL_FIELD(synack_retries),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xnet_one,
		.extra2		= &xnet_retries_max,
	},
	{
		.procname	= "max_orphans",
		.data		= XNET_SYSCTL_FIELD(max_orphans),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= xnet_sysctl_limit,
		.extra1		= &xnet_one,
		.extra2		= &xnet_conn_max_max,
	},
	{
		.procname	= "error_rate",
		.data		= XNET_SYSCTL_FIELD(rl_rate[XNET_RL_ERROR]),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &xnet_invalid_rate_max,
	},
	{
		.procname	= "toobig_rate",
		.data		= XNET_SYSCTL_FIELD(rl_rate[XNET_RL_TOOBIG]),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &xnet_invalid_rate_max,
	},
	{
		.procname	= "pmtu_max",
		.data		= XNET_SYSCTL_FIELD(pmtu_max),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= xnet_sysctl_limit,
		.extra1		= &xnet_one,
		.extra2		= &xnet_neigh_max_max,
	},
	{
		.procname	= "pmtu_expires_ms",
		.data		= XNET_SYSCTL_FIELD(pmtu_expires_ms),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xnet_ms_min,
		.extra2		= &xnet_ms_max,
	},
	{
		.procname	= "hoplimit",
		.data		= XNET_SYSCTL_FIELD(hoplimit),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xnet_one,
		.extra2		= &xnet_hoplimit_max,
	},
	{
		.procname	= "route_max",
		.data		= XNET_SYSCTL_FIELD(route_max),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= xnet_sysctl_limit,
		.extra1		= &xnet_one,
		.extra2		= &xnet_route_max_max,
	},
	{
		.procname	= "forwarding",
		.data		= XNET_SYSCTL_FIELD(forwarding),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	{
		.procname	= "secure",
		.data		= XNET_SYSCTL_FIELD(secure),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_TWO,
	},
	{
		.procname	= "rekey_ms",
		.data		= XNET_SYSCTL_FIELD(rekey_ms),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xnet_rekey_ms_min,
		.extra2		= &xnet_rekey_ms_max,
	},
	{
		.procname	= "session_max",
		.data		= XNET_SYSCTL_FIELD(session_max),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= xnet_sysctl_limit,
		.extra1		= &xnet_one,
		.extra2		= &xnet_session_max_max,
	},
	{
		.procname	= "key_max",
		.data		= XNET_SYSCTL_FIELD(key_max),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= xnet_sysctl_limit,
		.extra1		= &xnet_one,
		.extra2		= &xnet_key_max_max,
	},
	{ }
};

static int xnet_sysctl_init(struct xnet_net *xn)
{
	struct ctl_table *tbl;
	int i;

	tbl = kmemdup(xnet_sysctl_template, sizeof(xnet_sysctl_template),
		      GFP_KERNEL);
	if (!tbl)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(xnet_sysctl_template) - 1; i++)
		tbl[i].data = (char *)xn + (uintptr_t)tbl[i].data;
	/* the host's limits: read-only where the host is not the owner */
	for (i = 0; i < ARRAY_SIZE(xnet_sysctl_template) - 1; i++)
		if (xn->net->user_ns != &init_user_ns &&
		    (tbl[i].proc_handler == xnet_sysctl_limit ||
		     tbl[i].proc_handler == xnet_sysctl_mem))
			tbl[i].mode = 0444;
	xn->sysctl_hdr = xnet_register_sysctl(xn->net, "net/xnet", tbl,
					      ARRAY_SIZE(xnet_sysctl_template) - 1);
	if (!xn->sysctl_hdr) {
		kfree(tbl);
		return -ENOMEM;
	}
	return 0;
}

static void xnet_sysctl_exit(struct xnet_net *xn)
{
	const struct ctl_table *tbl = xn->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(xn->sysctl_hdr);
	kfree(tbl);
}

int xnet_proc_net_init(struct xnet_net *xn)
{
	struct net *net = xn->net;
	int err = -ENOMEM;

	xn->proc_dir = proc_net_mkdir(net, "xnet", net->proc_net);
	if (!xn->proc_dir)
		return -ENOMEM;
	if (!proc_create_net_single("snmp", 0444, xn->proc_dir,
				    xnet_snmp_show, NULL) ||
	    !proc_create_net_single("sockets", 0444, xn->proc_dir,
				    xnet_sockets_show, NULL) ||
	    !proc_create_net_single("neigh", 0444, xn->proc_dir,
				    xnet_neigh_show, NULL) ||
	    !proc_create_net_single("mem", 0444, xn->proc_dir,
				    xnet_mem_show, NULL))
		goto err_proc;
	err = xnet_sysctl_init(xn);
	if (err)
		goto err_proc;
	return 0;

err_proc:
	remove_proc_subtree("xnet", net->proc_net);
	return err;
}

void xnet_proc_net_exit(struct xnet_net *xn)
{
	xnet_sysctl_exit(xn);
	remove_proc_subtree("xnet", xn->net->proc_net);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: per network namespace state.
 *
 * Context: pernet init/exit run in process context, under the pernet_ops
 * mutex. Sockets hold a reference on their netns, so no socket of this
 * netns exists when exit runs; devices have already been unregistered (or
 * moved) by then for a dying netns, but we flush anything left anyway.
 */
#include <linux/percpu.h>
#include <net/netns/generic.h>

#include "xnet.h"
#include "sec.h"

static unsigned int xnet_net_id __read_mostly;

struct xnet_net *xnet_pernet(const struct net *net)
{
	return net_generic(net, xnet_net_id);
}

u64 xnet_read_stat(struct xnet_net *xn, enum xnet_mib f)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(xn->mib, cpu)->mibs[f];
	return sum;
}

static int __net_init xnet_net_init(struct net *net)
{
	struct xnet_net *xn = xnet_pernet(net);
	int err;

	xn->net = net;
	INIT_LIST_HEAD(&xn->devs);
	xn->mib = alloc_percpu(struct xnet_mib_set);
	if (!xn->mib)
		return -ENOMEM;

	xn->neigh_max = 256;
	xn->neigh_retries = 3;
	xn->neigh_retrans_ms = 1000;
	xn->neigh_reachable_ms = 30000;
	xn->neigh_gc_ms = 60000;
	xn->max_connections = 65536;
	xn->time_wait_ms = 2000;
	xn->max_syn_backlog = 256;
	/* CUBIC, as Linux TCP's default */
	xn->cong_default = xnet_cong_index(xnet_cong_find("cubic"));
	xn->syncookies = 1;
	xn->orphan_retries = 6;
	xn->max_orphans = 16384;
	xn->synack_retries = 5;	/* as tcp_synack_retries */
	xn->hoplimit = XNET_HOPLIMIT_DEFAULT;
	xn->secure = XNET_SECURE_OFF;
	xn->rekey_ms = 120 * 1000;	/* WireGuard's REKEY_AFTER_TIME */
	xn->session_max = 1024;
	xn->key_max = 256;
	xnet_mem_net_init(xn);
	xnet_audit_net_init(xn);
	xnet_rl_net_init(xn);
	xnet_neigh_net_init(xn);
	xnet_pmtu_net_init(xn);
	err = xnet_route_net_init(xn);
	if (err)
		goto err_mib;

	err = xnet_keys_net_init(xn);
	if (err)
		goto err_route;
	err = xnet_sessions_net_init(xn);
	if (err)
		goto err_keys;
	err = xnet_proc_net_init(xn);
	if (err)
		goto err_sessions;
	return 0;

err_sessions:
	xnet_sessions_net_exit(xn);
err_keys:
	xnet_keys_net_exit(xn);
err_route:
	xnet_route_net_exit(xn);
err_mib:
	free_percpu(xn->mib);
	return err;
}

static void __net_exit xnet_net_exit(struct net *net)
{
	struct xnet_net *xn = xnet_pernet(net);

	xnet_proc_net_exit(xn);
	rtnl_lock();
	xnet_devs_flush(xn);
	rtnl_unlock();
	xnet_sessions_net_exit(xn);
	xnet_keys_net_exit(xn);
	xnet_route_net_exit(xn);
	xnet_neigh_net_exit(xn);
	xnet_pmtu_net_exit(xn);
	free_percpu(xn->mib);
}

static struct pernet_operations xnet_net_ops = {
	.init	= xnet_net_init,
	.exit	= xnet_net_exit,
	.id	= &xnet_net_id,
	.size	= sizeof(struct xnet_net),
};

int xnet_netns_init(void)
{
	return register_pernet_subsys(&xnet_net_ops);
}

void xnet_netns_exit(void)
{
	unregister_pernet_subsys(&xnet_net_ops);
}

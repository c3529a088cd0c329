// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: per-device state, addresses and netdev events.
 *
 * Locking: xn->devs and every xdev->addrs list are changed only under RTNL
 * (genetlink handlers take it; netdev notifiers already run under it) and
 * read under RCU by the receive and transmit paths. An xnet_dev holds a
 * tracked reference on its net_device from creation until it is destroyed
 * (last address deleted, NETDEV_UNREGISTER, netns exit or module exit);
 * dev_remove_pack() waits for receivers in flight, and the xnet_dev and
 * its addresses are freed after an RCU grace period.
 *
 * Addresses carry a prefix length (0: bare); each address's route is
 * added and removed with it (route.c), and xnet_dev_destroy() removes
 * every route through the device before the xnet_dev is freed;
 * address changes and every netdev event on a device of ours call
 * xnet_route_changed() so route.c's lookup cache forgets stale results.
 * Every address added or removed, also with its device, is announced on
 * the monitor group (notify.c).
 *
 * Context: everything here runs in process context.
 */
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>

#include "xnet.h"

static struct xnet_dev *xnet_dev_find(struct xnet_net *xn,
				      const struct net_device *dev)
{
	struct xnet_dev *xdev;

	list_for_each_entry_rcu(xdev, &xn->devs, list, lockdep_rtnl_is_held())
		if (xdev->dev == dev)
			return xdev;
	return NULL;
}

/* Which xnet_dev holds @addr in this netns; NULL if none. RCU or RTNL. */
struct xnet_dev *xnet_dev_by_addr_rcu(struct xnet_net *xn, __be32 addr)
{
	struct xnet_dev *xdev;

	list_for_each_entry_rcu(xdev, &xn->devs, list, lockdep_rtnl_is_held())
		if (xnet_dev_has_addr_rcu(xdev, addr))
			return xdev;
	return NULL;
}

bool xnet_dev_has_addr_rcu(struct xnet_dev *xdev, __be32 addr)
{
	struct xnet_ifaddr *ifa;

	list_for_each_entry_rcu(ifa, &xdev->addrs, list,
				lockdep_rtnl_is_held())
		if (ifa->addr == addr)
			return true;
	return false;
}

/* The address a frame leaving @xdev carries when its socket is unbound. */
__be32 xnet_dev_first_addr_rcu(struct xnet_dev *xdev)
{
	struct xnet_ifaddr *ifa;

	ifa = list_first_or_null_rcu(&xdev->addrs, struct xnet_ifaddr, list);
	return ifa ? ifa->addr : 0;
}

static struct xnet_dev *xnet_dev_create(struct xnet_net *xn,
					struct net_device *dev)
{
	struct xnet_dev *xdev;

	xdev = kzalloc(sizeof(*xdev), GFP_KERNEL);
	if (!xdev)
		return NULL;
	xdev->dev = dev;
	xdev->xn = xn;
	INIT_LIST_HEAD(&xdev->addrs);
	netdev_hold(dev, &xdev->dev_tracker, GFP_KERNEL);
	xnet_dev_attach_rx(xdev);
	list_add_tail_rcu(&xdev->list, &xn->devs);
	return xdev;
}

static void xnet_dev_destroy(struct xnet_dev *xdev)
{
	struct xnet_ifaddr *ifa, *tmp;

	ASSERT_RTNL();
	xnet_route_dev_down(xdev->xn, xdev);
	list_del_rcu(&xdev->list);
	dev_remove_pack(&xdev->pt);	/* waits for receivers in flight */
	xnet_neigh_flush(xdev->xn, xdev->dev, 0);
	list_for_each_entry_safe(ifa, tmp, &xdev->addrs, list) {
		list_del_rcu(&ifa->list);
		xnet_notify_addr(xdev->xn, xdev->dev, ifa->addr, ifa->prefixlen,
				 XNET_CMD_ADDR_DEL);
		kfree_rcu(ifa, rcu);
	}
	netdev_put(xdev->dev, &xdev->dev_tracker);
	kfree_rcu(xdev, rcu);
}

/*
 * Add @addr/@prefixlen on device @ifindex; @prefixlen 0: a bare address
 * (docs/PROTOCOL.md). Its route (route.c) comes with it.
 */
int xnet_addr_add(struct net *net, int ifindex, __be32 addr, u8 prefixlen)
{
	struct xnet_net *xn = xnet_pernet(net);
	struct xnet_ifaddr *ifa;
	struct net_device *dev;
	struct xnet_dev *xdev;
	bool created = false;
	int err;

	ASSERT_RTNL();
	if (addr == htonl(XNET_ADDR_ANY) || addr == htonl(XNET_ADDR_BROADCAST) ||
	    prefixlen > 32)
		return -EINVAL;
	dev = __dev_get_by_index(net, ifindex);
	if (!dev)
		return -ENODEV;
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN ||
	    !dev->header_ops)
		return -EOPNOTSUPP;
	if (xnet_dev_by_addr_rcu(xn, addr))
		return -EEXIST;

	ifa = kzalloc(sizeof(*ifa), GFP_KERNEL);
	if (!ifa)
		return -ENOMEM;
	ifa->addr = addr;
	ifa->prefixlen = prefixlen;

	xdev = xnet_dev_find(xn, dev);
	if (!xdev) {
		xdev = xnet_dev_create(xn, dev);
		if (!xdev) {
			kfree(ifa);
			return -ENOMEM;
		}
		created = true;
	}
	err = xnet_route_addr_add(xn, xdev, addr, prefixlen);
	if (err) {
		kfree(ifa);
		if (created)
			xnet_dev_destroy(xdev);
		return err;
	}
	if (!prefixlen)
		WRITE_ONCE(xdev->nbare, xdev->nbare + 1);
	list_add_tail_rcu(&ifa->list, &xdev->addrs);
	xnet_route_changed(xn);	/* a source or saddr check may change */
	xnet_notify_addr(xn, dev, addr, prefixlen, XNET_CMD_ADDR_ADD);
	return 0;
}

int xnet_addr_del(struct net *net, int ifindex, __be32 addr)
{
	struct xnet_net *xn = xnet_pernet(net);
	struct xnet_ifaddr *ifa;
	struct net_device *dev;
	struct xnet_dev *xdev;

	ASSERT_RTNL();
	dev = __dev_get_by_index(net, ifindex);
	if (!dev)
		return -ENODEV;
	xdev = xnet_dev_find(xn, dev);
	if (!xdev)
		return -EADDRNOTAVAIL;
	list_for_each_entry(ifa, &xdev->addrs, list) {
		if (ifa->addr != addr)
			continue;
		list_del_rcu(&ifa->list);
		if (!ifa->prefixlen)
			WRITE_ONCE(xdev->nbare, xdev->nbare - 1);
		xnet_route_addr_del(xn, xdev, addr, ifa->prefixlen);
		xnet_route_changed(xn);
		xnet_notify_addr(xn, dev, addr, ifa->prefixlen,
				 XNET_CMD_ADDR_DEL);
		kfree_rcu(ifa, rcu);
		if (list_empty(&xdev->addrs))
			xnet_dev_destroy(xdev);
		return 0;
	}
	return -EADDRNOTAVAIL;
}

/* Drop every xnet_dev of a netns: netns exit and module exit. RTNL. */
void xnet_devs_flush(struct xnet_net *xn)
{
	struct xnet_dev *xdev, *tmp;

	list_for_each_entry_safe(xdev, tmp, &xn->devs, list)
		xnet_dev_destroy(xdev);
}

static int xnet_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct xnet_net *xn = xnet_pernet(dev_net(dev));
	struct xnet_dev *xdev;

	xdev = xnet_dev_find(xn, dev);
	if (!xdev)
		return NOTIFY_DONE;

	/*
	 * Route lookups test netif_running() and read the MTU: any event
	 * on the device (UP, DOWN, CHANGE, CHANGEMTU, UNREGISTER...), sent
	 * after the change is made, makes cached lookups stale (route.c).
	 */
	xnet_route_changed(xn);
	switch (event) {
	case NETDEV_PRE_TYPE_CHANGE:
		/* xnet needs Ethernet: refuse while addresses are configured */
		return notifier_from_errno(-EBUSY);
	case NETDEV_POST_TYPE_CHANGE:
		if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN)
			xnet_dev_destroy(xdev);
		break;
	case NETDEV_UNREGISTER:
		/* also covers a move to another netns */
		xnet_dev_destroy(xdev);
		xnet_conn_kick_orphans(dev_net(dev));
		break;
	case NETDEV_DOWN:
	case NETDEV_CHANGEADDR:
		/* mappings learnt through this device are no longer valid */
		xnet_neigh_flush(xn, dev, 0);
		break;
	default:
		/* MTU and state are read at each send */
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block xnet_netdev_notifier = {
	.notifier_call = xnet_netdev_event,
};

int xnet_dev_init(void)
{
	return register_netdevice_notifier(&xnet_netdev_notifier);
}

void xnet_dev_exit(void)
{
	unregister_netdevice_notifier(&xnet_netdev_notifier);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: long-term keys, the protection policy and neighbour frames'
 * authentication (sec.h). STUB: no key is ever configured.
 */
#include "sec.h"

int xnet_keys_net_init(struct xnet_net *xn)
{
	return 0;
}

void xnet_keys_net_exit(struct xnet_net *xn)
{
}

struct xnet_key *xnet_key_get(struct xnet_net *xn, __be32 peer, int ifindex)
{
	return NULL;
}

struct xnet_key *xnet_key_get_fpr(struct xnet_net *xn, __be32 peer,
				  int ifindex, const u8 *fpr)
{
	return NULL;
}

void xnet_key_put(struct xnet_key *key)
{
}

int xnet_key_mac(const struct xnet_key *key, const struct kvec *v,
		 unsigned int n, u8 out[SHA256_DIGEST_SIZE])
{
	return -ENOKEY;
}

bool xnet_sec_wanted(struct xnet_net *xn, __be32 peer, int ifindex)
{
	return false;
}

bool xnet_sec_plain_ok(struct xnet_net *xn, struct xnet_dev *xdev,
		       struct sk_buff *skb)
{
	return READ_ONCE(xn->secure) != XNET_SECURE_REQUIRE;
}

bool xnet_neigh_auth_add(struct xnet_net *xn, struct sk_buff *skb,
			 const struct net_device *dev)
{
	return false;
}

bool xnet_neigh_auth_check(struct xnet_net *xn, struct xnet_dev *xdev,
			   struct sk_buff *skb)
{
	return false;
}

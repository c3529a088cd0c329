// SPDX-License-Identifier: GPL-2.0
/* xnetctl route: see usage() in xnetctl.c. */
#include <net/if.h>

#include "xnetctl.h"

struct route_req {
	uint32_t prefix, gateway, ifindex, metric, from;
	int prefixlen;
	bool has_gw, has_metric, has_from;
	unsigned int count;
};

static int fill_route(struct nl_msg *msg, void *arg)
{
	struct route_req *r = arg;

	if (nla_put_u32(msg, XNET_ATTR_PREFIX, r->prefix) ||
	    nla_put_u8(msg, XNET_ATTR_PREFIXLEN, (uint8_t)r->prefixlen))
		return -1;
	if (r->has_gw && nla_put_u32(msg, XNET_ATTR_GATEWAY, r->gateway))
		return -1;
	if (r->ifindex && nla_put_u32(msg, XNET_ATTR_IFINDEX, r->ifindex))
		return -1;
	if (r->has_metric && nla_put_u32(msg, XNET_ATTR_METRIC, r->metric))
		return -1;
	return 0;
}

static int fill_route_get(struct nl_msg *msg, void *arg)
{
	struct route_req *r = arg;

	if (nla_put_u32(msg, XNET_ATTR_ADDR, r->prefix))
		return -1;
	if (r->ifindex && nla_put_u32(msg, XNET_ATTR_IFINDEX, r->ifindex))
		return -1;
	if (r->has_from && nla_put_u32(msg, XNET_ATTR_LOCAL_ADDR, r->from))
		return -1;
	return 0;
}

const char *route_type_name(uint8_t t)
{
	switch (t) {
	case XNET_ROUTE_CONNECTED: return "connected";
	case XNET_ROUTE_GATEWAY:   return "gateway";
	case XNET_ROUTE_BARE:      return "bare";
	}
	return "unknown";
}

/* One route (dump) or one lookup's answer (get). */
static int parse_route_msg(struct nlmsghdr *nlh, void *arg)
{
	struct route_req *r = arg;
	struct nlattr *tb[XNET_ATTR_MAX + 1];
	char ifname[IF_NAMESIZE + 1] = "", pbuf[24], gbuf[16], sbuf[16],
	     dbuf[16];
	uint32_t prefix = 0, gw = 0, ifindex = 0, metric = 0, src = 0,
		 mtu = 0, dst = 0;
	bool has_gw, has_src, has_mtu, has_type, has_dst;
	uint8_t plen = 0, type = 0;

	if (parse_genl(nlh, tb, XNET_ATTR_MAX) < 0)
		return NL_SKIP;
	has_dst = get_u32(tb, XNET_ATTR_ADDR, &dst);
	get_u32(tb, XNET_ATTR_PREFIX, &prefix);
	get_u8(tb, XNET_ATTR_PREFIXLEN, &plen);
	has_type = get_u8(tb, XNET_ATTR_ROUTE_TYPE, &type);
	get_u32(tb, XNET_ATTR_METRIC, &metric);
	has_gw = get_u32(tb, XNET_ATTR_GATEWAY, &gw);
	has_src = get_u32(tb, XNET_ATTR_PREFSRC, &src);
	has_mtu = get_u32(tb, XNET_ATTR_MTU, &mtu);
	get_u32(tb, XNET_ATTR_IFINDEX, &ifindex);
	if (!get_str(tb[XNET_ATTR_IFNAME], ifname, sizeof(ifname)) && ifindex)
		ifname_of(ifindex, ifname);
	xnet_fmt_addr(prefix, pbuf);
	if (plen == 0 && (!has_type || type != XNET_ROUTE_BARE))
		strcpy(pbuf, "default");
	else
		snprintf(pbuf + strlen(pbuf), sizeof(pbuf) - strlen(pbuf),
			 "/%u", plen);
	xnet_fmt_addr(gw, gbuf);
	xnet_fmt_addr(src, sbuf);
	xnet_fmt_addr(dst, dbuf);
	r->count++;

	if (opt_json) {
		j_open('{');
		if (has_dst)
			j_str("dst", dbuf);
		if (has_type) {
			j_str("prefix", pbuf);
			j_str("type", route_type_name(type));
			j_uint("metric", metric);
		} else if (has_dst) {
			j_str("type", "local");
		}
		if (has_gw)
			j_str("gateway", gbuf);
		if (*ifname)
			j_str("dev", ifname);
		if (has_src)
			j_str("prefsrc", sbuf);
		if (has_mtu)
			j_uint("mtu", mtu);
		j_close('}');
		return NL_OK;
	}
	if (has_dst && !has_type) {
		printf("local %s dev %s src %s\n", dbuf, ifname, sbuf);
		return NL_OK;
	}
	if (has_dst) {
		/* route get: like ip route get, then the route it took */
		printf("%s", dbuf);
		if (has_gw)
			printf(" via %s", gbuf);
		printf(" dev %s", *ifname ? ifname : "*");
		if (has_src)
			printf(" src %s", sbuf);
		if (has_mtu)
			printf(" mtu %u", mtu);
		printf(" route %s type %s metric %u\n", pbuf,
		       route_type_name(type), metric);
		return NL_OK;
	}
	printf("%s", pbuf);
	if (has_gw)
		printf(" via %s", gbuf);
	if (*ifname)
		printf(" dev %s", ifname);
	printf(" type %s metric %u\n", route_type_name(type), metric);
	return NL_OK;
}

int cmd_route(struct xnl *x, int argc, char **argv)
{
	struct route_req r = { .prefixlen = -1 };
	const char *sub = argc > 0 ? argv[0] : "show";
	const char *dev = NULL, *dst = NULL;
	char ext[256], *end;
	int i, err;

	if (matches(sub, W_ADD) || matches(sub, W_DEL)) {
		bool add = matches(sub, W_ADD);

		for (i = 1; i < argc; i++) {
			const char *k = argv[i];

			if (!strcmp(k, "via") || !strcmp(k, "dev") ||
			    !strcmp(k, "metric")) {
				if (++i >= argc)
					usage_error("'%s' needs a value", k);
				if (!strcmp(k, "via")) {
					r.gateway = parse_addr_or_die(argv[i]);
					r.has_gw = true;
				} else if (!strcmp(k, "dev")) {
					dev = argv[i];
				} else {
					unsigned long m;

					errno = 0;
					m = strtoul(argv[i], &end, 10);
					if (errno || *end || !*argv[i] ||
					    m > UINT32_MAX)
						usage_error("bad metric: %s",
							    argv[i]);
					r.metric = (uint32_t)m;
					r.has_metric = true;
				}
			} else if (!dst) {
				dst = k;
			} else {
				usage_error("unexpected argument: %s", k);
			}
		}
		if (!dst)
			usage_error("route %s: missing PREFIX/LEN", sub);
		if (!strcmp(dst, "default")) {
			r.prefix = 0;
			r.prefixlen = 0;
		} else {
			r.prefix = parse_prefix_or_die(dst, &r.prefixlen);
			if (r.prefixlen < 0)
				r.prefixlen = 32;
		}
		if (add && !r.has_gw)
			usage_error("route add: missing 'via ADDR'");
		if (dev)
			r.ifindex = ifindex_or_die(dev);
		xnl_open(x);
		err = xnl_run(x, add ? XNET_CMD_ROUTE_ADD : XNET_CMD_ROUTE_DEL,
			      NLM_F_REQUEST | NLM_F_ACK, fill_route, NULL, &r,
			      ext, sizeof(ext));
		if (err)
			die_kernel(err, OP_ROUTE, dev, dst, ext);
		return 0;
	}
	if (matches(sub, W_GET)) {
		for (i = 1; i < argc; i++) {
			if (!strcmp(argv[i], "oif") || !strcmp(argv[i], "dev")) {
				if (++i >= argc)
					usage_error("'oif' needs a device");
				r.ifindex = ifindex_or_die(argv[i]);
			} else if (!strcmp(argv[i], "from")) {
				if (++i >= argc)
					usage_error("'from' needs an address");
				r.from = parse_addr_or_die(argv[i]);
				r.has_from = true;
			} else if (!strcmp(argv[i], "to") && !dst && i + 1 < argc) {
				dst = argv[++i];
			} else if (!dst) {
				dst = argv[i];
			} else {
				usage_error("unexpected argument: %s", argv[i]);
			}
		}
		if (!dst)
			usage_error("route get: missing address");
		r.prefix = parse_addr_or_die(dst);
		xnl_open(x);
		err = xnl_run(x, XNET_CMD_ROUTE_LOOKUP,
			      NLM_F_REQUEST | NLM_F_ACK, fill_route_get,
			      parse_route_msg, &r, ext, sizeof(ext));
		if (err)
			die_kernel(err, OP_ROUTE, NULL, dst, ext);
		return 0;
	}
	if (!matches(sub, W_SHOW))
		usage_error("unknown route command: %s", sub);
	if (argc > 1)
		usage_error("unexpected argument: %s", argv[1]);
	xnl_open(x);
	if (opt_json)
		j_open('[');
	err = xnl_run(x, XNET_CMD_ROUTE_GET, NLM_F_REQUEST | NLM_F_DUMP,
		      NULL, parse_route_msg, &r, ext, sizeof(ext));
	if (err)
		die_kernel(err, OP_DUMP, NULL, NULL, ext);
	if (opt_json)
		j_close(']');
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* xnetctl addr: see usage() in xnetctl.c. */
#include <net/if.h>

#include <ifaddrs.h>
#include <linux/if_link.h>

#include "xnetctl.h"

/* Request filler: @arg points at a struct ifaddr_sel. */
int fill_ifindex_addr(struct nl_msg *msg, void *arg)
{
	struct ifaddr_sel *r = arg;

	if (r->has_ifindex && nla_put_u32(msg, XNET_ATTR_IFINDEX, r->ifindex))
		return -1;
	if (r->has_addr && nla_put_u32(msg, XNET_ATTR_ADDR, r->addr))
		return -1;
	if (r->prefixlen > 0 &&
	    nla_put_u8(msg, XNET_ATTR_PREFIXLEN, (uint8_t)r->prefixlen))
		return -1;
	return 0;
}

/* "A.B.C.D" or "A.B.C.D/LEN"; *len -1 when no /LEN is given. */
uint32_t parse_prefix_or_die(const char *s, int *len)
{
	char buf[32], *slash, *end;
	long l;

	if (strlen(s) >= sizeof(buf))
		usage_error("bad address: %s", s);
	strcpy(buf, s);
	*len = -1;
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		l = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || l < 0 || l > 32)
			usage_error("bad prefix length: %s", s);
		*len = (int)l;
	}
	return parse_addr_or_die(buf);
}

struct addr_req {
	struct ifaddr_sel sel;
	unsigned int filter_ifindex;	/* 0: all */
	unsigned int count;
};

/* -s: @ifname's link counters (as ip -s addr shows them); false if none. */
static bool link_stats(const char *ifname, struct rtnl_link_stats *st)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa) < 0)
		return false;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_PACKET ||
		    !i->ifa_data || strcmp(i->ifa_name, ifname))
			continue;
		*st = *(struct rtnl_link_stats *)i->ifa_data;
		found = true;
		break;
	}
	freeifaddrs(ifa);
	return found;
}

static void print_link_stats(const struct rtnl_link_stats *st)
{
	if (opt_json) {
		j_key("stats");
		j_open('{');
		j_key("rx");
		j_open('{');
		j_uint("bytes", st->rx_bytes);
		j_uint("packets", st->rx_packets);
		j_uint("errors", st->rx_errors);
		j_uint("dropped", st->rx_dropped);
		j_close('}');
		j_key("tx");
		j_open('{');
		j_uint("bytes", st->tx_bytes);
		j_uint("packets", st->tx_packets);
		j_uint("errors", st->tx_errors);
		j_uint("dropped", st->tx_dropped);
		j_close('}');
		j_close('}');
		return;
	}
	printf("    RX: %12s %10s %8s %8s\n", "bytes", "packets", "errors",
	       "dropped");
	printf("        %12u %10u %8u %8u\n", st->rx_bytes, st->rx_packets,
	       st->rx_errors, st->rx_dropped);
	printf("    TX: %12s %10s %8s %8s\n", "bytes", "packets", "errors",
	       "dropped");
	printf("        %12u %10u %8u %8u\n", st->tx_bytes, st->tx_packets,
	       st->tx_errors, st->tx_dropped);
}

static int parse_addr_msg(struct nlmsghdr *nlh, void *arg)
{
	struct addr_req *r = arg;
	struct nlattr *tb[XNET_ATTR_MAX + 1];
	char ifname[IF_NAMESIZE + 1] = "", abuf[24];
	struct rtnl_link_stats st;
	uint32_t ifindex = 0, addr;
	uint8_t plen = 0;
	bool has_st;

	if (parse_genl(nlh, tb, XNET_ATTR_MAX) < 0)
		return NL_SKIP;
	if (!get_u32(tb, XNET_ATTR_ADDR, &addr))
		return NL_SKIP;
	get_u8(tb, XNET_ATTR_PREFIXLEN, &plen);
	get_u32(tb, XNET_ATTR_IFINDEX, &ifindex);
	if (r->filter_ifindex && ifindex != r->filter_ifindex)
		return NL_OK;
	if (!get_str(tb[XNET_ATTR_IFNAME], ifname, sizeof(ifname)) || !*ifname) {
		if (ifindex)
			ifname_of(ifindex, ifname);
		else
			strcpy(ifname, "?");
	}
	xnet_fmt_addr(addr, abuf);
	r->count++;
	has_st = opt_stats && link_stats(ifname, &st);

	if (opt_json) {
		j_open('{');
		j_uint("ifindex", ifindex);
		j_str("ifname", ifname);
		j_str("family", "xnet");
		j_str("local", abuf);
		j_uint("prefixlen", plen);
		if (has_st)
			print_link_stats(&st);
		j_close('}');
	} else {
		if (plen)
			snprintf(abuf + strlen(abuf), sizeof(abuf) - strlen(abuf),
				 "/%u", plen);
		printf("%u: %s xnet %s\n", ifindex, ifname, abuf);
		if (has_st)
			print_link_stats(&st);
	}
	return NL_OK;
}

int cmd_addr(struct xnl *x, int argc, char **argv)
{
	struct addr_req r = { .sel.prefixlen = -1 };
	const char *sub = argc > 0 ? argv[0] : "show";
	const char *addr_s = NULL, *dev = NULL;
	int i, err;
	char ext[256];

	if (matches(sub, W_ADD) || matches(sub, W_DEL)) {
		bool add = matches(sub, W_ADD);

		for (i = 1; i < argc; i++) {
			if (!strcmp(argv[i], "dev")) {
				if (++i >= argc)
					usage_error("'dev' needs an interface name");
				if (dev)
					usage_error("'dev' given twice");
				dev = argv[i];
			} else if (!strcmp(argv[i], "local") && i + 1 < argc &&
				   !addr_s) {
				addr_s = argv[++i];
			} else if (!addr_s) {
				addr_s = argv[i];
			} else {
				usage_error("unexpected argument: %s", argv[i]);
			}
		}
		if (!addr_s)
			usage_error("addr %s: missing address", sub);
		r.sel.addr = parse_prefix_or_die(addr_s, &r.sel.prefixlen);
		if (!dev)
			usage_error("addr %s: missing 'dev IFNAME'", sub);
		r.sel.ifindex = ifindex_or_die(dev);
		r.sel.has_addr = r.sel.has_ifindex = true;

		xnl_open(x);
		err = xnl_run(x, add ? XNET_CMD_ADDR_ADD : XNET_CMD_ADDR_DEL,
			      NLM_F_REQUEST | NLM_F_ACK, fill_ifindex_addr,
			      NULL, &r.sel, ext, sizeof(ext));
		if (err)
			die_kernel(err, add ? OP_ADDR_ADD : OP_ADDR_DEL, dev,
				   addr_s, ext);
		return 0;
	}

	if (!matches(sub, W_SHOW) && strcmp(sub, "dev"))
		usage_error("unknown addr command: %s", sub);
	i = matches(sub, W_SHOW) ? 1 : 0;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "dev")) {
			if (++i >= argc)
				usage_error("'dev' needs an interface name");
			dev = argv[i];
		} else {
			usage_error("unexpected argument: %s", argv[i]);
		}
	}
	if (dev)
		r.filter_ifindex = ifindex_or_die(dev);

	xnl_open(x);
	if (opt_json)
		j_open('[');
	err = xnl_run(x, XNET_CMD_ADDR_GET, NLM_F_REQUEST | NLM_F_DUMP,
		      NULL, parse_addr_msg, &r, ext, sizeof(ext));
	if (err)
		die_kernel(err, OP_DUMP, dev, NULL, ext);
	if (opt_json)
		j_close(']');
	return 0;
}

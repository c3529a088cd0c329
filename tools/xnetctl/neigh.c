// SPDX-License-Identifier: GPL-2.0
/* xnetctl neigh: see usage() in xnetctl.c. */
#include <net/if.h>

#include "xnetctl.h"

/* NULL for a state this xnetctl does not know */
const char *neigh_state_name(uint8_t s)
{
	switch (s) {
	case XNET_NEIGH_INCOMPLETE: return "INCOMPLETE";
	case XNET_NEIGH_REACHABLE:  return "REACHABLE";
	case XNET_NEIGH_STALE:      return "STALE";
	case XNET_NEIGH_FAILED:     return "FAILED";
	}
	return NULL;
}

struct neigh_req {
	struct ifaddr_sel sel;
	unsigned int filter_ifindex;
};

static int parse_neigh_msg(struct nlmsghdr *nlh, void *arg)
{
	struct neigh_req *r = arg;
	struct nlattr *tb[XNET_ATTR_MAX + 1];
	char ifname[IF_NAMESIZE + 1] = "", abuf[16], lladdr[18] = "";
	char statebuf[16];
	const char *state = NULL;
	uint32_t ifindex = 0, addr, age = 0, qlen = 0;
	uint8_t st = 0;
	bool has_age, has_qlen, has_state;

	if (parse_genl(nlh, tb, XNET_ATTR_MAX) < 0)
		return NL_SKIP;
	if (!get_u32(tb, XNET_ATTR_ADDR, &addr))
		return NL_SKIP;
	get_u32(tb, XNET_ATTR_IFINDEX, &ifindex);
	if (r->filter_ifindex && ifindex != r->filter_ifindex)
		return NL_OK;
	if (!get_str(tb[XNET_ATTR_IFNAME], ifname, sizeof(ifname)) || !*ifname) {
		if (ifindex)
			ifname_of(ifindex, ifname);
		else
			strcpy(ifname, "?");
	}
	if (attr_ok(tb[XNET_ATTR_LLADDR], 6)) {
		const uint8_t *m = nla_data(tb[XNET_ATTR_LLADDR]);

		snprintf(lladdr, sizeof(lladdr),
			 "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	has_state = get_u8(tb, XNET_ATTR_NEIGH_STATE, &st);
	if (has_state) {
		state = neigh_state_name(st);
		if (!state) {
			snprintf(statebuf, sizeof(statebuf), "UNKNOWN(%u)", st);
			state = statebuf;
		}
	}
	/* the entry's own figures, with -s (as ip -s neigh) */
	has_age = opt_stats && get_u32(tb, XNET_ATTR_AGE_MS, &age);
	has_qlen = opt_stats && get_u32(tb, XNET_ATTR_NEIGH_QLEN, &qlen);
	xnet_fmt_addr(addr, abuf);

	if (opt_json) {
		j_open('{');
		j_str("dst", abuf);
		j_uint("ifindex", ifindex);
		j_str("dev", ifname);
		if (*lladdr)
			j_str("lladdr", lladdr);
		else
			j_null("lladdr");
		if (state)
			j_str("state", state);
		if (has_age)
			j_uint("age_ms", age);
		if (has_qlen)
			j_uint("qlen", qlen);
		j_close('}');
	} else {
		printf("%s dev %s", abuf, ifname);
		if (*lladdr)
			printf(" lladdr %s", lladdr);
		if (state)
			printf(" %s", state);
		if (has_age)
			printf(" age %ums", age);
		if (has_qlen)
			printf(" qlen %u", qlen);
		putchar('\n');
	}
	return NL_OK;
}

int cmd_neigh(struct xnl *x, int argc, char **argv)
{
	struct neigh_req r = { 0 };
	const char *sub = argc > 0 ? argv[0] : "show";
	const char *dev = NULL, *addr_s = NULL;
	bool flush;
	char ext[256];
	int i, err;

	flush = matches(sub, W_FLUSH);
	if (!flush && !matches(sub, W_SHOW) && strcmp(sub, "dev"))
		usage_error("unknown neigh command: %s", sub);
	i = (flush || matches(sub, W_SHOW)) ? 1 : 0;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "dev")) {
			if (++i >= argc)
				usage_error("'dev' needs an interface name");
			dev = argv[i];
		} else if (flush && !strcmp(argv[i], "to") && !addr_s) {
			if (++i >= argc)
				usage_error("'to' needs an address");
			addr_s = argv[i];
		} else if (flush && !addr_s) {
			addr_s = argv[i];
		} else {
			usage_error("unexpected argument: %s", argv[i]);
		}
	}
	if (addr_s) {
		r.sel.addr = parse_addr_or_die(addr_s);
		r.sel.has_addr = true;
	}
	if (dev) {
		r.sel.ifindex = r.filter_ifindex = ifindex_or_die(dev);
		r.sel.has_ifindex = true;
	}

	xnl_open(x);
	if (flush) {
		err = xnl_run(x, XNET_CMD_NEIGH_FLUSH, NLM_F_REQUEST | NLM_F_ACK,
			      fill_ifindex_addr, NULL, &r.sel, ext, sizeof(ext));
		if (err)
			die_kernel(err, OP_NEIGH_FLUSH, dev, addr_s, ext);
		return 0;
	}
	if (opt_json)
		j_open('[');
	err = xnl_run(x, XNET_CMD_NEIGH_GET, NLM_F_REQUEST | NLM_F_DUMP,
		      NULL, parse_neigh_msg, &r, ext, sizeof(ext));
	if (err)
		die_kernel(err, OP_DUMP, dev, NULL, ext);
	if (opt_json)
		j_close(']');
	return 0;
}

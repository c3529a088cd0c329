// SPDX-License-Identifier: GPL-2.0
/* xnetctl stats: see usage() in xnetctl.c. */
#include <net/if.h>

#include "xnetctl.h"

struct stat_ent {
	char name[64];
	unsigned long long value;
};

struct stats_req {
	struct stat_ent *v;
	size_t n, cap;
};

static int parse_stats_msg(struct nlmsghdr *nlh, void *arg)
{
	struct stats_req *r = arg;
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		struct nlattr *tb[XNET_STAT_ATTR_MAX + 1];
		struct stat_ent e;

		if (nla_type(a) != XNET_ATTR_STAT)
			continue;
		if (nla_parse_nested(tb, XNET_STAT_ATTR_MAX, a, NULL) < 0)
			continue;
		if (!get_str(tb[XNET_STAT_ATTR_NAME], e.name, sizeof(e.name)) ||
		    !*e.name)
			continue;
		if (!get_uint(tb[XNET_STAT_ATTR_VALUE], &e.value))
			continue;
		if (r->n == r->cap) {
			size_t nc = r->cap ? r->cap * 2 : 64;
			struct stat_ent *nv = realloc(r->v, nc * sizeof(*nv));

			if (!nv)
				die(EXIT_RUNTIME, "out of memory");
			r->v = nv;
			r->cap = nc;
		}
		r->v[r->n++] = e;
	}
	return NL_OK;
}

int cmd_stats(struct xnl *x, int argc, char **argv)
{
	struct stats_req r = { 0 };
	char ext[256];
	size_t i;
	int err;

	if (argc > 0)
		usage_error("unexpected argument: %s", argv[0]);
	xnl_open(x);
	/* The kernel may implement STATS_GET as a doit or as a dump. */
	err = xnl_run(x, XNET_CMD_STATS_GET, NLM_F_REQUEST | NLM_F_ACK, NULL,
		      parse_stats_msg, &r, ext, sizeof(ext));
	if (err == EOPNOTSUPP) {
		r.n = 0;
		err = xnl_run(x, XNET_CMD_STATS_GET,
			      NLM_F_REQUEST | NLM_F_DUMP, NULL,
			      parse_stats_msg, &r, ext, sizeof(ext));
	}
	if (err)
		die_kernel(err, OP_STATS, NULL, NULL, ext);

	if (opt_json) {
		j_open('{');
		for (i = 0; i < r.n; i++)
			j_uint(r.v[i].name, r.v[i].value);
		j_close('}');
	} else {
		for (i = 0; i < r.n; i++)
			printf("%s %llu\n", r.v[i].name, r.v[i].value);
	}
	free(r.v);
	return 0;
}

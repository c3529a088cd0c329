// SPDX-License-Identifier: GPL-2.0
/*
 * xnetctl monitor [all|addr|neigh|route|key]...: the changes the kernel
 * announces on the family's "monitor" group, as ip monitor prints
 * rtnetlink's: one line per event ("Deleted " before removals), or one
 * JSON object per line with -j. Only the netns xnetctl runs in (ip netns
 * exec NAME xnetctl monitor). stdout is flushed after every event, so it
 * works in a pipe. A socket that overflowed (the kernel dropped events:
 * ENOBUFS) is reported as "monitor: events lost" on stderr (and as
 * {"event":"lost"} with -j) and the watch goes on. SIGINT and SIGTERM
 * end it with status 0.
 */
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "xnetctl.h"

enum { MON_ADDR = 1, MON_NEIGH = 2, MON_ROUTE = 4, MON_KEY = 8,
       MON_ALL = 15 };

static volatile sig_atomic_t mon_stop;

static void mon_signal(int sig)
{
	(void)sig;
	mon_stop = 1;
}

/* The names the dumps use: neigh.c, route.c and key.c's. */
static const char *mon_neigh_state(uint8_t s)
{
	const char *n = neigh_state_name(s);

	return n ? n : "UNKNOWN";
}

/* The device's name: the message's, else the local one, else "ifN". */
static void mon_ifname(struct nlattr **tb, uint32_t ifindex, char *buf)
{
	if (get_str(tb[XNET_ATTR_IFNAME], buf, IF_NAMESIZE + 1) && *buf)
		return;
	if (ifindex)
		ifname_of(ifindex, buf);
	else
		strcpy(buf, "?");
}

/* "addr" in JSON, [ADDR] in text, as ip monitor tags its lines */
static void mon_head(const char *event, const char *action, bool del)
{
	int i;

	if (opt_json) {
		j_open('{');
		j_str("event", event);
		j_str("action", action);
		return;
	}
	putchar('[');
	for (i = 0; event[i]; i++)
		putchar(event[i] - 'a' + 'A');
	printf("] %s", del ? "Deleted " : "");
}

static void mon_addr(struct nlattr **tb, bool del)
{
	char ifname[IF_NAMESIZE + 1], abuf[24];
	uint32_t ifindex = 0, addr = 0;
	uint8_t plen = 0;

	get_u32(tb, XNET_ATTR_IFINDEX, &ifindex);
	get_u32(tb, XNET_ATTR_ADDR, &addr);
	get_u8(tb, XNET_ATTR_PREFIXLEN, &plen);
	mon_ifname(tb, ifindex, ifname);
	xnet_fmt_addr(addr, abuf);
	mon_head("addr", del ? "del" : "add", del);
	if (opt_json) {
		j_uint("ifindex", ifindex);
		j_str("ifname", ifname);
		j_str("local", abuf);
		j_uint("prefixlen", plen);
		j_close('}');
		return;
	}
	if (plen)
		snprintf(abuf + strlen(abuf), sizeof(abuf) - strlen(abuf),
			 "/%u", plen);
	printf("%s dev %s\n", abuf, ifname);
}

static void mon_neigh(struct nlattr **tb, bool del)
{
	char ifname[IF_NAMESIZE + 1] = "", abuf[16], lladdr[18] = "";
	uint32_t ifindex = 0, addr = 0;
	uint8_t st = 0;

	get_u32(tb, XNET_ATTR_ADDR, &addr);
	get_u8(tb, XNET_ATTR_NEIGH_STATE, &st);
	if (get_u32(tb, XNET_ATTR_IFINDEX, &ifindex))
		mon_ifname(tb, ifindex, ifname);
	if (attr_ok(tb[XNET_ATTR_LLADDR], 6)) {
		const uint8_t *m = nla_data(tb[XNET_ATTR_LLADDR]);

		snprintf(lladdr, sizeof(lladdr),
			 "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	xnet_fmt_addr(addr, abuf);
	mon_head("neigh", del ? "del" : "new", del);
	if (opt_json) {
		j_str("dst", abuf);
		j_uint("ifindex", ifindex);
		if (*ifname)
			j_str("dev", ifname);
		else
			j_null("dev");
		if (*lladdr)
			j_str("lladdr", lladdr);
		else
			j_null("lladdr");
		j_str("state", mon_neigh_state(st));
		j_close('}');
		return;
	}
	printf("%s", abuf);
	if (*ifname)
		printf(" dev %s", ifname);
	if (*lladdr)
		printf(" lladdr %s", lladdr);
	printf(" %s\n", mon_neigh_state(st));
}

static void mon_route(struct nlattr **tb, bool del)
{
	char ifname[IF_NAMESIZE + 1], pbuf[24], gbuf[16];
	uint32_t prefix = 0, gw = 0, ifindex = 0, metric = 0;
	uint8_t plen = 0, type = 0;
	bool has_gw;

	get_u32(tb, XNET_ATTR_PREFIX, &prefix);
	get_u8(tb, XNET_ATTR_PREFIXLEN, &plen);
	get_u8(tb, XNET_ATTR_ROUTE_TYPE, &type);
	get_u32(tb, XNET_ATTR_METRIC, &metric);
	has_gw = get_u32(tb, XNET_ATTR_GATEWAY, &gw);
	get_u32(tb, XNET_ATTR_IFINDEX, &ifindex);
	mon_ifname(tb, ifindex, ifname);
	xnet_fmt_addr(prefix, pbuf);
	if (plen == 0 && type != XNET_ROUTE_BARE)
		strcpy(pbuf, "default");
	else
		snprintf(pbuf + strlen(pbuf), sizeof(pbuf) - strlen(pbuf),
			 "/%u", plen);
	xnet_fmt_addr(gw, gbuf);
	mon_head("route", del ? "del" : "add", del);
	if (opt_json) {
		j_str("prefix", pbuf);
		j_str("type", route_type_name(type));
		j_uint("metric", metric);
		if (has_gw)
			j_str("gateway", gbuf);
		j_str("dev", ifname);
		j_close('}');
		return;
	}
	printf("%s", pbuf);
	if (has_gw)
		printf(" via %s", gbuf);
	printf(" dev %s type %s metric %u\n", ifname, route_type_name(type),
	       metric);
}

static void mon_key(struct nlattr **tb, bool del)
{
	char ifname[IF_NAMESIZE + 1] = "any", peer[16] = "default",
	     fpr[2 * XNET_KEY_FPR_LEN + 1] = "";
	uint32_t id = 0, paddr, ifindex = 0, use = 0;
	uint8_t alg = 0, state = 0;
	struct nlattr *fa;
	int i;

	get_u32(tb, XNET_ATTR_KEY_ID, &id);
	if (get_u32(tb, XNET_ATTR_PEER_ADDR, &paddr))
		xnet_fmt_addr(paddr, peer);
	if (get_u32(tb, XNET_ATTR_IFINDEX, &ifindex) && ifindex)
		ifname_of(ifindex, ifname);
	get_u8(tb, XNET_ATTR_KEY_ALG, &alg);
	get_u8(tb, XNET_ATTR_KEY_STATE, &state);
	get_u32(tb, XNET_ATTR_KEY_USE, &use);
	fa = attr_ok(tb[XNET_ATTR_KEY_FPR], XNET_KEY_FPR_LEN);
	for (i = 0; fa && i < XNET_KEY_FPR_LEN; i++)
		sprintf(fpr + 2 * i, "%02x", ((uint8_t *)nla_data(fa))[i]);
	mon_head("key", del ? "del" : "add", del);
	if (opt_json) {
		j_uint("id", id);
		j_str("peer", peer);
		j_str("dev", ifname);
		j_str("alg", key_alg_name(alg));
		j_str("state", key_state_name(state));
		j_uint("use", use);
		j_str("fingerprint", fpr);
		j_close('}');
		return;
	}
	printf("%u peer %s dev %s alg %s %s fingerprint %s\n", id, peer,
	       ifname, key_alg_name(alg), key_state_name(state), fpr);
}

/* One message from the group; nothing printed if it is not wanted. */
static void mon_msg(struct nlmsghdr *nlh, int family, unsigned int want)
{
	struct nlattr *tb[XNET_ATTR_MAX + 1];
	struct genlmsghdr *g;

	if (nlh->nlmsg_type != family ||
	    parse_genl(nlh, tb, XNET_ATTR_MAX) < 0)
		return;
	g = nlmsg_data(nlh);
	switch (g->cmd) {
	case XNET_CMD_ADDR_ADD:
	case XNET_CMD_ADDR_DEL:
		if (!(want & MON_ADDR))
			return;
		mon_addr(tb, g->cmd == XNET_CMD_ADDR_DEL);
		break;
	case XNET_CMD_NEIGH_NEW:
	case XNET_CMD_NEIGH_DEL:
		if (!(want & MON_NEIGH))
			return;
		mon_neigh(tb, g->cmd == XNET_CMD_NEIGH_DEL);
		break;
	case XNET_CMD_ROUTE_ADD:
	case XNET_CMD_ROUTE_DEL:
		if (!(want & MON_ROUTE))
			return;
		mon_route(tb, g->cmd == XNET_CMD_ROUTE_DEL);
		break;
	case XNET_CMD_KEY_ADD:
	case XNET_CMD_KEY_DEL:
		if (!(want & MON_KEY))
			return;
		mon_key(tb, g->cmd == XNET_CMD_KEY_DEL);
		break;
	default:
		return;		/* a newer kernel's event: skipped */
	}
	if (fflush(stdout) != 0)
		die(EXIT_RUNTIME, "write error: %s", strerror(errno));
}

static void mon_lost(void)
{
	fprintf(stderr, "%s: monitor: events lost\n", prog);
	if (opt_json) {
		j_open('{');
		j_str("event", "lost");
		j_close('}');
	}
	if (fflush(stdout) != 0)
		die(EXIT_RUNTIME, "write error: %s", strerror(errno));
}

static unsigned int mon_objects(int argc, char **argv)
{
	static const char *const w_all[] = { "all", NULL };
	static const char *const w_addr[] = { "addr", "address", "a", NULL };
	static const char *const w_neigh[] = { "neigh", "neighbor",
					       "neighbour", "n", NULL };
	static const char *const w_route[] = { "route", "r", "ro", NULL };
	static const char *const w_key[] = { "key", "keys", "k", NULL };
	/* each word as the first: a name, or a prefix of one object's */
	static const struct {
		const char *const *names;
		unsigned int bit;
	} objs[] = {
		{ w_all, MON_ALL }, { w_addr, MON_ADDR },
		{ w_neigh, MON_NEIGH }, { w_route, MON_ROUTE },
		{ w_key, MON_KEY },
	};
	unsigned int want = 0;
	int i, o;

	for (i = 0; i < argc; i++) {
		o = lookup_word(argv[i], objs, sizeof(objs) / sizeof(objs[0]),
				sizeof(objs[0]), "monitor object");
		if (o < 0)
			usage_error("unknown monitor object: %s (all, addr, neigh, route, key)",
				    argv[i]);
		want |= objs[o].bit;
	}
	return want ? want : MON_ALL;
}

int cmd_monitor(struct xnl *x, int argc, char **argv)
{
	unsigned int want = mon_objects(argc, argv);
	struct sigaction sa = { .sa_handler = mon_signal };
	static char buf[65536];
	int rcvbuf = 1 << 20;
	struct pollfd pfd;
	struct nlmsghdr *nlh;
	ssize_t n;
	int grp, len;

	xnl_open(x);
	/*
	 * Room for a burst, as ip monitor asks (libnl's 32 KB holds ~160
	 * events: less than the flush of a default neighbour table).
	 * Capped by net.core.rmem_max.
	 */
	(void)setsockopt(nl_socket_get_fd(x->sk), SOL_SOCKET, SO_RCVBUF,
			 &rcvbuf, sizeof(rcvbuf));
	grp = genl_ctrl_resolve_grp(x->sk, XNET_GENL_NAME,
				    XNET_GENL_MCGRP_MONITOR);
	if (grp < 0)
		die(EXIT_RUNTIME,
		    "the xnet module has no '" XNET_GENL_MCGRP_MONITOR
		    "' group (an older module?): %s", nl_geterror(grp));
	if (nl_socket_add_membership(x->sk, grp) < 0)
		die(EXIT_RUNTIME, "cannot join the monitor group: %s",
		    strerror(errno));
	/* no SA_RESTART: poll() returns EINTR and the loop ends */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		die(EXIT_RUNTIME, "sigaction: %s", strerror(errno));

	pfd.fd = nl_socket_get_fd(x->sk);
	pfd.events = POLLIN;
	while (!mon_stop) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_RUNTIME, "poll: %s", strerror(errno));
		}
		n = recv(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS)
				mon_lost();
			else if (errno != EINTR && errno != EAGAIN)
				die(EXIT_RUNTIME, "recv: %s", strerror(errno));
			continue;
		}
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len))
			mon_msg(nlh, x->family, want);
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xnetctl: what its files share. xnetctl.c has main(), the usage text,
 * argument helpers and the command dispatch; xnl.c the generic netlink
 * plumbing and the kernel-error messages; the JSON writer is shared
 * by the tools (tools/common/xnet_json.c); one
 * file per object (addr.c, neigh.c, stats.c, sockets.c, route.c, key.c).
 * Single-threaded: no locking anywhere.
 */
#ifndef XNETCTL_H
#define XNETCTL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

#include <linux/xnet.h>

#include "xnet_tools.h"
#include "xnet_json.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define EXIT_RUNTIME	1
#define EXIT_USAGE	2

#define REPLY_TIMEOUT_MS 5000

extern const char *prog;
extern bool opt_json;
extern bool opt_pretty;
extern bool opt_stats;

#define die(code, ...) xnet_die(prog, code, __VA_ARGS__)
#define usage_error(...) die(EXIT_USAGE, __VA_ARGS__)

/* the JSON writer: tools/common/xnet_json.c (j_open, j_str, ...) */

/* xnl.c */
struct xnl {
	struct nl_sock *sk;
	int family;
};

void xnl_open(struct xnl *x);
void xnl_close(struct xnl *x);
int xnl_run(struct xnl *x, uint8_t cmd, int flags,
	    int (*fill)(struct nl_msg *, void *),
	    int (*parse)(struct nlmsghdr *, void *), void *arg,
	    char *extack, size_t extack_len);
enum op { OP_ADDR_ADD, OP_ADDR_DEL, OP_DUMP, OP_NEIGH_FLUSH, OP_STATS,
	  OP_ROUTE, OP_KEY };
void __attribute__((noreturn))
die_kernel(int err, enum op op, const char *ifname, const char *addr,
	   const char *extack);
struct nlattr *attr_ok(struct nlattr *a, int minlen);
bool get_u8(struct nlattr **tb, int t, uint8_t *v);
bool get_u16(struct nlattr **tb, int t, uint16_t *v);
bool get_u32(struct nlattr **tb, int t, uint32_t *v);
bool get_uint(struct nlattr *a, unsigned long long *v);
bool get_str(struct nlattr *a, char *buf, size_t len);
int parse_genl(struct nlmsghdr *nlh, struct nlattr **tb, int max);

/* xnetctl.c: argument helpers */
bool matches(const char *arg, const char *const *names);
int lookup_word(const char *arg, const void *tab, size_t n, size_t size,
		const char *what);
extern const char *const W_SHOW[], *const W_ADD[], *const W_DEL[],
	*const W_FLUSH[], *const W_GET[];
uint32_t parse_addr_or_die(const char *s);
unsigned int ifindex_or_die(const char *name);
const char *ifname_of(unsigned int idx, char *buf);

/* addr.c, shared with neigh.c and route.c */
/* The device and address a request names; each part is optional. */
struct ifaddr_sel {
	uint32_t ifindex;
	uint32_t addr;
	bool has_ifindex, has_addr;
	int prefixlen;		/* -1: none given */
};

int fill_ifindex_addr(struct nl_msg *msg, void *arg);
uint32_t parse_prefix_or_die(const char *s, int *len);

/* the names the dumps print, shared with monitor.c */
const char *neigh_state_name(uint8_t s);
const char *route_type_name(uint8_t t);
const char *key_alg_name(uint8_t a);
const char *key_state_name(uint8_t s);

/* one per object file */
int cmd_addr(struct xnl *x, int argc, char **argv);
int cmd_neigh(struct xnl *x, int argc, char **argv);
int cmd_stats(struct xnl *x, int argc, char **argv);
int cmd_sockets(struct xnl *x, int argc, char **argv);
int cmd_route(struct xnl *x, int argc, char **argv);
int cmd_key(struct xnl *x, int argc, char **argv);
int cmd_monitor(struct xnl *x, int argc, char **argv);

#endif /* XNETCTL_H */

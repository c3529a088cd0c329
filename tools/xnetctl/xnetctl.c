// SPDX-License-Identifier: GPL-2.0
/*
 * xnetctl: configure and inspect the xnet (AF_XNET) protocol through its
 * generic netlink family "xnet".
 *
 *   xnetctl [-j] [-p] addr add|del A.B.C.D[/LEN] dev IFNAME
 *   xnetctl [-j] [-p] route add|del PREFIX/LEN|default via A.B.C.D
 *                              [dev IFNAME] [metric N]
 *   xnetctl [-j] [-p] route [show]
 *   xnetctl [-j] [-p] route get A.B.C.D [from A.B.C.D] [oif IFNAME]
 *   xnetctl -b FILE   one command a line (- for stdin), as ip -batch
 *   xnetctl [-j] [-p] addr [show [dev IFNAME]]
 *   xnetctl [-j] [-p] neigh [show [dev IFNAME]]
 *   xnetctl [-j] [-p] neigh flush [dev IFNAME] [[to] A.B.C.D]
 *   xnetctl [-j] [-p] stats
 *   xnetctl [-j] [-p] sockets
 *   xnetctl key add ID KEY|@FILE [peer A.B.C.D] [dev IFNAME]
 *                      [alg aes-gcm|chacha20poly1305]
 *   xnetctl key del ID
 *   xnetctl [-j] [-p] key [show]
 *
 * Exit status: 0 success, 1 runtime error (kernel refused, module not
 * loaded, no such device...), 2 usage error.
 */
#include <getopt.h>
#include <net/if.h>

#include "xnetctl.h"

const char *prog = "xnetctl";
bool opt_json;
bool opt_pretty;

/* error reporting                                                    */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [OPTIONS] OBJECT COMMAND\n"
"\n"
"Configure and inspect xnet (AF_XNET, EtherType 0x88B5).\n"
"\n"
"Objects and commands:\n"
"  addr add A.B.C.D[/LEN] dev IFNAME\n"
"                                  configure an xnet address on IFNAME\n"
"                                  (no /LEN: a bare address, docs/PROTOCOL.md)\n"
"  addr del A.B.C.D dev IFNAME     remove it\n"
"  addr [show] [dev IFNAME]        list configured addresses\n"
"  neigh [show] [dev IFNAME]       list the neighbour (resolution) table\n"
"  neigh flush [dev IFNAME] [[to] A.B.C.D]\n"
"                                  flush neighbour entries\n"
"  route add|del PREFIX/LEN|default via A.B.C.D [dev IFNAME] [metric N]\n"
"  route [show]                    list the route table\n"
"  route get A.B.C.D [from A.B.C.D] [oif IFNAME]\n"
"                                  the route a destination takes\n"
"  stats                           protocol counters\n"
"  sockets                         list xnet sockets (like ss)\n"
"  key add ID KEY|@FILE [peer A.B.C.D] [dev IFNAME] [alg aes-gcm|chacha20poly1305]\n"
"                                  add a secure-channel key: ID a number,\n"
"                                  KEY 64 hex digits (32 bytes) or @FILE\n"
"                                  holding them; no peer: the default key\n"
"  key del ID                      delete (and wipe) a key\n"
"  key [show]                      list keys: id peer dev alg state use\n"
"                                  fingerprint (never the key itself)\n"
"  monitor [all|addr|neigh|route|key]...  watch changes, as ip monitor\n"
"\n"
"Options:\n"
"  -j, --json      JSON output\n"
"  -p, --pretty    indent JSON output\n"
"  -b, --batch F   run the commands of file F (- for stdin), one a line\n"
"  -V, --version   print version and exit\n"
"  -h, --help      print this help and exit\n"
"\n"
"Exit status: 0 success, 1 runtime error, 2 usage error.\n",
		prog);
}

/* argument helpers                                                   */

bool matches(const char *arg, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(arg, *names))
			return true;
	return false;
}

static const char *const W_ADDR[] = { "addr", "address", "a", NULL };
static const char *const W_NEIGH[] = { "neigh", "neighbor", "neighbour",
				       "n", NULL };
static const char *const W_STATS[] = { "stats", "statistics", NULL };
static const char *const W_SOCKETS[] = { "sockets", "socket", "sock", "ss",
					 NULL };
const char *const W_SHOW[] = { "show", "list", "ls", "lst", NULL };
const char *const W_ADD[] = { "add", NULL };
const char *const W_DEL[] = { "del", "delete", NULL };
const char *const W_FLUSH[] = { "flush", NULL };
const char *const W_GET[] = { "get", NULL };
static const char *const W_ROUTE[] = { "route", "r", "ro", NULL };
static const char *const W_KEY[] = { "key", "keys", "k", NULL };

uint32_t parse_addr_or_die(const char *s)
{
	uint32_t a;

	if (xnet_parse_addr(s, &a) < 0)
		usage_error("bad address: %s", s);
	return a;
}

unsigned int ifindex_or_die(const char *name)
{
	unsigned int idx;

	if (strlen(name) >= IF_NAMESIZE)
		die(EXIT_RUNTIME, "no such device: %s", name);
	idx = if_nametoindex(name);
	if (!idx)
		die(EXIT_RUNTIME, "no such device: %s", name);
	return idx;
}

const char *ifname_of(unsigned int idx, char *buf)
{
	if (!if_indextoname(idx, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", idx);
	return buf;
}

static int run_command(struct xnl *x, int argc, char **argv);

/*
 * -b FILE: each line a command (words split on blanks, # comments), run
 * on one netlink socket; the first failure ends the run, as ip -batch.
 */
static int run_batch(struct xnl *x, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char line[1024], *argv[64], *tok, *save;
	unsigned long lineno = 0;
	int argc;

	if (!f)
		die(EXIT_RUNTIME, "cannot open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			usage_error("%s:%lu: line too long", path, lineno);
		tok = strchr(line, '#');
		if (tok)
			*tok = '\0';
		argc = 0;
		for (tok = strtok_r(line, " \t\r\n", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			if (argc == (int)(sizeof(argv) / sizeof(argv[0])) - 1)
				usage_error("%s:%lu: too many words", path,
					    lineno);
			argv[argc++] = tok;
		}
		if (!argc)
			continue;
		argv[argc] = NULL;
		run_command(x, argc, argv);
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

static int run_command(struct xnl *x, int argc, char **argv)
{
	const char *obj = argv[0];

	argc--;
	argv++;
	if (!strcmp(obj, "help")) {
		usage(stdout);
		return 0;
	} else if (matches(obj, W_ADDR)) {
		return cmd_addr(x, argc, argv);
	} else if (matches(obj, W_NEIGH)) {
		return cmd_neigh(x, argc, argv);
	} else if (matches(obj, W_STATS)) {
		return cmd_stats(x, argc, argv);
	} else if (matches(obj, W_SOCKETS)) {
		return cmd_sockets(x, argc, argv);
	} else if (matches(obj, W_ROUTE)) {
		return cmd_route(x, argc, argv);
	} else if (matches(obj, W_KEY)) {
		return cmd_key(x, argc, argv);
	} else if (!strcmp(obj, "monitor") || !strcmp(obj, "mon")) {
		return cmd_monitor(x, argc, argv);
	}
	usage_error("unknown command: %s (try --help)", obj);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json",    no_argument, NULL, 'j' },
		{ "pretty",  no_argument, NULL, 'p' },
		{ "help",    no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "batch",   required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	struct xnl x = { 0 };
	const char *batch = NULL;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jphVb:", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opt_json = true;
			break;
		case 'p':
			opt_pretty = true;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s %s (xnet genl version %d)\n", prog,
			       XNET_TOOLS_VERSION, XNET_GENL_VERSION);
			return 0;
		default:
			if (optopt)
				usage_error("unknown option: -%c (try --help)",
					    optopt);
			usage_error("unknown option: %s (try --help)",
				    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 && !batch)
		usage_error("missing command (try --help)");
	if (argc > 0 && batch)
		usage_error("-b takes no command: %s", argv[0]);
	if (batch)
		ret = run_batch(&x, batch);
	else
		ret = run_command(&x, argc, argv);
	if (x.sk)
		xnl_close(&x);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_RUNTIME, "write error: %s", strerror(errno));
	return ret;
}

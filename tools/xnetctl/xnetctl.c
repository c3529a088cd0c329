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
 *   xnetctl [-j] [-p] sockets [-i] [-p] [-l|-a] [-t] [-d] [-S] [state STATE]
 *                      [sport [=] [:]PORT] [dport [=] [:]PORT]
 *   xnetctl key add ID KEY|@FILE [peer A.B.C.D] [dev IFNAME]
 *                      [alg aes-gcm|chacha20poly1305]
 *   xnetctl key del ID
 *   xnetctl [-j] [-p] key [show]
 *   xnetctl [-n NETNS] [-s] ...; xnetctl OBJECT help
 *
 * Objects and their commands may be abbreviated to any prefix that names
 * one of them only (xnetctl a s, xnetctl ro g ADDR): one table, objects[],
 * and one matcher, lookup_word().
 *
 * Exit status: 0 success, 1 runtime error (kernel refused, module not
 * loaded, no such device...), 2 usage error.
 */
#define _GNU_SOURCE		/* setns */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <unistd.h>
#include <net/if.h>

#include "xnetctl.h"

const char *prog = "xnetctl";
bool opt_json;
bool opt_pretty;
bool opt_stats;

/* error reporting                                                    */

/*
 * --help (@obj NULL), or OBJECT help: the lines of "Objects and commands"
 * that begin with @obj, with their continuation lines. README's command
 * list is this text (scripts/readme-help.py, make lint).
 */
static void usage(FILE *f, const char *obj)
{
	static const char text[] =
"Usage: %s [OPTIONS] OBJECT COMMAND\n"
"\n"
"Configure and inspect xnet (AF_XNET, EtherType 0x88B5). Objects and\n"
"commands may be abbreviated to a prefix naming one only (xnetctl a s).\n"
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
"  sockets [-i] [-p] [-l|-a] [-t] [-d] [-S] [state STATE] [sport [=] [:]PORT]\n"
"          [dport [=] [:]PORT]     list xnet sockets (like ss): -i connection\n"
"                                  info, -p owning processes, -l listening,\n"
"                                  -t/-d/-S stream/dgram/seqpacket\n"
"  key add ID KEY|@FILE [peer A.B.C.D] [dev IFNAME] [alg aes-gcm|chacha20poly1305]\n"
"                                  add a secure-channel key: ID a number,\n"
"                                  KEY 64 hex digits (32 bytes) or @FILE\n"
"                                  holding them; no peer: the default key\n"
"  key del ID                      delete (and wipe) a key\n"
"  key [show]                      list keys: id peer dev alg state use\n"
"                                  fingerprint (never the key itself)\n"
"  monitor [all|addr|neigh|route|key]...\n"
"                                  watch changes, as ip monitor\n"
"  OBJECT help                     the commands of OBJECT\n"
"\n"
"Options:\n"
"  -j, --json      JSON output\n"
"  -p, --pretty    indent JSON output\n"
"  -s, --stats     more statistics: addr adds its device's counters,\n"
"                  neigh each entry's age and queue\n"
"  -n, --netns NS  run in network namespace NS (/run/netns/NS, ip netns)\n"
"  -b, --batch F   run the commands of file F (- for stdin), one a line\n"
"  -V, --version   print version and exit\n"
"  -h, --help      print this help and exit\n"
"\n"
"Exit status: 0 success, 1 runtime error, 2 usage error.\n";
	const char *ln, *end;
	size_t olen;
	bool in = false, mine = false;

	if (!obj) {
		fprintf(f, text, prog);
		return;
	}
	fprintf(f, "Usage: %s [OPTIONS] %s COMMAND\n\n", prog, obj);
	olen = strlen(obj);
	for (ln = text; *ln; ln = end + 1) {
		end = strchr(ln, '\n');
		if (!end)
			break;
		if (!strncmp(ln, "Objects and commands:", 21)) {
			in = true;
			continue;
		}
		if (!in)
			continue;
		if (end == ln)
			break;
		/* "  OBJ ..." starts an entry, deeper indents continue it */
		if (ln[2] != ' ')
			mine = !strncmp(ln + 2, obj, olen) &&
			       (ln[2 + olen] == ' ' || ln + 2 + olen == end);
		if (mine)
			fwrite(ln, 1, (size_t)(end - ln + 1), f);
	}
}

/* argument helpers                                                   */

bool matches(const char *arg, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(arg, *names))
			return true;
	return false;
}

/*
 * The entry of @tab (@n entries of @size bytes, each beginning with its
 * NULL-terminated list of names, the first its own) that @arg names: one
 * of its names, else a prefix of names of this entry only. -1 if none; a
 * prefix of several entries' names is a usage error naming them.
 */
int lookup_word(const char *arg, const void *tab, size_t n, size_t size,
		const char *what)
{
	const char *const *names;
	char cand[256] = "";
	size_t i, len = strlen(arg);
	int found = -1, nfound = 0;

	if (!len)
		return -1;
	for (i = 0; i < n; i++) {
		names = *(const char *const *const *)((const char *)tab +
						      i * size);
		if (matches(arg, names))
			return (int)i;
	}
	for (i = 0; i < n; i++) {
		const char *const *w;

		names = *(const char *const *const *)((const char *)tab +
						      i * size);
		for (w = names; *w; w++)
			if (!strncmp(arg, *w, len))
				break;
		if (!*w)
			continue;
		found = (int)i;
		nfound++;
		snprintf(cand + strlen(cand), sizeof(cand) - strlen(cand),
			 "%s%s", nfound > 1 ? ", " : "", names[0]);
	}
	if (nfound > 1)
		usage_error("ambiguous %s '%s': %s", what, arg, cand);
	return found;
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
static const char *const W_HELP[] = { "help", NULL };
static const char *const W_DEV[] = { "dev", NULL };
static const char *const W_MONITOR[] = { "monitor", "mon", NULL };
static const char *const W_ALL[] = { "all", NULL };

/* The first words each object takes (abbreviations allowed), help last. */
static const char *const *const C_ADDR[] = { W_ADD, W_DEL, W_SHOW, W_DEV,
					     W_HELP };
static const char *const *const C_NEIGH[] = { W_SHOW, W_FLUSH, W_DEV,
					      W_HELP };
static const char *const *const C_ROUTE[] = { W_ADD, W_DEL, W_SHOW, W_GET,
					      W_HELP };
static const char *const *const C_KEY[] = { W_ADD, W_DEL, W_SHOW, W_HELP };
static const char *const *const C_MONITOR[] = { W_ALL, W_ADDR, W_NEIGH,
						W_ROUTE, W_KEY, W_HELP };
static const char *const *const C_NONE[] = { W_HELP };

#define CMDS(c) (c), sizeof(c) / sizeof((c)[0])

/* The objects: adding one is one line here and its lines in usage(). */
static const struct object {
	const char *const *names;
	int (*run)(struct xnl *x, int argc, char **argv);
	const char *const *const *cmds;
	size_t ncmds;
} objects[] = {
	{ W_ADDR,	cmd_addr,	CMDS(C_ADDR) },
	{ W_NEIGH,	cmd_neigh,	CMDS(C_NEIGH) },
	{ W_STATS,	cmd_stats,	CMDS(C_NONE) },
	{ W_SOCKETS,	cmd_sockets,	CMDS(C_NONE) },
	{ W_ROUTE,	cmd_route,	CMDS(C_ROUTE) },
	{ W_KEY,	cmd_key,	CMDS(C_KEY) },
	{ W_MONITOR,	cmd_monitor,	CMDS(C_MONITOR) },
	{ W_HELP,	NULL,		CMDS(C_NONE) },
};

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

/* -n NETNS: into /run/netns/NETNS (ip netns add), as ip -n does. */
static void enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		usage_error("bad netns name: '%s'", name);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		die(EXIT_RUNTIME, "no such netns: %s (no %s)", name, path);
	if (fd < 0)
		die(EXIT_RUNTIME, "cannot open %s: %s", path, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0)
		die(EXIT_RUNTIME, "cannot enter netns %s: %s", name,
		    strerror(errno));
	close(fd);
}

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
	const struct object *o;
	int i;

	i = lookup_word(argv[0], objects, sizeof(objects) / sizeof(objects[0]),
			sizeof(objects[0]), "object");
	if (i < 0)
		usage_error("unknown object: %s (try --help)", argv[0]);
	o = &objects[i];
	if (!o->run) {
		usage(stdout, NULL);
		return 0;
	}
	argc--;
	argv++;
	if (argc > 0) {
		/* the command word, spelt out for the object's parser */
		i = lookup_word(argv[0], o->cmds, o->ncmds, sizeof(o->cmds[0]),
				"command");
		if (i >= 0)
			argv[0] = (char *)o->cmds[i][0];
		if (i >= 0 && o->cmds[i] == W_HELP) {
			usage(stdout, o->names[0]);
			return 0;
		}
	}
	return o->run(x, argc, argv);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json",    no_argument, NULL, 'j' },
		{ "pretty",  no_argument, NULL, 'p' },
		{ "help",    no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "batch",   required_argument, NULL, 'b' },
		{ "netns",   required_argument, NULL, 'n' },
		{ "stats",   no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct xnl x = { 0 };
	const char *batch = NULL, *netns = NULL;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jphVb:n:s", lopts, NULL)) != -1) {
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
		case 'n':
			netns = optarg;
			break;
		case 's':
			opt_stats = true;
			break;
		case 'h':
			usage(stdout, NULL);
			return 0;
		case 'V':
			printf("%s %s (xnet genl version %d)\n", prog,
			       XNET_TOOLS_VERSION, XNET_GENL_VERSION);
			return 0;
		default:
			if (optopt && strchr("bn", optopt))
				usage_error("option -%c needs a value", optopt);
			if (optopt)
				usage_error("unknown option: -%c (try --help)",
					    optopt);
			usage_error("unknown option: %s (try --help)",
				    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	j_set_pretty(opt_pretty);
	if (argc < 1 && !batch)
		usage_error("missing command (try --help)");
	if (argc > 0 && batch)
		usage_error("-b takes no command: %s", argv[0]);
	if (netns)
		enter_netns(netns);
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

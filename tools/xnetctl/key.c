// SPDX-License-Identifier: GPL-2.0
/* xnetctl key: see usage() in xnetctl.c. */
#include <fcntl.h>
#include <net/if.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xnetctl.h"

struct key_req {
	uint32_t id, peer, ifindex;
	uint8_t alg;
	bool has_peer;
	uint8_t secret[XNET_KEY_LEN];
	unsigned int count;
};

static int fill_key(struct nl_msg *msg, void *arg)
{
	struct key_req *r = arg;

	if (nla_put_u32(msg, XNET_ATTR_KEY_ID, r->id) ||
	    nla_put(msg, XNET_ATTR_KEY, XNET_KEY_LEN, r->secret))
		return -1;
	if (r->has_peer && nla_put_u32(msg, XNET_ATTR_PEER_ADDR, r->peer))
		return -1;
	if (r->ifindex && nla_put_u32(msg, XNET_ATTR_IFINDEX, r->ifindex))
		return -1;
	if (r->alg && nla_put_u8(msg, XNET_ATTR_KEY_ALG, r->alg))
		return -1;
	return 0;
}

static int fill_key_id(struct nl_msg *msg, void *arg)
{
	struct key_req *r = arg;

	return nla_put_u32(msg, XNET_ATTR_KEY_ID, r->id) ? -1 : 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2 * XNET_KEY_LEN hex digits in @s (@len bytes): true if so. */
static bool parse_key_hex(const char *s, size_t len, uint8_t *out)
{
	size_t i;

	if (len != 2 * XNET_KEY_LEN)
		return false;
	for (i = 0; i < XNET_KEY_LEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/*
 * @FILE: 64 hex digits, optionally followed by one newline, nothing
 * else. A file others may read is used, with a warning.
 */
static void read_key_file(const char *path, uint8_t *out)
{
	char buf[2 * XNET_KEY_LEN + 2];
	struct stat st;
	ssize_t n, len = 0;
	bool ok;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(EXIT_RUNTIME, "cannot open key file %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == 0 && (st.st_mode & S_IROTH))
		fprintf(stderr,
			"%s: warning: key file %s is readable by every user\n",
			prog, path);
	while ((size_t)len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			explicit_bzero(buf, sizeof(buf));
			die(EXIT_RUNTIME, "cannot read key file %s: %s", path,
			    strerror(errno));
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	if (len == 2 * XNET_KEY_LEN + 1 && buf[len - 1] == '\n')
		len--;
	ok = len <= 2 * XNET_KEY_LEN && parse_key_hex(buf, (size_t)len, out);
	explicit_bzero(buf, sizeof(buf));
	if (!ok)
		usage_error("bad key file %s: want 64 hex digits (32 bytes), optionally followed by a newline",
			    path);
}

const char *key_alg_name(uint8_t a)
{
	switch (a) {
	case XNET_KEY_ALG_AES_GCM:		return "aes-gcm";
	case XNET_KEY_ALG_CHACHA20POLY1305:	return "chacha20poly1305";
	}
	return "unknown";
}

const char *key_state_name(uint8_t s)
{
	switch (s) {
	case XNET_KEY_STATE_ACTIVE:	return "active";
	case XNET_KEY_STATE_STANDBY:	return "standby";
	}
	return "unknown";
}

static int parse_key_msg(struct nlmsghdr *nlh, void *arg)
{
	struct key_req *r = arg;
	struct nlattr *tb[XNET_ATTR_MAX + 1];
	char ifname[IF_NAMESIZE + 1] = "any", peer[16] = "default",
	     fpr[2 * XNET_KEY_FPR_LEN + 1] = "";
	uint32_t id, paddr, ifindex = 0, use = 0;
	uint8_t alg = 0, state = 0;
	struct nlattr *fa;
	int i;

	if (parse_genl(nlh, tb, XNET_ATTR_MAX) < 0)
		return NL_SKIP;
	if (!get_u32(tb, XNET_ATTR_KEY_ID, &id))
		return NL_SKIP;
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
	r->count++;

	if (opt_json) {
		j_open('{');
		j_uint("id", id);
		j_str("peer", peer);
		j_str("dev", ifname);
		j_str("alg", key_alg_name(alg));
		j_str("state", key_state_name(state));
		j_uint("use", use);
		j_str("fingerprint", fpr);
		j_close('}');
		return NL_OK;
	}
	if (r->count == 1)
		printf("%-10s %-15s %-15s %-16s %-7s %5s %s\n", "id", "peer",
		       "dev", "alg", "state", "use", "fingerprint");
	printf("%-10u %-15s %-15s %-16s %-7s %5u %s\n", id, peer, ifname,
	       key_alg_name(alg), key_state_name(state), use, fpr);
	return NL_OK;
}

static uint32_t parse_key_id_or_die(const char *s)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || *s == '-' || v > UINT32_MAX)
		usage_error("bad key ID: %s (a number, 0..4294967295)", s);
	return (uint32_t)v;
}

int cmd_key(struct xnl *x, int argc, char **argv)
{
	struct key_req r = { 0 };
	const char *sub = argc > 0 ? argv[0] : "show";
	const char *dev = NULL;
	char ext[256];
	int i, err;

	if (matches(sub, W_ADD)) {
		if (argc < 3)
			usage_error("key add: want ID KEY|@FILE");
		r.id = parse_key_id_or_die(argv[1]);
		for (i = 3; i < argc; i++) {
			const char *k = argv[i];

			if (++i >= argc)
				usage_error("'%s' needs a value", k);
			if (!strcmp(k, "peer")) {
				r.peer = parse_addr_or_die(argv[i]);
				r.has_peer = true;
			} else if (!strcmp(k, "dev")) {
				dev = argv[i];
			} else if (!strcmp(k, "alg")) {
				if (!strcmp(argv[i], "aes-gcm"))
					r.alg = XNET_KEY_ALG_AES_GCM;
				else if (!strcmp(argv[i], "chacha20poly1305"))
					r.alg = XNET_KEY_ALG_CHACHA20POLY1305;
				else
					usage_error("bad alg: %s (aes-gcm or chacha20poly1305)",
						    argv[i]);
			} else {
				usage_error("unexpected argument: %s", k);
			}
		}
		if (argv[2][0] == '@') {
			read_key_file(argv[2] + 1, r.secret);
		} else {
			bool ok = parse_key_hex(argv[2], strlen(argv[2]),
						r.secret);

			/* out of ps's sight as soon as it is read */
			explicit_bzero(argv[2], strlen(argv[2]));
			if (!ok)
				usage_error("bad key: want 64 hex digits (32 bytes) or @FILE");
		}
		if (dev)
			r.ifindex = ifindex_or_die(dev);
		xnl_open(x);
		err = xnl_run(x, XNET_CMD_KEY_ADD, NLM_F_REQUEST | NLM_F_ACK,
			      fill_key, NULL, &r, ext, sizeof(ext));
		explicit_bzero(r.secret, sizeof(r.secret));
		if (err)
			die_kernel(err, OP_KEY, dev, argv[1], ext);
		return 0;
	}
	if (matches(sub, W_DEL)) {
		if (argc != 2)
			usage_error("key del: want ID");
		r.id = parse_key_id_or_die(argv[1]);
		xnl_open(x);
		err = xnl_run(x, XNET_CMD_KEY_DEL, NLM_F_REQUEST | NLM_F_ACK,
			      fill_key_id, NULL, &r, ext, sizeof(ext));
		if (err)
			die_kernel(err, OP_KEY, NULL, argv[1], ext);
		return 0;
	}
	if (!matches(sub, W_SHOW))
		usage_error("unknown key command: %s", sub);
	if (argc > 1)
		usage_error("unexpected argument: %s", argv[1]);
	xnl_open(x);
	if (opt_json)
		j_open('[');
	err = xnl_run(x, XNET_CMD_KEY_GET, NLM_F_REQUEST | NLM_F_DUMP,
		      NULL, parse_key_msg, &r, ext, sizeof(ext));
	if (err)
		die_kernel(err, OP_DUMP, NULL, NULL, ext);
	if (opt_json)
		j_close(']');
	return 0;
}

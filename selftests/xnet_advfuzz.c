// SPDX-License-Identifier: GPL-2.0
/*
 * A stateful adversarial fuzzer of xnet connections, an amplification
 * test, and the resource invariants both check.
 *
 * Two namespaces on a veth pair: the test's own holds the node under
 * attack (the victim: va, 10.9.0.1, a STREAM listener on 7000) and
 * "xadv-b" holds vb, where no xnet address is configured: the attacker
 * is this program on an AF_PACKET socket there. It owns 10.9.0.2 and
 * 10.9.0.3 (it answers the victim's neighbour queries for them, or stops
 * answering as a fault) and forges anything else.
 *
 * fuzz: a seeded PRNG (XNET_FUZZ_SEED, logged; the same seed replays the
 * same actions) picks a scenario per round, each a sequence through whole
 * connections, not single frames, mixed with local faults:
 *   repair  data in flight, close (orphan in FIN_WAIT1), the peer becomes
 *           unreachable (neighbour table full of unresolved entries, or
 *           the peer stops answering resolution), then one ACK whose
 *           SACK blocks leave hole/SACK/hole/SACK (issue 10, finding 1)
 *   sack    many ACKs with four 1-byte SACK blocks (finding 2)
 *   selfsyn a SYN from the victim's own address and port (finding 3)
 *   spoof   SYNs/ACKs from spoofed sources to open and closed ports,
 *           then a live peer must still be reached and a new one
 *           resolved (finding 4)
 *   zerownd the peer ACKs everything with window 0 and keeps answering
 *           the probes; the victim closes with unsent data (finding 5)
 *   keeptw  TIME_WAIT with the socket open, SO_KEEPALIVE toggled on and
 *           off (finding 6)
 *   recv0   recv(fd, buf, 0, 0) with data queued (finding 7)
 *   blind   data with an acknowledgment far below snd_una (finding 8)
 *   random  a random walk of a malicious peer on a live connection:
 *           data in and out of the window, partial and future ACKs, SACK
 *           patterns, window 0 and reopened, resets in and out of the
 *           window, and victim actions (send, recv, recv 0, shutdown,
 *           close with unread or unsent data, keepalive toggles)
 * After every round the invariants are checked: per socket sk_wmem_queued
 * and receive memory under WMEM_MAX/RMEM_MAX, half-open children under
 * max_syn_backlog, neighbour entries under neigh_max, every connection
 * the attacker left gone within its deadline (orphans included), and a
 * quiet period with the attacker silent in which the victim sends at
 * most a few frames (a storm: findings 3 and 8). At the end the peer goes
 * away and everything must return to zero: no socket, no neighbour entry
 * (a violation lists the sockets left, with their states).
 * XNET_FUZZ_ROUNDS (default 24, 12 on the debug lane: XNET_TIMEOUT_MUL
 * > 1) sets the number of rounds, XNET_FUZZ_ONLY
 * (a comma list of scenario names, e.g. "repair,sack,zerownd") restricts
 * them, XNET_FUZZ_ORPHAN_MS (default 20000) bounds an orphan's life while
 * its peer still answers.
 *
 * Replaying a finding (each scenario is aimed at one; on the code before
 * issue 10's fixes each of these finds its finding, in the round named):
 *   XNET_FUZZ_ONLY=repair   finding 1, round 0: GPF in xnet_conn_repair
 *                           (the VM panics; any seed)
 *   XNET_FUZZ_ONLY=sack     finding 2: "sk_wmem_queued ... > 1048576"
 *   XNET_FUZZ_ONLY=zerownd  finding 5: "zerownd connection ... state 5
 *                           still there" (after XNET_FUZZ_ORPHAN_MS)
 *   selfsyn (3): "victim sent N frames ... in 300 ms of quiet"; blind (8):
 *   "data with ack = snd_una - 2^30 delivered"; spoof (4): "live peer
 *   unreachable, new peer not resolved"; keeptw (6): "keeptw connection
 *   ... state 8 still there"; recv0 (7): "recv(fd, buf, 0, 0) ... did not
 *   return". In the test VM, pass these through the kernel command line
 *   (words without a dot reach init's environment), e.g.
 *   XNET_VM_APPEND="XNET_FUZZ_SEED=1 XNET_FUZZ_ONLY=sack" scripts/vm.sh ...
 *
 * How to show it finds 1, 2 and 5 with the fixes reverted (checked on
 * e3d4657, the code before issue 10's fixes, built in a worktree $OLD):
 *   make -C selftests xnet_advfuzz && cp selftests/xnet_advfuzz $OLD/selftests/
 *   cd $OLD; KV=$(ls /lib/modules | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$' | sort -V | tail -1)
 *   for o in sack zerownd repair; do
 *     XNET_VM_APPEND="XNET_FUZZ_SEED=1 XNET_FUZZ_ONLY=$o XNET_FUZZ_ROUNDS=2" \
 *       XNET_TESTS=xnet_advfuzz XNET_VM_TIMEOUT=300 scripts/vm.sh check $KV
 *   done
 * sack: "VIOLATION round 0 seed 1: sk_wmem_queued 1235968 > 1048576";
 * zerownd: "zerownd connection 10.9.0.2:20000 state 5 still there" (at
 * the end, after XNET_FUZZ_ORPHAN_MS); repair: "general protection
 * fault ... RIP: xnet_conn_repair" and a panic in round 0 (build/vm-$KV.log).
 *
 * listener_close_children: closing a listener must end its half-open
 * children at once (found by this fuzzer on the fixed code: see there).
 *
 * malicious_peer: the victim holds a key for the attacker's address
 * (secure=1) and sends it datagrams; the attacker answers each of its
 * handshake initiations with hostile messages (responses cut short or
 * with forged MACs or indexes, the initiation reflected, initiations and
 * sealed frames of its own): nothing forms, each is counted, the frames
 * waiting for the handshake are bounded and dropped once.
 *
 * amplification: with the default resolution sysctls, first 200 frames
 * of strangers (SYNs to a closed port, ACKs to the listener, neighbour
 * queries) at 100 a second, where every answer costs a resolution; then
 * assorted hostile frames (those, plus out-of-window data, in-window
 * resets and SYNs on a live connection, data to a closed port, datagrams
 * from strangers to a closed port, each worth one rate-limited error
 * report, and forged error reports, worth nothing) injected
 * with sendmmsg as fast as it goes: XNET_AMP_FRAMES (default 100000), for
 * at most XNET_AMP_MS (default 15000, not stretched by XNET_TIMEOUT_MUL:
 * a slower kernel takes fewer frames, at least 1000). In each
 * phase the victim must send no more xnet frames than it received, both
 * on the wire (va's tx_packets) and by its own counters (OutSegs,
 * NeighQueriesOut, NeighAnswersOut, OutDatagrams, OutErrors, which also see frames
 * to itself and frames dropped waiting for a resolution).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/sockios.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"

#define V_ADDR		"10.9.0.1"
#define A_ADDR		"10.9.0.2"
#define A2_ADDR		"10.9.0.3"
#define B_NS		"xadv-b"
#define V_LPORT		7000
#define CLOSED_PORT	7999
#define NEIGH_MAX	32
#define SYN_BACKLOG	64
#define TIME_WAIT_MS	500
#define WMEM_MAX	(1 << 20)	/* no round queues more than 128 KB */
#define RMEM_MAX	(1 << 20)
#define MAXC		64
#define FMAX		1600
#define MSS		1428	/* MTU 1500 less 24 + 16 + 32 */

#define X		ETH_HLEN
#define O_VER		(X + 0)
#define O_TYPE		(X + 1)
#define O_LEN		(X + 2)
#define O_SADDR		(X + 4)
#define O_DADDR		(X + 8)
#define O_SPORT		(X + 12)
#define O_DPORT		(X + 14)
#define O_CSUM		(X + 16)
#define O_SEQ		(X + XU_HLEN)
#define O_ACK		(O_SEQ + 4)
#define O_WND		(O_SEQ + 8)
#define O_FLAGS		(O_SEQ + 12)
#define O_NSACK		(O_SEQ + 14)
#define O_SACK		(O_SEQ + 16)
#define CONN_HLEN	XU_CONN_HLEN

#define F_SYN	0x01
#define F_ACK	0x02
#define F_FIN	0x04
#define F_RST	0x08

enum { T_DGRAM = 1, T_QUERY, T_ANSWER, T_STREAM, T_SEQPACKET, T_ERROR,
       T_SEALED, T_HANDSHAKE };

/* module/sec.h: a handshake's header after the common one, its length */
#define O_HS		(X + XU_HLEN)
#define HS_LEN		(XU_HLEN + 80)	/* sizeof(struct xnet_hshdr): 80 */
#define HS_INIT		1
#define HS_RESP		2
enum { M_SILENT, M_SINK, M_ZW };

enum {
	S_REPAIR, S_SACK, S_SELFSYN, S_SPOOF, S_ZEROWND, S_KEEPTW, S_RECV0,
	S_BLIND, S_RANDOM, NSCEN
};

static const char * const scen_names[NSCEN] = {
	"repair", "sack", "selfsyn", "spoof", "zerownd", "keeptw", "recv0",
	"blind", "random",
};

/* relative weights of the scenarios in a round */
static const int scen_weight[NSCEN] = { 3, 2, 1, 1, 1, 1, 1, 1, 5 };

/* The attacker's view of one connection with the victim. */
struct ac {
	int used;
	int vfd;		/* the victim's socket, -1 once closed */
	int scen;
	uint16_t vport, aport;
	uint32_t aaddr;		/* network order */
	uint32_t a_nxt;		/* attacker's next sequence number */
	uint32_t v_isn, v_nxt;	/* victim's ISN, highest end seen */
	uint32_t v_una;		/* what the attacker has acknowledged */
	uint32_t v_wnd;
	uint32_t v_ack;		/* the victim's rcv_nxt, from its ACKs */
	int est, v_fin, v_rst, have_vack;
	int child;		/* a SYN of ours opened a new child on it */
	uint32_t child_ack;	/* that child's rcv_nxt, from its SYN+ACK */
	int mode;
	double deadline;	/* must be gone from the tables by then */
	double born;
};

static struct {
	int tx, rx, ifindex, own_ns, b_ns, lfd, dfd;
	uint8_t va_mac[6], vb_mac[6];
	uint32_t vaddr, aaddr, a2addr;	/* network order */
	int answer;			/* answer queries for our addresses */
	uint16_t listen_aport;		/* accept the victim's SYN to this */
	uint16_t next_port;
	long vframes, aframes;		/* xnet frames victim -> us, us -> victim */
	long dg_rx[2];			/* datagrams received at A, A2 */
	uint32_t eph[MAXC];		/* peers that vanish, while alive */
	struct ac c[MAXC];
	uint32_t seed, rnd;
	int mul;
	int round;
	int strays;	/* children of earlier rounds accepted and reset */
	int nviol;
	int seen[16];			/* violations reported per kind */
	int orphan_ms;
	uint8_t hs_init[X + HS_LEN];	/* the victim's last initiation */
	long hs_inits;			/* initiations seen */
	struct __test_metadata *md;
} g;

static uint32_t rnd(void)
{
	g.rnd ^= g.rnd << 13;
	g.rnd ^= g.rnd >> 17;
	g.rnd ^= g.rnd << 5;
	return g.rnd;
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static int seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static void fix_crc(uint8_t *f)
{
	size_t xlen = xu_get16(f, O_LEN);

	xu_put32(f, O_CSUM, 0);
	xu_put32(f, O_CSUM, xu_crc32c(f + X, xlen));
}

#define VIOL(kind, fmt, ...) do {					\
	g.nviol++;							\
	if (g.seen[kind]++ < 3)						\
		fprintf(stderr, "# VIOLATION round %d seed %u: " fmt "\n",\
			g.round, g.seed, ##__VA_ARGS__);		\
} while (0)

enum {
	V_WMEM, V_RMEM, V_SYNRECV, V_NEIGH, V_LINGER, V_STORM, V_REACH,
	V_RECV0, V_DATA, V_ZERO, V_SETUP, V_AMP,
};

/* ---- the attacker's wire ---------------------------------------------- */

static int send_raw(const uint8_t *f, size_t len)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_ifindex = g.ifindex,
		.sll_halen = 6, .sll_protocol = htons(ETH_P_XNET),
	};

	memcpy(ll.sll_addr, f, 6);
	if (sendto(g.tx, f, len, 0, (struct sockaddr *)&ll, sizeof(ll)) !=
	    (ssize_t)len)
		return -1;
	g.aframes++;
	return 0;
}

static size_t mk_hdr(uint8_t *f, int type, uint32_t saddr, uint32_t daddr,
		     uint16_t sport, uint16_t dport, size_t xlen)
{
	memset(f, 0, X + xlen);
	if (type == T_QUERY)
		memset(f, 0xff, 6);
	else
		memcpy(f, g.va_mac, 6);
	memcpy(f + 6, g.vb_mac, 6);
	xu_put16(f, 12, ETH_P_XNET);
	f[O_VER] = XU_VERSION;
	f[X + XU_O_HOPLIMIT] = type == T_STREAM || type == T_DGRAM ?
			       XU_HOPLIMIT : 1;
	f[O_TYPE] = type;
	xu_put16(f, O_LEN, xlen);
	memcpy(f + O_SADDR, &saddr, 4);
	memcpy(f + O_DADDR, &daddr, 4);
	xu_put16(f, O_SPORT, sport);
	xu_put16(f, O_DPORT, dport);
	return X + xlen;
}

/* A segment to the victim; @sack: nsack pairs (host order), @plen payload. */
static size_t mk_seg(uint8_t *f, uint32_t saddr, uint32_t daddr,
		     uint16_t sport, uint16_t dport, uint32_t seq,
		     uint32_t ack, uint32_t wnd, uint16_t flags,
		     const uint32_t *sack, int nsack, size_t plen)
{
	size_t xlen = CONN_HLEN + 8 * nsack + ((flags & F_SYN) ? 4 : plen);
	size_t len = mk_hdr(f, T_STREAM, saddr, daddr, sport, dport, xlen);
	int i;

	xu_put32(f, O_SEQ, seq);
	xu_put32(f, O_ACK, ack);
	xu_put32(f, O_WND, wnd);
	xu_put16(f, O_FLAGS, flags);
	f[O_NSACK] = nsack;
	for (i = 0; i < 2 * nsack; i++)
		xu_put32(f, O_SACK + 4 * i, sack[i]);
	if (flags & F_SYN)
		xu_put16(f, O_SACK + 8 * nsack, MSS);
	else
		xu_fill(f + O_SACK + 8 * nsack, plen, seq, 1);
	fix_crc(f);
	return len;
}

static int a_seg(struct ac *c, uint32_t seq, uint32_t ack, uint32_t wnd,
		 uint16_t flags, const uint32_t *sack, int nsack, size_t plen)
{
	uint8_t f[FMAX];
	size_t len = mk_seg(f, c->aaddr, g.vaddr, c->aport, c->vport, seq, ack,
			    wnd, flags, sack, nsack, plen);

	return send_raw(f, len);
}

/* An ACK of everything the victim sent, window @wnd. */
static int a_ack(struct ac *c, uint32_t wnd)
{
	c->v_una = c->v_nxt;
	return a_seg(c, c->a_nxt, c->v_nxt, wnd, F_ACK, NULL, 0, 0);
}

static void send_answer(uint32_t from)
{
	uint8_t f[X + XU_HLEN];
	size_t len = mk_hdr(f, T_ANSWER, from, g.vaddr, 0, 0, XU_HLEN);

	fix_crc(f);
	send_raw(f, len);
}

static struct ac *find_ac(uint16_t aport)
{
	int i;

	for (i = 0; i < MAXC; i++)
		if (g.c[i].used && g.c[i].aport == aport)
			return &g.c[i];
	return NULL;
}

static struct ac *new_ac(int scen, uint32_t aaddr)
{
	int i;

	for (i = 0; i < MAXC; i++)
		if (!g.c[i].used) {
			memset(&g.c[i], 0, sizeof(g.c[i]));
			g.c[i].used = 1;
			g.c[i].vfd = -1;
			g.c[i].scen = scen;
			g.c[i].aaddr = aaddr;
			g.c[i].aport = g.next_port++;
			if (g.next_port > 60000)
				g.next_port = 20000;
			g.c[i].born = xu_now();
			g.c[i].mode = M_SINK;
			return &g.c[i];
		}
	return NULL;
}

static int is_ours(uint32_t a)
{
	int i;

	if (a == g.aaddr || a == g.a2addr)
		return 1;
	for (i = 0; i < MAXC; i++)
		if (a && g.eph[i] == a)
			return 1;
	return 0;
}

/* A peer address that answers resolution until it vanishes. */
static uint32_t eph_new(void)
{
	uint32_t a = htonl(0x0a090a00 | (g.round % 250 + 1));
	int i;

	for (i = 0; i < MAXC; i++)
		if (!g.eph[i]) {
			g.eph[i] = a;
			return a;
		}
	return g.aaddr;
}

static void eph_vanish(uint32_t a)
{
	int i;

	for (i = 0; i < MAXC; i++)
		if (g.eph[i] == a)
			g.eph[i] = 0;
}

/* A segment from the victim to one of our connections. */
static void seg_in(const uint8_t *f)
{
	uint16_t fl = xu_get16(f, O_FLAGS);
	uint32_t seq = xu_get32(f, O_SEQ);
	int plen = xu_get16(f, O_LEN) - CONN_HLEN - 8 * f[O_NSACK];
	uint32_t end, saddr;
	struct ac *c = find_ac(xu_get16(f, O_DPORT));

	memcpy(&saddr, f + O_DADDR, 4);
	if (fl & F_SYN)
		plen = 0;
	end = seq + plen + !!(fl & F_SYN) + !!(fl & F_FIN);
	if (!c && (fl & F_SYN) && !(fl & F_ACK) &&
	    xu_get16(f, O_DPORT) == g.listen_aport) {
		/* the victim's connect(): we answer as a server */
		c = find_ac(g.listen_aport);
	}
	if (!c || c->aaddr != saddr)
		return;
	if (fl & F_RST) {
		c->v_rst = 1;
		return;
	}
	if (fl & F_SYN) {
		if (c->est && seq + 1 != c->v_nxt) {
			/*
			 * A SYN+ACK with a new ISN: the connection had ended
			 * and a SYN of ours (random, step 12) opened a new
			 * half-open child on the listener. retire() resets it.
			 */
			if (fl & F_ACK) {
				c->child = 1;
				c->child_ack = xu_get32(f, O_ACK);
			}
			return;
		}
		c->v_isn = seq;
		c->v_nxt = seq + 1;
		c->vport = xu_get16(f, O_SPORT);
		c->v_wnd = xu_get32(f, O_WND);
		c->est = 1;
		c->v_una = c->v_nxt;
		if (fl & F_ACK)		/* our SYN answered */
			a_seg(c, c->a_nxt, c->v_nxt, 65535, F_ACK, NULL, 0, 0);
		else			/* the victim's SYN: SYN|ACK */
			a_seg(c, c->a_nxt - 1, c->v_nxt, 65535, F_SYN | F_ACK,
			      NULL, 0, 0);
		return;
	}
	if (!c->est)
		return;
	c->v_wnd = xu_get32(f, O_WND);
	if (fl & F_ACK) {
		c->v_ack = xu_get32(f, O_ACK);
		c->have_vack = 1;
	}
	if (seq_before(c->v_nxt, end))
		c->v_nxt = end;
	if (fl & F_FIN)
		c->v_fin = 1;
	/* data, FIN or a probe below what we acknowledged: one ACK each */
	if (end == seq && !seq_before(seq, c->v_una))
		return;
	if (c->mode == M_SINK)
		a_ack(c, 65535);
	else if (c->mode == M_ZW)	/* all acknowledged, window shut, forever */
		a_ack(c, 0);
}

/* Read what the victim sent for up to @ms (0: what is queued) and react. */
static void pump(int ms)
{
	double end = xu_now() + ms / 1000.0;
	uint8_t f[70000];

	for (;;) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		uint32_t d;
		ssize_t n;

		n = recvfrom(g.rx, f, sizeof(f), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (n < 0) {
			struct pollfd p = { .fd = g.rx, .events = POLLIN };
			int left = (int)((end - xu_now()) * 1000);

			if (left <= 0)
				return;
			poll(&p, 1, left > 50 ? 50 : left);
			continue;
		}
		if (from.sll_pkttype == PACKET_OUTGOING || n < X + XU_HLEN ||
		    xu_get16(f, 12) != ETH_P_XNET)
			continue;
		g.vframes++;
		memcpy(&d, f + O_DADDR, 4);
		if (f[O_TYPE] == T_QUERY && g.answer && is_ours(d))
			send_answer(d);
		else if (f[O_TYPE] == T_DGRAM && is_ours(d))
			g.dg_rx[d == g.a2addr]++;
		else if (f[O_TYPE] == T_STREAM && is_ours(d) &&
			 n >= X + CONN_HLEN)
			seg_in(f);
		else if (f[O_TYPE] == T_HANDSHAKE && is_ours(d) &&
			 n == X + HS_LEN && f[O_HS] == HS_INIT) {
			memcpy(g.hs_init, f, n);
			g.hs_inits++;
		}
	}
}

/* ---- the victim's tables ---------------------------------------------- */

struct sockline {
	int type, st;
	char laddr[32], paddr[32];
	int lport, pport;
	unsigned long wq, rq;
};

/* Parse /proc/net/xnet/sockets; calls @fn on each line; -1 on error. */
static int for_sockets(void (*fn)(const struct sockline *, void *), void *arg)
{
	char line[512];
	struct sockline s;
	FILE *f = fopen("/proc/net/xnet/sockets", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %d %31[^:]:%d %31[^:]:%d %lx:%lx", &s.type,
			   &s.st, s.laddr, &s.lport, s.paddr, &s.pport, &s.wq,
			   &s.rq) == 8)
			fn(&s, arg);
	fclose(f);
	return 0;
}

struct sockscan {
	int n, synrecv, conns;
	unsigned long wmax, rmax;
	char wdesc[128];
};

static void scan_one(const struct sockline *s, void *arg)
{
	struct sockscan *r = arg;

	r->n++;
	if (s->st == XNET_STATE_SYN_RECV)
		r->synrecv++;
	if (s->type != SOCK_DGRAM && s->st != XNET_STATE_LISTEN)
		r->conns++;
	if (s->wq > r->wmax) {
		r->wmax = s->wq;
		snprintf(r->wdesc, sizeof(r->wdesc), "st %d %s:%d", s->st,
			 s->paddr, s->pport);
	}
	if (s->rq > r->rmax)
		r->rmax = s->rq;
}

struct findconn {
	uint16_t pport;
	int st;
};

static void find_one(const struct sockline *s, void *arg)
{
	struct findconn *fc = arg;

	if (s->type == SOCK_STREAM && s->pport == fc->pport &&
	    s->st != XNET_STATE_CLOSED && strcmp(s->paddr, V_ADDR))
		fc->st = s->st;
}

/* The state of the victim's connection with @c, -1 if none. */
static int conn_state(const struct ac *c)
{
	struct findconn fc = { .pport = c->aport, .st = -1 };

	if (for_sockets(find_one, &fc))
		return -2;
	return fc.st;
}

/* "orphans N" of /proc/net/xnet/mem where the kernel shows it, else 0. */
static int mem_orphans(void)
{
	char line[128];
	int n = 0;
	FILE *f = fopen("/proc/net/xnet/mem", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "orphans %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

static int neigh_count(int *incomplete)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/net/xnet/neigh", "r");

	*incomplete = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (strstr(line, "INCOMPLETE"))
			(*incomplete)++;
	}
	fclose(f);
	return n;
}

/* OutSegs + neighbour frames + error reports: everything the victim emits. */
static long long victim_out(void)
{
	return xu_counter("OutSegs") + xu_counter("NeighQueriesOut") +
	       xu_counter("NeighAnswersOut") + xu_counter("OutDatagrams") +
	       xu_counter("OutErrors");
}

/* ---- victim-side helpers ---------------------------------------------- */

static int synrecv_count(void)
{
	struct sockscan sc;

	memset(&sc, 0, sizeof(sc));
	for_sockets(scan_one, &sc);
	return sc.synrecv;
}

static int wait_fd(int fd, short ev, int ms)
{
	double end = xu_now() + ms * g.mul / 1000.0;

	while (xu_now() < end) {
		struct pollfd p = { .fd = fd, .events = ev };

		pump(0);
		if (poll(&p, 1, 20) > 0)
			return p.revents;
	}
	return 0;
}

/* The victim connects to us (@active) or we connect to its listener. */
static struct ac *open_conn_to(int scen, int active, int sndbuf,
				uint32_t peer)
{
	struct ac *c = new_ac(scen, peer);
	struct sockaddr_xnet sa = xu_sa(A_ADDR, 0);
	double end = xu_now() + 3.0 * g.mul;
	int fd, one = 1;

	if (!c)
		return NULL;
	/*
	 * Half-open children of spoof rounds (sources that never resolve)
	 * hold max_syn_backlog slots for their minute of SYN+ACK retries,
	 * and with syncookies off a listener then drops a new SYN, as TCP's
	 * does: the victim connects out instead.
	 */
	if (!active && synrecv_count() >= SYN_BACKLOG - 4)
		active = 1;
	if (active) {
		fd = socket(AF_XNET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0)
			goto fail;
		if (sndbuf)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				   sizeof(sndbuf));
		setsockopt(fd, SOL_XNET, XNET_NODELAY, &one, sizeof(one));
		sa.sxn_port = htons(c->aport);
		sa.sxn_addr = peer;
		g.listen_aport = c->aport;
		c->a_nxt = rnd() + 1;	/* our ISN + 1 */
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
		    errno != EINPROGRESS) {
			close(fd);
			goto fail;
		}
		c->vfd = fd;
		while (xu_now() < end && !(c->est && (wait_fd(fd, POLLOUT, 20) &
						     POLLOUT)))
			pump(10);
		g.listen_aport = 0;
		if (!c->est)
			goto fail;
		return c;
	}
	c->vport = V_LPORT;
	c->a_nxt = rnd();
	a_seg(c, c->a_nxt, 0, 65535, F_SYN, NULL, 0, 0);
	c->a_nxt++;
	while (xu_now() < end && !c->est)
		pump(10);
	if (!c->est)
		goto fail;
	while (xu_now() < end) {
		struct sockaddr_xnet ps;
		socklen_t pl = sizeof(ps);

		fd = accept4(g.lfd, (struct sockaddr *)&ps, &pl, SOCK_NONBLOCK);
		if (fd >= 0 && (pl < sizeof(ps) || ps.sxn_addr != c->aaddr ||
				ntohs(ps.sxn_port) != c->aport)) {
			/*
			 * Not ours: an established child of an earlier
			 * round's port still queued on the listener (seed
			 * 1612941037: round 3's, a random walk). Taken for
			 * ours, it shifted every later passive round by one:
			 * each watched another round's connection linger
			 * ("recv0 connection ... state 4 still there").
			 * Established children wait for accept() as TCP's
			 * do: reset it now.
			 */
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			fprintf(stderr, "# round %d: an earlier round's child (port %u) accepted: reset\n",
				g.round, ntohs(ps.sxn_port));
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(fd);
			g.strays++;
			continue;
		}
		if (fd >= 0) {
			c->vfd = fd;
			setsockopt(fd, SOL_XNET, XNET_NODELAY, &one,
				   sizeof(one));
			return c;
		}
		pump(10);
	}
fail:
	VIOL(V_SETUP, "scenario %s: %s connection did not open",
	     scen_names[scen], active ? "active" : "passive");
	if (c->vfd >= 0)
		close(c->vfd);
	c->vfd = -1;
	c->deadline = xu_now() + 5.0 * g.mul;
	c->mode = M_SILENT;
	return NULL;
}

static struct ac *open_conn(int scen, int active, int sndbuf)
{
	return open_conn_to(scen, active, sndbuf, g.aaddr);
}

static void v_send(struct ac *c, size_t n)
{
	static uint8_t buf[65536];

	if (c->vfd < 0)
		return;
	xu_fill(buf, n > sizeof(buf) ? sizeof(buf) : n, g.seed, g.round);
	while (n) {
		ssize_t k = send(c->vfd, buf, n > sizeof(buf) ? sizeof(buf) : n,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (k <= 0)
			break;
		n -= k;
	}
}

static void v_close(struct ac *c)
{
	if (c->vfd >= 0)
		close(c->vfd);
	c->vfd = -1;
}

/*
 * The round is over for @c: the attacker ends it with an exact reset
 * (unless @keep) and the victim must drop it by @secs.
 */
static void retire(struct ac *c, int rst, double secs)
{
	/* at the victim's rcv_nxt as its last ACK told, as a peer knows it */
	if (rst && c->est)
		a_seg(c, c->have_vack ? c->v_ack : c->a_nxt, 0, 0, F_RST,
		      NULL, 0, 0);
	/*
	 * A child our own SYN opened would, left alone, retransmit its
	 * SYN+ACK for a minute (as TCP's does): end it with an exact reset,
	 * even when the peer vanishes (the walk opened it, not the test).
	 */
	if (c->child)
		a_seg(c, c->child_ack, 0, 0, F_RST, NULL, 0, 0);
	v_close(c);
	c->mode = rst ? M_SILENT : c->mode;
	if (!c->deadline)
		c->deadline = xu_now() + secs * g.mul;
}

/* Keep the victim's neighbour table busy with @n unanswered resolutions. */
static void fill_neigh(int n, int base)
{
	struct sockaddr_xnet sa = xu_sa(NULL, 9);
	int i;

	for (i = 0; i < n; i++) {
		sa.sxn_addr = htonl(0x0a090000 | (100 + base % 100) << 8 |
				    (i + 1));
		sendto(g.dfd, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&sa,
		       sizeof(sa));
	}
}

/* ---- scenarios -------------------------------------------------------- */

/* SACK blocks hole/SACK/hole/SACK... over the victim's flight. */
static int sack_pattern(struct ac *c, uint32_t *s, int kind)
{
	uint32_t una = c->v_una, flight = c->v_nxt - c->v_una;
	int i, n = 0;

	if (flight < 4)
		return 0;
	switch (kind) {
	case 0:	/* every other segment from the second: 3 blocks */
		for (i = 0; i < 3 && (uint32_t)(2 * i + 2) * MSS <= flight; i++) {
			s[2 * n] = una + (2 * i + 1) * MSS;
			s[2 * n + 1] = una + (2 * i + 2) * MSS;
			n++;
		}
		break;
	case 1:	/* 1-byte blocks at random offsets */
		for (i = 0; i < 4; i++) {
			uint32_t o = 1 + rnd_below(flight - 2);

			s[2 * n] = una + o;
			s[2 * n + 1] = una + o + 1;
			n++;
		}
		break;
	default: /* random blocks, some invalid */
		for (i = 0; i < 1 + (int)rnd_below(4); i++) {
			uint32_t a = rnd_below(flight + 2), b = rnd_below(flight + 2);

			s[2 * n] = una + (a < b ? a : b);
			s[2 * n + 1] = una + (a < b ? b : a);
			n++;
		}
	}
	return n;
}

/* Wait until the unanswered resolutions of a fault have ended. */
static void neigh_settle(void)
{
	double end = xu_now() + 5.0 * g.mul;
	int inc, n;

	do {
		pump(50);
		n = neigh_count(&inc);
	} while (n > NEIGH_MAX / 4 && xu_now() < end);
}

static int neigh_state_of(const char *addr, const char *state)
{
	return xu_proc_has("neigh", addr, state) == 1;
}

static void sc_repair(void)
{
	int active = rnd_below(2), segs = 7 + rnd_below(8), fault = rnd_below(2);
	struct sockaddr_xnet sa = xu_sa(A_ADDR, 9);
	uint32_t s[8];
	struct ac *c = open_conn(S_REPAIR, active, 0);
	double end;
	int n;

	if (!c)
		return;
	c->mode = M_SILENT;	/* nothing acknowledged */
	v_send(c, segs * MSS);
	pump(30);
	if (rnd_below(2) && c->v_nxt - c->v_una > 9 * MSS) {
		/* a partial ACK first */
		c->v_una += MSS;
		a_seg(c, c->a_nxt, c->v_una, 65535, F_ACK, NULL, 0, 0);
	}
	if (rnd_below(3) == 0)
		shutdown(c->vfd, SHUT_WR);
	v_close(c);		/* an orphan in FIN_WAIT1 with data in flight */
	pump(5);
	if (fault == 0) {
		/* the table fills with resolutions that do not finish */
		fill_neigh(NEIGH_MAX + 1, g.round);
	} else {
		/* the peer stops answering: its resolution fails */
		g.answer = 0;
		xu_sh("xnetctl neigh flush to " A_ADDR " >/dev/null 2>&1");
		sendto(g.dfd, "F", 1, MSG_DONTWAIT, (struct sockaddr *)&sa,
		       sizeof(sa));
		end = xu_now() + 2.0 * g.mul;
		while (xu_now() < end && !neigh_state_of(A_ADDR, "FAILED"))
			pump(5);
	}
	n = sack_pattern(c, s, 0);
	if (n >= 2)
		a_seg(c, c->a_nxt, c->v_una, 65535, F_ACK, s, n, 0);
	pump(50);
	g.answer = 1;
	retire(c, 1, 5.0);
	neigh_settle();
}

static void sc_sack(void)
{
	int acks = 300 + rnd_below(1200), i, n;
	struct ac *c = open_conn(S_SACK, rnd_below(2), 65536);
	uint32_t s[8];
	struct sockscan sc;

	if (!c)
		return;
	c->mode = M_SILENT;
	v_send(c, 65536);
	pump(50);
	for (i = 0; i < acks; i++) {
		n = sack_pattern(c, s, 1);
		if (!n)
			break;
		a_seg(c, c->a_nxt, c->v_una, 65535, F_ACK, s, n, 0);
		if (i % 50 == 49) {
			pump(0);
			memset(&sc, 0, sizeof(sc));
			for_sockets(scan_one, &sc);
			if (sc.wmax > WMEM_MAX)
				break;	/* the check after the round reports it */
		}
	}
	pump(20);
	retire(c, 0, 3.0);	/* checked first, reset after */
}

static void sc_selfsyn(void)
{
	uint8_t f[FMAX];
	size_t len = mk_seg(f, g.vaddr, g.vaddr, V_LPORT, V_LPORT, rnd(), 0,
			    65535, F_SYN, NULL, 0, 0);

	send_raw(f, len);
	pump(100);
}

static void sc_spoof(void)
{
	int n = NEIGH_MAX + rnd_below(2 * NEIGH_MAX), i;
	struct sockaddr_xnet sa = xu_sa(A_ADDR, 9);
	long d0 = g.dg_rx[0], d1 = g.dg_rx[1];
	uint8_t f[FMAX];
	double end;

	/* the live peer is resolved */
	sendto(g.dfd, "L", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	end = xu_now() + 2.0 * g.mul;
	while (xu_now() < end && g.dg_rx[0] == d0)
		pump(10);
	d0 = g.dg_rx[0];
	for (i = 0; i < n; i++) {
		uint32_t src = htonl(0x0a098000 | (g.round & 0x7f) << 8 | i);
		uint16_t port = rnd_below(2) ? CLOSED_PORT : V_LPORT;
		uint16_t fl = rnd_below(2) ? F_SYN : F_ACK;
		size_t len = mk_seg(f, src, g.vaddr, 30000 + i, port, rnd(),
				    rnd(), 65535, fl, NULL, 0, 0);

		send_raw(f, len);
	}
	pump(20);
	/* a legitimate peer and a new one are still reached */
	sendto(g.dfd, "L", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	sa.sxn_addr = g.a2addr;
	sendto(g.dfd, "N", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	end = xu_now() + 2.0 * g.mul;
	while (xu_now() < end && (g.dg_rx[0] == d0 || g.dg_rx[1] == d1))
		pump(10);
	if (g.dg_rx[0] == d0 || g.dg_rx[1] == d1)
		VIOL(V_REACH, "after %d spoofed segments: live peer %s, new peer %s",
		     n, g.dg_rx[0] == d0 ? "unreachable" : "reached",
		     g.dg_rx[1] == d1 ? "not resolved" : "resolved");
	neigh_settle();
	/* the half-open children the spoofed SYNs made end by timeout */
}

static void sc_zerownd(void)
{
	struct ac *c = open_conn(S_ZEROWND, rnd_below(2), 0);

	if (!c)
		return;
	c->mode = M_ZW;
	v_send(c, 16 * MSS + rnd_below(32 * MSS));
	pump(50);
	a_ack(c, 0);
	pump(20);
	v_close(c);
	/* the peer keeps answering every probe with window 0 */
	c->deadline = xu_now() + g.orphan_ms / 1000.0 * g.mul;
}

static void sc_keeptw(void)
{
	struct ac *c = open_conn(S_KEEPTW, rnd_below(2), 0);
	int on = 1, off = 0;
	double end;

	if (!c)
		return;
	shutdown(c->vfd, SHUT_WR);
	end = xu_now() + 2.0 * g.mul;
	while (xu_now() < end && !c->v_fin)
		pump(10);
	/* ACK its FIN, send ours: TIME_WAIT with the socket still open */
	a_seg(c, c->a_nxt, c->v_nxt, 65535, F_ACK | F_FIN, NULL, 0, 0);
	c->a_nxt++;
	c->v_una = c->v_nxt;
	pump(50);
	setsockopt(c->vfd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(c->vfd, SOL_SOCKET, SO_KEEPALIVE, &off, sizeof(off));
	c->mode = M_SILENT;
	if (rnd_below(2))
		v_close(c);
	retire(c, 0, TIME_WAIT_MS / 1000.0 + 3.0);
}

struct recv0 {
	int fd, done;
	ssize_t ret;
};

static void *recv0_thread(void *arg)
{
	struct recv0 *r = arg;
	char b[1];

	r->ret = recv(r->fd, b, 0, 0);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void sc_recv0(void)
{
	struct ac *c = open_conn(S_RECV0, rnd_below(2), 0);
	struct recv0 r = { 0 };
	struct timeval tv = { .tv_sec = 1 };
	pthread_t th;
	double end;
	int fl;

	if (!c)
		return;
	a_seg(c, c->a_nxt, c->v_nxt, 65535, F_ACK, NULL, 0, 100);
	c->a_nxt += 100;
	if (!(wait_fd(c->vfd, POLLIN, 2000) & POLLIN)) {
		retire(c, 1, 3.0);
		return;
	}
	fl = fcntl(c->vfd, F_GETFL);
	fcntl(c->vfd, F_SETFL, fl & ~O_NONBLOCK);
	setsockopt(c->vfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r.fd = c->vfd;
	if (pthread_create(&th, NULL, recv0_thread, &r)) {
		retire(c, 1, 3.0);
		return;
	}
	end = xu_now() + 3.0 * g.mul;
	while (xu_now() < end && !__atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
		pump(10);
	if (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
		VIOL(V_RECV0, "recv(fd, buf, 0, 0) with data queued did not return in %ds",
		     3 * g.mul);
		/* the thread is stuck in the kernel: the test fails */
		fprintf(stderr, "# Bail out: stuck recv(0)\n");
		_exit(KSFT_FAIL);
	}
	pthread_join(th, NULL);
	if (r.ret != 0)
		VIOL(V_RECV0, "recv(fd, buf, 0, 0) returned %zd", r.ret);
	retire(c, 0, 3.0);	/* closed with unread data: the victim resets */
}

static void sc_blind(void)
{
	struct ac *c = open_conn(S_BLIND, rnd_below(2), 0);
	uint8_t b[256];
	ssize_t k;

	if (!c)
		return;
	v_send(c, 4 * MSS);
	pump(50);
	/* in the window, acknowledging what was acknowledged 1 GB ago */
	a_seg(c, c->a_nxt, c->v_una - 0x40000000, 65535, F_ACK, NULL, 0, 64);
	pump(50);
	k = recv(c->vfd, b, sizeof(b), MSG_DONTWAIT);
	if (k > 0)
		VIOL(V_DATA, "data with ack = snd_una - 2^30 delivered (%zd bytes)",
		     k);
	retire(c, 1, 3.0);
}

/*
 * How long an orphan may outlive a peer that vanished: its retransmissions
 * wait on resolutions that fail (no error reaches it), so it ends by its
 * retry limit: 2^(retries+1) - 1 RTOs of at least 200 ms, 25 s with the
 * 6 retries of old; net.xnet.orphan_retries, where the kernel has it, is
 * set to 3 (3 s).
 */
static double vanish_secs(void)
{
	return access("/proc/sys/net/xnet/orphan_retries", F_OK) ? 45.0 : 20.0;
}

/* A random walk of a malicious peer over one connection. */
static void sc_random(void)
{
	int steps = 5 + rnd_below(20), i, n, vanish = !rnd_below(4);
	uint32_t peer = vanish ? eph_new() : g.aaddr;
	struct ac *c = open_conn_to(S_RANDOM, rnd_below(2),
				    rnd_below(2) ? 32768 : 0, peer);
	uint32_t s[8];
	uint8_t b[4096];
	int on = 1, off = 0, end_rst = 1;

	if (!c) {
		eph_vanish(peer);
		return;
	}
	c->mode = rnd_below(3) ? M_SILENT : M_SINK;
	for (i = 0; i < steps; i++) {
		uint32_t una = c->v_una, flight = c->v_nxt - c->v_una;

		switch (rnd_below(16)) {
		case 0:	/* victim sends */
			v_send(c, 1 + rnd_below(16 * MSS));
			break;
		case 1:	/* victim reads */
			if (c->vfd >= 0)
				(void)!recv(c->vfd, b, sizeof(b), MSG_DONTWAIT);
			break;
		case 2:	/* recv 0 without blocking */
			if (c->vfd >= 0)
				(void)!recv(c->vfd, b, 0, MSG_DONTWAIT);
			break;
		case 3:	/* keepalive toggles */
			if (c->vfd >= 0)
				setsockopt(c->vfd, SOL_SOCKET, SO_KEEPALIVE,
					   rnd_below(2) ? &on : &off, sizeof(on));
			break;
		case 4:	/* in-order data from the peer */
			n = 1 + rnd_below(MSS);
			a_seg(c, c->a_nxt, c->v_nxt, 65535, F_ACK, NULL, 0, n);
			c->a_nxt += n;
			break;
		case 5:	/* out of order / out of window data */
			a_seg(c, c->a_nxt + 1 + rnd_below(rnd_below(2) ? 8000 : 1u << 30),
			      c->v_una, 65535, F_ACK, NULL, 0, 1 + rnd_below(MSS));
			break;
		case 6:	/* partial ACK */
			if (flight > 1) {
				c->v_una = una + 1 + rnd_below(flight - 1);
				a_seg(c, c->a_nxt, c->v_una, rnd_below(65536),
				      F_ACK, NULL, 0, 0);
			}
			break;
		case 7:	/* ACK of data never sent */
			a_seg(c, c->a_nxt, c->v_nxt + 1 + rnd_below(100000),
			      65535, F_ACK, NULL, 0, 0);
			break;
		case 8:	/* SACK patterns */
			n = sack_pattern(c, s, rnd_below(3));
			if (n)
				a_seg(c, c->a_nxt, c->v_una, 65535, F_ACK, s,
				      n, 0);
			break;
		case 9:	/* window 0, then maybe reopened */
			a_seg(c, c->a_nxt, c->v_una, 0, F_ACK, NULL, 0, 0);
			break;
		case 10: /* reset in the window, wrong sequence */
			a_seg(c, c->a_nxt + 1 + rnd_below(1000), 0, 0, F_RST,
			      NULL, 0, 0);
			break;
		case 11: /* reset out of the window */
			a_seg(c, c->a_nxt + 0x20000000 + rnd(), 0, 0, F_RST,
			      NULL, 0, 0);
			break;
		case 12: /* SYN in the window */
			a_seg(c, c->a_nxt + rnd_below(1000), 0, 65535, F_SYN,
			      NULL, 0, 0);
			break;
		case 13: /* victim shuts down or closes with unread data */
			if (c->vfd >= 0 && rnd_below(2))
				shutdown(c->vfd, SHUT_WR);
			else
				v_close(c);
			break;
		case 14: /* our FIN */
			a_seg(c, c->a_nxt, c->v_nxt, 65535, F_ACK | F_FIN,
			      NULL, 0, 0);
			c->a_nxt++;
			break;
		case 15: /* become a good peer for a while */
			c->mode = M_SINK;
			a_ack(c, 65535);
			break;
		}
		pump(rnd_below(3) ? 0 : 20);
	}
	pump(30);
	/*
	 * The peer goes away, with a reset, or it vanishes: silent, its
	 * resolution failing once the victim's entry ages (neigh_gc_ms).
	 */
	if (vanish) {
		end_rst = 0;
		c->mode = M_SILENT;
		eph_vanish(peer);
	}
	retire(c, end_rst, end_rst ? 4.0 : vanish_secs());
}

/* ---- invariants ------------------------------------------------------- */

static void check_conns(int final)
{
	char pa[INET_ADDRSTRLEN];
	double now = xu_now();
	int i, st;

	for (i = 0; i < MAXC; i++) {
		struct ac *c = &g.c[i];

		if (!c->used || !c->deadline)
			continue;
		st = conn_state(c);
		if (st == -1) {
			v_close(c);
			c->used = 0;
			continue;
		}
		if (now > c->deadline || final) {
			v_close(c);
			VIOL(V_LINGER, "%s connection %s:%u state %d still there %.1fs after it was left (mode %d)",
			     scen_names[c->scen], xu_ntoa(c->aaddr, pa),
			     c->aport, st,
			     now - c->deadline + 0.0, c->mode);
			/* what it is waiting for: its timers and sequences */
			xu_sh("xnetctl sockets -a -i dport = %u | sed 's/^/#   /'",
			      c->aport);
			c->used = 0;
			if (c->mode != M_SILENT) {
				c->mode = M_SILENT;
				a_seg(c, c->a_nxt, 0, 0, F_RST, NULL, 0, 0);
			}
		}
	}
}

static void check_tables(void)
{
	struct sockscan sc;
	int n, inc;

	memset(&sc, 0, sizeof(sc));
	if (for_sockets(scan_one, &sc)) {
		VIOL(V_SETUP, "cannot read /proc/net/xnet/sockets");
		return;
	}
	if (sc.wmax > WMEM_MAX)
		VIOL(V_WMEM, "sk_wmem_queued %lu > %d (%s)", sc.wmax, WMEM_MAX,
		     sc.wdesc);
	if (sc.rmax > RMEM_MAX)
		VIOL(V_RMEM, "receive memory %lu > %d", sc.rmax, RMEM_MAX);
	if (sc.synrecv > SYN_BACKLOG)
		VIOL(V_SYNRECV, "%d half-open children > %d", sc.synrecv,
		     SYN_BACKLOG);
	n = neigh_count(&inc);
	if (n > NEIGH_MAX)
		VIOL(V_NEIGH, "%d neighbour entries > %d", n, NEIGH_MAX);
}

/* With the attacker quiet, the victim must be nearly quiet too. */
static void check_quiet(void)
{
	long long o0 = victim_out(), o1;
	long w0 = g.vframes, a0 = g.aframes;
	int ms = 300;

	pump(ms);
	o1 = victim_out();
	/*
	 * Allowed: retransmissions with backoff, probes and queries of a
	 * few connections and resolutions, each answered at most once.
	 */
	if (o1 - o0 > 40 + 2 * NEIGH_MAX + 2 * (g.aframes - a0))
		VIOL(V_STORM, "victim sent %lld frames (%ld on the wire) in %d ms of quiet; attacker sent %ld",
		     o1 - o0, g.vframes - w0, ms, g.aframes - a0);
}

/* ---- fixture ---------------------------------------------------------- */

static int sysctl_set(const char *name, const char *val)
{
	return xu_sh("echo %s > /proc/sys/net/xnet/%s", val, name);
}

static int setup(struct __test_metadata *_metadata)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	struct sockaddr_xnet sa = xu_sa(V_ADDR, V_LPORT);
	const char *e = getenv("XNET_TIMEOUT_MUL");
	int big = 8 << 20;

	memset(&g, 0, sizeof(g));
	g.md = _metadata;
	g.mul = e && atoi(e) > 1 ? atoi(e) : 1;
	e = getenv("XNET_FUZZ_SEED");
	g.seed = e ? strtoul(e, NULL, 0) :
		 (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	if (!g.seed)
		g.seed = 1;
	g.rnd = g.seed;
	e = getenv("XNET_FUZZ_ORPHAN_MS");
	g.orphan_ms = e ? atoi(e) : 20000;
	g.next_port = 20000;
	g.answer = 1;
	g.vaddr = xu_addr(V_ADDR);
	g.aaddr = xu_addr(A_ADDR);
	g.a2addr = xu_addr(A2_ADDR);

	if (unshare(CLONE_NEWNET))
		return -1;
	xu_sh("ip netns del " B_NS " 2>/dev/null");
	xu_sh("echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null");
	if (xu_sh("ip link set lo up && ip netns add " B_NS " && "
		  "ip link add va type veth peer name vb && "
		  "ip link set vb netns " B_NS " && "
		  "ip -n " B_NS " link set vb up && "
		  "ip link set va up && "
		  "xnetctl addr add " V_ADDR " dev va"))
		return -1;
	sysctl_set("neigh_max", "32");
	sysctl_set("neigh_retries", "2");
	sysctl_set("neigh_retrans_ms", "200");
	sysctl_set("neigh_reachable_ms", "1000");
	sysctl_set("neigh_gc_ms", "2000");
	sysctl_set("time_wait_ms", "500");
	sysctl_set("max_syn_backlog", "64");
	sysctl_set("syncookies", "0");
	/* where the kernel has it (issue 10's timers work): orphans give up sooner */
	xu_sh("echo 3 > /proc/sys/net/xnet/orphan_retries 2>/dev/null");
	if (xu_get_mac("va", g.va_mac))
		return -1;
	g.own_ns = open("/proc/self/ns/net", O_RDONLY);
	g.b_ns = open("/run/netns/" B_NS, O_RDONLY);
	if (g.own_ns < 0 || g.b_ns < 0 || setns(g.b_ns, CLONE_NEWNET))
		return -1;
	g.ifindex = if_nametoindex("vb");
	if (!g.ifindex || xu_get_mac("vb", g.vb_mac))
		return -1;
	g.tx = socket(AF_PACKET, SOCK_RAW, 0);
	g.rx = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_XNET));
	if (g.tx < 0 || g.rx < 0)
		return -1;
	ll.sll_ifindex = g.ifindex;
	if (bind(g.tx, (struct sockaddr *)&ll, sizeof(ll)))
		return -1;
	setsockopt(g.rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	ll.sll_protocol = htons(ETH_P_XNET);
	if (bind(g.rx, (struct sockaddr *)&ll, sizeof(ll)))
		return -1;
	if (setns(g.own_ns, CLONE_NEWNET))
		return -1;
	g.lfd = socket(AF_XNET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	g.dfd = socket(AF_XNET, SOCK_DGRAM, 0);
	if (g.lfd < 0 || g.dfd < 0 ||
	    bind(g.lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(g.lfd, 16))
		return -1;
	return 0;
}

static void teardown(void)
{
	xu_sh("ip netns del " B_NS " 2>/dev/null");
}

FIXTURE(adv) {
	int ok;
};

FIXTURE_SETUP(adv)
{
	self->ok = !setup(_metadata);
	ASSERT_TRUE(self->ok);
	TH_LOG("seed %u (replay with XNET_FUZZ_SEED=%u)", g.seed, g.seed);
}

FIXTURE_TEARDOWN(adv)
{
	teardown();
}

static void (* const scen_fn[NSCEN])(void) = {
	sc_repair, sc_sack, sc_selfsyn, sc_spoof, sc_zerownd, sc_keeptw,
	sc_recv0, sc_blind, sc_random,
};

static int scen_allowed(int s)
{
	const char *only = getenv("XNET_FUZZ_ONLY");
	char buf[256], *tok, *save;

	if (!only || !*only)
		return 1;
	snprintf(buf, sizeof(buf), "%s", only);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, scen_names[s]))
			return 1;
	return 0;
}

static int pick_scen(void)
{
	int total = 0, i, r;

	for (i = 0; i < NSCEN; i++)
		total += scen_allowed(i) ? scen_weight[i] : 0;
	if (!total)
		return -1;
	r = rnd_below(total);
	for (i = 0; i < NSCEN; i++) {
		if (!scen_allowed(i))
			continue;
		if (r < scen_weight[i])
			return i;
		r -= scen_weight[i];
	}
	return -1;
}

static const char * const st_names[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECV", "ESTABLISHED",
	"FIN_WAIT1", "FIN_WAIT2", "CLOSING", "TIME_WAIT", "CLOSE_WAIT",
	"LAST_ACK", "BOUND", "CONNECTED",
};

/*
 * Print the victim's sockets with their state names, for a violation to
 * say what is left: inode 0 is an orphan (no file), anything else still
 * has a file ("fd N here" when it is one of this program's descriptors).
 */
static void dump_sockets(void)
{
	char line[512], pa[INET_ADDRSTRLEN], la[INET_ADDRSTRLEN];
	unsigned long wq, rq, ino;
	int type, st, lport, pport, n = 0, i;
	FILE *f = fopen("/proc/net/xnet/sockets", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char own[24] = "";
		struct stat sb;

		if (sscanf(line, "%d %d %15[^:]:%d %15[^:]:%d %lx:%lx %*u %lu",
			   &type, &st, la, &lport, pa, &pport, &wq, &rq,
			   &ino) != 9)
			continue;
		for (i = 0; i < 1024 && ino; i++)
			if (!fstat(i, &sb) && S_ISSOCK(sb.st_mode) &&
			    sb.st_ino == ino)
				snprintf(own, sizeof(own), " fd %d here", i);
		if (n++ < 40)
			fprintf(stderr, "#   %s %s %s:%d <-> %s:%d wq %lu rq %lu %s%s\n",
				type == SOCK_STREAM ? "stream" :
				type == SOCK_DGRAM ? "dgram" : "seqpacket",
				st >= 0 && st < (int)(sizeof(st_names) /
						       sizeof(st_names[0])) ?
				st_names[st] : "?", la, lport, pa, pport, wq,
				rq, ino ? "file" : "orphan", own);
	}
	if (n > 40)
		fprintf(stderr, "#   ... %d more\n", n - 40);
	fclose(f);
}

static int anything_left(void)
{
	int i;

	for (i = 0; i < MAXC; i++)
		if (g.c[i].used)
			return 1;
	return 0;
}

TEST_F_TIMEOUT(adv, fuzz, 170)
{
	const char *e = getenv("XNET_FUZZ_ROUNDS");
	int rounds = e ? atoi(e) : g.mul > 1 ? 12 : 24, i, s, n, inc, orph;
	int counts[NSCEN] = { 0 };
	struct sockscan sc;
	double t0 = xu_now(), end;
	char line[256];

	for (g.round = 0; g.round < rounds; g.round++) {
		s = pick_scen();
		if (s < 0) {
			VIOL(V_SETUP, "XNET_FUZZ_ONLY names no scenario");
			break;
		}
		counts[s]++;
		/* on the console before the round: a crash names its round */
		fprintf(stderr, "# round %d: %s\n", g.round, scen_names[s]);
		fflush(stderr);
		scen_fn[s]();
		check_tables();
		/* what the round left behind ends by an exact reset */
		for (i = 0; i < MAXC; i++)
			if (g.c[i].used && g.c[i].scen == S_SACK &&
			    g.c[i].mode == M_SILENT && g.c[i].est &&
			    g.c[i].deadline) {
				a_seg(&g.c[i], g.c[i].have_vack ?
				      g.c[i].v_ack : g.c[i].a_nxt, 0, 0,
				      F_RST, NULL, 0, 0);
				g.c[i].est = 0;
			}
		check_quiet();
		check_conns(0);
	}
	line[0] = 0;
	for (i = 0; i < NSCEN; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 " %s=%d", scen_names[i], counts[i]);
	TH_LOG("%d rounds in %.1fs:%s; %d earlier rounds' children reset",
	       rounds, xu_now() - t0, line, g.strays);

	/* drain: the peer still answers until every deadline */
	while (anything_left()) {
		pump(100);
		check_conns(0);
	}
	/* the peer goes away; everything must return to zero */
	g.answer = 0;
	close(g.lfd);
	close(g.dfd);
	end = xu_now() + 15.0 * g.mul;
	do {
		pump(100);
		memset(&sc, 0, sizeof(sc));
		for_sockets(scan_one, &sc);
		n = neigh_count(&inc);
		orph = mem_orphans();
	} while ((sc.n || n || orph) && xu_now() < end);
	if (sc.n || n || orph) {
		VIOL(V_ZERO, "after the peer went away: %d sockets, %d neighbour entries, %d orphans; the sockets:",
		     sc.n, n, orph);
		dump_sockets();
	}
	TH_LOG("%.1fs in all, victim sent %ld frames, attacker %ld; %d violations (seed %u)",
	       xu_now() - t0, g.vframes, g.aframes, g.nviol, g.seed);
	EXPECT_EQ(0, g.nviol);
}

/*
 * Closing a listener ends its half-open children at once: children of
 * spoofed SYNs whose sources never resolve would otherwise retransmit
 * their SYN+ACK for a minute after it, each holding a max_syn_backlog
 * slot (what the fuzzer's "after the peer went away" check found:
 * SYN_RECV children of its spoof rounds outliving the listener).
 */
static void count_synrecv(const struct sockline *s, void *arg)
{
	if (s->type == SOCK_STREAM && s->st == XNET_STATE_SYN_RECV &&
	    s->lport == V_LPORT)
		(*(int *)arg)++;
}

TEST_F_TIMEOUT(adv, listener_close_children, 60)
{
	int i, n = 0, want = 8;
	uint8_t f[FMAX];
	double end;

	g.answer = 0;
	for (i = 0; i < want; i++) {
		uint32_t src = htonl(0x0a097700 | (i + 1));
		size_t len = mk_seg(f, src, g.vaddr, 31000 + i, V_LPORT,
				    rnd(), 0, 65535, F_SYN, NULL, 0, 0);

		ASSERT_EQ(0, send_raw(f, len));
	}
	end = xu_now() + 3.0 * g.mul;
	do {
		pump(20);
		n = 0;
		ASSERT_EQ(0, for_sockets(count_synrecv, &n));
	} while (n < want && xu_now() < end);
	ASSERT_EQ(want, n);
	close(g.lfd);
	/* without the fix they stay until their SYN+ACK retries end (63 s) */
	end = xu_now() + 3.0 * g.mul;
	do {
		pump(20);
		n = 0;
		ASSERT_EQ(0, for_sockets(count_synrecv, &n));
	} while (n && xu_now() < end);
	if (n)
		dump_sockets();
	EXPECT_EQ(0, n);
	g.answer = 1;
}

/* ---- amplification ---------------------------------------------------- */

static int dev_stats(const char *ifname, long long *rx, long long *rxdrop,
		     long long *tx)
{
	char line[512], name[64];
	long long v[16];
	FILE *f = fopen("/proc/net/dev", "r");
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (!p)
			continue;
		*p = ' ';
		if (sscanf(line, "%63s %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
			   name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7], &v[8], &v[9]) == 11 &&
		    !strcmp(name, ifname)) {
			*rx = v[1];
			*rxdrop = v[3];
			*tx = v[9];
			found = 0;
		}
	}
	fclose(f);
	return found;
}

#define NAMP_KINDS	9

/* Build hostile frame number @j of kind @k (0..8) in @f; its length. */
static size_t amp_frame(uint8_t *f, long j, int k, const struct ac *c)
{
	uint32_t src = htonl(0x0a090000 | (0x40 + (j >> 8 & 0x3f)) << 8 |
			     (j & 0xff));
	size_t len;

	switch (k) {
	case 0:	/* SYN from a stranger to a closed port */
		return mk_seg(f, src, g.vaddr, 1024 + j % 30000, CLOSED_PORT,
			      j, 0, 65535, F_SYN, NULL, 0, 0);
	case 1:	/* ACK from a stranger to the listener */
		return mk_seg(f, src, g.vaddr, 1024 + j % 30000, V_LPORT, j,
			      j * 7, 65535, F_ACK, NULL, 0, 0);
	case 2:	/* out-of-window data on the live connection */
		return mk_seg(f, g.aaddr, g.vaddr, c->aport, c->vport,
			      c->a_nxt + 0x40000000 + j, c->v_una, 65535,
			      F_ACK, NULL, 0, 16);
	case 3:	/* neighbour query from a stranger */
		len = mk_hdr(f, T_QUERY, src, g.vaddr, 0, 0, XU_HLEN);
		fix_crc(f);
		return len;
	case 4:	/* in-window reset at the wrong sequence */
		return mk_seg(f, g.aaddr, g.vaddr, c->aport, c->vport,
			      c->a_nxt + 1 + j % 1000, 0, 0, F_RST, NULL, 0, 0);
	case 5:	/* in-window SYN */
		return mk_seg(f, g.aaddr, g.vaddr, c->aport, c->vport,
			      c->a_nxt + j % 1000, 0, 65535, F_SYN, NULL, 0, 0);
	case 6:	/* data from the live peer's address to a closed port */
		return mk_seg(f, g.aaddr, g.vaddr, 1024 + j % 30000,
			      CLOSED_PORT, j, j, 65535, F_ACK, NULL, 0, 8);
	case 7:	/* a datagram from a stranger to a closed port: a report */
		len = mk_hdr(f, T_DGRAM, src, g.vaddr, 1024 + j % 30000,
			     CLOSED_PORT, XU_HLEN + 8);
		fix_crc(f);
		return len;
	default: /* an error report from a stranger: never answered */
		len = mk_hdr(f, T_ERROR, src, g.vaddr, 0, 0,
			     XU_HLEN + 8 + XU_CONN_HLEN);
		f[X + XU_HLEN] = 1 + j % 3;		/* XNET_ERR_* */
		f[X + XU_HLEN + 1] = j % 4;		/* XNET_UNREACH_* */
		/* the quote: a segment of the live connection, any seq */
		f[X + XU_HLEN + 8] = XU_VERSION;
		f[X + XU_HLEN + 8 + 1] = T_STREAM;
		xu_put16(f, X + XU_HLEN + 8 + 2, XU_CONN_HLEN + 1000);
		memcpy(f + X + XU_HLEN + 8 + 4, &g.vaddr, 4);
		memcpy(f + X + XU_HLEN + 8 + 8, &c->aaddr, 4);
		xu_put16(f, X + XU_HLEN + 8 + 12, c->vport);
		xu_put16(f, X + XU_HLEN + 8 + 14, c->aport);
		xu_put32(f, X + XU_HLEN + 8 + XU_HLEN, j * 2654435761U);
		fix_crc(f);
		return len;
	}
}

static const char * const amp_ctrs[] = {
	"OutSegs", "OutRsts", "NeighQueriesOut", "NeighAnswersOut",
	"InChallengeAcks", "InOutOfWindow", "NeighTableFull", "OutNoRoute",
	"OutErrors", "OutErrorsRateLimited", "InErrors", "InErrorsIgnored",
};

#define NAMP (sizeof(amp_ctrs) / sizeof(amp_ctrs[0]))

struct amp_res {
	long sent;
	long long rx, rxdrop, wire, out;
	long long d[NAMP];
	double secs;
};

/*
 * Inject @total frames of the kinds in @mask, @rate a second (0: as fast
 * as sendmmsg goes), for at most @max_s; what the victim sent meanwhile
 * and in the second after.
 */
static int amp_phase(struct amp_res *r, long total, int rate, int mask,
		     double max_s, long base, const struct ac *c)
{
	static uint8_t fr[64][128];
	struct mmsghdr mm[64];
	struct iovec iov[64];
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_halen = 6,
		.sll_protocol = htons(ETH_P_XNET), .sll_ifindex = g.ifindex,
	};
	long long rx0, rxd0, tx0, rx1, rxd1, tx1, o0, d0[NAMP];
	double t0;
	long j = base;
	unsigned int i;
	int k, n;

	memcpy(ll.sll_addr, g.va_mac, 6);
	memset(r, 0, sizeof(*r));
	pump(0);
	if (dev_stats("va", &rx0, &rxd0, &tx0))
		return -1;
	o0 = victim_out();
	for (i = 0; i < NAMP; i++)
		d0[i] = xu_counter(amp_ctrs[i]);
	t0 = xu_now();
	while (r->sent < total && xu_now() - t0 < max_s) {
		n = total - r->sent < 64 ? total - r->sent : 64;
		if (rate)
			n = 1;
		for (k = 0; k < n; k++, j++) {
			while (!(mask & 1 << (j % NAMP_KINDS)))
				j++;
			iov[k].iov_base = fr[k];
			iov[k].iov_len = amp_frame(fr[k], j, j % NAMP_KINDS, c);
			memset(&mm[k], 0, sizeof(mm[k]));
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
			mm[k].msg_hdr.msg_name = &ll;
			mm[k].msg_hdr.msg_namelen = sizeof(ll);
		}
		k = sendmmsg(g.tx, mm, n, 0);
		if (k <= 0)
			return -1;
		r->sent += k;
		g.aframes += k;
		if (rate)
			pump(1000 / rate);
		else if (r->sent % 1024 < 64)
			pump(0);	/* keep the sniffer's buffer from filling */
	}
	r->secs = xu_now() - t0;
	/* replies still waiting in resolutions or timers come out now */
	pump(rate ? 3000 : 1000);
	if (dev_stats("va", &rx1, &rxd1, &tx1))
		return -1;
	r->out = victim_out() - o0;
	for (i = 0; i < NAMP; i++)
		r->d[i] = xu_counter(amp_ctrs[i]) - d0[i];
	r->rx = rx1 - rx0;
	r->rxdrop = rxd1 - rxd0;
	r->wire = tx1 - tx0;
	return 0;
}

static void amp_log(struct __test_metadata *_metadata, const char *name,
		    const struct amp_res *r)
{
	char line[512] = "";
	unsigned int i;

	for (i = 0; i < NAMP; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 " %s=%lld", amp_ctrs[i], r->d[i]);
	TH_LOG("%s: injected %ld in %.1fs; victim received %lld (dropped %lld), sent %lld on the wire (ratio %.3f), %lld by its counters (ratio %.3f);%s",
	       name, r->sent, r->secs, r->rx, r->rxdrop, r->wire,
	       (double)r->wire / (r->sent ? r->sent : 1), r->out,
	       (double)r->out / (r->sent ? r->sent : 1), line);
}

TEST_F_TIMEOUT(adv, amplification, 170)
{
	const char *e = getenv("XNET_AMP_FRAMES");
	long total = e ? atol(e) : 100000;
	struct amp_res slow, fast;
	double max_s;
	struct ac *c;

	e = getenv("XNET_AMP_MS");
	/* not stretched on a slow kernel: fewer frames, the same ratio */
	max_s = (e ? atoi(e) : 15000) / 1000.0;
	/* the default resolution timers: what an attacker meets */
	sysctl_set("neigh_max", "256");
	sysctl_set("neigh_retries", "3");
	sysctl_set("neigh_retrans_ms", "1000");
	sysctl_set("neigh_reachable_ms", "30000");
	sysctl_set("neigh_gc_ms", "60000");

	/* a live connection to aim at, its sequence spaces known */
	c = open_conn(S_RANDOM, 1, 0);
	ASSERT_NE(NULL, c);
	v_send(c, 1000);
	pump(100);
	a_ack(c, 65535);
	pump(100);

	/* strangers at a modest rate: each answer costs a resolution */
	ASSERT_EQ(0, amp_phase(&slow, 200, 100, 1 << 0 | 1 << 1 | 1 << 3,
			       10.0 * g.mul, 0, c));
	amp_log(_metadata, "strangers, 100/s", &slow);
	/* everything, as fast as it goes */
	ASSERT_EQ(0, amp_phase(&fast, total, 0, (1 << NAMP_KINDS) - 1, max_s,
			       1 << 16, c));
	amp_log(_metadata, "assorted, flood", &fast);

	EXPECT_LE(slow.wire, slow.sent);
	EXPECT_LE(slow.out, slow.sent);
	EXPECT_LE(1000, fast.sent);
	EXPECT_LE(fast.wire, fast.sent);
	EXPECT_LE(fast.out, fast.sent);
	/* error reports within net.xnet.error_rate (100/s, burst 50) */
	EXPECT_LE(fast.d[8], (long long)(100 * (fast.secs + 2)) + 50);
	retire(c, 1, 3.0);
	pump(100);
}

/* ---- a malicious peer in handshakes ------------------------------------ */

enum { H_AUTH, H_NOKEY, H_ANY, NH };

/*
 * One hostile answer to the victim's initiation @init (the attacker holds
 * no key): a response cut short, a response to it with a forged MAC (or,
 * if the victim gave up on that handshake meanwhile, for an index it no
 * longer waits on), one for another index, the initiation reflected
 * back from the attacker's address (its MAC covers the addresses), a
 * fresh initiation with the victim's fingerprint and a random MAC, or a
 * sealed frame for a session the victim never had. Returns the counter
 * it must land in.
 */
static int hs_hostile(const uint8_t *init)
{
	uint8_t f[FMAX];
	size_t xlen = HS_LEN;
	int kind = rnd_below(6), want = H_AUTH, i;

	if (kind == 0)
		xlen = XU_HLEN + 12 + rnd_below(HS_LEN - XU_HLEN - 12);
	if (kind == 5)
		xlen = XU_HLEN + 16 + 16 + 16 + rnd_below(1000);
	mk_hdr(f, kind == 5 ? T_SEALED : T_HANDSHAKE, g.aaddr, g.vaddr, 0, 0,
	       xlen);
	f[X + XU_O_HOPLIMIT] = XU_HOPLIMIT;
	for (i = O_HS; i < X + (int)xlen; i++)
		f[i] = rnd();
	switch (kind) {
	case 0:		/* a response cut short */
	case 1:		/* a response with a forged MAC */
	case 2:		/* a response for another index */
		memcpy(f + O_HS, init + O_HS, HS_LEN - XU_HLEN);
		f[O_HS] = HS_RESP;
		/* receiver: the initiator's index */
		memcpy(f + O_HS + 8, init + O_HS + 4, 4);
		xu_put32(f, O_HS + 4, rnd());
		for (i = O_HS + 32; i < X + (int)xlen; i++)
			f[i] = rnd();		/* random and MAC */
		if (kind == 1)
			want = H_ANY;
		if (kind == 2) {
			f[O_HS + 11] ^= 1 + rnd_below(255);
			want = H_NOKEY;
		}
		break;
	case 3:		/* the victim's own initiation, reflected */
		memcpy(f + O_HS, init + O_HS, HS_LEN - XU_HLEN);
		break;
	case 4:		/* an initiation with a random MAC */
		memcpy(f + O_HS, init + O_HS, 20);	/* kind .. fingerprint */
		xu_put32(f, O_HS + 4, rnd());
		break;
	case 5:		/* sealed, for a session nobody has */
		f[O_HS] = T_DGRAM;
		f[O_HS + 1] = 0;
		xu_put16(f, O_HS + 2, 0);
		f[O_HS + 8] = 0;		/* a counter below 2^56 */
		xu_put16(f, O_SPORT, 9);
		xu_put16(f, O_DPORT, 9);
		want = H_NOKEY;
		break;
	}
	fix_crc(f);
	send_raw(f, X + xlen);
	return want;
}

/*
 * A malicious peer plays the victim's handshakes: the victim holds a key
 * for the attacker's address and secure=1, and sends it datagrams; every
 * initiation it sends is answered with hostile messages (hs_hostile()).
 * No session forms, every hostile message is counted where it belongs,
 * the datagrams waiting for the handshake are bounded and dropped in
 * the end (OutNoKey, each once), the victim's initiations are paced by
 * its retry timer (not by the attacker's frames), and it sends no more
 * than it gets.
 */
TEST_F_TIMEOUT(adv, malicious_peer, 120)
{
	static const char * const names[] = {
		"InAuthFailures", "InNoKey", "InReplays", "SessionsEstablished",
		"HandshakesSent", "OutNoKey",
	};
	long long c0[6], c1[6];
	long cnt[NH] = { 0 }, seen = 0, sent, v0, a0;
	struct sockaddr_xnet sa = xu_sa(A_ADDR, 9);
	double t0, secs;
	int i, k, ndg = 100;

	ASSERT_EQ(0, xu_sh("xnetctl key add 1 "
			   "000102030405060708090a0b0c0d0e0f"
			   "101112131415161718191a1b1c1d1e1f peer " A_ADDR));
	ASSERT_EQ(0, sysctl_set("secure", "1"));
	for (i = 0; i < 6; i++) {
		c0[i] = xu_counter(names[i]);
		ASSERT_LE(0, c0[i]) TH_LOG("%s", names[i]);
	}
	v0 = g.vframes;
	a0 = g.aframes;
	t0 = xu_now();
	/*
	 * One datagram first: it waits for resolution (whose queue is
	 * short), then for the handshake; once that started, the others
	 * go straight to the handshake's queue (64 held, the rest dropped).
	 */
	ASSERT_EQ(1, sendto(g.dfd, "d", 1, 0, (struct sockaddr *)&sa,
			    sizeof(sa)));
	while (!g.hs_inits && xu_now() - t0 < 5.0 * g.mul)
		pump(20);
	ASSERT_LT(0, g.hs_inits);
	for (i = 1; i < ndg; i++)
		ASSERT_EQ(1, sendto(g.dfd, "d", 1, 0, (struct sockaddr *)&sa,
				    sizeof(sa)));
	/* the victim retries its initiation for a few seconds */
	while (xu_now() - t0 < 8.0 * g.mul) {
		pump(50);
		if (g.hs_inits == seen)
			continue;
		seen = g.hs_inits;
		for (k = 0; k < 8; k++)
			cnt[hs_hostile(g.hs_init)]++;
	}
	sent = cnt[H_AUTH] + cnt[H_NOKEY] + cnt[H_ANY];
	/* every datagram dropped once, when its handshake failed */
	for (i = 0; i < 100 && xu_counter("OutNoKey") < c0[5] + ndg; i++)
		pump(100);
	secs = xu_now() - t0;
	for (i = 0; i < 6; i++)
		c1[i] = xu_counter(names[i]);
	TH_LOG("%.1f s: %ld initiations answered with %ld hostile frames "
	       "(%ld auth, %ld nokey, %ld either); InAuthFailures +%lld "
	       "InNoKey +%lld HandshakesSent +%lld OutNoKey +%lld", secs,
	       seen, sent, cnt[H_AUTH], cnt[H_NOKEY], cnt[H_ANY],
	       c1[0] - c0[0], c1[1] - c0[1], c1[4] - c0[4], c1[5] - c0[5]);
	EXPECT_LE(2, seen);
	EXPECT_EQ(sent, c1[0] - c0[0] + c1[1] - c0[1]);
	EXPECT_LE(cnt[H_AUTH], c1[0] - c0[0]);
	EXPECT_LE(cnt[H_NOKEY], c1[1] - c0[1]);
	EXPECT_EQ(c0[2], c1[2]);
	EXPECT_EQ(c0[3], c1[3]);
	EXPECT_EQ(c0[5] + ndg, c1[5]);
	/* paced by its timers: one a second at most, and a few restarts */
	EXPECT_GE(2 * (long long)secs + 6, c1[4] - c0[4]);
	EXPECT_GE((g.aframes - a0) + 2 * secs + 20, g.vframes - v0);
	EXPECT_EQ(0, g.nviol);
}

#include "xnet_harness.h"

// SPDX-License-Identifier: GPL-2.0
/*
 * xnet_cap: capture and replay of xnet frames for the secure channel
 * tests (secure_route.sh, secure_trace.sh, the lab's secure*.py).
 *
 *   xnet_cap record -i IFNAME -o FILE [-R READY] [-S STOP] [-t SECS]
 *	Every xnet frame (EtherType 0x88B5) IFNAME sends or receives, one
 *	line each in FILE, until SIGTERM/SIGINT, the file STOP exists or
 *	SECS (default 600) pass:
 *	    DIR TYPE HOPLIMIT SADDR DADDR LEN [INNER INDEX COUNTER]
 *	DIR o (sent by this host) or i; the last three for a sealed frame
 *	(type 7): the inner type, the receiver's index (8 hex digits) and
 *	the counter (decimal). The kernel cuts each frame to its first 96
 *	bytes before queueing it (a socket filter): a capture keeps up.
 *	Creates READY once capturing. Prints cap_frames=N cap_drops=N
 *	(frames the socket's queue lost, PACKET_STATISTICS).
 *   xnet_cap replay -i IFNAME [-n N] [-w MS] [-f OFFSET] [-d MS]
 *	Waits up to MS (default 10000) ms for N (default 1) sealed frames
 *	(type 7) that IFNAME sends, then, DELAY ms (default 0) later, sends
 *	each again out of IFNAME to the same MAC, byte for byte, or with -f
 *	one bit flipped at byte OFFSET of the xnet frame (CRC-32C fixed so
 *	that the frame reaches the check of its seal). Prints
 *	replay_sent=N; exit 0 iff N were sent.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "xnet_util.h"

#define ETH_P_XNET	0x88B5
#define T_SEALED	7
#define SNAP		96

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xnet_cap record -i IF -o FILE [-R READY] [-S STOP] [-t SECS]\n"
		"       xnet_cap replay -i IF [-n N] [-w MS] [-f OFFSET] [-d MS]\n");
	exit(2);
}

/* One line of the record for the frame @f of @n bytes. */
static void cap_line(FILE *o, const uint8_t *f, int n, int pkttype)
{
	const uint8_t *h = f + ETH_HLEN;
	char s[16], d[16];
	uint32_t a;

	memcpy(&a, h + 4, 4);
	xu_ntoa(a, s);
	memcpy(&a, h + 8, 4);
	xu_ntoa(a, d);
	fprintf(o, "%c %u %u %s %s %u",
		pkttype == PACKET_OUTGOING ? 'o' : 'i',
		h[1], h[XU_O_HOPLIMIT], s, d, xu_get16(h, 2));
	if (h[1] == T_SEALED && n >= ETH_HLEN + XU_HLEN + 16)
		fprintf(o, " %u %08x %llu", h[XU_HLEN],
			xu_get32(h, XU_HLEN + 4),
			(unsigned long long)xu_get32(h, XU_HLEN + 8) << 32 |
			xu_get32(h, XU_HLEN + 12));
	fputc('\n', o);
}

static int cap_record(const char *ifname, const char *out, const char *ready,
		      const char *stopf, int secs)
{
	struct tpacket_stats st = { 0 };
	socklen_t sl = sizeof(st);
	unsigned long long frames = 0, drops = 0;
	double end = xu_now() + secs;
	uint8_t f[2048];
	struct stat sb;
	int fd, n, last = 0;
	FILE *o;

	fd = xu_cap_socket(ifname, SNAP);
	o = fopen(out, "w");
	if (!o) {
		perror(out);
		return 1;
	}
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	if (ready) {
		FILE *r = fopen(ready, "w");

		if (r)
			fclose(r);
	}
	/* after the end, what is still queued is taken too */
	while (!last) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);

		if (stop || xu_now() >= end || (stopf && !stat(stopf, &sb)))
			last = 1;
		if (!last && poll(&p, 1, 100) <= 0)
			continue;
		while ((n = recvfrom(fd, f, sizeof(f), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl)) > 0) {
			fl = sizeof(from);
			if (n < ETH_HLEN + XU_HLEN)
				continue;
			frames++;
			cap_line(o, f, n, from.sll_pkttype);
		}
	}
	if (!getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl))
		drops = st.tp_drops;
	fclose(o);
	close(fd);
	printf("cap_frames=%llu\ncap_drops=%llu\n", frames, drops);
	return 0;
}

static int cap_replay(const char *ifname, int want, int ms, int flip,
		      int delay)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_XNET),
		.sll_halen = 6,
	};
	static uint8_t fr[64][2048];
	int len[64], got = 0, sent = 0, fd, n, i;
	double end = xu_now() + ms / 1000.0;

	if (want < 1 || want > 64)
		usage();
	fd = xu_cap_socket(ifname, sizeof(fr[0]));
	ll.sll_ifindex = if_nametoindex(ifname);
	while (got < want && xu_now() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recvfrom(fd, fr[got], sizeof(fr[0]), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (n < ETH_HLEN + XU_HLEN + 32 ||
		    from.sll_pkttype != PACKET_OUTGOING ||
		    fr[got][ETH_HLEN + 1] != T_SEALED)
			continue;
		len[got++] = n;
	}
	close(fd);
	if (got < want) {
		printf("replay_captured=%d\nreplay_sent=0\n", got);
		return 1;
	}
	xu_msleep(delay);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("AF_PACKET");
		return 1;
	}
	for (i = 0; i < got; i++) {
		uint8_t *h = fr[i] + ETH_HLEN;
		int xl = xu_get16(h, 2);

		if (flip >= 0) {
			if (flip >= xl || ETH_HLEN + xl > len[i])
				usage();
			h[flip] ^= 0x10;
			xu_put32(h, 16, 0);
			xu_put32(h, 16, xu_crc32c(h, xl));
		}
		memcpy(ll.sll_addr, fr[i], 6);
		if (sendto(fd, fr[i], len[i], 0, (struct sockaddr *)&ll,
			   sizeof(ll)) == len[i])
			sent++;
	}
	close(fd);
	printf("replay_captured=%d\nreplay_sent=%d\n", got, sent);
	return sent == want ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *out = NULL, *ready = NULL, *stopf = NULL;
	int secs = 600, want = 1, ms = 10000, flip = -1, delay = 0, c;
	const char *mode;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "i:o:R:S:t:n:w:f:d:")) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 'o': out = optarg; break;
		case 'R': ready = optarg; break;
		case 'S': stopf = optarg; break;
		case 't': secs = atoi(optarg); break;
		case 'n': want = atoi(optarg); break;
		case 'w': ms = atoi(optarg); break;
		case 'f': flip = atoi(optarg); break;
		case 'd': delay = atoi(optarg); break;
		default: usage();
		}
	}
	if (!ifname)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "record") && out)
		return cap_record(ifname, out, ready, stopf, secs);
	if (!strcmp(mode, "replay"))
		return cap_replay(ifname, want, ms, flip, delay);
	usage();
	return 2;
}

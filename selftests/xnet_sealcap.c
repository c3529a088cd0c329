// SPDX-License-Identifier: GPL-2.0
/*
 * xnet_sealcap: capture helper for secure_seal.sh.
 *
 *   xnet_sealcap -i IFNAME -m MARKERFILE [-T SECS] [-R READYFILE]
 *	Capture every xnet frame (EtherType 0x88B5) seen on IFNAME, both
 *	directions, until SIGTERM/SIGINT or SECS (default 120) pass. On exit
 *	print key=value lines: frames, type1..type8 (frames per xnet type),
 *	marker (frames containing any of the 64-byte markers MARKERFILE is
 *	made of, at most 64 of them),
 *	maxlen (largest xnet frame, Ethernet header excluded), drops (frames
 *	the socket could not queue). Creates
 *	READYFILE once the socket is open. Exit 0 unless setup failed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define XNET_ETHERTYPE	0x88B5
#define MLEN		64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *mfile = NULL, *ready = NULL;
	static unsigned char buf[1 << 17], marker[4096];
	unsigned long frames = 0, types[9] = { 0 }, hits = 0, maxlen = 0;
	struct sockaddr_ll sll = { 0 };
	struct tpacket_stats st;
	socklen_t slen;
	int secs = 120, opt, fd, i;
	size_t mlen, j;
	time_t end;
	FILE *f;

	while ((opt = getopt(argc, argv, "i:m:T:R:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'm': mfile = optarg; break;
		case 'T': secs = atoi(optarg); break;
		case 'R': ready = optarg; break;
		default: return 2;
		}
	}
	if (!ifname || !mfile) {
		fprintf(stderr, "usage: xnet_sealcap -i IF -m MARKER [-T S] [-R F]\n");
		return 2;
	}
	f = fopen(mfile, "rb");
	if (!f) {
		perror(mfile);
		return 1;
	}
	mlen = fread(marker, 1, sizeof(marker), f);
	fclose(f);
	if (mlen < MLEN) {
		fprintf(stderr, "no marker\n");
		return 1;
	}

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex || bind(fd, (void *)&sll, sizeof(sll))) {
		perror(ifname);
		return 1;
	}
	/* a slow reader under TCG: room for a whole transfer's bursts */
	opt = 32 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &opt, sizeof(opt)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &opt, sizeof(opt));
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (ready) {
		f = fopen(ready, "w");
		if (f)
			fclose(f);
	}
	end = time(NULL) + secs;
	while (!stop && time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < ETH_HLEN + 2)
			continue;
		if (((buf[12] << 8) | buf[13]) != XNET_ETHERTYPE)
			continue;
		frames++;
		if (buf[ETH_HLEN + 1] <= 8)
			types[buf[ETH_HLEN + 1]]++;
		if ((unsigned long)n - ETH_HLEN > maxlen)
			maxlen = n - ETH_HLEN;
		for (j = 0; j + MLEN <= mlen; j += MLEN)
			if (memmem(buf, n, marker + j, MLEN)) {
				hits++;
				break;
			}
	}
	printf("frames=%lu\n", frames);
	for (i = 1; i <= 8; i++)
		printf("type%d=%lu\n", i, types[i]);
	printf("marker=%lu\nmaxlen=%lu\n", hits, maxlen);
	slen = sizeof(st);
	if (!getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &slen))
		printf("drops=%u\n", st.tp_drops);
	return 0;
}

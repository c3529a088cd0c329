// SPDX-License-Identifier: GPL-2.0
/*
 * xnet_monflood: a stranger's flood of neighbour queries, for
 * xnet_monitor.sh. Each query comes from a random unicast MAC and a
 * random source address, asks for DADDR, and is broadcast out of IFNAME
 * through a packet socket (the node at the other end of the link learns
 * every sender: one neighbour entry each, evicting the oldest stranger's
 * entry once its table's strangers' half is full).
 *
 *   xnet_monflood -i IFNAME -d DADDR -n COUNT [-m SOURCES]
 *	-m: cycle through SOURCES source addresses (10.128.0.1 on) instead
 *	of COUNT distinct ones.
 *	Prints sent=N; exit 0 iff every frame was sent.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "xnet_util.h"

#define ETH_P_XNET	0x88B5
#define T_QUERY		2

int main(int argc, char **argv)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_halen = 6,
		.sll_protocol = htons(ETH_P_XNET),
	};
	uint8_t f[ETH_HLEN + XU_HLEN], *x = f + ETH_HLEN;
	const char *ifname = NULL;
	unsigned long n = 0, m = 0x7fffff, i, sent = 0;
	uint32_t daddr = 0, saddr, r;
	int c, fd;

	while ((c = getopt(argc, argv, "i:d:n:m:")) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'd':
			daddr = xu_addr(optarg);
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			m = strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (!ifname || !daddr || !n || !m || m > 0x7fffff) {
		fprintf(stderr, "usage: %s -i IFNAME -d DADDR -n COUNT [-m SOURCES]\n",
			argv[0]);
		return 2;
	}
	ll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!ll.sll_ifindex) {
		perror(ifname);
		return 1;
	}
	memset(ll.sll_addr, 0xff, 6);
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_XNET));
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	srandom((unsigned int)getpid());
	for (i = 0; i < n; i++) {
		memset(f, 0, sizeof(f));
		memset(f, 0xff, 6);
		r = (uint32_t)random();
		/* locally administered unicast, never all zero */
		f[6] = 0x02;
		f[7] = 0x5e;
		memcpy(f + 8, &r, 4);
		f[12] = ETH_P_XNET >> 8;
		f[13] = ETH_P_XNET & 0xff;
		/* 10.128.0.0/9 plus the counter: distinct, never 0 or ~0 */
		saddr = htonl(0x0a800000U | (uint32_t)(i % m + 1));
		x[0] = XU_VERSION;
		x[1] = T_QUERY;
		xu_put16(x, 2, XU_HLEN);
		memcpy(x + 4, &saddr, 4);
		memcpy(x + 8, &daddr, 4);
		x[XU_O_HOPLIMIT] = 1;
		xu_put32(x, 16, xu_crc32c(x, XU_HLEN));
		if (sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&ll,
			   sizeof(ll)) == (ssize_t)sizeof(f))
			sent++;
	}
	close(fd);
	printf("sent=%lu\n", sent);
	return sent == n ? 0 : 1;
}

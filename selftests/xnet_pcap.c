// SPDX-License-Identifier: GPL-2.0
/*
 * xnet_pcap: a capture of every xnet frame (EtherType 0x88B5) a device
 * sends or receives, whole, written as a classic pcap file (link type
 * Ethernet) for Wireshark and tshark (tools/wireshark/xnet.lua). The test
 * VM has no tcpdump; this is the part of it xnet_wireshark.sh needs.
 *
 *   xnet_pcap -i IFNAME -o FILE [-R READY] [-S STOP] [-t SECS] [-C]
 *	Captures until SIGTERM/SIGINT, the file STOP exists or SECS
 *	(default 300) pass, then writes what is still queued and exits.
 *	Creates READY once capturing. -C corrupts one frame on its way to
 *	the file: the first datagram (type 1) with a payload gets the last
 *	byte of its payload flipped (the frame on the wire was intact).
 *	Prints pcap_frames=N pcap_drops=N (frames the socket's queue lost,
 *	PACKET_STATISTICS) and pcap_corrupt=K (the 1-based number of the
 *	corrupted frame in FILE, 0 if none). Exit 0 iff the file was
 *	written whole.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "xnet_util.h"

#define ETH_P_XNET	0x88B5
#define SNAPLEN		65535
#define LINKTYPE_ETHERNET 1

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xnet_pcap -i IF -o FILE [-R READY] [-S STOP] [-t SECS] [-C]\n");
	exit(2);
}

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t sec, usec, caplen, len;
};

int main(int argc, char **argv)
{
	const char *ifname = NULL, *out = NULL, *ready = NULL, *stopf = NULL;
	struct pcap_file_hdr fh = {
		.magic = 0xa1b2c3d4, .major = 2, .minor = 4,
		.snaplen = SNAPLEN, .linktype = LINKTYPE_ETHERNET,
	};
	unsigned long long frames = 0, drops = 0, corrupt = 0;
	struct tpacket_stats st = { 0 };
	socklen_t sl = sizeof(st);
	static uint8_t f[SNAPLEN];
	int secs = 300, flip = 0, fd, n, c, last = 0, werr = 0;
	struct stat sb;
	double end;
	FILE *o;

	while ((c = getopt(argc, argv, "i:o:R:S:t:C")) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'R':
			ready = optarg;
			break;
		case 'S':
			stopf = optarg;
			break;
		case 't':
			secs = atoi(optarg);
			break;
		case 'C':
			flip = 1;
			break;
		default:
			usage();
		}
	}
	if (!ifname || !out || secs <= 0)
		usage();
	fd = xu_cap_socket(ifname, SNAPLEN);
	o = fopen(out, "w");
	if (!o) {
		perror(out);
		return 1;
	}
	if (fwrite(&fh, sizeof(fh), 1, o) != 1)
		werr = 1;
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	if (ready) {
		FILE *r = fopen(ready, "w");

		if (r)
			fclose(r);
	}
	end = xu_now() + secs;
	/* after the end, what is still queued is taken too */
	while (!last) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct pcap_rec_hdr rh;
		struct timeval tv;

		if (stop || xu_now() >= end || (stopf && !stat(stopf, &sb)))
			last = 1;
		if (!last && poll(&p, 1, 100) <= 0)
			continue;
		while ((n = recv(fd, f, sizeof(f), MSG_DONTWAIT)) > 0) {
			const uint8_t *h = f + ETH_HLEN;

			if (n < ETH_HLEN + XU_HLEN)
				continue;
			frames++;
			/* a datagram with a payload: its last payload byte */
			if (flip && !corrupt && h[1] == 1 &&
			    xu_get16(h, 2) > XU_HLEN &&
			    ETH_HLEN + xu_get16(h, 2) <= n) {
				f[ETH_HLEN + xu_get16(h, 2) - 1] ^= 0x5a;
				corrupt = frames;
			}
			gettimeofday(&tv, NULL);
			rh.sec = tv.tv_sec;
			rh.usec = tv.tv_usec;
			rh.caplen = n;
			rh.len = n;
			if (fwrite(&rh, sizeof(rh), 1, o) != 1 ||
			    fwrite(f, n, 1, o) != 1)
				werr = 1;
		}
	}
	if (!getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl))
		drops = st.tp_drops;
	if (fclose(o))
		werr = 1;
	close(fd);
	printf("pcap_frames=%llu\npcap_drops=%llu\npcap_corrupt=%llu\n",
	       frames, drops, corrupt);
	return werr;
}

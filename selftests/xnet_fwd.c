// SPDX-License-Identifier: GPL-2.0
/*
 * xnet_fwd: helper of the forwarding selftests (route_chain.sh).
 *
 *   xnet_fwd report -b ADDR -c DST:PORT [-H HOPLIMIT] [-m SIZE] [-w MS]
 *		     [-e TYPE[/CODE]|none]
 *	An unconnected datagram socket bound to ADDR with XNET_RECVERR on
 *	(and XNET_HOPLIMIT if -H) sends one datagram of SIZE (default 64)
 *	bytes to DST:PORT and waits up to MS (default 5000) ms for an error
 *	report on its error queue. Prints report_type=, report_code=,
 *	report_info=, report_errno=, report_from= (the reporter). Exit 0 iff
 *	the report is of TYPE (unreach, hoplimit, toobig) and CODE (noroute,
 *	neigh, port, forwarding), or, with -e none, iff none came.
 *   xnet_fwd connerr -b ADDR -c DST:PORT -x ERRNO [-H HOPLIMIT] [-m SIZE]
 *		      [-w MS]
 *	A connected datagram socket sends a datagram every 200 ms until a
 *	call fails (a send, or SO_ERROR once poll() says POLLERR), MS
 *	(default 5000) ms at most. Prints connerr=ERRNO (OK if none); exit 0
 *	iff it is ERRNO (EHOSTUNREACH, ECONNREFUSED, EMSGSIZE).
 *   xnet_fwd flood -i IFNAME -d MAC -s SADDR -D DADDR [-H HOPLIMIT]
 *		    [-m SIZE] [-t SECS] [-N COUNT] [-R RATE]
 *	For SECS (default 2) seconds, as fast as AF_PACKET takes them (or
 *	RATE frames a second), datagram frames from SADDR:9 to DADDR:9 with
 *	the hop limit HOPLIMIT (default 1), each with a valid CRC, to MAC
 *	out of IFNAME; with -N, to the COUNT addresses from DADDR on in turn
 *	(a spray). Prints
 *	flood_sent=N flood_secs=S; exit 0 iff any was sent.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <time.h>
#include <linux/errqueue.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>

#include "xnet_util.h"

#define T_DGRAM		1

static const struct { const char *name; int val; } errs[] = {
	{ "OK", 0 }, { "EHOSTUNREACH", EHOSTUNREACH },
	{ "ECONNREFUSED", ECONNREFUSED }, { "EMSGSIZE", EMSGSIZE },
	{ "ENETUNREACH", ENETUNREACH },
};

static const char *const types[] = {
	[XNET_ERR_UNREACH] = "unreach", [XNET_ERR_HOPLIMIT] = "hoplimit",
	[XNET_ERR_TOOBIG] = "toobig",
};

static const char *const codes[] = {
	[XNET_UNREACH_NOROUTE] = "noroute", [XNET_UNREACH_NEIGH] = "neigh",
	[XNET_UNREACH_PORT] = "port", [XNET_UNREACH_FORWARDING] = "forwarding",
};

static const char *errname(int e)
{
	static char buf[32];
	size_t i;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].val == e)
			return errs[i].name;
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

static int errval(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (!strcmp(errs[i].name, name))
			return errs[i].val;
	fprintf(stderr, "unknown errno name %s\n", name);
	exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "xnet_fwd: %s: %s\n", what, strerror(errno));
	exit(1);
}

struct opts {
	const char *bind, *dst, *want, *ifname, *mac, *saddr, *daddr;
	int hoplimit, size, wait_ms, secs, count, rate;
};

/* "ADDR[:PORT]" */
static struct sockaddr_xnet parse_sa(const char *s)
{
	char host[64], *colon;
	int port = 0;

	snprintf(host, sizeof(host), "%s", s);
	colon = strchr(host, ':');
	if (colon) {
		*colon = 0;
		port = atoi(colon + 1);
	}
	return xu_sa(host, port);
}

static int dgram_socket(const struct opts *o)
{
	struct sockaddr_xnet sa;
	int fd;

	fd = socket(AF_XNET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	if (o->bind) {
		sa = parse_sa(o->bind);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
			die("bind");
	}
	if (o->hoplimit &&
	    setsockopt(fd, SOL_XNET, XNET_HOPLIMIT, &o->hoplimit,
		       sizeof(o->hoplimit)))
		die("XNET_HOPLIMIT");
	return fd;
}

static int cmd_report(const struct opts *o)
{
	struct sockaddr_xnet dst = parse_sa(o->dst), from;
	char payload[65536], ctl[512], abuf[32];
	struct {
		struct sock_extended_err	ee;
		struct sockaddr_xnet		offender;
	} eh;
	struct iovec iov = { payload, sizeof(payload) };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct pollfd pfd;
	struct cmsghdr *cm;
	int fd, one = 1, found = 0, ok;
	char want[64], *code;

	fd = dgram_socket(o);
	if (setsockopt(fd, SOL_XNET, XNET_RECVERR, &one, sizeof(one)))
		die("XNET_RECVERR");
	memset(payload, 'x', o->size);
	if (sendto(fd, payload, o->size, 0, (struct sockaddr *)&dst,
		   sizeof(dst)) != o->size)
		die("sendto");
	pfd.fd = fd;
	pfd.events = 0;
	if (poll(&pfd, 1, o->wait_ms) > 0 && (pfd.revents & POLLERR) &&
	    recvmsg(fd, &msg, MSG_ERRQUEUE) >= 0) {
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_XNET &&
			    cm->cmsg_type == XNET_RECVERR &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(eh))) {
				memcpy(&eh, CMSG_DATA(cm), sizeof(eh));
				found = 1;
			}
	}
	close(fd);
	if (!found) {
		printf("report_type=none\n");
		return strcmp(o->want, "none") ? 1 : 0;
	}
	printf("report_type=%s\nreport_code=%s\nreport_info=%u\n"
	       "report_errno=%s\nreport_origin=%u\nreport_from=%s\n",
	       eh.ee.ee_type < 4 && types[eh.ee.ee_type] ?
	       types[eh.ee.ee_type] : "?",
	       eh.ee.ee_type == XNET_ERR_UNREACH && eh.ee.ee_code < 4 ?
	       codes[eh.ee.ee_code] : "-",
	       eh.ee.ee_info, errname(eh.ee.ee_errno), eh.ee.ee_origin,
	       xu_ntoa(eh.offender.sxn_addr, abuf));
	snprintf(want, sizeof(want), "%s", o->want);
	code = strchr(want, '/');
	if (code)
		*code++ = 0;
	ok = eh.ee.ee_origin == XNET_EE_ORIGIN && eh.ee.ee_type < 4 &&
	     types[eh.ee.ee_type] && !strcmp(types[eh.ee.ee_type], want);
	if (code)
		ok = ok && eh.ee.ee_type == XNET_ERR_UNREACH &&
		     eh.ee.ee_code < 4 && !strcmp(codes[eh.ee.ee_code], code);
	return !ok;
}

static int cmd_connerr(const struct opts *o)
{
	struct sockaddr_xnet dst = parse_sa(o->dst);
	double end = xu_now() + o->wait_ms / 1000.0;
	char payload[65536];
	int fd, err = 0, want = errval(o->want);
	socklen_t len = sizeof(err);
	struct pollfd pfd;

	fd = dgram_socket(o);
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)))
		die("connect");
	memset(payload, 'c', o->size);
	while (!err && xu_now() < end) {
		if (send(fd, payload, o->size, 0) < 0) {
			err = errno;
			break;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 200) > 0 && (pfd.revents & POLLERR) &&
		    !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
			break;
	}
	close(fd);
	printf("connerr=%s\n", errname(err));
	return err != want;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

static int cmd_flood(const struct opts *o)
{
	uint8_t f[ETH_HLEN + 1500], *h = f + ETH_HLEN;
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_XNET),
		.sll_halen = 6,
	};
	size_t len = ETH_HLEN + XU_HLEN + o->size;
	double t0 = xu_now(), end = t0 + o->secs;
	unsigned long long sent = 0;
	uint32_t daddr = ntohl(xu_addr(o->daddr));
	int fd, i = 0;

	if (o->size < 0 || XU_HLEN + o->size > 1500)
		return 2;
	memset(f, 0, sizeof(f));
	if (parse_mac(o->mac, f) || xu_get_mac(o->ifname, f + 6))
		return 2;
	f[12] = ETH_P_XNET >> 8;
	f[13] = ETH_P_XNET & 0xff;
	h[0] = XU_VERSION;
	h[1] = T_DGRAM;
	xu_put16(h, 2, XU_HLEN + o->size);
	memcpy(h + 4, &(uint32_t){ xu_addr(o->saddr) }, 4);
	xu_put16(h, 12, 9);
	xu_put16(h, 14, 9);
	h[XU_O_HOPLIMIT] = o->hoplimit ? o->hoplimit : 1;
	memset(h + XU_HLEN, 'f', o->size);

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("AF_PACKET socket");
	ll.sll_ifindex = if_nametoindex(o->ifname);
	memcpy(ll.sll_addr, f, 6);
	while (xu_now() < end) {
		/* -R: keep to RATE a second, checked every 10 frames */
		if (o->rate > 0 && sent % 10 == 0) {
			double due = t0 + (double)sent / o->rate;

			while (xu_now() < due)
				usleep(1000);
		}
		if (i == 0 || o->count > 1) {
			memcpy(h + 8, &(uint32_t){ htonl(daddr + i) }, 4);
			xu_put32(h, 16, 0);
			xu_put32(h, 16, xu_crc32c(h, XU_HLEN + o->size));
			i = o->count > 1 ? (i + 1) % o->count : 1;
		}
		if (sendto(fd, f, len, 0, (struct sockaddr *)&ll,
			   sizeof(ll)) == (ssize_t)len)
			sent++;
	}
	close(fd);
	printf("flood_sent=%llu\nflood_secs=%.2f\n", sent, xu_now() - t0);
	return !sent;
}

int main(int argc, char **argv)
{
	struct opts o = { .want = "", .size = 64, .wait_ms = 5000,
			  .secs = 2 };
	const char *cmd;
	int c;

	if (argc < 2) {
		fprintf(stderr, "usage: see the comment at the top of xnet_fwd.c\n");
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "b:c:e:x:H:m:w:i:d:s:D:t:N:R:")) != -1) {
		switch (c) {
		case 'b': o.bind = optarg; break;
		case 'c': o.dst = optarg; break;
		case 'e': case 'x': o.want = optarg; break;
		case 'H': o.hoplimit = atoi(optarg); break;
		case 'm': o.size = atoi(optarg); break;
		case 'w': o.wait_ms = atoi(optarg); break;
		case 'i': o.ifname = optarg; break;
		case 'd': o.mac = optarg; break;
		case 's': o.saddr = optarg; break;
		case 'D': o.daddr = optarg; break;
		case 't': o.secs = atoi(optarg); break;
		case 'N': o.count = atoi(optarg); break;
		case 'R': o.rate = atoi(optarg); break;
		default: return 2;
		}
	}
	if (o.size < 0 || o.size > 65000)
		return 2;
	if (!strcmp(cmd, "report") && o.dst)
		return cmd_report(&o);
	if (!strcmp(cmd, "connerr") && o.dst && *o.want)
		return cmd_connerr(&o);
	if (!strcmp(cmd, "flood") && o.ifname && o.mac && o.saddr && o.daddr)
		return cmd_flood(&o);
	fprintf(stderr, "xnet_fwd: bad command or missing options\n");
	return 2;
}

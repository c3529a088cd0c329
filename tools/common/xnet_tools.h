/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the xnet userspace tools. Header only. */
#ifndef XNET_TOOLS_H
#define XNET_TOOLS_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

/* The release, from the top-level VERSION file (tools/common/version.mk) */
#ifndef XNET_RELEASE
#error "XNET_RELEASE undefined: build with make (tools/common/version.mk)"
#endif
#define XNET_TOOLS_VERSION XNET_RELEASE

/* "PROG: message" on stderr, after flushing stdout, and exit(code). */
static inline void __attribute__((format(printf, 3, 4), noreturn))
xnet_die(const char *prog, int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t xnet_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The decimal value of option @opt, @min..@max, or "PROG: bad value"
 * and exit(@code): no sign, no space, nothing after the digits.
 */
static inline unsigned long xnet_parse_ulong(const char *prog, int code,
					     const char *opt, const char *s,
					     unsigned long min,
					     unsigned long max)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		xnet_die(prog, code, "bad value for %s: '%s'", opt,
			 s ? s : "");
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		xnet_die(prog, code,
			 "bad value for %s: '%s' (expected %lu..%lu)", opt, s,
			 min, max);
	return v;
}

static inline void xnet_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static inline uint32_t xnet_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * Strict dotted-quad parser: exactly four decimal fields 0..255, each 1..3
 * digits, separated by single dots, nothing else (no "1.2", no hex, no
 * octal, no whitespace, no sign).  Leading zeros ("010") are rejected to
 * avoid the octal ambiguity of inet_aton.
 * Stores the address in network byte order.  Returns 0 or -1.
 */
static inline int xnet_parse_addr(const char *s, uint32_t *be_out)
{
	uint32_t host = 0;
	int field;

	if (!s)
		return -1;
	for (field = 0; field < 4; field++) {
		unsigned int v = 0;
		int digits = 0;

		if (field > 0) {
			if (*s != '.')
				return -1;
			s++;
		}
		while (*s >= '0' && *s <= '9') {
			if (digits == 3)
				return -1;
			if (digits == 1 && v == 0)
				return -1;	/* leading zero */
			v = v * 10 + (unsigned int)(*s - '0');
			digits++;
			s++;
		}
		if (digits == 0 || v > 255)
			return -1;
		host = (host << 8) | v;
	}
	if (*s != '\0')
		return -1;
	*be_out = htonl(host);
	return 0;
}

/* Format a network-byte-order address; buf must hold 16 bytes. */
static inline const char *xnet_fmt_addr(uint32_t be, char *buf)
{
	uint32_t h = ntohl(be);

	snprintf(buf, 16, "%u.%u.%u.%u", (h >> 24) & 0xff, (h >> 16) & 0xff,
		 (h >> 8) & 0xff, h & 0xff);
	return buf;
}

#endif /* XNET_TOOLS_H */

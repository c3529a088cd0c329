// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer of the xnet tools (see xnet_json.h). State: the nesting
 * depth, whether the current container has had a member yet, and whether
 * a key was just written (its value follows without a comma).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "xnet_json.h"

#define J_MAX_DEPTH 64

static int j_depth;
static bool j_first[J_MAX_DEPTH + 1];
static bool j_afterkey;
static bool j_pretty;

void j_set_pretty(bool on)
{
	j_pretty = on;
}

static void j_indent(int n)
{
	while (n-- > 0)
		fputs("    ", stdout);
}

/* Before a member: the comma and (-p) the line break, unless after a key. */
static void j_pre(void)
{
	if (j_afterkey) {
		j_afterkey = false;
		return;
	}
	if (j_depth > 0) {
		if (!j_first[j_depth])
			putchar(',');
		j_first[j_depth] = false;
		if (j_pretty) {
			putchar('\n');
			j_indent(j_depth);
		}
	}
}

static void j_member(const char *k)
{
	if (k)
		j_key(k);
	j_pre();
}

void j_open(char c)
{
	j_pre();
	if (j_depth >= J_MAX_DEPTH) {
		fputs("xnet_json: nesting too deep\n", stderr);
		abort();
	}
	putchar(c);
	j_depth++;
	j_first[j_depth] = true;
}

void j_close(char c)
{
	bool empty = j_first[j_depth];

	if (j_depth <= 0) {
		fputs("xnet_json: close without open\n", stderr);
		abort();
	}
	j_depth--;
	if (j_pretty && !empty) {
		putchar('\n');
		j_indent(j_depth);
	}
	putchar(c);
	if (j_depth == 0)
		putchar('\n');
}

/*
 * The length of the valid UTF-8 sequence at @s (1..4), or 0 if the bytes
 * there are not one (stray continuation, overlong form, surrogate, above
 * U+10FFFF, cut short).
 */
static int utf8_len(const unsigned char *s)
{
	unsigned int c = s[0], cp;
	int n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;	/* includes the terminating NUL */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void j_raw_string(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	putchar('"');
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				printf("\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", stdout);
				break;
			}
			fwrite(s, 1, (size_t)n, stdout);
			s += n;
			continue;
		}
		s++;
	}
	putchar('"');
}

void j_key(const char *k)
{
	j_pre();
	j_raw_string(k);
	putchar(':');
	if (j_pretty)
		putchar(' ');
	j_afterkey = true;
}

void j_str(const char *k, const char *v)
{
	j_member(k);
	if (v)
		j_raw_string(v);
	else
		fputs("null", stdout);
}

void j_uint(const char *k, unsigned long long v)
{
	j_member(k);
	printf("%llu", v);
}

void j_int(const char *k, long long v)
{
	j_member(k);
	printf("%lld", v);
}

/* @decimals digits after the point; NaN and infinities are null. */
void j_double(const char *k, double v, int decimals)
{
	j_member(k);
	if (!isfinite(v))
		fputs("null", stdout);
	else
		printf("%.*f", decimals, v);
}

void j_bool(const char *k, bool v)
{
	j_member(k);
	fputs(v ? "true" : "false", stdout);
}

void j_null(const char *k)
{
	j_member(k);
	fputs("null", stdout);
}

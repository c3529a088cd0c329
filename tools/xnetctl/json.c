// SPDX-License-Identifier: GPL-2.0
/* xnetctl: a minimal streaming JSON writer on stdout (-j, -p). */
#include "xnetctl.h"

/* minimal JSON writer                                                */

static int j_depth;
static bool j_first[64];
static bool j_afterkey;

static void j_indent(int n)
{
	while (n-- > 0)
		fputs("    ", stdout);
}

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
		if (opt_pretty) {
			putchar('\n');
			j_indent(j_depth);
		}
	}
}

void j_open(char c)
{
	j_pre();
	putchar(c);
	j_depth++;
	j_first[j_depth] = true;
}

void j_close(char c)
{
	bool empty = j_first[j_depth];

	j_depth--;
	if (opt_pretty && !empty) {
		putchar('\n');
		j_indent(j_depth);
	}
	putchar(c);
	if (j_depth == 0)
		putchar('\n');
}

void j_raw_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':  fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			if (c < 0x20)
				printf("\\u%04x", c);
			else
				putchar(c);
		}
	}
	putchar('"');
}

void j_key(const char *k)
{
	j_pre();
	j_raw_string(k);
	putchar(':');
	if (opt_pretty)
		putchar(' ');
	j_afterkey = true;
}

void j_str(const char *k, const char *v)
{
	j_key(k);
	j_pre();
	j_raw_string(v);
}

void j_uint(const char *k, unsigned long long v)
{
	j_key(k);
	j_pre();
	printf("%llu", v);
}

void j_null(const char *k)
{
	j_key(k);
	j_pre();
	fputs("null", stdout);
}

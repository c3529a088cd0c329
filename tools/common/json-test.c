// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer alone (scripts/json-writer-test.py builds and runs it,
 * make lint): one document with every kind of value and the strings that
 * break hand-written JSON; -p indents it. Single-threaded.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xnet_json.h"

int main(int argc, char **argv)
{
	static const char *const hostile[] = {
		"plain", "a \"quoted\" label", "back\\slash", "new\nline\r\t",
		"\x01\x02\x1f\x7f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"bad \xff\xfe", "cut \xe2\x82", "overlong \xc0\xaf",
		"surrogate \xed\xa0\x80", "too big \xf4\x90\x80\x80", "",
	};
	size_t i;

	j_set_pretty(argc > 1 && !strcmp(argv[1], "-p"));
	j_open('{');
	j_key("strings");
	j_open('[');
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		j_str(NULL, hostile[i]);
	j_close(']');
	j_str("key \"with\" quotes\n", "v");
	j_str("null_str", NULL);
	j_uint("u64max", 18446744073709551615ULL);
	j_int("i64min", -9223372036854775807LL - 1);
	j_double("pi", 3.14159265, 3);
	j_double("nan", NAN, 3);
	j_double("inf", INFINITY, 3);
	j_double("ninf", -INFINITY, 1);
	j_double("negzero", -0.0, 2);
	j_double("big", 1e300, 0);
	j_bool("t", true);
	j_bool("f", false);
	j_null("n");
	j_key("empty_obj");
	j_open('{');
	j_close('}');
	j_key("empty_arr");
	j_open('[');
	j_close(']');
	j_key("nested");
	j_open('[');
	j_open('{');
	j_key("a");
	j_open('[');
	j_uint(NULL, 1);
	j_open('[');
	j_close(']');
	j_close(']');
	j_close('}');
	j_close(']');
	j_close('}');
	return fflush(stdout) ? 1 : 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The JSON writer of the xnet tools (xnetctl, xnet-ping, xnet-bench,
 * xnet-trace): a streaming writer on stdout, one document at a time.
 *
 *   j_open('{'); j_str("dev", name); j_uint("n", 3);
 *   j_key("list"); j_open('['); j_str(NULL, "a"); j_close(']');
 *   j_close('}');
 *
 * A value function with a key writes "key": value; with key NULL it writes
 * the value alone (an array element, or the value of a j_key()). Strings
 * are escaped (quotes, backslash, control characters as \u00XX, invalid
 * UTF-8 as U+FFFD); doubles that are NaN or infinite are written as null.
 * The closing of the outermost value ends the line. j_set_pretty(true)
 * indents (xnetctl -p). Single-threaded: no locking.
 */
#ifndef XNET_JSON_H
#define XNET_JSON_H

#include <stdbool.h>

void j_set_pretty(bool on);
void j_open(char c);
void j_close(char c);
void j_key(const char *k);
void j_raw_string(const char *s);
void j_str(const char *k, const char *v);
void j_uint(const char *k, unsigned long long v);
void j_int(const char *k, long long v);
void j_double(const char *k, double v, int decimals);
void j_bool(const char *k, bool v);
void j_null(const char *k);

#endif /* XNET_JSON_H */

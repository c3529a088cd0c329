#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of selftests/json_output.sh: every -j output the test handed
out (XNET_CAPTURES/json_output.NAME.json) parses with python3's json in
strict mode (no control characters in strings, no NaN or Infinity), as
exactly one document; the names the test listed (json_output.list) are
all the expected ones (a missing output is a failure); and the hostile
strings came through: the bench label and A's device name, with each
byte that is not UTF-8 as U+FFFD.  Exit 1 if any check failed.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DIR = os.environ.get("XNET_CAPTURES", os.path.join(ROOT, "build", "captures"))

XNETCTL = ["addr", "addr_dev", "neigh", "route", "route_get", "stats",
           "sockets", "key"]
EXPECTED = (["ping", "trace"] + XNETCTL + [n + "_pretty" for n in XNETCTL] +
            ["neigh_empty"] +
            ["bench_" + t for t in ("stream", "rr", "crr", "idle", "blast")])

failed = 0


def check(ok, what):
    global failed
    print(("PASS: " if ok else "FAIL: ") + what)
    if not ok:
        failed += 1
    return ok


def no_constant(name):
    raise ValueError("non-JSON constant " + name)


def load(name):
    path = os.path.join(DIR, "json_output." + name + ".json")
    if not check(os.path.exists(path), name + ": output handed out"):
        return None
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")      # strict: invalid UTF-8 fails
        doc = json.loads(text, strict=True, parse_constant=no_constant)
    except (UnicodeDecodeError, ValueError) as e:
        check(False, "%s: parses (%s): %r" % (name, e, raw[:300]))
        return None
    check(True, name + ": parses")
    return doc


def strings(doc):
    """Every string value of @doc."""
    if isinstance(doc, str):
        yield doc
    elif isinstance(doc, dict):
        for v in doc.values():
            yield from strings(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from strings(v)


def from_hex(h):
    return bytes.fromhex(h).decode("utf-8", errors="replace")


def main():
    meta = {}
    try:
        with open(os.path.join(DIR, "json_output.meta")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                meta[k] = v
    except OSError as e:
        check(False, "json_output.meta: %s" % e)
    try:
        with open(os.path.join(DIR, "json_output.list")) as f:
            listed = f.read().split()
    except OSError as e:
        listed = []
        check(False, "json_output.list: %s" % e)
    check(sorted(listed) == sorted(EXPECTED),
          "the test ran every expected command (listed %s)" % listed)

    docs = {n: load(n) for n in EXPECTED}
    label = from_hex(meta.get("label", ""))
    dev = from_hex(meta.get("dev", ""))
    for t in ("stream", "rr", "crr", "idle", "blast"):
        d = docs.get("bench_" + t)
        if isinstance(d, dict):
            check(d.get("label") == label and d.get("test") == t,
                  "bench %s: label %r and test came through" %
                  (t, d.get("label")))
    d = docs.get("ping")
    if isinstance(d, dict):
        check(d.get("dest") == meta.get("ba") and d.get("received") == 3,
              "ping: dest and 3 replies")
    d = docs.get("trace")
    if isinstance(d, dict):
        check(d.get("reached") is True and len(d.get("hops", [])) == 1,
              "trace: reached in one hop")
    for n in ("addr", "addr_pretty", "addr_dev"):
        vals = list(strings(docs.get(n)))
        check(dev in vals and meta.get("aa", "?") in vals,
              "%s: A's address on the device named %r" % (n, dev))
    for n in ("route", "route_get", "key"):
        check(dev in strings(docs.get(n)),
              "%s: names the device %r" % (n, dev))
    check(docs.get("neigh_empty") == [], "neigh show dev lo: []")
    for n in XNETCTL:
        path = os.path.join(DIR, "json_output.%s_pretty.json" % n)
        lines = open(path).read().count("\n") if os.path.exists(path) else 0
        check(lines > 1 or docs.get(n) in ([], {}),
              "%s: -p indents (%d lines)" % (n, lines))
        # counters and the socket list move between the two runs
        if n not in ("stats", "sockets", "neigh"):
            check(docs.get(n) == docs.get(n + "_pretty"),
                  "%s: -p gives the same document" % n)
    print("%d check(s) failed" % failed if failed else "all checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

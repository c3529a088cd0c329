#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The tools' JSON writer (tools/common/xnet_json.c) on the host, for make
lint: builds tools/common/json-test.c with it, runs it plain and with -p,
and parses each output with python3's strict json (no NaN or Infinity,
no raw control characters, valid UTF-8), then compares the values with
what the program wrote. Exit 1 on any difference.

Then the tools' own -j output where the host can make it: xnet-bench's
"unsupported" object (a unix stream with -M zerocopy: SO_ZEROCOPY is
refused) must be one strict JSON document.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMON = os.path.join(ROOT, "tools", "common")
R = "\ufffd"
WANT = {
    "strings": ["plain", 'a "quoted" label', "back\\slash", "new\nline\r\t",
                "\x01\x02\x1f\x7f", "caf\u00e9 \u20ac \U0001f600",
                "bad " + R + R, "cut " + R + R, "overlong " + R + R,
                "surrogate " + R + R + R, "too big " + R * 4, ""],
    'key "with" quotes\n': "v",
    "null_str": None,
    "u64max": 18446744073709551615,
    "i64min": -9223372036854775808,
    "pi": 3.142, "nan": None, "inf": None, "ninf": None, "negzero": -0.0,
    "big": 1e300, "t": True, "f": False, "n": None,
    "empty_obj": {}, "empty_arr": [], "nested": [{"a": [1, []]}],
}


def no_constant(name):
    raise ValueError("non-JSON constant " + name)


def parse_lines(what, raw):
    """Each line of @raw one strict JSON document: their list, or None."""
    try:
        return [json.loads(ln, strict=True, parse_constant=no_constant)
                for ln in raw.decode("utf-8").splitlines()]
    except ValueError as e:
        print("json-writer: FAIL: %s: %s: %r" % (what, e, raw))
        return None


def bench_unsupported(d):
    """xnet-bench -j, a feature refused: one object saying why, exit 4."""
    exe = os.path.join(ROOT, "tools", "xnet-bench", "xnet-bench")
    sock = os.path.join(d, "bench.sock")
    label = 'a "quoted" label'
    srv = subprocess.Popen([exe, "-l", "-f", "unix", "-a", sock],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        r = subprocess.run([exe, "-j", "-f", "unix", "-t", "stream", "-M",
                            "zerocopy", "-d", "0.2", "-L", label, sock],
                           capture_output=True, timeout=60)
    finally:
        srv.kill()
        srv.wait()
    what = "xnet-bench -j -M zerocopy (unix)"
    docs = parse_lines(what, r.stdout)
    if docs is None:
        return 1
    want = [{"family": "unix", "test": "stream", "label": label,
             "unsupported": "SO_ZEROCOPY: Operation not supported"}]
    if r.returncode != 4 or docs != want:
        print("json-writer: FAIL: %s: exit %d, %r, want exit 4, %r" %
              (what, r.returncode, docs, want))
        return 1
    return 0


def main():
    with tempfile.TemporaryDirectory() as d:
        exe = os.path.join(d, "json-test")
        subprocess.run([os.environ.get("CC", "cc"), "-std=gnu11", "-Wall",
                        "-Wextra", "-Werror", "-O2", "-I", COMMON, "-o", exe,
                        os.path.join(COMMON, "json-test.c"),
                        os.path.join(COMMON, "xnet_json.c")], check=True)
        bad = 0
        for args in ([], ["-p"]):
            raw = subprocess.run([exe] + args, capture_output=True,
                                 check=True).stdout
            what = "json-test " + " ".join(args)
            try:
                doc = json.loads(raw.decode("utf-8"), strict=True,
                                 parse_constant=no_constant)
            except ValueError as e:
                print("json-writer: FAIL: %s: %s: %r" % (what, e, raw))
                bad += 1
                continue
            if doc != WANT:
                for k in sorted(set(doc) | set(WANT)):
                    if doc.get(k) != WANT.get(k):
                        print("json-writer: FAIL: %s: %r: %r, want %r" %
                              (what, k, doc.get(k), WANT.get(k)))
                bad += 1
            if args and raw.count(b"\n") < 20:
                print("json-writer: FAIL: -p does not indent")
                bad += 1
            if not raw.endswith(b"}\n"):
                print("json-writer: FAIL: %s: not one line-ended document"
                      % what)
                bad += 1
        bad += bench_unsupported(d)
    if not bad:
        print("json-writer: every value as written, strict JSON, -p indents;"
              " xnet-bench's unsupported object")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

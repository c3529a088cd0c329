# SPDX-License-Identifier: GPL-2.0
"""Helpers shared by the check-net tests (selftests/net/*.py)."""

import json


def neigh_entry(node, dev, addr):
    """xnet's neighbour entry for ADDR on DEV as a dict, or None."""
    out = node.sh(f"xnetctl -j neigh show dev {dev}", 30)
    for e in json.loads(out or "[]"):
        if e.get("addr") == addr or e.get("dst") == addr:
            e.setdefault("mac", e.get("lladdr", e.get("hwaddr")))
            return e
    return None


def kv(out, key):
    """The value of the last KEY=... line of OUT (xnet_bulk's output)."""
    val = None
    for line in out.splitlines():
        if line.startswith(key + "="):
            val = line[len(key) + 1:]
    return val

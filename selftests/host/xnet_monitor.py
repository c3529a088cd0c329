#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of selftests/xnet_monitor.sh: the output of `xnetctl -j
monitor` in netns A (handed out by the guest; scripts/vm.sh check runs
this with XNET_CAPTURES naming the directory).

Checks, each printed PASS or FAIL (exit 1 if any failed):
  - every line is one JSON object (json.loads) with "event" and "action";
  - A's events are there with their values: the address 10.0.7.1/24 on va
    added and deleted, its connected route, the gateway route
    10.20.0.0/16 via 10.0.7.2 metric 5 added and deleted, key 77 added
    and deleted (fingerprint of 16 hex digits, never the key), neighbour
    10.0.7.2 INCOMPLETE then REACHABLE at B's MAC then deleted, the
    address and route of the device vx deleted with it;
  - none of C's (10.0.8.0/24, 10.30.0.0/16, key 88, device vc).
"""
import json
import os
import re
import sys

failed = False


def check(desc, ok):
    global failed
    print(("PASS: " if ok else "FAIL: ") + desc)
    if not ok:
        failed = True


def main():
    d = os.environ.get("XNET_CAPTURES", "build/captures")
    path = os.path.join(d, "xnet_monitor.json")
    meta = os.path.join(d, "xnet_monitor.meta")
    if not os.path.exists(path):
        check("%s handed out by the guest" % path, False)
        return 1
    bmac = None
    if os.path.exists(meta):
        for line in open(meta):
            k, _, v = line.strip().partition("=")
            if k == "bmac":
                bmac = v
    evs = []
    bad = 0
    for line in open(path):
        try:
            o = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if o == {"event": "lost"}:      # the guest's host was busy
            continue
        if not isinstance(o, dict) or "event" not in o or "action" not in o:
            bad += 1
            continue
        evs.append(o)
    check("every line one JSON object with event and action "
          "(%d parsed, %d not)" % (len(evs), bad), bad == 0 and evs)

    def has(desc, **want):
        check(desc, any(all(o.get(k) == v for k, v in want.items())
                        for o in evs))

    has("address added", event="addr", action="add", ifname="va",
        local="10.0.7.1", prefixlen=24)
    has("address deleted", event="addr", action="del", ifname="va",
        local="10.0.7.1", prefixlen=24)
    has("connected route added", event="route", action="add",
        prefix="10.0.7.0/24", type="connected", metric=0, dev="va")
    has("connected route deleted", event="route", action="del",
        prefix="10.0.7.0/24", type="connected", dev="va")
    has("gateway route added", event="route", action="add",
        prefix="10.20.0.0/16", type="gateway", metric=5,
        gateway="10.0.7.2", dev="va")
    has("gateway route deleted", event="route", action="del",
        prefix="10.20.0.0/16", type="gateway", gateway="10.0.7.2")
    has("key added", event="key", action="add", id=77, peer="10.0.7.2",
        alg="aes-gcm", state="active")
    has("key deleted", event="key", action="del", id=77, peer="10.0.7.2")
    fprs = [o.get("fingerprint", "") for o in evs if o["event"] == "key"]
    check("key fingerprints 16 hex digits, never the key",
          fprs and all(re.fullmatch(r"[0-9a-f]{16}", f) for f in fprs) and
          not any("5a5a5a5a" in json.dumps(o) for o in evs))
    has("neighbour resolving", event="neigh", action="new",
        dst="10.0.7.2", state="INCOMPLETE", lladdr=None)
    has("neighbour resolved", event="neigh", action="new", dst="10.0.7.2",
        dev="va", state="REACHABLE", lladdr=bmac)
    has("neighbour flushed", event="neigh", action="del", dst="10.0.7.2",
        dev="va", lladdr=bmac)
    has("the device's address went with it", event="addr", action="del",
        ifname="vx", local="10.0.10.1", prefixlen=24)
    has("the device's route went with it", event="route", action="del",
        prefix="10.0.10.0/24", dev="vx")
    text = "\n".join(json.dumps(o) for o in evs)
    check("none of C's events",
          not re.search(r'10\.0\.8\.|10\.30\.|"id": 88|"vc"', text))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: GPL-2.0
"""Secure channels between the VMs (issue 13), on each link: the same
default key on a and b, net.xnet.secure=1 on both; a protected stream
each way at once (xnet_bulk: every byte checked, SHA-256 of each direction
compared) on virtio-net (4 MiB each way) and e1000 (2 MiB; the lane's
time), SessionsEstablished moved on both VMs, and a capture on a's NIC
(xnet_cap) shows only sealed frames (type 7) for the data between them:
no plain stream or datagram frame, sealed frames both ways, no (source,
receiver index, counter) twice. No auth failure, replay or unsendable
frame counted."""

from common import bulk
from seccommon import Capture, sec_setup, sec_counters

LIMIT = 600
KEY = "5ec0de0f" * 8


def run(lab, t):
    a, b = lab.a, lab.b
    for n in (a, b):
        sec_setup(n, [f"1 {KEY}"])
    for i, lk in enumerate(lab.links):
        nbytes = (4 << 20) if i == 0 else (2 << 20)
        before = {n.name: sec_counters(n) for n in (a, b)}
        cap = Capture(a, lk.name)
        if not cap.start(t):
            continue
        bulk(lab, t, lk, nbytes, port=6700 + 10 * i, secs=300,
             name=f"{lk.name} ({lk.model}): protected stream "
                  f"{nbytes >> 20} MiB each way")
        s = cap.stop(t, lk.addr(a), lk.addr(b))
        for n in (a, b):
            c0, c = before[n.name], sec_counters(n)
            t.check(c["SessionsEstablished"] > c0["SessionsEstablished"],
                    f"{lk.name}: {n.name}: SessionsEstablished moved "
                    f"({c0['SessionsEstablished']} -> "
                    f"{c['SessionsEstablished']})")
            for k in ("InAuthFailures", "InReplays", "OutNoKey"):
                t.eq(c[k] - c0[k], 0, f"{lk.name}: {n.name}: {k} moved")
        if s is None:
            continue
        t.eq(s["plain"], 0, f"{lk.name}: plain stream/datagram frames "
                            f"between a and b in the capture")
        want = nbytes // 1500
        t.check(s["ab"] >= want and s["ba"] >= want,
                f"{lk.name}: sealed frames both ways (a->b {s['ab']}, "
                f"b->a {s['ba']}, >= {want} each)")
        t.check(s["stream"] >= 2 * want,
                f"{lk.name}: sealed frames carry stream segments "
                f"({s['stream']})")
        t.eq(s["dups"], 0, f"{lk.name}: (source, index, counter) seen "
                           f"twice")

# SPDX-License-Identifier: GPL-2.0
"""The link taken down and up again from QEMU's monitor (set_link) in the
middle of a transfer, on each link: the guest sees its carrier go (the
NIC model reports it), the transfer (paced so that it is still running)
stalls, retransmits once the link is back, and completes intact."""

import time

from common import Bulk

LIMIT = 400


def carrier(node, dev):
    return node.sh(f"cat /sys/class/net/{dev}/carrier", 30).strip()


def run(lab, t):
    a, b = lab.a, lab.b
    for i, lk in enumerate(lab.links):
        rs = a.counter("RetransSegs")
        # 6 MiB each way at 1 MB/s: about 6 s; the link goes at 2 s.
        blk = Bulk(lab, t, lk, 6 << 20, port=6500 + i * 10,
                   client_args="-r 1000000 -U 60000",
                   server_args="-r 1000000 -U 60000", secs=180)
        if not blk.start():
            continue
        time.sleep(2)
        t.check(all(not c.done.is_set() for c in blk.clients),
                f"{lk.name}: transfer still running when the link goes")
        a.set_link(lk.name, False)
        b.set_link(lk.name, False)
        rc, _ = a.run(f"for _ in $(seq 50); do [ $(cat /sys/class/net/"
                      f"{lk.name}/carrier) = 0 ] && exit 0; sleep 0.1; done;"
                      f" exit 1", 30)
        t.eq(rc, 0, f"{lk.name}: a's carrier went down ({lk.model})")
        time.sleep(4)
        a.set_link(lk.name, True)
        b.set_link(lk.name, True)
        blk.finish()
        t.eq(carrier(a, lk.name), "1", f"{lk.name}: a's carrier is back")
        moved = a.counter("RetransSegs") - rs
        t.check(moved > 0, f"{lk.name}: a retransmitted after the outage "
                           f"(RetransSegs +{moved})")

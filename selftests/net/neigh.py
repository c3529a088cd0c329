# SPDX-License-Identifier: GPL-2.0
"""Neighbour resolution between VMs, on each NIC model: a's first datagram
to b resolves b's address to b's MAC on that link (and b learns a's),
entries name the right device, and an address nobody has stays
unresolved (the datagram fails with EHOSTUNREACH)."""

from common import neigh_entry, wait_bound

LIMIT = 120


def run(lab, t):
    a, b = lab.a, lab.b
    for lk in lab.links:
        ba = lk.addr(b)
        a.sh(f"xnetctl neigh flush dev {lk.name}")
        srv = b.spawn(f"xnet_echo server -b {ba}:7000 -i 20", 30)
        t.check(wait_bound(b, 7000), f"{lk.name}: echo server bound")
        rc, out = a.run(f"xnet_echo client -b {lk.addr(a)} -c {ba}:7000 "
                        f"-n 20 -q", 60)
        t.eq(rc, 0, f"{lk.name}: 20 datagrams echoed intact ({lk.model})")
        srv.wait()
        e = neigh_entry(a, lk.name, ba)
        t.check(e is not None and e["mac"] == b.mac(lk),
                f"{lk.name}: a resolved {ba} to b's MAC {b.mac(lk)}: {e}")
        e = neigh_entry(b, lk.name, lk.addr(a))
        t.check(e is not None and e["mac"] == a.mac(lk),
                f"{lk.name}: b learned a's MAC {a.mac(lk)}: {e}")
        nobody = f"10.{lk.index}.0.99"
        rc, out = a.run(f"xnet_echo unreach -b {lk.addr(a)} "
                        f"-c {nobody}:7000", 60)
        t.eq(rc, 0, f"{lk.name}: {nobody} (nobody) stays unresolved: "
                    f"EHOSTUNREACH")

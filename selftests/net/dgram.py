# SPDX-License-Identifier: GPL-2.0
"""Datagrams between the VMs on each link: 2000 echoed datagrams of 1..1476
bytes, every one verified byte for byte; broadcast: 50 datagrams a sends
to 255.255.255.255 on one link all reach b's socket, none twice, and
InDatagrams on b moved by at least the echo's and the broadcast's."""

from common import wait_bound

LIMIT = 300


def run(lab, t):
    a, b = lab.a, lab.b
    for i, lk in enumerate(lab.links):
        aa, ba = lk.addr(a), lk.addr(b)
        port = 7100 + i
        before = b.counter("InDatagrams")
        srv = b.spawn(f"exec xnet_echo server -b {ba}:{port} -i 60", 200)
        t.check(wait_bound(b, port), f"{lk.name}: echo server bound")
        rc, out = a.run(f"xnet_echo client -b {aa} -c {ba}:{port} "
                        f"-n 2000 -m 1476 -s {i + 1} -q", 180)
        t.eq(rc, 0, f"{lk.name}: 2000 datagrams of 1..1476 bytes echoed "
                    f"intact ({lk.model})")
        if rc:
            t.log(out)
        src, sout = srv.wait()
        t.eq(src, 0, f"{lk.name}: echo server ended cleanly")

        bport = 7200 + i
        rcv = b.spawn(f"exec xnet_echo recv -b 0.0.0.0:{bport} -n 50 "
                      f"-w 20000", 60)
        t.check(wait_bound(b, bport), f"{lk.name}: b's receiver bound")
        rc, out = a.run(f"xnet_echo bcast -b {aa} -p {bport} -n 50 -g 20",
                        60)
        t.eq(rc, 0, f"{lk.name}: 50 broadcasts sent")
        rrc, rout = rcv.wait()
        t.eq(rrc, 0, f"{lk.name}: b received all 50 broadcasts, intact, "
                     f"none twice")
        if rrc:
            t.log(rout)
        after = b.counter("InDatagrams")
        t.check(after - before >= 2000 + 50,
                f"{lk.name}: b's InDatagrams moved by {after - before} "
                f"(>= 2050)")

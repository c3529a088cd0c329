# SPDX-License-Identifier: GPL-2.0
"""netem on the VMs' NICs, each link: 10% loss both ways and reordering
(25% of frames sent 5 ms early against the others' 5 ms delay) on a's
NIC: 8 MiB each way still arrive intact, and both sides retransmitted.

netem sees xnet's GSO frames before they are cut to the MTU, so one
loss takes up to 64 KiB and 8 MiB is as few as 128 of them: at 2% a
side lost no data frame in about one run in thirteen (0.98^128) and
had nothing to retransmit.  At 10% that is 0.9^128, about 1.4e-6.
Neighbour resolution crosses the same loss: a query or its answer is
lost one time in five, and three tries failed about one run in 150
(connect: EHOSTUNREACH), so the nodes try ten times (0.19^10)."""

from common import bulk

LIMIT = 600


def run(lab, t):
    a, b = lab.a, lab.b
    for n in (a, b):
        n.sh("sysctl -qw net.xnet.neigh_retries=10")
    try:
        for i, lk in enumerate(lab.links):
            one_link(lab, t, i, lk)
    finally:
        for n in (a, b):
            n.sh("sysctl -qw net.xnet.neigh_retries=3")


def one_link(lab, t, i, lk):
    a, b = lab.a, lab.b
    a.sh(f"tc qdisc replace dev {lk.name} root netem loss 10% "
         f"delay 5ms reorder 25% 50%")
    b.sh(f"tc qdisc replace dev {lk.name} root netem loss 10%")
    ra, rb = a.counter("RetransSegs"), b.counter("RetransSegs")
    bulk(lab, t, lk, 8 << 20, port=6800 + i * 10, secs=300,
         name=f"{lk.name}: 8 MiB each way under loss and reordering")
    da, db = a.counter("RetransSegs") - ra, b.counter("RetransSegs") - rb
    t.check(da > 0 and db > 0,
            f"{lk.name}: both retransmitted (a +{da}, b +{db})")
    for n in (a, b):
        n.sh(f"tc qdisc del dev {lk.name} root")

# SPDX-License-Identifier: GPL-2.0
"""64 MiB each way (at the same time) between the VMs on one connection and
on 8 parallel connections (8 MiB each), on each link; every byte checked,
SHA-256 of each direction compared between sender and receiver. GRO
works on both NIC models: each receiver's InGroMerged moved (segments of
one connection arriving together were merged before xnet's receive
path), and InPackets + InGroMerged accounts for every segment."""

from common import bulk

LIMIT = 900
MIB64 = 64 << 20


def run(lab, t):
    nodes = (lab.a, lab.b)
    for lk in lab.links:
        before = {n.name: (n.counter("InGroMerged"), n.counter("InSegs"))
                  for n in nodes}
        bulk(lab, t, lk, MIB64, port=6000)
        bulk(lab, t, lk, MIB64 // 8, streams=8, port=6100,
             name=f"{lk.name}: 8 streams x 8 MiB each way (64 MiB)")
        for n in nodes:
            g0, s0 = before[n.name]
            g, s = n.counter("InGroMerged"), n.counter("InSegs")
            if not t.check(g is not None, f"{n.name}: InGroMerged exists"):
                continue
            t.check(g > g0, f"{lk.name} ({lk.model}): GRO merged on "
                            f"{n.name}: InGroMerged +{g - g0} of "
                            f"InSegs +{s - s0}")

# SPDX-License-Identifier: GPL-2.0
"""64 MiB each way (at the same time) between the VMs on one connection and
on 8 parallel connections, on each link; every byte checked, SHA-256 of
each direction compared between sender and receiver."""

from common import bulk

LIMIT = 900
MIB64 = 64 << 20


def run(lab, t):
    for lk in lab.links:
        bulk(lab, t, lk, MIB64, port=6000)
        bulk(lab, t, lk, MIB64 // 8, streams=8, port=6100,
             name=f"{lk.name}: 8 streams x 8 MiB each way (64 MiB)")

# SPDX-License-Identifier: GPL-2.0
"""MTUs between the VMs: one link at MTU 9000 and the other at 1500, both
carrying a transfer at once; each connection's MSS follows its link's
MTU. Then peers whose MTUs differ (a at 9000, b at 1500 on one link): the
smaller one governs both directions' MSS, and the transfer is intact."""

from common import Bulk, kv

LIMIT = 400


def mss_of(res):
    """(client, server) MSS from xnet_bulk -I output."""
    c, s = res[0]
    return int(kv(c, "info_mss") or 0), int(kv(s, "info_mss") or 0)


def run(lab, t):
    a, b = lab.a, lab.b
    jumbo, std = lab.links[-1], lab.links[0]
    for n in (a, b):
        n.sh(f"ip link set {jumbo.name} mtu 9000")
    runs = []
    for i, lk in enumerate((jumbo, std)):
        blk = Bulk(lab, t, lk, 16 << 20, port=6700 + i * 10,
                   client_args="-I", server_args="-I",
                   name=f"{lk.name} at MTU {9000 if lk is jumbo else 1500}")
        if blk.start():
            runs.append((lk, blk))
    got = {}
    for lk, blk in runs:
        res = blk.finish()
        if res:
            got[lk.name] = mss_of(res)
    if std.name in got and jumbo.name in got:
        m1500 = got[std.name][0]
        hdr = 1500 - m1500
        t.log(f"MSS at 1500: {got[std.name]}, at 9000: {got[jumbo.name]}")
        t.check(0 < hdr < 200, f"MSS at MTU 1500 is {m1500} (header {hdr})")
        t.eq(got[std.name][1], m1500, "both ends agree at 1500")
        t.eq(got[jumbo.name], (9000 - hdr, 9000 - hdr),
             f"{jumbo.name}: MSS follows MTU 9000")

        # a at 9000, b at 1500 on the same link.
        b.sh(f"ip link set {jumbo.name} mtu 1500")
        res = Bulk(lab, t, jumbo, 8 << 20, port=6720,
                   client_args="-I", server_args="-I",
                   name=f"{jumbo.name}: a at MTU 9000, b at 1500")
        if res.start():
            out = res.finish()
            if out:
                t.eq(mss_of(out), (m1500, m1500),
                     "the smaller MTU governs both directions' MSS")

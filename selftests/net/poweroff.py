# SPDX-License-Identifier: GPL-2.0
"""The peer VM powered off in the middle of a connection, then booted
again with a new MAC:
 - a's connection to b ends with ETIMEDOUT once XNET_USER_TIMEOUT (5 s)
   passes without an acknowledgement, within a bounded time;
 - a's neighbour entry for b goes STALE (neigh_reachable_ms 3 s here);
 - b boots again with new MACs on both links: a's first new connection
   (and a datagram exchange on the other link) works, and a's entry for
   b now holds b's new MAC."""

import time

from common import Bulk, bulk, kv, neigh_entry, wait_bound

LIMIT = 400


def run(lab, t):
    a, b = lab.a, lab.b
    lk = lab.links[0]
    ba = lk.addr(b)
    a.sh("sysctl -qw net.xnet.neigh_reachable_ms=3000")
    old_mac = b.mac(lk)
    blk = Bulk(lab, t, lk, 64 << 20, port=6600, secs=120,
               client_args="-r 2000000 -U 5000")
    if not blk.start():
        return
    time.sleep(3)
    t.check(not blk.clients[0].done.is_set(), "transfer running before "
            "the power goes")
    t0 = time.time()
    b.poweroff()
    rc, out = blk.clients[0].wait()
    took = time.time() - t0
    # One call gets the error (ETIMEDOUT), later ones EPIPE, as TCP's:
    # the sending and the receiving thread each report theirs.
    errs = (kv(out, "send_error"), kv(out, "recv_error"))
    t.check(rc != 0 and "Connection timed out" in errs,
            f"a's connection ended with ETIMEDOUT (send, recv: {errs}, "
            f"exit {rc}) {took:.1f}s after b went")
    t.check(took < 60 * lab.mul, f"... within 60 s ({took:.1f}s)")
    rc, _ = a.run(f"for _ in $(seq 300); do xnetctl neigh show dev {lk.name}"
                  f" | grep -q '^{ba} .* STALE' && exit 0; sleep 0.1; done; "
                  f"exit 1", 60)
    e = neigh_entry(a, lk.name, ba)
    t.check(rc == 0, f"a's entry for b went STALE: {e}")

    b.boot()
    lab.prepare(b)
    new_mac = b.mac(lk)
    t.check(new_mac != old_mac, f"b is back with a new MAC {new_mac} "
            f"(was {old_mac})")
    bulk(lab, t, lk, 1 << 20, port=6610, secs=60,
         name=f"{lk.name}: new connection to the rebooted b")
    e = neigh_entry(a, lk.name, ba)
    t.check(e is not None and e["mac"] == new_mac,
            f"a's entry for b holds the new MAC: {e}")
    for other in lab.links[1:]:
        ob = other.addr(b)
        srv = b.spawn(f"exec xnet_echo server -b {ob}:7300 -i 30", 60)
        t.check(wait_bound(b, 7300), f"{other.name}: echo server bound")
        rc, out = a.run(f"xnet_echo client -b {other.addr(a)} "
                        f"-c {ob}:7300 -n 20 -q", 60)
        t.eq(rc, 0, f"{other.name}: datagrams to the rebooted b echoed")
        srv.wait()
        e = neigh_entry(a, other.name, ob)
        t.check(e is not None and e["mac"] == b.mac(other),
                f"{other.name}: a's entry holds b's new MAC: {e}")

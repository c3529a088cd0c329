# SPDX-License-Identifier: GPL-2.0
"""The peer's module unloaded and reloaded in the middle of a protected
session (issue 13), on the first link only. a and b hold a key for each
other (per peer), net.xnet.secure=1 on both, and a captures its NIC
(xnet_cap) from start to end:
 - a protected transfer a <-> b is running; b's end of it is killed and
   xnet unloaded on b, then loaded again, b's address, key and policy set
   up again; a still holds its session with the b that was;
 - a connects to b first: its frames under the old session reach a b
   that has no such session (b's InNoKey moves), b starts a handshake,
   and a's new connection carries 1 MiB each way intact within a bounded
   time; then b connects to a, 1 MiB each way intact;
 - SessionsEstablished moved on a and on the new b after the reload;
 - the capture across both runs of b's module holds sessions of both
   (at least two receiver indexes each way) and no (source, receiver
   index, counter) twice: no nonce repeated under any session key."""

import time

from common import Bulk, bulk
from seccommon import Capture, sec_setup, sec_counters

LIMIT = 600
KEY = "0badc0de" * 4 + "1234abcd" * 4


def run(lab, t):
    a, b = lab.a, lab.b
    lk = lab.links[0]
    aa, ba = lk.addr(a), lk.addr(b)
    sec_setup(a, [f"5 {KEY} peer {ba}"])
    sec_setup(b, [f"6 {KEY} peer {aa}"])
    cap = Capture(a, lk.name)
    if not cap.start(t):
        return
    try:
        body(lab, t, lk, aa, ba)
    finally:
        s = cap.stop(t, aa, ba)
    if s is None:
        return
    t.check(s["idx_ab"] >= 2 and s["idx_ba"] >= 2,
            f"the capture spans sessions of both runs of b's module "
            f"(receiver indexes a->b {s['idx_ab']}, b->a {s['idx_ba']})")
    t.check(s["ab"] > 0 and s["ba"] > 0,
            f"sealed frames both ways (a->b {s['ab']}, b->a {s['ba']})")
    t.eq(s["plain"], 0, "plain stream/datagram frames between a and b")
    t.eq(s["dups"], 0, "(source, receiver index, counter) seen twice: a "
                       "nonce repeated")


def body(lab, t, lk, aa, ba):
    a, b = lab.a, lab.b
    # a transfer running, paced: 32 MiB at 1 MB/s each way would take
    # half a minute; the reload comes 3 s after the session formed
    blk = Bulk(lab, t, lk, 32 << 20, port=6800, secs=120,
               client_args="-r 1000000", server_args="-r 1000000")
    if not blk.start():
        return
    # the first handshake may wait for the crypto modules to load: the
    # reload comes once both hold the session and data flowed under it
    deadline = time.time() + 60 * lab.mul
    while time.time() < deadline and not blk.clients[0].done.is_set():
        if (sec_counters(a)["SessionsEstablished"] >= 1 and
                sec_counters(b)["SessionsEstablished"] >= 1):
            break
        time.sleep(0.5)
    time.sleep(3)
    t.check(not blk.clients[0].done.is_set(),
            "the protected transfer is running when b's module goes")
    a0 = sec_counters(a)
    t.check(a0["SessionsEstablished"] >= 1,
            f"a established a session before ({a0['SessionsEstablished']})")
    # b's socket must go for xnet to unload: its end of the transfer is
    # killed (a's connection ends; a keeps its session)
    blk.servers[0].kill()
    blk.servers[0].wait()
    blk.clients[0].kill()
    blk.clients[0].wait()
    rc, out = b.run("for _ in $(seq 120); do "
                    "[ $(tail -n +2 /proc/net/xnet/sockets | grep -c .) = 0 ]"
                    " && rmmod xnet 2>/dev/null && exit 0; sleep 0.25; "
                    "done; cat /proc/net/xnet/sockets; rmmod xnet", 60)
    if not t.check(rc == 0, f"b: xnet unloaded mid-session {out.strip()}"):
        return
    lab.prepare(b)
    sec_setup(b, [f"6 {KEY} peer {aa}"])
    b0 = sec_counters(b)
    t.eq(b0["SessionsEstablished"], 0, "b's counters start again after "
                                       "the reload")
    t0 = time.time()
    bulk(lab, t, lk, 1 << 20, port=6810, secs=60,
         name="a -> b: a new connection, a holding the old session")
    took = time.time() - t0
    t.check(took < 30 * lab.mul, f"... within {30 * lab.mul} s "
                                 f"({took:.1f} s)")
    b1 = sec_counters(b)
    t.check(b1["InNoKey"] > b0["InNoKey"],
            f"b: a's frames under the old session counted InNoKey "
            f"(+{b1['InNoKey'] - b0['InNoKey']})")
    bulk(lab, t, lk, 1 << 20, port=6820, secs=60, src=b, dst=a,
         name="b -> a: a new connection")
    a1, b2 = sec_counters(a), sec_counters(b)
    t.check(a1["SessionsEstablished"] > a0["SessionsEstablished"],
            f"a: SessionsEstablished moved after the reload "
            f"({a0['SessionsEstablished']} -> {a1['SessionsEstablished']})")
    t.check(b2["SessionsEstablished"] >= 1,
            f"b: SessionsEstablished moved after the reload "
            f"({b2['SessionsEstablished']})")
    for k in ("InAuthFailures", "InReplays"):
        t.eq(a1[k] - a0[k], 0, f"a: {k} moved across the reload")
        t.eq(b2[k], 0, f"b: {k} after the reload")

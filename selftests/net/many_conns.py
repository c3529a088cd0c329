# SPDX-License-Identifier: GPL-2.0
"""500 concurrent connections between the VMs on each link: all 500 open
at once to an echo server on b, one 64-byte exchange each, checked, then
closed; a's ActiveOpens and b's PassiveOpens moved by exactly 500, and
nothing is left in either VM's socket table (the runner checks)."""

from common import kv

LIMIT = 600
N = 500


def run(lab, t):
    a, b = lab.a, lab.b
    for i, lk in enumerate(lab.links):
        port = 6400 + i
        ba = lk.addr(b)
        ao, po = a.counter("ActiveOpens"), b.counter("PassiveOpens")
        rf = f"/tmp/eready.{port}"
        srv = b.spawn(f"rm -f {rf}; exec xnet_bulk echo -b {ba}:{port} "
                      f"-k {N} -B {N} -R {rf} -T 240", 300)
        rc, _ = b.run(f"for _ in $(seq 100); do [ -e {rf} ] && exit 0; "
                      f"sleep 0.1; done; exit 1", 30)
        if not t.check(rc == 0, f"{lk.name}: echo server listening"):
            srv.kill()
            continue
        rc, out = a.run(f"ulimit -n 4096; exec xnet_bulk many -c {ba}:{port} "
                        f"-b {lk.addr(a)} -n {N} -p {N} -T 240", 300)
        t.log(out)
        t.eq(rc, 0, f"{lk.name}: {N} connections, one exchange each")
        t.eq(kv(out, "max_open"), str(N), f"{lk.name}: all {N} open at once")
        src, sout = srv.wait()
        t.eq(src, 0, f"{lk.name}: echo server saw {N} clean connections")
        t.eq(a.counter("ActiveOpens") - ao, N, f"{lk.name}: a ActiveOpens +{N}")
        t.eq(b.counter("PassiveOpens") - po, N,
             f"{lk.name}: b PassiveOpens +{N}")

# SPDX-License-Identifier: GPL-2.0
"""Helpers shared by the check-net tests (selftests/net/*.py)."""

import json


def neigh_entry(node, dev, addr):
    """xnet's neighbour entry for ADDR on DEV as a dict, or None."""
    out = node.sh(f"xnetctl -j neigh show dev {dev}", 30)
    for e in json.loads(out or "[]"):
        if e.get("addr") == addr or e.get("dst") == addr:
            e.setdefault("mac", e.get("lladdr", e.get("hwaddr")))
            return e
    return None


def kv(out, key):
    """The value of the last KEY=... line of OUT (xnet_bulk's output)."""
    val = None
    for line in out.splitlines():
        if line.startswith(key + "="):
            val = line[len(key) + 1:]
    return val



class Bulk:
    """NBYTES each way on STREAMS parallel connections from SRC (default
    a) to DST (default b) over link LK (xnet_bulk: both directions at
    once, every byte checked against the expected stream). start() once
    the servers listen; finish() checks each connection's result and that
    each side's SHA-256 of what it sent equals the other side's of what it
    received, and returns the list of (client, server) outputs."""

    def __init__(self, lab, t, lk, nbytes, streams=1, kind="stream",
                 secs=300, port=6000, client_args="", server_args="",
                 name=None, src=None, dst=None):
        self.lab, self.t, self.lk = lab, t, lk
        self.nbytes, self.streams, self.kind = nbytes, streams, kind
        self.secs, self.port = secs, port
        self.client_args, self.server_args = client_args, server_args
        self.src = src or lab.a
        self.dst = dst or lab.b
        self.name = name or (f"{lk.name}: {streams} x {kind} "
                             f"{nbytes >> 20} MiB each way")
        self.servers, self.clients = [], []

    def start(self):
        ba = self.lk.addr(self.dst)
        ready = []
        for i in range(self.streams):
            rf = f"/tmp/ready.{self.port + i}"
            ready.append(rf)
            self.servers.append(self.dst.spawn(
                f"rm -f {rf}; exec xnet_bulk server -b {ba}:{self.port + i} "
                f"-t {self.kind} -n {self.nbytes} -T {self.secs} -R {rf} "
                f"{self.server_args}", self.secs + 30))
        rc, _ = self.dst.run(
            "for _ in $(seq 200); do ok=1; for f in " + " ".join(ready) +
            "; do [ -e $f ] || ok=; done; [ -n \"$ok\" ] && exit 0; "
            "sleep 0.1; done; exit 1", 60)
        if not self.t.check(rc == 0, f"{self.name}: servers listening"):
            for s in self.servers:
                s.kill()
            self.servers = []
            return False
        self.clients = [self.src.spawn(
            f"exec xnet_bulk client -c {ba}:{self.port + i} "
            f"-b {self.lk.addr(self.src)} -t {self.kind} -n {self.nbytes} "
            f"-T {self.secs} {self.client_args}", self.secs + 30)
            for i in range(self.streams)]
        return True

    def finish(self):
        res = []
        ok = bool(self.clients)
        n = str(self.nbytes)
        for i, (c, s) in enumerate(zip(self.clients, self.servers)):
            crc, cout = c.wait()
            src_rc, sout = s.wait()
            res.append((cout, sout))
            good = (crc == 0 and src_rc == 0 and
                    kv(cout, "recv_verify") == "ok" and
                    kv(sout, "recv_verify") == "ok" and
                    kv(cout, "sent_sha256") == kv(sout, "recv_sha256") and
                    kv(sout, "sent_sha256") == kv(cout, "recv_sha256") and
                    kv(cout, "recv_bytes") == n and
                    kv(sout, "recv_bytes") == n)
            if not good:
                ok = False
                self.t.log(f"connection {i}: client exit {crc}:\n{cout}\n"
                           f"server exit {src_rc}:\n{sout}")
        took = max((float(kv(c, "secs") or 0) for c, _ in res), default=0)
        mbit = (2 * self.nbytes * self.streams * 8 / took / 1e6) if took \
            else 0
        self.t.check(ok, f"{self.name}: every byte intact both ways, "
                         f"SHA-256 equal ({took:.1f}s, {mbit:.0f} Mbit/s "
                         f"both ways together)")
        return res


def bulk(lab, t, lk, nbytes, **kw):
    """A Bulk run from start to finish."""
    b = Bulk(lab, t, lk, nbytes, **kw)
    if not b.start():
        return []
    return b.finish()


def wait_bound(node, port, secs=30):
    """True once a socket of NODE is bound to PORT (xnetctl sockets)."""
    rc, _ = node.run(f"for _ in $(seq {secs * 10}); do xnetctl sockets | "
                     f"grep -q ':{port} ' && exit 0; sleep 0.1; done; "
                     f"exit 1", secs + 10)
    return rc == 0

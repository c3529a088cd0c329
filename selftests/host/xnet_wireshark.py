#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of selftests/xnet_wireshark.sh: the capture the test made in
the VM, read by tshark with tools/wireshark/xnet.lua (scripts/vm.sh check
runs this after the VM, with XNET_CAPTURES naming the directory of the
files the guest handed out).

Checks, each printed PASS or FAIL (exit 1 if any failed):
  - tshark is installed (scripts/deps.sh installs it: its absence is a
    failure) and loads the dissector without a Lua error;
  - every frame of the capture is dissected as xnet, none is malformed
    (-Y _ws.malformed), and expert infos of severity error are on the
    deliberately corrupted frame only;
  - CRC verdicts: the corrupted frame "Bad" (with the checksum it should
    have), every other frame "Good";
  - per frame type the values the test made: neighbour query (broadcast,
    hop limit 1, target B) and answer; datagrams both ways; B's error
    report (unreachable, no socket, quoting the datagram to the closed
    port); the stream connection (SYN and SYN+ACK with MSS 1428 and
    matching numbers, data, SACK blocks from B, retransmissions from A
    flagged, as many as the sender counted (XNET_INFO), FIN both ways,
    one stream index for all of it); seqpacket
    with EOR and FINs; the RST from the closed port; handshake INIT, RESP
    (naming the INIT's index) and CONFIRM; sealed datagrams naming the
    peer's session index with counters 0, 1, 2 ...; hop limit 64 on all
    frames but the neighbour ones;
  - -z xnet,conv lists the conversations; -z xnet,follow,N gives the
    stream's bytes each way, whose SHA-256 are those xnet_bulk sent;
  - frames made here (no VM needed): well-formed ones the capture lacks
    (version 1, the secure=2 neighbour trailer, a frame too big report,
    a sealed segment, SACK blocks at their limit, a checksum of 0) are
    dissected without a malformed or error expert info, with their
    values; then every type at many lengths with random bytes and
    length fields, and broken segment headers: no Lua error, tshark
    exits 0.
"""
import hashlib
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DIR = os.environ.get("XNET_CAPTURES", os.path.join(ROOT, "build", "captures"))
CAP = os.path.join(DIR, "xnet_wireshark.pcap")
META = os.path.join(DIR, "xnet_wireshark.meta")
LUA = os.path.join(ROOT, "tools", "wireshark", "xnet.lua")

SEV_ERROR = 0x00800000
FIELDS = [
    "frame.number", "eth.dst", "xnet.version", "xnet.type", "xnet.len",
    "xnet.src", "xnet.dst", "xnet.srcport", "xnet.dstport", "xnet.hoplimit",
    "xnet.crc", "xnet.crc.status", "xnet.crc.calculated", "xnet.stream",
    "xnet.seq", "xnet.ack", "xnet.wnd", "xnet.flags", "xnet.nsack",
    "xnet.sack.left", "xnet.sack.right", "xnet.mss", "xnet.seg.len",
    "xnet.neigh.target", "xnet.err.type", "xnet.err.code",
    "xnet.quote.type", "xnet.quote.dstport", "xnet.seal.inner_type",
    "xnet.seal.index", "xnet.seal.counter", "xnet.hs.kind", "xnet.hs.alg",
    "xnet.hs.sender", "xnet.hs.receiver", "_ws.expert.severity",
]

failed = 0


def ok(cond, what):
    global failed
    print(("# PASS: " if cond else "# FAIL: ") + what)
    if not cond:
        failed += 1
    return cond


def tshark(*args, cap=CAP):
    r = subprocess.run(["tshark", "-n", "-X", "lua_script:" + LUA, "-r", cap]
                       + list(args), capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def crc32c(b):
    crc = 0xffffffff
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xffffffff


def xframe(typ, payload, ver=2, length=None, csum=None, hop=64,
           ports=(1000, 2000)):
    """An xnet packet: header (CRC over its length, field as zero)."""
    h = struct.pack(">BBHIIHHI", ver, typ, 0, 0x0a000001, 0x0a000002,
                    ports[0], ports[1], 0)
    if ver == 2:
        h += bytes([hop, 0, 0, 0])
    pkt = bytearray(h + payload)
    n = len(pkt) if length is None else length
    struct.pack_into(">H", pkt, 2, n)
    if csum is None and n <= len(pkt):
        csum = crc32c(bytes(pkt[:n]))
    struct.pack_into(">I", pkt, 16, csum or 0)
    return bytes(pkt)


def seghdr(seq, ack, wnd, flags, nsack):
    return struct.pack(">IIIHBB", seq, ack, wnd, flags, nsack, 0)


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, x in enumerate(frames):
            eth = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x88\xb5" + x
            eth += bytes(max(0, 60 - len(eth)))
            f.write(struct.pack("<IIII", i, 0, len(eth), len(eth)) + eth)


def synthetic_checks(tmp):
    ok(crc32c(b"123456789") == 0xE3069283, "CRC-32C check value")
    good = [
        # 1: version 1 datagram (20-byte header)
        xframe(1, b"v1", ver=1),
        # 2: neighbour query with the secure=2 trailer
        xframe(2, bytes(range(32)), hop=1, ports=(0, 0)),
        # 3: frame too big report quoting a stream segment
        xframe(6, struct.pack(">BBHI", 3, 0, 0, 1400) +
               xframe(4, seghdr(7, 8, 9, 2, 0) + bytes(100))[:64],
               ports=(0, 0)),
        # 4: a sealed stream segment
        xframe(7, struct.pack(">BBHIQ", 4, 0, 0, 0xabcd, 5) +
               bytes(40) + bytes(16)),
        # 5: four SACK blocks and data
        xframe(4, seghdr(100, 200, 300, 0x12, 4) +
               struct.pack(">8I", 1, 2, 3, 4, 5, 6, 7, 8) + b"data"),
        # 6: checksum not computed (a large frame from a veth)
        xframe(5, seghdr(1, 2, 3, 0x12, 0) + bytes(3000), csum=0),
    ]
    p = os.path.join(tmp, "good.pcap")
    write_pcap(p, good)
    f = ["xnet.version", "xnet.type", "xnet.crc.status",
         "xnet.neigh.fingerprint", "xnet.err.mtu", "xnet.quote.seq",
         "xnet.seal.inner_type", "xnet.seal.index", "xnet.seal.counter",
         "xnet.seal.ciphertext_len", "xnet.nsack", "xnet.sack.right",
         "xnet.seg.len", "_ws.expert.severity"]
    rc, out, err = tshark("-T", "fields", "-E", "occurrence=a",
                          "-E", "aggregator=,",
                          *sum((["-e", x] for x in f), []), cap=p)
    got = [dict(zip(f, ln.split("\t"))) for ln in out.splitlines()]
    ok(rc == 0 and len(got) == len(good) and "Lua" not in err,
       "made frames: read (%d), no Lua error" % len(got))
    if len(got) == len(good):
        ok(got[0]["xnet.version"] == "1" and got[0]["xnet.crc.status"] == "1",
           "version 1 frame, CRC good")
        ok(got[1]["xnet.neigh.fingerprint"] == bytes(range(8, 16)).hex(),
           "neighbour trailer's fingerprint")
        ok(got[2]["xnet.err.mtu"] == "1400" and
           got[2]["xnet.quote.seq"] == "7", "frame too big: MTU, quoted seq")
        ok((got[3]["xnet.seal.inner_type"], got[3]["xnet.seal.index"],
            got[3]["xnet.seal.counter"], got[3]["xnet.seal.ciphertext_len"])
           == ("4", "0x0000abcd", "5", "40"), "sealed segment's header")
        ok(got[4]["xnet.nsack"] == "4" and
           got[4]["xnet.sack.right"] == "2,4,6,8" and
           got[4]["xnet.seg.len"] == "4", "four SACK blocks and 4 bytes")
        ok(got[5]["xnet.crc.status"] == "2", "checksum 0: unverified")
        sev = [x["_ws.expert.severity"] for x in got]
        ok(all(not v or max(num(y) for y in v.split(",")) < SEV_ERROR
               for v in sev), "no expert error on well-formed frames")
    rc, out, _ = tshark("-Y", "_ws.malformed", cap=p)
    ok(rc == 0 and out.strip() == "", "made frames: none malformed")

    rnd = random.Random(15)
    bad = []
    for t in range(0, 12):
        for n in (0, 1, 3, 8, 15, 16, 20, 40, 80, 103, 104, 200):
            body = bytes(rnd.getrandbits(8) for _ in range(n))
            bad.append(xframe(t, body))
            bad.append(xframe(t, body, length=rnd.randint(0, 300)))
    for flags, nsack in ((0x1f, 9), (0x01, 0), (0x02, 255), (0xffff, 4)):
        bad.append(xframe(4, seghdr(1, 2, 3, flags, nsack) + bytes(8)))
    bad += [b"", b"\x02", b"\x02\x01\x00", xframe(3, b"x", ver=9)]
    p = os.path.join(tmp, "bad.pcap")
    write_pcap(p, bad)
    rc, out, err = tshark("-V", cap=p)
    ok(rc == 0 and "Lua Error" not in out and "Lua" not in err,
       "%d broken frames: tshark exit %d, no Lua error" % (len(bad), rc))


def num(v):
    if v is None or v == "":
        return None
    return int(v, 16) if v.startswith("0x") else int(v)


def main():
    if not ok(shutil.which("tshark") is not None,
              "tshark installed (scripts/deps.sh)"):
        return 1
    if not ok(os.path.isfile(CAP) and os.path.isfile(META),
              "the guest handed out %s and its .meta" % CAP):
        return 1
    meta = {}
    with open(META) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            meta[k] = v
    aa, ba = meta["aa"], meta["ba"]
    corrupt = int(meta["corrupt"])

    rc, out, err = tshark("-T", "fields", "-E", "separator=\t",
                          "-E", "occurrence=a", "-E", "aggregator=,",
                          *sum((["-e", f] for f in FIELDS), []))
    ok(rc == 0 and "Lua" not in err,
       "tshark read the capture with the dissector (exit %d)%s" %
       (rc, ": " + err.strip()[-300:] if "Lua" in err else ""))
    rows = []
    for line in out.splitlines():
        v = line.split("\t")
        rows.append(dict(zip(FIELDS, v + [""] * (len(FIELDS) - len(v)))))
    ok(len(rows) == int(meta["frames"]),
       "%d frames read, the guest captured %s" % (len(rows), meta["frames"]))
    ok(all(r["xnet.type"] for r in rows), "every frame dissected as xnet")

    rc, out, _ = tshark("-Y", "_ws.malformed")
    ok(rc == 0 and out.strip() == "",
       "no frame malformed (-Y _ws.malformed: %d)" % len(out.splitlines()))

    def sev(r):
        return [num(x) for x in r["_ws.expert.severity"].split(",") if x]
    errs = [int(r["frame.number"]) for r in rows
            if any(s >= SEV_ERROR for s in sev(r))]
    ok(errs == [corrupt],
       "expert errors on frame %d (the corrupted one) only: %s" %
       (corrupt, errs[:10]))
    st = {int(r["frame.number"]): r["xnet.crc.status"] for r in rows}
    ok(st.get(corrupt) == "0", "frame %d: CRC Bad" % corrupt)
    good = [n for n, s in st.items() if n != corrupt and s != "1"]
    ok(not good, "every other frame: CRC Good (not: %s)" % good[:10])
    c = rows[corrupt - 1]
    ok(c["xnet.type"] == "1" and c["xnet.crc"] != c["xnet.crc.calculated"],
       "frame %d: a datagram, checksum %s, should be %s" %
       (corrupt, c["xnet.crc"], c["xnet.crc.calculated"]))

    def of(t, **kw):
        res = []
        for r in rows:
            if r["xnet.type"] != str(t):
                continue
            if all(r[k.replace("_", ".", 1) if k.startswith("xnet_") else k]
                   == v for k, v in kw.items()):
                res.append(r)
        return res

    # hop limit: 1 on the link-local neighbour frames, 64 on the others
    hl = [r["frame.number"] for r in rows
          if r["xnet.hoplimit"] != ("1" if r["xnet.type"] in ("2", "3")
                                    else "64")]
    ok(not hl, "hop limit 1 on neighbour frames, 64 on all others "
       "(not: %s)" % hl[:10])
    ok(all(r["xnet.version"] == "2" for r in rows), "version 2 everywhere")

    # neighbour resolution
    q = [r for r in of(2) if r["xnet.src"] == aa and r["xnet.dst"] == ba]
    ok(q and all(r["eth.dst"] == "ff:ff:ff:ff:ff:ff" and r["xnet.len"] == "24"
                 and r["xnet.neigh.target"] == ba and r["xnet.srcport"] == "0"
                 for r in q),
       "NEIGH_QUERY A -> B: broadcast, length 24, target %s" % ba)
    a = [r for r in of(3) if r["xnet.src"] == ba and r["xnet.dst"] == aa]
    ok(a and all(r["eth.dst"] == meta["amac"] and r["xnet.neigh.target"] == ba
                 for r in a),
       "NEIGH_ANSWER B -> A to A's MAC, target %s" % ba)

    # datagrams and the error report
    ep = meta["eport"]
    d1 = [r for r in of(1) if r["xnet.dstport"] == ep and r["xnet.src"] == aa]
    d2 = [r for r in of(1) if r["xnet.srcport"] == ep and r["xnet.src"] == ba]
    ok(len(d1) >= 5 and len(d2) >= 5,
       "datagrams A -> B:%s (%d) and back (%d)" % (ep, len(d1), len(d2)))
    ok(len({r["xnet.stream"] for r in d1 + d2}) == 1,
       "the echoes are one conversation (xnet.stream)")
    e = [r for r in of(6) if r["xnet.src"] == ba and r["xnet.dst"] == aa]
    ok(any(r["xnet.err.type"] == "1" and r["xnet.err.code"] == "2" and
           r["xnet.quote.type"] == "1" and
           r["xnet.quote.dstport"] == meta["nport"] and
           r["xnet.srcport"] == "0" for r in e),
       "ERROR from B: unreachable, no socket, quoting the datagram to "
       "port %s" % meta["nport"])

    # the stream connection
    sp = meta["sport"]
    s = [r for r in of(4) if sp in (r["xnet.srcport"], r["xnet.dstport"])]
    syn = [r for r in s if num(r["xnet.flags"]) == 0x01]
    sa = [r for r in s if num(r["xnet.flags"]) == 0x03]
    ok(syn and sa, "stream: SYN (%d) and SYN+ACK (%d)" % (len(syn), len(sa)))
    if syn and sa:
        ok(syn[0]["xnet.src"] == aa and syn[0]["xnet.dstport"] == sp and
           syn[0]["xnet.mss"] == "1428" and sa[0]["xnet.mss"] == "1428",
           "SYN A -> B:%s, MSS 1428 both ways" % sp)
        ok(num(sa[0]["xnet.ack"]) == (num(syn[0]["xnet.seq"]) + 1) % 2**32,
           "SYN+ACK acknowledges the SYN's sequence number + 1")
    ok(len({r["xnet.stream"] for r in s}) == 1,
       "the connection is one xnet.stream (%s)" %
       sorted({r["xnet.stream"] for r in s}))
    data = [r for r in s if r["xnet.src"] == aa and
            num(r["xnet.seg.len"] or "0") > 0]
    ok(len(data) >= int(meta["s_up"]) // 1428,
       "%d data segments A -> B" % len(data))
    sacks = [r for r in s if r["xnet.src"] == ba and r["xnet.sack.left"]]
    good_sack = all(
        len(r["xnet.sack.left"].split(",")) == num(r["xnet.nsack"]) and
        all(0 < (num(rr) - num(ll)) % 2**32 < 2**31
            for ll, rr in zip(r["xnet.sack.left"].split(","),
                              r["xnet.sack.right"].split(",")))
        for r in sacks)
    ok(sacks and good_sack,
       "SACK blocks from B (%d frames), nsack blocks each, left < right" %
       len(sacks))
    rc, out, _ = tshark("-Y", "xnet.analysis.retransmission && "
                        "xnet.srcport == %s" % s[0]["xnet.srcport"]
                        if s else "frame")
    nre = len(out.splitlines())
    ok(rc == 0 and nre >= 1 and str(nre) == meta["s_up_retrans"],
       "retransmissions A -> B flagged: %d, the sender counted %s" %
       (nre, meta["s_up_retrans"]))
    fins = {r["xnet.src"] for r in s if num(r["xnet.flags"]) & 0x04}
    ok(fins == {aa, ba}, "FIN both ways")
    rs = [r for r in of(4) if r["xnet.srcport"] == meta["cport"]]
    ok(any(num(r["xnet.flags"]) & 0x08 and r["xnet.src"] == ba for r in rs),
       "RST from B's closed port %s" % meta["cport"])

    # seqpacket
    qp = meta["qport"]
    sq = [r for r in of(5) if qp in (r["xnet.srcport"], r["xnet.dstport"])]
    ok(any(num(r["xnet.flags"]) & 0x10 for r in sq) and
       {r["xnet.src"] for r in sq if num(r["xnet.flags"]) & 0x04} == {aa, ba},
       "SEQPACKET: EOR segments and FIN both ways")

    # handshake and sealed frames
    hs = of(8)
    init = [r for r in hs if r["xnet.hs.kind"] == "1"]
    resp = [r for r in hs if r["xnet.hs.kind"] == "2"]
    ok(init and resp and all(r["xnet.len"] == "104" and
                             r["xnet.hs.alg"] in ("1", "2") for r in hs),
       "HANDSHAKE INIT and RESP, length 104, a known AEAD")
    if init and resp:
        ok(resp[0]["xnet.hs.receiver"] == init[0]["xnet.hs.sender"] and
           init[0]["xnet.hs.receiver"] == "0x00000000",
           "the RESP names the INIT's index")
        ok(any(r["xnet.hs.kind"] == "3" for r in hs), "HANDSHAKE CONFIRM")
        sl = [r for r in of(7) if r["xnet.src"] == aa]
        ok(sl and all(r["xnet.seal.inner_type"] == "1" and
                      r["xnet.seal.index"] == resp[0]["xnet.hs.sender"]
                      for r in sl),
           "SEALED datagrams A -> B name B's session index %s" %
           resp[0]["xnet.hs.sender"])
        ok([r["xnet.seal.counter"] for r in sl] ==
           [str(i) for i in range(len(sl))],
           "their counters count from 0")

    # conversations and follow
    rc, out, _ = tshark("-q", "-z", "xnet,conv")
    line = [ln for ln in out.splitlines() if re.search(
        r"STREAM\s+%s:\d+\s+%s:%s\s" % (re.escape(aa), re.escape(ba), sp), ln)]
    ok(rc == 0 and len(line) == 1, "-z xnet,conv lists the connection")
    if s:
        n = s[0]["xnet.stream"]
        rc, out, _ = tshark("-q", "-z", "xnet,follow," + n)
        got = {}
        cur = None
        for ln in out.splitlines():
            m = re.match(r"^(\S+) -> (\S+): (\d+) bytes$", ln)
            if m:
                cur = m.group(1).split(":")[0]
                got[cur] = bytearray()
            elif cur and re.match(r"^[0-9a-f]{8}  ", ln):
                got[cur] += bytes.fromhex(ln[10:58].replace(" ", ""))
        for who, n_, sha in ((aa, "s_up", "s_up_sha256"),
                             (ba, "s_down", "s_down_sha256")):
            b = got.get(who, b"")
            ok(len(b) == int(meta[n_]) and
               hashlib.sha256(b).hexdigest() == meta[sha],
               "-z xnet,follow,%s: %d bytes from %s, SHA-256 as sent" %
               (n, len(b), who))
    with tempfile.TemporaryDirectory() as tmp:
        synthetic_checks(tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    r = main()
    print("# all checks passed" if r == 0 else "# some checks FAILED")
    sys.exit(r)

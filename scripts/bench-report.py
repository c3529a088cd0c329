#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Aggregate the raw results of `make bench` into a table, JSON and charts.

    scripts/bench-report.py RAW.json [RAW.json ...] OUTDIR

Each RAW.json is one topology's raw results: what the one-VM run's
bench-guest.sh wrote to its third serial port ("1vm-veth": two namespaces
joined by a veth), or what scripts/netbench.py wrote ("2vm-virtio": two
VMs joined by a virtio-net link). JSON lines: a "meta" line (its
"topology", "1vm-veth" if absent), one line per measurement (with "rep",
"label", "family" and the test's figures), "cwnd" sample lines, an "end"
line. Prints one table per topology, each headed by what it measured on,
then the path check and the fairness figure. Writes OUTDIR/results.json
({"runs": [one object per topology: meta, comparisons, figures, raw]}),
OUTDIR/ratios-TOPOLOGY.png and OUTDIR/cwnd-TEST-TOPOLOGY.png (gnuplot).
Exits 1 if a raw file is incomplete.  Python standard library only.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys

# (title, label, metric, family, reference family, better, target ratio)
# target: the issue's target for family/reference (None: reported only).
COMPARISONS = [
    ("throughput 1 stream", "tput1", "mbps", "xnet", "tcp", "higher", 1.0),
    ("throughput 1 stream", "tput1", "mbps", "xnet", "tipc", "higher", 2.0),
    ("throughput 1 stream", "tput1", "mbps", "xnet", "unix", "higher", None),
    ("throughput 4 streams", "tput4", "mbps", "xnet", "tcp", "higher", 1.0),
    ("throughput 4 streams", "tput4", "mbps", "xnet", "tipc", "higher", 2.0),
    ("throughput 4 streams", "tput4", "mbps", "xnet", "unix", "higher", None),
]
# request/response: p50 against the target, p99 and p99.9 reported
for _size, _sname in (("1", "1 B"), ("4096", "4 KiB")):
    for _fam, _ref in (("xnet", "tcp"), ("xnet-dgram", "udp"),
                       ("xnet-seqpacket", "tipc-seqpacket")):
        for _m, _t in (("p50_us", 0.85), ("p99_us", None),
                       ("p999_us", None)):
            COMPARISONS.append((f"rr {_sname} {_m[:-3].replace('p999', 'p99.9')}",
                                "rr" + _size, _m, _fam, _ref, "lower", _t))
COMPARISONS += [
    ("connection rate", "crr", "rate", "xnet", "tcp", "higher", 1.5),
    ("goodput 1% loss", "loss1", "mbps", "xnet", "tcp", "higher", 1.0),
    ("goodput 0.1% loss", "loss01", "mbps", "xnet", "tcp", "higher", None),
    ("memory per idle conn", "idle", "bytes_per_conn", "xnet", "tcp", "lower",
     1.0),
    ("slab pages per idle conn", "idle", "slab_bytes_per_conn", "xnet", "tcp",
     "lower", None),
    ("time to open N idle", "idle", "open_secs", "xnet", "tcp", "lower",
     None),
    # through one forwarding namespace (bench-guest.sh: fwd)
    ("fwd tput, 1 router", "fwd", "mbps", "xnet", "tcp", "higher", 1.0),
    ("fwd tput, no offloads", "fwdseg", "mbps", "xnet", "tcp", "higher",
     1.0),
    ("no router, no offloads", "direct-seg", "mbps", "xnet", "tcp",
     "higher", None),
    # secure channels (bench-guest.sh: secure), all on the same veth:
    # protected xnet against TCP over WireGuard and plain xnet (the
    # issue's targets), TCP over MACsec, and what protection costs each
    ("sec tput 1 stream", "sec-tput1", "mbps", "xnet-sec", "tcp-wg",
     "higher", 1.0),
    ("sec tput 1 stream", "sec-tput1", "mbps", "xnet-sec", "xnet",
     "higher", 0.6),
    ("sec tput 1 stream", "sec-tput1", "mbps", "xnet-sec",
     "tcp-macsec", "higher", None),
    ("sec tput 1 stream", "sec-tput1", "mbps", "xnet-sec-cc", "tcp-wg",
     "higher", 1.0),
    ("sec tput 1 stream", "sec-tput1", "mbps", "xnet-sec-cc", "xnet",
     "higher", 0.6),
    ("sec tput 1 stream", "sec-tput1", "mbps", "tcp-wg", "tcp",
     "higher", None),
    ("sec tput 1 stream", "sec-tput1", "mbps", "tcp-macsec", "tcp",
     "higher", None),
    ("sec tput 1 stream", "sec-tput1", "mbps", "xnet", "tcp", "higher",
     None),
    ("sec rr 1 B p50", "sec-rr1", "p50_us", "xnet-sec", "tcp-wg",
     "lower", 0.85),
    ("sec rr 1 B p50", "sec-rr1", "p50_us", "xnet-sec", "xnet",
     "lower", None),
    ("sec rr 1 B p50", "sec-rr1", "p50_us", "xnet-sec", "tcp-macsec",
     "lower", None),
    ("sec rr 1 B p50", "sec-rr1", "p50_us", "xnet-sec-cc", "tcp-wg",
     "lower", 0.85),
    ("sec rr 1 B p50", "sec-rr1", "p50_us", "xnet-sec-cc", "xnet",
     "lower", None),
    ("sec rr 1 B p50", "sec-rr1", "p50_us", "tcp-wg", "tcp", "lower",
     None),
    ("sec rr 1 B p50", "sec-rr1", "p50_us", "tcp-macsec", "tcp",
     "lower", None),
    ("sec rr 1 B p50", "sec-rr1", "p50_us", "xnet", "tcp", "lower", None),
    ("sec rr 1 B p99", "sec-rr1", "p99_us", "xnet-sec", "tcp-wg",
     "lower", None),
    ("sec rr 1 B p99", "sec-rr1", "p99_us", "xnet-sec", "xnet",
     "lower", None),
    ("sec CPU, 1 stream", "sec-tput1", "cpu_s_per_gib", "xnet-sec",
     "tcp-wg", "lower", None),
    ("sec CPU, 1 stream", "sec-tput1", "cpu_s_per_gib", "xnet-sec",
     "xnet", "lower", None),
    ("sec CPU, 1 stream", "sec-tput1", "cpu_s_per_gib", "xnet-sec",
     "tcp-macsec", "lower", None),
    ("sec CPU, 1 stream", "sec-tput1", "cpu_s_per_gib", "xnet-sec-cc",
     "tcp-wg", "lower", None),
    ("sec CPU, 1 stream", "sec-tput1", "cpu_s_per_gib", "tcp-wg",
     "tcp", "lower", None),
    ("sec CPU, 1 stream", "sec-tput1", "cpu_s_per_gib", "xnet", "tcp",
     "lower", None),
    ("sec CPU per rt 1 B", "sec-rr1", "cpu_us_per_rt", "xnet-sec",
     "tcp-wg", "lower", None),
    ("sec CPU per rt 1 B", "sec-rr1", "cpu_us_per_rt", "xnet-sec",
     "xnet", "lower", None),
    ("sec CPU per rt 1 B", "sec-rr1", "cpu_us_per_rt", "xnet-sec-cc",
     "tcp-wg", "lower", None),
    # issue 14 (bench-guest.sh, netbench.py: cpu, seg): the sending side's
    # CPU per GiB, one stream of 64 KiB writes, each way of sending
    ("CPU 64K copy", "cpu-copy", "tx_cpu_s_per_gib", "xnet", "tcp",
     "lower", 1.0),
    ("CPU 64K MSG_ZEROCOPY", "cpu-zerocopy", "tx_cpu_s_per_gib",
     "xnet", "tcp", "lower", 1.0),
    ("CPU 64K sendfile", "cpu-sendfile", "tx_cpu_s_per_gib", "xnet",
     "tcp", "lower", 1.0),
    ("tput 64K copy", "cpu-copy", "mbps", "xnet", "tcp", "higher", None),
    ("tput 64K MSG_ZEROCOPY", "cpu-zerocopy", "mbps", "xnet", "tcp",
     "higher", None),
    ("tput 64K sendfile", "cpu-sendfile", "mbps", "xnet", "tcp",
     "higher", None),
    # datagrams: 44 segments of 1472 B a send, received goodput
    ("dgram goodput, seg", "seg", "goodput_mbps", "xnet-dgram", "udp",
     "higher", 1.0),
    ("dgram goodput, 1/send", "seg-plain", "goodput_mbps", "xnet-dgram",
     "udp", "higher", None),
]

# The same family under two conditions (bench-guest.sh: routes): (title,
# label, reference label, what the reference is, metric, family, better,
# target ratio).
LABEL_COMPARISONS = [
    ("CPU MSG_ZEROCOPY/copy", "cpu-zerocopy", "cpu-copy", "copy",
     "tx_cpu_s_per_gib", "xnet", "lower", 0.7),
    ("CPU MSG_ZEROCOPY/copy", "cpu-zerocopy", "cpu-copy", "copy",
     "tx_cpu_s_per_gib", "tcp", "lower", None),
    ("CPU sendfile/copy", "cpu-sendfile", "cpu-copy", "copy",
     "tx_cpu_s_per_gib", "xnet", "lower", None),
    ("CPU sendfile/copy", "cpu-sendfile", "cpu-copy", "copy",
     "tx_cpu_s_per_gib", "tcp", "lower", None),
    ("dgram goodput seg/1", "seg", "seg-plain", "1/send",
     "goodput_mbps", "xnet-dgram", "higher", None),
    ("dgram goodput seg/1", "seg", "seg-plain", "1/send",
     "goodput_mbps", "udp", "higher", None),
    ("10k routes: rr 1 B p50", "routes10k", "routes1", "1 route", "p50_us",
     "xnet", "lower", 1.05),
    ("10k routes: rr 1 B p99", "routes10k", "routes1", "1 route", "p99_us",
     "xnet", "lower", None),
]

UNITS = {"mbps": "Mbit/s", "p50_us": "us", "p99_us": "us", "p999_us": "us",
         "rate": "/s", "share": "", "jain": "",
         "bytes_per_conn": "B", "slab_bytes_per_conn": "B", "open_secs": "s",
         "cpu_s_per_gib": "s/GiB", "cpu_us_per_rt": "us",
         "hs_ms": "ms", "first_ms": "ms", "next_ms": "ms",
         "tx_cpu_s_per_gib": "s/GiB", "goodput_mbps": "Mbit/s",
         "pace_ratio": "", "wire_ratio": "", "delivered": ""}

SHORT = {"xnet": "XNET", "xnet-dgram": "XNET-DG", "xnet-seqpacket": "XNET-SP",
         "tcp": "TCP", "udp": "UDP", "tipc": "TIPC",
         "tipc-seqpacket": "TIPC-SP", "unix": "UNIX",
         "xnet-sec": "XNET-SEC", "xnet-sec-cc": "XNET-SCC", "tcp-wg": "TCP-WG",
         "tcp-macsec": "TCP-MSEC"}


def load(path):
    meta, rows, cwnd, end = {}, [], {}, False
    if not os.path.exists(path):
        return meta, rows, cwnd, end
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").strip().strip("\r")
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                print(f"bench-report: skipping bad line: {line[:80]}",
                      file=sys.stderr)
                continue
            if "meta" in obj:
                meta = obj["meta"]
            elif "cwnd" in obj:
                cwnd[(obj.get("test", "loss1"), obj["cwnd"])] = \
                    obj["samples"]
            elif obj.get("end"):
                end = True
            elif "skipped" in obj:
                meta.setdefault("skipped", {})[
                    f"{obj.get('label')}/{obj.get('family')}"] = obj["skipped"]
            else:
                rows.append(obj)
    meta.setdefault("topology", "1vm-veth")
    return meta, rows, cwnd, end


def stats(rows, label, family, metric):
    vals = [r[metric] for r in rows
            if r.get("label") == label and r.get("family") == family
            and metric in r and "error" not in r]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals),
            "max": max(vals), "n": len(vals)}


def paired_ratios(rows, label, rlabel, family, metric):
    """label / rlabel of one repetition, for each repetition with both."""
    def by_rep(lb):
        return {r.get("rep"): r[metric] for r in rows
                if r.get("label") == lb and r.get("family") == family
                and metric in r and "error" not in r}
    a, b = by_rep(label), by_rep(rlabel)
    each = [a[k] / b[k] for k in sorted(a, key=str) if k in b and b[k]]
    if not each:
        return None
    return {"median": statistics.median(each), "min": min(each),
            "max": max(each), "n": len(each), "each": each}


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_stat(s, why=None):
    if not s:
        return "not supported" if why else "n/a"
    return f"{fmt(s['median'])} [{fmt(s['min'])}-{fmt(s['max'])}]"


def not_supported(meta, label, fam):
    """Why the kernel refused a figure (xnet-bench exit 4), or None."""
    why = meta.get("skipped", {}).get(f"{label}/{fam}")
    return why if why and why.startswith("not supported") else None


def gnuplot(script, outdir):
    if not shutil.which("gnuplot"):
        print("bench-report: gnuplot missing, no charts (make deps)",
              file=sys.stderr)
        return
    r = subprocess.run(["gnuplot"], input=script, text=True, cwd=outdir,
                       capture_output=True)
    if r.returncode:
        print("bench-report: gnuplot failed:\n" + r.stderr, file=sys.stderr)


TOPO_TEXT = {
    "1vm-veth": "one VM (2 vCPUs), namespaces a and b joined by a veth "
                "pair, MTU 1500",
    "2vm-virtio": "two VMs (1 vCPU each) joined by a virtio-net-pci link "
                  "(QEMU socket netdev), MTU 1500",
}

PATH_TEXT = {
    "fwd": "fa - fr - fb: two veth pairs, MTU 1500, fr forwarding (xnet "
           "and IPv4), default routes via fr; veth offloads as they come",
    "fwdseg": "the same with TSO, GSO, tx-gso-list and GRO off on the "
              "four veth ends",
    "direct-seg": "the control: a - b on one veth pair, no router, "
                  "those offloads off on both ends",
    "routes1": "fa - fr - fb as for fwd, the connected and default routes "
               "only",
    "routes10k": "ga - gr - gb, its twin, with 10 000 random prefixes "
                 "(/8 to /32) more in each of ga, gr and gb",
}

# secure: the path each family of the secure figures took
SEC_PATH = {
    "xnet": "plain xnet on veth-a - veth-b (net.xnet.secure=0)",
    "xnet-sec": "xnet sealed end to end (type 7 frames, session keys from "
                "a type 8 handshake), AES-256-GCM keys on both sides, "
                "net.xnet.secure=1, the same veth",
    "xnet-sec-cc": "the same with a ChaCha20-Poly1305 key (xnetctl key "
                   "add ... alg chacha20poly1305)",
    "tcp": "plain TCP/IPv4 on the same veth",
    "tcp-wg": "TCP/IPv4 through wg0 (Debian's wireguard module: "
              "ChaCha20-Poly1305 in UDP over the same veth, MTU 1420)",
    "tcp-macsec": "TCP/IPv4 through macsec0 on the same veth (gcm-aes-128, "
                  "encrypt on, MTU 1468)",
}


def wire(r):
    """Bytes that crossed the link during a measurement (both ways)."""
    return r.get("wire_bytes", r.get("veth_bytes"))


def per_unit(rows, label, family, over):
    """Median of link bytes / row[over] for one figure, or None."""
    vals = [wire(r) / r[over] for r in rows
            if r.get("label") == label and r.get("family") == family
            and wire(r) is not None and r.get(over) and "error" not in r]
    return statistics.median(vals) if vals else None


def path_check(rows, topo):
    """Whether each family's traffic crossed the link: the same path."""
    checks = [("tput1", "bytes", "per payload byte, 1 stream",
               ["xnet", "tcp", "tipc", "unix"]),
              ("rr1", "n", "per 1-byte round trip",
               ["xnet", "tcp", "xnet-dgram", "udp", "xnet-seqpacket",
                "tipc-seqpacket"])]
    lines, bypass = [], []
    for label, over, what, fams in checks:
        vals = [(f, per_unit(rows, label, f, over)) for f in fams]
        if all(v is None for _, v in vals):
            continue
        lines.append(f"  {what:<28} " + "  ".join(
            f"{SHORT[f]} {fmt(v)}" for f, v in vals if v is not None))
        limit = 0.5 if over == "bytes" else 20
        bypass += [SHORT[f] for f, v in vals
                   if v is not None and v < limit and f != "unix"]
    if not lines:
        return []
    link = "the veth" if topo == "1vm-veth" else "the link"
    print(f"\npath check, bytes that crossed {link} (both directions):")
    print("\n".join(lines))
    if bypass:
        print(f"  not over {link}, so not the same path: " +
              ", ".join(sorted(set(bypass))))
    if any(f.startswith("TIPC") for f in bypass) and topo == "1vm-veth":
        print("  (between namespaces of one host, TIPC hands messages from"
              " socket to socket, net/tipc/node.c: tipc_lxc_xmit(), not to"
              " its bearer)")
    return sorted(set(bypass))


def outliers(rows):
    """1-byte round trips over 1 and 2 ms, per family (from -R)."""
    fams = ["xnet", "tcp", "xnet-dgram", "udp", "xnet-seqpacket",
            "tipc-seqpacket"]
    out = []
    for f in fams:
        rs = [r for r in rows if r.get("label") == "rr1" and
              r.get("family") == f and "over2ms" in r]
        if not rs:
            continue
        out.append(f"{SHORT[f]} " + " ".join(
            f"{r['over1ms']}/{r['over2ms']}/{r['n']}" for r in rs))
    if out:
        print("\nrr 1 B outliers, per repetition: round trips over 1 ms / "
              "over 2 ms / all")
        for line in out:
            print(f"  {line}")


def router_path(rows):
    """The chains' paths, and the frames the router received from a."""
    labels = [lb for lb in PATH_TEXT if any(r.get("label") == lb
                                            for r in rows)]
    if not labels:
        return {}
    print("\nthrough one router (mean frame the router received from a, "
          "forwarded frames counted by xnet in the router):")
    out = {}
    for lb in labels:
        print(f"  {lb}: {PATH_TEXT[lb]}")
        if not any(r.get("label") == lb and r.get("router_rx_frames")
                   for r in rows):
            print("    (no router)")
        for fam in ("xnet", "tcp"):
            rs = [r for r in rows if r.get("label") == lb and
                  r.get("family") == fam and r.get("router_rx_frames")
                  and "error" not in r]
            if not rs:
                continue
            mean = statistics.median(r["router_rx_bytes"] /
                                     r["router_rx_frames"] for r in rs)
            fwd = [sum(v for k, v in r.get("xnet_delta", {}).items()
                       if k.startswith("Forw")) for r in rs] \
                if fam == "xnet" else []
            out.setdefault(lb, {})[fam] = {"mean_frame_bytes": mean,
                                           "forwarded": fwd}
            print(f"    {SHORT[fam]:<5} mean frame {fmt(mean)} B"
                  + (f", ForwDatagrams per run {fwd}" if fwd else ""))
    return out


def secure(rows, meta):
    """The secure figures' paths, seal check, handshake time and skips."""
    fams = [f for f in SEC_PATH
            if any(r.get("label", "").startswith("sec-") and
                   r.get("family") == f for r in rows)]
    skipped = {k: v for k, v in meta.get("skipped", {}).items()
               if k.startswith("sec-")}
    if not fams and not skipped:
        return None
    print("\nsecure channels: the paths (all over veth-a - veth-b)"
          + (", every stream on CPU 0 (sec_pin=1)" if meta.get("sec_pin")
             else "") + ":")
    for f in fams:
        print(f"  {SHORT[f]:<8} {SEC_PATH[f]}")
    for k, why in sorted(skipped.items()):
        print(f"  {k}: skipped: {why}")
    out = {"skipped": skipped, "paths": {f: SEC_PATH[f] for f in fams}}
    # what crossed the veth: sealing adds 32 bytes to each frame
    tp = [(f, per_unit(rows, "sec-tput1", f, "bytes")) for f in fams]
    rt = [(f, per_unit(rows, "sec-rr1", f, "n")) for f in fams]
    print("  bytes on the veth per payload byte (1 stream): " +
          "  ".join(f"{SHORT[f]} {fmt(v)}" for f, v in tp if v))
    print("  bytes on the veth per 1-byte round trip:        " +
          "  ".join(f"{SHORT[f]} {fmt(v)}" for f, v in rt if v))
    d = dict(rt)
    for f in ("xnet-sec", "xnet-sec-cc"):
        if d.get("xnet") and d.get(f):
            extra = d[f] - d["xnet"]
            ok = extra >= 48
            print(f"  {SHORT[f]}: sealing added {fmt(extra)} bytes per round "
                  f"trip (two frames of 32 bytes more each: 64): " +
                  ("sealed" if ok else "NOT SEALED?"))
            out.setdefault("seal_bytes_per_rt", {})[f] = extra
            out.setdefault("sealed", {})[f] = ok
    # losses on the way: the sender's retransmissions (xnet), the
    # receiver's drops by reason, the backlog queues' drops (any family)
    print("  1 stream, per run (median): retransmitted segments / segments "
          "sent by a; b's drops; frames the backlog queues dropped:")
    for f in fams:
        rs = [r for r in rows if r.get("label") == "sec-tput1" and
              r.get("family") == f and "error" not in r]
        if not rs:
            continue
        line = f"    {SHORT[f]:<8}"
        if f.startswith("xnet"):
            re_ = [r.get("xnet_delta", {}).get("RetransSegs", 0) /
                   max(1, r.get("xnet_delta", {}).get("OutSegs", 0))
                   for r in rs]
            line += f" retransmitted {statistics.median(re_) * 100:.1f}%"
            drops = {}
            for r in rs:
                for k, v in r.get("xnet_delta_b", {}).items():
                    if k.startswith(("In", "Mem")) and k not in (
                            "InPackets", "InSegs", "InDatagrams") and v:
                        drops.setdefault(k, []).append(v)
            if drops:
                line += ", b: " + " ".join(
                    f"{k} {statistics.median(v):.0f}"
                    for k, v in sorted(drops.items()))
        bd = [r["backlog_drops"] for r in rs if "backlog_drops" in r]
        if bd:
            line += f", backlog drops {statistics.median(bd):.0f}"
        print(line)
    hs = {m: stats(rows, "sec-hs", "xnet-sec", m)
          for m in ("hs_ms", "first_ms", "next_ms")}
    if hs["hs_ms"]:
        n = [r.get("sessions") for r in rows if r.get("label") == "sec-hs"
             and "error" not in r]
        print(f"  handshake: {hs['hs_ms']['n']} fresh sessions (key deleted "
              f"and added on both sides, then three xnet-ping probes 0.5 s "
              f"apart): first round trip {fmt_stat(hs['first_ms'])} ms, "
              f"the faster of the next two {fmt_stat(hs['next_ms'])} ms, "
              f"the handshake's cost "
              f"{fmt_stat(hs['hs_ms'])} ms; SessionsEstablished moved by "
              f"{' '.join(str(x) for x in n)}")
        out["handshake"] = hs
    return out


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def counter(rows, label, fam, name):
    """Median per run of an xnet counter that moved on the sender."""
    rs = [r for r in rows if r.get("label") == label and
          r.get("family") == fam and "error" not in r]
    return med([r.get("xnet_delta", {}).get(name, 0) for r in rs])


def issue14(rows, meta, topo):
    """The path each issue 14 figure took: method, counters, pacing."""
    out = {}
    skipped = {k: v for k, v in meta.get("skipped", {}).items()
               if k.split("/")[0].startswith(("cpu-", "seg", "pace"))}
    cpu = [r for r in rows if r.get("label", "").startswith("cpu-")
           and "error" not in r]
    if cpu or any(k.startswith("cpu-") for k in skipped):
        scope = sorted({r.get("cpu_scope", "?") for r in cpu})
        print("\nCPU per GiB (cpu): one stream of 64 KiB writes; the "
              "sending side's CPU seconds per GiB the receiver counted: "
              "/proc/stat system time of the sender's CPU "
              f"({', '.join(scope) or '?'}) plus softirq and irq time of "
              "every CPU of " + ("the VM: it includes the receive path the "
                                 "veth runs in softirq, not the receiving "
                                 "process's own system time"
                                 if topo == "1vm-veth" else
                                 "VM a (one vCPU, only the sender runs "
                                 "there)") + ".")
        for mode in ("copy", "zerocopy", "sendfile"):
            lb = f"cpu-{mode}"
            for fam in ("xnet", "tcp"):
                rs = [r for r in cpu if r["label"] == lb and
                      r.get("family") == fam]
                why = not_supported(meta, lb, fam)
                if not rs:
                    if why:
                        print(f"  {lb:<13} {SHORT[fam]:<5} {why}")
                    continue
                line = (f"  {lb:<13} {SHORT[fam]:<5} "
                        f"sys {fmt(med(r.get('tx_sys_s') for r in rs))} s, "
                        f"softirq {fmt(med(r.get('softirq_s') for r in rs))}"
                        f" s, {fmt(med(r.get('mbps') for r in rs))} Mbit/s")
                if mode == "zerocopy":
                    ids = sum(r.get("zc_ids", 0) for r in rs)
                    done = sum(r.get("zc_done", 0) for r in rs)
                    cop = sum(r.get("zc_copied", 0) for r in rs)
                    line += (f"; completions {done}/{ids}, copied after "
                             f"all {100 * cop / ids if ids else 0:.0f}%")
                if fam == "xnet":
                    ctr = {n: counter(rows, lb, fam, n) for n in
                           ("ZerocopySends", "ZerocopyCopied",
                            "SplicedPages")}
                    line += "; " + " ".join(f"{k} {fmt(v)}"
                                            for k, v in ctr.items())
                out.setdefault("cpu", {}).setdefault(lb, {})[fam] = line
                print(line)
        if topo == "1vm-veth":
            print("  (over a veth, a MSG_ZEROCOPY skb delivered to a local "
                  "socket is copied on delivery: its completions say "
                  "COPIED, for TCP as for xnet)")
    seg = [r for r in rows if r.get("label", "").startswith("seg")
           and "error" not in r]
    if seg or any(k.startswith("seg") for k in skipped):
        ex = next((r for r in seg if r.get("seg")), None)
        print("\ndatagrams (seg): one way for "
              f"{fmt(meta.get('secs')) if meta.get('secs') else '?'} s; "
              + (f"{ex['msg']} B a send in {ex['segs_per_send']} segments "
                 f"of {ex['seg']} B (XNET_SEGMENT, UDP_SEGMENT: the largest "
                 "UDP payload at MTU 1500, for both)" if ex else
                 "segmented sends") + ", and one datagram of that size a "
              "send (seg-plain); goodput: bytes the receiver got over the "
              "time from its first datagram to its last")
        for lb in ("seg", "seg-plain"):
            for fam in ("xnet-dgram", "udp"):
                rs = [r for r in seg if r["label"] == lb and
                      r.get("family") == fam]
                why = not_supported(meta, lb, fam)
                if not rs:
                    if why:
                        print(f"  {lb:<9} {SHORT[fam]:<7} {why}")
                    continue
                line = (f"  {lb:<9} {SHORT[fam]:<7} goodput "
                        f"{fmt(med(r.get('goodput_mbps') for r in rs))} "
                        f"Mbit/s, sent "
                        f"{fmt(med(r.get('send_mbps') for r in rs))} "
                        f"Mbit/s, delivered "
                        f"{fmt(100 * med(r.get('delivered') for r in rs))}%")
                if fam == "xnet-dgram":
                    line += (f"; OutSegmented "
                             f"{fmt(counter(rows, lb, fam, 'OutSegmented'))}")
                print(line)
    pace = [r for r in rows if r.get("label", "").startswith("pace")
            and "error" not in r]
    if pace or any(k.startswith("pace") for k in skipped):
        psecs = meta.get("pace_secs")
        print("\npacing accuracy (pace): one stream under "
              "SO_MAX_PACING_RATE for "
              f"{fmt(psecs) if psecs else '?'} s; goodput / rate asked "
              "(NIC tx: the bytes the sender's NIC counted sent, / rate; "
              "a large frame counts its headers once); without fq TCP "
              "paces by its own timer, with fq it hands fq departure times")
        print(f"  {'qdisc':<10} {'Mbit/s':>6}  {'XNET goodput/asked':<22} "
              f"{'TCP goodput/asked':<22} {'XNET NIC tx':>11} "
              f"{'TCP NIC tx':>10}")
        res, slow = {}, False
        for fq in ("", "-fq"):
            for rate in (10, 50, 200):
                lb = f"pace{rate}{fq}"
                cells, wires = [], []
                for fam in ("xnet", "tcp"):
                    st = stats(rows, lb, fam, "pace_ratio")
                    why = not_supported(meta, lb, fam) or \
                        meta.get("skipped", {}).get(f"{lb}/{fam}")
                    cells.append(fmt_stat(st) if st else
                                 ("not supported" if why and
                                  why.startswith("not supp") else
                                  (why or "n/a")))
                    w = med(r["tx_wire_bytes"] * 8 / r["secs"] / 1e6 / rate
                            for r in pace if r["label"] == lb and
                            r.get("family") == fam and
                            "tx_wire_bytes" in r and r.get("secs"))
                    wires.append(w)
                    res.setdefault(lb, {})[fam] = {"goodput_ratio": st,
                                                   "wire_ratio": w,
                                                   "why": why}
                qd = next((r.get("qdisc") for r in pace
                           if r["label"] == lb and r.get("qdisc")),
                          "fq" if fq else "default")
                if all(c == "n/a" for c in cells):
                    continue
                # a rate the unpaced stream (cpu-copy) did not reach
                # measures the path, not the pacer
                top = [st["median"] for st in
                       (stats(rows, "cpu-copy", f, "mbps")
                        for f in ("xnet", "tcp")) if st]
                if top and rate > 0.9 * min(top):
                    for i, fam in enumerate(("xnet", "tcp")):
                        if res[lb][fam]["goodput_ratio"]:
                            cells[i] += " *"
                            slow = True
                print(f"  {qd:<10} {rate:>6}  {cells[0]:<22.22} "
                      f"{cells[1]:<22.22} {fmt(wires[0]):>11} "
                      f"{fmt(wires[1]):>10}")
        if slow:
            print("  * at or above 0.9 of the slower unpaced stream of the "
                  "cpu figure (copy): the path, not the pacer, may set "
                  "that rate")
        pd = counter(rows, "pace50", "xnet", "PacingDelays")
        if pd is not None:
            print(f"  XNET PacingDelays per 50 Mbit/s run: {fmt(pd)}")
        out["pace"] = res
    if skipped:
        out["skipped"] = skipped
    return out or None


def fairness(rows, meta):
    """One xnet and one TCP stream through one bottleneck: shares, Jain."""
    fr = [r for r in rows if r.get("label") == "fair" and "error" not in r]
    if not fr:
        return None
    x = stats(rows, "fair", "xnet", "mbps")
    t = stats(rows, "fair", "tcp", "mbps")
    xs = stats(rows, "fair", "xnet", "share")
    j = stats(rows, "fair", "xnet", "jain")
    rate = next((r.get("rate_mbit") for r in fr if r.get("rate_mbit")), None)
    secs = next((r.get("secs") for r in fr), None)
    print(f"\nfairness: one XNET and one TCP stream at once, each with its "
          f"default congestion control, through one htb class of "
          f"{fmt(rate) if rate else '?'} Mbit/s with 10 ms netem delay "
          f"(sender side), measured over {fmt(secs) if secs else '?'} s:")
    print(f"  XNET {fmt_stat(x)} Mbit/s   TCP {fmt_stat(t)} Mbit/s   "
          f"XNET's share {fmt_stat(xs)}")
    met = j["median"] >= 0.95 if j else None
    print(f"  Jain's fairness index {fmt_stat(j)}   target ≥0.95 " +
          ("ok" if met else "MISS"))
    if x and t and rate and x["median"] + t["median"] < 0.8 * rate:
        print(f"  (together {fmt(x['median'] + t['median'])} Mbit/s, below "
              f"the class's rate: the VMs' CPUs, not the htb class, were "
              f"the bottleneck)")
    return {"xnet": x, "tcp": t, "xnet_share": xs, "jain": j,
            "rate_mbit": rate, "target": 0.95, "met": met}


def report(path, outdir):
    """One topology's table; returns (its results dict, complete?)."""
    meta, rows, cwnd, end = load(path)
    topo = meta["topology"]
    if not rows:
        print(f"bench-report: no results in {path}", file=sys.stderr)
        return None, False
    figures, results = {}, []
    for label, fam, metric in sorted({(r.get("label"), r.get("family"), m)
                                      for r in rows for m in UNITS
                                      if m in r}):
        figures.setdefault(label, {}).setdefault(fam, {})[metric] = \
            stats(rows, label, fam, metric)

    hdr = (f"{'figure':<30} {'family':<8} {'median [min-max]':<24} "
           f"{'vs':<8} {'median [min-max]':<24} {'ratio':>6} {'target':>8}")
    print(f"\n=== topology {topo}: {TOPO_TEXT.get(topo, topo)}")
    print(f"xnet benchmark: kernel {meta.get('kernel', '?')}, "
          f"{meta.get('date', '?')}, {meta.get('reps', '?')} repetitions, "
          f"{meta.get('secs', '?')} s runs"
          + (f", {meta['idle_n']} idle connections" if "idle_n" in meta
             else "")
          + f", {meta.get('cpus', '?')} vCPUs (TCG)"
          + (f", host load {' '.join(meta['host_loadavg'])}"
             if meta.get("host_loadavg") else ""))
    print(hdr)
    print("-" * len(hdr))
    failed = [r for r in rows if "error" in r]
    for title, label, metric, fam, ref, better, target in COMPARISONS:
        a = stats(rows, label, fam, metric)
        b = stats(rows, label, ref, metric)
        wa = not_supported(meta, label, fam)
        wb = not_supported(meta, label, ref)
        if (not a and not b and not (wa or wb)) or \
                not any(r.get("family") == fam for r in rows) or \
                not any(r.get("family") == ref for r in rows):
            continue    # a figure or family this topology does not run
        ratio = a["median"] / b["median"] if a and b and b["median"] else None
        met = None
        if ratio is not None and target is not None:
            met = ratio >= target if better == "higher" else ratio <= target
        tgt = "-" if target is None else \
            ("≥" if better == "higher" else "≤") + f"{target:g}"
        flag = "" if met is None else (" ok" if met else " MISS")
        unit = UNITS[metric]
        print(f"{title + ' (' + unit + ')':<30.30} {SHORT[fam]:<8} "
              f"{fmt_stat(a, wa):<24} {SHORT[ref]:<8} {fmt_stat(b, wb):<24} "
              f"{fmt(ratio):>6} {tgt:>6}{flag}")
        results.append({"topology": topo, "figure": title, "label": label,
                        "metric": metric, "unit": unit, "family": fam,
                        "reference": ref, "better": better, "value": a,
                        "reference_value": b, "ratio": ratio,
                        "target": target, "met": met,
                        "not_supported": {k: w for k, w in
                                          ((fam, wa), (ref, wb)) if w}})
    paired_lines = []
    for title, label, rlabel, rname, metric, fam, better, target in \
            LABEL_COMPARISONS:
        a = stats(rows, label, fam, metric)
        b = stats(rows, rlabel, fam, metric)
        wa = not_supported(meta, label, fam)
        if not a and not b:
            continue
        ratio = a["median"] / b["median"] if a and b and b["median"] else None
        met = None
        if ratio is not None and target is not None:
            met = ratio >= target if better == "higher" else ratio <= target
        tgt = "-" if target is None else \
            ("≥" if better == "higher" else "≤") + f"{target:g}"
        flag = "" if met is None else (" ok" if met else " MISS")
        unit = UNITS[metric]
        print(f"{title + ' (' + unit + ')':<30.30} {SHORT[fam]:<8} "
              f"{fmt_stat(a, wa):<24} {rname:<8.8} {fmt_stat(b):<24} "
              f"{fmt(ratio):>6} {tgt:>6}{flag}")
        paired = paired_ratios(rows, label, rlabel, fam, metric)
        if paired:
            paired_lines.append(
                f"  {title} {SHORT[fam]} ({rname}): {fmt_stat(paired)}, per "
                "repetition: " + " ".join(fmt(v) for v in paired["each"]))
        results.append({"topology": topo, "figure": title, "label": label,
                        "paired_ratio": paired,
                        "reference_label": rlabel, "metric": metric,
                        "unit": unit, "family": fam, "reference": fam,
                        "reference_name": rname, "better": better,
                        "value": a, "reference_value": b, "ratio": ratio,
                        "target": target, "met": met})
    n = meta.get("idle_n")
    if n is not None and int(n) < 100000 and stats(rows, "idle", "xnet",
                                                   "bytes_per_conn"):
        print(f"\nidle connections: N = {n}, not the issue's 100 000 (TCG "
              "opens a few hundred per second; set XNET_BENCH_IDLE_N).")
    if stats(rows, "rr4096", "udp", "p50_us") and \
            not stats(rows, "rr4096", "xnet-dgram", "p50_us"):
        print("\nrr 4 KiB XNET-DG: not measured, an xnet datagram is one "
              "frame (at most MTU - 24 = 1476 bytes at MTU 1500); UDP "
              "fragments.")
    if paired_lines:
        print("\nthe same ratios repetition by repetition (each against "
              "the other run of its repetition), median [min-max]:")
        print("\n".join(paired_lines))
    outliers(rows)
    routed = router_path(rows)
    bypass = path_check(rows, topo)
    fair = fairness(rows, meta)
    sec = secure(rows, meta)
    i14 = issue14(rows, meta, topo)
    if failed:
        print(f"\n{len(failed)} measurement(s) failed: " +
              ", ".join(f"{r.get('label')}/{r.get('family')}"
                        for r in failed))
    if not end:
        print(f"bench-report: WARNING: {path}: raw results incomplete "
              "(no end line)")
    charts(results, meta, cwnd, outdir, topo)
    return {"topology": topo, "meta": meta, "comparisons": results,
            "fairness": fair, "not_over_link": bypass, "router": routed,
            "secure": sec, "issue14": i14,
            "figures": figures, "raw": rows}, end


def charts(results, meta, cwnd, outdir, topo):
    # Ratio chart: one bar per comparison that has a ratio.
    dat = f"ratios-{topo}.dat"
    with open(os.path.join(outdir, dat), "w") as f:
        f.write("# label ratio target\n")
        for r in results:
            if not r["ratio"]:
                continue
            name = (f"{r['figure']} {SHORT[r['family']]}/"
                    f"{r.get('reference_name', SHORT[r['reference']])}"
                    + (" (lower=better)" if r["better"] == "lower" else ""))
            f.write(f"\"{name}\" {r['ratio']:.4f} "
                    f"{r['target'] if r['target'] is not None else 'NaN'}\n")
    title = (f"xnet ratios to the reference family, {topo}, kernel "
             f"{meta.get('kernel', '?')}, {meta.get('date', '?')[:10]}")
    gnuplot(f"""
set terminal pngcairo size 1400,800 font ",10"
set output "ratios-{topo}.png"
set title "{title}"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.8
set xtics rotate by -50 scale 0 font ",9"
set ylabel "ratio (median / median)"
set grid ytics
set logscale y
set yrange [0.01:100]
set key top left
set bmargin 14
plot "{dat}" using 2:xtic(1) title "xnet / reference" lc rgb "#3070b0", \\
     "" using 0:3 with points pt 7 ps 1.2 lc rgb "#c03020" title "target", \\
     1 with lines dt 2 lc rgb "black" title "parity"
""", outdir)

    # Congestion windows: one stream under 1% loss; the fairness pair.
    what = {"loss1": "one stream under netem loss 1%",
            "fair": "XNET and TCP sharing one htb bottleneck"}
    for test in sorted({t for t, _ in cwnd}):
        have = []
        for (t, fam), samples in sorted(cwnd.items()):
            if t != test:
                continue
            name = f"cwnd-{test}-{topo}-{fam}.dat"
            with open(os.path.join(outdir, name), "w") as f:
                f.write("# t_s cwnd_segments\n")
                for ts, c in samples:
                    f.write(f"{ts} {c}\n")
            have.append((fam, name))
        plots = ", ".join(f'"{name}" using 1:2 with steps '
                          f'title "{SHORT[fam]}"' for fam, name in have)
        gnuplot(f"""
set terminal pngcairo size 1000,500 font ",10"
set output "cwnd-{test}-{topo}.png"
set title "congestion window, {what.get(test, test)}, {topo} (every 10 ms)"
set xlabel "time (s)"
set ylabel "cwnd (segments)"
set grid
plot {plots}
""", outdir)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = sys.argv[-1]
    os.makedirs(outdir, exist_ok=True)
    runs, ok = [], True
    for path in sys.argv[1:-1]:
        res, complete = report(path, outdir)
        if res:
            runs.append(res)
        ok = ok and complete
    if not runs:
        return 1
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"runs": runs}, f, indent=1)
    print(f"\nbench-report: {outdir}/results.json" +
          (f", {outdir}/ratios-*.png, {outdir}/cwnd-*.png"
           if shutil.which("gnuplot") else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

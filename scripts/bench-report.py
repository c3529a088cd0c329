#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Aggregate the raw results of `make bench` into a table, JSON and charts.

    scripts/bench-report.py RAW.json OUTDIR

RAW.json is what the VM's bench-guest.sh wrote to its third serial port:
JSON lines, a "meta" line, one line per measurement (with "rep", "label",
"family" and the test's figures), "cwnd" sample lines, an "end" line.
Writes OUTDIR/results.json (median, min, max per figure, ratios, targets),
OUTDIR/ratios.png and OUTDIR/cwnd-loss1.png (gnuplot), prints the table.
Exits 1 if the raw file is incomplete.  Python standard library only.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys

# (title, label, metric, family, reference family, better, target ratio)
# target: the target for family/reference (None: reported only).
COMPARISONS = [
    ("throughput 1 stream", "tput1", "mbps", "xnet", "tcp", "higher", 1.0),
    ("throughput 1 stream", "tput1", "mbps", "xnet", "tipc", "higher", 2.0),
    ("throughput 1 stream", "tput1", "mbps", "xnet", "unix", "higher", None),
    ("throughput 4 streams", "tput4", "mbps", "xnet", "tcp", "higher", 1.0),
    ("throughput 4 streams", "tput4", "mbps", "xnet", "tipc", "higher", 2.0),
    ("throughput 4 streams", "tput4", "mbps", "xnet", "unix", "higher", None),
    ("rr 1 B p50", "rr1", "p50_us", "xnet", "tcp", "lower", 0.85),
    ("rr 1 B p99", "rr1", "p99_us", "xnet", "tcp", "lower", None),
    ("rr 4 KiB p50", "rr4096", "p50_us", "xnet", "tcp", "lower", 0.85),
    ("rr 4 KiB p99", "rr4096", "p99_us", "xnet", "tcp", "lower", None),
    ("rr 1 B p50", "rr1", "p50_us", "xnet-dgram", "udp", "lower", 0.85),
    ("rr 1 B p99", "rr1", "p99_us", "xnet-dgram", "udp", "lower", None),
    ("rr 4 KiB p50", "rr4096", "p50_us", "xnet-dgram", "udp", "lower", 0.85),
    ("rr 4 KiB p99", "rr4096", "p99_us", "xnet-dgram", "udp", "lower", None),
    ("rr 1 B p50", "rr1", "p50_us", "xnet-seqpacket", "tipc-seqpacket",
     "lower", 0.85),
    ("rr 1 B p99", "rr1", "p99_us", "xnet-seqpacket", "tipc-seqpacket",
     "lower", None),
    ("rr 4 KiB p50", "rr4096", "p50_us", "xnet-seqpacket", "tipc-seqpacket",
     "lower", 0.85),
    ("rr 4 KiB p99", "rr4096", "p99_us", "xnet-seqpacket", "tipc-seqpacket",
     "lower", None),
    ("connection rate", "crr", "rate", "xnet", "tcp", "higher", 1.5),
    ("goodput 1% loss", "loss1", "mbps", "xnet", "tcp", "higher", 1.0),
    ("goodput 0.1% loss", "loss01", "mbps", "xnet", "tcp", "higher", None),
    ("memory per idle conn", "idle", "bytes_per_conn", "xnet", "tcp", "lower",
     1.0),
    ("slab pages per idle conn", "idle", "slab_bytes_per_conn", "xnet", "tcp",
     "lower", None),
    ("time to open N idle", "idle", "open_secs", "xnet", "tcp", "lower",
     None),
]

UNITS = {"mbps": "Mbit/s", "p50_us": "us", "p99_us": "us", "rate": "/s",
         "bytes_per_conn": "B", "slab_bytes_per_conn": "B", "open_secs": "s"}

SHORT = {"xnet": "XNET", "xnet-dgram": "XNET-DG", "xnet-seqpacket": "XNET-SP",
         "tcp": "TCP", "udp": "UDP", "tipc": "TIPC",
         "tipc-seqpacket": "TIPC-SP", "unix": "UNIX"}


def load(path):
    meta, rows, cwnd, end = {}, [], {}, False
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
                cwnd[obj["cwnd"]] = obj["samples"]
            elif obj.get("end"):
                end = True
            else:
                rows.append(obj)
    return meta, rows, cwnd, end


def stats(rows, label, family, metric):
    vals = [r[metric] for r in rows
            if r.get("label") == label and r.get("family") == family
            and metric in r and "error" not in r]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals),
            "max": max(vals), "n": len(vals)}


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_stat(s):
    if not s:
        return "n/a"
    return f"{fmt(s['median'])} [{fmt(s['min'])}-{fmt(s['max'])}]"


def gnuplot(script, outdir):
    if not shutil.which("gnuplot"):
        print("bench-report: gnuplot missing, no charts (make deps)",
              file=sys.stderr)
        return
    r = subprocess.run(["gnuplot"], input=script, text=True, cwd=outdir,
                       capture_output=True)
    if r.returncode:
        print("bench-report: gnuplot failed:\n" + r.stderr, file=sys.stderr)


def per_unit(rows, label, family, over):
    """Median of veth_bytes / row[over] for one figure, or None."""
    vals = [r["veth_bytes"] / r[over] for r in rows
            if r.get("label") == label and r.get("family") == family
            and "veth_bytes" in r and r.get(over) and "error" not in r]
    return statistics.median(vals) if vals else None


def path_check(rows):
    """Whether each family's traffic crossed the veth: the same path."""
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
        return
    print("\npath check, bytes that crossed the veth (both directions):")
    print("\n".join(lines))
    if bypass:
        print("  not over the veth, so not the same path: " +
              ", ".join(sorted(set(bypass))))
    if any(f.startswith("TIPC") for f in bypass):
        print("  (between namespaces of one host, TIPC hands messages from"
              " socket to socket, net/tipc/node.c: tipc_lxc_xmit(), not to"
              " its bearer)")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    meta, rows, cwnd, end = load(sys.argv[1])
    outdir = sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    if not rows:
        print(f"bench-report: no results in {sys.argv[1]}", file=sys.stderr)
        return 1

    figures, results = {}, []
    for label, fam, metric in sorted({(r.get("label"), r.get("family"), m)
                                      for r in rows for m in UNITS
                                      if m in r}):
        figures.setdefault(label, {}).setdefault(fam, {})[metric] = \
            stats(rows, label, fam, metric)

    hdr = (f"{'figure':<30} {'family':<8} {'median [min-max]':<24} "
           f"{'vs':<8} {'median [min-max]':<24} {'ratio':>6} {'target':>8}")
    print(f"\nxnet benchmark: kernel {meta.get('kernel', '?')}, "
          f"{meta.get('date', '?')}, {meta.get('reps', '?')} repetitions, "
          f"{meta.get('secs', '?')} s runs, {meta.get('idle_n', '?')} idle "
          f"connections, {meta.get('cpus', '?')} vCPUs (TCG)")
    print(hdr)
    print("-" * len(hdr))
    failed = [r for r in rows if "error" in r]
    for title, label, metric, fam, ref, better, target in COMPARISONS:
        a = stats(rows, label, fam, metric)
        b = stats(rows, label, ref, metric)
        ratio = a["median"] / b["median"] if a and b and b["median"] else None
        met = None
        if ratio is not None and target is not None:
            met = ratio >= target if better == "higher" else ratio <= target
        tgt = "-" if target is None else \
            ("≥" if better == "higher" else "≤") + f"{target:g}"
        flag = "" if met is None else (" ok" if met else " MISS")
        unit = UNITS[metric]
        print(f"{title + ' (' + unit + ')':<30.30} {SHORT[fam]:<8} "
              f"{fmt_stat(a):<24} {SHORT[ref]:<8} {fmt_stat(b):<24} "
              f"{fmt(ratio):>6} {tgt:>6}{flag}")
        results.append({"figure": title, "label": label, "metric": metric,
                        "unit": unit, "family": fam, "reference": ref,
                        "better": better, "value": a, "reference_value": b,
                        "ratio": ratio, "target": target, "met": met})
    n = meta.get("idle_n")
    if n is not None and int(n) < 100000:
        print(f"\nidle connections: N = {n}, not the issue's 100 000 (TCG "
              "opens a few hundred per second; set XNET_BENCH_IDLE_N).")
    if not stats(rows, "rr4096", "xnet-dgram", "p50_us"):
        print("\nrr 4 KiB XNET-DG: not measured, an xnet datagram is one "
              "frame (at most MTU - 20 = 1480 bytes at MTU 1500); UDP "
              "fragments.")
    path_check(rows)
    if failed:
        print(f"\n{len(failed)} measurement(s) failed: " +
              ", ".join(f"{r.get('label')}/{r.get('family')}"
                        for r in failed))
    if not end:
        print("bench-report: WARNING: raw results incomplete (no end line)")

    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"meta": meta, "comparisons": results,
                   "figures": figures, "raw": rows}, f, indent=1)

    # Ratio chart: one bar per comparison that has a ratio.
    with open(os.path.join(outdir, "ratios.dat"), "w") as f:
        f.write("# label ratio target\n")
        for r in results:
            if not r["ratio"]:
                continue
            name = (f"{r['figure']} {SHORT[r['family']]}/"
                    f"{SHORT[r['reference']]}"
                    + (" (lower=better)" if r["better"] == "lower" else ""))
            f.write(f"\"{name}\" {r['ratio']:.4f} "
                    f"{r['target'] if r['target'] is not None else 'NaN'}\n")
    title = (f"xnet ratios to the reference family, kernel "
             f"{meta.get('kernel', '?')}, {meta.get('date', '?')[:10]}")
    gnuplot(f"""
set terminal pngcairo size 1400,800 font ",10"
set output "ratios.png"
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
plot "ratios.dat" using 2:xtic(1) title "xnet / reference" lc rgb "#3070b0", \\
     "" using 0:3 with points pt 7 ps 1.2 lc rgb "#c03020" title "target", \\
     1 with lines dt 2 lc rgb "black" title "parity"
""", outdir)

    # Congestion window under 1% loss.
    have = []
    for fam, samples in sorted(cwnd.items()):
        with open(os.path.join(outdir, f"cwnd-{fam}.dat"), "w") as f:
            f.write("# t_s cwnd_segments\n")
            for t, c in samples:
                f.write(f"{t} {c}\n")
        have.append(fam)
    if have:
        plots = ", ".join(f'"cwnd-{fam}.dat" using 1:2 with steps '
                          f'title "{SHORT[fam]}"' for fam in have)
        gnuplot(f"""
set terminal pngcairo size 1000,500 font ",10"
set output "cwnd-loss1.png"
set title "congestion window, one stream under netem loss 1% (sampled every 10 ms)"
set xlabel "time (s)"
set ylabel "cwnd (segments)"
set grid
plot {plots}
""", outdir)
    print(f"\nbench-report: {outdir}/results.json"
          + (f", {outdir}/ratios.png" if shutil.which("gnuplot") else "")
          + (f", {outdir}/cwnd-loss1.png" if have else ""))
    return 0 if end else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's two-VM run: xnet against TCP, UDP and TIPC across a NIC.

    scripts/netbench.py KVER RAW.json

Boots the lab of scripts/netlab.py with one link, virtio-net-pci, between
VMs a and b (one vCPU each). On the link's NIC ("vnet") each VM has its
xnet address (10.1.0.N), an IPv4 address (192.168.51.N/24) and a TIPC
node identity with an Ethernet bearer, so every family, TIPC included,
crosses the NIC (TIPC's shortcut between namespaces of one kernel does
not exist between two kernels). VM b runs one `xnet-bench -l` server per
family, as bench-guest.sh does in its namespace b; VM a runs the clients.

Figures (XNET_BENCH_ONLY, comma-separated; default all but prof):
  tput   stream throughput, 1 and 4 streams: xnet, TCP, TIPC
  rr     1 B and 4 KiB request/response, p50/p99/p99.9: xnet STREAM,
         TCP, xnet DGRAM, UDP, xnet SEQPACKET, TIPC SEQPACKET; every
         round trip of the 1 B runs is kept (build/bench-2vm-lat/)
  crr    connect/request/response/close rate: xnet, TCP
  loss   one stream under netem loss 1% and 0.1% on a's NIC (the data
         direction); the first repetition samples both windows
  fair   one xnet and one TCP stream at once through an htb class of
         XNET_BENCH_FAIR_RATE (100mbit) with 10 ms netem delay under it,
         on a's NIC, for XNET_BENCH_FAIR_SECS (20): each one's share and
         Jain's fairness index; windows sampled in the first repetition
  cpu    one stream of 64 KiB writes, xnet and TCP, sent by copy, by
         MSG_ZEROCOPY and by sendfile() from a file in /tmp (tmpfs): the
         sending VM's system + softirq + irq CPU seconds per GiB (VM a
         has one vCPU and runs only the sender)
  seg    datagrams one way, 44 segments of 1472 B a send (XNET_SEGMENT,
         UDP_SEGMENT) and one 1472 B datagram a send: goodput b counted
  pace   one stream under SO_MAX_PACING_RATE 10, 50, 200 Mbit/s, xnet
         and TCP, with a's NIC's own qdisc and with fq on it, for
         XNET_BENCH_PACE_SECS (2): goodput / rate
Each figure is repeated XNET_BENCH_REPS (5) times, families interleaved
within a repetition; timed runs last XNET_BENCH_SECS (2). A feature the
kernel refuses (xnet-bench exit status 4) is a row saying "not
supported", not a failure.

RAW.json gets the JSON lines bench-guest.sh writes (a "meta" line, one
line per measurement, "cwnd" lines, an "end" line), each with
"topology": "2vm-virtio", and per measurement "wire_bytes": the bytes
a's NIC sent and received meanwhile (the path check: every family's
bytes must cross the link); xnet's measurements also carry the xnet
counters that moved on a ("xnet_delta"). scripts/bench-report.py renders
it next to the one-VM run. Exit status 0 only if every measurement ran.
"""

import atexit
import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlab  # noqa: E402

TOPO = "2vm-virtio"
DEV = "vnet"
PORTS = {"xnet": 5201, "xnet-seqpacket": 5202, "xnet-dgram": 5203,
         "tcp": 5201, "udp": 5201, "tipc": 5201, "tipc-seqpacket": 5202}


def env_int(name, dflt):
    try:
        return int(os.environ.get(name, "") or dflt)
    except ValueError:
        return dflt


class Bench:
    def __init__(self, lab, out, latdir):
        self.lab = lab
        self.a, self.b = lab.a, lab.b
        self.lk = lab.link(DEV)
        self.xa, self.xb = self.lk.addr(self.a), self.lk.addr(self.b)
        self.ia, self.ib = "192.168.51.1", "192.168.51.2"
        self.reps = env_int("XNET_BENCH_REPS", 5)
        self.secs = float(os.environ.get("XNET_BENCH_SECS", "") or 2)
        self.only = [x for x in os.environ.get("XNET_BENCH_ONLY",
                                               "").split(",") if x]
        self.fair_secs = env_int("XNET_BENCH_FAIR_SECS", 20)
        self.fair_rate = os.environ.get("XNET_BENCH_FAIR_RATE", "100mbit")
        self.pace_secs = float(os.environ.get("XNET_BENCH_PACE_SECS", "")
                               or 2)
        self.qdisc = ""
        self.out = out
        self.latdir = latdir
        self.rows = []
        self.cwnd = []
        self.failed = 0
        self.servers = []
        self.rep = 0

    def want(self, fig):
        return not self.only or fig in self.only

    def dest(self, fam):
        if fam.startswith("xnet"):
            return self.xb
        if fam in ("tcp", "udp"):
            return self.ib
        return ""

    # --- setup ---------------------------------------------------------
    def setup(self):
        for i, n in enumerate((self.a, self.b), 1):
            self.lab.prepare(n)
            n.sh(f"""set -e
modprobe tipc; modprobe sch_netem; modprobe sch_htb
sysctl -qw net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=8192 \\
	net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1 \\
	net.xnet.max_syn_backlog=8192
ip addr add 192.168.51.{i}/24 dev {DEV}
tipc node set identity {i} || tipc node set address 1.1.{i}
tipc bearer enable media eth dev {DEV}
""", 60)
        for fam, port in PORTS.items():
            # datagram servers: room for a blast (seg)
            rb = " -B 4M" if fam in ("xnet-dgram", "udp") else ""
            self.servers.append(self.b.spawn(
                f"exec xnet-bench -l -f {fam} -p {port}{rb}", 24 * 3600))
        # TIPC finds its neighbour over the bearer; IPv4 and xnet resolve.
        self.a.sh("for _ in $(seq 100); do tipc link list 2>/dev/null | "
                  "grep -q up && break; sleep 0.2; done; true", 60)
        # Every server answers before anything is measured.
        for fam, port in PORTS.items():
            rc, out = self.a.run(
                f"for _ in $(seq 50); do xnet-bench -f {fam} -p {port} "
                f"-t rr -d 0.2 {self.dest(fam)} && exit 0; sleep 0.3; done; "
                "exit 1", 120)
            if rc:
                raise netlab.LabError(f"{fam} server not answering: {out}")
        rc, out = self.a.run("tipc link list", 30)
        print("netbench: tipc: " + " ".join(out.split()), flush=True)

    def teardown(self):
        for s in self.servers:
            try:
                s.kill()
            except netlab.LabError:
                pass

    # --- one measurement -------------------------------------------------
    def bench(self, label, fam, args, lat=None, extra=None):
        """One xnet-bench client run on a: one JSON row, with the bytes
        a's NIC sent and received meanwhile and, for xnet, the counters
        that moved."""
        cnt = "xnetctl stats 2>/dev/null" if fam.startswith("xnet") \
            else "true"
        latopt = f"-R {lat[1]}" if lat else ""
        cmd = f"""
wb() {{ cat /sys/class/net/{DEV}/statistics/tx_bytes \\
	/sys/class/net/{DEV}/statistics/rx_bytes | awk '{{s+=$1}} END {{print s+0}}'; }}
{cnt} >/tmp/c0; v0=$(wb); t0=$(cat /sys/class/net/{DEV}/statistics/tx_bytes)
out=$(timeout 120 xnet-bench -j -L {label} -f {fam} -p {PORTS[fam]} \\
	{args} {latopt} {self.dest(fam)} 2>/tmp/human); rc=$?
v1=$(wb); t1=$(cat /sys/class/net/{DEV}/statistics/tx_bytes); {cnt} >/tmp/c1
echo "RC=$rc WIRE=$((v1 - v0)) TX=$((t1 - t0))"
echo "JSON=$out"
cat /tmp/human
echo "DELTA=$(awk 'NR==FNR {{b[$1]=$2; next}} NF==2 && $2!=b[$1] \\
	{{printf "%s%s:%d", n++ ? "," : "", $1, $2-b[$1]}}' /tmp/c0 /tmp/c1)"
"""
        rc, out = self.a.run(cmd, 200)
        m = re.search(r"RC=(\d+) WIRE=(-?\d+) TX=(-?\d+)", out)
        js = re.search(r"^JSON=(\{.*\})$", out, re.M)
        human = [x for x in out.splitlines()
                 if not re.match(r"(RC|JSON|DELTA)=", x)]
        for h in human:
            print(f"  {h}", flush=True)
        row = None
        if m and js and m.group(1) == "4":
            # the kernel refused the feature: say so, no figure
            try:
                why = json.loads(js.group(1)).get("unsupported")
            except ValueError:
                why = None
            if why:
                print(f"netbench: {label} {fam}: not supported: {why}",
                      flush=True)
                self.rows.append({"rep": self.rep, "topology": TOPO,
                                  "label": label, "family": fam,
                                  "skipped": f"not supported: {why}"})
                return None
        if m and js and m.group(1) == "0":
            try:
                row = json.loads(js.group(1))
            except ValueError:
                row = None
        if row is None:
            print(f"netbench: {label} {fam} failed (rc {rc}):\n{out[-800:]}",
                  flush=True)
            self.failed += 1
            self.rows.append({"rep": self.rep, "topology": TOPO,
                              "label": label, "family": fam,
                              "error": int(m.group(1)) if m else -1})
            return None
        row = {"rep": self.rep, "topology": TOPO,
               "wire_bytes": int(m.group(2)), **row}
        if label.startswith("pace"):
            row.update(tx_wire_bytes=int(m.group(3)), qdisc=self.qdisc)
        d = re.search(r"^DELTA=(.*)$", out, re.M)
        if d and d.group(1):
            row["xnet_delta"] = {k: int(v) for k, v in
                                 (x.rsplit(":", 1) for x in
                                  d.group(1).split(","))}
        if extra:
            row.update(extra)
        print(f"  path: {row['wire_bytes']} bytes crossed {DEV}",
              flush=True)
        self.rows.append(row)
        if lat:
            txt = self.a.sh(f"cat {lat[1]}; rm -f {lat[1]}", 60)
            with open(os.path.join(self.latdir, lat[0]), "w") as f:
                f.write(txt)
            # the slow round trips: how many, when (ms into the run), how
            # long (us); as bench-guest.sh reports them
            t, slow, n1, n2 = 0, [], 0, 0
            for line in txt.splitlines():
                if not line or line.startswith("#"):
                    continue
                v = int(line)
                n1 += v > 1e6
                if v > 2e6:
                    n2 += 1
                    if len(slow) < 40:
                        slow.append([round(t / 1e6, 1), round(v / 1e3)])
                t += v
            row.update(over1ms=n1, over2ms=n2, slow=slow)
        return row

    def cwnd_pull(self, path, fam, test):
        rc, txt = self.a.run(f"cat {path} && rm -f {path}", 60)
        if rc:
            return
        samples = []
        for line in txt.splitlines():
            f = line.split()
            if len(f) == 2 and not line.startswith("#"):
                samples.append([float(f[0]), int(f[1])])
        self.cwnd.append({"cwnd": fam, "test": test, "topology": TOPO,
                          "samples": samples})

    # --- figures -----------------------------------------------------------
    def tput(self):
        for p in (1, 4):
            for fam in ("xnet", "tcp", "tipc"):
                self.bench(f"tput{p}", fam,
                           f"-t stream -P {p} -d {self.secs}")

    def rr(self):
        for m in (1, 4096):
            fams = ["xnet", "tcp", "xnet-dgram", "udp", "xnet-seqpacket",
                    "tipc-seqpacket"]
            for fam in fams:
                # An xnet datagram is one frame (<= MTU - 24 bytes).
                if fam == "xnet-dgram" and m > 1476:
                    continue
                lat = None
                if m == 1:
                    lat = (f"rr1-{fam}-rep{self.rep}.txt",
                           f"/tmp/lat-{fam}.txt")
                self.bench(f"rr{m}", fam,
                           f"-t rr -m {m} -d {self.secs}", lat=lat)

    def crr(self):
        for fam in ("xnet", "tcp"):
            self.bench("crr", fam, f"-t crr -d {self.secs}")

    def loss(self):
        for pct in ("1", "0.1"):
            tag = "loss" + pct.replace(".", "")
            self.a.sh(f"tc qdisc replace dev {DEV} root netem loss {pct}%")
            try:
                for fam in ("xnet", "tcp"):
                    cw = self.rep == 1 and pct == "1"
                    self.bench(tag, fam, f"-t stream -d {self.secs}" +
                               (f" -C /tmp/cwnd-{fam}.txt" if cw else ""))
                    if cw:
                        self.cwnd_pull(f"/tmp/cwnd-{fam}.txt", fam, "loss1")
            finally:
                self.a.sh(f"tc qdisc del dev {DEV} root")

    def fair(self):
        """One xnet and one TCP stream through one bottleneck at once."""
        secs = self.fair_secs
        cw = self.rep == 1
        self.a.sh(f"""set -e
tc qdisc replace dev {DEV} root handle 1: htb default 10
tc class add dev {DEV} parent 1: classid 1:10 htb rate {self.fair_rate} \\
	ceil {self.fair_rate}
tc qdisc add dev {DEV} parent 1:10 handle 10: netem delay 10ms limit 10000
""")
        cmd = ""
        for fam in ("xnet", "tcp"):
            c = f"-C /tmp/cwnd-fair-{fam}.txt" if cw else ""
            cmd += (f"timeout {secs + 60} xnet-bench -j -L fair -f {fam} "
                    f"-p {PORTS[fam]} -t stream -d {secs} {c} "
                    f"{self.dest(fam)} >/tmp/fair-{fam}.json "
                    f"2>/tmp/fair-{fam}.err & ")
        cmd += ("wait; for f in xnet tcp; do echo \"JSON=$(cat "
                "/tmp/fair-$f.json)\"; cat /tmp/fair-$f.err; done; "
                f"tc -s qdisc show dev {DEV}")
        try:
            t0 = time.time()
            rc, out = self.a.run(cmd, secs + 120)
        finally:
            self.a.sh(f"tc qdisc del dev {DEV} root")
        print("\n".join("  " + x for x in out.splitlines()
                        if not x.startswith("JSON=")), flush=True)
        got = {}
        for js in re.findall(r"^JSON=(\{.*\})$", out, re.M):
            try:
                r = json.loads(js)
            except ValueError:
                continue
            got[r["family"]] = r
        if set(got) != {"xnet", "tcp"}:
            print(f"netbench: fair failed (rc {rc})", flush=True)
            self.failed += 1
            self.rows.append({"rep": self.rep, "topology": TOPO,
                              "label": "fair", "family": "xnet",
                              "error": rc or -1})
            return
        x, t = got["xnet"]["mbps"], got["tcp"]["mbps"]
        tot = x + t
        jain = tot * tot / (2 * (x * x + t * t)) if tot else 0
        rate = self.fair_rate_mbit()
        for fam, v in (("xnet", x), ("tcp", t)):
            row = {"rep": self.rep, "topology": TOPO, **got[fam],
                   "share": v / tot if tot else 0,
                   "share_of_rate": v / rate if rate else None,
                   "jain": jain, "rate_mbit": rate,
                   "wall_s": round(time.time() - t0, 1)}
            self.rows.append(row)
        print(f"  fair: xnet {x:.1f} Mbit/s, TCP {t:.1f} Mbit/s, "
              f"Jain {jain:.3f}", flush=True)
        if cw:
            for fam in ("xnet", "tcp"):
                self.cwnd_pull(f"/tmp/cwnd-fair-{fam}.txt", fam, "fair")

    def fair_rate_mbit(self):
        m = re.match(r"([0-9.]+)([kmg]?)bit$", self.fair_rate.lower())
        if not m:
            return None
        return float(m.group(1)) * {"k": 1e-3, "m": 1, "g": 1e3,
                                    "": 1e-6}[m.group(2)]

    def cpu(self):
        for mode in ("copy", "zerocopy", "sendfile"):
            for fam in ("xnet", "tcp"):
                self.bench(f"cpu-{mode}", fam,
                           f"-t stream -d {self.secs} -M {mode}")

    def seg(self):
        # 44 segments of 1472 B (the largest UDP payload at MTU 1500,
        # for both; UDP_SEGMENT's send stays under 65 507 bytes)
        for fam in ("xnet-dgram", "udp"):
            self.bench("seg", fam, f"-t blast -m {44 * 1472} -G 1472 "
                       f"-d {self.secs}")
        for fam in ("xnet-dgram", "udp"):
            self.bench("seg-plain", fam, f"-t blast -m 1472 -d {self.secs}")

    def pace(self):
        rc, out = self.a.run(f"tc qdisc show dev {DEV} root", 30)
        f = out.split()
        own = f[1] if len(f) > 1 and f[0] == "qdisc" else "?"
        for fq in (False, True):
            if fq:
                rc, out = self.a.run(f"modprobe sch_fq && tc qdisc replace "
                                     f"dev {DEV} root fq", 30)
                if rc:
                    print(f"netbench: pace: no fq on {DEV} ({out.strip()}),"
                          " fq figures skipped", flush=True)
                    for rate in (10, 50, 200):
                        for fam in ("xnet", "tcp"):
                            self.rows.append({
                                "rep": self.rep, "topology": TOPO,
                                "label": f"pace{rate}-fq", "family": fam,
                                "skipped": "no sch_fq in the VM"})
                    continue
            self.qdisc = "fq" if fq else own
            try:
                for rate in (10, 50, 200):
                    for fam in ("xnet", "tcp"):
                        self.bench(f"pace{rate}{'-fq' if fq else ''}", fam,
                                   f"-t stream -d {self.pace_secs} "
                                   f"-r {rate}")
            finally:
                if fq:
                    rc, out = self.a.run(f"tc -s qdisc show dev {DEV}; "
                                         f"tc qdisc del dev {DEV} root", 30)
                    print("\n".join("  pace: tc: " + x
                                    for x in out.splitlines()), flush=True)

    # --- the run -----------------------------------------------------------
    def run(self):
        t0 = time.time()
        for self.rep in range(1, self.reps + 1):
            print(f"### 2vm repetition {self.rep}/{self.reps} "
                  f"({time.time() - t0:.0f} s)", flush=True)
            for fig in ("tput", "rr", "crr", "loss", "fair", "cpu", "seg",
                        "pace"):
                if self.want(fig):
                    getattr(self, fig)()
        elapsed = time.time() - t0
        print(f"### 2vm measurements done in {elapsed:.0f} s, "
              f"{self.failed} failed", flush=True)
        for n in (self.a, self.b):
            rc, out = n.run("xnetctl stats | grep -v ' 0$'", 30)
            print(f"### xnet counters in VM {n.name}:\n{out}", flush=True)
        load = []
        try:
            with open("/proc/loadavg") as f:
                load = f.read().split()[:3]
        except OSError:
            pass
        rc, kern = self.a.run("uname -r", 30)
        meta = {"kernel": kern.strip(), "topology": TOPO,
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "reps": self.reps, "secs": self.secs,
                "fair_secs": self.fair_secs, "fair_rate": self.fair_rate,
                "pace_secs": self.pace_secs,
                "cpus": "1+1", "nic": self.lk.model,
                "elapsed_s": round(elapsed), "failed": self.failed,
                "host_loadavg": load}
        with open(self.out, "w") as f:
            f.write(json.dumps({"meta": meta}) + "\n")
            for r in self.rows:
                f.write(json.dumps(r) + "\n")
            for c in self.cwnd:
                f.write(json.dumps(c) + "\n")
            f.write('{"end":true}\n')


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    kver, out = sys.argv[1], sys.argv[2]
    latdir = os.path.join(os.path.dirname(os.path.abspath(out)),
                          "bench-2vm-lat")
    os.makedirs(latdir, exist_ok=True)
    # a failed run must not leave the previous run's results to report
    for old in [out] + [os.path.join(latdir, f) for f in os.listdir(latdir)]:
        if os.path.exists(old):
            os.remove(old)
    lab = netlab.Lab(kver, ["virtio-net-pci"])
    atexit.register(netlab.kill_all, lab)
    lab.build_initrd()
    t0 = time.time()
    try:
        lab.boot()
    except netlab.LabError as e:
        print(f"netbench: lab: {e}")
        for n in lab.nodes:
            n.poweroff(check=False)
        return 1
    print(f"netbench: 2 VMs up in {time.time() - t0:.0f}s; link "
          f"{DEV} ({lab.link(DEV).model})", flush=True)
    b = Bench(lab, out, latdir)
    rc = 0
    try:
        b.setup()
        b.run()
    except netlab.LabError as e:
        print(f"netbench: lab: {e}", flush=True)
        rc = 1
    finally:
        b.teardown()
    bad = []
    for n in lab.nodes:
        try:
            f = n.kernel_findings()
        except netlab.LabError as e:
            f = str(e)
        if f:
            bad.append(f"{n.name}: {f}")
    lab.shutdown()
    if bad:
        print("netbench: kernel logs have problems:\n" + "\n".join(bad))
        rc = 1
    return 1 if rc or b.failed else 0


if __name__ == "__main__":
    # SIGTERM (make's, CI's timeout) ends the run through atexit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""xnet's multi-VM lab: two or three QEMU/TCG VMs joined by real NIC models.

    scripts/netlab.py check KVER [-t NAME ...]   the check-net lane
    scripts/netlab.py shell KVER                 boot the lab, then wait

Every VM is booted by scripts/vm.sh in its "node" mode (one runner: the
same kernel command line, initramfs and QEMU options as make check), with
one vCPU and one NIC per link. A link joins two VMs through QEMU "socket"
netdevs on 127.0.0.1 (UDP, one datagram per Ethernet frame): no user-mode
network, no tap, no host bridge; a VM reaches only the other VMs. Each
link has a NIC model: virtio-net-pci or e1000.

The host drives each VM through its agent (scripts/node-agent.sh) on the
VM's second serial port, and QEMU itself through the monitor (set_link,
quit): a test is a Python module in selftests/net/ with a function
run(lab, t), listed in selftests/net/TESTS. Before each test the runner
loads xnet on every VM, brings every lab NIC up at MTU 1500 without
qdiscs, and gives it its xnet address (10.L.0.N: link L, node N, both
counted from 1); after it, it checks that no xnet socket is left and that
xnet unloads, as guest-run.sh does, and removes what the test stacked.
At the end every VM's kernel log is checked as make check checks its
VM's. Output is TAP; the last line is "P passed, F failed"; exit status 0
only if F is 0.

Environment: XNET_NET_TIMEOUT_MUL (multiplies test time limits; the
guest's XNET_TIMEOUT_MUL), XNET_NET_MODELS (e.g. "virtio-net-pci e1000":
the NIC models of the two links).
"""

import argparse
import atexit
import base64
import importlib.util
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
NDIR = os.path.join(BUILD, "net")
TESTDIR = os.path.join(ROOT, "selftests", "net")

DMESG_BAD = (r"BUG|WARNING|Oops|refcount_t|UBSAN|KASAN|general protection|"
             r"list_add corruption|list_del corruption|kmemleak|"
             r"INFO: task .* blocked|rcu_sched self-detected|soft lockup")
CONSOLE_BAD = re.compile(r"^\[ *[0-9]+\.[0-9]+\] .*(Kernel panic|BUG:|Oops|"
                         r"WARNING: CPU|general protection fault|Call Trace:)")


class LabError(Exception):
    """The lab itself failed (a VM, its agent or QEMU's monitor)."""


class Job:
    """A command running in a VM (Node.spawn)."""

    def __init__(self, node, jid, cmd, secs):
        self.node = node
        self.id = jid
        self.cmd = cmd
        self.secs = secs
        self.done = threading.Event()
        self.rc = None
        self.out = ""

    def wait(self, grace=60):
        """(rc, output) once the command ended; rc 124: it timed out."""
        if not self.done.wait(self.secs + grace):
            raise LabError(f"{self.node.name}: no answer for '{self.cmd}' "
                           f"after {self.secs + grace}s")
        if self.rc is None:
            raise LabError(f"{self.node.name}: VM went away during "
                           f"'{self.cmd}'")
        return self.rc, self.out

    def kill(self):
        self.node.send(f"K {self.id}")


class Node:
    """One VM of the lab."""

    def __init__(self, lab, name, index):
        self.lab = lab
        self.name = name
        self.index = index
        self.gen = 0            # boots so far (the MAC changes with it)
        self.proc = None
        self.sock = None
        self.jobs = {}
        self.lock = threading.Lock()
        self.next_id = 1
        self.ready = threading.Event()
        self.log = os.path.join(NDIR, f"{name}.log")

    # --- the VM -------------------------------------------------------
    def mac(self, link):
        return "52:54:%02x:%02x:%02x:%02x" % (
            self.index, link.index, self.gen, 0x10)

    def nic_args(self):
        args = []
        for link in self.lab.links:
            if self not in link.nodes:
                continue
            me = link.nodes.index(self)
            peer = 1 - me
            args += ["-netdev",
                     f"socket,id={link.name},"
                     f"udp=127.0.0.1:{link.ports[peer]},"
                     f"localaddr=127.0.0.1:{link.ports[me]}",
                     "-device",
                     f"{link.model},netdev={link.name},mac={self.mac(link)}"]
        return args

    def boot(self):
        """Start the VM; return once its agent answers."""
        self.gen += 1
        env = dict(os.environ)
        env.update(XNET_INITRD=self.lab.initrd, XNET_VM_SMP="1",
                   XNET_VM_MEM=str(self.lab.mem),
                   XNET_NODE_NET=" ".join(self.nic_args()),
                   XNET_VM_APPEND=(env.get("XNET_VM_APPEND", "") +
                                   f" xnettest.timeout_mul={self.lab.mul}"))
        self.ready.clear()
        self.proc = subprocess.Popen(
            [os.path.join(ROOT, "scripts", "vm.sh"), "node", self.lab.kver,
             self.name], env=env, stdin=subprocess.DEVNULL)
        path = os.path.join(NDIR, f"{self.name}.ctl")
        deadline = time.time() + 30
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                break
            except OSError:
                s.close()
                if self.proc.poll() is not None or time.time() > deadline:
                    raise LabError(f"{self.name}: QEMU did not start "
                                   f"(see {self.log})")
                time.sleep(0.2)
        self.sock = s
        threading.Thread(target=self._reader, args=(s,), daemon=True).start()
        if not self.ready.wait(180 * self.lab.mul):
            raise LabError(f"{self.name}: agent not ready after boot "
                           f"(see {self.log})")
        self.setup_names()

    def setup_names(self):
        """Name each lab NIC after its link (found by its MAC)."""
        script = []
        for link in self.lab.links:
            if self in link.nodes:
                script.append(
                    f"for _ in $(seq 50); do "
                    f"i=$(ip -o link | awk -v m={self.mac(link)} "
                    f"'$0 ~ m {{sub(\":\", \"\", $2); print $2}}'); "
                    f"[ -n \"$i\" ] && break; sleep 0.2; done; "
                    f"[ -n \"$i\" ] || {{ echo no NIC {self.mac(link)}; "
                    f"exit 1; }}; "
                    f"ip link set \"$i\" down && "
                    f"ip link set \"$i\" name {link.name}")
        self.sh(" && ".join(script), 30)

    def _reader(self, s):
        buf = b""
        while True:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self._line(line.decode(errors="replace").strip())
        # The VM is gone: fail whatever still waits on it.
        with self.lock:
            jobs = list(self.jobs.values())
            self.jobs.clear()
        for j in jobs:
            j.done.set()

    def _line(self, line):
        f = line.split(" ")
        if f[0] == "READY":
            self.ready.set()
        elif f[0] == "R" and len(f) >= 3:
            with self.lock:
                j = self.jobs.pop(f[1], None)
            if j is None:
                return
            j.rc = int(f[2])
            j.out = base64.b64decode(f[3]).decode(errors="replace") \
                if len(f) > 3 and f[3] else ""
            j.done.set()

    def send(self, line):
        if self.sock is None:
            raise LabError(f"{self.name}: not running")
        try:
            self.sock.sendall(line.encode() + b"\n")
        except OSError as e:
            raise LabError(f"{self.name}: VM gone ({e})") from e

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # --- commands -----------------------------------------------------
    def spawn(self, cmd, secs=60):
        """Start CMD (bash) in the VM, bounded by SECS (times the lab's
        multiplier); returns a Job."""
        secs = int(secs * self.lab.mul)
        with self.lock:
            jid = str(self.next_id)
            self.next_id += 1
            j = Job(self, jid, cmd, secs)
            self.jobs[jid] = j
        b64 = base64.b64encode(cmd.encode()).decode()
        self.send(f"C {jid} {secs} {b64}")
        return j

    def run(self, cmd, secs=60):
        """(rc, output) of CMD."""
        return self.spawn(cmd, secs).wait()

    def sh(self, cmd, secs=60):
        """Output of CMD, which must succeed."""
        rc, out = self.run(cmd, secs)
        if rc != 0:
            raise LabError(f"{self.name}: '{cmd}' exited {rc}: "
                           f"{out.strip()[-2000:]}")
        return out

    def counter(self, name):
        """A counter from xnetctl stats (None if missing)."""
        out = self.sh("xnetctl stats", 30)
        for line in out.splitlines():
            f = line.split()
            if len(f) == 2 and f[0] == name:
                return int(f[1])
        return None

    # --- QEMU ---------------------------------------------------------
    def monitor(self, cmd):
        """Run a QEMU monitor (HMP) command; return its output."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(os.path.join(NDIR, f"{self.name}.mon"))
        try:
            buf = b""
            while not buf.endswith(b"(qemu) "):
                d = s.recv(4096)
                if not d:
                    raise LabError(f"{self.name}: monitor closed")
                buf += d
            s.sendall(cmd.encode() + b"\n")
            buf = b""
            if cmd == "quit":
                while s.recv(4096):
                    pass
                return ""
            while not buf.endswith(b"(qemu) "):
                d = s.recv(4096)
                if not d:
                    break
                buf += d
            out = buf.decode(errors="replace").replace("\r", "")
            lines = out.splitlines()[1:]     # the echoed command
            return "\n".join(x for x in lines if x != "(qemu) ")
        finally:
            s.close()

    def set_link(self, link, up):
        self.monitor(f"set_link {link} {'on' if up else 'off'}")

    def kernel_findings(self):
        """Problems in the VM's kernel log (the make check patterns)."""
        rc, out = self.run(f"dmesg | grep -E '{DMESG_BAD}'", 30)
        return out.strip() if rc == 0 else ""

    def poweroff(self, check=True):
        """Pull the plug (QEMU quits at once). The kernel log is checked
        first: what it held would be lost with the VM."""
        if check and self.alive():
            try:
                bad = self.kernel_findings()
            except LabError as e:
                bad = str(e)
            if bad:
                self.lab.findings.append(f"{self.name} (boot {self.gen}): "
                                         f"{bad}")
        if self.alive():
            try:
                self.monitor("quit")
            except (OSError, LabError):
                self.proc.kill()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.sock:
            self.sock.close()
            self.sock = None


class Link:
    def __init__(self, name, index, model, nodes):
        self.name = name
        self.index = index
        self.model = model
        self.nodes = nodes
        self.ports = free_udp_ports(2)

    def addr(self, node):
        return f"10.{self.index}.0.{node.index}"


def free_udp_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Lab:
    """VMs a, b (, c) and links between them."""

    def __init__(self, kver, models, nnodes=2, mem=768):
        self.kver = kver
        self.mem = mem
        self.mul = int(os.environ.get("XNET_NET_TIMEOUT_MUL", "1"))
        self.findings = []
        self.nodes = [Node(self, n, i + 1)
                      for i, n in enumerate("abc"[:nnodes])]
        self.byname = {n.name: n for n in self.nodes}
        # Two VMs: one link per model between a and b. Three: a ring.
        pairs = [(0, 1)] * len(models) if nnodes == 2 else \
            [(0, 1), (1, 2), (2, 0)][:len(models)]
        self.links = []
        for i, (model, (x, y)) in enumerate(zip(models, pairs)):
            name = {"virtio-net-pci": "vnet", "e1000": "e1k"}.get(
                model, f"nic{i}")
            if any(lk.name == name for lk in self.links):
                name += str(i)
            self.links.append(Link(name, i + 1, model,
                                   [self.nodes[x], self.nodes[y]]))
        self.initrd = os.path.join(BUILD, f"initramfs-{kver}-net.cpio")

    def __getattr__(self, name):
        byname = self.__dict__.get("byname", {})
        if name in byname:
            return byname[name]
        raise AttributeError(name)

    def link(self, name):
        for lk in self.links:
            if lk.name == name:
                return lk
        raise KeyError(name)

    def build_initrd(self):
        env = dict(os.environ)
        env.pop("XNET_TESTS", None)
        subprocess.run([os.path.join(ROOT, "scripts", "mkinitramfs.sh"),
                        self.kver, self.initrd], check=True, env=env)

    def boot(self):
        os.makedirs(NDIR, exist_ok=True)
        for n in self.nodes:
            with open(n.log, "w"):
                pass
        errs = []

        def one(n):
            try:
                n.boot()
            except LabError as e:
                errs.append(str(e))
        ts = [threading.Thread(target=one, args=(n,)) for n in self.nodes]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if errs:
            raise LabError("; ".join(errs))

    def shutdown(self):
        for n in self.nodes:
            n.poweroff()

    # --- the state every test starts from ------------------------------
    def prepare(self, node):
        """Load xnet, lab NICs up at MTU 1500, no qdisc, xnet addresses."""
        cmds = ["modprobe xnet"]
        for lk in self.links:
            if node in lk.nodes:
                cmds += [f"tc qdisc del dev {lk.name} root 2>/dev/null; true",
                         f"ip link set {lk.name} mtu 1500 up",
                         f"xnetctl addr add {lk.addr(node)} dev {lk.name}"]
        node.sh(" && ".join(cmds), 60)

    def restore(self, node):
        """After a test: no xnet socket left, xnet unloads; anything the
        test stacked removed. Returns what was wrong ("" if nothing)."""
        ours = " ".join(lk.name for lk in self.links if node in lk.nodes)
        script = r"""
why=""
for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
	ip netns delete "$ns"; why="$why netns $ns left;"
done
if [ -d /sys/module/xnet ]; then
	n=0
	for _ in $(seq 100); do
		n=$(tail -n +2 /proc/net/xnet/sockets | grep -c .)
		[ "$n" = 0 ] && break
		sleep 0.2
	done
	[ "$n" = 0 ] || { why="$why sockets left:"; cat /proc/net/xnet/sockets; }
	ok=""
	for _ in $(seq 80); do
		out=$(rmmod xnet 2>&1) && { ok=1; break; }
		sleep 0.25
	done
	[ -n "$ok" ] || why="$why rmmod xnet failed: $out;"
fi
for l in $(ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//'); do
	case " lo OURS " in *" $l "*) continue ;; esac
	ip link del "$l" 2>/dev/null
done
for l in OURS; do
	ip link set "$l" nomaster 2>/dev/null
	tc qdisc del dev "$l" root 2>/dev/null
	ip link set "$l" mtu 1500 up
done
echo "WHY:$why"
""".replace("OURS", ours)
        out = node.sh(script, 120)
        m = re.search(r"WHY:(.*)", out)
        why = m.group(1).strip() if m else "no answer from restore"
        return why, out


class Checks:
    """What a test reports through: every check is printed, a failed one
    fails the test."""

    def __init__(self, name):
        self.name = name
        self.failed = 0
        self.skip = None

    def log(self, msg):
        for line in str(msg).splitlines():
            print(f"#   {line}", flush=True)

    def check(self, cond, desc):
        if cond:
            print(f"#   PASS: {desc}", flush=True)
        else:
            print(f"#   FAIL: {desc}", flush=True)
            self.failed += 1
        return bool(cond)

    def fail(self, desc):
        return self.check(False, desc)

    def eq(self, got, want, desc):
        return self.check(got == want, f"{desc}: {got!r} (want {want!r})")


def load_test(name):
    path = os.path.join(TESTDIR, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"xnet_net_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, TESTDIR)
    spec.loader.exec_module(mod)
    return mod


def read_tests():
    names = []
    with open(os.path.join(TESTDIR, "TESTS")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(line.split()[0])
    return names


def kill_all(lab):
    """Whatever happens to the runner, no VM outlives it."""
    for n in lab.nodes:
        if n.proc is not None and n.proc.poll() is None:
            n.proc.kill()


def check(args):
    models = os.environ.get("XNET_NET_MODELS",
                            "virtio-net-pci e1000").split()
    names = args.tests or read_tests()
    lab = Lab(args.kver, models)
    atexit.register(kill_all, lab)
    lab.build_initrd()
    t0 = time.time()
    total = len(names) + 1
    print("TAP version 13")
    print(f"1..{total}")
    passed = failed = k = 0

    def result(name, secs, why, skip=None):
        nonlocal passed, failed, k
        k += 1
        print(f"# {name}: {secs:.0f}s{', ' + why if why else ''}")
        if why:
            print(f"not ok {k} {name}", flush=True)
            failed += 1
        else:
            print(f"ok {k} {name}{' # SKIP ' + skip if skip else ''}",
                  flush=True)
            passed += 1

    try:
        lab.boot()
    except LabError as e:
        print(f"# lab: {e}")
        for n in lab.nodes:
            n.poweroff(check=False)
        for n in lab.nodes:
            os.system(f"tail -n 40 {shlex.quote(n.log)}")
        print(f"0 passed, {total} failed")
        return 1
    print(f"# lab: {len(lab.nodes)} VMs up in {time.time() - t0:.0f}s; "
          "links: " + ", ".join(f"{lk.name} ({lk.model})"
                                for lk in lab.links), flush=True)

    for name in names:
        ts = time.time()
        why = ""
        c = Checks(name)
        try:
            mod = load_test(name)
        except Exception as e:     # a broken test file is its failure
            result(name, 0, f"cannot load: {e}")
            continue
        limit = getattr(mod, "LIMIT", 180) * lab.mul
        try:
            for n in lab.nodes:
                if not n.alive():
                    n.boot()
                lab.prepare(n)
        except LabError as e:
            result(name, time.time() - ts, f"setup: {e}")
            continue
        err = []

        def body():
            try:
                mod.run(lab, c)
            except Exception:
                err.append(traceback.format_exc())
        th = threading.Thread(target=body, daemon=True)
        th.start()
        th.join(limit)
        if th.is_alive():
            why = f"timed out after {limit}s"
        elif err:
            c.log(err[0])
            why = "exception"
        elif c.failed:
            why = f"{c.failed} check(s) failed"
        # A test may have left a VM down: boot it again for the next.
        for n in lab.nodes:
            try:
                if not n.alive():
                    n.boot()
                w, out = lab.restore(n)
                if w:
                    c.log(out)
                    why = (why + "; " if why else "") + f"{n.name}: {w}"
            except LabError as e:
                why = (why + "; " if why else "") + f"{n.name}: {e}"
        result(name, time.time() - ts, why, c.skip)

    # The kernel logs, as make check checks its VM's.
    bad = list(lab.findings)
    for n in lab.nodes:
        try:
            f = n.kernel_findings()
        except LabError as e:
            f = str(e)
        if f:
            bad.append(f"{n.name}: {f}")
    lab.shutdown()
    for n in lab.nodes:
        with open(n.log, errors="replace") as f:
            for line in f:
                if CONSOLE_BAD.search(line.replace("\r", "")):
                    bad.append(f"{n.name} console: {line.strip()}")
    if bad:
        print("# kernel logs have problems:")
        for b in bad:
            for line in b.splitlines():
                print(f"#   {line}")
    result("dmesg-clean", 0, "kernel log problems" if bad else "")
    print(f"# all done in {time.time() - t0:.0f}s")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def shell(args):
    models = os.environ.get("XNET_NET_MODELS",
                            "virtio-net-pci e1000").split()
    lab = Lab(args.kver, models)
    atexit.register(kill_all, lab)
    lab.build_initrd()
    lab.boot()
    for n in lab.nodes:
        lab.prepare(n)
    print("lab up; control sockets in", NDIR, "- Ctrl-C ends it", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    lab.shutdown()
    return 0


def main():
    # SIGTERM (CI's timeout, make's) ends the run through atexit: VMs
    # killed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    p = argparse.ArgumentParser(description="xnet's multi-VM lab")
    p.add_argument("mode", choices=["check", "shell"])
    p.add_argument("kver", help="full kernel release")
    p.add_argument("-t", "--tests", nargs="*",
                   help="only these tests of selftests/net/TESTS")
    args = p.parse_args()
    if args.mode == "check":
        return check(args)
    return shell(args)


if __name__ == "__main__":
    sys.exit(main())

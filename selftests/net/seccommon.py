# SPDX-License-Identifier: GPL-2.0
"""Helpers of the secure channel tests of the check-net lane (secure.py,
secure_reload.py): keys and policy on a VM, the security counters, and a
capture of a NIC's xnet frames (xnet_cap) analysed in the VM."""

SEC_COUNTERS = ("InAuthFailures", "InReplays", "InNoKey", "InPlainDropped",
                "OutNoKey", "SessionsEstablished", "SessionRekeys")


def sec_setup(node, keys, secure=1):
    """xnetctl key add each of KEYS ("ID HEX [peer A.B.C.D]") on NODE,
    then net.xnet.secure=SECURE."""
    cmds = [f"xnetctl key add {k}" for k in keys]
    cmds.append(f"sysctl -qw net.xnet.secure={secure}")
    node.sh(" && ".join(cmds), 30)


def sec_counters(node):
    """The security counters of NODE (xnetctl stats) as a dict; a missing
    one is -1 (and fails the comparisons of the tests)."""
    out = node.sh("xnetctl stats", 30)
    got = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] in SEC_COUNTERS:
            got[f[0]] = int(f[1])
    return {k: got.get(k, -1) for k in SEC_COUNTERS}


# The analysis of a capture (xnet_cap record lines: DIR TYPE HOPLIMIT
# SADDR DADDR LEN [INNER INDEX COUNTER]) between addresses A and B:
# plain     stream/datagram/error frames (types 1, 4, 5, 6) between them
# ab, ba    sealed frames from A to B, from B to A
# hs        handshake frames (type 8) between them
# stream    sealed frames carrying a stream segment (inner type 4)
# dups      sealed frames whose (source, destination, index, counter) was
#           seen before: a nonce used twice under one session key
# idx_ab, idx_ba   receiver indexes seen from A to B, from B to A
AWK = r"""
($4 == A && $5 == B) || ($4 == B && $5 == A) {
	if ($2 == 1 || $2 == 4 || $2 == 5 || $2 == 6) plain++
	if ($2 == 8) hs++
	if ($2 != 7) next
	if ($4 == A) { ab++; ia[$8] = 1 } else { ba++; ib[$8] = 1 }
	if ($7 == 4) stream++
	k = $4 " " $5 " " $8 " " $9
	if (k in seen) { dups++; if (dups <= 5) print "# dup " $0 }
	seen[k] = 1
}
END {
	for (i in ia) nia++
	for (i in ib) nib++
	printf "plain=%d ab=%d ba=%d hs=%d stream=%d dups=%d idx_ab=%d idx_ba=%d\n",
		plain, ab, ba, hs, stream, dups, nia, nib
}
"""


class Capture:
    """xnet_cap recording every xnet frame of DEV on NODE until stop()."""

    def __init__(self, node, dev, secs=600):
        self.node, self.dev, self.secs = node, dev, secs
        self.file = f"/tmp/cap.{dev}"
        self.job = None

    def start(self, t):
        f = self.file
        self.job = self.node.spawn(
            f"rm -f {f} {f}.ready {f}.stop; exec xnet_cap record "
            f"-i {self.dev} -o {f} -R {f}.ready -S {f}.stop "
            f"-t {self.secs}", self.secs + 30)
        rc, _ = self.node.run(f"for _ in $(seq 100); do [ -e {f}.ready ] "
                              f"&& exit 0; sleep 0.1; done; exit 1", 30)
        return t.check(rc == 0, f"{self.node.name}: capture on {self.dev} "
                                f"started")

    def stop(self, t, a, b):
        """End the capture; its analysis for addresses A, B (a dict of
        AWK's numbers), or None if the capture failed."""
        self.node.sh(f"touch {self.file}.stop", 30)
        rc, out = self.job.wait()
        t.log(out.strip())
        if not t.check(rc == 0 and "cap_frames=" in out,
                       f"{self.node.name}: capture on {self.dev} ended"):
            return None
        res = self.node.sh(f"awk -v A={a} -v B={b} '{AWK}' {self.file}; "
                           f"rm -f {self.file}", 120)
        t.log(res.strip())
        last = res.strip().splitlines()[-1]
        return {k: int(v) for k, v in (x.split("=") for x in last.split())}

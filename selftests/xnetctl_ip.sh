#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xnetctl feels like ip (issue 15):
#  - prefixes: a prefix naming one object or command is that word
#    (a s, ro g, n f, st); an ambiguous one exits 2 naming the candidates
#    on one line (s: stats, sockets; addr d: del, dev);
#  - -n NETNS / --netns runs in /run/netns/NETNS (the test's commands
#    below run from the initial netns); a missing one: exit 1, one line;
#  - -s: addr with its device's link counters (text and JSON, the packets
#    the ping sent counted), neigh with age and qlen (absent without -s);
#    stats lists zero counters with or without -s;
#  - OBJECT help: that object's usage lines on stdout, exit 0;
#  - errors once: one line "xnetctl: ...", the kernel's extack added only
#    when it says more (route exists, key exists, table full, EPERM,
#    EINVAL).
source "$(dirname "$0")/lib.sh"

require_cmds xnet-ping

A=xip-a-$$
B=xip-b-$$
AA=10.0.12.1
BA=10.0.12.2
ns_create "$A" "$B"
veth_link "$A" va "$B" vb
xaddr "$A" va $AA/24
xaddr "$B" vb $BA/24

# x ARGS...: xnetctl -n A ARGS (from the initial netns)
x() { xnetctl -n "$A" "$@"; }
# err CODE TEXT CMD...: CMD exits CODE, its stderr is one line
# "xnetctl: ..." that contains TEXT once (grep -F)
err() {
	local code=$1 text=$2 out rc
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	echo "# stderr: $out"
	[ $rc = "$code" ] && [ "$(wc -l <<<"$out")" = 1 ] &&
		[[ $out == xnetctl:* ]] &&
		[ "$(grep -oF -- "$text" <<<"$out" | wc -l)" = 1 ]
}

# --- -n ----------------------------------------------------------------
check "-n: addr show lists A's address" \
	eval 'xnetctl -n "$A" addr show | grep -qw "$AA/24"'
check "--netns: the same" \
	eval 'xnetctl --netns "$A" addr show | grep -qw "$AA/24"'
check "-n: not the initial netns's addresses" \
	eval '! xnetctl addr show | grep -qw "$AA/24"'
check "-n missing: exit 1, one line" \
	err 1 "no such netns: nope-$$" xnetctl -n "nope-$$" stats
check "-n a/b: usage error" err 2 "bad netns name" xnetctl -n a/b stats

# traffic, so that counters and the neighbour entry exist
bg "$B" xnet-ping -l -q -W $((60 * TMUL))
wait_sockets "$B" 1 || finish
check "ping A -> B" nsx "$A" xnet-ping -q -c 3 -i 0.1 -W $((5 * TMUL)) $BA

# --- prefixes ------------------------------------------------------------
check "a s = addr show" test "$(x a s)" = "$(x addr show)"
check "ro g = route get" test "$(x ro g $BA)" = "$(x route get $BA)"
check "st = stats (the same counters)" \
	test "$(x st | awk '{print $1}')" = "$(x stats | awk '{print $1}')"
check "so = sockets" test "$(nsx "$B" xnetctl so)" = "$(nsx "$B" xnetctl sockets)"
check "neighbour l = neigh show" test "$(x neighbour l)" = "$(x neigh show)"
check "s: ambiguous, stats and sockets named" \
	err 2 "ambiguous object 's': stats, sockets" x s
check "addr d: ambiguous, del and dev named" \
	err 2 "ambiguous command 'd': del, dev" x addr d 1.2.3.4
check "unknown object" err 2 "unknown object: zz" x zz
check "n f = neigh flush: the entry goes" \
	eval 'x n f && [ -z "$(x neigh show)" ]'

# --- -s ------------------------------------------------------------------
tx=$(nsx "$A" cat /sys/class/net/va/statistics/tx_packets)
check "-s addr: va's link counters" \
	eval 'x -s addr show dev va | grep -q "^    RX: "'
txj=$(x -s -j addr show dev va |
	sed -n 's/.*"tx":{"bytes":[0-9]*,"packets":\([0-9]*\),.*/\1/p')
check "-s -j addr: stats.tx.packets is the device's ($txj >= $tx)" \
	test "${txj:-0}" -ge "$tx"
check_not "without -s: no counters" eval 'x addr show | grep -q "RX:"'
check "ping again (a neighbour entry)" \
	nsx "$A" xnet-ping -q -c 1 -W $((5 * TMUL)) $BA
check "-s neigh: age and qlen" eval 'x -s neigh show | grep -q " age [0-9]*ms qlen 0$"'
check_not "neigh without -s: no age" eval 'x neigh show | grep -q " age "'
check "-s -j neigh: age_ms, qlen" \
	eval 'x -s -j neigh show | grep -q "\"age_ms\":[0-9]*,\"qlen\":0"'
n0=$(x stats | wc -l)
check "stats lists zero counters ($n0 lines), as -s stats does" \
	eval 'x stats | grep -q " 0$" && [ "$(x -s stats | wc -l)" = "$n0" ]'

# --- OBJECT help ---------------------------------------------------------
for o in addr neigh route key sockets stats; do
	check "$o help: its usage lines, exit 0" eval \
		"out=\$(xnetctl $o help) && head -1 <<<\"\$out\" | grep -q '^Usage: xnetctl \\[OPTIONS\\] $o COMMAND' &&
		 grep -q '^  $o' <<<\"\$out\" && ! grep -E '^  [a-z]' <<<\"\$out\" | grep -vq '^  $o'"
done
check "a h = addr help" eval 'xnetctl a h | grep -q "^  addr add"'

# --- errors once ---------------------------------------------------------
x route add 10.50.0.0/16 via $BA || fail "route add"
check "route exists: once" \
	err 1 "route exists (same prefix and metric): 10.50.0.0/16" \
	x route add 10.50.0.0/16 via $BA
check "route exists: without the kernel's restatement" \
	eval '! x route add 10.50.0.0/16 via $BA 2>&1 | grep -q "with this metric exists"'
check "no such route: once" err 1 "no such route" x route del 10.51.0.0/16
nsx "$A" sysctl -qw net.xnet.route_max=1
check "route table full: once, with the sysctl" \
	err 1 "route table full (net.xnet.route_max)" x route add 10.52.0.0/16 via $BA
check "route table full said once" \
	eval '[ "$(x route add 10.52.0.0/16 via $BA 2>&1 | grep -o "route table full" | wc -l)" = 1 ]'
nsx "$A" sysctl -qw net.xnet.route_max=16384
x key add 1 "$(printf '%064x' 1)" || fail "key add"
check "key exists: once" err 1 "key exists: 1" x key add 1 "$(printf '%064x' 2)"
check "key exists: without the kernel's restatement" \
	eval '! x key add 1 "$(printf "%064x" 2)" 2>&1 | grep -q "a key with this ID"'
check "EPERM: permission denied and the kernel's reason, once" \
	err 1 "permission denied: CAP_NET_ADMIN needed" \
	nsx "$A" "$XECHO" nobody xnetctl addr add 10.0.12.9 dev va
check "EINVAL: invalid argument and the kernel's reason" \
	err 1 "invalid argument: invalid prefix for given prefix length" \
	x route add 10.53.1.0/16 via $BA
check "no such device: once" err 1 "no such device: nodev0" \
	x addr add 10.0.12.9 dev nodev0
finish

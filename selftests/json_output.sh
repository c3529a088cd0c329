#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every -j output of every tool, handed to the host, where
# selftests/host/json_output.py parses each with python3's strict json
# (scripts/vm.sh check runs it after the VM): xnetctl addr, neigh, route,
# route get, stats, sockets and key show (compact and -p), xnet-ping,
# xnet-trace, and xnet-bench for each of its tests (stream, rr, crr, idle,
# blast; short runs). Hostile strings on the way: the bench label has
# quotes, a backslash, a newline, control bytes and a byte that is not
# UTF-8; A's device is named with a quote, a backslash and such a byte
# (the kernel allows them in interface names). Each output is a file
# json_output.NAME.json in $XNET_EXPORT_DIR, plus json_output.list naming
# them all and json_output.meta with the strings to find: the host fails
# on a missing file as on an invalid one. Checked here: each command
# exited 0 and printed something.
source "$(dirname "$0")/lib.sh"

require_cmds xnet-ping xnet-trace xnet-bench

A=xjs-a-$$
B=xjs-b-$$
AA=10.0.11.1
BA=10.0.11.2
# a quote, a backslash and 0xff: legal in a device name (dev_valid_name)
DEV=$'j"\\\xff'
LABEL=$'a "quoted" \\ label\n\ttab \x01\x1f \xfe end'
OUT=${XNET_EXPORT_DIR:-/tmp/json_output.$$}
mkdir -p "$OUT"
: >"$OUT/json_output.list"

ns_create "$A" "$B"
veth_link "$A" "$DEV" "$B" veth-b
xaddr "$A" "$DEV" $AA
xaddr "$B" veth-b $BA
check "A's device has its odd name" \
	eval 'ip -n "$A" -o link show | grep -qF "$DEV"'
nsx "$A" xnetctl route add 10.77.0.0/16 via $BA dev "$DEV" metric 5 ||
	fail "route add"
K1=$(printf '%064x' 1)
nsx "$A" xnetctl key add 7 "$K1" peer $BA dev "$DEV" >/dev/null ||
	fail "key add"

# out NAME CMD...: CMD's stdout into json_output.NAME.json; exit 0, output
out() {
	local name=$1 f rc
	shift
	f=$OUT/json_output.$name.json
	"$@" >"$f" 2>"$TMPD/err.$name"
	rc=$?
	echo "$name" >>"$OUT/json_output.list"
	if [ $rc = 0 ] && [ -s "$f" ]; then
		pass "$name: exit 0, $(wc -c <"$f") bytes"
	else
		fail "$name: exit $rc, $(wc -c <"$f") bytes"
		show "$TMPD/err.$name"
	fi
}

# traffic first, so that neigh, sockets and stats have something to show
bg "$B" xnet-ping -l -q -p 7 -W $((60 * TMUL))
wait_sockets "$B" 1 || finish
out ping nsx "$A" xnet-ping -j -c 3 -i 0.1 -W $((5 * TMUL)) $BA
out trace nsx "$A" xnet-trace -j -m 3 -q 1 -w $((2 * TMUL)) $BA

for p in "" -p; do
	s=${p:+_pretty}
	out addr$s nsx "$A" xnetctl -j $p addr show
	out addr_dev$s nsx "$A" xnetctl -j $p addr show dev "$DEV"
	out neigh$s nsx "$A" xnetctl -j $p neigh show
	out route$s nsx "$A" xnetctl -j $p route show
	out route_get$s nsx "$A" xnetctl -j $p route get 10.77.1.1
	out stats$s nsx "$A" xnetctl -j $p stats
	out sockets$s nsx "$B" xnetctl -j $p sockets
	out key$s nsx "$A" xnetctl -j $p key show
done
out neigh_empty nsx "$B" xnetctl -j neigh show dev lo

# xnet-bench: one server per family, each test with the hostile label
bg "$B" timeout $((120 * TMUL)) xnet-bench -l -f xnet -a $BA -p 5301
bg "$B" timeout $((120 * TMUL)) xnet-bench -l -f xnet-dgram -a $BA -p 5302
wait_sockets "$B" 3 || finish
for t in stream rr crr idle; do
	out "bench_$t" nsx "$A" timeout $((60 * TMUL)) xnet-bench -j \
		-L "$LABEL" -f xnet -p 5301 -t $t -d 0.5 -n 20 $BA
done
out bench_blast nsx "$A" timeout $((60 * TMUL)) xnet-bench -j -L "$LABEL" \
	-f xnet-dgram -p 5302 -t blast -d 0.5 $BA

# what the host must find in the parsed documents
{
	printf 'label=%s\n' "$(printf '%s' "$LABEL" | od -An -tx1 | tr -d ' \n')"
	printf 'dev=%s\n' "$(printf '%s' "$DEV" | od -An -tx1 | tr -d ' \n')"
	echo "aa=$AA"
	echo "ba=$BA"
} >"$OUT/json_output.meta"
log "outputs in $OUT"
finish

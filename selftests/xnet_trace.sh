#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xnet-trace across the routed chain A - R1 - R2 - B (lib.sh chain_setup):
#  - xnet-trace B names R1 (its address towards A) at hop 1, R2 (towards
#    R1) at hop 2 and B at hop 3, three numeric round-trip times each, and
#    exits 0; every hop sent exactly its three reports, A took them all
#    and ignored none;
#  - -j prints one JSON object with the same hops, reached true;
#  - -i and -s: the same three hops by a bound device and source;
#  - -m 1: hop 1 only, not reached, exit 1;
#  - B's answers lost (netem on its link): '*' at hop 3, exit 1;
#  - a prefix no router knows: R1 answers !N at hop 1, exit 1 (text and
#    JSON);
#  - forwarding off on R1: R1 answers !X at hop 1, exit 1;
#  - usage errors exit 2, a missing device exits 1, each with one line.
source "$(dirname "$0")/lib.sh"

require_cmds xnet-trace tc

chain_setup xtr-$$
A=$CH_A R1=$CH_R1 R2=$CH_R2 B=$CH_B
# R2's entry for B must not age: B is silenced below, its answers lost
nsx "$R2" sysctl -qw net.xnet.neigh_reachable_ms=600000
W=$((2 * TMUL))		# seconds xnet-trace waits for each answer
RTT='[0-9]+\.[0-9]{3} ms'

# trace NAME ARGS...: xnet-trace ARGS in A; output in $TMPD/NAME, exit
# status in TRC.
trace() {
	local name=$1
	shift
	nsx "$A" timeout $((60 * TMUL)) xnet-trace -w $W "$@" \
		>"$TMPD/$name" 2>"$TMPD/$name.err"
	TRC=$?
	show "$TMPD/$name" "$TMPD/$name.err"
}

# hops FILE: the number of hop lines of a text trace.
hops() {
	grep -cE '^ ?[0-9]+ ' "$1"
}

# hop_is FILE N REGEX: hop N's line is exactly " N  REGEX" (N < 10).
hop_is() {
	grep -qxE " $2  $3" "$1"
}

rx() { echo "${1//./\\.}"; }

# --- the whole chain --------------------------------------------------
declare -A err0
for ns in "$R1" "$R2" "$B"; do
	err0[$ns]=$(counter "$ns" OutErrors)
done
ain0=$(counter "$A" InErrors)
aig0=$(counter "$A" InErrorsIgnored)
bns0=$(counter "$B" InNoSocket)

trace full "$CH_B_ADDR"
check "trace to B exits 0 (reached)" test "$TRC" = 0
check "header line" grep -qx "xnet-trace to $CH_B_ADDR, 30 hops max, 16 byte probes" \
	"$TMPD/full"
check "three hop lines" test "$(hops "$TMPD/full")" = 3
check "hop 1 is R1 ($CH_R1_A), three RTTs" \
	hop_is "$TMPD/full" 1 "$(rx $CH_R1_A)  $RTT  $RTT  $RTT"
check "hop 2 is R2 ($CH_R2_A), three RTTs" \
	hop_is "$TMPD/full" 2 "$(rx $CH_R2_A)  $RTT  $RTT  $RTT"
check "hop 3 is B ($CH_B_ADDR), three RTTs" \
	hop_is "$TMPD/full" 3 "$(rx $CH_B_ADDR)  $RTT  $RTT  $RTT"
# one report per probe, from the node the probe's hop limit ran out at
check_delta "$R1" OutErrors "${err0[$R1]}" -eq 3
check_delta "$R2" OutErrors "${err0[$R2]}" -eq 3
check_delta "$B" OutErrors "${err0[$B]}" -eq 3
check_delta "$B" InNoSocket "$bns0" -eq 3
check_delta "$A" InErrors "$ain0" -eq 9
check_delta "$A" InErrorsIgnored "$aig0" -eq 0

# --- JSON ---------------------------------------------------------------
# json_hop FILE N: the probes array of hop N, one probe object a line.
json_hop() {
	grep -oE "\{\"hop\":$2,\"probes\":\[[^]]*\]\}" "$1" |
		grep -oE '\{"addr":[^}]*\}'
}

# json_probes_are FILE N ADDR COUNT ERROR: hop N has COUNT probes, each
# answered by ADDR with a numeric RTT and error ERROR (null or "!N").
json_probes_are() {
	local p n=0 probes

	probes=$(json_hop "$1" "$2")	# the VM has no /dev/fd: no <(...)
	while read -r p; do
		[ -n "$p" ] || continue
		[[ $p =~ ^\{\"addr\":\"$(rx "$3")\",\"rtt_ms\":[0-9]+\.[0-9]{3}(,\"reached\":true)?,\"error\":$5\}$ ]] ||
			{ log "hop $2: unexpected probe $p"; return 1; }
		n=$((n + 1))
	done <<<"$probes"
	[ "$n" = "$4" ]
}

trace json -j -q 2 "$CH_B_ADDR"
check "-j: exits 0" test "$TRC" = 0
check "-j: one line, one object" \
	test "$(wc -l <"$TMPD/json")" = 1 -a "$(grep -c '^{.*}$' "$TMPD/json")" = 1
check "-j: reached, the options echoed" \
	grep -q "^{\"dest\":\"$CH_B_ADDR\",\"port\":33434,\"max_hops\":30,\"first_hop\":1,\"queries\":2,\"reached\":true,\"hops\":\[" \
	"$TMPD/json"
check "-j: three hops" \
	test "$(grep -oE '\{"hop":[0-9]+,' "$TMPD/json" | tr -d '{",:a-z' | tr '\n' ' ')" = "1 2 3 "
check "-j: hop 1 is R1 twice" json_probes_are "$TMPD/json" 1 $CH_R1_A 2 null
check "-j: hop 2 is R2 twice" json_probes_are "$TMPD/json" 2 $CH_R2_A 2 null
check "-j: hop 3 is B twice, reached" json_probes_are "$TMPD/json" 3 $CH_B_ADDR 2 null
check "-j: hop 3 says reached" \
	test "$(json_hop "$TMPD/json" 3 | grep -c '"reached":true')" = 2

# --- -i and -s ----------------------------------------------------------
trace bound -i a0 -s $CH_A_ADDR -q 1 -p 40000 "$CH_B_ADDR"
check "-i a0 -s $CH_A_ADDR: exits 0" test "$TRC" = 0
check "-i a0 -s: R1, R2, B" eval \
	'hop_is "$TMPD/bound" 1 "$(rx $CH_R1_A)  $RTT" &&
	 hop_is "$TMPD/bound" 2 "$(rx $CH_R2_A)  $RTT" &&
	 hop_is "$TMPD/bound" 3 "$(rx $CH_B_ADDR)  $RTT" &&
	 test "$(hops "$TMPD/bound")" = 3'

# --- -m 1 ---------------------------------------------------------------
trace m1 -m 1 "$CH_B_ADDR"
check "-m 1: exits 1 (not reached)" test "$TRC" = 1
check "-m 1: hop 1 only, R1" eval \
	'test "$(hops "$TMPD/m1")" = 1 &&
	 hop_is "$TMPD/m1" 1 "$(rx $CH_R1_A)  $RTT  $RTT  $RTT"'

# --- no route -----------------------------------------------------------
r1e0=$(counter "$R1" OutErrors)
trace noroute -q 2 10.9.9.9
check "no route: exits 1" test "$TRC" = 1
check "no route: hop 1 only, R1 says !N twice" eval \
	'test "$(hops "$TMPD/noroute")" = 1 &&
	 hop_is "$TMPD/noroute" 1 "$(rx $CH_R1_A)  $RTT !N  $RTT !N"'
check_delta "$R1" OutErrors "$r1e0" -eq 2
trace noroute_json -j -q 1 10.9.9.9
check "no route -j: exits 1" test "$TRC" = 1
check "no route -j: not reached" grep -q '"reached":false,' "$TMPD/noroute_json"
check "no route -j: hop 1 is R1, error !N" \
	json_probes_are "$TMPD/noroute_json" 1 $CH_R1_A 1 '"!N"'

# --- no answer ------------------------------------------------------------
# B's answers lost on their way out: hop 3 is a star, the trace goes on
# to -m, not reached
if tc -n "$B" qdisc add dev b0 root netem loss 100%; then
	trace silent -j -m 3 -q 1 "$CH_B_ADDR"
	tc -n "$B" qdisc del dev b0 root
	check "B silent: exits 1" test "$TRC" = 1
	check "B silent: not reached" grep -q '"reached":false,' "$TMPD/silent"
	check "B silent: hops 1 and 2 still R1 and R2" eval \
		'json_probes_are "$TMPD/silent" 1 $CH_R1_A 1 null &&
		 json_probes_are "$TMPD/silent" 2 $CH_R2_A 1 null'
	check "B silent: hop 3 a probe without an answer" \
		test "$(json_hop "$TMPD/silent" 3)" = \
		'{"addr":null,"rtt_ms":null,"error":null}'
else
	fail "tc netem on B's b0"
fi

# --- forwarding off on R1 -----------------------------------------------
nsx "$R1" sysctl -qw net.xnet.forwarding=0
trace nofwd -q 1 "$CH_B_ADDR"
check "forwarding off on R1: exits 1" test "$TRC" = 1
check "forwarding off on R1: hop 1 only, R1 says !X" eval \
	'test "$(hops "$TMPD/nofwd")" = 1 &&
	 hop_is "$TMPD/nofwd" 1 "$(rx $CH_R1_A)  $RTT !X"'

# --- usage --------------------------------------------------------------
usage_rc() {
	local want=$1 out rc
	shift
	# usage errors come before any socket: no netns needed (faster)
	if [ "$want" = 2 ]; then
		out=$(xnet-trace "$@" 2>&1 >/dev/null)
	else
		out=$(nsx "$A" xnet-trace "$@" 2>&1 >/dev/null)
	fi
	rc=$?
	[ "$rc" = "$want" ] && [ "$(wc -l <<<"$out")" = 1 ] &&
		[[ $out == xnet-trace:* ]]
}
check "-m 0: usage error" usage_rc 2 -m 0 "$CH_B_ADDR"
check "-q 11: usage error" usage_rc 2 -q 11 "$CH_B_ADDR"
check "-p 65535 -m 2: ports past 65535" usage_rc 2 -p 65535 -m 2 "$CH_B_ADDR"
check "broadcast destination: usage error" usage_rc 2 255.255.255.255
check "no destination: usage error" usage_rc 2
check "-i nosuchdev: exits 1" usage_rc 1 -i nosuchdev "$CH_B_ADDR"
help_ok() { xnet-trace --help | grep -q '^Usage: xnet-trace'; }
check "--help exits 0 with the usage" help_ok

finish

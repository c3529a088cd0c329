#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Secure channels in the audit trail (issue 13): the xnet_security
# tracepoint reports auth failures and replays, one event per counted
# drop. Not parallel: it enables tracepoints (static keys) and reads the
# global trace buffer.
#
#   A va 10.0.8.1 --- vb 10.0.8.2 B vc 10.0.9.2 --- vd 10.0.9.1 C
#
# A and B share a key, C and B each hold a key for the other but not the
# same one (a wrong-key peer); net.xnet.secure=1 everywhere. With
# events/xnet/xnet_security and xnet_drop enabled:
#  1. four sealed frames A sent are sent again (xnet_cap replay): B
#     counts InReplays +4;
#  2. one sealed frame A sent is sent again with a bit of its counter
#     flipped (and its CRC fixed): B counts InAuthFailures +1;
#  3. C sends datagrams to B under its wrong key: nothing delivered;
#  4. the trace holds exactly one "event=replay" per InReplays and one
#     "event=auth_failure" per InAuthFailures counted (over A, B, C), those
#     of steps 1 and 2 naming A's MAC and address; the xnet_drop events
#     name their reason (InReplays, InAuthFailures); the formats of both
#     events name no enum a tool could not resolve (TRACE_DEFINE_ENUM).
source "$(dirname "$0")/lib.sh"

XCAP=$HERE/xnet_cap
[ -x "$XCAP" ] || { echo "# FAIL: $XCAP not built"; exit 1; }
require_cmds sysctl

T=/sys/kernel/tracing
if [ ! -d $T/events ]; then
	mount -t tracefs tracefs $T ||
		{ echo "# FAIL: mount tracefs"; exit 1; }
fi
[ -d $T/events/xnet/xnet_security ] ||
	{ echo "# FAIL: no events/xnet/xnet_security"; exit 1; }
trace_off() {
	echo 0 >$T/events/xnet/xnet_security/enable
	echo 0 >$T/events/xnet/xnet_drop/enable
	echo >$T/trace
}
trap 'trace_off; cleanup' EXIT

A=xst-a-$$
B=xst-b-$$
C=xst-c-$$
AA=10.0.8.1
BA=10.0.8.2
BC=10.0.9.2
CA=10.0.9.1
ns_create "$A" "$B" "$C"
veth_link "$A" va "$B" vb
veth_link "$C" vd "$B" vc
xaddr "$A" va $AA/24
xaddr "$B" vb $BA/24
xaddr "$B" vc $BC/24
xaddr "$C" vd $CA/24
K1=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
K2=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100
K3=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0
key() {
	nsx "$1" xnetctl key add "${@:2}" ||
		{ echo "# FAIL: xnetctl key add ${*:2} in $1"; exit 1; }
}
key "$A" 1 $K1 peer $BA
key "$B" 1 $K1 peer $AA
key "$B" 2 $K2 peer $CA
key "$C" 3 $K3 peer $BC
for ns in "$A" "$B" "$C"; do
	nsx "$ns" sysctl -qw net.xnet.secure=1 ||
		{ echo "# FAIL: net.xnet.secure=1 in $ns"; exit 1; }
done

declare -A rp0 af0
for ns in "$A" "$B" "$C"; do
	rp0[$ns]=$(counter "$ns" InReplays)
	af0[$ns]=$(counter "$ns" InAuthFailures)
done
echo >$T/trace
echo 1 >$T/events/xnet/xnet_security/enable &&
	echo 1 >$T/events/xnet/xnet_drop/enable &&
	echo 1 >$T/tracing_on || fail "enable the events"

bg "$B" timeout $((120 * TMUL)) "$XECHO" server -b $BA:7 -i 60
bg "$B" timeout $((120 * TMUL)) "$XECHO" server -b $BC:7 -i 60
wait_sockets "$B" 2

# moved NS NAME BEFORE N: the counter moved by at least N
moved() {
	local v
	v=$(counter "$1" "$2")
	[ "$v" != MISSING ] && [ $((v - $3)) -ge "$4" ]
}

# --- 1. replays ------------------------------------------------------------
bg "$A" "$XCAP" replay -i va -n 4 -d 300 -w $((20000 * TMUL))
rpid=$BGPID
rout=$BGOUT
sleep 0.5
check_out "A -> B: 20 protected datagrams echoed" \
	nsx "$A" timeout $((60 * TMUL)) "$XECHO" client -b $AA -c $BA:7 -n 20
bg_wait "$rpid" 30
check "four of A's sealed frames sent again" test $? = 0
show "$rout"
wait_until 5 moved "$B" InReplays "${rp0[$B]}" 4
check_delta "$B" InReplays "${rp0[$B]}" -eq 4

# --- 2. a flipped counter: the tag does not verify -------------------------
# byte 33 of the frame: the second byte of the counter (sec.h)
af=$(counter "$B" InAuthFailures)
bg "$A" "$XCAP" replay -i va -n 1 -f 33 -w $((20000 * TMUL))
rpid=$BGPID
rout=$BGOUT
sleep 0.5
check_out "A -> B: 5 more datagrams echoed" \
	nsx "$A" timeout $((60 * TMUL)) "$XECHO" client -b $AA -c $BA:7 -n 5
bg_wait "$rpid" 30
check "a sealed frame of A's sent again with a flipped bit" test $? = 0
show "$rout"
wait_until 5 moved "$B" InAuthFailures "$af" 1
check_delta "$B" InAuthFailures "$af" -eq 1

# --- 3. a wrong-key peer ----------------------------------------------------
nsx "$C" timeout $((30 * TMUL)) "$XECHO" client -b $CA -c $BC:7 -n 3 \
	-r 2 -w 1000 -q >"$TMPD/wrong" 2>&1
check "C (wrong key) -> B: nothing echoed" test $? != 0
log "wrong key: B InAuthFailures +$(($(counter "$B" InAuthFailures) - af))," \
    "InNoKey $(counter "$B" InNoKey)"

# --- 4. the trace -------------------------------------------------------------
sleep 1
echo 0 >$T/tracing_on
cp $T/trace "$TMPD/trace"
rp=0 af=0
for ns in "$A" "$B" "$C"; do
	rp=$((rp + $(counter "$ns" InReplays) - rp0[$ns]))
	af=$((af + $(counter "$ns" InAuthFailures) - af0[$ns]))
done
trp=$(grep -c 'xnet_security: event=replay ' "$TMPD/trace")
taf=$(grep -c 'xnet_security: event=auth_failure ' "$TMPD/trace")
grep -m 2 'xnet_security:' "$TMPD/trace" | show
grep -m 2 'xnet_drop: reason=In[AR]' "$TMPD/trace" | show
MACA=$(mac_of "$A" va)
check "one replay event per InReplays counted ($trp, $rp)" \
	test "$trp" = "$rp" -a "$rp" -ge 4
check "one auth_failure event per InAuthFailures counted ($taf, $af)" \
	test "$taf" = "$af" -a "$af" -ge 1
check "replay events name A ($MACA, $AA)" \
	test "$(grep -c "event=replay smac=$MACA addr=$AA " "$TMPD/trace")" -ge 4
check "an auth_failure event names A ($MACA, $AA)" \
	grep -q "event=auth_failure smac=$MACA addr=$AA " "$TMPD/trace"
check "xnet_drop names the reason InReplays ($rp)" \
	test "$(grep -c 'xnet_drop: reason=InReplays ' "$TMPD/trace")" = "$rp"
check "xnet_drop names the reason InAuthFailures ($af)" \
	test "$(grep -c 'xnet_drop: reason=InAuthFailures ' "$TMPD/trace")" = "$af"
for ev in xnet_security xnet_drop; do
	check_not "$ev format: every enum resolved" \
		grep -q 'XNET_' $T/events/xnet/$ev/format
done
grep 'XNET_' $T/events/xnet/xnet_security/format | show
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Protection that starts under a running connection (seal.c): the
# connection's MSS was set for plain frames; once keys are added on both
# sides its frames leave sealed, 32 bytes longer. A full-sized segment
# must still fit the device (else it is dropped by the device and the
# connection stalls until it times out).
#  1. net.xnet.secure=1 on both sides, no key: a paced exchange starts
#     plain (1.5 MiB each way at 250 kB/s);
#  2. keys are added on both sides mid-transfer;
#  3. both streams arrive intact, no connection reset, and a session
#     formed (SessionsEstablished moved).
source "$(dirname "$0")/lib.sh"

[ -x "$XBULK" ] || { echo "# FAIL: $XBULK not built"; exit 1; }
require_cmds od sysctl

A=xlate-a-$$
B=xlate-b-$$
AA=10.0.8.1
BA=10.0.8.2

ns_create "$A" "$B"
veth_link "$A" veth-a "$B" veth-b
xaddr "$A" veth-a $AA
xaddr "$B" veth-b $BA
for ns in "$A" "$B"; do
	check "$ns: net.xnet.secure=1" nsx "$ns" sysctl -qw net.xnet.secure=1
done
umask 077
od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$TMPD/key"

declare -A c0
for ns in "$A" "$B"; do
	for n in SessionsEstablished EstabResets; do
		c0[$ns.$n]=$(counter "$ns" $n)
	done
done

M=$((3 << 19))
rm -f "$TMPD/ready"
bg "$B" "$XBULK" server -b $BA:7801 -R "$TMPD/ready" -I -T $((40 * TMUL)) \
	-n $M -r 250000
spid=$BGPID
SOUT=$BGOUT
wait_file "$TMPD/ready" || fail "server not listening"
COUT=$TMPD/late.client
bg "$A" "$XBULK" client -c $BA:7801 -b $AA -I -T $((40 * TMUL)) -n $M \
	-r 250000
cpid=$BGPID
cout=$BGOUT
sleep 2
check_out "A: key for B, mid-transfer" \
	nsx "$A" xnetctl key add 1 "@$TMPD/key" peer $BA
check_out "B: key for A, mid-transfer" \
	nsx "$B" xnetctl key add 1 "@$TMPD/key" peer $AA
bg_wait "$cpid" $((45 * TMUL))
CRC=$?
cp "$cout" "$COUT"
bg_wait "$spid" 10
SRC=$?
bulk_check "stream 1.5 MiB each way, keys added mid-transfer"
for ns in "$A" "$B"; do
	check_delta "$ns" SessionsEstablished "${c0[$ns.SessionsEstablished]}" -ge 1
	check_delta "$ns" EstabResets "${c0[$ns.EstabResets]}" -eq 0
done
finish

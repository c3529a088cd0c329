#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Sealed frames (module/seal.c) between two netns over a veth pair, each
# with the same key (xnetctl key add) and net.xnet.secure=1:
#  0. control, secure=0: a stream transfer's capture (xnet_sealcap, an
#     AF_PACKET socket on the veth) holds plain data frames and 64-byte
#     markers of the client's stream, so the checks below can fail;
#  1. secure=1: 300 datagram echoes of 1..MTU bytes intact (content
#     checked); a 4 MiB stream each way and 1 MiB of seqpacket messages up
#     to 64 KiB each way, SHA-256 intact: large writes make large frames
#     (offload.c) that seal.c cuts into ordinary frames before sealing;
#  2. the capture of 1: xnet frames on the wire are sealed (type 7) or
#     handshakes (type 8) or neighbour frames, never plain data (types 1,
#     4, 5, 6); none contains the marker; none is longer than the MTU
#     (every large frame was cut);
#  3. no InAuthFailures, InReplays, InNoKey on either side; OutNoKey 0.
source "$(dirname "$0")/lib.sh"

XCAP=$HERE/xnet_sealcap
[ -x "$XBULK" ] || { echo "# FAIL: $XBULK not built"; exit 1; }
[ -x "$XCAP" ] || { echo "# FAIL: $XCAP not built"; exit 1; }

A=xsl-a-$$
B=xsl-b-$$
AA=10.0.13.1
BA=10.0.13.2
KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

ns_create "$A" "$B"
veth_link "$A" veth-a "$B" veth-b
xaddr "$A" veth-a $AA
xaddr "$B" veth-b $BA

# markers: 64 bytes of the client's stream every 32 KiB of its first
# 256 KiB (one of them, at least, lies inside one frame)
"$XBULK" gen -S 1 -n $((256 << 10)) >"$TMPD/stream" ||
	{ echo "# FAIL: xnet_bulk gen"; exit 1; }
for i in 0 1 2 3 4 5 6 7; do
	dd if="$TMPD/stream" bs=64 skip=$((i * 512 + 1)) count=1 2>/dev/null
done >"$TMPD/marker"
[ "$(stat -c %s "$TMPD/marker")" = 512 ] || { echo "# FAIL: markers"; exit 1; }

run_bulk() {
	local name=$1 port=$2 secs=$3
	shift 3
	bulk "$name" "$B" "$BA" "$A" "$AA" "$port" "$secs" "$@"
}

# capture_start NAME / capture_stop: xnet_sealcap on veth-b; CAP: output.
capture_start() {
	rm -f "$TMPD/cap-ready"
	bg "$B" "$XCAP" -i veth-b -m "$TMPD/marker" -T $((300 * TMUL)) \
		-R "$TMPD/cap-ready"
	CAPPID=$BGPID
	CAP=$BGOUT
	wait_file "$TMPD/cap-ready" || { fail "$1: capture not started"; finish; }
}

capture_stop() {
	kill -TERM "$CAPPID"
	bg_wait "$CAPPID" 10
	log "capture: $(tr '\n' ' ' <"$CAP")"
}

plain_frames() {
	echo $(($(kv "$CAP" type1) + $(kv "$CAP" type4) + $(kv "$CAP" type5) +
		$(kv "$CAP" type6)))
}

# 0. control: plain
capture_start plain
run_bulk plain 7400 30 -n $((256 << 10)) -- -n $((256 << 10))
bulk_check "plain stream 256 KiB each way"
capture_stop
check "control: plain data frames captured ($(plain_frames))" \
	test "$(plain_frames)" -gt 0
check "control: the marker is seen in plain frames ($(kv "$CAP" marker))" \
	test "$(kv "$CAP" marker)" -gt 0

# 1. protected
for ns in "$A" "$B"; do
	nsx "$ns" xnetctl key add 1 $KEY ||
		{ echo "# FAIL: key add in $ns"; finish; }
	nsx "$ns" sysctl -qw net.xnet.secure=1 ||
		{ echo "# FAIL: secure=1 in $ns"; finish; }
done
declare -A c0
for ns in "$A" "$B"; do
	for c in InAuthFailures InReplays InNoKey OutNoKey; do
		c0[$ns$c]=$(counter "$ns" $c)
	done
done

capture_start sealed
bg "$B" timeout $((120 * TMUL)) "$XECHO" server -b $BA:7401 -i $((60 * TMUL))
wait_sockets "$B" 1 || fail "echo server not listening"
# the path MTU leaves room for the seal (1500 - 32 - 24)
check_out "300 protected datagram echoes of 1..1444 bytes intact" \
	nsx "$A" timeout $((100 * TMUL)) "$XECHO" client -b $AA -c $BA:7401 \
		-n 300 -m 1444 -s 3 -q

MB4=$((4 << 20))
run_bulk stream 7402 60 -n $MB4 -- -n $MB4
bulk_check "protected stream 4 MiB each way"
run_bulk seqpacket 7403 60 -t seqpacket -m 65536 -n $((1 << 20)) -- \
	-t seqpacket -m 65536 -n $((1 << 20))
bulk_check "protected seqpacket 1 MiB each way, messages up to 64 KiB"
capture_stop

# 2. what the wire saw
check "sealed frames captured ($(kv "$CAP" type7))" \
	test "$(kv "$CAP" type7)" -gt $((2 * MB4 / 1500))
check "no plain data frame on the wire ($(plain_frames))" \
	test "$(plain_frames)" -eq 0
check "the marker is in no captured frame ($(kv "$CAP" marker))" \
	test "$(kv "$CAP" marker)" -eq 0
check "no frame above the MTU: large frames were cut ($(kv "$CAP" maxlen))" \
	test "$(kv "$CAP" maxlen)" -le 1500

# 3. nothing refused
for ns in "$A" "$B"; do
	for c in InAuthFailures InReplays InNoKey OutNoKey; do
		check_delta "$ns" $c "${c0[$ns$c]}" -eq 0
	done
done

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Receive offload (GRO, module/offload.c) over a veth pair, A -> B:
# A sends one frame per segment (gso_max_segs 1: xnet's GSO callback cuts
# its large frames, each segment with its own header and CRC, as a NIC
# gets them) and B's veth merges them with GRO. A veth only hands frames
# to its peer's NAPI (where GRO runs) when the sending end has TSO off,
# hence `ethtool -K veth-a tso off`.
#  1. GRO on: 4 MiB one way intact (SHA-256 of the byte stream on both
#     ends); B's InGroMerged moved by a plausible amount (at least an
#     eighth of the segments, fewer than all), and rx.c saw the merged
#     frames as large frames: InSegs - InGroMerged (the frames that
#     carried the segments) <= InPackets, within a few neighbour frames;
#     A (GRO off) merged nothing;
#  2. GRO off on B: 4 MiB intact, InGroMerged did not move;
#  3. GRO on, netem corrupting 10% of A's frames: 2 MiB intact, B counted
#     bad CRCs (InCsumErrors moved) while it merged others: a corrupted
#     segment merged would have reached the reader (a merged frame is
#     trusted as checked), so the data would differ. netem corrupts the
#     first segment of a large frame it picks, some 40 large frames
#     carry the 2 MiB, and once in a few runs none was picked: the
#     transfer is repeated (3 times at most) until one was. (More
#     corruption makes lost retransmissions, and without RACK each costs
#     a timeout.) That segment is the one GRO holds first: the held
#     frame's own CRC check keeps it apart; xnet_gro tests the other
#     cases exactly.
source "$(dirname "$0")/lib.sh"

XBULK=$HERE/xnet_bulk
[ -x "$XBULK" ] || { echo "# FAIL: $XBULK not built"; exit 1; }
require_cmds tc ethtool

A=xg-a-$$
B=xg-b-$$
AA=10.0.7.1
BA=10.0.7.2

ns_create "$A" "$B"
veth_link "$A" veth-a "$B" veth-b
xaddr "$A" veth-a $AA
xaddr "$B" veth-b $BA
ip -n "$A" link set veth-a gso_max_segs 1
nsx "$A" ethtool -K veth-a tso off >/dev/null ||
	{ fail "ethtool -K veth-a tso off"; finish; }

kv() {
	sed -n "s/^$2=//p" "$1" | tail -1
}

# gro NS DEV on|off: set and check the device's GRO feature.
gro() {
	nsx "$1" ethtool -K "$2" gro "$3" >/dev/null &&
		nsx "$1" ethtool -k "$2" |
		grep -q "^generic-receive-offload: $3"
}

# one_way NAME PORT BYTES: A sends BYTES to B, B sends nothing; checks
# both ends and the SHA-256 of the stream.
one_way() {
	local name=$1 port=$2 n=$3 spid sout cout crc src
	rm -f "$TMPD/ready"
	bg "$B" "$XBULK" server -b $BA:"$port" -R "$TMPD/ready" -T 60 \
		-n 0 -N "$n"
	spid=$BGPID
	sout=$BGOUT
	cout=$TMPD/$name.client
	if ! wait_file "$TMPD/ready"; then
		fail "$name: server not listening"
		show "$sout"
		return 1
	fi
	nsx "$A" "$XBULK" client -c $BA:"$port" -b $AA -T 60 -n "$n" -N 0 \
		>"$cout" 2>&1
	crc=$?
	bg_wait "$spid" 65
	src=$?
	if [ $crc = 0 ] && [ $src = 0 ] &&
	   [ "$(kv "$sout" recv_verify)" = ok ] &&
	   [ "$(kv "$sout" recv_bytes)" = "$n" ] &&
	   [ -n "$(kv "$cout" sent_sha256)" ] &&
	   [ "$(kv "$cout" sent_sha256)" = "$(kv "$sout" recv_sha256)" ]; then
		pass "$name: $n bytes A->B intact, sha256 match ($(kv "$cout" secs) s, $(kv "$cout" rate_mbs) MB/s)"
		return 0
	fi
	fail "$name: transfer (client exit $crc, server exit $src)"
	log "client:"
	show "$cout"
	log "server:"
	show "$sout"
	return 1
}

# 1. GRO on
check "B: GRO on" gro "$B" veth-b on
a_m0=$(counter "$A" InGroMerged)
b_m0=$(counter "$B" InGroMerged)
b_sg0=$(counter "$B" InSegs)
b_pk0=$(counter "$B" InPackets)
M1=$((4 << 20))
one_way gro-on 7400 $M1
b_m1=$(counter "$B" InGroMerged)
b_sg1=$(counter "$B" InSegs)
b_pk1=$(counter "$B" InPackets)
segs=$((b_sg1 - b_sg0))
merged=$((b_m1 - b_m0))
frames=$((b_pk1 - b_pk0))
log "B: $segs segments in $frames frames, $merged merged by GRO"
check_delta "$B" InSegs "$b_sg0" -ge $((M1 / 1480))
check_delta "$B" InGroMerged "$b_m0" -ge $((segs / 8))
check "B: merged $merged < segments $segs" test "$merged" -lt "$segs"
# each frame rx.c took carried 1 + (segments merged into it) segments
check "B: frames carrying segments ($((segs - merged))) <= InPackets +$frames" \
	test $((segs - merged)) -le "$frames"
check "B: InPackets +$frames <= those frames + 8 (neighbour frames)" \
	test "$frames" -le $((segs - merged + 8))
check_delta "$A" InGroMerged "$a_m0" -eq 0

# 2. GRO off: nothing merged
check "B: GRO off" gro "$B" veth-b off
b_m2=$(counter "$B" InGroMerged)
one_way gro-off 7401 $M1
check_delta "$B" InGroMerged "$b_m2" -eq 0

# (netem below may corrupt a length field: InMalformed then moves)
check_counter "$B" InMalformed -eq 0
check_counter "$B" InCsumErrors -eq 0

# 3. corrupted frames: counted by rx.c, never merged
check "B: GRO on again" gro "$B" veth-b on
modprobe sch_netem 2>/dev/null
if nsx "$A" tc qdisc add dev veth-a root netem corrupt 10%; then
	b_m3=$(counter "$B" InGroMerged)
	b_cs3=$(counter "$B" InCsumErrors)
	for try in 1 2 3; do
		one_way corrupt-$try $((7401 + try)) $((2 << 20))
		[ "$(counter "$B" InCsumErrors)" != "$b_cs3" ] && break
	done
	check_delta "$B" InCsumErrors "$b_cs3" -ge 1
	check_delta "$B" InGroMerged "$b_m3" -ge 1
	nsx "$A" tc qdisc del dev veth-a root
else
	fail "tc netem on veth-a"
fi
check_counter "$A" InCsumErrors -eq 0

finish

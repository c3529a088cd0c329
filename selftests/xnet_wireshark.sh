#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A capture of every kind of xnet frame for the Wireshark dissector
# (tools/wireshark/xnet.lua), checked on the host by tshark
# (selftests/host/xnet_wireshark.py, run by scripts/vm.sh check after the
# VM). A (veth-a) and B (veth-b) are joined through a bridge in a third
# netns M, so that netem in M (on the port towards B) loses A's frames
# after A's capture saw them: their retransmissions are in the capture
# too. xnet_pcap records veth-a (both directions) into a pcap while:
#  1. datagram echoes A -> B: neighbour query (broadcast) and answer,
#     datagrams both ways;
#  2. a datagram to a port of B with no socket: B's error report
#     (unreachable, code 2, quoting it);
#  3. a stream connection's whole life, 256 KiB A -> B and 16 KiB back
#     under 3% loss A -> B: handshake (MSS option), data, SACK blocks,
#     retransmissions, FIN both ways;
#  4. a seqpacket exchange (EOR) without loss;
#  5. a connection to a closed port: SYN, RST;
#  6. a key for each other and net.xnet.secure=1: handshake frames
#     (type 8) and sealed datagrams (type 7).
# One frame is corrupted on its way to the file (xnet_pcap -C: the last
# payload byte of the first datagram), so the host checks the CRC
# verdicts. The checks here: every exchange did what it should and the
# capture lost nothing. The pcap and a file of the expected values
# (xnet_wireshark.meta) go to $XNET_EXPORT_DIR, which the test runner
# hands to the host (scripts/guest-run.sh, scripts/vm.sh); without it
# (a run outside the test VM) they are only kept in /tmp/xnet_wireshark.*.
source "$(dirname "$0")/lib.sh"

XPCAP=$HERE/xnet_pcap
[ -x "$XPCAP" ] || { echo "# FAIL: $XPCAP not built"; exit 1; }
[ -x "$XBULK" ] || { echo "# FAIL: $XBULK not built"; exit 1; }
require_cmds tc ethtool od xnet-ping

A=xws-a-$$
B=xws-b-$$
M=xws-m-$$
AA=10.0.9.1
BA=10.0.9.2
EPORT=7001	# datagram echo
NPORT=7009	# no socket: error report
SPORT=7100	# stream
QPORT=7200	# seqpacket
CPORT=7300	# closed: RST
S_UP=262144
S_DOWN=16384
Q_BYTES=20000

ns_create "$A" "$B" "$M"
veth_link "$A" veth-a "$M" m-a
veth_link "$B" veth-b "$M" m-b
ip -n "$M" link add br0 type bridge &&
	ip -n "$M" link set m-a master br0 &&
	ip -n "$M" link set m-b master br0 &&
	ip -n "$M" link set br0 up || { fail "bridge in $M"; finish; }
# wire-sized frames, each with its CRC, as a NIC sends them (offload.c:
# a veth that takes fraglist GSO passes large frames whole, even of one
# segment, without a CRC); no GRO on the capturing end
for x in "$A veth-a" "$B veth-b"; do
	set -- $x
	nsx "$1" ethtool -K "$2" tx-gso-list off gro off >/dev/null ||
		{ fail "ethtool -K $2 tx-gso-list off gro off"; finish; }
	check "$2: tx-gso-list off" eval \
		"nsx $1 ethtool -k $2 | grep -q '^tx-gso-list: off'"
done
xaddr "$A" veth-a $AA
xaddr "$B" veth-b $BA

OUT=${XNET_EXPORT_DIR:-/tmp}
PCAP=$TMPD/xnet_wireshark.pcap
bg "$A" "$XPCAP" -i veth-a -o "$PCAP" -R "$TMPD/cap.ready" \
	-S "$TMPD/cap.stop" -t $((120 * TMUL)) -C
CAP=$BGPID
CAPOUT=$BGOUT
wait_file "$TMPD/cap.ready" || { fail "xnet_pcap not capturing"; finish; }

# 1. datagrams (and the neighbour resolution before the first)
bg "$B" timeout $((150 * TMUL)) "$XECHO" server -b $BA:$EPORT -i $((120 * TMUL))
SRV=$BGPID
wait_sockets "$B" 1 || finish
check_out "5 datagram echoes A -> B" \
	nsx "$A" "$XECHO" client -b $AA -c $BA:$EPORT -n 5 -m 200
check "A resolved B" neigh_has "$A" $BA REACHABLE

# 2. no socket on NPORT: B reports it
e0=$(counter "$B" OutErrors)
check_not "a datagram to a port without a socket is not answered" \
	nsx "$A" xnet-ping -q -c 1 -W 1 -p $NPORT -b $AA $BA
check_delta "$B" OutErrors "$e0" -ge 1

# 3. a stream connection under loss (A -> B only)
check "netem loss on M's port to B" \
	nsx "$M" tc qdisc add dev m-b root netem loss 3%
r0=$(counter "$A" RetransSegs)
bulk stream "$B" $BA "$A" $AA $SPORT 60 -n $S_DOWN -N $S_UP -- \
	-n $S_UP -N $S_DOWN
bulk_check "stream $S_UP bytes A -> B, $S_DOWN back, under 3% loss"
UP_SHA=$(kv "$COUT" sent_sha256)
DOWN_SHA=$(kv "$SOUT" sent_sha256)
UP_RETRANS=$(kv "$COUT" info_total_retrans)
check_delta "$A" RetransSegs "$r0" -ge 1
nsx "$M" tc qdisc del dev m-b root

# 4. seqpacket
bulk seqpacket "$B" $BA "$A" $AA $QPORT 60 -t seqpacket -m 3000 \
	-n $Q_BYTES -N $Q_BYTES -- -t seqpacket -m 3000 -n $Q_BYTES \
	-N $Q_BYTES
bulk_check "seqpacket $Q_BYTES bytes each way"

# 5. a closed port: RST
o0=$(counter "$B" OutRsts)
check_not "connect to a closed port fails" \
	nsx "$A" "$XBULK" client -c $BA:$CPORT -b $AA -T 10 -n 1 -N 0
check_delta "$B" OutRsts "$o0" -ge 1

# 6. secure channel: handshake, sealed datagrams
umask 077
od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$TMPD/key"
check_out "A: key for B" nsx "$A" xnetctl key add 1 "@$TMPD/key" peer $BA
check_out "B: key for A" nsx "$B" xnetctl key add 1 "@$TMPD/key" peer $AA
for ns in "$A" "$B"; do
	check "$ns: net.xnet.secure=1" nsx "$ns" sysctl -qw net.xnet.secure=1
done
check_out "3 sealed datagram echoes A -> B" \
	nsx "$A" "$XECHO" client -b $AA -c $BA:$EPORT -n 3 -m 100 -q
check_counter "$A" SessionsEstablished -ge 1
bg_wait "$SRV" 10

touch "$TMPD/cap.stop"
bg_wait "$CAP" 30
crc=$?
show "$CAPOUT"
check "xnet_pcap wrote the capture (exit $crc)" test $crc = 0
nf=$(kv "$CAPOUT" pcap_frames)
check "capture has frames ($nf)" test "${nf:-0}" -gt 100
check "capture lost no frame" test "$(kv "$CAPOUT" pcap_drops)" = 0
corrupt=$(kv "$CAPOUT" pcap_corrupt)
check "one datagram corrupted in the file (frame $corrupt)" \
	test "${corrupt:-0}" -gt 0

if [ $RET = 0 ]; then
	mkdir -p "$OUT"
	cp "$PCAP" "$OUT/xnet_wireshark.pcap"
	cat >"$OUT/xnet_wireshark.meta" <<-EOF
	frames=$nf
	corrupt=$corrupt
	aa=$AA
	ba=$BA
	amac=$(mac_of "$A" veth-a)
	bmac=$(mac_of "$B" veth-b)
	eport=$EPORT
	nport=$NPORT
	sport=$SPORT
	qport=$QPORT
	cport=$CPORT
	s_up=$S_UP
	s_down=$S_DOWN
	s_up_sha256=$UP_SHA
	s_down_sha256=$DOWN_SHA
	s_up_retrans=$UP_RETRANS
	q_bytes=$Q_BYTES
	EOF
	log "capture and expected values in $OUT/xnet_wireshark.{pcap,meta}"
fi
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Datagram echo between two netns over a veth pair:
#  - 2000 round trips of sizes 1..1476 with checked content,
#  - three concurrent clients on distinct ports,
#  - 200 round trips through netem loss/duplication/reordering,
#  - a flood at a receiver that never reads (SO_RCVBUF minimum),
# then counters, the neighbour entries on both sides, and that every
# socket is gone afterwards.
source "$(dirname "$0")/lib.sh"
require_cmd tc

S=xe-srv-$$
C=xe-cli-$$
SA=10.0.1.1
CA=10.0.1.2
PORT=7777

ns_create "$S" "$C"
veth_link "$S" vs "$C" vc
xaddr "$S" vs $SA
xaddr "$C" vc $CA
# the entry checked below must not age (30 s) however slow the kernel is
nsx "$C" sysctl -qw net.xnet.neigh_reachable_ms=600000

bg "$S" timeout 110 "$XECHO" server -b $SA:$PORT -i 90
SRV=$BGPID
SRV_OUT=$BGOUT
wait_sockets "$S" 1 || finish

s_in0=$(counter "$S" InDatagrams)
c_out0=$(counter "$C" OutDatagrams)

# 1. 2000 sequential round trips, every size 1..1476 at least once
check_out "2000 echoes of 1..1476 bytes intact" \
	nsx "$C" timeout 100 "$XECHO" client -b $CA -c $SA:$PORT -n 2000 -s 1

check_delta "$S" InDatagrams "$s_in0" -ge 2000
check_delta "$C" OutDatagrams "$c_out0" -ge 2000
check_counter "$S" OutDatagrams -ge 2000
check_counter "$C" InDatagrams -ge 2000
for ns in "$S" "$C"; do
	check_counter "$ns" InCsumErrors -eq 0
	check_counter "$ns" InMalformed -eq 0
	check_counter "$ns" InNoSocket -eq 0
done
# C resolved S; S learnt C from C's query and needed no query of its own
check_counter "$C" NeighQueriesOut -ge 1
check_counter "$C" NeighAnswersIn -ge 1
check_counter "$S" NeighQueriesIn -ge 1
check_counter "$S" NeighAnswersOut -ge 1

smac=$(mac_of "$S" vs)
cmac=$(mac_of "$C" vc)
check "client lists $SA REACHABLE at $smac on vc" \
	neigh_has "$C" $SA "dev vc" "$smac" REACHABLE
check "server lists $CA at $cmac on vs" neigh_has "$S" $CA "dev vs" "$cmac"
check "/proc/net/xnet/neigh of the client has $SA" \
	nsx "$C" grep -q "^$SA " /proc/net/xnet/neigh
nsx "$C" xnetctl neigh show | show

# 2. concurrent clients, distinct ports and payload seeds
pids=()
for i in 1 2 3; do
	nsx "$C" timeout 60 "$XECHO" client -b $CA:$((9000 + i)) \
		-c $SA:$PORT -n 200 -s $((10 + i)) -m 1476 \
		>"$TMPD/cc.$i" 2>&1 &
	pids+=($!)
done
for i in 1 2 3; do
	if wait "${pids[$((i - 1))]}"; then
		pass "concurrent client $i: 200 echoes intact"
	else
		fail "concurrent client $i"
	fi
	show "$TMPD/cc.$i"
done

# 3. a lossy, duplicating, reordering link: retransmits recover everything
modprobe sch_netem 2>/dev/null
if nsx "$C" tc qdisc add dev vc root netem loss 10% duplicate 5% \
	delay 1ms reorder 20%; then
	check_out "200 echoes intact through netem loss/dup/reorder" \
		nsx "$C" timeout 60 "$XECHO" client -b $CA -c $SA:$PORT \
		-n 200 -s 99 -w 300 -r 10
	nsx "$C" tc qdisc del dev vc root
else
	fail "tc netem on vc"
fi

# 4. a receiver that never reads, with the smallest buffer, over the wire:
#    its queue stays bounded and the drops are counted
bg "$S" timeout 40 "$XECHO" hold -b $SA:7788 -k 1 -t 30 -R "$TMPD/sink"
SINK=$BGPID
wait_file "$TMPD/sink" || fail "sink socket"
s_be0=$(counter "$S" InBufferErrors)
check_out "flood a non-reading receiver" \
	nsx "$C" timeout 30 "$XECHO" flood -b $CA -c $SA:7788 -d 2 -m 1000 -e
check_delta "$S" InBufferErrors "$s_be0" -ge 100
line=$(nsx "$S" grep "$SA:7788" /proc/net/xnet/sockets)
log "sink: $line"
q=$(awk '{print $5}' <<<"$line")	# tx_queue:rx_queue, hex
rq=$((16#${q#*:}))
check "sink's rx queue bounded (${rq:-?} bytes)" \
	test "${rq:-999999999}" -le 65536
check "sink's drops counted in /proc (${line##* })" test "${line##* }" -ge 100
kill "$SINK" 2>/dev/null
bg_wait "$SINK" 10 >/dev/null

# stop the server with its quit message, and check its tally
nsx "$C" timeout 10 "$XECHO" client -b $CA -c $SA:$PORT -n 0 -q >/dev/null
bg_wait "$SRV" 10
check "server exited cleanly" test $? = 0
show "$SRV_OUT"
served=$(sed -n 's/.*served \([0-9]*\).*/\1/p' "$SRV_OUT" | tail -1)
check "server echoed >= 2800 datagrams (got ${served:-none})" \
	test "${served:-0}" -ge 2800

check "no sockets left in $S" test "$(proc_entries "$S" sockets)" = 0
check "no sockets left in $C" test "$(proc_entries "$C" sockets)" = 0
finish

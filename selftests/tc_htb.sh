#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tc classifies xnet frames like IP packets: on the sender's veth an htb
# qdisc whose default class is fast (10 Gbit/s) and whose class 1:10 is
# held to 20 Mbit/s; a filter for protocol 0x88b5 (matchall) puts xnet's
# frames in 1:10 (its queue a 256 kB bfifo, about 100 ms: the default
# of 1000 packets would hold 1000 large frames, tens of seconds), so
#  1. an xnet stream (xnet-bench, 3 s) gets at most about 20 Mbit/s
#     (+10% margin) and at least half of it;
#  2. TCP over the same veth (the default class) is not capped: well
#     above 20 Mbit/s (over twice it);
#  3. `tc -s class show` counts the xnet bytes in 1:10 (at least what the
#     stream carried), and 1:10 carried nothing before the xnet stream.
source "$(dirname "$0")/lib.sh"

require_cmds tc xnet-bench

A=xh-a-$$
B=xh-b-$$
AA=10.0.10.1
BA=10.0.10.2
IA=192.168.210.1
IB=192.168.210.2
SECS=3

ns_create "$A" "$B"
veth_link "$A" xh-a "$B" xh-b
xaddr "$A" xh-a $AA
xaddr "$B" xh-b $BA
ip -n "$A" addr add $IA/24 dev xh-a
ip -n "$B" addr add $IB/24 dev xh-b

check "htb on the sender's veth" \
	ip netns exec "$A" bash -c "
	tc qdisc add dev xh-a root handle 1: htb default 20 &&
	tc class add dev xh-a parent 1: classid 1:1 htb rate 10gbit burst 1m cburst 1m &&
	tc class add dev xh-a parent 1:1 classid 1:10 htb rate 20mbit ceil 20mbit burst 100k cburst 100k &&
	tc class add dev xh-a parent 1:1 classid 1:20 htb rate 10gbit burst 1m cburst 1m &&
	tc qdisc add dev xh-a parent 1:10 handle 10: bfifo limit 256000 &&
	tc filter add dev xh-a parent 1: protocol 0x88b5 matchall classid 1:10"

# class_bytes CLASS: bytes sent by an htb class of xh-a.
class_bytes() {
	nsx "$A" tc -s class show dev xh-a classid "$1" |
		awk '/Sent/ {print $2; exit}'
}

# rate FAMILY ADDR: Mbit/s (integer) of a 3 s stream from A to B's server.
rate() {
	local out
	out=$(nsx "$A" timeout $((SECS * TMUL + 20)) xnet-bench -f "$1" \
		-t stream -d $SECS "$2" 2>&1)
	echo "$out" | sed 's/^/#   /' >&2
	echo "$out" | sed -n 's/.* \([0-9][0-9]*\)\(\.[0-9]*\)\{0,1\} Mbit\/s.*/\1/p' |
		tail -1
}

bg "$B" xnet-bench -l -f xnet -a $BA
bg "$B" xnet-bench -l -f tcp -a $IB
check "xnet server listening" wait_sockets "$B" 1
sleep 0.5	# the TCP server binds at about the same time

c10_0=$(class_bytes 1:10)
tcp=$(rate tcp $IB)
c10_1=$(class_bytes 1:10)
log "TCP through the default class: ${tcp:-?} Mbit/s"
check "TCP not in the xnet class (1:10 +$((c10_1 - c10_0)) bytes)" \
	test "$((c10_1 - c10_0))" -lt 100000
check "TCP not capped: ${tcp:-?} Mbit/s > 40" test "${tcp:-0}" -gt 40

xn=$(rate xnet $BA)
c10_2=$(class_bytes 1:10)
log "xnet through class 1:10 (20 Mbit/s): ${xn:-?} Mbit/s"
check "xnet capped: ${xn:-?} Mbit/s <= 22" test -n "$xn" -a "${xn:-99}" -le 22
check "xnet still flows: ${xn:-?} Mbit/s >= 10" test "${xn:-0}" -ge 10
check "xnet's bytes in class 1:10 (+$((c10_2 - c10_1)))" \
	test "$((c10_2 - c10_1))" -ge $((xn * 1000000 / 8 * SECS / 2))
nsx "$A" tc -s class show dev xh-a | sed 's/^/#   /'

finish

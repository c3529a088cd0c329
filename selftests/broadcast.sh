#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Broadcast datagrams: three nodes (netns) on a bridge held by a fourth.
#  - with SO_BROADCAST, datagrams to 255.255.255.255:5555 reach the
#    sockets bound to port 5555 on both other nodes, intact, once each,
#    and nothing reaches a socket bound to another port;
#  - without SO_BROADCAST the send fails with EACCES and nothing arrives;
#  - broadcast needs no neighbour resolution;
#  - unicast between two bridge ports still works.
source "$(dirname "$0")/lib.sh"

B=xb-br-$$
N1=xb-n1-$$
N2=xb-n2-$$
N3=xb-n3-$$
NBC=5

ns_create "$B" "$N1" "$N2" "$N3"
ip -n "$B" link add br0 type bridge stp_state 0 forward_delay 0 ||
	{ fail "bridge"; finish; }
ip -n "$B" link set br0 up
i=0
for n in "$N1" "$N2" "$N3"; do
	i=$((i + 1))
	veth_link "$n" e$i "$B" p$i
	ip -n "$B" link set p$i master br0 || fail "p$i into br0"
	xaddr "$n" e$i 10.0.2.$i
done

n1_q0=$(counter "$N1" NeighQueriesOut)
n1_out0=$(counter "$N1" OutDatagrams)
n2_in0=$(counter "$N2" InDatagrams)
n3_in0=$(counter "$N3" InDatagrams)

# receivers: ANY:5555 on N2 and N3; N2 also has a socket on 5556
bg "$N2" timeout 40 "$XECHO" recv -b 0.0.0.0:5555 -n $NBC -w 20000
R2=$BGPID
R2_OUT=$BGOUT
bg "$N3" timeout 40 "$XECHO" recv -b 0.0.0.0:5555 -n $NBC -w 20000
R3=$BGPID
R3_OUT=$BGOUT
bg "$N2" timeout 40 "$XECHO" recv -b 0.0.0.0:5556 -n 0 -w 8000
R4=$BGPID
R4_OUT=$BGOUT
wait_sockets "$N2" 2 && wait_sockets "$N3" 1 || finish

# without SO_BROADCAST: EACCES, nothing sent
check_out "broadcast without SO_BROADCAST fails with EACCES" \
	nsx "$N1" timeout 10 "$XECHO" bcast -b 10.0.2.1 -p 5555 -n 1 -N \
	-x EACCES

check_out "$NBC broadcasts sent with SO_BROADCAST" \
	nsx "$N1" timeout 20 "$XECHO" bcast -b 10.0.2.1 -p 5555 -n $NBC -g 100

bg_wait "$R2" 30
check "N2 got each of the $NBC broadcasts once, intact" test $? = 0
show "$R2_OUT"
bg_wait "$R3" 30
check "N3 got each of the $NBC broadcasts once, intact" test $? = 0
show "$R3_OUT"
bg_wait "$R4" 30
check "N2's socket on port 5556 got nothing" test $? = 0
show "$R4_OUT"

check_delta "$N2" InDatagrams "$n2_in0" -eq $NBC
check_delta "$N3" InDatagrams "$n3_in0" -eq $NBC
check_delta "$N1" OutDatagrams "$n1_out0" -eq $NBC
check_delta "$N1" NeighQueriesOut "$n1_q0" -eq 0
check "broadcast created no neighbour entry in N1" \
	test "$(proc_entries "$N1" neigh)" = 0

# the broadcast source address is the sender's own
check "N2 saw the broadcasts from 10.0.2.1" grep -q "from 10.0.2.1:" "$R2_OUT"

# unicast across the bridge, N1 -> N3 and back
bg "$N3" timeout 30 "$XECHO" server -b 10.0.2.3:7 -i 20
SRV=$BGPID
wait_sockets "$N3" 1 || finish
check_out "unicast echo N1 -> N3 across the bridge" \
	nsx "$N1" timeout 20 "$XECHO" client -b 10.0.2.1 -c 10.0.2.3:7 \
	-n 50 -q
bg_wait "$SRV" 10 >/dev/null
check "N1 lists 10.0.2.3 REACHABLE" neigh_has "$N1" 10.0.2.3 REACHABLE \
	"$(mac_of "$N3" e3)"
check "N2 did not learn 10.0.2.1 from a query it was not asked" \
	test "$(proc_entries "$N2" neigh)" = 0

finish

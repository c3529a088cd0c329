#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Device events under traffic, between netns S (server, vs 10.0.4.1) and
# C (client, vc 10.0.4.2):
#  - MTU 1280: payload 1257 -> EMSGSIZE, 1256 echoed intact; back to 1500;
#  - link down/up on either side while flooding: senders see errnos, never
#    a crash; the address stays; traffic recovers;
#  - MTU change while flooding;
#  - addresses deleted and re-added on both sides while flooding;
#  - `ip link del` of the veth while flooding and while the server is
#    bound: no hang, the address and neighbours of the device are gone,
#    binding the address fails, a new device with the same address works.
source "$(dirname "$0")/lib.sh"

S=xd-srv-$$
C=xd-cli-$$
SA=10.0.4.1
CA=10.0.4.2

ns_create "$S" "$C"
veth_link "$S" vs "$C" vc
xaddr "$S" vs $SA
xaddr "$C" vc $CA

bg "$S" timeout 110 "$XECHO" server -b $SA:7 -i 100
SRV=$BGPID
wait_sockets "$S" 1 || finish

# neigh_on_dev NS: neighbour entries bound to a device (column 2 not "-").
neigh_on_dev() {
	nsx "$1" bash -c "tail -n +2 /proc/net/xnet/neigh | awk '\$2 != \"-\"' | grep -c ."
}

# wait_no_neigh NS: until NS's neighbour table is empty (15 s at most).
wait_no_neigh() {
	local i
	for i in $(seq 150); do
		[ "$(proc_entries "$1" neigh)" = 0 ] && return 0
		sleep 0.1
	done
	nsx "$1" cat /proc/net/xnet/neigh | sed 's/^/#   /'
	return 1
}

# (each try waits 0.5 s x XNET_TIMEOUT_MUL: on the debug kernel beside
# other VMs, 9 tries of 0.5 s once ran out on a new link still resolving)
echo_ok() {	# echo_ok SIZE: one datagram echoed intact (retries)
	nsx "$C" timeout $((20 * TMUL)) "$XECHO" send -b $CA -c $SA:7 \
		-m "$1" -E -r 8 -w $((500 * TMUL))
}

check_out "1476-byte echo at MTU 1500" echo_ok 1476

# --- MTU -------------------------------------------------------------------
ip -n "$C" link set vc mtu 1280 && ip -n "$S" link set vs mtu 1280 ||
	fail "set mtu 1280"
check_out "MTU 1280: 1257 bytes -> EMSGSIZE" \
	nsx "$C" "$XECHO" send -b $CA -c $SA:7 -m 1257 -x EMSGSIZE
check_out "MTU 1280: 1476 bytes -> EMSGSIZE" \
	nsx "$C" "$XECHO" send -b $CA -c $SA:7 -m 1476 -x EMSGSIZE
check_out "MTU 1280: 1256 bytes echoed intact" echo_ok 1256
ip -n "$C" link set vc mtu 1500 && ip -n "$S" link set vs mtu 1500 ||
	fail "set mtu 1500"
check_out "MTU back to 1500: 1476 bytes echoed intact" echo_ok 1476

# --- down/up while flooding ---------------------------------------------
bg "$C" timeout 40 "$XECHO" flood -b $CA -c $SA:7 -d 7 -m 1000 -e
FLOOD=$BGPID
FLOOD_OUT=$BGOUT
sleep 1
ip -n "$C" link set vc down
sleep 1
check "address kept while vc is down" addr_has "$C" $CA
check_out "send with the only device down fails with a clean errno" \
	nsx "$C" "$XECHO" send -b $CA -c $SA:7 -m 10 \
	-x ENETDOWN,ENETUNREACH,EHOSTUNREACH
ip -n "$C" link set vc up
sleep 1
ip -n "$S" link set vs down
sleep 1
ip -n "$S" link set vs up
sleep 0.5
ip -n "$C" link set vc mtu 1280	# 1000-byte datagrams still fit
sleep 0.5
ip -n "$C" link set vc mtu 900	# now they do not: EMSGSIZE
sleep 0.5
ip -n "$C" link set vc mtu 1500
bg_wait "$FLOOD" 30
check "flood through down/up/mtu changes: only expected errnos" \
	test $? = 0
show "$FLOOD_OUT"
check "address still on vc after down/up" addr_has "$C" $CA
check "address still on vs after down/up" addr_has "$S" $SA
check_out "traffic recovers after down/up" echo_ok 700

# --- addresses deleted and re-added while flooding -------------------------
bg "$C" timeout 40 "$XECHO" flood -b $CA -c $SA:7 -d 4 -m 300 -e
FLOOD=$BGPID
FLOOD_OUT=$BGOUT
sleep 1
check "S: addr del of the flooded address" nsx "$S" xnetctl addr del $SA dev vs
sleep 0.5
check "S: re-add it" nsx "$S" xnetctl addr add $SA dev vs
sleep 0.5
check "C: addr del of the flooding socket's own address" \
	nsx "$C" xnetctl addr del $CA dev vc
sleep 0.5
check "C: re-add it" nsx "$C" xnetctl addr add $CA dev vc
bg_wait "$FLOOD" 30
check "flood through address churn: only expected errnos" test $? = 0
show "$FLOOD_OUT"
check_out "traffic recovers after address churn" echo_ok 800

# --- delete the device while flooding -----------------------------------
bg "$C" timeout 40 "$XECHO" flood -b $CA -c $SA:7 -d 3 -m 500
FLOOD=$BGPID
FLOOD_OUT=$BGOUT
sleep 1.5
check "ip link del vc under traffic returns" \
	timeout 30 ip -n "$C" link del vc
bg_wait "$FLOOD" 30
check "flood through link deletion: only expected errnos" test $? = 0
show "$FLOOD_OUT"

check_not "C: address gone with vc" addr_has "$C" $CA
check_not "S: address gone with vs (peer end)" addr_has "$S" $SA
check "C: xnetctl addr show is empty" test -z "$(nsx "$C" xnetctl addr show)"
# Nothing may refer to the deleted devices. A reply sent while they went
# away may still have started a resolution (an entry on no device); it
# must fail and be collected in its own time (retries x 1 s, then as long
# FAILED), not stay.
check "C: no neighbour on a device left" test "$(neigh_on_dev "$C")" = 0
check "S: no neighbour on a device left" test "$(neigh_on_dev "$S")" = 0
check "C: no neighbours left (15 s)" wait_no_neigh "$C"
check "S: no neighbours left (15 s)" wait_no_neigh "$S"
check_out "C: binding the deleted address -> EADDRNOTAVAIL" \
	nsx "$C" "$XECHO" bind -b $CA:0 -x EADDRNOTAVAIL
check_out "C: sending from an unbound socket -> an errno, no crash" bash -c \
	"ip netns exec $C $XECHO send -c $SA:7 -m 10; test \$? -le 1"

# the old server socket is still bound to the vanished address: it must
# keep working as a socket (closable), and a new link must work again
veth_link "$S" vs2 "$C" vc2
xaddr "$S" vs2 $SA
xaddr "$C" vc2 $CA
check_out "same addresses on a new veth pair: echo works" echo_ok 1476

kill "$SRV" 2>/dev/null
bg_wait "$SRV" 10 >/dev/null
check "no sockets left in S" test "$(proc_entries "$S" sockets)" = 0
check "no sockets left in C" test "$(proc_entries "$C" sockets)" = 0
finish

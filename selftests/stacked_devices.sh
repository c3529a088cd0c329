#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xnet on the devices a real host stacks on its NICs, between netns joined
# by veth pairs (IPv6 off, so that the devices' packet counters count
# nothing but xnet):
#  a. VLANs 100 and 200 on one link, an xnet address on each VLAN on both
#     sides, and one on the peer's untagged link: datagram echo and a
#     2 MiB stream each way on VLAN 100; the VLANs stay separate: from a
#     socket bound to the VLAN 100 device, queries for the peer's VLAN 200
#     and untagged addresses (first query and retries) are seen by nobody
#     but the peer's VLAN 100 device, which does not answer them, and
#     resolution fails; once the VLAN 200 address is resolved on VLAN 200,
#     that socket gets ENETUNREACH for it; broadcasts on VLAN 100 reach
#     the peer's VLAN 100 socket only; the VLAN 200 device receives none
#     of VLAN 100's frames, nor does the peer's untagged address (no
#     InAddrErrors); neighbour entries name the VLAN device they were
#     learnt on. (Before the fixes in rx.c and neigh.c, the untagged
#     address answered VLAN 100's queries and got its broadcasts, and the
#     retries of a device-bound resolution went out on every device.)
#  b. an address on a bridge whose port is the veth: echo, 2 MiB each way,
#     the peer's entry holds the bridge's MAC;
#  c. a macvlan (bridge mode) on the link: echo, 2 MiB each way, the
#     peer's entry holds the macvlan's MAC;
#  d. two hosts, each with an active-backup bond of two veth links to a
#     "switch" (a bridge in a middle netns) behind which the peer is, one
#     bond keeping its MAC on failover (the default), one taking the new
#     active slave's (fail_over_mac=active): a paced transfer each, and
#     while they are in flight the active slaves are set down: the bonds
#     fail over, the transfers complete intact over the other slaves, and
#     the peer's entry for each host holds its bond's MAC, the new one
#     after the failover (before the fix in neigh.c, the peer kept the old
#     MAC until the entry turned STALE, and the transfer stalled).
# Loads 8021q, macvlan and bonding (max_bonds=0: no bond0 in the init
# netns) before any traffic.
source "$(dirname "$0")/lib.sh"

[ -x "$XBULK" ] || { echo "# FAIL: $XBULK not built"; exit 1; }
for m in 8021q macvlan; do
	modprobe "$m" || { echo "# FAIL: modprobe $m"; exit 1; }
done
modprobe bonding max_bonds=0 || { echo "# FAIL: modprobe bonding"; exit 1; }

M=$((2 << 20))

# echo_ok NS SRC DST COUNT: COUNT datagrams of up to 1400 bytes echoed
# by an xnet_echo server at DST:7 (which then quits).
echo_ok() {
	nsx "$1" timeout $((30 * TMUL)) "$XECHO" client -b "$2" -c "$3:7" \
		-n "$4" -m 1400 -q
}

# echo_srv NS ADDR: an xnet_echo server at ADDR:7, listening on return.
echo_srv() {
	# a server that was told to quit may not have closed yet
	wait_until 10 not_bound "$1" "$2:7" ||
		{ fail "an echo server at $2:7 does not go"; finish; }
	bg "$1" timeout $((60 * TMUL)) "$XECHO" server -b "$2:7" -i 60
	wait_until 10 bound "$1" "$2:7" ||
		{ fail "echo server at $2:7 not up"; finish; }
}

# bound NS ADDR:PORT: an xnet socket in NS is bound to ADDR:PORT.
bound() {
	nsx "$1" cat /proc/net/xnet/sockets | grep -qF " $2 "
}
not_bound() {
	! bound "$@"
}

# running PID: the process has not ended (a zombie has).
running() {
	[ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat")" != Z ]
}

# check_mss NAME: both ends' MSS is that of a 1500-byte MTU.
check_mss() {
	check "$1: mss $(kv "$COUT" info_mss)/$(kv "$SOUT" info_mss) = 1500 - 72" \
		test "$(kv "$COUT" info_mss)" = 1428 -a "$(kv "$SOUT" info_mss)" = 1428
}

# ---- a. VLANs -----------------------------------------------------------
A=xv-a-$$
B=xv-b-$$
ns_create "$A" "$B"
no_ipv6 "$A" "$B"
veth_link "$A" va "$B" vb
for v in 100 200; do
	ip -n "$A" link add link va name va.$v type vlan id $v &&
		ip -n "$B" link add link vb name vb.$v type vlan id $v &&
		ip -n "$A" link set va.$v up && ip -n "$B" link set vb.$v up ||
		{ fail "vlan $v"; finish; }
done
# an address on each VLAN on both sides, and B's untagged one
xaddr "$A" va.100 10.1.100.1
xaddr "$A" va.200 10.1.200.1
xaddr "$B" vb.100 10.1.100.2
xaddr "$B" vb.200 10.1.200.2
xaddr "$B" vb 10.1.0.2

echo_srv "$B" 10.1.100.2
check_out "vlan: 100 datagrams echoed on VLAN 100" \
	echo_ok "$A" 10.1.100.1 10.1.100.2 100
check "vlan: A has 10.1.100.2 on va.100" \
	neigh_has "$A" 10.1.100.2 "dev va.100 " "$(mac_of "$B" vb.100)"
check "vlan: B has 10.1.100.1 on vb.100" \
	neigh_has "$B" 10.1.100.1 "dev vb.100 " "$(mac_of "$A" va.100)"

# Bound to va.100, queries for addresses B holds on VLAN 200 or untagged:
# they go out on VLAN 100 only, the first and the retries (before the fix
# in neigh.c, the retries went out on every device: resolved on VLAN 200,
# the send then failed with ENETUNREACH); B drops them unanswered, its
# untagged address included (before the fix in rx.c, the lower device's
# handler took VLAN 100's frames too, and answered untagged); nothing
# reaches vb.200; A's resolution fails.
bq0=$(counter "$B" NeighQueriesIn)
ba0=$(counter "$B" NeighAnswersOut)
af0=$(counter "$A" NeighResolveFailed)
rx200=$(devstat "$B" vb.200 rx_packets)
bg "$A" timeout $((30 * TMUL)) "$XECHO" unreach -D va.100 -b 10.1.100.1 \
	-c 10.1.200.2:7 -w 4500
u1=$BGPID
u1out=$BGOUT
bg "$A" timeout $((30 * TMUL)) "$XECHO" unreach -D va.100 -b 10.1.100.1 \
	-c 10.1.0.2:7 -w 4500
u2=$BGPID
u2out=$BGOUT
bg_wait $u1 $((30 * TMUL))
check "vlan: B's VLAN 200 address unresolvable on VLAN 100 (EHOSTUNREACH)" \
	test $? = 0
show "$u1out"
bg_wait $u2 $((30 * TMUL))
check "vlan: B's untagged address unresolvable on VLAN 100 (EHOSTUNREACH)" \
	test $? = 0
show "$u2out"
check_delta "$A" NeighResolveFailed "$af0" -eq 2
check_delta "$B" NeighQueriesIn "$bq0" -eq 0
check_delta "$B" NeighAnswersOut "$ba0" -eq 0
v=$(devstat "$B" vb.200 rx_packets)
check "vlan: vb.200 received none of the queries ($rx200 -> $v)" \
	test "$v" = "$rx200"
check "vlan: B learnt nothing from the queries (1 entry)" \
	test "$(proc_entries "$B" neigh)" = 1

# resolved on VLAN 200, and only there
echo_srv "$B" 10.1.200.2
nsx "$A" xnetctl neigh flush || fail "vlan: neigh flush"
check_out "vlan: 50 datagrams echoed on VLAN 200" \
	echo_ok "$A" 10.1.200.1 10.1.200.2 50
check "vlan: A has 10.1.200.2 on va.200" \
	neigh_has "$A" 10.1.200.2 "dev va.200 "
check "vlan: B has 10.1.200.1 on vb.200" \
	neigh_has "$B" 10.1.200.1 "dev vb.200 "
check_out "vlan: bound to va.100, B's address resolved on VLAN 200: ENETUNREACH" \
	nsx "$A" timeout $((10 * TMUL)) "$XECHO" send -D va.100 \
	-b 10.1.100.1 -c 10.1.200.2:7 -x ENETUNREACH

# broadcast on VLAN 100: B's socket on its VLAN 100 address gets each
# once, its sockets on the VLAN 200 and untagged addresses nothing
bin0=$(counter "$B" InDatagrams)
rx200=$(devstat "$B" vb.200 rx_packets)
# (each receiver ends once idle for 6 s: all must be up when the
# broadcasts go, and still be when they have gone)
bg "$B" timeout $((40 * TMUL)) "$XECHO" recv -b 10.1.100.2:5555 -n 5 \
	-w $((6000 * TMUL)) -R "$TMPD/r1"
r1=$BGPID
r1out=$BGOUT
bg "$B" timeout $((40 * TMUL)) "$XECHO" recv -b 10.1.200.2:5555 -n 0 \
	-w $((6000 * TMUL)) -R "$TMPD/r2"
r2=$BGPID
r2out=$BGOUT
bg "$B" timeout $((40 * TMUL)) "$XECHO" recv -b 10.1.0.2:5555 -n 0 \
	-w $((6000 * TMUL)) -R "$TMPD/r3"
r3=$BGPID
r3out=$BGOUT
for f in r1 r2 r3; do
	wait_file "$TMPD/$f" || { fail "vlan: receiver $f not up"; finish; }
done
check_out "vlan: 5 broadcasts sent on VLAN 100" \
	nsx "$A" timeout $((20 * TMUL)) "$XECHO" bcast -b 10.1.100.1 -p 5555 \
	-n 5 -g 50
all_up() {
	running $r2 && running $r3
}
check "vlan: the receivers of nothing were up throughout" all_up
bg_wait $r1 $((30 * TMUL))
check "vlan: B's VLAN 100 socket got the 5 broadcasts once each" test $? = 0
show "$r1out"
bg_wait $r2 $((30 * TMUL))
check "vlan: B's VLAN 200 socket got none" test $? = 0
show "$r2out"
bg_wait $r3 $((30 * TMUL))
check "vlan: B's untagged socket got none" test $? = 0
show "$r3out"
check_delta "$B" InDatagrams "$bin0" -eq 5
check "vlan: vb.200 received nothing" \
	test "$(devstat "$B" vb.200 rx_packets)" = "$rx200"

# a stream on VLAN 100, nothing of it on VLAN 200 (B resolved first: the
# queries of a sender not bound to a device go out on every device)
echo_srv "$B" 10.1.100.2
check_out "vlan: 20 datagrams echoed on VLAN 100" \
	echo_ok "$A" 10.1.100.1 10.1.100.2 20
rx200=$(devstat "$B" vb.200 rx_packets)
tx200=$(devstat "$B" vb.200 tx_packets)
rx100=$(devstat "$B" vb.100 rx_packets)
bulk vlan "$B" 10.1.100.2 "$A" 10.1.100.1 7100 40 -n $M -- -n $M
bulk_check "vlan: stream 2 MiB each way on VLAN 100"
check_mss vlan
check "vlan: vb.100 received the stream ($(($(devstat "$B" vb.100 rx_packets) - rx100)) frames)" \
	test $(($(devstat "$B" vb.100 rx_packets) - rx100)) -ge 32
v=$(devstat "$B" vb.200 rx_packets)
check "vlan: vb.200 received nothing meanwhile ($rx200 -> $v)" \
	test "$v" = "$rx200"
v=$(devstat "$B" vb.200 tx_packets)
check "vlan: vb.200 sent nothing meanwhile ($tx200 -> $v)" \
	test "$v" = "$tx200"
for ns in "$A" "$B"; do
	check_counter "$ns" InCsumErrors -eq 0
	check_counter "$ns" InMalformed -eq 0
	check_counter "$ns" InAddrErrors -eq 0
done
nsx "$A" xnetctl neigh show | show
ns_del "$A"
ns_del "$B"

# ---- b. a bridge --------------------------------------------------------
A=xbr-a-$$
B=xbr-b-$$
ns_create "$A" "$B"
no_ipv6 "$A" "$B"
veth_link "$A" va "$B" vb
ip -n "$B" link add br0 type bridge stp_state 0 forward_delay 0 &&
	ip -n "$B" link set vb master br0 && ip -n "$B" link set br0 up ||
	{ fail "bridge"; finish; }
xaddr "$A" va 10.2.0.1
xaddr "$B" br0 10.2.0.2
brmac=$(mac_of "$B" br0)
echo_srv "$B" 10.2.0.2
check_out "bridge: 100 datagrams echoed by the bridge's address" \
	echo_ok "$A" 10.2.0.1 10.2.0.2 100
bulk bridge "$B" 10.2.0.2 "$A" 10.2.0.1 7200 40 -n $M -- -n $M
bulk_check "bridge: stream 2 MiB each way to the bridge's address"
check_mss bridge
check "bridge: A has 10.2.0.2 at the bridge's MAC $brmac" \
	neigh_has "$A" 10.2.0.2 "dev va " "$brmac"
check "bridge: B has 10.2.0.1 on br0" \
	neigh_has "$B" 10.2.0.1 "dev br0 " "$(mac_of "$A" va)"
ns_del "$A"
ns_del "$B"

# ---- c. a macvlan ---------------------------------------------------------
A=xmv-a-$$
B=xmv-b-$$
ns_create "$A" "$B"
no_ipv6 "$A" "$B"
veth_link "$A" va "$B" vb
ip -n "$A" link add link va name mv0 type macvlan mode bridge &&
	ip -n "$A" link set mv0 up || { fail "macvlan"; finish; }
xaddr "$A" mv0 10.3.0.1
xaddr "$B" vb 10.3.0.2
vamac=$(mac_of "$A" va)
mvmac=$(mac_of "$A" mv0)
check "macvlan: its own MAC ($mvmac, va $vamac)" test "$mvmac" != "$vamac"
echo_srv "$B" 10.3.0.2
check_out "macvlan: 100 datagrams echoed" echo_ok "$A" 10.3.0.1 10.3.0.2 100
bulk macvlan "$B" 10.3.0.2 "$A" 10.3.0.1 7300 40 -n $M -- -n $M
bulk_check "macvlan: stream 2 MiB each way from the macvlan"
check_mss macvlan
check "macvlan: B has 10.3.0.1 at the macvlan's MAC $mvmac" \
	neigh_has "$B" 10.3.0.1 "dev vb " "$mvmac"
check "macvlan: A has 10.3.0.2 on mv0" \
	neigh_has "$A" 10.3.0.2 "dev mv0 " "$(mac_of "$B" vb)"
for ns in "$A" "$B"; do
	check_counter "$ns" InAddrErrors -eq 0
done
ns_del "$A"
ns_del "$B"

# ---- d. active-backup bonds ----------------------------------------------
# Hosts bonded to two ports each of a switch S (a bridge), the peer B
# behind the switch: the usual way a bond is cabled. A's bond keeps its
# MAC when it fails over (fail_over_mac=none, the default), C's takes the
# new active slave's (fail_over_mac=active). Setting an active slave down
# takes the switch port's carrier with it, so the switch forgets where
# the MAC was and floods until it hears the host on the other port. Both
# fail over in the middle of a transfer, at the same time.
A=xbd-a-$$
C=xbd-c-$$
S=xbd-s-$$
B=xbd-b-$$
ns_create "$A" "$C" "$S" "$B"
no_ipv6 "$A" "$C" "$S" "$B"
ip -n "$S" link add br0 type bridge stp_state 0 forward_delay 0 &&
	ip -n "$S" link set br0 up || { fail "switch"; finish; }
# mkbond NS PREFIX PORT1 PORT2 ADDR [BOND OPTIONS]: bond0 of PREFIX1 and
# PREFIX2, cabled to switch ports PORT1 and PORT2, with xnet address ADDR
mkbond() {
	local ns=$1 p=$2 s1=$3 s2=$4 addr=$5 i
	shift 5
	ip -n "$ns" link add bond0 type bond mode active-backup miimon 100 "$@" ||
		{ fail "bond in $ns"; finish; }
	for i in 1 2; do
		local sp=$s1
		[ $i = 2 ] && sp=$s2
		ip link add $p$i netns "$ns" type veth peer name $sp netns "$S" &&
			ip -n "$ns" link set $p$i master bond0 &&
			ip -n "$S" link set $sp master br0 &&
			ip -n "$S" link set $sp up || { fail "slave $p$i"; finish; }
	done
	ip -n "$ns" link set bond0 up
	for i in 1 2; do
		ip -n "$ns" link set $p$i up
	done
	xaddr "$ns" bond0 "$addr"
}
mkbond "$A" a s1 s2 10.4.0.1
mkbond "$C" c s4 s5 10.4.0.3 fail_over_mac active
veth_link "$B" vb "$S" s3
ip -n "$S" link set s3 master br0 || fail "s3 into br0"
xaddr "$B" vb 10.4.0.2

active_is() {	# active_is NS SLAVE
	[ "$(nsx "$1" cat /sys/class/net/bond0/bonding/active_slave)" = "$2" ]
}
check "bond: a1 active" wait_until 10 active_is "$A" a1
check "bond: c1 active" wait_until 10 active_is "$C" c1
bmac=$(mac_of "$A" bond0)
cmac=$(mac_of "$C" bond0)
c2mac=$(mac_of "$C" c2)
check "bond (fail_over_mac=active): bond0 has c1's MAC $cmac, not c2's $c2mac" \
	test "$cmac" = "$(mac_of "$C" c1)" -a "$cmac" != "$c2mac"
echo_srv "$B" 10.4.0.2
check_out "bond: 50 datagrams echoed" echo_ok "$A" 10.4.0.1 10.4.0.2 50
echo_srv "$B" 10.4.0.2
check_out "bond (fail_over_mac=active): 50 datagrams echoed" \
	echo_ok "$C" 10.4.0.3 10.4.0.2 50
check "bond: B has 10.4.0.1 at the bond's MAC $bmac" \
	neigh_has "$B" 10.4.0.1 "dev vb " "$bmac"
check "bond (fail_over_mac=active): B has 10.4.0.3 at the bond's MAC $cmac" \
	neigh_has "$B" 10.4.0.3 "dev vb " "$cmac"

# 3 MB each way at 500 kB/s: at least 6 s however fast the machine.
# A backup slave sends nothing: what a2 and c2 send is sent after the
# failover.
a2tx0=$(devstat "$A" a2 tx_packets)
c2tx0=$(devstat "$C" c2 tx_packets)
MB=3000000
declare -A CPID CO SPID SO OUT0 ADDR PORT
ADDR[$A]=10.4.0.1
PORT[$A]=7400
ADDR[$C]=10.4.0.3
PORT[$C]=7401
for ns in "$A" "$C"; do
	rm -f "$TMPD/ready"
	bg "$B" "$XBULK" server -b 10.4.0.2:${PORT[$ns]} -R "$TMPD/ready" -I \
		-T $((40 * TMUL)) -n $MB -r 300000
	SPID[$ns]=$BGPID
	SO[$ns]=$BGOUT
	wait_file "$TMPD/ready" ||
		fail "bond: server ${PORT[$ns]} not listening"
	OUT0[$ns]=$(counter "$ns" OutSegs)
done
# the two clients together
for ns in "$A" "$C"; do
	bg "$ns" "$XBULK" client -c 10.4.0.2:${PORT[$ns]} -b ${ADDR[$ns]} -I \
		-T $((40 * TMUL)) -n $MB -r 300000
	CPID[$ns]=$BGPID
	CO[$ns]=$BGOUT
done
# in flight: connected, and some of the data through
flowing() {
	[ $(($(counter "$1" OutSegs) - ${OUT0[$1]})) -ge 100 ]
}
# both at once: waiting for one, then the other, let the second finish
# before its link went down on a busy machine
flowing_both() {
	flowing "$A" && flowing "$C"
}
both_flowing() {
	wait_until 20 flowing_both
}
check "bond: the transfers are under way" both_flowing
ip -n "$A" link set a1 down
ip -n "$C" link set c1 down
both_running() {
	running ${CPID[$A]} && running ${CPID[$C]}
}
check "bond: the transfers were still in flight when a1 and c1 went down" \
	both_running
check "bond: failed over to a2" wait_until 10 active_is "$A" a2
check "bond (fail_over_mac=active): failed over to c2" \
	wait_until 10 active_is "$C" c2
for ns in "$A" "$C"; do
	bg_wait ${CPID[$ns]} $((40 * TMUL))
	CRC=$?
	bg_wait ${SPID[$ns]} 10
	SRC=$?
	COUT=${CO[$ns]}
	SOUT=${SO[$ns]}
	if [ "$ns" = "$A" ]; then name=bond; else name="bond (fail_over_mac=active)"; fi
	bulk_check "$name: 3 MB each way across the failover"
	check_mss "$name"
done
v=$(($(devstat "$A" a2 tx_packets) - a2tx0))
check "bond: the rest went over a2 ($v frames)" test $v -ge 10
v=$(($(devstat "$C" c2 tx_packets) - c2tx0))
check "bond (fail_over_mac=active): the rest went over c2 ($v frames)" \
	test $v -ge 10
check "bond: the bond kept its MAC" test "$(mac_of "$A" bond0)" = "$bmac"
check "bond: B still has 10.4.0.1 at the bond's MAC $bmac" \
	neigh_has "$B" 10.4.0.1 "dev vb " "$bmac"
check "bond (fail_over_mac=active): the bond took c2's MAC" \
	test "$(mac_of "$C" bond0)" = "$c2mac"
# (before the fix in neigh.c, B kept sending to the old MAC until its
# entry turned STALE, 30 s, and the transfer did not end in 40 s)
check "bond (fail_over_mac=active): B has 10.4.0.3 at the bond's new MAC $c2mac" \
	neigh_has "$B" 10.4.0.3 "dev vb " "$c2mac"
nsx "$B" xnetctl neigh show | show
echo_srv "$B" 10.4.0.2
check_out "bond: datagrams echoed after the failover" \
	echo_ok "$A" 10.4.0.1 10.4.0.2 20
echo_srv "$B" 10.4.0.2
check_out "bond (fail_over_mac=active): datagrams echoed after the failover" \
	echo_ok "$C" 10.4.0.3 10.4.0.2 20
finish

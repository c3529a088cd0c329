#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Network namespace isolation: A <-> C over a veth, B alone with its own
# veth pair. What A has (addresses, neighbours, sockets, counters) must not
# show in B nor in the init netns; B may reuse A's address and port; a
# device moved out of a netns loses its xnet address; deleting netns with
# traffic, pending resolutions and open sockets leaves nothing behind.
source "$(dirname "$0")/lib.sh"

A=xi-a-$$
B=xi-b-$$
C=xi-c-$$

ns_create "$A" "$B" "$C"
veth_link "$A" a0 "$C" c0
ip -n "$B" link add b0 type veth peer name b1
ip -n "$B" link set b0 up
ip -n "$B" link set b1 up
xaddr "$A" a0 10.0.3.1
xaddr "$C" c0 10.0.3.2
xaddr "$B" b0 10.0.3.9

# traffic A <-> C: A gets a neighbour, counters move
bg "$C" timeout 60 "$XECHO" server -b 10.0.3.2:7 -i 50
SRV=$BGPID
wait_sockets "$C" 1 || finish
check_out "A <-> C echo" nsx "$A" timeout 30 "$XECHO" client \
	-b 10.0.3.1 -c 10.0.3.2:7 -n 50
# A keeps a socket open on 10.0.3.1:4000
bg "$A" timeout 60 "$XECHO" hold -b 10.0.3.1:4000 -t 50 -R "$TMPD/a.ready"
HOLD_A=$BGPID
check "A's socket is up" wait_file "$TMPD/a.ready"

check "A lists its socket" test "$(proc_entries "$A" sockets)" = 1
check "A lists neighbour 10.0.3.2" neigh_has "$A" 10.0.3.2 REACHABLE
check_counter "$A" OutDatagrams -ge 50

# nothing of it in B
check_not "B does not see A's address" addr_has "$B" 10.0.3.1
check_not "B does not see C's address" addr_has "$B" 10.0.3.2
check "B sees its own address" addr_has "$B" 10.0.3.9
check_not "A does not see B's address" addr_has "$A" 10.0.3.9
check "B has no neighbours" test "$(proc_entries "$B" neigh)" = 0
check_not "B's neigh show is empty" neigh_has "$B" 10.0.3.2
check "B has no sockets" test "$(proc_entries "$B" sockets)" = 0
check "xnetctl sockets in B lists no 10.0.3.1" \
	bash -c "! ip netns exec $B xnetctl sockets | grep -q 10.0.3.1"
check_counter "$B" OutDatagrams -eq 0
check_counter "$B" InDatagrams -eq 0
check_counter "$B" NeighQueriesOut -eq 0
check_counter "$B" NeighQueriesIn -eq 0

# nor in the init netns
check "init netns has no sockets" \
	test "$(tail -n +2 /proc/net/xnet/sockets | grep -c .)" = 0
check "init netns has no neighbours" \
	test "$(tail -n +2 /proc/net/xnet/neigh | grep -c .)" = 0
check_not "init netns does not see A's address" \
	bash -c "xnetctl addr show | grep -qw 10.0.3.1"
check "init netns counters untouched" \
	test "$(xnetctl stats | awk '$1 == "OutDatagrams" {print $2}')" = 0

# binding: A's address is not B's ...
check_out "bind 10.0.3.1 in B: EADDRNOTAVAIL" \
	nsx "$B" "$XECHO" bind -b 10.0.3.1:4000 -x EADDRNOTAVAIL
# ... until B configures the same address itself, port 4000 included
xaddr "$B" b1 10.0.3.1
check "B now has 10.0.3.1 too" addr_has "$B" 10.0.3.1
check_out "bind 10.0.3.1:4000 in B while A holds it there" \
	nsx "$B" "$XECHO" bind -b 10.0.3.1:4000
check_out "A still cannot bind its own busy port" \
	nsx "$A" "$XECHO" bind -b 10.0.3.1:4000 -x EADDRINUSE
check "A's address list unchanged" \
	test "$(nsx "$A" xnetctl addr show | grep -c xnet)" = 1

# a device moved to another netns does not take its address along
ip -n "$A" link add m0 type veth peer name m1
xaddr "$A" m0 10.0.3.5
check "A has 10.0.3.5 on m0" addr_has "$A" 10.0.3.5
ip -n "$A" link set m0 netns "$B" || fail "move m0 to B"
check_not "A lost 10.0.3.5 with m0" addr_has "$A" 10.0.3.5
check_not "B did not inherit 10.0.3.5" addr_has "$B" 10.0.3.5
check "B can configure 10.0.3.5 on m0" \
	nsx "$B" xnetctl addr add 10.0.3.5 dev m0
check_out "and bind it" nsx "$B" "$XECHO" bind -b 10.0.3.5:0

# delete C with its server running and a resolution pending from it
bg "$C" timeout 60 "$XECHO" hold -b 10.0.3.2:0 -c 10.0.3.77:9 -t 50 \
	-R "$TMPD/c.ready"
HOLD_C=$BGPID
check "C's pending resolution is up" wait_file "$TMPD/c.ready"
check "C resolving 10.0.3.77" neigh_has "$C" 10.0.3.77 INCOMPLETE
ns_del "$C"	# processes inside keep it alive for now
kill "$SRV" "$HOLD_C" 2>/dev/null
bg_wait "$SRV" 10 >/dev/null
bg_wait "$HOLD_C" 10 >/dev/null
# A sees C gone: its next sends still succeed or fail cleanly
# (a resolution that fails takes its retries: seconds, more on a busy
# host; 10 s was not always enough beside other VMs)
nsx "$A" timeout $((30 * TMUL)) "$XECHO" send -b 10.0.3.1 -c 10.0.3.2:7 \
	-m 10 >"$TMPD/after_c" 2>&1
if grep -q "^send:" "$TMPD/after_c"; then
	pass "A's send after C's deletion returned (OK or an errno)"
else
	fail "A's send after C's deletion did not return"
	show "$TMPD/after_c"
fi

kill "$HOLD_A" 2>/dev/null
bg_wait "$HOLD_A" 10 >/dev/null
check "A has no sockets after its holder exited" \
	test "$(proc_entries "$A" sockets)" = 0
ns_del "$A"
ns_del "$B"

# churn: netns created with an address and a resolution pending, deleted
# at once, one after another
ok=1
for i in $(seq 4); do
	ns=xi-churn-$$-$i
	ns_create "$ns"
	ip -n "$ns" link add c0 type veth peer name c1 &&
		ip -n "$ns" link set c0 up && ip -n "$ns" link set c1 up &&
		xaddr "$ns" c0 10.0.9.1 &&
		nsx "$ns" "$XECHO" send -b 10.0.9.1 -c 10.0.9.50:7 -m 100 \
			>/dev/null || ok=0
	ns_del "$ns"
done
check "4 netns with pending resolutions created and deleted" test $ok = 1
sleep 1
check "init netns has no sockets at the end" \
	test "$(tail -n +2 /proc/net/xnet/sockets | grep -c .)" = 0
check "init netns lists no address at the end" \
	test -z "$(xnetctl addr show)"
finish

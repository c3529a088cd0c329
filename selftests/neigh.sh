#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Neighbour resolution between A (10.0.5.1) and B (10.0.5.2):
#  - the first datagram resolves automatically: one query, one answer,
#    both sides learn each other's MAC; a second datagram sends no query;
#  - a missing address: INCOMPLETE while resolving, FAILED after ~3 s,
#    the next send fails with EHOSTUNREACH, NeighResolveFailed counts it,
#    B does not answer the queries nor learn from them;
#  - `xnetctl neigh flush to ADDR` and `flush dev IF` remove only that
#    address's or that device's entries (regression: the kernel ignored
#    both and flushed the whole table);
#  - `xnetctl neigh flush` empties the table and resolution starts over;
#  - the table is bounded (256 entries): NeighTableFull counts the rest,
#    and a full table dumps completely through netlink;
#  - repeated flushes under traffic are harmless;
#  - with the net.xnet sysctls shortened: REACHABLE -> STALE -> REACHABLE
#    on use, faster resolution failure, FAILED entries garbage collected.
source "$(dirname "$0")/lib.sh"

A=xn-a-$$
B=xn-b-$$
AA=10.0.5.1
BA=10.0.5.2

ns_create "$A" "$B"
veth_link "$A" va "$B" vb
xaddr "$A" va $AA
xaddr "$B" vb $BA
amac=$(mac_of "$A" va)
bmac=$(mac_of "$B" vb)

bg "$B" timeout 110 "$XECHO" server -b $BA:7 -i 100
wait_sockets "$B" 1 || finish

check "A's table starts empty" test "$(proc_entries "$A" neigh)" = 0
check "B's table starts empty" test "$(proc_entries "$B" neigh)" = 0

echo_ok() {
	nsx "$A" timeout 20 "$XECHO" send -b $AA -c $BA:7 -m "$1" -E -r 5 \
		-w 1000
}

# --- automatic resolution ------------------------------------------------
aq0=$(counter "$A" NeighQueriesOut)
aa0=$(counter "$A" NeighAnswersIn)
bq0=$(counter "$B" NeighQueriesIn)
ba0=$(counter "$B" NeighAnswersOut)
bqo0=$(counter "$B" NeighQueriesOut)
check_out "first datagram A -> B echoed" echo_ok 100
check_delta "$A" NeighQueriesOut "$aq0" -eq 1
check_delta "$A" NeighAnswersIn "$aa0" -eq 1
check_delta "$B" NeighQueriesIn "$bq0" -eq 1
check_delta "$B" NeighAnswersOut "$ba0" -eq 1
check_delta "$B" NeighQueriesOut "$bqo0" -eq 0	# learnt A from the query
check "A: $BA REACHABLE at $bmac" neigh_has "$A" $BA "dev va" "$bmac" REACHABLE
check "B: $AA at $amac" neigh_has "$B" $AA "dev vb" "$amac"
nsx "$A" xnetctl neigh show | show
nsx "$A" cat /proc/net/xnet/neigh | show

aq0=$(counter "$A" NeighQueriesOut)
check_out "second datagram A -> B echoed" echo_ok 1476
check_delta "$A" NeighQueriesOut "$aq0" -eq 0

# --- unreachable ---------------------------------------------------------
aq0=$(counter "$A" NeighQueriesOut)
af0=$(counter "$A" NeighResolveFailed)
bq0=$(counter "$B" NeighQueriesIn)
ba0=$(counter "$B" NeighAnswersOut)
bg "$A" timeout 30 "$XECHO" unreach -b $AA -c 10.0.5.99:7 -w 4500 \
	-R "$TMPD/unr.ready"
UNR=$BGPID
UNR_OUT=$BGOUT
wait_file "$TMPD/unr.ready"
check "10.0.5.99 INCOMPLETE while resolving" \
	neigh_has "$A" 10.0.5.99 INCOMPLETE
check_delta "$A" NeighResolveFailed "$af0" -eq 0
bg_wait "$UNR" 25
check "send after the failed resolution: EHOSTUNREACH" test $? = 0
show "$UNR_OUT"
check "10.0.5.99 FAILED" neigh_has "$A" 10.0.5.99 FAILED
check_delta "$A" NeighResolveFailed "$af0" -ge 1
check_delta "$A" NeighQueriesOut "$aq0" -ge 3
check_delta "$A" NeighQueriesOut "$aq0" -le 5
check_delta "$B" NeighAnswersOut "$ba0" -eq 0
check "B learnt nothing from queries for somebody else (only A)" \
	test "$(proc_entries "$B" neigh)" = 1
check_out "B still reachable meanwhile" echo_ok 200

# --- flush one address, one device ----------------------------------------
ip -n "$A" link add xd0 type dummy && ip -n "$A" link set xd0 up ||
	fail "dummy device xd0"
# an entry that stays INCOMPLETE while the flushes run (slow retries)
nsx "$A" bash -c "echo 10000 > /proc/sys/net/xnet/neigh_retrans_ms" ||
	fail "set neigh_retrans_ms"
check "a datagram to 10.0.5.98 (unresolved: queued)" \
	nsx "$A" "$XECHO" send -b $AA -c 10.0.5.98:7 -m 10
check "10.0.5.98 INCOMPLETE before its flush" \
	neigh_has "$A" 10.0.5.98 INCOMPLETE
check "xnetctl neigh flush to 10.0.5.98" \
	nsx "$A" xnetctl neigh flush to 10.0.5.98
check_not "10.0.5.98 flushed" neigh_has "$A" 10.0.5.98
check "$BA kept by a flush of 10.0.5.98" neigh_has "$A" $BA REACHABLE
nsx "$A" bash -c "echo 1000 > /proc/sys/net/xnet/neigh_retrans_ms" ||
	fail "reset neigh_retrans_ms"
check "xnetctl neigh flush dev xd0 (no entry there)" \
	nsx "$A" xnetctl neigh flush dev xd0
check "$BA kept by a flush of another device" neigh_has "$A" $BA REACHABLE
check "xnetctl neigh flush dev va to 10.0.5.77 (no such entry)" \
	nsx "$A" xnetctl neigh flush dev va to 10.0.5.77
check "$BA kept by a flush of another address" neigh_has "$A" $BA REACHABLE
check_not "xnetctl neigh flush to 0.0.0.0 is refused (not: all)" \
	nsx "$A" xnetctl neigh flush to 0.0.0.0
check "$BA kept by the refused flush" neigh_has "$A" $BA REACHABLE
check "xnetctl neigh flush dev va" nsx "$A" xnetctl neigh flush dev va
check "A's table is empty after flushing va" \
	test "$(proc_entries "$A" neigh)" = 0
check_out "echo after flushing va" echo_ok 300
ip -n "$A" link del xd0

# --- flush ---------------------------------------------------------------
check "xnetctl neigh flush" nsx "$A" xnetctl neigh flush
check "A's table is empty after flush" test "$(proc_entries "$A" neigh)" = 0
check "A's neigh show is empty after flush" \
	test -z "$(nsx "$A" xnetctl neigh show)"
aq0=$(counter "$A" NeighQueriesOut)
check_out "echo after flush" echo_ok 300
check_delta "$A" NeighQueriesOut "$aq0" -eq 1
check "A: $BA REACHABLE again" neigh_has "$A" $BA REACHABLE

# --- table full ------------------------------------------------------------
tf0=$(counter "$A" NeighTableFull)
# slow retries keep the sprayed entries resolving while the spray runs,
# however slow the emulated machine is
nsx "$A" bash -c "echo 4000 > /proc/sys/net/xnet/neigh_retrans_ms" || fail "set neigh_retrans_ms"
check_out "spray 300 unreachable destinations" \
	nsx "$A" timeout 60 "$XECHO" spray -b $AA -c 10.0.6.1:7 -n 300
n=$(proc_entries "$A" neigh)
check "table bounded at 256 entries (has $n)" test "$n" -le 256
check "table was filled (has $n)" test "$n" -ge 250
# the netlink dump of a full table is complete (multi-part dump)
check "xnetctl neigh show lists all $n entries" \
	test "$(nsx "$A" xnetctl neigh show | grep -c ' dev ')" = "$n"
check "xnetctl -j neigh show lists all $n entries" \
	test "$(nsx "$A" xnetctl -j neigh show | grep -oE '10\.0\.[5-7]\.[0-9]+' |
		sort -u | wc -l)" = "$n"
# a local sender's new entries make room by evicting the oldest entries
# still resolving, never a resolved one: no resolution was refused
check_delta "$A" NeighTableFull "$tf0" -eq 0
# B: its entry was kept, or turned STALE and was evicted; once the
# sprayed entries have failed, B must be reachable again without a flush
reach_b() {
	local i
	for i in $(seq 60); do
		echo_ok 400 >"$TMPD/reach" 2>&1 && return 0
		sleep 0.5
	done
	cat "$TMPD/reach"
	return 1
}
nsx "$A" "$XECHO" send -b $AA -c $BA:7 -m 400 -E -r 0 | sed 's/^/# with a full table: /'
check "B reachable with a full table, at the latest once the rest failed" \
	reach_b
check "xnetctl neigh flush of a full table (entries still resolving)" nsx "$A" xnetctl neigh flush
nsx "$A" bash -c "echo 1000 > /proc/sys/net/xnet/neigh_retrans_ms" || fail "reset neigh_retrans_ms"
check "A's table is empty after the second flush" \
	test "$(proc_entries "$A" neigh)" = 0
check_out "echo after the second flush" echo_ok 500

# --- flushing under traffic ------------------------------------------------
bg "$A" timeout 30 "$XECHO" flood -b $AA -c $BA:7 -d 3 -m 200 -e
FLOOD=$BGPID
FLOOD_OUT=$BGOUT
for i in $(seq 8); do
	nsx "$A" xnetctl neigh flush || fail "flush $i under traffic"
	nsx "$B" xnetctl neigh flush dev vb || fail "flush dev vb $i"
	sleep 0.2
done
bg_wait "$FLOOD" 20
check "flood through repeated flushes: only expected errnos" test $? = 0
show "$FLOOD_OUT"
check_out "echo after flushes under traffic" echo_ok 600

# --- aging and garbage collection (net.xnet sysctls, per netns) ------------
sysctl_set() {	# sysctl_set NS NAME VALUE
	nsx "$1" bash -c "echo $3 > /proc/sys/net/xnet/$2" &&
		test "$(nsx "$1" cat /proc/sys/net/xnet/$2)" = "$3"
}
check "net.xnet sysctls are per netns and writable" \
	sysctl_set "$A" neigh_reachable_ms 500
check "B keeps the default reachable time" \
	test "$(nsx "$B" cat /proc/sys/net/xnet/neigh_reachable_ms)" = 30000
# a STALE entry lives 20 s: a window no poll on a busy machine misses
sysctl_set "$A" neigh_gc_ms 20000 || fail "set neigh_gc_ms"
sysctl_set "$A" neigh_retries 1 || fail "set neigh_retries"

wait_state() {	# wait_state NS ADDR STATE SECS
	local i
	for i in $(seq $(($4 * 10))); do
		neigh_has "$1" "$2" "$3" && return 0
		sleep 0.1
	done
	return 1
}
check_out "echo to refresh $BA" echo_ok 100
check "$BA turns STALE without confirmation" wait_state "$A" $BA STALE 6
# long again, so that the reconfirmed entry stays REACHABLE to be seen
sysctl_set "$A" neigh_reachable_ms 30000 || fail "reset neigh_reachable_ms"
aq0=$(counter "$A" NeighQueriesOut)
check_out "echo through a STALE entry" echo_ok 100
check "$BA REACHABLE again after use" wait_state "$A" $BA REACHABLE 4
check_delta "$A" NeighQueriesOut "$aq0" -le 1

# one query only: resolution fails after ~1 s instead of ~3 s (a FAILED
# entry answers EHOSTUNREACH for retrans_ms * retries, then resolves anew)
af0=$(counter "$A" NeighResolveFailed)
check_out "resolution with 1 retry fails with EHOSTUNREACH by 1.5 s" \
	nsx "$A" timeout 10 "$XECHO" unreach -b $AA -c 10.0.5.98:7 -w 1500
check_delta "$A" NeighResolveFailed "$af0" -eq 1
check "FAILED entry garbage collected" \
	bash -c "for i in \$(seq 60); do
		ip netns exec $A xnetctl neigh show | grep -q '^10\.0\.5\.98 ' || exit 0
		sleep 0.1; done; exit 1"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Forwarding across a chain of links (module/forward.c):
#
#   A va 10.1.0.1/24 -- r1a 10.1.0.254 R1 r1b 10.2.0.1 -- r2a 10.2.0.2 R2
#      r2b 10.3.0.254 -- vb 10.3.0.1/24 B            (R1-R2 at MTU 1280)
#   and a second path R1 r1c 10.4.0.1 -- r3a 10.4.0.2 R3 r3b 10.5.0.1 --
#      r2c 10.5.0.2 R2, preferred once the routers are told to.
#
# A and B have default routes, R1 and R2 routes to the far prefixes,
# net.xnet.forwarding 1 on the routers (0 by default):
#  1. datagrams A -> B and B -> A echoed, ForwDatagrams moved on both
#     routers; a datagram to R2's address on B's link, arriving on its
#     other device, is taken (weak host);
#  2. a 32 MiB stream each way at once (SHA-256), SEQPACKET each way:
#     both ends start at the MSS of their 1500-byte links, R1 and R2 refuse
#     their large frames (InTooBigErrors, frame too big reports), and the
#     MSS follows the 1280 path (xi_mss <= 1280 - 72);
#  3. a datagram above the path: frame too big report with MTU 1280, then
#     EMSGSIZE at send;
#  4. the middle link's MTU lowered to 1000 during a transfer: it
#     completes, xi_mss <= 1000 - 72;
#  5. no route on R1: unreachable (noroute); a next hop that does not
#     answer (10.3.0.99 on B's link): unreachable (neigh) from R2;
#  6. a routing loop for 10.99.0.0/16 between R1 and R2: a datagram with
#     hop limit 16 is forwarded 15 times and dies on R2 (InHopLimitExceeded
#     +1), A gets the hop limit report from 10.2.0.2, a connected socket
#     EHOSTUNREACH, and nothing keeps looping (the counters stop);
#  7. forwarding off on R1: A gets unreachable (forwarding), a connected
#     socket EHOSTUNREACH, R1 counts InAddrErrors;
#  8. a flood of frames with hop limit 1 at R1: other traffic still
#     crosses, R1's reports stay within net.xnet.error_rate;
#  8b. a spray of frames to unused addresses of R1's link to R2 (each a
#     stranger's entry and query on R1) while R1 has forgotten R2: R1
#     still resolves R2, a gateway route's next hop, and A -> B is
#     echoed (the gateway's entry is R1's own, not a stranger's);
#  9. the routes changed to the R3 path during a transfer: it completes
#     and R3 forwarded it;
# 10. A sends one frame per segment, R1 merges them with GRO, forwards the
#     merged frames whole and cuts them again on the way out (r1b at
#     gso_max_segs 1): 2 MiB intact, R1 InGroMerged moved, R1 sent one
#     frame per segment, no CRC error anywhere.
source "$(dirname "$0")/lib.sh"

XFWD=$HERE/xnet_fwd
[ -x "$XBULK" ] || { echo "# FAIL: $XBULK not built"; exit 1; }
[ -x "$XFWD" ] || { echo "# FAIL: $XFWD not built"; exit 1; }
require_cmds sysctl ethtool

A=xf-a-$$
R1=xf-r1-$$
R2=xf-r2-$$
R3=xf-r3-$$
B=xf-b-$$
AA=10.1.0.1
BA=10.3.0.1

ns_create "$A" "$R1" "$R2" "$R3" "$B"
veth_link "$A" va "$R1" r1a
veth_link "$R1" r1b "$R2" r2a
veth_link "$R2" r2b "$B" vb
veth_link "$R1" r1c "$R3" r3a
veth_link "$R3" r3b "$R2" r2c
ip -n "$R1" link set r1b mtu 1280
ip -n "$R2" link set r2a mtu 1280
xaddr "$A" va $AA/24
xaddr "$R1" r1a 10.1.0.254/24
xaddr "$R1" r1b 10.2.0.1/24
xaddr "$R2" r2a 10.2.0.2/24
xaddr "$R2" r2b 10.3.0.254/24
xaddr "$B" vb $BA/24
xaddr "$B" vb 10.3.0.2/24
xaddr "$R1" r1c 10.4.0.1/24
xaddr "$R3" r3a 10.4.0.2/24
xaddr "$R3" r3b 10.5.0.1/24
xaddr "$R2" r2c 10.5.0.2/24

# xroute NS ARGS...: xnetctl route ARGS in NS
xroute() {
	local ns=$1
	shift
	nsx "$ns" xnetctl route "$@" ||
		{ echo "# FAIL: xnetctl route $* in $ns"; exit 1; }
}
xroute "$A" add default via 10.1.0.254
xroute "$B" add default via 10.3.0.254
xroute "$R1" add 10.3.0.0/24 via 10.2.0.2 metric 10
xroute "$R2" add 10.1.0.0/24 via 10.2.0.1 metric 10
xroute "$R3" add 10.1.0.0/24 via 10.4.0.1
xroute "$R3" add 10.3.0.0/24 via 10.5.0.2

check "net.xnet.forwarding is 0 by default" \
	test "$(nsx "$R1" sysctl -n net.xnet.forwarding)" = 0
for ns in "$R1" "$R2" "$R3"; do
	nsx "$ns" sysctl -qw net.xnet.forwarding=1 ||
		{ echo "# FAIL: net.xnet.forwarding=1 in $ns"; exit 1; }
done
nsx "$R1" xnetctl route show | show

# sum NAME NS...: a counter summed over netns
sum() {
	local name=$1 ns v t=0
	shift
	for ns in "$@"; do
		v=$(counter "$ns" "$name")
		[ "$v" = MISSING ] && { echo MISSING; return; }
		t=$((t + v))
	done
	echo $t
}

# report NAME WANT ARGS...: xnet_fwd report from A; checks its outcome
report() {
	local name=$1 want=$2 out
	shift 2
	out=$TMPD/report.$name
	nsx "$A" timeout 30 "$XFWD" report -b $AA -e "$want" "$@" >"$out" 2>&1
	check "$name: A gets a report $want" test $? = 0
	show "$out"
}

# section NAME: log the time since the start
T0=$(now_ms)
section() { log "--- $* (at $(($(now_ms) - T0)) ms)"; }

# --- 1. datagrams --------------------------------------------------------
section datagrams
bg "$B" timeout 600 "$XECHO" server -b $BA:7 -i 500
bg "$B" timeout 600 "$XECHO" server -b 10.3.0.2:7 -i 500
bg "$A" timeout 600 "$XECHO" server -b $AA:7 -i 500
bg "$R2" "$XECHO" hold -b 10.3.0.254:9 -t 600 -R "$TMPD/hold"
wait_sockets "$B" 2 && wait_sockets "$A" 1 && wait_file "$TMPD/hold" ||
	finish

f1=$(counter "$R1" ForwDatagrams)
f2=$(counter "$R2" ForwDatagrams)
check_out "A -> B: 300 datagrams of 1..1200 bytes echoed across R1, R2" \
	nsx "$A" timeout 60 "$XECHO" client -b $AA -c $BA:7 -n 300 -m 1200
check_out "B -> A: 300 datagrams echoed" \
	nsx "$B" timeout 60 "$XECHO" client -b $BA -c $AA:7 -n 300 -m 1200
check_delta "$R1" ForwDatagrams "$f1" -ge 1200
check_delta "$R2" ForwDatagrams "$f2" -ge 1200
# R2's address on B's link, by r2a: taken, as IPv4 takes it (weak host)
id=$(counter "$R2" InDatagrams)
ae=$(counter "$R2" InAddrErrors)
check_out "A -> R2's address on B's link" \
	nsx "$A" "$XECHO" send -b $AA -c 10.3.0.254:9 -m 100
r2_got() { [ "$(counter "$R2" InDatagrams)" -gt "$id" ]; }
wait_until 5 r2_got
check_delta "$R2" InDatagrams "$id" -eq 1
check_delta "$R2" InAddrErrors "$ae" -eq 0

# --- 2. streams through both routers ------------------------------------
section streams
tb1=$(counter "$R1" InTooBigErrors)
tb2=$(counter "$R2" InTooBigErrors)
f1=$(counter "$R1" ForwDatagrams)
f2=$(counter "$R2" ForwDatagrams)
M=$((32 << 20))
t0=$(now_ms)
bulk chain32 "$B" $BA "$A" $AA 7500 50 -n $M -- -n $M
bulk_check "stream 32 MiB each way across R1 and R2"
log "32 MiB each way in $(($(now_ms) - t0)) ms"
for f in "$COUT" "$SOUT"; do
	mss=$(kv "$f" info_mss)
	check "$(kv "$f" role): xi_mss $mss follows the 1280 path (<= 1208)" \
		test "${mss:-9999}" -le 1208 -a "${mss:-0}" -gt 0
done
check_delta "$R1" InTooBigErrors "$tb1" -ge 1
check_delta "$R2" InTooBigErrors "$tb2" -ge 1
check_delta "$R1" ForwDatagrams "$f1" -ge 1000
check_delta "$R2" ForwDatagrams "$f2" -ge 1000

bulk seq "$B" $BA "$A" $AA 7501 30 -t seqpacket -n $((2 << 20)) -- \
	-t seqpacket -n $((2 << 20))
bulk_check "seqpacket 2 MiB each way across R1 and R2"

# --- 3. a datagram above the path ---------------------------------------
section toobig
tb1=$(counter "$R1" InTooBigErrors)
report toobig toobig -c 10.3.0.2:7 -m 1400
check "toobig: the next hop's MTU 1280" \
	test "$(kv "$TMPD/report.toobig" report_info)" = 1280
check "toobig: from R1 (10.1.0.254)" \
	test "$(kv "$TMPD/report.toobig" report_from)" = 10.1.0.254
check_delta "$R1" InTooBigErrors "$tb1" -eq 1
check_out "then 1400 bytes to 10.3.0.2: EMSGSIZE at send" \
	nsx "$A" "$XECHO" send -b $AA -c 10.3.0.2:7 -m 1400 -x EMSGSIZE
check_out "and 1256 bytes still go" \
	nsx "$A" "$XECHO" send -b $AA -c 10.3.0.2:7 -m 1256 -E -w 1000 -r 5

# --- 4. the middle link's MTU lowered during a transfer ------------------
section mtu
# paced at 1 MB/s for 3 s, changed 0.5 s in: both ways still sending
M4=$((3 << 20))
rm -f "$TMPD/ready"
bg "$B" "$XBULK" server -b $BA:7502 -R "$TMPD/ready" -I -T 40 -n $M4 \
	-r 1000000
spid=$BGPID
SOUT=$BGOUT
wait_file "$TMPD/ready" || fail "mtu: server not listening"
COUT=$TMPD/mtu.client
bg "$A" "$XBULK" client -c $BA:7502 -b $AA -I -T 40 -n $M4 -r 1000000
cpid=$BGPID
cout=$BGOUT
sleep 0.5
ip -n "$R1" link set r1b mtu 1000
ip -n "$R2" link set r2a mtu 1000
bg_wait "$cpid" 45
CRC=$?
cp "$cout" "$COUT"
bg_wait "$spid" 10
SRC=$?
bulk_check "stream 3 MiB each way, middle MTU 1280 -> 1000 during it"
for f in "$COUT" "$SOUT"; do
	mss=$(kv "$f" info_mss)
	check "$(kv "$f" role): xi_mss $mss follows the 1000 path (<= 928)" \
		test "${mss:-9999}" -le 928 -a "${mss:-0}" -gt 0
done

# --- 5. no route, no neighbour --------------------------------------------
section unreachable
nr=$(counter "$R1" InNoRoutes)
report noroute unreach/noroute -c 10.77.0.1:9
check "noroute: from R1 (10.1.0.254)" \
	test "$(kv "$TMPD/report.noroute" report_from)" = 10.1.0.254
check_delta "$R1" InNoRoutes "$nr" -eq 1
report neigh unreach/neigh -c 10.3.0.99:9 -w $((10000 * TMUL))
check "neigh: from R2 (10.2.0.2)" \
	test "$(kv "$TMPD/report.neigh" report_from)" = 10.2.0.2

# --- 6. a routing loop ----------------------------------------------------
section loop
xroute "$R1" add 10.99.0.0/16 via 10.2.0.2
xroute "$R2" add 10.99.0.0/16 via 10.2.0.1
h1=$(counter "$R1" InHopLimitExceeded)
h2=$(counter "$R2" InHopLimitExceeded)
fl=$(sum ForwDatagrams "$R1" "$R2")
report loop hoplimit -c 10.99.0.1:9 -H 16
check "loop: the report from R2 (10.2.0.2), where hop limit 1 arrived" \
	test "$(kv "$TMPD/report.loop" report_from)" = 10.2.0.2
check_delta "$R1" InHopLimitExceeded "$h1" -eq 0
check_delta "$R2" InHopLimitExceeded "$h2" -eq 1
# 15 forwards of the datagram (hop limits 16..2), 1 of the report (R1)
f=$(sum ForwDatagrams "$R1" "$R2")
check "loop: R1 + R2 forwarded $((f - fl)) frames (16 expected)" \
	test $((f - fl)) -eq 16
check_out "loop: a connected socket gets EHOSTUNREACH (default hop limit)" \
	nsx "$A" timeout 30 "$XFWD" connerr -b $AA -c 10.99.0.2:9 \
	-x EHOSTUNREACH -w $((5000 * TMUL))
# nothing loops on: the routers' counters stop moving
sleep 1
f1=$(sum ForwDatagrams "$R1" "$R2")
sleep 1
check "loop: nothing forwarded after the frames died ($f1)" \
	test "$(sum ForwDatagrams "$R1" "$R2")" = "$f1"
xroute "$R1" del 10.99.0.0/16 via 10.2.0.2
xroute "$R2" del 10.99.0.0/16 via 10.2.0.1

# --- 7. forwarding off on R1 ----------------------------------------------
section forwarding off
nsx "$R1" sysctl -qw net.xnet.forwarding=0
ae=$(counter "$R1" InAddrErrors)
f1=$(counter "$R1" ForwDatagrams)
report fwdoff unreach/forwarding -c $BA:7
check_out "forwarding off: a connected socket gets EHOSTUNREACH" \
	nsx "$A" timeout 30 "$XFWD" connerr -b $AA -c $BA:7 -x EHOSTUNREACH \
	-w $((5000 * TMUL))
check_delta "$R1" InAddrErrors "$ae" -ge 2
check_delta "$R1" ForwDatagrams "$f1" -eq 0
nsx "$R1" sysctl -qw net.xnet.forwarding=1
check_out "forwarding on again: A -> B echoed" \
	nsx "$A" timeout 30 "$XECHO" client -b $AA -c $BA:7 -n 20 -m 500

# --- 8. a flood of frames with hop limit 1 --------------------------------
section flood
ER=$(nsx "$R1" sysctl -n net.xnet.error_rate)
RATE=50
BURST=$(nsx "$R1" sysctl -n net.xnet.ratelimit_burst)
nsx "$R1" sysctl -qw net.xnet.error_rate=$RATE
h1=$(counter "$R1" InHopLimitExceeded)
oe=$(counter "$R1" OutErrors)
rl=$(counter "$R1" OutErrorsRateLimited)
t0=$(now_ms)
bg "$A" "$XFWD" flood -i va -d "$(mac_of "$R1" r1a)" -s $AA -D $BA -H 1 -t 6
fpid=$BGPID
fout=$BGOUT
# frame too big has a budget of its own: with the flood holding R1's
# error budget at zero, a datagram too big for the middle link still
# earns its report (path MTU discovery is never rate-limited away)
for _ in $(seq 100); do
	[ $(($(counter "$R1" OutErrorsRateLimited) - rl)) -gt 0 ] && break
	sleep 0.05
done
check "flood: R1's error budget is spent" \
	test $(($(counter "$R1" OutErrorsRateLimited) - rl)) -gt 0
report toobig-flood toobig -c 10.3.0.77:7 -m 1400
check_out "during the flood: A -> B echoed" \
	nsx "$A" timeout 60 "$XECHO" client -b $AA -c $BA:7 -n 100 -m 900
bg_wait "$fpid" 20
check "flood sent" test $? = 0
show "$fout"
ms=$(($(now_ms) - t0))
sent=$(kv "$fout" flood_sent)
check_delta "$R1" InHopLimitExceeded "$h1" -ge $((sent / 2))
oe2=$(counter "$R1" OutErrors)
# one report per frame the rate allows in the time (+1 s of slack)
lim=$((BURST + RATE * (ms / 1000 + 2)))
check "flood: R1 sent $((oe2 - oe)) reports for $sent frames in $ms ms (<= $lim)" \
	test $((oe2 - oe)) -le $lim -a $((oe2 - oe)) -ge 1
check_delta "$R1" OutErrorsRateLimited "$rl" -ge $((sent / 2 - lim))

# --- 8b. a spray at unused addresses of R1's link to R2 -------------------
# Every frame to 10.2.0.10..209 makes R1 create a stranger's entry and
# ask for it, within net.xnet.neigh_query_rate (lowered to 10/s): the
# spray (1000 frames/s: a budget at zero, not a router out of CPU, which
# would drop A's frames too) holds that budget at zero and churns the
# strangers' half of the table. R2's entry, flushed, must come back anyway: R2 is the next hop
# of a gateway route, an entry of R1's own (regression: it was a
# stranger's, whose one query the spray's budget refused: A -> B was
# unreachable while the spray lasted).
section spray
nsx "$R1" sysctl -qw net.xnet.error_rate="$ER"
QR=$(nsx "$R1" sysctl -n net.xnet.neigh_query_rate)
nsx "$R1" sysctl -qw net.xnet.neigh_query_rate=10
ql=$(counter "$R1" NeighQueriesRateLimited)
bg "$A" "$XFWD" flood -i va -d "$(mac_of "$R1" r1a)" -s $AA -D 10.2.0.10 \
	-N 200 -R 1000 -H 64 -m 16 -t $((30 * TMUL))
fpid=$BGPID
spray_limited() {
	[ $(($(counter "$R1" NeighQueriesRateLimited) - ql)) -ge 50 ]
}
check "spray: R1's query budget is spent" wait_until 10 spray_limited
check "spray: xnetctl neigh flush to 10.2.0.2 on R1" \
	nsx "$R1" xnetctl neigh flush to 10.2.0.2
check_not "spray: R1 forgot R2" neigh_has "$R1" 10.2.0.2
ql2=$(counter "$R1" NeighQueriesRateLimited)
qo2=$(counter "$R1" NeighQueriesOut)
check_out "during the spray: A -> B echoed through R1's new entry for R2" \
	nsx "$A" timeout $((30 * TMUL)) "$XECHO" client -b $AA -c $BA:7 \
	-n 20 -m 500 -r 8 -w $((1000 * TMUL))
check_delta "$R1" NeighQueriesRateLimited "$ql2" -ge 1
check_delta "$R1" NeighQueriesOut "$qo2" -ge 1	# R1 asked for R2 itself
if [ "$RET" != 0 ]; then
	for ns in "$A" "$R1" "$R2" "$B"; do
		log "$ns: neighbours and counters"
		nsx "$ns" xnetctl neigh show | grep -v "10\.2\.0\.[0-9]*[0-9][0-9] " | show
		nsx "$ns" xnetctl stats | grep -vE " 0$" | show
	done
fi
check "spray: R2 is R1's REACHABLE neighbour" \
	neigh_has "$R1" 10.2.0.2 reachable
kill "$fpid" 2>/dev/null
bg_wait "$fpid" 10
nsx "$R1" sysctl -qw net.xnet.neigh_query_rate="$QR"

# --- 9. the route changed during a transfer -------------------------------
section reroute
f3=$(counter "$R3" ForwDatagrams)
r3a=$(devstat "$R3" r3a rx_bytes)
r3b=$(devstat "$R3" r3b rx_bytes)
M9=$((3 << 20))
rm -f "$TMPD/ready"
bg "$B" "$XBULK" server -b $BA:7503 -R "$TMPD/ready" -I -T 40 -n $M9 \
	-r 400000
spid=$BGPID
SOUT=$BGOUT
wait_file "$TMPD/ready" || fail "reroute: server not listening"
COUT=$TMPD/reroute.client
# paced to 7.5 s: the two route changes below (an xnetctl each) took
# more than the 3 s of 1 MB/s on a machine running four VMs, and the
# B-to-A direction had ended before R2 rerouted it
bg "$A" "$XBULK" client -c $BA:7503 -b $AA -I -T 40 -n $M9 -r 400000
cpid=$BGPID
cout=$BGOUT
sleep 0.5
xroute "$R1" add 10.3.0.0/24 via 10.4.0.2 metric 5
xroute "$R2" add 10.1.0.0/24 via 10.5.0.1 metric 5
f1=$(counter "$R1" ForwDatagrams)
bg_wait "$cpid" 45
CRC=$?
cp "$cout" "$COUT"
bg_wait "$spid" 10
SRC=$?
bulk_check "stream 3 MiB each way, rerouted through R3 during it"
# large frames: few of them, but at least a third of the bytes each way
check_delta "$R3" ForwDatagrams "$f3" -ge 2
d=$(($(devstat "$R3" r3a rx_bytes) - r3a))
check "reroute: R3 took $d bytes from R1 (>= 1 MiB)" test $d -ge $((1 << 20))
d=$(($(devstat "$R3" r3b rx_bytes) - r3b))
check "reroute: R3 took $d bytes from R2 (>= 1 MiB)" test $d -ge $((1 << 20))
nsx "$R1" xnetctl route get $BA | show

# --- 10. GRO on R1, large frames cut again on the way out ------------------
section gro
ip -n "$A" link set va gso_max_segs 1
nsx "$A" ethtool -K va tso off >/dev/null &&
	nsx "$R1" ethtool -K r1a gro on >/dev/null ||
	fail "ethtool: va tso off, r1a gro on"
ip -n "$R1" link set r1b gso_max_segs 1
ip -n "$R1" link set r1c gso_max_segs 1
gm=$(counter "$R1" InGroMerged)
f1=$(counter "$R1" ForwDatagrams)
tx1=$(($(devstat "$R1" r1b tx_packets) + $(devstat "$R1" r1c tx_packets)))
M10=$((2 << 20))
bulk gro "$B" $BA "$A" $AA 7504 30 -n 0 -N $M10 -- -n $M10 -N 0
bulk_check "stream 2 MiB A -> B, merged by GRO at R1 and cut again"
check_delta "$R1" InGroMerged "$gm" -ge 100
# R1 holds no connection: what it merged it forwarded; one segment per
# frame on the way out, each checked by R2 and B (no CRC error)
tx=$(($(devstat "$R1" r1b tx_packets) + $(devstat "$R1" r1c tx_packets) - tx1))
f=$(($(counter "$R1" ForwDatagrams) - f1))
check "gro: R1 forwarded $f frames, sent $tx (>= one per segment)" \
	test "$tx" -ge $((M10 / 1428))
check_counter "$B" InCsumErrors -eq 0

for ns in "$R1" "$R2" "$R3"; do
	check_counter "$ns" InCsumErrors -eq 0
	check_counter "$ns" InMalformed -eq 0
done
section end
finish

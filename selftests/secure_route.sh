#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Secure channels across routers (issue 13): protection is end to end,
# routers hold no keys and only the hop limit changes on the way.
#
#   A a0 --- r1a R1 r1b --- r2a R2 r2b --- b0 B     (lib.sh chain_setup)
#
# Keys on A (for B) and on B (for A) only, net.xnet.secure=1 on A and B,
# a capture (xnet_cap) on R1's r1b, between the routers:
#  1. middle link at MTU 1500: a stream of 2 MiB each way A <-> B intact
#     (SHA-256), SessionsEstablished moved on A and B, ForwDatagrams moved
#     on R1 and R2, the routers' key tables empty and no session counted
#     there; datagrams A -> B echoed;
#  2. the capture: every frame between A and B is sealed (type 7) or a
#     handshake (type 8), both directions, hop limit 63 (one router
#     passed), no (source, receiver index, counter) twice; no plain
#     stream or datagram frame between A and B;
#  3. middle link at MTU 1280: R1 refuses A's sealed frames too large for
#     it, A learns the path MTU from R1's report (which quotes a sealed
#     frame) and a new 1 MiB stream each way completes with
#     xi_mss <= 1280 - 72 - 32.
source "$(dirname "$0")/lib.sh"

XCAP=$HERE/xnet_cap
[ -x "$XBULK" ] || { echo "# FAIL: $XBULK not built"; exit 1; }
[ -x "$XCAP" ] || { echo "# FAIL: $XCAP not built"; exit 1; }
require_cmds sysctl

CHAIN_MTU=1500 chain_setup xsr-$$
A=$CH_A R1=$CH_R1 R2=$CH_R2 B=$CH_B
AA=$CH_A_ADDR BA=$CH_B_ADDR
KEY=8f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0

nsx "$A" xnetctl key add 11 $KEY peer $BA ||
	{ echo "# FAIL: xnetctl key add in A"; exit 1; }
nsx "$B" xnetctl key add 12 $KEY peer $AA ||
	{ echo "# FAIL: xnetctl key add in B"; exit 1; }
for ns in "$A" "$B"; do
	nsx "$ns" sysctl -qw net.xnet.secure=1 ||
		{ echo "# FAIL: net.xnet.secure=1 in $ns"; exit 1; }
done

# keys NS: the number of keys `xnetctl -j key show` lists in NS
keys() {
	local out
	out=$(nsx "$1" xnetctl -j key show) || { echo ERR; return; }
	grep -o '"id"' <<<"$out" | grep -c .
}
check "A holds its key" test "$(keys "$A")" = 1

declare -A se0
for ns in "$A" "$B" "$R1" "$R2"; do
	se0[$ns]=$(counter "$ns" SessionsEstablished)
done
f1=$(counter "$R1" ForwDatagrams)
f2=$(counter "$R2" ForwDatagrams)

# --- 1. a protected stream and datagrams across R1 and R2 ---------------
CAP=$TMPD/cap
bg "$R1" "$XCAP" record -i r1b -o "$CAP" -R "$TMPD/capready" \
	-S "$TMPD/capstop" -t $((300 * TMUL))
cpid=$BGPID
cout=$BGOUT
wait_file "$TMPD/capready" || fail "capture not started"

# frames the kernel's backlogs dropped (veth hands frames over through
# them): a diagnostic of the retransmissions, logged, not checked
softdrops() {
	local t=0 d
	for d in $(awk '{print $2}' /proc/net/softnet_stat); do
		t=$((t + 16#$d))
	done
	echo $t
}
sd=$(softdrops)
M=$((2 << 20))
bulk sec2 "$B" $BA "$A" $AA 7600 120 -n $M -- -n $M
bulk_check "protected stream 2 MiB each way across R1 and R2"
log "backlog drops (softnet_stat, every netns) during it: $(($(softdrops) - sd))"

bg "$B" timeout $((120 * TMUL)) "$XECHO" server -b $BA:7 -i 100
wait_sockets "$B" 1
check_out "protected datagrams A -> B echoed across R1 and R2" \
	nsx "$A" timeout $((60 * TMUL)) "$XECHO" client -b $AA -c $BA:7 \
	-n 100 -m 1000

touch "$TMPD/capstop"
bg_wait "$cpid" 30
check "capture ended" test $? = 0
show "$cout"

check_delta "$A" SessionsEstablished "${se0[$A]}" -ge 1
check_delta "$B" SessionsEstablished "${se0[$B]}" -ge 1
check_delta "$R1" SessionsEstablished "${se0[$R1]}" -eq 0
check_delta "$R2" SessionsEstablished "${se0[$R2]}" -eq 0
check_delta "$R1" ForwDatagrams "$f1" -ge $((2 * M / 1500))
check_delta "$R2" ForwDatagrams "$f2" -ge $((2 * M / 1500))
for ns in "$R1" "$R2"; do
	check "$ns: no key (xnetctl key show lists none)" \
		test "$(keys "$ns")" = 0
done
for ns in "$A" "$B"; do
	check_counter "$ns" InAuthFailures -eq 0
	check_counter "$ns" InReplays -eq 0
	check_counter "$ns" OutNoKey -eq 0
done

# --- 2. what crossed between the routers ----------------------------------
# lines: DIR TYPE HOP SADDR DADDR LEN [INNER INDEX COUNTER]
ab() {	# frames between A and B only
	awk -v a=$AA -v b=$BA '($4 == a && $5 == b) || ($4 == b && $5 == a)' \
		"$CAP"
}
n=$(ab | wc -l)
n7ab=$(ab | awk -v a=$AA '$2 == 7 && $4 == a' | wc -l)
n7ba=$(ab | awk -v b=$BA '$2 == 7 && $4 == b' | wc -l)
n8=$(ab | awk '$2 == 8' | wc -l)
plain=$(ab | awk '$2 != 7 && $2 != 8' | wc -l)
badhop=$(ab | awk '$3 != 63' | wc -l)
streams=$(ab | awk '$2 == 7 && $7 == 4' | wc -l)
dgrams=$(ab | awk '$2 == 7 && $7 == 1' | wc -l)
dups=$(ab | awk '$2 == 7 {k = $4 " " $8 " " $9; if (k in s) d++; s[k] = 1}
	END {print d + 0}')
log "captured between R1 and R2: $n frames A <-> B: sealed A->B $n7ab," \
    "B->A $n7ba (stream $streams, datagram $dgrams), handshake $n8"
check "sealed frames A -> B seen ($n7ab >= $((M / 1500)))" \
	test "$n7ab" -ge $((M / 1500))
check "sealed frames B -> A seen ($n7ba >= $((M / 1500)))" \
	test "$n7ba" -ge $((M / 1500))
check "sealed stream ($streams) and datagram ($dgrams) frames seen" \
	test "$streams" -gt 0 -a "$dgrams" -ge 100
check "handshake frames crossed the routers ($n8 >= 2)" test "$n8" -ge 2
check "no plain frame between A and B ($plain)" test "$plain" = 0
check "every frame A <-> B has hop limit 63 ($badhop have not)" \
	test "$badhop" = 0
check "no (source, index, counter) twice ($dups)" test "$dups" = 0

# --- 3. a smaller middle link: path MTU learnt from a sealed frame's report
ip -n "$R1" link set r1b mtu 1280 && ip -n "$R2" link set r2a mtu 1280 ||
	fail "middle link mtu 1280"
tb=$(counter "$R1" InTooBigErrors)
ie=$(counter "$A" InErrorsIgnored)
ir=$(counter "$A" InErrors)
M2=$((1 << 20))
bulk sec1280 "$B" $BA "$A" $AA 7601 60 -n $M2 -- -n $M2
bulk_check "protected stream 1 MiB each way across the 1280 link"
for f in "$COUT" "$SOUT"; do
	mss=$(kv "$f" info_mss)
	check "$(kv "$f" role): xi_mss $mss follows the 1280 path (<= 1176)" \
		test "${mss:-9999}" -le 1176 -a "${mss:-0}" -gt 0
done
check_delta "$R1" InTooBigErrors "$tb" -ge 1
# one report lowered the path MTU; those about the frames in flight with
# it found the path MTU lowered already (ignored, as for plain frames)
acted=$(($(counter "$A" InErrors) - ir - $(counter "$A" InErrorsIgnored) + ie))
check "A acted on a report quoting a sealed frame ($acted)" test "$acted" -ge 1

finish

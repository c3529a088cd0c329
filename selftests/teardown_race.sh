#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Teardown racing with traffic. Each round puts two netns on a veth with
# datagram (flood + echo), STREAM and SEQPACKET traffic between them and,
# while it runs, tries `rmmod xnet` every 50 ms, then deletes the link
# and/or the namespaces (order and timing random) and kills the programs,
# leaving connections orphaned against a vanished peer. Checked each
# round: every rmmod attempt failed "in use" while sockets were open (a
# socket is held open in A for the whole round), the datagram sender saw
# only the errnos a vanishing link may give, the module's reference count
# returns to 0 by itself, rmmod then succeeds, no namespace is left; and
# at the end no BUG/WARNING in the kernel log. The random choices come
# from XNET_RACE_SEED (default: the time), printed first.
source "$(dirname "$0")/lib.sh"

XBULK=$HERE/xnet_bulk
[ -x "$XBULK" ] || { echo "# FAIL: $XBULK not built"; exit 1; }
require_cmds rmmod modprobe dmesg

SEED=${XNET_RACE_SEED:-$(date +%s)}
ROUNDS=${XNET_RACE_ROUNDS:-4}
RANDOM=$SEED
log "seed $SEED (replay: XNET_RACE_SEED=$SEED), $ROUNDS rounds"

AA=10.0.6.1
BA=10.0.6.2
T0=$(date +%s)
DMESG0=$(dmesg | wc -l)

loaded() { [ -d /sys/module/xnet ]; }
refcnt() { cat /sys/module/xnet/refcnt 2>/dev/null || echo -1; }
# conns_up NS: a STREAM and a SEQPACKET socket ESTABLISHED in NS.
conns_up() {
	nsx "$1" awk 'NR > 1 && $2 == 4 { t[$1] = 1 }
		END { exit !(t[1] && t[5]) }' /proc/net/xnet/sockets
}
# a random delay of 0.MIN..0.MAX s (tenths)
rsleep() { sleep "0.$(($1 + RANDOM % ($2 - $1 + 1)))"; }

# the runner leaves xnet loaded; unloads below must see it come back
trap 'cleanup; loaded || modprobe xnet' EXIT
loaded || modprobe xnet

# rmmod_ok: the module unloads within 60 s (x XNET_TIMEOUT_MUL). Orphans
# against a vanished peer end at their next transmission, TIME_WAIT is
# 2 s, a pending resolution 3 s; but a connection whose link went while
# it was open and whose program was killed later ends only at its next
# (backed-off) retransmission, which under emulation has been ~50 s.
rmmod_ok() {
	local t=$SECONDS
	while [ $((SECONDS - t)) -lt $((60 * TMUL)) ]; do
		if rmmod xnet 2>/dev/null; then
			log "unloaded after $((SECONDS - t)) s"
			return 0
		fi
		sleep 0.2
	done
	rmmod xnet
}

round() {
	local r=$1 A=xr-a-$$-$1 B=xr-b-$$-$1 how hold flood rmloop p
	local bpids=() apids=() tries ok msg

	how=$((RANDOM % 3))	# 0: link, then B; 1: B (and the link with it); 2: link down, del, A first
	log "round $r: mode $how, at $(($(date +%s) - T0)) s"
	ns_create "$A" "$B"
	veth_link "$A" veth-a "$B" veth-b
	xaddr "$A" veth-a $AA
	xaddr "$B" veth-b $BA

	# traffic: datagram echo and flood, a stream and a seqpacket transfer
	bg "$B" "$XECHO" server -b $BA:7000 -i 30
	bpids+=("$BGPID")
	rm -f "$TMPD/ready-s" "$TMPD/ready-q" "$TMPD/ready-h"
	bg "$B" "$XBULK" server -b $BA:7001 -R "$TMPD/ready-s" -T 300 \
		-n 50000000 -r 400000
	bpids+=("$BGPID")
	bg "$B" "$XBULK" server -b $BA:7002 -R "$TMPD/ready-q" -T 300 \
		-n 50000000 -r 400000 -t seqpacket
	bpids+=("$BGPID")
	bg "$A" "$XECHO" hold -b $AA:7009 -t 600 -R "$TMPD/ready-h"
	hold=$BGPID
	wait_file "$TMPD/ready-s" && wait_file "$TMPD/ready-q" &&
		wait_file "$TMPD/ready-h" ||
		fail "round $r: servers not ready"
	bg "$A" "$XBULK" client -c $BA:7001 -b $AA -T 300 -n 50000000 -r 400000
	apids+=("$BGPID")
	bg "$A" "$XBULK" client -c $BA:7002 -b $AA -T 300 -n 50000000 \
		-r 400000 -t seqpacket
	apids+=("$BGPID")
	# The flood starts once both connections are up, so that its
	# 4 s (x XNET_TIMEOUT_MUL) overlap the teardown below: started
	# with them, it could end before a slow kernel had them up, and
	# a wait for all 4 sockets would never see them together.
	wait_until 10 conns_up "$A" || fail "round $r: connections not up"
	bg "$A" "$XECHO" flood -b $AA -c $BA:7000 -d $((4 * TMUL)) \
		-m $((1 + RANDOM % 1400))
	flood=$BGPID
	apids=("$BGPID" "${apids[@]}")
	if [ $RET != 0 ] || ! wait_sockets "$A" 4; then
		fail "round $r: traffic not running"
		# which program is missing, and what it said
		for p in $(seq "$BGN"); do
			log "round $r: program $p: $(head -c 300 "$TMPD/bg.$p" | tr '\n' ' ')"
		done
		for p in "${apids[@]}" "${bpids[@]}" "$hold"; do
			kill -0 "$p" 2>/dev/null || log "round $r: pid $p has ended"
		done
	fi
	log "round $r: traffic running at $(($(date +%s) - T0)) s"

	# rmmod, again and again, while sockets exist
	rm -f "$TMPD/stop" "$TMPD/rm.ok" "$TMPD/rm.n"
	(
		n=0
		while [ ! -e "$TMPD/stop" ]; do
			if rmmod xnet 2>"$TMPD/rm.err"; then
				echo "unloaded after $n attempts" >>"$TMPD/rm.ok"
				modprobe xnet
			fi
			n=$((n + 1))
			sleep 0.05
		done
		echo $n >"$TMPD/rm.n"
	) &
	rmloop=$!
	PIDS+=("$rmloop")

	sleep 1
	rsleep 0 9
	case $how in
	0)
		ip -n "$A" link del veth-a
		rsleep 1 6
		ip netns del "$B"
		kill -KILL "${bpids[@]}" 2>/dev/null
		;;
	1)
		ip netns del "$B"
		kill -KILL "${bpids[@]}" 2>/dev/null
		;;
	2)
		ip -n "$B" link set veth-b down
		rsleep 1 4
		ip -n "$B" link del veth-b
		rsleep 1 4
		# A's programs go first: their connections are orphaned
		kill -KILL "${apids[@]:1}" 2>/dev/null
		rsleep 1 4
		ip netns del "$B"
		kill -KILL "${bpids[@]}" 2>/dev/null
		;;
	esac
	wait "${bpids[@]}" 2>/dev/null

	# the flood ends by itself (4 s): only link-event errnos allowed
	bg_wait "$flood" 15
	p=$?
	check "round $r: datagram flood saw only expected errnos (exit $p)" \
		test $p = 0

	# the hold socket is still open: rmmod has failed every time
	check "round $r: socket still held" kill -0 "$hold"
	touch "$TMPD/stop"
	wait "$rmloop"
	tries=$(cat "$TMPD/rm.n" 2>/dev/null || echo 0)
	msg=$(cat "$TMPD/rm.err" 2>/dev/null)
	if [ -e "$TMPD/rm.ok" ]; then
		fail "round $r: rmmod succeeded with sockets open: $(cat "$TMPD/rm.ok")"
	else
		check "round $r: $tries rmmod attempts all failed while in use" \
			test "$tries" -ge 3
		check "round $r: rmmod said in use ($msg)" \
			grep -qi "in use" "$TMPD/rm.err"
	fi

	ip netns del "$A"
	kill -KILL "${apids[@]}" "$hold" 2>/dev/null
	wait "${apids[@]}" "$hold" 2>/dev/null
	NSLIST=()
	PIDS=()

	# rmmod races the last closes and the netns exits, then succeeds
	log "round $r: all killed at $(($(date +%s) - T0)) s"
	check "round $r: rmmod succeeds once everything is closed" rmmod_ok
	check_not "round $r: module gone" loaded
	check "round $r: no netns of the round left" \
		bash -c "! ip netns list | grep -q xr-.-$$-$r"
	modprobe xnet || { fail "round $r: modprobe"; return; }
	log "round $r: done at $(($(date +%s) - T0)) s"
}

for r in $(seq "$ROUNDS"); do
	round "$r"
	[ $RET = 0 ] || { log "failed in round $r, seed $SEED"; break; }
	# bounded: no new round after 15 s (slow emulation, debug kernels)
	if [ $(($(date +%s) - T0)) -gt 15 ]; then
		log "stopping after $r rounds (time)"
		break
	fi
done

bad=$(dmesg | tail -n +$((DMESG0 + 1)) |
	grep -E 'BUG|WARNING|Oops|refcount_t|UBSAN|KASAN|general protection')
[ -n "$bad" ] && sed 's/^/#   /' <<<"$bad"
check "kernel log clean" test -z "$bad"
check "left loaded for the runner" loaded
log "$(($(date +%s) - T0)) s, seed $SEED"
[ $RET = 0 ] || log "FAILED with XNET_RACE_SEED=$SEED"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Module lifecycle:
#  - rmmod fails while an AF_XNET socket is open (in any netns), the module
#    and its /proc files stay; after close rmmod succeeds and everything
#    is gone;
#  - socket(AF_XNET) and xnetctl load the module on demand;
#  - rmmod with a live netns still holding addresses and neighbours works,
#    and a reload starts that netns from scratch;
#  - 20 load/unload cycles, each checking that sockets work.
# The runner loaded xnet before this test and unloads it after: it is left
# loaded at the end.
source "$(dirname "$0")/lib.sh"

loaded() { [ -d /sys/module/xnet ]; }

# A frame waiting for resolution keeps its (closed) sender's socket, and
# so the module, until the resolution fails (3 s); sockets are then freed
# after an RCU grace period. Allow 12 s, less than the runner's 20 s.
rmmod_ok() {
	local i
	for i in $(seq 60); do
		rmmod xnet 2>/dev/null && return 0
		sleep 0.2
	done
	rmmod xnet
}

trap 'cleanup; loaded || modprobe xnet' EXIT

loaded || modprobe xnet
check "xnet is loaded" loaded

# --- busy while a socket is open ------------------------------------------
"$XECHO" hold -t 60 -R "$TMPD/ready" >/dev/null 2>&1 &
HOLD=$!
PIDS+=("$HOLD")
check "socket held open" wait_file "$TMPD/ready"
check_not "rmmod fails with a socket open" rmmod xnet
check "module still loaded" loaded
check "its /proc files still there" test -r /proc/net/xnet/sockets
check "refcnt counts the socket" \
	test "$(cat /sys/module/xnet/refcnt 2>/dev/null)" -ge 1
kill "$HOLD"
wait "$HOLD" 2>/dev/null

# the same with the socket in another netns, bound and with traffic
N=xm-$$
ns_create "$N"
ip -n "$N" link add m0 type veth peer name m1
ip -n "$N" link set m0 up
ip -n "$N" link set m1 up
xaddr "$N" m0 10.0.7.1
xaddr "$N" m1 10.0.7.2
bg "$N" timeout 60 "$XECHO" hold -b 10.0.7.1:99 -c 10.0.7.77:9 -t 60 \
	-R "$TMPD/ready2"
HOLD=$BGPID
check "socket held open in $N" wait_file "$TMPD/ready2"
check_not "rmmod fails with a socket open in another netns" rmmod xnet
check "module still loaded" loaded
kill "$HOLD"
bg_wait "$HOLD" 10 >/dev/null

check "rmmod succeeds once the sockets are closed" rmmod_ok
check_not "module gone" loaded
check_not "/proc/net/xnet gone" test -e /proc/net/xnet

# $N still exists with two addresses: a reload must start it empty
modprobe xnet
check "reloaded" loaded
check "netns $N starts with no addresses after the reload" \
	test -z "$(nsx "$N" xnetctl addr show)"
check "netns $N starts with no neighbours" \
	test "$(proc_entries "$N" neigh)" = 0
check_counter "$N" OutDatagrams -eq 0

# --- loading on demand ----------------------------------------------------
check "rmmod" rmmod_ok
check "socket(AF_XNET) loads the module on demand" "$XECHO" socket
check "loaded by socket()" loaded
check "rmmod" rmmod_ok
check "xnetctl loads the module on demand" bash -c "xnetctl stats >/dev/null"
check "loaded by xnetctl" loaded
check "rmmod" rmmod_ok

# --- 10 cycles ------------------------------------------------------------
MUL=${XNET_TIMEOUT_MUL:-1}
bad=0
for i in $(seq 10); do
	if ! modprobe xnet; then
		fail "cycle $i: modprobe"
		bad=1
		break
	fi
	if ! "$XECHO" socket; then
		fail "cycle $i: socket(AF_XNET)"
		bad=1
	fi
	if [ $((i % 5)) = 0 ]; then
		# addresses, local traffic and a pending resolution in $N
		xaddr "$N" m0 10.0.7.1
		xaddr "$N" m1 10.0.7.2
		# its lifetime and idle time stretched too: on the debug
		# lane, with another VM on the host, 3 s of idle passed
		# before the first datagram came
		nsx "$N" timeout $((20 * MUL)) "$XECHO" server -b 10.0.7.2:7 \
			-i $((3 * MUL)) >/dev/null 2>&1 &
		srv=$!
		wait_sockets "$N" 1 >/dev/null
		# reply waits stretched on the debug lane's slower kernel
		if ! nsx "$N" timeout $((10 * MUL)) "$XECHO" send \
			-b 10.0.7.1 -c 10.0.7.2:7 -m 1000 -E -r 3 \
			-w $((500 * MUL)) >/dev/null; then
			fail "cycle $i: local echo"
			bad=1
		fi
		nsx "$N" timeout 10 "$XECHO" send -b 10.0.7.1 \
			-c 10.0.7.88:7 -m 10 >/dev/null
		nsx "$N" timeout 10 "$XECHO" client -b 10.0.7.1 \
			-c 10.0.7.2:7 -n 0 -q >/dev/null
		wait "$srv"
	fi
	if ! rmmod_ok; then
		fail "cycle $i: rmmod"
		bad=1
		break
	fi
done
[ $bad = 0 ] && pass "10 load/use/unload cycles"

ns_del "$N"
modprobe xnet
check "left loaded for the runner" loaded
finish

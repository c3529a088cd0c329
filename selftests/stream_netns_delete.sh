#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Deleting network namespaces with live connections is clean: two netns
# with STREAM and SEQPACKET transfers in flight are deleted and their
# processes killed; every connection must end by itself (reset, or an
# orphan giving up on an unreachable peer), and the module's reference
# count must return to zero, i.e. no socket, timer or skb is left.
source "$(dirname "$0")/lib.sh"

XBULK=$HERE/xnet_bulk
[ -x "$XBULK" ] || { echo "# FAIL: $XBULK not built"; exit 1; }

A=xd-a-$$
B=xd-b-$$
AA=10.0.4.1
BA=10.0.4.2

ns_create "$A" "$B"
veth_link "$A" veth-a "$B" veth-b
xaddr "$A" veth-a $AA
xaddr "$B" veth-b $BA

refcnt() {
	cat /sys/module/xnet/refcnt 2>/dev/null || echo -1
}

check "no xnet socket before the test" test "$(refcnt)" = 0

# paced transfers, so that they are in the middle when the netns go
pids=()
for t in 0 1; do
	port=$((7600 + t))
	sargs=()
	[ $t = 1 ] && sargs=(-t seqpacket)
	rm -f "$TMPD/ready"
	bg "$B" "$XBULK" server -b $BA:$port -R "$TMPD/ready" -T 60 \
		-n 50000000 -r 300000 "${sargs[@]}"
	pids+=("$BGPID")
	wait_file "$TMPD/ready" || fail "server $t not listening"
	bg "$A" "$XBULK" client -c $BA:$port -b $AA -T 60 -n 50000000 \
		-r 300000 "${sargs[@]}"
	pids+=("$BGPID")
done
sleep 2
n=$(($(proc_entries "$A" sockets) + $(proc_entries "$B" sockets)))
check "connections established before the deletion ($n sockets)" \
	test "$n" -ge 4
check "the module is in use" test "$(refcnt)" -gt 0

ip netns del "$A"
ip netns del "$B"
kill -KILL "${pids[@]}" 2>/dev/null
wait "${pids[@]}" 2>/dev/null
NSLIST=()

# every connection ends by itself, bounded
for i in $(seq 200); do
	[ "$(refcnt)" = 0 ] && break
	sleep 0.1
done
check "module reference count back to 0 ($(refcnt)) after $((i / 10)) s" \
	test "$(refcnt)" = 0
finish

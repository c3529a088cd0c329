#!/bin/bash
# xnet demo, run inside the test VM (make demo): two network namespaces
# a and b joined by a veth pair, one xnet address each, xnet-ping from a to
# b, then the neighbour tables and counters of both sides.
set -euo pipefail
export PATH=/usr/bin:/usr/sbin:/bin:/sbin

step() { printf '\n### %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

srv=""
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	ip netns delete a 2>/dev/null
	ip netns delete b 2>/dev/null
	true
}
trap cleanup EXIT

step "load the module"
run modprobe xnet
run lsmod

step "two namespaces joined by veth"
run ip netns add a
run ip netns add b
run ip link add veth-a netns a type veth peer name veth-b netns b
for ns in a b; do
	run ip -n "$ns" link set lo up
	run ip -n "$ns" link set "veth-$ns" up
done

step "xnet addresses"
run ip netns exec a xnetctl addr add 10.0.0.1 dev veth-a
run ip netns exec b xnetctl addr add 10.0.0.2 dev veth-b
run ip netns exec a xnetctl addr show
run ip netns exec b xnetctl addr show

step "xnet-ping server in b"
printf '$ ip netns exec b xnet-ping -l -q &\n'
ip netns exec b xnet-ping -l -q &
srv=$!
sleep 1

step "ping b from a"
run ip netns exec a xnet-ping -c 10 10.0.0.2

for ns in a b; do
	step "state in netns $ns"
	run ip netns exec "$ns" xnetctl neigh show
	run ip netns exec "$ns" xnetctl stats
done

step "done"
kill "$srv" 2>/dev/null || true
wait "$srv" 2>/dev/null || true
srv=""

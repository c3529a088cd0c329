#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prefixes and routes, on single links (no forwarding):
#
#   B vb 10.1.0.2/24, 10.9.0.1/16 --- va 10.1.0.1/24  A  10.2.0.1/24 va2 --- vc 10.2.0.2/24 C
#
#  - addresses show A/LEN (text and JSON); each prefix's connected route
#    appears with its address and goes with it;
#  - A reaches B and C unbound, each with the source of the right link (B
#    and C have no route back to A's other address: the echo proves it);
#  - route add 10.9.0.0/16 via 10.1.0.2: a datagram to 10.9.0.1 resolves
#    the gateway (A's neighbour table has 10.1.0.2, not 10.9.0.1);
#  - route get, metric ties, default route, errors (EEXIST, ESRCH,
#    ENETUNREACH for a gateway not on link, EPERM counted ConfigRefused,
#    invalid prefix counted ConfigInvalid), no route -> ENETUNREACH
#    counted OutNoRoute;
#  - a gateway route goes when its gateway's prefix goes;
#  - 10 000 routes by xnetctl -b: lookups right, the dump complete, and
#    all gone with their device; net.xnet.route_max refuses (ENOSPC,
#    RouteTableFull).
source "$(dirname "$0")/lib.sh"
require_cmds socat cmp nsenter

# About 80 commands run in A: nsenter enters the netns without the mount
# namespace and /sys remount of ip netns exec, which cost most of this
# test's time under TCG. (xnetctl and sysctl need only the network
# namespace: /proc/sys/net follows the reader's.)
nsx() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

A=xn-ra-$$
B=xn-rb-$$
C=xn-rc-$$

ns_create "$A" "$B" "$C"
veth_link "$A" va "$B" vb
veth_link "$A" va2 "$C" vc
xaddr "$A" va 10.1.0.1/24
xaddr "$A" va2 10.2.0.1/24
xaddr "$B" vb 10.1.0.2/24
xaddr "$B" vb 10.9.0.1/16
xaddr "$C" vc 10.2.0.2/24

bg "$B" timeout 300 "$XECHO" server -b 10.1.0.2:7 -i 250
bg "$B" timeout 300 "$XECHO" server -b 10.9.0.1:7 -i 250
bg "$C" timeout 300 "$XECHO" server -b 10.2.0.2:7 -i 250
wait_sockets "$B" 2 || finish
wait_sockets "$C" 1 || finish

rshow() { nsx "$1" xnetctl route show; }
# route_has NS PATTERN...: a line of route show matches every pattern
route_has() {
	local ns=$1 lines p
	shift
	lines=$(rshow "$ns")
	for p in "$@"; do
		lines=$(grep -- "$p" <<<"$lines") || return 1
	done
}
# fails_with NS MESSAGE CMD...: xnetctl exits 1 with MESSAGE on stderr
fails_with() {
	local ns=$1 msg=$2 out rc
	shift 2
	out=$(nsx "$ns" "$@" 2>&1)
	rc=$?
	echo "$out" | show
	[ $rc = 1 ] && grep -q -- "$msg" <<<"$out"
}
# rget NS PATTERN ARGS...: the output of xnetctl ARGS matches PATTERN
rget() {
	local ns=$1 pat=$2 out
	shift 2
	out=$(nsx "$ns" xnetctl "$@") || return 1
	grep -q -- "$pat" <<<"$out" || { echo "$out" | show; return 1; }
}
send() {	# send NS DST:PORT [args]: one datagram, unbound, echo awaited
	local ns=$1 dst=$2
	shift 2
	nsx "$ns" timeout 20 "$XECHO" send -c "$dst" -m 100 -E -r 5 -w 1000 "$@"
}

# --- addresses with prefixes, connected routes ----------------------------
check "addr show: 10.1.0.1/24" addr_has "$A" 10.1.0.1/24
check "addr show -j: prefixlen 24" rget "$A" '"local":"10.1.0.1","prefixlen":24' -j addr show
check "connected 10.1.0.0/24 dev va" route_has "$A" "^10.1.0.0/24 dev va type connected metric 0"
check "connected 10.2.0.0/24 dev va2" route_has "$A" "^10.2.0.0/24 dev va2 type connected"
check "B: one route per prefix" test "$(rshow "$B" | wc -l)" = 2
rshow "$A" | show

# --- the right source on each link ----------------------------------------
check_out "A -> B (10.1.0.2) unbound" send "$A" 10.1.0.2:7
check_out "A -> C (10.2.0.2) unbound" send "$A" 10.2.0.2:7
# an unbound connect to C: the route's source (docs/NOTES.md's old gap:
# the first address, 10.1.0.1, which C cannot answer)
sxn() {
	local IFS=.
	# shellcheck disable=SC2086
	set -- "$1" $2
	printf 'x%04xx%02x%02x%02x%02xx0000000000000000' "$1" "$2" "$3" "$4" "$5"
}
bg "$C" timeout 40 socat -u "SOCKET-LISTEN:22:0:$(sxn 7600 10.2.0.2),socktype=1" \
	"CREATE:$TMPD/stream.out"
spid=$BGPID
wait_sockets "$C" 2
echo "through the route's source" >"$TMPD/stream.in"
check_out "stream A -> C, unbound connect" nsx "$A" timeout 30 socat -u \
	"OPEN:$TMPD/stream.in" "SOCKET-CONNECT:22:0:$(sxn 7600 10.2.0.2),socktype=1"
bg_wait "$spid" 20
check "C received the stream" cmp -s "$TMPD/stream.in" "$TMPD/stream.out"
check "route get 10.2.0.2: dev va2 src 10.2.0.1" rget "$A" '^10.2.0.2 dev va2 src 10.2.0.1 mtu 1500 route 10.2.0.0/24 type connected' route get 10.2.0.2
check "route get -j 10.1.0.7" rget "$A" '"dst":"10.1.0.7","prefix":"10.1.0.0/24","type":"connected","metric":0,"dev":"va","prefsrc":"10.1.0.1","mtu":1500' -j route get 10.1.0.7

# --- no route --------------------------------------------------------------
nr0=$(counter "$A" OutNoRoute)
check "route get 10.3.0.1: unreachable" fails_with "$A" "network unreachable" xnetctl route get 10.3.0.1
check "send to 10.3.0.1: ENETUNREACH" nsx "$A" "$XECHO" send -c 10.3.0.1:7 -x ENETUNREACH
check_delta "$A" OutNoRoute "$nr0" -eq 1

# --- a gateway route: the next hop is resolved ----------------------------
check "route add 10.9.0.0/16 via 10.1.0.2" nsx "$A" xnetctl route add 10.9.0.0/16 via 10.1.0.2
check "shown with its gateway and device" route_has "$A" "^10.9.0.0/16 via 10.1.0.2 dev va type gateway metric 0"
nsx "$A" xnetctl neigh flush
check_out "A -> 10.9.0.1 through the gateway" send "$A" 10.9.0.1:7
check "neigh: the gateway's entry" neigh_has "$A" 10.1.0.2 "dev va" REACHABLE
check_not "neigh: no entry for the destination" neigh_has "$A" 10.9.0.1
check "route get 10.9.3.4: via 10.1.0.2" rget "$A" '^10.9.3.4 via 10.1.0.2 dev va src 10.1.0.1 mtu 1500 route 10.9.0.0/16 type gateway' route get 10.9.3.4

# --- errors ---------------------------------------------------------------
check "EEXIST: the same prefix and metric" fails_with "$A" "route exists" \
	xnetctl route add 10.9.0.0/16 via 10.2.0.2
check "ESRCH: del of a missing route" fails_with "$A" "no such route" \
	xnetctl route del 10.8.0.0/16
check "ESRCH: del with another gateway" fails_with "$A" "no such route" \
	xnetctl route del 10.9.0.0/16 via 10.2.0.2
check "ENETUNREACH: gateway not on link" fails_with "$A" "network unreachable" \
	xnetctl route add 10.7.0.0/16 via 10.5.0.1
check "ENETUNREACH: gateway on another device than dev" fails_with "$A" "network unreachable" \
	xnetctl route add 10.7.0.0/16 via 10.2.0.2 dev va
ci0=$(counter "$A" ConfigInvalid)
check "EINVAL: host bits in the prefix" fails_with "$A" "invalid argument" \
	xnetctl route add 10.7.0.1/16 via 10.2.0.2
check_delta "$A" ConfigInvalid "$ci0" -eq 1
cr0=$(counter "$A" ConfigRefused)
check "EPERM: route add without CAP_NET_ADMIN" fails_with "$A" "permission denied" \
	"$XECHO" nobody xnetctl route add 10.7.0.0/16 via 10.2.0.2
check "EPERM: route del without CAP_NET_ADMIN" fails_with "$A" "permission denied" \
	"$XECHO" nobody xnetctl route del 10.9.0.0/16
check_delta "$A" ConfigRefused "$cr0" -eq 2
check "route get works unprivileged" nsx "$A" "$XECHO" nobody xnetctl route get 10.9.0.1

# --- metrics, default route -----------------------------------------------
check "route add 10.9.0.0/16 via 10.2.0.2 metric 10" nsx "$A" xnetctl route add 10.9.0.0/16 via 10.2.0.2 metric 10
check "metric 0 wins" rget "$A" 'via 10.1.0.2 dev va ' route get 10.9.0.1
check "del the metric 0 route" nsx "$A" xnetctl route del 10.9.0.0/16 via 10.1.0.2
check "now metric 10" rget "$A" 'via 10.2.0.2 dev va2 src 10.2.0.1 .* metric 10' route get 10.9.0.1
check "del metric 10" nsx "$A" xnetctl route del 10.9.0.0/16 metric 10
check "route add default via 10.2.0.2" nsx "$A" xnetctl route add default via 10.2.0.2
check "default shown" route_has "$A" "^default via 10.2.0.2 dev va2 type gateway"
check "10.77.0.1 takes the default" rget "$A" '^10.77.0.1 via 10.2.0.2 dev va2 src 10.2.0.1 mtu 1500 route default' route get 10.77.0.1
check "the connected prefix beats the default" rget "$A" 'dev va src 10.1.0.1' route get 10.1.0.2
check "oif va2: 10.1.0.2 takes the default" rget "$A" 'via 10.2.0.2 dev va2 ' route get 10.1.0.2 oif va2

# --- a change is seen at once by the next lookup (route.c's cache) --------
# the same lookup, just made, pinned to one CPU when taskset exists so
# it hits the per-CPU cache: each change must make it stale
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)
pget() {	# pget PATTERN ARGS...: as rget in A, on CPU 0 if possible
	local pat=$1 out
	shift
	out=$(nsx "$A" "${pin[@]}" xnetctl "$@" 2>&1)
	grep -q -- "$pat" <<<"$out" || { echo "$out" | show; return 1; }
}
for i in 1 2 3; do
	check "$i: 10.77.0.1 via the default" pget 'via 10.2.0.2 dev va2 ' route get 10.77.0.1
	check "$i: again, cached" pget 'via 10.2.0.2 dev va2 ' route get 10.77.0.1
	nsx "$A" xnetctl route add 10.77.0.0/16 via 10.1.0.2
	check "$i: after route add /16: via 10.1.0.2" pget 'via 10.1.0.2 dev va ' route get 10.77.0.1
	nsx "$A" xnetctl route del 10.77.0.0/16
	check "$i: after route del /16: default again" pget 'via 10.2.0.2 dev va2 ' route get 10.77.0.1
	ip -n "$A" link set va2 down
	check "$i: va2 down: unreachable" pget 'network unreachable' route get 10.77.0.1
	ip -n "$A" link set va2 up
	check "$i: va2 up: default again" pget 'via 10.2.0.2 dev va2 ' route get 10.77.0.1
done

check "addr del 10.2.0.1 dev va2" nsx "$A" xnetctl addr del 10.2.0.1 dev va2
check_not "connected 10.2.0.0/24 gone" route_has "$A" "^10.2.0.0/24"
check_not "default via 10.2.0.2 gone" route_has "$A" "^default"
xaddr "$A" va2 10.2.0.1/24
check "connected 10.2.0.0/24 back" route_has "$A" "^10.2.0.0/24 dev va2"

log "before 10 000 routes: $SECONDS s"
# --- 10 000 routes ----------------------------------------------------------
N=10000
for ((i = 0; i < N; i++)); do
	echo "route add 20.$((i / 256)).$((i % 256)).0/24 via 10.1.0.2"
done >"$TMPD/batch"
echo "route add 20.5.7.128/25 via 10.2.0.2" >>"$TMPD/batch"
t0=$(now_ms)
check "xnetctl -b: $N routes" nsx "$A" xnetctl -b "$TMPD/batch"
log "$N routes added in $(($(now_ms) - t0)) ms"
t0=$(now_ms)
n=$(rshow "$A" | grep -c '^20\.')
log "route show of $N routes: $(($(now_ms) - t0)) ms"
check "route show: $((N + 1)) routes (got $n)" test "$n" = $((N + 1))
n=$(nsx "$A" xnetctl -j route show | grep -o '"prefix":"20\.' | wc -l)
check "route show -j: $((N + 1)) routes (got $n)" test "$n" = $((N + 1))
check "20.5.7.9: /24 via 10.1.0.2" rget "$A" 'via 10.1.0.2 dev va .* route 20.5.7.0/24 type gateway' route get 20.5.7.9
check "20.5.7.200: /25 via 10.2.0.2" rget "$A" 'via 10.2.0.2 dev va2 .* route 20.5.7.128/25 type gateway' route get 20.5.7.200
check "20.39.15.1: /24 via 10.1.0.2" rget "$A" 'route 20.39.15.0/24 type gateway' route get 20.39.15.1
check "20.40.0.1: no route" fails_with "$A" "network unreachable" xnetctl route get 20.40.0.1
check_out "traffic still flows with $N routes" send "$A" 10.1.0.2:7

# the device goes: every route through it goes
t0=$(now_ms)
ip -n "$A" link del va
log "link del with $N routes: $(($(now_ms) - t0)) ms"
n=$(rshow "$A" | grep -c '^20\.')
check "after link del va: 1 route left (got $n)" test "$n" = 1
check_not "no route via va" route_has "$A" "dev va "
check "20.5.7.200 still via va2" rget "$A" 'via 10.2.0.2 dev va2' route get 20.5.7.200

# --- net.xnet.route_max -----------------------------------------------------
nsx "$A" sysctl -qw net.xnet.route_max=4	# va2's /24 and 20.5.7.128/25
check "route add 3/4" nsx "$A" xnetctl route add 30.0.0.0/8 via 10.2.0.2
check "route add 4/4" nsx "$A" xnetctl route add 31.0.0.0/8 via 10.2.0.2
rf0=$(counter "$A" RouteTableFull)
check "route add 5/4: ENOSPC" fails_with "$A" "route table full" \
	xnetctl route add 32.0.0.0/8 via 10.2.0.2
check_delta "$A" RouteTableFull "$rf0" -eq 1
check "addr add with a prefix: ENOSPC too" fails_with "$A" "table full" \
	xnetctl addr add 10.4.0.1/24 dev va2
check "a bare address needs no room" nsx "$A" xnetctl addr add 10.4.0.1 dev va2
check "bare shown as its own kind" route_has "$A" "^0.0.0.0/0 dev va2 type bare"

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xnet across a routed IPv4 network, carried by an L2 tunnel. Three netns:
# A and B, each joined to the router R by its own veth pair and /24, R
# forwarding, A and B routing to each other's /24 through R: their only
# connection is an IPv4 path. Over a vxlan device (unicast remote, UDP
# port 4789) and then a gretap device, xnet addresses on the tunnel
# devices (and, unreachable from each other, on the underlay devices):
#  - datagrams: 200 echoed, sizes up to the largest that fits the tunnel's
#    MTU; one byte more is refused with EMSGSIZE;
#  - connections: 50 connections to an echo server, one exchange each;
#  - a 16 MiB stream each way, SHA-256 checked (xnet_bulk);
#  - MTU: each end's MSS is the tunnel device's MTU minus xnet's header
#    and SACK room (68), and the tunnel's MTU is below the path's 1500;
#    nothing was fragmented or dropped for its size: IP fragmentation and
#    reassembly counters of A, R and B did not move, R sent no ICMP
#    "fragmentation needed", the tunnel devices dropped nothing; R did
#    forward the traffic.
# vxlan opens a UDP encapsulation socket (a static key): the test runs
# alone, and makes its tunnels before any traffic.
source "$(dirname "$0")/lib.sh"

[ -x "$XBULK" ] || { echo "# FAIL: $XBULK not built"; exit 1; }
for m in vxlan ip_gre; do
	modprobe "$m" || { echo "# FAIL: modprobe $m"; exit 1; }
done

A=xt-a-$$
R=xt-r-$$
B=xt-b-$$
UA=10.100.1.1
UB=10.100.2.1
M=$((16 << 20))
ns_create "$A" "$R" "$B"
no_ipv6 "$A" "$R" "$B"
veth_link "$A" ul "$R" ra
veth_link "$B" ul "$R" rb
ip -n "$A" addr add $UA/24 dev ul &&
	ip -n "$R" addr add 10.100.1.254/24 dev ra &&
	ip -n "$R" addr add 10.100.2.254/24 dev rb &&
	ip -n "$B" addr add $UB/24 dev ul &&
	ip -n "$A" route add 10.100.2.0/24 via 10.100.1.254 &&
	ip -n "$B" route add 10.100.1.0/24 via 10.100.2.254 &&
	nsx "$R" bash -c 'echo 1 >/proc/sys/net/ipv4/ip_forward' ||
	{ fail "routed path"; finish; }
check_out "A reaches B over IPv4, through R" \
	nsx "$A" ping -c 1 -W $((5 * TMUL)) $UB

# tunnel ends: A's then B's (local and remote swapped)
ip -n "$A" link add vx0 type vxlan id 42 local $UA remote $UB dstport 4789 \
	dev ul &&
	ip -n "$B" link add vx0 type vxlan id 42 local $UB remote $UA \
	dstport 4789 dev ul &&
	ip -n "$A" link add gt0 type gretap local $UA remote $UB &&
	ip -n "$B" link add gt0 type gretap local $UB remote $UA ||
	{ fail "tunnel devices"; finish; }
for ns in "$A" "$B"; do
	ip -n "$ns" link set vx0 up && ip -n "$ns" link set gt0 up ||
		{ fail "tunnels up in $ns"; finish; }
done
# xnet on the underlay devices too, first (as on a host whose NIC has an
# xnet address): the sockets below, bound to tunnel addresses, must get
# the tunnel's MTU, not the NIC's
xaddr "$A" ul 10.60.1.1
xaddr "$B" ul 10.60.2.1
xaddr "$A" vx0 10.50.0.1
xaddr "$B" vx0 10.50.0.2
xaddr "$A" gt0 10.51.0.1
xaddr "$B" gt0 10.51.0.2

# snmp NS GROUP FIELD: a counter of /proc/net/snmp.
snmp() {
	nsx "$1" awk -v g="$2:" -v f="$3" '
		$1 == g && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
		$1 == g && h { for (i = 2; i <= NF; i++) if (n[i] == f) print $i }' \
		/proc/net/snmp
}

# role NS: A, R or B.
role() {
	case $1 in
	"$A") echo A ;;
	"$R") echo R ;;
	*) echo B ;;
	esac
}

IPSTATS="FragCreates FragOKs FragFails ReasmReqds ReasmFails"

# tunnel NAME DEV A_ADDR B_ADDR PORT
tunnel() {
	local name=$1 dev=$2 aa=$3 ba=$4 port=$5 mtu ns f v
	local -A s0=()

	mtu=$(nsx "$A" cat /sys/class/net/$dev/mtu)
	check "$name: MTU $mtu, below the path's 1500" \
		test "$mtu" -lt 1500 -a "$mtu" -gt 1300
	check "$name: both ends have MTU $mtu" \
		test "$(nsx "$B" cat /sys/class/net/$dev/mtu)" = "$mtu"
	for ns in "$A" "$R" "$B"; do
		for f in $IPSTATS; do
			s0[$ns.$f]=$(snmp "$ns" Ip $f)
		done
	done
	s0[fwd]=$(snmp "$R" Ip ForwDatagrams)
	s0[unr]=$(snmp "$R" Icmp OutDestUnreachs)
	for ns in "$A" "$B"; do
		for f in tx_dropped tx_errors rx_dropped rx_errors; do
			s0[$ns.$f]=$(devstat "$ns" $dev $f)
		done
	done

	# datagrams: the largest that fits, and one byte more
	bg "$B" timeout $((60 * TMUL)) "$XECHO" server -b $ba:7 -i 60
	wait_sockets "$B" 1 || return
	check_out "$name: 200 datagrams of up to $((mtu - 24)) bytes echoed" \
		nsx "$A" timeout $((40 * TMUL)) "$XECHO" client -b $aa \
		-c $ba:7 -n 200 -m $((mtu - 24))
	check_out "$name: a datagram of $((mtu - 23)) bytes: EMSGSIZE" \
		nsx "$A" timeout $((10 * TMUL)) "$XECHO" send -b $aa \
		-c $ba:7 -m $((mtu - 23)) -x EMSGSIZE
	check_out "$name: a datagram of $((mtu - 24)) bytes echoed" \
		nsx "$A" timeout $((10 * TMUL)) "$XECHO" send -b $aa \
		-c $ba:7 -m $((mtu - 24)) -E -r 3 -w 2000
	nsx "$A" timeout $((10 * TMUL)) "$XECHO" client -b $aa -c $ba:7 \
		-n 1 -q >/dev/null

	# connections
	rm -f "$TMPD/ready"
	bg "$B" "$XBULK" echo -b $ba:$((port + 1)) -k 50 -R "$TMPD/ready" \
		-T $((40 * TMUL))
	v=$BGPID
	wait_file "$TMPD/ready" || fail "$name: echo server not listening"
	check_out "$name: 50 connections, one exchange each" \
		nsx "$A" "$XBULK" many -c $ba:$((port + 1)) -b $aa -n 50 -p 25 \
		-T $((30 * TMUL))
	bg_wait $v 10
	check "$name: echo server saw 50 clean connections" test $? = 0

	# 16 MiB each way
	bulk $name "$B" $ba "$A" $aa $port 90 -n $M -- -n $M
	bulk_check "$name: stream 16 MiB each way"
	check "$name: client's MSS $(kv "$COUT" info_mss) = MTU $mtu - 72" \
		test "$(kv "$COUT" info_mss)" = $((mtu - 72))
	check "$name: server's MSS $(kv "$SOUT" info_mss) = MTU $mtu - 72" \
		test "$(kv "$SOUT" info_mss)" = $((mtu - 72))

	# nothing fragmented, nothing dropped for its size
	for ns in "$A" "$R" "$B"; do
		for f in $IPSTATS; do
			v=$(snmp "$ns" Ip $f)
			check "$name: $(role "$ns") Ip $f did not move ($v)" \
				test "$v" = "${s0[$ns.$f]}"
		done
	done
	v=$(snmp "$R" Icmp OutDestUnreachs)
	check "$name: R sent no ICMP unreachable ($v)" test "$v" = "${s0[unr]}"
	for ns in "$A" "$B"; do
		for f in tx_dropped tx_errors rx_dropped rx_errors; do
			v=$(devstat "$ns" $dev $f)
			check "$name: $(role "$ns") $dev $f did not move ($v)" \
				test "$v" = "${s0[$ns.$f]}"
		done
	done
	v=$(($(snmp "$R" Ip ForwDatagrams) - ${s0[fwd]}))
	check "$name: R forwarded the traffic ($v datagrams)" \
		test $v -ge $((2 * M / 65536))
}

tunnel vxlan vx0 10.50.0.1 10.50.0.2 7500
tunnel gretap gt0 10.51.0.1 10.51.0.2 7600
for ns in "$A" "$B"; do
	check_counter "$ns" InCsumErrors -eq 0
	check_counter "$ns" InMalformed -eq 0
done
nsx "$A" xnetctl neigh show | show
finish

#!/bin/bash
# xnet benchmark, run inside the VM (make bench): namespaces a (clients)
# and b (servers) joined by a veth pair, MTU 1500, carrying xnet, IPv4 and
# a TIPC Ethernet bearer; xnet-bench measures every figure of the benchmark
# XNET_BENCH_REPS times.  Raw results go to the third serial port
# (/dev/ttyS2) as JSON lines, one per measurement, between a "meta" line and
# an "end" line; the host aggregates them (scripts/bench-report.py).
#
# Settings come from the kernel command line (xnetbench.NAME=VALUE, set by
# vm.sh from the host's XNET_BENCH_* variables):
#   reps=5       repetitions of each figure
#   secs=2       seconds per throughput / latency / connection-rate run
#   idle_n=2000  idle connections for the memory test
#   only=        comma-separated figure list to run (default: all but prof):
#                tput,rr,crr,loss,idle,fair,routes (routes: xnet 1-byte
#                request/response with 1 route and with 10 000, see
#                routes_rep below; fair: one xnet and one TCP
#                stream through an htb class of 100 Mbit/s with 10 ms
#                netem delay on veth-a, fair_secs long)
#   fair_secs=20 seconds of the fairness run
#                prof: a system-wide perf profile of one XNET and one TCP
#                stream (hottest symbols in the console log), once
#   pin=1        servers and the rr/crr clients on CPU 0 (see below)
set -uo pipefail
export PATH=/usr/bin:/usr/sbin:/bin:/sbin

REPS=5 SECS=2 IDLE_N=2000 ONLY="" PIN=1 FAIR_SECS=20
for a in $(cat /proc/cmdline); do
	case "$a" in
	xnetbench.reps=*) REPS=${a#*=} ;;
	xnetbench.secs=*) SECS=${a#*=} ;;
	xnetbench.idle_n=*) IDLE_N=${a#*=} ;;
	xnetbench.only=*) ONLY=${a#*=} ;;
	xnetbench.pin=*) PIN=${a#*=} ;;
	xnetbench.fair_secs=*) FAIR_SECS=${a#*=} ;;
	esac
done

OUT=/dev/ttyS2
RAW=/tmp/bench.jsonl
ERR=/tmp/bench.err
XA=10.0.0.1 XB=10.0.0.2	# xnet addresses
IA=192.168.50.1 IB=192.168.50.2
: >"$RAW"
: >"$ERR"
fail=0
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns delete a 2>/dev/null
	ip netns delete b 2>/dev/null
	true
}
trap cleanup EXIT

A() { ip netns exec a "$@"; }
B() { ip netns exec b "$@"; }
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
named() { [[ ",$ONLY," == *",$1,"* ]]; }

# --- setup -----------------------------------------------------------------
set -e
modprobe xnet
modprobe tipc
modprobe sch_netem
modprobe veth
ip netns add a
ip netns add b
ip link add veth-a netns a mtu 1500 type veth peer name veth-b netns b mtu 1500
id=1
for ns in a b; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set "veth-$ns" up
	ip netns exec "$ns" sysctl -qw net.core.somaxconn=4096 \
		net.ipv4.tcp_max_syn_backlog=8192 \
		net.ipv4.ip_local_port_range="1024 65535" \
		net.ipv4.tcp_tw_reuse=1 \
		net.xnet.max_connections=$((IDLE_N * 2 + 70000)) \
		net.xnet.max_syn_backlog=8192
	# TIPC: one node per namespace, an Ethernet bearer on its veth.
	ip netns exec "$ns" tipc node set identity "$id" ||
		ip netns exec "$ns" tipc node set address "1.1.$id"
	ip netns exec "$ns" tipc bearer enable media eth dev "veth-$ns"
	id=$((id + 1))
done
sysctl -qw fs.nr_open=1048576 fs.file-max=2097152
A xnetctl addr add $XA dev veth-a
B xnetctl addr add $XB dev veth-b
ip -n a addr add $IA/24 dev veth-a
ip -n b addr add $IB/24 dev veth-b
set +e

# Under TCG a ping-pong between two vCPUs mostly measures how long an
# idle vCPU takes to wake up (about one 4 ms tick, whatever the family).
# With PIN=1 the servers and the request/response clients share CPU 0, so
# a round trip is the stack's path plus two context switches; the stream
# clients stay free to run on the other CPU.
PIN0=()
[ "$PIN" = 1 ] && PIN0=(taskset -c 0)

# Servers: each family on its own port / TIPC instance; unix in a.
srv() {
	local ns=$1
	shift
	ip netns exec "$ns" "${PIN0[@]}" xnet-bench -l "$@" 2>>"$ERR" &
	pids+=($!)
}
srv b -f xnet -p 5201
srv b -f xnet-seqpacket -p 5202
srv b -f xnet-dgram -p 5203
srv b -f tcp -p 5201
srv b -f udp -p 5201
srv b -f tipc -p 5201
srv b -f tipc-seqpacket -p 5202
srv a -f unix -p 5201
sleep 1
# Let TIPC find its neighbour and xnet resolve the peer before measuring.
for _ in $(seq 50); do
	A tipc link list 2>/dev/null | grep -q up && break
	sleep 0.2
done
A tipc link list 2>&1 | sed 's/^/tipc: /'

# Bytes that crossed the veth pair (both directions, seen from a).
veth_bytes() {
	A cat /sys/class/net/veth-a/statistics/tx_bytes \
		/sys/class/net/veth-a/statistics/rx_bytes |
		awk '{ s += $1 } END { print s + 0 }'
}

# bench LABEL NS FAMILY DEST PORT ARGS...: one measurement, one JSON line,
# with the bytes that crossed the veth meanwhile (is it the same path?).
# rr and crr clients run pinned like the servers (PIN0).
bench() {
	local label=$1 ns=$2 fam=$3 dest=$4 port=$5 out rc pin=() v0 v1 lat=()
	local extra=""
	shift 5
	case "$label" in rr*|crr) pin=("${PIN0[@]}") ;; esac
	# 1-byte round trips: each one kept, to count the outliers
	[ "$label" = rr1 ] && lat=(-R /tmp/lat.txt)
	case "$fam" in xnet*) A xnetctl stats >/tmp/c0 2>/dev/null ;; esac
	v0=$(veth_bytes)
	out=$(ip netns exec "$ns" timeout 120 "${pin[@]}" xnet-bench -j \
		-L "$label" -f "$fam" -p "$port" "$@" "${lat[@]}" $dest \
		2>/tmp/bench.human)
	rc=$?
	v1=$(veth_bytes)
	cat /tmp/bench.human
	echo "path: $((v1 - v0)) bytes crossed the veth"
	case "$fam" in xnet*)
		A xnetctl stats >/tmp/c1 2>/dev/null
		extra+=$(awk 'NR==FNR { b[$1] = $2; next }
			NF == 2 && $2 != b[$1] {
				printf "%s\"%s\":%d", n++ ? "," : "", $1, $2 - b[$1]
			}' /tmp/c0 /tmp/c1 | sed 's/^\(..*\)$/,"xnet_delta":{\1}/')
		;;
	esac
	if [ ${#lat[@]} -gt 0 ] && [ -s /tmp/lat.txt ]; then
		# round trips over 1 ms and 2 ms; when the slow ones came (ms
		# into the run) and how long they took (us), the first 40
		extra+=$(awk '/^#/ { next }
			{ if ($1 > 1e6) n1++; if ($1 > 2e6) { n2++
			  if (k++ < 40) s = s sprintf("%s[%.1f,%.0f]", k > 1 ?
				",": "", t / 1e6, $1 / 1e3) }
			  t += $1 }
			END { printf ",\"over1ms\":%d,\"over2ms\":%d,\"slow\":[%s]",
				n1, n2, s }' /tmp/lat.txt)
		rm -f /tmp/lat.txt
	fi
	if [ $rc = 0 ] && [ "${out:0:1}" = "{" ]; then
		echo "{\"rep\":$rep,\"topology\":\"1vm-veth\",\"veth_bytes\":$((v1 - v0))$extra,${out:1}" >>"$RAW"
	else
		echo "bench: $label $fam failed (rc $rc)"
		echo "{\"rep\":$rep,\"topology\":\"1vm-veth\",\"label\":\"$label\",\"family\":\"$fam\",\"error\":$rc}" >>"$RAW"
		fail=$((fail + 1))
	fi
}

# fair: one xnet and one TCP stream at once through one bottleneck, an htb
# class of 100 Mbit/s with 10 ms of netem delay under it, on veth-a (the
# data direction); each one's share and Jain's fairness index.
fair() {
	local f x t cw=() fp=()
	A tc qdisc replace dev veth-a root handle 1: htb default 10
	A tc class add dev veth-a parent 1: classid 1:10 htb rate 100mbit \
		ceil 100mbit
	A tc qdisc add dev veth-a parent 1:10 handle 10: netem delay 10ms \
		limit 10000
	for f in xnet tcp; do
		cw=()
		[ "$rep" = 1 ] && cw=(-C /tmp/cwnd-fair-$f.txt)
		A timeout $((FAIR_SECS + 60)) xnet-bench -j -L fair -f $f -p 5201 \
			-t stream -d "$FAIR_SECS" "${cw[@]}" \
			"$([ $f = xnet ] && echo $XB || echo $IB)" \
			>/tmp/fair-$f.json 2>/tmp/fair-$f.err &
		fp+=($!)
	done
	wait "${fp[@]}"
	cat /tmp/fair-xnet.err /tmp/fair-tcp.err
	A tc -s qdisc show dev veth-a | sed 's/^/tc: /'
	A tc qdisc del dev veth-a root
	x=$(sed -n 's/.*"mbps":\([0-9.]*\).*/\1/p' /tmp/fair-xnet.json)
	t=$(sed -n 's/.*"mbps":\([0-9.]*\).*/\1/p' /tmp/fair-tcp.json)
	if [ -z "$x" ] || [ -z "$t" ]; then
		echo "bench: fair failed"
		echo "{\"rep\":$rep,\"topology\":\"1vm-veth\",\"label\":\"fair\",\"family\":\"xnet\",\"error\":1}" >>"$RAW"
		fail=$((fail + 1))
		return
	fi
	for f in xnet tcp; do
		awk -v x="$x" -v t="$t" -v f=$f -v rep="$rep" '{
			me = f == "xnet" ? x : t; tot = x + t
			j = tot ? tot * tot / (2 * (x * x + t * t)) : 0
			sub(/^\{/, "")
			printf "{\"rep\":%s,\"topology\":\"1vm-veth\",\"share\":%.4f,\"share_of_rate\":%.4f,\"jain\":%.4f,\"rate_mbit\":100,%s\n",
				rep, tot ? me / tot : 0, me / 100, j, $0 }' \
			/tmp/fair-$f.json >>"$RAW"
	done
	echo "fair: xnet $x Mbit/s, tcp $t Mbit/s"
}

# prof FAMILY DEST: the hottest kernel symbols while one stream runs.
prof() {
	local fam=$1 dest=$2
	echo "### profile: $fam stream, $SECS s, all CPUs"
	perf record -q -a -g -F 499 -o /tmp/perf.data -- \
		ip netns exec a xnet-bench -f "$fam" -p 5201 -t stream \
		-d "$SECS" $dest >/dev/null 2>&1 || echo "bench: perf record failed"
	perf report -q -i /tmp/perf.data --stdio --no-children --sort sym \
		-g none --percent-limit 0.7 2>/dev/null | grep -v '^$' | head -45
	perf report -q -i /tmp/perf.data --stdio --no-children --sort dso \
		-g none 2>/dev/null | grep -v '^$' | head -8
}

# routes_file GW N: N xnetctl batch lines "route add P/LEN via GW", at
# prefix lengths 9..32 in turn, all inside 11.0.0.0..219.255.255.255: none
# covers the 10.0.0.0/8 of the xnet addresses, every length is populated.
routes_file() {
	local gw=$1 n=$2 i len p
	for ((i = 0; i < n; i++)); do
		len=$((9 + i % 24))
		p=$((11 * 16777216 + (i / 24 + 1) * (1 << (32 - len))))
		echo "route add $((p >> 24)).$((p >> 16 & 255)).$((p >> 8 & 255)).$((p & 255))/$len via $gw"
	done
}

# routes_rep: the route lookup cost (issue 12). a and b reach each other
# by a default route via the peer; 1-byte request/response (xnet stream
# and datagram) with that one route ("rr1-rt1"), then with 9 999 more in
# both namespaces ("rr1-rt10k"), which never match: every lookup probes
# every prefix length before the default's (module/route.c). The routes
# go again at the end of each repetition, so the two figures alternate.
routes_rep() {
	local m n
	routes_file $XB 9999 >/tmp/routes-a
	routes_file $XA 9999 >/tmp/routes-b
	sed 's/^route add/route del/' /tmp/routes-a >/tmp/routes-a-del
	sed 's/^route add/route del/' /tmp/routes-b >/tmp/routes-b-del
	if ! A xnetctl route add default via $XB ||
	   ! B xnetctl route add default via $XA; then
		echo "bench: routes: default routes refused"
		fail=$((fail + 1))
		return
	fi
	for m in rt1 rt10k; do
		if [ $m = rt10k ] && { ! A xnetctl -b /tmp/routes-a ||
					! B xnetctl -b /tmp/routes-b; }; then
			echo "bench: routes: 9 999 routes refused"
			fail=$((fail + 1))
			break
		fi
		n=$(A xnetctl route show | grep -c .)
		echo "routes: $m, $n in a"
		if [ $m = rt10k ] && [ "$n" -lt 10001 ]; then
			echo "bench: routes: $n routes in a, not 10 001"
			fail=$((fail + 1))
			break
		fi
		bench rr1-$m a xnet $XB 5201 -t rr -m 1 -d "$SECS"
		bench rr1-$m a xnet-dgram $XB 5203 -t rr -m 1 -d "$SECS"
	done
	A xnetctl -b /tmp/routes-a-del 2>/dev/null
	B xnetctl -b /tmp/routes-b-del 2>/dev/null
	A xnetctl route del default via $XB
	B xnetctl route del default via $XA
}

# --- measurements ------------------------------------------------------------
t0=$(date +%s)
if named prof; then
	if command -v perf >/dev/null; then
		prof xnet $XB
		prof tcp $IB
	else
		echo "bench: prof: no perf in the VM (make deps)"
		fail=$((fail + 1))
	fi
fi
for rep in $(seq "$REPS"); do
	echo "### repetition $rep/$REPS ($(($(date +%s) - t0)) s)"
	if want tput; then
		for p in 1 4; do
			bench tput$p a xnet $XB 5201 -t stream -P $p -d "$SECS"
			bench tput$p a tcp $IB 5201 -t stream -P $p -d "$SECS"
			bench tput$p a tipc "" 5201 -t stream -P $p -d "$SECS"
			bench tput$p a unix "" 5201 -t stream -P $p -d "$SECS"
		done
	fi
	if want rr; then
		for m in 1 4096; do
			bench rr$m a xnet $XB 5201 -t rr -m $m -d "$SECS"
			bench rr$m a tcp $IB 5201 -t rr -m $m -d "$SECS"
			# An xnet datagram is one frame (<= MTU - 24 bytes):
			# no 4 KiB xnet-dgram figure; UDP's is kept.
			[ $m -le 1476 ] &&
				bench rr$m a xnet-dgram $XB 5203 -t rr -m $m -d "$SECS"
			bench rr$m a udp $IB 5201 -t rr -m $m -d "$SECS"
			bench rr$m a xnet-seqpacket $XB 5202 -t rr -m $m -d "$SECS"
			bench rr$m a tipc-seqpacket "" 5202 -t rr -m $m -d "$SECS"
		done
	fi
	if want crr; then
		bench crr a xnet $XB 5201 -t crr -d "$SECS"
		bench crr a tcp $IB 5201 -t crr -d "$SECS"
	fi
	if want loss; then
		for l in 1 0.1; do
			tag=loss${l/./}
			A tc qdisc add dev veth-a root netem loss "$l%"
			cw=()
			[ "$rep" = 1 ] && [ "$l" = 1 ] && cw=(-C /tmp/cwnd-xnet.txt)
			bench "$tag" a xnet $XB 5201 -t stream -d "$SECS" "${cw[@]}"
			[ ${#cw[@]} -gt 0 ] && cw=(-C /tmp/cwnd-tcp.txt)
			bench "$tag" a tcp $IB 5201 -t stream -d "$SECS" "${cw[@]}"
			A tc qdisc del dev veth-a root
		done
	fi
	want fair && fair
	if want idle; then
		bench idle a xnet $XB 5201 -t idle -n "$IDLE_N"
		bench idle a tcp $IB 5201 -t idle -n "$IDLE_N"
	fi
	want routes && routes_rep
done
elapsed=$(($(date +%s) - t0))
echo "### measurements done in $elapsed s, $fail failed"
# Counters for the analysis (retransmissions, drops) in the console log.
for ns in a b; do
	echo "### xnet counters in $ns"
	ip netns exec $ns xnetctl stats 2>&1 | grep -v ' 0$'
done
if [ -s "$ERR" ]; then
	echo "### server log:"
	cat "$ERR"
fi

# --- results out through ttyS2 ---------------------------------------------------
stty -F "$OUT" raw -echo 2>/dev/null
{
	printf '{"meta":{"topology":"1vm-veth","kernel":"%s","date":"%s","reps":%s,"secs":%s,"idle_n":%s,"cpus":%s,"pin":%s,"elapsed_s":%s,"failed":%s}}\n' \
		"$(uname -r)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$REPS" "$SECS" \
		"$IDLE_N" "$(nproc)" "$PIN" "$elapsed" "$fail"
	cat "$RAW"
	for f in xnet tcp fair-xnet fair-tcp; do
		[ -s /tmp/cwnd-$f.txt ] || continue
		awk -v fam=${f#fair-} -v test=$([ "${f#fair-}" = "$f" ] && echo loss1 || echo fair) \
			'BEGIN { printf "{\"cwnd\":\"%s\",\"test\":\"%s\",\"samples\":[", fam, test }
			/^#/ { next }
			{ printf "%s[%s,%s]", n++ ? "," : "", $1, $2 }
			END { print "]}" }' /tmp/cwnd-$f.txt
	done
	echo '{"end":true}'
} >"$OUT"
[ "$fail" = 0 ]

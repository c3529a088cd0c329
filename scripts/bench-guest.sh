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
#   only=        comma-separated figure list to run (default: all but prof
#                and fwd; fwd adds 1.5-2.5 min, so it runs when named):
#                tput,rr,crr,loss,idle,fair,cpu,seg,pace (fair: one xnet and one TCP
#                stream through an htb class of 100 Mbit/s with 10 ms
#                netem delay on veth-a, fair_secs long)
#                fwd: one xnet and one TCP stream through a forwarding
#                namespace (fa - fr - fb, below), with the veths' offloads
#                as they come (large frames cross the router whole) and
#                again with them off (the router forwards MTU-sized frames),
#                and with them off on a - b, no router (the control)
#                routes: xnet 1-byte round trips through that router with
#                its routes only, and through a twin chain (ga - gr - gb)
#                with 10 000 random routes more in each of its namespaces
#                secure: protected xnet (keys on both sides,
#                net.xnet.secure=1) against plain xnet, plain TCP, TCP
#                over WireGuard (wg0) and, where the CPU has AES-NI, TCP
#                over MACsec (gcm-aes-128) on the same veth: one stream
#                and 1-byte round trips, CPU seconds per GiB, and the
#                time a fresh session takes (handshake; sec_hs_n of them);
#                on request (it adds about 3 to 4 minutes)
#   sec_hs_n=10  fresh sessions timed by the secure figure
#   sec_pin=0    1: the secure figure's streams run on CPU 0 with the
#                servers, as round trips do (then no segment is reordered
#                between the two CPUs' backlog queues)
#   fair_secs=20 seconds of the fairness run
#                prof: a system-wide perf profile of one XNET and one TCP
#                stream (hottest symbols in the console log), once; with
#                fwd named too, also of both through the router; with
#                secure, also of protected xnet (both algs) and of TCP
#                over WireGuard
#   pin=1        servers and the rr/crr clients on CPU 0 (see below)
#   pace_secs=2  seconds of each pacing run
# The issue 14 figures (in the default set):
#                cpu: one stream of 64 KiB writes, xnet and TCP, each
#                sent by copy, by MSG_ZEROCOPY (SO_ZEROCOPY, completions
#                reaped) and by sendfile() from a 16 MiB file in /tmp
#                (tmpfs): the sending side's CPU seconds per GiB (the
#                client's CPU's system time, pinned to CPU 1 with PIN=1,
#                plus softirq and irq time of both CPUs: it includes the
#                receive path the veth runs in softirq, not the receiving
#                process's system time; xnet-bench --help)
#                seg: datagrams one way for secs, 64 768 bytes a send in
#                44 segments of 1472 bytes (XNET_SEGMENT, UDP_SEGMENT: the
#                largest UDP payload at MTU 1500, used for both; xnet's
#                own is 1476), and one 1472-byte datagram a send; goodput
#                counted by the receiver
#                pace: one stream under SO_MAX_PACING_RATE 10, 50 and 200
#                Mbit/s, xnet and TCP, with veth-a's own qdisc (noqueue:
#                TCP paces by its internal timer) and with fq on it
#                (TCP hands fq departure times); goodput / rate
set -uo pipefail
export PATH=/usr/bin:/usr/sbin:/bin:/sbin

REPS=5 SECS=2 IDLE_N=2000 ONLY="" PIN=1 FAIR_SECS=20 SEC_HS_N=10 SEC_PIN=0
PACE_SECS=2
for a in $(cat /proc/cmdline); do
	case "$a" in
	xnetbench.reps=*) REPS=${a#*=} ;;
	xnetbench.secs=*) SECS=${a#*=} ;;
	xnetbench.idle_n=*) IDLE_N=${a#*=} ;;
	xnetbench.only=*) ONLY=${a#*=} ;;
	xnetbench.pin=*) PIN=${a#*=} ;;
	xnetbench.fair_secs=*) FAIR_SECS=${a#*=} ;;
	xnetbench.sec_hs_n=*) SEC_HS_N=${a#*=} ;;
	xnetbench.sec_pin=*) SEC_PIN=${a#*=} ;;
	xnetbench.pace_secs=*) PACE_SECS=${a#*=} ;;
	esac
done

OUT=/dev/ttyS2
RAW=/tmp/bench.jsonl
ERR=/tmp/bench.err
XA=10.0.0.1 XB=10.0.0.2	# xnet addresses
IA=192.168.50.1 IB=192.168.50.2
# The forwarding chains (fwd, routes): a - r - b, xnet and IPv4 prefixes.
FXA=10.1.0.1 FXRA=10.1.0.254 FXRB=10.2.0.254 FXB=10.2.0.1
FIA=192.168.61.1 FIRA=192.168.61.254 FIRB=192.168.62.254 FIB=192.168.62.1
NROUTES=10000
# secure: WireGuard and MACsec over veth-a/veth-b
WA=192.168.70.1 WB=192.168.70.2 MA=192.168.80.1 MB=192.168.80.2
: >"$RAW"
: >"$ERR"
fail=0
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for ns in a b fa fr fb ga gr gb; do
		ip netns delete $ns 2>/dev/null
	done
	true
}
trap cleanup EXIT

A() { ip netns exec a "$@"; }
B() { ip netns exec b "$@"; }
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
# a figure run only when named (fwd, secure, prof)
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

# chain P: namespaces Pa - Pr - Pb on two veth pairs (MTU 1500; Pa's v0
# to Pr's va, Pb's v0 to Pr's vb); xnet prefixes 10.1.0.0/24 and
# 10.2.0.0/24, IPv4 192.168.61.0/24 and 192.168.62.0/24, Pr forwarding
# both; Pa and Pb reach the other side by a default route via Pr.
# Run it as (set -e; chain P): any failure ends it.
chain() {
	local p=$1 d
	for d in a r b; do
		ip netns add "$p$d"
		ip -n "$p$d" link set lo up
	done
	ip link add v0 netns "${p}a" mtu 1500 type veth peer name va \
		netns "${p}r" mtu 1500
	ip link add v0 netns "${p}b" mtu 1500 type veth peer name vb \
		netns "${p}r" mtu 1500
	ip -n "${p}a" link set v0 up
	ip -n "${p}r" link set va up
	ip -n "${p}r" link set vb up
	ip -n "${p}b" link set v0 up
	ip netns exec "${p}r" sysctl -qw net.ipv4.ip_forward=1
	# its own step: without it, the IPv4 figures still run
	ip netns exec "${p}r" sysctl -qw net.xnet.forwarding=1 ||
		echo "bench: fwd: no net.xnet.forwarding in ${p}r"
	ip netns exec "${p}a" xnetctl addr add $FXA/24 dev v0
	ip netns exec "${p}r" xnetctl addr add $FXRA/24 dev va
	ip netns exec "${p}r" xnetctl addr add $FXRB/24 dev vb
	ip netns exec "${p}b" xnetctl addr add $FXB/24 dev v0
	ip netns exec "${p}a" xnetctl route add default via $FXRA
	ip netns exec "${p}b" xnetctl route add default via $FXRB
	ip -n "${p}a" addr add $FIA/24 dev v0
	ip -n "${p}r" addr add $FIRA/24 dev va
	ip -n "${p}r" addr add $FIRB/24 dev vb
	ip -n "${p}b" addr add $FIB/24 dev v0
	ip -n "${p}a" route add default via $FIRA
	ip -n "${p}b" route add default via $FIRB
}

# N random prefixes, one a line, in random order: lengths /8 to /32 (4
# of each length up to /15, 560 of each from /16 to /23, about 3000 /24,
# 290 of each from /25 to /32), first octet 11 to 223 but 127, so none
# covers the chains' 10.0.0.0/8. Each length draws from its own /8
# blocks and no prefix repeats, so no two overlap: each is the longest
# match of its own addresses. Fixed seed: the same table every run.
# Busybox awk: no ^, hence the table of powers of two.
random_prefixes() {
	awk -v n="$1" -v seed=12 '
	BEGIN {
		srand(seed)
		pw[0] = 1
		for (i = 1; i <= 32; i++)
			pw[i] = pw[i - 1] * 2
		# how many of each length: a few short ones, mostly /16 to /24
		for (l = 8; l <= 32; l++)
			c[l] = l < 16 ? 4 : (l == 24 ? 3000 : (l < 24 ? 560 : 290))
		for (l = 8; l <= 32; l++)
			tot += c[l]
		c[24] += n - tot
		# the /8 blocks 11..223 but 127, shuffled; each length its own
		for (o = 11; o <= 223; o++)
			if (o != 127)
				blk[nb++] = o
		for (i = nb - 1; i > 0; i--) {
			j = int(rand() * (i + 1))
			t = blk[i]; blk[i] = blk[j]; blk[j] = t
		}
		for (l = 8; l <= 32; l++) {
			# blocks enough for twice its count (/8: one per route)
			per = pw[l - 8]
			k = int((2 * c[l] + per - 1) / per)
			first[l] = b; nblk[l] = k; b += k
		}
		for (l = 8; l <= 32; l++) {
			per = pw[l - 8]
			for (i = 0; i < c[l]; ) {
				o = blk[first[l] + int(rand() * nblk[l])]
				x = int(rand() * per)
				if ((o, x) in used)
					continue
				used[o, x] = 1
				p = o * 16777216 + x * pw[32 - l]
				out[m++] = sprintf("%d.%d.%d.%d/%d", o, int(p / 65536) % 256,
						   int(p / 256) % 256, p % 256, l)
				i++
			}
		}
		# in random order, as a table is filled in the wild
		for (i = m - 1; i > 0; i--) {
			j = int(rand() * (i + 1))
			t = out[i]; out[i] = out[j]; out[j] = t
		}
		for (i = 0; i < m; i++)
			print out[i]
	}'
}

# add_routes NS GATEWAY: the random prefixes via GATEWAY, one batch.
add_routes() {
	local n
	awk -v gw="$2" '{ print "route add " $1 " via " gw }' /tmp/prefixes |
		ip netns exec "$1" xnetctl -b - || return 1
	n=$(ip netns exec "$1" xnetctl route show | wc -l)
	echo "routes: $1 has $n routes"
	[ "$n" -gt "$NROUTES" ]
}

# fwd_offload on|off: the offloads of the fwd chain's four veth ends.
# on: as a veth comes (TSO, GSO, tx-gso-list: a TCP or xnet large frame
# crosses every hop whole; GRO off); off: no TSO, GSO, tx-gso-list nor
# GRO, so each sender cuts its frames to the MTU (TCP in tcp_sendmsg,
# xnet in xnet_gso_segment()) and the router forwards MTU-sized frames.
fwd_offload() {
	local how=$1 d ns dev
	for d in "fa v0" "fr va" "fr vb" "fb v0"; do
		read -r ns dev <<<"$d"
		ip netns exec "$ns" ethtool -K "$dev" tso "$how" gso "$how" \
			tx-gso-list "$how" gro off 2>&1 | grep -v '^$'
	done
	ip netns exec fa ethtool -k v0 | grep -E '^(tcp-segmentation-offload|generic-segmentation-offload|tx-gso-list|generic-receive-offload):' |
		tr '\n' ' ' | sed 's/^/fwd: offloads: /; s/ *$/\n/'
	return 0
}

if named fwd || want routes; then
	(set -e; chain f)
	if [ $? = 0 ]; then
		echo "fwd: chain fa - fr - fb up"
	else
		echo "bench: fwd: the chain fa - fr - fb failed"
		fail=$((fail + 1))
	fi
fi
if want routes; then
	t=$(date +%s)
	random_prefixes $NROUTES >/tmp/prefixes
	echo "routes: $(wc -l </tmp/prefixes) random prefixes in $(($(date +%s) - t)) s"
	t=$(date +%s)
	(set -e; chain g)
	if [ $? = 0 ] && add_routes ga $FXRA && add_routes gr $FXB &&
		add_routes gb $FXRB; then
		echo "routes: chain ga - gr - gb up with $NROUTES routes more in each, $(($(date +%s) - t)) s"
	else
		echo "bench: routes: the chain ga - gr - gb failed"
		fail=$((fail + 1))
	fi
fi

# --- secure: protected xnet, TCP over WireGuard, TCP over MACsec ------------
# All on the veth pair a - b that every other figure uses. Protected xnet:
# one key per peer on both sides (the same 32 bytes), net.xnet.secure
# switched to 1 in both namespaces around each protected measurement and
# back to 0 after, so plain xnet runs in the same repetition on the same
# sockets' code. WireGuard: wg0 in a and b over the veth's IPv4
# (192.168.50.0/24, UDP 51820), 192.168.70.0/24 inside, MTU 1420 as it
# comes. MACsec: macsec0 on each veth end, gcm-aes-128, encrypt on,
# 192.168.80.0/24, MTU 1468; only if the (emulated) CPU offers AES-NI.
# SEC_*: 1 when that path is up; SEC_*_WHY says why not.
SEC_XNET=0 SEC_WG=0 SEC_MACSEC=0
SEC_XNET_WHY="" SEC_WG_WHY="" SEC_MACSEC_WHY=""
hex32() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# sec_xnet_keys [ALG]: key 1 on both sides, AES-256-GCM (the default) or
# ALG (chacha20poly1305)
sec_xnet_keys() {
	local alg=()
	[ -n "${1:-}" ] && alg=(alg "$1")
	A xnetctl key add 1 "$XKEY" peer $XB "${alg[@]}" &&
		B xnetctl key add 1 "$XKEY" peer $XA "${alg[@]}"
}
# sec_xnet_alg [ALG]: the key replaced by one of ALG (sessions end, the
# next frame starts a handshake under the new key)
sec_xnet_alg() {
	A xnetctl key del 1
	B xnetctl key del 1
	sec_xnet_keys "$@"
}
sec_setup() {
	# What udev would load on a CPU with these features (the VM has no
	# udev): the AES-NI, CLMUL, SSSE3 and SIMD ChaCha/Poly1305 drivers
	# the crypto API then prefers.
	modprobe -a aesni-intel ghash-clmulni-intel sha256-ssse3 \
		chacha-x86_64 poly1305-x86_64 2>&1 | sed 's/^/secure: modprobe: /'
	XKEY=$(hex32 32)
	if ! sec_xnet_keys; then
		SEC_XNET_WHY="xnetctl key add failed"
	elif ! A sysctl -qw net.xnet.secure=0 || ! B sysctl -qw net.xnet.secure=0; then
		SEC_XNET_WHY="no net.xnet.secure"
	else
		SEC_XNET=1
		A xnetctl key show | sed 's/^/secure: a: key: /'
	fi
	if ! command -v wg >/dev/null; then
		SEC_WG_WHY="no wg in the VM (wireguard-tools: make deps)"
	elif ! modprobe wireguard; then
		SEC_WG_WHY="no wireguard module"
	elif (set -e
		for ns in a b; do
			wg genkey >/tmp/wg-$ns.key
			wg pubkey </tmp/wg-$ns.key >/tmp/wg-$ns.pub
		done
		A ip link add wg0 type wireguard
		A wg set wg0 private-key /tmp/wg-a.key listen-port 51820 \
			peer "$(cat /tmp/wg-b.pub)" allowed-ips $WB/32 \
			endpoint $IB:51820
		A ip addr add $WA/24 dev wg0
		A ip link set wg0 up
		B ip link add wg0 type wireguard
		B wg set wg0 private-key /tmp/wg-b.key listen-port 51820 \
			peer "$(cat /tmp/wg-a.pub)" allowed-ips $WA/32 \
			endpoint $IA:51820
		B ip addr add $WB/24 dev wg0
		B ip link set wg0 up
		A ping -c 1 -W 10 $WB >/dev/null); then
		SEC_WG=1
		A wg show wg0 | sed 's/^/secure: a: /; /private/d'
	else
		SEC_WG_WHY="wg0 setup failed"
	fi
	if ! grep -qw aes /proc/cpuinfo; then
		SEC_MACSEC_WHY="no AES-NI"
	elif ! modprobe macsec; then
		SEC_MACSEC_WHY="no macsec module"
	elif (set -e
		ka=$(hex32 16) kb=$(hex32 16)
		ha=$(A cat /sys/class/net/veth-a/address)
		hb=$(B cat /sys/class/net/veth-b/address)
		A ip link add link veth-a macsec0 type macsec port 1 encrypt on \
			cipher gcm-aes-128
		A ip macsec add macsec0 tx sa 0 pn 1 on key 01 "$ka"
		A ip macsec add macsec0 rx port 1 address "$hb"
		A ip macsec add macsec0 rx port 1 address "$hb" sa 0 pn 1 on \
			key 02 "$kb"
		A ip addr add $MA/24 dev macsec0
		A ip link set macsec0 up
		B ip link add link veth-b macsec0 type macsec port 1 encrypt on \
			cipher gcm-aes-128
		B ip macsec add macsec0 tx sa 0 pn 1 on key 02 "$kb"
		B ip macsec add macsec0 rx port 1 address "$ha"
		B ip macsec add macsec0 rx port 1 address "$ha" sa 0 pn 1 on \
			key 01 "$ka"
		B ip addr add $MB/24 dev macsec0
		B ip link set macsec0 up
		A ping -c 1 -W 10 $MB >/dev/null); then
		SEC_MACSEC=1
		A ip -d link show macsec0 | sed 's/^/secure: a: /'
	else
		SEC_MACSEC_WHY="macsec0 setup failed"
	fi
	echo "secure: protected xnet ${SEC_XNET_WHY:-up}, WireGuard ${SEC_WG_WHY:-up}, MACsec ${SEC_MACSEC_WHY:-up}"
}
sec_on() {
	A sysctl -qw net.xnet.secure=1 && B sysctl -qw net.xnet.secure=1
}
sec_off() {
	A sysctl -qw net.xnet.secure=0
	B sysctl -qw net.xnet.secure=0
}
# A path that is not up: one row saying so per repetition and figure, a
# skip (MACsec without AES-NI) or an error (anything else).
sec_missing() {
	local label=$1 fam=$2 why=$3
	if [ "$why" = "no AES-NI" ]; then
		echo "{\"rep\":$rep,\"topology\":\"1vm-veth\",\"label\":\"$label\",\"family\":\"$fam\",\"skipped\":\"$why\"}" >>"$RAW"
	else
		echo "bench: $label $fam: $why"
		echo "{\"rep\":$rep,\"topology\":\"1vm-veth\",\"label\":\"$label\",\"family\":\"$fam\",\"error\":1,\"why\":\"$why\"}" >>"$RAW"
		fail=$((fail + 1))
	fi
}
# One repetition of the secure figures, every path in turn.
secure_rep() {
	local label what
	for label in sec-tput1 sec-rr1; do
		case $label in
		sec-tput1) what=(-t stream -d "$SECS") ;;
		sec-rr1) what=(-t rr -m 1 -d "$SECS") ;;
		esac
		bench $label a xnet $XB 5201 "${what[@]}"
		if [ $SEC_XNET = 1 ] && sec_on; then
			AS=xnet-sec bench $label a xnet $XB 5201 "${what[@]}"
			if sec_xnet_alg chacha20poly1305; then
				AS=xnet-sec-cc bench $label a xnet $XB 5201 "${what[@]}"
			else
				sec_missing $label xnet-sec-cc "no chacha20poly1305 key"
			fi
			sec_xnet_alg
			sec_off
		else
			sec_missing $label xnet-sec "${SEC_XNET_WHY:-net.xnet.secure=1 refused}"
			sec_missing $label xnet-sec-cc "${SEC_XNET_WHY:-net.xnet.secure=1 refused}"
		fi
		bench $label a tcp $IB 5201 "${what[@]}"
		if [ $SEC_WG = 1 ]; then
			AS=tcp-wg bench $label a tcp $WB 5201 "${what[@]}"
		else
			sec_missing $label tcp-wg "$SEC_WG_WHY"
		fi
		if [ $SEC_MACSEC = 1 ]; then
			AS=tcp-macsec bench $label a tcp $MB 5201 "${what[@]}"
		else
			sec_missing $label tcp-macsec "$SEC_MACSEC_WHY"
		fi
	done
}
# The time a fresh session costs: SEC_HS_N times, the key deleted and
# added again on both sides (which ends the sessions), then three
# xnet-ping probes 0.5 s apart: the first waits for the handshake (its
# datagram is held until the session is up), the others do not. hs_ms =
# the first round trip - the faster of the other two; a's
# SessionsEstablished must move by one. One more before them, not
# counted: the very first handshake also loads the AEAD's modules.
sec_handshakes() {
	local i out first next e0 e1
	[ $SEC_XNET = 1 ] || return 0
	sec_on || return 0
	for i in $(seq 0 "$SEC_HS_N"); do
		sec_xnet_alg
		e0=$(A xnetctl stats | awk '$1 == "SessionsEstablished" { print $2 }')
		out=$(A "${PIN0[@]}" xnet-ping -c 3 -i 0.5 -W 10 -p 5299 $XB 2>&1)
		e1=$(A xnetctl stats | awk '$1 == "SessionsEstablished" { print $2 }')
		first=$(echo "$out" | sed -n 's/.* seq=1 time=\([0-9.]*\) ms$/\1/p')
		next=$(echo "$out" | sed -n 's/.* seq=[23] time=\([0-9.]*\) ms$/\1/p' |
			sort -n | head -1)
		if [ "$i" = 0 ]; then
			echo "secure: the first session (not counted): first round trip $first ms, then $next ms"
			continue
		fi
		if [ -z "$first" ] || [ -z "$next" ] || [ -z "$e0" ] || [ -z "$e1" ]; then
			echo "bench: sec-hs $i failed:"
			echo "$out"
			echo "{\"rep\":$i,\"topology\":\"1vm-veth\",\"label\":\"sec-hs\",\"family\":\"xnet-sec\",\"error\":1}" >>"$RAW"
			fail=$((fail + 1))
			continue
		fi
		echo "secure: fresh session $i: first round trip $first ms, next $next ms, SessionsEstablished +$((e1 - e0))"
		awk -v i="$i" -v f="$first" -v n="$next" -v s=$((e1 - e0)) 'BEGIN {
			printf "{\"rep\":%d,\"topology\":\"1vm-veth\",\"label\":\"sec-hs\",\"family\":\"xnet-sec\",\"first_ms\":%.3f,\"next_ms\":%.3f,\"hs_ms\":%.3f,\"sessions\":%d}\n",
				i, f, n, f - n, s }' >>"$RAW"
	done
	sec_off
}
# Which transforms the kernel picked (name, driver, async or not).
sec_crypto() {
	awk '$1 == "name" { n = $3 } $1 == "driver" { d = $3 }
	     $1 == "refcnt" { r = $3 } $1 == "type" { t = $3 }
	     $1 == "async" { a = $3 } $1 == "internal" { i = $3 }
	     /^$/ { if (n ~ /gcm|rfc7539|rfc4106|chacha|ghash|hmac\(sha256|^ctr/ && i != "yes")
			print "secure: /proc/crypto: " n " " d " " t " async=" a " refcnt=" r
		n = d = r = t = a = i = "" }' /proc/crypto
}
named secure && sec_setup

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
srv b -f xnet-dgram -p 5203 -B 4M
srv b -f tcp -p 5201
srv b -f udp -p 5201 -B 4M
srv b -f tipc -p 5201
srv b -f tipc-seqpacket -p 5202
srv a -f unix -p 5201
if named fwd || want routes; then
	srv fb -f xnet -p 5201
	srv fb -f tcp -p 5201
fi
want routes && srv gb -f xnet -p 5201
# secure: the echo server of the handshake figure's xnet-ping
if [ "$SEC_XNET" = 1 ]; then
	ip netns exec b "${PIN0[@]}" xnet-ping -l -q -p 5299 2>>"$ERR" &
	pids+=($!)
fi
sleep 1
# Let TIPC find its neighbour and xnet resolve the peer before measuring.
for _ in $(seq 50); do
	A tipc link list 2>/dev/null | grep -q up && break
	sleep 0.2
done
A tipc link list 2>&1 | sed 's/^/tipc: /'

# Bytes that crossed the veth pair (both directions, seen from a; for the
# chains, from the router's va: the first hop).  VNS, VDEV: which end.
# SNS: whose xnet counters a measurement records (the router's for the
# chains: ForwDatagrams says the frames were forwarded).
VNS=a VDEV=veth-a SNS=a
veth_bytes() {
	ip netns exec "$VNS" cat /sys/class/net/$VDEV/statistics/tx_bytes \
		/sys/class/net/$VDEV/statistics/rx_bytes |
		awk '{ s += $1 } END { print s + 0 }'
}
# Frames and bytes the router received from a (the data direction).
router_rx() {
	ip netns exec "$VNS" cat /sys/class/net/$VDEV/statistics/rx_packets \
		/sys/class/net/$VDEV/statistics/rx_bytes | tr '\n' ' '
}

# Bytes veth-a sent (pace: the sender's frames, headers included).
veth_tx() {
	ip netns exec a cat /sys/class/net/veth-a/statistics/tx_bytes
}
QDISC=noqueue

# Busy and all CPU time of the VM so far (USER_HZ ticks): user, nice,
# system, irq, softirq, steal; and everything.
cpu_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

# Frames the backlog queues dropped, all CPUs (netdev_max_backlog; hex)
backlog_drops() {
	local _p d _r s=0
	while read -r _p d _r; do
		s=$((s + 0x$d))
	done </proc/net/softnet_stat
	echo $s
}

# bench LABEL NS FAMILY DEST PORT ARGS...: one measurement, one JSON line,
# with the bytes that crossed the veth meanwhile (is it the same path?).
# rr and crr clients run pinned like the servers (PIN0). AS=NAME: record
# the figure under family NAME (secure: TCP over WireGuard is "tcp-wg").
# sec-* labels also record the CPU time the whole VM spent meanwhile
# (both ends, /proc/stat): CPU seconds per GiB, microseconds per round
# trip.
bench() {
	local label=$1 ns=$2 fam=$3 dest=$4 port=$5 out rc pin=() v0 v1 lat=()
	local extra="" r0=() r1=() as=${AS:-$3} c0=() c1=() d0="" d1 tx0 why
	shift 5
	case "$label" in rr*|crr|routes*|sec-rr*) pin=("${PIN0[@]}") ;; esac
	# cpu: the sender on CPU 1, away from the servers (CPU 0), so the
	# receiving process's system time stays out of the sender's figure
	case "$label" in cpu-*) [ "$PIN" = 1 ] && [ "$(nproc)" -gt 1 ] &&
		pin=(taskset -c 1) ;; esac
	# sec_pin=1: the secure figures' streams too (the diagnosis of
	# docs/PERFORMANCE.md: from one CPU, no segment is reordered)
	[ "$SEC_PIN" = 1 ] && [ "${label#sec-}" != "$label" ] && pin=(taskset -c 0)
	case "$label" in sec-*)
		read -ra c0 <<<"$(cpu_ticks)"
		B xnetctl stats >/tmp/s0 2>/dev/null
		# frames the backlog queues dropped (netdev_max_backlog)
		d0=$(backlog_drops)
		;;
	esac
	# 1-byte round trips: each one kept, to count the outliers
	[ "$label" = rr1 ] && lat=(-R /tmp/lat.txt)
	case "$fam" in xnet*)
		ip netns exec "$SNS" xnetctl stats >/tmp/c0 2>/dev/null ;;
	esac
	# (no /dev/fd in the VM: no process substitution)
	[ "$VNS" = a ] || read -ra r0 <<<"$(router_rx)"
	tx0=$(veth_tx)
	v0=$(veth_bytes)
	out=$(ip netns exec "$ns" timeout 120 "${pin[@]}" xnet-bench -j \
		-L "$label" -f "$fam" -p "$port" "$@" "${lat[@]}" $dest \
		2>/tmp/bench.human)
	rc=$?
	v1=$(veth_bytes)
	# pace: what a's end sent (frames with their headers), against the rate
	case "$label" in pace*) extra+=",\"tx_wire_bytes\":$(($(veth_tx) - tx0)),\"qdisc\":\"$QDISC\"" ;; esac
	[ ${#c0[@]} = 2 ] && read -ra c1 <<<"$(cpu_ticks)"
	cat /tmp/bench.human
	if [ ${#c1[@]} = 2 ]; then
		# the bytes the server counted (stream), the round trips (rr)
		extra+=$(echo "$out" | awk -v b=$((c1[0] - c0[0])) -v t=$((c1[1] - c0[1])) '{
			hz = 100; by = 0; n = 0
			if (match($0, /"bytes":[0-9]+/)) by = substr($0, RSTART + 8, RLENGTH - 8)
			if (match($0, /"n":[0-9]+/)) n = substr($0, RSTART + 4, RLENGTH - 4)
			printf ",\"cpu_busy_s\":%.2f,\"cpu_all_s\":%.2f", b / hz, t / hz
			if (by > 0) printf ",\"cpu_s_per_gib\":%.3f", b / hz / (by / 1073741824)
			if (n > 0) printf ",\"cpu_us_per_rt\":%.1f", b / hz * 1e6 / n
		}')
		echo "cpu: $(((c1[0] - c0[0]))) of $((c1[1] - c0[1])) ticks busy"
		# the server's side: its xnet counters, the backlog drops
		B xnetctl stats >/tmp/s1 2>/dev/null
		extra+=$(awk 'NR==FNR { b[$1] = $2; next }
			NF == 2 && $2 != b[$1] {
				printf "%s\"%s\":%d", n++ ? "," : "", $1, $2 - b[$1]
			}' /tmp/s0 /tmp/s1 | sed 's/^\(..*\)$/,"xnet_delta_b":{\1}/')
		d1=$(backlog_drops)
		[ -n "$d0" ] && [ -n "$d1" ] && extra+=",\"backlog_drops\":$((d1 - d0))"
	fi
	echo "path: $((v1 - v0)) bytes crossed the veth"
	if [ ${#r0[@]} = 2 ]; then
		read -ra r1 <<<"$(router_rx)"
		extra+=",\"router_rx_frames\":$((r1[0] - r0[0])),\"router_rx_bytes\":$((r1[1] - r0[1]))"
		echo "path: the router received $((r1[0] - r0[0])) frames, $((r1[1] - r0[1])) bytes from a"
	fi
	case "$fam" in xnet*)
		ip netns exec "$SNS" xnetctl stats >/tmp/c1 2>/dev/null
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
	[ "$as" != "$fam" ] &&
		out=$(echo "$out" | sed "s/\"family\":\"$fam\"/\"family\":\"$as\"/")
	if [ $rc = 0 ] && [ "${out:0:1}" = "{" ]; then
		echo "{\"rep\":$rep,\"topology\":\"1vm-veth\",\"veth_bytes\":$((v1 - v0))$extra,${out:1}" >>"$RAW"
	elif [ $rc = 4 ] && [[ "$out" == *'"unsupported":"'* ]]; then
		# the kernel refused the feature (xnet-bench's exit status 4)
		why=${out#*\"unsupported\":\"}
		why=${why%%\"*}
		echo "bench: $label $as: not supported: $why"
		echo "{\"rep\":$rep,\"topology\":\"1vm-veth\",\"label\":\"$label\",\"family\":\"$as\",\"skipped\":\"not supported: $why\"}" >>"$RAW"
	else
		echo "bench: $label $as failed (rc $rc)"
		echo "{\"rep\":$rep,\"topology\":\"1vm-veth\",\"label\":\"$label\",\"family\":\"$as\",\"error\":$rc}" >>"$RAW"
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

# prof FAMILY DEST [NS [TEST...]]: the hottest kernel symbols while one
# stream (or TEST: xnet-bench's -t and its options) runs from NS (a).
prof() {
	local fam=$1 dest=$2 ns=${3:-a} what=(-t stream) pin=()
	# round trips pinned as measured (PIN0), streams not
	[ $# -gt 3 ] && what=("${@:4}") && pin=("${PIN0[@]}")
	echo "### profile: $fam ${what[*]} from $ns, $SECS s, all CPUs"
	perf record -q -a -g -F 499 -o /tmp/perf.data -- \
		ip netns exec "$ns" "${pin[@]}" xnet-bench -f "$fam" -p 5201 \
		"${what[@]}" \
		-d "$SECS" $dest >/dev/null 2>&1 || echo "bench: perf record failed"
	perf report -q -i /tmp/perf.data --stdio --no-children --sort sym \
		-g none --percent-limit 0.7 2>/dev/null | grep -v '^$' | head -45
	perf report -q -i /tmp/perf.data --stdio --no-children --sort dso \
		-g none 2>/dev/null | grep -v '^$' | head -8
	# the route lookups' share, however small (routes)
	perf report -q -i /tmp/perf.data --stdio --no-children --sort sym \
		-g none 2>/dev/null | grep -E 'xnet_route|xnet_forward|fib_' |
		sed 's/^/route lookup: /'
}

# --- pace: SO_MAX_PACING_RATE ---------------------------------------------------
# One repetition: 10, 50 and 200 Mbit/s, xnet and TCP, first with veth-a's
# own root qdisc (noqueue), then with fq as its root (if sch_fq loads; if
# not, each fq figure is a skipped row saying so).
pace_rep() {
	local q r f dest fq_ok=0
	for q in noqueue fq; do
		if [ $q = fq ]; then
			if modprobe sch_fq 2>/dev/null &&
				A tc qdisc replace dev veth-a root fq; then
				fq_ok=1
			else
				for r in 10 50 200; do
					for f in xnet tcp; do
						echo "{\"rep\":$rep,\"topology\":\"1vm-veth\",\"label\":\"pace$r-fq\",\"family\":\"$f\",\"skipped\":\"no sch_fq in the VM\"}" >>"$RAW"
					done
				done
				echo "bench: pace: no sch_fq in the VM, fq figures skipped"
				continue
			fi
		fi
		QDISC=$q
		for r in 10 50 200; do
			for f in xnet tcp; do
				dest=$IB
				[ $f = xnet ] && dest=$XB
				bench pace$r$([ $q = fq ] && echo -fq) a $f $dest 5201 \
					-t stream -d "$PACE_SECS" -r $r
			done
		done
	done
	if [ $fq_ok = 1 ]; then
		A tc -s qdisc show dev veth-a | sed 's/^/pace: tc: /'
		A tc qdisc del dev veth-a root
	fi
	QDISC=noqueue
}
# seg: 44 segments of 1472 bytes a send (the largest UDP payload at MTU
# 1500; UDP_SEGMENT's send must stay under 65 507 bytes), for both.
SEG_SIZE=1472 SEG_SEND=$((44 * 1472))

# --- measurements ------------------------------------------------------------
t0=$(date +%s)
if named prof; then
	if command -v perf >/dev/null; then
		prof xnet $XB
		prof tcp $IB
		if named fwd; then
			prof xnet $FXB fa
			prof tcp $FIB fa
			fwd_offload off
			echo "### (the fwd chain's offloads off)"
			prof xnet $FXB fa
			prof tcp $FIB fa
			fwd_offload on
		fi
		if named secure && [ $SEC_XNET = 1 ] && sec_on; then
			echo "### (protected xnet, AES-256-GCM)"
			prof xnet $XB
			if sec_xnet_alg chacha20poly1305; then
				echo "### (protected xnet, ChaCha20-Poly1305)"
				prof xnet $XB
			fi
			sec_xnet_alg
			sec_off
		fi
		if named secure && [ $SEC_WG = 1 ]; then
			echo "### (TCP over WireGuard)"
			prof tcp $WB
		fi
		if want routes; then
			echo "### (1-byte round trips, the 1-route chain)"
			prof xnet $FXB fa -t rr -m 1
			echo "### (1-byte round trips, the 10 000-route chain)"
			prof xnet $FXB ga -t rr -m 1
		fi
	else
		echo "bench: prof: no perf in the VM (make deps)"
		fail=$((fail + 1))
	fi
fi
if named secure; then
	echo "### secure: $SEC_HS_N fresh sessions"
	sec_handshakes
fi
for rep in $(seq "$REPS"); do
	echo "### repetition $rep/$REPS ($(($(date +%s) - t0)) s)"
	named secure && secure_rep
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
	if want cpu; then
		for m in copy zerocopy sendfile; do
			bench cpu-$m a xnet $XB 5201 -t stream -d "$SECS" -M $m
			bench cpu-$m a tcp $IB 5201 -t stream -d "$SECS" -M $m
		done
	fi
	if want seg; then
		bench seg a xnet-dgram $XB 5203 -t blast -m $SEG_SEND -G $SEG_SIZE -d "$SECS"
		bench seg a udp $IB 5201 -t blast -m $SEG_SEND -G $SEG_SIZE -d "$SECS"
		bench seg-plain a xnet-dgram $XB 5203 -t blast -m $SEG_SIZE -d "$SECS"
		bench seg-plain a udp $IB 5201 -t blast -m $SEG_SIZE -d "$SECS"
	fi
	want pace && pace_rep
	if named fwd; then
		VNS=fr VDEV=va SNS=fr
		bench fwd fa xnet $FXB 5201 -t stream -d "$SECS"
		bench fwd fa tcp $FIB 5201 -t stream -d "$SECS"
		fwd_offload off
		bench fwdseg fa xnet $FXB 5201 -t stream -d "$SECS"
		bench fwdseg fa tcp $FIB 5201 -t stream -d "$SECS"
		fwd_offload on
		VNS=a VDEV=veth-a SNS=a
		# the control: the same offloads off, on a and b's veth
		# pair, no router in the way
		for d in "a veth-a" "b veth-b"; do
			read -r ns dev <<<"$d"
			ip netns exec "$ns" ethtool -K "$dev" tso off gso off \
				tx-gso-list off gro off
		done
		bench direct-seg a xnet $XB 5201 -t stream -d "$SECS"
		bench direct-seg a tcp $IB 5201 -t stream -d "$SECS"
		for d in "a veth-a" "b veth-b"; do
			read -r ns dev <<<"$d"
			ip netns exec "$ns" ethtool -K "$dev" tso on gso on \
				tx-gso-list on
		done
	fi
	if want routes; then
		# one order in odd repetitions, the other in even ones: what
		# the first run of a pair leaves behind falls on both
		for t in $( ((rep % 2)) && echo 1 10k || echo 10k 1); do
			if [ "$t" = 1 ]; then
				VNS=fr VDEV=va SNS=fr
				bench routes1 fa xnet $FXB 5201 -t rr -m 1 -d "$SECS"
			else
				VNS=gr VDEV=va SNS=gr
				bench routes10k ga xnet $FXB 5201 -t rr -m 1 -d "$SECS"
			fi
		done
		VNS=a VDEV=veth-a SNS=a
	fi
done
elapsed=$(($(date +%s) - t0))
echo "### measurements done in $elapsed s, $fail failed"
named secure && sec_crypto
# Counters for the analysis (retransmissions, drops) in the console log.
for ns in a b fa fr fb ga gr gb; do
	[ -e /run/netns/$ns ] || continue
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
	printf '{"meta":{"topology":"1vm-veth","kernel":"%s","date":"%s","reps":%s,"secs":%s,"idle_n":%s,"cpus":%s,"pin":%s,"sec_pin":%s,"pace_secs":%s,"elapsed_s":%s,"failed":%s}}\n' \
		"$(uname -r)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$REPS" "$SECS" \
		"$IDLE_N" "$(nproc)" "$PIN" "$SEC_PIN" "$PACE_SECS" "$elapsed" "$fail"
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

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Helpers for the xnet shell selftests, in the style of the kernel's net
# selftests. Source it first thing:
#
#   source "$(dirname "$0")/lib.sh"
#
# Every check prints "# PASS: ..." or "# FAIL: ..."; a failed check makes
# the test exit 1 at `finish`. Nothing is ever reported as passed without
# having been checked. Named netns and background processes are removed on
# exit, whatever happens.

ksft_skip=4
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
XECHO=$HERE/xnet_echo
RET=0
NSLIST=()
PIDS=()
TMPD=$(mktemp -d /tmp/xnet-test.XXXXXX)

log() { echo "# $*"; }
pass() { echo "# PASS: $*"; }
fail() { echo "# FAIL: $*"; RET=1; }

# check DESC CMD...: CMD must succeed.
check() {
	local d=$1
	shift
	if "$@"; then pass "$d"; else fail "$d"; fi
}

# check_not DESC CMD...: CMD must fail.
check_not() {
	local d=$1
	shift
	if "$@"; then fail "$d"; else pass "$d"; fi
}

# check_out DESC CMD...: like check, showing CMD's output as comments.
check_out() {
	local d=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && sed 's/^/#   /' <<<"$out"
	if [ $rc = 0 ]; then pass "$d"; else fail "$d (exit $rc)"; fi
}

require_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "# SKIP: need root"
		exit $ksft_skip
	fi
}

# require_cmd CMD...: skip the test (exit 4, kselftest's skip) when a tool
# it needs is missing. The test VM has every tool: there,
# scripts/guest-run.sh counts a skip as a failure.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || {
			echo "# SKIP: required command $c missing"
			exit $ksft_skip
		}
	done
}

require_cmds() {
	require_cmd "$@"
}

# require_xnet: skip when the xnet module is neither loaded nor loadable
# (kselftest's rule for a missing feature); load it if it is only
# unloaded, as socket(AF_XNET) would.
require_xnet() {
	[ -d /sys/module/xnet ] && return 0
	modprobe -q xnet 2>/dev/null
	[ -d /sys/module/xnet ] && return 0
	echo "# SKIP: xnet module not loaded, and modprobe xnet failed"
	exit $ksft_skip
}

cleanup() {
	local p ns
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for ns in "${NSLIST[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMPD"
}
trap cleanup EXIT

# ns_create NAME...: new netns with lo up.
ns_create() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || { echo "# FAIL: ip netns add $ns"; exit 1; }
		NSLIST+=("$ns")
		ip -n "$ns" link set lo up
	done
}

ns_del() {
	local ns=$1 keep=() n
	ip netns del "$ns"
	for n in "${NSLIST[@]}"; do
		[ "$n" != "$ns" ] && keep+=("$n")
	done
	NSLIST=("${keep[@]}")
}

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# veth_link NS1 IF1 NS2 IF2: veth pair between two netns, both ends up.
veth_link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
		ip -n "$1" link set "$2" up &&
		ip -n "$3" link set "$4" up ||
		{ echo "# FAIL: veth $1/$2 - $3/$4"; exit 1; }
}

# xaddr NS IF ADDR: configure an xnet address.
xaddr() {
	nsx "$1" xnetctl addr add "$3" dev "$2" ||
		{ echo "# FAIL: xnetctl addr add $3 dev $2 in $1"; exit 1; }
}

mac_of() {
	ip -n "$1" link show "$2" | awk '/link\/ether/ {print $2}'
}

# counter NS NAME: a counter from `xnetctl stats`, or MISSING.
counter() {
	nsx "$1" xnetctl stats 2>/dev/null |
		awk -v n="$2" '$1 == n {print $2; f = 1} END {if (!f) print "MISSING"}'
}

# check_counter NS NAME OP VALUE: e.g. check_counter $S InDatagrams -ge 2000
check_counter() {
	local v
	v=$(counter "$1" "$2")
	if [ "$v" = MISSING ]; then
		fail "$1: counter $2 missing from xnetctl stats"
	elif test "$v" "$3" "$4"; then
		pass "$1: $2 = $v ($3 $4)"
	else
		fail "$1: $2 = $v, expected $3 $4"
	fi
}

# check_delta NS NAME BEFORE OP N: the counter moved by (OP N) since BEFORE.
check_delta() {
	local v
	v=$(counter "$1" "$2")
	if [ "$v" = MISSING ] || [ "$3" = MISSING ]; then
		fail "$1: counter $2 missing from xnetctl stats"
	elif test $((v - $3)) "$4" "$5"; then
		pass "$1: $2 moved by $((v - $3)) ($4 $5)"
	else
		fail "$1: $2 moved by $((v - $3)) ($3 -> $v), expected $4 $5"
	fi
}

# proc_entries NS FILE: lines after the header of /proc/net/xnet/FILE.
proc_entries() {
	nsx "$1" bash -c "tail -n +2 /proc/net/xnet/$2 | grep -c ." 2>/dev/null
}

# Time limits of the waits below are in seconds of the wall clock (not
# numbers of polls: a poll that spawns `ip netns exec` can take seconds
# on a debug kernel under emulation), multiplied by XNET_TIMEOUT_MUL (the
# runner sets it: 8 on the debug lane).
TMUL=${XNET_TIMEOUT_MUL:-1}
[[ $TMUL =~ ^[1-9][0-9]*$ ]] || TMUL=1

# now_ms: the wall clock in milliseconds.
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# wait_until SECS CMD...: until CMD succeeds, polling every 0.1 s, for
# SECS x XNET_TIMEOUT_MUL seconds at most (CMD is tried at least twice).
wait_until() {
	local end=$(($(now_ms) + $1 * TMUL * 1000)) tries=0
	shift
	while :; do
		"$@" && return 0
		tries=$((tries + 1))
		[ $tries -ge 2 ] && [ "$(now_ms)" -ge $end ] && return 1
		sleep 0.1
	done
}

# has_sockets NS N: NS has at least N xnet sockets.
has_sockets() {
	[ "$(proc_entries "$1" sockets)" -ge "$2" ] 2>/dev/null
}

# wait_sockets NS N: until NS has at least N xnet sockets (10 s x mul).
wait_sockets() {
	wait_until 10 has_sockets "$1" "$2" && return 0
	fail "$1: fewer than $2 sockets after $((10 * TMUL)) s"
	nsx "$1" cat /proc/net/xnet/sockets | sed 's/^/#   /'
	return 1
}

# wait_file FILE: until it exists (10 s x mul).
wait_file() {
	wait_until 10 test -e "$1"
}

# bg NS CMD...: run in NS in the background, output to $TMPD/bg.N; killed
# on exit. Sets BGPID and BGOUT.
BGN=0
bg() {
	local ns=$1
	shift
	BGN=$((BGN + 1))
	BGOUT=$TMPD/bg.$BGN
	ip netns exec "$ns" "$@" >"$BGOUT" 2>&1 &
	BGPID=$!
	PIDS+=("$BGPID")
}

# gone PID: the process has ended.
gone() {
	! kill -0 "$1" 2>/dev/null
}

# bg_wait PID SECS: wait for a background job at most SECS x mul; its exit
# status, or 124 (and killed) on timeout.
bg_wait() {
	local pid=$1

	wait_until "$2" gone "$pid"
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

show() {
	sed 's/^/#   /' "$@"
}

# neigh_has NS ADDR PATTERN...: `xnetctl neigh show` has a line for ADDR
# matching every PATTERN (grep -i).
neigh_has() {
	local ns=$1 addr=$2 lines p
	shift 2
	lines=$(nsx "$ns" xnetctl neigh show | grep -E "^${addr//./\\.}[[:space:]]")
	[ -n "$lines" ] || return 1
	for p in "$@"; do
		lines=$(grep -i -- "$p" <<<"$lines") || return 1
	done
	return 0
}

addr_has() {
	nsx "$1" xnetctl addr show | grep -qw -- "$2"
}

finish() {
	if [ $RET = 0 ]; then
		echo "# all checks passed"
	else
		echo "# some checks FAILED"
	fi
	exit $RET
}

require_root
require_cmd ip xnetctl timeout modprobe sysctl awk
require_xnet
[ -x "$XECHO" ] || { echo "# FAIL: $XECHO not built"; exit 1; }

# --- bulk exchanges (xnet_bulk) ---
XBULK=$HERE/xnet_bulk

# kv FILE KEY: the value of the last KEY=... line of FILE.
kv() {
	sed -n "s/^$2=//p" "$1" | tail -1
}

# bulk NAME SNS SADDR CNS CADDR PORT SECS [SERVER ARGS] -- [CLIENT ARGS]:
# one xnet_bulk exchange (both directions at once, -I), the server bound
# to SADDR:PORT in SNS, the client bound to CADDR in CNS, each limited to
# SECS (x mul). Sets SOUT/COUT (outputs), SRC/CRC (exit statuses).
bulk() {
	local name=$1 sns=$2 sa=$3 cns=$4 ca=$5 port=$6 secs=$(($7 * TMUL))
	local sargs=() spid
	shift 7
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		sargs+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	rm -f "$TMPD/ready"
	bg "$sns" "$XBULK" server -b "$sa:$port" -R "$TMPD/ready" -I \
		-T "$secs" "${sargs[@]}"
	spid=$BGPID
	SOUT=$BGOUT
	COUT=$TMPD/$name.client
	if ! wait_file "$TMPD/ready"; then
		fail "$name: server not listening"
		show "$SOUT"
		SRC=1
		CRC=1
		return 1
	fi
	nsx "$cns" "$XBULK" client -c "$sa:$port" -b "$ca" -I -T "$secs" "$@" \
		>"$COUT" 2>&1
	CRC=$?
	bg_wait "$spid" $((secs / TMUL + 5))
	SRC=$?
}

# bulk_check NAME: both ends of the last bulk exchange succeeded, and the
# SHA-256 of each direction's bytes agree between sender and receiver.
bulk_check() {
	local name=$1 ok=1 v
	[ "$CRC" = 0 ] || { fail "$name: client exit $CRC"; ok=0; }
	[ "$SRC" = 0 ] || { fail "$name: server exit $SRC"; ok=0; }
	for v in "$COUT" "$SOUT"; do
		[ "$(kv "$v" recv_verify)" = ok ] ||
			{ fail "$name: $(kv "$v" role) received $(kv "$v" recv_verify)"; ok=0; }
		[ "$(kv "$v" msg_errors)" = 0 ] ||
			{ fail "$name: $(kv "$v" role): $(kv "$v" msg_errors) message errors"; ok=0; }
	done
	if [ -n "$(kv "$COUT" sent_sha256)" ] &&
	   [ "$(kv "$COUT" sent_sha256)" = "$(kv "$SOUT" recv_sha256)" ]; then
		pass "$name: client->server $(kv "$SOUT" recv_bytes) bytes, sha256 match"
	else
		fail "$name: client->server sha256 differs"
		ok=0
	fi
	if [ -n "$(kv "$SOUT" sent_sha256)" ] &&
	   [ "$(kv "$SOUT" sent_sha256)" = "$(kv "$COUT" recv_sha256)" ]; then
		pass "$name: server->client $(kv "$COUT" recv_bytes) bytes, sha256 match"
	else
		fail "$name: server->client sha256 differs"
		ok=0
	fi
	log "$name: client $(kv "$COUT" secs) s, $(kv "$COUT" rate_mbs) MB/s;" \
	    "retrans client $(kv "$COUT" info_total_retrans)" \
	    "server $(kv "$SOUT" info_total_retrans);" \
	    "mss $(kv "$COUT" info_mss)/$(kv "$SOUT" info_mss)" \
	    "cwnd $(kv "$COUT" info_snd_cwnd) srtt $(kv "$COUT" info_srtt_us) us"
	if [ $ok = 0 ]; then
		log "client:"
		show "$COUT"
		log "server:"
		show "$SOUT"
	fi
	return $((1 - ok))
}

# no_ipv6 NS...: IPv6 off in NS (before its devices are made), so that no
# router or neighbour solicitation shows in the devices' packet counters.
no_ipv6() {
	local ns
	for ns in "$@"; do
		nsx "$ns" bash -c 'c=/proc/sys/net/ipv6/conf
			echo 1 >$c/all/disable_ipv6 &&
			echo 1 >$c/default/disable_ipv6' ||
			{ echo "# FAIL: disable IPv6 in $ns"; exit 1; }
	done
}

# devstat NS DEV NAME: a counter of /sys/class/net/DEV/statistics.
devstat() {
	nsx "$1" cat "/sys/class/net/$2/statistics/$3"
}

# --- the routed chain of issue 12 ---
#
# chain_setup TAG: four netns joined in a line by three veth links, each
# its own /24, with routes both ways and forwarding on in the routers:
#
#   A a0 --- r1a R1 r1b --- r2a R2 r2b --- b0 B
#   10.1.1.1  10.1.1.2 10.1.2.1   10.1.2.2 10.1.3.1  10.1.3.2
#
# The middle link has MTU $CHAIN_MTU (default 1280). A routes everything
# via R1, B everything via R2; R1 reaches 10.1.3.0/24 via R2, R2 reaches
# 10.1.1.0/24 via R1. Netns names: $TAG-a, $TAG-r1, $TAG-r2, $TAG-b, in
# CH_A CH_R1 CH_R2 CH_B; addresses in CH_A_ADDR CH_R1_A CH_R1_B CH_R2_A
# CH_R2_B CH_B_ADDR (R1_A: R1's address on A's side). IPv6 is off in
# all four (no_ipv6). Any step failing fails the test at once.
chain_setup() {
	local tag=$1 mtu=${CHAIN_MTU:-1280}

	CH_A=$tag-a CH_R1=$tag-r1 CH_R2=$tag-r2 CH_B=$tag-b
	CH_A_ADDR=10.1.1.1 CH_R1_A=10.1.1.2
	CH_R1_B=10.1.2.1 CH_R2_A=10.1.2.2
	CH_R2_B=10.1.3.1 CH_B_ADDR=10.1.3.2
	ns_create "$CH_A" "$CH_R1" "$CH_R2" "$CH_B"
	no_ipv6 "$CH_A" "$CH_R1" "$CH_R2" "$CH_B"
	veth_link "$CH_A" a0 "$CH_R1" r1a
	veth_link "$CH_R1" r1b "$CH_R2" r2a
	veth_link "$CH_R2" r2b "$CH_B" b0
	ip -n "$CH_R1" link set r1b mtu "$mtu" &&
		ip -n "$CH_R2" link set r2a mtu "$mtu" ||
		{ echo "# FAIL: chain: mtu $mtu on the middle link"; exit 1; }
	xaddr "$CH_A" a0 $CH_A_ADDR/24
	xaddr "$CH_R1" r1a $CH_R1_A/24
	xaddr "$CH_R1" r1b $CH_R1_B/24
	xaddr "$CH_R2" r2a $CH_R2_A/24
	xaddr "$CH_R2" r2b $CH_R2_B/24
	xaddr "$CH_B" b0 $CH_B_ADDR/24
	chain_route "$CH_A" default via $CH_R1_A
	chain_route "$CH_R1" 10.1.3.0/24 via $CH_R2_A
	chain_route "$CH_R2" 10.1.1.0/24 via $CH_R1_B
	chain_route "$CH_B" default via $CH_R2_B
	nsx "$CH_R1" sysctl -qw net.xnet.forwarding=1 &&
		nsx "$CH_R2" sysctl -qw net.xnet.forwarding=1 ||
		{ echo "# FAIL: chain: net.xnet.forwarding=1"; exit 1; }
}

# chain_route NS ROUTE...: xnetctl route add ROUTE... in NS, or fail now.
chain_route() {
	local ns=$1
	shift
	nsx "$ns" xnetctl route add "$@" ||
		{ echo "# FAIL: xnetctl route add $* in $ns"; exit 1; }
}

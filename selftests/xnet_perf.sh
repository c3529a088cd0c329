#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every xnet tracepoint decodes in perf script and trace-cmd report: no
# "FAILED TO PARSE", and each event's addresses, ports and names come out
# as text. One workload, recorded once by each tool:
#  - an 8 MiB stream each way between two namespaces over a veth with 10%
#    netem loss: xnet_conn_state, xnet_retransmit, xnet_cong. The veth
#    carries 64 KiB frames whole, so 1 MiB was about 32 data frames, and
#    0.9^32 (3%) of runs lost none and recorded no retransmission; 8 MiB
#    is about 256 frames: 0.9^256, 2e-12;
#  - a connection to a port nobody listens on: xnet_drop (InNoSocket);
#  - an unprivileged xnetctl addr add: xnet_security (config_refused).
# Runs alone (it enables tracepoints: a static key).
source "$(dirname "$0")/lib.sh"

require_root
require_cmds perf trace-cmd setpriv xnetctl tc

T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs tracefs $T ||
	{ echo "# FAIL: mount tracefs"; exit 1; }
[ -d $T/events/xnet ] || { echo "# FAIL: no events/xnet in tracefs"; exit 1; }

A=xpf-a-$$ B=xpf-b-$$
ns_create "$A"
ns_create "$B"
veth_link "$A" xa "$B" xb
xaddr "$A" xa 10.0.0.1
xaddr "$B" xb 10.0.0.2
nsx "$A" tc qdisc add dev xa root netem loss 10% ||
	{ echo "# FAIL: netem"; exit 1; }

# The workload each tool records; it fails only if the stream does.
cat >"$TMPD/work.sh" <<EOF
#!/bin/bash
source "$HERE/lib.sh"
bulk wl $B 10.0.0.2 $A 10.0.0.1 7000 60 -n $((8 << 20)) -- -n $((8 << 20))
bulk_check wl || exit 1
ip netns exec $A "$XBULK" client -c 10.0.0.2:7001 -b 10.0.0.1 -n 1 -T 10 \\
	>/dev/null 2>&1
setpriv --reuid=65534 --regid=65534 --clear-groups \\
	xnetctl addr add 10.9.9.9 dev lo >/dev/null 2>&1
exit 0
EOF
chmod +x "$TMPD/work.sh"

EVENTS=(xnet_conn_state xnet_retransmit xnet_cong xnet_drop xnet_security)

# decoded TOOL FILE: FILE holds TOOL's text for the workload; check it.
decoded() {
	local tool=$1 f=$2 ev n
	if grep -q 'FAILED TO PARSE' "$f"; then
		fail "$tool: FAILED TO PARSE"
		grep -m 5 'FAILED TO PARSE' "$f" | show /dev/stdin
	else
		pass "$tool: every event parsed ($(wc -l <"$f") lines)"
	fi
	for ev in "${EVENTS[@]}"; do
		n=$(grep -c "$ev:" "$f")
		if [ "$n" -gt 0 ]; then
			pass "$tool: $ev recorded $n times"
		else
			fail "$tool: no $ev"
		fi
	done
	check "$tool: conn_state addresses, ports and states" \
		grep -qE 'xnet_conn_state:.*type=stream local=10\.0\.0\.1:[0-9]+ remote=10\.0\.0\.2:7000 SYN_SENT -> ESTABLISHED' "$f"
	check "$tool: retransmit addresses and ports" \
		grep -qE 'xnet_retransmit:.*local=10\.0\.0\.[12]:[0-9]+ remote=10\.0\.0\.[12]:[0-9]+ seq=[0-9]+ len=[0-9]+ cwnd=[0-9]+' "$f"
	check "$tool: cong figures" \
		grep -qE 'xnet_cong:.*cwnd=[0-9]+ ssthresh=[0-9]+ srtt_us=[0-9]+ mss=[0-9]+' "$f"
	check "$tool: drop reason, MAC and addresses" \
		grep -qE 'xnet_drop:.*reason=InNoSocket ifindex=[0-9]+ smac=([0-9a-f]{2}:){5}[0-9a-f]{2} saddr=10\.0\.0\.1 daddr=10\.0\.0\.2 type=4' "$f"
	check "$tool: security event name" \
		grep -qE 'xnet_security:.*event=config_refused smac=00:00:00:00:00:00 addr=0\.0\.0\.0 arg=[0-9]+' "$f"
}

log "perf record"
perf record -q -a -o "$TMPD/perf.data" $(printf -- '-e xnet:%s ' "${EVENTS[@]}") \
	-- timeout $((120 * TMUL)) "$TMPD/work.sh" >"$TMPD/perf.rec" 2>&1
rc=$?
show "$TMPD/perf.rec"
[ $rc = 0 ] || fail "perf record of the workload: exit $rc"
perf script -i "$TMPD/perf.data" >"$TMPD/perf.txt" 2>"$TMPD/perf.err" ||
	{ fail "perf script"; show "$TMPD/perf.err"; }
decoded perf "$TMPD/perf.txt"

log "trace-cmd record"
(cd "$TMPD" && trace-cmd record -q -o "$TMPD/trace.dat" -e xnet \
	timeout $((120 * TMUL)) "$TMPD/work.sh") >"$TMPD/tc.rec" 2>&1
rc=$?
[ $rc = 0 ] || { fail "trace-cmd record of the workload: exit $rc"; show "$TMPD/tc.rec"; }
trace-cmd report -i "$TMPD/trace.dat" >"$TMPD/trace.txt" 2>"$TMPD/trace.err" ||
	{ fail "trace-cmd report"; show "$TMPD/trace.err"; }
decoded trace-cmd "$TMPD/trace.txt"
# trace-cmd leaves the events enabled
echo 0 >$T/events/xnet/enable

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xnetctl monitor (the "monitor" multicast group of the xnet genl family):
#  - `xnetctl monitor -j` and `xnetctl monitor` run in netns A while A and
#    C (a netns of its own, with its own peer D) make the same kinds of
#    changes: an address added and deleted (and its connected route), a
#    gateway route added and deleted, a key added and deleted (its bytes
#    never printed), a neighbour resolved by a datagram (INCOMPLETE, then
#    REACHABLE with B's MAC) and flushed, a device with an address and a
#    route deleted (both announced as removed). A's monitors print each
#    of A's events with the right fields and none of C's;
#  - every JSON line is one object (the host side, host/xnet_monitor.py,
#    parses each with json.loads and checks the fields again);
#  - `monitor route` prints routes only;
#  - a stranger floods A with neighbour queries from random sources: one
#    message per entry made (strangers' entries are bounded), A's table
#    stays bounded, the monitors print the next change;
#  - a monitor stopped (SIGSTOP) while 1200 addresses come and go, then
#    resumed, says "monitor: events lost" and prints the next change;
#  - a flush of 1500 entries builds at most 512 messages (a monitor with
#    room for all of them gets 512 and a lost report);
#  - SIGTERM ends a monitor with status 0.
source "$(dirname "$0")/lib.sh"
require_root
require_cmds xnetctl
FLOOD=$HERE/xnet_monflood

A=xn-mona-$$
B=xn-monb-$$
C=xn-monc-$$
D=xn-mond-$$
AA=10.0.7.1
BA=10.0.7.2
CA=10.0.8.1
DA=10.0.8.2
KA=5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a
KC=c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3

ns_create "$A" "$B" "$C" "$D"
veth_link "$A" va "$B" vb
veth_link "$C" vc "$D" vd
ip -n "$A" link add vx type veth peer name vy || { fail "veth vx"; finish; }
ip -n "$A" link set vx up
ip -n "$A" link set vy up
xaddr "$B" vb $BA/24
xaddr "$D" vd $DA/24
bmac=$(mac_of "$B" vb)

bg "$B" timeout 120 "$XECHO" server -b $BA:7 -i 100
wait_sockets "$B" 1 || finish
bg "$D" timeout 120 "$XECHO" server -b $DA:7 -i 100
wait_sockets "$D" 1 || finish

# The monitors' stderr shares their output file: on a busy host the JSON
# monitor may lose events too, and says so there (and as {"event":"lost"}).
LOSTMSG='xnetctl: monitor: events lost'

# Both monitors of A, and one of C's (C's own events must reach it).
bg "$A" xnetctl -j monitor
MJ=$BGOUT MJPID=$BGPID
bg "$A" xnetctl monitor
MT=$BGOUT MTPID=$BGPID
bg "$A" xnetctl -j monitor route
MR=$BGOUT MRPID=$BGPID
bg "$C" xnetctl -j monitor addr
MC=$BGOUT MCPID=$BGPID

# has FILE PATTERN: a line of FILE has PATTERN (fixed string).
has() { grep -qF -- "$2" "$1"; }

# The monitors have joined once a change made now reaches every one of
# them: a bare address added (and removed) until it shows.
joined() {
	local i=$1
	xaddr "$A" va 10.0.9.$i
	xaddr "$C" vc 10.0.9.$i
	wait_until 1 eval 'has "$MJ" "\"local\":\"10.0.9.$i\"" &&
		has "$MT" "[ADDR] 10.0.9.$i dev va" &&
		has "$MR" "\"dev\":\"va\"" && has "$MC" "\"local\":\"10.0.9.$i\""'
	local rc=$?
	nsx "$A" xnetctl addr del 10.0.9.$i dev va
	nsx "$C" xnetctl addr del 10.0.9.$i dev vc
	return $rc
}
ok=
for i in $(seq 1 $((10 * TMUL))); do
	joined "$i" && { ok=1; break; }
done
check "the monitors joined the group" test -n "$ok"

# the same kinds of change in A and C
change() {	# NS DEV ADDR PEER PREFIX KEYID KEY
	local ns=$1 dev=$2 addr=$3 peer=$4 pfx=$5 id=$6 key=$7
	nsx "$ns" xnetctl addr add "$addr/24" dev "$dev" &&
	nsx "$ns" xnetctl route add "$pfx" via "$peer" dev "$dev" metric 5 &&
	nsx "$ns" xnetctl key add "$id" "$key" peer "$peer" &&
	nsx "$ns" xnetctl key del "$id" &&
	nsx "$ns" timeout 20 "$XECHO" send -b "$addr" -c "$peer:7" -m 100 \
		-E -r 5 -w 1000 >/dev/null &&
	nsx "$ns" xnetctl neigh flush &&
	nsx "$ns" xnetctl route del "$pfx" via "$peer" &&
	nsx "$ns" xnetctl addr del "$addr" dev "$dev"
}
change "$C" vc $CA $DA 10.30.0.0/16 88 $KC &
cpid=$!
check "A: the changes made" change "$A" va $AA $BA 10.20.0.0/16 77 $KA
check "C: the changes made" wait $cpid
check "A: address on a device that goes" xaddr "$A" vx 10.0.10.1/24
check "A: the device deleted" ip -n "$A" link del vx

# the last event of A's sequence is the device's address going
last='"event":"addr","action":"del","ifindex":'
check "A's JSON monitor saw the device's address go" \
	wait_until 10 eval 'grep -F "$last" "$MJ" | grep -qF "\"local\":\"10.0.10.1\""'
check "C's monitor saw C's address go" \
	wait_until 10 eval 'grep -F "\"action\":\"del\"" "$MC" | grep -qF "\"local\":\"$CA\""'
wait_until 5 has "$MT" "[ADDR] Deleted 10.0.10.1/24 dev vx"
log "A's JSON monitor:"
show "$MJ"
log "A's text monitor:"
show "$MT"

# jline FILE PATTERN...: a line of FILE has every (fixed) PATTERN.
jline() {
	local f=$1 lines
	shift
	lines=$(cat "$f")
	for p in "$@"; do
		lines=$(grep -F -- "$p" <<<"$lines") || return 1
	done
}

check "json: address added" jline "$MJ" '"event":"addr","action":"add"' \
	'"ifname":"va"' "\"local\":\"$AA\"" '"prefixlen":24'
check "json: address deleted" jline "$MJ" '"event":"addr","action":"del"' \
	'"ifname":"va"' "\"local\":\"$AA\"" '"prefixlen":24'
check "json: connected route added" jline "$MJ" \
	'"event":"route","action":"add"' '"prefix":"10.0.7.0/24"' \
	'"type":"connected"' '"dev":"va"'
check "json: connected route deleted" jline "$MJ" \
	'"event":"route","action":"del"' '"prefix":"10.0.7.0/24"'
check "json: gateway route added" jline "$MJ" \
	'"event":"route","action":"add"' '"prefix":"10.20.0.0/16"' \
	'"type":"gateway"' '"metric":5' "\"gateway\":\"$BA\"" '"dev":"va"'
check "json: gateway route deleted" jline "$MJ" \
	'"event":"route","action":"del"' '"prefix":"10.20.0.0/16"' \
	"\"gateway\":\"$BA\""
check "json: key added" jline "$MJ" '"event":"key","action":"add"' \
	'"id":77' "\"peer\":\"$BA\"" '"alg":"aes-gcm"' '"state":"active"' \
	'"fingerprint":"'
check "json: key deleted" jline "$MJ" '"event":"key","action":"del"' \
	'"id":77'
check_not "the key's bytes never printed" grep -qiF "5a5a5a5a" "$MJ" "$MT"
check "json: neighbour resolving" jline "$MJ" \
	'"event":"neigh","action":"new"' "\"dst\":\"$BA\"" \
	'"lladdr":null' '"state":"INCOMPLETE"'
check "json: neighbour resolved" jline "$MJ" \
	'"event":"neigh","action":"new"' "\"dst\":\"$BA\"" '"dev":"va"' \
	"\"lladdr\":\"$bmac\"" '"state":"REACHABLE"'
check "json: neighbour flushed" jline "$MJ" \
	'"event":"neigh","action":"del"' "\"dst\":\"$BA\"" \
	"\"lladdr\":\"$bmac\""
check "json: the device's route went with it" jline "$MJ" \
	'"event":"route","action":"del"' '"prefix":"10.0.10.0/24"' \
	'"dev":"vx"'
# one message per real change: resolved once, not once per frame
n=$(grep -F '"event":"neigh","action":"new"' "$MJ" | grep -F "\"dst\":\"$BA\"" |
	grep -cF '"state":"REACHABLE"')
check "json: REACHABLE announced once ($n)" test "$n" = 1
check_not "none of C's events in A's monitors" \
	grep -qE '10\.0\.8\.|10\.30\.|"id":88|"vc"|dev vc' "$MJ" "$MT" "$MR"
check_not "none of A's events in C's monitor" \
	grep -qE "$AA|10\.0\.10\.|\"va\"" "$MC"
bad=$(grep -vxF "$LOSTMSG" "$MJ" | grep -cvE '^\{"event":"lost"\}$|^\{"event":"[a-z]+","action":"[a-z]+"(,"[a-z_]+":("[^"]*"|[0-9]+|null))*\}$')
check "json: every line one flat object ($bad other)" test "$bad" = 0
check "json: route monitor printed routes only" \
	test "$(grep -cvF '"event":"route"' "$MR")" = 0
check "json: route monitor saw the gateway route" \
	has "$MR" '"prefix":"10.20.0.0/16"'

check "text: address added" has "$MT" "[ADDR] $AA/24 dev va"
check "text: address deleted" has "$MT" "[ADDR] Deleted $AA/24 dev va"
check "text: gateway route" has "$MT" \
	"[ROUTE] 10.20.0.0/16 via $BA dev va type gateway metric 5"
check "text: route deleted" has "$MT" \
	"[ROUTE] Deleted 10.20.0.0/16 via $BA dev va type gateway metric 5"
check "text: neighbour resolved" has "$MT" \
	"[NEIGH] $BA dev va lladdr $bmac REACHABLE"
check "text: neighbour flushed" has "$MT" \
	"[NEIGH] Deleted $BA dev va lladdr $bmac"
check "text: key added" has "$MT" "[KEY] 77 peer $BA dev any alg aes-gcm active fingerprint "
check "text: key deleted" has "$MT" "[KEY] Deleted 77 peer $BA"
if [ -n "$XNET_EXPORT_DIR" ] && [ -d "$XNET_EXPORT_DIR" ]; then
	grep -vxF "$LOSTMSG" "$MJ" >"$XNET_EXPORT_DIR/xnet_monitor.json"
	printf 'bmac=%s\n' "$bmac" >"$XNET_EXPORT_DIR/xnet_monitor.meta"
fi

# --- a stranger's flood --------------------------------------------------
# Strangers' entries take at most half of neigh_max and a REACHABLE one is
# never evicted for another stranger: the flood makes 32 entries (one
# message each), and every other query is refused (NeighStrangersFull).
xaddr "$A" va $AA/24
nsx "$A" sysctl -qw net.xnet.neigh_max=64
nsx "$A" sysctl -qw net.xnet.neigh_reachable_ms=600000
N=4000
full0=$(counter "$A" NeighStrangersFull)
check_out "B floods A with $N queries from random sources" \
	nsx "$B" "$FLOOD" -i vb -d $AA -n $N
check "A's table bounded ($(proc_entries "$A" neigh) <= 64)" \
	test "$(proc_entries "$A" neigh)" -le 64
check_delta "$A" NeighStrangersFull "$full0" -ge $((N - 64))
xaddr "$A" va 10.0.11.1
check "the monitor printed the next change after the flood" \
	wait_until 20 has "$MJ" '"local":"10.0.11.1"'
nj=$(grep -F '"event":"neigh","action":"new"' "$MJ" | grep -F '"dst":"10.128.' |
	grep -cF '"state":"REACHABLE"')
nl=$(grep -cF '"event":"lost"' "$MJ")
log "the monitor: $nj strangers' entries announced, $nl lost reports"
check "one message per stranger's entry ($nj), or a lost report ($nl)" \
	test "$nj" = 32 -o "$nl" -gt 0
check "the text monitor printed the next change after the flood" \
	wait_until 20 has "$MT" "[ADDR] 10.0.11.1 dev va"

# --- a stopped monitor loses events, says so, and goes on ------------------
kill -STOP "$MTPID"
for i in $(seq 1 600); do
	echo "addr add 10.0.12.1/24 dev va"
	echo "addr del 10.0.12.1 dev va"
done >"$TMPD/churn"
check "A: 600 addresses added and deleted" nsx "$A" xnetctl -b "$TMPD/churn"
kill -CONT "$MTPID"
xaddr "$A" va 10.0.13.1
check "the resumed monitor printed the next change" \
	wait_until 20 has "$MT" "[ADDR] 10.0.13.1 dev va"
check "the resumed monitor said events were lost" \
	has "$MT" "monitor: events lost"
check "the JSON monitor printed the next change" \
	wait_until 20 has "$MJ" '"local":"10.0.13.1"'
bad=$(grep -vxF "$LOSTMSG" "$MJ" | grep -cvE '^\{"event":"[a-z]+"(,"[a-z_]+":("[^"]*"|[0-9]+|null))*\}$')
check "json: every line one flat object after the floods ($bad other)" \
	test "$bad" = 0
grep -vE '^\{"event":"[a-z]+"(,"[a-z_]+":("[^"]*"|[0-9]+|null))*\}$' "$MJ" |
	head -3 | sed 's/^/#   other: /'

# --- a flush of a big table: the queue of messages is bounded --------------
# A flush changes the whole table under neigh_lock: at most 512 messages
# (XNET_NOTIFY_NEIGH_MAX) are built before it is dropped, the others are
# reported lost (ENOBUFS). This monitor's receive queue takes every
# message (the 1 MB xnetctl asks for, net.core.rmem_max allowing), so
# only the kernel's bound can lose them.
nsx "$A" xnetctl neigh flush
nsx "$A" sysctl -qw net.xnet.neigh_max=4096
rmax=$(sysctl -n net.core.rmem_max)
[ "$rmax" -ge $((1 << 20)) ] || sysctl -qw net.core.rmem_max=$((1 << 20))
bg "$A" xnetctl -j monitor neigh
MB=$BGOUT MBPID=$BGPID
ok=
for i in $(seq 1 $((10 * TMUL))); do
	nsx "$A" xnetctl neigh flush
	nsx "$B" "$FLOOD" -i vb -d $AA -n 1 >/dev/null
	wait_until 1 has "$MB" '"dst":"10.128.0.1"' && { ok=1; break; }
done
sysctl -qw net.core.rmem_max="$rmax"
check "the big-buffer monitor joined the group" test -n "$ok"
N=1500
check_out "B floods A with $N queries from distinct sources" \
	nsx "$B" "$FLOOD" -i vb -d $AA -n $N
n0=$(proc_entries "$A" neigh)
check "A holds the $N strangers' entries ($n0)" test "$n0" -ge $N
L0=$(wc -l <"$MB")
check "A: the table flushed" nsx "$A" xnetctl neigh flush
# a change after the flush: announced after every message of the flush
nsx "$B" "$FLOOD" -i vb -d $AA -n 1 >/dev/null
check "the monitor printed the change after the flush" \
	wait_until 20 eval 'tail -n +$((L0 + 1)) "$MB" | grep -F "\"action\":\"new\"" |
		grep -qF "\"dst\":\"10.128.0.1\""'
nd=$(tail -n +$((L0 + 1)) "$MB" | grep -cF '"event":"neigh","action":"del"')
nl=$(tail -n +$((L0 + 1)) "$MB" | grep -cF '"event":"lost"')
log "the flush of $n0 entries: $nd messages, $nl lost reports"
check "512 messages built for the flush, no more ($nd)" test "$nd" = 512
check "the monitor was told the others were lost ($nl)" test "$nl" -gt 0
kill -TERM "$MBPID"
bg_wait "$MBPID" 10
rc=$?
check "the big-buffer monitor ended by SIGTERM with status 0 ($rc)" \
	test "$rc" = 0

# --- flushes racing a flood: the events keep the table's order -------------
# B's 30000 queries keep making 16 entries again (softirq, either CPU)
# while A flushes its table again and again (process context): each
# entry's events must alternate, the last one saying what A's table holds
# once both stop. A DEL sent after
# the NEW of the entry made again would leave a monitor with an entry
# the table no longer has, or the reverse.
rmax=$(sysctl -n net.core.rmem_max)
[ "$rmax" -ge $((1 << 20)) ] || sysctl -qw net.core.rmem_max=$((1 << 20))
bg "$A" xnetctl -j monitor neigh
MO=$BGOUT MOPID=$BGPID
ok=
for i in $(seq 1 $((10 * TMUL))); do
	nsx "$A" xnetctl neigh flush
	nsx "$B" "$FLOOD" -i vb -d $AA -n 1 >/dev/null
	wait_until 1 has "$MO" '"dst":"10.128.0.1"' && { ok=1; break; }
done
sysctl -qw net.core.rmem_max="$rmax"
check "the race's monitor joined the group" test -n "$ok"
for i in $(seq 1 100); do echo "neigh flush"; done >"$TMPD/flushes"
nsx "$B" "$FLOOD" -i vb -d $AA -n 30000 -m 16 >/dev/null &
fpid=$!
nb=0
while ! gone "$fpid" && [ $nb -lt 20 ]; do
	nsx "$A" xnetctl -b "$TMPD/flushes" || break
	nb=$((nb + 1))
done
log "the race: $nb batches of 100 flushes during the flood"
check "A: flushes during the flood" test "$nb" -gt 0
check "B: the flood ran" wait "$fpid"
# settled: the flood's last frames are handled (a veth's backlog: soon)
sleep $((2 * TMUL))
nsx "$A" bash -c "tail -n +2 /proc/net/xnet/neigh" | awk '$1 ~ /^10\.128\./ {print $1}' |
	sort >"$TMPD/race.table"
check "the race's monitor took every event" \
	test "$(grep -cF '"event":"lost"' "$MO")" = 0
sed -n 's/.*"action":"\([a-z]*\)","dst":"\(10\.128\.[0-9.]*\)".*/\2 \1/p' "$MO" |
	awk '{last[$1] = $2} END {for (a in last) if (last[a] == "new") print a}' |
	sort >"$TMPD/race.monitor"
log "the race: $(wc -l <"$TMPD/race.table") entries in A's table, $(wc -l <"$MO") events"
# each entry is made REACHABLE at once and never changes: its events
# alternate new, del, new... in the order the table changed
bad=$(sed -n 's/.*"action":"\([a-z]*\)","dst":"\(10\.128\.[0-9.]*\)".*/\2 \1/p' "$MO" |
	awk '$2 == last[$1] {n++} {last[$1] = $2} END {print n + 0}')
check "every entry's events alternate new and del ($bad out of order)" \
	test "$bad" = 0
check "every entry's last event says what A's table holds" \
	cmp -s "$TMPD/race.table" "$TMPD/race.monitor"
diff "$TMPD/race.table" "$TMPD/race.monitor" | head -5 | sed 's/^/#   /'
kill -TERM "$MOPID"
bg_wait "$MOPID" 10

# --- SIGTERM ---------------------------------------------------------------
for p in $MJPID $MTPID $MRPID $MCPID; do
	kill -TERM "$p"
	bg_wait "$p" 10
	rc=$?
	check "monitor $p ended by SIGTERM with status 0 ($rc)" test "$rc" = 0
done
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An unmodified application over AF_XNET: socat's generic socket addresses
#   SOCKET-LISTEN:22:0:<sockaddr data>   SOCKET-CONNECT:22:0:<sockaddr data>
# where the data is the sockaddr_xnet after its family field, in socat's
# hex notation: x<port, 2 bytes>x<address, 4 bytes>x<8 zero bytes>.
# Between two netns over a veth pair, a 1 MiB file goes
#  1. client -> server (socat -u), SOCK_STREAM;
#  2. server -> client (socat -U on the listener);
#  3. through an echo (EXEC:cat) and back in one connection, with socat's
#     half-close at EOF;
#  4. client -> server over SOCK_SEQPACKET (socktype=5);
# each compared with sha256sum; then no socket is left.
source "$(dirname "$0")/lib.sh"

require_cmds socat sha256sum head cat

A=xso-a-$$
B=xso-b-$$
AA=10.0.3.1
BA=10.0.3.2
FAM=22		# AF_XNET

ns_create "$A" "$B"
veth_link "$A" veth-a "$B" veth-b
xaddr "$A" veth-a $AA
xaddr "$B" veth-b $BA

# sxn PORT A.B.C.D: socat's data form of a sockaddr_xnet without the family.
sxn() {
	local IFS=.
	# shellcheck disable=SC2086
	set -- "$1" $2
	printf 'x%04xx%02x%02x%02x%02xx0000000000000000' "$1" "$2" "$3" "$4" "$5"
}

sum_of() {
	sha256sum "$1" | cut -d' ' -f1
}

IN=$TMPD/in
head -c 1048576 /dev/urandom >"$IN"
want=$(sum_of "$IN")
log "sockaddr for $BA:7500: $(sxn 7500 $BA)"

# wait_listen NS PORT: until NS has a listening xnet socket on PORT.
wait_listen() {
	local i
	for i in $(seq 50); do
		nsx "$1" cat /proc/net/xnet/sockets 2>/dev/null |
			awk -v p=":$2" '$2 == 1 && index($3, p) {f = 1} END {exit !f}' &&
			return 0
		sleep 0.1
	done
	echo "# FAIL: nothing listens on port $2 in $1"
	nsx "$1" cat /proc/net/xnet/sockets | show
	return 1
}

# compare NAME FILE SERVER_PID: server done, FILE matches the input.
compare() {
	local rc
	bg_wait "$3" 30
	rc=$?
	[ "$rc" = 0 ] || fail "$1: server socat exit $rc"
	if [ -f "$2" ] && [ "$(sum_of "$2")" = "$want" ]; then
		pass "$1: 1 MiB intact (sha256 $want)"
	else
		fail "$1: output differs ($(stat -c %s "$2" 2>/dev/null) bytes)"
		show "$SRV_OUT"
	fi
}

# 1. client -> server
bg "$B" timeout 40 socat -u \
	"SOCKET-LISTEN:$FAM:0:$(sxn 7500 $BA),socktype=1" \
	"CREATE:$TMPD/out1"
spid=$BGPID
SRV_OUT=$BGOUT
wait_listen "$B" 7500
check_out "socat client sends 1 MiB" nsx "$A" timeout 40 socat -u \
	"OPEN:$IN" "SOCKET-CONNECT:$FAM:0:$(sxn 7500 $BA),socktype=1"
compare "client -> server" "$TMPD/out1" "$spid"

# 2. server -> client
bg "$B" timeout 40 socat -U \
	"SOCKET-LISTEN:$FAM:0:$(sxn 7501 $BA),socktype=1" "OPEN:$IN"
spid=$BGPID
SRV_OUT=$BGOUT
wait_listen "$B" 7501
check_out "socat client receives 1 MiB" nsx "$A" timeout 40 socat -u \
	"SOCKET-CONNECT:$FAM:0:$(sxn 7501 $BA),socktype=1" \
	"CREATE:$TMPD/out2"
compare "server -> client" "$TMPD/out2" "$spid"

# 3. there and back through cat in one connection
bg "$B" timeout 40 socat \
	"SOCKET-LISTEN:$FAM:0:$(sxn 7502 $BA),socktype=1" EXEC:cat
spid=$BGPID
SRV_OUT=$BGOUT
wait_listen "$B" 7502
check_out "socat echo round trip of 1 MiB" nsx "$A" timeout 40 socat -t 30 \
	"OPEN:$IN!!CREATE:$TMPD/out3" \
	"SOCKET-CONNECT:$FAM:0:$(sxn 7502 $BA),socktype=1"
compare "echo through cat" "$TMPD/out3" "$spid"

# 4. SOCK_SEQPACKET (socat writes and reads blocks of 8 kB)
bg "$B" timeout 40 socat -u \
	"SOCKET-LISTEN:$FAM:0:$(sxn 7503 $BA),socktype=5" \
	"CREATE:$TMPD/out4"
spid=$BGPID
SRV_OUT=$BGOUT
wait_listen "$B" 7503
check_out "socat seqpacket client sends 1 MiB" nsx "$A" timeout 40 socat -u \
	"OPEN:$IN" "SOCKET-CONNECT:$FAM:0:$(sxn 7503 $BA),socktype=5"
compare "seqpacket client -> server" "$TMPD/out4" "$spid"

# a client of a port nobody listens on fails, and says so
check_not "socat to a closed port fails" nsx "$A" timeout 20 socat -u \
	"OPEN:$IN" "SOCKET-CONNECT:$FAM:0:$(sxn 7599 $BA),socktype=1"

for ns in "$A" "$B"; do
	n=-1
	for i in $(seq 100); do
		n=$(proc_entries "$ns" sockets)
		[ "$n" = 0 ] && break
		sleep 0.1
	done
	check "$ns: no sockets left ($n)" test "$n" = 0
done
finish

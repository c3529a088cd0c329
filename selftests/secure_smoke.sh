#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Sessions of secure channels (module/session.c, handshake.c), the short
# way through: two netns on a veth pair, a key for each other
# (`xnetctl key add ... peer`, from a file), net.xnet.secure=1 on both.
# (secure_seal.sh checks what the wire carries.)
#  1. a stream exchange (1 MiB each way, SHA-256) forms a session:
#     SessionsEstablished and HandshakesSent moved on both sides; no auth
#     failure, replay or unknown session counted;
#  2. (rotation and rekeying under a running transfer: xnet_secure's
#     rotate_bulk, with more checks; it was here too)
#  3. a datagram echo works over the session;
#  4. a netns deleted with live sessions; the runner's rmmod afterwards
#     checks that no session, keypair or work item is left.
source "$(dirname "$0")/lib.sh"

[ -x "$XBULK" ] || { echo "# FAIL: $XBULK not built"; exit 1; }
require_cmds od sysctl

A=xsec-a-$$
B=xsec-b-$$
AA=10.0.7.1
BA=10.0.7.2

ns_create "$A" "$B"
veth_link "$A" veth-a "$B" veth-b
xaddr "$A" veth-a $AA
xaddr "$B" veth-b $BA

# one 32-byte key, from a file (kept out of the command line)
umask 077
od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$TMPD/key"
check "key file has 64 hex digits" test "$(wc -c <"$TMPD/key")" = 64
check_out "A: key for B" nsx "$A" xnetctl key add 1 "@$TMPD/key" peer $BA
check_out "B: key for A" nsx "$B" xnetctl key add 1 "@$TMPD/key" peer $AA
for ns in "$A" "$B"; do
	check "$ns: net.xnet.secure=1" nsx "$ns" sysctl -qw net.xnet.secure=1
done
nsx "$A" xnetctl key show | show

declare -A c0
snap() {
	local ns n
	for ns in "$A" "$B"; do
		for n in SessionsEstablished SessionRekeys HandshakesSent \
			 InAuthFailures InReplays InNoKey OutNoKey EstabResets; do
			c0[$ns.$n]=$(counter "$ns" $n)
		done
	done
}

# 1. the first exchange forms a session
snap
M1=$((1 << 20))
bulk first "$B" $BA "$A" $AA 7700 30 -n $M1 -- -n $M1
bulk_check "stream 1 MiB each way, protected"
for ns in "$A" "$B"; do
	check_delta "$ns" SessionsEstablished "${c0[$ns.SessionsEstablished]}" -ge 1
	check_delta "$ns" HandshakesSent "${c0[$ns.HandshakesSent]}" -ge 1
	check_delta "$ns" InAuthFailures "${c0[$ns.InAuthFailures]}" -eq 0
	check_delta "$ns" InReplays "${c0[$ns.InReplays]}" -eq 0
	check_delta "$ns" InNoKey "${c0[$ns.InNoKey]}" -eq 0
	# the first handshake of a fresh VM loads the AEAD modules: on a
	# busy emulated VM the responder may miss the initiator's five
	# INITs (5 s), which then drops what it held; TCP sends again
	log "$ns: OutNoKey +$(($(counter "$ns" OutNoKey) - ${c0[$ns.OutNoKey]}))"
done

# 3. datagrams
snap
bg "$B" timeout $((40 * TMUL)) "$XECHO" server -b $BA:7702 -i 30
epid=$BGPID
eout=$BGOUT
wait_sockets "$B" 1
check_out "200 datagrams of 1..1400 bytes echoed, protected" \
	nsx "$A" timeout $((30 * TMUL)) "$XECHO" client -b $AA -c $BA:7702 \
	-n 200 -m 1400 -q
bg_wait "$epid" 10
check "echo server done" test $? = 0 || show "$eout"
for ns in "$A" "$B"; do
	check_delta "$ns" InAuthFailures "${c0[$ns.InAuthFailures]}" -eq 0
	check_delta "$ns" InReplays "${c0[$ns.InReplays]}" -eq 0
done

# 4. B goes with its sessions live
check "B deleted with live sessions" ns_del "$B"
finish

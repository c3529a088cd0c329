#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Connection sockets over the wire, between two netns joined by a veth pair
# (xnet_bulk: both directions at once, SHA-256 of each byte stream compared
# between the sender and the receiver, every byte also checked against the
# expected pseudo-random stream):
#  1. SOCK_STREAM 4 MiB each way, clean; SOCK_SEQPACKET 2 MiB each way with
#     messages of 1..65536 bytes, every message size checked;
#     large frames on the veth (several segments per frame); with
#     gso_max_segs 1 on both ends, 1 MiB each way segmented by xnet's GSO
#     callback into one frame per segment, each CRC-checked;
#  2. netem "loss 5% delay 1ms reorder 10% duplicate 1% corrupt 1%" on both
#     ends: 2 MiB each way (stream) and 1 MiB (seqpacket) still intact;
#     XNET_INFO read once all is acknowledged: each netns's RetransSegs
#     moved by exactly its side's xi_total_retrans, and some moved;
#  3. the link down for 2 s in the middle of a paced transfer: it recovers;
#  4. 1000 concurrent connections to an echo server, one exchange each,
#     closed; ActiveOpens/PassiveOpens moved by 1000;
# then nothing is left in /proc/net/xnet/sockets (TIME_WAIT included)
# within a few seconds.
source "$(dirname "$0")/lib.sh"

[ -x "$XBULK" ] || { echo "# FAIL: $XBULK not built"; exit 1; }
require_cmds tc sha256sum

A=xs-a-$$
B=xs-b-$$
AA=10.0.2.1
BA=10.0.2.2

ns_create "$A" "$B"
veth_link "$A" veth-a "$B" veth-b
xaddr "$A" veth-a $AA
xaddr "$B" veth-b $BA

# run_bulk NAME PORT SECS [SERVER ARGS] -- [CLIENT ARGS]: lib.sh's bulk
# with the server in B and the client in A; check_bulk: bulk_check.
run_bulk() {
	local name=$1 port=$2 secs=$3
	shift 3
	bulk "$name" "$B" "$BA" "$A" "$AA" "$port" "$secs" "$@"
}

check_bulk() {
	bulk_check "$@"
}

a_open0=$(counter "$A" ActiveOpens)
b_open0=$(counter "$B" PassiveOpens)
a_out0=$(counter "$A" OutSegs)
b_in0=$(counter "$B" InSegs)
b_pk0=$(counter "$B" InPackets)

# 1. clean link
MCLEAN=$((4 << 20))
run_bulk stream4m 7300 30 -n $MCLEAN -- -n $MCLEAN
check_bulk "stream 4 MiB each way"
# the hashes are of the expected streams (and the helper's SHA-256 is right)
want=$("$XBULK" gen -S 1 -n $MCLEAN | sha256sum | cut -d' ' -f1)
check "client's stream hashes as generated (sha256sum)" \
	test "$want" = "$(kv "$COUT" sent_sha256)"
check_delta "$A" ActiveOpens "$a_open0" -ge 1
check_delta "$B" PassiveOpens "$b_open0" -ge 1
check_delta "$A" OutSegs "$a_out0" -ge $((MCLEAN / 1480))
check_delta "$B" InSegs "$b_in0" -ge $((MCLEAN / 1480))
check "client mss within MTU ($(kv "$COUT" info_mss))" \
	test "$(kv "$COUT" info_mss)" -gt 0 -a "$(kv "$COUT" info_mss)" -le 1476

# Large frames (module/offload.c): the veth pair carries several segments
# per frame, unchecksummed in memory...
b_pk1=$(counter "$B" InPackets)
b_sg1=$(counter "$B" InSegs)
check "large frames on the veth: B InSegs +$((b_sg1 - b_in0)) > 2 x InPackets" \
	test $((b_sg1 - b_in0)) -gt $((2 * (b_pk1 - b_pk0)))
# ...and a device that takes one segment per frame (gso_max_segs 1) gets
# them from xnet's gso_segment callback as ordinary frames, each with its
# own header and CRC, checked by the receiver.
ip -n "$A" link set veth-a gso_max_segs 1
ip -n "$B" link set veth-b gso_max_segs 1
MSEG=$((1 << 20))
run_bulk segmented 7305 30 -n $MSEG -- -n $MSEG
check_bulk "stream 1 MiB each way, segmented by xnet's GSO callback"
b_pk2=$(counter "$B" InPackets)
b_sg2=$(counter "$B" InSegs)
check "one segment per frame: B InSegs +$((b_sg2 - b_sg1)) <= InPackets +$((b_pk2 - b_pk1))" \
	test $((b_sg2 - b_sg1)) -le $((b_pk2 - b_pk1))
ip -n "$A" link set veth-a gso_max_segs 65535
ip -n "$B" link set veth-b gso_max_segs 65535

MSEQ=$((2 << 20))
run_bulk seq2m 7301 20 -t seqpacket -n $MSEQ -- -t seqpacket -n $MSEQ
check_bulk "seqpacket 2 MiB each way, messages 1..65536"
check "seqpacket: client got $(kv "$COUT" msgs_recv) messages" \
	test "$(kv "$COUT" msgs_recv)" -ge 64

for ns in "$A" "$B"; do
	check_counter "$ns" InMalformed -eq 0
	check_counter "$ns" InCsumErrors -eq 0
done

# 2. a bad link on both ends
modprobe sch_netem 2>/dev/null
NETEM="loss 5% delay 1ms reorder 10% duplicate 1% corrupt 1%"
if nsx "$A" tc qdisc add dev veth-a root netem $NETEM &&
   nsx "$B" tc qdisc add dev veth-b root netem $NETEM; then
	a_rt0=$(counter "$A" RetransSegs)
	b_rt0=$(counter "$B" RetransSegs)
	M2=$((2 << 20))
	run_bulk lossy 7302 35 -n $M2 -- -n $M2
	lossy_ok=1
	check_bulk "stream 2 MiB each way through netem" || lossy_ok=0
	# Each side reads XNET_INFO once all it sent is acknowledged
	# (info_all_acked): read earlier, the retransmissions still to come
	# were missing from it while RetransSegs counted them. Each netns
	# has only this connection's socket retransmitting now, so its
	# RetransSegs moved by exactly its xi_total_retrans.
	# Not every side retransmits: netem drops whole frames of up to
	# 64 segments, and one direction's 2 MiB went through without a
	# loss once (its only retransmission was its FIN's); the two runs
	# together, both ways, always have.
	check_info_retrans() {
		local v c
		for v in "$COUT" "$SOUT"; do
			check "$1: $(kv "$v" role): all it sent acknowledged before XNET_INFO" \
				test "$(kv "$v" info_all_acked)" = 1
		done
		check_delta "$A" RetransSegs "$a_rt0" -eq \
			"$(kv "$COUT" info_total_retrans)"
		check_delta "$B" RetransSegs "$b_rt0" -eq \
			"$(kv "$SOUT" info_total_retrans)"
		c=$(kv "$COUT" info_total_retrans)
		v=$(kv "$SOUT" info_total_retrans)
		[[ $c =~ ^[0-9]+$ ]] && [[ $v =~ ^[0-9]+$ ]] &&
			rt_sum=$((rt_sum + c + v))
	}
	rt_sum=0
	check_info_retrans stream
	# keep within the runner's time limit if the link is too slow
	if [ $lossy_ok = 1 ]; then
		a_rt0=$(counter "$A" RetransSegs)
		b_rt0=$(counter "$B" RetransSegs)
		M1=$((1 << 20))
		run_bulk lossyseq 7303 25 -t seqpacket -m 20000 -n $M1 -- \
			-t seqpacket -m 20000 -n $M1
		check_bulk "seqpacket 1 MiB each way through netem"
		check_info_retrans seqpacket
	else
		fail "seqpacket through netem not run (stream failed)"
	fi
	check "retransmissions through netem ($rt_sum)" test "$rt_sum" -gt 0
	log "InCsumErrors (netem corrupt): A $(counter "$A" InCsumErrors)" \
	    "B $(counter "$B" InCsumErrors)"
	nsx "$A" tc qdisc del dev veth-a root
	nsx "$B" tc qdisc del dev veth-b root
else
	fail "tc netem on veth-a/veth-b"
fi

# 3. the link goes down for 2 s in the middle of a paced transfer
t_a0=$(counter "$A" Timeouts)
t_b0=$(counter "$B" Timeouts)
M3=3000000
rm -f "$TMPD/ready"
bg "$B" "$XBULK" server -b $BA:7304 -R "$TMPD/ready" -I -T 25 -n $M3 -r 1000000
spid=$BGPID
SOUT=$BGOUT
wait_file "$TMPD/ready" || fail "flap: server not listening"
COUT=$TMPD/flap.client
bg "$A" "$XBULK" client -c $BA:7304 -b $AA -I -T 25 -n $M3 -r 1000000
cpid=$BGPID
cout=$BGOUT
sleep 1
ip -n "$A" link set veth-a down
sleep 2
ip -n "$A" link set veth-a up
bg_wait "$cpid" 30
CRC=$?
cp "$cout" "$COUT"
bg_wait "$spid" 10
SRC=$?
check_bulk "stream 3 MB each way across a 2 s link outage"
t_a=$(counter "$A" Timeouts)
t_b=$(counter "$B" Timeouts)
check "retransmission timeouts during the outage (A +$((t_a - t_a0)), B +$((t_b - t_b0)))" \
	test $((t_a - t_a0 + t_b - t_b0)) -ge 1

# 4. 1000 concurrent connections, one exchange each
a_open0=$(counter "$A" ActiveOpens)
b_open0=$(counter "$B" PassiveOpens)
rm -f "$TMPD/ready"
bg "$B" "$XBULK" echo -b $BA:7400 -k 1000 -R "$TMPD/ready" -T 35
epid=$BGPID
eout=$BGOUT
wait_file "$TMPD/ready" || fail "echo server not listening"
t0=$(date +%s)
check_out "1000 connections, 1000 at once, echo checked" \
	nsx "$A" "$XBULK" many -c $BA:7400 -b $AA -n 1000 -p 1000 -T 30
bg_wait "$epid" 10
check "echo server saw 1000 clean connections" test $? = 0
show "$eout"
log "1000 connections in $(($(date +%s) - t0)) s"
check_delta "$A" ActiveOpens "$a_open0" -ge 1000
check_delta "$B" PassiveOpens "$b_open0" -ge 1000

# nothing left: TIME_WAIT included, within a few seconds
for ns in "$A" "$B"; do
	n=-1
	for i in $(seq 100); do
		n=$(proc_entries "$ns" sockets)
		[ "$n" = 0 ] && break
		sleep 0.1
	done
	if [ "$n" = 0 ]; then
		pass "$ns: no sockets left after $((i / 10)).$((i % 10)) s"
	else
		fail "$ns: $n sockets left 10 s after the last close"
		nsx "$ns" head -20 /proc/net/xnet/sockets | show
	fi
done
finish

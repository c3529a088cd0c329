#!/bin/bash
# The control agent of a lab VM (xnettest.mode=node), run by /init: it
# answers scripts/netlab.py on the second serial port (/dev/ttyS1).
#
# Protocol, one line each way, fields separated by one space:
#   host:  C ID SECS B64CMD   run base64-decoded CMD with bash -c, at most
#                             SECS seconds (then killed with its process
#                             group), cwd /xnet/selftests, stdin /dev/null
#          K ID               kill the process group of command ID
#   guest: READY NAME         once, when the agent starts
#          R ID RC B64OUT     CMD ended with exit status RC (124: timed
#                             out); B64OUT is its stdout and stderr
#                             together, the last 256 KiB of them
# Commands run concurrently; replies are written whole under a lock.
set -u
export PATH=/xnet/selftests:/usr/bin:/usr/sbin:/bin:/sbin
CTL=/dev/ttyS1
J=/run/agent
mkdir -p "$J"

name=node
for a in $(cat /proc/cmdline); do
	case "$a" in xnetnode.name=*) name=${a#xnetnode.name=} ;; esac
done
hostname "$name"

# NIC drivers (no udev here) and what the lab's tests stack on them.
for m in virtio_pci virtio_net e1000 sch_netem sch_htb sch_tbf 8021q bridge \
	 macvlan bonding; do
	modprobe -q "$m" 2>/dev/null
done

stty -F "$CTL" raw -echo -ixon -ixoff 2>/dev/null
exec 3<>"$CTL"

reply() {
	{
		flock 9
		printf '%s\n' "$1" >&3
	} 9>"$J/lock"
}

run() {
	local id=$1 secs=$2 cmd=$3 rc out
	(cd /xnet/selftests && exec setsid timeout -k 5 "$secs" bash -c "$cmd" \
		</dev/null >"$J/$id.out" 2>&1) &
	echo $! >"$J/$id.pid"
	wait $!
	rc=$?
	out=$(tail -c 262144 "$J/$id.out" | base64 -w0)
	rm -f "$J/$id.out" "$J/$id.pid"
	reply "R $id $rc $out"
}

reply "READY $name"
while IFS=' ' read -r -u 3 op id secs b64; do
	case $op in
	C) run "$id" "$secs" "$(printf '%s' "$b64" | base64 -d)" & ;;
	# setsid made the command's pid its process group's id
	K) p=$(cat "$J/$id.pid" 2>/dev/null) && kill -KILL -- "-$p" 2>/dev/null ;;
	esac
done

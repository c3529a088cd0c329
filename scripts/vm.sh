#!/bin/bash
# Boot the xnet test VM under QEMU/TCG and report.
#
#   scripts/vm.sh check|demo|bench|shell KVER
#   scripts/vm.sh node KVER NAME
#   scripts/vm.sh initrd KVER    only build check's initramfs (make check
#                                builds it first, then lints beside the VMs)
#
# node: one VM of a multi-VM lab (scripts/netlab.py starts them; make
# check-net, make bench's two-VM run): one vCPU, the NICs given in
# XNET_NODE_NET (QEMU arguments), a control channel on its second serial
# port (build/net/NAME.ctl, a Unix socket the guest's node-agent.sh
# answers on) and the QEMU monitor on build/net/NAME.mon; console in
# build/net/NAME.log (appended: a node may be booted again).  The
# initramfs is built once by the caller (XNET_INITRD).
# KVER is a full kernel release (/boot/vmlinuz-KVER, /lib/modules/KVER).
# Artifacts (module/xnet.ko, tools, selftests/) must be built for it.
# Environment:
#   XNET_KERNEL_IMAGE=F  boot this kernel instead of /boot/vmlinuz-KVER
#   XNET_MODROOT=D       its modules are in D/lib/modules/KVER (debug lane)
#   XNET_SLUB_DEBUG=F    slub_debug flags (FZPU; empty: none)
#   XNET_TESTS="a b"     run only these tests from selftests/TESTS
#   XNET_VM_TIMEOUT=N    whole-VM time limit, seconds (check 1500, demo 300)
#   XNET_VM_MEM=MB       guest memory (1024)
#   XNET_VM_SMP=N        guest vCPUs (2)
#   XNET_VM_JOBS=N       check: tests marked "parallel" in TESTS run N at a
#                        time (2; 1: every test alone, one after another)
#   XNET_VM_APPEND=...   extra kernel command line
#   XNET_PRE_FAILED=N    failures found before the VM (added to the count)
#   XNET_VM_SPLIT=1      check: two VMs at once (make check sets it), one
#                        running the tests marked "parallel" in TESTS (the
#                        batch, CPU-bound), the other the tests that must
#                        have a kernel to themselves, one after another
#                        (mostly waiting on timers): the second VM's
#                        kernel is theirs, and it uses the CPU the first
#                        leaves idle. Each VM's console, result, files and
#                        kernel log are its own (build/vm-KVER-batch.*,
#                        build/vm-KVER-alone.*, console lines prefixed
#                        "batch|" and "alone|"); the counts are summed.
#                        Only when both sets are non-empty and jobs > 1.
#   XNET_VM_PART=batch|alone  (internal) this VM runs one set of a split
#   XNET_BENCH_REPS=N    bench: repetitions of each figure (5)
#   XNET_BENCH_SECS=S    bench: seconds per timed run (2)
#   XNET_BENCH_IDLE_N=N  bench: idle connections for the memory test (2000)
#   XNET_BENCH_ONLY=a,b  bench: only these figures (tput,rr,crr,loss,idle,
#                        fair,fwd,routes,cpu,seg,pace; prof, a perf
#                        profile, fwd and secure run only when named)
#   XNET_BENCH_FAIR_SECS=S  bench: seconds of the fairness run (20)
#   XNET_BENCH_PIN=0|1   bench: servers and rr/crr clients on vCPU 0 (1)
#   XNET_BENCH_SEC_HS_N=N  bench: fresh sessions the secure figure times (10)
#   XNET_BENCH_SEC_PIN=0|1 bench: the secure figure's streams on vCPU 0 (0)
#   XNET_BENCH_PACE_SECS=S bench: seconds of each pacing run (2)
# Output: console on stdout and in build/vm-KVER.log; result marker read
# from the guest's second serial port (build/vm-KVER.result).  Last line:
# "P passed, F failed".  Exit 0 only if the marker is there and F is 0.
# bench mode adds a third serial port: the guest writes its raw results
# (JSON lines) to build/bench-KVER.json.
# check mode adds a third serial port too (build/vm-KVER.files): the files
# tests hand to the host (guest-run.sh: XNET_EXPORT_DIR), decoded into
# build/captures/; then the host-side check of each test run that has one
# (selftests/host/STEM.sh or .py) runs, one more test point each.
set -euo pipefail

[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = node ]; } ||
	{ echo "usage: $0 check|demo|bench|shell|initrd KVER | node KVER NAME" >&2; exit 2; }
mode=$1
kver=$2
node=${3:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build
kernel=${XNET_KERNEL_IMAGE:-/boot/vmlinuz-$kver}
case $mode in
check) limit=${XNET_VM_TIMEOUT:-1500} ;;
demo) limit=${XNET_VM_TIMEOUT:-300} ;;
bench) limit=${XNET_VM_TIMEOUT:-1500} ;;
shell) limit=${XNET_VM_TIMEOUT:-3600} ;;
node | initrd) limit=0 ;;
*) echo "vm.sh: unknown mode $mode" >&2; exit 2 ;;
esac
[ -r "$kernel" ] || { echo "vm.sh: $kernel missing (make deps)" >&2; exit 1; }

mkdir -p "$build"
part=${XNET_VM_PART:-}
initrd=$build/initramfs-$kver.cpio
log=$build/vm-$kver${part:+-$part}.log
res=$build/vm-$kver${part:+-$part}.result
t0=$(date +%s.%N)
if [ "$mode" = node ] || [ -n "$part" ]; then
	# built by the caller (netlab.py, a split run's parent)
	initrd=${XNET_INITRD:?node mode and split parts need XNET_INITRD}
elif [ "$mode" = check ] && [ -n "${XNET_CHECK_INITRD:-}" ]; then
	# built by make check (vm.sh initrd) before its lint started; a
	# name of its own, so that no other caller inherits it by accident
	initrd=$XNET_CHECK_INITRD
else
	# perf: the benchmark's profiles, and the tracepoint decoding test
	# (xnet_perf.sh; a run of chosen tests without it leaves perf out:
	# a smaller image boots faster)
	case $mode in
	bench) export XNET_INITRAMFS_PERF=1 ;;
	check | initrd)
		if [ -z "${XNET_TESTS:-}" ] || [[ " $XNET_TESTS " == *" xnet_perf.sh "* ]]; then
			export XNET_INITRAMFS_PERF=1
		fi ;;
	esac
	"$root/scripts/mkinitramfs.sh" "$kver" "$initrd"
fi
t1=$(date +%s.%N)
printf 'vm: initramfs %s (%s KiB) in %.1fs\n' "$initrd" \
	"$(($(stat -c %s "$initrd") / 1024))" "$(echo "$t1 - $t0" | bc)"
[ "$mode" = initrd ] && exit 0

append="console=ttyS0,115200 panic=-1 panic_on_warn=1 oops=panic"
# slub_debug red zones and poisoning would skew the benchmark's timings
# and its bytes-per-connection figures.
if [ "$mode" = bench ] || [ "$mode" = node ]; then
	append+=" softlockup_panic=1 log_buf_len=8M quiet"
	append+=" xnetbench.reps=${XNET_BENCH_REPS:-5}"
	append+=" xnetbench.secs=${XNET_BENCH_SECS:-2}"
	append+=" xnetbench.idle_n=${XNET_BENCH_IDLE_N:-2000}"
	append+=" xnetbench.pin=${XNET_BENCH_PIN:-1}"
	append+=" xnetbench.fair_secs=${XNET_BENCH_FAIR_SECS:-20}"
	append+=" xnetbench.sec_hs_n=${XNET_BENCH_SEC_HS_N:-10}"
	append+=" xnetbench.sec_pin=${XNET_BENCH_SEC_PIN:-0}"
	append+=" xnetbench.pace_secs=${XNET_BENCH_PACE_SECS:-2}"
	[ -n "${XNET_BENCH_ONLY:-}" ] && append+=" xnetbench.only=$XNET_BENCH_ONLY"
else
	# XNET_SLUB_DEBUG= (empty) on the debug lane: KASAN checks more,
	# and both together slow the emulated kernel for nothing.
	append+=" softlockup_panic=1 log_buf_len=8M quiet"
	slub=${XNET_SLUB_DEBUG-FZPU}
	[ -n "$slub" ] && append+=" slub_debug=$slub"
fi
append+=" printk.devkmsg=on net.ifnames=0 xnettest.mode=$mode"
append+=" xnettest.jobs=${XNET_VM_JOBS:-2}"
# Debian's 6.12 batches call_rcu() callbacks lazily (RCU_LAZY) for up to
# 10 s; sockets are freed after a grace period and only then release the
# module, so unload checks right after close would race that batching.
append+=" rcutree.enable_rcu_lazy=0"
append+=" ${XNET_VM_APPEND:-}"
[ -n "$part" ] && append+=" xnettest.part=$part"

# extract_files SERIAL DIR: the files framed on SERIAL (guest-run.sh) into
# DIR, each checked against its size and SHA-256 (a bad one is left out).
extract_files() {
	local in=$1 dir=$2 name size sum tmp
	mkdir -p "$dir"
	[ -s "$in" ] || return 0
	while read -r name size sum; do
		tmp=$dir/.$name.b64
		tr -d '\r' <"$in" | awk -v n="$name" '
			$0 == "XNET-FILE-END " n { on = 0 }
			on { print }
			$1 == "XNET-FILE-BEGIN" && $2 == n { on = 1 }' >"$tmp"
		if base64 -d "$tmp" >"$dir/$name" 2>/dev/null &&
		   [ "$(stat -c %s "$dir/$name")" = "$size" ] &&
		   [ "$(sha256sum "$dir/$name" | awk '{print $1}')" = "$sum" ]; then
			echo "vm: guest file $name ($size bytes) in $dir"
		else
			echo "vm: guest file $name damaged on the way, left out"
			rm -f "$dir/$name"
		fi
		rm -f "$tmp"
	done < <(tr -d '\r' <"$in" | awk '$1 == "XNET-FILE-BEGIN" {print $2, $3, $4}')
}

# host_checks: the host-side checks of what the guest handed out: the
# executable selftests/host/STEM.sh or STEM.py for each test STEM[.sh] in
# $ran that has one (tshark on a capture, ...), each one more test point
# (adds to pass and fail); a file missing is that check's failure.
host_checks() {
	local t h
	for t in $ran; do
		for h in "$root/selftests/host/${t%.sh}".{sh,py}; do
			[ -f "$h" ] || continue
			echo "vm: host check ${h#"$root"/}"
			if XNET_CAPTURES=$captures "$h" 2>&1 | sed 's/^/#   /'; [ "${PIPESTATUS[0]}" = 0 ]; then
				echo "ok host:${h##*/}"
				pass=$((pass + 1))
			else
				echo "not ok host:${h##*/}"
				fail=$((fail + 1))
			fi
		done
	done
}

# check_sets: the tests of this run (TESTS, or XNET_TESTS's subset of
# it) marked "parallel" and not, one name per line, as "P NAME" / "A NAME"
check_sets() {
	local want=" ${XNET_TESTS:-} "
	sed 's/#.*//' "$root/selftests/TESTS" | awk '$1 != "" {print $1, $2, $3}' |
	while read -r name flag where; do
		[ -n "${XNET_TESTS:-}" ] && [[ "$want" != *" $name "* ]] && continue
		if [ "$flag" = parallel ] && [ "$where" != alone-vm ]; then
			echo "P $name"
		else
			echo "A $name"
		fi
	done
}

# A split run (XNET_VM_SPLIT=1): both parts as children of this script,
# at once, each with the initramfs built above; then their files, the
# host checks and the summed counts as for one VM.
nbatch=0
nalone=0
if [ "$mode" = check ] && [ -z "$part" ]; then
	nbatch=$(check_sets | grep -c '^P ' || true)
	nalone=$(check_sets | grep -c '^A ' || true)
fi
if [ "$mode" = check ] && [ -z "$part" ] && [ "${XNET_VM_SPLIT:-0}" = 1 ] &&
   [ "${XNET_VM_JOBS:-2}" -gt 1 ] && [ "$nbatch" -gt 0 ] && [ "$nalone" -gt 0 ]; then
	captures=$build/captures
	rm -rf "$captures"
	echo "vm: split run: $nbatch tests marked parallel in one VM," \
		"$nalone alone in another, at once"
	pids=()
	rm -f "$build/vm-$kver-batch.summary" "$build/vm-$kver-alone.summary"
	for p in batch alone; do
		XNET_VM_PART=$p XNET_INITRD=$initrd XNET_PRE_FAILED=0 \
			"$0" check "$kver" 2>&1 | sed -u "s/^/$p| /" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || true
	done
	pass=0
	fail=0
	for p in batch alone; do
		sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' \
			"$build/vm-$kver-$p.summary" 2>/dev/null | tail -1 || true)
		if [ -z "$sum" ]; then
			echo "vm: FAIL: the $p VM gave no count"
			fail=$((fail + 1))
			continue
		fi
		pass=$((pass + ${sum%% passed*}))
		sum=${sum#*, }
		fail=$((fail + ${sum%% failed}))
	done
	t2=$(date +%s.%N)
	printf 'vm: both VMs done after %.1fs\n' "$(echo "$t2 - $t1" | bc)"
	ran=${XNET_TESTS:-$(check_sets | awk '{print $2}')}
	for p in batch alone; do
		extract_files "$build/vm-$kver-$p.files" "$captures"
	done
	host_checks
	fail=$((fail + ${XNET_PRE_FAILED:-0}))
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
fi

qemu=(qemu-system-x86_64 -accel tcg -cpu max -smp "${XNET_VM_SMP:-2}" -m "${XNET_VM_MEM:-1024}"
      -nodefaults -no-user-config -display none -no-reboot -nic none
      -kernel "$kernel" -initrd "$initrd")
if [ "$mode" = node ]; then
	# The lab's VMs reach nothing but each other: socket netdevs on
	# 127.0.0.1 only (XNET_NODE_NET), no user-mode network, no tap.
	ndir=$build/net
	mkdir -p "$ndir"
	rm -f "$ndir/$node.ctl" "$ndir/$node.mon"
	append+=" xnetnode.name=$node"
	# shellcheck disable=SC2206 # XNET_NODE_NET is a list of arguments
	qemu+=(-append "$append" -serial stdio
	       -chardev "socket,id=ctl,path=$ndir/$node.ctl,server=on,wait=off"
	       -serial chardev:ctl
	       -monitor "unix:$ndir/$node.mon,server=on,wait=off"
	       ${XNET_NODE_NET:-})
	# No timeout(1) here: the lab kills this very process (QEMU) when
	# it is done with it, and bounds its tests itself.
	echo "vm: booting node $node ($kver)" >>"$ndir/$node.log"
	exec "${qemu[@]}" </dev/null >>"$ndir/$node.log" 2>&1
fi
qemu+=(-append "$append" -serial stdio -serial "file:$res")
benchout=$build/bench-$kver.json
if [ "$mode" = bench ]; then
	qemu+=(-serial "file:$benchout")
	rm -f "$benchout"
fi
# check: files the tests hand out (guest-run.sh: XNET_EXPORT_DIR) come on
# the third serial port, decoded into build/captures/ after the run
files=$build/vm-$kver${part:+-$part}.files
captures=$build/captures
if [ "$mode" = check ]; then
	qemu+=(-serial "file:$files")
	rm -f "$files"
	[ -n "$part" ] || rm -rf "$captures"
fi
rm -f "$res" "$log"
echo "vm: booting $kver ($mode), limit ${limit}s"
rc=0
if [ "$mode" = shell ]; then
	"${qemu[@]}" || rc=$?
	exit $rc
fi
set +e
timeout -k 10 "$limit" "${qemu[@]}" </dev/null 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
t2=$(date +%s.%N)
printf '\nvm: qemu exited %s after %.1fs\n' "$rc" "$(echo "$t2 - $t1" | bc)"

marker=$(tr -d '\r' <"$res" 2>/dev/null | grep -E '^XNET-RESULT passed=[0-9]+ failed=[0-9]+$' | tail -1 || true)
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
# Kernel-side trouble that made it to the console, whatever the guest said.
kbad=$(grep -E '^\[ *[0-9]+\.[0-9]+\] .*(Kernel panic|BUG:|Oops|WARNING: CPU|general protection fault|Call Trace:)' "$log" || true)
if [ -z "$marker" ]; then
	why="no XNET-RESULT marker"
	[ "$rc" = 124 ] || [ "$rc" = 137 ] && why="timed out after ${limit}s"
	echo "vm: FAIL: VM crashed or hung ($why); last 60 console lines:"
	tail -n 60 "$log"
	pass=$(grep -cE '^ok [0-9]+ ' "$log" || true)
	fail=$(grep -cE '^not ok [0-9]+ ' "$log" || true)
	echo "$pass passed, $((fail + 1 + ${XNET_PRE_FAILED:-0})) failed"
	[ -n "$part" ] && echo "$pass passed, $((fail + 1)) failed" >"$build/vm-$kver-$part.summary"
	exit 1
fi
pass=$(echo "$marker" | sed -E 's/.*passed=([0-9]+).*/\1/')
fail=$(echo "$marker" | sed -E 's/.*failed=([0-9]+).*/\1/')
if [ -n "$kbad" ]; then
	echo "vm: FAIL: kernel trouble on the console:"
	echo "$kbad"
	fail=$((fail + 1))
fi
if [ "$rc" != 0 ]; then
	echo "vm: FAIL: qemu exit status $rc"
	fail=$((fail + 1))
fi
# The host checks of a run in one VM (a split part leaves them, and its
# files, to the parent, which has both parts' captures).
if [ "$mode" = check ] && [ -z "$part" ]; then
	extract_files "$files" "$captures"
	if [ -n "${XNET_TESTS:-}" ]; then
		ran=$XNET_TESTS
	else
		ran=$(sed 's/#.*//' "$root/selftests/TESTS" | awk '{print $1}')
	fi
	host_checks
fi
# Failures found before the VM ran (make check: lint).
fail=$((fail + ${XNET_PRE_FAILED:-0}))
echo "$pass passed, $fail failed"
[ -n "$part" ] && echo "$pass passed, $fail failed" >"$build/vm-$kver-$part.summary"
[ "$fail" = 0 ]

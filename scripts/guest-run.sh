#!/bin/bash
# xnet test runner, run inside the test VM by /init (see mkinitramfs.sh).
#
# The suite is the installed one (mkinitramfs.sh: make -C selftests
# install INSTALL_PATH=/xnet/kselftest, kselftest's layout: tests in
# /xnet/kselftest/xnet, run_kselftest.sh beside them).
# Test list: /xnet/kselftest/xnet/TESTS, one executable (path relative to
# selftests/) per line, optionally followed by the word "parallel"; '#'
# starts a comment.  /xnet/tests-filter, if not empty, names the subset to
# run (XNET_TESTS on the host; each keeps its TESTS marker).  Per-test time
# limit: "timeout=N" in selftests/settings, as kselftest's runner reads
# it (default 120 s), times xnettest.timeout_mul; a test still running
# then is killed with its process group and reported "not ok ... timed
# out", and the run goes on.
# A skip (exit 4, kselftest's KSFT_SKIP: a tool or the module missing) is
# counted as a failure here: this VM has every dependency, so a skip can
# only mean something is broken ("SKIP counted as failure" in the output).
#
# Tests that run alone (no marker), in list order: modprobe xnet; run it
# (cwd selftests/, stdin /dev/null, own process group, killed with its
# group on timeout); its output is shown as TAP comments.  The test is
# "not ok" if it exits non-zero (4 = skip too, see above), times out, leaves a
# socket in /proc/net/xnet/sockets (init netns), or if "rmmod xnet" then
# fails.  Named netns left behind are removed.
#
# Tests marked "parallel" (they keep to their own netns, do not load or
# unload modules, flip no static key, and read no global state such as
# the kernel log or MemAvailable) run first, as one batch, up to JOBS at
# a time (kernel command line xnettest.jobs=N, default 2; 1 runs them
# one by one as above): modprobe xnet once; each test is "ok" or "not ok"
# by its own exit status and time limit (JOBS times the usual one: the
# tests share the vCPUs), its output shown when it ends;
# after the batch, one more test point "parallel-batch" checks what the
# per-test checks would (no socket left in the init netns, rmmod xnet
# succeeds; named netns left are removed and named).
#
# xnettest.part=batch|alone (scripts/vm.sh's split run, two VMs at once):
# only the tests marked parallel, or only the others (and the parallel
# ones marked "alone-vm" after "parallel", each by itself).
#
# Then dmesg-clean (no BUG/WARNING/Oops/... in the kernel log since the
# runner started) and, on a kernel with kmemleak (the debug lane),
# kmemleak-clean: leaks found by a scan after every test ran and the module
# was unloaded (cleared at the start, so boot-time reports do not count).
# Then "XNET-RESULT passed=P failed=F" goes to the console and to
# /dev/ttyS1, which the host reads: it is written only here, at the end,
# so a crash or a hang can never read as a pass.
set -uo pipefail
export PATH=/usr/bin:/usr/sbin:/bin:/sbin

ST=/xnet/kselftest/xnet
DMESG_BAD='BUG|WARNING|Oops|refcount_t|UBSAN|KASAN|general protection|list_add corruption|list_del corruption|kmemleak|INFO: task .* blocked|rcu_sched self-detected|soft lockup'

marker() {
	echo "XNET-RESULT $1"
	echo "XNET-RESULT $1" >/dev/ttyS1 2>/dev/null
}

tests=()
declare -A par=() avm=()
nolist=""
if [ ! -f "$ST/TESTS" ]; then
	nolist=1
else
	while IFS= read -r l; do
		l=${l%%#*}
		read -r name flag where _ <<<"$l"
		[ -n "${name:-}" ] || continue
		tests+=("$name")
		[ "${flag:-}" = parallel ] && par[$name]=1
		[ "${where:-}" = alone-vm ] && avm[$name]=1
	done <"$ST/TESTS"
fi
filter=$(cat /xnet/tests-filter 2>/dev/null || true)
if [ -n "${filter// /}" ]; then
	sel=()
	for f in $filter; do
		sel+=("$f")
	done
	tests=("${sel[@]}")
fi

# Files a test hands to the host go to XNET_EXPORT_DIR; at the end they
# are written to the third serial port (/dev/ttyS2), each as base64
# between "XNET-FILE-BEGIN NAME BYTES SHA256" and "XNET-FILE-END NAME"
# lines, which scripts/vm.sh decodes into build/captures/ (check mode).
export XNET_EXPORT_DIR=/tmp/xnet-export
rm -rf "$XNET_EXPORT_DIR"
mkdir -p "$XNET_EXPORT_DIR"

limit=120
if [ -f "$ST/settings" ]; then
	v=$(sed -n 's/^[[:space:]]*timeout[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' \
		"$ST/settings" | tail -1)
	[ -n "$v" ] && limit=$v
fi
# xnettest.timeout_mul=N (the debug lane): a slower kernel, longer limits,
# for the runner and (through XNET_TIMEOUT_MUL) for each harness test.
# xnettest.jobs=N: how many "parallel" tests run at once.
mul=1
jobs=2
part=""
for a in $(cat /proc/cmdline); do
	case "$a" in
	xnettest.timeout_mul=[1-9]*) mul=${a#xnettest.timeout_mul=} ;;
	xnettest.jobs=[1-9]*) jobs=${a#xnettest.jobs=} ;;
	xnettest.part=*) part=${a#xnettest.part=} ;;
	esac
done
limit=$((limit * mul))
export XNET_TIMEOUT_MUL=$mul

# xnettest.part=batch|alone: this VM is one of a split run (scripts/
# vm.sh, XNET_VM_SPLIT): it runs only the tests marked parallel, or only
# the others; another VM runs the rest at the same time.
# A parallel test marked "alone-vm" (third word) goes to the alone VM,
# where it runs by itself after the others: the two VMs then end at
# about the same time.
if [ -n "$part" ]; then
	sel=()
	late=()
	for t in "${tests[@]}"; do
		if [ -z "${par[$t]:-}" ]; then
			[ "$part" = alone ] && sel+=("$t")
		elif [ -n "${avm[$t]:-}" ]; then
			[ "$part" = alone ] && late+=("$t")
		else
			[ "$part" = batch ] && sel+=("$t")
		fi
	done
	tests=("${sel[@]}" "${late[@]}")
	# the alone VM runs every test of its part by itself
	[ "$part" = alone ] && par=()
fi

# The batch (tests marked parallel, in list order) and the rest.
batch=()
alone=()
for t in "${tests[@]}"; do
	if [ "$jobs" -gt 1 ] && [ -n "${par[$t]:-}" ]; then
		batch+=("$t")
	else
		alone+=("$t")
	fi
done
nb=0
[ ${#batch[@]} -gt 0 ] && nb=1

dmesg -c >/tmp/dmesg-boot 2>/dev/null || dmesg >/tmp/dmesg-boot
KMEMLEAK=/sys/kernel/debug/kmemleak
leakcheck=0
if [ -w "$KMEMLEAK" ] && echo clear >"$KMEMLEAK" 2>/dev/null; then
	leakcheck=1
fi

n=${#tests[@]}
pass=0
fail=0
T0=$(date +%s)
echo "TAP version 13"
echo "1..$((n + nb + 1 + leakcheck + ${nolist:-0}))"
k=0
if [ -n "$nolist" ]; then
	# A run without a test list must not read as a pass.
	echo "# $ST/TESTS missing: no tests to run"
	k=1
	echo "not ok $k test-list"
	fail=1
fi
echo "# kernel $(uname -r), up $(cut -d" " -f1 /proc/uptime)s, $n tests" \
	"(${#batch[@]} in parallel, $jobs at a time), timeout ${limit}s each"
[ "$n" -gt 0 ] || echo "# no tests listed in selftests/TESTS"

# sockets_left: socket lines after the header in /proc/net/xnet/sockets.
sockets_left() {
	tail -n +2 /proc/net/xnet/sockets 2>/dev/null | grep -c .
}

# result NAME SECS WHY [DIRECTIVE]: one TAP test point.
result() {
	k=$((k + 1))
	echo "# $1: ${2}s${3:+, $3}"
	if [ -n "$3" ]; then
		echo "not ok $k $1"
		fail=$((fail + 1))
	else
		echo "ok $k $1$4"
		pass=$((pass + 1))
	fi
}

# prepare NAME: sets run (the command) or why.
prepare() {
	local t=$1
	run=()
	why=""
	if [ ! -f "$ST/$t" ]; then
		why="$ST/$t missing"
	elif [ -x "$ST/$t" ]; then
		run=("./$t")
	else
		case $t in
		*.sh) run=(bash "./$t")
		      echo "# runner: $t is not executable, running it with bash" ;;
		*) why="$ST/$t is not executable" ;;
		esac
	fi
}

# verdict_rc RC [LIMIT]: sets why from a test's exit status.
verdict_rc() {
	case $1 in
	0) ;;
	4) why="exit status 4, SKIP counted as failure: make check's VM has every dependency" ;;
	124 | 137) why="timed out after ${2:-$limit}s" ;;
	*) why="exit status $1" ;;
	esac
}

# after_checks WHO: remove named netns left behind; then, if xnet is
# loaded: no socket left in the init netns, rmmod xnet. Appends to why.
after_checks() {
	local ns left ok out h
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		echo "# runner: removing netns $ns left by $1"
		ip netns delete "$ns" 2>/dev/null
	done
	# A test that hides xnet.ko from modprobe (kselftest_entry.sh: as
	# xnet.ko.hidden) puts it back on exit; killed at its time limit
	# before its trap did, it left every later test without a module.
	for h in $(find /lib/modules/"$(uname -r)"/ -name 'xnet.ko*.hidden'); do
		echo "# runner: $1 left ${h##*/}: put back"
		why=${why:+$why; }left xnet.ko hidden
		mv "$h" "${h%.hidden}" && depmod
	done
	[ -d /sys/module/xnet ] || return 0
	left=""
	if [ ! -r /proc/net/xnet/sockets ]; then
		left="no /proc/net/xnet/sockets"
	else
		for _ in $(seq 20); do
			[ "$(sockets_left)" = 0 ] && break
			sleep 0.2
		done
		if [ "$(sockets_left)" != 0 ]; then
			left="sockets left in /proc/net/xnet/sockets"
			sed 's/^/#   /' /proc/net/xnet/sockets
		fi
	fi
	[ -n "$left" ] && why=${why:+$why; }$left
	ok=""
	# Closed connections finish on their own (TIME_WAIT 2 s,
	# an orphan's last retransmissions): allow them 20 s.
	for _ in $(seq 80); do
		if out=$(rmmod xnet 2>&1); then
			ok=1
			break
		fi
		sleep 0.25
	done
	if [ -z "$ok" ]; then
		why=${why:+$why; }"rmmod xnet failed: $out"
		lsmod | grep -E '^(Module|xnet)' | sed 's/^/#   /'
		# Later tests need a fresh module; this one is stuck.
	fi
}

# run_alone NAME: one test with the module to itself.
run_alone() {
	local t=$1 t0 rpid tpid rc out
	t0=$(date +%s)
	if ! out=$(modprobe xnet 2>&1); then
		why="modprobe xnet failed: $out"
	else
		prepare "$t"
	fi
	if [ -z "$why" ]; then
		rm -f /tmp/test.fifo
		mkfifo /tmp/test.fifo
		(while IFS= read -r l; do printf '#   %s\n' "$l"; done \
			</tmp/test.fifo) &
		rpid=$!
		(cd "$ST" && exec timeout -k 5 "$limit" "${run[@]}" \
			</dev/null >/tmp/test.fifo 2>&1) &
		tpid=$!
		wait "$tpid"
		rc=$?
		# timeout(1) ran the test in its own process group (pgid =
		# the timeout pid after the subshell exec): reap leftovers.
		kill -KILL -- "-$tpid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$rpid" 2>/dev/null || break
			sleep 0.5
		done
		kill "$rpid" 2>/dev/null
		wait "$rpid" 2>/dev/null
		verdict_rc $rc
	fi
	after_checks "$t"
	result "$t" $(($(date +%s) - t0)) "$why" ""
}

# run_batch NAME...: up to $jobs at a time, then the batch's checks.
run_batch() {
	local t0 out i p rc t done_pid
	local -A name=() start=() outf=()
	local queue=("$@")
	# JOBS tests share the vCPUs: each may take up to JOBS times as
	# long as alone, so each gets JOBS times the limit.
	local blimit=$((limit * jobs))
	t0=$(date +%s)
	why=""
	if ! out=$(modprobe xnet 2>&1); then
		for t in "${queue[@]}"; do
			result "$t" 0 "modprobe xnet failed: $out" ""
		done
		queue=()
	fi
	i=0
	while [ $i -lt ${#queue[@]} ] || [ ${#name[@]} -gt 0 ]; do
		if [ $i -lt ${#queue[@]} ] && [ ${#name[@]} -lt "$jobs" ]; then
			t=${queue[$i]}
			i=$((i + 1))
			prepare "$t"
			if [ -n "$why" ]; then
				result "$t" 0 "$why" ""
				continue
			fi
			echo "# runner: starting $t at $(($(date +%s) - T0))s"
			(cd "$ST" && exec timeout -k 5 "$blimit" "${run[@]}" \
				</dev/null >"/tmp/out.$i" 2>&1) &
			name[$!]=$t
			start[$!]=$(date +%s)
			outf[$!]=/tmp/out.$i
			continue
		fi
		done_pid=""
		wait -n -p done_pid "${!name[@]}"
		rc=$?
		if [ -z "$done_pid" ]; then
			# not ours (or already reaped): find one that ended
			for p in "${!name[@]}"; do
				kill -0 "$p" 2>/dev/null && continue
				wait "$p"
				rc=$?
				done_pid=$p
				break
			done
			[ -n "$done_pid" ] || { sleep 0.5; continue; }
		fi
		p=$done_pid
		t=${name[$p]}
		unset "name[$p]"
		kill -KILL -- "-$p" 2>/dev/null
		sed 's/^/#   /' "${outf[$p]}"
		why=""
		verdict_rc $rc "$blimit"
		result "$t" $(($(date +%s) - ${start[$p]})) "$why" ""
	done
	why=""
	after_checks "the parallel batch"
	result parallel-batch $(($(date +%s) - t0)) "$why" ""
}

why=""
[ ${#batch[@]} -gt 0 ] && run_batch "${batch[@]}"
for t in "${alone[@]}"; do
	why=""
	run_alone "$t"
done
echo "# all tests done in $(($(date +%s) - T0))s"

k=$((k + 1))
# verdict NAME HEADLINE FINDINGS: a final check, failed if FINDINGS is
# not empty (then shown under HEADLINE).
verdict() {
	if [ -n "$3" ]; then
		echo "# $2"
		while IFS= read -r l; do
			echo "#   $l"
		done <<<"$3"
		echo "not ok $k $1"
		fail=$((fail + 1))
	else
		echo "ok $k $1"
		pass=$((pass + 1))
	fi
}

bad=$(dmesg | grep -E "$DMESG_BAD")
verdict dmesg-clean "kernel log has problems:" "$bad"

if [ $leakcheck = 1 ]; then
	k=$((k + 1))
	rmmod xnet 2>/dev/null
	# Objects younger than 5 s are not reported, and freeing after an
	# RCU grace period lags the last close: wait, then scan twice.
	sleep 6
	echo scan >"$KMEMLEAK"
	sleep 2
	echo scan >"$KMEMLEAK"
	leaks=$(cat "$KMEMLEAK")
	verdict kmemleak-clean \
		"kmemleak reports $(grep -c '^unreferenced object' <<<"$leaks") leak(s):" \
		"$leaks"
fi
for f in "$XNET_EXPORT_DIR"/*; do
	[ -f "$f" ] || continue
	{
		echo "XNET-FILE-BEGIN ${f##*/} $(stat -c %s "$f")" \
			"$(sha256sum "$f" | awk '{print $1}')"
		base64 "$f"
		echo "XNET-FILE-END ${f##*/}"
	} >/dev/ttyS2 2>/dev/null ||
		echo "# runner: could not hand ${f##*/} to the host"
done
marker "passed=$pass failed=$fail"

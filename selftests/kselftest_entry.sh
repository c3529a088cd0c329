#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kselftest's entry point of the installed suite (make -C selftests
# install), as scripts/guest-run.sh finds it in the test VM
# (/xnet/kselftest): run_kselftest.sh beside the collection directory.
#  - run_kselftest.sh -l lists every test of TESTS as xnet:NAME (the
#    install carries the whole suite), this helper excepted;
#  - run_kselftest.sh -t xnet:addr_config.sh runs that test through
#    kselftest's runner: TAP "ok 1 selftests: xnet: addr_config.sh", no SKIP;
#  - without the module (unloaded, xnet.ko hidden from modprobe and
#    depmod'ed away, so neither modprobe nor socket(AF_XNET)'s autoload
#    can load it), the whole installed suite reports every test
#    "ok N selftests: xnet: NAME # SKIP", each for the module's absence:
#    none passes, none fails. xnet.ko is put back on exit.
# It hides the module from the whole machine: the test VM only (/xnet/kver,
# written by mkinitramfs.sh); anywhere else it skips. Not in
# kselftest-list.txt (a TEST_FILES helper of the VM's runner).
source "$(dirname "$0")/lib.sh"

ROOT=$(cd "$HERE/.." && pwd)
RK=$ROOT/run_kselftest.sh
if [ ! -f /xnet/kver ] || [ "$ROOT" != /xnet/kselftest ]; then
	echo "# SKIP: hides xnet.ko from modprobe: the test VM's runner only"
	exit $ksft_skip
fi
[ -x "$RK" ] || { echo "# FAIL: $RK missing"; exit 1; }

# A slower kernel (the debug lane's XNET_TIMEOUT_MUL): kselftest's runner
# has no multiplier, so settings' timeout is scaled as guest-run.sh's is,
# and put back on exit.
if [ "$TMUL" -gt 1 ]; then
	cp "$HERE/settings" "$TMPD/settings"
	t=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' "$HERE/settings")
	sed -i "s/^timeout=.*/timeout=$((${t:-45} * TMUL))/" "$HERE/settings"
fi
restore_settings() {
	[ -f "$TMPD/settings" ] && cp "$TMPD/settings" "$HERE/settings"
}
trap 'restore_settings; cleanup' EXIT

# 1. the list: every test of TESTS but this one
list=$("$RK" -l)
check "run_kselftest.sh -l: every line is xnet:NAME" \
	test -z "$(grep -vE '^xnet:[A-Za-z0-9_.-]+$' <<<"$list")"
missing=""
for t in $(sed 's/#.*//' "$HERE/TESTS" | awk '{print $1}'); do
	[ "$t" = kselftest_entry.sh ] && continue
	grep -qx "xnet:$t" <<<"$list" || missing+=" $t"
done
check "run_kselftest.sh -l lists every test of TESTS${missing:+ (missing:$missing)}" \
	test -z "$missing"
check_not "run_kselftest.sh -l does not list kselftest_entry.sh" \
	grep -qx xnet:kselftest_entry.sh <<<"$list"
n=$(grep -c . <<<"$list")
log "run_kselftest.sh -l: $n tests"

# 2. one test through kselftest's runner, module loaded
out=$(timeout $((200 * TMUL)) "$RK" -t xnet:addr_config.sh 2>&1)
rc=$?
sed 's/^/#   /' <<<"$out" | tail -n 5
check "run_kselftest.sh -t xnet:addr_config.sh exits 0 (got $rc)" test $rc = 0
check "run_kselftest.sh -t: TAP plan 1..1" grep -qx '1\.\.1' <<<"$out"
check "run_kselftest.sh -t: ok 1 selftests: xnet: addr_config.sh (no SKIP)" \
	grep -qx 'ok 1 selftests: xnet: addr_config.sh' <<<"$out"

# 3. the whole installed suite without the module: every test skips
ko=$(modinfo -n xnet 2>/dev/null)
if [ -z "$ko" ] || [ ! -f "$ko" ]; then
	fail "modinfo -n xnet: no xnet.ko to hide ($ko)"
	finish
fi
restore() {
	[ -f "$ko.hidden" ] && mv "$ko.hidden" "$ko" && depmod
	modprobe xnet 2>/dev/null
	restore_settings
	cleanup
}
trap restore EXIT
ok=""
for _ in $(seq 80); do
	rmmod xnet 2>/dev/null && { ok=1; break; }
	sleep 0.25
done
[ -n "$ok" ] || { fail "rmmod xnet"; finish; }
mv "$ko" "$ko.hidden" && depmod
check_not "modprobe xnet fails with xnet.ko hidden" modprobe -q xnet
check "socket(AF_XNET) cannot load the module (no /sys/module/xnet)" \
	test ! -d /sys/module/xnet
out=$(timeout $((600 * TMUL)) "$RK" 2>&1)
rc=$?
grep -E '^(not )?ok ' <<<"$out" | sed 's/^/#   /'
check "run_kselftest.sh without the module exits 0 (got $rc)" test $rc = 0
check "TAP plan 1..$n" grep -qx "1\.\.$n" <<<"$out"
skips=$(grep -cE '^ok [0-9]+ selftests: xnet: [^ ]+ # SKIP$' <<<"$out")
check "all $n tests report SKIP (got $skips)" test "$skips" = "$n"
check "no test reports ok without SKIP" \
	test -z "$(grep -E '^ok ' <<<"$out" | grep -v '# SKIP$')"
check_not "no test reports not ok" grep -qE '^not ok ' <<<"$out"
why=$(grep -cE '^# .*SKIP.*xnet module not loaded' <<<"$out")
check "each skip is for the missing module ($why of $n)" test "$why" = "$n"
check "nothing loaded xnet meanwhile" test ! -d /sys/module/xnet
finish

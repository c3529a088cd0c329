#!/bin/bash
# make check-dkms: DKMS really exercised, as root, on this host.
#
#   scripts/dkms-check.sh
#
# 1. make dkms-src into /usr/src/xnet-VERSION: only the module's sources
#    (no .git, build/, objects, modules, bench-results, selftests).
# 2. dkms add, then dkms build and dkms install against the headers of
#    both supported kernels (Debian's 6.1 and 6.12: scripts/deps.sh 6.12);
#    modinfo of each installed module says VERSION and its kernel.
# 3. The DKMS-built module (/lib/modules/KVER/updates/dkms/xnet.ko*) is
#    the one the test VM loads (XNET_KO for scripts/mkinitramfs.sh), for
#    the kernels of XNET_DKMS_VM ("6.12": its module is xz-compressed,
#    the path 6.1's does not take; "6.1 6.12" for both, a minute more):
#    XNET_DKMS_TESTS (module_lifecycle.sh dgram_echo.sh);
#    XNET_VM_WRAP: a command to run scripts/vm.sh under (a VM slot).
# 4. dkms remove --all, /usr/src/xnet-VERSION deleted, and DKMS's MOK key
#    if this run made it: the host is left as found (trap, on any exit).
# Refuses to run when xnet is already known to DKMS or /usr/src holds
# it (an installed copy is not ours to remove).
# Last line: "N passed, N failed".
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
ver=$(cat VERSION)
src=/usr/src/xnet-$ver
tests=${XNET_DKMS_TESTS:-module_lifecycle.sh dgram_echo.sh}
pass=0
fail=0

ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

[ "$(id -u)" = 0 ] || { echo "dkms-check: needs root"; echo "0 passed, 1 failed"; exit 1; }
command -v dkms >/dev/null || { echo "dkms-check: dkms missing (make deps)"; echo "0 passed, 1 failed"; exit 1; }

k61=$(ls -1 /lib/modules | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$' | sort -V | tail -1 || true)
k612=$(ls -1 /lib/modules | grep -E '^6\.12\.[0-9]+\+deb12-amd64$' | sort -V | tail -1 || true)
kvers=()
for k in "$k61" "$k612"; do
	if [ -n "$k" ] && [ -d "/lib/modules/$k/build" ]; then
		kvers+=("$k")
	else
		bad "headers of a supported kernel missing (${k:-6.1/6.12}; scripts/deps.sh 6.12)"
	fi
done

if [ -n "$(dkms status xnet 2>/dev/null)" ] || [ -e "$src" ]; then
	echo "dkms-check: xnet already in DKMS or $src exists: not touching it"
	bad "a clean DKMS state"
	finish
fi

mok_before=$(ls /var/lib/dkms/mok.key /var/lib/dkms/mok.pub 2>/dev/null || true)
cleanup() {
	dkms remove "xnet/$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src" "/var/lib/dkms/xnet"
	# DKMS 3 makes a MOK key to sign with; ours if there was none before
	if [ -z "$mok_before" ]; then
		rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	fi
}
trap cleanup EXIT

# 1. the source tree DKMS takes
make --no-print-directory -s dkms-src DKMS_SRC="$src" >/dev/null
junk=$(cd "$src" && find . \( -name .git -o -name build -o -name '*.o' -o \
	-name '*.ko' -o -name '*.mod*' -o -name '*.cmd' -o -name bench-results -o \
	-name selftests -o -name tools -o -name modules.order -o \
	-name Module.symvers \) -print)
if [ -z "$junk" ] && [ -f "$src/dkms.conf" ] && [ -f "$src/module/af_xnet.c" ]; then
	ok "dkms-src: $(cd "$src" && find . -type f | wc -l) source files, no build output"
else
	bad "dkms-src: build output or no sources in $src: $junk"
fi

# 2. add, build, install for each kernel
if dkms add "xnet/$ver" >/dev/null; then ok "dkms add xnet/$ver"; else bad "dkms add"; finish; fi
declare -A kos
for k in "${kvers[@]}"; do
	log=$(mktemp)
	if nice -n 10 dkms build "xnet/$ver" -k "$k" >"$log" 2>&1 &&
	   dkms install "xnet/$ver" -k "$k" >>"$log" 2>&1; then
		ko=$(ls -1 "/lib/modules/$k/updates/dkms/"xnet.ko* 2>/dev/null | head -1)
		v=$( [ -n "$ko" ] && /sbin/modinfo -F version "$ko")
		vm=$( [ -n "$ko" ] && /sbin/modinfo -F vermagic "$ko" | awk '{print $1}')
		if [ -n "$ko" ] && [ "$v" = "$ver" ] && [ "$vm" = "$k" ] &&
		   dkms status "xnet/$ver" -k "$k" | grep -q ': installed'; then
			ok "dkms build+install for $k: $ko (version $v)"
			kos[$k]=$ko
		else
			bad "dkms install for $k: module '$ko' version '$v' vermagic '$vm'"
		fi
	else
		cat "$log"
		find "/var/lib/dkms/xnet/$ver/build" -name make.log -exec tail -20 {} \; 2>/dev/null || true
		bad "dkms build/install for $k"
	fi
	rm -f "$log"
done

# 3. the DKMS-built module in the VM
for k in "${kvers[@]}"; do
	[ -n "${kos[$k]:-}" ] || continue
	short=$(cut -d. -f1,2 <<<"$k")
	[[ " ${XNET_DKMS_VM:-6.12} " == *" $short "* ]] || continue
	log=$(mktemp)
	# shellcheck disable=SC2086 # XNET_VM_WRAP: a command and its arguments
	XNET_KO=${kos[$k]} XNET_TESTS=$tests XNET_VM_TIMEOUT=${XNET_VM_TIMEOUT:-600} ${XNET_VM_WRAP:-} \
		scripts/vm.sh check "$k" >"$log" 2>&1 || true
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1 || true)
	# every test named passed, and nothing failed (the runner adds its
	# own checks to the count: dmesg, sockets left)
	ran=1
	for t in $tests; do
		tr -d '\r' <"$log" | grep -qE "^ok [0-9]+ $t\$" || ran=0
	done
	if [ $ran = 1 ] && [[ $line =~ ^[0-9]+\ passed,\ 0\ failed$ ]]; then
		ok "VM $k with the DKMS-built module: $tests ($line)"
	else
		tail -30 "$log"
		bad "VM $k with the DKMS-built module: ${line:-no result}"
	fi
	rm -f "$log"
done

# 4. remove (the trap also does it on any failure)
if dkms remove "xnet/$ver" --all >/dev/null 2>&1 &&
   [ -z "$(dkms status xnet)" ] &&
   [ -z "$(ls /lib/modules/*/updates/dkms/xnet.ko* 2>/dev/null)" ]; then
	ok "dkms remove --all: no xnet module left in /lib/modules"
else
	bad "dkms remove --all left: $(dkms status xnet) $(ls /lib/modules/*/updates/dkms/xnet.ko* 2>/dev/null)"
fi
finish

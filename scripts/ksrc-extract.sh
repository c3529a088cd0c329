#!/bin/bash
# Extract the few files xnet's build borrows from Debian's linux-source-6.1
# tarball (checkpatch, the kselftest harness headers, and kselftest's own
# machinery: lib.mk, kselftest/runner.sh, run_kselftest.sh) into build/ksrc/.
# One tar pass for all of them; cached afterwards.  Kernel source is never
# committed: build/ is a build directory.
#
#   scripts/ksrc-extract.sh            prints the directory holding the files
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tarball=${XNET_KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
dest=$root/build/ksrc
members=(scripts/checkpatch.pl scripts/spelling.txt
	 scripts/const_structs.checkpatch
	 tools/testing/selftests/kselftest_harness.h
	 tools/testing/selftests/kselftest.h
	 tools/testing/selftests/lib.mk
	 tools/testing/selftests/run_kselftest.sh
	 tools/testing/selftests/kselftest/runner.sh
	 tools/testing/selftests/kselftest/prefix.pl
	 tools/testing/selftests/kselftest/module.sh)

have_all() {
	local m
	for m in "${members[@]}"; do
		[ -s "$dest/$m" ] || return 1
	done
	[ "$tarball" -ot "$dest/.stamp" ]
}

mkdir -p "$root/build"
exec 9>"$root/build/.ksrc.lock"
flock 9
if ! have_all; then
	[ -r "$tarball" ] || {
		echo "ksrc-extract: $tarball missing (run: make deps)" >&2
		exit 1
	}
	tmp=$(mktemp -d "$root/build/.ksrc.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	pats=()
	for m in "${members[@]}"; do
		pats+=("*/$m")
	done
	tar -xJf "$tarball" -C "$tmp" --wildcards "${pats[@]}"
	rm -rf "$dest"
	mkdir -p "$dest"
	for m in "${members[@]}"; do
		mkdir -p "$dest/$(dirname "$m")"
		mv "$tmp"/*/"$m" "$dest/$m"
	done
	touch "$dest/.stamp"
fi
echo "$dest"

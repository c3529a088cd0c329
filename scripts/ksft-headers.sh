#!/bin/bash
# Lay out kselftest's own machinery from Debian's linux-source-6.1 tarball
# in build/ksft/ (or $1) the way tools/testing/selftests/ is laid out:
#   kselftest_harness.h kselftest.h   the harness (KSFT_INC)
#   lib.mk                            the collections' make rules
#   kselftest/runner.sh prefix.pl module.sh
#   run_kselftest.sh                  the installed suite's entry point
#   xnet -> <repo>/selftests          our collection, as a subdirectory
# selftests/Makefile includes lib.mk from there (KSFT_DIR), so the
# runner finds selftests/settings as xnet/settings and names the tests
# "selftests: xnet: NAME", as in the kernel tree. Cached; nothing of it
# is ever copied into the repository.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/build/ksft}
files=(kselftest_harness.h kselftest.h lib.mk run_kselftest.sh
       kselftest/runner.sh kselftest/prefix.pl kselftest/module.sh)
mkdir -p "$out/kselftest"
for f in "${files[@]}"; do
	[ -s "$out/$f" ] && continue
	src=$("$root/scripts/ksrc-extract.sh")
	cp "$src/tools/testing/selftests/$f" "$out/$f"
done
chmod +x "$out/run_kselftest.sh" "$out/kselftest/prefix.pl"
[ "$(readlink "$out/xnet" 2>/dev/null)" = "$root/selftests" ] ||
	ln -sfn "$root/selftests" "$out/xnet"

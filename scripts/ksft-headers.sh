#!/bin/bash
# Put the kselftest harness headers (kselftest_harness.h, kselftest.h) from
# Debian's linux-source-6.1 tarball into build/ksft/ (or $1), cached.
# selftests/ is built with KSFT_INC=<that directory>.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/build/ksft}
mkdir -p "$out"
for h in kselftest_harness.h kselftest.h; do
	[ -s "$out/$h" ] && continue
	src=$("$root/scripts/ksrc-extract.sh")
	cp "$src/tools/testing/selftests/$h" "$out/$h"
done

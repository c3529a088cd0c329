#!/bin/bash
# One version everywhere (make lint): the top-level VERSION file is the
# source; the module (MODULE_VERSION, module/Kbuild) and the tools' -V
# (tools/common/version.mk) are built from it, and dkms.conf, which dkms
# reads without our Makefiles, must repeat it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail=0
v=$(cat VERSION)
if ! [[ $v =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]]; then
	echo "version-check: VERSION '$v' is not N.N or N.N.N" >&2
	fail=1
fi
d=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
if [ "$d" != "$v" ]; then
	echo "version-check: dkms.conf PACKAGE_VERSION \"$d\" != VERSION \"$v\"" >&2
	fail=1
fi
grep -q '^MODULE_VERSION(XNET_RELEASE);' module/af_xnet.c ||
	{ echo "version-check: module/af_xnet.c lacks MODULE_VERSION(XNET_RELEASE)" >&2; fail=1; }
grep -q '^#define XNET_TOOLS_VERSION XNET_RELEASE$' tools/common/xnet_tools.h ||
	{ echo "version-check: XNET_TOOLS_VERSION is not XNET_RELEASE" >&2; fail=1; }
[ $fail = 0 ] && echo "version-check: $v in VERSION, dkms.conf, module, tools"
exit $fail

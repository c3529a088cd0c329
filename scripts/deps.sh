#!/bin/bash
# Install everything xnet's build, tests and demo need, with apt-get, as root.
# Idempotent: packages already present are not touched.
#
#   scripts/deps.sh           host tools + Debian 6.1 kernel (default lane)
#   scripts/deps.sh 6.12      also Debian's 6.12 kernel and headers
set -euo pipefail

want=(qemu-system-x86 busybox-static linux-image-amd64 linux-headers-amd64
      linux-source-6.1 iproute2 libnl-3-dev libnl-genl-3-dev pkg-config socat
      sparse kmod cpio xz-utils gcc make perl python3 bc flex bison
      libelf-dev libssl-dev gnuplot-nox linux-perf)
want+=(ethtool)
# wg, for the benchmark's TCP over WireGuard (bench-guest.sh: secure)
want+=(wireguard-tools)
# trace-cmd, for the tracepoint decoding test (selftests/xnet_perf.sh)
want+=(trace-cmd)
# mandoc, for the manual pages' lint (make lint: manlint)
want+=(mandoc)
# tshark, for the dissector's check on the host
# (tools/wireshark/xnet.lua, selftests/host/xnet_wireshark.py)
want+=(tshark)
# dkms, for make check-dkms (scripts/dkms-check.sh)
want+=(dkms)
# rsync, for kselftest's lib.mk install (make -C selftests install)
want+=(rsync)

kv612() {
	apt-cache search --names-only \
		'^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' |
		awk '{print $1}' | sed 's/^linux-image-//; s/-unsigned$//' |
		sort -V | tail -1
}

need_update=0
if [ "${1:-}" = "6.12" ] || [ "${XNET_KERNELS:-}" = "all" ]; then
	[ -n "$(kv612)" ] || { apt-get update -qq; need_update=1; }
	v=$(kv612)
	[ -n "$v" ] || { echo "deps: no Debian 6.12 kernel package found" >&2; exit 1; }
	want+=("linux-image-$v-unsigned" "linux-headers-$v")
fi

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
[ $need_update = 1 ] || apt-get update -qq
# wireshark-common asks whether non-root users may capture: no (and no
# question on a terminal-less run)
if [[ " ${missing[*]} " == *" tshark "* ]]; then
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null

#!/bin/bash
# Build (or reuse) the debug kernel for `make check-debug`.
#
#   scripts/debug-kernel.sh        prints the cache directory holding it
#
# The kernel is Debian's linux-source-6.1 (the test kernel's version), with
# x86_64_defconfig plus scripts/debug-kernel.config (KASAN, kmemleak,
# lockdep, UBSAN, DEBUG_LIST, debugobjects, refcount trackers).  It lives
# outside the checkout, in $XNET_CACHE (default /var/cache/xnet), under a
# key made of the source package version and the fragment's hash, so a
# second run (and another clone) reuses it.  The cache directory holds:
#   build/            the O= object tree (also the KDIR for xnet.ko)
#   build/arch/x86/boot/bzImage
#   mods/lib/modules/KREL/   installed modules (veth, netem, tipc, ...)
#   krel              the kernel release string
#   .done             written last: a half-built cache is never used
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
frag=$root/scripts/debug-kernel.config
tarball=${XNET_KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
cache=${XNET_CACHE:-/var/cache/xnet}

die() { echo "debug-kernel: $*" >&2; exit 1; }
[ -r "$tarball" ] || die "$tarball missing (run: make deps)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
	die "linux-source-6.1 not installed (run: make deps)"
key=$srcver-$(sha256sum <"$frag" | cut -c1-12)
dir=$cache/debug-kernel/$key
src=$cache/src/linux-source-$srcver

mkdir -p "$cache/debug-kernel"
exec 9>"$cache/debug-kernel/.lock"
flock 9
if [ -f "$dir/.done" ]; then
	echo "$dir"
	exit 0
fi

log() { echo "debug-kernel: $*" >&2; }
t0=$(date +%s)
if [ ! -f "$src/.done" ]; then
	log "extracting $tarball to $src"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	touch "$src.tmp/.done"
	mv "$src.tmp" "$src"
fi

rm -rf "$dir"
mkdir -p "$dir/build"
o=$dir/build
jobs=$(nproc)
log "configuring (x86_64_defconfig + $(basename "$frag")) in $o"
make -s -C "$src" O="$o" x86_64_defconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$o" "$o/.config" "$frag" >/dev/null
make -s -C "$src" O="$o" olddefconfig >&2

# Every line of the fragment must have survived olddefconfig.
bad=0
while IFS= read -r l; do
	case "$l" in
	CONFIG_*=*) want=$l; name=${l%%=*} ;;
	"# CONFIG_"*" is not set") name=${l#\# }; name=${name%% *}; want=$l ;;
	*) continue ;;
	esac
	got=$(grep -E "^($name=|# $name is not set)" "$o/.config" || true)
	if [ "$want" != "$got" ] && ! { [ -z "$got" ] && [ "${want#\#}" != "$want" ]; }; then
		log "fragment asks '$want', config has '${got:-<absent>}'"
		bad=1
	fi
done <"$frag"
[ $bad = 0 ] || die "config fragment not honoured (see above)"

log "building bzImage and modules with -j$jobs (first run only; ~20 min on 2 cores)"
nice -n 5 make -s -C "$src" O="$o" -j"$jobs" bzImage modules >&2
make -s -C "$src" O="$o" INSTALL_MOD_PATH="$dir/mods" modules_install >&2
make -s -C "$src" O="$o" kernelrelease >"$dir/krel"
touch "$dir/.done"
log "built $(cat "$dir/krel") in $(( $(date +%s) - t0 ))s"
echo "$dir"

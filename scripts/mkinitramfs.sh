#!/bin/bash
# Build the test VM's initramfs (uncompressed newc cpio: fastest to build and
# to unpack under TCG).
#
#   scripts/mkinitramfs.sh KVER OUT
#
# KVER is a full kernel release (e.g. 6.1.0-56-amd64) whose modules are in
# $XNET_MODROOT/lib/modules/KVER (XNET_MODROOT empty: the host's; the debug
# lane points it at the debug kernel's installed modules).  Contents:
#   busybox applets; bash, dash as /bin/sh, coreutils timeout env nohup nice,
#   findutils, util-linux setsid nsenter unshare taskset flock, iproute2
#   (ip tc bridge tipc), socat,
#   kmod (modprobe insmod rmmod lsmod depmod modinfo) with their ldd closure;
#   kernel modules veth bridge sch_netem sch_tbf dummy libcrc32c crc32c tipc,
#   virtio_pci virtio_net e1000 sch_htb cls_u32 cls_basic sch_plug,
#   sch_fq cls_matchall act_gact tun, and
#   the stacked devices and tunnels of stacked_devices.sh and tunnels.sh
#   (8021q macvlan bonding vxlan ip_gre), the crypto modules of secure
#   channels (gcm ghash chacha20poly1305 ...), wireguard and macsec
#   (+ dependencies), depmod'ed; wg (wireguard-tools) if the host has it;
#   module/xnet.ko            -> /lib/modules/KVER/extra/xnet.ko
#                                ($XNET_KO instead if set: e.g. the
#                                DKMS-built one, xnet.ko or xnet.ko.xz)
#   tools/xnetctl/xnetctl     -> /usr/bin/xnetctl
#   tools/xnet-ping/xnet-ping -> /usr/bin/xnet-ping
#   tools/xnet-bench/xnet-bench -> /usr/bin/xnet-bench
#   tools/xnet-trace/xnet-trace -> /usr/bin/xnet-trace
#   selftests/, installed by kselftest's lib.mk (make -C selftests install
#     INSTALL_PATH=/xnet/kselftest: run_kselftest.sh, kselftest/,
#     kselftest-list.txt, the tests in xnet/) -> /xnet/kselftest,
#     /xnet/selftests -> kselftest/xnet
#   scripts/guest-run.sh      -> /xnet/guest-run.sh
#   scripts/demo-guest.sh     -> /xnet/demo-guest.sh
#   scripts/bench-guest.sh    -> /xnet/bench-guest.sh
#   scripts/node-agent.sh     -> /xnet/node-agent.sh (a lab VM's agent)
#   perf                      (if XNET_INITRAMFS_PERF is set)
#   $XNET_TESTS (if set)      -> /xnet/tests-filter (names to run, subset)
# The image is two newc archives, one after the other (the kernel unpacks
# them in turn, a later file replacing an earlier one): a base of what
# changes rarely (busybox, the host's tools, kernel modules), built once
# and cached as build/initramfs-base/KVER-KEY.cpio (KEY: this script, the
# kernel's modules, the host's packages (dpkg's status file), perf or not), and an overlay of
# ours (xnet.ko and depmod's files, the xnet tools, the installed
# selftests, the scripts, /init), built every time in a second or two:
# the quick loop (make check T=name) rebuilds no more than it must.
# Beside it, the base's kernel modules as a tar (KVER-KEY.mods.tar), for
# depmod over them and xnet.ko: never as a directory, because Kbuild's
# "make M=. clean" (make lint) deletes every *.ko and modules.order under
# the checkout, build/ included, and a later run's depmod then left
# xnet's dependencies (libcrc32c) out: "Unknown symbol" at modprobe.
# The overlay writes only below real directories of the base (usr/bin,
# usr/lib, xnet, ...), never over its /lib, /bin, /sbin symlinks.
# /init mounts the usual filesystems, then runs the mode named by
# xnettest.mode= on the kernel command line (check|demo|bench|shell|node), then
# powers off.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 KVER OUT" >&2; exit 2; }
kver=$1
out=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
modroot=${XNET_MODROOT:-}
hostmoddir=$modroot/lib/modules/$kver
moddir=/lib/modules/$kver

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ -d "$hostmoddir/kernel" ] || die "no kernel modules in $hostmoddir (make deps KVER=...)"
ko=${XNET_KO:-$root/module/xnet.ko}
[ -f "$ko" ] || die "$ko not built (make all)"
vm=$(modinfo -F vermagic "$ko" | awk '{print $1}')
[ "$vm" = "$kver" ] ||
	die "$ko was built for '$vm', not $kver (make all KDIR=$hostmoddir/build)"
tools=("$root/tools/xnetctl/xnetctl" "$root/tools/xnet-ping/xnet-ping"
       "$root/tools/xnet-bench/xnet-bench" "$root/tools/xnet-trace/xnet-trace")
for t in "${tools[@]}"; do
	[ -x "$t" ] || die "$t not built (make all)"
done
[ -d "$root/selftests" ] || die "$root/selftests missing"

stage=$(mktemp -d "${TMPDIR:-/tmp}/xnet-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/base" "$stage/ovl" "$stage/mods"

cachedir=$(dirname "$out")/initramfs-base
mkdir -p "$cachedir"
key=$({
	cat "${BASH_SOURCE[0]}"
	echo "$kver ${modroot:-host} perf=${XNET_INITRAMFS_PERF:-}"
	# not modules.dep: any depmod on the host (DKMS) rewrites it
	stat -c '%n %s %Y' "$hostmoddir/modules.order" "$hostmoddir/kernel" \
		/var/lib/dpkg/status /bin/busybox 2>/dev/null
} | sha256sum | cut -c1-16)
variant=$kver-${XNET_INITRAMFS_PERF:+perf-}${modroot:+dbg-}
base=$cachedir/$variant$key.cpio
basemods=$cachedir/$variant$key.mods.tar

# copy_bin SRC [NAME]: host binary plus its shared library closure.
copy_bin() {
	local src name lib
	src=$(command -v "$1") || die "host binary $1 missing (make deps)"
	name=${2:-$(basename "$src")}
	rm -f "$R/usr/bin/$name"
	cp -L "$src" "$R/usr/bin/$name"
	for lib in $(ldd "$src" 2>/dev/null |
		     awk '/=> \//{print $3} /^[ \t]*\//{print $1}'); do
		# the real directory, not the /lib symlink (the overlay
		# must not replace the base's symlinks with directories)
		case $lib in /lib/* | /lib64/*) lib=/usr$lib ;; esac
		[ -e "$R$lib" ] && continue
		mkdir -p "$R$(dirname "$lib")"
		cp -L "$lib" "$R$lib"
	done
}

# base_files: everything but ours, into $R (run only when not cached)
base_files() {
	# Merged-/usr layout like Debian 12: one bin directory.
	mkdir -p "$R"/usr/bin "$R"/usr/lib/x86_64-linux-gnu "$R"/usr/lib64 \
		"$R"/{dev,proc,sys,run,tmp,root,etc,xnet,mnt}
	ln -s bin "$R/usr/sbin"
	ln -s usr/bin "$R/bin"
	ln -s usr/sbin "$R/sbin"
	ln -s usr/lib "$R/lib"
	ln -s usr/lib64 "$R/lib64"
	chmod 1777 "$R/tmp"
	mknod -m 600 "$R/dev/console" c 5 1
	mknod -m 666 "$R/dev/null" c 1 3

	cp /bin/busybox "$R/usr/bin/busybox"
	for a in $(busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$R/usr/bin/$a"
	done

	copy_bin bash
	# /bin/sh is dash as on Debian: busybox's ash runs its own applets in
	# preference to PATH ("ip" in system() would be busybox's ip).  For the same
	# reason the busybox applets that exec other programs are replaced.
	copy_bin dash
	ln -sf dash "$R/usr/bin/sh"
	for b in timeout env xargs find nohup nice chroot setsid nsenter unshare \
		 taskset flock; do
		copy_bin "$b"
	done
	copy_bin ip
	copy_bin tc
	copy_bin bridge
	copy_bin "$(command -v tipc || echo /sbin/tipc)" tipc
	copy_bin socat
	copy_bin ethtool
	# wg (wireguard-tools) for the benchmark's WireGuard figure; without it
	# that figure says so and fails
	command -v wg >/dev/null && copy_bin wg
	copy_bin kmod
	for a in modprobe insmod rmmod lsmod depmod modinfo; do
		ln -sf kmod "$R/usr/bin/$a"
	done
	# perf for the benchmark's profile (XNET_BENCH_ONLY=prof) and the
	# tracepoint decoding test (selftests/xnet_perf.sh): the bench and check
	# VMs only, it nearly doubles the image.
	[ -n "${XNET_INITRAMFS_PERF:-}" ] && copy_bin perf
	# trace-cmd (tracepoint decoding test), setpriv (an unprivileged caller)
	copy_bin trace-cmd
	copy_bin setpriv
	# iproute2 wants these for "ip netns"/"tc" name lookups; harmless if absent.
	[ -d /etc/iproute2 ] && cp -a /etc/iproute2 "$R/etc/"
	printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
	printf 'root:x:0:\n' >"$R/etc/group"
	printf 'hosts: files\n' >"$R/etc/nsswitch.conf"
	printf '127.0.0.1 localhost\n' >"$R/etc/hosts"

	# Kernel modules, with their dependencies, as the host's kmod resolves them.
	mods=(veth bridge sch_netem sch_tbf dummy libcrc32c crc32c_generic
	      crc32c-intel tipc)
	mods+=(virtio_pci virtio_net e1000 sch_htb cls_u32 cls_basic)
	mods+=(sch_plug)
	# pacing and tc (xnet_pacing, tc_htb.sh): fq, htb classes, filters
	mods+=(sch_fq cls_matchall act_gact)
	# a tap with a vnet header (xnet_segment: hostile GSO frames)
	mods+=(tun)
	mods+=(8021q macvlan bonding vxlan ip_gre)
	# secure channels (sec.h): the AEADs and what the crypto API builds them of
	mods+=(gcm ghash_generic ctr aesni_intel ghash_clmulni_intel chacha20poly1305
	      chacha_generic chacha_x86_64 poly1305_generic poly1305_x86_64)
	# the benchmark's comparison (bench-guest.sh: secure): WireGuard, MACsec,
	# and the SIMD SHA-256 a real system's udev would load
	mods+=(wireguard macsec sha256-ssse3 cryptd)
	mkdir -p "$R$moddir/extra"
	for m in "${mods[@]}"; do
		# a module this kernel lacks (or has built in) is skipped; xnet's
		# own dependencies are checked after depmod below
		modprobe ${modroot:+-d "$modroot"} --show-depends -S "$kver" "$m" \
			2>/dev/null | awk '$1 == "insmod" {print $2}' || true
	done | sort -u | while read -r f; do
		rel=${f#"$modroot"}
		mkdir -p "$R$(dirname "$rel")"
		cp "$f" "$R$rel"
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		if [ -f "$hostmoddir/$f" ]; then
			cp "$hostmoddir/$f" "$R$moddir/"
		fi
	done
	depmod -b "$R" "$kver"
}

exec 9>"$cachedir/.lock"
flock 9
if [ ! -s "$base" ] || [ ! -s "$basemods" ]; then
	rm -rf "$cachedir/$variant"[0-9a-f]*
	R=$stage/base
	base_files
	(cd "$R" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$base.tmp"
	tar -C "$R/usr/lib" -cf "$basemods.tmp" modules
	mv "$basemods.tmp" "$basemods"
	mv "$base.tmp" "$base"
	echo "mkinitramfs: base image built ($base)"
fi
flock -u 9

# The overlay: ours.
R=$stage/ovl
mkdir -p "$R/usr/bin" "$R/usr/lib/modules/$kver/extra" "$R/xnet"
for t in "${tools[@]}"; do
	copy_bin "$t"
done
# depmod over the base's modules and xnet.ko: its files go in the overlay
mkdir -p "$stage/mods/lib"
tar -C "$stage/mods/lib" -xf "$basemods"
mkdir -p "$stage/mods/lib/modules/$kver/extra"
# a DKMS-built 6.12 module comes compressed (make check-dkms)
case $ko in
*.xz) xz -dc "$ko" >"$stage/mods/lib/modules/$kver/extra/xnet.ko" ;;
*) cp "$ko" "$stage/mods/lib/modules/$kver/extra/xnet.ko" ;;
esac
depmod -b "$stage/mods" "$kver"
modprobe -d "$stage/mods" -S "$kver" --show-depends xnet >/dev/null ||
	die "xnet.ko dependencies not satisfiable in the initramfs"
cp "$ko" "$R/usr/lib/modules/$kver/extra/xnet.ko"
cp "$stage/mods/lib/modules/$kver"/modules.* "$R/usr/lib/modules/$kver/"

# Selftests, through kselftest's install (so every make check exercises
# it); lib.mk and kselftest/ come from build/ksft (scripts/ksft-headers.sh).
"$root/scripts/ksft-headers.sh" "$root/build/ksft"
make --no-print-directory -s -C "$root/selftests" install \
	KSFT_DIR="$root/build/ksft" INSTALL_PATH="$R/xnet/kselftest" >/dev/null ||
	die "make -C selftests install failed"
[ -x "$R/xnet/kselftest/run_kselftest.sh" ] || die "selftests install: no run_kselftest.sh"
ln -s kselftest/xnet "$R/xnet/selftests"
cp "$root/scripts/guest-run.sh" "$R/xnet/guest-run.sh"
cp "$root/scripts/demo-guest.sh" "$R/xnet/demo-guest.sh"
cp "$root/scripts/bench-guest.sh" "$R/xnet/bench-guest.sh"
cp "$root/scripts/node-agent.sh" "$R/xnet/node-agent.sh"
chmod +x "$R/xnet/guest-run.sh" "$R/xnet/demo-guest.sh" "$R/xnet/bench-guest.sh" \
	"$R/xnet/node-agent.sh"
printf '%s\n' "${XNET_TESTS:-}" >"$R/xnet/tests-filter"
echo "$kver" >"$R/xnet/kver"

cat >"$R/init" <<'INIT'
#!/bin/sh
export PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/root TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
# what udev provides on a real system (kselftest's runner writes to /dev/stdout)
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /run/netns
hostname xnet-vm
ip link set lo up
# What udev loads on a real system for the CPU's features: the crypto API
# prefers them (AES-NI, CLMUL, AVX2) once loaded, never loads them itself.
for m in aesni_intel ghash_clmulni_intel chacha_x86_64 poly1305_x86_64; do
	modprobe -q "$m" 2>/dev/null
done
# A task stuck in D state or a soft lockup ends the run: no marker, failure.
sysctl -qw kernel.hung_task_timeout_secs=60 kernel.hung_task_panic=1 \
	kernel.softlockup_panic=1 kernel.panic_on_warn=1 kernel.panic_on_oops=1
mode=check
for a in $(cat /proc/cmdline); do
	case "$a" in xnettest.mode=*) mode=${a#xnettest.mode=} ;; esac
done
cd /xnet
case "$mode" in
check) /xnet/guest-run.sh ;;
demo|bench)
	if /xnet/$mode-guest.sh; then r="passed=1 failed=0"; else r="passed=0 failed=1"; fi
	echo "XNET-RESULT $r"
	echo "XNET-RESULT $r" >/dev/ttyS1
	;;
shell) setsid cttyhack bash -l ;;
node) /xnet/node-agent.sh ;;
*) echo "init: unknown xnettest.mode=$mode" ;;
esac
sync
poweroff -f
INIT
chmod +x "$R/init"

mkdir -p "$(dirname "$out")"
{
	cat "$base"
	(cd "$R" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet)
} >"$out.tmp"
mv "$out.tmp" "$out"

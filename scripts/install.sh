#!/bin/bash
# make install / make uninstall (the Makefile passes every variable).
#
#   scripts/install.sh install|uninstall
#
# Environment: DESTDIR PREFIX BINDIR SBINDIR INCLUDEDIR MANDIR BASHCOMPDIR
# WIRESHARK_PLUGIN_DIR KDIR KREL INSTALL_MOD_DIR MAKE (see the Makefile).
#
# install puts:
#   module/xnet.ko        -> /lib/modules/KREL/INSTALL_MOD_DIR/xnet.ko[.xz]
#                            (Kbuild's modules_install), then depmod
#   tools/xnetctl/xnetctl -> SBINDIR (as iproute2 installs ip)
#   xnet-ping, xnet-trace -> BINDIR (as ping and traceroute), xnet-bench too
#   include/uapi/linux/xnet.h -> INCLUDEDIR/linux/xnet.h
#   docs/man/*.N          -> MANDIR/manN/
#   tools/wireshark/xnet.lua -> WIRESHARK_PLUGIN_DIR
#   tools/xnetctl/bash-completion -> BASHCOMPDIR/xnetctl
# and a manifest, PREFIX/share/xnet/installed: the files above, the
# directories install created and, in a DESTDIR, the index files depmod
# made there. uninstall reads it (same DESTDIR and PREFIX), removes those
# files, runs depmod again (in a DESTDIR holding no other module: removes
# depmod's index files instead) and removes the directories install
# created once they are empty: never one that was there before.
#
# depmod runs as Kbuild's modules_install would, when the kernel's
# System.map is there (KDIR/System.map or /boot/System.map-KREL);
# without one (headers of a kernel not installed here) it is skipped
# with a note, as Kbuild skips it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
D=${DESTDIR:-}
D=${D%/}
manifest_rel=$PREFIX/share/xnet/installed
manifest=$D$manifest_rel

die() { echo "install: $*" >&2; exit 1; }

sysmap() {
	local m
	for m in "$KDIR/System.map" "/boot/System.map-$KREL"; do
		[ -r "$m" ] && { echo "$m"; return 0; }
	done
	return 1
}

# depmod for KREL (in DESTDIR if set); prints the index files it created
# there (DESTDIR only) on stdout
run_depmod() {
	local dir=$D/lib/modules/$KREL before
	if ! sysmap >/dev/null; then
		echo "install: no System.map for $KREL: depmod skipped (as Kbuild does); run 'depmod $KREL' once that kernel is installed" >&2
		return 0
	fi
	before=$(cd "$dir" && ls -1)
	if [ -n "$D" ]; then
		# a staging tree has no modules.order nor modules.builtin
		/sbin/depmod -b "$D" "$KREL" 2>&1 |
			grep -v 'WARNING: could not open modules\.' >&2 || true
		comm -13 <(echo "$before") <(cd "$dir" && ls -1) |
			grep '^modules\.' | sed "s|^|/lib/modules/$KREL/|" || true
	else
		/sbin/depmod "$KREL" >&2
	fi
}

# mkdirs DIR...: create each (relative to DESTDIR), printing the ones
# that did not exist, parents first
mkdirs() {
	local dir p c
	for dir in "$@"; do
		p=""
		IFS=/ read -ra parts <<<"${dir#/}"
		for c in "${parts[@]}"; do
			p=$p/$c
			if [ ! -d "$D$p" ]; then
				mkdir "$D$p"
				echo "dir $p"
			fi
		done
	done
}

do_install() {
	local ko=module/xnet.ko t m vm rec=() files=() f sec mods mandirs=()
	[ -f "$ko" ] || die "$ko not built (make modules)"
	vm=$(/sbin/modinfo -F vermagic "$ko" | awk '{print $1}')
	[ "$vm" = "$KREL" ] || die "$ko was built for '$vm', not $KREL (make modules KDIR=$KDIR)"
	for t in xnetctl/xnetctl xnet-ping/xnet-ping xnet-trace/xnet-trace xnet-bench/xnet-bench; do
		[ -x "tools/$t" ] || die "tools/$t not built (make tools)"
	done
	[ -f tools/xnetctl/bash-completion ] || die "tools/xnetctl/bash-completion missing"
	[ -z "$D" ] || mkdir -p "$D"

	# an earlier install's record of the directories it created stays
	[ -f "$manifest" ] && mapfile -t rec < <(grep -E '^(dir|depmod) ' "$manifest")

	for m in docs/man/*.[1-8]; do mandirs+=("$MANDIR/man${m##*.}"); done
	mapfile -t -O "${#rec[@]}" rec < <(mkdirs "/lib/modules/$KREL/$INSTALL_MOD_DIR" \
		"$BINDIR" "$SBINDIR" "$INCLUDEDIR/linux" "$BASHCOMPDIR" \
		"$WIRESHARK_PLUGIN_DIR" "$(dirname "$manifest_rel")" "${mandirs[@]}")

	# The module: Kbuild's modules_install with M= the directory holding
	# it (the file lands in INSTALL_MOD_DIR itself, not in a module/
	# below it). Unsigned: Debian's headers carry no signing key, and
	# Kbuild would try and print OpenSSL's errors (DKMS signs with its
	# MOK key, for Secure Boot).
	mods=$D/lib/modules/$KREL/$INSTALL_MOD_DIR
	$MAKE --no-print-directory -s -C "$KDIR" M="$root/module" \
		INSTALL_MOD_PATH="$D" INSTALL_MOD_DIR="$INSTALL_MOD_DIR" \
		CONFIG_MODULE_SIG_ALL= modules_install 2>&1 |
		grep -v "missing 'System.map' file. Skipping depmod" >&2 || true
	f=$(ls -1 "$mods"/xnet.ko* 2>/dev/null | head -1)
	[ -n "$f" ] || die "modules_install put no xnet.ko in $mods"
	files+=("${f#"$D"}")

	install -m 755 tools/xnetctl/xnetctl "$D$SBINDIR/xnetctl"
	files+=("$SBINDIR/xnetctl")
	for t in xnet-ping xnet-trace xnet-bench; do
		install -m 755 "tools/$t/$t" "$D$BINDIR/$t"
		files+=("$BINDIR/$t")
	done
	install -m 644 include/uapi/linux/xnet.h "$D$INCLUDEDIR/linux/xnet.h"
	files+=("$INCLUDEDIR/linux/xnet.h")
	for m in docs/man/*.[1-8]; do
		sec=${m##*.}
		install -m 644 "$m" "$D$MANDIR/man$sec/${m##*/}"
		files+=("$MANDIR/man$sec/${m##*/}")
	done
	install -m 644 tools/wireshark/xnet.lua "$D$WIRESHARK_PLUGIN_DIR/xnet.lua"
	files+=("$WIRESHARK_PLUGIN_DIR/xnet.lua")
	install -m 644 tools/xnetctl/bash-completion "$D$BASHCOMPDIR/xnetctl"
	files+=("$BASHCOMPDIR/xnetctl")

	mapfile -t -O "${#rec[@]}" rec < <(run_depmod | sed 's/^/depmod /')

	{
		echo "# xnet $(cat VERSION), installed by make install; make uninstall reads it"
		echo "krel $KREL"
		printf 'file %s\n' "${files[@]}"
		printf '%s\n' "${rec[@]}" | awk 'NF && !seen[$0]++'
	} >"$manifest"
	chmod 644 "$manifest"
	echo "install: xnet $(cat VERSION) in ${D:-/} (PREFIX $PREFIX, module for $KREL in $INSTALL_MOD_DIR)"
}

do_uninstall() {
	local kind path krel="" dirs=() gen=() left
	[ -f "$manifest" ] ||
		die "no $manifest: nothing installed with DESTDIR='$D' PREFIX=$PREFIX"
	while read -r kind path; do
		case $kind in
		krel) krel=$path ;;
		file) rm -f "$D$path" ;;
		dir) dirs+=("$path") ;;
		depmod) gen+=("$path") ;;
		esac
	done <"$manifest"
	rm -f "$manifest"

	if [ -n "$krel" ] && [ -d "$D/lib/modules/$krel" ]; then
		KREL=$krel
		if [ -n "$D" ] && [ ${#gen[@]} -gt 0 ] &&
		   [ -z "$(find "$D/lib/modules/$krel" -name '*.ko*' -print -quit)" ]; then
			# no other module in this DESTDIR: depmod's index goes too
			for path in "${gen[@]}"; do rm -f "$D$path"; done
		else
			run_depmod >/dev/null
		fi
	fi
	# the directories install created, deepest first, once empty
	for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
		printf '%s\n' "${dirs[i]}"
	done | sort -r | while read -r path; do
		left=$(ls -A "$D$path" 2>/dev/null || echo x)
		[ -n "$left" ] || rmdir "$D$path"
	done
	echo "uninstall: xnet removed from ${D:-/} (PREFIX $PREFIX)"
}

case ${1:-} in
install) do_install ;;
uninstall) do_uninstall ;;
*) echo "usage: $0 install|uninstall" >&2; exit 2 ;;
esac

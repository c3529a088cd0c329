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
# A later install into the same DESTDIR and PREFIX (another KREL, another
# INSTALL_MOD_DIR) keeps the earlier one's records: uninstall removes
# both. An install that fails removes what it had put, files and
# directories, and leaves the manifest as it was. DESTDIR must not hold
# blanks (Kbuild's modules_install cannot take them).
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

# put SRC MODE DEST: install(1) one file, recording it (and, for the
# rollback, whether it is new)
put() {
	[ -e "$D$3" ] || new_files+=("$3")
	install -m "$2" "$1" "$D$3"
	files+=("$3")
}

# on a failed install: what this run added goes, newest directory first
rollback() {
	local i
	[ "$installed" = 1 ] && return
	for i in "${new_files[@]}"; do rm -f "$D$i"; done
	for ((i = ${#new_dirs[@]} - 1; i >= 0; i--)); do
		rmdir "$D${new_dirs[i]}" 2>/dev/null || true
	done
	echo "install: FAILED; what it had put is removed" >&2
}

do_install() {
	local ko=module/xnet.ko t m vm rec=() f sec mods mandirs=() st
	files=() new_files=() new_dirs=() installed=0
	[[ $D != *[[:space:]]* ]] || die "DESTDIR '$D' has blanks: Kbuild's modules_install cannot install there"
	[ -f "$ko" ] || die "$ko not built (make modules)"
	vm=$(/sbin/modinfo -F vermagic "$ko" | awk '{print $1}')
	[ "$vm" = "$KREL" ] || die "$ko was built for '$vm', not $KREL (make modules KDIR=$KDIR)"
	for t in xnetctl/xnetctl xnet-ping/xnet-ping xnet-trace/xnet-trace xnet-bench/xnet-bench; do
		[ -x "tools/$t" ] || die "tools/$t not built (make tools)"
	done
	[ -f tools/xnetctl/bash-completion ] || die "tools/xnetctl/bash-completion missing"
	[ -z "$D" ] || mkdir -p "$D"

	# an earlier install's records stay: its files (another KREL's
	# module), the directories it created, depmod's index files
	[ -f "$manifest" ] && mapfile -t rec < <(grep -E '^(krel|file|dir|depmod) ' "$manifest")

	trap rollback EXIT
	for m in docs/man/*.[1-8]; do mandirs+=("$MANDIR/man${m##*.}"); done
	for m in "/lib/modules/$KREL/$INSTALL_MOD_DIR" "$BINDIR" "$SBINDIR" \
		 "$INCLUDEDIR/linux" "$BASHCOMPDIR" "$WIRESHARK_PLUGIN_DIR" \
		 "$(dirname "$manifest_rel")" "${mandirs[@]}"; do
		# one at a time: a failure leaves new_dirs complete
		while read -r t f; do
			new_dirs+=("$f")
			rec+=("dir $f")
		done < <(mkdirs "$m")
		[ -d "$D$m" ] || die "cannot create $D$m"
	done

	# The module: Kbuild's modules_install with M= the directory holding
	# it (the file lands in INSTALL_MOD_DIR itself, not in a module/
	# below it). Unsigned: Debian's headers carry no signing key, and
	# Kbuild would try and print OpenSSL's errors (DKMS signs with its
	# MOK key, for Secure Boot).
	mods=$D/lib/modules/$KREL/$INSTALL_MOD_DIR
	f=$(ls -1 "$mods"/xnet.ko* 2>/dev/null | head -1 || true)
	# (the rollback's name for a new module, compressed or not)
	[ -n "$f" ] || new_files+=("/lib/modules/$KREL/$INSTALL_MOD_DIR/xnet.ko"
				  "/lib/modules/$KREL/$INSTALL_MOD_DIR/xnet.ko.xz"
				  "/lib/modules/$KREL/$INSTALL_MOD_DIR/xnet.ko.gz"
				  "/lib/modules/$KREL/$INSTALL_MOD_DIR/xnet.ko.zst")
	st=0
	$MAKE --no-print-directory -s -C "$KDIR" M="$root/module" \
		INSTALL_MOD_PATH="$D" INSTALL_MOD_DIR="$INSTALL_MOD_DIR" \
		CONFIG_MODULE_SIG_ALL= modules_install 2>&1 |
		{ grep -v "missing 'System.map' file. Skipping depmod" >&2 || true; } ||
		st=$?
	[ "$st" = 0 ] || die "Kbuild's modules_install failed (status $st)"
	f=$(ls -1 "$mods"/xnet.ko* 2>/dev/null | head -1 || true)
	[ -n "$f" ] || die "modules_install put no xnet.ko in $mods"
	files+=("${f#"$D"}")

	put tools/xnetctl/xnetctl 755 "$SBINDIR/xnetctl"
	for t in xnet-ping xnet-trace xnet-bench; do
		put "tools/$t/$t" 755 "$BINDIR/$t"
	done
	put include/uapi/linux/xnet.h 644 "$INCLUDEDIR/linux/xnet.h"
	for m in docs/man/*.[1-8]; do
		sec=${m##*.}
		put "$m" 644 "$MANDIR/man$sec/${m##*/}"
	done
	put tools/wireshark/xnet.lua 644 "$WIRESHARK_PLUGIN_DIR/xnet.lua"
	put tools/xnetctl/bash-completion 644 "$BASHCOMPDIR/xnetctl"

	mapfile -t -O "${#rec[@]}" rec < <(run_depmod | sed 's/^/depmod /')

	{
		echo "# xnet $(cat VERSION), installed by make install; make uninstall reads it"
		echo "krel $KREL"
		printf 'file %s\n' "${files[@]}"
		printf '%s\n' "${rec[@]}"
	} | awk 'NF && !seen[$0]++' >"$manifest.tmp"
	chmod 644 "$manifest.tmp"
	mv "$manifest.tmp" "$manifest"
	installed=1
	echo "install: xnet $(cat VERSION) in ${D:-/} (PREFIX $PREFIX, module for $KREL in $INSTALL_MOD_DIR)"
}

do_uninstall() {
	local kind path krel krels=() dirs=() gen=() left
	[ -f "$manifest" ] ||
		die "no $manifest: nothing installed with DESTDIR='$D' PREFIX=$PREFIX"
	while read -r kind path; do
		case $kind in
		krel) krels+=("$path") ;;
		file) rm -f "$D$path" ;;
		dir) dirs+=("$path") ;;
		depmod) gen+=("$path") ;;
		esac
	done <"$manifest"
	rm -f "$manifest"

	for krel in "${krels[@]}"; do
		[ -d "$D/lib/modules/$krel" ] || continue
		KREL=$krel
		if [ -n "$D" ] && [ ${#gen[@]} -gt 0 ] &&
		   [ -z "$(find "$D/lib/modules/$krel" -name '*.ko*' -print -quit)" ]; then
			# no other module in this DESTDIR: depmod's index goes too
			for path in "${gen[@]}"; do
				[[ $path == "/lib/modules/$krel/"* ]] && rm -f "$D$path"
			done
		else
			run_depmod >/dev/null
		fi
	done
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

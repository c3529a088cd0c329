#!/bin/bash
# make check-install: make install and make uninstall into staging
# DESTDIRs (never the host's own tree), checked.
#
#   scripts/install-check.sh
#
# - install (PREFIX /usr/local, KVER=6.1) puts exactly the files of
#   scripts/install.list and their parent directories, nothing else;
#   programs 0755, the rest 0644; every man page of docs/man and every
#   tool of tools/Makefile is in that list;
# - the installed module's modinfo and every installed tool's -V say
#   VERSION;
# - PREFIX=/usr puts the dissector where tshark looks for global Lua
#   plugins (tshark -G folders);
# - uninstall leaves each DESTDIR empty, and keeps a directory that was
#   there before install (with a file of someone else's in it);
# - an explicit KVER beats the running kernel's headers (make kdir with
#   HOST_KDIR pointing at the other kernel's);
# - a failed install leaves the DESTDIR as it found it: Kbuild's
#   modules_install failing (MAKE=false) over an earlier xnet.ko, an
#   install(1) failing after the module is in, a DESTDIR with a blank;
# - two installs into one DESTDIR (INSTALL_MOD_DIR extra, then updates),
#   then one uninstall: nothing left.
# Last line: "N passed, N failed".
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
ver=$(cat VERSION)
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xnet-install-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

k61=$(ls -1 /lib/modules | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$' | sort -V | tail -1 || true)
k612=$(ls -1 /lib/modules | grep -E '^6\.12\.[0-9]+\+deb12-amd64$' | sort -V | tail -1 || true)
[ -n "$k61" ] || { echo "install-check: no 6.1 kernel (make deps)"; echo "0 passed, 1 failed"; exit 1; }
multiarch=$(${CC:-cc} -print-multiarch)

expected() {
	sed -e '/^#/d' -e '/^$/d' -e "s|@PREFIX@|$1|g" -e "s|@KREL@|$k61|g" \
		-e "s|@MULTIARCH@|$multiarch|g" scripts/install.list | sort
}
# the files' parent directories, up to the root
parents() {
	while read -r f; do
		d=$(dirname "$f")
		while [ "$d" != / ]; do echo "$d"; d=$(dirname "$d"); done
	done | sort -u
}
inst() { make --no-print-directory -s "$@" KVER=6.1 >"$tmp/log" 2>&1 || { cat "$tmp/log"; return 1; }; }

# 1. the list covers what the tree has
miss=""
for m in docs/man/*.[1-8]; do
	grep -q "^@PREFIX@/share/man/man${m##*.}/${m##*/}$" scripts/install.list || miss+=" $m"
done
for t in $(sed -n 's/^SUBDIRS := //p' tools/Makefile); do
	grep -qE "^@PREFIX@/s?bin/$t$" scripts/install.list || miss+=" tools/$t"
done
if [ -z "$miss" ]; then ok "install.list names every man page and tool"; else bad "not in scripts/install.list:$miss"; fi

# 2. install into a staging DESTDIR
d=$tmp/dest
if inst install DESTDIR="$d"; then ok "make install DESTDIR=$d"; else bad "make install DESTDIR=$d"; fi
expected /usr/local >"$tmp/want.f"
(cd "$d" && find . ! -type d | sed 's|^\.||' | sort) >"$tmp/got.f"
if diff -u "$tmp/want.f" "$tmp/got.f"; then ok "installed files = scripts/install.list ($(wc -l <"$tmp/got.f"))"
else bad "installed files differ from scripts/install.list (diff above)"; fi
parents <"$tmp/want.f" >"$tmp/want.d"
(cd "$d" && find . -mindepth 1 -type d | sed 's|^\.||' | sort) >"$tmp/got.d"
if diff -u "$tmp/want.d" "$tmp/got.d"; then ok "directories: the files' parents, no others"
else bad "directories differ (diff above)"; fi
badmode=""
while read -r f; do
	case $f in */bin/*|*/sbin/*) want=755 ;; *) want=644 ;; esac
	m=$(stat -c %a "$d$f")
	[ "$m" = "$want" ] || badmode+=" $f:$m"
done <"$tmp/want.f"
if [ -z "$badmode" ]; then ok "modes 0755 programs, 0644 the rest"; else bad "modes:$badmode"; fi

# 3. one version everywhere
vs="module:$(/sbin/modinfo -F version "$d/lib/modules/$k61/extra/xnet.ko" 2>/dev/null || true)"
vs+=" xnetctl:$("$d/usr/local/sbin/xnetctl" -V 2>&1 | awk '{print $2}')"
for t in xnet-ping xnet-trace xnet-bench; do
	vs+=" $t:$("$d/usr/local/bin/$t" -V 2>&1 | awk '{print $2}')"
done
if [ "$(tr ' ' '\n' <<<"$vs" | cut -d: -f2 | sort -u)" = "$ver" ]; then
	ok "version $ver: $vs"
else
	bad "versions differ from VERSION $ver: $vs"
fi

# 4. uninstall: nothing left
if inst uninstall DESTDIR="$d"; then ok "make uninstall DESTDIR=$d"; else bad "make uninstall"; fi
left=$(find "$d" -mindepth 1)
if [ -z "$left" ]; then ok "DESTDIR empty after uninstall"; else bad "left after uninstall: $left"; fi

# 5. PREFIX=/usr: the dissector where tshark looks
d2=$tmp/usr
if command -v tshark >/dev/null; then
	lua=$(tshark -G folders 2>/dev/null | sed -n 's/^Global Lua Plugins:[[:space:]]*//p')
	if inst install DESTDIR="$d2" PREFIX=/usr && [ -n "$lua" ] && [ -f "$d2$lua/xnet.lua" ]; then
		ok "PREFIX=/usr: xnet.lua in tshark's global Lua plugins ($lua)"
	else
		bad "PREFIX=/usr: no xnet.lua in tshark's global Lua plugins '$lua'"
	fi
	inst uninstall DESTDIR="$d2" PREFIX=/usr || true
	left=$(find "$d2" -mindepth 1 2>/dev/null)
	if [ -z "$left" ]; then ok "PREFIX=/usr: DESTDIR empty after uninstall"; else bad "PREFIX=/usr: left: $left"; fi
else
	bad "tshark missing (make deps)"
fi

# 6. a directory that was there stays, with what it held
d3=$tmp/pre
mkdir -p "$d3/usr/local/bin"
echo other >"$d3/usr/local/bin/other"
inst install DESTDIR="$d3" && inst uninstall DESTDIR="$d3" || true
left=$(cd "$d3" && find . -mindepth 1 | sort | tr '\n' ' ')
if [ "$left" = "./usr ./usr/local ./usr/local/bin ./usr/local/bin/other " ]; then
	ok "uninstall keeps a directory it did not create"
else
	bad "pre-existing tree after install+uninstall: $left"
fi

# 7. KVER= beats the running kernel's headers
if [ -n "$k612" ]; then
	h=/lib/modules/$k612/build
	a=$(env -u MAKEFLAGS -u MFLAGS -u KVER make --no-print-directory -s kdir HOST_KDIR="$h" | sed -n 's/^KREL //p')
	b=$(env -u MAKEFLAGS -u MFLAGS -u KVER make --no-print-directory -s kdir HOST_KDIR="$h" KVER=6.1 | sed -n 's/^KREL //p')
	if [ "$a" = "$k612" ] && [ "$b" = "$k61" ]; then
		ok "KVER=6.1 builds for $k61 although the running kernel's headers ($k612) exist"
	else
		bad "kernel choice: plain make '$a' (want $k612), KVER=6.1 '$b' (want $k61)"
	fi
else
	bad "no 6.12 kernel for the KVER check (scripts/deps.sh 6.12)"
fi

# 8. a failed install puts nothing, and keeps what was there
# tree DIR: its entries and each file's content, sorted
tree() { (cd "$1" && find . -mindepth 1 | sort | while read -r f; do
	if [ -f "$f" ]; then echo "$f $(cat "$f")"; else echo "$f"; fi; done); }
kd=$(make --no-print-directory -s kdir KVER=6.1 | sed -n 's/^KDIR //p')
p=/usr/local
d4=$tmp/failmod
mkdir -p "$d4/lib/modules/$k61/extra"
echo old >"$d4/lib/modules/$k61/extra/xnet.ko"
before=$(tree "$d4")
if env DESTDIR="$d4" PREFIX=$p BINDIR=$p/bin SBINDIR=$p/sbin \
	INCLUDEDIR=$p/include MANDIR=$p/share/man \
	BASHCOMPDIR=$p/share/bash-completion/completions \
	WIRESHARK_PLUGIN_DIR=$p/lib/wireshark/plugins KDIR="$kd" KREL="$k61" \
	INSTALL_MOD_DIR=extra MAKE=false scripts/install.sh install >"$tmp/log" 2>&1; then
	bad "modules_install failing (MAKE=false): install said success"
else
	ok "modules_install failing (MAKE=false): install fails"
fi
after=$(tree "$d4")
if [ "$before" = "$after" ]; then ok "failed modules_install: DESTDIR as it was"
else bad "failed modules_install: DESTDIR was: $before; is: $after"; fi

d5=$tmp/failinst
mkdir -p "$tmp/fakebin"
cat >"$tmp/fakebin/install" <<'EOT'
#!/bin/sh
case "$*" in *xnet-bench*) echo "fake install: refused" >&2; exit 1 ;; esac
exec /usr/bin/install "$@"
EOT
chmod +x "$tmp/fakebin/install"
if PATH=$tmp/fakebin:$PATH inst install DESTDIR="$d5" >/dev/null; then
	bad "install(1) failing: make install said success"
else
	ok "install(1) failing: make install fails"
fi
left=$(find "$d5" -mindepth 1 2>/dev/null || true)
if [ -z "$left" ]; then ok "failed install(1): DESTDIR empty"; else bad "left by a failed install: $left"; fi

d6="$tmp/with blank"
if inst install DESTDIR="$d6" >/dev/null; then bad "DESTDIR with a blank: install said success"
else ok "DESTDIR with a blank: refused"; fi
left=$(find "$d6" -mindepth 1 2>/dev/null || true)
if [ -z "$left" ]; then ok "DESTDIR with a blank: nothing put"; else bad "DESTDIR with a blank: left: $left"; fi

# 9. two installs, one uninstall
d7=$tmp/twice
if inst install DESTDIR="$d7" && inst install DESTDIR="$d7" INSTALL_MOD_DIR=updates &&
   inst uninstall DESTDIR="$d7"; then
	ok "install (extra), install (updates), uninstall"
else
	bad "install (extra), install (updates), uninstall"
fi
left=$(find "$d7" -mindepth 1 2>/dev/null || true)
if [ -z "$left" ]; then ok "two installs, one uninstall: DESTDIR empty"; else bad "two installs, one uninstall: left: $left"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

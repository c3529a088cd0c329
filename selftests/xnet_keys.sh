#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Secure-channel keys through xnetctl (generic netlink), no traffic:
#  - key add (hex or @FILE, peer, dev, alg), key show (text and JSON:
#    id peer dev alg state use fingerprint), key del; the fingerprint is
#    the first 8 bytes of HMAC-SHA256(key, "xnet fingerprint");
#  - a newer key for the same peer makes the older one standby;
#  - errors: EEXIST, ENOENT, ENOSPC (net.xnet.key_max), bad hex or
#    length (refused by xnetctl), a broadcast peer (EINVAL, counted as
#    ConfigInvalid), a world-readable key file (warned about);
#  - changes need CAP_NET_ADMIN in the user namespace owning the netns
#    (EPERM, counted as ConfigRefused); reading does not;
#  - no interface gives key bytes back: xnetctl key show (text, JSON),
#    the raw bytes of the netlink dump, /proc/net/xnet/*, sysctls, sysfs;
#  - net.xnet.secure takes 0..2 and refuses 3;
#  - a netns deleted with keys in it.
source "$(dirname "$0")/lib.sh"

NLDUMP=$HERE/xnet_nldump
[ -x "$NLDUMP" ] || { echo "# FAIL: $NLDUMP not built"; exit 1; }
require_cmds unshare sysctl od

N=xk-$$
N2=xk2-$$
ns_create "$N" "$N2"
ip -n "$N" link add d0 type veth peer name d1
ip -n "$N" link set d0 up

# two keys and their fingerprints, computed off-line:
# HMAC-SHA256(key, "xnet fingerprint"), first 8 bytes
K1=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
F1=26e7589c3409ef91
K2=5eadbeef5eadbeef5eadbeef5eadbeef5eadbeef5eadbeef5eadbeef5eadbeef
F2=2665335931441d8c

x() { nsx "$N" xnetctl "$@"; }
unpriv() { nsx "$N" "$XECHO" nobody "$@"; }
nkeys() { x key show | tail -n +2 | grep -c .; }
# keyline ID: the text line of key ID
keyline() { x key show | awk -v id="$1" '$1 == id'; }
# fails CODE TEXT CMD...: CMD exits CODE and says TEXT on stderr
fails() {
	local code=$1 text=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && sed 's/^/#   /' <<<"$out"
	[ $rc = "$code" ] && grep -qi -- "$text" <<<"$out"
}

check "no key at first (text)" test "$(nkeys)" = 0
check "no key at first (JSON)" test "$(x -j key show)" = "[]"

# --- add, show --------------------------------------------------------
check "add a default key from hex" x key add 1 "$K1"
printf '%s\n' "$K2" >"$TMPD/k2"
chmod 600 "$TMPD/k2"
check "add a peer key from a file (mode 600: no warning)" \
	fails 0 '^$' x key add 2 "@$TMPD/k2" peer 10.0.9.2 dev d0 \
	alg chacha20poly1305
x key show | show
check "header names the columns" \
	test "$(x key show | head -1 | tr -s ' ')" = "id peer dev alg state use fingerprint"
check "key 1: default, any device, aes-gcm, active, unused, fingerprint" \
	test "$(keyline 1 | tr -s ' ')" = "1 default any aes-gcm active 0 $F1"
check "key 2: its peer, d0, chacha20poly1305, active, fingerprint" \
	test "$(keyline 2 | tr -s ' ')" = "2 10.0.9.2 d0 chacha20poly1305 active 0 $F2"

# rotation: a newer key for the same peer and device
check "add a newer key for the same peer" \
	x key add 3 "$K1" peer 10.0.9.2 dev d0
check "the older key is standby" \
	test "$(keyline 2 | awk '{print $5}')" = standby
check "the newer key is active" \
	test "$(keyline 3 | awk '{print $5}')" = active
check "the default key stays active" \
	test "$(keyline 1 | awk '{print $5}')" = active
x -j key show | show
J=$(x -j key show)
check "JSON: key 2 with every field" grep -q \
	"{\"id\":2,\"peer\":\"10.0.9.2\",\"dev\":\"d0\",\"alg\":\"chacha20poly1305\",\"state\":\"standby\",\"use\":0,\"fingerprint\":\"$F2\"}" \
	<<<"$J"
check "JSON: key 1 default/any" grep -q \
	"{\"id\":1,\"peer\":\"default\",\"dev\":\"any\",\"alg\":\"aes-gcm\",\"state\":\"active\",\"use\":0,\"fingerprint\":\"$F1\"}" \
	<<<"$J"

# --- errors -------------------------------------------------------------
check "a duplicate ID: EEXIST" fails 1 "key exists: 1" x key add 1 "$K2"
check "and key 1 is unchanged" test "$(keyline 1 | awk '{print $7}')" = "$F1"
check "del of an unknown ID: ENOENT" fails 1 "no such key: 99" x key del 99
nsx "$N" sysctl -qw net.xnet.key_max=3
check "past net.xnet.key_max: ENOSPC" \
	fails 1 "key table full" x key add 4 "$K2"
nsx "$N" sysctl -qw net.xnet.key_max=256
check "63 hex digits refused" fails 2 "bad key" x key add 5 "${K1:1}"
check "65 hex digits refused" fails 2 "bad key" x key add 5 "${K1}0"
check "a non-hex digit refused" fails 2 "bad key" x key add 5 "${K1:1}g"
check "a bad ID refused" fails 2 "bad key ID" x key add -1 "$K1"
check "an unknown alg refused" fails 2 "bad alg" x key add 5 "$K1" alg des
printf '%s\n\n' "$K2" >"$TMPD/bad1"
printf '%s x\n' "$K2" >"$TMPD/bad2"
printf '%s' "${K2:2}" >"$TMPD/bad3"
head -c 32 /dev/zero >"$TMPD/bad4"
: >"$TMPD/bad5"
chmod 600 "$TMPD"/bad*
for f in bad1 bad2 bad3 bad4 bad5; do
	check "key file $f refused" fails 2 "bad key file" \
		x key add 5 "@$TMPD/$f"
done
check "a missing key file" fails 1 "cannot open key file" \
	x key add 5 "@$TMPD/nosuch"
printf '%s' "$K2" >"$TMPD/k2nl"	# no newline: fine too
chmod 644 "$TMPD/k2nl"
check "a world-readable key file is used, with a warning" \
	fails 0 "readable by every user" x key add 5 "@$TMPD/k2nl"
check "no such device" fails 1 "no such device" \
	x key add 6 "$K2" dev nosuch0
ci=$(counter "$N" ConfigInvalid)
check "a broadcast peer: EINVAL" fails 1 "invalid argument" \
	x key add 6 "$K2" peer 255.255.255.255
check_delta "$N" ConfigInvalid "$ci" -eq 1
check "four keys after all that" test "$(nkeys)" = 4

# --- privileges ---------------------------------------------------------
cr=$(counter "$N" ConfigRefused)
check "unprivileged key add: EPERM" \
	fails 1 "permission denied" unpriv xnetctl key add 7 "$K2"
check "unprivileged key del: EPERM" \
	fails 1 "permission denied" unpriv xnetctl key del 1
check "root of a child user namespace: EPERM" \
	fails 1 "permission denied" nsx "$N" unshare -U -r xnetctl key add 7 "$K2"
check_delta "$N" ConfigRefused "$cr" -eq 3
check "nothing changed" test "$(nkeys)" = 4
check "unprivileged key show works" \
	bash -c "ip netns exec $N $XECHO nobody xnetctl key show | grep -q $F1"
check "root of a user namespace owns the netns it creates" \
	unshare -U -r -n sh -c "xnetctl key add 7 $K2 && xnetctl key show | grep -q $F2"

# --- no key bytes anywhere ----------------------------------------------
# key_absent WHAT TEXT: TEXT holds neither key in hex (either case)
key_absent() {
	local t=${2,,}
	[[ $t != *$K1* && $t != *$K2* ]] || { log "$1 holds a key"; return 1; }
}
dump=$(nsx "$N" "$NLDUMP")
check "the raw netlink dump ended" test $? = 0
check "the raw dump carries the keys (fingerprints)" \
	bash -c "grep -q $F1 <<<'$dump' && grep -q $F2 <<<'$dump'"
check "but no key bytes" key_absent "the netlink dump" "$dump"
check "not in key show" key_absent "key show" "$(x key show)"
check "not in key show -j" key_absent "key show -j" "$(x -j key show)"
check "not in stats" key_absent "stats" "$(x -j stats)"
check "not in /proc/net/xnet" key_absent /proc/net/xnet \
	"$(nsx "$N" bash -c 'cat /proc/net/xnet/* 2>/dev/null | od -An -tx1 | tr -d " \n"; cat /proc/net/xnet/*' 2>/dev/null)"
check "not in the sysctls" key_absent /proc/sys/net/xnet \
	"$(nsx "$N" sysctl -a 2>/dev/null | grep xnet)"
check "not in sysfs" key_absent /sys/module/xnet \
	"$(grep -rsa . /sys/module/xnet 2>/dev/null | tr -d '\0')"

# --- net.xnet.secure ----------------------------------------------------
for v in 0 1 2; do
	check "secure=$v accepted" nsx "$N" sysctl -qw net.xnet.secure=$v
	check "secure reads $v" test "$(nsx "$N" sysctl -n net.xnet.secure)" = $v
done
check_not "secure=3 refused" nsx "$N" sysctl -qw net.xnet.secure=3 2>/dev/null
check_not "secure=-1 refused" nsx "$N" sysctl -qw net.xnet.secure=-1 2>/dev/null
check "secure still 2" test "$(nsx "$N" sysctl -n net.xnet.secure)" = 2
nsx "$N" sysctl -qw net.xnet.secure=0

# --- deletion -----------------------------------------------------------
for id in 1 2 3 5; do
	check "del key $id" x key del $id
done
check "no key left" test "$(nkeys)" = 0
check "del again: ENOENT" fails 1 "no such key" x key del 1

# a netns with keys in it goes away (they are wiped at its exit)
check "keys in a second netns" nsx "$N2" xnetctl key add 1 "$K1"
check "its own table" test "$(nsx "$N2" xnetctl key show | tail -n +2 | grep -c .)" = 1
check "not in the first" test "$(nkeys)" = 0
ns_del "$N2"
finish

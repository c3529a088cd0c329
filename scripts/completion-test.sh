#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/xnetctl/bash-completion on the host (make lint): sources it, sets
# COMP_WORDS/COMP_CWORD as bash does for a command line, calls _xnetctl
# and compares COMPREPLY. `ip` is a function here, so the interface and
# netns names are the test's own. Exit 1 if any case differs.
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
source "$root/tools/xnetctl/bash-completion" || exit 1
complete -p xnetctl >/dev/null || { echo "completion: not registered"; exit 1; }

# shellcheck disable=SC2317  # called by the completion
ip() {
	case "$*" in
	"netns list") printf 'blue (id: 0)\nred\n' ;;
	"-o link show") printf '1: lo: <LOOPBACK>\n2: eth0@if5: <UP>\n3: veth-a: <UP>\n' ;;
	"-n red -o link show") printf '1: lo: <LOOPBACK>\n7: r0: <UP>\n' ;;
	*) return 1 ;;
	esac
}

fail=0
# expect "WANTED REPLIES" WORD... : the cursor at the last word
expect() {
	local want=$1 got
	shift
	COMP_WORDS=(xnetctl "$@")
	COMP_CWORD=$#
	COMP_LINE="xnetctl $*"
	_xnetctl
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
	want=$(tr ' ' '\n' <<<"$want" | sort | xargs)
	if [ "$got" = "$want" ]; then
		echo "ok: xnetctl $* -> $got"
	else
		echo "FAIL: xnetctl $*<TAB>: got '$got', want '$want'"
		fail=1
	fi
}

expect "addr neigh route stats sockets key monitor help" ""
expect "stats sockets" s
expect "monitor" m
expect "--netns" --n
expect "blue red" -n ""
expect "red" --netns r
expect "add del show dev help" a ""
expect "show" a s
expect "flush" n f
expect "get" ro g
expect "add del show help" k ""
expect "via dev metric" route add 10.0.0.0/8 ""
expect "from oif" ro g 10.0.0.1 ""
expect "lo eth0 veth-a" addr add 10.0.0.1/24 dev ""
expect "veth-a" addr show dev v
expect "lo r0" -n red neigh show dev ""
expect "dev to" neigh flush ""
expect "peer dev alg" key add 1 K ""
expect "aes-gcm chacha20poly1305" key add 1 K alg ""
expect "-i -p -l -a -t -d -S state sport dport help" sockets ""
expect "-i -p -l -a -t -d -S state sport dport" ss -i ""
expect "all addr neigh route key help" monitor ""
expect "neigh" mon addr n
expect "all addr neigh route key" monitor addr ""
expect "established" sockets state est
expect "" s ""
expect "" addr add 10.0.0.1 via ""
expect "-j" -j -j
expect "--json" -p --js
exit $fail

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xnetctl's ip-like argument parsing on the host (make lint's toolslint):
# usage errors exit 2 with their one message, before any netlink; words
# that name something (prefixes of one name only) are not usage errors.
# Needs no module: a command that gets past parsing may exit 1 (module
# not loaded) or, with the module loaded, 0; monitor runs under timeout.
root=$(cd "$(dirname "$0")/.." && pwd)
X=$root/tools/xnetctl/xnetctl
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xnetctl-args.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0

# usage WANTED-MESSAGE ARG...: exit 2, stderr exactly "xnetctl: MESSAGE"
usage() {
	local want=$1 err rc
	shift
	err=$(timeout 10 "$X" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc = 2 ] && [ "$err" = "xnetctl: $want" ]; then
		echo "ok: xnetctl $* -> 2: $want"
	else
		echo "FAIL: xnetctl $*: exit $rc, '$err'; want 2, 'xnetctl: $want'"
		fail=1
	fi
}

# parses ARG...: not a usage error (any exit but 2)
parses() {
	local err rc
	err=$(timeout 3 "$X" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc != 2 ]; then
		echo "ok: xnetctl $* parses (exit $rc)"
	else
		echo "FAIL: xnetctl $*: a usage error: $err"
		fail=1
	fi
}

usage "ambiguous object 's': stats, sockets" s
usage "unknown object:  (try --help)" ""
usage "ambiguous command 'd': del, dev" a d
usage "bad netns name: ''" -n "" a
usage "bad netns name: '../x'" -n ../x a
usage "option -n needs a value" -n
usage "unknown option: --bogus (try --help)" --bogus
usage "missing command (try --help)" --
usage "unknown monitor object: zz (all, addr, neigh, route, key)" monitor addr zz
parses monitor ne a
printf '%02000d\nstats\n' 0 >"$tmp/long"
usage "$tmp/long:1: line too long" -b "$tmp/long"
parses a s
parses ro
parses monitor ne
parses monitor addr ne ro k al
parses -- a s
if "$X" a help | grep -q '^  addr add ' && ! "$X" a help | grep -q '^  route'; then
	echo "ok: xnetctl a help: addr's commands only"
else
	echo "FAIL: xnetctl a help"
	fail=1
fi
exit $fail

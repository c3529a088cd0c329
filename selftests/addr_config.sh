#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Address configuration through xnetctl (generic netlink):
#  - any Ethernet-type device, up or down: veth, dummy, bridge; not lo;
#  - several addresses per device, each bindable; deleting one keeps the
#    others; errors for duplicates, reserved addresses, unknown devices,
#    deleting what is not there;
#  - a renamed device is listed under its new name;
#  - changing addresses needs CAP_NET_ADMIN, reading them does not;
#    binding below 1024 needs CAP_NET_BIND_SERVICE.
source "$(dirname "$0")/lib.sh"

N=xa-$$
ns_create "$N"
ip -n "$N" link add d0 type veth peer name d1	# both left down
modprobe dummy 2>/dev/null
ip -n "$N" link add dm0 type dummy || fail "dummy device"
ip -n "$N" link set dm0 up
ip -n "$N" link add br0 type bridge || fail "bridge device"
ip -n "$N" link set br0 up

x() { nsx "$N" xnetctl "$@"; }
bind_as() {	# bind_as ADDR:PORT EXPECT
	nsx "$N" "$XECHO" bind -b "$1" -x "$2"
}

check "add to a down veth" x addr add 10.0.8.1 dev d0
check "add to a dummy" x addr add 10.0.8.2 dev dm0
check "add to a bridge" x addr add 10.0.8.3 dev br0
check_not "add to lo is refused" x addr add 10.0.8.4 dev lo
check_not "add to a missing device is refused" x addr add 10.0.8.5 dev nosuch0
check_not "add a duplicate on another device is refused" \
	x addr add 10.0.8.2 dev d0
check_not "add a duplicate on the same device is refused" \
	x addr add 10.0.8.1 dev d0
check_not "0.0.0.0 is refused" x addr add 0.0.0.0 dev d0
check_not "255.255.255.255 is refused" x addr add 255.255.255.255 dev d0
x addr show | show
check "addr show lists 3 addresses" test "$(x addr show | grep -c xnet)" = 3
check "listed on d0" bash -c "ip netns exec $N xnetctl addr show | grep -w d0 | grep -qw 10.0.8.1"
check "listed on dm0" bash -c "ip netns exec $N xnetctl addr show | grep -w dm0 | grep -qw 10.0.8.2"
check "listed on br0" bash -c "ip netns exec $N xnetctl addr show | grep -w br0 | grep -qw 10.0.8.3"
check "addr show dev dm0 lists only dm0's" \
	test "$(x addr show dev dm0 | grep -c xnet)" = 1
check "JSON lists them" bash -c "ip netns exec $N xnetctl -j addr show | grep -q '10.0.8.3'"
check_out "bind to the address of a down device" bind_as 10.0.8.1:100 OK
check_out "bind to the dummy's address" bind_as 10.0.8.2:100 OK

# several addresses on one device
check "second address on dm0" x addr add 10.0.8.20 dev dm0
check "third address on dm0" x addr add 10.0.8.21 dev dm0
check "dm0 has 3 addresses" test "$(x addr show dev dm0 | grep -c xnet)" = 3
check_out "bind 10.0.8.20" bind_as 10.0.8.20:200 OK
check_out "bind 10.0.8.21" bind_as 10.0.8.21:200 OK
check "delete 10.0.8.20" x addr del 10.0.8.20 dev dm0
check_out "bind the deleted address: EADDRNOTAVAIL" \
	bind_as 10.0.8.20:200 EADDRNOTAVAIL
check_out "the others still bindable" bind_as 10.0.8.21:200 OK
check_not "delete it again is refused" x addr del 10.0.8.20 dev dm0
check_not "delete from the wrong device is refused" x addr del 10.0.8.21 dev d0
check "dm0 has 2 addresses" test "$(x addr show dev dm0 | grep -c xnet)" = 2

# rename
ip -n "$N" link set dm0 down
ip -n "$N" link set dm0 name dm9 || fail "rename dm0"
ip -n "$N" link set dm9 up
check "listed under the new name" bash -c "ip netns exec $N xnetctl addr show | grep -w dm9 | grep -qw 10.0.8.21"
check_not "not under the old name" bash -c "ip netns exec $N xnetctl addr show | grep -qw dm0"
check "delete by the new name" x addr del 10.0.8.21 dev dm9

# privileges (uid 65534, no capabilities)
unpriv() { nsx "$N" "$XECHO" nobody "$@"; }
check "the helper drops to uid 65534" \
	test "$(unpriv cat /proc/self/status | awk '/^Uid:/ {print $2}')" = 65534
check_not "unprivileged addr add is refused" \
	unpriv xnetctl addr add 10.0.8.30 dev d0
check_not "and changed nothing" addr_has "$N" 10.0.8.30
check_not "unprivileged addr del is refused" \
	unpriv xnetctl addr del 10.0.8.1 dev d0
check "and changed nothing" addr_has "$N" 10.0.8.1
check "unprivileged neigh flush is refused" \
	bash -c "! ip netns exec $N $XECHO nobody xnetctl neigh flush"
check "unprivileged addr show works" \
	bash -c "ip netns exec $N $XECHO nobody xnetctl addr show | grep -qw 10.0.8.1"
check "unprivileged stats work" \
	bash -c "ip netns exec $N $XECHO nobody xnetctl stats | grep -q '^InPackets '"
check_out "unprivileged bind to port 80: EACCES" \
	unpriv "$XECHO" bind -b 10.0.8.1:80 -x EACCES
check_out "unprivileged bind to port 1024 works" \
	unpriv "$XECHO" bind -b 10.0.8.1:1024

# deleting every address leaves nothing listed
x addr del 10.0.8.1 dev d0 || fail "del 10.0.8.1"
x addr del 10.0.8.2 dev dm9 || fail "del 10.0.8.2"
x addr del 10.0.8.3 dev br0 || fail "del 10.0.8.3"
check "no address left" test -z "$(x addr show)"
check "no socket left" test "$(proc_entries "$N" sockets)" = 0
finish

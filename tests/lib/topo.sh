# shellcheck shell=bash
# Test topology in network namespaces: sourced by the e2e, gVisor and bench
# scripts. Everything is made inside namespaces named "$TOPO_ID-*", and
# topo_cleanup (installed as an EXIT trap by topo_init) removes all of it,
# also when a test fails half-way.
#
#   node netns "$TOPO_ID-node": the cluster/node side. A bridge br0 with
#     192.0.2.1/24 (the pods' gateway); ip_forward=1 here only.
#   internet host "$TOPO_ID-inet": 203.0.113.10/24, default via 203.0.113.1
#     (the node). No NAT anywhere: it sees the true source address.
#   worker N "$TOPO_ID-wN": the worker pod netns. eth0 = 192.0.2.(10+N)/24,
#     default via 192.0.2.1. Its eth0 is a veth whose other end is on br0.
#   actor netns "$TOPO_ID-a-NAME": empty (lo only), for `ateomnet up --netns`.
#
# IPv6 (issue 10), added on top by the *6 functions; every address is
# `nodad` (no tentative window), link-locals too (a router solicits the
# neighbours it forwards to from its link-local, and waits while that is
# tentative: ~2 s of lost packets on a fresh topology), only routers forward:
#   topo_node6: br0 2001:db8::1/64 (the pods' IPv6 gateway); the internet
#     host 2001:db8:ff::1/64 (IPv6 default via the node, 2001:db8:ff::fe).
#   topo_worker6 N: worker N's eth0 also gets 2001:db8::(10+N)/64
#     (dual-stack); topo_worker6_only N: a worker with IPv6 only.
#   topo_far6: a host 2001:db8:f1::1 behind router netns "$TOPO_ID-rtr"
#     whose routes between the node and the far host have MTU 1280 (both
#     ends of every link keep 1500): the router sends Packet Too Big.

TOPO_GW=192.0.2.1
TOPO_INET=203.0.113.10
TOPO_PIDS=()

topo_pod_ip() { echo "192.0.2.$((10 + $1))"; }

TOPO_GW6=2001:db8::1
TOPO_INET6=2001:db8:ff::1
TOPO_FAR6=2001:db8:f1::1
topo_pod_ip6() { echo "2001:db8::$((10 + $1))"; }

# topo_init PREFIX: pick a unique id and install the cleanup trap.
topo_init() {
	TOPO_ID="${1:-atn}$$"
	TOPO_ID="${TOPO_ID:0:10}"   # keeps "$TOPO_ID-a-NAME" short
	trap topo_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Runs a command in one of our namespaces. nsenter switches only the netns:
# `ip netns exec` also remounts /sys, which hides the shared bpffs at
# /sys/fs/bpf, so pins made under it would vanish with the command.
in_ns() { local ns="$1"; shift; nsenter --net="/run/netns/$TOPO_ID-$ns" "$@"; }

topo_node() {
	ip netns add "$TOPO_ID-node"
	ip netns add "$TOPO_ID-inet"
	in_ns node ip link set lo up
	in_ns node sysctl -qw net.ipv4.ip_forward=1
	in_ns node ip link add br0 type bridge
	in_ns node ip addr add "$TOPO_GW/24" dev br0
	in_ns node ip link set br0 up
	in_ns node ip link add inet type veth peer name eth0 netns "$TOPO_ID-inet"
	in_ns node ip addr add 203.0.113.1/24 dev inet
	in_ns node ip link set inet up
	in_ns inet ip link set lo up
	in_ns inet ip addr add "$TOPO_INET/24" dev eth0
	in_ns inet ip link set eth0 up
	in_ns inet ip route add default via 203.0.113.1
}

# topo_worker N: worker pod netns with its eth0 on the node bridge.
topo_worker() {
	local n="$1" ns="$TOPO_ID-w$1"
	ip netns add "$ns"
	in_ns "w$n" ip link set lo up
	in_ns node ip link add "w$n" type veth peer name eth0 netns "$ns"
	in_ns node ip link set "w$n" master br0 up
	in_ns "w$n" ip addr add "$(topo_pod_ip "$n")/24" dev eth0
	in_ns "w$n" ip link set eth0 up
	in_ns "w$n" ip route add default via "$TOPO_GW"
}

# ---- IPv6 ------------------------------------------------------------------
# topo_ll_nodad NS DEV...: no DAD on DEV from now on, and its link-local (if
# it has one yet) made again without DAD.
topo_ll_nodad() {
	local ns="$1" dev ll
	shift
	for dev in "$@"; do
		in_ns "$ns" sysctl -qw "net.ipv6.conf.$dev.accept_dad=0"
		for ll in $(in_ns "$ns" ip -6 -o addr show dev "$dev" scope link tentative | awk '{print $4}'); do
			in_ns "$ns" ip addr del "$ll" dev "$dev"
			in_ns "$ns" ip addr add "$ll" dev "$dev" nodad
		done
	done
}

# topo_node6: IPv6 on the node (a router: forwarding here only) and on the
# internet host. After topo_node.
topo_node6() {
	in_ns node sysctl -qw net.ipv6.conf.all.forwarding=1
	in_ns node sysctl -qw net.ipv6.conf.default.accept_dad=0 # later bridge ports
	topo_ll_nodad node br0 inet
	topo_ll_nodad inet eth0
	in_ns node ip addr add "$TOPO_GW6/64" dev br0 nodad
	in_ns node ip addr add 2001:db8:ff::fe/64 dev inet nodad
	in_ns inet ip addr add "$TOPO_INET6/64" dev eth0 nodad
	in_ns inet ip -6 route add default via 2001:db8:ff::fe
}

# topo_worker6 N: worker N (after topo_worker N) becomes dual-stack.
topo_worker6() {
	topo_ll_nodad "w$1" eth0
	topo_ll_nodad node "w$1"
	in_ns "w$1" ip addr add "$(topo_pod_ip6 "$1")/64" dev eth0 nodad
	in_ns "w$1" ip -6 route add default via "$TOPO_GW6"
}

# topo_worker6_only N: worker N with IPv6 only on its eth0.
topo_worker6_only() {
	local n="$1" ns="$TOPO_ID-w$1"
	ip netns add "$ns"
	in_ns "w$n" ip link set lo up
	in_ns node ip link add "w$n" type veth peer name eth0 netns "$ns"
	in_ns node ip link set "w$n" master br0 up
	in_ns "w$n" ip link set eth0 up
	topo_worker6 "$n"
}

# topo_far6: the far host behind the 1280-MTU hop (after topo_node6).
# Route MTUs, not link MTUs: with 1500 on both ends of every veth, TCP's
# MSS says 1440 and only the router's Packet Too Big can tell either end.
topo_far6() {
	local d
	ip netns add "$TOPO_ID-rtr"
	ip netns add "$TOPO_ID-far"
	in_ns rtr ip link set lo up
	in_ns far ip link set lo up
	in_ns rtr sysctl -qw net.ipv6.conf.all.forwarding=1
	in_ns node ip link add rtr type veth peer name up0 netns "$TOPO_ID-rtr"
	in_ns rtr ip link add far0 type veth peer name eth0 netns "$TOPO_ID-far"
	for d in rtr:up0 rtr:far0 far:eth0 node:rtr; do topo_ll_nodad "${d%%:*}" "${d#*:}"; done
	in_ns node ip addr add 2001:db8:f0::1/64 dev rtr nodad
	in_ns node ip link set rtr up
	in_ns rtr ip addr add 2001:db8:f0::2/64 dev up0 nodad
	in_ns rtr ip addr add 2001:db8:f1::fe/64 dev far0 nodad
	in_ns rtr ip link set up0 up
	in_ns rtr ip link set far0 up
	in_ns far ip addr add "$TOPO_FAR6/64" dev eth0 nodad
	in_ns far ip link set eth0 up
	in_ns far ip -6 route add default via 2001:db8:f1::fe
	in_ns node ip -6 route add 2001:db8:f1::/64 via 2001:db8:f0::2
	# The hop: both directions forwarded at 1280.
	in_ns rtr ip -6 route add "$TOPO_FAR6/128" dev far0 mtu 1280
	in_ns rtr ip -6 route add default via 2001:db8:f0::1 mtu 1280
}

# topo_actor NAME: an empty actor netns; prints its path.
topo_actor() {
	ip netns add "$TOPO_ID-a-$1"
	echo "/run/netns/$TOPO_ID-a-$1"
}

# topo_pin_dir NAME: a unique bpffs pin dir. Usable as PIN=$(topo_pin_dir x):
# cleanup finds every "/sys/fs/bpf/$TOPO_ID-*" by name, not by a list that a
# subshell could not extend.
topo_pin_dir() { echo "/sys/fs/bpf/$TOPO_ID-$1"; }

topo_track_pid() { TOPO_PIDS+=("$1"); }

topo_cleanup() {
	local rc=$? ns pid d
	set +e # best effort: one failed step must not skip the rest
	for pid in "${TOPO_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$TOPO_ID-"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	for d in /sys/fs/bpf/"$TOPO_ID"-*; do [ -e "$d" ] && rm -rf "$d"; done
	return $rc
}

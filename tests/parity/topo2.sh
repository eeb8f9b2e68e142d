# shellcheck shell=bash
# The parity suite's topology: topo.sh's node and worker, but the internet
# host is two router hops away from the node, and the hop between the two
# routers has MTU 1280. Sourced after tests/lib/topo.sh. Routers are plain
# netns with ip_forward=1 and the kernel's own ICMP (Time Exceeded, Port
# Unreachable, Fragmentation Needed); documentation ranges only.
#
#   worker w1 192.0.2.11 --- br0 192.0.2.1 [node] 198.51.100.1
#                                                 |  MTU 1500
#                                   198.51.100.2 [r1] 198.51.100.5
#                                                 |  MTU 1280
#                                   198.51.100.6 [r2] 203.0.113.1
#                                                 |  MTU 1500
#                       [inet] 203.0.113.10 and 203.0.113.11 (STUN)
#
# A traceroute from an actor on w1 to 203.0.113.10 sees: the actor's
# gateway 10.200.0.1, the node, r1, r2, the internet host.

# The hops of an actor's traceroute to 203.0.113.10, in order (the last
# is the destination: mode.sh swaps it for the second address).
# shellcheck disable=SC2034 # read by mode.sh
TOPO2_HOPS="10.200.0.1 192.0.2.1 198.51.100.2 198.51.100.6 203.0.113.10"
TOPO2_INET2=203.0.113.11
TOPO2_MTU=1280

# topo2_link A IFA ADDRA B IFB ADDRB [MTU]: a veth between netns A and B
# (each end named after the netns it leads to).
topo2_link() {
	local a="$1" ifa="$2" addra="$3" b="$4" ifb="$5" addrb="$6" mtu="${7:-1500}"
	in_ns "$a" ip link add "$ifa" mtu "$mtu" type veth peer name "$ifb" mtu "$mtu" netns "$TOPO_ID-$b"
	in_ns "$a" ip addr add "$addra" dev "$ifa"
	in_ns "$b" ip addr add "$addrb" dev "$ifb"
	in_ns "$a" ip link set "$ifa" up
	in_ns "$b" ip link set "$ifb" up
}

# topo2_router NAME: a netns that forwards.
topo2_router() {
	ip netns add "$TOPO_ID-$1"
	in_ns "$1" ip link set lo up
	in_ns "$1" sysctl -qw net.ipv4.ip_forward=1
}

# topo2_net: node, r1, r2, inet (workers come from topo_worker as usual).
topo2_net() {
	topo2_router node
	topo2_router r1
	topo2_router r2
	ip netns add "$TOPO_ID-inet"
	in_ns inet ip link set lo up
	in_ns node ip link add br0 type bridge
	in_ns node ip addr add "$TOPO_GW/24" dev br0
	in_ns node ip link set br0 up
	topo2_link node r1 198.51.100.1/30 r1 node 198.51.100.2/30
	topo2_link r1 r2 198.51.100.5/30 r2 r1 198.51.100.6/30 "$TOPO2_MTU"
	# shellcheck disable=SC2153 # TOPO_INET comes from topo.sh
	topo2_link r2 inet 203.0.113.1/24 inet eth0 "$TOPO_INET/24"
	in_ns inet ip addr add "$TOPO2_INET2/24" dev eth0
	in_ns node ip route add default via 198.51.100.2
	in_ns r1 ip route add 192.0.2.0/24 via 198.51.100.1
	in_ns r1 ip route add default via 198.51.100.6
	in_ns r2 ip route add 192.0.2.0/24 via 198.51.100.5
	in_ns r2 ip route add 198.51.100.0/30 via 198.51.100.5
	in_ns inet ip route add default via 203.0.113.1
}

#!/bin/bash
# The seed's nftables compatibility bridge, kept as the baseline that
# ateomnet replaces: the same veth pair, addresses and MACs as `ateomnet up`,
# but the kernel routes between them (ip_forward=1) and nftables does the NAT
# (conntrack): masquerade actor egress behind the pod IP, DNAT pod IP:port to
# the actor, forward accept. Run it inside the worker netns, like ateomnet:
#
#   nft-bridge.sh up --netns PATH [--veth ateom0] [--pod-if eth0]
#       [--worker-addr 10.200.0.1/30] [--actor-addr 10.200.0.2/30]
#       [--expose PORT[:ACTORPORT][/tcp|/udp]]...
#   nft-bridge.sh down [--veth ateom0]
#
# IPv6 (issue 10): when the pod interface has a global IPv6 address, the
# IPv6 half too, as the upstream controller's dual-stack veth does: the
# actor gets fd00:169:254::2/126 (no DAD, no link-local) and a default route
# via ::1 on the veth, the worker forwards IPv6, and an `inet` table
# masquerades and DNATs IPv6 (the IPv4 table stays as it was).
#
# PATH is /run/netns/NAME or /proc/PID/ns/net. Few processes on purpose (one
# `ip -batch` per netns, one `nft -f`): the activation benchmark times this
# as the fair ip+nft equivalent of `ateomnet up`.
set -euo pipefail

GW_MAC=02:a7:e0:00:00:01    # include/ateomnet.h ATEOM_GW_MAC
ACTOR_MAC=02:a7:e0:00:00:02 # ATEOM_ACTOR_MAC

die() { echo "nft-bridge: $*" >&2; exit 1; }
usage() {
	cat >&2 <<-EOF
	usage: nft-bridge.sh up --netns PATH [--veth ateom0] [--pod-if eth0]
	           [--worker-addr CIDR] [--actor-addr CIDR] [--expose PORT[:ACTORPORT][/tcp|/udp]]...
	       nft-bridge.sh down [--veth ateom0]
	EOF
	exit 2
}

verb="${1:-}"
[ $# -gt 0 ] && shift
netns="" veth=ateom0 pod_if=eth0 waddr=10.200.0.1/30 aaddr=10.200.0.2/30
expose=()
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case "$1" in
	--netns) netns="$2" ;;
	--veth) veth="$2" ;;
	--pod-if) pod_if="$2" ;;
	--worker-addr) waddr="$2" ;;
	--actor-addr) aaddr="$2" ;;
	--expose) expose+=("$2") ;;
	*) usage ;;
	esac
	shift 2
done
table="ateom_$veth"

case "$verb" in
down)
	nft delete table ip "$table" 2>/dev/null || true
	nft delete table inet "${table}_6" 2>/dev/null || true
	ip link del "$veth" 2>/dev/null || true
	# The seed turned forwarding on for the bridge; turn it off with it so
	# the next mode starts from a worker netns that is not a router.
	echo 0 >/proc/sys/net/ipv4/ip_forward
	echo 0 >/proc/sys/net/ipv6/conf/all/forwarding
	exit 0 ;;
up) ;;
*) usage ;;
esac

# `ip link ... netns X` takes a name under /run/netns or a PID.
case "$netns" in
/run/netns/*) target="${netns#/run/netns/}" ;;
/proc/[0-9]*/ns/net) target="${netns#/proc/}"; target="${target%%/*}" ;;
*) die "--netns must be /run/netns/NAME or /proc/PID/ns/net" ;;
esac
[ "${#expose[@]}" -gt 0 ] || expose=(80/tcp)

# One `ip` call for both (the activation benchmark counts forks). Not
# /sys/class/net: under nsenter that still shows the root netns.
link=$(ip -4 addr show dev "$pod_if" 2>/dev/null) || die "no interface $pod_if"
[[ $link =~ mtu\ ([0-9]+) ]] || die "cannot read the MTU of $pod_if"
mtu="${BASH_REMATCH[1]}"
[[ $link =~ inet\ ([0-9.]+)/ ]] || die "$pod_if has no IPv4 address"
pod_ip="${BASH_REMATCH[1]}"
link6=$(ip -6 addr show dev "$pod_if" scope global 2>/dev/null) || true
pod_ip6=""
[[ $link6 =~ inet6\ ([0-9a-f:]+)/ ]] && pod_ip6="${BASH_REMATCH[1]}"
waddr6=fd00:169:254::1/126 aaddr6=fd00:169:254::2/126

# IPv6 half: the actor's eth0 gets no link-local (addrgenmode before it
# comes up). The worker's veth keeps its link-local, without DAD: a router
# solicits the neighbours it forwards to from its link-local (none: no
# solicitation at all), and while that address is tentative it waits, so
# every IPv6 packet to the actor was held ~2 s after `up`.
genmode="" up_w="link set $veth up"
if [ -n "$pod_ip6" ]; then
	genmode="link set eth0 addrgenmode none"
	up_w=""
fi

# Build the DNAT rules, one per exposed port.
dnat="" dnat6=""
for e in "${expose[@]}"; do
	proto=tcp
	case "$e" in */udp) proto=udp ;; */tcp) ;; */*) die "bad --expose $e" ;; esac
	e="${e%/*}"
	port="${e%%:*}" aport="${e#*:}"
	dnat+="		iifname \"$pod_if\" ip daddr $pod_ip $proto dport $port dnat to ${aaddr%/*}:$aport"$'\n'
	dnat6+="		iifname \"$pod_if\" ip6 daddr $pod_ip6 $proto dport $port dnat ip6 to [${aaddr6%/*}]:$aport"$'\n'
done

ip -batch - <<EOF
link add $veth mtu $mtu address $GW_MAC type veth peer name eth0 mtu $mtu address $ACTOR_MAC netns $target
addr add $waddr dev $veth
$up_w
EOF
if [ -n "$pod_ip6" ]; then
	echo 0 >"/proc/sys/net/ipv6/conf/$veth/accept_dad"
	ip link set "$veth" up
fi
nsenter --net="$netns" ip -batch - <<EOF
link set lo up
$genmode
addr add $aaddr dev eth0
link set eth0 up
route add default via ${waddr%/*}
EOF
nft -f - <<EOF
table ip $table {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
$dnat	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		iifname "$veth" oifname "$pod_if" masquerade
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "$veth" oifname "$pod_if" accept
		iifname "$pod_if" oifname "$veth" accept
	}
}
EOF
echo 1 >/proc/sys/net/ipv4/ip_forward
[ -n "$pod_ip6" ] || exit 0

# The IPv6 half.
ip -6 addr add "$waddr6" dev "$veth" nodad
nsenter --net="$netns" ip -batch - <<EOF
addr add $aaddr6 dev eth0 nodad
route add default via ${waddr6%/*} dev eth0
EOF
nft -f - <<EOF
table inet ${table}_6 {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
$dnat6	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		iifname "$veth" oifname "$pod_if" meta nfproto ipv6 masquerade
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "$veth" oifname "$pod_if" accept
		iifname "$pod_if" oifname "$veth" accept
	}
}
EOF
echo 1 >/proc/sys/net/ipv6/conf/all/forwarding

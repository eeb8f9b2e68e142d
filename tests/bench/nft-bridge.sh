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
	ip link del "$veth" 2>/dev/null || true
	# The seed turned forwarding on for the bridge; turn it off with it so
	# the next mode starts from a worker netns that is not a router.
	echo 0 >/proc/sys/net/ipv4/ip_forward
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

# Build the DNAT rules, one per exposed port.
dnat=""
for e in "${expose[@]}"; do
	proto=tcp
	case "$e" in */udp) proto=udp ;; */tcp) ;; */*) die "bad --expose $e" ;; esac
	e="${e%/*}"
	port="${e%%:*}" aport="${e#*:}"
	dnat+="		iifname \"$pod_if\" ip daddr $pod_ip $proto dport $port dnat to ${aaddr%/*}:$aport"$'\n'
done

ip -batch - <<EOF
link add $veth mtu $mtu address $GW_MAC type veth peer name eth0 mtu $mtu address $ACTOR_MAC netns $target
addr add $waddr dev $veth
link set $veth up
EOF
nsenter --net="$netns" ip -batch - <<EOF
link set lo up
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

# shellcheck shell=bash
# IPv6 in the gVisor e2e (issue 10), sourced by e2e-gvisor.sh; on with
# GVISOR_IPV6=1 (`make e2e-gvisor-ipv6`, in make test). Both workers are dual-stack
# (topo.sh's *6: pod IPv6 2001:db8::11 and ::12, the internet host
# 2001:db8:ff::1), so `ateomnet up` gives the actor fd00:169:254::2/126 and
# an IPv6 default route; the real runsc actor must reach the internet host
# over IPv6 as the pod's IPv6 and be reached on its exposed port over IPv6
# with the client's address kept, before the snapshot and after the restore
# on the other worker (whose pod IPv6 differs). gVisor needs no link-local
# address for it (docs/NOTES.md, "IPv6 tests").

GVISOR_IPV6=${GVISOR_IPV6:-0}
ACTOR6=fd00:169:254::2
# GET / requests a gv6_check adds to the actor's counter (0 without IPv6):
# the IPv4 steps' expected counts move by it.
V6_GETS=0
[[ "$GVISOR_IPV6" == 0 ]] || V6_GETS=1

# gv6_topo: the node, the internet host and both workers dual-stack.
gv6_topo() {
	[[ "$GVISOR_IPV6" != 0 ]] || return 0
	topo_node6
	topo_worker6 1
	topo_worker6 2
}

# ip_of ENDPOINT: the address of "IP:PORT" or "[IP6]:PORT".
ip_of() { local a="${1%:*}"; a="${a#[}"; echo "${a%]}"; }
port_of() { echo "${1##*:}"; }

# gv6_check WORKER: the actor behind WORKER's pod IPv6, both ways.
gv6_check() {
	[[ "$GVISOR_IPV6" != 0 ]] || return 0
	local w="$1" pod6 r n
	pod6=$(topo_pod_ip6 "${w#w}")
	r=$(get inet "$pod6" 80 "/egress?host=$TOPO_INET6&port=9000")
	check_eq "[IPv6] actor egress reaches the internet host [$TOPO_INET6] from pod IPv6 $pod6" \
		"$pod6" "$(ip_of "$(kv egress_src "$r")")" "$r"
	check_range "[IPv6] egress source port in the SNAT range" "$SNAT_LO" "$SNAT_HI" \
		"$(port_of "$(kv egress_src "$r")")" "$r"
	n=$(kv count "$r")
	r=$(get inet "$pod6" 80 /)
	check_eq "[IPv6] inbound [$pod6]:80 from the internet host: client IPv6 kept" \
		"$TOPO_INET6" "$(ip_of "$(kv peer "$r")")" "$r"
	check_eq "[IPv6] the actor sees itself as [$ACTOR6]:80" "[$ACTOR6]:80" "$(kv local "$r")" "$r"
	check_eq "[IPv6] the same actor memory (counter $n -> $((n + 1)))" "$((n + 1))" "$(kv count "$r")" "$r"
	r=$({ in_ns inet "$TESTSRV" get "$pod6" 80 "/bulk?bytes=4000000" 2>"$WORK/logs/bulk6.err" || true; } | wc -c)
	check_eq "[IPv6] 4 MB from the actor to the internet host" 4000000 "$r" "$(cat "$WORK/logs/bulk6.err")"
}

# standin6_up WORKER ACTOR: the stand-in's IPv6 half (nftables NAT66 in the
# worker, which forwards IPv6 then), the addresses ateomnet gives.
standin6_up() {
	[[ "$GVISOR_IPV6" != 0 ]] || return 0
	local w="$1" a="$2"
	ip -n "$TOPO_ID-a-$a" link set eth0 down
	ip -n "$TOPO_ID-a-$a" link set eth0 addrgenmode none
	ip -n "$TOPO_ID-a-$a" addr add "$ACTOR6/126" dev eth0 nodad
	ip -n "$TOPO_ID-a-$a" link set eth0 up
	ip -n "$TOPO_ID-a-$a" -6 route add default via fd00:169:254::1 dev eth0
	ip -n "$TOPO_ID-a-$a" -4 route replace default via 10.200.0.1
	in_ns "$w" ip addr add fd00:169:254::1/126 dev ateom0 nodad
	in_ns "$w" sysctl -qw net.ipv6.conf.all.forwarding=1
	in_ns "$w" nft -f - <<-EOF
		table ip6 ateom_standin6 {
			chain pre {
				type nat hook prerouting priority dstnat;
				iifname "eth0" tcp dport 80 dnat to [$ACTOR6]:80
			}
			chain post {
				type nat hook postrouting priority srcnat;
				oifname "eth0" ip6 saddr $ACTOR6 meta l4proto { tcp, udp } masquerade to :1024-32767
				oifname "eth0" ip6 saddr $ACTOR6 masquerade
			}
		}
	EOF
}

standin6_down() {
	[[ "$GVISOR_IPV6" != 0 ]] || return 0
	in_ns "$1" nft delete table ip6 ateom_standin6 2>/dev/null || true
	in_ns "$1" sysctl -qw net.ipv6.conf.all.forwarding=0
}

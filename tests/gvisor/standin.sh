# shellcheck shell=bash
# Stand-in for `ateomnet up/down`, with plain ip + nftables, used by
# e2e-gvisor.sh when GVISOR_NET=standin. It gives the actor netns the same
# view as the ateomnet CLI contract (veth ateom0 10.200.0.1/30 with MAC
# 02:a7:e0:00:00:01, actor eth0 10.200.0.2/30 with MAC 02:a7:e0:00:00:02,
# default route, SNAT behind the pod IP with ateomnet's default ports
# 1024-32767, DNAT of pod port 80 keeping the client IP), so a gVisor
# problem can be told apart from a datapath problem. Unlike ateomnet it makes the worker netns a router
# (ip_forward + nftables), and only there.

standin_up() { # standin_up WORKER(w1) ACTOR NETNS_PATH
	local w="$1" a="$2" anet="$3"
	in_ns "$w" ip link add ateom0 type veth peer name eth0 netns "$anet"
	in_ns "$w" ip link set ateom0 address 02:a7:e0:00:00:01
	in_ns "$w" ip addr add 10.200.0.1/30 dev ateom0
	in_ns "$w" ip link set ateom0 up
	ip -n "$TOPO_ID-a-$a" link set lo up
	ip -n "$TOPO_ID-a-$a" link set eth0 address 02:a7:e0:00:00:02
	ip -n "$TOPO_ID-a-$a" addr add 10.200.0.2/30 dev eth0
	ip -n "$TOPO_ID-a-$a" link set eth0 up
	ip -n "$TOPO_ID-a-$a" route add default via 10.200.0.1
	in_ns "$w" sysctl -qw net.ipv4.ip_forward=1
	in_ns "$w" nft -f - <<-'EOF'
		table ip ateom_standin {
			chain pre {
				type nat hook prerouting priority dstnat;
				iifname "eth0" tcp dport 80 dnat to 10.200.0.2:80
			}
			chain post {
				type nat hook postrouting priority srcnat;
				oifname "eth0" ip saddr 10.200.0.2 meta l4proto { tcp, udp } masquerade to :1024-32767
				oifname "eth0" ip saddr 10.200.0.2 masquerade
			}
		}
	EOF
}

standin_down() { # standin_down WORKER ACTOR
	local w="$1"
	in_ns "$w" ip link del ateom0 2>/dev/null || true
	in_ns "$w" nft delete table ip ateom_standin 2>/dev/null || true
	in_ns "$w" sysctl -qw net.ipv4.ip_forward=0
}

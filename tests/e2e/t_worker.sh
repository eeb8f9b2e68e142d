# shellcheck shell=bash
# The worker keeps working while an actor is up: its own services on
# unexposed ports, its own egress (ports untouched), ICMP to the pod IP;
# worker <-> actor directly at 10.200.0.1 / 10.200.0.2. No nftables, no
# ip_forward. Run for both attach modes.

worker() {
	local mode="$1"
	std_topo "wk$mode"
	serve w1 tcp 9090 --tag w1
	serve w1 udp 9091 --tag w1
	serve inet tcp 7000
	serve inet udp 7001
	serve a-a1 tcp 80 --tag a1
	serve a-a1 udp 53 --tag a1
	up 1 a1 --attach "$mode"

	# the worker's own services and egress
	check_get "[$mode] node -> worker's own TCP service on unexposed pod:9090" node tcp 192.0.2.11 9090 \
		'^peer=192\.0\.2\.1:[0-9]+ local=192\.0\.2\.11:9090 tag=w1$'
	check_get "[$mode] node -> worker's own UDP service on pod:9091" node udp 192.0.2.11 9091 \
		'^peer=192\.0\.2\.1:[0-9]+ local=192\.0\.2\.11:9091 tag=w1$'
	check_ping "[$mode] node pings the pod IP" node 192.0.2.11
	check_get "[$mode] worker's own TCP egress, source port untouched" w1 tcp 203.0.113.10 7000 \
		'^peer=192\.0\.2\.11:45000 local=203\.0\.113\.10:7000$' --bind-port 45000
	check_get "[$mode] worker's own UDP egress, source port untouched" w1 udp 203.0.113.10 7001 \
		'^peer=192\.0\.2\.11:45001 local=203\.0\.113\.10:7001$' --bind-port 45001
	check_ping "[$mode] worker pings inet" w1 203.0.113.10 192.0.2.11

	# worker <-> actor directly
	check_get "[$mode] worker -> actor at 10.200.0.2:80" w1 tcp 10.200.0.2 80 \
		'^peer=10\.200\.0\.1:[0-9]+ local=10\.200\.0\.2:80 tag=a1$'
	check_get "[$mode] worker -> actor at 10.200.0.2:53/udp" w1 udp 10.200.0.2 53 \
		'^peer=10\.200\.0\.1:[0-9]+ local=10\.200\.0\.2:53 tag=a1$'
	check_ping "[$mode] worker pings the actor" w1 10.200.0.2
	# the worker sees the actor as its identity (README, "Several actors")
	check_get "[$mode] actor -> worker-local service at 10.200.0.1:9090" a-a1 tcp 10.200.0.1 9090 \
		'^peer=169\.254\.18\.1:[0-9]+ local=10\.200\.0\.1:9090 tag=w1$'
	check_get "[$mode] actor -> worker-local UDP at 10.200.0.1:9091" a-a1 udp 10.200.0.1 9091 \
		'^peer=169\.254\.18\.1:[0-9]+ local=10\.200\.0\.1:9091 tag=w1$'
	check_get "[$mode] actor -> worker at the pod IP (no port translation)" a-a1 tcp 192.0.2.11 9090 \
		'^peer=169\.254\.18\.1:[0-9]+ local=192\.0\.2\.11:9090 tag=w1$'
	check_get "[$mode] worker -> actor at its identity 169.254.18.1:80" w1 tcp 169.254.18.1 80 \
		'^peer=10\.200\.0\.1:[0-9]+ local=10\.200\.0\.2:80 tag=a1$'
	check_get "[$mode] worker -> actor at its identity, UDP" w1 udp 169.254.18.1 53 \
		'^peer=10\.200\.0\.1:[0-9]+ local=10\.200\.0\.2:53 tag=a1$'
	check_ping "[$mode] actor pings the worker" a-a1 10.200.0.1

	check_eq "[$mode] worker: no nftables rules" "" "$(in_ns w1 nft list ruleset)"
	check_eq "[$mode] worker: ip_forward still 0" "net.ipv4.ip_forward = 0" "$(in_ns w1 sysctl net.ipv4.ip_forward)"
	check_eq "[$mode] worker: ateom0 forwarding 0" "0" "$(in_ns w1 cat /proc/sys/net/ipv4/conf/ateom0/forwarding)"
}

test_worker_tcx() { worker tcx; }
test_worker_tc() { worker tc; }

# shellcheck shell=bash
# The test bed itself, without ateomnet: if these fail, every other failure
# is suspect. node <-> worker <-> internet host, no NAT anywhere.

test_topology() {
	std_topo tp
	e2e_worker 2
	serve inet tcp 7000
	serve inet udp 7001
	serve w1 tcp 9090
	check_get "worker -> inet TCP, seen with the pod IP" w1 tcp 203.0.113.10 7000 \
		'^peer=192\.0\.2\.11:45000 local=203\.0\.113\.10:7000$' --bind-port 45000
	check_get "worker -> inet UDP, seen with the pod IP" w1 udp 203.0.113.10 7001 \
		'^peer=192\.0\.2\.11:[0-9]+ local=203\.0\.113\.10:7001$'
	check_get "worker 2 -> inet, seen with its own pod IP" w2 tcp 203.0.113.10 7000 \
		'^peer=192\.0\.2\.12:'
	check_get "node -> worker service" node tcp 192.0.2.11 9090 \
		'^peer=192\.0\.2\.1:[0-9]+ local=192\.0\.2\.11:9090$'
	check_get "inet -> worker service (routed by the node)" inet tcp 192.0.2.11 9090 \
		'^peer=203\.0\.113\.10:'
	check_ping "worker -> inet" w1 203.0.113.10 192.0.2.11
	check_eq "pod eth0 MTU set for the tests" 1400 "$(link_field w1 eth0 mtu)"
	check_eq "worker ip_forward is 0" "net.ipv4.ip_forward = 0" "$(in_ns w1 sysctl net.ipv4.ip_forward)"
	check_eq "worker has no nftables rules" "" "$(in_ns w1 nft list ruleset)"
	check_eq "actor netns holds only lo" "lo" "$(in_ns a-a1 ip -o link show | awk -F': ' '{print $2}' | xargs)"
	check_eq "nothing attached to the pod eth0 by tcx" "" "$(in_ns w1 "$PROBE" tcx eth0)"
	check_fails "a closed port is refused (probe fails fast)" in_ns w1 "$PROBE" tcp-get 203.0.113.10 7999 --timeout 1
}

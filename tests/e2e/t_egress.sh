# shellcheck shell=bash
# Actor egress: TCP, UDP and ICMP echo leave the pod eth0 as the pod IP with
# a source port from the SNAT range (1024-32767), and replies come back.
# Run for both attach modes.

egress() {
	local mode="$1" p
	std_topo "eg$mode"
	p=$(pin 1)
	serve inet tcp 7000
	serve inet udp 7001
	up 1 a1 --attach "$mode"

	check_get "[$mode] actor TCP egress answered, source = pod IP" a-a1 tcp 203.0.113.10 7000 \
		'^peer=192\.0\.2\.11:[0-9]+ local=203\.0\.113\.10:7000$' --bind-port 40000
	check_range "[$mode] TCP source port translated into 1024-32767" 1024 32767 "$(peer_port "$ANSWER")"
	check_get "[$mode] actor TCP egress, kernel-chosen port" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
	check_range "[$mode] TCP source port in 1024-32767" 1024 32767 "$(peer_port "$ANSWER")"

	check_get "[$mode] actor UDP egress answered, source = pod IP" a-a1 udp 203.0.113.10 7001 \
		'^peer=192\.0\.2\.11:[0-9]+ local=203\.0\.113\.10:7001$' --bind-port 40001
	check_range "[$mode] UDP source port translated into 1024-32767" 1024 32767 "$(peer_port "$ANSWER")"
	local first="$ANSWER"
	check_get "[$mode] same UDP flow again: same translation" a-a1 udp 203.0.113.10 7001 '^peer=' --bind-port 40001
	check_eq "[$mode] same UDP flow keeps its SNAT port" "$first" "$ANSWER"

	check_ping "[$mode] actor ping inet" a-a1 203.0.113.10 192.0.2.11

	check_bulk "[$mode] actor -> inet bulk TCP (8 MiB)" a-a1 203.0.113.10 7000 push
	check_bulk "[$mode] inet -> actor bulk TCP on an actor-opened flow (8 MiB)" a-a1 203.0.113.10 7000 pull

	local n
	n=$(map_count "$p" nat)
	check_range "[$mode] NAT entries recorded" 1 1000000 "$n"
	check_eq "[$mode] no SNAT port outside 1024-32767 in the nat map" 0 "$(map_count "$p" nat '
e["key"]["proto"] in (6, 17) and v["type"] == 1 and not (1024 <= __import__("socket").ntohs(v["port_be"]) <= 32767)')"
}

test_egress_tcx() { egress tcx; }
test_egress_tc() { egress tc; }

# shellcheck shell=bash
# Several workers and several actors: the actor side looks the same
# everywhere (a snapshot restored on another worker finds the same gateway),
# egress leaves as the hosting worker's pod IP; actors on one worker are told
# apart by interface and exposed port.

# actor_view NS: what an actor's snapshot depends on.
actor_view() {
	echo "mac=$(link_field "$1" eth0 mac) addr=$(v4addrs "$1" eth0) mtu=$(link_field "$1" eth0 mtu)"
	in_ns "$1" ip -4 route show
	in_ns "$1" ip neigh show 10.200.0.1 | awk '{print $1, $5}'
}

test_two_workers() {
	e2e_init mw
	topo_node
	e2e_worker 1
	e2e_worker 2
	e2e_actor a1
	e2e_actor a2
	serve inet tcp 7000
	serve inet udp 7001
	serve a-a1 tcp 80 --tag a1
	serve a-a2 tcp 80 --tag a2
	up 1 a1
	up 2 a2

	check_get "a1 on w1: TCP egress leaves as w1's pod IP" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
	check_get "a2 on w2: TCP egress leaves as w2's pod IP" a-a2 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.12:'
	check_get "a1 on w1: UDP egress leaves as w1's pod IP" a-a1 udp 203.0.113.10 7001 '^peer=192\.0\.2\.11:'
	check_get "a2 on w2: UDP egress leaves as w2's pod IP" a-a2 udp 203.0.113.10 7001 '^peer=192\.0\.2\.12:'
	check_get "w1 pod:80 reaches a1" node tcp 192.0.2.11 80 'tag=a1$'
	check_get "w2 pod:80 reaches a2" node tcp 192.0.2.12 80 'tag=a2$'

	local v1 v2
	v1=$(actor_view a-a1)
	v2=$(actor_view a-a2)
	check_match "actor view has the gateway MAC learned" '^10\.200\.0\.1 02:a7:e0:00:00:01$' "$v1"
	check_eq "actor side identical on both workers (MAC, address, MTU, routes, gateway MAC)" "$v1" "$v2"
	check_eq "worker side identical: ateom0 MAC" "$(link_field w1 ateom0 mac)" "$(link_field w2 ateom0 mac)"
	check_eq "worker side identical: ateom0 address" "$(v4addrs w1 ateom0)" "$(v4addrs w2 ateom0)"
}

# Restore elsewhere: the same actor (same netns, as a restored snapshot
# would keep its addresses) leaves w1 and comes up on w2.
test_restore_elsewhere() {
	e2e_init mr
	topo_node
	e2e_worker 1
	e2e_worker 2
	e2e_actor a1
	serve inet tcp 7000
	up 1 a1
	check_get "on w1: egress as 192.0.2.11" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
	local before
	before=$(actor_view a-a1)
	down 1 a1
	check_eq "after down on w1: the actor netns holds only lo" "lo" \
		"$(in_ns a-a1 ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | xargs)"
	up 2 a1
	check_get "on w2: egress as 192.0.2.12" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.12:'
	check_eq "on w2: the actor sees the same MAC, addresses, routes and gateway" "$before" "$(actor_view a-a1)"
	check_fails "w1 no longer has ateom0" in_ns w1 ip link show ateom0
}

test_two_actors_one_worker() {
	std_topo ma
	sized_for 1 2
	local p i1 i2
	p=$(pin 1)
	e2e_actor a2
	serve inet tcp 7000
	serve inet udp 7001
	serve a-a1 tcp 80 --tag a1
	serve a-a2 tcp 80 --tag a2
	serve a-a2 udp 53 --tag a2
	serve w1 tcp 9090 --tag w1
	up 1 a1 --veth ateom0 --expose 80/tcp
	up 1 a2 --veth ateom1 --expose 81:80/tcp --expose 9054:53/udp

	check_eq "both actors have the same address" "$(v4addrs a-a1 eth0)" "$(v4addrs a-a2 eth0)"
	check_eq "both actors have the same MAC" "$(link_field a-a1 eth0 mac)" "$(link_field a-a2 eth0 mac)"
	check_eq "ateom1 carries the same worker address" "10.200.0.1/30" "$(v4addrs w1 ateom1)"
	check_get "pod:80 reaches a1" node tcp 192.0.2.11 80 '^peer=192\.0\.2\.1:[0-9]+ local=10\.200\.0\.2:80 tag=a1$'
	check_get "pod:81 reaches a2" node tcp 192.0.2.11 81 '^peer=192\.0\.2\.1:[0-9]+ local=10\.200\.0\.2:80 tag=a2$'
	check_get "pod:9054/udp reaches a2" node udp 192.0.2.11 9054 'local=10\.200\.0\.2:53 tag=a2$'
	check_ping "a1 pings the worker (ARP answered on ateom0)" a-a1 10.200.0.1
	# Every actor reaches worker-local services at the gateway address, and
	# the worker sees each under its own identity (169.254.18.ID): it
	# routes each actor's replies out of that actor's own ateomN.
	local id1 id2
	id1=$(status_json 1 | json '[a["ident_addr"] for a in d["actors"] if a["name"]=="a1"][0]')
	id2=$(status_json 1 | json '[a["ident_addr"] for a in d["actors"] if a["name"]=="a2"][0]')
	check_eq "two actors share the ports toward each remote (31744 / 2)" 15872 \
		"$(status_json 1 | json 'd["remote_share"]')"
	check_eq "a1's identity toward the worker" 169.254.18.1 "$id1"
	check_eq "a2's identity toward the worker" 169.254.18.2 "$id2"
	check_get "a1 reaches the worker-local service at 10.200.0.1, seen as its identity" \
		a-a1 tcp 10.200.0.1 9090 '^peer=169\.254\.18\.1:[0-9]+ local=10\.200\.0\.1:9090 tag=w1$'
	check_get "a2 reaches the worker-local service at 10.200.0.1, seen as its identity" \
		a-a2 tcp 10.200.0.1 9090 '^peer=169\.254\.18\.2:[0-9]+ local=10\.200\.0\.1:9090 tag=w1$'
	check_get "a2 reaches the worker at the pod IP too" a-a2 tcp 192.0.2.11 9090 \
		'^peer=169\.254\.18\.2:[0-9]+ local=192\.0\.2\.11:9090 tag=w1$'
	# the same ephemeral port from both actors: only the identity tells them apart
	check_get "a1 to the worker from 10.200.0.2:41000" a-a1 tcp 10.200.0.1 9090 \
		'^peer=169\.254\.18\.1:41000 .*tag=w1$' --bind-port 41000
	check_get "a2 to the worker from the same 10.200.0.2:41000" a-a2 tcp 10.200.0.1 9090 \
		'^peer=169\.254\.18\.2:41000 .*tag=w1$' --bind-port 41000
	check_ping "a2 pings the worker (ARP answered on ateom1)" a-a2 10.200.0.1
	check_get "the worker reaches a1 at its identity, a1 sees the gateway" w1 tcp 169.254.18.1 80 \
		'^peer=10\.200\.0\.1:[0-9]+ local=10\.200\.0\.2:80 tag=a1$'
	check_get "the worker reaches a2 at its identity" w1 tcp 169.254.18.2 80 \
		'^peer=10\.200\.0\.1:[0-9]+ local=10\.200\.0\.2:80 tag=a2$'
	check_range "a2 counted what the worker sent to its identity (from_worker)" 1 100000 \
		"$(status_json 1 | json '[a["counters"]["from_worker"]["packets"] for a in d["actors"] if a["name"]=="a2"][0]')"

	# identical 5-tuples before NAT: only the interface tells them apart
	local t1 t2 u1 u2
	check_get "a1 TCP egress from 10.200.0.2:40000" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:' --bind-port 40000
	t1=$(peer_port "$ANSWER")
	check_get "a2 TCP egress from the same 10.200.0.2:40000" a-a2 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:' --bind-port 40000
	t2=$(peer_port "$ANSWER")
	check_ne "identical TCP tuples of a1 and a2 got different SNAT ports" "$t1" "$t2"
	check_get "a1 UDP egress from 10.200.0.2:40001" a-a1 udp 203.0.113.10 7001 '^peer=192\.0\.2\.11:' --bind-port 40001
	u1=$(peer_port "$ANSWER")
	check_get "a2 UDP egress from the same 10.200.0.2:40001 (answer back to a2)" a-a2 udp 203.0.113.10 7001 \
		'^peer=192\.0\.2\.11:' --bind-port 40001
	u2=$(peer_port "$ANSWER")
	check_ne "identical UDP tuples of a1 and a2 got different SNAT ports" "$u1" "$u2"
	check_get "a1's UDP flow again: answer back to a1, same port" a-a1 udp 203.0.113.10 7001 \
		"^peer=192\\.0\\.2\\.11:$u1 " --bind-port 40001

	# down one: the other keeps everything
	i1=$(link_field w1 ateom0 ifindex)
	i2=$(link_field w1 ateom1 ifindex)
	check_range "a2 has NAT entries" 1 100000 "$(map_count "$p" nat "v[\"actor_ifindex\"] == $i2")"
	down 1 a1
	check_eq "after down a1: no NAT entry of a1 left" 0 "$(map_count "$p" nat "v[\"actor_ifindex\"] == $i1")"
	check_range "after down a1: a2's NAT entries kept" 1 100000 "$(map_count "$p" nat "v[\"actor_ifindex\"] == $i2")"
	check_eq "after down a1: one actor in the map" 1 "$(map_count "$p" actors)"
	check_eq "after down a1: a2's share is the whole range" 31744 \
		"$(status_json 1 | json 'd["remote_share"]')"
	check_fails "after down a1: ateom0 gone" in_ns w1 ip link show ateom0
	check_no_get "after down a1: pod:80 no longer reaches a1" node tcp 192.0.2.11 80
	check_get "after down a1: pod:81 still reaches a2" node tcp 192.0.2.11 81 'tag=a2$'
	check_get "after down a1: a2 egress still works" a-a2 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
	check_match "after down a1: pod eth0 still attached" 'from_pod' \
		"$(in_ns w1 "$PROBE" tcx eth0; in_ns w1 tc filter show dev eth0 ingress)"
}

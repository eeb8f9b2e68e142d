# shellcheck shell=bash
# IPv6 (issue 10), end to end: an actor on a dual-stack worker reaches the
# internet host over IPv6 (TCP to nginx and to a probe, UDP, ICMPv6 echo)
# as the pod's IPv6 with an SNAT port, and over IPv4 at the same time; its
# exposed ports are reached over IPv6 with the client's address kept; on an
# IPv6-only worker it has IPv6 only and IPv4 fails at once; traceroute -6
# and tracepath -6 show the gateway as hop 1. Fixtures: topo.sh's *6.

# check_actor_link6: the actor's side of the link as `up` leaves it.
check_actor_link6() {
	check_match "actor eth0 has $ACTOR6/126" "inet6 $ACTOR6/126 " "$(in_ns a-a1 ip -6 -o addr show dev eth0)"
	check_no_match "actor eth0 has no link-local address" 'inet6 fe80:' "$(in_ns a-a1 ip -6 -o addr show dev eth0)"
	check_match "actor IPv6 default route via $GW6" "^default via $GW6 dev eth0" "$(in_ns a-a1 ip -6 route show default)"
}

egress6() {
	local mode="$1" first
	std_topo6 "e6$mode"
	nginx_inet
	serve inet tcp 7000
	serve inet udp 7001
	up 1 a1 --attach "$mode"
	check_actor_link6

	check_match "[$mode] curl -6 from the actor to nginx on [$INET6]: the host sees the pod's IPv6" \
		"^addr=$POD6\$" "$(in_ns a-a1 curl -s --max-time 3 "http://[$INET6]/" 2>&1)"
	check_get "[$mode] actor TCP egress over IPv6, source = pod IPv6" a-a1 tcp "$INET6" 7000 \
		"^peer=$(re6 "$POD6"):[0-9]+ local=$(re6 "$INET6"):7000\$" --bind-port 40000
	check_range "[$mode] TCP source port translated into 1024-32767" 1024 32767 "$(peer_port "$ANSWER")" "$ANSWER"
	check_get "[$mode] actor UDP egress over IPv6, source = pod IPv6" a-a1 udp "$INET6" 7001 \
		"^peer=$(re6 "$POD6"):[0-9]+ local=$(re6 "$INET6"):7001\$" --bind-port 40001
	check_range "[$mode] UDP source port translated into 1024-32767" 1024 32767 "$(peer_port "$ANSWER")" "$ANSWER"
	first="$ANSWER"
	check_get "[$mode] same UDP flow again" a-a1 udp "$INET6" 7001 '^peer=' --bind-port 40001
	check_eq "[$mode] same UDP flow keeps its SNAT66 port" "$first" "$ANSWER"
	check_get "[$mode] UDP over IPv6, 1200-byte datagrams both ways" a-a1 udp "$INET6" 7001 \
		"^peer=$(re6 "$POD6"):[0-9]+ .* bytes=1200\$" --size 1200
	check_ping6 "[$mode] actor ping -6 the internet host" a-a1 "$INET6" "$POD6"

	# Both families at once: an IPv6 and an IPv4 bulk transfer side by side.
	in_ns a-a1 "$PROBE" tcp-bulk 203.0.113.10 7000 "$BULK_BYTES" --timeout 5 >"$T/bulk4" 2>&1 &
	local b4=$!
	check_bulk "[$mode] actor -> inet bulk TCP over IPv6 (8 MiB), IPv4 bulk beside it" a-a1 "$INET6" 7000 push
	wait "$b4" || true
	check_match "[$mode] the IPv4 bulk beside it completes, from the pod IPv4" \
		"^received=$BULK_BYTES peer=192\\.0\\.2\\.11:" "$(cat "$T/bulk4")"
	check_bulk "[$mode] inet -> actor bulk TCP over IPv6 on an actor-opened flow (8 MiB)" a-a1 "$INET6" 7000 pull
	check_get "[$mode] IPv4 egress still the pod IPv4" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:[0-9]+ '
	check_ping "[$mode] actor ping (IPv4) the internet host" a-a1 203.0.113.10 192.0.2.11

	check_range "[$mode] the gateway's neighbour solicitations answered (nd_reply)" 1 1000000 "$(ctr 1 a1 nd_reply)"
	local nat
	nat=$(atn w1 nat --pin-dir "$(pin 1)" --json)
	check_match "[$mode] nat --json lists the IPv6 pairs" "\"src\": ?\"\\[$ACTOR6\\]:40000\"" "$nat"
}

test_ipv6_egress_tcx() { egress6 tcx; }
test_ipv6_egress_tc() { egress6 tc; }

test_ipv6_inbound() {
	std_topo6 in6
	serve a-a1 tcp 80 --tag a1
	serve a-a1 udp 53 --tag a1
	serve a-a1 tcp 8081 --tag a1
	up 1 a1 --expose 80 --expose 9053:53/udp
	check_get "inet -> [pod6]:80 reaches the actor, client IPv6 kept" inet tcp "$POD6" 80 \
		"^peer=$(re6 "$INET6"):[0-9]+ local=$(re6 "$ACTOR6"):80 tag=a1\$"
	check_get "node -> [pod6]:80 (same link) keeps the client IPv6 and port" node tcp "$POD6" 80 \
		"^peer=$(re6 "$TOPO_GW6"):45000 local=$(re6 "$ACTOR6"):80 tag=a1\$" --bind-port 45000
	check_get "inet -> [pod6]:9053/udp reaches actor port 53, reply from [pod6]:9053" inet udp "$POD6" 9053 \
		"^peer=$(re6 "$INET6"):45001 local=$(re6 "$ACTOR6"):53 tag=a1\$" --bind-port 45001
	check_no_get "unexposed [pod6]:8081 does not reach the actor's 8081" node tcp "$POD6" 8081
	check_get "the same exposed port over IPv4 at once" inet tcp 192.0.2.11 80 \
		'^peer=203\.0\.113\.10:[0-9]+ local=10\.200\.0\.2:80 tag=a1$'
	check_bulk "inet -> actor bulk TCP via [pod6]:80 (8 MiB)" inet "$POD6" 80 push
	check_bulk "actor -> inet bulk TCP via [pod6]:80 (8 MiB)" inet "$POD6" 80 pull
	check_range "dnat counted" 1 1000000 "$(ctr 1 a1 dnat)"
}

test_ipv6_only() {
	std_topo6_only v6only
	serve inet tcp 7000
	serve inet udp 7001
	serve a-a1 tcp 80 --tag a1
	up 1 a1
	check_actor_link6
	check_eq "no IPv4 default route in the actor" "" "$(in_ns a-a1 ip -4 route show default)"
	check_get "IPv6-only worker: actor TCP egress, source = pod IPv6" a-a1 tcp "$INET6" 7000 \
		"^peer=$(re6 "$POD6"):[0-9]+ "
	check_get "IPv6-only worker: actor UDP egress" a-a1 udp "$INET6" 7001 "^peer=$(re6 "$POD6"):[0-9]+ "
	check_ping6 "IPv6-only worker: actor ping -6" a-a1 "$INET6" "$POD6"
	local out rc=0
	out=$(in_ns a-a1 "$PROBE" tcp-get 203.0.113.10 7000 --timeout 2 2>&1) || rc=$?
	check_match "IPv6-only worker: the actor's IPv4 connect fails at once" 'Network is unreachable' "exit $rc: $out"
	check_get "IPv6-only worker: inet -> [pod6]:80 reaches the actor, client kept" inet tcp "$POD6" 80 \
		"^peer=$(re6 "$INET6"):[0-9]+ local=$(re6 "$ACTOR6"):80 tag=a1\$"
	check_bulk "IPv6-only worker: actor -> inet bulk (8 MiB)" a-a1 "$INET6" 7000 push
}

# check_hop1_6 DESC MODE...: traceroute -6 from a1 to the internet host;
# hop 1 must be the gateway, hop 2 the node, and the host reached.
check_hop1_6() {
	local desc="$1" out rc=0
	shift
	out=$(in_ns a-a1 traceroute -6 -n -q 1 -w 2 -m 5 "$@" "$INET6" 2>&1) || rc=$?
	check_match "$desc: hop 1 is the gateway $GW6" "(^|\\n) ?1  $GW6 " "$out"
	check_match "$desc: hop 2 is the node $TOPO_GW6" "(^|\\n) ?2  $TOPO_GW6 " "$out"
	check_match "$desc: the host is reached" "$INET6 +[0-9.]+ ms" "$out"
}

test_ipv6_traceroute() {
	std_topo6 tr6
	serve inet tcp 7000
	up 1 a1
	check_hop1_6 "traceroute -6 (UDP)"
	check_hop1_6 "traceroute -6 -I" -I
	check_hop1_6 "traceroute -6 -T" -T -p 7000
	local tp rc=0
	tp=$(in_ns a-a1 tracepath -6 -n -m 5 "$INET6" 2>&1) || rc=$?
	check_match "tracepath -6: hop 1 is the gateway" "^ 1: +$GW6 " "$tp"
	check_match "tracepath -6: the host is reached" "$INET6 " "$tp"
	check_range "Time Exceeded answers counted (3 or more)" 3 1000000 "$(ctr 1 a1 ttl_exceeded)"
}

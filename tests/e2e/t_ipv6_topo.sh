# shellcheck shell=bash
# The IPv6 fixtures of tests/lib/topo.sh on their own, without ateomnet:
# what the IPv6 tests take for granted (routes, no tentative address, the
# 1280-MTU hop answering Packet Too Big) is checked here, so a failure there
# points at the datapath.

test_ipv6_topo() {
	std_topo6 v6topo
	topo_far6
	serve inet tcp 7000
	serve far tcp 7002
	check_get "dual-stack worker -> internet host over IPv6, its own address" w1 tcp "$INET6" 7000 \
		"^peer=$(re6 "$POD6"):[0-9]+ local=$(re6 "$INET6"):7000\$"
	check_get "dual-stack worker -> internet host over IPv4 still" w1 tcp 203.0.113.10 7000 \
		'^peer=192\.0\.2\.11:[0-9]+ '
	check_eq "no tentative IPv6 address, link-locals included (nodad)" "" \
		"$(for ns in node inet w1 rtr far; do in_ns "$ns" ip -6 addr show tentative; done)"
	check_eq "only the routers forward IPv6" "node=1 inet=0 w1=0 rtr=1 far=0" \
		"$(for ns in node inet w1 rtr far; do printf '%s=%s ' "$ns" "$(in_ns "$ns" sysctl -n net.ipv6.conf.all.forwarding)"; done | xargs)"
	local tp rc=0
	tp=$(in_ns w1 tracepath -6 -n -m 5 "$TOPO_FAR6" 2>&1) || rc=$?
	check_match "tracepath -6 from the worker to the far host finds pmtu 1280" 'pmtu 1280' "$tp"
	check_bulk "worker -> far host bulk TCP through the 1280 hop (8 MiB)" w1 "$TOPO_FAR6" 7002 push
	check_bulk "far host -> worker bulk TCP through the 1280 hop (8 MiB)" w1 "$TOPO_FAR6" 7002 pull
	check_match "the worker learnt mtu 1280 toward the far host" 'mtu 1280' \
		"$(in_ns w1 ip -6 route get "$TOPO_FAR6")"
}

test_ipv6_topo_only() {
	std_topo6_only v6topo1
	serve inet tcp 7000
	check_eq "IPv6-only worker: no IPv4 address on eth0" "" "$(v4addrs w1 eth0)"
	check_get "IPv6-only worker -> internet host over IPv6" w1 tcp "$INET6" 7000 \
		"^peer=$(re6 "$POD6"):[0-9]+ "
	local out rc=0
	out=$(in_ns w1 "$PROBE" tcp-get 203.0.113.10 7000 --timeout 2 2>&1) || rc=$?
	check_match "IPv6-only worker: IPv4 connect fails at once" 'Network is unreachable' "exit $rc: $out"
	nginx_inet
	check_match "nginx on the internet host answers over IPv6 with the client address" \
		"^addr=$POD6\$" "$(in_ns w1 curl -s --max-time 3 "http://[$INET6]/")"
}

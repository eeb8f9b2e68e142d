# shellcheck shell=bash
# What `up` builds: the veth pair, addresses, MACs, MTU, routes, the pinned
# maps; and what it must leave alone: the pod eth0, nftables, ip_forward.

test_up_state() {
	std_topo up
	local p
	p=$(pin 1)
	up 1 a1

	# worker side
	check_eq "worker: ateom0 has 10.200.0.1/30" "10.200.0.1/30" "$(v4addrs w1 ateom0)"
	check_eq "worker: ateom0 MAC is the fixed gateway MAC" "02:a7:e0:00:00:01" "$(link_field w1 ateom0 mac)"
	check_eq "worker: ateom0 MTU copied from pod eth0" 1400 "$(link_field w1 ateom0 mtu)"
	check_match "worker: ateom0 is up" '(^|,)UP(,|$)' "$(link_field w1 ateom0 flags)"
	check_match "worker: ateom0 is a veth" '"info_kind": *"veth"' "$(in_ns w1 ip -d -j -p link show dev ateom0)"

	# actor side
	check_eq "actor: interfaces are lo and eth0" "eth0 lo" \
		"$(in_ns a-a1 ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | xargs)"
	check_eq "actor: eth0 has 10.200.0.2/30" "10.200.0.2/30" "$(v4addrs a-a1 eth0)"
	check_eq "actor: eth0 MAC is the fixed actor MAC" "02:a7:e0:00:00:02" "$(link_field a-a1 eth0 mac)"
	check_eq "actor: eth0 MTU copied from pod eth0" 1400 "$(link_field a-a1 eth0 mtu)"
	check_match "actor: eth0 is up" '(^|,)UP(,|$)' "$(link_field a-a1 eth0 flags)"
	check_match "actor: lo is up" '(^|,)UP(,|$)' "$(link_field a-a1 lo flags)"
	check_match "actor: default route via 10.200.0.1" '^default via 10\.200\.0\.1 dev eth0' \
		"$(in_ns a-a1 ip -4 route show default)"
	check_match "actor: connected route 10.200.0.0/30" '^10\.200\.0\.0/30 dev eth0' \
		"$(in_ns a-a1 ip -4 route show)"
	check_match "actor: the peer of ateom0 (veth pair)" '"info_kind": *"veth"' "$(in_ns a-a1 ip -d -j -p link show dev eth0)"

	# pod eth0 untouched
	check_eq "pod eth0 still in the worker with its address" "192.0.2.11/24" "$(v4addrs w1 eth0)"
	check_match "pod default route unchanged" '^default via 192\.0\.2\.1 dev eth0' "$(in_ns w1 ip -4 route show default)"
	check_eq "pod eth0 MTU unchanged" 1400 "$(link_field w1 eth0 mtu)"
	check_eq "worker: one default route only" 1 "$(in_ns w1 ip -4 route show default | wc -l)"

	# no router, no firewall
	check_eq "worker: no nftables rules" "" "$(in_ns w1 nft list ruleset)"
	check_eq "worker: ip_forward still 0" "net.ipv4.ip_forward = 0" "$(in_ns w1 sysctl net.ipv4.ip_forward)"
	check_eq "worker: eth0 forwarding still 0" "0" "$(in_ns w1 cat /proc/sys/net/ipv4/conf/eth0/forwarding)"

	# pinned maps with BTF
	local m
	for m in config actors services nat stats egress_hooks; do
		check "pinned map $m exists" test -e "$p/$m"
	done
	local dump
	dump=$(bpftool map dump pinned "$p/actors" 2>&1)
	check_match "actors map dump names the actor" '"name": "a1"' "$dump"
	check_match "actors map dump shows named fields (BTF)" '"actor_ip_be"' "$dump"
	check_eq "actors map: one entry" 1 "$(map_count "$p" actors)"
	check_eq "services map: default 80/tcp only" 1 "$(map_count "$p" services)"
	check_eq "services map: the default is port 80 tcp" 1 \
		"$(map_count "$p" services 'e["key"]["proto"] == 6 and e["key"]["port_be"] in (80, 0x5000)')"
}

test_up_json() {
	std_topo uj
	sized_for 1 2
	local out rc=0
	out=$(atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$(pin 1)" --json 2>"$T/err") || rc=$?
	check_eq "up --json exits 0" 0 "$rc"
	check_eq "up --json: nothing on stderr" "" "$(cat "$T/err")"
	check "up --json prints one JSON object" "$PY" -c \
		'import json,sys; d=json.loads(sys.argv[1]); assert isinstance(d, dict), d' "$out"
	e2e_actor a2
	rc=0
	out=$(atn w1 up --actor a2 --netns "$(apath a2)" --veth ateom1 --expose 81/tcp \
		--pin-dir "$(pin 1)" 2>"$T/err") || rc=$?
	check_eq "up (human) exits 0" 0 "$rc"
	check_eq "up (human): one line of text" 1 "$(printf '%s\n' "$out" | grep -c .)"
}

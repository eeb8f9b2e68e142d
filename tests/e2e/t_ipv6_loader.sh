# shellcheck shell=bash
# IPv6 on the actor link, the loader's side (issue 10): which addresses and
# routes `up` gives the actor for each kind of pod, that nothing else IPv6
# appears there (no link-local, no chatter on ateomN once idle), --no-ipv6,
# IPv6-only pods, refused IPv6 flags, and status --json against its schema.
# (Traffic over IPv6 through the datapath: t_ipv6*.sh of the datapath.)

POD6_NET=2001:db8:1
pod6() { echo "$POD6_NET::$((10 + $1))"; }

# v6_pod N: worker N's pod eth0 also gets a global IPv6 (no DAD: usable at
# once), as a dual-stack CNI gives it.
v6_pod() { must in_ns "w$1" ip -6 addr add "$(pod6 "$1")/64" dev eth0 nodad; }

v6addrs() { in_ns "$1" ip -6 -o addr show dev "$2" 2>&1 | awk '{print $4}' | sort | xargs; }
v6routes() { in_ns "$1" ip -6 route show 2>&1 | sed -E 's/ (proto kernel|metric [0-9]+|pref medium)//g' | sort | xargs -d '\n' printf '%s;'; }
disable_ipv6() { in_ns "$1" cat "/proc/sys/net/ipv6/conf/$2/disable_ipv6" 2>&1; }

# valid_status N: worker N's status --json, valid against its schema; in $ST.
valid_status() {
	local out rc=0
	ST=$(status_json "$1")
	out=$("$E2E_ROOT/tests/docs/validate.py" "$E2E_ROOT/docs/schema/status.json" <<<"$ST" 2>&1) || rc=$?
	if ((rc == 0)); then ok "status --json valid against status.json"; else
		fail "status --json valid against status.json" "$out" "document: $ST"
	fi
}

# quiet_link DESC NS IF: once settled, nothing crosses IF for 3 s (neither
# kernel sends RS, MLD, DAD or anything else on its own).
quiet_link() {
	sleep 2 # MLD join reports go within the first second (robustness 2)
	in_ns "$2" timeout 3 tcpdump -i "$3" -nn -e -l >"$T/quiet" 2>/dev/null || true
	check_eq "$1: nothing sent on $3 when idle" "" "$(cat "$T/quiet")"
}

test_ipv6_dual_stack_pod() {
	std_topo v6d
	v6_pod 1
	up 1 a1 --worker-addr6 fd00:169:254::1/126 --actor-addr6 fd00:169:254::2/126
	check_eq "actor eth0: exactly its IPv6 address" "fd00:169:254::2/126" "$(v6addrs a-a1 eth0)"
	check_no_match "actor netns: no link-local anywhere" 'fe80' "$(in_ns a-a1 ip -6 addr)"
	check_eq "actor netns: the link prefix and the default route via the gateway" \
		"default via fd00:169:254::1 dev eth0;fd00:169:254::/126 dev eth0;" "$(v6routes a-a1)"
	check_eq "actor netns: IPv4 default route kept" "default via 10.200.0.1 dev eth0" \
		"$(in_ns a-a1 ip -4 route show default | xargs)"
	check_eq "actor eth0: IPv6 enabled" 0 "$(disable_ipv6 a-a1 eth0)"
	check_eq "ateom0: IPv6 disabled in the worker" 1 "$(disable_ipv6 w1 ateom0)"
	check_eq "ateom0: no IPv6 address" "" "$(v6addrs w1 ateom0)"
	check_no_match "worker: no route to the actor link prefix" 'fd00:169:254' "$(in_ns w1 ip -6 route show table all)"
	valid_status 1
	check_eq "status: pod_ip6" "$(pod6 1)" "$(jfield "$ST" 'd["pod_ip6"]')"
	check_eq "status: the actor's IPv6 addresses" "fd00:169:254::1/126 fd00:169:254::2/126" \
		"$(jfield "$ST" 'd["actors"][0]["worker_addr6"] + " " + d["actors"][0]["actor_addr6"]')"
	check_match "status text: both IPv6 ends" 'fd00:169:254::1/126 <-> fd00:169:254::2/126' \
		"$(atn w1 status --pin-dir "$(pin 1)")"
	check_eq "actors map: prefix6" 1 "$(map_count "$(pin 1)" actors 'v["prefix6"] == 126')"
	quiet_link "dual-stack actor" w1 ateom0
	down 1 a1 >/dev/null

	# Other link addresses, given by flags.
	up 1 a1 --worker-addr6 fd00:aa::9/64 --actor-addr6 fd00:aa::7/64 >/dev/null
	check_eq "--actor-addr6: the actor's address" "fd00:aa::7/64" "$(v6addrs a-a1 eth0)"
	check_eq "--worker-addr6: the gateway" "default via fd00:aa::9 dev eth0;fd00:aa::/64 dev eth0;" \
		"$(v6routes a-a1)"
}

test_ipv6_no_ipv6_flag() {
	std_topo v6n
	v6_pod 1
	up 1 a1 --no-ipv6 >/dev/null
	check_eq "--no-ipv6: no IPv6 address on the actor eth0" "" "$(v6addrs a-a1 eth0)"
	check_eq "--no-ipv6: actor eth0 has IPv6 disabled" 1 "$(disable_ipv6 a-a1 eth0)"
	check_eq "--no-ipv6: no IPv6 route" ";" "$(v6routes a-a1)"
	check_eq "ateom0: IPv6 disabled" 1 "$(disable_ipv6 w1 ateom0)"
	valid_status 1
	check_eq "status: no actor IPv6" "None None" \
		"$(jfield "$ST" 'str(d["actors"][0]["worker_addr6"]) + " " + str(d["actors"][0]["actor_addr6"])')"
	check_eq "status: the pod's IPv6 is still the worker's" "$(pod6 1)" "$(jfield "$ST" 'd["pod_ip6"]')"
	check_ping "--no-ipv6: IPv4 egress as before" a-a1 "$TOPO_INET"
	quiet_link "IPv4-only actor" w1 ateom0
}

test_ipv6_pod_without_ipv6() {
	std_topo v6o
	up 1 a1 >/dev/null
	check_eq "pod without IPv6: no IPv6 address on the actor" "" "$(v6addrs a-a1 eth0)"
	check_eq "pod without IPv6: actor eth0 has IPv6 disabled" 1 "$(disable_ipv6 a-a1 eth0)"
	check_no_match "pod without IPv6: no link-local" 'fe80' "$(in_ns a-a1 ip -6 addr)"
	check_eq "pod without IPv6: actor IPv4 as before" "10.200.0.2/30" "$(v4addrs a-a1 eth0)"
	valid_status 1
	check_eq "status: pod_ip6 null" None "$(jfield "$ST" 'd["pod_ip6"]')"
	check_eq "actors map: no IPv6" 1 "$(map_count "$(pin 1)" actors 'v["prefix6"] == 0')"
	check_ping "IPv4 egress" a-a1 "$TOPO_INET"
}

test_ipv6_only_pod() {
	std_topo v6x
	v6_pod 1
	must in_ns w1 ip -4 addr flush dev eth0
	refuses "IPv6-only pod and --no-ipv6" 1 1 \
		atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$(pin 1)" --no-ipv6
	up 1 a1 --json >"$T/up.json"
	check_eq "up --json: pod_ip null, pod_ip6 set" "None $(pod6 1)" \
		"$(jfield "$(<"$T/up.json")" 'str(d["pod_ip"]) + " " + d["pod_ip6"]')"
	check_match "up --json valid against up.json" '^$' \
		"$("$E2E_ROOT/tests/docs/validate.py" "$E2E_ROOT/docs/schema/up.json" <"$T/up.json" 2>&1)"
	check_eq "IPv6-only pod: actor IPv6 address" "fd00:169:254::2/126" "$(v6addrs a-a1 eth0)"
	check_eq "IPv6-only pod: IPv6 default route" "default via fd00:169:254::1 dev eth0;fd00:169:254::/126 dev eth0;" \
		"$(v6routes a-a1)"
	check_eq "IPv6-only pod: no IPv4 default route" "" "$(in_ns a-a1 ip -4 route show default | xargs)"
	check_eq "IPv6-only pod: the IPv4 link address stays" "10.200.0.2/30" "$(v4addrs a-a1 eth0)"
	valid_status 1
	check_eq "status: pod_ip null" None "$(jfield "$ST" 'd["pod_ip"]')"
	check_match "status text: no IPv4" 'pod eth0 \(no IPv4\) 2001:db8:1::11' "$(atn w1 status --pin-dir "$(pin 1)")"
	# The worker is still reached over IPv4 at the gateway (to_worker).
	check_ping "IPv6-only pod: IPv4 to the gateway" a-a1 10.200.0.1
	# An actor that routes IPv4 anyway is dropped, not sent as 0.0.0.0.
	must in_ns a-a1 ip route add default via 10.200.0.1
	check_fails "IPv6-only pod: IPv4 egress goes nowhere" in_ns a-a1 ping -n -c 2 -i 0.2 -W 1 "$TOPO_INET"
	check_range "IPv6-only pod: drop_no_pod_ipv4 counted" 2 100 \
		"$(jfield "$(status_json 1)" 'd["actors"][0]["counters"]["drop_no_pod_ipv4"]["packets"]')"
}

test_ipv6_refused_flags() {
	std_topo v6r
	v6_pod 1
	local up1=(atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$(pin 1)")
	refuses "link-local --worker-addr6" 2 1 "${up1[@]}" --worker-addr6 fe80::1/126 --actor-addr6 fe80::2/126
	refuses "multicast --actor-addr6" 2 1 "${up1[@]}" --actor-addr6 ff02::2/126
	refuses "IPv4-mapped --actor-addr6" 2 1 "${up1[@]}" --worker-addr6 ::ffff:10.0.0.1/126 --actor-addr6 ::ffff:10.0.0.2/126
	refuses "addresses in two prefixes" 2 1 "${up1[@]}" --actor-addr6 fd00:169:254::6/126
	refuses "prefix lengths differ" 2 1 "${up1[@]}" --actor-addr6 fd00:169:254::2/120
	refuses "prefix /127" 2 1 "${up1[@]}" --worker-addr6 fd00::1/127 --actor-addr6 fd00::0/127
	refuses "prefix /48" 2 1 "${up1[@]}" --worker-addr6 fd00::1/48 --actor-addr6 fd00::2/48
	refuses "the same address" 2 1 "${up1[@]}" --worker-addr6 fd00::2/126 --actor-addr6 fd00::2/126
	refuses "the anycast address" 2 1 "${up1[@]}" --worker-addr6 fd00::4/126 --actor-addr6 fd00::5/126
	refuses "an IPv4 CIDR" 2 1 "${up1[@]}" --actor-addr6 10.200.0.2/30
	refuses "a zone" 2 1 "${up1[@]}" --actor-addr6 fd00::2%eth0/126
	refuses "--no-ipv6 with --actor-addr6" 2 1 "${up1[@]}" --no-ipv6 --actor-addr6 fd00:169:254::2/126
	check_match "the contradiction named" '--no-ipv6 and --actor-addr6' "$REFUSE_ERR"
	check "the corrected command works" "${up1[@]}" --worker-addr6 fd00::5/126 --actor-addr6 fd00::6/126
}

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

POD6_INET=2001:db8:2::10

# v6_routes: IPv6 from the pods' bridge to the internet host (node routes).
v6_routes() {
	must in_ns node sysctl -qw net.ipv6.conf.all.forwarding=1
	must in_ns node ip -6 addr add "$POD6_NET::1/64" dev br0 nodad
	must in_ns node ip -6 addr add 2001:db8:2::1/64 dev inet nodad
	must in_ns inet ip -6 addr add "$POD6_INET/64" dev eth0 nodad
	must in_ns inet ip -6 route add default via 2001:db8:2::1
	must in_ns w1 ip -6 route add default via "$POD6_NET::1"
}

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

	# One IPv6 pair, as `nat` and `status` show it (the datapath's own
	# IPv6 tests are elsewhere: this is about the loader's reader).
	v6_routes
	check "ping6 from the actor" in_ns a-a1 ping -6 -n -c 1 -W 2 "$POD6_INET"
	local nat
	nat=$(atn w1 nat --pin-dir "$(pin 1)" --json)
	check_match "nat --json valid against nat.json" '^$' \
		"$("$E2E_ROOT/tests/docs/validate.py" "$E2E_ROOT/docs/schema/nat.json" <<<"$nat" 2>&1)"
	check_match "nat: the IPv6 pair's OUT half, [addr]:port" \
		"^\\[fd00:169:254::2\\]:[0-9]+ \\[$POD6_INET\\]:0 \\[$(pod6 1)\\]:[0-9]+\$" \
		"$(jfield "$nat" '" ".join(e[k] for e in d if e["proto"] == "icmpv6" and e["dir"] == "out" for k in ("src", "dst", "to"))')"
	check_match "nat: the IPv6 pair's IN half" "^\\[$POD6_INET\\]:0 \\[$(pod6 1)\\]:[0-9]+ \\[fd00:169:254::2\\]:[0-9]+\$" \
		"$(jfield "$nat" '" ".join(e[k] for e in d if e["proto"] == "icmpv6" and e["dir"] == "in" for k in ("src", "dst", "to"))')"
	check_match "nat text: [addr]:port" "^icmpv6 out \\[fd00:169:254::2\\]:[0-9]+ -> \\[$POD6_INET\\]:0  snat => \\[$(pod6 1)\\]:[0-9]+" \
		"$(atn w1 nat --pin-dir "$(pin 1)" | grep '^icmpv6 out')"
	check_eq "status: the IPv6 pair in nat_entries" 2 "$(jfield "$(status_json 1)" 'd["actors"][0]["nat_entries"]')"
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

# ---- CNI -----------------------------------------------------------------------
# cni6 CMD CONF ENV...: the plugin in worker 1 (exit status in CNI_RC).
cni6() {
	local cmd="$1" c="$2"
	shift 2
	CNI_RC=0
	CNI_OUT=$(in_ns w1 env CNI_COMMAND="$cmd" CNI_PATH=/usr/lib/cni "$@" "$ATEOMNET" <<<"$c" 2>"$T/cni.err") ||
		CNI_RC=$?
}

cni6_conf() { # cni6_conf VERSION [FIELDS]
	printf '{"cniVersion":"%s","name":"actors","type":"ateomnet","pinDir":"%s","stateDir":"%s"%s}' \
		"$1" "$(pin 1)" "$T/cni-state" "${2:+,$2}"
}

cni6_valid() {
	local out rc=0
	out=$("$E2E_ROOT/tests/docs/validate.py" "$E2E_ROOT/docs/schema/cni-result.json" <<<"$2" 2>&1) || rc=$?
	if ((rc == 0)); then ok "$1: valid against cni-result.json"; else fail "$1" "$out" "document: $2"; fi
}

test_ipv6_cni() {
	std_topo v6c
	v6_pod 1
	local ns env c cc
	ns=$(apath a1)
	env=(CNI_CONTAINERID=c6 CNI_NETNS="$ns" CNI_IFNAME=eth0)
	c=$(cni6_conf 1.1.0 '"capabilities":{"portMappings":true},"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}')
	cni6 ADD "$c" "${env[@]}"
	check_eq "ADD on a dual-stack pod: exit 0" 0 "$CNI_RC" "$CNI_OUT $(cat "$T/cni.err")"
	cni6_valid "ADD result, dual-stack" "$CNI_OUT"
	check_eq "ADD: both addresses with their gateways" \
		"10.200.0.2/30 10.200.0.1|fd00:169:254::2/126 fd00:169:254::1" \
		"$(jfield "$CNI_OUT" '"|".join(i["address"] + " " + i["gateway"] for i in d["ips"])')"
	check_eq "ADD: both default routes" "0.0.0.0/0 10.200.0.1|::/0 fd00:169:254::1" \
		"$(jfield "$CNI_OUT" '"|".join(r["dst"] + " " + r["gw"] for r in d["routes"])')"
	check_eq "the actor has its IPv6 address" "fd00:169:254::2/126" "$(v6addrs a-a1 eth0)"
	cc=$(jfield "$c" 'json.dumps(dict(d, prevResult=json.loads(sys.argv[3])))' "$CNI_OUT")
	cni6 CHECK "$cc" "${env[@]}"
	check_eq "CHECK after a dual-stack ADD: exit 0" 0 "$CNI_RC" "$CNI_OUT"
	must in_ns a-a1 ip -6 addr del fd00:169:254::2/126 dev eth0
	cni6 CHECK "$cc" "${env[@]}"
	check_eq "CHECK after the actor lost its IPv6: exit 1" 1 "$CNI_RC"
	check_match "CHECK says what differs" "lost the actor's IPv6 address" "$(jfield "$CNI_OUT" 'd["msg"]')"
	cni6 DEL "$c" "${env[@]}"
	check_eq "DEL: exit 0" 0 "$CNI_RC" "$CNI_OUT"

	# "ipv6": false, and CNI 0.4.0's "version" per address.
	c=$(cni6_conf 0.4.0 '"ipv6":false')
	cni6 ADD "$c" "${env[@]}"
	check_eq "ADD with ipv6 false: exit 0" 0 "$CNI_RC" "$CNI_OUT $(cat "$T/cni.err")"
	cni6_valid "ADD result, ipv6 false" "$CNI_OUT"
	check_eq "ipv6 false: only the IPv4 address" "10.200.0.2/30 4" \
		"$(jfield "$CNI_OUT" '"|".join(i["address"] + " " + i["version"] for i in d["ips"])')"
	check_eq "ipv6 false: no IPv6 in the sandbox" "" "$(v6addrs a-a1 eth0)"
	cni6 DEL "$c" "${env[@]}"
	cni6 ADD "$(cni6_conf 1.1.0 '"ipv6":"no"')" "${env[@]}"
	check_eq "ipv6 not a boolean: CNI error 7" 7 "$(jfield "$CNI_OUT" 'd["code"]')" "$CNI_OUT"
	cni6 ADD "$(cni6_conf 1.1.0 '"ipv6":false,"actorAddress6":"fd00::2/126"')" "${env[@]}"
	check_match "ipv6 false with actorAddress6: the field named" '^invalid network config \(ipv6\): --no-ipv6 and --actor-addr6' \
		"$(jfield "$CNI_OUT" 'd["msg"]')"
	cni6 ADD "$(cni6_conf 1.1.0 '"actorAddress6":"fe80::2/126"')" "${env[@]}"
	check_match "a link-local actorAddress6: the field named" '^invalid network config \(actorAddress6\)' \
		"$(jfield "$CNI_OUT" 'd["msg"]')"

	# An IPv6-only pod, with 0.4.0: IPv6 "version" 6, no IPv4 default route.
	must in_ns w1 ip -4 addr flush dev eth0
	cni6 STATUS "$(cni6_conf 1.1.0)"
	check_eq "STATUS on an IPv6-only pod: exit 0" 0 "$CNI_RC" "$CNI_OUT"
	cni6 STATUS "$(cni6_conf 1.1.0 '"ipv6":false')"
	check_eq "STATUS on an IPv6-only pod with ipv6 false: code 50" 50 \
		"$(jfield "$CNI_OUT" 'd["code"]')" "$CNI_OUT"
	c=$(cni6_conf 0.4.0 '"workerAddress6":"fd00:5::1/64","actorAddress6":"fd00:5::2/64"')
	cni6 ADD "$c" "${env[@]}"
	check_eq "ADD on an IPv6-only pod: exit 0" 0 "$CNI_RC" "$CNI_OUT $(cat "$T/cni.err")"
	cni6_valid "ADD result, IPv6-only" "$CNI_OUT"
	check_eq "IPv6-only: the IPv6 address (version 6)" "fd00:5::2/64 fd00:5::1 6" \
		"$(jfield "$CNI_OUT" '" ".join(i["address"] + " " + i["gateway"] + " " + i["version"] for i in d["ips"] if i["version"] == "6")')"
	check_eq "IPv6-only: only the IPv6 default route" "::/0 fd00:5::1" \
		"$(jfield "$CNI_OUT" '"|".join(r["dst"] + " " + r["gw"] for r in d["routes"])')"
	cc=$(jfield "$c" 'json.dumps(dict(d, prevResult=json.loads(sys.argv[3])))' "$CNI_OUT")
	cni6 CHECK "$cc" "${env[@]}"
	check_eq "CHECK on an IPv6-only pod: exit 0" 0 "$CNI_RC" "$CNI_OUT"
	cni6 DEL "$c" "${env[@]}"
	check_eq "DEL: exit 0" 0 "$CNI_RC" "$CNI_OUT"
}

# A chain as a runtime runs it (tests/e2e/cni_chain.py), on a dual-stack
# pod: the reference `tuning` plugin takes ateomnet's dual-stack result as
# its prevResult, and the chain's CHECK passes.
test_ipv6_cni_chain() {
	std_topo v6h
	v6_pod 1
	local ns list
	ns=$(apath a1)
	list="$T/list.json"
	cat >"$list" <<-JSON
	{"cniVersion":"1.0.0","name":"actors","plugins":[
	  {"type":"ateomnet","pinDir":"$(pin 1)","stateDir":"$T/cni-state","capabilities":{"portMappings":true}},
	  {"type":"tuning","mtu":1280}]}
	JSON
	mkdir -p "$T/bin" && ln -sf "$ATEOMNET" "$T/bin/ateomnet"
	local run=(in_ns w1 env CNI_PATH="$T/bin:/usr/lib/cni" CNI_CONTAINERID=chain6 CNI_NETNS="$ns"
		CNI_IFNAME=eth0 CAP_ARGS='{"portMappings":[{"hostPort":8081,"containerPort":81,"protocol":"tcp"}]}'
		"$E2E_ROOT/tests/e2e/cni_chain.py")
	check "chain ADD (ateomnet, tuning), dual-stack" "${run[@]}" ADD "$list" "$T/cache.json"
	cni6_valid "the chain's final result" "$(tail -1 <<<"$OUT")"
	check_eq "the chain's result keeps the IPv6 address" "fd00:169:254::2/126" \
		"$(jfield "$(tail -1 <<<"$OUT")" '" ".join(i["address"] for i in d["ips"] if ":" in i["address"])')"
	check_eq "tuning set the MTU" 1280 "$(link_field a-a1 eth0 mtu)"
	check "chain CHECK, dual-stack" "${run[@]}" CHECK "$list" "$T/cache.json"
	check "chain DEL" "${run[@]}" DEL "$list" "$T/cache.json"
	check_eq "no actor after DEL" 0 "$(map_count "$(pin 1)" actors)"
}

# A crash of `up` after the actor link got its IPv6 (ATEOMNET_FAULT, as
# t_crash.sh): the next `up` converges to exactly one IPv6 address and
# route, and `down` leaves the worker and the actor netns as before.
test_ipv6_crash_converges() {
	std_topo v6k
	v6_pod 1
	local step rc
	up 1 a1 >/dev/null
	down 1 a1 >/dev/null
	snapshot_stable 1 "$T/base"
	for step in configured attached actor; do
		rc=0
		ATEOMNET_FAULT=$step atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$(pin 1)" \
			>/dev/null 2>&1 || rc=$?
		check_eq "[$step] the fault fired" 137 "$rc"
		up 1 a1 >/dev/null
		check_eq "[$step] then up: one IPv6 address" "fd00:169:254::2/126" "$(v6addrs a-a1 eth0)"
		check_eq "[$step] then up: the IPv6 routes" \
			"default via fd00:169:254::1 dev eth0;fd00:169:254::/126 dev eth0;" "$(v6routes a-a1)"
		check_eq "[$step] then up: ateom0 without IPv6" 1 "$(disable_ipv6 w1 ateom0)"
		down 1 a1 >/dev/null
		snapshot 1 >"$T/now" 2>&1
		if cmp -s "$T/base" "$T/now"; then ok "[$step] then down: as before"; else
			fail "[$step] then down: as before" "$(diff "$T/base" "$T/now" | head -20)"
		fi
	done
}

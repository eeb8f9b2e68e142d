# shellcheck shell=bash
# ateomnet as a CNI plugin, driven exactly as a runtime drives it: the
# CNI_* environment and the network config on stdin, run in the worker's
# netns, CNI_NETNS = the actor's. Results and errors are checked against
# docs/schema/cni-*.json; a chained list runs Debian's reference `tuning`
# plugin after ateomnet on its prevResult.

CNI_BIN=/usr/lib/cni

# conf [JSON-FIELDS]: an ateomnet network config for worker 1.
conf() {
	printf '{"cniVersion":"1.1.0","name":"actors","type":"ateomnet","pinDir":"%s","stateDir":"%s"%s}' \
		"$(pin 1)" "$T/cni-state" "${1:+,$1}"
}

# cni CMD CONF ENV...: the plugin in worker 1 (exit status kept in CNI_RC).
cni() {
	local cmd="$1" c="$2"
	shift 2
	CNI_RC=0
	CNI_OUT=$(in_ns w1 env CNI_COMMAND="$cmd" CNI_PATH="$CNI_BIN" "$@" "$ATEOMNET" <<<"$c" 2>"$T/cni.err") ||
		CNI_RC=$?
}

valid_cni() { # valid_cni DESC SCHEMA JSON
	local out rc=0
	out=$("$E2E_ROOT/tests/docs/validate.py" "$E2E_ROOT/docs/schema/$2.json" <<<"$3" 2>&1) || rc=$?
	if ((rc == 0)); then ok "$1: valid against $2.json"; else fail "$1" "$out" "document: $3"; fi
}

# cni_fails DESC CODE CMD CONF ENV...: exit 1, a CNI error with CODE on stdout.
cni_fails() {
	local desc="$1" code="$2"
	shift 2
	cni "$@"
	check_eq "$desc: exit 1" 1 "$CNI_RC" "$CNI_OUT"
	check_eq "$desc: error code $code" "$code" "$(jfield "$CNI_OUT" 'd["code"]')" "$CNI_OUT"
	valid_cni "$desc" cni-error "$CNI_OUT"
}

test_cni_add_check_del() {
	std_topo cn
	local ns c env prev
	ns=$(apath a1)
	c=$(conf '"capabilities":{"portMappings":true},"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":5353,"containerPort":53,"protocol":"udp"}]}')
	env=(CNI_CONTAINERID=Pod_ABC.123 CNI_NETNS="$ns" CNI_IFNAME=eth0)

	cni VERSION '{"cniVersion":"1.1.0"}'
	check_eq "VERSION: exit 0" 0 "$CNI_RC"
	valid_cni "VERSION" cni-version "$CNI_OUT"
	check_eq "VERSION lists 1.1.0" True "$(jfield "$CNI_OUT" '"1.1.0" in d["supportedVersions"]')"

	cni ADD "$c" "${env[@]}"
	check_eq "ADD: exit 0" 0 "$CNI_RC" "$CNI_OUT $(cat "$T/cni.err")"
	valid_cni "ADD result" cni-result "$CNI_OUT"
	prev="$CNI_OUT"
	check_eq "ADD: the actor-side interface is in the sandbox" "eth0 $ns" \
		"$(jfield "$CNI_OUT" 'd["interfaces"][1]["name"] + " " + d["interfaces"][1]["sandbox"]')"
	check_eq "ADD: address, gateway, on interface 1" "10.200.0.2/30 10.200.0.1 1" \
		"$(jfield "$CNI_OUT" '" ".join(str(d["ips"][0][k]) for k in ("address", "gateway", "interface"))')"
	check_eq "ADD: the default route" "0.0.0.0/0 10.200.0.1" \
		"$(jfield "$CNI_OUT" 'd["routes"][0]["dst"] + " " + d["routes"][0]["gw"]')"
	check "status after ADD" atn w1 status --pin-dir "$(pin 1)" --json
	check_eq "the actor name is made from CNI_CONTAINERID" "pod-abc-123" \
		"$(jfield "$OUT" 'd["actors"][0]["name"]')" "$OUT"
	check_eq "portMappings are the exposed ports" "5353:53/udp 8080:80/tcp" \
		"$(jfield "$OUT" '" ".join(sorted("%d:%d/%s" % (e["port"], e["actor_port"], e["proto"]) for e in d["actors"][0]["expose"]))')"
	check_eq "the veth in the result is the actor's" "$(jfield "$OUT" 'd["actors"][0]["veth"]')" \
		"$(jfield "$prev" 'd["interfaces"][0]["name"]')"
	check_eq "the actor's address is in the sandbox" "10.200.0.2/30" "$(v4addrs a-a1 eth0)"
	serve a-a1 tcp 80
	check_get "the node reaches the actor through hostPort 8080" node tcp 192.0.2.11 8080 '^peer='
	serve inet tcp 7000
	check_get "the actor reaches the internet as the pod IP" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
	cni ADD "$c" "${env[@]}"
	check_eq "a second ADD of the same container: exit 1" 1 "$CNI_RC"
	check_eq "a second ADD: CNI error code 100" 100 "$(jfield "$CNI_OUT" 'd["code"]')" "$CNI_OUT"
	check_match "it says the actor is up" "already" "$(jfield "$CNI_OUT" 'd["msg"]')"

	local cc
	cc=$(jfield "$c" 'json.dumps(dict(d, prevResult=json.loads(sys.argv[3])))' "$prev")
	cni CHECK "$cc" "${env[@]}"
	check_eq "CHECK right after ADD: exit 0" 0 "$CNI_RC" "$CNI_OUT"
	check_eq "CHECK prints nothing" "" "$CNI_OUT"
	cni_fails "CHECK without prevResult" 100 CHECK "$c" "${env[@]}"
	in_ns a-a1 ip addr del 10.200.0.2/30 dev eth0
	cni_fails "CHECK after the actor lost its address" 100 CHECK "$cc" "${env[@]}"
	check_match "CHECK says what differs" "lost the actor address" "$(jfield "$CNI_OUT" 'd["msg"]')"

	cni DEL "$c" "${env[@]}"
	check_eq "DEL: exit 0" 0 "$CNI_RC" "$CNI_OUT"
	check_eq "DEL prints nothing" "" "$CNI_OUT"
	check_eq "DEL: no actor left" 0 "$(map_count "$(pin 1)" actors)"
	check_eq "DEL: the sandbox's interface is gone" "lo" \
		"$(in_ns a-a1 ip -o link show | awk -F': ' '{print $2}' | xargs)"
	cni DEL "$c" "${env[@]}"
	check_eq "DEL again: exit 0 (idempotent)" 0 "$CNI_RC" "$CNI_OUT"
	cni DEL "$c" CNI_CONTAINERID=Pod_ABC.123 CNI_IFNAME=eth0
	check_eq "DEL without CNI_NETNS: exit 0" 0 "$CNI_RC" "$CNI_OUT"
	cni_fails "CHECK after DEL" 100 CHECK "$cc" "${env[@]}"
	check_eq "no record left for GC" "" "$(ls -A "$T/cni-state/actors" 2>/dev/null)"
}

test_cni_errors() {
	std_topo ce
	local ns
	ns=$(apath a1)
	cni_fails "config not JSON" 6 ADD 'not json' CNI_CONTAINERID=c1 CNI_NETNS="$ns" CNI_IFNAME=eth0
	cni_fails "no CNI_NETNS on ADD" 4 ADD "$(conf)" CNI_CONTAINERID=c1 CNI_IFNAME=eth0
	cni_fails "no CNI_CONTAINERID" 4 ADD "$(conf)" CNI_NETNS="$ns" CNI_IFNAME=eth0
	cni_fails "an invalid CNI_IFNAME" 4 ADD "$(conf)" CNI_CONTAINERID=c1 CNI_NETNS="$ns" CNI_IFNAME=a/b
	cni_fails "a cniVersion it does not speak" 1 ADD \
		'{"cniVersion":"0.2.0","name":"n","type":"ateomnet"}' CNI_CONTAINERID=c1 CNI_NETNS="$ns" CNI_IFNAME=eth0
	cni_fails "a bad natQuota" 7 ADD "$(conf '"natQuota":"lots"')" CNI_CONTAINERID=c1 CNI_NETNS="$ns" CNI_IFNAME=eth0
	check_match "the message names the config field" '^invalid network config \(natQuota\): --nat-quota "lots"' \
		"$(jfield "$CNI_OUT" 'd["msg"]')"
	cni_fails "an SCTP port mapping" 7 ADD \
		"$(conf '"capabilities":{"portMappings":true},"runtimeConfig":{"portMappings":[{"hostPort":1,"containerPort":1,"protocol":"sctp"}]}')" \
		CNI_CONTAINERID=c1 CNI_NETNS="$ns" CNI_IFNAME=eth0
	cni_fails "a missing network name" 7 ADD '{"cniVersion":"1.1.0","type":"ateomnet"}' \
		CNI_CONTAINERID=c1 CNI_NETNS="$ns" CNI_IFNAME=eth0
	cni_fails "a netns that is not one" 100 ADD "$(conf)" CNI_CONTAINERID=c1 CNI_NETNS=/etc/hostname CNI_IFNAME=eth0
	cni_fails "an unknown command" 4 FROB "$(conf)"
	check_eq "nothing was made" 0 "$( [[ -e "$(pin 1)/actors" ]] && map_count "$(pin 1)" actors || echo 0)"
	check_eq "the actor netns is untouched" "lo" "$(in_ns a-a1 ip -o link show | awk -F': ' '{print $2}' | xargs)"
}

# A chained list as a runtime would run it (tests/e2e/cni_chain.py does
# what libcni does): ateomnet, then Debian's reference `tuning` plugin,
# which reads ateomnet's result as prevResult, sets the MTU of the
# interface it names in the sandbox, and passes the result on.
test_cni_chain() {
	std_topo cc
	local ns list out
	ns=$(apath a1)
	list="$T/list.json"
	cat >"$list" <<-JSON
	{"cniVersion":"1.0.0","name":"actors","plugins":[
	  {"type":"ateomnet","pinDir":"$(pin 1)","stateDir":"$T/cni-state","capabilities":{"portMappings":true}},
	  {"type":"tuning","mtu":1280,"sysctl":{"net.ipv4.tcp_syn_retries":"3"}}]}
	JSON
	# The plugins are found by type in CNI_PATH, as a runtime finds them.
	mkdir -p "$T/bin" && ln -sf "$ATEOMNET" "$T/bin/ateomnet"
	local run=(in_ns w1 env CNI_PATH="$T/bin:$CNI_BIN" CNI_CONTAINERID=chain1 CNI_NETNS="$ns"
		CNI_IFNAME=eth0 CAP_ARGS='{"portMappings":[{"hostPort":8081,"containerPort":81,"protocol":"tcp"}]}'
		"$E2E_ROOT/tests/e2e/cni_chain.py")
	check "chain ADD (ateomnet, tuning)" "${run[@]}" ADD "$list" "$T/cache.json"
	out="$OUT"
	valid_cni "the chain's final result" cni-result "$(tail -1 <<<"$out")"
	check_eq "tuning passed ateomnet's interfaces on" "eth0 $ns" \
		"$(jfield "$(tail -1 <<<"$out")" 'd["interfaces"][1]["name"] + " " + d["interfaces"][1]["sandbox"]')"
	check_eq "tuning set the MTU of the interface ateomnet made" 1280 "$(link_field a-a1 eth0 mtu)"
	check_eq "tuning set a sysctl in the sandbox" 3 "$(in_ns a-a1 cat /proc/sys/net/ipv4/tcp_syn_retries)"
	check "status" atn w1 status --pin-dir "$(pin 1)" --json
	check_eq "the portMappings capability reached ateomnet" "8081:81/tcp" \
		"$(jfield "$OUT" '" ".join("%d:%d/%s" % (e["port"], e["actor_port"], e["proto"]) for e in d["actors"][0]["expose"])')"
	serve a-a1 tcp 81
	check_get "the node reaches the actor on hostPort 8081" node tcp 192.0.2.11 8081 '^peer='
	check "chain CHECK (both plugins, cached result as prevResult)" "${run[@]}" CHECK "$list" "$T/cache.json"
	in_ns a-a1 ip link set eth0 mtu 1400
	check_fails "chain CHECK fails once the MTU differs (tuning's check)" "${run[@]}" CHECK "$list" "$T/cache.json"
	check "chain DEL (reverse order)" "${run[@]}" DEL "$list" "$T/cache.json"
	check_eq "no actor after DEL" 0 "$(map_count "$(pin 1)" actors)"
}

# GC removes CNI attachments the runtime no longer lists, and nothing
# else; STATUS says whether an ADD can succeed. CNI_IFNAME net1 here.
test_cni_gc_status() {
	std_topo cg
	e2e_actor a2
	e2e_actor a3
	local c
	c=$(conf '"maxActors":3')
	cni STATUS "$c"
	check_eq "STATUS on a ready worker: exit 0" 0 "$CNI_RC" "$CNI_OUT"
	cni_fails "STATUS with a pod interface that does not exist" 50 STATUS "$(conf '"podInterface":"nope0"')"
	check_match "STATUS says what is missing" "nope0 does not exist" "$(jfield "$CNI_OUT" 'd["msg"]')"

	cni ADD "$c" CNI_CONTAINERID=c1 CNI_NETNS="$(apath a1)" CNI_IFNAME=net1
	check_eq "ADD c1 (CNI_IFNAME net1)" 0 "$CNI_RC" "$CNI_OUT"
	check_eq "the sandbox has net1" "10.200.0.2/30" "$(v4addrs a-a1 net1)"
	cni ADD "$c" CNI_CONTAINERID=c2 CNI_NETNS="$(apath a2)" CNI_IFNAME=net1
	check_eq "ADD c2" 0 "$CNI_RC" "$CNI_OUT"
	up 1 a3 --veth ateom3
	cni STATUS "$c"
	check_eq "STATUS with actors up: exit 0" 0 "$CNI_RC" "$CNI_OUT"

	cni GC "$(jfield "$c" 'json.dumps(dict(d, **{"cni.dev/valid-attachments": [{"containerID": "c1", "ifname": "net1"}]}))')"
	check_eq "GC: exit 0" 0 "$CNI_RC" "$CNI_OUT $(cat "$T/cni.err")"
	check "status after GC" atn w1 status --pin-dir "$(pin 1)" --json
	check_eq "GC kept c1 and the CLI's actor, removed c2" "a3 c1" \
		"$(jfield "$OUT" '" ".join(sorted(a["name"] for a in d["actors"]))')" "$OUT"
	check_eq "c2's sandbox interface is gone" "lo" "$(in_ns a-a2 ip -o link show | awk -F': ' '{print $2}' | xargs)"
	check_eq "only c1's record is left" "c1" "$(ls -A "$T/cni-state/actors" | xargs)"
	cni GC "$(jfield "$c" 'json.dumps(dict(d, **{"cni.dev/valid-attachments": []}))')"
	check_eq "GC with no valid attachment: exit 0" 0 "$CNI_RC" "$CNI_OUT"
	check "status" atn w1 status --pin-dir "$(pin 1)" --json
	check_eq "only the CLI's actor is left" "a3" "$(jfield "$OUT" '" ".join(a["name"] for a in d["actors"])')"
	down 1 a3
}

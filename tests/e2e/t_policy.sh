# shellcheck shell=bash
# Egress policy (README "Egress control"): two actors with different
# policies on one worker, DNS only to the resolver, the worker itself
# reachable in deny mode, a policy replaced at runtime, deny events, and
# refusals that change nothing.

# actor_egress N ACTOR FIELD: the actor's "egress" object field in status.
actor_egress() {
	status_json "$1" | "$PY" -c '
import json, sys
a = [a for a in json.load(sys.stdin)["actors"] if a["name"] == sys.argv[1]]
print(a[0]["egress"][sys.argv[2]] if a else "<no actor>")' "$2" "$3"
}

actor_count() {
	status_json "$1" | "$PY" -c '
import json, sys
a = [a for a in json.load(sys.stdin)["actors"] if a["name"] == sys.argv[1]]
print(a[0]["counters"][sys.argv[2]]["packets"] if a else "<no actor>")' "$2" "$3"
}

test_policy_two_actors() {
	std_topo pol
	# The DNS pairs and closed TCP pairs made below must outlive the whole
	# test (the refusal checks compare the maps before and after): not the
	# 30 s and 1 s defaults.
	must atn w1 prepare --pin-dir "$(pin 1)" --max-actors 2 --timeout-udp-query 600 \
		--timeout-tcp-close 600 >/dev/null
	local p ev
	p=$(pin 1)
	e2e_actor a2
	in_ns inet ip addr add 203.0.113.53/24 dev eth0
	serve inet tcp 7000
	serve inet tcp 7002
	serve inet udp 53
	serve w1 tcp 9000
	up 1 a1 --egress-mode deny --allow 203.0.113.10:7000/tcp --resolver 203.0.113.53
	up 1 a2 --veth ateom1 --expose 8080/tcp --deny 203.0.113.10/32:7000
	check_eq "a1 status: mode deny" deny "$(actor_egress 1 a1 mode)"
	check_eq "a1 status: one rule" 1 "$(actor_egress 1 a1 rules)"
	check_eq "a2 status: mode allow, one deny rule" "allow 1" \
		"$(actor_egress 1 a2 mode) $(actor_egress 1 a2 rules)"

	check_get "a1 (deny): allowed destination answers" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
	check_no_get "a1 (deny): other port of the same host denied by default" a-a1 tcp 203.0.113.10 7002
	check_get "a1 (deny): DNS to the resolver" a-a1 udp 203.0.113.53 53 '^peer=192\.0\.2\.11:'
	check_no_get "a1 (deny): DNS elsewhere denied" a-a1 udp 203.0.113.10 53
	check_get "a1 (deny): the worker itself still reachable" a-a1 tcp 10.200.0.1 9000 \
		'^peer=169\.254\.18\.1:'
	check_no_get "a2 (allow + deny rule): denied destination" a-a2 tcp 203.0.113.10 7000
	check_get "a2 (allow + deny rule): the rest allowed" a-a2 tcp 203.0.113.10 7002 '^peer=192\.0\.2\.11:'
	check_range "a1: deny_default counted" 1 1000 "$(actor_count 1 a1 deny_default)"
	check_range "a1: deny_dns counted" 1 1000 "$(actor_count 1 a1 deny_dns)"
	check_range "a2: deny_rule counted" 1 1000 "$(actor_count 1 a2 deny_rule)"

	ev=$(atn w1 events --pin-dir "$p" --json)
	check_match "events: a1's denied TCP flow, by default" \
		'"actor":"a1".*"dst":"203.0.113.10","port":7002,"proto":"tcp","reason":"default"' "$ev"
	check_match "events: a1's DNS elsewhere" '"actor":"a1".*"port":53,"proto":"udp","reason":"dns"' "$ev"
	check_match "events: a2's flow with its rule" \
		'"actor":"a2".*"port":7000,"proto":"tcp","reason":"rule","rule":"deny 203.0.113.10/32:7000"' "$ev"
	check_eq "events: read once (the ring buffer is consumed)" "" "$(atn w1 events --pin-dir "$p")"

	# At runtime: a1 may now reach the whole host; then back to allow.
	must atn w1 policy --actor a1 --pin-dir "$p" --egress-mode deny --allow 203.0.113.10
	check_get "policy change: a1 reaches 7002 now" a-a1 tcp 203.0.113.10 7002 '^peer=192\.0\.2\.11:'
	check_no_get "policy change: DNS elsewhere still denied" a-a1 udp 203.0.113.10 53
	must atn w1 policy --actor a1 --pin-dir "$p" --egress-mode allow
	check_get "policy allow: DNS anywhere" a-a1 udp 203.0.113.10 53 '^peer=192\.0\.2\.11:'
	check_eq "policy allow: status" "allow 0" "$(actor_egress 1 a1 mode) $(actor_egress 1 a1 rules)"
	check_match "policy allow: a1's hook slot empty" 'Not found' \
		"$(bpftool map lookup pinned "$p/egress_hooks" key 1 0 0 0 2>&1)"

	refuses "policy: bad rule" 2 1 atn w1 policy --actor a1 --pin-dir "$p" --egress-mode deny \
		--allow 203.0.113.10:99999
	refuses "policy: unknown actor" 1 1 atn w1 policy --actor nobody --pin-dir "$p" \
		--egress-mode deny
	refuses "policy: host bits past the prefix" 2 1 atn w1 policy --actor a2 --pin-dir "$p" \
		--egress-mode deny --allow 203.0.113.10/24
	refuses "policy: capture without a cgroup for SO_ORIGINAL_DST" 1 1 atn w1 policy --actor a2 \
		--pin-dir "$p" --egress-mode capture
	down 1 a2
	check_eq "down: a2's policy entries gone" 0 "$(map_count "$p" policy/pol_conf 'e["key"]["actor_id"] == 2')"
}

# An open connection when its destination becomes denied: its next packets
# are dropped (the policy is per packet), so the connection stalls.
test_policy_open_connection() {
	std_topo polc
	local p
	p=$(pin 1)
	serve inet tcp 7000
	up 1 a1 --egress-mode deny --allow 203.0.113.10:7000/tcp
	check_get "before: allowed" a-a1 tcp 203.0.113.10 7000 '^peer='
	must atn w1 policy --actor a1 --pin-dir "$p" --egress-mode deny --allow 203.0.113.10:7001/tcp
	check_no_get "after: the same destination denied" a-a1 tcp 203.0.113.10 7000
}

# An open flow (one UDP socket sending all along: one NAT pair whose
# verdict the datapath caches) meets a policy change at its next packet.
test_policy_open_flow_cached() {
	std_topo polf
	local p n_before n_after srv
	p=$(pin 1)
	serve inet udp 7002
	srv="$T/srv-inet-udp-7002.log"
	up 1 a1 --egress-mode deny --allow 203.0.113.10:7002/udp
	in_ns a-a1 "$PY" "$E2E_ROOT/tests/e2e/flood.py" trickle 203.0.113.10 7002 4 \
		>"$T/trickle.log" 2>&1 &
	topo_track_pid $!
	wait_line "$srv" '^peer=' 100 || true
	sleep 0.5
	check_range "the open flow gets through" 2 100000 "$(grep -c '^peer=' "$srv")"
	check_range "after its first datagram it skips the hook (hook_cached)" 1 100000 \
		"$(actor_count 1 a1 hook_cached)"
	must atn w1 policy --actor a1 --pin-dir "$p" --egress-mode deny \
		--allow 203.0.113.10:7001/udp
	# Read at once: no grace window after the change (datagrams may be
	# in flight).
	n_before=$(grep -c '^peer=' "$srv")
	wait_line "$T/trickle.log" '^sent' 200 || true
	n_after=$(grep -c '^peer=' "$srv")
	check_range "after the change, at most the datagrams in flight arrive" \
		"$n_before" $((n_before + 2)) "$n_after"
	check_range "its datagrams denied (deny_default)" 50 100000 \
		"$(actor_count 1 a1 deny_default)"
}

# pol_rules6 entries of actor ID in pin dir P (with GEN: of that generation).
rules6_count() {
	local gen="${3:-}"
	map_count "$1" policy/pol_rules6 "e['key']['actor_id'] == $2 and ('$gen' == '' or e['key']['gen'] == int('${gen:-0}'))"
}

# IPv6 rules, resolvers and cluster CIDRs through the loader (README
# "Egress control", IPv6): written to pol_rules6 under the actor's
# generation, replaced with it, refused with the bad argument named and
# nothing changed, gone with the actor; events --json against its schema.
test_policy_ipv6_rules() {
	std_topo pol6
	local p ev gen line
	p=$(pin 1)
	serve inet tcp 7002
	up 1 a1 --egress-mode deny --allow '[2001:db8::10]:7000/tcp' --deny 2001:db8::66 \
		--resolver 2001:db8::53 --resolver 203.0.113.53 --cluster-cidr fd10::/48 \
		--allow 203.0.113.10:7000/tcp
	check_eq "status: both families' rules counted" 3 "$(actor_egress 1 a1 rules)"
	# 2 rules + 1 cluster CIDR + the 8 prefixes of the IPv6 always-deny set
	check_eq "pol_rules6: one entry per IPv6 prefix" 11 "$(rules6_count "$p" 1)"
	check_eq "pol_rules6: the /128 of the allow rule" 1 \
		"$(map_count "$p" policy/pol_rules6 'e["key"]["prefixlen"] == 160 and v["n"] == 1 and v["r"][0]["port_lo"] == 7000')"
	check_eq "pol_conf: the IPv6 resolver" 1 \
		"$(map_count "$p" policy/pol_conf 'e["key"]["actor_id"] == 1 and v["n_resolvers6"] == 1 and v["n_resolvers"] == 1')"

	# A denied IPv4 flow: its event, valid against events.json.
	check_no_get "a1 (deny): IPv4 elsewhere denied" a-a1 tcp 203.0.113.10 7002
	ev=$(atn w1 events --pin-dir "$p" --json)
	check_match "events: the IPv4 flow, family 4" \
		'"family":4,"dst":"203.0.113.10","port":7002,"proto":"tcp","reason":"default"' "$ev"
	while IFS= read -r line; do
		[[ -n "$line" ]] && valid_event "$line"
	done <<<"$ev"

	# Replaced at runtime: the new generation only, both families at once.
	must atn w1 policy --actor a1 --pin-dir "$p" --egress-mode deny --allow 2001:db8::/32
	gen=$(bpftool -j map lookup pinned "$p/policy/pol_gen" key 1 0 0 0 | json 'd.get("formatted", d)["value"]')
	check_eq "policy: the IPv6 entries of the new generation $gen" 9 "$(rules6_count "$p" 1 "$gen")"
	check_eq "policy: no entry of the old generation left" 9 "$(rules6_count "$p" 1)"
	check_eq "policy: IPv4 entries of the new generation only" \
		"$(map_count "$p" policy/pol_rules 'e["key"]["actor_id"] == 1')" \
		"$(map_count "$p" policy/pol_rules "e['key']['actor_id'] == 1 and e['key']['gen'] == $gen")"

	# Refusals name the argument and change nothing.
	bpftool map dump pinned "$p/policy/pol_rules6" >"$T/rules6.before"
	refuses "policy: IPv6 host bits past the prefix" 2 1 atn w1 policy --actor a1 --pin-dir "$p" \
		--egress-mode deny --allow 2001:db8::1/32
	check_match "  names the argument" '--allow "2001:db8::1/32": address has bits set past /32' "$REFUSE_ERR"
	refuses "policy: an IPv6 port without brackets" 2 1 atn w1 policy --actor a1 --pin-dir "$p" \
		--egress-mode deny --allow 2001:db8::/32:443
	check_match "  says to use brackets" '--allow "2001:db8::/32:443": a port needs the address in brackets' "$REFUSE_ERR"
	refuses "policy: a bad IPv6 resolver" 2 1 atn w1 policy --actor a1 --pin-dir "$p" \
		--egress-mode deny --resolver 2001:db8::zz
	check_match "  names the argument" '--resolver "2001:db8::zz"' "$REFUSE_ERR"
	bpftool map dump pinned "$p/policy/pol_rules6" >"$T/rules6.after"
	check "refusals: pol_rules6 unchanged" cmp -s "$T/rules6.before" "$T/rules6.after"

	# Allow mode with an IPv6 deny rule: the hook stays, no always-deny set.
	must atn w1 policy --actor a1 --pin-dir "$p" --egress-mode allow --deny 2001:db8::66
	check_eq "allow mode + IPv6 deny: one rule" "allow 1" \
		"$(actor_egress 1 a1 mode) $(actor_egress 1 a1 rules)"
	check_eq "allow mode: the deny rule's prefix only" 1 "$(rules6_count "$p" 1)"
	down 1 a1
	check_eq "down: a1's IPv6 rules gone" 0 "$(rules6_count "$p" 1)"
}

# valid_event JSON: one line of events --json, against docs/schema/events.json.
valid_event() {
	local out rc=0
	out=$("$E2E_ROOT/tests/docs/validate.py" "$E2E_ROOT/docs/schema/events.json" <<<"$1" 2>&1) || rc=$?
	if ((rc == 0)); then ok "event valid against events.json"; else
		fail "event valid against events.json" "$out" "event: $1"
	fi
}

# ---- IPv6 traffic through the policy -------------------------------------------
# pol6_topo: IPv6 on the node (a router), the internet host 2001:db8:ff::1
# and worker 1's pod eth0 (2001:db8::11), with the addresses the IPv6 e2e
# fixtures use; socat for the IPv6 ends (the probe speaks IPv4).
POL6_INET=2001:db8:ff::1
pol6_topo() {
	in_ns node sysctl -qw net.ipv6.conf.all.forwarding=1
	in_ns node ip addr add 2001:db8::1/64 dev br0 nodad
	in_ns node ip addr add 2001:db8:ff::fe/64 dev inet nodad
	in_ns inet ip addr add "$POL6_INET/64" dev eth0 nodad
	in_ns inet ip -6 route add default via 2001:db8:ff::fe
	in_ns w1 ip addr add 2001:db8::11/64 dev eth0 nodad
	in_ns w1 ip -6 route add default via 2001:db8::1
}

# pol6_serve PORT: a TCP server on the internet host's IPv6 that answers
# each connection with "v6-PORT".
pol6_serve() {
	in_ns inet socat "TCP6-LISTEN:$1,fork,reuseaddr,ipv6only=1" "SYSTEM:echo v6-$1" \
		>"$T/socat-$1.log" 2>&1 &
	topo_track_pid $!
	for _ in $(seq 100); do
		in_ns inet ss -ltnH "sport = :$1" | grep -q . && return 0
		sleep 0.02
	done
	fatal "socat on [$POL6_INET]:$1 did not start" "$(cat "$T/socat-$1.log")"
}

# pol6_get NS PORT: what [POL6_INET]:PORT answers NS over TCP (empty: none).
pol6_get() {
	in_ns "$1" timeout 3 socat -T2 - "TCP6:[$POL6_INET]:$2,connect-timeout=1.5" </dev/null 2>/dev/null || true
}

# An actor's IPv6 goes through its policy as its IPv4 does: allowed by an
# IPv6 rule, denied by default, counted and reported with the IPv6
# destination; a runtime change; capture drops IPv6 TCP.
test_policy_ipv6_traffic() {
	std_topo pol6t
	pol6_topo
	local p ev root
	p=$(pin 1)
	pol6_serve 7000
	pol6_serve 7002
	up 1 a1 --egress-mode deny --allow "[$POL6_INET]:7000/tcp" --allow 203.0.113.10:7000/tcp
	check_eq "deny mode: the allowed IPv6 destination answers" v6-7000 "$(pol6_get a-a1 7000)"
	check_eq "deny mode: another IPv6 port is denied" "" "$(pol6_get a-a1 7002)"
	check_fails "deny mode: ICMPv6 echo denied (no rule)" \
		in_ns a-a1 ping -6 -n -c 1 -W 1 "$POL6_INET"
	check_range "deny_default counted" 2 1000 "$(actor_count 1 a1 deny_default)"
	ev=$(atn w1 events --pin-dir "$p" --json)
	check_match "events: the IPv6 flow, its address readable" \
		"\"family\":6,\"dst\":\"$POL6_INET\",\"port\":7002,\"proto\":\"tcp\",\"reason\":\"default\"" "$ev"
	check_match "events: the ping, as icmp6" \
		"\"family\":6,\"dst\":\"$POL6_INET\",\"port\":0,\"proto\":\"icmp6\"" "$ev"
	while IFS= read -r line; do
		[[ -n "$line" ]] && valid_event "$line"
	done <<<"$ev"

	# Runtime: allow mode with an IPv6 deny rule.
	must atn w1 policy --actor a1 --pin-dir "$p" --egress-mode allow --deny "[$POL6_INET]:7000/tcp"
	check_eq "allow mode: the denied IPv6 port" "" "$(pol6_get a-a1 7000)"
	check_eq "allow mode: the rest of IPv6 goes" v6-7002 "$(pol6_get a-a1 7002)"
	check "allow mode: ICMPv6 echo goes" in_ns a-a1 ping -6 -n -c 1 -W 2 "$POL6_INET"

	# Capture: the proxy takes IPv4; IPv6 TCP is dropped, not let past it.
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[[ -n "$root" ]] || fatal "no cgroup2 mount"
	POL6_CG="$root/$TOPO_ID-proxy"
	mkdir "$POL6_CG" || fatal "cannot make $POL6_CG"
	trap 'e2e_cleanup; rmdir "$POL6_CG" 2>/dev/null' EXIT
	must atn w1 policy --actor a1 --pin-dir "$p" --egress-mode capture --capture-cgroup "$POL6_CG"
	check_eq "capture: IPv6 TCP does not get out" "" "$(pol6_get a-a1 7002)"
	check_range "capture: deny_proto counted" 1 1000 "$(actor_count 1 a1 deny_proto)"
	check_eq "capture: nothing captured" 0 "$(actor_count 1 a1 capture)"
}

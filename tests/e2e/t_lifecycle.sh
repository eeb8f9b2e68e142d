# shellcheck shell=bash
# down / up again / status / purge. `down` removes the veth, the actor's map
# and NAT entries, and detaches from the pod eth0 with the last actor; it is
# idempotent. `up` after `down` works (restore on the same worker) and
# reuses the pinned programs.

# pod_prog_id N: id of the program on the pod eth0 (tcx or tc), "" if none.
pod_prog_id() {
	{
		in_ns "w$1" "$PROBE" tcx eth0 | sed -nE 's/.*prog_id=([0-9]+) name=from_pod.*/\1/p'
		in_ns "w$1" tc filter show dev eth0 ingress | sed -nE 's/.* bpf .* id ([0-9]+) .*/\1/p'
	} | xargs
}

lifecycle() {
	local mode="$1" p idx prog out rc
	std_topo "lc$mode"
	p=$(pin 1)
	serve inet tcp 7000
	serve inet udp 7001
	serve a-a1 tcp 80 --tag a1
	up 1 a1 --attach "$mode"
	check_get "[$mode] egress TCP" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
	check_get "[$mode] egress UDP" a-a1 udp 203.0.113.10 7001 '^peer=192\.0\.2\.11:'
	check_ping "[$mode] egress ICMP" a-a1 203.0.113.10
	check_get "[$mode] inbound TCP" node tcp 192.0.2.11 80 'tag=a1$'
	idx=$(link_field w1 ateom0 ifindex)
	prog=$(pod_prog_id 1)
	check_match "[$mode] one program on the pod eth0" '^[0-9]+$' "$prog"
	check_range "[$mode] NAT entries of a1 before down" 1 100000 "$(map_count "$p" nat "v[\"actor_ifindex\"] == $idx")"
	check_eq "[$mode] one actor entry before down" 1 "$(map_count "$p" actors)"

	down 1 a1
	check_fails "[$mode] down: ateom0 is gone" in_ns w1 ip link show ateom0
	check_eq "[$mode] down: the actor netns holds only lo" "lo" \
		"$(in_ns a-a1 ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | xargs)"
	check_eq "[$mode] down: actors map empty" 0 "$(map_count "$p" actors)"
	check_eq "[$mode] down: services map empty" 0 "$(map_count "$p" services)"
	check_eq "[$mode] down: no NAT entry of a1 left" 0 "$(map_count "$p" nat "v[\"actor_ifindex\"] == $idx")"
	check_eq "[$mode] down: nat map empty" 0 "$(map_count "$p" nat)"
	check_eq "[$mode] down of the last actor: from_pod stays on pod eth0 (until purge)" \
		"$prog" "$(pod_prog_id 1)"
	check_eq "[$mode] down: status lists no actor" 0 "$(status_json 1 | json 'len(d["actors"])')"
	check_get "[$mode] down: the worker's own egress still works" w1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'

	rc=0
	out=$(atn w1 down --actor a1 --pin-dir "$p" 2>&1) || rc=$?
	check_eq "[$mode] down twice: exit 0" 0 "$rc"
	rc=0
	out=$(atn w1 down --actor nosuch --pin-dir "$p" 2>&1) || rc=$?
	check_eq "[$mode] down of an unknown actor: exit 0" 0 "$rc"
	check_match "[$mode] down of an unknown actor says so" 'nosuch' "$out"

	up 1 a1 --attach "$mode"
	check_get "[$mode] up again: egress TCP" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
	check_get "[$mode] up again: egress UDP" a-a1 udp 203.0.113.10 7001 '^peer=192\.0\.2\.11:'
	check_get "[$mode] up again: inbound TCP" node tcp 192.0.2.11 80 'tag=a1$'
	check_eq "[$mode] up again reuses the pinned program (same prog id)" "$prog" "$(pod_prog_id 1)"
}

test_lifecycle_tcx() { lifecycle tcx; }
test_lifecycle_tc() { lifecycle tc; }

test_down_without_datapath() {
	std_topo dn
	local rc=0
	atn w1 down --actor a1 --pin-dir "$(pin 1)" >"$T/out" 2>&1 || rc=$?
	check_eq "down on a worker that never had an actor: exit 0" 0 "$rc"
}

test_status() {
	std_topo st
	local p j idx names
	p=$(pin 1)
	serve inet tcp 7000
	up 1 a1 --expose 80/tcp --expose 9053:53/udp
	check_get "egress TCP (to have counters)" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
	idx=$(link_field w1 ateom0 ifindex)

	check "status (human) exits 0" atn w1 status --pin-dir "$p"
	check_match "status names the actor" '\ba1\b' "$OUT"
	check_match "status names the interface" 'ateom0' "$OUT"
	check_match "status shows the attach mode" '\btcx\b' "$OUT"
	check_match "status shows the exposed ports" '9053' "$OUT"

	j=$(status_json 1)
	check "status --json is one JSON object" "$PY" -c 'import json,sys; assert isinstance(json.loads(sys.argv[1]), dict)' "$j"
	check_eq "json: pin_dir" "$p" "$(json 'd["pin_dir"]' <<<"$j")"
	check_eq "json: pod_if" "eth0" "$(json 'd["pod_if"]' <<<"$j")"
	check_eq "json: pod_ip" "192.0.2.11" "$(json 'd["pod_ip"]' <<<"$j")"
	check_eq "json: pod_attach" "tcx" "$(json 'd["pod_attach"]' <<<"$j")"
	check_range "json: nat_entries > 0" 1 100000 "$(json 'd["nat_entries"]' <<<"$j")"
	check_eq "json: one actor" 1 "$(json 'len(d["actors"])' <<<"$j")"
	check_eq "json: actor name" "a1" "$(json 'd["actors"][0]["name"]' <<<"$j")"
	check_range "json: actor id" 1 255 "$(json 'd["actors"][0]["id"]' <<<"$j")"
	check_eq "json: actor veth" "ateom0" "$(json 'd["actors"][0]["veth"]' <<<"$j")"
	check_eq "json: actor ifindex = ateom0's" "$idx" "$(json 'd["actors"][0]["ifindex"]' <<<"$j")"
	check_eq "json: actor attach (auto: tc on the veth)" "tc" "$(json 'd["actors"][0]["attach"]' <<<"$j")"
	check_eq "json: worker_addr" "10.200.0.1/30" "$(json 'd["actors"][0]["worker_addr"]' <<<"$j")"
	check_eq "json: actor_addr" "10.200.0.2/30" "$(json 'd["actors"][0]["actor_addr"]' <<<"$j")"
	check_eq "json: expose" "[(80, 80, 'tcp'), (9053, 53, 'udp')]" \
		"$(json 'sorted((e["port"], e["actor_port"], e["proto"]) for e in d["actors"][0]["expose"])' <<<"$j")"
	check_range "json: actor nat_entries > 0" 1 100000 "$(json 'd["actors"][0]["nat_entries"]' <<<"$j")"
	check_range "json: actor counter actor_rx packets > 0" 1 1000000 \
		"$(json 'd["actors"][0]["counters"]["actor_rx"]["packets"]' <<<"$j")"
	check_range "json: actor counter snat packets > 0" 1 1000000 \
		"$(json 'd["actors"][0]["counters"]["snat"]["packets"]' <<<"$j")"
	check_range "json: actor counter snat bytes > 0" 1 1000000000 \
		"$(json 'd["actors"][0]["counters"]["snat"]["bytes"]' <<<"$j")"
	check "json: worker-wide counters present" "$PY" -c \
		'import json,sys; d=json.loads(sys.argv[1]); assert isinstance(d["counters"], dict), d.get("counters")' "$j"
	# counter names are the ones of include/ateomnet_stats.h
	names=$(sed -nE 's/.*X\([A-Z0-9_]+, *"([a-z0-9_]+)"\).*/\1/p' "$E2E_ROOT/include/ateomnet_stats.h" | sort | xargs)
	check_match "counter names read from ateomnet_stats.h" 'actor_rx .*snat' "$names"
	check_eq "json: actor counters are exactly those of ateomnet_stats.h" "$names" \
		"$(json '" ".join(sorted(d["actors"][0]["counters"]))' <<<"$j")"
}

test_purge() {
	std_topo pg
	local p rc
	p=$(pin 1)
	serve inet tcp 7000
	up 1 a1
	rc=0
	atn w1 purge --pin-dir "$p" >"$T/out" 2>&1 || rc=$?
	check_match "purge with an actor up is refused" '^[1-9]' "$rc"
	check_eq "purge refused: the actor is still in the map" 1 "$(map_count "$p" actors)"
	check_get "purge refused: egress still works" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
	down 1 a1
	check "purge after the last down exits 0" atn w1 purge --pin-dir "$p"
	check_eq "purge: nothing pinned any more" "" "$(find "$p" -mindepth 1 ! -type d 2>/dev/null)"
	check_eq "purge: nothing attached to pod eth0" "" "$(pod_prog_id 1)"
	up 1 a1
	check_get "up after purge: egress works" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
}

# ---- stale tcx links -----------------------------------------------------------
# A tcx link dies with its device; its pin does not. A pin counts as an
# attachment only if its link is alive and on this ifindex.

# recreate_pod_if N [IFINDEX]: worker N's eth0 is deleted (its node end with
# it) and made again with the same MAC, addresses and route, as a CNI would;
# with IFINDEX, the new eth0 gets that ifindex back.
recreate_pod_if() {
	local n="$1" idx="${2:-}" mac
	mac=$(link_field "w$n" eth0 mac)
	in_ns "w$n" ip link del eth0
	in_ns "w$n" ip link add eth0 ${idx:+index "$idx"} address "$mac" mtu 1400 type veth \
		peer name "w$n" mtu 1400 netns "$TOPO_ID-node"
	in_ns node ip link set "w$n" master br0 up
	in_ns "w$n" ip addr add "$(topo_pod_ip "$n")/24" dev eth0
	in_ns "w$n" ip link set eth0 up
	in_ns "w$n" ip route add default via "$TOPO_GW"
}

# The pod eth0 is re-created (same ifindex) between the `up`s of two
# actors: the second `up` must attach to the new eth0, not take the dead
# link's pin for an attachment.
test_pod_if_recreated_same_ifindex() {
	std_topo rs
	sized_for 1 2
	e2e_actor a2
	local idx
	serve a-a1 tcp 80 --tag a1
	serve a-a2 tcp 81 --tag a2
	up 1 a1 --attach tcx
	check_get "before: inbound to a1" node tcp 192.0.2.11 80 'tag=a1$'
	idx=$(link_field w1 eth0 ifindex)
	recreate_pod_if 1 "$idx"
	check_eq "the new eth0 has the old ifindex" "$idx" "$(link_field w1 eth0 ifindex)"
	check_eq "nothing is attached to the new eth0 yet" "" "$(pod_prog_id 1)"
	up 1 a2 --veth ateom1 --expose 81 --attach tcx
	check_match "up of a2 attached from_pod to the new eth0" '^[0-9]+$' "$(pod_prog_id 1)"
	check_eq "status: from_pod attached (tcx)" tcx "$(status_json 1 | json 'd["pod_attach"]')"
	check_get "inbound to a2 through the new eth0" node tcp 192.0.2.11 81 'tag=a2$'
	check_get "inbound to a1 through the new eth0" node tcp 192.0.2.11 80 'tag=a1$'
	check_eq "one link pin for eth0, alive" 1 "$(ls "$(pin 1)/links" | grep -c '^eth0$')"
}

# The pod eth0 is re-created (new ifindex) while an actor is up; after its
# `down` the next `up` must attach to the new eth0.
test_pod_if_recreated_new_ifindex() {
	std_topo rn
	local old
	serve a-a1 tcp 80 --tag a1
	up 1 a1 --attach tcx
	old=$(link_field w1 eth0 ifindex)
	recreate_pod_if 1
	check_ne "the new eth0 has another ifindex" "$old" "$(link_field w1 eth0 ifindex)"
	down 1 a1
	check_eq "down: the pin of the dead eth0 link is gone" "" \
		"$(ls "$(pin 1)/links" 2>/dev/null | grep '^eth0$' || true)"
	up 1 a1 --attach tcx
	check_match "up again attached from_pod to the new eth0" '^[0-9]+$' "$(pod_prog_id 1)"
	check_get "inbound to a1 through the new eth0" node tcp 192.0.2.11 80 'tag=a1$'
}

# The pod eth0 is re-created under a new ifindex while a1 stays up: a2's
# `up` moves the datapath to the new eth0 (the old one is gone, so it is no
# other pod interface), and both actors work through it.
test_pod_if_recreated_actor_up() {
	std_topo ru
	sized_for 1 2
	e2e_actor a2
	local old
	serve inet tcp 7000
	serve a-a1 tcp 80 --tag a1
	serve a-a2 tcp 81 --tag a2
	up 1 a1 --attach tcx
	old=$(link_field w1 eth0 ifindex)
	recreate_pod_if 1
	check_ne "the new eth0 has another ifindex" "$old" "$(link_field w1 eth0 ifindex)"
	check "a2's up moves the datapath to the new eth0" \
		atn w1 up --actor a2 --netns "$(apath a2)" --pin-dir "$(pin 1)" --veth ateom1 --expose 81
	check_eq "the config names the new eth0" "$(link_field w1 eth0 ifindex)" \
		"$(status_json 1 | json 'd["pod_ifindex"]')"
	check_get "inbound to a1 through the new eth0" node tcp 192.0.2.11 80 'tag=a1$'
	check_get "inbound to a2 through the new eth0" node tcp 192.0.2.11 81 'tag=a2$'
	check_get "a1's egress leaves through the new eth0" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
}

# The actor netns is deleted before `down` (its veth went with it): down
# and purge must succeed and leave no pin and no program of this datapath.
test_actor_netns_vanished() {
	std_topo av
	local p ids
	p=$(pin 1)
	up 1 a1 --attach tcx
	ids=$(pinned_prog_ids "$p")
	check_match "the datapath's programs are pinned" '^[0-9]+( [0-9]+)+$' "$ids"
	ip netns del "$TOPO_ID-a-a1"
	check "down after the actor netns vanished exits 0" atn w1 down --actor a1 --pin-dir "$p"
	check_eq "down: no link pin left but the pod eth0's" "eth0" "$(ls "$p/links" 2>/dev/null | xargs)"
	check_eq "down: actors map empty" 0 "$(map_count "$p" actors)"
	check "purge exits 0" atn w1 purge --pin-dir "$p"
	check_fails "purge: the pin dir is gone" test -e "$p"
	check_eq "purge: no program of this datapath is left in the kernel" "" "$(live_prog_ids $ids)"
	check_eq "purge: nothing attached to pod eth0" "" "$(pod_prog_id 1)"
}

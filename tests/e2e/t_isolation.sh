# shellcheck shell=bash
# Isolation: what one actor (or a host on the pod network) does must not
# take a port from the worker or from another actor, evict another actor's
# flows, create NAT state from outside, or leak around the datapath's
# checks (VLAN tags, IPv4 options, a stale egress hook). docs/NOTES.md,
# "NAT ownership". The traffic generators are in flood.py.

FLOOD="$E2E_ROOT/tests/e2e/flood.py"

# flood NS ARGS...: flood.py in NS (its summary line on stdout).
flood() { local ns="$1"; shift; in_ns "$ns" "$PY" "$FLOOD" "$@"; }

# actor_json N ACTOR EXPR: EXPR over the actor's object (as a) in
# `status --json` of worker N.
actor_json() {
	status_json "$1" | "$PY" -c '
import json, sys
a = [a for a in json.load(sys.stdin)["actors"] if a["name"] == sys.argv[1]]
try:
    print(eval(sys.argv[2], {"a": a[0]}))
except (IndexError, KeyError) as e:
    print("<status has no %s>" % e)' "$2" "$3"
}

actor_counter() { actor_json "$1" "$2" "a['counters']['$3']['packets']"; }

# actor_field N ACTOR FIELD: a field of the actor's entry in the `actors`
# map (nat_pairs, nat_quota ...), whatever `status` shows of it.
actor_field() {
	bpftool -j map dump pinned "$(pin "$1")/actors" | "$PY" -c '
import json, sys
for e in json.load(sys.stdin):
    v = e.get("formatted", e)["value"]
    if v["name"] == sys.argv[1]:
        print(v.get(sys.argv[2], "<no field %s>" % sys.argv[2]))
        break
else:
    print("<no actor %s>" % sys.argv[1])' "$2" "$3"
}

# nat_of N ACTOR_ID: the actor's NAT entries, one a line, without their age.
nat_of() {
	atn "w$1" nat --pin-dir "$(pin "$1")" --json | "$PY" -c '
import json, sys
for e in sorted(json.load(sys.stdin), key=lambda e: (e["dir"], e["src"], e["dst"], e["proto"])):
    if e["actor_id"] == int(sys.argv[1]):
        print(e["proto"], e["dir"], e["src"], e["dst"], e["type"], e["to"])' "$2"
}

# ---- ports: the actor picks none, and never one of the worker or exposed ----

# Source ports of test_no_hijack: the ports themselves, every source port the
# old fold (1024 + sport % 31744) mapped onto them, and random ones.
hijack_sports() {
	"$PY" -c '
import random
special = [9090, 9091, 8080, 8066, 8067, 7056, 39810, 39811, 38800, 40834, 40835, 39824]
rnd = random.Random(3)
ports = set(special)
while len(ports) < 3000:
    ports.add(rnd.randint(1024, 65535))
print("\n".join(map(str, sorted(ports))))'
}

test_no_hijack() {
	std_topo ih
	sized_for 1 2
	local p ans nat pairs fold
	p=$(pin 1)
	e2e_actor a2
	serve w1 tcp 9090 --tag w1
	serve w1 udp 9091 --tag w1
	serve a-a2 tcp 8080 --tag a2
	up 1 a1
	up 1 a2 --veth ateom1 --expose 8080/tcp
	# The node drops a1's SYNs to :5555 (no RST): its TCP pairs stay
	# "SYN sent" for minutes, long enough to be read below.
	must in_ns node nft -f - <<-'EOF'
		table ip iso {
			chain in {
				type filter hook input priority 0;
				ip saddr 192.0.2.11 tcp dport 5555 tcp flags & (syn | ack) == syn drop
			}
		}
	EOF
	must in_ns a-a1 ping -c 1 -W 2 10.200.0.1 # gateway ARP first: the burst is not queued on it
	hijack_sports >"$T/sports"
	check_match "a1 sends from 3000 source ports (UDP and TCP SYN) to 192.0.2.1:5555" \
		'^sent udp=3000 tcp=3000$' "$(flood a-a1 sports 192.0.2.1 5555 "$T/sports")"
	# Had a1 got pod:9090 toward 192.0.2.1:5555, this listener on the actor
	# port the old fold mapped onto 9090 would answer the node below.
	serve a-a1 tcp 8066 --tag a1

	nat=$(atn w1 nat --pin-dir "$p" --json)
	ans=$("$PY" -c '
import json, sys
nat = json.load(sys.stdin)
out = [e for e in nat if e["dir"] == "out" and e["src"].startswith("10.200.0.2:")]
taken = [e for e in nat if e["dir"] == "in" and (e["proto"], int(e["dst"].split(":")[1]))
         in (("tcp", 9090), ("udp", 9091), ("tcp", 8080))]
fold = [e for e in out
        if int(e["to"].split(":")[1]) == 1024 + int(e["src"].split(":")[1]) % 31744]
print("pairs=%d taken=%s fold=%d" % (len(out), ",".join(e["proto"] + "/" + e["dst"] for e in taken) or "none",
                                      len(fold)))' <<<"$nat")
	pairs=$(sed -nE 's/^pairs=([0-9]+) .*/\1/p' <<<"$ans")
	fold=$(sed -nE 's/.* fold=([0-9]+)$/\1/p' <<<"$ans")
	check_range "a1 got a pair for (nearly) every flow" 5700 6000 "$pairs" "$ans"
	check_match "no pair on the worker's 9090/tcp and 9091/udp or a2's exposed 8080/tcp" ' taken=none ' "$ans"
	check_range "the pod port is not the old fold of the source port (>= 90% differ)" 0 $((pairs / 10)) "$fold" "$ans"
	check_get "node:5555 -> pod:9090/tcp reaches the worker's listener, not a1" \
		node tcp 192.0.2.11 9090 'tag=w1$' --bind-port 5555
	check_get "node:5555 -> pod:9091/udp reaches the worker's socket, not a1" \
		node udp 192.0.2.11 9091 'tag=w1$' --bind-port 5555
	check_get "node:5555 -> pod:8080/tcp reaches a2 (exposed)" \
		node tcp 192.0.2.11 8080 'tag=a2$' --bind-port 5555
}

# ---- floods: one actor cannot evict another's flows --------------------------

# idle_conn_start: a1 holds an idle TCP connection to inet:7000 whose server
# speaks only when $T/push exists (hold-serve/hold-get of flood.py).
idle_conn_start() {
	start_bg "$T/hold-serve.log" '^ready' hold-serve flood inet hold-serve 7000 "$T/push"
	flood a-a1 hold-get 203.0.113.10 7000 30 >"$T/hold-get.log" 2>&1 &
	topo_track_pid $!
	if ! wait_line "$T/hold-get.log" '^connected' || ! wait_line "$T/hold-serve.log" '^accepted'; then
		fatal "a1's idle connection to inet:7000" "$(cat "$T/hold-get.log" "$T/hold-serve.log")"
	fi
}

# check_idle_conn DESC: the server pushes now; a1 must receive it.
check_idle_conn() {
	touch "$T/push"
	wait_line "$T/hold-get.log" '^got ' 150 || true
	check_match "$1" '^got push$' "$(cat "$T/hold-get.log")"
}

# flood_2cpu NS DST N: N new UDP flows (distinct destination ports) from two
# processes, pinned to CPU 0 and CPU 1. Two datagrams a flow, back to back:
# a flow used again looks alive to a table that evicts the least recently
# used (the old LRU then evicted a1's idle pair rather than a2's flows).
flood_2cpu() {
	local ns="$1" dst="$2" n="$3" half pid0 pid1
	half=$((n / 2))
	in_ns "$ns" taskset -c 0 "$PY" "$FLOOD" flows "$dst" 1 "$half" 2 >"$T/flood0.log" 2>&1 &
	pid0=$!
	in_ns "$ns" taskset -c 1 "$PY" "$FLOOD" flows "$dst" $((half + 1)) $((n - half)) 2 >"$T/flood1.log" 2>&1 &
	pid1=$!
	wait "$pid0" "$pid1" || true
	cat "$T/flood0.log" "$T/flood1.log"
}

test_flood_quota() {
	std_topo iq
	local p id1 before
	p=$(pin 1)
	e2e_actor a2
	serve a-a1 tcp 80 --tag a1
	up 1 a1 --max-actors 2 --nat-entries 4096 --nat-quota 1024
	up 1 a2 --veth ateom1 --expose 81 --nat-quota 1024
	idle_conn_start
	id1=$(actor_json 1 a1 "a['id']")
	before=$(nat_of 1 "$id1")
	check_match "a1's idle connection has its pair" '^tcp in 203\.0\.113\.10:7000 ' "$before"

	check_match "a2 sends 8192 new UDP flows (2x the table) from CPU 0 and 1" \
		'^sent 8192 sent 8192$' "$(flood_2cpu a-a2 203.0.113.10 8192 | xargs)"
	check_idle_conn "after a2's flood, inet's push on a1's idle connection reaches a1"
	check_get "after a2's flood, a1's exposed pod:80 answers" node tcp 192.0.2.11 80 'tag=a1$'
	check_range "a2's drop_quota counts the flows past its quota" 1 100000 "$(actor_counter 1 a2 drop_quota)"
	check_range "a2 holds at most its 1024 pairs (actors map)" 1000 1024 "$(actor_field 1 a2 nat_pairs)"
	check_range "a2 has at most 1024 port records in the table" 1000 1024 \
		"$(map_count "$p" nat "v['actor_id'] == $(actor_json 1 a2 "a['id']") and e['key']['dir'] == 2")"
	check_eq "a1's NAT pairs untouched by a2's flood" "$before" "$(nat_of 1 "$id1")"
	check_eq "no drop_nat_full for a1" 0 "$(actor_counter 1 a1 drop_nat_full)"
}

# The production defaults for two actors (65536 entries, 16384 pairs an
# actor): a2 alone could otherwise fill most of the table.
test_flood_default_table() {
	std_topo id
	sized_for 1 2
	e2e_actor a2
	up 1 a1
	up 1 a2 --veth ateom1 --expose 81
	idle_conn_start
	check_match "a2 sends 40000 new UDP flows from CPU 0 and 1" \
		'^sent 40000 sent 40000$' "$(flood_2cpu a-a2 203.0.113.10 40000 | xargs)"
	check_idle_conn "after a2's flood, inet's push on a1's idle connection reaches a1"
	check_range "a2's drop_quota counts the flows past its quota" 1 100000 "$(actor_counter 1 a2 drop_quota)"
	check_range "a2 holds at most its 16384 pairs" 16000 16384 "$(actor_field 1 a2 nat_pairs)"
}

# Production defaults, one actor (the worker sized for it: 32768 entries,
# exactly its 16384 pairs): an actor that floods reaches its quota, which
# is the whole table, and is held there by the quota (never drop_nat_full);
# its own established connection, its exposed port and the worker's own
# traffic keep working.
test_flood_production_table() {
	std_topo ip1
	local p
	p=$(pin 1)
	up 1 a1
	serve a-a1 tcp 80 --tag a1
	serve inet tcp 7003
	check_eq "the NAT table has the production size" 32768 \
		"$(bpftool -j map show pinned "$p/nat" | json 'd["max_entries"]')"
	idle_conn_start
	check_match "a1 sends 40000 new UDP flows from CPU 0 and 1" \
		'^sent 40000 sent 40000$' "$(flood_2cpu a-a1 203.0.113.10 40000 | xargs)"
	check_range "a1's drop_quota counts the flows past its quota" 1 100000 \
		"$(actor_counter 1 a1 drop_quota)"
	check_eq "never drop_nat_full: the quota holds first" 0 "$(actor_counter 1 a1 drop_nat_full)"
	check_range "a1 holds at most its 16384 pairs" 16000 16384 "$(actor_field 1 a1 nat_pairs)"
	check_idle_conn "after the flood, inet's push on a1's idle connection reaches a1"
	check_get "its exposed pod:80 answers" node tcp 192.0.2.11 80 'tag=a1$'
	check_get "the worker's own egress works" w1 tcp 203.0.113.10 7003 '^peer=192\.0\.2\.11:'
}

# ---- the pod network creates no NAT state -------------------------------------

test_pod_network_flood() {
	std_topo ip
	local p before
	p=$(pin 1)
	serve inet udp 7001
	serve a-a1 tcp 80 --tag a1
	up 1 a1
	check_get "a1 has one egress flow" a-a1 udp 203.0.113.10 7001 '^peer=192\.0\.2\.11:'
	before=$(map_count "$p" nat)
	check_eq "its pair is in the table" 2 "$before"
	check_match "the node sends 5000 spoofed SYNs to pod:80 and 2000 RST/ACKs into the SNAT range" \
		'^sent syn=5000 rst=2000$' "$(flood node spoof 192.0.2.11 80 5000 2000 1024 32767)"
	sleep 0.2
	check_eq "no NAT entry created by them" "$before" "$(map_count "$p" nat)"
	check_range "the SYNs went to a1 (dnat, stateless)" 5000 100000 "$(actor_counter 1 a1 dnat)"
	check_get "a1's service on pod:80 still answers" node tcp 192.0.2.11 80 'tag=a1$' --timeout 5
	check_get "a1's egress flow still works" a-a1 udp 203.0.113.10 7001 '^peer=192\.0\.2\.11:'
}

# ---- what the actor's packets may not carry -----------------------------------

# The kernel here has no 8021q (no VLAN devices): the tagged frames are
# written to the actor's eth0 by an AF_PACKET socket. The receiving veth's
# stack takes the tag off into the skb, as it would from a VLAN device.
test_vlan_and_options() {
	std_topo iv
	local seen
	serve inet udp 7001
	up 1 a1
	start_bg "$T/sniff.log" '^ready' "sniffer on the node's w1" \
		flood node sniff w1 3 MARK-PLAIN MARK-VLAN
	must flood a-a1 frame eth0 0 203.0.113.10 7001 MARK-PLAIN 1
	must flood a-a1 frame eth0 5 203.0.113.10 7001 MARK-VLAN 3
	wait_line "$T/sniff.log" '^seen MARK-PLAIN' 100 || true
	sleep 0.3 # the tagged frames were sent after it
	seen=$(cat "$T/sniff.log")
	check_match "an untagged frame from the actor leaves the pod eth0 (the sniffer works)" '^seen MARK-PLAIN$' "$seen"
	check_no_match "no VLAN-tagged frame leaves the pod eth0" 'MARK-VLAN' "$seen"
	check_eq "a1's drop_vlan counts the 3 tagged frames" 3 "$(actor_counter 1 a1 drop_vlan)"

	check_fails "ping -R (record route option) from a1 gets no reply" \
		in_ns a-a1 ping -n -R -c 2 -i 0.2 -W 1 203.0.113.10
	check_range "a1's drop_ip_options counts them" 2 10 "$(actor_counter 1 a1 drop_ip_options)"
	check_ping "a plain ping from a1 works" a-a1 203.0.113.10
}

# ---- egress hooks: a slot never outlives its actor ----------------------------

# hook_load: build and pin tests/e2e/hook_shot.bpf.c (drops all, counts in
# `shot`); sets HOOK (the pinned program) and HOOK_MAPS.
hook_load() {
	local d
	d=$(topo_pin_dir hook)
	mkdir -p "$d"
	must clang -O2 -g -target bpf -Wall -I"/usr/include/$(cc -print-multiarch)" \
		-c "$E2E_ROOT/tests/e2e/hook_shot.bpf.c" -o "$T/hook_shot.o"
	must bpftool prog load "$T/hook_shot.o" "$d/prog" type classifier pinmaps "$d/maps"
	HOOK="$d/prog" HOOK_MAPS="$d/maps"
}

hook_shots() { bpftool -j map dump pinned "$HOOK_MAPS/shot" | json 'd[0]["formatted"]["value"]'; }

test_hook_slot_cleared() {
	std_topo ik
	local p id id2 n0 n1
	p=$(pin 1)
	hook_load
	serve inet udp 7001
	up 1 a1
	id=$(actor_json 1 a1 "a['id']")
	check_get "without a hook, a1's egress works" a-a1 udp 203.0.113.10 7001 '^peer=192\.0\.2\.11:'
	must bpftool map update pinned "$p/egress_hooks" key "$id" 0 0 0 value pinned "$HOOK"
	check_no_get "with the hook in slot $id, a1's egress is dropped" a-a1 udp 203.0.113.10 7001
	check_range "the hook saw it" 1 100 "$(hook_shots)"
	down 1 a1
	up 1 a1
	id2=$(actor_json 1 a1 "a['id']")
	check_eq "a1 is up again with the same id" "$id" "$id2"
	check_get "after down + up, a1's egress works: down emptied the slot" \
		a-a1 udp 203.0.113.10 7001 '^peer=192\.0\.2\.11:'

	# --egress-hook: in place before the veth carries anything. a1 sends
	# all the time, from before `up` (no route yet) until well after.
	down 1 a1
	serve inet udp 7002
	n0=$(hook_shots)
	flood a-a1 trickle 203.0.113.10 7002 2 >"$T/trickle.log" 2>&1 &
	topo_track_pid $!
	sleep 0.2
	up 1 a1 --egress-hook "$HOOK"
	wait_line "$T/trickle.log" '^sent' 200 || true
	n1=$(hook_shots)
	check_range "with --egress-hook, the hook dropped a1's datagrams" $((n0 + 50)) 100000 "$n1"
	check_eq "not one datagram reached inet:7002" "" "$(grep -v '^ready' "$T/srv-inet-udp-7002.log")"
	check_eq "nothing went through SNAT" 0 "$(actor_counter 1 a1 snat)"
}

# shellcheck shell=bash
# Capture (README "Egress control"): the actor's TCP is delivered to a
# proxy on the worker, and a proxy nobody here wrote finds the original
# destination with getsockopt(SO_ORIGINAL_DST): Debian's redsocks (its
# "iptables" redirector is exactly that call) forwarding through ncat's
# HTTP CONNECT proxy. Worker-local services are not captured; UDP other
# than DNS to the resolver is dropped.

# A cgroup v2 directory for the proxy (the worker pod's cgroup in
# production), removed when the test ends.
capture_cgroup() {
	local root
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[[ -n "$root" ]] || fatal "no cgroup2 mount"
	CG="$root/$TOPO_ID-proxy"
	mkdir "$CG" || fatal "cannot make $CG"
	trap 'e2e_cleanup; rmdir "$CG" 2>/dev/null' EXIT
}

# proxy_start: ncat (HTTP CONNECT) on 127.0.0.1:3128 and redsocks on
# :15001 in worker 1, redsocks inside $CG.
proxy_start() {
	cat >"$T/redsocks.conf" <<-EOC
		base { log_debug = on; log_info = on; log = stderr; daemon = off;
		       redirector = iptables; }
		redsocks { local_ip = 0.0.0.0; local_port = 15001; ip = 127.0.0.1; port = 3128;
		           type = http-connect; }
	EOC
	in_ns w1 ncat -v -l -k --proxy-type http 127.0.0.1 3128 >"$T/ncat.log" 2>&1 &
	topo_track_pid $!
	in_ns w1 bash -c 'for _ in $(seq 100); do ss -Hltn "sport = :3128" | grep -q . && exit; sleep 0.05; done'
	# shellcheck disable=SC2016
	start_bg "$T/redsocks.log" 'redsocks started' "redsocks" in_ns w1 \
		sh -c 'echo $$ >"$1/cgroup.procs" && exec redsocks -c "$2"' sh "$CG" "$T/redsocks.conf"
}

# capture_tables PIN: the actor ids that hold a capture table (capture_orig,
# an array of maps: only an actor in capture mode has one).
capture_tables() {
	bpftool -j map dump pinned "$1/capture_orig" |
		json '" ".join(str(int(e["key"][0], 16)) for e in d)'
}

test_capture_redsocks() {
	std_topo cap
	# sized_for 1 2, and closed TCP pairs that outlive the refusal check
	# below (it compares the maps before and after; 1 s is the default).
	must atn w1 prepare --pin-dir "$(pin 1)" --max-actors 2 --timeout-tcp-close 600 >/dev/null
	local p st
	p=$(pin 1)
	capture_cgroup
	e2e_actor a2
	in_ns inet ip addr add 203.0.113.53/24 dev eth0
	serve inet tcp 7000
	serve inet udp 53
	serve inet udp 7001
	serve w1 tcp 4317
	proxy_start
	up 1 a1 --egress-mode capture --resolver 203.0.113.53 --capture-cgroup "$CG"
	up 1 a2 --veth ateom1 --expose 8080/tcp

	# The answer comes from inet through the proxy: inet sees the worker's
	# own connection (pod IP, not a SNAT port), the actor the server.
	check_get "a1 (capture): TCP answered through the proxy" a-a1 tcp 203.0.113.10 7000 \
		'^peer=192\.0\.2\.11:[0-9]+ local=203\.0\.113\.10:7000$' --bind-port 40000
	check_match "redsocks read the original destination (SO_ORIGINAL_DST)" \
		'169\.254\.18\.1:40000->203\.0\.113\.10:7000' "$(cat "$T/redsocks.log")"
	check_eq "a1: no NAT pair (the actor's TCP never left directly)" 0 \
		"$(map_count "$p" nat 'e["key"]["proto"] == 6 and v["actor_id"] == 1')"
	check_get "a1 (capture): worker-local service not captured" a-a1 tcp 10.200.0.1 4317 \
		'^peer=169\.254\.18\.1:'
	check_get "a1 (capture): DNS to the resolver" a-a1 udp 203.0.113.53 53 '^peer=192\.0\.2\.11:'
	check_no_get "a1 (capture): other UDP dropped" a-a1 udp 203.0.113.10 7001
	check_get "a2 (allow) on the same worker: direct, SNAT port" a-a2 tcp 203.0.113.10 7000 \
		'^peer=192\.0\.2\.11:([0-9]{4}|[12][0-9]{4}|3[0-2][0-9]{3}) '
	st=$(status_json 1)
	check_match "status: a1 capture mode, proxy port" '"mode": "capture", "rules": 0, "capture_port": 15001' \
		"$(jfield "$st" 'json.dumps([a for a in d["actors"] if a["name"] == "a1"][0]["egress"])')"
	check_range "status: a1 capture counted" 1 100000 \
		"$(jfield "$st" '[a for a in d["actors"] if a["name"] == "a1"][0]["counters"]["capture"]["packets"]')"
	check_range "status: a1 capture_reply counted" 1 100000 \
		"$(jfield "$st" '[a for a in d["actors"] if a["name"] == "a1"][0]["counters"]["capture_reply"]["packets"]')"
	check_match "events: the dropped UDP" '"actor":"a1".*"port":7001,"proto":"udp","reason":"proto"' \
		"$(atn w1 events --pin-dir "$p" --json)"

	# Capture state: a table for a1 alone, gone when it stops capturing
	# or goes down; a2 in capture gets its own (its flood evicts only its
	# own connections).
	check_eq "capture table: a1's only" 1 "$(capture_tables "$p")"
	must atn w1 policy --actor a2 --pin-dir "$p" --egress-mode capture
	check_eq "capture tables: a1's and a2's" "1 2" "$(capture_tables "$p")"
	check_get "a2 (now capture): through the proxy" a-a2 tcp 203.0.113.10 7000 \
		'^peer=192\.0\.2\.11:[0-9]+ local=203\.0\.113\.10:7000$' --bind-port 40002
	check_match "redsocks: a2's original destination" \
		'169\.254\.18\.2:40002->203\.0\.113\.10:7000' "$(cat "$T/redsocks.log")"
	# A refused policy changes nothing: not the worker's cgroup link (a
	# new cgroup given with it), not a capture table (a1 had none).
	local rules=() n
	for n in $(seq 8 24); do rules+=(--allow "10.0.0.0/$n"); done
	mkdir "$CG-other"
	refuses "policy with 17 rules over one prefix and a new cgroup" 1 1 \
		atn w1 policy --actor a1 --pin-dir "$p" --egress-mode deny "${rules[@]}" \
		--capture-cgroup "$CG-other"
	rmdir "$CG-other"
	check_match "... says why" 'rules' "$REFUSE_ERR"
	check_eq "... the worker's cgroup link still there" 1 \
		"$(bpftool -j cgroup show "$CG" | "$PY" -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x.get("attach_type") == "cgroup_getsockopt"))')"
	must atn w1 policy --actor a1 --pin-dir "$p" --egress-mode deny --allow 203.0.113.10
	check_eq "a1 no longer captures: its table is gone" 2 "$(capture_tables "$p")"
	check_eq "status memory counts policy/ and the capture table" \
		"$("$E2E_ROOT/tests/lib/dp_memlock.py" "$p")" \
		"$(jfield "$(status_json 1)" 'd["memory_bytes"]')"
	down 1 a2
	check_eq "a2 down: its table is gone" "" "$(capture_tables "$p")"
}

# check_no_get_from DESC NS PROTO IP PORT BIND_PORT: no answer to a request
# sent from BIND_PORT.
check_no_get_from() {
	local desc="$1" ns="$2" proto="$3" ip="$4" port="$5" bind="$6" rc=0 ans
	ans=$(in_ns "$ns" "$PROBE" "$proto-get" "$ip" "$port" --bind-port "$bind" --timeout 1.5 2>&1) ||
		rc=$?
	if ((rc != 0)); then ok "$desc"; else
		fail "$desc" "command: probe $proto-get $ip $port --bind-port $bind in $ns" \
			"expected: no answer" "got: $ans"
	fi
}

# An actor in deny mode and one in capture mode answer inbound connections
# on their exposed ports (the replies pass the hook: they go back to the
# client that connected), while a connection either opens itself from an
# exposed port to another host is still denied / captured.
test_capture_exposed_ports_answer() {
	std_topo cxp
	sized_for 1 2
	local p st
	p=$(pin 1)
	capture_cgroup
	e2e_actor a2
	serve inet tcp 7000
	serve a-a1 tcp 80 --tag a1
	serve a-a2 tcp 80 --tag a2
	proxy_start
	up 1 a1 --egress-mode deny --expose 8080:80/tcp --expose 8081:81/tcp
	up 1 a2 --veth ateom1 --egress-mode capture --capture-cgroup "$CG" \
		--expose 9080:80/tcp --expose 9081:81/tcp

	check_get "a1 (deny) answers inet on its exposed port" inet tcp 192.0.2.11 8080 \
		'^peer=203\.0\.113\.10:[0-9]+ local=10\.200\.0\.2:80 tag=a1$'
	check_get "a1 (deny) answers the node too" node tcp 192.0.2.11 8080 'tag=a1$'
	check_get "a2 (capture) answers inet on its exposed port" inet tcp 192.0.2.11 9080 \
		'^peer=203\.0\.113\.10:[0-9]+ local=10\.200\.0\.2:80 tag=a2$'
	check_no_get_from "a1 (deny): from exposed port 81 to inet:7000, denied" a-a1 tcp \
		203.0.113.10 7000 81
	check_no_get_from "a1 (deny): from exposed port 81 to the node that called it, denied" \
		a-a1 tcp 192.0.2.1 7000 81
	check_get "a2 (capture): from exposed port 81 to inet:7000, captured to the proxy" a-a2 tcp \
		203.0.113.10 7000 '^peer=192\.0\.2\.11:[0-9]+ local=203\.0\.113\.10:7000$' --bind-port 81
	check_match "redsocks got a2's connection from port 81 (SO_ORIGINAL_DST)" \
		'169\.254\.18\.2:81->203\.0\.113\.10:7000' "$(cat "$T/redsocks.log")"
	st=$(status_json 1)
	check_range "a1: exposed-port replies past the hook (hook_reply)" 1 100000 \
		"$(jfield "$st" '[a for a in d["actors"] if a["name"] == "a1"][0]["counters"]["hook_reply"]["packets"]')"
	check_range "a1: its own connection from port 81 denied (deny_default)" 1 100000 \
		"$(jfield "$st" '[a for a in d["actors"] if a["name"] == "a1"][0]["counters"]["deny_default"]["packets"]')"
	check_range "a2: exposed-port replies past the hook (hook_reply)" 1 100000 \
		"$(jfield "$st" '[a for a in d["actors"] if a["name"] == "a2"][0]["counters"]["hook_reply"]["packets"]')"
	check_range "a2: its own connection captured" 1 100000 \
		"$(jfield "$st" '[a for a in d["actors"] if a["name"] == "a2"][0]["counters"]["capture"]["packets"]')"
}

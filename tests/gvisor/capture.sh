# shellcheck shell=bash
# The capture run of the gVisor e2e (issue 9), sourced by e2e-gvisor.sh.
# The real runsc actor's egress mode is `capture`: its TCP goes to a proxy
# on its worker, Debian's unmodified redsocks (it reads the original
# destination with getsockopt(SO_ORIGINAL_DST)), which forwards through
# ncat's HTTP CONNECT proxy to python3's http.server on the internet host.
# The policy is set again on the worker a snapshot is restored on, as the
# controller would, and must hold there too: captured, and denied.

CAP_HTTP_PORT=8081   # http.server on the internet host
CAP_DENIED_PORT=9000 # the whoami host: a --deny rule in the policy
CAP_CGROUPS=()

# wait_listen NS PORT: a TCP listener on PORT in NS, or the test fails.
wait_listen() {
	local i
	for ((i = 0; i < 100; i++)); do
		in_ns "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.05
	done
	fatal "nothing listens on :$2 in $1 after 5 s"
}

# http_start: the internet host's web server. HTTP/1.0: it closes each
# connection after its reply, so the actor never closes first (a
# checkpoint refuses TIME_WAIT, see testsrv.c).
http_start() {
	mkdir -p "$WORK/www"
	CAP_TOKEN="hello-from-inet-$TOPO_ID"
	echo "$CAP_TOKEN" >"$WORK/www/hello"
	in_ns inet python3 -u -m http.server --bind "$TOPO_INET" --directory "$WORK/www" \
		"$CAP_HTTP_PORT" >"$WORK/logs/http.log" 2>&1 &
	topo_track_pid $!
	wait_listen inet "$CAP_HTTP_PORT"
}

# proxy_start WORKER: a cgroup v2 directory for the worker's proxy (the
# worker pod's cgroup in production), ncat (HTTP CONNECT) on 127.0.0.1:3128
# and redsocks on :15001 inside that cgroup. Sets CAP_CG_<WORKER>.
proxy_start() {
	local w="$1" root cg
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[[ -n "$root" ]] || fatal "no cgroup2 mount"
	cg="$root/$TOPO_ID-$w-proxy"
	mkdir "$cg" || fatal "cannot make $cg"
	CAP_CGROUPS+=("$cg")
	printf -v "CAP_CG_$w" '%s' "$cg"
	cat >"$WORK/redsocks-$w.conf" <<-EOC
		base { log_debug = off; log_info = on; log = stderr; daemon = off;
		       redirector = iptables; }
		redsocks { local_ip = 0.0.0.0; local_port = 15001; ip = 127.0.0.1; port = 3128;
		           type = http-connect; }
	EOC
	in_ns "$w" ncat -v -l -k --proxy-type http 127.0.0.1 3128 >"$WORK/logs/ncat-$w.log" 2>&1 &
	topo_track_pid $!
	# shellcheck disable=SC2016
	in_ns "$w" sh -c 'echo $$ >"$1/cgroup.procs" && exec redsocks -c "$2"' sh "$cg" \
		"$WORK/redsocks-$w.conf" >"$WORK/logs/redsocks-$w.log" 2>&1 &
	topo_track_pid $!
	wait_listen "$w" 3128
	wait_listen "$w" 15001
}

# The policy the controller gives the actor, on every worker it runs on.
capture_policy() { # capture_policy WORKER
	local cg="CAP_CG_$1"
	echo --egress-mode capture --capture-cgroup "${!cg}" --deny "$TOPO_INET:$CAP_DENIED_PORT/tcp"
}

# actor_field WORKER ACTOR JQ: a field of the actor in `status --json`.
actor_field() {
	local js
	js=$(atn "$1" status --pin-dir "$(pin "$1")" --json 2>&1) || fatal "ateomnet status ($1)" "$js"
	jq -r --arg a "$2" ".actors[] | select(.name == \$a) | $3" <<<"$js"
}

# in_sandbox CONTAINER ARGS...: testsrv ARGS as a new process in the
# sandbox (runsc exec), as `curl` in a real image. Never fails: the output
# (an error line too) is what the checks look at.
in_sandbox() {
	local c="$1"
	shift
	rs exec "$c" /testsrv "$@" 2>&1 </dev/null || true
}

# check_captured WORKER CONTAINER ACTOR POD_IP: an HTTP request made inside
# the sandbox reaches the internet host through WORKER's redsocks, which
# saw the original destination, and nothing of it left directly.
check_captured() {
	local w="$1" c="$2" a="$3" pod="$4" id r n nat
	id=$(actor_field "$w" "$a" .id)
	check_eq "$w/$a egress mode is capture" "capture 15001" \
		"$(actor_field "$w" "$a" '"\(.egress.mode) \(.egress.capture_port)"')"
	r=$(in_sandbox "$c" http "$TOPO_INET" "$CAP_HTTP_PORT" /hello)
	check_eq "capture ($w): the sandbox's HTTP GET got the server's answer" \
		"200 $CAP_TOKEN" "$(kv http_status "$r") $(kv http_body "$r")" "$r"
	n=$(grep -cE "\[169\.254\.18\.$id:[0-9]+->$TOPO_INET:$CAP_HTTP_PORT\]: accepted" \
		"$WORK/logs/redsocks-$w.log" || true)
	check_eq "capture ($w): redsocks read the original destination $TOPO_INET:$CAP_HTTP_PORT (SO_ORIGINAL_DST) once" \
		1 "$n" "$(tail -n 5 "$WORK/logs/redsocks-$w.log")"
	check_match "capture ($w): the server was asked by $w (its proxy)" \
		"^${pod//./\\.} - .*\"GET /hello HTTP/1\.0\" 200" "$(tail -n 1 "$WORK/logs/http.log")"
	nat=$(atn "$w" nat --pin-dir "$(pin "$w")" --json 2>&1) || fatal "ateomnet nat ($w)" "$nat"
	check_eq "capture ($w): no NAT entry toward :$CAP_HTTP_PORT (nothing left directly)" 0 \
		"$(jq --arg d "$TOPO_INET:$CAP_HTTP_PORT" '[.[] | select(.dst == $d or .src == $d)] | length' <<<"$nat")" "$nat"
	check_range "capture ($w): capture counted for $a" 1 999999999 \
		"$(actor_field "$w" "$a" '.counters.capture.packets // 0')"
	check_range "capture ($w): capture_reply counted for $a" 1 999999999 \
		"$(actor_field "$w" "$a" '.counters.capture_reply.packets // 0')"
}

# check_denied WORKER CONTAINER ACTOR: the --deny destination is dropped
# before capture (the connect times out inside the sandbox), counted,
# reported.
check_denied() {
	local w="$1" c="$2" a="$3" r ev
	r=$(in_sandbox "$c" egress "$TOPO_INET" "$CAP_DENIED_PORT" 500)
	check_match "deny ($w): $TOPO_INET:$CAP_DENIED_PORT is not reached from the sandbox" \
		'^egress_error=' "$r"
	check_range "deny ($w): deny_rule counted for $a" 1 999999999 \
		"$(actor_field "$w" "$a" '.counters.deny_rule.packets // 0')"
	ev=$(atn "$w" events --pin-dir "$(pin "$w")" --json 2>&1) || fatal "ateomnet events ($w)" "$ev"
	check_match "deny ($w): the event names $a, the destination and the rule" \
		"\"actor\":\"$a\".*\"port\":$CAP_DENIED_PORT,\"proto\":\"tcp\",\"reason\":\"rule\"" "$ev"
	check_eq "deny ($w): no redsocks connection toward :$CAP_DENIED_PORT" 0 \
		"$(grep -c -- "->$TOPO_INET:$CAP_DENIED_PORT\]" "$WORK/logs/redsocks-$w.log" || true)"
}

# capture_cleanup: the proxies' cgroups (their processes are gone with
# the worker namespaces; a cgroup empties a moment later).
capture_cleanup() {
	local cg i
	for cg in "${CAP_CGROUPS[@]}"; do
		for ((i = 0; i < 100; i++)); do
			rmdir "$cg" 2>/dev/null && break
			[[ -d "$cg" ]] || break
			sleep 0.02
		done
	done
}

# shellcheck shell=bash
# e2e test library: topology helpers, traffic and snapshots, over the
# assertions of tests/lib/assert.sh. Sourced by one.sh (which runs exactly
# one test function in its own fresh topology) after tests/lib/topo.sh.
# Checks never exit: they record PASS/FAIL lines in $E2E_RESULTS, so one
# test reports every broken check. `must` and `fatal` are for set-up steps:
# when one fails, the rest of the test is moot.

: "${ATEOMNET:?path of build/ateomnet}" "${PROBE:?path of build/e2e/probe}"
: "${E2E_RESULTS:?result file}" "${T:?per-test scratch dir}"
# shellcheck disable=SC2034 # used by the test files
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The system python: a pyenv shim costs ~0.4 s per call, and we make hundreds.
PY=$(command -v /usr/bin/python3 || command -v python3)

# ---- assertions -------------------------------------------------------------
# tests/lib/assert.sh, recording PASS/FAIL in $E2E_RESULTS (run.sh counts
# them) and going on after a failed check.
ASSERT_RESULTS="$E2E_RESULTS" ASSERT_STOP_ON_FAIL=0
# shellcheck source=../lib/assert.sh
source "$E2E_ROOT/tests/lib/assert.sh"

# ---- topology ---------------------------------------------------------------
# topo.sh's cleanup runs under set -e and stops at the first failed `kill`
# (a server that already exited), leaving namespaces behind: run it with
# errexit off.
# Default pin dirs live under the shared /sys/fs/bpf/ateom, which the
# topology's cleanup does not know: a test that makes one adds it here.
DEFAULT_DIRS=()

e2e_cleanup() {
	local rc=$? d
	set +e
	for d in "${DEFAULT_DIRS[@]}"; do [[ -e "$d" ]] && rm -rf "$d"; done
	(exit $rc)
	topo_cleanup
}

e2e_init() {
	topo_init "$1"
	trap e2e_cleanup EXIT
	echo "$TOPO_ID" >"$T/topo_id"
}

pin() { echo "/sys/fs/bpf/$TOPO_ID-w$1"; }
apath() { echo "/run/netns/$TOPO_ID-a-$1"; }

# e2e_worker N [MTU]: worker N with its pin dir (registered for cleanup);
# MTU, when given, is set on the pod eth0 and its bridge port.
e2e_worker() {
	topo_worker "$1"
	topo_pin_dir "w$1" >"$T/pin" # not in $(): the array must grow here
	[[ "$(<"$T/pin")" == "$(pin "$1")" ]] || fatal "pin dir naming" "$(<"$T/pin")"
	if [[ -n "${2:-}" ]]; then
		in_ns "w$1" ip link set eth0 mtu "$2"
		in_ns node ip link set "w$1" mtu "$2"
	fi
}

e2e_actor() { topo_actor "$1" >/dev/null; }

# The usual test bed: node + inet, worker 1 (pod eth0 MTU 1400), actor a1.
std_topo() {
	e2e_init "$1"
	topo_node
	e2e_worker 1 1400
	e2e_actor a1
}

# sized_for N MAX: worker N's datapath prepared for MAX actors (the default
# is one actor a worker; a test running several says so, as an operator
# would at worker start).
sized_for() { must atn "w$1" prepare --pin-dir "$(pin "$1")" --max-actors "$2" >/dev/null; }

# atn W ARGS...: run ateomnet inside worker W's netns.
# (topo.sh's in_ns uses nsenter: `ip netns exec` would remount /sys and hide
# the shared bpffs, so pins would vanish with the command. It also means
# /sys/class/net shows the root netns: read interfaces through `ip -j`.)
atn() { local w="$1"; shift; in_ns "$w" "$ATEOMNET" "$@"; }

# up N ACTOR [ARGS...]: bring ACTOR up on worker N (netns a-ACTOR, the
# worker's pin dir); a failure ends the test.
up() {
	local n="$1" a="$2"
	shift 2
	must atn "w$n" up --actor "$a" --netns "$(apath "$a")" --pin-dir "$(pin "$n")" "$@"
}

down() { local n="$1" a="$2"; shift 2; must atn "w$n" down --actor "$a" --pin-dir "$(pin "$n")" "$@"; }

status_json() { atn "w$1" status --pin-dir "$(pin "$1")" --json; }

# json EXPR: evaluate a python expression over the JSON on stdin (as d).
json() { "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# jfield JSON EXPR: EXPR over the JSON in $1 ("<not JSON>" when it is not).
jfield() {
	"$PY" -c 'import json, sys
try:
    d = json.loads(sys.argv[1])
except ValueError:
    print("<not JSON>")
    sys.exit()
print(eval(sys.argv[2]))' "$@"
}

# ---- traffic ------------------------------------------------------------------
# wait_line LOG ERE [TRIES]: wait (20 ms steps, 3 s by default) until a
# line of LOG matches ERE; non-zero if none did.
wait_line() {
	for _ in $(seq "${3:-150}"); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}

# start_bg LOG ERE DESC CMD...: CMD in the background (tracked for cleanup),
# its output in LOG; returns once a line of LOG matches ERE.
start_bg() {
	local log="$1" ere="$2" desc="$3"
	shift 3
	"$@" >"$log" 2>&1 &
	topo_track_pid $!
	wait_line "$log" "$ere" || fatal "$desc did not start" "$(cat "$log")"
}

# serve NS tcp|udp PORT [--tag T]: a probe server in NS, ready on return.
serve() {
	local ns="$1" proto="$2" port="$3"
	shift 3
	start_bg "$T/srv-$ns-$proto-$port.log" '^ready' "server $proto/$port in $ns" \
		in_ns "$ns" "$PROBE" "$proto-serve" "$port" "$@"
}

# check_get DESC NS tcp|udp IP PORT ERE [probe opts]: a request from NS gets
# an answer matching ERE. The answer is left in $ANSWER.
check_get() {
	local desc="$1" ns="$2" proto="$3" ip="$4" port="$5" ere="$6" rc=0
	shift 6
	ANSWER=$(in_ns "$ns" "$PROBE" "$proto-get" "$ip" "$port" "$@" 2>&1) || rc=$?
	if ((rc == 0)) && grep -Eq -- "$ere" <<<"$ANSWER"; then ok "$desc"; else
		fail "$desc" "command: in $ns: probe $proto-get $ip $port $*" \
			"expected: exit 0, answer matching $ere" "got: exit $rc: $ANSWER"
	fi
}

# check_no_get DESC NS tcp|udp IP PORT: no answer must come back.
check_no_get() {
	local desc="$1" ns="$2" proto="$3" ip="$4" port="$5" rc=0
	ANSWER=$(in_ns "$ns" "$PROBE" "$proto-get" "$ip" "$port" --timeout 1.5 2>&1) || rc=$?
	if ((rc != 0)); then ok "$desc"; else
		fail "$desc" "command: probe $proto-get $ip $port in $ns" \
			"expected: no answer" "got: $ANSWER"
	fi
}

# peer_port ANSWER: the port of "peer=IP:PORT" or "peer=[IP6]:PORT".
peer_port() { sed -nE 's/.*peer=([0-9.]+|\[[0-9a-f:]+\]):([0-9]+).*/\2/p' <<<"$1"; }

# check_ping DESC NS DST [EXPECTED_SRC]: echo replies come back; with
# EXPECTED_SRC, the echo request must reach inet with that source (the
# sniffer runs in inet, so DST must be the internet host then).
check_ping() {
	local desc="$1" ns="$2" dst="$3" src="${4:-}" rc=0 out sniff log="$T/sniff.log"
	if [[ -n "$src" ]]; then
		in_ns inet "$PROBE" icmp-sniff --timeout 5 >"$log" 2>&1 &
		sniff=$!
		for _ in $(seq 100); do grep -q '^ready' "$log" && break; sleep 0.02; done
	fi
	out=$(in_ns "$ns" ping -n -c 2 -i 0.2 -W 2 "$dst" 2>&1) || rc=$?
	if ((rc == 0)); then ok "$desc: echo replies"; else
		fail "$desc: echo replies" "command: ping -c 2 $dst in $ns" "got: exit $rc: $out"
	fi
	if [[ -n "$src" ]]; then
		wait "$sniff" || true
		check_match "$desc: echo request reaches $dst from $src" "^src=$src dst=$dst " "$(cat "$log")"
	fi
}

# ---- state --------------------------------------------------------------------
# link_field NS IF FIELD: mtu | ifindex | mac | state | flags of an interface.
link_field() {
	local j
	j=$(in_ns "$1" ip -j link show dev "$2" 2>/dev/null) || { echo "<no $2>"; return 0; }
	case "$3" in
	mtu) json 'd[0]["mtu"]' <<<"$j" ;;
	ifindex) json 'd[0]["ifindex"]' <<<"$j" ;;
	mac) json 'd[0]["address"]' <<<"$j" ;;
	state) json 'd[0]["operstate"]' <<<"$j" ;;
	flags) json '",".join(d[0]["flags"])' <<<"$j" ;;
	esac
}

v4addrs() { in_ns "$1" ip -4 -o addr show dev "$2" 2>&1 | awk '{print $4}' | sort | xargs; }

# map_count PIN MAP [PY-FILTER]: number of entries (v = the value) passing
# the filter, from bpftool's BTF-formatted JSON dump.
map_count() {
	bpftool -j map dump pinned "$1/$2" | "$PY" -c '
import json, sys
f = sys.argv[1] if len(sys.argv) > 1 else "True"
n = 0
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    v = e.get("value")
    n += bool(eval(f))
print(n)' "${3:-True}"
}

# pinned_prog_ids P: the ids of the programs pinned in pin dir P.
pinned_prog_ids() {
	local f
	for f in "$1"/prog_*; do bpftool -j prog show pinned "$f" | json 'd.get("id", "?")' || true; done | xargs
}

# live_prog_ids ID...: those the kernel still has (a link's release is
# deferred: wait up to 2 s for them to go).
live_prog_ids() {
	local id left
	for _ in $(seq 40); do
		left=""
		for id in "$@"; do bpftool prog show id "$id" >/dev/null 2>&1 && left+=" $id"; done
		[[ -z "$left" ]] && break
		sleep 0.05
	done
	echo $left
}

# snapshot: everything a refused command must leave untouched, in the
# worker netns, every actor netns and the pin dir. One shell per namespace
# (it is taken a hundred times per run), few processes (each costs ~30 ms
# on a loaded VM). IPv6 DAD flags are stripped; call
# snapshot_stable first, it also waits for DAD to finish (its end adds routes).
# ip's stderr is never part of it: to name a veth's peer netns, `ip link`
# (and `ip netns list`) asks the kernel for the id of every netns in
# /run/netns, and one a parallel test is deleting at that moment answers
# "Error: Peer netns reference is invalid." Its stdout (our own netns names)
# does not depend on that.
# shellcheck disable=SC2016 # expanded by the shell inside the namespace
SNAP_NS_SCRIPT='
printf "%s\n" "link show" "addr show" "route show table all" |
	ip -d -o -batch - 2>/dev/null | sed -E "s/ (tentative|dadfailed)//g"
devs=$(ip -o link show 2>/dev/null | sed -E "s/^[0-9]+: ([^:@]+).*/\1/")
for d in $devs; do
	printf "%s\n" "qdisc show dev $d" "filter show dev $d ingress" "filter show dev $d egress"
done | tc -batch -
"$PROBE" tcx
bpftool net
nft list ruleset
echo "ip_forward=$(cat /proc/sys/net/ipv4/ip_forward)"'

# snapshot_namespaces N: worker N and every actor netns, read from
# /run/netns (not `ip netns list`: see above).
snapshot_namespaces() {
	local f
	echo "w$1"
	for f in /run/netns/"$TOPO_ID"-a-*; do
		[[ -e "$f" ]] && echo "${f#/run/netns/"$TOPO_ID"-}"
	done
	return 0
}

snapshot() { # snapshot N: worker N, all actors, its pin dir
	local ns m p i=0 jobs=()
	p=$(pin "$1")
	# namespaces in parallel: a snapshot is taken twice per refusal (wait
	# for these jobs only: a test's servers run in the background too)
	for ns in $(snapshot_namespaces "$1"); do
		i=$((i + 1))
		{ echo "=== $ns"; in_ns "$ns" env PROBE="$PROBE" bash -c "$SNAP_NS_SCRIPT" 2>&1; } >"$T/snap.$i" &
		jobs+=($!)
	done
	wait "${jobs[@]}"
	cat "$T"/snap.*
	rm -f "$T"/snap.*
	echo "=== pins"
	[[ -d "$p" ]] && (cd "$p" && find . | sort)
	for m in actors services config egress_hooks; do
		[[ -e "$p/$m" ]] && { echo "-- $m"; bpftool map dump pinned "$p/$m"; }
	done
	# NAT pairs without the closing ones (the collector's, any time).
	for m in nat nat6; do
		[[ -e "$p/$m" ]] && { echo "-- $m"; "$PY" "$E2E_ROOT/tests/lib/nat_snapshot.py" "$p/$m"; }
	done
	return 0
}

# snapshot_stable N FILE: wait until no IPv6 address is tentative any more
# (the end of DAD adds routes), then take the snapshot.
snapshot_stable() {
	local ns i
	for ns in $(snapshot_namespaces "$1"); do
		for i in $(seq 50); do
			[[ -z "$(in_ns "$ns" ip -6 addr show tentative)" ]] && break
			sleep 0.1
		done
	done
	snapshot "$1" >"$2" 2>&1
}

# refuses DESC RC N CMD...: CMD (run as is, usually `atn w1 up ...`) must
# exit with RC ("nz" = any non-zero), say one line "ateomnet: ..." on stderr
# and leave worker N, the actors and the pin dir exactly as they were.
refuses() {
	local desc="$1" want="$2" n="$3" rc=0 err nl
	shift 3
	snapshot_stable "$n" "$T/before"
	"$@" >"$T/r.out" 2>"$T/r.err" || rc=$?
	err=$(cat "$T/r.err")
	if [[ "$want" == nz ]] && ((rc != 0)) || [[ "$rc" == "$want" ]]; then
		ok "$desc: exit $rc"
	else
		fail "$desc: exit code" "command: $*" "expected: exit $want" "got: exit $rc, stderr: $err"
	fi
	nl=$(wc -l <"$T/r.err")
	if ((nl == 1)) && [[ "$err" == "ateomnet: "* ]]; then ok "$desc: one 'ateomnet: ' line ($err)"; else
		fail "$desc: stderr" "command: $*" "expected: one line starting 'ateomnet: '" "got ($nl lines): $err"
	fi
	snapshot "$n" >"$T/after" 2>&1
	if cmp -s "$T/before" "$T/after"; then ok "$desc: nothing changed"; else
		fail "$desc: nothing changed" "command: $*" "diff before/after:" "$(diff "$T/before" "$T/after" | head -30)"
	fi
	# shellcheck disable=SC2034 # the refusal's message, for further checks
	REFUSE_ERR="$err"
}

# check_bulk DESC NS IP PORT push|pull: 8 MiB over one TCP connection to a
# probe tcp-serve, many full-size segments (GSO, checksum offload on the
# NATed path); every byte must arrive.
BULK_BYTES=8388608
check_bulk() {
	local desc="$1" ns="$2" ip="$3" port="$4" dir="$5" rc=0 out cmd=tcp-bulk
	[[ "$dir" == pull ]] && cmd=tcp-pull
	out=$(in_ns "$ns" "$PROBE" "$cmd" "$ip" "$port" "$BULK_BYTES" --timeout 5 2>&1) || rc=$?
	if ((rc == 0)) && [[ "$out" == "received=$BULK_BYTES"* ]]; then ok "$desc"; else
		fail "$desc" "command: probe $cmd $ip $port $BULK_BYTES in $ns" \
			"expected: received=$BULK_BYTES" "got: exit $rc: $out"
	fi
}

# ---- IPv6 (issue 10) -----------------------------------------------------------
# The addresses of topo.sh's *6 fixtures, and the actor link's (the
# defaults of `up`: --worker-addr6 / --actor-addr6).
POD6=$(topo_pod_ip6 1)
INET6=$TOPO_INET6
ACTOR6=fd00:169:254::2
GW6=fd00:169:254::1

# std_topo6 NAME: std_topo with IPv6: node and internet host dual-stack,
# worker 1 dual-stack (pod eth0 MTU 1400), actor a1.
std_topo6() {
	std_topo "$1"
	topo_node6
	topo_worker6 1
}

# std_topo6_only NAME: the same with an IPv6-only worker 1.
std_topo6_only() {
	e2e_init "$1"
	topo_node
	topo_node6
	topo_worker6_only 1
	topo_pin_dir w1 >"$T/pin"
	e2e_actor a1
}

# re6 ADDR: ADDR as an ERE, in the brackets probe prints IPv6 in.
re6() { printf '\\[%s\\]' "$1"; }

# ctr N ACTOR NAME: counter NAME of ACTOR on worker N (its per-actor value
# plus the worker-wide one: a counter lives in one of the two).
ctr() {
	status_json "$1" | "$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    print("<status: not JSON>")
    sys.exit()
n = sum(a.get("counters", {}).get(sys.argv[2], {}).get("packets", 0)
        for a in d.get("actors", []) if a.get("name") == sys.argv[1])
n += d.get("counters", {}).get(sys.argv[2], {}).get("packets", 0)
print(n)' "$2" "$3"
}

# check_ping6 DESC NS DST [EXPECTED_SRC]: check_ping over IPv6 (the
# sniffer, with EXPECTED_SRC, in inet: DST must be the internet host).
check_ping6() {
	local desc="$1" ns="$2" dst="$3" src="${4:-}" rc=0 out sniff log="$T/sniff6.log"
	if [[ -n "$src" ]]; then
		in_ns inet "$PROBE" icmp-sniff --6 --timeout 5 >"$log" 2>&1 &
		sniff=$!
		for _ in $(seq 100); do grep -q '^ready' "$log" && break; sleep 0.02; done
	fi
	out=$(in_ns "$ns" ping -6 -n -c 2 -i 0.2 -W 2 "$dst" 2>&1) || rc=$?
	if ((rc == 0)); then ok "$desc: echo replies"; else
		fail "$desc: echo replies" "command: ping -6 -c 2 $dst in $ns" "got: exit $rc: $out"
	fi
	if [[ -n "$src" ]]; then
		wait "$sniff" || true
		check_match "$desc: echo request reaches $dst from $src" "^src=$src dst=$dst " "$(cat "$log")"
	fi
}

# nginx_inet: nginx (Debian's nginx-light) on the internet host, port 80 on
# both families, answering "addr=CLIENT_ADDRESS" (what the host sees).
nginx_inet() {
	local d="$T/nginx"
	mkdir -p "$d"
	cat >"$d/nginx.conf" <<-EOF
		daemon off;
		master_process off;
		pid $d/nginx.pid;
		error_log $d/error.log;
		events { worker_connections 64; }
		http {
			access_log $d/access.log;
			client_body_temp_path $d;
			proxy_temp_path $d;
			fastcgi_temp_path $d;
			uwsgi_temp_path $d;
			scgi_temp_path $d;
			server {
				listen 80;
				listen [::]:80 ipv6only=on;
				location / { return 200 "addr=\$remote_addr\\n"; }
			}
		}
	EOF
	in_ns inet nginx -c "$d/nginx.conf" -p "$d" >"$d/out.log" 2>&1 &
	topo_track_pid $!
	for _ in $(seq 150); do
		in_ns inet curl -s -o /dev/null --max-time 1 "http://[$INET6]/" && return 0
		sleep 0.02
	done
	fatal "nginx did not start on the internet host" "$(cat "$d/out.log" "$d/error.log" 2>&1)"
}

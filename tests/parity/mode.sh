#!/bin/bash
# mode.sh MODE OUT: the parity checks (checks.txt) against one way of giving
# the actor its network, on its own two-router topology (topo2.sh):
#   ebpf      `ateomnet up` with production defaults (SNAT range, table sizes)
#   nftables  tests/bench/nft-bridge.sh (conntrack NAT, ip_forward=1)
# Writes OUT/ID.res ("pass" or "fail: WHY") and OUT/ID.log per check; never
# asserts anything itself (run.sh compares the modes). Exits non-zero only
# when the bed could not be set up (then no .res file is trusted).
# Environment: ATEOMNET (build/ateomnet).
set -euo pipefail
mode="$1" out="$2"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ATEOMNET="${ATEOMNET:-$root/build/ateomnet}"
# shellcheck source=../lib/topo.sh
source "$root/tests/lib/topo.sh"
# shellcheck source=topo2.sh
source "$here/topo2.sh"

POD_IP=$(topo_pod_ip 1)
INET="$TOPO_INET"
tmp="$out/tmp"
mkdir -p "$tmp"

# Servers: started with nsenter directly (it execs the server, so $! is the
# server's PID), tracked for the cleanup, which also kills anything left in
# our namespaces.
bg() { # bg NS LOG CMD...
	local ns="$1" log="$2"
	shift 2
	nsenter --net="/run/netns/$TOPO_ID-$ns" "$@" >"$log" 2>&1 &
	topo_track_pid $!
}

# wait_port NS tcp|udp PORT: until something listens there (3 s).
wait_port() {
	local f=-Hltn
	[[ "$2" == udp ]] && f=-Hlun
	for _ in $(seq 150); do
		[[ -n "$(in_ns "$1" ss "$f" "sport = :$3" 2>/dev/null)" ]] && return 0
		sleep 0.02
	done
	echo "parity: nothing listens on $2/$3 in $1" >&2
	return 1
}

record() { # record ID pass|"fail: WHY"
	echo "$2" >"$out/$1.res"
}

# ---- the bed ----------------------------------------------------------------
setup() {
	topo_init "p${mode:0:1}"
	echo "$TOPO_ID" >"$out/topo_id" # run.sh looks for leftovers by it
	topo2_net
	topo_worker 1
	topo_actor a1 >/dev/null
	topo_actor a2 >/dev/null
	local a1=(--expose 80/tcp --expose 8081/tcp --expose 9000/tcp --expose 7007/udp --expose 8083/udp)
	local a2=(--expose 8082/tcp)
	case "$mode" in
	ebpf)
		PIN=$(topo_pin_dir w1)
		# Two actors on the worker (hairpin between them): sized for
		# them at worker start, as an operator would; sizes otherwise
		# the production defaults.
		in_ns w1 "$ATEOMNET" prepare --pin-dir "$PIN" --max-actors 2 >/dev/null
		in_ns w1 "$ATEOMNET" up --actor a1 --netns "/run/netns/$TOPO_ID-a-a1" \
			--pin-dir "$PIN" "${a1[@]}"
		in_ns w1 "$ATEOMNET" up --actor a2 --netns "/run/netns/$TOPO_ID-a-a2" \
			--pin-dir "$PIN" --veth ateom1 "${a2[@]}" ;;
	nftables)
		# The bridge routes by address: its second actor needs its own subnet.
		in_ns w1 "$root/tests/bench/nft-bridge.sh" up --netns "/run/netns/$TOPO_ID-a-a1" "${a1[@]}"
		in_ns w1 "$root/tests/bench/nft-bridge.sh" up --netns "/run/netns/$TOPO_ID-a-a2" \
			--veth ateom1 --worker-addr 10.200.0.5/30 --actor-addr 10.200.0.6/30 "${a2[@]}" ;;
	*) echo "parity: unknown mode $mode" >&2; exit 2 ;;
	esac

	head -c 2097152 /dev/urandom >"$tmp/blob"
	head -c 4000 /dev/urandom >"$tmp/d4000"
	# The host: bulk sinks and sources, a UDP echo, a STUN server on two
	# addresses. Port 80 stays closed there: traceroute -T ends on its RST.
	bg inet "$tmp/up.srv" socat -u TCP-LISTEN:9101,reuseaddr CREATE:"$tmp/up.recv"
	bg inet "$tmp/down.srv" socat -u OPEN:"$tmp/blob" TCP-LISTEN:9102,reuseaddr
	bg inet "$tmp/echo.srv" socat UDP4-RECVFROM:9007,fork EXEC:/bin/cat
	bg inet "$tmp/stund.log" stund -h "$INET" -a "$TOPO2_INET2"
	# The actors: a UDP echo and a bulk source on exposed ports, servers
	# that answer with the peer address they see (hairpin), nginx for wrk.
	# Those read the request first: a shell that answered and exited before
	# socat handed it the datagram made socat die on EPIPE, unanswered.
	bg a-a1 "$tmp/echo-a1.srv" socat UDP4-RECVFROM:7007,fork EXEC:/bin/cat
	bg a-a1 "$tmp/in.srv" socat -u OPEN:"$tmp/blob" TCP-LISTEN:9000,reuseaddr
	# shellcheck disable=SC2016 # expanded by the shell socat starts
	bg a-a1 "$tmp/peer-a1.srv" socat TCP-LISTEN:8081,fork,reuseaddr SYSTEM:'read -r line; echo peer=$SOCAT_PEERADDR'
	# shellcheck disable=SC2016
	bg a-a2 "$tmp/peer-a2.srv" socat TCP-LISTEN:8082,fork,reuseaddr SYSTEM:'read -r line; echo peer=$SOCAT_PEERADDR'
	# shellcheck disable=SC2016
	bg a-a1 "$tmp/peer-a1u.srv" socat UDP4-RECVFROM:8083,fork SYSTEM:'read -r line; echo peer=$SOCAT_PEERADDR'
	nginx_conf "$tmp/nginx"
	bg a-a1 "$tmp/nginx.out" nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" -e "$tmp/nginx/error.log"
	wait_port inet tcp 9101
	wait_port inet tcp 9102
	wait_port inet udp 9007
	wait_port inet udp 3478
	wait_port a-a1 udp 7007
	wait_port a-a1 tcp 9000
	wait_port a-a1 tcp 8081
	wait_port a-a2 tcp 8082
	wait_port a-a1 udp 8083
	wait_port a-a1 tcp 80
}

# nginx_conf DIR: a foreground nginx, every path under DIR (never the
# system's service, config or logs).
nginx_conf() {
	local d="$1"
	mkdir -p "$d/www"
	echo "parity" >"$d/www/index.html"
	cat >"$d/nginx.conf" <<-EOF
	daemon off;
	master_process off;
	worker_processes 1;
	user root;
	pid $d/nginx.pid;
	error_log $d/error.log;
	events { worker_connections 256; }
	http {
		access_log off;
		client_body_temp_path $d/body;
		proxy_temp_path $d/proxy;
		fastcgi_temp_path $d/fastcgi;
		uwsgi_temp_path $d/uwsgi;
		scgi_temp_path $d/scgi;
		server { listen 80; root $d/www; }
	}
	EOF
}

# ---- checks -------------------------------------------------------------------
# hops_seen TOOL OUTPUT DST: "ok" when every hop of TOPO2_HOPS (to DST)
# answered at its
# TTL (traceroute: " N  ADDR ..."; tracepath: " N:  ADDR ..."), else
# what was seen instead.
hops_seen() {
	local tool="$1" text="$2" dst="$3" ttl=0 hop missing=""
	for hop in ${TOPO2_HOPS% *} $dst; do
		ttl=$((ttl + 1))
		if [[ "$tool" == tracepath ]]; then
			grep -Eq "^ *$ttl:  +${hop//./\\.} " <<<"$text" && continue
		else
			grep -Eq "^ *$ttl (.* )?${hop//./\\.} " <<<"$text" && continue
		fi
		missing+=" hop $ttl ($hop)"
	done
	if [[ -z "$missing" ]]; then echo ok; else echo "missing:$missing"; fi
}

# Every router (the nftables worker too) rate-limits its ICMP errors per
# destination, 6 at once then 1/s, and every probe of an actor goes to the
# same pod IP: the four tools run one after the other with two probes per
# hop and a pause in between, and a tool that misses a hop gets one more
# try after the bucket refilled (an ICMP error withheld by a router's rate
# limit is not the datapath's doing; one never sent is, and fails twice).
# trace_run ID DST TOOL ARGS...: the hop check for one tool, output in ID.log.
trace_run() {
	local id="$1" dst="$2" tool="$3" text why try
	shift 3
	: >"$out/$id.log"
	for try in 1 2; do
		((try == 1)) || sleep 2
		text=$(in_ns a-a1 timeout 20 "$tool" -n "$@" "$dst" 2>&1) || true
		printf '%s\n' "--- try $try" "$text" >>"$out/$id.log"
		why=$(hops_seen "$tool" "$text" "$dst")
		[[ "$why" == ok ]] && why=""
		if [[ "$tool" == tracepath ]] && ! grep -Eq "Resume: pmtu $TOPO2_MTU " <<<"$text"; then
			why+="${why:+, }no 'Resume: pmtu $TOPO2_MTU'"
		fi
		[[ -z "$why" ]] && break
	done
	if [[ -z "$why" ]]; then record "$id" pass; else record "$id" "fail: $why"; fi
}

check_traces() {
	trace_run trace_udp "$INET" traceroute -q 2 -w 1 -m 6
	sleep 1
	trace_run trace_icmp "$INET" traceroute -I -q 2 -w 1 -m 6
	sleep 1
	trace_run trace_tcp "$INET" traceroute -T -q 2 -w 1 -m 6
	sleep 1
	# tracepath goes to the host's second address: the bulk transfers to
	# the first teach the actor's stack their PMTU, and tracepath would
	# start from that (its "1?: [LOCALHOST] pmtu 1280") instead of
	# learning it from r1's Fragmentation Needed.
	trace_run tracepath "$TOPO2_INET2" tracepath -m 6
}

# same_blob ID FILE: FILE must be the 2 MB blob.
same_blob() {
	if cmp -s "$tmp/blob" "$2"; then record "$1" pass; else
		record "$1" "fail: got $(stat -c %s "$2" 2>/dev/null || echo 0) of 2097152 bytes"
	fi
}

check_tcp_up() {
	in_ns a-a1 timeout 20 socat -u OPEN:"$tmp/blob" TCP:"$INET":9101,connect-timeout=3 \
		>"$out/tcp_up.log" 2>&1 || true
	# the sink exits once it has written everything
	for _ in $(seq 40); do cmp -s "$tmp/blob" "$tmp/up.recv" && break; sleep 0.05; done
	same_blob tcp_up "$tmp/up.recv"
}

check_tcp_down() {
	in_ns a-a1 timeout 20 socat -u TCP:"$INET":9102,connect-timeout=3 CREATE:"$tmp/down.recv" \
		>"$out/tcp_down.log" 2>&1 || true
	same_blob tcp_down "$tmp/down.recv"
}

check_tcp_in() {
	in_ns inet timeout 20 socat -u TCP:"$POD_IP":9000,connect-timeout=3 CREATE:"$tmp/in.recv" \
		>"$out/tcp_in.log" 2>&1 || true
	same_blob tcp_in "$tmp/in.recv"
}

# udp_echo ID NS IP PORT: three 4000-byte datagrams (fragmented on the
# way), each from its own socket; every echo must come back whole.
udp_echo() {
	local id="$1" ns="$2" ip="$3" port="$4" i n=0
	for i in 1 2 3; do
		in_ns "$ns" timeout 5 socat -T 2 -t 1.5 STDIO UDP4:"$ip":"$port" \
			<"$tmp/d4000" >"$tmp/$id.$i" 2>>"$out/$id.log" &
	done
	wait
	for i in 1 2 3; do cmp -s "$tmp/d4000" "$tmp/$id.$i" && n=$((n + 1)); done
	echo "$n/3 echoes" >>"$out/$id.log"
	if ((n == 3)); then record "$id" pass; else record "$id" "fail: $n/3 echoes"; fi
}

check_stun() {
	local text primary
	text=$(in_ns a-a1 timeout 15 stun "$INET" 2>&1) || true
	echo "$text" >"$out/stun_eim.log"
	primary=$(sed -nE 's/^Primary: *//p' <<<"$text" | head -1 | tr -s '\t ' ' ' | sed 's/ $//') || true
	if grep -q 'Independent Mapping' <<<"$primary"; then record stun_eim pass; else
		record stun_eim "fail: ${primary:-no answer}"
	fi
}

# hairpin ID NS TCP|UDP4 PORT [PEER]: from NS to POD_IP:PORT; the server
# says the peer it sees, which must be PEER (default: the pod IP).
hairpin() {
	local id="$1" ns="$2" proto="$3" port="$4" peer="${5:-$POD_IP}" text opt=""
	[[ "$proto" == TCP ]] && opt=",connect-timeout=3"
	echo "--- $ns -> $proto:$POD_IP:$port" >>"$out/$id.log"
	text=$(in_ns "$ns" timeout 6 socat -d -d -T 3 -t 2 STDIO "$proto:$POD_IP:$port$opt" <<<"hello" \
		2>>"$out/$id.log") || true
	echo "$text" >>"$out/$id.log"
	if [[ "$text" == "peer=$peer" ]]; then record "$id" pass; else
		# socat's "E connect(...): Connection refused" -> "Connection refused"
		record "$id" "fail: $(grep ' E ' "$out/$id.log" | tail -1 | sed -E 's/.*: //' | grep . || echo "${text:-no answer}")"
	fi
}

check_wrk() {
	local text n why=""
	text=$(in_ns node timeout 20 wrk -t1 -c8 -d2s --timeout 2s "http://$POD_IP/" 2>&1) || true
	echo "$text" >"$out/wrk.log"
	n=$(sed -nE 's/^ *([0-9]+) requests in .*/\1/p' <<<"$text")
	[[ "${n:-0}" -gt 0 ]] || why="no requests completed"
	grep -q 'Socket errors' <<<"$text" && why+="${why:+, }$(grep -m1 'Socket errors' <<<"$text" | xargs)"
	grep -q 'Non-2xx' <<<"$text" && why+="${why:+, }$(grep -m1 'Non-2xx' <<<"$text" | xargs)"
	if [[ -z "$why" ]]; then record wrk "pass"; else record wrk "fail: $why"; fi
	echo "requests=${n:-0}" >>"$out/wrk.log"
}

setup
# Independent groups at once (wait for them only: the servers are children
# too); wrk last, alone (it takes a core for 2 s).
groups=()
check_traces & groups+=($!)
{ check_tcp_up; check_tcp_in; } & groups+=($!)
check_tcp_down & groups+=($!)
udp_echo udp_out a-a1 "$INET" 9007 & groups+=($!)
udp_echo udp_in node "$POD_IP" 7007 & groups+=($!)
check_stun & groups+=($!)
{
	# the control: the same servers from the node (no hairpin) answer
	hairpin hairpin_ctl node TCP 8082 "$TOPO_GW"
	if [[ "$(cat "$out/hairpin_ctl.res")" == pass ]]; then
		hairpin hairpin_ctl node UDP4 8083 "$TOPO_GW"
	fi
	hairpin hairpin_peer a-a1 TCP 8082
	hairpin hairpin_self a-a1 TCP 8081
	hairpin hairpin_udp a-a2 UDP4 8083
} & groups+=($!)
wait "${groups[@]}"
check_wrk
# ateomnet's counters after the checks: why a check failed, at a glance.
[[ "$mode" != ebpf ]] || in_ns w1 "$ATEOMNET" status --pin-dir "$PIN" >"$out/status.txt" 2>&1 || true

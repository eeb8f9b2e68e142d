#!/bin/bash
# `make bench` driver (issue 4): the actor datapath modes side by side on one
# topology (tests/lib/topo.sh): client in the node netns, internet host
# 203.0.113.10, worker w1 (pod IP 192.0.2.11), one actor netns. Modes are
# alternated measurement by measurement within each round (A B C A B C ...)
# so a noisy machine hits them alike. Figures are printed and written under $BUILD/bench; nothing here
# asserts a timing. A measurement that fails is reported and makes the exit
# status 1, after the report is written.
#
# Settings (environment):
#   BENCH_MODES      modes to compare, default "ebpf nftables eth0-move
#                    ebpf-policy" (ebpf-policy: ebpf with an egress policy
#                    that allows the traffic, the hook's cost; modes.sh)
#   BENCH_ROUNDS     rounds (default 5)
#   BENCH_SECS       seconds per iperf3 run (default 2)
#   BENCH_RR_N       round trips per RR run (default 5000)
#   BENCH_CPS_SECS   seconds per connections/s run (default 1)
#   BENCH_ACTIVATION 1 = also time up/down of each mode (default 1)
#   BENCH_IPV6       1 = dual-stack worker, and every measurement over IPv6
#                    too (directions in6/out6: node -> [pod IPv6], actor ->
#                    [2001:db8:ff::1]); ebpf-policy is measured over IPv4
#                    only (its rules are IPv4). Default 1
#   BENCH_PIN        1 = clients on CPU 0, servers on CPU 1 (default 1 with
#                    2+ CPUs): unpinned, the RR median jumped between ~21
#                    and ~35 us from run to run as the scheduler placed them
#   BUILD, ATEOMNET  build dir (default build), the loader binary
#
# Hooks for the figures that need the datapath's own fixtures: executables
# $BUILD/bench/prog-cost (test_run ns/packet, metric 5) and $BUILD/bench/scale
# (metric 7), run if present with BENCH_WORKER_NETNS, BENCH_ACTOR_NETNS,
# BENCH_PIN_DIR and ATEOMNET in the environment (topology up, no mode up).
# They print one sample per line, "METRIC VALUE" or "METRIC,VALUE", metric
# names ending in their unit (_ns, _us, _ms); '#' lines are ignored.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
BUILD="${BUILD:-build}"
[[ $BUILD = /* ]] || BUILD="$ROOT/$BUILD"
OUT="$BUILD/bench"
LOGS="$OUT/logs"
RAW="$OUT/raw.csv"
FAILS="$OUT/failures.txt"
BENCH_MODES="${BENCH_MODES:-ebpf nftables eth0-move ebpf-policy}"
BENCH_ROUNDS="${BENCH_ROUNDS:-5}"
BENCH_SECS="${BENCH_SECS:-2}"
BENCH_RR_N="${BENCH_RR_N:-5000}"
BENCH_CPS_SECS="${BENCH_CPS_SECS:-1}"
BENCH_ACTIVATION="${BENCH_ACTIVATION:-1}"
BENCH_IPV6="${BENCH_IPV6:-1}"
BENCH_PIN="${BENCH_PIN:-$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)}"
CLIENT_CPU=() SERVER_CPU=()
if [ "$BENCH_PIN" = 1 ]; then CLIENT_CPU=(taskset -c 0) SERVER_CPU=(taskset -c 1); fi
ATEOMNET="${ATEOMNET:-$BUILD/ateomnet}"
RR_PORT=7001 CPS_PORT=7002 UDP_PORT=7003 IPERF_PORT=5201
# Egress CPS goes to a server port of its own per mode (7100 + mode index):
# masquerade keeps the actor's source ports and eth0-move uses the same ones,
# so with one shared port the internet host's TIME_WAIT sockets from one
# mode met the next mode's SYNs with another timestamp clock (PAWS reject,
# 1 s SYN retransmits: ~250 conn/s instead of ~12000).
CPS_OUT_BASE=7100
EXPOSE=("$RR_PORT/tcp" "$CPS_PORT/tcp" "$UDP_PORT/udp" "$IPERF_PORT/tcp")

# shellcheck source=tests/lib/topo.sh
. "$ROOT/tests/lib/topo.sh"
# shellcheck source=tests/bench/modes.sh
. "$BENCH_DIR/modes.sh"
# shellcheck source=tests/bench/activation.sh
. "$BENCH_DIR/activation.sh"

die() { echo "bench: $*" >&2; exit 1; }
record() { echo "$1,$2,$3,$4" >>"$RAW"; }
fail() { echo "$*" >>"$FAILS"; echo "bench: FAILED: $*" >&2; }
has_mode() { case " $BENCH_MODES " in *" $1 "*) ;; *) return 1 ;; esac; }
has_ebpf() { has_mode ebpf || has_mode ebpf-policy; } # the loader is used
# kv KEY FILE: the value of KEY=VALUE in the tool's one-line output.
kv() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == k) print a[2] } }' "$2"; }

cps_out_port() { # cps_out_port MODE
	local i=0 m
	for m in $BENCH_ALL_MODES; do
		[ "$m" = "$1" ] && break
		i=$((i + 1))
	done
	echo $((CPS_OUT_BASE + i))
}

# ---- checks before touching anything -------------------------------------
for m in $BENCH_MODES; do
	case " $BENCH_ALL_MODES " in *" $m "*) ;; *) die "unknown mode '$m' (modes: $BENCH_ALL_MODES)" ;; esac
done
if has_ebpf && [ ! -x "$ATEOMNET" ]; then
	die "$ATEOMNET not built: run make, or BENCH_MODES=\"nftables eth0-move\""
fi
for t in "$OUT/rr" "$OUT/cps"; do [ -x "$t" ] || die "$t missing (make bench builds it)"; done
for t in iperf3 nft nsenter gnuplot; do command -v "$t" >/dev/null || die "$t not installed"; done
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"

# ---- topology and servers ------------------------------------------------
bench_cleanup() {
	local rc=$?
	set +e
	if has_ebpf && [ -n "${PIN:-}" ]; then
		in_worker "$ATEOMNET" down --actor bench --pin-dir "$PIN" >/dev/null 2>&1
		in_worker "$ATEOMNET" purge --pin-dir "$PIN" >/dev/null 2>&1
	fi
	(exit "$rc")
	topo_cleanup
	exit "$rc"
}

rm -rf "$LOGS" "$RAW" "$FAILS"
mkdir -p "$LOGS"
echo "round,mode,metric,value" >"$RAW"
: >"$FAILS"
topo_init bench
trap bench_cleanup EXIT
topo_node
topo_worker 1
POD_IP6=""
if [ "$BENCH_IPV6" = 1 ]; then
	topo_node6
	topo_worker6 1
	POD_IP6=$(topo_pod_ip6 1)
fi
APATH=$(topo_actor bench)
AN="a-bench"
POD_IP=$(topo_pod_ip 1)
# topo_pin_dir run in $(...) cannot record the dir for topo_cleanup itself.
PIN=$(topo_pin_dir bench)
TOPO_PINS+=("$PIN")

# start_server NS NAME CMD...: a server for the whole run, killed on exit.
start_server() {
	local ns="$1" name="$2"
	shift 2
	# ip netns exec directly, not the in_ns function: $! is then the
	# server itself (ip execs it), not a subshell around it.
	ip netns exec "$TOPO_ID-$ns" "${SERVER_CPU[@]}" "$@" >"$LOGS/server-$ns-$name.log" 2>&1 &
	topo_track_pid $!
}

# wait_listen NS PROTO PORT: bounded wait until a server listens.
wait_listen() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -n "$(in_ns "$1" ss -Hln"${2:0:1}" "sport = :$3")" ] && return 0
		sleep 0.1
	done
	die "no $2 server on port $3 in $1 (see $LOGS)"
}

# Servers bind [::] (both families), so the actor's ones keep serving whichever link
# each mode gives the actor netns.
for ns in "$AN" inet; do
	start_server "$ns" rr "$OUT/rr" server "$RR_PORT"
	start_server "$ns" udp "$OUT/rr" server --udp "$UDP_PORT"
	start_server "$ns" cps "$OUT/cps" server "$CPS_PORT"
	start_server "$ns" iperf3 iperf3 -s -p "$IPERF_PORT"
done
# Control: a loopback RR in the node netns, the same in every mode. When
# other work shares the machine its figure rises, which flags the rounds
# (and modes) that ran under contention.
start_server node rr "$OUT/rr" server "$RR_PORT"
for m in $BENCH_ALL_MODES; do
	start_server inet "cps-$m" "$OUT/cps" server "$(cps_out_port "$m")"
done
for ns in "$AN" inet; do
	wait_listen "$ns" tcp "$RR_PORT"
	wait_listen "$ns" udp "$UDP_PORT"
	wait_listen "$ns" tcp "$CPS_PORT"
	wait_listen "$ns" tcp "$IPERF_PORT"
done
for m in $BENCH_ALL_MODES; do wait_listen inet tcp "$(cps_out_port "$m")"; done
wait_listen node tcp "$RR_PORT"

# ---- measurements --------------------------------------------------------
# Inbound: client in the node netns -> pod IP:port -> actor (DNAT path).
# Egress:  client in the actor -> internet host (SNAT path).
# in6/out6: the same over IPv6.
dir_ns() { case "$1" in in*) echo node ;; *) echo "$AN" ;; esac; }
dir_host() {
	case "$1" in
	in) echo "$POD_IP" ;; in6) echo "$POD_IP6" ;;
	out) echo "$TOPO_INET" ;; out6) echo "$TOPO_INET6" ;;
	esac
}

# run_client LOG DIR CMD...: run a bounded client in DIR's netns; its output
# goes to $LOGS/LOG.out/.err.
run_client() {
	local log="$LOGS/$1" ns
	ns=$(dir_ns "$2")
	shift 2
	timeout 60 ip netns exec "$TOPO_ID-$ns" "${CLIENT_CPU[@]}" "$@" >"$log.out" 2>"$log.err"
}

declare -A LAST # "MODE/metric" -> figure of the current round, for the progress line
declare -A SETUP_FAILS # mode -> failed mode_up count

rr_run() { # rr_run ROUND MODE DIR tcp|udp
	local r="$1" m="$2" d="$3" p="$4" log="r$1-$2-rr-$4-$3" port=$RR_PORT flag=()
	[ "$p" = udp ] && port=$UDP_PORT flag=(--udp)
	if ! run_client "$log" "$d" "$OUT/rr" client "${flag[@]}" -n "$BENCH_RR_N" \
		"$(dir_host "$d")" "$port"; then
		fail "r$r $m rr $p $d (see $LOGS/$log.err)"
		return 0
	fi
	local f="$LOGS/$log.out" k keys=(p50_us p99_us)
	[ "$p" = udp ] && keys+=(tps) # a TCP rate would only restate its latency
	for k in "${keys[@]}"; do
		LAST[$m/rr_${p}_${d}_$k]=$(kv "$k" "$f")
		record "$r" "$m" "rr_${p}_${d}_$k" "${LAST[$m/rr_${p}_${d}_$k]}"
	done
}

iperf_run() { # iperf_run ROUND MODE DIR fwd|rev
	local r="$1" m="$2" d="$3" log="r$1-$2-iperf-$3-$4" flag=() metric="tput_$3_gbps" v
	[ "$4" = rev ] && flag=(-R) metric="tput_$3_rev_gbps"
	if ! run_client "$log" "$d" iperf3 -c "$(dir_host "$d")" -p "$IPERF_PORT" \
		-t "$BENCH_SECS" -f g --connect-timeout 2000 "${flag[@]}"; then
		fail "r$r $m iperf3 $d $4 (see $LOGS/$log.out)"
		return 0
	fi
	v=$(awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Gbits/sec") print $(i - 1) }' \
		"$LOGS/$log.out")
	[ -n "$v" ] || { fail "r$r $m iperf3 $d $4: no receiver figure"; return 0; }
	LAST[$m/$metric]=$v
	record "$r" "$m" "$metric" "$v"
}

cps_run() { # cps_run ROUND MODE DIR
	local r="$1" m="$2" d="$3" log="r$1-$2-cps-$3" port=$CPS_PORT
	[ "$d" = out ] && port=$(cps_out_port "$m")
	if ! run_client "$log" "$d" "$OUT/cps" client -d "$BENCH_CPS_SECS" \
		"$(dir_host "$d")" "$port"; then
		fail "r$r $m cps $d (see $LOGS/$log.err)"
		return 0
	fi
	LAST[$m/cps_$d]=$(kv rate "$LOGS/$log.out")
	record "$r" "$m" "cps_$d" "${LAST[$m/cps_$d]}"
	record "$r" "$m" "cps_${d}_errors" "$(kv errors "$LOGS/$log.out")"
}

# Control: loopback RR in the node netns, no datapath, between measurement
# groups. Leaves its median in PROBE ("" if it failed).
probe_run() { # probe_run LABEL
	local log="r$1-probe"
	PROBE=""
	if ! run_client "$log" in "$OUT/rr" client -n 2000 127.0.0.1 "$RR_PORT"; then
		fail "r$1 loopback probe (see $LOGS/$log.err)"
		return 0
	fi
	PROBE=$(kv p50_us "$LOGS/$log.out")
	LAST[probe]+="${LAST[probe]:+ }$PROBE"
}

# One measurement in one mode, the mode set up just for it.
measure() { # measure ROUND MODE KIND DIR [ARG]
	local r="$1" m="$2"
	[ "${SETUP_FAILS[$m]:-0}" -lt 3 ] || return 0 # given up on this mode
	[[ "$m" == ebpf-policy && "$4" == *6 ]] && return 0 # IPv4 rules only
	mode_check_clean || die "round $r: not clean before $m $3 $4"
	if ! mode_up "$m"; then
		SETUP_FAILS[$m]=$((${SETUP_FAILS[$m]:-0} + 1))
		fail "r$r $m: mode setup failed (before $3 $4)"
		mode_down "$m" || true
		return 0
	fi
	case "$3" in
	rr) rr_run "$r" "$m" "$4" "$5" ;;
	iperf) iperf_run "$r" "$m" "$4" "$5" ;;
	cps) cps_run "$r" "$m" "$4" ;;
	esac
	mode_down "$m" || die "round $r: $m teardown failed"
	# `down` leaves from_pod on the pod eth0 until `purge` (the next `up`
	# is warm): purged here, or the other modes' packets would pay it.
	case "$m" in
	ebpf*) in_worker "$ATEOMNET" purge --pin-dir "$PIN" >/dev/null ||
		die "round $r: $m purge failed" ;;
	esac
}

# A round: each measurement in every mode back to back (A B C, A B C ...),
# so contention from other work on the machine hits the modes alike and
# per-round ratios compare like with like. Each group (one measurement, all
# modes) is labelled ROUND.GROUP in raw.csv and carries the control probes
# taken just before and after it (mode "control"): report.sh drops the
# groups that ran while the machine was busy (quiet.awk). A probe per round
# was not enough: contention came and went within a round.
MEASUREMENTS=("rr in tcp" "rr in udp" "iperf in fwd" "iperf in rev" "cps in"
	"rr out tcp" "rr out udp" "iperf out fwd" "iperf out rev" "cps out")
[ "$BENCH_IPV6" != 1 ] || MEASUREMENTS+=("rr in6 tcp" "rr in6 udp" "iperf in6 fwd"
	"iperf in6 rev" "cps in6" "rr out6 tcp" "rr out6 udp" "iperf out6 fwd" "iperf out6 rev" "cps out6")

bench_round() { # bench_round ROUND
	local r="$1" t m kind d arg g=0 before
	LAST=()
	probe_run "$r.0"
	for t in "${MEASUREMENTS[@]}"; do
		g=$((g + 1))
		before=$PROBE
		read -r kind d arg <<<"$t"
		for m in $BENCH_MODES; do measure "$r.$g" "$m" "$kind" "$d" "$arg"; done
		probe_run "$r.$g"
		[ -z "$before" ] || record "$r.$g" control probe_lo_p50_us "$before"
		[ -z "$PROBE" ] || record "$r.$g" control probe_lo_p50_us "$PROBE"
	done
	echo "round $r (loopback probes: ${LAST[probe]:-?} us):"
	for m in $BENCH_MODES; do
		printf '  %-11s  TCP RR p50 in/out %s/%s us  UDP RR %s/%s tps  ' "$m" \
			"${LAST[$m/rr_tcp_in_p50_us]:-?}" "${LAST[$m/rr_tcp_out_p50_us]:-?}" \
			"${LAST[$m/rr_udp_in_tps]:-?}" "${LAST[$m/rr_udp_out_tps]:-?}"
		printf 'Gbit/s in %s/%s out %s/%s  conn/s in/out %s/%s\n' \
			"${LAST[$m/tput_in_gbps]:-?}" "${LAST[$m/tput_in_rev_gbps]:-?}" \
			"${LAST[$m/tput_out_gbps]:-?}" "${LAST[$m/tput_out_rev_gbps]:-?}" \
			"${LAST[$m/cps_in]:-?}" "${LAST[$m/cps_out]:-?}"
		[ "$BENCH_IPV6" = 1 ] || continue
		printf '  %-11s  IPv6: TCP RR p50 in/out %s/%s us  UDP RR %s/%s tps  ' "" \
			"${LAST[$m/rr_tcp_in6_p50_us]:-?}" "${LAST[$m/rr_tcp_out6_p50_us]:-?}" \
			"${LAST[$m/rr_udp_in6_tps]:-?}" "${LAST[$m/rr_udp_out6_tps]:-?}"
		printf 'Gbit/s in %s/%s out %s/%s  conn/s in/out %s/%s\n' \
			"${LAST[$m/tput_in6_gbps]:-?}" "${LAST[$m/tput_in6_rev_gbps]:-?}" \
			"${LAST[$m/tput_out6_gbps]:-?}" "${LAST[$m/tput_out6_rev_gbps]:-?}" \
			"${LAST[$m/cps_in6]:-?}" "${LAST[$m/cps_out6]:-?}"
	done
}

# ---- hooks for the datapath's own figures (metrics 5 and 7) ---------------
bench_hooks() {
	local h exe
	for h in prog-cost scale; do
		exe="$OUT/$h"
		if [ ! -x "$exe" ]; then
			echo "== $h: not measured ($exe not built; it needs the eBPF datapath)"
			continue
		fi
		echo "== $h"
		if ! BENCH_WORKER_NETNS="$TOPO_ID-w1" BENCH_ACTOR_NETNS="$APATH" \
			BENCH_PIN_DIR="$PIN" ATEOMNET="$ATEOMNET" \
			timeout 600 "$exe" >"$LOGS/$h.out" 2>"$LOGS/$h.err"; then
			fail "$h (see $LOGS/$h.err)"
			continue
		fi
		awk -F '[ ,\t]+' '!/^#/ && NF >= 2 { n[$1]++; print "h" n[$1] ",ebpf," $1 "," $2 }' \
			"$LOGS/$h.out" >>"$RAW"
	done
}

# ---- main ----------------------------------------------------------------
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), virt $(systemd-detect-virt 2>/dev/null || echo unknown)"
	echo "settings: modes \"$BENCH_MODES\", IPv6 $([ "$BENCH_IPV6" = 1 ] && echo "rows too (pod $POD_IP6, host $TOPO_INET6)" || echo off), $BENCH_ROUNDS rounds, RR $BENCH_RR_N round trips (1 byte), iperf3 ${BENCH_SECS}s, CPS ${BENCH_CPS_SECS}s, CPU pinning $([ "$BENCH_PIN" = 1 ] && echo 'clients 0 / servers 1' || echo off)"
} >"$OUT/meta.txt"
cat "$OUT/meta.txt"
start=$SECONDS
for ((r = 1; r <= BENCH_ROUNDS; r++)); do bench_round "$r"; done
mode_check_clean || die "after the rounds"
if [ "$BENCH_ACTIVATION" = 1 ]; then
	bench_activation || fail "activation benchmark (mode up/down failed)"
fi
if has_ebpf; then bench_hooks; fi
echo "== done in $((SECONDS - start)) s"
"$BENCH_DIR/report.sh" "$OUT"
[ ! -s "$FAILS" ] || die "$(wc -l <"$FAILS") measurement(s) failed, listed in $FAILS"

# shellcheck shell=bash
# Activation cost (issue 4, metric 6): wall time of mode_up and mode_down as
# the controller would run them (a fresh process in the worker netns), for
# every mode in BENCH_MODES, alternated per iteration like the rounds:
#   ebpf       `ateomnet up`/`down`: warm (programs pinned) and, after
#              `ateomnet purge`, cold (programs loaded by this `up`);
#   nftables   nft-bridge.sh: the same veth + rules made with ip and nft;
#   eth0-move  moving the pod eth0 and configuring it (two `ip` calls).
# Also the spawn floor, `in_worker true` (timeout + nsenter + true): what
# any command costs here before doing any work (process creation is slow on
# some VMs: ~2 ms per fork+exec seen on the 2-core dev VM).
# Sourced by run.sh; uses record() and the modes.sh functions. Every step is
# checked explicitly: run.sh calls this in an `||` list, where set -e is off.

BENCH_ACT_RUNS="${BENCH_ACT_RUNS:-20}"
BENCH_ACT_COLD_RUNS="${BENCH_ACT_COLD_RUNS:-10}"

# timed CMD...: run CMD, leave its wall time in ACT_MS (ms, µs resolution),
# return its status. EPOCHREALTIME is read by bash itself: no process added.
# ateomnet's own account of its last `up` (without process start-up).
up_self_ms() { sed -n 's/.*"elapsed_ms":\([0-9.]*\).*/\1/p' <<<"$MODE_UP_JSON"; }

timed() {
	local t0=$EPOCHREALTIME t1 us
	"$@" || return
	t1=$EPOCHREALTIME
	us=$((10#${t1/./} - 10#${t0/./}))
	printf -v ACT_MS '%d.%03d' $((us / 1000)) $((us % 1000))
}

bench_activation() {
	local i m
	echo "== activation: $BENCH_ACT_RUNS x up+down per mode"
	for ((i = 1; i <= BENCH_ACT_RUNS; i++)); do
		timed in_worker true || return
		record "a$i" floor act_spawn_ms "$ACT_MS"
		for m in $BENCH_MODES; do
			timed mode_up "$m" || return
			record "a$i" "$m" act_up_ms "$ACT_MS"
			case "$m" in ebpf*) record "a$i" "$m" act_up_self_ms "$(up_self_ms)" ;; esac
			timed mode_down "$m" || return
			record "a$i" "$m" act_down_ms "$ACT_MS"
		done
	done
	case " $BENCH_MODES " in *" ebpf "*) ;; *) return 0 ;; esac
	echo "== activation: $BENCH_ACT_COLD_RUNS x cold ebpf up (after purge)"
	for ((i = 1; i <= BENCH_ACT_COLD_RUNS; i++)); do
		in_worker "$ATEOMNET" purge --pin-dir "$PIN" >/dev/null || return
		timed mode_up ebpf || return
		record "a$i" ebpf act_up_cold_ms "$ACT_MS"
		record "a$i" ebpf act_up_cold_self_ms "$(up_self_ms)"
		mode_down ebpf || return
	done
}

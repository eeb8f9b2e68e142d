#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `make bench-scale` (part of `make bench`; issue 13): kernel memory as a
# node runs more workers, actors and flows. Figures are printed (and kept
# in $BUILD/bench/scale.txt), never asserted.
#
#   N workers (BENCH_SCALE_N, default "1 10 50") on one node, each prepared
#   with the production defaults and one actor up: the kernel memory of
#   their datapaths (sum of bytes_memlock, each object once:
#   tests/lib/dp_memlock.py) and /proc/meminfo's kernel figures around the
#   set-up (veths and netns included); the same N with the nftables bridge
#   (tests/bench/nft-bridge.sh: /proc/meminfo deltas, conntrack entries).
#   `up`/`down` own time (their JSON elapsed_ms) at the first and the last
#   worker. One worker sized --max-actors 4 with 1, 2, 4 actors; one actor
#   with 0, 1000 and 10000 live UDP flows (BENCH_SCALE_FLOWS), both modes.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
ATEOMNET=${ATEOMNET:-$BUILD/ateomnet}
NS_LIST=${BENCH_SCALE_N:-1 10 50}
FLOWS=${BENCH_SCALE_FLOWS:-0 1000 10000}
MEMLOCK="$ROOT/tests/lib/dp_memlock.py"
NFT="$ROOT/tests/bench/nft-bridge.sh"
OUT="$BUILD/bench/scale.txt"
# shellcheck source=tests/lib/topo.sh
. "$ROOT/tests/lib/topo.sh"

[ -x "$ATEOMNET" ] || { echo "scale: $ATEOMNET not built (make)" >&2; exit 1; }
mkdir -p "$BUILD/bench"
exec > >(tee "$OUT")

# kmem: the kernel's own memory in /proc/meminfo (KiB): slab, per-CPU,
# stacks, page tables, vmalloc'd (BPF maps and programs are vmalloc or slab).
kmem() { awk '/^(Slab|Percpu|KernelStack|PageTables|VmallocUsed):/ { s += $2 } END { print s }' /proc/meminfo; }
# (No drop_caches: it is machine-wide. The meminfo figures are as noisy as
# whatever else runs on the machine.)
settle() { sleep 1; }
ms() { sed -n 's/.*"elapsed_ms":\([0-9.]*\).*/\1/p' <<<"$1"; }
kib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1024 }'; }

pins() { for d in /sys/fs/bpf/"$TOPO_ID"-w*; do [ -d "$d" ] && echo "$d"; done; }

# ebpf_worker I [MAX]: worker I prepared (production defaults, or MAX
# actors) with actor a<I>-1 up; UP_MS/DOWN-able.
ebpf_worker() {
	local i=$1 p
	p=$(topo_pin_dir "w$i")
	topo_worker "$i"
	topo_actor "w$i-1" >/dev/null
	in_ns "w$i" "$ATEOMNET" prepare --pin-dir "$p" ${2:+--max-actors "$2"} >/dev/null
	UP_JSON=$(in_ns "w$i" "$ATEOMNET" up --actor "a$i-1" --netns "/run/netns/$TOPO_ID-a-w$i-1" \
		--pin-dir "$p" --json)
}

nft_worker() {
	local i=$1
	topo_worker "$i"
	topo_actor "w$i-1" >/dev/null
	in_ns "w$i" "$NFT" up --netns "/run/netns/$TOPO_ID-a-w$i-1" >/dev/null
}

# udp_flows NETNS N: N UDP flows from the actor to the internet host (one
# source port, N destination ports).
udp_flows() {
	nsenter --net="$1" python3 -c '
import socket, sys
n = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"x", ("203.0.113.10", 10000 + i % 50000))' "$2"
}

conntrack_count() { in_ns "$1" cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo 0; }

topo_init scl
topo_node
echo "== scale: kernel memory per worker (machine: $(nproc) CPUs online, possible $(cat /sys/devices/system/cpu/possible), kernel $(uname -r))"

# ---- N workers, one idle actor each -----------------------------------------
echo
echo "workers  ebpf memlock total  per worker  meminfo delta/worker  | nft meminfo delta/worker  conntrack"
have=0 base=""
settle
base=$(kmem)
for n in $NS_LIST; do
	while ((have < n)); do
		have=$((have + 1))
		ebpf_worker "$have"
		[ "$have" = 1 ] && UP_FIRST=$(ms "$UP_JSON")
		UP_LAST=$(ms "$UP_JSON")
	done
	settle
	total=$("$MEMLOCK" $(pins))
	dk=$(($(kmem) - base))
	printf '%7s  %10s KiB  %9s KiB  %9s KiB  |' "$n" "$(kib "$total")" "$(kib $((total / n)))" "$((dk / n))"
	EB_TOTAL[$n]=$total
	# The nftables bridge at the same N, on workers 101.. (then removed).
	settle
	nb=$(kmem)
	for ((i = 101; i < 101 + n; i++)); do nft_worker "$i"; done
	settle
	nd=$(($(kmem) - nb))
	printf ' %9s KiB  %9s\n' "$((nd / n))" "$(conntrack_count w101)"
	for ((i = 101; i < 101 + n; i++)); do
		in_ns "w$i" "$NFT" down >/dev/null 2>&1 || true
		ip netns del "$TOPO_ID-a-w$i-1"; ip netns del "$TOPO_ID-w$i"
	done
done
last=$have
DOWN_LAST=$(ms "$(in_ns "w$last" "$ATEOMNET" down --actor "a$last-1" --pin-dir "$(topo_pin_dir "w$last")" --json)")
DOWN_FIRST=$(ms "$(in_ns w1 "$ATEOMNET" down --actor a1-1 --pin-dir "$(topo_pin_dir w1)" --json)")
echo
echo "up own time (elapsed_ms): first worker $UP_FIRST ms, worker $last $UP_LAST ms"
echo "down own time (elapsed_ms): first worker $DOWN_FIRST ms, worker $last $DOWN_LAST ms (mostly the kernel's veth unregistration)"
for ((i = 1; i <= have; i++)); do
	in_ns "w$i" "$ATEOMNET" purge --force --pin-dir "$(topo_pin_dir "w$i")" >/dev/null 2>&1 || true
	ip netns del "$TOPO_ID-a-w$i-1" 2>/dev/null || true
	ip netns del "$TOPO_ID-w$i"
done

# ---- actors per worker (--max-actors 4) ------------------------------------
echo
echo "actors on one worker sized --max-actors 4: memlock"
ebpf_worker 200 4
p=$(topo_pin_dir w200)
printf '  1 actor:  %s KiB\n' "$(kib "$("$MEMLOCK" "$p")")"
for a in 2 3 4; do
	topo_actor "w200-$a" >/dev/null
	in_ns w200 "$ATEOMNET" up --actor "a200-$a" --netns "/run/netns/$TOPO_ID-a-w200-$a" \
		--veth "ateom$((a - 1))" --expose "$((8000 + a))/tcp" --pin-dir "$p" >/dev/null
	[ "$a" = 3 ] || printf '  %s actors: %s KiB\n' "$a" "$(kib "$("$MEMLOCK" "$p")")"
done
in_ns w200 "$ATEOMNET" purge --force --pin-dir "$p" >/dev/null

# ---- live flows per actor ---------------------------------------------------
echo
echo "live UDP flows of one actor (default worker) | nftables bridge (meminfo delta, conntrack)"
ebpf_worker 201
nft_worker 202
p=$(topo_pin_dir w201)
prev=0
for f in $FLOWS; do
	settle
	nb=$(kmem)
	if ((f > prev)); then
		udp_flows "/run/netns/$TOPO_ID-a-w201-1" $((f - prev))
		udp_flows "/run/netns/$TOPO_ID-a-w202-1" $((f - prev))
	fi
	prev=$f
	settle
	printf '  %6s flows: ebpf %s KiB memlock (%s NAT entries) | nft %s KiB, %s conntrack entries\n' \
		"$f" "$(kib "$("$MEMLOCK" "$p")")" \
		"$(in_ns w201 "$ATEOMNET" status --pin-dir "$p" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["nat_entries"])')" \
		"$(($(kmem) - nb))" "$(conntrack_count w202)"
done
echo "(nft's meminfo figure is the delta since the previous row; ebpf's memlock is the total)"
echo "== scale: done, figures in $OUT"

# shellcheck shell=bash
# `ateomnet metrics`: the Prometheus text format as promtool reads it, the
# figures it gives against the traffic sent and against what the kernel
# (bpftool) reports, and --textfile's atomic file for node_exporter.

# metric TEXT NAME{LABELS}: the value of one sample ("" when absent).
metric() { awk -v k="$2" '$1 == k { print $2 }' <<<"$1"; }

# memlock PIN: the kernel memory of the datapath pinned there, as bpftool
# reports it (bytes_memlock of its pins, the maps its programs use and the
# maps inside its map-in-maps; tests/lib/dp_memlock.py).
memlock() { "$E2E_ROOT/tests/lib/dp_memlock.py" "$1"; }

test_metrics() {
	std_topo mt
	local p out rc dir n
	p=$(pin 1)
	rc=0
	out=$(atn w1 metrics --pin-dir "$p" 2>&1) || rc=$?
	check_eq "metrics with nothing pinned: exit 0" 0 "$rc" "$out"
	check_eq "metrics with nothing pinned: loaded 0" 0 "$(metric "$out" ateomnet_datapath_loaded)" "$out"
	check "promtool accepts the empty output" promtool check metrics <<<"$out"

	serve inet udp 7001
	up 1 a1 --expose 8080/tcp
	check_ping "actor pings inet" a-a1 203.0.113.10
	for _ in 1 2 3; do check_get "actor UDP egress" a-a1 udp 203.0.113.10 7001 '^peer='; done

	rc=0
	out=$(atn w1 metrics --pin-dir "$p" 2>&1) || rc=$?
	check_eq "metrics: exit 0" 0 "$rc" "$out"
	check "promtool check metrics passes" promtool check metrics <<<"$out"
	check_eq "promtool has no lint remarks" "" "$(promtool check metrics <<<"$out" 2>&1)"
	check_eq "datapath loaded" 1 "$(metric "$out" ateomnet_datapath_loaded)"
	check_eq "one actor" 1 "$(metric "$out" ateomnet_actors)"
	# 2 pings + 3 UDP requests at least, each way.
	check_range "a1 egress packets counted" 5 1000 \
		"$(metric "$out" 'ateomnet_packets_total{actor="a1",direction="egress"}')" "$out"
	check_range "a1 ingress packets counted" 5 1000 \
		"$(metric "$out" 'ateomnet_packets_total{actor="a1",direction="ingress"}')" "$out"
	check_range "a1 egress bytes counted" 200 1000000 \
		"$(metric "$out" 'ateomnet_bytes_total{actor="a1",direction="egress"}')" "$out"
	check_eq "a1 quota in use = pairs held" \
		"$(metric "$out" 'ateomnet_nat_pairs{actor="a1"}')" \
		"$(bpftool -j map dump pinned "$p/actors" | json 'd[0]["formatted"]["value"]["nat_pairs"]')"
	check_eq "a1 NAT entries = the nat map's" "$(map_count "$p" nat)" \
		"$(metric "$out" 'ateomnet_nat_entries{actor="a1"}')"
	check_eq "the table's size" "$(bpftool -j map show pinned "$p/nat" | json 'd["max_entries"]')" \
		"$(metric "$out" ateomnet_nat_table_max_entries)"
	check_eq "a drop reason per drop counter" \
		"$(grep -c 'X(DROP_' "$E2E_ROOT/include/ateomnet_stats.h")" \
		"$(grep -c '^ateomnet_drops_total{actor="a1",reason=' <<<"$out")"
	check_eq "drops: spoof 0" 0 "$(metric "$out" 'ateomnet_drops_total{actor="a1",reason="spoof"}')"
	check_eq "datapath memory = the memlock bpftool reports (pins, the maps they use)" \
		"$(memlock "$p")" "$(metric "$out" ateomnet_datapath_memory_bytes)"
	check_eq "status shows the same figure" "$(metric "$out" ateomnet_datapath_memory_bytes)" \
		"$(jfield "$(status_json 1)" 'd["memory_bytes"]')"
	check_match "status (text) shows it" '^kernel memory: [0-9]+ bytes' \
		"$(atn w1 status --pin-dir "$p" 2>&1)"
	n=$(grep -oE '^ateomnet_[a-z_]+\{[^}]*\}' <<<"$out" | grep -oE '[a-z_]+="' | tr -d '="' | sort -u | xargs)
	check_eq "labels: only actor, direction, reason, verdict" "actor direction reason verdict" "$n"

	dir="$T/textfile"
	mkdir -p "$dir"
	check "metrics --textfile" atn w1 metrics --pin-dir "$p" --textfile "$dir"
	check_eq "--textfile prints nothing" "" "$OUT"
	check "the .prom file is there" test -f "$dir/ateomnet.prom"
	check_eq "no temp file left" "ateomnet.prom" "$(ls -A "$dir" | xargs)"
	check_eq "it is world-readable (node_exporter)" 644 "$(stat -c %a "$dir/ateomnet.prom")"
	check "promtool accepts the file" promtool check metrics <"$dir/ateomnet.prom"
	check_fails "--textfile into a missing dir fails" atn w1 metrics --pin-dir "$p" --textfile "$dir/nope"
	check_fails "--textfile with a relative path is a usage error" atn w1 metrics --textfile rel
	down 1 a1
}

# shellcheck shell=bash
# The memory formula (README "Memory"): after `up` with the default flags
# and on a worker prepared for 4 actors, every map has the size the README
# gives, and the datapath's kernel memory (bpftool's bytes_memlock of every
# object, tests/lib/dp_memlock.py) is what the formula says for this
# machine's CPUs, within 5%; with one idle actor it stays under 1 MB plus
# the IPv6 pair table's buckets here and, by the formula, on 64 CPUs. A
# change to a default fails here.

# Formula constants (README "Memory"); change them only with the README.
MEM_QUOTA=16384         # default --nat-quota (pairs); two entries a pair
MEM_FIXED=$((230 * 1024)) # programs (~160 KB) and the fixed small tables
MEM_STAT_CPU=992        # per actor id (and id 0) per CPU: 62 counters x 16 B
MEM_SVCF=21800          # per actor id (and id 0): svc_flows, 256 buckets of 4
			# client records
MEM_HASH_CPU=300        # per CPU: the hash maps' bucket locks
MEM_SCRATCH6_CPU=240    # per CPU: the IPv6 port search's scratch (snat_scratch6)
MEM_NAT6_BUCKETS=524288 # nat6's buckets with the default quota, one actor
MEM_FLOW_LO=60          # bytes per live NAT entry, bounds
MEM_FLOW_HI=400

# possible_cpus: what the kernel sizes per-CPU memory by.
possible_cpus() {
	"$PY" -c 'n = 0
for r in open("/sys/devices/system/cpu/possible").read().strip().split(","):
    a, _, b = r.partition("-")
    n += int(b or a) - int(a) + 1
print(n)'
}

pow2() { "$PY" -c "n = $1; p = 1
while p < n: p *= 2
print(p)"; }

# mem_expected A CPUS: the formula for A max actors, idle, default quota.
# nat and nat6 (and remote_pairs, remote_pairs6) have the same sizes.
mem_expected() {
	local a=$1 cpus=$2 n r=0
	n=$(pow2 $((2 * MEM_QUOTA * a)))
	((a > 1)) && r=$(pow2 $((MEM_QUOTA * a)))
	echo $((2 * (16 * n + 16 * r) + MEM_STAT_CPU * (a + 1) * cpus + MEM_SVCF * (a + 1) + \
		(MEM_HASH_CPU + MEM_SCRATCH6_CPU) * cpus + MEM_FIXED))
}

# sizes PIN: "name=max_entries" of every map of the datapath, sorted.
sizes() {
	"$E2E_ROOT/tests/lib/dp_memlock.py" --detail "$1" |
		json '" ".join(sorted("%s=%d" % (o["name"], o["max_entries"]) for o in d["objects"] if o["kind"] == "map"))'
}

# check_sizes PIN A: each map's max_entries as README "Memory" lists them.
check_sizes() {
	local p=$1 a=$2 stat_max remote=1 want
	stat_max=$(grep -c '^[[:space:]]*X(' "$E2E_ROOT/include/ateomnet_stats.h")
	((a > 1)) && remote=$((MEM_QUOTA * a))
	want=$(printf '%s\n' "actors=$a" "capture_orig=$((a + 1))" "config=1" \
		"datapath.rodata=1" "egress_hooks=256" "v6_progs=3" "frag_ids=1" "frag_in=1024" \
		"frag_out=$((16 * (a + 1)))" "nat=$((2 * MEM_QUOTA * a))" "nat_gc=1" \
		"nat6=$((2 * MEM_QUOTA * a))" "remote_pairs6=$remote" "snat_scratch6=1" \
		"remote_pairs=$remote" "services=$((16 * a))" "snat_full=256" \
		"stats=$((stat_max * (a + 1)))" "svc_flows=$((256 * (a + 1)))" \
		"svc_rev=$((16 * a))" "ttl_rl=$((a + 1))" \
		"worker_flows=256" |
		sort | xargs)
	check_eq "max actors $a: every map sized as README says" "$want" "$(sizes "$p")"
}

# check_formula PIN A: the total (MEM_TOTAL) against the formula on this
# machine.
check_formula() {
	local p=$1 a=$2 cpus total want
	cpus=$(possible_cpus)
	total=$("$E2E_ROOT/tests/lib/dp_memlock.py" "$p")
	MEM_TOTAL=$total
	want=$(mem_expected "$a" "$cpus")
	check_range "max actors $a, $cpus CPUs: memory within 5% of the formula ($want)" \
		$((want * 95 / 100)) $((want * 105 / 100)) "$total"
	check_eq "status reports the same figure" "$total" \
		"$(jfield "$(status_json 1)" 'd["memory_bytes"]')"
}

test_memory_one_actor() {
	std_topo mem
	local p idle busy n cpus
	p=$(pin 1)
	up 1 a1
	check_sizes "$p" 1
	check_formula "$p" 1
	idle=$MEM_TOTAL
	cpus=$(possible_cpus)
	# Issue 13's 1 MB, plus the IPv6 pair table's bucket array (nat6,
	# sized like nat: README "Memory").
	check_range "one idle actor: at most 1 MB + nat6's buckets here" 1 \
		$((1048576 + MEM_NAT6_BUCKETS)) "$idle"
	check_range "one idle actor: at most 1 MB + nat6's buckets on 64 CPUs (by the formula)" 1 \
		$((1048576 + MEM_NAT6_BUCKETS)) \
		$((idle + (64 - cpus) * (MEM_STAT_CPU * 2 + MEM_HASH_CPU + MEM_SCRATCH6_CPU)))
	check_eq "no capture table without capture" "" \
		"$(bpftool -j map dump pinned "$p/capture_orig" | json '" ".join(str(e["key"]) for e in d)')"

	# Live flows: memory grows with the NAT entries, ~100 bytes each.
	serve inet udp 7001
	for port in 41001 41002 41003 41004 41005 41006 41007 41008; do
		check_get "a1 UDP flow from $port" a-a1 udp 203.0.113.10 7001 '^peer=' --bind-port "$port"
	done
	n=$(map_count "$p" nat)
	busy=$("$E2E_ROOT/tests/lib/dp_memlock.py" "$p")
	check_range "8 flows: 16 NAT entries" 16 16 "$n"
	check_range "memory grows by $MEM_FLOW_LO-$MEM_FLOW_HI bytes a live entry" \
		$((idle + n * MEM_FLOW_LO)) $((idle + n * MEM_FLOW_HI)) "$busy"
	down 1 a1
}

test_memory_four_actors() {
	std_topo mem4
	local p
	p=$(pin 1)
	sized_for 1 4
	up 1 a1
	check_sizes "$p" 4
	check_formula "$p" 4
	down 1 a1
}

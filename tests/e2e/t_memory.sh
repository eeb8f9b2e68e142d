# shellcheck shell=bash
# The memory formula (README "Memory"): after `up` with the default flags
# and on a worker prepared for 4 actors, every map has the size the README
# gives, and the datapath's kernel memory (bpftool's bytes_memlock of every
# object, tests/lib/dp_memlock.py) is what the formula says for this
# machine's CPUs, within 5%; with one idle actor on a pod without IPv6 it
# stays under 1 MB here and, by the formula, on 64 CPUs; a dual-stack pod
# adds the IPv6 tables and programs (sizing.c). A change to a default
# fails here.

# Formula constants (README "Memory"); change them only with the README.
MEM_QUOTA=16384         # default --nat-quota (pairs); two entries a pair
MEM_FIXED=$((230 * 1024)) # programs (~160 KB) and the fixed small tables
MEM_STAT_CPU=992        # per actor id (and id 0) per CPU: 62 counters x 16 B
MEM_SVCF=21800          # per actor id (and id 0): svc_flows, 256 buckets of 4
			# client records
MEM_HASH_CPU=300        # per CPU: the hash maps' bucket locks
MEM_SCRATCH6_CPU=240    # per CPU: the IPv6 port search's scratch (snat_scratch6)
MEM_V6_FIXED=$((180 * 1024)) # a pod with IPv6: its programs (~140 KB),
			# snat_full6 and the fragment tables (+ nat6 buckets)
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

# mem_expected A CPUS V6: the formula for A max actors, idle, default
# quota; V6=1 on a pod with IPv6 (nat6 and remote_pairs6 are then sized as
# nat and remote_pairs, and the IPv6 programs are loaded).
mem_expected() {
	local a=$1 cpus=$2 v6=$3 n r=0
	n=$(pow2 $((2 * MEM_QUOTA * a)))
	((a > 1)) && r=$(pow2 $((MEM_QUOTA * a)))
	echo $(((1 + v6) * (16 * n + 16 * r) + MEM_STAT_CPU * (a + 1) * cpus + \
		MEM_SVCF * (a + 1) + (MEM_HASH_CPU + MEM_SCRATCH6_CPU) * cpus + MEM_FIXED + \
		v6 * MEM_V6_FIXED))
}

# sizes PIN: "name=max_entries" of every map of the datapath, sorted.
sizes() {
	"$E2E_ROOT/tests/lib/dp_memlock.py" --detail "$1" |
		json '" ".join(sorted("%s=%d" % (o["name"], o["max_entries"]) for o in d["objects"] if o["kind"] == "map"))'
}

# check_sizes PIN A V6: each map's max_entries as README "Memory" lists
# them (V6=1: a pod with IPv6).
check_sizes() {
	local p=$1 a=$2 v6=$3 stat_max remote=1 want six=()
	stat_max=$(grep -c '^[[:space:]]*X(' "$E2E_ROOT/include/ateomnet_stats.h")
	((a > 1)) && remote=$((MEM_QUOTA * a))
	# Without IPv6 the IPv6 programs are not loaded, and the tables only
	# they use are gone with the loader's skeleton.
	if ((v6)); then
		six=("nat6=$((2 * MEM_QUOTA * a))" "remote_pairs6=$remote" "snat_full6=256"
			"frag6_in=1024" "frag6_out=$((16 * (a + 1)))" "scratch6=1" "frag6_scratch=1")
	else
		six=("nat6=1" "remote_pairs6=1")
	fi
	want=$(printf '%s\n' "actors=$a" "capture_orig=$((a + 1))" "config=1" \
		"datapath.rodata=1" "egress_hooks=256" "v6_progs=3" "frag_ids=1" "frag_in=1024" \
		"frag_out=$((16 * (a + 1)))" "nat=$((2 * MEM_QUOTA * a))" "nat_gc=1" \
		"${six[@]}" "snat_scratch6=1" \
		"remote_pairs=$remote" "services=$((16 * a))" "snat_full=256" \
		"stats=$((stat_max * (a + 1)))" "svc_flows=$((256 * (a + 1)))" \
		"svc_rev=$((16 * a))" "ttl_rl=$((a + 1))" \
		"worker_flows=256" |
		sort | xargs)
	check_eq "max actors $a: every map sized as README says" "$want" "$(sizes "$p")"
}

# check_formula PIN A V6: the total (MEM_TOTAL) against the formula on
# this machine.
check_formula() {
	local p=$1 a=$2 v6=$3 cpus total want
	cpus=$(possible_cpus)
	total=$("$E2E_ROOT/tests/lib/dp_memlock.py" "$p")
	MEM_TOTAL=$total
	want=$(mem_expected "$a" "$cpus" "$v6")
	check_range "max actors $a, IPv6 $v6, $cpus CPUs: memory within 5% of the formula ($want)" \
		$((want * 95 / 100)) $((want * 105 / 100)) "$total"
	check_eq "status reports the same figure" "$total" \
		"$(jfield "$(status_json 1)" 'd["memory_bytes"]')"
}

test_memory_one_actor() {
	std_topo mem
	local p idle busy n cpus
	p=$(pin 1)
	up 1 a1
	check_sizes "$p" 1 0
	check_formula "$p" 1 0
	idle=$MEM_TOTAL
	cpus=$(possible_cpus)
	# Issue 13's 1 MB (a pod without IPv6).
	check_range "one idle actor: at most 1 MB here" 1 1048576 "$idle"
	check_range "one idle actor: at most 1 MB on 64 CPUs (by the formula)" 1 1048576 \
		$((idle + (64 - cpus) * (MEM_STAT_CPU * 2 + MEM_HASH_CPU + MEM_SCRATCH6_CPU)))
	check_eq "no IPv6 program loaded" "" \
		"$(bpftool -j map dump pinned "$p/v6_progs" | json '" ".join(str(e["key"]) for e in d)')"
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
	check_sizes "$p" 4 0
	check_formula "$p" 4 0
	down 1 a1
}

# A dual-stack pod: the IPv6 tables sized as the IPv4 ones, the IPv6
# programs in their slots.
test_memory_dual_stack() {
	std_topo6 mem6
	local p
	p=$(pin 1)
	up 1 a1
	check_sizes "$p" 1 1
	check_formula "$p" 1 1
	check_eq "the IPv6 programs in their three slots" 3 \
		"$(bpftool -j map dump pinned "$p/v6_progs" | json 'len(d)')"
	down 1 a1
}

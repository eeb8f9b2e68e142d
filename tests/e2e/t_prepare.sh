# shellcheck shell=bash
# `prepare` loads and pins a worker's datapath ahead of time, so the first
# `up` reopens the pins (warm) instead of paying the verifier. It attaches
# nothing, makes no actor, is idempotent, resolves and claims the pin dir
# as `up` does (and is refused where `up` is), and `purge` undoes it.
# Timings are printed, never asserted.

# ns_state NS: the namespace as snapshot() sees it (links, addresses,
# routes, tc/tcx, nftables, ip_forward), without the pin dir.
ns_state() { in_ns "$1" env PROBE="$PROBE" bash -c "$SNAP_NS_SCRIPT" 2>&1; }

nat_max_entries() { bpftool -j map show pinned "$1/nat" | json 'd["max_entries"]'; }

netns_cookie() {
	in_ns "$1" "$PY" -c 'import socket, struct
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(struct.unpack("Q", s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])'
}

# A fresh worker: prepare loads, a second prepare does not, nothing is
# attached or made; the first up is then warm. Worker 2, not prepared,
# shows what the first up costs without it.
test_prepare_then_up() {
	std_topo pr
	e2e_worker 2
	e2e_actor a2
	local p out rc before cold warm prep ids
	p=$(pin 1)
	snapshot_stable 1 "$T/settled" # waits for IPv6 DAD, whose end adds routes
	before=$(ns_state w1)

	rc=0
	out=$(atn w1 prepare --pin-dir "$p" --json 2>&1) || rc=$?
	check_eq "prepare on a fresh worker: exit 0" 0 "$rc" "$out"
	check_eq "it loaded the datapath" True "$(jfield "$out" 'd["loaded"]')" "$out"
	check_eq "it reports the pin dir" "$p" "$(jfield "$out" 'd["pin_dir"]')" "$out"
	prep=$(jfield "$out" 'd["elapsed_ms"]')
	check "the config map is pinned" test -e "$p/config"
	check "the programs are pinned" test -e "$p/prog_from_pod"
	check_eq "prepare attached from_pod to the pod eth0" "from_pod" \
		"$(in_ns w1 "$PROBE" tcx eth0 | sed -nE 's/^tcx-ingress .* name=([^ ]+) .*/\1/p' | xargs)"
	check_eq "and reports it" "eth0 True" "$(jfield "$out" 'd["pod_if"], d["attached"]' | tr -d "(),'")" "$out"
	check_eq "prepare changed no interface otherwise" \
		"$(grep -v 'tcx-ingress\|^eth0(2) ' <<<"$before")" "$(ns_state w1 | grep -v 'tcx-ingress\|^eth0(2) ')"
	check_eq "the actor netns is untouched" "lo" \
		"$(in_ns a-a1 ip -o link show | awk -F': ' '{print $2}' | xargs)"
	check_eq "no actor entry" 0 "$(map_count "$p" actors)"
	check "status sees a datapath with no actor" atn w1 status --pin-dir "$p" --json
	check_eq "status: loaded, no actors" "True 0" \
		"$(jfield "$OUT" 'd["loaded"], len(d["actors"])' | tr -d '(),')" "$OUT"

	ids=$(pinned_prog_ids "$p")
	rc=0
	out=$(atn w1 prepare --pin-dir "$p" --json 2>&1) || rc=$?
	check_eq "prepare again: exit 0" 0 "$rc" "$out"
	check_eq "prepare again: loaded false" False "$(jfield "$out" 'd["loaded"]')" "$out"
	check_eq "prepare again: the same programs" "$ids" "$(pinned_prog_ids "$p")"
	check "prepare again (text)" atn w1 prepare --pin-dir "$p"
	check_match "it says the datapath was already prepared" "^datapath already prepared in $p " "$OUT"

	rc=0
	out=$(atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$p" --json 2>&1) || rc=$?
	check_eq "up after prepare: exit 0" 0 "$rc" "$out"
	check_eq "up after prepare: loaded false (warm)" False "$(jfield "$out" 'd["loaded"]')" "$out"
	check_eq "up after prepare: the prepared programs" "$ids" "$(pinned_prog_ids "$p")"
	warm=$(jfield "$out" 'd["elapsed_ms"]')
	serve a-a1 tcp 80 --tag a1
	check_get "inbound to a1 through the prepared datapath" node tcp 192.0.2.11 80 'tag=a1$'

	rc=0
	out=$(atn w2 up --actor a2 --netns "$(apath a2)" --pin-dir "$(pin 2)" --json 2>&1) || rc=$?
	check_eq "up on an unprepared worker: exit 0" 0 "$rc" "$out"
	check_eq "up on an unprepared worker: loaded true" True "$(jfield "$out" 'd["loaded"]')" "$out"
	cold=$(jfield "$out" 'd["elapsed_ms"]')
	echo "  (prepare: $prep ms; first up after prepare: $warm ms; first up without: $cold ms)"
	check "prepare on a worker with an actor up: exit 0" atn w2 prepare --pin-dir "$(pin 2)"
	check_match "it says the datapath was already prepared" "^datapath already prepared" "$OUT"
}

# Without --pin-dir: the worker's default dir, claimed for its netns, and
# the one `up` and `purge` then find.
test_prepare_default_dir() {
	e2e_init pd
	topo_node
	e2e_worker 1
	e2e_actor a1
	local c d out rc
	c=$(netns_cookie w1)
	d="/sys/fs/bpf/ateom/netns-$c"
	DEFAULT_DIRS+=("$d")
	rc=0
	out=$(atn w1 prepare --json 2>&1) || rc=$?
	check_eq "prepare (default dir): exit 0" 0 "$rc" "$out"
	check_eq "it loaded" True "$(jfield "$out" 'd["loaded"]')" "$out"
	check_eq "in the netns's default dir" "$d" "$(jfield "$out" 'd["pin_dir"]')" "$out"
	check "the dir records its owner" test -d "$d/owner-netns-$c-$(stat -L -c %i "/run/netns/$TOPO_ID-w1")"
	rc=0
	out=$(atn w1 up --actor a1 --netns "$(apath a1)" --json 2>&1) || rc=$?
	check_eq "up (default dir): exit 0" 0 "$rc" "$out"
	check_eq "up (default dir): loaded false" False "$(jfield "$out" 'd["loaded"]')" "$out"
	check_eq "up (default dir): the same dir" "$d" "$(jfield "$out" 'd["pin_dir"]')" "$out"
	check "down" atn w1 down --actor a1
	check "purge" atn w1 purge
	check_fails "purge removed the default dir" test -e "$d"
}

# --nat-entries sizes the table when prepare loads it; later values (of
# prepare or up) do not change a datapath already there.
test_prepare_nat_entries() {
	std_topo pn
	local p out
	p=$(pin 1)
	must atn w1 prepare --pin-dir "$p" --nat-entries 4096
	check_eq "prepare --nat-entries 4096 sizes the nat map" 4096 "$(nat_max_entries "$p")"
	out=$(atn w1 prepare --pin-dir "$p" --nat-entries 4096 --json 2>&1) || true
	check_eq "prepare again with the same size: not loaded" False "$(jfield "$out" 'd["loaded"]')" "$out"
	check_eq "and it reports the size in effect" 4096 "$(jfield "$out" 'd["nat_entries"]')" "$out"
	refuses "prepare again with another size" 1 1 atn w1 prepare --pin-dir "$p" --nat-entries 8192
	check_match "the refusal names the size in effect" 'NAT table has 4096 entries' "$REFUSE_ERR"
	refuses "prepare again for more actors" 1 1 atn w1 prepare --pin-dir "$p" --max-actors 2
	check_eq "the nat map keeps its size" 4096 "$(nat_max_entries "$p")"
	up 1 a1 --nat-quota 1024
	check_eq "up keeps the prepared size" 4096 "$(nat_max_entries "$p")"
}

# A prepared datapath no actor used: purge unpins it, the kernel frees it.
test_prepare_purge() {
	std_topo pp
	local p ids out rc
	p=$(pin 1)
	must atn w1 prepare --pin-dir "$p"
	ids=$(pinned_prog_ids "$p")
	check_match "prepare pinned programs" '^[0-9]+( [0-9]+)*$' "$ids"
	rc=0
	out=$(atn w1 purge --pin-dir "$p" --json 2>&1) || rc=$?
	check_eq "purge of a prepared datapath: exit 0" 0 "$rc" "$out"
	check_eq "purge: purged" True "$(jfield "$out" 'd["purged"]')" "$out"
	check_fails "the pin dir is gone" test -e "$p"
	# shellcheck disable=SC2086 # one id a word
	check_eq "its programs are freed" "" "$(live_prog_ids $ids)"
	rc=0
	out=$(atn w1 prepare --pin-dir "$p" --json 2>&1) || rc=$?
	check_eq "prepare after purge loads again" "0 True" "$rc $(jfield "$out" 'd["loaded"]')" "$out"
}

# Where `up` is refused, prepare is too, and leaves nothing behind:
# under `ip netns exec` (a throwaway bpffs), in another worker's pin dir,
# and with bad flags.
test_prepare_refused() {
	e2e_init pf
	topo_node
	e2e_worker 1
	e2e_worker 2
	e2e_actor a1
	local p d
	p=$(pin 1)
	d="/sys/fs/bpf/ateom/netns-$(netns_cookie w1)"
	DEFAULT_DIRS+=("$d")
	refuses "prepare under ip netns exec (default pin dir)" 1 1 \
		ip netns exec "$TOPO_ID-w1" "$ATEOMNET" prepare
	check_match "it says to use nsenter --net" 'nsenter --net=PATH' "$REFUSE_ERR"
	check_fails "no default pin dir was made" test -e "$d"
	refuses "prepare under ip netns exec (--pin-dir)" 1 1 \
		ip netns exec "$TOPO_ID-w1" "$ATEOMNET" prepare --pin-dir "$p"
	check_fails "no pin dir was made" test -e "$p"

	refuses "prepare --nat-entries too small" 2 1 atn w1 prepare --pin-dir "$p" --nat-entries 12
	refuses "prepare --actor" 2 1 atn w1 prepare --pin-dir "$p" --actor a1
	refuses "prepare with an argument" 2 1 atn w1 prepare --pin-dir "$p" now
	check_fails "no pin dir was made by bad flags" test -e "$p"

	must atn w1 prepare --pin-dir "$p"
	refuses "prepare from another worker into w1's pin dir" 1 1 \
		atn w2 prepare --pin-dir "$p"
	check_match "it names the reason" 'belongs to another network namespace' "$REFUSE_ERR"
	refuses "a bad flag on a prepared worker" 2 1 atn w1 prepare --pin-dir "$p" --json=1
	refuses "prepare under ip netns exec on a prepared worker" 1 1 \
		ip netns exec "$TOPO_ID-w1" "$ATEOMNET" prepare --pin-dir "$p"
	up 1 a1
	serve a-a1 tcp 80 --tag a1
	check_get "the prepared datapath still serves" node tcp 192.0.2.11 80 'tag=a1$'
	# A refusal after the timeouts were parsed changes none of them.
	in_ns w1 ip link add eth9 type veth peer name eth9p
	refuses "prepare on another pod interface while an actor is up (with a timeout)" 1 1 \
		atn w1 prepare --pin-dir "$p" --pod-if eth9 --timeout-udp 10
	check_match "it names the reason" 'another pod interface' "$REFUSE_ERR"
	check_eq "the UDP timeout is unchanged" 300 "$(jfield "$(status_json 1)" 'd["timeouts"]["udp"]')"
}

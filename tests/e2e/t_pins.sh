# shellcheck shell=bash
# Pin dirs and the life of a worker: the default pin dir is named by the
# worker's netns cookie (never reused, unlike its inode), a pin dir belongs
# to one netns, `ateomnet gc` reclaims the pin dirs of dead workers, and
# `up` under `ip netns exec` (a private /sys, so a throwaway bpffs) is
# refused instead of making a datapath that vanishes with the command.

# netns_cookie NS: the netns cookie of one of our namespaces.
netns_cookie() {
	in_ns "$1" "$PY" -c 'import socket, struct
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(struct.unpack("Q", s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])'
}

netns_ino() { stat -L -c %i "/run/netns/$TOPO_ID-$1"; }

# gc_field JSON DIR FIELD: FIELD of DIR's entry in `gc --json` output
# ("<absent>" when gc did not list DIR).
gc_field() {
	jfield "$1" 'next((x[sys.argv[4]] for x in d["dirs"] if x["dir"] == sys.argv[3]), "<absent>")' \
		"$2" "$3"
}

# pod_wire NS N: NS (already made) gets a pod eth0 192.0.2.(10+N) on the
# node bridge, as topo_worker wires worker N.
pod_wire() {
	local ns="$1" n="$2"
	in_ns "$ns" ip link set lo up
	in_ns node ip link add "w$n" type veth peer name eth0 netns "$TOPO_ID-$ns"
	in_ns node ip link set "w$n" master br0 up
	in_ns "$ns" ip addr add "$(topo_pod_ip "$n")/24" dev eth0
	in_ns "$ns" ip link set eth0 up
	in_ns "$ns" ip route add default via "$TOPO_GW"
}

# A worker dies with its actor up; the kernel hands its netns inode to the
# next netns (we make namespaces until one gets it, which the kernel's
# lowest-free allocation makes quick). The new worker on that inode must
# get a fresh datapath, and gc, run in the root netns like a node agent,
# reclaims the dead worker's.
test_default_pin_dir_new_worker() {
	e2e_init dd
	topo_node
	e2e_worker 1
	e2e_actor a1
	e2e_actor a2
	local c1 ino d1 d2 w="" ids out i ns reused=no
	c1=$(netns_cookie w1)
	ino=$(netns_ino w1)
	DEFAULT_DIRS+=("/sys/fs/bpf/ateom/netns-$c1" "/sys/fs/bpf/ateom/net$ino")
	serve a-a1 tcp 80 --tag a1
	must atn w1 up --actor a1 --netns "$(apath a1)"
	d1=$(atn w1 status --json | json 'd["pin_dir"]')
	check_eq "the default pin dir is named by the netns cookie" "/sys/fs/bpf/ateom/netns-$c1" "$d1"
	check "it records its owner (cookie and inode)" test -d "$d1/owner-netns-$c1-$ino"
	check_get "inbound to a1" node tcp 192.0.2.11 80 'tag=a1$'
	ids=$(pinned_prog_ids "$d1")

	ip netns del "$TOPO_ID-w1" # the worker pod dies, a1 still up
	for i in $(seq 60); do
		ip netns add "$TOPO_ID-f$i"
		if [[ "$(netns_ino "f$i")" == "$ino" ]]; then w="f$i"; reused=yes; break; fi
		sleep 0.02
	done
	[[ -n "$w" ]] || w="f$i"
	for ns in /run/netns/"$TOPO_ID"-f*; do
		[[ "$ns" == "/run/netns/$TOPO_ID-$w" ]] || ip netns del "${ns#/run/netns/}"
	done
	echo "  (the new worker netns has the dead one's inode: $reused)"
	pod_wire "$w" 2
	d2="/sys/fs/bpf/ateom/netns-$(netns_cookie "$w")"
	DEFAULT_DIRS+=("$d2")
	serve a-a2 tcp 80 --tag a2
	check "up on the new worker (same default port 80) exits 0" \
		atn "$w" up --actor a2 --netns "$(apath a2)"
	check_eq "the new worker has its own pin dir, named by its cookie" "$d2" \
		"$(atn "$w" status --json | json 'd["pin_dir"]')"
	check_ne "not the dead worker's" "$d1" "$d2"
	check_eq "the new worker's datapath has only its actor" "a2" \
		"$(atn "$w" status --json | json '" ".join(a["name"] for a in d["actors"])')"
	check_get "inbound to a2 on the new worker" node tcp 192.0.2.12 80 'tag=a2$'

	out=$("$ATEOMNET" gc --dry-run --json 2>&1) || true
	check_eq "gc --dry-run: the dead worker's dir would be reclaimed" would_reclaim \
		"$(gc_field "$out" "$d1" action)" "$out"
	check_eq "gc --dry-run: its netns is gone" gone "$(gc_field "$out" "$d1" netns)" "$out"
	check_eq "gc --dry-run: the live worker's dir is kept" kept "$(gc_field "$out" "$d2" action)" "$out"
	check "gc --dry-run removed nothing" test -d "$d1"

	# Other leftovers under the shared root may make gc exit 1: read its report.
	out=$("$ATEOMNET" gc --json 2>&1) || true
	check_eq "gc: the dead worker's dir is reclaimed" reclaimed "$(gc_field "$out" "$d1" action)" "$out"
	check_eq "gc: the live worker's dir is kept" kept "$(gc_field "$out" "$d2" action)" "$out"
	check_fails "gc: the dead worker's dir is gone" test -e "$d1"
	check_eq "gc: the dead worker's programs are freed" "" "$(live_prog_ids $ids)"
	check_get "gc: the new worker still serves a2" node tcp 192.0.2.12 80 'tag=a2$'

	check "down on the new worker" atn "$w" down --actor a2
	check "purge on the new worker" atn "$w" purge
	check_fails "purge removed the new worker's default dir" test -e "$d2"
}

# gc over a root of its own: a dead worker's dir (kept while its lock is
# held), a live worker's dir, and a dir that names no owner.
test_gc_pin_root() {
	e2e_init gr
	topo_node
	e2e_worker 1
	e2e_worker 2
	e2e_actor a1
	e2e_actor a2
	local root ids out rc holder
	root=$(topo_pin_dir root) # under the topology's name: its cleanup removes it
	mkdir "$root" "$root/other"
	serve a-a2 tcp 80 --tag a2
	must atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$root/w1"
	must atn w2 up --actor a2 --netns "$(apath a2)" --pin-dir "$root/w2"
	ids=$(pinned_prog_ids "$root/w1")
	ip netns del "$TOPO_ID-w1"

	# the lock's fd held by the process itself: killing it releases the lock
	bash -c 'exec 9<"$1" && flock 9 && exec sleep 30' _ "$root/w1" &
	holder=$!
	topo_track_pid "$holder"
	for _ in $(seq 100); do flock -n "$root/w1" true || break; sleep 0.02; done
	rc=0
	out=$("$ATEOMNET" gc --pin-root "$root" --json 2>&1) || rc=$?
	check_eq "gc with the dead dir's lock held: exit 0" 0 "$rc" "$out"
	check_eq "gc leaves a locked dir" busy "$(gc_field "$out" "$root/w1" action)" "$out"
	check "the locked dir is still there" test -d "$root/w1"
	kill "$holder"
	wait "$holder" 2>/dev/null || true

	rc=0
	out=$("$ATEOMNET" gc --pin-root "$root" --dry-run --json 2>&1) || rc=$?
	check_eq "gc --dry-run: exit 0" 0 "$rc" "$out"
	check_eq "gc --dry-run: dead w1 would be reclaimed" would_reclaim \
		"$(gc_field "$out" "$root/w1" action)" "$out"
	check_eq "gc --dry-run: live w2 kept" kept "$(gc_field "$out" "$root/w2" action)" "$out"
	check_eq "gc --dry-run: live w2's netns" alive "$(gc_field "$out" "$root/w2" netns)" "$out"
	check_eq "gc --dry-run: w2's cookie" "$(netns_cookie w2)" \
		"$(gc_field "$out" "$root/w2" netns_cookie)" "$out"
	check_eq "gc --dry-run: a dir naming no owner is kept" kept \
		"$(gc_field "$out" "$root/other" action)" "$out"
	check "gc --dry-run: nothing removed" test -d "$root/w1"

	check "gc (text)" "$ATEOMNET" gc --pin-root "$root"
	check_match "gc says what it reclaimed" "^reclaimed +$root/w1 " "$OUT"
	check_match "gc says what it kept" "^kept +$root/w2 \(netns alive\)" "$OUT"
	check_fails "gc: dead w1's dir is gone" test -e "$root/w1"
	check_eq "gc: dead w1's programs are freed" "" "$(live_prog_ids $ids)"
	check "gc: live w2's dir is still there" test -d "$root/w2"
	check "gc: the dir naming no owner is still there" test -d "$root/other"
	check_get "gc: w2 still serves a2" node tcp 192.0.2.12 80 'tag=a2$'
	rc=0
	out=$("$ATEOMNET" gc --pin-root "$root" --json 2>&1) || rc=$?
	check_eq "gc again: exit 0, nothing to reclaim" "0 0" \
		"$rc $(json 'd["reclaimed"]' <<<"$out")" "$out"
}

# A pin dir belongs to the netns that first used it: another worker's
# up, down and purge are refused there (status, read-only, works).
test_foreign_pin_dir() {
	e2e_init fp
	topo_node
	e2e_worker 1
	e2e_worker 2
	e2e_actor a1
	e2e_actor a2
	local p
	p=$(pin 1)
	up 1 a1
	refuses "up from another worker into w1's pin dir" 1 1 \
		atn w2 up --actor a2 --netns "$(apath a2)" --pin-dir "$p" --veth ateom1 --expose 81
	check_match "it names the reason" 'belongs to another network namespace' "$REFUSE_ERR"
	check_fails "nothing was made in the other worker" in_ns w2 ip link show ateom1
	refuses "down from another worker" 1 1 atn w2 down --actor a1 --pin-dir "$p"
	refuses "purge --force from another worker" 1 1 atn w2 purge --force --pin-dir "$p"
	check "status from another worker works" atn w2 status --pin-dir "$p" --json
	check_eq "and shows w1's actor" a1 "$(json 'd["actors"][0]["name"]' <<<"$OUT")"
	check "w1 itself still takes its actor down" atn w1 down --actor a1 --pin-dir "$p"
}

# `ip netns exec` gives the command a private /sys: /sys/fs/bpf there is
# no bpffs, and a bpffs mounted there vanishes with the command. `up` must
# refuse, say what to do, and leave nothing behind.
test_ip_netns_exec_refused() {
	e2e_init ne
	topo_node
	e2e_worker 1
	e2e_actor a1
	e2e_actor a2
	local p d
	p=$(pin 1)
	d="/sys/fs/bpf/ateom/netns-$(netns_cookie w1)"
	DEFAULT_DIRS+=("$d")
	refuses "up under ip netns exec (default pin dir)" 1 1 \
		ip netns exec "$TOPO_ID-w1" "$ATEOMNET" up --actor a1 --netns "$(apath a1)"
	check_match "it says to use nsenter --net" 'nsenter --net=PATH' "$REFUSE_ERR"
	check_match "or to mount bpffs for good" 'mount bpffs on /sys/fs/bpf' "$REFUSE_ERR"
	check_fails "no default pin dir was made" test -e "$d"
	refuses "up under ip netns exec (--pin-dir)" 1 1 \
		ip netns exec "$TOPO_ID-w1" "$ATEOMNET" up --actor a1 --netns "$(apath a1)" --pin-dir "$p"
	check_fails "no pin dir was made" test -e "$p"

	up 1 a1
	# (refuses before serve: its snapshot's `wait` would wait for the server)
	refuses "up under ip netns exec next to an actor that is up" 1 1 \
		ip netns exec "$TOPO_ID-w1" "$ATEOMNET" up --actor a2 --netns "$(apath a2)" \
		--pin-dir "$p" --veth ateom1 --expose 81
	check_fails "status under ip netns exec refuses rather than report no datapath" \
		ip netns exec "$TOPO_ID-w1" "$ATEOMNET" status --pin-dir "$p"
	check_fails "down under ip netns exec refuses rather than report the actor not up" \
		ip netns exec "$TOPO_ID-w1" "$ATEOMNET" down --actor a1 --pin-dir "$p"
	check_eq "a1 is still up" a1 "$(status_json 1 | json 'd["actors"][0]["name"]')"
	serve a-a1 tcp 80 --tag a1
	check_get "and still served" node tcp 192.0.2.11 80 'tag=a1$'
}

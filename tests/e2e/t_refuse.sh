# shellcheck shell=bash
# Every refusal of issue 2: exit code (2 = usage, 1 = runtime), one line on
# stderr starting "ateomnet: ", and nothing changed in the worker netns, the
# actor netns or the pin dir (see `refuses` in lib.sh). Most run next to an
# actor that is already up (a1), trying to bring a2 up; each group ends with
# the corrected command succeeding, so the refusals were about the bad
# argument and nothing else.

# up2 ARGS...: `up` of a2 on worker 1 (its own netns; --veth ateom1 unless
# ARGS name another).
up2() {
	local veth=(--veth ateom1)
	[[ " $* " != *" --veth "* ]] || veth=()
	atn w1 up --actor a2 --netns "$(apath a2)" --pin-dir "$(pin 1)" "${veth[@]}" "$@"
}

two_actor_bed() {
	std_topo "$1"
	sized_for 1 3
	e2e_actor a2
	up 1 a1
}

test_refuse_flags() {
	two_actor_bed rfu
	refuses "unknown flag" 2 1 up2 --expose 81 --bogus
	refuses "unknown verb" 2 1 atn w1 frobnicate --actor a2
	refuses "up without --netns" 2 1 atn w1 up --actor a2 --pin-dir "$(pin 1)" --veth ateom1 --expose 81
	refuses "up without --actor" 2 1 atn w1 up --netns "$(apath a2)" --pin-dir "$(pin 1)" --veth ateom1 --expose 81
	refuses "bad CIDR: prefix /33" 2 1 up2 --expose 81 --worker-addr 10.200.0.1/33
	refuses "bad CIDR: octet 300" 2 1 up2 --expose 81 --actor-addr 10.200.0.300/30
	refuses "bad CIDR: not an address" 2 1 up2 --expose 81 --worker-addr nonsense/30
	refuses "addresses not in one /30" 2 1 up2 --expose 81 --worker-addr 10.200.0.1/30 --actor-addr 10.200.0.6/30
	refuses "addresses with different prefix lengths" 2 1 up2 --expose 81 --worker-addr 10.200.0.1/30 --actor-addr 10.200.0.2/29
	check "the corrected command works" up2 --expose 81
}

test_refuse_ports() {
	two_actor_bed rfo
	refuses "port 0" 2 1 up2 --expose 0
	refuses "port 65536" 2 1 up2 --expose 65536
	refuses "actor port 0" 2 1 up2 --expose 81:0
	refuses "actor port 65536" 2 1 up2 --expose 81:65536/udp
	refuses "unknown protocol" 2 1 up2 --expose 81/sctp
	refuses "port not a number" 2 1 up2 --expose http
	refuses "duplicate port in one command" 2 1 up2 --expose 81 --expose 81/tcp
	refuses "veth name of 16 bytes" 2 1 up2 --expose 81 --veth abcdefghijklmnop
	check "the corrected command works" up2 --expose 81
}

test_refuse_names() {
	two_actor_bed rfn
	local name
	for name in A1 -a1 a1- a_1 a.1 "" "$(printf 'a%.0s' $(seq 64))"; do
		refuses "invalid actor name '${name:0:12}'" 2 1 \
			atn w1 up --actor "$name" --netns "$(apath a2)" --pin-dir "$(pin 1)" --veth ateom1 --expose 81
	done
	check "the corrected command works (63-char name is valid)" \
		atn w1 up --actor "$(printf 'b%.0s' $(seq 63))" --netns "$(apath a2)" --pin-dir "$(pin 1)" --veth ateom1 --expose 81
}

test_refuse_runtime() {
	two_actor_bed rfr
	local p
	p=$(pin 1)
	# a pod-like interface without IPv4 (this kernel has no dummy driver)
	in_ns w1 ip link add nov4a type veth peer name nov4b
	in_ns w1 ip link set nov4a up
	in_ns w1 ip link set nov4b up

	refuses "missing netns path" 1 1 atn w1 up --actor a2 --netns /run/netns/nosuch-ns --pin-dir "$p" --veth ateom1 --expose 81
	refuses "netns path that is not a namespace" 1 1 atn w1 up --actor a2 --netns /etc/hostname --pin-dir "$p" --veth ateom1 --expose 81
	refuses "netns path of a mount namespace" 1 1 atn w1 up --actor a2 --netns /proc/1/ns/mnt --pin-dir "$p" --veth ateom1 --expose 81
	refuses "missing pod interface" 1 1 up2 --expose 81 --pod-if nosuch0
	refuses "pod interface without IPv4" 1 1 up2 --expose 81 --pod-if nov4a
	refuses "port already exposed by a1" 1 1 up2 --expose 80
	refuses "default port 80 already exposed by a1" 1 1 up2
	refuses "one of several ports already exposed" 1 1 up2 --expose 82 --expose 80/tcp
	refuses "veth name taken (a1's ateom0)" 1 1 up2 --expose 81 --veth ateom0
	refuses "veth name taken (the pod eth0)" nz 1 up2 --expose 81 --veth eth0
	refuses "veth name taken (another interface)" 1 1 up2 --expose 81 --veth nov4b
	serve a-a2 tcp 81 --tag a2
	check "the corrected command works" up2 --expose 81
	check_get "the corrected actor is reachable on pod:81" node tcp 192.0.2.11 81 'tag=a2$'
}

# Failures half-way through `up` must roll back what it already made.
test_refuse_rollback() {
	two_actor_bed rfb
	e2e_actor a3
	# an actor netns that already has an eth0: the peer cannot take the name
	in_ns a-a3 ip link add eth0 type veth peer name x0
	refuses "actor netns already has an eth0" 1 1 \
		atn w1 up --actor a3 --netns "$(apath a3)" --pin-dir "$(pin 1)" --veth ateom2 --expose 83
	refuses "actor netns is the worker netns itself" 1 1 \
		atn w1 up --actor a2 --netns "/run/netns/$TOPO_ID-w1" --pin-dir "$(pin 1)" --veth ateom1 --expose 81
	check "a2 still comes up afterwards" up2 --expose 81
}

# capsh runs bash -c 'exec "$0" "$@"' ateomnet ARGS: the quotes are meant.
# shellcheck disable=SC2016
test_refuse_privileges() {
	two_actor_bed rfp
	refuses "no CAP_NET_ADMIN/SYS_ADMIN/BPF (capsh)" 1 1 \
		in_ns w1 capsh --drop=cap_net_admin,cap_sys_admin,cap_bpf -- -c 'exec "$0" "$@"' \
		"$ATEOMNET" up --actor a2 --netns "$(apath a2)" --pin-dir "$(pin 1)" --veth ateom1 --expose 81
	check_match "no privileges: says which capability" '(CAP_|cap_)[A-Za-z_]+' "$REFUSE_ERR"
	refuses "no capabilities at all (setpriv)" 1 1 \
		in_ns w1 setpriv --inh-caps=-all --bounding-set=-all -- \
		"$ATEOMNET" up --actor a2 --netns "$(apath a2)" --pin-dir "$(pin 1)" --veth ateom1 --expose 81
	check_match "no capabilities: says which capability" '(CAP_|cap_)[A-Za-z_]+' "$REFUSE_ERR"
	refuses "only CAP_NET_ADMIN dropped" 1 1 \
		in_ns w1 capsh --drop=cap_net_admin -- -c 'exec "$0" "$@"' \
		"$ATEOMNET" up --actor a2 --netns "$(apath a2)" --pin-dir "$(pin 1)" --veth ateom1 --expose 81
	check_match "CAP_NET_ADMIN dropped: says CAP_NET_ADMIN" '(CAP_NET_ADMIN|cap_net_admin)' "$REFUSE_ERR"
	check "with privileges the same command works" up2 --expose 81
}

# On a worker where nothing was ever up: a refusal must not leave a pin dir,
# programs or attachments behind either.
# shellcheck disable=SC2016
test_refuse_fresh_worker() {
	std_topo rff
	local p
	p=$(pin 1)
	refuses "fresh worker: missing netns path" 1 1 atn w1 up --actor a1 --netns /run/netns/nosuch-ns --pin-dir "$p"
	refuses "fresh worker: missing pod interface" 1 1 atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$p" --pod-if nosuch0
	refuses "fresh worker: unknown flag" 2 1 atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$p" --bogus
	refuses "fresh worker: no privileges" 1 1 \
		in_ns w1 capsh --drop=cap_net_admin,cap_sys_admin,cap_bpf -- -c 'exec "$0" "$@"' \
		"$ATEOMNET" up --actor a1 --netns "$(apath a1)" --pin-dir "$p"
	check_fails "fresh worker: no pin dir was created" test -e "$p"
	check "fresh worker: the corrected command works" atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$p"
}

# The actor netns's default route is ours to add, not to replace: `down`
# would leave the netns without one.
test_refuse_actor_default_route() {
	two_actor_bed rfd
	in_ns a-a2 ip link add x0 type veth peer name x1
	in_ns a-a2 ip addr add 198.51.100.2/24 dev x0
	in_ns a-a2 ip link set x0 up
	in_ns a-a2 ip route add default via 198.51.100.1
	refuses "actor netns that has a default route" 1 1 up2 --expose 81
	check_match "it names the route" 'default route .*via 198\.51\.100\.1 dev x0' "$REFUSE_ERR"
	in_ns a-a2 ip route del default
	in_ns a-a2 ip route add blackhole default
	refuses "actor netns that has a blackhole default route" 1 1 up2 --expose 81
	in_ns a-a2 ip route del blackhole default
	in_ns a-a2 ip route add default via 198.51.100.1 table 7
	check "a default route in another table is not ours to replace: up works" up2 --expose 81
	check_match "that route is still there" '^default via 198\.51\.100\.1 dev x0' \
		"$(in_ns a-a2 ip route show table 7)"
}

# The actor link's subnet must not shadow any route of the worker, other
# than the very same subnet on another actor's veth (every actor has it).
test_refuse_subnet_overlap() {
	two_actor_bed rfs
	in_ns w1 ip route add 10.99.0.0/16 via 192.0.2.1
	in_ns w1 ip route add 10.97.0.5/32 via 192.0.2.1
	refuses "subnet inside the pod subnet" 1 1 up2 --expose 81 \
		--worker-addr 192.0.2.101/24 --actor-addr 192.0.2.102/24
	check_match "it names the route" 'overlaps .*192\.0\.2\.0/24 dev eth0' "$REFUSE_ERR"
	refuses "subnet inside a route of the worker" 1 1 up2 --expose 81 \
		--worker-addr 10.99.3.1/30 --actor-addr 10.99.3.2/30
	refuses "subnet holding a host route of the worker" 1 1 up2 --expose 81 \
		--worker-addr 10.97.0.1/29 --actor-addr 10.97.0.2/29
	refuses "a1's subnet with another prefix" 1 1 up2 --expose 81 \
		--worker-addr 10.200.0.1/29 --actor-addr 10.200.0.2/29
	check "a1's very subnet (the default) works" up2 --expose 81
	e2e_actor a3
	check "so does a subnet of its own" atn w1 up --actor a3 --netns "$(apath a3)" \
		--pin-dir "$(pin 1)" --veth ateom2 --expose 82 --worker-addr 10.201.0.1/30 --actor-addr 10.201.0.2/30
}

# An actor that is up (whole) is not brought up twice, from its own netns
# or from another one.
test_refuse_already_up() {
	two_actor_bed rfa
	refuses "a1 again, same netns" 1 1 \
		atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$(pin 1)" --expose 82
	check_match "it says so" 'already up' "$REFUSE_ERR"
	refuses "a1 again, from a2's netns" 1 1 \
		atn w1 up --actor a1 --netns "$(apath a2)" --pin-dir "$(pin 1)" --veth ateom1 --expose 82
	check_match "it says so" 'already up' "$REFUSE_ERR"
}

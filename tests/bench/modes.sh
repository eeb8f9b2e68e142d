# shellcheck shell=bash
# The three ways of giving the actor its network, set up and torn down on
# the one shared topology (tests/lib/topo.sh: worker w1, actor netns). Sourced
# by run.sh, which sets:
#   BENCH_DIR  tests/bench          ATEOMNET  path of build/ateomnet
#   APATH      /run/netns/<actor>   PIN       bpffs pin dir for ebpf mode
#   EXPOSE     array of PORT/proto the actor serves on the pod IP
#   POD_IP     the worker's pod IP (topo_pod_ip 1)
#   POD_IP6    its IPv6 (topo_pod_ip6 1) when BENCH_IPV6=1, else empty:
#              every mode then gives the actor IPv6 too (ebpf: `up` sees
#              the pod's IPv6; nftables: nft-bridge.sh's inet table;
#              eth0-move: the address and route move with eth0)
#
#   ebpf       `ateomnet up` (this project): TC programs, no nft, no forwarding
#   ebpf-policy  the same with an egress policy (issue 9): the policy program
#              in the actor's hook slot, default deny, the internet host's
#              and the node's /24 allowed, so every packet the actor sends
#              goes through the hook and is allowed by a rule
#   nftables   nft-bridge.sh: same veth pair, conntrack NAT, ip_forward=1
#   eth0-move  the pod eth0 itself moved into the actor netns, no NAT: the floor
#
# mode_up / mode_down print nothing on success and return the status of
# their work (they may run where set -e is off); the activation benchmark
# times them as they are. Every command is bounded by MODE_TIMEOUT (a hung
# `ateomnet up` was seen once: blocked in a netlink recvmsg).

MODE_TIMEOUT=30

# in_worker CMD...: run CMD in the worker netns like the controller would.
# nsenter --net and not `ip netns exec`: the latter gives the command a
# private mount namespace with a fresh /sys, so ateomnet mounts a private
# bpffs there and its pins (tcx links included) vanish when it exits:
# every `up` is then cold and the datapath is gone once `up` returns.
in_worker() { timeout "$MODE_TIMEOUT" nsenter --net="/run/netns/$TOPO_ID-w1" "$@"; }

BENCH_ALL_MODES="ebpf nftables eth0-move ebpf-policy"
# What ebpf-policy adds to `up`: what a user who wants the hook runs (plain
# `--egress-mode allow` with no rule empties the slot).
BENCH_POLICY=(--egress-mode deny --allow "${TOPO_INET%.*}.0/24" --allow "${TOPO_GW%.*}.0/24")

mode_up() {
	local flags=() e
	for e in "${EXPOSE[@]}"; do flags+=(--expose "$e"); done
	case "$1" in
	ebpf | ebpf-policy)
		[ "$1" = ebpf ] || flags+=("${BENCH_POLICY[@]}")
		# --json: activation.sh also records ateomnet's own elapsed_ms.
		MODE_UP_JSON=$(in_worker "$ATEOMNET" up --actor bench --netns "$APATH" \
			--pin-dir "$PIN" "${flags[@]}" --json) ;;
	nftables)
		in_worker "$BENCH_DIR/nft-bridge.sh" up --netns "$APATH" "${flags[@]}" ;;
	eth0-move)
		# Moving a link to another netns drops its addresses and routes.
		timeout "$MODE_TIMEOUT" ip -n "$TOPO_ID-w1" link set eth0 netns "${APATH##*/}" &&
		timeout "$MODE_TIMEOUT" ip -n "${APATH##*/}" -batch - <<-EOF
		link set lo up
		addr add $POD_IP/24 dev eth0
		link set eth0 up
		route add default via $TOPO_GW
		$(eth0_v6_lines)
		EOF
		;;
	*) echo "bench: unknown mode $1" >&2; return 2 ;;
	esac
}

# eth0_v6_lines: the `ip -batch` lines giving eth0 the pod IPv6 back.
eth0_v6_lines() {
	[ -n "${POD_IP6:-}" ] || return 0
	printf 'addr add %s/64 dev eth0 nodad\nroute add default via %s\n' "$POD_IP6" "$TOPO_GW6"
}

mode_down() {
	case "$1" in
	ebpf | ebpf-policy)
		in_worker "$ATEOMNET" down --actor bench --pin-dir "$PIN" >/dev/null ;;
	nftables)
		in_worker "$BENCH_DIR/nft-bridge.sh" down ;;
	eth0-move)
		timeout "$MODE_TIMEOUT" ip -n "${APATH##*/}" link set eth0 netns "$TOPO_ID-w1" &&
		timeout "$MODE_TIMEOUT" ip -n "$TOPO_ID-w1" -batch - <<-EOF
		addr add $POD_IP/24 dev eth0
		link set eth0 up
		route add default via $TOPO_GW
		$(eth0_v6_lines)
		EOF
		;;
	*) echo "bench: unknown mode $1" >&2; return 2 ;;
	esac
}

# mode_check_clean: between modes the worker must be back to a plain pod
# (eth0 with the pod IP, no ateom0, no nft rules, no forwarding) and the
# actor netns empty, or one mode's figures would lean on another's leftovers.
mode_check_clean() {
	local w="$TOPO_ID-w1" a="${APATH##*/}" bad=""
	[[ $(ip -n "$w" -4 addr show dev eth0 2>/dev/null) == *"inet $POD_IP/"* ]] ||
		bad+=" pod-eth0-missing"
	ip -n "$w" link show ateom0 >/dev/null 2>&1 && bad+=" ateom0-left"
	[ -z "$(in_ns w1 nft list ruleset)" ] || bad+=" nft-rules-left"
	[ "$(in_ns w1 cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || bad+=" ip_forward-on"
	if [ -n "${POD_IP6:-}" ]; then
		[[ $(ip -n "$w" -6 addr show dev eth0 2>/dev/null) == *"inet6 $POD_IP6/"* ]] ||
			bad+=" pod-eth0-ipv6-missing"
		[ "$(in_ns w1 cat /proc/sys/net/ipv6/conf/all/forwarding)" = 0 ] || bad+=" ipv6-forwarding-on"
	fi
	ip -n "$a" link show eth0 >/dev/null 2>&1 && bad+=" actor-eth0-left"
	# ateomnet pins its tcx links there; after the last `down` none may stay
	# attached to the pod eth0 (it would tax the other modes' packets).
	[ -z "$(ls -A "$PIN/links" 2>/dev/null)" ] || bad+=" ebpf-links-left"
	[ -z "$bad" ] || { echo "bench: worker not clean between modes:$bad" >&2; return 1; }
}

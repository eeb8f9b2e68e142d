#!/bin/bash
# Issue 3: a real gVisor actor through its whole life. Start it on worker W1
# behind ateomnet, check inbound and egress, take a golden snapshot, restore
# it on worker W2, and again on W1 (two actors from one image).
# Issue 9: the actor's egress in capture mode through a real proxy on W1,
# and again on W2 after the restore (capture.sh). Issue 11: one more actor
# set up through the CNI plugin, as a runtime does (cni.sh).
#
#   TESTSRV=build/gvisor/testsrv ATEOMNET=build/ateomnet tests/gvisor/e2e-gvisor.sh
#   GVISOR_NET=standin  the ip/nftables stand-in instead of ateomnet (tells
#                       a gVisor problem from a datapath problem)
#   GVISOR_DEBUG=1      runsc --debug logs; GVISOR_KEEP=1 keeps the work dir
#   GVISOR_IPV6=1       dual-stack workers, IPv6 checked too (ipv6.sh)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${TESTSRV:?path of the static test server (build/gvisor/testsrv)}"
GVISOR_NET=${GVISOR_NET:-ateomnet}
# shellcheck source-path=SCRIPTDIR
source "$HERE/../lib/topo.sh"
source "$HERE/lib.sh"
source "$HERE/standin.sh"
source "$HERE/capture.sh"
source "$HERE/cni.sh"
source "$HERE/ipv6.sh"

# ---- prerequisites: missing means failed, never skipped ------------------------
need=(runsc unshare nsenter ip jq timeout)
case "$GVISOR_NET" in
ateomnet)
	[[ -x "${ATEOMNET:-}" ]] || fatal "ATEOMNET='${ATEOMNET:-}' is not an executable"
	need+=(redsocks ncat python3 ss)
	;;
standin) need+=(nft) ;;
*) fatal "GVISOR_NET must be ateomnet or standin, not '$GVISOR_NET'" ;;
esac
for t in "${need[@]}"; do command -v "$t" >/dev/null || fatal "missing tool: $t"; done
[[ -x "$TESTSRV" ]] || fatal "missing test server: $TESTSRV"
((EUID == 0)) || fatal "must run as root"

# ---- topology names -----------------------------------------------------------------
pin() { echo "/sys/fs/bpf/$TOPO_ID-$1"; }       # pin WORKER
apath() { echo "/run/netns/$TOPO_ID-a-$1"; }    # apath ACTOR
POD_A=$(topo_pod_ip 1) POD_B=$(topo_pod_ip 2)
ACTOR_IP=10.200.0.2 ACTOR_MAC=02:a7:e0:00:00:02 GW_MAC=02:a7:e0:00:00:01
SNAT_LO=1024 SNAT_HI=32767

# atn WORKER ARGS...: ateomnet inside the worker netns (in_ns keeps the
# shared /sys/fs/bpf visible). A hung call must fail, not eat the CI budget.
atn() { local w="$1"; shift; in_ns "$w" timeout 20 "$ATEOMNET" "$@"; }

# ---- the actor network: ateomnet, or the stand-in (one switch: GVISOR_NET) ---------
net_up() { # net_up WORKER ACTOR [UP FLAGS...] (flags: ateomnet only)
	case "$GVISOR_NET" in
	ateomnet) atn "$1" up --actor "$2" --netns "$(apath "$2")" --pin-dir "$(pin "$1")" "${@:3}" ;;
	standin) standin_up "$1" "$2" "$(apath "$2")" && standin6_up "$1" "$2" ;;
	esac
}
net_down() { # net_down WORKER ACTOR
	case "$GVISOR_NET" in
	ateomnet) atn "$1" down --actor "$2" --pin-dir "$(pin "$1")" ;;
	standin) standin_down "$1" "$2" && standin6_down "$1" ;;
	esac
}

# up WORKER ACTOR [UP FLAGS...] / down WORKER ACTOR: timed steps; NET_UP
# remembers what the trap undoes.
NET_UP=()
up() {
	NET_UP+=("$1:$2")
	timed "$GVISOR_NET up ($1/$2)" "$WORK/logs/up-$2.log" net_up "$@"
}
down() {
	local keep=() e
	timed "$GVISOR_NET down ($1/$2)" "$WORK/logs/down-$2.log" net_down "$1" "$2"
	for e in "${NET_UP[@]}"; do [[ "$e" == "$1:$2" ]] || keep+=("$e"); done
	NET_UP=("${keep[@]}")
}

# ---- cleanup: sandboxes, actor networks, pins, namespaces, even on failure ----------
cleanup() {
	local rc=$? e w
	set +e
	trap - EXIT
	rs_remove_all
	for e in "${NET_UP[@]}"; do net_down "${e%%:*}" "${e#*:}" >/dev/null 2>&1; done
	if [[ "$GVISOR_NET" == ateomnet ]]; then
		for w in w1 w2; do
			# --force: also an actor the CNI plugin made (cni.sh)
			[[ -d "$(pin "$w")" ]] && atn "$w" purge --force --pin-dir "$(pin "$w")" >/dev/null 2>&1
		done
	fi
	(exit $rc)
	topo_cleanup
	capture_cleanup
	if [[ "${GVISOR_KEEP:-0}" != 0 ]]; then
		echo "e2e-gvisor: logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	exit $rc
}

topo_init gv
WORK=$(mktemp -d "/tmp/ateom-gvisor-$TOPO_ID.XXXXXX")
mkdir -p "$WORK/logs"
trap cleanup EXIT
runsc_flags

# ---- traffic helpers -------------------------------------------------------------------
# get NS IP PORT PATH: one HTTP request from namespace NS (testsrv get). Never
# fails: an error message instead of a reply makes the next check fail.
get() { in_ns "$1" "$TESTSRV" get "$2" "$3" "$4" 2>&1 || true; }

# bundle NAME ACTOR: an OCI bundle whose config.json names the actor netns.
bundle() { "$HERE/bundle.sh" "$WORK/$1" "$TESTSRV" "$(apath "$2")"; }

# wait_serving IP [PORT]: the actor answers (its listen() may lag `runsc run`).
wait_serving() {
	local i port="${2:-80}"
	for ((i = 0; i < 100; i++)); do
		in_ns inet "$TESTSRV" get "$1" "$port" /ready >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	fatal "actor behind $1:$port not serving after 5 s" "$(get inet "$1" "$port" /ready)"
}

# check_actor WORKER POD_IP EXPECTED_COUNT [POD_PORT]: inbound from the
# internet host and from the other worker (client IP kept), counter,
# addresses, MAC, egress. POD_PORT (80) is exposed as the actor's :80.
check_actor() {
	local w="$1" pod="$2" count="$3" port="${4:-80}" other r
	[[ "$w" == w1 ]] && other=w2 || other=w1

	r=$(get inet "$pod" "$port" /)
	check_eq "inbound $pod:$port from the internet host: client IP kept" "$TOPO_INET" "$(kv peer "$r" | cut -d: -f1)" "$r"
	check_eq "actor counter is $count (memory)" "$count" "$(kv count "$r")" "$r"
	check_eq "actor sees itself as $ACTOR_IP:80" "$ACTOR_IP:80" "$(kv local "$r")" "$r"
	check_eq "actor MAC is $ACTOR_MAC" "$ACTOR_MAC" "$(kv mac "$r")" "$r"

	r=$(get "$other" "$pod" "$port" /)
	check_eq "inbound $pod:$port from pod $other: client IP kept" "$(topo_pod_ip "${other#w}")" "$(kv peer "$r" | cut -d: -f1)" "$r"
	check_eq "actor counter is $((count + 1))" "$((count + 1))" "$(kv count "$r")" "$r"

	r=$(get inet "$pod" "$port" "/egress?host=$TOPO_INET&port=9000")
	check_eq "actor egress reaches the internet host from pod IP $pod" "$pod" "$(kv egress_src "$r" | cut -d: -f1)" "$r"
	check_range "actor egress source port in the SNAT range" "$SNAT_LO" "$SNAT_HI" "$(kv egress_src "$r" | cut -d: -f2)" "$r"

	# Big enough for gVisor to hand the kernel GSO super-packets (host GSO).
	r=$({ in_ns inet "$TESTSRV" get "$pod" "$port" "/bulk?bytes=4000000" 2>"$WORK/logs/bulk.err" || true; } | wc -c)
	check_eq "4 MB from the actor to the internet host" 4000000 "$r" "$(cat "$WORK/logs/bulk.err")"

	check_worker "$w"
}

# check_worker WORKER: the worker keeps its eth0 and pod IP, and its own
# egress works, untranslated.
check_worker() {
	local w="$1" ip r
	ip=$(topo_pod_ip "${w#w}")
	check_match "$w keeps eth0 with pod IP $ip" "inet $ip/24" "$(in_ns "$w" ip -4 -o addr show dev eth0)"
	r=$(get "$w" "$TOPO_INET" 8080 /)
	check_eq "$w's own egress leaves as $ip" "$ip" "$(kv peer "$r" | cut -d: -f1)" "$r"
	check_range "$w's own egress keeps a worker port" $((SNAT_HI + 1)) 65535 "$(kv peer "$r" | cut -d: -f2)" "$r"
}

# check_crossed WORKER ACTOR [VETH]: actor traffic went through VETH (ateom0)
# and the datapath counted it.
check_crossed() {
	local w="$1" a="$2" v="${3:-ateom0}" rx js c
	# Not /sys/class/net: in_ns keeps the host's /sys (see topo.sh).
	rx=$(ip -n "$TOPO_ID-$w" -s -j link show "$v" | jq '.[0].stats64.rx.packets' || true)
	check_range "$w $v received the actor's packets" 20 999999999 "$rx"
	[[ "$GVISOR_NET" == ateomnet ]] || { echo "  --   datapath counters: n/a with the stand-in"; return 0; }
	js=$(atn "$w" status --pin-dir "$(pin "$w")" --json 2>&1) || fatal "ateomnet status ($w)" "$js"
	for c in actor_rx snat dnat dnat_reply snat_reply; do
		check_range "datapath counter $c > 0 ($w/$a)" 1 999999999999 "$(jq -r --arg a "$a" --arg c "$c" \
			'([.actors[] | select(.name == $a) | .counters[$c].packets // 0] | add // 0)
			 + (.counters[$c].packets // 0)' <<<"$js")" "$js"
	done
	echo "  --   nonzero counters: $(jq -c '[.actors[].counters, .counters | to_entries[]
		| select(.value.packets > 0) | "\(.key)=\(.value.packets)"] | unique' <<<"$js" || echo '?')"
}

# check_clean WORKER: no actor left on the worker.
check_clean() {
	local w="$1" js
	check_eq "$w has no ateom link" "" "$(in_ns "$w" ip -o link show | grep -o 'ateom[0-9]*' || true)"
	if [[ "$GVISOR_NET" == ateomnet ]]; then
		js=$(atn "$w" status --pin-dir "$(pin "$w")" --json 2>&1) || fatal "ateomnet status ($w)" "$js"
		check_eq "$w ateomnet status lists no actor" 0 "$(jq '.actors | length' <<<"$js")" "$js"
		# Left-over translations of a gone actor could capture a later flow.
		check_eq "$w has no NAT entry left" 0 "$(jq '.nat_entries' <<<"$js")" "$js"
	fi
}

# check_links WORKER ACTOR [VETH]: both veth ends carry the fixed addresses
# and MACs, the same on every worker (what lets a snapshot restore anywhere).
# The actor end is seen from the host: runsc keeps the link, strips its IP
# addresses.
check_links() {
	local w="$1" a="$2" v="${3:-ateom0}"
	check_match "$w $v is $GW_MAC with 10.200.0.1/30" "link/ether $GW_MAC .* inet 10\.200\.0\.1/30" \
		"$(in_ns "$w" ip -o link show "$v") $(in_ns "$w" ip -4 -o addr show dev "$v")"
	check_match "actor $a eth0 is $ACTOR_MAC (host view)" "link/ether $ACTOR_MAC " \
		"$(ip -n "$TOPO_ID-a-$a" -o link show eth0)"
}

# ================================================================================
echo "== e2e-gvisor ($GVISOR_NET, $(runsc --version | head -1))"
echo "-- 1. topology: node, internet host, workers w1 ($POD_A) and w2 ($POD_B)"
topo_node
topo_worker 1
topo_worker 2
gv6_topo
topo_pin_dir w1 >/dev/null
topo_pin_dir w2 >/dev/null
# The internet host: "who am I" on :9000 for the actor's egress, and a plain
# server on :8080 for the workers' own egress.
in_ns inet "$TESTSRV" whoami 9000 >"$WORK/logs/whoami.log" 2>&1 &
topo_track_pid $!
in_ns inet "$TESTSRV" serve 8080 >"$WORK/logs/inet-serve.log" 2>&1 &
topo_track_pid $!
for ((i = 0; i < 100; i++)); do get w1 "$TOPO_INET" 8080 /ready >/dev/null && break; sleep 0.05; done
check_worker w1
# Egress control (ateomnet only): a web server on the internet host, the
# capture proxy on each worker.
CAPTURE=0
[[ "$GVISOR_NET" != ateomnet ]] || CAPTURE=1
if ((CAPTURE)); then
	http_start
	proxy_start w1
	proxy_start w2
fi

echo "-- 2-3. actor a1 on w1: $GVISOR_NET up, runsc run"
topo_actor a1 >/dev/null
up w1 a1
bundle b1 a1
timed "runsc run" "$WORK/logs/run-c1.log" rs_net run --detach --bundle "$WORK/b1" "$TOPO_ID-c1"
timed "first reply after runsc run" "$WORK/logs/ready.log" wait_serving "$POD_A"
check_actor w1 "$POD_A" 1
check_crossed w1 a1
check_links w1 a1
gv6_check w1
r=$(get inet "$POD_A" 80 /)
CKPT_COUNT=$(kv count "$r")
check_eq "counter before the snapshot" $((3 + V6_GETS)) "$CKPT_COUNT" "$r"

echo "-- 3b. egress mode capture at runtime (a1 on w1), through redsocks"
if ((CAPTURE)); then
	# shellcheck disable=SC2046 # the policy is words
	timed "ateomnet policy capture (w1/a1)" "$WORK/logs/policy-a1.log" \
		atn w1 policy --actor a1 --pin-dir "$(pin w1)" $(capture_policy w1)
	check_captured w1 "$TOPO_ID-c1" a1 "$POD_A"
	check_denied w1 "$TOPO_ID-c1" a1
else
	echo "  --   n/a with the stand-in"
fi

echo "-- 4. golden snapshot, then $GVISOR_NET down on w1"
timed "runsc checkpoint" "$WORK/logs/checkpoint.log" rs checkpoint --image-path "$WORK/image" "$TOPO_ID-c1"
check_match "checkpoint image written" "checkpoint.img" "$(ls "$WORK/image")"
timed "runsc delete (checkpointed c1)" "$WORK/logs/delete-c1.log" rs delete "$TOPO_ID-c1"
down w1 a1
ip netns del "$TOPO_ID-a-a1"
check_clean w1
check_worker w1

echo "-- 5. restore on w2 from the golden image, its capture policy given at up"
topo_actor a2 >/dev/null
# shellcheck disable=SC2046 # the policy is words
if ((CAPTURE)); then up w2 a2 $(capture_policy w2); else up w2 a2; fi
bundle b2 a2
timed "runsc restore (w2)" "$WORK/logs/restore-c2.log" \
	rs_net restore --detach --image-path "$WORK/image" --bundle "$WORK/b2" "$TOPO_ID-c2"
if ((CAPTURE)); then
	check_captured w2 "$TOPO_ID-c2" a2 "$POD_B"
	check_denied w2 "$TOPO_ID-c2" a2
	# Back to direct egress for the checks every restore gets.
	timed "ateomnet policy allow (w2/a2)" "$WORK/logs/policy-a2.log" \
		atn w2 policy --actor a2 --pin-dir "$(pin w2)" --egress-mode allow
fi
timed "first reply after runsc restore (w2)" "$WORK/logs/ready.log" wait_serving "$POD_B"
check_actor w2 "$POD_B" $((CKPT_COUNT + 1))
check_crossed w2 a2
check_links w2 a2
gv6_check w2

echo "-- 6. restore again on w1 from the same image (second actor, one snapshot)"
topo_actor a3 >/dev/null
up w1 a3
bundle b3 a3
timed "runsc restore (w1)" "$WORK/logs/restore-c3.log" \
	rs_net restore --detach --image-path "$WORK/image" --bundle "$WORK/b3" "$TOPO_ID-c3"
timed "first reply after runsc restore (w1)" "$WORK/logs/ready.log" wait_serving "$POD_A"
check_actor w1 "$POD_A" $((CKPT_COUNT + 1))
check_crossed w1 a3
check_links w1 a3
r=$(get inet "$POD_B" 80 /)
check_eq "the w2 actor keeps its own memory" $((CKPT_COUNT + 3 + V6_GETS)) "$(kv count "$r")" "$r"

echo "-- 7. teardown"
timed "runsc kill+delete (c2, c3)" "$WORK/logs/teardown.log" rs_remove_all
check_eq "no sandbox left" "" "$(rs list -quiet)"
down w2 a2
down w1 a3
check_clean w1
check_clean w2

echo "-- 8. actor a4 on w2 through the CNI plugin: ADD, CHECK, runsc run, DEL"
if [[ "$GVISOR_NET" == ateomnet ]]; then
	topo_actor a4 >/dev/null
	cni_setup w2
	timed "CNI ADD (w2/a4)" "$WORK/logs/cni-add.log" cni w2 a4 "$TOPO_ID-c4" ADD
	check_cni_result a4
	check_eq "the plugin's actor is named after the container id" "$CNI_VETH" \
		"$(actor_field w2 "$TOPO_ID-c4" .veth)"
	# Before runsc: the sandbox takes eth0's addresses into its netstack,
	# and CHECK would then report them lost.
	timed "CNI CHECK (w2/a4)" "$WORK/logs/cni-check.log" cni w2 a4 "$TOPO_ID-c4" CHECK
	bundle b4 a4
	timed "runsc run (CNI netns)" "$WORK/logs/run-c4.log" rs_net run --detach --bundle "$WORK/b4" "$TOPO_ID-c4"
	timed "first reply after runsc run (CNI)" "$WORK/logs/ready.log" wait_serving "$POD_B" "$CNI_HOSTPORT"
	check_actor w2 "$POD_B" 1 "$CNI_HOSTPORT"
	check_not_exposed "$POD_B" 80
	check_crossed w2 "$TOPO_ID-c4" "$CNI_VETH"
	check_links w2 a4 "$CNI_VETH"
	timed "runsc kill+delete (c4)" "$WORK/logs/teardown-c4.log" rs_remove_all
	timed "CNI DEL (w2/a4)" "$WORK/logs/cni-del.log" cni w2 a4 "$TOPO_ID-c4" DEL
	check_clean w2
	check_eq "a4's sandbox netns is back to lo only" "lo" \
		"$(ip -n "$TOPO_ID-a-a4" -o link show | awk -F': ' '{print $2}' | xargs)"
	timed "CNI DEL again (idempotent)" "$WORK/logs/cni-del2.log" cni w2 a4 "$TOPO_ID-c4" DEL
else
	echo "  --   n/a with the stand-in"
fi

echo "-- 9. purge, nothing left"
if [[ "$GVISOR_NET" == ateomnet ]]; then
	for w in w1 w2; do
		timed "ateomnet purge ($w)" "$WORK/logs/purge-$w.log" atn "$w" purge --pin-dir "$(pin "$w")"
	done
fi
id=$TOPO_ID
(cleanup) # the trap's work, in a subshell so its `exit` returns here
check_eq "no namespace left" "" "$(ip netns list | grep -o "^$id-[^ ]*" || true)"
check_eq "no pin dir left" "" "$(ls -d /sys/fs/bpf/"$id"-* 2>/dev/null || true)"
check_eq "no proxy cgroup left" "" "$(for cg in "${CAP_CGROUPS[@]}"; do [[ -d "$cg" ]] && echo "$cg"; done)"

echo "-- timings"
printf '  %s\n' "${TIMINGS[@]}"
echo "e2e-gvisor: passed"

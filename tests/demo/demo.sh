#!/usr/bin/env bash
# A dual-stack worker pod with one actor, in namespaces: egress leaves as
# the pod IP (IPv4 and IPv6),
# inbound reaches the actor with the client's address, the maps are dumped,
# everything is torn down. Needs root. Nothing outside the namespaces is
# touched.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/topo.sh
: "${ATEOMNET:?}" "${PROBE:?}"

step() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

topo_init demo
topo_node
topo_worker 1
topo_node6
topo_worker6 1
ACTOR_NS=$(topo_actor web)
PIN=$(topo_pin_dir pins)
POD_IP=$(topo_pod_ip 1)
POD_IP6=$(topo_pod_ip6 1)

step "Topology: node (client $TOPO_GW $TOPO_GW6), internet host $TOPO_INET $TOPO_INET6, worker pod eth0 $POD_IP $POD_IP6"
in_ns w1 ip -br addr show eth0

step "ateomnet up (inside the worker netns)"
show in_ns w1 "$ATEOMNET" up --actor web --netns "$ACTOR_NS" --expose 80 --pin-dir "$PIN"
echo "worker netns:"; in_ns w1 ip -br addr
echo "actor netns:";  in_ns a-web ip -br addr; in_ns a-web ip route; in_ns a-web ip -6 route

in_ns a-web "$PROBE" tcp-serve 80 --max-time 60 >/dev/null & topo_track_pid $!
in_ns inet "$PROBE" tcp-serve 9000 --max-time 60 >/dev/null & topo_track_pid $!
sleep 0.3

step "Actor egress: what the internet host sees"
show in_ns a-web "$PROBE" tcp-get "$TOPO_INET" 9000
show in_ns a-web ping -c1 -W2 "$TOPO_INET" | grep "bytes from"

step "Inbound: node client -> pod IP:80 -> actor (client address kept)"
show in_ns node "$PROBE" tcp-get "$POD_IP" 80

step "Over IPv6: actor egress as the pod IPv6, inbound to [pod IPv6]:80"
show in_ns a-web "$PROBE" tcp-get "$TOPO_INET6" 9000
show in_ns a-web ping -6 -c1 -W2 "$TOPO_INET6" | grep "bytes from"
show in_ns node "$PROBE" tcp-get "$POD_IP6" 80

step "The worker keeps its own network"
show in_ns w1 "$PROBE" tcp-get "$TOPO_INET" 9000
echo "ip_forward in the worker: $(in_ns w1 sysctl -n net.ipv4.ip_forward); nftables rules: $(in_ns w1 nft list ruleset 2>/dev/null | wc -l) lines"

step "ateomnet status"
in_ns w1 "$ATEOMNET" status --pin-dir "$PIN"
step "ateomnet nat"
in_ns w1 "$ATEOMNET" nat --pin-dir "$PIN"
step "bpftool map dump pinned $PIN/actors"
bpftool map dump pinned "$PIN/actors"

step "ateomnet down, then purge"
show in_ns w1 "$ATEOMNET" down --actor web --pin-dir "$PIN"
show in_ns w1 "$ATEOMNET" purge --pin-dir "$PIN"
in_ns w1 ip -br link
echo; echo "demo done: namespaces are removed on exit"

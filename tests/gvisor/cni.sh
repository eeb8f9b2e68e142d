# shellcheck shell=bash
# The CNI run of the gVisor e2e (issue 11), sourced by e2e-gvisor.sh: an
# actor whose network the ateomnet CNI plugin makes, driven as a runtime
# drives it, then `runsc run` in that netns (as gVisor's own CNI
# documentation does). tests/e2e/cni_chain.py does what libcni does: the
# plugin found by its type in CNI_PATH, the CNI_* environment, the config on
# stdin with the portMappings capability as runtimeConfig, the result cached
# and given back as prevResult to CHECK and DEL.

CNI_HOSTPORT=8088 # portMappings: hostPort 8088 -> containerPort 80/tcp

# cni_setup WORKER: the network config list and a CNI_PATH with ateomnet.
cni_setup() {
	mkdir -p "$WORK/cni-bin"
	ln -sf "$ATEOMNET" "$WORK/cni-bin/ateomnet"
	cat >"$WORK/cni-list.json" <<-JSON
		{"cniVersion": "1.1.0", "name": "actors", "plugins": [
		  {"type": "ateomnet", "pinDir": "$(pin "$1")", "stateDir": "$WORK/cni-state",
		   "capabilities": {"portMappings": true}}]}
	JSON
}

# cni WORKER ACTOR CONTAINER_ID CMD: one CNI command, run in the worker's
# netns, for the actor's netns; the final result (ADD) is in cni-cache.json.
cni() {
	in_ns "$1" env CNI_PATH="$WORK/cni-bin:/usr/lib/cni" CNI_CONTAINERID="$3" \
		CNI_NETNS="$(apath "$2")" CNI_IFNAME=eth0 \
		CAP_ARGS="{\"portMappings\": [{\"hostPort\": $CNI_HOSTPORT, \"containerPort\": 80, \"protocol\": \"tcp\"}]}" \
		timeout 20 "$HERE/../e2e/cni_chain.py" "$4" "$WORK/cni-list.json" "$WORK/cni-cache.json"
}

# check_cni_result ACTOR: what ADD returned names the sandbox's eth0, the
# actor address and its gateway. Sets CNI_VETH, the worker-side veth.
check_cni_result() {
	local res
	res=$(cat "$WORK/cni-cache.json" 2>/dev/null || true)
	check_eq "CNI ADD result: eth0 in the sandbox $(apath "$1")" "eth0 $(apath "$1")" \
		"$(jq -r '"\(.interfaces[1].name) \(.interfaces[1].sandbox)"' <<<"$res" 2>&1)" "$res"
	check_eq "CNI ADD result: address, gateway, default route" "10.200.0.2/30 10.200.0.1 0.0.0.0/0" \
		"$(jq -r '"\(.ips[0].address) \(.ips[0].gateway) \(.routes[0].dst)"' <<<"$res" 2>&1)" "$res"
	CNI_VETH=$(jq -r '.interfaces[0].name' <<<"$res")
	check_match "CNI ADD result: the worker-side veth is an ateom link" '^ateom[0-9a-f]{8}$' "$CNI_VETH"
}

# check_not_exposed POD_IP PORT: nothing answers on a pod port the
# portMappings did not name (the CLI's default 80/tcp is not implied).
check_not_exposed() {
	local r
	r=$(get inet "$1" "$2" /)
	check_match "pod port $2 is not exposed (only the portMappings are)" "^testsrv get .*: Connection refused" "$r"
}

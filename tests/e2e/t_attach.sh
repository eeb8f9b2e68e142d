# shellcheck shell=bash
# Attach modes: tc (clsact + cls_bpf direct-action) and tcx links; auto picks
# tcx on this kernel. Programs that are not ours stay where they are, before,
# during and after our up/down. (bpftool 7.1 does not know tcx: `probe tcx`
# queries the kernel instead.)

# tc_prog_names NS DEV: names of the cls_bpf programs on DEV's ingress.
tc_prog_names() {
	local id
	for id in $(in_ns "$1" tc filter show dev "$2" ingress | sed -nE 's/.* bpf .* id ([0-9]+) .*/\1/p'); do
		bpftool -j prog show id "$id" | json 'd["name"]'
	done | sort | xargs
}

tcx_prog_names() { in_ns "$1" "$PROBE" tcx "$2" | sed -nE 's/^tcx-ingress .* name=([^ ]+) .*/\1/p' | xargs; }

test_attach_tc() {
	std_topo attc
	serve inet tcp 7000
	# a stranger's filter on the pod eth0, there before us
	in_ns w1 tc qdisc add dev eth0 clsact
	in_ns w1 tc filter add dev eth0 ingress protocol ip prio 7 u32 match ip dst 198.51.100.99/32 classid 1:1
	up 1 a1 --attach tc

	local f
	f=$(in_ns w1 tc filter show dev eth0 ingress)
	check_match "tc: a cls_bpf direct-action filter on pod eth0 ingress" ' bpf .*direct-action' "$f"
	check_eq "tc: the filter on pod eth0 runs from_pod" "from_pod" "$(tc_prog_names w1 eth0)"
	check_match "tc: a cls_bpf direct-action filter on ateom0 ingress" ' bpf .*direct-action' \
		"$(in_ns w1 tc filter show dev ateom0 ingress)"
	check_eq "tc: the filter on ateom0 runs from_actor" "from_actor" "$(tc_prog_names w1 ateom0)"
	check_match "tc: the stranger's u32 filter is still there" 'pref 7 u32' "$f"
	check_eq "tc: no tcx programs on pod eth0" "" "$(tcx_prog_names w1 eth0)"
	check_eq "tc: status says pod_attach tc" "tc" "$(status_json 1 | json 'd["pod_attach"]')"
	check_eq "tc: status says actor attach tc" "tc" "$(status_json 1 | json 'd["actors"][0]["attach"]')"
	check_get "tc: egress works" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'

	down 1 a1
	check_eq "tc: after down, from_pod stays on pod eth0 (until purge)" "from_pod" \
		"$(tc_prog_names w1 eth0)"
	must atn w1 purge --pin-dir "$(pin 1)"
	f=$(in_ns w1 tc filter show dev eth0 ingress)
	check_eq "tc: after purge, no bpf filter on pod eth0" "" "$(tc_prog_names w1 eth0)"
	check_match "tc: after purge, the stranger's u32 filter is still there" 'pref 7 u32' "$f"
	check_match "tc: after purge, the stranger's clsact qdisc is still there" 'qdisc clsact' \
		"$(in_ns w1 tc qdisc show dev eth0)"
}

test_attach_tcx() {
	std_topo attx
	serve inet tcp 7000
	serve a-a1 tcp 80
	# a stranger's tcx program on the pod eth0 (returns TCX_NEXT), there before us
	start_bg "$T/hold.log" ready "the stranger's tcx program" in_ns w1 "$PROBE" tcx-hold eth0
	check_eq "tcx: the stranger's program is attached" "foreign" "$(tcx_prog_names w1 eth0)"
	up 1 a1 --attach tcx

	check_eq "tcx: pod eth0 runs from_pod next to the stranger" "foreign from_pod" \
		"$(tcx_prog_names w1 eth0 | tr ' ' '\n' | sort | xargs)"
	check_eq "tcx: ateom0 runs from_actor" "from_actor" "$(tcx_prog_names w1 ateom0)"
	check_match "tcx: from_pod is attached through a link" 'name=from_pod link_id=[1-9]' \
		"$(in_ns w1 "$PROBE" tcx eth0)"
	check_eq "tcx: no cls_bpf filter on pod eth0" "" "$(tc_prog_names w1 eth0)"
	check_eq "tcx: no cls_bpf filter on ateom0" "" "$(tc_prog_names w1 ateom0)"
	local id
	id=$(in_ns w1 "$PROBE" tcx eth0 | sed -nE 's/.*name=from_pod link_id=([0-9]+).*/\1/p')
	check_match "tcx: bpftool link shows the from_pod link as tcx (type 11)" '"type": *(11|"tcx")' \
		"$(bpftool -j -p link show id "${id:-0}" 2>&1)"
	check_eq "tcx: status says pod_attach tcx" "tcx" "$(status_json 1 | json 'd["pod_attach"]')"
	check_eq "tcx: status says actor attach tcx" "tcx" "$(status_json 1 | json 'd["actors"][0]["attach"]')"
	check_get "tcx: egress works with the stranger in front" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
	check_get "tcx: inbound works with the stranger in front" node tcp 192.0.2.11 80 '^peer=192\.0\.2\.1:'

	down 1 a1
	check_eq "tcx: after down from_pod stays behind the stranger" "foreign from_pod" \
		"$(tcx_prog_names w1 eth0)"
	must atn w1 purge --pin-dir "$(pin 1)"
	check_eq "tcx: after purge only the stranger remains on pod eth0" "foreign" "$(tcx_prog_names w1 eth0)"
}

test_attach_auto() {
	std_topo atau
	serve inet tcp 7000
	up 1 a1
	check_eq "auto: tcx on this kernel (pod eth0)" "from_pod" "$(tcx_prog_names w1 eth0)"
	check_eq "auto: cls_bpf on the actor's own veth (no RCU wait per up)" "" \
		"$(tcx_prog_names w1 ateom0)"
	check_match "auto: from_actor is a cls_bpf filter on ateom0 ingress" 'from_actor|ateomnet' \
		"$(in_ns w1 tc filter show dev ateom0 ingress)"
	check_match "auto: to_actor is a cls_bpf filter on ateom0 egress" 'to_actor|ateomnet' \
		"$(in_ns w1 tc filter show dev ateom0 egress)"
	check_eq "auto: status says pod_attach tcx" "tcx" "$(status_json 1 | json 'd["pod_attach"]')"
	check_eq "auto: status says actor attach tc" "tc" "$(status_json 1 | json 'd["actors"][0]["attach"]')"
	check_get "auto: egress works" a-a1 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
}

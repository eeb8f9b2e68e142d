# shellcheck shell=bash
# PMTU discovery over IPv6 through the datapath (issue 10): IPv6 routers
# never fragment, so a bulk transfer through topo_far6's 1280-MTU hop only
# completes when the router's Packet Too Big reaches the actor, translated
# (quoted header and both checksums). Pull: the far host's own PMTU, with the
# actor behind the datapath receiving 1280-byte packets.

test_ipv6_pmtu() {
	std_topo6 pm6
	topo_far6
	serve far tcp 7002
	serve far udp 7003
	up 1 a1
	check_get "actor -> far host over IPv6 (small)" a-a1 tcp "$TOPO_FAR6" 7002 "^peer=$(re6 "$POD6"):[0-9]+ "
	check_bulk "actor -> far host bulk TCP through the 1280 hop (8 MiB)" a-a1 "$TOPO_FAR6" 7002 push
	check_match "the actor learnt mtu 1280 toward the far host (Packet Too Big delivered)" 'mtu 1280' \
		"$(in_ns a-a1 ip -6 route get "$TOPO_FAR6")"
	check_bulk "far host -> actor bulk TCP through the 1280 hop (8 MiB)" a-a1 "$TOPO_FAR6" 7002 pull
	check_bulk "actor -> far host again, second connection (8 MiB)" a-a1 "$TOPO_FAR6" 7002 push
	local tp rc=0
	tp=$(in_ns a-a1 tracepath -6 -n -m 6 "$TOPO_FAR6" 2>&1) || rc=$?
	check_match "tracepath -6 from the actor: hop 1 is the gateway" "^ 1: +$GW6 " "$tp"
	check_match "tracepath -6 from the actor finds pmtu 1280" 'pmtu 1280' "$tp"
	# UDP: a 1400-byte datagram does not fit; once the actor knows the
	# path MTU its kernel fragments, and the answer (as big) comes back.
	in_ns a-a1 "$PROBE" udp-get "$TOPO_FAR6" 7003 --size 1300 --timeout 1 >/dev/null 2>&1 || true
	check_get "UDP 1300 bytes each way through the hop (fragmented by the actor)" a-a1 udp "$TOPO_FAR6" 7003 \
		'bytes=1300$' --size 1300
}

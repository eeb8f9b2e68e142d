# shellcheck shell=bash
# TTL expiry (bpf/ttl.h): traceroute from the actor shows the gateway
# (10.200.0.1) as hop 1 in its three modes (UDP, ICMP -I, TCP -T), as a
# router (and the nftables bridge) would; the answers are counted. And the
# NAT timeouts (loader/timeouts.c): RFC defaults, shown by status, set by
# --timeout-*.

# check_hop1 DESC MODE...: traceroute -n MODE from a1 to the internet host;
# hop 1 must be the gateway and the host must be reached.
check_hop1() {
	local desc="$1" out rc=0
	shift
	out=$(in_ns a-a1 traceroute -n -q 1 -w 2 -m 5 "$@" 203.0.113.10 2>&1) || rc=$?
	check_match "$desc: hop 1 is the gateway" '(^|\n) ?1  10\.200\.0\.1 ' "$out"
	check_match "$desc: the host is reached" '203\.0\.113\.10 +[0-9.]+ ms' "$out"
}

test_traceroute() {
	std_topo tr
	serve inet tcp 7000
	up 1 a1
	check_hop1 "traceroute (UDP)"
	check_hop1 "traceroute -I" -I
	check_hop1 "traceroute -T" -T -p 7000
	local tp rc=0
	tp=$(in_ns a-a1 tracepath -n -m 5 203.0.113.10 2>&1) || rc=$?
	check_match "tracepath: hop 1 is the gateway" '^ 1: +10\.200\.0\.1 ' "$tp"
	local s
	s=$(status_json 1)
	check_match "Time Exceeded answers counted (3 or more)" '^([3-9]|[1-9][0-9]+)$' \
		"$(jfield "$s" 'd["actors"][0]["counters"]["ttl_exceeded"]["packets"]')"
	check_eq "none rate-limited" 0 \
		"$(jfield "$s" 'd["actors"][0]["counters"]["drop_ttl_ratelimit"]["packets"]')"
}

test_timeouts() {
	std_topo to
	up 1 a1
	local s
	s=$(status_json 1)
	check_eq "default timeouts (s): tcp_est tcp_syn tcp_close udp icmp" "432000 240 1 300 60" \
		"$(jfield "$s" '" ".join(str(d["timeouts"][k]) for k in ("tcp_est", "tcp_syn", "tcp_close", "udp", "icmp"))')"
	check_match "status text shows them" 'timeouts: tcp-est 432000s, tcp-syn 240s, tcp-close 1s, udp 300s, udp-query 30s, icmp 60s' \
		"$(atn w1 status --pin-dir "$(pin 1)")"
	down 1 a1
	up 1 a1 --timeout-udp 120 --timeout-tcp-est 7440
	s=$(status_json 1)
	check_eq "up --timeout-*: set, the rest kept" "7440 240 1 120 60" \
		"$(jfield "$s" '" ".join(str(d["timeouts"][k]) for k in ("tcp_est", "tcp_syn", "tcp_close", "udp", "icmp"))')"
	check_eq "the datapath's config has them (ns)" "120000000000 7440000000000" \
		"$(bpftool -j map dump pinned "$(pin 1)/config" | json '"%d %d" % tuple(d[0].get("formatted", d[0])["value"][k] for k in ("udp_timeout_ns", "tcp_est_timeout_ns"))')"
	must atn w1 prepare --pin-dir "$(pin 1)" --timeout-icmp 90
	check_eq "prepare --timeout-icmp on a prepared datapath" 90 \
		"$(jfield "$(status_json 1)" 'd["timeouts"]["icmp"]')"
}

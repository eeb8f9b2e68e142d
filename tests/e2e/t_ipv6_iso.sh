# shellcheck shell=bash
# Isolation over IPv6 (issue 10, DESIGN §8): what the actor sends with a
# source that is not its own, with an extension header, to the worker, or
# as neighbour discovery for anything but the gateway goes nowhere and is
# counted; a host on the pod network cannot reach an unexposed actor port
# over the pod's IPv6; SNAT66 never picks a port a worker IPv6 socket holds.
# Packets are built by flood.py (udp6, nd6, sports).

FLOOD="$E2E_ROOT/tests/e2e/flood.py"
flood() { local ns="$1"; shift; in_ns "$ns" "$PY" "$FLOOD" "$@"; }

# sniff_start NS MARK...: flood.py sniff on NS's eth0 for 3 s, ready on return.
sniff_start() {
	local ns="$1"
	shift
	start_bg "$T/sniff-$ns.log" '^ready' "sniffer in $ns" \
		in_ns "$ns" "$PY" "$FLOOD" sniff eth0 3 "$@"
	SNIFF_PID=$!
}

test_ipv6_isolation() {
	std_topo6 iso6
	serve inet udp 7001
	serve w1 tcp 9090 --tag w1
	serve a-a1 tcp 8081 --tag a1
	up 1 a1
	must in_ns a-a1 ping -6 -c 1 -W 2 "$INET6" # the gateway resolved first

	local spoof0 ext0 w0 nd0 seen
	spoof0=$(ctr 1 a1 drop_spoof)
	ext0=$(ctr 1 a1 drop_ext_header)
	sniff_start inet OK6 SPOOFLINK SPOOFPOD SPOOFOTHER EXTHOP EXTDST
	flood a-a1 udp6 "$ACTOR6" "$INET6" 7001 OK6 >/dev/null
	flood a-a1 udp6 fd00:169:254::3 "$INET6" 7001 SPOOFLINK >/dev/null
	flood a-a1 udp6 "$POD6" "$INET6" 7001 SPOOFPOD >/dev/null
	flood a-a1 udp6 2001:db8::99 "$INET6" 7001 SPOOFOTHER >/dev/null
	flood a-a1 udp6 "$ACTOR6" "$INET6" 7001 EXTHOP hop >/dev/null
	flood a-a1 udp6 "$ACTOR6" "$INET6" 7001 EXTDST dst >/dev/null
	wait "$SNIFF_PID" || true
	seen=$(sort -u "$T/sniff-inet.log" | grep '^seen' | xargs)
	check_match "the actor's own IPv6 source gets out (control)" 'seen OK6' "$seen"
	check_no_match "spoofed IPv6 sources (link ::3, the pod's IPv6, another) never leave" 'SPOOF' "$seen"
	check_no_match "hop-by-hop and destination options from the actor never leave" 'EXT' "$seen"
	check_range "drop_spoof counts the 3 spoofs" $((spoof0 + 3)) 1000000 "$(ctr 1 a1 drop_spoof)"
	check_range "drop_ext_header counts the 2 extension headers" $((ext0 + 2)) 1000000 "$(ctr 1 a1 drop_ext_header)"

	w0=$(ctr 1 a1 drop_v6_to_worker)
	check_no_get "the actor cannot reach the worker's listener on [pod6]:9090" a-a1 tcp "$POD6" 9090
	check_no_get "nor the gateway address [$GW6]:9090" a-a1 tcp "$GW6" 9090
	check_range "drop_v6_to_worker counts it" $((w0 + 1)) 1000000 "$(ctr 1 a1 drop_v6_to_worker)"

	local na
	nd0=$(ctr 1 a1 drop_nd)
	na=$(flood a-a1 nd6 eth0 "$ACTOR6" 1 "$GW6" fd00:169:254::3 "$TOPO_GW6" "$POD6")
	check_match "NS for the gateway is answered with the gateway MAC (control)" \
		"na $GW6 02:a7:e0:00:00:01" "$na"
	check_eq "NS for anything else is unanswered" "" "$(grep '^na' <<<"$na" | grep -v " $GW6 " || true)"
	check_range "drop_nd counts them" $((nd0 + 3)) 1000000 "$(ctr 1 a1 drop_nd)"

	check_no_get "node -> [pod6]:8081 (the actor listens, not exposed) does not reach it" node tcp "$POD6" 8081
	check_no_get "inet -> [pod6]:8081 neither" inet tcp "$POD6" 8081
}

test_ipv6_no_hijack() {
	std_topo6 ih6
	local ans
	serve w1 tcp 9090 --tag w1
	serve w1 udp 9091 --tag w1
	up 1 a1
	# The node drops a1's SYNs to :5555: its TCP pairs stay "SYN sent".
	must in_ns node nft -f - <<-EOF
		table ip6 iso6 {
			chain in {
				type filter hook input priority 0;
				ip6 saddr $POD6 tcp dport 5555 tcp flags & (syn | ack) == syn drop
			}
		}
	EOF
	must in_ns a-a1 ping -6 -c 1 -W 2 "$TOPO_GW6"
	"$PY" -c '
import random
rnd = random.Random(5)
ports = {9090, 9091}
while len(ports) < 3000:
    ports.add(rnd.randint(1024, 65535))
print("\n".join(map(str, sorted(ports))))' >"$T/sports"
	check_match "a1 sends from 3000 source ports (UDP and TCP SYN) to [$TOPO_GW6]:5555" \
		'^sent udp=3000 tcp=3000$' "$(flood a-a1 sports "$TOPO_GW6" 5555 "$T/sports")"
	ans=$(atn w1 nat --pin-dir "$(pin 1)" --json | "$PY" -c '
import json, sys
nat = json.load(sys.stdin)
out = [e for e in nat if e["dir"] == "out" and e["proto"] in ("tcp", "udp") and e["src"].startswith("[fd00:169:254::2]:")]
taken = [e for e in out if (e["proto"], int(e["to"].rsplit(":", 1)[1])) in (("tcp", 9090), ("udp", 9091))]
print("pairs=%d taken=%s" % (len(out), ",".join(e["proto"] + "/" + e["to"] for e in taken) or "none"))')
	check_range "a1 got an IPv6 pair for (nearly) every flow" 5700 6000 "$(sed -nE 's/^pairs=([0-9]+) .*/\1/p' <<<"$ans")" "$ans"
	check_match "no SNAT66 pair on the worker's IPv6 9090/tcp or 9091/udp" ' taken=none$' "$ans"
	check_get "node:5555 -> [pod6]:9090/tcp reaches the worker's listener, not a1" \
		node tcp "$POD6" 9090 'tag=w1$' --bind-port 5555
	check_get "node:5555 -> [pod6]:9091/udp reaches the worker's socket, not a1" \
		node udp "$POD6" 9091 'tag=w1$' --bind-port 5555
}

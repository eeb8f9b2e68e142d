# shellcheck shell=bash
# Hairpin (RFC 4787 REQ-9, RFC 5382 REQ-8; bpf/hairpin.h): an actor calls
# an exposed port at the pod IP, its own or another actor's on the same
# worker, over TCP and UDP, at production defaults (SNAT range, timeouts).
# The target sees the pod IP as the source, on a pod port of the SNAT
# range; the answer comes back from POD_IP:PORT.

POD1=192.0.2.11
# the pod port the target saw: inside the default SNAT range 1024-32767
PEER_RE='^peer=192\.0\.2\.11:([0-9]+) '

# check_hairpin DESC NS PROTO PORT TAG: NS calls POD1:PORT and the actor
# tagged TAG answers, having seen the pod IP on a port of the SNAT range.
check_hairpin() {
	local desc="$1" ns="$2" proto="$3" port="$4" tag="$5" p
	check_get "$desc: answered by $tag, caller seen as the pod IP" "$ns" "$proto" "$POD1" \
		"$port" "${PEER_RE}local=10\.200\.0\.2:[0-9]+ tag=$tag\$"
	p=$(peer_port "$ANSWER")
	if [[ -n "$p" ]] && ((p >= 1024 && p <= 32767)); then ok "$desc: source port $p in the SNAT range"; else
		fail "$desc: source port in the SNAT range" "got: $ANSWER"
	fi
}

test_hairpin() {
	std_topo hp
	sized_for 1 2
	e2e_actor a2
	serve a-a1 tcp 80 --tag a1
	serve a-a1 udp 5353 --tag a1
	serve a-a2 tcp 8080 --tag a2
	serve a-a2 udp 8053 --tag a2
	up 1 a1 --expose 80 --expose 53:5353/udp
	up 1 a2 --veth ateom1 --expose 9090:8080 --expose 9053:8053/udp

	check_hairpin "a1 -> its own 80/tcp" a-a1 tcp 80 a1
	check_hairpin "a1 -> its own 53/udp" a-a1 udp 53 a1
	check_hairpin "a1 -> a2's 9090/tcp" a-a1 tcp 9090 a2
	check_hairpin "a1 -> a2's 9053/udp" a-a1 udp 9053 a2
	check_hairpin "a2 -> a1's 80/tcp" a-a2 tcp 80 a1
	check_hairpin "a2 -> itself, 9090/tcp" a-a2 tcp 9090 a2
	# several connections in a row (a pair each, closed ones leave fast)
	local i bad=0
	for i in 1 2 3 4 5; do
		in_ns a-a1 "$PROBE" tcp-get "$POD1" 9090 >/dev/null 2>&1 || bad=$((bad + 1))
	done
	check_eq "a1 -> a2's 9090/tcp five times in a row" 0 "$bad"
	# the pod network still reaches both as before
	check_get "node -> pod:80 reaches a1" node tcp "$POD1" 80 'tag=a1$'
	check_get "node -> pod:9090 reaches a2" node tcp "$POD1" 9090 'tag=a2$'

	local s
	s=$(status_json 1)
	check_match "a2 counted hairpin packets" '^[1-9][0-9]*$' \
		"$(jfield "$s" '[a for a in d["actors"] if a["name"] == "a2"][0]["counters"]["hairpin"]["packets"]')"
	check_match "a1 counted hairpin answers" '^[1-9][0-9]*$' \
		"$(jfield "$s" '[a for a in d["actors"] if a["name"] == "a1"][0]["counters"]["hairpin_reply"]["packets"]')"
	check_eq "no hairpin drops" 0 \
		"$(jfield "$s" 'sum(a["counters"]["drop_hairpin"]["packets"] for a in d["actors"])')"
}

# Only exposed ports hairpin: a port an actor listens on but does not
# expose stays unreachable at the pod IP (it is the worker's, which has
# nothing there), and the worker's own services at the pod IP still answer.
test_hairpin_isolation() {
	std_topo hi
	sized_for 1 2
	e2e_actor a2
	serve a-a2 tcp 8080 --tag a2
	serve a-a2 tcp 8081 --tag a2-hidden
	serve w1 tcp 7070 --tag w1
	up 1 a1
	up 1 a2 --veth ateom1 --expose 9090:8080
	check_hairpin "a1 -> a2's exposed 9090" a-a1 tcp 9090 a2
	check_no_get "a1 -> a2's unexposed 8081 at the pod IP: nothing" a-a1 tcp "$POD1" 8081
	check_get "a1 -> the worker's 7070 at the pod IP: the worker" a-a1 tcp "$POD1" 7070 'tag=w1$'
}

# udp_call NS PORT: a connected UDP socket in NS calls POD1:PORT; prints
# "answer", "refused" (an ICMP port unreachable reached the socket) or
# "timeout".
udp_call() {
	in_ns "$1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[1], int(sys.argv[2])))
try:
    s.send(b"hello\n")
    s.recv(256)
    print("answer")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")' "$POD1" "$2"
}

# The target's ICMP errors about a hairpin call reach the caller, from the
# pod IP: UDP to an exposed port nobody listens on is refused at once, as
# it is from the pod network, instead of timing out.
test_hairpin_icmp_error() {
	std_topo he
	sized_for 1 2
	e2e_actor a2
	serve a-a2 udp 8053 --tag a2
	up 1 a1 --expose 53:5353/udp
	up 1 a2 --veth ateom1 --expose 9053:8053/udp --expose 9054:8054/udp
	check_eq "a1 -> a2's 9053/udp (listening): answered" answer "$(udp_call a-a1 9053)"
	check_eq "a1 -> a2's 9054/udp (nobody listening): refused" refused "$(udp_call a-a1 9054)"
	check_eq "a1 -> its own 53/udp (nobody listening): refused" refused "$(udp_call a-a1 53)"
	check_match "a1 counted the errors it got" '^[2-9]$' \
		"$(jfield "$(status_json 1)" '[a for a in d["actors"] if a["name"] == "a1"][0]["counters"]["icmp_error"]["packets"]')"
}

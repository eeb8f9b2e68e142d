# shellcheck shell=bash
# IPv4 fragments through the datapath (bpf/frag.h), with production
# defaults: 4000-byte UDP datagrams (3 fragments at the pod's 1400 MTU)
# actor -> internet host -> actor and node -> exposed port of the actor ->
# back, 3/3 each way, with the project's probe and with socat; fragments
# to the worker's own port stay the worker's; two actors sending datagrams
# with the same IP id to one remote, fragments interleaved, reach it as two
# intact datagrams. And IPv4 BIG TCP: bulk TCP both ways with GSO/GRO
# sizes over 64 KiB on every interface of the path.

frag_counter() { # frag_counter N ACTOR COUNTER: its packets in `status`
	status_json "$1" | "$PY" -c '
import json, sys
a = [a for a in json.load(sys.stdin)["actors"] if a["name"] == sys.argv[1]]
print(a[0]["counters"][sys.argv[2]]["packets"] if a else "<no actor>")' "$2" "$3"
}

# socat_echo NS PORT: a UDP echo server (socat, one child per datagram).
socat_echo() {
	start_bg "$T/socat-$1-$2.log" 'receiving on' "socat echo in $1" \
		in_ns "$1" socat -d -d -T 5 "UDP4-RECVFROM:$2,fork" EXEC:cat
}

# check_socat_echo DESC NS IP PORT: a 4000-byte random datagram comes back
# whole (same bytes).
check_socat_echo() {
	local desc="$1" ns="$2" ip="$3" port="$4" want got
	head -c 4000 /dev/urandom >"$T/dgram"
	want=$(md5sum <"$T/dgram")
	got=$(in_ns "$ns" socat -T 2 -b 65536 - "UDP4:$ip:$port" <"$T/dgram" | md5sum)
	check_eq "$desc" "$want" "$got"
}

test_frag_udp_echo_actor_to_inet() {
	std_topo frego
	serve inet udp 7001
	socat_echo inet 7002
	up 1 a1
	local i
	for i in 1 2 3; do
		check_get "probe: 4000-byte datagram to inet and back ($i/3)" a-a1 udp 203.0.113.10 7001 \
			'^peer=192\.0\.2\.11:[0-9]+ local=203\.0\.113\.10:7001 bytes=4000$' --size 4000 --timeout 3
	done
	for i in 1 2 3; do
		check_socat_echo "socat: 4000-byte datagram echoed by inet, same bytes ($i/3)" \
			a-a1 203.0.113.10 7002
	done
	check_range "first fragments translated out and in" 12 1000 "$(frag_counter 1 a1 frag_first)"
	check_range "followers sent out" 12 1000 "$(frag_counter 1 a1 frag_out)"
	check_range "followers delivered" 12 1000 "$(frag_counter 1 a1 frag_in)"
	check_eq "no orphan" 0 "$(frag_counter 1 a1 drop_frag_orphan)"
}

test_frag_udp_node_to_exposed_port() {
	std_topo fregi
	up 1 a1 --expose 7001/udp --expose 7002/udp
	serve a-a1 udp 7001
	socat_echo a-a1 7002
	local i
	for i in 1 2 3; do
		check_get "probe: node -> pod:7001 (exposed), 4000 bytes, answered ($i/3)" node udp \
			192.0.2.11 7001 '^peer=192\.0\.2\.1:[0-9]+ local=10\.200\.0\.2:7001 bytes=4000$' \
			--size 4000 --timeout 3
	done
	for i in 1 2 3; do
		check_socat_echo "socat: node -> pod:7002 (exposed), echoed, same bytes ($i/3)" \
			node 192.0.2.11 7002
	done
	check_range "followers delivered to the actor" 12 1000 "$(frag_counter 1 a1 frag_in)"
	check_range "the actor's answers' followers sent out" 12 1000 "$(frag_counter 1 a1 frag_out)"
	# The worker's own port: its datagrams stay its own.
	serve w1 udp 9999
	check_get "probe: node -> pod:9999 (the worker's), 4000 bytes, answered by the worker" node \
		udp 192.0.2.11 9999 '^peer=192\.0\.2\.1:[0-9]+ local=192\.0\.2\.11:9999 bytes=4000$' \
		--size 4000 --timeout 3
}

# Two actors (one snapshot: same stack, same IP id) each send a 3000-byte
# datagram with IP id 0x5151 from 10.200.0.2:40000 to inet:7005, fragments
# interleaved a1, a2, a1, a2 ...: inet must get two whole datagrams, one of
# 'A's, one of 'B's.
FRAG_SEND_PY='
import ctypes, os, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
src, dst = socket.inet_aton("10.200.0.2"), socket.inet_aton("203.0.113.10")
def frags(fill):
    data = fill * 3000
    udp = struct.pack("!HHHH", 40000, 7005, 8 + len(data), 0) + data
    c = csum(src + dst + struct.pack("!BBH", 0, 17, len(udp)) + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    out = []
    for off in range(0, len(udp), 1200):
        part = udp[off:off + 1200]
        more = 0x2000 if off + 1200 < len(udp) else 0
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(part), 0x5151,
                         more | off // 8, 64, 17, 0, src, dst)
        out.append(ip + part)
    return out
socks = []
for ns in sys.argv[1:3]:
    fd = os.open(ns, os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:
        sys.exit("setns: %d" % ctypes.get_errno())
    socks.append(socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW))
f1, f2 = frags(b"A"), frags(b"B")
for a, b in zip(f1, f2):
    socks[0].sendto(a, ("203.0.113.10", 0))
    socks[1].sendto(b, ("203.0.113.10", 0))
print("sent")
'
FRAG_RECV_PY='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7005))
s.settimeout(5)
print("ready", flush=True)
try:
    while True:
        d, peer = s.recvfrom(65536)
        print("len=%d fill=%s" % (len(d), "".join(sorted(set(d.decode())))), flush=True)
except socket.timeout:
    pass
'

test_frag_two_actors_same_ip_id() {
	std_topo fregid
	sized_for 1 2
	e2e_actor a2
	up 1 a1 --veth ateom0
	up 1 a2 --veth ateom1 --expose 81:80/tcp
	start_bg "$T/recv.log" '^ready' "datagram sink in inet" in_ns inet "$PY" -c "$FRAG_RECV_PY"
	# The gateway's MAC into each actor's neighbour table first.
	in_ns a-a1 ping -c 1 -W 2 203.0.113.10 >/dev/null 2>&1 || true
	in_ns a-a2 ping -c 1 -W 2 203.0.113.10 >/dev/null 2>&1 || true
	must "$PY" -c "$FRAG_SEND_PY" "$(apath a1)" "$(apath a2)"
	wait_line "$T/recv.log" 'fill=B' || true
	wait_line "$T/recv.log" 'fill=A' || true
	check_eq "inet reassembled two whole datagrams, one per actor" \
		"len=3000 fill=A
len=3000 fill=B" "$(grep '^len=' "$T/recv.log" | sort)"
	check_eq "a1: 2 followers sent" 2 "$(frag_counter 1 a1 frag_out)"
	check_eq "a2: 2 followers sent" 2 "$(frag_counter 1 a2 frag_out)"
}

# IPv4 BIG TCP: GSO and GRO up to 185 KiB (tot_len 0 above 64 KiB) on the
# actor's eth0, ateom0, the pod eth0 and the node's ports; 8 MiB each way
# between the actor and inet must arrive, and packets over 64 KiB must
# have crossed the datapath (its byte counters say so).
# Debian 12's iproute2 (6.1) does not know gso_ipv4_max_size: one
# RTM_NEWLINK with IFLA_GSO_MAX_SIZE (41), IFLA_GRO_MAX_SIZE (58),
# IFLA_GSO_IPV4_MAX_SIZE (63) and IFLA_GRO_IPV4_MAX_SIZE (64).
BIG_TCP_PY='
import socket, struct, sys
idx, size = socket.if_nametoindex(sys.argv[1]), int(sys.argv[2])
attrs = b"".join(struct.pack("=HHI", 8, t, size) for t in (41, 58, 63, 64))
body = struct.pack("=BxHiII", 0, 0, idx, 0, 0) + attrs
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.send(struct.pack("=IHHII", 16 + len(body), 16, 1 | 4, 1, 0) + body)
err = struct.unpack("=i", s.recv(4096)[16:20])[0]
sys.exit("RTM_NEWLINK %s: errno %d" % (sys.argv[1], -err) if err else 0)
'
big_tcp_dev() { # big_tcp_dev NS DEV
	must in_ns "$1" "$PY" -c "$BIG_TCP_PY" "$2" 185000
}

test_big_tcp_bulk_both_ways() {
	std_topo fregbig
	up 1 a1
	big_tcp_dev a-a1 eth0
	big_tcp_dev w1 ateom0
	big_tcp_dev w1 eth0
	big_tcp_dev node w1
	big_tcp_dev node inet
	big_tcp_dev node br0
	big_tcp_dev inet eth0
	# GRO on the veths that receive (veth GRO needs NAPI: on with gro).
	in_ns w1 ethtool -K eth0 gro on >/dev/null 2>&1 || true
	in_ns a-a1 ethtool -K eth0 gro on >/dev/null 2>&1 || true
	serve inet tcp 7000
	# 64 MiB: the receiver's window (a segment is at most half of it)
	# must grow past 128 KiB first.
	BULK_BYTES=67108864
	check_bulk "actor -> inet bulk TCP with BIG TCP (64 MiB)" a-a1 203.0.113.10 7000 push
	# The datapath counts skb->len per packet: a mean over 64 KiB means
	# packets over 64 KiB (tot_len 0) crossed it translated. (Means over
	# each transfer's own direction: the other one carries its ACKs.)
	local j0 j
	j0=$(status_json 1)
	check_range "actor -> inet: mean translated packet over 64 KiB (BIG TCP crossed)" 65536 \
		1000000 "$(jfield "$j0" 'd["actors"][0]["counters"]["snat"]["bytes"] // max(d["actors"][0]["counters"]["snat"]["packets"], 1)')"
	check_bulk "inet -> actor bulk TCP with BIG TCP (64 MiB)" a-a1 203.0.113.10 7000 pull
	j=$(status_json 1)
	check_range "inet -> actor: mean delivered packet over 64 KiB (BIG TCP crossed)" 65536 \
		1000000 "$("$PY" -c '
import json, sys
c0, c1 = (json.loads(a)["actors"][0]["counters"]["snat_reply"] for a in sys.argv[1:])
print((c1["bytes"] - c0["bytes"]) // max(c1["packets"] - c0["packets"], 1))' "$j0" "$j")"
	check_eq "no packet taken for truncated" 0 "$(frag_counter 1 a1 drop_trunc)"
	check_eq "no TTL or NAT failure" 0 "$(frag_counter 1 a1 drop_nat_fail)"
}

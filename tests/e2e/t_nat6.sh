# shellcheck shell=bash
# The IPv6 pair table (nat6) and its per-remote counts (remote_pairs6) are
# the worker's like nat and remote_pairs: pinned, and `down` removes the
# actor's IPv6 pairs and counts with its IPv4 ones (they count in the same
# quota; bpf/nat6.h). The IPv6 datapath itself is tested elsewhere; here the
# entries are written as the datapath would.

# nat6_put PIN IFINDEX DIR: one half of an IPv6 pair of actor IFINDEX (DIR
# 1 = OUT, 2 = IN), written with bpftool.
nat6_put() {
	local p=$1 ifx=$2 dir=$3 kv
	kv=$("$PY" -c '
import struct, sys
ifx, d = int(sys.argv[1]), int(sys.argv[2])
a = bytes.fromhex("fd000169025400000000000000000002")
r = bytes.fromhex("20010db8010000000000000000000007")
pod = bytes.fromhex("20010db800000000000000000000000b")
if d == 1:
    k = struct.pack("<I16s16s", ifx, a, r) + struct.pack(">HH", 40000, 443) + struct.pack("<BBH", 6, 1, 0)
    v = struct.pack("<16s", pod) + struct.pack(">H", 2000) + struct.pack("<BBIHHIIIQ", 1, 0, ifx, 1, 0, 0, 0, 0, 1)
else:
    k = struct.pack("<I16s16s", 0, r, pod) + struct.pack(">HH", 443, 2000 + ifx % 1000) + struct.pack("<BBH", 6, 2, 0)
    v = struct.pack("<16s", a) + struct.pack(">H", 40000) + struct.pack("<BBIHHIIIQ", 2, 0, ifx, 1, 0, 0, 0, 0, 1)
print("key hex", " ".join("%02x" % b for b in k), "value hex", " ".join("%02x" % b for b in v))
' "$ifx" "$dir")
	# shellcheck disable=SC2086 # kv is the words of bpftool's arguments
	must bpftool map update pinned "$p/nat6" $kv
}

# remote6_put PIN IFINDEX: actor IFINDEX's count toward the IPv6 remote.
remote6_put() {
	local kv
	kv=$("$PY" -c '
import struct, sys
k = struct.pack("<I", int(sys.argv[1])) + bytes.fromhex("20010db8010000000000000000000007") + struct.pack(">H", 443) + struct.pack("<BB", 6, 0)
print("key hex", " ".join("%02x" % b for b in k), "value hex 01 00 00 00")
' "$2")
	# shellcheck disable=SC2086
	must bpftool map update pinned "$1/remote_pairs6" $kv
}

test_nat6_down_removes_pairs() {
	std_topo6 nat6 # a pod without IPv6 gets a one-entry nat6 (sizing.c)
	local p ifx other=999999
	p=$(pin 1)
	sized_for 1 2 # remote_pairs6 holds counts only on a worker for several actors
	up 1 a1
	check_eq "nat6 and remote_pairs6 are pinned" "yes yes" \
		"$([[ -e "$p/nat6" ]] && echo yes) $([[ -e "$p/remote_pairs6" ]] && echo yes)"
	ifx=$(bpftool -j map dump pinned "$p/actors" | json 'd[0]["formatted"]["key"]')
	nat6_put "$p" "$ifx" 1
	nat6_put "$p" "$ifx" 2
	nat6_put "$p" "$other" 1
	nat6_put "$p" "$other" 2
	remote6_put "$p" "$ifx"
	remote6_put "$p" "$other"
	check_eq "four IPv6 halves" 4 "$(map_count "$p" nat6)"
	down 1 a1
	check_eq "the actor's IPv6 pairs went with it" 0 \
		"$(map_count "$p" nat6 "v['actor_ifindex'] == $ifx")"
	check_eq "another actor's stayed" 2 "$(map_count "$p" nat6 "v['actor_ifindex'] == $other")"
	check_eq "its remote_pairs6 count went, the other's stayed" "0 1" \
		"$(map_count "$p" remote_pairs6 "e['key']['actor_ifindex'] == $ifx") $(map_count "$p" remote_pairs6 "e['key']['actor_ifindex'] == $other")"
}

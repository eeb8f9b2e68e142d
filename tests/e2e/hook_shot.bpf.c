// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* An egress hook that drops every packet and counts them in `shot`: what
 * t_isolation.sh puts in an actor's egress_hooks slot. Built by the test
 * itself (clang), loaded with bpftool. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} shot SEC(".maps");

SEC("tc")
int hook_shot(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&shot, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

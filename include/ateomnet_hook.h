/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The egress hook contract: where transparent egress capture and
 * default-deny policy plug into `from_actor`.
 *
 * `egress_hooks` is a BPF_MAP_TYPE_PROG_ARRAY of SCHED_CLS programs.
 *   slot 0            ATEOM_HOOK_SLOT_RESUME: owned by ateomnet (the NAT half
 *                     of from_actor); never overwrite it.
 *   slot N (1..255)   the hook of the actor whose id is N (`status` shows ids).
 *                     Empty slot = allow (the tail call falls through).
 *
 * IPv6 (issue 10): from_actor6 calls the same slot with the same cb words
 * for an actor's IPv6 packet (TCP, UDP, ICMPv6 echo or error, from the
 * actor's IPv6 address, no extension header, not to the worker); the
 * hook tells the family by the Ethernet type. Capture is IPv4 only: the
 * CAPTURE verdict on an IPv6 packet is dropped (drop_capture).
 *
 * When a hook runs (tail call from from_actor, TC ingress of ateomN):
 *   - the packet is untouched (before NAT): IPv4, source = the actor address,
 *     TCP, UDP or ICMP echo, not addressed to the worker (a call to an
 *     exposed port at the pod IP, or its answer from one, is not the
 *     worker's: it hairpins to an actor, bpf/hairpin.h); never a later
 *     fragment: the first fragment of a datagram (offset 0, MF set, L4
 *     header present) comes through the hook like any packet, and the
 *     datagram's other fragments follow its verdict without the hook
 *     (dropped if it was dropped; bpf/frag.h);
 *   - skb->cb[ATEOM_HOOK_CB_MAGIC_IDX] == ATEOM_HOOK_CB_MAGIC,
 *     skb->cb[ATEOM_HOOK_CB_ACTOR_ID] == the actor id,
 *     skb->cb[ATEOM_HOOK_CB_IFINDEX] == ateomN's ifindex (== skb->ifindex),
 *     skb->cb[ATEOM_HOOK_CB_ARG] == the datapath's own word (the actor's
 *     hook generation, read before the hook ran): leave it alone unless
 *     you capture; resume stamps the flow with it on allow;
 *   - headers may be read with bpf_skb_load_bytes (or direct access after
 *     bpf_skb_pull_data); the hook must not change the packet size.
 *
 * How a hook answers:
 *   - allow:   set skb->cb[ATEOM_HOOK_CB_VERDICT] = ATEOM_HOOK_ALLOW and
 *              tail-call egress_hooks[ATEOM_HOOK_SLOT_RESUME]; NAT and
 *              forwarding continue as if there were no hook;
 *   - drop:    return TC_ACT_SHOT (counted as the hook's own business), or set
 *              ATEOM_HOOK_DROP and tail-call resume (counted as drop_policy);
 *   - capture: set ATEOM_HOOK_CAPTURE, skb->cb[ATEOM_HOOK_CB_ARG] = the
 *              worker port of the proxy (host order, non-zero), and tail-call
 *              resume: a TCP packet goes to the worker's stack as
 *              worker-address:port from the actor's identity, its original
 *              destination remembered in capture_orig (bpf/capture.h);
 *              anything else with this verdict is dropped (drop_capture).
 *   Any other verdict reaching resume is dropped: a broken hook fails closed.
 *
 * Which packets come to the hook (bpf/hook_cache.h): every packet of a new
 * flow, every TCP SYN, every packet the hook did not let through, and the
 * first packet of an open flow after the actor's hook generation changed.
 * An established flow the hook allowed (or an empty slot let through)
 * skips it until then: the verdict is cached in the flow's NAT pair. The
 * loader bumps the generation whenever it changes the actor's slot or
 * policy (`up`, `ateomnet policy`); whoever writes a slot by other means
 * (bpftool) reaches only new flows until the next bump. A hook that must
 * see every packet is not what this contract offers.
 * Replies of the actor's exposed ports to a client that reached that port
 * (recently: the NAT timeouts) skip the hook too; from the same port to
 * anyone else they come through it.
 */
#ifndef ATEOMNET_HOOK_H
#define ATEOMNET_HOOK_H

#define ATEOM_HOOK_SLOTS (ATEOM_MAX_ACTORS + 1)
#define ATEOM_HOOK_SLOT_RESUME 0

#define ATEOM_HOOK_CB_MAGIC_IDX 0
#define ATEOM_HOOK_CB_ACTOR_ID 1
#define ATEOM_HOOK_CB_IFINDEX 2
#define ATEOM_HOOK_CB_VERDICT 3
#define ATEOM_HOOK_CB_ARG 4     /* in: the datapath's generation word;
				 * out (capture only): the proxy's port */
#define ATEOM_HOOK_CB_MAGIC 0xa7e0400bU

enum ateom_hook_verdict {
	ATEOM_HOOK_NONE = 0,
	ATEOM_HOOK_ALLOW = 1,
	ATEOM_HOOK_DROP = 2,
	ATEOM_HOOK_CAPTURE = 3,
};

#endif /* ATEOMNET_HOOK_H */

/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Datapath counters: one list, expanded into the enum used by the BPF
 * programs and into the names printed by `ateomnet status`.
 * Counter blocks: block 0 is worker-wide, block N belongs to actor id N.
 */
#ifndef ATEOMNET_STATS_H
#define ATEOMNET_STATS_H

#define ATEOM_STATS(X)                                                         \
	/* from_actor (packets the actor sends) */                             \
	X(ACTOR_RX, "actor_rx")               /* seen on ateomN ingress */     \
	X(SNAT, "snat")                       /* egress translated, out eth0 */\
	X(SNAT_NEW, "snat_new")               /* new SNAT pair created */      \
	X(DNAT_REPLY, "dnat_reply")           /* from an exposed port */       \
	X(TO_WORKER, "to_worker")             /* to 10.200.0.1 / pod IP */     \
	X(FROM_WORKER, "from_worker")         /* worker to the actor's ident */\
	X(ARP_REPLY, "arp_reply")             /* gateway ARP answered */       \
	X(ARP_PASS, "arp_pass")               /* other ARP, to the stack */    \
	X(HOOK_ALLOW, "hook_allow")           /* egress hook said allow */     \
	X(NAT_REPAIR, "nat_repair")           /* a pair half put back */       \
	/* from_pod (packets arriving on the pod eth0) */                      \
	X(POD_PASS, "pod_pass")               /* not ours: untouched */        \
	X(SNAT_REPLY, "snat_reply")           /* reply to actor egress */      \
	X(DNAT, "dnat")                       /* inbound to exposed port */    \
	X(ICMP_ERROR, "icmp_error")           /* ICMP error translated */      \
	X(REDIRECT_FAIL, "redirect_fail")     /* redirect helper failed */     \
	X(SYN_NOT_REPLY, "syn_not_reply")     /* SYN on an SNAT pair's tuple: \
						 to the worker, not the actor */\
	/* drops */                                                            \
	X(DROP_SPOOF, "drop_spoof")           /* source is not the actor */    \
	X(DROP_NOT_IPV4, "drop_not_ipv4")     /* neither IPv4 nor IPv6 */     \
	X(DROP_PROTO, "drop_proto")           /* not TCP/UDP/ICMP echo */      \
	X(DROP_FRAG, "drop_frag")             /* IPv4 fragment (no ports) */   \
	X(DROP_TRUNC, "drop_trunc")           /* truncated or bad headers */   \
	X(DROP_TTL, "drop_ttl")               /* TTL would reach 0 */          \
	X(DROP_POLICY, "drop_policy")         /* egress hook said drop */      \
	X(DROP_NO_PORT, "drop_no_port")       /* no free SNAT port for remote */\
	X(DROP_NAT_FAIL, "drop_nat_fail")     /* NAT insert or rewrite failed */\
	X(DROP_NO_ACTOR, "drop_no_actor")     /* ateomN without actor entry */ \
	X(DROP_NO_CONFIG, "drop_no_config")   /* datapath not configured */    \
	X(DROP_QUOTA, "drop_quota")           /* actor holds its NAT quota */  \
	X(DROP_REMOTE_SHARE, "drop_remote_share") /* its share of the ports \
						 toward that remote */        \
	X(DROP_NAT_FULL, "drop_nat_full")     /* NAT table full */             \
	X(DROP_VLAN, "drop_vlan")             /* VLAN-tagged from the actor */ \
	X(DROP_IP_OPTIONS, "drop_ip_options") /* IPv4 options from the actor */\
	X(DROP_ICMP_PEER, "drop_icmp_peer")   /* actor's ICMP error not sent  \
						 to the flow's peer */         \
	X(DROP_BAD_PAIR, "drop_bad_pair")     /* pair halves disagree */         \
	X(DROP_FORWARDED, "drop_forwarded")   /* routed by the worker toward  \
						 an actor: never ours */      \
	X(RST_IGNORED, "rst_ignored")         /* a remote's RST that does not \
						 match the actor's ACK */     \
	/* fragments (bpf/frag.h) */                                           \
	X(FRAG_FIRST, "frag_first")           /* first fragment translated,   \
						 its datagram tracked */      \
	X(FRAG_OUT, "frag_out")               /* follower sent like its first */\
	X(FRAG_IN, "frag_in")                 /* follower delivered to actor */\
	X(FRAG_DUP_FIRST, "frag_dup_first")   /* first fragment seen again */  \
	X(FRAG_OVERLAP, "frag_overlap")       /* follower below what was seen:\
						 duplicate or overlap */      \
	X(FRAG_REORDER, "frag_reorder")       /* follower past a gap */        \
	X(FRAG_CONFLICT, "frag_conflict")     /* two first fragments, one     \
						 datagram name, two targets */\
	X(DROP_FRAG_ORPHAN, "drop_frag_orphan") /* actor's follower without   \
						 its first fragment */        \
	X(DROP_FRAG_CONFLICT, "drop_frag_conflict") /* follower of a conflict */\
	X(DROP_FRAG_BAD, "drop_frag_bad")     /* follower into the TCP header \
						 or past 64 KiB */            \
	/* egress policy (bpf/policy.bpf.c) and capture (bpf/capture.h) */     \
	X(DENY_RULE, "deny_rule")             /* an explicit --deny rule */    \
	X(DENY_DEFAULT, "deny_default")       /* deny mode, no allow rule */   \
	X(DENY_ALWAYS, "deny_always")         /* the always-deny set */        \
	X(DENY_DNS, "deny_dns")               /* DNS not to a resolver */      \
	X(DENY_PROTO, "deny_proto")           /* capture: not TCP, not allowed*/\
	X(EVENT_LIMITED, "event_limited")     /* deny event over the rate */   \
	X(CAPTURE, "capture")                 /* TCP to the worker's proxy */  \
	X(CAPTURE_REPLY, "capture_reply")     /* the proxy's reply, original  \
						 destination as source */      \
	X(DROP_CAPTURE, "drop_capture")       /* capture verdict not doable */  \
	X(TTL_EXCEEDED, "ttl_exceeded")       /* TTL 1 from the actor: ICMP  \
						 time exceeded sent back */    \
	X(DROP_TTL_RATELIMIT, "drop_ttl_ratelimit") /* ...not sent: over the \
						 actor's ICMP error rate */    \
	X(HAIRPIN, "hairpin")                 /* received from an actor that \
						 called an exposed port of this\
						 one at the pod IP */          \
	X(HAIRPIN_REPLY, "hairpin_reply")     /* received: the answer of the \
						 exposed port it called so */  \
	X(DROP_HAIRPIN, "drop_hairpin")       /* a hairpin packet with no    \
						 pair or service left */      \
	/* the egress hook's verdict cache (bpf/hook_cache.h) */               \
	X(HOOK_CACHED, "hook_cached")         /* established flow: the hook  \
						 let it through already */    \
	X(HOOK_REPLY, "hook_reply")           /* exposed port's reply to a   \
						 client that reached it */    \
	/* IPv6 (the *6 programs; IPv4 counters where both do the same) */         \
	X(ND_REPLY, "nd_reply")               /* gateway solicitation answered\
						 (the NS responder) */       \
	X(DROP_ND, "drop_nd")                 /* other neighbour discovery,  \
						 router solicitations, MLD */ \
	X(DROP_EXT_HDR, "drop_ext_header")    /* IPv6 extension header from   \
						 the actor, or past the walk */\
	X(DROP_NO_IPV6, "drop_no_ipv6")       /* IPv6 and the actor or pod   \
						 has none */                  \
	X(DROP_V6_TO_WORKER, "drop_v6_to_worker") /* IPv6 to the worker: its \
						 services are over IPv4 */     \
	X(DROP_NO_POD_IPV4, "drop_no_pod_ipv4") /* IPv4 past the worker and \
						 the pod has no IPv4 (an      \
						 IPv6-only pod) */            \
	X(DROP_UDP6_ZERO_CSUM, "drop_udp6_zero_csum") /* UDP over IPv6 with \
						 checksum 0 (invalid) */

#define ATEOM_STAT_ENUM(id, name) ATEOM_STAT_##id,
enum ateom_stat { ATEOM_STATS(ATEOM_STAT_ENUM) ATEOM_STAT_MAX };
#undef ATEOM_STAT_ENUM

#endif /* ATEOMNET_STATS_H */

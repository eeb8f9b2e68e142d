/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Structures shared by the BPF datapath (bpf/) and the loader (loader/).
 * One definition, included by both sides; every map's key and value type
 * lives here so `bpftool map dump` shows named fields (maps carry BTF).
 *
 * Byte order: fields named *_be are network order, everything else is host
 * order. Addresses and ports inside NAT keys are network order because they
 * are copied straight from packet headers.
 */
#ifndef ATEOMNET_H
#define ATEOMNET_H

#include <linux/types.h>
#include <linux/bpf.h> /* struct bpf_timer */

/* Bumped whenever a map layout or a program/map contract changes: a loader
 * refuses to reuse pinned objects whose config.abi differs. */
#define ATEOM_ABI_VERSION 6

/* Fixed MACs, identical on every worker so a snapshot restored anywhere
 * finds the same gateway. 02: = locally administered, unicast. */
#define ATEOM_GW_MAC    { 0x02, 0xa7, 0xe0, 0x00, 0x00, 0x01 }
#define ATEOM_ACTOR_MAC { 0x02, 0xa7, 0xe0, 0x00, 0x00, 0x02 }

#define ATEOM_ACTOR_NAME_MAX 64 /* DNS-1123 label: 63 chars + NUL */
#define ATEOM_MAX_ACTORS 255    /* actor ids 1..255; id 0 = worker-wide */
/* How many actors a worker's datapath is sized for (`--max-actors`, set
 * when it is loaded): a worker pod runs one actor at a time. Every
 * per-actor map is sized from it (loader/sizing.c, README "Memory"). */
#define ATEOM_DEFAULT_MAX_ACTORS 1
/* The NAT table holds both halves of every pair; it is a plain hash that
 * allocates entries as flows appear and never evicts: admission is the
 * per-actor quota (pairs), and `up` keeps the sum of the quotas of the
 * actors up within the table (docs/NOTES.md, "NAT ownership"). Its default
 * size is max actors x default quota x 2 (loader/sizing.c). */
#define ATEOM_NAT_DEFAULT_QUOTA 16384 /* pairs per actor */
#define ATEOM_MAX_EXPOSE 16     /* --expose flags per actor */
#define ATEOM_MAX_SERVICES 1024 /* upper bound; sized max actors x ATEOM_MAX_EXPOSE */

/* Default SNAT source ports: below Linux's default ip_local_port_range
 * (32768-60999), so translated flows never take a port the worker's own
 * connect() could pick; large, because one remote endpoint can only see each
 * pod port once per its TIME_WAIT (docs/NOTES.md). */
/* Actor identities toward the worker: IDENT_NET + actor id (one /32 each,
 * routed to the actor's ateomN). Link-local, outside the upstream actor
 * link 169.254.17.0/30 and the well-known 169.254.169.254, 169.254.20.10,
 * 169.254.25.10. */
#define ATEOM_IDENT_NET "169.254.18.0/24"
#define ATEOM_IDENT_BASE 0xa9fe1200U /* 169.254.18.0, host order; + id */

#define ATEOM_SNAT_PORT_MIN 1024
#define ATEOM_SNAT_PORT_MAX 32767

/* An IPv6 address as it is in the packet (network order). The bytes are
 * what `bpftool map dump` shows; the words are what the programs compare
 * and copy. All zero = none. */
union ateom_in6 {
	__u8 b[16];
	__be32 w[4];
};

static inline int ateom_in6_zero(const union ateom_in6 *a)
{
	return !(a->w[0] | a->w[1] | a->w[2] | a->w[3]);
}

/* The actor link's IPv6 default (upstream's actor veth is dual-stack,
 * fd00:169:254::/126): worker side ::1 (answered by the NS responder,
 * never configured on ateomN), actor side ::2. */
#define ATEOM_DEFAULT_WORKER_ADDR6 "fd00:169:254::1/126"
#define ATEOM_DEFAULT_ACTOR_ADDR6 "fd00:169:254::2/126"

/* ---- config: array[1], key 0 ------------------------------------------ */
struct ateom_config {
	__u32 abi;            /* ATEOM_ABI_VERSION of the loaded programs */
	__u32 pod_ifindex;    /* the pod eth0 (worker netns) */
	__be32 pod_ip_be;     /* SNAT source / DNAT match address */
	__u16 snat_port_min;  /* inclusive, host order */
	__u16 snat_port_max;  /* inclusive, host order */
	__u32 flags;          /* ATEOM_CFG_* */
	/* Most pairs one actor may hold toward one remote endpoint: the SNAT
	 * range shared by the actors up (the loader sets range / actors at
	 * every up and down), so no actors can take every pod port toward a
	 * remote from the others. 0 = no limit. */
	__u32 remote_share;
	/* Idle times after which a NAT pair is expired by the garbage
	 * collector, or reclaimed by a new flow that wants its port. */
	__u64 tcp_est_timeout_ns;     /* a reply was seen */
	__u64 tcp_syn_timeout_ns;     /* no reply yet (conntrack's SYN_SENT) */
	__u64 tcp_closing_timeout_ns; /* after FIN both ways, or RST */
	__u64 udp_timeout_ns;
	__u64 icmp_timeout_ns;
	__u64 gc_interval_ns;         /* the NAT garbage collector's period */
	__u64 udp_query_timeout_ns;   /* UDP to DNS (53) or NTP (123) */
	/* SipHash key of the SNAT port choice, drawn at load from getrandom:
	 * the actor never learns it, so it cannot choose its pod port. */
	__u64 port_key[2];
	/* The pod's IPv6 address (SNAT66 source, DNAT66 match): a global or
	 * ULA address of the pod interface. All zero: the pod has no IPv6
	 * and every IPv6 packet of an actor is dropped (drop_no_ipv6). */
	union ateom_in6 pod_ip6;
};

/* Deliver inbound packets with bpf_redirect_peer (straight into the actor
 * netns) instead of bpf_redirect to the veth's egress. */
#define ATEOM_CFG_REDIRECT_PEER (1U << 0)

/* ---- actors: hash, key = worker-side ifindex of ateomN (__u32) --------- */
struct ateom_actor {
	char name[ATEOM_ACTOR_NAME_MAX];
	__be32 worker_ip_be;  /* 10.200.0.1: ARP answered by the datapath */
	__be32 actor_ip_be;   /* 10.200.0.2: the only allowed source */
	__u32 id;             /* 1..255: stats block and egress hook slot */
	__u32 flags;          /* ATEOM_ACTOR_* */
	__be32 netmask_be;    /* the actor link's subnet (worker/actor addr) */
	/* The actor's identity toward the worker: its packets to the worker
	 * carry this source (not the actor address every actor shares), and
	 * the worker's packets to it, routed out of this actor's ateomN, get
	 * the actor address back (to_actor). 0 = no translation. */
	__be32 ident_ip_be;
	__u32 nat_quota;      /* most NAT pairs this actor may hold */
	__u32 nat_pairs;      /* pairs it holds now: the datapath counts them
			       * (atomically) as it creates and deletes them */
	/* The egress hook's generation (1..65535): the loader bumps it in
	 * place (ATEOM_GC_HOOK_GEN) whenever the actor's hook slot or policy
	 * changes; an OUT pair stamped with it skips the hook (verdict cache,
	 * bpf/hook_cache.h). */
	__u32 hook_gen;
	/* IPv6 on the actor link (all zero: none, `--no-ipv6` or a pod
	 * without IPv6). worker_ip6 is the gateway the datapath answers
	 * neighbour solicitations for; actor_ip6 the only allowed IPv6
	 * source; prefix6 the link's prefix length. */
	union ateom_in6 worker_ip6;
	union ateom_in6 actor_ip6;
	__u32 prefix6;
};

#define ATEOM_ACTOR_ATTACH_TCX (1U << 0) /* else clsact + cls_bpf */
/* Set by `up` as its last step: an entry without it is what a crashed `up`
 * left (from_pod, attached until purge, no longer tells). The datapath
 * does not look at it. */
#define ATEOM_ACTOR_READY (1U << 1)
/* The actor's hook slot is filled: its exposed ports' replies skip the hook
 * only toward clients that reached them (svc_flows, bpf/hook_cache.h). */
#define ATEOM_ACTOR_HOOKED (1U << 2)

/* ---- services: hash, key = proto + pod port ------------------------------ */
struct ateom_svc_key {
	__be16 port_be;  /* pod port */
	__u8 proto;      /* IPPROTO_TCP / IPPROTO_UDP */
	__u8 pad;
};

struct ateom_svc {
	__u32 actor_ifindex;
	__be32 actor_ip_be;
	__be16 actor_port_be;
	__u16 actor_id;
	/* The actor link's netmask: a client inside that link (the worker's
	 * address there, the actor's own) is a spoofer, refused without
	 * looking the actor entry up. */
	__be32 netmask_be;
};

/* ---- svc_rev: hash, the reverse of services, for the actor's replies ----
 * Exposed ports are translated without per-flow state (a static port
 * mapping): inbound to pod:S goes to actor:A, and whatever the actor sends
 * from A leaves as pod:S. So no remote host can create NAT state. */
struct ateom_svc_rev_key {
	__u32 actor_ifindex;
	__be16 actor_port_be;
	__u8 proto;
	__u8 pad;
};

struct ateom_svc_rev {
	__be16 port_be;       /* the pod port */
	__u16 pad;
};

/* ---- svc_flows: array, the clients that reached an actor's exposed ports -
 * So that an actor with an egress hook answers them without the hook, and
 * nobody else from the same port (bpf/hook_cache.h). Per actor id a region
 * of ATEOM_SVC_FLOW_BUCKETS buckets (half TCP, half UDP) of
 * ATEOM_SVC_FLOW_WAYS records: a flood to one actor's ports can only evict
 * that actor's records. */
#define ATEOM_SVC_FLOW_BUCKETS 256 /* per actor, a power of two */
#define ATEOM_SVC_FLOW_WAYS 4

struct ateom_svc_flow {
	/* client address (high 32 bits, network order as loaded), client
	 * port, actor port: one 8-byte word, written and read whole */
	__u64 tuple;
	__u64 last_ns;        /* last inbound packet, refreshed at most 1/s */
};

struct ateom_svc_flow_bucket {
	struct ateom_svc_flow way[ATEOM_SVC_FLOW_WAYS];
};

/* ---- nat: hash, one entry per direction of an SNAT pair ----------------- */
enum ateom_nat_dir {
	ATEOM_DIR_OUT = 1, /* as the packet leaves the actor (ifindex set) */
	ATEOM_DIR_IN = 2,  /* as the packet arrives on the pod eth0 */
};

/* For ICMP echo the identifier stands in for the port: on requests it is
 * the source port, on replies the destination port (the other one is 0). */
struct ateom_nat_key {
	__u32 ifindex;     /* ateomN for OUT keys, 0 for IN keys */
	__be32 saddr_be;
	__be32 daddr_be;
	__be16 sport_be;
	__be16 dport_be;
	__u8 proto;
	__u8 dir;          /* enum ateom_nat_dir */
	__u16 pad;
};

/* The IN half is the port's ownership record: {remote -> pod:P} belongs to
 * exactly one actor tuple. */
enum ateom_nat_type {
	ATEOM_NAT_SNAT = 1,       /* OUT: actor egress; rewrite source */
	ATEOM_NAT_SNAT_REPLY = 2, /* IN: reply to SNAT; rewrite destination */
};

struct ateom_nat_entry {
	__be32 addr_be;       /* the translated address */
	__be16 port_be;       /* the translated port (or ICMP id) */
	__u8 type;            /* enum ateom_nat_type */
	__u8 seen;            /* ATEOM_SEEN_* in this direction */
	__u32 actor_ifindex;
	__u16 actor_id;
	/* OUT half: the actor's hook_gen under which the hook let this flow
	 * through (0 = never): equal to the actor's now = skip the hook. */
	__u16 hook_gen;
	/* TCP, what a RST from the remote must carry to close the pair (only
	 * the real peer knows them): on the OUT half, the last acknowledgment
	 * number the actor sent (its SYN's sequence + 1 before that); on the
	 * IN half, the remote's next sequence number. A valid RST's sequence
	 * lies between the two (RFC 5961: the actor's rcv_nxt). */
	__be32 tcp_ack_be;
	__be32 tcp_nxt_be;
	__u64 last_seen_ns;   /* bpf_ktime_get_coarse_ns(), refreshed at most 1/s */
};

#define ATEOM_SEEN_FIN (1U << 0)   /* TCP FIN in this direction */
#define ATEOM_SEEN_RST (1U << 1)   /* TCP RST in this direction */
#define ATEOM_SEEN_REPLY (1U << 2) /* IN half: the remote has answered */
/* IN half: the actor's FIN / RST, mirrored from the OUT half when it sees
 * them, so the port record alone tells the pair's timeout (the collector
 * then looks a partner up only for pairs that may have expired). */
#define ATEOM_SEEN_OUT_FIN (1U << 3)
#define ATEOM_SEEN_OUT_RST (1U << 4)

/* ---- nat6: hash, the IPv6 pairs (SNAT66), same rules as nat ------------
 * Its own table with 128-bit addresses, so IPv4 keys stay 20 bytes; the
 * field names are nat's, so one template of the pair logic serves both
 * (bpf/nat_pair.h). A pair counts in the actor's one quota (nat_pairs),
 * whichever family it is. */
struct ateom_nat6_key {
	__u32 ifindex;     /* ateomN for OUT keys, 0 for IN keys */
	union ateom_in6 saddr_be;
	union ateom_in6 daddr_be;
	__be16 sport_be;
	__be16 dport_be;
	__u8 proto;        /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6 (echo) */
	__u8 dir;          /* enum ateom_nat_dir */
	__u16 pad;
};

struct ateom_nat6_entry {
	union ateom_in6 addr_be; /* the translated address */
	__be16 port_be;
	__u8 type;            /* enum ateom_nat_type */
	__u8 seen;            /* ATEOM_SEEN_* */
	__u32 actor_ifindex;
	__u16 actor_id;
	__u16 hook_gen;
	__be32 tcp_ack_be;
	__be32 tcp_nxt_be;
	__u64 last_seen_ns;
};

/* snat_full6 / remote_pairs6: the IPv6 forms of the two below. */
struct ateom_remote6_key {
	union ateom_in6 addr_be;
	__be16 port_be;
	__u8 proto;
	__u8 pad;
};

struct ateom_remote_pairs6_key {
	__u32 actor_ifindex;
	union ateom_in6 addr_be;
	__be16 port_be;
	__u8 proto;
	__u8 pad;
};

/* ---- v6_progs: prog array, the IPv6 programs ------------------------------
 * from_actor, actor_resume and from_pod tail-call these for an IPv6 frame:
 * the IPv4 programs stay as they were (and as costly to verify), and IPv6
 * is verified once, apart. Pinned with the datapath (a prog array is
 * emptied when nothing holds it). */
enum ateom_v6_prog {
	ATEOM_V6_FROM_ACTOR = 0,
	ATEOM_V6_RESUME = 1,
	ATEOM_V6_FROM_POD = 2,
	ATEOM_V6_PROGS = 3,
};

/* ---- snat_full: LRU hash, remote endpoints with no pod port left ------
 * A search that found no port for a remote marks it for a second, so new
 * flows toward it fail at once instead of walking the whole range again
 * (a cache: an evicted entry only costs one more search). */
struct ateom_remote_key {
	__be32 addr_be;
	__be16 port_be;
	__u8 proto;
	__u8 pad;
};

/* ---- worker_flows: LRU hash, flows the worker opened to the shared actor
 * address (10.200.0.2) through one ateomN. The actor's packets of such a
 * flow go to the worker unchanged (its socket is connected to 10.200.0.2);
 * everything else the actor sends the worker carries its identity. Only
 * the worker's own packets (to_actor) create entries. */
struct ateom_wflow_key {
	__u32 ifindex;        /* ateomN */
	__be16 worker_port_be;
	__be16 actor_port_be;
	__u8 proto;
	__u8 pad[3];
};

/* ---- remote_pairs: hash, pairs each actor holds toward each remote ----
 * Counted by the datapath as it creates and deletes pairs (like
 * nat_pairs); an entry goes when its count drops to 0, and `down` removes
 * an actor's. */
struct ateom_remote_pairs_key {
	__u32 actor_ifindex;
	__be32 addr_be;
	__be16 port_be;
	__u8 proto;
	__u8 pad;
};

/* skb->mark of a nat_gc_ctl run (BPF_PROG_TEST_RUN): start the collector,
 * stop it, or release a pod port about to be exposed (skb->cb[0] = the port,
 * host order, cb[1] = the protocol): every pair on it goes. */
#define ATEOM_GC_STOP 0
#define ATEOM_GC_START 1
#define ATEOM_GC_RELEASE 2
#define ATEOM_GC_READY 3 /* cb[0] = actor ifindex: set ATEOM_ACTOR_READY */
/* cb[0] = actor ifindex, cb[1] = 1 if its hook slot is filled: bump the
 * actor's hook_gen (open flows go through the hook again) and set or clear
 * ATEOM_ACTOR_HOOKED, in place. */
#define ATEOM_GC_HOOK_GEN 4

/* ---- nat_gc: array[1], the NAT garbage collector's timer and figures ---- */
struct ateom_gc {
	struct bpf_timer timer;
	__u64 runs;           /* sweeps done */
	__u64 expired;        /* pairs expired by sweeps */
	__u64 last_run_ns;
};

/* ---- stats: per-CPU array, key = actor id * ATEOM_STAT_MAX + counter ---- */
struct ateom_counter {
	__u64 packets;
	__u64 bytes;
};

#include "ateomnet_stats.h"

#define ATEOM_STATS_ENTRIES ((ATEOM_MAX_ACTORS + 1) * ATEOM_STAT_MAX)

/* ---- TTL expiry (bpf/ttl.h): ICMP Time Exceeded to the actor ----------
 * At most a burst of ATEOM_TTL_ICMP_BURST errors per actor, refilled at
 * ATEOM_TTL_ICMP_PER_SEC; each quotes up to ATEOM_TTL_QUOTE_MAX bytes of
 * the expired datagram (so the error fits in 576 bytes, as Linux's do). */
#define ATEOM_TTL_ICMP_BURST 16
#define ATEOM_TTL_ICMP_PER_SEC 8
#define ATEOM_TTL_QUOTE_MAX 548

/* ---- egress_hooks: prog array, see ateomnet_hook.h --------------------- */
#include "ateomnet_hook.h"
#include "ateomnet_policy.h"

#endif /* ATEOMNET_H */

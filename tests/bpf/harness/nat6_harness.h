/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* What the test-only IPv6 pair harness (nat6_harness.bpf.c) and the BPF
 * suite (flows6_nat.c) agree on. */
#ifndef ATEOM_TEST_NAT6_HARNESS_H
#define ATEOM_TEST_NAT6_HARNESS_H

#include <linux/types.h>
#include "ateomnet.h"

/* The "packet": the first NAT6_H_PKT_ADDRS bytes of a struct pkt6 (the
 * BPF side checks its layout), then its proto and tcp_flags. Network
 * order. */
struct nat6_h_pkt {
	union ateom_in6 saddr, daddr;
	__be32 tcp_seq, tcp_ack;
	__u32 tcp_len;
	__be32 frag_id;
	__be16 sport, dport;
	__u8 proto, tcp_flags;
};
#define NAT6_H_PKT_ADDRS 52

#define NAT6_H_OUT 1
#define NAT6_H_IN 2
#define NAT6_H_OWNS 3

#define NAT6_H_PKT_OFF 14 /* the struct nat6_h_pkt, after an Ethernet header */

#define NAT6_H_ERR 0x80000000U          /* | errno */
#define NAT6_H_BAD_PAIR (NAT6_H_ERR | 0x4000U)
#define NAT6_H_EXPOSED 0x20000U         /* | the exposed pod port */
#define NAT6_H_RST_IGNORED 0x10000U     /* | the actor port */

#endif

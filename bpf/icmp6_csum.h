/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* One's complement arithmetic for the ICMPv6 code (icmp6_err.h, hop6.h).
 * IPv6 has no header checksum: every address change lands in an upper
 * layer checksum through its pseudo-header (TCP, UDP and ICMPv6 alike), so
 * one change is one difference, computed once with bpf_csum_diff and added
 * to each checksum that covers it. Differences are 32-bit partial sums (as
 * the kernel's __wsum), folded only when they are written. */
#ifndef ATEOM_BPF_ICMP6_CSUM_H
#define ATEOM_BPF_ICMP6_CSUM_H

#include "parse6.h"

/* A 64-bit running sum folded to 32 bits (carries kept). */
static __always_inline __u32 csum6_fold32(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return (__u32)s;
}

/* A sum folded to the 16 bits of a checksum field, inverted. */
static __always_inline __sum16 csum6_fold(__u64 s)
{
	__u32 w = csum6_fold32(s);

	w = (w & 0xffff) + (w >> 16);
	w = (w & 0xffff) + (w >> 16);
	return (__sum16)~w;
}

/* The difference of a 128-bit field (both in memory order). */
static __always_inline __u32 csum6_addr_diff(const union ateom_in6 *from,
					     const union ateom_in6 *to)
{
	__s64 d = bpf_csum_diff((__be32 *)from->w, sizeof(*from), (__be32 *)to->w,
				sizeof(*to), 0);

	return d < 0 ? 0 : (__u32)d; /* fixed sizes: never fails */
}

/* The difference of a 32-bit field at a word offset. */
static __always_inline __u32 csum6_addr_diff32(__be32 from, __be32 to)
{
	return csum6_fold32((__u64)(__u16)~(from & 0xffff) + (__u16)~(from >> 16) +
			    (to & 0xffff) + (to >> 16));
}

/* The difference of a 16-bit field at an even offset of the covered data
 * (ports, ids and checksums all are). */
static __always_inline __u32 csum6_16_diff(__be16 from, __be16 to)
{
	return (__u32)(__u16)~from + (__u16)to;
}

/* The checksum field c after the data it covers changed by d. */
static __always_inline __sum16 csum6_apply(__sum16 c, __u32 d)
{
	return csum6_fold((__u64)(__u16)~c + d);
}

#endif

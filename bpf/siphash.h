/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* SipHash-2-4 of two 64-bit words (the same function as the kernel's
 * siphash_2u64): a keyed PRF, so whoever does not hold the key can neither
 * predict nor steer its output. Used once per new flow, never per packet. */
#ifndef ATEOM_BPF_SIPHASH_H
#define ATEOM_BPF_SIPHASH_H

#include <linux/types.h>

#define SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND(v0, v1, v2, v3)                                                      \
	do {                                                                           \
		v0 += v1; v1 = SIP_ROTL(v1, 13); v1 ^= v0; v0 = SIP_ROTL(v0, 32);      \
		v2 += v3; v3 = SIP_ROTL(v3, 16); v3 ^= v2;                             \
		v0 += v3; v3 = SIP_ROTL(v3, 21); v3 ^= v0;                             \
		v2 += v1; v1 = SIP_ROTL(v1, 17); v1 ^= v2; v2 = SIP_ROTL(v2, 32);      \
	} while (0)

static __always_inline __u64 siphash_2u64(__u64 m0, __u64 m1, const __u64 key[2])
{
	__u64 v0 = 0x736f6d6570736575ULL ^ key[0];
	__u64 v1 = 0x646f72616e646f6dULL ^ key[1];
	__u64 v2 = 0x6c7967656e657261ULL ^ key[0];
	__u64 v3 = 0x7465646279746573ULL ^ key[1];
	__u64 b = 16ULL << 56; /* message length in the last block */

	v3 ^= m0;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m0;
	v3 ^= m1;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m1;
	v3 ^= b;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SipHash-2-4 written from the paper (Aumasson & Bernstein, 2012), not from
 * bpf/siphash.h: the reference the datapath's SNAT port choice is checked
 * against. siphash_ref_selftest() checks it against the paper's published
 * test vectors.
 */
#ifndef ATEOM_TEST_SIPHASH_REF_H
#define ATEOM_TEST_SIPHASH_REF_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 of len bytes; key[0]/key[1] are the key's bytes 0-7/8-15
 * read little-endian. */
uint64_t siphash_ref(const void *msg, size_t len, const uint64_t key[2]);
/* The kernel's siphash_2u64(): the 16-byte message m0, m1 little-endian. */
uint64_t siphash_ref_2u64(uint64_t m0, uint64_t m1, const uint64_t key[2]);
/* 0 if the reference matches the published vectors; else the length of the
 * first message it gets wrong, plus one. */
int siphash_ref_selftest(void);

#endif /* ATEOM_TEST_SIPHASH_REF_H */

/* SPDX-License-Identifier: MIT */
/* hash.h - the non-cryptographic hashes the datapath shares
 *
 * FNV-1a for short byte strings (a flow's addresses and ports, a MAC), the
 * 64-bit finaliser of MurmurHash3 (fmix64) where every output bit must depend
 * on every input bit (hash % n), and a multiply-fold step for hashing longer
 * keys a word pair at a time. None is keyed: where a hostile input could aim
 * at one bucket, the caller mixes in secret seeds (the BPF hash maps do).
 */
#ifndef VN_CORE_HASH_H
#define VN_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define VN_FNV_BASIS	2166136261u	/* FNV-1a 32-bit offset basis */
#define VN_FNV_PRIME	16777619u	/* FNV-1a 32-bit prime */

/**
 * vn_fnv1a() - FNV-1a over @len bytes, continuing from @h
 * @h:		VN_FNV_BASIS, or the hash so far
 * @p:		bytes
 * @len:	their count
 *
 * Return: the hash
 */
static inline uint32_t vn_fnv1a(uint32_t h, const uint8_t *p, size_t len)
{
	while (len--) {
		h ^= *p++;
		h *= VN_FNV_PRIME;
	}
	return h;
}

/**
 * vn_mix64() - MurmurHash3's 64-bit finaliser (fmix64)
 * @x:		value
 *
 * Return: @x with every bit spread over all the others
 */
static inline uint64_t vn_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/**
 * vn_mum() - Fold the 128-bit product of two words into one word
 * @a:		first factor
 * @b:		second factor
 *
 * One multiply spreads every bit of both words over the low and the high
 * half; xoring the halves keeps both (the "mum" step of wyhash). A zero
 * factor zeroes the product: callers xor each word with a secret first.
 *
 * Return: low half xor high half of @a * @b
 */
static inline uint64_t vn_mum(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

#endif /* VN_CORE_HASH_H */

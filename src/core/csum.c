// SPDX-License-Identifier: MIT
/* csum.c - Internet checksum: 16 bytes per add, pseudo-headers, completion
 *
 * The ones' complement sum only needs the total modulo 0xffff, and since
 * 2^16 = 1 (mod 0xffff), any exact integer sum of aligned 16-, 32- or 64-bit
 * words has the right residue. On x86-64 the bulk loop adds 32-bit words
 * into 64-bit SSE2 lanes, which never carry, with four independent
 * accumulators, or AVX2 when the CPU has it (chosen at run time). The
 * rest, and other CPUs, add 64-bit words into a
 * 128-bit accumulator (an add/adc pair per word, no carry branch).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "csum.h"
#include "pkt.h"

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t fold64(uint64_t v)
{
	v = (v & 0xffffffff) + (v >> 32);
	v = (v & 0xffffffff) + (v >> 32);
	return (uint32_t)v;
}

#if defined(__x86_64__)
#include <emmintrin.h>

/* Blocks per call of the vector loop: each 64-bit lane then holds at most
 * 2 * VEC_CHUNK 32-bit words, and the four accumulators add up to far
 * below 2^64: no carry is ever lost.
 */
#define VEC_CHUNK	(1u << 24)

/*
 * Sum 64-byte blocks as 32-bit words zero-extended into 64-bit lanes (SSE2,
 * part of x86-64): no carries to chase, four independent accumulators.
 * If @dst is not NULL the blocks are also stored there (copy and sum in one
 * read of the source).
 */
static inline uint64_t sum_blocks(uint8_t *dst, const uint8_t *p, size_t nblk)
{
	const __m128i z = _mm_setzero_si128();
	__m128i a0 = z, a1 = z, a2 = z, a3 = z;
	uint64_t lanes[2];

	while (nblk--) {
		__m128i v0 = _mm_loadu_si128((const __m128i *)p);
		__m128i v1 = _mm_loadu_si128((const __m128i *)(p + 16));
		__m128i v2 = _mm_loadu_si128((const __m128i *)(p + 32));
		__m128i v3 = _mm_loadu_si128((const __m128i *)(p + 48));

		if (dst) {
			_mm_storeu_si128((__m128i *)dst, v0);
			_mm_storeu_si128((__m128i *)(dst + 16), v1);
			_mm_storeu_si128((__m128i *)(dst + 32), v2);
			_mm_storeu_si128((__m128i *)(dst + 48), v3);
			dst += 64;
		}
		a0 = _mm_add_epi64(a0, _mm_unpacklo_epi32(v0, z));
		a1 = _mm_add_epi64(a1, _mm_unpackhi_epi32(v0, z));
		a2 = _mm_add_epi64(a2, _mm_unpacklo_epi32(v1, z));
		a3 = _mm_add_epi64(a3, _mm_unpackhi_epi32(v1, z));
		a0 = _mm_add_epi64(a0, _mm_unpacklo_epi32(v2, z));
		a1 = _mm_add_epi64(a1, _mm_unpackhi_epi32(v2, z));
		a2 = _mm_add_epi64(a2, _mm_unpacklo_epi32(v3, z));
		a3 = _mm_add_epi64(a3, _mm_unpackhi_epi32(v3, z));
		p += 64;
	}
	a0 = _mm_add_epi64(_mm_add_epi64(a0, a1), _mm_add_epi64(a2, a3));
	_mm_storeu_si128((__m128i *)lanes, a0);
	return lanes[0] + lanes[1];
}

#include <immintrin.h>

static int cpu_avx2 = -1;

/* VN_CSUM_NO_AVX2 in the environment forces the SSE2 loop (tests use it) */
static inline bool cpu_has_avx2(void)
{
	if (unlikely(cpu_avx2 < 0))
		__atomic_store_n(&cpu_avx2, __builtin_cpu_supports("avx2") &&
				 !getenv("VN_CSUM_NO_AVX2"), __ATOMIC_RELAXED);
	return cpu_avx2;
}

/* sum_blocks() with 256-bit AVX2 registers: half the instructions per
 * byte. Chosen at run time (cpu_has_avx2()); the build stays x86-64 v1.
 */
__attribute__((target("avx2"), always_inline))
static inline uint64_t sum_blocks_avx2_body(uint8_t *dst, const uint8_t *p, size_t nblk)
{
	const __m256i z = _mm256_setzero_si256();
	__m256i a0 = z, a1 = z, a2 = z, a3 = z;
	uint64_t lanes[4];

	while (nblk--) {
		__m256i v0 = _mm256_loadu_si256((const __m256i *)p);
		__m256i v1 = _mm256_loadu_si256((const __m256i *)(p + 32));

		if (dst) {
			_mm256_storeu_si256((__m256i *)dst, v0);
			_mm256_storeu_si256((__m256i *)(dst + 32), v1);
			dst += 64;
		}
		a0 = _mm256_add_epi64(a0, _mm256_unpacklo_epi32(v0, z));
		a1 = _mm256_add_epi64(a1, _mm256_unpackhi_epi32(v0, z));
		a2 = _mm256_add_epi64(a2, _mm256_unpacklo_epi32(v1, z));
		a3 = _mm256_add_epi64(a3, _mm256_unpackhi_epi32(v1, z));
		p += 64;
	}
	a0 = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
	_mm256_storeu_si256((__m256i *)lanes, a0);
	return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

/* Two copies of the loop, so neither tests @dst per block */
__attribute__((target("avx2")))
static uint64_t sum_blocks_avx2(const uint8_t *p, size_t nblk)
{
	return sum_blocks_avx2_body(NULL, p, nblk);
}

__attribute__((target("avx2")))
static uint64_t sum_blocks_avx2_copy(uint8_t *dst, const uint8_t *p, size_t nblk)
{
	return sum_blocks_avx2_body(dst, p, nblk);
}

static uint64_t sum_blocks_any(uint8_t *dst, const uint8_t *p, size_t nblk)
{
	if (cpu_has_avx2())
		return dst ? sum_blocks_avx2_copy(dst, p, nblk) : sum_blocks_avx2(p, nblk);
	return sum_blocks(dst, p, nblk);
}

#endif

/*
 * The common body of vn_csum_partial() and vn_csum_partial_copy(): bulk in
 * sum_blocks() where there is one, then 8 bytes per add into a 128-bit
 * accumulator, then the zero-padded tail.
 */
static inline uint32_t sum_and_copy(uint8_t *dst, const uint8_t *p, size_t len, uint32_t sum)
{
	unsigned __int128 acc = sum;
	size_t whole = len;
	uint64_t acc64;

#if defined(__x86_64__)
	while (len >= 64) {
		size_t nblk = VN_MIN(len / 64, (size_t)VEC_CHUNK);

		acc += sum_blocks_any(dst, p, nblk);
		p += nblk * 64;
		if (dst)
			dst += nblk * 64;
		len -= nblk * 64;
	}
#endif
	while (len >= 8) {
		uint64_t w = load64(p);

		if (dst) {
			memcpy(dst, &w, sizeof(w));
			dst += 8;
		}
		acc += w;
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t tail = 0;

		if (dst)
			memcpy(dst, p, len);
		/* Zero-padded tail: on little-endian the bytes keep their
		 * positions within the 16-bit words of the stream. With 8
		 * bytes behind us, load the last 8 and shift the old ones
		 * out (a byte-wise copy to the stack stalls the reload).
		 */
		if (whole >= 8 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
			tail = load64(p + len - 8) >> ((8 - len) * 8);
		else
			memcpy(&tail, p, len);
		acc += tail;
	}
	/* Fold the carries out of the 128-bit accumulator */
	acc64 = (uint64_t)acc;
	acc64 += (uint64_t)(acc >> 64);
	if (acc64 < (uint64_t)(acc >> 64))
		acc64++;
	return fold64(acc64);
}

uint32_t vn_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	return sum_and_copy(NULL, buf, len, sum);
}

uint32_t vn_csum_partial_copy(void *dst, const void *src, size_t len, uint32_t sum)
{
	return sum_and_copy(dst, src, len, sum);
}

uint32_t vn_csum_pseudo_v4(const void *saddr, const void *daddr, uint8_t proto,
			   uint32_t l4_len)
{
	uint8_t ph[12];

	memcpy(ph, saddr, 4);
	memcpy(ph + 4, daddr, 4);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (l4_len >> 8) & 0xff;
	ph[11] = l4_len & 0xff;
	return vn_csum_partial(ph, sizeof(ph), 0);
}

uint32_t vn_csum_pseudo_v6(const void *saddr, const void *daddr, uint8_t proto,
			   uint32_t l4_len)
{
	uint8_t ph[40];

	memcpy(ph, saddr, 16);
	memcpy(ph + 16, daddr, 16);
	ph[32] = l4_len >> 24;
	ph[33] = (l4_len >> 16) & 0xff;
	ph[34] = (l4_len >> 8) & 0xff;
	ph[35] = l4_len & 0xff;
	ph[36] = 0;
	ph[37] = 0;
	ph[38] = 0;
	ph[39] = proto;
	return vn_csum_partial(ph, sizeof(ph), 0);
}

uint16_t vn_csum_replace16(uint16_t csum, uint16_t old, uint16_t new)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t sum = (uint16_t)~csum;

	sum = vn_csum_add(sum, (uint16_t)~old);
	sum = vn_csum_add(sum, new);
	return vn_csum_fold(sum);
}

uint16_t vn_csum_replace32(uint16_t csum, uint32_t old, uint32_t new)
{
	csum = vn_csum_replace16(csum, (uint16_t)old, (uint16_t)new);
	return vn_csum_replace16(csum, (uint16_t)(old >> 16), (uint16_t)(new >> 16));
}

enum vn_drop_reason vn_csum_value(const struct vn_pkt *pkt, uint16_t *csum, uint32_t *field)
{
	uint32_t start = pkt->vh.csum_start;
	uint32_t sum;

	*field = start + pkt->vh.csum_offset;
	/* Checksum field (2 bytes) or start of the sum past the frame */
	if (unlikely(!vn_pkt_ptr(pkt, *field, 2) || start > pkt->len))
		return VN_DROP_VHDR_CSUM_RANGE;
	/* The field holds the pseudo-header sum and is part of the range */
	sum = vn_csum_partial(vn_pkt_data(pkt) + start, pkt->len - start, 0);
	*csum = vn_csum_fold(sum);
	/* A computed 0 goes out as 0xffff: same value in ones' complement, and
	 * for UDP 0 would mean "no checksum" (RFC 768).
	 */
	if (*csum == 0)
		*csum = 0xffff;
	return VN_DROP_NONE;
}

enum vn_drop_reason vn_csum_complete(struct vn_pkt *pkt)
{
	enum vn_drop_reason why;
	uint32_t field;
	uint16_t csum;

	if (!(pkt->vh.flags & VN_VHDR_F_NEEDS_CSUM))
		return VN_DROP_NONE;
	why = vn_csum_value(pkt, &csum, &field);
	if (unlikely(why))
		return why;
	memcpy(vn_pkt_ptr(pkt, field, 2), &csum, sizeof(csum));
	pkt->vh.flags &= ~VN_VHDR_F_NEEDS_CSUM;
	pkt->vh.flags |= VN_VHDR_F_DATA_VALID;
	return VN_DROP_NONE;
}

// SPDX-License-Identifier: MIT
/* csum.c - Internet checksum: 8 bytes per add, pseudo-headers, completion
 *
 * The main loop adds 64-bit words into a 128-bit accumulator, which the
 * compiler turns into an add/adc pair per word: no per-word carry branch.
 * Four words per iteration keep loads ahead of the carry chain.
 */
#include <string.h>

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

uint32_t vn_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	unsigned __int128 acc = sum;
	uint64_t acc64;

	while (len >= 32) {
		acc += load64(p);
		acc += load64(p + 8);
		acc += load64(p + 16);
		acc += load64(p + 24);
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		acc += load64(p);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t tail = 0;

		/* Zero-padded tail: on little-endian the bytes keep their
		 * positions within the 16-bit words of the stream.
		 */
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

enum vn_drop_reason vn_csum_complete(struct vn_pkt *pkt)
{
	uint32_t start = pkt->vh.csum_start;
	uint32_t field = start + pkt->vh.csum_offset;
	uint16_t *fp, csum;
	uint32_t sum;

	if (!(pkt->vh.flags & VN_VHDR_F_NEEDS_CSUM))
		return VN_DROP_NONE;
	/* Checksum field (2 bytes) or start of the sum past the frame */
	fp = vn_pkt_ptr(pkt, field, 2);
	if (unlikely(!fp || start > pkt->len))
		return VN_DROP_VHDR_CSUM_RANGE;
	/* The field holds the pseudo-header sum and is part of the range */
	sum = vn_csum_partial(vn_pkt_data(pkt) + start, pkt->len - start, 0);
	csum = vn_csum_fold(sum);
	/* A computed 0 goes out as 0xffff: same value in ones' complement, and
	 * for UDP 0 would mean "no checksum" (RFC 768).
	 */
	if (csum == 0)
		csum = 0xffff;
	memcpy(fp, &csum, sizeof(csum));
	pkt->vh.flags &= ~VN_VHDR_F_NEEDS_CSUM;
	pkt->vh.flags |= VN_VHDR_F_DATA_VALID;
	return VN_DROP_NONE;
}

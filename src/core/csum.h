/* SPDX-License-Identifier: MIT */
/* csum.h - Internet checksum (RFC 1071): partial sums, pseudo-headers, completion
 *
 * Byte order: sums are taken over memory as the CPU loads it, and a folded
 * 16-bit result is stored back into the frame as-is (memcpy), which gives
 * the right bytes on the wire on either endianness (RFC 1071, §2(B)).
 * Pseudo-header helpers take addresses as the raw bytes of the frame and
 * the protocol and length in host order.
 *
 * A "partial" sum is a 32-bit unfolded, uncomplemented accumulator: add
 * partials with vn_csum_add(), finish with vn_csum_fold().
 */
#ifndef VN_CORE_CSUM_H
#define VN_CORE_CSUM_H

#include <stddef.h>
#include <stdint.h>

#include "drop.h"

struct vn_pkt;

/**
 * vn_csum_partial() - Ones' complement sum of a buffer, added to @sum
 * @buf:	bytes
 * @len:	length; an odd last byte is padded with a zero byte
 * @sum:	partial sum to continue from
 *
 * Return: partial sum
 */
uint32_t vn_csum_partial(const void *buf, size_t len, uint32_t sum);

/**
 * vn_csum_partial_copy() - Copy a buffer and sum it in one pass
 * @dst:	destination, @len bytes, not overlapping @src
 * @src:	bytes
 * @len:	length; an odd last byte is padded with a zero byte for the sum
 * @sum:	partial sum to continue from
 *
 * Return: partial sum, as vn_csum_partial(@src, @len, @sum)
 */
uint32_t vn_csum_partial_copy(void *dst, const void *src, size_t len, uint32_t sum);

/**
 * vn_csum_add() - Add two partial sums
 * @a:		partial sum
 * @b:		partial sum
 *
 * Return: partial sum
 */
static inline uint32_t vn_csum_add(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;

	return s + (s < a);
}

/**
 * vn_csum_fold() - Fold a partial sum to 16 bits and complement it
 * @sum:	partial sum
 *
 * Return: the checksum field value (store as-is)
 */
static inline uint16_t vn_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * vn_csum_fold_nocompl() - Fold a partial sum to 16 bits, no complement
 * @sum:	partial sum
 *
 * Return: 16-bit sum, as stored in the checksum field of a NEEDS_CSUM frame
 */
static inline uint16_t vn_csum_fold_nocompl(uint32_t sum)
{
	return (uint16_t)~vn_csum_fold(sum);
}

/**
 * vn_csum_pseudo_v4() - IPv4 pseudo-header partial sum (RFC 793, RFC 768)
 * @saddr:	4 bytes, as in the IP header
 * @daddr:	4 bytes, as in the IP header
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @l4_len:	L4 header + payload length, host order
 *
 * Return: partial sum
 */
uint32_t vn_csum_pseudo_v4(const void *saddr, const void *daddr, uint8_t proto,
			   uint32_t l4_len);

/**
 * vn_csum_pseudo_v6() - IPv6 pseudo-header partial sum (RFC 8200, §8.1)
 * @saddr:	16 bytes
 * @daddr:	16 bytes
 * @proto:	next header of the L4 protocol
 * @l4_len:	upper-layer packet length, host order
 *
 * Return: partial sum
 */
uint32_t vn_csum_pseudo_v6(const void *saddr, const void *daddr, uint8_t proto,
			   uint32_t l4_len);

/**
 * vn_csum_replace16() - Incremental update after a 16-bit field changed (RFC 1624, eqn. 3)
 * @csum:	checksum field value before, as stored
 * @old:	old field value, as stored
 * @new:	new field value, as stored
 *
 * Return: new checksum field value
 */
uint16_t vn_csum_replace16(uint16_t csum, uint16_t old, uint16_t new);

/**
 * vn_csum_replace32() - Incremental update after a 32-bit field changed
 * @csum:	checksum field value before, as stored
 * @old:	old field value, as loaded from memory
 * @new:	new field value, as loaded from memory
 *
 * Return: new checksum field value
 */
uint16_t vn_csum_replace32(uint16_t csum, uint32_t old, uint32_t new);

/**
 * vn_csum_value() - The checksum vn_csum_complete() would store, without storing it
 * @pkt:	packet with VN_VHDR_F_NEEDS_CSUM in vh.flags (it may be shared)
 * @csum:	output: the folded checksum, as the bytes of the field
 * @field:	output: the field's offset in the frame
 *
 * For a sender that writes the frame out in pieces (an iovec around the
 * field) instead of changing a frame other ports may still be reading.
 *
 * Return: VN_DROP_NONE, or VN_DROP_VHDR_CSUM_RANGE if the field lies
 *	   outside the frame
 */
enum vn_drop_reason vn_csum_value(const struct vn_pkt *pkt, uint16_t *csum, uint32_t *field);

/**
 * vn_csum_complete() - Finish a NEEDS_CSUM frame in software
 * @pkt:	packet whose vh.flags has VN_VHDR_F_NEEDS_CSUM
 *
 * Sums from csum_start to the end of the frame, adds the pseudo-header sum
 * already in the field at csum_start + csum_offset, stores the folded
 * result there, and turns NEEDS_CSUM into DATA_VALID. A frame without
 * NEEDS_CSUM is left alone. The caller owns @pkt alone (not shared).
 *
 * Return: VN_DROP_NONE, or VN_DROP_VHDR_CSUM_RANGE if the field lies
 *	   outside the frame
 */
enum vn_drop_reason vn_csum_complete(struct vn_pkt *pkt);

#endif /* VN_CORE_CSUM_H */

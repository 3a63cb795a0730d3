/* SPDX-License-Identifier: MIT */
/* be.h - network byte order loads and stores at any alignment
 *
 * The one set of big-endian accessors for header fields (Ethernet, IP,
 * TCP, UDP, tunnel headers): byte by byte, so a field may sit at any
 * offset of a frame, and the compiler turns each into one load and a bswap.
 */
#ifndef VN_CORE_BE_H
#define VN_CORE_BE_H

#include <stdint.h>

/**
 * vn_be16() - Read a 16-bit big-endian field
 * @p:		first byte
 *
 * Return: the value in host order
 */
static inline uint16_t vn_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/**
 * vn_be32() - Read a 32-bit big-endian field
 * @p:		first byte
 *
 * Return: the value in host order
 */
static inline uint32_t vn_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/**
 * vn_put_be16() - Write a 16-bit field in big-endian order
 * @p:		first byte
 * @v:		value in host order
 */
static inline void vn_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/**
 * vn_put_be32() - Write a 32-bit field in big-endian order
 * @p:		first byte
 * @v:		value in host order
 */
static inline void vn_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* VN_CORE_BE_H */

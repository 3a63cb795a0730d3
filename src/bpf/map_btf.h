/* SPDX-License-Identifier: MIT */
/* map_btf.h - a map's key and value layout from its BTF, to print fields by name
 *
 * The loader (obj_btf.c) flattens the BTF types of a BTF-defined map's key
 * and value into a list of integer fields (name, byte offset, size, element
 * count), each checked to lie inside key_size / value_size bytes. Only what
 * prints unambiguously is kept: integers and enums of 1, 2, 4 or 8 bytes,
 * arrays of them, and structs of those (nested members named "outer.inner").
 * Anything else (bitfields, unions, pointers, floats) gives no layout and
 * the map prints in hex only, as before.
 */
#ifndef VN_BPF_MAP_BTF_H
#define VN_BPF_MAP_BTF_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define VN_MAP_BTF_FIELDS_MAX	32	/* fields of one key or value */
#define VN_MAP_BTF_NAME_MAX	48	/* field path incl. NUL */

/**
 * struct vn_map_btf_field - one integer (or array of integers) in a key or value
 * @name:	member path ("bytes", "hdr.proto"); "" for a whole-integer key/value
 * @off:	byte offset (off + size * nelems <= key/value size, checked)
 * @size:	bytes per element: 1, 2, 4 or 8 (host byte order)
 * @nelems:	0 for a scalar, else the array length
 * @is_signed:	print as a signed integer
 */
struct vn_map_btf_field {
	char name[VN_MAP_BTF_NAME_MAX];
	uint32_t off;
	uint32_t size;
	uint32_t nelems;
	bool is_signed;
};

/**
 * vn_map_btf_int() - One integer of a field, widened to 64 bits by its BTF type
 * @f:		the field (1, 2, 4 or 8 bytes; bounds checked when the layout was made)
 * @p:		its first byte (any alignment)
 *
 * Return: the value, zero-extended, or sign-extended when @f->is_signed
 * (read it as int64_t then)
 */
static inline uint64_t vn_map_btf_int(const struct vn_map_btf_field *f, const uint8_t *p)
{
	uint64_t u = 0;
	uint32_t u32;
	uint16_t u16;
	unsigned int shift = 64 - 8 * f->size;

	switch (f->size) {
	case 1: u = *p; break;
	case 2: memcpy(&u16, p, 2); u = u16; break;
	case 4: memcpy(&u32, p, 4); u = u32; break;
	default: memcpy(&u, p, 8); shift = 0; break;
	}
	return f->is_signed && shift ? (uint64_t)((int64_t)(u << shift) >> shift) : u;
}

/**
 * struct vn_map_btf_layout - the fields of a key or a value
 * @nfields:	entries in @f; 0: no layout (print hex only)
 * @f:		fields
 */
struct vn_map_btf_layout {
	unsigned int nfields;
	struct vn_map_btf_field f[VN_MAP_BTF_FIELDS_MAX];
};

/**
 * struct vn_map_btf - a map's key and value layouts (owned by the map)
 * @key:	key layout
 * @value:	value layout (of one copy, for per-CPU maps)
 */
struct vn_map_btf {
	struct vn_map_btf_layout key;
	struct vn_map_btf_layout value;
};

/**
 * vn_map_btf_scalar() - Whether @l is one unnamed integer (a __u32 key)
 * @l:		layout
 *
 * Return: true if the whole key/value prints as one number
 */
static inline bool vn_map_btf_scalar(const struct vn_map_btf_layout *l)
{
	return l->nfields == 1 && !l->f[0].name[0] && !l->f[0].nelems;
}

#endif /* VN_BPF_MAP_BTF_H */

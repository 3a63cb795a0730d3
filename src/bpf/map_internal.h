/* SPDX-License-Identifier: MIT */
/* map_internal.h - what map.c shares with the per-type map files */
#ifndef VN_BPF_MAP_INTERNAL_H
#define VN_BPF_MAP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "map.h"

/**
 * struct vn_map_ops - one map type
 * @check:	reject attributes the type does not allow (-EINVAL), after the
 *		generic sanity limits passed
 * @init:	allocate the arena and type state with map_zalloc()
 * @fini:	free what @init allocated with map_free_mem()
 * @lookup:	control side: copy the element's value(s) out
 * @update:	store a value; @cpu < 0: all copies from the control layout,
 *		else the program's copy for worker @cpu
 * @del:	remove a key
 * @next_key:	walk keys
 * @lookup_elem: program side: pointer to worker @cpu's copy, or NULL
 */
struct vn_map_ops {
	int (*check)(const struct vn_map_attr *attr);
	int (*init)(struct vn_map *map);
	void (*fini)(struct vn_map *map);
	int (*lookup)(struct vn_map *map, const void *key, void *value);
	int (*update)(struct vn_map *map, const void *key, const void *value,
		      uint64_t flags, int cpu);
	int (*del)(struct vn_map *map, const void *key);
	int (*next_key)(struct vn_map *map, const void *key, void *next);
	void *(*lookup_elem)(struct vn_map *map, const void *key, unsigned int cpu);
};

/*
 * VN_MAP_TYPE() - A type's ops table from its prefix: every op is named
 * <prefix>_<op>; next_key may be shared (DEVMAP walks like an array).
 */
#define VN_MAP_TYPE(prefix, next_key_fn) {		\
	.check = prefix##_check,			\
	.init = prefix##_init,				\
	.fini = prefix##_fini,				\
	.lookup = prefix##_lookup,			\
	.update = prefix##_update,			\
	.del = prefix##_delete,				\
	.next_key = next_key_fn,			\
	.lookup_elem = prefix##_lookup_elem,		\
}

extern const struct vn_map_ops vn_map_array_ops;
extern const struct vn_map_ops vn_map_devmap_ops;
extern const struct vn_map_ops vn_map_htab_ops;
extern const struct vn_map_ops vn_map_lpm_ops;

uint32_t vn_map_htab_count(struct vn_map *map);
uint32_t vn_map_lpm_lengths(const struct vn_map *map);

void *map_zalloc(struct vn_map *map, size_t n, size_t size);
void map_free_mem(struct vn_map *map, void *p, size_t n, size_t size);
void *map_impl_new(struct vn_map *map, size_t size);
void map_impl_free(struct vn_map *map, size_t size);

/**
 * map_is_percpu() - Whether @type keeps one value copy per worker
 * @type:	BPF_MAP_TYPE_*
 *
 * Return: true for PERCPU_ARRAY and PERCPU_HASH
 */
static inline bool map_is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH;
}

/**
 * map_copy_values() - Copy between an element's copies and the control layout
 * @map:	map
 * @dst:	destination
 * @src:	source
 *
 * Both sides use vstride bytes per copy. Per-CPU maps copy whole 8-byte
 * rounded copies, padding included, as the kernel's copy_map_value_long()
 * does (a control read returns the padding a control write stored); other
 * maps copy value_size bytes.
 */
static inline void map_copy_values(const struct vn_map *map, void *dst, const void *src)
{
	size_t n = map->ncpus > 1 || map_is_percpu(map->type) ? map->vstride : map->value_size;

	for (unsigned int c = 0; c < map->ncpus; c++)
		__builtin_memmove((uint8_t *)dst + (size_t)c * map->vstride,
				  (const uint8_t *)src + (size_t)c * map->vstride, n);
}

/* Valid update flags, as the kernel's check_flags() */
static inline bool map_flags_ok(uint64_t flags)
{
	return flags <= BPF_EXIST;
}

#endif /* VN_BPF_MAP_INTERNAL_H */

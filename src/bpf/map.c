// SPDX-License-Identifier: MIT
/* map.c - eBPF maps: creation with memory caps, dispatch to the map types
 *
 * Creation checks the generic sanity limits, then the type's own rules,
 * then lets the type allocate through map_zalloc(), which charges every
 * byte to the map's owner before allocating it. Failure at any point gives
 * everything back, so an owner's mem_used is exact.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/compiler.h"
#include "core/log.h"
#include "map_internal.h"

/**
 * vn_bpf_owner_charge() - Reserve @bytes of @owner's cap
 * @owner:	owner, may be NULL (no cap)
 * @bytes:	bytes to charge
 *
 * Lock-free: several workers' control requests may create maps for one owner.
 *
 * Return: 0, or -ENOMEM if the cap would be passed (nothing is charged)
 */
int vn_bpf_owner_charge(struct vn_bpf_owner *owner, size_t bytes)
{
	size_t used, want;

	if (!owner)
		return 0;
	used = __atomic_load_n(&owner->mem_used, __ATOMIC_RELAXED);
	do {
		/* Charge that wraps, or passes the owner's cap */
		if (used > SIZE_MAX - bytes) {
			__atomic_store_n(&owner->mem_refused, SIZE_MAX, __ATOMIC_RELAXED);
			return -ENOMEM;
		}
		want = used + bytes;
		if (owner->mem_limit && want > owner->mem_limit) {
			__atomic_store_n(&owner->mem_refused, want, __ATOMIC_RELAXED);
			return -ENOMEM;
		}
	} while (!__atomic_compare_exchange_n(&owner->mem_used, &used, want, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return 0;
}

/**
 * vn_bpf_owner_uncharge() - Give back @bytes charged earlier
 * @owner:	owner, may be NULL
 * @bytes:	bytes
 */
void vn_bpf_owner_uncharge(struct vn_bpf_owner *owner, size_t bytes)
{
	if (owner)
		__atomic_sub_fetch(&owner->mem_used, bytes, __ATOMIC_RELAXED);
}

/**
 * map_zalloc() - Allocate zeroed memory for @map, charged to its owner
 * @map:	map being created
 * @n:		element count
 * @size:	element size
 *
 * Return: memory (64-byte aligned), or NULL on overflow, cap or allocation
 *	   failure; the cap failure is logged
 */
void *map_zalloc(struct vn_map *map, size_t n, size_t size)
{
	size_t bytes, rounded;
	void *p;

	/* Size that overflows size_t */
	if (size && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	rounded = VN_ALIGN_UP(bytes ? bytes : 1, (size_t)64);
	if (vn_bpf_owner_charge(map->owner, rounded)) {
		vn_err("map '%s': needs %zu more bytes, owner has %zu of %zu used",
		       map->name, rounded, map->owner->mem_used, map->owner->mem_limit);
		return NULL;
	}
	p = aligned_alloc(64, rounded);
	if (!p) {
		vn_bpf_owner_uncharge(map->owner, rounded);
		return NULL;
	}
	memset(p, 0, rounded);
	map->charged += rounded;
	return p;
}

/**
 * map_impl_new() - Allocate a type's state (map->impl), zeroed and charged
 * @map:	map being created
 * @size:	bytes of the state
 *
 * Return: the state, also stored in map->impl, or NULL (as map_zalloc())
 */
void *map_impl_new(struct vn_map *map, size_t size)
{
	map->impl = map_zalloc(map, 1, size);
	return map->impl;
}

/**
 * map_impl_free() - Free what map_impl_new() allocated and clear map->impl
 * @map:	map
 * @size:	the size given to map_impl_new()
 */
void map_impl_free(struct vn_map *map, size_t size)
{
	map_free_mem(map, map->impl, 1, size);
	map->impl = NULL;
}

/**
 * map_free_mem() - Free memory from map_zalloc() and uncharge it
 * @map:	map
 * @p:		memory, may be NULL
 * @n:		element count given to map_zalloc()
 * @size:	element size given to map_zalloc()
 */
void map_free_mem(struct vn_map *map, void *p, size_t n, size_t size)
{
	size_t bytes = n * size;
	size_t rounded = VN_ALIGN_UP(bytes ? bytes : 1, (size_t)64);

	if (!p)
		return;
	free(p);
	vn_bpf_owner_uncharge(map->owner, rounded);
	map->charged -= rounded;
}

static const struct vn_map_ops *map_ops(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return &vn_map_array_ops;
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
		return &vn_map_htab_ops;
	case BPF_MAP_TYPE_LPM_TRIE:
		return &vn_map_lpm_ops;
	case BPF_MAP_TYPE_DEVMAP:
		return &vn_map_devmap_ops;
	default:
		return NULL;
	}
}

/**
 * vn_map_count() - Elements in @map, where that is cheap to know
 * @map:	map
 * @count:	output
 *
 * Arrays hold every index (max_entries); hash maps keep a count. LPM tries
 * and DEVMAPs would need a walk.
 *
 * Return: 0, or -EOPNOTSUPP for types without a cheap count
 */
int vn_map_count(struct vn_map *map, uint32_t *count)
{
	switch (map->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		*count = map->max_entries;
		return 0;
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
		*count = vn_map_htab_count(map);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/**
 * vn_map_type_name() - Kernel-style name of a map type ("lru_hash")
 * @type:	BPF_MAP_TYPE_*
 *
 * Return: static string, "unknown" for types vnetd does not implement
 */
const char *vn_map_type_name(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_ARRAY:	return "array";
	case BPF_MAP_TYPE_PERCPU_ARRAY:	return "percpu_array";
	case BPF_MAP_TYPE_HASH:		return "hash";
	case BPF_MAP_TYPE_PERCPU_HASH:	return "percpu_hash";
	case BPF_MAP_TYPE_LRU_HASH:	return "lru_hash";
	case BPF_MAP_TYPE_LPM_TRIE:	return "lpm_trie";
	case BPF_MAP_TYPE_DEVMAP:	return "devmap";
	default:			return "unknown";
	}
}

static int map_check_attr(const struct vn_map_attr *attr, const char *name)
{
	if (!map_ops(attr->type)) {
		vn_err("map '%s': type %u not supported", name, attr->type);
		return -EINVAL;
	}
	/* Zero sizes or capacity: nothing a program could use */
	if (!attr->key_size || !attr->value_size || !attr->max_entries) {
		vn_err("map '%s': key_size %u, value_size %u, max_entries %u: none may be 0",
		       name, attr->key_size, attr->value_size, attr->max_entries);
		return -EINVAL;
	}
	/* Sizes past what a program's stack or a sane table holds */
	if (attr->key_size > VN_MAP_KEY_MAX || attr->value_size > VN_MAP_VALUE_MAX ||
	    attr->max_entries > VN_MAP_ENTRIES_MAX) {
		vn_err("map '%s': key_size %u (max %u), value_size %u (max %u), max_entries %u (max %u)",
		       name, attr->key_size, VN_MAP_KEY_MAX, attr->value_size,
		       VN_MAP_VALUE_MAX, attr->max_entries, VN_MAP_ENTRIES_MAX);
		return -E2BIG;
	}
	/* Per-CPU copies for more workers than we could ever run */
	if (map_is_percpu(attr->type) && (attr->ncpus < 1 || attr->ncpus > VN_MAP_CPUS_MAX)) {
		vn_err("map '%s': %u cpus (1..%u)", name, attr->ncpus, VN_MAP_CPUS_MAX);
		return -EINVAL;
	}
	if (attr->map_flags & ~(uint32_t)(BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG |
					  BPF_F_WRONLY_PROG | BPF_F_MMAPABLE |
					  BPF_F_ZERO_SEED | BPF_F_NUMA_NODE)) {
		vn_err("map '%s': unsupported map_flags 0x%x", name, attr->map_flags);
		return -EINVAL;
	}
	return 0;
}

/**
 * vn_map_create() - Create a map charged to @owner
 * @attr:	type, sizes, capacity, cpus
 * @owner:	who pays (may be NULL: uncapped, for tests and the operator)
 * @out:	the map
 *
 * Return: 0; -EINVAL, -E2BIG or -ENOMEM, logged with a "map 'x': " prefix
 */
int vn_map_create(const struct vn_map_attr *attr, struct vn_bpf_owner *owner,
		  struct vn_map **out)
{
	const char *name = attr->name ? attr->name : "";
	struct vn_map *map;
	int ret;

	*out = NULL;
	ret = map_check_attr(attr, name);
	if (ret)
		return ret;
	ret = map_ops(attr->type)->check(attr);
	if (ret) {
		vn_err("map '%s': %s map: invalid key_size %u / value_size %u / flags 0x%x",
		       name, vn_map_type_name(attr->type), attr->key_size,
		       attr->value_size, attr->map_flags);
		return ret;
	}
	if (vn_bpf_owner_charge(owner, sizeof(*map))) {
		vn_err("map '%s': owner memory cap %zu reached", name, owner->mem_limit);
		return -ENOMEM;
	}
	map = calloc(1, sizeof(*map));
	if (!map) {
		vn_bpf_owner_uncharge(owner, sizeof(*map));
		return -ENOMEM;
	}
	map->type = attr->type;
	map->key_size = attr->key_size;
	map->value_size = attr->value_size;
	map->max_entries = attr->max_entries;
	map->map_flags = attr->map_flags;
	map->ncpus = map_is_percpu(attr->type) ? attr->ncpus : 1;
	map->vstride = VN_ALIGN_UP(attr->value_size, 8u);
	snprintf(map->name, sizeof(map->name), "%s", name);
	map->owner = owner;
	map->ops = map_ops(attr->type);
	map->charged = sizeof(*map);
	ret = map->ops->init(map);
	if (ret) {
		vn_map_free(map);
		return ret;
	}
	map->cost_lookup = map->type == BPF_MAP_TYPE_LPM_TRIE ? 0 :
			   (uint32_t)vn_map_cost(map, VN_MAP_OP_LOOKUP);
	*out = map;
	return 0;
}

/**
 * vn_map_free() - Destroy a map and return its memory to its owner
 * @map:	map, may be NULL
 */
void vn_map_free(struct vn_map *map)
{
	if (!map)
		return;
	map->ops->fini(map);
	free(map->btf);
	VN_ASSERT(map->charged == sizeof(*map));
	vn_bpf_owner_uncharge(map->owner, sizeof(*map));
	free(map);
}

/**
 * vn_map_lookup() - Copy out the value stored under @key
 * @map:	map
 * @key:	key_size bytes
 * @value:	output, see map.h
 *
 * Return: 0, -ENOENT, -EINVAL
 */
int vn_map_lookup(struct vn_map *map, const void *key, void *value)
{
	return map->ops->lookup(map, key, value);
}

/**
 * vn_map_update() - Store @value under @key
 * @map:	map
 * @key:	key_size bytes
 * @value:	see map.h
 * @flags:	BPF_ANY, BPF_NOEXIST, BPF_EXIST
 *
 * Return: 0 or a negative errno
 */
int vn_map_update(struct vn_map *map, const void *key, const void *value, uint64_t flags)
{
	if (!map_flags_ok(flags))
		return -EINVAL;
	return map->ops->update(map, key, value, flags, -1);
}

/**
 * vn_map_delete() - Remove @key
 * @map:	map
 * @key:	key_size bytes
 *
 * Return: 0, -ENOENT, -EINVAL
 */
int vn_map_delete(struct vn_map *map, const void *key)
{
	return map->ops->del(map, key);
}

/**
 * vn_map_get_next_key() - Walk the keys
 * @map:	map
 * @key:	current key or NULL
 * @next:	output key
 *
 * Return: 0, -ENOENT after the last key
 */
int vn_map_get_next_key(struct vn_map *map, const void *key, void *next)
{
	return map->ops->next_key(map, key, next);
}

/**
 * vn_map_lookup_elem() - A program's bpf_map_lookup_elem()
 * @map:	map
 * @key:	key_size bytes
 * @cpu:	worker id
 *
 * Return: pointer into the arena, or NULL
 */
void *vn_map_lookup_elem(struct vn_map *map, const void *key, unsigned int cpu)
{
	/* Worker id past the per-CPU copies: a caller bug, never a program's */
	if (unlikely(cpu >= map->ncpus))
		cpu = 0;
	return map->ops->lookup_elem(map, key, cpu);
}

static bool map_prog_writable(const struct vn_map *map)
{
	return map->type != BPF_MAP_TYPE_DEVMAP && !(map->map_flags & BPF_F_RDONLY_PROG);
}

/**
 * vn_map_update_elem() - A program's bpf_map_update_elem()
 * @map:	map
 * @key:	key_size bytes
 * @value:	value_size bytes
 * @flags:	BPF_ANY, BPF_NOEXIST, BPF_EXIST
 * @cpu:	worker id
 *
 * Return: 0 or a negative errno
 */
int vn_map_update_elem(struct vn_map *map, const void *key, const void *value,
		       uint64_t flags, unsigned int cpu)
{
	if (!map_prog_writable(map))
		return -EOPNOTSUPP;
	if (!map_flags_ok(flags))
		return -EINVAL;
	if (unlikely(cpu >= map->ncpus))
		cpu = 0;
	return map->ops->update(map, key, value, flags, (int)cpu);
}

/**
 * vn_map_delete_elem() - A program's bpf_map_delete_elem()
 * @map:	map
 * @key:	key_size bytes
 *
 * Return: 0 or a negative errno
 */
int vn_map_delete_elem(struct vn_map *map, const void *key)
{
	if (!map_prog_writable(map))
		return -EOPNOTSUPP;
	return map->ops->del(map, key);
}

/* Units to hash (and compare) one key */
static uint64_t key_cost(const struct vn_map *map)
{
	return 8 + map->key_size / 8;
}

/* Units to copy or clear @bytes */
static uint64_t copy_cost(uint64_t bytes)
{
	return bytes / 16;
}

/**
 * vn_map_cost() - Budget units one program-side operation costs (worst case)
 * @map:	map
 * @op:		operation
 *
 * Return: units (>= 1)
 */
uint64_t vn_map_cost(const struct vn_map *map, enum vn_map_op op)
{
	uint64_t probe = key_cost(map) + 8, copies = (uint64_t)map->ncpus * map->vstride;

	switch (map->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_DEVMAP:
		return 4 + (op == VN_MAP_OP_UPDATE ? copy_cost(map->value_size) : 0);
	case BPF_MAP_TYPE_LPM_TRIE:
		/* each probe masks a copy of the key, then hashes it */
		probe += copy_cost(map->key_size);
		if (op == VN_MAP_OP_LOOKUP)
			return 4 + probe * vn_map_lpm_lengths(map);
		return 4 + probe + (op == VN_MAP_OP_UPDATE ? copy_cost(map->value_size) : 0);
	default:
		/* hash and LRU hash: an update clears every copy, then copies one */
		if (op == VN_MAP_OP_UPDATE)
			return 4 + probe + copy_cost(copies) + copy_cost(map->value_size);
		return 4 + probe;
	}
}

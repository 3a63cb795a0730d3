// SPDX-License-Identifier: MIT
/* map_array.c - ARRAY, PERCPU_ARRAY and DEVMAP: maps indexed by a u32 key
 *
 * Element i's copies sit at values + i * ncpus * vstride. Arrays always hold
 * every element (delete is -EINVAL, like the kernel); a DEVMAP slot is empty
 * until set, tracked in a presence byte per slot outside the arena. DEVMAP
 * values are vnetd port ids (u32), or the kernel's struct bpf_devmap_val
 * (value_size 8: port id + a program fd vnetd ignores) so objects written
 * for either layout load.
 */
#include <errno.h>
#include <string.h>

#include "core/compiler.h"
#include "map_internal.h"

struct devmap {
	uint8_t *present;
};

static int array_check(const struct vn_map_attr *attr)
{
	return attr->key_size == 4 ? 0 : -EINVAL;
}

static int array_init(struct vn_map *map)
{
	size_t per_elem = (size_t)map->ncpus * map->vstride;

	map->values = map_zalloc(map, map->max_entries, per_elem);
	if (!map->values)
		return -ENOMEM;
	map->arena_size = (size_t)map->max_entries * per_elem;
	return 0;
}

static void array_fini(struct vn_map *map)
{
	map_free_mem(map, map->values, map->max_entries, (size_t)map->ncpus * map->vstride);
	map->values = NULL;
}

static inline uint8_t *array_elem(struct vn_map *map, const void *key)
{
	uint32_t idx;

	memcpy(&idx, key, sizeof(idx));
	/* Index past the array */
	if (unlikely(idx >= map->max_entries))
		return NULL;
	return map->values + (size_t)idx * map->ncpus * map->vstride;
}

static int array_lookup(struct vn_map *map, const void *key, void *value)
{
	uint8_t *e = array_elem(map, key);

	if (!e)
		return -ENOENT;
	map_copy_values(map, value, e);
	return 0;
}

static int array_update(struct vn_map *map, const void *key, const void *value,
			uint64_t flags, int cpu)
{
	uint8_t *e = array_elem(map, key);

	if (!e)
		return -E2BIG;
	/* Every array element exists */
	if (flags == BPF_NOEXIST)
		return -EEXIST;
	if (cpu < 0)
		map_copy_values(map, e, value);
	else
		memmove(e + (size_t)cpu * map->vstride, value, map->value_size);
	return 0;
}

static int array_delete(struct vn_map *map, const void *key)
{
	(void)map;
	(void)key;
	return -EINVAL;
}

static int array_next_key(struct vn_map *map, const void *key, void *next)
{
	uint32_t idx = 0, n;

	if (key) {
		memcpy(&idx, key, sizeof(idx));
		/* Unknown key restarts the walk; the last one ends it */
		if (idx >= map->max_entries)
			idx = 0;
		else if (idx == map->max_entries - 1)
			return -ENOENT;
		else
			idx++;
	}
	n = idx;
	memcpy(next, &n, sizeof(n));
	return 0;
}

static void *array_lookup_elem(struct vn_map *map, const void *key, unsigned int cpu)
{
	uint8_t *e = array_elem(map, key);

	return e ? e + (size_t)cpu * map->vstride : NULL;
}

const struct vn_map_ops vn_map_array_ops = VN_MAP_TYPE(array, array_next_key);

/* DEVMAP */

static int devmap_check(const struct vn_map_attr *attr)
{
	return attr->key_size == 4 && (attr->value_size == 4 || attr->value_size == 8) ?
	       0 : -EINVAL;
}

static int devmap_init(struct vn_map *map)
{
	struct devmap *dm;
	int ret = array_init(map);

	if (ret)
		return ret;
	dm = map_impl_new(map, sizeof(*dm));
	if (!dm)
		return -ENOMEM;
	dm->present = map_zalloc(map, map->max_entries, 1);
	return dm->present ? 0 : -ENOMEM;
}

static void devmap_fini(struct vn_map *map)
{
	struct devmap *dm = map->impl;

	if (dm) {
		map_free_mem(map, dm->present, map->max_entries, 1);
		map_impl_free(map, sizeof(*dm));
	}
	array_fini(map);
}

static inline bool devmap_slot(struct vn_map *map, const void *key, uint32_t *idx)
{
	memcpy(idx, key, sizeof(*idx));
	return *idx < map->max_entries;
}

static int devmap_lookup(struct vn_map *map, const void *key, void *value)
{
	struct devmap *dm = map->impl;
	uint32_t idx;

	if (!devmap_slot(map, key, &idx) ||
	    !__atomic_load_n(&dm->present[idx], __ATOMIC_ACQUIRE))
		return -ENOENT;
	memcpy(value, map->values + (size_t)idx * map->vstride, map->value_size);
	return 0;
}

static int devmap_update(struct vn_map *map, const void *key, const void *value,
			 uint64_t flags, int cpu)
{
	struct devmap *dm = map->impl;
	uint32_t idx;

	(void)cpu;
	if (!devmap_slot(map, key, &idx))
		return -E2BIG;
	/* The kernel's devmap has no "exists" state for NOEXIST to test */
	if (flags == BPF_NOEXIST)
		return -EEXIST;
	memmove(map->values + (size_t)idx * map->vstride, value, map->value_size);
	__atomic_store_n(&dm->present[idx], 1, __ATOMIC_RELEASE);
	return 0;
}

static int devmap_delete(struct vn_map *map, const void *key)
{
	struct devmap *dm = map->impl;
	uint32_t idx;

	if (!devmap_slot(map, key, &idx))
		return -EINVAL;
	__atomic_store_n(&dm->present[idx], 0, __ATOMIC_RELEASE);
	return 0;
}

static void *devmap_lookup_elem(struct vn_map *map, const void *key, unsigned int cpu)
{
	struct devmap *dm = map->impl;
	uint32_t idx;

	(void)cpu;
	if (!devmap_slot(map, key, &idx) ||
	    !__atomic_load_n(&dm->present[idx], __ATOMIC_ACQUIRE))
		return NULL;
	return map->values + (size_t)idx * map->vstride;
}

const struct vn_map_ops vn_map_devmap_ops = VN_MAP_TYPE(devmap, array_next_key);

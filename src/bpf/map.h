/* SPDX-License-Identifier: MIT */
/* map.h - eBPF maps: ARRAY, PERCPU_ARRAY, HASH, PERCPU_HASH, LRU_HASH, LPM_TRIE, DEVMAP
 *
 * Map types, update flags and value layouts are the kernel's (<linux/bpf.h>),
 * so a program built for the kernel finds the maps it expects.
 *
 * Memory model. Every map keeps all its values in one contiguous arena
 * (@values, @arena_size bytes), allocated at creation and never moved or
 * freed while the map lives. The VM registers the arena as one memory region:
 * a program holding a value pointer may touch value bytes and nothing else
 * (keys, hash chains and LRU links live elsewhere). Hash-like maps are
 * preallocated (as the kernel's default), so updates never allocate.
 *
 * Concurrency. A per-map mutex serialises updates, deletes, key walks and LRU
 * bookkeeping. Program lookups take no lock: arrays index directly, HASH,
 * PERCPU_HASH and LPM_TRIE read under a seqcount (map_htab.h) and fall back
 * to the mutex only after repeated races with a writer; LRU_HASH lookups
 * take the mutex because they reorder the recency list. A lookup returns a
 * pointer into the arena that the program keeps using without any lock, as
 * with the kernel's RCU lookups: a slot deleted and reused under a running
 * program shows the new element's bytes (the kernel's preallocated hash
 * maps behave the same), never freed memory.
 * Per-CPU maps. A "cpu" is a vnetd worker: a map has @ncpus copies of each
 * value, and a program running on worker W sees copy W. The control side
 * reads and writes all copies at once, each rounded up to 8 bytes, in the
 * kernel's syscall layout.
 *
 * Memory caps. Each map is charged to a struct vn_bpf_owner (a tenant, a
 * guest, the operator) for everything it allocates; creation fails with
 * -ENOMEM when the owner's cap would be passed, so a tenant cannot exhaust
 * the daemon's memory. Key/value sizes and max_entries have sanity limits
 * (-E2BIG).
 */
#ifndef VN_BPF_MAP_H
#define VN_BPF_MAP_H

#include <stddef.h>
#include <stdint.h>

#include <linux/bpf.h>

#define VN_MAP_NAME_MAX		16	/* like BPF_OBJ_NAME_LEN, incl. NUL */
#define VN_MAP_KEY_MAX		512	/* kernel: MAX_BPF_STACK */
#define VN_MAP_VALUE_MAX	(1u << 20)
#define VN_MAP_ENTRIES_MAX	(1u << 24)
#define VN_MAP_CPUS_MAX		256
#define VN_MAP_LPM_DATA_MAX	256	/* kernel: LPM_DATA_SIZE_MAX */

/**
 * struct vn_bpf_owner - who pays for a set of maps, and how much they may use
 * @mem_limit:	bytes the owner may have allocated at once (0: no limit)
 * @mem_used:	bytes charged now (updated atomically)
 * @mem_refused: the total the last refused charge would have reached
 *		(0: none refused), so a refusal can say how much was asked
 */
struct vn_bpf_owner {
	size_t mem_limit;
	size_t mem_used;
	size_t mem_refused;
};

/**
 * struct vn_map_attr - what a map is, as a program's object declares it
 * @type:	BPF_MAP_TYPE_* (kernel numbering)
 * @key_size:	bytes per key
 * @value_size:	bytes per value (per cpu for per-CPU maps)
 * @max_entries: capacity
 * @map_flags:	BPF_F_* creation flags (BPF_F_NO_PREALLOC accepted, ignored:
 *		vnetd always preallocates; BPF_F_RDONLY_PROG honoured)
 * @ncpus:	copies of each value for per-CPU maps (number of workers, >= 1)
 * @name:	map name for messages (may be NULL)
 */
struct vn_map_attr {
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	unsigned int ncpus;
	const char *name;
};

struct vn_map_ops;
struct vn_map_btf;

/**
 * struct vn_map - one map
 * @type:	BPF_MAP_TYPE_*
 * @key_size:	bytes per key
 * @value_size:	bytes per value (per cpu)
 * @max_entries: capacity
 * @map_flags:	creation flags
 * @ncpus:	copies per value (1 for non per-CPU maps)
 * @vstride:	bytes between two value copies in the arena (value_size
 *		rounded up to 8)
 * @name:	NUL-terminated name
 * @values:	the value arena
 * @arena_size:	bytes in @values
 * @charged:	bytes charged to @owner
 * @owner:	who pays for this map
 * @ops:	type-specific operations
 * @impl:	type-specific state
 * @btf:	key/value field layout from the object's BTF (map_btf.h), or
 *		NULL; set once by the loader, freed with the map
 * @cost_lookup: budget units of a program lookup, fixed at creation (0: LPM
 *		trie, priced by the prefix lengths in use: vn_map_cost())
 */
struct vn_map {
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	unsigned int ncpus;
	uint32_t vstride;
	char name[VN_MAP_NAME_MAX];
	uint8_t *values;
	size_t arena_size;
	size_t charged;
	struct vn_bpf_owner *owner;
	const struct vn_map_ops *ops;
	void *impl;
	struct vn_map_btf *btf;
	uint32_t cost_lookup;
};

/**
 * vn_map_create() - Create a map charged to @owner
 * @attr:	type, sizes, capacity, cpus
 * @owner:	who pays (may be NULL: uncapped, for tests and the operator)
 * @out:	the map
 *
 * Return: 0; -EINVAL for an unknown type or sizes the type does not allow;
 *	   -E2BIG past a sanity limit; -ENOMEM if @owner's cap would be passed
 *	   or allocation fails. Each failure is logged with a "map 'x': " prefix.
 */
int vn_map_create(const struct vn_map_attr *attr, struct vn_bpf_owner *owner,
		  struct vn_map **out);

/**
 * vn_map_free() - Destroy a map and return its memory to its owner
 * @map:	map, may be NULL
 */
void vn_map_free(struct vn_map *map);

/* Control side (the daemon, vnetctl, tests): values are copied. */

/**
 * vn_map_lookup() - Copy out the value stored under @key
 * @map:	map
 * @key:	key_size bytes
 * @value:	output: value_size bytes, or for per-CPU maps ncpus copies of
 *		round_up(value_size, 8) bytes (the kernel's syscall layout)
 *
 * Return: 0, -ENOENT if there is no such key, -EINVAL for a bad key
 */
int vn_map_lookup(struct vn_map *map, const void *key, void *value);

/**
 * vn_map_update() - Store @value under @key
 * @map:	map
 * @key:	key_size bytes
 * @value:	same layout as vn_map_lookup()'s output
 * @flags:	BPF_ANY, BPF_NOEXIST (fail with -EEXIST if present) or
 *		BPF_EXIST (fail with -ENOENT if absent)
 *
 * Return: 0, -EEXIST, -ENOENT, -E2BIG (hash map full, or array index out of
 *	   range), -EINVAL (bad flags or key)
 */
int vn_map_update(struct vn_map *map, const void *key, const void *value, uint64_t flags);

/**
 * vn_map_delete() - Remove @key
 * @map:	map
 * @key:	key_size bytes
 *
 * Return: 0, -ENOENT if absent, -EINVAL for array maps (like the kernel)
 */
int vn_map_delete(struct vn_map *map, const void *key);

/**
 * vn_map_get_next_key() - Walk the keys
 * @map:	map
 * @key:	current key, or NULL for the first one
 * @next:	output: key_size bytes
 *
 * A @key that is not in the map restarts the walk at the first key (kernel
 * semantics). Order is the map's internal order.
 *
 * Return: 0, -ENOENT after the last key
 */
int vn_map_get_next_key(struct vn_map *map, const void *key, void *next);

/* Program side (helpers): pointers into the arena, this worker's copy. */

/**
 * vn_map_lookup_elem() - A program's bpf_map_lookup_elem()
 * @map:	map
 * @key:	key_size bytes (already bounds-checked by the caller)
 * @cpu:	worker id running the program, < ncpus for per-CPU maps
 *
 * LRU maps mark the element as recently used.
 *
 * Return: pointer to the value in the arena, or NULL
 */
void *vn_map_lookup_elem(struct vn_map *map, const void *key, unsigned int cpu);

/**
 * enum vn_map_op - what a program asks of a map, for vn_map_cost()
 * @VN_MAP_OP_LOOKUP:	bpf_map_lookup_elem()
 * @VN_MAP_OP_UPDATE:	bpf_map_update_elem()
 * @VN_MAP_OP_DELETE:	bpf_map_delete_elem()
 */
enum vn_map_op {
	VN_MAP_OP_LOOKUP,
	VN_MAP_OP_UPDATE,
	VN_MAP_OP_DELETE,
};

/**
 * vn_map_cost() - Budget units one program-side operation costs (worst case)
 * @map:	map
 * @op:		operation
 *
 * The cost model of docs/ARCHITECTURE.md: a key hash costs 8 + key_size/8
 * units, a copy or clear 1 unit per 16 bytes, an LPM lookup one masked
 * hash probe per distinct prefix length in use. Helpers charge it before
 * they call the map.
 *
 * Return: units (>= 1)
 */
uint64_t vn_map_cost(const struct vn_map *map, enum vn_map_op op);

/**
 * vn_map_update_elem() - A program's bpf_map_update_elem()
 * @map:	map
 * @key:	key_size bytes
 * @value:	value_size bytes (this worker's copy for per-CPU maps; a new
 *		per-CPU element has the other copies zeroed)
 * @flags:	BPF_ANY, BPF_NOEXIST, BPF_EXIST
 * @cpu:	worker id
 *
 * Return: 0 or a negative errno as vn_map_update(); -EOPNOTSUPP for maps
 *	   programs may not write (DEVMAP, BPF_F_RDONLY_PROG)
 */
int vn_map_update_elem(struct vn_map *map, const void *key, const void *value,
		       uint64_t flags, unsigned int cpu);

/**
 * vn_map_delete_elem() - A program's bpf_map_delete_elem()
 * @map:	map
 * @key:	key_size bytes
 *
 * Return: 0 or a negative errno as vn_map_delete(); -EOPNOTSUPP for
 *	   DEVMAP and BPF_F_RDONLY_PROG maps
 */
int vn_map_delete_elem(struct vn_map *map, const void *key);

/**
 * vn_map_count() - Elements in @map, where that is cheap to know
 * @map:	map
 * @count:	output: max_entries for arrays, elements in use for hash maps
 *
 * Return: 0, or -EOPNOTSUPP (LPM_TRIE, DEVMAP: only a key walk would tell)
 */
int vn_map_count(struct vn_map *map, uint32_t *count);

/**
 * vn_map_type_name() - Kernel-style name of a map type ("lru_hash")
 * @type:	BPF_MAP_TYPE_*
 *
 * Return: static string, "unknown" for types vnetd does not implement
 */
const char *vn_map_type_name(uint32_t type);

/**
 * vn_bpf_owner_charge() - Reserve @bytes of @owner's cap
 * @owner:	owner, may be NULL (no cap)
 * @bytes:	bytes to charge
 *
 * Return: 0, or -ENOMEM if the cap would be passed (nothing is charged)
 */
int vn_bpf_owner_charge(struct vn_bpf_owner *owner, size_t bytes);

/**
 * vn_bpf_owner_uncharge() - Give back @bytes charged earlier
 * @owner:	owner, may be NULL
 * @bytes:	bytes
 */
void vn_bpf_owner_uncharge(struct vn_bpf_owner *owner, size_t bytes);

#endif /* VN_BPF_MAP_H */

// SPDX-License-Identifier: MIT
/* map_lpm.c - LPM_TRIE: longest-prefix match as one hash table per prefix length
 *
 * Keys are the kernel's struct bpf_lpm_trie_key: a u32 prefixlen (host
 * order) then data bytes (network order), key_size = 4 + data size. Entries
 * are stored in one preallocated hash table under their masked key (bits
 * past prefixlen zeroed, so 10.1.2.3/8 and 10.0.0.0/8 are the same entry);
 * @plen_count counts entries per prefix length. A lookup tries the lengths
 * that hold entries from the longest (capped at the lookup key's prefixlen,
 * as the kernel does) down, masking the key for each: at most one hash probe
 * per distinct length in use.
 *
 * Differences from the kernel's trie: get_next_key walks in hash order, not
 * the trie's post-order, and returns masked keys.
 */
#include <errno.h>
#include <string.h>

#include "core/compiler.h"
#include "map_htab.h"

struct lpm {
	struct htab h;
	uint32_t max_bits;
	uint32_t *plen_count;
	uint32_t nlens;
};

static int lpm_check(const struct vn_map_attr *attr)
{
	/* Kernel: 1..256 data bytes after the u32 prefixlen */
	if (attr->key_size < 4 + 1 || attr->key_size > 4 + VN_MAP_LPM_DATA_MAX)
		return -EINVAL;
	return 0;
}

static int lpm_init(struct vn_map *map)
{
	struct lpm *t = map_impl_new(map, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->max_bits = (map->key_size - 4) * 8;
	t->plen_count = map_zalloc(map, t->max_bits + 1, sizeof(uint32_t));
	if (!t->plen_count)
		return -ENOMEM;
	return htab_init(map, &t->h, map->key_size, false);
}

static void lpm_fini(struct vn_map *map)
{
	struct lpm *t = map->impl;

	if (!t)
		return;
	map_free_mem(map, t->plen_count, t->max_bits + 1, sizeof(uint32_t));
	htab_fini(map, &t->h);
	map_impl_free(map, sizeof(*t));
}

/* Copy @key with prefixlen @plen into @out, bits past @plen zeroed */
static void lpm_mask(const struct lpm *t, const uint8_t *key, uint32_t plen, uint8_t *out)
{
	uint32_t full = plen / 8, rem = plen % 8, dlen = t->max_bits / 8;

	memcpy(out, &plen, 4);
	memcpy(out + 4, key + 4, full);
	if (full < dlen) {
		out[4 + full] = rem ? key[4 + full] & (uint8_t)(0xff00 >> rem) : 0;
		memset(out + 4 + full + 1, 0, dlen - full - 1);
	}
}

/* Masked copy of a key given for update/delete; -EINVAL for a bad prefixlen */
static int lpm_exact(const struct lpm *t, const void *key, uint8_t *out)
{
	uint32_t plen;

	memcpy(&plen, key, 4);
	/* Prefix longer than the data it covers */
	if (plen > t->max_bits)
		return -EINVAL;
	lpm_mask(t, key, plen, out);
	return 0;
}

static uint32_t lpm_match(struct lpm *t, const void *key)
{
	uint8_t masked[4 + VN_MAP_LPM_DATA_MAX];
	uint32_t plen;

	memcpy(&plen, key, 4);
	if (plen > t->max_bits)
		plen = t->max_bits;
	for (uint32_t l = plen + 1; l-- > 0;) {
		uint32_t e;

		if (!__atomic_load_n(&t->plen_count[l], __ATOMIC_RELAXED))
			continue;
		lpm_mask(t, key, l, masked);
		e = htab_find(&t->h, masked, htab_hash(&t->h, masked));
		if (e)
			return e;
	}
	return 0;
}

static inline uint8_t *lpm_value(struct vn_map *map, uint32_t e)
{
	return map->values + (size_t)(e - 1) * map->vstride;
}

static int lpm_lookup(struct vn_map *map, const void *key, void *value)
{
	struct lpm *t = map->impl;
	uint32_t e;

	pthread_mutex_lock(&t->h.lock);
	e = lpm_match(t, key);
	if (e)
		memcpy(value, lpm_value(map, e), map->value_size);
	pthread_mutex_unlock(&t->h.lock);
	return e ? 0 : -ENOENT;
}

static int lpm_update(struct vn_map *map, const void *key, const void *value,
		      uint64_t flags, int cpu)
{
	uint8_t masked[4 + VN_MAP_LPM_DATA_MAX];
	struct lpm *t = map->impl;
	uint32_t hash, old, e, plen;
	int ret = 0;

	(void)cpu;
	if (lpm_exact(t, key, masked))
		return -EINVAL;
	memcpy(&plen, masked, 4);
	hash = htab_hash(&t->h, masked);
	pthread_mutex_lock(&t->h.lock);
	htab_write_begin(&t->h);
	old = htab_find(&t->h, masked, hash);
	if (old && flags == BPF_NOEXIST) {
		ret = -EEXIST;
	} else if (!old && flags == BPF_EXIST) {
		ret = -ENOENT;
	} else {
		e = htab_insert(map, &t->h, masked, hash, old);
		if (!e) {
			ret = -ENOSPC;	/* the kernel's trie says ENOSPC when full */
		} else {
			memmove(lpm_value(map, e), value, map->value_size);
			if (!old && __atomic_add_fetch(&t->plen_count[plen], 1,
						       __ATOMIC_RELAXED) == 1)
				__atomic_add_fetch(&t->nlens, 1, __ATOMIC_RELAXED);
		}
	}
	htab_write_end(&t->h);
	pthread_mutex_unlock(&t->h.lock);
	return ret;
}

static int lpm_delete(struct vn_map *map, const void *key)
{
	uint8_t masked[4 + VN_MAP_LPM_DATA_MAX];
	struct lpm *t = map->impl;
	uint32_t e, plen;

	if (lpm_exact(t, key, masked))
		return -EINVAL;
	memcpy(&plen, masked, 4);
	pthread_mutex_lock(&t->h.lock);
	htab_write_begin(&t->h);
	e = htab_find(&t->h, masked, htab_hash(&t->h, masked));
	if (e) {
		htab_remove(&t->h, e);
		if (!__atomic_sub_fetch(&t->plen_count[plen], 1, __ATOMIC_RELAXED))
			__atomic_sub_fetch(&t->nlens, 1, __ATOMIC_RELAXED);
	}
	htab_write_end(&t->h);
	pthread_mutex_unlock(&t->h.lock);
	return e ? 0 : -ENOENT;
}

static int lpm_next_key(struct vn_map *map, const void *key, void *next)
{
	uint8_t masked[4 + VN_MAP_LPM_DATA_MAX];
	struct lpm *t = map->impl;
	int ret;

	/* A key with a bad prefixlen is "not in the map": restart */
	if (key && lpm_exact(t, key, masked))
		key = NULL;
	pthread_mutex_lock(&t->h.lock);
	ret = htab_next_key(&t->h, key ? masked : NULL, next);
	pthread_mutex_unlock(&t->h.lock);
	return ret;
}

static void *lpm_lookup_elem(struct vn_map *map, const void *key, unsigned int cpu)
{
	struct lpm *t = map->impl;
	uint32_t e;

	(void)cpu;
	/* Lockless, as hash lookups (map_htab.h); the lock after a few races */
	for (int n = 0; n < HTAB_READ_TRIES; n++) {
		uint32_t seq = htab_read_begin(&t->h);

		e = lpm_match(t, key);
		if (htab_read_ok(&t->h, seq))
			return e ? lpm_value(map, e) : NULL;
	}
	pthread_mutex_lock(&t->h.lock);
	e = lpm_match(t, key);
	pthread_mutex_unlock(&t->h.lock);
	return e ? lpm_value(map, e) : NULL;
}

/**
 * vn_map_lpm_lengths() - Distinct prefix lengths holding entries
 * @map:	an LPM_TRIE map
 *
 * A lookup probes at most this many lengths (the cost model's LPM walk).
 *
 * Return: the count (a racy snapshot while programs update the map)
 */
uint32_t vn_map_lpm_lengths(const struct vn_map *map)
{
	const struct lpm *t = map->impl;

	return __atomic_load_n(&t->nlens, __ATOMIC_RELAXED);
}

const struct vn_map_ops vn_map_lpm_ops = VN_MAP_TYPE(lpm, lpm_next_key);

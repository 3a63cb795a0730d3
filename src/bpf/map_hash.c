// SPDX-License-Identifier: MIT
/* map_hash.c - HASH, PERCPU_HASH, LRU_HASH: preallocated chained hash tables
 *
 * max_entries + 1 element slots are allocated at creation; element i's key
 * lives in @keys and its value copies in the map's arena at
 * values + i * ncpus * vstride. The extra slot lets an update of an existing
 * key fill a fresh slot and swap it into the chain (as the kernel's
 * preallocated maps do), so a program reading the old value never sees a
 * half-written one.
 *
 * Hash flooding: the hash is seeded per map from getrandom(), so a tenant
 * choosing keys cannot aim them all at one bucket.
 *
 * LRU_HASH evicts by second chance, like the kernel's reference bit (whose
 * lists are also per CPU): an update puts the element at the head of the
 * list; a program lookup only sets its reference bit, without the lock; an
 * insert into a full map walks from the tail, moving each referenced
 * element to the head with its bit cleared, and evicts the first one not
 * referenced (at most count + 1 steps: after one lap no bit is set).
 * Control-side lookups set no bit, like the kernel's syscall path.
 *
 * Program lookups of every type are lockless (seqcount, see map_htab.h).
 * The table code is shared with map_lpm.c through map_htab.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "core/compiler.h"
#include "core/hash.h"
#include "map_htab.h"

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/**
 * htab_hash() - Seeded hash of the table's key_size key bytes
 * @h:		table
 * @key:	key bytes
 *
 * Sixteen bytes per step, folded by one 64x64->128 multiply of the two words,
 * each mixed with a secret (vn_mum()): a flow key of 40 bytes takes four
 * multiplies where a word-at-a-time finaliser took eighteen. Both words of a
 * step are xored with per-map seeds, so a tenant who cannot read the seeds
 * cannot choose a word that zeroes the product and aims keys at one bucket.
 * The tail is read with overlapping loads inside the key, never past it.
 *
 * Return: 32-bit hash
 */
uint32_t htab_hash(const struct htab *h, const void *key)
{
	const uint8_t *p = key;
	uint32_t len = h->key_size;
	uint64_t s = h->seed[0], a = 0, b = 0;

	for (; len > 16; p += 16, len -= 16)
		s = vn_mum(rd64(p) ^ h->seed[1], rd64(p + 8) ^ s);
	if (len > 8) {
		a = rd64(p);
		b = rd64(p + len - 8);
	} else if (len >= 4) {
		a = rd32(p);
		b = rd32(p + len - 4);
	} else if (len) {
		a = (uint64_t)p[0] << 16 | (uint64_t)p[len / 2] << 8 | p[len - 1];
	}
	s = vn_mum(a ^ h->seed[1], b ^ s);
	s = vn_mum(s ^ h->key_size, h->seed[1] | 1);
	return (uint32_t)(s ^ (s >> 32));
}

/**
 * htab_init() - Allocate a table of @map->max_entries elements
 * @map:	map (arena allocated here too)
 * @h:		table state to fill
 * @key_size:	bytes compared per key
 * @lru:	keep a recency list and evict instead of failing when full
 *
 * Return: 0 or -ENOMEM
 */
int htab_init(struct vn_map *map, struct htab *h, uint32_t key_size, bool lru)
{
	uint32_t slots = map->max_entries + 1;
	size_t per_elem = (size_t)map->ncpus * map->vstride;

	h->key_size = key_size;
	h->lru = lru;
	h->nbuckets = 1;
	while (h->nbuckets < map->max_entries)
		h->nbuckets <<= 1;
	/* never an address or a constant: without entropy, no map */
	if (getrandom(h->seed, sizeof(h->seed), 0) != sizeof(h->seed))
		return errno ? -errno : -EIO;
	if (pthread_mutex_init(&h->lock, NULL))
		return -ENOMEM;
	h->lock_ok = true;
	h->buckets = map_zalloc(map, h->nbuckets, sizeof(*h->buckets));
	h->elems = map_zalloc(map, slots, sizeof(*h->elems));
	h->keys = map_zalloc(map, slots, key_size);
	map->values = map_zalloc(map, slots, per_elem);
	if (!h->buckets || !h->elems || !h->keys || !map->values)
		return -ENOMEM;
	map->arena_size = (size_t)slots * per_elem;
	h->slots = slots;
	/* All slots on the free list, chained through next */
	for (uint32_t i = 0; i < slots; i++)
		h->elems[i].next = i + 2 <= slots ? i + 2 : 0;
	h->free_head = 1;
	return 0;
}

/**
 * htab_fini() - Free what htab_init() allocated
 * @map:	map
 * @h:		table
 */
void htab_fini(struct vn_map *map, struct htab *h)
{
	uint32_t slots = map->max_entries + 1;

	map_free_mem(map, h->buckets, h->nbuckets, sizeof(*h->buckets));
	map_free_mem(map, h->elems, slots, sizeof(*h->elems));
	map_free_mem(map, h->keys, slots, h->key_size);
	map_free_mem(map, map->values, slots, (size_t)map->ncpus * map->vstride);
	map->values = NULL;
	if (h->lock_ok)
		pthread_mutex_destroy(&h->lock);
}

static inline uint8_t *elem_key(const struct htab *h, uint32_t i)
{
	return h->keys + (size_t)i * h->key_size;
}

/**
 * htab_find() - Element index holding @key (lock held, or inside a read section)
 * @h:		table
 * @key:	key bytes
 * @hash:	htab_hash() of @key
 *
 * Return: index + 1, or 0 if absent
 */
uint32_t htab_find(const struct htab *h, const void *key, uint32_t hash)
{
	uint32_t e = __atomic_load_n(&h->buckets[hash & (h->nbuckets - 1)], __ATOMIC_RELAXED);

	/* At most one visit per slot: a lockless walk racing a writer ends */
	for (uint32_t steps = 0; e && steps < h->slots; steps++) {
		const struct htab_elem *el = &h->elems[e - 1];

		if (__atomic_load_n(&el->hash, __ATOMIC_RELAXED) == hash &&
		    !memcmp(elem_key(h, e - 1), key, h->key_size))
			return e;
		e = __atomic_load_n(&el->next, __ATOMIC_RELAXED);
	}
	return 0;
}

static void lru_unlink(struct htab *h, uint32_t e)
{
	struct htab_elem *el = &h->elems[e - 1];

	if (el->lru_prev)
		h->elems[el->lru_prev - 1].lru_next = el->lru_next;
	else
		h->lru_head = el->lru_next;
	if (el->lru_next)
		h->elems[el->lru_next - 1].lru_prev = el->lru_prev;
	else
		h->lru_tail = el->lru_prev;
	el->lru_prev = el->lru_next = 0;
}

static void lru_push_head(struct htab *h, uint32_t e)
{
	struct htab_elem *el = &h->elems[e - 1];

	el->lru_prev = 0;
	el->lru_next = h->lru_head;
	if (h->lru_head)
		h->elems[h->lru_head - 1].lru_prev = e;
	h->lru_head = e;
	if (!h->lru_tail)
		h->lru_tail = e;
}

/* Take @e out of its bucket chain (lock held) */
static void chain_unlink(struct htab *h, uint32_t e)
{
	uint32_t *pp = &h->buckets[h->elems[e - 1].hash & (h->nbuckets - 1)];

	while (*pp != e)
		pp = &h->elems[*pp - 1].next;
	*pp = h->elems[e - 1].next;
}

/* Return @e to the free list (lock held, already out of its chain) */
static void elem_release(struct htab *h, uint32_t e)
{
	if (h->lru)
		lru_unlink(h, e);
	h->elems[e - 1].next = h->free_head;
	h->free_head = e;
	h->count--;
}

/**
 * htab_remove() - Remove element @e (lock held)
 * @h:		table
 * @e:		index + 1
 */
void htab_remove(struct htab *h, uint32_t e)
{
	chain_unlink(h, e);
	elem_release(h, e);
}

/**
 * htab_insert() - Add @key with a zero value, or replace element @old (lock held)
 * @map:	map
 * @h:		table
 * @key:	key bytes
 * @hash:	its hash
 * @old:	element holding @key now (index + 1), or 0
 *
 * With @old, the new slot takes @old's place in the chain and @old is freed
 * afterwards. A full table evicts its least recent element for LRU maps.
 *
 * Return: index + 1 of the new element (value copies zeroed), or 0 if full
 */
uint32_t htab_insert(struct vn_map *map, struct htab *h, const void *key,
		     uint32_t hash, uint32_t old)
{
	size_t per_elem = (size_t)map->ncpus * map->vstride;
	uint32_t e, *head;

	if (!old && h->count >= map->max_entries) {
		if (!h->lru || !h->lru_tail)
			return 0;
		/* second chance: spare referenced elements once, evict the first other */
		for (uint32_t n = 0; n < h->count &&
		     __atomic_load_n(&h->elems[h->lru_tail - 1].ref, __ATOMIC_RELAXED); n++) {
			uint32_t t = h->lru_tail;

			__atomic_store_n(&h->elems[t - 1].ref, 0, __ATOMIC_RELAXED);
			lru_unlink(h, t);
			lru_push_head(h, t);
		}
		htab_remove(h, h->lru_tail);
	}
	e = h->free_head;
	VN_ASSERT(e);	/* max_entries + 1 slots, at most max_entries used */
	h->free_head = h->elems[e - 1].next;
	h->count++;
	memmove(elem_key(h, e - 1), key, h->key_size);
	memset(map->values + (size_t)(e - 1) * per_elem, 0, per_elem);
	h->elems[e - 1].hash = hash;
	__atomic_store_n(&h->elems[e - 1].ref, 0, __ATOMIC_RELAXED);
	head = &h->buckets[hash & (h->nbuckets - 1)];
	if (old) {
		uint32_t *pp = head;

		while (*pp != old)
			pp = &h->elems[*pp - 1].next;
		h->elems[e - 1].next = h->elems[old - 1].next;
		__atomic_store_n(pp, e, __ATOMIC_RELEASE);
		elem_release(h, old);
	} else {
		h->elems[e - 1].next = *head;
		__atomic_store_n(head, e, __ATOMIC_RELEASE);
	}
	if (h->lru)
		lru_push_head(h, e);
	return e;
}

/**
 * htab_next_key() - Key after @key in bucket order (lock held)
 * @h:		table
 * @key:	current key or NULL
 * @next:	output
 *
 * Return: 0 or -ENOENT after the last key
 */
int htab_next_key(struct htab *h, const void *key, void *next)
{
	uint32_t b = 0, e = 0;

	if (key) {
		uint32_t hash = htab_hash(h, key);

		e = htab_find(h, key, hash);
		if (e) {
			b = (hash & (h->nbuckets - 1)) + 1;
			e = h->elems[e - 1].next;
		}
	}
	for (; !e && b < h->nbuckets; b++)
		e = h->buckets[b];
	if (!e)
		return -ENOENT;
	memcpy(next, elem_key(h, e - 1), h->key_size);
	return 0;
}

/* HASH, PERCPU_HASH, LRU_HASH ops */

static int hash_check(const struct vn_map_attr *attr)
{
	(void)attr;
	return 0;
}

static int hash_init(struct vn_map *map)
{
	struct htab *h = map_impl_new(map, sizeof(*h));

	if (!h)
		return -ENOMEM;
	return htab_init(map, h, map->key_size, map->type == BPF_MAP_TYPE_LRU_HASH);
}

static void hash_fini(struct vn_map *map)
{
	struct htab *h = map->impl;

	if (!h)
		return;
	htab_fini(map, h);
	map_impl_free(map, sizeof(*h));
}

static inline uint8_t *elem_values(struct vn_map *map, uint32_t e)
{
	return map->values + (size_t)(e - 1) * map->ncpus * map->vstride;
}

static int hash_lookup(struct vn_map *map, const void *key, void *value)
{
	struct htab *h = map->impl;
	uint32_t e;

	pthread_mutex_lock(&h->lock);
	e = htab_find(h, key, htab_hash(h, key));
	if (e)
		map_copy_values(map, value, elem_values(map, e));
	pthread_mutex_unlock(&h->lock);
	return e ? 0 : -ENOENT;
}

static int hash_update(struct vn_map *map, const void *key, const void *value,
		       uint64_t flags, int cpu)
{
	struct htab *h = map->impl;
	uint32_t hash = htab_hash(h, key);
	uint32_t old, e;
	int ret = 0;

	pthread_mutex_lock(&h->lock);
	htab_write_begin(h);
	old = htab_find(h, key, hash);
	if (old && flags == BPF_NOEXIST) {
		ret = -EEXIST;
	} else if (!old && flags == BPF_EXIST) {
		ret = -ENOENT;
	} else if (old && map_is_percpu(map->type)) {
		/* Per-CPU values are updated in place, as the kernel does */
		e = old;
		if (cpu < 0)
			map_copy_values(map, elem_values(map, e), value);
		else
			memmove(elem_values(map, e) + (size_t)cpu * map->vstride, value,
			        map->value_size);
	} else {
		e = htab_insert(map, h, key, hash, old);
		if (!e)
			ret = -E2BIG;
		else if (cpu < 0)
			map_copy_values(map, elem_values(map, e), value);
		else
			memmove(elem_values(map, e) + (size_t)cpu * map->vstride, value,
			        map->value_size);
	}
	htab_write_end(h);
	pthread_mutex_unlock(&h->lock);
	return ret;
}

static int hash_delete(struct vn_map *map, const void *key)
{
	struct htab *h = map->impl;
	uint32_t e;

	pthread_mutex_lock(&h->lock);
	htab_write_begin(h);
	e = htab_find(h, key, htab_hash(h, key));
	if (e)
		htab_remove(h, e);
	htab_write_end(h);
	pthread_mutex_unlock(&h->lock);
	return e ? 0 : -ENOENT;
}

static int hash_next_key(struct vn_map *map, const void *key, void *next)
{
	struct htab *h = map->impl;
	int ret;

	pthread_mutex_lock(&h->lock);
	ret = htab_next_key(h, key, next);
	pthread_mutex_unlock(&h->lock);
	return ret;
}

static void *hash_lookup_elem(struct vn_map *map, const void *key, unsigned int cpu)
{
	struct htab *h = map->impl;
	uint32_t hash = htab_hash(h, key), e;

	/* no lock (see map_htab.h); an LRU element gets its reference bit */
	for (int t = 0; t < HTAB_READ_TRIES; t++) {
		uint32_t seq = htab_read_begin(h);

		e = htab_find(h, key, hash);
		if (htab_read_ok(h, seq))
			goto found;
	}
	pthread_mutex_lock(&h->lock);
	e = htab_find(h, key, hash);
	pthread_mutex_unlock(&h->lock);
found:
	/* a writer may recycle the slot after the walk: the bit then spares
	 * the newer element once, which is all it can do */
	if (e && h->lru)
		htab_ref(h, e);
	return e ? elem_values(map, e) + (size_t)cpu * map->vstride : NULL;
}

/**
 * vn_map_htab_count() - Elements in use in a HASH, PERCPU_HASH or LRU_HASH map
 * @map:	a hash-type map
 *
 * Return: the count at the time of the read (writers may change it)
 */
uint32_t vn_map_htab_count(struct vn_map *map)
{
	struct htab *h = map->impl;

	return __atomic_load_n(&h->count, __ATOMIC_RELAXED);
}

const struct vn_map_ops vn_map_htab_ops = VN_MAP_TYPE(hash, hash_next_key);

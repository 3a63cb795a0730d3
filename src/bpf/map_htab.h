/* SPDX-License-Identifier: MIT */
/* map_htab.h - the preallocated hash table under HASH, LRU_HASH and LPM_TRIE */
#ifndef VN_BPF_MAP_HTAB_H
#define VN_BPF_MAP_HTAB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "map_internal.h"

/**
 * struct htab_elem - links of one element slot (indices are slot + 1, 0 = none)
 * @next:	next in the bucket chain, or in the free list
 * @hash:	hash of the key
 * @lru_prev:	more recently inserted or spared neighbour (LRU only)
 * @lru_next:	less recently inserted or spared neighbour (LRU only)
 * @ref:	a program looked the element up since it was last inserted or
 *		spared (LRU only; set without the lock)
 */
struct htab_elem {
	uint32_t next;
	uint32_t hash;
	uint32_t lru_prev;
	uint32_t lru_next;
	uint32_t ref;
};

/**
 * struct htab - table state
 * @lock:	serialises every change and walk
 * @lock_ok:	@lock was initialised
 * @lru:	second-chance list kept, evict when full
 * @key_size:	bytes per key
 * @nbuckets:	power of two
 * @count:	elements in use
 * @free_head:	first free slot
 * @lru_head:	most recently inserted or spared
 * @lru_tail:	next to evict, unless referenced
 * @seq:	sequence count: odd while a writer changes chains or keys
 * @slots:	element slots (max_entries + 1), bounds every chain walk
 * @seed:	per-map hash seeds (getrandom()): the chain state and the word key
 * @buckets:	chain heads
 * @elems:	slot links
 * @keys:	slot keys
 */
struct htab {
	pthread_mutex_t lock;
	bool lock_ok;
	bool lru;
	uint32_t key_size;
	uint32_t nbuckets;
	uint32_t count;
	uint32_t free_head;
	uint32_t lru_head;
	uint32_t lru_tail;
	uint32_t seq;
	uint32_t slots;
	uint64_t seed[2];
	uint32_t *buckets;
	struct htab_elem *elems;
	uint8_t *keys;
};

/*
 * Lockless program lookups (a seqlock, as Linux's seqcount): writers hold
 * the lock and bracket every change of chains or keys with
 * htab_write_begin()/htab_write_end(); a reader walks without the lock and
 * keeps what it found only if the count was even and unchanged around the
 * walk. Walks are bounded by @slots, so a walk racing with a writer ends
 * even if it wanders into a recycled slot's chain; indices are always valid
 * slots, so it never leaves the table. After a few failed tries the reader
 * takes the lock.
 */
static inline void htab_write_begin(struct htab *h)
{
	__atomic_store_n(&h->seq, h->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void htab_write_end(struct htab *h)
{
	__atomic_store_n(&h->seq, h->seq + 1, __ATOMIC_RELEASE);
}

static inline uint32_t htab_read_begin(const struct htab *h)
{
	return __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
}

static inline bool htab_read_ok(const struct htab *h, uint32_t seq)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return !(seq & 1) && __atomic_load_n(&h->seq, __ATOMIC_RELAXED) == seq;
}

#define HTAB_READ_TRIES	4

int htab_init(struct vn_map *map, struct htab *h, uint32_t key_size, bool lru);
void htab_fini(struct vn_map *map, struct htab *h);
uint32_t htab_hash(const struct htab *h, const void *key);
uint32_t htab_find(const struct htab *h, const void *key, uint32_t hash);
uint32_t htab_insert(struct vn_map *map, struct htab *h, const void *key,
		     uint32_t hash, uint32_t old);
void htab_remove(struct htab *h, uint32_t e);

/**
 * htab_ref() - Mark element @e used (a program lookup; no lock needed)
 * @h:		table
 * @e:		index + 1
 */
static inline void htab_ref(struct htab *h, uint32_t e)
{
	uint32_t *ref = &h->elems[e - 1].ref;

	/* a store only when it changes: lookups of a hot element stay reads */
	if (!__atomic_load_n(ref, __ATOMIC_RELAXED))
		__atomic_store_n(ref, 1, __ATOMIC_RELAXED);
}

int htab_next_key(struct htab *h, const void *key, void *next);

#endif /* VN_BPF_MAP_HTAB_H */

// SPDX-License-Identifier: MIT
/* fdb.c - MAC learning table: chained hash, CLOCK eviction, aging
 *
 * Layout: @ents is a fixed array of @cap entries; @buckets holds the index
 * of each chain's first entry (a power of two, twice @cap). Free entries are
 * on a singly linked free list through @next. Dynamic entries are also on a
 * doubly linked "clock" list in the order of @listed_at: insertions go to
 * the tail with listed_at = now, and an entry refreshed since it was listed
 * is moved to the tail (listed_at = last_seen) when the eviction pass
 * reaches it. So the first unrefreshed entry from the head is (to the
 * second, and roughly, since a moved entry keeps its own time) the least
 * recently seen one, and each move is paid for by an earlier refresh.
 * Aging scans the whole array once a second instead.
 * See fdb.h for the locking.
 *
 * Hostile stations (H4). Each learn request carries its source port's MAC
 * limit: a port with that many dynamic entries learns no new address and
 * moves no entry to itself (counted: limit_refused, and macs_refused on
 * the port), so one port cannot flood the table, evict everybody else's
 * entries (their unicast would then flood, to the attacker too) or build
 * long chains. The bucket hash is keyed with a random seed per table, so
 * addresses cannot be picked in advance to share one bucket; it is a keyed
 * mix, not a cryptographic PRF: the per-port limit is what bounds a chain.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/compiler.h"
#include "fdb.h"

#define VN_COUNTER_T struct vn_fdb_stats
const struct vn_counter_desc vn_fdb_counter_descs[VN_FDB_NCOUNTERS] = {
	VN_FDB_COUNTERS(VN_COUNTER_DESC_OF)
};
#undef VN_COUNTER_T

#define FDB_F_USED	1
#define FDB_F_STATIC	2
#define FDB_CAP_MAX	(1u << 22)
#define FDB_NIL		UINT32_MAX

/**
 * struct fdb_ent - one slot
 * @key:	(MAC, VLAN) key
 * @next:	next in the hash chain, or in the free list
 * @lprev:	previous on the clock list (dynamic entries)
 * @lnext:	next on the clock list
 * @last_seen:	last time the source was seen (atomic, refreshed under the read lock)
 * @listed_at:	time the entry took its place on the clock list
 * @port:	port id
 * @flags:	FDB_F_*
 */
struct fdb_ent {
	uint64_t key;
	uint32_t next;
	uint32_t lprev;
	uint32_t lnext;
	uint32_t last_seen;
	uint32_t listed_at;
	uint16_t port;
	uint8_t flags;
};

/**
 * struct vn_fdb - the table
 * @lock:	see fdb.h
 * @cap:	entries in @ents
 * @nbuckets:	power of two
 * @shift:	64 - log2(@nbuckets), for the multiplicative hash
 * @count:	used entries
 * @aging:	seconds
 * @free:	free list head
 * @lhead:	clock list head (least recently listed)
 * @ltail:	clock list tail
 * @seed:	hash key (random per table)
 * @stats:	counters
 * @buckets:	chain heads
 * @ents:	entries
 * @per_port:	dynamic entries per port id
 */
struct vn_fdb {
	pthread_rwlock_t lock;
	uint32_t cap;
	uint32_t nbuckets;
	unsigned int shift;
	uint32_t count;
	uint32_t aging;
	uint32_t free;
	uint32_t lhead;
	uint32_t ltail;
	uint64_t seed;
	struct vn_fdb_stats stats;
	uint32_t *buckets;
	struct fdb_ent *ents;
	uint32_t *per_port;
};

static inline uint32_t hash(const struct vn_fdb *fdb, uint64_t key)
{
	uint64_t x = key ^ fdb->seed;

	/* splitmix64's finaliser over the seeded key: every bit reaches the top */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((x ^ (x >> 31)) >> fdb->shift);
}

static inline void count_add(struct vn_fdb *fdb, const struct fdb_ent *e, int d)
{
	if (!(e->flags & FDB_F_STATIC))
		fdb->per_port[e->port] += (uint32_t)d;
}

static inline uint32_t seen(const struct fdb_ent *e)
{
	return __atomic_load_n(&e->last_seen, __ATOMIC_RELAXED);
}

int vn_fdb_create(uint32_t cap, uint32_t aging_sec, struct vn_fdb **out)
{
	struct vn_fdb *fdb;
	uint32_t i;

	if (!cap)
		cap = VN_FDB_CAP_DEFAULT;
	if (cap > FDB_CAP_MAX)
		return -EINVAL;
	fdb = calloc(1, sizeof(*fdb));
	if (!fdb)
		return -ENOMEM;
	fdb->cap = cap;
	fdb->nbuckets = 2;
	fdb->shift = 63;
	while (fdb->nbuckets < 2 * cap) {
		fdb->nbuckets <<= 1;
		fdb->shift--;
	}
	fdb->aging = aging_sec ? aging_sec : VN_FDB_AGING_DEFAULT;
	fdb->buckets = malloc(sizeof(*fdb->buckets) * fdb->nbuckets);
	fdb->ents = calloc(cap, sizeof(*fdb->ents));
	fdb->per_port = calloc(UINT16_MAX + 1, sizeof(*fdb->per_port));
	/* No entropy yet (early boot): still a different seed per table and run */
	if (getrandom(&fdb->seed, sizeof(fdb->seed), GRND_NONBLOCK) != sizeof(fdb->seed))
		fdb->seed = (uint64_t)(uintptr_t)fdb ^ (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
	if (!fdb->buckets || !fdb->ents || !fdb->per_port) {
		vn_fdb_destroy(fdb);
		return -ENOMEM;
	}
	memset(fdb->buckets, 0xff, sizeof(*fdb->buckets) * fdb->nbuckets);
	for (i = 0; i < cap; i++)
		fdb->ents[i].next = i + 1 < cap ? i + 1 : FDB_NIL;
	fdb->free = 0;
	fdb->lhead = fdb->ltail = FDB_NIL;
	pthread_rwlock_init(&fdb->lock, NULL);
	*out = fdb;
	return 0;
}

void vn_fdb_destroy(struct vn_fdb *fdb)
{
	if (!fdb)
		return;
	if (fdb->ents && fdb->buckets)
		pthread_rwlock_destroy(&fdb->lock);
	free(fdb->buckets);
	free(fdb->ents);
	free(fdb->per_port);
	free(fdb);
}

void vn_fdb_set_aging(struct vn_fdb *fdb, uint32_t aging_sec)
{
	pthread_rwlock_wrlock(&fdb->lock);
	fdb->aging = aging_sec ? aging_sec : 1;
	pthread_rwlock_unlock(&fdb->lock);
}

void vn_fdb_read_lock(struct vn_fdb *fdb)
{
	pthread_rwlock_rdlock(&fdb->lock);
}

void vn_fdb_read_unlock(struct vn_fdb *fdb)
{
	pthread_rwlock_unlock(&fdb->lock);
}

static uint32_t find(const struct vn_fdb *fdb, uint64_t key)
{
	uint32_t i = fdb->buckets[hash(fdb, key)];

	while (i != FDB_NIL && fdb->ents[i].key != key)
		i = fdb->ents[i].next;
	return i;
}

static bool expired(const struct vn_fdb *fdb, const struct fdb_ent *e, uint32_t now)
{
	return !(e->flags & FDB_F_STATIC) && now - seen(e) > fdb->aging;
}

int vn_fdb_lookup(struct vn_fdb *fdb, uint64_t key, uint32_t now)
{
	uint32_t i = find(fdb, key);

	if (i == FDB_NIL || expired(fdb, &fdb->ents[i], now))
		return VN_FDB_NONE;
	return fdb->ents[i].port;
}

bool vn_fdb_learn_fast(struct vn_fdb *fdb, struct vn_fdb_cache *cache, uint64_t key,
		       uint16_t port, uint32_t now)
{
	struct fdb_ent *e;
	uint32_t i;

	/* Same source as last time: skip the hash (VALE's last_smac) */
	if (cache && cache->idx != VN_FDB_IDX_NONE && cache->key == key && cache->port == port &&
	    fdb->ents[cache->idx].key == key && (fdb->ents[cache->idx].flags & FDB_F_USED)) {
		i = cache->idx;
	} else {
		i = find(fdb, key);
		if (i == FDB_NIL)
			return false;
	}
	e = &fdb->ents[i];
	/* Static: never moved; a claim from another port is refused (and
	 * counted) by the bulk pass */
	if (e->flags & FDB_F_STATIC)
		return e->port == port;
	if (e->port != port)
		return false;
	if (seen(e) != now)
		__atomic_store_n(&e->last_seen, now, __ATOMIC_RELAXED);
	if (cache) {
		cache->key = key;
		cache->idx = i;
		cache->port = port;
	}
	return true;
}

static void clock_unlink(struct vn_fdb *fdb, uint32_t i)
{
	struct fdb_ent *e = &fdb->ents[i];

	if (e->lprev != FDB_NIL)
		fdb->ents[e->lprev].lnext = e->lnext;
	else
		fdb->lhead = e->lnext;
	if (e->lnext != FDB_NIL)
		fdb->ents[e->lnext].lprev = e->lprev;
	else
		fdb->ltail = e->lprev;
	e->lprev = e->lnext = FDB_NIL;
}

static void clock_append(struct vn_fdb *fdb, uint32_t i, uint32_t listed_at)
{
	struct fdb_ent *e = &fdb->ents[i];

	e->listed_at = listed_at;
	e->lnext = FDB_NIL;
	e->lprev = fdb->ltail;
	if (fdb->ltail != FDB_NIL)
		fdb->ents[fdb->ltail].lnext = i;
	else
		fdb->lhead = i;
	fdb->ltail = i;
}

/* Take entry @i off its hash chain, the clock list, and put it on the free list */
static void remove_ent(struct vn_fdb *fdb, uint32_t i)
{
	struct fdb_ent *e = &fdb->ents[i];
	uint32_t *pp = &fdb->buckets[hash(fdb, e->key)];

	while (*pp != i)
		pp = &fdb->ents[*pp].next;
	*pp = e->next;
	count_add(fdb, e, -1);
	if (!(e->flags & FDB_F_STATIC))
		clock_unlink(fdb, i);
	e->flags = 0;
	e->key = 0;
	e->next = fdb->free;
	fdb->free = i;
	fdb->count--;
}

/* Evict the least recently seen dynamic entry; false if there is none */
static bool evict_oldest(struct vn_fdb *fdb)
{
	uint32_t i;

	while ((i = fdb->lhead) != FDB_NIL) {
		struct fdb_ent *e = &fdb->ents[i];

		/* Refreshed since it was listed: give it its place back at the tail */
		if (seen(e) != e->listed_at) {
			clock_unlink(fdb, i);
			clock_append(fdb, i, seen(e));
			continue;
		}
		remove_ent(fdb, i);
		fdb->stats.evicted++;
		return true;
	}
	return false;
}

static uint32_t insert(struct vn_fdb *fdb, uint64_t key, uint16_t port, uint8_t flags,
		       uint32_t now)
{
	struct fdb_ent *e;
	uint32_t i, b;

	if (fdb->free == FDB_NIL && !evict_oldest(fdb))
		return FDB_NIL;
	i = fdb->free;
	e = &fdb->ents[i];
	fdb->free = e->next;
	b = hash(fdb, key);
	e->key = key;
	e->port = port;
	e->flags = FDB_F_USED | flags;
	e->last_seen = now;
	e->lprev = e->lnext = FDB_NIL;
	count_add(fdb, e, 1);
	if (!(flags & FDB_F_STATIC))
		clock_append(fdb, i, now);
	e->next = fdb->buckets[b];
	/* Publish after the fields: readers only run when we hold the write lock,
	 * so ordering is given by the lock, this store is ordinary. */
	fdb->buckets[b] = i;
	fdb->count++;
	return i;
}

/* Port @port already holds its limit of @max dynamic entries (0: no limit) */
static bool at_limit(struct vn_fdb *fdb, uint16_t port, uint32_t max)
{
	if (!max || fdb->per_port[port] < max)
		return false;
	fdb->stats.limit_refused++;
	return true;
}

/* Return: false if the port's limit refused it */
static bool learn_one(struct vn_fdb *fdb, const struct vn_fdb_learn_req *r, uint32_t now)
{
	uint32_t i = find(fdb, r->key);
	struct fdb_ent *e;

	if (i == FDB_NIL) {
		if (at_limit(fdb, r->port, r->max))
			return false;
		if (insert(fdb, r->key, r->port, 0, now) != FDB_NIL)
			fdb->stats.learned++;
		return true;
	}
	e = &fdb->ents[i];
	if (e->flags & FDB_F_STATIC) {
		if (e->port != r->port)
			fdb->stats.static_refused++;
		return true;
	}
	if (e->port != r->port) {
		if (at_limit(fdb, r->port, r->max))
			return false;
		count_add(fdb, e, -1);
		e->port = r->port;
		count_add(fdb, e, 1);
		fdb->stats.moved++;
	}
	e->last_seen = now;
	return true;
}

unsigned int vn_fdb_learn_bulk(struct vn_fdb *fdb, const struct vn_fdb_learn_req *reqs,
			       unsigned int n, uint32_t now)
{
	unsigned int k, refused = 0;

	if (!n)
		return 0;
	pthread_rwlock_wrlock(&fdb->lock);
	for (k = 0; k < n; k++)
		refused += !learn_one(fdb, &reqs[k], now);
	pthread_rwlock_unlock(&fdb->lock);
	return refused;
}

uint32_t vn_fdb_port_count(struct vn_fdb *fdb, uint16_t port)
{
	uint32_t n;

	pthread_rwlock_rdlock(&fdb->lock);
	n = fdb->per_port[port];
	pthread_rwlock_unlock(&fdb->lock);
	return n;
}

int vn_fdb_static_add(struct vn_fdb *fdb, const uint8_t *mac, uint16_t vlan, uint16_t port)
{
	uint64_t key = vn_fdb_key(mac, vlan);
	uint32_t i;
	int rc = 0;

	pthread_rwlock_wrlock(&fdb->lock);
	i = find(fdb, key);
	if (i != FDB_NIL)
		remove_ent(fdb, i);
	if (insert(fdb, key, port, FDB_F_STATIC, 0) == FDB_NIL)
		rc = -ENOSPC;
	pthread_rwlock_unlock(&fdb->lock);
	return rc;
}

int vn_fdb_static_port(struct vn_fdb *fdb, const uint8_t *mac, uint16_t vlan)
{
	uint32_t i;
	int rc = -ENOENT;

	pthread_rwlock_rdlock(&fdb->lock);
	i = find(fdb, vn_fdb_key(mac, vlan));
	if (i != FDB_NIL && (fdb->ents[i].flags & FDB_F_STATIC))
		rc = fdb->ents[i].port;
	pthread_rwlock_unlock(&fdb->lock);
	return rc;
}

int vn_fdb_del(struct vn_fdb *fdb, const uint8_t *mac, uint16_t vlan)
{
	uint32_t i;
	int rc = 0;

	pthread_rwlock_wrlock(&fdb->lock);
	i = find(fdb, vn_fdb_key(mac, vlan));
	if (i == FDB_NIL)
		rc = -ENOENT;
	else
		remove_ent(fdb, i);
	pthread_rwlock_unlock(&fdb->lock);
	return rc;
}

unsigned int vn_fdb_age(struct vn_fdb *fdb, uint32_t now)
{
	unsigned int n = 0;
	uint32_t i;

	/* A full scan, once a second: the clock list is only roughly ordered by
	 * last_seen (moves keep a refreshed entry's own time), and 8192 entries
	 * take microseconds. */
	pthread_rwlock_wrlock(&fdb->lock);
	for (i = 0; i < fdb->cap; i++) {
		struct fdb_ent *e = &fdb->ents[i];

		if (!(e->flags & FDB_F_USED) || !expired(fdb, e, now))
			continue;
		remove_ent(fdb, i);
		fdb->stats.aged++;
		n++;
	}
	pthread_rwlock_unlock(&fdb->lock);
	return n;
}

unsigned int vn_fdb_flush(struct vn_fdb *fdb, int port, bool with_static)
{
	unsigned int n = 0;
	uint32_t i;

	pthread_rwlock_wrlock(&fdb->lock);
	for (i = 0; i < fdb->cap; i++) {
		struct fdb_ent *e = &fdb->ents[i];

		if (!(e->flags & FDB_F_USED))
			continue;
		if ((e->flags & FDB_F_STATIC) && !with_static)
			continue;
		if (port >= 0 && e->port != port)
			continue;
		remove_ent(fdb, i);
		n++;
	}
	pthread_rwlock_unlock(&fdb->lock);
	return n;
}

int vn_fdb_dump(struct vn_fdb *fdb, uint32_t now,
		int (*cb)(const struct vn_fdb_entry *e, void *arg), void *arg)
{
	struct vn_fdb_entry out;
	uint32_t i;
	int rc = 0;

	pthread_rwlock_rdlock(&fdb->lock);
	for (i = 0; i < fdb->cap && !rc; i++) {
		const struct fdb_ent *e = &fdb->ents[i];
		unsigned int k;

		if (!(e->flags & FDB_F_USED) || expired(fdb, e, now))
			continue;
		for (k = 0; k < 6; k++)
			out.mac[k] = (uint8_t)(e->key >> (40 - 8 * k));
		out.vlan = (uint16_t)(e->key >> 48);
		out.port_id = e->port;
		out.is_static = e->flags & FDB_F_STATIC;
		out.age_sec = out.is_static ? 0 : now - seen(e);
		rc = cb(&out, arg);
	}
	pthread_rwlock_unlock(&fdb->lock);
	return rc;
}

uint32_t vn_fdb_count(struct vn_fdb *fdb)
{
	uint32_t n;

	pthread_rwlock_rdlock(&fdb->lock);
	n = fdb->count;
	pthread_rwlock_unlock(&fdb->lock);
	return n;
}

void vn_fdb_get_stats(struct vn_fdb *fdb, struct vn_fdb_stats *st)
{
	pthread_rwlock_rdlock(&fdb->lock);
	*st = fdb->stats;
	pthread_rwlock_unlock(&fdb->lock);
}

/* SPDX-License-Identifier: MIT */
/* fdb.h - MAC learning table: (MAC, VLAN) -> port, aging, static entries, bounded size
 *
 * Concurrency: one pthread rwlock per table, taken once per burst, never per
 * packet. A worker brackets its classification pass with
 * vn_fdb_read_lock()/vn_fdb_read_unlock(); inside, vn_fdb_lookup() and the
 * fast half of learning (vn_fdb_learn_fast(): the source is already known on
 * the same port, so only its timestamp moves, a relaxed atomic store) run
 * under the shared lock, so several workers classify in parallel. The rare
 * writes (a new MAC, a MAC that moved, aging, static entries, flushes) are
 * collected per burst and applied under the exclusive lock in one go
 * (vn_fdb_learn_bulk()). We chose this over a per-entry seqlock because the
 * table's writes are structural (hash chains, the eviction list, a free
 * list): a seqlock per entry protects an entry's fields but not a chain walk
 * racing with an unlink, and the steady state (all sources known) takes no
 * exclusive lock at all, so the rwlock costs two uncontended atomics per
 * burst.
 *
 * Bounds: the table holds at most @cap dynamic entries. A guest spraying
 * source MACs evicts the least recently seen entries (a CLOCK pass over the
 * insertion list, bounded per insertion) and each eviction is counted; static
 * entries are never evicted and never moved by learning.
 */
#ifndef VN_SWITCH_FDB_H
#define VN_SWITCH_FDB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/counters.h"

#define VN_FDB_NONE		(-1)	/* lookup miss */
#define VN_FDB_CAP_DEFAULT	8192
#define VN_FDB_AGING_DEFAULT	300

/**
 * struct vn_fdb_entry - one entry as shown to the control thread
 * @mac:	station address
 * @vlan:	VLAN id (0: untagged / native)
 * @port_id:	port the address was learned on (or set statically)
 * @age_sec:	seconds since the address was last seen (0 for static)
 * @is_static:	set by the operator, never aged, evicted or moved
 */
struct vn_fdb_entry {
	uint8_t mac[6];
	uint16_t vlan;
	uint16_t port_id;
	uint32_t age_sec;
	bool is_static;
};

/**
 * struct vn_fdb_stats - table counters (written under the exclusive lock)
 * @learned:	new dynamic entries
 * @moved:	entries whose port changed
 * @evicted:	entries pushed out because the table was full
 * @aged:	entries removed by aging
 * @static_refused: learn attempts that would have moved a static entry
 * @limit_refused: learns and moves refused by the source port's MAC limit
 */
#define VN_FDB_COUNTERS(X)	\
	X(learned) X(moved) X(evicted) X(aged) X(static_refused) X(limit_refused)

VN_COUNTERS_DECLARE(struct vn_fdb_stats, VN_FDB_COUNTERS, VN_FDB_NCOUNTERS, vn_fdb_counter_descs);

/**
 * struct vn_fdb_cache - a worker's last-source cache (netmap VALE's last_smac)
 * @key:	(MAC, VLAN) key of the last learned source, 0 if none
 * @idx:	its entry index
 * @port:	its port
 *
 * Owned by one worker, zero it with vn_fdb_cache_init(). Checked against
 * the entry under the read lock, so a stale cache (entry evicted and
 * reused) is detected, not trusted.
 */
struct vn_fdb_cache {
	uint64_t key;
	uint32_t idx;
	uint16_t port;
};

/**
 * struct vn_fdb_learn_req - a learn that needs the exclusive lock
 * @key:	(MAC, VLAN) key, see vn_fdb_key()
 * @port:	port it was seen on
 * @max:	most dynamic entries @port may hold (0: no limit)
 */
struct vn_fdb_learn_req {
	uint64_t key;
	uint16_t port;
	uint32_t max;
};

struct vn_fdb;

#define VN_FDB_IDX_NONE		UINT32_MAX

static inline void vn_fdb_cache_init(struct vn_fdb_cache *c)
{
	c->key = 0;
	c->idx = VN_FDB_IDX_NONE;
	c->port = 0;
}

/**
 * vn_fdb_key() - Pack a MAC and a VLAN id into a 64-bit key
 * @mac:	6 bytes
 * @vlan:	VLAN id, 0-4095
 *
 * Return: key: VLAN in bits 48-59, MAC in bits 0-47
 */
static inline uint64_t vn_fdb_key(const uint8_t *mac, uint16_t vlan)
{
	return (uint64_t)mac[0] << 40 | (uint64_t)mac[1] << 32 | (uint64_t)mac[2] << 24 |
	       (uint64_t)mac[3] << 16 | (uint64_t)mac[4] << 8 | mac[5] |
	       (uint64_t)(vlan & 0xfff) << 48;
}

/**
 * vn_fdb_create() - Make an empty table
 * @cap:	most dynamic entries (0: VN_FDB_CAP_DEFAULT), at most 1 << 22
 * @aging_sec:	seconds an unseen dynamic entry lives (0: VN_FDB_AGING_DEFAULT)
 * @out:	the table
 *
 * Return: 0, -EINVAL for a bad @cap, -ENOMEM
 */
int vn_fdb_create(uint32_t cap, uint32_t aging_sec, struct vn_fdb **out);

/**
 * vn_fdb_destroy() - Free a table
 * @fdb:	table, may be NULL
 */
void vn_fdb_destroy(struct vn_fdb *fdb);

/**
 * vn_fdb_set_aging() - Change the aging time
 * @fdb:	table
 * @aging_sec:	seconds, 1 or more
 */
void vn_fdb_set_aging(struct vn_fdb *fdb, uint32_t aging_sec);

/**
 * vn_fdb_read_lock() - Enter a read section (once per burst)
 * @fdb:	table
 */
void vn_fdb_read_lock(struct vn_fdb *fdb);

/**
 * vn_fdb_read_unlock() - Leave a read section
 * @fdb:	table
 */
void vn_fdb_read_unlock(struct vn_fdb *fdb);

/**
 * vn_fdb_lookup() - Port for a destination (inside a read section)
 * @fdb:	table
 * @key:	vn_fdb_key(dst MAC, VLAN)
 * @now:	current time in seconds (an aged-out entry is a miss)
 *
 * Return: port id, or VN_FDB_NONE
 */
int vn_fdb_lookup(struct vn_fdb *fdb, uint64_t key, uint32_t now);

/**
 * vn_fdb_learn_fast() - Refresh a known source (inside a read section)
 * @fdb:	table
 * @cache:	the worker's last-source cache, may be NULL
 * @key:	vn_fdb_key(src MAC, VLAN)
 * @port:	ingress port id
 * @now:	current time in seconds
 *
 * Return: true if done (known on @port, timestamp refreshed, or a static
 *	   entry), false if the caller must queue a vn_fdb_learn_bulk() request
 */
bool vn_fdb_learn_fast(struct vn_fdb *fdb, struct vn_fdb_cache *cache, uint64_t key,
		       uint16_t port, uint32_t now);

/**
 * vn_fdb_learn_bulk() - Apply queued learns under the exclusive lock (once)
 * @fdb:	table (not inside a read section)
 * @reqs:	requests
 * @n:		count
 * @now:	current time in seconds
 *
 * A request whose port already holds @max dynamic entries neither adds
 * an entry nor moves one to that port.
 *
 * Return: requests refused by their port's limit
 */
unsigned int vn_fdb_learn_bulk(struct vn_fdb *fdb, const struct vn_fdb_learn_req *reqs,
			       unsigned int n, uint32_t now);

/**
 * vn_fdb_port_count() - Dynamic entries that point to @port
 * @fdb:	table
 * @port:	port id
 *
 * Return: count
 */
uint32_t vn_fdb_port_count(struct vn_fdb *fdb, uint16_t port);

/**
 * vn_fdb_static_add() - Add or replace a static entry
 * @fdb:	table
 * @mac:	address
 * @vlan:	VLAN id
 * @port:	port id
 *
 * Return: 0, -ENOSPC if there is no room even after evicting a dynamic entry
 */
int vn_fdb_static_add(struct vn_fdb *fdb, const uint8_t *mac, uint16_t vlan, uint16_t port);

/**
 * vn_fdb_static_port() - Port a static entry pins (MAC, VLAN) to
 * @fdb:	table
 * @mac:	address
 * @vlan:	VLAN id
 *
 * Return: the port id, or -ENOENT if there is no static entry for the key
 */
int vn_fdb_static_port(struct vn_fdb *fdb, const uint8_t *mac, uint16_t vlan);

/**
 * vn_fdb_del() - Remove an entry (static or dynamic)
 * @fdb:	table
 * @mac:	address
 * @vlan:	VLAN id
 *
 * Return: 0, -ENOENT
 */
int vn_fdb_del(struct vn_fdb *fdb, const uint8_t *mac, uint16_t vlan);

/**
 * vn_fdb_age() - Remove dynamic entries unseen for longer than the aging time
 * @fdb:	table
 * @now:	current time in seconds
 *
 * Return: entries removed
 */
unsigned int vn_fdb_age(struct vn_fdb *fdb, uint32_t now);

/**
 * vn_fdb_flush() - Remove the entries of one port, or all
 * @fdb:	table
 * @port:	port id, or -1 for every port
 * @with_static: remove static entries too (a port going away)
 *
 * Return: entries removed
 */
unsigned int vn_fdb_flush(struct vn_fdb *fdb, int port, bool with_static);

/**
 * vn_fdb_dump() - Call @cb for each live entry (under the read lock)
 * @fdb:	table
 * @now:	current time in seconds, for age_sec
 * @cb:		callback; non-zero stops the walk and is returned
 * @arg:	for @cb
 *
 * Return: 0, or what @cb returned
 */
int vn_fdb_dump(struct vn_fdb *fdb, uint32_t now,
		int (*cb)(const struct vn_fdb_entry *e, void *arg), void *arg);

/**
 * vn_fdb_count() - Entries in the table (dynamic + static)
 * @fdb:	table
 *
 * Return: count
 */
uint32_t vn_fdb_count(struct vn_fdb *fdb);

/**
 * vn_fdb_get_stats() - Copy the counters
 * @fdb:	table
 * @st:		output
 */
void vn_fdb_get_stats(struct vn_fdb *fdb, struct vn_fdb_stats *st);

#endif /* VN_SWITCH_FDB_H */

// SPDX-License-Identifier: MIT
/* test_fdb.c - learning table: learn, move, static, aging, bounded size, random ops vs a naive reference */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "switch/fdb.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static void learn(struct vn_fdb *fdb, uint64_t key, uint16_t port, uint32_t now)
{
	struct vn_fdb_learn_req r = { .key = key, .port = port };
	bool done;

	vn_fdb_read_lock(fdb);
	done = vn_fdb_learn_fast(fdb, NULL, key, port, now);
	vn_fdb_read_unlock(fdb);
	if (!done)
		vn_fdb_learn_bulk(fdb, &r, 1, now);
}

static int lookup(struct vn_fdb *fdb, uint64_t key, uint32_t now)
{
	int p;

	vn_fdb_read_lock(fdb);
	p = vn_fdb_lookup(fdb, key, now);
	vn_fdb_read_unlock(fdb);
	return p;
}

static void test_fdb_learn_move_vlan(void **state)
{
	struct vn_fdb *fdb;
	struct vn_fdb_stats st;

	(void)state;
	assert_int_equal(vn_fdb_create(16, 300, &fdb), 0);
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_a, 0), 1), VN_FDB_NONE);
	learn(fdb, vn_fdb_key(mac_a, 0), 3, 1);
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_a, 0), 1), 3);
	/* Same MAC on another VLAN is another station */
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_a, 10), 1), VN_FDB_NONE);
	learn(fdb, vn_fdb_key(mac_a, 10), 4, 1);
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_a, 10), 1), 4);
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_a, 0), 1), 3);
	/* A station that moves follows */
	learn(fdb, vn_fdb_key(mac_a, 0), 5, 2);
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_a, 0), 2), 5);
	vn_fdb_get_stats(fdb, &st);
	assert_int_equal(st.learned, 2);
	assert_int_equal(st.moved, 1);
	assert_int_equal(vn_fdb_count(fdb), 2);
	vn_fdb_destroy(fdb);
}

static void test_fdb_aging(void **state)
{
	struct vn_fdb *fdb;

	(void)state;
	assert_int_equal(vn_fdb_create(16, 10, &fdb), 0);
	learn(fdb, vn_fdb_key(mac_a, 0), 1, 100);
	learn(fdb, vn_fdb_key(mac_b, 0), 2, 100);
	learn(fdb, vn_fdb_key(mac_a, 0), 1, 105);	/* a stays alive */
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_b, 0), 110), 2);	/* exactly the aging time */
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_b, 0), 111), VN_FDB_NONE);
	assert_int_equal(vn_fdb_age(fdb, 111), 1);
	assert_int_equal(vn_fdb_count(fdb), 1);
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_a, 0), 111), 1);
	assert_int_equal(vn_fdb_age(fdb, 116), 1);
	assert_int_equal(vn_fdb_count(fdb), 0);
	vn_fdb_destroy(fdb);
}

static void test_fdb_static(void **state)
{
	struct vn_fdb *fdb;
	struct vn_fdb_stats st;

	(void)state;
	assert_int_equal(vn_fdb_create(4, 10, &fdb), 0);
	assert_int_equal(vn_fdb_static_add(fdb, mac_a, 0, 7), 0);
	/* A guest claiming a static MAC does not move it */
	learn(fdb, vn_fdb_key(mac_a, 0), 2, 1);
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_a, 0), 1), 7);
	/* never ages */
	assert_int_equal(vn_fdb_age(fdb, 100000), 0);
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_a, 0), 100000), 7);
	vn_fdb_get_stats(fdb, &st);
	assert_int_equal(st.static_refused, 1);
	/* flush of dynamic entries keeps it, a port removal does not */
	assert_int_equal(vn_fdb_flush(fdb, 7, false), 0);
	assert_int_equal(vn_fdb_flush(fdb, 7, true), 1);
	assert_int_equal(vn_fdb_del(fdb, mac_a, 0), -ENOENT);
	vn_fdb_destroy(fdb);
}

/* A guest spraying source MACs: the table stays at its cap, oldest go first */
static void test_fdb_bounded_evicts_oldest(void **state)
{
	struct vn_fdb *fdb;
	struct vn_fdb_stats st;
	uint8_t mac[6] = { 0x02, 0xee, 0, 0, 0, 0 };
	uint32_t k;

	(void)state;
	assert_int_equal(vn_fdb_create(64, 100000, &fdb), 0);
	assert_int_equal(vn_fdb_static_add(fdb, mac_b, 0, 9), 0);
	learn(fdb, vn_fdb_key(mac_a, 0), 1, 1);	/* a real station, kept alive */
	for (k = 0; k < 10000; k++) {
		mac[3] = k >> 16;
		mac[4] = k >> 8;
		mac[5] = k;
		learn(fdb, vn_fdb_key(mac, 0), 2, 2 + k);
		learn(fdb, vn_fdb_key(mac_a, 0), 1, 2 + k);
		assert_true(vn_fdb_count(fdb) <= 64);
	}
	vn_fdb_get_stats(fdb, &st);
	assert_int_equal(vn_fdb_count(fdb), 64);
	assert_int_equal(st.learned, 10001);
	assert_int_equal(st.evicted, 10001 - 63);
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_a, 0), 10002), 1);
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_b, 0), 10002), 9);
	/* the newest sprayed MAC is there, the first one is long gone */
	assert_int_equal(lookup(fdb, vn_fdb_key(mac, 0), 10002), 2);
	mac[3] = mac[4] = mac[5] = 0;
	assert_int_equal(lookup(fdb, vn_fdb_key(mac, 0), 10002), VN_FDB_NONE);
	vn_fdb_destroy(fdb);
}


static unsigned int learn_max(struct vn_fdb *fdb, uint64_t key, uint16_t port, uint32_t max,
			      uint32_t now)
{
	struct vn_fdb_learn_req r = { .key = key, .port = port, .max = max };
	bool done;

	vn_fdb_read_lock(fdb);
	done = vn_fdb_learn_fast(fdb, NULL, key, port, now);
	vn_fdb_read_unlock(fdb);
	return done ? 0 : vn_fdb_learn_bulk(fdb, &r, 1, now);
}

/*
 * H4: a port spraying source MACs stops at its limit: nothing else is
 * evicted, no entry moves to it past the limit (a spoofed victim stays
 * where it is), and what it frees (aging, flush) it may learn again.
 */
static void test_fdb_per_port_limit(void **state)
{
	uint8_t mac[6] = { 0x02, 0xee, 0, 0, 0, 0 };
	struct vn_fdb_stats st;
	struct vn_fdb *fdb;
	unsigned int refused = 0;
	uint32_t k;

	(void)state;
	assert_int_equal(vn_fdb_create(64, 100, &fdb), 0);
	learn(fdb, vn_fdb_key(mac_a, 0), 1, 1);		/* the victim, on port 1 */
	for (k = 0; k < 1000; k++) {
		mac[4] = k >> 8;
		mac[5] = k;
		refused += learn_max(fdb, vn_fdb_key(mac, 0), 2, 8, 2);
	}
	assert_int_equal(refused, 1000 - 8);
	assert_int_equal(vn_fdb_port_count(fdb, 2), 8);
	assert_int_equal(vn_fdb_count(fdb), 9);
	/* Known addresses of its own still refresh; the victim's does not move to it */
	mac[4] = 0;
	mac[5] = 3;
	assert_int_equal(learn_max(fdb, vn_fdb_key(mac, 0), 2, 8, 3), 0);
	assert_int_equal(learn_max(fdb, vn_fdb_key(mac_a, 0), 2, 8, 3), 1);
	assert_int_equal(lookup(fdb, vn_fdb_key(mac_a, 0), 3), 1);
	vn_fdb_get_stats(fdb, &st);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(st.limit_refused, 1000 - 8 + 1);
	/* Below its limit a move is allowed, and counted on both sides */
	assert_int_equal(learn_max(fdb, vn_fdb_key(mac_a, 0), 3, 8, 3), 0);
	assert_int_equal(vn_fdb_port_count(fdb, 1), 0);
	assert_int_equal(vn_fdb_port_count(fdb, 3), 1);
	/* Entries that go make room */
	assert_int_equal(vn_fdb_flush(fdb, 2, false), 8);
	assert_int_equal(vn_fdb_port_count(fdb, 2), 0);
	mac[5] = 200;
	assert_int_equal(learn_max(fdb, vn_fdb_key(mac, 0), 2, 8, 4), 0);
	assert_int_equal(vn_fdb_age(fdb, 200), 2);
	assert_int_equal(vn_fdb_port_count(fdb, 2), 0);
	assert_int_equal(vn_fdb_port_count(fdb, 3), 0);
	/* Static entries are the operator's: never counted */
	assert_int_equal(vn_fdb_static_add(fdb, mac_b, 0, 2), 0);
	assert_int_equal(vn_fdb_port_count(fdb, 2), 0);
	vn_fdb_destroy(fdb);
}

static void test_fdb_cache_detects_reuse(void **state)
{
	struct vn_fdb *fdb;
	struct vn_fdb_cache c;

	(void)state;
	vn_fdb_cache_init(&c);
	assert_int_equal(vn_fdb_create(4, 300, &fdb), 0);
	learn(fdb, vn_fdb_key(mac_a, 0), 1, 1);
	vn_fdb_read_lock(fdb);
	assert_true(vn_fdb_learn_fast(fdb, &c, vn_fdb_key(mac_a, 0), 1, 2));
	vn_fdb_read_unlock(fdb);
	assert_int_equal(vn_fdb_del(fdb, mac_a, 0), 0);
	learn(fdb, vn_fdb_key(mac_b, 0), 1, 2);	/* may reuse the slot */
	vn_fdb_read_lock(fdb);
	assert_false(vn_fdb_learn_fast(fdb, &c, vn_fdb_key(mac_a, 0), 1, 3));
	vn_fdb_read_unlock(fdb);
	vn_fdb_destroy(fdb);
}

/* The deliberately naive reference: an array searched linearly */
struct horrible_ent {
	uint64_t key;
	uint16_t port;
	uint32_t seen;
	bool used;
};

#define REF_N	512
static struct horrible_ent horrible[REF_N];

static int horrible_lookup(uint64_t key, uint32_t now, uint32_t aging)
{
	for (int i = 0; i < REF_N; i++)
		if (horrible[i].used && horrible[i].key == key)
			return now - horrible[i].seen > aging ? VN_FDB_NONE : horrible[i].port;
	return VN_FDB_NONE;
}

static void horrible_learn(uint64_t key, uint16_t port, uint32_t now)
{
	int fr = -1;

	for (int i = 0; i < REF_N; i++) {
		if (horrible[i].used && horrible[i].key == key) {
			horrible[i].port = port;
			horrible[i].seen = now;
			return;
		}
		if (!horrible[i].used && fr < 0)
			fr = i;
	}
	assert_true(fr >= 0);
	horrible[fr] = (struct horrible_ent){ key, port, now, true };
}

static void horrible_age(uint32_t now, uint32_t aging)
{
	for (int i = 0; i < REF_N; i++)
		if (horrible[i].used && now - horrible[i].seen > aging)
			horrible[i].used = false;
}

static unsigned int horrible_count(void)
{
	unsigned int n = 0;

	for (int i = 0; i < REF_N; i++)
		n += horrible[i].used;
	return n;
}

/* Random learns, lookups, aging and flushes over 200 keys: same answers */
static void test_fdb_random_vs_reference(void **state)
{
	struct vn_fdb *fdb;
	uint32_t now = 1000;
	unsigned int seed = 4242, op;

	(void)state;
	memset(horrible, 0, sizeof(horrible));
	assert_int_equal(vn_fdb_create(REF_N, 20, &fdb), 0);
	for (op = 0; op < 200000; op++) {
		unsigned int r = (unsigned int)rand_r(&seed);
		uint8_t mac[6] = { 0x02, 0, 0, 0, (uint8_t)(r >> 8), (uint8_t)((r >> 16) % 100) };
		uint64_t key = vn_fdb_key(mac, (r >> 24) & 1);
		uint16_t port = (r >> 4) % 5;

		switch (r % 16) {
		case 0:
			now += (r >> 8) % 4;
			break;
		case 1:
			vn_fdb_age(fdb, now);
			horrible_age(now, 20);
			assert_int_equal(vn_fdb_count(fdb), horrible_count());
			break;
		case 2:
			if ((r >> 8) % 64 == 0) {
				vn_fdb_flush(fdb, port, false);
				for (int i = 0; i < REF_N; i++)
					if (horrible[i].port == port)
						horrible[i].used = false;
			}
			break;
		case 3: case 4: case 5: case 6: case 7: case 8:
			learn(fdb, key, port, now);
			horrible_learn(key, port, now);
			break;
		default:
			assert_int_equal(lookup(fdb, key, now), horrible_lookup(key, now, 20));
			break;
		}
	}
	vn_fdb_destroy(fdb);
}

static int count_cb(const struct vn_fdb_entry *e, void *arg)
{
	(*(unsigned int *)arg)++;
	assert_true(e->vlan == 0 || e->vlan == 10);
	return 0;
}

static void test_fdb_dump(void **state)
{
	struct vn_fdb *fdb;
	unsigned int n = 0;

	(void)state;
	assert_int_equal(vn_fdb_create(8, 300, &fdb), 0);
	learn(fdb, vn_fdb_key(mac_a, 10), 1, 1);
	assert_int_equal(vn_fdb_static_add(fdb, mac_b, 0, 2), 0);
	assert_int_equal(vn_fdb_dump(fdb, 5, count_cb, &n), 0);
	assert_int_equal(n, 2);
	vn_fdb_destroy(fdb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fdb_learn_move_vlan),
		cmocka_unit_test(test_fdb_aging),
		cmocka_unit_test(test_fdb_static),
		cmocka_unit_test(test_fdb_bounded_evicts_oldest),
		cmocka_unit_test(test_fdb_per_port_limit),
		cmocka_unit_test(test_fdb_cache_detects_reuse),
		cmocka_unit_test(test_fdb_random_vs_reference),
		cmocka_unit_test(test_fdb_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

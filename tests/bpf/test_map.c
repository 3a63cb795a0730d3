// SPDX-License-Identifier: MIT
/* test_map.c - eBPF maps: kernel flag semantics, LRU eviction, LPM against a naive scan, caps */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bpf/map.h"

static struct vn_map *mk(uint32_t type, uint32_t ks, uint32_t vs, uint32_t n, unsigned int ncpus)
{
	struct vn_map_attr a = { .type = type, .key_size = ks, .value_size = vs,
				 .max_entries = n, .ncpus = ncpus, .name = "t" };
	struct vn_map *m = NULL;

	assert_int_equal(vn_map_create(&a, NULL, &m), 0);
	return m;
}

static void test_map_array_semantics(void **state)
{
	struct vn_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 12, 3, 1);
	uint32_t k, nk;
	uint8_t v[12], out[12];

	(void)state;
	memset(v, 0xab, sizeof(v));
	k = 1;
	assert_int_equal(vn_map_update(m, &k, v, BPF_ANY), 0);
	assert_int_equal(vn_map_update(m, &k, v, BPF_EXIST), 0);
	assert_int_equal(vn_map_update(m, &k, v, BPF_NOEXIST), -EEXIST);
	assert_int_equal(vn_map_update(m, &k, v, 3), -EINVAL);	/* unknown flag */
	assert_int_equal(vn_map_lookup(m, &k, out), 0);
	assert_memory_equal(out, v, 12);
	k = 0;	/* elements exist from the start, zeroed */
	assert_int_equal(vn_map_lookup(m, &k, out), 0);
	assert_int_equal(out[0], 0);
	k = 3;	/* one past the end */
	assert_int_equal(vn_map_lookup(m, &k, out), -ENOENT);
	assert_int_equal(vn_map_update(m, &k, v, BPF_ANY), -E2BIG);
	assert_null(vn_map_lookup_elem(m, &k, 0));
	k = 0xffffffff;
	assert_null(vn_map_lookup_elem(m, &k, 0));
	k = 1;
	assert_int_equal(vn_map_delete(m, &k), -EINVAL);
	/* Walk: NULL -> 0 -> 1 -> 2 -> end; unknown key restarts */
	assert_int_equal(vn_map_get_next_key(m, NULL, &nk), 0);
	assert_int_equal(nk, 0);
	k = 1;
	assert_int_equal(vn_map_get_next_key(m, &k, &nk), 0);
	assert_int_equal(nk, 2);
	k = 2;
	assert_int_equal(vn_map_get_next_key(m, &k, &nk), -ENOENT);
	k = 77;
	assert_int_equal(vn_map_get_next_key(m, &k, &nk), 0);
	assert_int_equal(nk, 0);
	/* The program's pointer is inside the arena, at the value */
	k = 1;
	uint8_t *p = vn_map_lookup_elem(m, &k, 0);
	assert_non_null(p);
	assert_true(p >= m->values && p + 12 <= m->values + m->arena_size);
	assert_int_equal(p[11], 0xab);
	vn_map_free(m);
}

static void test_map_percpu_array_layout(void **state)
{
	struct vn_map *m = mk(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2, 3);
	uint32_t k = 1, v = 7;
	uint64_t all[3];	/* 3 cpus x round_up(4, 8) */

	(void)state;
	assert_int_equal(vn_map_update_elem(m, &k, &v, BPF_ANY, 2), 0);
	uint32_t *p0 = vn_map_lookup_elem(m, &k, 0), *p2 = vn_map_lookup_elem(m, &k, 2);
	assert_int_equal(*p0, 0);
	assert_int_equal(*p2, 7);
	*p0 += 5;
	assert_int_equal(vn_map_lookup(m, &k, all), 0);
	assert_int_equal((uint32_t)all[0], 5);
	assert_int_equal((uint32_t)all[1], 0);
	assert_int_equal((uint32_t)all[2], 7);
	all[1] = 9;
	assert_int_equal(vn_map_update(m, &k, all, BPF_ANY), 0);
	assert_int_equal(*(uint32_t *)vn_map_lookup_elem(m, &k, 1), 9);
	vn_map_free(m);
}

static void test_map_hash_flags_and_full(void **state)
{
	struct vn_map *m = mk(BPF_MAP_TYPE_HASH, 8, 8, 4, 1);
	uint64_t k, v, out, nk;

	(void)state;
	k = 1, v = 10;
	assert_int_equal(vn_map_update(m, &k, &v, BPF_EXIST), -ENOENT);
	assert_int_equal(vn_map_update(m, &k, &v, BPF_NOEXIST), 0);
	assert_int_equal(vn_map_update(m, &k, &v, BPF_NOEXIST), -EEXIST);
	v = 11;
	assert_int_equal(vn_map_update(m, &k, &v, BPF_EXIST), 0);
	assert_int_equal(vn_map_lookup(m, &k, &out), 0);
	assert_int_equal(out, 11);
	for (k = 2; k <= 4; k++)
		assert_int_equal(vn_map_update(m, &k, &k, BPF_ANY), 0);
	k = 5;
	assert_int_equal(vn_map_update(m, &k, &k, BPF_ANY), -E2BIG);	/* full */
	k = 4;	/* replacing an existing key in a full map works */
	assert_int_equal(vn_map_update(m, &k, &v, BPF_ANY), 0);
	assert_int_equal(vn_map_delete(m, &k), 0);
	assert_int_equal(vn_map_delete(m, &k), -ENOENT);
	assert_int_equal(vn_map_lookup(m, &k, &out), -ENOENT);
	assert_null(vn_map_lookup_elem(m, &k, 0));
	k = 5;
	assert_int_equal(vn_map_update(m, &k, &k, BPF_ANY), 0);
	/* Walk visits each of {1,2,3,5} once */
	unsigned int seen = 0, n = 0;
	const void *cur = NULL;
	while (vn_map_get_next_key(m, cur, &nk) == 0) {
		assert_true(nk >= 1 && nk <= 5 && nk != 4);
		assert_false(seen & (1u << nk));
		seen |= 1u << nk;
		k = nk;
		cur = &k;
		assert_true(++n <= 4);
	}
	assert_int_equal(n, 4);
	/* A key not in the map restarts the walk */
	k = 99;
	assert_int_equal(vn_map_get_next_key(m, &k, &nk), 0);
	vn_map_free(m);
}

/* Random operations on a hash map against a naive array of (key, value) */
static void test_map_hash_vs_naive(void **state)
{
	enum { N = 64, KEYS = 100, OPS = 20000 };
	struct vn_map *m = mk(BPF_MAP_TYPE_HASH, 12, 4, N, 1);
	uint32_t ref[KEYS];
	bool have[KEYS] = { 0 };
	unsigned int count = 0;

	(void)state;
	srand(1);
	for (int i = 0; i < OPS; i++) {
		uint32_t key[3] = { (uint32_t)rand() % KEYS, 0xdead, 0xbeef }, v = rand(), out;
		uint32_t ki = key[0];
		uint64_t flags = rand() % 3;
		int r;

		switch (rand() % 3) {
		case 0: /* update */
			r = vn_map_update(m, key, &v, flags);
			if (have[ki] && flags == BPF_NOEXIST)
				assert_int_equal(r, -EEXIST);
			else if (!have[ki] && flags == BPF_EXIST)
				assert_int_equal(r, -ENOENT);
			else if (!have[ki] && count == N)
				assert_int_equal(r, -E2BIG);
			else {
				assert_int_equal(r, 0);
				count += !have[ki];
				have[ki] = true;
				ref[ki] = v;
			}
			break;
		case 1: /* delete */
			r = vn_map_delete(m, key);
			assert_int_equal(r, have[ki] ? 0 : -ENOENT);
			count -= have[ki];
			have[ki] = false;
			break;
		default:
			r = vn_map_lookup(m, key, &out);
			assert_int_equal(r, have[ki] ? 0 : -ENOENT);
			if (have[ki])
				assert_int_equal(out, ref[ki]);
		}
	}
	vn_map_free(m);
}

static void test_map_percpu_hash(void **state)
{
	struct vn_map *m = mk(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 8, 2);
	uint32_t k = 3, v = 5;
	uint64_t all[2];

	(void)state;
	/* A new element from a program: this worker's copy set, others zero */
	assert_int_equal(vn_map_update_elem(m, &k, &v, BPF_ANY, 1), 0);
	assert_int_equal(vn_map_lookup(m, &k, all), 0);
	assert_int_equal((uint32_t)all[0], 0);
	assert_int_equal((uint32_t)all[1], 5);
	v = 6;	/* update in place touches only this worker's copy */
	assert_int_equal(vn_map_update_elem(m, &k, &v, BPF_EXIST, 0), 0);
	assert_int_equal(*(uint32_t *)vn_map_lookup_elem(m, &k, 0), 6);
	assert_int_equal(*(uint32_t *)vn_map_lookup_elem(m, &k, 1), 5);
	vn_map_free(m);
}

static void test_map_lru_eviction(void **state)
{
	struct vn_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 4, 4, 4, 1);
	uint32_t k, out;

	(void)state;
	for (k = 1; k <= 4; k++)
		assert_int_equal(vn_map_update(m, &k, &k, BPF_NOEXIST), 0);
	/* Program lookups of 1 and 2 give them a second chance: 3 goes */
	k = 1;
	assert_non_null(vn_map_lookup_elem(m, &k, 0));
	k = 2;
	assert_non_null(vn_map_lookup_elem(m, &k, 0));
	k = 5;	/* full: evicts 3 instead of failing */
	assert_int_equal(vn_map_update(m, &k, &k, BPF_NOEXIST), 0);
	k = 3;
	assert_int_equal(vn_map_lookup(m, &k, &out), -ENOENT);
	/* A control-side lookup does not refresh: 4 goes next */
	k = 4;
	assert_int_equal(vn_map_lookup(m, &k, &out), 0);
	k = 6;
	assert_int_equal(vn_map_update(m, &k, &k, BPF_ANY), 0);
	k = 4;
	assert_int_equal(vn_map_lookup(m, &k, &out), -ENOENT);
	/* An update refreshes: 1 was touched before 2, update 1, then 2 goes */
	k = 1;
	assert_int_equal(vn_map_update(m, &k, &k, BPF_EXIST), 0);
	k = 7;
	assert_int_equal(vn_map_update(m, &k, &k, BPF_ANY), 0);
	k = 2;
	assert_int_equal(vn_map_lookup(m, &k, &out), -ENOENT);
	for (k = 1; k <= 7; k++)
		assert_int_equal(vn_map_lookup(m, &k, &out) == 0,
				 k == 1 || k == 5 || k == 6 || k == 7);
	/* Every element referenced: one lap clears the bits, the oldest goes */
	for (k = 1; k <= 7; k++)
		(void)vn_map_lookup_elem(m, &k, 0);
	k = 8;
	assert_int_equal(vn_map_update(m, &k, &k, BPF_ANY), 0);
	for (k = 1; k <= 8; k++)
		assert_int_equal(vn_map_lookup(m, &k, &out) == 0,
				 k == 1 || k == 6 || k == 7 || k == 8);
	vn_map_free(m);
}

/* Deliberately naive longest-prefix match: scan every stored prefix */
struct naive_pfx {
	uint32_t plen;
	uint8_t data[16];
	uint32_t val;
	bool used;
};

static bool naive_covers(const struct naive_pfx *p, const uint8_t *addr)
{
	for (uint32_t b = 0; b < p->plen; b++) {
		unsigned int bit = 7 - b % 8;

		if (((p->data[b / 8] >> bit) & 1) != ((addr[b / 8] >> bit) & 1))
			return false;
	}
	return true;
}

static bool naive_lpm(const struct naive_pfx *tab, int n, const uint8_t *addr, uint32_t *val)
{
	int best = -1;

	for (int i = 0; i < n; i++)
		if (tab[i].used && naive_covers(&tab[i], addr) &&
		    (best < 0 || tab[i].plen > tab[best].plen))
			best = i;
	if (best >= 0)
		*val = tab[best].val;
	return best >= 0;
}

static void lpm_random(unsigned int dlen, unsigned int seed)
{
	enum { N = 200, LOOKUPS = 5000 };
	struct vn_map *m = mk(BPF_MAP_TYPE_LPM_TRIE, 4 + dlen, 4, N, 1);
	struct naive_pfx tab[N] = { 0 };
	uint8_t key[4 + 16];
	uint32_t out;

	srand(seed);
	for (int i = 0; i < N; i++) {
		/* Few distinct leading bytes so prefixes nest and overlap */
		tab[i].plen = rand() % (dlen * 8 + 1);
		for (unsigned int b = 0; b < dlen; b++)
			tab[i].data[b] = b < 2 ? (uint8_t)(rand() % 4) : (uint8_t)rand();
		/* Keep the naive table canonical (host bits zero) */
		for (unsigned int b = tab[i].plen; b < dlen * 8; b++)
			tab[i].data[b / 8] &= (uint8_t)~(1u << (7 - b % 8));
		tab[i].val = (uint32_t)i;
		for (int j = 0; j < i; j++)
			if (tab[j].used && tab[j].plen == tab[i].plen &&
			    !memcmp(tab[j].data, tab[i].data, dlen))
				tab[j].used = false;	/* replaced by the update */
		tab[i].used = true;
		memcpy(key, &tab[i].plen, 4);
		memcpy(key + 4, tab[i].data, dlen);
		assert_int_equal(vn_map_update(m, key, &tab[i].val, BPF_ANY), 0);
	}
	/* Delete a third */
	for (int i = 0; i < N; i += 3) {
		memcpy(key, &tab[i].plen, 4);
		memcpy(key + 4, tab[i].data, dlen);
		int live = -1;	/* the entry holding this prefix now, if any */
		for (int j = 0; j < N; j++)
			if (tab[j].used && tab[j].plen == tab[i].plen &&
			    !memcmp(tab[j].data, tab[i].data, dlen))
				live = j;
		assert_int_equal(vn_map_delete(m, key), live >= 0 ? 0 : -ENOENT);
		if (live >= 0)
			tab[live].used = false;
	}
	for (int i = 0; i < LOOKUPS; i++) {
		uint32_t want = 0, plen = dlen * 8;
		bool hit;

		memcpy(key, &plen, 4);
		for (unsigned int b = 0; b < dlen; b++)
			key[4 + b] = b < 2 ? (uint8_t)(rand() % 4) : (uint8_t)rand();
		hit = naive_lpm(tab, N, key + 4, &want);
		assert_int_equal(vn_map_lookup(m, key, &out), hit ? 0 : -ENOENT);
		uint32_t *p = vn_map_lookup_elem(m, key, 0);
		assert_int_equal(p != NULL, hit);
		if (hit) {
			assert_int_equal(out, want);
			assert_int_equal(*p, want);
		}
	}
	vn_map_free(m);
}

static void test_map_lpm_vs_naive(void **state)
{
	(void)state;
	lpm_random(4, 7);	/* IPv4 */
	lpm_random(16, 8);	/* IPv6 */
	lpm_random(3, 9);	/* odd data size */
}

static void test_map_lpm_edges(void **state)
{
	struct vn_map *m = mk(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 8, 1);
	uint8_t key[8];
	uint32_t plen, v, out;

	(void)state;
	plen = 33;	/* longer than 32 data bits */
	memcpy(key, &plen, 4);
	memset(key + 4, 10, 4);
	v = 1;
	assert_int_equal(vn_map_update(m, key, &v, BPF_ANY), -EINVAL);
	assert_int_equal(vn_map_delete(m, key), -EINVAL);
	plen = 8;	/* 10.1.2.3/8 is stored as 10.0.0.0/8 */
	memcpy(key, &plen, 4);
	key[4] = 10, key[5] = 1, key[6] = 2, key[7] = 3;
	assert_int_equal(vn_map_update(m, key, &v, BPF_NOEXIST), 0);
	key[5] = 9;
	assert_int_equal(vn_map_update(m, key, &v, BPF_NOEXIST), -EEXIST);
	/* /0 default route matches everything */
	plen = 0;
	memcpy(key, &plen, 4);
	v = 2;
	assert_int_equal(vn_map_update(m, key, &v, BPF_ANY), 0);
	plen = 32;
	memcpy(key, &plen, 4);
	key[4] = 11;
	assert_int_equal(vn_map_lookup(m, key, &out), 0);
	assert_int_equal(out, 2);
	key[4] = 10;
	assert_int_equal(vn_map_lookup(m, key, &out), 0);
	assert_int_equal(out, 1);
	/* A lookup key's prefixlen caps the match, like the kernel */
	plen = 4;
	memcpy(key, &plen, 4);
	assert_int_equal(vn_map_lookup(m, key, &out), 0);
	assert_int_equal(out, 2);
	/* Walk returns both, masked */
	uint8_t nk[8];
	int n = 0;
	const void *cur = NULL;
	while (vn_map_get_next_key(m, cur, nk) == 0) {
		memcpy(key, nk, 8);
		cur = key;
		n++;
		assert_true(n <= 2);
	}
	assert_int_equal(n, 2);
	vn_map_free(m);
}

static void test_map_devmap(void **state)
{
	struct vn_map *m = mk(BPF_MAP_TYPE_DEVMAP, 4, 4, 4, 1);
	uint32_t k = 2, port = 7, out;

	(void)state;
	assert_null(vn_map_lookup_elem(m, &k, 0));	/* empty slot */
	assert_int_equal(vn_map_lookup(m, &k, &out), -ENOENT);
	assert_int_equal(vn_map_update(m, &k, &port, BPF_NOEXIST), -EEXIST);
	assert_int_equal(vn_map_update(m, &k, &port, BPF_ANY), 0);
	assert_int_equal(*(uint32_t *)vn_map_lookup_elem(m, &k, 0), 7);
	/* Programs may not write a devmap */
	assert_int_equal(vn_map_update_elem(m, &k, &port, BPF_ANY, 0), -EOPNOTSUPP);
	assert_int_equal(vn_map_delete_elem(m, &k), -EOPNOTSUPP);
	assert_int_equal(vn_map_delete(m, &k), 0);
	assert_null(vn_map_lookup_elem(m, &k, 0));
	k = 4;
	assert_int_equal(vn_map_update(m, &k, &port, BPF_ANY), -E2BIG);
	vn_map_free(m);
}

static void test_map_rejects_bad_attrs(void **state)
{
	static const struct {
		struct vn_map_attr a;
		int err;
	} cases[] = {
		{ { 999, 4, 4, 1, 0, 1, "x" }, -EINVAL },			/* unknown type */
		{ { BPF_MAP_TYPE_HASH, 0, 4, 1, 0, 1, "x" }, -EINVAL },	/* zero key */
		{ { BPF_MAP_TYPE_HASH, 4, 0, 1, 0, 1, "x" }, -EINVAL },	/* zero value */
		{ { BPF_MAP_TYPE_HASH, 4, 4, 0, 0, 1, "x" }, -EINVAL },	/* zero entries */
		{ { BPF_MAP_TYPE_HASH, 513, 4, 1, 0, 1, "x" }, -E2BIG },	/* key > stack */
		{ { BPF_MAP_TYPE_HASH, 4, (1u << 20) + 1, 1, 0, 1, "x" }, -E2BIG },
		{ { BPF_MAP_TYPE_HASH, 4, 4, (1u << 24) + 1, 0, 1, "x" }, -E2BIG },
		{ { BPF_MAP_TYPE_HASH, 4, 4, 0xffffffff, 0, 1, "x" }, -E2BIG },
		{ { BPF_MAP_TYPE_ARRAY, 8, 4, 1, 0, 1, "x" }, -EINVAL },	/* array key != 4 */
		{ { BPF_MAP_TYPE_DEVMAP, 4, 16, 1, 0, 1, "x" }, -EINVAL },
		{ { BPF_MAP_TYPE_LPM_TRIE, 4, 4, 1, 0, 1, "x" }, -EINVAL },	/* no data bytes */
		{ { BPF_MAP_TYPE_LPM_TRIE, 4 + 257, 4, 1, 0, 1, "x" }, -EINVAL },
		{ { BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, 0, 0, "x" }, -EINVAL },	/* 0 cpus */
		{ { BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 1, 0, 257, "x" }, -EINVAL },
		{ { BPF_MAP_TYPE_HASH, 4, 4, 1, 1u << 30, 1, "x" }, -EINVAL },	/* flags */
	};
	struct vn_map *m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = (struct vn_map *)1;
		assert_int_equal(vn_map_create(&cases[i].a, NULL, &m), cases[i].err);
		assert_null(m);
	}
}

static void test_map_owner_cap(void **state)
{
	struct vn_bpf_owner own = { .mem_limit = 1 << 20 };
	struct vn_map_attr a = { .type = BPF_MAP_TYPE_HASH, .key_size = 64,
				 .value_size = 1024, .max_entries = 1 << 16, .name = "big" };
	struct vn_map *m, *m2;

	(void)state;
	/* 64 MiB of values against a 1 MiB cap: refused, nothing left charged */
	assert_int_equal(vn_map_create(&a, &own, &m), -ENOMEM);
	assert_int_equal(own.mem_used, 0);
	a.max_entries = 256;	/* ~280 KiB fits */
	assert_int_equal(vn_map_create(&a, &own, &m), 0);
	assert_true(own.mem_used > 256 * 1024 && own.mem_used < own.mem_limit);
	assert_true(own.mem_used == m->charged);
	a.max_entries = 700;	/* second map would pass the cap */
	assert_int_equal(vn_map_create(&a, &own, &m2), -ENOMEM);
	assert_int_equal(own.mem_used, m->charged);
	vn_map_free(m);
	assert_int_equal(own.mem_used, 0);
	/* Per-CPU copies are charged too */
	a.type = BPF_MAP_TYPE_PERCPU_ARRAY;
	a.key_size = 4;
	a.max_entries = 200;
	a.ncpus = 4;	/* 200 * 4 * 1024 = 800 KiB: fits */
	assert_int_equal(vn_map_create(&a, &own, &m), 0);
	vn_map_free(m);
	a.ncpus = 8;	/* 1.6 MiB: refused */
	assert_int_equal(vn_map_create(&a, &own, &m), -ENOMEM);
	assert_int_equal(own.mem_used, 0);
}

struct thr_arg {
	struct vn_map *m;
	uint32_t base;
};

static void *hammer(void *p)
{
	struct thr_arg *t = p;

	for (uint32_t i = 0; i < 20000; i++) {
		uint32_t k = t->base + i % 64, v = i;

		vn_map_update(t->m, &k, &v, BPF_ANY);
		uint32_t *pv = vn_map_lookup_elem(t->m, &k, 0);
		if (pv)
			__atomic_load_n(pv, __ATOMIC_RELAXED);
		if (i % 3 == 0)
			vn_map_delete(t->m, &k);
	}
	return NULL;
}

static void test_map_concurrent_workers(void **state)
{
	struct vn_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 4, 4, 100, 1);
	struct thr_arg args[3] = { { m, 0 }, { m, 1000 }, { m, 2000 } };
	pthread_t th[3];
	uint32_t k, nk;
	int n = 0;

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &args[i]), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	/* Structure intact: the walk terminates and finds at most max_entries */
	const void *cur = NULL;
	while (vn_map_get_next_key(m, cur, &nk) == 0) {
		k = nk;
		cur = &k;
		assert_true(++n <= 100);
	}
	vn_map_free(m);
}

/* Lockless program lookups racing writers: stable keys are always found */
struct race {
	struct vn_map *m;
	bool lpm;
	int writer;
	int stop;
	long misses;
};

static void race_key(const struct race *r, uint32_t k, uint8_t *key, bool churn)
{
	if (r->lpm) {
		uint32_t plen = churn ? 32 : 24;

		memcpy(key, &plen, 4);
		key[4] = churn ? 11 : 10, key[5] = (uint8_t)(k >> 8), key[6] = (uint8_t)k;
		key[7] = churn ? (uint8_t)(k * 7) : 5;
	} else {
		uint32_t v = churn ? 100000 + k : k;

		memcpy(key, &v, 4);
	}
}

static void *race_thread(void *p)
{
	struct race *r = p;
	uint8_t key[8];
	unsigned int seed = (unsigned int)r->writer + 1;

	for (int i = 0; i < 100000; i++) {
		uint32_t k = (uint32_t)rand_r(&seed) % 100;

		if (r->writer) {
			uint32_t v = k;

			race_key(r, (uint32_t)rand_r(&seed) % 500, key, true);
			if (i & 1)
				vn_map_update(r->m, key, &v, BPF_ANY);
			else
				vn_map_delete(r->m, key);
		} else {
			uint32_t *pv;

			race_key(r, k, key, false);
			if (r->lpm)
				key[7] = 99;	/* any host in the /24 */
			pv = vn_map_lookup_elem(r->m, key, 0);
			if (!pv || *pv != k * 3)
				__atomic_add_fetch(&r->misses, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void race_map(uint32_t type, uint32_t ks)
{
	struct vn_map *m = mk(type, ks, 4, 1024, 1);
	struct race r[4];
	pthread_t th[4];
	uint8_t key[8];
	long misses = 0;

	for (uint32_t k = 0; k < 100; k++) {
		uint32_t v = k * 3;
		struct race tmp = { .lpm = type == BPF_MAP_TYPE_LPM_TRIE };

		race_key(&tmp, k, key, false);
		assert_int_equal(vn_map_update(m, key, &v, BPF_NOEXIST), 0);
	}
	for (int i = 0; i < 4; i++) {
		r[i] = (struct race){ .m = m, .lpm = type == BPF_MAP_TYPE_LPM_TRIE, .writer = i < 2 };
		assert_int_equal(pthread_create(&th[i], NULL, race_thread, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		misses += r[i].misses;
	}
	assert_int_equal(misses, 0);
	vn_map_free(m);
}

static void test_map_lockless_lookups_race_writers(void **state)
{
	(void)state;
	race_map(BPF_MAP_TYPE_HASH, 4);
	race_map(BPF_MAP_TYPE_LPM_TRIE, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_array_semantics),
		cmocka_unit_test(test_map_percpu_array_layout),
		cmocka_unit_test(test_map_hash_flags_and_full),
		cmocka_unit_test(test_map_hash_vs_naive),
		cmocka_unit_test(test_map_percpu_hash),
		cmocka_unit_test(test_map_lru_eviction),
		cmocka_unit_test(test_map_lpm_vs_naive),
		cmocka_unit_test(test_map_lpm_edges),
		cmocka_unit_test(test_map_devmap),
		cmocka_unit_test(test_map_rejects_bad_attrs),
		cmocka_unit_test(test_map_owner_cap),
		cmocka_unit_test(test_map_concurrent_workers),
		cmocka_unit_test(test_map_lockless_lookups_race_writers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

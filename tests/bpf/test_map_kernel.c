// SPDX-License-Identifier: MIT
/* test_map_kernel.c - differential test of map semantics: vnetd's maps against kernel maps
 *
 * The same random sequence of control-side operations (update with every
 * flag value including an invalid one, delete, lookup, get_next_key) goes
 * to a kernel map (bpf(2) through libbpf; needs CAP_BPF: suite e2e) and to
 * vnetd's map of the same type and sizes. Return codes (negative errno) and
 * looked-up values must match. Per-CPU maps get as many vnetd copies as the
 * kernel has possible CPUs, so the value layouts are identical. Not
 * compared: LRU_HASH eviction (the kernel's LRU is approximate and per-CPU;
 * the LRU map is tested with fewer keys than entries, on one CPU)
 * and the order of get_next_key walks (the number of keys a walk visits is).
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/map.h"

struct spec {
	const char *name;
	uint32_t type, key_size, value_size, max_entries, flags;
	uint32_t key_range;	/* keys drawn from 0..key_range-1 */
};

static void mk_key(const struct spec *s, uint32_t r, uint8_t *key)
{
	memset(key, 0, s->key_size);
	if (s->type == BPF_MAP_TYPE_LPM_TRIE) {
		uint32_t plen = (r * 7) % 33;

		memcpy(key, &plen, 4);
		key[4] = 10;
		key[5] = (uint8_t)(r % 4);
		key[6] = (uint8_t)(r / 4 % 3);
		key[7] = (uint8_t)r;
	} else {
		memcpy(key, &r, 4);
	}
}

static void run_spec(const struct spec *s, unsigned int seed)
{
	int ncpu = libbpf_num_possible_cpus();
	bool percpu = s->type == BPF_MAP_TYPE_PERCPU_ARRAY || s->type == BPF_MAP_TYPE_PERCPU_HASH;
	size_t vsz = percpu ? (size_t)((s->value_size + 7) & ~7u) * ncpu : s->value_size;
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = s->flags);
	struct vn_map_attr a = { .type = s->type, .key_size = s->key_size,
				 .value_size = s->value_size, .max_entries = s->max_entries,
				 .map_flags = s->flags, .ncpus = (unsigned int)ncpu, .name = s->name };
	uint8_t key[16], nk1[16], nk2[16], *v1 = calloc(1, vsz), *v2 = calloc(1, vsz);
	struct vn_map *m;
	int fd;

	assert_non_null(v1);
	assert_non_null(v2);
	fd = bpf_map_create(s->type, s->name, s->key_size, s->value_size, s->max_entries, &o);
	assert_true(fd >= 0);
	assert_int_equal(vn_map_create(&a, NULL, &m), 0);
	srand(seed);
	for (int i = 0; i < 3000; i++) {
		uint32_t r = (uint32_t)rand() % s->key_range;
		int op = rand() % 4, kr, vr;

		mk_key(s, r, key);
		switch (op) {
		case 0: {
			uint64_t flags = (uint64_t)(rand() % 4);	/* 3: invalid */

			for (size_t b = 0; b < vsz; b++)
				v1[b] = (uint8_t)rand();
			if (s->type == BPF_MAP_TYPE_DEVMAP)
				memset(v1, 0, vsz), v1[0] = 1;		/* ifindex of lo */
			kr = bpf_map_update_elem(fd, key, v1, flags);
			vr = vn_map_update(m, key, v1, flags);
			break;
		}
		case 1:
			kr = bpf_map_delete_elem(fd, key);
			vr = vn_map_delete(m, key);
			break;
		case 2:
			memset(v1, 0, vsz);
			memset(v2, 0, vsz);
			kr = bpf_map_lookup_elem(fd, key, v1);
			vr = vn_map_lookup(m, key, v2);
			if (!kr && !vr && memcmp(v1, v2, vsz)) {
				print_error("%s: op %d: lookup values differ\n", s->name, i);
				fail();
			}
			break;
		default:
			/* Walk orders differ: compare how many keys each walk visits */
			kr = vr = 0;
			for (const void *c = NULL; bpf_map_get_next_key(fd, c, nk1) == 0 && kr < 10000;
			     kr++, c = memcpy(key, nk1, s->key_size))
				;
			for (const void *c = NULL; vn_map_get_next_key(m, c, nk2) == 0 && vr < 10000;
			     vr++, c = memcpy(key, nk2, s->key_size))
				;
			break;
		}
		if (kr != vr) {
			print_error("%s: op %d (kind %d, key %u): kernel %d, vnetd %d\n", s->name, i,
				    op, r, kr, vr);
			fail();
		}
	}
	close(fd);
	vn_map_free(m);
	free(v1);
	free(v2);
}

static void test_map_kernel_semantics(void **state)
{
	static const struct spec specs[] = {
		{ "hash", BPF_MAP_TYPE_HASH, 4, 12, 16, 0, 40 },
		{ "percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 16, 0, 40 },
		{ "array", BPF_MAP_TYPE_ARRAY, 4, 12, 16, 0, 24 },
		{ "percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 16, 0, 24 },
		{ "lpm", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 32, BPF_F_NO_PREALLOC, 200 },
		{ "devmap", BPF_MAP_TYPE_DEVMAP, 4, 4, 8, 0, 12 },
		/* fewer keys than entries: no eviction, where the two LRUs differ */
		{ "lru_hash", BPF_MAP_TYPE_LRU_HASH, 4, 8, 64, 0, 40 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		run_spec(&specs[i], 100 + (unsigned int)i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_kernel_semantics),
	};

	/* One CPU: the kernel's LRU keeps per-CPU free lists and would evict
	 * early after a migration */
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

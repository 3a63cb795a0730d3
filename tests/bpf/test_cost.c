// SPDX-License-Identifier: MIT
/* test_cost.c - the cost model: helpers charged by work, run time cap, owner CPU budget, helper classes
 *
 * The programs (tests/bpf/progs/cost_*.bpf.c) are the dearest helper loops
 * we could write: an LPM lookup that probes every prefix length in use, a
 * hash update of a 64 KiB value, a 64 KiB bpf_xdp_load_bytes(). Each counts
 * the helper calls that returned in .bss `calls`; the tests check that a
 * run ends with -ETIME (ABORTED, counted as a timeout) after no more calls
 * than the budget pays for at the model's price. No test measures time.
 */
#include <errno.h>
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

#include "bpf/vm.h"
#include "bpf/xdp.h"
#include "core/log.h"
#include "core/pool.h"

#define BUDGET	100000	/* the switch's default */

static const char *progs_dir;
static struct vn_pool *pool;

static int open_prog(const char *file, const struct vn_xdp_opts *o, struct vn_xdp_prog **xp)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", progs_dir, file);
	return vn_xdp_prog_open_file(path, NULL, o, xp);
}

static struct vn_xdp_prog *load(const char *file, const struct vn_xdp_opts *o)
{
	struct vn_xdp_prog *xp = NULL;

	assert_int_equal(open_prog(file, o, &xp), 0);
	return xp;
}

/* Run once on a zeroed frame of @len bytes (an Ethernet header's worth at least) */
static int run_len(struct vn_xdp_prog *xp, uint32_t len)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	uint8_t *d;
	int act;

	assert_non_null(pkt);
	d = vn_pkt_append(pkt, len);
	assert_non_null(d);
	memset(d, 0, len);
	act = vn_xdp_run(xp, pkt, 0, NULL);
	vn_pkt_put(pkt);
	return act;
}

/* A u64 at offset @off of the object's @sec map (.bss, .data) */
static uint64_t sec_u64(struct vn_xdp_prog *xp, const char *sec, size_t off)
{
	struct vn_map *m = vn_bpf_obj_map_find(xp->obj, sec);
	uint8_t v[64];
	uint32_t zero = 0;
	uint64_t x;

	assert_non_null(m);
	assert_true(m->value_size <= sizeof(v) && off + 8 <= m->value_size);
	assert_int_equal(vn_map_lookup(m, &zero, v), 0);
	memcpy(&x, v + off, 8);
	return x;
}

static struct vn_xdp_stats stats(struct vn_xdp_prog *xp)
{
	struct vn_xdp_stats st;

	vn_xdp_stats_sum(xp, &st);
	return st;
}

/* One prefix per length 1..@n of an all-ones 256-byte key */
static void fill_trie(struct vn_map *m, uint32_t n)
{
	uint8_t key[4 + 256];
	uint32_t v = 1;

	memset(key, 0xff, sizeof(key));
	for (uint32_t l = 1; l <= n; l++) {
		memcpy(key, &l, 4);
		assert_int_equal(vn_map_update(m, key, &v, BPF_ANY), 0);
	}
}

/* The LPM walk is charged per prefix length in use: few lookups fit, the run ends -ETIME */
static void test_cost_lpm_walk(void **state)
{
	struct vn_xdp_opts o = { .budget = BUDGET };
	struct vn_xdp_prog *xp = load("cost_lpm.bpf.o", &o);
	struct vn_map *trie = vn_bpf_obj_map_find(xp->obj, "trie");
	uint64_t cost, calls;

	(void)state;
	fill_trie(trie, 64);
	cost = vn_map_cost(trie, VN_MAP_OP_LOOKUP);
	/* 64 masked probes of a 260-byte key */
	assert_true(cost >= 64 * (8 + 260 / 8));
	assert_int_equal(run_len(xp, 64), XDP_ABORTED);
	calls = sec_u64(xp, ".bss", 0);
	assert_true(calls >= 1);
	assert_true(calls <= BUDGET / cost);
	assert_int_equal(stats(xp).timeout, 1);
	assert_int_equal(stats(xp).aborted, 1);
	/* every length in use: one lookup costs more than the whole budget and
	 * is refused before it walks anything */
	fill_trie(trie, 2048);
	assert_true(vn_map_cost(trie, VN_MAP_OP_LOOKUP) > BUDGET);
	assert_int_equal(run_len(xp, 64), XDP_ABORTED);
	assert_int_equal(sec_u64(xp, ".bss", 0), calls);
	assert_int_equal(stats(xp).timeout, 2);
	vn_xdp_prog_close(xp);
}

/* A hash update clears and copies its value: charged by the value's size */
static void test_cost_hash_update(void **state)
{
	struct vn_xdp_opts o = { .budget = BUDGET };
	struct vn_xdp_prog *xp = load("cost_update.bpf.o", &o);
	uint64_t cost = vn_map_cost(vn_bpf_obj_map_find(xp->obj, "h"), VN_MAP_OP_UPDATE);
	uint64_t calls;

	(void)state;
	/* at least one unit per 16 bytes cleared and per 16 copied */
	assert_true(cost >= 2 * 65536 / 16);
	assert_int_equal(run_len(xp, 64), XDP_ABORTED);
	calls = sec_u64(xp, ".bss", 0);
	assert_true(calls >= 1 && calls <= BUDGET / cost);
	assert_int_equal(stats(xp).timeout, 1);
	vn_xdp_prog_close(xp);
}

/* bpf_xdp_load_bytes() is charged by its length */
static void test_cost_load_bytes(void **state)
{
	struct vn_xdp_opts o = { .budget = BUDGET };
	struct vn_xdp_prog *xp = load("cost_bytes.bpf.o", &o);
	struct vn_map *data = vn_bpf_obj_map_find(xp->obj, ".data");
	uint32_t zero = 0, conf[2] = { 65535, 1000000 };	/* len, rounds */
	uint64_t calls;

	(void)state;
	assert_non_null(data);
	assert_int_equal(vn_map_update(data, &zero, conf, BPF_ANY), 0);
	assert_int_equal(run_len(xp, 65535), XDP_ABORTED);
	calls = sec_u64(xp, ".bss", 0);
	assert_true(calls >= 1 && calls <= BUDGET / (65535 / 16));
	assert_int_equal(stats(xp).timeout, 1);
	/* a short copy is cheap: a frame's worth of them still passes */
	conf[0] = 64;
	conf[1] = 100;
	assert_int_equal(vn_map_update(data, &zero, conf, BPF_ANY), 0);
	assert_int_equal(run_len(xp, 64), XDP_PASS);
	assert_int_equal(sec_u64(xp, ".bss", 0), calls + 100);
	vn_xdp_prog_close(xp);
}

/* The wall-clock cap stops a run its budget would let go on */
static void test_cost_time_cap(void **state)
{
	struct vn_xdp_opts o = { .budget = 1ull << 40, .time_cap_ns = 1 };
	struct vn_xdp_prog *xp = load("cost_update.bpf.o", &o);

	(void)state;
	assert_int_equal(run_len(xp, 64), XDP_ABORTED);
	/* the first 64 KiB update charges more than VN_BPF_CLOCK_EVERY units
	 * and starts the clock, the next reads it again: the update took far
	 * more than 1 ns */
	assert_true(sec_u64(xp, ".bss", 0) <= 2);
	assert_int_equal(stats(xp).timeout, 1);
	vn_xdp_prog_close(xp);
	/* no cap: the same loop stops at its budget only */
	o.time_cap_ns = 0;
	o.budget = BUDGET;
	xp = load("cost_update.bpf.o", &o);
	assert_int_equal(run_len(xp, 64), XDP_ABORTED);
	assert_int_equal(stats(xp).timeout, 1);
	vn_xdp_prog_close(xp);
}

/*
 * The clock is read once per VN_BPF_CLOCK_EVERY units of helper work, the
 * first read starting it: a run that charges fewer (a few lookups, every
 * ordinary XDP program) never reads it, and a capped run stops only at a
 * read, one every VN_BPF_CLOCK_EVERY units
 */
static void test_cost_clock_reads(void **state)
{
	static struct vn_bpf_run_ctx rc;	/* holds the 4 KiB stack */
	unsigned int i;

	(void)state;
	vn_bpf_run_ctx_init(&rc, NULL);
	rc.time_cap_ns = 1;
	vn_bpf_charge_begin(&rc, BUDGET);
	for (i = 1; i < VN_BPF_CLOCK_EVERY; i++)
		assert_int_equal(vn_bpf_charge(&rc, 1), 0);
	assert_int_equal(rc.t0, 0);
	assert_int_equal(vn_bpf_charge(&rc, 1), 0);
	assert_true(rc.t0 != 0);
	/* 1 ns is long gone at the next read, and only a read stops the run */
	for (i = 1; i < 64 * VN_BPF_CLOCK_EVERY; i++)
		if (vn_bpf_charge(&rc, 1))
			break;
	assert_int_equal(i, VN_BPF_CLOCK_EVERY);
	assert_int_equal(rc.abort_err, -ETIME);
	/* the same work without a cap never reads the clock */
	vn_bpf_run_ctx_init(&rc, NULL);
	vn_bpf_charge_begin(&rc, BUDGET);
	for (i = 0; i < 4 * VN_BPF_CLOCK_EVERY; i++)
		assert_int_equal(vn_bpf_charge(&rc, 1), 0);
	assert_int_equal(rc.t0, 0);
}

/* The owner's CPU budget: once the bucket is spent, frames are not run */
static void test_cost_owner_budget(void **state)
{
	/* spin.bpf.c: 1000 rounds of ~7 instructions per run; the bucket holds
	 * about three runs and refills at one unit per second */
	struct vn_xdp_opts o = { .budget = BUDGET, .cpu_rate = 1, .cpu_burst = 20000 };
	struct vn_xdp_prog *xp = load("spin.bpf.o", &o);
	struct vn_xdp_stats st;
	int passed = 0;

	(void)state;
	for (int i = 0; i < 10; i++)
		passed += run_len(xp, 64) == XDP_PASS;
	st = stats(xp);
	assert_int_equal(passed, 3);
	assert_int_equal(st.pass, 3);
	assert_int_equal(st.throttled, 7);
	assert_int_equal(st.aborted, 7);
	assert_int_equal(st.fault, 0);
	vn_xdp_prog_close(xp);
	/* runs stopped by the wall clock pay their whole budget: the dearest
	 * helper loop, capped at 1 ns, empties a 2.5-budget bucket in 3 runs */
	o = (struct vn_xdp_opts){ .budget = BUDGET, .time_cap_ns = 1, .cpu_rate = 1,
				  .cpu_burst = 5 * BUDGET / 2 };
	xp = load("cost_update.bpf.o", &o);
	for (int i = 0; i < 10; i++)
		assert_int_equal(run_len(xp, 64), XDP_ABORTED);
	st = stats(xp);
	assert_int_equal(st.timeout, 3);
	assert_int_equal(st.throttled, 7);
	vn_xdp_prog_close(xp);
	/* the first time the bucket runs dry it refills for the time since the
	 * program was loaded (full): a fast rate never throttles a frame that
	 * comes after a pause */
	o = (struct vn_xdp_opts){ .budget = BUDGET, .cpu_rate = 1000000000, .cpu_burst = 20000 };
	xp = load("spin.bpf.o", &o);
	for (int i = 0; i < 3; i++)
		assert_int_equal(run_len(xp, 64), XDP_PASS);
	usleep(2000);	/* 2 ms at 1e9 units/s refill far more than the bucket holds */
	assert_int_equal(run_len(xp, 64), XDP_PASS);
	assert_int_equal(stats(xp).throttled, 0);
	vn_xdp_prog_close(xp);
	/* a rate past what the refill arithmetic holds is refused */
	o = (struct vn_xdp_opts){ .cpu_rate = VN_XDP_CPU_RATE_MAX + 1 };
	assert_int_equal(open_prog("spin.bpf.o", &o, &xp), -EINVAL);
	assert_null(xp);
}

/* Restricted owners get no host clock and no host log lines */
static void test_cost_helper_classes(void **state)
{
	struct vn_xdp_opts o = { .class = VN_XDP_CLASS_RESTRICTED };
	struct vn_xdp_prog *xp = NULL;

	(void)state;
	assert_false(vn_xdp_helper_allowed(VN_XDP_CLASS_RESTRICTED, BPF_FUNC_ktime_get_ns));
	assert_false(vn_xdp_helper_allowed(VN_XDP_CLASS_RESTRICTED, BPF_FUNC_trace_printk));
	assert_true(vn_xdp_helper_allowed(VN_XDP_CLASS_RESTRICTED, BPF_FUNC_map_lookup_elem));
	assert_true(vn_xdp_helper_allowed(VN_XDP_CLASS_OPERATOR, BPF_FUNC_ktime_get_ns));
	/* helpers.bpf.c calls both: refused at load */
	assert_int_equal(open_prog("helpers.bpf.o", &o, &xp), -EINVAL);
	assert_null(xp);
	/* map-only programs load */
	xp = load("xdp1.bpf.o", &o);
	vn_xdp_prog_close(xp);
	xp = load("cost_lpm.bpf.o", &o);
	vn_xdp_prog_close(xp);
	o.class = VN_XDP_CLASS_OPERATOR;
	xp = load("helpers.bpf.o", &o);
	vn_xdp_prog_close(xp);
	o.class = (enum vn_xdp_class)7;
	assert_int_equal(open_prog("xdp1.bpf.o", &o, &xp), -EINVAL);
	/* restricted owners hand in at most VN_BPF_OBJ_SIZE_GUEST bytes: refused
	 * before parsing (an operator's junk is parsed and refused as junk) */
	{
		size_t n = VN_BPF_OBJ_SIZE_GUEST + 1;
		uint8_t *junk = calloc(1, n);

		assert_non_null(junk);
		o.class = VN_XDP_CLASS_RESTRICTED;
		assert_int_equal(vn_xdp_prog_open_mem(junk, n, "big", NULL, &o, &xp), -E2BIG);
		o.class = VN_XDP_CLASS_OPERATOR;
		assert_int_equal(vn_xdp_prog_open_mem(junk, n, "big", NULL, &o, &xp), -EINVAL);
		free(junk);
	}
}

static unsigned int trace_lines;

static void count_sink(enum vn_log_level level, const char *msg)
{
	(void)level;
	if (strstr(msg, ": trace: "))
		trace_lines++;
}

/* Each program has its own trace_printk budget: a chatty one cannot silence another */
static void test_cost_trace_limit_per_prog(void **state)
{
	struct vn_xdp_prog *a = load("helpers.bpf.o", NULL), *b = load("helpers.bpf.o", NULL);
	unsigned int after_a;

	(void)state;
	vn_log_set_sink(count_sink);
	for (int i = 0; i < 100; i++)
		run_len(a, 64);
	after_a = trace_lines;
	assert_true(after_a >= 1 && after_a < 100);
	run_len(b, 64);
	assert_int_equal(trace_lines, after_a + 1);
	vn_log_set_sink(NULL);
	vn_xdp_prog_close(a);
	vn_xdp_prog_close(b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cost_lpm_walk),
		cmocka_unit_test(test_cost_hash_update),
		cmocka_unit_test(test_cost_load_bytes),
		cmocka_unit_test(test_cost_time_cap),
		cmocka_unit_test(test_cost_clock_reads),
		cmocka_unit_test(test_cost_owner_budget),
		cmocka_unit_test(test_cost_helper_classes),
		cmocka_unit_test(test_cost_trace_limit_per_prog),
	};
	int ret;

	progs_dir = argc > 1 ? argv[1] : "tests/bpf/progs";
	if (vn_pool_create("cost-test", 8, &pool))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	vn_pool_destroy(pool);
	return ret;
}

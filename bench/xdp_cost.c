// SPDX-License-Identifier: MIT
/* xdp_cost.c - the dearest helper loops under the switch's per-frame limits: time per run
 *
 * Each program of tests/bpf/progs/cost_*.bpf.c (and spin.bpf.c, the
 * instruction-only baseline) runs on one frame, RUNS times, with the
 * switch's defaults: VN_SW_XDP_BUDGET_DEFAULT units and a
 * VN_SW_XDP_TIME_CAP_DEFAULT wall-clock cap. Printed per program: median,
 * 99th percentile and worst ns per run (the worst includes the times the
 * scheduler took the CPU away mid-run, which no cap can prevent), units
 * per run, and median ns per unit, i.e. how close the cost model's price
 * of ~1 ns per unit is on this machine, and how far a run stays from the
 * stated bound (docs/ARCHITECTURE.md "Cost model").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/xdp_internal.h"	/* units of the last run (rc.insns_run) */
#include "core/clock.h"
#include "core/pool.h"
#include "switch/xdp_hook.h"

struct job {
	const char *file;
	const char *what;
	uint32_t lpm_lengths;	/* prefix lengths to fill in `trie` */
	uint32_t frame_len;
	uint32_t copy_len;	/* cost_bytes: bytes per copy */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void fill_trie(struct vn_map *m, uint32_t n)
{
	uint8_t key[4 + 256];
	uint32_t v = 1;

	memset(key, 0xff, sizeof(key));
	for (uint32_t l = 1; l <= n; l++) {
		memcpy(key, &l, 4);
		vn_map_update(m, key, &v, BPF_ANY);
	}
}

static int run_job(const char *dir, const struct job *j, struct vn_pool *pool, unsigned int runs)
{
	struct vn_xdp_opts o = { .budget = VN_SW_XDP_BUDGET_DEFAULT,
				 .time_cap_ns = VN_SW_XDP_TIME_CAP_DEFAULT };
	struct vn_xdp_prog *xp;
	struct vn_xdp_stats st;
	uint64_t *ns = calloc(runs, sizeof(*ns)), units = 0;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, j->file);
	if (!ns || vn_xdp_prog_open_file(path, NULL, &o, &xp))
		return -1;
	if (j->lpm_lengths)
		fill_trie(vn_bpf_obj_map_find(xp->obj, "trie"), j->lpm_lengths);
	if (j->copy_len) {
		uint32_t zero = 0, conf[2] = { j->copy_len, 1000000 };

		vn_map_update(vn_bpf_obj_map_find(xp->obj, ".data"), &zero, conf, BPF_ANY);
	}
	for (unsigned int i = 0; i < runs; i++) {
		struct vn_pkt *pkt = vn_pool_alloc(pool);
		uint64_t t0, dt;

		if (!pkt || !vn_pkt_append(pkt, j->frame_len))
			return -1;
		memset(vn_pkt_data(pkt), 0, j->frame_len);
		t0 = vn_mono_ns();
		vn_xdp_run(xp, pkt, 0, NULL);
		dt = vn_mono_ns() - t0;
		vn_pkt_put(pkt);
		units += xp->runs[0].rc.insns_run;
		ns[i] = dt;
	}
	vn_xdp_stats_sum(xp, &st);
	units /= runs;
	qsort(ns, runs, sizeof(*ns), cmp_u64);
	printf("%-32s %9llu %9llu %9llu %7llu %7.2f %8llu\n", j->what,
	       (unsigned long long)ns[runs / 2], (unsigned long long)ns[runs * 99 / 100],
	       (unsigned long long)ns[runs - 1], (unsigned long long)units,
	       (double)ns[runs / 2] / (double)units, (unsigned long long)st.timeout);
	free(ns);
	vn_xdp_prog_close(xp);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct job jobs[] = {
		{ "spin.bpf.o", "spin (ALU loop, no helper)", 0, 64, 0 },
		{ "cost_lpm.bpf.o", "LPM 256-byte key, 64 lengths", 64, 64, 0 },
		{ "cost_lpm.bpf.o", "LPM 256-byte key, 1500 lengths", 1500, 64, 0 },
		{ "cost_update.bpf.o", "hash update, 64 KiB value", 0, 64, 0 },
		{ "cost_bytes.bpf.o", "xdp_load_bytes 64 KiB", 0, 65535, 65535 },
	};
	const char *dir = argc > 1 ? argv[1] : "build/tests/bpf/progs";
	unsigned int runs = argc > 2 ? (unsigned int)atoi(argv[2]) : 200;
	struct vn_pool *pool;

	if (!runs || vn_pool_create("bench-cost", 4, &pool))
		return 1;
	printf("budget %u units, wall-clock cap %llu ns, %u runs each\n",
	       VN_SW_XDP_BUDGET_DEFAULT, (unsigned long long)VN_SW_XDP_TIME_CAP_DEFAULT, runs);
	printf("%-32s %9s %9s %9s %7s %7s %8s\n", "program", "p50_ns", "p99_ns", "max_ns",
	       "units", "ns/unit", "timeouts");
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++)
		if (run_job(dir, &jobs[i], pool, runs)) {
			fprintf(stderr, "bench_xdp_cost: %s failed\n", jobs[i].file);
			return 1;
		}
	vn_pool_destroy(pool);
	return 0;
}

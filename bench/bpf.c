// SPDX-License-Identifier: MIT
/* bpf.c - ns per packet of XDP programs: vnetd's runtime against the kernel's test_run
 *
 * Usage: bench_bpf PROGS_DIR [REPEAT]
 * For xdp1 (parse, count by protocol, drop), xdp2 (count, MAC swap, TX) and
 * lru_flow (two subprograms, a hash miss and an LRU hit per packet) and
 * parser (Ethernet/VLAN/IPv4/IPv6/TCP/UDP, a hash hit, a checksum rewrite) from
 * tests/bpf/progs, on one 64-byte UDP/IPv4 frame:
 *  - vnetd: vn_xdp_run() on one worker, in the interpreter and as JIT code,
 *    timed with the thread's CPU clock (the whole runner: context, region,
 *    verdict, counters); CPU time, because the kernel's test_run timer also
 *    stops while the task is rescheduled (bpf_test_timer_continue()), and
 *    this machine is shared;
 *  - kernel: BPF_PROG_TEST_RUN (JIT if net.core.bpf_jit_enable is 1), timed
 *    with the same thread CPU clock around the syscall (its own duration
 *    field is floored to whole ns).
 * Every side runs REPEAT times per program, in BATCHES rounds: each round
 * runs one batch of REPEAT / BATCHES on each side of each program in turn,
 * on the same frame (the kernel's repeat loop also reruns the program on one
 * buffer, which the program may rewrite, without resetting it). The ns
 * columns are each side's median batch; the ratio columns are the median of
 * the per-round ratios. The sides compared ran moments apart, and each
 * program's rounds are spread over the whole run, so a neighbour's burst on
 * this shared machine moves a few rounds, not the figure; a machine busy for
 * most of the run still shows in it.
 * Both verdicts must agree before a time is printed. Needs CAP_BPF.
 *
 * For profiling (perf record), BENCH_BPF_PROFILE=LABEL runs only vnetd's
 * JIT on that program, REPEAT times, and prints its ns per run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <arpa/inet.h>

#include "bpf/map.h"
#include "bpf/obj.h"
#include "bpf/vm.h"
#include "bpf/xdp.h"
#include "core/pool.h"

/* Ethernet/IPv4/UDP 10.0.0.1:1234 -> 10.0.0.2:5678, zero-padded to 64 bytes */
static const uint8_t frame64[64] = {
	0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x32, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2, 0x04, 0xd2, 0x16, 0x2e, 0x00, 0x1e, 0x00, 0x00,
};

/*
 * parser.bpf.o's flows map: the frame's 5-tuple rewrites 10.0.0.2 to
 * 10.0.0.9 and the rewritten one back, so every run of the repeated (and
 * rewritten in place) frame is a hash hit with a checksum rewrite, in the
 * kernel and in vnetd alike.
 */
struct flow_key {
	uint32_t src[4];
	uint32_t dst[4];
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint8_t pad[3];
};

struct flow_val {
	uint64_t packets;
	uint64_t bytes;
	uint32_t new_dst;
	uint32_t pad;
};

static void flow_entry(int i, struct flow_key *k, struct flow_val *v)
{
	static const uint8_t a[] = { 10, 0, 0, 2 }, b[] = { 10, 0, 0, 9 }, s[] = { 10, 0, 0, 1 };

	memset(k, 0, sizeof(*k));
	memset(v, 0, sizeof(*v));
	memcpy(&k->src[0], s, 4);
	memcpy(&k->dst[0], i ? b : a, 4);
	k->sport = htons(1234);
	k->dport = htons(5678);
	k->proto = 17;
	memcpy(&v->new_dst, i ? a : b, 4);
}

#define BATCHES	9

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *in, unsigned int n)
{
	double v[BATCHES];

	memcpy(v, in, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The kernel's copy of one program, loaded with its maps filled */
struct kside {
	struct bpf_object *obj;
	int fd;
};

static int kernel_open(const char *path, const char *prog, struct kside *k)
{
	struct bpf_program *p;

	k->obj = bpf_object__open_file(path, NULL);
	if (!k->obj || libbpf_get_error(k->obj) || bpf_object__load(k->obj))
		return -1;
	if (bpf_object__find_map_by_name(k->obj, "flows")) {
		int fd = bpf_map__fd(bpf_object__find_map_by_name(k->obj, "flows"));

		for (int i = 0; i < 2; i++) {
			struct flow_key key;
			struct flow_val v;

			flow_entry(i, &key, &v);
			if (bpf_map_update_elem(fd, &key, &v, BPF_ANY))
				return -1;
		}
	}
	p = bpf_object__find_program_by_name(k->obj, prog);
	if (!p)
		return -1;
	k->fd = bpf_program__fd(p);
	return 0;
}

/*
 * One batch of @n runs in the kernel: ns per run on the thread's CPU clock,
 * the clock vnetd's side is timed with (it counts the thread's time in the
 * kernel too). test_run's own duration field is whole nanoseconds, rounded
 * down, which at 25 ns is up to 4% in the kernel's favour; the syscall's
 * fixed cost, spread over the batch, is far below 0.1 ns per run.
 */
static int kernel_batch(const struct kside *k, unsigned int n, double *ns, unsigned int *retval)
{
	uint8_t out[256];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame64, .data_size_in = sizeof(frame64),
		    .data_out = out, .data_size_out = sizeof(out), .repeat = n);
	double t0 = now_ns();

	if (bpf_prog_test_run_opts(k->fd, &o))
		return -1;
	*ns = (now_ns() - t0) / n;
	*retval = o.retval;
	return 0;
}

/* vnetd's copy of one program, in one engine, with its frame */
struct vside {
	struct vn_xdp_prog *xp;
	struct vn_pool *pool;
	struct vn_pkt *pkt;
};

static int vnetd_open(const char *path, const char *prog, unsigned int vm_flags,
		      struct vside *v)
{
	struct vn_xdp_opts xo = { .nworkers = 1, .vm_flags = vm_flags };

	if (vn_xdp_prog_open_file(path, prog, &xo, &v->xp))
		return -1;
	/* the engine asked for, or no figure */
	if (vn_xdp_prog_jited(v->xp) != !(vm_flags & VN_BPF_F_INTERP))
		return -1;
	if (vn_bpf_obj_map_find(v->xp->obj, "flows")) {
		for (int i = 0; i < 2; i++) {
			struct flow_key k;
			struct flow_val val;

			flow_entry(i, &k, &val);
			if (vn_map_update(vn_bpf_obj_map_find(v->xp->obj, "flows"), &k, &val,
					  BPF_ANY))
				return -1;
		}
	}
	if (vn_pool_create("bench", 2, &v->pool) || !(v->pkt = vn_pool_alloc(v->pool)) ||
	    vn_pkt_set(v->pkt, frame64, sizeof(frame64)))
		return -1;
	return 0;
}

/* One batch of @n runs in vnetd: the thread's CPU ns per run */
static void vnetd_batch(const struct vside *v, unsigned int n, double *ns, unsigned int *retval)
{
	double t0 = now_ns();
	int act = -1;

	for (unsigned int i = 0; i < n; i++)
		act = vn_xdp_run(v->xp, v->pkt, 0, NULL);
	*ns = (now_ns() - t0) / n;
	*retval = (unsigned int)act;
}

static void vnetd_close(struct vside *v)
{
	if (v->pkt)
		vn_pkt_put(v->pkt);
	vn_pool_destroy(v->pool);
	vn_xdp_prog_close(v->xp);
}

#define NPROGS	4

/* One program on the three sides, and what its rounds measured */
struct prog_sides {
	struct vside v[2];	/* interpreter, JIT */
	struct kside k;
	double ns[3][BATCHES];
	double ratio[2][BATCHES];
	unsigned int ret[3];
};

int main(int argc, char **argv)
{
	static const struct { const char *file, *prog, *label; } progs[NPROGS] = {
		{ "xdp1.bpf.o", "xdp_prog1", "xdp1" },
		{ "xdp2.bpf.o", "xdp_prog2", "xdp2" },
		{ "lru_flow.bpf.o", "xdp_flow", "lru_flow" },	/* hash + LRU lookups, subprograms */
		/* VLAN/IPv4/IPv6/TCP/UDP parse, 5-tuple hash hit, checksum rewrite */
		{ "parser.bpf.o", "xdp_parser", "parser" },
	};
	unsigned int repeat = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 1000000;
	unsigned int n = repeat / BATCHES ? repeat / BATCHES : 1;
	static struct prog_sides sides[NPROGS];
	FILE *jit = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	int jit_on = -1;

	if (argc < 2 || !repeat) {
		fprintf(stderr, "usage: %s PROGS_DIR [REPEAT]\n", argv[0]);
		return 2;
	}
	if (getenv("BENCH_BPF_PROFILE")) {
		for (size_t i = 0; i < NPROGS; i++) {
			struct vside v = { 0 };
			char path[512];
			unsigned int ret;
			double ns;

			if (strcmp(progs[i].label, getenv("BENCH_BPF_PROFILE")))
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[1], progs[i].file);
			if (vnetd_open(path, progs[i].prog, 0, &v))
				return 1;
			vnetd_batch(&v, repeat, &ns, &ret);
			vnetd_close(&v);
			printf("%s jit %.1f ns/run, verdict %u\n", progs[i].label, ns, ret);
			return 0;
		}
		return 2;
	}
	if (jit) {
		if (fscanf(jit, "%d", &jit_on) != 1)
			jit_on = -1;
		fclose(jit);
	}
	printf("# 64-byte UDP/IPv4 frame, %u runs each, kernel JIT %s\n", repeat,
	       jit_on == 1 ? "on" : jit_on == 0 ? "off" : "unknown");
	printf("%-8s %10s %10s %10s %12s %12s\n", "prog", "interp_ns", "jit_ns", "kernel_ns",
	       "interp/kern", "jit/kern");
	/* every program open on every side first: the rounds then visit them
	 * all in turn, so each program's rounds spread over the whole run */
	for (size_t i = 0; i < NPROGS; i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", argv[1], progs[i].file);
		if (vnetd_open(path, progs[i].prog, VN_BPF_F_INTERP, &sides[i].v[0]) ||
		    vnetd_open(path, progs[i].prog, 0, &sides[i].v[1]) ||
		    kernel_open(path, progs[i].prog, &sides[i].k)) {
			fprintf(stderr, "bench_bpf: %s: load failed (root and an x86-64 JIT "
				"needed)\n", path);
			return 1;
		}
	}
	for (unsigned int b = 0; b < BATCHES; b++)
		for (size_t i = 0; i < NPROGS; i++) {
			struct prog_sides *ps = &sides[i];

			vnetd_batch(&ps->v[0], n, &ps->ns[0][b], &ps->ret[0]);
			vnetd_batch(&ps->v[1], n, &ps->ns[1][b], &ps->ret[1]);
			if (kernel_batch(&ps->k, n, &ps->ns[2][b], &ps->ret[2])) {
				fprintf(stderr, "bench_bpf: %s: test_run failed\n", progs[i].label);
				return 1;
			}
			ps->ratio[0][b] = ps->ns[2][b] > 0 ? ps->ns[0][b] / ps->ns[2][b] : 0;
			ps->ratio[1][b] = ps->ns[2][b] > 0 ? ps->ns[1][b] / ps->ns[2][b] : 0;
		}
	for (size_t i = 0; i < NPROGS; i++) {
		struct prog_sides *ps = &sides[i];

		/* Same verdict first, or the times compare different work */
		if (ps->ret[0] != ps->ret[2] || ps->ret[1] != ps->ret[2]) {
			fprintf(stderr, "bench_bpf: %s: verdicts interp %u jit %u kernel %u\n",
				progs[i].label, ps->ret[0], ps->ret[1], ps->ret[2]);
			return 1;
		}
		printf("%-8s %10.1f %10.1f %10.1f %12.2f %12.2f\n", progs[i].label,
		       median(ps->ns[0], BATCHES), median(ps->ns[1], BATCHES),
		       median(ps->ns[2], BATCHES), median(ps->ratio[0], BATCHES),
		       median(ps->ratio[1], BATCHES));
		vnetd_close(&ps->v[0]);
		vnetd_close(&ps->v[1]);
		bpf_object__close(ps->k.obj);
	}
	return 0;
}

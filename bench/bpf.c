// SPDX-License-Identifier: MIT
/* bpf.c - ns per packet of XDP programs: vnetd's runtime against the kernel's test_run
 *
 * Usage: bench_bpf PROGS_DIR [REPEAT]
 * For xdp1 (parse, count by protocol, drop), xdp2 (count, MAC swap, TX) and
 * lru_flow (two subprograms, a hash miss and an LRU hit per packet) and
 * parser (Ethernet/VLAN/IPv4/IPv6/TCP/UDP, a hash hit, a checksum rewrite) from
 * tests/bpf/progs, on one 64-byte UDP/IPv4 frame:
 *  - vnetd: vn_xdp_run() REPEAT times on one worker, in the interpreter and
 *    as JIT code, timed with the
 *    thread's CPU clock (the whole runner: context, region, verdict,
 *    counters); CPU time, because the kernel's test_run timer also stops
 *    while the task is rescheduled (bpf_test_timer_continue()), and this
 *    machine is shared;
 *  - kernel: BPF_PROG_TEST_RUN with repeat = REPEAT, its duration field
 *    (average ns per run, JIT if net.core.bpf_jit_enable is 1).
 * Each side runs BATCHES batches of REPEAT / BATCHES runs on the same frame
 * (the kernel's repeat loop also reruns the program on one buffer, which
 * the program may rewrite, without resetting it) and prints the median
 * batch, so a neighbour's burst on this shared machine moves one batch, not
 * the figure.
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

#define BATCHES	5

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int kernel_ns(const char *path, const char *prog, unsigned int repeat,
		     double *ns, unsigned int *retval)
{
	uint8_t out[256];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame64, .data_size_in = sizeof(frame64),
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	double t[BATCHES];
	int ret;

	if (!obj || libbpf_get_error(obj) || bpf_object__load(obj))
		return -1;
	if (bpf_object__find_map_by_name(obj, "flows")) {
		int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "flows"));

		for (int i = 0; i < 2; i++) {
			struct flow_key k;
			struct flow_val v;

			flow_entry(i, &k, &v);
			if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
				return -1;
		}
	}
	p = bpf_object__find_program_by_name(obj, prog);
	ret = p ? 0 : -1;
	for (unsigned int b = 0; !ret && b < BATCHES; b++) {
		o.repeat = repeat / BATCHES ? repeat / BATCHES : 1;
		o.data_size_out = sizeof(out);
		ret = bpf_prog_test_run_opts(bpf_program__fd(p), &o);
		t[b] = o.duration;
	}
	*ns = median(t, BATCHES);
	*retval = o.retval;
	bpf_object__close(obj);
	return ret;
}

static int vnetd_ns(const char *path, const char *prog, unsigned int vm_flags,
		    unsigned int repeat, double *ns, unsigned int *retval)
{
	struct vn_xdp_opts xo = { .nworkers = 1, .vm_flags = vm_flags };
	struct vn_xdp_prog *xp;
	struct vn_pool *pool;
	struct vn_pkt *pkt;
	double t0, t[BATCHES];
	int act = -1;

	if (vn_xdp_prog_open_file(path, prog, &xo, &xp))
		return -1;
	/* the engine asked for, or no figure */
	if (vn_xdp_prog_jited(xp) != !(vm_flags & VN_BPF_F_INTERP)) {
		vn_xdp_prog_close(xp);
		return -1;
	}
	if (vn_bpf_obj_map_find(xp->obj, "flows")) {
		for (int i = 0; i < 2; i++) {
			struct flow_key k;
			struct flow_val v;

			flow_entry(i, &k, &v);
			if (vn_map_update(vn_bpf_obj_map_find(xp->obj, "flows"), &k, &v, BPF_ANY))
				return -1;
		}
	}
	if (vn_pool_create("bench", 2, &pool) || !(pkt = vn_pool_alloc(pool)) ||
	    vn_pkt_set(pkt, frame64, sizeof(frame64)))
		return -1;
	for (unsigned int b = 0, n = repeat / BATCHES ? repeat / BATCHES : 1; b < BATCHES; b++) {
		t0 = now_ns();
		for (unsigned int i = 0; i < n; i++)
			act = vn_xdp_run(xp, pkt, 0, NULL);
		t[b] = (now_ns() - t0) / n;
	}
	*ns = median(t, BATCHES);
	*retval = (unsigned int)act;
	vn_pkt_put(pkt);
	vn_pool_destroy(pool);
	vn_xdp_prog_close(xp);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *file, *prog, *label; } progs[] = {
		{ "xdp1.bpf.o", "xdp_prog1", "xdp1" },
		{ "xdp2.bpf.o", "xdp_prog2", "xdp2" },
		{ "lru_flow.bpf.o", "xdp_flow", "lru_flow" },	/* hash + LRU lookups, subprograms */
		/* VLAN/IPv4/IPv6/TCP/UDP parse, 5-tuple hash hit, checksum rewrite */
		{ "parser.bpf.o", "xdp_parser", "parser" },
	};
	unsigned int repeat = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 1000000;
	FILE *jit = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	int jit_on = -1;

	if (argc < 2 || !repeat) {
		fprintf(stderr, "usage: %s PROGS_DIR [REPEAT]\n", argv[0]);
		return 2;
	}
	if (getenv("BENCH_BPF_PROFILE")) {
		for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
			char path[512];
			unsigned int ret;
			double ns;

			if (strcmp(progs[i].label, getenv("BENCH_BPF_PROFILE")))
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[1], progs[i].file);
			if (vnetd_ns(path, progs[i].prog, 0, repeat, &ns, &ret))
				return 1;
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
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		char path[512];
		double ins, jns, kns;
		unsigned int iret, jret, kret;

		snprintf(path, sizeof(path), "%s/%s", argv[1], progs[i].file);
		if (vnetd_ns(path, progs[i].prog, VN_BPF_F_INTERP, repeat, &ins, &iret) ||
		    vnetd_ns(path, progs[i].prog, 0, repeat, &jns, &jret) ||
		    kernel_ns(path, progs[i].prog, repeat, &kns, &kret)) {
			fprintf(stderr, "bench_bpf: %s: load or run failed (root and an x86-64 "
				"JIT needed)\n", path);
			return 1;
		}
		/* Same verdict first, or the times compare different work */
		if (iret != kret || jret != kret) {
			fprintf(stderr, "bench_bpf: %s: verdicts interp %u jit %u kernel %u\n",
				progs[i].label, iret, jret, kret);
			return 1;
		}
		printf("%-8s %10.1f %10.1f %10.1f %12.2f %12.2f\n", progs[i].label, ins, jns, kns,
		       kns > 0 ? ins / kns : 0, kns > 0 ? jns / kns : 0);
	}
	return 0;
}

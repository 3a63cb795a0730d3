// SPDX-License-Identifier: MIT
/* fuzz_bpf_jit.c - libFuzzer: the JIT against the interpreter on valid programs
 *
 * The input is eBPF instruction slots. A program the validator accepts is
 * loaded three times (interpreter, JIT, JIT with blinded constants) and
 * each copy runs on the same 64-byte packet and 32-byte map value, with a
 * small budget and helpers that read, write and abort. Invariants: the
 * error codes are equal; without an error r0, the packet and the map value
 * are equal too (after -ETIME the JIT may stop at the head of the block
 * the interpreter stopped inside, so bytes may differ); the guard bytes
 * around the packet never change; no run takes more than a bound.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf/vm.h"

#define GUARD	32
#define PKT	64
#define RUN_NS_MAX	(2ull * 1000 * 1000 * 1000)	/* 20000 insns: far below */

static uint64_t fz_sum(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
		       uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)rc;
	return r1 ^ r2 ^ r3 ^ r4 ^ r5;
}

/* fz_memset() - (ptr, len, byte): a helper that writes program memory */
static uint64_t fz_memset(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			  uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)r4; (void)r5;
	if (r2 > 4096 || vn_bpf_check_mem(rc, r1, (size_t)r2, 1)) {
		vn_bpf_abort(rc, -EFAULT);
		return 0;
	}
	if (r2)
		memset((void *)(uintptr_t)r1, (int)r3, (size_t)r2);
	return r2;
}

/* fz_abort() - stops the program when r1 is odd */
static uint64_t fz_abort(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			 uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)r2; (void)r3; (void)r4; (void)r5;
	if (r1 & 1)
		vn_bpf_abort(rc, -EPERM);
	return r1 >> 1;
}

static uint64_t fz_map[4];
/* one packet buffer for every engine: pointer values, and so r0, agree */
static uint8_t fz_pkt[PKT + 2 * GUARD];

static int fz_resolve(void *arg, unsigned int pseudo, int32_t imm, int32_t next_imm,
		      uint64_t *value)
{
	(void)arg;
	if (imm != 0)
		return -ENOENT;
	*value = (uintptr_t)fz_map;
	if (pseudo == 2 || pseudo == 6)
		*value += (uint64_t)(int64_t)next_imm;
	return 0;
}

static const vn_bpf_helper_fn fz_helpers[] = { NULL, fz_sum, fz_memset, fz_abort };

/**
 * struct outcome - what one engine left behind
 * @r0:		return value
 * @err:	run error
 * @pkt:	the packet with its guards
 * @map:	the map value
 */
struct outcome {
	uint64_t r0;
	int err;
	uint8_t pkt[PKT + 2 * GUARD];
	uint64_t map[4];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* run_engine() - load with @flags and run; 0, or -1 when the load failed */
static int run_engine(const struct vn_bpf_insn *insns, size_t n, unsigned int flags,
		      struct outcome *o)
{
	static struct vn_bpf_run_ctx rc;
	const struct vn_bpf_env env = {
		.helpers = fz_helpers, .nhelpers = 4, .map_resolve = fz_resolve,
		.max_insns = 4096, .budget = 20000, .flags = flags,
	};
	struct vn_bpf_prog *p;
	uint64_t t0;
	char log[256];
	int err;

	err = vn_bpf_prog_load(insns, n, &env, &p, log, sizeof(log));
	if (err) {
		if (err != -EINVAL && err != -ENOENT)
			abort();
		return -1;
	}
	/* the JIT was asked for and this host has one: it must be used */
	if (!(flags & VN_BPF_F_INTERP) && vn_bpf_jit_supported() && !vn_bpf_prog_jited(p))
		abort();
	memset(fz_pkt, 0xee, sizeof(fz_pkt));
	for (int i = 0; i < PKT; i++)
		fz_pkt[GUARD + i] = (uint8_t)(i * 7);
	memset(fz_map, 0x5a, sizeof(fz_map));
	vn_bpf_run_ctx_init(&rc, NULL);
	vn_bpf_run_ctx_add_region(&rc, fz_pkt + GUARD, PKT, 1);
	vn_bpf_run_ctx_add_region(&rc, fz_map, sizeof(fz_map), 1);
	t0 = mono_ns();
	o->r0 = vn_bpf_run(p, &rc, (uintptr_t)(fz_pkt + GUARD), &o->err);
	if (mono_ns() - t0 > RUN_NS_MAX)
		abort();
	memcpy(o->pkt, fz_pkt, sizeof(fz_pkt));
	memcpy(o->map, fz_map, sizeof(fz_map));
	vn_bpf_prog_free(p);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int engines[] = { 0, VN_BPF_F_HARDEN };
	static struct outcome ref, got;
	size_t n = size / sizeof(struct vn_bpf_insn);
	struct vn_bpf_insn *insns;

	if (n == 0 || n > 4096)
		return 0;
	insns = malloc(n * sizeof(*insns));
	memcpy(insns, data, n * sizeof(*insns));
	if (run_engine(insns, n, VN_BPF_F_INTERP, &ref)) {
		free(insns);
		return 0;
	}
	if (ref.err && ref.err != -EFAULT && ref.err != -ETIME && ref.err != -EPERM &&
	    ref.err != -EINVAL)
		abort();
	for (size_t e = 0; e < sizeof(engines) / sizeof(engines[0]); e++) {
		/* a program one engine accepts, the other accepts */
		if (run_engine(insns, n, engines[e], &got))
			abort();
		if (got.err != ref.err)
			abort();
		if (!ref.err && (got.r0 != ref.r0 || memcmp(got.pkt, ref.pkt, sizeof(ref.pkt)) ||
				 memcmp(got.map, ref.map, sizeof(ref.map))))
			abort();
		/* nothing outside the regions moved, in any engine */
		for (int i = 0; i < GUARD; i++)
			if (got.pkt[i] != 0xee || got.pkt[GUARD + PKT + i] != 0xee)
				abort();
	}
	free(insns);
	return 0;
}

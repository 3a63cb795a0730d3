// SPDX-License-Identifier: MIT
/* fuzz_bpf_jit.c - libFuzzer: the JIT against the interpreter on valid programs
 *
 * The input is eBPF instruction slots. A program the validator accepts is
 * loaded three times (interpreter, JIT, JIT with blinded constants) and
 * each copy runs on the same 64-byte packet and 32-byte map value, with a
 * small budget and helpers that read, write and abort. To see the whole
 * register file, the program is first rewritten (instrument()): r2-r9 are
 * zeroed at entry (as they already are), and every EXIT of the main
 * function jumps to an epilogue that stores r0-r9 at r10-8..r10-80 before
 * exiting, so the stack's top holds the final registers. Invariants: the
 * error codes are equal; without an error r0-r9, the packet and the map value
 * are equal too (after -ETIME the JIT may stop at the head of the block
 * the interpreter stopped inside, so bytes may differ); the guard bytes
 * around the packet never change; no run takes more than a bound.
 * Helper 4 is an array lookup on the map (four 8-byte values) that the JIT
 * inlines when r1 is the map's constant handle: the interpreter calls
 * fz_lookup(), the helper's steps in C, and both must agree (VAs included).
 *
 * An input one byte longer than its slots runs in XDP form: r1 is a
 * context table whose fields 0 and 1 are data and data_end, a window of
 * that last byte % 49 bytes inside the packet (16 bytes in, so the bytes
 * around it exist but are out of reach), and the JIT may prove packet
 * accesses the program checked itself (constant and register offsets,
 * jit_x86_pktvar.c). A proof the JIT gets wrong shows as an access the
 * interpreter faults on and the JIT does not. The seeds xdp_edge and
 * xdp_edge_past read 8 bytes at data + V and at data + V + 1 after
 * checking data + V + 8 <= data_end, on an 8-byte window: a proof one
 * byte too long fails the second seed at once.
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
	void *p;

	(void)r4; (void)r5;
	if (!r2)
		return 0;
	if (r2 > 4096 || !(p = vn_bpf_translate(rc, r1, (size_t)r2, 1))) {
		vn_bpf_abort(rc, -EFAULT);
		return 0;
	}
	memset(p, (int)r3, (size_t)r2);
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

/* fz_lookup() - bpf_map_lookup_elem() on fz_map, as h_map_lookup_elem() does it */
static uint64_t fz_lookup(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			  uint64_t r3, uint64_t r4, uint64_t r5)
{
	uint32_t idx;
	void *key;

	(void)r3; (void)r4; (void)r5;
	if (r1 != VN_BPF_MAP_HANDLE(0)) {
		vn_bpf_abort(rc, -EINVAL);
		return 0;
	}
	key = vn_bpf_translate(rc, r2, 4, 0);
	if (!key) {
		vn_bpf_abort(rc, -EFAULT);
		return 0;
	}
	if (vn_bpf_charge(rc, 4))
		return 0;
	memcpy(&idx, key, 4);
	return idx < 4 ? vn_bpf_run_ctx_map_value(rc, &fz_map[idx], 8, 1) : 0;
}

static const struct vn_bpf_array_desc fz_arrays[1] = { {
	.values = fz_map, .max_entries = 4, .value_size = 8, .elem_stride = 8,
	.ncpus = 1, .writable = 1, .cost = 4,
} };
/* one packet buffer for every engine: pointer values, and so r0, agree */
static uint8_t fz_pkt[PKT + 2 * GUARD];

#define WIN_LO	16	/* XDP form: the window's first byte in the packet */
static int fz_xdp;		/* this input runs in XDP form */
static uint32_t fz_win;		/* its window's length */

static int fz_resolve(void *arg, unsigned int pseudo, int32_t imm, int32_t next_imm,
		      uint64_t *value)
{
	(void)arg;
	if (imm != 0)
		return -ENOENT;
	/* the map's values are slot 2 (the packet is slot 1; XDP form: 3 and 2,
	 * the context is 1); the map is a handle */
	if (pseudo == 2 || pseudo == 6)
		*value = VN_BPF_VA(fz_xdp ? 3 : 2, 0) + (uint64_t)(int64_t)next_imm;
	else
		*value = VN_BPF_MAP_HANDLE(0);
	return 0;
}

static const vn_bpf_helper_fn fz_helpers[] = { NULL, fz_sum, fz_memset, fz_abort, fz_lookup };

/**
 * struct outcome - what one engine left behind
 * @r0:		return value
 * @err:	run error
 * @regs:	r0-r9 at the final EXIT (instrumented programs)
 * @pkt:	the packet with its guards
 * @map:	the map value
 */
struct outcome {
	uint64_t r0;
	int err;
	uint64_t regs[10];
	uint8_t pkt[PKT + 2 * GUARD];
	uint64_t map[4];
};

#define PRE	8	/* mov r2..r9, 0 */
#define EPI	11	/* ten stores and EXIT */

static struct vn_bpf_insn mk(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct vn_bpf_insn in = { .code = code, .dst = dst, .src = src, .off = off, .imm = imm };

	return in;
}

/**
 * instrument() - Copy @n slots into @out with the register dump (see above)
 * @in:		program
 * @n:		slots
 * @out:	room for n + PRE + EPI slots
 *
 * Return: slots written, or 0 when a main-function EXIT is too far from
 * the epilogue for a 16-bit jump
 */
static size_t instrument(const struct vn_bpf_insn *in, size_t n, struct vn_bpf_insn *out)
{
	size_t f1 = n, i, o = 0;

	/* the main function ends where the first subprogram starts */
	for (i = 0; i < n; i++) {
		if (in[i].code == (VN_BPF_JMP | VN_BPF_CALL) && in[i].src == VN_BPF_CALL_LOCAL) {
			int64_t t = (int64_t)i + 1 + in[i].imm;

			if (t > (int64_t)i && (size_t)t < f1)
				f1 = (size_t)t;
		}
		if (in[i].code == VN_BPF_LD_IMM64)
			i++;
	}
	for (i = 2; i <= 9; i++)
		out[o++] = mk(VN_BPF_ALU64 | VN_BPF_MOV | VN_BPF_K, (uint8_t)i, 0, 0, 0);
	for (i = 0; i < f1; i++) {
		struct vn_bpf_insn x = in[i];

		if (x.code == (VN_BPF_JMP | VN_BPF_EXIT)) {
			int64_t d = (int64_t)f1 - (int64_t)i - 1;

			if (d > INT16_MAX)
				return 0;
			x = mk(VN_BPF_JMP | VN_BPF_JA, 0, 0, (int16_t)d, 0);
		} else if (x.code == (VN_BPF_JMP | VN_BPF_CALL) && x.src == VN_BPF_CALL_LOCAL &&
			   (int64_t)i + 1 + x.imm >= (int64_t)f1) {
			x.imm += EPI;	/* the epilogue now sits between */
		}
		out[o++] = x;
	}
	for (i = 0; i < 10; i++)
		out[o++] = mk(VN_BPF_STX | VN_BPF_MEM | VN_BPF_DW, VN_BPF_REG_FP, (uint8_t)i,
			      (int16_t)(-8 * (int)(i + 1)), 0);
	out[o++] = mk(VN_BPF_JMP | VN_BPF_EXIT, 0, 0, 0, 0);
	for (i = f1; i < n; i++)
		out[o++] = in[i];
	return o;
}

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
		.helpers = fz_helpers, .nhelpers = 5, .map_resolve = fz_resolve,
		.max_insns = 4096, .budget = 20000, .flags = flags,
		.arrays = fz_arrays, .narrays = 1, .lookup_id = 4,
		.ctx_fields = fz_xdp ? 2 : 0, .ctx_pkt_data = fz_xdp ? 1 : 0,
		.ctx_pkt_end = fz_xdp ? 2 : 0, .pkt_slot = fz_xdp ? 2 : 0,
		.pkt_moving = { 2 },	/* fz_memset: may as well have moved it */
	};
	uint64_t r1 = VN_BPF_VA(1, 0);
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
	if (fz_xdp) {
		if (vn_bpf_run_ctx_add_table(&rc, 2) != 1 ||
		    vn_bpf_run_ctx_add_region(&rc, NULL, 0, 1) != 2 ||
		    vn_bpf_run_ctx_set_window(&rc, 2, fz_pkt + GUARD, WIN_LO, fz_win, 1))
			abort();
		rc.ctx_vals[0] = VN_BPF_VA(2, WIN_LO);
		rc.ctx_vals[1] = VN_BPF_VA(2, WIN_LO + fz_win);
	} else {
		vn_bpf_run_ctx_add_region(&rc, fz_pkt + GUARD, PKT, 1);
	}
	vn_bpf_run_ctx_add_region(&rc, fz_map, sizeof(fz_map), 1);
	t0 = mono_ns();
	o->r0 = vn_bpf_run(p, &rc, r1, &o->err);
	if (mono_ns() - t0 > RUN_NS_MAX)
		abort();
	memcpy(o->pkt, fz_pkt, sizeof(fz_pkt));
	for (int r = 0; r < 10; r++)
		memcpy(&o->regs[r], rc.stack + sizeof(rc.stack) - 8 * (r + 1), 8);
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
	struct vn_bpf_insn *insns, *raw;
	int regs = 1;

	if (n == 0 || n > 4096 - PRE - EPI)
		return 0;
	fz_xdp = size % sizeof(struct vn_bpf_insn) == 1;
	fz_win = fz_xdp ? data[size - 1] % (PKT - WIN_LO + 1) : 0;
	raw = malloc(n * sizeof(*raw));
	insns = malloc((n + PRE + EPI) * sizeof(*insns));
	memcpy(raw, data, n * sizeof(*raw));
	{
		size_t m = instrument(raw, n, insns);

		/* the dump changes nothing the program does, but must validate too */
		if (m && !run_engine(insns, m, VN_BPF_F_INTERP, &ref)) {
			n = m;
		} else {
			memcpy(insns, raw, n * sizeof(*raw));
			regs = 0;
			if (run_engine(insns, n, VN_BPF_F_INTERP, &ref)) {
				free(raw);
				free(insns);
				return 0;
			}
		}
	}
	free(raw);
	/* -EACCES: XDP form, a context load other than an aligned field */
	if (ref.err && ref.err != -EFAULT && ref.err != -ETIME && ref.err != -EPERM &&
	    ref.err != -EINVAL && (ref.err != -EACCES || !fz_xdp))
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
		if (!ref.err && regs && memcmp(got.regs, ref.regs, sizeof(ref.regs)))
			abort();
		/* nothing outside the regions moved, in any engine */
		for (int i = 0; i < GUARD; i++)
			if (got.pkt[i] != 0xee || got.pkt[GUARD + PKT + i] != 0xee)
				abort();
	}
	free(insns);
	return 0;
}

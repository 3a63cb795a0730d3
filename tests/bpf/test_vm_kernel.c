// SPDX-License-Identifier: MIT
/* test_vm_kernel.c - both engines against the Linux kernel on random programs
 *
 * The kernel is the reference eBPF implementation. Each case is a random
 * straight-and-forward-branching program: r0-r9 loaded with random 64-bit
 * constants, a zeroed 64-byte stack area, then random ALU/ALU64 operations
 * (every opcode incl. sdiv/smod, movsx, bswap, shifts), JMP/JMP32 forward
 * jumps, stack loads/stores (incl. sign-extending loads) and atomics,
 * counted loops and BPF-to-BPF calls to a random subprogram, and finally
 * every register and the stack area folded into r0. The program runs in the kernel
 * (BPF_PROG_TEST_RUN on a socket filter), in the interpreter, the JIT and
 * the hardened JIT (all 64 bits of r0 compared between ours); the kernel's
 * return value is 32 bits wide, so each case runs twice, once returning the
 * fold's low half and once its high half. Needs root (suite e2e).
 * VN_BPF_DUMP_DIR=dir also writes the first 16 programs there (the seeds in
 * fuzz/corpus/fuzz_bpf_vm/kernel_diff_* were made that way).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bpf/vm.h"
#include "core/compiler.h"
#include "bpf_asm.h"

#define NCASES	400
#define MAXI	1024

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the printed seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rndn(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

/* interesting constants: edges of every width, plus random bits */
static uint64_t rnd_value(void)
{
	static const uint64_t edge[] = {
		0, 1, 2, 7, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
		0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
		0x8000000000000000ull, 0xffffffffffffffffull, 0xfffffffffffffffeull,
	};

	switch (rndn(4)) {
	case 0: return edge[rndn(sizeof(edge) / sizeof(edge[0]))];
	case 1: return (uint64_t)(int64_t)(int32_t)rnd();
	case 2: return rnd() & 0xff;
	default: return rnd();
	}
}

static int32_t rnd_imm(void)
{
	return (int32_t)rnd_value();
}

struct gen {
	struct vn_bpf_insn in[MAXI];
	size_t n;
	size_t pend;	/* furthest forward-jump target emitted so far */
	unsigned int nloops;
	unsigned int ncalls;
};

static void emit(struct gen *g, struct vn_bpf_insn i)
{
	g->in[g->n++] = i;
}

/* registers random instructions may write: all ten, or fewer inside a loop/callee */
static unsigned int nwreg = 10;

static uint8_t rreg(void)
{
	return (uint8_t)rndn(nwreg);
}

static void gen_alu(struct gen *g)
{
	static const uint8_t ops[] = { VN_BPF_ADD, VN_BPF_SUB, VN_BPF_MUL, VN_BPF_DIV,
				       VN_BPF_OR, VN_BPF_AND, VN_BPF_LSH, VN_BPF_RSH,
				       VN_BPF_NEG, VN_BPF_MOD, VN_BPF_XOR, VN_BPF_MOV,
				       VN_BPF_ARSH, VN_BPF_END };
	uint8_t op = ops[rndn(sizeof(ops))];
	int is64 = rndn(2), x = rndn(2);
	uint8_t cls = is64 ? VN_BPF_ALU64 : VN_BPF_ALU, d = rreg(), s = rreg();
	int16_t off = 0;
	int32_t imm = rnd_imm();

	if (op == VN_BPF_NEG) {
		emit(g, I(cls | op, d, 0, 0, 0));
		return;
	}
	if (op == VN_BPF_END) {
		static const int32_t w[] = { 16, 32, 64 };

		emit(g, I(cls | op | (is64 ? 0 : (x ? VN_BPF_TO_BE : VN_BPF_TO_LE)), d, 0, 0,
			  w[rndn(3)]));
		return;
	}
	if ((op == VN_BPF_DIV || op == VN_BPF_MOD) && rndn(2))
		off = 1;	/* signed */
	if (op == VN_BPF_MOV && x && rndn(2)) {
		static const int16_t w[] = { 8, 16, 32 };

		off = w[rndn(is64 ? 3 : 2)];
	}
	if (!x) {
		/* the kernel rejects constant shifts out of range and division by 0 */
		if (op == VN_BPF_LSH || op == VN_BPF_RSH || op == VN_BPF_ARSH)
			imm = (int32_t)rndn(is64 ? 64 : 32);
		if ((op == VN_BPF_DIV || op == VN_BPF_MOD) && imm == 0)
			imm = 3;
		emit(g, I(cls | VN_BPF_K | op, d, 0, off, imm));
	} else {
		emit(g, I(cls | VN_BPF_X | op, d, s, off, 0));
	}
}

static void gen_jmp(struct gen *g, size_t room)
{
	static const uint8_t ops[] = { VN_BPF_JEQ, VN_BPF_JGT, VN_BPF_JGE, VN_BPF_JSET,
				       VN_BPF_JNE, VN_BPF_JSGT, VN_BPF_JSGE, VN_BPF_JLT,
				       VN_BPF_JLE, VN_BPF_JSLT, VN_BPF_JSLE };
	uint8_t cls = rndn(2) ? VN_BPF_JMP : VN_BPF_JMP32;
	int16_t off = (int16_t)(1 + rndn((uint32_t)VN_MIN(room, 4)));

	if (rndn(2))
		emit(g, I(cls | VN_BPF_K | ops[rndn(sizeof(ops))], rreg(), 0, off, rnd_imm()));
	else
		emit(g, I(cls | VN_BPF_X | ops[rndn(sizeof(ops))], rreg(), rreg(), off, 0));
	if (g->n + (size_t)off > g->pend)
		g->pend = g->n + (size_t)off;
}

/* settle() - pad with no-ops so no pending forward jump lands in what follows */
static void settle(struct gen *g)
{
	while (g->n < g->pend)
		emit(g, ALU64_IMM(ADD, 0, 0));
}

static void gen_mem(struct gen *g)
{
	static const uint8_t sizes[] = { VN_BPF_B, VN_BPF_H, VN_BPF_W, VN_BPF_DW };
	static const int bytes[] = { 1, 2, 4, 8 };
	unsigned int k = rndn(4);
	/* naturally aligned slots inside the zeroed [r10-64, r10) area */
	int16_t off = (int16_t)(-64 + (int)rndn(64 / bytes[k]) * bytes[k]);

	switch (rndn(5)) {
	case 0:
		emit(g, I(VN_BPF_LDX | VN_BPF_MEM | sizes[k], rreg(), 10, off, 0));
		break;
	case 1:
		if (k == 3)
			k = 2;	/* no 64-bit sign-extending load */
		off = (int16_t)(-64 + (int)rndn(64 / bytes[k]) * bytes[k]);
		emit(g, I(VN_BPF_LDX | VN_BPF_MEMSX | sizes[k], rreg(), 10, off, 0));
		break;
	case 2:
		emit(g, I(VN_BPF_ST | VN_BPF_MEM | sizes[k], 10, 0, off, rnd_imm()));
		break;
	case 3:
		emit(g, I(VN_BPF_STX | VN_BPF_MEM | sizes[k], 10, rreg(), off, 0));
		break;
	default: {
		static const int32_t aops[] = { VN_BPF_ADD, VN_BPF_OR, VN_BPF_AND, VN_BPF_XOR,
						VN_BPF_ADD | VN_BPF_FETCH, VN_BPF_OR | VN_BPF_FETCH,
						VN_BPF_AND | VN_BPF_FETCH, VN_BPF_XOR | VN_BPF_FETCH,
						VN_BPF_XCHG, VN_BPF_CMPXCHG };
		unsigned int dw = rndn(2);

		off = (int16_t)(-64 + (int)rndn(dw ? 8 : 16) * (dw ? 8 : 4));
		emit(g, I(VN_BPF_STX | VN_BPF_ATOMIC | (dw ? VN_BPF_DW : VN_BPF_W), 10,
			  rreg(), off, aops[rndn(sizeof(aops) / sizeof(aops[0]))]));
	}
	}
}

static void load_regs(struct gen *g, uint8_t from, uint8_t to)
{
	uint8_t r;

	for (r = from; r <= to; r++) {
		uint64_t v = rnd_value();

		emit(g, (struct vn_bpf_insn)I(VN_BPF_LD_IMM64, r, 0, 0, (int32_t)(uint32_t)v));
		emit(g, (struct vn_bpf_insn)I(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32)));
	}
}

static void zero_stack(struct gen *g)
{
	int i;

	for (i = 0; i < 8; i++)
		emit(g, ST(DW, 10, (int16_t)(-64 + 8 * i), 0));
}

/* gen_loop() - a counted loop in r9 (1-6 rounds) around ALU ops that leave r9 alone */
static void gen_loop(struct gen *g)
{
	size_t start, k = 1 + rndn(6), i;

	emit(g, MOV64_IMM(9, (int32_t)(1 + rndn(6))));
	start = g->n;
	nwreg = 9;
	for (i = 0; i < k; i++)
		gen_alu(g);
	nwreg = 10;
	emit(g, ALU64_IMM(SUB, 9, 1));
	emit(g, JMP_IMM(JNE, 9, 0, (int16_t)((int64_t)start - (int64_t)g->n - 1)));
}

/* gen_subprog() - a callee: zeroes its own stack area, random ops on r0-r9, returns r0 */
static void gen_subprog(struct gen *g)
{
	size_t i, body = 5 + rndn(20);

	zero_stack(g);
	emit(g, MOV64_REG(0, 1));
	/* the callee clobbers r6-r9 too: the caller must get its own back */
	load_regs(g, 6, 9);
	for (i = 0; i < body; i++) {
		unsigned int k = rndn(10);

		if (k < 7 || i + 1 == body)
			gen_alu(g);
		else if (k < 9)
			gen_mem(g);
		else
			gen_jmp(g, body - i - 1);	/* never past the EXIT */
	}
	nwreg = 10;
	settle(g);
	emit(g, EXIT());
}

/* gen_prog() - one random case; @high selects which half of the fold r0 returns */
static void gen_prog(struct gen *g, uint64_t seed, int high)
{
	size_t calls[8], ncalls = 0, body, i, sub;
	uint8_t r;

	rng_state = seed;
	g->n = 0;
	g->pend = 0;
	g->nloops = 0;
	load_regs(g, 0, 9);
	zero_stack(g);
	body = 20 + rndn(80);
	for (i = 0; i < body; i++) {
		unsigned int k = rndn(40);

		if (k < 22) {
			gen_alu(g);
		} else if (k < 30) {
			gen_mem(g);
		} else if (k < 37) {
			gen_jmp(g, body - i);
		} else if (k < 39 || ncalls == 8) {
			/* no jump may land inside a loop (it would skip the counter) */
			settle(g);
			gen_loop(g);
			g->nloops++;
		} else {
			/* call the subprogram; r1-r5 are dead afterwards: reload them */
			settle(g);
			calls[ncalls++] = g->n;
			emit(g, CALL_LOCAL(0));
			load_regs(g, 1, 5);
		}
	}
	/* fold: r0 = (((r0 * P) ^ r1) * P ^ r2) ... ^ r9, plus the stack area */
	for (r = 1; r < 10; r++) {
		emit(g, ALU64_IMM(MUL, 0, 1000003));
		emit(g, ALU64_REG(XOR, 0, r));
	}
	for (i = 0; i < 8; i++) {
		emit(g, LDX(DW, 1, 10, (int16_t)(-64 + 8 * (int)i)));
		emit(g, ALU64_IMM(MUL, 0, 1000003));
		emit(g, ALU64_REG(XOR, 0, 1));
	}
	if (high)
		emit(g, ALU64_IMM(RSH, 0, 32));
	emit(g, EXIT());
	g->ncalls = (unsigned int)ncalls;
	if (ncalls) {
		sub = g->n;
		gen_subprog(g);
		for (i = 0; i < ncalls; i++)
			g->in[calls[i]].imm = (int32_t)((int64_t)sub - (int64_t)calls[i] - 1);
	}
}

/* kernel_run() - load as a socket filter, BPF_PROG_TEST_RUN once; -errno or 0 */
static int kernel_run(const struct gen *g, uint32_t *ret, char *log, size_t log_sz)
{
	LIBBPF_OPTS(bpf_prog_load_opts, lopts, .log_buf = log, .log_size = (unsigned int)log_sz,
		    .log_level = 1);
	uint8_t pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);
	int fd, err;

	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "vn_isa_diff", "GPL",
			   (const struct bpf_insn *)g->in, g->n, &lopts);
	if (fd < 0)
		return -errno;
	err = bpf_prog_test_run_opts(fd, &topts);
	close(fd);
	if (err)
		return -errno;
	*ret = topts.retval;
	return 0;
}

/* vm_run() - run a case in one of our engines (VN_BPF_F_INTERP or the JIT) */
static uint64_t vm_run(const struct gen *g, unsigned int flags, int *err)
{
	const struct vn_bpf_env env = { .flags = flags };
	static struct vn_bpf_run_ctx rc;
	struct vn_bpf_prog *p;
	char log[256];
	uint64_t r0;

	*err = vn_bpf_prog_load(g->in, g->n, &env, &p, log, sizeof(log));
	if (*err) {
		print_error("vm rejected: %s\n", log);
		return 0;
	}
	if (vn_bpf_prog_jited(p) != (!(flags & VN_BPF_F_INTERP) && vn_bpf_jit_supported())) {
		print_error("vm: not the engine asked for\n");
		*err = -ENOEXEC;
		vn_bpf_prog_free(p);
		return 0;
	}
	vn_bpf_run_ctx_init(&rc, NULL);
	r0 = vn_bpf_run(p, &rc, 0, err);
	vn_bpf_prog_free(p);
	return r0;
}

/* dump_prog() - write a case as raw slots (seeds for fuzz/fuzz_bpf_vm) */
static void dump_prog(const struct gen *g, const char *dir, int c)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/kernel_diff_%02d", dir, c);
	f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(g->in, sizeof(g->in[0]), g->n, f);
	fclose(f);
}

static void test_vm_kernel_random_isa(void **state)
{
	static char klog[1 << 16];
	uint64_t base = 0x5eed0000ull;
	int c, half, compared = 0, with_loops = 0, with_calls = 0;

	(void)state;
	if (getenv("VN_BPF_DIFF_SEED"))
		base = strtoull(getenv("VN_BPF_DIFF_SEED"), NULL, 0);
	print_message("seed base 0x%llx, %d cases\n", (unsigned long long)base, NCASES);
	for (c = 0; c < NCASES; c++) {
		for (half = 0; half < 2; half++) {
			struct gen g;
			uint32_t kret = 0;
			uint64_t vret, jret;
			int kerr, verr, jerr, e;

			gen_prog(&g, base + (uint64_t)c, half);
			if (getenv("VN_BPF_DUMP_DIR") && !half && c < 16)
				dump_prog(&g, getenv("VN_BPF_DUMP_DIR"), c);
			with_loops += !half && g.nloops;
			with_calls += !half && g.ncalls;
			kerr = kernel_run(&g, &kret, klog, sizeof(klog));
			if (kerr)
				fail_msg("case %d: kernel refused (%d): %s", c, kerr,
					 klog + (strlen(klog) > 2000 ? strlen(klog) - 2000 : 0));
			for (e = 0; e < 2; e++) {
				vret = vm_run(&g, e ? VN_BPF_F_HARDEN : VN_BPF_F_INTERP, &verr);
				jret = vm_run(&g, 0, &jerr);
				if (verr || (uint32_t)vret != kret || jerr || jret != vret)
					fail_msg("case %d half %d (seed 0x%llx): %s 0x%llx err %d, "
						 "jit 0x%llx err %d, kernel 0x%x", c, half,
						 (unsigned long long)(base + (uint64_t)c),
						 e ? "hardened jit" : "interp",
						 (unsigned long long)vret, verr,
						 (unsigned long long)jret, jerr, kret);
			}
			compared++;
		}
	}
	/* every case really ran on both sides, and the generator used its features */
	print_message("%d cases with loops, %d with calls\n", with_loops, with_calls);
	assert_int_equal(compared, 2 * NCASES);
	assert_true(with_loops > NCASES / 10);
	assert_true(with_calls > NCASES / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_kernel_random_isa),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

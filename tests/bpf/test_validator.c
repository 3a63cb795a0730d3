// SPDX-License-Identifier: MIT
/* test_validator.c - hostile programs: every validator rule and every run-time guard
 *
 * Numbered table of programs that must be rejected (with the rule's words in
 * the log), programs that must be accepted, and programs that pass the
 * validator but must be stopped at run time: accesses outside every region,
 * runaway loops, helpers that refuse a pointer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bpf/vm.h"
#include "bpf_asm.h"

#define MAXP 24

/**
 * struct bad_case - a program the validator must reject
 * @name:	the rule it breaks
 * @prog:	instructions (trailing all-zero slots dropped, unless @n is set)
 * @n:		explicit length, 0 to compute it
 * @err:	expected return value
 * @why:	substring the log must contain
 */
struct bad_case {
	const char *name;
	struct vn_bpf_insn prog[MAXP];
	size_t n;
	int err;
	const char *why;
};

static uint64_t helper_sum(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			   uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)rc;
	return r1 + r2 + r3 + r4 + r5;
}

/* helper_read8() - reads 8 bytes at r1 the safe way, as map helpers must */
static uint64_t helper_read8(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			     uint64_t r3, uint64_t r4, uint64_t r5)
{
	const void *p = vn_bpf_translate(rc, r1, 8, 0);
	uint64_t v;

	(void)r2; (void)r3; (void)r4; (void)r5;
	if (!p) {
		vn_bpf_abort(rc, -EFAULT);
		return 0;
	}
	memcpy(&v, p, 8);
	return v;
}

static uint64_t helper_abort(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			     uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)r1; (void)r2; (void)r3; (void)r4; (void)r5;
	vn_bpf_abort(rc, -EPERM);
	return 0;
}

/* helper_fill() - memset(r1, r3, r2) after the check, like a csum/copy helper */
static uint64_t helper_fill(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			    uint64_t r3, uint64_t r4, uint64_t r5)
{
	void *p;

	(void)r4; (void)r5;
	if (!r2)
		return 0;
	p = vn_bpf_translate(rc, r1, (size_t)r2, 1);
	if (!p) {
		vn_bpf_abort(rc, -EFAULT);
		return 0;
	}
	memset(p, (int)r3, (size_t)r2);
	return 0;
}

/* helpers: id 0 is deliberately absent, ids 1-4 exist */
static const vn_bpf_helper_fn helpers[] = { NULL, helper_sum, helper_read8, helper_abort,
					    helper_fill };
static const struct vn_bpf_env env = { .helpers = helpers, .nhelpers = 5 };

static const struct bad_case bad_cases[] = {
	/* 1 */ { "unknown ALU op", { I(0xf7, 0, 0, 0, 0), EXIT() }, 0, -EINVAL, "unknown ALU" },
	/* 2 */ { "unknown jump op", { MOV64_IMM(0, 0), I(0xe5, 0, 0, 0, 0), EXIT() }, 0,
			-EINVAL, "unknown jump" },
	/* 3 */ { "NEG with a source register", { MOV64_IMM(0, 0), I(0x8f, 0, 1, 0, 0), EXIT() },
			0, -EINVAL, "NEG" },
	/* 4 */ { "dst r11", { MOV64_IMM(11, 0), MOV64_IMM(0, 0), EXIT() }, 0, -EINVAL,
			"invalid register" },
	/* 5 */ { "src r12", { MOV64_IMM(0, 0), ALU64_REG(ADD, 0, 12), EXIT() }, 0, -EINVAL,
			"invalid source" },
	/* 6 */ { "mov into r10", { MOV64_IMM(10, 0), MOV64_IMM(0, 0), EXIT() }, 0, -EINVAL,
			"frame pointer" },
	/* 7 */ { "load into r10", { LDX(DW, 10, 1, 0), MOV64_IMM(0, 0), EXIT() }, 0, -EINVAL,
			"frame pointer" },
	/* 8 */ { "fetch atomic into r10", { ATOMIC(DW, 1, 10, 0, VN_BPF_ADD | VN_BPF_FETCH),
			MOV64_IMM(0, 0), EXIT() }, 0, -EINVAL, "frame pointer" },
	/* 9 */ { "lddw into r10", { LD_IMM64(10, 1), MOV64_IMM(0, 0), EXIT() }, 0, -EINVAL,
			"frame pointer" },
	/* 10 */ { "jump past the end", { MOV64_IMM(0, 0), JA(5), EXIT() }, 0, -EINVAL,
			"out of range" },
	/* 11 */ { "jump before the start", { MOV64_IMM(0, 0), JA(-5), EXIT() }, 0, -EINVAL,
			"out of range" },
	/* 12 */ { "jump into the second slot of lddw", { MOV64_IMM(0, 0), JA(1),
			LD_IMM64(0, 0x100000000ull), EXIT() }, 0, -EINVAL, "second slot" },
	/* 13 */ { "conditional jump into lddw", { MOV64_IMM(0, 0), JMP_IMM(JEQ, 0, 0, 1),
			LD_IMM64(0, 0x100000000ull), EXIT() }, 0, -EINVAL, "second slot" },
	/* 14 */ { "lddw cut by the end", { MOV64_IMM(0, 0), I(VN_BPF_LD_IMM64, 0, 0, 0, 1) }, 2,
			-EINVAL, "truncated" },
	/* 15 */ { "lddw second slot not empty", { I(VN_BPF_LD_IMM64, 0, 0, 0, 1),
			MOV64_IMM(0, 1), EXIT() }, 0, -EINVAL, "second slot" },
	/* 16 */ { "falls off the end", { MOV64_IMM(0, 0) }, 0, -EINVAL, "falls off" },
	/* 17 */ { "last insn is a conditional jump", { MOV64_IMM(0, 0), JMP_IMM(JEQ, 0, 0, -2) },
			0, -EINVAL, "falls off" },
	/* 18 */ { "read of a never-written register", { MOV64_REG(0, 2), EXIT() }, 0, -EINVAL,
			"r2 read before" },
	/* 19 */ { "register written on one path only", { MOV64_IMM(0, 0),
			JMP_IMM(JEQ, 1, 0, 1), MOV64_IMM(2, 1), MOV64_REG(0, 2), EXIT() }, 0, -EINVAL,
			"r2 read before" },
	/* 20 */ { "exit without r0", { EXIT() }, 0, -EINVAL, "r0 read before" },
	/* 21 */ { "r1 read after a helper clobbered it", { MOV64_IMM(1, 1), CALL(1),
			MOV64_REG(0, 1), EXIT() }, 0, -EINVAL, "r1 read before" },
	/* 22 */ { "helper id with no helper", { CALL(0), EXIT() }, 0, -EINVAL, "not allowed" },
	/* 23 */ { "helper id past the table", { CALL(5), EXIT() }, 0, -EINVAL, "not allowed" },
	/* 24 */ { "negative helper id", { CALL(-1), EXIT() }, 0, -EINVAL, "not allowed" },
	/* 25 */ { "kfunc call", { I(VN_BPF_JMP | VN_BPF_CALL, 0, VN_BPF_CALL_KFUNC, 0, 1), EXIT() },
			0, -EINVAL, "unsupported call" },
	/* 26 */ { "legacy LD_ABS", { I(VN_BPF_LD | VN_BPF_ABS | VN_BPF_W, 0, 0, 0, 0), EXIT() },
			0, -EINVAL, "legacy" },
	/* 27 */ { "legacy LD_IND", { I(VN_BPF_LD | VN_BPF_IND | VN_BPF_B, 0, 1, 0, 0), EXIT() },
			0, -EINVAL, "legacy" },
	/* 28 */ { "sign-extending 64-bit load", { LDSX(DW, 0, 1, 0), EXIT() }, 0, -EINVAL,
			"load mode" },
	/* 29 */ { "store-immediate atomic", { I(VN_BPF_ST | VN_BPF_ATOMIC | VN_BPF_DW, 1, 0, 0, 0),
			MOV64_IMM(0, 0), EXIT() }, 0, -EINVAL, "unknown store" },
	/* 30 */ { "byte-sized atomic", { MOV64_IMM(2, 0), ATOMIC(B, 1, 2, 0, VN_BPF_ADD),
			MOV64_IMM(0, 0), EXIT() }, 0, -EINVAL, "unknown store" },
	/* 31 */ { "unknown atomic op", { MOV64_IMM(2, 0), ATOMIC(DW, 1, 2, 0, 0x10),
			MOV64_IMM(0, 0), EXIT() }, 0, -EINVAL, "atomic" },
	/* 32 */ { "movsx width 7", { MOV64_IMM(1, 0), MOVSX64(0, 1, 7), EXIT() }, 0, -EINVAL,
			"sign-extending" },
	/* 33 */ { "32-bit movsx of 32 bits", { MOV64_IMM(1, 0), MOVSX32(0, 1, 32), EXIT() }, 0,
			-EINVAL, "sign-extending" },
	/* 34 */ { "movsx from an immediate", { I(VN_BPF_ALU64 | VN_BPF_MOV, 0, 0, 8, 1), EXIT() },
			0, -EINVAL, "sign-extending" },
	/* 35 */ { "division offset 2", { MOV64_IMM(0, 1), I(VN_BPF_ALU64 | VN_BPF_DIV, 0, 0, 2, 1),
			EXIT() }, 0, -EINVAL, "division offset" },
	/* 36 */ { "byte swap of 8 bits", { MOV64_IMM(0, 1), END_BE(0, 8), EXIT() }, 0, -EINVAL,
			"byte swap width" },
	/* 37 */ { "ALU64 END with the direction bit", { MOV64_IMM(0, 1),
			I(VN_BPF_ALU64 | VN_BPF_X | VN_BPF_END, 0, 0, 0, 16), EXIT() }, 0, -EINVAL,
			"reserved" },
	/* 38 */ { "immediate op with a source register", { MOV64_IMM(0, 1),
			I(VN_BPF_ALU64 | VN_BPF_ADD, 0, 3, 0, 1), EXIT() }, 0, -EINVAL, "source register" },
	/* 39 */ { "jump into another function", { MOV64_IMM(0, 0), CALL_LOCAL(1), JA(1), EXIT(),
			MOV64_IMM(0, 1), EXIT() }, 0, -EINVAL, "leaves its function" },
	/* 40 */ { "direct recursion", { CALL_LOCAL(1), EXIT(), CALL_LOCAL(-1), EXIT() }, 0,
			-EINVAL, "recursive" },
	/* 41 */ { "mutual recursion", { CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(),
			CALL_LOCAL(-3), EXIT() }, 0, -EINVAL, "recursive" },
	/* 42 */ { "call chain of 9 frames", { CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(),
			CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(),
			CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(),
			MOV64_IMM(0, 0), EXIT() }, 0, -EINVAL, "deeper" },
	/* 43 */ { "local call out of range", { CALL_LOCAL(100), EXIT() }, 0, -EINVAL,
			"out of range" },
	/* 44 */ { "map reference without a resolver", { LD_MAP(1, VN_BPF_PSEUDO_MAP_FD, 0, 0),
			MOV64_IMM(0, 0), EXIT() }, 0, -EINVAL, "resolver" },
	/* 45 */ { "variable-address lddw", { LD_MAP(1, VN_BPF_PSEUDO_VAR_ADDR, 0, 0),
			MOV64_IMM(0, 0), EXIT() }, 0, -EINVAL, "pseudo-source" },
	/* 46 */ { "EXIT with an immediate", { MOV64_IMM(0, 0), I(VN_BPF_JMP | VN_BPF_EXIT, 0, 0, 0, 1) },
			0, -EINVAL, "malformed EXIT" },
	/* 47 */ { "CALL in the JMP32 class", { I(VN_BPF_JMP32 | VN_BPF_CALL, 0, 0, 0, 1), EXIT() },
			0, -EINVAL, "malformed CALL" },
	/* 48 */ { "JA with an immediate", { MOV64_IMM(0, 0), I(VN_BPF_JMP | VN_BPF_JA, 0, 0, 0, 1),
			EXIT() }, 0, -EINVAL, "JA" },
	/* 49 */ { "gotol with an offset", { MOV64_IMM(0, 0), I(VN_BPF_JMP32 | VN_BPF_JA, 0, 0, 1, 0),
			EXIT() }, 0, -EINVAL, "JA" },
	/* 50 */ { "gotol out of range", { MOV64_IMM(0, 0), JA32(0x7fffffff), EXIT() }, 0, -EINVAL,
			"out of range" },
	/* 51 */ { "all-zero slot (LD W IMM)", { I(0, 0, 0, 0, 0), EXIT() }, 2, -EINVAL,
			"unknown load" },
	/* 52 */ { "jump register r11", { MOV64_IMM(0, 0), JMP_IMM(JEQ, 11, 0, 0), EXIT() }, 0,
			-EINVAL, "invalid register" },
	/* 53 */ { "store base r13", { MOV64_IMM(0, 0), ST(W, 13, 0, 0), EXIT() }, 0, -EINVAL,
			"invalid register" },
	/* 54 */ { "ALU with an offset", { MOV64_IMM(0, 0), I(VN_BPF_ALU64 | VN_BPF_ADD, 0, 0, 1, 1),
			EXIT() }, 0, -EINVAL, "offset" },
	/* 55 */ { "uninitialised store base", { ST(DW, 3, 0, 0), MOV64_IMM(0, 0), EXIT() }, 0,
			-EINVAL, "r3 read before" },
	/* 56 */ { "uninitialised loop-carried register", { MOV64_IMM(0, 0), JMP_IMM(JEQ, 1, 0, 2),
			MOV64_IMM(4, 1), JA(0), ALU64_REG(ADD, 0, 4), EXIT() }, 0, -EINVAL,
			"r4 read before" },
	/* 57 */ { "subprogram falls off the end", { CALL_LOCAL(1), EXIT(), MOV64_IMM(0, 1) }, 0,
			-EINVAL, "subprogram" },
	/* 58 */ { "callx with an imm", { MOV64_IMM(1, 1), I(VN_BPF_JMP | VN_BPF_X | VN_BPF_CALL,
			1, 0, 0, 1), EXIT() }, 0, -EINVAL, "malformed CALLX" },
	/* 59 */ { "callx on an unwritten register", { CALLX(3), EXIT() }, 0, -EINVAL,
			"r3 read before" },
	/* 60 */ { "callx register r11", { CALLX(11), EXIT() }, 0, -EINVAL, "malformed CALLX" },
};

static void test_validator_rejects(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct vn_bpf_prog *p = (struct vn_bpf_prog *)&p;
		char log[256];
		int err;

		err = vn_bpf_prog_load(c->prog, c->n ? c->n : asm_len(c->prog, MAXP), &env, &p,
				       log, sizeof(log));
		if (err != c->err || p || !strstr(log, c->why) || strncmp(log, "insn ", 5))
			fail_msg("bad %zu (%s): err %d log '%s', want %d '%s'", i + 1, c->name,
				 err, log, c->err, c->why);
	}
}

static void test_validator_rejects_empty_and_oversize(void **state)
{
	const struct vn_bpf_insn prog[] = { MOV64_IMM(0, 0), MOV64_IMM(0, 0), MOV64_IMM(0, 0),
					    MOV64_IMM(0, 0), EXIT() };
	struct vn_bpf_env small = env;
	struct vn_bpf_prog *p;
	char log[128];

	(void)state;
	assert_int_equal(vn_bpf_prog_load(prog, 0, &env, &p, log, sizeof(log)), -EINVAL);
	assert_non_null(strstr(log, "empty"));
	assert_int_equal(vn_bpf_prog_load(NULL, 3, &env, &p, NULL, 0), -EINVAL);
	small.max_insns = 4;
	assert_int_equal(vn_bpf_prog_load(prog, 5, &small, &p, log, sizeof(log)), -E2BIG);
	assert_non_null(strstr(log, "over the limit"));
	assert_null(p);
	small.max_insns = 5;
	assert_int_equal(vn_bpf_prog_load(prog, 5, &small, &p, log, sizeof(log)), 0);
	vn_bpf_prog_free(p);
	/* a tiny log buffer truncates, never overflows */
	assert_int_equal(vn_bpf_prog_load(prog, 1, &env, &p, log, 4), -EINVAL);
	assert_int_equal(strlen(log), 3);
}

static void test_validator_long_call_chain(void **state)
{
	/* 30000 functions each calling the next: rejected, without deep C recursion */
	size_t n = 60002, i;
	struct vn_bpf_insn *prog = calloc(n, sizeof(*prog));
	struct vn_bpf_prog *p;
	char log[128];

	(void)state;
	assert_non_null(prog);
	for (i = 0; i + 2 < n; i += 2) {
		prog[i] = (struct vn_bpf_insn)CALL_LOCAL(1);
		prog[i + 1] = (struct vn_bpf_insn)EXIT();
	}
	prog[n - 2] = (struct vn_bpf_insn)MOV64_IMM(0, 0);
	prog[n - 1] = (struct vn_bpf_insn)EXIT();
	assert_int_equal(vn_bpf_prog_load(prog, n, NULL, &p, log, sizeof(log)), -EINVAL);
	assert_non_null(strstr(log, "deeper"));
	/* a function reached shallow first and deep later is still measured */
	{
		const struct vn_bpf_insn shallow_then_deep[] = {
			CALL_LOCAL(15), CALL_LOCAL(2), MOV64_IMM(0, 0), EXIT(),	/* main: f7, then f1 */
			CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(),
			CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(),
			CALL_LOCAL(1), EXIT(),			/* f1..f7: a chain into f8 */
			CALL_LOCAL(1), EXIT(), MOV64_IMM(0, 0), EXIT(),	/* f8 -> f9 */
		};
		assert_int_equal(vn_bpf_prog_load(shallow_then_deep,
						  sizeof(shallow_then_deep) / 8, NULL, &p,
						  log, sizeof(log)), -EINVAL);
		assert_non_null(strstr(log, "deeper"));
	}
	free(prog);
}

/* every run-time test runs once per engine: this is the group's VN_BPF_F_* */
static unsigned int engine_flags;

static int group_interp(void **state)
{
	(void)state;
	engine_flags = VN_BPF_F_INTERP;
	return 0;
}

static int group_jit(void **state)
{
	(void)state;
	engine_flags = 0;
	return 0;
}

static int group_jit_hardened(void **state)
{
	(void)state;
	engine_flags = VN_BPF_F_HARDEN;
	return 0;
}

/* run_prog() - load (must pass) and run with r1 = @r1 in @rc */
static uint64_t run_prog(const struct vn_bpf_insn *prog, size_t n, const struct vn_bpf_env *e,
			 struct vn_bpf_run_ctx *rc, uint64_t r1, int *err)
{
	struct vn_bpf_env ee = e ? *e : env;
	struct vn_bpf_prog *p;
	char log[256];
	uint64_t r0;
	int lerr;

	ee.flags |= engine_flags;
	lerr = vn_bpf_prog_load(prog, n, &ee, &p, log, sizeof(log));
	if (lerr)
		fail_msg("rejected: %s", log);
	if (vn_bpf_prog_jited(p) != (!(engine_flags & VN_BPF_F_INTERP) && vn_bpf_jit_supported()))
		fail_msg("program not in the engine under test");
	r0 = vn_bpf_run(p, rc, r1, err);
	vn_bpf_prog_free(p);
	return r0;
}

#define RUN(rc, r1, err, ...)						\
	({ const struct vn_bpf_insn _p[] = { __VA_ARGS__ };		\
	   run_prog(_p, sizeof(_p) / sizeof(_p[0]), NULL, rc, r1, err); })
#define RUN_ENV(e, rc, r1, err, ...)					\
	({ const struct vn_bpf_insn _p[] = { __VA_ARGS__ };		\
	   run_prog(_p, sizeof(_p) / sizeof(_p[0]), e, rc, r1, err); })

static void test_validator_accepts(void **state)
{
	static struct vn_bpf_run_ctx rc;
	int err;

	(void)state;
	vn_bpf_run_ctx_init(&rc, NULL);
	/* r1 and r10 are written at entry; reading them is fine */
	assert_int_equal(RUN(&rc, 9, &err, MOV64_REG(0, 1), ALU64_REG(SUB, 0, 10),
			     ALU64_REG(ADD, 0, 10), EXIT()), 9);
	assert_int_equal(err, 0);
	/* written on both paths */
	assert_int_equal(RUN(&rc, 0, &err, JMP_IMM(JEQ, 1, 0, 2), MOV64_IMM(2, 1), JA(1),
			     MOV64_IMM(2, 2), MOV64_REG(0, 2), EXIT()), 2);
	/* unreachable code is not executed and need not be initialised */
	assert_int_equal(RUN(&rc, 0, &err, MOV64_IMM(0, 4), EXIT(), MOV64_REG(0, 7), EXIT()), 4);
	/* subprogram arguments r1-r5 are initialised by convention */
	assert_int_equal(RUN(&rc, 0, &err, MOV64_IMM(5, 6), CALL_LOCAL(1), EXIT(),
			     MOV64_REG(0, 5), EXIT()), 6);
	/* a chain of exactly 8 frames */
	assert_int_equal(RUN(&rc, 0, &err, CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(),
			     CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(),
			     CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(), MOV64_IMM(0, 8), EXIT()), 8);
	assert_int_equal(err, 0);
	/* r2 is written at entry only when the env says the caller passes it */
	{
		const struct vn_bpf_insn two[] = { MOV64_REG(0, 2), EXIT() };
		struct vn_bpf_env e2 = env;
		const uint64_t args[2] = { 1, 77 };
		struct vn_bpf_prog *p;
		char log[128];

		assert_int_equal(vn_bpf_prog_load(two, 2, &env, &p, log, sizeof(log)), -EINVAL);
		e2.nargs = 2;
		assert_int_equal(vn_bpf_prog_load(two, 2, &e2, &p, log, sizeof(log)), 0);
		assert_int_equal(vn_bpf_run_args(p, &rc, args, 2, &err), 77);
		assert_int_equal(err, 0);
		vn_bpf_prog_free(p);
	}
	/* non-fetch atomics may use r10 as the source value */
	assert_int_equal(RUN(&rc, 0, &err, ST(DW, 10, -8, 0), ATOMIC(DW, 10, 10, -8, VN_BPF_OR),
			     LDX(DW, 0, 10, -8), ALU64_REG(SUB, 0, 10), EXIT()), 0);
	assert_int_equal(err, 0);
}

/* map_resolve() - "map" 3 is the value array below, in slot 1; anything else is unknown */
static uint64_t map_value[2] = { 0x1111, 0x2222 };

static int map_resolve(void *arg, unsigned int pseudo, int32_t imm, int32_t next_imm,
		       uint64_t *value)
{
	(void)arg;
	if (imm != 3)
		return -ENOENT;
	if (pseudo == VN_BPF_PSEUDO_MAP_VALUE || pseudo == VN_BPF_PSEUDO_MAP_IDX_VALUE)
		*value = VN_BPF_VA(1, next_imm);
	else
		*value = 0xabcdef0012345678ull;
	return 0;
}

static void test_validator_map_references(void **state)
{
	const struct vn_bpf_insn value_prog[] = { LD_MAP(1, VN_BPF_PSEUDO_MAP_VALUE, 3, 8),
						  LDX(DW, 0, 1, 0), EXIT() };
	const struct vn_bpf_insn fd_prog[] = { LD_MAP(0, VN_BPF_PSEUDO_MAP_FD, 3, 0), EXIT() };
	const struct vn_bpf_insn bad_prog[] = { LD_MAP(0, VN_BPF_PSEUDO_MAP_IDX, 4, 0), EXIT() };
	struct vn_bpf_env e = env;
	static struct vn_bpf_run_ctx rc;
	struct vn_bpf_prog *p;
	char log[128];
	int err;

	(void)state;
	e.map_resolve = map_resolve;
	vn_bpf_run_ctx_init(&rc, NULL);
	assert_int_equal(run_prog(fd_prog, 3, &e, &rc, 0, &err), 0xabcdef0012345678ull);
	/* the value pointer is only usable once the map registers its region */
	run_prog(value_prog, 4, &e, &rc, 0, &err);
	assert_int_equal(err, -EFAULT);
	assert_int_equal(vn_bpf_run_ctx_add_region(&rc, map_value, sizeof(map_value), 1), 1);
	assert_int_equal(run_prog(value_prog, 4, &e, &rc, 0, &err), 0x2222);
	assert_int_equal(err, 0);
	assert_int_equal(vn_bpf_prog_load(bad_prog, 3, &e, &p, log, sizeof(log)), -ENOENT);
	assert_non_null(strstr(log, "does not resolve"));
}

static void test_validator_runtime_faults(void **state)
{
	static struct vn_bpf_run_ctx rc;
	static uint64_t host_secret = 42;
	/* guard gaps so "one before/after" never lands in the other region */
	static struct {
		uint8_t gap0[32];
		uint8_t pkt[64];
		uint8_t gap1[32];
		uint8_t ro[16];
		uint8_t gap2[32];
	} m = { .ro = { 1 } };
	uint8_t *pkt = m.pkt;
	const uint8_t *ro = m.ro;
	uint64_t p = VN_BPF_VA(1, 0), rova = VN_BPF_VA(2, 0);
	int err;

	(void)state;
	vn_bpf_run_ctx_init(&rc, NULL);
	assert_int_equal(vn_bpf_run_ctx_add_region(&rc, pkt, sizeof(m.pkt), 1), 1);
	assert_int_equal(vn_bpf_run_ctx_add_region(&rc, ro, sizeof(m.ro), 0), 2);

	RUN(&rc, p, &err, LDX(B, 0, 1, 63), EXIT());
	assert_int_equal(err, 0);
	RUN(&rc, p, &err, LDX(B, 0, 1, 64), EXIT());		/* one past the end */
	assert_int_equal(err, -EFAULT);
	RUN(&rc, p, &err, LDX(DW, 0, 1, 57), EXIT());		/* straddles the end */
	assert_int_equal(err, -EFAULT);
	RUN(&rc, p, &err, LDX(B, 0, 1, -1), EXIT());		/* one before the start */
	assert_int_equal(err, -EFAULT);
	RUN(&rc, p, &err, MOV64_IMM(0, 0), ST(W, 1, 62, 0), EXIT());
	assert_int_equal(err, -EFAULT);
	RUN(&rc, rova, &err, LDX(B, 0, 1, 0), EXIT());
	assert_int_equal(err, 0);
	RUN(&rc, rova, &err, MOV64_IMM(0, 0), ST(B, 1, 0, 0), EXIT());	/* read-only */
	assert_int_equal(err, -EFAULT);
	RUN(&rc, rova, &err, MOV64_IMM(0, 0), MOV64_IMM(2, 1),
	    ATOMIC(DW, 1, 2, 0, VN_BPF_ADD), EXIT());
	assert_int_equal(err, -EFAULT);
	RUN(&rc, 0, &err, LDX(B, 0, 10, -513), EXIT());		/* below the frame */
	assert_int_equal(err, -EFAULT);
	RUN(&rc, 0, &err, LDX(B, 0, 10, 0), EXIT());		/* above the stack */
	assert_int_equal(err, -EFAULT);
	RUN(&rc, 0, &err, LDX(DW, 0, 1, 0), EXIT());		/* NULL */
	assert_int_equal(err, -EFAULT);
	RUN(&rc, 0, &err, LD_IMM64(1, (uintptr_t)&host_secret), LDX(DW, 0, 1, 0), EXIT());
	assert_int_equal(err, -EFAULT);
	RUN(&rc, 0, &err, LD_IMM64(1, (uintptr_t)pkt), LDX(DW, 0, 1, 0), EXIT());	/* host */
	assert_int_equal(err, -EFAULT);
	/* crossing regions: an offset past a region never carries into the next slot */
	RUN(&rc, 0, &err, LD_IMM64(1, VN_BPF_VA(1, UINT32_MAX)), LDX(B, 0, 1, 0), EXIT());
	assert_int_equal(err, -EFAULT);
	RUN(&rc, 0, &err, LD_IMM64(1, VN_BPF_VA(1, UINT32_MAX - 1)), LDX(W, 0, 1, 0), EXIT());
	assert_int_equal(err, -EFAULT);
	RUN(&rc, 0, &err, LD_IMM64(1, VN_BPF_VA(3, 0)), LDX(B, 0, 1, 0), EXIT());	/* unused */
	assert_int_equal(err, -EFAULT);
	RUN(&rc, p, &err, ALU64_IMM(ADD, 1, 64), LDX(B, 0, 1, 0), EXIT());	/* pkt end */
	assert_int_equal(err, -EFAULT);
	RUN(&rc, 0, &err, LD_IMM64(1, UINT64_MAX - 2), LDX(DW, 0, 1, 0), EXIT());	/* wraps */
	assert_int_equal(err, -EFAULT);
	RUN(&rc, p, &err, MOV64_IMM(0, 0), MOV64_IMM(2, 1),
	    ATOMIC(DW, 1, 2, 4, VN_BPF_ADD), EXIT());		/* misaligned atomic */
	assert_int_equal(err, -EFAULT);
	/* a callee cannot reach below its own frame either */
	RUN(&rc, 0, &err, CALL_LOCAL(1), EXIT(), LDX(B, 0, 10, -513), EXIT());
	assert_int_equal(err, -EFAULT);
	/* callx to an id with no helper, or past the table */
	RUN(&rc, 0, &err, MOV64_IMM(1, 0), CALLX(1), EXIT());
	assert_int_equal(err, -EINVAL);
	RUN(&rc, 0, &err, MOV64_IMM(1, 1000), CALLX(1), EXIT());
	assert_int_equal(err, -EINVAL);
	/* after an abort the context still works */
	assert_int_equal(RUN(&rc, p, &err, ST(B, 1, 5, 7), LDX(B, 0, 1, 5), EXIT()), 7);
	assert_int_equal(err, 0);
}

static void test_validator_budget(void **state)
{
	static struct vn_bpf_run_ctx rc;
	struct vn_bpf_env e = env;
	const struct vn_bpf_insn forever[] = { MOV64_IMM(0, 0), JA(-1), EXIT() };
	const struct vn_bpf_insn counted[] = { MOV64_IMM(0, 0), MOV64_IMM(1, 100),
					       ALU64_IMM(ADD, 0, 1), ALU64_IMM(SUB, 1, 1),
					       JMP_IMM(JNE, 1, 0, -3), EXIT() };
	int err;

	(void)state;
	vn_bpf_run_ctx_init(&rc, NULL);
	e.budget = 1000;
	run_prog(forever, 3, &e, &rc, 0, &err);
	assert_int_equal(err, -ETIME);
	assert_int_equal(rc.insns_run, 1000);
	/* 2 + 3 * 100 + 1 = 303 instructions fit in 303, not in 302 */
	e.budget = 303;
	assert_int_equal(run_prog(counted, 6, &e, &rc, 0, &err), 100);
	assert_int_equal(err, 0);
	assert_int_equal(rc.insns_run, 303);
	e.budget = 302;
	run_prog(counted, 6, &e, &rc, 0, &err);
	assert_int_equal(err, -ETIME);
	/* the context can lower the budget further */
	e.budget = 0;
	rc.budget = 50;
	run_prog(forever, 3, &e, &rc, 0, &err);
	assert_int_equal(err, -ETIME);
	assert_int_equal(rc.insns_run, 50);
	/* default budget: VN_BPF_BUDGET */
	rc.budget = 0;
	run_prog(forever, 3, NULL, &rc, 0, &err);
	assert_int_equal(err, -ETIME);
	assert_int_equal(rc.insns_run, VN_BPF_BUDGET);
}

static void test_validator_helper_pointers(void **state)
{
	static struct vn_bpf_run_ctx rc;
	int err;

	(void)state;
	vn_bpf_run_ctx_init(&rc, NULL);
	/* a pointer into the stack is accepted by the helper */
	assert_int_equal(RUN(&rc, 0, &err, ST(DW, 10, -8, 77), MOV64_REG(1, 10),
			     ALU64_IMM(ADD, 1, -8), CALL(2), EXIT()), 77);
	assert_int_equal(err, 0);
	/* a pointer 4 bytes short of the stack top is refused: the run aborts */
	RUN(&rc, 0, &err, MOV64_REG(1, 10), ALU64_IMM(ADD, 1, -4), CALL(2), EXIT());
	assert_int_equal(err, -EFAULT);
	RUN(&rc, 0, &err, CALL(3), EXIT());
	assert_int_equal(err, -EPERM);
	assert_null(vn_bpf_translate(&rc, 0, 0, 1));
	assert_null(vn_bpf_translate(&rc, 0, 1, 0));
	assert_null(vn_bpf_translate(&rc, UINT64_MAX, 2, 0));
	/* r10 is a program-space address; the stack's host bytes are inside rc */
	assert_ptr_equal(vn_bpf_translate(&rc, VN_BPF_VA(0, sizeof(rc.stack) - 8), 8, 1),
			 rc.stack + sizeof(rc.stack) - 8);
}

static void test_validator_stack_never_leaks(void **state)
{
	/* each dirtier writes the stack one way; the reader must then see zeros */
	static const struct vn_bpf_insn dirtiers[][12] = {
		{ ST(DW, 10, -8, -1), ST(B, 10, -512, 0x55), MOV64_IMM(0, 0), EXIT() },
		{ MOV64_IMM(2, 3), ATOMIC(DW, 10, 2, -16, VN_BPF_ADD), MOV64_IMM(0, 0), EXIT() },
		{ MOV64_REG(1, 10), ALU64_IMM(ADD, 1, -300), MOV64_IMM(2, 100),
		  MOV64_IMM(3, 0x77), CALL(4), EXIT() },
		{ CALL_LOCAL(1), EXIT(), ST(DW, 10, -8, -1), ST(DW, 10, -512, -1),
		  MOV64_IMM(0, 0), EXIT() },
	};
	static const size_t dlen[] = { 4, 4, 6, 6 };
	static struct vn_bpf_run_ctx rc;
	size_t i;
	int err;

	(void)state;
	vn_bpf_run_ctx_init(&rc, NULL);
	for (i = 0; i < sizeof(dlen) / sizeof(dlen[0]); i++) {
		run_prog(dirtiers[i], dlen[i], NULL, &rc, 0, &err);
		assert_int_equal(err, 0);
		/* the next program on the same context sees zeros, in both frames */
		assert_int_equal(RUN(&rc, 0, &err, LDX(DW, 0, 10, -8), LDX(B, 2, 10, -512),
				     ALU64_REG(OR, 0, 2), LDX(DW, 2, 10, -16), ALU64_REG(OR, 0, 2),
				     LDX(DW, 2, 10, -300), ALU64_REG(OR, 0, 2),
				     LDX(DW, 2, 10, -208), ALU64_REG(OR, 0, 2), MOV64_REG(7, 0),
				     CALL_LOCAL(2), ALU64_REG(OR, 0, 7), EXIT(),
				     LDX(DW, 6, 10, -8), LDX(DW, 0, 10, -512), ALU64_REG(OR, 0, 6),
				     EXIT()), 0);
		assert_int_equal(err, 0);
	}
}

/* ctx_load() - a computed region, like xdp_md: every 4-byte field reads as off + 1000 */
static int ctx_load(struct vn_bpf_run_ctx *rc, const struct vn_bpf_region *r, size_t off,
		    unsigned int size, uint64_t *val)
{
	(void)rc; (void)r;
	if (size != 4 || off % 4)
		return -EACCES;
	*val = 1000 + off;
	return 0;
}

static void test_validator_computed_region(void **state)
{
	static struct vn_bpf_run_ctx rc;
	uint64_t ctx;
	int slot, err;

	(void)state;
	vn_bpf_run_ctx_init(&rc, NULL);
	slot = vn_bpf_run_ctx_add_computed(&rc, 24, ctx_load, NULL);
	assert_true(slot > 0);
	ctx = VN_BPF_VA(slot, 0);
	assert_int_equal(RUN(&rc, ctx, &err, LDX(W, 0, 1, 4), EXIT()), 1004);
	assert_int_equal(err, 0);
	RUN(&rc, ctx, &err, LDX(B, 0, 1, 4), EXIT());
	assert_int_equal(err, -EACCES);
	RUN(&rc, ctx, &err, LDX(W, 0, 1, 24), EXIT());		/* past the context */
	assert_int_equal(err, -EFAULT);
	RUN(&rc, ctx, &err, MOV64_IMM(0, 0), ST(W, 1, 0, 1), EXIT());
	assert_int_equal(err, -EFAULT);
	/* helpers never get direct access to computed regions */
	assert_null(vn_bpf_translate(&rc, ctx, 4, 0));
}

static void test_validator_region_table(void **state)
{
	static struct vn_bpf_run_ctx rc;
	uint8_t buf[8];
	unsigned int i;
	uint64_t va;

	(void)state;
	vn_bpf_run_ctx_init(&rc, NULL);
	assert_int_equal(vn_bpf_run_ctx_add_region(&rc, (void *)(UINTPTR_MAX - 3), 8, 0), -EINVAL);
	/* offsets are 32 bits: a region of 4 GiB or more is refused */
	assert_int_equal(vn_bpf_run_ctx_add_region(&rc, buf, (size_t)UINT32_MAX + 1, 0), -EINVAL);
	/* fixed slots stop short of the ones lookups need */
	for (i = 1; i + VN_BPF_VALUE_SLOTS < VN_BPF_MAX_REGIONS; i++)
		assert_int_equal(vn_bpf_run_ctx_add_region(&rc, buf, sizeof(buf), 0), (int)i);
	assert_int_equal(vn_bpf_run_ctx_add_region(&rc, buf, sizeof(buf), 0), -ENOSPC);
	assert_int_equal(vn_bpf_run_ctx_set_window(&rc, 0, buf, 0, 8, 1), -EINVAL);
	assert_int_equal(vn_bpf_run_ctx_set_window(&rc, 3, buf, 2, 4, 1), 0);
	/* the window [2, 6) of slot 3, base = buf */
	assert_ptr_equal(vn_bpf_translate(&rc, VN_BPF_VA(3, 2), 4, 1), buf + 2);
	assert_null(vn_bpf_translate(&rc, VN_BPF_VA(3, 1), 1, 0));
	assert_null(vn_bpf_translate(&rc, VN_BPF_VA(3, 6), 1, 0));
	assert_null(vn_bpf_translate(&rc, VN_BPF_VA(3, 3), 4, 0));
	assert_int_equal(vn_bpf_run_ctx_set_window(&rc, 3, buf, UINT32_MAX, 4, 1), -EINVAL);
	/* a slot that is not fixed is no window */
	assert_int_equal(vn_bpf_run_ctx_set_window(&rc, i, buf, 0, 4, 1), -EINVAL);
	/* lookup slots: exactly the value's bytes, nothing beside them */
	va = vn_bpf_run_ctx_map_value(&rc, buf + 2, 4, 0);
	assert_int_equal((va >> 32) & 0xff, i + 1);
	assert_int_not_equal(va >> 40, 0);			/* a value generation */
	assert_ptr_equal(vn_bpf_translate(&rc, va, 4, 0), buf + 2);
	assert_null(vn_bpf_translate(&rc, va, 5, 0));
	assert_null(vn_bpf_translate(&rc, va - 1, 1, 0));
	assert_null(vn_bpf_translate(&rc, va, 1, 1));	/* read-only value */
	assert_int_equal(vn_bpf_run_ctx_map_value(&rc, NULL, 4, 1), 0);
	vn_bpf_run_ctx_truncate(&rc, 3);
	assert_non_null(vn_bpf_translate(&rc, VN_BPF_VA(2, 0), 8, 0));
	assert_null(vn_bpf_translate(&rc, VN_BPF_VA(2, 0), 8, 1));
	assert_null(vn_bpf_translate(&rc, VN_BPF_VA(3, 2), 1, 0));
	assert_int_equal(vn_bpf_run_ctx_set_window(&rc, 3, buf, 0, 4, 1), -EINVAL);
	vn_bpf_run_ctx_truncate(&rc, 0);
	assert_int_equal(rc.nregions, 1);
}

/* A region dropped from a context is unreachable, whatever earlier runs of the program hit */
static void test_validator_dropped_region(void **state)
{
	static struct vn_bpf_run_ctx rc, other;
	static uint8_t a[16] = { 1 }, b[16] = { 2 };
	const struct vn_bpf_insn prog[] = { LDX(B, 0, 1, 0), EXIT() };
	struct vn_bpf_env ee = env;
	struct vn_bpf_prog *p;
	int err;

	(void)state;
	ee.flags |= engine_flags;
	assert_int_equal(vn_bpf_prog_load(prog, 2, &ee, &p, NULL, 0), 0);
	vn_bpf_run_ctx_init(&rc, NULL);
	assert_int_equal(vn_bpf_run_ctx_add_region(&rc, a, sizeof(a), 0), 1);
	assert_int_equal(vn_bpf_run_ctx_add_region(&rc, b, sizeof(b), 0), 2);
	assert_int_equal(vn_bpf_run(p, &rc, VN_BPF_VA(2, 0), &err), 2);
	assert_int_equal(err, 0);
	/* slot 2 still holds b's bounds in the table, but it is gone */
	vn_bpf_run_ctx_truncate(&rc, 2);
	vn_bpf_run(p, &rc, VN_BPF_VA(2, 0), &err);
	assert_int_equal(err, -EFAULT);
	/* another context that never had b, running the same program */
	vn_bpf_run_ctx_init(&other, NULL);
	assert_int_equal(vn_bpf_run_ctx_add_region(&other, a, sizeof(a), 0), 1);
	vn_bpf_run(p, &other, VN_BPF_VA(2, 0), &err);
	assert_int_equal(err, -EFAULT);
	assert_int_equal(vn_bpf_run(p, &other, VN_BPF_VA(1, 0), &err), 1);
	assert_int_equal(err, 0);
	vn_bpf_prog_free(p);
}

/* helper_lookup() - a lookup-like helper: the VA of value[r1 & 3], 8 bytes */
static uint64_t lookup_values[4] = { 10, 11, 12, 13 };

static uint64_t helper_lookup(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			      uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)r2; (void)r3; (void)r4; (void)r5;
	return vn_bpf_run_ctx_map_value(rc, &lookup_values[r1 & 3], 8, 1);
}

static void test_validator_value_pointers(void **state)
{
	static const vn_bpf_helper_fn h[] = { NULL, helper_lookup };
	static const struct vn_bpf_env e = { .helpers = h, .nhelpers = 2 };
	static struct vn_bpf_run_ctx rc;
	int err;

	(void)state;
	vn_bpf_run_ctx_init(&rc, NULL);
	/* the value reads and writes through its VA */
	assert_int_equal(RUN_ENV(&e, &rc, 0, &err, MOV64_IMM(1, 1), CALL(1), MOV64_REG(6, 0),
				 ST(DW, 6, 0, 99), LDX(DW, 0, 6, 0), EXIT()), 99);
	assert_int_equal(err, 0);
	assert_int_equal(lookup_values[1], 99);
	/* the neighbouring value, 8 bytes on, is not reachable from it */
	RUN_ENV(&e, &rc, 0, &err, MOV64_IMM(1, 1), CALL(1), LDX(DW, 0, 0, 8), EXIT());
	assert_int_equal(err, -EFAULT);
	RUN_ENV(&e, &rc, 0, &err, MOV64_IMM(1, 1), CALL(1), LDX(DW, 0, 0, -8), EXIT());
	assert_int_equal(err, -EFAULT);
	/* a VA kept from an earlier run does not survive it */
	assert_int_equal((RUN_ENV(&e, &rc, 0, &err, MOV64_IMM(1, 2), CALL(1), EXIT()) >> 32) & 0xff,
			 rc.nfixed + 1);
	RUN_ENV(&e, &rc, 0, &err, LD_IMM64(1, VN_BPF_VA(rc.nfixed, 0)), LDX(DW, 0, 1, 0),
		EXIT());
	assert_int_equal(err, -EFAULT);
	/* two lookups, two slots: each pointer keeps its own value */
	assert_int_equal(RUN_ENV(&e, &rc, 0, &err, MOV64_IMM(1, 0), CALL(1), MOV64_REG(6, 0),
				 MOV64_IMM(1, 3), CALL(1), LDX(DW, 0, 0, 0), LDX(DW, 1, 6, 0),
				 ALU64_IMM(MUL, 1, 100), ALU64_REG(ADD, 0, 1), EXIT()), 1013);
	assert_int_equal(err, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validator_rejects),
		cmocka_unit_test(test_validator_rejects_empty_and_oversize),
		cmocka_unit_test(test_validator_accepts),
		cmocka_unit_test(test_validator_long_call_chain),
		cmocka_unit_test(test_validator_map_references),
		cmocka_unit_test(test_validator_runtime_faults),
		cmocka_unit_test(test_validator_budget),
		cmocka_unit_test(test_validator_helper_pointers),
		cmocka_unit_test(test_validator_stack_never_leaks),
		cmocka_unit_test(test_validator_computed_region),
		cmocka_unit_test(test_validator_region_table),
		cmocka_unit_test(test_validator_dropped_region),
		cmocka_unit_test(test_validator_value_pointers),
	};

	int fails;

	fails = cmocka_run_group_tests_name("interpreter", tests, group_interp, NULL);
	fails += cmocka_run_group_tests_name("jit", tests, group_jit, NULL);
	fails += cmocka_run_group_tests_name("jit-hardened", tests, group_jit_hardened, NULL);
	return fails;
}

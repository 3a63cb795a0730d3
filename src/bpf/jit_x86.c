// SPDX-License-Identifier: MIT
/* jit_x86.c - eBPF JIT: validated programs to x86-64 machine code
 *
 * One pass over the validated instructions emits native code into an RW
 * anonymous mapping; jumps are rel32 and patched at the end, then the
 * mapping is made read+execute (W^X: never writable and executable at once).
 * The interpreter stays the reference: every semantic here is the
 * interpreter's (interp.c), and the tests run both engines and compare.
 *
 * Register mapping (BPF -> x86-64), chosen so a helper call only shifts
 * r1-r5 down one SysV argument slot:
 *   r0 rax, r1 rdi, r2 rsi, r3 rdx, r4 rcx, r5 r8,
 *   r6 rbx, r7 r13, r8 r14, r9 r15, r10 rbp;
 *   r12 holds the run context, r9-r11 are scratch.
 *
 * Memory: every load, store and atomic goes through emit_mem(). Stack
 * accesses at a constant r10 offset inside the current frame need no check
 * (r10 is read-only and the frame is always mapped); every other access is
 * the program-space translation of vm.h, inline: slot from the VA's high
 * half, its generation, bounds against the slot's [lo, lo + len), writable
 * for stores, host = base + offset. The slot and the offset are clamped
 * with cmov after their branches (Spectre v1: a mispredicted check reads
 * offset 0 of slot 0). A miss calls a C slow path (computed loads through
 * vn_bpf_translate_slow(), else -EFAULT).
 *
 * Inlined (facts_flow(), a small verifier over every function): 4-byte
 * loads from the context table (rc->ctx_vals), packet accesses the program
 * bounds-checked itself (data + n <= data_end: no table walk, the clamp
 * stays), and array map lookups whose map is a constant in r1.
 *
 * Budget: the interpreter's, in instructions. A program that loops or makes
 * BPF-to-BPF calls pays at the head of each basic block for the whole block
 * (one sub and one branch per block), so it stops with -ETIME exactly when the
 * interpreter would, only before the block rather than inside it. A program
 * with neither runs at most as many instructions as it has and pays
 * nothing; a run whose budget is below that length goes to the interpreter.
 *
 * Hardening (VN_BPF_F_HARDEN, like bpf_jit_harden=2): every immediate an
 * untrusted program supplies is emitted XORed with a per-program random key
 * and un-XORed in a scratch register, so the program cannot plant chosen
 * byte sequences in executable memory.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "bpf/vm.h"
#include "bpf/vm_internal.h"

#if defined(__x86_64__)
#include <cpuid.h>

/* x86-64 register numbers */
enum {
	RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
	R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15,
};

#define RCTX	R12	/* the run context */

static const uint8_t regmap[VN_BPF_NREGS] = {
	RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP,
};

/* Condition codes (the low nibble of Jcc 0F 8x) */
enum { CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7,
       CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf };

/* Error exits every site can jump to */
enum { L_FAULT, L_ETIME, L_E2BIG, L_EINVAL, L_ERR_R10, L_UNWIND, L_EPILOGUE,
       L_FRAME_ENTER, L_FRAME_SET, L_NLABELS };

#define STUB_JUMPS	8

/**
 * struct stub - an out-of-line slow path for one memory access
 * @kind:	0 load, 1 load sign-extending, 2 store or atomic, 3 a helper
 *		argument loaded inline (any miss faults, as vn_bpf_translate())
 * @size:	access width in bytes
 * @dst:	x86 register a load writes
 * @resume:	native offset to continue at
 * @jumps:	positions of rel32 fields that branch to the stub
 * @njumps:	used entries of @jumps
 */
struct stub {
	uint8_t kind;
	uint8_t size;
	uint8_t dst;
	uint32_t resume;
	uint32_t jumps[STUB_JUMPS];
	unsigned int njumps;
};

/**
 * struct fixup - a rel32 to patch once every target is known
 * @pos:	offset of the rel32 field
 * @target:	BPF instruction index (>= 0) or -1 - label
 */
struct fixup {
	uint32_t pos;
	int32_t target;
};

/*
 * Register facts, the part of a verifier JIT code needs: a register is the context (r1 at entry), the packet's first byte
 * plus a constant (data + off, 0 <= off <= PKT_OFF_MAX), or the packet's
 * end (data_end); range is how many bytes from data the program has
 * proved present (data + range <= data_end). A must-analysis: a join
 * keeps only what every path agrees on, range the smallest; any call
 * forgets the packet (a helper may move it).
 */
enum { T_UNK, T_CTX, T_PKT, T_END };
#define PKT_OFF_MAX	0xffff

struct facts {
	uint8_t reached;
	uint8_t type[VN_BPF_NREGS];
	uint16_t off[VN_BPF_NREGS];
	uint32_t range;
};

/**
 * struct jit - compiler state for one program
 * @p:		program
 * @buf:	code buffer (RW while compiling)
 * @cap:	its size
 * @len:	bytes emitted
 * @overflow:	set when an emission did not fit
 * @off:	native offset of each BPF instruction
 * @fix:	rel32 fields to patch
 * @nfix:	used
 * @stubs:	slow paths to emit after the code
 * @nstubs:	used
 * @label:	native offsets of the L_* labels
 * @harden:	blind immediates
 * @key:	this program's blinding key
 * @func:	function index of the instruction being compiled (0: main)
 * @static_min: lowest constant r10 offset the main function stores at
 * @fmin:	per function, the lowest constant r10 offset it stores at (0: none)
 * @counted:	the program loops or calls: blocks charge the budget
 * @pc:		instruction being compiled
 * @facts:	per instruction, what is known before it (the
 *		context register, packet pointers, the proved packet range);
 *		NULL: nothing
 * @ctx_inline:	context loads emitted as one load from rc->ctx_vals
 * @spec_clamps: translated accesses emitted with the Spectre v1 cmov clamps
 * @arg_load:	emit_mem() is loading a helper's argument (no context table)
 * @r1map:	index of the map handle r1 surely holds here, or -1
 * @inline_lookups: array lookups emitted inline
 * @pkt_proved:	packet accesses emitted without the table walk
 */
struct jit {
	const struct vn_bpf_prog *p;
	uint8_t *buf;
	size_t cap;
	size_t len;
	int overflow;
	uint32_t *off;
	struct fixup *fix;
	size_t nfix;
	struct stub *stubs;
	size_t nstubs;
	uint32_t label[L_NLABELS];
	int harden;
	uint32_t key;
	unsigned int func;
	int32_t static_min;
	int32_t *fmin;
	int counted;
	size_t pc;
	struct facts *facts;
	unsigned int ctx_inline;
	unsigned int spec_clamps;
	int arg_load;
	int64_t r1map;
	unsigned int inline_lookups;
	unsigned int pkt_proved;
};

/**
 * struct vn_bpf_jit - a program's native code
 * @code:	the RX mapping
 * @size:	its length
 * @dirty_off:	after a run every stack byte below top + @dirty_off may be dirty
 * @counted:	blocks charge the budget; else the program cannot run more
 *		instructions than it has, and needs no counting
 * @ctx_inline:	context loads inlined: runs need r1 = the table context
 * @spec_clamps: accesses emitted with Spectre v1 clamps (for tests)
 * @inline_lookups: array map lookups emitted inline (for tests)
 * @pkt_proved:	packet accesses proved by the program's own checks (for tests)
 * @code_len:	bytes of code emitted (for tests)
 */
struct vn_bpf_jit {
	void *code;
	size_t size;
	int32_t dirty_off;
	int counted;
	unsigned int ctx_inline;
	unsigned int spec_clamps;
	unsigned int inline_lookups;
	unsigned int pkt_proved;
	size_t code_len;
};

/* slots are scaled by a shift: a region is 1 << REGION_SHIFT bytes */
#define REGION_SHIFT	6
_Static_assert(sizeof(struct vn_bpf_region) == 1u << REGION_SHIFT, "64-byte regions");

/* the code addresses regions[0] as [r12 + field] */
_Static_assert(offsetof(struct vn_bpf_run_ctx, regions) == 0, "regions first in the run context");

typedef uint64_t (*jit_entry_fn)(struct vn_bpf_run_ctx *rc, const uint64_t *args);

/* ---- byte emission ---------------------------------------------------- */

static void emit1(struct jit *J, uint8_t b)
{
	if (J->len >= J->cap) {
		J->overflow = 1;
		return;
	}
	J->buf[J->len++] = b;
}

static void emit4(struct jit *J, uint32_t v)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		emit1(J, (uint8_t)(v >> (8 * i)));
}

static void emit8(struct jit *J, uint64_t v)
{
	emit4(J, (uint32_t)v);
	emit4(J, (uint32_t)(v >> 32));
}

static void patch4(struct jit *J, size_t pos, uint32_t v)
{
	if (pos + 4 <= J->len)
		memcpy(J->buf + pos, &v, 4);
}

/* rex() - a REX prefix for W, reg, index and base; @force for byte registers */
static void rex(struct jit *J, int w, int reg, int index, int base, int force)
{
	uint8_t b = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) |
			      ((index >= 0 && (index & 8)) ? 2 : 0) | ((base & 8) ? 1 : 0));

	if (b != 0x40 || force)
		emit1(J, b);
}

/* modrm_mem() - ModRM (+SIB, +disp) for [base + index + disp] */
static void modrm_mem(struct jit *J, int reg, int base, int index, int32_t disp)
{
	int mod = (disp == 0 && (base & 7) != RBP) ? 0 :
		  (disp >= -128 && disp <= 127) ? 1 : 2;

	if (index >= 0 || (base & 7) == RSP) {
		emit1(J, (uint8_t)((mod << 6) | ((reg & 7) << 3) | 4));
		emit1(J, (uint8_t)((((index >= 0 ? index : RSP) & 7) << 3) | (base & 7)));
	} else {
		emit1(J, (uint8_t)((mod << 6) | ((reg & 7) << 3) | (base & 7)));
	}
	if (mod == 1)
		emit1(J, (uint8_t)disp);
	else if (mod == 2)
		emit4(J, (uint32_t)disp);
}

/* op_rr() - "opc reg, rm" with two register operands (0x0f-prefixed if opc > 0xff) */
static void op_rr(struct jit *J, int w, unsigned int opc, int reg, int rm, int force)
{
	rex(J, w, reg, -1, rm, force);
	if (opc > 0xff)
		emit1(J, (uint8_t)(opc >> 8));
	emit1(J, (uint8_t)opc);
	emit1(J, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

/* op_rm() - "opc reg, [base + index + disp]" */
static void op_rm(struct jit *J, int w, unsigned int opc, int reg, int base, int index,
		  int32_t disp, int force)
{
	rex(J, w, reg, index, base, force);
	if (opc > 0xff)
		emit1(J, (uint8_t)(opc >> 8));
	emit1(J, (uint8_t)opc);
	modrm_mem(J, reg, base, index, disp);
}

/* mov_rr() - mov dst, src (64 or 32 bits; the 32-bit form zero-extends) */
static void mov_rr(struct jit *J, int w, int dst, int src)
{
	op_rr(J, w, 0x89, src, dst, 0);
}

/* mov_imm() - dst = the 64-bit value @v, in the shortest encoding */
static void mov_imm(struct jit *J, int dst, uint64_t v)
{
	if (v <= 0xffffffffu) {
		rex(J, 0, 0, -1, dst, 0);
		emit1(J, (uint8_t)(0xb8 | (dst & 7)));
		emit4(J, (uint32_t)v);
	} else if ((int64_t)v == (int32_t)v) {
		rex(J, 1, 0, -1, dst, 0);
		emit1(J, 0xc7);
		emit1(J, (uint8_t)(0xc0 | (dst & 7)));
		emit4(J, (uint32_t)v);
	} else {
		rex(J, 1, 0, -1, dst, 0);
		emit1(J, (uint8_t)(0xb8 | (dst & 7)));
		emit8(J, v);
	}
}

/* alu_ri() - "81 /ext rm, imm32" (sign-extended in 64-bit form) */
static void alu_ri(struct jit *J, int w, int ext, int rm, int32_t imm)
{
	rex(J, w, 0, -1, rm, 0);
	if (imm >= -128 && imm <= 127) {
		emit1(J, 0x83);
		emit1(J, (uint8_t)(0xc0 | (ext << 3) | (rm & 7)));
		emit1(J, (uint8_t)imm);
	} else {
		emit1(J, 0x81);
		emit1(J, (uint8_t)(0xc0 | (ext << 3) | (rm & 7)));
		emit4(J, (uint32_t)imm);
	}
}

static void push(struct jit *J, int r)
{
	rex(J, 0, 0, -1, r, 0);
	emit1(J, (uint8_t)(0x50 | (r & 7)));
}

static void pop(struct jit *J, int r)
{
	rex(J, 0, 0, -1, r, 0);
	emit1(J, (uint8_t)(0x58 | (r & 7)));
}

/* jcc_rel8() / jmp_rel8() and bind8(): short jumps inside one sequence */
static size_t jcc_rel8(struct jit *J, int cc)
{
	emit1(J, (uint8_t)(0x70 | cc));
	emit1(J, 0);
	return J->len;
}

static size_t jmp_rel8(struct jit *J)
{
	emit1(J, 0xeb);
	emit1(J, 0);
	return J->len;
}

static void bind8(struct jit *J, size_t after)
{
	if (after <= J->len && after >= 1 && J->len - after <= 127)
		J->buf[after - 1] = (uint8_t)(J->len - after);
	else
		J->overflow = 1;	/* cannot happen for the fixed sequences below */
}

/* add_fixup() - remember a rel32 just emitted, to BPF insn or label @target */
static void add_fixup(struct jit *J, int32_t target)
{
	if (J->nfix >= J->p->n * 6 + 16) {
		J->overflow = 1;
		return;
	}
	J->fix[J->nfix].pos = (uint32_t)(J->len - 4);
	J->fix[J->nfix].target = target;
	J->nfix++;
}

static void jcc_to(struct jit *J, int cc, int32_t target)
{
	emit1(J, 0x0f);
	emit1(J, (uint8_t)(0x80 | cc));
	emit4(J, 0);
	add_fixup(J, target);
}

static void jmp_to(struct jit *J, int32_t target)
{
	emit1(J, 0xe9);
	emit4(J, 0);
	add_fixup(J, target);
}

static void call_to(struct jit *J, int32_t target)
{
	emit1(J, 0xe8);
	emit4(J, 0);
	add_fixup(J, target);
}

#define LBL(l)	(-1 - (l))

/* call_abs() - call a C function at a fixed address (clobbers r10) */
static void call_abs(struct jit *J, const void *fn)
{
	mov_imm(J, R10, (uint64_t)(uintptr_t)fn);
	rex(J, 0, 0, -1, R10, 0);
	emit1(J, 0xff);
	emit1(J, (uint8_t)(0xd0 | (R10 & 7)));
}

#define RC_OFF(field)	((int32_t)offsetof(struct vn_bpf_run_ctx, field))
#define RC_STACK_SIZE	((uint32_t)sizeof(((struct vn_bpf_run_ctx *)0)->stack))
#define REG_OFF(field)	((int32_t)offsetof(struct vn_bpf_region, field))

/*
 * charge() - @n budget units for the block that starts here; -ETIME when short
 *
 * The account is the run's shared one (rc->left, charge.c): it starts at
 * budget + 1 and helpers charge their work into it too, so a block that
 * would bring it to zero or below stops the run, as vn_bpf_charge() does.
 */
static void charge(struct jit *J, uint32_t n)
{
	/* sub qword [r12 + left], n; jbe etime */
	rex(J, 1, 0, -1, RCTX, 0);
	emit1(J, 0x81);
	modrm_mem(J, 5, RCTX, -1, RC_OFF(left));
	emit4(J, n);
	jcc_to(J, CC_BE, LBL(L_ETIME));
}

/* imm_reg() - the immediate of @in in a scratch register, blinded if hardening */
static int imm_reg(struct jit *J, int scratch, int32_t imm)
{
	if (J->harden) {
		uint32_t k = J->key;

		/* scratch = (imm ^ key) ^ key, both halves sign-extended alike */
		mov_imm(J, scratch, (uint64_t)(int64_t)(int32_t)((uint32_t)imm ^ k));
		alu_ri(J, 1, 6, scratch, (int32_t)k);
		return scratch;
	}
	mov_imm(J, scratch, (uint64_t)(int64_t)imm);
	return scratch;
}

/* ---- ALU -------------------------------------------------------------- */

/* emit_divmod() - RFC 9669 div/mod incl. x/0 and signed MIN/-1 (rax, rdx saved) */
static void emit_divmod(struct jit *J, const struct vn_bpf_insn *in, int w, int d, int s)
{
	int mod = VN_BPF_OP(in->code) == VN_BPF_MOD, sgn = in->off == 1;
	size_t jz, jne = 0, jdone1 = 0, jdone2;

	if (s >= 0)
		mov_rr(J, 1, R11, s);
	else
		imm_reg(J, R11, in->imm);
	mov_rr(J, 1, R10, d);
	push(J, RAX);
	push(J, RDX);
	op_rr(J, w, 0x85, R11, R11, 0);		/* test r11, r11 */
	jz = jcc_rel8(J, CC_E);
	if (sgn) {
		alu_ri(J, w, 7, R11, -1);	/* cmp r11, -1 */
		jne = jcc_rel8(J, CC_NE);
		if (mod)
			op_rr(J, 0, 0x31, R10, R10, 0);	/* xor r10d, r10d */
		else
			op_rr(J, w, 0xf7, 3, R10, 0);	/* neg r10 */
		jdone1 = jmp_rel8(J);
		bind8(J, jne);
	}
	mov_rr(J, 1, RAX, R10);
	if (sgn) {
		if (w)
			emit1(J, 0x48);
		emit1(J, 0x99);			/* cqo / cdq */
	} else {
		op_rr(J, 0, 0x31, RDX, RDX, 0);	/* xor edx, edx */
	}
	op_rr(J, w, 0xf7, sgn ? 7 : 6, R11, 0);	/* idiv / div r11 */
	mov_rr(J, w, R10, mod ? RDX : RAX);
	jdone2 = jmp_rel8(J);
	bind8(J, jz);
	if (mod)
		mov_rr(J, w, R10, R10);		/* x % 0 = x (32 bits: truncated) */
	else
		op_rr(J, 0, 0x31, R10, R10, 0);	/* x / 0 = 0 */
	if (sgn)
		bind8(J, jdone1);
	bind8(J, jdone2);
	pop(J, RDX);
	pop(J, RAX);
	mov_rr(J, w, d, R10);
}

/* emit_shift() - shifts masked to the width (BMI2 shlx/shrx/sarx for registers) */
static void emit_shift(struct jit *J, const struct vn_bpf_insn *in, int w, int d, int s)
{
	unsigned int op = VN_BPF_OP(in->code);
	int ext = op == VN_BPF_LSH ? 4 : op == VN_BPF_RSH ? 5 : 7;

	if (s < 0) {
		unsigned int cnt = (unsigned int)in->imm & (w ? 63u : 31u);

		if (!cnt) {
			if (!w)
				mov_rr(J, 0, d, d);
			return;
		}
		rex(J, w, 0, -1, d, 0);
		emit1(J, 0xc1);
		emit1(J, (uint8_t)(0xc0 | (ext << 3) | (d & 7)));
		emit1(J, (uint8_t)cnt);
		return;
	}
	/* VEX.LZ.{66,F2,F3}.0F38.W F7 /r: d = d shifted by s */
	emit1(J, 0xc4);
	emit1(J, (uint8_t)(((d & 8) ? 0 : 0x80) | 0x40 | ((d & 8) ? 0 : 0x20) | 0x02));
	emit1(J, (uint8_t)((w ? 0x80 : 0) | ((~s & 15) << 3) |
			   (op == VN_BPF_LSH ? 1 : op == VN_BPF_RSH ? 3 : 2)));
	emit1(J, 0xf7);
	emit1(J, (uint8_t)(0xc0 | ((d & 7) << 3) | (d & 7)));
}

/* emit_end() - to-le, to-be and bswap */
static void emit_end(struct jit *J, const struct vn_bpf_insn *in, int d)
{
	int swap = VN_BPF_CLASS(in->code) == VN_BPF_ALU64 || VN_BPF_SRCBIT(in->code);

	if (!swap) {
		if (in->imm == 16)
			op_rr(J, 0, 0x0fb7, d, d, 0);	/* movzx d32, d16 */
		else if (in->imm == 32)
			mov_rr(J, 0, d, d);
		return;
	}
	if (in->imm == 16) {
		emit1(J, 0x66);			/* ror d16, 8 */
		rex(J, 0, 0, -1, d, 0);
		emit1(J, 0xc1);
		emit1(J, (uint8_t)(0xc8 | (d & 7)));
		emit1(J, 8);
		op_rr(J, 0, 0x0fb7, d, d, 0);
		return;
	}
	rex(J, in->imm == 64, 0, -1, d, 0);
	emit1(J, 0x0f);
	emit1(J, (uint8_t)(0xc8 | (d & 7)));
}

/* emit_alu() - ALU and ALU64 classes */
static void emit_alu(struct jit *J, const struct vn_bpf_insn *in)
{
	/* x86 "op r/m, reg" opcodes and "81 /ext" extensions, by BPF op >> 4 */
	static const uint8_t rr[16] = { [0] = 0x01, [1] = 0x29, [4] = 0x09, [5] = 0x21,
					[10] = 0x31 };
	static const uint8_t ext[16] = { [0] = 0, [1] = 5, [4] = 1, [5] = 4, [10] = 6 };
	unsigned int op = VN_BPF_OP(in->code);
	int w = VN_BPF_CLASS(in->code) == VN_BPF_ALU64;
	int d = regmap[in->dst];
	int s = VN_BPF_SRCBIT(in->code) ? regmap[in->src] : -1;

	switch (op) {
	case VN_BPF_END:
		emit_end(J, in, d);
		return;
	case VN_BPF_NEG:
		op_rr(J, w, 0xf7, 3, d, 0);
		return;
	case VN_BPF_DIV:
	case VN_BPF_MOD:
		emit_divmod(J, in, w, d, s);
		return;
	case VN_BPF_LSH:
	case VN_BPF_RSH:
	case VN_BPF_ARSH:
		emit_shift(J, in, w, d, s);
		return;
	case VN_BPF_MOV:
		if (s < 0) {
			if (J->harden)
				mov_rr(J, w, d, imm_reg(J, R10, in->imm));
			else
				mov_imm(J, d, w ? (uint64_t)(int64_t)in->imm : (uint32_t)in->imm);
		} else if (in->off == 8) {
			op_rr(J, w, 0x0fbe, d, s, 1);	/* movsx d, s8 */
		} else if (in->off == 16) {
			op_rr(J, w, 0x0fbf, d, s, 0);	/* movsx d, s16 */
		} else if (in->off == 32) {
			op_rr(J, 1, 0x63, d, s, 0);	/* movsxd d, s32 */
		} else {
			mov_rr(J, w, d, s);
		}
		return;
	case VN_BPF_MUL:
		if (s < 0 && !J->harden) {
			op_rr(J, w, 0x69, d, d, 0);	/* imul d, d, imm32 */
			emit4(J, (uint32_t)in->imm);
			return;
		}
		if (s < 0)
			s = imm_reg(J, R10, in->imm);
		op_rr(J, w, 0x0faf, d, s, 0);		/* imul d, s */
		return;
	default:
		break;
	}
	if (s < 0 && !J->harden) {
		alu_ri(J, w, ext[op >> 4], d, in->imm);
		return;
	}
	if (s < 0)
		s = imm_reg(J, R10, in->imm);
	op_rr(J, w, rr[op >> 4], s, d, 0);
}

/* ---- jumps ------------------------------------------------------------ */

static int jmp_cc(unsigned int op)
{
	switch (op) {
	case VN_BPF_JEQ: return CC_E;
	case VN_BPF_JNE: return CC_NE;
	case VN_BPF_JSET: return CC_NE;
	case VN_BPF_JGT: return CC_A;
	case VN_BPF_JGE: return CC_AE;
	case VN_BPF_JLT: return CC_B;
	case VN_BPF_JLE: return CC_BE;
	case VN_BPF_JSGT: return CC_G;
	case VN_BPF_JSGE: return CC_GE;
	case VN_BPF_JSLT: return CC_L;
	default: return CC_LE;	/* JSLE */
	}
}

/* emit_cond_jump() - compare (or test) and branch; backward jumps are charged */
static void emit_cond_jump(struct jit *J, const struct vn_bpf_insn *in, size_t pc)
{
	unsigned int op = VN_BPF_OP(in->code);
	int w = VN_BPF_CLASS(in->code) == VN_BPF_JMP;
	int d = regmap[in->dst];
	int s = VN_BPF_SRCBIT(in->code) ? regmap[in->src] : -1;
	int64_t t = (int64_t)pc + 1 + in->off;

	if (s < 0 && J->harden)
		s = imm_reg(J, R10, in->imm);
	if (op == VN_BPF_JSET) {
		if (s >= 0) {
			op_rr(J, w, 0x85, s, d, 0);
		} else {
			rex(J, w, 0, -1, d, 0);	/* test d, imm32 */
			emit1(J, 0xf7);
			emit1(J, (uint8_t)(0xc0 | (d & 7)));
			emit4(J, (uint32_t)in->imm);
		}
	} else if (s >= 0) {
		op_rr(J, w, 0x39, s, d, 0);		/* cmp d, s */
	} else {
		alu_ri(J, w, 7, d, in->imm);		/* cmp d, imm */
	}
	jcc_to(J, jmp_cc(op), (int32_t)t);
}

/* ---- memory ----------------------------------------------------------- */

static unsigned int mem_bytes(uint8_t code)
{
	switch (VN_BPF_SIZE(code)) {
	case VN_BPF_B: return 1;
	case VN_BPF_H: return 2;
	case VN_BPF_W: return 4;
	default: return 8;
	}
}

/* emit_load_to() - dst = [base + disp], zero- or sign-extended */
static void emit_load_to(struct jit *J, int dst, unsigned int size, int sx, int base,
			 int32_t disp)
{
	switch (size) {
	case 1: op_rm(J, sx, sx ? 0x0fbe : 0x0fb6, dst, base, -1, disp, 0); break;
	case 2: op_rm(J, sx, sx ? 0x0fbf : 0x0fb7, dst, base, -1, disp, 0); break;
	case 4: op_rm(J, sx, sx ? 0x63 : 0x8b, dst, base, -1, disp, 0); break;
	default: op_rm(J, 1, 0x8b, dst, base, -1, disp, 0); break;
	}
}

/* emit_store_from() - [base + disp] = low @size bytes of src */
static void emit_store_from(struct jit *J, int src, unsigned int size, int base,
			    int32_t disp)
{
	if (size == 2)
		emit1(J, 0x66);
	op_rm(J, size == 8, size == 1 ? 0x88 : 0x89, src, base, -1, disp, size == 1);
}

/* emit_atomic() - RFC 9669 5.3 on [base + disp] (alignment already checked) */
static void emit_atomic(struct jit *J, const struct vn_bpf_insn *in, int base, int32_t disp)
{
	static const uint8_t rr[16] = { [0] = 0x01, [4] = 0x09, [5] = 0x21, [10] = 0x31 };
	int w = VN_BPF_SIZE(in->code) == VN_BPF_DW;
	int s = regmap[in->src];
	int32_t aop = in->imm;
	size_t loop;

	if (aop == VN_BPF_CMPXCHG) {
		emit1(J, 0xf0);			/* lock cmpxchg [m], s */
		op_rm(J, w, 0x0fb1, s, base, -1, disp, 0);
		if (!w)
			mov_rr(J, 0, RAX, RAX);	/* r0 = old, zero-extended */
		return;
	}
	if (aop == VN_BPF_XCHG) {
		op_rm(J, w, 0x87, s, base, -1, disp, 0);
		if (!w)
			mov_rr(J, 0, s, s);
		return;
	}
	if (!(aop & VN_BPF_FETCH)) {
		emit1(J, 0xf0);
		op_rm(J, w, rr[(aop & 0xf0) >> 4], s, base, -1, disp, 0);
		return;
	}
	if ((aop & ~VN_BPF_FETCH) == VN_BPF_ADD) {
		emit1(J, 0xf0);			/* lock xadd [m], s */
		op_rm(J, w, 0x0fc1, s, base, -1, disp, 0);
		if (!w)
			mov_rr(J, 0, s, s);
		return;
	}
	/* fetch-or/and/xor: a cmpxchg loop in rax, r0 saved in r9 */
	mov_rr(J, 1, R9, RAX);
	op_rm(J, w, 0x8b, RAX, base, -1, disp, 0);	/* rax = old */
	loop = J->len;
	mov_rr(J, 1, R10, RAX);
	op_rr(J, w, rr[(aop & 0xf0) >> 4], s == RAX ? R9 : s, R10, 0);
	emit1(J, 0xf0);
	op_rm(J, w, 0x0fb1, R10, base, -1, disp, 0);
	emit1(J, 0x75);				/* jne loop */
	emit1(J, (uint8_t)(loop - (J->len + 1)));
	mov_rr(J, w, R10, RAX);
	mov_rr(J, 1, RAX, R9);
	mov_rr(J, 1, s, R10);
}

/* emit_access() - the load, store or atomic itself, on [base + disp] */
static void emit_access(struct jit *J, const struct vn_bpf_insn *in, int base, int32_t disp)
{
	unsigned int cls = VN_BPF_CLASS(in->code), size = mem_bytes(in->code);

	if (cls == VN_BPF_LDX) {
		emit_load_to(J, regmap[in->dst], size,
			     VN_BPF_MODE(in->code) == VN_BPF_MEMSX, base, disp);
	} else if (cls == VN_BPF_ST) {
		int v = J->harden ? imm_reg(J, R9, in->imm) : -1;

		if (v >= 0) {
			emit_store_from(J, v, size, base, disp);
		} else {
			/* mov [m], imm (C6 /0 ib, C7 /0 iw/id) */
			if (size == 2)
				emit1(J, 0x66);
			op_rm(J, size == 8, size == 1 ? 0xc6 : 0xc7, 0, base, -1, disp, 0);
			if (size == 1)
				emit1(J, (uint8_t)in->imm);
			else if (size == 2) {
				emit1(J, (uint8_t)in->imm);
				emit1(J, (uint8_t)(in->imm >> 8));
			} else
				emit4(J, (uint32_t)in->imm);
		}
	} else if (VN_BPF_MODE(in->code) == VN_BPF_ATOMIC) {
		emit_atomic(J, in, base, disp);
	} else {
		emit_store_from(J, regmap[in->src], size, base, disp);
	}
}

static struct stub *stub_new(struct jit *J)
{
	struct stub *st;

	if (J->nstubs >= J->p->n) {
		J->overflow = 1;
		return NULL;
	}
	st = &J->stubs[J->nstubs++];
	memset(st, 0, sizeof(*st));
	return st;
}

/* stub_jcc() - a branch from the fast path to the stub */
static void stub_jcc(struct jit *J, struct stub *st, int cc)
{
	emit1(J, 0x0f);
	emit1(J, (uint8_t)(0x80 | cc));
	emit4(J, 0);
	if (st->njumps < STUB_JUMPS)
		st->jumps[st->njumps++] = (uint32_t)(J->len - 4);
	else
		J->overflow = 1;
}

/*
 * emit_pkt_proved() - A packet access the program bounds-checked itself
 *
 * The facts say data + off + size <= data_end on every path here, and the
 * packet slot's window covers [data, data_end) (env->ctx_pkt_data): no
 * table walk. The Spectre v1 clamp stays: a mispredicted bounds check of
 * the program's own reads offset 0 of the slot, never past the window's
 * end. Stores still need the frame to be writable (a shared frame is not).
 */
static void emit_pkt_proved(struct jit *J, const struct vn_bpf_insn *in, int base, int write)
{
	int32_t slot = (int32_t)J->p->pkt_slot << REGION_SHIFT;
	unsigned int size = mem_bytes(in->code);

	op_rm(J, 0, 0x8d, R11, base, -1, in->off, 0);		/* lea r11d: offset */
	op_rm(J, 0, 0x8d, R9, R11, -1, (int32_t)size, 0);	/* r9d = offset + size */
	op_rm(J, 0, 0x3b, R9, RCTX, -1, slot + REG_OFF(end), 0);
	op_rm(J, 0, 0x0f47, R11, RCTX, -1, RC_OFF(spec_zero), 0);	/* cmova r11d */
	J->spec_clamps++;
	if (write) {
		op_rm(J, 0, 0x83, 7, RCTX, -1, slot + REG_OFF(writable), 0);
		emit1(J, 0);
		jcc_to(J, CC_E, LBL(L_FAULT));
	}
	op_rm(J, 1, 0x03, R11, RCTX, -1, slot + REG_OFF(base), 0);
	emit_access(J, in, R11, 0);
	J->pkt_proved++;
}

/**
 * emit_mem() - Every memory access of a program: translate, check, access
 * @J:		compiler state
 * @in:		LDX, ST or STX (incl. atomics)
 *
 * Constant r10 offsets inside the current frame are always valid: the host
 * address is the stack's plus the frame pointer's offset. Anything else is
 * the program-space translation of vm.h inline: slot = (va >> 32) - 1 below
 * rc->nregions, d = (uint32_t)va - lo with d + size <= len (no 32-bit
 * carry), writable for stores; host = base + (uint32_t)va. A miss branches
 * to a slow path (computed xdp_md loads, or the fault).
 */
static void emit_mem(struct jit *J, const struct vn_bpf_insn *in)
{
	unsigned int cls = VN_BPF_CLASS(in->code), size = mem_bytes(in->code);
	int write = cls != VN_BPF_LDX;
	int atomic = cls == VN_BPF_STX && VN_BPF_MODE(in->code) == VN_BPF_ATOMIC;
	unsigned int breg = write ? in->dst : in->src;
	const struct facts *f;
	struct stub *st;
	size_t skip1, skip2;

	if (breg == VN_BPF_REG_FP && in->off >= -VN_BPF_STACK_SIZE &&
	    in->off + (int)size <= 0) {
		if (atomic && (in->off & (int)(size - 1))) {
			jmp_to(J, LBL(L_FAULT));	/* misaligned: frames are 16-aligned */
			return;
		}
		if (write && J->func == 0 && in->off < J->static_min)
			J->static_min = in->off;
		/* r11 = rc->stack + (uint32_t)r10 */
		mov_rr(J, 0, R11, RBP);
		rex(J, 1, R11, R11, RCTX, 0);		/* lea r11, [r12 + r11 + stack] */
		emit1(J, 0x8d);
		emit1(J, (uint8_t)(0x84 | ((R11 & 7) << 3)));
		emit1(J, (uint8_t)(((R11 & 7) << 3) | (RCTX & 7)));
		emit4(J, (uint32_t)RC_OFF(stack));
		emit_access(J, in, R11, in->off);
		return;
	}
	f = J->facts && J->facts[J->pc].reached ? &J->facts[J->pc] : NULL;
	if (!write && !J->arg_load && VN_BPF_MODE(in->code) == VN_BPF_MEM && size == 4 &&
	    f && f->type[breg] == T_CTX && in->off >= 0 && !(in->off % 4) &&
	    (unsigned int)in->off / 4 < J->p->ctx_fields) {
		/* r1's context table: dst = rc->ctx_vals[off / 4], no translation */
		op_rm(J, 1, 0x8b, regmap[in->dst], RCTX, -1,
		      RC_OFF(ctx_vals) + in->off * 2, 0);
		J->ctx_inline++;
		return;
	}
	if (f && !atomic && !J->arg_load && f->type[breg] == T_PKT &&
	    (int64_t)f->off[breg] + in->off >= 0 &&
	    (int64_t)f->off[breg] + in->off + size <= f->range) {
		emit_pkt_proved(J, in, regmap[breg], write);
		return;
	}
	st = stub_new(J);
	if (!st)
		return;
	st->kind = J->arg_load ? 3 : write ? 2 : VN_BPF_MODE(in->code) == VN_BPF_MEMSX;
	st->size = (uint8_t)size;
	st->dst = write ? 0 : regmap[in->dst];
	/* r11 = va; r9 = va >> 32 (hi); r10 = slot */
	op_rm(J, 1, 0x8d, R11, regmap[breg], -1, in->off, 0);	/* lea */
	mov_rr(J, 1, R9, R11);
	rex(J, 1, 0, -1, R9, 0);				/* shr r9, 32 */
	emit1(J, 0xc1);
	emit1(J, (uint8_t)(0xe8 | (R9 & 7)));
	emit1(J, VN_BPF_VA_SHIFT);
	op_rr(J, 0, 0x0fb6, R10, R9, 1);			/* movzx r10d, r9b */
	alu_ri(J, 0, 5, R10, 1);				/* slot byte 0 wraps */
	op_rm(J, 0, 0x3b, R10, RCTX, -1, RC_OFF(nregions), 0);
	stub_jcc(J, st, CC_AE);
	/* Spectre v1: a mispredicted jae still indexes slot 0, never past the table */
	op_rm(J, 0, 0x0f43, R10, RCTX, -1, RC_OFF(spec_zero), 0);	/* cmovae */
	rex(J, 0, 0, -1, R10, 0);				/* shl r10d, 6: * sizeof */
	emit1(J, 0xc1);
	emit1(J, (uint8_t)(0xe0 | (R10 & 7)));
	emit1(J, REGION_SHIFT);
	op_rm(J, 0, 0x3b, R9, RCTX, R10, REG_OFF(hi), 0);	/* generation and slot */
	stub_jcc(J, st, CC_NE);
	mov_rr(J, 0, R9, R11);
	op_rm(J, 0, 0x2b, R9, RCTX, R10, REG_OFF(lo), 0);	/* d = off - lo */
	alu_ri(J, 1, 0, R9, (int32_t)size);			/* 64-bit: no carry */
	op_rm(J, 1, 0x3b, R9, RCTX, R10, REG_OFF(len), 0);	/* computed regions: len 0 */
	stub_jcc(J, st, CC_A);
	/* Spectre v1: r11 = the offset, or 0 when a mispredicted ja fell through */
	op_rm(J, 0, 0x0f47, R11, RCTX, -1, RC_OFF(spec_zero), 0);	/* cmova r11d */
	J->spec_clamps++;
	if (write) {
		op_rm(J, 0, 0x83, 7, RCTX, R10, REG_OFF(writable), 0);
		emit1(J, 0);
		stub_jcc(J, st, CC_E);
		/* a store into the stack lowers the dirty mark (slot 0 only) */
		op_rr(J, 0, 0x85, R10, R10, 0);
		skip1 = jcc_rel8(J, CC_NE);
		op_rm(J, 0, 0x3b, R11, RCTX, -1, RC_OFF(stack_dirty), 0);
		skip2 = jcc_rel8(J, CC_AE);
		op_rm(J, 0, 0x89, R11, RCTX, -1, RC_OFF(stack_dirty), 0);
		bind8(J, skip1);
		bind8(J, skip2);
	}
	op_rm(J, 1, 0x03, R11, RCTX, R10, REG_OFF(base), 0);	/* + base */
	/* the slow path of a store comes back here with r11 = the host address */
	if (write)
		st->resume = (uint32_t)J->len;
	if (atomic) {
		op_rr(J, 0, 0xf7, 0, R11, 0);		/* test r11d, size - 1 */
		emit4(J, size - 1);
		jcc_to(J, CC_NE, LBL(L_FAULT));
	}
	emit_access(J, in, R11, 0);
	if (!write)
		st->resume = (uint32_t)J->len;
}

/*
 * Slow paths called from JIT code: the computed (xdp_md) loads, and for
 * stores the same translation once more (a store the inline path refused
 * faults; one C function keeps one semantics).
 */
static int jit_load_slow(struct vn_bpf_run_ctx *rc, uint64_t va, unsigned int size,
			 uint64_t *val)
{
	return vn_bpf_translate_slow(rc, va, size, val);
}

static void *jit_store_slow(struct vn_bpf_run_ctx *rc, uint64_t va, unsigned int size)
{
	return va_translate(rc, va, size, 1);
}

static const int save_regs[6] = { RAX, RDI, RSI, RDX, RCX, R8 };

/* emit_stub() - one slow path: save r0-r5, call C, restore, resume */
static void emit_stub(struct jit *J, const struct stub *st)
{
	unsigned int i;

	for (i = 0; i < st->njumps; i++)
		patch4(J, st->jumps[i], (uint32_t)(J->len - (st->jumps[i] + 4)));
	if (st->kind == 3) {
		jmp_to(J, LBL(L_FAULT));
		return;
	}
	for (i = 0; i < 6; i++)
		push(J, save_regs[i]);
	alu_ri(J, 1, 5, RSP, 16);			/* sub rsp, 16: val, alignment */
	mov_rr(J, 1, RDI, RCTX);
	mov_rr(J, 1, RSI, R11);
	mov_imm(J, RDX, st->size);
	if (st->kind == 2) {
		call_abs(J, (const void *)jit_store_slow);
		mov_rr(J, 1, R11, RAX);
	} else {
		mov_rr(J, 1, RCX, RSP);
		call_abs(J, (const void *)jit_load_slow);
		mov_rr(J, 0, R10, RAX);
		op_rm(J, 1, 0x8b, R9, RSP, -1, 0, 0);	/* r9 = val */
	}
	alu_ri(J, 1, 0, RSP, 16);
	for (i = 6; i-- > 0;)
		pop(J, save_regs[i]);
	if (st->kind == 2) {
		op_rr(J, 1, 0x85, R11, R11, 0);
		jcc_to(J, CC_E, LBL(L_FAULT));
	} else {
		op_rr(J, 0, 0x85, R10, R10, 0);
		jcc_to(J, CC_NE, LBL(L_ERR_R10));
		if (st->kind == 1) {
			switch (st->size) {
			case 1: op_rr(J, 1, 0x0fbe, st->dst, R9, 1); break;
			case 2: op_rr(J, 1, 0x0fbf, st->dst, R9, 0); break;
			default: op_rr(J, 1, 0x63, st->dst, R9, 0); break;
			}
		} else {
			mov_rr(J, 1, st->dst, R9);
		}
	}
	emit1(J, 0xe9);
	emit4(J, (uint32_t)(st->resume - (J->len + 4)));
}

/* ---- calls ------------------------------------------------------------ */

/*
 * clobber_args() - r1-r5 = 0 after a helper: the C code left host values
 * (the run context, pointers) in those registers; a program cannot read
 * them (the validator), but it could pass them to the next helper
 */
static void clobber_args(struct jit *J)
{
	static const int args[5] = { RDI, RSI, RDX, RCX, R8 };

	for (unsigned int i = 0; i < 5; i++)
		op_rr(J, 0, 0x31, args[i], args[i], 0);
}

/* emit_helper_call() - r0 = fn(rc, r1..r5); fn in r11 or a constant; aborts checked */
static void emit_helper_call(struct jit *J, vn_bpf_helper_fn fn)
{
	mov_rr(J, 1, R9, R8);
	mov_rr(J, 1, R8, RCX);
	mov_rr(J, 1, RCX, RDX);
	mov_rr(J, 1, RDX, RSI);
	mov_rr(J, 1, RSI, RDI);
	mov_rr(J, 1, RDI, RCTX);
	if (fn) {
		call_abs(J, (const void *)fn);
	} else {
		rex(J, 0, 0, -1, R11, 0);		/* call r11 */
		emit1(J, 0xff);
		emit1(J, (uint8_t)(0xd0 | (R11 & 7)));
	}
	op_rm(J, 0, 0x83, 7, RCTX, -1, RC_OFF(abort_err), 0);
	emit1(J, 0);
	jcc_to(J, CC_NE, LBL(L_UNWIND));
	clobber_args(J);
}

/* jcc32() / jmp32() and bind32(): forward rel32 jumps inside one sequence */
static size_t jcc32(struct jit *J, int cc)
{
	emit1(J, 0x0f);
	emit1(J, (uint8_t)(0x80 | cc));
	emit4(J, 0);
	return J->len;
}

static size_t jmp32(struct jit *J)
{
	emit1(J, 0xe9);
	emit4(J, 0);
	return J->len;
}

static void bind32(struct jit *J, size_t after)
{
	patch4(J, after - 4, (uint32_t)(J->len - after));
}

#define DESC_OFF(field)	((int32_t)offsetof(struct vn_bpf_array_desc, field))

/*
 * emit_array_lookup() - bpf_map_lookup_elem(array, key) inline
 *
 * What h_map_lookup_elem() does, in its order: the 4-byte key through the
 * translation (any miss faults), the charge (vn_bpf_charge()'s fast path
 * inline, else the call), the index masked against max_entries (Spectre v1,
 * as the kernel's array_map_gen_lookup()), this CPU's copy, and the value
 * mapped by vn_bpf_run_ctx_map_value(). Every map property is read from
 * the descriptor in memory, never an immediate the program's object chose
 * (blinding has nothing to blind).
 */
static void emit_array_lookup(struct jit *J, const struct vn_bpf_array_desc *a)
{
	const struct vn_bpf_insn key = {
		.code = VN_BPF_LDX | VN_BPF_MEM | VN_BPF_W, .dst = 0, .src = 2,
	};
	size_t slow, fast, charged, nul, end, j1, j2;

	J->arg_load = 1;
	emit_mem(J, &key);				/* eax = key */
	J->arg_load = 0;
	mov_imm(J, R9, (uint64_t)(uintptr_t)a);
	/* charge: cost < left, and no clock check due (vn_bpf_charge_fast()) */
	op_rm(J, 1, 0x8b, R10, RCTX, -1, RC_OFF(left), 0);
	op_rm(J, 1, 0x3b, R10, R9, -1, DESC_OFF(cost), 0);
	slow = jcc32(J, CC_BE);
	op_rm(J, 1, 0x83, 7, RCTX, -1, RC_OFF(time_cap_ns), 0);	/* cmp qword, 0 */
	emit1(J, 0);
	fast = jcc32(J, CC_E);
	op_rm(J, 1, 0x83, 7, RCTX, -1, RC_OFF(t0), 0);
	emit1(J, 0);
	j1 = jcc32(J, CC_E);
	op_rm(J, 1, 0x8b, R10, RCTX, -1, RC_OFF(clock_units), 0);
	op_rm(J, 1, 0x03, R10, R9, -1, DESC_OFF(cost), 0);
	alu_ri(J, 1, 7, R10, VN_BPF_CLOCK_EVERY);
	j2 = jcc32(J, CC_AE);
	op_rm(J, 1, 0x89, R10, RCTX, -1, RC_OFF(clock_units), 0);
	bind32(J, fast);
	op_rm(J, 1, 0x8b, R10, R9, -1, DESC_OFF(cost), 0);
	op_rm(J, 1, 0x29, R10, RCTX, -1, RC_OFF(left), 0);	/* sub [left], r10 */
	charged = jmp32(J);
	bind32(J, slow);
	bind32(J, j1);
	bind32(J, j2);
	push(J, RAX);
	push(J, R9);
	mov_rr(J, 1, RDI, RCTX);
	op_rm(J, 1, 0x8b, RSI, R9, -1, DESC_OFF(cost), 0);
	call_abs(J, (const void *)vn_bpf_charge);
	mov_rr(J, 0, R11, RAX);
	pop(J, R9);
	pop(J, RAX);
	op_rr(J, 0, 0x85, R11, R11, 0);
	jcc_to(J, CC_NE, LBL(L_UNWIND));		/* -ETIME, abort_err set */
	bind32(J, charged);
	/* index: below max_entries, masked so a mispredicted jae reads element 0 */
	op_rm(J, 0, 0x3b, RAX, R9, -1, DESC_OFF(max_entries), 0);
	nul = jcc32(J, CC_AE);
	op_rm(J, 0, 0x0f43, RAX, RCTX, -1, RC_OFF(spec_zero), 0);	/* cmovae eax */
	J->spec_clamps++;
	op_rm(J, 1, 0x0faf, RAX, R9, -1, DESC_OFF(elem_stride), 0);	/* imul rax, [] */
	op_rm(J, 1, 0x03, RAX, R9, -1, DESC_OFF(values), 0);
	if (a->cpu_stride) {
		/* this worker's copy; a worker past the copies reads copy 0 */
		op_rm(J, 0, 0x8b, R10, RCTX, -1, RC_OFF(cpu), 0);
		op_rm(J, 0, 0x3b, R10, R9, -1, DESC_OFF(ncpus), 0);
		op_rm(J, 0, 0x0f43, R10, RCTX, -1, RC_OFF(spec_zero), 0);
		op_rm(J, 1, 0x0faf, R10, R9, -1, DESC_OFF(cpu_stride), 0);
		op_rr(J, 1, 0x01, R10, RAX, 0);			/* add rax, r10 */
	}
	mov_rr(J, 1, RDI, RCTX);
	mov_rr(J, 1, RSI, RAX);
	op_rm(J, 0, 0x8b, RDX, R9, -1, DESC_OFF(value_size), 0);
	op_rm(J, 0, 0x8b, RCX, R9, -1, DESC_OFF(writable), 0);
	call_abs(J, (const void *)vn_bpf_run_ctx_map_value);
	end = jmp32(J);
	bind32(J, nul);
	op_rr(J, 0, 0x31, RAX, RAX, 0);
	bind32(J, end);
	clobber_args(J);
	J->inline_lookups++;
}

/* emit_call() - helper, callx or BPF-to-BPF call */
static void emit_call(struct jit *J, const struct vn_bpf_insn *in, size_t pc)
{
	if (VN_BPF_SRCBIT(in->code)) {
		/* callx: the register holds a helper id, checked against the table */
		mov_rr(J, 1, R11, regmap[in->dst]);
		mov_imm(J, R10, J->p->nhelpers);
		op_rr(J, 1, 0x39, R10, R11, 0);		/* cmp r11, nhelpers */
		jcc_to(J, CC_AE, LBL(L_EINVAL));
		mov_imm(J, R10, (uint64_t)(uintptr_t)J->p->helpers);
		rex(J, 1, R11, R11, R10, 0);		/* mov r11, [r10 + r11*8] */
		emit1(J, 0x8b);
		emit1(J, (uint8_t)(0x04 | ((R11 & 7) << 3)));
		emit1(J, (uint8_t)(0xc0 | ((R11 & 7) << 3) | (R10 & 7)));
		op_rr(J, 1, 0x85, R11, R11, 0);
		jcc_to(J, CC_E, LBL(L_EINVAL));
		emit_helper_call(J, NULL);
		return;
	}
	if (in->src == VN_BPF_CALL_HELPER) {
		const struct vn_bpf_prog *p = J->p;

		if (p->lookup_id && (unsigned int)in->imm == p->lookup_id && J->r1map >= 0 &&
		    (uint64_t)J->r1map < p->narrays && p->arrays[J->r1map].values &&
		    p->helpers[in->imm]) {
			emit_array_lookup(J, &p->arrays[J->r1map]);
			return;
		}
		emit_helper_call(J, J->p->helpers[in->imm]);
		return;
	}
	/* BPF-to-BPF: depth, callee-saved r6-r9 and r10, a fresh zeroed frame */
	op_rm(J, 0, 0x83, 7, RCTX, -1, RC_OFF(jit.depth), 0);
	emit1(J, VN_BPF_MAX_FRAMES - 1);
	jcc_to(J, CC_AE, LBL(L_E2BIG));
	op_rm(J, 0, 0xff, 0, RCTX, -1, RC_OFF(jit.depth), 0);	/* inc */
	push(J, RBX);
	push(J, R13);
	push(J, R14);
	push(J, R15);
	push(J, RBP);
	alu_ri(J, 1, 5, RBP, VN_BPF_STACK_SIZE);
	call_to(J, LBL(L_FRAME_ENTER));
	call_to(J, (int32_t)(pc + 1 + (int64_t)in->imm));
	pop(J, RBP);
	pop(J, R15);
	pop(J, R14);
	pop(J, R13);
	pop(J, RBX);
	op_rm(J, 0, 0xff, 1, RCTX, -1, RC_OFF(jit.depth), 0);	/* dec */
	call_to(J, LBL(L_FRAME_SET));
}

/* ---- program ---------------------------------------------------------- */

static void bind(struct jit *J, int l)
{
	J->label[l] = (uint32_t)J->len;
}

/* emit_prologue() - save callee-saved registers, load arguments, zero the rest */
static void emit_prologue(struct jit *J)
{
	static const int keep[6] = { RBX, RBP, R12, R13, R14, R15 };
	unsigned int i;

	for (i = 0; i < 6; i++)
		push(J, keep[i]);
	alu_ri(J, 1, 5, RSP, 8);
	mov_rr(J, 1, RCTX, RDI);
	op_rm(J, 1, 0x89, RSP, RCTX, -1, RC_OFF(jit.rsp), 0);
	mov_rr(J, 1, R10, RSI);
	op_rm(J, 1, 0x8b, RDI, R10, -1, 0, 0);
	op_rm(J, 1, 0x8b, RSI, R10, -1, 8, 0);
	op_rm(J, 1, 0x8b, RDX, R10, -1, 16, 0);
	op_rm(J, 1, 0x8b, RCX, R10, -1, 24, 0);
	op_rm(J, 1, 0x8b, R8, R10, -1, 32, 0);
	op_rr(J, 0, 0x31, RAX, RAX, 0);
	op_rr(J, 0, 0x31, RBX, RBX, 0);
	op_rr(J, 0, 0x31, R13, R13, 0);
	op_rr(J, 0, 0x31, R14, R14, 0);
	op_rr(J, 0, 0x31, R15, R15, 0);
	mov_imm(J, RBP, VN_BPF_VA(VN_BPF_REGION_STACK, RC_STACK_SIZE));
}

/* emit_tail() - error exits, epilogue and the frame subroutines */
static void emit_tail(struct jit *J)
{
	static const int keep[6] = { RBX, RBP, R12, R13, R14, R15 };
	static const struct { int l; int err; } errs[] = {
		{ L_FAULT, -EFAULT }, { L_ETIME, -ETIME }, { L_E2BIG, -E2BIG },
		{ L_EINVAL, -EINVAL },
	};
	unsigned int i;
	size_t loop, zero, done;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		bind(J, errs[i].l);
		op_rm(J, 0, 0xc7, 0, RCTX, -1, RC_OFF(abort_err), 0);
		emit4(J, (uint32_t)errs[i].err);
		jmp_to(J, LBL(L_UNWIND));
	}
	bind(J, L_ERR_R10);
	op_rm(J, 0, 0x89, R10, RCTX, -1, RC_OFF(abort_err), 0);
	bind(J, L_UNWIND);
	op_rm(J, 1, 0x8b, RSP, RCTX, -1, RC_OFF(jit.rsp), 0);
	op_rr(J, 0, 0x31, RAX, RAX, 0);
	bind(J, L_EPILOGUE);
	alu_ri(J, 1, 0, RSP, 8);
	for (i = 6; i-- > 0;)
		pop(J, keep[i]);
	emit1(J, 0xc3);
	/*
	 * frame enter: make [rbp - 512, rbp) read as zero, then frame set.
	 * Bytes below rc->stack_dirty are zero already (JIT subprograms fold
	 * their constant stores into it at EXIT), so only [max(S, D), F) is
	 * cleared, S = rbp - 512, F = rbp, D = the mark; when D was inside
	 * the frame, everything below F is zero after it and D becomes F.
	 */
	bind(J, L_FRAME_ENTER);
	mov_rr(J, 0, R9, RBP);				/* r9d = F */
	op_rm(J, 0, 0x8d, R10, R9, -1, -VN_BPF_STACK_SIZE, 0);	/* r10d = S */
	op_rm(J, 0, 0x8b, R11, RCTX, -1, RC_OFF(stack_dirty), 0);	/* r11d = D */
	op_rr(J, 0, 0x39, R10, R11, 0);			/* cmp r11d, r10d */
	zero = jcc_rel8(J, CC_BE);			/* D <= S: the whole frame */
	op_rr(J, 0, 0x39, R9, R11, 0);			/* cmp r11d, r9d */
	done = jcc_rel8(J, CC_AE);			/* D >= F: nothing */
	mov_rr(J, 0, R10, R11);
	op_rm(J, 0, 0x89, R9, RCTX, -1, RC_OFF(stack_dirty), 0);
	bind8(J, zero);
	alu_ri(J, 0, 4, R10, -8);			/* and r10d, -8 */
	op_rm(J, 1, 0x8d, R11, RCTX, -1, RC_OFF(stack), 0);	/* r11 = rc->stack */
	loop = J->len;
	rex(J, 1, 0, R10, R11, 0);			/* mov qword [r11 + r10], 0 */
	emit1(J, 0xc7);
	emit1(J, 0x04);
	emit1(J, (uint8_t)(((R10 & 7) << 3) | (R11 & 7)));
	emit4(J, 0);
	alu_ri(J, 0, 0, R10, 8);
	op_rr(J, 0, 0x39, R9, R10, 0);			/* cmp r10d, r9d */
	emit1(J, 0x72);					/* jb loop */
	emit1(J, (uint8_t)(loop - (J->len + 1)));
	bind8(J, done);
	/* frame set: regions[0] offsets [fp - 512, stack size) */
	bind(J, L_FRAME_SET);
	mov_rr(J, 0, R9, RBP);
	alu_ri(J, 0, 5, R9, VN_BPF_STACK_SIZE);
	op_rm(J, 0, 0x89, R9, RCTX, -1, REG_OFF(lo), 0);
	mov_imm(J, R10, RC_STACK_SIZE);
	op_rr(J, 0, 0x29, R9, R10, 0);			/* sub r10d, r9d */
	op_rm(J, 0, 0x89, R10, RCTX, -1, REG_OFF(len), 0);
	emit1(J, 0xc3);
}

/* emit_insn() - one BPF instruction; returns the slots it used */
static size_t emit_insn(struct jit *J, size_t pc)
{
	const struct vn_bpf_insn *in = &J->p->insns[pc];
	unsigned int cls = VN_BPF_CLASS(in->code), op = VN_BPF_OP(in->code);

	switch (cls) {
	case VN_BPF_ALU:
	case VN_BPF_ALU64:
		emit_alu(J, in);
		return 1;
	case VN_BPF_LD: {
		uint64_t v = (uint64_t)(uint32_t)in[0].imm | ((uint64_t)(uint32_t)in[1].imm << 32);
		int d = regmap[in->dst];

		if (J->harden) {
			uint64_t k = ((uint64_t)J->key << 32) | J->key;

			mov_imm(J, R10, v ^ k);
			mov_imm(J, d, k);
			op_rr(J, 1, 0x31, R10, d, 0);
		} else {
			mov_imm(J, d, v);
		}
		return 2;
	}
	case VN_BPF_LDX:
	case VN_BPF_ST:
	case VN_BPF_STX:
		emit_mem(J, in);
		return 1;
	default:
		break;
	}
	switch (op) {
	case VN_BPF_JA: {
		int64_t t = (int64_t)pc + 1 + (cls == VN_BPF_JMP32 ? in->imm : in->off);

		jmp_to(J, (int32_t)t);
		return 1;
	}
	case VN_BPF_CALL:
		emit_call(J, in, pc);
		return 1;
	case VN_BPF_EXIT:
		if (J->func == 0) {
			jmp_to(J, LBL(L_EPILOGUE));
			return 1;
		}
		if (J->fmin && J->fmin[J->func] < 0) {
			size_t skip;

			/* the frame's constant stores were not tracked: lower the mark */
			op_rm(J, 0, 0x8d, R11, RBP, -1, J->fmin[J->func], 0);	/* lea r11d */
			op_rm(J, 0, 0x3b, R11, RCTX, -1, RC_OFF(stack_dirty), 0);
			skip = jcc_rel8(J, CC_AE);
			op_rm(J, 0, 0x89, R11, RCTX, -1, RC_OFF(stack_dirty), 0);
			bind8(J, skip);
		}
		emit1(J, 0xc3);
		return 1;
	default:
		emit_cond_jump(J, in, pc);
		return 1;
	}
}

#define F_FUNC		0x1	/* first instruction of a subprogram */
#define F_LEADER	0x2	/* a jump lands here or a jump/call precedes it */

/* ends_block() - does control leave straight-line flow after @in? */
static int ends_block(const struct vn_bpf_insn *in)
{
	unsigned int cls = VN_BPF_CLASS(in->code), op = VN_BPF_OP(in->code);

	if (cls != VN_BPF_JMP && cls != VN_BPF_JMP32)
		return 0;
	/* helper calls and callx come back to the next instruction */
	return op != VN_BPF_CALL || in->src == VN_BPF_CALL_LOCAL;
}

/**
 * mark_flow() - Subprogram starts and block leaders; does the program loop?
 * @p:		program
 * @fl:		out: F_* per slot (n + 1 entries, zeroed)
 *
 * Return: 1 when some run may execute more instructions than the program
 * has (a backward jump or a BPF-to-BPF call), else 0
 */
static int mark_flow(const struct vn_bpf_prog *p, uint8_t *fl)
{
	int loops = 0;
	size_t i;

	fl[0] |= F_LEADER;
	for (i = 0; i < p->n; i++) {
		const struct vn_bpf_insn *in = &p->insns[i];
		unsigned int cls = VN_BPF_CLASS(in->code), op = VN_BPF_OP(in->code);
		int64_t t;

		if (in->code == VN_BPF_LD_IMM64) {
			i++;
			continue;
		}
		if (!ends_block(in))
			continue;
		fl[i + 1] |= F_LEADER;
		if (op == VN_BPF_EXIT)
			continue;
		if (op == VN_BPF_CALL) {
			fl[i + 1 + (int64_t)in->imm] |= F_FUNC | F_LEADER;
			loops = 1;
			continue;
		}
		t = (int64_t)i + 1 + (cls == VN_BPF_JMP32 && op == VN_BPF_JA ? in->imm : in->off);
		fl[t] |= F_LEADER;
		if (t <= (int64_t)i)
			loops = 1;
	}
	return loops;
}

/* block_len() - instructions (LD_IMM64 counts once) from leader @pc to its block's end */
static uint32_t block_len(const struct vn_bpf_prog *p, const uint8_t *fl, size_t pc)
{
	uint32_t n = 0;
	size_t i = pc;

	while (i < p->n) {
		const struct vn_bpf_insn *in = &p->insns[i];

		n++;
		/* a BPF-to-BPF call also pays for its zeroed frame, as in the interpreter */
		if (VN_BPF_CLASS(in->code) == VN_BPF_JMP && VN_BPF_OP(in->code) == VN_BPF_CALL &&
		    in->src == VN_BPF_CALL_LOCAL)
			n += VN_BPF_COST_CALL;
		if (ends_block(in))
			break;
		i += in->code == VN_BPF_LD_IMM64 ? 2 : 1;
		if (i < p->n && (fl[i] & F_LEADER))
			break;
	}
	return n;
}

/*
 * ctx_transfer() - the registers holding r1's entry value after @in, given
 * @m before it (a must-analysis: only plain 64-bit register moves carry it)
 */
static uint16_t ctx_transfer(const struct vn_bpf_insn *in, uint16_t m)
{
	unsigned int cls = VN_BPF_CLASS(in->code);
	uint16_t d = (uint16_t)(1u << in->dst);

	switch (cls) {
	case VN_BPF_ALU64:
		if (VN_BPF_OP(in->code) == VN_BPF_MOV && VN_BPF_SRCBIT(in->code) && in->off == 0)
			return (uint16_t)((m & ~d) | ((m >> in->src) & 1 ? d : 0));
		return m & (uint16_t)~d;
	case VN_BPF_ALU:
	case VN_BPF_LDX:
	case VN_BPF_LD:
		return m & (uint16_t)~d;
	case VN_BPF_STX:
		/* fetch atomics write src, cmpxchg r0 */
		if (VN_BPF_MODE(in->code) == VN_BPF_ATOMIC)
			return m & (uint16_t)~((1u << in->src) | 1u);
		return m;
	case VN_BPF_ST:
		return m;
	default:
		/* calls clobber r0-r5; jumps and exit change nothing */
		return VN_BPF_OP(in->code) == VN_BPF_CALL ? (m & (uint16_t)~0x3fu) : m;
	}
}

/* facts_join() - @in &= @out; returns 1 when @in changed */
static int facts_join(struct facts *in, const struct facts *out)
{
	int changed = 0;

	if (!in->reached) {
		*in = *out;
		return 1;
	}
	for (int r = 0; r < VN_BPF_NREGS; r++)
		if (in->type[r] != T_UNK && (in->type[r] != out->type[r] ||
					     (in->type[r] == T_PKT && in->off[r] != out->off[r]))) {
			in->type[r] = T_UNK;
			changed = 1;
		}
	if (out->range < in->range) {
		in->range = out->range;
		changed = 1;
	}
	return changed;
}

/* facts_step() - the facts after @x (for its fall-through edge) */
static void facts_step(const struct vn_bpf_prog *p, const struct vn_bpf_insn *x,
		       struct facts *f)
{
	unsigned int cls = VN_BPF_CLASS(x->code), op = VN_BPF_OP(x->code);
	uint8_t d = x->dst;

	switch (cls) {
	case VN_BPF_ALU64:
		if (op == VN_BPF_MOV && VN_BPF_SRCBIT(x->code) && x->off == 0) {
			f->type[d] = f->type[x->src];
			f->off[d] = f->off[x->src];
			return;
		}
		if (op == VN_BPF_ADD && !VN_BPF_SRCBIT(x->code) && f->type[d] == T_PKT &&
		    (int64_t)f->off[d] + x->imm >= 0 && (int64_t)f->off[d] + x->imm <= PKT_OFF_MAX) {
			f->off[d] = (uint16_t)(f->off[d] + x->imm);
			return;
		}
		f->type[d] = T_UNK;
		return;
	case VN_BPF_LDX:
		if (f->type[x->src] == T_CTX && VN_BPF_MODE(x->code) == VN_BPF_MEM &&
		    VN_BPF_SIZE(x->code) == VN_BPF_W && p->ctx_pkt_data) {
			if (x->off == (int)(4 * (p->ctx_pkt_data - 1))) {
				f->type[d] = T_PKT;
				f->off[d] = 0;
				return;
			}
			if (x->off == (int)(4 * (p->ctx_pkt_end - 1))) {
				f->type[d] = T_END;
				return;
			}
		}
		f->type[d] = T_UNK;
		return;
	case VN_BPF_ALU:
	case VN_BPF_LD:
		f->type[d] = T_UNK;
		return;
	case VN_BPF_STX:
		if (VN_BPF_MODE(x->code) == VN_BPF_ATOMIC)
			f->type[x->src] = f->type[0] = T_UNK;
		return;
	case VN_BPF_ST:
		return;
	default:
		if (op == VN_BPF_CALL) {
			int moves = VN_BPF_SRCBIT(x->code) || x->src != VN_BPF_CALL_HELPER;

			for (int i = 0; !moves && i < VN_BPF_PKT_MOVING && p->pkt_moving[i]; i++)
				moves = (uint32_t)x->imm == p->pkt_moving[i];
			for (int r = 0; r <= 5; r++)
				f->type[r] = T_UNK;
			for (int r = 0; moves && r < VN_BPF_NREGS; r++)
				if (f->type[r] == T_PKT || f->type[r] == T_END)
					f->type[r] = T_UNK;
			if (moves)
				f->range = 0;
		}
		return;
	}
}

/*
 * pkt_proof() - what a conditional jump proves on its taken edge (@taken)
 * or its fall-through: the range it establishes, or 0
 */
static uint32_t pkt_proof(const struct vn_bpf_insn *x, const struct facts *f, int taken)
{
	unsigned int op = VN_BPF_OP(x->code);
	uint8_t a, b;

	if (VN_BPF_CLASS(x->code) != VN_BPF_JMP || !VN_BPF_SRCBIT(x->code))
		return 0;
	a = f->type[x->dst];
	b = f->type[x->src];
	if (a == T_PKT && b == T_END) {		/* data + o OP data_end */
		if ((!taken && (op == VN_BPF_JGT || op == VN_BPF_JGE)) ||
		    (taken && (op == VN_BPF_JLT || op == VN_BPF_JLE)))
			return f->off[x->dst];
	} else if (a == T_END && b == T_PKT) {	/* data_end OP data + o */
		if ((taken && (op == VN_BPF_JGT || op == VN_BPF_JGE)) ||
		    (!taken && (op == VN_BPF_JLT || op == VN_BPF_JLE)))
			return f->off[x->src];
	}
	return 0;
}

/*
 * facts_flow() - The facts before each instruction of the program
 *
 * Forward dataflow to a fixpoint over every function (the validator keeps
 * jumps inside their function): a local call also flows into its callee,
 * whose entry facts are the join of its call sites' r1-r5 and packet range
 * (a subprogram reads nothing else of its caller's registers); the call's
 * own fall-through forgets the packet (the callee may move it). Unreached
 * slots stay unreached. Gives up (NULL) past a bound on the passes.
 */
static struct facts *facts_flow(const struct vn_bpf_prog *p, const uint8_t *fl)
{
	size_t end = p->n, pc;
	struct facts *in;
	int changed = 1, pass;

	(void)fl;
	in = calloc(end + 1, sizeof(*in));
	if (!in)
		return NULL;
	in[0].reached = 1;
	in[0].type[1] = T_CTX;
	for (pass = 0; changed && pass < 64; pass++) {
		changed = 0;
		for (pc = 0; pc < end; pc++) {
			const struct vn_bpf_insn *x = &p->insns[pc];
			unsigned int cls = VN_BPF_CLASS(x->code), op = VN_BPF_OP(x->code);
			struct facts out;
			int64_t t = -1, next = (int64_t)pc + 1;

			if (!in[pc].reached)
				goto skip;
			out = in[pc];
			facts_step(p, x, &out);
			if (x->code == VN_BPF_LD_IMM64)
				next = (int64_t)pc + 2;
			if (cls == VN_BPF_JMP || cls == VN_BPF_JMP32) {
				if (op == VN_BPF_EXIT) {
					next = -1;
				} else if (op == VN_BPF_JA) {
					next = (int64_t)pc + 1 + (cls == VN_BPF_JMP32 ? x->imm : x->off);
				} else if (op == VN_BPF_CALL && !VN_BPF_SRCBIT(x->code) &&
					   x->src == VN_BPF_CALL_LOCAL) {
					/* the callee starts with the caller's r1-r5 and packet */
					struct facts ce = in[pc];

					ce.type[0] = T_UNK;
					for (int r = 6; r < VN_BPF_NREGS; r++)
						ce.type[r] = T_UNK;
					t = (int64_t)pc + 1 + x->imm;
					if (t >= 0 && t < (int64_t)end)
						changed |= facts_join(&in[t], &ce);
				} else if (op != VN_BPF_CALL) {
					struct facts tk = out;
					uint32_t r = pkt_proof(x, &in[pc], 1);

					if (r > tk.range)
						tk.range = r;
					t = (int64_t)pc + 1 + x->off;
					if (t >= 0 && t <= (int64_t)end)
						changed |= facts_join(&in[t], &tk);
					r = pkt_proof(x, &in[pc], 0);
					if (r > out.range)
						out.range = r;
				}
			}
			if (next >= 0 && next <= (int64_t)end)
				changed |= facts_join(&in[next], &out);
skip:
			if (x->code == VN_BPF_LD_IMM64)
				pc++;
		}
	}
	if (changed) {
		free(in);
		return NULL;
	}
	return in;
}

/* r1_track() - after insn @pc: which map handle, if any, r1 surely holds */
static void r1_track(struct jit *J, size_t pc)
{
	const struct vn_bpf_insn *in = &J->p->insns[pc];

	if (in->code == VN_BPF_LD_IMM64 && in->dst == 1) {
		uint64_t v = (uint64_t)(uint32_t)in[0].imm | ((uint64_t)(uint32_t)in[1].imm << 32);

		J->r1map = (v & ~(uint64_t)UINT32_MAX) == VN_BPF_MAP_HANDLE_TAG ?
			   (int64_t)(uint32_t)v : -1;
	} else if (!(ctx_transfer(in, 1u << 1) & (1u << 1))) {
		J->r1map = -1;			/* r1 written (calls included) */
	}
}

/* compile() - emit the whole program into J->buf and resolve every rel32 */
static int compile(struct jit *J)
{
	uint8_t *fl = calloc(J->p->n + 1, 1);
	size_t pc, i;

	if (!fl)
		return -ENOMEM;
	J->counted = mark_flow(J->p, fl);
	J->fmin = calloc(J->p->n + 1, sizeof(*J->fmin));
	if (!J->fmin) {
		free(fl);
		return -ENOMEM;
	}
	/* each function's lowest constant r10 store (emit_mem()'s unchecked ones) */
	for (pc = 0, i = 0; pc < J->p->n; pc++) {
		const struct vn_bpf_insn *x = &J->p->insns[pc];
		unsigned int c = VN_BPF_CLASS(x->code);

		if ((fl[pc] & F_FUNC) && pc)
			i++;
		if (x->code == VN_BPF_LD_IMM64) {
			pc++;
			continue;
		}
		if ((c == VN_BPF_ST || c == VN_BPF_STX) && x->dst == VN_BPF_REG_FP &&
		    x->off >= -VN_BPF_STACK_SIZE && x->off + (int)mem_bytes(x->code) <= 0 &&
		    x->off < J->fmin[i])
			J->fmin[i] = x->off;
	}
	if (J->p->ctx_fields)
		J->facts = facts_flow(J->p, fl);
	emit_prologue(J);
	for (pc = 0; pc < J->p->n && !J->overflow;) {
		size_t used;

		if ((fl[pc] & F_FUNC) && pc)
			J->func++;
		J->pc = pc;
		if (fl[pc] & F_LEADER)
			J->r1map = -1;		/* facts hold inside one block only */
		J->off[pc] = (uint32_t)J->len;
		/* budget: each block pays for all its instructions on entry */
		if (J->counted && (fl[pc] & F_LEADER))
			charge(J, block_len(J->p, fl, pc));
		used = emit_insn(J, pc);
		if (used == 2)
			J->off[pc + 1] = (uint32_t)J->len;
		r1_track(J, pc);
		pc += used;
	}
	free(fl);
	free(J->facts);
	J->facts = NULL;
	free(J->fmin);
	J->fmin = NULL;
	for (i = 0; i < J->nstubs; i++)
		emit_stub(J, &J->stubs[i]);
	emit_tail(J);
	if (J->overflow)
		return -E2BIG;
	for (i = 0; i < J->nfix; i++) {
		const struct fixup *f = &J->fix[i];
		uint32_t to = f->target >= 0 ? J->off[f->target] : J->label[-1 - f->target];

		patch4(J, f->pos, to - (f->pos + 4));
	}
	return 0;
}

/**
 * vn_bpf_jit_supported() - Can this host run JIT code?
 *
 * Return: 1 on x86-64 with BMI2 (shlx/shrx/sarx), else 0
 */
int vn_bpf_jit_supported(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return !!(b & (1u << 8));
}

/**
 * vn_bpf_jit_compile() - Translate a validated program to x86-64
 * @p:		program with final insns
 * @harden:	blind constants (untrusted program)
 *
 * Return: 0 with p->jit set, -EOPNOTSUPP on an unsupported host, -ENOMEM,
 * or -E2BIG when the code does not fit
 */
int vn_bpf_jit_compile(struct vn_bpf_prog *p, int harden)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct jit J = { .p = p, .harden = harden, .r1map = -1 };
	struct vn_bpf_jit *jit = NULL;
	size_t cap;
	int err;

	if (!vn_bpf_jit_supported())
		return -EOPNOTSUPP;
	/* the longest instruction (a checked atomic) plus its stub stay under 256 bytes */
	cap = (p->n * 256 + 1024 + page - 1) & ~(page - 1);
	J.off = calloc(p->n + 1, sizeof(*J.off));
	J.fix = calloc(p->n * 6 + 16, sizeof(*J.fix));
	J.stubs = calloc(p->n, sizeof(*J.stubs));
	jit = calloc(1, sizeof(*jit));
	err = -ENOMEM;
	if (!J.off || !J.fix || !J.stubs || !jit)
		goto out;
	if (harden && getrandom(&J.key, sizeof(J.key), 0) != sizeof(J.key))
		goto out;
	J.buf = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (J.buf == MAP_FAILED) {
		J.buf = NULL;
		goto out;
	}
	J.cap = cap;
	err = compile(&J);
	/* W^X: the mapping becomes executable only once it is no longer writable */
	if (!err && mprotect(J.buf, cap, PROT_READ | PROT_EXEC))
		err = -errno;
	if (err)
		goto out;
	jit->code = J.buf;
	jit->size = cap;
	/* subprograms fold their own constant stores into the mark at EXIT */
	jit->dirty_off = J.static_min;
	jit->counted = J.counted;
	jit->ctx_inline = J.ctx_inline;
	jit->spec_clamps = J.spec_clamps;
	jit->inline_lookups = J.inline_lookups;
	jit->pkt_proved = J.pkt_proved;
	jit->code_len = J.len;
	p->jit = jit;
	jit = NULL;
	J.buf = NULL;
out:
	if (J.buf)
		munmap(J.buf, cap);
	free(jit);
	free(J.off);
	free(J.fix);
	free(J.stubs);
	return err;
}

/**
 * vn_bpf_jit_run() - Run a program's native code
 * @p:		program with p->jit
 * @rc:		run context
 * @args:	initial r1..r<nargs>
 * @nargs:	number of @args
 * @err:	out: as for vn_bpf_run()
 *
 * Sets up what the interpreter sets up (stack region, zeroed stack, budget),
 * runs, and leaves the dirty mark low enough for every byte the code may have
 * written into the stack without telling (constant-offset r10 stores).
 *
 * Return: r0, 0 when *@err is set
 */
uint64_t vn_bpf_jit_run(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
			const uint64_t *args, unsigned int nargs, int *err)
{
	const uint32_t top = (uint32_t)sizeof(rc->stack);
	struct vn_bpf_region *sr = &rc->regions[VN_BPF_REGION_STACK];
	uint64_t a[5] = { 0 }, budget, r0;
	int64_t floor;
	unsigned int i;

	budget = rc->budget ? rc->budget : p->budget;
	/* loop-free code is not counted: a budget below its length is the interpreter's */
	if (!p->jit->counted && budget < p->n)
		return vn_bpf_interp_run(p, rc, args, nargs, err);
	/* inlined context loads need the context the program was compiled for */
	if (p->jit->ctx_inline &&
	    (!nargs || args[0] != VN_BPF_VA(VN_BPF_REGION_CTX, 0) ||
	     rc->ctx_fields < p->ctx_fields || rc->nfixed <= VN_BPF_REGION_CTX))
		return vn_bpf_interp_run(p, rc, args, nargs, err);
	for (i = 0; i < nargs && i < 5; i++)
		a[i] = args[i];
	/* as the interpreter: stack window, zeroed stack, no value slots */
	sr->lo = top - VN_BPF_STACK_SIZE;
	sr->len = VN_BPF_STACK_SIZE;
	if (rc->stack_dirty < top) {
		uint32_t d = rc->stack_dirty;

		/* the usual few words of keys and locals: no memset call */
		if (top - d <= 64 && !(d % 8)) {
			for (; d < top; d += 8)
				memset(rc->stack + d, 0, 8);
		} else {
			memset(rc->stack + d, 0, top - d);
		}
	}
	rc->stack_dirty = top;
	rc->nregions = rc->nfixed;
	rc->vnext = rc->nfixed;
	rc->abort_err = 0;
	vn_bpf_charge_start(rc, budget);
	rc->jit.depth = 0;
	r0 = ((jit_entry_fn)p->jit->code)(rc, a);
	/* as the interpreter: a spent budget counts as all of it run */
	rc->insns_run = rc->abort_err == -ETIME ? budget : budget + 1 - rc->left;
	/* rounded down to a word, so the next run zeroes whole words; a run
	 * that stopped inside a subprogram skipped its EXIT's fold */
	floor = ((int64_t)top + (rc->abort_err && p->max_depth > 1 ?
				 -(int64_t)(p->max_depth * VN_BPF_STACK_SIZE) :
				 p->jit->dirty_off)) & ~(int64_t)7;
	if (floor < 0)
		floor = 0;
	if ((uint32_t)floor < rc->stack_dirty)
		rc->stack_dirty = (uint32_t)floor;
	*err = rc->abort_err;
	return *err ? 0 : r0;
}

/**
 * vn_bpf_jit_info() - Describe a program's JIT code (tests)
 * @p:		program
 * @out:	out: the description
 *
 * Return: 0, or -ENOENT when the program runs in the interpreter
 */
int vn_bpf_jit_info(const struct vn_bpf_prog *p, struct vn_bpf_jit_info *out)
{
	if (!p->jit)
		return -ENOENT;
	out->code = p->jit->code;
	out->len = p->jit->code_len;
	out->ctx_inline = p->jit->ctx_inline;
	out->spec_clamps = p->jit->spec_clamps;
	out->inline_lookups = p->jit->inline_lookups;
	out->pkt_proved = p->jit->pkt_proved;
	return 0;
}

/**
 * vn_bpf_jit_free() - Unmap a program's native code
 * @p:		program
 */
void vn_bpf_jit_free(struct vn_bpf_prog *p)
{
	if (!p->jit)
		return;
	munmap(p->jit->code, p->jit->size);
	free(p->jit);
	p->jit = NULL;
}

#else /* !__x86_64__ */

int vn_bpf_jit_supported(void)
{
	return 0;
}

int vn_bpf_jit_compile(struct vn_bpf_prog *p, int harden)
{
	(void)p;
	(void)harden;
	return -EOPNOTSUPP;
}

uint64_t vn_bpf_jit_run(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
			const uint64_t *args, unsigned int nargs, int *err)
{
	return vn_bpf_interp_run(p, rc, args, nargs, err);
}

void vn_bpf_jit_free(struct vn_bpf_prog *p)
{
	(void)p;
}

int vn_bpf_jit_info(const struct vn_bpf_prog *p, struct vn_bpf_jit_info *out)
{
	(void)p;
	(void)out;
	return -ENOENT;
}

#endif /* __x86_64__ */

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
 * Memory (jit_x86_mem.c): every load, store and atomic goes through
 * vn_jit_emit_mem(). Stack
 * accesses at a constant r10 offset inside the current frame need no check
 * (r10 is read-only and the frame is always mapped); every other access is
 * the program-space translation of vm.h, inline: slot from the VA's high
 * half, its generation, bounds against the slot's [lo, lo + len), writable
 * for stores, host = base + offset. The slot and the offset are clamped
 * with cmov after their branches (Spectre v1: a mispredicted check reads
 * offset 0 of slot 0). A miss calls a C slow path (computed loads through
 * vn_bpf_translate_slow(), else -EFAULT).
 *
 * Inlined (vn_jit_facts_flow() in jit_x86_flow.c, a small verifier over
 * every function): 4-byte
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

#include "jit_x86_internal.h"

#if defined(__x86_64__)
#include <cpuid.h>

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
		vn_jit_emit_mem(J, in);
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
		vn_jit_emit_call(J, in, pc);
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

/* compile() - emit the whole program into J->buf and resolve every rel32 */
static int compile(struct jit *J)
{
	uint8_t *fl = calloc(J->p->n + 1, 1);
	size_t pc, i;

	if (!fl)
		return -ENOMEM;
	J->counted = vn_jit_mark_flow(J->p, fl);
	J->fmin = calloc(J->p->n + 1, sizeof(*J->fmin));
	if (!J->fmin) {
		free(fl);
		return -ENOMEM;
	}
	/* each function's lowest constant r10 store (vn_jit_emit_mem()'s unchecked ones) */
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
	if (vn_jit_lookups(J->p, fl, &J->lk)) {
		free(fl);
		free(J->fmin);
		J->fmin = NULL;
		return -ENOMEM;
	}
	/* the facts prove context, packet and value accesses: any to prove? */
	if (J->p->ctx_fields || J->lk.nsites)
		J->facts = vn_jit_facts_flow(J->p, fl, &J->lk);
	/* values only NULL-checked and touched through proofs: no VA minted */
	J->no_mint = !vn_jit_values_escape(J->p, &J->lk, J->facts);
	emit_prologue(J);
	for (pc = 0; pc < J->p->n && !J->overflow;) {
		size_t used;

		if ((fl[pc] & F_FUNC) && pc)
			J->func++;
		J->pc = pc;
		J->off[pc] = (uint32_t)J->len;
		/* budget: each block pays for all its instructions on entry */
		if (J->counted && (fl[pc] & F_LEADER))
			charge(J, vn_jit_block_len(J->p, fl, pc));
		used = emit_insn(J, pc);
		if (used == 2)
			J->off[pc + 1] = (uint32_t)J->len;
		pc += used;
	}
	free(fl);
	free(J->facts);
	J->facts = NULL;
	free(J->lk.at);
	J->lk.at = NULL;
	free(J->fmin);
	J->fmin = NULL;
	for (i = 0; i < J->nstubs; i++)
		vn_jit_emit_stub(J, &J->stubs[i]);
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
	struct jit J = { .p = p, .harden = harden };
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
	jit->info = (struct vn_bpf_jit_info){
		.code = J.buf, .len = J.len, .ctx_inline = J.ctx_inline,
		.spec_clamps = J.spec_clamps, .inline_lookups = J.inline_lookups,
		.pkt_proved = J.pkt_proved, .val_proved = J.val_proved, .unminted = J.unminted,
		.stk_proved = J.stk_proved, .glb_proved = J.glb_proved,
	};
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

/* Does @rc map every p->globals region exactly as the program was compiled for? */
static int globals_mapped(const struct vn_bpf_prog *p, const struct vn_bpf_run_ctx *rc)
{
	for (unsigned int g = 0; g < p->nglobals; g++) {
		const struct vn_bpf_global_desc *gd = &p->globals[g];
		const struct vn_bpf_region *r = &rc->regions[gd->slot];

		if (gd->slot >= rc->nfixed || r->base != (uintptr_t)gd->base || r->lo ||
		    r->len != gd->len || r->hi != gd->slot + 1 || r->writable != !!gd->writable)
			return 0;
	}
	return 1;
}

/**
 * vn_bpf_jit_usable() - Would vn_bpf_jit_run() run the code, not the interpreter?
 * @p:		program
 * @rc:		run context
 * @args:	initial r1..r<nargs>
 * @nargs:	number of @args
 *
 * The code needs what it was compiled for: a budget it can count (loop-free
 * code is not counted, so a budget below its length is the interpreter's),
 * the context table as r1 for inlined context loads, and global data mapped
 * at the host addresses it reaches them at. A caller whose context never
 * changes in those respects asks once and then calls vn_bpf_jit_enter().
 *
 * Return: 1 or 0
 */
int vn_bpf_jit_usable(const struct vn_bpf_prog *p, const struct vn_bpf_run_ctx *rc,
		      const uint64_t *args, unsigned int nargs)
{
	uint64_t budget = rc->budget ? rc->budget : p->budget;

	if (!p->jit)
		return 0;
	if (!p->jit->counted && budget < p->n)
		return 0;
	if (p->jit->info.ctx_inline &&
	    (!nargs || args[0] != VN_BPF_VA(VN_BPF_REGION_CTX, 0) ||
	     rc->ctx_fields < p->ctx_fields || rc->nfixed <= VN_BPF_REGION_CTX))
		return 0;
	if (p->jit->info.glb_proved && !globals_mapped(p, rc))
		return 0;
	return 1;
}

/**
 * vn_bpf_jit_run() - Run a program's native code
 * @p:		program with p->jit
 * @rc:		run context
 * @args:	initial r1..r<nargs>
 * @nargs:	number of @args
 * @err:	out: as for vn_bpf_run()
 *
 * The interpreter runs it when vn_bpf_jit_usable() says no; else
 * vn_bpf_jit_enter().
 *
 * Return: r0, 0 when *@err is set
 */
uint64_t vn_bpf_jit_run(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
			const uint64_t *args, unsigned int nargs, int *err)
{
	if (!vn_bpf_jit_usable(p, rc, args, nargs))
		return vn_bpf_interp_run(p, rc, args, nargs, err);
	return vn_bpf_jit_enter(p, rc, args, nargs, err);
}

/**
 * vn_bpf_jit_enter() - Run a program's native code in a context it is usable in
 * @p:		program, vn_bpf_jit_usable() true for @rc and @args
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
uint64_t vn_bpf_jit_enter(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
			  const uint64_t *args, unsigned int nargs, int *err)
{
	const uint32_t top = (uint32_t)sizeof(rc->stack);
	struct vn_bpf_region *sr = &rc->regions[VN_BPF_REGION_STACK];
	uint64_t a[5] = { 0 }, budget = rc->budget ? rc->budget : p->budget, r0;
	int64_t floor;
	unsigned int i;

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
	*out = p->jit->info;
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

int vn_bpf_jit_usable(const struct vn_bpf_prog *p, const struct vn_bpf_run_ctx *rc,
		      const uint64_t *args, unsigned int nargs)
{
	(void)p;
	(void)rc;
	(void)args;
	(void)nargs;
	return 0;
}

uint64_t vn_bpf_jit_enter(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
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

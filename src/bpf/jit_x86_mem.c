// SPDX-License-Identifier: MIT
/* jit_x86_mem.c - eBPF JIT: memory accesses through the program-space translation, and calls
 *
 * Every load, store and atomic goes through vn_jit_emit_mem() (see jit_x86.c's
 * header for the translation and its Spectre v1 clamp); a miss jumps to an
 * out-of-line stub that calls the C slow path. Helper calls shift r1-r5 one
 * SysV slot and clear them after; array map lookups with a constant map are
 * inlined.
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

/* ---- memory ----------------------------------------------------------- */

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
 * The facts say data + off + size <= data_end on every path here (or
 * data + V + off + size, V the register's unknown part), and the
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

/*
 * emit_val_proved() - An access through a NULL-checked inline lookup result
 *
 * The facts say the register holds the VA site s minted in its last run with
 * no call since (see jit_x86_flow.c): the translation would give
 * rc->jit.vhost[s] + off, and off + size <= value_size is checked here, once.
 * Stores need a writable map; atomics an aligned offset (the value's host
 * address is 8-aligned: arena, element and copy strides are). Returns 0 when
 * it cannot prove the access, which then takes the translation.
 */
static int emit_val_proved(struct jit *J, const struct vn_bpf_insn *in, const struct facts *f,
			   unsigned int breg)
{
	int64_t off = (int64_t)f->off[breg] + in->off;

	/* the predicate jit_x86_escape.c relies on too: one definition */
	if (!vn_jit_val_provable(J->p, &J->lk, in, f, breg))
		return 0;
	op_rm(J, 1, 0x8b, R11, RCTX, -1, RC_OFF(jit.vhost) + 8 * f->site[breg], 0);
	emit_access(J, in, R11, (int32_t)off);
	J->val_proved++;
	return 1;
}

/*
 * emit_glb_proved() - An access at a constant offset of a fixed global data region
 *
 * The facts say the register is p->globals[g]'s VA plus off on every path;
 * off + size <= len is checked here, once, and runs check that their context
 * maps the region as promised (vn_bpf_jit_run()). Stores need a writable
 * region, atomics an aligned host address. Returns 0 when it cannot prove
 * the access, which then takes the translation.
 */
static int emit_glb_proved(struct jit *J, const struct vn_bpf_insn *in, const struct facts *f,
			   unsigned int breg)
{
	const struct vn_bpf_global_desc *g = &J->p->globals[f->site[breg]];
	unsigned int cls = VN_BPF_CLASS(in->code), size = mem_bytes(in->code);
	int64_t off = (int64_t)f->off[breg] + in->off;

	if (off < 0 || off + size > g->len || (cls != VN_BPF_LDX && !g->writable) ||
	    (cls == VN_BPF_STX && VN_BPF_MODE(in->code) == VN_BPF_ATOMIC &&
	     ((uintptr_t)g->base + (uint64_t)off) % size))
		return 0;
	mov_imm(J, R11, (uint64_t)(uintptr_t)g->base);
	emit_access(J, in, R11, (int32_t)off);
	J->glb_proved++;
	return 1;
}

/**
 * vn_jit_emit_mem() - Every memory access of a program: translate, check, access
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
void vn_jit_emit_mem(struct jit *J, const struct vn_bpf_insn *in)
{
	unsigned int cls = VN_BPF_CLASS(in->code), size = mem_bytes(in->code);
	int write = cls != VN_BPF_LDX;
	int atomic = cls == VN_BPF_STX && VN_BPF_MODE(in->code) == VN_BPF_ATOMIC;
	unsigned int breg = write ? in->dst : in->src;
	const struct facts *f;
	struct stub *st;
	size_t skip1, skip2;
	int32_t fp_off = in->off;	/* the access's offset from r10, when known */

	f = J->facts && J->facts[J->pc].reached ? &J->facts[J->pc] : NULL;
	/* loads through a copy of r10 plus a constant are r10 loads (stores are
	 * not: the dirty mark counts constant r10 stores only) */
	if (breg != VN_BPF_REG_FP && !write && f && f->type[breg] == T_STK)
		fp_off = in->off - (int32_t)f->off[breg];
	else if (breg != VN_BPF_REG_FP)
		fp_off = 1;		/* not a stack offset */
	if (fp_off >= -VN_BPF_STACK_SIZE && fp_off + (int)size <= 0) {
		if (atomic && (fp_off & (int)(size - 1))) {
			jmp_to(J, LBL(L_FAULT));	/* misaligned: frames are 16-aligned */
			return;
		}
		if (write && J->func == 0 && in->off < J->static_min)
			J->static_min = in->off;
		if (breg != VN_BPF_REG_FP)
			J->stk_proved++;
		/* r11 = rc->stack + (uint32_t)r10 */
		mov_rr(J, 0, R11, RBP);
		rex(J, 1, R11, R11, RCTX, 0);		/* lea r11, [r12 + r11 + stack] */
		emit1(J, 0x8d);
		emit1(J, (uint8_t)(0x84 | ((R11 & 7) << 3)));
		emit1(J, (uint8_t)(((R11 & 7) << 3) | (RCTX & 7)));
		emit4(J, (uint32_t)RC_OFF(stack));
		emit_access(J, in, R11, fp_off);
		return;
	}
	if (!write && !J->arg_load && VN_BPF_MODE(in->code) == VN_BPF_MEM && size == 4 &&
	    f && f->type[breg] == T_CTX && in->off >= 0 && !(in->off % 4) &&
	    (unsigned int)in->off / 4 < J->p->ctx_fields) {
		/* r1's context table: dst = rc->ctx_vals[off / 4], no translation */
		op_rm(J, 1, 0x8b, regmap[in->dst], RCTX, -1,
		      RC_OFF(ctx_vals) + in->off * 2, 0);
		J->ctx_inline++;
		return;
	}
	if (f && !atomic && !J->arg_load &&
	    (f->type[breg] == T_PKT || f->type[breg] == T_PKTV) &&
	    (int64_t)f->off[breg] + in->off >= 0 &&
	    (int64_t)f->off[breg] + in->off + size <=
	    (f->type[breg] == T_PKT ? f->range : vn_jit_vr_get(f, f->sid[breg]))) {
		emit_pkt_proved(J, in, regmap[breg], write);
		return;
	}
	if (f && !J->arg_load && f->type[breg] == T_VAL && emit_val_proved(J, in, f, breg))
		return;
	if (f && !J->arg_load && f->type[breg] == T_GLB && emit_glb_proved(J, in, f, breg))
		return;
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

/* vn_jit_emit_stub() - one slow path: save r0-r5, call C, restore, resume */
void vn_jit_emit_stub(struct jit *J, const struct stub *st)
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
 * (blinding has nothing to blind). A numbered @site also keeps the value's
 * host address in rc->jit.vhost[@site] for the accesses the facts prove.
 */
static void emit_array_lookup(struct jit *J, const struct vn_bpf_array_desc *a, uint8_t site)
{
	const struct vn_bpf_insn key = {
		.code = VN_BPF_LDX | VN_BPF_MEM | VN_BPF_W, .dst = 0, .src = 2,
	};
	size_t slow, fast, charged, nul, end, j2;

	J->arg_load = 1;
	vn_jit_emit_mem(J, &key);				/* eax = key */
	J->arg_load = 0;
	mov_imm(J, R9, (uint64_t)(uintptr_t)a);
	/* charge: cost < left, and no clock check due (vn_bpf_charge_fast()) */
	op_rm(J, 1, 0x8b, R10, RCTX, -1, RC_OFF(left), 0);
	op_rm(J, 1, 0x3b, R10, R9, -1, DESC_OFF(cost), 0);
	slow = jcc32(J, CC_BE);
	op_rm(J, 1, 0x83, 7, RCTX, -1, RC_OFF(time_cap_ns), 0);	/* cmp qword, 0 */
	emit1(J, 0);
	fast = jcc32(J, CC_E);
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
	if (site != SITE_NONE)
		op_rm(J, 1, 0x89, RAX, RCTX, -1, RC_OFF(jit.vhost) + 8 * site, 0);
	if (J->no_mint && site != SITE_NONE) {
		/* no VA of this program's values is ever used (jit_x86_escape.c):
		 * a non-zero token that every translation refuses (slot byte 0) */
		mov_imm(J, RAX, VN_JIT_VAL_TOKEN);
		J->unminted++;
	} else {
		mov_rr(J, 1, RDI, RCTX);
		mov_rr(J, 1, RSI, RAX);
		op_rm(J, 0, 0x8b, RDX, R9, -1, DESC_OFF(value_size), 0);
		op_rm(J, 0, 0x8b, RCX, R9, -1, DESC_OFF(writable), 0);
		call_abs(J, (const void *)vn_bpf_run_ctx_map_value);
	}
	end = jmp32(J);
	bind32(J, nul);
	op_rr(J, 0, 0x31, RAX, RAX, 0);
	bind32(J, end);
	clobber_args(J);
	J->inline_lookups++;
}

/* vn_jit_emit_call() - helper, callx or BPF-to-BPF call */
void vn_jit_emit_call(struct jit *J, const struct vn_bpf_insn *in, size_t pc)
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

		if (J->lk.at[pc].arr >= 0) {
			emit_array_lookup(J, &p->arrays[J->lk.at[pc].arr], J->lk.at[pc].site);
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

#endif /* __x86_64__ */

// SPDX-License-Identifier: MIT
/* jit_x86_escape.c - eBPF JIT: may an inline lookup's value VA ever be seen?
 *
 * An inline array lookup (emit_array_lookup()) ends by minting the value's
 * program-space VA, vn_bpf_run_ctx_map_value(): a region slot, a fresh
 * generation, a dozen stores. xdp1 and xdp2, like most XDP counters, only
 * test the result against NULL and then touch the value at constant
 * offsets the facts prove (emit_val_proved(): through rc->jit.vhost[site],
 * never through the VA). For such a program the VA is never used, and the
 * mint is skipped: r0 gets a non-zero token instead.
 *
 * This file decides that, program-wide, with a may-analysis over r0-r9:
 * a register is *tainted* when on some path it may hold a site's result (or
 * that plus constants). The program may skip the mint only if no tainted
 * register ever reaches a place where its value matters:
 * - stored (STX src), or the src of an atomic;
 * - the base of an access the facts do not prove (vn_jit_val_provable());
 * - any ALU other than a 64-bit copy or a 64-bit add of a constant, on
 *   either side (a 32-bit copy, arithmetic, a comparison's value);
 * - a jump's operand, except JEQ/JNE against 0 of a register the facts
 *   know as "value or NULL" or "value plus off" (token and VA are both
 *   non-zero there, so the branch is the same);
 * - an argument of a call (r1-r5), r0 at EXIT, any legacy LD;
 * and only when every call in the program is a numbered inline site: no
 * other helper, callx or BPF-to-BPF call, so no other code mints VAs whose
 * numbering could differ from the interpreter's. Anything unsure (no facts,
 * a pc the facts did not reach, no fixpoint within the pass cap) answers
 * "escapes".
 *
 * Why a mistake here cannot breach the sandbox: the token is 1 << 48, a VA
 * whose slot byte is 0, which every translation refuses. The host address
 * goes only to rc->jit.vhost[site], as it does with the mint. A wrong
 * answer would make a program fault where the interpreter does not (the
 * JIT fuzzer's equality catches that), never reach memory.
 */
#include <stdlib.h>

#include "jit_x86_internal.h"

#if defined(__x86_64__)

#define ESC_PASSES_MAX	64	/* union of 10 bits per pc: converges long before */

/**
 * vn_jit_val_provable() - Does emit_val_proved() prove this access?
 * @p:		program
 * @lk:		its lookups
 * @in:		LDX, ST or STX
 * @f:		facts before @in
 * @breg:	the access's base register
 *
 * Return: 1 when the access is inside site s's value on every path here
 */
int vn_jit_val_provable(const struct vn_bpf_prog *p, const struct lookups *lk,
			const struct vn_bpf_insn *in, const struct facts *f, unsigned int breg)
{
	const struct vn_bpf_array_desc *a;
	unsigned int cls = VN_BPF_CLASS(in->code), size = mem_bytes(in->code);
	int64_t off;

	if (f->type[breg] != T_VAL || f->site[breg] >= VN_BPF_JIT_VSITES)
		return 0;
	a = &p->arrays[lk->arr[f->site[breg]]];
	off = (int64_t)f->off[breg] + in->off;
	return !(off < 0 || off + size > a->value_size ||
		 (cls != VN_BPF_LDX && !a->writable) ||
		 (uintptr_t)a->values % 8 || a->elem_stride % 8 || a->cpu_stride % 8 ||
		 (cls == VN_BPF_STX && VN_BPF_MODE(in->code) == VN_BPF_ATOMIC && off % size));
}

/* only_sites() - every call in @p is a numbered inline lookup site */
static int only_sites(const struct vn_bpf_prog *p, const struct lookups *lk)
{
	for (size_t pc = 0; pc < p->n; pc++) {
		const struct vn_bpf_insn *x = &p->insns[pc];

		if (x->code == VN_BPF_LD_IMM64) {
			pc++;
			continue;
		}
		if (VN_BPF_CLASS(x->code) == VN_BPF_JMP && VN_BPF_OP(x->code) == VN_BPF_CALL &&
		    (VN_BPF_SRCBIT(x->code) || x->src != VN_BPF_CALL_HELPER ||
		     lk->at[pc].arr < 0 || lk->at[pc].site == SITE_NONE))
			return 0;
	}
	return 1;
}

#define BIT(r)		(1u << (r))
#define ARGS		(BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5))

/*
 * esc_step() - Taint after @x (at @pc) given @t before it; -1 when a tainted
 * register reaches a sink
 */
static int esc_step(const struct vn_bpf_prog *p, const struct lookups *lk,
		    const struct facts *f, size_t pc, unsigned int t)
{
	const struct vn_bpf_insn *x = &p->insns[pc];
	unsigned int cls = VN_BPF_CLASS(x->code), op = VN_BPF_OP(x->code);
	unsigned int d = x->dst, s = x->src, reg = VN_BPF_SRCBIT(x->code);
	int td = !!(t & BIT(d)), ts = s < VN_BPF_NREGS && (t & BIT(s));

	switch (cls) {
	case VN_BPF_ALU:
	case VN_BPF_ALU64:
		if (op == VN_BPF_MOV && !reg)
			return (int)(t & ~BIT(d));
		if (op == VN_BPF_MOV && cls == VN_BPF_ALU64 && !x->off)
			return (int)((t & ~BIT(d)) | (ts ? BIT(d) : 0));
		if (op == VN_BPF_ADD && !reg && cls == VN_BPF_ALU64)
			return (int)t;			/* value plus a constant */
		if (td || (reg && ts))
			return -1;
		return (int)(t & ~BIT(d));
	case VN_BPF_LDX:
		if (ts && !vn_jit_val_provable(p, lk, x, f, s))
			return -1;
		return (int)(t & ~BIT(d));
	case VN_BPF_ST:
		if (td && !vn_jit_val_provable(p, lk, x, f, d))
			return -1;
		return (int)t;
	case VN_BPF_STX:
		if (ts || (td && !vn_jit_val_provable(p, lk, x, f, d)))
			return -1;
		/* an atomic's fetch writes loaded data: keeping the bits is safe */
		return (int)t;
	case VN_BPF_LD:
		if (x->code != VN_BPF_LD_IMM64)
			return t ? -1 : 0;
		return (int)(t & ~BIT(d));
	case VN_BPF_JMP:
	case VN_BPF_JMP32:
		if (op == VN_BPF_CALL) {
			if (t & ARGS)
				return -1;
			return (int)((t & ~(ARGS | BIT(0))) | BIT(0));	/* a site's result */
		}
		if (op == VN_BPF_EXIT)
			return t & BIT(0) ? -1 : (int)t;
		if (op == VN_BPF_JA)
			return (int)t;
		if (reg && ts)
			return -1;
		if (td && !(cls == VN_BPF_JMP && !reg && x->imm == 0 &&
			    (op == VN_BPF_JEQ || op == VN_BPF_JNE) &&
			    (f->type[d] == T_VALN || f->type[d] == T_VAL)))
			return -1;
		return (int)t;
	default:
		return -1;
	}
}

/*
 * null_edge() - @t on the edge where a JEQ/JNE of @x->dst against 0 found it
 * NULL: that register and every copy the facts know of (the same site's
 * "value or NULL") hold 0 there, in every engine
 */
static unsigned int null_edge(const struct vn_bpf_insn *x, const struct facts *f, unsigned int t)
{
	unsigned int d = x->dst, r;

	t &= ~BIT(d);
	if (f->type[d] == T_VALN)
		for (r = 0; r < VN_BPF_REG_FP; r++)
			if (f->type[r] == T_VALN && f->site[r] == f->site[d])
				t &= ~BIT(r);
	return t;
}

/* esc_join() - taint @t flows into @to; returns 1 when it added something */
static int esc_join(uint16_t *in, uint8_t *seen, int64_t to, size_t n, unsigned int t)
{
	if (to < 0 || (size_t)to >= n)
		return 0;
	if (seen[to] && (in[to] | t) == in[to])
		return 0;
	seen[to] = 1;
	in[to] = (uint16_t)(in[to] | t);
	return 1;
}

/**
 * vn_jit_values_escape() - May any inline lookup site's value VA be observed?
 * @p:		program
 * @lk:		its lookups (vn_jit_lookups())
 * @facts:	vn_jit_facts_flow()'s result, or NULL
 *
 * Return: 0 when no site's VA is ever used (the JIT may skip the mints),
 * 1 when one may be, or when the analysis cannot tell
 */
int vn_jit_values_escape(const struct vn_bpf_prog *p, const struct lookups *lk,
			 const struct facts *facts)
{
	uint16_t *in;
	uint8_t *seen;
	int changed = 1, esc = 0;

	if (!facts || !lk->nsites || !only_sites(p, lk))
		return 1;
	in = calloc(p->n, sizeof(*in));
	seen = calloc(p->n, 1);
	if (!in || !seen) {
		free(in);
		free(seen);
		return 1;
	}
	seen[0] = 1;
	for (int pass = 0; changed && !esc; pass++) {
		if (pass == ESC_PASSES_MAX) {
			esc = 1;
			break;
		}
		changed = 0;
		for (size_t pc = 0; pc < p->n && !esc; pc++) {
			const struct vn_bpf_insn *x = &p->insns[pc];
			unsigned int cls = VN_BPF_CLASS(x->code), op = VN_BPF_OP(x->code);
			int t;

			if (!seen[pc]) {
				if (x->code == VN_BPF_LD_IMM64)
					pc++;
				continue;
			}
			if (!facts[pc].reached) {
				esc = 1;	/* the facts and this analysis disagree */
				break;
			}
			t = esc_step(p, lk, &facts[pc], pc, in[pc]);
			if (t < 0) {
				esc = 1;
				break;
			}
			if (x->code == VN_BPF_LD_IMM64) {
				changed |= esc_join(in, seen, (int64_t)pc + 2, p->n, (unsigned int)t);
				pc++;
				continue;
			}
			if ((cls == VN_BPF_JMP || cls == VN_BPF_JMP32) && op == VN_BPF_EXIT)
				continue;
			if ((cls == VN_BPF_JMP || cls == VN_BPF_JMP32) && op != VN_BPF_CALL) {
				int64_t off = cls == VN_BPF_JMP32 && op == VN_BPF_JA ? x->imm : x->off;
				unsigned int tk = (unsigned int)t, ft = (unsigned int)t;

				/* a NULL test esc_step() let through: one edge has NULL */
				if ((in[pc] & BIT(x->dst)) && (op == VN_BPF_JEQ || op == VN_BPF_JNE)) {
					if (op == VN_BPF_JEQ)
						tk = null_edge(x, &facts[pc], tk);
					else
						ft = null_edge(x, &facts[pc], ft);
				}
				changed |= esc_join(in, seen, (int64_t)pc + 1 + off, p->n, tk);
				if (op == VN_BPF_JA)
					continue;
				changed |= esc_join(in, seen, (int64_t)pc + 1, p->n, ft);
				continue;
			}
			changed |= esc_join(in, seen, (int64_t)pc + 1, p->n, (unsigned int)t);
		}
	}
	free(in);
	free(seen);
	return esc;
}

#endif /* __x86_64__ */

// SPDX-License-Identifier: MIT
/* jit_x86_flow.c - eBPF JIT: basic blocks and the facts that let accesses be inlined
 *
 * vn_jit_mark_flow() finds function entries and block leaders; vn_jit_block_len() sizes
 * the budget charge at each block head; vn_jit_lookups() picks the helper
 * calls that become inline array lookups; vn_jit_facts_flow() is a small
 * verifier over every function that tracks which registers hold the
 * context, a packet pointer with a proved range or a NULL-checked value of
 * an inline lookup, so jit_x86_mem.c may inline a context load, a packet
 * access the program bounds-checked itself, or a value access inside the
 * value.
 *
 * Why a value access may skip the translation: the register holds the VA
 * that site s minted in its last run, and no call ran since (facts say so on
 * every path), so that VA's slot still holds that value, its generation is
 * current, and the interpreter's translation of it would succeed with the
 * host address the site saved in rc->jit.vhost[s]; off + size <= value_size
 * is the bounds check, done at compile time. Array values never move or
 * go away while the program lives.
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
 * vn_jit_mark_flow() - Subprogram starts and block leaders; does the program loop?
 * @p:		program
 * @fl:		out: F_* per slot (n + 1 entries, zeroed)
 *
 * Return: 1 when some run may execute more instructions than the program
 * has (a backward jump or a BPF-to-BPF call), else 0
 */
int vn_jit_mark_flow(const struct vn_bpf_prog *p, uint8_t *fl)
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

/* vn_jit_block_len() - instructions (LD_IMM64 counts once) from leader @pc to its block's end */
uint32_t vn_jit_block_len(const struct vn_bpf_prog *p, const uint8_t *fl, size_t pc)
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

/**
 * vn_jit_lookups() - Which helper calls become inline array lookups, with which site
 * @p:		program
 * @fl:		vn_jit_mark_flow()'s flags
 *
 * @out:	out: the verdicts
 *
 * Return: 0, or -ENOMEM
 */
int vn_jit_lookups(const struct vn_bpf_prog *p, const uint8_t *fl, struct lookups *out)
{
	struct lookup *lk = calloc(p->n + 1, sizeof(*lk));
	int64_t r1map = -1;	/* the array handle r1 surely holds in this block */
	unsigned int sites = 0;

	out->at = lk;
	if (!lk)
		return -ENOMEM;
	for (size_t pc = 0; pc < p->n; pc++) {
		const struct vn_bpf_insn *in = &p->insns[pc];

		lk[pc].arr = -1;
		lk[pc].site = SITE_NONE;
		if (fl[pc] & F_LEADER)
			r1map = -1;
		if (in->code == VN_BPF_LD_IMM64) {
			uint64_t v = (uint64_t)(uint32_t)in[0].imm |
				     ((uint64_t)(uint32_t)in[1].imm << 32);

			if (in->dst == 1)
				r1map = (v & ~(uint64_t)UINT32_MAX) == VN_BPF_MAP_HANDLE_TAG ?
					(int64_t)(uint32_t)v : -1;
			if (pc + 1 < p->n) {
				lk[pc + 1].arr = -1;
				lk[pc + 1].site = SITE_NONE;
			}
			pc++;
			continue;
		}
		if (in->code == (VN_BPF_JMP | VN_BPF_CALL) && in->src == VN_BPF_CALL_HELPER &&
		    p->lookup_id && (unsigned int)in->imm == p->lookup_id && r1map >= 0 &&
		    (uint64_t)r1map < p->narrays && p->arrays[r1map].values &&
		    (unsigned int)in->imm < p->nhelpers && p->helpers[in->imm]) {
			lk[pc].arr = (int32_t)r1map;
			if (sites < VN_BPF_JIT_VSITES) {
				out->arr[sites] = (int32_t)r1map;
				lk[pc].site = (uint8_t)sites++;
				out->nsites = sites;
			}
		}
		if (!(vn_jit_ctx_transfer(in, 1u << 1) & (1u << 1)))
			r1map = -1;			/* r1 written (calls included) */
	}
	return 0;
}

/*
 * vn_jit_ctx_transfer() - the registers holding r1's entry value after @in, given
 * @m before it (a must-analysis: only plain 64-bit register moves carry it)
 */
uint16_t vn_jit_ctx_transfer(const struct vn_bpf_insn *in, uint16_t m)
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

/*
 * facts_join() - @in &= @out at instruction @pc; returns 1 when @in changed.
 * Scalars and packet pointers that differ may merge (vn_jit_scal_join()):
 * the merged value of register r at pc is named by sid @jbase + pc * NREGS + r.
 */
static int facts_join(struct facts *in, const struct facts *out, size_t pc, uint32_t jbase)
{
	int changed = 0;

	if (!in->reached) {
		*in = *out;
		return 1;
	}
	for (int r = 0; r < VN_BPF_NREGS; r++) {
		uint8_t t = in->type[r];

		if (t == T_UNK)
			continue;
		if (t == T_SCAL || t == T_PKTV ||
		    (t == T_PKT && (out->type[r] == T_PKT || out->type[r] == T_PKTV))) {
			changed |= vn_jit_scal_join(in, out, (unsigned int)r,
						    jbase + (uint32_t)pc * VN_BPF_NREGS +
						    (uint32_t)r);
			continue;
		}
		if (t != out->type[r] ||
		    ((t == T_VAL || t == T_STK || t == T_GLB) && in->off[r] != out->off[r]) ||
		    in->site[r] != out->site[r]) {
			fact_set(in, (unsigned int)r, T_UNK);
			changed = 1;
		}
	}
	if (out->range < in->range) {
		in->range = out->range;
		changed = 1;
	}
	changed |= vn_jit_vr_join(in, out);
	return changed;
}

/* value_size() - bytes of the value inline lookup site @s maps */
static uint32_t value_size(const struct vn_bpf_prog *p, const struct lookups *lk, uint8_t s)
{
	return s < VN_BPF_JIT_VSITES ? p->arrays[lk->arr[s]].value_size : 0;
}

/* facts_step() - the facts after @x (for its fall-through edge) */
static void facts_step(const struct vn_bpf_prog *p, const struct lookups *lk,
		       const struct vn_bpf_insn *x, struct facts *f)
{
	size_t pc = (size_t)(x - p->insns);
	unsigned int cls = VN_BPF_CLASS(x->code), op = VN_BPF_OP(x->code);
	uint8_t d = x->dst;

	switch (cls) {
	case VN_BPF_ALU64:
		if (op == VN_BPF_MOV && VN_BPF_SRCBIT(x->code) && x->off == 0) {
			f->type[d] = f->type[x->src];
			f->site[d] = f->site[x->src];
			f->off[d] = f->off[x->src];
			f->sid[d] = f->sid[x->src];
			f->umax[d] = f->umax[x->src];
			f->wid[d] = f->wid[x->src];
			return;
		}
		if (op == VN_BPF_ADD && !VN_BPF_SRCBIT(x->code) &&
		    (f->type[d] == T_PKT || f->type[d] == T_PKTV) &&
		    (int64_t)f->off[d] + x->imm >= 0 && (int64_t)f->off[d] + x->imm <= PKT_OFF_MAX) {
			f->off[d] = (uint16_t)(f->off[d] + x->imm);
			return;
		}
		if (op == VN_BPF_ADD && !VN_BPF_SRCBIT(x->code) && f->type[d] == T_STK &&
		    (int64_t)f->off[d] - x->imm >= 0 &&
		    (int64_t)f->off[d] - x->imm <= VN_BPF_STACK_SIZE) {
			f->off[d] = (uint16_t)(f->off[d] - x->imm);
			return;
		}
		if (op == VN_BPF_ADD && !VN_BPF_SRCBIT(x->code) && f->type[d] == T_GLB &&
		    (int64_t)f->off[d] + x->imm >= 0 &&
		    (int64_t)f->off[d] + x->imm <= (int64_t)p->globals[f->site[d]].len) {
			f->off[d] = (uint16_t)(f->off[d] + x->imm);
			return;
		}
		if (op == VN_BPF_ADD && !VN_BPF_SRCBIT(x->code) && f->type[d] == T_VAL &&
		    (int64_t)f->off[d] + x->imm >= 0 &&
		    (int64_t)f->off[d] + x->imm <= (int64_t)value_size(p, lk, f->site[d])) {
			f->off[d] = (uint16_t)(f->off[d] + x->imm);
			return;
		}
		if (!vn_jit_scal_step(x, pc, f))
			fact_set(f, d, T_UNK);
		return;
	case VN_BPF_LDX:
		if (f->type[x->src] == T_CTX && VN_BPF_MODE(x->code) == VN_BPF_MEM &&
		    VN_BPF_SIZE(x->code) == VN_BPF_W && p->ctx_pkt_data) {
			if (x->off == (int)(4 * (p->ctx_pkt_data - 1))) {
				fact_set(f, d, T_PKT);
				f->off[d] = 0;
				return;
			}
			if (x->off == (int)(4 * (p->ctx_pkt_end - 1))) {
				fact_set(f, d, T_END);
				return;
			}
		}
		if (!vn_jit_scal_step(x, pc, f))
			fact_set(f, d, T_UNK);
		return;
	case VN_BPF_LD:
		fact_set(f, d, T_UNK);
		if (x->code == VN_BPF_LD_IMM64 && x->src == 0) {
			uint64_t v = (uint64_t)(uint32_t)x[0].imm |
				     ((uint64_t)(uint32_t)x[1].imm << 32);

			for (unsigned int g = 0; g < p->nglobals; g++)
				if (v >> 32 == (uint64_t)p->globals[g].slot + 1 &&
				    (uint32_t)v <= p->globals[g].len) {
					f->type[d] = T_GLB;
					f->site[d] = (uint8_t)g;
					f->off[d] = (uint16_t)v;
				}
		}
		return;
	case VN_BPF_ALU:
		if (!vn_jit_scal_step(x, pc, f))
			fact_set(f, d, T_UNK);
		return;
	case VN_BPF_STX:
		if (VN_BPF_MODE(x->code) == VN_BPF_ATOMIC) {
			fact_set(f, x->src, T_UNK);
			fact_set(f, 0, T_UNK);
		}
		return;
	case VN_BPF_ST:
		return;
	default:
		if (op == VN_BPF_CALL) {
			int moves = VN_BPF_SRCBIT(x->code) || x->src != VN_BPF_CALL_HELPER;

			for (int i = 0; !moves && i < VN_BPF_PKT_MOVING && p->pkt_moving[i]; i++)
				moves = (uint32_t)x->imm == p->pkt_moving[i];
			for (int r = 0; r <= 5; r++)
				fact_set(f, r, T_UNK);
			for (int r = 0; r < VN_BPF_NREGS; r++)
				if ((moves && (f->type[r] == T_PKT || f->type[r] == T_END ||
					       f->type[r] == T_PKTV)) ||
				    f->type[r] == T_VAL || f->type[r] == T_VALN)
					fact_set(f, r, T_UNK);	/* every value too */
			if (moves) {
				f->range = 0;
				memset(f->vr, 0, sizeof(f->vr));
			}
			if (!VN_BPF_SRCBIT(x->code) && x->src == VN_BPF_CALL_HELPER &&
			    lk->at[x - p->insns].site != SITE_NONE) {
				f->type[0] = T_VALN;
				f->site[0] = lk->at[x - p->insns].site;
				f->off[0] = 0;
			}
		}
		return;
	}
}

/*
 * pkt_proof() - what a conditional jump proves on its taken edge (@taken)
 * or its fall-through, applied to @edge: data + o <= data_end raises the
 * range, data + V + o <= data_end the range of V
 */
static void pkt_proof(const struct vn_bpf_insn *x, const struct facts *f, struct facts *edge,
		      int taken)
{
	unsigned int op = VN_BPF_OP(x->code), r;
	uint8_t a, b;

	if (VN_BPF_CLASS(x->code) != VN_BPF_JMP || !VN_BPF_SRCBIT(x->code))
		return;
	a = f->type[x->dst];
	b = f->type[x->src];
	if ((a == T_PKT || a == T_PKTV) && b == T_END &&	/* data + o OP data_end */
	    ((!taken && (op == VN_BPF_JGT || op == VN_BPF_JGE)) ||
	     (taken && (op == VN_BPF_JLT || op == VN_BPF_JLE))))
		r = x->dst;
	else if (a == T_END && (b == T_PKT || b == T_PKTV) &&	/* data_end OP data + o */
		 ((taken && (op == VN_BPF_JGT || op == VN_BPF_JGE)) ||
		  (!taken && (op == VN_BPF_JLT || op == VN_BPF_JLE))))
		r = x->src;
	else
		return;
	if (f->type[r] == T_PKT) {
		if (f->off[r] > edge->range)
			edge->range = f->off[r];
		return;
	}
	/* the edge's facts are those before the jump: the register is unchanged */
	vn_jit_vr_proof(edge, r);
}

/*
 * val_proof() - what a NULL check of an inline lookup's result proves on
 * @edge (@taken or the fall-through of @x, facts @f before it): on the
 * non-NULL edge every register holding that site's result is its value;
 * on the NULL edge none is a pointer
 */
static void val_proof(const struct vn_bpf_insn *x, const struct facts *f, struct facts *edge,
		      int taken)
{
	unsigned int op = VN_BPF_OP(x->code);
	uint8_t s = f->site[x->dst];

	if (VN_BPF_CLASS(x->code) != VN_BPF_JMP || VN_BPF_SRCBIT(x->code) || x->imm != 0 ||
	    (op != VN_BPF_JEQ && op != VN_BPF_JNE) || f->type[x->dst] != T_VALN)
		return;
	for (int r = 0; r < VN_BPF_NREGS; r++) {
		if (edge->type[r] != T_VALN || edge->site[r] != s)
			continue;
		if ((op == VN_BPF_JNE) == !!taken) {
			edge->type[r] = T_VAL;
			edge->off[r] = 0;
		} else {
			fact_set(edge, r, T_UNK);
		}
	}
}

/*
 * vn_jit_facts_flow() - The facts before each instruction of the program
 *
 * Forward dataflow to a fixpoint over every function (the validator keeps
 * jumps inside their function): a local call also flows into its callee,
 * whose entry facts are the join of its call sites' r1-r5 and packet range
 * (a subprogram reads nothing else of its caller's registers); the call's
 * own fall-through forgets the packet (the callee may move it). Unreached
 * slots stay unreached. Gives up (NULL) past a bound on the passes.
 */
struct facts *vn_jit_facts_flow(const struct vn_bpf_prog *p, const uint8_t *fl,
				const struct lookups *lk)
{
	size_t end = p->n, pc;
	uint32_t jbase = (uint32_t)p->n + 1;	/* sids past every pc + 1: joins' */
	struct facts *in;
	int changed = 1, pass;

	(void)fl;
	in = calloc(end + 1, sizeof(*in));
	if (!in)
		return NULL;
	in[0].reached = 1;
	memset(in[0].site, SITE_NONE, sizeof(in[0].site));
	in[0].type[1] = T_CTX;
	in[0].type[VN_BPF_REG_FP] = T_STK;
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
			facts_step(p, lk, x, &out);
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

					/* the caller's frame is not the callee's r10 */
					for (int r = 0; r < VN_BPF_NREGS; r++)
						if (r == 0 || r >= 6 || ce.type[r] == T_VAL ||
						    ce.type[r] == T_VALN || ce.type[r] == T_STK ||
						    ce.type[r] == T_SCAL || ce.type[r] == T_PKTV)
							fact_set(&ce, r, T_UNK);
					memset(ce.vr, 0, sizeof(ce.vr));
					ce.type[VN_BPF_REG_FP] = T_STK;
					ce.off[VN_BPF_REG_FP] = 0;
					t = (int64_t)pc + 1 + x->imm;
					if (t >= 0 && t < (int64_t)end)
						changed |= facts_join(&in[t], &ce, (size_t)t, jbase);
				} else if (op != VN_BPF_CALL) {
					struct facts tk = out;

					pkt_proof(x, &in[pc], &tk, 1);
					val_proof(x, &in[pc], &tk, 1);
					val_proof(x, &in[pc], &out, 0);
					t = (int64_t)pc + 1 + x->off;
					if (t >= 0 && t <= (int64_t)end)
						changed |= facts_join(&in[t], &tk, (size_t)t, jbase);
					pkt_proof(x, &in[pc], &out, 0);
				}
			}
			if (next >= 0 && next <= (int64_t)end)
				changed |= facts_join(&in[next], &out, (size_t)next, jbase);
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

#endif /* __x86_64__ */

// SPDX-License-Identifier: MIT
/* jit_x86_flow.c - eBPF JIT: basic blocks and the facts that let accesses be inlined
 *
 * vn_jit_mark_flow() finds function entries and block leaders; vn_jit_block_len() sizes
 * the budget charge at each block head; vn_jit_facts_flow() is a small verifier
 * over every function that tracks which registers hold the context or a
 * packet pointer with a proved range, so jit_x86_mem.c may inline a
 * context load or a packet access the program bounds-checked itself.
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
 * vn_jit_facts_flow() - The facts before each instruction of the program
 *
 * Forward dataflow to a fixpoint over every function (the validator keeps
 * jumps inside their function): a local call also flows into its callee,
 * whose entry facts are the join of its call sites' r1-r5 and packet range
 * (a subprogram reads nothing else of its caller's registers); the call's
 * own fall-through forgets the packet (the callee may move it). Unreached
 * slots stay unreached. Gives up (NULL) past a bound on the passes.
 */
struct facts *vn_jit_facts_flow(const struct vn_bpf_prog *p, const uint8_t *fl)
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

#endif /* __x86_64__ */

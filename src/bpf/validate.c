// SPDX-License-Identifier: MIT
/* validate.c - eBPF validator: prove the static rules before a program runs
 *
 * Four passes over untrusted instructions, each rejecting with "insn N:
 * reason" in the caller's log:
 *  1. decode: every slot is a known RFC 9669 opcode with its unused fields
 *     zero, registers in range, r10 never written, LD_IMM64 complete;
 *  2. control flow: functions are insn 0 plus every local-call target; each
 *     jump lands inside its own function and never on the second slot of a
 *     LD_IMM64, and no instruction falls through past its function's end;
 *  3. call graph: no recursion, at most VN_BPF_MAX_FRAMES frames deep;
 *  4. dataflow: a forward must-be-written analysis of r0-r10 over the CFG
 *     rejects any read of a register not written on every path.
 * Memory bounds, loop termination and the stack's contents are left to run
 * time (region checks, the budget, frames zeroed on entry): see vm.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/vm.h"
#include "bpf/vm_internal.h"
#include "core/compiler.h"
#include "core/log.h"

#define SLOT_HI		0x01	/* second slot of a LD_IMM64 */
#define SLOT_FUNC	0x02	/* first instruction of a function */
#define SLOT_SEEN	0x04	/* reached by the dataflow pass */

#define REG(r)		((uint16_t)(1u << (r)))
#define ARG_REGS	(REG(1) | REG(2) | REG(3) | REG(4) | REG(5))

/**
 * struct vctx - validator state for one program
 * @in:		instructions (the private copy)
 * @n:		slots
 * @env:	what the program may use
 * @flags:	SLOT_* per slot
 * @func:	function index of each slot
 * @nfunc:	number of functions
 * @fstart:	first slot of each function (sorted)
 * @init:	must-be-written register set on entry to each slot
 * @log:	caller's log buffer
 * @log_sz:	its size
 */
struct vctx {
	struct vn_bpf_insn *in;
	size_t n;
	const struct vn_bpf_env *env;
	uint8_t *flags;
	uint32_t *func;
	uint32_t nfunc;
	uint32_t *fstart;
	uint16_t *init;
	char *log;
	size_t log_sz;
};

__attribute__((format(printf, 3, 4)))
static int reject(struct vctx *v, size_t i, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (v->log && v->log_sz) {
		k = snprintf(v->log, v->log_sz, "insn %zu: ", i);
		if (k >= 0 && (size_t)k < v->log_sz) {
			va_start(ap, fmt);
			vsnprintf(v->log + k, v->log_sz - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

/* reg_read_ok() / reg_write_ok(): register numbers a slot may name */
static int reg_read_ok(unsigned int r)
{
	return r <= VN_BPF_REG_FP;
}

static int reg_write_ok(unsigned int r)
{
	return r < VN_BPF_REG_FP;
}

static int check_dst_write(struct vctx *v, size_t i, unsigned int r)
{
	if (r == VN_BPF_REG_FP)
		return reject(v, i, "write to the read-only frame pointer r10");
	if (!reg_write_ok(r))
		return reject(v, i, "invalid register r%u", r);
	return 0;
}

/* decode_alu() - ALU and ALU64 class: operation, source, modifiers */
static int decode_alu(struct vctx *v, size_t i)
{
	const struct vn_bpf_insn *in = &v->in[i];
	unsigned int op = VN_BPF_OP(in->code);
	int is64 = VN_BPF_CLASS(in->code) == VN_BPF_ALU64;
	int x = VN_BPF_SRCBIT(in->code) == VN_BPF_X;
	int err;

	if (op > VN_BPF_END)
		return reject(v, i, "unknown ALU operation 0x%02x", in->code);
	err = check_dst_write(v, i, in->dst);
	if (err)
		return err;
	if (op == VN_BPF_END) {
		/* ALU64 END is the unconditional BSWAP: no direction bit */
		if ((is64 && x) || in->src || in->off)
			return reject(v, i, "reserved fields set in byte swap");
		if (in->imm != 16 && in->imm != 32 && in->imm != 64)
			return reject(v, i, "byte swap width %d not 16/32/64", in->imm);
		return 0;
	}
	if (op == VN_BPF_NEG) {
		if (x || in->src || in->off || in->imm)
			return reject(v, i, "reserved fields set in NEG");
		return 0;
	}
	if (x && (!reg_read_ok(in->src) || in->imm))
		return reject(v, i, "invalid source register or non-zero imm");
	if (!x && in->src)
		return reject(v, i, "source register set in an immediate operation");
	switch (op) {
	case VN_BPF_DIV:
	case VN_BPF_MOD:
		/* off 1 selects the signed variant */
		if (in->off != 0 && in->off != 1)
			return reject(v, i, "division offset %d not 0 or 1", in->off);
		return 0;
	case VN_BPF_MOV:
		if (in->off == 0)
			return 0;
		/* MOVSX: register source only; 32-bit class knows 8 and 16 */
		if (x && (in->off == 8 || in->off == 16 || (is64 && in->off == 32)))
			return 0;
		return reject(v, i, "invalid sign-extending move width %d", in->off);
	default:
		if (in->off)
			return reject(v, i, "non-zero offset in ALU operation");
		return 0;
	}
}

/* decode_jmp() - JMP and JMP32 class: jumps, calls, exit (targets later) */
static int decode_jmp(struct vctx *v, size_t i)
{
	const struct vn_bpf_insn *in = &v->in[i];
	unsigned int op = VN_BPF_OP(in->code);
	int is32 = VN_BPF_CLASS(in->code) == VN_BPF_JMP32;
	int x = VN_BPF_SRCBIT(in->code) == VN_BPF_X;

	switch (op) {
	case VN_BPF_JA:
		if (x || in->dst || in->src || (is32 ? in->off : in->imm))
			return reject(v, i, "reserved fields set in JA");
		return 0;
	case VN_BPF_CALL:
		if (!is32 && x) {
			/* callx: dst holds a helper id, checked against the table at run time */
			if (in->src || in->off || in->imm || !reg_read_ok(in->dst))
				return reject(v, i, "malformed CALLX");
			return 0;
		}
		if (is32 || x || in->dst || in->off)
			return reject(v, i, "malformed CALL");
		if (in->src == VN_BPF_CALL_HELPER) {
			/* the allow-list: only helpers the env names */
			if (in->imm < 0 || (unsigned int)in->imm >= v->env->nhelpers ||
			    !v->env->helpers || !v->env->helpers[in->imm])
				return reject(v, i, "call to helper %d not allowed", in->imm);
			return 0;
		}
		if (in->src == VN_BPF_CALL_LOCAL)
			return 0;
		return reject(v, i, "unsupported call kind (src %u)", in->src);
	case VN_BPF_EXIT:
		if (is32 || x || in->dst || in->src || in->off || in->imm)
			return reject(v, i, "malformed EXIT");
		return 0;
	case 0xe0:
	case 0xf0:
		return reject(v, i, "unknown jump operation 0x%02x", in->code);
	default:
		if (!reg_read_ok(in->dst))
			return reject(v, i, "invalid register r%u", in->dst);
		if (x && (!reg_read_ok(in->src) || in->imm))
			return reject(v, i, "invalid source register or non-zero imm");
		if (!x && in->src)
			return reject(v, i, "source register set in an immediate jump");
		return 0;
	}
}

/* decode_mem() - LDX, ST, STX (incl. atomics) */
static int decode_mem(struct vctx *v, size_t i)
{
	const struct vn_bpf_insn *in = &v->in[i];
	unsigned int cls = VN_BPF_CLASS(in->code);
	unsigned int mode = VN_BPF_MODE(in->code);
	unsigned int size = VN_BPF_SIZE(in->code);
	int32_t aop;

	if (cls == VN_BPF_LDX) {
		if (mode != VN_BPF_MEM && !(mode == VN_BPF_MEMSX && size != VN_BPF_DW))
			return reject(v, i, "unknown load mode 0x%02x", in->code);
		if (!reg_read_ok(in->src) || in->imm)
			return reject(v, i, "invalid source register or non-zero imm");
		return check_dst_write(v, i, in->dst);
	}
	if (!reg_read_ok(in->dst))
		return reject(v, i, "invalid register r%u", in->dst);
	if (cls == VN_BPF_ST) {
		if (mode != VN_BPF_MEM || in->src)
			return reject(v, i, "unknown store 0x%02x", in->code);
		return 0;
	}
	if (!reg_read_ok(in->src))
		return reject(v, i, "invalid register r%u", in->src);
	if (mode == VN_BPF_MEM) {
		if (in->imm)
			return reject(v, i, "non-zero imm in register store");
		return 0;
	}
	if (mode != VN_BPF_ATOMIC || (size != VN_BPF_W && size != VN_BPF_DW))
		return reject(v, i, "unknown store 0x%02x", in->code);
	aop = in->imm;
	switch (aop & ~VN_BPF_FETCH) {
	case VN_BPF_ADD:
	case VN_BPF_OR:
	case VN_BPF_AND:
	case VN_BPF_XOR:
		break;
	default:
		if (aop != VN_BPF_XCHG && aop != VN_BPF_CMPXCHG)
			return reject(v, i, "unknown atomic operation 0x%x", aop);
	}
	/* fetching forms write the old value back into src */
	if ((aop & VN_BPF_FETCH) && aop != VN_BPF_CMPXCHG && !reg_write_ok(in->src))
		return reject(v, i, "write to the read-only frame pointer r10");
	return 0;
}

/* decode_ld() - LD class: only the 16-byte LD_IMM64 */
static int decode_ld(struct vctx *v, size_t i)
{
	const struct vn_bpf_insn *in = &v->in[i];
	const struct vn_bpf_insn *hi;
	int err;

	if (VN_BPF_MODE(in->code) == VN_BPF_ABS || VN_BPF_MODE(in->code) == VN_BPF_IND)
		return reject(v, i, "legacy packet access (LD_ABS/LD_IND) not supported");
	if (in->code != VN_BPF_LD_IMM64)
		return reject(v, i, "unknown load 0x%02x", in->code);
	/* a 16-byte instruction cut in half by the end of the program */
	if (i + 1 >= v->n)
		return reject(v, i, "LD_IMM64 truncated by the end of the program");
	hi = &v->in[i + 1];
	if (hi->code || hi->dst || hi->src || hi->off)
		return reject(v, i + 1, "malformed second slot of LD_IMM64");
	if (in->off)
		return reject(v, i, "non-zero offset in LD_IMM64");
	err = check_dst_write(v, i, in->dst);
	if (err)
		return err;
	switch (in->src) {
	case VN_BPF_PSEUDO_IMM64:
		return 0;
	case VN_BPF_PSEUDO_MAP_FD:
	case VN_BPF_PSEUDO_MAP_VALUE:
	case VN_BPF_PSEUDO_MAP_IDX:
	case VN_BPF_PSEUDO_MAP_IDX_VALUE:
		if (!v->env->map_resolve)
			return reject(v, i, "map reference without a map resolver");
		return 0;
	default:
		return reject(v, i, "unsupported LD_IMM64 pseudo-source %u", in->src);
	}
}

/* pass_decode() - pass 1: every slot decodes; mark LD_IMM64 halves and functions */
static int pass_decode(struct vctx *v)
{
	size_t i;
	int err;

	v->flags[0] |= SLOT_FUNC;
	for (i = 0; i < v->n; i++) {
		const struct vn_bpf_insn *in = &v->in[i];

		switch (VN_BPF_CLASS(in->code)) {
		case VN_BPF_ALU:
		case VN_BPF_ALU64:
			err = decode_alu(v, i);
			break;
		case VN_BPF_JMP:
		case VN_BPF_JMP32:
			err = decode_jmp(v, i);
			break;
		case VN_BPF_LD:
			err = decode_ld(v, i);
			if (!err)
				v->flags[++i] |= SLOT_HI;
			break;
		default:
			err = decode_mem(v, i);
			break;
		}
		if (err)
			return err;
	}
	return 0;
}

/* jump_target() - target slot of a jump or local call, as a signed value */
static int64_t jump_target(const struct vn_bpf_insn *in, size_t i)
{
	int use_imm = VN_BPF_CLASS(in->code) == VN_BPF_JMP32 ?
		VN_BPF_OP(in->code) == VN_BPF_JA :
		VN_BPF_OP(in->code) == VN_BPF_CALL;

	return (int64_t)i + 1 + (use_imm ? (int64_t)in->imm : (int64_t)in->off);
}

static int is_jump(const struct vn_bpf_insn *in)
{
	unsigned int cls = VN_BPF_CLASS(in->code), op = VN_BPF_OP(in->code);

	if (cls != VN_BPF_JMP && cls != VN_BPF_JMP32)
		return 0;
	if (op == VN_BPF_EXIT)
		return 0;
	if (op == VN_BPF_CALL)
		return in->src == VN_BPF_CALL_LOCAL;
	return 1;
}

/* pass_targets() - pass 2a: every target is an instruction start; find functions */
static int pass_targets(struct vctx *v)
{
	size_t i;
	uint32_t f;

	for (i = 0; i < v->n; i++) {
		const struct vn_bpf_insn *in = &v->in[i];
		int64_t t;

		if ((v->flags[i] & SLOT_HI) || !is_jump(in))
			continue;
		t = jump_target(in, i);
		/* a target outside the program */
		if (t < 0 || t >= (int64_t)v->n)
			return reject(v, i, "jump target %lld out of range", (long long)t);
		/* a target inside a 16-byte LD_IMM64 */
		if (v->flags[t] & SLOT_HI)
			return reject(v, i, "jump into the second slot of LD_IMM64 %lld",
				      (long long)t - 1);
		if (VN_BPF_OP(in->code) == VN_BPF_CALL)
			v->flags[t] |= SLOT_FUNC;
	}
	for (i = 0, f = 0; i < v->n; i++) {
		if (v->flags[i] & SLOT_FUNC)
			v->fstart[f++] = (uint32_t)i;
		v->func[i] = f - 1;
	}
	v->nfunc = f;
	return 0;
}

/* pass_flow() - pass 2b: jumps stay in their function, nothing falls off */
static int pass_flow(struct vctx *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		const struct vn_bpf_insn *in = &v->in[i];
		unsigned int op = VN_BPF_OP(in->code), cls = VN_BPF_CLASS(in->code);
		int jmp = cls == VN_BPF_JMP || cls == VN_BPF_JMP32;
		size_t next = i + (in->code == VN_BPF_LD_IMM64 ? 2 : 1);

		if (v->flags[i] & SLOT_HI)
			continue;
		if (is_jump(in) && op != VN_BPF_CALL &&
		    v->func[jump_target(in, i)] != v->func[i])
			return reject(v, i, "jump leaves its function");
		if (jmp && (op == VN_BPF_EXIT || op == VN_BPF_JA))
			continue;
		/* execution would run past the end of the program or function */
		if (next >= v->n || v->func[next] != v->func[i])
			return reject(v, i, "falls off the end of %s",
				      v->func[i] ? "a subprogram" : "the program");
	}
	return 0;
}

/*
 * call_depth() - deepest chain from function @f down; -1 on recursion or too deep
 * @level is @f's own frame number: stopping past VN_BPF_MAX_FRAMES keeps this
 * recursion (in C) shallow even for a hostile chain of thousands of functions.
 */
static int call_depth(struct vctx *v, uint32_t f, unsigned int level, uint8_t *state,
		      uint8_t *depth, size_t *bad)
{
	uint32_t end = f + 1 < v->nfunc ? v->fstart[f + 1] : (uint32_t)v->n;
	uint32_t i;
	int d, max = 1;

	if (state[f] == 1)
		return -1;	/* back on the current chain: recursion */
	if (level > VN_BPF_MAX_FRAMES)
		return -1;
	if (state[f] == 2)
		return level - 1 + depth[f] > VN_BPF_MAX_FRAMES ? -1 : depth[f];
	state[f] = 1;
	for (i = v->fstart[f]; i < end; i++) {
		const struct vn_bpf_insn *in = &v->in[i];

		if ((v->flags[i] & SLOT_HI) || in->code != (VN_BPF_JMP | VN_BPF_CALL) ||
		    in->src != VN_BPF_CALL_LOCAL)
			continue;
		d = call_depth(v, v->func[jump_target(in, i)], level + 1, state, depth, bad);
		if (d < 0) {
			if (*bad == (size_t)-1)
				*bad = i;
			return -1;
		}
		if (d + 1 > max)
			max = d + 1;
	}
	if (max > VN_BPF_MAX_FRAMES) {
		if (*bad == (size_t)-1)
			*bad = v->fstart[f];
		return -1;
	}
	state[f] = 2;
	depth[f] = (uint8_t)max;
	return max;
}

/* pass_calls() - pass 3: no recursion, bounded depth */
static int pass_calls(struct vctx *v, unsigned int *max_depth)
{
	uint8_t *state = calloc(v->nfunc, 2);
	size_t bad = (size_t)-1;
	int d;

	if (!state)
		return -ENOMEM;
	d = call_depth(v, 0, 1, state, state + v->nfunc, &bad);
	free(state);
	if (d < 0)
		return reject(v, bad, "recursive call or call chain deeper than %d frames",
			      VN_BPF_MAX_FRAMES);
	*max_depth = (unsigned int)d;
	return 0;
}

/* insn_regs() - registers a slot reads and writes (for the dataflow pass) */
static void insn_regs(const struct vn_bpf_insn *in, uint16_t *rd, uint16_t *wr)
{
	unsigned int cls = VN_BPF_CLASS(in->code), op = VN_BPF_OP(in->code);
	int x = VN_BPF_SRCBIT(in->code) == VN_BPF_X;

	*rd = 0;
	*wr = 0;
	switch (cls) {
	case VN_BPF_ALU:
	case VN_BPF_ALU64:
		if (op != VN_BPF_MOV)
			*rd |= REG(in->dst);
		if (x && op != VN_BPF_END && op != VN_BPF_NEG)
			*rd |= REG(in->src);
		*wr = REG(in->dst);
		return;
	case VN_BPF_LD:
		*wr = REG(in->dst);
		return;
	case VN_BPF_LDX:
		*rd = REG(in->src);
		*wr = REG(in->dst);
		return;
	case VN_BPF_ST:
		*rd = REG(in->dst);
		return;
	case VN_BPF_STX:
		*rd = REG(in->dst) | REG(in->src);
		if (VN_BPF_MODE(in->code) != VN_BPF_ATOMIC)
			return;
		if (in->imm == VN_BPF_CMPXCHG) {
			*rd |= REG(0);
			*wr = REG(0);
		} else if (in->imm & VN_BPF_FETCH) {
			*wr = REG(in->src);
		}
		return;
	default:
		if (op == VN_BPF_EXIT) {
			*rd = REG(0);
		} else if (op == VN_BPF_CALL) {
			*wr = REG(0);	/* r1-r5 are clobbered: see pass_dataflow() */
			if (x)
				*rd = REG(in->dst);	/* callx */
		} else if (op != VN_BPF_JA) {
			*rd = REG(in->dst);
			if (x)
				*rd |= REG(in->src);
		}
	}
}

/* flow_to() - meet @set into slot @t's entry state; queue it if it shrank */
static void flow_to(struct vctx *v, size_t t, uint16_t set, uint32_t *work,
		    size_t *nwork, uint8_t *queued)
{
	uint16_t old = v->init[t];
	uint16_t nw = (v->flags[t] & SLOT_SEEN) ? (uint16_t)(old & set) : set;

	if ((v->flags[t] & SLOT_SEEN) && nw == old)
		return;
	v->flags[t] |= SLOT_SEEN;
	v->init[t] = nw;
	if (!queued[t]) {
		queued[t] = 1;
		work[(*nwork)++] = (uint32_t)t;
	}
}

/* entry_args() - registers the caller writes before the main function runs */
static uint16_t entry_args(const struct vn_bpf_env *env)
{
	unsigned int n = env->nargs ? env->nargs : 1;

	if (n > 5)
		n = 5;
	return (uint16_t)(((1u << n) - 1) << 1);
}

/**
 * pass_dataflow() - pass 4: no register is read before it is written
 * @v:		validator state
 *
 * Must-be-written sets only shrink as paths are merged, so a read that
 * fails on an intermediate set fails on the final one: checking during the
 * iteration is exact. A subprogram starts with r1-r5 and r10 written (its
 * arguments; a caller's unwritten registers hold zero or its own values,
 * never host data); after any call r1-r5 are unwritten and r0 is written.
 *
 * Return: 0 or -EINVAL
 */
static int pass_dataflow(struct vctx *v)
{
	uint32_t *work = malloc(v->n * sizeof(*work));
	uint8_t *queued = calloc(v->n, 1);
	size_t nwork = 0, f;
	int err = 0;

	if (!work || !queued) {
		err = -ENOMEM;
		goto out;
	}
	for (f = 0; f < v->nfunc; f++)
		flow_to(v, v->fstart[f], (uint16_t)(REG(VN_BPF_REG_FP) |
			(f ? ARG_REGS : entry_args(v->env))), work, &nwork, queued);
	while (nwork && !err) {
		uint32_t i = work[--nwork];
		const struct vn_bpf_insn *in = &v->in[i];
		unsigned int op = VN_BPF_OP(in->code), cls = VN_BPF_CLASS(in->code);
		uint16_t rd, wr, out;

		queued[i] = 0;
		insn_regs(in, &rd, &wr);
		if (rd & ~v->init[i]) {
			unsigned int r = (unsigned int)__builtin_ctz(rd & ~v->init[i]);

			err = reject(v, i, "r%u read before it is written on some path", r);
			break;
		}
		out = v->init[i] | wr;
		if ((cls == VN_BPF_JMP || cls == VN_BPF_JMP32) && op != VN_BPF_CALL) {
			if (op == VN_BPF_EXIT)
				continue;
			flow_to(v, (size_t)jump_target(in, i), out, work, &nwork, queued);
			if (op == VN_BPF_JA)
				continue;
		}
		if (cls == VN_BPF_JMP && op == VN_BPF_CALL)
			out &= (uint16_t)~ARG_REGS;
		flow_to(v, i + (in->code == VN_BPF_LD_IMM64 ? 2 : 1), out, work,
			&nwork, queued);
	}
out:
	free(work);
	free(queued);
	return err;
}

/* resolve_maps() - turn LD_IMM64 map references into plain immediates */
static int resolve_maps(struct vctx *v)
{
	size_t i;

	for (i = 0; i + 1 < v->n; i++) {
		struct vn_bpf_insn *in = &v->in[i];
		uint64_t val;
		int err;

		if ((v->flags[i] & SLOT_HI) || in->code != VN_BPF_LD_IMM64 || !in->src)
			continue;
		err = v->env->map_resolve(v->env->map_arg, in->src, in->imm,
					  in[1].imm, &val);
		if (err) {
			reject(v, i, "map reference %d (pseudo %u) does not resolve",
			       in->imm, in->src);
			return err < 0 ? err : -EINVAL;
		}
		in->src = 0;
		in->imm = (int32_t)(uint32_t)val;
		in[1].imm = (int32_t)(uint32_t)(val >> 32);
	}
	return 0;
}

static int validate(struct vctx *v, unsigned int *max_depth)
{
	int err;

	err = pass_decode(v);
	if (!err)
		err = pass_targets(v);
	if (!err)
		err = pass_flow(v);
	if (!err)
		err = pass_calls(v, max_depth);
	if (!err)
		err = pass_dataflow(v);
	if (!err)
		err = resolve_maps(v);
	return err;
}

static int jit_enabled = 1;

/**
 * vn_bpf_jit_set_enabled() - Choose the default engine for programs loaded next
 * @on:		1: JIT where the CPU supports it (the default), 0: interpreter
 */
void vn_bpf_jit_set_enabled(int on)
{
	__atomic_store_n(&jit_enabled, !!on, __ATOMIC_RELAXED);
}

/**
 * vn_bpf_prog_jited() - Does a program run as native code?
 * @p:		program
 *
 * Return: 1 for JIT code, 0 for the interpreter
 */
int vn_bpf_prog_jited(const struct vn_bpf_prog *p)
{
	return p->jit != NULL;
}

/* engine_choose() - JIT the program unless told not to; fall back to the interpreter */
static void engine_choose(struct vn_bpf_prog *p, unsigned int flags)
{
	static struct vn_ratelimit rl;
	int err;

	if ((flags & VN_BPF_F_INTERP) || !__atomic_load_n(&jit_enabled, __ATOMIC_RELAXED))
		return;
	err = vn_bpf_jit_compile(p, !!(flags & VN_BPF_F_HARDEN));
	if (err && vn_log_ratelimit(&rl))
		vn_warn("bpf: JIT failed (%s), program of %zu insns runs in the interpreter",
			strerror(-err), p->n);
}

/**
 * vn_bpf_prog_load() - Validate instructions and build a program
 * @insns:	instruction slots (copied)
 * @n:		number of slots
 * @env:	helpers, map resolver and limits the program is checked against
 * @out:	out: the program, to be freed with vn_bpf_prog_free()
 * @log:	out: on failure, "insn N: reason" (may be NULL)
 * @log_sz:	size of @log
 *
 * Return: 0, -EINVAL for a program that breaks a rule, -E2BIG over the size
 * limit, -ENOMEM, or the map resolver's error
 */
int vn_bpf_prog_load(const struct vn_bpf_insn *insns, size_t n,
		     const struct vn_bpf_env *env, struct vn_bpf_prog **out,
		     char *log, size_t log_sz)
{
	static const struct vn_bpf_env empty_env;
	struct vctx v = { .n = n, .env = env ? env : &empty_env,
			  .log = log, .log_sz = log_sz };
	size_t max = v.env->max_insns ? v.env->max_insns : VN_BPF_MAX_INSNS;
	struct vn_bpf_prog *p = NULL;
	unsigned int depth = 0;
	int err;

	*out = NULL;
	if (log && log_sz)
		log[0] = '\0';
	if (n == 0 || !insns)
		return reject(&v, 0, "empty program");
	/* a program over the limit costs validation time and memory */
	if (n > max) {
		reject(&v, max, "program of %zu instructions over the limit of %zu", n, max);
		return -E2BIG;
	}
	v.in = malloc(n * sizeof(*v.in));
	v.flags = calloc(n, 1);
	v.func = malloc(n * sizeof(*v.func));
	v.fstart = malloc(n * sizeof(*v.fstart));
	v.init = malloc(n * sizeof(*v.init));
	p = calloc(1, sizeof(*p));
	err = -ENOMEM;
	if (!v.in || !v.flags || !v.func || !v.fstart || !v.init || !p)
		goto fail;
	memcpy(v.in, insns, n * sizeof(*v.in));
	err = validate(&v, &depth);
	if (err)
		goto fail;
	if (v.env->nhelpers && v.env->helpers) {
		p->helpers = malloc(v.env->nhelpers * sizeof(*p->helpers));
		err = -ENOMEM;
		if (!p->helpers)
			goto fail;
		memcpy(p->helpers, v.env->helpers, v.env->nhelpers * sizeof(*p->helpers));
	}
	p->insns = v.in;
	p->n = n;
	p->nhelpers = p->helpers ? v.env->nhelpers : 0;
	p->budget = v.env->budget ? v.env->budget : VN_BPF_BUDGET;
	p->max_depth = depth;
	p->ctx_fields = VN_MIN(v.env->ctx_fields, VN_BPF_CTX_FIELDS);
	if (v.env->ctx_pkt_data && v.env->ctx_pkt_end && v.env->pkt_slot &&
	    v.env->ctx_pkt_data <= p->ctx_fields && v.env->ctx_pkt_end <= p->ctx_fields &&
	    v.env->pkt_slot < VN_BPF_MAX_REGIONS) {
		p->ctx_pkt_data = v.env->ctx_pkt_data;
		p->ctx_pkt_end = v.env->ctx_pkt_end;
		p->pkt_slot = v.env->pkt_slot;
		memcpy(p->pkt_moving, v.env->pkt_moving, sizeof(p->pkt_moving));
	}
	v.in = NULL;
	if (v.env->narrays && v.env->arrays && v.env->lookup_id) {
		p->arrays = malloc(v.env->narrays * sizeof(*p->arrays));
		err = -ENOMEM;
		if (!p->arrays)
			goto fail;
		memcpy(p->arrays, v.env->arrays, v.env->narrays * sizeof(*p->arrays));
		p->narrays = v.env->narrays;
		p->lookup_id = v.env->lookup_id;
	}
	for (unsigned int g = 0; v.env->globals && g < v.env->nglobals &&
			       p->nglobals < VN_BPF_GLOBALS_MAX; g++) {
		const struct vn_bpf_global_desc *gd = &v.env->globals[g];

		/* a fixed slot past the stack; offsets the facts can hold */
		if (gd->base && gd->slot > 0 && gd->slot < VN_BPF_MAX_REGIONS && gd->len &&
		    gd->len <= 0xffff)
			p->globals[p->nglobals++] = *gd;
	}
	err = vn_bpf_interp_prepare(p);
	if (err)
		goto fail;
	engine_choose(p, v.env->flags);
	*out = p;
	err = 0;
	p = NULL;
fail:
	vn_bpf_prog_free(p);
	free(v.in);
	free(v.flags);
	free(v.func);
	free(v.fstart);
	free(v.init);
	return err;
}

/**
 * vn_bpf_prog_free() - Free a program from vn_bpf_prog_load()
 * @p:		program or NULL
 */
void vn_bpf_prog_free(struct vn_bpf_prog *p)
{
	if (!p)
		return;
	free(p->insns);
	free(p->helpers);
	free(p->arrays);
	free(p->exec);
	vn_bpf_jit_free(p);
	free(p);
}

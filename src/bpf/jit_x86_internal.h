/* SPDX-License-Identifier: MIT */
/* jit_x86_internal.h - the x86-64 JIT's state, its instruction encoder, and what its files share
 *
 * jit_x86.c: the driver (compile, run, free), the prologue and tail, ALU and
 * jumps; jit_x86_mem.c: loads, stores, atomics through the program-space
 * translation, their slow-path stubs, helper and BPF-to-BPF calls, inlined
 * array lookups; jit_x86_flow.c: the block structure and the small verifier
 * (vn_jit_facts_flow()) whose proofs let accesses be inlined. The encoder (REX,
 * ModRM, immediates, rel8/rel32 jumps and their fixups) is here, inline.
 */
#ifndef VN_BPF_JIT_X86_INTERNAL_H
#define VN_BPF_JIT_X86_INTERNAL_H

#if defined(__x86_64__)

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bpf/vm.h"
#include "bpf/vm_internal.h"

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
 *
 * A register may be global data region site[] (an index in p->globals)
 * plus off (T_GLB: an LD_IMM64 of a VA inside it, constants added, 0 <= off
 * <= len); those regions are fixed for the program's life, so calls keep it.
 *
 * A register may be the frame pointer minus off (T_STK: r10 at a function's
 * entry, copies of it and constants added, 0 <= off <= VN_BPF_STACK_SIZE;
 * callees start with only their own r10).
 *
 * A register may also be the value (or NULL) that inline lookup site
 * site[] last mapped (T_VALN: r0 after the lookup; T_VAL: after a NULL
 * check, plus off bytes, 0 <= off <= value_size). Any call forgets every
 * value (a call may map more values and recycle the slot, whose old VAs
 * must then fault), and so does the site itself when it runs again.
 */
/*
 * Bounded scalars and packet pointers at a variable offset (jit_x86_pktvar.c):
 * a register may be a scalar V + off with 0 <= V <= umax (T_SCAL; sid 0:
 * the constant off), or the packet's first byte plus such a scalar, data +
 * V + off (T_PKTV, sid != 0). sid names one unknown V: the instruction that
 * made it (pc + 1) or the join that merged two values (vn_jit_scal_join());
 * when that point runs again every register still holding the old V forgets
 * it. vr[] holds, per sid, how many bytes from data + V the program proved
 * present (data + V + rng <= data_end). Bounds stay at or below SCAL_MAX, so
 * no sum of them carries out of the 32-bit region offset.
 */
enum { T_UNK, T_CTX, T_PKT, T_END, T_VALN, T_VAL, T_STK, T_GLB, T_SCAL, T_PKTV };
#define PKT_OFF_MAX	0xffff
#define SCAL_MAX	0xffff
#define SITE_NONE	0xff
/* r0 of an inline lookup whose VA no instruction uses: slot byte 0, never translated */
#define VN_JIT_VAL_TOKEN	(1ull << 48)
#define VR_MAX		4	/* variable-offset ranges a facts set keeps */
#define WIDEN_MAX	8	/* joins that may raise a bound before it is dropped */

struct vrange {
	uint32_t sid;
	uint32_t rng;
};

struct facts {
	uint8_t reached;
	uint8_t type[VN_BPF_NREGS];
	uint8_t site[VN_BPF_NREGS];
	uint8_t wid[VN_BPF_NREGS];
	uint16_t off[VN_BPF_NREGS];
	uint32_t sid[VN_BPF_NREGS];
	uint32_t umax[VN_BPF_NREGS];
	uint32_t range;
	struct vrange vr[VR_MAX];
};

/* fact_set() - @r now holds a @t with nothing else known of it */
static inline void fact_set(struct facts *f, unsigned int r, uint8_t t)
{
	f->type[r] = t;
	f->site[r] = SITE_NONE;
	f->off[r] = 0;
	f->sid[r] = 0;
	f->umax[r] = 0;
	f->wid[r] = 0;
}

/**
 * struct lookup - what the JIT makes of a helper call
 * @arr:	index in p->arrays of the array map looked up inline, or -1
 * @site:	its site number below VN_BPF_JIT_VSITES, or SITE_NONE (the
 *		values it maps are reached through the translation only)
 */
struct lookup {
	int32_t arr;
	uint8_t site;
};

/**
 * struct lookups - vn_jit_lookups()'s verdicts
 * @at:		per instruction
 * @arr:	per site, the index in p->arrays of the map it looks up
 * @nsites:	sites numbered
 */
struct lookups {
	struct lookup *at;
	int32_t arr[VN_BPF_JIT_VSITES];
	unsigned int nsites;
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
 * @arg_load:	vn_jit_emit_mem() is loading a helper's argument (no context table)
 * @lk:		vn_jit_lookups()'s verdicts on the helper calls
 * @inline_lookups: array lookups emitted inline
 * @pkt_proved:	packet accesses emitted without the table walk
 * @val_proved:	map value accesses emitted as one load of the site's value
 * @stk_proved:	loads through a copy of r10 emitted as r10 loads
 * @glb_proved:	global data accesses emitted at the region's host address
 * @no_mint:	no inline lookup's VA is ever used (vn_jit_values_escape())
 * @unminted:	inline lookups emitted with the token instead of a mint
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
	struct lookups lk;
	unsigned int inline_lookups;
	unsigned int pkt_proved;
	unsigned int val_proved;
	unsigned int stk_proved;
	unsigned int glb_proved;
	int no_mint;
	unsigned int unminted;
};

/**
 * struct vn_bpf_jit - a program's native code
 * @code:	the RX mapping
 * @size:	its length
 * @dirty_off:	after a run every stack byte below top + @dirty_off may be dirty
 * @counted:	blocks charge the budget; else the program cannot run more
 *		instructions than it has, and needs no counting
 * @info:	what was emitted (vn_bpf_jit_info(), vm_internal.h); runs read
 *		two of its counts: ctx_inline (runs need r1 = the table
 *		context) and glb_proved (runs must map p->globals as promised)
 */
struct vn_bpf_jit {
	void *code;
	size_t size;
	int32_t dirty_off;
	int counted;
	struct vn_bpf_jit_info info;
};

/* slots are scaled by a shift: a region is 1 << REGION_SHIFT bytes */
#define REGION_SHIFT	6
_Static_assert(sizeof(struct vn_bpf_region) == 1u << REGION_SHIFT, "64-byte regions");

/* the code addresses regions[0] as [r12 + field] */
_Static_assert(offsetof(struct vn_bpf_run_ctx, regions) == 0, "regions first in the run context");

typedef uint64_t (*jit_entry_fn)(struct vn_bpf_run_ctx *rc, const uint64_t *args);

/* ---- byte emission ---------------------------------------------------- */

static inline void emit1(struct jit *J, uint8_t b)
{
	if (J->len >= J->cap) {
		J->overflow = 1;
		return;
	}
	J->buf[J->len++] = b;
}

static inline void emit4(struct jit *J, uint32_t v)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		emit1(J, (uint8_t)(v >> (8 * i)));
}

static inline void emit8(struct jit *J, uint64_t v)
{
	emit4(J, (uint32_t)v);
	emit4(J, (uint32_t)(v >> 32));
}

static inline void patch4(struct jit *J, size_t pos, uint32_t v)
{
	if (pos + 4 <= J->len)
		memcpy(J->buf + pos, &v, 4);
}

/* rex() - a REX prefix for W, reg, index and base; @force for byte registers */
static inline void rex(struct jit *J, int w, int reg, int index, int base, int force)
{
	uint8_t b = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) |
			      ((index >= 0 && (index & 8)) ? 2 : 0) | ((base & 8) ? 1 : 0));

	if (b != 0x40 || force)
		emit1(J, b);
}

/* modrm_mem() - ModRM (+SIB, +disp) for [base + index + disp] */
static inline void modrm_mem(struct jit *J, int reg, int base, int index, int32_t disp)
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
static inline void op_rr(struct jit *J, int w, unsigned int opc, int reg, int rm, int force)
{
	rex(J, w, reg, -1, rm, force);
	if (opc > 0xff)
		emit1(J, (uint8_t)(opc >> 8));
	emit1(J, (uint8_t)opc);
	emit1(J, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

/* op_rm() - "opc reg, [base + index + disp]" */
static inline void op_rm(struct jit *J, int w, unsigned int opc, int reg, int base, int index,
		  int32_t disp, int force)
{
	rex(J, w, reg, index, base, force);
	if (opc > 0xff)
		emit1(J, (uint8_t)(opc >> 8));
	emit1(J, (uint8_t)opc);
	modrm_mem(J, reg, base, index, disp);
}

/* mov_rr() - mov dst, src (64 or 32 bits; the 32-bit form zero-extends) */
static inline void mov_rr(struct jit *J, int w, int dst, int src)
{
	op_rr(J, w, 0x89, src, dst, 0);
}

/* mov_imm() - dst = the 64-bit value @v, in the shortest encoding */
static inline void mov_imm(struct jit *J, int dst, uint64_t v)
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
static inline void alu_ri(struct jit *J, int w, int ext, int rm, int32_t imm)
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

static inline void push(struct jit *J, int r)
{
	rex(J, 0, 0, -1, r, 0);
	emit1(J, (uint8_t)(0x50 | (r & 7)));
}

static inline void pop(struct jit *J, int r)
{
	rex(J, 0, 0, -1, r, 0);
	emit1(J, (uint8_t)(0x58 | (r & 7)));
}

/* jcc_rel8() / jmp_rel8() and bind8(): short jumps inside one sequence */
static inline size_t jcc_rel8(struct jit *J, int cc)
{
	emit1(J, (uint8_t)(0x70 | cc));
	emit1(J, 0);
	return J->len;
}

static inline size_t jmp_rel8(struct jit *J)
{
	emit1(J, 0xeb);
	emit1(J, 0);
	return J->len;
}

static inline void bind8(struct jit *J, size_t after)
{
	if (after <= J->len && after >= 1 && J->len - after <= 127)
		J->buf[after - 1] = (uint8_t)(J->len - after);
	else
		J->overflow = 1;	/* cannot happen for the fixed sequences below */
}

/* add_fixup() - remember a rel32 just emitted, to BPF insn or label @target */
static inline void add_fixup(struct jit *J, int32_t target)
{
	if (J->nfix >= J->p->n * 6 + 16) {
		J->overflow = 1;
		return;
	}
	J->fix[J->nfix].pos = (uint32_t)(J->len - 4);
	J->fix[J->nfix].target = target;
	J->nfix++;
}

static inline void jcc_to(struct jit *J, int cc, int32_t target)
{
	emit1(J, 0x0f);
	emit1(J, (uint8_t)(0x80 | cc));
	emit4(J, 0);
	add_fixup(J, target);
}

static inline void jmp_to(struct jit *J, int32_t target)
{
	emit1(J, 0xe9);
	emit4(J, 0);
	add_fixup(J, target);
}

static inline void call_to(struct jit *J, int32_t target)
{
	emit1(J, 0xe8);
	emit4(J, 0);
	add_fixup(J, target);
}

#define LBL(l)	(-1 - (l))

/* call_abs() - call a C function at a fixed address (clobbers r10) */
static inline void call_abs(struct jit *J, const void *fn)
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
static inline void charge(struct jit *J, uint32_t n)
{
	/* sub qword [r12 + left], n; jbe etime */
	rex(J, 1, 0, -1, RCTX, 0);
	emit1(J, 0x81);
	modrm_mem(J, 5, RCTX, -1, RC_OFF(left));
	emit4(J, n);
	jcc_to(J, CC_BE, LBL(L_ETIME));
}

/* imm_reg() - the immediate of @in in a scratch register, blinded if hardening */
static inline int imm_reg(struct jit *J, int scratch, int32_t imm)
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


/* Per-slot flags of vn_jit_mark_flow() */
#define F_FUNC		0x1	/* first instruction of a subprogram */
#define F_LEADER	0x2	/* a jump lands here or a jump/call precedes it */

/* mem_bytes() - bytes a load/store of @code moves */
static inline unsigned int mem_bytes(uint8_t code)
{
	switch (VN_BPF_SIZE(code)) {
	case VN_BPF_B: return 1;
	case VN_BPF_H: return 2;
	case VN_BPF_W: return 4;
	default: return 8;
	}
}

/**
 * vn_jit_mark_flow() - Subprogram starts and block leaders; does the program loop?
 * @p:		program
 * @fl:		out: F_* per slot (n + 1 entries, zeroed)
 *
 * Return: 1 when some run may execute more instructions than the program
 * has (a backward jump or a BPF-to-BPF call), else 0
 */
int vn_jit_mark_flow(const struct vn_bpf_prog *p, uint8_t *fl);

/**
 * vn_jit_block_len() - Instructions (LD_IMM64 counts once) in the block led by @pc
 * @p:		program
 * @fl:		vn_jit_mark_flow()'s flags
 * @pc:		a block leader
 *
 * Return: the count
 */
uint32_t vn_jit_block_len(const struct vn_bpf_prog *p, const uint8_t *fl, size_t pc);

/**
 * vn_jit_ctx_transfer() - The registers holding r1's entry value after @in
 * @in:		instruction
 * @m:		the mask before it (a must-analysis: only plain 64-bit
 *		register moves carry it)
 *
 * Return: the mask after it
 */
uint16_t vn_jit_ctx_transfer(const struct vn_bpf_insn *in, uint16_t m);

/**
 * vn_jit_lookups() - Which helper calls become inline array lookups, with which site
 * @p:		program
 * @fl:		vn_jit_mark_flow()'s flags
 * @out:	out: the verdicts (the caller frees out->at)
 *
 * A call to the lookup helper whose r1 is, inside its basic block, an
 * LD_IMM64 of an inlinable array's handle; the first VN_BPF_JIT_VSITES of
 * them get a site number.
 *
 * Return: 0, or -ENOMEM
 */
int vn_jit_lookups(const struct vn_bpf_prog *p, const uint8_t *fl, struct lookups *out);

/* jit_x86_escape.c: may an inline lookup's value VA be observed? */
int vn_jit_val_provable(const struct vn_bpf_prog *p, const struct lookups *lk,
			const struct vn_bpf_insn *in, const struct facts *f, unsigned int breg);
int vn_jit_values_escape(const struct vn_bpf_prog *p, const struct lookups *lk,
			 const struct facts *facts);

/* jit_x86_pktvar.c: scalars and variable-offset packet pointers in the facts */
int vn_jit_scal_step(const struct vn_bpf_insn *x, size_t pc, struct facts *f);
int vn_jit_scal_join(struct facts *in, const struct facts *out, unsigned int r, uint32_t jsid);
int vn_jit_vr_join(struct facts *in, const struct facts *out);
void vn_jit_vr_proof(struct facts *f, unsigned int r);
uint32_t vn_jit_vr_get(const struct facts *f, uint32_t sid);
int vn_jit_sid_forget(struct facts *f, uint32_t sid, int keep);

/**
 * vn_jit_facts_flow() - What is proved about r1-r10 at every instruction
 * @p:		program
 * @fl:		vn_jit_mark_flow()'s flags
 * @lk:		vn_jit_lookups()'s verdicts
 *
 * Return: n facts (the caller frees them), or NULL when the analysis gave up
 */
struct facts *vn_jit_facts_flow(const struct vn_bpf_prog *p, const uint8_t *fl,
				const struct lookups *lk);

/**
 * vn_jit_emit_mem() - A load, store or atomic, translated and checked inline
 * @J:		JIT state
 * @in:		the instruction
 */
void vn_jit_emit_mem(struct jit *J, const struct vn_bpf_insn *in);

/**
 * vn_jit_emit_stub() - One out-of-line slow path: save r0-r5, call C, restore, resume
 * @J:		JIT state
 * @st:		the stub recorded by vn_jit_emit_mem()
 */
void vn_jit_emit_stub(struct jit *J, const struct stub *st);

/**
 * vn_jit_emit_call() - A helper call, callx or BPF-to-BPF call
 * @J:		JIT state
 * @in:		the instruction
 * @pc:		its index
 */
void vn_jit_emit_call(struct jit *J, const struct vn_bpf_insn *in, size_t pc);

#endif /* __x86_64__ */
#endif /* VN_BPF_JIT_X86_INTERNAL_H */

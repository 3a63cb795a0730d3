// SPDX-License-Identifier: MIT
/* interp.c - eBPF interpreter: the whole RFC 9669 instruction set
 *
 * Direct-threaded: vn_bpf_interp_prepare() decodes each slot once into an
 * entry holding its label's address (computed goto), so each instruction
 * ends in its own indirect jump (better prediction than one shared switch)
 * and reads no bitfields. The program was validated, so every opcode has a label
 * and every register index is in range; what is left to check here is
 * memory (each access is a program-space address translated by
 * va_translate(), vm_internal.h), the instruction budget and the call depth.
 *
 * Arithmetic follows RFC 9669 section 4: 32-bit ALU results are zero-extended,
 * shift counts are masked to the operand width, x / 0 = 0, x % 0 = x, and
 * the signed INT_MIN / -1 wraps to INT_MIN (remainder 0) instead of trapping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/vm.h"
#include "bpf/vm_internal.h"

/*
 * Decoded operations past the 256 opcode bytes: forms the decoder can tell
 * apart from fields other than the opcode (offset, imm, src), so the hot
 * path does not test those fields on every execution.
 */
enum {
	DOP_MOV64_X = 256,	/* MOV X, off 0 (not MOVSX) */
	DOP_MOV32_X,
	DOP_LE16,
	DOP_LE32,
	DOP_LE64,
	DOP_BSWAP16,		/* to-BE or ALU64 BSWAP */
	DOP_BSWAP32,
	DOP_BSWAP64,
	DOP_CALL_HELPER,	/* CALL src 0 */
	VN_BPF_DOP_MAX
};

/* decode_op() - the label index for one instruction */
static unsigned int decode_op(const struct vn_bpf_insn *in)
{
	unsigned int c = in->code;

	if (c == (VN_BPF_ALU64 | VN_BPF_X | VN_BPF_MOV) && !in->off)
		return DOP_MOV64_X;
	if (c == (VN_BPF_ALU | VN_BPF_X | VN_BPF_MOV) && !in->off)
		return DOP_MOV32_X;
	if (c == (VN_BPF_ALU | VN_BPF_K | VN_BPF_END))
		return in->imm == 16 ? DOP_LE16 : in->imm == 32 ? DOP_LE32 : DOP_LE64;
	if (c == (VN_BPF_ALU | VN_BPF_X | VN_BPF_END) || c == (VN_BPF_ALU64 | VN_BPF_END))
		return in->imm == 16 ? DOP_BSWAP16 : in->imm == 32 ? DOP_BSWAP32 : DOP_BSWAP64;
	if (c == (VN_BPF_JMP | VN_BPF_CALL) && in->src == VN_BPF_CALL_HELPER)
		return DOP_CALL_HELPER;
	return c;
}

/**
 * struct vn_bpf_dinsn - an instruction decoded for dispatch (vn_bpf_prog.exec)
 * @op:		address of the opcode's label in interp()
 * @dst:	destination register, a whole byte (no bitfield to unpack)
 * @src:	source register or pseudo-source
 * @off:	offset
 * @imm:	immediate
 */
struct vn_bpf_dinsn {
	const void *op;
	uint8_t dst;
	uint8_t src;
	int16_t off;
	int32_t imm;
};

/**
 * struct frame - a caller's state saved across a BPF-to-BPF call
 * @ret:	instruction to resume at
 * @saved:	callee-saved r6-r9
 * @fp:		caller's r10
 */
struct frame {
	const struct vn_bpf_dinsn *ret;
	uint64_t saved[4];
	uint64_t fp;
};

/* mem_at() - host address of an access to plain memory, else NULL */
static inline void *mem_at(struct vn_bpf_run_ctx *rc, uint64_t addr,
			   unsigned int size, int write)
{
	return va_translate(rc, addr, size, write);
}

/* stack_zero() - make stack offsets [lo, hi) read as zero, touching only dirty bytes */
static inline void stack_zero(struct vn_bpf_run_ctx *rc, uint32_t lo, uint32_t hi)
{
	if (rc->stack_dirty < hi) {
		uint32_t from = VN_MAX(rc->stack_dirty, lo);

		memset(rc->stack + from, 0, hi - from);
	}
}

/*
 * atomic32() / atomic64() - RFC 9669 5.3; aligned addresses only (as the
 * kernel): misaligned atomics would be split locks, or fault on other CPUs
 */
#define ATOMIC_OP(bits)									\
static int atomic##bits(struct vn_bpf_run_ctx *rc, uint64_t addr, int32_t op,		\
			uint64_t *src, uint64_t *r0)					\
{											\
	uint##bits##_t *p = mem_at(rc, addr, bits / 8, 1);				\
	uint##bits##_t v = (uint##bits##_t)*src, old;					\
											\
	if (!p || ((uintptr_t)p & (bits / 8 - 1)))					\
		return -EFAULT;								\
	switch (op & ~VN_BPF_FETCH) {							\
	case VN_BPF_ADD: old = __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); break;	\
	case VN_BPF_OR: old = __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST); break;		\
	case VN_BPF_AND: old = __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST); break;	\
	case VN_BPF_XOR: old = __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST); break;	\
	case VN_BPF_XCHG & ~VN_BPF_FETCH:						\
		old = __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);			\
		break;									\
	default: /* CMPXCHG */								\
		old = (uint##bits##_t)*r0;						\
		__atomic_compare_exchange_n(p, &old, v, 0, __ATOMIC_SEQ_CST,		\
					    __ATOMIC_SEQ_CST);				\
		*r0 = old;								\
		return 0;								\
	}										\
	if (op & VN_BPF_FETCH)								\
		*src = old;								\
	return 0;									\
}
ATOMIC_OP(32)
ATOMIC_OP(64)
#undef ATOMIC_OP

/* load_fast() - a translated load, else the slow path (computed regions); 0 or an error */
static inline int load_fast(struct vn_bpf_run_ctx *rc, uint64_t addr,
			    unsigned int size, uint64_t *val)
{
	const void *p = va_translate(rc, addr, size, 0);

	if (likely(p)) {
		switch (size) {
		case 1: *val = *(const uint8_t *)p; break;
		case 2: { uint16_t t; memcpy(&t, p, 2); *val = t; break; }
		case 4: { uint32_t t; memcpy(&t, p, 4); *val = t; break; }
		default: memcpy(val, p, 8); break;
		}
		return 0;
	}
	return vn_bpf_translate_slow(rc, addr, size, val);
}

/* store_fast() - a translated store; 0 or -EFAULT */
static inline int store_fast(struct vn_bpf_run_ctx *rc, uint64_t addr,
			     unsigned int size, uint64_t val)
{
	void *p = va_translate(rc, addr, size, 1);

	if (unlikely(!p))
		return -EFAULT;
	switch (size) {
	case 1: *(uint8_t *)p = (uint8_t)val; break;
	case 2: { uint16_t t = (uint16_t)val; memcpy(p, &t, 2); break; }
	case 4: { uint32_t t = (uint32_t)val; memcpy(p, &t, 4); break; }
	default: memcpy(p, &val, 8); break;
	}
	return 0;
}

/* Signed division and remainder with the RFC's answers for /0 and MIN/-1 */
/*
 * Signed division and modulo with the RFC's answers where C has none: x / 0
 * is 0 and x % 0 is x; INT_MIN / -1 wraps to INT_MIN and INT_MIN % -1 is 0
 * (so any x / -1 is -x and x % -1 is 0, never the hardware's trap)
 */
#define SIGNED_DIVMOD(bits)								\
static inline uint##bits##_t sdiv##bits(uint##bits##_t a, uint##bits##_t b)		\
{											\
	if (!b)										\
		return 0;								\
	if ((int##bits##_t)b == -1)							\
		return -a;								\
	return (uint##bits##_t)((int##bits##_t)a / (int##bits##_t)b);			\
}											\
static inline uint##bits##_t smod##bits(uint##bits##_t a, uint##bits##_t b)		\
{											\
	if (!b)										\
		return a;								\
	if ((int##bits##_t)b == -1)							\
		return 0;								\
	return (uint##bits##_t)((int##bits##_t)a % (int##bits##_t)b);			\
}
SIGNED_DIVMOD(64)
SIGNED_DIVMOD(32)
#undef SIGNED_DIVMOD

static inline uint64_t movsx(uint64_t s, int16_t width)
{
	switch (width) {
	case 8: return (uint64_t)(int64_t)(int8_t)s;
	case 16: return (uint64_t)(int64_t)(int16_t)s;
	case 32: return (uint64_t)(int64_t)(int32_t)s;
	default: return s;
	}
}

/* stack_frame_set() - make [fp - 512, top) the stack region (fp: a stack VA) */
static inline void stack_frame_set(struct vn_bpf_run_ctx *rc, uint64_t fp)
{
	struct vn_bpf_region *r = &rc->regions[VN_BPF_REGION_STACK];

	r->lo = (uint32_t)fp - VN_BPF_STACK_SIZE;
	r->len = (uint32_t)sizeof(rc->stack) - r->lo;
}

/* Operand shorthands for the opcode bodies below */
#define DST	reg[ip->dst]
#define SRC	reg[ip->src]
#define IMM64	((uint64_t)(int64_t)ip->imm)
#define IMM32	((uint32_t)ip->imm)

/* Every ALU operation expressed once over d (dst) and s (source) */
#define ALU_SIMPLE(X)							\
	X(ADD, d + s)							\
	X(SUB, d - s)							\
	X(MUL, d * s)							\
	X(OR, d | s)							\
	X(AND, d & s)							\
	X(XOR, d ^ s)

#define JMP_CONDS(X)							\
	X(JEQ, d == s, d == s)						\
	X(JNE, d != s, d != s)						\
	X(JGT, d > s, d > s)						\
	X(JGE, d >= s, d >= s)						\
	X(JLT, d < s, d < s)						\
	X(JLE, d <= s, d <= s)						\
	X(JSET, (d & s) != 0, (d & s) != 0)				\
	X(JSGT, (int64_t)d > (int64_t)s, (int32_t)d > (int32_t)s)	\
	X(JSGE, (int64_t)d >= (int64_t)s, (int32_t)d >= (int32_t)s)	\
	X(JSLT, (int64_t)d < (int64_t)s, (int32_t)d < (int32_t)s)	\
	X(JSLE, (int64_t)d <= (int64_t)s, (int32_t)d <= (int32_t)s)

#define OPC(cls, src, op)	(VN_BPF_##cls | VN_BPF_##src | VN_BPF_##op)

/**
 * interp() - Run a program to its EXIT, or hand out the dispatch table
 * @p:		validated program with its decoded form (p->exec)
 * @rc:		run context (regions set up by the caller; the stack is the VM's)
 * @args:	initial r1..r<nargs>
 * @nargs:	number of @args (at most 5)
 * @err:	out: 0, -EFAULT, -ETIME, -E2BIG or a helper's vn_bpf_abort() code
 * @tbl_out:	if set, only store the label table (opcodes, then decoded
 *		variants) here and return:
 *		label addresses exist only inside this function, and
 *		vn_bpf_interp_prepare() needs them to decode programs
 *
 * One function of ~300 lines on purpose: the dispatch table and the labels
 * must live in the same function for computed goto, and splitting the
 * opcode bodies into calls would cost a call per instruction.
 *
 * Return: r0 at the final EXIT; 0 when *@err is set
 */
static uint64_t interp(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
		       const uint64_t *args, unsigned int nargs, int *err,
		       const void *const **tbl_out)
{
#define TBL_ALU(name, e)						\
	[OPC(ALU64, K, name)] = &&alu64k_##name,			\
	[OPC(ALU64, X, name)] = &&alu64x_##name,			\
	[OPC(ALU, K, name)] = &&alu32k_##name,				\
	[OPC(ALU, X, name)] = &&alu32x_##name,
#define TBL_JMP(name, e64, e32)						\
	[OPC(JMP, K, name)] = &&jmpk_##name,				\
	[OPC(JMP, X, name)] = &&jmpx_##name,				\
	[OPC(JMP32, K, name)] = &&jmp32k_##name,			\
	[OPC(JMP32, X, name)] = &&jmp32x_##name,
#define TBL_MEM(sz, bytes)						\
	[VN_BPF_LDX | VN_BPF_MEM | VN_BPF_##sz] = &&ldx_##sz,		\
	[VN_BPF_ST | VN_BPF_MEM | VN_BPF_##sz] = &&st_##sz,		\
	[VN_BPF_STX | VN_BPF_MEM | VN_BPF_##sz] = &&stx_##sz,
	/* the range default is overridden on purpose, opcode by opcode */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
	static const void *const tbl[VN_BPF_DOP_MAX] = {
		[0 ... VN_BPF_DOP_MAX - 1] = &&bad_opcode,
		ALU_SIMPLE(TBL_ALU)
		TBL_ALU(DIV, 0) TBL_ALU(MOD, 0) TBL_ALU(LSH, 0) TBL_ALU(RSH, 0)
		TBL_ALU(ARSH, 0) TBL_ALU(MOV, 0)
		[OPC(ALU64, K, NEG)] = &&alu64_neg,
		[OPC(ALU, K, NEG)] = &&alu32_neg,
		[OPC(ALU, K, END)] = &&end_le,
		[OPC(ALU, X, END)] = &&end_be,
		[OPC(ALU64, K, END)] = &&bswap,
		JMP_CONDS(TBL_JMP)
		[OPC(JMP, K, JA)] = &&ja,
		[OPC(JMP32, K, JA)] = &&ja32,
		[OPC(JMP, K, CALL)] = &&call,
		[OPC(JMP, X, CALL)] = &&callx,
		[OPC(JMP, K, EXIT)] = &&exit,
		[VN_BPF_LD_IMM64] = &&ld_imm64,
		TBL_MEM(B, 1) TBL_MEM(H, 2) TBL_MEM(W, 4) TBL_MEM(DW, 8)
		[VN_BPF_LDX | VN_BPF_MEMSX | VN_BPF_B] = &&ldsx_B,
		[VN_BPF_LDX | VN_BPF_MEMSX | VN_BPF_H] = &&ldsx_H,
		[VN_BPF_LDX | VN_BPF_MEMSX | VN_BPF_W] = &&ldsx_W,
		[VN_BPF_STX | VN_BPF_ATOMIC | VN_BPF_W] = &&atomic_W,
		[VN_BPF_STX | VN_BPF_ATOMIC | VN_BPF_DW] = &&atomic_DW,
		[DOP_MOV64_X] = &&mov64_x,
		[DOP_MOV32_X] = &&mov32_x,
		[DOP_LE16] = &&le16,
		[DOP_LE32] = &&le32,
		[DOP_LE64] = &&le64,
		[DOP_BSWAP16] = &&bswap16,
		[DOP_BSWAP32] = &&bswap32,
		[DOP_BSWAP64] = &&bswap64,
		[DOP_CALL_HELPER] = &&call_helper,
	};
#pragma GCC diagnostic pop
	const struct vn_bpf_dinsn *ip;
	struct frame frames[VN_BPF_MAX_FRAMES];
	uint64_t reg[VN_BPF_NREGS] = { 0 };
	vn_bpf_helper_fn fn;
	uint64_t top, left, budget, v;
	unsigned int depth = 0;
	int e = 0;

	if (unlikely(tbl_out)) {
		*tbl_out = tbl;
		return 0;
	}
	top = VN_BPF_VA(VN_BPF_REGION_STACK, sizeof(rc->stack));
	ip = p->exec;
	left = rc->budget ? rc->budget : p->budget;
	budget = left;
	rc->abort_err = 0;
	vn_bpf_charge_begin(rc, budget);
	for (v = 0; v < VN_MIN(nargs, 5u); v++)
		reg[1 + v] = args[v];
	reg[VN_BPF_REG_FP] = top;
	stack_frame_set(rc, top);
	/* clear what earlier runs (any program) left anywhere in the stack */
	stack_zero(rc, 0, sizeof(rc->stack));
	rc->stack_dirty = sizeof(rc->stack);
	/* value slots of an earlier run are gone */
	rc->nregions = rc->nfixed;
	rc->vnext = rc->nfixed;

/* DISPATCH: charge the budget, jump to the current instruction's body */
#define DISPATCH()							\
	do {								\
		if (unlikely(--left == 0))				\
			goto out_budget;				\
		goto *ip->op;						\
	} while (0)
#define NEXT()	do { ip++; DISPATCH(); } while (0)

	left++;	/* the first dispatch is charged like every other */
	DISPATCH();

#define BODY_ALU(name, e)						\
alu64k_##name: { uint64_t d = DST, s = IMM64; DST = (e); NEXT(); }	\
alu64x_##name: { uint64_t d = DST, s = SRC; DST = (e); NEXT(); }	\
alu32k_##name: { uint32_t d = (uint32_t)DST, s = IMM32; DST = (uint32_t)(e); NEXT(); } \
alu32x_##name: { uint32_t d = (uint32_t)DST, s = (uint32_t)SRC; DST = (uint32_t)(e); NEXT(); }
	ALU_SIMPLE(BODY_ALU)
	BODY_ALU(LSH, d << (s & (sizeof(d) * 8 - 1)))
	BODY_ALU(RSH, d >> (s & (sizeof(d) * 8 - 1)))

alu64k_ARSH: DST = (uint64_t)((int64_t)DST >> (ip->imm & 63)); NEXT();
alu64x_ARSH: DST = (uint64_t)((int64_t)DST >> (SRC & 63)); NEXT();
alu32k_ARSH: DST = (uint32_t)((int32_t)DST >> (ip->imm & 31)); NEXT();
alu32x_ARSH: DST = (uint32_t)((int32_t)DST >> (SRC & 31)); NEXT();

alu64k_DIV: v = IMM64; goto div64;
alu64x_DIV: v = SRC;
div64:	DST = ip->off ? sdiv64(DST, v) : (v ? DST / v : 0); NEXT();
alu32k_DIV: v = IMM32; goto div32;
alu32x_DIV: v = (uint32_t)SRC;
div32:	DST = ip->off ? sdiv32((uint32_t)DST, (uint32_t)v) :
		(v ? (uint32_t)DST / (uint32_t)v : 0);
	NEXT();
alu64k_MOD: v = IMM64; goto mod64;
alu64x_MOD: v = SRC;
mod64:	DST = ip->off ? smod64(DST, v) : (v ? DST % v : DST); NEXT();
alu32k_MOD: v = IMM32; goto mod32;
alu32x_MOD: v = (uint32_t)SRC;
mod32:	DST = ip->off ? smod32((uint32_t)DST, (uint32_t)v) :
		(v ? (uint32_t)DST % (uint32_t)v : (uint32_t)DST);
	NEXT();

alu64k_MOV: DST = IMM64; NEXT();
alu64x_MOV: DST = movsx(SRC, ip->off); NEXT();
alu32k_MOV: DST = IMM32; NEXT();
alu32x_MOV: DST = (uint32_t)movsx(SRC, ip->off); NEXT();
alu64_neg: DST = -DST; NEXT();
alu32_neg: DST = (uint32_t)-(uint32_t)DST; NEXT();

mov64_x: DST = SRC; NEXT();
mov32_x: DST = (uint32_t)SRC; NEXT();
le16:	DST = (uint16_t)DST; NEXT();
le32:	DST = (uint32_t)DST; NEXT();
le64:	NEXT();
bswap16: DST = __builtin_bswap16((uint16_t)DST); NEXT();
bswap32: DST = __builtin_bswap32((uint32_t)DST); NEXT();
bswap64: DST = __builtin_bswap64(DST); NEXT();

end_le:	/* little-endian host: to-LE only truncates */
	DST = ip->imm == 16 ? (uint16_t)DST : ip->imm == 32 ? (uint32_t)DST : DST;
	NEXT();
end_be:
bswap:
	DST = ip->imm == 16 ? __builtin_bswap16((uint16_t)DST) :
	      ip->imm == 32 ? __builtin_bswap32((uint32_t)DST) :
	      __builtin_bswap64(DST);
	NEXT();

#define BODY_JMP(name, e64, e32)					\
jmpk_##name: { uint64_t d = DST, s = IMM64; ip += (e64) ? ip->off + 1 : 1; DISPATCH(); } \
jmpx_##name: { uint64_t d = DST, s = SRC; ip += (e64) ? ip->off + 1 : 1; DISPATCH(); } \
jmp32k_##name: { uint32_t d = (uint32_t)DST, s = IMM32; ip += (e32) ? ip->off + 1 : 1; DISPATCH(); } \
jmp32x_##name: { uint32_t d = (uint32_t)DST, s = (uint32_t)SRC; ip += (e32) ? ip->off + 1 : 1; DISPATCH(); }
	JMP_CONDS(BODY_JMP)

ja:	ip += ip->off + 1; DISPATCH();
ja32:	ip += (int64_t)ip->imm + 1; DISPATCH();

ld_imm64:
	DST = (uint64_t)(uint32_t)ip[0].imm | ((uint64_t)(uint32_t)ip[1].imm << 32);
	ip += 2;
	DISPATCH();

#define BODY_MEM(sz, bytes)						\
ldx_##sz:								\
	e = load_fast(rc, SRC + (uint64_t)(int64_t)ip->off, bytes, &v); \
	if (unlikely(e))						\
		goto out;						\
	DST = v;							\
	NEXT();								\
st_##sz:								\
	if (unlikely(store_fast(rc, DST + (uint64_t)(int64_t)ip->off, bytes, IMM64))) \
		goto out_fault;						\
	NEXT();								\
stx_##sz:								\
	if (unlikely(store_fast(rc, DST + (uint64_t)(int64_t)ip->off, bytes, SRC))) \
		goto out_fault;						\
	NEXT();
	BODY_MEM(B, 1)
	BODY_MEM(H, 2)
	BODY_MEM(W, 4)
	BODY_MEM(DW, 8)

ldsx_B:	e = load_fast(rc, SRC + (uint64_t)(int64_t)ip->off, 1, &v);
	if (unlikely(e))
		goto out;
	DST = (uint64_t)(int64_t)(int8_t)v;
	NEXT();
ldsx_H:	e = load_fast(rc, SRC + (uint64_t)(int64_t)ip->off, 2, &v);
	if (unlikely(e))
		goto out;
	DST = (uint64_t)(int64_t)(int16_t)v;
	NEXT();
ldsx_W:	e = load_fast(rc, SRC + (uint64_t)(int64_t)ip->off, 4, &v);
	if (unlikely(e))
		goto out;
	DST = (uint64_t)(int64_t)(int32_t)v;
	NEXT();

atomic_W:
	e = atomic32(rc, DST + (uint64_t)(int64_t)ip->off, ip->imm, &SRC, &reg[0]);
	if (unlikely(e))
		goto out_fault;
	NEXT();
atomic_DW:
	e = atomic64(rc, DST + (uint64_t)(int64_t)ip->off, ip->imm, &SRC, &reg[0]);
	if (unlikely(e))
		goto out_fault;
	NEXT();

call_helper:
	fn = p->helpers[ip->imm];
	goto helper;
callx:	/* the register names a helper; ids outside the table abort */
	fn = vn_bpf_callx_helper(p, DST);
	if (unlikely(!fn)) {
		e = -EINVAL;
		goto out;
	}
helper:
	rc->left = left;	/* helpers charge their work (vn_bpf_charge()) */
	reg[0] = fn(rc, reg[1], reg[2], reg[3], reg[4], reg[5]);
	left = rc->left;
	/* r1-r5 are clobbered: zero, as JIT code leaves them (no C leftovers) */
	reg[1] = reg[2] = reg[3] = reg[4] = reg[5] = 0;
	if (unlikely(rc->abort_err)) {
		e = rc->abort_err;
		goto out;
	}
	NEXT();
call:	/* local: helper calls were decoded to call_helper */
	/* BPF-to-BPF: a fresh zeroed 512-byte frame below the caller's */
	if (unlikely(depth + 1 >= VN_BPF_MAX_FRAMES)) {
		e = -E2BIG;
		goto out;
	}
	/* the frame zeroing below is work: charged like a helper's */
	if (unlikely(left <= VN_BPF_COST_CALL))
		goto out_budget;
	left -= VN_BPF_COST_CALL;
	frames[depth].ret = ip + 1;
	memcpy(frames[depth].saved, &reg[6], sizeof(frames[depth].saved));
	frames[depth].fp = reg[VN_BPF_REG_FP];
	depth++;
	reg[VN_BPF_REG_FP] -= VN_BPF_STACK_SIZE;
	/* a previous callee at this depth may have left bytes behind */
	stack_zero(rc, (uint32_t)reg[VN_BPF_REG_FP] - VN_BPF_STACK_SIZE,
		   (uint32_t)reg[VN_BPF_REG_FP]);
	stack_frame_set(rc, reg[VN_BPF_REG_FP]);
	ip += (int64_t)ip->imm + 1;
	DISPATCH();

exit:
	if (depth == 0)
		goto out;
	depth--;
	ip = frames[depth].ret;
	memcpy(&reg[6], frames[depth].saved, sizeof(frames[depth].saved));
	reg[VN_BPF_REG_FP] = frames[depth].fp;
	stack_frame_set(rc, reg[VN_BPF_REG_FP]);
	DISPATCH();

bad_opcode:	/* unreachable for a validated program */
	e = -EINVAL;
	goto out;
out_fault:
	e = -EFAULT;
	goto out;
out_budget:
	e = -ETIME;
	left = 1;	/* the instruction that hit the limit did not run */
out:
	/* left started at budget + 1 and lost one per dispatched instruction */
	rc->insns_run = budget + 1 - left;
	*err = e;
	return e ? 0 : reg[0];
}

/**
 * vn_bpf_run_args() - Run a program with up to five argument registers
 * @p:		validated program
 * @rc:		run context
 * @args:	initial r1..r<nargs>
 * @nargs:	number of @args (at most 5)
 * @err:	out: as for vn_bpf_run()
 *
 * Return: r0 at the final EXIT; 0 when *@err is set
 */
uint64_t vn_bpf_run_args(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
			 const uint64_t *args, unsigned int nargs, int *err)
{
	if (p->jit)
		return vn_bpf_jit_run(p, rc, args, nargs, err);
	return interp(p, rc, args, nargs, err, NULL);
}

/**
 * vn_bpf_interp_run() - Run a program in the interpreter, JIT code or not
 * @p:		validated program
 * @rc:		run context
 * @args:	initial r1..r<nargs>
 * @nargs:	number of @args (at most 5)
 * @err:	out: as for vn_bpf_run()
 *
 * Return: r0 at the final EXIT; 0 when *@err is set
 */
uint64_t vn_bpf_interp_run(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
			   const uint64_t *args, unsigned int nargs, int *err)
{
	return interp(p, rc, args, nargs, err, NULL);
}

/**
 * vn_bpf_interp_prepare() - Decode a validated program for dispatch
 * @p:		program whose insns are final (map references resolved)
 *
 * Return: 0 or -ENOMEM
 */
int vn_bpf_interp_prepare(struct vn_bpf_prog *p)
{
	const void *const *tbl;
	struct vn_bpf_dinsn *d;
	size_t i;

	interp(NULL, NULL, NULL, 0, NULL, &tbl);
	d = calloc(p->n, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0; i < p->n; i++) {
		const struct vn_bpf_insn *in = &p->insns[i];

		/* second LD_IMM64 slots keep the bad-opcode label: never dispatched */
		d[i].op = tbl[decode_op(in)];
		d[i].dst = in->dst;
		d[i].src = in->src;
		d[i].off = in->off;
		d[i].imm = in->imm;
		if (in->code == VN_BPF_LD_IMM64 && i + 1 < p->n) {
			i++;
			d[i].op = tbl[0xff];
			d[i].imm = p->insns[i].imm;
		}
	}
	p->exec = d;
	return 0;
}

/**
 * vn_bpf_run() - Run a program to its EXIT
 * @p:		validated program
 * @rc:		run context (regions set up by the caller; the stack is the VM's)
 * @r1:		initial r1 (usually the context pointer)
 * @err:	out: 0, -EFAULT, -ETIME, -E2BIG or a helper's vn_bpf_abort() code
 *
 * Return: r0 at the final EXIT; 0 when *@err is set
 */
uint64_t vn_bpf_run(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
		    uint64_t r1, int *err)
{
	if (p->jit)
		return vn_bpf_jit_run(p, rc, &r1, 1, err);
	return interp(p, rc, &r1, 1, err, NULL);
}

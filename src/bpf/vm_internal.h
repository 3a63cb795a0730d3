/* SPDX-License-Identifier: MIT */
/* vm_internal.h - the program-space translation shared by the interpreter,
 * the run context and JIT code (see "The program address space" in vm.h)
 */
#ifndef VN_BPF_VM_INTERNAL_H
#define VN_BPF_VM_INTERNAL_H

#include <stdint.h>

#include "bpf/vm.h"
#include "core/compiler.h"

/**
 * va_translate() - The fast path: host address of an access, or NULL
 * @rc:		run context
 * @va:		program-space address
 * @size:	bytes, 1..2^32-1
 * @write:	store or atomic (needs a writable region)
 *
 * Exactly the check in vm.h: hi = va >> 32, idx = (hi & 0xff) - 1,
 * off = (uint32_t)va, d = (uint32_t)(off - lo); ok = idx < nregions &&
 * hi == r->hi && d + size <= len && (!write || writable). The comparisons
 * are folded into one mask without branches, and the index and offset are
 * masked with it before the table and the memory are touched (Spectre v1):
 * on a miss, speculative or not, the address computed is regions[0].base.
 * The only branch is the final NULL test. Computed regions have len 0 and
 * always miss; a stale value VA (its slot reused since) misses on hi.
 * Stores into the stack lower rc->stack_dirty.
 *
 * Return: host pointer, or NULL when the access is not allowed
 */
static inline void *va_translate(struct vn_bpf_run_ctx *rc, uint64_t va,
				 uint64_t size, int write)
{
	uint64_t hi = va >> VN_BPF_VA_SHIFT;
	uint64_t idx = ((hi & 0xff) - 1) & 0xffffffffu;
	uint64_t ok = idx < rc->nregions;
	uint64_t m, off;
	const struct vn_bpf_region *r;
	uint64_t len, d;

	m = -ok;
	__asm__("" : "+r"(m));	/* keep it a data dependency, not a branch */
	r = &rc->regions[idx & m];
	len = r->len;
	off = (uint32_t)va;
	d = (uint32_t)(off - r->lo);
	ok &= (hi == r->hi) & (size <= len) & (d + size <= len) &
	      (!write | (r->writable != 0));
	m = -ok;
	__asm__("" : "+r"(m));
	r = &rc->regions[idx & m];
	off &= m;
	if (unlikely(!ok))
		return NULL;
	if (write && (idx & m) == VN_BPF_REGION_STACK && off < rc->stack_dirty)
		rc->stack_dirty = (uint32_t)off;
	return (void *)(r->base + off);
}

/**
 * vn_bpf_charge_fast() - vn_bpf_charge(), its common case inline
 * @rc:		run context
 * @units:	the work about to be done
 *
 * The budget has room and no wall-clock check is due: the same arithmetic
 * as vn_bpf_charge() without the call; anything else is vn_bpf_charge().
 *
 * Return: 0, or -ETIME (the run is stopping)
 */
static inline int vn_bpf_charge_fast(struct vn_bpf_run_ctx *rc, uint64_t units)
{
	if (likely(units < rc->left)) {
		if (!rc->time_cap_ns) {
			rc->left -= units;
			return 0;
		}
		if (rc->clock_units + units < VN_BPF_CLOCK_EVERY) {
			rc->left -= units;
			rc->clock_units += units;
			return 0;
		}
	}
	return vn_bpf_charge(rc, units);
}

/**
 * vn_bpf_charge_start() - vn_bpf_charge_begin(), inline for the engines
 * @rc:		run context
 * @budget:	units the run may use
 */
static inline void vn_bpf_charge_start(struct vn_bpf_run_ctx *rc, uint64_t budget)
{
	rc->left = budget + 1;
	rc->t0 = 0;
	rc->clock_units = 0;
}

/**
 * vn_bpf_translate_slow() - Accesses the fast path refused: computed loads
 * @rc:		run context
 * @va:		program-space address
 * @size:	1, 2, 4 or 8
 * @val:	out: the loaded value (zero-extended)
 *
 * For loads only (interpreter and JIT call it when va_translate() misses).
 *
 * Return: 0, -EFAULT when no region holds the access, or the callback's error
 */
int vn_bpf_translate_slow(struct vn_bpf_run_ctx *rc, uint64_t va,
			  unsigned int size, uint64_t *val);

/**
 * vn_bpf_interp_prepare() - Decode a validated program for dispatch (interp.c)
 * @p:		program whose insns are final (map references resolved)
 *
 * Return: 0 or -ENOMEM
 */
int vn_bpf_interp_prepare(struct vn_bpf_prog *p);

/**
 * vn_bpf_interp_run() - Run a program in the interpreter (interp.c)
 * @p:		validated program
 * @rc:		run context
 * @args:	initial r1..r<nargs>
 * @nargs:	number of @args
 * @err:	out: as for vn_bpf_run()
 *
 * Return: r0, 0 when *@err is set
 */
uint64_t vn_bpf_interp_run(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
			   const uint64_t *args, unsigned int nargs, int *err);

/**
 * vn_bpf_jit_compile() - Translate a validated program to x86-64 (jit_x86.c)
 * @p:		program with final insns
 * @harden:	blind constants (untrusted program)
 *
 * Return: 0 with p->jit set, -EOPNOTSUPP on an unsupported host, -ENOMEM,
 * or -E2BIG when the code does not fit
 */
int vn_bpf_jit_compile(struct vn_bpf_prog *p, int harden);

/**
 * struct vn_bpf_jit_info - what the JIT made of a program (tests)
 * @code:	its native code (read+execute)
 * @len:	bytes of it
 * @ctx_inline:	context-table loads emitted as one load
 * @spec_clamps: translated accesses and inline lookups with Spectre v1 clamps
 * @inline_lookups: array map lookups emitted inline
 * @pkt_proved:	packet accesses proved by the program's own bounds checks
 * @val_proved:	map value accesses proved inside an inline lookup's value
 * @stk_proved:	loads through a copy of r10 proved inside the frame
 * @glb_proved:	global data accesses proved inside their region
 * @unminted:	inline lookups that map no VA (none of their values' VAs is used)
 */
struct vn_bpf_jit_info {
	const uint8_t *code;
	size_t len;
	unsigned int ctx_inline;
	unsigned int spec_clamps;
	unsigned int inline_lookups;
	unsigned int pkt_proved;
	unsigned int val_proved;
	unsigned int stk_proved;
	unsigned int glb_proved;
	unsigned int unminted;
};

/**
 * vn_bpf_jit_info() - Describe a program's JIT code (jit_x86.c)
 * @p:		program
 * @out:	out: the description
 *
 * Return: 0, or -ENOENT when the program runs in the interpreter
 */
int vn_bpf_jit_info(const struct vn_bpf_prog *p, struct vn_bpf_jit_info *out);

/**
 * vn_bpf_jit_free() - Unmap a program's native code (jit_x86.c)
 * @p:		program
 */
void vn_bpf_jit_free(struct vn_bpf_prog *p);

/**
 * vn_bpf_jit_run() - Run a program's native code (jit_x86.c)
 * @p:		program with p->jit
 * @rc:		run context
 * @args:	initial r1..r<nargs>
 * @nargs:	number of @args
 * @err:	out: as for vn_bpf_run()
 *
 * Return: r0, 0 when *@err is set
 */
uint64_t vn_bpf_jit_run(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
			const uint64_t *args, unsigned int nargs, int *err);

/**
 * vn_bpf_jit_usable() - Would vn_bpf_jit_run() run the code, not the interpreter? (jit_x86.c)
 * @p:		program
 * @rc:		run context
 * @args:	initial r1..r<nargs>
 * @nargs:	number of @args
 *
 * Return: 1 or 0
 */
int vn_bpf_jit_usable(const struct vn_bpf_prog *p, const struct vn_bpf_run_ctx *rc,
		      const uint64_t *args, unsigned int nargs);

/**
 * vn_bpf_jit_enter() - vn_bpf_jit_run() without the checks, for a context
 *			vn_bpf_jit_usable() accepted (jit_x86.c)
 * @p:		program
 * @rc:		run context
 * @args:	initial r1..r<nargs>
 * @nargs:	number of @args
 * @err:	out: as for vn_bpf_run()
 *
 * Return: r0, 0 when *@err is set
 */
uint64_t vn_bpf_jit_enter(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
			  const uint64_t *args, unsigned int nargs, int *err);

/**
 * vn_bpf_callx_helper() - The helper a callx register names, or NULL
 * @p:		program
 * @id:		register value
 *
 * Return: the helper, NULL for an id past the table or without a helper
 */
static inline vn_bpf_helper_fn vn_bpf_callx_helper(const struct vn_bpf_prog *p,
						   uint64_t id)
{
	return id < p->nhelpers ? p->helpers[id] : NULL;
}

#endif /* VN_BPF_VM_INTERNAL_H */

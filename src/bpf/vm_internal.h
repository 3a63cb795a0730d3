/* SPDX-License-Identifier: MIT */
/* vm_internal.h - region checks shared by the interpreter and the run context */
#ifndef VN_BPF_VM_INTERNAL_H
#define VN_BPF_VM_INTERNAL_H

#include <stdint.h>

#include "bpf/vm.h"
#include "core/compiler.h"

/**
 * region_fits() - Is [addr, addr + size) inside @r, with the access allowed?
 * @r:		region
 * @addr:	first byte the program touches
 * @size:	bytes touched
 * @write:	store or atomic
 *
 * Written so it cannot overflow: the offset is computed unsigned and the
 * length compared by subtraction.
 *
 * Return: non-zero when the access fits
 */
static inline int region_fits(const struct vn_bpf_region *r, uint64_t addr,
			      uint64_t size, int write)
{
	uint64_t off = addr - r->base;

	/* address below the base wraps to a huge offset and fails here */
	return off < r->len && r->len - off >= size && (r->writable || !write);
}

/**
 * stack_mark_dirty() - Remember a write into the stack region
 * @rc:		run context whose rc->hint names the region just written
 * @addr:	lowest byte written
 */
static inline void stack_mark_dirty(struct vn_bpf_run_ctx *rc, uint64_t addr)
{
	if (rc->hint == VN_BPF_REGION_STACK && addr < rc->stack_dirty)
		rc->stack_dirty = (uintptr_t)addr;
}

/**
 * vn_bpf_region_find() - Slow path: find the region holding an access
 * @rc:		run context
 * @addr:	first byte
 * @size:	bytes
 * @write:	store or atomic
 *
 * Updates rc->hint on success.
 *
 * Return: the region, or NULL when no region holds the whole access
 */
const struct vn_bpf_region *vn_bpf_region_find(struct vn_bpf_run_ctx *rc,
					       uint64_t addr, uint64_t size,
					       int write);

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

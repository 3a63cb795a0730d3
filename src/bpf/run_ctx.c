// SPDX-License-Identifier: MIT
/* run_ctx.c - eBPF run context: the memory regions a program may touch
 *
 * A program's pointers are plain 64-bit values; what makes them safe is that
 * every access goes through this table. Slot 0 is the stack, which the
 * interpreter moves as frames are pushed and popped; the caller adds the
 * context, the packet and map value arenas.
 */
#include <errno.h>
#include <string.h>

#include "bpf/vm.h"
#include "bpf/vm_internal.h"

/**
 * vn_bpf_run_ctx_init() - Prepare a run context (stack region in slot 0)
 * @rc:		run context
 * @user:	caller data for helpers
 */
void vn_bpf_run_ctx_init(struct vn_bpf_run_ctx *rc, void *user)
{
	memset(rc->regions, 0, sizeof(rc->regions));
	rc->regions[VN_BPF_REGION_STACK].base =
		(uintptr_t)rc->stack + sizeof(rc->stack) - VN_BPF_STACK_SIZE;
	rc->regions[VN_BPF_REGION_STACK].len = VN_BPF_STACK_SIZE;
	rc->regions[VN_BPF_REGION_STACK].writable = 1;
	rc->nregions = 1;
	rc->hint = 0;
	rc->user = user;
	rc->budget = 0;
	rc->insns_run = 0;
	rc->abort_err = 0;
	rc->time_cap_ns = 0;	/* no wall-clock cap unless the caller sets one */
	vn_bpf_charge_begin(rc, 0);
	rc->stack_dirty = (uintptr_t)rc->stack;	/* nothing known about it yet */
}

/* range_wraps() - does [base, base + len) wrap around the address space? */
static int range_wraps(const void *base, size_t len)
{
	return (uintptr_t)base + len < (uintptr_t)base;
}

/**
 * vn_bpf_run_ctx_add_region() - Let programs touch [base, base + len)
 * @rc:		run context
 * @base:	first byte
 * @len:	length
 * @writable:	allow stores and atomics
 *
 * Return: the region's slot (>= 1), -ENOSPC when the table is full,
 * -EINVAL when the range wraps around the address space
 */
int vn_bpf_run_ctx_add_region(struct vn_bpf_run_ctx *rc, const void *base,
			      size_t len, int writable)
{
	struct vn_bpf_region *r;

	/* a wrapping range would make the offset arithmetic lie */
	if (range_wraps(base, len))
		return -EINVAL;
	if (rc->nregions >= VN_BPF_MAX_REGIONS)
		return -ENOSPC;
	r = &rc->regions[rc->nregions];
	memset(r, 0, sizeof(*r));
	r->base = (uintptr_t)base;
	r->len = len;
	r->writable = !!writable;
	return (int)rc->nregions++;
}

/**
 * vn_bpf_run_ctx_set_region() - Move or resize a region (e.g. after adjust_head)
 * @rc:		run context
 * @slot:	slot returned by vn_bpf_run_ctx_add_region()
 * @base:	first byte
 * @len:	length
 * @writable:	allow stores and atomics
 *
 * Return: 0, or -EINVAL for the stack slot, an unused slot or a wrapping range
 */
int vn_bpf_run_ctx_set_region(struct vn_bpf_run_ctx *rc, unsigned int slot,
			      const void *base, size_t len, int writable)
{
	struct vn_bpf_region *r;

	/* the stack belongs to the VM; unused slots are not regions */
	if (slot == VN_BPF_REGION_STACK || slot >= rc->nregions ||
	    range_wraps(base, len))
		return -EINVAL;
	r = &rc->regions[slot];
	r->base = (uintptr_t)base;
	r->len = len;
	r->writable = !!writable;
	return 0;
}

/**
 * vn_bpf_run_ctx_truncate() - Forget the regions in slots >= nregions
 * @rc:		run context
 * @nregions:	slots to keep (at least 1: the stack is never removed)
 */
void vn_bpf_run_ctx_truncate(struct vn_bpf_run_ctx *rc, unsigned int nregions)
{
	if (nregions < 1)
		nregions = 1;
	if (nregions < rc->nregions)
		rc->nregions = nregions;
	rc->hint = 0;
}

/**
 * vn_bpf_region_find() - Slow path: find the region holding an access
 * @rc:		run context
 * @addr:	first byte
 * @size:	bytes
 * @write:	store or atomic
 *
 * Return: the region, or NULL when no region holds the whole access
 */
const struct vn_bpf_region *vn_bpf_region_find(struct vn_bpf_run_ctx *rc,
					       uint64_t addr, uint64_t size,
					       int write)
{
	unsigned int i;

	for (i = 0; i < rc->nregions; i++) {
		if (region_fits(&rc->regions[i], addr, size, write)) {
			rc->hint = i;
			return &rc->regions[i];
		}
	}
	return NULL;
}

/**
 * vn_bpf_check_mem() - Check that [ptr, ptr + len) lies inside one region
 * @rc:		run context of the running program
 * @ptr:	address taken from a program register
 * @len:	bytes the caller will touch (0 is always allowed)
 * @write:	the caller will write
 *
 * Return: 0, or -EFAULT
 */
int vn_bpf_check_mem(struct vn_bpf_run_ctx *rc, uint64_t ptr, size_t len,
		     int write)
{
	const struct vn_bpf_region *r;

	if (len == 0)
		return 0;
	r = vn_bpf_region_find(rc, ptr, len, write);
	/* computed regions (the XDP context) have no bytes behind them */
	if (!r || r->load)
		return -EFAULT;
	if (write)
		stack_mark_dirty(rc, ptr);
	return 0;
}

/**
 * vn_bpf_abort() - Stop the running program from inside a helper
 * @rc:		run context
 * @err:	negative errno vn_bpf_run() will report
 */
void vn_bpf_abort(struct vn_bpf_run_ctx *rc, int err)
{
	rc->abort_err = err ? err : -EFAULT;
}

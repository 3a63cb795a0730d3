// SPDX-License-Identifier: MIT
/* run_ctx.c - eBPF run context: the program address space
 *
 * A program's pointers are program-space addresses (vm.h): slot + 1 in the
 * high 32 bits, an offset in the low 32. Slot 0 is the stack, which the
 * interpreter narrows as frames are pushed and popped; the caller adds the
 * context, the packet and global data as fixed slots; map lookups take the
 * slots above them, one value per slot. Nothing here ever hands a host
 * address to the program.
 */
#include <errno.h>
#include <string.h>

#include "bpf/vm.h"
#include "bpf/vm_internal.h"

#define HOST_PAGE	4096

/**
 * vn_bpf_run_ctx_init() - Prepare a run context (stack region in slot 0)
 * @rc:		run context
 * @user:	caller data for helpers
 */
void vn_bpf_run_ctx_init(struct vn_bpf_run_ctx *rc, void *user)
{
	memset(rc->regions, 0, sizeof(rc->regions));
	rc->regions[VN_BPF_REGION_STACK].base = (uintptr_t)rc->stack;
	rc->regions[VN_BPF_REGION_STACK].lo = sizeof(rc->stack) - VN_BPF_STACK_SIZE;
	rc->regions[VN_BPF_REGION_STACK].len = VN_BPF_STACK_SIZE;
	rc->regions[VN_BPF_REGION_STACK].writable = 1;
	rc->regions[VN_BPF_REGION_STACK].hi = VN_BPF_VA_HI(0, VN_BPF_REGION_STACK);
	rc->nregions = 1;
	rc->nfixed = 1;
	rc->vnext = 1;
	rc->user = user;
	rc->budget = 0;
	rc->insns_run = 0;
	rc->abort_err = 0;
	rc->time_cap_ns = 0;	/* no wall-clock cap unless the caller sets one */
	vn_bpf_charge_begin(rc, 0);
	rc->stack_dirty = 0;	/* nothing known about it yet */
	rc->vgen = 0;
	rc->spec_zero = 0;
	rc->ctx_fields = 0;
	rc->cpu = 0;
	memset(rc->ctx_vals, 0, sizeof(rc->ctx_vals));
}

/* range_bad() - does [base, base + len) wrap, or reach 4 GiB of offsets? */
static int range_bad(const void *base, size_t len)
{
	return (uintptr_t)base + len < (uintptr_t)base || len > UINT32_MAX;
}

/* fixed_slot() - a new fixed slot, keeping VN_BPF_VALUE_SLOTS for lookups */
static struct vn_bpf_region *fixed_slot(struct vn_bpf_run_ctx *rc, int *slot)
{
	struct vn_bpf_region *r;

	if (rc->nfixed + VN_BPF_VALUE_SLOTS >= VN_BPF_MAX_REGIONS) {
		*slot = -ENOSPC;
		return NULL;
	}
	*slot = (int)rc->nfixed;
	r = &rc->regions[rc->nfixed++];
	memset(r, 0, sizeof(*r));
	r->hi = VN_BPF_VA_HI(0, *slot);
	rc->nregions = rc->nfixed;
	rc->vnext = rc->nfixed;
	return r;
}

/**
 * vn_bpf_run_ctx_add_region() - Map [base, base + len) at a new slot's offset 0
 * @rc:		run context
 * @base:	first byte (host)
 * @len:	length, below 4 GiB
 * @writable:	allow stores and atomics
 *
 * Return: the region's slot (>= 1), -ENOSPC, or -EINVAL
 */
int vn_bpf_run_ctx_add_region(struct vn_bpf_run_ctx *rc, const void *base,
			      size_t len, int writable)
{
	struct vn_bpf_region *r;
	int slot;

	/* a wrapping range would make the offset arithmetic lie */
	if (range_bad(base, len))
		return -EINVAL;
	r = fixed_slot(rc, &slot);
	if (!r)
		return slot;
	r->base = (uintptr_t)base;
	r->len = (uint32_t)len;
	r->end = (uint32_t)len;
	r->writable = !!writable;
	return slot;
}

/**
 * vn_bpf_run_ctx_add_computed() - Add a region whose loads a callback answers
 * @rc:		run context
 * @len:	bytes of the region
 * @load:	callback
 * @arg:	its data
 *
 * Return: the region's slot (>= 1), or -ENOSPC
 */
int vn_bpf_run_ctx_add_computed(struct vn_bpf_run_ctx *rc, uint32_t len,
				vn_bpf_region_load_fn load, void *arg)
{
	struct vn_bpf_region *r;
	int slot;

	r = fixed_slot(rc, &slot);
	if (!r)
		return slot;
	r->load = load;
	r->load_len = len;
	r->arg = arg;
	return slot;
}

/* table_load() - a field of the context table, as the JIT loads it inline */
static int table_load(struct vn_bpf_run_ctx *rc, const struct vn_bpf_region *r,
		      size_t off, unsigned int size, uint64_t *val)
{
	(void)r;
	/* narrow, wide or misaligned context loads: the kernel refuses them too */
	if (size != 4 || off % 4 || off / 4 >= rc->ctx_fields)
		return -EACCES;
	*val = rc->ctx_vals[off / 4];
	return 0;
}

/**
 * vn_bpf_run_ctx_add_table() - Add the context region: fields read from rc->ctx_vals
 * @rc:		run context with only the stack slot so far
 * @nfields:	32-bit fields, 1..VN_BPF_CTX_FIELDS
 *
 * Return: VN_BPF_REGION_CTX, -EINVAL, or -ENOSPC
 */
int vn_bpf_run_ctx_add_table(struct vn_bpf_run_ctx *rc, unsigned int nfields)
{
	int slot;

	if (!nfields || nfields > VN_BPF_CTX_FIELDS || rc->nfixed != VN_BPF_REGION_CTX)
		return -EINVAL;
	slot = vn_bpf_run_ctx_add_computed(rc, nfields * 4, table_load, NULL);
	if (slot == VN_BPF_REGION_CTX)
		rc->ctx_fields = nfields;
	return slot;
}

/**
 * vn_bpf_run_ctx_set_window() - Move the accessible window of a fixed slot
 * @rc:		run context
 * @slot:	fixed slot
 * @base:	host address of offset 0
 * @lo:		first accessible offset
 * @len:	accessible bytes from @lo
 * @writable:	allow stores and atomics
 *
 * Return: 0, or -EINVAL
 */
int vn_bpf_run_ctx_set_window(struct vn_bpf_run_ctx *rc, unsigned int slot,
			      const void *base, uint32_t lo, uint32_t len,
			      int writable)
{
	struct vn_bpf_region *r;

	/* the stack belongs to the VM; lookup slots are not windows */
	if (slot == VN_BPF_REGION_STACK || slot >= rc->nfixed ||
	    (uint64_t)lo + len > UINT32_MAX || range_bad(base, (size_t)lo + len))
		return -EINVAL;
	r = &rc->regions[slot];
	if (r->load)
		return -EINVAL;
	r->base = (uintptr_t)base;
	r->lo = lo;
	r->len = len;
	r->end = lo + len;
	r->writable = !!writable;
	return 0;
}

/**
 * vn_bpf_run_ctx_map_value() - Give a program the VA of exactly @len bytes
 * @rc:		run context
 * @host:	the bytes; NULL gives 0
 * @len:	bytes reachable
 * @writable:	allow stores and atomics
 *
 * Return: the VA of @host, or 0
 */
uint64_t vn_bpf_run_ctx_map_value(struct vn_bpf_run_ctx *rc, void *host,
				  uint32_t len, int writable)
{
	struct vn_bpf_region *r;
	unsigned int slot;

	if (!host)
		return 0;
	slot = rc->vnext;
	rc->vnext = slot + 1 < VN_BPF_MAX_REGIONS ? slot + 1 : rc->nfixed;
	if (slot >= rc->nregions)
		rc->nregions = slot + 1;
	r = &rc->regions[slot];
	/* a fresh generation: VAs of the value this slot held before now fault */
	rc->vgen = (rc->vgen + 1) & VN_BPF_VA_GEN_MASK;
	if (!rc->vgen)
		rc->vgen = 1;
	r->hi = VN_BPF_VA_HI(rc->vgen, slot);
	r->base = (uintptr_t)host;
	r->lo = 0;
	r->len = len;
	r->end = len;
	r->writable = !!writable;
	r->load = NULL;
	r->load_len = 0;
	r->arg = NULL;
	return (uint64_t)r->hi << VN_BPF_VA_SHIFT;
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
	if (nregions < rc->nfixed)
		rc->nfixed = nregions;
	if (nregions < rc->nregions)
		rc->nregions = nregions;
	if (rc->nfixed <= VN_BPF_REGION_CTX)
		rc->ctx_fields = 0;	/* the context table went with its slot */
	rc->vnext = rc->nfixed;
}

/**
 * vn_bpf_translate_slow() - Accesses the fast path refused: computed loads
 * @rc:		run context
 * @va:		program-space address
 * @size:	1, 2, 4 or 8
 * @val:	out: the loaded value
 *
 * Return: 0, -EFAULT, or the callback's error
 */
int vn_bpf_translate_slow(struct vn_bpf_run_ctx *rc, uint64_t va,
			  unsigned int size, uint64_t *val)
{
	uint64_t hi = va >> VN_BPF_VA_SHIFT;
	uint64_t idx = ((hi & 0xff) - 1) & 0xffffffffu;
	uint32_t off = (uint32_t)va;
	const struct vn_bpf_region *r;
	const void *p;
	uint64_t m;

	p = va_translate(rc, va, size, 0);
	if (p) {
		*val = 0;
		memcpy(val, p, size);	/* little-endian host */
		return 0;
	}
	/* a slot that is not mapped, or a plain region the access leaves */
	if (idx >= rc->nregions)
		return -EFAULT;
	m = -(uint64_t)(idx < rc->nregions);
	__asm__("" : "+r"(m));	/* clamp under speculation too (Spectre v1) */
	r = &rc->regions[idx & m];
	if (!r->load || hi != r->hi || off >= r->load_len || r->load_len - off < size)
		return -EFAULT;
	return r->load(rc, r, off, size, val);
}

/**
 * vn_bpf_translate() - Host address of [va, va + len) if it lies in one region
 * @rc:		run context
 * @va:		program-space address
 * @len:	bytes, at least 1
 * @write:	the caller will write
 *
 * Return: the host pointer, or NULL
 */
void *vn_bpf_translate(struct vn_bpf_run_ctx *rc, uint64_t va, size_t len,
		       int write)
{
	if (len == 0 || len > UINT32_MAX)
		return NULL;
	return va_translate(rc, va, len, write);
}

/* near() - is @v within a page of [base, base + len)? */
static int near(uint64_t v, uintptr_t base, uint64_t len)
{
	uint64_t lo = base > HOST_PAGE ? base - HOST_PAGE : 0;

	return v >= lo && v - lo < len + 2 * HOST_PAGE;
}

/**
 * vn_bpf_host_in_ctx() - Does @v look like a host address this context maps?
 * @rc:		run context
 * @v:		any 64-bit value
 *
 * Return: true when @v is a host address near something the context maps
 */
int vn_bpf_host_in_ctx(const struct vn_bpf_run_ctx *rc, uint64_t v)
{
	if (near(v, (uintptr_t)rc, sizeof(*rc)))
		return 1;
	for (unsigned int i = 0; i < rc->nregions; i++) {
		const struct vn_bpf_region *r = &rc->regions[i];

		if (r->base && near(v, r->base, (uint64_t)r->lo + r->len))
			return 1;
		if (r->arg && near(v, (uintptr_t)r->arg, HOST_PAGE))
			return 1;
	}
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

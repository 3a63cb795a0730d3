/* SPDX-License-Identifier: MIT */
/* vm.h - eBPF virtual machine: validate a program once, run it many times
 *
 * Security model: programs may come from an untrusted tenant or guest. The
 * validator (vn_bpf_prog_load()) proves the static rules: known opcodes,
 * registers in range and r10 never written, jumps inside the function and
 * never into the second slot of a 16-byte LD_IMM64, no falling off the end,
 * no read of a register that is not written on every path, calls only to
 * helpers in the env and to subprograms, no recursion, call depth <= 8.
 * What it cannot prove is enforced at run time: programs live in their own
 * address space (below): every address they hold is a program-space
 * address, and every load, store, atomic and helper argument is translated
 * and checked against the run context's regions (stack, context, packet,
 * one map value per lookup); a miss aborts the run with -EFAULT. No
 * instruction sequence, helper return or map content reveals a host
 * address, and the check is masked against speculation (Spectre v1). Each run has an
 * instruction budget, so loops are allowed and still end (-ETIME).
 * Registers start at zero and each stack frame reads as zero when it is
 * entered (only bytes an earlier run or frame dirtied are cleared), so a
 * program never reads bytes it did not write or was not given.
 * Division by zero follows RFC 9669 (quotient 0, remainder = dividend).
 */
#ifndef VN_BPF_VM_H
#define VN_BPF_VM_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/insn.h"

#define VN_BPF_STACK_SIZE	512	/* bytes per frame */
#define VN_BPF_MAX_FRAMES	8	/* main program + 7 nested BPF-to-BPF calls */
#define VN_BPF_MAX_INSNS	65536	/* default program size limit (slots) */
#define VN_BPF_BUDGET		1000000	/* default instructions per run */
#define VN_BPF_MAX_REGIONS	64	/* address-space slots per run context */
#define VN_BPF_VALUE_SLOTS	24	/* of them, at least this many for lookups */
#define VN_BPF_PKT_MOVING	8	/* env->pkt_moving entries */
#define VN_BPF_REGION_STACK	0	/* region slot the VM keeps for the stack */
#define VN_BPF_CLOCK_EVERY	256	/* budget units charged between wall-clock checks */
#define VN_BPF_COST_CALL	32	/* units a BPF-to-BPF call costs (zeroes a 512-byte frame) */

struct vn_bpf_run_ctx;
struct vn_bpf_region;

/**
 * typedef vn_bpf_helper_fn - a helper callable by CALL imm (src 0)
 * @rc:		the run context of the calling program
 * @r1..@r5:	argument registers
 *
 * A helper reaches a pointer argument only through vn_bpf_translate() (the
 * registers hold program-space addresses); it may stop the program with
 * vn_bpf_abort().
 *
 * Return: the value left in r0
 */
typedef uint64_t (*vn_bpf_helper_fn)(struct vn_bpf_run_ctx *rc, uint64_t r1,
				     uint64_t r2, uint64_t r3, uint64_t r4,
				     uint64_t r5);

/**
 * typedef vn_bpf_map_resolve_fn - resolve a LD_IMM64 map reference at load time
 * @arg:	the env's map_arg
 * @pseudo:	VN_BPF_PSEUDO_MAP_FD, _MAP_VALUE, _MAP_IDX or _MAP_IDX_VALUE
 * @imm:	the first slot's imm (the loader's map index)
 * @next_imm:	the second slot's imm (offset into the value for *_VALUE)
 * @value:	out: the 64-bit value the instruction loads (an opaque map
 *		handle, or the program-space address of the value plus next_imm)
 *
 * Return: 0, or a negative errno to reject the program
 */
typedef int (*vn_bpf_map_resolve_fn)(void *arg, unsigned int pseudo,
				     int32_t imm, int32_t next_imm,
				     uint64_t *value);

/**
 * typedef vn_bpf_region_load_fn - computed loads from a region (e.g. xdp_md)
 * @rc:		run context
 * @r:		the region hit
 * @off:	offset of the load inside the region
 * @size:	1, 2, 4 or 8
 * @val:	out: the loaded value (zero-extended)
 *
 * Lets the XDP layer return 64-bit program-space addresses for the 32-bit
 * xdp_md->data / data_end fields, as the kernel's verifier rewrite does.
 *
 * Return: 0, or a negative errno to abort the run
 */
typedef int (*vn_bpf_region_load_fn)(struct vn_bpf_run_ctx *rc,
				     const struct vn_bpf_region *r, size_t off,
				     unsigned int size, uint64_t *val);

/**
 * struct vn_bpf_env - what a program may use, fixed at load time
 * @helpers:	helper table indexed by helper id; NULL entries are not allowed
 * @nhelpers:	number of entries in @helpers
 * @map_resolve: resolver for LD_IMM64 map references (NULL: they are rejected)
 * @map_arg:	passed to @map_resolve
 * @max_insns:	program size limit in instruction slots (0: VN_BPF_MAX_INSNS)
 * @budget:	instructions per run (0: VN_BPF_BUDGET)
 * @nargs:	argument registers r1..r<nargs> written at entry (0 or 1: r1
 *		only, as XDP; at most 5); runs pass them to vn_bpf_run_args()
 * @flags:	VN_BPF_F_*: engine choice and hardening
 * @arrays:	array maps JIT code may look up inline (@narrays, @lookup_id:
 *		see struct vn_bpf_array_desc)
 * @globals:	fixed global data regions JIT code may reach directly
 *		(@nglobals; see struct vn_bpf_global_desc)
 */
struct vn_bpf_env {
	const vn_bpf_helper_fn *helpers;
	unsigned int nhelpers;
	vn_bpf_map_resolve_fn map_resolve;
	void *map_arg;
	uint32_t max_insns;
	uint64_t budget;
	unsigned int nargs;
	unsigned int flags;
	unsigned int ctx_fields;
	unsigned int ctx_pkt_data;
	unsigned int ctx_pkt_end;
	unsigned int pkt_slot;
	uint32_t pkt_moving[VN_BPF_PKT_MOVING];
	const struct vn_bpf_array_desc *arrays;
	unsigned int narrays;
	unsigned int lookup_id;
	const struct vn_bpf_global_desc *globals;
	unsigned int nglobals;
};

/**
 * struct vn_bpf_array_desc - an array map JIT code may look up inline
 * @values:	host address of element 0, copy 0 (an arena that never moves
 *		while the program lives); NULL: not inlinable
 * @max_entries: elements
 * @value_size:	bytes a lookup maps
 * @elem_stride: bytes from one element to the next (all copies)
 * @cpu_stride:	bytes from one per-CPU copy to the next (0: one copy)
 * @ncpus:	copies; rc->cpu at or past it reads copy 0, as vn_map_lookup_elem()
 * @writable:	programs may store into values
 * @cost:	budget units of a lookup (vn_map_cost())
 *
 * env->arrays[i] describes the map whose handle is VN_BPF_MAP_HANDLE(i),
 * and env->lookup_id is the helper id of map lookup (non-zero to inline):
 * a call to it whose r1 is that constant handle becomes the key's load,
 * the charge, a masked index and vn_bpf_run_ctx_map_value(), exactly what
 * the helper would do.
 */
struct vn_bpf_array_desc {
	void *values;
	uint32_t max_entries;
	uint32_t value_size;
	uint64_t elem_stride;
	uint64_t cpu_stride;
	uint32_t ncpus;
	uint32_t writable;
	uint64_t cost;
};

#define VN_BPF_GLOBALS_MAX	8	/* global data regions JIT code may reach directly */

/**
 * struct vn_bpf_global_desc - a fixed region of global data JIT code may reach directly
 * @base:	host address of its first byte (lives as long as the program)
 * @slot:	the fixed slot every run context of the program maps it at
 *		(vn_bpf_run_ctx_add_region(): offset 0 is @base)
 * @len:	bytes
 * @writable:	programs may store into it
 *
 * env->globals promises that each run's rc->regions[@slot] maps exactly this;
 * JIT code then turns an access at a constant VA of the slot, whose bounds
 * it proves at compile time, into an access at @base plus the offset. Runs
 * whose regions break the promise go to the interpreter.
 */
struct vn_bpf_global_desc {
	void *base;
	uint32_t slot;
	uint32_t len;
	uint32_t writable;
};

#define VN_BPF_F_INTERP		0x1	/* never JIT this program */
#define VN_BPF_F_HARDEN		0x2	/* untrusted: blind JIT constants */

/*
 * env->ctx_fields, when non-zero, promises the JIT that the program's r1 at
 * entry is VN_BPF_VA(VN_BPF_REGION_CTX, 0), a table region
 * (vn_bpf_run_ctx_add_table()) of at least that many 32-bit fields: JIT
 * code then loads those fields straight from rc->ctx_vals[] (the kernel
 * verifier's ctx rewrite). The promise is checked at each run; a run that
 * breaks it goes to the interpreter.
 */
#define VN_BPF_REGION_CTX	1
#define VN_BPF_CTX_FIELDS	8	/* at most, in rc->ctx_vals[] */

/*
 * env->ctx_pkt_data and env->ctx_pkt_end (field index + 1, 0: none) and
 * env->pkt_slot promise more: context field ctx_pkt_data - 1 holds the VA
 * of the packet's first byte and ctx_pkt_end - 1 the VA one past its end,
 * both in slot pkt_slot, whose window covers [data, data_end) whenever a
 * program can read those fields (the caller refreshes them when a helper
 * moves the packet). JIT code then proves packet accesses the program
 * bounds-checked itself (data + n <= data_end, as the kernel's verifier
 * does) and reaches them without the table walk (jit_x86.c).
 * env->pkt_moving lists the helper ids that may move the packet (0 ends
 * the list): a call to one of them, to a subprogram or through callx
 * forgets what was proved; other helper calls keep it.
 */

/**
 * struct vn_bpf_prog - a validated program, immutable after load
 * @insns:	the instructions, map references already resolved to plain
 *		64-bit immediates (src 0)
 * @n:		number of instruction slots
 * @helpers:	private copy of the env's helper table
 * @nhelpers:	entries in @helpers
 * @budget:	instructions per run
 * @max_depth:	deepest BPF-to-BPF call chain, in frames (1 = no calls)
 * @ctx_fields:	env->ctx_fields (0: r1 is not known to be a table context)
 * @ctx_pkt_data: env->ctx_pkt_data, @ctx_pkt_end and @pkt_slot likewise
 * @arrays:	copy of env->arrays (@narrays entries), @lookup_id as in the env
 * @globals:	copy of env->globals (the first VN_BPF_GLOBALS_MAX, @nglobals)
 * @exec:	the interpreter's decoded copy of @insns (private to interp.c)
 * @jit:	native code, or NULL to interpret (private to jit_x86.c)
 */
struct vn_bpf_prog {
	struct vn_bpf_insn *insns;
	size_t n;
	vn_bpf_helper_fn *helpers;
	unsigned int nhelpers;
	uint64_t budget;
	unsigned int max_depth;
	unsigned int ctx_fields;
	unsigned int ctx_pkt_data;
	unsigned int ctx_pkt_end;
	unsigned int pkt_slot;
	uint32_t pkt_moving[VN_BPF_PKT_MOVING];
	struct vn_bpf_array_desc *arrays;
	unsigned int narrays;
	unsigned int lookup_id;
	struct vn_bpf_global_desc globals[VN_BPF_GLOBALS_MAX];
	unsigned int nglobals;
	void *exec;
	struct vn_bpf_jit *jit;
};

/*
 * The program address space. A program never sees a host address: every
 * pointer it can obtain (r1, xdp_md->data/data_end/data_meta, r10 and the
 * stack, map values, global data) is a program-space address (VA):
 *
 *	VA = (uint64_t)gen << 40 | (uint64_t)(slot + 1) << 32 | offset
 *
 * slot indexes rc->regions[]; VA 0 (and every VA below 1 << 32) never
 * maps, so NULL checks keep working. gen is 0 for the fixed slots (stack,
 * context, packet, global data) and a fresh non-zero 24-bit generation for
 * each map value a lookup maps (vn_bpf_run_ctx_map_value()): when the
 * lookup ring reuses a slot, the VAs of the value it held no longer match
 * and fault, instead of reaching the newer value. Map references loaded by
 * LD_IMM64 are opaque handles (VN_BPF_MAP_HANDLE, slot byte 0), never
 * translatable. The translation, identical in the interpreter,
 * vn_bpf_translate() and JIT code, for an access of @size (1..len) bytes
 * at @va:
 *
 *	hi  = va >> 32;
 *	idx = (hi & 0xff) - 1;		// slot byte 0 wraps, fails
 *	off = (uint32_t)va;
 *	r   = &rc->regions[idx];
 *	d   = (uint32_t)(off - r->lo);	// 32-bit wrap: off < lo fails below
 *	ok  = idx < rc->nregions && hi == r->hi && d + size <= r->len
 *	      && (!store || r->writable);	// d + size in 64 bits
 *	host = r->base + off;		// r->base: host address of offset 0
 *
 * r->len is the number of accessible bytes from offset r->lo (< 4 GiB), so
 * the accessible offsets are [lo, lo + len). Regions with a load callback
 * (the xdp_md context) have len 0 in the table, so the fast path always
 * misses on them; the slow path (vn_bpf_translate_slow()) answers loads
 * from them through @load within @load_len bytes. Spectre v1: after the
 * check, idx and off are masked with m = -(uint64_t)ok (0 on failure), so a
 * mispredicted branch reads rc->regions[0].base + 0 (the stack region's
 * base, always inside the run context), never an address the program chose;
 * JIT code clamps idx and off the same way with cmov (jit_x86.c).
 * Stores into slot VN_BPF_REGION_STACK lower rc->stack_dirty to off.
 *
 * Slot 0 is the stack: one region over all frames (base = rc->stack,
 * offsets 0..sizeof(rc->stack)); r10 = VA of the current frame's top, and
 * lo moves with calls so a frame reaches its callers' frames, nothing
 * below itself. Slots below rc->nfixed are set up by the caller (context,
 * packet, global data); the slots above are handed out one per map lookup
 * (vn_bpf_run_ctx_map_value()) as a ring, so a value pointer reaches only
 * that value's value_size bytes, and only until its slot is reused.
 */
#define VN_BPF_VA_SHIFT		32
#define VN_BPF_VA_GEN_SHIFT	40
#define VN_BPF_VA_GEN_MASK	0xffffffu	/* 24-bit value generations */
#define VN_BPF_VA(slot, off)	((((uint64_t)(slot) + 1) << VN_BPF_VA_SHIFT) | (uint32_t)(off))
#define VN_BPF_VA_HI(gen, slot)	((uint32_t)(gen) << 8 | (uint32_t)((slot) + 1))
#define VN_BPF_VA_SLOT(va)	((((va) >> VN_BPF_VA_SHIFT) & 0xff) - 1)
#define VN_BPF_MAP_HANDLE_TAG	0xfffe000000000000ULL	/* never a mapped VA */
#define VN_BPF_MAP_HANDLE(i)	(VN_BPF_MAP_HANDLE_TAG | (uint32_t)(i))

/**
 * struct vn_bpf_region - memory a program may touch during a run
 * @base:	host address of program-space offset 0 of this slot (the first
 *		accessible byte is @base + @lo)
 * @len:	accessible bytes from @lo (0 for computed regions), below 4 GiB
 *		(64 bits wide so JIT code compares d + size with it directly)
 * @lo:		first accessible offset
 * @hi:		the high 32 bits every VA of this slot has: VN_BPF_VA_HI(gen, slot)
 * @writable:	stores and atomics allowed
 * @load:	if set, loads are answered by this callback instead of memory
 * @load_len:	bytes of a computed region (@load set)
 * @arg:	owner's data for @load
 * @end:	@lo + @len, kept by whoever sets them, except for the stack slot
 *		(JIT code's Spectre clamp on packet accesses it proved, see
 *		env->ctx_pkt_data)
 */
struct vn_bpf_region {
	uintptr_t base;
	uint64_t len;
	uint32_t lo;
	uint32_t hi;
	uint32_t writable;
	uint32_t load_len;
	vn_bpf_region_load_fn load;
	void *arg;
	uint32_t end;
	uint32_t pad[3];	/* 64 bytes: JIT code scales a slot with a shift */
};

#define VN_BPF_JIT_VSITES	16	/* inline lookups whose values JIT code reaches directly */

/**
 * struct vn_bpf_jit_state - what JIT code keeps per run, reached from the run context
 * @rsp:	native stack pointer at entry, to unwind from any depth
 * @depth:	current BPF-to-BPF call depth
 * @vhost:	per inline lookup site, the host address of the value its last
 *		run mapped: JIT code's own, never in a region, so no program
 *		can read it (jit_x86_flow.c says when an access may use it)
 */
struct vn_bpf_jit_state {
	uint64_t rsp;
	uint32_t depth;
	uint64_t vhost[VN_BPF_JIT_VSITES];
};

/**
 * struct vn_bpf_run_ctx - per-run (per-thread) state of the VM
 * @regions:	program address space, by slot (see above); slot 0 is the stack
 * @nregions:	used slots: a VA whose slot is >= this faults
 * @nfixed:	slots set up by the caller; lookups use [nfixed, MAX) as a ring
 * @vnext:	next ring slot a map lookup takes
 * @user:	the caller's data for helpers (e.g. the XDP buffer)
 * @budget:	if non-zero, overrides the program's budget for this context
 * @insns_run:	instructions executed by the last run (statistics)
 * @abort_err:	set by vn_bpf_abort() from a helper; ends the run
 * @left:	budget units left in the current run plus one; the engine keeps
 *		its own count in a register and writes it here before a helper
 *		call and reads it back after, so helpers charge through
 *		vn_bpf_charge() (charge.c)
 * @time_cap_ns: wall-clock cap of one run in ns (0: none), see vn_bpf_charge()
 * @t0:		CLOCK_MONOTONIC when the run's first VN_BPF_CLOCK_EVERY units
 *		of helper work started its clock (0: not yet)
 * @clock_units: units charged since the last wall-clock check
 * @stack_dirty: every stack byte below this offset is zero; stores and
 *		helper writes into the stack lower it, and a run zeroes only
 *		[stack_dirty, top) instead of whole frames (the VM's business)
 * @vgen:	generation of the last value slot handed out (24 bits, never 0);
 *		it runs on across runs, so a value VA kept in a map is stale in
 *		every later run too, until it wraps after 2^24 lookups
 * @spec_zero:	always 0: the source of JIT code's Spectre v1 cmov clamps
 * @ctx_fields:	32-bit fields of the table region at VN_BPF_REGION_CTX, 0: none
 * @cpu:	per-CPU map copy this context's runs see (the worker id)
 * @ctx_vals:	their values (a field may hold a 64-bit VA, like xdp_md->data)
 * @jit:	JIT code's per-run state (the VM's business)
 * @stack:	the frames, highest frame first (frame 0 at the top)
 */
struct vn_bpf_run_ctx {
	struct vn_bpf_region regions[VN_BPF_MAX_REGIONS];
	unsigned int nregions;
	unsigned int nfixed;
	unsigned int vnext;
	void *user;
	uint64_t budget;
	uint64_t insns_run;
	int abort_err;
	uint64_t left;
	uint64_t time_cap_ns;
	uint64_t t0;
	uint64_t clock_units;
	uint32_t stack_dirty;
	uint32_t vgen;
	uint32_t spec_zero;
	uint32_t ctx_fields;
	uint32_t cpu;
	uint64_t ctx_vals[VN_BPF_CTX_FIELDS];
	struct vn_bpf_jit_state jit;
	uint8_t stack[VN_BPF_MAX_FRAMES * VN_BPF_STACK_SIZE] __attribute__((aligned(16)));
};

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
		     char *log, size_t log_sz);

/**
 * vn_bpf_prog_jited() - Does a program run as native code?
 * @p:		program
 *
 * Return: 1 for JIT code, 0 for the interpreter
 */
int vn_bpf_prog_jited(const struct vn_bpf_prog *p);

/**
 * vn_bpf_jit_set_enabled() - Choose the default engine for programs loaded next
 * @on:		1: JIT where the CPU supports it (the default), 0: interpreter
 */
void vn_bpf_jit_set_enabled(int on);

/**
 * vn_bpf_jit_supported() - Can this host run JIT code?
 *
 * Return: 1 on x86-64 with BMI2, else 0
 */
int vn_bpf_jit_supported(void);

/**
 * vn_bpf_prog_free() - Free a program from vn_bpf_prog_load()
 * @p:		program or NULL
 */
void vn_bpf_prog_free(struct vn_bpf_prog *p);

/**
 * vn_bpf_run() - Run a program to its EXIT
 * @p:		validated program
 * @rc:		run context (regions set up by the caller; the stack is the VM's)
 * @r1:		initial r1 (usually the context pointer)
 * @err:	out: 0, -EFAULT (access outside every region), -ETIME (budget
 *		exhausted), -E2BIG (call depth), -EINVAL (callx naming an id
 *		with no helper), or a helper's vn_bpf_abort() code
 *
 * Return: r0 at the final EXIT; undefined (0) when *@err is set
 */
uint64_t vn_bpf_run(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
		    uint64_t r1, int *err);

/**
 * vn_bpf_run_args() - Run a program with up to five argument registers
 * @p:		validated program
 * @rc:		run context
 * @args:	initial r1..r<nargs>
 * @nargs:	number of @args (at most 5; registers past it start at zero)
 * @err:	out: as for vn_bpf_run()
 *
 * Return: r0 at the final EXIT; 0 when *@err is set
 */
uint64_t vn_bpf_run_args(const struct vn_bpf_prog *p, struct vn_bpf_run_ctx *rc,
			 const uint64_t *args, unsigned int nargs, int *err);

/**
 * vn_bpf_run_ctx_init() - Prepare a run context (stack region in slot 0)
 * @rc:		run context
 * @user:	caller data for helpers
 */
void vn_bpf_run_ctx_init(struct vn_bpf_run_ctx *rc, void *user);

/**
 * vn_bpf_run_ctx_add_region() - Map [base, base + len) at a new slot's offset 0
 * @rc:		run context
 * @base:	first byte (host)
 * @len:	length, below 4 GiB
 * @writable:	allow stores and atomics
 *
 * The program reaches the bytes at VN_BPF_VA(slot, 0 .. len - 1). Call
 * before the first run; the slots added become fixed (rc->nfixed).
 *
 * Return: the region's slot (>= 1), -ENOSPC when fewer than
 * VN_BPF_VALUE_SLOTS slots would be left for lookups, -EINVAL when @len is
 * 4 GiB or more or the range wraps
 */
int vn_bpf_run_ctx_add_region(struct vn_bpf_run_ctx *rc, const void *base,
			      size_t len, int writable);

/**
 * vn_bpf_run_ctx_add_computed() - Add a region whose loads a callback answers
 * @rc:		run context
 * @len:	bytes of the region (loads past it fault)
 * @load:	callback
 * @arg:	its data (region->arg)
 *
 * Never directly accessible: stores, atomics and helper arguments fault.
 *
 * Return: the region's slot (>= 1), or as vn_bpf_run_ctx_add_region()
 */
int vn_bpf_run_ctx_add_computed(struct vn_bpf_run_ctx *rc, uint32_t len,
				vn_bpf_region_load_fn load, void *arg);

/**
 * vn_bpf_run_ctx_add_table() - Add the context region: fields read from rc->ctx_vals
 * @rc:		run context with only the stack slot so far
 * @nfields:	32-bit fields, 1..VN_BPF_CTX_FIELDS
 *
 * A computed region at slot VN_BPF_REGION_CTX whose aligned 4-byte load
 * at offset 4 * i gives rc->ctx_vals[i] (all 64 bits: a field may yield a
 * VA, as the kernel's ctx rewrite does for xdp_md->data); other loads
 * fail with -EACCES, stores fault. The caller keeps rc->ctx_vals current
 * (before a run and whenever a helper changes what a field says), which is
 * what lets JIT code load a field with one instruction.
 *
 * Return: VN_BPF_REGION_CTX, -EINVAL for a bad @nfields or when slot 1 is
 * taken, or -ENOSPC
 */
int vn_bpf_run_ctx_add_table(struct vn_bpf_run_ctx *rc, unsigned int nfields);

/**
 * vn_bpf_run_ctx_set_window() - Move the accessible window of a fixed slot
 * @rc:		run context
 * @slot:	slot returned by vn_bpf_run_ctx_add_region()
 * @base:	host address of offset 0 (e.g. the packet buffer's start)
 * @lo:		first accessible offset (e.g. the metadata's start)
 * @len:	accessible bytes from @lo; @lo + @len below 4 GiB
 * @writable:	allow stores and atomics
 *
 * Return: 0, or -EINVAL for the stack slot, a slot that is not fixed, or a
 * window past 4 GiB
 */
int vn_bpf_run_ctx_set_window(struct vn_bpf_run_ctx *rc, unsigned int slot,
			      const void *base, uint32_t lo, uint32_t len,
			      int writable);

/**
 * vn_bpf_run_ctx_map_value() - Give a program the VA of exactly @len bytes
 * @rc:		run context of the running program
 * @host:	the bytes (a map value, this worker's copy); NULL gives 0
 * @len:	bytes reachable through the VA (the map's value_size)
 * @writable:	allow stores and atomics
 *
 * Takes the next slot of the lookup ring [nfixed, VN_BPF_MAX_REGIONS) with
 * a fresh generation (rc->vgen): a value VA stays valid for at least
 * VN_BPF_VALUE_SLOTS - 1 later lookups of the same run; once its slot is
 * reused its generation no longer matches and it faults. Every run starts
 * with an empty ring.
 *
 * Return: the VA of @host (offset 0 of its slot), or 0 for a NULL @host
 */
uint64_t vn_bpf_run_ctx_map_value(struct vn_bpf_run_ctx *rc, void *host,
				  uint32_t len, int writable);

/**
 * vn_bpf_run_ctx_truncate() - Forget the regions in slots >= nregions
 * @rc:		run context
 * @nregions:	slots to keep (at least 1: the stack is never removed)
 */
void vn_bpf_run_ctx_truncate(struct vn_bpf_run_ctx *rc, unsigned int nregions);

/**
 * vn_bpf_translate() - Host address of [va, va + len) if it lies in one region
 * @rc:		run context of the running program
 * @va:		program-space address taken from a program register
 * @len:	bytes the caller will touch, at least 1
 * @write:	the caller will write
 *
 * The one way helpers reach program memory: no helper dereferences a
 * register. Computed regions (the XDP context) are never reachable here.
 * A zero @len gives NULL: a helper handles empty ranges itself, before
 * translating.
 *
 * Return: the host pointer, or NULL when the range is not accessible
 */
void *vn_bpf_translate(struct vn_bpf_run_ctx *rc, uint64_t va, size_t len,
		       int write);

/**
 * vn_bpf_host_in_ctx() - Does @v look like a host address this context maps?
 * @rc:		run context
 * @v:		any 64-bit value (a register, a map word)
 *
 * For leak oracles in tests and fuzzers: true when @v lies within a page of
 * any region's host bytes, of the run context itself or of the stack.
 *
 * Return: true when @v is a host address near something the context maps
 */
int vn_bpf_host_in_ctx(const struct vn_bpf_run_ctx *rc, uint64_t v);

/**
 * vn_bpf_abort() - Stop the running program from inside a helper
 * @rc:		run context
 * @err:	negative errno vn_bpf_run() will report
 */
void vn_bpf_abort(struct vn_bpf_run_ctx *rc, int err);

/**
 * vn_bpf_charge_begin() - Start a run's accounting (called by the engines)
 * @rc:		run context
 * @budget:	units the run may use
 */
void vn_bpf_charge_begin(struct vn_bpf_run_ctx *rc, uint64_t budget);

/**
 * vn_bpf_charge() - Charge a helper's work to the running program's budget
 * @rc:		run context of the running program
 * @units:	the work about to be done, in budget units (one unit is about
 *		one interpreted instruction, ~1 ns; see docs/ARCHITECTURE.md
 *		"Cost model")
 *
 * Helpers call this before they do the work. When @units does not fit in
 * what is left of the budget, or the run's wall-clock cap (rc->time_cap_ns)
 * has passed, the run is stopped with -ETIME (vn_bpf_abort()) and the work
 * must not be done. The clock is read once every VN_BPF_CLOCK_EVERY units
 * of helper work, never per instruction; the first read starts it, so a
 * run that charges fewer units never reads it.
 *
 * Return: 0, or -ETIME (the run is stopping)
 */
int vn_bpf_charge(struct vn_bpf_run_ctx *rc, uint64_t units);

#endif /* VN_BPF_VM_H */

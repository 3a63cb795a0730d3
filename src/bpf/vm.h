/* SPDX-License-Identifier: MIT */
/* vm.h - eBPF virtual machine: validate a program once, run it many times
 *
 * Security model: programs may come from an untrusted tenant or guest. The
 * validator (vn_bpf_prog_load()) proves the static rules: known opcodes,
 * registers in range and r10 never written, jumps inside the function and
 * never into the second slot of a 16-byte LD_IMM64, no falling off the end,
 * no read of a register that is not written on every path, calls only to
 * helpers in the env and to subprograms, no recursion, call depth <= 8.
 * What it cannot prove is enforced at run time: every load, store and atomic
 * is checked against the run context's memory regions (stack, context,
 * packet, map values); a miss aborts the run with -EFAULT. Each run has an
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
#define VN_BPF_MAX_REGIONS	32	/* memory regions per run context */
#define VN_BPF_REGION_STACK	0	/* region slot the VM keeps for the stack */

struct vn_bpf_run_ctx;
struct vn_bpf_region;

/**
 * typedef vn_bpf_helper_fn - a helper callable by CALL imm (src 0)
 * @rc:		the run context of the calling program
 * @r1..@r5:	argument registers
 *
 * A helper that dereferences a pointer argument must first call
 * vn_bpf_check_mem(); it may stop the program with vn_bpf_abort().
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
 * @value:	out: the 64-bit value the instruction loads (a map pointer, or
 *		the address of the value bytes plus next_imm)
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
 * Lets the XDP layer return 64-bit host pointers for the 32-bit
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
};

#define VN_BPF_F_INTERP		0x1	/* never JIT this program */
#define VN_BPF_F_HARDEN		0x2	/* untrusted: blind JIT constants */

/**
 * struct vn_bpf_prog - a validated program, immutable after load
 * @insns:	the instructions, map references already resolved to plain
 *		64-bit immediates (src 0)
 * @n:		number of instruction slots
 * @helpers:	private copy of the env's helper table
 * @nhelpers:	entries in @helpers
 * @budget:	instructions per run
 * @max_depth:	deepest BPF-to-BPF call chain, in frames (1 = no calls)
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
	void *exec;
	struct vn_bpf_jit *jit;
};

/**
 * struct vn_bpf_region - memory a program may touch during a run
 * @base:	first byte
 * @len:	length in bytes
 * @writable:	stores and atomics allowed
 * @load:	if set, loads are answered by this callback instead of memory
 * @arg:	owner's data for @load
 */
struct vn_bpf_region {
	uintptr_t base;
	size_t len;
	int writable;
	vn_bpf_region_load_fn load;
	void *arg;
};

/**
 * struct vn_bpf_jit_state - what JIT code keeps per run, reached from the run context
 * @left:	budget units left (charged at backward jumps and calls)
 * @rsp:	native stack pointer at entry, to unwind from any depth
 * @depth:	current BPF-to-BPF call depth
 */
struct vn_bpf_jit_state {
	uint64_t left;
	uint64_t rsp;
	uint32_t depth;
};

/**
 * struct vn_bpf_run_ctx - per-run (per-thread) state of the VM
 * @regions:	memory the program may touch; slot 0 is the stack, kept by the VM
 * @nregions:	used slots
 * @hint:	slot that satisfied the last check (fast path)
 * @user:	the caller's data for helpers (e.g. the XDP buffer)
 * @budget:	if non-zero, overrides the program's budget for this context
 * @insns_run:	instructions executed by the last run (statistics)
 * @abort_err:	set by vn_bpf_abort() from a helper; ends the run
 * @stack_dirty: every stack byte below this address is zero; stores and
 *		helper writes into the stack lower it, and a run zeroes only
 *		[stack_dirty, top) instead of whole frames (the VM's business)
 * @jit:	JIT code's per-run state (the VM's business)
 * @stack:	the frames, highest frame first (frame 0 at the top)
 */
struct vn_bpf_run_ctx {
	struct vn_bpf_region regions[VN_BPF_MAX_REGIONS];
	unsigned int nregions;
	unsigned int hint;
	void *user;
	uint64_t budget;
	uint64_t insns_run;
	int abort_err;
	uintptr_t stack_dirty;
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
 *		exhausted), -E2BIG (call depth), or a helper's vn_bpf_abort() code
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
			      size_t len, int writable);

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
			      const void *base, size_t len, int writable);

/**
 * vn_bpf_run_ctx_truncate() - Forget the regions in slots >= nregions
 * @rc:		run context
 * @nregions:	slots to keep (at least 1: the stack is never removed)
 */
void vn_bpf_run_ctx_truncate(struct vn_bpf_run_ctx *rc, unsigned int nregions);

/**
 * vn_bpf_check_mem() - Check that [ptr, ptr + len) lies inside one region
 * @rc:		run context of the running program
 * @ptr:	address taken from a program register
 * @len:	bytes the caller will touch (0 is always allowed)
 * @write:	the caller will write
 *
 * For helpers that dereference pointers passed by the program. Regions with
 * a load callback are never directly accessible. A zero @len succeeds for
 * any @ptr, NULL included: a helper must then not pass @ptr to memcpy() or
 * memset() (undefined behaviour in C even for zero bytes).
 *
 * Return: 0, or -EFAULT
 */
int vn_bpf_check_mem(struct vn_bpf_run_ctx *rc, uint64_t ptr, size_t len,
		     int write);

/**
 * vn_bpf_abort() - Stop the running program from inside a helper
 * @rc:		run context
 * @err:	negative errno vn_bpf_run() will report
 */
void vn_bpf_abort(struct vn_bpf_run_ctx *rc, int err);

#endif /* VN_BPF_VM_H */

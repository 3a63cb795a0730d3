// SPDX-License-Identifier: MIT
/* charge.c - a run's budget: instructions, helper work and a wall-clock cap
 *
 * One account per run, shared by both engines and every helper. The engine
 * charges one unit per instruction dispatched (the interpreter) or per
 * backward jump and call (a JIT's counted blocks), and VN_BPF_COST_CALL for
 * a BPF-to-BPF call; helpers charge what they are about to do through
 * vn_bpf_charge() before they do it: a hash probe by key size, an LPM walk
 * by the prefix lengths it visits, a copy by its length. A run therefore
 * ends after at most its budget of units, whatever mix of instructions and
 * helpers it makes, and the wall clock stops a run whose helpers cost more
 * than their charge says (a cache-cold map, a slow machine).
 */
#include <errno.h>

#include "bpf/vm.h"
#include "core/clock.h"
#include "core/compiler.h"

/**
 * vn_bpf_charge_begin() - Start a run's accounting (called by the engines)
 * @rc:		run context
 * @budget:	units the run may use
 */
void vn_bpf_charge_begin(struct vn_bpf_run_ctx *rc, uint64_t budget)
{
	rc->left = budget + 1;
	rc->t0 = 0;
	rc->clock_units = 0;
}

/*
 * Has the run passed its wall-clock cap? Called once VN_BPF_CLOCK_EVERY
 * units of helper work have been charged since the last call; the first
 * call starts the clock. A run that charges less (every ordinary XDP
 * program: a few lookups) never reads it.
 */
static int clock_expired(struct vn_bpf_run_ctx *rc)
{
	uint64_t now = vn_mono_ns();

	rc->clock_units = 0;
	if (!rc->t0) {
		rc->t0 = now;
		return 0;
	}
	return now - rc->t0 >= rc->time_cap_ns;
}

/**
 * vn_bpf_charge() - Charge a helper's work to the running program's budget
 * @rc:		run context of the running program
 * @units:	the work about to be done, in budget units
 *
 * Return: 0, or -ETIME (the run is stopping: do not do the work)
 */
int vn_bpf_charge(struct vn_bpf_run_ctx *rc, uint64_t units)
{
	/* More work than the budget has left: refused before it is done */
	if (unlikely(units >= rc->left)) {
		rc->left = 1;
		vn_bpf_abort(rc, -ETIME);
		return -ETIME;
	}
	rc->left -= units;
	if (!rc->time_cap_ns)
		return 0;
	rc->clock_units += units;
	if (rc->clock_units < VN_BPF_CLOCK_EVERY || !clock_expired(rc))
		return 0;
	vn_bpf_abort(rc, -ETIME);
	return -ETIME;
}

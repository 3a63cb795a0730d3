// SPDX-License-Identifier: MIT
/* fuzz_bpf_vm.c - libFuzzer: bytes -> instructions -> validator -> interpreter
 *
 * The input is taken as eBPF instruction slots. If the validator accepts
 * them, the program runs on a 64-byte packet with a small budget. Invariants:
 * no crash or sanitizer report, only the documented run errors, the
 * guard bytes around the packet (outside every region) never change, and
 * (leak oracle) neither r0 nor any 8-byte word of the packet or the map
 * holds a host address: one near the run context, the buffers, this
 * thread's stack or the code.
 * Cost oracle: fz_memset() charges its bytes through vn_bpf_charge() as the
 * XDP helpers do, so a run never uses more units than its budget, never
 * clears more bytes than the budget pays for, and never lasts longer than
 * its wall-clock cap plus a generous margin for sanitizer builds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/vm.h"
#include "core/clock.h"

#define GUARD	32
#define PKT	64
#define BUDGET	20000
#define TIME_CAP_NS	(10 * 1000 * 1000ull)
#define TIME_BOUND_NS	(1000 * 1000 * 1000ull)	/* the cap, with room for ASan */

static uint64_t fz_bytes;	/* bytes fz_memset() cleared in this run */

static uint64_t fz_sum(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
		       uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)rc;
	return r1 ^ r2 ^ r3 ^ r4 ^ r5;
}

/* fz_memset() - a helper taking (ptr, len, byte), as csum_diff-like helpers do */
static uint64_t fz_memset(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			  uint64_t r3, uint64_t r4, uint64_t r5)
{
	void *p;

	(void)r4; (void)r5;
	/* a zero length proves nothing about the pointer (it may be NULL) */
	if (!r2)
		return 0;
	if (r2 > 4096 || !(p = vn_bpf_translate(rc, r1, (size_t)r2, 1))) {
		vn_bpf_abort(rc, -EFAULT);
		return 0;
	}
	/* the XDP helpers' price for a copy: 4 + 1 per 16 bytes */
	if (vn_bpf_charge(rc, 4 + r2 / 16))
		return 0;
	fz_bytes += r2;
	memset(p, (int)r3, (size_t)r2);
	return r2;
}

static uint64_t fz_map[4];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fz_resolve(void *arg, unsigned int pseudo, int32_t imm, int32_t next_imm,
		      uint64_t *value)
{
	(void)arg;
	if (imm != 0)
		return -ENOENT;
	/* the map's values are slot 2 (the packet is slot 1); the map is a handle */
	if (pseudo == 2 || pseudo == 6)
		*value = VN_BPF_VA(2, 0) + (uint64_t)(int64_t)next_imm;
	else
		*value = VN_BPF_MAP_HANDLE(0);
	return 0;
}

/* near() - is @v within @span bytes of @base, either side? */
static int near(uint64_t v, uintptr_t base, uint64_t span)
{
	return v - (base - span) < 2 * span;
}

/* host_value() - the leak oracle: does @v look like an address of this process? */
static int host_value(const struct vn_bpf_run_ctx *rc, uint64_t v, const void *buf)
{
	int local;

	return vn_bpf_host_in_ctx(rc, v) || near(v, (uintptr_t)buf, 1 << 20) ||
	       near(v, (uintptr_t)fz_map, 1 << 20) || near(v, (uintptr_t)&local, 1 << 20) ||
	       near(v, (uintptr_t)&LLVMFuzzerTestOneInput, 64 << 20) ||
	       near(v, (uintptr_t)&memset, 64 << 20);
}

/* leaks() - any 8-byte window of [p, p + n) that holds a host address */
static int leaks(const struct vn_bpf_run_ctx *rc, const void *p, size_t n, const void *buf)
{
	for (size_t i = 0; i + 8 <= n; i++) {
		uint64_t v;

		memcpy(&v, (const uint8_t *)p + i, 8);
		if (host_value(rc, v, buf))
			return 1;
	}
	return 0;
}

static const vn_bpf_helper_fn fz_helpers[] = { NULL, fz_sum, fz_memset };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vn_bpf_run_ctx rc;
	const struct vn_bpf_env env = {
		.helpers = fz_helpers, .nhelpers = 3, .map_resolve = fz_resolve,
		.max_insns = 4096, .budget = BUDGET, .flags = VN_BPF_F_INTERP,
	};
	size_t n = size / sizeof(struct vn_bpf_insn);
	struct vn_bpf_insn *insns;
	struct vn_bpf_prog *p;
	uint8_t *buf;
	char log[256];
	uint64_t t0, r0;
	int err, i;

	if (n == 0 || n > 4096)
		return 0;
	insns = malloc(n * sizeof(*insns));
	memcpy(insns, data, n * sizeof(*insns));
	err = vn_bpf_prog_load(insns, n, &env, &p, log, sizeof(log));
	free(insns);
	if (err) {
		if (err != -EINVAL && err != -ENOENT)
			abort();
		return 0;
	}
	buf = malloc(PKT + 2 * GUARD);
	memset(buf, 0xee, PKT + 2 * GUARD);
	vn_bpf_run_ctx_init(&rc, NULL);
	vn_bpf_run_ctx_add_region(&rc, buf + GUARD, PKT, 1);
	vn_bpf_run_ctx_add_region(&rc, fz_map, sizeof(fz_map), 1);
	memset(fz_map, 0, sizeof(fz_map));
	rc.time_cap_ns = TIME_CAP_NS;
	fz_bytes = 0;
	t0 = vn_mono_ns();
	r0 = vn_bpf_run(p, &rc, VN_BPF_VA(1, 0), &err);
	/* -EINVAL: a callx naming an id with no helper */
	if (err && err != -EFAULT && err != -ETIME && err != -EINVAL)
		abort();
	/* the cost oracle: units within the budget, work within what they pay */
	if (rc.insns_run > BUDGET || fz_bytes > 16ull * BUDGET ||
	    vn_mono_ns() - t0 > TIME_BOUND_NS)
		abort();
	/* no program can learn a host address, so none can store or return one */
	if (host_value(&rc, r0, buf) || leaks(&rc, buf + GUARD, PKT, buf) ||
	    leaks(&rc, fz_map, sizeof(fz_map), buf))
		abort();
	/* nothing outside the regions moved */
	for (i = 0; i < GUARD; i++)
		if (buf[i] != 0xee || buf[GUARD + PKT + i] != 0xee)
			abort();
	free(buf);
	vn_bpf_prog_free(p);
	return 0;
}

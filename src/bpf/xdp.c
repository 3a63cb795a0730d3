// SPDX-License-Identifier: MIT
/* xdp.c - XDP program runner: context, frame region, verdicts, offload fix-up
 *
 * See xdp.h for the context layout and the offload metadata rules. Per-run
 * cost outside the program: set the frame region, (offload frames only)
 * copy and compare up to VN_XDP_HDR_SNAPSHOT header bytes, count the verdict.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/clock.h"
#include "core/compiler.h"
#include "core/csum.h"
#include "core/log.h"
#include "xdp_internal.h"

#define XDP_ETH_HLEN	14
#define XDP_HELPERS_MAX	256	/* room for vnetd's helper table, by kernel id */
#define NS_PER_SEC	1000000000ull
#define VALIDATE_BYTES_PER_INSN	32	/* validate.c: copy, flags, function, init tables */

/**
 * xdp_prng_seed() - A fresh bpf_get_prandom_u32() state from getrandom()
 * @state:	out: non-zero state
 *
 * Return: 0, or a negative errno when the kernel gives no random bytes
 */
int xdp_prng_seed(uint64_t *state)
{
	uint64_t s = 0;
	ssize_t n;

	do {
		n = getrandom(&s, sizeof(s), 0);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(s))
		return n < 0 ? -errno : -EIO;
	/* xorshift64 stays at zero forever: any other state will do */
	*state = s ? s : 0x9e3779b97f4a7c15ULL;
	return 0;
}

/*
 * LD_IMM64 map references: object map index -> an opaque map handle, or the
 * program-space address of a direct value. Never a host address.
 */
static int xdp_map_resolve(void *arg, unsigned int pseudo, int32_t imm, int32_t next_imm,
			   uint64_t *value)
{
	struct vn_xdp_prog *xp = arg;
	struct vn_map *m;

	/* Map index past the object's maps, or one the program does not use */
	if (imm < 0 || (unsigned int)imm >= xp->obj->nmaps || !xp->xmap[imm])
		return -EINVAL;
	m = xp->obj->maps[imm].map;
	if (pseudo == VN_BPF_PSEUDO_MAP_IDX && next_imm == 0) {
		*value = VN_BPF_MAP_HANDLE(xp->xmap[imm] - 1u);
		return 0;
	}
	/* Direct value access: single-value arrays only, offset inside the value */
	if (pseudo == VN_BPF_PSEUDO_MAP_IDX_VALUE && m->type == BPF_MAP_TYPE_ARRAY &&
	    xp->gslot[imm] && next_imm >= 0 && (uint32_t)next_imm < m->value_size) {
		*value = VN_BPF_VA(xp->gslot[imm], (uint32_t)next_imm);
		return 0;
	}
	return -EINVAL;
}

/* prog_map_writable() - may the program store into this map's values? */
static int prog_map_writable(const struct vn_map *map)
{
	return map->type != BPF_MAP_TYPE_DEVMAP && !(map->map_flags & BPF_F_RDONLY_PROG);
}

/*
 * Maps the program references: helpers accept these through their handles;
 * direct-value (global data) arrays get a fixed slot each
 */
static int collect_prog_maps(struct vn_xdp_prog *xp, const struct vn_bpf_obj_prog *op)
{
	bool used[VN_BPF_OBJ_MAPS_MAX] = { false }, direct[VN_BPF_OBJ_MAPS_MAX] = { false };
	unsigned int nglobal = 0;

	for (size_t i = 0; i + 1 < op->n; i++) {
		const struct vn_bpf_insn *in = &op->insns[i];

		if (in->code != VN_BPF_LD_IMM64)
			continue;
		if ((in->src == VN_BPF_PSEUDO_MAP_IDX || in->src == VN_BPF_PSEUDO_MAP_IDX_VALUE) &&
		    in->imm >= 0 && (unsigned int)in->imm < xp->obj->nmaps) {
			used[in->imm] = true;
			direct[in->imm] |= in->src == VN_BPF_PSEUDO_MAP_IDX_VALUE;
		}
		i++;
	}
	for (unsigned int m = 0; m < xp->obj->nmaps; m++) {
		struct vn_map *map = xp->obj->maps[m].map;

		if (!used[m])
			continue;
		/* Write-only values would need loads that fault: not offered */
		if (map->map_flags & BPF_F_WRONLY_PROG) {
			vn_err("xdp '%s': map %u has BPF_F_WRONLY_PROG, which is not supported",
			       xp->name, m);
			return -EOPNOTSUPP;
		}
		xp->maps[xp->nmaps++] = map;
		xp->xmap[m] = (uint8_t)xp->nmaps;
		if (direct[m] && map->type == BPF_MAP_TYPE_ARRAY)
			xp->gslot[m] = (uint8_t)(XDP_SLOT_GLOBAL + nglobal++);
	}
	/* Stack, context, frame, then the global data slots; the rest are for lookups */
	if (XDP_SLOT_GLOBAL + nglobal + VN_BPF_VALUE_SLOTS >= VN_BPF_MAX_REGIONS) {
		vn_err("xdp '%s': uses %u global data maps, at most %u per program", xp->name,
		       nglobal, VN_BPF_MAX_REGIONS - VN_BPF_VALUE_SLOTS - XDP_SLOT_GLOBAL - 1);
		return -E2BIG;
	}
	return 0;
}

static int init_run(struct vn_xdp_prog *xp, struct vn_xdp_run *run, unsigned int worker,
		    uint64_t budget, uint64_t time_cap_ns)
{
	const uint64_t ctx_va = VN_BPF_VA(XDP_SLOT_CTX, 0);
	int slot, ret;

	vn_bpf_run_ctx_init(&run->rc, run);
	run->rc.budget = budget;
	run->rc.time_cap_ns = time_cap_ns;
	run->cpu_tokens = (int64_t)xp->cpu_burst;
	/* the bucket is full now: refills count from here */
	run->cpu_last_ns = vn_mono_ns();
	run->xp = xp;
	run->worker = worker;
	ret = xdp_prng_seed(&run->rnd);
	if (ret)
		return ret;
	slot = vn_bpf_run_ctx_add_table(&run->rc, XDP_MD_SIZE / 4);
	if (slot != XDP_SLOT_CTX)
		return slot < 0 ? slot : -EINVAL;
	run->rc.ctx_vals[XDP_MD_RXQ / 4] = worker;
	run->rc.cpu = worker;	/* the per-CPU copies this worker's lookups see */
	run->rc.ctx_vals[XDP_MD_EGRESS / 4] = 0;
	slot = vn_bpf_run_ctx_add_region(&run->rc, NULL, 0, 1);
	if (slot != XDP_SLOT_PKT)
		return slot < 0 ? slot : -EINVAL;
	run->pkt_slot = (unsigned int)slot;
	for (unsigned int m = 0; m < xp->obj->nmaps; m++) {
		const struct vn_map *map = xp->obj->maps[m].map;

		if (!xp->gslot[m])
			continue;
		/* in object order, as collect_prog_maps() numbered them */
		slot = vn_bpf_run_ctx_add_region(&run->rc, map->values, map->value_size,
						 prog_map_writable(map));
		if (slot != xp->gslot[m])
			return slot < 0 ? slot : -EINVAL;
	}
	/* the fixed slots are final: whether the JIT code fits this context
	 * holds for every run, so it is asked once */
	run->jit_ok = vn_bpf_jit_usable(xp->prog, &run->rc, &ctx_va, 1);
	return 0;
}

/* The owner's CPU budget: defaults, and a rate the refill arithmetic can hold */
static int cpu_budget_setup(struct vn_xdp_prog *xp, const struct vn_xdp_opts *opts)
{
	uint64_t budget = opts->budget ? opts->budget : VN_BPF_BUDGET;

	/* More than four CPUs' worth of units per second per worker */
	if (opts->cpu_rate > VN_XDP_CPU_RATE_MAX)
		return -EINVAL;
	xp->cpu_rate = opts->cpu_rate;
	xp->cpu_burst = opts->cpu_burst ? opts->cpu_burst : 10 * budget;
	/* A burst the token count (signed) cannot hold */
	if (xp->cpu_burst > INT64_MAX / 2)
		return -EINVAL;
	return 0;
}

/* The helper table of the program's class (NULL entries are refused at load) */
static int class_helpers(struct vn_xdp_prog *xp, const struct vn_xdp_opts *opts,
			 vn_bpf_helper_fn *tbl, struct vn_bpf_env *env)
{
	const vn_bpf_helper_fn *all = vn_xdp_helpers(&env->nhelpers);

	/* Unknown class */
	if ((unsigned int)opts->class > VN_XDP_CLASS_RESTRICTED)
		return -EINVAL;
	VN_ASSERT(env->nhelpers <= XDP_HELPERS_MAX);
	xp->class = opts->class;
	for (unsigned int i = 0; i < env->nhelpers; i++)
		tbl[i] = vn_xdp_helper_allowed(opts->class, i) ? all[i] : NULL;
	env->helpers = tbl;
	return cpu_budget_setup(xp, opts);
}

/*
 * A restricted program's helper calls, before the validator sees them: the
 * first one it may not make is refused by name (the validator would only
 * give its number)
 */
static int restricted_calls(const struct vn_xdp_prog *xp, const struct vn_bpf_obj_prog *op,
			    const struct vn_xdp_opts *opts)
{
	unsigned int n;

	if (opts->class != VN_XDP_CLASS_RESTRICTED)
		return 0;
	vn_xdp_helpers(&n);
	for (size_t i = 0; i < op->n; i++) {
		const struct vn_bpf_insn *in = &op->insns[i];
		unsigned int id = (unsigned int)in->imm;

		if (in->code != (VN_BPF_JMP | VN_BPF_CALL) || in->src != VN_BPF_CALL_HELPER)
			continue;
		if (in->imm >= 0 && id < n && vn_xdp_helper_allowed(opts->class, id) &&
		    !(opts->no_redirect && (id == BPF_FUNC_redirect || id == BPF_FUNC_redirect_map)))
			continue;
		/* a helper vnetd does not have is the validator's to refuse */
		if (in->imm >= 0 && id < n && !vn_xdp_helpers(&n)[id])
			continue;
		vn_err("xdp '%s': instruction %zu: helper %d (%s) is not allowed for %s programs",
		       xp->name, i, in->imm, vn_xdp_helper_name(id),
		       opts->no_redirect ? "guest" : "restricted");
		return -EINVAL;	/* what the validator answers for a refused call */
	}
	return 0;
}

static int xdp_prog_setup(struct vn_xdp_prog *xp, const char *prog_name,
			  const struct vn_xdp_opts *opts)
{
	const struct vn_bpf_obj_prog *op = vn_bpf_obj_prog_find(xp->obj, prog_name);
	struct vn_bpf_env env = { .map_resolve = xdp_map_resolve, .map_arg = xp };
	vn_bpf_helper_fn helpers[XDP_HELPERS_MAX];
	struct vn_bpf_array_desc arrays[VN_BPF_OBJ_MAPS_MAX];
	struct vn_bpf_global_desc globals[VN_BPF_GLOBALS_MAX];
	char log[256] = "";
	int ret;

	if (!op) {
		char esc[VN_BPF_OBJ_NAME_MAX];

		vn_err("obj '%s': no XDP program '%s'", xp->obj->name,
		       vn_log_escape(prog_name ? prog_name : "", esc, sizeof(esc)));
		return -ENOENT;
	}
	snprintf(xp->name, sizeof(xp->name), "%s:%s", xp->obj->name, op->name);
	ret = collect_prog_maps(xp, op);
	if (ret)
		return ret;
	ret = class_helpers(xp, opts, helpers, &env);
	if (!ret)
		ret = restricted_calls(xp, op, opts);
	if (ret)
		return ret;
	/* The validator's working tables (about 32 bytes an instruction), for
	 * as long as it runs */
	if (vn_bpf_owner_charge(opts->owner, op->n * VALIDATE_BYTES_PER_INSN)) {
		vn_err("xdp '%s': validating %zu instructions passes the owner's memory cap",
		       xp->name, op->n);
		return -ENOMEM;
	}
	env.flags = opts->vm_flags;
	env.ctx_fields = XDP_MD_SIZE / 4;	/* r1 is the xdp_md table (init_run()) */
	/* data and data_end bound the frame slot's window (xdp_set_pkt_region()) */
	env.ctx_pkt_data = XDP_MD_DATA / 4 + 1;
	env.ctx_pkt_end = XDP_MD_DATA_END / 4 + 1;
	env.pkt_slot = XDP_SLOT_PKT;
	env.pkt_moving[0] = BPF_FUNC_xdp_adjust_head;
	env.pkt_moving[1] = BPF_FUNC_xdp_adjust_meta;
	env.pkt_moving[2] = BPF_FUNC_xdp_adjust_tail;
	/* arrays JIT code may look up inline: their arenas live as long as xp */
	for (unsigned int i = 0; i < xp->nmaps; i++) {
		const struct vn_map *m = xp->maps[i];

		memset(&arrays[i], 0, sizeof(arrays[i]));
		if (m->type != BPF_MAP_TYPE_ARRAY && m->type != BPF_MAP_TYPE_PERCPU_ARRAY)
			continue;
		arrays[i] = (struct vn_bpf_array_desc){
			.values = m->values, .max_entries = m->max_entries,
			.value_size = m->value_size,
			.elem_stride = (uint64_t)m->ncpus * m->vstride,
			.cpu_stride = m->ncpus > 1 ? m->vstride : 0, .ncpus = m->ncpus,
			.writable = (uint32_t)prog_map_writable(m),
			.cost = (uint32_t)vn_map_cost(m, VN_MAP_OP_LOOKUP),
		};
	}
	env.arrays = arrays;
	env.narrays = xp->nmaps;
	env.lookup_id = BPF_FUNC_map_lookup_elem;
	/* global data: init_run() maps each at its fixed slot, in every run context */
	for (unsigned int m = 0; m < xp->obj->nmaps && env.nglobals < VN_BPF_GLOBALS_MAX; m++) {
		const struct vn_map *map = xp->obj->maps[m].map;

		if (!xp->gslot[m])
			continue;
		globals[env.nglobals++] = (struct vn_bpf_global_desc){
			.base = map->values, .slot = xp->gslot[m], .len = map->value_size,
			.writable = (uint32_t)prog_map_writable(map),
		};
	}
	env.globals = globals;
	ret = vn_bpf_prog_load(op->insns, op->n, &env, &xp->prog, log, sizeof(log));
	vn_bpf_owner_uncharge(opts->owner, op->n * VALIDATE_BYTES_PER_INSN);
	if (ret) {
		vn_err("xdp '%s': rejected: %s", xp->name, log);
		return ret;
	}
	/* One ~8.5 KiB run context per worker (64 regions of 64 bytes, the
	 * 4 KiB stack): charged like the maps */
	xp->owner = opts->owner;
	if (vn_bpf_owner_charge(xp->owner, xp->nworkers *
				(sizeof(*xp->runs) + sizeof(*xp->stats)))) {
		vn_err("xdp '%s': %u run contexts pass the owner's memory cap", xp->name,
		       xp->nworkers);
		return -ENOMEM;
	}
	xp->charged = xp->nworkers * (sizeof(*xp->runs) + sizeof(*xp->stats));
	/* The validated copy of the instructions and the interpreter's
	 * decoded one (16 bytes a slot) */
	if (vn_bpf_owner_charge(xp->owner, xp->prog->n * (sizeof(*xp->prog->insns) + 16)))
		return -ENOMEM;
	xp->charged += xp->prog->n * (sizeof(*xp->prog->insns) + 16);
	xp->runs = calloc(xp->nworkers, sizeof(*xp->runs));
	xp->stats = calloc(xp->nworkers, sizeof(*xp->stats));
	if (!xp->runs || !xp->stats)
		return -ENOMEM;
	for (unsigned int w = 0; w < xp->nworkers; w++) {
		ret = init_run(xp, &xp->runs[w], w, opts->budget, opts->time_cap_ns);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * xdp_prog_open() - Load an object from @path when @file, else from @buf, and
 * validate one of its XDP programs
 */
static int xdp_prog_open(bool file, const char *path, const void *buf, size_t len, const char *name,
			 const char *prog_name, const struct vn_xdp_opts *opts,
			 struct vn_xdp_prog **out)
{
	static const struct vn_xdp_opts defaults;
	struct vn_bpf_obj_opts oo = { 0 };
	struct vn_xdp_prog *xp;
	int ret;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	/* More workers than per-CPU maps can have copies for */
	if (opts->nworkers > VN_XDP_WORKERS_MAX)
		return -EINVAL;
	xp = calloc(1, sizeof(*xp));
	if (!xp)
		return -ENOMEM;
	xp->nworkers = opts->nworkers ? opts->nworkers : 1;
	oo.owner = opts->owner;
	oo.ncpus = xp->nworkers;
	/* untrusted owners hand in small objects only */
	if (opts->class == VN_XDP_CLASS_RESTRICTED)
		oo.max_bytes = VN_BPF_OBJ_SIZE_GUEST;
	ret = file ? vn_bpf_obj_open_file(path, &oo, &xp->obj)
		   : vn_bpf_obj_open_mem(buf, len, name, &oo, &xp->obj);
	if (!ret)
		ret = xdp_prog_setup(xp, prog_name, opts);
	if (ret) {
		vn_xdp_prog_close(xp);
		return ret;
	}
	*out = xp;
	return 0;
}

/**
 * vn_xdp_prog_open_mem() - Load an object and validate one of its XDP programs
 * @buf:	ELF bytes
 * @len:	length
 * @name:	object name for messages
 * @prog_name:	function or section name; NULL for the first program
 * @opts:	owner, workers (may be NULL)
 * @out:	the program
 *
 * Return: 0 or a negative errno (logged)
 */
int vn_xdp_prog_open_mem(const void *buf, size_t len, const char *name,
			 const char *prog_name, const struct vn_xdp_opts *opts,
			 struct vn_xdp_prog **out)
{
	return xdp_prog_open(false, NULL, buf, len, name, prog_name, opts, out);
}

/**
 * vn_xdp_prog_open_file() - vn_xdp_prog_open_mem() on a file
 * @path:	object file
 * @prog_name:	function or section name; NULL for the first program
 * @opts:	owner, workers (may be NULL)
 * @out:	the program
 *
 * Return: as vn_xdp_prog_open_mem()
 */
int vn_xdp_prog_open_file(const char *path, const char *prog_name,
			  const struct vn_xdp_opts *opts, struct vn_xdp_prog **out)
{
	return xdp_prog_open(true, path, NULL, 0, NULL, prog_name, opts, out);
}

/**
 * vn_xdp_prog_close() - Free a program, its object and maps
 * @xp:		program, may be NULL
 */
void vn_xdp_prog_close(struct vn_xdp_prog *xp)
{
	if (!xp)
		return;
	vn_bpf_owner_uncharge(xp->owner, xp->charged);
	vn_bpf_prog_free(xp->prog);
	vn_bpf_obj_close(xp->obj);
	free(xp->runs);
	free(xp->stats);
	free(xp);
}

/* Header bytes whose meaning the offload metadata depends on */
static uint32_t offload_span(const struct vn_pkt *pkt)
{
	const struct vn_vhdr *vh = &pkt->vh;
	uint32_t s = vh->hdr_len;

	if (!(vh->flags & VN_VHDR_F_NEEDS_CSUM) && vh->gso_type == VN_VHDR_GSO_NONE)
		return 0;
	if (vh->flags & VN_VHDR_F_NEEDS_CSUM)
		s = VN_MAX(s, (uint32_t)vh->csum_start + vh->csum_offset + 2);
	return VN_MIN(VN_MIN(s, (uint32_t)VN_XDP_HDR_SNAPSHOT), pkt->len);
}

/* Apply the xdp.h rules after a run; returns the (possibly changed) verdict */
static int offload_fixup(struct vn_xdp_run *run, struct vn_xdp_stats *st, int act,
			 const uint8_t *snap, uint32_t span, uint32_t old_len)
{
	struct vn_pkt *pkt = run->pkt;
	struct vn_vhdr *vh = &pkt->vh;
	int32_t d = run->head_shift;
	uint32_t l3 = VN_MIN(span, (uint32_t)XDP_ETH_HLEN);
	bool intact;

	if (likely(!span && !d && !run->tail_moved))
		return act;
	/* The headers past Ethernet, unchanged at their (shifted) place */
	intact = !run->tail_moved && d >= 0 && pkt->len == old_len + (uint32_t)d &&
		 (!span || !memcmp(vn_pkt_data(pkt) + l3 + d, snap + l3, span - l3));
	if (!span || (intact && (d == 0 || !vn_vhdr_is_gso(vh)))) {
		if (span && d) {				/* case 2 */
			vh->csum_start = (uint16_t)(vh->csum_start + d);
			if (vh->hdr_len)
				vh->hdr_len = (uint16_t)(vh->hdr_len + d);
			st->offload_shifted++;
		} else if (!span && (run->tail_moved || d < 0)) {
			vh->flags &= (uint8_t)~VN_VHDR_F_DATA_VALID;
		}
		return act;					/* case 1 */
	}
	vh->flags &= (uint8_t)~VN_VHDR_F_DATA_VALID;		/* case 3 */
	if (vn_vhdr_is_gso(vh)) {
		st->offload_broken++;
		return XDP_ABORTED;
	}
	st->offload_csum_sw++;
	if (vn_csum_complete(pkt) != VN_DROP_NONE)
		return XDP_ABORTED;
	return act;
}

/*
 * The owner's CPU budget, a token bucket per worker in budget units: runs
 * spend their units after the fact, so the count may go negative by one
 * run. While it is not positive the clock is read and the bucket refilled
 * by the time since the last refill (at most cpu_burst); a bucket still
 * empty means the frame is not run. The clock is read only when the bucket
 * is empty, never on the common path.
 */
static bool cpu_throttled(const struct vn_xdp_prog *xp, struct vn_xdp_run *run)
{
	uint64_t now, dt, add = 0, room;

	if (likely(!xp->cpu_rate || run->cpu_tokens > 0))
		return false;
	now = vn_mono_ns();
	dt = run->cpu_last_ns ? now - run->cpu_last_ns : 0;
	run->cpu_last_ns = now;
	room = (uint64_t)((int64_t)xp->cpu_burst - run->cpu_tokens);
	/* dt * rate / 1e9 without overflow: rate <= VN_XDP_CPU_RATE_MAX < 2^33 */
	if (dt / NS_PER_SEC >= room / xp->cpu_rate + 1)
		add = room;
	else
		add = VN_MIN(room, dt / NS_PER_SEC * xp->cpu_rate +
				   dt % NS_PER_SEC * xp->cpu_rate / NS_PER_SEC);
	run->cpu_tokens += (int64_t)add;
	return run->cpu_tokens <= 0;
}

/*
 * Spend a run's units. A run stopped by -ETIME may have met the wall-clock
 * cap with fewer units than it took time (a helper dearer than its charge):
 * it pays its whole budget, so runs that hit the cap empty the bucket as
 * fast as runs that use their budget.
 */
static void cpu_spend(const struct vn_xdp_prog *xp, struct vn_xdp_run *run, int err)
{
	uint64_t units = run->rc.insns_run;

	if (err == -ETIME)
		units = VN_MAX(units, run->rc.budget ? run->rc.budget : xp->prog->budget);
	run->cpu_tokens -= (int64_t)units;
}

static int count_verdict(struct vn_xdp_stats *st, int act)
{
	switch (act) {
	case XDP_DROP:		st->drop++; break;
	case XDP_PASS:		st->pass++; break;
	case XDP_TX:		st->tx++; break;
	case XDP_REDIRECT:	st->redirect++; break;
	default:		st->aborted++; act = XDP_ABORTED; break;
	}
	return act;
}

/**
 * vn_xdp_run() - Run the program on one frame
 * @xp:		program
 * @pkt:	frame
 * @worker:	calling worker id, < xp->nworkers
 * @redirect_port: out: target port id for XDP_REDIRECT
 *
 * Return: the verdict (kernel XDP_* values)
 */
int vn_xdp_run(struct vn_xdp_prog *xp, struct vn_pkt *pkt, unsigned int worker,
	       uint32_t *redirect_port)
{
	struct vn_xdp_run *run;
	struct vn_xdp_stats *st;
	uint8_t snap[VN_XDP_HDR_SNAPSHOT];
	uint32_t span, old_len = pkt->len;
	uint64_t r0, r1;
	int err, act;

	VN_ASSERT(worker < xp->nworkers);	/* the switch's worker numbering */
	run = &xp->runs[worker];
	st = &xp->stats[worker];
	run->pkt = pkt;
	run->writable = !vn_pkt_shared(pkt);
	run->meta_len = 0;
	run->head_shift = 0;
	run->tail_moved = false;
	run->redirect_set = false;
	if (unlikely(cpu_throttled(xp, run))) {
		st->throttled++;
		run->pkt = NULL;
		return count_verdict(st, XDP_ABORTED);
	}
	xdp_set_pkt_region(run);
	span = offload_span(pkt);
	if (span)
		memcpy(snap, vn_pkt_data(pkt), span);
	r1 = VN_BPF_VA(XDP_SLOT_CTX, 0);
	if (likely(run->jit_ok))
		r0 = vn_bpf_jit_enter(xp->prog, &run->rc, &r1, 1, &err);
	else
		r0 = vn_bpf_run(xp->prog, &run->rc, r1, &err);
	if (xp->cpu_rate)
		cpu_spend(xp, run, err);
	if (unlikely(err)) {
		st->fault++;
		st->timeout += err == -ETIME;
		VN_DATA_LOG("xdp '%s': run stopped: %d", xp->name, err);
		act = XDP_ABORTED;
	} else {
		act = r0 > XDP_REDIRECT ? XDP_ABORTED : (int)r0;
	}
	/* REDIRECT without a target: the kernel's xdp_do_redirect() fails */
	if (act == XDP_REDIRECT && !run->redirect_set)
		act = XDP_ABORTED;
	act = offload_fixup(run, st, act, snap, span, old_len);
	act = count_verdict(st, act);
	if (act == XDP_REDIRECT && redirect_port)
		*redirect_port = run->redirect_port;
	run->pkt = NULL;
	return act;
}

#define XDP_STAT(n)	{ "xdp_" #n, offsetof(struct vn_xdp_stats, n) }
const struct vn_xdp_stat_desc vn_xdp_stats_desc[VN_XDP_NSTATS] = {
	XDP_STAT(aborted), XDP_STAT(drop), XDP_STAT(pass), XDP_STAT(tx), XDP_STAT(redirect),
	XDP_STAT(fault), XDP_STAT(offload_shifted), XDP_STAT(offload_csum_sw),
	XDP_STAT(offload_broken), XDP_STAT(timeout), XDP_STAT(throttled),
};
_Static_assert(VN_XDP_NSTATS * sizeof(uint64_t) == sizeof(struct vn_xdp_stats),
	       "every counter has a descriptor");

/**
 * vn_xdp_stats_sum() - Add up the per-worker counters
 * @xp:		program
 * @out:	sum
 */
void vn_xdp_stats_sum(const struct vn_xdp_prog *xp, struct vn_xdp_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int w = 0; w < xp->nworkers; w++)
		for (unsigned int i = 0; i < VN_XDP_NSTATS; i++) {
			size_t off = vn_xdp_stats_desc[i].off;
			uint64_t v;

			/* Another thread's counters: a torn read is impossible for
			 * aligned u64 on x86-64, a stale one is fine */
			memcpy(&v, (const uint8_t *)&xp->stats[w] + off, sizeof(v));
			*(uint64_t *)((uint8_t *)out + off) += v;
		}
}

/**
 * vn_xdp_prog_jited() - Does the program run as JIT code?
 * @xp:		program
 *
 * Return: 1 for JIT code, 0 for the interpreter
 */
int vn_xdp_prog_jited(const struct vn_xdp_prog *xp)
{
	return vn_bpf_prog_jited(xp->prog);
}

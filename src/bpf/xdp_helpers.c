// SPDX-License-Identifier: MIT
/* xdp_helpers.c - the eBPF helpers vnetd offers XDP programs, by kernel helper id
 *
 * Trust boundary: every argument is a register of a possibly hostile
 * program. Map arguments are opaque handles (VN_BPF_MAP_HANDLE) that index
 * the program's own maps (anything else is refused); every pointer is a
 * program-space address, turned into a host pointer by vn_bpf_translate()
 * for exactly the bytes the helper touches, and no helper dereferences a
 * register. Pointers helpers return (map values) are program-space
 * addresses too. Errors are returned
 * to the program as negative errnos, as the kernel does; only arguments the
 * kernel's verifier would have rejected (a forged map, a bad pointer) stop
 * the run with vn_bpf_abort().
 *
 * Cost: every helper charges the work it is about to do to the run's budget
 * with vn_bpf_charge() (charge.c) before doing it, by the cost model of
 * docs/ARCHITECTURE.md: map operations by vn_map_cost(), byte copies and
 * sums by their length, a clock read or a log line by a fixed price.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/compiler.h"
#include "core/log.h"
#include "bpf/vm_internal.h"
#include "xdp_internal.h"

#define ETH_HLEN		14
#define CSUM_DIFF_MAX		512	/* kernel: bytes in from + to */
#define TRACE_FMT_MAX		128
#define REDIRECT_ACTION_MASK	3	/* XDP_ABORTED | DROP | PASS | TX */

/* Fixed prices in budget units (~1 ns each), see docs/ARCHITECTURE.md */
#define COST_FIXED		4	/* a frame or metadata bound move */
#define COST_CLOCK		16	/* clock_gettime() through the vDSO */
#define COST_TRACE		512	/* format and (rate-limited) log a line */

/* Charge @units; non-zero when the run is stopping (the work must not run) */
static inline int charge(struct vn_bpf_run_ctx *rc, uint64_t units)
{
	return vn_bpf_charge_fast(rc, units);
}

/* Units to copy, clear or sum @bytes */
static inline uint64_t bytes_cost(uint64_t bytes)
{
	return COST_FIXED + bytes / 16;
}

static inline struct vn_xdp_run *run_of(struct vn_bpf_run_ctx *rc)
{
	return rc->user;
}

/* A map argument: the handle of one of the program's maps, or the run stops */
static struct vn_map *arg_map(struct vn_bpf_run_ctx *rc, uint64_t r)
{
	struct vn_xdp_prog *xp = run_of(rc)->xp;

	if ((r & ~(uint64_t)UINT32_MAX) == VN_BPF_MAP_HANDLE_TAG && (uint32_t)r < xp->nmaps)
		return xp->maps[(uint32_t)r];
	vn_bpf_abort(rc, -EINVAL);
	return NULL;
}

/* A pointer argument the helper reads or writes @len (> 0) bytes at */
static void *arg_mem(struct vn_bpf_run_ctx *rc, uint64_t r, size_t len, int write)
{
	void *p = len && len <= UINT32_MAX ? va_translate(rc, r, len, write) : NULL;

	if (!p)
		vn_bpf_abort(rc, -EFAULT);
	return p;
}

/* A map argument and a pointer to one of its keys; NULL when the run stops */
static const void *arg_map_key(struct vn_bpf_run_ctx *rc, uint64_t rmap, uint64_t rkey,
			       struct vn_map **map)
{
	*map = arg_map(rc, rmap);
	return *map ? arg_mem(rc, rkey, (*map)->key_size, 0) : NULL;
}

/* arg_map_key(), then the operation's price; NULL when the run stops */
static const void *arg_map_op(struct vn_bpf_run_ctx *rc, uint64_t rmap, uint64_t rkey,
			      enum vn_map_op op, struct vn_map **map)
{
	const void *key = arg_map_key(rc, rmap, rkey, map);

	/* a lookup's price is fixed at creation except an LPM trie's */
	return key && !charge(rc, op == VN_MAP_OP_LOOKUP && (*map)->cost_lookup ?
				  (*map)->cost_lookup : vn_map_cost(*map, op)) ? key : NULL;
}

/* bpf_map_{lookup,update,delete}_elem(): @op on the map r1 names, at the key r2
 * points to; an update's value is at r3, its flags in r4 */
static inline __attribute__((always_inline)) uint64_t
map_call(struct vn_bpf_run_ctx *rc, enum vn_map_op op, uint64_t r1, uint64_t r2, uint64_t r3,
	 uint64_t r4)
{
	struct vn_map *map;
	const void *key = arg_map_op(rc, r1, r2, op, &map), *value;

	if (!key)
		return 0;
	switch (op) {
	case VN_MAP_OP_LOOKUP:
		/* this worker's copy, and nothing but its value_size bytes */
		return vn_bpf_run_ctx_map_value(rc, vn_map_lookup_elem(map, key, run_of(rc)->worker),
						map->value_size,
						map->type != BPF_MAP_TYPE_DEVMAP &&
						!(map->map_flags & BPF_F_RDONLY_PROG));
	case VN_MAP_OP_UPDATE:
		value = arg_mem(rc, r3, map->value_size, 0);
		if (!value)
			return 0;
		return (uint64_t)(int64_t)vn_map_update_elem(map, key, value, r4,
							     run_of(rc)->worker);
	case VN_MAP_OP_DELETE:
		return (uint64_t)(int64_t)vn_map_delete_elem(map, key);
	}
	return 0;
}

/* The three map helpers: map_call() with their operation (r3/r4 unused but by update) */
#define MAP_HELPER(fn, op)								\
static uint64_t fn(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2, uint64_t r3,	\
		   uint64_t r4, uint64_t r5)						\
{											\
	(void)r5;									\
	return map_call(rc, (op), r1, r2, r3, r4);					\
}
MAP_HELPER(h_map_lookup_elem, VN_MAP_OP_LOOKUP)
MAP_HELPER(h_map_update_elem, VN_MAP_OP_UPDATE)
MAP_HELPER(h_map_delete_elem, VN_MAP_OP_DELETE)
#undef MAP_HELPER

static uint64_t h_ktime_get_ns(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			       uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	if (charge(rc, COST_CLOCK))
		return 0;
	return vn_mono_ns();	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC, as the kernel's */
}

static uint64_t h_get_prandom_u32(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
				  uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct vn_xdp_run *run = run_of(rc);
	uint64_t x = run->rnd;

	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	run->rnd = x;
	return (uint32_t)(x >> 16);
}

static uint64_t h_get_smp_processor_id(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
				       uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	return run_of(rc)->worker;
}

/*
 * bpf_trace_printk(fmt, fmt_size, a1, a2, a3): the kernel's subset of
 * printf: %d %i %u %x %X %c with l/ll modifiers, %p, %%; at most three
 * arguments; anything else (%s reads memory) is refused with -EINVAL.
 * Output goes to vn_log at info level, rate limited.
 */
static int trace_format(const char *fmt, size_t n, const uint64_t *args, char *out, size_t osz)
{
	size_t o = 0;
	int used = 0;

	for (size_t i = 0; i < n && fmt[i]; i++) {
		char spec[8] = "%", tmp[32];
		int mods = 0, w;
		char c = fmt[i];

		if (c != '%') {
			if (o + 1 < osz)
				out[o++] = (c == '\n' || (c >= 32 && c < 127)) ? c : '?';
			continue;
		}
		if (++i >= n)
			return -EINVAL;
		if (fmt[i] == '%') {
			if (o + 1 < osz)
				out[o++] = '%';
			continue;
		}
		while (i < n && fmt[i] == 'l' && mods < 2) {
			mods++;
			i++;
		}
		if (i >= n || !strchr("diuxXcp", fmt[i]) || used >= 3)
			return -EINVAL;
		c = fmt[i];
		if (c == 'p') {
			w = snprintf(tmp, sizeof(tmp), "0x%llx", (unsigned long long)args[used++]);
		} else if (c == 'c') {
			w = snprintf(tmp, sizeof(tmp), "%c", (char)args[used++]);
		} else {
			uint64_t v = args[used++];

			strcat(spec, "ll");
			spec[3] = c;
			spec[4] = '\0';
			if (c == 'd' || c == 'i')	/* sign-extend from the operand size */
				v = mods ? v : (uint64_t)(int64_t)(int32_t)v;
			else if (!mods)
				v = (uint32_t)v;
			w = snprintf(tmp, sizeof(tmp), spec, (unsigned long long)v);
		}
		for (int k = 0; k < w && o + 1 < osz; k++)
			out[o++] = tmp[k];
	}
	out[o] = '\0';
	return (int)o;
}

static uint64_t h_trace_printk(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			       uint64_t r3, uint64_t r4, uint64_t r5)
{
	uint64_t args[3] = { r3, r4, r5 };
	char out[256];
	const char *fmt;
	int n;

	if (charge(rc, COST_TRACE))
		return 0;
	/* Format without its terminating NUL inside fmt_size */
	if (!r2 || r2 > TRACE_FMT_MAX || !(fmt = arg_mem(rc, r1, r2, 0)) ||
	    !memchr(fmt, '\0', r2))
		return (uint64_t)(int64_t)-EINVAL;
	n = trace_format(fmt, r2, args, out, sizeof(out));
	if (n < 0)
		return (uint64_t)(int64_t)n;
	if (n && out[n - 1] == '\n')
		out[n - 1] = '\0';
	/* each program (per worker) has its own budget of lines */
	if (vn_log_ratelimit(&run_of(rc)->trace_rl))
		vn_log(VN_LOG_INFO, "xdp '%s': trace: %s", run_of(rc)->xp->name, out);
	return (uint64_t)n;
}

/*
 * bpf_csum_diff(from, from_size, to, to_size, seed): ones' complement
 * seed + sum(to) - sum(from) over 32-bit words, folded to 16 bits (not
 * complemented), as Linux returns it since v6.13 ("bpf: Fix bpf_csum_diff's
 * return value"); older kernels returned an arch-dependent 32-bit sum. Only
 * a zero result may differ in form (0x0000 vs 0xffff). The 512-byte size
 * limit is the one older kernels had.
 */
static uint64_t h_csum_diff(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			    uint64_t r3, uint64_t r4, uint64_t r5)
{
	const uint8_t *from = NULL, *to = NULL;
	uint64_t sum = (uint32_t)r5;
	uint32_t x;

	/* Sizes not multiples of 4, or more than the kernel's scratch holds */
	if (((r2 | r4) & 3) || r2 > CSUM_DIFF_MAX || r4 > CSUM_DIFF_MAX ||
	    r2 + r4 > CSUM_DIFF_MAX)
		return (uint64_t)(int64_t)-EINVAL;
	if ((r2 && !(from = arg_mem(rc, r1, r2, 0))) || (r4 && !(to = arg_mem(rc, r3, r4, 0))))
		return 0;
	/* one add per 32-bit word */
	if (charge(rc, COST_FIXED + (r2 + r4) / 4))
		return 0;
	for (uint64_t i = 0; i < r2; i += 4) {
		uint32_t w;

		memcpy(&w, from + i, 4);
		sum += (uint32_t)~w;
	}
	for (uint64_t i = 0; i < r4; i += 4) {
		uint32_t w;

		memcpy(&w, to + i, 4);
		sum += w;
	}
	while (sum >> 32)
		sum = (sum & 0xffffffffu) + (sum >> 32);
	/* csum_from32to16(): end-around fold to 16 bits, not complemented */
	x = (uint32_t)sum;
	x += (x >> 16) | (x << 16);
	return x >> 16;
}

static uint64_t h_redirect(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			   uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct vn_xdp_run *run = run_of(rc);

	(void)r3, (void)r4, (void)r5;
	/* The kernel accepts no flags for XDP's bpf_redirect() */
	if (r2) {
		run->redirect_set = false;
		return XDP_ABORTED;
	}
	run->redirect_set = true;
	run->redirect_port = (uint32_t)r1;
	return XDP_REDIRECT;
}

static uint64_t h_redirect_map(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			       uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct vn_xdp_run *run = run_of(rc);
	struct vn_map *map = arg_map(rc, r1);
	uint32_t key = (uint32_t)r2;
	const uint32_t *port;

	(void)r4, (void)r5;
	if (!map)
		return XDP_ABORTED;
	run->redirect_set = false;
	/* Flags past the action bits; broadcast is not implemented */
	if (map->type != BPF_MAP_TYPE_DEVMAP || (r3 & ~(uint64_t)REDIRECT_ACTION_MASK))
		return XDP_ABORTED;
	if (charge(rc, vn_map_cost(map, VN_MAP_OP_LOOKUP)))
		return XDP_ABORTED;
	port = vn_map_lookup_elem(map, &key, run->worker);
	if (!port)
		return r3 & REDIRECT_ACTION_MASK;
	run->redirect_set = true;
	run->redirect_port = *port;
	return XDP_REDIRECT;
}

static uint64_t h_xdp_adjust_head(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
				  uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct vn_xdp_run *run = run_of(rc);
	struct vn_pkt *pkt = run->pkt;
	int64_t delta = (int32_t)r2, off = (int64_t)pkt->off + delta;
	int64_t len = (int64_t)pkt->len - delta;
	uint8_t *meta;

	(void)r1, (void)r3, (void)r4, (void)r5;
	if (!run->writable)
		return (uint64_t)(int64_t)-EPERM;
	/* Front moved into the reserve, the frame below an Ethernet header or
	 * past the largest frame */
	if (off < (int64_t)(VN_XDP_HEADROOM_RESERVE + run->meta_len) || len < ETH_HLEN ||
	    len > VN_PKT_FRAME_MAX)
		return (uint64_t)(int64_t)-EINVAL;
	/* the metadata moves; newly exposed headroom may be cleared */
	if (charge(rc, bytes_cost(run->meta_len + (delta < 0 ? (uint64_t)-delta : 0))))
		return 0;
	meta = pkt->buf + pkt->off - run->meta_len;
	if (run->meta_len)
		memmove(meta + delta, meta, run->meta_len);
	/* Newly exposed headroom holds whatever earlier users of the buffer left */
	if (delta < 0)
		memset(pkt->buf + off, 0, (size_t)-delta);
	pkt->off = (uint32_t)off;
	pkt->len = (uint32_t)len;
	run->head_shift -= (int32_t)delta;
	xdp_set_pkt_region(run);
	return 0;
}

static uint64_t h_xdp_adjust_tail(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
				  uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct vn_xdp_run *run = run_of(rc);
	struct vn_pkt *pkt = run->pkt;
	int64_t delta = (int32_t)r2, len = (int64_t)pkt->len + delta;

	(void)r1, (void)r3, (void)r4, (void)r5;
	if (!run->writable)
		return (uint64_t)(int64_t)-EPERM;
	/* Shorter than an Ethernet header, longer than a frame or the buffer */
	if (len < ETH_HLEN || len > VN_PKT_FRAME_MAX ||
	    (delta > 0 && (uint64_t)delta > vn_pkt_tailroom(pkt)))
		return (uint64_t)(int64_t)-EINVAL;
	if (charge(rc, bytes_cost(delta > 0 ? (uint64_t)delta : 0)))
		return 0;
	if (delta > 0)
		memset(pkt->buf + pkt->off + pkt->len, 0, (size_t)delta);
	pkt->len = (uint32_t)len;
	run->tail_moved = true;
	xdp_set_pkt_region(run);
	return 0;
}

static uint64_t h_xdp_adjust_meta(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
				  uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct vn_xdp_run *run = run_of(rc);
	int64_t meta = (int64_t)run->meta_len - (int32_t)r2;

	(void)r1, (void)r3, (void)r4, (void)r5;
	if (!run->writable)
		return (uint64_t)(int64_t)-EPERM;
	/* Metadata past the data, or into the reserve */
	if (meta < 0 || (int64_t)run->pkt->off - meta < VN_XDP_HEADROOM_RESERVE)
		return (uint64_t)(int64_t)-EINVAL;
	/* Kernel: at most 32 bytes, a multiple of 4 */
	if (meta > VN_XDP_META_MAX || (meta & 3))
		return (uint64_t)(int64_t)-EACCES;
	if (charge(rc, bytes_cost((uint64_t)meta)))
		return 0;
	/* Grown metadata: the bytes in front were never the program's */
	if ((uint32_t)meta > run->meta_len)
		memset(run->pkt->buf + run->pkt->off - meta, 0, (size_t)meta - run->meta_len);
	run->meta_len = (uint32_t)meta;
	xdp_set_pkt_region(run);
	return 0;
}

static uint64_t h_xdp_get_buff_len(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
				   uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	return run_of(rc)->pkt->len;
}

/*
 * The frame range of bpf_xdp_load_bytes()/store_bytes(), with the kernel's
 * answers: -EFAULT for offsets or lengths past 16 bits, -EINVAL past the
 * frame's end.
 */
static int64_t xdp_bytes_range(struct vn_xdp_run *run, uint64_t off, uint64_t len)
{
	if (off > 0xffff || len > 0xffff)
		return -EFAULT;
	if (off + len > run->pkt->len)
		return -EINVAL;
	return 0;
}

static uint64_t h_xdp_load_bytes(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
				 uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct vn_xdp_run *run = run_of(rc);
	int64_t err = xdp_bytes_range(run, (uint32_t)r2, (uint32_t)r4);
	void *buf;

	(void)r1, (void)r5;
	if (err || !(uint32_t)r4)
		return (uint64_t)err;
	if (!(buf = arg_mem(rc, r3, (uint32_t)r4, 1)) || charge(rc, bytes_cost((uint32_t)r4)))
		return 0;
	memmove(buf, vn_pkt_ptr(run->pkt, (uint32_t)r2, (uint32_t)r4), (uint32_t)r4);
	return 0;
}

static uint64_t h_xdp_store_bytes(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
				  uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct vn_xdp_run *run = run_of(rc);
	int64_t err = xdp_bytes_range(run, (uint32_t)r2, (uint32_t)r4);
	const void *buf;

	(void)r1, (void)r5;
	if (err)
		return (uint64_t)err;
	if (!run->writable)
		return (uint64_t)(int64_t)-EPERM;
	if (!(uint32_t)r4)
		return 0;
	if (!(buf = arg_mem(rc, r3, (uint32_t)r4, 0)) || charge(rc, bytes_cost((uint32_t)r4)))
		return 0;
	memmove(vn_pkt_ptr(run->pkt, (uint32_t)r2, (uint32_t)r4), buf, (uint32_t)r4);
	return 0;
}

#define HELPER_MAX	(BPF_FUNC_xdp_store_bytes + 1)

static const vn_bpf_helper_fn xdp_helper_table[HELPER_MAX] = {
	[BPF_FUNC_map_lookup_elem] = h_map_lookup_elem,
	[BPF_FUNC_map_update_elem] = h_map_update_elem,
	[BPF_FUNC_map_delete_elem] = h_map_delete_elem,
	[BPF_FUNC_ktime_get_ns] = h_ktime_get_ns,
	[BPF_FUNC_trace_printk] = h_trace_printk,
	[BPF_FUNC_get_prandom_u32] = h_get_prandom_u32,
	[BPF_FUNC_get_smp_processor_id] = h_get_smp_processor_id,
	[BPF_FUNC_redirect] = h_redirect,
	[BPF_FUNC_csum_diff] = h_csum_diff,
	[BPF_FUNC_xdp_adjust_head] = h_xdp_adjust_head,
	[BPF_FUNC_redirect_map] = h_redirect_map,
	[BPF_FUNC_xdp_adjust_meta] = h_xdp_adjust_meta,
	[BPF_FUNC_xdp_adjust_tail] = h_xdp_adjust_tail,
	[BPF_FUNC_xdp_get_buff_len] = h_xdp_get_buff_len,
	[BPF_FUNC_xdp_load_bytes] = h_xdp_load_bytes,
	[BPF_FUNC_xdp_store_bytes] = h_xdp_store_bytes,
};

/**
 * vn_xdp_helper_allowed() - May programs of @class call helper @id?
 * @class:	program owner class
 * @id:		kernel helper id
 *
 * Return: true when allowed
 */
bool vn_xdp_helper_allowed(enum vn_xdp_class class, unsigned int id)
{
	if (class == VN_XDP_CLASS_OPERATOR)
		return true;
	/* host clock (uptime, a side-channel timer) and host log lines */
	return id != BPF_FUNC_ktime_get_ns && id != BPF_FUNC_trace_printk;
}

const char *vn_xdp_helper_name(unsigned int id)
{
	static const char *const names[] = {
		[BPF_FUNC_map_lookup_elem] = "bpf_map_lookup_elem",
		[BPF_FUNC_map_update_elem] = "bpf_map_update_elem",
		[BPF_FUNC_map_delete_elem] = "bpf_map_delete_elem",
		[BPF_FUNC_probe_read] = "bpf_probe_read",
		[BPF_FUNC_ktime_get_ns] = "bpf_ktime_get_ns",
		[BPF_FUNC_trace_printk] = "bpf_trace_printk",
		[BPF_FUNC_get_prandom_u32] = "bpf_get_prandom_u32",
		[BPF_FUNC_get_smp_processor_id] = "bpf_get_smp_processor_id",
		[BPF_FUNC_redirect] = "bpf_redirect",
		[BPF_FUNC_csum_diff] = "bpf_csum_diff",
		[BPF_FUNC_xdp_adjust_head] = "bpf_xdp_adjust_head",
		[BPF_FUNC_redirect_map] = "bpf_redirect_map",
		[BPF_FUNC_xdp_adjust_meta] = "bpf_xdp_adjust_meta",
		[BPF_FUNC_xdp_adjust_tail] = "bpf_xdp_adjust_tail",
		[BPF_FUNC_ktime_get_boot_ns] = "bpf_ktime_get_boot_ns",
		[BPF_FUNC_xdp_get_buff_len] = "bpf_xdp_get_buff_len",
		[BPF_FUNC_xdp_load_bytes] = "bpf_xdp_load_bytes",
		[BPF_FUNC_xdp_store_bytes] = "bpf_xdp_store_bytes",
	};

	return id < sizeof(names) / sizeof(names[0]) && names[id] ? names[id] : "?";
}

/**
 * vn_xdp_helpers() - vnetd's XDP helper table, indexed by kernel helper id
 * @n:		out: entries in the table
 *
 * Return: the table
 */
const vn_bpf_helper_fn *vn_xdp_helpers(unsigned int *n)
{
	*n = HELPER_MAX;
	return xdp_helper_table;
}

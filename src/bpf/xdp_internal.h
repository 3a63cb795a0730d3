/* SPDX-License-Identifier: MIT */
/* xdp_internal.h - per-worker run state shared by xdp.c and xdp_helpers.c */
#ifndef VN_BPF_XDP_INTERNAL_H
#define VN_BPF_XDP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/xdp.h"
#include "bpf/vm_internal.h"
#include "core/log.h"

/* struct xdp_md field offsets, as programs see them */
#define XDP_MD_DATA		0
#define XDP_MD_DATA_END		4
#define XDP_MD_DATA_META	8
#define XDP_MD_INGRESS		12
#define XDP_MD_RXQ		16
#define XDP_MD_EGRESS		20
#define XDP_MD_SIZE		24

/**
 * struct vn_xdp_run - one worker's state for one program
 * @rc:		VM run context (rc.user points back here)
 * @xp:		program
 * @pkt:	frame being processed
 * @worker:	worker id
 * @pkt_slot:	region slot of the frame: offset 0 is pkt->buf[0], the
 *		window is [data_meta, data_end)
 * @writable:	the frame may be written (not shared)
 * @meta_len:	bytes of metadata in front of the frame
 * @head_shift:	bytes the front moved during this run (> 0: grown)
 * @tail_moved:	adjust_tail changed the end
 * @redirect_set: a redirect helper chose a target
 * @redirect_port: the target
 * @rnd:	bpf_get_prandom_u32() state (xorshift64, seeded by getrandom())
 * @trace_rl:	bpf_trace_printk() rate limit of this program on this worker
 * @cpu_tokens:	owner CPU budget left (units; may go negative by one run)
 * @cpu_last_ns: when @cpu_tokens was last refilled
 * @jit_ok:	the program's JIT code fits @rc (vn_bpf_jit_usable(), asked
 *		once when @rc's fixed slots were set: they never change after),
 *		so runs enter it directly
 */
struct vn_xdp_run {
	struct vn_bpf_run_ctx rc;
	struct vn_xdp_prog *xp;
	struct vn_pkt *pkt;
	unsigned int worker;
	unsigned int pkt_slot;
	bool writable;
	uint32_t meta_len;
	int32_t head_shift;
	bool tail_moved;
	bool redirect_set;
	uint32_t redirect_port;
	uint64_t rnd;
	struct vn_ratelimit trace_rl;
	int64_t cpu_tokens;
	uint64_t cpu_last_ns;
	bool jit_ok;
};

/* Fixed program-space slots of every XDP run context */
#define XDP_SLOT_CTX	VN_BPF_REGION_CTX	/* xdp_md table: r1 = VN_BPF_VA(1, 0) */
#define XDP_SLOT_PKT	2	/* the frame buffer */
#define XDP_SLOT_GLOBAL	3	/* first slot of direct-value (global data) maps */

/**
 * xdp_pkt_va() - Program-space address of a byte of the frame buffer
 * @run:	run state
 * @buf_off:	offset from pkt->buf
 *
 * Return: the VA
 */
static inline uint64_t xdp_pkt_va(const struct vn_xdp_run *run, uint32_t buf_off)
{
	(void)run;
	return VN_BPF_VA(XDP_SLOT_PKT, buf_off);
}

/**
 * xdp_prng_seed() - A fresh bpf_get_prandom_u32() state from getrandom()
 * @state:	out: non-zero state
 *
 * Return: 0, or a negative errno when the kernel gives no random bytes
 */
int xdp_prng_seed(uint64_t *state);

/**
 * xdp_set_pkt_region() - Point the frame region at the frame and its metadata
 * @run:	run state
 *
 * Offset 0 of the frame slot is the buffer's first byte; only
 * [data_meta, data_end) is accessible.
 */
static inline void xdp_set_pkt_region(struct vn_xdp_run *run)
{
	const struct vn_pkt *pkt = run->pkt;
	uint64_t *f = run->rc.ctx_vals;

	struct vn_bpf_region *r = &run->rc.regions[XDP_SLOT_PKT];

	/* vn_bpf_run_ctx_set_window() without its checks: a frame buffer is
	 * far below 4 GiB and [off - meta_len, off + len) lies inside it */
	r->base = (uintptr_t)pkt->buf;
	r->lo = pkt->off - run->meta_len;
	r->len = pkt->len + run->meta_len;
	r->end = pkt->off + pkt->len;
	r->writable = run->writable;
	/* the xdp_md fields, as the context table gives them (JIT code inline) */
	f[XDP_MD_DATA / 4] = xdp_pkt_va(run, pkt->off);
	f[XDP_MD_DATA_END / 4] = xdp_pkt_va(run, pkt->off + pkt->len);
	f[XDP_MD_DATA_META / 4] = xdp_pkt_va(run, pkt->off - run->meta_len);
	f[XDP_MD_INGRESS / 4] = pkt->in_port;
}


#endif /* VN_BPF_XDP_INTERNAL_H */

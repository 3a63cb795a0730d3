// SPDX-License-Identifier: MIT
/* xdp_hook.c - XDP programs on the datapath: run them, sort frames by verdict
 *
 * The datapath side runs programs and sorts frames by verdict; it never
 * forwards. At ingress, sw_xdp_ingress_next() hands the forwarding loop
 * (worker.c) chunks of at most SW_BURST frames: the PASS frames for its
 * normal classify/forward pass and the TX/REDIRECT frames with their ports,
 * which it sends in the same chunk, so every destination gets one tx_burst
 * per chunk, never one per frame. At egress, sw_xdp_egress() returns the
 * frames a port's programs passed and the egress resolution (egress.c)
 * resolves their offloads.
 *
 * Attaching and detaching is xdp_attach.c, the guest's slot xdp_guest.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/gso.h"
#include "core/log.h"
#include "xdp_hook_internal.h"

static inline void ing_drop(struct sw_xdp_ing *c, struct vn_pkt *pkt, enum vn_drop_reason why)
{
	vn_port_drop(c->src->port, why, 1);
	sw_put(c->w, pkt);
}

/*
 * A TX or REDIRECT frame: it is a frame the source port sends, so it is
 * classified by the source port's VLAN rules (a tag the port may not carry
 * is dropped) and leaves through @dst's VLAN egress like any other frame
 * (a VLAN @dst is not a member of is dropped there); a group source
 * address is dropped as in classify(). Only learning and the FDB lookup
 * are skipped: the program chose the port.
 */
static void ing_queue(struct sw_xdp_ing *c, struct vn_pkt *pkt, uint16_t dst)
{
	enum vn_drop_reason why = vn_vhdr_validate(pkt);

	/* The program left metadata that does not fit the frame (xdp.h keeps
	 * it right; this is the proof before the frame skips classification) */
	if (unlikely(why))
		return ing_drop(c, pkt, why);
	why = vn_sw_vlan_ingress(&c->src->vlan, pkt);
	if (unlikely(why))
		return ing_drop(c, pkt, why);
	/* A group address as the source, as classify() refuses for any frame
	 * (vlan_ingress checked the 14 bytes) */
	if (unlikely(*(const uint8_t *)vn_pkt_ptr(pkt, 6, 1) & 1))
		return ing_drop(c, pkt, VN_DROP_SRC_MAC);
	c->tx[c->ntx] = pkt;
	c->tx_dst[c->ntx++] = dst;
}

/*
 * A PASS frame goes on to classification; the program may have rewritten
 * it, so its header is checked again (xdp.h keeps it right; this is the
 * proof, as for TX frames)
 */
static void ing_pass(struct sw_xdp_ing *c, struct vn_pkt *pkt)
{
	enum vn_drop_reason why = vn_vhdr_validate(pkt);

	if (unlikely(why))
		return ing_drop(c, pkt, why);
	c->pass[c->npass++] = pkt;
}

/* Is port @id on @x's redirect list? (the bit may be cleared meanwhile) */
static inline bool redirect_allowed(const struct vn_sw_xdp *x, uint32_t id)
{
	return x->redirect_all ||
	       (__atomic_load_n(&x->redirect_ok[id / 64], __ATOMIC_RELAXED) >> (id % 64) & 1);
}

/* Run the program on one frame and sort it by verdict */
static void ing_run(struct sw_xdp_ing *c, struct vn_pkt *pkt)
{
	struct vn_port_stats *st = &c->src->port->stats;
	uint32_t target = 0;
	int act;

	act = vn_xdp_run(c->x->xp, pkt, c->w->idx, &target);
	switch (act) {
	case XDP_PASS:
		st->xdp_pass++;
		ing_pass(c, pkt);
		break;
	case XDP_DROP:
		st->xdp_drop++;
		ing_drop(c, pkt, VN_DROP_XDP_DROP);
		break;
	case XDP_TX:
		st->xdp_tx++;
		ing_queue(c, pkt, c->src->port->id);
		break;
	case XDP_REDIRECT:
		st->xdp_redirect++;
		/* A port id that does not exist (now) in this worker's table */
		if (unlikely(target >= VN_SW_PORTS_MAX || !c->w->tbl->ports[target]))
			return ing_drop(c, pkt, VN_DROP_XDP_REDIRECT);
		/* A port not on the attachment's redirect list */
		if (unlikely(!redirect_allowed(c->x, target)))
			return ing_drop(c, pkt, VN_DROP_XDP_REDIRECT_DENIED);
		ing_queue(c, pkt, (uint16_t)target);
		break;
	default:
		st->xdp_aborted++;
		ing_drop(c, pkt, VN_DROP_XDP_ABORTED);
		break;
	}
}

void sw_xdp_ingress_begin(struct sw_xdp_ing *c, struct sw_worker *w, struct sw_port *src,
			  struct vn_sw_xdp *x, struct vn_pkt **pkts, unsigned int n)
{
	c->w = w;
	c->src = src;
	c->x = x;
	c->pkts = pkts;
	c->n = n;
	c->next = 0;
	c->segs = x->segs + (size_t)w->idx * SW_SEGS_MAX;
	c->nseg = c->nextseg = 0;
}

/* Cut a GSO frame for a segment-first program: its segments wait in c->segs */
static void ing_segment(struct sw_xdp_ing *c, struct vn_pkt *pkt)
{
	struct vn_port_stats *st = &c->src->port->stats;
	enum vn_drop_reason why;
	int ns = vn_gso_segment(c->w->pool, pkt, false, c->segs, SW_SEGS_MAX, &why);

	vn_pkt_put(pkt);
	if (unlikely(ns < 0)) {
		vn_port_drop(c->src->port, why, 1);
		return;
	}
	/* counters egress writes too, maybe from another worker (vn_port_drop()) */
	__atomic_fetch_add(&st->gso_sw_frames, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&st->gso_sw_segs, (uint64_t)ns, __ATOMIC_RELAXED);
	c->nseg = (unsigned int)ns;
	c->nextseg = 0;
}

bool sw_xdp_ingress_next(struct sw_xdp_ing *c)
{
	unsigned int next = c->next;
	const bool seg_first = c->x->flags & VN_SW_XDP_SEGMENT_FIRST;

	c->npass = c->ntx = 0;
	/* Every list a chunk fills holds at most one entry per frame */
	while (c->npass + c->ntx < SW_BURST) {
		struct vn_pkt *pkt;

		if (unlikely(c->nextseg < c->nseg)) {
			ing_run(c, c->segs[c->nextseg++]);
			continue;
		}
		if (next == c->n)
			break;
		pkt = c->pkts[next++];
		if (next < c->n)
			__builtin_prefetch(vn_pkt_data(c->pkts[next]));
		/* the header was validated where the frame entered (vn_port_rx_burst()) */
		if (likely(!seg_first) || !vn_vhdr_is_gso(&pkt->vh))
			ing_run(c, pkt);
		else
			ing_segment(c, pkt);
	}
	c->next = next;
	return c->npass + c->ntx > 0;
}

/*
 * One frame through the operator's egress program @x, then the guest's @g
 * (either may be NULL): 1 if both passed it (in @out[0]), 0 if it was
 * dropped (counted) or sent back by the guest. A guest's XDP_TX goes back
 * into the switch as the guest's own frame, at the end of this worker's
 * pass (worker.c guest_tx_drain()); an operator's egress program may not
 * return TX or REDIRECT (the kernel's devmap programs neither), and a guest
 * program cannot even load with REDIRECT: those are ABORTED.
 */
static unsigned int egress_run(struct sw_worker *w, struct sw_port *dst, struct vn_sw_xdp *x,
			       struct vn_sw_xdp *g, struct vn_pkt *pkt, struct vn_pkt **out)
{
	struct vn_port_stats *st = &dst->port->stats;
	struct vn_sw_xdp *const progs[2] = { x, g };
	enum vn_drop_reason why;

	for (unsigned int i = 0; i < 2; i++) {
		int act;

		if (!progs[i])
			continue;
		act = vn_xdp_run(progs[i]->xp, pkt, w->idx, NULL);
		if (act == XDP_PASS) {
			st->xdp_pass++;
			continue;
		}
		if (act == XDP_DROP) {
			st->xdp_drop++;
			why = VN_DROP_XDP_DROP;
		} else if (act == XDP_TX && progs[i] == g) {
			st->xdp_tx++;
			if (likely(dst->ngtx < SW_OUT_MAX)) {
				dst->gtx[dst->ngtx++] = pkt;
				return 0;
			}
			why = VN_DROP_XDP_GUEST_TX_FULL;
		} else {
			st->xdp_aborted++;
			why = VN_DROP_XDP_ABORTED;
		}
		vn_port_drop(dst->port, why, 1);
		sw_put(w, pkt);
		return 0;
	}
	out[0] = pkt;
	return 1;
}

/* Does @x ask for GSO frames cut before it runs? */
static inline bool seg_first(const struct vn_sw_xdp *x)
{
	return x && (x->flags & VN_SW_XDP_SEGMENT_FIRST);
}

/*
 * Cut GSO frame @pkt (its reference consumed) into @out and run @x then @g
 * on each segment: the frames they passed, compacted at the front of @out
 */
static unsigned int egress_segments(struct sw_worker *w, struct sw_port *dst,
				    struct vn_sw_xdp *x, struct vn_sw_xdp *g, struct vn_pkt *pkt,
				    struct vn_pkt **out, unsigned int room)
{
	enum vn_drop_reason why;
	unsigned int k = 0;
	int ns, i;

	/* Segments straight into @out; each becomes at most one frame at or
	 * before its own slot, so the compaction below never overtakes */
	ns = vn_gso_segment(w->pool, pkt, false, out, room, &why);
	vn_pkt_put(pkt);
	if (unlikely(ns < 0)) {
		vn_port_drop(dst->port, why, 1);
		return 0;
	}
	dst->port->stats.gso_sw_frames++;
	dst->port->stats.gso_sw_segs += (uint64_t)ns;
	for (i = 0; i < ns; i++)
		k += egress_run(w, dst, x, g, out[i], out + k);
	return k;
}

unsigned int sw_xdp_egress(struct sw_worker *w, struct sw_port *dst, struct vn_sw_xdp *x,
			   struct vn_sw_xdp *g, struct vn_pkt *pkt, struct vn_pkt **out,
			   unsigned int room)
{
	bool gso = vn_vhdr_is_gso(&pkt->vh);

	/* the operator asked: both programs see the segments */
	if (unlikely(gso && seg_first(x)))
		return egress_segments(w, dst, x, g, pkt, out, room);
	/* A flooded frame: this port's programs get their own copy to rewrite */
	if (unlikely(vn_pkt_unshare(w->pool, &pkt))) {
		vn_port_drop(dst->port, VN_DROP_NO_BUFFER, 1);
		vn_pkt_put(pkt);
		return 0;
	}
	if (likely(!gso || !seg_first(g)))
		return egress_run(w, dst, x, g, pkt, out);
	/* only the guest asked: the operator's program sees the frame whole
	 * (xdp.h keeps a passed GSO frame's metadata right, or aborts it) */
	if (x && !egress_run(w, dst, x, NULL, pkt, out))
		return 0;
	if (unlikely(!vn_vhdr_is_gso(&pkt->vh)))
		return egress_run(w, dst, NULL, g, pkt, out);
	return egress_segments(w, dst, NULL, g, pkt, out, room);
}

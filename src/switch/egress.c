// SPDX-License-Identifier: MIT
/* egress.c - offload resolution per frame and destination, as late as possible
 *
 * Offloads are carried through the switch, not undone at ingress. A frame's
 * pending work (vh: NEEDS_CSUM, a GSO type) is done only here, at
 * the last moment, and only for a destination that did not negotiate the
 * matching feature (port.h: GUEST_* bits are what the destination's peer
 * accepts):
 *   - everything accepted: the metadata passes through, the frame untouched;
 *   - a GSO frame the peer cannot take: cut into segments in software
 *     (vn_gso_segment), completing each segment's checksum unless the peer
 *     accepts NEEDS_CSUM (GUEST_CSUM);
 *   - NEEDS_CSUM without GUEST_CSUM: the checksum is completed in software.
 * A flooded frame is shared by several destinations (one reference each):
 * anything that writes into it first takes a private copy
 * (vn_pkt_unshare()), so one destination's resolution never shows in
 * another's copy. Segmentation reads the shared frame and writes only the
 * new segments.
 */
#include "core/be.h"
#include "core/csum.h"
#include "core/gso.h"
#include "core/log.h"
#include "sw_internal.h"
#include "xdp_hook_internal.h"

/* The port takes TSO frames (and NEEDS_CSUM): worth merging segments for it */
static bool gro_target(const struct sw_port *sp)
{
	uint64_t f = sp->port->features;

	return (f & VN_BIT(VN_NET_F_GUEST_CSUM)) &&
	       (f & (VN_BIT(VN_NET_F_GUEST_TSO4) | VN_BIT(VN_NET_F_GUEST_TSO6)));
}

/**
 * sw_egress_gro() - Merge a destination's chunk of TCP segments by GRO, when it pays
 * @w:		the destination's worker
 * @sp:		destination
 * @pkts:	the chunk, in backlog order; merged in place
 * @n:		entries in @pkts
 *
 * GRO runs only for a TSO-capable destination and only when a frame of the
 * chunk came from a port that does not deliver TSO frames itself (a tap
 * with offload=off): those are the MTU-sized TCP segments worth merging.
 *
 * Return: frames left in @pkts
 */
unsigned int sw_egress_gro(struct sw_worker *w, struct sw_port *sp, struct vn_pkt **pkts,
			   unsigned int n)
{
	bool small_src = false;
	uint64_t merged;
	unsigned int k;

	if (n < 2 || !gro_target(sp))
		return n;
	for (k = 0; k < n && !small_src; k++) {
		const struct sw_port *src = pkts[k]->in_port < VN_SW_PORTS_MAX ?
					    w->tbl->ports[pkts[k]->in_port] : NULL;

		small_src = src && !vn_port_has(src->port, VN_NET_F_HOST_TSO4);
	}
	if (!small_src)
		return n;
	merged = w->gro.merged;
	n = vn_gro_burst(&w->gro, w->pool, pkts, n, pkts, n);
	sp->port->stats.gro_merged += w->gro.merged - merged;
	return n;
}

static unsigned int drop(struct sw_port *dst, struct vn_pkt *pkt, enum vn_drop_reason why)
{
	vn_port_drop(dst->port, why, 1);
	vn_pkt_put(pkt);
	return 0;
}

/* Cut a GSO frame for a peer that cannot take it; consumes @pkt */
static unsigned int segment(struct sw_worker *w, struct sw_port *dst, struct vn_pkt *pkt,
			    struct vn_pkt **out, unsigned int room)
{
	struct vn_port *port = dst->port;
	bool sw_csum = !vn_port_has(port, VN_NET_F_GUEST_CSUM);
	enum vn_drop_reason why = VN_DROP_GSO_FAILED;
	int n;

	/* Reads @pkt only: a shared (flooded) frame stays intact for the others */
	n = vn_gso_segment(w->pool, pkt, sw_csum, out, room, &why);
	if (unlikely(n < 0))
		return drop(dst, pkt, why ? why : VN_DROP_GSO_FAILED);
	vn_pkt_put(pkt);
	/* the ingress XDP hook counts these too (segment-first), from the
	 * port's own worker while this may be another's (vn_port_drop()) */
	__atomic_fetch_add(&port->stats.gso_sw_frames, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&port->stats.gso_sw_segs, (uint64_t)n, __ATOMIC_RELAXED);
	if (sw_csum)
		port->stats.csum_sw += (uint64_t)n;
	return (unsigned int)n;
}

/*
 * sw_egress_offload() - The offload part of sw_egress_resolve() (VLAN done)
 * @w:		the destination's worker
 * @dst:	destination
 * @pkt:	frame; its reference is consumed
 * @out:	output: the frame, a private copy, or its segments
 * @room:	entries free in @out, at least SW_SEGS_MAX for a GSO frame
 *
 * Return: frames written to @out (0 if dropped)
 */
static unsigned int sw_egress_offload(struct sw_worker *w, struct sw_port *dst, struct vn_pkt *pkt,
			       struct vn_pkt **out, unsigned int room)
{
	struct vn_port *port = dst->port;
	enum vn_drop_reason why;

	if (vn_vhdr_is_gso(&pkt->vh)) {
		uint64_t need = vn_vhdr_needs(pkt);

		if ((port->features & need) == need) {
			out[0] = pkt;
			return 1;
		}
		return segment(w, dst, pkt, out, room);
	}
	if ((pkt->vh.flags & VN_VHDR_F_NEEDS_CSUM) && !vn_port_has(port, VN_NET_F_GUEST_CSUM)) {
		/* The checksum is written into the frame: not into a shared one */
		if (unlikely(vn_pkt_unshare(w->pool, &pkt)))
			return drop(dst, pkt, VN_DROP_NO_BUFFER);
		why = vn_csum_complete(pkt);
		if (unlikely(why))
			return drop(dst, pkt, why);
		port->stats.csum_sw++;
	}
	out[0] = pkt;
	return 1;
}

/**
 * sw_egress_resolve_plain() - The egress order for a port with no egress program: VLAN, offloads
 * @w:		the worker sending (any worker, for a shared_tx port under its
 *		transmit lock): its pool gives segments and copies
 * @dst:	destination
 * @pkt:	frame; its reference is consumed
 * @out:	output: the frame, a private copy, or its segments
 * @room:	entries free in @out, at least SW_SEGS_MAX
 *
 * What sw_egress_resolve() does when @dst has neither the operator's nor a
 * guest's egress program; a sender that is not @dst's worker checked that
 * under the lock and must not run them (they keep state of that worker's).
 *
 * Return: frames written to @out (0 if dropped)
 */
unsigned int sw_egress_resolve_plain(struct sw_worker *w, struct sw_port *dst, struct vn_pkt *pkt,
				     struct vn_pkt **out, unsigned int room)
{
	enum vn_drop_reason why = vn_sw_vlan_egress(&dst->vlan, w->pool, &pkt);

	if (unlikely(why))
		return drop(dst, pkt, why);
	return sw_egress_offload(w, dst, pkt, out, room);
}

/**
 * sw_egress_resolve() - Make one frame fit one destination
 * @w:		the destination's worker
 * @dst:	destination
 * @pkt:	frame; its reference is consumed
 * @out:	output: the frame, a private copy, or its segments
 * @room:	entries free in @out, at least SW_SEGS_MAX
 *
 * Drops are counted on @dst by reason.
 *
 * Return: frames written to @out (0 if dropped)
 */
unsigned int sw_egress_resolve(struct sw_worker *w, struct sw_port *dst, struct vn_pkt *pkt,
			       struct vn_pkt **out, unsigned int room)
{
	struct vn_sw_xdp *x = __atomic_load_n(&dst->xdp[VN_SW_EGRESS], __ATOMIC_ACQUIRE);
	struct vn_sw_xdp *g = __atomic_load_n(&dst->guest, __ATOMIC_ACQUIRE);
	enum vn_drop_reason why = VN_DROP_NONE;
	unsigned int n, i, k = 0;

	/* VLAN first for every frame, XDP TX and redirect included (xdp_hook.c ing_queue()) */
	if (likely(!x && !g))
		return sw_egress_resolve_plain(w, dst, pkt, out, room);
	why = vn_sw_vlan_egress(&dst->vlan, w->pool, &pkt);
	if (unlikely(why))
		return drop(dst, pkt, why);
	/* the operator's egress program, the guest's, then the offloads of what they passed */
	n = sw_xdp_egress(w, dst, x, g, pkt, out, room);
	/* one frame, GSO or not (it may become SW_SEGS_MAX segments, from
	 * out[0] on), or segments (segment-first): none of those is GSO, each
	 * becomes at most one frame at or before its own slot, so the
	 * compaction never overtakes */
	for (i = 0; i < n; i++)
		k += sw_egress_offload(w, dst, out[i], out + k, room - k);
	return k;
}

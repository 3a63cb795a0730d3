/* SPDX-License-Identifier: MIT */
/* xdp_hook_internal.h - the XDP attachment and the datapath entry points the forwarding loop calls */
#ifndef VN_SWITCH_XDP_HOOK_INTERNAL_H
#define VN_SWITCH_XDP_HOOK_INTERNAL_H

#include "sw_internal.h"
#include "xdp_hook.h"

/**
 * struct vn_sw_xdp - one program attached to one port and direction
 * @xp:		the loaded program (maps, per-worker run contexts and counters)
 * @owner:	pays for everything of @xp; capped at attach time
 * @refs:	references (atomic): the port's slot, plus map users
 * @flags:	VN_SW_XDP_* flags
 * @dir:	direction
 * @port_id:	port id
 * @port:	port name
 * @path:	object file
 * @segs:	per-worker scratch for segment-first at ingress (SW_SEGS_MAX each)
 * @segs_sz:	its bytes, charged to @owner
 * @redirect_all: the program may redirect to any port (no redirect= list)
 * @redirect_ok: else the port ids it may redirect to, one bit each; a
 *		deleted port's bit is cleared (sw_xdp_port_gone()) before its
 *		id can be given to another port
 * @redirect:	the list as given ("" for every port), for vn_sw_xdp_foreach()
 * @guest:	the port's guest loaded it (struct sw_port.guest), not the operator
 * @section:	guest: the section name the guest asked for ("" for the first)
 * @obj_copy:	guest: the object bytes as loaded (export), charged to @owner
 * @obj_len:	their count
 */
struct vn_sw_xdp {
	struct vn_xdp_prog *xp;
	struct vn_bpf_owner owner;
	unsigned int refs;
	unsigned int flags;
	enum vn_sw_dir dir;
	uint16_t port_id;
	char port[VN_PORT_NAME_MAX];
	char path[256];
	struct vn_pkt **segs;
	size_t segs_sz;
	bool redirect_all;
	uint64_t redirect_ok[VN_SW_PORTS_MAX / 64];
	char redirect[VN_SW_XDP_REDIRECT_MAX];
	bool guest;
	char section[VN_BPF_OBJ_NAME_MAX];
	uint8_t *obj_copy;
	size_t obj_len;
};

/**
 * struct sw_xdp_ing - one received burst going through a port's ingress program
 * @w:		the port's worker
 * @src:	ingress port
 * @x:		its ingress attachment
 * @pkts:	the burst (references taken as frames are run)
 * @n:		entries in @pkts
 * @next:	next frame of @pkts to run
 * @segs:	segments of the frame being run segment-first (@x's per-worker
 *		array of SW_SEGS_MAX)
 * @nseg:	segments in @segs
 * @nextseg:	next segment to run
 * @npass:	output of sw_xdp_ingress_next(): PASS frames in @pass
 * @ntx:	output: TX and REDIRECT frames in @tx, classified as the
 *		source's, for the ports in @tx_dst
 * @pass:	PASS frames, for the normal classify/forward pass
 * @tx:		TX/REDIRECT frames
 * @tx_dst:	their destination port ids
 */
struct sw_xdp_ing {
	struct sw_worker *w;
	struct sw_port *src;
	struct vn_sw_xdp *x;
	struct vn_pkt **pkts;
	unsigned int n;
	unsigned int next;
	struct vn_pkt **segs;
	unsigned int nseg;
	unsigned int nextseg;
	unsigned int npass;
	unsigned int ntx;
	struct vn_pkt *pass[SW_BURST];
	struct vn_pkt *tx[SW_BURST];
	uint16_t tx_dst[SW_BURST];
};

/**
 * sw_xdp_ingress_begin() - Start running a received burst through an ingress program
 * @c:		state, filled here
 * @w:		the port's worker
 * @src:	ingress port
 * @x:		its ingress attachment
 * @pkts:	frames from rx_burst (their references are consumed as they run)
 * @n:		entries in @pkts
 */
void sw_xdp_ingress_begin(struct sw_xdp_ing *c, struct sw_worker *w, struct sw_port *src,
			  struct vn_sw_xdp *x, struct vn_pkt **pkts, unsigned int n);

/**
 * sw_xdp_ingress_next() - The next chunk of verdicts, at most SW_BURST frames
 * @c:		state from sw_xdp_ingress_begin()
 *
 * Runs frames (and the segments of a segment-first GSO frame) until the
 * chunk's lists hold SW_BURST frames or the burst is done. Dropped frames
 * are counted on the source by reason and freed; PASS frames land in
 * @c->pass, TX and REDIRECT frames in @c->tx: the caller forwards both
 * (one tx_burst per destination per chunk, never one per frame).
 *
 * Return: true when the chunk holds frames, false when the burst is done
 */
bool sw_xdp_ingress_next(struct sw_xdp_ing *c);

/**
 * sw_xdp_egress() - Run a port's egress programs on one frame
 * @w:		the port's worker
 * @dst:	destination port
 * @x:		its operator egress attachment, or NULL
 * @g:		its guest program (runs on what @x passed), or NULL; its TX
 *		frames are queued on @dst->gtx (dropped and counted as
 *		xdp_guest_tx_full past SW_OUT_MAX)
 * @pkt:	frame (VLAN egress done); its reference is consumed
 * @out:	output: the frames the programs passed (a GSO frame whole, or
 *		with VN_SW_XDP_SEGMENT_FIRST its segments, none of them GSO),
 *		offloads not resolved yet (egress.c does that)
 * @room:	entries free in @out, at least SW_SEGS_MAX
 *
 * Return: frames written to @out
 */
unsigned int sw_xdp_egress(struct sw_worker *w, struct sw_port *dst, struct vn_sw_xdp *x,
			   struct vn_sw_xdp *g, struct vn_pkt *pkt, struct vn_pkt **out,
			   unsigned int room);

/**
 * sw_xdp_free() - Free an attachment no worker can reach any more (xdp_attach.c)
 * @x:		attachment, its last reference gone
 */
void sw_xdp_free(struct vn_sw_xdp *x);

/**
 * sw_xdp_port_gone() - Take a deleted port id off every redirect list (control lock held)
 * @sw:		switch
 * @id:		the port id, already out of the published table
 */
void sw_xdp_port_gone(struct vn_sw *sw, uint16_t id);

/**
 * sw_xdp_port_release() - Drop a port's attachments (port freed, grace period over)
 * @sp:		port
 */
void sw_xdp_port_release(struct sw_port *sp);

#endif /* VN_SWITCH_XDP_HOOK_INTERNAL_H */

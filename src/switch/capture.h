/* SPDX-License-Identifier: MIT */
/* capture.h - packet capture tap points at a port's ingress and egress (public API)
 *
 * Where frames are copied (see docs/ARCHITECTURE.md "Capture"):
 *  - ingress: every frame the port delivers, after the offload header
 *    validation (frames it rejects are not shown) and before the XDP
 *    ingress program, VLAN classification and learning: the frame as the
 *    port's peer sent it, TSO/USO frames whole (up to 64 KiB).
 *  - egress: every frame handed to the port's tx_burst, after the VLAN
 *    push/pop, the egress XDP program and the offload resolution: what the
 *    peer receives, so a GSO frame cut in software shows as its segments
 *    (and a frame the peer accepts as TSO shows whole). Frames a full port
 *    refuses and keeps (policy=block) are shown once, when first offered.
 *
 * Cost: a port without a capture pays one pointer load per burst. With a
 * capture, each frame runs the compiled classic BPF filter (libpcap's
 * bpf_filter()) and a match is copied, up to the snap length, into a slot
 * of a bounded per-worker queue; when no slot is free the frame is counted
 * as dropped (vn_sw_capture_stats()), the datapath never waits.
 *
 * Every function here is for control threads; one reader per capture.
 */
#ifndef VN_SWITCH_CAPTURE_H
#define VN_SWITCH_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/counters.h"
#include "switch/sw.h"
#include "switch/xdp_hook.h"

#define VN_SW_CAP_SNAPLEN_MAX	VN_PKT_FRAME_MAX	/* no frame is longer */
#define VN_SW_CAP_FILTER_MAX	4096			/* filter expression bytes */
#define VN_SW_CAP_QUEUE_BYTES	((size_t)4 << 20)	/* slot memory per worker */

struct vn_sw_capture;

/**
 * struct vn_sw_capture_rec - one captured frame, as the reader gets it
 * @ts_ns:	CLOCK_REALTIME when the worker saw it (once per burst)
 * @origlen:	frame length on the wire
 * @caplen:	bytes in @data (origlen cut at the snap length)
 * @data:	frame bytes
 */
struct vn_sw_capture_rec {
	uint64_t ts_ns;
	uint32_t origlen;
	uint32_t caplen;
	uint8_t data[];
};

/**
 * struct vn_sw_capture_stats - counters of one capture, summed over workers
 * @matched:	frames that passed the filter
 * @captured:	frames copied into a queue
 * @dropped:	frames that matched but found the queue full (capture_dropped)
 */
#define VN_SW_CAPTURE_COUNTERS(X)	\
	X(matched) X(captured) X(dropped)

VN_COUNTERS_DECLARE(struct vn_sw_capture_stats, VN_SW_CAPTURE_COUNTERS,
		    VN_SW_CAPTURE_NCOUNTERS, vn_sw_capture_counter_descs);

/**
 * vn_sw_capture_open() - Compile a filter and attach a capture to a port
 * @sw:		switch
 * @port:	port name
 * @dir:	VN_SW_INGRESS or VN_SW_EGRESS
 * @filter:	pcap filter expression ("" or NULL: every frame)
 * @snaplen:	bytes kept per frame, 1 to VN_SW_CAP_SNAPLEN_MAX (0: the max)
 * @out:	the capture
 * @err:	a one-line reason on failure (libpcap's message for a bad filter)
 * @err_sz:	size of @err
 *
 * Return: 0; -EINVAL (bad filter or arguments), -ENOENT (no such port),
 *	   -EBUSY (that port and direction already has a capture), -ENOMEM
 */
int vn_sw_capture_open(struct vn_sw *sw, const char *port, enum vn_sw_dir dir,
		       const char *filter, uint32_t snaplen, struct vn_sw_capture **out,
		       char *err, size_t err_sz);

/**
 * vn_sw_capture_read() - Hand queued frames to @cb, oldest first per worker
 * @cap:	capture
 * @cb:		called per frame; the record is valid only during the call;
 *		non-zero stops the read (that frame counts as consumed)
 * @arg:	for @cb
 * @max:	at most this many frames
 *
 * Return: frames handed to @cb
 */
unsigned int vn_sw_capture_read(struct vn_sw_capture *cap,
				int (*cb)(const struct vn_sw_capture_rec *rec, void *arg),
				void *arg, unsigned int max);

/**
 * vn_sw_capture_stats() - Counters (racy snapshot)
 * @cap:	capture
 * @st:		output
 */
void vn_sw_capture_stats(struct vn_sw_capture *cap, struct vn_sw_capture_stats *st);

/**
 * vn_sw_capture_snaplen() - Snap length in effect
 * @cap:	capture
 *
 * Return: bytes
 */
uint32_t vn_sw_capture_snaplen(const struct vn_sw_capture *cap);

/**
 * vn_sw_capture_is_on() - Whether a capture taps a port's direction
 * @cap:	capture
 * @port:	port name
 * @dir:	direction
 *
 * Return: true if @cap was opened on @port at @dir
 */
bool vn_sw_capture_is_on(const struct vn_sw_capture *cap, const char *port, enum vn_sw_dir dir);

/**
 * vn_sw_capture_port_gone() - Whether the captured port was deleted
 * @cap:	capture
 *
 * A capture outlives its port's deletion only to hand over its queued
 * frames and final counters: its session then ends.
 *
 * Return: true once the port is gone (a new port of that name is another)
 */
bool vn_sw_capture_port_gone(const struct vn_sw_capture *cap);

/**
 * vn_sw_capture_detach() - Stop the workers from adding frames (after a grace period)
 * @cap:	capture; its queued frames can still be read, its counters are final
 *
 * Return: 0, or -ENOMEM if no grace period could be had (still attached)
 */
int vn_sw_capture_detach(struct vn_sw_capture *cap);

/**
 * vn_sw_capture_close() - Detach (after a grace period) and free a capture
 * @cap:	capture, may be NULL; the port may be gone already
 */
void vn_sw_capture_close(struct vn_sw_capture *cap);

#endif /* VN_SWITCH_CAPTURE_H */

/* SPDX-License-Identifier: MIT */
/* capture_internal.h - the capture tap points as the workers see them */
#ifndef VN_SWITCH_CAPTURE_INTERNAL_H
#define VN_SWITCH_CAPTURE_INTERNAL_H

#include "capture.h"
#include "sw_internal.h"

/**
 * sw_capture_port_gone() - Tell a capture its port was deleted
 * @cap:	capture, may be NULL; no worker uses it any more
 */
void sw_capture_port_gone(struct vn_sw_capture *cap);

/**
 * sw_capture_burst() - Copy the frames of a burst that pass the capture's filter
 * @w:		worker running the tap point
 * @cap:	capture loaded from sw_port.cap[] (acquire)
 * @pkts:	frames (not modified, references untouched), their headers
 *		already validated where they entered (vn_port_rx_burst())
 * @n:		entries in @pkts
 */
void sw_capture_burst(struct sw_worker *w, struct vn_sw_capture *cap, struct vn_pkt *const *pkts,
		      unsigned int n);

#endif /* VN_SWITCH_CAPTURE_INTERNAL_H */

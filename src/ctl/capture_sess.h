/* SPDX-License-Identifier: MIT */
/* capture_sess.h - capture sessions: one thread per streaming capture.start client */
#ifndef VN_CTL_CAPTURE_SESS_H
#define VN_CTL_CAPTURE_SESS_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct vn_sw;
struct vn_ctl_captures;

#define VN_CTL_CAPTURES_MAX	16		/* concurrent captures */
#define VN_CTL_CAP_OUT_MAX	(1u << 20)	/* bytes buffered per client */

/**
 * vn_ctl_captures_new() - Session table of a control server
 * @sw:		switch
 *
 * Return: the table, or NULL without memory
 */
struct vn_ctl_captures *vn_ctl_captures_new(struct vn_sw *sw);

/**
 * vn_ctl_capture_start() - Attach a capture and stream it on @fd from a new thread
 * @cs:		session table
 * @id:		request id (for the reply line the session writes)
 * @args:	capture.start args, validated against the schema
 * @fd:		client socket, taken on success
 * @msg:	error message on failure
 * @msglen:	its size
 *
 * Return: 0, or a negative errno (bad direction, filter, port, EBUSY, too
 *	   many sessions) with @msg set
 */
int vn_ctl_capture_start(struct vn_ctl_captures *cs, int64_t id, struct json_object *args,
			 int fd, char *msg, size_t msglen);

/**
 * vn_ctl_captures_counters() - The counters of a port's running captures, into a JSON object
 * @cs:		session table
 * @port:	port name
 * @o:		object to add "capture_<dir>_<counter>" entries to (matched,
 *		captured, dropped: VN_SW_CAPTURE_COUNTERS), for each direction
 *		the port is being captured at
 */
void vn_ctl_captures_counters(struct vn_ctl_captures *cs, const char *port, struct json_object *o);

/**
 * vn_ctl_captures_free() - Stop every session (END record, close) and free the table
 * @cs:		table, may be NULL
 */
void vn_ctl_captures_free(struct vn_ctl_captures *cs);

#endif /* VN_CTL_CAPTURE_SESS_H */

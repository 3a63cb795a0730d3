/* SPDX-License-Identifier: MIT */
/* handlers_internal.h - the control plane's state and what its handler files share
 *
 * handlers.c: the command table, the request runner and the daemon's entry
 * points; handlers_port.c: ports, counters, VLANs, workers; handlers_fdb.c:
 * the learning table; handlers_xdp.c: XDP programs and export/import;
 * handlers_map.c: map commands and BTF-formatted values.
 */
#ifndef VN_CTL_HANDLERS_INTERNAL_H
#define VN_CTL_HANDLERS_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include <json-c/json.h>

#include "capture_sess.h"
#include "ctl.h"
#include "port/port.h"
#include "switch/sw.h"
#include "switch/xdp_hook.h"
#include "xo_srv.h"

#define SPEC_MAX	1024

/**
 * struct port_rec - what the control plane remembers about a port id
 * @name:	port the record belongs to ("" if none)
 * @spec:	spec it was added with (through ctl), "" if unknown
 * @t:		time of the last sample (s, monotonic)
 * @last:	rx_packets, rx_bytes, tx_packets, tx_bytes at @t
 * @rate:	per-second rates between the last two samples, same order
 */
struct port_rec {
	char name[VN_PORT_NAME_MAX];
	char spec[SPEC_MAX + 1];
	double t;
	uint64_t last[4];
	uint64_t rate[4];
};

/**
 * struct vn_ctl - the control plane's state
 * @sw:		the switch
 * @caps:	capture sessions
 * @lock:	serialises handlers (socket and config file)
 * @why:	the first error the layers below logged while the current
 *		request ran (vn_log_capture_begin()): a handler puts it in its
 *		reply, where the client can read it; "" if they logged none
 * @recs:	per port id: spec and rate samples
 * @req_fd:	descriptor the running request came with (ctl/fdpass.h), -1
 * @cfg_dir:	directory of the config file being run, NULL for the socket:
 *		only the daemon's own config names files for it to open
 * @xo:		guest XDP offload channels (xo_srv.h), served under @lock
 */
struct vn_ctl {
	struct vn_sw *sw;
	struct vn_ctl_captures *caps;
	pthread_mutex_t lock;
	char why[VN_CTL_MSG_MAX];
	struct port_rec recs[VN_SW_PORTS_MAX];
	int req_fd;
	const char *cfg_dir;
	struct vn_xo_srv *xo;
};

/**
 * struct vn_ctl_call - one request as its handler sees it
 * @ctl:	the control plane (ctl->lock held)
 * @args:	arguments, checked against the command's schema (cmd.c)
 * @result:	output: the JSON result, owned by the caller afterwards
 * @msg:	output: why it failed, for the client ("" when it did not)
 * @msglen:	size of @msg
 */
struct vn_ctl_call {
	struct vn_ctl *ctl;
	struct json_object *args;
	struct json_object *result;
	char *msg;
	size_t msglen;
};

typedef int (*handler_fn)(struct vn_ctl_call *call);

/**
 * vn_ctl_arg_str() - A string argument of a request
 * @args:	the request's arguments (checked against its schema)
 * @key:	argument name
 *
 * Return: the string, or NULL when the argument is absent
 */
const char *vn_ctl_arg_str(struct json_object *args, const char *key);

/**
 * vn_ctl_rec_of() - The control plane's record of a port (spec, rate samples)
 * @ctl:	control plane
 * @p:		port
 *
 * Return: the record, reset if its id now belongs to another port; NULL for
 * an id outside the switch's table
 */
struct port_rec *vn_ctl_rec_of(struct vn_ctl *ctl, const struct vn_port *p);

/**
 * vn_ctl_counters_json() - Add every counter of a stats struct to a JSON object
 * @o:		the object
 * @st:		the struct (read racily, as the counters' owners allow)
 * @d:		its {name, offsetof} table (core/counters.h)
 * @n:		entries in @d
 *
 * The one writer of counters in replies: a counter added to a struct's X()
 * list appears under its own name.
 */
void vn_ctl_counters_json(struct json_object *o, const void *st,
			  const struct vn_counter_desc *d, unsigned int n);

/* Port names by id, filled under one walk of the port table (worker list, fdb show) */
struct port_names {
	char name[VN_SW_PORTS_MAX][VN_PORT_NAME_MAX];
};

/**
 * vn_ctl_port_name_one() - vn_sw_port_foreach() callback filling a struct port_names
 * @p:		port
 * @arg:	the struct port_names
 *
 * Return: 0 (keep walking)
 */
int vn_ctl_port_name_one(struct vn_port *p, void *arg);

/**
 * vn_ctl_dir_arg() - The "dir" argument: ingress, egress or egress-guest
 * @args:	the request's arguments
 * @dir:	output: the direction
 * @guest:	output: egress-guest (the guest's slot at egress) was named
 * @msg:	output: why it was refused
 * @msglen:	size of @msg
 *
 * Return: 0 or -EINVAL
 */
int vn_ctl_dir_arg(struct json_object *args, enum vn_sw_dir *dir, bool *guest, char *msg,
		   size_t msglen);

/* The handlers, one per command of cmd.c's table (handlers[] in handlers.c) */
int vn_ctl_h_port_add(struct vn_ctl_call *call);
int vn_ctl_h_port_del(struct vn_ctl_call *call);
int vn_ctl_h_port_list(struct vn_ctl_call *call);
int vn_ctl_h_stats(struct vn_ctl_call *call);
int vn_ctl_h_worker_list(struct vn_ctl_call *call);
int vn_ctl_h_fdb_show(struct vn_ctl_call *call);
int vn_ctl_h_fdb_stats(struct vn_ctl_call *call);
int vn_ctl_h_fdb_flush(struct vn_ctl_call *call);
int vn_ctl_h_fdb_add(struct vn_ctl_call *call);
int vn_ctl_h_fdb_del(struct vn_ctl_call *call);
int vn_ctl_h_vlan_show(struct vn_ctl_call *call);
int vn_ctl_h_xdp_attach(struct vn_ctl_call *call);
int vn_ctl_h_xdp_detach(struct vn_ctl_call *call);
int vn_ctl_h_xdp_list(struct vn_ctl_call *call);
int vn_ctl_h_map_dump(struct vn_ctl_call *call);
int vn_ctl_h_map_update(struct vn_ctl_call *call);
int vn_ctl_h_map_delete(struct vn_ctl_call *call);
int vn_ctl_h_map_list(struct vn_ctl_call *call);
int vn_ctl_h_map_lookup(struct vn_ctl_call *call);
int vn_ctl_h_xdp_export(struct vn_ctl_call *call);
int vn_ctl_h_xdp_import(struct vn_ctl_call *call);

#endif /* VN_CTL_HANDLERS_INTERNAL_H */

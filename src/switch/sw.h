/* SPDX-License-Identifier: MIT */
/* sw.h - the L2 switch: ports, workers, forwarding loop, FDB access (public API)
 *
 * What the daemon (cmd/vnetd.c) and the control layer (ctl/) call to run the
 * switch; the switch's own state (sw_internal.h) stays inside switch/. The
 * control thread calls every function here; the datapath runs in the
 * workers started by vn_sw_start(), or, in tests, one iteration at a time
 * through vn_sw_run_once().
 */
#ifndef VN_SWITCH_SW_H
#define VN_SWITCH_SW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/counters.h"
#include "port/port.h"
#include "switch/fdb.h"

#define VN_SW_PORTS_MAX		256	/* port ids 0..255 */
#define VN_SW_WORKERS_MAX	64

/**
 * enum vn_sw_dir - a direction of a port through the switch: where a program
 * is attached (switch/xdp_hook.h) or a capture taps (switch/capture.h)
 * @VN_SW_INGRESS:	frames entering the switch from the port
 * @VN_SW_EGRESS:	frames leaving the switch towards the port
 * @VN_SW_DIRS:		number of directions
 */
enum vn_sw_dir {
	VN_SW_INGRESS = 0,
	VN_SW_EGRESS = 1,
	VN_SW_DIRS
};

/**
 * vn_sw_dir_name() - "ingress" or "egress"
 * @dir:	direction
 *
 * Return: static string ("?" for a bad value)
 */
const char *vn_sw_dir_name(enum vn_sw_dir dir);

/**
 * vn_sw_dir_parse() - Parse "ingress" / "egress"
 * @s:		string
 * @dir:	output
 *
 * Return: 0, or -EINVAL
 */
int vn_sw_dir_parse(const char *s, enum vn_sw_dir *dir);

/**
 * struct vn_sw_config - switch options
 * @workers:	worker threads, default 1
 * @aging_sec:	MAC aging, default 300
 * @busy_poll:	poll ports in a loop instead of sleeping in epoll
 * @poll_us:	after an iteration that moved frames, keep polling (yielding
 *		the CPU between passes) for this long before sleeping in epoll;
 *		0 (the default) sleeps at once
 * @cpus:	CPU of each worker: worker i runs on cpus[i % ncpus]
 * @ncpus:	entries in @cpus; 0 (the default) leaves the workers to the
 *		scheduler
 */
struct vn_sw_config {
	unsigned int workers;
	unsigned int aging_sec;
	bool busy_poll;
	unsigned int poll_us;
	unsigned int cpus[VN_SW_WORKERS_MAX];
	unsigned int ncpus;
};

struct vn_sw;

/**
 * vn_sw_create() - Make a switch with no ports
 * @cfg:	options, or NULL for the defaults
 * @out:	the switch
 *
 * Return: 0, -EINVAL for a bad option, -ENOMEM
 */
int vn_sw_create(const struct vn_sw_config *cfg, struct vn_sw **out);

/**
 * vn_sw_destroy() - Stop the workers, close every port, free the switch
 * @sw:		switch, may be NULL
 */
void vn_sw_destroy(struct vn_sw *sw);

/**
 * vn_sw_start() - Spawn the worker threads
 * @sw:		switch
 *
 * Return: 0, -EALREADY, or a negative errno from pthread_create
 */
int vn_sw_start(struct vn_sw *sw);

/**
 * vn_sw_stop() - Stop and join the worker threads (frames queued stay queued)
 * @sw:		switch
 */
void vn_sw_stop(struct vn_sw *sw);

/**
 * vn_sw_port_add() - Open a port and attach it while the switch runs
 * @sw:		switch
 * @spec:	port spec, see vn_port_open()
 * @worker:	worker to own it, -1 for the least loaded
 * @out:	the port, may be NULL
 *
 * Return: 0, -EEXIST (name taken), -ENOSPC (no free id), -EINVAL, or what
 *	   vn_port_open() returned
 */
int vn_sw_port_add(struct vn_sw *sw, const char *spec, int worker, struct vn_port **out);

/**
 * vn_sw_port_attach() - Attach an already opened port (tests, pair ports)
 * @sw:		switch
 * @port:	the port; the switch owns it from now on (closes it on delete).
 *		Its id must be free.
 * @worker:	worker to own it, -1 for the least loaded
 *
 * Return: 0, -EEXIST (id or name taken), -EINVAL (bad VLAN options or worker)
 */
int vn_sw_port_attach(struct vn_sw *sw, struct vn_port *port, int worker);

/**
 * vn_sw_port_del() - Detach a port, drop what is queued for it and close it
 * @sw:		switch
 * @name:	port name
 *
 * Return: 0, -ENOENT
 */
int vn_sw_port_del(struct vn_sw *sw, const char *name);

/**
 * vn_sw_port_find() - Port by name
 * @sw:		switch
 * @name:	port name
 *
 * Return: the port or NULL. Valid until the port is deleted.
 */
struct vn_port *vn_sw_port_find(struct vn_sw *sw, const char *name);

/**
 * vn_sw_port_foreach() - Call @cb for every port under the control lock
 * @sw:		switch
 * @cb:		callback; non-zero stops the walk and is returned
 * @arg:	for @cb
 *
 * Return: 0, or what @cb returned
 */
int vn_sw_port_foreach(struct vn_sw *sw, int (*cb)(struct vn_port *p, void *arg), void *arg);

/**
 * vn_sw_fdb_dump() - Call @cb for each live FDB entry
 * @sw:		switch
 * @cb:		callback; non-zero stops the walk and is returned
 * @arg:	for @cb
 *
 * Return: 0, or what @cb returned
 */
int vn_sw_fdb_dump(struct vn_sw *sw, int (*cb)(const struct vn_fdb_entry *e, void *arg),
		   void *arg);

/**
 * vn_sw_fdb_flush() - Forget learned addresses of one port or all
 * @sw:		switch
 * @port_name:	port, or NULL for all
 */
void vn_sw_fdb_flush(struct vn_sw *sw, const char *port_name);

/**
 * struct vn_sw_fdb_add - a static FDB entry to make, and what stood in its way
 * @mac:	address
 * @vlan:	VLAN id, or -1 for the port's untagged VLAN (its access or
 *		native VLAN, 0 on a VLAN-unaware port); set to the id used
 * @port:	port name
 * @replace:	an existing static entry for (MAC, VLAN) is moved, not refused
 * @other:	out: port id of the static entry that refused the add (-EEXIST)
 */
struct vn_sw_fdb_add {
	uint8_t mac[6];
	int vlan;
	const char *port;
	bool replace;
	uint16_t other;
};

/**
 * vn_sw_fdb_static_add() - Pin a MAC to a port
 * @sw:		switch
 * @a:		the entry (@a->vlan and @a->other are written back)
 *
 * Refused, changing nothing: a VLAN the port does not carry (a frame of it
 * could never leave there), and a (MAC, VLAN) already pinned unless
 * @a->replace is set.
 *
 * Return: 0, -ENOENT (no such port), -EINVAL (VLAN not carried, or none
 *	   given on a trunk without a native VLAN), -EEXIST, -ENOSPC
 */
int vn_sw_fdb_static_add(struct vn_sw *sw, struct vn_sw_fdb_add *a);

/**
 * vn_sw_fdb_del() - Remove the entries (static or learned) of a MAC
 * @sw:		switch
 * @mac:	address
 * @vlan:	VLAN id, or -1 for every VLAN
 *
 * Return: number of entries removed (0: none matched)
 */
int vn_sw_fdb_del(struct vn_sw *sw, const uint8_t *mac, int vlan);

/**
 * vn_sw_fdb() - The switch's learning table (for counters)
 * @sw:		switch
 *
 * Return: the table
 */
struct vn_fdb *vn_sw_fdb(struct vn_sw *sw);

/**
 * vn_sw_set_clock() - Replace the seconds clock (tests: aging without sleeping)
 * @sw:		switch
 * @now:	returns monotonic seconds; NULL restores CLOCK_MONOTONIC
 */
void vn_sw_set_clock(struct vn_sw *sw, uint32_t (*now)(void));

/**
 * vn_sw_run_once() - Run one iteration of a worker's loop on the caller's thread
 * @sw:		switch, not started
 * @worker:	worker index
 *
 * For tests: deterministic forwarding without threads.
 *
 * Return: frames handled (received, dequeued or transmitted), or -EBUSY if
 *	   the workers are running, -EINVAL for a bad index
 */
int vn_sw_run_once(struct vn_sw *sw, unsigned int worker);

/**
 * struct vn_sw_worker_stats - per-worker counters (owned by the worker)
 * @iterations:	loop iterations
 * @sleeps:	epoll waits
 * @polls:	idle passes spent polling (poll_us) instead of sleeping
 * @ring_tx:	frames handed to other workers
 * @ring_rx:	frames taken from other workers
 * @ring_stale:	frames from other workers for a port that is gone
 * @backlog_max: largest backlog seen on one port
 * @direct_tx:	frames this worker sent itself to another worker's port
 *		(direct transmit, worker.c)
 */
#define VN_SW_WORKER_COUNTERS(X)	\
	X(iterations) X(sleeps) X(polls) X(ring_tx) X(ring_rx) X(ring_stale) \
	X(backlog_max) X(direct_tx)

VN_COUNTERS_DECLARE(struct vn_sw_worker_stats, VN_SW_WORKER_COUNTERS,
		    VN_SW_WORKER_NCOUNTERS, vn_sw_worker_counter_descs);

/**
 * vn_sw_worker_stats() - Copy a worker's counters (racy read)
 * @sw:		switch
 * @worker:	index
 * @st:		output
 *
 * Return: 0, -EINVAL for a bad index
 */
int vn_sw_worker_stats(struct vn_sw *sw, unsigned int worker, struct vn_sw_worker_stats *st);

/**
 * struct vn_sw_worker_info - what `vnetctl worker list` shows of one worker
 * @cpu:	the CPU it is bound to (--cpus), or -1 if the scheduler places it
 * @nports:	ports it owns
 * @port_ids:	their ids (struct vn_port.id), @nports of them
 * @stats:	its counters (racy read)
 */
struct vn_sw_worker_info {
	int cpu;
	unsigned int nports;
	uint16_t port_ids[VN_SW_PORTS_MAX];
	struct vn_sw_worker_stats stats;
};

/**
 * vn_sw_workers() - Number of workers
 * @sw:		switch
 *
 * Return: workers (fixed for the switch's life)
 */
unsigned int vn_sw_workers(const struct vn_sw *sw);

/**
 * vn_sw_worker_info() - Placement, ports and counters of one worker
 * @sw:		switch
 * @worker:	index
 * @info:	output
 *
 * Return: 0, -EINVAL for a bad index
 */
int vn_sw_worker_info(struct vn_sw *sw, unsigned int worker, struct vn_sw_worker_info *info);

#endif /* VN_SWITCH_SW_H */

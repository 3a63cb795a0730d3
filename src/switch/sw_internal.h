/* SPDX-License-Identifier: MIT */
/* sw_internal.h - state shared by sw.c (control), worker.c (datapath) and egress.c
 *
 * Ownership: struct sw_port's datapath fields (backlog, partial, feeders,
 * paused) belong to the port's worker. The port table is read by every
 * worker and replaced, never modified in place, by the control thread
 * (see sw.c on generations).
 */
#ifndef VN_SWITCH_SW_INTERNAL_H
#define VN_SWITCH_SW_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/compiler.h"
#include "core/gro.h"
#include "core/pool.h"
#include "core/ring.h"
#include "sw.h"
#include "vlan.h"

struct vn_sw_capture;

#define SW_BURST		VN_PORT_BURST		/* frames per rx_burst */
#define SW_SEGS_MAX		VN_VHDR_GSO_SEGS_MAX	/* segments of one GSO frame */
#define SW_OUT_MAX		(2 * SW_SEGS_MAX)	/* frames per tx_burst after egress */
#define SW_BACKLOG_MAX		4096	/* frames kept for a full port (block policy) */
#define SW_RING_SIZE		1024	/* per (worker -> worker) ring */
#define SW_WORKER_POOL		4096	/* buffers for segments and private copies */
#define SW_PARK_MAX		(SW_WORKER_POOL / 8)	/* of those, kept by one full port */
#define SW_POOL_RESERVE		SW_SEGS_MAX	/* left free whatever full ports keep */
#define SW_STALL_SEC		2	/* policy=block: a full port that takes nothing this
					 * long (switch clock) is stalled: treated as drop */
#define SW_FLOOD		0xffffffffu	/* pkt->user: flood on the receiving worker */
#define SW_BITMAP_WORDS		(VN_SW_PORTS_MAX / 64)
#define SW_DEAD_MAX		SW_BURST	/* dropped frames a worker frees at once */

/**
 * struct sw_port - the switch's state for one port
 * @port:	the port
 * @vlan:	compiled VLAN options
 * @worker:	index of the owning worker
 * @backlog:	FIFO of frames not yet resolved for this port (SW_BACKLOG_MAX);
 *		every frame for the port passes through it, and it keeps
 *		what a full port could not take (block policy)
 * @bl_head:	index of the oldest entry
 * @nbacklog:	entries in @backlog
 * @partial:	frames already resolved (segments) that the port refused
 * @npartial:	entries in @partial
 * @feeders:	local source ports that sent to this port while it was full
 * @blocked:	@backlog or @partial not empty
 * @stalled:	took nothing for SW_STALL_SEC while blocked: its backlog was
 *		dropped, its sources released, and what it refuses is dropped
 *		until it takes a whole burst again
 * @progress_at: switch time it last took a frame, or became blocked
 * @paused:	this port's rx is paused because it feeds a blocked port
 * @in_epoll:	registered in the worker's epoll set
 * @ep_events:	events currently registered for the poll fd
 * @tx_in_epoll: the separate tx_poll_fd is registered (EPOLLOUT)
 * @xdp:	XDP attachment per direction (xdp_hook.c; atomic pointers)
 * @guest:	the guest's offloaded program (xdp_hook.c; atomic pointer):
 *		runs at egress after @xdp[VN_SW_EGRESS]
 * @gtx:	frames the guest program returned XDP_TX for, waiting to enter
 *		the switch as received from this port (SW_OUT_MAX; the
 *		port's worker's)
 * @ngtx:	entries in @gtx
 * @cap:	capture per direction (capture.c; atomic pointers)
 * @shared_tx:	every worker may send to this port itself, under @tx_lock
 *		(its kind's tx_any_thread, and more than one worker): then
 *		@backlog, @partial, @blocked, @stalled and @progress_at, and
 *		the port's tx_burst, are only touched under @tx_lock
 * @tx_lock:	the port's transmit lock (worker.c, "Direct transmit")
 * @kick:	another worker left frames in @backlog or @partial: the
 *		owner must pump the port (atomic)
 */
struct sw_port {
	struct vn_port *port;
	struct vn_sw_vlan vlan;
	unsigned int worker;
	struct vn_pkt **backlog;
	unsigned int bl_head;
	unsigned int nbacklog;
	struct vn_pkt **partial;
	unsigned int npartial;
	uint64_t feeders[SW_BITMAP_WORDS];
	bool blocked;
	bool stalled;
	uint32_t progress_at;
	bool paused;
	bool in_epoll;
	uint32_t ep_events;
	bool tx_in_epoll;
	struct vn_sw_xdp *xdp[2];
	struct vn_sw_xdp *guest;
	struct vn_pkt **gtx;
	unsigned int ngtx;
	struct vn_sw_capture *cap[2];
	bool shared_tx;
	pthread_mutex_t tx_lock;
	int kick;
};

/**
 * struct sw_table - the set of ports, replaced as a whole on add/delete
 * @gen:	generation number
 * @nports:	ports in @ports
 * @per_worker:	ports owned by each worker
 * @ports:	by port id, NULL for a free id
 */
struct sw_table {
	uint64_t gen;
	unsigned int nports;
	unsigned int per_worker[VN_SW_WORKERS_MAX];
	struct sw_port *ports[VN_SW_PORTS_MAX];
};

/**
 * struct sw_dlist - frames for one destination, built by the classify pass
 * @n:		entries
 * @pkts:	frames (each holds one reference)
 */
struct sw_dlist {
	unsigned int n;
	struct vn_pkt *pkts[SW_BURST];
};

/**
 * struct sw_worker - one datapath thread
 * @sw:		the switch
 * @idx:	index
 * @thread:	the thread
 * @epfd:	epoll set: the owned ports' fds and @evfd
 * @evfd:	eventfd the control thread writes to wake the worker
 * @seen_gen:	last table generation this worker has adopted (atomic)
 * @tbl:	that table
 * @local:	ids of the ports this worker owns (from @tbl)
 * @nlocal:	entries in @local
 * @pool:	buffers for segments and private copies
 * @cache:	last-source FDB cache
 * @dl:		per-destination lists of the burst being forwarded
 * @dtouched:	destination ids with a non-empty list
 * @ndtouched:	entries in @dtouched
 * @out:	egress output of one tx_burst (SW_OUT_MAX)
 * @rl:		per-worker lists of frames for other workers
 * @in:		rings from each worker to this one (in[src])
 * @ovf:	frames for worker w that did not fit its ring (ovf[w])
 * @novf:	entries in each @ovf
 * @ovf_feeders: local sources that fed each non-empty @ovf
 * @sleeping:	in epoll_wait: a producer must kick @evfd (atomic)
 * @stats:	counters
 * @stop:	set by vn_sw_stop() (atomic)
 * @last_age:	time of the last aging pass (worker 0 ages the FDB)
 * @now:	switch time at the start of this iteration
 * @gro:	GRO state for frames towards TSO-capable ports
 * @ring_enq:	frames this worker put in each other worker's ring, ever
 * @ring_done:	frames from each other worker's ring this one has forwarded
 *		(into a port's backlog, sent, or dropped), ever: a worker may
 *		send straight to a port of worker d only while its
 *		@ring_enq[d] equals d's @ring_done[its index] (atomic)
 */
struct sw_worker {
	struct vn_sw *sw;
	unsigned int idx;
	pthread_t thread;
	int epfd;
	int evfd;
	uint64_t seen_gen;
	struct sw_table *tbl;
	uint16_t local[VN_SW_PORTS_MAX];
	unsigned int nlocal;
	struct vn_pool *pool;
	struct vn_fdb_cache cache;
	struct sw_dlist *dl;
	uint16_t dtouched[VN_SW_PORTS_MAX];
	unsigned int ndtouched;
	struct vn_pkt **out;
	struct sw_dlist *rl;
	struct vn_ring **in;
	struct vn_pkt ***ovf;
	unsigned int *novf;
	uint64_t (*ovf_feeders)[SW_BITMAP_WORDS];
	int sleeping;
	struct vn_sw_worker_stats stats;
	bool stop;
	uint32_t last_age;
	uint32_t now;
	struct vn_gro gro;
	uint64_t *ring_enq;
	uint64_t *ring_done;
	struct vn_pkt *dead[SW_DEAD_MAX];
	unsigned int ndead;
};

/**
 * sw_put_flush() - Give back the frames sw_put() kept
 * @w:		worker
 */
static inline void sw_put_flush(struct sw_worker *w)
{
	vn_pkt_put_bulk(w->dead, w->ndead);
	w->ndead = 0;
}

/**
 * sw_put() - Drop a worker's reference to a frame it dropped, in bulk
 * @w:		worker
 * @pkt:	frame
 *
 * A frame dropped one at a time (an XDP verdict, a check) costs the pool's
 * lock when it is the last reference; these wait in @w->dead and go back
 * in one vn_pkt_put_bulk() at the end of the pass (sw_worker_iter()) or
 * when SW_DEAD_MAX are waiting.
 */
static inline void sw_put(struct sw_worker *w, struct vn_pkt *pkt)
{
	if (unlikely(w->ndead == SW_DEAD_MAX))
		sw_put_flush(w);
	w->dead[w->ndead++] = pkt;
}

/**
 * struct vn_sw - the switch
 * @cfg:	options
 * @ctl:	control lock: serialises add/delete/find/foreach
 * @tbl:	current port table (atomic pointer; see sw.c)
 * @gen:	last generation published
 * @fdb:	learning table
 * @workers:	@cfg.workers workers
 * @running:	threads started
 * @now:	seconds clock
 * @xdp_mem_limit: cap of new XDP attachments (0: VN_SW_XDP_MEM_DEFAULT)
 * @xdp_budget:	instructions per run of new XDP attachments (0: VN_SW_XDP_BUDGET_DEFAULT)
 * @xdp_time_cap_ns: wall-clock cap per run of new attachments (0: the default)
 * @xdp_cpu_rate: their owner CPU budget, units/s per worker (0: the default)
 * @xdp_cpu_burst: its bucket depth in units (0: the default)
 */
struct vn_sw {
	struct vn_sw_config cfg;
	pthread_mutex_t ctl;
	struct sw_table *tbl;
	uint64_t gen;
	struct vn_fdb *fdb;
	struct sw_worker *workers;
	struct vn_port **kept;	/* deleted ports whose frames were still queued (sw.c) */
	unsigned int nkept;
	bool running;
	uint32_t (*now)(void);
	size_t xdp_mem_limit;
	uint64_t xdp_budget;
	uint64_t xdp_time_cap_ns;
	uint64_t xdp_cpu_rate;
	uint64_t xdp_cpu_burst;
};

/* sw.c: the attached port named @name, or NULL; the caller holds sw->ctl */
struct sw_port *sw_port_find_locked(struct vn_sw *sw, const char *name);

/* worker.c */
int sw_worker_init(struct vn_sw *sw, struct sw_worker *w, unsigned int idx);
void sw_worker_fini(struct sw_worker *w);
void sw_worker_drain(struct sw_worker *w);
void *sw_worker_main(void *arg);
unsigned int sw_worker_iter(struct sw_worker *w);
void sw_worker_sync(struct sw_worker *w);
void sw_port_release_queued(struct sw_port *sp);

/* worker.c, for the ingress program's TX/REDIRECT frames (tests drive them too) */
void sw_forward_burst(struct sw_worker *w, struct sw_port *src, struct vn_pkt **pkts,
		      unsigned int n, uint32_t now);
void sw_worker_enqueue(struct sw_worker *w, uint16_t dst, struct vn_pkt *pkt);

/* egress.c: the egress order, VLAN -> XDP -> offloads, and GRO before it */
unsigned int sw_egress_resolve(struct sw_worker *w, struct sw_port *dst, struct vn_pkt *pkt,
			       struct vn_pkt **out, unsigned int room);
/* egress.c: the same for a port with no egress program, from any worker (direct transmit) */
unsigned int sw_egress_resolve_plain(struct sw_worker *w, struct sw_port *dst, struct vn_pkt *pkt,
				     struct vn_pkt **out, unsigned int room);

/**
 * sw_egress_gro() - Merge a destination's chunk of TCP segments by GRO, when it pays
 * @w:		the destination's worker
 * @sp:		destination
 * @pkts:	the chunk, in backlog order; merged in place
 * @n:		entries in @pkts
 *
 * Return: frames left in @pkts (egress.c says when it merges)
 */
unsigned int sw_egress_gro(struct sw_worker *w, struct sw_port *sp, struct vn_pkt **pkts,
			   unsigned int n);

/**
 * sw_err_init() - Make a control call's error buffer writable, and empty
 * @err:	in/out: the caller's buffer, or @dummy when it gave none
 * @err_sz:	in/out: its size
 * @dummy:	a one-byte buffer of the call's own
 */
static inline void sw_err_init(char **err, size_t *err_sz, char *dummy)
{
	if (!*err || !*err_sz) {
		*err = dummy;
		*err_sz = 1;
	}
	(*err)[0] = '\0';
}

/* sw.c: wait until no worker can hold a pointer unpublished before the call */
int sw_grace_period(struct vn_sw *sw);

/**
 * sw_slot_swap() - Publish @val in a datapath slot of a port; retire what it held
 * @sw:		switch, @ctl held
 * @slot:	the slot (sw_port.xdp[], .guest, .cap[]), which workers read with
 *		an acquire load once per burst or frame
 * @val:	the new value, or NULL to empty the slot
 * @old:	output: what the slot held; once 0 is returned no worker can
 *		reach it, and the caller frees it
 * @what:	what the slot holds, for the log line of a failure
 *
 * The one attach/detach protocol of the switch's datapath objects (XDP
 * programs, the guest's program, captures): the caller validates @val and
 * finds the port under @ctl, this stores it (release) and, when the slot
 * held something, waits for a grace period, retried for about a second
 * when even the table copy cannot be allocated.
 *
 * Return: 0, or -ENOMEM: no grace period could be had, so a worker may still
 * use *@old; the caller must keep it alive (leak it, or put it back)
 */
int sw_slot_swap(struct vn_sw *sw, void **slot, void *val, void **old, const char *what);

#endif /* VN_SWITCH_SW_INTERNAL_H */

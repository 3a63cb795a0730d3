// SPDX-License-Identifier: MIT
/* worker.c - the forwarding loop: bursts in, classify, per-destination lists, bursts out
 *
 * One iteration of a worker (sw_worker_iter()):
 *  1. adopt a new port table if the control thread published one (sw.c);
 *  2. pump the ports that are full (their backlog) and, unless one of them
 *     is still full, take the frames other workers handed over (rings);
 *  3. rx_burst from each owned port that is not paused, and forward the
 *     burst in two passes (netmap VALE's nm_vale_flush()): classify every
 *     frame (validate, VLAN, learn the source, look up the destination)
 *     into per-destination lists under one FDB read lock, then for each
 *     destination resolve the offloads (egress.c) and make one tx_burst;
 *  4. retry frames for other workers whose ring was full.
 * A worker sleeps in epoll only after an iteration that did nothing, or,
 * with poll_us (vnetd --poll-us), after that long without work: until then
 * it polls, calling sched_yield() between passes so a task that shares its
 * CPU (the receiving application, often) still runs. Polling saves the
 * wake-up of a sleeping worker (an IPI, costly in a VM) on every frame of
 * a steady stream.
 *
 * Backpressure (policy=block, the default): a destination that takes fewer
 * frames than offered keeps the rest in its backlog, is marked blocked, and
 * every local source that sends to it while blocked is paused (vn_port_rx_enable()
 * off, its fd out of the epoll set) until the destination drains; the
 * worker then waits for POLLOUT on the destination's tx_poll_fd. A source
 * adds at most one burst before it is paused, so the backlog stays bounded.
 * Frames for a blocked port that come from other workers stay in their
 * ring (the worker stops dequeuing while any of its ports is blocked); the
 * producer keeps what its full ring refuses and pauses its own sources in
 * the same way. policy=drop drops what the port refused, counted as
 * drop_tx_full. Nothing is dropped silently.
 *
 * The worker's pool (segments of GSO frames cut for a port without TSO,
 * private copies) is shared by all its ports: a full port keeps at most
 * SW_PARK_MAX of those buffers, and only while SW_POOL_RESERVE stay free;
 * the rest of what it refused is dropped (drop_pool_share). Two TSO frames
 * of 2047 segments each towards a full port would otherwise hold the pool.
 *
 * A blocked port that takes nothing for SW_STALL_SEC (a guest that never
 * posts receive buffers, a paused VM) would otherwise pause its sources,
 * and every port that floods to it, for ever, and stop this worker taking
 * frames from the others. It is declared stalled instead: its backlog is
 * dropped (drop_tx_full), its sources are released, one warning names it,
 * and it is treated as policy=drop until it takes a whole burst again.
 *
 * Direct transmit: a frame for a port of another worker normally crosses
 * to that worker through a ring, and the crossing costs a wake-up of the
 * other worker per burst. A port whose kind can be written from any
 * thread (a tap: vn_port_ops.tx_any_thread) is shared_tx when there is
 * more than one worker: every worker may resolve frames for it and call
 * its tx_burst itself, under the port's tx_lock, which its owner takes too
 * for its backlog and sends. So with a worker per tap, each direction of a
 * TCP stream (the data one way, the ACKs the other) runs on its own CPU
 * with no hand-off. Order is kept by sending directly only when nothing
 * older of this worker's can still be on its way to the port:
 *  - its ring to the owner holds nothing that the owner has not forwarded
 *    yet (ring_enq against the owner's ring_done), nor does its overflow
 *    list, nor did an earlier frame of the same burst go to that ring;
 *  - under the lock, the port's backlog and partial are empty, it is not
 *    blocked, and it has no egress program or capture (those keep state
 *    of the owner's). Otherwise the frames go through the ring as before.
 * What the port refuses is kept in its partial (or dropped, by its
 * policy), what did not fit one tx_burst in its backlog, and the owner is
 * kicked to pump it: from then on the port is blocked and backpressure
 * works as above, in the owner.
 *
 * Counters: a port's counters are written by the worker that owns it:
 * ingress drops on the source (this worker), egress work and drops on the
 * destination (its owner, after the hand-off), except that a shared_tx
 * port's egress counters are written by whichever worker holds its
 * tx_lock, and its drops, which both sides count, with atomic adds
 * (vn_port_drop()).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/vhdr.h"
#include "sw_internal.h"
#include "capture_internal.h"
#include "xdp_hook_internal.h"

#define VN_COUNTER_T struct vn_sw_worker_stats
const struct vn_counter_desc vn_sw_worker_counter_descs[VN_SW_WORKER_NCOUNTERS] = {
	VN_SW_WORKER_COUNTERS(VN_COUNTER_DESC_OF)
};
#undef VN_COUNTER_T

#define EP_TX_BIT	(1ull << 32)
#define EP_WAKE		UINT64_MAX

static inline bool bit_test(const uint64_t *bm, unsigned int b)
{
	return bm[b / 64] >> (b % 64) & 1;
}

static inline void bit_set(uint64_t *bm, unsigned int b)
{
	bm[b / 64] |= 1ull << (b % 64);
}

static inline void tx_lock(struct sw_port *sp)
{
	if (sp->shared_tx)
		pthread_mutex_lock(&sp->tx_lock);
}

static inline void tx_unlock(struct sw_port *sp)
{
	if (sp->shared_tx)
		pthread_mutex_unlock(&sp->tx_lock);
}

static void kick_worker(struct sw_worker *w, struct sw_worker *peer)
{
	uint64_t one = 1;

	if (__atomic_load_n(&peer->sleeping, __ATOMIC_SEQ_CST) &&
	    write(peer->evfd, &one, sizeof(one)) < 0)
		vn_log_rl(VN_LOG_WARN, "switch worker %u: kick: %s", w->idx, strerror(errno));
}

static void ep_ctl(struct sw_worker *w, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	if (fd >= 0 && epoll_ctl(w->epfd, op, fd, &ev) && op != EPOLL_CTL_DEL)
		vn_log_rl(VN_LOG_WARN, "switch worker %u: epoll_ctl(fd %d): %s", w->idx, fd,
			  strerror(errno));
}

static int port_rx_fd(struct sw_port *sp)
{
	return vn_port_poll_fd(sp->port);
}

static int port_tx_fd(struct sw_port *sp)
{
	return vn_port_tx_poll_fd(sp->port);
}

/* Make the epoll registration match the port's state (paused, blocked) */
static void ep_update(struct sw_worker *w, struct sw_port *sp)
{
	int rfd = port_rx_fd(sp), tfd = port_tx_fd(sp);
	uint32_t ev = sp->paused ? 0 : EPOLLIN;
	bool want_tx = sp->blocked && tfd >= 0 && tfd != rfd;

	if (sp->blocked && tfd >= 0 && tfd == rfd)
		ev |= EPOLLOUT;
	if (rfd >= 0 && ev != sp->ep_events) {
		ep_ctl(w, EPOLL_CTL_MOD, rfd, ev, sp->port->id);
		sp->ep_events = ev;
	}
	if (want_tx != sp->tx_in_epoll) {
		ep_ctl(w, want_tx ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, tfd,
		       sp->port->ops->tx_poll_readable ? EPOLLIN : EPOLLOUT,
		       sp->port->id | EP_TX_BIT);
		sp->tx_in_epoll = want_tx;
	}
}

static void set_paused(struct sw_worker *w, struct sw_port *sp, bool paused)
{
	if (sp->paused == paused)
		return;
	sp->paused = paused;
	vn_port_rx_enable(sp->port, !paused);
	ep_update(w, sp);
}

/* A source fed a full destination (or a full ring): stop reading it */
static void pause_feeder(struct sw_worker *w, uint64_t *feeders, struct sw_port *src)
{
	if (!src)
		return;
	bit_set(feeders, src->port->id);
	set_paused(w, src, true);
}

/* Something drained: resume the sources no full port or ring waits on */
static void recompute_pauses(struct sw_worker *w)
{
	uint64_t need[SW_BITMAP_WORDS] = { 0 };
	unsigned int i, k;

	for (i = 0; i < w->nlocal; i++) {
		struct sw_port *sp = w->tbl->ports[w->local[i]];

		if (sp->blocked)
			for (k = 0; k < SW_BITMAP_WORDS; k++)
				need[k] |= sp->feeders[k];
	}
	for (i = 0; i < w->sw->cfg.workers; i++)
		if (w->novf[i])
			for (k = 0; k < SW_BITMAP_WORDS; k++)
				need[k] |= w->ovf_feeders[i][k];
	for (i = 0; i < w->nlocal; i++) {
		struct sw_port *sp = w->tbl->ports[w->local[i]];

		if (sp->paused && !bit_test(need, sp->port->id))
			set_paused(w, sp, false);
	}
}

static bool bl_push(struct sw_port *sp, struct vn_pkt *pkt)
{
	/* A bound we promise (one burst per source before it pauses): if it is
	 * ever exceeded the frame is dropped and counted, not queued */
	if (unlikely(sp->nbacklog == SW_BACKLOG_MAX))
		return false;
	sp->backlog[(sp->bl_head + sp->nbacklog++) % SW_BACKLOG_MAX] = pkt;
	return true;
}

static struct vn_pkt *bl_pop(struct sw_port *sp)
{
	struct vn_pkt *pkt = sp->backlog[sp->bl_head];

	sp->bl_head = (sp->bl_head + 1) % SW_BACKLOG_MAX;
	sp->nbacklog--;
	return pkt;
}

/*
 * Keep the refused out[sent, nout) in @sp->partial, except worker-pool
 * buffers (segments, private copies) past the port's share: at most
 * SW_PARK_MAX of them, and never so many that fewer than SW_POOL_RESERVE
 * would stay free. The rest are dropped (drop_pool_share), so frames a
 * full port cannot take do not starve every other port's segmentation.
 */
static void park(struct sw_worker *w, struct sw_port *sp, struct vn_pkt **out,
		 unsigned int sent, unsigned int nout)
{
	unsigned int k, mine = 0, allow, n = 0;
	uint64_t free_after;

	for (k = sent; k < nout; k++)
		mine += out[k]->pool == w->pool;
	/* Free if every refused pool buffer went back; park only above the reserve */
	free_after = (uint64_t)vn_pool_avail(w->pool) + mine;
	allow = free_after > SW_POOL_RESERVE ?
		(unsigned int)VN_MIN(free_after - SW_POOL_RESERVE, SW_PARK_MAX) : 0;
	for (k = sent; k < nout; k++) {
		if (out[k]->pool == w->pool) {
			if (!allow) {
				vn_port_drop(sp->port, VN_DROP_POOL_SHARE, 1);
				vn_pkt_put(out[k]);
				continue;
			}
			allow--;
		}
		sp->partial[n++] = out[k];
	}
	sp->npartial = n;
}

/* The port refused out[sent, nout): keep them (block) or drop them (drop, or stalled) */
static bool tx_refused(struct sw_worker *w, struct sw_port *sp, struct vn_pkt **out,
		       unsigned int sent, unsigned int nout)
{
	struct vn_port *port = sp->port;

	port->stats.ring_full++;
	if (port->conf.drop_when_full || sp->stalled) {
		vn_port_drop(port, VN_DROP_TX_FULL, nout - sent);
		vn_pkt_put_bulk(out + sent, nout - sent);
		while (sp->nbacklog) {
			struct vn_pkt *pkt = bl_pop(sp);

			vn_port_drop(port, VN_DROP_TX_FULL, 1);
			vn_pkt_put(pkt);
		}
		return false;
	}
	park(w, sp, out, sent, nout);
	return true;
}

/* Blocked and taking nothing for SW_STALL_SEC: drop what it holds, like policy=drop */
static bool stall(struct sw_port *sp)
{
	struct vn_port *port = sp->port;

	sp->stalled = true;
	vn_port_drop(port, VN_DROP_TX_FULL, sp->npartial + sp->nbacklog);
	vn_pkt_put_bulk(sp->partial, sp->npartial);
	sp->npartial = 0;
	vn_port_drop(sp->port, VN_DROP_PORT_DOWN, sp->ngtx);
	vn_pkt_put_bulk(sp->gtx, sp->ngtx);
	sp->ngtx = 0;
	while (sp->nbacklog)
		vn_pkt_put(bl_pop(sp));
	vn_log_rl(VN_LOG_WARN, "port '%s': took nothing for %d s while full: stalled, "
		  "dropping its frames until it drains", port->name, SW_STALL_SEC);
	return false;
}

/*
 * Hand @sp the @nout resolved frames in @w->out; what it refuses is kept in
 * its partial list or dropped, by its policy (tx_refused()). Sets *@sent.
 * Return: true if frames were kept: the port is full
 */
static bool tx_out(struct sw_worker *w, struct sw_port *sp, unsigned int nout,
		   unsigned int *sent)
{
	*sent = vn_port_tx_burst(sp->port, w->out, nout);
	if (*sent)
		sp->progress_at = w->now;
	if (*sent == nout) {
		sp->stalled = false;	/* it drains again: back to its policy */
		return false;
	}
	return tx_refused(w, sp, w->out, *sent, nout);
}

/* Up to SW_BURST frames of the backlog, merged by GRO when it pays (egress.c) */
static unsigned int take_chunk(struct sw_worker *w, struct sw_port *sp, struct vn_pkt **pkts)
{
	unsigned int n = 0;

	while (sp->nbacklog && n < SW_BURST)
		pkts[n++] = bl_pop(sp);
	return sw_egress_gro(w, sp, pkts, n);
}

/**
 * pump_locked() - Resolve and send a port's backlog, in bursts, until it is empty or the port is full
 * @w:		worker owning @sp
 * @sp:		destination, its tx_lock held if shared_tx
 *
 * Return: frames the port took
 */
static unsigned int pump_locked(struct sw_worker *w, struct sw_port *sp)
{
	struct vn_port *port = sp->port;
	unsigned int work = 0, sent, nout, n, k;
	struct vn_pkt *chunk[SW_BURST];
	struct vn_sw_capture *cap;
	bool full = false;

	__atomic_store_n(&sp->kick, 0, __ATOMIC_RELAXED);
	if (sp->npartial) {
		sent = vn_port_tx_burst(port, sp->partial, sp->npartial);
		work += sent;
		if (sent)
			sp->progress_at = w->now;
		sp->npartial -= sent;
		memmove(sp->partial, sp->partial + sent, sp->npartial * sizeof(*sp->partial));
		full = sp->npartial > 0;
	}
	while (!full && sp->nbacklog) {
		nout = 0;
		n = take_chunk(w, sp, chunk);
		/* Resolve a frame only while its worst-case segmentation still fits
		 * @out; what is left goes back to the front of the backlog */
		for (k = 0; k < n && SW_OUT_MAX - nout >= SW_SEGS_MAX; k++)
			nout += sw_egress_resolve(w, sp, chunk[k], w->out + nout, SW_OUT_MAX - nout);
		while (k < n) {
			/* back to the front of the backlog, in order */
			sp->bl_head = (sp->bl_head + SW_BACKLOG_MAX - 1) % SW_BACKLOG_MAX;
			sp->backlog[sp->bl_head] = chunk[--n];
			sp->nbacklog++;
		}
		if (!nout)
			continue;
		cap = __atomic_load_n(&sp->cap[VN_SW_EGRESS], __ATOMIC_ACQUIRE);
		if (unlikely(cap))	/* what the peer gets: resolved, segmented */
			sw_capture_burst(w, cap, w->out, nout);
		full = tx_out(w, sp, nout, &sent);
		work += sent;
	}
	if (full && sp->blocked && w->now - sp->progress_at >= SW_STALL_SEC)
		full = stall(sp);
	if (full != sp->blocked) {
		sp->blocked = full;
		if (full)
			sp->progress_at = w->now;
		if (!full)
			memset(sp->feeders, 0, sizeof(sp->feeders));
		ep_update(w, sp);
		if (!full)
			recompute_pauses(w);
	}
	return work;
}

static unsigned int pump(struct sw_worker *w, struct sw_port *sp)
{
	unsigned int work;

	tx_lock(sp);
	work = pump_locked(w, sp);
	tx_unlock(sp);
	return work;
}

static inline void dl_add(struct sw_worker *w, uint16_t d, struct vn_pkt *pkt)
{
	struct sw_dlist *l = &w->dl[d];

	if (!l->n)
		w->dtouched[w->ndtouched++] = d;
	l->pkts[l->n++] = pkt;
}

static void ring_send(struct sw_worker *w, unsigned int dst, struct vn_pkt **pkts,
		      unsigned int n, struct sw_port *src);

/*
 * Frames for @sp, a shared_tx port of another worker, that classify() let
 * go straight to it: send them here under its lock, or, if anything of the
 * port's is still queued (or it has an egress program or capture), through
 * the owner's ring after all
 */
static void direct_tx(struct sw_worker *w, struct sw_port *sp, struct vn_pkt **pkts,
		      unsigned int n, struct sw_port *src)
{
	struct vn_port *port = sp->port;
	unsigned int k = 0, nout, sent;
	bool parked = false;

	pthread_mutex_lock(&sp->tx_lock);
	if (sp->nbacklog || sp->npartial || sp->blocked ||
	    __atomic_load_n(&sp->xdp[VN_SW_EGRESS], __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&sp->guest, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&sp->cap[VN_SW_EGRESS], __ATOMIC_ACQUIRE)) {
		pthread_mutex_unlock(&sp->tx_lock);
		for (k = 0; k < n; k++)
			pkts[k]->user = port->id;
		ring_send(w, sp->worker, pkts, n, src);
		return;
	}
	n = sw_egress_gro(w, sp, pkts, n);
	while (k < n && !parked) {
		/* as pump_locked(): resolve while the worst case still fits */
		for (nout = 0; k < n && SW_OUT_MAX - nout >= SW_SEGS_MAX; k++)
			nout += sw_egress_resolve_plain(w, sp, pkts[k], w->out + nout,
							SW_OUT_MAX - nout);
		if (!nout)
			continue;
		parked = tx_out(w, sp, nout, &sent);
		w->stats.direct_tx += sent;
	}
	if (!parked) {
		pthread_mutex_unlock(&sp->tx_lock);
		return;
	}
	/* what was not resolved waits behind partial; the owner pumps the
	 * port from now on, and blocks it if it stays full */
	for (; k < n; k++) {
		if (unlikely(!bl_push(sp, pkts[k]))) {
			vn_port_drop(port, VN_DROP_TX_FULL, 1);
			vn_pkt_put(pkts[k]);
		}
	}
	__atomic_store_n(&sp->kick, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&sp->tx_lock);
	kick_worker(w, &w->sw->workers[sp->worker]);
}

/* Second pass: every destination's list into its backlog, then one pump */
static void flush_dlists(struct sw_worker *w, struct sw_port *src)
{
	unsigned int i, k;

	for (i = 0; i < w->ndtouched; i++) {
		struct sw_dlist *l = &w->dl[w->dtouched[i]];
		struct sw_port *sp = w->tbl->ports[w->dtouched[i]];

		if (sp->worker != w->idx) {
			direct_tx(w, sp, l->pkts, l->n, src);
			l->n = 0;
			continue;
		}
		tx_lock(sp);
		for (k = 0; k < l->n; k++) {
			if (unlikely(!bl_push(sp, l->pkts[k]))) {
				vn_port_drop(sp->port, VN_DROP_TX_FULL, 1);
				vn_pkt_put(l->pkts[k]);
			}
		}
		l->n = 0;
		if (sp->nbacklog > w->stats.backlog_max)
			w->stats.backlog_max = sp->nbacklog;
		pump_locked(w, sp);
		tx_unlock(sp);
		if (sp->blocked)
			pause_feeder(w, sp->feeders, src);
	}
	w->ndtouched = 0;
}

/* Frames for another worker: into its ring, keeping what does not fit */
static void ring_send(struct sw_worker *w, unsigned int dst, struct vn_pkt **pkts,
		      unsigned int n, struct sw_port *src)
{
	struct sw_worker *peer = &w->sw->workers[dst];
	unsigned int sent = 0, k;

	if (!w->novf[dst])
		sent = vn_ring_enqueue_burst(peer->in[w->idx], (void *const *)pkts, n);
	if (sent) {
		w->stats.ring_tx += sent;
		w->ring_enq[dst] += sent;
		kick_worker(w, peer);
	}
	for (k = sent; k < n; k++) {
		/* Past the bound (see bl_push()): counted on the source */
		if (unlikely(w->novf[dst] == SW_BACKLOG_MAX)) {
			if (src)
				vn_port_drop(src->port, VN_DROP_TX_FULL, 1);
			vn_pkt_put(pkts[k]);
			continue;
		}
		w->ovf[dst][w->novf[dst]++] = pkts[k];
	}
	if (w->novf[dst])
		pause_feeder(w, w->ovf_feeders[dst], src);
}

static void flush_rlists(struct sw_worker *w, struct sw_port *src)
{
	unsigned int i;

	for (i = 0; i < w->sw->cfg.workers; i++) {
		if (!w->rl[i].n)
			continue;
		ring_send(w, i, w->rl[i].pkts, w->rl[i].n, src);
		w->rl[i].n = 0;
	}
}

/* Retry what full rings refused earlier */
static unsigned int flush_ovf(struct sw_worker *w)
{
	unsigned int i, sent, work = 0;
	bool drained = false;

	for (i = 0; i < w->sw->cfg.workers; i++) {
		if (!w->novf[i])
			continue;
		sent = vn_ring_enqueue_burst(w->sw->workers[i].in[w->idx], (void **)w->ovf[i],
					     w->novf[i]);
		if (!sent)
			continue;
		work += sent;
		w->stats.ring_tx += sent;
		w->ring_enq[i] += sent;
		w->novf[i] -= sent;
		memmove(w->ovf[i], w->ovf[i] + sent, w->novf[i] * sizeof(**w->ovf));
		kick_worker(w, &w->sw->workers[i]);
		if (!w->novf[i]) {
			memset(w->ovf_feeders[i], 0, sizeof(w->ovf_feeders[i]));
			drained = true;
		}
	}
	if (drained)
		recompute_pauses(w);
	return work;
}

/* Copy a flooded frame to every other member port here and, once, to each other worker */
static void flood(struct sw_worker *w, struct vn_pkt *pkt, bool remote)
{
	struct sw_table *t = w->tbl;
	unsigned int i;

	for (i = 0; i < w->nlocal; i++) {
		struct sw_port *sp = t->ports[w->local[i]];

		/* no hairpin: never back out of the ingress port */
		if (sp->port->id == pkt->in_port || !vn_sw_vlan_member(&sp->vlan, pkt->vlan_tci))
			continue;
		vn_pkt_get(pkt);
		dl_add(w, sp->port->id, pkt);
	}
	if (remote) {
		pkt->user = SW_FLOOD;
		for (i = 0; i < w->sw->cfg.workers; i++) {
			if (i == w->idx || !t->per_worker[i])
				continue;
			vn_pkt_get(pkt);
			w->rl[i].pkts[w->rl[i].n++] = pkt;
		}
	}
	vn_pkt_put(pkt);
}

/*
 * Nothing this worker sent towards worker @dw can still be on its way: its
 * ring holds nothing @dw has not forwarded, and neither does the overflow
 */
static inline bool ring_idle(struct sw_worker *w, unsigned int dw)
{
	return !w->novf[dw] &&
	       w->ring_enq[dw] == __atomic_load_n(&w->sw->workers[dw].ring_done[w->idx],
						  __ATOMIC_ACQUIRE);
}

/* A unicast frame for port @d: its list here (our port, or direct transmit), or its worker's */
static inline void to_port(struct sw_worker *w, uint16_t d, struct vn_pkt *pkt)
{
	const struct sw_port *sp = w->tbl->ports[d];
	unsigned int dw = sp->worker;

	/* once a frame of this burst went to @dw's ring, the rest follow it there */
	if (dw == w->idx || (sp->shared_tx && !w->rl[dw].n && ring_idle(w, dw)))
		return dl_add(w, d, pkt);
	pkt->user = d;
	w->rl[dw].pkts[w->rl[dw].n++] = pkt;
}

static inline void drop_in(struct sw_port *src, struct vn_pkt *pkt, enum vn_drop_reason why)
{
	vn_port_drop(src->port, why, 1);
	vn_pkt_put(pkt);
}

/**
 * classify() - First pass for one frame: check, learn, pick destinations
 * @w:		worker
 * @src:	ingress port
 * @pkt:	frame, its reference goes to the lists or is dropped
 * @lreq:	learn requests for the exclusive pass
 * @nl:		entries in @lreq
 * @now:	seconds
 */
static void classify(struct sw_worker *w, struct sw_port *src, struct vn_pkt *pkt,
		     struct vn_fdb_learn_req *lreq, unsigned int *nl, uint32_t now)
{
	struct vn_fdb *fdb = w->sw->fdb;
	enum vn_drop_reason why;
	const uint8_t *eth;
	uint64_t key;
	int d;

	/* the header was validated where the frame entered (vn_port_rx_burst(),
	 * guest_tx_drain(), or the XDP hook after a program changed it) */
	why = vn_sw_vlan_ingress(&src->vlan, pkt);
	if (unlikely(why))
		return drop_in(src, pkt, why);
	eth = vn_pkt_ptr(pkt, 0, 12);	/* vlan_ingress checked 14 bytes */
	/* A group address is never a station's source */
	if (unlikely(eth[6] & 1))
		return drop_in(src, pkt, VN_DROP_SRC_MAC);
	key = vn_fdb_key(eth + 6, pkt->vlan_tci);
	if (!vn_fdb_learn_fast(fdb, &w->cache, key, pkt->in_port, now))
		lreq[(*nl)++] = (struct vn_fdb_learn_req){ .key = key, .port = pkt->in_port,
							   .max = src->port->conf.max_macs };
	if (eth[0] & 1)
		return flood(w, pkt, true);	/* broadcast, multicast */
	d = vn_fdb_lookup(fdb, vn_fdb_key(eth, pkt->vlan_tci), now);
	if (d == VN_FDB_NONE || !w->tbl->ports[d])
		return flood(w, pkt, true);	/* unknown unicast */
	if (unlikely(d == pkt->in_port))
		return drop_in(src, pkt, VN_DROP_HAIRPIN);
	if (unlikely(!vn_sw_vlan_member(&w->tbl->ports[d]->vlan, pkt->vlan_tci)))
		return drop_in(src, pkt, VN_DROP_VLAN);
	to_port(w, (uint16_t)d, pkt);
}

/**
 * sw_worker_enqueue() - Queue a frame for a destination port, bypassing classification
 * @w:		worker
 * @d:		destination port id, present in w->tbl
 * @pkt:	frame, its reference goes to the list
 *
 * For the XDP hook's TX and REDIRECT frames; sent by the next
 * sw_forward_burst() with the rest of the burst.
 */
void sw_worker_enqueue(struct sw_worker *w, uint16_t d, struct vn_pkt *pkt)
{
	to_port(w, d, pkt);
}

/**
 * sw_forward_burst() - Forward one received burst: classify all, then send per destination
 * @w:		worker
 * @src:	ingress port
 * @pkts:	frames (at most SW_BURST, with what sw_worker_enqueue() queued)
 * @n:		entries in @pkts
 * @now:	seconds
 */
void sw_forward_burst(struct sw_worker *w, struct sw_port *src, struct vn_pkt **pkts,
		      unsigned int n, uint32_t now)
{
	struct vn_fdb_learn_req lreq[SW_BURST];
	unsigned int i, nl = 0;

	vn_fdb_read_lock(w->sw->fdb);
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			__builtin_prefetch(vn_pkt_data(pkts[i + 1]));
		classify(w, src, pkts[i], lreq, &nl, now);
	}
	vn_fdb_read_unlock(w->sw->fdb);
	/* every request is @src's: its own worker counts what its limit refused */
	src->port->stats.macs_refused += vn_fdb_learn_bulk(w->sw->fdb, lreq, nl, now);
	flush_dlists(w, src);
	flush_rlists(w, src);
}

/*
 * A burst through the port's ingress program: chunk by chunk, the frames it
 * passed go through classify/forward and the ones it sent (TX, REDIRECT)
 * straight to their ports, flushed together
 */
static void xdp_ingress(struct sw_worker *w, struct sw_port *src, struct vn_sw_xdp *x,
			struct vn_pkt **pkts, unsigned int n, uint32_t now)
{
	struct sw_xdp_ing c;
	unsigned int i;

	sw_xdp_ingress_begin(&c, w, src, x, pkts, n);
	while (sw_xdp_ingress_next(&c)) {
		for (i = 0; i < c.ntx; i++)
			sw_worker_enqueue(w, c.tx_dst[i], c.tx[i]);
		sw_forward_burst(w, src, c.pass, c.npass, now);
	}
}

/* A received burst: through the port's ingress XDP program if it has one */
static void forward(struct sw_worker *w, struct sw_port *src, struct vn_pkt **pkts,
		    unsigned int n, uint32_t now)
{
	struct vn_sw_xdp *x = __atomic_load_n(&src->xdp[VN_SW_INGRESS], __ATOMIC_ACQUIRE);
	struct vn_sw_capture *cap = __atomic_load_n(&src->cap[VN_SW_INGRESS], __ATOMIC_ACQUIRE);

	if (unlikely(cap))	/* as the peer sent them, before the XDP program */
		sw_capture_burst(w, cap, pkts, n);
	if (likely(!x))
		return sw_forward_burst(w, src, pkts, n, now);
	xdp_ingress(w, src, x, pkts, n, now);
}

/*
 * Frames a port's guest program sent back (XDP_TX at its egress): into the
 * switch as frames the port received, like forward() does for rx_burst.
 * Only what was queued when it starts: what its forwarding queues again
 * waits for the next call.
 */
static unsigned int guest_tx_drain(struct sw_worker *w, struct sw_port *sp, uint32_t now)
{
	struct vn_pkt *pkts[SW_BURST];
	unsigned int left = sp->ngtx, done = 0, k, n;
	uint64_t bytes;

	while (left && sp->ngtx) {
		k = sp->ngtx < SW_BURST ? sp->ngtx : SW_BURST;
		k = k < left ? k : left;
		memcpy(pkts, sp->gtx, k * sizeof(*pkts));
		sp->ngtx -= k;
		memmove(sp->gtx, sp->gtx + k, sp->ngtx * sizeof(*sp->gtx));
		left -= k;
		done += k;
		/* received from @sp, checked and stamped as vn_port_rx_burst()
		 * does: the guest's program may have rewritten them */
		n = vn_port_admit(sp->port, pkts, k, &bytes);
		forward(w, sp, pkts, n, now);
	}
	return done;
}

/* Frames worker @from classified for our ports */
static void forward_remote(struct sw_worker *w, unsigned int from, struct vn_pkt **pkts,
			   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct vn_pkt *pkt = pkts[i];
		struct sw_port *sp;

		if (pkt->user == SW_FLOOD) {
			flood(w, pkt, false);
			continue;
		}
		sp = pkt->user < VN_SW_PORTS_MAX ? w->tbl->ports[pkt->user] : NULL;
		/* The port went away (or moved) while the frame was in the ring */
		if (unlikely(!sp || sp->worker != w->idx)) {
			w->stats.ring_stale++;
			vn_pkt_put(pkt);
			continue;
		}
		dl_add(w, sp->port->id, pkt);
	}
	flush_dlists(w, NULL);
	/* all in a backlog, sent or dropped: @from may send to these ports itself again */
	__atomic_store_n(&w->ring_done[from], w->ring_done[from] + n, __ATOMIC_RELEASE);
}

static void detach_local(struct sw_worker *w, struct sw_port *sp)
{
	int rfd = port_rx_fd(sp);

	if (sp->in_epoll && rfd >= 0)
		ep_ctl(w, EPOLL_CTL_DEL, rfd, 0, 0);
	if (sp->tx_in_epoll)
		ep_ctl(w, EPOLL_CTL_DEL, port_tx_fd(sp), 0, 0);
	sp->in_epoll = sp->tx_in_epoll = false;
	sw_port_release_queued(sp);
	vn_port_drop(sp->port, VN_DROP_PORT_DOWN, sp->ngtx);
	vn_pkt_put_bulk(sp->gtx, sp->ngtx);
	sp->ngtx = 0;
}

/**
 * sw_port_release_queued() - Drop (counted: port_down) the frames queued for a leaving port
 * @sp:		port, no longer in its worker's table
 *
 * Its owner calls this when it lets go of the port; the control thread
 * again once no worker can reach it (vn_sw_port_del()), for what another
 * worker's direct transmit left in the meantime.
 */
void sw_port_release_queued(struct sw_port *sp)
{
	tx_lock(sp);
	vn_port_drop(sp->port, VN_DROP_PORT_DOWN, sp->nbacklog + sp->npartial);
	while (sp->nbacklog)
		vn_pkt_put(bl_pop(sp));
	vn_pkt_put_bulk(sp->partial, sp->npartial);
	sp->npartial = 0;
	sp->blocked = false;
	tx_unlock(sp);
}

/**
 * sw_worker_sync() - Adopt the table the control thread published
 * @w:		worker
 *
 * Ports that left this worker are detached (backlog dropped and counted,
 * fds out of epoll); new ones are registered. Then seen_gen tells the
 * control thread that the old table is no longer used by this worker.
 */
void sw_worker_sync(struct sw_worker *w)
{
	struct sw_table *t = __atomic_load_n(&w->sw->tbl, __ATOMIC_ACQUIRE);
	unsigned int i, id;

	for (i = 0; w->tbl && i < w->nlocal; i++) {
		struct sw_port *sp = w->tbl->ports[w->local[i]];

		if (t->ports[w->local[i]] != sp)
			detach_local(w, sp);
	}
	w->nlocal = 0;
	for (id = 0; id < VN_SW_PORTS_MAX; id++) {
		struct sw_port *sp = t->ports[id];

		if (!sp || sp->worker != w->idx)
			continue;
		w->local[w->nlocal++] = (uint16_t)id;
		if (!sp->in_epoll) {
			sp->ep_events = EPOLLIN;
			ep_ctl(w, EPOLL_CTL_ADD, port_rx_fd(sp), EPOLLIN, id);
			sp->in_epoll = true;
		}
	}
	w->tbl = t;
	/* A feeder that left: nobody waits for it any more */
	recompute_pauses(w);
	__atomic_store_n(&w->seen_gen, t->gen, __ATOMIC_RELEASE);
}

static bool any_blocked(const struct sw_worker *w)
{
	for (unsigned int i = 0; i < w->nlocal; i++)
		if (w->tbl->ports[w->local[i]]->blocked)
			return true;
	return false;
}

/**
 * sw_worker_iter() - One pass over the worker's ports and rings
 * @w:		worker
 *
 * Return: frames handled
 */
unsigned int sw_worker_iter(struct sw_worker *w)
{
	struct vn_pkt *pkts[SW_BURST];
	unsigned int i, n, work = 0;
	uint32_t now = w->sw->now();

	w->now = now;
	if (__atomic_load_n(&w->sw->tbl, __ATOMIC_ACQUIRE) != w->tbl)
		sw_worker_sync(w);
	w->stats.iterations++;
	for (i = 0; i < w->nlocal; i++) {
		struct sw_port *sp = w->tbl->ports[w->local[i]];

		if (sp->blocked || __atomic_load_n(&sp->kick, __ATOMIC_ACQUIRE))
			work += pump(w, sp);
	}
	if (!any_blocked(w)) {
		for (i = 0; i < w->sw->cfg.workers; i++) {
			if (!w->in[i])
				continue;
			n = vn_ring_dequeue_burst(w->in[i], (void **)pkts, SW_BURST);
			if (!n)
				continue;
			w->stats.ring_rx += n;
			work += n;
			forward_remote(w, i, pkts, n);
		}
	}
	for (i = 0; i < w->nlocal; i++) {
		struct sw_port *sp = w->tbl->ports[w->local[i]];

		if (sp->paused)
			continue;
		n = vn_port_rx_burst(sp->port, pkts, SW_BURST);
		if (!n)
			continue;
		work += n;
		forward(w, sp, pkts, n, now);
	}
	/* guest programs' XDP_TX frames, after everything else of this pass */
	for (i = 0; i < w->nlocal; i++) {
		struct sw_port *sp = w->tbl->ports[w->local[i]];

		if (unlikely(sp->ngtx))
			work += guest_tx_drain(w, sp, now);
	}
	work += flush_ovf(w);
	sw_put_flush(w);
	if (w->idx == 0 && now != w->last_age) {
		vn_fdb_age(w->sw->fdb, now);
		w->last_age = now;
	}
	return work;
}

static bool rings_empty(struct sw_worker *w)
{
	for (unsigned int i = 0; i < w->sw->cfg.workers; i++)
		if (w->in[i] && vn_ring_count(w->in[i]))
			return false;
	return true;
}

/* Another worker left frames in one of our ports (direct_tx()) */
static bool kicked(struct sw_worker *w)
{
	for (unsigned int i = 0; i < w->nlocal; i++)
		if (__atomic_load_n(&w->tbl->ports[w->local[i]]->kick, __ATOMIC_SEQ_CST))
			return true;
	return false;
}

static int sleep_timeout(struct sw_worker *w)
{
	unsigned int i;

	for (i = 0; i < w->sw->cfg.workers; i++)
		if (w->novf[i])
			return 1;	/* a full ring has no fd: poll it */
	for (i = 0; i < w->nlocal; i++) {
		struct sw_port *sp = w->tbl->ports[w->local[i]];

		if (sp->blocked && port_tx_fd(sp) < 0)
			return 1;
	}
	/* Worker 0 ages the FDB; a blocked port may stall (SW_STALL_SEC) */
	return w->idx == 0 || any_blocked(w) ? 1000 : -1;
}

static void sleep_once(struct sw_worker *w)
{
	struct epoll_event evs[16];
	uint64_t v;
	int n;

	__atomic_store_n(&w->sleeping, 1, __ATOMIC_SEQ_CST);
	/* A producer that enqueued (or kicked a port) before seeing @sleeping did not kick us */
	if (rings_empty(w) && !kicked(w)) {
		w->stats.sleeps++;
		n = epoll_wait(w->epfd, evs, 16, sleep_timeout(w));
		for (int i = 0; i < n; i++)
			if (evs[i].data.u64 == EP_WAKE && read(w->evfd, &v, sizeof(v)) < 0)
				break;
	}
	__atomic_store_n(&w->sleeping, 0, __ATOMIC_SEQ_CST);
}

/**
 * sw_worker_main() - Thread body: iterate until stopped
 * @arg:	struct sw_worker
 *
 * Return: NULL
 */
void *sw_worker_main(void *arg)
{
	struct sw_worker *w = arg;
	uint64_t poll_ns = (uint64_t)w->sw->cfg.poll_us * 1000, idle_since = 0;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		if (sw_worker_iter(w) || w->sw->cfg.busy_poll) {
			idle_since = 0;
			continue;
		}
		if (poll_ns) {
			uint64_t t = vn_mono_ns();

			if (!idle_since)
				idle_since = t;
			if (t - idle_since < poll_ns) {
				/* poll again soon, but let a task waiting for this CPU run first */
				w->stats.polls++;
				sched_yield();
				continue;
			}
			idle_since = 0;
		}
		sleep_once(w);
	}
	return NULL;
}

/**
 * sw_worker_init() - Set up a worker's epoll set, wake-up fd, rings and pool
 * @sw:		switch (cfg.workers set)
 * @w:		worker, zeroed
 * @idx:	its index
 *
 * Return: 0, or a negative errno
 */
int sw_worker_init(struct vn_sw *sw, struct sw_worker *w, unsigned int idx)
{
	unsigned int nw = sw->cfg.workers, i;
	char name[32];
	int rc;

	w->sw = sw;
	w->idx = idx;
	w->evfd = -1;
	vn_fdb_cache_init(&w->cache);
	vn_gro_init(&w->gro);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		return -errno;
	w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->evfd < 0)
		return -errno;
	ep_ctl(w, EPOLL_CTL_ADD, w->evfd, EPOLLIN, EP_WAKE);
	snprintf(name, sizeof(name), "sw-worker%u", idx);
	rc = vn_pool_create(name, SW_WORKER_POOL, &w->pool);
	if (rc)
		return rc;
	w->dl = calloc(VN_SW_PORTS_MAX, sizeof(*w->dl));
	w->rl = calloc(nw, sizeof(*w->rl));
	w->out = calloc(SW_OUT_MAX, sizeof(*w->out));
	w->in = calloc(nw, sizeof(*w->in));
	w->ovf = calloc(nw, sizeof(*w->ovf));
	w->novf = calloc(nw, sizeof(*w->novf));
	w->ovf_feeders = calloc(nw, sizeof(*w->ovf_feeders));
	w->ring_enq = calloc(nw, sizeof(*w->ring_enq));
	w->ring_done = calloc(nw, sizeof(*w->ring_done));
	if (!w->dl || !w->rl || !w->out || !w->in || !w->ovf || !w->novf || !w->ovf_feeders ||
	    !w->ring_enq || !w->ring_done)
		return -ENOMEM;
	for (i = 0; i < nw; i++) {
		if (i == idx)
			continue;
		rc = vn_ring_create(SW_RING_SIZE, 0, &w->in[i]);
		if (rc)
			return rc;
		w->ovf[i] = calloc(SW_BACKLOG_MAX, sizeof(**w->ovf));
		if (!w->ovf[i])
			return -ENOMEM;
	}
	return 0;
}

/**
 * sw_worker_drain() - Release the frames queued in a worker's rings and overflow lists
 * @w:		worker, thread stopped
 *
 * Called before the ports close, so the pools those frames belong to can go.
 */
void sw_worker_drain(struct sw_worker *w)
{
	struct vn_pkt *pkts[SW_BURST];
	unsigned int i, n;

	sw_put_flush(w);
	for (i = 0; w->in && i < w->sw->cfg.workers; i++) {
		while (w->in[i] && (n = vn_ring_dequeue_burst(w->in[i], (void **)pkts, SW_BURST)))
			vn_pkt_put_bulk(pkts, n);
		if (w->ovf && w->ovf[i]) {
			vn_pkt_put_bulk(w->ovf[i], w->novf[i]);
			w->novf[i] = 0;
		}
	}
}

/**
 * sw_worker_fini() - Free a worker (drained, thread stopped, ports detached)
 * @w:		worker
 */
void sw_worker_fini(struct sw_worker *w)
{
	unsigned int i;

	for (i = 0; i < w->sw->cfg.workers; i++) {
		if (w->in)
			vn_ring_destroy(w->in[i]);
		if (w->ovf)
			free(w->ovf[i]);
	}
	free(w->in);
	free(w->ovf);
	free(w->novf);
	free(w->ovf_feeders);
	free(w->ring_enq);
	free(w->ring_done);
	free(w->dl);
	free(w->rl);
	free(w->out);
	vn_pool_destroy(w->pool);
	if (w->evfd >= 0)
		close(w->evfd);
	if (w->epfd >= 0)
		close(w->epfd);
}

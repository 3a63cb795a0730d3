// SPDX-License-Identifier: MIT
/* capture.c - capture tap points: filter, bounded per-worker slot queues, attach/detach
 *
 * Each capture owns, per worker, a block of fixed-size slots (a record
 * header plus snaplen bytes) and two SPSC rings of slot pointers
 * (core/ring.h): @free (the reader produces, the worker consumes) and
 * @full (the worker produces, the reader consumes). A worker takes free
 * slots in bursts into a small stash it owns, fills them, and publishes
 * them on @full once per burst; the reader copies a slot out and gives it
 * back on @free. All slots of a worker fit in each ring, so an enqueue
 * never fails. No free slot: the frame is counted in @dropped.
 *
 * Attach and detach follow the XDP hook (xdp_hook.c): the pointer in
 * sw_port.cap[dir] is stored with release under the switch's control lock
 * and, on detach, a grace period (sw_grace_period()) passes before the
 * capture is freed, so a worker never uses a freed capture. A port deleted
 * while captured takes its pointer with it (its own grace period); the
 * capture then simply sees no more frames until it is closed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/ring.h"
#include "core/vhdr.h"
#include "capture_filter.h"
#include "capture_internal.h"

#define VN_COUNTER_T struct vn_sw_capture_stats
const struct vn_counter_desc vn_sw_capture_counter_descs[VN_SW_CAPTURE_NCOUNTERS] = {
	VN_SW_CAPTURE_COUNTERS(VN_COUNTER_DESC_OF)
};
#undef VN_COUNTER_T

/**
 * struct cap_q - one worker's queue of one capture
 * @free:	empty slots for the worker
 * @full:	filled slots for the reader
 * @stash:	free slots the worker took and has not filled yet
 * @nstash:	entries in @stash
 * @matched:	frames that passed the filter (worker writes)
 * @captured:	frames copied (worker writes)
 * @dropped:	frames that found no slot (worker writes)
 */
struct cap_q {
	struct vn_ring *free;
	struct vn_ring *full;
	void *stash[SW_BURST];
	unsigned int nstash;
	_Alignas(64) uint64_t matched;
	uint64_t captured;
	uint64_t dropped;
};

/**
 * struct vn_sw_capture - one capture
 * @sw:		switch
 * @port:	port name
 * @dir:	direction
 * @snaplen:	bytes kept per frame
 * @slot_sz:	bytes per slot
 * @filter:	compiled filter, NULL for every frame
 * @nq:		workers
 * @q:		per-worker queues
 * @mem:	all slots
 * @port_gone:	the port was deleted (atomic: set by the control thread)
 */
struct vn_sw_capture {
	struct vn_sw *sw;
	char port[VN_PORT_NAME_MAX];
	enum vn_sw_dir dir;
	uint32_t snaplen;
	size_t slot_sz;
	struct sw_cap_filter *filter;
	unsigned int nq;
	struct cap_q *q;
	uint8_t *mem;
	bool port_gone;
};

/* ---- datapath ---- */

void sw_capture_burst(struct sw_worker *w, struct vn_sw_capture *cap, struct vn_pkt *const *pkts,
		      unsigned int n)
{
	struct cap_q *q;
	void *done[SW_BURST];
	unsigned int i, nd = 0;
	struct timespec ts;
	uint64_t ns;

	/* A worker index past the capture's queues: the switch grew workers */
	if (unlikely(w->idx >= cap->nq))
		return;
	q = &cap->q[w->idx];
	clock_gettime(CLOCK_REALTIME, &ts);
	ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (i = 0; i < n; i++) {
		const struct vn_pkt *pkt = pkts[i];
		struct vn_sw_capture_rec *rec;

		if (cap->filter && !sw_cap_filter_match(cap->filter, vn_pkt_data(pkt), pkt->len))
			continue;
		q->matched++;
		if (!q->nstash)
			q->nstash = vn_ring_dequeue_burst(q->free, q->stash, SW_BURST);
		if (!q->nstash) {
			q->dropped++;
			continue;
		}
		rec = q->stash[--q->nstash];
		rec->ts_ns = ns;
		rec->origlen = pkt->len;
		rec->caplen = pkt->len < cap->snaplen ? pkt->len : cap->snaplen;
		memcpy(rec->data, vn_pkt_data(pkt), rec->caplen);
		done[nd++] = rec;
		q->captured++;
		/* @done holds one burst; publish early for a longer call */
		if (nd == SW_BURST) {
			vn_ring_enqueue_burst(q->full, done, nd);
			nd = 0;
		}
	}
	/* Never short: @full has room for every slot of this worker */
	if (nd)
		vn_ring_enqueue_burst(q->full, done, nd);
}

/* ---- control ---- */

static void cap_free(struct vn_sw_capture *cap)
{
	for (unsigned int i = 0; cap->q && i < cap->nq; i++) {
		vn_ring_destroy(cap->q[i].free);
		vn_ring_destroy(cap->q[i].full);
	}
	sw_cap_filter_free(cap->filter);
	free(cap->q);
	free(cap->mem);
	free(cap);
}

static int filter_compile(struct vn_sw_capture *cap, const char *filter, char *err, size_t err_sz)
{
	if (!filter || !filter[0])
		return 0;
	/* A filter longer than any the protocol carries */
	if (strlen(filter) > VN_SW_CAP_FILTER_MAX) {
		snprintf(err, err_sz, "filter longer than %d bytes", VN_SW_CAP_FILTER_MAX);
		return -EINVAL;
	}
	return sw_cap_filter_compile(filter, cap->snaplen, &cap->filter, err, err_sz);
}

static unsigned int pow2_floor(size_t v)
{
	unsigned int p = 1;

	while ((size_t)p * 2 <= v && p < (1u << 20))
		p *= 2;
	return p;
}

static int queues_alloc(struct vn_sw_capture *cap)
{
	unsigned int nslots, i, k;
	int rc;

	cap->slot_sz = (sizeof(struct vn_sw_capture_rec) + cap->snaplen + 63) & ~(size_t)63;
	nslots = pow2_floor(VN_SW_CAP_QUEUE_BYTES / cap->slot_sz);
	if (nslots < 2 * SW_BURST)
		nslots = 2 * SW_BURST;
	if (nslots > 1024)
		nslots = 1024;
	cap->q = calloc(cap->nq, sizeof(*cap->q));
	cap->mem = malloc(cap->slot_sz * nslots * cap->nq);
	if (!cap->q || !cap->mem)
		return -ENOMEM;
	for (i = 0; i < cap->nq; i++) {
		struct cap_q *q = &cap->q[i];

		rc = vn_ring_create(nslots, 0, &q->free);
		if (!rc)
			rc = vn_ring_create(nslots, 0, &q->full);
		if (rc)
			return rc;
		for (k = 0; k < nslots; k++) {
			void *slot = cap->mem + ((size_t)i * nslots + k) * cap->slot_sz;

			vn_ring_enqueue_burst(q->free, &slot, 1);
		}
	}
	return 0;
}

int vn_sw_capture_open(struct vn_sw *sw, const char *port, enum vn_sw_dir dir,
		       const char *filter, uint32_t snaplen, struct vn_sw_capture **out,
		       char *err, size_t err_sz)
{
	struct vn_sw_capture *cap;
	struct sw_port *sp;
	char dummy[1];
	int rc;

	sw_err_init(&err, &err_sz, dummy);
	/* A direction, port name or snap length no tap point has */
	if ((unsigned int)dir >= VN_SW_DIRS || !port || strlen(port) >= VN_PORT_NAME_MAX ||
	    snaplen > VN_SW_CAP_SNAPLEN_MAX) {
		snprintf(err, err_sz, "bad direction, port name or snap length (max %d)",
			 VN_SW_CAP_SNAPLEN_MAX);
		return -EINVAL;
	}
	cap = calloc(1, sizeof(*cap));
	if (!cap)
		return -ENOMEM;
	cap->sw = sw;
	cap->dir = dir;
	cap->snaplen = snaplen ? snaplen : VN_SW_CAP_SNAPLEN_MAX;
	cap->nq = sw->cfg.workers;
	snprintf(cap->port, sizeof(cap->port), "%s", port);
	rc = filter_compile(cap, filter, err, err_sz);
	if (!rc)
		rc = queues_alloc(cap);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, err_sz, "no memory for the capture queues");
		cap_free(cap);
		return rc;
	}
	pthread_mutex_lock(&sw->ctl);
	sp = sw_port_find_locked(sw, port);
	if (!sp) {
		snprintf(err, err_sz, "no port '%s'", port);
		rc = -ENOENT;
	} else if (sp->cap[dir]) {
		snprintf(err, err_sz, "port '%s' %s is already being captured", port,
			 vn_sw_dir_name(dir));
		rc = -EBUSY;
	} else {
		void *none;

		rc = sw_slot_swap(sw, (void **)&sp->cap[dir], cap, &none, "capture");
	}
	pthread_mutex_unlock(&sw->ctl);
	if (rc) {
		cap_free(cap);
		return rc;
	}
	vn_info("port '%s': %s capture started (snaplen %u%s%s)", port, vn_sw_dir_name(dir),
		cap->snaplen, cap->filter ? ", filter " : "", cap->filter ? filter : "");
	*out = cap;
	return 0;
}

unsigned int vn_sw_capture_read(struct vn_sw_capture *cap,
				int (*cb)(const struct vn_sw_capture_rec *rec, void *arg),
				void *arg, unsigned int max)
{
	unsigned int done = 0;
	bool stop = false;

	for (unsigned int i = 0; i < cap->nq && !stop; i++) {
		struct cap_q *q = &cap->q[i];
		void *slot;

		while (done < max && vn_ring_dequeue_burst(q->full, &slot, 1)) {
			done++;
			stop = cb(slot, arg) != 0;
			vn_ring_enqueue_burst(q->free, &slot, 1);
			if (stop)
				break;
		}
	}
	return done;
}

void vn_sw_capture_stats(struct vn_sw_capture *cap, struct vn_sw_capture_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < cap->nq; i++) {
		st->matched += __atomic_load_n(&cap->q[i].matched, __ATOMIC_RELAXED);
		st->captured += __atomic_load_n(&cap->q[i].captured, __ATOMIC_RELAXED);
		st->dropped += __atomic_load_n(&cap->q[i].dropped, __ATOMIC_RELAXED);
	}
}

uint32_t vn_sw_capture_snaplen(const struct vn_sw_capture *cap)
{
	return cap->snaplen;
}

bool vn_sw_capture_is_on(const struct vn_sw_capture *cap, const char *port, enum vn_sw_dir dir)
{
	return cap->dir == dir && !strcmp(cap->port, port);
}

void sw_capture_port_gone(struct vn_sw_capture *cap)
{
	if (cap)
		__atomic_store_n(&cap->port_gone, true, __ATOMIC_RELEASE);
}

bool vn_sw_capture_port_gone(const struct vn_sw_capture *cap)
{
	return __atomic_load_n(&cap->port_gone, __ATOMIC_ACQUIRE);
}

int vn_sw_capture_detach(struct vn_sw_capture *cap)
{
	struct vn_sw *sw = cap->sw;
	struct sw_port *sp;
	int rc = 0;

	pthread_mutex_lock(&sw->ctl);
	sp = sw_port_find_locked(sw, cap->port);
	if (sp && sp->cap[cap->dir] == cap) {
		void *old;

		rc = sw_slot_swap(sw, (void **)&sp->cap[cap->dir], NULL, &old, "capture");
		/* No grace period could be had: a worker may still use it, so it stays */
		if (rc)
			__atomic_store_n(&sp->cap[cap->dir], cap, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&sw->ctl);
	return rc;
}

void vn_sw_capture_close(struct vn_sw_capture *cap)
{
	if (!cap)
		return;
	if (vn_sw_capture_detach(cap)) {
		vn_err("switch: no memory for a capture grace period: the capture is leaked");
		return;
	}
	vn_info("port '%s': %s capture stopped", cap->port, vn_sw_dir_name(cap->dir));
	cap_free(cap);
}

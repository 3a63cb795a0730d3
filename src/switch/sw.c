// SPDX-License-Identifier: MIT
/* sw.c - the switch's control side: create/destroy, workers, hot add/delete of ports, FDB access
 *
 * Hot add/delete without stopping the datapath: the set of ports is an
 * immutable table (struct sw_table) behind one pointer. The control thread
 * (serialised by @ctl) builds a new table, publishes it with a release
 * store, kicks every worker's eventfd and waits until each worker has
 * adopted it (seen_gen, written by sw_worker_sync() at the top of an
 * iteration, when the worker holds no frame in its per-destination lists).
 * Only then is the old table freed and a deleted port closed: an RCU-like
 * grace period where the quiescent state is "between two iterations". A
 * worker stops for the time of one sync (a few epoll_ctl calls); the
 * others do not stop at all. Frames another worker queued for a deleted
 * port are dropped when they come out of the ring (ring_stale).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "capture_internal.h"
#include "port/pair.h"
#include "core/log.h"
#include "sw_internal.h"
#include "xdp_hook_internal.h"

static uint32_t mono_sec(void)
{
	return (uint32_t)vn_mono_sec();
}

int vn_sw_create(const struct vn_sw_config *cfg, struct vn_sw **out)
{
	struct vn_sw *sw;
	unsigned int i;
	int rc;

	sw = calloc(1, sizeof(*sw));
	if (!sw)
		return -ENOMEM;
	if (cfg)
		sw->cfg = *cfg;
	if (!sw->cfg.workers)
		sw->cfg.workers = 1;
	if (!sw->cfg.aging_sec)
		sw->cfg.aging_sec = VN_FDB_AGING_DEFAULT;
	if (sw->cfg.workers > VN_SW_WORKERS_MAX) {
		vn_err("switch: %u workers: at most %d", sw->cfg.workers, VN_SW_WORKERS_MAX);
		free(sw);
		return -EINVAL;
	}
	pthread_mutex_init(&sw->ctl, NULL);
	sw->now = mono_sec;
	sw->tbl = calloc(1, sizeof(*sw->tbl));
	sw->workers = calloc(sw->cfg.workers, sizeof(*sw->workers));
	rc = -ENOMEM;
	if (!sw->tbl || !sw->workers)
		goto fail;
	rc = vn_fdb_create(0, sw->cfg.aging_sec, &sw->fdb);
	if (rc)
		goto fail;
	for (i = 0; i < sw->cfg.workers; i++) {
		rc = sw_worker_init(sw, &sw->workers[i], i);
		if (rc) {
			vn_err("switch: worker %u: %s", i, strerror(-rc));
			goto fail;
		}
	}
	*out = sw;
	return 0;
fail:
	vn_sw_destroy(sw);
	return rc;
}

/* Wait until every worker uses the current table (the grace period) */
static void wait_sync(struct vn_sw *sw)
{
	unsigned int i, spins = 0;
	uint64_t one = 1;

	for (i = 0; i < sw->cfg.workers; i++) {
		struct sw_worker *w = &sw->workers[i];

		if (!sw->running) {
			sw_worker_sync(w);
			continue;
		}
		if (write(w->evfd, &one, sizeof(one)) < 0)
			vn_warn("switch: kick worker %u: %s", i, strerror(errno));
		while (__atomic_load_n(&w->seen_gen, __ATOMIC_ACQUIRE) < sw->gen) {
			usleep(100);
			if (++spins == 50000)
				vn_warn("switch: worker %u slow to adopt port table %llu", i,
					(unsigned long long)sw->gen);
		}
	}
}

/* Publish @t as the current table and free the previous one after the grace period */
static void publish(struct vn_sw *sw, struct sw_table *t)
{
	struct sw_table *old = sw->tbl;

	t->gen = ++sw->gen;
	__atomic_store_n(&sw->tbl, t, __ATOMIC_RELEASE);
	wait_sync(sw);
	free(old);
}

static struct sw_table *table_copy(const struct sw_table *t)
{
	struct sw_table *n = malloc(sizeof(*n));

	if (n)
		memcpy(n, t, sizeof(*n));
	return n;
}

/**
 * sw_grace_period() - Wait until no worker can still use a pointer it loaded before now
 * @sw:		switch, @ctl held
 *
 * Publishes the same ports as a new generation: once every worker adopted
 * it, each has started a new iteration since the call (the XDP hook swaps
 * its program pointers before calling this).
 *
 * Return: 0, or -ENOMEM (no grace period happened)
 */
int sw_grace_period(struct vn_sw *sw)
{
	struct sw_table *t = table_copy(sw->tbl);

	if (!t)
		return -ENOMEM;
	publish(sw, t);
	return 0;
}

int sw_slot_swap(struct vn_sw *sw, void **slot, void *val, void **old, const char *what)
{
	*old = *slot;
	__atomic_store_n(slot, val, __ATOMIC_RELEASE);
	/* Nothing was there: no worker can hold anything to wait for */
	if (!*old)
		return 0;
	for (int i = 0; i < 1000; i++) {
		if (!sw_grace_period(sw))
			return 0;
		usleep(1000);
	}
	vn_err("switch: no memory for a grace period: the old %s is kept", what);
	return -ENOMEM;
}

struct sw_port *sw_port_find_locked(struct vn_sw *sw, const char *name)
{
	for (unsigned int id = 0; id < VN_SW_PORTS_MAX; id++) {
		struct sw_port *sp = sw->tbl->ports[id];

		if (sp && !strcmp(sp->port->name, name))
			return sp;
	}
	return NULL;
}

static void sw_port_free(struct sw_port *sp)
{
	if (!sp)
		return;
	sw_xdp_port_release(sp);	/* after the grace period: no worker runs them */
	pthread_mutex_destroy(&sp->tx_lock);
	free(sp->backlog);
	free(sp->partial);
	free(sp->gtx);
	free(sp);
}

static unsigned int least_loaded(const struct vn_sw *sw)
{
	unsigned int i, best = 0;

	for (i = 1; i < sw->cfg.workers; i++)
		if (sw->tbl->per_worker[i] < sw->tbl->per_worker[best])
			best = i;
	return best;
}

static int attach_locked(struct vn_sw *sw, struct vn_port *port, int worker)
{
	struct sw_table *t;
	struct sw_port *sp;
	int rc;

	if (port->id >= VN_SW_PORTS_MAX || sw->tbl->ports[port->id] ||
	    sw_port_find_locked(sw, port->name))
		return -EEXIST;
	if (worker >= (int)sw->cfg.workers)
		return -EINVAL;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->port = port;
	sp->worker = worker < 0 ? least_loaded(sw) : (unsigned int)worker;
	sp->shared_tx = port->ops->tx_any_thread && sw->cfg.workers > 1;
	rc = vn_sw_vlan_init(&sp->vlan, &port->conf);
	if (rc) {
		vn_err("port '%s': VLAN ids must be 1-4094", port->name);
		free(sp);
		return rc;
	}
	pthread_mutex_init(&sp->tx_lock, NULL);
	sp->backlog = calloc(SW_BACKLOG_MAX, sizeof(*sp->backlog));
	sp->partial = calloc(SW_OUT_MAX, sizeof(*sp->partial));
	sp->gtx = calloc(SW_OUT_MAX, sizeof(*sp->gtx));
	t = table_copy(sw->tbl);
	if (!sp->backlog || !sp->partial || !sp->gtx || !t) {
		sw_port_free(sp);
		free(t);
		return -ENOMEM;
	}
	t->ports[port->id] = sp;
	t->nports++;
	t->per_worker[sp->worker]++;
	publish(sw, t);
	return 0;
}

/**
 * pair_loop_check_locked() - Refuse the second end of a pair in a VLAN the first is in
 * @sw:		switch, control lock held
 * @port:	port being added (opened, not attached)
 *
 * A pair joins its ends back to back: with both on one learning bridge in
 * the same VLAN, the first flooded frame goes round for ever (a broadcast
 * storm at once; there is no STP). The ends must carry no VLAN in common,
 * unless one of them says loop=on (an XDP program breaks the loop, say).
 *
 * Return: 0, or -ELOOP (logged)
 */
static int pair_loop_check_locked(struct vn_sw *sw, const struct vn_port *port)
{
	bool ok_new = false, ok_peer = false;
	const char *peer = vn_pair_peer(port, &ok_new);
	struct sw_port *sp = peer ? sw_port_find_locked(sw, peer) : NULL;
	struct vn_sw_vlan v;
	uint16_t vid;

	if (!sp || vn_pair_peer(sp->port, &ok_peer) == NULL || strcmp(vn_pair_peer(sp->port, NULL),
								     port->name))
		return 0;
	if (ok_new || ok_peer || vn_sw_vlan_init(&v, &port->conf) ||
	    !vn_sw_vlan_shared(&v, &sp->vlan, &vid))
		return 0;
	vn_err("port '%s': its pair peer '%s' is on this switch in VLAN %u too: every flooded "
	       "frame would loop (put the ends in different VLANs with vlan=, or add loop=on)",
	       port->name, peer, (unsigned int)vid);
	return -ELOOP;
}

/**
 * precheck_locked() - Refuse an add for a name in use or a worker out of range
 * @sw:		switch, control lock held
 * @spec:	port spec (a malformed one is left for vn_port_open() to report)
 * @worker:	worker asked for, -1 for any
 *
 * Return: 0, -EEXIST (name in use), -EINVAL (no such worker); logged
 */
static int precheck_locked(struct vn_sw *sw, const char *spec, int worker)
{
	struct vn_port_args args;
	struct sw_port *sp;
	const char *name;

	if (worker >= (int)sw->cfg.workers) {
		if (sw->cfg.workers == 1)
			vn_err("worker %d does not exist: vnetd has one worker, 0", worker);
		else
			vn_err("worker %d does not exist: vnetd has workers 0-%u", worker,
			       sw->cfg.workers - 1);
		return -EINVAL;
	}
	if (!spec || vn_port_args_parse(spec, &args))
		return 0;
	name = vn_port_arg(&args, "name");
	sp = name ? sw_port_find_locked(sw, name) : NULL;
	if (sp) {
		vn_err("port name '%s' is already used by port %u", name,
		       (unsigned int)sp->port->id);
		return -EEXIST;
	}
	return 0;
}

int vn_sw_port_attach(struct vn_sw *sw, struct vn_port *port, int worker)
{
	int rc;

	pthread_mutex_lock(&sw->ctl);
	rc = attach_locked(sw, port, worker);
	pthread_mutex_unlock(&sw->ctl);
	return rc;
}

int vn_sw_port_add(struct vn_sw *sw, const char *spec, int worker, struct vn_port **out)
{
	struct vn_port *port;
	unsigned int id;
	int rc;

	pthread_mutex_lock(&sw->ctl);
	for (id = 0; id < VN_SW_PORTS_MAX && sw->tbl->ports[id]; id++)
		;
	rc = -ENOSPC;
	if (id == VN_SW_PORTS_MAX) {
		vn_err("switch: no free port id (%d ports)", VN_SW_PORTS_MAX);
		goto out;
	}
	/* A refused add changes nothing: what can be checked without the
	 * kernel is checked before the port is opened (a tap brought up) */
	rc = precheck_locked(sw, spec, worker);
	if (rc)
		goto out;
	rc = vn_port_open(spec, (uint16_t)id, &port);
	if (rc)
		goto out;
	rc = pair_loop_check_locked(sw, port);
	if (rc) {
		vn_port_close(port);
		goto out;
	}
	rc = attach_locked(sw, port, worker);
	if (rc) {
		if (rc == -EEXIST)
			vn_err("port '%s': name already in use", port->name);
		vn_port_close(port);
		goto out;
	}
	if (out)
		*out = port;
out:
	pthread_mutex_unlock(&sw->ctl);
	return rc;
}

/* Wait (bounded) for the frames of a leaving port's pool to come home */
/**
 * kept_reap() - Free the deleted ports whose buffers have all come back
 * @sw:		switch (control lock held, or stopped)
 * @all:	free them all (the workers are stopped and drained)
 */
static void kept_reap(struct vn_sw *sw, bool all)
{
	unsigned int i = 0;

	while (i < sw->nkept) {
		struct vn_port *p = sw->kept[i];

		if (!all && vn_pool_avail(p->pool) != p->pool->size) {
			i++;
			continue;
		}
		vn_pool_destroy(p->pool);	/* the kind's close already ran */
		free(p);
		sw->kept[i] = sw->kept[--sw->nkept];
	}
	if (!sw->nkept) {
		free(sw->kept);
		sw->kept = NULL;
	}
}

static bool pool_drained(struct vn_pool *pool)
{
	for (int i = 0; i < 1000; i++) {
		if (!pool || vn_pool_avail(pool) == pool->size)
			return true;
		usleep(1000);
	}
	return false;
}

int vn_sw_port_del(struct vn_sw *sw, const char *name)
{
	struct sw_table *t;
	struct sw_port *sp;
	int rc = 0;

	pthread_mutex_lock(&sw->ctl);
	sp = sw_port_find_locked(sw, name);
	if (!sp) {
		rc = -ENOENT;
		goto out;
	}
	t = table_copy(sw->tbl);
	if (!t) {
		rc = -ENOMEM;
		goto out;
	}
	t->ports[sp->port->id] = NULL;
	t->nports--;
	t->per_worker[sp->worker]--;
	publish(sw, t);
	/* what another worker sent it after its owner let go (direct transmit) */
	sw_port_release_queued(sp);
	vn_fdb_flush(sw->fdb, sp->port->id, true);
	sw_xdp_port_gone(sw, sp->port->id);
	/* its captures end: their sessions read what is queued and close */
	for (unsigned int d = 0; d < VN_SW_DIRS; d++)
		sw_capture_port_gone(sp->cap[d]);
	/* Its frames may still sit in another port's queue: closing would free
	 * their buffers under it. Past the wait, keep the port's memory. */
	if (pool_drained(sp->port->pool) || !sw->running) {
		vn_port_close(sp->port);
	} else {
		struct vn_port **k = realloc(sw->kept, (sw->nkept + 1) * sizeof(*k));

		vn_warn("port '%s': frames still queued elsewhere, its buffers are kept until they return",
			sp->port->name);
		sp->port->ops->close(sp->port);
		if (k) {
			sw->kept = k;
			sw->kept[sw->nkept++] = sp->port;
		}
	}
	kept_reap(sw, false);
	sw_port_free(sp);
out:
	pthread_mutex_unlock(&sw->ctl);
	return rc;
}

struct vn_port *vn_sw_port_find(struct vn_sw *sw, const char *name)
{
	struct sw_port *sp;

	pthread_mutex_lock(&sw->ctl);
	sp = sw_port_find_locked(sw, name);
	pthread_mutex_unlock(&sw->ctl);
	return sp ? sp->port : NULL;
}

int vn_sw_port_foreach(struct vn_sw *sw, int (*cb)(struct vn_port *p, void *arg), void *arg)
{
	int rc = 0;

	pthread_mutex_lock(&sw->ctl);
	for (unsigned int id = 0; id < VN_SW_PORTS_MAX && !rc; id++)
		if (sw->tbl->ports[id])
			rc = cb(sw->tbl->ports[id]->port, arg);
	pthread_mutex_unlock(&sw->ctl);
	return rc;
}

/*
 * worker_attr() - Thread attributes of worker @i: its CPU when cfg.cpus is set
 *
 * The worker starts on its CPU, so it never handles a frame elsewhere.
 *
 * Return: 0, or a positive errno
 */
static int worker_attr(struct vn_sw *sw, unsigned int i, pthread_attr_t *attr)
{
	cpu_set_t set;
	unsigned int cpu;
	int rc;

	rc = pthread_attr_init(attr);
	if (rc || !sw->cfg.ncpus)
		return rc;
	cpu = sw->cfg.cpus[i % sw->cfg.ncpus];
	/* a CPU number cpu_set_t cannot hold: the same answer the kernel would give */
	if (cpu >= CPU_SETSIZE)
		return EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_attr_setaffinity_np(attr, sizeof(set), &set);
}

int vn_sw_start(struct vn_sw *sw)
{
	pthread_attr_t attr;
	unsigned int i;
	int rc;

	if (sw->running)
		return -EALREADY;
	for (i = 0; i < sw->cfg.workers; i++) {
		sw->workers[i].stop = false;
		rc = worker_attr(sw, i, &attr);
		if (!rc) {
			rc = pthread_create(&sw->workers[i].thread, &attr, sw_worker_main,
					    &sw->workers[i]);
			pthread_attr_destroy(&attr);
		}
		if (rc) {
			if (rc == EINVAL && sw->cfg.ncpus)
				vn_err("switch: worker %u: cannot run on CPU %u: no such CPU, or "
				       "not in this process's allowed set", i,
				       sw->cfg.cpus[i % sw->cfg.ncpus]);
			else
				vn_err("switch: worker %u: %s", i, strerror(rc));
			while (i--) {
				__atomic_store_n(&sw->workers[i].stop, true, __ATOMIC_RELEASE);
				pthread_join(sw->workers[i].thread, NULL);
			}
			return -rc;
		}
	}
	sw->running = true;
	for (i = 0; i < sw->cfg.workers && sw->cfg.ncpus; i++)
		vn_info("switch: worker %u runs on CPU %u", i, sw->cfg.cpus[i % sw->cfg.ncpus]);
	return 0;
}

void vn_sw_stop(struct vn_sw *sw)
{
	uint64_t one = 1;
	unsigned int i;

	if (!sw->running)
		return;
	for (i = 0; i < sw->cfg.workers; i++) {
		__atomic_store_n(&sw->workers[i].stop, true, __ATOMIC_RELEASE);
		if (write(sw->workers[i].evfd, &one, sizeof(one)) < 0)
			vn_warn("switch: kick worker %u: %s", i, strerror(errno));
	}
	for (i = 0; i < sw->cfg.workers; i++)
		pthread_join(sw->workers[i].thread, NULL);
	sw->running = false;
}

void vn_sw_destroy(struct vn_sw *sw)
{
	struct sw_table *old, *empty;
	unsigned int i, id;

	if (!sw)
		return;
	if (sw->workers)
		vn_sw_stop(sw);
	old = sw->tbl;
	empty = calloc(1, sizeof(*empty));
	if (sw->workers && old && empty) {
		/* Detach everything from the workers (drops the backlogs) */
		sw->tbl = table_copy(old);
		publish(sw, empty);
		for (i = 0; i < sw->cfg.workers; i++)
			if (sw->workers[i].in)
				sw_worker_drain(&sw->workers[i]);
	} else {
		free(empty);
	}
	for (id = 0; old && id < VN_SW_PORTS_MAX; id++) {
		if (!old->ports[id])
			continue;
		vn_port_close(old->ports[id]->port);
		sw_port_free(old->ports[id]);
	}
	kept_reap(sw, true);
	for (i = 0; sw->workers && i < sw->cfg.workers; i++)
		if (sw->workers[i].sw)
			sw_worker_fini(&sw->workers[i]);
	if (sw->tbl != old)
		free(sw->tbl);
	free(old);
	free(sw->workers);
	vn_fdb_destroy(sw->fdb);
	pthread_mutex_destroy(&sw->ctl);
	free(sw);
}

int vn_sw_fdb_dump(struct vn_sw *sw, int (*cb)(const struct vn_fdb_entry *e, void *arg),
		   void *arg)
{
	return vn_fdb_dump(sw->fdb, sw->now(), cb, arg);
}

void vn_sw_fdb_flush(struct vn_sw *sw, const char *port_name)
{
	struct sw_port *sp;

	if (!port_name) {
		vn_fdb_flush(sw->fdb, -1, false);
		return;
	}
	pthread_mutex_lock(&sw->ctl);
	sp = sw_port_find_locked(sw, port_name);
	if (sp)
		vn_fdb_flush(sw->fdb, sp->port->id, false);
	pthread_mutex_unlock(&sw->ctl);
}

int vn_sw_fdb_static_add(struct vn_sw *sw, struct vn_sw_fdb_add *a)
{
	struct sw_port *sp;
	int rc = -ENOENT, other;

	/* static entries change only under the control lock: check, then add */
	pthread_mutex_lock(&sw->ctl);
	sp = sw_port_find_locked(sw, a->port);
	if (!sp)
		goto out;
	rc = -EINVAL;
	if (a->vlan < 0) {
		/* a trunk without a native VLAN has no untagged VLAN to default to */
		if (sp->vlan.trunk && !sp->vlan.native)
			goto out;
		a->vlan = sp->vlan.native;
	}
	if (a->vlan > VN_VLAN_MAX || !vn_sw_vlan_member(&sp->vlan, (uint16_t)a->vlan))
		goto out;
	other = vn_fdb_static_port(sw->fdb, a->mac, (uint16_t)a->vlan);
	rc = -EEXIST;
	if (other >= 0 && !a->replace) {
		a->other = (uint16_t)other;
		goto out;
	}
	rc = vn_fdb_static_add(sw->fdb, a->mac, (uint16_t)a->vlan, sp->port->id);
out:
	pthread_mutex_unlock(&sw->ctl);
	return rc;
}

/* fdb del without a VLAN: the VLANs the MAC has entries on, collected first
 * (the dump holds the table's read lock, vn_fdb_del() takes the write lock) */
struct fdb_del_walk {
	const uint8_t *mac;
	uint64_t vlans[4096 / 64];
};

static int fdb_del_one(const struct vn_fdb_entry *e, void *arg)
{
	struct fdb_del_walk *w = arg;

	if (!memcmp(e->mac, w->mac, 6) && e->vlan < 4096)
		w->vlans[e->vlan / 64] |= 1ull << (e->vlan % 64);
	return 0;
}

int vn_sw_fdb_del(struct vn_sw *sw, const uint8_t *mac, int vlan)
{
	struct fdb_del_walk w = { .mac = mac };
	int n = 0;

	if (vlan >= 0)
		return vn_fdb_del(sw->fdb, mac, (uint16_t)vlan) ? 0 : 1;
	pthread_mutex_lock(&sw->ctl);
	vn_fdb_dump(sw->fdb, sw->now(), fdb_del_one, &w);
	for (unsigned int v = 0; v < 4096; v++)
		if ((w.vlans[v / 64] >> (v % 64) & 1) && !vn_fdb_del(sw->fdb, mac, (uint16_t)v))
			n++;
	pthread_mutex_unlock(&sw->ctl);
	return n;
}

struct vn_fdb *vn_sw_fdb(struct vn_sw *sw)
{
	return sw->fdb;
}

void vn_sw_set_clock(struct vn_sw *sw, uint32_t (*now)(void))
{
	sw->now = now ? now : mono_sec;
}

int vn_sw_run_once(struct vn_sw *sw, unsigned int worker)
{
	if (sw->running)
		return -EBUSY;
	if (worker >= sw->cfg.workers)
		return -EINVAL;
	return (int)sw_worker_iter(&sw->workers[worker]);
}

int vn_sw_worker_stats(struct vn_sw *sw, unsigned int worker, struct vn_sw_worker_stats *st)
{
	if (worker >= sw->cfg.workers)
		return -EINVAL;
	*st = sw->workers[worker].stats;
	return 0;
}

unsigned int vn_sw_workers(const struct vn_sw *sw)
{
	return sw->cfg.workers;
}

int vn_sw_worker_info(struct vn_sw *sw, unsigned int worker, struct vn_sw_worker_info *info)
{
	unsigned int id;

	if (worker >= sw->cfg.workers)
		return -EINVAL;
	info->cpu = sw->cfg.ncpus ? (int)sw->cfg.cpus[worker % sw->cfg.ncpus] : -1;
	info->nports = 0;
	pthread_mutex_lock(&sw->ctl);
	for (id = 0; id < VN_SW_PORTS_MAX; id++)
		if (sw->tbl->ports[id] && sw->tbl->ports[id]->worker == worker)
			info->port_ids[info->nports++] = (uint16_t)id;
	pthread_mutex_unlock(&sw->ctl);
	info->stats = sw->workers[worker].stats;
	return 0;
}

const char *vn_sw_dir_name(enum vn_sw_dir dir)
{
	return dir == VN_SW_INGRESS ? "ingress" : dir == VN_SW_EGRESS ? "egress" : "?";
}

int vn_sw_dir_parse(const char *s, enum vn_sw_dir *dir)
{
	if (!strcmp(s, "ingress"))
		*dir = VN_SW_INGRESS;
	else if (!strcmp(s, "egress"))
		*dir = VN_SW_EGRESS;
	else
		return -EINVAL;
	return 0;
}

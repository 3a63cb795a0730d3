// SPDX-License-Identifier: MIT
/* vhost_user.c - vhost-user port: the port ops and the datapath over the guest's virtqueues
 *
 * The device's protocol side is in vhost_user_conn.c (the control thread)
 * and vhost_user_proto.c (the request handlers); the state all three share
 * is struct vu_dev (vhost_user_internal.h).
 *
 * Security model. The front-end (QEMU) is only one step removed from the
 * guest, and a guest that escaped into QEMU, or a buggy QEMU, can send us
 * anything: no field of a message is trusted. vhost_user_msg.c checks every
 * message against the request table (payload size, fd count) before a
 * handler sees it; the handlers check indexes, sizes, alignment and the
 * order of requests; guest memory is reached only through vn_vu_gpa_to_va()
 * and vn_vu_uva_to_va(), which cap every length at the region's end. A
 * malformed or unexpected message closes this port's connection with a
 * logged reason and resets the device; no other port is touched. A bad
 * descriptor chain breaks only its own queue (vq.c).
 *
 * Guest memory that shrinks. A front-end can truncate the file behind its
 * guest RAM after SET_MEM_TABLE; our next access then raises SIGBUS. QEMU's
 * memory-backend-memfd seals its memfd by default (seal=on: F_SEAL_GROW,
 * F_SEAL_SHRINK, F_SEAL_SEAL), so that cannot happen there, but hugetlbfs
 * and file backends, and seal=off, cannot be sealed. So unsealed memory is
 * accepted (and counted, unsealed_regions) unless the port says sealed=on,
 * and every burst runs under the guest-memory fault guard (mem_guard.h):
 * a fault replaces that port's memory with zero pages, breaks its queues,
 * counts mem_faults and logs a line naming the port; the front-end must
 * reset the device and send a new memory table. Other ports never notice.
 *
 * Threads: one control thread per port serves the socket (accept or
 * connect, then messages). The datapath (rx_burst/tx_burst, called by the
 * port's worker) takes the device lock with trylock once per burst; the
 * control thread holds it while a message changes the device, so a ring is
 * never remapped or stopped under a burst. The control thread never sees a
 * kick: every kick fd is read by the datapath, and only on the edges of a
 * queue's busy and idle (or full and not full) states.
 *
 * Notifications. A queue with work is polled, so the guest is told not to
 * kick it (VRING_USED_F_NO_NOTIFY, or with EVENT_IDX an avail_event it has
 * already passed). A transmitq asks for kicks again only when it runs dry;
 * a receiveq only when a frame finds it out of buffers, and then the
 * worker waits for that kick in its epoll set (tx_poll_fd, an epoll fd over
 * the receiveqs' kick fds, is in the worker's set only while the port is
 * blocked). So a guest that keeps its receive ring full never kicks it,
 * and a busy-polling worker makes no system call for a queue in steady state.
 *
 * Multiqueue: frames for the guest go to one of its enabled receiveqs,
 * picked by a hash of the frame's flow (flow.c), so each flow stays on one
 * queue and in order.
 *
 * Queues: receiveq k is vq 2k (device writes), transmitq k is vq 2k + 1. The
 * control queue is QEMU's business under vhost-user: QEMU handles the
 * guest's CTRL_VQ commands itself and never hands that queue to a backend.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/compiler.h"
#include "core/log.h"
#include "virtio/flow.h"
#include "virtio/mem_guard.h"
#include "virtio/vnet.h"
#include "virtio/vq.h"
#include "vhost_user_internal.h"

static const char VU_FAULT_WHY[] = "guest memory fault (file shrunk)";

/* ---- port ops ---- */

static const char *const vu_keys[] = {
	"name", "path", "client", "queues", "offload", "sealed", "mode", "group", "packed", NULL
};

/* group=NAME or group=GID: the listening socket's group */
static int parse_group(struct vu_dev *d, const char *v)
{
	struct group gr, *res = NULL;
	char buf[1024], *end;
	unsigned long g;

	g = strtoul(v, &end, 10);
	if (*v && !*end && g < (gid_t)-1) {
		d->group = (gid_t)g;
	} else if (getgrnam_r(v, &gr, buf, sizeof(buf), &res) == 0 && res) {
		d->group = res->gr_gid;
	} else {
		vn_err("port '%s': vhost-user: group=%s: no such group", d->port->name, v);
		return -EINVAL;
	}
	d->has_group = true;
	return 0;
}

static int parse_args(struct vu_dev *d, const struct vn_port_args *args)
{
	const char *path = vn_port_arg(args, "path"), *v;

	if (vn_port_args_check(d->port, args, vu_keys))
		return -EINVAL;
	if (!path || !*path || strlen(path) >= sizeof(d->path)) {
		vn_err("port '%s': vhost-user: path= missing or too long", d->port->name);
		return -EINVAL;
	}
	strcpy(d->path, path);
	v = vn_port_arg(args, "client");
	d->client = v && (!strcmp(v, "on") || !strcmp(v, "1"));
	v = vn_port_arg(args, "sealed");
	d->sealed = v && (!strcmp(v, "on") || !strcmp(v, "1"));
	d->mode = VU_SOCK_MODE;
	v = vn_port_arg(args, "mode");
	if (v) {
		char *end;
		unsigned long m = strtoul(v, &end, 8);

		if (!*v || *end || m > 0777) {
			vn_err("port '%s': vhost-user: mode=%s not an octal mode 0-0777",
			       d->port->name, v);
			return -EINVAL;
		}
		d->mode = (mode_t)m;
	}
	v = vn_port_arg(args, "group");
	if (v && parse_group(d, v))
		return -EINVAL;
	d->nqp = 1;
	v = vn_port_arg(args, "queues");
	if (v) {
		char *end;
		unsigned long q = strtoul(v, &end, 10);

		if (*end || q < 1 || q > VN_VU_QP_MAX) {
			vn_err("port '%s': vhost-user: queues=%s not 1..%d", d->port->name, v,
			       VN_VU_QP_MAX);
			return -EINVAL;
		}
		d->nqp = q;
	}
	d->offered = VU_BASE_FEATURES | VU_OFFLOADS;
	if (d->nqp > 1)
		d->offered |= VN_BIT(VN_NET_F_MQ);
	v = vn_port_arg(args, "offload");
	if (v && !strcmp(v, "off"))
		d->offered &= ~(uint64_t)VU_OFFLOADS;
	/* Packed rings are offered; the front-end picks (QEMU: packed=on) */
	v = vn_port_arg(args, "packed");
	if (v && strcmp(v, "on") && strcmp(v, "off")) {
		vn_err("port '%s': vhost-user: packed=%s not on or off", d->port->name, v);
		return -EINVAL;
	}
	if (v && !strcmp(v, "off"))
		d->offered &= ~VN_BIT(VN_VIRTIO_F_RING_PACKED);
	return 0;
}

/* One info line with the port's non-zero counters, when it closes */
static void log_counters(struct vu_dev *d)
{
	const struct vn_counter_desc *desc;
	char line[512];
	unsigned int n, i;
	size_t off = 0;
	uint64_t v;

	desc = vn_port_stat_descs(&n);
	line[0] = 0;
	for (i = 0; i < n && off < sizeof(line) - 1; i++) {
		int w;

		v = vn_counter_read(&d->port->stats, &desc[i]);
		if (!v)
			continue;
		w = snprintf(line + off, sizeof(line) - off, " %s=%llu", desc[i].name,
			     (unsigned long long)v);
		if (w > 0)
			off += (size_t)w;
	}
	for (i = 0; i < VN_VU_VQ_MAX && off < sizeof(line) - 1; i++) {
		int w;

		if (!d->vq[i].stats.broken)
			continue;
		w = snprintf(line + off, sizeof(line) - off, " vq%u_violations=%llu", i,
			     (unsigned long long)d->vq[i].stats.broken);
		if (w > 0)
			off += (size_t)w;
	}
	vn_info("port '%s': vhost-user: closed; messages=%llu bad_messages=%llu mem_faults=%llu%s",
		d->port->name, (unsigned long long)d->info.messages,
		(unsigned long long)d->info.bad_messages, (unsigned long long)d->info.mem_faults,
		line);
}

static void vu_close(struct vn_port *port)
{
	struct vu_dev *d = port->priv;
	uint64_t one = 1;

	if (!d)
		return;
	/* Wake a control thread blocked replying to a front-end that does not read */
	pthread_mutex_lock(&d->lock);
	if (d->conn_fd >= 0)
		shutdown(d->conn_fd, SHUT_RDWR);
	pthread_mutex_unlock(&d->lock);
	if (d->stop_fd >= 0 && write(d->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(d->thread, NULL);
	if (d->port)
		log_counters(d);
	vn_vu_dev_reset(d);
	vn_vu_close_fd(&d->conn_fd);
	if (d->listen_fd >= 0)
		unlink(d->path);
	vn_vu_close_fd(&d->listen_fd);
	vn_vu_close_fd(&d->stop_fd);
	vn_vu_close_fd(&d->rx_ep);
	vn_vu_close_fd(&d->tx_ep);
	vn_vu_close_fd(&d->more_fd);
	pthread_mutex_destroy(&d->lock);
}

static int vu_open(struct vn_port *port, const struct vn_port_args *args)
{
	struct vu_dev *d = port->priv;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = VN_VU_VQ_MAX };
	unsigned int i;
	int ret;

	memset(d, 0, sizeof(*d));
	d->port = port;
	d->listen_fd = d->conn_fd = d->stop_fd = d->rx_ep = d->tx_ep = d->more_fd = -1;
	pthread_mutex_init(&d->lock, NULL);
	for (i = 0; i < VN_VU_VQ_MAX; i++) {
		vn_vq_init(&d->vq[i], i, !(i & 1));
		d->vq[i].owner = port->name;
	}
	d->vnet.mem = &d->mem;
	d->vnet.pool = port->pool;
	d->vnet.drops = port->stats.drops;
	d->vnet.mtu = &port->mtu;
	ret = parse_args(d, args);
	if (ret)
		goto fail;
	vn_vu_apply_features(d);
	d->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->more_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->rx_ep = epoll_create1(EPOLL_CLOEXEC);
	d->tx_ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->stop_fd < 0 || d->more_fd < 0 || d->rx_ep < 0 || d->tx_ep < 0 ||
	    epoll_ctl(d->rx_ep, EPOLL_CTL_ADD, d->more_fd, &ev)) {
		ret = -errno;
		goto fail;
	}
	if (!d->client && (ret = vn_vu_make_listener(d))) {
		vn_err("port '%s': vhost-user: cannot listen on %s: %s", port->name, d->path,
		       strerror(-ret));
		goto fail;
	}
	ret = -pthread_create(&d->thread, NULL, vn_vu_control_thread, d);
	if (ret)
		goto fail;
	return 0;
fail:
	vn_vu_close_fd(&d->stop_fd);	/* no thread to join */
	vu_close(port);
	return ret;
}

/*
 * more_fd stays readable while a transmitq has work left, so the worker
 * keeps polling us without the guest kicking; it is written on the way
 * into that state and read on the way out, never per burst.
 */
void vn_vu_set_more(struct vu_dev *d, bool more)
{
	uint64_t v = 1;

	if (more == d->more_pending)
		return;
	d->more_pending = more;
	if (more ? write(d->more_fd, &v, sizeof(v)) < 0 : read(d->more_fd, &v, sizeof(v)) < 0)
		vn_dbg("port '%s': more_fd: %s", d->port->name, strerror(errno));
}

/*
 * After a burst: if guest memory faulted during it (the front-end shrank
 * the file), the memory is zero pages now; break every queue (once) so
 * nothing more is read from it, and say which port. True if faulted.
 */
/*
 * The queues' notification counters into the port's (vnetctl stats), as
 * deltas: only the datapath writes them, under the device lock, once per
 * burst; a queue's counters survive its resets, so they never go back.
 */
static void stats_sync(struct vu_dev *d)
{
	struct vn_port_stats *ps = &d->port->stats;
	unsigned int i;

	for (i = 0; i < 2 * d->nqp && i < VN_VU_VQ_MAX; i++) {
		const struct vn_vq_stats *st = &d->vq[i].stats;
		struct vn_vq_stats *old = &d->synced[i];

		ps->calls_skipped += st->calls_skipped - old->calls_skipped;
		ps->calls_stuck += st->calls_stuck - old->calls_stuck;
		ps->mrg_cap += st->mrg_cap - old->mrg_cap;
		ps->vq_violations += st->broken - old->broken;
		*old = *st;
	}
}

static bool mem_fault_check(struct vu_dev *d)
{
	unsigned int i;

	if (likely(!vn_vu_mem_faulted(&d->mem)))
		return false;
	if (!d->fault_seen) {
		d->fault_seen = true;
		d->info.mem_faults++;
		d->port->stats.mem_faults++;
		vn_log_rl(VN_LOG_WARN, "port '%s': vhost-user: guest memory fault (SIGBUS: the "
			  "front-end shrank its memory file); queues broken until it sends a new "
			  "memory table", d->port->name);
	}
	for (i = 0; i < VN_VU_VQ_MAX; i++) {
		struct vn_vq *vq = &d->vq[i];

		/* Zeros read after the fault can look like a violation: name the cause */
		if (vq->broken && vq->why != VU_FAULT_WHY)
			vq->why = VU_FAULT_WHY;
		/* Also a ring the front-end restarted on the dead memory */
		if (vq->started)
			vn_vq_break(vq, VU_FAULT_WHY);
	}
	return true;
}

/* An idle transmitq with kicks on reads its kick fd every this many polls:
 * a stray kick (no new buffers) must not keep poll_fd readable for ever */
#define VU_IDLE_DRAIN	64

/*
 * After a live migration the front-end asks us (SEND_RARP) to announce the
 * guest, whose driver cannot (no GUEST_ANNOUNCE): a RARP broadcast from its
 * MAC, as QEMU's own announcement is built, so that the switch and the
 * network learn at once where the guest is now. Returns the frames added.
 */
static unsigned int rarp_frame(struct vu_dev *d, struct vn_pkt **pkts)
{
	static const uint8_t arp_hdr[8] = { 0, 1, 0x08, 0, 6, 4, 0, 3 };	/* reverse request */
	struct vn_pkt *pkt;
	uint8_t *f;

	d->rarp_pending = false;
	pkt = vn_pool_alloc(d->vnet.pool);
	if (!pkt) {
		d->port->stats.drops[VN_DROP_NO_BUFFER]++;
		return 0;
	}
	f = vn_pkt_append(pkt, 60);
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, d->rarp_mac, 6);
	f[12] = 0x80;			/* ETH_P_RARP */
	f[13] = 0x35;
	memcpy(f + 14, arp_hdr, sizeof(arp_hdr));
	memcpy(f + 22, d->rarp_mac, 6);	/* sender and target hardware address */
	memcpy(f + 32, d->rarp_mac, 6);
	pkts[0] = pkt;
	return 1;
}

/*
 * Frames the guest transmitted, from every enabled transmitq. While a
 * queue gives us frames the guest is told not to kick; once it is drained
 * the kick is consumed, kicks re-armed and the ring checked once more
 * (§2.7.10), so the syscalls happen on the busy-to-idle edge only, not on
 * every poll of a busy or idle queue.
 */
static unsigned int vu_rx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct vu_dev *d = port->priv;
	unsigned int got = 0, q;
	bool more = false;

	if (pthread_mutex_trylock(&d->lock)) {
		/* The control thread has the device: come back, work may be waiting */
		vn_vu_set_more(d, true);
		return 0;
	}
	if (unlikely(d->rarp_pending) && n)
		got = rarp_frame(d, pkts);
	vn_vu_mem_guard_enter(&d->mem);
	for (q = 0; q < d->nqp && got < n; q++) {
		struct vn_vq *vq = &d->vq[2 * q + 1];
		unsigned int want = n - got, k;

		if (!vn_vq_ready(vq))
			continue;
		k = vn_vnet_rx(&d->vnet, vq, pkts + got, want);
		got += k;
		if (k) {
			/* Busy: poll it again (more_fd) instead of taking kicks */
			vn_vq_notify_disable(vq);
			more = true;
			continue;
		}
		if (vq->notify_off) {
			/* Busy to idle: read the kick only if one can be there */
			if (vn_vq_kick_maybe(vq))
				vn_vq_kick_drain(vq);
		} else if (++d->idle_polls[q] >= VU_IDLE_DRAIN) {
			d->idle_polls[q] = 0;
			vn_vq_kick_drain(vq);	/* a stray kick */
		} else {
			continue;	/* idle, kicks already on: no syscall */
		}
		/* Refilled while we re-armed kicks: no kick will come for those */
		if (vn_vq_notify_enable(vq))
			more = true;
	}
	vn_vu_mem_guard_leave();
	mem_fault_check(d);
	stats_sync(d);
	vn_vu_set_more(d, more);
	pthread_mutex_unlock(&d->lock);
	return got;
}

/*
 * Read the receiveqs' pending kicks, so that tx_ep becomes readable again
 * only on a new one: those that can have one, and every VU_IDLE_DRAIN-th
 * time all of them (a stray kick must not keep tx_ep readable for ever).
 */
static void rxq_kicks_drain(struct vu_dev *d)
{
	bool all = ++d->refusals >= VU_IDLE_DRAIN;
	unsigned int q;

	if (all)
		d->refusals = 0;
	for (q = 0; q < d->nqp; q++)
		if (d->vq[2 * q].started && (all || vn_vq_kick_maybe(&d->vq[2 * q])))
			vn_vq_kick_drain(&d->vq[2 * q]);
}

/*
 * The guest's ready receiveqs into @ready; returns how many. A queue that
 * is disabled (SET_VRING_ENABLE 0), stopped or broken is never used.
 */
static unsigned int rxq_ready(struct vu_dev *d, struct vn_vq **ready)
{
	unsigned int q, n = 0;

	for (q = 0; q < d->nqp; q++)
		if (vn_vq_ready(&d->vq[2 * q]))
			ready[n++] = &d->vq[2 * q];
	return n;
}

/* Frames @pkts[from, n) into their queues (@vqs, or all into @vqs[0] when @one) */
static unsigned int tx_some(struct vu_dev *d, struct vn_vq **vqs, bool one,
			    struct vn_pkt **pkts, unsigned int from, unsigned int n,
			    uint64_t *bytes, uint64_t *delivered)
{
	uint64_t b, k;
	unsigned int done;

	if (one)
		done = vn_vnet_tx(&d->vnet, vqs[0], pkts + from, n - from, &b, &k);
	else
		done = vn_vnet_tx_mq(&d->vnet, vqs + from, pkts + from, n - from, &b, &k);
	*bytes += b;
	*delivered += k;
	return done;
}

/*
 * Up to VN_VNET_BURST_MAX frames into their queues. A frame whose queue is
 * out of buffers ends the chunk (order is kept): then old kicks are
 * consumed, a kick is asked for on that queue, and what arrived meanwhile
 * is taken (§2.7.10); a kick after that makes tx_poll_fd readable.
 */
static unsigned int tx_chunk(struct vu_dev *d, struct vn_vq **ready, unsigned int nready,
			     struct vn_pkt **pkts, unsigned int n, uint64_t *bytes,
			     uint64_t *delivered)
{
	struct vn_vq *vqs[VN_VNET_BURST_MAX];
	bool one = nready == 1;
	unsigned int done, i;

	if (one)
		vqs[0] = ready[0];
	else
		for (i = 0; i < n; i++)
			vqs[i] = ready[vn_flow_hash(pkts[i]) % nready];
	done = tx_some(d, vqs, one, pkts, 0, n, bytes, delivered);
	if (done < n) {
		rxq_kicks_drain(d);
		if (vn_vq_notify_enable(vqs[one ? 0 : done]))
			done += tx_some(d, vqs, one, pkts, done, n, bytes, delivered);
	}
	return done;
}

/*
 * Frames for the guest. With one ready receiveq they all go there; with
 * several, each goes to the queue its flow hashes to. Returns fewer than
 * @n only when a queue is out of buffers; the worker then waits on
 * tx_poll_fd.
 */
static unsigned int vu_tx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct vu_dev *d = port->priv;
	struct vn_vq *ready[VN_VU_QP_MAX];
	uint64_t bytes = 0, delivered = 0;
	unsigned int nready, done = 0, m, k, i;

	if (pthread_mutex_trylock(&d->lock))
		return 0;
	nready = rxq_ready(d, ready);
	if (!nready) {
		/* No running receive queue (link down): take and count them */
		port->stats.drops[d->vq[0].broken ? VN_DROP_VQ_BROKEN : VN_DROP_PORT_DOWN] += n;
		pthread_mutex_unlock(&d->lock);
		vn_pkt_put_bulk(pkts, n);
		return n;
	}
	vn_vu_mem_guard_enter(&d->mem);
	while (done < n) {
		m = VN_MIN(n - done, VN_VNET_BURST_MAX);
		k = tx_chunk(d, ready, nready, pkts + done, m, &bytes, &delivered);
		done += k;
		if (k < m)
			break;
	}
	/* Buffers to spare: the guest need not kick when it adds more */
	if (done == n)
		for (i = 0; i < nready; i++)
			vn_vq_notify_disable(ready[i]);
	/* vn_vnet_tx() published its queue; vn_vnet_tx_mq() leaves it to us */
	if (nready > 1)
		for (i = 0; i < nready; i++)
			vn_vq_flush(ready[i]);
	vn_vu_mem_guard_leave();
	if (mem_fault_check(d) && done < n) {
		/* The queues are broken now: take the rest (dropped) */
		port->stats.drops[VN_DROP_VQ_BROKEN] += n - done;
		vn_pkt_put_bulk(pkts + done, n - done);
		done = n;
	}
	stats_sync(d);
	pthread_mutex_unlock(&d->lock);
	if (done < n)
		port->stats.ring_full++;
	port->stats.tx_packets += delivered;
	port->stats.tx_bytes += bytes;
	return done;
}

static int vu_poll_fd(struct vn_port *port)
{
	return ((struct vu_dev *)port->priv)->rx_ep;
}

static int vu_tx_poll_fd(struct vn_port *port)
{
	return ((struct vu_dev *)port->priv)->tx_ep;
}

/* Up while a front-end (QEMU) is connected */
static void vu_info(const struct vn_port *port, struct vn_port_info *info)
{
	struct vu_dev *d = port->priv;
	uint64_t features;

	info->queues = d->nqp;
	info->link_up = __atomic_load_n(&d->info.connected, __ATOMIC_RELAXED);
	vn_port_info_add(info, "socket", "%s", d->path);
	vn_port_info_add(info, "role", "%s", d->client ? "client" : "server");
	features = __atomic_load_n(&d->features, __ATOMIC_RELAXED);
	vn_port_info_add(info, "features", "0x%" PRIx64, features);
	/* The ring format the guest's driver chose (none before it did) */
	if (info->link_up)
		vn_port_info_add(info, "ring", "%s", features & VN_BIT(VN_VIRTIO_F_RING_PACKED) ?
				 "packed" : "split");
}

const struct vn_port_ops vn_vu_port_ops =
	VN_PORT_KIND("vhost-user", struct vu_dev, vu_open, vu_close, vu,
		     .tx_poll_fd = vu_tx_poll_fd, .tx_poll_readable = true, .info = vu_info);

int vn_vu_info_get(struct vn_port *port, struct vn_vu_info *info)
{
	struct vu_dev *d;

	if (!port || port->ops != &vn_vu_port_ops)
		return -EINVAL;
	d = port->priv;
	pthread_mutex_lock(&d->lock);
	*info = d->info;
	info->features = d->features;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int vn_vu_queue_get(struct vn_port *port, unsigned int index, struct vn_vu_queue_info *info)
{
	struct vu_dev *d;
	struct vn_vq *vq;

	if (!port || port->ops != &vn_vu_port_ops || index >= VN_VU_VQ_MAX)
		return -EINVAL;
	d = port->priv;
	pthread_mutex_lock(&d->lock);
	vq = &d->vq[index];
	info->size = vq->size;
	info->started = vq->started;
	info->enabled = vq->enabled;
	info->broken = vq->broken;
	info->packed = vq->packed;
	info->why = vq->why ? vq->why : "";
	info->violations = vq->stats.broken;
	info->chains = vq->stats.chains;
	info->used = vq->stats.used;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

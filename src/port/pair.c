// SPDX-License-Identifier: MIT
/* pair.c - in-process port pairs for tests: two bounded queues between two ends
 *
 * A link holds two queues, q[0] towards end 0 and q[1] towards end 1, each
 * a ring of packet pointers under its own mutex (one lock per burst). The
 * ends may be driven by different threads (switch workers, a test thread).
 *
 * Readiness: each queue has two eventfds. rx_efd counts "frames arrived"
 * and is reset when the receiver empties the queue, so the receiver's
 * poll_fd is readable exactly while frames wait. full_efd is held at
 * ULLONG_MAX - 1 while the queue is full: an eventfd at that value does not
 * report POLLOUT (fs/eventfd.c), so the sender's tx_poll_fd is writable
 * exactly while there is room, like a tap's fd.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/log.h"
#include "pair.h"
#include "port_internal.h"

#define PAIR_FULL_VALUE	(UINT64_MAX - 1)	/* eventfd value that clears POLLOUT */

/**
 * struct pair_queue - frames travelling towards one end
 * @lock:	guards everything below
 * @ring:	@cap slots
 * @cap:	capacity
 * @head:	next slot to read (free-running)
 * @tail:	next slot to write (free-running)
 * @full:	@full_efd holds PAIR_FULL_VALUE
 * @gone:	the receiving end has closed: senders drop
 * @rx_efd:	readable while frames wait
 * @full_efd:	writable while there is room
 */
struct pair_queue {
	pthread_mutex_t lock;
	struct vn_pkt **ring;
	uint32_t cap;
	uint32_t head;
	uint32_t tail;
	bool full;
	bool gone;
	int rx_efd;
	int full_efd;
};

/**
 * struct pair_link - the two queues of one pair and who has joined
 * @next:	next link waiting for its second end
 * @names:	names of end 0 and end 1
 * @open:	which ends are open
 * @q:		q[i] carries frames towards end i
 */
struct pair_link {
	struct pair_link *next;
	char names[2][VN_PORT_NAME_MAX];
	bool open[2];
	struct pair_queue q[2];
};

/**
 * struct pair_end - private state of one end
 * @link:	the link
 * @side:	0 or 1: this end receives from q[side], sends into q[!side]
 * @loop_ok:	loop=on: both ends may share a VLAN of one switch
 */
struct pair_end {
	struct pair_link *link;
	int side;
	bool loop_ok;
};

/* Links with one end open, waiting for the other (control path only) */
static pthread_mutex_t links_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pair_link *links_waiting;

static const char *const pair_keys[] = { "name", "peer", "capacity", "offload", "features", "loop",
					 NULL };

/**
 * queue_init() - Set up an empty queue of @cap slots
 * @q:		queue
 * @cap:	capacity
 *
 * Return: 0 or -errno
 */
static int queue_init(struct pair_queue *q, uint32_t cap)
{
	pthread_mutex_init(&q->lock, NULL);
	q->cap = cap;
	q->ring = calloc(cap, sizeof(*q->ring));
	q->rx_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->full_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!q->ring || q->rx_efd < 0 || q->full_efd < 0)
		return q->ring ? -errno : -ENOMEM;
	return 0;
}

/**
 * queue_fini() - Drop the frames left in @q and free it
 * @q:		queue
 */
static void queue_fini(struct pair_queue *q)
{
	while (q->ring && q->head != q->tail)
		vn_pkt_put(q->ring[q->head++ % q->cap]);
	free(q->ring);
	if (q->rx_efd >= 0)
		close(q->rx_efd);
	if (q->full_efd >= 0)
		close(q->full_efd);
	pthread_mutex_destroy(&q->lock);
}

/**
 * efd_reset() - Bring an eventfd's counter back to zero
 * @fd:		eventfd (non-blocking)
 */
static void efd_reset(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		vn_log_rl(VN_LOG_WARN, "pair: eventfd read: %s", strerror(errno));
}

/**
 * efd_add() - Add @v to an eventfd's counter
 * @fd:		eventfd (non-blocking)
 * @v:		value
 */
static void efd_add(int fd, uint64_t v)
{
	if (write(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		vn_log_rl(VN_LOG_WARN, "pair: eventfd write: %s", strerror(errno));
}

/**
 * link_free() - Free a link whose two ends are closed
 * @l:		link
 */
static void link_free(struct pair_link *l)
{
	queue_fini(&l->q[0]);
	queue_fini(&l->q[1]);
	free(l);
}

/**
 * link_new() - Create a link with end 0 named @name and end 1 named @peer
 * @name:	first end
 * @peer:	second end
 * @cap:	capacity of each queue
 * @out:	the link
 *
 * Return: 0 or -errno
 */
static int link_new(const char *name, const char *peer, uint32_t cap, struct pair_link **out)
{
	struct pair_link *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	l->q[0].rx_efd = l->q[0].full_efd = l->q[1].rx_efd = l->q[1].full_efd = -1;
	snprintf(l->names[0], sizeof(l->names[0]), "%s", name);
	snprintf(l->names[1], sizeof(l->names[1]), "%s", peer);
	ret = queue_init(&l->q[0], cap);
	if (!ret)
		ret = queue_init(&l->q[1], cap);
	if (ret) {
		link_free(l);
		return ret;
	}
	*out = l;
	return 0;
}

/**
 * link_join() - Join the waiting link for (@name, @peer) or create one
 * @port:	port, for messages
 * @peer:	peer name
 * @cap:	capacity, used when creating
 * @end:	filled with the link and side
 *
 * Return: 0, -EEXIST if @name is already an open end of a waiting link, or
 *	   -errno
 */
static int link_join(struct vn_port *port, const char *peer, uint32_t cap, struct pair_end *end)
{
	struct pair_link **pp, *l;
	int ret = 0;

	pthread_mutex_lock(&links_lock);
	for (pp = &links_waiting; (l = *pp); pp = &l->next) {
		if (!strcmp(l->names[0], peer) && !strcmp(l->names[1], port->name)) {
			*pp = l->next;	/* complete: no longer waiting */
			l->open[1] = true;
			end->link = l;
			end->side = 1;
			goto out;
		}
	}
	for (l = links_waiting; l; l = l->next) {
		if (!strcmp(l->names[0], port->name)) {
			vn_err("port '%s': a pair end with this name is already waiting for '%s'",
			       port->name, l->names[1]);
			ret = -EEXIST;
			goto out;
		}
	}
	ret = link_new(port->name, peer, cap, &l);
	if (ret) {
		vn_err("port '%s': pair queues: %s", port->name, strerror(-ret));
		goto out;
	}
	l->open[0] = true;
	l->next = links_waiting;
	links_waiting = l;
	end->link = l;
	end->side = 0;
out:
	pthread_mutex_unlock(&links_lock);
	return ret;
}

/**
 * pair_open_features() - Features from offload= and features= (default all)
 * @port:	port
 * @args:	kind keys
 * @out:	features
 *
 * Return: 0 or -EINVAL (logged)
 */
static int pair_open_features(struct vn_port *port, const struct vn_port_args *args,
			      uint64_t *out)
{
	const char *off = vn_port_arg(args, "offload");
	const char *feat = vn_port_arg(args, "features");
	bool on = true;
	char *end;

	*out = VN_NET_GUEST_OFFLOADS | VN_NET_HOST_OFFLOADS;
	if (off && vn_port_arg_bool(off, &on)) {
		vn_err("port '%s': bad value '%s' for 'offload' (expected on or off)",
		       port->name, off);
		return -EINVAL;
	}
	if (!on)
		*out = 0;
	if (feat) {
		errno = 0;
		*out = strtoull(feat, &end, 0);
		/* not a whole number: "0x1g", "", "-1" */
		if (errno || end == feat || *end || feat[0] == '-') {
			vn_err("port '%s': bad value '%s' for 'features' (expected a number)",
			       port->name, feat);
			return -EINVAL;
		}
		*out &= VN_NET_GUEST_OFFLOADS | VN_NET_HOST_OFFLOADS;
	}
	return 0;
}

/**
 * pair_open() - Open one end of a pair from its spec keys
 * @port:	port (name set by vn_port_open())
 * @args:	name, peer, capacity, offload, features
 *
 * Return: 0 or a negative errno (logged)
 */
static int pair_open(struct vn_port *port, const struct vn_port_args *args)
{
	struct pair_end *end = port->priv;
	const char *peer = vn_port_arg(args, "peer");
	const char *cap_s = vn_port_arg(args, "capacity"), *v;
	uint32_t cap = VN_PAIR_CAPACITY_DEFAULT;
	int ret;

	ret = vn_port_args_check(port, args, pair_keys);
	if (ret)
		return ret;
	if (!port->name[0] || !peer || !peer[0] || strlen(peer) >= VN_PORT_NAME_MAX ||
	    !strcmp(peer, port->name)) {
		vn_err("port '%s': pair needs name= and a different peer= (1-%d characters)",
		       port->name, VN_PORT_NAME_MAX - 1);
		return -EINVAL;
	}
	if (cap_s && vn_port_arg_u32(cap_s, 1, VN_PAIR_CAPACITY_MAX, &cap)) {
		vn_err("port '%s': bad value '%s' for 'capacity' (expected 1-%u)",
		       port->name, cap_s, VN_PAIR_CAPACITY_MAX);
		return -EINVAL;
	}
	ret = pair_open_features(port, args, &port->features);
	if (ret)
		return ret;
	v = vn_port_arg(args, "loop");
	if (v && vn_port_arg_bool(v, &end->loop_ok)) {
		vn_err("port '%s': bad value '%s' for 'loop' (expected on or off)", port->name, v);
		return -EINVAL;
	}
	port->vnet_hdr_len = 0;
	return link_join(port, peer, cap, end);
}

/**
 * pair_close() - Close one end; the link goes with the second close
 * @port:	port
 *
 * Frames queued towards this end are dropped with it; frames it sent stay
 * for the peer.
 */
static void pair_close(struct vn_port *port)
{
	struct pair_end *end = port->priv;
	struct pair_link *l = end->link, **pp;
	bool last;

	pthread_mutex_lock(&links_lock);
	l->open[end->side] = false;
	last = !l->open[!end->side];
	if (last) {
		/* still waiting for its peer: unlink it */
		for (pp = &links_waiting; *pp; pp = &(*pp)->next) {
			if (*pp == l) {
				*pp = l->next;
				break;
			}
		}
	}
	pthread_mutex_unlock(&links_lock);
	if (last) {
		link_free(l);
		return;
	}
	/* Drop what waits for us now, while our pool's packets are still valid */
	pthread_mutex_lock(&l->q[end->side].lock);
	l->q[end->side].gone = true;
	while (l->q[end->side].head != l->q[end->side].tail) {
		struct pair_queue *q = &l->q[end->side];

		vn_pkt_put(q->ring[q->head++ % q->cap]);
	}
	pthread_mutex_unlock(&l->q[end->side].lock);
}

/**
 * pair_rx_burst() - Take up to @n frames sent by the peer
 * @port:	port
 * @pkts:	output
 * @n:		room in @pkts
 *
 * Return: frames received, each with the reference the peer handed over
 */
static unsigned int pair_rx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct pair_end *end = port->priv;
	struct pair_queue *q = &end->link->q[end->side];
	unsigned int i, got;

	if (unlikely(!port->rx_on))
		return 0;
	pthread_mutex_lock(&q->lock);
	got = VN_MIN(n, q->tail - q->head);
	for (i = 0; i < got; i++)
		pkts[i] = q->ring[q->head++ % q->cap];
	if (q->head == q->tail)
		efd_reset(q->rx_efd);
	if (got && q->full) {
		efd_reset(q->full_efd);	/* room again: the sender's fd turns writable */
		q->full = false;
	}
	pthread_mutex_unlock(&q->lock);
	return got;
}

/**
 * pair_tx_burst() - Queue a prefix of @pkts towards the peer
 * @port:	port
 * @pkts:	frames
 * @n:		count
 *
 * Return: frames taken (their references go with them); fewer than @n when
 *	   the queue is full. With the peer closed every frame is dropped
 *	   (counted as port_down) and all are "taken".
 */
static unsigned int pair_tx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct pair_end *end = port->priv;
	struct pair_link *l = end->link;
	struct pair_queue *q = &l->q[!end->side];
	unsigned int i, sent;
	uint64_t bytes = 0;

	pthread_mutex_lock(&q->lock);
	if (unlikely(q->gone)) {
		pthread_mutex_unlock(&q->lock);
		vn_pkt_put_bulk(pkts, n);
		vn_port_drop(port, VN_DROP_PORT_DOWN, n);
		return n;
	}
	sent = VN_MIN(n, q->cap - (q->tail - q->head));
	for (i = 0; i < sent; i++) {
		q->ring[q->tail++ % q->cap] = pkts[i];
		bytes += pkts[i]->len;
	}
	if (sent)
		efd_add(q->rx_efd, sent);
	if (sent < n && !q->full) {
		efd_reset(q->full_efd);
		efd_add(q->full_efd, PAIR_FULL_VALUE);
		q->full = true;
	}
	pthread_mutex_unlock(&q->lock);
	port->stats.tx_packets += sent;
	port->stats.tx_bytes += bytes;
	return sent;
}

/* Change this end's offloads (vn_pair_set_features(), and at creation) */
static int pair_set_features(struct vn_port *port, uint64_t features)
{
	port->features = features & (VN_NET_GUEST_OFFLOADS | VN_NET_HOST_OFFLOADS);
	return 0;
}

static int pair_poll_fd(struct vn_port *port)
{
	struct pair_end *end = port->priv;

	return end->link->q[end->side].rx_efd;
}

static int pair_tx_poll_fd(struct vn_port *port)
{
	struct pair_end *end = port->priv;

	return end->link->q[!end->side].full_efd;
}

static void pair_info(const struct vn_port *port, struct vn_port_info *info)
{
	const struct pair_end *end = port->priv;

	vn_port_info_add(info, "peer", "%s", end->link->names[!end->side]);
}

const struct vn_port_ops vn_pair_port_ops =
	VN_PORT_KIND("pair", struct pair_end, pair_open, pair_close, pair,
		     .tx_poll_fd = pair_tx_poll_fd, .tx_any_thread = true, .info = pair_info);

/**
 * vn_pair_set_features() - Set the offload features of one end
 * @port:	a pair end
 * @features:	virtio-net feature bits (only the VN_PORT_TX/RX_OFFLOADS are kept)
 *
 * Return: 0, or -EINVAL if @port is not a pair end
 */
int vn_pair_set_features(struct vn_port *port, uint64_t features)
{
	if (port->ops != &vn_pair_port_ops)
		return -EINVAL;
	return pair_set_features(port, features);
}

uint32_t vn_pair_peek_len(struct vn_port *port)
{
	struct pair_end *end = port->priv;
	struct pair_queue *q;
	uint32_t len = 0;

	if (port->ops != &vn_pair_port_ops)
		return 0;
	q = &end->link->q[end->side];
	pthread_mutex_lock(&q->lock);
	if (q->head != q->tail)
		len = q->ring[q->head % q->cap]->len;
	pthread_mutex_unlock(&q->lock);
	return len;
}

/**
 * vn_pair_pending() - Frames waiting in the queue towards @port (racy)
 * @port:	a pair end
 *
 * Return: number of frames @port would receive now
 */
unsigned int vn_pair_pending(struct vn_port *port)
{
	struct pair_end *end = port->priv;
	struct pair_queue *q = &end->link->q[end->side];
	unsigned int n;

	pthread_mutex_lock(&q->lock);
	n = q->tail - q->head;
	pthread_mutex_unlock(&q->lock);
	return n;
}

/**
 * vn_pair_create() - Open both ends of a pair
 * @name_a:	name of end a
 * @name_b:	name of end b
 * @opts:	options, or NULL: capacity 256, every offload on both ends,
 *		ids 0 and 1
 * @a:		end a
 * @b:		end b
 *
 * Return: 0 or a negative errno (logged)
 */
int vn_pair_create(const char *name_a, const char *name_b, const struct vn_pair_opts *opts,
		   struct vn_port **a, struct vn_port **b)
{
	struct vn_pair_opts def = { .id_a = 0, .id_b = 1 };
	char spec[256];
	int ret;

	*a = *b = NULL;
	if (!opts)
		opts = &def;
	snprintf(spec, sizeof(spec), "pair:name=%s,peer=%s,capacity=%u", name_a, name_b,
		 opts->capacity ? opts->capacity : VN_PAIR_CAPACITY_DEFAULT);
	ret = vn_port_open(spec, opts->id_a, a);
	if (ret)
		return ret;
	snprintf(spec, sizeof(spec), "pair:name=%s,peer=%s", name_b, name_a);
	ret = vn_port_open(spec, opts->id_b, b);
	if (ret) {
		vn_port_close(*a);
		*a = NULL;
		return ret;
	}
	if (opts != &def) {
		pair_set_features(*a, opts->features_a);
		pair_set_features(*b, opts->features_b);
	}
	return 0;
}

/**
 * vn_pair_peer() - The other end's name, for the switch's loop check
 * @port:	any port
 * @loop_ok:	output: loop=on was given on this end (may be NULL)
 *
 * Return: the peer's name if @port is a pair end, else NULL
 */
const char *vn_pair_peer(const struct vn_port *port, bool *loop_ok)
{
	const struct pair_end *end;

	if (!port->ops || strcmp(port->ops->kind, "pair"))
		return NULL;
	end = port->priv;
	if (loop_ok)
		*loop_ok = end->loop_ok;
	return end->link->names[!end->side];
}

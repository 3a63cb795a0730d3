// SPDX-License-Identifier: MIT
/* vhost_user.c - vhost-user port: the protocol's device side and the port ops
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
#include "port_internal.h"
#include "vhost_user.h"
#include "vhost_user_msg.h"

#define VU_OFFLOADS	(VN_BIT(VN_NET_F_CSUM) | VN_BIT(VN_NET_F_GUEST_CSUM) |		\
			 VN_BIT(VN_NET_F_GUEST_TSO4) | VN_BIT(VN_NET_F_GUEST_TSO6) |	\
			 VN_BIT(VN_NET_F_GUEST_ECN) | VN_BIT(VN_NET_F_HOST_TSO4) |	\
			 VN_BIT(VN_NET_F_HOST_TSO6) | VN_BIT(VN_NET_F_HOST_ECN) |	\
			 VN_BIT(VN_NET_F_GUEST_USO4) | VN_BIT(VN_NET_F_GUEST_USO6) |	\
			 VN_BIT(VN_NET_F_HOST_USO))
#define VU_BASE_FEATURES (VN_BIT(VN_VIRTIO_F_VERSION_1) | VN_BIT(VN_VIRTIO_F_INDIRECT_DESC) | \
			 VN_BIT(VN_VIRTIO_F_EVENT_IDX) | VN_BIT(VN_NET_F_MRG_RXBUF) |	\
			 VN_BIT(VN_NET_F_GUEST_ANNOUNCE) |				\
			 VN_BIT(VN_VHOST_USER_F_PROTOCOL_FEATURES))
#define VU_PROTOCOL_FEATURES (VN_BIT(VN_VU_PROTOCOL_F_MQ) | VN_BIT(VN_VU_PROTOCOL_F_REPLY_ACK) | \
			      VN_BIT(VN_VU_PROTOCOL_F_NET_MTU))
/* Bits of the negotiated set that describe the port to the switch */
#define VU_PORT_BITS	(VN_NET_GUEST_OFFLOADS | VN_NET_HOST_OFFLOADS | VN_BIT(VN_NET_F_MRG_RXBUF))

#define VU_RECV_TIMEOUT_SEC	5	/* a started message must finish within this */
#define VU_SEND_TIMEOUT_SEC	5	/* a reply must leave within this, or we hang up */
static const char VU_FAULT_WHY[] = "guest memory fault (file shrunk)";
#define VU_SOCK_MODE		0600	/* listening socket: its owner only, unless mode= */
#define VU_RECONNECT_MS		500	/* client mode: wait between connect attempts */

/**
 * struct vu_dev - one vhost-user device (the port's private state)
 * @lock:	guards everything below that the datapath reads
 * @port:	the port
 * @path:	socket path
 * @client:	connect to the front-end instead of listening
 * @sealed:	refuse guest memory whose file is not sealed against shrinking
 * @fault_seen:	the current memory table faulted and that was counted and logged
 * @nqp:	queue pairs offered
 * @offered:	virtio features offered
 * @listen_fd:	listening socket (server mode), or -1
 * @conn_fd:	connection, or -1
 * @stop_fd:	eventfd: the control thread must exit
 * @rx_ep:	epoll over the transmitqs' kick fds and @more_fd (poll_fd)
 * @tx_ep:	epoll over the receiveqs' kick fds (tx_poll_fd: readable when
 *		the guest added receive buffers after we asked for a kick)
 * @more_fd:	eventfd rx_burst sets when it left work behind
 * @more_pending: @more_fd is set
 * @idle_polls:	per transmitq: empty polls since its kick fd was last read
 * @refusals:	tx bursts cut short since every receiveq kick fd was last read
 * @thread:	control thread
 * @features:	negotiated virtio features
 * @protocol:	negotiated protocol features
 * @mem:	guest memory
 * @vq:		queues
 * @vnet:	datapath view of the device
 * @synced:	per queue: the counters already added to the port's (stats_sync())
 * @info:	counters and last error
 */
struct vu_dev {
	pthread_mutex_t lock;
	struct vn_port *port;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool client;
	bool sealed;
	mode_t mode;
	gid_t group;
	bool has_group;
	bool fault_seen;
	unsigned int nqp;
	uint64_t offered;
	int listen_fd;
	int conn_fd;
	int stop_fd;
	int rx_ep;
	int tx_ep;
	int more_fd;
	bool more_pending;
	uint8_t idle_polls[VN_VU_QP_MAX];
	uint8_t refusals;
	pthread_t thread;
	uint64_t features;
	uint64_t protocol;
	struct vn_vu_mem mem;
	struct vn_vq vq[VN_VU_VQ_MAX];
	struct vn_vq_stats synced[VN_VU_VQ_MAX];
	struct vn_vnet vnet;
	struct vn_vu_info info;
};

typedef int (*vu_handler)(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why);

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- queue state ---- */

static int vq_ep(const struct vu_dev *d, unsigned int i)
{
	return (i & 1) ? d->rx_ep : d->tx_ep;
}

static void vq_stop(struct vu_dev *d, unsigned int i)
{
	struct vn_vq *vq = &d->vq[i];

	if (vq->kickfd >= 0)
		epoll_ctl(vq_ep(d, i), EPOLL_CTL_DEL, vq->kickfd, NULL);
	close_fd(&vq->kickfd);
	vq->started = false;
	/* The memory may be unmapped next: keep no pointer into it */
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
}

static void vq_reset(struct vu_dev *d, unsigned int i)
{
	struct vn_vq_stats st = d->vq[i].stats;

	vq_stop(d, i);
	close_fd(&d->vq[i].callfd);
	close_fd(&d->vq[i].errfd);
	vn_vq_init(&d->vq[i], i, !(i & 1));
	d->vq[i].owner = d->port->name;
	d->vq[i].stats = st;
}

static void apply_features(struct vu_dev *d)
{
	uint64_t f = d->features;
	unsigned int i;

	d->vnet.guest_sends = f & VN_NET_HOST_OFFLOADS;
	/* as negotiated: the switch's egress and vn_vnet_tx() read the same bits */
	d->vnet.guest_takes = f & VN_NET_GUEST_OFFLOADS;
	d->vnet.mrg_rxbuf = f & VN_BIT(VN_NET_F_MRG_RXBUF);
	/* §5.1.6: 12 bytes with VERSION_1 or MRG_RXBUF, else the legacy 10 */
	d->vnet.hdr_len = (f & (VN_BIT(VN_VIRTIO_F_VERSION_1) | VN_BIT(VN_NET_F_MRG_RXBUF))) ?
			  VN_VHDR_MRG_LEN : VN_VHDR_LEN;
	for (i = 0; i < VN_VU_VQ_MAX; i++) {
		d->vq[i].event_idx = f & VN_BIT(VN_VIRTIO_F_EVENT_IDX);
		d->vq[i].indirect = f & VN_BIT(VN_VIRTIO_F_INDIRECT_DESC);
	}
	d->port->features = f & VU_PORT_BITS;
	d->port->vnet_hdr_len = d->vnet.hdr_len;
}

/*
 * The guest's device went away (reset, stop, front-end gone): the port's
 * guest offload channel frees the guest's XDP program (ctl/xo_srv.c reads
 * port->resets on the control thread)
 */
static void guest_gone(struct vu_dev *d)
{
	__atomic_add_fetch(&d->port->resets, 1, __ATOMIC_RELEASE);
}

/* Forget everything the front-end told us (disconnect, RESET_OWNER) */
static void dev_reset(struct vu_dev *d)
{
	unsigned int i;

	for (i = 0; i < VN_VU_VQ_MAX; i++)
		vq_reset(d, i);
	vn_vu_mem_unmap(&d->mem);
	d->info.unsealed_regions = 0;
	__atomic_store_n(&d->port->stats.unsealed_regions, 0, __ATOMIC_RELAXED);
	d->fault_seen = false;
	d->features = 0;
	d->protocol = 0;
	apply_features(d);
}

/* Index of a ring message: the front-end may name any number */
static int check_index(const struct vu_dev *d, uint32_t index, const char **why)
{
	/* Queue the device does not have */
	if (index >= 2 * d->nqp) {
		*why = "queue index out of range";
		return -EINVAL;
	}
	return 0;
}

static int vq_start(struct vu_dev *d, unsigned int i, const char **why)
{
	struct vn_vq *vq = &d->vq[i];
	struct epoll_event ev = { .events = EPOLLIN };

	if (vn_vq_map(vq, &d->mem)) {
		*why = "ring addresses not configured or outside guest memory";
		return -EINVAL;
	}
	ev.data.u32 = i;
	if (epoll_ctl(vq_ep(d, i), EPOLL_CTL_ADD, vq->kickfd, &ev)) {
		*why = "kick fd cannot be polled";
		return -errno;
	}
	vq->started = true;
	/* Without PROTOCOL_FEATURES a ring is enabled as soon as it starts */
	if (!(d->features & VN_BIT(VN_VHOST_USER_F_PROTOCOL_FEATURES)))
		vq->enabled = true;
	return 0;
}

/* ---- message handlers, one per request of VN_VU_REQUESTS ---- */

static int get_features(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	(void)why;
	m->u64 = d->offered;
	m->size = 8;
	*reply = true;
	return 0;
}

static bool any_started(const struct vu_dev *d)
{
	unsigned int i;

	for (i = 0; i < VN_VU_VQ_MAX; i++)
		if (d->vq[i].started)
			return true;
	return false;
}

static int set_features(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	(void)reply;
	/* Features we never offered */
	if (m->u64 & ~d->offered) {
		*why = "feature not offered";
		return -EINVAL;
	}
	/* Header length, EVENT_IDX or INDIRECT changing under a running ring
	 * (the same set again is harmless; QEMU stops the rings first) */
	if (m->u64 != d->features && any_started(d)) {
		*why = "features changed while rings run";
		return -EBUSY;
	}
	d->features = m->u64;
	apply_features(d);
	return 0;
}

static int set_owner(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	(void)d, (void)m, (void)reply, (void)why;
	return 0;
}

static int reset_owner(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	(void)m, (void)reply, (void)why;
	dev_reset(d);
	guest_gone(d);
	return 0;
}

static int set_mem_table(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	const struct vn_vu_mem_table *t = &m->mem;
	struct vn_vu_mem mem;
	unsigned int i;
	int ret;

	(void)reply;
	for (i = 0; i < t->nregions; i++) {
		struct stat st;

		/* A region past the end of its file would fault (SIGBUS) on access */
		if (fstat(m->fds[i], &st) || (uint64_t)st.st_size < t->r[i].offset ||
		    (uint64_t)st.st_size - t->r[i].offset < t->r[i].size) {
			*why = "memory region larger than its file";
			return -EINVAL;
		}
	}
	ret = vn_vu_mem_guard_install();
	if (ret) {
		*why = "cannot install the guest-memory fault guard";
		return ret;
	}
	ret = vn_vu_mem_map(&mem, t->r, m->fds, t->nregions);
	if (ret) {
		*why = ret == -E2BIG ? "memory table larger than the address-space cap (1 TiB)"
				     : "memory table invalid or not mappable";
		return ret;
	}
	/* sealed=on: memory that can shrink under us is refused outright */
	if (d->sealed && mem.unsealed) {
		vn_vu_mem_unmap(&mem);
		*why = "memory region not sealed against shrinking (F_SEAL_SHRINK)";
		return -EPERM;
	}
	if (mem.unsealed)	/* rate-limited: a reconnect loop must not flood the log */
		vn_log_rl(VN_LOG_INFO, "port '%s': vhost-user: %u of %u memory regions not "
			  "sealed against shrinking; fault guard armed", d->port->name,
			  mem.unsealed, t->nregions);
	d->info.unsealed_regions = mem.unsealed;
	/* A gauge only the control thread writes */
	__atomic_store_n(&d->port->stats.unsealed_regions, mem.unsealed, __ATOMIC_RELAXED);
	d->fault_seen = false;
	vn_vu_mem_unmap(&d->mem);
	d->mem = mem;
	d->vnet.mem = &d->mem;
	/* Rings already running move to the new mapping */
	for (i = 0; i < VN_VU_VQ_MAX; i++)
		if (d->vq[i].started && vn_vq_map(&d->vq[i], &d->mem))
			vn_vq_break(&d->vq[i], "ring not in the new memory table");
	return 0;
}

static int set_log_base(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	(void)d, (void)m, (void)reply;
	/* Dirty logging (live migration) is never offered */
	*why = "dirty logging not offered";
	return -ENOTSUP;
}

static int set_log_fd(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	return set_log_base(d, m, reply, why);
}

static int set_vring_num(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	uint32_t num = m->state.num;

	(void)reply;
	if (check_index(d, m->state.index, why))
		return -EINVAL;
	/* §2.7: a power of two, at most 32768 */
	if (num == 0 || num > VN_VRING_SIZE_MAX || (num & (num - 1))) {
		*why = "ring size not a power of two up to 32768";
		return -EINVAL;
	}
	/* Resizing a running ring */
	if (d->vq[m->state.index].started) {
		*why = "SET_VRING_NUM on a started ring";
		return -EBUSY;
	}
	d->vq[m->state.index].size = num;
	return 0;
}

static int set_vring_addr(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	const struct vn_vu_vring_addr *a = &m->addr;
	struct vn_vq *vq;

	(void)reply;
	if (check_index(d, a->index, why))
		return -EINVAL;
	/* Logging flag (never offered) or unknown flags */
	if (a->flags) {
		*why = "ring address flags not supported";
		return -EINVAL;
	}
	vq = &d->vq[a->index];
	vq->desc_uva = a->desc;
	vq->avail_uva = a->avail;
	vq->used_uva = a->used;
	if (vq->started && vn_vq_map(vq, &d->mem)) {
		*why = "ring outside guest memory";
		return -EINVAL;
	}
	return 0;
}

static int set_vring_base(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	struct vn_vq *vq;

	(void)reply;
	if (check_index(d, m->state.index, why))
		return -EINVAL;
	/* Split-ring indices are 16 bits */
	if (m->state.num > 0xffff) {
		*why = "ring base larger than 16 bits";
		return -EINVAL;
	}
	vq = &d->vq[m->state.index];
	if (vq->started) {
		*why = "SET_VRING_BASE on a started ring";
		return -EBUSY;
	}
	vq->last_avail = vq->used_idx = vq->signalled = (uint16_t)m->state.num;
	return 0;
}

static int get_vring_base(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	struct vn_vq *vq;

	if (check_index(d, m->state.index, why))
		return -EINVAL;
	vq = &d->vq[m->state.index];
	/* QEMU stops every ring when the guest resets the device (or the VM
	 * stops): the first receiveq stopping while it ran is that event */
	if (m->state.index == 0 && vq->started)
		guest_gone(d);
	vq_stop(d, m->state.index);
	/* The front-end resets the ring before it starts it again */
	vq->broken = false;
	vq->why = NULL;
	vq->enabled = false;
	m->state.num = vq->last_avail;
	m->size = sizeof(m->state);
	*reply = true;
	return 0;
}

/* The datapath relies on eventfd semantics (vq.c): refuse pipes, sockets, files */
static bool is_eventfd(int fd)
{
	char link[64], path[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = 0;
	return !strcmp(link, "anon_inode:[eventfd]");
}

/*
 * A semaphore eventfd gives one per read: with a large count it stays
 * readable for ever and keeps the worker's epoll awake (100% CPU); its
 * mode is only visible in fdinfo. An fdinfo we cannot read counts as one.
 */
static bool is_semaphore(int fd)
{
	char path[40], buf[256];
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return false;	/* no /proc: nothing to tell, take it */
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return strstr(buf, "eventfd-semaphore: 1") != NULL;
}

/* Take the message's fd if it is an eventfd; -1 (and *why) if not */
static int take_eventfd(struct vn_vu_msg *m, const char *what, const char **why)
{
	int fd = vn_vu_msg_take_fd(m);

	if (fd >= 0 && !is_eventfd(fd)) {
		close(fd);
		*why = what;
		return -1;
	}
	return fd;
}

static int vring_fd_index(struct vu_dev *d, struct vn_vu_msg *m, const char **why)
{
	/* Bits other than the index and NOFD */
	if (m->u64 & ~(uint64_t)(VN_VU_VRING_IDX_MASK | VN_VU_VRING_NOFD)) {
		*why = "unknown bits in a vring fd message";
		return -EINVAL;
	}
	if (check_index(d, m->u64 & VN_VU_VRING_IDX_MASK, why))
		return -EINVAL;
	return (int)(m->u64 & VN_VU_VRING_IDX_MASK);
}

static int set_vring_kick(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	int i = vring_fd_index(d, m, why), ret;

	(void)reply;
	if (i < 0)
		return i;
	/* No kick fd means polling mode, which vnetd does not offer */
	if (m->u64 & VN_VU_VRING_NOFD) {
		*why = "polling mode (kick without fd) not supported";
		return -ENOTSUP;
	}
	vq_stop(d, i);
	d->vq[i].kickfd = take_eventfd(m, "kick fd is not an eventfd", why);
	if (d->vq[i].kickfd < 0)
		return -EBADF;
	if (is_semaphore(d->vq[i].kickfd)) {
		close_fd(&d->vq[i].kickfd);
		*why = "kick fd is a semaphore eventfd";
		return -EBADF;
	}
	/* A courtesy only: the front-end can clear it; vq.c never relies on it */
	fcntl(d->vq[i].kickfd, F_SETFL, fcntl(d->vq[i].kickfd, F_GETFL) | O_NONBLOCK);
	ret = vq_start(d, i, why);
	if (ret)
		vq_stop(d, i);
	return ret;
}

static int set_vring_call(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	int i = vring_fd_index(d, m, why);

	(void)reply;
	if (i < 0)
		return i;
	close_fd(&d->vq[i].callfd);
	if (m->u64 & VN_VU_VRING_NOFD)
		return 0;
	d->vq[i].callfd = take_eventfd(m, "call fd is not an eventfd", why);
	return d->vq[i].callfd < 0 ? -EBADF : 0;
}

static int set_vring_err(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	int i = vring_fd_index(d, m, why);

	(void)reply;
	if (i < 0)
		return i;
	close_fd(&d->vq[i].errfd);
	if (m->u64 & VN_VU_VRING_NOFD)
		return 0;
	d->vq[i].errfd = take_eventfd(m, "error fd is not an eventfd", why);
	return d->vq[i].errfd < 0 ? -EBADF : 0;
}

static int get_protocol_features(struct vu_dev *d, struct vn_vu_msg *m, bool *reply,
				 const char **why)
{
	(void)d, (void)why;
	m->u64 = VU_PROTOCOL_FEATURES;
	m->size = 8;
	*reply = true;
	return 0;
}

static int set_protocol_features(struct vu_dev *d, struct vn_vu_msg *m, bool *reply,
				 const char **why)
{
	(void)reply;
	/* Protocol features we never offered */
	if (m->u64 & ~(uint64_t)VU_PROTOCOL_FEATURES) {
		*why = "protocol feature not offered";
		return -EINVAL;
	}
	d->protocol = m->u64;
	return 0;
}

static int get_queue_num(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	(void)why;
	m->u64 = d->nqp;
	m->size = 8;
	*reply = true;
	return 0;
}

static int set_vring_enable(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	(void)reply;
	if (check_index(d, m->state.index, why))
		return -EINVAL;
	/* Enable is a boolean */
	if (m->state.num > 1) {
		*why = "SET_VRING_ENABLE value not 0 or 1";
		return -EINVAL;
	}
	d->vq[m->state.index].enabled = m->state.num;
	return 0;
}

static int net_set_mtu(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	(void)reply;
	/* §5.1.4.1: at least 68, and an IP datagram is at most 64 KiB */
	if (m->u64 < 68 || m->u64 > 65535) {
		*why = "MTU out of range";
		return -EINVAL;
	}
	__atomic_store_n(&d->port->mtu, (uint32_t)m->u64, __ATOMIC_RELAXED);
	return 0;
}

static vu_handler handler_of(uint32_t request)
{
	switch (request) {
#define VU_HANDLER_CASE(name, num, size, fds, fn)	case num: return fn;
	VN_VU_REQUESTS(VU_HANDLER_CASE)
#undef VU_HANDLER_CASE
	}
	return NULL;
}

/* ---- connection ---- */

/* A message refused, or a reply the front-end would not take (under d->lock):
 * counted, kept as the last error, logged */
static void set_error(struct vu_dev *d, const char *what, uint32_t req, const char *why, int err)
{
	d->info.bad_messages++;
	d->port->stats.bad_messages++;	/* the control thread is its one writer */
	snprintf(d->info.last_error, sizeof(d->info.last_error), "%s %s: %s (%s)", what,
		 vn_vu_msg_name(req), why, strerror(err < 0 ? -err : err));
	/* Rate limited: a front-end in a reconnect loop must not flood the log */
	vn_log_rl(VN_LOG_WARN, "port '%s': vhost-user: closing connection: %s", d->port->name,
		  d->info.last_error);
}

/* Handle one message; a negative return closes the connection */
static int handle(struct vu_dev *d, int fd, struct vn_vu_msg *m)
{
	uint32_t flags = m->flags, req = m->request;
	const char *why = "";
	bool reply = false;
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = handler_of(req)(d, m, &reply, &why);
	d->info.messages++;
	if (ret)
		set_error(d, "request", req, why, ret);
	pthread_mutex_unlock(&d->lock);
	vn_vu_msg_close_fds(m);
	if (!reply && (flags & VN_VU_FLAG_NEED_REPLY) &&
	    (d->protocol & VN_BIT(VN_VU_PROTOCOL_F_REPLY_ACK))) {
		m->u64 = ret ? 1 : 0;
		m->size = 8;
		reply = true;
	}
	if (reply) {
		m->request = req;
		m->flags = VN_VU_VERSION | VN_VU_FLAG_REPLY;
		int err = vn_vu_msg_send(fd, m, NULL, 0);

		/* SO_SNDTIMEO ran out (EAGAIN), or vu_close() shut the socket */
		if (err && !ret) {
			pthread_mutex_lock(&d->lock);
			set_error(d, "reply", req, "front-end not reading its replies", err);
			pthread_mutex_unlock(&d->lock);
			ret = err;
		}
	}
	return ret;
}

/* Serve one connection until it closes, breaks the protocol, or we stop */
static void serve(struct vu_dev *d, int fd)
{
	struct timeval tv = { .tv_sec = VU_RECV_TIMEOUT_SEC };
	struct pollfd pfd[2] = { { .fd = d->stop_fd, .events = POLLIN },
				 { .fd = fd, .events = POLLIN } };
	struct vn_vu_msg *m = malloc(sizeof(*m));
	const char *why;
	int ret;

	if (!m)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* A front-end that never reads its replies must not hold this thread */
	tv.tv_sec = VU_SEND_TIMEOUT_SEC;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		if (!pfd[1].revents)
			continue;
		ret = vn_vu_msg_recv(fd, m, &why);
		if (ret == -ECONNRESET)
			break;
		if (ret) {
			pthread_mutex_lock(&d->lock);
			set_error(d, "message", m->request, why, ret);
			pthread_mutex_unlock(&d->lock);
			break;
		}
		if (handle(d, fd, m))
			break;
	}
	free(m);
}

static int wait_stop(struct vu_dev *d, int ms)
{
	struct pollfd pfd = { .fd = d->stop_fd, .events = POLLIN };

	return poll(&pfd, 1, ms) > 0;
}

/* Next connection: accept (server) or connect with retries (client); -1 to exit */
static int next_conn(struct vu_dev *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pfd[2] = { { .fd = d->stop_fd, .events = POLLIN },
				 { .fd = d->listen_fd, .events = POLLIN } };
	int fd;

	memcpy(sa.sun_path, d->path, sizeof(d->path));
	for (;;) {
		if (!d->client) {
			if (poll(pfd, 2, -1) < 0 && errno != EINTR)
				return -1;
			if (pfd[0].revents)
				return -1;
			if (!pfd[1].revents)
				continue;
			fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				return fd;
			continue;
		}
		/* Non-blocking: a server whose backlog is full must not hold us */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			return fd;
		}
		if (fd >= 0)
			close(fd);
		if (wait_stop(d, VU_RECONNECT_MS))
			return -1;
	}
}

/* One connection, from its first message to the device reset after it */
static void connection(struct vu_dev *d, int fd)
{
	pthread_mutex_lock(&d->lock);
	d->conn_fd = fd;
	__atomic_store_n(&d->info.connected, true, __ATOMIC_RELAXED);	/* vu_link_up() */
	d->info.connections++;
	pthread_mutex_unlock(&d->lock);
	vn_log_rl(VN_LOG_INFO, "port '%s': vhost-user: front-end connected", d->port->name);
	serve(d, fd);
	pthread_mutex_lock(&d->lock);
	dev_reset(d);
	guest_gone(d);
	__atomic_store_n(&d->info.connected, false, __ATOMIC_RELAXED);
	close_fd(&d->conn_fd);
	pthread_mutex_unlock(&d->lock);
	vn_log_rl(VN_LOG_INFO, "port '%s': vhost-user: front-end gone", d->port->name);
}

static void *control_thread(void *arg)
{
	struct vu_dev *d = arg;
	int fd;

	while ((fd = next_conn(d)) >= 0)
		connection(d, fd);
	return NULL;
}

int vn_vu_serve_fd(struct vn_port *port, int fd)
{
	if (!port || port->ops != &vn_vu_port_ops || fd < 0)
		return -EINVAL;
	connection(port->priv, fd);
	return 0;
}

/* ---- port ops ---- */

static const char *const vu_keys[] = {
	"name", "path", "client", "queues", "offload", "sealed", "mode", "group", NULL
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
	return 0;
}

static int make_listener(struct vu_dev *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	memcpy(sa.sun_path, d->path, sizeof(d->path));
	/* A stale socket from an earlier run; never remove anything else */
	if (lstat(d->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(d->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * H7: whoever can connect is a front-end, with all the power over the
	 * port that gives. Linux creates the socket file with the socket
	 * inode's mode less the umask, so fchmod() before bind() means the
	 * file never exists with more than @mode; chmod() after bind() then
	 * gives exactly @mode (the umask may have taken bits away), and
	 * chown() the group, both only ever narrowing what was there.
	 */
	if (fchmod(fd, d->mode) || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if ((d->has_group && chown(d->path, (uid_t)-1, d->group)) || chmod(d->path, d->mode) ||
	    listen(fd, 1)) {
		ret = -errno;
		unlink(d->path);
		close(fd);
		return ret;
	}
	d->listen_fd = fd;
	return 0;
}

/* One info line with the port's non-zero counters, when it closes */
static void log_counters(struct vu_dev *d)
{
	const struct vn_port_stat_desc *desc;
	char line[512];
	unsigned int n, i;
	size_t off = 0;
	uint64_t v;

	desc = vn_port_stat_descs(&n);
	line[0] = 0;
	for (i = 0; i < n && off < sizeof(line) - 1; i++) {
		int w;

		if (vn_port_stat_get(d->port, desc[i].name, &v) || !v)
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
	dev_reset(d);
	close_fd(&d->conn_fd);
	if (d->listen_fd >= 0)
		unlink(d->path);
	close_fd(&d->listen_fd);
	close_fd(&d->stop_fd);
	close_fd(&d->rx_ep);
	close_fd(&d->tx_ep);
	close_fd(&d->more_fd);
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
	apply_features(d);
	d->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->more_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->rx_ep = epoll_create1(EPOLL_CLOEXEC);
	d->tx_ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->stop_fd < 0 || d->more_fd < 0 || d->rx_ep < 0 || d->tx_ep < 0 ||
	    epoll_ctl(d->rx_ep, EPOLL_CTL_ADD, d->more_fd, &ev)) {
		ret = -errno;
		goto fail;
	}
	if (!d->client && (ret = make_listener(d))) {
		vn_err("port '%s': vhost-user: cannot listen on %s: %s", port->name, d->path,
		       strerror(-ret));
		goto fail;
	}
	ret = -pthread_create(&d->thread, NULL, control_thread, d);
	if (ret)
		goto fail;
	return 0;
fail:
	close_fd(&d->stop_fd);	/* no thread to join */
	vu_close(port);
	return ret;
}

/*
 * more_fd stays readable while a transmitq has work left, so the worker
 * keeps polling us without the guest kicking; it is written on the way
 * into that state and read on the way out, never per burst.
 */
static void set_more(struct vu_dev *d, bool more)
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
		set_more(d, true);
		return 0;
	}
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
	set_more(d, more);
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

static unsigned int vu_queues(const struct vn_port *port)
{
	const struct vu_dev *d = port->priv;

	return d->nqp;
}

/* Up while a front-end (QEMU) is connected */
static bool vu_link_up(const struct vn_port *port)
{
	struct vu_dev *d = port->priv;

	return __atomic_load_n(&d->info.connected, __ATOMIC_RELAXED);
}

const struct vn_port_ops vn_vu_port_ops = {
	.kind = "vhost-user",
	.priv_size = sizeof(struct vu_dev),
	.open = vu_open,
	.close = vu_close,
	.rx_burst = vu_rx_burst,
	.tx_burst = vu_tx_burst,
	.poll_fd = vu_poll_fd,
	.tx_poll_fd = vu_tx_poll_fd,
	.tx_poll_readable = true,
	.queues = vu_queues,
	.link_up = vu_link_up,
};

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
	info->why = vq->why ? vq->why : "";
	info->violations = vq->stats.broken;
	info->chains = vq->stats.chains;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

// SPDX-License-Identifier: MIT
/* vhost_user_proto.c - vhost-user device: queue state and one handler per protocol request
 *
 * Every handler runs on the port's control thread under d->lock, after
 * vhost_user_msg.c checked the message's size and fds against the request
 * table; it checks indexes, sizes, alignment and the order of requests
 * itself, and a refusal (negative errno, *why set) closes the connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
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
#include "virtio/mem_guard.h"
#include "vhost_user_internal.h"

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
	vn_vu_close_fd(&vq->kickfd);
	vq->started = false;
	/* The memory may be unmapped next: keep no pointer into it */
	vn_vq_unmap(vq);
}

static void vq_reset(struct vu_dev *d, unsigned int i)
{
	struct vn_vq_stats st = d->vq[i].stats;

	vq_stop(d, i);
	vn_vu_close_fd(&d->vq[i].callfd);
	vn_vu_close_fd(&d->vq[i].errfd);
	vn_vq_init(&d->vq[i], i, !(i & 1));
	d->vq[i].owner = d->port->name;
	d->vq[i].stats = st;
}

void vn_vu_apply_features(struct vu_dev *d)
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
		/* VHOST_F_LOG_ALL with a log mapped: every write into the guest is logged */
		d->vq[i].log = (f & VN_BIT(VN_VHOST_F_LOG_ALL)) && d->log.bits ? &d->log : NULL;
		d->vq[i].log_mem = &d->mem;
		d->vq[i].event_idx = f & VN_BIT(VN_VIRTIO_F_EVENT_IDX);
		d->vq[i].indirect = f & VN_BIT(VN_VIRTIO_F_INDIRECT_DESC);
		d->vq[i].packed = f & VN_BIT(VN_VIRTIO_F_RING_PACKED);
	}
	d->port->features = f & VU_PORT_BITS;
	d->port->vnet_hdr_len = d->vnet.hdr_len;
}

/*
 * The guest's device went away (reset, stop, front-end gone): the port's
 * guest offload channel frees the guest's XDP program (ctl/xo_srv.c reads
 * port->resets on the control thread)
 */
void vn_vu_guest_gone(struct vu_dev *d)
{
	__atomic_add_fetch(&d->port->resets, 1, __ATOMIC_RELEASE);
}

/* What the dirty log recorded since it was mapped or last reported */
static void log_report(struct vu_dev *d)
{
	if (!d->log.pages && !d->log.past_end)
		return;
	vn_info("port '%s': vhost-user: dirty log: %" PRIu64 " page writes logged, %" PRIu64
		" outside the log", d->port->name, d->log.pages, d->log.past_end);
	d->log.pages = 0;
	d->log.past_end = 0;
}

/* Forget everything the front-end told us (disconnect, RESET_OWNER) */
void vn_vu_dev_reset(struct vu_dev *d)
{
	unsigned int i;

	for (i = 0; i < VN_VU_VQ_MAX; i++)
		vq_reset(d, i);
	vn_vu_mem_unmap(&d->mem);
	log_report(d);
	vn_dlog_unmap(&d->log);
	d->rarp_pending = false;
	d->info.unsealed_regions = 0;
	__atomic_store_n(&d->port->stats.unsealed_regions, 0, __ATOMIC_RELAXED);
	d->fault_seen = false;
	d->features = 0;
	d->protocol = 0;
	vn_vu_apply_features(d);
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
	/* A split ring whose used index in guest memory is not the base we
	 * were given: the front-end's state and the guest's disagree (a
	 * migration that lost used-ring writes, chains left in flight) */
	if (!vq->packed) {
		uint16_t used, avail;

		/* both read under the guard: the front-end may have shrunk the memory */
		vn_vu_mem_guard_enter(&d->mem);
		used = vn_vq_used_stamp(vq);
		avail = vn_vq_avail_stamp(vq);
		vn_vu_mem_guard_leave();
		if (used != vq->used_idx)
			vn_warn("port '%s': vhost-user: queue %u starts at %u, but the guest's used "
				"index is %u", d->port->name, i, vq->used_idx, used);
		else
			vn_dbg("port '%s': vhost-user: queue %u starts at %u (avail %u)",
			       d->port->name, i, vq->used_idx, avail);
	}
	if (i == 0)
		__atomic_add_fetch(&d->port->starts, 1, __ATOMIC_RELEASE);
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
	 * (the same set again is harmless; QEMU stops the rings first). Only
	 * dirty logging goes on and off while they run (live migration). */
	if ((m->u64 ^ d->features) & ~VN_BIT(VN_VHOST_F_LOG_ALL) && any_started(d)) {
		*why = "features changed while rings run";
		return -EBUSY;
	}
	if ((m->u64 ^ d->features) & VN_BIT(VN_VHOST_F_LOG_ALL)) {
		vn_info("port '%s': vhost-user: dirty logging %s (live migration)", d->port->name,
			m->u64 & VN_BIT(VN_VHOST_F_LOG_ALL) ? "on" : "off");
		if (!(m->u64 & VN_BIT(VN_VHOST_F_LOG_ALL)))
			log_report(d);
	}
	d->features = m->u64;
	vn_vu_apply_features(d);
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
	vn_vu_dev_reset(d);
	vn_vu_guest_gone(d);
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
	uint64_t size = m->u64, offset;
	int fd, ret;

	memcpy(&offset, m->raw + 8, sizeof(offset));
	/* The log travels as shared memory only (LOG_SHMFD) */
	if (!(d->protocol & VN_BIT(VN_VU_PROTOCOL_F_LOG_SHMFD))) {
		*why = "SET_LOG_BASE without LOG_SHMFD";
		return -EINVAL;
	}
	fd = vn_vu_msg_take_fd(m);
	if (fd < 0) {
		*why = "SET_LOG_BASE without a file descriptor";
		return -EBADF;
	}
	ret = vn_dlog_map(&d->log, fd, size, offset);
	close(fd);
	/* The queues follow the log: the new one, or none if it failed */
	vn_vu_apply_features(d);
	if (ret) {
		*why = ret == -EPERM ? "log memory can shrink (not sealed with F_SEAL_SHRINK)" :
		       ret == -EINVAL ? "log size or offset does not fit the file" :
					"log memory cannot be mapped";
		return ret;
	}
	vn_info("port '%s': vhost-user: dirty log of %" PRIu64 " bytes (guest memory up to %"
		PRIu64 " MiB)", d->port->name, size, size * 8 * 4096 >> 20);
	/* The front-end waits for this reply (a zero u64) before it goes on */
	m->u64 = 0;
	m->size = 8;
	*reply = true;
	return 0;
}

static int set_log_fd(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	(void)d, (void)m, (void)reply;
	/* The log-written eventfd: vnetd writes the log without telling anyone */
	*why = "SET_LOG_FD not supported (LOG_SHMFD bitmaps need no fd)";
	return -ENOTSUP;
}

static int send_rarp(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why)
{
	(void)reply;
	if (!(d->protocol & VN_BIT(VN_VU_PROTOCOL_F_RARP))) {
		*why = "SEND_RARP without the RARP protocol feature";
		return -EINVAL;
	}
	/* The guest's MAC: a unicast address, else nothing to announce */
	if (m->raw[0] & 1) {
		*why = "SEND_RARP with a multicast MAC";
		return -EINVAL;
	}
	memcpy(d->rarp_mac, m->raw, sizeof(d->rarp_mac));
	/* The datapath sends one (vu_rx_burst()), as DPDK does; QEMU repeats the request */
	d->rarp_pending = true;
	vn_vu_set_more(d, true);
	vn_info("port '%s': vhost-user: migrated guest %02x:%02x:%02x:%02x:%02x:%02x: "
		"announcing it (RARP)", d->port->name, m->raw[0], m->raw[1], m->raw[2],
		m->raw[3], m->raw[4], m->raw[5]);
	return 0;
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
	/* Flags other than "log the used ring" (we log every write anyway) */
	if (a->flags & ~(uint32_t)VN_VU_VRING_F_LOG) {
		*why = "unknown ring address flags";
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
	vq = &d->vq[m->state.index];
	if (vq->started) {
		*why = "SET_VRING_BASE on a started ring";
		return -EBUSY;
	}
	/* Split: more than 16 bits; packed: a position past the ring */
	if (vn_vq_set_base(vq, m->state.num)) {
		*why = vq->packed ? "packed ring base past the ring size" :
				    "ring base larger than 16 bits";
		return -EINVAL;
	}
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
	if (m->state.index == 0 && vq->started) {
		/* with dirty logging on, the VM is stopping for a live
		 * migration's last pass: the channel may hand its program on */
		if (d->features & VN_BIT(VN_VHOST_F_LOG_ALL))
			__atomic_add_fetch(&d->port->handoffs, 1, __ATOMIC_RELEASE);
		vn_vu_guest_gone(d);
	}
	/* A migration's stop: where the ring is, for the destination's start */
	if (vq->started && !vq->packed && (d->features & VN_BIT(VN_VHOST_F_LOG_ALL))) {
		vn_vu_mem_guard_enter(&d->mem);
		vn_info("port '%s': vhost-user: queue %u stops at %u for a migration (used index "
			"in guest memory %u, avail %u)", d->port->name, m->state.index,
			vq->last_avail, vn_vq_used_stamp(vq), vn_vq_avail_stamp(vq));
		vn_vu_mem_guard_leave();
	}
	vq_stop(d, m->state.index);
	/* The front-end resets the ring before it starts it again */
	vq->broken = false;
	vq->why = NULL;
	vq->enabled = false;
	m->state.num = vn_vq_get_base(vq);
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
		vn_vu_close_fd(&d->vq[i].kickfd);
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
	vn_vu_close_fd(&d->vq[i].callfd);
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
	vn_vu_close_fd(&d->vq[i].errfd);
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

vu_handler vn_vu_handler_of(uint32_t request)
{
	switch (request) {
#define VU_HANDLER_CASE(name, num, size, fds, fn)	case num: return fn;
	VN_VU_REQUESTS(VU_HANDLER_CASE)
#undef VU_HANDLER_CASE
	}
	return NULL;
}

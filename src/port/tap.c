// SPDX-License-Identifier: MIT
/* tap.c - Linux tap ports: /dev/net/tun with a virtio-net header on every frame
 *
 * Trust boundary: frames and their virtio-net headers come from the kernel,
 * which speaks for whatever the host stack or a container put on the tap.
 * Every header is decoded, then checked against its frame with
 * vn_vhdr_validate() by the port layer (vn_port_rx_burst()) before the
 * frame enters the switch; a bad one is a
 * counted drop, never a crash.
 *
 * Offloads (TUNSETOFFLOAD tells the kernel what it may hand us on read):
 *   TUN_F_CSUM -> VN_NET_F_CSUM, TSO4/TSO6 -> HOST_TSO4/6, TSO_ECN ->
 *   HOST_ECN, USO4|USO6 -> HOST_USO. The kernel refuses flags it does not
 *   know (EINVAL) and refuses USO4 without USO6; we ask for everything,
 *   then fall back one feature at a time, and report what was granted.
 * In the other direction the kernel accepts any GSO frame written with a
 * virtio-net header (tun_get_user -> virtio_net_hdr_to_skb), so all the
 * GUEST_* bits are set, unless offload=off: then TUNSETOFFLOAD gets 0 and
 * the port reports no offloads at all, so the switch checksums and
 * segments frames for it.
 *
 * Namespaces: netns=NAME (or a path) creates or attaches the tap inside
 * that network namespace; only the opening thread enters it, briefly.
 *
 * Queues: queues=N opens N fds with IFF_MULTI_QUEUE; an epoll fd over them
 * is the port's poll_fd. Transmit uses queue 0 (keeps frame order).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "core/log.h"
#include "core/pool.h"
#include "core/vhdr.h"
#include "port_internal.h"
#include "tap.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20	/* Linux 6.2 */
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6	0x40
#endif

#define TAP_VHDR_LEN	VN_VHDR_MRG_LEN	/* 12: the virtio 1.0 header */

/**
 * struct tap_priv - private state of a tap port
 * @fds:	one fd per queue, non-blocking
 * @nq:		queues
 * @epfd:	epoll over @fds when @nq > 1, else -1
 * @rx_next:	queue rx_burst starts with (round robin)
 * @created:	we created the tap: it goes when the last fd closes
 * @link_down:	the last write was refused with EIO (interface down), and no
 *		write succeeded nor frame arrived since (written by the worker,
 *		read by the control thread: atomic)
 * @tun_flags:	TUN_F_* granted by TUNSETOFFLOAD
 * @sock:	datagram socket made in the tap's namespace (SIOC[GS]IF*), or -1
 * @saved:	an attached tap's MTU and flags were read before we changed them
 * @saved_mtu:	its MTU as found
 * @saved_up:	whether it was up as found
 */
struct tap_priv {
	int fds[VN_TAP_QUEUES_MAX];
	unsigned int nq;
	int epfd;
	unsigned int rx_next;
	bool created;
	bool link_down;
	unsigned int tun_flags;
	int sock;
	bool saved;
	int saved_mtu;
	bool saved_up;
};

static const char *const tap_keys[] = { "name", "offload", "queues", "create", "netns", NULL };

/**
 * tap_open_queue() - Open /dev/net/tun and attach it to the tap @ifr names
 * @port:	port, for messages
 * @ifr:	ifr_name and ifr_flags; the kernel writes the final name back
 * @fd:		output
 *
 * Return: 0 or -errno (logged)
 */
static int tap_open_queue(struct vn_port *port, struct ifreq *ifr, int *fd)
{
	int hdr = TAP_VHDR_LEN, ret;

	*fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (*fd < 0) {
		ret = -errno;
		vn_err("port '%s': open /dev/net/tun: %s", port->name, strerror(errno));
		return ret;
	}
	if (ioctl(*fd, TUNSETIFF, ifr) < 0) {
		ret = -errno;
		vn_err("port '%s': TUNSETIFF: %s%s", port->name, strerror(errno),
		       errno == EBUSY ? " (tap in use by another process)" :
		       errno == EINVAL ? " (existing device is not a tap with these flags)" : "");
		goto fail;
	}
	if (ioctl(*fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		ret = -errno;
		vn_err("port '%s': TUNSETVNETHDRSZ %d: %s", port->name, hdr, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	close(*fd);
	*fd = -1;
	return ret;
}

/**
 * tap_negotiate() - Ask for offloads, falling back feature by feature
 * @port:	port
 * @priv:	tap state, fds open
 * @on:		offload=on
 *
 * Return: 0 or -errno (logged)
 */
static int tap_negotiate(struct vn_port *port, struct tap_priv *priv, bool on)
{
	/* Each step is kept only if the kernel accepts it on top of the ones before */
	static const unsigned int steps[] = {
		TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, TUN_F_TSO_ECN, TUN_F_USO4 | TUN_F_USO6,
	};
	unsigned int want = 0, i, q;

	if (on) {
		want = steps[0] | steps[1] | steps[2] | steps[3] | steps[4];
		if (ioctl(priv->fds[0], TUNSETOFFLOAD, want) < 0) {
			want = 0;
			for (i = 0; i < VN_ARRAY_SIZE(steps); i++)
				if (ioctl(priv->fds[0], TUNSETOFFLOAD, want | steps[i]) == 0)
					want |= steps[i];
		}
	}
	/* the offloads are per device, but set them on every queue's fd alike */
	for (q = 0; q < priv->nq; q++) {
		if (ioctl(priv->fds[q], TUNSETOFFLOAD, want) < 0) {
			int ret = -errno;

			vn_err("port '%s': TUNSETOFFLOAD 0x%x: %s", port->name, want,
			       strerror(errno));
			return ret;
		}
	}
	priv->tun_flags = want;
	port->features = 0;
	if (!on)
		return 0;
	port->features = VN_NET_GUEST_OFFLOADS;
	if (want & TUN_F_CSUM)
		port->features |= VN_BIT(VN_NET_F_CSUM);
	if (want & TUN_F_TSO4)
		port->features |= VN_BIT(VN_NET_F_HOST_TSO4);
	if (want & TUN_F_TSO6)
		port->features |= VN_BIT(VN_NET_F_HOST_TSO6);
	if (want & TUN_F_TSO_ECN)
		port->features |= VN_BIT(VN_NET_F_HOST_ECN);
	if (want & TUN_F_USO4)
		port->features |= VN_BIT(VN_NET_F_HOST_USO);
	return 0;
}

/**
 * tap_save() - Remember an attached tap's MTU and up/down state, as found
 * @port:	port, its tap attached and @priv->sock open
 *
 * Return: 0 or -errno (logged)
 */
static int tap_save(struct vn_port *port)
{
	struct tap_priv *priv = port->priv;
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.15s", port->name);
	if (ioctl(priv->sock, SIOCGIFMTU, &ifr) < 0)
		goto fail;
	priv->saved_mtu = ifr.ifr_mtu;
	if (ioctl(priv->sock, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	priv->saved_up = ifr.ifr_flags & IFF_UP;
	priv->saved = true;
	return 0;
fail:
	vn_err("port '%s': read MTU and flags: %s", port->name, strerror(errno));
	return -errno;
}

/**
 * tap_restore() - Put an attached tap's MTU and up/down state back as found
 * @port:	port; nothing happens unless tap_save() ran
 *
 * Persistent taps belong to someone else: a port that is refused, closed on
 * a failed start, or deleted leaves them as they were.
 */
static void tap_restore(struct vn_port *port)
{
	struct tap_priv *priv = port->priv;
	struct ifreq ifr = { 0 };

	if (!priv->saved || priv->sock < 0)
		return;
	priv->saved = false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.15s", port->name);
	ifr.ifr_mtu = priv->saved_mtu;
	if (ioctl(priv->sock, SIOCSIFMTU, &ifr) < 0)
		vn_warn("port '%s': restore MTU %d: %s", port->name, priv->saved_mtu,
			strerror(errno));
	if (priv->saved_up || ioctl(priv->sock, SIOCGIFFLAGS, &ifr) < 0)
		return;
	ifr.ifr_flags &= (short)~IFF_UP;
	if (ioctl(priv->sock, SIOCSIFFLAGS, &ifr) < 0)
		vn_warn("port '%s': restore link down: %s", port->name, strerror(errno));
}

/**
 * tap_link() - Set or read the MTU and bring the link up
 * @port:	port; @port->mtu non-zero means "mtu=" was given
 *
 * Return: 0 or -errno (logged)
 */
static int tap_link(struct vn_port *port)
{
	struct tap_priv *priv = port->priv;
	struct ifreq ifr = { 0 };
	int s = priv->sock, ret = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.15s", port->name);
	if (port->mtu) {
		ifr.ifr_mtu = (int)port->mtu;
		if (ioctl(s, SIOCSIFMTU, &ifr) < 0) {
			ret = -errno;
			vn_err("port '%s': set MTU %u: %s", port->name, port->mtu, strerror(errno));
			goto out;
		}
	} else if (ioctl(s, SIOCGIFMTU, &ifr) == 0) {
		port->mtu = (uint32_t)ifr.ifr_mtu;
	}
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) < 0)) {
		ret = -errno;
		vn_err("port '%s': set link up: %s", port->name, strerror(errno));
	}
out:
	return ret;
}

/**
 * tap_parse() - Read the tap's own keys
 * @port:	port
 * @args:	keys left after the generic ones
 * @offload:	offload=
 * @nq:		queues=
 * @create:	create=
 *
 * Return: 0 or -EINVAL (logged)
 */
static int tap_parse(struct vn_port *port, const struct vn_port_args *args, bool *offload,
		     unsigned int *nq, bool *create)
{
	const char *v;
	uint32_t n = 1;

	*offload = true;
	*create = true;
	if (vn_port_args_check(port, args, tap_keys))
		return -EINVAL;
	v = vn_port_arg(args, "offload");
	if (v && vn_port_arg_bool(v, offload)) {
		vn_err("port '%s': bad value '%s' for 'offload' (expected on or off)",
		       port->name, v);
		return -EINVAL;
	}
	v = vn_port_arg(args, "create");
	if (v && vn_port_arg_bool(v, create)) {
		vn_err("port '%s': bad value '%s' for 'create' (expected on or off)",
		       port->name, v);
		return -EINVAL;
	}
	v = vn_port_arg(args, "queues");
	if (v && vn_port_arg_u32(v, 1, VN_TAP_QUEUES_MAX, &n)) {
		vn_err("port '%s': bad value '%s' for 'queues' (expected 1-%d)", port->name, v,
		       VN_TAP_QUEUES_MAX);
		return -EINVAL;
	}
	/* IFNAMSIZ includes the NUL */
	if (port->name[0] && strlen(port->name) >= IFNAMSIZ) {
		vn_err("port '%s': name: a tap name has at most %d characters", port->name,
		       IFNAMSIZ - 1);
		return -EINVAL;
	}
	/* what the kernel's dev_valid_name() refuses: said here, not as TUNSETIFF's EINVAL */
	if (port->name[0] && (!strcmp(port->name, ".") || !strcmp(port->name, "..") ||
			      strpbrk(port->name, "/: \t\n\v\f\r"))) {
		vn_err("port '%s': invalid interface name (no '/', ':', blanks, '.' or '..')",
		       port->name);
		return -EINVAL;
	}
	*nq = n;
	return 0;
}

/**
 * tap_close() - Close every queue (a tap we created goes with the last fd;
 *		 one we attached to gets its MTU and up/down state back)
 * @port:	port
 */
static void tap_close(struct vn_port *port)
{
	struct tap_priv *priv = port->priv;
	unsigned int q;

	tap_restore(port);
	for (q = 0; q < priv->nq; q++)
		if (priv->fds[q] >= 0)
			close(priv->fds[q]);
	if (priv->epfd >= 0)
		close(priv->epfd);
	if (priv->sock >= 0)
		close(priv->sock);
	priv->nq = 0;
	priv->epfd = -1;
	priv->sock = -1;
}

/**
 * tap_open_queues() - Attach @nq queues and, for several, an epoll over them
 * @port:	port
 * @priv:	state
 * @ifr:	TUNSETIFF request
 * @nq:		queues
 *
 * Return: 0 or -errno (logged)
 */
static int tap_open_queues(struct vn_port *port, struct tap_priv *priv, struct ifreq *ifr,
			   unsigned int nq)
{
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned int q;
	int ret;

	for (q = 0; q < nq; q++) {
		ret = tap_open_queue(port, ifr, &priv->fds[q]);
		if (ret)
			return ret;
		priv->nq = q + 1;
	}
	if (nq == 1)
		return 0;
	priv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (priv->epfd < 0)
		return -errno;
	for (q = 0; q < nq; q++) {
		ev.data.u32 = q;
		if (epoll_ctl(priv->epfd, EPOLL_CTL_ADD, priv->fds[q], &ev) < 0)
			return -errno;
	}
	return 0;
}

/**
 * tap_open_here() - Create or attach the tap in the current network namespace
 * @port:	port (name from name=)
 * @offload:	offload=
 * @nq:		queues=
 * @create:	create=
 *
 * Return: 0 or a negative errno (logged)
 */
static int tap_open_here(struct vn_port *port, bool offload, unsigned int nq, bool create)
{
	struct tap_priv *priv = port->priv;
	struct ifreq ifr = { 0 };
	bool exists;
	int ret;

	exists = if_nametoindex(port->name) != 0;
	if (!exists && !create) {
		vn_err("port '%s': no such tap and create=off", port->name);
		return -ENODEV;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (nq > 1 ? IFF_MULTI_QUEUE : 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.15s", port->name);
	/* made here, so it speaks to this namespace even when closing from another */
	priv->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (priv->sock < 0)
		return -errno;
	ret = tap_open_queues(port, priv, &ifr, nq);
	if (!ret && exists)
		ret = tap_save(port);
	if (!ret)
		ret = tap_negotiate(port, priv, offload);
	if (!ret)
		ret = tap_link(port);
	if (ret) {
		tap_close(port);
		return ret;
	}
	priv->created = !exists;
	return 0;
}

/**
 * tap_open_in() - Run tap_open_here() inside the network namespace netns= names
 * @port:	port
 * @ns:		netns= value
 * @offload:	offload=
 * @nq:		queues=
 * @create:	create=
 *
 * The tap belongs to the namespace /dev/net/tun was opened in: only this
 * thread enters it, and comes back before returning (port_netns.c).
 *
 * Return: 0 or a negative errno (logged)
 */
static int tap_open_in(struct vn_port *port, const char *ns, bool offload, unsigned int nq,
		       bool create)
{
	int self, ret;

	ret = vn_port_netns_enter(port, ns, &self);
	if (ret)
		return ret;
	ret = tap_open_here(port, offload, nq, create);
	vn_port_netns_leave(self);
	return ret;
}

/**
 * tap_open() - Create or attach the tap, negotiate offloads, bring it up
 * @port:	port (name from name=)
 * @args:	tap keys
 *
 * Return: 0 or a negative errno (logged)
 */
static int tap_open(struct vn_port *port, const struct vn_port_args *args)
{
	struct tap_priv *priv = port->priv;
	const char *ns = vn_port_arg(args, "netns");
	bool offload, create;
	unsigned int nq, q;
	int ret;

	priv->epfd = -1;
	priv->sock = -1;
	for (q = 0; q < VN_TAP_QUEUES_MAX; q++)
		priv->fds[q] = -1;
	ret = tap_parse(port, args, &offload, &nq, &create);
	if (ret)
		return ret;
	if (ns) {
		ret = tap_open_in(port, ns, offload, nq, create);
	} else {
		ret = tap_open_here(port, offload, nq, create);
	}
	if (ret)
		return ret;
	port->vnet_hdr_len = TAP_VHDR_LEN;
	vn_info("port '%s': tap %s%s%s, %u queue%s, offloads %s (TUN_F 0x%x), mtu %u",
		port->name, priv->created ? "created" : "attached", ns ? " in netns " : "",
		ns ? ns : "", nq, nq > 1 ? "s" : "", offload ? "on" : "off", priv->tun_flags,
		port->mtu);
	return 0;
}

/**
 * tap_rx_one() - Check a frame just read and fill its metadata
 * @pkt:	packet; the read put the header at buf[off - 12] and the frame at off
 * @n:		bytes read (header included)
 *
 * Return: VN_DROP_NONE, or why the frame is dropped
 */
static enum vn_drop_reason tap_rx_one(struct vn_pkt *pkt, size_t n)
{
	/* shorter than a header and an Ethernet header: nothing to switch */
	if (unlikely(n < TAP_VHDR_LEN + 14))
		return n < TAP_VHDR_LEN ? VN_DROP_VHDR_TRUNCATED : VN_DROP_RUNT;
	if (vn_vhdr_parse(&pkt->vh, pkt->buf + pkt->off - TAP_VHDR_LEN, TAP_VHDR_LEN,
			  TAP_VHDR_LEN))
		return VN_DROP_VHDR_TRUNCATED;
	pkt->vh.num_buffers = 0;	/* meaningless on a tap */
	pkt->len = (uint32_t)(n - TAP_VHDR_LEN);
	return VN_DROP_NONE;	/* the header is validated by vn_port_rx_burst() */
}

/**
 * tap_rx_queue() - Read frames from one queue into @pkts until EAGAIN
 * @port:	port
 * @fd:		queue fd
 * @pkts:	reset packets to fill
 * @n:		how many
 * @got:	in/out: frames kept so far (they are moved to the front)
 * @reads:	in/out: reads left in this burst; every read counts, dropped
 *		frames too, so a sender that keeps the queue full of frames we
 *		drop cannot keep the worker here
 *
 * Return: packets of @pkts consumed (kept or reused after a drop)
 */
static unsigned int tap_rx_queue(struct vn_port *port, int fd, struct vn_pkt **pkts,
				 unsigned int n, unsigned int *got, unsigned int *reads)
{
	unsigned int i = *got;
	enum vn_drop_reason why;
	ssize_t r;

	while (i < n && *reads) {
		(*reads)--;
		struct vn_pkt *pkt = pkts[i];
		uint8_t *dst = pkt->buf + pkt->off - TAP_VHDR_LEN;

		r = read(fd, dst, VN_PKT_BUF_SIZE - pkt->off + TAP_VHDR_LEN);
		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR)
				vn_log_rl(VN_LOG_WARN, "port '%s': read: %s", port->name,
					  strerror(errno));
			break;
		}
		why = tap_rx_one(pkt, (size_t)r);
		if (unlikely(why != VN_DROP_NONE)) {
			vn_port_drop(port, why, 1);
			VN_DATA_LOG("port '%s': drop %s", port->name, vn_drop_name(why));
			vn_pkt_reset(pkt);	/* reuse the buffer for the next read */
			continue;
		}
		i++;
	}
	*got = i;
	return i;
}

/**
 * tap_rx_burst() - Read up to @n frames, queue by queue, until EAGAIN or @n reads
 * @port:	port
 * @pkts:	output
 * @n:		room
 *
 * Return: frames received, each with one reference
 */
static unsigned int tap_rx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct tap_priv *priv = port->priv;
	unsigned int have, got = 0, q, k, reads;

	if (unlikely(!port->rx_on || n == 0))
		return 0;
	have = vn_pool_alloc_bulk(port->pool, pkts, n);
	if (unlikely(have == 0))
		return 0;	/* nothing to read into: frames wait in the kernel's queue */
	reads = have;
	for (k = 0; k < priv->nq && got < have && reads; k++) {
		q = (priv->rx_next + k) % priv->nq;
		tap_rx_queue(port, priv->fds[q], pkts, have, &got, &reads);
	}
	priv->rx_next = (priv->rx_next + 1) % priv->nq;
	/* the kernel transmits on a tap only while its interface is up */
	if (unlikely(got && __atomic_load_n(&priv->link_down, __ATOMIC_RELAXED)))
		__atomic_store_n(&priv->link_down, false, __ATOMIC_RELAXED);
	if (got < have)
		vn_pool_free_bulk(port->pool, pkts + got, have - got);
	return got;
}

/**
 * tap_tx_burst() - Write a prefix of @pkts, each as header + frame
 * @port:	port
 * @pkts:	frames
 * @n:		count
 *
 * A frame the kernel rejects is dropped and counted: port_down when the
 * link is down (EIO), tx_error otherwise (a bad header); EAGAIN stops the
 * burst.
 *
 * Return: frames consumed (sent or dropped); the caller keeps the rest
 */
static unsigned int tap_tx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct tap_priv *priv = port->priv;
	uint8_t hdr[TAP_VHDR_LEN];
	unsigned int i, sent = 0;
	/* the outcome of the last write decides */
	bool was = __atomic_load_n(&priv->link_down, __ATOMIC_RELAXED), down = was;
	uint64_t bytes = 0;
	ssize_t r;

	for (i = 0; i < n; i++) {
		struct iovec iov[2] = {
			{ .iov_base = hdr, .iov_len = sizeof(hdr) },
			{ .iov_base = vn_pkt_data(pkts[i]), .iov_len = vn_pkt_len(pkts[i]) },
		};

		vn_vhdr_build(&pkts[i]->vh, hdr, sizeof(hdr));
		r = writev(priv->fds[0], iov, 2);
		if (unlikely(r < 0)) {
			if (errno == EAGAIN)
				break;
			if (errno == EIO) {
				/* the tap's link is down (tun refuses writes): expected, no log */
				vn_port_drop(port, VN_DROP_PORT_DOWN, 1);
				down = true;
				continue;
			}
			vn_port_drop(port, VN_DROP_TX_ERROR, 1);
			vn_log_rl(VN_LOG_WARN, "port '%s': write: %s", port->name, strerror(errno));
		} else {
			sent++;
			bytes += pkts[i]->len;
			down = false;
		}
	}
	if (unlikely(down != was))
		__atomic_store_n(&priv->link_down, down, __ATOMIC_RELAXED);
	return vn_port_tx_done(port, pkts, i, sent, bytes);
}

static int tap_poll_fd(struct vn_port *port)
{
	struct tap_priv *priv = port->priv;

	return priv->nq > 1 ? priv->epfd : priv->fds[0];
}

/* Down after a write refused with EIO, until a write succeeds or a frame arrives */
static void tap_info(const struct vn_port *port, struct vn_port_info *info)
{
	const struct tap_priv *priv = port->priv;

	info->queues = priv->nq;
	info->link_up = !__atomic_load_n(&priv->link_down, __ATOMIC_RELAXED);
	vn_port_info_add(info, "interface", "%s", port->name);
	vn_port_info_add(info, "created", "%s", priv->created ? "yes" : "no");
}

static int tap_tx_poll_fd(struct vn_port *port)
{
	struct tap_priv *priv = port->priv;

	return priv->fds[0];
}

const struct vn_port_ops vn_tap_port_ops =
	VN_PORT_KIND("tap", struct tap_priv, tap_open, tap_close, tap,
		     .tx_poll_fd = tap_tx_poll_fd, .tx_any_thread = true, .info = tap_info);

/**
 * vn_tap_created() - Whether the port created its tap (it goes on close)
 * @port:	a tap port
 *
 * Return: true if created by vnetd, false if attached (or not a tap)
 */
bool vn_tap_created(const struct vn_port *port)
{
	const struct tap_priv *priv = port->priv;

	return port->ops == &vn_tap_port_ops && priv->created;
}

/**
 * vn_tap_tun_offloads() - TUN_F_* flags the kernel granted at open
 * @port:	a tap port
 *
 * Return: the flags given to TUNSETOFFLOAD that the kernel accepted
 */
unsigned int vn_tap_tun_offloads(const struct vn_port *port)
{
	const struct tap_priv *priv = port->priv;

	return port->ops == &vn_tap_port_ops ? priv->tun_flags : 0;
}

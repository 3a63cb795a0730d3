// SPDX-License-Identifier: MIT
/* afxdp.c - afxdp ports: one queue of a host interface through an AF_XDP socket
 *
 * afxdp:name=IF[,queue=Q][,mode=native|generic][,zerocopy=auto|on|off]
 *	Takes the frames that arrive on queue Q (default 0) of the existing
 *	interface IF before the kernel's stack sees them, and sends frames
 *	out of IF, through one AF_XDP socket (libxdp's xsk rings). For small
 *	frames, where a system call per frame is the cost: a burst in is a
 *	ring walk, a burst out one wake-up at most.
 *
 * The kernel side is a five-instruction XDP program vnetd builds itself
 * (redirect to the XSKMAP entry of the frame's receive queue, pass
 * otherwise), attached through a BPF link (BPF_LINK_CREATE), not netlink:
 * the link belongs to the port's file descriptor, so the program leaves the
 * interface when the port closes and also when vnetd dies (the kernel
 * closes its fds). An interface that already has an XDP program is
 * refused (EBUSY) rather than taken over. mode=native (the default) needs
 * driver support (veth, most NICs); mode=generic works on any interface,
 * slower. Frames on other queues go to the kernel's stack as before.
 *
 * UMEM: 4096 frames of 4 KiB (16 MiB), the first half lent to the kernel for
 * receive (fill ring), the second half a stack of free transmit frames,
 * refilled from the completion ring. Frames are copied between the UMEM
 * and the port's pool (a frame is at most one page: no multi-buffer), so
 * the port takes no offloads: the switch segments and checksums what it
 * sends here, and an interface whose peer sends GSO frames must not
 * (native XDP drops frames larger than a page).
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include "core/log.h"
#include "core/pool.h"
#include "port_internal.h"

#define AFX_FRAMES		4096u
#define AFX_FRAME_SIZE		XSK_UMEM__DEFAULT_FRAME_SIZE
#define AFX_RX_FRAMES		(AFX_FRAMES / 2)
#define AFX_RING		2048u
#define AFX_QUEUES_MAX		256u
#define AFX_UMEM_SIZE		((size_t)AFX_FRAMES * AFX_FRAME_SIZE)

/**
 * struct afx_priv - private state of an afxdp port
 * @umem_area:	the UMEM, AFX_FRAMES frames
 * @umem:	libxdp's UMEM
 * @xsk:	libxdp's socket
 * @fill:	fill ring (frames lent to the kernel for receive)
 * @comp:	completion ring (transmitted frames given back)
 * @rx:		receive ring
 * @tx:		transmit ring
 * @map_fd:	the XSKMAP the program redirects through
 * @prog_fd:	the program
 * @link_fd:	its link to the interface (closing it detaches the program)
 * @ctl:	AF_INET datagram socket for interface ioctls
 * @ifindex:	the interface
 * @queue:	its queue this port serves
 * @tx_free:	free transmit frames (UMEM addresses), a stack
 * @ntx_free:	entries in @tx_free
 */
struct afx_priv {
	void *umem_area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	int map_fd;
	int prog_fd;
	int link_fd;
	int ctl;
	int ifindex;
	uint32_t queue;
	uint64_t tx_free[AFX_FRAMES - AFX_RX_FRAMES];
	uint32_t ntx_free;
};

static const char *const afx_keys[] = { "name", "queue", "mode", "zerocopy", NULL };

/**
 * afx_load_prog() - Build and load the redirect program around @map_fd
 * @map_fd:	XSKMAP
 *
 * r2 = ctx->rx_queue_index; r1 = map; r3 = XDP_PASS (what a miss returns);
 * return bpf_redirect_map(r1, r2, r3).
 *
 * Return: program fd, or -errno
 */
static int afx_load_prog(int map_fd)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 2, .src_reg = 1,
		  .off = offsetof(struct xdp_md, rx_queue_index) },
		{ .code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD,
		  .imm = map_fd },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect_map },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "vnetd_xsk", "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), NULL);

	return fd < 0 ? -errno : fd;
}

/**
 * afx_parse() - Read the kind's keys
 * @port:	port
 * @args:	keys
 * @xdp_flags:	XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE
 * @bind_flags:	XDP_ZEROCOPY, XDP_COPY or 0 (auto)
 *
 * Return: 0 or -EINVAL (logged)
 */
static int afx_parse(struct vn_port *port, const struct vn_port_args *args, uint32_t *xdp_flags,
		     uint16_t *bind_flags)
{
	struct afx_priv *priv = port->priv;
	const char *q = vn_port_arg(args, "queue"), *mode = vn_port_arg(args, "mode");
	const char *zc = vn_port_arg(args, "zerocopy");

	if (!port->name[0] || strlen(port->name) >= IFNAMSIZ) {
		vn_err("port '%s': afxdp needs name=IF, an interface name of 1-%d characters",
		       port->name, IFNAMSIZ - 1);
		return -EINVAL;
	}
	if (q && vn_port_arg_u32(q, 0, AFX_QUEUES_MAX - 1, &priv->queue)) {
		vn_err("port '%s': bad value '%s' for 'queue' (expected 0-%u)", port->name, q,
		       AFX_QUEUES_MAX - 1);
		return -EINVAL;
	}
	*xdp_flags = XDP_FLAGS_DRV_MODE;
	if (mode && !strcmp(mode, "generic")) {
		*xdp_flags = XDP_FLAGS_SKB_MODE;
	} else if (mode && strcmp(mode, "native")) {
		vn_err("port '%s': bad value '%s' for 'mode' (expected native or generic)",
		       port->name, mode);
		return -EINVAL;
	}
	*bind_flags = 0;
	if (zc && !strcmp(zc, "on")) {
		*bind_flags = XDP_ZEROCOPY;
	} else if (zc && !strcmp(zc, "off")) {
		*bind_flags = XDP_COPY;
	} else if (zc && strcmp(zc, "auto")) {
		vn_err("port '%s': bad value '%s' for 'zerocopy' (expected auto, on or off)",
		       port->name, zc);
		return -EINVAL;
	}
	return 0;
}

static void afx_close(struct vn_port *port)
{
	struct afx_priv *priv = port->priv;

	if (priv->link_fd >= 0)
		close(priv->link_fd);	/* the program leaves the interface */
	/* the map's reference to the socket goes now, not when RCU frees the map */
	if (priv->map_fd >= 0 && priv->xsk)
		bpf_map_delete_elem(priv->map_fd, &priv->queue);
	if (priv->xsk)
		xsk_socket__delete(priv->xsk);
	if (priv->umem)
		xsk_umem__delete(priv->umem);
	if (priv->umem_area)
		munmap(priv->umem_area, AFX_UMEM_SIZE);
	if (priv->prog_fd >= 0)
		close(priv->prog_fd);
	if (priv->map_fd >= 0)
		close(priv->map_fd);
	if (priv->ctl >= 0)
		close(priv->ctl);
	priv->xsk = NULL;
	priv->umem = NULL;
	priv->umem_area = NULL;
	priv->link_fd = priv->prog_fd = priv->map_fd = priv->ctl = -1;
}

/**
 * afx_setup() - UMEM, socket, XSKMAP entry, program and link, in that order
 * @port:	port
 * @xdp_flags:	attach mode
 * @bind_flags:	copy / zero-copy
 *
 * Return: 0 or -errno (logged)
 */
static int afx_setup(struct vn_port *port, uint32_t xdp_flags, uint16_t bind_flags)
{
	struct afx_priv *priv = port->priv;
	const struct xsk_umem_config ucfg = {
		.fill_size = AFX_RING, .comp_size = AFX_RING, .frame_size = AFX_FRAME_SIZE,
	};
	const struct xsk_socket_config scfg = {
		.rx_size = AFX_RING, .tx_size = AFX_RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = (uint16_t)(bind_flags | XDP_USE_NEED_WAKEUP),
	};
	LIBBPF_OPTS(bpf_link_create_opts, lopts, .flags = xdp_flags);
	int fd, ret;
	uint32_t idx, i;

	priv->umem_area = mmap(NULL, AFX_UMEM_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (priv->umem_area == MAP_FAILED) {
		priv->umem_area = NULL;
		return -ENOMEM;
	}
	ret = xsk_umem__create(&priv->umem, priv->umem_area, AFX_UMEM_SIZE, &priv->fill,
			       &priv->comp, &ucfg);
	if (ret) {
		vn_err("port '%s': AF_XDP UMEM: %s", port->name, strerror(-ret));
		return ret;
	}
	/* a socket on this queue that a deleted port just closed may still be
	 * released by the kernel (deferred): wait for it, bounded (1 s) */
	for (int tries = 0; tries < 20; tries++) {
		ret = xsk_socket__create(&priv->xsk, port->name, priv->queue, priv->umem,
					 &priv->rx, &priv->tx, &scfg);
		if (ret != -EBUSY)
			break;
		usleep(50000);
	}
	if (ret) {
		vn_err("port '%s': AF_XDP socket on queue %u: %s%s", port->name, priv->queue,
		       strerror(-ret), ret == -EOPNOTSUPP && bind_flags == XDP_ZEROCOPY ?
		       " (the driver has no zero-copy: zerocopy=auto)" :
		       ret == -EINVAL ? " (no such queue?)" : "");
		return ret;
	}
	/* lend the receive half of the UMEM to the kernel */
	if (xsk_ring_prod__reserve(&priv->fill, AFX_RX_FRAMES, &idx) != AFX_RX_FRAMES)
		return -ENOSPC;
	for (i = 0; i < AFX_RX_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&priv->fill, idx + i) = (uint64_t)i * AFX_FRAME_SIZE;
	xsk_ring_prod__submit(&priv->fill, AFX_RX_FRAMES);
	for (i = 0; i < AFX_FRAMES - AFX_RX_FRAMES; i++)
		priv->tx_free[i] = (uint64_t)(AFX_RX_FRAMES + i) * AFX_FRAME_SIZE;
	priv->ntx_free = AFX_FRAMES - AFX_RX_FRAMES;

	priv->map_fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "vnetd_xsks", 4, 4, AFX_QUEUES_MAX, NULL);
	if (priv->map_fd < 0) {
		ret = -errno;
		vn_err("port '%s': XSKMAP: %s", port->name, strerror(errno));
		return ret;
	}
	fd = xsk_socket__fd(priv->xsk);
	if (bpf_map_update_elem(priv->map_fd, &priv->queue, &fd, 0)) {
		ret = -errno;
		vn_err("port '%s': XSKMAP entry: %s", port->name, strerror(errno));
		return ret;
	}
	priv->prog_fd = afx_load_prog(priv->map_fd);
	if (priv->prog_fd < 0) {
		ret = priv->prog_fd;
		vn_err("port '%s': loading the redirect program: %s%s", port->name, strerror(-ret),
		       ret == -EPERM ? " (needs CAP_BPF and CAP_NET_ADMIN)" : "");
		return ret;
	}
	priv->link_fd = bpf_link_create(priv->prog_fd, priv->ifindex, BPF_XDP, &lopts);
	if (priv->link_fd < 0) {
		ret = -errno;
		vn_err("port '%s': attaching XDP (%s mode): %s%s", port->name,
		       xdp_flags == XDP_FLAGS_SKB_MODE ? "generic" : "native", strerror(errno),
		       errno == EBUSY || errno == EEXIST ?
		       " (the interface already has an XDP program)" :
		       errno == EOPNOTSUPP || errno == EINVAL ?
		       " (no native XDP in this driver: mode=generic)" : "");
		return ret;
	}
	return 0;
}

/**
 * afx_open() - Attach queue Q of an existing interface
 * @port:	port (name = the interface)
 * @args:	name, queue, mode, zerocopy
 *
 * Return: 0 or a negative errno (logged)
 */
static int afx_open(struct vn_port *port, const struct vn_port_args *args)
{
	struct afx_priv *priv = port->priv;
	struct ifreq ifr = { 0 };
	uint32_t xdp_flags;
	uint16_t bind_flags;
	int ret;

	priv->link_fd = priv->prog_fd = priv->map_fd = priv->ctl = -1;
	ret = vn_port_args_check(port, args, afx_keys);
	if (!ret)
		ret = afx_parse(port, args, &xdp_flags, &bind_flags);
	if (ret)
		return ret;
	priv->ifindex = (int)if_nametoindex(port->name);
	if (!priv->ifindex) {
		vn_err("port '%s': no such interface (afxdp attaches an existing one)", port->name);
		return -ENODEV;
	}
	priv->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (priv->ctl < 0)
		return -errno;
	ret = afx_setup(port, xdp_flags, bind_flags);
	if (ret) {
		afx_close(port);
		return ret;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.15s", port->name);
	if (!port->mtu && ioctl(priv->ctl, SIOCGIFMTU, &ifr) == 0)
		port->mtu = (uint32_t)ifr.ifr_mtu;
	port->features = 0;
	port->vnet_hdr_len = 0;
	return 0;
}

/* Give the kernel back @n receive frames (their UMEM addresses) */
static void afx_refill(struct afx_priv *priv, const uint64_t *addrs, uint32_t n)
{
	uint32_t idx;

	/* the fill ring holds every receive frame: there is always room */
	if (xsk_ring_prod__reserve(&priv->fill, n, &idx) != n)
		return;
	for (uint32_t i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&priv->fill, idx + i) = addrs[i];
	xsk_ring_prod__submit(&priv->fill, n);
	if (xsk_ring_prod__needs_wakeup(&priv->fill))
		recvfrom(xsk_socket__fd(priv->xsk), NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

/**
 * afx_rx_burst() - Copy up to @n frames out of the receive ring
 * @port:	port
 * @pkts:	output
 * @n:		room
 *
 * Return: frames received, each with one reference
 */
static unsigned int afx_rx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct afx_priv *priv = port->priv;
	uint64_t addrs[VN_PORT_BURST];
	unsigned int have, got = 0;
	uint32_t idx, avail, i, nref = 0;

	if (unlikely(!port->rx_on || !n))
		return 0;
	n = VN_MIN(n, VN_PORT_BURST);
	avail = xsk_ring_cons__peek(&priv->rx, n, &idx);
	if (!avail) {
		if (xsk_ring_prod__needs_wakeup(&priv->fill))
			recvfrom(xsk_socket__fd(priv->xsk), NULL, 0, MSG_DONTWAIT, NULL, NULL);
		return 0;
	}
	have = vn_pool_alloc_bulk(port->pool, pkts, avail);
	if (have < avail) {
		xsk_ring_cons__cancel(&priv->rx, avail - have);	/* they wait in the ring */
		avail = have;
	}
	for (i = 0; i < avail; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&priv->rx, idx + i);
		uint64_t base = xsk_umem__extract_addr(d->addr);
		uint64_t off = xsk_umem__extract_offset(d->addr);

		/* the kernel's descriptor, checked against the UMEM before the copy */
		if (unlikely(base >= AFX_RX_FRAMES * (uint64_t)AFX_FRAME_SIZE ||
			     off + d->len > AFX_FRAME_SIZE)) {
			port->stats.drops[VN_DROP_OVERSIZE]++;
			if (base < AFX_RX_FRAMES * (uint64_t)AFX_FRAME_SIZE)
				addrs[nref++] = base;
			continue;
		}
		addrs[nref++] = base;
		if (unlikely(d->len < 14)) {
			port->stats.drops[VN_DROP_RUNT]++;
			continue;
		}
		vn_pkt_set(pkts[got], (const uint8_t *)priv->umem_area + base + off, d->len);
		got++;
	}
	xsk_ring_cons__release(&priv->rx, avail);
	afx_refill(priv, addrs, nref);
	if (got < have)
		vn_pool_free_bulk(port->pool, pkts + got, have - got);
	return got;
}

/* Take back the frames the kernel has sent */
static void afx_reap(struct afx_priv *priv)
{
	uint32_t idx, n = xsk_ring_cons__peek(&priv->comp, AFX_RING, &idx);

	for (uint32_t i = 0; i < n; i++) {
		uint64_t a = xsk_umem__extract_addr(*xsk_ring_cons__comp_addr(&priv->comp, idx + i));

		if (a >= AFX_RX_FRAMES * (uint64_t)AFX_FRAME_SIZE && a < AFX_UMEM_SIZE &&
		    priv->ntx_free < AFX_FRAMES - AFX_RX_FRAMES)
			priv->tx_free[priv->ntx_free++] = a;
	}
	if (n)
		xsk_ring_cons__release(&priv->comp, n);
}

/**
 * afx_tx_burst() - Copy a prefix of @pkts into transmit frames and kick the kernel once
 * @port:	port
 * @pkts:	frames (no offloads: the switch segmented them)
 * @n:		count
 *
 * Return: frames consumed (sent or dropped); the rest waits for frames to
 *	   come back from the completion ring
 */
static unsigned int afx_tx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct afx_priv *priv = port->priv;
	unsigned int i, sent = 0, done = 0;
	uint64_t bytes = 0;
	uint32_t idx;

	afx_reap(priv);
	for (i = 0; i < n; i++) {
		uint32_t len = vn_pkt_len(pkts[i]);
		struct xdp_desc *d;

		if (unlikely(len > AFX_FRAME_SIZE || len < 14)) {
			port->stats.drops[len < 14 ? VN_DROP_RUNT : VN_DROP_MTU]++;
			done++;
			continue;
		}
		if (!priv->ntx_free || xsk_ring_prod__reserve(&priv->tx, 1, &idx) != 1)
			break;	/* the rest waits for frames back from the completion ring */
		d = xsk_ring_prod__tx_desc(&priv->tx, idx);
		d->addr = priv->tx_free[--priv->ntx_free];
		d->len = len;
		d->options = 0;
		memcpy((uint8_t *)priv->umem_area + d->addr, vn_pkt_data(pkts[i]), len);
		bytes += len;
		sent++;
		done++;
	}
	if (sent) {
		xsk_ring_prod__submit(&priv->tx, sent);
		if (xsk_ring_prod__needs_wakeup(&priv->tx))
			sendto(xsk_socket__fd(priv->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
	}
	return vn_port_tx_done(port, pkts, done, sent, bytes);
}

static int afx_poll_fd(struct vn_port *port)
{
	struct afx_priv *priv = port->priv;

	return xsk_socket__fd(priv->xsk);
}

static void afx_info(const struct vn_port *port, struct vn_port_info *info)
{
	const struct afx_priv *priv = port->priv;

	info->link_up = vn_port_if_running(priv->ctl, port->name, priv->ifindex);
	vn_port_info_add(info, "interface", "%s", port->name);
	vn_port_info_add(info, "ifindex", "%d", priv->ifindex);
	vn_port_info_add(info, "queue", "%" PRIu32, priv->queue);
}

const struct vn_port_ops vn_afxdp_port_ops =
	VN_PORT_KIND("afxdp", struct afx_priv, afx_open, afx_close, afx, .tx_poll_fd = afx_poll_fd,
		     .info = afx_info);

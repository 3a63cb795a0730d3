// SPDX-License-Identifier: MIT
/* afpacket.c - afpacket ports: an interface that already exists on the host, through AF_PACKET
 *
 * afpacket:name=IF[,offload=on|off][,rx=ring|mmsg][,tx=mmsg|ring][,qdisc-bypass=on|off]
 *	Attaches the existing interface IF (a NIC, a bond, a veth into a
 *	container's namespace): every frame it receives enters the switch
 *	(promiscuous; the frames this port sends are not read back,
 *	PACKET_IGNORE_OUTGOING), and frames the switch sends the port leave
 *	through IF. The interface is not changed otherwise: not its MTU (the
 *	port's MTU is the interface's, or mtu= for the switch's view only),
 *	not its up/down state (the port's link follows IF_OPER_UP / IFF_RUNNING).
 *
 * Receive, rx=mmsg (the default): one recvmmsg() per burst straight into
 * the packet buffers, each frame after its virtio-net header
 * (PACKET_VNET_HDR) as a tap is read, so a GSO frame from the host stack
 * or a veth arrives whole, up to 64 KiB, with its gso_type, gso_size and
 * checksum state, and goes untouched to a port that takes TSO. The kernel
 * copies each frame once and it is readable as soon as it arrives. A
 * frame longer than the buffer comes back cut (MSG_TRUNC) and is dropped
 * (drop_oversize). The kernel strips a VLAN tag it offloaded into the
 * frame's metadata; PACKET_AUXDATA gives it back, it is put back in the
 * frame, and the header's offsets moved past it. The socket's receive
 * buffer is raised to 16 MiB (SO_RCVBUFFORCE, else as far as rmem_max lets
 * SO_RCVBUF go).
 *
 * Receive, rx=ring: a TPACKET_V3 ring (64 blocks of 256 KiB, mapped once),
 * so a burst is read without a system call. A block holds 256 KiB, so a
 * 64 KiB frame and its header never get truncated (the kernel would drop
 * the header of a truncated frame). The kernel copies a frame into the
 * ring on the sender's CPU and we copy it out; a block is readable only
 * once it is full or 1 ms old (tp_retire_blk_tov), so a lone frame waits.
 * That costs single-stream TCP against rx=mmsg and wins for small frames,
 * whose recvmmsg() costs the worker per frame what the ring moves to the
 * sender's CPU (bench/host_ports.sh measures both; docs/BENCHMARKS.md).
 *
 * Either way everything is checked like a tap's frames: the header with
 * vn_vhdr_validate() (by vn_port_rx_burst()), lengths against the block or
 * the buffer, truncated frames dropped. Frames the kernel could not put in
 * a full ring or queue are counted from PACKET_STATISTICS
 * (drop_kernel_ring).
 *
 * Transmit, tx=mmsg (the default): one sendmmsg() per burst, each frame
 * after its 10-byte header, so a TSO frame leaves as one GSO skb that the
 * device or the kernel segments. A full socket or device queue (EAGAIN,
 * ENOBUFS) leaves the rest of the burst with the switch, which waits for
 * the socket to become writable.
 *
 * Transmit, tx=ring: a TPACKET_V3 transmit ring (64 blocks of 256 KiB, 3
 * slots of 85 KiB in each: a 64 KiB frame and its header fit a slot). A
 * burst copies each frame and its header into the next free slots, marks
 * them for sending and makes one send() for all of them; the kernel
 * builds its skbs on the slots' pages and frees a slot when the skb is
 * gone. Frames the kernel did not take (its queue full: the slot still
 * says TP_STATUS_SEND_REQUEST after the call) are taken back and stay
 * with the switch, as with tx=mmsg; so do frames for which no slot is
 * free. The socket's send buffer is raised to 32 MiB so that the ring,
 * not the buffer, is the limit. PACKET_LOSS is set: a frame the kernel
 * finds malformed is skipped rather than stopping the ring (vnetd builds
 * every header itself from a checked one, so none is expected).
 * bench/host_ports.sh measures both against each other.
 *
 * qdisc-bypass=on (PACKET_QDISC_BYPASS) hands frames straight to
 * the driver: no qdisc (no shaping, no fair queueing), and the kernel's
 * packet taps (tcpdump on IF) do not see them; off by default.
 * offload=off negotiates no transmit offloads: the switch
 * checksums and segments for the port, and the header says "none". Receive
 * always carries the header (the kernel hands a packet socket GSO frames
 * whatever it is told), so the port always reports the receive offloads.
 *
 * The interface going down sets ENETDOWN on the socket; deleted, the socket
 * stays unbound. Either way the port's link is down, sends are counted as
 * drop_port_down, and the socket's pending error is cleared so that a
 * level-triggered epoll does not spin on it. Up again (same interface),
 * frames flow again; a deleted interface needs the port deleted.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/vhdr.h"
#include "afpacket_rx.h"
#include "port_internal.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING	23	/* Linux 4.20 */
#endif

#define AFP_BLOCK_SIZE		(256u << 10)
#define AFP_BLOCK_NR		64u
#define AFP_FRAME_SIZE		2048u	/* accounting unit of the ring request only */
#define AFP_RETIRE_MS		1u
#define AFP_ERR_CHECK_EVERY	64u	/* empty bursts between socket error checks */
#define AFP_STATS_EVERY_NS	(100ull * 1000 * 1000)	/* PACKET_STATISTICS reads, at most */
_Static_assert(VN_PKT_HEADROOM >= AFP_MMSG_HEADROOM, "rx=mmsg reads the header into the headroom");
#define AFP_RCVBUF		(8 << 20)	/* rx=mmsg: the kernel doubles it, 16 MiB as the ring */
#define AFP_TX_BLOCK_SIZE	(256u << 10)
#define AFP_TX_BLOCK_NR		64u
#define AFP_TX_SLOT_SIZE	87376u	/* 3 a block, a multiple of TPACKET_ALIGNMENT */
#define AFP_TX_PER_BLOCK	(AFP_TX_BLOCK_SIZE / AFP_TX_SLOT_SIZE)
#define AFP_TX_SLOTS		(AFP_TX_PER_BLOCK * AFP_TX_BLOCK_NR)
#define AFP_TX_DATA_OFF		TPACKET_ALIGN(sizeof(struct tpacket3_hdr))	/* where the kernel reads */
#define AFP_SNDBUF		(16 << 20)	/* tx=ring: doubled, 32 MiB: more than the ring holds */
_Static_assert(AFP_TX_DATA_OFF + AFP_HDR_LEN + VN_PKT_FRAME_MAX <= AFP_TX_SLOT_SIZE,
	       "a frame of any length and its header fit one transmit slot");
_Static_assert(AFP_TX_SLOT_SIZE % TPACKET_ALIGNMENT == 0, "slots are aligned");
/*
 * The kernel copies the first max(hdr_len, 14) bytes of a ring frame and
 * hangs the rest off the skb as page fragments, at most MAX_SKB_FRAGS (17
 * by default): past AFP_TX_FRAG_BYTES from any page offset that is more
 * (it drops the frame and logs). Only a non-GSO frame near 64 KiB on an
 * interface with such an MTU comes close (VLAN-tagged at MTU 65535); it
 * goes by sendmsg() on a second socket (@long_fd): a sendmsg() on the
 * ring's own socket would only send the ring.
 */
#define AFP_TX_FRAG_BYTES	(17u * 4096 - 4095)

/**
 * struct afp_priv - private state of an afpacket port
 * @fd:		the packet socket, non-blocking, bound to @ifindex
 * @long_fd:	tx=ring: a second packet socket on @ifindex that receives
 *		nothing and has no ring, for the frames a slot cannot carry
 *		(a socket with a transmit ring sends its ring on every
 *		sendmsg(), whatever the message holds); else -1
 * @ctl:	an AF_INET datagram socket for interface ioctls (link state)
 * @ifindex:	the interface's index at open
 * @map:	the rings' mapping: the receive ring, then the transmit ring
 * @map_len:	its size
 * @ring:	the receive ring, AFP_BLOCK_NR blocks (rx=ring), or NULL
 * @txring:	the transmit ring, AFP_TX_SLOTS slots (tx=ring), or NULL
 * @tx_head:	the transmit slot to fill next; the kernel's own position
 *		in the ring once each send() returns
 * @blk:	block being read
 * @pkt_left:	frames of @blk not yet read (0: @blk not started)
 * @pkt_off:	offset in @blk of the next frame
 * @empty:	empty bursts since the last socket error check
 * @gone:	the interface disappeared (ENODEV/ENXIO)
 * @down:	the socket reported ENETDOWN, or a send failed for it
 * @stats_ns:	when PACKET_STATISTICS was last read (afp_ring_losses())
 * @mmsg:	rx=mmsg: recvmmsg() instead of the ring (@ring is NULL)
 * @tx_ring:	tx=ring: the transmit ring instead of sendmmsg()
 * @bypass:	qdisc-bypass=on: PACKET_QDISC_BYPASS
 */
struct afp_priv {
	int fd;
	int long_fd;
	int ctl;
	int ifindex;
	uint8_t *map;
	size_t map_len;
	uint8_t *ring;
	uint8_t *txring;
	unsigned int tx_head;
	unsigned int blk;
	uint32_t pkt_left;
	uint32_t pkt_off;
	unsigned int empty;
	bool gone;
	bool down;
	uint64_t stats_ns;
	bool mmsg;
	bool tx_ring;
	bool bypass;
};

static const char *const afp_keys[] = { "name", "offload", "rx", "tx", "qdisc-bypass", NULL };

/**
 * afp_setup_rings() - Ask for the TPACKET_V3 rings rx= and tx= want, and map them
 * @port:	port
 * @priv:	state, socket open
 *
 * Both rings share one mapping, the receive ring first (the kernel's
 * layout).
 *
 * Return: 0 or -errno (logged)
 */
static int afp_setup_rings(struct vn_port *port, struct afp_priv *priv)
{
	struct tpacket_req3 rx = {
		.tp_block_size = AFP_BLOCK_SIZE,
		.tp_block_nr = AFP_BLOCK_NR,
		.tp_frame_size = AFP_FRAME_SIZE,
		.tp_frame_nr = AFP_BLOCK_SIZE / AFP_FRAME_SIZE * AFP_BLOCK_NR,
		.tp_retire_blk_tov = AFP_RETIRE_MS,
	};
	struct tpacket_req3 tx = {
		.tp_block_size = AFP_TX_BLOCK_SIZE,
		.tp_block_nr = AFP_TX_BLOCK_NR,
		.tp_frame_size = AFP_TX_SLOT_SIZE,
		.tp_frame_nr = AFP_TX_SLOTS,
	};
	size_t rx_len = priv->mmsg ? 0 : (size_t)AFP_BLOCK_SIZE * AFP_BLOCK_NR;
	int v = TPACKET_V3, one = 1, ret;

	if (!rx_len && !priv->tx_ring)
		return 0;
	if (setsockopt(priv->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    (rx_len && setsockopt(priv->fd, SOL_PACKET, PACKET_RX_RING, &rx, sizeof(rx)))) {
		ret = -errno;
		vn_err("port '%s': TPACKET_V3 receive ring: %s", port->name, strerror(errno));
		return ret;
	}
	if (priv->tx_ring &&
	    (setsockopt(priv->fd, SOL_PACKET, PACKET_LOSS, &one, sizeof(one)) ||
	     setsockopt(priv->fd, SOL_PACKET, PACKET_TX_RING, &tx, sizeof(tx)))) {
		ret = -errno;
		vn_err("port '%s': TPACKET_V3 transmit ring: %s", port->name, strerror(errno));
		return ret;
	}
	priv->map_len = rx_len + (priv->tx_ring ? (size_t)AFP_TX_BLOCK_SIZE * AFP_TX_BLOCK_NR : 0);
	priv->map = mmap(NULL, priv->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			 priv->fd, 0);
	if (priv->map == MAP_FAILED) {
		ret = -errno;
		priv->map = NULL;
		vn_err("port '%s': mapping the packet rings: %s", port->name, strerror(errno));
		return ret;
	}
	priv->ring = rx_len ? priv->map : NULL;
	if (priv->tx_ring) {
		priv->txring = priv->map + rx_len;
		vn_port_sock_buf(port, priv->fd, true, AFP_SNDBUF);
	}
	return 0;
}

/**
 * afp_setup_mmsg() - rx=mmsg: the VLAN tag in a control message, a receive buffer like the ring
 * @port:	port
 * @priv:	state, socket open
 *
 * Return: 0 or -errno (logged)
 */
static int afp_setup_mmsg(struct vn_port *port, struct afp_priv *priv)
{
	int one = 1;

	if (setsockopt(priv->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one))) {
		int ret = -errno;

		vn_err("port '%s': PACKET_AUXDATA: %s", port->name, strerror(errno));
		return ret;
	}
	vn_port_sock_buf(port, priv->fd, false, AFP_RCVBUF);
	return 0;
}

/**
 * afp_long_socket() - tx=ring: the socket for frames a ring slot cannot carry
 * @port:	port
 * @priv:	state, @ifindex known
 *
 * Protocol 0 and bound with protocol 0: the kernel hands it no frames.
 *
 * Return: 0 or -errno (logged)
 */
static int afp_long_socket(struct vn_port *port, struct afp_priv *priv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = priv->ifindex };
	int one = 1, ret;

	priv->long_fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (priv->long_fd < 0 ||
	    setsockopt(priv->long_fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    (priv->bypass &&
	     setsockopt(priv->long_fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) ||
	    bind(priv->long_fd, (struct sockaddr *)&sll, sizeof(sll))) {
		ret = -errno;
		vn_err("port '%s': the socket for frames too long for the transmit ring: %s",
		       port->name, strerror(errno));
		return ret;
	}
	vn_port_sock_buf(port, priv->long_fd, true, AFP_SNDBUF);
	return 0;
}

/**
 * afp_socket() - Open the packet socket on @port->name with its options
 * @port:	port
 * @priv:	state
 *
 * Return: 0 or -errno (logged)
 */
static int afp_socket(struct vn_port *port, struct afp_priv *priv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
	struct ifreq ifr = { 0 };
	int one = 1, ret;

	priv->ifindex = (int)if_nametoindex(port->name);
	if (!priv->ifindex) {
		vn_err("port '%s': no such interface (afpacket attaches an existing one)",
		       port->name);
		return -ENODEV;
	}
	priv->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (priv->fd < 0) {
		ret = -errno;
		vn_err("port '%s': AF_PACKET socket: %s%s", port->name, strerror(errno),
		       errno == EPERM ? " (needs CAP_NET_RAW)" : "");
		return ret;
	}
	if (setsockopt(priv->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) {
		ret = -errno;
		vn_err("port '%s': PACKET_VNET_HDR: %s", port->name, strerror(errno));
		return ret;
	}
	if (setsockopt(priv->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one))) {
		ret = -errno;
		vn_err("port '%s': PACKET_IGNORE_OUTGOING: %s (Linux 4.20 or later)", port->name,
		       strerror(errno));
		return ret;
	}
	/* straight to the driver: no qdisc, and packet taps (tcpdump on IF) do not see it */
	if (priv->bypass &&
	    setsockopt(priv->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
		ret = -errno;
		vn_err("port '%s': PACKET_QDISC_BYPASS: %s", port->name, strerror(errno));
		return ret;
	}
	ret = priv->mmsg ? afp_setup_mmsg(port, priv) : 0;
	if (!ret)
		ret = afp_setup_rings(port, priv);
	if (!ret && priv->tx_ring)
		ret = afp_long_socket(port, priv);
	if (ret)
		return ret;
	sll.sll_ifindex = priv->ifindex;
	if (bind(priv->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		ret = -errno;
		vn_err("port '%s': bind: %s", port->name, strerror(errno));
		return ret;
	}
	mr.mr_ifindex = priv->ifindex;
	if (setsockopt(priv->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		ret = -errno;
		vn_err("port '%s': promiscuous mode: %s", port->name, strerror(errno));
		return ret;
	}
	priv->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (priv->ctl < 0) {
		ret = -errno;
		vn_err("port '%s': socket: %s", port->name, strerror(errno));
		return ret;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.15s", port->name);
	if (!port->mtu && ioctl(priv->ctl, SIOCGIFMTU, &ifr) == 0)
		port->mtu = (uint32_t)ifr.ifr_mtu;
	return 0;
}

static void afp_close(struct vn_port *port)
{
	struct afp_priv *priv = port->priv;

	if (priv->map)
		munmap(priv->map, priv->map_len);
	if (priv->fd >= 0)
		close(priv->fd);	/* promiscuous membership goes with it */
	if (priv->ctl >= 0)
		close(priv->ctl);
	if (priv->long_fd >= 0)
		close(priv->long_fd);
	priv->map = priv->ring = priv->txring = NULL;
	priv->fd = priv->ctl = priv->long_fd = -1;
}

/**
 * afp_open() - Attach an existing interface
 * @port:	port (name = the interface)
 * @args:	name, offload
 *
 * Return: 0 or a negative errno (logged)
 */
static int afp_open(struct vn_port *port, const struct vn_port_args *args)
{
	struct afp_priv *priv = port->priv;
	const char *off = vn_port_arg(args, "offload");
	const char *rx = vn_port_arg(args, "rx");
	const char *tx = vn_port_arg(args, "tx");
	const char *byp = vn_port_arg(args, "qdisc-bypass");
	bool on = true;
	int ret;

	priv->fd = priv->ctl = priv->long_fd = -1;
	ret = vn_port_args_check(port, args, afp_keys);
	if (ret)
		return ret;
	if (off && vn_port_arg_bool(off, &on)) {
		vn_err("port '%s': bad value '%s' for 'offload' (expected on or off)", port->name,
		       off);
		return -EINVAL;
	}
	if (rx && strcmp(rx, "ring") && strcmp(rx, "mmsg")) {
		vn_err("port '%s': bad value '%s' for 'rx' (expected ring or mmsg)", port->name,
		       rx);
		return -EINVAL;
	}
	priv->mmsg = !rx || !strcmp(rx, "mmsg");
	if (tx && strcmp(tx, "ring") && strcmp(tx, "mmsg")) {
		vn_err("port '%s': bad value '%s' for 'tx' (expected mmsg or ring)", port->name,
		       tx);
		return -EINVAL;
	}
	priv->tx_ring = tx && !strcmp(tx, "ring");
	if (byp && vn_port_arg_bool(byp, &priv->bypass)) {
		vn_err("port '%s': bad value '%s' for 'qdisc-bypass' (expected on or off)",
		       port->name, byp);
		return -EINVAL;
	}
	if (!port->name[0] || strlen(port->name) >= IFNAMSIZ) {
		vn_err("port '%s': afpacket needs name=IF, an interface name of 1-%d characters",
		       port->name, IFNAMSIZ - 1);
		return -EINVAL;
	}
	ret = afp_socket(port, priv);
	if (ret) {
		afp_close(port);
		return ret;
	}
	/* receive always carries the header: the kernel may hand us GSO frames */
	port->features = VN_BIT(VN_NET_F_CSUM) | VN_BIT(VN_NET_F_HOST_TSO4) |
			 VN_BIT(VN_NET_F_HOST_TSO6) | VN_BIT(VN_NET_F_HOST_ECN);
	if (on)
		port->features |= VN_BIT(VN_NET_F_GUEST_CSUM) | VN_BIT(VN_NET_F_GUEST_TSO4) |
				  VN_BIT(VN_NET_F_GUEST_TSO6) | VN_BIT(VN_NET_F_GUEST_ECN);
	port->vnet_hdr_len = AFP_HDR_LEN;
	return 0;
}

static struct tpacket_block_desc *afp_block(const struct afp_priv *priv, unsigned int i)
{
	return (struct tpacket_block_desc *)(priv->ring + (size_t)i * AFP_BLOCK_SIZE);
}

/* A socket error, taken by SO_ERROR or returned by recvmmsg(): the link, or a log line */
static void afp_note_error(struct vn_port *port, int err)
{
	struct afp_priv *priv = port->priv;

	if (err == ENETDOWN || err == ENODEV || err == ENXIO) {
		__atomic_store_n(&priv->down, true, __ATOMIC_RELAXED);
		if (err != ENETDOWN || if_nametoindex(port->name) != (unsigned int)priv->ifindex)
			__atomic_store_n(&priv->gone, true, __ATOMIC_RELAXED);
		vn_log_rl(VN_LOG_WARN, "port '%s': interface %s", port->name,
			  priv->gone ? "deleted or replaced: delete the port" : "down");
		return;
	}
	vn_log_rl(VN_LOG_WARN, "port '%s': socket error: %s", port->name, strerror(err));
}

/**
 * afp_check_error() - Clear and note a pending socket error (ENETDOWN, ENODEV)
 * @port:	port
 *
 * A pending error keeps the socket readable for a level-triggered epoll:
 * reading it with SO_ERROR clears it.
 */
static void afp_check_error(struct vn_port *port)
{
	struct afp_priv *priv = port->priv;
	struct pollfd pfd = { .fd = priv->fd, .events = POLLIN };
	socklen_t len = sizeof(int);
	int err = 0;

	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLERR))
		return;
	if (getsockopt(priv->fd, SOL_SOCKET, SO_ERROR, &err, &len) || !err)
		return;
	afp_note_error(port, err);
}

/*
 * afp_ring_losses() - Count the frames the kernel dropped because the ring was full
 *
 * PACKET_STATISTICS gives the frames dropped since it was last read (and
 * resets the count): read when a block says TP_STATUS_LOSING, at a block's
 * release once AFP_STATS_EVERY_NS have passed (a ring that filled up while
 * its reader was away holds only blocks closed before the losses), and
 * when the ring is idle, so no loss goes uncounted for long.
 */
static void afp_ring_losses(struct vn_port *port)
{
	struct afp_priv *priv = port->priv;
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	priv->stats_ns = vn_mono_ns();
	if (!getsockopt(priv->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len))
		vn_port_drop(port, VN_DROP_KERNEL_RING, st.tp_drops);
}

/* A frame checked as @why: 1 to keep it, or 0 (counted, @pkt reset for the next frame) */
static unsigned int afp_rx_keep(struct vn_port *port, struct vn_pkt *pkt, enum vn_drop_reason why)
{
	if (likely(why == VN_DROP_NONE))
		return 1;
	vn_port_drop(port, why, 1);
	VN_DATA_LOG("port '%s': drop %s", port->name, vn_drop_name(why));
	vn_pkt_reset(pkt);
	return 0;
}

/**
 * afp_rx_mmsg() - rx=mmsg: one recvmmsg() into @have fresh packets
 * @port:	port
 * @pkts:	reset packets
 * @have:	how many (at most VN_PORT_BURST)
 *
 * Return: frames kept, moved to the front of @pkts
 */
static unsigned int afp_rx_mmsg(struct vn_port *port, struct vn_pkt **pkts, unsigned int have)
{
	union {
		struct cmsghdr c;
		uint8_t b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} cm[VN_PORT_BURST];
	struct afp_priv *priv = port->priv;
	struct mmsghdr msgs[VN_PORT_BURST];
	struct iovec iov[VN_PORT_BURST];
	unsigned int i, got = 0;
	int r;

	have = VN_MIN(have, VN_PORT_BURST);
	for (i = 0; i < have; i++) {
		/* the header in the headroom, the frame at the data: no copy after */
		iov[i] = (struct iovec){ .iov_base = vn_pkt_data(pkts[i]) - AFP_HDR_LEN,
					 .iov_len = AFP_MMSG_READ_MAX };
		msgs[i] = (struct mmsghdr){ .msg_hdr = {
			.msg_iov = &iov[i], .msg_iovlen = 1,
			.msg_control = cm[i].b, .msg_controllen = sizeof(cm[i].b) } };
	}
	r = recvmmsg(priv->fd, msgs, have, MSG_DONTWAIT, NULL);
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		/* the kernel refused a frame it had (a header it could not
		 * write), or the interface went away: not a frame we have */
		if (errno == ENETDOWN || errno == ENODEV || errno == ENXIO)
			afp_note_error(port, errno);
		else
			vn_port_drop(port, VN_DROP_VHDR_TRUNCATED, 1);
		return 0;
	}
	for (i = 0; i < (unsigned int)r; i++) {
		if (!afp_rx_keep(port, pkts[i],
				 vn_afp_mmsg_frame(&msgs[i].msg_hdr, msgs[i].msg_len, pkts[i])))
			continue;
		if (got != i) {
			struct vn_pkt *t = pkts[got];

			pkts[got] = pkts[i];
			pkts[i] = t;
		}
		got++;
	}
	/* losses of a receive queue that filled up: read now and then */
	if (unlikely(vn_mono_ns() - priv->stats_ns >= AFP_STATS_EVERY_NS))
		afp_ring_losses(port);
	return got;
}

/**
 * afp_rx_ring() - rx=ring: take up to @have frames from the ring, block by block
 * @port:	port
 * @pkts:	reset packets
 * @have:	how many
 *
 * Return: frames kept, at the front of @pkts
 */
static unsigned int afp_rx_ring(struct vn_port *port, struct vn_pkt **pkts, unsigned int have)
{
	struct afp_priv *priv = port->priv;
	unsigned int got = 0, seen = 0;

	while (got < have && seen < have) {
		struct tpacket_block_desc *bd = afp_block(priv, priv->blk);
		const struct tpacket3_hdr *ph;

		if (!priv->pkt_left) {
			uint32_t status = __atomic_load_n(&bd->hdr.bh1.block_status,
							  __ATOMIC_ACQUIRE);

			if (!(status & TP_STATUS_USER))
				break;	/* the kernel is still filling it */
			/* the kernel dropped frames for want of room since the last read */
			if (unlikely(status & TP_STATUS_LOSING))
				afp_ring_losses(port);
			priv->pkt_left = bd->hdr.bh1.num_pkts;
			priv->pkt_off = bd->hdr.bh1.offset_to_first_pkt;
			if (!priv->pkt_left)
				goto next_block;
		}
		/* every frame, dropped ones too, counts against the burst */
		seen++;
		if (unlikely(priv->pkt_off < sizeof(*bd) ||
			     priv->pkt_off > AFP_BLOCK_SIZE - sizeof(*ph))) {
			vn_port_drop(port, VN_DROP_VHDR_TRUNCATED, priv->pkt_left);
			goto next_block;
		}
		ph = (const struct tpacket3_hdr *)((const uint8_t *)bd + priv->pkt_off);
		got += afp_rx_keep(port, pkts[got],
				   vn_afp_ring_frame(ph, AFP_BLOCK_SIZE - priv->pkt_off, pkts[got]));
		priv->pkt_off += ph->tp_next_offset;
		if (--priv->pkt_left && ph->tp_next_offset)
			continue;
next_block:
		priv->pkt_left = 0;
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		priv->blk = (priv->blk + 1) % AFP_BLOCK_NR;
		/* losses while the ring was full show in no block: ask now and then */
		if (unlikely(vn_mono_ns() - priv->stats_ns >= AFP_STATS_EVERY_NS))
			afp_ring_losses(port);
	}
	return got;
}

/**
 * afp_rx_burst() - Take up to @n frames, by recvmmsg() or from the ring (rx=)
 * @port:	port
 * @pkts:	output
 * @n:		room
 *
 * Return: frames received, each with one reference
 */
static unsigned int afp_rx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct afp_priv *priv = port->priv;
	unsigned int have, got;

	if (unlikely(!port->rx_on || !n))
		return 0;
	have = vn_pool_alloc_bulk(port->pool, pkts, n);
	if (unlikely(!have))
		return 0;	/* frames wait in the kernel's ring or queue */
	got = priv->mmsg ? afp_rx_mmsg(port, pkts, have) : afp_rx_ring(port, pkts, have);
	if (got) {
		priv->empty = 0;
		if (unlikely(__atomic_load_n(&priv->down, __ATOMIC_RELAXED)))
			__atomic_store_n(&priv->down, false, __ATOMIC_RELAXED);
	} else if (++priv->empty >= AFP_ERR_CHECK_EVERY) {
		priv->empty = 0;
		afp_check_error(port);
		afp_ring_losses(port);
	}
	if (got < have)
		vn_pool_free_bulk(port->pool, pkts + got, have - got);
	return got;
}

/* A send refused with @err for a frame: counted by why (down, or an error logged) */
static void afp_tx_refused(struct vn_port *port, int err, unsigned int n)
{
	struct afp_priv *priv = port->priv;

	if (err == ENETDOWN || err == ENXIO || err == ENODEV) {
		vn_port_drop(port, VN_DROP_PORT_DOWN, n);
		__atomic_store_n(&priv->down, true, __ATOMIC_RELAXED);
	} else {
		vn_port_drop(port, VN_DROP_TX_ERROR, n);
		vn_log_rl(VN_LOG_WARN, "port '%s': send: %s", port->name, strerror(err));
	}
}

/* Frames went out: a link that refused sends before is up again */
static unsigned int afp_tx_sent(struct vn_port *port, struct vn_pkt **pkts, unsigned int done,
				unsigned int sent, uint64_t bytes)
{
	struct afp_priv *priv = port->priv;

	if (sent && unlikely(__atomic_load_n(&priv->down, __ATOMIC_RELAXED)))
		__atomic_store_n(&priv->down, false, __ATOMIC_RELAXED);
	return vn_port_tx_done(port, pkts, done, sent, bytes);
}

/**
 * afp_tx_mmsg() - tx=mmsg: send a prefix of @pkts with one sendmmsg(), each after its header
 * @port:	port
 * @fd:		the socket: @fd, or tx=ring's @long_fd
 * @pkts:	frames
 * @n:		count
 *
 * Return: frames consumed (sent or dropped); the caller keeps the rest
 *	   (the socket's buffer is full)
 */
static unsigned int afp_tx_mmsg(struct vn_port *port, int fd, struct vn_pkt **pkts,
				unsigned int n)
{
	uint8_t hdrs[VN_PORT_BURST][AFP_HDR_LEN];
	struct iovec iov[VN_PORT_BURST][2];
	struct mmsghdr msgs[VN_PORT_BURST];
	unsigned int i, done = 0, sent = 0;
	uint64_t bytes = 0;
	int r;

	n = VN_MIN(n, VN_PORT_BURST);
	for (i = 0; i < n; i++) {
		vn_vhdr_build(&pkts[i]->vh, hdrs[i], AFP_HDR_LEN);
		iov[i][0] = (struct iovec){ .iov_base = hdrs[i], .iov_len = AFP_HDR_LEN };
		iov[i][1] = (struct iovec){ .iov_base = vn_pkt_data(pkts[i]),
					    .iov_len = vn_pkt_len(pkts[i]) };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = iov[i], .msg_iovlen = 2 } };
	}
	while (done < n) {
		r = sendmmsg(fd, msgs + done, n - done, MSG_DONTWAIT);
		if (r > 0) {
			for (i = done; i < done + (unsigned int)r; i++)
				bytes += pkts[i]->len;
			sent += (unsigned int)r;
			done += (unsigned int)r;
			continue;
		}
		if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
			break;	/* full: the rest waits (tx_poll_fd) */
		/* the first frame left was refused: drop it, counted, and go on */
		afp_tx_refused(port, errno, 1);
		done++;
	}
	return afp_tx_sent(port, pkts, done, sent, bytes);
}

static struct tpacket3_hdr *afp_tx_slot(const struct afp_priv *priv, unsigned int i)
{
	return (struct tpacket3_hdr *)(priv->txring +
				       (size_t)(i / AFP_TX_PER_BLOCK) * AFP_TX_BLOCK_SIZE +
				       (size_t)(i % AFP_TX_PER_BLOCK) * AFP_TX_SLOT_SIZE);
}

/* The slot @k places after @tx_head */
static struct tpacket3_hdr *afp_tx_next(const struct afp_priv *priv, unsigned int k)
{
	return afp_tx_slot(priv, (priv->tx_head + k) % AFP_TX_SLOTS);
}

/* A slot the kernel is done with: neither queued nor on its way (timestamp bits aside) */
static bool afp_tx_slot_free(const struct tpacket3_hdr *ph)
{
	uint32_t st = __atomic_load_n(&ph->tp_status, __ATOMIC_ACQUIRE);

	return !(st & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING | TP_STATUS_WRONG_FORMAT));
}

/* Does @pkt leave through a slot in at most 17 page fragments? (AFP_TX_FRAG_BYTES) */
static bool afp_tx_ring_fits(const struct vn_pkt *pkt)
{
	return vn_pkt_len(pkt) <= AFP_TX_FRAG_BYTES + VN_MAX(pkt->vh.hdr_len, ETH_HLEN);
}

/**
 * afp_tx_ring() - tx=ring: copy a prefix of @pkts into free slots, one send() for them
 * @port:	port
 * @pkts:	frames
 * @n:		count
 *
 * The kernel takes queued slots in order from its position, which is
 * @tx_head when we start, and stops at the first it cannot take (its queue
 * or our send buffer full): that slot and the ones after it still say
 * TP_STATUS_SEND_REQUEST when send() returns and the kernel does not look
 * at them again until the next send(), so they are taken back (marked free,
 * @tx_head moved back to the first) and their frames stay with the caller.
 *
 * Return: frames consumed (sent or dropped); the caller keeps the rest
 */
static unsigned int afp_tx_ring(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct afp_priv *priv = port->priv;
	unsigned int i, queued, taken;
	uint64_t bytes = 0;
	int err = 0;

	for (queued = 0; queued < n; queued++) {
		struct tpacket3_hdr *ph = afp_tx_next(priv, queued);
		uint8_t *d = (uint8_t *)ph + AFP_TX_DATA_OFF;
		uint32_t len = vn_pkt_len(pkts[queued]);

		/* the kernel still has it: the rest waits (tx_poll_fd) */
		if (!afp_tx_slot_free(ph))
			break;
		/* too many page fragments: it goes by itself, first in the next call */
		if (unlikely(!afp_tx_ring_fits(pkts[queued])))
			break;
		/* every frame fits a slot (the _Static_assert on AFP_TX_SLOT_SIZE) */
		vn_vhdr_build(&pkts[queued]->vh, d, AFP_HDR_LEN);
		memcpy(d + AFP_HDR_LEN, vn_pkt_data(pkts[queued]), len);
		ph->tp_len = AFP_HDR_LEN + len;
		ph->tp_next_offset = 0;
		__atomic_store_n(&ph->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	}
	if (!queued)
		return 0;
	if (send(priv->fd, NULL, 0, MSG_DONTWAIT) < 0)
		err = errno;
	for (taken = 0; taken < queued; taken++) {
		if (__atomic_load_n(&afp_tx_next(priv, taken)->tp_status, __ATOMIC_ACQUIRE) ==
		    TP_STATUS_SEND_REQUEST)
			break;
		bytes += pkts[taken]->len;
	}
	for (i = taken; i < queued; i++)
		__atomic_store_n(&afp_tx_next(priv, i)->tp_status, TP_STATUS_AVAILABLE,
				 __ATOMIC_RELEASE);
	priv->tx_head = (priv->tx_head + taken) % AFP_TX_SLOTS;
	/* refused outright (the link down, the interface gone): those are dropped */
	if (taken < queued && err && err != EAGAIN && err != ENOBUFS && err != EINTR) {
		afp_tx_refused(port, err, queued - taken);
		return afp_tx_sent(port, pkts, queued, taken, bytes);
	}
	return afp_tx_sent(port, pkts, taken, taken, bytes);
}

/**
 * afp_tx_burst() - Send a prefix of @pkts (tx=)
 * @port:	port
 * @pkts:	frames
 * @n:		count
 *
 * Return: frames consumed (sent or dropped); the caller keeps the rest
 */
static unsigned int afp_tx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	const struct afp_priv *priv = port->priv;
	unsigned int done;

	if (!priv->tx_ring)
		return afp_tx_mmsg(port, priv->fd, pkts, n);
	/* a frame the ring cannot take (afp_tx_ring_fits()), after those before it;
	 * if @long_fd's buffer is full it waits with the switch, which polls
	 * only @fd: a rare frame, so no second poll source for it */
	if (unlikely(n && !afp_tx_ring_fits(pkts[0]))) {
		done = afp_tx_mmsg(port, priv->long_fd, pkts, 1);
		port->stats.tx_ring_bypass += done;	/* under the port's tx_lock, as tx_packets */
		return done;
	}
	return afp_tx_ring(port, pkts, n);
}

static int afp_poll_fd(struct vn_port *port)
{
	struct afp_priv *priv = port->priv;

	return priv->fd;
}

/* The interface's own state, asked on the control path (an ioctl) */
static void afp_info(const struct vn_port *port, struct vn_port_info *info)
{
	const struct afp_priv *priv = port->priv;

	info->link_up = !__atomic_load_n(&priv->gone, __ATOMIC_RELAXED) &&
			vn_port_if_running(priv->ctl, port->name, priv->ifindex);
	vn_port_info_add(info, "interface", "%s", port->name);
	vn_port_info_add(info, "ifindex", "%d", priv->ifindex);
	vn_port_info_add(info, "rx", "%s", priv->mmsg ? "mmsg" : "ring");
	vn_port_info_add(info, "tx", "%s", priv->tx_ring ? "ring" : "mmsg");
}

const struct vn_port_ops vn_afpacket_port_ops =
	VN_PORT_KIND("afpacket", struct afp_priv, afp_open, afp_close, afp,
		     .tx_poll_fd = afp_poll_fd, .tx_any_thread = true, .info = afp_info);

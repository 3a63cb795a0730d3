// SPDX-License-Identifier: MIT
/* tunnel.c - VXLAN and Geneve tunnel ports: the switch's L2 segment carried over UDP to other hosts
 *
 * vxlan:name=N,local=ADDR,remote=ADDR[+ADDR...][,vni=V][,dstport=P][,csum=on|off][,ttl=T][,gso=on|off][,gro=on|off][,netns=NS]
 * geneve:... the same keys (dstport 6081 by default)
 *
 * One UDP socket bound to local:dstport receives; eight more, bound to
 * ports chosen at random in 49152-65535, send, one picked by the hash of
 * the inner flow, so an underlay that spreads by 5-tuple spreads the
 * tunnel's flows too (RFC 7348 5). IPv4 (DF set) or IPv6 underlay, outer
 * TTL ttl= (default 64); csum=off leaves the outer UDP checksum zero on
 * IPv4 (IPv6 always has one, RFC 8200).
 *
 * Receive: recvmmsg() bursts straight into the pool's buffers; a datagram
 * must come from one of the remotes (else drop_tunnel_remote), carry a
 * valid header (tunnel_hdr.c; drop_tunnel_hdr, drop_tunnel_critical) of
 * this port's VNI (else drop_tunnel_vni: a VNI never leaks into another),
 * and hold an inner Ethernet frame; then the header is pulled off and the
 * inner source MAC is remembered with the remote it came from. With
 * gro=on (the default where the kernel has UDP_GRO, Linux 5.0) the kernel
 * may hand over a train of equal datagrams from one sender in one buffer
 * (the size of each in a UDP_GRO control message, the last one shorter);
 * the port cuts it into one frame per datagram, each checked as above:
 * the last stays in the buffer it arrived in, the others are copied out
 * of it. Received buffers not yet cut wait in a queue (struct tun_rxq)
 * for the next burst, so a burst never takes more frames than it has room
 * for; the switch's GRO merges the inner TCP segments back into TSO
 * frames towards ports that take them. The receive buffer is 16 MiB.
 *
 * Transmit: with gso=on (the default where the kernel has UDP_SEGMENT,
 * Linux 4.18, and csum=on) the port takes TSO frames and partial checksums:
 * a TSO frame is cut into its inner segments here (checksums completed)
 * and each remote gets them in one sendmsg() with UDP_SEGMENT per 64 KiB,
 * a partial checksum is summed and sent as its own two bytes; gso=off
 * takes no offloads (the switch segments and sums before the port). A
 * frame to a MAC learned from a remote goes to that remote;
 * any other frame (flood, broadcast, unknown unicast) to every remote
 * (head-end replication). The header (the same for every datagram of the
 * port) is the first iovec of each datagram and the frame the second, so a
 * frame the switch also floods to other ports is never changed; all copies
 * of a burst leave in sendmmsg() calls of up to 64.
 *
 * MTU: inner MTU = underlay MTU (asked of the route to the first remote)
 * - overhead (50 bytes over IPv4, 70 over IPv6); the switch drops larger
 * frames (drop_mtu) and segments TSO frames to it. A bigger underlay MTU,
 * or mtu= on the taps, is the user's setting.
 *
 * Namespaces: netns=NAME (a name in /run/netns, or a path such as
 * /proc/PID/ns/net) opens the underlay sockets in that namespace: the
 * tunnel runs over its interfaces and routes, the switch stays in vnetd's.
 *
 * Static entries: vnetctl fdb add MAC PORT dst ADDR pins an inner MAC to
 * one of the remotes (tun_pin()): unicast to it goes there whatever was
 * learned, until fdb del.
 *
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/udp.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/csum.h"
#include "core/gso.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/pool.h"
#include "port_internal.h"
#include "tunnel_hdr.h"
#include "virtio/flow.h"

#define TUN_REMOTES_MAX		16
#define TUN_TX_SOCKS		8
#define TUN_LEARN_SIZE		1024	/* direct-mapped inner MAC -> remote */
#define TUN_LEARN_AGE_NS	(300ull * 1000000000ull)
#define TUN_MSGS		64
#define TUN_PINS		64	/* static inner MAC -> remote entries (vnetctl fdb add ... dst) */
#define TUN_GSO_SEGS		64	/* datagrams per UDP_SEGMENT send (Linux's UDP_MAX_SEGMENTS) */
#define TUN_RCVBUF		(16 << 20)	/* receive socket buffer asked for */
#ifndef UDP_SEGMENT
#define UDP_SEGMENT		103	/* Linux 4.18 */
#endif
#ifndef UDP_GRO
#define UDP_GRO			104	/* Linux 5.0 */
#endif

/**
 * struct tun_learn - one remembered inner MAC
 * @mac:	address
 * @remote:	index of the remote it came from
 * @valid:	slot in use
 * @seen_ns:	last datagram from it
 */
struct tun_learn {
	uint8_t mac[6];
	uint8_t remote;
	uint8_t valid;
	uint64_t seen_ns;
};

/**
 * struct tun_rxq - a buffer received and not yet all handed to the switch
 * @pkt:	the buffer, its data the UDP payload as received
 * @len:	bytes received
 * @seg:	size of each datagram in it (UDP_GRO); the last one may be
 *		shorter; @len when the kernel did not batch
 * @pos:	offset of the first datagram not yet handed on
 * @remote:	index of the remote it came from
 */
struct tun_rxq {
	struct vn_pkt *pkt;
	uint32_t len;
	uint32_t seg;
	uint32_t pos;
	uint32_t remote;
};

/**
 * struct tun_priv - private state of a tunnel port
 * @kind:	VXLAN or Geneve
 * @family:	AF_INET or AF_INET6
 * @rx:		socket bound to local:dstport
 * @tx:		sending sockets, bound to random high ports
 * @vni:	this port's VNI
 * @remotes:	the other ends, dstport set
 * @nremotes:	how many
 * @salen:	size of one remote's address
 * @learn:	inner MACs seen from each remote
 * @hdr:	the header every datagram this port sends starts with
 * @hdr_len:	its length
 * @gso:	TSO frames are taken whole and leave with UDP_SEGMENT (gso=on)
 * @gro:	the receiving socket takes UDP_GRO batches (gro=on)
 * @rxq:	buffers received, to be cut into frames: @rxq[@rxq_head..@rxq_n)
 * @rxq_head:	first entry not done
 * @rxq_n:	entries filled by the last receive
 * @netns:	netns= as given ("": vnetd's own namespace)
 * @pins:	static entries, each one word the datapath reads atomically:
 *		MAC << 16 | remote << 8 | 1; 0: free
 * @npins:	slots in use are below this
 */
struct tun_priv {
	enum vn_tun_kind kind;
	int family;
	int rx;
	int tx[TUN_TX_SOCKS];
	uint32_t vni;
	uint8_t hdr[8];
	uint32_t hdr_len;
	bool gso;
	bool gro;
	char netns[128];
	struct sockaddr_storage remotes[TUN_REMOTES_MAX];
	unsigned int nremotes;
	socklen_t salen;
	struct tun_learn learn[TUN_LEARN_SIZE];
	uint64_t pins[TUN_PINS];
	unsigned int npins;
	struct tun_rxq rxq[TUN_MSGS];
	unsigned int rxq_head;
	unsigned int rxq_n;
};

static const char *const tun_keys[] = { "name", "local", "remote", "vni", "dstport", "csum",
					"ttl", "gso", "gro", "netns", NULL };

/**
 * tun_addr() - Parse an IPv4 or IPv6 address with @port into @ss
 * @s:		text
 * @port:	UDP port
 * @ss:		output
 *
 * Return: AF_INET, AF_INET6, or -EINVAL
 */
static int tun_addr(const char *s, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		return AF_INET6;
	}
	return -EINVAL;
}

/* Same address (the port of the sender is free: it is the flow's hash) */
static bool tun_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
}

/**
 * tun_parse_remotes() - remote=A+B+C into @priv->remotes
 * @port:	port
 * @val:	value
 * @dport:	destination port
 *
 * Return: 0 or -EINVAL (logged)
 */
static int tun_parse_remotes(struct vn_port *port, const char *val, uint16_t dport)
{
	struct tun_priv *priv = port->priv;
	char buf[224], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
		if (priv->nremotes == TUN_REMOTES_MAX) {
			vn_err("port '%s': more than %d remotes", port->name, TUN_REMOTES_MAX);
			return -EINVAL;
		}
		if (tun_addr(tok, dport, &priv->remotes[priv->nremotes]) != priv->family) {
			vn_err("port '%s': remote '%s' is not an %s address (local= decides)",
			       port->name, tok, priv->family == AF_INET ? "IPv4" : "IPv6");
			return -EINVAL;
		}
		priv->nremotes++;
	}
	if (!priv->nremotes) {
		vn_err("port '%s': remote= needs at least one address", port->name);
		return -EINVAL;
	}
	return 0;
}

/**
 * tun_socket() - A UDP socket of the port's family bound to @local:@lport, options set
 * @port:	port
 * @local:	address (its port is replaced by @lport)
 * @lport:	UDP port
 * @csum:	outer UDP checksum (IPv4 only may go without)
 * @ttl:	outer TTL / hop limit
 *
 * Return: fd, or -errno (-EADDRINUSE quietly, for the caller to try another port)
 */
static int tun_socket(struct vn_port *port, const struct sockaddr_storage *local, uint16_t lport,
		      bool csum, int ttl)
{
	struct tun_priv *priv = port->priv;
	struct sockaddr_storage a = *local;
	int fd, one = 1, pmtu = IP_PMTUDISC_DO, ret;

	if (priv->family == AF_INET)
		((struct sockaddr_in *)&a)->sin_port = htons(lport);
	else
		((struct sockaddr_in6 *)&a)->sin6_port = htons(lport);
	fd = socket(priv->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	if (priv->family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) ||
		    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)) ||
		    (!csum && setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one))))
			goto fail;
	} else {
		pmtu = IPV6_PMTUDISC_DO;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
			goto fail;
	}
	if (bind(fd, (struct sockaddr *)&a, priv->salen))
		goto fail;
	return fd;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

/**
 * tun_open_socks() - The receiving socket and the sending ones
 * @port:	port
 * @local:	local address
 * @dport:	destination (and receive) port
 * @csum:	csum=
 * @ttl:	ttl=
 *
 * Return: 0 or -errno (logged)
 */
static int tun_open_socks(struct vn_port *port, const struct sockaddr_storage *local,
			  uint16_t dport, bool csum, int ttl)
{
	struct tun_priv *priv = port->priv;
	uint16_t r;

	priv->rx = tun_socket(port, local, dport, csum, ttl);
	if (priv->rx < 0) {
		vn_err("port '%s': UDP port %u on the local address: %s", port->name, dport,
		       strerror(-priv->rx));
		return priv->rx;
	}
	for (int i = 0; i < TUN_TX_SOCKS; i++) {
		for (int tries = 0; tries < 64; tries++) {
			if (getrandom(&r, sizeof(r), 0) != sizeof(r))
				r = (uint16_t)(vn_mono_ns() >> 3);
			priv->tx[i] = tun_socket(port, local, (uint16_t)(49152 + r % 16384), csum,
						 ttl);
			if (priv->tx[i] != -EADDRINUSE)
				break;
		}
		if (priv->tx[i] < 0) {
			vn_err("port '%s': sending socket: %s", port->name, strerror(-priv->tx[i]));
			return priv->tx[i];
		}
	}
	return 0;
}

/**
 * tun_mtu() - Inner MTU from the route to the first remote
 * @port:	port
 *
 * Return: underlay MTU - overhead, or 1500 - overhead if the route says nothing
 */
static uint32_t tun_mtu(struct vn_port *port)
{
	struct tun_priv *priv = port->priv;
	uint32_t over = priv->family == AF_INET ? 20 + 8 + 8 + 14 : 40 + 8 + 8 + 14;
	int fd = socket(priv->family, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = 1500;
	socklen_t len = sizeof(mtu);

	if (fd >= 0) {
		if (connect(fd, (struct sockaddr *)&priv->remotes[0], priv->salen) ||
		    getsockopt(fd, priv->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
			       priv->family == AF_INET ? IP_MTU : IPV6_MTU, &mtu, &len))
			mtu = 1500;
		close(fd);
	}
	return (uint32_t)mtu > over + 68 ? (uint32_t)mtu - over : 68;
}

static void tun_close(struct vn_port *port)
{
	struct tun_priv *priv = port->priv;

	/* buffers received and not cut yet go back to the pool before it goes */
	for (unsigned int i = priv->rxq_head; i < priv->rxq_n; i++)
		vn_pkt_put(priv->rxq[i].pkt);
	priv->rxq_head = priv->rxq_n = 0;
	if (priv->rx >= 0)
		close(priv->rx);
	for (int i = 0; i < TUN_TX_SOCKS; i++)
		if (priv->tx[i] >= 0)
			close(priv->tx[i]);
}

/* Does the kernel take UDP_SEGMENT on @fd? (getsockopt() knows the option from 4.18) */
static bool tun_has_udp_gso(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	return !getsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, &len);
}

/**
 * tun_open_keys() - Parse the kind's keys and open the sockets
 * @port:	port
 * @args:	keys
 *
 * Return: 0 or -errno (logged)
 */
static int tun_open_keys(struct vn_port *port, const struct vn_port_args *args)
{
	struct tun_priv *priv = port->priv;
	const char *local = vn_port_arg(args, "local"), *remote = vn_port_arg(args, "remote");
	const char *v;
	uint32_t dport = priv->kind == VN_TUN_VXLAN ? VN_TUN_VXLAN_PORT : VN_TUN_GENEVE_PORT;
	uint32_t ttl = 64;
	struct sockaddr_storage la;
	bool csum = true, gso = true, gso_asked, gro = true, gro_asked;
	int ret;

	if (!port->name[0] || !local || !remote) {
		vn_err("port '%s': %s needs name=, local=ADDR and remote=ADDR[+ADDR...]",
		       port->name, port->ops->kind);
		return -EINVAL;
	}
	priv->vni = 1;
	if ((v = vn_port_arg(args, "vni")) && vn_port_arg_u32(v, 0, VN_TUN_VNI_MAX, &priv->vni)) {
		vn_err("port '%s': bad value '%s' for 'vni' (expected 0-%u)", port->name, v,
		       VN_TUN_VNI_MAX);
		return -EINVAL;
	}
	if ((v = vn_port_arg(args, "dstport")) && vn_port_arg_u32(v, 1, 65535, &dport)) {
		vn_err("port '%s': bad value '%s' for 'dstport' (expected 1-65535)", port->name, v);
		return -EINVAL;
	}
	if ((v = vn_port_arg(args, "ttl")) && vn_port_arg_u32(v, 1, 255, &ttl)) {
		vn_err("port '%s': bad value '%s' for 'ttl' (expected 1-255)", port->name, v);
		return -EINVAL;
	}
	if ((v = vn_port_arg(args, "csum")) && vn_port_arg_bool(v, &csum)) {
		vn_err("port '%s': bad value '%s' for 'csum' (expected on or off)", port->name, v);
		return -EINVAL;
	}
	if ((v = vn_port_arg(args, "gso")) && vn_port_arg_bool(v, &gso)) {
		vn_err("port '%s': bad value '%s' for 'gso' (expected on or off)", port->name, v);
		return -EINVAL;
	}
	if (v && gso && !csum) {
		/* Linux refuses UDP_SEGMENT on a socket without checksums */
		vn_err("port '%s': gso=on needs the outer UDP checksum (csum=on)", port->name);
		return -EINVAL;
	}
	gso_asked = v && gso;
	gso = gso && csum;
	if ((v = vn_port_arg(args, "gro")) && vn_port_arg_bool(v, &gro)) {
		vn_err("port '%s': bad value '%s' for 'gro' (expected on or off)", port->name, v);
		return -EINVAL;
	}
	gro_asked = v && gro;
	ret = tun_addr(local, (uint16_t)dport, &la);
	if (ret < 0) {
		vn_err("port '%s': local '%s' is not an IPv4 or IPv6 address", port->name, local);
		return -EINVAL;
	}
	priv->family = ret;
	priv->salen = ret == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	if (!csum && ret == AF_INET6) {
		vn_err("port '%s': csum=off is for IPv4 underlays (IPv6 needs the UDP checksum)",
		       port->name);
		return -EINVAL;
	}
	ret = tun_parse_remotes(port, remote, (uint16_t)dport);
	if (ret)
		return ret;
	priv->hdr_len = (uint32_t)vn_tun_build(priv->kind, priv->vni, priv->hdr);
	ret = tun_open_socks(port, &la, (uint16_t)dport, csum, (int)ttl);
	if (ret)
		return ret;
	vn_port_sock_buf(port, priv->rx, false, TUN_RCVBUF);
	/* UDP_GRO is Linux 5.0: without it, every datagram is its own message */
	if (gro) {
		int one = 1;

		priv->gro = !setsockopt(priv->rx, SOL_UDP, UDP_GRO, &one, sizeof(one));
		if (!priv->gro && gro_asked) {
			vn_err("port '%s': gro=on: this kernel has no UDP_GRO", port->name);
			return -EOPNOTSUPP;
		}
	}
	if (!gso)
		return 0;
	/* UDP_SEGMENT is Linux 4.18: without it, segments leave one by one */
	priv->gso = tun_has_udp_gso(priv->tx[0]);
	if (!priv->gso && gso_asked) {
		vn_err("port '%s': gso=on: this kernel has no UDP_SEGMENT", port->name);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int tun_open(struct vn_port *port, const struct vn_port_args *args, enum vn_tun_kind kind)
{
	struct tun_priv *priv = port->priv;
	const char *ns = vn_port_arg(args, "netns");
	int ret, self = -1;

	priv->kind = kind;
	priv->rx = -1;
	for (int i = 0; i < TUN_TX_SOCKS; i++)
		priv->tx[i] = -1;
	ret = vn_port_args_check(port, args, tun_keys);
	/* netns=: the sockets, and the route asked for the MTU, are that namespace's */
	if (!ret && ns)
		ret = vn_port_netns_enter(port, ns, &self);
	if (!ret) {
		ret = tun_open_keys(port, args);
		if (!ret && !port->mtu)
			port->mtu = tun_mtu(port);
		if (ns)
			vn_port_netns_leave(self);
	}
	if (ret) {
		tun_close(port);
		return ret;
	}
	snprintf(priv->netns, sizeof(priv->netns), "%s", ns ? ns : "");
	/* with UDP GSO the port takes TSO frames whole and partial checksums
	 * (it segments and sums itself, without writing into shared frames) */
	port->features = priv->gso ? VN_BIT(VN_NET_F_GUEST_CSUM) | VN_BIT(VN_NET_F_GUEST_TSO4) |
				     VN_BIT(VN_NET_F_GUEST_TSO6) : 0;
	port->vnet_hdr_len = 0;
	return 0;
}

static int vxlan_open(struct vn_port *port, const struct vn_port_args *args)
{
	return tun_open(port, args, VN_TUN_VXLAN);
}

static int geneve_open(struct vn_port *port, const struct vn_port_args *args)
{
	return tun_open(port, args, VN_TUN_GENEVE);
}

/* What the port reports of itself (port list DETAILS): what tun_open() parsed */
static void tun_info(const struct vn_port *port, struct vn_port_info *info)
{
	const struct tun_priv *priv = port->priv;

	vn_port_info_add(info, "vni", "%" PRIu32, priv->vni);
	vn_port_info_add(info, "remotes", "%u", priv->nremotes);
	vn_port_info_add(info, "family", "%s", priv->family == AF_INET6 ? "ipv6" : "ipv4");
	vn_port_info_add(info, "gso", "%s", priv->gso ? "on" : "off");
	vn_port_info_add(info, "gro", "%s", priv->gro ? "on" : "off");
	if (priv->netns[0])
		vn_port_info_add(info, "netns", "%s", priv->netns);
}

static unsigned int tun_slot(const uint8_t *mac)
{
	return vn_fnv1a(VN_FNV_BASIS, mac, 6) % TUN_LEARN_SIZE;
}

/* @mac as the high 48 bits of a pin word */
static uint64_t tun_pin_key(const uint8_t *mac)
{
	uint64_t k = 0;

	for (int i = 0; i < 6; i++)
		k = k << 8 | mac[i];
	return k << 16;
}

/* Is pin word @w in use, for the MAC whose key is @key? */
static bool tun_pin_is(uint64_t w, uint64_t key)
{
	return (w & 1) && (w & ~0xffffull) == key;
}

/* The remote @mac is pinned to, or -1 */
static int tun_pin_find(const struct tun_priv *priv, const uint8_t *mac)
{
	unsigned int n = __atomic_load_n(&priv->npins, __ATOMIC_ACQUIRE);
	uint64_t key = tun_pin_key(mac);

	for (unsigned int i = 0; i < n && i < TUN_PINS; i++) {
		uint64_t w = __atomic_load_n(&priv->pins[i], __ATOMIC_RELAXED);

		if (tun_pin_is(w, key))
			return (int)(w >> 8 & 0xff);
	}
	return -1;
}

/* The remote an inner MAC is pinned to or was last seen behind, or -1 */
static int tun_lookup(const struct tun_priv *priv, const uint8_t *mac, uint64_t now)
{
	const struct tun_learn *e = &priv->learn[tun_slot(mac)];
	int pin = -1;

	if (unlikely(__atomic_load_n(&priv->npins, __ATOMIC_RELAXED)))
		pin = tun_pin_find(priv, mac);
	if (pin >= 0)
		return pin;
	if (!e->valid || memcmp(e->mac, mac, 6) || now - e->seen_ns > TUN_LEARN_AGE_NS)
		return -1;
	return e->remote;
}

static void tun_learn(struct tun_priv *priv, const uint8_t *mac, unsigned int remote, uint64_t now)
{
	struct tun_learn *e = &priv->learn[tun_slot(mac)];

	if (mac[0] & 1)
		return;	/* a group address is never a source */
	memcpy(e->mac, mac, 6);
	e->remote = (uint8_t)remote;
	e->valid = 1;
	e->seen_ns = now;
}

/* Index of the remote @from is, or -1 */
static int tun_remote_of(const struct tun_priv *priv, const struct sockaddr_storage *from)
{
	for (unsigned int i = 0; i < priv->nremotes; i++)
		if (tun_same_host(&priv->remotes[i], from))
			return (int)i;
	return -1;
}

/*
 * tun_pin() - The port's pin op (struct vn_port_ops): vnetctl fdb add MAC PORT dst ADDR
 *
 * A pin word is written whole with one atomic store, so a worker reading it
 * sees the old entry or the new one; slots are reused, never moved, and
 * npins only grows (a removed pin leaves a zero word the scan skips).
 */
static int tun_pin(struct vn_port *port, const uint8_t mac[6], const char *dst, char *err,
		   size_t errlen)
{
	struct tun_priv *priv = port->priv;
	uint64_t key = tun_pin_key(mac);
	struct sockaddr_storage a;
	int r = -1, slot = -1;
	unsigned int i;

	if (dst) {
		if (tun_addr(dst, 0, &a) != priv->family || (r = tun_remote_of(priv, &a)) < 0) {
			snprintf(err, errlen, "%s is not a remote of port \"%s\" (remote=)", dst,
				 port->name);
			return -EINVAL;
		}
	}
	/* the MAC's own slot, else the first free one */
	for (i = 0; i < priv->npins; i++) {
		if (tun_pin_is(priv->pins[i], key)) {
			slot = (int)i;
			break;
		}
		if (!priv->pins[i] && slot < 0)
			slot = (int)i;
	}
	if (!dst) {
		if (slot >= 0 && tun_pin_is(priv->pins[slot], key))
			__atomic_store_n(&priv->pins[slot], 0, __ATOMIC_RELEASE);
		return 0;
	}
	if (slot < 0) {
		if (priv->npins == TUN_PINS) {
			snprintf(err, errlen, "port \"%s\" holds %d pinned addresses already",
				 port->name, TUN_PINS);
			return -ENOSPC;
		}
		slot = (int)priv->npins;
	}
	__atomic_store_n(&priv->pins[slot], key | (uint64_t)r << 8 | 1, __ATOMIC_RELEASE);
	if ((unsigned int)slot == priv->npins)
		__atomic_store_n(&priv->npins, priv->npins + 1, __ATOMIC_RELEASE);
	return 0;
}

/* The port's pinned op: the remote @mac is pinned to, as text */
static int tun_pinned(const struct vn_port *port, const uint8_t mac[6], char *dst, size_t len)
{
	const struct tun_priv *priv = port->priv;
	const struct sockaddr_storage *a;
	int r = tun_pin_find(priv, mac);

	if (r < 0)
		return -ENOENT;
	a = &priv->remotes[r];
	if (a->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, dst, (socklen_t)len);
	else
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, dst, (socklen_t)len);
	return 0;
}

/* The datagram size of a UDP_GRO batch from @msg's control data, or @len if none */
static uint32_t tun_gro_seg(const struct msghdr *msg, uint32_t len)
{
	struct cmsghdr *c;
	int seg;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
		if (c->cmsg_level != SOL_UDP || c->cmsg_type != UDP_GRO ||
		    c->cmsg_len < CMSG_LEN(sizeof(seg)))
			continue;
		memcpy(&seg, CMSG_DATA(c), sizeof(seg));
		/* a size the buffer does not hold means one datagram */
		return seg > 0 && (uint32_t)seg < len ? (uint32_t)seg : len;
	}
	return len;
}

/* Datagrams in @q from @q->pos on (an empty one is one) */
static uint32_t tun_rxq_dgrams(const struct tun_rxq *q)
{
	return VN_MAX((q->len - q->pos + q->seg - 1) / q->seg, 1u);
}

/**
 * tun_rx_recv() - One recvmmsg() of up to @room buffers into the port's queue
 * @port:	port, its queue empty
 * @room:	buffers to receive at most
 *
 * A buffer from an address that is not a remote, cut by the kernel
 * (MSG_TRUNC) or whose control data was cut (MSG_CTRUNC: the datagram
 * size of a batch may be lost) is dropped whole, each datagram counted.
 */
static void tun_rx_recv(struct vn_port *port, unsigned int room)
{
	struct tun_priv *priv = port->priv;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl[TUN_MSGS];
	struct sockaddr_storage from[TUN_MSGS];
	struct vn_pkt *pkts[TUN_MSGS];
	struct mmsghdr msgs[TUN_MSGS];
	struct iovec iov[TUN_MSGS];
	unsigned int have, i;
	int r, rem;

	have = vn_pool_alloc_bulk(port->pool, pkts, VN_MIN(room, TUN_MSGS));
	if (unlikely(!have))
		return;
	for (i = 0; i < have; i++) {
		iov[i].iov_base = vn_pkt_data(pkts[i]);
		iov[i].iov_len = VN_PKT_BUF_SIZE - pkts[i]->off;
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &from[i],
			.msg_namelen = sizeof(from[i]), .msg_iov = &iov[i], .msg_iovlen = 1,
			.msg_control = priv->gro ? ctl[i].buf : NULL,
			.msg_controllen = priv->gro ? sizeof(ctl[i].buf) : 0 } };
	}
	r = recvmmsg(priv->rx, msgs, have, MSG_DONTWAIT, NULL);
	if (r <= 0) {
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			vn_log_rl(VN_LOG_WARN, "port '%s': recvmmsg: %s", port->name, strerror(errno));
		vn_pool_free_bulk(port->pool, pkts, have);
		return;
	}
	port->stats.rx_calls++;
	for (i = 0; i < (unsigned int)r; i++) {
		struct tun_rxq *q = &priv->rxq[priv->rxq_n];
		const struct msghdr *m = &msgs[i].msg_hdr;
		uint32_t len = msgs[i].msg_len;
		enum vn_drop_reason why = VN_DROP_NONE;

		*q = (struct tun_rxq){ .pkt = pkts[i], .len = len, .seg = len ? len : 1 };
		if ((rem = tun_remote_of(priv, &from[i])) < 0)
			why = VN_DROP_TUNNEL_REMOTE;
		else if (m->msg_flags & MSG_TRUNC)
			why = VN_DROP_OVERSIZE;
		else if (m->msg_flags & MSG_CTRUNC)
			why = VN_DROP_TUNNEL_HDR;
		else if (priv->gro)
			q->seg = tun_gro_seg(m, q->seg);
		if (why != VN_DROP_NONE) {
			port->stats.drops[why] += tun_rxq_dgrams(q);
			VN_DATA_LOG("port '%s': drop %s", port->name, vn_drop_name(why));
			vn_pkt_put(pkts[i]);
			continue;
		}
		if (q->seg < len)
			port->stats.rx_gro_dgrams += tun_rxq_dgrams(q);
		q->remote = (uint32_t)rem;
		pkts[i]->len = len;
		priv->rxq_n++;
	}
	if ((unsigned int)r < have)
		vn_pool_free_bulk(port->pool, pkts + r, have - (unsigned int)r);
}

/**
 * tun_rx_cut() - Hand the queue's datagrams on as inner frames, up to @n
 * @port:	port
 * @pkts:	output
 * @n:		room
 * @now:	time, for learning
 *
 * Each datagram is checked (header, VNI) where it lies; the last of a
 * buffer becomes the buffer itself, the header pulled off, any other is
 * copied out into a buffer of its own (taken from the pool a burst's
 * worth at a time). With no buffer for the copy, the rest of that batch is
 * dropped (drop_no_buffer), so a queue never waits on a pool only the
 * switch can refill.
 *
 * Return: frames written to @pkts, each with one reference
 */
static unsigned int tun_rx_cut(struct vn_port *port, struct vn_pkt **pkts, unsigned int n,
			       uint64_t now)
{
	struct tun_priv *priv = port->priv;
	struct vn_pkt *spare[TUN_MSGS];
	unsigned int got = 0, nspare = 0, used = 0;

	while (got < n && priv->rxq_head < priv->rxq_n) {
		struct tun_rxq *q = &priv->rxq[priv->rxq_head];
		const uint8_t *d = vn_pkt_data(q->pkt) + q->pos;
		uint32_t dlen = VN_MIN(q->seg, q->len - q->pos), vni;
		bool last = q->pos + dlen == q->len;
		enum vn_drop_reason why;
		struct vn_pkt *p;
		size_t inner;

		why = vn_tun_parse(priv->kind, d, dlen, &vni, &inner);
		if (why == VN_DROP_NONE && vni != priv->vni)
			why = VN_DROP_TUNNEL_VNI;
		if (why == VN_DROP_NONE && last) {
			p = q->pkt;
			vn_pkt_pull(p, q->pos + (uint32_t)inner);
		} else if (why == VN_DROP_NONE) {
			if (used == nspare) {
				used = 0;
				nspare = vn_pool_alloc_bulk(port->pool, spare,
							    VN_MIN(n - got, TUN_MSGS));
			}
			if (!nspare) {
				port->stats.drops[VN_DROP_NO_BUFFER] += tun_rxq_dgrams(q);
				vn_pkt_put(q->pkt);
				priv->rxq_head++;
				continue;
			}
			p = spare[used++];
			p->len = dlen - (uint32_t)inner;
			memcpy(vn_pkt_data(p), d + inner, p->len);
		} else {
			port->stats.drops[why]++;
			VN_DATA_LOG("port '%s': drop %s", port->name, vn_drop_name(why));
			p = NULL;
		}
		if (last) {
			if (!p)
				vn_pkt_put(q->pkt);
			priv->rxq_head++;
		} else {
			q->pos += dlen;
		}
		if (!p)
			continue;
		tun_learn(priv, vn_pkt_data(p) + 6, q->remote, now);
		pkts[got++] = p;
	}
	if (used < nspare)
		vn_pool_free_bulk(port->pool, spare + used, nspare - used);
	if (priv->rxq_head == priv->rxq_n)
		priv->rxq_head = priv->rxq_n = 0;
	return got;
}

/**
 * tun_rx_burst() - Receive up to @n inner frames: the queue's, then one recvmmsg()'s
 * @port:	port
 * @pkts:	output
 * @n:		room
 *
 * A burst receives only when the queue is empty, and then at most @n
 * buffers, so the queue holds at most one receive's buffers; while it holds
 * any, the burst returns @n frames, and the worker comes back at once.
 *
 * Return: inner frames received, each with one reference
 */
static unsigned int tun_rx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct tun_priv *priv = port->priv;
	unsigned int got = 0;

	if (unlikely(!port->rx_on || !n))
		return 0;
	if (priv->rxq_n)
		got = tun_rx_cut(port, pkts, n, vn_mono_ns());
	if (got < n && !priv->rxq_n) {
		tun_rx_recv(port, n - got);
		if (priv->rxq_n)
			got += tun_rx_cut(port, pkts + got, n - got, vn_mono_ns());
	}
	return got;
}

/*
 * tun_send_failed() - Count @n datagrams a send refused with @err
 * EAGAIN: the socket buffer is full; a datagram is not worth a stall
 */
static void tun_send_failed(struct vn_port *port, int err, unsigned int n)
{
	port->stats.drops[err == EAGAIN || err == ENOBUFS ? VN_DROP_TX_FULL :
			  err == EMSGSIZE ? VN_DROP_MTU : VN_DROP_TX_ERROR] += n;
	if (err != EAGAIN && err != ENOBUFS && err != EMSGSIZE)
		vn_log_rl(VN_LOG_WARN, "port '%s': send: %s", port->name, strerror(err));
}

/**
 * tun_send() - sendmmsg() @n prepared messages on @fd, all of them or until full
 * @port:	port
 * @fd:		socket
 * @msgs:	messages
 * @n:		count
 *
 * Return: messages sent; a refused one is counted (tx_error) and skipped
 */
static unsigned int tun_send(struct vn_port *port, int fd, struct mmsghdr *msgs, unsigned int n)
{
	unsigned int done = 0, sent = 0;
	int r;

	while (done < n) {
		r = sendmmsg(fd, msgs + done, n - done, MSG_DONTWAIT);
		port->stats.tx_calls++;
		if (r > 0) {
			done += (unsigned int)r;
			sent += (unsigned int)r;
			continue;
		}
		if (errno == EINTR)
			continue;
		tun_send_failed(port, errno, 1);
		done++;
	}
	return sent;
}

/**
 * tun_tx_gso() - Send a TSO frame as its segments, a few sends per remote
 * @port:	port (gso=on)
 * @pkt:	the TSO frame, validated; read only (it may be shared)
 * @dst:	its remote, or -1 for every remote
 * @fd:	sending socket
 *
 * The segments (software GSO on the inner headers, checksums completed) all
 * hold gso_size payload bytes but the last, so each remote gets them in
 * sendmsg() calls of up to TUN_GSO_SEGS equal datagrams with UDP_SEGMENT:
 * one pass through the kernel's stack per call instead of one per segment,
 * cut by the kernel (or the underlay's device) into datagrams. A 64 KiB
 * IPv4 datagram is the most one call carries.
 */
static void tun_tx_gso(struct vn_port *port, const struct vn_pkt *pkt, int dst, int fd)
{
	struct tun_priv *priv = port->priv;
	struct vn_pkt *segs[VN_GSO_SEGS_MAX];
	struct iovec iov[2 * TUN_GSO_SEGS];
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl;
	uint32_t dlen, max = priv->family == AF_INET ? 65507 : 65527, per;
	enum vn_drop_reason why = VN_DROP_GSO_FAILED;
	unsigned int i, k, r;
	int ns;

	ns = vn_gso_segment(port->pool, pkt, true, segs, VN_GSO_SEGS_MAX, &why);
	if (unlikely(ns < 0)) {
		port->stats.drops[why ? why : VN_DROP_GSO_FAILED]++;
		return;
	}
	port->stats.gso_sw_frames++;
	port->stats.gso_sw_segs += (uint64_t)ns;
	dlen = priv->hdr_len + vn_pkt_len(segs[0]);
	per = VN_MIN((uint32_t)TUN_GSO_SEGS, max / dlen);
	for (r = dst < 0 ? 0 : (unsigned int)dst; r < priv->nremotes; r++) {
		for (i = 0; i < (unsigned int)ns; i += k) {
			struct msghdr mh = { .msg_name = &priv->remotes[r], .msg_namelen = priv->salen,
					     .msg_iov = iov };
			uint64_t bytes = 0;
			ssize_t sent;

			k = VN_MIN(per, (unsigned int)ns - i);
			for (unsigned int j = 0; j < k; j++) {
				iov[2 * j] = (struct iovec){ priv->hdr, priv->hdr_len };
				iov[2 * j + 1] = (struct iovec){ vn_pkt_data(segs[i + j]),
								 vn_pkt_len(segs[i + j]) };
				bytes += vn_pkt_len(segs[i + j]);
			}
			mh.msg_iovlen = 2 * k;
			if (k > 1) {
				struct cmsghdr *cm;
				uint16_t gso_size = (uint16_t)dlen;

				memset(&ctl, 0, sizeof(ctl));
				mh.msg_control = ctl.buf;
				mh.msg_controllen = sizeof(ctl.buf);
				cm = CMSG_FIRSTHDR(&mh);
				cm->cmsg_level = SOL_UDP;
				cm->cmsg_type = UDP_SEGMENT;
				cm->cmsg_len = CMSG_LEN(sizeof(gso_size));
				memcpy(CMSG_DATA(cm), &gso_size, sizeof(gso_size));
			}
			do {
				sent = sendmsg(fd, &mh, MSG_DONTWAIT);
				port->stats.tx_calls++;
			} while (sent < 0 && errno == EINTR);
			if (sent < 0) {
				/* EINVAL: a segment bigger than the path MTU (Linux's
				 * UDP GSO check), what EMSGSIZE is for one datagram */
				tun_send_failed(port, errno == EINVAL ? EMSGSIZE : errno, k);
				continue;
			}
			port->stats.tx_packets += k;
			port->stats.tx_bytes += bytes;
		}
		if (dst >= 0)
			break;
	}
	vn_pkt_put_bulk(segs, (unsigned int)ns);
}

/**
 * tun_tx_burst() - Encapsulate and send @pkts, each to its remote or to all
 * @port:	port
 * @pkts:	frames: checksummed and segmented by the switch, or with gso=on
 *		partial checksums and TSO frames, which the port finishes
 *		itself without writing into them (they may be shared)
 * @n:		count
 *
 * Return: @n: every frame is taken (sent, or counted as dropped)
 */
static unsigned int tun_tx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct tun_priv *priv = port->priv;
	struct mmsghdr msgs[TUN_MSGS];
	struct iovec iov[TUN_MSGS][4];
	uint16_t csum[TUN_MSGS];
	unsigned int nm = 0, i, r;
	uint64_t now = vn_mono_ns();
	int fd = priv->tx[0];

	for (i = 0; i < n; i++) {
		struct vn_pkt *p = pkts[i];
		int dst = tun_lookup(priv, vn_pkt_data(p), now);
		uint32_t flow = vn_flow_hash(p), field = 0;
		int sfd = priv->tx[flow % TUN_TX_SOCKS];
		bool sum = p->vh.flags & VN_VHDR_F_NEEDS_CSUM;
		uint16_t c = 0;

		if (vn_vhdr_is_gso(&p->vh)) {
			/* in order: what is batched before it leaves first */
			if (nm)
				tun_send(port, fd, msgs, nm);
			nm = 0;
			tun_tx_gso(port, p, dst, sfd);
			continue;
		}
		if (sum) {
			enum vn_drop_reason why = vn_csum_value(p, &c, &field);

			if (unlikely(why)) {
				port->stats.drops[why]++;
				continue;
			}
		}
		for (r = dst < 0 ? 0 : (unsigned int)dst; r < priv->nremotes; r++) {
			uint8_t *d = vn_pkt_data(p);
			struct iovec *v;

			/* one socket per sendmmsg: flush when the flow's socket changes */
			if (nm && (sfd != fd || nm == TUN_MSGS)) {
				tun_send(port, fd, msgs, nm);
				nm = 0;
			}
			fd = sfd;
			v = iov[nm];
			/* the frame is read, never written: it may be flooded to others;
			 * a partial checksum goes out as its own two bytes */
			v[0] = (struct iovec){ priv->hdr, priv->hdr_len };
			if (sum) {
				csum[nm] = c;
				v[1] = (struct iovec){ d, field };
				v[2] = (struct iovec){ &csum[nm], 2 };
				v[3] = (struct iovec){ d + field + 2, vn_pkt_len(p) - field - 2 };
			} else {
				v[1] = (struct iovec){ d, vn_pkt_len(p) };
			}
			msgs[nm] = (struct mmsghdr){ .msg_hdr = { .msg_name = &priv->remotes[r],
				.msg_namelen = priv->salen, .msg_iov = v, .msg_iovlen = sum ? 4 : 2 } };
			nm++;
			port->stats.tx_packets++;
			port->stats.tx_bytes += vn_pkt_len(p);
			if (dst >= 0)
				break;
		}
	}
	/* the buffers live until the put below: one flush for the burst's tail */
	if (nm)
		tun_send(port, fd, msgs, nm);
	vn_pkt_put_bulk(pkts, n);
	return n;
}

static int tun_poll_fd(struct vn_port *port)
{
	struct tun_priv *priv = port->priv;

	return priv->rx;
}

const struct vn_port_ops vn_vxlan_port_ops =
	VN_PORT_KIND("vxlan", struct tun_priv, vxlan_open, tun_close, tun, .info = tun_info,
		     .pin = tun_pin, .pinned = tun_pinned);

const struct vn_port_ops vn_geneve_port_ops =
	VN_PORT_KIND("geneve", struct tun_priv, geneve_open, tun_close, tun, .info = tun_info,
		     .pin = tun_pin, .pinned = tun_pinned);

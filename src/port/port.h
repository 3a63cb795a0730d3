/* SPDX-License-Identifier: MIT */
/* port.h - the port API: one ops struct per port kind, bulk rx/tx
 *
 * Modelled on the bhyve network-backend API (init, cleanup, send, recv,
 * peek length, rx enable/disable, get/set capabilities, vnet header
 * length), made bulk. A port is opened from a spec string
 * "kind:key=value,key=value" (e.g. "tap:name=vnet0,offload=on").
 *
 * Offload capabilities (port->features) are virtio-net feature bits
 * (core/vnet_feat.h), read as a virtio-net device would read its negotiated
 * features, with the port's peer (guest, kernel) as the driver:
 *   - VN_NET_F_GUEST_*: the peer accepts this on frames the switch sends to
 *     the port (tx_burst);
 *   - VN_NET_F_CSUM / VN_NET_F_HOST_*: the port may deliver frames with this
 *     pending work from rx_burst.
 * The switch resolves the difference at egress (checksum or segment in
 * software), never inside a port; a kind that takes TSO frames because its
 * own transmit does the cutting as a device would (a tunnel port with UDP
 * GSO, tunnel.c) says so with the GUEST_* bits and counts that work in its
 * gso_sw_* counters.
 *
 * Ownership: rx_burst hands out packets with one reference each; tx_burst
 * takes the references of the packets it accepts (it returns how many,
 * always a prefix of the array) and the caller keeps the rest.
 */
#ifndef VN_PORT_PORT_H
#define VN_PORT_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/drop.h"
#include "core/compiler.h"
#include "core/counters.h"
#include "core/pkt.h"
#include "core/vhdr.h"
#include "core/vnet_feat.h"

#define VN_PORT_NAME_MAX	32
#define VN_PORT_BURST		64	/* default burst size */

/**
 * struct vn_port_stats - per-port counters, owned by the port's worker thread
 *
 * Plain uint64_t, no atomics: one writer; the control thread reads them
 * racily (a torn read of a 64-bit counter does not happen on x86-64).
 * The exception is @drops: a port whose transmit side another worker may
 * drive (vn_port_ops.tx_any_thread) counts egress drops from that worker
 * while its own counts ingress drops, so every drop goes through
 * vn_port_drop(), a relaxed atomic add (drops are the rare path).
 * port.c describes them in a {name, offsetof} table.
 */
struct vn_port_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t csum_sw;	/* checksums completed in software at egress */
	uint64_t gso_sw_frames;	/* frames segmented in software at egress */
	uint64_t gso_sw_segs;	/* segments produced by them */
	uint64_t gro_merged;	/* segments merged by GRO */
	uint64_t xdp_aborted;
	uint64_t xdp_drop;
	uint64_t xdp_pass;
	uint64_t xdp_tx;
	uint64_t xdp_redirect;
	uint64_t ring_full;	/* tx found the port full */
	uint64_t rx_paused;	/* times rx was disabled for backpressure */
	uint64_t macs_refused;	/* source addresses not learned: macs= reached */
	uint64_t mem_faults;	/* vhost-user: guest-memory faults (SIGBUS) recovered */
	uint64_t unsealed_regions; /* vhost-user: regions now mapped that can shrink */
	uint64_t calls_skipped;	/* vhost-user: calls not written, counter full */
	uint64_t calls_stuck;	/* vhost-user: call writes broken off (queue broken) */
	uint64_t mrg_cap;	/* vhost-user: frames 128 receive buffers could not hold */
	uint64_t bad_messages;	/* vhost-user: front-end messages refused (ctl thread) */
	uint64_t vq_violations; /* vhost-user: virtqueue protocol violations (queue broken) */
	uint64_t tx_calls;	/* tunnel: send system calls (sendmmsg, sendmsg) made */
	uint64_t rx_calls;	/* tunnel: receive system calls (recvmmsg) that returned data */
	uint64_t rx_gro_dgrams;	/* tunnel: datagrams the kernel's UDP GRO handed over batched */
	uint64_t tx_ring_bypass; /* afpacket tx=ring: frames sent by sendmsg(), too long for a slot */
	uint64_t drops[VN_DROP__MAX];
};

struct vn_port;

/**
 * struct vn_port_args - a parsed spec "kind:key=value,..."
 */
#define VN_PORT_ARGS_MAX	16
struct vn_port_args {
	char kind[16];
	unsigned int n;
	struct {
		char key[32];
		char val[224];
	} kv[VN_PORT_ARGS_MAX];
};

#define VN_PORT_INFO_MAX	6	/* kind details a port reports at most */
#define VN_PORT_INFO_VAL	128	/* bytes of one detail's value, with its NUL */

/**
 * struct vn_port_info - what a port says of itself (vn_port_info())
 * @queues:	queue pairs the port was opened with (tap queues=, vhost-user
 *		queues=)
 * @link_up:	whether the peer can take frames now
 * @n:		entries in @detail
 * @detail:	the kind's own facts, in the order it added them (the socket of
 *		a vhost-user port and whether it is the client, the file of a
 *		pcap port, ...): a key (a string constant) and its value
 */
struct vn_port_info {
	unsigned int queues;
	bool link_up;
	unsigned int n;
	struct {
		const char *key;
		char val[VN_PORT_INFO_VAL];
	} detail[VN_PORT_INFO_MAX];
};

/**
 * struct vn_port_ops - what a port kind implements
 * @kind:	name used in specs ("tap", "pair", "vhost-user", ...)
 * @priv_size:	bytes of private state allocated with the port
 * @open:	open from parsed args; fill name, features, fd. Negative errno.
 * @close:	release everything; the port is not used afterwards
 * @rx_burst:	receive up to @n frames; each with one reference
 * @tx_burst:	send a prefix of @pkts, taking their references; returns count
 * @poll_fd:	fd that becomes readable when rx has work, or -1 (busy poll)
 * @tx_poll_fd:	fd that becomes writable when a full port has room, or -1
 * @tx_poll_readable: @tx_poll_fd signals room by becoming readable instead
 *		(an epoll fd over a guest's kick eventfds)
 * @tx_any_thread: @tx_burst may be called from any thread, one call at a
 *		time, while the owning thread runs @rx_burst: it shares no
 *		state with the receive side (a tap's writev() on its fd,
 *		an afpacket socket's sendmmsg(), a pair's locked queue). The
 *		switch then lets every worker send to the port under the
 *		port's transmit lock (worker.c, "Direct transmit")
 * @info:	what the port says of itself (struct vn_port_info): its queue
 *		pairs, whether the peer can take frames now (a tap's interface
 *		is up, a guest is connected) and the kind's own details. Called
 *		racily by the control thread, so it reads state and never locks
 *		the datapath; NULL: one queue, always up, no details
 * @pin:	tunnel kinds: send unicast to inner MAC @mac to the remote @dst
 *		only (an address among the port's remotes), whatever was
 *		learned; @dst NULL removes the pin (which cannot fail: @err
 *		may be NULL then). Control thread, racing the datapath
 *		safely. 0, -EINVAL (@dst not a remote, message in @err) or
 *		-ENOSPC
 * @pinned:	tunnel kinds: the remote @mac is pinned to, written to @dst;
 *		0, or -ENOENT
 */
struct vn_port_ops {
	const char *kind;
	size_t priv_size;
	int (*open)(struct vn_port *port, const struct vn_port_args *args);
	void (*close)(struct vn_port *port);
	unsigned int (*rx_burst)(struct vn_port *port, struct vn_pkt **pkts, unsigned int n);
	unsigned int (*tx_burst)(struct vn_port *port, struct vn_pkt **pkts, unsigned int n);
	int (*poll_fd)(struct vn_port *port);
	int (*tx_poll_fd)(struct vn_port *port);
	bool tx_poll_readable;
	bool tx_any_thread;
	void (*info)(const struct vn_port *port, struct vn_port_info *info);
	int (*pin)(struct vn_port *port, const uint8_t mac[6], const char *dst, char *err,
		   size_t errlen);
	int (*pinned)(const struct vn_port *port, const uint8_t mac[6], char *dst, size_t len);
};

/**
 * struct vn_port_conf - switch-level options common to all kinds
 * @access_vlan: 1-4094: access port, untagged frames belong to this VLAN and
 *		 leave untagged; 0: no access VLAN (untagged = native VLAN 0)
 * @ntrunk:	entries in @trunk; >0 makes the port a trunk carrying tagged
 *		frames of those VLANs
 * @trunk:	allowed VLAN ids, from "trunk=10:20:30"
 * @drop_when_full: "policy=drop": drop (counted) when the port is full,
 *		 instead of the default "policy=block" (keep the frames, stop
 *		 reading the sources feeding it until it drains)
 * @pool_size:	buffers in the port's rx pool ("pool=N", default 2048)
 * @max_macs:	source addresses the switch learns on this port at most
 *		("macs=N", default VN_PORT_MACS_DEFAULT); more are forwarded
 *		but not learned (counted: macs_refused)
 * @xo:		guest XDP offload channel ("xdp-offload=PATH", tap and
 *		vhost-user only; vn_port_xo_parse())
 *
 * vn_port_open() parses these generic keys ("vlan", "trunk", "policy",
 * "pool", "mtu", "macs") and hands the kind only the keys left.
 */
#define VN_PORT_TRUNK_MAX	64
#define VN_PORT_MACS_DEFAULT	4096	/* half the default FDB: no port takes it all */
#define VN_PORT_MACS_MAX	(1u << 22)

/* Guest XDP offload channel (docs/xdp-offload.md): keys of tap and vhost-user ports */
#define VN_PORT_XO_PATH_MAX	108		/* sun_path, with the NUL */
#define VN_PORT_XO_MEM_DEFAULT	(16ull << 20)	/* xdp-offload-mem */
#define VN_PORT_XO_MEM_MAX	(1ull << 40)
#define VN_PORT_XO_MEM_MIN	(64ull << 10)
#define VN_PORT_XO_INSNS_DEFAULT 16384		/* xdp-offload-insns */
#define VN_PORT_XO_INSNS_MAX	1000000
#define VN_PORT_XO_MAPS_DEFAULT	16		/* xdp-offload-maps */
#define VN_PORT_XO_MAPS_MAX	64		/* VN_BPF_OBJ_MAPS_MAX */
#define VN_PORT_XO_STATE_MAX	224		/* xdp-offload-state= path, NUL included (a key's value) */

/**
 * struct vn_port_xo - a port's guest XDP offload channel and quotas
 * @path:	unix socket vnetd listens on for the port's guest ("": no channel)
 * @mem:	bytes the guest's program may have charged (maps, instructions,
 *		run contexts, the loader's working memory)
 * @insns:	largest guest program, in instructions
 * @maps:	most maps in a guest object
 * @state:	"xdp-offload-state=FILE" (vhost-user): where a live migration's
 *		stop writes the guest program and its maps, and where the
 *		device's next start (this port's or another's) reads them back
 *		("": a migration frees the program like any stop)
 */
struct vn_port_xo {
	char path[VN_PORT_XO_PATH_MAX];
	char state[VN_PORT_XO_STATE_MAX];
	uint64_t mem;
	uint32_t insns;
	uint32_t maps;
};

struct vn_port_conf {
	uint16_t access_vlan;
	uint16_t ntrunk;
	uint16_t trunk[VN_PORT_TRUNK_MAX];
	bool drop_when_full;
	uint32_t pool_size;
	uint32_t max_macs;
	struct vn_port_xo xo;
};

/**
 * struct vn_port - one port of the switch
 * @ops:	the kind
 * @name:	unique name ("tap0", "vm1")
 * @id:		switch-wide port number, stable while the port exists
 * @features:	negotiated virtio-net feature bits (see the top of this file)
 * @vnet_hdr_len: bytes of virtio-net header on this port's wire (0, 10, 12)
 * @mtu:	largest L3 packet the peer accepts unsegmented (default 1500)
 * @pool:	packet pool rx_burst allocates from (created by vn_port_open())
 * @conf:	switch-level options
 * @stats:	counters
 * @rx_on:	rx enabled (backpressure, vn_port_rx_enable(); true at open). A
 *		kind whose rx_burst may be called while paused returns nothing
 *		while it is false; the switch also stops polling the port's fd
 * @resets:	device resets and front-end disconnects the kind saw (atomic;
 *		vhost-user), so the guest offload channel frees the guest's
 *		program (ctl/xo_srv.c)
 * @handoffs:	those of @resets that were a live migration's stop: the
 *		device stopped while dirty logging was on (atomic; counted
 *		before @resets), so the channel can hand the program on first
 * @starts:	the device started (its first receive queue; atomic), so the
 *		channel can take a handed-on program up
 * @priv:	kind-private state (ops->priv_size bytes)
 */
struct vn_port {
	const struct vn_port_ops *ops;
	char name[VN_PORT_NAME_MAX];
	uint16_t id;
	uint64_t features;
	uint16_t vnet_hdr_len;
	uint32_t mtu;
	struct vn_pool *pool;
	struct vn_port_conf conf;
	struct vn_port_stats stats;
	uint64_t resets;
	uint64_t handoffs;
	uint64_t starts;
	bool rx_on;
	void *priv;
};

/**
 * vn_port_drop() - Count @n frames dropped on @port for reason @why
 * @port:	port
 * @why:	reason
 * @n:		frames
 */
static inline void vn_port_drop(struct vn_port *port, enum vn_drop_reason why, uint64_t n)
{
	__atomic_fetch_add(&port->stats.drops[why], n, __ATOMIC_RELAXED);
}

/**
 * vn_port_admit() - Let frames into the switch as received from @port
 * @port:	port
 * @pkts:	frames, compacted in place to the admitted ones
 * @n:		entries in @pkts
 * @bytes:	output: bytes of the admitted frames
 *
 * Validates each frame's virtio-net header (vn_vhdr_validate()), drops and
 * counts by reason on @port the ones that fail, and stamps the rest with
 * @port's id as their ingress port: what vn_port_rx_burst() does with a
 * kind's frames, and the switch with frames a guest program sent back.
 *
 * Return: frames admitted, at the front of @pkts
 */
static inline unsigned int vn_port_admit(struct vn_port *port, struct vn_pkt **pkts,
					 unsigned int n, uint64_t *bytes)
{
	unsigned int i, k = 0;

	*bytes = 0;
	for (i = 0; i < n; i++) {
		struct vn_pkt *pkt = pkts[i];
		enum vn_drop_reason why = vn_vhdr_validate(pkt);

		if (unlikely(why)) {
			vn_port_drop(port, why, 1);
			vn_pkt_put(pkt);
			continue;
		}
		pkt->in_port = port->id;
		*bytes += pkt->len;
		pkts[k++] = pkt;
	}
	return k;
}

/**
 * vn_port_rx_burst() - Take up to @n frames from a port (the only way the switch does)
 * @port:	port
 * @pkts:	output
 * @n:		room in @pkts
 *
 * The kind's rx_burst moves the bytes and drops (counted by reason) what it
 * cannot read; this wrapper owns the rest of the contract for every kind:
 * each frame's virtio-net header is validated against the frame, here and
 * only here (vn_vhdr_validate(): the switch, a capture and an XDP program
 * trust it afterwards), a frame that fails is dropped and counted by
 * reason, and each frame returned is stamped with @port's id as its ingress
 * port and counted in rx_packets and rx_bytes.
 *
 * Return: frames received, each with one reference
 */
static inline unsigned int vn_port_rx_burst(struct vn_port *port, struct vn_pkt **pkts,
					    unsigned int n)
{
	uint64_t bytes;
	unsigned int k = vn_port_admit(port, pkts, port->ops->rx_burst(port, pkts, n), &bytes);

	port->stats.rx_packets += k;
	port->stats.rx_bytes += bytes;
	return k;
}

/**
 * vn_port_tx_burst() - Hand a burst to a port
 * @port:	port
 * @pkts:	frames, whose references the port takes for the prefix it consumes
 * @n:		frames in @pkts
 *
 * The kind counts tx_packets and tx_bytes itself, because only it knows
 * which of the frames it consumed reached the wire (the others are drops,
 * counted by reason) and what a frame's bytes are there.
 *
 * Return: frames consumed (sent or dropped); the rest stay with the caller
 */
static inline unsigned int vn_port_tx_burst(struct vn_port *port, struct vn_pkt **pkts,
					    unsigned int n)
{
	return port->ops->tx_burst(port, pkts, n);
}

/**
 * vn_port_poll_fd() - The fd that turns readable when the port has frames
 * @port:	port
 *
 * Return: the fd, or -1 when the port must be polled
 */
static inline int vn_port_poll_fd(struct vn_port *port)
{
	return port->ops->poll_fd ? port->ops->poll_fd(port) : -1;
}

/**
 * vn_port_tx_poll_fd() - The fd that signals room on a full port
 * @port:	port
 *
 * Return: the fd (writable, or readable with ops->tx_poll_readable), or -1
 */
static inline int vn_port_tx_poll_fd(struct vn_port *port)
{
	return port->ops->tx_poll_fd ? port->ops->tx_poll_fd(port) : -1;
}

static inline bool vn_port_has(const struct vn_port *port, unsigned int bit)
{
	return port->features & VN_BIT(bit);
}

/* port.c: the generic part (implemented with the first port kinds) */

/**
 * vn_port_info() - What a port says of itself (ops->info)
 * @port:	port
 * @info:	output; without ops->info one queue, up, no details
 */
void vn_port_info(const struct vn_port *port, struct vn_port_info *info);

/**
 * vn_port_info_add() - Add one detail to @info (for a kind's ops->info)
 * @info:	being filled
 * @key:	its name, a string constant ("socket", "file", ...)
 * @fmt:	printf format of the value (cut at VN_PORT_INFO_VAL - 1 bytes)
 *
 * A detail past VN_PORT_INFO_MAX is left out.
 */
void vn_port_info_add(struct vn_port_info *info, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * vn_port_rx_enable() - Start or stop taking frames from a port (backpressure)
 * @port:	port
 * @enable:	true to take frames
 *
 * Sets @port->rx_on and counts stats.rx_paused on each pause, the same for
 * every kind. Called by the port's worker only.
 */
void vn_port_rx_enable(struct vn_port *port, bool enable);

/**
 * vn_port_args_parse() - Split "kind:key=value,key=value" into @args
 * @spec:	spec string (outside input: every length and count is checked)
 * @args:	output
 *
 * Return: 0, -EINVAL for a malformed spec, -E2BIG for too many or too long
 *	   keys/values
 */
int vn_port_args_parse(const char *spec, struct vn_port_args *args);

/**
 * vn_port_args_parse_msg() - vn_port_args_parse(), saying why a spec is refused
 * @spec:	spec string (outside input)
 * @args:	output
 * @msg:	on failure, what was wrong and what is accepted ("duplicate key
 *		'vlan'", "'20' is not key=value (trunk VLANs are separated by
 *		':', e.g. trunk=10:20)"); may be NULL
 * @msglen:	its size
 *
 * Return: as vn_port_args_parse()
 */
int vn_port_args_parse_msg(const char *spec, struct vn_port_args *args, char *msg,
			   size_t msglen);

/**
 * vn_port_arg() - Value of @key in @args
 * @args:	parsed spec
 * @key:	key
 *
 * Return: the value, or NULL if absent
 */
const char *vn_port_arg(const struct vn_port_args *args, const char *key);

/**
 * vn_port_xo_parse() - Take the guest XDP offload keys out of @args
 * @args:	in: a parsed spec; out: the keys other than xdp-offload*
 * @xo:		output: path ("" without xdp-offload=) and quotas, defaults
 *		filled in
 * @msg:	the reason on failure (NUL-terminated, may be cut)
 * @msglen:	its size (at least 1)
 *
 * Keys: xdp-offload=PATH (an absolute or relative unix socket path, at most
 * VN_PORT_XO_PATH_MAX - 1 bytes), xdp-offload-mem=SIZE (bytes with an
 * optional K/M/G suffix, powers of 1024, VN_PORT_XO_MEM_MIN..MAX),
 * xdp-offload-insns=N (1..VN_PORT_XO_INSNS_MAX), xdp-offload-maps=N
 * (0..VN_PORT_XO_MAPS_MAX), xdp-offload-state=FILE (an absolute path, at
 * most VN_PORT_XO_STATE_MAX - 1 bytes; vhost-user only). Only tap and
 * vhost-user ports have them, and the other keys only with xdp-offload=.
 * Outside input (fuzz/fuzz_port_spec.c).
 *
 * Return: 0, or -EINVAL with @msg set
 */
int vn_port_xo_parse(struct vn_port_args *args, struct vn_port_xo *xo, char *msg, size_t msglen);

/**
 * vn_port_open() - Open a port from a spec string
 * @spec:	"kind:key=value,..." (name= sets the port name)
 * @id:		switch-wide port id to give it
 * @out:	the port
 *
 * Parses the generic keys into port->conf, creates the port's pool, and
 * calls the kind's open with the remaining keys.
 *
 * Return: 0, or a negative errno (-ENOENT unknown kind, -EINVAL bad key or
 *	   value, or what the kind returned); the reason is logged
 */
int vn_port_open(const char *spec, uint16_t id, struct vn_port **out);

/**
 * vn_port_close() - Close a port and free it and its pool
 * @port:	port, may be NULL
 */
void vn_port_close(struct vn_port *port);

/**
 * vn_port_stat_descs() - The counter table (drops appear as "drop_<reason>")
 * @n:		number of entries, output
 *
 * Return: the table
 */
const struct vn_counter_desc *vn_port_stat_descs(unsigned int *n);

/**
 * vn_port_stat_get() - Read one counter by name
 * @port:	port
 * @name:	counter name from the table
 * @val:	output
 *
 * Return: 0, or -ENOENT for an unknown name
 */
int vn_port_stat_get(const struct vn_port *port, const char *name, uint64_t *val);

#endif /* VN_PORT_PORT_H */

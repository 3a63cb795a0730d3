// SPDX-License-Identifier: MIT
/* xo_srv.c - the guest XDP offload service: listeners, one connection per port, handlers
 *
 * Each channel is a listening unix socket and at most one connection
 * (struct vn_xo_conn, which reads, frames, rate-limits and answers HELLO);
 * every other request comes to xo_handle() with the channel as context, so
 * a request can only ever name its own port's program and maps: the port
 * is the channel's, never a field of the request. Map handles are indexes
 * into the loaded object's map table, checked against its size.
 *
 * What a reply carries: counters, quota numbers, map geometry and names,
 * and map keys and values copied out of the guest's own maps. A guest
 * program runs in its own address space (bpf/vm.h): every address it can
 * compute and store in a map is a program-space address, never a host
 * one, so a value the guest reads back holds only what its program could
 * see (tests/ctl/test_xo_srv.c checks a stored pointer).
 *
 * The loader runs on the control thread, bounded by the port's quotas
 * (xdp-offload-mem caps everything it allocates) and by VN_XO_OBJ_MAX; the
 * connection's rate limit bounds how often. The datapath only ever sees
 * the published pointer swap (switch/xdp_hook.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bpf/map.h"
#include "bpf/obj.h"
#include "bpf/xdp.h"
#include "core/clock.h"
#include "core/log.h"
#include "port/port.h"
#include "server.h"
#include "switch/sw.h"
#include "switch/xdp_hook.h"
#include "xo_conn.h"
#include "xo_handoff.h"
#include "xo_proto.h"
#include "xo_srv.h"

#define XO_CHANS_MAX	VN_SW_PORTS_MAX
#define XO_EVENTS	16
#define XO_LABEL	"guest"		/* object name of guest programs in listings */
#define XO_LOAD_RATE	5		/* LOADs a second per channel (each may take ms) */
#define XO_LOAD_BURST	10
/* how long a started device looks for the program its VM's source hands on
 * (the source writes it within a tick of its stop, which came first) */
#define XO_TAKEUP_WAIT_NS	(10ull * 1000000000)

struct xo_chan;

/* what an epoll event is about */
struct xo_tag {
	struct xo_chan *chan;
	bool conn;
};

/**
 * struct xo_chan - one port's channel
 * @srv:	the service
 * @port:	the port (valid until vn_xo_srv_port_del())
 * @path:	socket path
 * @lfd:	listening socket
 * @conn:	the connection (conn.fd -1: none)
 * @conn_events: events registered for conn.fd
 * @t_listen:	epoll tag of @lfd
 * @t_conn:	epoll tag of conn.fd
 * @resets_seen: port->resets when last looked at
 * @handoffs_seen: port->handoffs when last looked at
 * @starts_seen: port->starts when last looked at
 * @takeup_until: monotonic ns until which a started device looks for a
 *		handed-on program in its xdp-offload-state file (0: not looking)
 * @load_tokens: LOADs allowed now, scaled by 1e9 (XO_LOAD_RATE a second): a
 *		load costs the control thread far more than other requests
 * @load_ns:	time of the last refill
 * @st:		counters (requests/rejected include the live connection's
 *		only once it closes; vn_xo_srv_port_stats() adds them)
 */
struct xo_chan {
	struct vn_xo_srv *srv;
	struct vn_port *port;
	char path[VN_PORT_XO_PATH_MAX];
	int lfd;
	struct vn_xo_conn conn;
	uint32_t conn_events;
	struct xo_tag t_listen;
	struct xo_tag t_conn;
	uint64_t resets_seen;
	uint64_t handoffs_seen;
	uint64_t starts_seen;
	uint64_t takeup_until;
	uint64_t load_tokens;
	uint64_t load_ns;
	struct vn_xo_chan_stats st;
};

struct vn_xo_srv {
	struct vn_sw *sw;
	int epfd;
	struct xo_chan *chans[XO_CHANS_MAX];
};

/* ---- requests ---- */

/* Bytes of one value as the control side copies it (per-CPU: every copy, 8-aligned) */
static size_t value_len(const struct vn_map *m)
{
	if (m->type == BPF_MAP_TYPE_PERCPU_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_HASH)
		return (size_t)m->ncpus * m->vstride;
	return m->value_size;
}

static int fail(struct vn_xo_msg *reply, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct vn_xo_msg *reply, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reply->text, sizeof(reply->text), fmt, ap);
	va_end(ap);
	return -err;
}

/*
 * A map call that failed with @rc: the reply says @missing for -ENOENT and
 * @other for anything else, each with the map's name for its one %s.
 */
static int map_err(struct vn_xo_msg *reply, int rc, const struct vn_map *m,
		   const char *missing, const char *other)
{
	const char *fmt = rc == -ENOENT ? missing : other;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	return fail(reply, -rc, fmt, m->name);
#pragma GCC diagnostic pop
}

/* The map a request names, in the guest program @x of this channel's port */
static int map_of(struct vn_sw_xdp *x, const struct vn_xo_mapref *ref, struct vn_map **m,
		  struct vn_xo_msg *reply)
{
	const struct vn_bpf_obj *obj = vn_sw_xdp_ref_prog(x)->obj;

	if (ref->by_handle) {
		/* a handle is an index into this port's object, nothing else */
		if (ref->handle >= obj->nmaps)
			return fail(reply, ENOENT, "no map handle %u on this port (%u maps)",
				    ref->handle, obj->nmaps);
		*m = obj->maps[ref->handle].map;
		return 0;
	}
	for (unsigned int i = 0; i < obj->nmaps; i++) {
		if (!strcmp(obj->maps[i].name, ref->name)) {
			*m = obj->maps[i].map;
			return 0;
		}
	}
	return fail(reply, ENOENT, "no map '%s' on this port", ref->name);
}

static int key_check(const struct vn_map *m, const struct vn_xo_bytes *key, struct vn_xo_msg *reply)
{
	if (key->n != m->key_size)
		return fail(reply, EINVAL, "key is %u bytes, map '%s' has %u-byte keys", key->n,
			    m->name, m->key_size);
	return 0;
}

/* Values the protocol cannot carry (more than VN_XO_KV_MAX bytes with every CPU's copy) */
static int value_check(const struct vn_map *m, struct vn_xo_msg *reply)
{
	if (value_len(m) > VN_XO_KV_MAX)
		return fail(reply, E2BIG, "map '%s': values are %zu bytes, the protocol carries %u",
			    m->name, value_len(m), VN_XO_KV_MAX);
	return 0;
}

static void status_fill(struct xo_chan *ch, struct vn_xo_status *st)
{
	const struct vn_port_xo *q = &ch->port->conf.xo;
	struct vn_sw_xdp *x;

	memset(st, 0, sizeof(*st));
	st->mem_limit = q->mem;
	st->insns_limit = q->insns;
	st->maps_limit = q->maps;
	st->loads_refused = ch->st.loads_refused;
	st->rejected = ch->st.rejected + (ch->conn.fd >= 0 ? ch->conn.rejected : 0);
	if (vn_sw_xdp_guest_get(ch->srv->sw, ch->port->name, &x))
		return;
	{
		struct vn_xdp_prog *xp = vn_sw_xdp_ref_prog(x);
		struct vn_xdp_stats s;
		const char *sec;
		size_t used, limit, len;
		unsigned int flags;

		vn_xdp_stats_sum(xp, &s);
		vn_sw_xdp_ref_mem(x, &used, &limit);
		vn_sw_xdp_ref_object(x, &len, &sec, &flags);
		st->loaded = 1;
		snprintf(st->section, sizeof(st->section), "%s", sec);
		st->insns = (uint32_t)xp->prog->n;
		st->maps = xp->obj->nmaps;
		st->mem = used;
		st->pass = s.pass;
		st->drop = s.drop;
		st->tx = s.tx;
		st->aborted = s.aborted + s.redirect;
		st->runs = s.pass + s.drop + s.tx + s.aborted + s.redirect;
	}
	vn_sw_xdp_put(x);
}

static int h_load(struct xo_chan *ch, const struct vn_xo_msg *req, struct vn_xo_msg *reply)
{
	const struct vn_port_xo *q = &ch->port->conf.xo;
	struct vn_sw_xdp_quota quota = { .mem = q->mem, .insns = q->insns, .maps = q->maps };
	char err[VN_XO_MSG_TEXT_MAX + 1];
	uint64_t now = vn_mono_ns(), cap = XO_LOAD_BURST * 1000000000ull;
	int rc;

	if (now > ch->load_ns) {
		uint64_t dt = now - ch->load_ns;

		ch->load_tokens = dt >= cap / XO_LOAD_RATE ? cap :
				  ch->load_tokens + dt * XO_LOAD_RATE > cap ? cap :
				  ch->load_tokens + dt * XO_LOAD_RATE;
		ch->load_ns = now;
	}
	if (ch->load_tokens < 1000000000ull) {
		ch->st.loads_refused++;
		return fail(reply, EBUSY, "LOAD rate limit (%d a second)", XO_LOAD_RATE);
	}
	ch->load_tokens -= 1000000000ull;
	rc = vn_sw_xdp_guest_load(ch->srv->sw, ch->port->name, req->obj.p, req->obj.n, XO_LABEL,
				  req->section,
				  req->flags & VN_XO_LOAD_SEGMENT_FIRST ? VN_SW_XDP_SEGMENT_FIRST : 0,
				  &quota, err, sizeof(err));
	if (rc) {
		ch->st.loads_refused++;
		vn_log_rl(VN_LOG_INFO, "port '%s': guest XDP load refused: %s", ch->port->name,
			  err);
		return fail(reply, -rc, "%s", err);
	}
	ch->st.loads++;
	reply->type = VN_XO_R_OK;
	return 0;
}

static int map_list(struct vn_sw_xdp *x, struct vn_xo_msg *reply, uint8_t *scratch)
{
	const struct vn_bpf_obj *obj = vn_sw_xdp_ref_prog(x)->obj;
	size_t off = 0;

	for (unsigned int i = 0; i < obj->nmaps && i < VN_XO_MAPS_MAX; i++) {
		const struct vn_map *m = obj->maps[i].map;
		struct vn_xo_map_info info = {
			.handle = (uint16_t)i,
			.type = m->type,
			.key_size = m->key_size,
			.value_size = m->value_size,
			.max_entries = m->max_entries,
			.mem = m->charged,
		};
		uint32_t n = 0;
		long w;

		if (!vn_map_count(obj->maps[i].map, &n))
			info.entries = n;
		/* a name the wire cannot carry is sent as its handle */
		if (vn_xo_name_ok(obj->maps[i].name, strlen(obj->maps[i].name), 0))
			snprintf(info.name, sizeof(info.name), "%s", obj->maps[i].name);
		else
			snprintf(info.name, sizeof(info.name), "map%u", i);
		w = vn_xo_map_info_put(scratch + off, VN_XO_REPLY_MAX - off, &info);
		if (w < 0)
			return fail(reply, EIO, "map list does not fit a reply");
		off += (size_t)w;
	}
	reply->type = VN_XO_R_MAP_LIST;
	reply->nmaps = obj->nmaps < VN_XO_MAPS_MAX ? obj->nmaps : VN_XO_MAPS_MAX;
	reply->list.p = scratch;
	reply->list.n = (uint32_t)off;
	return 0;
}

static int map_dump(struct vn_map *m, const struct vn_xo_msg *req, struct vn_xo_msg *reply,
		    uint8_t *scratch)
{
	/* entries, then one key's scratch (keys are at most VN_MAP_KEY_MAX),
	 * with room left for the reply's own fields */
	size_t ks = m->key_size, vs = value_len(m), off = 0;
	size_t room = VN_XO_REPLY_MAX - 16 - VN_MAP_KEY_MAX;
	uint8_t *key = scratch + room, *prev = NULL;
	uint32_t count = 0, max = req->max ? req->max : UINT32_MAX;
	int rc;

	if (ks > VN_MAP_KEY_MAX)
		return fail(reply, E2BIG, "map '%s': keys of %zu bytes", m->name, ks);
	if (req->key.n && key_check(m, &req->key, reply))
		return -EINVAL;
	if (req->key.n) {
		memcpy(key, req->key.p, ks);
		prev = key;
	}
	reply->more = 0;
	while (count < max) {
		if (off + ks + vs > room) {
			reply->more = 1;
			break;
		}
		rc = vn_map_get_next_key(m, prev, scratch + off);
		if (rc == -ENOENT)
			break;
		if (rc)
			return fail(reply, -rc, "map '%s': key walk failed", m->name);
		rc = vn_map_lookup(m, scratch + off, scratch + off + ks);
		if (rc == -ENOENT) {	/* deleted under the walk by the program */
			memcpy(key, scratch + off, ks);
			prev = key;
			continue;
		}
		if (rc)
			return fail(reply, -rc, "map '%s': lookup failed", m->name);
		prev = scratch + off;
		off += ks + vs;
		count++;
	}
	/* stopped by @max: whether anything follows */
	if (count == max && prev) {
		uint8_t probe[VN_MAP_KEY_MAX];

		reply->more = vn_map_get_next_key(m, prev, probe) == 0;
	}
	reply->type = VN_XO_R_DUMP;
	reply->key_size = (uint32_t)ks;
	reply->value_size = (uint32_t)vs;
	reply->count = count;
	reply->entries.p = count ? scratch : NULL;
	reply->entries.n = (uint32_t)off;
	return 0;
}

static int map_op(struct xo_chan *ch, const struct vn_xo_msg *req, struct vn_xo_msg *reply,
		  uint8_t *scratch)
{
	struct vn_sw_xdp *x;
	struct vn_map *m = NULL;
	int rc;

	if (vn_sw_xdp_guest_get(ch->srv->sw, ch->port->name, &x))
		return fail(reply, ENOENT, "no guest program loaded on this port");
	if (req->type == VN_XO_MAP_LIST) {
		rc = map_list(x, reply, scratch);
		goto out;
	}
	rc = map_of(x, &req->map, &m, reply);
	if (!rc)
		rc = value_check(m, reply);
	/* a key, where there is one, is the map's size (a key walk may start empty) */
	if (!rc && (req->type == VN_XO_MAP_LOOKUP || req->type == VN_XO_MAP_UPDATE ||
		    req->type == VN_XO_MAP_DELETE || (req->type == VN_XO_MAP_NEXT_KEY && req->key.n)))
		rc = key_check(m, &req->key, reply);
	if (rc)
		goto out;
	switch (req->type) {
	case VN_XO_MAP_LOOKUP:
		rc = vn_map_lookup(m, req->key.p, scratch);
		if (rc) {
			rc = map_err(reply, rc, m, "no such key in map '%s'", "lookup in map '%s' failed");
			break;
		}
		reply->type = VN_XO_R_VALUE;
		reply->value.p = scratch;
		reply->value.n = (uint32_t)value_len(m);
		break;
	case VN_XO_MAP_UPDATE:
		if (req->value.n != value_len(m)) {
			rc = fail(reply, EINVAL, "value is %u bytes, map '%s' takes %zu", req->value.n,
				  m->name, value_len(m));
			break;
		}
		if (req->flags > VN_XO_UPDATE_EXIST) {
			rc = fail(reply, EINVAL, "update flags %u: expected 0, 1 or 2", req->flags);
			break;
		}
		/* values are the guest's own bytes: a map of pointers (devmap) is
		 * not the guest's to write */
		if (m->type == BPF_MAP_TYPE_DEVMAP) {
			rc = fail(reply, EPERM, "map '%s': port maps are not writable by guests",
				  m->name);
			break;
		}
		rc = vn_map_update(m, req->key.p, req->value.p, req->flags);
		if (rc) {
			rc = fail(reply, -rc, "update of map '%s': %s", m->name,
				  rc == -E2BIG ? "map full or index out of range" :
				  rc == -EEXIST ? "key exists" : rc == -ENOENT ? "no such key" :
				  strerror(-rc));
			break;
		}
		reply->type = VN_XO_R_OK;
		break;
	case VN_XO_MAP_DELETE:
		rc = vn_map_delete(m, req->key.p);
		if (rc) {
			rc = map_err(reply, rc, m, "no such key in map '%s'",
				     "map '%s': entries cannot be deleted (an array)");
			break;
		}
		reply->type = VN_XO_R_OK;
		break;
	case VN_XO_MAP_NEXT_KEY:
		rc = vn_map_get_next_key(m, req->key.n ? req->key.p : NULL, scratch);
		if (rc) {
			rc = map_err(reply, rc, m, "no key after this one in map '%s'",
				     "key walk of map '%s' failed");
			break;
		}
		reply->type = VN_XO_R_KEY;
		reply->key.p = scratch;
		reply->key.n = m->key_size;
		break;
	case VN_XO_MAP_DUMP:
		rc = map_dump(m, req, reply, scratch);
		break;
	default:
		rc = fail(reply, EOPNOTSUPP, "unknown request");
	}
out:
	vn_sw_xdp_put(x);
	return rc;
}

/* A live migration stopped the device: hand the program on (xo_handoff.h) */
static void handoff_out(struct xo_chan *ch)
{
	const char *state = ch->port->conf.xo.state;
	char err[256];
	int rc = vn_xo_handoff_out(ch->srv->sw, ch->port->name, state, err, sizeof(err));

	if (rc < 0) {
		ch->st.handoffs_failed++;
		vn_warn("port '%s': live migration: guest XDP program not handed on: %s",
			ch->port->name, err);
	} else if (!rc) {
		ch->st.handoffs_out++;
		vn_info("port '%s': live migration: guest XDP program and maps written to %s",
			ch->port->name, state);
	}
}

/* The device started: take up a handed-on program, if one is (or comes) there */
static void takeup(struct xo_chan *ch)
{
	const char *state = ch->port->conf.xo.state;
	char err[256];
	int rc = vn_xo_handoff_in(ch->srv->sw, ch->port->name, state, err, sizeof(err));

	if (rc == -ENOENT && vn_mono_ns() < ch->takeup_until)
		return;		/* not written yet: the next tick looks again */
	ch->takeup_until = 0;
	if (!rc) {
		ch->st.handoffs_in++;
		vn_info("port '%s': live migration: guest XDP program and maps taken up from %s%s%s",
			ch->port->name, state, err[0] ? "; " : "", err);
	} else if (rc == -EEXIST) {
		vn_info("port '%s': %s not taken up: %s", ch->port->name, state, err);
	} else if (rc != -ENOENT) {
		ch->st.handoffs_failed++;
		vn_warn("port '%s': live migration: %s not taken up: %s", ch->port->name, state,
			err);
	}
}

/*
 * What the port's device did since we last looked: a reset frees the guest
 * program (a migration's stop hands it on first, with xdp-offload-state=);
 * a start looks for a handed-on one
 */
static void dev_check(struct xo_chan *ch)
{
	/* resets first: the port counts a handoff before its reset, so a
	 * reset seen here comes with its handoff */
	uint64_t r = __atomic_load_n(&ch->port->resets, __ATOMIC_ACQUIRE);
	uint64_t h = __atomic_load_n(&ch->port->handoffs, __ATOMIC_ACQUIRE);
	uint64_t s = __atomic_load_n(&ch->port->starts, __ATOMIC_ACQUIRE);
	bool state = ch->port->conf.xo.state[0] != '\0';

	if (r != ch->resets_seen) {
		/* a start before this stop is over: its window must not take
		 * up what this very stop hands on (a resume after a failed
		 * migration is a new start, and takes it back) */
		ch->takeup_until = 0;
		if (h != ch->handoffs_seen && state)
			handoff_out(ch);
		ch->handoffs_seen = h;
		ch->resets_seen = r;
		if (!vn_sw_xdp_guest_unload(ch->srv->sw, ch->port->name)) {
			ch->st.resets++;
			vn_info("port '%s': device reset: guest XDP program freed", ch->port->name);
		}
	}
	if (s != ch->starts_seen) {
		ch->starts_seen = s;
		if (state)
			ch->takeup_until = vn_mono_ns() + XO_TAKEUP_WAIT_NS;
	}
	if (ch->takeup_until)
		takeup(ch);
}

static int xo_handle(void *ctx, const struct vn_xo_msg *req, struct vn_xo_msg *reply,
		     uint8_t *scratch)
{
	struct xo_chan *ch = ctx;

	dev_check(ch);
	switch (req->type) {
	case VN_XO_LOAD:
		return h_load(ch, req, reply);
	case VN_XO_UNLOAD:
		if (vn_sw_xdp_guest_unload(ch->srv->sw, ch->port->name))
			return fail(reply, ENOENT, "no guest program loaded on this port");
		ch->st.unloads++;
		reply->type = VN_XO_R_OK;
		return 0;
	case VN_XO_STATUS:
		status_fill(ch, &reply->status);
		reply->type = VN_XO_R_STATUS;
		return 0;
	case VN_XO_MAP_LIST:
	case VN_XO_MAP_LOOKUP:
	case VN_XO_MAP_UPDATE:
	case VN_XO_MAP_DELETE:
	case VN_XO_MAP_NEXT_KEY:
	case VN_XO_MAP_DUMP:
		return map_op(ch, req, reply, scratch);
	default:
		return fail(reply, EOPNOTSUPP, "unknown request");
	}
}

/* ---- sockets ---- */

static void conn_register(struct xo_chan *ch, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = &ch->t_conn };

	if (events == ch->conn_events)
		return;
	if (epoll_ctl(ch->srv->epfd, EPOLL_CTL_MOD, ch->conn.fd, &ev))
		vn_err("port '%s': xdp-offload: epoll: %s", ch->port->name, strerror(errno));
	ch->conn_events = events;
}

static void conn_end(struct xo_chan *ch)
{
	if (ch->conn.fd < 0)
		return;
	epoll_ctl(ch->srv->epfd, EPOLL_CTL_DEL, ch->conn.fd, NULL);
	ch->st.requests += ch->conn.requests;
	ch->st.rejected += ch->conn.rejected;
	ch->st.connected = false;
	vn_xo_conn_close(&ch->conn);
	vn_log_rl(VN_LOG_INFO, "port '%s': xdp-offload: peer gone", ch->port->name);
}

/* After input or writability: send, then decide what to wait for */
static void conn_pump(struct xo_chan *ch, bool readable)
{
	int rc = 0;

	if (readable)
		rc = vn_xo_conn_input(&ch->conn, vn_mono_ns(), xo_handle, ch);
	if (!rc)
		rc = vn_xo_conn_flush(&ch->conn);
	if (rc < 0) {
		conn_end(ch);
		return;
	}
	/* input (and the peer's half-close) only while a largest reply fits,
	 * so a peer that stopped reading wakes nobody; output while some is
	 * queued (EPOLLHUP and EPOLLERR come regardless) */
	conn_register(ch, (vn_xo_conn_want_input(&ch->conn) ? EPOLLIN | EPOLLRDHUP : 0) |
			  (rc == 1 ? EPOLLOUT : 0));
}

/* A second peer while one is served: one ERROR EBUSY, never waiting for it */
static void refuse_busy(int fd)
{
	struct vn_xo_msg e = { .type = VN_XO_R_ERROR, .err = EBUSY };
	uint8_t buf[VN_XO_HDR_LEN + 2 * VN_XO_MSG_TEXT_MAX];
	long n;

	snprintf(e.text, sizeof(e.text), "another peer is connected to this port's channel");
	n = vn_xo_msg_encode(&e, buf, sizeof(buf));
	if (n > 0 && send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		vn_dbg("xdp-offload: EBUSY reply not sent: %s", strerror(errno));
	close(fd);
}

static void accept_one(struct xo_chan *ch)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = &ch->t_conn };
	int fd = accept4(ch->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	/* the peer being served may have gone already (its hang-up not seen
	 * yet in this batch): serve what it left, which finds its end */
	if (ch->conn.fd >= 0)
		conn_pump(ch, true);
	if (ch->conn.fd >= 0) {
		ch->st.busy++;
		refuse_busy(fd);
		return;
	}
	if (vn_xo_conn_init(&ch->conn, fd, VN_XO_RATE_DEFAULT, VN_XO_BURST_DEFAULT,
			    vn_mono_ns())) {
		ch->conn.fd = -1;
		return;
	}
	if (epoll_ctl(ch->srv->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		vn_xo_conn_close(&ch->conn);
		return;
	}
	ch->conn_events = ev.events;
	ch->st.connections++;
	ch->st.connected = true;
	vn_log_rl(VN_LOG_INFO, "port '%s': xdp-offload: peer connected", ch->port->name);
}

/* A path that exists may only be a socket nobody listens on (then it is removed) */
static int stale_remove(const struct sockaddr_un *sa, char *err, size_t err_sz)
{
	const char *step;
	int ret = vn_ctl_sock_stale_remove(sa, &step);

	if (ret == -EEXIST)
		snprintf(err, err_sz, "xdp-offload: %s exists and is not a socket", sa->sun_path);
	else if (ret == -EADDRINUSE)
		snprintf(err, err_sz, "xdp-offload: %s is in use (something listens on it)",
			 sa->sun_path);
	else if (ret && !strcmp(step, "lstat"))
		snprintf(err, err_sz, "xdp-offload: %s: %s", sa->sun_path, strerror(-ret));
	else if (ret && !strcmp(step, "unlink"))
		snprintf(err, err_sz, "xdp-offload: stale socket %s: %s", sa->sun_path,
			 strerror(-ret));
	return ret;
}

static int listen_on(struct xo_chan *ch, char *err, size_t err_sz)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &ch->t_listen };
	const char *what = "socket";
	int ret;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ch->path);
	ret = stale_remove(&sa, err, err_sz);
	if (ret)
		return ret;
	ch->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ch->lfd < 0)
		goto fail;
	what = "bind";
	if (bind(ch->lfd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	/* listen() after chmod: nobody connects while the mode is the umask's */
	what = "chmod 0600";
	if (chmod(sa.sun_path, 0600))
		goto fail_unlink;
	what = "listen";
	if (listen(ch->lfd, 4))
		goto fail_unlink;
	what = "epoll";
	if (epoll_ctl(ch->srv->epfd, EPOLL_CTL_ADD, ch->lfd, &ev))
		goto fail_unlink;
	return 0;
fail_unlink:
	ret = -errno;
	unlink(sa.sun_path);
	goto out;
fail:
	ret = -errno;
out:
	snprintf(err, err_sz, "xdp-offload: %s: %s: %s", ch->path, what, strerror(-ret));
	if (ch->lfd >= 0)
		close(ch->lfd);
	ch->lfd = -1;
	return ret;
}

/* ---- the service ---- */

struct vn_xo_srv *vn_xo_srv_new(struct vn_sw *sw)
{
	struct vn_xo_srv *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->sw = sw;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		free(s);
		return NULL;
	}
	return s;
}

static void chan_free(struct xo_chan *ch)
{
	conn_end(ch);
	if (ch->lfd >= 0) {
		epoll_ctl(ch->srv->epfd, EPOLL_CTL_DEL, ch->lfd, NULL);
		close(ch->lfd);
		unlink(ch->path);
	}
	free(ch);
}

void vn_xo_srv_free(struct vn_xo_srv *s)
{
	if (!s)
		return;
	for (unsigned int i = 0; i < XO_CHANS_MAX; i++)
		if (s->chans[i])
			chan_free(s->chans[i]);
	close(s->epfd);
	free(s);
}

int vn_xo_srv_fd(const struct vn_xo_srv *s)
{
	return s->epfd;
}

static struct xo_chan **chan_slot(const struct vn_xo_srv *s, const char *name)
{
	for (unsigned int i = 0; i < XO_CHANS_MAX; i++)
		if (s->chans[i] && !strcmp(s->chans[i]->port->name, name))
			return (struct xo_chan **)&s->chans[i];
	return NULL;
}

int vn_xo_srv_port_add(struct vn_xo_srv *s, struct vn_port *port, char *err, size_t err_sz)
{
	struct xo_chan *ch, **slot = NULL;
	int ret;

	if (!port->conf.xo.path[0])
		return 0;
	if (chan_slot(s, port->name)) {
		snprintf(err, err_sz, "port '%s' has an xdp-offload channel", port->name);
		return -EBUSY;
	}
	for (unsigned int i = 0; i < XO_CHANS_MAX && !slot; i++)
		if (!s->chans[i])
			slot = &s->chans[i];
	ch = slot ? calloc(1, sizeof(*ch)) : NULL;
	if (!ch) {
		snprintf(err, err_sz, "xdp-offload: no memory for a channel");
		return -ENOMEM;
	}
	ch->srv = s;
	ch->port = port;
	ch->lfd = -1;
	ch->conn.fd = -1;
	ch->t_listen.chan = ch->t_conn.chan = ch;
	ch->t_conn.conn = true;
	ch->resets_seen = __atomic_load_n(&port->resets, __ATOMIC_ACQUIRE);
	ch->handoffs_seen = __atomic_load_n(&port->handoffs, __ATOMIC_ACQUIRE);
	ch->starts_seen = __atomic_load_n(&port->starts, __ATOMIC_ACQUIRE);
	ch->load_tokens = XO_LOAD_BURST * 1000000000ull;
	ch->load_ns = vn_mono_ns();
	snprintf(ch->path, sizeof(ch->path), "%s", port->conf.xo.path);
	ret = listen_on(ch, err, err_sz);
	if (ret) {
		free(ch);
		return ret;
	}
	*slot = ch;
	vn_info("port '%s': xdp-offload: listening on %s (mem %llu, insns %u, maps %u)",
		port->name, ch->path, (unsigned long long)port->conf.xo.mem, port->conf.xo.insns,
		port->conf.xo.maps);
	return 0;
}

void vn_xo_srv_port_del(struct vn_xo_srv *s, const char *name)
{
	struct xo_chan **slot = chan_slot(s, name);

	if (!slot)
		return;
	chan_free(*slot);
	*slot = NULL;
}

void vn_xo_srv_events(struct vn_xo_srv *s)
{
	struct epoll_event evs[XO_EVENTS];
	int n = epoll_wait(s->epfd, evs, XO_EVENTS, 0);

	for (int i = 0; i < n; i++) {
		struct xo_tag *t = evs[i].data.ptr;
		struct xo_chan *ch = t->chan;

		if (!t->conn) {
			accept_one(ch);
			continue;
		}
		/* closed by an earlier event of this batch */
		if (ch->conn.fd < 0)
			continue;
		conn_pump(ch, evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP));
	}
}

void vn_xo_srv_tick(struct vn_xo_srv *s)
{
	for (unsigned int i = 0; i < XO_CHANS_MAX; i++)
		if (s->chans[i])
			dev_check(s->chans[i]);
}

int vn_xo_srv_port_stats(const struct vn_xo_srv *s, const char *name,
			 struct vn_xo_chan_stats *out, const char **path)
{
	struct xo_chan **slot = chan_slot(s, name);

	if (!slot)
		return -ENOENT;
	*out = (*slot)->st;
	out->requests += (*slot)->conn.fd >= 0 ? (*slot)->conn.requests : 0;
	out->rejected += (*slot)->conn.fd >= 0 ? (*slot)->conn.rejected : 0;
	if (path)
		*path = (*slot)->path;
	return 0;
}

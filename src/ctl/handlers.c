// SPDX-License-Identifier: MIT
/* handlers.c - control commands against the switch, and the daemon's entry points
 *
 * Each handler gets arguments already checked against its schema (cmd.c)
 * and returns a JSON result or a negative errno with a message. They run
 * under ctl->lock, so requests from the socket and from a config file never
 * interleave; the switch's own control lock protects it from the workers.
 * Counters are read racily, as the port API allows.
 *
 * Rates: once a second (the server's tick) every port's packet and byte
 * counters are sampled; the rate shown by "port list" is the difference
 * between the last two samples.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "bpf/map_btf.h"
#include "capture_sess.h"
#include "config.h"
#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "ctl.h"
#include "port/port.h"
#include "switch/fdb.h"
#include "switch/sw.h"
#include "switch/xdp_hook.h"
#include "xo_migrate.h"
#include "xo_srv.h"

#define SPEC_MAX	1024

/**
 * struct port_rec - what the control plane remembers about a port id
 * @name:	port the record belongs to ("" if none)
 * @spec:	spec it was added with (through ctl), "" if unknown
 * @t:		time of the last sample (s, monotonic)
 * @last:	rx_packets, rx_bytes, tx_packets, tx_bytes at @t
 * @rate:	per-second rates between the last two samples, same order
 */
struct port_rec {
	char name[VN_PORT_NAME_MAX];
	char spec[SPEC_MAX + 1];
	double t;
	uint64_t last[4];
	uint64_t rate[4];
};

/**
 * struct vn_ctl - the control plane's state
 * @sw:		the switch
 * @caps:	capture sessions
 * @lock:	serialises handlers (socket and config file)
 * @why:	the first error the layers below logged while the current
 *		request ran (vn_log_capture_begin()): a handler puts it in its
 *		reply, where the client can read it; "" if they logged none
 * @recs:	per port id: spec and rate samples
 * @req_fd:	descriptor the running request came with (ctl/fdpass.h), -1
 * @cfg_dir:	directory of the config file being run, NULL for the socket:
 *		only the daemon's own config names files for it to open
 * @xo:		guest XDP offload channels (xo_srv.h), served under @lock
 */
struct vn_ctl {
	struct vn_sw *sw;
	struct vn_ctl_captures *caps;
	pthread_mutex_t lock;
	char why[VN_CTL_MSG_MAX];
	struct port_rec recs[VN_SW_PORTS_MAX];
	int req_fd;
	const char *cfg_dir;
	struct vn_xo_srv *xo;
};

/**
 * struct vn_ctl_call - one request as its handler sees it
 * @ctl:	the control plane (ctl->lock held)
 * @args:	arguments, checked against the command's schema (cmd.c)
 * @result:	output: the JSON result, owned by the caller afterwards
 * @msg:	output: why it failed, for the client ("" when it did not)
 * @msglen:	size of @msg
 */
struct vn_ctl_call {
	struct vn_ctl *ctl;
	struct json_object *args;
	struct json_object *result;
	char *msg;
	size_t msglen;
};

typedef int (*handler_fn)(struct vn_ctl_call *call);

static const char *arg_str(struct json_object *args, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(args, key, &v) ? json_object_get_string(v) : NULL;
}

/* The record of @p, reset if the id now belongs to another port. */
static struct port_rec *rec_of(struct vn_ctl *ctl, const struct vn_port *p)
{
	struct port_rec *r;

	/* an id outside the switch's table: a bug in a lower layer, not ours to trust */
	if (p->id >= VN_SW_PORTS_MAX)
		return NULL;
	r = &ctl->recs[p->id];
	if (strcmp(r->name, p->name)) {
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%s", p->name);
	}
	return r;
}

static void offload_names(uint64_t f, bool tx, struct json_object *arr)
{
	static const struct { unsigned int bit; const char *name; bool tx; } names[] = {
		{ VN_NET_F_GUEST_CSUM, "csum", true }, { VN_NET_F_GUEST_TSO4, "tso4", true },
		{ VN_NET_F_GUEST_TSO6, "tso6", true }, { VN_NET_F_GUEST_ECN, "ecn", true },
		{ VN_NET_F_GUEST_USO4, "uso4", true }, { VN_NET_F_GUEST_USO6, "uso6", true },
		{ VN_NET_F_CSUM, "csum", false }, { VN_NET_F_HOST_TSO4, "tso4", false },
		{ VN_NET_F_HOST_TSO6, "tso6", false }, { VN_NET_F_HOST_ECN, "ecn", false },
		{ VN_NET_F_HOST_USO, "uso", false },
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].tx == tx && (f & VN_BIT(names[i].bit)))
			json_object_array_add(arr, json_object_new_string(names[i].name));
}

static struct json_object *vlan_json(const struct vn_port *p)
{
	struct json_object *v = json_object_new_object(), *trunk = json_object_new_array();
	unsigned int i;

	json_object_object_add(v, "access", json_object_new_int(p->conf.access_vlan));
	for (i = 0; i < p->conf.ntrunk && i < VN_PORT_TRUNK_MAX; i++)
		json_object_array_add(trunk, json_object_new_int(p->conf.trunk[i]));
	json_object_object_add(v, "trunk", trunk);
	/* a trunk's untagged frames: VLAN vlan= (null: they are dropped) */
	json_object_object_add(v, "native", p->conf.ntrunk && p->conf.access_vlan ?
			       json_object_new_int(p->conf.access_vlan) : NULL);
	return v;
}

static struct json_object *port_json(struct vn_ctl *ctl, const struct vn_port *p)
{
	static const char *const rate_keys[] = { "rx_pps", "rx_bps", "tx_pps", "tx_bps" };
	struct json_object *o = json_object_new_object(), *off = json_object_new_object();
	struct json_object *tx = json_object_new_array(), *rx = json_object_new_array();
	struct json_object *rates = json_object_new_object();
	struct port_rec *r = rec_of(ctl, p);
	char hex[24];
	unsigned int i;

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "id", json_object_new_int(p->id));
	json_object_object_add(o, "kind", json_object_new_string(p->ops ? p->ops->kind : "?"));
	json_object_object_add(o, "state", json_object_new_string(
				       vn_port_link_up(p) ? "up" : "down"));
	json_object_object_add(o, "spec", json_object_new_string(r ? r->spec : ""));
	snprintf(hex, sizeof(hex), "0x%" PRIx64, p->features);
	json_object_object_add(o, "features", json_object_new_string(hex));
	offload_names(p->features, true, tx);
	offload_names(p->features, false, rx);
	json_object_object_add(off, "tx", tx);
	json_object_object_add(off, "rx", rx);
	json_object_object_add(o, "offloads", off);
	json_object_object_add(o, "vnet_hdr_len", json_object_new_int(p->vnet_hdr_len));
	json_object_object_add(o, "mtu", json_object_new_int64(p->mtu));
	json_object_object_add(o, "queues", json_object_new_int64(vn_port_queues(p)));
	json_object_object_add(o, "vlan", vlan_json(p));
	json_object_object_add(o, "policy",
			       json_object_new_string(p->conf.drop_when_full ? "drop" : "block"));
	json_object_object_add(o, "rx_packets", json_object_new_int64((int64_t)p->stats.rx_packets));
	json_object_object_add(o, "rx_bytes", json_object_new_int64((int64_t)p->stats.rx_bytes));
	json_object_object_add(o, "tx_packets", json_object_new_int64((int64_t)p->stats.tx_packets));
	json_object_object_add(o, "tx_bytes", json_object_new_int64((int64_t)p->stats.tx_bytes));
	for (i = 0; i < 4; i++)	/* bytes/s become bits/s */
		json_object_object_add(rates, rate_keys[i], json_object_new_int64(
			(int64_t)(r ? r->rate[i] * (i % 2 ? 8 : 1) : 0)));
	json_object_object_add(o, "rates", rates);
	return o;
}

static int h_port_add(struct vn_ctl_call *call)
{
	const char *spec = arg_str(call->args, "spec");
	struct json_object *w;
	struct vn_port *port = NULL;
	struct port_rec *r;
	int worker = -1, ret;

	if (json_object_object_get_ex(call->args, "worker", &w))
		worker = json_object_get_int(w);
	/* a name in use or a worker the switch does not have is refused by
	 * vn_sw_port_add() before anything is opened; its reason is captured */
	ret = vn_sw_port_add(call->ctl->sw, spec, worker, &port);
	if (ret) {
		/* the port layer logged the reason (captured); else only errno is known */
		if (call->ctl->why[0])
			snprintf(call->msg, call->msglen, "%s", call->ctl->why);
		else
			snprintf(call->msg, call->msglen, "cannot add port \"%.200s\": %s", spec,
				 strerror(-ret));
		return ret;
	}
	/* its guest offload channel, if it has one: a port whose socket
	 * cannot be made is not added */
	ret = vn_xo_srv_port_add(call->ctl->xo, port, call->msg, call->msglen);
	if (ret) {
		char name[VN_PORT_NAME_MAX];

		snprintf(name, sizeof(name), "%s", port->name);
		vn_sw_port_del(call->ctl->sw, name);
		return ret;
	}
	r = rec_of(call->ctl, port);
	if (r)
		snprintf(r->spec, sizeof(r->spec), "%s", spec);
	vn_info("ctl: port '%s' added (%s)", port->name, spec);
	call->result = port_json(call->ctl, port);
	return 0;
}

static int h_port_del(struct vn_ctl_call *call)
{
	const char *name = arg_str(call->args, "name");
	struct vn_port *p = vn_sw_port_find(call->ctl->sw, name);
	uint16_t id = p ? p->id : 0;
	int ret;

	/* its channel first: the socket goes, the guest program goes with the port */
	if (p)
		vn_xo_srv_port_del(call->ctl->xo, name);
	ret = p ? vn_sw_port_del(call->ctl->sw, name) : -ENOENT;
	if (ret) {
		snprintf(call->msg, call->msglen, "port \"%s\" does not exist", name);
		return ret;
	}
	if (id < VN_SW_PORTS_MAX)
		memset(&call->ctl->recs[id], 0, sizeof(call->ctl->recs[id]));
	vn_info("ctl: port '%s' deleted", name);
	call->result = json_object_new_object();
	json_object_object_add(call->result, "name", json_object_new_string(name));
	return 0;
}

struct walk {
	struct vn_ctl *ctl;
	struct json_object *arr;
	bool all;
};

static int list_one(struct vn_port *p, void *arg)
{
	struct walk *w = arg;

	json_object_array_add(w->arr, port_json(w->ctl, p));
	return 0;
}

/**
 * port_array() - One JSON object per port, made by @one, as an array
 * @ctl:	control context
 * @one:	builds and appends one port's object (list_one, vlan_one)
 *
 * Return: the array
 */
static struct json_object *port_array(struct vn_ctl *ctl,
				      int (*one)(struct vn_port *p, void *arg))
{
	struct walk w = { .ctl = ctl, .arr = json_object_new_array() };

	vn_sw_port_foreach(ctl->sw, one, &w);
	return w.arr;
}

static int h_port_list(struct vn_ctl_call *call)
{
	call->result = port_array(call->ctl, list_one);
	return 0;
}

/* A port's guest offload channel counters, as xdp_offload_* counters */
static void xo_stats_json(struct vn_ctl *ctl, const struct vn_port *p, struct json_object *c,
			  bool all)
{
	struct vn_xo_chan_stats st;
	const struct { const char *name; uint64_t v; bool always; } *e, tbl[] = {
		{ "xdp_offload_connections", 0, false }, { "xdp_offload_busy", 0, false },
		{ "xdp_offload_requests", 0, false }, { "xdp_offload_rejected", 0, true },
		{ "xdp_offload_loads", 0, false }, { "xdp_offload_loads_refused", 0, true },
		{ "xdp_offload_unloads", 0, false }, { "xdp_offload_resets", 0, false },
	};
	uint64_t v[8];

	if (!ctl || vn_xo_srv_port_stats(ctl->xo, p->name, &st, NULL))
		return;
	v[0] = st.connections, v[1] = st.busy, v[2] = st.requests, v[3] = st.rejected;
	v[4] = st.loads, v[5] = st.loads_refused, v[6] = st.unloads, v[7] = st.resets;
	for (unsigned int i = 0; i < 8; i++) {
		e = &tbl[i];
		if (all || e->always || v[i])
			json_object_object_add(c, e->name, json_object_new_int64((int64_t)v[i]));
	}
}

static struct json_object *stats_json(struct vn_ctl *ctl, const struct vn_port *p, bool all)
{
	static const char *const always[] = { "rx_packets", "rx_bytes", "tx_packets", "tx_bytes" };
	struct json_object *o = json_object_new_object(), *c = json_object_new_object();
	const struct vn_port_stat_desc *d;
	unsigned int i, j, n;
	uint64_t v;

	d = vn_port_stat_descs(&n);
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "id", json_object_new_int(p->id));
	for (i = 0; i < n; i++) {
		bool keep = all;

		if (vn_port_stat_get(p, d[i].name, &v))
			continue;
		for (j = 0; j < 4 && !keep; j++)
			keep = !strcmp(d[i].name, always[j]);
		if (keep || v)
			json_object_object_add(c, d[i].name, json_object_new_int64((int64_t)v));
	}
	xo_stats_json(ctl, p, c, all);
	json_object_object_add(o, "counters", c);
	return o;
}

static int stats_one(struct vn_port *p, void *arg)
{
	struct walk *w = arg;

	json_object_array_add(w->arr, stats_json(w->ctl, p, w->all));
	return 0;
}

static int h_stats(struct vn_ctl_call *call)
{
	struct walk w = { .ctl = call->ctl, .arr = json_object_new_array() };
	const char *name = arg_str(call->args, "port");
	struct json_object *all;

	w.all = json_object_object_get_ex(call->args, "all", &all) && json_object_get_boolean(all);
	if (name) {
		struct vn_port *p = vn_sw_port_find(call->ctl->sw, name);

		if (!p) {
			json_object_put(w.arr);
			snprintf(call->msg, call->msglen, "port \"%s\" does not exist", name);
			return -ENOENT;
		}
		stats_one(p, &w);
	} else {
		vn_sw_port_foreach(call->ctl->sw, stats_one, &w);
	}
	call->result = w.arr;
	return 0;
}

/* Port names by id, filled under one walk of the port table (worker list, fdb show) */
struct port_names {
	char name[VN_SW_PORTS_MAX][VN_PORT_NAME_MAX];
};

static int port_name_one(struct vn_port *p, void *arg)
{
	struct port_names *n = arg;

	if (p->id < VN_SW_PORTS_MAX)
		snprintf(n->name[p->id], sizeof(n->name[0]), "%s", p->name);
	return 0;
}

static int h_worker_list(struct vn_ctl_call *call)
{
	struct json_object *arr = json_object_new_array();
	struct vn_sw_worker_info *info = malloc(sizeof(*info));
	struct port_names *names = calloc(1, sizeof(*names));
	unsigned int i, k;

	if (!info || !names) {
		free(info);
		free(names);
		json_object_put(arr);
		snprintf(call->msg, call->msglen, "out of memory");
		return -ENOMEM;
	}
	vn_sw_port_foreach(call->ctl->sw, port_name_one, names);
	for (i = 0; i < vn_sw_workers(call->ctl->sw); i++) {
		struct json_object *o, *ports;

		if (vn_sw_worker_info(call->ctl->sw, i, info))
			continue;
		o = json_object_new_object();
		ports = json_object_new_array();
		json_object_object_add(o, "id", json_object_new_int((int)i));
		json_object_object_add(o, "cpu", info->cpu < 0 ? NULL :
				       json_object_new_int(info->cpu));
		/* a port added between the two walks has no name yet: shown by id */
		for (k = 0; k < info->nports; k++) {
			const char *n = names->name[info->port_ids[k]];

			json_object_array_add(ports, n[0] ? json_object_new_string(n) :
					      json_object_new_int(info->port_ids[k]));
		}
		json_object_object_add(o, "ports", ports);
		json_object_object_add(o, "iterations",
				       json_object_new_int64((int64_t)info->stats.iterations));
		json_object_object_add(o, "sleeps", json_object_new_int64((int64_t)info->stats.sleeps));
		json_object_object_add(o, "polls", json_object_new_int64((int64_t)info->stats.polls));
		json_object_object_add(o, "ring_tx", json_object_new_int64((int64_t)info->stats.ring_tx));
		json_object_object_add(o, "ring_rx", json_object_new_int64((int64_t)info->stats.ring_rx));
		json_object_object_add(o, "ring_stale",
				       json_object_new_int64((int64_t)info->stats.ring_stale));
		json_object_object_add(o, "backlog_max",
				       json_object_new_int64((int64_t)info->stats.backlog_max));
		json_object_array_add(arr, o);
	}
	free(info);
	free(names);
	call->result = arr;
	return 0;
}

struct fdb_walk {
	struct port_names names;
	int only;		/* port id, -1: all */
	struct json_object *arr;
};

static int fdb_one(const struct vn_fdb_entry *e, void *arg)
{
	struct fdb_walk *w = arg;
	struct json_object *o;
	char mac[18];

	if (w->only >= 0 && e->port_id != w->only)
		return 0;
	o = json_object_new_object();
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1],
		 e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
	json_object_object_add(o, "mac", json_object_new_string(mac));
	json_object_object_add(o, "vlan", json_object_new_int(e->vlan));
	json_object_object_add(o, "port", e->port_id < VN_SW_PORTS_MAX &&
			       w->names.name[e->port_id][0] ?
			       json_object_new_string(w->names.name[e->port_id]) : NULL);
	json_object_object_add(o, "port_id", json_object_new_int(e->port_id));
	json_object_object_add(o, "age", json_object_new_int64(e->age_sec));
	json_object_object_add(o, "static", json_object_new_boolean(e->is_static));
	json_object_array_add(w->arr, o);
	return 0;
}

static int h_fdb_show(struct vn_ctl_call *call)
{
	const char *name = arg_str(call->args, "port");
	struct fdb_walk *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->only = -1;
	if (name) {
		struct vn_port *p = vn_sw_port_find(call->ctl->sw, name);

		if (!p) {
			free(w);
			snprintf(call->msg, call->msglen, "port \"%s\" does not exist", name);
			return -ENOENT;
		}
		w->only = p->id;
	}
	vn_sw_port_foreach(call->ctl->sw, port_name_one, &w->names);
	w->arr = json_object_new_array();
	vn_sw_fdb_dump(call->ctl->sw, fdb_one, w);
	call->result = w->arr;
	free(w);
	return 0;
}

static int h_fdb_stats(struct vn_ctl_call *call)
{
	struct vn_fdb *fdb = vn_sw_fdb(call->ctl->sw);
	struct json_object *o = json_object_new_object();
	struct vn_fdb_stats st;

	vn_fdb_get_stats(fdb, &st);
	json_object_object_add(o, "entries", json_object_new_int64(vn_fdb_count(fdb)));
#define FDB_COUNTER_JSON(name) \
	json_object_object_add(o, #name, json_object_new_int64((int64_t)st.name));
	VN_FDB_COUNTERS(FDB_COUNTER_JSON)
#undef FDB_COUNTER_JSON
	call->result = o;
	return 0;
}

static int h_fdb_flush(struct vn_ctl_call *call)
{
	const char *name = arg_str(call->args, "port");

	if (name && !vn_sw_port_find(call->ctl->sw, name)) {
		snprintf(call->msg, call->msglen, "port \"%s\" does not exist", name);
		return -ENOENT;
	}
	vn_sw_fdb_flush(call->ctl->sw, name);
	call->result = json_object_new_object();
	json_object_object_add(call->result, "port", name ? json_object_new_string(name) : NULL);
	return 0;
}

/* "aa:bb:cc:dd:ee:ff", exactly: two hex digits per byte, ':' between */
static int mac_parse(const char *s, uint8_t mac[6])
{
	unsigned int i;

	for (i = 0; i < 6; i++) {
		char hex[3] = { s[3 * i], s[3 * i + 1], '\0' };
		char *end;

		if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]) ||
		    (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)strtoul(hex, &end, 16);
	}
	return s[17] ? -EINVAL : 0;
}

/* Name of port @id, "port N" if it has none (a lookup under one port walk) */
static void port_name_of(struct vn_ctl *ctl, uint16_t id, char *buf, size_t len)
{
	struct port_names *names = calloc(1, sizeof(*names));

	if (names)
		vn_sw_port_foreach(ctl->sw, port_name_one, names);
	if (names && id < VN_SW_PORTS_MAX && names->name[id][0])
		snprintf(buf, len, "\"%s\"", names->name[id]);
	else
		snprintf(buf, len, "port %u", (unsigned int)id);
	free(names);
}

static int h_fdb_add(struct vn_ctl_call *call)
{
	const char *name = arg_str(call->args, "port"), *mac_s = arg_str(call->args, "mac");
	struct vn_sw_fdb_add a = { .vlan = -1, .port = name };
	struct json_object *v;
	char other[VN_PORT_NAME_MAX + 8];
	int ret;

	if (json_object_object_get_ex(call->args, "vlan", &v))
		a.vlan = json_object_get_int(v);
	a.replace = json_object_object_get_ex(call->args, "replace", &v) && json_object_get_boolean(v);
	/* multicast source addresses are never learned: pinning one is a mistake */
	if (mac_parse(mac_s, a.mac) || (a.mac[0] & 1)) {
		snprintf(call->msg, call->msglen, "\"%s\" is not a unicast MAC address", mac_s);
		return -EINVAL;
	}
	ret = vn_sw_fdb_static_add(call->ctl->sw, &a);
	if (ret == -ENOENT) {
		snprintf(call->msg, call->msglen, "port \"%s\" does not exist", name);
	} else if (ret == -EINVAL && a.vlan < 0) {
		snprintf(call->msg, call->msglen, "port \"%s\" is a trunk without a native VLAN: give vlan N",
			 name);
	} else if (ret == -EINVAL) {
		snprintf(call->msg, call->msglen, "port \"%s\" does not carry VLAN %d (see vlan show)", name,
			 a.vlan);
	} else if (ret == -EEXIST) {
		port_name_of(call->ctl, a.other, other, sizeof(other));
		snprintf(call->msg, call->msglen, "%s in VLAN %d is already pinned to %s (fdb del it, or "
			 "fdb add ... --replace)", mac_s, a.vlan, other);
	} else if (ret) {
		snprintf(call->msg, call->msglen, "cannot add %s on \"%s\": %s", mac_s, name, strerror(-ret));
	}
	if (ret)
		return ret;
	vn_info("ctl: fdb %s vlan %d pinned to '%s'", mac_s, a.vlan, name);
	call->result = json_object_new_object();
	json_object_object_add(call->result, "mac", json_object_new_string(mac_s));
	json_object_object_add(call->result, "port", json_object_new_string(name));
	json_object_object_add(call->result, "vlan", json_object_new_int(a.vlan));
	return 0;
}

static int h_fdb_del(struct vn_ctl_call *call)
{
	const char *mac_s = arg_str(call->args, "mac");
	struct json_object *v;
	uint8_t mac[6];
	int vlan = -1, n;

	if (json_object_object_get_ex(call->args, "vlan", &v))
		vlan = json_object_get_int(v);
	if (mac_parse(mac_s, mac)) {
		snprintf(call->msg, call->msglen, "\"%s\" is not a MAC address (aa:bb:cc:dd:ee:ff)", mac_s);
		return -EINVAL;
	}
	n = vn_sw_fdb_del(call->ctl->sw, mac, vlan);
	if (!n) {
		if (vlan >= 0)
			snprintf(call->msg, call->msglen, "no entry for %s in VLAN %d", mac_s, vlan);
		else
			snprintf(call->msg, call->msglen, "no entry for %s", mac_s);
		return -ENOENT;
	}
	vn_info("ctl: fdb %s: %d entr%s removed", mac_s, n, n == 1 ? "y" : "ies");
	call->result = json_object_new_object();
	json_object_object_add(call->result, "mac", json_object_new_string(mac_s));
	json_object_object_add(call->result, "removed", json_object_new_int(n));
	return 0;
}

static int vlan_one(struct vn_port *p, void *arg)
{
	struct walk *w = arg;
	struct json_object *o = json_object_new_object(), *v = vlan_json(p), *x;

	json_object_object_add(o, "port", json_object_new_string(p->name));
	json_object_object_add(o, "mode", json_object_new_string(
		p->conf.ntrunk ? "trunk" : p->conf.access_vlan ? "access" : "untagged"));
	json_object_object_get_ex(v, "access", &x);
	json_object_object_add(o, "access", json_object_get(x));
	json_object_object_get_ex(v, "trunk", &x);
	json_object_object_add(o, "trunk", json_object_get(x));
	json_object_object_get_ex(v, "native", &x);
	json_object_object_add(o, "native", json_object_get(x));
	json_object_put(v);
	json_object_array_add(w->arr, o);
	return 0;
}

static int h_vlan_show(struct vn_ctl_call *call)
{
	call->result = port_array(call->ctl, vlan_one);
	return 0;
}

/*
 * The object comes through the descriptor vnetctl opened (the path is only
 * its label), or, for a config file line, from the path relative to the
 * config file's directory. A path alone over the socket is refused: the
 * daemon does not open files a client names.
 */
static int h_xdp_attach(struct vn_ctl_call *call)
{
	const char *spec = arg_str(call->args, "spec"), *section, *file;
	char path[VN_SW_XDP_PATH_MAX + 4096];
	struct vn_sw_xdp_opts o = { 0 };
	struct vn_sw_xdp_spec xs;
	struct json_object *v;
	unsigned int flags;
	int ret;

	ret = vn_sw_xdp_spec_parse(spec, &xs, call->msg, call->msglen);
	if (ret)
		return ret;
	flags = xs.flags;
	if (json_object_object_get_ex(call->args, "replace", &v) && json_object_get_boolean(v))
		flags |= VN_SW_XDP_REPLACE;
	o.flags = flags;
	o.redirect = xs.has_redirect ? xs.redirect : NULL;
	section = xs.section[0] ? xs.section : NULL;
	if (call->ctl->req_fd >= 0) {
		o.from_fd = true;
		o.fd = call->ctl->req_fd;
		file = xs.path;	/* only its label */
	} else if (call->ctl->cfg_dir) {
		/* an absolute path too long with the directory is refused below */
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", xs.path[0] == '/' ? "" :
				     call->ctl->cfg_dir, xs.path[0] == '/' ? "" : "/", xs.path) >=
		    sizeof(path)) {
			snprintf(call->msg, call->msglen, "%s: path too long with the config's directory",
				 xs.path);
			return -ENAMETOOLONG;
		}
		file = path;
	} else {
		snprintf(call->msg, call->msglen, "%s: the object file must come open with the request "
			 "(vnetctl opens it and passes the descriptor); vnetd opens no path "
			 "a client names", xs.path);
		return -EBADF;
	}
	ret = vn_sw_xdp_attach_opts(call->ctl->sw, xs.port, xs.dir, file, section, &o, call->msg,
				    call->msglen);
	/* a load failure: the object loader logged why (captured), say it here */
	if (ret && call->ctl->why[0])
		snprintf(call->msg, call->msglen, "%.400s%s%s: cannot load: %s", xs.path,
			 xs.section[0] ? ":" : "", xs.section, call->ctl->why);
	if (ret)
		return ret;
	call->result = json_object_new_object();
	json_object_object_add(call->result, "port", json_object_new_string(xs.port));
	json_object_object_add(call->result, "dir", json_object_new_string(vn_xdp_dir_name(xs.dir)));
	json_object_object_add(call->result, "file", json_object_new_string(xs.path));
	return 0;
}

/*
 * DIR of an XDP command: ingress, egress, or egress-guest (the program the
 * port's guest loaded through its offload channel, which runs at egress
 * after the operator's)
 */
static int dir_arg(struct json_object *args, enum vn_xdp_dir *dir, bool *guest, char *msg,
		   size_t msglen)
{
	const char *s = arg_str(args, "dir");

	*guest = s && !strcmp(s, "egress-guest");
	if (*guest) {
		*dir = VN_XDP_EGRESS;
		return 0;
	}
	if (!s || vn_xdp_dir_parse(s, dir)) {
		snprintf(msg, msglen, "direction \"%s\": expected ingress, egress or egress-guest",
			 s ? s : "");
		return -EINVAL;
	}
	return 0;
}

static const char *slot_name(enum vn_xdp_dir dir, bool guest)
{
	return guest ? "egress-guest" : vn_xdp_dir_name(dir);
}

static int h_xdp_detach(struct vn_ctl_call *call)
{
	const char *name = arg_str(call->args, "port");
	enum vn_xdp_dir dir;
	bool guest;
	int ret;

	ret = dir_arg(call->args, &dir, &guest, call->msg, call->msglen);
	if (ret)
		return ret;
	ret = guest ? vn_sw_xdp_guest_unload(call->ctl->sw, name) :
		      vn_sw_xdp_detach(call->ctl->sw, name, dir);
	if (ret) {
		snprintf(call->msg, call->msglen, "port \"%s\" has no %s XDP program", name,
			 guest ? "guest" : vn_xdp_dir_name(dir));
		return ret;
	}
	call->result = json_object_new_object();
	json_object_object_add(call->result, "port", json_object_new_string(name));
	json_object_object_add(call->result, "dir", json_object_new_string(slot_name(dir, guest)));
	return 0;
}

static int xdp_one(const struct vn_sw_xdp_info *info, void *arg)
{
	struct json_object *arr = arg, *o = json_object_new_object();
	struct json_object *c = json_object_new_object(), *maps = json_object_new_array();

	json_object_object_add(o, "port", json_object_new_string(info->port));
	json_object_object_add(o, "dir", json_object_new_string(vn_xdp_dir_name(info->dir)));
	json_object_object_add(o, "prog", json_object_new_string(info->prog));
	json_object_object_add(o, "file", json_object_new_string(info->path));
	json_object_object_add(o, "segment_first",
			       json_object_new_boolean(info->flags & VN_SW_XDP_SEGMENT_FIRST));
	json_object_object_add(o, "redirect",
			       json_object_new_string(info->redirect ? info->redirect : "all"));
	json_object_object_add(o, "engine", json_object_new_string(info->jited ? "jit" : "interp"));
	json_object_object_add(o, "mem_used", json_object_new_int64((int64_t)info->mem_used));
	json_object_object_add(o, "mem_limit", json_object_new_int64((int64_t)info->mem_limit));
	json_object_object_add(o, "owner", json_object_new_string(info->guest ? "guest" :
								    "operator"));
	json_object_object_add(o, "insns", json_object_new_int64((int64_t)info->insns));
	if (info->guest)
		json_object_object_add(o, "section", json_object_new_string(info->section));
	for (unsigned int i = 0; i < VN_XDP_NSTATS; i++) {
		uint64_t val;

		memcpy(&val, (const uint8_t *)&info->stats + vn_xdp_stats_desc[i].off, sizeof(val));
		json_object_object_add(c, vn_xdp_stats_desc[i].name,
				       json_object_new_int64((int64_t)val));
	}
	json_object_object_add(o, "counters", c);
	for (unsigned int i = 0; info->obj && i < info->obj->nmaps; i++)
		json_object_array_add(maps, json_object_new_string(info->obj->maps[i].name));
	json_object_object_add(o, "maps", maps);
	json_object_array_add(arr, o);
	return 0;
}

static int h_xdp_list(struct vn_ctl_call *call)
{
	call->result = json_object_new_array();
	vn_sw_xdp_foreach(call->ctl->sw, xdp_one, call->result);
	return 0;
}

#define MAP_DUMP_MAX		4096		/* entries in one reply */
#define MAP_DUMP_BYTES_MAX	(2u << 20)	/* key + value bytes in one reply (4 MiB of hex) */
#define MAP_DUMP_VALUE_MAX	(64 * 1024)	/* bytes of one value (all CPU copies) */

static struct json_object *hex_json(const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	struct json_object *o;
	char *s = malloc(2 * n + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[b[i] >> 4];
		s[2 * i + 1] = digits[b[i] & 15];
	}
	s[2 * n] = '\0';
	o = json_object_new_string(s);
	free(s);
	return o;
}

static size_t map_value_len(const struct vn_map *m);

/* One integer of a BTF field at @p (the layout was bounds-checked at load) */
static struct json_object *btf_int_json(const struct vn_map_btf_field *f, const uint8_t *p)
{
	uint64_t u = 0;
	uint32_t u32;
	uint16_t u16;

	switch (f->size) {
	case 1: u = *p; break;
	case 2: memcpy(&u16, p, 2); u = u16; break;
	case 4: memcpy(&u32, p, 4); u = u32; break;
	default: memcpy(&u, p, 8); break;
	}
	if (f->is_signed) {
		unsigned int shift = 64 - 8 * f->size;

		return json_object_new_int64((int64_t)(u << shift) >> shift);
	}
	return json_object_new_uint64(u);
}

/* A key or one value copy by field names: a number, or {"field": n or [n, ...]} */
static struct json_object *btf_json(const struct vn_map_btf_layout *l, const uint8_t *p)
{
	struct json_object *o;

	if (vn_map_btf_scalar(l))
		return btf_int_json(&l->f[0], p + l->f[0].off);
	o = json_object_new_object();
	for (unsigned int i = 0; i < l->nfields; i++) {
		const struct vn_map_btf_field *f = &l->f[i];
		struct json_object *v;

		if (!f->nelems) {
			v = btf_int_json(f, p + f->off);
		} else {
			v = json_object_new_array_ext((int)f->nelems);
			for (uint32_t e = 0; e < f->nelems; e++)
				json_object_array_add(v, btf_int_json(f, p + f->off +
								     (size_t)e * f->size));
		}
		json_object_object_add(o, f->name[0] ? f->name : "value", v);
	}
	return o;
}

/* "formatted": key and value(s) by BTF field names, as bpftool map dump */
static void add_formatted(struct json_object *o, const struct vn_map *m, const uint8_t *key,
			  const uint8_t *val)
{
	struct json_object *f, *vals;

	if (!m->btf)
		return;
	f = json_object_new_object();
	if (m->btf->key.nfields)
		json_object_object_add(f, "key", btf_json(&m->btf->key, key));
	if (val && m->btf->value.nfields && (m->type == BPF_MAP_TYPE_PERCPU_ARRAY ||
					     m->type == BPF_MAP_TYPE_PERCPU_HASH)) {
		/* per-CPU: one copy per worker, vstride bytes apart */
		vals = json_object_new_array();
		for (unsigned int c = 0; c < m->ncpus; c++) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "cpu", json_object_new_int((int)c));
			json_object_object_add(e, "value", btf_json(&m->btf->value,
								    val + (size_t)c * m->vstride));
			json_object_array_add(vals, e);
		}
		json_object_object_add(f, "values", vals);
	} else if (val && m->btf->value.nfields) {
		json_object_object_add(f, "value", btf_json(&m->btf->value, val));
	}
	json_object_object_add(o, "formatted", f);
}

/* Hex digits into bytes: exactly @len bytes, or -EINVAL */
static int hex_parse(const char *s, size_t n, uint8_t *out, size_t len)
{
	/* Not two digits per byte of the map's size */
	if (n != 2 * len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int byte = vn_hex_byte(s + 2 * i);

		if (byte < 0)
			return -EINVAL;
		out[i] = (uint8_t)byte;
	}
	return 0;
}

/* The map named in @args, under a reference; on failure @msg says why */
static int map_arg(struct vn_ctl *ctl, struct json_object *args, struct vn_map **m,
		   struct vn_sw_xdp **ref, char *msg, size_t msglen)
{
	const char *name = arg_str(args, "port"), *map = arg_str(args, "map");
	enum vn_xdp_dir dir;
	bool guest;
	int ret;

	ret = dir_arg(args, &dir, &guest, msg, msglen);
	if (ret)
		return ret;
	ret = guest ? vn_sw_xdp_map_find_guest(ctl->sw, name, map, m, ref) :
		      vn_sw_xdp_map_find(ctl->sw, name, dir, map, m, ref);
	if (ret)
		snprintf(msg, msglen, "no map \"%s\" in the %s XDP program of \"%s\"", map,
			 guest ? "guest" : vn_xdp_dir_name(dir), name);
	return ret;
}

static size_t map_value_len(const struct vn_map *m)
{
	bool percpu = m->type == BPF_MAP_TYPE_PERCPU_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_HASH;

	return percpu ? (size_t)m->ncpus * m->vstride : m->value_size;
}

/* Every key of @m with its value (the kernel's syscall layout) into @arr */
static int map_dump(struct vn_map *m, struct json_object *arr, bool *truncated)
{
	size_t vlen = map_value_len(m);
	uint8_t *key = malloc(m->key_size), *next = malloc(m->key_size), *val = malloc(vlen);
	unsigned int n = 0;
	size_t bytes = 0;
	int ret = -ENOMEM;

	if (!key || !next || !val)
		goto out;
	ret = vn_map_get_next_key(m, NULL, next);
	/* Bounded reply: the client reads at most 16 MiB */
	while (!ret && n < MAP_DUMP_MAX && bytes + m->key_size + vlen <= MAP_DUMP_BYTES_MAX) {
		struct json_object *o = json_object_new_object();

		memcpy(key, next, m->key_size);
		json_object_object_add(o, "key", hex_json(key, m->key_size));
		/* deleted between the walk and the lookup: shown without a value */
		if (!vn_map_lookup(m, key, val)) {
			json_object_object_add(o, "value", hex_json(val, vlen));
			add_formatted(o, m, key, val);
		} else {
			add_formatted(o, m, key, NULL);
		}
		json_object_array_add(arr, o);
		n++;
		bytes += m->key_size + vlen;
		ret = vn_map_get_next_key(m, key, next);
	}
	*truncated = !ret;
	ret = ret == -ENOENT || !ret ? 0 : ret;
out:
	free(key);
	free(next);
	free(val);
	return ret;
}

static bool map_is_array(const struct vn_map *m)
{
	return m->type == BPF_MAP_TYPE_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       m->type == BPF_MAP_TYPE_DEVMAP;
}

/**
 * map_err() - Say why a map update or delete from the control socket failed
 * @m:		map
 * @key:	the key given (key_size bytes)
 * @ret:	negative errno from vn_map_update() / vn_map_delete()
 * @del:	it was a delete
 * @msg:	output
 * @msglen:	its size
 *
 * The map layer's errno follows the kernel's (E2BIG: index past an array
 * or a full hash; EINVAL: array elements cannot be deleted), which read
 * wrong as text ("Argument list too long"); say what happened instead.
 *
 * Return: @ret
 */
static int map_err(const struct vn_map *m, const uint8_t *key, int ret, bool del, char *msg,
		   size_t msglen)
{
	uint32_t idx = 0;

	if (m->key_size >= 4)
		idx = (uint32_t)key[0] | (uint32_t)key[1] << 8 | (uint32_t)key[2] << 16 |
		      (uint32_t)key[3] << 24;
	if (ret == -E2BIG && map_is_array(m))
		snprintf(msg, msglen, "key %u out of range: map \"%s\" is an array of %u entries "
			 "(keys 0-%u, little-endian)", idx, m->name, m->max_entries,
			 m->max_entries - 1);
	else if (ret == -E2BIG)
		snprintf(msg, msglen, "map \"%s\" is full (max_entries %u)", m->name,
			 m->max_entries);
	else if (del && ret == -EINVAL && map_is_array(m))
		snprintf(msg, msglen, "entries of array map \"%s\" cannot be deleted (every index "
			 "exists; map update sets one to zero)", m->name);
	else if (ret == -ENOENT)
		snprintf(msg, msglen, "key not found in map \"%s\"", m->name);
	else
		snprintf(msg, msglen, "map \"%s\": %s", m->name, strerror(-ret));
	return ret;
}

static int h_map_dump(struct vn_ctl_call *call)
{
	const char *map = arg_str(call->args, "map");
	struct json_object *arr;
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	bool truncated = false;
	int ret;

	ret = map_arg(call->ctl, call->args, &m, &ref, call->msg, call->msglen);
	if (ret)
		return ret;
	/* A value too large to print usefully (the sanity limit is 1 MiB per CPU) */
	if ((size_t)m->ncpus * m->vstride > MAP_DUMP_VALUE_MAX) {
		vn_sw_xdp_put(ref);
		snprintf(call->msg, call->msglen, "map \"%s\": values over %d bytes are not dumped", map,
			 MAP_DUMP_VALUE_MAX);
		return -E2BIG;
	}
	arr = json_object_new_array();
	ret = map_dump(m, arr, &truncated);
	call->result = json_object_new_object();
	json_object_object_add(call->result, "map", json_object_new_string(map));
	json_object_object_add(call->result, "type", json_object_new_string(vn_map_type_name(m->type)));
	json_object_object_add(call->result, "key_size", json_object_new_int((int)m->key_size));
	json_object_object_add(call->result, "value_size", json_object_new_int((int)m->value_size));
	json_object_object_add(call->result, "entries", arr);
	json_object_object_add(call->result, "truncated", json_object_new_boolean(truncated));
	vn_sw_xdp_put(ref);
	if (ret) {
		json_object_put(call->result);
		call->result = NULL;
		snprintf(call->msg, call->msglen, "map \"%s\": %s", map, strerror(-ret));
	}
	return ret;
}

static int h_map_update(struct vn_ctl_call *call)
{
	const char *entry = arg_str(call->args, "entry"), *eq = strchr(entry, '=');
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint8_t *kv = NULL;
	size_t vlen;
	int ret;

	ret = map_arg(call->ctl, call->args, &m, &ref, call->msg, call->msglen);
	if (ret)
		return ret;
	vlen = map_value_len(m);
	/* A value bigger than an entry argument can carry */
	ret = -E2BIG;
	if (vlen > 64 * 1024) {
		snprintf(call->msg, call->msglen, "values over 64 KiB cannot be set here");
		goto out;
	}
	kv = malloc(m->key_size + vlen);
	ret = -ENOMEM;
	if (!kv)
		goto out;
	ret = -EINVAL;
	if (!eq || hex_parse(entry, (size_t)(eq - entry), kv, m->key_size) ||
	    hex_parse(eq + 1, strlen(eq + 1), kv + m->key_size, vlen)) {
		snprintf(call->msg, call->msglen, "ENTRY must be KEY=VALUE with %u and %zu bytes in hex",
			 m->key_size, vlen);
		goto out;
	}
	ret = vn_map_update(m, kv, kv + m->key_size, BPF_ANY);
	if (ret) {
		map_err(m, kv, ret, false, call->msg, call->msglen);
		goto out;
	}
	call->result = json_object_new_object();
	json_object_object_add(call->result, "map", json_object_new_string(m->name));
out:
	free(kv);
	vn_sw_xdp_put(ref);
	return ret;
}

static int h_map_delete(struct vn_ctl_call *call)
{
	const char *key = arg_str(call->args, "key");
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint8_t *k;
	int ret;

	ret = map_arg(call->ctl, call->args, &m, &ref, call->msg, call->msglen);
	if (ret)
		return ret;
	k = malloc(m->key_size);
	ret = k ? hex_parse(key, strlen(key), k, m->key_size) : -ENOMEM;
	if (ret)
		snprintf(call->msg, call->msglen, "KEY must be %u bytes in hex (%u hex digits)", m->key_size,
			 2 * m->key_size);
	else if ((ret = vn_map_delete(m, k)))
		map_err(m, k, ret, true, call->msg, call->msglen);
	else
		call->result = json_object_new_object();
	free(k);
	vn_sw_xdp_put(ref);
	return ret;
}

/* map.list: the attachment at (port, dir), found by vn_sw_xdp_foreach() */
struct map_list_ctx {
	const char *port;
	enum vn_xdp_dir dir;
	bool guest;
	struct json_object *arr;
	bool found;
};

static int map_list_one(const struct vn_sw_xdp_info *info, void *arg)
{
	struct map_list_ctx *c = arg;

	if (info->dir != c->dir || info->guest != c->guest || strcmp(info->port, c->port))
		return 0;
	c->found = true;
	for (unsigned int i = 0; info->obj && i < info->obj->nmaps; i++) {
		struct vn_map *m = info->obj->maps[i].map;
		struct json_object *o = json_object_new_object();
		uint32_t count;

		json_object_object_add(o, "name", json_object_new_string(info->obj->maps[i].name));
		json_object_object_add(o, "type", json_object_new_string(vn_map_type_name(m->type)));
		json_object_object_add(o, "key_size", json_object_new_int64(m->key_size));
		json_object_object_add(o, "value_size", json_object_new_int64(m->value_size));
		json_object_object_add(o, "max_entries", json_object_new_int64(m->max_entries));
		/* null where only a key walk would tell (LPM_TRIE, DEVMAP) */
		json_object_object_add(o, "entries", vn_map_count(m, &count) ? NULL :
				       json_object_new_int64(count));
		json_object_object_add(o, "cpus", json_object_new_int64(m->ncpus));
		json_object_object_add(o, "mem", json_object_new_int64((int64_t)m->charged));
		json_object_array_add(c->arr, o);
	}
	return 1;
}

static int h_map_list(struct vn_ctl_call *call)
{
	struct map_list_ctx c = { .port = arg_str(call->args, "port") };
	int ret;

	ret = dir_arg(call->args, &c.dir, &c.guest, call->msg, call->msglen);
	if (ret)
		return ret;
	c.arr = json_object_new_array();
	vn_sw_xdp_foreach(call->ctl->sw, map_list_one, &c);
	if (!c.found) {
		json_object_put(c.arr);
		snprintf(call->msg, call->msglen, "port \"%s\" has no %s XDP program", c.port,
			 c.guest ? "guest" : vn_xdp_dir_name(c.dir));
		return -ENOENT;
	}
	call->result = c.arr;
	return 0;
}

static int h_map_lookup(struct vn_ctl_call *call)
{
	const char *key = arg_str(call->args, "key");
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint8_t *k = NULL, *v = NULL;
	size_t vlen;
	int ret;

	ret = map_arg(call->ctl, call->args, &m, &ref, call->msg, call->msglen);
	if (ret)
		return ret;
	vlen = map_value_len(m);
	/* A value too large for one reply, as map dump refuses it */
	if (vlen > MAP_DUMP_VALUE_MAX) {
		snprintf(call->msg, call->msglen, "map \"%s\": values over %d bytes are not shown", m->name,
			 MAP_DUMP_VALUE_MAX);
		ret = -E2BIG;
		goto out;
	}
	k = malloc(m->key_size);
	v = malloc(vlen);
	ret = k && v ? hex_parse(key, strlen(key), k, m->key_size) : -ENOMEM;
	if (ret) {
		snprintf(call->msg, call->msglen, "KEY must be %u bytes in hex (%u hex digits)", m->key_size,
			 2 * m->key_size);
		goto out;
	}
	ret = vn_map_lookup(m, k, v);
	if (ret == -ENOENT) {
		snprintf(call->msg, call->msglen, "key not found in map \"%s\"", m->name);
		goto out;
	} else if (ret) {
		snprintf(call->msg, call->msglen, "map \"%s\": %s", m->name, strerror(-ret));
		goto out;
	}
	call->result = json_object_new_object();
	json_object_object_add(call->result, "map", json_object_new_string(m->name));
	json_object_object_add(call->result, "type", json_object_new_string(vn_map_type_name(m->type)));
	json_object_object_add(call->result, "key", hex_json(k, m->key_size));
	json_object_object_add(call->result, "value", hex_json(v, vlen));
	add_formatted(call->result, m, k, v);
out:
	free(k);
	free(v);
	vn_sw_xdp_put(ref);
	return ret;
}

/* version and help are answered by server.c */
/* xdp export/import: the guest slot only; FILE comes open with the request */
static int xo_file_args(struct vn_ctl *ctl, struct json_object *args, char *msg, size_t msglen)
{
	enum vn_xdp_dir dir;
	bool guest;
	int ret;

	ret = dir_arg(args, &dir, &guest, msg, msglen);
	if (ret)
		return ret;
	if (dir != VN_XDP_EGRESS) {
		snprintf(msg, msglen, "only a guest's program moves: DIR is egress or egress-guest");
		return -EINVAL;
	}
	if (ctl->req_fd < 0) {
		snprintf(msg, msglen, "%s: the file must come open with the request (vnetctl "
			 "opens it); vnetd opens no path a client names", arg_str(args, "file"));
		return -EBADF;
	}
	return 0;
}

static int h_xdp_export(struct vn_ctl_call *call)
{
	const char *port = arg_str(call->args, "port");
	int ret = xo_file_args(call->ctl, call->args, call->msg, call->msglen);

	if (ret)
		return ret;
	call->msg[0] = '\0';
	ret = vn_xo_export_guest(call->ctl->sw, port, call->ctl->req_fd, call->msg, call->msglen);
	if (ret)
		return ret;
	call->result = json_object_new_object();
	json_object_object_add(call->result, "port", json_object_new_string(port));
	json_object_object_add(call->result, "file", json_object_new_string(arg_str(call->args, "file")));
	return 0;
}

static int h_xdp_import(struct vn_ctl_call *call)
{
	const char *port = arg_str(call->args, "port");
	int ret = xo_file_args(call->ctl, call->args, call->msg, call->msglen);

	if (ret)
		return ret;
	call->msg[0] = '\0';
	ret = vn_xo_import_guest(call->ctl->sw, port, call->ctl->req_fd, call->msg, call->msglen);
	if (ret) {
		if (!call->msg[0])
			snprintf(call->msg, call->msglen, "import into \"%s\": %s", port, strerror(-ret));
		return ret;
	}
	vn_info("ctl: port '%s': guest XDP program imported from %s", port,
		arg_str(call->args, "file"));
	call->result = json_object_new_object();
	json_object_object_add(call->result, "port", json_object_new_string(port));
	json_object_object_add(call->result, "file", json_object_new_string(arg_str(call->args, "file")));
	return 0;
}

static const handler_fn handlers[VN_CTL_CMD__MAX] = {
	[VN_CTL_CMD_PORT_ADD] = h_port_add,
	[VN_CTL_CMD_PORT_DEL] = h_port_del,
	[VN_CTL_CMD_PORT_LIST] = h_port_list,
	[VN_CTL_CMD_STATS] = h_stats,
	[VN_CTL_CMD_WORKER_LIST] = h_worker_list,
	[VN_CTL_CMD_FDB_SHOW] = h_fdb_show,
	[VN_CTL_CMD_FDB_FLUSH] = h_fdb_flush,
	[VN_CTL_CMD_FDB_STATS] = h_fdb_stats,
	[VN_CTL_CMD_FDB_ADD] = h_fdb_add,
	[VN_CTL_CMD_FDB_DEL] = h_fdb_del,
	[VN_CTL_CMD_VLAN_SHOW] = h_vlan_show,
	[VN_CTL_CMD_XDP_ATTACH] = h_xdp_attach,
	[VN_CTL_CMD_XDP_EXPORT] = h_xdp_export,
	[VN_CTL_CMD_XDP_IMPORT] = h_xdp_import,
	[VN_CTL_CMD_XDP_DETACH] = h_xdp_detach,
	[VN_CTL_CMD_XDP_LIST] = h_xdp_list,
	[VN_CTL_CMD_MAP_DUMP] = h_map_dump,
	[VN_CTL_CMD_MAP_UPDATE] = h_map_update,
	[VN_CTL_CMD_MAP_DELETE] = h_map_delete,
	[VN_CTL_CMD_MAP_LIST] = h_map_list,
	[VN_CTL_CMD_MAP_LOOKUP] = h_map_lookup,
};

static int run(struct vn_ctl *ctl, const struct vn_ctl_cmd *cmd, struct json_object *args,
	       int fd, const char *cfg_dir, struct json_object **result, char *msg,
	       size_t msglen)
{
	struct vn_log_capture cap;
	struct vn_ctl_call call;
	int ret;

	/* a command in the table without a handler here */
	if (cmd->id >= VN_CTL_CMD__MAX || !handlers[cmd->id]) {
		snprintf(msg, msglen, "command \"%s\" is not served by this daemon", cmd->name);
		return -EOPNOTSUPP;
	}
	pthread_mutex_lock(&ctl->lock);
	ctl->req_fd = fd;
	ctl->cfg_dir = cfg_dir;
	msg[0] = '\0';
	vn_log_capture_begin(&cap, ctl->why, sizeof(ctl->why));
	call = (struct vn_ctl_call){ .ctl = ctl, .args = args, .msg = msg, .msglen = msglen };
	ret = handlers[cmd->id](&call);
	*result = call.result;
	vn_log_capture_end(&cap);
	ctl->req_fd = -1;
	ctl->cfg_dir = NULL;
	/* an error logged by a request that still succeeded belongs in the log */
	if (!ret && ctl->why[0])
		vn_err("%s", ctl->why);
	/* every error reply says why: the handler's words, the layer below's, or errno's */
	if (ret && !msg[0])
		snprintf(msg, msglen, "%s", ctl->why[0] ? ctl->why : strerror(ret < 0 ? -ret : EIO));
	pthread_mutex_unlock(&ctl->lock);
	return ret;
}

static int dispatch(void *ctx, const struct vn_ctl_request *req, struct json_object **result,
		    char *msg, size_t msglen)
{
	int ret = run(ctx, req->cmd, req->args, req->fd, NULL, result, msg, msglen);

	/* the reason went to the client; the log keeps a line of it too */
	if (ret)
		vn_info("ctl: %s refused: %s", req->cmd->name, msg);
	return ret;
}

/* capture.start: the session writes the reply and the stream (capture_sess.c) */
static int stream(void *ctx, const struct vn_ctl_request *req, int fd, char *msg, size_t msglen)
{
	struct vn_ctl *ctl = ctx;
	int ret;

	/* a streaming command in the table that this daemon does not serve */
	if (req->cmd->id != VN_CTL_CMD_CAPTURE_START) {
		snprintf(msg, msglen, "command \"%s\" is not served by this daemon", req->cmd->name);
		return -EOPNOTSUPP;
	}
	pthread_mutex_lock(&ctl->lock);
	ret = vn_ctl_capture_start(ctl->caps, req->id, req->args, fd, msg, msglen);
	pthread_mutex_unlock(&ctl->lock);
	return ret;
}

static int sample_one(struct vn_port *p, void *arg)
{
	struct vn_ctl *ctl = arg;
	struct port_rec *r = rec_of(ctl, p);
	uint64_t cur[4] = { p->stats.rx_packets, p->stats.rx_bytes, p->stats.tx_packets,
			    p->stats.tx_bytes };
	double t = (double)vn_mono_ns() / 1e9;
	unsigned int i;

	if (!r)
		return 0;
	for (i = 0; i < 4 && r->t > 0 && t > r->t; i++)
		/* rounded like bit rates are shown: one ping over 1.01 s is 1 pps, not 0 */
		r->rate[i] = cur[i] >= r->last[i] ? (uint64_t)((double)(cur[i] - r->last[i]) /
							       (t - r->t) + 0.5) : 0;
	memcpy(r->last, cur, sizeof(cur));
	r->t = t;
	return 0;
}

static void tick(void *ctx)
{
	struct vn_ctl *ctl = ctx;

	pthread_mutex_lock(&ctl->lock);
	vn_sw_port_foreach(ctl->sw, sample_one, ctl);
	vn_xo_srv_tick(ctl->xo);
	pthread_mutex_unlock(&ctl->lock);
}

/* The guest offload channels have work: serve it (bounded, never blocks) */
static void xo_watch(void *ctx)
{
	struct vn_ctl *ctl = ctx;

	pthread_mutex_lock(&ctl->lock);
	vn_xo_srv_events(ctl->xo);
	pthread_mutex_unlock(&ctl->lock);
}

/**
 * vn_ctl_server_start() - Serve the switch on a control socket
 * @sw:		the switch, running or not; outlives the server
 * @path:	socket path, NULL for VN_CTL_SOCK_DEFAULT
 * @out:	the server
 *
 * Return: 0 or a negative errno (see vn_ctl_server_open())
 */
int vn_ctl_server_start(struct vn_sw *sw, const char *path, struct vn_ctl_server **out)
{
	struct vn_ctl_server_conf conf = {
		.path = path ? path : VN_CTL_SOCK_DEFAULT,
		.dispatch = dispatch,
		.stream = stream,
		.tick = tick,
		.watch = xo_watch,
	};
	struct vn_ctl *ctl;
	int ret;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->sw = sw;
	ctl->req_fd = -1;
	ctl->caps = vn_ctl_captures_new(sw);
	ctl->xo = vn_xo_srv_new(sw);
	if (!ctl->caps || !ctl->xo) {
		vn_ctl_captures_free(ctl->caps);
		vn_xo_srv_free(ctl->xo);
		free(ctl);
		return -ENOMEM;
	}
	pthread_mutex_init(&ctl->lock, NULL);
	conf.ctx = ctl;
	conf.watch_fd = vn_xo_srv_fd(ctl->xo);
	ret = vn_ctl_server_open(&conf, out);
	if (ret) {
		vn_xo_srv_free(ctl->xo);
		vn_ctl_captures_free(ctl->caps);
		pthread_mutex_destroy(&ctl->lock);
		free(ctl);
	}
	return ret;
}

/* a config file's run: the control plane and the file's directory */
struct config_ctx {
	struct vn_ctl *ctl;
	const char *dir;
};

static int config_run(const struct vn_ctl_cmd *cmd, struct json_object *args, unsigned int line,
		      void *arg, char *err, size_t errlen)
{
	struct config_ctx *cc = arg;
	struct json_object *result = NULL;
	int ret;

	(void)line;
	ret = run(cc->ctl, cmd, args, -1, cc->dir, &result, err, errlen);
	json_object_put(result);
	return ret;
}

/**
 * vn_ctl_server_config() - Run a config file's commands against the switch
 * @srv:	server from vn_ctl_server_start()
 * @path:	config file
 * @err:	"FILE:LINE: message" on failure
 * @errlen:	its size
 *
 * Return: number of commands run, or a negative errno with @err set
 */
int vn_ctl_server_config(struct vn_ctl_server *srv, const char *path, char *err, size_t errlen)
{
	struct config_ctx cc = { .ctl = vn_ctl_server_ctx(srv) };
	char *copy = strdup(path), *slash;
	int ret;

	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	/* files the config names are relative to its directory */
	slash = strrchr(copy, '/');
	if (!slash)
		snprintf(copy, strlen(path) + 1, ".");
	else if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	cc.dir = copy;
	ret = vn_ctl_config_load(path, config_run, &cc, err, errlen);
	free(copy);
	return ret;
}

/**
 * vn_ctl_server_port_spec() - Remember the spec of a port opened without the server
 * @srv:	server from vn_ctl_server_start()
 * @spec:	the spec the port was opened with; its name= names the port
 */
int vn_ctl_server_port_spec(struct vn_ctl_server *srv, const char *spec, char *err,
			    size_t err_sz)
{
	struct vn_ctl *ctl = vn_ctl_server_ctx(srv);
	struct vn_port_args a;
	struct port_rec *r;
	struct vn_port *p;
	const char *name;
	int ret = 0;

	if (vn_port_args_parse(spec, &a) || !(name = vn_port_arg(&a, "name")))
		return 0;
	pthread_mutex_lock(&ctl->lock);
	p = vn_sw_port_find(ctl->sw, name);
	r = p ? rec_of(ctl, p) : NULL;
	if (r && !r->spec[0])
		snprintf(r->spec, sizeof(r->spec), "%s", spec);
	if (p)
		ret = vn_xo_srv_port_add(ctl->xo, p, err, err_sz);
	pthread_mutex_unlock(&ctl->lock);
	return ret;
}

/**
 * vn_ctl_server_stop() - Stop serving, close clients, remove the socket
 * @srv:	server, may be NULL
 */
void vn_ctl_server_stop(struct vn_ctl_server *srv)
{
	struct vn_ctl *ctl;

	if (!srv)
		return;
	ctl = vn_ctl_server_ctx(srv);
	vn_ctl_server_close(srv);
	vn_xo_srv_free(ctl->xo);	/* sockets unlinked; programs go with the ports */
	vn_ctl_captures_free(ctl->caps);	/* before the switch goes */
	pthread_mutex_destroy(&ctl->lock);
	free(ctl);
}

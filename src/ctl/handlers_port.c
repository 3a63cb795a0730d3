// SPDX-License-Identifier: MIT
/* handlers_port.c - control commands: ports (add, delete, list), counters, VLANs, workers */
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
#include "handlers_internal.h"
#include "port/port.h"
#include "port/vhost_user.h"
#include "switch/fdb.h"
#include "switch/sw.h"
#include "switch/xdp_hook.h"
#include "xo_migrate.h"
#include "xo_srv.h"

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
	struct json_object *details = json_object_new_object();
	struct port_rec *r = vn_ctl_rec_of(ctl, p);
	struct vn_port_info info;
	char hex[24];
	unsigned int i;

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "id", json_object_new_int(p->id));
	json_object_object_add(o, "kind", json_object_new_string(p->ops ? p->ops->kind : "?"));
	vn_port_info(p, &info);
	json_object_object_add(o, "state", json_object_new_string(info.link_up ? "up" : "down"));
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
	json_object_object_add(o, "queues", json_object_new_int64(info.queues));
	for (i = 0; i < info.n; i++)
		json_object_object_add(details, info.detail[i].key,
				       json_object_new_string(info.detail[i].val));
	json_object_object_add(o, "details", details);
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

int vn_ctl_h_port_add(struct vn_ctl_call *call)
{
	const char *spec = vn_ctl_arg_str(call->args, "spec");
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
	r = vn_ctl_rec_of(call->ctl, port);
	if (r)
		snprintf(r->spec, sizeof(r->spec), "%s", spec);
	vn_info("ctl: port '%s' added (%s)", port->name, spec);
	call->result = port_json(call->ctl, port);
	return 0;
}

int vn_ctl_h_port_del(struct vn_ctl_call *call)
{
	const char *name = vn_ctl_arg_str(call->args, "name");
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

int vn_ctl_h_port_list(struct vn_ctl_call *call)
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
		{ "xdp_offload_handoffs_out", 0, false }, { "xdp_offload_handoffs_in", 0, false },
		{ "xdp_offload_handoffs_failed", 0, false },
	};
	uint64_t v[sizeof(tbl) / sizeof(tbl[0])];

	_Static_assert(sizeof(tbl) / sizeof(tbl[0]) == 11, "one value below per counter");

	if (!ctl || vn_xo_srv_port_stats(ctl->xo, p->name, &st, NULL))
		return;
	v[0] = st.connections, v[1] = st.busy, v[2] = st.requests, v[3] = st.rejected;
	v[4] = st.loads, v[5] = st.loads_refused, v[6] = st.unloads, v[7] = st.resets;
	v[8] = st.handoffs_out, v[9] = st.handoffs_in, v[10] = st.handoffs_failed;
	for (unsigned int i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++) {
		e = &tbl[i];
		if (all || e->always || v[i])
			json_object_object_add(c, e->name, json_object_new_int64((int64_t)v[i]));
	}
}

/*
 * A vhost-user port's queues, as the guest sees them: guest_rxK_buffers are
 * the receive buffers of its receive queue K that vnetd filled (several per
 * frame with MRG_RXBUF), guest_txK_chains the chains vnetd took from its
 * transmit queue K. Queues the guest never set up are left out.
 */
static void vu_queue_json(const struct vn_port *p, struct json_object *c)
{
	struct vn_vu_queue_info q;
	unsigned int i;
	char key[32];

	for (i = 0; i < VN_VU_VQ_MAX; i++) {
		/* -EINVAL: not a vhost-user port */
		if (vn_vu_queue_get((struct vn_port *)p, i, &q))
			return;
		if (!q.size)
			continue;
		snprintf(key, sizeof(key), (i & 1) ? "guest_tx%u_chains" : "guest_rx%u_buffers",
			 i / 2);
		json_object_object_add(c, key, json_object_new_int64((int64_t)q.used));
	}
}

static struct json_object *stats_json(struct vn_ctl *ctl, const struct vn_port *p, bool all)
{
	static const char *const always[] = { "rx_packets", "rx_bytes", "tx_packets", "tx_bytes" };
	struct json_object *o = json_object_new_object(), *c = json_object_new_object();
	const struct vn_counter_desc *d;
	unsigned int i, j, n;
	uint64_t v;

	d = vn_port_stat_descs(&n);
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "id", json_object_new_int(p->id));
	for (i = 0; i < n; i++) {
		bool keep = all;

		v = vn_counter_read(&p->stats, &d[i]);
		for (j = 0; j < 4 && !keep; j++)
			keep = !strcmp(d[i].name, always[j]);
		if (keep || v)
			json_object_object_add(c, d[i].name, json_object_new_int64((int64_t)v));
	}
	xo_stats_json(ctl, p, c, all);
	vu_queue_json(p, c);
	vn_ctl_captures_counters(ctl->caps, p->name, c);
	json_object_object_add(o, "counters", c);
	return o;
}

static int stats_one(struct vn_port *p, void *arg)
{
	struct walk *w = arg;

	json_object_array_add(w->arr, stats_json(w->ctl, p, w->all));
	return 0;
}

int vn_ctl_h_stats(struct vn_ctl_call *call)
{
	struct walk w = { .ctl = call->ctl, .arr = json_object_new_array() };
	const char *name = vn_ctl_arg_str(call->args, "port");
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

int vn_ctl_h_worker_list(struct vn_ctl_call *call)
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
	vn_sw_port_foreach(call->ctl->sw, vn_ctl_port_name_one, names);
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
		vn_ctl_counters_json(o, &info->stats, vn_sw_worker_counter_descs,
				     VN_SW_WORKER_NCOUNTERS);
		json_object_array_add(arr, o);
	}
	free(info);
	free(names);
	call->result = arr;
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

int vn_ctl_h_vlan_show(struct vn_ctl_call *call)
{
	call->result = port_array(call->ctl, vlan_one);
	return 0;
}

int vn_ctl_port_name_one(struct vn_port *p, void *arg)
{
	struct port_names *n = arg;

	if (p->id < VN_SW_PORTS_MAX)
		snprintf(n->name[p->id], sizeof(n->name[0]), "%s", p->name);
	return 0;
}

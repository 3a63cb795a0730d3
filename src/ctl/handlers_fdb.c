// SPDX-License-Identifier: MIT
/* handlers_fdb.c - control commands: the learning table (show, stats, flush, add, delete) */
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
#include "switch/fdb.h"
#include "switch/sw.h"
#include "switch/xdp_hook.h"
#include "xo_migrate.h"
#include "xo_srv.h"

struct fdb_walk {
	struct port_names names;
	struct vn_port *ports[VN_SW_PORTS_MAX];	/* by id, for tunnel pins */
	int only;		/* port id, -1: all */
	struct json_object *arr;
};

/* vn_sw_port_foreach() callback: the ports by id */
static int port_ptr_one(struct vn_port *p, void *arg)
{
	struct fdb_walk *w = arg;

	if (p->id < VN_SW_PORTS_MAX)
		w->ports[p->id] = p;
	return 0;
}

static int fdb_one(const struct vn_fdb_entry *e, void *arg)
{
	struct fdb_walk *w = arg;
	const struct vn_port *port;
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
	/* a tunnel port's remote for this MAC, pinned by fdb add ... dst */
	port = e->port_id < VN_SW_PORTS_MAX ? w->ports[e->port_id] : NULL;
	if (port && port->ops->pinned) {
		char dst[64];

		if (!port->ops->pinned(port, e->mac, dst, sizeof(dst)))
			json_object_object_add(o, "dst", json_object_new_string(dst));
	}
	json_object_array_add(w->arr, o);
	return 0;
}

int vn_ctl_h_fdb_show(struct vn_ctl_call *call)
{
	const char *name = vn_ctl_arg_str(call->args, "port");
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
	vn_sw_port_foreach(call->ctl->sw, vn_ctl_port_name_one, &w->names);
	vn_sw_port_foreach(call->ctl->sw, port_ptr_one, w);
	w->arr = json_object_new_array();
	vn_sw_fdb_dump(call->ctl->sw, fdb_one, w);
	call->result = w->arr;
	free(w);
	return 0;
}

int vn_ctl_h_fdb_stats(struct vn_ctl_call *call)
{
	struct vn_fdb *fdb = vn_sw_fdb(call->ctl->sw);
	struct json_object *o = json_object_new_object();
	struct vn_fdb_stats st;

	vn_fdb_get_stats(fdb, &st);
	json_object_object_add(o, "entries", json_object_new_int64(vn_fdb_count(fdb)));
	vn_ctl_counters_json(o, &st, vn_fdb_counter_descs, VN_FDB_NCOUNTERS);
	call->result = o;
	return 0;
}

int vn_ctl_h_fdb_flush(struct vn_ctl_call *call)
{
	const char *name = vn_ctl_arg_str(call->args, "port");

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
		vn_sw_port_foreach(ctl->sw, vn_ctl_port_name_one, names);
	if (names && id < VN_SW_PORTS_MAX && names->name[id][0])
		snprintf(buf, len, "\"%s\"", names->name[id]);
	else
		snprintf(buf, len, "port %u", (unsigned int)id);
	free(names);
}

/* Remove the tunnel pins of @mac on every port but @keep (a vn_sw_port_foreach() walk) */
struct unpin_walk {
	const uint8_t *mac;
	const struct vn_port *keep;
};

static int unpin_one(struct vn_port *p, void *arg)
{
	struct unpin_walk *u = arg;

	if (p != u->keep && p->ops->pin)
		p->ops->pin(p, u->mac, NULL, NULL, 0);
	return 0;
}

static void unpin_all(struct vn_ctl *ctl, const uint8_t *mac, const struct vn_port *keep)
{
	struct unpin_walk u = { mac, keep };

	vn_sw_port_foreach(ctl->sw, unpin_one, &u);
}

int vn_ctl_h_fdb_add(struct vn_ctl_call *call)
{
	const char *name = vn_ctl_arg_str(call->args, "port"), *mac_s = vn_ctl_arg_str(call->args, "mac");
	const char *dst = vn_ctl_arg_str(call->args, "dst");
	struct vn_sw_fdb_add a = { .vlan = -1, .port = name };
	struct vn_port *port = NULL;
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
	/* dst ADDR: a tunnel port sends unicast to MAC to that remote only */
	if (dst) {
		port = vn_sw_port_find(call->ctl->sw, name);
		if (!port) {
			snprintf(call->msg, call->msglen, "port \"%s\" does not exist", name);
			return -ENOENT;
		}
		if (!port->ops->pin) {
			snprintf(call->msg, call->msglen, "port \"%s\" is a %s port: dst is for "
				 "vxlan and geneve ports", name, port->ops->kind);
			return -EINVAL;
		}
		ret = port->ops->pin(port, a.mac, dst, call->msg, call->msglen);
		if (ret)
			return ret;
	}
	ret = vn_sw_fdb_static_add(call->ctl->sw, &a);
	if (ret && port) {
		port->ops->pin(port, a.mac, NULL, NULL, 0);
	} else if (!ret) {
		/* a pin of MAC on another tunnel port (or on this one, without dst) is stale */
		unpin_all(call->ctl, a.mac, port);
	}
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
	vn_info("ctl: fdb %s vlan %d pinned to '%s'%s%s", mac_s, a.vlan, name, dst ? " dst " : "",
		dst ? dst : "");
	call->result = json_object_new_object();
	json_object_object_add(call->result, "mac", json_object_new_string(mac_s));
	json_object_object_add(call->result, "port", json_object_new_string(name));
	json_object_object_add(call->result, "vlan", json_object_new_int(a.vlan));
	if (dst)
		json_object_object_add(call->result, "dst", json_object_new_string(dst));
	return 0;
}

int vn_ctl_h_fdb_del(struct vn_ctl_call *call)
{
	const char *mac_s = vn_ctl_arg_str(call->args, "mac");
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
	if (n)
		unpin_all(call->ctl, mac, NULL);
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


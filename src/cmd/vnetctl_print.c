// SPDX-License-Identifier: MIT
/* vnetctl_print.c - human output of each command's result
 *
 * The daemon's reply is outside input to vnetctl too: every field is read
 * with its type checked, and a missing or mistyped one prints as "-".
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "vnetctl.h"

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jint(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static const char *jint_s(struct json_object *o, const char *key, char *buf, size_t len)
{
	int64_t v;

	if (!jint(o, key, &v))
		return NULL;
	snprintf(buf, len, "%" PRId64, v);
	return buf;
}

/* "a,b,c" from an array of strings; "-" when empty */
static const char *jlist(struct json_object *arr, char *buf, size_t len)
{
	size_t i, n, off = 0;

	buf[0] = '\0';
	if (!json_object_is_type(arr, json_type_array))
		return NULL;
	n = json_object_array_length(arr);
	for (i = 0; i < n && off < len; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "",
					json_object_get_string(e));
	}
	return n ? buf : NULL;
}

/* An object of strings as "key=value key=value", or NULL when it is empty */
static const char *jdetails(struct json_object *obj, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	if (!json_object_is_type(obj, json_type_object))
		return NULL;
	json_object_object_foreach(obj, key, val) {
		if (off >= len)
			break;
		off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", off ? " " : "", key,
					json_object_get_string(val));
	}
	return buf[0] ? buf : NULL;
}

static const char *rate(struct json_object *rates, const char *key, const char *unit,
			char *buf, size_t len)
{
	int64_t v;

	if (!jint(rates, key, &v) || v < 0)
		return NULL;
	vnetctl_human(buf, len, (uint64_t)v, unit);
	return buf;
}

static const char *vlan_desc(struct json_object *vlan, char *buf, size_t len)
{
	struct json_object *trunk = NULL;
	char list[256];
	int64_t access = 0, native = 0;

	jint(vlan, "access", &access);
	jint(vlan, "native", &native);
	json_object_object_get_ex(vlan, "trunk", &trunk);
	if (jlist(trunk, list, sizeof(list)) && native > 0)
		snprintf(buf, len, "trunk:%s/native:%" PRId64, list, native);
	else if (jlist(trunk, list, sizeof(list)))
		snprintf(buf, len, "trunk:%s", list);
	else if (access > 0)
		snprintf(buf, len, "access:%" PRId64, access);
	else
		snprintf(buf, len, "untagged");
	return buf;
}

static void print_ports(struct json_object *arr)
{
	static const char *const hdr[] = { "NAME", "ID", "KIND", "STATE", "MTU", "QUEUES", "VLAN",
		"TX-OFFLOADS", "RX-OFFLOADS", "RX-PPS", "RX-BPS", "TX-PPS", "TX-BPS", "DETAILS" };
	struct vnetctl_table t;
	size_t i;

	vnetctl_table_init(&t, 14, (1u << 1) | (1u << 4) | (1u << 5) | (0xfu << 9), hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *p = json_object_array_get_idx(arr, i), *off = NULL, *tx = NULL,
				   *rx = NULL, *rates = NULL, *vlan = NULL, *det = NULL;
		char id[24], mtu[24], q[24], v[300], txl[256], rxl[256], r[4][32], d[1024];

		json_object_object_get_ex(p, "offloads", &off);
		json_object_object_get_ex(off, "tx", &tx);
		json_object_object_get_ex(off, "rx", &rx);
		json_object_object_get_ex(p, "rates", &rates);
		json_object_object_get_ex(p, "vlan", &vlan);
		json_object_object_get_ex(p, "details", &det);
		const char *row[] = { jstr(p, "name"), jint_s(p, "id", id, sizeof(id)),
			jstr(p, "kind"), jstr(p, "state"), jint_s(p, "mtu", mtu, sizeof(mtu)),
			jint_s(p, "queues", q, sizeof(q)), vlan_desc(vlan, v, sizeof(v)),
			jlist(tx, txl, sizeof(txl)), jlist(rx, rxl, sizeof(rxl)),
			rate(rates, "rx_pps", "", r[0], sizeof(r[0])),
			rate(rates, "rx_bps", "", r[1], sizeof(r[1])),
			rate(rates, "tx_pps", "", r[2], sizeof(r[2])),
			rate(rates, "tx_bps", "", r[3], sizeof(r[3])),
			jdetails(det, d, sizeof(d)) };
		vnetctl_table_add(&t, row);
	}
	vnetctl_table_print(&t);
}

/* An object of counters as COUNTER VALUE rows, in the order vnetd sent them */
static void print_counters(struct json_object *obj)
{
	static const char *const hdr[] = { "COUNTER", "VALUE" };
	struct vnetctl_table t;

	vnetctl_table_init(&t, 2, 1u << 1, hdr);
	json_object_object_foreach(obj, key, val) {
		char num[24];
		const char *row[] = { key, num };

		snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(val));
		vnetctl_table_add(&t, row);
	}
	vnetctl_table_print(&t);
}

static void print_stats(struct json_object *arr)
{
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *p = json_object_array_get_idx(arr, i), *counters = NULL;
		int64_t id = -1;

		jint(p, "id", &id);
		printf("%s%s (id %" PRId64 "):\n", i ? "\n" : "", jstr(p, "name") ?: "?", id);
		if (!json_object_object_get_ex(p, "counters", &counters) ||
		    !json_object_is_type(counters, json_type_object))
			continue;
		print_counters(counters);
	}
}

static void print_fdb(struct json_object *arr)
{
	static const char *const hdr[] = { "MAC", "VLAN", "PORT", "AGE", "FLAGS" };
	struct vnetctl_table t;
	size_t i;

	vnetctl_table_init(&t, 5, (1u << 1) | (1u << 3), hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *st = NULL;
		char vlan[24], age[24];
		bool is_static;

		is_static = json_object_object_get_ex(e, "static", &st) &&
			    json_object_get_boolean(st);
		/* a tunnel port's pinned remote: "static dst=ADDR" */
		char flags[80];

		snprintf(flags, sizeof(flags), "%s%s%s", is_static ? "static" : "learned",
			 jstr(e, "dst") ? " dst=" : "", jstr(e, "dst") ?: "");
		const char *row[] = { jstr(e, "mac"), jint_s(e, "vlan", vlan, sizeof(vlan)),
			jstr(e, "port"), jint_s(e, "age", age, sizeof(age)), flags };
		vnetctl_table_add(&t, row);
	}
	vnetctl_table_print(&t);
}

static void print_vlans(struct json_object *arr)
{
	static const char *const hdr[] = { "PORT", "MODE", "VLANS" };
	struct vnetctl_table t;
	size_t i;

	vnetctl_table_init(&t, 3, 0, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *trunk = NULL;
		char list[256], acc[24], trunk_native[300];
		int64_t native = 0;

		json_object_object_get_ex(e, "trunk", &trunk);
		const char *mode = jstr(e, "mode");
		const char *vl = NULL;	/* untagged: "-" */

		if (mode && !strcmp(mode, "trunk")) {
			vl = jlist(trunk, list, sizeof(list));
			/* untagged frames on a trunk: "10,20 native 10" as ovs-vsctl shows */
			if (vl && jint(e, "native", &native) && native > 0) {
				snprintf(trunk_native, sizeof(trunk_native), "%s native %" PRId64,
					 list, native);
				vl = trunk_native;
			}
		}
		else if (mode && !strcmp(mode, "access"))
			vl = jint_s(e, "access", acc, sizeof(acc));
		const char *row[] = { jstr(e, "port"), mode, vl };
		vnetctl_table_add(&t, row);
	}
	vnetctl_table_print(&t);
}

/* worker list: CPU "-" when the scheduler places the worker */
static void print_workers(struct json_object *arr)
{
	static const char *const hdr[] = { "WORKER", "CPU", "PORTS", "ITERATIONS", "SLEEPS",
		"POLLS", "RING-TX", "RING-RX", "DIRECT-TX", "BACKLOG-MAX" };
	struct vnetctl_table t;
	size_t i;

	vnetctl_table_init(&t, 10, 0, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *ports = NULL;
		char id[24], cpu[24], it[24], sl[24], po[24], tx[24], rx[24], dt[24], bl[24];
		char list[512];

		json_object_object_get_ex(e, "ports", &ports);
		const char *row[] = {
			jint_s(e, "id", id, sizeof(id)), jint_s(e, "cpu", cpu, sizeof(cpu)),
			jlist(ports, list, sizeof(list)),
			jint_s(e, "iterations", it, sizeof(it)), jint_s(e, "sleeps", sl, sizeof(sl)),
			jint_s(e, "polls", po, sizeof(po)), jint_s(e, "ring_tx", tx, sizeof(tx)),
			jint_s(e, "ring_rx", rx, sizeof(rx)),
			jint_s(e, "direct_tx", dt, sizeof(dt)),
			jint_s(e, "backlog_max", bl, sizeof(bl)),
		};
		vnetctl_table_add(&t, row);
	}
	vnetctl_table_print(&t);
}

static void print_help(struct json_object *arr)
{
	static const char *const hdr[] = { "COMMAND", "DESCRIPTION" };
	struct vnetctl_table t;
	size_t i;

	vnetctl_table_init(&t, 2, 0, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *row[] = { jstr(e, "usage"), jstr(e, "help") };

		vnetctl_table_add(&t, row);
	}
	/* vnetctl's own: built from repeated "stats --all", not a daemon command */
	{
		const char *row[] = { "top [-n COUNT] [-d SECS]",
				      "live per-port rates, refreshed every SECS (vnetctl)" };

		vnetctl_table_add(&t, row);
	}
	vnetctl_table_print(&t);
}

/* xdp list: one row per attachment, its counters summed over the workers */
static void print_xdp(struct json_object *arr)
{
	static const char *const hdr[] = { "PORT", "DIR", "OWNER", "PROGRAM", "ENGINE", "PASS",
		"DROP", "TX", "REDIRECT", "ABORTED", "MEM", "MAPS" };
	struct vnetctl_table t;
	size_t i;

	vnetctl_table_init(&t, 12, 0x7e0u, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *c = NULL, *maps = NULL;
		char n[5][24], mem[64], list[512], prog[160], u[32], l[32];
		const char *owner = jstr(e, "owner") ?: "operator";
		int64_t used = -1, limit = -1, insns = -1;
		bool guest = !strcmp(owner, "guest");

		json_object_object_get_ex(e, "counters", &c);
		json_object_object_get_ex(e, "maps", &maps);
		if (jint(e, "mem_used", &used) && used >= 0)
			vnetctl_human(mem, sizeof(mem), (uint64_t)used, "B");
		/* a guest's program: memory against its port's xdp-offload-mem */
		if (guest && used >= 0 && jint(e, "mem_limit", &limit) && limit > 0) {
			vnetctl_human(u, sizeof(u), (uint64_t)used, "B");
			vnetctl_human(l, sizeof(l), (uint64_t)limit, "B");
			snprintf(mem, sizeof(mem), "%s/%s", u, l);
		}
		snprintf(prog, sizeof(prog), "%s%s", jstr(e, "prog") ?: "-",
			 json_object_get_boolean(json_object_object_get(e, "segment_first")) ?
			 " (segment-first)" : "");
		/* a guest's program: its size, which its port's quota bounds */
		if (guest && jint(e, "insns", &insns) && insns >= 0) {
			size_t pl = strlen(prog);

			snprintf(prog + pl, sizeof(prog) - pl, " (%lld insns)", (long long)insns);
		}
		const char *row[] = { jstr(e, "port"), jstr(e, "dir"), owner, prog, jstr(e, "engine"),
			jint_s(c, "xdp_pass", n[0], sizeof(n[0])),
			jint_s(c, "xdp_drop", n[1], sizeof(n[1])),
			jint_s(c, "xdp_tx", n[2], sizeof(n[2])),
			jint_s(c, "xdp_redirect", n[3], sizeof(n[3])),
			jint_s(c, "xdp_aborted", n[4], sizeof(n[4])),
			used >= 0 ? mem : NULL, jlist(maps, list, sizeof(list)) };
		vnetctl_table_add(&t, row);
	}
	vnetctl_table_print(&t);
}

/* Append "k=v k=v" (an object) or the plain JSON of @v to @buf at *@pos */
static void fmt_fields(struct json_object *v, char *buf, size_t len, size_t *pos)
{
	int n;

	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, f) {
			n = snprintf(buf + *pos, len - *pos, "%s%s=%s", *pos ? " " : "", k,
				     json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN));
			*pos = n < 0 ? *pos : *pos + (size_t)n >= len ? len - 1 : *pos + (size_t)n;
		}
		return;
	}
	n = snprintf(buf + *pos, len - *pos, "%s%s", *pos ? " " : "",
		     json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	*pos = n < 0 ? *pos : *pos + (size_t)n >= len ? len - 1 : *pos + (size_t)n;
}

/* A map entry's @which ("key"/"value") by BTF field names if the daemon sent them, else hex */
static const char *map_cell(struct json_object *e, const char *which, char *buf, size_t len)
{
	struct json_object *f = NULL, *v = NULL;
	size_t pos = 0;

	if (!json_object_object_get_ex(e, "formatted", &f) ||
	    !json_object_is_type(f, json_type_object))
		return jstr(e, which);
	buf[0] = '\0';
	if (json_object_object_get_ex(f, which, &v)) {
		fmt_fields(v, buf, len, &pos);
		return buf;
	}
	/* per-CPU values: "cpu0: f=1 cpu1: f=2" */
	if (!strcmp(which, "value") && json_object_object_get_ex(f, "values", &v) &&
	    json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *c = json_object_array_get_idx(v, i), *cv = NULL;
			int64_t cpu = -1;
			int n;

			jint(c, "cpu", &cpu);
			n = snprintf(buf + pos, len - pos, "%scpu%" PRId64 ":", pos ? " " : "", cpu);
			pos = n < 0 ? pos : pos + (size_t)n >= len ? len - 1 : pos + (size_t)n;
			if (json_object_object_get_ex(c, "value", &cv))
				fmt_fields(cv, buf, len, &pos);
		}
		return buf;
	}
	return jstr(e, which);
}

/* map dump: KEY and VALUE by BTF field names (field=value), else in hex */
static void print_map(struct json_object *o)
{
	static const char *const hdr[] = { "KEY", "VALUE" };
	struct json_object *arr = NULL;
	struct vnetctl_table t;
	size_t i;

	if (!json_object_object_get_ex(o, "entries", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		fprintf(stderr, "Error: unexpected reply from vnetd\n");
		return;
	}
	vnetctl_table_init(&t, 2, 0, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		char kb[1024], vb[4096];
		const char *row[] = { map_cell(e, "key", kb, sizeof(kb)),
			map_cell(e, "value", vb, sizeof(vb)) };

		vnetctl_table_add(&t, row);
	}
	vnetctl_table_print(&t);
	if (json_object_get_boolean(json_object_object_get(o, "truncated")))
		printf("(more entries not shown)\n");
}

/* map list: one row per map of the attachment */
static void print_map_list(struct json_object *arr)
{
	static const char *const hdr[] = { "NAME", "TYPE", "KEY", "VALUE", "MAX", "ENTRIES",
		"MEM" };
	struct vnetctl_table t;
	size_t i;

	vnetctl_table_init(&t, 7, 0x7cu, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		char n[4][24], mem[32];
		int64_t used = -1;

		if (jint(e, "mem", &used) && used >= 0)
			vnetctl_human(mem, sizeof(mem), (uint64_t)used, "B");
		const char *row[] = { jstr(e, "name"), jstr(e, "type"),
			jint_s(e, "key_size", n[0], sizeof(n[0])),
			jint_s(e, "value_size", n[1], sizeof(n[1])),
			jint_s(e, "max_entries", n[2], sizeof(n[2])),
			jint_s(e, "entries", n[3], sizeof(n[3])),
			used >= 0 ? mem : NULL };
		vnetctl_table_add(&t, row);
	}
	vnetctl_table_print(&t);
}

/* map lookup: the one entry, as map dump shows entries */
static void print_map_lookup(struct json_object *o)
{
	static const char *const hdr[] = { "KEY", "VALUE" };
	struct vnetctl_table t;
	char kb[1024], vb[4096];
	const char *row[] = { map_cell(o, "key", kb, sizeof(kb)), map_cell(o, "value", vb, sizeof(vb)) };

	vnetctl_table_init(&t, 2, 0, hdr);
	vnetctl_table_add(&t, row);
	vnetctl_table_print(&t);
}

/**
 * vnetctl_print() - Print a command's result for people
 * @cmd:	the command that was run
 * @result:	its result (outside input: types are checked)
 *
 * Commands that change state print nothing on success, as ip(8) does.
 */
void vnetctl_print(const struct vn_ctl_cmd *cmd, struct json_object *result)
{
	int64_t proto = 0;

	if (cmd->id == VN_CTL_CMD_VERSION) {
		jint(result, "proto", &proto);
		printf("vnetd %s, control protocol %" PRId64 "\n", jstr(result, "version") ?: "?",
		       proto);
		return;
	}
	/* xdp export/import write or change state: nothing to print either */
	if (cmd->config || cmd->id == VN_CTL_CMD_XDP_EXPORT || cmd->id == VN_CTL_CMD_XDP_IMPORT)
		return;
	if (cmd->id == VN_CTL_CMD_MAP_DUMP && json_object_is_type(result, json_type_object)) {
		print_map(result);
		return;
	}
	if (cmd->id == VN_CTL_CMD_FDB_STATS && json_object_is_type(result, json_type_object)) {
		print_counters(result);
		return;
	}
	if (cmd->id == VN_CTL_CMD_MAP_LOOKUP && json_object_is_type(result, json_type_object)) {
		print_map_lookup(result);
		return;
	}
	if (!json_object_is_type(result, json_type_array)) {
		fprintf(stderr, "Error: unexpected reply from vnetd\n");
		return;
	}
	switch (cmd->id) {
	case VN_CTL_CMD_HELP:
		print_help(result);
		break;
	case VN_CTL_CMD_PORT_LIST:
		print_ports(result);
		break;
	case VN_CTL_CMD_STATS:
		print_stats(result);
		break;
	case VN_CTL_CMD_FDB_SHOW:
		print_fdb(result);
		break;
	case VN_CTL_CMD_VLAN_SHOW:
		print_vlans(result);
		break;
	case VN_CTL_CMD_XDP_LIST:
		print_xdp(result);
		break;
	case VN_CTL_CMD_MAP_LIST:
		print_map_list(result);
		break;
	case VN_CTL_CMD_WORKER_LIST:
		print_workers(result);
		break;
	default:
		break;
	}
}

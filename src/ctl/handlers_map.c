// SPDX-License-Identifier: MIT
/* handlers_map.c - control commands: maps of attached programs, BTF-formatted */
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
	uint64_t u = vn_map_btf_int(f, p);

	return f->is_signed ? json_object_new_int64((int64_t)u) : json_object_new_uint64(u);
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
	const char *name = vn_ctl_arg_str(args, "port"), *map = vn_ctl_arg_str(args, "map");
	enum vn_sw_dir dir;
	bool guest;
	int ret;

	ret = vn_ctl_dir_arg(args, &dir, &guest, msg, msglen);
	if (ret)
		return ret;
	ret = guest ? vn_sw_xdp_map_find_guest(ctl->sw, name, map, m, ref) :
		      vn_sw_xdp_map_find(ctl->sw, name, dir, map, m, ref);
	if (ret)
		snprintf(msg, msglen, "no map \"%s\" in the %s XDP program of \"%s\"", map,
			 guest ? "guest" : vn_sw_dir_name(dir), name);
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

int vn_ctl_h_map_dump(struct vn_ctl_call *call)
{
	const char *map = vn_ctl_arg_str(call->args, "map");
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

/*
 * map_arg(), and the bytes of one value (every CPU's copy) in @vlen when that
 * is at most @vmax; otherwise the reference is dropped and the message says
 * what is refused (@refused: "cannot be set here", "are not shown")
 */
static int map_value_arg(struct vn_ctl_call *call, struct vn_map **m, struct vn_sw_xdp **ref,
			 size_t *vlen, size_t vmax, const char *refused)
{
	int ret = map_arg(call->ctl, call->args, m, ref, call->msg, call->msglen);

	if (ret)
		return ret;
	*vlen = map_value_len(*m);
	if (*vlen <= vmax)
		return 0;
	snprintf(call->msg, call->msglen, "map \"%s\": values over %zu bytes %s", (*m)->name,
		 vmax, refused);
	vn_sw_xdp_put(*ref);
	return -E2BIG;
}

int vn_ctl_h_map_update(struct vn_ctl_call *call)
{
	const char *entry = vn_ctl_arg_str(call->args, "entry"), *eq = strchr(entry, '=');
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint8_t *kv = NULL;
	size_t vlen;
	int ret;

	/* A value bigger than an entry argument can carry */
	ret = map_value_arg(call, &m, &ref, &vlen, 64 * 1024, "cannot be set here");
	if (ret)
		return ret;
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

int vn_ctl_h_map_delete(struct vn_ctl_call *call)
{
	const char *key = vn_ctl_arg_str(call->args, "key");
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
	enum vn_sw_dir dir;
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

int vn_ctl_h_map_list(struct vn_ctl_call *call)
{
	struct map_list_ctx c = { .port = vn_ctl_arg_str(call->args, "port") };
	int ret;

	ret = vn_ctl_dir_arg(call->args, &c.dir, &c.guest, call->msg, call->msglen);
	if (ret)
		return ret;
	c.arr = json_object_new_array();
	vn_sw_xdp_foreach(call->ctl->sw, map_list_one, &c);
	if (!c.found) {
		json_object_put(c.arr);
		snprintf(call->msg, call->msglen, "port \"%s\" has no %s XDP program", c.port,
			 c.guest ? "guest" : vn_sw_dir_name(c.dir));
		return -ENOENT;
	}
	call->result = c.arr;
	return 0;
}

int vn_ctl_h_map_lookup(struct vn_ctl_call *call)
{
	const char *key = vn_ctl_arg_str(call->args, "key");
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint8_t *k = NULL, *v = NULL;
	size_t vlen;
	int ret;

	/* A value too large for one reply, as map dump refuses it */
	ret = map_value_arg(call, &m, &ref, &vlen, MAP_DUMP_VALUE_MAX, "are not shown");
	if (ret)
		return ret;
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

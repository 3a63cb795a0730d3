// SPDX-License-Identifier: MIT
/* vnet_offload.c - vnet-offload, the guest side of guest XDP offload
 *
 * Runs inside a VM (through the virtio-serial port org.vnetd.xdp.0) or a
 * container (given the port's socket): hands vnetd an XDP program for the
 * frames vnetd sends this guest, and reads or changes its maps, with the
 * protocol of docs/xdp-offload.md (codec: ctl/xo_proto.c). Built static,
 * so it runs in a guest with no libc of its own.
 *
 * Output follows vnetctl: aligned tables, or with --json the result as one
 * JSON value; commands that change state print nothing. Errors go to stderr
 * as "Error: ..." with vnetd's reason. Exit status: 0 success, 1 vnetd
 * refused the request or could not be reached, 255 a command-line mistake.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "bpf/map.h"
#include "bpf/map_btf.h"
#include "bpf/obj.h"
#include "cmd/offload_cli.h"
#include "cmd/offload_io.h"
#include "cmd/vnetctl.h"
#include "core/log.h"

#ifndef VNET_OFFLOAD_VERSION
#define VNET_OFFLOAD_VERSION "unknown"
#endif

#define HEX_MAX		(2 * VN_XO_KV_MAX + 1)
#define FMT_MAX		4096
#define DUMP_ROUNDS_MAX	(1u << 20)	/* bounds the dump loop if the server never ends it */

/* BPF_MAP_TYPE_* numbers, as R_MAP_LIST carries them (linux/bpf.h) */
static const char *type_name(uint32_t t)
{
	return vn_map_type_name(t);
}

static bool type_percpu(uint32_t t)
{
	return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static struct vn_offload_args args;
static struct vn_offload_chan chan;
static struct vn_bpf_obj *btf_obj;	/* --obj: field names */

static int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int error(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static void usage(FILE *f)
{
	fputs("Usage: vnet-offload [OPTIONS] COMMAND\n"
	      "Hand vnetd an XDP program for the frames it sends this guest (guest XDP offload).\n"
	      "\n"
	      "Commands:\n"
	      "  load [--segment-first] OBJ [SECTION]\n"
	      "                             load the XDP program of OBJ (clang -target bpf -g -O2)\n"
	      "                             at this port; SECTION: default the first XDP program;\n"
	      "                             --segment-first: TSO/GSO frames reach it cut into\n"
	      "                             MTU-sized frames (default: whole)\n"
	      "  unload                     remove it (frames are delivered again)\n"
	      "  status                     the program, quota use and verdict counters\n"
	      "  map list                   the program's maps: handle, type, sizes, entries\n"
	      "  map dump MAP               every entry of MAP\n"
	      "  map lookup MAP KEY         the value under KEY\n"
	      "  map update MAP KEY VALUE [any|noexist|exist]\n"
	      "                             store VALUE under KEY\n"
	      "  map delete MAP KEY         remove KEY\n"
	      "MAP is a map name or its handle number; KEY and VALUE are hex, two digits a\n"
	      "byte, in the map's byte layout (as vnetctl map commands take them).\n"
	      "\n"
	      "Options:\n"
	      "  -d, --device PATH   the channel: a virtio-serial port or a unix socket\n"
	      "                      (default " VN_OFFLOAD_DEVICE_DEFAULT ")\n"
	      "  -t, --timeout S     give up after S seconds (default 10): waits for the device,\n"
	      "                      the socket and vnetd's answers all count\n"
	      "      --obj OBJ       show keys and values by the BTF field names of OBJ\n"
	      "  -j, --json          print results as JSON\n"
	      "  -h, --help          this text      -V, --version   the version\n"
	      "\n"
	      "Exit status: 0 success, 1 vnetd refused or could not be reached, 255 usage.\n"
	      "See vnet-offload(1).\n", f);
}

/* --- JSON output: names are [A-Za-z0-9_./-], texts printable ASCII; escape anyway */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch > 0x7e)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void json_hex(const uint8_t *p, size_t n)
{
	static char buf[HEX_MAX];

	vn_offload_hex_format(p, n, buf, sizeof(buf));
	json_str(buf);
}

/* --- BTF field names (--obj) */

/* One integer of a field at @p, as text (unsigned or signed by its BTF type) */
static void btf_int(const struct vn_map_btf_field *f, const uint8_t *p, char *buf, size_t len)
{
	uint64_t u = vn_map_btf_int(f, p);

	if (f->is_signed)
		snprintf(buf, len, "%" PRId64, (int64_t)u);
	else
		snprintf(buf, len, "%" PRIu64, u);
}

static void append(char *buf, size_t len, size_t *pos, const char *s)
{
	int n = snprintf(buf + *pos, len - *pos, "%s", s);

	*pos = n < 0 ? *pos : *pos + (size_t)n >= len ? len - 1 : *pos + (size_t)n;
}

/**
 * btf_format() - A key or value by field names, as vnetctl prints them
 * @l:		layout (fields checked at load to lie inside the key/value size)
 * @p:		bytes
 * @n:		their count (must cover the layout, else hex is used)
 * @json:	JSON object/number instead of "name=v name=[a,b]"
 * @buf:	output
 * @len:	its size
 *
 * Return: @buf, or NULL when there is no layout or @n is too short
 */
static const char *btf_format(const struct vn_map_btf_layout *l, const uint8_t *p, size_t n,
			      bool json, char *buf, size_t len)
{
	size_t pos = 0;
	char num[32];

	if (!l || !l->nfields)
		return NULL;
	for (unsigned int i = 0; i < l->nfields; i++) {
		const struct vn_map_btf_field *f = &l->f[i];

		if ((uint64_t)f->off + (uint64_t)f->size * (f->nelems ? f->nelems : 1) > n)
			return NULL;
	}
	buf[0] = '\0';
	if (vn_map_btf_scalar(l)) {
		btf_int(&l->f[0], p + l->f[0].off, buf, len);
		return buf;
	}
	if (json)
		append(buf, len, &pos, "{");
	for (unsigned int i = 0; i < l->nfields; i++) {
		const struct vn_map_btf_field *f = &l->f[i];
		const char *name = f->name[0] ? f->name : "value";

		if (json) {
			append(buf, len, &pos, i ? ",\"" : "\"");
			append(buf, len, &pos, name);
			append(buf, len, &pos, "\":");
		} else {
			append(buf, len, &pos, i ? " " : "");
			append(buf, len, &pos, name);
			append(buf, len, &pos, "=");
		}
		if (!f->nelems) {
			btf_int(f, p + f->off, num, sizeof(num));
			append(buf, len, &pos, num);
			continue;
		}
		append(buf, len, &pos, "[");
		for (uint32_t e = 0; e < f->nelems; e++) {
			btf_int(f, p + f->off + (size_t)e * f->size, num, sizeof(num));
			append(buf, len, &pos, e ? "," : "");
			append(buf, len, &pos, num);
		}
		append(buf, len, &pos, "]");
	}
	if (json)
		append(buf, len, &pos, "}");
	return buf;
}

/* The BTF layouts of map @name in --obj, or NULL */
static const struct vn_map_btf *btf_of(const char *name)
{
	struct vn_map *m = btf_obj ? vn_bpf_obj_map_find(btf_obj, name) : NULL;

	return m ? m->btf : NULL;
}

/* --- requests */

/* Send @req; an ERROR reply or a transport failure is printed. Return: 0 or 1 */
static int call(struct vn_xo_msg *req, struct vn_xo_msg *reply, uint8_t want)
{
	char err[512];

	if (vn_offload_chan_call(&chan, req, reply, err, sizeof(err)))
		return error("%s", err);
	if (reply->type == VN_XO_R_ERROR)
		return error("%s", reply->text[0] ? reply->text : strerror(reply->err));
	if (reply->type != want)
		return error("unexpected reply %s to %s", vn_xo_type_name(reply->type),
			     vn_xo_type_name(req->type));
	return 0;
}

static void req_init(struct vn_xo_msg *m, uint8_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
}

static int done(void)
{
	if (args.json)
		puts("{}");
	return 0;
}

static int cmd_load(void)
{
	struct vn_xo_msg req, reply;
	void *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd, ret;

	fd = open(args.obj, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error("%s: %s", args.obj, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return error("%s: not a regular file", args.obj);
	}
	if (st.st_size > (off_t)VN_XO_OBJ_MAX) {
		close(fd);
		return error("%s: %lld bytes, the offload limit is %u (1 MiB)", args.obj,
			     (long long)st.st_size, VN_XO_OBJ_MAX);
	}
	ret = vn_bpf_obj_read_fd(fd, args.obj, VN_XO_OBJ_MAX, &buf, &len);
	close(fd);
	if (ret)
		return error("%s: %s", args.obj, strerror(-ret));
	if (len == 0) {
		free(buf);
		return error("%s: empty file", args.obj);
	}
	req_init(&req, VN_XO_LOAD);
	snprintf(req.section, sizeof(req.section), "%s", args.section);
	req.obj.p = buf;
	req.obj.n = (uint32_t)len;
	req.flags = args.segment_first ? VN_XO_LOAD_SEGMENT_FIRST : 0;
	ret = call(&req, &reply, VN_XO_R_OK);
	free(buf);
	return ret ? ret : done();
}

static int cmd_unload(void)
{
	struct vn_xo_msg req, reply;

	req_init(&req, VN_XO_UNLOAD);
	return call(&req, &reply, VN_XO_R_OK) ?: done();
}

static int cmd_status(void)
{
	const struct vn_xo_status *s;
	struct vn_xo_msg req, reply;
	char mem[32], lim[32];

	req_init(&req, VN_XO_STATUS);
	if (call(&req, &reply, VN_XO_R_STATUS))
		return 1;
	s = &reply.status;
	if (args.json) {
		printf("{\"loaded\":%s,\"section\":", s->loaded ? "true" : "false");
		json_str(s->section);
		printf(",\"insns\":%" PRIu32 ",\"maps\":%" PRIu32 ",\"mem\":%" PRIu64
		       ",\"mem_limit\":%" PRIu64 ",\"insns_limit\":%" PRIu32
		       ",\"maps_limit\":%" PRIu32 ",\"counters\":{\"runs\":%" PRIu64
		       ",\"xdp_pass\":%" PRIu64 ",\"xdp_drop\":%" PRIu64 ",\"xdp_tx\":%" PRIu64
		       ",\"xdp_aborted\":%" PRIu64 "},\"loads_refused\":%" PRIu64
		       ",\"rejected\":%" PRIu64 "}\n", s->insns, s->maps, s->mem, s->mem_limit,
		       s->insns_limit, s->maps_limit, s->runs, s->pass, s->drop, s->tx,
		       s->aborted, s->loads_refused, s->rejected);
		return 0;
	}
	vnetctl_human(mem, sizeof(mem), s->mem, "B");
	vnetctl_human(lim, sizeof(lim), s->mem_limit, "B");
	if (s->loaded)
		printf("program   %s: %" PRIu32 " instructions (limit %" PRIu32 "), %" PRIu32
		       " maps (limit %" PRIu32 ")\n", s->section[0] ? s->section : "loaded", s->insns,
		       s->insns_limit, s->maps, s->maps_limit);
	else
		printf("program   none (limits: %" PRIu32 " instructions, %" PRIu32 " maps)\n",
		       s->insns_limit, s->maps_limit);
	printf("memory    %s of %s\n", mem, lim);
	printf("verdicts  runs %" PRIu64 "  pass %" PRIu64 "  drop %" PRIu64 "  tx %" PRIu64
	       "  aborted %" PRIu64 "\n", s->runs, s->pass, s->drop, s->tx, s->aborted);
	printf("refused   loads %" PRIu64 "  requests %" PRIu64 "\n", s->loads_refused,
	       s->rejected);
	return 0;
}

/* MAP_LIST into @info (at most VN_XO_MAPS_MAX). Return: count, or -1 after an error */
static int map_list(struct vn_xo_map_info *info)
{
	struct vn_xo_msg req, reply;
	uint32_t i;

	req_init(&req, VN_XO_MAP_LIST);
	if (call(&req, &reply, VN_XO_R_MAP_LIST))
		return -1;
	for (i = 0; i < reply.nmaps && i < VN_XO_MAPS_MAX; i++)
		if (vn_xo_map_info_get(&reply, i, &info[i]))
			break;
	return (int)i;
}

static int cmd_map_list(void)
{
	static const char *const hdr[] = { "HANDLE", "NAME", "TYPE", "KEY", "VALUE", "MAX",
		"ENTRIES", "MEM" };
	struct vn_xo_map_info info[VN_XO_MAPS_MAX];
	struct vnetctl_table t;
	int n = map_list(info);

	if (n < 0)
		return 1;
	if (args.json) {
		putchar('[');
		for (int i = 0; i < n; i++) {
			printf("%s{\"handle\":%u,\"name\":", i ? "," : "", info[i].handle);
			json_str(info[i].name);
			printf(",\"type\":\"%s\",\"key_size\":%" PRIu32 ",\"value_size\":%" PRIu32
			       ",\"max_entries\":%" PRIu32 ",\"entries\":%" PRIu32 ",\"mem\":%" PRIu64
			       "}", type_name(info[i].type), info[i].key_size, info[i].value_size,
			       info[i].max_entries, info[i].entries, info[i].mem);
		}
		puts("]");
		return 0;
	}
	vnetctl_table_init(&t, 8, 0xf9u, hdr);
	for (int i = 0; i < n; i++) {
		char c[5][24], mem[32];

		snprintf(c[0], sizeof(c[0]), "%u", info[i].handle);
		snprintf(c[1], sizeof(c[1]), "%" PRIu32, info[i].key_size);
		snprintf(c[2], sizeof(c[2]), "%" PRIu32, info[i].value_size);
		snprintf(c[3], sizeof(c[3]), "%" PRIu32, info[i].max_entries);
		snprintf(c[4], sizeof(c[4]), "%" PRIu32, info[i].entries);
		vnetctl_human(mem, sizeof(mem), info[i].mem, "B");
		const char *row[] = { c[0], info[i].name, type_name(info[i].type), c[1], c[2],
				      c[3], c[4], mem };
		vnetctl_table_add(&t, row);
	}
	vnetctl_table_print(&t);
	return 0;
}

/* The map args.map names, from MAP_LIST. Return: 0, or 1 after an error */
static int map_find(struct vn_xo_map_info *out)
{
	struct vn_xo_map_info info[VN_XO_MAPS_MAX];
	int n = map_list(info);

	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		if (args.map.by_handle ? info[i].handle == args.map.handle :
					 !strcmp(info[i].name, args.map.name)) {
			*out = info[i];
			return 0;
		}
	}
	if (args.map.by_handle)
		return error("no map with handle %u in the offloaded program (%d maps: "
			     "vnet-offload map list)", args.map.handle, n);
	return error("no map \"%s\" in the offloaded program (%d maps: vnet-offload map list)",
		     args.map.name, n);
}

/* @text as exactly @want bytes of hex into @out; the error names the size */
static int kv_parse(const char *what, const char *text, uint32_t want, uint8_t *out,
		    size_t *len)
{
	int ret = vn_offload_hex_parse(text, out, VN_XO_KV_MAX, len);

	if (ret || (want && *len != want)) {
		if (want)
			return error("%s must be %" PRIu32 " bytes in hex (%" PRIu32 " hex digits)",
				     what, want, 2 * want);
		return error("%s must be hex, two digits a byte, at most %d bytes", what,
			     VN_XO_KV_MAX);
	}
	return 0;
}

/* One entry, as a table row or a JSON object */
struct entry_out {
	struct vnetctl_table t;
	unsigned int n;
};

static void entry_add(struct entry_out *o, const struct vn_xo_map_info *m, const uint8_t *k,
		      size_t klen, const uint8_t *v, size_t vlen)
{
	const struct vn_map_btf *b = btf_of(m->name);
	static char kh[HEX_MAX], vh[HEX_MAX], kf[FMT_MAX], vf[FMT_MAX];
	const char *kfs = b ? btf_format(&b->key, k, klen, args.json, kf, sizeof(kf)) : NULL;
	/* per-CPU values are several copies the guest cannot split: hex */
	const char *vfs = b && !type_percpu(m->type) ?
			  btf_format(&b->value, v, vlen, args.json, vf, sizeof(vf)) : NULL;

	if (args.json) {
		printf("%s{\"key\":", o->n ? "," : "");
		json_hex(k, klen);
		printf(",\"value\":");
		json_hex(v, vlen);
		if (kfs || vfs) {
			printf(",\"formatted\":{");
			if (kfs)
				printf("\"key\":%s", kfs);
			if (vfs)
				printf("%s\"value\":%s", kfs ? "," : "", vfs);
			putchar('}');
		}
		putchar('}');
	} else {
		vn_offload_hex_format(k, klen, kh, sizeof(kh));
		vn_offload_hex_format(v, vlen, vh, sizeof(vh));
		const char *row[] = { kfs ?: kh, vfs ?: vh };
		vnetctl_table_add(&o->t, row);
	}
	o->n++;
}

static void entries_start(struct entry_out *o, const struct vn_xo_map_info *m)
{
	static const char *const hdr[] = { "KEY", "VALUE" };

	o->n = 0;
	if (args.json) {
		printf("{\"map\":");
		json_str(m->name);
		printf(",\"type\":\"%s\",\"key_size\":%" PRIu32 ",\"value_size\":%" PRIu32
		       ",\"entries\":[", type_name(m->type), m->key_size, m->value_size);
	} else {
		vnetctl_table_init(&o->t, 2, 0, hdr);
	}
}

static void entries_end(struct entry_out *o)
{
	if (args.json)
		puts("]}");
	else
		vnetctl_table_print(&o->t);
}

static int cmd_map_dump(void)
{
	static uint8_t last[VN_XO_KV_MAX];
	struct vn_xo_map_info m;
	struct entry_out o;
	uint32_t last_len = 0, rounds;

	if (map_find(&m))
		return 1;
	entries_start(&o, &m);
	for (rounds = 0; rounds < DUMP_ROUNDS_MAX; rounds++) {
		struct vn_xo_msg req, reply;
		size_t esz;

		req_init(&req, VN_XO_MAP_DUMP);
		req.map = args.map;
		req.key.p = last_len ? last : NULL;
		req.key.n = last_len;
		if (call(&req, &reply, VN_XO_R_DUMP)) {
			if (!args.json)
				vnetctl_table_free(&o.t);
			return 1;
		}
		esz = (size_t)reply.key_size + reply.value_size;
		for (uint32_t i = 0; i < reply.count; i++) {
			const uint8_t *e = reply.entries.p + i * esz;

			entry_add(&o, &m, e, reply.key_size, e + reply.key_size, reply.value_size);
		}
		if (!reply.more || !reply.count)
			break;
		last_len = reply.key_size;
		memcpy(last, reply.entries.p + (reply.count - 1) * esz, last_len);
	}
	entries_end(&o);
	return 0;
}

/*
 * The map args.map names, a request of @type for it and args.key parsed into
 * @key (which the request points to). Return: 0, or 1 after an error.
 */
static int key_req(struct vn_xo_msg *req, uint8_t type, struct vn_xo_map_info *m,
		   uint8_t *key)
{
	size_t klen;

	if (map_find(m) || kv_parse("KEY", args.key, m->key_size, key, &klen))
		return 1;
	req_init(req, type);
	req->map = args.map;
	req->key.p = key;
	req->key.n = (uint32_t)klen;
	return 0;
}

static int cmd_map_lookup(void)
{
	static uint8_t key[VN_XO_KV_MAX];
	struct vn_xo_msg req, reply;
	struct vn_xo_map_info m;
	struct entry_out o;

	if (key_req(&req, VN_XO_MAP_LOOKUP, &m, key) || call(&req, &reply, VN_XO_R_VALUE))
		return 1;
	entries_start(&o, &m);
	entry_add(&o, &m, key, req.key.n, reply.value.p, reply.value.n);
	entries_end(&o);
	return 0;
}

static int cmd_map_update(void)
{
	static uint8_t key[VN_XO_KV_MAX], val[VN_XO_KV_MAX];
	struct vn_xo_msg req, reply;
	struct vn_xo_map_info m;
	size_t vlen;

	if (key_req(&req, VN_XO_MAP_UPDATE, &m, key) ||
	    kv_parse("VALUE", args.value, type_percpu(m.type) ? 0 : m.value_size, val, &vlen))
		return 1;
	req.value.p = val;
	req.value.n = (uint32_t)vlen;
	req.flags = args.flags;
	return call(&req, &reply, VN_XO_R_OK) ?: done();
}

static int cmd_map_delete(void)
{
	static uint8_t key[VN_XO_KV_MAX];
	struct vn_xo_msg req, reply;
	struct vn_xo_map_info m;

	if (key_req(&req, VN_XO_MAP_DELETE, &m, key))
		return 1;
	return call(&req, &reply, VN_XO_R_OK) ?: done();
}

/* The loader's messages (why --obj does not load), under this tool's name */
static void log_sink(enum vn_log_level level, const char *msg)
{
	(void)level;
	fprintf(stderr, "vnet-offload: %s\n", msg);
}

/* The guest's own copy of the object, read for its BTF only (nothing runs) */
static int open_btf(void)
{
	struct vn_bpf_obj_opts o = { .max_bytes = VN_BPF_OBJ_SIZE_GUEST };
	int ret = vn_bpf_obj_open_file(args.btf_obj, &o, &btf_obj);

	if (ret)
		return error("--obj %s: not a loadable BPF object (%s)", args.btf_obj,
			     strerror(-ret));
	return 0;
}

int main(int argc, char **argv)
{
	char err[512];
	int ret;

	if (vn_offload_args_parse(argc, argv, &args, err, sizeof(err))) {
		fprintf(stderr, "Error: %s.\nTry \"vnet-offload --help\".\n", err);
		return VN_OFFLOAD_EXIT_USAGE;
	}
	if (args.help) {
		usage(stdout);
		return 0;
	}
	if (args.version) {
		printf("vnet-offload %s, offload protocol %d\n", VNET_OFFLOAD_VERSION,
		       VN_XO_VERSION);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	vn_log_set_sink(log_sink);
	if (args.btf_obj && open_btf())
		return 1;
	if (vn_offload_chan_open(&chan, args.device, args.timeout_s * 1000u, err, sizeof(err))) {
		vn_bpf_obj_close(btf_obj);
		return error("%s", err);
	}
	switch (args.cmd) {
	case VN_OFFLOAD_LOAD: ret = cmd_load(); break;
	case VN_OFFLOAD_UNLOAD: ret = cmd_unload(); break;
	case VN_OFFLOAD_STATUS: ret = cmd_status(); break;
	case VN_OFFLOAD_MAP_LIST: ret = cmd_map_list(); break;
	case VN_OFFLOAD_MAP_DUMP: ret = cmd_map_dump(); break;
	case VN_OFFLOAD_MAP_LOOKUP: ret = cmd_map_lookup(); break;
	case VN_OFFLOAD_MAP_UPDATE: ret = cmd_map_update(); break;
	case VN_OFFLOAD_MAP_DELETE: ret = cmd_map_delete(); break;
	default: ret = error("no command"); break;
	}
	vn_offload_chan_close(&chan);
	vn_bpf_obj_close(btf_obj);
	fflush(stdout);
	return ret;
}

// SPDX-License-Identifier: MIT
/* test_xdp_cmds.c - xdp.attach/detach/list and map.list/dump/lookup/update/delete through the control server
 *
 * A real socket server and a running switch with pair ports; the programs
 * are the clang-built objects of tests/bpf/progs (directory in argv[1]).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "core/pool.h"
#include "port/pair.h"
#include "switch/sw.h"

#include "ctl_harness.h"

static const char *progs;

static int setup(void **state)
{
	(void)state;
	return ctl_h_setup("x");
}

static int teardown(void **state)
{
	(void)state;
	return ctl_h_teardown();
}

/* An xdp.attach request with @path opened and passed along, as vnetctl does */
static struct json_object *vxattach(const char *path, const char *fmt, va_list ap)
{
	struct json_object *rep;
	char line[2048];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	vsnprintf(line, sizeof(line), fmt, ap);
	rep = req_fd(fd, "%s", line);
	close(fd);
	return rep;
}

static struct json_object *xattach_path(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static struct json_object *xattach_path(const char *path, const char *fmt, ...)
{
	struct json_object *rep;
	va_list ap;

	va_start(ap, fmt);
	rep = vxattach(path, fmt, ap);
	va_end(ap);
	return rep;
}

/* ... with @file of the test programs' directory */
static struct json_object *xattach(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static struct json_object *xattach(const char *file, const char *fmt, ...)
{
	struct json_object *rep;
	char path[1024];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", progs, file);
	va_start(ap, fmt);
	rep = vxattach(path, fmt, ap);
	va_end(ap);
	return rep;
}

static void expect_err(const char *code, struct json_object *rep)
{
	assert_string_equal(err_code(rep), code);
	json_object_put(rep);
}

static void test_xdp_cmds_lifecycle(void **state)
{
	struct json_object *rep, *res, *e, *c;
	struct vn_port *a, *b;

	(void)state;
	assert_int_equal(vn_pair_create("xa", "xha", NULL, &a, &b), 0);
	assert_int_equal(vn_sw_port_attach(ctl_h_sw, a, -1), 0);
	rep = xattach("xdp1.bpf.o", "{\"v\":1,\"id\":1,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
		  "\"xa:ingress:%s/xdp1.bpf.o\"}}", progs);
	res = ok(rep);
	assert_string_equal(json_object_get_string(get(res, "dir")), "ingress");
	json_object_put(rep);
	/* taken, unless --replace */
	expect_err("EEXIST", xattach("xdp2.bpf.o", "{\"v\":1,\"id\":2,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
				 "\"xa:ingress:%s/xdp2.bpf.o\"}}", progs));
	rep = xattach("xdp1.bpf.o", "{\"v\":1,\"id\":3,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
		      "\"xa:ingress:%s/xdp1.bpf.o:xdp\",\"replace\":true}}", progs);
	ok(rep);
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":4,\"cmd\":\"xdp.list\"}");
	res = ok(rep);
	assert_int_equal(json_object_array_length(res), 1);
	e = json_object_array_get_idx(res, 0);
	assert_string_equal(json_object_get_string(get(e, "prog")), "xdp1.bpf.o:xdp_prog1");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(get(e, "maps"), 0)),
			    "rxcnt");
	c = get(e, "counters");
	assert_non_null(get(c, "xdp_drop"));
	assert_non_null(get(c, "xdp_offload_broken"));
	assert_non_null(get(c, "xdp_timeout"));
	assert_non_null(get(c, "xdp_throttled"));
	assert_string_equal(json_object_get_string(get(e, "redirect")), "all");
	json_object_put(rep);
	/* a frame through it: rxcnt[17] (UDP) becomes 1 on worker 0 */
	{
		struct vn_pkt *p = vn_pool_alloc(b->pool);
		uint8_t *f = vn_pkt_append(p, 60);

		memset(f, 0, 60);
		f[0] = 2; f[6] = 2; f[11] = 1; f[12] = 8; f[14] = 0x45; f[23] = 17;
		uint64_t v = 0;

		assert_int_equal(vn_port_tx_burst(b, &p, 1), 1);
		/* the worker thread runs the program; give a loaded host 10 s */
		for (int i = 0; i < 10000; i++) {
			if (!vn_port_stat_get(a, "xdp_drop", &v) && v == 1)
				break;
			usleep(1000);
		}
		assert_int_equal(v, 1);
	}
	rep = req("{\"v\":1,\"id\":5,\"cmd\":\"map.dump\",\"args\":{\"port\":\"xa\","
		  "\"dir\":\"ingress\",\"map\":\"rxcnt\"}}");
	res = ok(rep);
	assert_string_equal(json_object_get_string(get(res, "type")), "percpu_array");
	assert_int_equal(json_object_array_length(get(res, "entries")), 256);
	e = json_object_array_get_idx(get(res, "entries"), 17);
	assert_string_equal(json_object_get_string(get(e, "key")), "11000000");
	assert_string_equal(json_object_get_string(get(e, "value")), "0100000000000000");
	json_object_put(rep);
	/* map.lookup on the per-CPU array: one 8-byte copy per worker, as dump shows */
	rep = req("{\"v\":1,\"id\":5,\"cmd\":\"map.lookup\",\"args\":{\"port\":\"xa\","
		  "\"dir\":\"ingress\",\"map\":\"rxcnt\",\"key\":\"11000000\"}}");
	res = ok(rep);
	assert_string_equal(json_object_get_string(get(res, "type")), "percpu_array");
	assert_string_equal(json_object_get_string(get(res, "value")), "0100000000000000");
	/* BTF: __u32 key, one __u64 per worker as bpftool's "values" */
	e = get(res, "formatted");
	assert_int_equal(json_object_get_int64(get(e, "key")), 17);
	assert_int_equal(json_object_get_int64(get(json_object_array_get_idx(get(e, "values"), 0),
						   "value")), 1);
	json_object_put(rep);
	/* index past the array's 256 entries: not found */
	expect_err("ENOENT", req("{\"v\":1,\"id\":5,\"cmd\":\"map.lookup\",\"args\":{\"port\":"
				 "\"xa\",\"dir\":\"ingress\",\"map\":\"rxcnt\",\"key\":"
				 "\"00010000\"}}"));
	/* hostile and wrong arguments */
	expect_err("ENOENT", req("{\"v\":1,\"id\":6,\"cmd\":\"map.dump\",\"args\":{\"port\":\"xa\","
				 "\"dir\":\"ingress\",\"map\":\"nope\"}}"));
	expect_err("EINVAL", req("{\"v\":1,\"id\":7,\"cmd\":\"map.dump\",\"args\":{\"port\":\"xa\","
				 "\"dir\":\"inside\",\"map\":\"rxcnt\"}}"));
	expect_err("EINVAL", req("{\"v\":1,\"id\":8,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
				 "\"xa::x.o\"}}"));
	expect_err("EINVAL", xattach_path("/proc/self/status", "{\"v\":1,\"id\":9,\"cmd\":"
				 "\"xdp.attach\",\"args\":{\"spec\":\"xa:ingress:/proc/self/status\"}}"));
	/* a path without its descriptor: refused, the daemon opens nothing */
	expect_err("EBADF", req("{\"v\":1,\"id\":9,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
				"\"xa:ingress:%s/xdp1.bpf.o\"}}", progs));
	/* a descriptor that is not a regular file (a pipe: reading it could block) */
	{
		int p[2];

		assert_int_equal(pipe(p), 0);
		expect_err("EINVAL", req_fd(p[0], "{\"v\":1,\"id\":9,\"cmd\":\"xdp.attach\","
					    "\"args\":{\"spec\":\"xa:ingress:x.o\"}}"));
		close(p[0]);
		close(p[1]);
	}
	expect_err("ENOENT", xattach("xdp1.bpf.o", "{\"v\":1,\"id\":10,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
				 "\"nope:egress:%s/xdp1.bpf.o\"}}", progs));
	expect_err("ENOENT", req("{\"v\":1,\"id\":11,\"cmd\":\"xdp.detach\",\"args\":{\"port\":"
				 "\"xa\",\"dir\":\"egress\"}}"));
	rep = req("{\"v\":1,\"id\":12,\"cmd\":\"xdp.detach\",\"args\":{\"port\":\"xa\","
		  "\"dir\":\"ingress\"}}");
	ok(rep);
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":13,\"cmd\":\"xdp.list\"}");
	assert_int_equal(json_object_array_length(ok(rep)), 0);
	json_object_put(rep);
	/* map update/delete on redirect.bpf.o's DEVMAP (u32 port ids) */
	rep = xattach("redirect.bpf.o", "{\"v\":1,\"id\":14,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
		  "\"xa:ingress:%s/redirect.bpf.o\"}}", progs);
	ok(rep);
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":15,\"cmd\":\"map.update\",\"args\":{\"port\":\"xa\","
		  "\"dir\":\"ingress\",\"map\":\"tx_port\",\"entry\":\"07000000=2A000000\"}}");
	ok(rep);
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":16,\"cmd\":\"map.dump\",\"args\":{\"port\":\"xa\","
		  "\"dir\":\"ingress\",\"map\":\"tx_port\"}}");
	res = get(ok(rep), "entries");
	e = NULL;
	for (size_t i = 0; i < json_object_array_length(res); i++)
		if (!strcmp(json_object_get_string(get(json_object_array_get_idx(res, i), "key")),
			    "07000000"))
			e = json_object_array_get_idx(res, i);
	assert_non_null(e);
	assert_string_equal(json_object_get_string(get(e, "value")), "2a000000");
	json_object_put(rep);
	/* hostile entries: sizes, digits, separators */
	{
		static const char *const bad[] = {
			"07000000", "07000000=", "=2a000000", "0700000=2a000000",
			"07000000=2a00000000", "07000000=2a0000zz", "07000000:2a000000",
			"07000000==2a000000", "0g000000=2a000000",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			expect_err("EINVAL", req("{\"v\":1,\"id\":17,\"cmd\":\"map.update\","
						 "\"args\":{\"port\":\"xa\",\"dir\":\"ingress\","
						 "\"map\":\"tx_port\",\"entry\":\"%s\"}}", bad[i]));
	}
	/* index past the DEVMAP's 8 entries */
	expect_err("E2BIG", req("{\"v\":1,\"id\":18,\"cmd\":\"map.update\",\"args\":{\"port\":"
				"\"xa\",\"dir\":\"ingress\",\"map\":\"tx_port\",\"entry\":"
				"\"08000000=01000000\"}}"));
	expect_err("EINVAL", req("{\"v\":1,\"id\":19,\"cmd\":\"map.delete\",\"args\":{\"port\":"
				 "\"xa\",\"dir\":\"ingress\",\"map\":\"tx_port\",\"key\":\"07\"}}"));
	rep = req("{\"v\":1,\"id\":20,\"cmd\":\"map.delete\",\"args\":{\"port\":\"xa\","
		  "\"dir\":\"ingress\",\"map\":\"tx_port\",\"key\":\"07000000\"}}");
	ok(rep);
	json_object_put(rep);
	assert_int_equal(vn_sw_port_del(ctl_h_sw, "xa"), 0);
	vn_port_close(b);
}

/* map.list and map.lookup on lru_flow.bpf.o (LRU_HASH flows, HASH blocked u32 -> u32) */
/* A refused load says why in the reply: the object loader's own reason */
static void test_xdp_cmds_load_reason(void **state)
{
	char path[] = "/tmp/vn-ctl-notelf-XXXXXX", want[256];
	struct json_object *rep;
	struct vn_port *a, *b;
	const char *base;
	int fd;

	(void)state;
	assert_int_equal(vn_pair_create("xr", "xhr", NULL, &a, &b), 0);
	assert_int_equal(vn_sw_port_attach(ctl_h_sw, a, -1), 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "plain text\n", 11), 11);
	close(fd);
	base = strrchr(path, '/') + 1;
	rep = xattach_path(path, "{\"v\":1,\"id\":1,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
			   "\"xr:ingress:%s\"}}", path);
	snprintf(want, sizeof(want), "%s: cannot load: obj '%s': not an ELF file", path, base);
	assert_string_equal(err_msg(rep, "EINVAL"), want);
	json_object_put(rep);
	unlink(path);
	/* a section the object does not have */
	rep = xattach("xdp1.bpf.o", "{\"v\":1,\"id\":2,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
		      "\"xr:ingress:%s/xdp1.bpf.o:nosuchsec\"}}", progs);
	snprintf(want, sizeof(want), "%s/xdp1.bpf.o:nosuchsec: cannot load: ", progs);
	assert_int_equal(strncmp(err_msg(rep, "ENOENT"), want, strlen(want)), 0);
	assert_non_null(strstr(err_msg(rep, "ENOENT"), "nosuchsec"));
	json_object_put(rep);
	assert_int_equal(vn_sw_port_del(ctl_h_sw, "xr"), 0);
	vn_port_close(b);
}

/* map update/delete refusals in words, not as E2BIG's or EINVAL's text */
static void test_xdp_cmds_map_messages(void **state)
{
	struct json_object *rep;
	struct vn_port *a, *b;

	(void)state;
	assert_int_equal(vn_pair_create("xm", "xhm", NULL, &a, &b), 0);
	assert_int_equal(vn_sw_port_attach(ctl_h_sw, a, -1), 0);
	rep = xattach("xdp1.bpf.o", "{\"v\":1,\"id\":1,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
		      "\"xm:ingress:%s/xdp1.bpf.o\"}}", progs);
	ok(rep);
	json_object_put(rep);
	/* rxcnt: a per-CPU array of 256 __u64, one worker */
	rep = req("{\"v\":1,\"id\":2,\"cmd\":\"map.update\",\"args\":{\"port\":\"xm\","
		  "\"dir\":\"ingress\",\"map\":\"rxcnt\",\"entry\":\"00050000=2a00000000000000\"}}");
	assert_string_equal(err_msg(rep, "E2BIG"), "key 1280 out of range: map \"rxcnt\" is an "
			    "array of 256 entries (keys 0-255, little-endian)");
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":3,\"cmd\":\"map.delete\",\"args\":{\"port\":\"xm\","
		  "\"dir\":\"ingress\",\"map\":\"rxcnt\",\"key\":\"01000000\"}}");
	assert_string_equal(err_msg(rep, "EINVAL"), "entries of array map \"rxcnt\" cannot be "
			    "deleted (every index exists; map update sets one to zero)");
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":4,\"cmd\":\"map.lookup\",\"args\":{\"port\":\"xm\","
		  "\"dir\":\"ingress\",\"map\":\"rxcnt\",\"key\":\"6\"}}");
	assert_string_equal(err_msg(rep, "EINVAL"), "KEY must be 4 bytes in hex (8 hex digits)");
	json_object_put(rep);
	rep = xattach("lru_flow.bpf.o", "{\"v\":1,\"id\":5,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
		      "\"xm:ingress:%s/lru_flow.bpf.o\",\"replace\":true}}", progs);
	ok(rep);
	json_object_put(rep);
	/* blocked: a hash; deleting an absent key reads as lookup's "not found" */
	rep = req("{\"v\":1,\"id\":6,\"cmd\":\"map.delete\",\"args\":{\"port\":\"xm\","
		  "\"dir\":\"ingress\",\"map\":\"blocked\",\"key\":\"0a000001\"}}");
	assert_string_equal(err_msg(rep, "ENOENT"), "key not found in map \"blocked\"");
	json_object_put(rep);
	/* 16 entries fit, the 17th does not */
	for (int i = 0; i < 17; i++) {
		rep = req("{\"v\":1,\"id\":7,\"cmd\":\"map.update\",\"args\":{\"port\":\"xm\","
			  "\"dir\":\"ingress\",\"map\":\"blocked\",\"entry\":\"0a0000%02x=01000000\"}}",
			  i);
		if (i < 16)
			ok(rep);
		else
			assert_string_equal(err_msg(rep, "E2BIG"),
					    "map \"blocked\" is full (max_entries 16)");
		json_object_put(rep);
	}
	assert_int_equal(vn_sw_port_del(ctl_h_sw, "xm"), 0);
	vn_port_close(b);
}

static void test_xdp_cmds_map_list_lookup(void **state)
{
	struct json_object *rep, *res, *e;
	struct vn_port *a, *b;
	size_t i;

	(void)state;
	assert_int_equal(vn_pair_create("xl", "xhl", NULL, &a, &b), 0);
	assert_int_equal(vn_sw_port_attach(ctl_h_sw, a, -1), 0);
	/* nothing attached yet: ENOENT for the port's direction and an unknown port */
	expect_err("ENOENT", req("{\"v\":1,\"id\":1,\"cmd\":\"map.list\",\"args\":{\"port\":\"xl\","
				 "\"dir\":\"ingress\"}}"));
	rep = xattach("lru_flow.bpf.o", "{\"v\":1,\"id\":2,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
		  "\"xl:ingress:%s/lru_flow.bpf.o\"}}", progs);
	ok(rep);
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":3,\"cmd\":\"map.update\",\"args\":{\"port\":\"xl\","
		  "\"dir\":\"ingress\",\"map\":\"blocked\",\"entry\":\"0a000001=01000000\"}}");
	ok(rep);
	json_object_put(rep);
	/* map.list: every map with its type, sizes, capacity, count and memory */
	rep = req("{\"v\":1,\"id\":4,\"cmd\":\"map.list\",\"args\":{\"port\":\"xl\","
		  "\"dir\":\"ingress\"}}");
	res = ok(rep);
	e = NULL;
	for (i = 0; i < json_object_array_length(res); i++)
		if (!strcmp(json_object_get_string(get(json_object_array_get_idx(res, i), "name")),
			    "blocked"))
			e = json_object_array_get_idx(res, i);
	assert_non_null(e);
	assert_string_equal(json_object_get_string(get(e, "type")), "hash");
	assert_int_equal(json_object_get_int(get(e, "key_size")), 4);
	assert_int_equal(json_object_get_int(get(e, "value_size")), 4);
	assert_int_equal(json_object_get_int(get(e, "max_entries")), 16);
	assert_int_equal(json_object_get_int(get(e, "entries")), 1);
	assert_true(json_object_get_int64(get(e, "mem")) > 0);
	e = NULL;
	for (i = 0; i < json_object_array_length(res); i++)
		if (!strcmp(json_object_get_string(get(json_object_array_get_idx(res, i), "name")),
			    "flows"))
			e = json_object_array_get_idx(res, i);
	assert_non_null(e);
	assert_string_equal(json_object_get_string(get(e, "type")), "lru_hash");
	assert_int_equal(json_object_get_int(get(e, "key_size")), 16);
	assert_int_equal(json_object_get_int(get(e, "value_size")), 16);
	assert_int_equal(json_object_get_int(get(e, "entries")), 0);
	json_object_put(rep);
	expect_err("ENOENT", req("{\"v\":1,\"id\":5,\"cmd\":\"map.list\",\"args\":{\"port\":\"xl\","
				 "\"dir\":\"egress\"}}"));
	expect_err("ENOENT", req("{\"v\":1,\"id\":6,\"cmd\":\"map.list\",\"args\":{\"port\":"
				 "\"nope\",\"dir\":\"ingress\"}}"));
	expect_err("EINVAL", req("{\"v\":1,\"id\":7,\"cmd\":\"map.list\",\"args\":{\"port\":\"xl\","
				 "\"dir\":\"inside\"}}"));
	/* map.lookup: the stored value, in hex */
	rep = req("{\"v\":1,\"id\":8,\"cmd\":\"map.lookup\",\"args\":{\"port\":\"xl\","
		  "\"dir\":\"ingress\",\"map\":\"blocked\",\"key\":\"0A000001\"}}");
	res = ok(rep);
	assert_string_equal(json_object_get_string(get(res, "key")), "0a000001");
	assert_string_equal(json_object_get_string(get(res, "value")), "01000000");
	/* BTF: __u32 key and value print as numbers (0x0100000a little-endian) */
	assert_int_equal(json_object_get_int64(get(get(res, "formatted"), "key")), 0x0100000a);
	assert_int_equal(json_object_get_int64(get(get(res, "formatted"), "value")), 1);
	json_object_put(rep);
	/* BTF: struct flow_key / flow_val members by name, the pad array as an array */
	rep = req("{\"v\":1,\"id\":8,\"cmd\":\"map.update\",\"args\":{\"port\":\"xl\","
		  "\"dir\":\"ingress\",\"map\":\"flows\",\"entry\":"
		  "\"01000000020000000300040011000000=03000000000000002601000000000000\"}}");
	ok(rep);
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":8,\"cmd\":\"map.lookup\",\"args\":{\"port\":\"xl\","
		  "\"dir\":\"ingress\",\"map\":\"flows\",\"key\":"
		  "\"01000000020000000300040011000000\"}}");
	res = get(ok(rep), "formatted");
	e = get(res, "key");
	assert_int_equal(json_object_get_int64(get(e, "saddr")), 1);
	assert_int_equal(json_object_get_int64(get(e, "daddr")), 2);
	assert_int_equal(json_object_get_int64(get(e, "sport")), 3);
	assert_int_equal(json_object_get_int64(get(e, "dport")), 4);
	assert_int_equal(json_object_get_int64(get(e, "proto")), 17);
	assert_int_equal(json_object_array_length(get(e, "pad")), 3);
	e = get(res, "value");
	assert_int_equal(json_object_get_int64(get(e, "packets")), 3);
	assert_int_equal(json_object_get_int64(get(e, "bytes")), 294);
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":8,\"cmd\":\"map.dump\",\"args\":{\"port\":\"xl\","
		  "\"dir\":\"ingress\",\"map\":\"flows\"}}");
	res = get(ok(rep), "entries");
	assert_int_equal(json_object_array_length(res), 1);
	e = get(get(json_object_array_get_idx(res, 0), "formatted"), "value");
	assert_int_equal(json_object_get_int64(get(e, "bytes")), 294);
	json_object_put(rep);
	/* absent key: ENOENT, "key not found" */
	rep = req("{\"v\":1,\"id\":9,\"cmd\":\"map.lookup\",\"args\":{\"port\":\"xl\","
		  "\"dir\":\"ingress\",\"map\":\"blocked\",\"key\":\"0a000002\"}}");
	assert_string_equal(err_code(rep), "ENOENT");
	{
		struct json_object *err = get(rep, "error");

		assert_non_null(strstr(json_object_get_string(get(err, "message")),
				       "key not found"));
	}
	json_object_put(rep);
	/* unknown map, port, direction */
	expect_err("ENOENT", req("{\"v\":1,\"id\":10,\"cmd\":\"map.lookup\",\"args\":{\"port\":"
				 "\"xl\",\"dir\":\"ingress\",\"map\":\"nope\",\"key\":\"0a000001\"}}"));
	expect_err("ENOENT", req("{\"v\":1,\"id\":11,\"cmd\":\"map.lookup\",\"args\":{\"port\":"
				 "\"nope\",\"dir\":\"ingress\",\"map\":\"blocked\",\"key\":"
				 "\"0a000001\"}}"));
	expect_err("ENOENT", req("{\"v\":1,\"id\":12,\"cmd\":\"map.lookup\",\"args\":{\"port\":"
				 "\"xl\",\"dir\":\"egress\",\"map\":\"blocked\",\"key\":"
				 "\"0a000001\"}}"));
	expect_err("EINVAL", req("{\"v\":1,\"id\":13,\"cmd\":\"map.lookup\",\"args\":{\"port\":"
				 "\"xl\",\"dir\":\"sideways\",\"map\":\"blocked\",\"key\":"
				 "\"0a000001\"}}"));
	/* hostile keys: odd length, wrong size, not hex */
	{
		static const char *const bad[] = {
			"0a00000", "0a0000", "0a00000100", "0a0000zz", "0x000001", "0a 00001",
		};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			expect_err("EINVAL", req("{\"v\":1,\"id\":14,\"cmd\":\"map.lookup\","
						 "\"args\":{\"port\":\"xl\",\"dir\":\"ingress\","
						 "\"map\":\"blocked\",\"key\":\"%s\"}}", bad[i]));
	}
	/* a missing KEY is refused by the schema */
	expect_err("EINVAL", req("{\"v\":1,\"id\":15,\"cmd\":\"map.lookup\",\"args\":{\"port\":"
				 "\"xl\",\"dir\":\"ingress\",\"map\":\"blocked\"}}"));
	assert_int_equal(vn_sw_port_del(ctl_h_sw, "xl"), 0);
	vn_port_close(b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xdp_cmds_lifecycle),
		cmocka_unit_test(test_xdp_cmds_map_list_lookup),
		cmocka_unit_test(test_xdp_cmds_load_reason),
		cmocka_unit_test(test_xdp_cmds_map_messages),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGS_DIR\n", argv[0]);
		return 2;
	}
	progs = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}

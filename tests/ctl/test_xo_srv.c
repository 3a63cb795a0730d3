// SPDX-License-Identifier: MIT
/* test_xo_srv.c - the guest XDP offload channel, end to end in one process
 *
 * A real control server on a running switch (ctl_harness.h); vhost-user
 * ports with xdp-offload=PATH added through it; a client speaking the
 * protocol (xo_proto.h) over the port's unix socket, as a guest's
 * virtio-serial port or a container would. Programs from tests/bpf/progs.
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
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl/xo_proto.h"
#include "ctl_harness.h"
#include "vu_frontend.h"

static const char *progs_dir;
static char dir[64];

static const char *path_of(const char *name)
{
	static char p[4][128];
	static unsigned int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static uint8_t *slurp(const char *name, size_t *len)
{
	static uint8_t buf[2][1 << 18];
	static unsigned int k;
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bpf.o", progs_dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	k = (k + 1) % 2;
	*len = fread(buf[k], 1, sizeof(buf[k]), f);
	assert_true(*len > 0 && *len < sizeof(buf[k]));
	fclose(f);
	return buf[k];
}

static int xo_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_all(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		assert_true(w > 0);
		b += w;
		n -= (size_t)w;
	}
}

static void xo_send(int fd, const struct vn_xo_msg *m)
{
	static uint8_t buf[VN_XO_HDR_LEN + VN_XO_PAYLOAD_MAX];
	long n = vn_xo_msg_encode(m, buf, sizeof(buf));

	assert_true(n > 0);
	send_all(fd, buf, (size_t)n);
}

/* Read exactly @n bytes within 5 s; 0 on EOF */
static int recv_n(int fd, uint8_t *b, size_t n)
{
	while (n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 5000) != 1)
			fail_msg("no reply within 5 s");
		r = recv(fd, b, n, 0);
		if (r <= 0)
			return 0;
		b += r;
		n -= (size_t)r;
	}
	return 1;
}

/* One message from the server (decoded into a static buffer), 0 on EOF */
static int xo_recv(int fd, struct vn_xo_msg *m)
{
	static uint8_t buf[VN_XO_HDR_LEN + VN_XO_PAYLOAD_MAX];
	struct vn_xo_hdr h;
	long n;

	if (!recv_n(fd, buf, VN_XO_HDR_LEN))
		return 0;
	n = vn_xo_hdr_parse(buf, VN_XO_HDR_LEN, &h);
	assert_true(n == 0 || n == VN_XO_HDR_LEN);
	assert_true(h.len <= VN_XO_PAYLOAD_MAX);
	if (h.len)
		assert_int_equal(recv_n(fd, buf + VN_XO_HDR_LEN, h.len), 1);
	assert_int_equal(vn_xo_msg_decode(&h, buf + VN_XO_HDR_LEN, m), 0);
	return 1;
}

static uint32_t seq;

/* Send @req, return its reply (type checked by the caller) */
static struct vn_xo_msg *call(int fd, struct vn_xo_msg *req)
{
	static struct vn_xo_msg rep;

	req->seq = ++seq;
	xo_send(fd, req);
	assert_int_equal(xo_recv(fd, &rep), 1);
	assert_int_equal(rep.seq, req->seq);
	return &rep;
}

static struct vn_xo_msg *call_type(int fd, uint8_t type)
{
	struct vn_xo_msg req = { .type = type };

	return call(fd, &req);
}

static void expect_err(const struct vn_xo_msg *rep, int err, const char *text)
{
	if (rep->type != VN_XO_R_ERROR || rep->err != err || (text && !strstr(rep->text, text)))
		fail_msg("expected ERROR %d '%s', got type 0x%x err %d '%s'", err, text ? text : "",
			 rep->type, rep->err, rep->type == VN_XO_R_ERROR ? rep->text : "");
}

static struct vn_xo_msg *load(int fd, const char *prog, const char *section)
{
	struct vn_xo_msg req = { .type = VN_XO_LOAD };
	size_t len;

	req.obj.p = slurp(prog, &len);
	req.obj.n = (uint32_t)len;
	snprintf(req.section, sizeof(req.section), "%s", section ? section : "");
	return call(fd, &req);
}

static struct vn_xo_msg *map_req(int fd, uint8_t type, const char *name, int handle,
				 const void *key, uint32_t klen)
{
	struct vn_xo_msg req = { .type = type };

	if (name) {
		snprintf(req.map.name, sizeof(req.map.name), "%s", name);
	} else {
		req.map.by_handle = 1;
		req.map.handle = (uint16_t)handle;
	}
	req.key.p = key;
	req.key.n = klen;
	return call(fd, &req);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vn-xo-%d", (int)getpid());
	if (mkdir(dir, 0700))
		return 1;
	return ctl_h_setup("xo");
}

static int teardown(void **state)
{
	(void)state;
	ctl_h_teardown();
	return rmdir(dir) ? 1 : 0;
}

/* add a vhost-user port NAME with xdp-offload=DIR/NAME.xo and extra keys */
static void add(const char *name, const char *extra)
{
	char vu[32], xo[32];

	snprintf(vu, sizeof(vu), "%s.vu", name);
	snprintf(xo, sizeof(xo), "%s.xo", name);
	struct json_object *rep;

	rep = req("{\"v\":1,\"id\":1,\"cmd\":\"port.add\",\"args\":{\"spec\":"
		  "\"vhost-user:name=%s,path=%s,xdp-offload=%s%s\"}}", name, path_of(vu),
		  path_of(xo), extra ? extra : "");
	ok(rep);
	json_object_put(rep);
}

static void del(const char *name)
{
	struct json_object *rep = req("{\"v\":1,\"id\":1,\"cmd\":\"port.del\",\"args\":"
				      "{\"name\":\"%s\"}}", name);

	ok(rep);
	json_object_put(rep);
}

static int64_t counter(const char *port, const char *name)
{
	struct json_object *rep = req("{\"v\":1,\"id\":1,\"cmd\":\"stats\",\"args\":"
				      "{\"port\":\"%s\",\"all\":true}}", port);
	struct json_object *arr = ok(rep), *c;
	int64_t v = -1;

	c = get(json_object_array_get_idx(arr, 0), "counters");
	if (get(c, name))
		v = json_object_get_int64(get(c, name));
	json_object_put(rep);
	return v;
}

/* HELLO, STATUS, LOAD, MAP_LIST, map operations by name and handle */
static void test_xo_load_and_maps(void **state)
{
	uint32_t src = 0x0a000001, zero = 0, k2;
	uint64_t one = 1, v;
	struct vn_xo_map_info mi;
	struct vn_xo_msg *rep, rq;
	struct stat st;
	int fd;

	(void)state;
	add("xa", ",xdp-offload-maps=8");
	assert_int_equal(stat(path_of("xa.xo"), &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	fd = xo_connect(path_of("xa.xo"));
	memset(&rq, 0, sizeof(rq));
	rq.type = VN_XO_HELLO;
	rq.version = 1;
	rq.caps = VN_XO_CAP_ALL;
	rep = call(fd, &rq);
	assert_int_equal(rep->type, VN_XO_R_HELLO);
	assert_int_equal(rep->version, 1);
	assert_int_equal(rep->caps, VN_XO_CAP_ALL);
	rep = call_type(fd, VN_XO_STATUS);
	assert_int_equal(rep->type, VN_XO_R_STATUS);
	assert_int_equal(rep->status.loaded, 0);
	assert_int_equal(rep->status.mem_limit, 16u << 20);
	assert_int_equal(rep->status.maps_limit, 8);
	assert_int_equal(rep->status.insns_limit, 16384);
	expect_err(call_type(fd, VN_XO_MAP_LIST), ENOENT, "no guest program");
	expect_err(call_type(fd, VN_XO_UNLOAD), ENOENT, "no guest program");
	rep = load(fd, "guest_icmp", NULL);
	assert_int_equal(rep->type, VN_XO_R_OK);
	rep = call_type(fd, VN_XO_STATUS);
	assert_int_equal(rep->status.loaded, 1);
	assert_int_equal(rep->status.maps, 3);
	assert_true(rep->status.insns > 10);
	assert_true(rep->status.mem > 0 && rep->status.mem < rep->status.mem_limit);
	rep = call_type(fd, VN_XO_MAP_LIST);
	assert_int_equal(rep->type, VN_XO_R_MAP_LIST);
	assert_int_equal(rep->nmaps, 3);
	assert_int_equal(vn_xo_map_info_get(rep, 1, &mi), 0);
	assert_string_equal(mi.name, "flows");
	assert_int_equal(mi.handle, 1);
	assert_int_equal(mi.key_size, 4);
	assert_int_equal(mi.value_size, 8);
	assert_int_equal(mi.max_entries, 64);
	/* update, lookup by name and by handle */
	memset(&rq, 0, sizeof(rq));
	rq.type = VN_XO_MAP_UPDATE;
	snprintf(rq.map.name, sizeof(rq.map.name), "flows");
	rq.key.p = (const uint8_t *)&src;
	rq.key.n = 4;
	rq.value.p = (const uint8_t *)&one;
	rq.value.n = 8;
	assert_int_equal(call(fd, &rq)->type, VN_XO_R_OK);
	rq.flags = VN_XO_UPDATE_NOEXIST;
	expect_err(call(fd, &rq), EEXIST, "key exists");
	rq.value.n = 4;
	expect_err(call(fd, &rq), EINVAL, "value is 4 bytes");
	rep = map_req(fd, VN_XO_MAP_LOOKUP, "flows", 0, &src, 4);
	assert_int_equal(rep->type, VN_XO_R_VALUE);
	assert_int_equal(rep->value.n, 8);
	memcpy(&v, rep->value.p, 8);
	assert_int_equal(v, 1);
	rep = map_req(fd, VN_XO_MAP_LOOKUP, NULL, 1, &src, 4);
	assert_int_equal(rep->type, VN_XO_R_VALUE);
	expect_err(map_req(fd, VN_XO_MAP_LOOKUP, NULL, 3, &src, 4), ENOENT, "no map handle 3");
	expect_err(map_req(fd, VN_XO_MAP_LOOKUP, "nosuch", 0, &src, 4), ENOENT, "no map 'nosuch'");
	expect_err(map_req(fd, VN_XO_MAP_LOOKUP, "flows", 0, &src, 2), EINVAL, "key is 2 bytes");
	/* next key, dump */
	rep = map_req(fd, VN_XO_MAP_NEXT_KEY, "flows", 0, NULL, 0);
	assert_int_equal(rep->type, VN_XO_R_KEY);
	memcpy(&k2, rep->key.p, 4);
	assert_int_equal(k2, src);
	expect_err(map_req(fd, VN_XO_MAP_NEXT_KEY, "flows", 0, &src, 4), ENOENT, NULL);
	k2 = src + 1;
	rq.type = VN_XO_MAP_UPDATE;
	rq.key.p = (const uint8_t *)&k2;
	rq.value.n = 8;
	rq.flags = 0;
	assert_int_equal(call(fd, &rq)->type, VN_XO_R_OK);
	memset(&rq, 0, sizeof(rq));
	rq.type = VN_XO_MAP_DUMP;
	snprintf(rq.map.name, sizeof(rq.map.name), "flows");
	rep = call(fd, &rq);
	assert_int_equal(rep->type, VN_XO_R_DUMP);
	assert_int_equal(rep->count, 2);
	assert_int_equal(rep->key_size, 4);
	assert_int_equal(rep->value_size, 8);
	assert_int_equal(rep->more, 0);
	rq.max = 1;
	rep = call(fd, &rq);
	assert_int_equal(rep->count, 1);
	assert_int_equal(rep->more, 1);
	/* per-CPU values: every worker's copy */
	rep = map_req(fd, VN_XO_MAP_LOOKUP, "icmp_drops", 0, &zero, 4);
	assert_int_equal(rep->type, VN_XO_R_VALUE);
	assert_true(rep->value.n >= 8 && rep->value.n % 8 == 0);
	/* delete */
	assert_int_equal(map_req(fd, VN_XO_MAP_DELETE, "flows", 0, &src, 4)->type, VN_XO_R_OK);
	expect_err(map_req(fd, VN_XO_MAP_DELETE, "flows", 0, &src, 4), ENOENT, NULL);
	expect_err(map_req(fd, VN_XO_MAP_DELETE, "last_ptr", 0, &zero, 4), EINVAL, "array");
	/* the operator sees it as the guest's */
	{
		struct json_object *r = req("{\"v\":1,\"id\":1,\"cmd\":\"xdp.list\"}");
		struct json_object *arr = ok(r), *e = NULL;

		for (size_t i = 0; i < json_object_array_length(arr); i++)
			if (!strcmp(json_object_get_string(get(json_object_array_get_idx(arr, i),
								   "port")), "xa"))
				e = json_object_array_get_idx(arr, i);
		assert_non_null(e);
		assert_string_equal(json_object_get_string(get(e, "owner")), "guest");
		assert_string_equal(json_object_get_string(get(e, "dir")), "egress");
		json_object_put(r);
	}
	/* the operator's tools name the guest slot egress-guest */
	{
		struct json_object *r = req("{\"v\":1,\"id\":1,\"cmd\":\"map.dump\",\"args\":"
					    "{\"port\":\"xa\",\"dir\":\"egress-guest\","
					    "\"map\":\"flows\"}}");

		assert_int_equal(json_object_array_length(get(ok(r), "entries")), 1);
		json_object_put(r);
		r = req("{\"v\":1,\"id\":1,\"cmd\":\"map.dump\",\"args\":"
			"{\"port\":\"xa\",\"dir\":\"egress\",\"map\":\"flows\"}}");
		err_code(r);	/* no operator program there */
		json_object_put(r);
		r = req("{\"v\":1,\"id\":1,\"cmd\":\"map.list\",\"args\":"
			"{\"port\":\"xa\",\"dir\":\"egress-guest\"}}");
		assert_int_equal(json_object_array_length(ok(r)), 3);
		json_object_put(r);
	}
	assert_int_equal(call_type(fd, VN_XO_UNLOAD)->type, VN_XO_R_OK);
	assert_int_equal(call_type(fd, VN_XO_STATUS)->status.loaded, 0);
	/* LOAD with the segment-first flag: the operator's list says so */
	{
		struct vn_xo_msg lq = { .type = VN_XO_LOAD, .flags = VN_XO_LOAD_SEGMENT_FIRST };
		struct json_object *r, *arr;
		unsigned int seen = 0;
		size_t len;

		lq.obj.p = slurp("guest_icmp", &len);
		lq.obj.n = (uint32_t)len;
		assert_int_equal(call(fd, &lq)->type, VN_XO_R_OK);
		r = req("{\"v\":1,\"id\":1,\"cmd\":\"xdp.list\",\"args\":{}}");
		arr = ok(r);
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *e = json_object_array_get_idx(arr, i);

			if (strcmp(json_object_get_string(json_object_object_get(e, "port")), "xa"))
				continue;
			assert_true(json_object_get_boolean(json_object_object_get(e,
										  "segment_first")));
			seen++;
		}
		assert_int_equal(seen, 1);
		json_object_put(r);
		assert_int_equal(call_type(fd, VN_XO_UNLOAD)->type, VN_XO_R_OK);
	}
	/* and the operator can remove it */
	assert_int_equal(load(fd, "guest_icmp", NULL)->type, VN_XO_R_OK);
	{
		struct json_object *r = req("{\"v\":1,\"id\":1,\"cmd\":\"xdp.detach\",\"args\":"
					    "{\"port\":\"xa\",\"dir\":\"egress-guest\"}}");

		ok(r);
		json_object_put(r);
	}
	assert_int_equal(call_type(fd, VN_XO_STATUS)->status.loaded, 0);
	close(fd);
	del("xa");
	assert_int_not_equal(access(path_of("xa.xo"), F_OK), 0);	/* unlinked */
}

/* Refused loads: quotas and helpers named, the old program kept; counters */
static void test_xo_refused(void **state)
{
	unsigned int loads_limited;
	struct vn_xo_msg *rep;
	int fd;

	(void)state;
	add("xb", ",xdp-offload-maps=2,xdp-offload-insns=200,xdp-offload-mem=256K");
	fd = xo_connect(path_of("xb.xo"));
	expect_err(load(fd, "guest_icmp", NULL), EDQUOT,
		   "xdp-offload-maps: object has 3 maps, limit 2");
	assert_int_equal(load(fd, "drop_icmp", NULL)->type, VN_XO_R_OK);
	expect_err(load(fd, "guest_big", NULL), EDQUOT, "xdp-offload-mem: loading needs at least");
	expect_err(load(fd, "helpers", NULL), EINVAL, "bpf_ktime_get_ns");
	expect_err(load(fd, "redirect", NULL), EINVAL, "bpf_redirect");
	expect_err(load(fd, "drop_icmp", "nosuch"), ENOENT, NULL);
	/* LOADs are rate limited per channel (5 a second, bursts of 10): 40 in a
	 * row cannot all pass in the few seconds a refill would take */
	{
		unsigned int limited = 0;

		for (int i = 0; i < 40; i++) {
			rep = load(fd, "drop_icmp", NULL);
			if (rep->type == VN_XO_R_ERROR) {
				expect_err(rep, EBUSY, "LOAD rate limit");
				limited++;
			}
		}
		assert_true(limited > 0);
		loads_limited = limited;
	}
	rep = call_type(fd, VN_XO_STATUS);
	assert_int_equal(rep->status.loaded, 1);		/* drop_icmp still there */
	assert_int_equal(rep->status.maps, 1);
	assert_int_equal(rep->status.loads_refused, 5 + loads_limited);
	assert_int_equal(rep->status.rejected, 5 + loads_limited);
	assert_int_equal(counter("xb", "xdp_offload_loads_refused"), 5 + loads_limited);
	assert_int_equal(counter("xb", "xdp_offload_loads"), 1 + 40 - loads_limited);
	close(fd);
	del("xb");
}

static int expect_eof(int fd)
{
	uint8_t b;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 5000) != 1)
		return 0;
	return recv(fd, &b, 1, 0) == 0;
}

/* One peer at a time; a second port sees nothing of the first; hostile input */
static void test_xo_isolation_and_hostile(void **state)
{
	static const uint8_t bad_magic[12] = { 0x12, 0x34, 1, 4, 0, 0, 0, 9, 0, 0, 0, 0 };
	static const uint8_t unknown[12] = { 0x58, 0x4f, 1, 0x42, 0, 0, 0, 9, 0, 0, 0, 0 };
	static const uint8_t short_map[13] = { 0x58, 0x4f, 1, 6, 0, 0, 0, 9, 0, 0, 0, 1, 1 };
	static const uint8_t cut[8] = { 0x58, 0x4f, 1, 2, 0, 0, 0, 9 };
	struct vn_xo_msg rep;
	uint32_t zero = 0;
	int a, b, c;

	(void)state;
	add("xc", NULL);
	add("xd", NULL);
	a = xo_connect(path_of("xc.xo"));
	assert_int_equal(load(a, "guest_icmp", NULL)->type, VN_XO_R_OK);
	/* a second peer on the same channel: EBUSY, closed */
	b = xo_connect(path_of("xc.xo"));
	assert_int_equal(xo_recv(b, &rep), 1);
	expect_err(&rep, EBUSY, "another peer");
	assert_true(expect_eof(b));
	close(b);
	assert_int_equal(counter("xc", "xdp_offload_busy"), 1);
	/* the other port's channel: nothing loaded, no handle 0 */
	c = xo_connect(path_of("xd.xo"));
	assert_int_equal(call_type(c, VN_XO_STATUS)->status.loaded, 0);
	expect_err(map_req(c, VN_XO_MAP_LOOKUP, NULL, 0, &zero, 4), ENOENT, NULL);
	expect_err(map_req(c, VN_XO_MAP_LOOKUP, "icmp_drops", 0, &zero, 4), ENOENT, NULL);
	expect_err(call_type(c, VN_XO_UNLOAD), ENOENT, NULL);
	/* hostile: unknown type, malformed payload: answered, the stream goes on */
	send_all(c, unknown, sizeof(unknown));
	assert_int_equal(xo_recv(c, &rep), 1);
	expect_err(&rep, EOPNOTSUPP, NULL);
	send_all(c, short_map, sizeof(short_map));
	assert_int_equal(xo_recv(c, &rep), 1);
	expect_err(&rep, EINVAL, "malformed");
	assert_int_equal(call_type(c, VN_XO_STATUS)->type, VN_XO_R_STATUS);
	/* a bad magic: answered EPROTO, closed */
	send_all(c, bad_magic, sizeof(bad_magic));
	assert_int_equal(xo_recv(c, &rep), 1);
	expect_err(&rep, EPROTO, NULL);
	assert_true(expect_eof(c));
	close(c);
	/* a peer that leaves mid-message: the next one is served */
	c = xo_connect(path_of("xd.xo"));
	send_all(c, cut, sizeof(cut));
	close(c);
	c = xo_connect(path_of("xd.xo"));
	assert_int_equal(call_type(c, VN_XO_STATUS)->type, VN_XO_R_STATUS);
	close(c);
	/* the first port's program is untouched */
	assert_int_equal(call_type(a, VN_XO_STATUS)->status.loaded, 1);
	assert_true(counter("xd", "xdp_offload_rejected") >= 4);
	close(a);
	del("xc");
	del("xd");
}


/* Hundreds of well-framed hostile map requests: every one answered in
 * order, the program and the other port untouched */
static void test_xo_hostile_map_requests(void **state)
{
	static const uint8_t types[] = { VN_XO_MAP_LOOKUP, VN_XO_MAP_UPDATE, VN_XO_MAP_DELETE,
					 VN_XO_MAP_NEXT_KEY, VN_XO_MAP_DUMP, VN_XO_MAP_LIST,
					 VN_XO_STATUS };
	static const char *const names[] = { "flows", "icmp_drops", "last_ptr", "nosuch",
					     ".bss", "flows.x" };
	static uint8_t enc[VN_XO_HDR_LEN + 2 * VN_XO_KV_MAX + 256];
	uint8_t key[600], val[4200];
	uint32_t rnd = 12345;
	unsigned int errors = 0, oks = 0;
	int fd;

	(void)state;
	add("xh", NULL);
	fd = xo_connect(path_of("xh.xo"));
	assert_int_equal(load(fd, "guest_icmp", NULL)->type, VN_XO_R_OK);
	for (int i = 0; i < 700; i++) {
		struct vn_xo_msg rq = { 0 }, *rep;

		rnd = rnd * 1103515245u + 12345u;
		rq.type = types[(rnd >> 8) % sizeof(types)];
		if ((rnd >> 4) & 1) {
			rq.map.by_handle = 1;
			rq.map.handle = (uint16_t)((rnd >> 12) % 6);
		} else {
			snprintf(rq.map.name, sizeof(rq.map.name), "%s",
				 names[(rnd >> 12) % (sizeof(names) / sizeof(names[0]))]);
		}
		for (size_t k = 0; k < sizeof(key); k++)
			key[k] = (uint8_t)(rnd >> (k % 24));
		rq.key.p = key;
		rq.key.n = (rnd >> 16) % 3 == 0 ? 4 : (rnd >> 16) % 9;
		if (rq.type == VN_XO_MAP_LOOKUP || rq.type == VN_XO_MAP_DELETE ||
		    rq.type == VN_XO_MAP_UPDATE)
			rq.key.n = rq.key.n ? rq.key.n : 1;
		rq.value.p = val;
		rq.value.n = (rnd >> 20) % 2 ? 8 : (rnd >> 20) % 4200;
		memset(val, (int)(rnd & 0xff), sizeof(val));
		rq.flags = (rnd >> 24) % 4;
		rq.max = (rnd >> 26) % 3;
		if (rq.value.n > VN_XO_KV_MAX)
			rq.value.n = VN_XO_KV_MAX;
		/* what the protocol cannot even carry is the client's to refuse */
		if (vn_xo_msg_encode(&rq, enc, sizeof(enc)) < 0)
			continue;
		/* the connection's rate limit (200/s) is not what this tests: wait it out */
		for (int t = 0; t < 100; t++) {
			rep = call(fd, &rq);
			if (rep->type != VN_XO_R_ERROR || rep->err != EBUSY)
				break;
			usleep(20000);
		}
		if (rep->type == VN_XO_R_ERROR)
			errors++;
		else
			oks++;
	}
	assert_true(errors > 0 && oks > 0);
	usleep(300000);		/* the rate limit's bucket refills (50 at 200/s) */
	/* still there, still serving; the flows map never held more than it may */
	{
		struct vn_xo_msg *rep = call_type(fd, VN_XO_STATUS);
		struct vn_xo_map_info mi;

		if (rep->type != VN_XO_R_STATUS)
			fail_msg("STATUS answered 0x%x %d '%s'", rep->type, rep->err, rep->text);
		assert_int_equal(rep->status.loaded, 1);
		rep = call_type(fd, VN_XO_MAP_LIST);
		assert_int_equal(vn_xo_map_info_get(rep, 1, &mi), 0);
		assert_true(mi.entries <= mi.max_entries);
	}
	close(fd);
	del("xh");
}


/* xdp.export / xdp.import through the control protocol: FILE passed open */
static void test_xo_export_import_cmds(void **state)
{
	char file[96];
	struct json_object *rep;
	int fd, x;

	(void)state;
	add("xi", NULL);
	add("xj", NULL);
	x = xo_connect(path_of("xi.xo"));
	assert_int_equal(load(x, "guest_icmp", NULL)->type, VN_XO_R_OK);
	snprintf(file, sizeof(file), "%s", path_of("xi.export"));
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	/* no file passed, a wrong direction, a port without a program */
	rep = req("{\"v\":1,\"id\":1,\"cmd\":\"xdp.export\",\"args\":{\"port\":\"xi\","
		  "\"dir\":\"egress\",\"file\":\"f\"}}");
	assert_non_null(strstr(err_msg(rep, "EBADF"), "must come open"));
	json_object_put(rep);
	rep = req_fd(fd, "{\"v\":1,\"id\":1,\"cmd\":\"xdp.export\",\"args\":{\"port\":\"xi\","
		     "\"dir\":\"ingress\",\"file\":\"f\"}}");
	assert_non_null(strstr(err_msg(rep, "EINVAL"), "only a guest's program"));
	json_object_put(rep);
	rep = req_fd(fd, "{\"v\":1,\"id\":1,\"cmd\":\"xdp.export\",\"args\":{\"port\":\"xj\","
		     "\"dir\":\"egress\",\"file\":\"f\"}}");
	assert_non_null(strstr(err_msg(rep, "ENOENT"), "no guest XDP program"));
	json_object_put(rep);
	rep = req_fd(fd, "{\"v\":1,\"id\":1,\"cmd\":\"xdp.export\",\"args\":{\"port\":\"xi\","
		     "\"dir\":\"egress-guest\",\"file\":\"f\"}}");
	ok(rep);
	json_object_put(rep);
	rep = req_fd(fd, "{\"v\":1,\"id\":1,\"cmd\":\"xdp.import\",\"args\":{\"port\":\"xj\","
		     "\"dir\":\"egress\",\"file\":\"f\"}}");
	ok(rep);
	json_object_put(rep);
	close(fd);
	/* the other port's guest sees the imported program */
	close(x);
	x = xo_connect(path_of("xj.xo"));
	assert_int_equal(call_type(x, VN_XO_STATUS)->status.maps, 3);
	close(x);
	/* a file that is not an export: refused, the program stays */
	fd = open(file, O_RDWR | O_TRUNC);
	assert_int_equal(write(fd, "not an export file", 18), 18);
	rep = req_fd(fd, "{\"v\":1,\"id\":1,\"cmd\":\"xdp.import\",\"args\":{\"port\":\"xj\","
		     "\"dir\":\"egress\",\"file\":\"f\"}}");
	assert_non_null(strstr(err_msg(rep, "EINVAL"), "bad magic"));
	json_object_put(rep);
	close(fd);
	unlink(file);
	x = xo_connect(path_of("xj.xo"));
	assert_int_equal(call_type(x, VN_XO_STATUS)->status.loaded, 1);
	close(x);
	del("xi");
	del("xj");
}

/* A vhost-user front-end that goes away frees the guest program */
static void test_xo_reset(void **state)
{
	struct vn_xo_msg *rep;
	int fd, vu, i;

	(void)state;
	add("xe", NULL);
	fd = xo_connect(path_of("xe.xo"));
	vu = xo_connect(path_of("xe.vu"));	/* the front-end connects */
	assert_int_equal(load(fd, "guest_icmp", NULL)->type, VN_XO_R_OK);
	close(vu);				/* ...and disconnects */
	/* the port's vhost-user thread sees the close; the channel then frees
	 * the program (bounded wait, the outcome is asserted) */
	for (i = 0; i < 500; i++) {
		rep = call_type(fd, VN_XO_STATUS);
		if (!rep->status.loaded)
			break;
		usleep(10000);
	}
	assert_int_equal(rep->status.loaded, 0);
	assert_int_equal(counter("xe", "xdp_offload_resets"), 1);
	/* a new program loads, and port deletion takes it with the port */
	assert_int_equal(load(fd, "guest_icmp", NULL)->type, VN_XO_R_OK);
	del("xe");
	assert_true(expect_eof(fd));
	close(fd);
}

/* STATUS on @fd until its loaded field is @want (bounded; the value asserted) */
static void wait_loaded(int fd, uint8_t want)
{
	struct vn_xo_msg *rep = NULL;

	for (int i = 0; i < 500; i++) {
		rep = call_type(fd, VN_XO_STATUS);
		if (rep->status.loaded == want)
			break;
		usleep(10000);
	}
	assert_int_equal(rep->status.loaded, want);
}

/*
 * Live migration with xdp-offload-state=FILE on both ports: the source's
 * device stopping while dirty logging is on writes the guest program, its
 * flags and its maps to FILE (0600) and frees it there; the destination's
 * device starting takes all of it up and removes FILE. A stop without
 * dirty logging (a reset) hands nothing on.
 */
static void test_xo_handoff(void **state)
{
	struct vn_xo_msg lq = { .type = VN_XO_LOAD, .flags = VN_XO_LOAD_SEGMENT_FIRST }, rq, *rep;
	uint32_t src = 0x0a000009;
	uint64_t seven = 7, f, v;
	char extra[160];
	struct vu_fe a, b;
	struct stat st;
	size_t len;
	int fa, fb;

	(void)state;
	snprintf(extra, sizeof(extra), ",xdp-offload-state=%s", path_of("vm.state"));
	add("xm", extra);
	add("xn", extra);
	fa = xo_connect(path_of("xm.xo"));
	fb = xo_connect(path_of("xn.xo"));
	/* the source VM runs on xm with a program and one map entry */
	assert_int_equal(vu_fe_connect(&a, path_of("xm.vu")), 0);
	assert_int_equal(vu_fe_setup(&a, ~0ull), 0);
	lq.obj.p = slurp("guest_icmp", &len);
	lq.obj.n = (uint32_t)len;
	assert_int_equal(call(fa, &lq)->type, VN_XO_R_OK);
	memset(&rq, 0, sizeof(rq));
	rq.type = VN_XO_MAP_UPDATE;
	snprintf(rq.map.name, sizeof(rq.map.name), "flows");
	rq.key.p = (const uint8_t *)&src;
	rq.key.n = 4;
	rq.value.p = (const uint8_t *)&seven;
	rq.value.n = 8;
	assert_int_equal(call(fa, &rq)->type, VN_XO_R_OK);
	/* the migration: dirty logging on, then QEMU stops the device */
	f = a.features | VN_BIT(VN_VHOST_F_LOG_ALL);
	assert_int_equal(vu_fe_msg(&a, VN_VU_SET_FEATURES, &f, 8, NULL, 0, NULL, 0), 0);
	assert_true(vu_fe_stop(&a, 0) >= 0);
	wait_loaded(fa, 0);
	assert_int_equal(stat(path_of("vm.state"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(counter("xm", "xdp_offload_handoffs_out"), 1);
	assert_int_equal(counter("xm", "xdp_offload_resets"), 1);
	/* the destination VM's device starts on xn: the program comes back */
	assert_int_equal(vu_fe_connect(&b, path_of("xn.vu")), 0);
	assert_int_equal(vu_fe_setup(&b, ~0ull), 0);
	wait_loaded(fb, 1);
	assert_int_equal(counter("xn", "xdp_offload_handoffs_in"), 1);
	assert_int_not_equal(stat(path_of("vm.state"), &st), 0);
	rep = map_req(fb, VN_XO_MAP_LOOKUP, "flows", 0, &src, 4);
	assert_int_equal(rep->type, VN_XO_R_VALUE);
	memcpy(&v, rep->value.p, 8);
	assert_int_equal(v, 7);
	{
		struct json_object *r = req("{\"v\":1,\"id\":1,\"cmd\":\"xdp.list\",\"args\":{}}");
		struct json_object *arr = ok(r);
		unsigned int seen = 0;

		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *e = json_object_array_get_idx(arr, i);

			if (strcmp(json_object_get_string(get(e, "port")), "xn"))
				continue;
			assert_true(json_object_get_boolean(get(e, "segment_first")));
			seen++;
		}
		assert_int_equal(seen, 1);
		json_object_put(r);
	}
	/* the source port, still looking since its own start? It stopped: no */
	assert_int_equal(call_type(fa, VN_XO_STATUS)->status.loaded, 0);
	/* a reset (no dirty logging) frees the program and writes nothing */
	assert_true(vu_fe_stop(&b, 0) >= 0);
	wait_loaded(fb, 0);
	assert_int_not_equal(stat(path_of("vm.state"), &st), 0);
	assert_int_equal(counter("xn", "xdp_offload_handoffs_out"), 0);
	vu_fe_close(&a);
	vu_fe_close(&b);
	close(fa);
	close(fb);
	del("xm");
	del("xn");
}

/* A path that exists and is not a stale socket is refused clearly */
static void test_xo_path_checks(void **state)
{
	struct json_object *rep;
	FILE *f = fopen(path_of("xf.xo"), "w");

	(void)state;
	assert_non_null(f);
	fclose(f);
	rep = req("{\"v\":1,\"id\":1,\"cmd\":\"port.add\",\"args\":{\"spec\":"
		  "\"vhost-user:name=xf,path=%s,xdp-offload=%s\"}}", path_of("xf.vu"),
		  path_of("xf.xo"));
	assert_non_null(strstr(err_msg(rep, "EEXIST"), "exists and is not a socket"));
	json_object_put(rep);
	unlink(path_of("xf.xo"));
	/* the port was not added */
	rep = req("{\"v\":1,\"id\":1,\"cmd\":\"port.del\",\"args\":{\"name\":\"xf\"}}");
	err_code(rep);
	json_object_put(rep);
	/* a stale socket (nobody listens) is replaced */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path_of("xf.xo"));
		assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(s);
	}
	add("xf", NULL);
	/* a live one is not: a second port on the same path */
	rep = req("{\"v\":1,\"id\":1,\"cmd\":\"port.add\",\"args\":{\"spec\":"
		  "\"vhost-user:name=xg,path=%s,xdp-offload=%s\"}}", path_of("xg.vu"),
		  path_of("xf.xo"));
	assert_non_null(strstr(err_msg(rep, "EADDRINUSE"), "in use"));
	json_object_put(rep);
	/* keys only for tap and vhost-user */
	rep = req("{\"v\":1,\"id\":1,\"cmd\":\"port.add\",\"args\":{\"spec\":"
		  "\"pair:name=xh,peer=xi,xdp-offload=%s\"}}", path_of("xh.xo"));
	assert_non_null(strstr(err_msg(rep, "EINVAL"), "only for tap and vhost-user"));
	json_object_put(rep);
	del("xf");
	assert_int_not_equal(access(path_of("xf.xo"), F_OK), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xo_load_and_maps),
		cmocka_unit_test(test_xo_refused),
		cmocka_unit_test(test_xo_isolation_and_hostile),
		cmocka_unit_test(test_xo_hostile_map_requests),
		cmocka_unit_test(test_xo_export_import_cmds),
		cmocka_unit_test(test_xo_reset),
		cmocka_unit_test(test_xo_handoff),
		cmocka_unit_test(test_xo_path_checks),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGS_DIR\n", argv[0]);
		return 2;
	}
	progs_dir = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}

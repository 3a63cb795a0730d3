// SPDX-License-Identifier: MIT
/* test_xdp_cmds.c - xdp.attach/detach/list and map.dump through the control server
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
	rep = req("{\"v\":1,\"id\":1,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
		  "\"xa:ingress:%s/xdp1.bpf.o\"}}", progs);
	res = ok(rep);
	assert_string_equal(json_object_get_string(get(res, "dir")), "ingress");
	json_object_put(rep);
	/* taken, unless --replace */
	expect_err("EEXIST", req("{\"v\":1,\"id\":2,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
				 "\"xa:ingress:%s/xdp2.bpf.o\"}}", progs));
	rep = req("{\"v\":1,\"id\":3,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
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
	json_object_put(rep);
	/* a frame through it: rxcnt[17] (UDP) becomes 1 on worker 0 */
	{
		struct vn_pkt *p = vn_pool_alloc(b->pool);
		uint8_t *f = vn_pkt_append(p, 60);

		memset(f, 0, 60);
		f[0] = 2; f[6] = 2; f[11] = 1; f[12] = 8; f[14] = 0x45; f[23] = 17;
		uint64_t v = 0;

		assert_int_equal(b->ops->tx_burst(b, &p, 1), 1);
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
	/* hostile and wrong arguments */
	expect_err("ENOENT", req("{\"v\":1,\"id\":6,\"cmd\":\"map.dump\",\"args\":{\"port\":\"xa\","
				 "\"dir\":\"ingress\",\"map\":\"nope\"}}"));
	expect_err("EINVAL", req("{\"v\":1,\"id\":7,\"cmd\":\"map.dump\",\"args\":{\"port\":\"xa\","
				 "\"dir\":\"inside\",\"map\":\"rxcnt\"}}"));
	expect_err("EINVAL", req("{\"v\":1,\"id\":8,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
				 "\"xa::x.o\"}}"));
	expect_err("EINVAL", req("{\"v\":1,\"id\":9,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
				 "\"xa:ingress:/proc/self/status\"}}"));
	expect_err("ENOENT", req("{\"v\":1,\"id\":10,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
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
	rep = req("{\"v\":1,\"id\":14,\"cmd\":\"xdp.attach\",\"args\":{\"spec\":"
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

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xdp_cmds_lifecycle),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGS_DIR\n", argv[0]);
		return 2;
	}
	progs = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}

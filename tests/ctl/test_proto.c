// SPDX-License-Identifier: MIT
/* test_proto.c - control protocol: request validation (hostile table), replies */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "ctl/proto.h"

static int parse(const char *s, struct vn_ctl_request *req)
{
	char msg[VN_CTL_MSG_MAX];

	msg[0] = '\0';
	return vn_ctl_request_parse(s, strlen(s), req, msg, sizeof(msg));
}

static void test_proto_accepts_port_add(void **state)
{
	struct vn_ctl_request req;
	struct json_object *spec;

	(void)state;
	assert_int_equal(parse("{\"v\":1,\"id\":7,\"cmd\":\"port.add\","
			       "\"args\":{\"spec\":\"tap:name=vnet0\",\"worker\":0}}", &req), 0);
	assert_int_equal(req.id, 7);
	assert_ptr_equal(req.cmd, vn_ctl_cmd_get(VN_CTL_CMD_PORT_ADD));
	assert_true(json_object_object_get_ex(req.args, "spec", &spec));
	assert_string_equal(json_object_get_string(spec), "tap:name=vnet0");
	vn_ctl_request_fini(&req);
}

static void test_proto_args_optional(void **state)
{
	struct vn_ctl_request req;

	(void)state;
	assert_int_equal(parse(" {\"id\":0,\"cmd\":\"port.list\",\"v\":1}\r", &req), 0);
	assert_non_null(req.args);
	assert_int_equal(json_object_object_length(req.args), 0);
	vn_ctl_request_fini(&req);
}

/* Hostile requests: each must fail with this error, and keep this id. */
static const struct {
	const char *line;
	int err;
	int64_t id;
} hostile[] = {
	/*  0 */ { "", -EINVAL, -1 },
	/*  1 */ { "{", -EINVAL, -1 },
	/*  2 */ { "[1,2]", -EINVAL, -1 },
	/*  3 */ { "\"port.add\"", -EINVAL, -1 },
	/*  4 */ { "{\"v\":1,\"id\":1,\"cmd\":\"port.list\"} {}", -EINVAL, -1 },
	/*  5 */ { "{\"v\":1,\"id\":1,\"cmd\":\"port.list\"}x", -EINVAL, -1 },
	/*  6 */ { "{\"v\":2,\"id\":3,\"cmd\":\"port.list\"}", -EPROTO, 3 },
	/*  7 */ { "{\"v\":\"1\",\"id\":3,\"cmd\":\"port.list\"}", -EINVAL, 3 },
	/*  8 */ { "{\"id\":3,\"cmd\":\"port.list\"}", -EINVAL, 3 },
	/*  9 */ { "{\"v\":1,\"cmd\":\"port.list\"}", -EINVAL, -1 },
	/* 10 */ { "{\"v\":1,\"id\":-1,\"cmd\":\"port.list\"}", -EINVAL, -1 },
	/* 11 */ { "{\"v\":1,\"id\":1.5,\"cmd\":\"port.list\"}", -EINVAL, -1 },
	/* 12 */ { "{\"v\":1,\"id\":99999999999999999999999,\"cmd\":\"port.list\"}", -EINVAL, -1 },
	/* 13 */ { "{\"v\":1,\"id\":4,\"cmd\":\"port.explode\"}", -EOPNOTSUPP, 4 },
	/* 14 */ { "{\"v\":1,\"id\":4,\"cmd\":\"port.list\\u0000x\"}", -EOPNOTSUPP, 4 },
	/* 15 */ { "{\"v\":1,\"id\":4,\"cmd\":42}", -EINVAL, 4 },
	/* 16 */ { "{\"v\":1,\"id\":4,\"cmd\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", -EINVAL, 4 },
	/* 17 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.list\",\"extra\":1}", -EINVAL, 5 },
	/* 18 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.list\",\"args\":[]}", -EINVAL, 5 },
	/* 19 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.list\",\"args\":{\"x\":1}}", -EINVAL, 5 },
	/* 20 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.add\",\"args\":{}}", -EINVAL, 5 },
	/* 21 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.add\",\"args\":{\"spec\":7}}", -EINVAL, 5 },
	/* 22 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.add\",\"args\":{\"spec\":\"t\"}}", -EINVAL, 5 },
	/* 23 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.add\",\"args\":{\"spec\":\"tap:x\\u0000y\"}}",
		   -EINVAL, 5 },
	/* 24 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.add\",\"args\":{\"spec\":\"tap:a\",\"worker\":\"1\"}}",
		   -EINVAL, 5 },
	/* 25 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.add\",\"args\":{\"spec\":\"tap:a\",\"worker\":1.0}}",
		   -EINVAL, 5 },
	/* 26 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.add\",\"args\":{\"spec\":\"tap:a\",\"worker\":4096}}",
		   -EINVAL, 5 },
	/* 27 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.add\",\"args\":{\"spec\":\"tap:a\",\"worker\":-2}}",
		   -EINVAL, 5 },
	/* 28 */ { "{\"v\":1,\"id\":5,\"cmd\":\"stats\",\"args\":{\"all\":1}}", -EINVAL, 5 },
	/* 29 */ { "{\"v\":1,\"id\":5,\"cmd\":\"stats\",\"args\":{\"port\":{\"a\":{}}}}", -EINVAL, 5 },
	/* 30 */ { "{\"v\":1,\"id\":5,\"cmd\":\"stats\",\"args\":{\"port\":\"\"}}", -EINVAL, 5 },
	/* 31 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.del\",\"args\":{\"name\":"
		   "\"0123456789012345678901234567890123\"}}", -EINVAL, 5 },
	/* 32 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.list\",\"args\":{\"a\":[[[[[[1]]]]]]}}", -EINVAL, -1 },
	/* 33 */ { "{\"v\":1,\"id\":5,\"cmd\":\"port.list\",\"args\":null}", -EINVAL, 5 },
	/* 34 */ { "{\"v\":1,\"id\":5,\"cmd\":\"stats\",\"args\":{\"port\":\"\xff\xfe\"}}", -EINVAL, -1 },
	/* 35 */ { "{'v':1,'id':5,'cmd':'stats'}", -EINVAL, -1 },
	/* 36 */ { "{\"v\":1,\"id\":5,\"cmd\":\"stats\",}", -EINVAL, -1 },
	/* 37 */ { "{\"v\":1,\"id\":5,\"cmd\":null}", -EINVAL, 5 },
	/* 38 */ { "nan", -EINVAL, -1 },
};

static void test_proto_rejects_hostile_table(void **state)
{
	struct vn_ctl_request req;
	char msg[VN_CTL_MSG_MAX];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		msg[0] = '\0';
		int ret = vn_ctl_request_parse(hostile[i].line, strlen(hostile[i].line), &req,
					       msg, sizeof(msg));
		if (ret != hostile[i].err || req.id != hostile[i].id)
			fail_msg("case %u: ret %d id %lld, want %d id %lld (%s)", i, ret,
				 (long long)req.id, hostile[i].err, (long long)hostile[i].id, msg);
		assert_true(msg[0] != '\0');
		assert_null(req.root);
	}
}

static void test_proto_rejects_nul_and_oversize(void **state)
{
	static const char with_nul[] = "{\"v\":1,\"id\":1,\"cmd\":\"port.list\"}\0junk";
	struct vn_ctl_request req;
	char msg[VN_CTL_MSG_MAX];
	char *big;

	(void)state;
	assert_int_equal(vn_ctl_request_parse(with_nul, sizeof(with_nul) - 1, &req, msg,
					      sizeof(msg)), -EINVAL);
	/* one byte over the cap: refused before parsing, whatever it holds */
	big = malloc(VN_CTL_LINE_MAX + 1);
	assert_non_null(big);
	memset(big, ' ', VN_CTL_LINE_MAX + 1);
	assert_int_equal(vn_ctl_request_parse(big, VN_CTL_LINE_MAX + 1, &req, msg, sizeof(msg)),
			 -EMSGSIZE);
	/* exactly at the cap: parsed (and rejected as not JSON, not as oversized) */
	assert_int_equal(vn_ctl_request_parse(big, VN_CTL_LINE_MAX, &req, msg, sizeof(msg)),
			 -EINVAL);
	free(big);
}

static void test_proto_deep_nesting(void **state)
{
	struct vn_ctl_request req;
	char msg[VN_CTL_MSG_MAX];
	char *deep;
	size_t i, n = 10000;

	(void)state;
	deep = malloc(2 * n + 1);
	assert_non_null(deep);
	for (i = 0; i < n; i++) {
		deep[i] = '[';
		deep[n + i] = ']';
	}
	assert_int_equal(vn_ctl_request_parse(deep, 2 * n, &req, msg, sizeof(msg)), -EINVAL);
	free(deep);
}

static void test_proto_reply_roundtrip(void **state)
{
	struct vn_ctl_reply rep;
	size_t len;
	char *line;

	(void)state;
	line = vn_ctl_reply_ok(9, json_object_new_string("hi"), &len);
	assert_non_null(line);
	assert_int_equal(line[len - 1], '\n');
	assert_int_equal(strlen(line), len);
	assert_int_equal(vn_ctl_reply_parse(line, len - 1, &rep), 0);
	assert_int_equal(rep.id, 9);
	assert_true(rep.ok);
	assert_string_equal(json_object_get_string(rep.result), "hi");
	vn_ctl_reply_fini(&rep);
	free(line);

	line = vn_ctl_reply_error(-1, -ENOENT, "port \"x\" not found", &len);
	assert_non_null(line);
	assert_non_null(strstr(line, "\"code\":\"ENOENT\""));
	assert_non_null(strstr(line, "\"id\":null"));
	assert_int_equal(vn_ctl_reply_parse(line, len - 1, &rep), 0);
	assert_int_equal(rep.id, -1);
	assert_false(rep.ok);
	assert_int_equal(rep.err, -ENOENT);
	assert_string_equal(rep.message, "port \"x\" not found");
	vn_ctl_reply_fini(&rep);
	free(line);

	/* a positive or absurd errno becomes EIO, never a bogus code */
	line = vn_ctl_reply_error(1, 5000, "x", &len);
	assert_non_null(strstr(line, "\"code\":\"EIO\""));
	free(line);
}

static void test_proto_reply_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"", "{}", "{\"v\":1,\"id\":1}", "{\"v\":2,\"id\":1,\"ok\":true}",
		"{\"v\":1,\"id\":1,\"ok\":false}", "{\"v\":1,\"id\":1,\"ok\":false,\"error\":{}}",
		"{\"v\":1,\"id\":1,\"ok\":false,\"error\":{\"errno\":0}}",
		"{\"v\":1,\"id\":\"x\",\"ok\":true}", "[]",
	};
	struct vn_ctl_reply rep;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (vn_ctl_reply_parse(bad[i], strlen(bad[i]), &rep) != -EINVAL)
			fail_msg("reply case %u accepted", i);
		assert_null(rep.root);
	}
}

static void test_proto_request_build_parses_back(void **state)
{
	struct vn_ctl_request req;
	struct json_object *args = json_object_new_object();
	char msg[VN_CTL_MSG_MAX];
	size_t len;
	char *line;

	(void)state;
	json_object_object_add(args, "name", json_object_new_string("vnet/0\"x"));
	line = vn_ctl_request_build(42, vn_ctl_cmd_get(VN_CTL_CMD_PORT_DEL), args, &len);
	assert_non_null(line);
	assert_int_equal(vn_ctl_request_parse(line, len - 1, &req, msg, sizeof(msg)), 0);
	assert_int_equal(req.id, 42);
	assert_ptr_equal(req.cmd, vn_ctl_cmd_get(VN_CTL_CMD_PORT_DEL));
	vn_ctl_request_fini(&req);
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_accepts_port_add),
		cmocka_unit_test(test_proto_args_optional),
		cmocka_unit_test(test_proto_rejects_hostile_table),
		cmocka_unit_test(test_proto_rejects_nul_and_oversize),
		cmocka_unit_test(test_proto_deep_nesting),
		cmocka_unit_test(test_proto_reply_roundtrip),
		cmocka_unit_test(test_proto_reply_rejects_garbage),
		cmocka_unit_test(test_proto_request_build_parses_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/* test_offload_cli.c - vnet-offload's command line and hex parsing, hostile words included */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cmd/offload_cli.h"

static struct vn_offload_args a;
static char err[256];

/* parse a NULL-terminated word list after "vnet-offload" */
static int parse(const char *w0, ...)
{
	char *argv[32] = { "vnet-offload" };
	const char *w = w0;
	int argc = 1;
	va_list ap;

	va_start(ap, w0);
	while (w && argc < 31) {
		argv[argc++] = (char *)w;
		w = va_arg(ap, const char *);
	}
	va_end(ap);
	argv[argc] = NULL;
	return vn_offload_args_parse(argc, argv, &a, err, sizeof(err));
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("status", NULL), 0);
	assert_int_equal(a.cmd, VN_OFFLOAD_STATUS);
	assert_string_equal(a.device, VN_OFFLOAD_DEVICE_DEFAULT);
	assert_string_equal(a.device, "/dev/virtio-ports/org.vnetd.xdp.0");
	assert_int_equal(a.timeout_s, 10);
	assert_false(a.json);
	assert_null(a.btf_obj);
}

static void test_options_anywhere(void **state)
{
	(void)state;
	assert_int_equal(parse("load", "--json", "p.o", "-d", "/run/x.sock", "xdp/foo",
			       "--timeout=3", "--obj", "p.o", NULL), 0);
	assert_int_equal(a.cmd, VN_OFFLOAD_LOAD);
	assert_string_equal(a.obj, "p.o");
	assert_string_equal(a.section, "xdp/foo");
	assert_string_equal(a.device, "/run/x.sock");
	assert_int_equal(a.timeout_s, 3);
	assert_true(a.json);
	assert_string_equal(a.btf_obj, "p.o");
	assert_int_equal(parse("--device=/dev/vport0p1", "-t", "60", "unload", NULL), 0);
	assert_string_equal(a.device, "/dev/vport0p1");
	assert_int_equal(a.timeout_s, 60);
	assert_int_equal(a.cmd, VN_OFFLOAD_UNLOAD);
	/* "--" ends the options: a file named "-x.o" */
	assert_int_equal(parse("load", "--", "-x.o", NULL), 0);
	assert_string_equal(a.obj, "-x.o");
	assert_string_equal(a.section, "");
	assert_false(a.segment_first);
	assert_int_equal(parse("load", "--segment-first", "p.o", NULL), 0);
	assert_true(a.segment_first);
	assert_string_equal(a.obj, "p.o");
}

static void test_help_version(void **state)
{
	(void)state;
	assert_int_equal(parse("--help", NULL), 0);
	assert_true(a.help);
	/* help wins over a broken command line */
	assert_int_equal(parse("map", "bogus", "-h", NULL), 0);
	assert_true(a.help);
	assert_int_equal(parse("-V", NULL), 0);
	assert_true(a.version);
}

static void test_map_commands(void **state)
{
	(void)state;
	assert_int_equal(parse("map", "list", NULL), 0);
	assert_int_equal(a.cmd, VN_OFFLOAD_MAP_LIST);
	assert_int_equal(parse("map", "dump", "icmp_drops", NULL), 0);
	assert_int_equal(a.cmd, VN_OFFLOAD_MAP_DUMP);
	assert_false(a.map.by_handle);
	assert_string_equal(a.map.name, "icmp_drops");
	assert_int_equal(parse("map", "lookup", "3", "00000000", NULL), 0);
	assert_int_equal(a.cmd, VN_OFFLOAD_MAP_LOOKUP);
	assert_true(a.map.by_handle);
	assert_int_equal(a.map.handle, 3);
	assert_string_equal(a.key, "00000000");
	assert_int_equal(parse("map", "update", ".bss", "00000000", "0100000000000000", NULL), 0);
	assert_int_equal(a.cmd, VN_OFFLOAD_MAP_UPDATE);
	assert_string_equal(a.map.name, ".bss");
	assert_string_equal(a.value, "0100000000000000");
	assert_int_equal(a.flags, VN_XO_UPDATE_ANY);
	assert_int_equal(parse("map", "update", "m", "00", "00", "noexist", NULL), 0);
	assert_int_equal(a.flags, VN_XO_UPDATE_NOEXIST);
	assert_int_equal(parse("map", "update", "m", "00", "00", "exist", NULL), 0);
	assert_int_equal(a.flags, VN_XO_UPDATE_EXIST);
	assert_int_equal(parse("map", "delete", "flows", "0a000001", NULL), 0);
	assert_int_equal(a.cmd, VN_OFFLOAD_MAP_DELETE);
}

static void expect_usage(const char *why)
{
	assert_int_not_equal(err[0], '\0');
	if (!strstr(err, why))
		fail_msg("error \"%s\" does not say \"%s\"", err, why);
}

static void test_bad_command_lines(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), -EINVAL);
	expect_usage("no command");
	assert_int_equal(parse("frobnicate", NULL), -EINVAL);
	expect_usage("unknown command \"frobnicate\"");
	assert_int_equal(parse("load", NULL), -EINVAL);
	expect_usage("missing arguments");
	assert_int_equal(parse("load", "a.o", "xdp", "extra", NULL), -EINVAL);
	expect_usage("too many arguments");
	assert_int_equal(parse("load", "a.o", "bad section!", NULL), -EINVAL);
	expect_usage("SECTION");
	assert_int_equal(parse("unload", "now", NULL), -EINVAL);
	expect_usage("too many");
	assert_int_equal(parse("--segment-first", "status", NULL), -EINVAL);
	expect_usage("--segment-first goes with load only");
	assert_int_equal(parse("load", "--segment-firstt", "a.o", NULL), -EINVAL);
	expect_usage("unknown option");
	assert_int_equal(parse("map", NULL), -EINVAL);
	expect_usage("want list, dump");
	assert_int_equal(parse("map", "show", NULL), -EINVAL);
	expect_usage("(not \"show\")");
	assert_int_equal(parse("map", "lookup", "m", NULL), -EINVAL);
	expect_usage("map lookup MAP KEY");
	assert_int_equal(parse("map", "update", "m", "00", "00", "always", NULL), -EINVAL);
	expect_usage("flag \"always\"");
	assert_int_equal(parse("map", "dump", "no$such", NULL), -EINVAL);
	expect_usage("MAP \"no$such\"");
	assert_int_equal(parse("map", "dump", "65536", NULL), -EINVAL);
	assert_int_equal(parse("map", "dump",
			       "a234567890123456789012345678901234567890123456789012345678901234",
			       NULL), -EINVAL);
	assert_int_equal(parse("--nope", "status", NULL), -EINVAL);
	expect_usage("unknown option \"--nope\"");
	assert_int_equal(parse("status", "--device", NULL), -EINVAL);
	expect_usage("--device needs a PATH");
	assert_int_equal(parse("status", "--device=", NULL), -EINVAL);
	assert_int_equal(parse("status", "--obj", NULL), -EINVAL);
	/* the option's name, exactly: --devices is not --device */
	assert_int_equal(parse("--devices", "x", "status", NULL), -EINVAL);
	assert_int_equal(parse("map", "update", "a", "b", "c", "any", "x", "y", "z", NULL),
			 -EINVAL);
	expect_usage("too many arguments");
}

static void test_timeout(void **state)
{
	static const char *const bad[] = { "0", "-1", "3601", "1x", "", "x", "99999999999999999999",
					   " 5" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse("--timeout", bad[i], "status", NULL), -EINVAL);
		expect_usage("--timeout");
	}
	assert_int_equal(parse("status", "-t", NULL), -EINVAL);
	assert_int_equal(parse("--timeout", "3600", "status", NULL), 0);
	assert_int_equal(a.timeout_s, 3600);
}

static void test_hex(void **state)
{
	uint8_t out[8];
	size_t n;

	(void)state;
	assert_int_equal(vn_offload_hex_parse("00ff7Fa0", out, sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "\x00\xff\x7f\xa0", 4);
	assert_int_equal(vn_offload_hex_parse("0102030405060708", out, 8, &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(vn_offload_hex_parse("010203040506070809", out, 8, &n), -E2BIG);
	assert_int_equal(n, 0);
	assert_int_equal(vn_offload_hex_parse("", out, 8, &n), -EINVAL);
	assert_int_equal(vn_offload_hex_parse("0", out, 8, &n), -EINVAL);
	assert_int_equal(vn_offload_hex_parse("012", out, 8, &n), -EINVAL);
	assert_int_equal(vn_offload_hex_parse("0g", out, 8, &n), -EINVAL);
	assert_int_equal(vn_offload_hex_parse("0x01", out, 8, &n), -EINVAL);
	assert_int_equal(vn_offload_hex_parse("01 02", out, 8, &n), -EINVAL);
	assert_int_equal(vn_offload_hex_parse("\xff\xfe", out, 8, &n), -EINVAL);
	assert_int_equal(vn_offload_hex_parse("-1", out, 8, &n), -EINVAL);
}

static void test_hex_format(void **state)
{
	char buf[9];

	(void)state;
	vn_offload_hex_format((const uint8_t *)"\x00\xab\xcd\xef", 4, buf, sizeof(buf));
	assert_string_equal(buf, "00abcdef");
	/* too small: cut at a byte, NUL-terminated */
	vn_offload_hex_format((const uint8_t *)"\x01\x02\x03\x04\x05", 5, buf, sizeof(buf));
	assert_string_equal(buf, "01020304");
	vn_offload_hex_format((const uint8_t *)"\x01", 1, buf, 2);
	assert_string_equal(buf, "");
	vn_offload_hex_format(NULL, 0, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_mapref(void **state)
{
	struct vn_xo_mapref r;

	(void)state;
	assert_int_equal(vn_offload_mapref_parse("0", &r), 0);
	assert_true(r.by_handle);
	assert_int_equal(r.handle, 0);
	assert_int_equal(vn_offload_mapref_parse("65535", &r), 0);
	assert_int_equal(r.handle, 65535);
	assert_int_equal(vn_offload_mapref_parse("65536", &r), -EINVAL);
	assert_int_equal(vn_offload_mapref_parse("123456", &r), -EINVAL);
	assert_int_equal(vn_offload_mapref_parse("my_map", &r), 0);
	assert_false(r.by_handle);
	assert_string_equal(r.name, "my_map");
	assert_int_equal(vn_offload_mapref_parse("1a", &r), 0);	/* not all digits: a name */
	assert_false(r.by_handle);
	assert_int_equal(vn_offload_mapref_parse("", &r), -EINVAL);
	assert_int_equal(vn_offload_mapref_parse("a b", &r), -EINVAL);
	assert_int_equal(vn_offload_mapref_parse("a\n", &r), -EINVAL);
}

static void test_flags(void **state)
{
	uint32_t f = 99;

	(void)state;
	assert_int_equal(vn_offload_flags_parse("any", &f), 0);
	assert_int_equal(f, VN_XO_UPDATE_ANY);
	assert_int_equal(vn_offload_flags_parse("ANY", &f), -EINVAL);
	assert_int_equal(vn_offload_flags_parse("", &f), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options_anywhere),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_map_commands),
		cmocka_unit_test(test_bad_command_lines),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_hex_format),
		cmocka_unit_test(test_mapref),
		cmocka_unit_test(test_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/* test_offload_tool.c - the vnet-offload binary against an in-process offload server
 *
 * argv[1]: the vnet-offload binary, argv[2]: an XDP object (drop_icmp.bpf.o,
 * with BTF). The server (xo_fake_server.c) is the real stream engine with a
 * handler answering as vnetd does; the e2e tests (tests/e2e/090_*) run the
 * tool against vnetd itself.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "xo_fake_server.h"

static const char *tool, *obj;
static char dir[64], sock[128];
static char out[65536];

/* run the tool with @fmt's arguments; its stdout+stderr in @out; its exit status */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[2048];
	size_t n = 0;
	va_list ap;
	FILE *p;
	int st, len;

	len = snprintf(cmd, sizeof(cmd), "%s ", tool);
	va_start(ap, fmt);
	vsnprintf(cmd + len, sizeof(cmd) - (size_t)len - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	p = popen(cmd, "r");
	assert_non_null(p);
	while (n < sizeof(out) - 1) {
		size_t r = fread(out + n, 1, sizeof(out) - 1 - n, p);

		if (!r)
			break;
		n += r;
	}
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void expect(const char *s)
{
	if (!strstr(out, s))
		fail_msg("output does not contain \"%s\":\n%s", s, out);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vnxo-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/xo.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rmdir(dir);
	return 0;
}

/* the server comes up 700 ms after the tool started: the tool retries */
static void test_waits_for_the_socket(void **state)
{
	(void)state;
	assert_int_equal(xo_fake_start(sock, 700), 0);
	assert_int_equal(run("--device %s --timeout 20 status", sock), 0);
	expect("program   none");
	xo_fake_stop();
}

static void test_no_server(void **state)
{
	(void)state;
	assert_int_equal(run("--device %s --timeout 1 status", sock), 1);
	expect("Error: ");
	expect("gave up after 1 s");
}

static void test_usage_exit(void **state)
{
	(void)state;
	assert_int_equal(run("map lookup"), 255);
	expect("Try \"vnet-offload --help\"");
	assert_int_equal(run("--help"), 0);
	expect("Usage: vnet-offload");
	assert_int_equal(run("--version"), 0);
	expect("offload protocol 1");
}

static void test_session(void **state)
{
	(void)state;
	assert_int_equal(xo_fake_start(sock, 0), 0);

	/* before a load: vnetd's reason, exit 1 */
	assert_int_equal(run("-d %s unload", sock), 1);
	expect("Error: no guest program loaded");
	assert_int_equal(run("-d %s map list", sock), 1);
	expect("no guest program loaded");

	/* a file that is not an object: refused by the server, said so */
	assert_int_equal(run("-d %s load /etc/hostname", sock), 1);
	expect("Error: object is not an ELF file");
	assert_int_equal(run("-d %s load %s/absent.o", sock, dir), 1);
	expect("No such file or directory");

	assert_int_equal(run("-d %s load %s", sock, obj), 0);
	assert_string_equal(out, "");		/* state changes print nothing */
	assert_int_equal(run("-d %s status", sock), 0);
	expect("program   xdp: 17 instructions (limit 16384), 2 maps (limit 16)");
	expect("memory    4.1kB of 16.8MB");
	expect("verdicts  runs 5  pass 2  drop 3  tx 0  aborted 0");
	assert_int_equal(run("-d %s --json status", sock), 0);
	expect("{\"loaded\":true,\"section\":\"xdp\",\"insns\":17,");
	expect("\"xdp_drop\":3");

	assert_int_equal(run("-d %s map list", sock), 0);
	expect("HANDLE  NAME        TYPE   KEY  VALUE  MAX  ENTRIES    MEM");
	expect("     0  icmp_drops  array    4      8    1        1    64B");
	expect("     1  flows       hash     4      4   16        0");
	assert_int_equal(run("-d %s -j map list", sock), 0);
	expect("[{\"handle\":0,\"name\":\"icmp_drops\",\"type\":\"array\",\"key_size\":4,");

	/* keys are checked against the map's size before anything is sent */
	assert_int_equal(run("-d %s map lookup icmp_drops 00", sock), 1);
	expect("Error: KEY must be 4 bytes in hex (8 hex digits)");
	assert_int_equal(run("-d %s map update icmp_drops 00000000 01", sock), 1);
	expect("Error: VALUE must be 8 bytes in hex (16 hex digits)");
	assert_int_equal(run("-d %s map lookup icmp_drops zz000000", sock), 1);
	expect("KEY must be 4 bytes");
	assert_int_equal(run("-d %s map dump nosuch", sock), 1);
	expect("Error: no map \"nosuch\" in the offloaded program (2 maps");
	assert_int_equal(run("-d %s map dump 7", sock), 1);
	expect("no map with handle 7");

	assert_int_equal(run("-d %s map update icmp_drops 00000000 2a00000000000000", sock), 0);
	assert_int_equal(run("-d %s map lookup icmp_drops 00000000", sock), 0);
	expect("00000000  2a00000000000000");
	/* by handle, and by BTF field names with --obj (drop_icmp's __u32 -> __u64) */
	assert_int_equal(run("-d %s --obj %s map lookup 0 00000000", sock, obj), 0);
	expect("KEY  VALUE");
	expect("0    42");
	assert_int_equal(run("-d %s --obj %s --json map dump icmp_drops", sock, obj), 0);
	expect("\"entries\":[{\"key\":\"00000000\",\"value\":\"2a00000000000000\","
	       "\"formatted\":{\"key\":0,\"value\":42}}]");
	assert_int_equal(run("-d %s --obj /etc/hostname map dump icmp_drops", sock), 1);
	expect("--obj /etc/hostname: not a loadable BPF object");

	/* a hash: flags, delete, and a dump of five entries in pages of two */
	for (int i = 1; i <= 5; i++)
		assert_int_equal(run("-d %s map update flows 0%d000000 0%d0%d0000 noexist", sock,
				     i, i, i), 0);
	assert_int_equal(run("-d %s map update flows 01000000 00000000 noexist", sock), 1);
	expect("Error: key exists in map \"flows\"");
	assert_int_equal(run("-d %s map update flows 09000000 00000000 exist", sock), 1);
	expect("key not found");
	assert_int_equal(run("-d %s map dump flows", sock), 0);
	for (int i = 1; i <= 5; i++) {
		char row[64];

		snprintf(row, sizeof(row), "0%d000000  0%d0%d0000", i, i, i);
		expect(row);
	}
	assert_int_equal(run("-d %s map delete flows 03000000", sock), 0);
	assert_int_equal(run("-d %s map delete flows 03000000", sock), 1);
	expect("Error: key not found in map \"flows\"");
	assert_int_equal(run("-d %s map delete icmp_drops 00000000", sock), 1);
	expect("cannot be deleted");
	assert_int_equal(run("-d %s -j map dump flows", sock), 0);
	assert_null(strstr(out, "03000000"));
	expect("\"key\":\"05000000\"");

	assert_int_equal(run("-d %s unload", sock), 0);
	assert_int_equal(run("-d %s status", sock), 0);
	expect("program   none");
	assert_true(xo_fake_loads() >= 2);
	xo_fake_stop();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage_exit),
		cmocka_unit_test(test_no_server),
		cmocka_unit_test(test_waits_for_the_socket),
		cmocka_unit_test(test_session),
	};

	if (argc < 3) {
		fprintf(stderr, "usage: %s VNET_OFFLOAD PROG.bpf.o\n", argv[0]);
		return 2;
	}
	tool = argv[1];
	obj = argv[2];
	return cmocka_run_group_tests(tests, setup, teardown);
}

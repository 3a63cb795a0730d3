// SPDX-License-Identifier: MIT
/* test_log.c - the log sink, levels, and error capture for control replies */
#include <pthread.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/log.h"

static char sunk[8][128];
static unsigned int nsunk;

static void sink(enum vn_log_level level, const char *msg)
{
	(void)level;
	if (nsunk < 8)
		snprintf(sunk[nsunk++], sizeof(sunk[0]), "%s", msg);
}

static int setup(void **state)
{
	(void)state;
	nsunk = 0;
	vn_log_set_sink(sink);
	vn_log_set_level(VN_LOG_INFO);
	return 0;
}

/* The first error goes to the buffer only; later errors and other levels to the sink */
static void test_capture_first_error(void **state)
{
	struct vn_log_capture cap;
	char buf[64] = "stale";

	(void)state;
	vn_log_capture_begin(&cap, buf, sizeof(buf));
	assert_string_equal(buf, "");
	vn_info("port 'a': tap created");
	vn_err("port 'a': bad value '%d' for 'vlan'", 5000);
	vn_err("port 'a': second error");
	vn_log_capture_end(&cap);
	vn_err("after the capture");
	assert_string_equal(buf, "port 'a': bad value '5000' for 'vlan'");
	assert_int_equal(nsunk, 3);
	assert_string_equal(sunk[0], "port 'a': tap created");
	assert_string_equal(sunk[1], "port 'a': second error");
	assert_string_equal(sunk[2], "after the capture");
}

/* -q (errors only) does not hide the reason from a reply; a long message is cut */
static void test_capture_level_and_truncation(void **state)
{
	struct vn_log_capture cap;
	char buf[8];

	(void)state;
	vn_log_set_level(VN_LOG_ERR);
	vn_log_capture_begin(&cap, buf, sizeof(buf));
	vn_err("0123456789");
	vn_log_capture_end(&cap);
	assert_string_equal(buf, "0123456");
	assert_int_equal(nsunk, 0);
}

/* An inner capture takes the errors until it ends, then the outer one resumes */
static void test_capture_nested(void **state)
{
	struct vn_log_capture outer, inner;
	char a[32], b[32];

	(void)state;
	vn_log_capture_begin(&outer, a, sizeof(a));
	vn_log_capture_begin(&inner, b, sizeof(b));
	vn_err("inner");
	vn_log_capture_end(&inner);
	vn_err("outer");
	vn_log_capture_end(&outer);
	assert_string_equal(b, "inner");
	assert_string_equal(a, "outer");
	assert_int_equal(nsunk, 0);
}

static void *other_thread(void *arg)
{
	(void)arg;
	vn_err("from a worker");
	return NULL;
}

/* Another thread's errors (a worker's) are not taken for this thread's request */
static void test_capture_per_thread(void **state)
{
	struct vn_log_capture cap;
	pthread_t t;
	char buf[32];

	(void)state;
	vn_log_capture_begin(&cap, buf, sizeof(buf));
	assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	vn_log_capture_end(&cap);
	assert_string_equal(buf, "");
	assert_int_equal(nsunk, 1);
	assert_string_equal(sunk[0], "from a worker");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_capture_first_error, setup),
		cmocka_unit_test_setup(test_capture_level_and_truncation, setup),
		cmocka_unit_test_setup(test_capture_nested, setup),
		cmocka_unit_test_setup(test_capture_per_thread, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

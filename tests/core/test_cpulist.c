// SPDX-License-Identifier: MIT
/* test_cpulist.c - CPU list parsing: good lists, hostile text */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/cpulist.h"

static void test_good(void **state)
{
	unsigned int cpus[VN_CPULIST_MAX], n;

	(void)state;
	assert_int_equal(vn_cpulist_parse("0", cpus, VN_CPULIST_MAX, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cpus[0], 0);
	assert_int_equal(vn_cpulist_parse("3,1,4-6", cpus, VN_CPULIST_MAX, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(cpus[0], 3);
	assert_int_equal(cpus[1], 1);
	assert_int_equal(cpus[2], 4);
	assert_int_equal(cpus[4], 6);
	assert_int_equal(vn_cpulist_parse("7-7", cpus, VN_CPULIST_MAX, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(vn_cpulist_parse("4095", cpus, VN_CPULIST_MAX, &n), 0);
	assert_int_equal(cpus[0], 4095);
}

static void test_hostile(void **state)
{
	static const char *const bad[] = {
		"", "-", ",", "1,", ",1", "1,,2", "1 2", " 1", "1-", "-1", "5-2", "1-2-3",
		"1,1", "0-3,2", "a", "1x", "0x1", "4096", "99999999999999999999",
		"4000-4096", "+1", "1\n",
	};
	unsigned int cpus[VN_CPULIST_MAX], n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = vn_cpulist_parse(bad[i], cpus, VN_CPULIST_MAX, &n);

		if (rc != -EINVAL)
			fail_msg("'%s': %d, want -EINVAL", bad[i], rc);
	}
	assert_int_equal(vn_cpulist_parse(NULL, cpus, VN_CPULIST_MAX, &n), -EINVAL);
}

static void test_room(void **state)
{
	unsigned int cpus[4], n;

	(void)state;
	assert_int_equal(vn_cpulist_parse("0-3", cpus, 4, &n), 0);
	assert_int_equal(n, 4);
	/* never writes past @max */
	assert_int_equal(vn_cpulist_parse("0-4095", cpus, 4, &n), -E2BIG);
	assert_int_equal(n, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

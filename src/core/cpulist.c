// SPDX-License-Identifier: MIT
/* cpulist.c - CPU lists as taskset -c and /sys/devices/system/cpu/online write them */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/cpulist.h"

/* One decimal number at *p, advancing *p; false if none or too big */
static bool cpu_num(const char **p, unsigned int *v)
{
	unsigned int x = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		x = x * 10 + (unsigned int)(*s - '0');
		/* "99999999999": checked before it can wrap */
		if (x > VN_CPU_ID_MAX)
			return false;
		s++;
	}
	*p = s;
	*v = x;
	return true;
}

int vn_cpulist_parse(const char *s, unsigned int *cpus, unsigned int max, unsigned int *n)
{
	uint64_t seen[(VN_CPU_ID_MAX + 64) / 64] = { 0 };
	unsigned int a, b, c;

	*n = 0;
	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		if (!cpu_num(&s, &a))
			return -EINVAL;
		b = a;
		if (*s == '-') {
			s++;
			/* "5-2": a descending range is a typo, not an empty set */
			if (!cpu_num(&s, &b) || b < a)
				return -EINVAL;
		}
		for (c = a; c <= b; c++) {
			/* "1,1" or "0-3,2": each CPU once */
			if (seen[c / 64] & (1ULL << (c % 64)))
				return -EINVAL;
			seen[c / 64] |= 1ULL << (c % 64);
			if (*n >= max)
				return -E2BIG;
			cpus[(*n)++] = c;
		}
		if (*s == '\0')
			return 0;
		/* "1,,2", "1,", "1 2", "1x": only commas separate items */
		if (*s != ',')
			return -EINVAL;
		s++;
	}
}

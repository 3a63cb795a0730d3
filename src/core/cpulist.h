/* SPDX-License-Identifier: MIT */
/* cpulist.h - CPU lists as taskset -c and /sys/devices/system/cpu/online write them */
#ifndef VN_CORE_CPULIST_H
#define VN_CORE_CPULIST_H

#define VN_CPULIST_MAX		64	/* entries kept: one per worker at most */
#define VN_CPU_ID_MAX		4095	/* highest CPU number accepted (CONFIG_NR_CPUS scale) */

/**
 * vn_cpulist_parse() - Parse "0", "2-5", "0,2,4-7" into CPU numbers, in order
 * @s:		text: comma-separated CPU numbers or ascending ranges A-B
 * @cpus:	output, the CPUs in the order written (ranges expanded)
 * @max:	room in @cpus
 * @n:		output: entries stored
 *
 * A CPU may appear only once. No spaces, no empty items.
 *
 * Return: 0, -EINVAL for malformed text (descending range, repeated CPU, a
 * number above VN_CPU_ID_MAX), -E2BIG for more than @max CPUs
 */
int vn_cpulist_parse(const char *s, unsigned int *cpus, unsigned int max, unsigned int *n);

#endif /* VN_CORE_CPULIST_H */

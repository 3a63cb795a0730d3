/* SPDX-License-Identifier: MIT */
/* clock.h - the monotonic clock, in the units the callers count in */
#ifndef VN_CORE_CLOCK_H
#define VN_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

/**
 * vn_mono_ns() - CLOCK_MONOTONIC in nanoseconds (vDSO: no system call)
 *
 * Return: nanoseconds since an arbitrary point (boot); never goes back
 */
static inline uint64_t vn_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/**
 * vn_mono_ms() - CLOCK_MONOTONIC in milliseconds (timeouts)
 *
 * Return: vn_mono_ns() / 1e6
 */
static inline uint64_t vn_mono_ms(void)
{
	return vn_mono_ns() / 1000000u;
}

/**
 * vn_mono_sec() - CLOCK_MONOTONIC in whole seconds (ageing, idle clients)
 *
 * Return: vn_mono_ns() / 1e9
 */
static inline uint64_t vn_mono_sec(void)
{
	return vn_mono_ns() / 1000000000u;
}

#endif /* VN_CORE_CLOCK_H */

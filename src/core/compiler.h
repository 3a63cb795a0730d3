/* SPDX-License-Identifier: MIT */
/* compiler.h - branch hints, assertions for our own invariants, small helpers
 *
 * VN_ASSERT() is for invariants of vnetd's own code only: never for bytes that
 * came from a guest, a tap, a pcap file, a control client or a BPF program.
 */
#ifndef VN_CORE_COMPILER_H
#define VN_CORE_COMPILER_H

#include <stdio.h>
#include <stdlib.h>

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define VN_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define VN_MIN(a, b)		((a) < (b) ? (a) : (b))
#define VN_MAX(a, b)		((a) > (b) ? (a) : (b))
#define VN_ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))

#define VN_ASSERT(cond)							\
	do {								\
		if (unlikely(!(cond))) {				\
			fprintf(stderr, "vnetd: assertion '%s' failed at %s:%d\n", \
				#cond, __FILE__, __LINE__);		\
			abort();					\
		}							\
	} while (0)

#endif /* VN_CORE_COMPILER_H */

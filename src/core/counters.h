/* SPDX-License-Identifier: MIT */
/* counters.h - one mechanism for every set of counters: an X() list, its struct, its table
 *
 * A set of counters is one X-macro list of names (VN_DROP_REASONS for drop
 * reasons, VN_FDB_COUNTERS, VN_SW_WORKER_COUNTERS, VN_VQ_COUNTERS,
 * VN_SW_CAPTURE_COUNTERS, ...). From the list come the struct's uint64_t
 * fields (VN_COUNTER_FIELD), the count (VN_COUNTER_COUNT) and a
 * {name, offsetof} table (VN_COUNTER_DESC): the control plane writes any
 * such struct with one function, vnetctl prints it with one printer, and a
 * counter added to a list shows everywhere with no other edit.
 */
#ifndef VN_CORE_COUNTERS_H
#define VN_CORE_COUNTERS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/**
 * struct vn_counter_desc - one counter of a stats struct
 * @name:	name shown by vnetctl, used in JSON and by tests ("rx_packets")
 * @offset:	offsetof() its uint64_t in the struct
 */
struct vn_counter_desc {
	const char *name;
	size_t offset;
};

/* X() helpers: a field, one more in a count, a table entry of struct @T */
#define VN_COUNTER_FIELD(name)		uint64_t name;
#define VN_COUNTER_COUNT(name)		+ 1
#define VN_COUNTER_DESC(T, name)	{ #name, offsetof(T, name) },

/*
 * VN_COUNTERS_DECLARE() - A stats struct, its counter count and its table, from one list
 * @T:		the struct ("struct vn_fdb_stats")
 * @LIST:	its X() list of counter names
 * @N:		name of the count constant
 * @DESCS:	name of the {name, offsetof} table, defined in one .c file with
 *		VN_COUNTER_T set to @T: { LIST(VN_COUNTER_DESC_OF) }
 */
#define VN_COUNTERS_DECLARE(T, LIST, N, DESCS)		\
	T { LIST(VN_COUNTER_FIELD) };			\
	enum { N = 0 LIST(VN_COUNTER_COUNT) };		\
	extern const struct vn_counter_desc DESCS[N]

/* A table entry of the struct VN_COUNTER_T names where the table is defined */
#define VN_COUNTER_DESC_OF(name)	VN_COUNTER_DESC(VN_COUNTER_T, name)

/**
 * vn_counter_read() - One counter of a stats struct, by its table entry
 * @st:		the struct (read racily: one writer, 64-bit loads do not tear)
 * @d:		the counter's entry in the struct's table
 *
 * Return: its value
 */
static inline uint64_t vn_counter_read(const void *st, const struct vn_counter_desc *d)
{
	uint64_t v;

	memcpy(&v, (const char *)st + d->offset, sizeof(v));
	return v;
}

#endif /* VN_CORE_COUNTERS_H */

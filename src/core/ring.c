// SPDX-License-Identifier: MIT
/* ring.c - bulk rings of pointers: SPSC and MPSC, one acquire/release per burst */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "ring.h"

int vn_ring_create(unsigned int size, unsigned int flags, struct vn_ring **out)
{
	struct vn_ring *r;
	size_t bytes;

	*out = NULL;
	/* Not a power of two, too small to be a ring, or absurdly large */
	if (size < 2 || size > VN_RING_SIZE_MAX || (size & (size - 1)))
		return -EINVAL;
	/* A flag this version does not know */
	if (flags & ~VN_RING_MP)
		return -EINVAL;
	bytes = VN_ALIGN_UP(sizeof(*r) + (size_t)size * sizeof(void *),
			    (size_t)VN_RING_CACHE_LINE);
	r = aligned_alloc(VN_RING_CACHE_LINE, bytes);
	if (!r)
		return -ENOMEM;
	memset(r, 0, bytes);
	r->size = size;
	r->mask = size - 1;
	r->flags = flags;
	*out = r;
	return 0;
}

void vn_ring_destroy(struct vn_ring *r)
{
	free(r);
}

/* Copy @n pointers into the slots from index @idx, wrapping once at most */
static inline void slots_write(struct vn_ring *r, uint32_t idx, void *const *objs,
			       unsigned int n)
{
	uint32_t at = idx & r->mask;
	uint32_t first = VN_MIN(n, r->size - at);

	memcpy(&r->slots[at], objs, first * sizeof(void *));
	if (n > first)
		memcpy(&r->slots[0], objs + first, (n - first) * sizeof(void *));
}

static inline void slots_read(const struct vn_ring *r, uint32_t idx, void **objs,
			      unsigned int n)
{
	uint32_t at = idx & r->mask;
	uint32_t first = VN_MIN(n, r->size - at);

	memcpy(objs, &r->slots[at], first * sizeof(void *));
	if (n > first)
		memcpy(objs + first, &r->slots[0], (n - first) * sizeof(void *));
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Single producer: nobody else moves prod.head, so no CAS */
static unsigned int enqueue_sp(struct vn_ring *r, void *const *objs, unsigned int n)
{
	uint32_t head = r->prod.head;
	/* Acquire: the consumer's reads of the slots it freed are done */
	uint32_t cons = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
	uint32_t free_slots = r->size - (head - cons);

	n = VN_MIN(n, free_slots);
	if (!n)
		return 0;
	slots_write(r, head, objs, n);
	/* Only vn_ring_free_count() reads it from another thread */
	__atomic_store_n(&r->prod.head, head + n, __ATOMIC_RELAXED);
	/* Release: the slot writes are visible before the new tail */
	__atomic_store_n(&r->prod.tail, head + n, __ATOMIC_RELEASE);
	return n;
}

/* Several producers: reserve with a CAS, publish in reservation order */
static unsigned int enqueue_mp(struct vn_ring *r, void *const *objs, unsigned int n)
{
	uint32_t head, cons, free_slots;
	unsigned int spins = 0;

	head = __atomic_load_n(&r->prod.head, __ATOMIC_ACQUIRE);
	do {
		cons = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
		free_slots = r->size - (head - cons);
		/* A stale @head can make this look larger than the ring;
		 * the CAS below then fails and we retry with a fresh one.
		 */
		n = VN_MIN(n, free_slots);
		if (!n)
			return 0;
	} while (!__atomic_compare_exchange_n(&r->prod.head, &head, head + n, true,
					      __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE));
	slots_write(r, head, objs, n);
	/* Earlier reservations publish first. Acquire makes their slot
	 * writes happen-before our release, hence visible to the consumer.
	 */
	while (__atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE) != head) {
		if (++spins < 64) {
			cpu_relax();
		} else {
			spins = 0;
			sched_yield();
		}
	}
	__atomic_store_n(&r->prod.tail, head + n, __ATOMIC_RELEASE);
	return n;
}

unsigned int vn_ring_enqueue_burst(struct vn_ring *r, void *const *objs, unsigned int n)
{
	if (r->flags & VN_RING_MP)
		return enqueue_mp(r, objs, n);
	return enqueue_sp(r, objs, n);
}

unsigned int vn_ring_dequeue_burst(struct vn_ring *r, void **objs, unsigned int n)
{
	uint32_t head = r->cons.head;
	/* Acquire: the producers' slot writes up to prod.tail are visible */
	uint32_t prod = __atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE);

	n = VN_MIN(n, prod - head);
	if (!n)
		return 0;
	slots_read(r, head, objs, n);
	r->cons.head = head + n;
	/* Release: our slot reads are done before producers may reuse them */
	__atomic_store_n(&r->cons.tail, head + n, __ATOMIC_RELEASE);
	return n;
}

unsigned int vn_ring_count(const struct vn_ring *r)
{
	/* Consumer index first: prod.tail read afterwards is never behind it */
	uint32_t cons = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
	uint32_t prod = __atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE);

	return VN_MIN(prod - cons, r->size);
}

unsigned int vn_ring_free_count(const struct vn_ring *r)
{
	uint32_t cons = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
	uint32_t head = __atomic_load_n(&r->prod.head, __ATOMIC_ACQUIRE);

	return r->size - VN_MIN(head - cons, r->size);
}

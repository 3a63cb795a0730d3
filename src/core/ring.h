/* SPDX-License-Identifier: MIT */
/* ring.h - bulk rings of pointers between threads (SPSC and MPSC)
 *
 * A ring is a power-of-two array of `void *` slots with free-running 32-bit
 * producer and consumer indices (index & mask picks the slot; unsigned
 * subtraction gives the fill level, so all @size slots are usable). The
 * producer and consumer state sit on separate cache lines so the two sides
 * only share a line when one reads the other's published index.
 *
 * Burst semantics: enqueue and dequeue move as many pointers as fit, from 0
 * up to @n, and return how many they moved ("all or some"). A caller that
 * got fewer than it asked for still owns the rest.
 *
 * Synchronisation (one acquire/release pair per burst, never per pointer):
 *  - producer: reads cons.tail with acquire (the consumer has finished
 *    reading the slots it freed), writes the slots, publishes prod.tail
 *    with release;
 *  - consumer: reads prod.tail with acquire (the slots are written), reads
 *    them, publishes cons.tail with release.
 *  - multi-producer (VN_RING_MP): producers reserve [head, head + n) with a
 *    CAS on prod.head, fill their slots, then wait until prod.tail reaches
 *    their head (earlier reservations published) and release prod.tail past
 *    their own slots. The wait loads prod.tail with acquire so the chain of
 *    publications is transitive to the consumer. A producer preempted
 *    between reservation and publication stalls the later ones (as in every
 *    ring of this kind); the wait yields the CPU after a short spin.
 *
 * One consumer only: dequeue must not be called from two threads at once.
 */
#ifndef VN_CORE_RING_H
#define VN_CORE_RING_H

#include <stdint.h>

#define VN_RING_MP		1u		/* several threads may enqueue */
#define VN_RING_SIZE_MAX	(1u << 24)
#define VN_RING_CACHE_LINE	64

/**
 * struct vn_ring_side - one side's indices, alone on its cache line
 * @head:	next index to reserve (producer) / to read (consumer)
 * @tail:	published index: slots before it are handed to the other side
 */
struct vn_ring_side {
	_Alignas(VN_RING_CACHE_LINE) uint32_t head;
	uint32_t tail;
};

/**
 * struct vn_ring - a ring of pointers
 * @prod:	producer indices
 * @cons:	consumer indices
 * @size:	slots, a power of two
 * @mask:	@size - 1
 * @flags:	VN_RING_* given at creation
 * @slots:	the pointers
 */
struct vn_ring {
	struct vn_ring_side prod;
	struct vn_ring_side cons;
	_Alignas(VN_RING_CACHE_LINE) uint32_t size;
	uint32_t mask;
	uint32_t flags;
	void *slots[];
};

/**
 * vn_ring_create() - Allocate an empty ring
 * @size:	slots, a power of two from 2 to VN_RING_SIZE_MAX
 * @flags:	0 (single producer) or VN_RING_MP
 * @out:	the ring
 *
 * Return: 0, -EINVAL for a bad @size or unknown @flags, -ENOMEM
 */
int vn_ring_create(unsigned int size, unsigned int flags, struct vn_ring **out);

/**
 * vn_ring_destroy() - Free a ring (pointers still in it are not touched)
 * @r:		ring, may be NULL
 */
void vn_ring_destroy(struct vn_ring *r);

/**
 * vn_ring_enqueue_burst() - Append up to @n pointers
 * @r:		ring
 * @objs:	pointers to append, in order
 * @n:		how many
 *
 * Safe from several threads at once only if the ring was created with
 * VN_RING_MP. Each producer's pointers leave the ring in its order.
 *
 * Return: pointers appended (the first ones of @objs), 0 if the ring is full
 */
unsigned int vn_ring_enqueue_burst(struct vn_ring *r, void *const *objs, unsigned int n);

/**
 * vn_ring_dequeue_burst() - Take up to @n pointers (single consumer)
 * @r:		ring
 * @objs:	output array, at least @n entries
 * @n:		how many wanted
 *
 * Return: pointers taken, 0 if the ring is empty
 */
unsigned int vn_ring_dequeue_burst(struct vn_ring *r, void **objs, unsigned int n);

/**
 * vn_ring_count() - Pointers in the ring (racy snapshot, for stats and tests)
 * @r:		ring
 *
 * Return: published pointers not yet dequeued
 */
unsigned int vn_ring_count(const struct vn_ring *r);

/**
 * vn_ring_free_count() - Slots a producer could reserve now (racy snapshot)
 * @r:		ring
 *
 * Return: @size minus the pointers in the ring and the slots reserved by
 *	   producers that have not published yet
 */
unsigned int vn_ring_free_count(const struct vn_ring *r);

#endif /* VN_CORE_RING_H */

// SPDX-License-Identifier: MIT
/* test_vq.c - split virtqueue: chain walk checks, used ring, notification suppression
 *
 * The queue runs over "guest memory" that is two malloc'd blocks posing as
 * two adjacent guest-physical regions; the driver side is written by hand.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "virtio/efd_guard.h"
#include "virtio/vq.h"
#include "fake_guest.h"

/*
 * poll() is wrapped (-Wl,--wrap=poll): with fake_pollout set it reports
 * every fd writable, which is what a front-end that fills its counter right
 * after vq.c's poll() looks like from the device's side.
 */
int __real_poll(struct pollfd *fds, nfds_t n, int timeout);
int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout);
static bool fake_pollout;

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (!fake_pollout)
		return __real_poll(fds, n, timeout);
	for (nfds_t i = 0; i < n; i++)
		fds[i].revents = fds[i].events & POLLOUT;
	return (int)n;
}

#define REG		0x10000u		/* each region: 64 KiB */
#define QS		16			/* small ring for most cases */
#define BIGQS		256

struct fx {
	struct vn_vu_mem mem;
	uint8_t *r0, *r1;
	struct vn_vq vq;
	struct vn_vring_desc *desc;
	struct vn_vring_avail *avail;
	struct vn_vring_used *used;
	struct vn_vq_chain c;
};

/* Guest layout: region 0 = gpa [0, 64K) (rings at 0, 0x1000, 0x2000), region 1 = [64K, 128K) */
static struct fx *fx_new(uint16_t qsize, bool device_writes)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_int_equal(fake_guest_vq(&f->mem, &f->r0, &f->r1, REG, &f->vq, qsize,
				       device_writes, false), 0);
	f->desc = (void *)f->r0;
	f->avail = (void *)(f->r0 + 0x1000);
	f->used = (void *)(f->r0 + 0x2000);
	return f;
}

static void fx_free(struct fx *f)
{
	free(f->r0);
	free(f->r1);
	free(f);
}

static void put(struct vn_vring_desc *tbl, uint16_t i, uint64_t addr, uint32_t len,
		uint16_t flags, uint16_t next)
{
	tbl[i] = (struct vn_vring_desc){ addr, len, flags, next };
}

static void publish(struct fx *f, uint16_t head)
{
	f->avail->ring[f->avail->idx % f->vq.size] = head;
	f->avail->idx++;
}

static int pop(struct fx *f)
{
	return vn_vq_pop(&f->vq, &f->mem, &f->c);
}

static void test_vq_simple_chain(void **state)
{
	struct fx *f = fx_new(QS, false);

	(void)state;
	put(f->desc, 0, 0x4000, 12, VN_VRING_DESC_F_NEXT, 3);
	put(f->desc, 3, 0x5000, 100, 0, 0);
	publish(f, 0);
	assert_int_equal(pop(f), 0);
	assert_int_equal(f->c.head, 0);
	assert_int_equal(f->c.niov, 2);
	assert_int_equal(f->c.len, 112);
	assert_ptr_equal(f->c.iov[1].iov_base, f->r0 + 0x5000);
	assert_int_equal(pop(f), -EAGAIN);
	fx_free(f);
}

static void test_vq_buffer_spans_two_regions(void **state)
{
	struct fx *f = fx_new(QS, false);

	(void)state;
	put(f->desc, 0, REG - 100, 300, 0, 0);
	publish(f, 0);
	assert_int_equal(pop(f), 0);
	assert_int_equal(f->c.niov, 2);
	assert_ptr_equal(f->c.iov[0].iov_base, f->r0 + REG - 100);
	assert_int_equal(f->c.iov[0].iov_len, 100);
	assert_ptr_equal(f->c.iov[1].iov_base, f->r1);
	assert_int_equal(f->c.iov[1].iov_len, 200);
	fx_free(f);
}

static void test_vq_indirect_chain(void **state)
{
	struct fx *f = fx_new(QS, false);
	struct vn_vring_desc *ind = (void *)(f->r0 + 0x3000);

	(void)state;
	put(ind, 0, 0x4000, 10, VN_VRING_DESC_F_NEXT, 1);
	put(ind, 1, 0x4100, 20, VN_VRING_DESC_F_NEXT, 2);
	put(ind, 2, 0x4200, 30, 0, 0);
	put(f->desc, 5, 0x3000, 3 * 16, VN_VRING_DESC_F_INDIRECT, 0);
	publish(f, 5);
	assert_int_equal(pop(f), 0);
	assert_int_equal(f->c.niov, 3);
	assert_int_equal(f->c.len, 60);
	fx_free(f);
}

/*
 * Hostile chains, one per row: what the driver writes, and the violation
 * vq.c must name. Every row breaks the queue and never reads outside the
 * two regions (ASan would see it: the regions are exact-size allocations).
 */
enum { T_TX, T_RX };
struct bad_case {
	const char *name;
	int dir;
	void (*setup)(struct fx *f);
	const char *why;
};

static void s_head_oob(struct fx *f) { publish(f, QS); }
static void s_next_oob(struct fx *f)
{
	put(f->desc, 0, 0x4000, 10, VN_VRING_DESC_F_NEXT, QS + 1);
	publish(f, 0);
}
static void s_loop(struct fx *f)
{
	put(f->desc, 0, 0x4000, 10, VN_VRING_DESC_F_NEXT, 1);
	put(f->desc, 1, 0x4000, 10, VN_VRING_DESC_F_NEXT, 0);
	publish(f, 0);
}
static void s_self_loop(struct fx *f)
{
	put(f->desc, 2, 0x4000, 10, VN_VRING_DESC_F_NEXT, 2);
	publish(f, 2);
}
static void s_outside(struct fx *f)
{
	put(f->desc, 0, 2 * REG + 5, 10, 0, 0);
	publish(f, 0);
}
static void s_tail_outside(struct fx *f)
{
	put(f->desc, 0, 2 * REG - 10, 11, 0, 0);
	publish(f, 0);
}
static void s_len_overflow(struct fx *f)
{
	put(f->desc, 0, UINT64_MAX - 10, 100, 0, 0);
	publish(f, 0);
}
static void s_ind_size(struct fx *f)
{
	put(f->desc, 0, 0x3000, 17, VN_VRING_DESC_F_INDIRECT, 0);
	publish(f, 0);
}
static void s_ind_empty(struct fx *f)
{
	put(f->desc, 0, 0x3000, 0, VN_VRING_DESC_F_INDIRECT, 0);
	publish(f, 0);
}
static void s_ind_too_big(struct fx *f)
{
	put(f->desc, 0, 0x3000, (QS + 1) * 16, VN_VRING_DESC_F_INDIRECT, 0);
	publish(f, 0);
}
static void s_ind_nested(struct fx *f)
{
	struct vn_vring_desc *ind = (void *)(f->r0 + 0x3000);

	put(ind, 0, 0x3100, 16, VN_VRING_DESC_F_INDIRECT, 0);
	put(f->desc, 0, 0x3000, 16, VN_VRING_DESC_F_INDIRECT, 0);
	publish(f, 0);
}
static void s_ind_next(struct fx *f)
{
	put(f->desc, 0, 0x3000, 16, VN_VRING_DESC_F_INDIRECT | VN_VRING_DESC_F_NEXT, 1);
	publish(f, 0);
}
static void s_ind_outside(struct fx *f)
{
	put(f->desc, 0, 2 * REG - 16, 32, VN_VRING_DESC_F_INDIRECT, 0);
	publish(f, 0);
}
static void s_ind_loop(struct fx *f)
{
	struct vn_vring_desc *ind = (void *)(f->r0 + 0x3000);

	put(ind, 0, 0x4000, 1, VN_VRING_DESC_F_NEXT, 1);
	put(ind, 1, 0x4000, 1, VN_VRING_DESC_F_NEXT, 0);
	put(f->desc, 0, 0x3000, 32, VN_VRING_DESC_F_INDIRECT, 0);
	publish(f, 0);
}
static void s_ind_next_oob(struct fx *f)
{
	struct vn_vring_desc *ind = (void *)(f->r0 + 0x3000);

	put(ind, 0, 0x4000, 1, VN_VRING_DESC_F_NEXT, 2);	/* table has 2 entries */
	put(f->desc, 0, 0x3000, 32, VN_VRING_DESC_F_INDIRECT, 0);
	publish(f, 0);
}
static void s_ind_no_feature(struct fx *f)
{
	f->vq.indirect = false;
	put(f->desc, 0, 0x3000, 16, VN_VRING_DESC_F_INDIRECT, 0);
	publish(f, 0);
}
/* H2: a table behind a direct descriptor (only heads may point to one) */
static void s_ind_mid_chain(struct fx *f)
{
	struct vn_vring_desc *ind = (void *)(f->r0 + 0x3000);

	put(ind, 0, 0x4100, 10, 0, 0);
	put(f->desc, 0, 0x4000, 10, VN_VRING_DESC_F_NEXT, 1);
	put(f->desc, 1, 0x3000, 16, VN_VRING_DESC_F_INDIRECT, 0);
	publish(f, 0);
}
static void s_write_on_tx(struct fx *f)
{
	put(f->desc, 0, 0x4000, 10, VN_VRING_DESC_F_WRITE, 0);
	publish(f, 0);
}
static void s_read_on_rx(struct fx *f)
{
	put(f->desc, 0, 0x4000, 10, 0, 0);
	publish(f, 0);
}
static void s_avail_jump(struct fx *f)
{
	put(f->desc, 0, 0x4000, 10, 0, 0);
	f->avail->idx = QS + 1;
}
static void s_byte_cap(struct fx *f)
{
	/* 16 descriptors of 128 KiB each (the same memory) add up past 1 MiB */
	for (uint16_t i = 0; i < QS; i++)
		put(f->desc, i, 0, 2 * REG, i + 1 < QS ? VN_VRING_DESC_F_NEXT : 0, i + 1);
	publish(f, 0);
}

static const struct bad_case bad_cases[] = {
	/*  1 */ { "head index past the ring", T_TX, s_head_oob, "head index past the ring" },
	/*  2 */ { "next index past the ring", T_TX, s_next_oob, "next index past the table" },
	/*  3 */ { "two-descriptor loop", T_TX, s_loop, "chain longer than the ring (loop)" },
	/*  4 */ { "self loop", T_TX, s_self_loop, "chain longer than the ring (loop)" },
	/*  5 */ { "buffer outside memory", T_TX, s_outside, "buffer outside guest memory" },
	/*  6 */ { "buffer tail outside", T_TX, s_tail_outside, "buffer outside guest memory" },
	/*  7 */ { "address + length wraps", T_TX, s_len_overflow, "buffer address + length overflows" },
	/*  8 */ { "indirect size not x16", T_TX, s_ind_size, "indirect table size not a multiple of 16" },
	/*  9 */ { "indirect size zero", T_TX, s_ind_empty, "indirect table size not a multiple of 16" },
	/* 10 */ { "indirect bigger than ring", T_TX, s_ind_too_big, "indirect table bigger than the ring" },
	/* 11 */ { "nested indirect", T_TX, s_ind_nested, "nested indirect table" },
	/* 12 */ { "indirect with NEXT", T_TX, s_ind_next, "indirect descriptor with NEXT" },
	/* 13 */ { "indirect table outside", T_TX, s_ind_outside, "indirect table outside guest memory" },
	/* 14 */ { "loop inside indirect", T_TX, s_ind_loop, "chain longer than the ring (loop)" },
	/* 15 */ { "indirect next past table", T_TX, s_ind_next_oob, "next index past the table" },
	/* 16 */ { "indirect not negotiated", T_TX, s_ind_no_feature, "indirect descriptor without INDIRECT_DESC" },
	/* 17 */ { "writable buffer on tx", T_TX, s_write_on_tx, "descriptor direction wrong for the queue" },
	/* 18 */ { "readable buffer on rx", T_RX, s_read_on_rx, "descriptor direction wrong for the queue" },
	/* 19 */ { "avail idx jumps past size", T_TX, s_avail_jump, "available index moved past the ring size" },
	/* 20 */ { "chain over the byte cap", T_TX, s_byte_cap, "chain longer than the byte cap" },
	/* 21 */ { "indirect mid-chain", T_TX, s_ind_mid_chain, "indirect descriptor not at the head of the chain" },
};

static void test_vq_hostile_chains(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		struct fx *f = fx_new(QS, b->dir == T_RX);
		int efd = eventfd(0, EFD_NONBLOCK);
		uint64_t v = 0;

		f->vq.errfd = efd;
		b->setup(f);
		print_message("case %u: %s\n", i + 1, b->name);
		assert_int_equal(pop(f), -EIO);
		assert_true(f->vq.broken);
		assert_string_equal(f->vq.why, b->why);
		assert_int_equal(f->vq.stats.broken, 1);
		assert_false(vn_vq_ready(&f->vq));
		/* The front-end's error eventfd was signalled */
		assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
		/* A broken queue stays stopped, even for a good chain */
		put(f->desc, 1, 0x4000, 10, b->dir == T_RX ? VN_VRING_DESC_F_WRITE : 0, 0);
		publish(f, 1);
		assert_int_equal(pop(f), -EIO);
		assert_int_equal(f->vq.stats.broken, 1);
		close(efd);
		fx_free(f);
	}
}

static void test_vq_too_many_segments(void **state)
{
	struct fx *f = fx_new(BIGQS, false);
	uint16_t i;

	(void)state;
	for (i = 0; i < VN_VQ_IOV_MAX + 1; i++)
		put(f->desc, i, 0x8000 + i, 1, i < VN_VQ_IOV_MAX ? VN_VRING_DESC_F_NEXT : 0, i + 1);
	publish(f, 0);
	assert_int_equal(pop(f), -EIO);
	assert_string_equal(f->vq.why, "chain has too many segments");
	fx_free(f);
}

/* F4: empty descriptors count as segments, so no chain walks the whole ring */
static void test_vq_empty_descriptors_capped(void **state)
{
	struct fx *f = fx_new(BIGQS, false);
	uint16_t i;

	(void)state;
	for (i = 0; i < 200; i++)
		put(f->desc, i, 0x8000, 0, VN_VRING_DESC_F_NEXT, i + 1);
	put(f->desc, 200, 0x8000, 10, 0, 0);
	publish(f, 0);
	assert_int_equal(pop(f), -EIO);
	assert_string_equal(f->vq.why, "chain has too many segments (empty descriptors)");
	fx_free(f);
}

static void test_vq_ring_outside_memory_not_mapped(void **state)
{
	struct fx *f = fx_new(QS, false);

	(void)state;
	/* Used ring running off the end of region 1 */
	f->vq.used_uva = FAKE_GUEST_UVA + 2 * REG - 8;
	assert_int_equal(vn_vq_map(&f->vq, &f->mem), -EINVAL);
	assert_false(vn_vq_ready(&f->vq));
	/* Misaligned descriptor table */
	f->vq.used_uva = FAKE_GUEST_UVA + 0x2000;
	f->vq.desc_uva = FAKE_GUEST_UVA + 8;
	assert_int_equal(vn_vq_map(&f->vq, &f->mem), -EINVAL);
	fx_free(f);
}

static void test_vq_used_and_calls(void **state)
{
	struct fx *f = fx_new(QS, false);
	int call = eventfd(0, EFD_NONBLOCK);
	uint64_t v;

	(void)state;
	f->vq.callfd = call;
	put(f->desc, 0, 0x4000, 10, 0, 0);
	publish(f, 0);
	publish(f, 0);
	assert_int_equal(pop(f), 0);
	vn_vq_push(&f->vq, f->c.head, f->c.ndesc, 0);
	assert_int_equal(pop(f), 0);
	vn_vq_push(&f->vq, f->c.head, f->c.ndesc, 0);
	assert_int_equal(f->used->idx, 0);	/* not published before the flush */
	vn_vq_flush(&f->vq);
	assert_int_equal(f->used->idx, 2);
	assert_int_equal(f->used->ring[1].id, 0);
	/* One call for the burst */
	assert_int_equal(read(call, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);
	/* Driver says NO_INTERRUPT: no call */
	f->avail->flags = VN_VRING_AVAIL_F_NO_INTERRUPT;
	publish(f, 0);
	assert_int_equal(pop(f), 0);
	vn_vq_push(&f->vq, f->c.head, f->c.ndesc, 0);
	vn_vq_flush(&f->vq);
	assert_int_equal(read(call, &v, sizeof(v)), -1);
	assert_int_equal(f->vq.stats.calls_suppressed, 1);
	close(call);
	fx_free(f);
}

static void test_vq_event_idx(void **state)
{
	struct fx *f = fx_new(QS, false);
	int call = eventfd(0, EFD_NONBLOCK);
	uint16_t *used_event = &f->avail->ring[QS];
	uint16_t *avail_event = (uint16_t *)&f->used->ring[QS];
	uint64_t v;
	int i;

	(void)state;
	f->vq.event_idx = true;
	f->vq.callfd = call;
	put(f->desc, 0, 0x4000, 10, 0, 0);
	/* Driver wants a call only once used->idx passes 2 */
	*used_event = 2;
	for (i = 0; i < 2; i++) {
		publish(f, 0);
		assert_int_equal(pop(f), 0);
		vn_vq_push(&f->vq, 0, 1, 0);
		vn_vq_flush(&f->vq);
	}
	assert_int_equal(read(call, &v, sizeof(v)), -1);	/* idx 1, 2: not crossed */
	publish(f, 0);
	assert_int_equal(pop(f), 0);
	vn_vq_push(&f->vq, 0, 1, 0);
	vn_vq_flush(&f->vq);					/* idx 3 crosses 2 */
	assert_int_equal(read(call, &v, sizeof(v)), sizeof(v));
	/* Re-arming kicks writes avail_event and reports buffers already there */
	assert_false(vn_vq_notify_enable(&f->vq));
	assert_int_equal(*avail_event, 3);
	publish(f, 0);
	assert_true(vn_vq_notify_enable(&f->vq));
	close(call);
	fx_free(f);
}

static void test_vq_seek(void **state)
{
	struct fx *f = fx_new(QS, true);
	struct vn_vq_pos at;

	(void)state;
	put(f->desc, 0, 0x4000, 10, VN_VRING_DESC_F_WRITE, 0);
	publish(f, 0);
	at = vn_vq_tell(&f->vq);
	assert_int_equal(pop(f), 0);
	vn_vq_seek(&f->vq, at);
	assert_int_equal(vn_vq_avail(&f->vq, QS), 1);
	assert_int_equal(pop(f), 0);
	fx_free(f);
}


/* A front-end's call eventfd: blocking (O_NONBLOCK cleared), counter at its maximum */
static int hostile_callfd(void)
{
	uint64_t v = 0xfffffffffffffffeull;
	int fd = eventfd(0, EFD_NONBLOCK);

	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK), 0);
	assert_int_equal(write(fd, &v, sizeof(v)), sizeof(v));
	return fd;
}

/* F1: a write that blocks is broken off, and adds nothing to the counter */
static void test_vq_efd_guard_breaks_blocked_write(void **state)
{
	uint64_t before = vn_efd_guard_stuck(), v;
	int fd = hostile_callfd(), p[2];
	char junk[4096] = { 0 };

	(void)state;
	assert_int_equal(vn_efd_guard_write(fd), VN_EFD_STUCK);
	assert_int_equal(vn_efd_guard_stuck(), before + 1);
	/* The thread is usable afterwards: a second stuck write, then a normal one */
	assert_int_equal(vn_efd_guard_write(fd), VN_EFD_STUCK);
	assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 0xfffffffffffffffeull);
	assert_int_equal(vn_efd_guard_write(fd), VN_EFD_SENT);
	assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);
	close(fd);
	/* A full pipe's write end (a front-end may pass anything) is held the same way */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	while (write(p[1], junk, sizeof(junk)) > 0)
		;
	assert_int_equal(fcntl(p[1], F_SETFL, 0), 0);
	assert_int_equal(vn_efd_guard_write(p[1]), VN_EFD_STUCK);
	close(p[0]);
	close(p[1]);
}

/*
 * F1: the front-end fills the counter between vq.c's poll() and its write()
 * (the wrapped poll() stands for the lost race): the flush returns, the
 * call is counted as stuck and the queue is broken, so it is not tried again.
 */
static void test_vq_call_counter_filled_after_poll(void **state)
{
	struct fx *f = fx_new(QS, false);
	int call = hostile_callfd();

	(void)state;
	f->vq.callfd = call;
	put(f->desc, 0, 0x4000, 10, 0, 0);
	publish(f, 0);
	assert_int_equal(pop(f), 0);
	vn_vq_push(&f->vq, f->c.head, f->c.ndesc, 0);
	fake_pollout = true;
	vn_vq_flush(&f->vq);
	fake_pollout = false;
	assert_int_equal(f->used->idx, 1);		/* the used entry is published */
	assert_int_equal(f->vq.stats.calls_stuck, 1);
	assert_int_equal(f->vq.stats.calls, 0);
	assert_true(f->vq.broken);
	assert_string_equal(f->vq.why, "call eventfd write blocked (front-end filled the counter)");
	assert_int_equal(pop(f), -EIO);
	close(call);
	fx_free(f);
}

struct racer {
	int fd;
	bool stop;
};

/* A front-end thread that keeps taking the counter to its maximum and back */
static void *race_counter(void *arg)
{
	struct racer *r = arg;
	uint64_t v, almost = 0xfffffffffffffffdull, one = 1;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		if (read(r->fd, &v, sizeof(v)) < 0)	/* blocks while 0: that is the front-end's business */
			break;
		if (write(r->fd, &almost, sizeof(almost)) < 0 || write(r->fd, &one, sizeof(one)) < 0)
			break;
	}
	return NULL;
}

/* F1, for real: a racing front-end thread never holds vn_vq_efd_signal() */
static void test_vq_call_racing_front_end(void **state)
{
	struct racer r = { .fd = hostile_callfd() };
	unsigned int i, n = 20000, sent = 0, full = 0, stuck = 0;
	struct pollfd pfd;
	pthread_t t;
	uint64_t v;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, race_counter, &r), 0);
	for (i = 0; i < n; i++) {
		switch (vn_vq_efd_signal(r.fd)) {
		case VN_EFD_SENT: sent++; break;
		case VN_EFD_FULL: full++; break;
		case VN_EFD_STUCK: stuck++; break;
		default: fail_msg("eventfd write failed");
		}
	}
	assert_int_equal(sent + full + stuck, n);
	print_message("racing front-end: %u sent, %u full, %u broken off\n", sent, full, stuck);
	/* Let the front-end thread go: keep draining until it has seen stop */
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	while (pthread_tryjoin_np(t, NULL) == EBUSY) {
		pfd = (struct pollfd){ .fd = r.fd, .events = POLLIN };
		if (poll(&pfd, 1, 10) == 1)
			(void)!read(r.fd, &v, sizeof(v));
		else
			vn_efd_guard_write(r.fd);	/* it may be waiting in read() */
	}
	close(r.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vq_simple_chain),
		cmocka_unit_test(test_vq_buffer_spans_two_regions),
		cmocka_unit_test(test_vq_indirect_chain),
		cmocka_unit_test(test_vq_hostile_chains),
		cmocka_unit_test(test_vq_too_many_segments),
		cmocka_unit_test(test_vq_empty_descriptors_capped),
		cmocka_unit_test(test_vq_ring_outside_memory_not_mapped),
		cmocka_unit_test(test_vq_used_and_calls),
		cmocka_unit_test(test_vq_event_idx),
		cmocka_unit_test(test_vq_seek),
		cmocka_unit_test(test_vq_efd_guard_breaks_blocked_write),
		cmocka_unit_test(test_vq_call_counter_filled_after_poll),
		cmocka_unit_test(test_vq_call_racing_front_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

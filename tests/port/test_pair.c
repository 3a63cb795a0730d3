// SPDX-License-Identifier: MIT
/* test_pair.c - in-process port pairs: delivery, bounded queues, fds, features */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/pool.h"
#include "port/pair.h"
#include "port/port.h"

/* Allocate @n frames of @len bytes from @port's pool, byte 0 = seq */
static void make_frames(struct vn_port *port, struct vn_pkt **pkts, unsigned int n, uint32_t len,
			uint8_t seq)
{
	uint8_t frame[1514];
	unsigned int i;

	assert_true(len <= sizeof(frame));
	assert_int_equal(vn_pool_alloc_bulk(port->pool, pkts, n), n);
	for (i = 0; i < n; i++) {
		memset(frame, 0xab, len);
		frame[0] = (uint8_t)(seq + i);
		assert_int_equal(vn_pkt_set(pkts[i], frame, len), 0);
	}
}

static short poll_events(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	assert_true(poll(&pfd, 1, 0) >= 0);
	return pfd.revents;
}

static void test_pair_delivery(void **state)
{
	struct vn_pkt *tx[8], *rx[16];
	struct vn_port *a, *b;
	unsigned int i;

	(void)state;
	assert_int_equal(vn_pair_create("da", "db", NULL, &a, &b), 0);
	assert_int_equal(a->id, 0);
	assert_int_equal(b->id, 1);
	assert_int_equal(a->vnet_hdr_len, 0);
	assert_false(poll_events(vn_port_poll_fd(b), POLLIN) & POLLIN);
	assert_int_equal(vn_pair_peek_len(b), 0);

	make_frames(a, tx, 8, 60, 1);
	tx[3]->vh.flags = VN_VHDR_F_DATA_VALID;	/* metadata travels with the frame */
	assert_int_equal(vn_port_tx_burst(a, tx, 8), 8);
	assert_true(poll_events(vn_port_poll_fd(b), POLLIN) & POLLIN);
	assert_false(poll_events(vn_port_poll_fd(a), POLLIN) & POLLIN);	/* not an echo */
	assert_int_equal(vn_pair_pending(b), 8);
	assert_int_equal(vn_pair_peek_len(b), 60);

	assert_int_equal(vn_port_rx_burst(b, rx, 5), 5);
	assert_true(poll_events(vn_port_poll_fd(b), POLLIN) & POLLIN);	/* 3 left */
	assert_int_equal(vn_port_rx_burst(b, rx + 5, 16), 3);
	assert_false(poll_events(vn_port_poll_fd(b), POLLIN) & POLLIN);
	for (i = 0; i < 8; i++) {
		assert_ptr_equal(rx[i], tx[i]);	/* in order, no copy */
		assert_int_equal(vn_pkt_data(rx[i])[0], 1 + i);
	}
	assert_int_equal(rx[3]->vh.flags, VN_VHDR_F_DATA_VALID);
	assert_int_equal(a->stats.tx_packets, 8);
	assert_int_equal(a->stats.tx_bytes, 480);
	assert_int_equal(b->stats.rx_packets, 8);
	assert_int_equal(b->stats.rx_bytes, 480);
	vn_pkt_put_bulk(rx, 8);
	assert_int_equal(vn_pool_avail(a->pool), a->pool->size);

	/* and the other way; the port layer validates every header once, for
	 * every kind: a checksum request inside the Ethernet header is dropped
	 * and counted by reason, the frames around it are delivered */
	make_frames(b, tx, 3, 100, 9);
	tx[1]->vh.flags = VN_VHDR_F_NEEDS_CSUM;
	tx[1]->vh.csum_start = 2;
	assert_int_equal(vn_port_tx_burst(b, tx, 3), 3);
	assert_int_equal(vn_port_rx_burst(a, rx, 16), 2);
	assert_int_equal(vn_pkt_data(rx[0])[0], 9);
	assert_int_equal(vn_pkt_data(rx[1])[0], 11);
	assert_int_equal(a->stats.drops[VN_DROP_VHDR_CSUM_RANGE] +
			 a->stats.drops[VN_DROP_VHDR_CSUM_L4], 1);
	assert_int_equal(a->stats.rx_packets, 2);
	vn_pkt_put_bulk(rx, 2);
	assert_int_equal(vn_pool_avail(a->pool), a->pool->size);
	vn_port_close(a);
	vn_port_close(b);
}

static void test_pair_full(void **state)
{
	struct vn_pair_opts opts = { .capacity = 4, .id_a = 3, .id_b = 4 };
	struct vn_pkt *tx[6], *rx[6];
	struct vn_port *a, *b;
	int txfd;

	(void)state;
	assert_int_equal(vn_pair_create("fa", "fb", &opts, &a, &b), 0);
	txfd = vn_port_tx_poll_fd(a);
	assert_true(poll_events(txfd, POLLOUT) & POLLOUT);
	make_frames(a, tx, 6, 60, 0);
	/* room for 4: a prefix is taken, the caller keeps the rest */
	assert_int_equal(vn_port_tx_burst(a, tx, 6), 4);
	assert_false(poll_events(txfd, POLLOUT) & POLLOUT);
	assert_int_equal(vn_port_tx_burst(a, tx + 4, 2), 0);
	assert_false(poll_events(txfd, POLLOUT) & POLLOUT);
	/* the peer's own tx direction is not affected */
	assert_true(poll_events(vn_port_tx_poll_fd(b), POLLOUT) & POLLOUT);

	/* receiving one frees room: POLLOUT comes back */
	assert_int_equal(vn_port_rx_burst(b, rx, 1), 1);
	assert_true(poll_events(txfd, POLLOUT) & POLLOUT);
	assert_int_equal(vn_port_tx_burst(a, tx + 4, 2), 1);
	assert_false(poll_events(txfd, POLLOUT) & POLLOUT);
	assert_int_equal(vn_port_rx_burst(b, rx + 1, 6), 4);
	assert_true(poll_events(txfd, POLLOUT) & POLLOUT);
	assert_int_equal(vn_port_tx_burst(a, tx + 5, 1), 1);
	assert_int_equal(vn_port_rx_burst(b, rx + 5, 1), 1);
	assert_int_equal(vn_pkt_data(rx[5])[0], 5);
	vn_pkt_put_bulk(rx, 6);
	vn_port_close(a);
	vn_port_close(b);
}

static void test_pair_features(void **state)
{
	uint64_t all = VN_NET_GUEST_OFFLOADS | VN_NET_HOST_OFFLOADS;
	struct vn_pair_opts opts = { .features_a = all, .features_b = 0, .id_b = 1 };
	struct vn_port *a, *b;

	(void)state;
	assert_int_equal(vn_pair_create("xa", "xb", &opts, &a, &b), 0);
	assert_true(vn_port_has(a, VN_NET_F_GUEST_TSO4));
	assert_true(vn_port_has(a, VN_NET_F_HOST_TSO6));
	assert_int_equal(b->features, 0);
	assert_int_equal(vn_pair_set_features(b, VN_BIT(VN_NET_F_GUEST_CSUM) | VN_BIT(VN_NET_F_MQ)),
			 0);
	assert_int_equal(b->features, VN_BIT(VN_NET_F_GUEST_CSUM));	/* offloads only */
	assert_int_equal(vn_pair_set_features(b, 0), 0);
	assert_int_equal(b->features, 0);
	vn_port_close(a);
	vn_port_close(b);

	/* through specs */
	assert_int_equal(vn_port_open("pair:name=sa,peer=sb,offload=off", 0, &a), 0);
	assert_int_equal(vn_port_open("pair:name=sb,peer=sa,features=0x180", 1, &b), 0);
	assert_int_equal(a->features, 0);
	assert_int_equal(b->features, VN_BIT(VN_NET_F_GUEST_TSO4) | VN_BIT(VN_NET_F_GUEST_TSO6));
	vn_port_close(b);
	vn_port_close(a);
}

static void test_pair_spec_join(void **state)
{
	struct vn_port *a, *b, *c, *a2;
	struct vn_pkt *tx[2], *rx[2];

	(void)state;
	assert_int_equal(vn_port_open("pair:name=ja,peer=jb,capacity=2", 0, &a), 0);
	/* a second end claiming ja's name while ja waits */
	assert_int_equal(vn_port_open("pair:name=ja,peer=jc", 0, &a2), -EEXIST);
	/* frames sent before the peer joins wait for it */
	make_frames(a, tx, 2, 64, 40);
	assert_int_equal(vn_port_tx_burst(a, tx, 2), 2);
	/* an end waiting for jb too, from another name, starts its own link */
	assert_int_equal(vn_port_open("pair:name=jc,peer=jb", 2, &c), 0);
	assert_int_equal(vn_port_open("pair:name=jb,peer=ja", 1, &b), 0);
	assert_int_equal(vn_pair_pending(b), 2);
	assert_int_equal(vn_pair_pending(c), 0);
	assert_int_equal(vn_port_rx_burst(b, rx, 2), 2);
	assert_int_equal(vn_pkt_data(rx[1])[0], 41);
	vn_pkt_put_bulk(rx, 2);
	vn_port_close(c);
	vn_port_close(a);
	vn_port_close(b);
}

static void test_pair_rx_enable_and_close(void **state)
{
	struct vn_pkt *tx[4], *rx[4];
	struct vn_port *a, *b;

	(void)state;
	assert_int_equal(vn_pair_create("ca", "cb", NULL, &a, &b), 0);
	make_frames(a, tx, 4, 60, 0);
	assert_int_equal(vn_port_tx_burst(a, tx, 2), 2);
	vn_port_rx_enable(b, false);
	assert_int_equal(b->stats.rx_paused, 1);
	assert_int_equal(vn_port_rx_burst(b, rx, 4), 0);
	vn_port_rx_enable(b, true);
	assert_int_equal(vn_port_rx_burst(b, rx, 1), 1);
	vn_pkt_put(rx[0]);

	/* b closes with one frame of a's pool still queued: it is released */
	vn_port_close(b);
	assert_int_equal(vn_pool_avail(a->pool), a->pool->size - 2);
	/* a's frames towards the closed end are dropped and counted */
	assert_int_equal(vn_port_tx_burst(a, tx + 2, 2), 2);
	assert_int_equal(a->stats.drops[VN_DROP_PORT_DOWN], 2);
	assert_int_equal(vn_pool_avail(a->pool), a->pool->size);
	vn_port_close(a);

	/* an end that never got its peer closes cleanly, and the name is free again */
	assert_int_equal(vn_port_open("pair:name=lone,peer=nobody", 0, &a), 0);
	vn_port_close(a);
	assert_int_equal(vn_port_open("pair:name=lone,peer=nobody", 0, &a), 0);
	vn_port_close(a);
}

struct pump {
	struct vn_port *rx;
	unsigned int want;
	unsigned int got;
	unsigned int bad;
};

static void *pump_rx(void *arg)
{
	struct pump *p = arg;
	struct vn_pkt *rx[32];
	unsigned int i, n;

	while (p->got < p->want) {
		struct pollfd pfd = { .fd = vn_port_poll_fd(p->rx), .events = POLLIN };

		if (poll(&pfd, 1, 5000) <= 0)
			break;	/* no progress in 5 s: the assertion below fails */
		n = vn_port_rx_burst(p->rx, rx, 32);
		for (i = 0; i < n; i++)
			if (vn_pkt_data(rx[i])[0] != (uint8_t)(p->got + i))
				p->bad++;
		p->got += n;
		vn_pkt_put_bulk(rx, n);
	}
	return NULL;
}

/* Two threads, a queue of 8: every frame arrives, in order, with blocking on POLLOUT */
static void test_pair_threads(void **state)
{
	struct vn_pair_opts opts = { .capacity = 8, .id_b = 1 };
	struct pump p = { .want = 20000 };
	unsigned int sent = 0;
	struct vn_port *a, *b;
	pthread_t th;

	(void)state;
	assert_int_equal(vn_pair_create("ta", "tb", &opts, &a, &b), 0);
	p.rx = b;
	assert_int_equal(pthread_create(&th, NULL, pump_rx, &p), 0);
	while (sent < p.want) {
		struct pollfd pfd = { .fd = vn_port_tx_poll_fd(a), .events = POLLOUT };
		struct vn_pkt *pkt;

		assert_true(poll(&pfd, 1, 5000) == 1);
		pkt = vn_pool_alloc(a->pool);
		assert_non_null(pkt);
		vn_pkt_set(pkt, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 14);
		vn_pkt_data(pkt)[0] = (uint8_t)sent;
		if (vn_port_tx_burst(a, &pkt, 1) == 1)
			sent++;
		else
			vn_pkt_put(pkt);
	}
	pthread_join(th, NULL);
	assert_int_equal(p.got, p.want);
	assert_int_equal(p.bad, 0);
	vn_port_close(a);
	vn_port_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair_delivery),
		cmocka_unit_test(test_pair_full),
		cmocka_unit_test(test_pair_features),
		cmocka_unit_test(test_pair_spec_join),
		cmocka_unit_test(test_pair_rx_enable_and_close),
		cmocka_unit_test(test_pair_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

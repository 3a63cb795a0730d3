// SPDX-License-Identifier: MIT
/* test_xo_conn.c - an offload connection over a socketpair: hostile streams, rate limit */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "ctl/xo_conn.h"

static uint8_t buf[VN_XO_HDR_LEN + VN_XO_PAYLOAD_MAX];
static unsigned int handled;

/* a handler that answers STATUS, refuses UNLOAD with a message */
static int handler(void *ctx, const struct vn_xo_msg *req, struct vn_xo_msg *reply,
		   uint8_t *scratch)
{
	(void)ctx;
	(void)scratch;
	handled++;
	if (req->type == VN_XO_UNLOAD) {
		snprintf(reply->text, sizeof(reply->text), "no program loaded");
		return -ENOENT;
	}
	reply->type = VN_XO_R_STATUS;
	reply->status.insns = 42;
	return 0;
}

static void setup_pair(struct vn_xo_conn *c, int *peer, uint32_t rate, uint32_t burst)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(vn_xo_conn_init(c, sv[0], rate, burst, 0), 0);
	*peer = sv[1];
}

static void send_msg(int fd, const struct vn_xo_msg *m)
{
	long n = vn_xo_msg_encode(m, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal(write(fd, buf, (size_t)n), n);
}

/* read one reply from the peer side (the test's sockets are blocking) */
static void recv_msg(int fd, struct vn_xo_msg *m)
{
	struct vn_xo_hdr hdr;
	size_t len = 0;
	long n;

	for (int i = 0; i < 1000; i++) {
		n = vn_xo_hdr_parse(buf, len, &hdr);
		assert_true(n >= 0);
		if (n > 0)
			break;
		ssize_t r = read(fd, buf + len, VN_XO_HDR_LEN + (len >= VN_XO_HDR_LEN ? hdr.len : 0) - len);
		assert_true(r > 0);
		len += (size_t)r;
	}
	assert_int_equal(vn_xo_msg_decode(&hdr, buf + VN_XO_HDR_LEN, m), 0);
}

static void test_hello_and_requests(void **state)
{
	struct vn_xo_msg m = { .type = VN_XO_HELLO, .seq = 1, .version = 1, .caps = 0xffff }, r;
	struct vn_xo_conn c;
	int peer;

	(void)state;
	handled = 0;
	setup_pair(&c, &peer, 100, 10);
	send_msg(peer, &m);
	m = (struct vn_xo_msg){ .type = VN_XO_STATUS, .seq = 2 };
	send_msg(peer, &m);
	m = (struct vn_xo_msg){ .type = VN_XO_UNLOAD, .seq = 3 };
	send_msg(peer, &m);
	assert_int_equal(vn_xo_conn_input(&c, 1, handler, NULL), 0);
	assert_int_equal(vn_xo_conn_flush(&c), 0);
	recv_msg(peer, &r);
	assert_int_equal(r.type, VN_XO_R_HELLO);
	assert_int_equal(r.seq, 1);
	assert_int_equal(r.caps, VN_XO_CAP_ALL);	/* only what the server has */
	recv_msg(peer, &r);
	assert_int_equal(r.type, VN_XO_R_STATUS);
	assert_int_equal(r.seq, 2);
	assert_int_equal(r.status.insns, 42);
	recv_msg(peer, &r);
	assert_int_equal(r.type, VN_XO_R_ERROR);
	assert_int_equal(r.seq, 3);
	assert_int_equal(r.err, ENOENT);
	assert_string_equal(r.text, "no program loaded");
	assert_int_equal(handled, 2);
	assert_int_equal(c.requests, 3);
	assert_int_equal(c.rejected, 1);
	assert_int_equal(c.bad_input, 0);
	/* the peer going away is seen */
	close(peer);
	assert_int_equal(vn_xo_conn_input(&c, 2, handler, NULL), -ECONNRESET);
	vn_xo_conn_close(&c);
}

static void test_cut_and_malformed(void **state)
{
	struct vn_xo_msg m = { .type = VN_XO_STATUS, .seq = 5 }, r;
	const uint8_t bad_payload[] = { 0x58, 0x4f, 1, VN_XO_LOAD, 0, 0, 0, 6, 0, 0, 0, 2, 200, 'x' };
	const uint8_t unknown[] = { 0x58, 0x4f, 1, 0x42, 0, 0, 0, 7, 0, 0, 0, 0 };
	const uint8_t reply_type[] = { 0x58, 0x4f, 1, VN_XO_R_OK, 0, 0, 0, 8, 0, 0, 0, 0 };
	struct vn_xo_conn c;
	long n;
	int peer;

	(void)state;
	handled = 0;
	setup_pair(&c, &peer, 100, 10);
	/* a message cut mid-way is waited for, byte by byte */
	n = vn_xo_msg_encode(&m, buf, sizeof(buf));
	for (long i = 0; i < n; i++) {
		assert_int_equal(write(peer, buf + i, 1), 1);
		assert_int_equal(vn_xo_conn_input(&c, 1, handler, NULL), 0);
		assert_int_equal(handled, i == n - 1 ? 1 : 0);
	}
	assert_int_equal(vn_xo_conn_flush(&c), 0);
	recv_msg(peer, &r);
	assert_int_equal(r.seq, 5);
	/* malformed payload, unknown type, a reply type as a request: errors, stream goes on */
	assert_int_equal(write(peer, bad_payload, sizeof(bad_payload)), sizeof(bad_payload));
	assert_int_equal(write(peer, unknown, sizeof(unknown)), sizeof(unknown));
	assert_int_equal(write(peer, reply_type, sizeof(reply_type)), sizeof(reply_type));
	m.seq = 9;
	send_msg(peer, &m);
	assert_int_equal(vn_xo_conn_input(&c, 2, handler, NULL), 0);
	assert_int_equal(vn_xo_conn_flush(&c), 0);
	recv_msg(peer, &r);
	assert_int_equal(r.type, VN_XO_R_ERROR);
	assert_int_equal(r.err, EINVAL);
	assert_int_equal(r.seq, 6);
	recv_msg(peer, &r);
	assert_int_equal(r.err, EOPNOTSUPP);
	recv_msg(peer, &r);
	assert_int_equal(r.err, EINVAL);
	assert_int_equal(r.seq, 8);
	recv_msg(peer, &r);
	assert_int_equal(r.type, VN_XO_R_STATUS);
	assert_int_equal(r.seq, 9);
	assert_int_equal(c.bad_input, 3);
	assert_int_equal(c.rejected, 3);
	assert_int_equal(handled, 2);
	close(peer);
	vn_xo_conn_close(&c);
}

static void test_fatal_header(void **state)
{
	const uint8_t huge[] = { 0x58, 0x4f, 1, VN_XO_LOAD, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff };
	const uint8_t magic[] = { 'G', 'E', 'T', ' ', '/', ' ' };
	const uint8_t *cases[] = { huge, magic };
	const size_t lens[] = { sizeof(huge), sizeof(magic) };
	const int errs[] = { EMSGSIZE, EPROTO };

	(void)state;
	for (int k = 0; k < 2; k++) {
		struct vn_xo_conn c;
		struct vn_xo_msg r;
		int peer;

		handled = 0;
		setup_pair(&c, &peer, 100, 10);
		assert_int_equal(write(peer, cases[k], lens[k]), (ssize_t)lens[k]);
		assert_int_equal(vn_xo_conn_input(&c, 1, handler, NULL), 0);
		assert_false(vn_xo_conn_want_input(&c));
		/* the error is sent, then the connection is to be closed */
		assert_int_equal(vn_xo_conn_flush(&c), -ECONNRESET);
		recv_msg(peer, &r);
		assert_int_equal(r.type, VN_XO_R_ERROR);
		assert_int_equal(r.err, errs[k]);
		assert_int_equal(handled, 0);
		assert_int_equal(c.bad_input, 1);
		close(peer);
		vn_xo_conn_close(&c);
	}
}

static void test_rate_limit(void **state)
{
	struct vn_xo_msg m = { .type = VN_XO_STATUS }, r;
	struct vn_xo_conn c;
	int peer, ok = 0, busy = 0;

	(void)state;
	handled = 0;
	setup_pair(&c, &peer, 10, 5);	/* 10/s, 5 at once */
	for (int i = 0; i < 20; i++) {
		m.seq = (uint32_t)i;
		send_msg(peer, &m);
	}
	/* all 20 arrive at the same instant: 5 served, 15 refused */
	assert_int_equal(vn_xo_conn_input(&c, 1000, handler, NULL), 0);
	assert_int_equal(vn_xo_conn_flush(&c), 0);
	for (int i = 0; i < 20; i++) {
		recv_msg(peer, &r);
		assert_int_equal(r.seq, i);
		if (r.type == VN_XO_R_ERROR) {
			assert_int_equal(r.err, EBUSY);
			busy++;
		} else {
			ok++;
		}
	}
	assert_int_equal(ok, 5);
	assert_int_equal(busy, 15);
	assert_int_equal(c.limited, 15);
	/* 0.3 s later (the clock is the caller's): 3 more tokens */
	for (int i = 0; i < 5; i++)
		send_msg(peer, &m);
	assert_int_equal(vn_xo_conn_input(&c, 1000 + 300000000ull, handler, NULL), 0);
	assert_int_equal(handled, 8);
	assert_int_equal(c.limited, 17);
	close(peer);
	vn_xo_conn_close(&c);
}

static void test_peer_never_reads(void **state)
{
	struct vn_xo_msg m = { .type = VN_XO_STATUS };
	struct vn_xo_conn c;
	int peer, sndbuf = 4096;
	unsigned int sent = 0, before;

	(void)state;
	handled = 0;
	setup_pair(&c, &peer, 100000, 10000);
	assert_int_equal(setsockopt(c.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	assert_int_equal(setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof(sndbuf)), 0);
	/* requests keep coming, replies are never read: vnetd's side stops
	 * taking input once its bounded output is full, and never blocks */
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 20; i++) {
			long n = vn_xo_msg_encode(&m, buf, sizeof(buf));

			if (send(peer, buf, (size_t)n, MSG_DONTWAIT) == n)
				sent++;
		}
		assert_int_equal(vn_xo_conn_input(&c, (uint64_t)round, handler, NULL), 0);
		assert_true(vn_xo_conn_flush(&c) >= 0);
	}
	assert_true(handled < sent);
	assert_false(vn_xo_conn_want_input(&c));
	before = handled;
	assert_int_equal(vn_xo_conn_input(&c, 1000, handler, NULL), 0);
	assert_int_equal(handled, before);
	close(peer);
	vn_xo_conn_close(&c);
}

static void test_init_args(void **state)
{
	struct vn_xo_conn c;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(vn_xo_conn_init(&c, sv[0], 0, 1, 0), -EINVAL);
	assert_int_equal(vn_xo_conn_init(&c, sv[1], 1, 10001, 0), -EINVAL);
	assert_int_equal(vn_xo_conn_init(&c, -1, 1, 1, 0), -EINVAL);
	/* closing twice is harmless */
	vn_xo_conn_close(&c);
	vn_xo_conn_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_and_requests),
		cmocka_unit_test(test_cut_and_malformed),
		cmocka_unit_test(test_fatal_header),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_peer_never_reads),
		cmocka_unit_test(test_init_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

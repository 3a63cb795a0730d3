// SPDX-License-Identifier: MIT
/* vu_soak.c - a hostile vhost-user front-end for a bounded time (065_vhost_user_soak.sh)
 *
 * Usage: vu_soak SOCKET SECONDS [SEED]
 *
 * Connects to vnetd's vhost-user socket as the project's test front-end
 * (tests/virtio/vu_frontend.c) and, until SECONDS have passed, does one
 * random thing after another, each of them something a compromised QEMU
 * or guest could do: floods of valid frames, hostile descriptor chains and
 * virtio-net headers, a guest-memory file truncated under the device,
 * abrupt resets, call eventfds at their maximum with O_NONBLOCK cleared,
 * a call eventfd a thread keeps filling, a kick eventfd made blocking, fds that are not eventfds, garbage on the
 * socket, replies never read, an oversized memory table, receive rings of
 * empty buffers or none at all. Every reply is awaited for at most 3 s.
 *
 * It never touches its own memory after truncating it (that would be its
 * own SIGBUS). Exit status: 0 when the time is up, 1 if vnetd's socket
 * stopped accepting connections for 10 s (vnetd gone or wedged), 2 on a
 * usage error. One line per action kind with its count is printed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "vu_frontend.h"

enum act {
	A_FLOOD, A_BAD_CHAIN, A_BAD_HDR, A_TRUNCATE, A_RESET, A_CALL_FULL, A_KICK_BLOCKING,
	A_NOT_EVENTFD, A_GARBAGE, A_NO_READ, A_BIG_TABLE, A_EMPTY_RX, A_STOP_START, A_CALL_RACE,
	A__MAX
};

static const char *const act_names[A__MAX] = {
	"flood", "bad_chain", "bad_header", "truncate", "reset", "call_full", "kick_blocking",
	"not_eventfd", "garbage", "replies_unread", "big_table", "empty_rx", "stop_start",
	"call_race",
};

static unsigned long counts[A__MAX];
static struct vu_fe fe = { .sock = -1 };
static bool up;
static const char *path;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void drop_conn(void)
{
	vu_fe_close(&fe);
	up = false;
}

/* A fresh connection with the whole handshake; false if vnetd did not take it */
static bool connect_up(void)
{
	struct timeval tv = { 3, 0 };

	if (vu_fe_connect(&fe, path))
		return false;
	setsockopt(fe.sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fe.sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (vu_fe_setup(&fe, ~0ull)) {
		drop_conn();
		return true;	/* it answered: the socket works */
	}
	up = true;
	return true;
}

static void flood(void)
{
	static uint8_t f[1514];
	struct vn_vhdr vh = { 0 };
	unsigned int i;

	for (i = 0; i < 64; i++) {
		uint32_t len = 60 + (uint32_t)(rand() % (1514 - 60));

		memset(f, 0, 14);
		f[0] = 0x02;			/* unknown unicast: flooded to every port */
		f[1] = 0x5a;
		f[5] = (uint8_t)rand();
		memcpy(f + 6, "\x02\x5a\x00\x00\x00\x01", 6);
		f[12] = 0x88;			/* an unused EtherType */
		f[13] = 0xb5;
		if (vu_fe_tx(&fe, &vh, f, len, 1 + (unsigned int)(rand() % 4)))
			break;
	}
	vu_fe_tx_done(&fe);
}

static void bad_chain(void)
{
	unsigned int q = (unsigned int)(rand() % 2), n = 1 + (unsigned int)(rand() % 4), k;
	uint16_t head = (uint16_t)(rand() % VU_FE_QSIZE);
	static const uint16_t flags[] = { 0, 1, 2, 3, 4, 5, 6, 7 };

	for (k = 0; k < n; k++) {
		uint64_t addr = rand() % 3 ? (uint64_t)(rand() % VU_FE_MEM_SIZE) :
					     ((uint64_t)rand() << 32 | (uint64_t)rand());
		uint32_t len = rand() % 2 ? (uint32_t)(rand() % 4096) : (uint32_t)rand();

		vu_fe_desc_set(&fe, q, (uint16_t)(head + k), addr, len, flags[rand() % 8],
			       (uint16_t)(rand() % 2 ? (int)(head + k + 1) : rand()));
	}
	vu_fe_publish(&fe, q, head);
}

static void bad_hdr(void)
{
	static uint8_t f[9000];
	struct vn_vhdr vh = {
		.flags = (uint8_t)(rand() % 8),
		.gso_type = (uint8_t)(rand() % 2 ? rand() : 1),
		.hdr_len = (uint16_t)rand(),
		.gso_size = (uint16_t)(rand() % 64),
		.csum_start = (uint16_t)rand(),
		.csum_offset = (uint16_t)(rand() % 32),
	};
	uint32_t len = 14 + (uint32_t)(rand() % (sizeof(f) - 14));

	memset(f, 0xff, 12);
	f[12] = 0x08;
	f[13] = 0x00;
	vu_fe_tx(&fe, &vh, f, len, 1 + (unsigned int)(rand() % 4));
}

static void truncate_mem(void)
{
	uint64_t one = 1;

	/* A kick makes the device look at the (gone) ring and fault; we never
	 * touch the mapping again */
	if (ftruncate(fe.memfd, 0) == 0 && write(fe.vq[1].kick, &one, sizeof(one)) == sizeof(one))
		usleep(100000);
	drop_conn();
}

/* A blocking call eventfd at its maximum on ring @q */
static void call_full(void)
{
	uint64_t q = (uint64_t)(rand() % 2), max = 0xfffffffffffffffeull;
	int efd = eventfd(0, EFD_CLOEXEC);

	if (efd < 0)
		return;
	if (write(efd, &max, sizeof(max)) == sizeof(max))
		vu_fe_msg(&fe, VN_VU_SET_VRING_CALL, &q, 8, &efd, 1, NULL, 0);
	close(efd);
	flood();
}

struct racer {
	int fd;
	bool stop;
};

/* Take the counter to its maximum and back, over and over (blocking fd) */
static void *race(void *arg)
{
	uint64_t v, almost = 0xfffffffffffffffdull, one = 1;
	struct racer *r = arg;
	struct pollfd p;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		p = (struct pollfd){ .fd = r->fd, .events = POLLIN };
		if (poll(&p, 1, 10) == 1 && read(r->fd, &v, sizeof(v)) < 0)
			break;
		if (write(r->fd, &almost, sizeof(almost)) < 0 || write(r->fd, &one, sizeof(one)) < 0)
			break;
	}
	return NULL;
}

/* F1's race: the counter fills between the device's poll() and its write() */
static void call_race(void)
{
	struct racer *r = calloc(1, sizeof(*r));
	bool joined = false;
	uint64_t q = 1, v;
	struct pollfd p;
	pthread_t t;
	int i;

	if (!r)
		return;
	r->fd = eventfd(0, EFD_CLOEXEC);
	if (r->fd < 0 || vu_fe_msg(&fe, VN_VU_SET_VRING_CALL, &q, 8, &r->fd, 1, NULL, 0) ||
	    pthread_create(&t, NULL, race, r)) {
		if (r->fd >= 0)
			close(r->fd);
		free(r);
		return;
	}
	for (i = 0; i < 5; i++) {
		flood();
		usleep(20000);
	}
	__atomic_store_n(&r->stop, true, __ATOMIC_RELAXED);
	/* Let the racer out of a write that found the counter full */
	for (i = 0; i < 200 && !joined; i++) {
		joined = pthread_tryjoin_np(t, NULL) == 0;
		p = (struct pollfd){ .fd = r->fd, .events = POLLIN };
		if (!joined && poll(&p, 1, 5) == 1 && read(r->fd, &v, sizeof(v)) < 0)
			break;
	}
	if (!joined) {
		pthread_detach(t);	/* still stuck: its fd and state are leaked, ours alone */
		return;
	}
	close(r->fd);
	free(r);
}

static void kick_blocking(void)
{
	int k = fe.vq[rand() % 2].kick;

	if (k > 0)
		fcntl(k, F_SETFL, fcntl(k, F_GETFL) & ~O_NONBLOCK);
}

static void not_eventfd(void)
{
	uint64_t q = (uint64_t)(rand() % 2);
	uint32_t req = rand() % 2 ? VN_VU_SET_VRING_CALL : VN_VU_SET_VRING_KICK;
	int p[2];

	if (pipe(p))
		return;
	vu_fe_msg(&fe, req, &q, 8, &p[rand() % 2], 1, NULL, 0);
	close(p[0]);
	close(p[1]);
	drop_conn();	/* refused: the device closed the connection */
}

static void garbage(void)
{
	uint8_t b[256];
	size_t n = 1 + (size_t)(rand() % sizeof(b)), i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)rand();
	if (write(fe.sock, b, n) < 0)
		return;
	usleep(20000);
	drop_conn();
}

static void no_read(void)
{
	uint8_t m[12] = { 1, 0, 0, 0, 1, 0, 0, 0 };	/* GET_FEATURES, version 1 */
	unsigned int i;

	for (i = 0; i < 400; i++)
		if (send(fe.sock, m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			break;
	drop_conn();
}

static void big_table(void)
{
	struct vn_vu_mem_table t;
	int mfd = memfd_create("vu-soak-sparse", MFD_CLOEXEC), fds[8], i;
	uint64_t big = 16ull << 40;

	if (mfd < 0)
		return;
	if (ftruncate(mfd, (off_t)big) == 0) {
		memset(&t, 0, sizeof(t));
		t.nregions = 8;
		for (i = 0; i < 8; i++) {
			t.r[i] = (struct vn_vu_region_desc){ (uint64_t)i * big, big,
							     VU_FE_UVA_BASE + (uint64_t)i * big, 0 };
			fds[i] = mfd;
		}
		vu_fe_msg(&fe, VN_VU_SET_MEM_TABLE, &t, 8 + 8 * 32, fds, 8, NULL, 0);
	}
	close(mfd);
	drop_conn();
}

static void empty_rx(void)
{
	unsigned int i, n = (unsigned int)(rand() % 64);

	/* Zero-length writable buffers: nothing fits, nothing may spin */
	for (i = 0; i < n; i++) {
		uint16_t d = fe.vq[0].next_desc++;

		vu_fe_desc_set(&fe, 0, d, vu_fe_alloc(&fe, 0, 64), 0, VN_VRING_DESC_F_WRITE, 0);
		vu_fe_publish(&fe, 0, (uint16_t)(d % fe.vq[0].size));
	}
}

static void stop_start(void)
{
	unsigned int q = (unsigned int)(rand() % 2);

	if (vu_fe_stop(&fe, q) < 0 || vu_fe_start_ring(&fe, q))
		drop_conn();
}

int main(int argc, char **argv)
{
	double end, down_since = 0;
	unsigned int seed;
	int secs, a;

	if (argc < 3 || (secs = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: vu_soak SOCKET SECONDS [SEED]\n");
		return 2;
	}
	path = argv[1];
	seed = argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 0) : (unsigned int)time(NULL);
	printf("vu_soak: seed %u, %d s\n", seed, secs);
	srand(seed);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned int)secs + 60);	/* our own bound, whatever happens */
	end = now() + secs;
	while (now() < end) {
		if (!up) {
			if (!connect_up()) {
				if (!down_since)
					down_since = now();
				if (now() - down_since > 10) {
					fprintf(stderr, "vu_soak: %s refused connections for 10 s\n", path);
					return 1;
				}
				usleep(100000);
				continue;
			}
			down_since = 0;
			if (!up)
				continue;
		}
		a = rand() % A__MAX;
		counts[a]++;
		switch (a) {
		case A_FLOOD: flood(); break;
		case A_BAD_CHAIN: bad_chain(); break;
		case A_BAD_HDR: bad_hdr(); break;
		case A_TRUNCATE: truncate_mem(); break;
		case A_RESET: drop_conn(); break;
		case A_CALL_FULL: call_full(); break;
		case A_KICK_BLOCKING: kick_blocking(); break;
		case A_NOT_EVENTFD: not_eventfd(); break;
		case A_GARBAGE: garbage(); break;
		case A_NO_READ: no_read(); break;
		case A_BIG_TABLE: big_table(); break;
		case A_EMPTY_RX: empty_rx(); break;
		case A_STOP_START: stop_start(); break;
		case A_CALL_RACE: call_race(); break;
		}
		/* A broken ring stays broken: start over now and then */
		if (up && rand() % 8 == 0)
			drop_conn();
		usleep(20000);
	}
	drop_conn();
	for (a = 0; a < A__MAX; a++)
		printf("vu_soak: %-15s %lu\n", act_names[a], counts[a]);
	return 0;
}

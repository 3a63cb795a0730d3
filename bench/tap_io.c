// SPDX-License-Identifier: MIT
/* tap_io.c - bench: tap I/O with one syscall per frame vs io_uring batches
 *
 * Question (issue 4): does io_uring cut the cost per frame of a tap port?
 * The tap is a character device: no recvmmsg/sendmmsg, so a port does one
 * read() or writev() per frame. io_uring can submit a burst of them in one
 * io_uring_enter(). Both are measured in the same run, on the same tap, in
 * a private network namespace (root):
 *
 *  tx: write 64-byte frames (12-byte virtio-net header + 64) to the tap:
 *      writev() per frame vs one io_uring submit of 64 WRITEV per burst.
 *  rx: the kernel queues frames on the tap (AF_PACKET sendmmsg, untimed);
 *      drain them with read() per frame until EAGAIN vs io_uring bursts of
 *      64 READ (only the drain is timed).
 *
 * Prints frames/s for each and the ratio io_uring / syscall. The machine has
 * 2 shared cores: figures are noisy; run it a few times.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>

#define BURST		64
#define FRAME		64
#define HDR		12
#define TX_FRAMES	(1u << 20)
#define RX_ROUNDS	400
#define RX_FILL		512	/* below the tap's txqueuelen (1000); a multiple of BURST */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int tap_open(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK), hdr = HDR, s;

	if (fd < 0)
		die("/dev/net/tun");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETVNETHDRSZ, &hdr))
		die("TUNSETIFF");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		die("link up");
	close(s);
	return fd;
}

static uint8_t frame[HDR + FRAME];

static double tx_syscall(int fd)
{
	struct iovec iov[2] = { { frame, HDR }, { frame + HDR, FRAME } };
	double t = now();
	unsigned int i;

	for (i = 0; i < TX_FRAMES; i++)
		if (writev(fd, iov, 2) < 0 && errno != EAGAIN)
			die("writev");
	return TX_FRAMES / (now() - t);
}

static double tx_uring(struct io_uring *ring, int fd)
{
	struct iovec iov[2] = { { frame, HDR }, { frame + HDR, FRAME } };
	struct io_uring_cqe *cqe;
	unsigned int i, j, head, seen;
	double t = now();

	for (i = 0; i < TX_FRAMES; i += BURST) {
		for (j = 0; j < BURST; j++)
			io_uring_prep_writev(io_uring_get_sqe(ring), fd, iov, 2, 0);
		io_uring_submit_and_wait(ring, BURST);
		seen = 0;
		io_uring_for_each_cqe(ring, head, cqe)
			seen++;
		io_uring_cq_advance(ring, seen);
	}
	return TX_FRAMES / (now() - t);
}

/* Queue RX_FILL frames on the tap from the kernel side */
static void fill(int ps)
{
	static struct mmsghdr msgs[RX_FILL];
	static struct iovec iov;
	unsigned int i, sent = 0;
	int r;

	iov.iov_base = frame + HDR;
	iov.iov_len = FRAME;
	for (i = 0; i < RX_FILL; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (sent < RX_FILL) {
		r = sendmmsg(ps, msgs + sent, RX_FILL - sent, 0);
		if (r <= 0)
			die("sendmmsg");
		sent += (unsigned int)r;
	}
}

static uint8_t bufs[BURST][2048];

static double rx_syscall(int fd, int ps)
{
	double busy = 0, t;
	unsigned long n = 0;
	unsigned int r, j;

	for (r = 0; r < RX_ROUNDS; r++) {
		fill(ps);
		t = now();
		for (j = 0; j < RX_FILL; j++)
			if (read(fd, bufs[j % BURST], sizeof(bufs[0])) > 0)
				n++;
		busy += now() - t;
	}
	if (n != (unsigned long)RX_ROUNDS * RX_FILL) {
		fprintf(stderr, "rx: %lu of %u frames arrived\n", n, RX_ROUNDS * RX_FILL);
		return 0;
	}
	return n / busy;
}

static double rx_uring(struct io_uring *ring, int fd, int ps)
{
	struct io_uring_cqe *cqe;
	unsigned int r, j, head, seen, left;
	unsigned long n = 0;
	double busy = 0, t;

	for (r = 0; r < RX_ROUNDS; r++) {
		fill(ps);
		t = now();
		/* exactly the frames queued: a read of an empty tap would park in io_uring */
		for (left = RX_FILL; left; left -= BURST) {
			for (j = 0; j < BURST; j++)
				io_uring_prep_read(io_uring_get_sqe(ring), fd, bufs[j],
						   sizeof(bufs[0]), 0);
			io_uring_submit_and_wait(ring, BURST);
			seen = 0;
			io_uring_for_each_cqe(ring, head, cqe) {
				seen++;
				if (cqe->res > 0)
					n++;
			}
			io_uring_cq_advance(ring, seen);
		}
		busy += now() - t;
	}
	if (n != (unsigned long)RX_ROUNDS * RX_FILL) {
		fprintf(stderr, "rx io_uring: %lu of %u frames arrived\n", n, RX_ROUNDS * RX_FILL);
		return 0;
	}
	return n / busy;
}

int main(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	double txs, txu, rxs, rxu;
	struct io_uring ring;
	int fd, ps;

	FILE *f;

	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET) (needs root)");
	/* no IPv6 autoconf frames on the tap: the rx rounds count frames exactly */
	f = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "w");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	fd = tap_open("vnbench0");
	memset(frame + HDR, 0xff, 6);
	memcpy(frame + HDR + 6, "\x02\x00\x00\x00\x00\x01\x88\xb5", 8);
	if (io_uring_queue_init(2 * BURST, &ring, 0))
		die("io_uring_queue_init");
	ps = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	sll.sll_ifindex = (int)if_nametoindex("vnbench0");
	if (ps < 0 || bind(ps, (struct sockaddr *)&sll, sizeof(sll)))
		die("AF_PACKET");

	txs = tx_syscall(fd);
	txu = tx_uring(&ring, fd);
	rxs = rx_syscall(fd, ps);
	rxu = rx_uring(&ring, fd, ps);
	if (rxs == 0 || rxu == 0)
		return 1;
	printf("tap tx, %d-byte frames: writev/frame %.0f f/s, io_uring x%d %.0f f/s, ratio %.2f\n",
	       FRAME, txs, BURST, txu, txu / txs);
	printf("tap rx, %d-byte frames: read/frame   %.0f f/s, io_uring x%d %.0f f/s, ratio %.2f\n",
	       FRAME, rxs, BURST, rxu, rxu / rxs);
	io_uring_queue_exit(&ring);
	return 0;
}

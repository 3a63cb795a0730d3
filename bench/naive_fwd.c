// SPDX-License-Identifier: MIT
/* naive_fwd.c - bench peer: a two-thread passthrough forwarder with offloads
 *
 * The least a forwarder between two taps can do while keeping TSO: both taps
 * opened with IFF_VNET_HDR and TUNSETOFFLOAD (csum, TSO4/6, TSO_ECN), one
 * thread per direction, each doing a blocking read() of one frame from its
 * source tap and a write() of the same bytes, virtio-net header included,
 * to the other. No switch, no learning, no header checks, no batching. The
 * kernel does the rest: a 64 KiB TSO frame crosses in one read and one
 * write. vnetd, which learns, checks and can run programs, should beat it;
 * bench/tcp.sh measures both in one run.
 *
 * usage: bench_naive_fwd TAP_A TAP_B    (root; creates both taps, prints
 * "naive: ready", forwards until SIGINT/SIGTERM, then prints the frames and
 * write errors of each direction)
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

struct naive_dir {
	int from;
	int to;
	uint64_t frames;
	uint64_t errors;
};

static int naive_tap(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int hdr = (int)sizeof(struct virtio_net_hdr_mrg_rxbuf);
	unsigned int off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		perror("naive: /dev/net/tun");
		exit(1);
	}
	if (strlen(name) >= sizeof(ifr.ifr_name)) {
		fprintf(stderr, "naive: tap name '%s' too long\n", name);
		exit(1);
	}
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETVNETHDRSZ, &hdr) ||
	    ioctl(fd, TUNSETOFFLOAD, off)) {
		fprintf(stderr, "naive: setting up %s: %s\n", name, strerror(errno));
		exit(1);
	}
	return fd;
}

/* One direction: read a frame, write the same bytes; until the process ends */
static void *naive_run(void *arg)
{
	static _Thread_local uint8_t buf[65536 + 64];
	struct naive_dir *d = arg;
	ssize_t r;

	for (;;) {
		r = read(d->from, buf, sizeof(buf));
		if (r <= 0) {
			if (r < 0 && errno != EINTR && errno != EAGAIN)
				__atomic_fetch_add(&d->errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (write(d->to, buf, (size_t)r) == r)
			__atomic_fetch_add(&d->frames, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&d->errors, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct naive_dir dir[2];
	pthread_t th[2];
	sigset_t set;
	int a, b, sig;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TAP_A TAP_B\n", argv[0]);
		return 1;
	}
	a = naive_tap(argv[1]);
	b = naive_tap(argv[2]);
	dir[0] = (struct naive_dir){ .from = a, .to = b };
	dir[1] = (struct naive_dir){ .from = b, .to = a };
	/* the threads inherit the mask: only the main thread takes the signal */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (int i = 0; i < 2; i++) {
		if (pthread_create(&th[i], NULL, naive_run, &dir[i])) {
			fprintf(stderr, "naive: cannot start a thread\n");
			return 1;
		}
	}
	printf("naive: ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	for (int i = 0; i < 2; i++)
		printf("naive: %s -> %s: %llu frames, %llu errors\n", argv[1 + i], argv[2 - i],
		       (unsigned long long)__atomic_load_n(&dir[i].frames, __ATOMIC_RELAXED),
		       (unsigned long long)__atomic_load_n(&dir[i].errors, __ATOMIC_RELAXED));
	return 0;
}

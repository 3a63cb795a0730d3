// SPDX-License-Identifier: MIT
/* fwd1.c - bench peer: the one-syscall-per-frame tap forwarder vnetd must beat
 *
 * The simplest userspace switch between two taps, as VDE's switch and many
 * small tools do it: poll() both taps, and for each one that is readable
 * read ONE frame and write it to the other tap; back to poll(). So every
 * frame costs a poll(), a read() and a write(). No offloads (no virtio-net
 * header): the kernel segments and checksums before the tap. bench/tcp.sh
 * runs it as case (e) in the same run as vnetd and the Linux bridge.
 *
 * usage: bench_fwd1 TAP_A TAP_B    (root; creates both taps, prints
 * "fwd1: ready" once they exist, forwards until SIGINT/SIGTERM, then prints
 * the frames it forwarded and the write errors)
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_tun.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int tap_create(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		perror("fwd1: /dev/net/tun");
		exit(1);
	}
	if (strlen(name) >= sizeof(ifr.ifr_name)) {
		fprintf(stderr, "fwd1: tap name '%s' too long\n", name);
		exit(1);
	}
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		fprintf(stderr, "fwd1: TUNSETIFF %s: %s\n", name, strerror(errno));
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	static uint8_t buf[65536];
	struct pollfd pfd[2];
	uint64_t frames = 0, errors = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	ssize_t r;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TAP_A TAP_B\n", argv[0]);
		return 1;
	}
	pfd[0].fd = tap_create(argv[1]);
	pfd[1].fd = tap_create(argv[2]);
	pfd[0].events = pfd[1].events = POLLIN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("fwd1: ready\n");
	fflush(stdout);
	while (!stop) {
		if (poll(pfd, 2, 1000) < 0) {
			if (errno == EINTR)
				continue;
			perror("fwd1: poll");
			return 1;
		}
		for (int i = 0; i < 2; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r <= 0)
				continue;
			if (write(pfd[!i].fd, buf, (size_t)r) == r)
				frames++;
			else
				errors++;
		}
	}
	printf("fwd1: %llu frames forwarded, %llu write errors\n", (unsigned long long)frames,
	       (unsigned long long)errors);
	return 0;
}

// SPDX-License-Identifier: MIT
/* test_fdpass.c - descriptors passed with a request, and FILE found in an XDP spec */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl/fdpass.h"

static unsigned int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_pass_one(void **state)
{
	struct stat a, b;
	char buf[64];
	int sv[2], file, fd = -1;
	unsigned int before;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	file = open("/proc/self/exe", O_RDONLY);
	assert_true(file >= 0);
	assert_int_equal(vn_ctl_fdpass_send(sv[0], "hello\n", 6, file), 0);
	assert_int_equal(vn_ctl_fdpass_recv(sv[1], buf, sizeof(buf), &fd), 6);
	assert_memory_equal(buf, "hello\n", 6);
	/* the same file, close-on-exec in the receiver */
	assert_true(fd >= 0 && fd != file);
	assert_int_equal(fstat(file, &a), 0);
	assert_int_equal(fstat(fd, &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* a second descriptor while one is held: closed at once, the first kept */
	before = open_fds();
	assert_int_equal(vn_ctl_fdpass_send(sv[0], "x", 1, file), 0);
	{
		int held = fd;

		assert_int_equal(vn_ctl_fdpass_recv(sv[1], buf, sizeof(buf), &fd), 1);
		assert_int_equal(fd, held);
	}
	assert_int_equal(open_fds(), before);
	/* plain bytes: no descriptor appears */
	close(fd);
	fd = -1;
	assert_int_equal(vn_ctl_fdpass_send(sv[0], "y", 1, -1), 0);
	assert_int_equal(vn_ctl_fdpass_recv(sv[1], buf, sizeof(buf), &fd), 1);
	assert_int_equal(fd, -1);
	/* nothing queued: EAGAIN, as recv(MSG_DONTWAIT) */
	assert_int_equal(vn_ctl_fdpass_recv(sv[1], buf, sizeof(buf), &fd), -1);
	assert_int_equal(errno, EAGAIN);
	/* the peer gone: EOF, and a send fails with EPIPE, no SIGPIPE */
	close(sv[0]);
	assert_int_equal(vn_ctl_fdpass_recv(sv[1], buf, sizeof(buf), &fd), 0);
	assert_int_equal(vn_ctl_fdpass_send(sv[1], "z", 1, file), -EPIPE);
	close(sv[1]);
	close(file);
}

static void test_spec_file(void **state)
{
	static const struct { const char *spec; int ret; const char *file; } cases[] = {
		{ "vnet0:ingress:prog.o", 0, "prog.o" },
		{ "vnet0:egress:/a/b.o:xdp_main", 0, "/a/b.o" },
		{ "vnet0:ingress:b.o:sec:segment-first", 0, "b.o" },
		{ "vnet0:ingress:b.o:segment-first", 0, "b.o" },
		/* hostile or unfinished: no FILE to open */
		{ "", -EINVAL, NULL },
		{ "vnet0", -EINVAL, NULL },
		{ "vnet0:ingress", -EINVAL, NULL },
		{ "vnet0:ingress:", -EINVAL, NULL },
		{ "vnet0:ingress::sec", -EINVAL, NULL },
		{ "::", -EINVAL, NULL },
		{ ":::", -EINVAL, NULL },
		/* odd, but FILE is there: the daemon's parser judges the rest */
		{ "::x", 0, "x" },
	};
	size_t off, len;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = vn_ctl_xdp_spec_file(cases[i].spec, &off, &len);

		assert_int_equal(ret, cases[i].ret);
		if (ret)
			continue;
		assert_int_equal(len, strlen(cases[i].file));
		assert_memory_equal(cases[i].spec + off, cases[i].file, len);
	}
	assert_int_equal(vn_ctl_xdp_spec_file(NULL, &off, &len), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_one),
		cmocka_unit_test(test_spec_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

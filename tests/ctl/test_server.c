// SPDX-License-Identifier: MIT
/* test_server.c - control socket transport: framing, limits, peers, slow clients
 *
 * Real unix sockets and real credentials (the test runs as root and drops
 * to uid 65534 in a child). The dispatch function is a small echo: the
 * switch-backed handlers are tested end to end in tests/e2e/.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "ctl/fdpass.h"
#include "ctl/server.h"

static char dir[40], path[100];
static ino_t seen_ino;		/* inode of the descriptor the last request came with, 0 */

/* Echo the args back; "port.del" fails like a missing port would. */
static int echo_dispatch(void *ctx, const struct vn_ctl_request *req, struct json_object **result,
			 char *msg, size_t msglen)
{
	struct stat st;

	(void)ctx;
	seen_ino = req->fd >= 0 && !fstat(req->fd, &st) ? st.st_ino : 0;
	if (req->cmd->id == VN_CTL_CMD_PORT_DEL) {
		snprintf(msg, msglen, "port not found");
		return -ENOENT;
	}
	*result = json_object_get(req->args);
	return 0;
}

static struct vn_ctl_server *start(unsigned int max_clients)
{
	struct vn_ctl_server_conf conf = {
		.path = path, .dispatch = echo_dispatch, .max_clients = max_clients,
	};
	struct vn_ctl_server *srv = NULL;

	assert_int_equal(vn_ctl_server_open(&conf, &srv), 0);
	return srv;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vn-ctl-srv-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/sub/dir/vnetd.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int conn(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void send_str(int fd, const char *s)
{
	size_t len = strlen(s);

	assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Read one line (5 s timeout per wait); returns its length, 0 on EOF. */
static ssize_t read_line(int fd, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;

	while (n + 1 < size) {
		if (poll(&pfd, 1, 5000) != 1)
			fail_msg("no reply within 5 s");
		ssize_t r = recv(fd, buf + n, 1, 0);

		if (r <= 0)
			break;
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return (ssize_t)n;
		}
		n++;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

static void expect_reply(int fd, const char *needle)
{
	char buf[8192];

	assert_true(read_line(fd, buf, sizeof(buf)) > 0);
	if (!strstr(buf, needle))
		fail_msg("reply \"%s\" lacks \"%s\"", buf, needle);
}

/* A streaming command: "busy" fails (the server replies), anything else
 * takes the socket, writes its own line and raw bytes, and closes it */
static const char stream_bytes[] = "{\"v\":1,\"id\":7,\"ok\":true,\"result\":null}\nRAW\x00\x01";

static int stream_fn(void *ctx, const struct vn_ctl_request *req, int fd, char *msg,
		     size_t msglen)
{
	struct json_object *v;

	(void)ctx;
	if (json_object_object_get_ex(req->args, "port", &v) &&
	    !strcmp(json_object_get_string(v), "busy")) {
		snprintf(msg, msglen, "port busy");
		return -EBUSY;
	}
	assert_int_equal(send(fd, stream_bytes, sizeof(stream_bytes) - 1, MSG_NOSIGNAL),
			 (ssize_t)sizeof(stream_bytes) - 1);
	close(fd);
	return 0;
}

static void test_server_stream_handoff(void **state)
{
	struct vn_ctl_server_conf conf = {
		.path = path, .dispatch = echo_dispatch, .stream = stream_fn,
	};
	struct vn_ctl_server *srv = NULL;
	char buf[256];
	ssize_t n, got = 0;
	int fd, fd2;

	(void)state;
	assert_int_equal(vn_ctl_server_open(&conf, &srv), 0);
	fd = conn();
	assert_true(fd >= 0);
	send_str(fd, "{\"v\":1,\"id\":6,\"cmd\":\"capture.start\",\"args\":{\"port\":\"busy\"}}\n");
	expect_reply(fd, "\"EBUSY\"");
	/* the same connection still serves ordinary requests after a failed stream */
	send_str(fd, "{\"v\":1,\"id\":8,\"cmd\":\"version\"}\n");
	expect_reply(fd, "\"proto\":1");
	send_str(fd, "{\"v\":1,\"id\":7,\"cmd\":\"capture.start\",\"args\":{\"port\":\"p\"}}\n");
	/* the stream's bytes, then EOF: the server sent nothing of its own */
	while ((n = recv(fd, buf + got, sizeof(buf) - (size_t)got, 0)) > 0)
		got += n;
	assert_int_equal(got, sizeof(stream_bytes) - 1);
	assert_memory_equal(buf, stream_bytes, sizeof(stream_bytes) - 1);
	close(fd);
	/* others are unaffected */
	fd2 = conn();
	send_str(fd2, "{\"v\":1,\"id\":9,\"cmd\":\"version\"}\n");
	expect_reply(fd2, "\"id\":9");
	close(fd2);
	vn_ctl_server_close(srv);
	/* without a stream function the command is refused */
	srv = start(0);
	fd = conn();
	send_str(fd, "{\"v\":1,\"id\":1,\"cmd\":\"capture.start\",\"args\":{\"port\":\"p\"}}\n");
	expect_reply(fd, "\"EOPNOTSUPP\"");
	close(fd);
	vn_ctl_server_close(srv);
}

static void test_server_version_mode_and_dirs(void **state)
{
	struct vn_ctl_server *srv;
	struct stat st;
	int fd;

	(void)state;
	srv = start(0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	fd = conn();
	assert_true(fd >= 0);
	send_str(fd, "{\"v\":1,\"id\":1,\"cmd\":\"version\"}\n");
	expect_reply(fd, "{\"v\":1,\"id\":1,\"ok\":true,\"result\":{\"version\":\"");
	send_str(fd, "{\"v\":1,\"id\":2,\"cmd\":\"help\"}\n");
	expect_reply(fd, "\"usage\":\"port add SPEC [worker N]\"");
	/* capture is listed as vnetctl takes it, not as its request's fields */
	send_str(fd, "{\"v\":1,\"id\":3,\"cmd\":\"help\"}\n");
	expect_reply(fd, "\"usage\":\"capture PORT [ingress|egress] -w FILE.pcap [-c COUNT] "
		     "[-f FILTER] [-s SNAPLEN]\"");
	close(fd);
	vn_ctl_server_close(srv);
	/* the socket goes away with the server */
	assert_int_equal(stat(path, &st), -1);
}

static void test_server_pipelined_garbage_and_errors(void **state)
{
	struct vn_ctl_server *srv = start(0);
	int fd = conn();

	(void)state;
	/* three requests in one write, garbage and a blank line between them */
	send_str(fd, "{\"v\":1,\"id\":1,\"cmd\":\"stats\",\"args\":{\"port\":\"a\"}}\n"
		     "\n"
		     "this is not json\n"
		     "{\"v\":1,\"id\":3,\"cmd\":\"port.del\",\"args\":{\"name\":\"x\"}}\n"
		     "{\"v\":1,\"id\":4,\"cmd\":\"nope\"}\n");
	expect_reply(fd, "\"id\":1,\"ok\":true,\"result\":{\"port\":\"a\"}");
	expect_reply(fd, "\"id\":null,\"ok\":false,\"error\":{\"code\":\"EINVAL\"");
	expect_reply(fd, "\"id\":3,\"ok\":false,\"error\":{\"code\":\"ENOENT\",\"errno\":2,"
		     "\"message\":\"port not found\"}");
	expect_reply(fd, "\"id\":4,\"ok\":false,\"error\":{\"code\":\"EOPNOTSUPP\"");
	/* the connection survived all of it */
	send_str(fd, "{\"v\":1,\"id\":5,\"cmd\":\"version\"}\n");
	expect_reply(fd, "\"id\":5,\"ok\":true");
	close(fd);
	vn_ctl_server_close(srv);
}

/* A descriptor sent with a request reaches that request only, and is closed after it */
static void test_server_passed_fd(void **state)
{
	struct vn_ctl_server *srv = start(0);
	static const char line[] = "{\"v\":1,\"id\":1,\"cmd\":\"stats\"}\n";
	struct stat st;
	int fd = conn(), p[2];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fstat(p[0], &st), 0);
	assert_int_equal(vn_ctl_fdpass_send(fd, line, strlen(line), p[0]), 0);
	expect_reply(fd, "\"id\":1,\"ok\":true");
	assert_true(seen_ino == st.st_ino);
	/* the next request has none */
	send_str(fd, line);
	expect_reply(fd, "\"id\":1,\"ok\":true");
	assert_true(seen_ino == 0);
	/* ... and the server's copy is closed: with ours, no reader is left */
	close(p[0]);
	assert_int_equal(write(p[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(p[1]);
	/* a malformed request with a descriptor: refused, descriptor closed too */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(vn_ctl_fdpass_send(fd, "garbage\n", 8, p[0]), 0);
	expect_reply(fd, "\"ok\":false");
	close(p[0]);
	assert_int_equal(write(p[1], "x", 1), -1);
	close(p[1]);
	close(fd);
	vn_ctl_server_close(srv);
}

static void test_server_oversized_line_closes(void **state)
{
	struct vn_ctl_server *srv = start(0);
	char *big, buf[512];
	size_t n = VN_CTL_LINE_MAX + 4096;
	int fd = conn();

	(void)state;
	big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	/* the server stops reading at the cap, so send may stop short: fine */
	(void)send(fd, big, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	expect_reply(fd, "\"code\":\"EMSGSIZE\"");
	assert_int_equal(read_line(fd, buf, sizeof(buf)), 0);	/* then EOF */
	free(big);
	close(fd);
	/* other clients are unaffected */
	fd = conn();
	send_str(fd, "{\"v\":1,\"id\":1,\"cmd\":\"version\"}\n");
	expect_reply(fd, "\"ok\":true");
	close(fd);
	vn_ctl_server_close(srv);
}

static void test_server_last_line_without_newline(void **state)
{
	struct vn_ctl_server *srv = start(0);
	char buf[512];
	int fd = conn();

	(void)state;
	send_str(fd, "{\"v\":1,\"id\":8,\"cmd\":\"version\"}");
	shutdown(fd, SHUT_WR);
	expect_reply(fd, "\"id\":8,\"ok\":true");
	assert_int_equal(read_line(fd, buf, sizeof(buf)), 0);
	close(fd);
	vn_ctl_server_close(srv);
}

static void test_server_slow_reader_does_not_block_others(void **state)
{
	struct vn_ctl_server *srv = start(0);
	static const char req[] = "{\"v\":1,\"id\":1,\"cmd\":\"help\"}\n";
	int slow = conn(), fd, i, sent = 0;

	(void)state;
	/* queue requests until the socket is full, never read a reply */
	for (i = 0; i < 100000; i++) {
		if (send(slow, req, sizeof(req) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			break;
		sent++;
	}
	assert_true(sent > 0);
	fd = conn();
	send_str(fd, "{\"v\":1,\"id\":2,\"cmd\":\"version\"}\n");
	expect_reply(fd, "\"id\":2,\"ok\":true");
	close(fd);
	close(slow);
	vn_ctl_server_close(srv);
}

static void test_server_client_cap(void **state)
{
	struct vn_ctl_server *srv = start(2);
	int a = conn(), b = conn(), c;

	(void)state;
	/* make sure a and b are accepted before c arrives */
	send_str(a, "{\"v\":1,\"id\":1,\"cmd\":\"version\"}\n");
	expect_reply(a, "\"ok\":true");
	send_str(b, "{\"v\":1,\"id\":1,\"cmd\":\"version\"}\n");
	expect_reply(b, "\"ok\":true");
	c = conn();
	expect_reply(c, "\"code\":\"EBUSY\"");
	close(c);
	close(a);
	/* a slot is free again once a's close was seen (bounded: 10 s) */
	{
		bool admitted = false;

		for (int tries = 0; tries < 500 && !admitted; tries++) {
			char buf[512];

			c = conn();
			send_str(c, "{\"v\":1,\"id\":9,\"cmd\":\"version\"}\n");
			assert_true(read_line(c, buf, sizeof(buf)) > 0);
			close(c);
			admitted = strstr(buf, "\"id\":9,\"ok\":true") != NULL;
			if (!admitted)
				usleep(20000);
		}
		assert_true(admitted);
	}
	close(b);
	vn_ctl_server_close(srv);
}

/* In a child: drop to uid 65534 with @gid and @extra, connect, print the reply's code. */
static int peer_as(gid_t gid, gid_t extra, char *out, size_t outlen)
{
	int pfd[2], status;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* no cmocka asserts in the child: it must only ever _exit() */
		static const char req[] = "{\"v\":1,\"id\":1,\"cmd\":\"version\"}\n";
		struct pollfd p = { .events = POLLIN };
		gid_t groups[1] = { extra };
		char buf[512];
		size_t got = 0;

		close(pfd[0]);
		if (setgroups(extra ? 1 : 0, groups) || setresgid(gid, gid, gid) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		p.fd = conn();
		if (p.fd < 0)
			_exit(3);
		/* a refused peer may see the reply and the close before it sends */
		(void)send(p.fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
		while (got < sizeof(buf) && poll(&p, 1, 5000) == 1) {
			n = recv(p.fd, buf + got, sizeof(buf) - got, 0);
			if (n <= 0)
				break;
			got += (size_t)n;
			if (memchr(buf, '\n', got))
				break;
		}
		if (write(pfd[1], buf, got) != (ssize_t)got)
			_exit(4);
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], out, outlen - 1);
	out[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_server_peer_credentials(void **state)
{
	struct vn_ctl_server *srv = start(0);
	char out[512];

	(void)state;
	/* let anyone reach the socket file, so SO_PEERCRED is what decides */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(chown(path, 0, 4242), 0);
	assert_int_equal(peer_as(65534, 0, out, sizeof(out)), 0);
	if (!strstr(out, "\"code\":\"EACCES\""))
		fail_msg("nobody was not refused: %s", out);
	/* primary group of the socket: allowed */
	assert_int_equal(peer_as(4242, 0, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"ok\":true"));
	/* supplementary group of the socket: allowed */
	assert_int_equal(peer_as(65534, 4242, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"ok\":true"));
	vn_ctl_server_close(srv);
}

static void test_server_refuses_live_and_foreign_paths(void **state)
{
	struct vn_ctl_server_conf conf = { .path = path, .dispatch = echo_dispatch };
	struct vn_ctl_server *srv = start(0), *other = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char longp[200];
	int fd;

	(void)state;
	/* a live daemon on the path keeps it */
	assert_int_equal(vn_ctl_server_open(&conf, &other), -EADDRINUSE);
	vn_ctl_server_close(srv);
	/* a stale socket left by a dead daemon is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	srv = start(0);
	vn_ctl_server_close(srv);
	/* a regular file is not ours to remove */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(vn_ctl_server_open(&conf, &other), -EEXIST);
	unlink(path);
	memset(longp, 'x', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	conf.path = longp;
	assert_int_equal(vn_ctl_server_open(&conf, &other), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_version_mode_and_dirs),
		cmocka_unit_test(test_server_pipelined_garbage_and_errors),
		cmocka_unit_test(test_server_oversized_line_closes),
		cmocka_unit_test(test_server_last_line_without_newline),
		cmocka_unit_test(test_server_slow_reader_does_not_block_others),
		cmocka_unit_test(test_server_client_cap),
		cmocka_unit_test(test_server_peer_credentials),
		cmocka_unit_test(test_server_refuses_live_and_foreign_paths),
		cmocka_unit_test(test_server_stream_handoff),
		cmocka_unit_test(test_server_passed_fd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

// SPDX-License-Identifier: MIT
/* ctl_harness.c - a real control server on a running switch, one client socket */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl/fdpass.h"
#include "ctl_harness.h"

struct vn_sw *ctl_h_sw;
struct vn_ctl_server *ctl_h_srv;
static char dir[100];
static int fd = -1;

int ctl_h_setup(const char *tag)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[100];

	snprintf(dir, sizeof(dir), "/tmp/vn-ctl-%s-%d", tag, (int)getpid());
	snprintf(path, sizeof(path), "/tmp/vn-ctl-%s-%d/vnetd.sock", tag, (int)getpid());
	if (vn_sw_create(NULL, &ctl_h_sw) || vn_sw_start(ctl_h_sw) ||
	    vn_ctl_server_start(ctl_h_sw, path, &ctl_h_srv))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

int ctl_h_teardown(void)
{
	close(fd);
	vn_ctl_server_stop(ctl_h_srv);
	vn_sw_destroy(ctl_h_sw);
	return rmdir(dir);
}

static struct json_object *vreq(int pass, const char *fmt, va_list ap)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	static char buf[1 << 20];
	char line[4096];
	size_t n = 0;
	int len;

	len = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	line[len++] = '\n';
	assert_int_equal(vn_ctl_fdpass_send(fd, line, (size_t)len, pass), 0);
	while (n < sizeof(buf) - 1) {
		ssize_t r;

		if (poll(&pfd, 1, 5000) != 1)
			fail_msg("no reply within 5 s");
		r = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);
		assert_true(r > 0);
		n += (size_t)r;
		if (buf[n - 1] == '\n')
			break;
	}
	buf[n] = '\0';
	return json_tokener_parse(buf);
}

struct json_object *req(const char *fmt, ...)
{
	struct json_object *rep;
	va_list ap;

	va_start(ap, fmt);
	rep = vreq(-1, fmt, ap);
	va_end(ap);
	return rep;
}

struct json_object *req_fd(int pass, const char *fmt, ...)
{
	struct json_object *rep;
	va_list ap;

	va_start(ap, fmt);
	rep = vreq(pass, fmt, ap);
	va_end(ap);
	return rep;
}

struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

struct json_object *ok(struct json_object *rep)
{
	assert_non_null(rep);
	if (!json_object_get_boolean(get(rep, "ok")))
		fail_msg("request failed: %s", json_object_to_json_string(rep));
	return get(rep, "result");
}

const char *err_code(struct json_object *rep)
{
	assert_false(json_object_get_boolean(get(rep, "ok")));
	return json_object_get_string(get(get(rep, "error"), "code"));
}

const char *err_msg(struct json_object *rep, const char *code)
{
	const char *m;

	assert_string_equal(err_code(rep), code);
	m = json_object_get_string(get(get(rep, "error"), "message"));
	assert_non_null(m);
	assert_true(m[0] != '\0');
	return m;
}

// SPDX-License-Identifier: MIT
/* test_handlers.c - control commands against a real switch with pair ports
 *
 * The requests go through the real socket server; the ports are real
 * in-process pairs (port/pair.c) attached to a real, running switch.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "ctl/ctl.h"
#include "switch/sw.h"

static char path[100];
static struct vn_sw *sw;
static struct vn_ctl_server *srv;
static int fd = -1;

static int setup(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	(void)state;
	snprintf(path, sizeof(path), "/tmp/vn-ctl-h-%d/vnetd.sock", (int)getpid());
	if (vn_sw_create(NULL, &sw) || vn_sw_start(sw) || vn_ctl_server_start(sw, path, &srv))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int teardown(void **state)
{
	char dir[100];

	(void)state;
	close(fd);
	vn_ctl_server_stop(srv);
	vn_sw_destroy(sw);
	snprintf(dir, sizeof(dir), "/tmp/vn-ctl-h-%d", (int)getpid());
	return rmdir(dir);
}

/* Send one request, return the parsed reply object (caller puts it). */
static struct json_object *req(const char *fmt, ...)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	static char buf[1 << 20];
	char line[4096];
	size_t n = 0;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	line[len++] = '\n';
	assert_int_equal(send(fd, line, (size_t)len, MSG_NOSIGNAL), len);
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

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static struct json_object *ok(struct json_object *rep)
{
	assert_non_null(rep);
	if (!json_object_get_boolean(get(rep, "ok")))
		fail_msg("request failed: %s", json_object_to_json_string(rep));
	return get(rep, "result");
}

static const char *err_code(struct json_object *rep)
{
	assert_false(json_object_get_boolean(get(rep, "ok")));
	return json_object_get_string(get(get(rep, "error"), "code"));
}

static struct json_object *find_by(struct json_object *arr, const char *key, const char *name)
{
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *p = json_object_array_get_idx(arr, i);

		if (!json_object_get_string(get(p, key)))
			fail_msg("no %s in %s", key, json_object_to_json_string(arr));
		if (!strcmp(json_object_get_string(get(p, key)), name))
			return p;
	}
	return NULL;
}

static struct json_object *find_port(struct json_object *arr, const char *name)
{
	return find_by(arr, "name", name);
}

static void test_handlers_port_lifecycle(void **state)
{
	struct json_object *rep, *res, *p, *tx;

	(void)state;
	rep = req("{\"v\":1,\"id\":1,\"cmd\":\"port.add\",\"args\":{\"spec\":\"pair:name=ha,peer=hb\"}}");
	res = ok(rep);
	assert_string_equal(json_object_get_string(get(res, "name")), "ha");
	assert_string_equal(json_object_get_string(get(res, "kind")), "pair");
	assert_string_equal(json_object_get_string(get(res, "spec")), "pair:name=ha,peer=hb");
	json_object_put(rep);
	json_object_put(req("{\"v\":1,\"id\":2,\"cmd\":\"port.add\",\"args\":"
			    "{\"spec\":\"pair:name=hb,peer=ha,trunk=10:20\",\"worker\":0}}"));

	rep = req("{\"v\":1,\"id\":3,\"cmd\":\"port.list\"}");
	res = ok(rep);
	assert_int_equal(json_object_array_length(res), 2);
	p = find_port(res, "hb");
	assert_non_null(p);
	assert_int_equal(json_object_get_int(get(p, "queues")), 1);
	assert_string_equal(json_object_get_string(get(p, "policy")), "block");
	/* pair ends offer every offload by default */
	tx = get(get(p, "offloads"), "tx");
	assert_true(json_object_array_length(tx) >= 3);
	assert_non_null(get(get(p, "rates"), "rx_pps"));
	json_object_put(rep);

	rep = req("{\"v\":1,\"id\":4,\"cmd\":\"vlan.show\"}");
	res = ok(rep);
	p = find_by(res, "port", "hb");
	assert_non_null(p);
	assert_string_equal(json_object_get_string(get(p, "mode")), "trunk");
	assert_int_equal(json_object_array_length(get(p, "trunk")), 2);
	p = find_by(res, "port", "ha");
	assert_non_null(p);
	assert_string_equal(json_object_get_string(get(p, "mode")), "untagged");
	json_object_put(rep);

	/* duplicate name, unknown kind, missing port */
	rep = req("{\"v\":1,\"id\":5,\"cmd\":\"port.add\",\"args\":{\"spec\":\"pair:name=ha,peer=zz\"}}");
	assert_string_equal(err_code(rep), "EEXIST");
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":6,\"cmd\":\"port.add\",\"args\":{\"spec\":\"nosuch:name=x\"}}");
	assert_string_equal(err_code(rep), "ENOENT");
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":7,\"cmd\":\"port.del\",\"args\":{\"name\":\"nope\"}}");
	assert_string_equal(err_code(rep), "ENOENT");
	json_object_put(rep);

	rep = req("{\"v\":1,\"id\":8,\"cmd\":\"port.del\",\"args\":{\"name\":\"ha\"}}");
	ok(rep);
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":9,\"cmd\":\"port.del\",\"args\":{\"name\":\"hb\"}}");
	ok(rep);
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":10,\"cmd\":\"port.list\"}");
	assert_int_equal(json_object_array_length(ok(rep)), 0);
	json_object_put(rep);
}

static void test_handlers_stats_and_fdb(void **state)
{
	struct json_object *rep, *res, *c;
	unsigned int n;

	(void)state;
	json_object_put(req("{\"v\":1,\"id\":1,\"cmd\":\"port.add\",\"args\":{\"spec\":\"pair:name=sa,peer=sb\"}}"));
	json_object_put(req("{\"v\":1,\"id\":1,\"cmd\":\"port.add\",\"args\":{\"spec\":\"pair:name=sb,peer=sa\"}}"));
	rep = req("{\"v\":1,\"id\":2,\"cmd\":\"stats\",\"args\":{\"port\":\"sa\"}}");
	res = ok(rep);
	assert_int_equal(json_object_array_length(res), 1);
	c = get(json_object_array_get_idx(res, 0), "counters");
	/* the four traffic counters always, zero drops omitted */
	assert_non_null(get(c, "rx_packets"));
	assert_null(get(c, "drop_runt"));
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":3,\"cmd\":\"stats\",\"args\":{\"all\":true}}");
	res = ok(rep);
	assert_int_equal(json_object_array_length(res), 2);
	c = get(json_object_array_get_idx(res, 0), "counters");
	vn_port_stat_descs(&n);
	assert_int_equal(json_object_object_length(c), n);
	assert_non_null(get(c, "drop_runt"));
	assert_non_null(get(c, "xdp_drop"));
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":4,\"cmd\":\"stats\",\"args\":{\"port\":\"zz\"}}");
	assert_string_equal(err_code(rep), "ENOENT");
	json_object_put(rep);

	rep = req("{\"v\":1,\"id\":5,\"cmd\":\"fdb.show\"}");
	assert_true(json_object_is_type(ok(rep), json_type_array));
	json_object_put(rep);
	/* a static entry shows up with its port name; bad MACs are refused */
	rep = req("{\"v\":1,\"id\":5,\"cmd\":\"fdb.add\",\"args\":{\"mac\":\"02:00:00:aa:bb:01\","
		  "\"port\":\"sb\",\"vlan\":0}}");
	ok(rep);
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":5,\"cmd\":\"fdb.show\",\"args\":{\"port\":\"sb\"}}");
	res = ok(rep);
	assert_int_equal(json_object_array_length(res), 1);
	c = json_object_array_get_idx(res, 0);
	assert_string_equal(json_object_get_string(get(c, "mac")), "02:00:00:aa:bb:01");
	assert_string_equal(json_object_get_string(get(c, "port")), "sb");
	assert_true(json_object_get_boolean(get(c, "static")));
	json_object_put(rep);
	static const char *const bad_macs[] = { "02:00:00:aa:bb:0g", "02-00-00-aa-bb-01",
						"03:00:00:aa:bb:01", "02:00:00:aa:bb:1 " };
	for (unsigned int i = 0; i < 4; i++) {
		rep = req("{\"v\":1,\"id\":5,\"cmd\":\"fdb.add\",\"args\":{\"mac\":\"%s\","
			  "\"port\":\"sb\"}}", bad_macs[i]);
		assert_string_equal(err_code(rep), "EINVAL");
		json_object_put(rep);
	}
	rep = req("{\"v\":1,\"id\":5,\"cmd\":\"fdb.add\",\"args\":{\"mac\":\"02:00:00:aa:bb:01\","
		  "\"port\":\"zz\"}}");
	assert_string_equal(err_code(rep), "ENOENT");
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":6,\"cmd\":\"fdb.flush\",\"args\":{\"port\":\"sa\"}}");
	ok(rep);
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":7,\"cmd\":\"fdb.flush\",\"args\":{\"port\":\"zz\"}}");
	assert_string_equal(err_code(rep), "ENOENT");
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":8,\"cmd\":\"fdb.show\",\"args\":{\"port\":\"zz\"}}");
	assert_string_equal(err_code(rep), "ENOENT");
	json_object_put(rep);
	json_object_put(req("{\"v\":1,\"id\":9,\"cmd\":\"port.del\",\"args\":{\"name\":\"sa\"}}"));
	json_object_put(req("{\"v\":1,\"id\":9,\"cmd\":\"port.del\",\"args\":{\"name\":\"sb\"}}"));
}

static void test_handlers_config_file(void **state)
{
	char cfg[] = "/tmp/vn-ctl-cfg-XXXXXX", err[512];
	static const char good[] = "# two ends\nport add pair:name=ca,peer=cb\n"
				   "port add pair:name=cb,peer=ca,vlan=7\nfdb flush\n";
	static const char bad[] = "port del cb\nport del cb\n";
	struct json_object *rep;
	int cfd;

	(void)state;
	cfd = mkstemp(cfg);
	assert_true(cfd >= 0);
	assert_int_equal(write(cfd, good, sizeof(good) - 1), (int)sizeof(good) - 1);
	close(cfd);
	assert_int_equal(vn_ctl_server_config(srv, cfg, err, sizeof(err)), 3);
	rep = req("{\"v\":1,\"id\":1,\"cmd\":\"port.list\"}");
	assert_int_equal(json_object_array_length(ok(rep)), 2);
	json_object_put(rep);
	/* a command that fails names the file and its line */
	cfd = open(cfg, O_WRONLY | O_TRUNC);
	assert_int_equal(write(cfd, bad, sizeof(bad) - 1), (int)sizeof(bad) - 1);
	close(cfd);
	assert_int_equal(vn_ctl_server_config(srv, cfg, err, sizeof(err)), -ENOENT);
	if (!strstr(err, ":2: port \"cb\" does not exist"))
		fail_msg("error \"%s\"", err);
	unlink(cfg);
	json_object_put(req("{\"v\":1,\"id\":9,\"cmd\":\"port.del\",\"args\":{\"name\":\"ca\"}}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handlers_port_lifecycle),
		cmocka_unit_test(test_handlers_stats_and_fdb),
		cmocka_unit_test(test_handlers_config_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

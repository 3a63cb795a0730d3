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

#include "switch/sw.h"

#include "ctl_harness.h"


static int setup(void **state)
{
	(void)state;
	return ctl_h_setup("h");
}

static int teardown(void **state)
{
	(void)state;
	return ctl_h_teardown();
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
	assert_string_equal(err_msg(rep, "EEXIST"), "port name 'ha' is already used by port 0");
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
	/* the second end in another VLAN: both in one would loop every flood */
	json_object_put(req("{\"v\":1,\"id\":1,\"cmd\":\"port.add\",\"args\":{\"spec\":\"pair:name=sb,peer=sa,vlan=5\"}}"));
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
	/* the guest-facing counters (vhost-user ones are 0 on a pair) */
	assert_non_null(get(c, "mem_faults"));
	assert_non_null(get(c, "unsealed_regions"));
	assert_non_null(get(c, "calls_skipped"));
	assert_non_null(get(c, "calls_stuck"));
	assert_non_null(get(c, "mrg_cap"));
	assert_non_null(get(c, "macs_refused"));
	assert_non_null(get(c, "drop_pool_share"));
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":4,\"cmd\":\"stats\",\"args\":{\"port\":\"zz\"}}");
	assert_string_equal(err_code(rep), "ENOENT");
	json_object_put(rep);

	rep = req("{\"v\":1,\"id\":5,\"cmd\":\"fdb.show\"}");
	assert_true(json_object_is_type(ok(rep), json_type_array));
	json_object_put(rep);
	/* a static entry shows up with its port name; bad MACs are refused */
	rep = req("{\"v\":1,\"id\":5,\"cmd\":\"fdb.add\",\"args\":{\"mac\":\"02:00:00:aa:bb:01\","
		  "\"port\":\"sb\",\"vlan\":5}}");
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

/* Both ends of a pair in one VLAN of one switch: refused (a storm), unless loop=on */
static void test_handlers_pair_loop(void **state)
{
	struct json_object *rep;

	(void)state;
	ok(rep = req("{\"v\":1,\"id\":1,\"cmd\":\"port.add\",\"args\":{\"spec\":\"pair:name=la,peer=lb\"}}"));
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":2,\"cmd\":\"port.add\",\"args\":{\"spec\":\"pair:name=lb,peer=la\"}}");
	assert_string_equal(err_code(rep), "ELOOP");
	json_object_put(rep);
	/* a trunk carrying nothing la carries is fine; one carrying VLAN 0 cannot exist */
	ok(rep = req("{\"v\":1,\"id\":3,\"cmd\":\"port.add\",\"args\":{\"spec\":\"pair:name=lb,peer=la,trunk=7\"}}"));
	json_object_put(rep);
	json_object_put(req("{\"v\":1,\"id\":4,\"cmd\":\"port.del\",\"args\":{\"name\":\"lb\"}}"));
	/* access VLAN 7 against a trunk with native VLAN 7: shared */
	json_object_put(req("{\"v\":1,\"id\":4,\"cmd\":\"port.del\",\"args\":{\"name\":\"la\"}}"));
	ok(rep = req("{\"v\":1,\"id\":5,\"cmd\":\"port.add\",\"args\":{\"spec\":\"pair:name=la,peer=lb,vlan=7\"}}"));
	json_object_put(rep);
	rep = req("{\"v\":1,\"id\":6,\"cmd\":\"port.add\",\"args\":{\"spec\":\"pair:name=lb,peer=la,trunk=8,vlan=7\"}}");
	assert_string_equal(err_code(rep), "ELOOP");
	json_object_put(rep);
	/* said on purpose */
	ok(rep = req("{\"v\":1,\"id\":7,\"cmd\":\"port.add\",\"args\":{\"spec\":\"pair:name=lb,peer=la,vlan=7,loop=on\"}}"));
	json_object_put(rep);
	json_object_put(req("{\"v\":1,\"id\":8,\"cmd\":\"port.del\",\"args\":{\"name\":\"la\"}}"));
	json_object_put(req("{\"v\":1,\"id\":8,\"cmd\":\"port.del\",\"args\":{\"name\":\"lb\"}}"));
}

/* port.add REQ must fail with @code and exactly @want as its message */
static void port_add_refused(const char *spec_json, const char *code, const char *want)
{
	struct json_object *rep;

	rep = req("{\"v\":1,\"id\":1,\"cmd\":\"port.add\",\"args\":%s}", spec_json);
	assert_string_equal(err_msg(rep, code), want);
	json_object_put(rep);
}

/* The reason a lower layer knows is in the reply, not only in the daemon's log */
static void test_handlers_error_reasons(void **state)
{
	struct json_object *rep;

	(void)state;
	port_add_refused("{\"spec\":\"pair:name=wa,peer=wb\",\"worker\":3}", "EINVAL",
			 "worker 3 does not exist: vnetd has one worker, 0");
	port_add_refused("{\"spec\":\"pair:name=wa,peer=wb,vlan=5000\"}", "EINVAL",
			 "port 'wa': bad value '5000' for 'vlan' (expected 1-4094)");
	port_add_refused("{\"spec\":\"pair:name=wa,peer=wb,colour=red\"}", "EINVAL",
			 "port 'wa': unknown key 'colour' for kind pair");
	/* nothing was added by the refused commands */
	rep = req("{\"v\":1,\"id\":2,\"cmd\":\"port.list\"}");
	assert_int_equal(json_object_array_length(ok(rep)), 0);
	json_object_put(rep);
}

/* A port the daemon opened itself (--port) shows its spec in port.list too */
static void test_handlers_port_spec_of_daemon_ports(void **state)
{
	struct json_object *rep, *p;
	struct vn_port *port;

	(void)state;
	assert_int_equal(vn_sw_port_add(ctl_h_sw, "pair:name=pa,peer=pb", -1, &port), 0);
	assert_int_equal(vn_ctl_server_port_spec(ctl_h_srv, "pair:name=pa,peer=pb", NULL, 0), 0);
	assert_int_equal(vn_ctl_server_port_spec(ctl_h_srv, "pair:name=nosuch,peer=pb", NULL, 0), 0);	/* ignored */
	assert_int_equal(vn_ctl_server_port_spec(ctl_h_srv, "not a spec", NULL, 0), 0);			/* ignored */
	rep = req("{\"v\":1,\"id\":1,\"cmd\":\"port.list\"}");
	p = find_port(ok(rep), "pa");
	assert_non_null(p);
	assert_string_equal(json_object_get_string(get(p, "spec")), "pair:name=pa,peer=pb");
	json_object_put(rep);
	assert_int_equal(vn_sw_port_del(ctl_h_sw, "pa"), 0);
}

/* A config file's error is one line: FILE:LINE and the reason, nothing about a log */
static void test_handlers_config_reason(void **state)
{
	char cfg[] = "/tmp/vn-ctl-cfg-XXXXXX", err[512], want[600];
	static const char bad[] = "port add pair:name=xa,peer=xb,vlan=5000\n";
	static const char dup[] = "port add pair:name=da,peer=db\nport add pair:name=da,peer=dc\n";
	int cfd;

	(void)state;
	cfd = mkstemp(cfg);
	assert_true(cfd >= 0);
	assert_int_equal(write(cfd, bad, sizeof(bad) - 1), (int)sizeof(bad) - 1);
	close(cfd);
	assert_int_equal(vn_ctl_server_config(ctl_h_srv, cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: port 'xa': bad value '5000' for 'vlan' (expected 1-4094)",
		 cfg);
	assert_string_equal(err, want);
	/* the same name twice in one file: ours, not another process's */
	cfd = open(cfg, O_WRONLY | O_TRUNC);
	assert_int_equal(write(cfd, dup, sizeof(dup) - 1), (int)sizeof(dup) - 1);
	close(cfd);
	assert_int_equal(vn_ctl_server_config(ctl_h_srv, cfg, err, sizeof(err)), -EEXIST);
	snprintf(want, sizeof(want), "%s:2: port name 'da' is already used by port 0", cfg);
	assert_string_equal(err, want);
	json_object_put(req("{\"v\":1,\"id\":9,\"cmd\":\"port.del\",\"args\":{\"name\":\"da\"}}"));
	unlink(cfg);
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
	assert_int_equal(vn_ctl_server_config(ctl_h_srv, cfg, err, sizeof(err)), 3);
	rep = req("{\"v\":1,\"id\":1,\"cmd\":\"port.list\"}");
	assert_int_equal(json_object_array_length(ok(rep)), 2);
	json_object_put(rep);
	/* a command that fails names the file and its line */
	cfd = open(cfg, O_WRONLY | O_TRUNC);
	assert_int_equal(write(cfd, bad, sizeof(bad) - 1), (int)sizeof(bad) - 1);
	close(cfd);
	assert_int_equal(vn_ctl_server_config(ctl_h_srv, cfg, err, sizeof(err)), -ENOENT);
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
		cmocka_unit_test(test_handlers_pair_loop),
		cmocka_unit_test(test_handlers_config_file),
		cmocka_unit_test(test_handlers_error_reasons),
		cmocka_unit_test(test_handlers_config_reason),
		cmocka_unit_test(test_handlers_port_spec_of_daemon_ports),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

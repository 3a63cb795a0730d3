// SPDX-License-Identifier: MIT
/* test_port.c - port spec parsing (hostile input), generic keys, counter table */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/log.h"
#include "core/pool.h"
#include "port/port.h"

static char last_log[1024];

static void capture(enum vn_log_level level, const char *msg)
{
	(void)level;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

static void test_parse_ok(void **state)
{
	struct vn_port_args a;

	(void)state;
	assert_int_equal(vn_port_args_parse("tap:name=vnet0,offload=on,queues=1", &a), 0);
	assert_string_equal(a.kind, "tap");
	assert_int_equal(a.n, 3);
	assert_string_equal(vn_port_arg(&a, "name"), "vnet0");
	assert_string_equal(vn_port_arg(&a, "offload"), "on");
	assert_string_equal(vn_port_arg(&a, "queues"), "1");
	assert_null(vn_port_arg(&a, "mtu"));

	assert_int_equal(vn_port_args_parse("pair", &a), 0);
	assert_string_equal(a.kind, "pair");
	assert_int_equal(a.n, 0);
	assert_int_equal(vn_port_args_parse("pair:", &a), 0);
	assert_int_equal(a.n, 0);
	/* values may hold '=' and ':' (paths, trunk lists) and may be empty */
	assert_int_equal(vn_port_args_parse("vhost-user:path=/run/a=b:c,x=", &a), 0);
	assert_string_equal(a.kind, "vhost-user");
	assert_string_equal(vn_port_arg(&a, "path"), "/run/a=b:c");
	assert_string_equal(vn_port_arg(&a, "x"), "");
}

static void test_parse_hostile(void **state)
{
	static const struct {
		const char *spec;
		int err;
	} bad[] = {
		{ "", -EINVAL },
		{ ":name=a", -EINVAL },
		{ "Tap:name=a", -EINVAL },		/* upper case kind */
		{ "ta p:name=a", -EINVAL },
		{ "averyveryverylongkind:x=1", -E2BIG },
		{ "tap:name", -EINVAL },		/* no '=' */
		{ "tap:=x", -EINVAL },			/* no key */
		{ "tap:name=a,,x=1", -EINVAL },		/* empty item */
		{ "tap:name=a,", -EINVAL },		/* trailing comma */
		{ "tap:,", -EINVAL },
		{ "tap:name=a,name=b", -EINVAL },	/* duplicate */
		{ "tap:Name=a", -EINVAL },
		{ "tap:na me=a", -EINVAL },
		{ "tap:name=a\nb", -EINVAL },		/* control character */
		{ "tap:name=a\x7f", -EINVAL },
		{ "tap:k=\x1b[31m", -EINVAL },
	};
	struct vn_port_args a;
	char spec[8192];
	unsigned int i;
	size_t off;

	(void)state;
	for (i = 0; i < VN_ARRAY_SIZE(bad); i++) {
		memset(&a, 0x55, sizeof(a));
		assert_int_equal(vn_port_args_parse(bad[i].spec, &a), bad[i].err);
		assert_int_equal(a.n, 0);	/* nothing half-parsed left behind */
	}
	assert_int_equal(vn_port_args_parse(NULL, &a), -EINVAL);

	/* 16 keys fit, 17 do not */
	off = (size_t)snprintf(spec, sizeof(spec), "pair:");
	for (i = 0; i < VN_PORT_ARGS_MAX; i++)
		off += (size_t)snprintf(spec + off, sizeof(spec) - off, "%sk%u=v", i ? "," : "", i);
	assert_int_equal(vn_port_args_parse(spec, &a), 0);
	assert_int_equal(a.n, VN_PORT_ARGS_MAX);
	snprintf(spec + off, sizeof(spec) - off, ",k99=v");
	assert_int_equal(vn_port_args_parse(spec, &a), -E2BIG);

	/* key of 31 characters fits, 32 does not */
	snprintf(spec, sizeof(spec), "pair:%s=1", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
	assert_int_equal(vn_port_args_parse(spec, &a), 0);
	snprintf(spec, sizeof(spec), "pair:%s=1", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
	assert_int_equal(vn_port_args_parse(spec, &a), -E2BIG);

	/* value of 223 characters fits, 224 does not */
	memcpy(spec, "pair:v=", 7);
	memset(spec + 7, 'x', 223);
	spec[7 + 223] = '\0';
	assert_int_equal(vn_port_args_parse(spec, &a), 0);
	assert_int_equal(strlen(vn_port_arg(&a, "v")), 223);
	memset(spec + 7, 'x', 224);
	spec[7 + 224] = '\0';
	assert_int_equal(vn_port_args_parse(spec, &a), -E2BIG);

	/* a spec of several KiB is refused before anything else */
	memset(spec, 'a', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	assert_int_equal(vn_port_args_parse(spec, &a), -E2BIG);
}

/* Each refusal says what was wrong and what is accepted */
static void test_parse_messages(void **state)
{
	static const struct {
		const char *spec;
		const char *msg;
	} bad[] = {
		{ "tap:name=x,vlan=10,vlan=20", "duplicate key 'vlan'" },
		{ "tap:name=x,trunk=10,20", "'20' is not key=value (trunk VLANs are separated by ':', "
		  "e.g. trunk=10:20)" },
		{ "tap:name=x,trunk=10:20,30", "'30' is not key=value (trunk VLANs are separated by "
		  "':', e.g. trunk=10:20:30)" },
		{ "tap:name=x,vlan=10,20", "'20' is not key=value (vlan= is the one untagged VLAN; "
		  "tagged ones are a trunk, e.g. trunk=10:20)" },
		{ "tap:nc7y0", "'nc7y0' is not key=value (did you mean name=nc7y0?)" },
		{ "tap:name=x,offload", "'offload' is not key=value" },
		{ "", "no kind before ':' (expected kind:key=value,..., e.g. tap:name=vnet0)" },
		{ "Tap:name=a", "'Tap' is not a port kind (kinds: tap, pair, vhost-user, pcap, afpacket, afxdp, vxlan, geneve)" },
		{ "tap:=x", "'=x' has no key before '='" },
		{ "tap:name=a,", "empty item (two ',' in a row, or a trailing ',')" },
		{ "tap:Name=a", "key 'Name': only a-z, 0-9, '_' and '-' are allowed" },
		{ "tap:name=a\nb", "the value of 'name' contains a control character" },
		{ "pair:kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk=1", "key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk' is "
		  "longer than 31 characters" },
	};
	struct vn_port_args a;
	char msg[192];
	unsigned int i;

	(void)state;
	for (i = 0; i < VN_ARRAY_SIZE(bad); i++) {
		msg[0] = '\0';
		assert_true(vn_port_args_parse_msg(bad[i].spec, &a, msg, sizeof(msg)) < 0);
		if (strcmp(msg, bad[i].msg))
			fail_msg("\"%s\": got \"%s\", want \"%s\"", bad[i].spec, msg, bad[i].msg);
	}
	/* a message buffer too small is cut, terminated */
	assert_int_equal(vn_port_args_parse_msg("tap:name=x,vlan=1,vlan=2", &a, msg, 8), -EINVAL);
	assert_string_equal(msg, "duplica");
	/* good specs leave the buffer alone */
	msg[0] = '\0';
	assert_int_equal(vn_port_args_parse_msg("tap:name=x,trunk=10:20", &a, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
}

/* vn_port_open() says which kinds exist when the spec names another */
static void test_open_unknown_kind_message(void **state)
{
	struct vn_log_capture cap;
	struct vn_port *p;
	char why[256];

	(void)state;
	vn_log_capture_begin(&cap, why, sizeof(why));
	assert_int_equal(vn_port_open("tun:name=x", 0, &p), -ENOENT);
	vn_log_capture_end(&cap);
	assert_string_equal(why, "port spec 'tun:name=x': unknown kind 'tun' (kinds: tap, pair, "
			    "vhost-user, pcap, afpacket, afxdp, vxlan, geneve)");
}

static void test_open_generic_keys(void **state)
{
	struct vn_port *p, *q;

	(void)state;
	assert_int_equal(vn_port_open("pair:name=ga,peer=gb,vlan=10,policy=drop,pool=64,mtu=9000",
				      7, &p), 0);
	assert_string_equal(p->name, "ga");
	assert_int_equal(p->id, 7);
	assert_int_equal(p->conf.access_vlan, 10);
	assert_true(p->conf.drop_when_full);
	assert_int_equal(p->conf.pool_size, 64);
	assert_int_equal(p->pool->size, 64);
	assert_int_equal(p->mtu, 9000);
	assert_int_equal(p->conf.max_macs, VN_PORT_MACS_DEFAULT);
	assert_int_equal(vn_port_open("pair:name=gb,peer=ga,trunk=10:20:4094,macs=3", 8, &q), 0);
	assert_int_equal(q->conf.access_vlan, 0);
	assert_false(q->conf.drop_when_full);
	assert_int_equal(q->conf.pool_size, 2048);
	assert_int_equal(q->conf.max_macs, 3);
	assert_int_equal(q->mtu, 1500);
	assert_int_equal(q->conf.ntrunk, 3);
	assert_int_equal(q->conf.trunk[0], 10);
	assert_int_equal(q->conf.trunk[1], 20);
	assert_int_equal(q->conf.trunk[2], 4094);
	vn_port_close(p);
	vn_port_close(q);
	vn_port_close(NULL);
}

static void test_open_errors(void **state)
{
	static const struct {
		const char *spec;
		int err;
		const char *msg;	/* must appear in the log line */
	} bad[] = {
		{ "nosuch:name=x", -ENOENT, "unknown kind 'nosuch'" },
		{ "pair:name=x,peer=y,vlan=0", -EINVAL, "'vlan'" },
		{ "pair:name=x,peer=y,vlan=4095", -EINVAL, "'vlan'" },
		{ "pair:name=x,peer=y,vlan=-1", -EINVAL, "'vlan'" },
		{ "pair:name=x,peer=y,vlan=1x", -EINVAL, "'vlan'" },
		{ "pair:name=x,peer=y,trunk=10::20", -EINVAL, "trunk" },
		{ "pair:name=x,peer=y,trunk=10:10", -EINVAL, "trunk" },
		{ "pair:name=x,peer=y,trunk=", -EINVAL, "trunk" },
		{ "pair:name=x,peer=y,trunk=5000", -EINVAL, "trunk" },
		{ "pair:name=x,peer=y,policy=maybe", -EINVAL, "'policy'" },
		{ "pair:name=x,peer=y,pool=0", -EINVAL, "'pool'" },
		{ "pair:name=x,peer=y,pool=99999999999", -EINVAL, "'pool'" },
		{ "pair:name=x,peer=y,mtu=67", -EINVAL, "'mtu'" },
		{ "pair:name=x,peer=y,macs=0", -EINVAL, "'macs'" },
		{ "pair:name=x,peer=y,macs=4194305", -EINVAL, "'macs'" },
		{ "pair:name=x,peer=y,mtu=65536", -EINVAL, "'mtu'" },
		{ "pair:name=x,peer=y,bogus=1", -EINVAL, "unknown key 'bogus'" },
		{ "pair:name=x", -EINVAL, "peer=" },
		{ "pair:name=x,peer=x", -EINVAL, "peer=" },
		{ "pair:name=,peer=y", -EINVAL, "name" },
		{ "pair:name=0123456789012345678901234567890123,peer=y", -EINVAL, "name" },
		{ "pair:name=x,peer=y,capacity=0", -EINVAL, "'capacity'" },
		{ "pair:name=x,peer=y,offload=sometimes", -EINVAL, "'offload'" },
		{ "pair:name=x,peer=y,features=0x1g", -EINVAL, "'features'" },
		{ "pair:name=x,peer=y,loop=maybe", -EINVAL, "'loop'" },
		{ "pair:name=x,peer=y,loop=", -EINVAL, "'loop'" },
		/* no name: an error, whatever the kind */
		{ "pair:peer=y", -EINVAL, "name= is required" },
		{ "pair:", -EINVAL, "name= is required" },
		{ "pair:name=x,peer=y,,", -EINVAL, "empty item" },
	};
	struct vn_port *p;
	unsigned int i;

	(void)state;
	vn_log_set_sink(capture);
	for (i = 0; i < VN_ARRAY_SIZE(bad); i++) {
		last_log[0] = '\0';
		assert_int_equal(vn_port_open(bad[i].spec, 0, &p), bad[i].err);
		assert_null(p);
		if (!strstr(last_log, bad[i].msg))
			fail_msg("spec '%s': log '%s' lacks '%s'", bad[i].spec, last_log, bad[i].msg);
	}
	/* the error names the port */
	vn_port_open("pair:name=pp,peer=y,mtu=1", 0, &p);
	assert_non_null(strstr(last_log, "port 'pp': "));
	vn_log_set_sink(NULL);
}

static void test_stats_table(void **state)
{
	const struct vn_counter_desc *d;
	struct vn_port *a, *b;
	unsigned int n, i, j;
	uint64_t v;

	(void)state;
	d = vn_port_stat_descs(&n);
	assert_int_equal(n, 27 + VN_DROP__MAX - 1);
	for (i = 0; i < n; i++) {
		assert_true(d[i].offset + sizeof(uint64_t) <= sizeof(struct vn_port_stats));
		for (j = 0; j < i; j++)
			assert_string_not_equal(d[i].name, d[j].name);
	}
	assert_int_equal(vn_port_open("pair:name=sa,peer=sb", 0, &a), 0);
	assert_int_equal(vn_port_open("pair:name=sb,peer=sa", 1, &b), 0);
	a->stats.rx_packets = 11;
	a->stats.rx_paused = 12;
	a->stats.drops[VN_DROP_TX_FULL] = 13;
	a->stats.drops[VN_DROP_PORT_DOWN] = 14;
	a->stats.calls_stuck = 15;
	a->stats.macs_refused = 16;
	a->stats.rx_gro_dgrams = 17;
	a->stats.tx_ring_bypass = 18;
	assert_int_equal(vn_port_stat_get(a, "rx_packets", &v), 0);
	assert_int_equal(v, 11);
	assert_int_equal(vn_port_stat_get(a, "rx_paused", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(vn_port_stat_get(a, "drop_tx_full", &v), 0);
	assert_int_equal(v, 13);
	assert_int_equal(vn_port_stat_get(a, "drop_port_down", &v), 0);
	assert_int_equal(v, 14);
	assert_int_equal(vn_port_stat_get(a, "calls_stuck", &v), 0);
	assert_int_equal(v, 15);
	assert_int_equal(vn_port_stat_get(a, "macs_refused", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(vn_port_stat_get(a, "rx_gro_dgrams", &v), 0);
	assert_int_equal(v, 17);
	assert_int_equal(vn_port_stat_get(a, "tx_ring_bypass", &v), 0);
	assert_int_equal(v, 18);
	assert_int_equal(vn_port_stat_get(a, "drop_none", &v), -ENOENT);
	assert_int_equal(vn_port_stat_get(a, "nonsense", &v), -ENOENT);
	vn_port_close(a);
	vn_port_close(b);
}


/* xdp-offload keys: defaults, suffixes, refusals with a reason, other kinds */
static void xo_ok(const char *spec, struct vn_port_xo *xo, unsigned int left)
{
	struct vn_port_args a;
	char msg[160];

	assert_int_equal(vn_port_args_parse(spec, &a), 0);
	assert_int_equal(vn_port_xo_parse(&a, xo, msg, sizeof(msg)), 0);
	assert_int_equal(a.n, left);
	for (unsigned int i = 0; i < a.n; i++)
		assert_int_not_equal(strncmp(a.kv[i].key, "xdp-offload", 11), 0);
}

static void xo_bad(const char *spec, const char *want)
{
	struct vn_port_args a;
	struct vn_port_xo xo;
	char msg[160];

	assert_int_equal(vn_port_args_parse(spec, &a), 0);
	assert_int_equal(vn_port_xo_parse(&a, &xo, msg, sizeof(msg)), -EINVAL);
	if (!strstr(msg, want))
		fail_msg("'%s': message '%s' lacks '%s'", spec, msg, want);
}

static void test_xo_keys(void **state)
{
	struct vn_port_xo xo;

	(void)state;
	xo_ok("tap:name=t0", &xo, 1);
	assert_string_equal(xo.path, "");
	assert_int_equal(xo.mem, 16u << 20);
	assert_int_equal(xo.insns, 16384);
	assert_int_equal(xo.maps, 16);
	xo_ok("tap:name=t0,xdp-offload=/run/t0.xo,xdp-offload-mem=512K,xdp-offload-insns=100,"
	      "xdp-offload-maps=0", &xo, 1);
	assert_string_equal(xo.path, "/run/t0.xo");
	assert_int_equal(xo.mem, 512u << 10);
	assert_int_equal(xo.insns, 100);
	assert_int_equal(xo.maps, 0);
	xo_ok("vhost-user:name=v,path=/tmp/v,xdp-offload=x.sock,xdp-offload-mem=2G", &xo, 2);
	assert_int_equal(xo.mem, 2ull << 30);
	xo_ok("vhost-user:name=v,xdp-offload=x,xdp-offload-mem=65536", &xo, 1);
	assert_int_equal(xo.mem, 65536);
	assert_string_equal(xo.state, "");
	xo_ok("vhost-user:name=v,xdp-offload=x,xdp-offload-state=/var/lib/vm1.xo", &xo, 1);
	assert_string_equal(xo.state, "/var/lib/vm1.xo");

	xo_bad("pair:name=p,xdp-offload=/tmp/x", "only for tap and vhost-user");
	xo_bad("tap:name=t,xdp-offload-mem=1M", "need xdp-offload=PATH");
	xo_bad("tap:name=t,xdp-offload=/x,xdp-offload-mem=1T", "xdp-offload-mem: bad size");
	xo_bad("tap:name=t,xdp-offload=/x,xdp-offload-mem=1K", "xdp-offload-mem: bad size");
	xo_bad("tap:name=t,xdp-offload=/x,xdp-offload-mem=K", "xdp-offload-mem: bad size");
	xo_bad("tap:name=t,xdp-offload=/x,xdp-offload-mem=-1M", "xdp-offload-mem: bad size");
	xo_bad("tap:name=t,xdp-offload=/x,xdp-offload-mem=99999999999999999G",
	       "xdp-offload-mem: bad size");
	xo_bad("tap:name=t,xdp-offload=/x,xdp-offload-insns=0", "xdp-offload-insns: bad value");
	xo_bad("tap:name=t,xdp-offload=/x,xdp-offload-insns=1000001", "xdp-offload-insns");
	xo_bad("tap:name=t,xdp-offload=/x,xdp-offload-maps=65", "xdp-offload-maps: bad value");
	xo_bad("tap:name=t,xdp-offload=/x,xdp-offload-maps=1x", "xdp-offload-maps: bad value");
	xo_bad("tap:name=t,xdp-offload=/x,xdp-offload-foo=1", "unknown key 'xdp-offload-foo'");
	xo_bad("tap:name=t,xdp-offload=/tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "socket path of 1-107");
	xo_bad("tap:name=t,xdp-offload=", "socket path");
	xo_bad("tap:name=t,xdp-offload=/x,xdp-offload-state=/s", "only for vhost-user ports");
	xo_bad("vhost-user:name=v,xdp-offload-state=/s", "need xdp-offload=PATH");
	xo_bad("vhost-user:name=v,xdp-offload=/x,xdp-offload-state=rel/s", "absolute file path");
	xo_bad("vhost-user:name=v,xdp-offload=/x,xdp-offload-state=", "absolute file path");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_parse_messages),
		cmocka_unit_test(test_open_unknown_kind_message),
		cmocka_unit_test(test_open_generic_keys),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_stats_table),
		cmocka_unit_test(test_xo_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

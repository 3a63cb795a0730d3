// SPDX-License-Identifier: MIT
/* test_config.c - command-line grammar and config files (shared parser) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "ctl/config.h"

static int cli(const char *line, const struct vn_ctl_cmd **cmd, struct json_object **args)
{
	char buf[512], *words[16], *save = NULL, *w, err[256];
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (w = strtok_r(buf, " ", &save); w && n < 16; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	return vn_ctl_cli_parse(n, words, cmd, args, err, sizeof(err));
}

static const char *arg_str(struct json_object *args, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(args, key, &v) ? json_object_get_string(v) : NULL;
}

static void test_cli_port_add_and_keyword(void **state)
{
	const struct vn_ctl_cmd *cmd;
	struct json_object *args, *w;

	(void)state;
	assert_int_equal(cli("port add tap:name=vnet0,offload=on worker 1", &cmd, &args), 0);
	assert_int_equal(cmd->id, VN_CTL_CMD_PORT_ADD);
	assert_string_equal(arg_str(args, "spec"), "tap:name=vnet0,offload=on");
	assert_true(json_object_object_get_ex(args, "worker", &w));
	assert_int_equal(json_object_get_int64(w), 1);
	json_object_put(args);
}

static void test_cli_longest_match_and_flags(void **state)
{
	const struct vn_ctl_cmd *cmd;
	struct json_object *args, *all;

	(void)state;
	assert_int_equal(cli("stats vnet0 --all", &cmd, &args), 0);
	assert_int_equal(cmd->id, VN_CTL_CMD_STATS);
	assert_string_equal(arg_str(args, "port"), "vnet0");
	assert_true(json_object_object_get_ex(args, "all", &all));
	assert_true(json_object_get_boolean(all));
	json_object_put(args);
	assert_int_equal(cli("fdb flush", &cmd, &args), 0);
	assert_int_equal(cmd->id, VN_CTL_CMD_FDB_FLUSH);
	assert_int_equal(json_object_object_length(args), 0);
	json_object_put(args);
}

static void test_cli_rejects_bad_words(void **state)
{
	static const struct {
		const char *line;
		int err;
	} bad[] = {
		{ "", -ENOENT },
		{ "map", -ENOENT },				/* map list needs PORT DIR */
		{ "port explode", -ENOENT },
		{ "port add", -EINVAL },			/* SPEC missing */
		{ "port add tap:a tap:b", -EINVAL },		/* one positional too many */
		{ "port add tap:a worker", -EINVAL },		/* keyword without value */
		{ "port add tap:a worker 1x", -EINVAL },	/* trailing junk */
		{ "port add tap:a worker 99999999999999999999", -EINVAL },
		{ "port add tap:a worker 1 worker 2", -EINVAL },
		{ "stats --bogus", -EINVAL },
		{ "stats --all --all", -EINVAL },
		{ "port del 0123456789012345678901234567890123", -EINVAL },
		{ "vlan show extra", -EINVAL },
	};
	const struct vn_ctl_cmd *cmd;
	struct json_object *args;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cli(bad[i].line, &cmd, &args) != bad[i].err)
			fail_msg("case %u (\"%s\") not rejected as %d", i, bad[i].line, bad[i].err);
}

struct seen {
	unsigned int n;
	unsigned int lines[8];
	char specs[8][64];
};

static int record(const struct vn_ctl_cmd *cmd, struct json_object *args, unsigned int line,
		  void *arg, char *err, size_t errlen)
{
	struct seen *s = arg;
	const char *spec = arg_str(args, "spec");

	(void)err;
	(void)errlen;
	assert_true(s->n < 8);
	s->lines[s->n] = line;
	snprintf(s->specs[s->n], sizeof(s->specs[0]), "%s", spec ? spec : cmd->name);
	s->n++;
	return 0;
}

/* show/list/lst are one verb; an object alone is its show/list command */
static void test_cli_aliases_and_defaults(void **state)
{
	static const struct {
		const char *line;
		enum vn_ctl_cmd_id id;
	} good[] = {
		{ "port show", VN_CTL_CMD_PORT_LIST }, { "port lst", VN_CTL_CMD_PORT_LIST },
		{ "port", VN_CTL_CMD_PORT_LIST }, { "fdb list", VN_CTL_CMD_FDB_SHOW },
		{ "fdb", VN_CTL_CMD_FDB_SHOW }, { "vlan list", VN_CTL_CMD_VLAN_SHOW },
		{ "vlan", VN_CTL_CMD_VLAN_SHOW }, { "xdp show", VN_CTL_CMD_XDP_LIST },
		{ "xdp", VN_CTL_CMD_XDP_LIST }, { "worker", VN_CTL_CMD_WORKER_LIST },
		{ "fdb list p0", VN_CTL_CMD_FDB_SHOW }, { "map show p0 ingress", VN_CTL_CMD_MAP_LIST },
	};
	const struct vn_ctl_cmd *cmd;
	struct json_object *args;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (cli(good[i].line, &cmd, &args))
			fail_msg("\"%s\" refused", good[i].line);
		assert_int_equal(cmd->id, good[i].id);
		json_object_put(args);
	}
	/* map list needs PORT DIR: "map" alone is not a command */
	assert_int_equal(cli("map", &cmd, &args), -ENOENT);
	assert_int_equal(cli("fdb lst", &cmd, &args), 0);
	json_object_put(args);
	assert_true(vn_ctl_cli_is_object("port") && vn_ctl_cli_is_object("stats") &&
		    vn_ctl_cli_is_object("map") && !vn_ctl_cli_is_object("po") &&
		    !vn_ctl_cli_is_object("workers"));
}

/* The message a person gets for each mistake: what was wrong, what is accepted */
static void test_cli_messages(void **state)
{
	static const struct {
		const char *line;
		const char *msg;
	} bad[] = {
		{ "stats p0 extra", "unexpected \"extra\" (usage: stats [PORT] [--all])" },
		{ "stats -x", "unknown option \"-x\" (usage: stats [PORT] [--all])" },
		{ "port list --all", "unknown option \"--all\" (usage: port list)" },
		{ "port del", "port del: NAME missing" },
		{ "map list p0 sideways", "DIR must be ingress, egress or egress-guest" },
		{ "xdp detach p0 in", "DIR must be ingress, egress or egress-guest" },
		{ "fdb add 2:aa:0:0:0:3 p0", "MAC must be aa:bb:cc:dd:ee:ff (two hex digits per byte)" },
		{ "fdb add 02-aa-00-00-00-02 p0", "MAC must be aa:bb:cc:dd:ee:ff (two hex digits per "
		  "byte)" },
		{ "fdb add 02:aa:00:00:00:0g p0", "MAC must be aa:bb:cc:dd:ee:ff (two hex digits per "
		  "byte)" },
		{ "port add ab", "SPEC must be kind:key=value,... (e.g. tap:name=vnet0), at most 1024 "
		  "characters" },
		{ "port add tap:name=a worker", "\"worker\" needs a value: worker N" },
		{ "port add tap:name=a worker two", "worker N: \"two\" is not a number" },
		{ "port add tap:name=a worker 1 worker 2", "\"worker\" given twice" },
		{ "port add tap:name=a worker 5000", "worker N must be -1 to 1023" },
		{ "stats --all --all", "\"--all\" given twice" },
		{ "map update p0 ingress m =", "KEY=VALUE must be two hex strings joined by '='" },
		{ "port frob", "unknown command \"port frob\"" },
		{ "workers 2", "unknown command \"workers\"" },
	};
	const struct vn_ctl_cmd *cmd;
	struct json_object *args;
	char buf[512], *words[16], *save = NULL, *w, err[256];
	unsigned int i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", bad[i].line);
		for (n = 0, w = strtok_r(buf, " ", &save); w && n < 16; w = strtok_r(NULL, " ", &save))
			words[n++] = w;
		args = NULL;
		if (vn_ctl_cli_parse(n, words, &cmd, &args, err, sizeof(err)) >= 0)
			fail_msg("\"%s\" accepted", bad[i].line);
		assert_null(args);
		if (strcmp(err, bad[i].msg))
			fail_msg("\"%s\": got \"%s\", want \"%s\"", bad[i].line, err, bad[i].msg);
	}
	/* a map key of one digit reaches the handler, which knows the key size */
	snprintf(buf, sizeof(buf), "map lookup p0 ingress m 6");
	for (n = 0, w = strtok_r(buf, " ", &save); w && n < 16; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	assert_int_equal(vn_ctl_cli_parse(n, words, &cmd, &args, err, sizeof(err)), 0);
	json_object_put(args);
}

static void test_config_parses_commands_and_comments(void **state)
{
	static const char text[] =
		"# vnetd config\n"
		"\n"
		"port add tap:name=vnet0,offload=on   # first\n"
		"\t port add tap:name=vnet1,vlan=10\r\n"
		"fdb flush\n"
		"port del vnet1";	/* no final newline */
	struct seen s = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(vn_ctl_config_parse(text, strlen(text), "t.conf", record, &s, err,
					      sizeof(err)), 4);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.lines[0], 3);
	assert_string_equal(s.specs[0], "tap:name=vnet0,offload=on");
	assert_int_equal(s.lines[1], 4);
	assert_string_equal(s.specs[1], "tap:name=vnet1,vlan=10");
	assert_string_equal(s.specs[2], "fdb.flush");
	assert_int_equal(s.lines[3], 6);
}

/* Quotes as a shell takes them: removed, blanks and '#' inside kept */
static void test_config_quotes(void **state)
{
	static const char text[] =
		"port add \"tap:name=q0,offload=on\"\n"
		"port add 'tap:name=q1'   # comment\n"
		"port add tap:name=\"q2\",vlan='10'\n"
		"port add \"pair:name=a b#c\"\n"
		"port add \"\"\n";
	static const char *const bad[] = {
		"port add \"tap:name=q0\n", "port add 'x\n", "port add a\"\n", "port add \"'\n",
	};
	struct seen s = { 0 };
	char err[256];
	unsigned int i;

	(void)state;
	/* the last line's empty word is an empty SPEC: refused, nothing ran */
	assert_int_equal(vn_ctl_config_parse(text, strlen(text), "t.conf", record, &s, err,
					      sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:5: SPEC must be kind:key=value,... (e.g. tap:name=vnet0), "
			    "at most 1024 characters");
	assert_int_equal(s.n, 0);
	assert_int_equal(vn_ctl_config_parse(text, strlen(text) - 12, "t.conf", record, &s, err,
					      sizeof(err)), 4);
	assert_string_equal(s.specs[0], "tap:name=q0,offload=on");
	assert_string_equal(s.specs[1], "tap:name=q1");
	assert_string_equal(s.specs[2], "tap:name=q2,vlan=10");
	assert_string_equal(s.specs[3], "pair:name=a b#c");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vn_ctl_config_parse(bad[i], strlen(bad[i]), "t.conf", record, &s,
						      err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "t.conf:1: unterminated quote");
	}
}

static void test_config_errors_name_file_and_line(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "port add tap:a\nport frob x\n", "t.conf:2: unknown command" },
		{ "\n\nport list\n", "t.conf:3: \"port list\" is not allowed" },
		{ "port add\n", "t.conf:1: port add: SPEC missing" },
		{ "capture p0 -w /tmp/x.pcap -c 1\n", "t.conf:1: \"capture\" is not allowed in a config file" },
		{ "port add tap:a\0x\n", "t.conf:1: NUL byte" },
		{ "port add a b c d e f g h i j k l m n o p q r s t u v w x y z 1 2 3 4 5 6 7\n",
		  "t.conf:1: more than 32 words" },
	};
	struct seen s = { 0 };
	char err[256];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i].text);

		if (i == 4)
			len = 18;
		assert_true(vn_ctl_config_parse(bad[i].text, len, "t.conf", record, &s, err,
						 sizeof(err)) < 0);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)))
			fail_msg("case %u: \"%s\"", i, err);
	}
	/* nothing ran: the whole file is checked before the first command */
	assert_int_equal(s.n, 0);
}

static void test_config_line_and_file_caps(void **state)
{
	char *buf, err[256];
	size_t n = VN_CTL_CONFIG_LINE_MAX + 1;

	(void)state;
	buf = malloc(VN_CTL_CONFIG_SIZE_MAX + 1);
	assert_non_null(buf);
	memset(buf, '#', n);
	assert_int_equal(vn_ctl_config_parse(buf, n, "t.conf", NULL, NULL, err, sizeof(err)),
			 -E2BIG);
	assert_non_null(strstr(err, "t.conf:1: line longer"));
	/* a comment line exactly at the cap is fine */
	assert_int_equal(vn_ctl_config_parse(buf, n - 1, "t.conf", NULL, NULL, err, sizeof(err)),
			 0);
	memset(buf, '\n', VN_CTL_CONFIG_SIZE_MAX + 1);
	assert_int_equal(vn_ctl_config_parse(buf, VN_CTL_CONFIG_SIZE_MAX + 1, "t.conf", NULL,
					     NULL, err, sizeof(err)), -EFBIG);
	free(buf);
}

static void test_config_load_file(void **state)
{
	char path[] = "/tmp/vn-ctl-test-XXXXXX", err[256];
	struct seen s = { 0 };
	static const char text[] = "port add tap:name=x\n";
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (int)sizeof(text) - 1);
	close(fd);
	assert_int_equal(vn_ctl_config_load(path, record, &s, err, sizeof(err)), 1);
	assert_string_equal(s.specs[0], "tap:name=x");
	unlink(path);
	assert_int_equal(vn_ctl_config_load(path, record, &s, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	assert_int_equal(vn_ctl_config_load("/tmp", record, &s, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_port_add_and_keyword),
		cmocka_unit_test(test_cli_longest_match_and_flags),
		cmocka_unit_test(test_cli_rejects_bad_words),
		cmocka_unit_test(test_cli_messages),
		cmocka_unit_test(test_cli_aliases_and_defaults),
		cmocka_unit_test(test_config_parses_commands_and_comments),
		cmocka_unit_test(test_config_errors_name_file_and_line),
		cmocka_unit_test(test_config_quotes),
		cmocka_unit_test(test_config_line_and_file_caps),
		cmocka_unit_test(test_config_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

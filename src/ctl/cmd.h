/* SPDX-License-Identifier: MIT */
/* cmd.h - the control command table: names, argument schemas, CLI words, help
 *
 * One table describes every control command once. The server validates a
 * request's "args" against the command's schema before any handler runs;
 * vnetctl and the config file turn words into the same request with the
 * same table (cli.c), so the three can never disagree on a command.
 *
 * The table has no dependency on the switch: vnetctl and the fuzz targets
 * link it without the datapath. Handlers live in handlers.c, indexed by
 * enum vn_ctl_cmd_id.
 */
#ifndef VN_CTL_CMD_H
#define VN_CTL_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

enum vn_ctl_arg_type {
	VN_CTL_ARG_STR,
	VN_CTL_ARG_INT,
	VN_CTL_ARG_BOOL,
};

#define VN_CTL_ARG_REQUIRED	0x1	/* must be present */
#define VN_CTL_ARG_POS		0x2	/* CLI: positional word, in table order */
#define VN_CTL_ARG_FLAG		0x4	/* CLI: bool given as --name */
#define VN_CTL_ARG_KEYWORD	0x8	/* CLI: "name VALUE" */

/**
 * struct vn_ctl_arg - one argument of a command
 * @name:	key in "args" and the CLI keyword/flag name
 * @type:	JSON type it must have
 * @flags:	VN_CTL_ARG_*
 * @min:	smallest value (INT) or shortest length (STR)
 * @max:	largest value (INT) or longest length (STR)
 * @meta:	placeholder shown in usage ("SPEC", "PORT")
 * @hint:	what a valid value looks like, the message when one is out of
 *		@min..@max or fails @valid ("DIR must be ingress or egress");
 *		NULL: the bounds
 * @valid:	a string's format check beyond its length (NULL: none), so a
 *		malformed value is refused the same way by vnetctl and the
 *		daemon
 */
struct vn_ctl_arg {
	const char *name;
	enum vn_ctl_arg_type type;
	unsigned int flags;
	int64_t min;
	int64_t max;
	const char *meta;
	const char *hint;
	bool (*valid)(const char *s);
};

enum vn_ctl_cmd_id {
	VN_CTL_CMD_VERSION,
	VN_CTL_CMD_HELP,
	VN_CTL_CMD_PORT_ADD,
	VN_CTL_CMD_PORT_DEL,
	VN_CTL_CMD_PORT_LIST,
	VN_CTL_CMD_STATS,
	VN_CTL_CMD_FDB_SHOW,
	VN_CTL_CMD_FDB_FLUSH,
	VN_CTL_CMD_FDB_ADD,
	VN_CTL_CMD_FDB_DEL,
	VN_CTL_CMD_VLAN_SHOW,
	VN_CTL_CMD_XDP_ATTACH,
	VN_CTL_CMD_XDP_DETACH,
	VN_CTL_CMD_XDP_LIST,
	VN_CTL_CMD_MAP_DUMP,
	VN_CTL_CMD_MAP_UPDATE,
	VN_CTL_CMD_MAP_DELETE,
	VN_CTL_CMD_MAP_LIST,
	VN_CTL_CMD_MAP_LOOKUP,
	VN_CTL_CMD_CAPTURE_START,
	VN_CTL_CMD_WORKER_LIST,
	VN_CTL_CMD_XDP_EXPORT,
	VN_CTL_CMD_XDP_IMPORT,
	VN_CTL_CMD_FDB_STATS,
	VN_CTL_CMD__MAX
};

#define VN_CTL_CMD_NAME_MAX	32	/* protocol name incl. NUL */
#define VN_CTL_CMD_ARGS_MAX	6

/**
 * struct vn_ctl_cmd - one control command
 * @id:		index in the table
 * @name:	protocol name ("port.add")
 * @words:	CLI words ("port add")
 * @help:	one-line description
 * @config:	allowed in a config file (commands that change state)
 * @nargs:	entries used in @args
 * @args:	argument schema
 * @stream:	the reply is followed by a stream (capstream.h); the server
 *		hands the connection to the command (server.h)
 * @usage:	usage as vnetctl takes it, when its own options build the
 *		request (capture's -w FILE); NULL: from @words and @args
 */
struct vn_ctl_cmd {
	enum vn_ctl_cmd_id id;
	const char *name;
	const char *words;
	const char *help;
	bool config;
	unsigned int nargs;
	struct vn_ctl_arg args[VN_CTL_CMD_ARGS_MAX];
	bool stream;
	const char *usage;
};

/**
 * vn_ctl_cmd_get() - Command by id
 * @id:		command id
 *
 * Return: the command, or NULL for an out-of-range id
 */
const struct vn_ctl_cmd *vn_ctl_cmd_get(unsigned int id);

/**
 * vn_ctl_cmd_lookup() - Command by protocol name
 * @name:	"port.add"
 *
 * Return: the command, or NULL if there is none by that name
 */
const struct vn_ctl_cmd *vn_ctl_cmd_lookup(const char *name);

/**
 * vn_ctl_cmd_validate() - Check a request's args against the command schema
 * @cmd:	command
 * @args:	JSON object (outside input)
 * @err:	message buffer, filled on failure
 * @errlen:	its size
 *
 * Every key must be in the schema, with the schema's type and bounds, and
 * every required key present. Strings must not contain NUL bytes.
 *
 * Return: 0, or -EINVAL with @err set
 */
int vn_ctl_cmd_validate(const struct vn_ctl_cmd *cmd, struct json_object *args,
			char *err, size_t errlen);

/**
 * vn_ctl_cmd_usage() - Write "port add SPEC [worker N]" for @cmd
 * @cmd:	command
 * @buf:	output
 * @len:	its size
 */
void vn_ctl_cmd_usage(const struct vn_ctl_cmd *cmd, char *buf, size_t len);

/**
 * vn_ctl_cli_parse() - Turn command-line words into a command and its args
 * @argc:	number of words
 * @argv:	words ("port", "add", "tap:name=vnet0")
 * @cmd:	matched command, output (also when only its arguments were bad)
 * @args:	new JSON object with the arguments, output (caller puts it)
 * @err:	message buffer, filled on failure
 * @errlen:	its size
 *
 * Shared by vnetctl and the config file. Words are matched against each
 * command's CLI words (the longest match wins; "show", "list" and "lst" are
 * one verb), then the remaining words fill the command's arguments:
 * "--flag" for bool flags, "name VALUE" for keywords, and positional words
 * in table order. An object alone ("port") is its show/list command when
 * that takes no required argument.
 *
 * Return: 0, -ENOENT for no such command, -EINVAL for bad arguments
 */
int vn_ctl_cli_parse(int argc, char *const argv[], const struct vn_ctl_cmd **cmd,
		     struct json_object **args, char *err, size_t errlen);

/**
 * vn_ctl_cli_is_object() - Whether @word is the first word of some command
 * @word:	"port", "fdb", "stats"
 *
 * Return: true if a command's CLI words start with @word
 */
bool vn_ctl_cli_is_object(const char *word);

#endif /* VN_CTL_CMD_H */

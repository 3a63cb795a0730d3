// SPDX-License-Identifier: MIT
/* cmd.c - the control command table and argument schema validation */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cmd.h"
#include "port/port.h"

#define SPEC_MAX	1024	/* a port spec: kind + 16 key=value pairs fit */
#define XDP_SPEC_MAX	3300	/* PORT:DIR:FILE:SECTION:FLAG:redirect=LIST, FILE up to
				 * 1023 bytes, LIST up to 2047 */
#define MAP_HEX_MAX	(2 * (512 + 64 * 1024) + 1)	/* hex key (<= 512 B) = value (<= 64 KiB) */
#define PORT_ARG(flags)	{ "port", VN_CTL_ARG_STR, (flags), 1, VN_PORT_NAME_MAX - 1, "PORT" }
/* "egress" (6) or "ingress" (7), required, positional */
#define DIR_HINT	"DIR must be ingress or egress"
/* XDP commands also name a port's guest slot: "egress-guest" (docs/xdp-offload.md) */
#define XDIR_HINT	"DIR must be ingress, egress or egress-guest"
#define DIR_ARG		{ "dir", VN_CTL_ARG_STR, VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS, 6, 12, "DIR", \
			  XDIR_HINT, xdir_ok }
#define MAP_ARG		{ "map", VN_CTL_ARG_STR, VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS, 1, 63, "MAP" }
/* the map commands start with PORT DIR MAP */
#define MAP_ARGS	PORT_ARG(VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS), DIR_ARG, MAP_ARG
#define KEY_ARG		{ "key", VN_CTL_ARG_STR, VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS, 1, 1024, "KEY" }

static bool xdir_ok(const char *s)
{
	return !strcmp(s, "ingress") || !strcmp(s, "egress") || !strcmp(s, "egress-guest");
}

/* "aa:bb:cc:dd:ee:ff": two hex digits per byte, ':' between (length checked first) */
static bool mac_valid(const char *s)
{
	unsigned int i;

	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	return s[17] == '\0';
}

static const struct vn_ctl_cmd cmds[VN_CTL_CMD__MAX] = {
	[VN_CTL_CMD_VERSION] = {
		VN_CTL_CMD_VERSION, "version", "version",
		"show the daemon and protocol versions", false, 0, { { 0 } },
	},
	[VN_CTL_CMD_HELP] = {
		VN_CTL_CMD_HELP, "help", "commands",
		"list the commands the daemon serves", false, 0, { { 0 } },
	},
	[VN_CTL_CMD_PORT_ADD] = {
		VN_CTL_CMD_PORT_ADD, "port.add", "port add",
		"open a port from SPEC (kind:name=NAME,key=value,...) and attach it",
		true, 2, {
			{ "spec", VN_CTL_ARG_STR, VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS, 3, SPEC_MAX, "SPEC",
			  "SPEC must be kind:key=value,... (e.g. tap:name=vnet0), at most 1024 "
			  "characters" },
			{ "worker", VN_CTL_ARG_INT, VN_CTL_ARG_KEYWORD, -1, 1023, "N" },
		},
	},
	[VN_CTL_CMD_PORT_DEL] = {
		VN_CTL_CMD_PORT_DEL, "port.del", "port del",
		"detach and close port NAME", true, 1, {
			{ "name", VN_CTL_ARG_STR, VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS, 1,
			  VN_PORT_NAME_MAX - 1, "NAME" },
		},
	},
	[VN_CTL_CMD_PORT_LIST] = {
		VN_CTL_CMD_PORT_LIST, "port.list", "port list",
		"list ports: kind, state, offloads, queues, rates", false, 0, { { 0 } },
	},
	[VN_CTL_CMD_STATS] = {
		VN_CTL_CMD_STATS, "stats", "stats",
		"show port counters (non-zero ones; --all for every counter)", false, 2, {
			PORT_ARG(VN_CTL_ARG_POS),
			{ "all", VN_CTL_ARG_BOOL, VN_CTL_ARG_FLAG, 0, 1, NULL },
		},
	},
	[VN_CTL_CMD_FDB_SHOW] = {
		VN_CTL_CMD_FDB_SHOW, "fdb.show", "fdb show",
		"show the forwarding table (of PORT only if given)", false, 1, {
			PORT_ARG(VN_CTL_ARG_POS),
		},
	},
	[VN_CTL_CMD_FDB_STATS] = {
		VN_CTL_CMD_FDB_STATS, "fdb.stats", "fdb stats",
		"show the forwarding table's counters: entries, learned, moved, evicted, aged, "
		"refused", false, 0, { { 0 } },
	},
	[VN_CTL_CMD_FDB_FLUSH] = {
		VN_CTL_CMD_FDB_FLUSH, "fdb.flush", "fdb flush",
		"forget learned addresses (of PORT only if given)", true, 1, {
			PORT_ARG(VN_CTL_ARG_POS),
		},
	},
	[VN_CTL_CMD_FDB_ADD] = {
		VN_CTL_CMD_FDB_ADD, "fdb.add", "fdb add",
		"pin MAC to PORT in VLAN N (default: its untagged VLAN); --replace moves a pinned MAC; "
		"dst ADDR (tunnel ports): send it to that remote only",
		true, 5, {
			{ "mac", VN_CTL_ARG_STR, VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS, 17, 17, "MAC",
			  "MAC must be aa:bb:cc:dd:ee:ff (two hex digits per byte)", mac_valid },
			PORT_ARG(VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS),
			{ "vlan", VN_CTL_ARG_INT, VN_CTL_ARG_KEYWORD, 0, 4094, "N" },
			{ "replace", VN_CTL_ARG_BOOL, VN_CTL_ARG_FLAG, 0, 1, NULL },
			{ "dst", VN_CTL_ARG_STR, VN_CTL_ARG_KEYWORD, 2, 45, "ADDR",
			  "ADDR must be an IPv4 or IPv6 address" },
		},
	},
	[VN_CTL_CMD_FDB_DEL] = {
		VN_CTL_CMD_FDB_DEL, "fdb.del", "fdb del",
		"remove the entries of MAC, static or learned (in VLAN N only if given)", true, 2, {
			{ "mac", VN_CTL_ARG_STR, VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS, 17, 17, "MAC",
			  "MAC must be aa:bb:cc:dd:ee:ff (two hex digits per byte)", mac_valid },
			{ "vlan", VN_CTL_ARG_INT, VN_CTL_ARG_KEYWORD, 0, 4094, "N" },
		},
	},
	[VN_CTL_CMD_VLAN_SHOW] = {
		VN_CTL_CMD_VLAN_SHOW, "vlan.show", "vlan show",
		"show each port's VLAN configuration", false, 0, { { 0 } },
	},
	/* XDP programs at ports (switch/xdp_hook.h); SPEC as vnetd --xdp */
	[VN_CTL_CMD_XDP_ATTACH] = {
		VN_CTL_CMD_XDP_ATTACH, "xdp.attach", "xdp attach",
		"load FILE.o and attach it: SPEC is PORT:ingress|egress:FILE.o[:SECTION]"
		"[:segment-first][:redirect=P1,P2|none]", true, 2, {
			{ "spec", VN_CTL_ARG_STR, VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS, 5, XDP_SPEC_MAX,
			  "SPEC", "SPEC must be PORT:ingress|egress:FILE.o[:SECTION][:segment-first]" },
			{ "replace", VN_CTL_ARG_BOOL, VN_CTL_ARG_FLAG, 0, 1, NULL },
		},
	},
	[VN_CTL_CMD_XDP_DETACH] = {
		VN_CTL_CMD_XDP_DETACH, "xdp.detach", "xdp detach",
		"detach the XDP program of PORT at DIR (ingress, egress, or egress-guest: the "
		"program the port's guest loaded)", true, 2, {
			PORT_ARG(VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS),
			DIR_ARG,
		},
	},
	[VN_CTL_CMD_XDP_LIST] = {
		VN_CTL_CMD_XDP_LIST, "xdp.list", "xdp list",
		"list XDP programs: port, direction, program, counters, memory", false, 0,
		{ { 0 } },
	},
	[VN_CTL_CMD_MAP_DUMP] = {
		VN_CTL_CMD_MAP_DUMP, "map.dump", "map dump",
		"show the entries of map MAP of the XDP program at PORT DIR (hex)", false, 3, {
			MAP_ARGS,
		},
	},
	[VN_CTL_CMD_MAP_UPDATE] = {
		VN_CTL_CMD_MAP_UPDATE, "map.update", "map update",
		"store VALUE under KEY in map MAP (hex, in the kernel's byte layout)",
		true, 4, {
			MAP_ARGS,
			{ "entry", VN_CTL_ARG_STR, VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS, 3, MAP_HEX_MAX,
			  "KEY=VALUE", "KEY=VALUE must be two hex strings joined by '='" },
		},
	},
	[VN_CTL_CMD_MAP_DELETE] = {
		VN_CTL_CMD_MAP_DELETE, "map.delete", "map delete",
		"remove KEY (hex) from map MAP", true, 4, {
			MAP_ARGS,
			KEY_ARG,
		},
	},
	[VN_CTL_CMD_MAP_LIST] = {
		VN_CTL_CMD_MAP_LIST, "map.list", "map list",
		"list the maps of the XDP program at PORT DIR: type, sizes, entries, memory",
		false, 2, {
			PORT_ARG(VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS),
			DIR_ARG,
		},
	},
	[VN_CTL_CMD_MAP_LOOKUP] = {
		VN_CTL_CMD_MAP_LOOKUP, "map.lookup", "map lookup",
		"show the value stored under KEY (hex) in map MAP", false, 4, {
			MAP_ARGS,
			KEY_ARG,
		},
	},
	/* Packet capture (switch/capture.h); frames follow the reply (capstream.h).
	 * vnetctl's "capture PORT [DIR] -w FILE [-c N] [-f F] [-s N]" builds it */
	[VN_CTL_CMD_CAPTURE_START] = {
		VN_CTL_CMD_CAPTURE_START, "capture.start", "capture",
		"write the frames of PORT at DIR (default ingress) matching FILTER to FILE.pcap",
		false, 5, {
			PORT_ARG(VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS),
			{ "dir", VN_CTL_ARG_STR, VN_CTL_ARG_POS, 6, 7, "DIR", DIR_HINT },
			{ "filter", VN_CTL_ARG_STR, VN_CTL_ARG_KEYWORD, 0, 4096, "FILTER" },
			{ "snaplen", VN_CTL_ARG_INT, VN_CTL_ARG_KEYWORD, 0, 65557, "N" },
			{ "count", VN_CTL_ARG_INT, VN_CTL_ARG_KEYWORD, 0, INT64_C(1) << 40, "N" },
		}, true,
		"capture PORT [ingress|egress] -w FILE.pcap [-c COUNT] [-f FILTER] [-s SNAPLEN]",
	},
	[VN_CTL_CMD_WORKER_LIST] = {
		VN_CTL_CMD_WORKER_LIST, "worker.list", "worker list",
		"list forwarding workers: CPU, ports, loop passes, sleeps, polls, hand-offs",
		false, 0, { { 0 } },
	},
	/* a port's guest XDP program with its maps, to and from a file
	 * (ctl/xo_export.h); vnetctl opens FILE and passes it open */
	[VN_CTL_CMD_XDP_EXPORT] = {
		VN_CTL_CMD_XDP_EXPORT, "xdp.export", "xdp export",
		"write the guest XDP program of PORT (DIR egress or egress-guest) and all its "
		"maps to FILE", false, 3, {
			PORT_ARG(VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS),
			DIR_ARG,
			{ "file", VN_CTL_ARG_STR, VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS, 1, 4095,
			  "FILE" },
		},
	},
	[VN_CTL_CMD_XDP_IMPORT] = {
		VN_CTL_CMD_XDP_IMPORT, "xdp.import", "xdp import",
		"load a guest XDP program and its maps from FILE (xdp export) into PORT's guest "
		"slot, under its xdp-offload quotas", false, 3, {
			PORT_ARG(VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS),
			DIR_ARG,
			{ "file", VN_CTL_ARG_STR, VN_CTL_ARG_REQUIRED | VN_CTL_ARG_POS, 1, 4095,
			  "FILE" },
		},
	},
};

/**
 * vn_ctl_cmd_get() - Command by id
 * @id:		command id
 *
 * Return: the command, or NULL for an out-of-range id
 */
const struct vn_ctl_cmd *vn_ctl_cmd_get(unsigned int id)
{
	if (id >= VN_CTL_CMD__MAX)
		return NULL;
	return &cmds[id];
}

/**
 * vn_ctl_cmd_lookup() - Command by protocol name
 * @name:	"port.add"
 *
 * Return: the command, or NULL if there is none by that name
 */
const struct vn_ctl_cmd *vn_ctl_cmd_lookup(const char *name)
{
	unsigned int i;

	for (i = 0; i < VN_CTL_CMD__MAX; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static const struct vn_ctl_arg *arg_find(const struct vn_ctl_cmd *cmd, const char *key)
{
	unsigned int i;

	for (i = 0; i < cmd->nargs; i++)
		if (!strcmp(cmd->args[i].name, key))
			return &cmd->args[i];
	return NULL;
}

/**
 * arg_label() - How an argument is named to people: its usage word
 * @a:		argument
 * @buf:	output ("DIR", "worker N", "--all")
 * @len:	its size
 *
 * Return: @buf
 */
static const char *arg_label(const struct vn_ctl_arg *a, char *buf, size_t len)
{
	if (a->flags & VN_CTL_ARG_FLAG)
		snprintf(buf, len, "--%s", a->name);
	else if (a->flags & VN_CTL_ARG_KEYWORD)
		snprintf(buf, len, "%s %s", a->name, a->meta);
	else
		snprintf(buf, len, "%s", a->meta ? a->meta : a->name);
	return buf;
}

static int arg_check(const struct vn_ctl_arg *a, struct json_object *v, char *err, size_t errlen)
{
	char l[64];
	int64_t n;
	int len;

	arg_label(a, l, sizeof(l));
	switch (a->type) {
	case VN_CTL_ARG_STR:
		/* a number or object where a name belongs */
		if (!json_object_is_type(v, json_type_string))
			goto type;
		len = json_object_get_string_len(v);
		/* "\u0000" inside: C code would see a shorter string */
		if ((size_t)len != strlen(json_object_get_string(v))) {
			snprintf(err, errlen, "%s contains a NUL byte", l);
			return -EINVAL;
		}
		if (len >= a->min && len <= a->max &&
		    (!a->valid || a->valid(json_object_get_string(v))))
			return 0;
		/* what a good value looks like, not the length check behind it */
		if (a->hint)
			snprintf(err, errlen, "%s", a->hint);
		else if (len > a->max)
			snprintf(err, errlen, "%s is longer than %lld characters", l,
				 (long long)a->max);
		else if (a->min == 1)
			snprintf(err, errlen, "%s must not be empty", l);
		else
			snprintf(err, errlen, "%s must be at least %lld characters", l,
				 (long long)a->min);
		return -EINVAL;
	case VN_CTL_ARG_INT:
		/* json-c gives doubles and strings an int value: refuse them */
		if (!json_object_is_type(v, json_type_int))
			goto type;
		n = json_object_get_int64(v);
		if (n < a->min || n > a->max) {
			if (a->hint)
				snprintf(err, errlen, "%s", a->hint);
			else
				snprintf(err, errlen, "%s must be %lld to %lld", l,
					 (long long)a->min, (long long)a->max);
			return -EINVAL;
		}
		return 0;
	case VN_CTL_ARG_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			goto type;
		return 0;
	}
type:
	snprintf(err, errlen, "%s (\"%s\") must be a %s", l, a->name,
		 a->type == VN_CTL_ARG_STR ? "string" : a->type == VN_CTL_ARG_INT ? "integer" :
		 "boolean");
	return -EINVAL;
}

/**
 * vn_ctl_cmd_validate() - Check a request's args against the command schema
 * @cmd:	command
 * @args:	JSON object (outside input)
 * @err:	message buffer, filled on failure
 * @errlen:	its size
 *
 * Return: 0, or -EINVAL with @err set
 */
int vn_ctl_cmd_validate(const struct vn_ctl_cmd *cmd, struct json_object *args,
			char *err, size_t errlen)
{
	unsigned int i;
	int ret;

	/* args given as an array, string or number */
	if (!json_object_is_type(args, json_type_object)) {
		snprintf(err, errlen, "\"args\" must be an object");
		return -EINVAL;
	}
	json_object_object_foreach(args, key, val) {
		const struct vn_ctl_arg *a = arg_find(cmd, key);

		/* a key the command does not take: a typo must not be ignored */
		if (!a) {
			snprintf(err, errlen, "%s: unknown argument \"%.64s\"", cmd->name, key);
			return -EINVAL;
		}
		ret = arg_check(a, val, err, errlen);
		if (ret)
			return ret;
	}
	for (i = 0; i < cmd->nargs; i++) {
		if ((cmd->args[i].flags & VN_CTL_ARG_REQUIRED) &&
		    !json_object_object_get_ex(args, cmd->args[i].name, NULL)) {
			char l[64];

			snprintf(err, errlen, "%s: %s missing", cmd->words,
				 arg_label(&cmd->args[i], l, sizeof(l)));
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * vn_ctl_cmd_usage() - Write "port add SPEC [worker N]" for @cmd
 * @cmd:	command
 * @buf:	output
 * @len:	its size
 */
void vn_ctl_cmd_usage(const struct vn_ctl_cmd *cmd, char *buf, size_t len)
{
	size_t off;
	unsigned int i;

	/* the words a person types, where vnetctl's options make the request */
	if (cmd->usage) {
		snprintf(buf, len, "%s", cmd->usage);
		return;
	}
	off = (size_t)snprintf(buf, len, "%s", cmd->words);
	for (i = 0; i < cmd->nargs && off < len; i++) {
		const struct vn_ctl_arg *a = &cmd->args[i];
		bool opt = !(a->flags & VN_CTL_ARG_REQUIRED);
		char word[64];

		arg_label(a, word, sizeof(word));
		off += (size_t)snprintf(buf + off, len - off, opt ? " [%s]" : " %s", word);
	}
}

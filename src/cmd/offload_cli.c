// SPDX-License-Identifier: MIT
/* offload_cli.c - vnet-offload's command line: options, commands, hex keys and values */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/offload_cli.h"
#include "core/hex.h"

#define WORDS_MAX	8	/* "map update MAP KEY VALUE FLAGS" is the longest */

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int vn_offload_hex_parse(const char *s, uint8_t *out, size_t room, size_t *len)
{
	size_t n = strlen(s), i;

	*len = 0;
	if (n == 0 || n % 2)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		int b = vn_hex_byte(s + 2 * i);

		if (b < 0)
			return -EINVAL;
		if (i >= room)
			return -E2BIG;
		out[i] = (uint8_t)b;
	}
	*len = n / 2;
	return 0;
}

void vn_offload_hex_format(const uint8_t *p, size_t n, char *buf, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < len; i++) {
		buf[2 * i] = digits[p[i] >> 4];
		buf[2 * i + 1] = digits[p[i] & 15];
	}
	buf[2 * i] = '\0';
}

int vn_offload_flags_parse(const char *s, uint32_t *flags)
{
	if (!strcmp(s, "any"))
		*flags = VN_XO_UPDATE_ANY;
	else if (!strcmp(s, "noexist"))
		*flags = VN_XO_UPDATE_NOEXIST;
	else if (!strcmp(s, "exist"))
		*flags = VN_XO_UPDATE_EXIST;
	else
		return -EINVAL;
	return 0;
}

int vn_offload_mapref_parse(const char *s, struct vn_xo_mapref *ref)
{
	size_t n = strlen(s), i;

	memset(ref, 0, sizeof(*ref));
	if (n && strspn(s, "0123456789") == n) {
		unsigned long h;

		errno = 0;
		h = strtoul(s, NULL, 10);
		if (errno || h > UINT16_MAX)
			return -EINVAL;
		ref->by_handle = 1;
		ref->handle = (uint16_t)h;
		return 0;
	}
	if (!vn_xo_name_ok(s, n, 0))
		return -EINVAL;
	for (i = 0; i <= n; i++)
		ref->name[i] = s[i];
	return 0;
}

/* An option's value: "--opt=V" or "--opt V"; NULL when missing */
static const char *opt_value(int argc, char **argv, int *i, const char *arg, size_t optlen)
{
	if (arg[optlen] == '=')
		return arg + optlen + 1;
	if (arg[optlen] || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* Is @arg the option @name, alone or as "@name=..."? */
static bool opt_is(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(arg, name, n) && (arg[n] == '\0' || arg[n] == '=');
}

static int parse_option(int argc, char **argv, int *i, struct vn_offload_args *a, char *err,
			size_t errlen)
{
	const char *arg = argv[*i], *v;

	if (!strcmp(arg, "--json") || !strcmp(arg, "-j")) {
		a->json = true;
	} else if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
		a->help = true;
	} else if (!strcmp(arg, "--version") || !strcmp(arg, "-V")) {
		a->version = true;
	} else if (!strcmp(arg, "--segment-first")) {
		a->segment_first = true;
	} else if (opt_is(arg, "--device") || !strcmp(arg, "-d")) {
		v = opt_value(argc, argv, i, arg, arg[1] == '-' ? 8 : 2);
		if (!v || !v[0])
			return fail(err, errlen, "--device needs a PATH");
		a->device = v;
	} else if (opt_is(arg, "--obj")) {
		v = opt_value(argc, argv, i, arg, 5);
		if (!v || !v[0])
			return fail(err, errlen, "--obj needs the object file (with BTF)");
		a->btf_obj = v;
	} else if (opt_is(arg, "--timeout") || !strcmp(arg, "-t")) {
		char *end;
		unsigned long s;

		v = opt_value(argc, argv, i, arg, arg[1] == '-' ? 9 : 2);
		if (!v)
			return fail(err, errlen, "--timeout needs a number of seconds");
		errno = 0;
		s = strtoul(v, &end, 10);
		if (errno || v[0] < '0' || v[0] > '9' || *end || s == 0 ||
		    s > VN_OFFLOAD_TIMEOUT_MAX)
			return fail(err, errlen, "--timeout \"%s\": want whole seconds, 1 to %d",
				    v, VN_OFFLOAD_TIMEOUT_MAX);
		a->timeout_s = (unsigned int)s;
	} else {
		return fail(err, errlen, "unknown option \"%s\"", arg);
	}
	return 0;
}

static int want_words(int nw, int lo, int hi, const char *usage, char *err, size_t errlen)
{
	if (nw < lo)
		return fail(err, errlen, "%s: missing arguments (usage: %s)", usage, usage);
	if (nw > hi)
		return fail(err, errlen, "%s: too many arguments (usage: %s)", usage, usage);
	return 0;
}

/* The map subcommands: the words each takes, counting "map" and its own */
static const struct {
	const char *name;
	enum vn_offload_cmd cmd;
	int lo, hi;
	const char *usage;
} map_cmds[] = {
	{ "list", VN_OFFLOAD_MAP_LIST, 2, 2, "map list" },
	{ "dump", VN_OFFLOAD_MAP_DUMP, 3, 3, "map dump MAP" },
	{ "lookup", VN_OFFLOAD_MAP_LOOKUP, 4, 4, "map lookup MAP KEY" },
	{ "update", VN_OFFLOAD_MAP_UPDATE, 5, 6, "map update MAP KEY VALUE [any|noexist|exist]" },
	{ "delete", VN_OFFLOAD_MAP_DELETE, 4, 4, "map delete MAP KEY" },
};

static int parse_map(char **w, int nw, struct vn_offload_args *a, char *err, size_t errlen)
{
	const char *sub = nw > 1 ? w[1] : "";
	size_t i;
	int ret;

	for (i = 0; i < sizeof(map_cmds) / sizeof(map_cmds[0]); i++)
		if (!strcmp(sub, map_cmds[i].name))
			break;
	if (i == sizeof(map_cmds) / sizeof(map_cmds[0]))
		return fail(err, errlen, "map: want list, dump, lookup, update or delete%s%s%s",
			    sub[0] ? " (not \"" : "", sub, sub[0] ? "\")" : "");
	a->cmd = map_cmds[i].cmd;
	ret = want_words(nw, map_cmds[i].lo, map_cmds[i].hi, map_cmds[i].usage, err, errlen);
	if (ret || a->cmd == VN_OFFLOAD_MAP_LIST)
		return ret;
	if (vn_offload_mapref_parse(w[2], &a->map))
		return fail(err, errlen, "MAP \"%s\": want a map name (up to %d of "
			    "[A-Za-z0-9_./-]) or a handle number 0-65535", w[2], VN_XO_NAME_MAX);
	if (nw > 3)
		a->key = w[3];
	if (nw > 4)
		a->value = w[4];
	if (nw > 5 && vn_offload_flags_parse(w[5], &a->flags))
		return fail(err, errlen, "map update: flag \"%s\": want any, noexist or exist",
			    w[5]);
	return 0;
}

int vn_offload_args_parse(int argc, char **argv, struct vn_offload_args *a, char *err,
			  size_t errlen)
{
	char *w[WORDS_MAX];
	bool opts = true;
	int nw = 0, i, ret;

	memset(a, 0, sizeof(*a));
	a->device = VN_OFFLOAD_DEVICE_DEFAULT;
	a->timeout_s = VN_OFFLOAD_TIMEOUT_DEFAULT;
	a->section = "";
	err[0] = '\0';
	for (i = 1; i < argc; i++) {
		if (opts && !strcmp(argv[i], "--")) {
			opts = false;
		} else if (opts && argv[i][0] == '-' && argv[i][1]) {
			ret = parse_option(argc, argv, &i, a, err, errlen);
			if (ret)
				return ret;
		} else {
			if (nw == WORDS_MAX)
				return fail(err, errlen, "too many arguments");
			w[nw++] = argv[i];
		}
	}
	if (a->help || a->version)
		return 0;
	if (nw == 0)
		return fail(err, errlen, "no command: want load, unload, status or map");
	if (a->segment_first && strcmp(w[0], "load"))
		return fail(err, errlen, "--segment-first goes with load only");
	if (!strcmp(w[0], "load")) {
		a->cmd = VN_OFFLOAD_LOAD;
		ret = want_words(nw, 2, 3, "load OBJ [SECTION]", err, errlen);
		if (ret)
			return ret;
		a->obj = w[1];
		if (nw == 3) {
			if (!vn_xo_name_ok(w[2], strlen(w[2]), 1))
				return fail(err, errlen, "SECTION \"%s\": up to %d of [A-Za-z0-9_./-]",
					    w[2], VN_XO_NAME_MAX);
			a->section = w[2];
		}
		return 0;
	}
	if (!strcmp(w[0], "unload")) {
		a->cmd = VN_OFFLOAD_UNLOAD;
		return want_words(nw, 1, 1, "unload", err, errlen);
	}
	if (!strcmp(w[0], "status")) {
		a->cmd = VN_OFFLOAD_STATUS;
		return want_words(nw, 1, 1, "status", err, errlen);
	}
	if (!strcmp(w[0], "map"))
		return parse_map(w, nw, a, err, errlen);
	return fail(err, errlen, "unknown command \"%s\": want load, unload, status or map", w[0]);
}

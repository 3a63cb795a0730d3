// SPDX-License-Identifier: MIT
/* cli.c - command-line words to a control request, shared by vnetctl and config files
 *
 * The words come from a user's shell or from a config file line: outside
 * input. Every word is bounded by the schema (cmd.c) before it becomes a
 * JSON value, and integers are parsed in full (no trailing junk, no
 * overflow).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cmd.h"

#define WORDS_MAX	4	/* longest CLI command name, in words */

/* "show", "list" and "lst" name the same verb, as in iproute2 */
static bool word_eq(const char *typed, const char *w)
{
	static const char *const shows[] = { "show", "list", "lst" };
	bool a = false, b = false;
	unsigned int i;

	if (!strcmp(typed, w))
		return true;
	for (i = 0; i < sizeof(shows) / sizeof(shows[0]); i++) {
		a |= !strcmp(typed, shows[i]);
		b |= !strcmp(w, shows[i]);
	}
	return a && b;
}

/* How many of @argv match @cmd's CLI words; 0 if they do not all match. */
static int words_match(const struct vn_ctl_cmd *cmd, int argc, char *const argv[])
{
	char buf[64];
	char *save = NULL, *w;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", cmd->words);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (n >= argc || n >= WORDS_MAX || !word_eq(argv[n], w))
			return 0;
		n++;
	}
	return n;
}

/* "port" alone: the object's show/list command, if it needs no argument */
static const struct vn_ctl_cmd *object_default(const char *object)
{
	unsigned int i, j;
	char want[2][40];

	snprintf(want[0], sizeof(want[0]), "%s show", object);
	snprintf(want[1], sizeof(want[1]), "%s list", object);
	for (i = 0; i < VN_CTL_CMD__MAX; i++) {
		const struct vn_ctl_cmd *c = vn_ctl_cmd_get(i);
		bool needs = false;

		if (strcmp(c->words, want[0]) && strcmp(c->words, want[1]))
			continue;
		for (j = 0; j < c->nargs; j++)
			needs |= !!(c->args[j].flags & VN_CTL_ARG_REQUIRED);
		return needs ? NULL : c;
	}
	return NULL;
}

static int value_set(struct json_object *args, const struct vn_ctl_arg *a, const char *word,
		     char *err, size_t errlen)
{
	struct json_object *v;
	long long n;
	char *end;

	if (json_object_object_get_ex(args, a->name, NULL)) {
		if (a->flags & VN_CTL_ARG_POS)
			snprintf(err, errlen, "%s given twice", a->meta);
		else
			snprintf(err, errlen, "\"%s%s\" given twice",
				 a->flags & VN_CTL_ARG_FLAG ? "--" : "", a->name);
		return -EINVAL;
	}
	if (a->type == VN_CTL_ARG_INT) {
		errno = 0;
		n = strtoll(word, &end, 0);
		/* "12abc", "", or beyond long long */
		if (errno || end == word || *end) {
			snprintf(err, errlen, "%s %s: \"%.64s\" is not a number", a->name, a->meta,
				 word);
			return -EINVAL;
		}
		v = json_object_new_int64(n);
	} else if (a->type == VN_CTL_ARG_BOOL) {
		v = json_object_new_boolean(1);
	} else {
		v = json_object_new_string(word);
	}
	if (!v)
		return -ENOMEM;
	json_object_object_add(args, a->name, v);
	return 0;
}

static const struct vn_ctl_arg *arg_by_word(const struct vn_ctl_cmd *cmd, const char *word,
					    unsigned int *next_pos)
{
	unsigned int i;

	if (!strncmp(word, "--", 2)) {
		for (i = 0; i < cmd->nargs; i++)
			if ((cmd->args[i].flags & VN_CTL_ARG_FLAG) &&
			    !strcmp(word + 2, cmd->args[i].name))
				return &cmd->args[i];
		return NULL;
	}
	/* "-x": an option this command does not have, never a PORT named so */
	if (word[0] == '-' && word[1])
		return NULL;
	for (i = 0; i < cmd->nargs; i++)
		if ((cmd->args[i].flags & VN_CTL_ARG_KEYWORD) && !strcmp(word, cmd->args[i].name))
			return &cmd->args[i];
	for (i = *next_pos; i < cmd->nargs; i++) {
		if (cmd->args[i].flags & VN_CTL_ARG_POS) {
			*next_pos = i + 1;
			return &cmd->args[i];
		}
	}
	return NULL;
}

static int args_fill(const struct vn_ctl_cmd *cmd, int argc, char *const argv[],
		     struct json_object *args, char *err, size_t errlen)
{
	unsigned int pos = 0;
	int i, ret;

	for (i = 0; i < argc; i++) {
		const struct vn_ctl_arg *a = arg_by_word(cmd, argv[i], &pos);
		const char *word = argv[i];

		if (!a) {
			char u[160];

			/* say which word, and what the command takes instead */
			vn_ctl_cmd_usage(cmd, u, sizeof(u));
			if (word[0] == '-' && word[1])
				snprintf(err, errlen, "unknown option \"%.64s\" (usage: %s)", word, u);
			else
				snprintf(err, errlen, "unexpected \"%.64s\" (usage: %s)", word, u);
			return -EINVAL;
		}
		if (a->flags & VN_CTL_ARG_KEYWORD) {
			/* "worker" as the last word, without its value */
			if (i + 1 >= argc) {
				snprintf(err, errlen, "\"%s\" needs a value: %s %s", a->name, a->name,
					 a->meta);
				return -EINVAL;
			}
			word = argv[++i];
		}
		ret = value_set(args, a, word, err, errlen);
		if (ret)
			return ret;
	}
	return vn_ctl_cmd_validate(cmd, args, err, errlen);
}

/**
 * vn_ctl_cli_is_object() - Whether @word is the first word of some command
 * @word:	"port", "fdb", "stats"
 *
 * Return: true if a command's CLI words start with @word
 */
bool vn_ctl_cli_is_object(const char *word)
{
	unsigned int i;
	size_t n = strlen(word);

	for (i = 0; i < VN_CTL_CMD__MAX; i++) {
		const char *w = vn_ctl_cmd_get(i)->words;

		if (!strncmp(w, word, n) && (w[n] == ' ' || w[n] == '\0'))
			return true;
	}
	return false;
}

/**
 * vn_ctl_cli_parse() - Turn command-line words into a command and its args
 * @argc:	number of words
 * @argv:	words ("port", "add", "tap:name=vnet0")
 * @cmd:	matched command, output (also when only its arguments were bad)
 * @args:	new JSON object with the arguments, output (caller puts it)
 * @err:	message buffer, filled on failure
 * @errlen:	its size
 *
 * Return: 0, -ENOENT for no such command, -EINVAL for bad arguments
 */
int vn_ctl_cli_parse(int argc, char *const argv[], const struct vn_ctl_cmd **cmd,
		     struct json_object **args, char *err, size_t errlen)
{
	const struct vn_ctl_cmd *best = NULL;
	struct json_object *obj;
	int i, n, best_n = 0, ret;

	for (i = 0; i < VN_CTL_CMD__MAX; i++) {
		n = words_match(vn_ctl_cmd_get(i), argc, argv);
		if (n > best_n) {
			best_n = n;
			best = vn_ctl_cmd_get(i);
		}
	}
	/* "vnetctl port", "vnetctl fdb": what "ip link" does, show them */
	if (!best && argc == 1 && (best = object_default(argv[0])))
		best_n = 1;
	if (!best) {
		snprintf(err, errlen, "unknown command \"%.64s%s%.64s\"", argc > 0 ? argv[0] : "",
			 argc > 1 && vn_ctl_cli_is_object(argv[0]) ? " " : "",
			 argc > 1 && vn_ctl_cli_is_object(argv[0]) ? argv[1] : "");
		return -ENOENT;
	}
	/* matched even if its arguments are bad: a config file names it */
	*cmd = best;
	obj = json_object_new_object();
	if (!obj)
		return -ENOMEM;
	ret = args_fill(best, argc - best_n, argv + best_n, obj, err, errlen);
	if (ret) {
		json_object_put(obj);
		return ret;
	}
	*args = obj;
	return 0;
}

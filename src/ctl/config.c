// SPDX-License-Identifier: MIT
/* config.c - config files: control commands, one per line (see config.h)
 *
 * The whole file is checked before the first command runs, so a typo on
 * line 9 does not leave lines 1-8 applied.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"

/**
 * words_split() - Split @line in place into blank-separated words
 * @line:	the line, NUL-terminated (outside input)
 * @words:	output
 * @max:	size of @words
 *
 * '#' at a word start ends the line. Single or double quotes keep blanks
 * and '#' inside a word and are removed, as a shell would ("tap:name=a"
 * and 'capture filter' are what people paste); there are no escapes. A
 * word is never longer than its text, so the copy is done in place.
 *
 * Return: number of words, -E2BIG for more than @max, -EINVAL for an
 *	   unterminated quote
 */
static int words_split(char *line, char *words[], int max)
{
	char *p = line, *out, quote;
	int n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			return n;
		/* more words than any command takes */
		if (n >= max)
			return -E2BIG;
		words[n++] = out = p;
		quote = 0;
		while (*p && (quote || (*p != ' ' && *p != '\t' && *p != '\r'))) {
			if (!quote && (*p == '"' || *p == '\'')) {
				quote = *p++;
			} else if (quote && *p == quote) {
				quote = 0;
				p++;
			} else {
				*out++ = *p++;
			}
		}
		/* 'tap:name=x without its closing quote */
		if (quote)
			return -EINVAL;
		if (*p)
			p++;
		*out = '\0';
	}
}

static int line_run(char *line, unsigned int lineno, vn_ctl_config_cb cb, void *arg,
		    char *msg, size_t msglen)
{
	char *words[VN_CTL_CONFIG_WORDS_MAX];
	const struct vn_ctl_cmd *cmd = NULL;
	struct json_object *args;
	int n, ret;

	n = words_split(line, words, VN_CTL_CONFIG_WORDS_MAX);
	if (n == -EINVAL) {
		snprintf(msg, msglen, "unterminated quote");
		return n;
	}
	if (n < 0) {
		snprintf(msg, msglen, "more than %d words", VN_CTL_CONFIG_WORDS_MAX);
		return n;
	}
	if (n == 0)
		return 0;
	ret = vn_ctl_cli_parse(n, words, &cmd, &args, msg, msglen);
	/* "capture PORT -w FILE": not a config command, whatever its words */
	if (ret == -EINVAL && cmd && !cmd->config)
		snprintf(msg, msglen, "\"%s\" is not allowed in a config file", cmd->words);
	if (ret)
		return ret;
	/* "port list" in a config file does nothing anyone would see */
	if (!cmd->config) {
		snprintf(msg, msglen, "\"%s\" is not allowed in a config file", cmd->words);
		json_object_put(args);
		return -EINVAL;
	}
	ret = cb ? cb(cmd, args, lineno, arg, msg, msglen) : 0;
	json_object_put(args);
	return ret < 0 ? ret : 1;
}

static int pass(const char *buf, size_t len, const char *fname, vn_ctl_config_cb cb, void *arg,
		char *err, size_t errlen)
{
	char line[VN_CTL_CONFIG_LINE_MAX + 1], msg[512];
	unsigned int lineno = 0;
	size_t off = 0, n;
	int count = 0, ret;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);

		n = nl ? (size_t)(nl - (buf + off)) : len - off;
		lineno++;
		/* a line no command needs: a binary file or a runaway spec */
		if (n > VN_CTL_CONFIG_LINE_MAX) {
			snprintf(err, errlen, "%s:%u: line longer than %d bytes", fname, lineno,
				 VN_CTL_CONFIG_LINE_MAX);
			return -E2BIG;
		}
		/* a NUL byte would cut the line short silently */
		if (memchr(buf + off, '\0', n)) {
			snprintf(err, errlen, "%s:%u: NUL byte in line", fname, lineno);
			return -EINVAL;
		}
		memcpy(line, buf + off, n);
		line[n] = '\0';
		off += n + (nl ? 1 : 0);
		ret = line_run(line, lineno, cb, arg, msg, sizeof(msg));
		if (ret < 0) {
			snprintf(err, errlen, "%s:%u: %s", fname, lineno, msg);
			return ret;
		}
		count += ret;
	}
	return count;
}

/**
 * vn_ctl_config_parse() - Parse a config file's text and run @cb per command
 * @buf:	file contents (outside input; need not be NUL-terminated)
 * @len:	its length
 * @fname:	file name used in messages
 * @cb:		called for each command in order; NULL to only check syntax
 * @arg:	passed to @cb
 * @err:	"FILE:LINE: message" on failure
 * @errlen:	its size
 *
 * Return: number of commands, or a negative errno with @err set
 */
int vn_ctl_config_parse(const char *buf, size_t len, const char *fname, vn_ctl_config_cb cb,
			void *arg, char *err, size_t errlen)
{
	int ret;

	/* a config file the size of a disk image */
	if (len > VN_CTL_CONFIG_SIZE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", fname, VN_CTL_CONFIG_SIZE_MAX);
		return -EFBIG;
	}
	ret = pass(buf, len, fname, NULL, NULL, err, errlen);
	if (ret < 0 || !cb)
		return ret;
	return pass(buf, len, fname, cb, arg, err, errlen);
}

/**
 * vn_ctl_config_load() - Read a config file and run @cb for each command
 * @path:	file
 * @cb:		as for vn_ctl_config_parse()
 * @arg:	passed to @cb
 * @err:	"FILE:LINE: message" or "FILE: reason" on failure
 * @errlen:	its size
 *
 * Return: number of commands, or a negative errno with @err set
 */
int vn_ctl_config_load(const char *path, vn_ctl_config_cb cb, void *arg, char *err,
		       size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	/* a directory, a FIFO or a device: not a config file */
	if (!S_ISREG(st.st_mode) || st.st_size > VN_CTL_CONFIG_SIZE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path,
			 VN_CTL_CONFIG_SIZE_MAX);
		close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size &&
	       (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	ret = vn_ctl_config_parse(buf, got, path, cb, arg, err, errlen);
	free(buf);
	return ret;
}

// SPDX-License-Identifier: MIT
/* vnetctl_xdp.c - "xdp attach": open the object file here, pass it to vnetd
 *
 * The daemon never opens a path a client names (ctl/fdpass.h): vnetctl
 * opens FILE with the user's own rights, relative to the user's cwd, and
 * sends the descriptor with the request. The spec keeps the file's
 * absolute path as its label, for "xdp list" and messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl/fdpass.h"
#include "vnetctl.h"

#define LABEL_MAX	1023	/* the daemon's object path field (VN_SW_XDP_PATH_MAX - 1) */

/* @spec with its FILE field [off, off + len) replaced by @abs; NULL if too long */
static char *spec_relabel(const char *spec, size_t off, size_t len, const char *abs)
{
	size_t n = strlen(spec) - len + strlen(abs) + 1;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%.*s%s%s", (int)off, spec, abs, spec + off + len);
	return s;
}

/* Open @file (mode 0600 if created) and check it is a regular file: the fd, or -1 after an error line */
static int open_regular(const char *file, int flags)
{
	struct stat st;
	int fd = open(file, flags | O_CLOEXEC, 0600);

	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "Error: %s: %s\n", file, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "Error: %s: not a regular file\n", file);
	} else {
		return fd;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

/**
 * vnetctl_xdp_open() - Open the object an "xdp attach" request names
 * @args:	the request's arguments ("spec"); its FILE becomes absolute
 * @fd:		output: the open file, to send with the request
 *
 * Return: 0, or 1 after printing the error
 */
int vnetctl_xdp_open(struct json_object *args, int *fd)
{
	struct json_object *v;
	char file[PATH_MAX], abs[PATH_MAX], *spec;
	const char *s;
	size_t off, len;

	*fd = -1;
	if (!json_object_object_get_ex(args, "spec", &v) || !(s = json_object_get_string(v)) ||
	    vn_ctl_xdp_spec_file(s, &off, &len)) {
		fprintf(stderr, "Error: xdp attach: expected PORT:ingress|egress:FILE.o"
			"[:SECTION][:segment-first]\n");
		return 1;
	}
	if (len >= sizeof(file)) {
		fprintf(stderr, "Error: xdp attach: file name longer than %d bytes\n", LABEL_MAX);
		return 1;
	}
	snprintf(file, sizeof(file), "%.*s", (int)len, s + off);
	*fd = open_regular(file, O_RDONLY);
	if (*fd < 0)
		return 1;
	/* the label: where the file is, as anyone reading "xdp list" can find it */
	if (!realpath(file, abs) || strlen(abs) > LABEL_MAX || strchr(abs, ':'))
		snprintf(abs, sizeof(abs), "%s", file);
	spec = spec_relabel(s, off, len, abs);
	if (!spec) {
		fprintf(stderr, "Error: out of memory\n");
		goto fail;
	}
	json_object_object_add(args, "spec", json_object_new_string(spec));
	free(spec);
	return 0;
fail:
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return 1;
}

/**
 * vnetctl_xo_file_open() - Open FILE of "xdp export" (for writing) or "xdp import"
 * @args:	the request's arguments ("file")
 * @write:	export: created or truncated, mode 0600; else read
 * @fd:		output: the open file, to send with the request
 *
 * Return: 0, or 1 after printing the error
 */
int vnetctl_xo_file_open(struct json_object *args, bool write, int *fd)
{
	struct json_object *v;
	const char *file;

	*fd = -1;
	if (!json_object_object_get_ex(args, "file", &v) || !(file = json_object_get_string(v)))
		return 1;
	*fd = open_regular(file, write ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY);
	return *fd < 0;
}

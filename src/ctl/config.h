/* SPDX-License-Identifier: MIT */
/* config.h - config files: a list of control commands, one per line
 *
 *	# two ports on VLAN 10
 *	port add tap:name=vnet0,offload=on,vlan=10
 *	port add tap:name=vnet1,offload=on,vlan=10
 *
 * Each line is split into words at blanks, '#' starts a comment, and the
 * words go through the same grammar as vnetctl's command line
 * (vn_ctl_cli_parse()). Only commands that change state are allowed. An
 * error names the file and the line ("vnetd.conf:3: ...").
 */
#ifndef VN_CTL_CONFIG_H
#define VN_CTL_CONFIG_H

#include <stddef.h>

#include "cmd.h"

struct json_object;

#define VN_CTL_CONFIG_LINE_MAX	4096		/* bytes per line */
#define VN_CTL_CONFIG_WORDS_MAX	32		/* words per line */
#define VN_CTL_CONFIG_SIZE_MAX	(1024 * 1024)	/* whole file */

/**
 * typedef vn_ctl_config_cb - called for each command of a config file
 * @cmd:	the command
 * @args:	its validated arguments (borrowed)
 * @line:	line number, from 1
 * @arg:	caller's argument
 * @err:	message buffer for a failure
 * @errlen:	its size
 *
 * Return: 0 to go on, a negative errno (with @err set) to stop
 */
typedef int (*vn_ctl_config_cb)(const struct vn_ctl_cmd *cmd, struct json_object *args,
				unsigned int line, void *arg, char *err, size_t errlen);

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
			void *arg, char *err, size_t errlen);

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
		       size_t errlen);

#endif /* VN_CTL_CONFIG_H */

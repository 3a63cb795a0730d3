/* SPDX-License-Identifier: MIT */
/* offload_cli.h - vnet-offload's command line: options, commands, hex keys and values
 *
 * The guest-side tool's grammar (docs/vnet-offload.1):
 *
 *   vnet-offload [--device PATH] [--json] [--timeout S] [--obj OBJ] COMMAND
 *   COMMAND := load [--segment-first] OBJ [SECTION] | unload | status | map list
 *            | map dump MAP | map lookup MAP KEY
 *            | map update MAP KEY VALUE [any|noexist|exist] | map delete MAP KEY
 *
 * MAP is a map name, or a per-port handle written as its number. KEY and
 * VALUE are hex, two digits per byte, in the map's byte layout (as vnetctl
 * map commands take them). Parsing is pure: nothing is opened here, so the
 * unit tests (tests/cmd/test_offload_cli.c) see every decision.
 */
#ifndef VN_CMD_OFFLOAD_CLI_H
#define VN_CMD_OFFLOAD_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/xo_proto.h"

#define VN_OFFLOAD_DEVICE_DEFAULT	"/dev/virtio-ports/org.vnetd.xdp.0"
#define VN_OFFLOAD_TIMEOUT_DEFAULT	10	/* seconds */
#define VN_OFFLOAD_TIMEOUT_MAX		3600
#define VN_OFFLOAD_EXIT_USAGE		255

enum vn_offload_cmd {
	VN_OFFLOAD_NONE,
	VN_OFFLOAD_LOAD,
	VN_OFFLOAD_UNLOAD,
	VN_OFFLOAD_STATUS,
	VN_OFFLOAD_MAP_LIST,
	VN_OFFLOAD_MAP_DUMP,
	VN_OFFLOAD_MAP_LOOKUP,
	VN_OFFLOAD_MAP_UPDATE,
	VN_OFFLOAD_MAP_DELETE,
};

/**
 * struct vn_offload_args - a parsed command line
 * @device:	--device (default VN_OFFLOAD_DEVICE_DEFAULT)
 * @json:	--json
 * @timeout_s:	--timeout, 1..VN_OFFLOAD_TIMEOUT_MAX
 * @btf_obj:	--obj: object whose BTF names the maps' fields (NULL: hex only)
 * @help:	--help was given (nothing else is checked)
 * @version:	--version was given
 * @cmd:	the command
 * @obj:	load: the object file
 * @section:	load: the program section ("" = the first XDP program)
 * @map:	map commands: which map
 * @key:	lookup/update/delete: the key text (hex)
 * @value:	update: the value text (hex)
 * @flags:	update: VN_XO_UPDATE_*
 * @segment_first: load: --segment-first (GSO frames cut before the program)
 */
struct vn_offload_args {
	const char *device;
	bool json;
	unsigned int timeout_s;
	const char *btf_obj;
	bool help;
	bool version;
	enum vn_offload_cmd cmd;
	const char *obj;
	const char *section;
	struct vn_xo_mapref map;
	const char *key;
	const char *value;
	uint32_t flags;
	bool segment_first;
};

/**
 * vn_offload_args_parse() - Parse vnet-offload's command line
 * @argc:	argument count
 * @argv:	arguments (argv[0] is the program name); options may come
 *		before or after the command words; "--" ends the options
 * @a:		output
 * @err:	output: why the command line was refused
 * @errlen:	size of @err
 *
 * Return: 0, or -EINVAL with @err set (the caller prints it, exit status
 * VN_OFFLOAD_EXIT_USAGE)
 */
int vn_offload_args_parse(int argc, char **argv, struct vn_offload_args *a, char *err,
			  size_t errlen);

/**
 * vn_offload_mapref_parse() - A MAP argument: a name, or a handle as a decimal number
 * @s:		the argument
 * @ref:	output
 *
 * Map names in an object are C identifiers or section names (".bss"),
 * never all digits, so "0" or "12" is a handle without ambiguity.
 *
 * Return: 0, -EINVAL if @s is neither a valid name nor a handle 0..65535
 */
int vn_offload_mapref_parse(const char *s, struct vn_xo_mapref *ref);

/**
 * vn_offload_hex_parse() - Hex text to bytes
 * @s:		text: an even number of [0-9a-fA-F], nothing else
 * @out:	output
 * @room:	bytes at @out
 * @len:	output: bytes written
 *
 * Return: 0, -EINVAL for an odd count, an empty string or a non-hex
 * character, -E2BIG if more than @room bytes
 */
int vn_offload_hex_parse(const char *s, uint8_t *out, size_t room, size_t *len);

/**
 * vn_offload_hex_format() - Bytes to lower-case hex text
 * @p:		bytes
 * @n:		their count
 * @buf:	output, NUL-terminated; cut at a byte boundary when too small
 * @len:	size of @buf (at least 1)
 */
void vn_offload_hex_format(const uint8_t *p, size_t n, char *buf, size_t len);

/**
 * vn_offload_flags_parse() - "any", "noexist" or "exist" to VN_XO_UPDATE_*
 * @s:		the word
 * @flags:	output
 *
 * Return: 0, -EINVAL for another word
 */
int vn_offload_flags_parse(const char *s, uint32_t *flags);

#endif /* VN_CMD_OFFLOAD_CLI_H */

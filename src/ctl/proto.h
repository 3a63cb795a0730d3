/* SPDX-License-Identifier: MIT */
/* proto.h - the control protocol: one JSON object per line over a unix socket
 *
 * Request:  {"v":1,"id":N,"cmd":"port.add","args":{"spec":"tap:name=vnet0"}}
 * Reply:    {"v":1,"id":N,"ok":true,"result":...}
 *           {"v":1,"id":N,"ok":false,"error":{"code":"EINVAL","errno":22,"message":"..."}}
 *
 * Security model: the peer passed the SO_PEERCRED check, but its bytes are
 * still outside input. A request line is at most VN_CTL_LINE_MAX bytes, JSON
 * nesting is capped at VN_CTL_DEPTH_MAX, the top level takes only the four
 * keys above with their exact types, and "args" is checked against the
 * command's schema (cmd.h) before a handler sees it. A reply to a request
 * whose id could not be read carries "id":null.
 */
#ifndef VN_CTL_PROTO_H
#define VN_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"

struct json_object;

#define VN_CTL_PROTO_VERSION	1
#define VN_CTL_LINE_MAX		(64 * 1024)	/* request line, without '\n' */
#define VN_CTL_REPLY_MAX	(16 * 1024 * 1024) /* reply line a client accepts */
#define VN_CTL_DEPTH_MAX	4		/* request: root, args, value */
#define VN_CTL_ID_MAX		((int64_t)1 << 53) /* exact in every JSON reader */
#define VN_CTL_MSG_MAX		256		/* error message */

/**
 * struct vn_ctl_request - a parsed, validated request
 * @id:		request id, -1 until it was read
 * @cmd:	the command
 * @args:	its arguments, validated against @cmd (borrowed from @root)
 * @root:	the parsed object (owned; vn_ctl_request_fini() puts it)
 * @fd:		descriptor the client sent with it (ctl/fdpass.h), -1 if none;
 *		set by the server, which closes it after the handler ran
 */
struct vn_ctl_request {
	int64_t id;
	const struct vn_ctl_cmd *cmd;
	struct json_object *args;
	struct json_object *root;
	int fd;
};

/**
 * struct vn_ctl_reply - a parsed reply (client side)
 * @id:		request id it answers, -1 for null
 * @ok:		success
 * @result:	result value if @ok (borrowed from @root, may be NULL)
 * @err:	negative errno if !@ok
 * @message:	error message if !@ok
 * @root:	the parsed object (owned; vn_ctl_reply_fini() puts it)
 */
struct vn_ctl_reply {
	int64_t id;
	int ok;
	struct json_object *result;
	int err;
	char message[VN_CTL_MSG_MAX];
	struct json_object *root;
};

/**
 * vn_ctl_request_parse() - Parse and validate one request line
 * @buf:	line, without its '\n' (outside input, need not be terminated)
 * @len:	its length
 * @req:	output; on failure only @req->id is meaningful
 * @msg:	error message, filled on failure
 * @msglen:	its size
 *
 * Return: 0, -EMSGSIZE for a line over VN_CTL_LINE_MAX, -EPROTO for a
 *	   protocol version we do not speak, -EOPNOTSUPP for an unknown
 *	   command, -EINVAL for anything else malformed
 */
int vn_ctl_request_parse(const char *buf, size_t len, struct vn_ctl_request *req,
			 char *msg, size_t msglen);

/**
 * vn_ctl_request_fini() - Release a request
 * @req:	request, parsed or not
 */
void vn_ctl_request_fini(struct vn_ctl_request *req);

/**
 * vn_ctl_request_build() - Serialise a request line (client side)
 * @id:		request id
 * @cmd:	command
 * @args:	arguments, taken (may be NULL)
 * @len:	line length, output
 *
 * Return: malloc'd line ending in '\n', or NULL on allocation failure
 */
char *vn_ctl_request_build(int64_t id, const struct vn_ctl_cmd *cmd, struct json_object *args,
			   size_t *len);

/**
 * vn_ctl_reply_ok() - Serialise a success reply
 * @id:		request id (-1: null)
 * @result:	result, taken (NULL: JSON null)
 * @len:	line length, output
 *
 * Return: malloc'd line ending in '\n', or NULL on allocation failure
 */
char *vn_ctl_reply_ok(int64_t id, struct json_object *result, size_t *len);

/**
 * vn_ctl_reply_error() - Serialise an error reply
 * @id:		request id (-1: null)
 * @err:	negative errno
 * @message:	readable message
 * @len:	line length, output
 *
 * Return: malloc'd line ending in '\n', or NULL on allocation failure
 */
char *vn_ctl_reply_error(int64_t id, int err, const char *message, size_t *len);

/**
 * vn_ctl_reply_parse() - Parse a reply line (client side)
 * @buf:	line, without its '\n'
 * @len:	its length
 * @rep:	output
 *
 * Return: 0, or -EINVAL for a reply that does not follow the protocol
 */
int vn_ctl_reply_parse(const char *buf, size_t len, struct vn_ctl_reply *rep);

/**
 * vn_ctl_reply_fini() - Release a reply
 * @rep:	reply, parsed or not
 */
void vn_ctl_reply_fini(struct vn_ctl_reply *rep);

#endif /* VN_CTL_PROTO_H */

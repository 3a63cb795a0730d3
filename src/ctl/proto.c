// SPDX-License-Identifier: MIT
/* proto.c - control protocol: request validation, reply encoding (see proto.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "proto.h"

#define ERRNO_MAX	4095	/* largest errno a reply may carry */

static struct json_object *parse_line(const char *buf, size_t len, int depth)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t end;

	tok = json_tokener_new_ex(depth);
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	/* an incomplete object ("{\"v\":1"), or a parse error */
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
	}
	/* trailing bytes after the object: two objects on one line, or junk */
	end = json_tokener_get_parse_end(tok);
	while (obj && end < len && (buf[end] == ' ' || buf[end] == '\t' || buf[end] == '\r'))
		end++;
	if (obj && end != len) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

static int field_int(struct json_object *root, const char *key, int64_t min, int64_t max,
		     int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(root, key, &v) || !json_object_is_type(v, json_type_int))
		return -EINVAL;
	*out = json_object_get_int64(v);
	/* json-c clamps huge numbers to INT64_MAX: the range check catches them too */
	if (*out < min || *out > max)
		return -EINVAL;
	return 0;
}

/* The top level: exactly "v", "id", "cmd" and optionally "args". */
static int check_keys(struct json_object *root, char *msg, size_t msglen)
{
	json_object_object_foreach(root, key, val) {
		(void)val;
		if (strcmp(key, "v") && strcmp(key, "id") && strcmp(key, "cmd") &&
		    strcmp(key, "args")) {
			snprintf(msg, msglen, "unknown request field \"%.64s\"", key);
			return -EINVAL;
		}
	}
	return 0;
}

static int request_check(struct vn_ctl_request *req, char *msg, size_t msglen)
{
	struct json_object *root = req->root, *cmd;
	int64_t v;
	const char *name;
	int ret;

	/* a number, array or string where the request object belongs */
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(msg, msglen, "request is not a JSON object");
		return -EINVAL;
	}
	if (field_int(root, "id", 0, VN_CTL_ID_MAX, &req->id)) {
		req->id = -1;
		snprintf(msg, msglen, "\"id\" must be an integer from 0 to 2^53");
		return -EINVAL;
	}
	if (field_int(root, "v", 0, INT32_MAX, &v)) {
		snprintf(msg, msglen, "\"v\" (protocol version) must be an integer");
		return -EINVAL;
	}
	/* a client from the future, or from a different protocol */
	if (v != VN_CTL_PROTO_VERSION) {
		snprintf(msg, msglen, "protocol version %lld not supported (this is %d)",
			 (long long)v, VN_CTL_PROTO_VERSION);
		return -EPROTO;
	}
	ret = check_keys(root, msg, msglen);
	if (ret)
		return ret;
	if (!json_object_object_get_ex(root, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string) ||
	    json_object_get_string_len(cmd) >= VN_CTL_CMD_NAME_MAX) {
		snprintf(msg, msglen, "\"cmd\" must be a string of at most %d characters",
			 VN_CTL_CMD_NAME_MAX - 1);
		return -EINVAL;
	}
	name = json_object_get_string(cmd);
	req->cmd = vn_ctl_cmd_lookup(name);
	/* strlen check: "port.add\u0000x" must not pass as "port.add" */
	if (!req->cmd || strlen(name) != (size_t)json_object_get_string_len(cmd)) {
		req->cmd = NULL;
		snprintf(msg, msglen, "unknown command \"%.31s\"", name);
		return -EOPNOTSUPP;
	}
	if (!json_object_object_get_ex(root, "args", &req->args)) {
		req->args = json_object_new_object();
		if (!req->args)
			return -ENOMEM;
		json_object_object_add(root, "args", req->args);
	}
	return vn_ctl_cmd_validate(req->cmd, req->args, msg, msglen);
}

/**
 * vn_ctl_request_parse() - Parse and validate one request line
 * @buf:	line, without its '\n' (outside input, need not be terminated)
 * @len:	its length
 * @req:	output; on failure only @req->id is meaningful
 * @msg:	error message, filled on failure
 * @msglen:	its size
 *
 * Return: 0, -EMSGSIZE, -EPROTO, -EOPNOTSUPP or -EINVAL (see proto.h)
 */
int vn_ctl_request_parse(const char *buf, size_t len, struct vn_ctl_request *req,
			 char *msg, size_t msglen)
{
	int ret;

	memset(req, 0, sizeof(*req));
	req->id = -1;
	/* a line longer than any request we define: refuse before parsing */
	if (len > VN_CTL_LINE_MAX) {
		snprintf(msg, msglen, "request longer than %d bytes", VN_CTL_LINE_MAX);
		return -EMSGSIZE;
	}
	/* a NUL inside the line: json-c would stop reading there */
	if (memchr(buf, '\0', len)) {
		snprintf(msg, msglen, "request contains a NUL byte");
		return -EINVAL;
	}
	req->root = parse_line(buf, len, VN_CTL_DEPTH_MAX);
	if (!req->root) {
		snprintf(msg, msglen, "request is not one valid JSON object (nesting at most %d)",
			 VN_CTL_DEPTH_MAX);
		return -EINVAL;
	}
	ret = request_check(req, msg, msglen);
	if (ret) {
		int64_t id = req->id;

		vn_ctl_request_fini(req);
		req->id = id;
	}
	return ret;
}

/**
 * vn_ctl_request_fini() - Release a request
 * @req:	request, parsed or not
 */
void vn_ctl_request_fini(struct vn_ctl_request *req)
{
	json_object_put(req->root);
	memset(req, 0, sizeof(*req));
	req->id = -1;
}

static char *line_of(struct json_object *obj, size_t *len)
{
	const char *s;
	size_t n;
	char *line;

	s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	line = s ? malloc(n + 2) : NULL;
	if (line) {
		memcpy(line, s, n);
		line[n] = '\n';
		line[n + 1] = '\0';
		*len = n + 1;
	}
	json_object_put(obj);
	return line;
}

static struct json_object *envelope(int64_t id)
{
	struct json_object *obj = json_object_new_object();

	if (!obj)
		return NULL;
	json_object_object_add(obj, "v", json_object_new_int(VN_CTL_PROTO_VERSION));
	json_object_object_add(obj, "id", id < 0 ? NULL : json_object_new_int64(id));
	return obj;
}

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
			   size_t *len)
{
	struct json_object *obj = envelope(id);

	if (!obj) {
		json_object_put(args);
		return NULL;
	}
	json_object_object_add(obj, "cmd", json_object_new_string(cmd->name));
	json_object_object_add(obj, "args", args ? args : json_object_new_object());
	return line_of(obj, len);
}

/**
 * vn_ctl_reply_ok() - Serialise a success reply
 * @id:		request id (-1: null)
 * @result:	result, taken (NULL: JSON null)
 * @len:	line length, output
 *
 * Return: malloc'd line ending in '\n', or NULL on allocation failure
 */
char *vn_ctl_reply_ok(int64_t id, struct json_object *result, size_t *len)
{
	struct json_object *obj = envelope(id);

	if (!obj) {
		json_object_put(result);
		return NULL;
	}
	json_object_object_add(obj, "ok", json_object_new_boolean(1));
	json_object_object_add(obj, "result", result);
	return line_of(obj, len);
}

/**
 * vn_ctl_reply_error() - Serialise an error reply
 * @id:		request id (-1: null)
 * @err:	negative errno
 * @message:	readable message
 * @len:	line length, output
 *
 * Return: malloc'd line ending in '\n', or NULL on allocation failure
 */
char *vn_ctl_reply_error(int64_t id, int err, const char *message, size_t *len)
{
	struct json_object *obj = envelope(id), *e;
	const char *code;

	if (!obj)
		return NULL;
	if (err >= 0 || err < -ERRNO_MAX)
		err = -EIO;
	code = strerrorname_np(-err);
	e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_string(code ? code : "EIO"));
	json_object_object_add(e, "errno", json_object_new_int(-err));
	json_object_object_add(e, "message", json_object_new_string(message ? message : ""));
	json_object_object_add(obj, "ok", json_object_new_boolean(0));
	json_object_object_add(obj, "error", e);
	return line_of(obj, len);
}

static int reply_error_read(struct json_object *root, struct vn_ctl_reply *rep)
{
	struct json_object *e, *m;
	int64_t n;

	if (!json_object_object_get_ex(root, "error", &e) ||
	    !json_object_is_type(e, json_type_object) ||
	    field_int(e, "errno", 1, ERRNO_MAX, &n))
		return -EINVAL;
	rep->err = -(int)n;
	if (json_object_object_get_ex(e, "message", &m) && json_object_is_type(m, json_type_string))
		snprintf(rep->message, sizeof(rep->message), "%s", json_object_get_string(m));
	return 0;
}

/**
 * vn_ctl_reply_parse() - Parse a reply line (client side)
 * @buf:	line, without its '\n'
 * @len:	its length
 * @rep:	output
 *
 * Return: 0, or -EINVAL for a reply that does not follow the protocol
 */
int vn_ctl_reply_parse(const char *buf, size_t len, struct vn_ctl_reply *rep)
{
	struct json_object *root, *ok, *id;
	int64_t v;

	memset(rep, 0, sizeof(*rep));
	rep->id = -1;
	if (len > VN_CTL_REPLY_MAX || memchr(buf, '\0', len))
		return -EINVAL;
	root = parse_line(buf, len, JSON_TOKENER_DEFAULT_DEPTH);
	if (!root)
		return -EINVAL;
	rep->root = root;
	if (!json_object_is_type(root, json_type_object) ||
	    field_int(root, "v", VN_CTL_PROTO_VERSION, VN_CTL_PROTO_VERSION, &v) ||
	    !json_object_object_get_ex(root, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean))
		goto bad;
	if (json_object_object_get_ex(root, "id", &id) && id &&
	    field_int(root, "id", 0, VN_CTL_ID_MAX, &rep->id))
		goto bad;
	rep->ok = json_object_get_boolean(ok);
	if (rep->ok) {
		json_object_object_get_ex(root, "result", &rep->result);
		return 0;
	}
	if (reply_error_read(root, rep))
		goto bad;
	return 0;
bad:
	vn_ctl_reply_fini(rep);
	return -EINVAL;
}

/**
 * vn_ctl_reply_fini() - Release a reply
 * @rep:	reply, parsed or not
 */
void vn_ctl_reply_fini(struct vn_ctl_reply *rep)
{
	json_object_put(rep->root);
	rep->root = NULL;
	rep->result = NULL;
}

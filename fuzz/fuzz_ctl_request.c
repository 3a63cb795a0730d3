// SPDX-License-Identifier: MIT
/* fuzz_ctl_request.c - libFuzzer target for the control request parser
 *
 * Invariants: no crash or leak; a rejected request leaves nothing owned
 * and has a non-empty message (the schema's hints and bounds, cmd.c);
 * an accepted one has a command and an args object, and its error or ok
 * reply is one line of valid JSON that parses back with the same id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vn_ctl_request req;
	struct vn_ctl_reply rep;
	char msg[VN_CTL_MSG_MAX];
	size_t len;
	char *line;
	int ret;

	msg[0] = '\0';
	ret = vn_ctl_request_parse((const char *)data, size, &req, msg, sizeof(msg));
	if (ret) {
		/* every refusal says why, in a terminated string */
		if (req.root || req.cmd || !msg[0] || !memchr(msg, '\0', sizeof(msg)))
			abort();
		line = vn_ctl_reply_error(req.id, ret, msg, &len);
	} else {
		if (!req.cmd || !json_object_is_type(req.args, json_type_object))
			abort();
		line = vn_ctl_reply_ok(req.id, json_object_get(req.args), &len);
	}
	if (!line || len == 0 || line[len - 1] != '\n' || memchr(line, '\n', len - 1))
		abort();
	if (vn_ctl_reply_parse(line, len - 1, &rep) || rep.id != req.id || rep.ok != !ret)
		abort();
	vn_ctl_reply_fini(&rep);
	free(line);
	vn_ctl_request_fini(&req);
	return 0;
}

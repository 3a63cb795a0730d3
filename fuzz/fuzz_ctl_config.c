// SPDX-License-Identifier: MIT
/* fuzz_ctl_config.c - libFuzzer target for config files and the CLI grammar
 *
 * Invariants: no crash or leak; every command handed to the callback is a
 * config command whose args pass the schema; the count matches the calls.
 */
#include <stdint.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "ctl/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(const struct vn_ctl_cmd *cmd, struct json_object *args, unsigned int line,
		 void *arg, char *err, size_t errlen)
{
	int *calls = arg;

	if (!cmd->config || line == 0 || vn_ctl_cmd_validate(cmd, args, err, errlen))
		abort();
	(*calls)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	int calls = 0, ret;

	ret = vn_ctl_config_parse((const char *)data, size, "fuzz.conf", check, &calls, err,
				  sizeof(err));
	if (ret >= 0 && ret != calls)
		abort();
	return 0;
}

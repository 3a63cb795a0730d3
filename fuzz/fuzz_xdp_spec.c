// SPDX-License-Identifier: MIT
/* fuzz_xdp_spec.c - libFuzzer target for vnetd's --xdp PORT:DIR:FILE[:SECTION][:segment-first][:redirect=LIST]
 *
 * Also vnetctl's FILE finder (ctl/fdpass.h): whenever the daemon's parser
 * accepts a spec, the file vnetctl opened and passed is the one it names. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/fdpass.h"
#include "switch/xdp_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vn_sw_xdp_spec xs, again;
	char err[128], *s, *back;
	size_t n, off, len;
	int found;

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	found = vn_ctl_xdp_spec_file(s, &off, &len);
	/* a FILE found is inside the string and holds no separator */
	if (!found && (off + len > strlen(s) || !len || memchr(s + off, ':', len)))
		abort();
	if (vn_sw_xdp_spec_parse(s, &xs, err, sizeof(err)) == 0) {
		/* the daemon's FILE is the one vnetctl opened */
		if (found || len != strlen(xs.path) || memcmp(s + off, xs.path, len))
			abort();
		/* Invariants: fields non-empty, terminated, no separator inside */
		if (!xs.port[0] || !xs.path[0] || (unsigned int)xs.dir >= VN_SW_DIRS ||
		    (xs.flags & ~VN_SW_XDP_SEGMENT_FIRST) || strchr(xs.port, ':') ||
		    strchr(xs.path, ':') || strchr(xs.section, ':') || strchr(xs.redirect, ':') ||
		    (xs.has_redirect && !xs.redirect[0]) || (!xs.has_redirect && xs.redirect[0]))
			abort();
		/* Printed back, it parses to the same thing */
		n = strlen(s) + 96;
		back = malloc(n);
		if (back) {
			snprintf(back, n, "%s:%s:%s%s%s%s%s%s", xs.port, vn_sw_dir_name(xs.dir),
				 xs.path, xs.section[0] ? ":" : "", xs.section,
				 xs.flags ? ":segment-first" : "",
				 xs.has_redirect ? ":redirect=" : "", xs.redirect);
			if (vn_sw_xdp_spec_parse(back, &again, err, sizeof(err)) ||
			    memcmp(&xs, &again, sizeof(xs)))
				abort();
			free(back);
		}
	} else if (!err[0]) {
		abort();	/* every refusal says why */
	}
	free(s);
	return 0;
}

// SPDX-License-Identifier: MIT
/* fuzz_cpulist.c - libFuzzer target: --cpus lists (vnetd's command line, config) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpulist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int cpus[8], n, i, j;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (vn_cpulist_parse(s, cpus, 8, &n) == 0) {
		/* invariants: something parsed, in range, no CPU twice */
		if (n == 0 || n > 8)
			abort();
		for (i = 0; i < n; i++) {
			if (cpus[i] > VN_CPU_ID_MAX)
				abort();
			for (j = 0; j < i; j++)
				if (cpus[i] == cpus[j])
					abort();
		}
	} else if (n > 8) {
		abort();
	}
	free(s);
	return 0;
}

// SPDX-License-Identifier: MIT
/* bpf_vm_native.c - the native peer for bench/bpf_vm.sh: prog() compiled by the host cc
 *
 * Usage: bpf_vm_native MEMORY-HEX REPEAT; prints "ns_per_run X" on stderr and
 * the last return value in hex on stdout, like vnet-bpf-run --repeat.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t prog(uint8_t *data, uint64_t len);

int main(int argc, char **argv)
{
	static uint8_t mem[1 << 16];
	uint64_t (*volatile fn)(uint8_t *, uint64_t) = prog;
	unsigned long long repeat, i;
	struct timespec t0, t1;
	size_t len = 0;
	const char *s;
	uint64_t r = 0;

	if (argc != 3)
		return 2;
	for (s = argv[1]; *s && len < sizeof(mem); ) {
		unsigned int b;

		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &b) != 1)
			return 2;
		mem[len++] = (uint8_t)b;
		s += 2;
	}
	repeat = strtoull(argv[2], NULL, 0);
	r = fn(mem, len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < repeat; i++)
		r = fn(mem, len);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "ns_per_run %.2f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 +
		(t1.tv_nsec - t0.tv_nsec)) / (double)repeat);
	printf("%" PRIx64 "\n", r);
	return 0;
}

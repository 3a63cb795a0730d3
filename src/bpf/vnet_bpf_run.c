// SPDX-License-Identifier: MIT
/* vnet_bpf_run.c - vnet-bpf-run: run one eBPF program, bpf_conformance plugin style
 *
 * The plugin contract of the public bpf_conformance suite:
 *   vnet-bpf-run [MEMORY-HEX] [OPTIONS] < PROGRAM-HEX
 * MEMORY-HEX ("00 11 22 ...", optional) is copied into a writable buffer;
 * the program starts with r1 = its address (0 without memory) and r2 = its
 * length. The program arrives as hex bytes on standard input: raw 8-byte
 * instruction slots, or with --elf an ELF object whose first executable
 * section is the program. On success r0 is printed in hex and the exit code
 * is 0; a program the validator rejects or a run that aborts prints one line
 * saying why and exits 1 (the suite compares that line with a test's expected
 * error).
 *
 * Extra options (not used by the suite):
 *   --prog FILE    read the program from FILE (raw slots, or ELF) instead of stdin
 *   --budget N     instructions per run
 *   --repeat N     run N times and print "ns_per_run X" on stderr (benchmarks)
 * Helper 5 is a monotonic clock in nanoseconds (the kernel's bpf_ktime_get_ns
 * id); no other helpers or maps: the XDP runtime adds those.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf/vm.h"
#include "core/clock.h"
#include "core/hex.h"

#define MAX_INPUT	(4u << 20)	/* 4 MiB of program or memory bytes */

static uint64_t helper_ktime(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			     uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)rc; (void)r1; (void)r2; (void)r3; (void)r4; (void)r5;
	return vn_mono_ns();
}

static const vn_bpf_helper_fn run_helpers[] = { [5] = helper_ktime };

/**
 * hex_decode() - Decode "0a 1b..." or "0a1b..." (an optional 0x per byte)
 * @s:		text
 * @out:	out: malloc'd bytes
 * @n:		out: number of bytes
 *
 * Return: 0, -EINVAL on a stray character or an odd digit, -E2BIG, -ENOMEM
 */
static int hex_decode(const char *s, uint8_t **out, size_t *n)
{
	size_t cap = strlen(s) / 2 + 1, len = 0;
	uint8_t *b = malloc(cap);

	if (!b)
		return -ENOMEM;
	while (*s) {
		int byte;

		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ',') {
			s++;
			continue;
		}
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			s += 2;
		byte = vn_hex_byte(s);
		/* a lone digit or a non-hex character is not a byte */
		if (byte < 0) {
			free(b);
			return -EINVAL;
		}
		if (len >= MAX_INPUT) {
			free(b);
			return -E2BIG;
		}
		b[len++] = (uint8_t)byte;
		s += 2;
	}
	*out = b;
	*n = len;
	return 0;
}

/* read_all() - read a whole stream, at most 2 * MAX_INPUT + 1 bytes of hex */
static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);

	while (buf) {
		size_t r = fread(buf + n, 1, cap - n, f);

		n += r;
		if (r == 0)
			break;
		if (n == cap) {
			char *nb;

			if (cap > 2 * (size_t)MAX_INPUT) {
				free(buf);
				return NULL;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/**
 * elf_text() - The bytes of the first non-empty executable section of an ELF object
 * @img:	object bytes
 * @len:	their length
 * @out:	out: malloc'd copy of the section
 * @n:		out: its length
 *
 * Return: 0, or -EINVAL for anything libelf cannot read or with no code
 */
static int elf_text(const uint8_t *img, size_t len, uint8_t **out, size_t *n)
{
	Elf_Scn *scn = NULL;
	Elf *e;
	int err = -EINVAL;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	e = elf_memory((char *)img, len);
	if (!e)
		return -EINVAL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR) || sh.sh_size == 0)
			continue;
		d = elf_getdata(scn, NULL);
		/* libelf checked the section against the image; the size must agree */
		if (!d || !d->d_buf || d->d_size != sh.sh_size)
			break;
		*out = malloc(d->d_size);
		if (!*out) {
			err = -ENOMEM;
			break;
		}
		memcpy(*out, d->d_buf, d->d_size);
		*n = d->d_size;
		err = 0;
		break;
	}
	elf_end(e);
	return err;
}

static const char *run_error(int err)
{
	switch (err) {
	case -EFAULT: return "run aborted: memory access outside every region";
	case -ETIME: return "run aborted: instruction budget exhausted";
	case -E2BIG: return "run aborted: call depth exceeded";
	default: return "run aborted by a helper";
	}
}

/**
 * load_program() - Program bytes (stdin hex or --prog FILE) to instruction slots
 * @path:	file or NULL for stdin
 * @elf:	the input is an ELF object
 * @prog:	out: malloc'd bytes
 * @n:		out: length
 *
 * Return: NULL or an error message
 */
static const char *load_program(const char *path, int elf, uint8_t **prog, size_t *n)
{
	uint8_t *raw = NULL;
	size_t len = 0;
	char *text;

	if (path) {
		FILE *f = fopen(path, "rb");

		if (!f)
			return "cannot open the program file";
		text = read_all(f, &len);
		fclose(f);
		if (!text)
			return "program file too large";
		raw = (uint8_t *)text;
	} else {
		text = read_all(stdin, &len);
		if (!text)
			return "program input too large";
		if (hex_decode(text, &raw, &len)) {
			free(text);
			return "program input is not hex bytes";
		}
		free(text);
	}
	/* a file given by path may itself be ELF even without --elf */
	if (elf || (len >= 4 && !memcmp(raw, "\177ELF", 4))) {
		int err = elf_text(raw, len, prog, n);

		free(raw);
		return err ? "no executable section in the ELF object" : NULL;
	}
	*prog = raw;
	*n = len;
	return NULL;
}

int main(int argc, char **argv)
{
	static struct vn_bpf_run_ctx rc;
	struct vn_bpf_env env = { .helpers = run_helpers,
				  .nhelpers = sizeof(run_helpers) / sizeof(run_helpers[0]),
				  .nargs = 2 };
	const char *memhex = NULL, *path = NULL, *msg = NULL;
	unsigned long long repeat = 0, i;
	uint8_t *mem = NULL, *prog = NULL;
	struct vn_bpf_prog *p = NULL;
	size_t memlen = 0, plen = 0;
	char log[512];
	uint64_t args[2], r0 = 0;
	int elf = 0, err, a, slot = 0;

	for (a = 1; a < argc && !msg; a++) {
		if (!strcmp(argv[a], "--elf"))
			elf = 1;
		else if (!strcmp(argv[a], "--prog") && a + 1 < argc)
			path = argv[++a];
		else if (!strcmp(argv[a], "--budget") && a + 1 < argc)
			env.budget = strtoull(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--repeat") && a + 1 < argc)
			repeat = strtoull(argv[++a], NULL, 0);
		else if (!strncmp(argv[a], "--", 2) || memhex)
			msg = "usage: vnet-bpf-run [MEMORY-HEX] [--elf] [--prog FILE] "
			      "[--budget N] [--repeat N] < PROGRAM-HEX";
		else
			memhex = argv[a];
	}
	if (!msg && memhex && hex_decode(memhex, &mem, &memlen))
		msg = "memory argument is not hex bytes";
	if (!msg)
		msg = load_program(path, elf, &prog, &plen);
	/* a program is whole 8-byte slots */
	if (!msg && plen % sizeof(struct vn_bpf_insn))
		msg = "program length is not a multiple of 8 bytes";
	if (!msg && vn_bpf_prog_load((const struct vn_bpf_insn *)(void *)prog,
				     plen / sizeof(struct vn_bpf_insn), &env, &p, log,
				     sizeof(log)))
		msg = log;
	if (!msg) {
		vn_bpf_run_ctx_init(&rc, NULL);
		slot = memlen ? vn_bpf_run_ctx_add_region(&rc, mem, memlen, 1) : 0;
		if (slot < 0)
			msg = "cannot register the memory";
	}
	if (!msg) {
		/* the program sees the memory at its program-space address */
		args[0] = memlen ? VN_BPF_VA(slot, 0) : 0;
		args[1] = memlen;
		r0 = vn_bpf_run_args(p, &rc, args, 2, &err);
		if (err)
			msg = run_error(err);
	}
	if (!msg && repeat) {
		double t0 = (double)vn_mono_ns();

		for (i = 0; i < repeat; i++)
			vn_bpf_run_args(p, &rc, args, 2, &err);
		fprintf(stderr, "ns_per_run %.2f\n", ((double)vn_mono_ns() - t0) / (double)repeat);
	}
	if (msg)
		printf("%s\n", msg);
	else
		printf("%" PRIx64 "\n", r0);
	fflush(stdout);
	vn_bpf_prog_free(p);
	free(prog);
	free(mem);
	return msg ? 1 : 0;
}

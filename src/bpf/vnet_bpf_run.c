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
 *   --jit          run as x86-64 code (the default where supported; the
 *                  conformance suite passes it with --plugin_options)
 *   --interp       run in the interpreter
 *
 * XDP mode, beside the kernel's `bpftool prog run`:
 *   vnet-bpf-run --xdp OBJ [--section NAME] --data FRAME [--repeat N] [--jit|--interp]
 * loads one XDP program of OBJ with its maps, runs it REPEAT times (default
 * 1) on the frame in the file FRAME (fresh each run) and prints
 *   Return value: N (XDP_PASS), duration (average): N ns
 * then the frame as the last run left it, in hex.
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
#include "bpf/xdp.h"
#include "core/clock.h"
#include "core/hex.h"
#include "core/pkt.h"
#include "core/pool.h"

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
	case -EINVAL: return "run aborted: callx to an id that is no helper";
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

static const char *xdp_action_name(int act)
{
	switch (act) {
	case XDP_ABORTED: return "XDP_ABORTED";
	case XDP_DROP: return "XDP_DROP";
	case XDP_PASS: return "XDP_PASS";
	case XDP_TX: return "XDP_TX";
	case XDP_REDIRECT: return "XDP_REDIRECT";
	default: return "?";
	}
}

/**
 * xdp_main() - --xdp mode: one XDP object, its maps, a frame from a file
 * @obj:	object path
 * @section:	program (function or section name), NULL for the first
 * @data:	frame file
 * @repeat:	runs (0 counts as 1)
 * @vm_flags:	VN_BPF_F_* engine choice
 *
 * Return: process exit code
 */
static int xdp_main(const char *obj, const char *section, const char *data,
		    unsigned long long repeat, unsigned int vm_flags)
{
	struct vn_xdp_opts xo = { .nworkers = 1, .vm_flags = vm_flags };
	struct vn_xdp_prog *xp = NULL;
	struct vn_pool *pool = NULL;
	struct vn_pkt *pkt = NULL;
	uint8_t frame[VN_PKT_FRAME_MAX];
	unsigned long long i;
	size_t flen;
	uint64_t t0, dt;
	int act = XDP_ABORTED, rc = 1;
	FILE *f = fopen(data, "rb");

	if (!f) {
		printf("cannot open the frame file\n");
		return 1;
	}
	flen = fread(frame, 1, sizeof(frame), f);
	/* a frame past the largest vnetd carries is not a frame */
	if (!feof(f) || ferror(f) || flen < 14) {
		fclose(f);
		printf("frame file must hold 14 to %u bytes\n", VN_PKT_FRAME_MAX - 1);
		return 1;
	}
	fclose(f);
	if (vn_xdp_prog_open_file(obj, section, &xo, &xp)) {
		printf("cannot load the XDP program (see the log above)\n");
		return 1;
	}
	if (vn_pool_create("vnet-bpf-run", 2, &pool) || !(pkt = vn_pool_alloc(pool))) {
		printf("out of memory\n");
		goto out;
	}
	if (!repeat)
		repeat = 1;
	/* each run sees the original frame; the copy (64 bytes: a few ns) is timed too */
	t0 = vn_mono_ns();
	for (i = 0; i < repeat; i++) {
		if (vn_pkt_set(pkt, frame, (uint32_t)flen)) {
			printf("frame does not fit a packet buffer\n");
			goto out;
		}
		act = vn_xdp_run(xp, pkt, 0, NULL);
	}
	dt = vn_mono_ns() - t0;
	printf("Return value: %d (%s), duration (average): %llu ns, engine: %s\n", act,
	       xdp_action_name(act), (unsigned long long)(dt / repeat),
	       vn_xdp_prog_jited(xp) ? "jit" : "interp");
	for (i = 0; i < vn_pkt_len(pkt); i++)
		printf("%02x%s", vn_pkt_data(pkt)[i], (i % 16 == 15) ? "\n" : " ");
	if (vn_pkt_len(pkt) % 16)
		printf("\n");
	rc = 0;
out:
	if (pkt)
		vn_pkt_put(pkt);
	vn_pool_destroy(pool);
	vn_xdp_prog_close(xp);
	return rc;
}

int main(int argc, char **argv)
{
	static struct vn_bpf_run_ctx rc;
	struct vn_bpf_env env = { .helpers = run_helpers,
				  .nhelpers = sizeof(run_helpers) / sizeof(run_helpers[0]),
				  .nargs = 2 };
	const char *memhex = NULL, *path = NULL, *msg = NULL;
	const char *xdp = NULL, *section = NULL, *data = NULL;
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
		else if (!strcmp(argv[a], "--jit"))
			env.flags &= ~VN_BPF_F_INTERP;
		else if (!strcmp(argv[a], "--interp"))
			env.flags |= VN_BPF_F_INTERP;
		else if (!strcmp(argv[a], "--xdp") && a + 1 < argc)
			xdp = argv[++a];
		else if (!strcmp(argv[a], "--section") && a + 1 < argc)
			section = argv[++a];
		else if (!strcmp(argv[a], "--data") && a + 1 < argc)
			data = argv[++a];
		else if (!strncmp(argv[a], "--", 2) || memhex)
			msg = "usage: vnet-bpf-run [MEMORY-HEX] [--elf] [--prog FILE] "
			      "[--budget N] [--repeat N] [--jit|--interp] < PROGRAM-HEX\n"
			      "       vnet-bpf-run --xdp OBJ [--section NAME] --data FRAME "
			      "[--repeat N] [--jit|--interp]";
		else
			memhex = argv[a];
	}
	if (!msg && (xdp || data)) {
		if (!xdp || !data || memhex || path) {
			printf("--xdp needs --data FRAME and no program or memory\n");
			return 1;
		}
		return xdp_main(xdp, section, data, repeat, env.flags);
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

// SPDX-License-Identifier: MIT
/* fuzz_bpf_obj.c - libFuzzer target: bytes as an eBPF ELF object through loader, validator and one run
 *
 * Like libbpf's bpf-object-fuzzer: logging muted, open from memory, close.
 * An object that loads and validates also runs once on a 64-byte frame, so
 * relocated map references and subprogram calls are exercised; the maps'
 * BTF field layouts (map_btf.h) must lie inside their key/value. Leak
 * oracle: after the run no 8-byte word of any map's arena or of the frame
 * holds a host address (near a run context, the frame buffer, a map, the
 * program or this thread's stack). Seeds: fuzz/corpus/fuzz_bpf_obj
 * (clang-built objects from tests/bpf/progs).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bpf/map_btf.h"
#include "bpf/xdp.h"
#include "bpf/xdp_internal.h"
#include "core/log.h"
#include "core/pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(enum vn_log_level level, const char *msg)
{
	(void)level;
	(void)msg;
}

/* near() - is @v within @span bytes of @base, either side? */
static int near(uint64_t v, uintptr_t base, uint64_t span)
{
	return v - (base - span) < 2 * span;
}

/* host_value() - the leak oracle for one word */
static int host_value(const struct vn_xdp_prog *xp, const struct vn_pkt *pkt, uint64_t v)
{
	int local;

	if (near(v, (uintptr_t)pkt, 1 << 20) || near(v, (uintptr_t)xp, 1 << 20) ||
	    near(v, (uintptr_t)&local, 1 << 20) || near(v, (uintptr_t)&memset, 64 << 20) ||
	    near(v, (uintptr_t)&host_value, 64 << 20))
		return 1;
	for (unsigned int w = 0; w < xp->nworkers; w++)
		if (vn_bpf_host_in_ctx(&xp->runs[w].rc, v))
			return 1;
	for (unsigned int i = 0; i < xp->obj->nmaps; i++) {
		const struct vn_map *m = xp->obj->maps[i].map;

		if (near(v, (uintptr_t)m, 1 << 20) ||
		    near(v, (uintptr_t)m->values, (m->arena_size + 1) << 1))
			return 1;
	}
	return 0;
}

/* leaks() - any 8-byte window of [p, p + n) that holds a host address */
static int leaks(const struct vn_xdp_prog *xp, const struct vn_pkt *pkt, const uint8_t *p,
		 size_t n)
{
	for (size_t i = 0; i + 8 <= n; i++) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		if (host_value(xp, pkt, v))
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t frame[64] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45 };
	static struct vn_pool *pool;
	struct vn_bpf_owner owner = { .mem_limit = 64 << 20 };
	struct vn_xdp_opts opts = { .owner = &owner, .nworkers = 2, .budget = 100000 };
	struct vn_xdp_prog *xp;
	struct vn_pkt *pkt;
	uint32_t port;

	vn_log_set_sink(quiet);
	if (!pool && vn_pool_create("fuzz", 4, &pool))
		return 0;
	if (vn_xdp_prog_open_mem(data, size, "fuzz", NULL, &opts, &xp))
		return 0;
	for (unsigned int i = 0; i < xp->obj->nmaps; i++) {
		const struct vn_map *m = xp->obj->maps[i].map;
		const struct vn_map_btf_layout *l[2];

		if (!m->btf)
			continue;
		l[0] = &m->btf->key;
		l[1] = &m->btf->value;
		for (int k = 0; k < 2; k++)
			for (unsigned int f = 0; f < l[k]->nfields; f++) {
				const struct vn_map_btf_field *fd = &l[k]->f[f];
				uint64_t end = fd->off + (uint64_t)fd->size *
					       (fd->nelems ? fd->nelems : 1);

				/* A field the printer would read past the key/value */
				if (l[k]->nfields > VN_MAP_BTF_FIELDS_MAX ||
				    end > (k ? m->value_size : m->key_size))
					__builtin_trap();
			}
	}
	pkt = vn_pool_alloc(pool);
	if (pkt && !vn_pkt_set(pkt, frame, sizeof(frame))) {
		vn_xdp_run(xp, pkt, 1, &port);
		/* The runner never leaves the frame outside its buffer */
		if (pkt->off < VN_XDP_HEADROOM_RESERVE || pkt->len > VN_PKT_FRAME_MAX ||
		    pkt->off + pkt->len > VN_PKT_BUF_SIZE)
			__builtin_trap();
		/* Nothing the program stored is a host address */
		if (leaks(xp, pkt, vn_pkt_data(pkt), pkt->len))
			__builtin_trap();
		for (unsigned int i = 0; i < xp->obj->nmaps; i++) {
			const struct vn_map *m = xp->obj->maps[i].map;

			if (m->values && leaks(xp, pkt, m->values, m->arena_size))
				__builtin_trap();
		}
	}
	if (pkt)
		vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
	/* Every byte charged to the owner came back */
	if (owner.mem_used)
		__builtin_trap();
	return 0;
}

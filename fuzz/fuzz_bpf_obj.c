// SPDX-License-Identifier: MIT
/* fuzz_bpf_obj.c - libFuzzer target: bytes as an eBPF ELF object through loader, validator and one run
 *
 * Like libbpf's bpf-object-fuzzer: logging muted, open from memory, close.
 * An object that loads and validates also runs once on a 64-byte frame, so
 * relocated map references and subprogram calls are exercised; the maps'
 * BTF field layouts (map_btf.h) must lie inside their key/value. Seeds:
 * fuzz/corpus/fuzz_bpf_obj (clang-built objects from tests/bpf/progs).
 * Work oracle: the loader's loop steps (vn_bpf_obj.load_work) stay within
 * the linear bound docs/ARCHITECTURE.md states, LOAD_WORK_PER_BYTE per
 * input byte; the run stays within its budget and its wall-clock cap (with
 * a margin for sanitizer builds).
 */
#include <stddef.h>
#include <stdint.h>

#include "bpf/map_btf.h"
#include "bpf/xdp.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/pool.h"

#define LOAD_WORK_PER_BYTE	256	/* 64 program builds of a few steps per byte */
#define TIME_BOUND_NS		(1000 * 1000 * 1000ull)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(enum vn_log_level level, const char *msg)
{
	(void)level;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t frame[64] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45 };
	static struct vn_pool *pool;
	struct vn_bpf_owner owner = { .mem_limit = 64 << 20 };
	struct vn_xdp_opts opts = { .owner = &owner, .nworkers = 2, .budget = 100000,
				    .time_cap_ns = 10 * 1000 * 1000 };
	struct vn_bpf_obj *obj;
	struct vn_xdp_prog *xp;
	uint64_t t0;
	struct vn_pkt *pkt;
	uint32_t port;

	vn_log_set_sink(quiet);
	if (!pool && vn_pool_create("fuzz", 4, &pool))
		return 0;
	/* the loader alone first, for its work counter */
	if (!vn_bpf_obj_open_mem(data, size, "fuzz", NULL, &obj)) {
		if (obj->load_work > LOAD_WORK_PER_BYTE * (uint64_t)size + 4096)
			__builtin_trap();
		vn_bpf_obj_close(obj);
	}
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
		t0 = vn_mono_ns();
		vn_xdp_run(xp, pkt, 1, &port);
		if (vn_mono_ns() - t0 > TIME_BOUND_NS)
			__builtin_trap();
		/* The runner never leaves the frame outside its buffer */
		if (pkt->off < VN_XDP_HEADROOM_RESERVE || pkt->len > VN_PKT_FRAME_MAX ||
		    pkt->off + pkt->len > VN_PKT_BUF_SIZE)
			__builtin_trap();
	}
	if (pkt)
		vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
	/* Every byte charged to the owner came back */
	if (owner.mem_used)
		__builtin_trap();
	return 0;
}

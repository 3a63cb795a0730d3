/* SPDX-License-Identifier: MIT */
/* xdp.h - XDP programs in userspace: load from an object, run on one frame
 *
 * A struct vn_xdp_prog is one program of an ELF object (obj.h), validated by
 * the VM (vm.h) against vnetd's helper table (xdp_helpers.c), with the object's
 * maps, one run context per worker and per-worker action counters. It does
 * not know where it is attached: the switch calls vn_xdp_run() at a port's
 * ingress or egress and acts on the verdict.
 *
 * The context. Programs see struct xdp_md as the kernel lays it out (u32
 * data, data_end, data_meta, ingress_ifindex, rx_queue_index,
 * egress_ifindex). In the kernel the verifier rewrites loads of
 * ctx->data/data_end/data_meta into loads of 64-bit pointers; vnetd does the
 * same at run time instead of load time: the context is a VM region with a
 * load callback (struct vn_bpf_region.load), so `LDX W r2, [r1 + 0]` puts
 * the 64-bit address of the first frame byte in r2. Only aligned 4-byte
 * loads of the six fields are allowed; stores to the context abort the run.
 * ingress_ifindex is the vnetd port id the frame came in on (pkt->in_port),
 * rx_queue_index the worker id. The frame (metadata included) is one
 * writable region; if the frame is shared (refcnt > 1) it is read-only and a
 * program that writes aborts.
 *
 * Headroom: adjust_head and adjust_meta may grow the frame into the
 * buffer's headroom down to VN_XDP_HEADROOM_RESERVE bytes from its start
 * (kept for a virtio-net header); adjust_tail may grow it up to
 * VN_PKT_FRAME_MAX bytes and the buffer's end, with new bytes zeroed.
 * Frames never shrink below an Ethernet header (14 bytes). Metadata
 * (adjust_meta) lives only while the program runs.
 *
 * Offload metadata (DESIGN "XDP and offloads"). A frame with NEEDS_CSUM or a
 * gso_type carries csum_start/csum_offset/hdr_len that describe its bytes.
 * Before the run, vn_xdp_run() copies the first S bytes of such a frame,
 * S = max(hdr_len, csum_start + csum_offset + 2) capped at
 * VN_XDP_HDR_SNAPSHOT. The Ethernet header (first 14 bytes) is the
 * program's to rewrite (MAC swap, L2 rewrite). After the run:
 *  1. the bytes S[14..] are unchanged at their place and the frame did not
 *     move: metadata kept (xdp2's MAC swap on a TSO frame stays TSO);
 *  2. a pure push: the front grew by D > 0 bytes (adjust_head), S[14..]
 *     is found unchanged D bytes later, the tail did not move, and the
 *     frame is not GSO: csum_start and hdr_len are shifted by D
 *     (offload_shifted). This is encapsulation of a NEEDS_CSUM frame: the
 *     checksum still covers the inner L4 header it was seeded for;
 *  3. anything else (L3/L4 header bytes rewritten, tail adjusted, a pull,
 *     a push on a GSO frame, which a tunnel-unaware segmentation would
 *     get wrong):
 *       - NEEDS_CSUM without GSO: the checksum is completed in software now
 *         from the bytes the program left (offload_csum_sw); the program is
 *         responsible for the pseudo-header sum in the checksum field, as
 *         for a kernel CHECKSUM_PARTIAL skb;
 *       - GSO frames: the metadata can no longer be proven right, so the
 *         verdict becomes XDP_ABORTED (offload_broken). A port that lets
 *         its program rewrite TSO frames sets the attachment's
 *         segment-first option: the switch segments before calling
 *         vn_xdp_run(), so no GSO frame reaches the program.
 * DATA_VALID is cleared in case 3, and on frames without offload metadata
 * when the tail moved or the front was pulled; bytes rewritten in place on
 * such a frame keep DATA_VALID (kernel drivers behave the same).
 */
#ifndef VN_BPF_XDP_H
#define VN_BPF_XDP_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/map.h"
#include "bpf/obj.h"
#include "bpf/vm.h"
#include "core/pkt.h"

#define VN_XDP_HEADROOM_RESERVE	32	/* bytes of headroom programs never get */
#define VN_XDP_HDR_SNAPSHOT	256	/* header bytes compared for offload frames */
#define VN_XDP_META_MAX		32	/* kernel: metadata up to 32 bytes, 4-aligned */
#define VN_XDP_WORKERS_MAX	VN_MAP_CPUS_MAX
#define VN_XDP_CPU_RATE_MAX	(4ull * 1000000000)	/* units/s: four CPUs' worth */

/**
 * struct vn_xdp_stats - one worker's counters for one program
 * @aborted:	XDP_ABORTED returned, unknown verdicts, run-time faults
 * @drop:	XDP_DROP
 * @pass:	XDP_PASS
 * @tx:		XDP_TX
 * @redirect:	XDP_REDIRECT with a target
 * @fault:	runs stopped by the VM (bad access, budget, helper abort)
 * @offload_shifted: offload metadata shifted after a pure head adjust
 * @offload_csum_sw: NEEDS_CSUM completed in software after a change
 * @offload_broken: GSO frames turned into XDP_ABORTED after a change
 * @timeout:	runs stopped by their budget or wall-clock cap (-ETIME; also
 *		counted in @fault)
 * @throttled:	frames not run because the owner's CPU budget was spent
 *		(also counted in @aborted)
 */
struct vn_xdp_stats {
	uint64_t aborted;
	uint64_t drop;
	uint64_t pass;
	uint64_t tx;
	uint64_t redirect;
	uint64_t fault;
	uint64_t offload_shifted;
	uint64_t offload_csum_sw;
	uint64_t offload_broken;
	uint64_t timeout;
	uint64_t throttled;
};

/**
 * struct vn_xdp_stat_desc - one counter of struct vn_xdp_stats, by name
 * @name:	counter name as vnetctl prints it ("xdp_drop")
 * @off:	offsetof() in struct vn_xdp_stats
 */
struct vn_xdp_stat_desc {
	const char *name;
	size_t off;
};

/* The counters of struct vn_xdp_stats, in order; VN_XDP_NSTATS entries */
#define VN_XDP_NSTATS	11
extern const struct vn_xdp_stat_desc vn_xdp_stats_desc[VN_XDP_NSTATS];

/**
 * enum vn_xdp_class - who wrote a program, which decides its helpers
 * @VN_XDP_CLASS_OPERATOR: the operator (vnetctl, --xdp): every helper
 * @VN_XDP_CLASS_RESTRICTED: an untrusted owner (guest programs): no helper
 *		that reads host data or writes the host's log, see
 *		vn_xdp_helper_allowed()
 */
enum vn_xdp_class {
	VN_XDP_CLASS_OPERATOR = 0,
	VN_XDP_CLASS_RESTRICTED = 1,
};

struct vn_xdp_run;

/**
 * struct vn_xdp_prog - one loaded XDP program
 * @name:	"object:function", for messages
 * @obj:	the object (owns the maps)
 * @prog:	the validated program
 * @maps:	maps the program references (the only ones helpers accept)
 * @nmaps:	entries in @maps
 * @xmap:	object map index -> index in @maps + 1 (0: not used); LD_IMM64
 *		map references load VN_BPF_MAP_HANDLE(index in @maps)
 * @gslot:	object map index -> the fixed region slot of its value for
 *		direct value access (PSEUDO_MAP_IDX_VALUE), 0: none
 * @nworkers:	workers that may run it (worker ids 0..nworkers-1)
 * @runs:	one run context per worker
 * @stats:	one counter block per worker, written only by that worker
 * @owner:	who pays (maps, instructions, run contexts)
 * @charged:	bytes of run contexts and counters charged to @owner
 * @cpu_rate:	owner CPU budget, units per second per worker (0: none)
 * @cpu_burst:	token bucket depth in units
 * @class:	helper allow-list it was validated against
 */
struct vn_xdp_prog {
	char name[2 * VN_BPF_OBJ_NAME_MAX];
	struct vn_bpf_obj *obj;
	struct vn_bpf_prog *prog;
	struct vn_map *maps[VN_BPF_OBJ_MAPS_MAX];
	unsigned int nmaps;
	uint8_t xmap[VN_BPF_OBJ_MAPS_MAX];
	uint8_t gslot[VN_BPF_OBJ_MAPS_MAX];
	unsigned int nworkers;
	struct vn_xdp_run *runs;
	struct vn_xdp_stats *stats;
	struct vn_bpf_owner *owner;
	size_t charged;
	uint64_t cpu_rate;
	uint64_t cpu_burst;
	enum vn_xdp_class class;
};

/**
 * struct vn_xdp_opts - how to load a program
 * @owner:	who pays for maps, instructions and run contexts (NULL: uncapped)
 * @nworkers:	workers (and per-CPU map copies); 0 means 1
 * @budget:	budget units per run: instructions plus helper work (0: the
 *		VM's default)
 * @time_cap_ns: wall-clock cap of one run (0: none); a run past it ends
 *		with -ETIME, as one past its budget
 * @cpu_rate:	the owner's CPU budget: units per second each worker may
 *		spend on this program (0: unlimited)
 * @cpu_burst:	units the owner may spend at once before @cpu_rate applies
 *		(the token bucket's depth; 0 with @cpu_rate: 10 * @budget)
 * @class:	helper allow-list (enum vn_xdp_class)
 * @no_redirect: also refuse bpf_redirect() and bpf_redirect_map() (guest
 *		programs: they run where no redirect is meaningful)
 * @vm_flags:	VN_BPF_F_* for the program (engine, hardening)
 *
 * A VN_XDP_CLASS_RESTRICTED program calling a helper it may not is refused
 * before validation with -EINVAL and a logged line naming the helper
 * ("helper 5 (bpf_ktime_get_ns) is not allowed for restricted programs").
 */
struct vn_xdp_opts {
	struct vn_bpf_owner *owner;
	unsigned int nworkers;
	uint64_t budget;
	uint64_t time_cap_ns;
	uint64_t cpu_rate;
	uint64_t cpu_burst;
	enum vn_xdp_class class;
	bool no_redirect;
	unsigned int vm_flags;
};

/**
 * vn_xdp_prog_open_mem() - Load an object and validate one of its XDP programs
 * @buf:	ELF bytes
 * @len:	length
 * @name:	object name for messages
 * @prog_name:	function or section name; NULL for the first program
 * @opts:	owner, workers (may be NULL)
 * @out:	the program
 *
 * Return: 0, -ENOENT (no such program), or the loader's / validator's
 *	   negative errno; failures are logged with their reason
 */
int vn_xdp_prog_open_mem(const void *buf, size_t len, const char *name,
			 const char *prog_name, const struct vn_xdp_opts *opts,
			 struct vn_xdp_prog **out);

/**
 * vn_xdp_prog_open_file() - vn_xdp_prog_open_mem() on a file
 * @path:	object file
 * @prog_name:	function or section name; NULL for the first program
 * @opts:	owner, workers (may be NULL)
 * @out:	the program
 *
 * Return: as vn_xdp_prog_open_mem()
 */
int vn_xdp_prog_open_file(const char *path, const char *prog_name,
			  const struct vn_xdp_opts *opts, struct vn_xdp_prog **out);

/**
 * vn_xdp_prog_jited() - Does the program run as JIT code?
 * @xp:		program
 *
 * Return: 1 for JIT code, 0 for the interpreter
 */
int vn_xdp_prog_jited(const struct vn_xdp_prog *xp);

/**
 * vn_xdp_prog_close() - Free a program, its object and maps
 * @xp:		program, may be NULL
 */
void vn_xdp_prog_close(struct vn_xdp_prog *xp);

/**
 * vn_xdp_run() - Run the program on one frame
 * @xp:		program
 * @pkt:	frame; may be moved or resized (off/len) and rewritten unless
 *		shared; offload metadata fixed as described above
 * @worker:	id of the calling worker, < xp->nworkers
 * @redirect_port: out: target port id when XDP_REDIRECT is returned
 *
 * Return: XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX or XDP_REDIRECT (kernel
 *	   values); unknown verdicts, VM faults and redirects without a
 *	   target are XDP_ABORTED
 */
int vn_xdp_run(struct vn_xdp_prog *xp, struct vn_pkt *pkt, unsigned int worker,
	       uint32_t *redirect_port);

/**
 * vn_xdp_stats_sum() - Add up the per-worker counters
 * @xp:		program
 * @out:	sum
 */
void vn_xdp_stats_sum(const struct vn_xdp_prog *xp, struct vn_xdp_stats *out);

/**
 * vn_xdp_helpers() - vnetd's XDP helper table, indexed by kernel helper id
 * @n:		out: entries in the table
 *
 * Return: the table (NULL entries are helpers vnetd does not offer)
 */
const vn_bpf_helper_fn *vn_xdp_helpers(unsigned int *n);

/**
 * vn_xdp_helper_allowed() - May programs of @class call helper @id?
 * @class:	program owner class
 * @id:		kernel helper id
 *
 * Restricted programs get no bpf_ktime_get_ns() (the host's monotonic
 * clock: its uptime, and a timer for side channels) and no
 * bpf_trace_printk() (lines in the host's log); everything else they may
 * call touches only their frame and their own maps.
 *
 * Return: true when allowed
 */
bool vn_xdp_helper_allowed(enum vn_xdp_class class, unsigned int id);

/**
 * vn_xdp_helper_name() - Kernel name of a helper vnetd knows ("bpf_redirect")
 * @id:		kernel helper id
 *
 * Return: a static string, "?" for an id vnetd does not name
 */
const char *vn_xdp_helper_name(unsigned int id);

#endif /* VN_BPF_XDP_H */

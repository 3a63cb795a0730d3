/* SPDX-License-Identifier: MIT */
/* xdp_hook.h - XDP programs attached to a switch port's ingress or egress (public API)
 *
 * Where the hooks run (see docs/ARCHITECTURE.md "XDP hook"):
 *  - ingress: on every frame a port delivers, right after rx_burst and the
 *    offload header validation, before VLAN classification and MAC
 *    learning. The program sees the frame as the port's peer sent it
 *    (tags included). PASS: the frame goes on into the switch (VLAN,
 *    learning, forwarding). TX: back out of the same port. REDIRECT: out
 *    of the target port (bpf_redirect(port_id, 0) or a DEVMAP of port ids),
 *    bypassing learning and the FDB; an unknown target is dropped and
 *    counted as drop_xdp_redirect. TX and REDIRECT frames leave as the
 *    program left them: no VLAN tag is pushed or popped for them.
 *  - egress: on every frame leaving towards the port, after the VLAN tag
 *    push/pop and before the offload resolution (checksum, software GSO)
 *    and tx_burst, so the program sees the frame as the port will get it.
 *    As for the kernel's devmap/cpumap programs, only PASS, DROP and
 *    ABORTED are meaningful at egress: TX and REDIRECT are invalid actions
 *    there, and the frame is dropped and counted as aborted (drop reason
 *    xdp_aborted, port counter xdp_aborted; the program's own counters
 *    still show tx/redirect). A flooded frame is copied before an egress
 *    program runs, so each program may rewrite its own copy. The egress
 *    program sees every frame leaving towards the port, including frames
 *    an ingress program sent there with TX or REDIRECT (a port-level
 *    hook, like tc egress, rather than the kernel's per-devmap-entry
 *    program).
 * ABORTED (including VM faults and broken offloads) counts xdp_aborted and
 * drop_xdp_aborted; DROP counts xdp_drop and drop_xdp_drop.
 * TX and REDIRECT frames of a received burst are collected and sent in bulk
 * with the burst's other frames (one tx_burst per destination).
 *
 * Offloads (src/bpf/xdp.h has the rule): a program sees a TSO/USO frame
 * whole; header rewrites that the metadata cannot follow make the verdict
 * ABORTED. With VN_SW_XDP_SEGMENT_FIRST, a GSO frame is cut into segments
 * (vn_gso_segment(), checksums left as NEEDS_CSUM) before the program
 * runs, so the program sees MTU-sized frames it may rewrite freely.
 *
 * Every function here is for the control thread; attach and detach may run
 * while the workers forward (see xdp_hook.c on the grace period).
 */
#ifndef VN_SWITCH_XDP_HOOK_H
#define VN_SWITCH_XDP_HOOK_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/map.h"
#include "bpf/obj.h"
#include "bpf/xdp.h"
#include "switch/sw.h"

/**
 * enum vn_xdp_dir - where on a port a program is attached
 * @VN_XDP_INGRESS:	frames entering the switch from the port
 * @VN_XDP_EGRESS:	frames leaving the switch towards the port
 * @VN_XDP_DIRS:	number of directions
 */
enum vn_xdp_dir {
	VN_XDP_INGRESS = 0,
	VN_XDP_EGRESS = 1,
	VN_XDP_DIRS
};

/* Attach flags */
#define VN_SW_XDP_SEGMENT_FIRST	(1u << 0)	/* segment GSO frames before the program */
#define VN_SW_XDP_REPLACE	(1u << 1)	/* replace an attached program (else -EEXIST) */
#define VN_SW_XDP_FLAGS_ALL	(VN_SW_XDP_SEGMENT_FIRST | VN_SW_XDP_REPLACE)

/* Default memory cap of one attachment (maps, instructions, run contexts) */
#define VN_SW_XDP_MEM_DEFAULT	((size_t)64 << 20)
/* Default instructions per frame: a looping tenant program stalls its
 * worker for at most ~0.1-0.3 ms per frame instead of the VM's 1M */
#define VN_SW_XDP_BUDGET_DEFAULT	100000

struct vn_sw_xdp;

/**
 * struct vn_sw_xdp_info - one attachment, as vn_sw_xdp_foreach() reports it
 * @port:	port name
 * @port_id:	port id
 * @dir:	direction
 * @prog:	"object:function"
 * @path:	object file it was loaded from
 * @flags:	VN_SW_XDP_* flags it was attached with
 * @jited:	the program runs as JIT code (else in the interpreter)
 * @stats:	the program's counters, summed over the workers
 * @mem_used:	bytes charged to the attachment
 * @mem_limit:	its cap
 * @obj:	the object (maps by name); valid only during the callback
 */
struct vn_sw_xdp_info {
	const char *port;
	uint16_t port_id;
	enum vn_xdp_dir dir;
	const char *prog;
	const char *path;
	unsigned int flags;
	int jited;
	struct vn_xdp_stats stats;
	size_t mem_used;
	size_t mem_limit;
	const struct vn_bpf_obj *obj;
};

/**
 * vn_xdp_dir_name() - "ingress" or "egress"
 * @dir:	direction
 *
 * Return: static string ("?" for a bad value)
 */
const char *vn_xdp_dir_name(enum vn_xdp_dir dir);

/**
 * vn_xdp_dir_parse() - Parse "ingress" / "egress"
 * @s:		string
 * @dir:	output
 *
 * Return: 0, or -EINVAL
 */
int vn_xdp_dir_parse(const char *s, enum vn_xdp_dir *dir);

#define VN_SW_XDP_PATH_MAX	1024	/* object path in a spec, with the NUL */

/**
 * struct vn_sw_xdp_spec - a parsed "PORT:DIR:FILE[:SECTION][:segment-first]"
 * @port:	port name
 * @dir:	direction
 * @path:	object file
 * @section:	program function or section name, "" for the first program
 * @flags:	VN_SW_XDP_SEGMENT_FIRST if given
 */
struct vn_sw_xdp_spec {
	char port[VN_PORT_NAME_MAX];
	enum vn_xdp_dir dir;
	char path[VN_SW_XDP_PATH_MAX];
	char section[VN_BPF_OBJ_NAME_MAX];
	unsigned int flags;
};

/**
 * vn_sw_xdp_spec_parse() - Parse vnetd's --xdp PORT:DIR:FILE[:SECTION][:segment-first]
 * @spec:	the string (outside input: every field's length is checked)
 * @out:	output
 * @err:	a one-line reason on failure (may be NULL)
 * @err_sz:	size of @err
 *
 * Fields are separated by ':' (object paths containing ':' are not
 * supported); none may be empty. A last field "segment-first" is the flag,
 * never a section (function and section names contain no '-').
 *
 * Return: 0, -EINVAL (malformed), -E2BIG (a field too long)
 */
int vn_sw_xdp_spec_parse(const char *spec, struct vn_sw_xdp_spec *out, char *err, size_t err_sz);

/**
 * vn_sw_xdp_attach() - Load an XDP program and attach it to a port
 * @sw:		switch
 * @port:	port name
 * @dir:	ingress or egress
 * @obj_path:	ELF object (clang -O2 -g -target bpf)
 * @section:	program function or section name; NULL: the first XDP program
 * @flags:	VN_SW_XDP_* flags
 * @err:	a one-line reason on failure (may be NULL)
 * @err_sz:	size of @err
 *
 * The program is loaded, validated and charged to a new owner capped at
 * vn_sw_xdp_mem_limit() before anything changes; the swap is atomic for the
 * workers and the replaced program is freed after a grace period.
 *
 * Return: 0; -ENOENT (no such port or program), -EEXIST (a program is
 *	   attached and VN_SW_XDP_REPLACE is not set), -EINVAL (bad flags or
 *	   direction, malformed object), -ENOMEM (cap), or the loader's errno
 */
int vn_sw_xdp_attach(struct vn_sw *sw, const char *port, enum vn_xdp_dir dir,
		     const char *obj_path, const char *section, unsigned int flags, char *err,
		     size_t err_sz);

/**
 * vn_sw_xdp_detach() - Detach the program of a port and direction
 * @sw:		switch
 * @port:	port name
 * @dir:	direction
 *
 * Returns after every worker stopped using the program; its memory goes
 * when the last map reference (vn_sw_xdp_map_find()) is put.
 *
 * Return: 0, -ENOENT (no such port, or nothing attached), -EINVAL
 */
int vn_sw_xdp_detach(struct vn_sw *sw, const char *port, enum vn_xdp_dir dir);

/**
 * vn_sw_xdp_foreach() - Call @cb for every attachment, under the control lock
 * @sw:		switch
 * @cb:		callback; non-zero stops the walk and is returned
 * @arg:	for @cb
 *
 * Return: 0, or what @cb returned
 */
int vn_sw_xdp_foreach(struct vn_sw *sw, int (*cb)(const struct vn_sw_xdp_info *info, void *arg),
		      void *arg);

/**
 * vn_sw_xdp_map_find() - A map of an attached program, by name, under a reference
 * @sw:		switch
 * @port:	port name
 * @dir:	direction
 * @map_name:	map name (symbol, or ".data"/".rodata"/".bss")
 * @map:	output: the map (vn_map_lookup/update/delete/get_next_key)
 * @ref:	output: the reference keeping the map alive; give it back with
 *		vn_sw_xdp_put() (the program may be detached meanwhile)
 *
 * Return: 0, -ENOENT (no such port, attachment or map), -EINVAL
 */
int vn_sw_xdp_map_find(struct vn_sw *sw, const char *port, enum vn_xdp_dir dir,
		       const char *map_name, struct vn_map **map, struct vn_sw_xdp **ref);

/**
 * vn_sw_xdp_put() - Give back a reference from vn_sw_xdp_map_find()
 * @ref:	reference, may be NULL
 */
void vn_sw_xdp_put(struct vn_sw_xdp *ref);

/**
 * vn_sw_xdp_set_mem_limit() - Cap of the attachments made from now on
 * @sw:		switch
 * @bytes:	cap in bytes; 0 restores VN_SW_XDP_MEM_DEFAULT
 */
void vn_sw_xdp_set_mem_limit(struct vn_sw *sw, size_t bytes);

/**
 * vn_sw_xdp_set_budget() - Instructions per frame of the attachments made from now on
 * @sw:		switch
 * @insns:	budget; a run that passes it ends as ABORTED (counted as a
 *		fault); 0 restores VN_SW_XDP_BUDGET_DEFAULT
 */
void vn_sw_xdp_set_budget(struct vn_sw *sw, uint64_t insns);

/**
 * vn_sw_xdp_mem_limit() - Cap given to new attachments
 * @sw:		switch
 *
 * Return: bytes
 */
size_t vn_sw_xdp_mem_limit(struct vn_sw *sw);

#endif /* VN_SWITCH_XDP_HOOK_H */

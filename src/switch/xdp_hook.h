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
 *    counted as drop_xdp_redirect, a target not on the attachment's
 *    redirect list (vn_sw_xdp_attach_opts()) as drop_xdp_redirect_denied.
 *    TX and REDIRECT frames obey the switch's VLAN rules like any frame
 *    the port sends: they are classified by the source port's VLAN
 *    ingress (a tag the port may not carry: drop_vlan) and leave through
 *    the destination's VLAN egress (a VLAN it is not a member of:
 *    drop_vlan on the destination; its tag pushed or popped as usual).
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/map.h"
#include "bpf/obj.h"
#include "bpf/xdp.h"
#include "switch/sw.h"

/* Attach flags */
#define VN_SW_XDP_SEGMENT_FIRST	(1u << 0)	/* segment GSO frames before the program */
#define VN_SW_XDP_REPLACE	(1u << 1)	/* replace an attached program (else -EEXIST) */
#define VN_SW_XDP_FLAGS_ALL	(VN_SW_XDP_SEGMENT_FIRST | VN_SW_XDP_REPLACE)

/* Default memory cap of one attachment (maps, instructions, run contexts) */
#define VN_SW_XDP_MEM_DEFAULT	((size_t)64 << 20)
/* Default instructions per frame: a looping tenant program stalls its
 * worker for at most ~0.1-0.3 ms per frame instead of the VM's 1M */
#define VN_SW_XDP_BUDGET_DEFAULT	100000
/* Default wall-clock cap of one run: ~5x what the budget costs when the
 * cost model holds, so only a helper far dearer than its charge meets it */
#define VN_SW_XDP_TIME_CAP_DEFAULT	500000ull		/* ns */
/* Default owner CPU budget per worker: a quarter of the worker on average,
 * at most ~1 ms at once (docs/ARCHITECTURE.md "Cost model and bound") */
#define VN_SW_XDP_CPU_RATE_DEFAULT	250000000ull		/* units per second */
#define VN_SW_XDP_CPU_BURST_DEFAULT	1000000ull		/* units */

struct vn_sw_xdp;

/**
 * struct vn_sw_xdp_info - one attachment, as vn_sw_xdp_foreach() reports it
 * @port:	port name
 * @port_id:	port id
 * @dir:	direction
 * @prog:	"object:function"
 * @path:	object file it was loaded from
 * @flags:	VN_SW_XDP_* flags it was attached with
 * @redirect:	its redirect list ("none", or port names separated by ','),
 *		NULL when it may redirect to every port
 * @jited:	the program runs as JIT code (else in the interpreter)
 * @stats:	the program's counters, summed over the workers
 * @mem_used:	bytes charged to the attachment
 * @mem_limit:	its cap
 * @obj:	the object (maps by name); valid only during the callback
 * @guest:	the port's guest loaded it through its offload channel (it runs
 *		at egress after the operator's program); else the operator
 * @section:	guest: the section it asked for ("" for the first program)
 * @insns:	instructions of the validated program
 */
struct vn_sw_xdp_info {
	const char *port;
	uint16_t port_id;
	enum vn_sw_dir dir;
	const char *prog;
	const char *path;
	unsigned int flags;
	const char *redirect;
	int jited;
	struct vn_xdp_stats stats;
	size_t mem_used;
	size_t mem_limit;
	const struct vn_bpf_obj *obj;
	bool guest;
	const char *section;
	size_t insns;
};

#define VN_SW_XDP_PATH_MAX	1024	/* object path in a spec, with the NUL */
#define VN_SW_XDP_REDIRECT_PORTS 64	/* ports in one redirect= list */
#define VN_SW_XDP_REDIRECT_MAX	(VN_SW_XDP_REDIRECT_PORTS * VN_PORT_NAME_MAX) /* its bytes */

/**
 * struct vn_sw_xdp_spec - a parsed "PORT:DIR:FILE[:SECTION][:segment-first][:redirect=LIST]"
 * @port:	port name
 * @dir:	direction
 * @path:	object file
 * @section:	program function or section name, "" for the first program
 * @flags:	VN_SW_XDP_SEGMENT_FIRST if given
 * @has_redirect: a redirect= option was given
 * @redirect:	its value: "none" or port names separated by ','
 */
struct vn_sw_xdp_spec {
	char port[VN_PORT_NAME_MAX];
	enum vn_sw_dir dir;
	char path[VN_SW_XDP_PATH_MAX];
	char section[VN_BPF_OBJ_NAME_MAX];
	unsigned int flags;
	bool has_redirect;
	char redirect[VN_SW_XDP_REDIRECT_MAX];
};

/**
 * vn_sw_xdp_spec_parse() - Parse PORT:DIR:FILE[:SECTION][:segment-first][:redirect=LIST]
 * @spec:	the string (outside input: every field's length is checked)
 * @out:	output
 * @err:	a one-line reason on failure (may be NULL)
 * @err_sz:	size of @err
 *
 * Fields are separated by ':' (object paths containing ':' are not
 * supported); none may be empty. Trailing fields "segment-first" and
 * "redirect=LIST" (in either order, each at most once) are options, never
 * a section (function and section names contain no '-' or '='). LIST is
 * "none" or up to VN_SW_XDP_REDIRECT_PORTS port names separated by ','.
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
int vn_sw_xdp_attach(struct vn_sw *sw, const char *port, enum vn_sw_dir dir,
		     const char *obj_path, const char *section, unsigned int flags, char *err,
		     size_t err_sz);

/**
 * struct vn_sw_xdp_opts - how to attach, beyond the object and the port
 * @flags:	VN_SW_XDP_* flags
 * @redirect:	ports the program may redirect to: NULL for every port (an
 *		operator program; none for a VN_XDP_CLASS_RESTRICTED one),
 *		"none", or port names separated by ',' that must exist now;
 *		TX (back out of the port) is always allowed
 * @class:	helper allow-list (VN_XDP_CLASS_OPERATOR: all helpers)
 * @from_fd:	read the object from @fd; the path is then only its label
 * @fd:		open object file when @from_fd (read, never closed here); it
 *		may come from a control client: only a regular file is read
 */
struct vn_sw_xdp_opts {
	unsigned int flags;
	const char *redirect;
	enum vn_xdp_class class;
	bool from_fd;
	int fd;
};

/**
 * vn_sw_xdp_attach_opts() - vn_sw_xdp_attach() with a redirect list and a helper class
 * @sw:		switch
 * @port:	port name
 * @dir:	ingress or egress
 * @obj_path:	ELF object
 * @section:	program function or section name; NULL: the first XDP program
 * @o:		flags, redirect list, class
 * @err:	a one-line reason on failure (may be NULL)
 * @err_sz:	size of @err
 *
 * A REDIRECT to a port not on the list is dropped and counted as
 * drop_xdp_redirect_denied on the ingress port.
 *
 * Return: as vn_sw_xdp_attach(); -ENOENT also for a redirect target that
 *	   is not a port
 */
int vn_sw_xdp_attach_opts(struct vn_sw *sw, const char *port, enum vn_sw_dir dir,
			  const char *obj_path, const char *section,
			  const struct vn_sw_xdp_opts *o, char *err, size_t err_sz);

/**
 * vn_sw_xdp_attach_spec() - Attach what a parsed spec says
 * @sw:		switch
 * @xs:		spec from vn_sw_xdp_spec_parse()
 * @flags:	VN_SW_XDP_* flags added to the spec's (e.g. VN_SW_XDP_REPLACE)
 * @err:	a one-line reason on failure (may be NULL)
 * @err_sz:	size of @err
 *
 * Return: as vn_sw_xdp_attach_opts()
 */
int vn_sw_xdp_attach_spec(struct vn_sw *sw, const struct vn_sw_xdp_spec *xs,
			  unsigned int flags, char *err, size_t err_sz);

/**
 * vn_sw_xdp_attach_fd() - vn_sw_xdp_attach() with the object read from a descriptor
 * @sw:		switch
 * @port:	port name
 * @dir:	ingress or egress
 * @fd:		open object file (read with pread, not closed); it may come
 *		from a control client: only a regular file is read
 * @label:	the file's name as the client gave it, for messages and listings
 *		(never opened)
 * @section:	program function or section name; NULL: the first XDP program
 * @flags:	VN_SW_XDP_* flags
 * @err:	a one-line reason on failure (may be NULL)
 * @err_sz:	size of @err
 *
 * Return: as vn_sw_xdp_attach(); -EBADF for a negative @fd
 */
int vn_sw_xdp_attach_fd(struct vn_sw *sw, const char *port, enum vn_sw_dir dir, int fd,
			const char *label, const char *section, unsigned int flags, char *err,
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
int vn_sw_xdp_detach(struct vn_sw *sw, const char *port, enum vn_sw_dir dir);

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
int vn_sw_xdp_map_find(struct vn_sw *sw, const char *port, enum vn_sw_dir dir,
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
 * vn_sw_xdp_set_cpu() - Time cap and owner CPU budget of the attachments made from now on
 * @sw:		switch
 * @time_cap_ns: wall-clock cap of one run (0: VN_SW_XDP_TIME_CAP_DEFAULT)
 * @rate:	budget units per second each worker may spend on one
 *		attachment (0: VN_SW_XDP_CPU_RATE_DEFAULT)
 * @burst:	units it may spend at once (0: VN_SW_XDP_CPU_BURST_DEFAULT)
 */
void vn_sw_xdp_set_cpu(struct vn_sw *sw, uint64_t time_cap_ns, uint64_t rate, uint64_t burst);

/**
 * vn_sw_xdp_mem_limit() - Cap given to new attachments
 * @sw:		switch
 *
 * Return: bytes
 */
size_t vn_sw_xdp_mem_limit(struct vn_sw *sw);

/*
 * The guest slot. A port's guest (through its offload channel, ctl/xo_srv.c)
 * may load one program of its own, class VN_XDP_CLASS_RESTRICTED without
 * redirects. It runs at the port's egress, after the operator's egress
 * program (if any, and only on what that one passed): DROP and ABORTED are
 * dropped and never reach the guest, PASS goes on to the offload
 * resolution and the port, TX goes back into the switch as a frame the
 * port received (its worker, its ingress program and VLAN rules, learning,
 * forwarding) at the end of the worker's pass. It has its own owner: its
 * own memory cap (the port's xdp-offload-mem), budget and CPU bucket.
 */

/**
 * struct vn_sw_xdp_quota - what one guest program may use
 * @mem:	bytes charged to the guest's owner at most (xdp-offload-mem)
 * @insns:	largest program in instructions (xdp-offload-insns)
 * @maps:	most maps in the object (xdp-offload-maps)
 */
struct vn_sw_xdp_quota {
	size_t mem;
	uint32_t insns;
	uint32_t maps;
};

/**
 * vn_sw_xdp_guest_load() - Load a guest's object from memory into its port's guest slot
 * @sw:		switch
 * @port:	port name
 * @obj:	ELF bytes (copied; at most VN_BPF_OBJ_SIZE_GUEST)
 * @len:	their count
 * @label:	name for messages and listings
 * @section:	program function or section name; NULL or "": the first
 * @flags:	0 or VN_SW_XDP_SEGMENT_FIRST (the guest asked for GSO frames
 *		cut before its program runs; the operator's program before it
 *		still sees them whole unless it asked too)
 * @q:		quotas
 * @err:	a one-line reason on failure (may be NULL)
 * @err_sz:	size of @err
 *
 * Everything is loaded, validated and checked against @q before the slot
 * changes: a refused load leaves the running program untouched. A
 * replaced program is freed after the grace period.
 *
 * Return: 0; -EDQUOT (a quota: @err names it and both numbers),
 *	   -EINVAL (a helper guests may not call, @err names it; a
 *	   malformed object; a flag other than VN_SW_XDP_SEGMENT_FIRST),
 *	   -ENOENT (no such port or section), -E2BIG or the loader's errno
 */
int vn_sw_xdp_guest_load(struct vn_sw *sw, const char *port, const void *obj, size_t len,
			 const char *label, const char *section, unsigned int flags,
			 const struct vn_sw_xdp_quota *q, char *err, size_t err_sz);

/**
 * typedef vn_sw_xdp_fill_fn - Fill a loaded guest program's maps before it is published
 * @arg:	the caller's
 * @xp:		the program (no worker runs it yet)
 * @err:	the reason on failure
 * @err_sz:	its size
 *
 * Return: 0, or a negative errno: the load is refused, the slot unchanged
 */
typedef int (*vn_sw_xdp_fill_fn)(void *arg, struct vn_xdp_prog *xp, char *err, size_t err_sz);

/**
 * vn_sw_xdp_guest_load_fill() - vn_sw_xdp_guest_load() with the maps filled before publication
 * @sw:		switch
 * @port:	port name
 * @obj:	ELF bytes
 * @len:	their count
 * @label:	name for messages and listings
 * @section:	program function or section name; NULL or "": the first
 * @flags:	as for vn_sw_xdp_guest_load()
 * @q:		quotas
 * @fill:	called once the program is loaded and checked (may be NULL)
 * @arg:	for @fill
 * @err:	a one-line reason on failure (may be NULL)
 * @err_sz:	size of @err
 *
 * Return: as vn_sw_xdp_guest_load(), or what @fill returned
 */
int vn_sw_xdp_guest_load_fill(struct vn_sw *sw, const char *port, const void *obj, size_t len,
			      const char *label, const char *section, unsigned int flags,
			      const struct vn_sw_xdp_quota *q, vn_sw_xdp_fill_fn fill, void *arg,
			      char *err, size_t err_sz);

/**
 * vn_sw_xdp_guest_unload() - Empty a port's guest slot
 * @sw:		switch
 * @port:	port name
 *
 * Returns after every worker stopped using the program; its maps go when
 * the last reference (vn_sw_xdp_guest_get()) is put.
 *
 * Return: 0, -ENOENT (no such port, or no guest program)
 */
int vn_sw_xdp_guest_unload(struct vn_sw *sw, const char *port);

/**
 * vn_sw_xdp_guest_get() - The guest program of a port, under a reference
 * @sw:		switch
 * @port:	port name
 * @ref:	output; give it back with vn_sw_xdp_put()
 *
 * Return: 0, -ENOENT (no such port or no guest program)
 */
int vn_sw_xdp_guest_get(struct vn_sw *sw, const char *port, struct vn_sw_xdp **ref);

/**
 * vn_sw_xdp_ref_prog() - The program behind a reference
 * @ref:	from vn_sw_xdp_guest_get() or vn_sw_xdp_map_find()
 *
 * Return: the program (its maps: ->obj->maps, in object order)
 */
struct vn_xdp_prog *vn_sw_xdp_ref_prog(const struct vn_sw_xdp *ref);

/**
 * vn_sw_xdp_ref_mem() - Memory an attachment has charged and its cap
 * @ref:	reference
 * @used:	output: bytes
 * @limit:	output: bytes
 */
void vn_sw_xdp_ref_mem(const struct vn_sw_xdp *ref, size_t *used, size_t *limit);

/**
 * vn_sw_xdp_ref_object() - The object bytes a guest program was loaded from
 * @ref:	reference to a guest program
 * @len:	output: their count
 * @section:	output: the section it was loaded with ("" for the first)
 * @flags:	output: the flags it was loaded with (VN_SW_XDP_SEGMENT_FIRST)
 *
 * Return: the bytes (valid while @ref is held)
 */
const uint8_t *vn_sw_xdp_ref_object(const struct vn_sw_xdp *ref, size_t *len,
				    const char **section, unsigned int *flags);

/**
 * vn_sw_xdp_map_find_guest() - vn_sw_xdp_map_find() on a port's guest program
 * @sw:		switch
 * @port:	port name
 * @map_name:	map name
 * @map:	output
 * @ref:	output; vn_sw_xdp_put() it
 *
 * Return: 0, -ENOENT, -EINVAL
 */
int vn_sw_xdp_map_find_guest(struct vn_sw *sw, const char *port, const char *map_name,
			     struct vn_map **map, struct vn_sw_xdp **ref);

#endif /* VN_SWITCH_XDP_HOOK_H */

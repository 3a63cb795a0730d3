// SPDX-License-Identifier: MIT
/* xdp_guest.c - the guest's XDP slot at a port's egress: load, unload, references
 *
 * A guest loads its program over its port's offload channel (ctl/xo_srv.c);
 * it runs in the port's guest slot (sw_port.guest) after the operator's
 * egress program, under the guest's quotas, with the restricted helper set
 * and no redirect. Publication, grace period and release are the operator
 * slots' (xdp_attach.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/gso.h"
#include "core/log.h"
#include "xdp_hook_internal.h"

int vn_sw_xdp_guest_load(struct vn_sw *sw, const char *port, const void *obj, size_t len,
			 const char *label, const char *section, unsigned int flags,
			 const struct vn_sw_xdp_quota *q, char *err, size_t err_sz)
{
	return vn_sw_xdp_guest_load_fill(sw, port, obj, len, label, section, flags, q, NULL, NULL,
					 err, err_sz);
}

int vn_sw_xdp_guest_load_fill(struct vn_sw *sw, const char *port, const void *obj, size_t len,
			      const char *label, const char *section, unsigned int flags,
			      const struct vn_sw_xdp_quota *q, vn_sw_xdp_fill_fn fill, void *arg,
			      char *err, size_t err_sz)
{
	struct vn_xdp_opts opts = {
		.nworkers = sw->cfg.workers,
		.class = VN_XDP_CLASS_RESTRICTED,
		.no_redirect = true,
		/* the hook runs other people's programs: JIT constants are blinded */
		.vm_flags = VN_BPF_F_HARDEN,
	};
	struct vn_log_capture cap;
	struct vn_sw_xdp *x, *old;
	struct sw_port *sp;
	char why[200], dummy[1];
	int rc;

	sw_err_init(&err, &err_sz, dummy);
	if (!port || !obj || !q || !label) {
		snprintf(err, err_sz, "bad arguments");
		return -EINVAL;
	}
	if (flags & ~VN_SW_XDP_SEGMENT_FIRST) {
		snprintf(err, err_sz, "unknown guest program flags 0x%x", flags);
		return -EINVAL;
	}
	if (section && !section[0])
		section = NULL;
	/* a larger object than guests may hand in: before any allocation */
	if (len > VN_BPF_OBJ_SIZE_GUEST) {
		snprintf(err, err_sz, "object is %zu bytes, guests may load %zu", len,
			 VN_BPF_OBJ_SIZE_GUEST);
		return -E2BIG;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->refs = 1;
	x->guest = true;
	x->dir = VN_SW_EGRESS;
	x->flags = flags;
	x->owner.mem_limit = q->mem;
	snprintf(x->port, sizeof(x->port), "%s", port);
	snprintf(x->path, sizeof(x->path), "%s", label);
	snprintf(x->section, sizeof(x->section), "%s", section ? section : "");
	snprintf(x->redirect, sizeof(x->redirect), "none");
	pthread_mutex_lock(&sw->ctl);
	opts.budget = sw->xdp_budget ? sw->xdp_budget : VN_SW_XDP_BUDGET_DEFAULT;
	opts.time_cap_ns = sw->xdp_time_cap_ns ? sw->xdp_time_cap_ns : VN_SW_XDP_TIME_CAP_DEFAULT;
	opts.cpu_rate = sw->xdp_cpu_rate ? sw->xdp_cpu_rate : VN_SW_XDP_CPU_RATE_DEFAULT;
	opts.cpu_burst = sw->xdp_cpu_burst ? sw->xdp_cpu_burst : VN_SW_XDP_CPU_BURST_DEFAULT;
	pthread_mutex_unlock(&sw->ctl);
	opts.owner = &x->owner;
	/* the object is kept for export, and paid for like the rest */
	rc = vn_bpf_owner_charge(&x->owner, len);
	if (rc) {
		snprintf(err, err_sz, "xdp-offload-mem: the object alone is %zu bytes, limit %zu",
			 len, q->mem);
		free(x);
		return -EDQUOT;
	}
	x->obj_copy = malloc(len ? len : 1);
	if (!x->obj_copy) {
		vn_bpf_owner_uncharge(&x->owner, len);
		free(x);
		return -ENOMEM;
	}
	memcpy(x->obj_copy, obj, len);
	x->obj_len = len;
	/* the loader's first error is the reason the guest reads */
	vn_log_capture_begin(&cap, why, sizeof(why));
	rc = vn_xdp_prog_open_mem(x->obj_copy, len, label, section, &opts, &x->xp);
	vn_log_capture_end(&cap);
	if (rc == -ENOMEM && x->owner.mem_refused) {
		snprintf(err, err_sz, "xdp-offload-mem: loading needs at least %zu bytes, limit %zu",
			 x->owner.mem_refused, q->mem);
		rc = -EDQUOT;
	} else if (rc) {
		snprintf(err, err_sz, "%s", why[0] ? why : strerror(-rc));
	} else if (x->xp->obj->nmaps > q->maps) {
		snprintf(err, err_sz, "xdp-offload-maps: object has %u maps, limit %u",
			 x->xp->obj->nmaps, q->maps);
		rc = -EDQUOT;
	} else if (x->xp->prog->n > q->insns) {
		snprintf(err, err_sz, "xdp-offload-insns: program has %zu instructions, limit %u",
			 x->xp->prog->n, q->insns);
		rc = -EDQUOT;
	}
	/* the maps' contents (an import) before any worker can run it */
	if (!rc && fill)
		rc = fill(arg, x->xp, err, err_sz);
	if (rc) {
		sw_xdp_free(x);
		return rc;
	}
	pthread_mutex_lock(&sw->ctl);
	sp = sw_port_find_locked(sw, port);
	if (!sp) {
		pthread_mutex_unlock(&sw->ctl);
		snprintf(err, err_sz, "no port '%s'", port);
		sw_xdp_free(x);
		return -ENOENT;
	}
	x->port_id = sp->port->id;
	if (sw_slot_swap(sw, (void **)&sp->guest, x, (void **)&old, "guest XDP program"))
		old = NULL;	/* a worker may still run it: leaked */
	pthread_mutex_unlock(&sw->ctl);
	vn_info("port '%s': guest XDP program %s loaded (%zu instructions, %u maps, %zu bytes%s)",
		port, x->xp->name, x->xp->prog->n, x->xp->obj->nmaps,
		__atomic_load_n(&x->owner.mem_used, __ATOMIC_RELAXED),
		flags & VN_SW_XDP_SEGMENT_FIRST ? ", segment-first" : "");
	vn_sw_xdp_put(old);
	return 0;
}

/* The port named @port when it has a guest program, under @ctl; NULL if not */
static struct sw_port *guest_port_locked(struct vn_sw *sw, const char *port)
{
	struct sw_port *sp = sw_port_find_locked(sw, port);

	return sp && sp->guest ? sp : NULL;
}

int vn_sw_xdp_guest_unload(struct vn_sw *sw, const char *port)
{
	struct vn_sw_xdp *old = NULL;
	struct sw_port *sp;

	if (!port)
		return -EINVAL;
	pthread_mutex_lock(&sw->ctl);
	sp = guest_port_locked(sw, port);
	if (sp && sw_slot_swap(sw, (void **)&sp->guest, NULL, (void **)&old, "guest XDP program"))
		old = NULL;	/* a worker may still run it: leaked */
	pthread_mutex_unlock(&sw->ctl);
	if (!sp)
		return -ENOENT;
	vn_info("port '%s': guest XDP program unloaded", port);
	vn_sw_xdp_put(old);
	return 0;
}

int vn_sw_xdp_guest_get(struct vn_sw *sw, const char *port, struct vn_sw_xdp **ref)
{
	struct sw_port *sp;

	if (!port)
		return -EINVAL;
	pthread_mutex_lock(&sw->ctl);
	sp = guest_port_locked(sw, port);
	if (sp) {
		*ref = sp->guest;
		__atomic_add_fetch(&(*ref)->refs, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&sw->ctl);
	return sp ? 0 : -ENOENT;
}

struct vn_xdp_prog *vn_sw_xdp_ref_prog(const struct vn_sw_xdp *ref)
{
	return ref->xp;
}

void vn_sw_xdp_ref_mem(const struct vn_sw_xdp *ref, size_t *used, size_t *limit)
{
	*used = __atomic_load_n(&ref->owner.mem_used, __ATOMIC_RELAXED);
	*limit = ref->owner.mem_limit;
}

const uint8_t *vn_sw_xdp_ref_object(const struct vn_sw_xdp *ref, size_t *len,
				    const char **section, unsigned int *flags)
{
	*len = ref->obj_len;
	*section = ref->section;
	*flags = ref->flags;
	return ref->obj_copy;
}

int vn_sw_xdp_map_find_guest(struct vn_sw *sw, const char *port, const char *map_name,
			     struct vn_map **map, struct vn_sw_xdp **ref)
{
	struct vn_sw_xdp *x;
	struct vn_map *m;
	int rc;

	if (!map_name)
		return -EINVAL;
	rc = vn_sw_xdp_guest_get(sw, port, &x);
	if (rc)
		return rc;
	m = vn_bpf_obj_map_find(x->xp->obj, map_name);
	if (!m) {
		vn_sw_xdp_put(x);
		return -ENOENT;
	}
	*map = m;
	*ref = x;
	return 0;
}

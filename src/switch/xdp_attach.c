// SPDX-License-Identifier: MIT
/* xdp_attach.c - XDP programs at a port's ingress and egress: specs, attach, detach, list
 *
 * Attach and detach while the workers run: each port has one attachment
 * pointer per direction (struct sw_port.xdp[]). A worker loads it once per
 * burst (ingress) or per frame (egress) with an acquire load and never keeps
 * it past the end of its loop iteration. The control thread (holding the
 * switch's control lock) loads and validates the new program first, swaps
 * the pointer with a release store, and then waits for a grace period
 * (sw_grace_period(): a new port-table generation that every worker adopts
 * at the top of its next iteration, or that the control thread adopts for a
 * worker that is not running). After it no worker can hold the old pointer,
 * and the old attachment loses its port reference. That is RCU with
 * "between two loop iterations" as the quiescent state, the same mechanism
 * the switch uses for hot port add/delete, so a worker never takes a lock
 * or an atomic read-modify-write on the datapath for XDP.
 * Attachments are reference counted (atomic): the port slot holds one, and
 * vn_sw_xdp_map_find() hands out more, so a map a control client is reading
 * outlives a detach. The program's maps are shared by all workers and are
 * safe for that (src/bpf/map.h); each worker has its own run context and
 * counters in the program (vn_xdp_run(..., worker)).
 *
 * Memory and time: each attachment has its own struct vn_bpf_owner, capped
 * at the switch's limit when it is loaded (VN_SW_XDP_MEM_DEFAULT unless
 * vn_sw_xdp_set_mem_limit() changed it); maps, instructions and run
 * contexts are charged to it, so one tenant's program cannot grow without
 * bound. Each run has an instruction budget (VN_SW_XDP_BUDGET_DEFAULT,
 * vn_sw_xdp_set_budget()), so a looping program costs its worker a bounded
 * time per frame and its frames end as ABORTED.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/gso.h"
#include "core/log.h"
#include "xdp_hook_internal.h"

void sw_xdp_free(struct vn_sw_xdp *x)
{
	if (x->segs)
		vn_bpf_owner_uncharge(&x->owner, x->segs_sz);
	if (x->obj_copy)
		vn_bpf_owner_uncharge(&x->owner, x->obj_len);
	vn_xdp_prog_close(x->xp);
	free(x->obj_copy);
	free(x->segs);
	free(x);
}

void vn_sw_xdp_put(struct vn_sw_xdp *ref)
{
	if (ref && __atomic_sub_fetch(&ref->refs, 1, __ATOMIC_ACQ_REL) == 0)
		sw_xdp_free(ref);
}

void sw_xdp_port_release(struct sw_port *sp)
{
	for (unsigned int d = 0; d < VN_SW_DIRS; d++) {
		vn_sw_xdp_put(sp->xdp[d]);
		sp->xdp[d] = NULL;
	}
	vn_sw_xdp_put(sp->guest);
	sp->guest = NULL;
}

/* Copy field [b, e) of a spec into @dst (@cap bytes with the NUL) */
static int spec_field(const char *b, const char *e, char *dst, size_t cap, const char *what,
		      char *err, size_t err_sz)
{
	size_t n = (size_t)(e - b);

	/* An empty field ("a::b", a leading or trailing ':') */
	if (!n) {
		snprintf(err, err_sz, "empty %s", what);
		return -EINVAL;
	}
	/* A field longer than what it names can be */
	if (n >= cap) {
		snprintf(err, err_sz, "%s longer than %zu bytes", what, cap - 1);
		return -E2BIG;
	}
	memcpy(dst, b, n);
	dst[n] = '\0';
	return 0;
}

/*
 * A redirect=LIST field's value: "none", or port names separated by ','
 * (each non-empty, shorter than a port name can be, at most
 * VN_SW_XDP_REDIRECT_PORTS of them)
 */
static int redirect_list_check(const char *b, const char *e, char *err, size_t err_sz)
{
	unsigned int n = 0;

	if (e - b == 4 && !strncmp(b, "none", 4))
		return 0;
	for (const char *p = b; ; p++) {
		if (p < e && *p != ',')
			continue;
		/* An empty name ("redirect=", "a,,b", a trailing ',') */
		if (p == b) {
			snprintf(err, err_sz, "empty port name in redirect=");
			return -EINVAL;
		}
		/* A name no port can have */
		if ((size_t)(p - b) >= VN_PORT_NAME_MAX) {
			snprintf(err, err_sz, "redirect= port name longer than %d bytes",
				 VN_PORT_NAME_MAX - 1);
			return -E2BIG;
		}
		if (++n > VN_SW_XDP_REDIRECT_PORTS) {
			snprintf(err, err_sz, "more than %d ports in redirect=",
				 VN_SW_XDP_REDIRECT_PORTS);
			return -E2BIG;
		}
		if (p == e)
			return 0;
		b = p + 1;
	}
}

/* Is field [b, e) the option @name (exactly, or "name=..." when @value)? */
static bool spec_option(const char *b, const char *e, const char *name, bool value)
{
	size_t n = strlen(name);

	if (value)
		return (size_t)(e - b) > n && !strncmp(b, name, n) && b[n] == '=';
	return (size_t)(e - b) == n && !strncmp(b, name, n);
}

/* Peel the trailing options (segment-first, redirect=LIST, each once) off fields @f/@e */
static int spec_options(struct vn_sw_xdp_spec *out, const char **f, const char **e,
			unsigned int *n, char *err, size_t err_sz)
{
	static const char redir[] = "redirect";
	int rc;

	while (*n > 1) {	/* an option where the file belongs is still refused below */
		const char *b = f[*n - 1], *end = e[*n - 1];

		if (spec_option(b, end, "segment-first", false) &&
		    !(out->flags & VN_SW_XDP_SEGMENT_FIRST)) {
			out->flags |= VN_SW_XDP_SEGMENT_FIRST;
		} else if (spec_option(b, end, redir, true) && !out->has_redirect) {
			b += sizeof(redir);
			rc = redirect_list_check(b, end, err, err_sz);
			if (!rc)
				rc = spec_field(b, end, out->redirect, sizeof(out->redirect),
						"redirect list", err, err_sz);
			if (rc)
				return rc;
			out->has_redirect = true;
		} else {
			return 0;
		}
		(*n)--;
	}
	return 0;
}

int vn_sw_xdp_spec_parse(const char *spec, struct vn_sw_xdp_spec *out, char *err, size_t err_sz)
{
	static const char *const what[] = { "port", "direction", "file", "section" };
	static const char usage[] =
		"expected PORT:ingress|egress:FILE.o[:SECTION][:segment-first][:redirect=P1,P2|none]";
	const char *f[6], *e[6], *p;
	char dir[16], dummy[1];
	unsigned int n = 0;
	int rc;

	if (!err || !err_sz) {
		err = dummy;
		err_sz = sizeof(dummy);
	}
	memset(out, 0, sizeof(*out));
	f[0] = spec;
	for (p = spec; ; p++) {
		if (*p != ':' && *p)
			continue;
		e[n++] = p;
		if (!*p)
			break;
		/* More fields than PORT:DIR:FILE:SECTION:FLAG:REDIRECT */
		if (n == 6) {
			snprintf(err, err_sz, "too many ':' fields");
			return -EINVAL;
		}
		f[n] = p + 1;
	}
	if (n < 3) {
		snprintf(err, err_sz, "%s", usage);
		return -EINVAL;
	}
	rc = spec_options(out, f, e, &n, err, err_sz);
	if (rc)
		return rc;
	/* Fields left past the section that are not options, or an option twice */
	if (n < 3 || n > 4 ||
	    (n == 4 && (spec_option(f[3], e[3], "segment-first", false) ||
			spec_option(f[3], e[3], "redirect", true)))) {
		snprintf(err, err_sz, "%s", usage);
		return -EINVAL;
	}
	rc = spec_field(f[0], e[0], out->port, sizeof(out->port), what[0], err, err_sz);
	if (!rc)
		rc = spec_field(f[1], e[1], dir, sizeof(dir), what[1], err, err_sz);
	if (!rc && vn_sw_dir_parse(dir, &out->dir)) {
		snprintf(err, err_sz, "direction '%s': expected ingress or egress", dir);
		rc = -EINVAL;
	}
	if (!rc)
		rc = spec_field(f[2], e[2], out->path, sizeof(out->path), what[2], err, err_sz);
	if (!rc && n == 4)
		rc = spec_field(f[3], e[3], out->section, sizeof(out->section), what[3], err,
				err_sz);
	return rc;
}

/*
 * Resolve a redirect= list (NULL: every port) into @x's bits; every name
 * must be a port now. Control lock held.
 */
static int redirect_resolve(struct vn_sw *sw, struct vn_sw_xdp *x, const char *list, char *err,
			    size_t err_sz)
{
	char name[VN_PORT_NAME_MAX];
	const char *b = list, *p;

	x->redirect_all = !list;
	memset(x->redirect_ok, 0, sizeof(x->redirect_ok));
	snprintf(x->redirect, sizeof(x->redirect), "%s", list ? list : "");
	if (!list || !strcmp(list, "none"))
		return 0;
	for (p = list; ; p++) {
		struct sw_port *sp;
		size_t n;

		if (*p && *p != ',')
			continue;
		n = (size_t)(p - b);
		/* A name no port can have (vn_sw_xdp_spec_parse() checks it too) */
		if (!n || n >= sizeof(name)) {
			snprintf(err, err_sz, "bad port name in redirect list");
			return -EINVAL;
		}
		memcpy(name, b, n);
		name[n] = '\0';
		sp = sw_port_find_locked(sw, name);
		if (!sp) {
			snprintf(err, err_sz, "redirect target '%s': no such port", name);
			return -ENOENT;
		}
		x->redirect_ok[sp->port->id / 64] |= 1ull << (sp->port->id % 64);
		if (!*p)
			return 0;
		b = p + 1;
	}
}

void sw_xdp_port_gone(struct vn_sw *sw, uint16_t id)
{
	for (unsigned int p = 0; p < VN_SW_PORTS_MAX; p++) {
		struct sw_port *sp = sw->tbl->ports[p];

		for (unsigned int d = 0; sp && d < VN_SW_DIRS; d++) {
			struct vn_sw_xdp *x = sp->xdp[d];

			if (x)
				__atomic_fetch_and(&x->redirect_ok[id / 64], ~(1ull << (id % 64)),
						   __ATOMIC_RELAXED);
		}
	}
}


/* The program from @fd when it is >= 0 (@obj_path only names it), else from @obj_path */
static int prog_load(int fd, const char *obj_path, const char *section,
		     const struct vn_xdp_opts *opts, struct vn_xdp_prog **xp)
{
	const char *base = strrchr(obj_path, '/');
	size_t len;
	void *buf;
	int rc;

	if (fd < 0)
		return vn_xdp_prog_open_file(obj_path, section, opts, xp);
	rc = vn_bpf_obj_read_fd(fd, obj_path, opts->class == VN_XDP_CLASS_RESTRICTED ?
				VN_BPF_OBJ_SIZE_GUEST : VN_BPF_OBJ_SIZE_MAX, &buf, &len);
	if (rc)
		return rc;
	rc = vn_xdp_prog_open_mem(buf, len, base ? base + 1 : obj_path, section, opts, xp);
	free(buf);
	return rc;
}


int vn_sw_xdp_attach_spec(struct vn_sw *sw, const struct vn_sw_xdp_spec *xs,
			  unsigned int flags, char *err, size_t err_sz)
{
	struct vn_sw_xdp_opts o = {
		.flags = xs->flags | flags,
		.redirect = xs->has_redirect ? xs->redirect : NULL,
	};

	return vn_sw_xdp_attach_opts(sw, xs->port, xs->dir, xs->path,
				     xs->section[0] ? xs->section : NULL, &o, err, err_sz);
}

int vn_sw_xdp_attach_opts(struct vn_sw *sw, const char *port, enum vn_sw_dir dir,
			  const char *obj_path, const char *section,
			  const struct vn_sw_xdp_opts *o, char *err, size_t err_sz)
{
	struct vn_xdp_opts opts = { .nworkers = sw->cfg.workers };
	unsigned int flags = o->flags;
	struct vn_sw_xdp *x, *old;
	struct sw_port *sp;
	char dummy[1];
	int rc;

	sw_err_init(&err, &err_sz, dummy);
	if ((unsigned int)dir >= VN_SW_DIRS || (flags & ~VN_SW_XDP_FLAGS_ALL) || !port ||
	    !obj_path) {
		snprintf(err, err_sz, "bad direction, flags or arguments");
		return -EINVAL;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->refs = 1;
	x->flags = flags & VN_SW_XDP_SEGMENT_FIRST;
	x->dir = dir;
	snprintf(x->port, sizeof(x->port), "%s", port);
	snprintf(x->path, sizeof(x->path), "%s", obj_path);
	pthread_mutex_lock(&sw->ctl);
	x->owner.mem_limit = sw->xdp_mem_limit ? sw->xdp_mem_limit : VN_SW_XDP_MEM_DEFAULT;
	opts.budget = sw->xdp_budget ? sw->xdp_budget : VN_SW_XDP_BUDGET_DEFAULT;
	opts.time_cap_ns = sw->xdp_time_cap_ns ? sw->xdp_time_cap_ns : VN_SW_XDP_TIME_CAP_DEFAULT;
	opts.cpu_rate = sw->xdp_cpu_rate ? sw->xdp_cpu_rate : VN_SW_XDP_CPU_RATE_DEFAULT;
	opts.cpu_burst = sw->xdp_cpu_burst ? sw->xdp_cpu_burst : VN_SW_XDP_CPU_BURST_DEFAULT;
	pthread_mutex_unlock(&sw->ctl);
	opts.class = o->class;
	opts.owner = &x->owner;
	/* the hook runs other people's programs: JIT constants are blinded */
	opts.vm_flags = VN_BPF_F_HARDEN;
	/* Loaded and validated before the port is even looked at: a bad
	 * object changes nothing */
	rc = prog_load(o->from_fd ? o->fd : -1, obj_path, section, &opts, &x->xp);
	if (rc) {
		snprintf(err, err_sz, "%s%s%s: cannot load: %s%s", obj_path, section ? ":" : "",
			 section ? section : "", strerror(-rc),
			 rc == -ENOMEM ? " (memory cap)" : "");
		sw_xdp_free(x);
		return rc;
	}
	if (dir == VN_SW_INGRESS) {
		/* segment-first scratch, charged like the run contexts */
		x->segs_sz = (size_t)sw->cfg.workers * SW_SEGS_MAX * sizeof(*x->segs);
		rc = vn_bpf_owner_charge(&x->owner, x->segs_sz);
		if (!rc) {
			x->segs = calloc(1, x->segs_sz);
			rc = x->segs ? 0 : -ENOMEM;
		}
		if (rc) {
			snprintf(err, err_sz, "%s: no memory for %u workers' segment scratch "
				 "(memory cap %zu bytes)", obj_path, sw->cfg.workers,
				 x->owner.mem_limit);
			sw_xdp_free(x);
			return rc;
		}
	}
	pthread_mutex_lock(&sw->ctl);
	sp = sw_port_find_locked(sw, port);
	rc = -ENOENT;
	if (!sp) {
		snprintf(err, err_sz, "no port '%s'", port);
		goto fail;
	}
	rc = -EEXIST;
	if (sp->xdp[dir] && !(flags & VN_SW_XDP_REPLACE)) {
		snprintf(err, err_sz, "port '%s' already has an %s program (%s)", port,
			 vn_sw_dir_name(dir), sp->xdp[dir]->xp->name);
		goto fail;
	}
	/* restricted (guest) programs redirect nowhere unless given a list */
	rc = redirect_resolve(sw, x, o->redirect ? o->redirect :
				 o->class == VN_XDP_CLASS_RESTRICTED ? "none" : NULL, err, err_sz);
	if (rc)
		goto fail;
	x->port_id = sp->port->id;
	if (sw_slot_swap(sw, (void **)&sp->xdp[dir], x, (void **)&old, "XDP program"))
		old = NULL;	/* a worker may still run it: leaked */
	pthread_mutex_unlock(&sw->ctl);
	vn_info("port '%s': %s XDP program %s attached%s", port, vn_sw_dir_name(dir), x->xp->name,
		flags & VN_SW_XDP_SEGMENT_FIRST ? " (segment-first)" : "");
	vn_sw_xdp_put(old);
	return 0;
fail:
	pthread_mutex_unlock(&sw->ctl);
	sw_xdp_free(x);
	return rc;
}

int vn_sw_xdp_attach(struct vn_sw *sw, const char *port, enum vn_sw_dir dir,
		     const char *obj_path, const char *section, unsigned int flags, char *err,
		     size_t err_sz)
{
	struct vn_sw_xdp_opts o = { .flags = flags };

	return vn_sw_xdp_attach_opts(sw, port, dir, obj_path, section, &o, err, err_sz);
}

int vn_sw_xdp_attach_fd(struct vn_sw *sw, const char *port, enum vn_sw_dir dir, int fd,
			const char *label, const char *section, unsigned int flags, char *err,
			size_t err_sz)
{
	struct vn_sw_xdp_opts o = { .flags = flags, .from_fd = true, .fd = fd };

	if (fd < 0) {
		if (err && err_sz)
			snprintf(err, err_sz, "no object file descriptor");
		return -EBADF;
	}
	return vn_sw_xdp_attach_opts(sw, port, dir, label, section, &o, err, err_sz);
}

int vn_sw_xdp_detach(struct vn_sw *sw, const char *port, enum vn_sw_dir dir)
{
	struct vn_sw_xdp *old = NULL;
	struct sw_port *sp;
	int rc = -ENOENT;

	if ((unsigned int)dir >= VN_SW_DIRS || !port)
		return -EINVAL;
	pthread_mutex_lock(&sw->ctl);
	sp = sw_port_find_locked(sw, port);
	if (sp && sp->xdp[dir]) {
		if (sw_slot_swap(sw, (void **)&sp->xdp[dir], NULL, (void **)&old, "XDP program"))
			old = NULL;	/* a worker may still run it: leaked */
		rc = 0;
	}
	pthread_mutex_unlock(&sw->ctl);
	if (!rc)
		vn_info("port '%s': %s XDP program detached", port, vn_sw_dir_name(dir));
	vn_sw_xdp_put(old);
	return rc;
}

int vn_sw_xdp_foreach(struct vn_sw *sw, int (*cb)(const struct vn_sw_xdp_info *info, void *arg),
		      void *arg)
{
	struct vn_sw_xdp_info info;
	int rc = 0;

	pthread_mutex_lock(&sw->ctl);
	for (unsigned int id = 0; id < VN_SW_PORTS_MAX && !rc; id++) {
		struct sw_port *sp = sw->tbl->ports[id];

		/* the operator's, then the guest's (which runs after it at egress) */
		for (unsigned int d = 0; sp && d <= VN_SW_DIRS && !rc; d++) {
			struct vn_sw_xdp *x = d < VN_SW_DIRS ? sp->xdp[d] : sp->guest;

			if (!x)
				continue;
			memset(&info, 0, sizeof(info));
			info.port = sp->port->name;
			info.port_id = sp->port->id;
			info.dir = x->dir;
			info.guest = x->guest;
			info.section = x->section;
			info.insns = x->xp->prog->n;
			info.prog = x->xp->name;
			info.path = x->path;
			info.flags = x->flags;
			info.redirect = x->redirect_all ? NULL : x->redirect;
			info.jited = vn_xdp_prog_jited(x->xp);
			vn_xdp_stats_sum(x->xp, &info.stats);
			info.mem_used = __atomic_load_n(&x->owner.mem_used, __ATOMIC_RELAXED);
			info.mem_limit = x->owner.mem_limit;
			info.obj = x->xp->obj;
			rc = cb(&info, arg);
		}
	}
	pthread_mutex_unlock(&sw->ctl);
	return rc;
}

int vn_sw_xdp_map_find(struct vn_sw *sw, const char *port, enum vn_sw_dir dir,
		       const char *map_name, struct vn_map **map, struct vn_sw_xdp **ref)
{
	struct sw_port *sp;
	struct vn_map *m = NULL;
	int rc = -ENOENT;

	if ((unsigned int)dir >= VN_SW_DIRS || !port || !map_name)
		return -EINVAL;
	pthread_mutex_lock(&sw->ctl);
	sp = sw_port_find_locked(sw, port);
	if (sp && sp->xdp[dir])
		m = vn_bpf_obj_map_find(sp->xdp[dir]->xp->obj, map_name);
	if (m) {
		__atomic_add_fetch(&sp->xdp[dir]->refs, 1, __ATOMIC_RELAXED);
		*ref = sp->xdp[dir];
		*map = m;
		rc = 0;
	}
	pthread_mutex_unlock(&sw->ctl);
	return rc;
}

void vn_sw_xdp_set_mem_limit(struct vn_sw *sw, size_t bytes)
{
	pthread_mutex_lock(&sw->ctl);
	sw->xdp_mem_limit = bytes;
	pthread_mutex_unlock(&sw->ctl);
}

void vn_sw_xdp_set_budget(struct vn_sw *sw, uint64_t insns)
{
	pthread_mutex_lock(&sw->ctl);
	sw->xdp_budget = insns;
	pthread_mutex_unlock(&sw->ctl);
}

void vn_sw_xdp_set_cpu(struct vn_sw *sw, uint64_t time_cap_ns, uint64_t rate, uint64_t burst)
{
	pthread_mutex_lock(&sw->ctl);
	sw->xdp_time_cap_ns = time_cap_ns;
	sw->xdp_cpu_rate = rate;
	sw->xdp_cpu_burst = burst;
	pthread_mutex_unlock(&sw->ctl);
}

size_t vn_sw_xdp_mem_limit(struct vn_sw *sw)
{
	size_t v;

	pthread_mutex_lock(&sw->ctl);
	v = sw->xdp_mem_limit ? sw->xdp_mem_limit : VN_SW_XDP_MEM_DEFAULT;
	pthread_mutex_unlock(&sw->ctl);
	return v;
}

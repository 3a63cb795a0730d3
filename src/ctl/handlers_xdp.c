// SPDX-License-Identifier: MIT
/* handlers_xdp.c - control commands: XDP programs (attach, detach, list, export, import) */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "bpf/map_btf.h"
#include "capture_sess.h"
#include "config.h"
#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "ctl.h"
#include "handlers_internal.h"
#include "port/port.h"
#include "switch/fdb.h"
#include "switch/sw.h"
#include "switch/xdp_hook.h"
#include "xo_migrate.h"
#include "xo_srv.h"

/*
 * The object comes through the descriptor vnetctl opened (the path is only
 * its label), or, for a config file line, from the path relative to the
 * config file's directory. A path alone over the socket is refused: the
 * daemon does not open files a client names.
 */
int vn_ctl_h_xdp_attach(struct vn_ctl_call *call)
{
	const char *spec = vn_ctl_arg_str(call->args, "spec"), *section, *file;
	char path[VN_SW_XDP_PATH_MAX + 4096];
	struct vn_sw_xdp_opts o = { 0 };
	struct vn_sw_xdp_spec xs;
	struct json_object *v;
	unsigned int flags;
	int ret;

	ret = vn_sw_xdp_spec_parse(spec, &xs, call->msg, call->msglen);
	if (ret)
		return ret;
	flags = xs.flags;
	if (json_object_object_get_ex(call->args, "replace", &v) && json_object_get_boolean(v))
		flags |= VN_SW_XDP_REPLACE;
	o.flags = flags;
	o.redirect = xs.has_redirect ? xs.redirect : NULL;
	section = xs.section[0] ? xs.section : NULL;
	if (call->ctl->req_fd >= 0) {
		o.from_fd = true;
		o.fd = call->ctl->req_fd;
		file = xs.path;	/* only its label */
	} else if (call->ctl->cfg_dir) {
		/* an absolute path too long with the directory is refused below */
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", xs.path[0] == '/' ? "" :
				     call->ctl->cfg_dir, xs.path[0] == '/' ? "" : "/", xs.path) >=
		    sizeof(path)) {
			snprintf(call->msg, call->msglen, "%s: path too long with the config's directory",
				 xs.path);
			return -ENAMETOOLONG;
		}
		file = path;
	} else {
		snprintf(call->msg, call->msglen, "%s: the object file must come open with the request "
			 "(vnetctl opens it and passes the descriptor); vnetd opens no path "
			 "a client names", xs.path);
		return -EBADF;
	}
	ret = vn_sw_xdp_attach_opts(call->ctl->sw, xs.port, xs.dir, file, section, &o, call->msg,
				    call->msglen);
	/* a load failure: the object loader logged why (captured), say it here */
	if (ret && call->ctl->why[0])
		snprintf(call->msg, call->msglen, "%.400s%s%s: cannot load: %s", xs.path,
			 xs.section[0] ? ":" : "", xs.section, call->ctl->why);
	if (ret)
		return ret;
	call->result = json_object_new_object();
	json_object_object_add(call->result, "port", json_object_new_string(xs.port));
	json_object_object_add(call->result, "dir", json_object_new_string(vn_sw_dir_name(xs.dir)));
	json_object_object_add(call->result, "file", json_object_new_string(xs.path));
	return 0;
}

/*
 * DIR of an XDP command: ingress, egress, or egress-guest (the program the
 * port's guest loaded through its offload channel, which runs at egress
 * after the operator's)
 */
int vn_ctl_dir_arg(struct json_object *args, enum vn_sw_dir *dir, bool *guest, char *msg,
		   size_t msglen)
{
	const char *s = vn_ctl_arg_str(args, "dir");

	*guest = s && !strcmp(s, "egress-guest");
	if (*guest) {
		*dir = VN_SW_EGRESS;
		return 0;
	}
	if (!s || vn_sw_dir_parse(s, dir)) {
		snprintf(msg, msglen, "direction \"%s\": expected ingress, egress or egress-guest",
			 s ? s : "");
		return -EINVAL;
	}
	return 0;
}

static const char *slot_name(enum vn_sw_dir dir, bool guest)
{
	return guest ? "egress-guest" : vn_sw_dir_name(dir);
}

int vn_ctl_h_xdp_detach(struct vn_ctl_call *call)
{
	const char *name = vn_ctl_arg_str(call->args, "port");
	enum vn_sw_dir dir;
	bool guest;
	int ret;

	ret = vn_ctl_dir_arg(call->args, &dir, &guest, call->msg, call->msglen);
	if (ret)
		return ret;
	ret = guest ? vn_sw_xdp_guest_unload(call->ctl->sw, name) :
		      vn_sw_xdp_detach(call->ctl->sw, name, dir);
	if (ret) {
		snprintf(call->msg, call->msglen, "port \"%s\" has no %s XDP program", name,
			 guest ? "guest" : vn_sw_dir_name(dir));
		return ret;
	}
	call->result = json_object_new_object();
	json_object_object_add(call->result, "port", json_object_new_string(name));
	json_object_object_add(call->result, "dir", json_object_new_string(slot_name(dir, guest)));
	return 0;
}

static int xdp_one(const struct vn_sw_xdp_info *info, void *arg)
{
	struct json_object *arr = arg, *o = json_object_new_object();
	struct json_object *c = json_object_new_object(), *maps = json_object_new_array();

	json_object_object_add(o, "port", json_object_new_string(info->port));
	json_object_object_add(o, "dir", json_object_new_string(vn_sw_dir_name(info->dir)));
	json_object_object_add(o, "prog", json_object_new_string(info->prog));
	json_object_object_add(o, "file", json_object_new_string(info->path));
	json_object_object_add(o, "segment_first",
			       json_object_new_boolean(info->flags & VN_SW_XDP_SEGMENT_FIRST));
	json_object_object_add(o, "redirect",
			       json_object_new_string(info->redirect ? info->redirect : "all"));
	json_object_object_add(o, "engine", json_object_new_string(info->jited ? "jit" : "interp"));
	json_object_object_add(o, "mem_used", json_object_new_int64((int64_t)info->mem_used));
	json_object_object_add(o, "mem_limit", json_object_new_int64((int64_t)info->mem_limit));
	json_object_object_add(o, "owner", json_object_new_string(info->guest ? "guest" :
								    "operator"));
	json_object_object_add(o, "insns", json_object_new_int64((int64_t)info->insns));
	if (info->guest)
		json_object_object_add(o, "section", json_object_new_string(info->section));
	for (unsigned int i = 0; i < VN_XDP_NSTATS; i++) {
		uint64_t val;

		memcpy(&val, (const uint8_t *)&info->stats + vn_xdp_stats_desc[i].off, sizeof(val));
		json_object_object_add(c, vn_xdp_stats_desc[i].name,
				       json_object_new_int64((int64_t)val));
	}
	json_object_object_add(o, "counters", c);
	for (unsigned int i = 0; info->obj && i < info->obj->nmaps; i++)
		json_object_array_add(maps, json_object_new_string(info->obj->maps[i].name));
	json_object_object_add(o, "maps", maps);
	json_object_array_add(arr, o);
	return 0;
}

int vn_ctl_h_xdp_list(struct vn_ctl_call *call)
{
	call->result = json_object_new_array();
	vn_sw_xdp_foreach(call->ctl->sw, xdp_one, call->result);
	return 0;
}

/**
 * xo_move() - xdp export or import: move the guest slot's program and maps
 * @call:	the call (FILE came open with the request: call->ctl->req_fd)
 * @import:	true: read FILE into the slot; false: write the slot to FILE
 *
 * The reply is {"port": PORT, "file": FILE}.
 *
 * Return: 0, or a negative errno with call->msg saying why
 */
static int xo_move(struct vn_ctl_call *call, bool import)
{
	const char *port = vn_ctl_arg_str(call->args, "port");
	const char *file = vn_ctl_arg_str(call->args, "file");
	enum vn_sw_dir dir;
	bool guest;
	int ret = vn_ctl_dir_arg(call->args, &dir, &guest, call->msg, call->msglen);

	if (ret)
		return ret;
	/* the guest slot only */
	if (dir != VN_SW_EGRESS) {
		snprintf(call->msg, call->msglen,
			 "only a guest's program moves: DIR is egress or egress-guest");
		return -EINVAL;
	}
	if (call->ctl->req_fd < 0) {
		snprintf(call->msg, call->msglen, "%s: the file must come open with the request "
			 "(vnetctl opens it); vnetd opens no path a client names", file);
		return -EBADF;
	}
	call->msg[0] = '\0';
	ret = (import ? vn_xo_import_guest : vn_xo_export_guest)(call->ctl->sw, port,
								 call->ctl->req_fd, call->msg,
								 call->msglen);
	if (ret) {
		if (import && !call->msg[0])
			snprintf(call->msg, call->msglen, "import into \"%s\": %s", port, strerror(-ret));
		return ret;
	}
	if (import)
		vn_info("ctl: port '%s': guest XDP program imported from %s", port, file);
	call->result = json_object_new_object();
	json_object_object_add(call->result, "port", json_object_new_string(port));
	json_object_object_add(call->result, "file", json_object_new_string(file));
	return 0;
}

int vn_ctl_h_xdp_export(struct vn_ctl_call *call)
{
	return xo_move(call, false);
}

int vn_ctl_h_xdp_import(struct vn_ctl_call *call)
{
	return xo_move(call, true);
}

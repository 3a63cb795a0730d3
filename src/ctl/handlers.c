// SPDX-License-Identifier: MIT
/* handlers.c - control commands against the switch, and the daemon's entry points
 *
 * Each handler gets arguments already checked against its schema (cmd.c)
 * and returns a JSON result or a negative errno with a message. They run
 * under ctl->lock, so requests from the socket and from a config file never
 * interleave; the switch's own control lock protects it from the workers.
 * Counters are read racily, as the port API allows.
 *
 * Rates: once a second (the server's tick) every port's packet and byte
 * counters are sampled; the rate shown by "port list" is the difference
 * between the last two samples.
 */
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


const char *vn_ctl_arg_str(struct json_object *args, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(args, key, &v) ? json_object_get_string(v) : NULL;
}

/* The record of @p, reset if the id now belongs to another port. */
void vn_ctl_counters_json(struct json_object *o, const void *st,
			  const struct vn_counter_desc *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		json_object_object_add(o, d[i].name,
				       json_object_new_int64((int64_t)vn_counter_read(st, &d[i])));
}

struct port_rec *vn_ctl_rec_of(struct vn_ctl *ctl, const struct vn_port *p)
{
	struct port_rec *r;

	/* an id outside the switch's table: a bug in a lower layer, not ours to trust */
	if (p->id >= VN_SW_PORTS_MAX)
		return NULL;
	r = &ctl->recs[p->id];
	if (strcmp(r->name, p->name)) {
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%s", p->name);
	}
	return r;
}

/* version and help are answered by server.c */
static const handler_fn handlers[VN_CTL_CMD__MAX] = {
	[VN_CTL_CMD_PORT_ADD] = vn_ctl_h_port_add,
	[VN_CTL_CMD_PORT_DEL] = vn_ctl_h_port_del,
	[VN_CTL_CMD_PORT_LIST] = vn_ctl_h_port_list,
	[VN_CTL_CMD_STATS] = vn_ctl_h_stats,
	[VN_CTL_CMD_WORKER_LIST] = vn_ctl_h_worker_list,
	[VN_CTL_CMD_FDB_SHOW] = vn_ctl_h_fdb_show,
	[VN_CTL_CMD_FDB_FLUSH] = vn_ctl_h_fdb_flush,
	[VN_CTL_CMD_FDB_STATS] = vn_ctl_h_fdb_stats,
	[VN_CTL_CMD_FDB_ADD] = vn_ctl_h_fdb_add,
	[VN_CTL_CMD_FDB_DEL] = vn_ctl_h_fdb_del,
	[VN_CTL_CMD_VLAN_SHOW] = vn_ctl_h_vlan_show,
	[VN_CTL_CMD_XDP_ATTACH] = vn_ctl_h_xdp_attach,
	[VN_CTL_CMD_XDP_EXPORT] = vn_ctl_h_xdp_export,
	[VN_CTL_CMD_XDP_IMPORT] = vn_ctl_h_xdp_import,
	[VN_CTL_CMD_XDP_DETACH] = vn_ctl_h_xdp_detach,
	[VN_CTL_CMD_XDP_LIST] = vn_ctl_h_xdp_list,
	[VN_CTL_CMD_MAP_DUMP] = vn_ctl_h_map_dump,
	[VN_CTL_CMD_MAP_UPDATE] = vn_ctl_h_map_update,
	[VN_CTL_CMD_MAP_DELETE] = vn_ctl_h_map_delete,
	[VN_CTL_CMD_MAP_LIST] = vn_ctl_h_map_list,
	[VN_CTL_CMD_MAP_LOOKUP] = vn_ctl_h_map_lookup,
};

static int run(struct vn_ctl *ctl, const struct vn_ctl_cmd *cmd, struct json_object *args,
	       int fd, const char *cfg_dir, struct json_object **result, char *msg,
	       size_t msglen)
{
	struct vn_log_capture cap;
	struct vn_ctl_call call;
	int ret;

	/* a command in the table without a handler here */
	if (cmd->id >= VN_CTL_CMD__MAX || !handlers[cmd->id]) {
		snprintf(msg, msglen, "command \"%s\" is not served by this daemon", cmd->name);
		return -EOPNOTSUPP;
	}
	pthread_mutex_lock(&ctl->lock);
	ctl->req_fd = fd;
	ctl->cfg_dir = cfg_dir;
	msg[0] = '\0';
	vn_log_capture_begin(&cap, ctl->why, sizeof(ctl->why));
	call = (struct vn_ctl_call){ .ctl = ctl, .args = args, .msg = msg, .msglen = msglen };
	ret = handlers[cmd->id](&call);
	*result = call.result;
	vn_log_capture_end(&cap);
	ctl->req_fd = -1;
	ctl->cfg_dir = NULL;
	/* an error logged by a request that still succeeded belongs in the log */
	if (!ret && ctl->why[0])
		vn_err("%s", ctl->why);
	/* every error reply says why: the handler's words, the layer below's, or errno's */
	if (ret && !msg[0])
		snprintf(msg, msglen, "%s", ctl->why[0] ? ctl->why : strerror(ret < 0 ? -ret : EIO));
	pthread_mutex_unlock(&ctl->lock);
	return ret;
}

static int dispatch(void *ctx, const struct vn_ctl_request *req, struct json_object **result,
		    char *msg, size_t msglen)
{
	int ret = run(ctx, req->cmd, req->args, req->fd, NULL, result, msg, msglen);

	/* the reason went to the client; the log keeps a line of it too */
	if (ret)
		vn_info("ctl: %s refused: %s", req->cmd->name, msg);
	return ret;
}

/* capture.start: the session writes the reply and the stream (capture_sess.c) */
static int stream(void *ctx, const struct vn_ctl_request *req, int fd, char *msg, size_t msglen)
{
	struct vn_ctl *ctl = ctx;
	int ret;

	/* a streaming command in the table that this daemon does not serve */
	if (req->cmd->id != VN_CTL_CMD_CAPTURE_START) {
		snprintf(msg, msglen, "command \"%s\" is not served by this daemon", req->cmd->name);
		return -EOPNOTSUPP;
	}
	pthread_mutex_lock(&ctl->lock);
	ret = vn_ctl_capture_start(ctl->caps, req->id, req->args, fd, msg, msglen);
	pthread_mutex_unlock(&ctl->lock);
	return ret;
}

static int sample_one(struct vn_port *p, void *arg)
{
	struct vn_ctl *ctl = arg;
	struct port_rec *r = vn_ctl_rec_of(ctl, p);
	uint64_t cur[4] = { p->stats.rx_packets, p->stats.rx_bytes, p->stats.tx_packets,
			    p->stats.tx_bytes };
	double t = (double)vn_mono_ns() / 1e9;
	unsigned int i;

	if (!r)
		return 0;
	for (i = 0; i < 4 && r->t > 0 && t > r->t; i++)
		/* rounded like bit rates are shown: one ping over 1.01 s is 1 pps, not 0 */
		r->rate[i] = cur[i] >= r->last[i] ? (uint64_t)((double)(cur[i] - r->last[i]) /
							       (t - r->t) + 0.5) : 0;
	memcpy(r->last, cur, sizeof(cur));
	r->t = t;
	return 0;
}

static void tick(void *ctx)
{
	struct vn_ctl *ctl = ctx;

	pthread_mutex_lock(&ctl->lock);
	vn_sw_port_foreach(ctl->sw, sample_one, ctl);
	vn_xo_srv_tick(ctl->xo);
	pthread_mutex_unlock(&ctl->lock);
}

/* The guest offload channels have work: serve it (bounded, never blocks) */
static void xo_watch(void *ctx)
{
	struct vn_ctl *ctl = ctx;

	pthread_mutex_lock(&ctl->lock);
	vn_xo_srv_events(ctl->xo);
	pthread_mutex_unlock(&ctl->lock);
}

/**
 * vn_ctl_server_start() - Serve the switch on a control socket
 * @sw:		the switch, running or not; outlives the server
 * @path:	socket path, NULL for VN_CTL_SOCK_DEFAULT
 * @out:	the server
 *
 * Return: 0 or a negative errno (see vn_ctl_server_open())
 */
int vn_ctl_server_start(struct vn_sw *sw, const char *path, struct vn_ctl_server **out)
{
	struct vn_ctl_server_conf conf = {
		.path = path ? path : VN_CTL_SOCK_DEFAULT,
		.dispatch = dispatch,
		.stream = stream,
		.tick = tick,
		.watch = xo_watch,
	};
	struct vn_ctl *ctl;
	int ret;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->sw = sw;
	ctl->req_fd = -1;
	ctl->caps = vn_ctl_captures_new(sw);
	ctl->xo = vn_xo_srv_new(sw);
	if (!ctl->caps || !ctl->xo) {
		vn_ctl_captures_free(ctl->caps);
		vn_xo_srv_free(ctl->xo);
		free(ctl);
		return -ENOMEM;
	}
	pthread_mutex_init(&ctl->lock, NULL);
	conf.ctx = ctl;
	conf.watch_fd = vn_xo_srv_fd(ctl->xo);
	ret = vn_ctl_server_open(&conf, out);
	if (ret) {
		vn_xo_srv_free(ctl->xo);
		vn_ctl_captures_free(ctl->caps);
		pthread_mutex_destroy(&ctl->lock);
		free(ctl);
	}
	return ret;
}

/* a config file's run: the control plane and the file's directory */
struct config_ctx {
	struct vn_ctl *ctl;
	const char *dir;
};

static int config_run(const struct vn_ctl_cmd *cmd, struct json_object *args, unsigned int line,
		      void *arg, char *err, size_t errlen)
{
	struct config_ctx *cc = arg;
	struct json_object *result = NULL;
	int ret;

	(void)line;
	ret = run(cc->ctl, cmd, args, -1, cc->dir, &result, err, errlen);
	json_object_put(result);
	return ret;
}

/**
 * vn_ctl_server_config() - Run a config file's commands against the switch
 * @srv:	server from vn_ctl_server_start()
 * @path:	config file
 * @err:	"FILE:LINE: message" on failure
 * @errlen:	its size
 *
 * Return: number of commands run, or a negative errno with @err set
 */
int vn_ctl_server_config(struct vn_ctl_server *srv, const char *path, char *err, size_t errlen)
{
	struct config_ctx cc = { .ctl = vn_ctl_server_ctx(srv) };
	char *copy = strdup(path), *slash;
	int ret;

	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	/* files the config names are relative to its directory */
	slash = strrchr(copy, '/');
	if (!slash)
		snprintf(copy, strlen(path) + 1, ".");
	else if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	cc.dir = copy;
	ret = vn_ctl_config_load(path, config_run, &cc, err, errlen);
	free(copy);
	return ret;
}

/**
 * vn_ctl_server_port_spec() - Remember the spec of a port opened without the server
 * @srv:	server from vn_ctl_server_start()
 * @spec:	the spec the port was opened with; its name= names the port
 */
int vn_ctl_server_port_spec(struct vn_ctl_server *srv, const char *spec, char *err,
			    size_t err_sz)
{
	struct vn_ctl *ctl = vn_ctl_server_ctx(srv);
	struct vn_port_args a;
	struct port_rec *r;
	struct vn_port *p;
	const char *name;
	int ret = 0;

	if (vn_port_args_parse(spec, &a) || !(name = vn_port_arg(&a, "name")))
		return 0;
	pthread_mutex_lock(&ctl->lock);
	p = vn_sw_port_find(ctl->sw, name);
	r = p ? vn_ctl_rec_of(ctl, p) : NULL;
	if (r && !r->spec[0])
		snprintf(r->spec, sizeof(r->spec), "%s", spec);
	if (p)
		ret = vn_xo_srv_port_add(ctl->xo, p, err, err_sz);
	pthread_mutex_unlock(&ctl->lock);
	return ret;
}

/**
 * vn_ctl_server_stop() - Stop serving, close clients, remove the socket
 * @srv:	server, may be NULL
 */
void vn_ctl_server_stop(struct vn_ctl_server *srv)
{
	struct vn_ctl *ctl;

	if (!srv)
		return;
	ctl = vn_ctl_server_ctx(srv);
	vn_ctl_server_close(srv);
	vn_xo_srv_free(ctl->xo);	/* sockets unlinked; programs go with the ports */
	vn_ctl_captures_free(ctl->caps);	/* before the switch goes */
	pthread_mutex_destroy(&ctl->lock);
	free(ctl);
}

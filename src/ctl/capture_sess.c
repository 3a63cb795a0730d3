// SPDX-License-Identifier: MIT
/* capture_sess.c - capture sessions: drain a capture's queues into the client's socket
 *
 * One thread per session (at most VN_CTL_CAPTURES_MAX), so a slow client
 * delays nobody: the control thread handed the socket over, and the workers
 * only ever see the capture's bounded queues (switch/capture.h), which
 * count drops when this thread does not keep up. The thread keeps at most
 * VN_CTL_CAP_OUT_MAX bytes of records unsent; it reads the queues only
 * when that buffer has room, so a client that stops reading costs this
 * buffer and the queues, nothing more.
 *
 * A session ends when COUNT frames went out, when the client shuts down its
 * side or goes away, when its port is deleted, or when the server stops; in all but the last-but-one
 * case an END record (capstream.h) with the counters precedes the close.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "capstream.h"
#include "capture_sess.h"
#include "core/clock.h"
#include "core/log.h"
#include "proto.h"
#include "switch/capture.h"

#define POLL_MS		10	/* queue drain period */
#define SEND_WAIT_MS	2000	/* final flush of a client that stopped reading */

/**
 * struct sess - one capture session
 * @cs:		table
 * @thread:	its thread
 * @fd:		client socket (blocking mode off)
 * @cap:	the capture
 * @count:	frames to send, 0 for no limit
 * @sent:	frames sent (queued into @out)
 * @out:	records not yet sent
 * @olen:	bytes in @out
 * @ooff:	bytes of @out already sent
 * @stop:	set by vn_ctl_captures_free() (atomic)
 * @done:	the thread has finished (atomic): joinable
 */
struct sess {
	struct vn_ctl_captures *cs;
	pthread_t thread;
	int fd;
	struct vn_sw_capture *cap;
	uint64_t count;
	uint64_t sent;
	uint8_t *out;
	size_t olen;
	size_t ooff;
	bool stop;
	bool done;
};

/**
 * struct vn_ctl_captures - the sessions of one server
 * @sw:		switch
 * @lock:	protects @s
 * @s:		slots, NULL when free
 */
struct vn_ctl_captures {
	struct vn_sw *sw;
	pthread_mutex_t lock;
	struct sess *s[VN_CTL_CAPTURES_MAX];
};

/* Send what the socket takes now; -1 when the peer is gone */
static int sess_flush(struct sess *s)
{
	ssize_t n;

	while (s->ooff < s->olen) {
		n = send(s->fd, s->out + s->ooff, s->olen - s->ooff, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		s->ooff += (size_t)n;
	}
	s->olen = s->ooff = 0;
	return 0;
}

/* Flush all, waiting at most @ms for the peer to read */
static int sess_flush_wait(struct sess *s, int ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLOUT };
	uint64_t t0 = vn_mono_ms();

	while (s->ooff < s->olen) {
		if (sess_flush(s))
			return -1;
		if (s->ooff >= s->olen)
			break;
		if (vn_mono_ms() - t0 > (uint64_t)ms)
			return -1;
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

static int rec_out(const struct vn_sw_capture_rec *rec, void *arg)
{
	struct sess *s = arg;
	size_t n = vn_cap_frame_encode(s->out + s->olen, VN_CTL_CAP_OUT_MAX - s->olen, rec->ts_ns,
				       rec->origlen, rec->data, rec->caplen);

	s->olen += n;	/* the caller asked only for records that fit */
	s->sent++;
	return 0;
}

/* Move as many queued frames as surely fit the buffer (and the count) into it */
static unsigned int sess_fill(struct sess *s)
{
	size_t rec_max = VN_CAP_REC_HDR + VN_CAP_FRAME_HDR + vn_sw_capture_snaplen(s->cap);
	uint64_t room = (VN_CTL_CAP_OUT_MAX - s->olen) / rec_max;

	if (s->count && s->count - s->sent < room)
		room = s->count - s->sent;
	if (!room)
		return 0;
	return vn_sw_capture_read(s->cap, rec_out, s, room > 4096 ? 4096 : (unsigned int)room);
}

static void sess_end(struct sess *s, uint32_t reason)
{
	struct vn_sw_capture_stats st;
	long long deadline = (long long)vn_mono_ms() + SEND_WAIT_MS;
	unsigned int n = 1;

	/* Final counters: no frame is added after the detach. A client that
	 * asked to stop gets what was queued first (bounded by the queues and
	 * by SEND_WAIT_MS); after COUNT frames the rest is not wanted. */
	if (!vn_sw_capture_detach(s->cap) && reason != VN_CAP_END_COUNT) {
		while (n && (long long)vn_mono_ms() < deadline) {
			if (VN_CTL_CAP_OUT_MAX - s->olen < VN_CAP_REC_HDR + VN_CAP_FRAME_HDR +
			    vn_sw_capture_snaplen(s->cap) && sess_flush_wait(s, SEND_WAIT_MS))
				return;
			n = sess_fill(s);
		}
	}
	vn_sw_capture_stats(s->cap, &st);
	if (s->ooff >= s->olen)
		s->olen = s->ooff = 0;
	if (VN_CTL_CAP_OUT_MAX - s->olen < VN_CAP_REC_HDR + VN_CAP_END_LEN &&
	    sess_flush_wait(s, SEND_WAIT_MS))
		return;
	if (s->ooff >= s->olen)
		s->olen = s->ooff = 0;
	/* "captured" is what this client got: frames sent */
	s->olen += vn_cap_end_encode(s->out + s->olen, VN_CTL_CAP_OUT_MAX - s->olen,
				     st.matched, s->sent, st.dropped, reason);
	sess_flush_wait(s, SEND_WAIT_MS);
	vn_info("ctl: capture session ended (%s): %" PRIu64 " frames sent, %" PRIu64
		" matched, %" PRIu64 " dropped", reason == VN_CAP_END_COUNT ? "count" :
		reason == VN_CAP_END_CLIENT ? "client" : reason == VN_CAP_END_PORT ? "port deleted" :
		"daemon", s->sent, st.matched, st.dropped);
}

static void *sess_main(void *arg)
{
	struct sess *s = arg;
	struct vn_sw_capture *cap;
	struct pollfd p = { .fd = s->fd };
	uint32_t reason = VN_CAP_END_DAEMON;
	bool gone = false;
	char junk[256];
	ssize_t n;

	for (;;) {
		if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
			break;
		if (vn_sw_capture_port_gone(s->cap)) {
			reason = VN_CAP_END_PORT;
			break;
		}
		if (s->count && s->sent >= s->count && s->ooff >= s->olen) {
			reason = VN_CAP_END_COUNT;
			break;
		}
		p.events = POLLIN | (s->ooff < s->olen ? POLLOUT : 0);
		if (poll(&p, 1, POLL_MS) < 0 && errno != EINTR)
			break;
		if (p.revents & (POLLERR | POLLNVAL)) {
			gone = true;
			break;
		}
		if (p.revents & (POLLIN | POLLHUP)) {
			/* the client sends nothing after its request: EOF ends it */
			n = recv(s->fd, junk, sizeof(junk), MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				reason = VN_CAP_END_CLIENT;
				gone = n < 0;
				break;
			}
		}
		sess_fill(s);
		if (sess_flush(s)) {
			gone = true;
			break;
		}
	}
	if (!gone)
		sess_end(s, reason);
	/* vn_ctl_captures_counters() reads s->cap under the table's lock */
	pthread_mutex_lock(&s->cs->lock);
	cap = s->cap;
	s->cap = NULL;
	pthread_mutex_unlock(&s->cs->lock);
	vn_sw_capture_close(cap);
	close(s->fd);
	s->fd = -1;
	/* an ended session keeps only its small struct until it is reaped */
	free(s->out);
	s->out = NULL;
	__atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void sess_free(struct sess *s)
{
	pthread_join(s->thread, NULL);
	free(s->out);
	free(s);
}

/* Join sessions that ended; @cs->lock held */
static void reap_locked(struct vn_ctl_captures *cs)
{
	for (unsigned int i = 0; i < VN_CTL_CAPTURES_MAX; i++) {
		if (cs->s[i] && __atomic_load_n(&cs->s[i]->done, __ATOMIC_ACQUIRE)) {
			sess_free(cs->s[i]);
			cs->s[i] = NULL;
		}
	}
}

void vn_ctl_captures_counters(struct vn_ctl_captures *cs, const char *port, struct json_object *o)
{
	const struct vn_counter_desc *d = vn_sw_capture_counter_descs;

	pthread_mutex_lock(&cs->lock);
	for (unsigned int i = 0; i < VN_CTL_CAPTURES_MAX; i++) {
		struct sess *s = cs->s[i];
		struct vn_sw_capture_stats st;

		for (unsigned int dir = 0; s && s->cap && dir < VN_SW_DIRS; dir++) {
			if (!vn_sw_capture_is_on(s->cap, port, dir))
				continue;
			vn_sw_capture_stats(s->cap, &st);
			for (unsigned int k = 0; k < VN_SW_CAPTURE_NCOUNTERS; k++) {
				char name[64];

				snprintf(name, sizeof(name), "capture_%s_%s", vn_sw_dir_name(dir),
					 d[k].name);
				json_object_object_add(o, name, json_object_new_int64(
					(int64_t)vn_counter_read(&st, &d[k])));
			}
		}
	}
	pthread_mutex_unlock(&cs->lock);
}

struct vn_ctl_captures *vn_ctl_captures_new(struct vn_sw *sw)
{
	struct vn_ctl_captures *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return NULL;
	cs->sw = sw;
	pthread_mutex_init(&cs->lock, NULL);
	return cs;
}

static int64_t arg_int(struct json_object *args, const char *key, int64_t dflt)
{
	struct json_object *v;

	return json_object_object_get_ex(args, key, &v) ? json_object_get_int64(v) : dflt;
}

static const char *arg_str(struct json_object *args, const char *key, const char *dflt)
{
	struct json_object *v;

	return json_object_object_get_ex(args, key, &v) ? json_object_get_string(v) : dflt;
}

/* The reply line, written before any record (blocking up to SEND_WAIT_MS) */
static int sess_reply(struct sess *s, int64_t id)
{
	struct json_object *r = json_object_new_object();
	size_t len;
	char *line;

	json_object_object_add(r, "stream", json_object_new_string(VN_CAP_STREAM_NAME));
	json_object_object_add(r, "linktype", json_object_new_int(1));	/* DLT_EN10MB */
	json_object_object_add(r, "snaplen",
			       json_object_new_int64(vn_sw_capture_snaplen(s->cap)));
	line = vn_ctl_reply_ok(id, r, &len);
	/* a reply line is a few dozen bytes: it always fits the buffer */
	if (!line || len > VN_CTL_CAP_OUT_MAX) {
		free(line);
		return -ENOMEM;
	}
	memcpy(s->out, line, len);
	s->olen = len;
	free(line);
	return sess_flush_wait(s, SEND_WAIT_MS) ? -EPIPE : 0;
}

int vn_ctl_capture_start(struct vn_ctl_captures *cs, int64_t id, struct json_object *args,
			 int fd, char *msg, size_t msglen)
{
	const char *dirs = arg_str(args, "dir", "ingress");
	enum vn_sw_dir dir;
	struct sess *s;
	unsigned int slot;
	int ret;

	if (vn_sw_dir_parse(dirs, &dir)) {
		snprintf(msg, msglen, "direction '%s': expected ingress or egress", dirs);
		return -EINVAL;
	}
	pthread_mutex_lock(&cs->lock);
	reap_locked(cs);
	for (slot = 0; slot < VN_CTL_CAPTURES_MAX && cs->s[slot]; slot++)
		;
	pthread_mutex_unlock(&cs->lock);
	if (slot == VN_CTL_CAPTURES_MAX) {
		snprintf(msg, msglen, "%d captures already running", VN_CTL_CAPTURES_MAX);
		return -EBUSY;
	}
	s = calloc(1, sizeof(*s));
	if (s)
		s->out = malloc(VN_CTL_CAP_OUT_MAX);
	if (!s || !s->out) {
		if (s)
			free(s);
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	s->cs = cs;
	s->fd = fd;
	s->count = (uint64_t)arg_int(args, "count", 0);
	ret = vn_sw_capture_open(cs->sw, arg_str(args, "port", ""), dir, arg_str(args, "filter", ""),
				 (uint32_t)arg_int(args, "snaplen", 0), &s->cap, msg, msglen);
	if (!ret) {
		ret = sess_reply(s, id);
		if (ret)
			snprintf(msg, msglen, "client went away");
	}
	if (!ret) {
		pthread_mutex_lock(&cs->lock);
		/* only the control thread starts sessions: the slot is still free */
		cs->s[slot] = s;
		ret = -pthread_create(&s->thread, NULL, sess_main, s);
		if (ret)
			cs->s[slot] = NULL;
		pthread_mutex_unlock(&cs->lock);
		if (ret)
			snprintf(msg, msglen, "cannot start a thread: %s", strerror(-ret));
	}
	if (ret) {
		vn_sw_capture_close(s->cap);
		free(s->out);
		free(s);
	}
	return ret;
}

void vn_ctl_captures_free(struct vn_ctl_captures *cs)
{
	if (!cs)
		return;
	struct sess *all[VN_CTL_CAPTURES_MAX];

	pthread_mutex_lock(&cs->lock);
	for (unsigned int i = 0; i < VN_CTL_CAPTURES_MAX; i++) {
		all[i] = cs->s[i];
		cs->s[i] = NULL;
		if (all[i])
			__atomic_store_n(&all[i]->stop, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&cs->lock);
	/* joined without the lock: a session ending takes it (s->cap) */
	for (unsigned int i = 0; i < VN_CTL_CAPTURES_MAX; i++)
		if (all[i])
			sess_free(all[i]);
	pthread_mutex_destroy(&cs->lock);
	free(cs);
}

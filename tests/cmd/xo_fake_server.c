// SPDX-License-Identifier: MIT
/* xo_fake_server.c - an in-process offload server for vnet-offload's tests */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "ctl/xo_conn.h"
#include "xo_fake_server.h"

#define FLOWS_MAX	16
#define DUMP_PAGE	2

static struct {
	pthread_t thr;
	int lfd;
	volatile int stop;
	char path[108];
	unsigned int delay_ms;
	bool loaded;
	char section[VN_XO_NAME_MAX + 1];
	uint64_t drops;			/* icmp_drops[0] */
	uint32_t fk[FLOWS_MAX], fv[FLOWS_MAX];
	bool fused[FLOWS_MAX];
	uint64_t requests, loads;
} S;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int err(struct vn_xo_msg *r, int e, const char *text)
{
	snprintf(r->text, sizeof(r->text), "%s", text);
	return -e;
}

/* 0 icmp_drops, 1 flows, -1 none */
static int which_map(const struct vn_xo_mapref *m)
{
	if (m->by_handle)
		return m->handle < 2 ? m->handle : -1;
	if (!strcmp(m->name, "icmp_drops"))
		return 0;
	if (!strcmp(m->name, "flows"))
		return 1;
	return -1;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int flow_find(uint32_t k)
{
	for (int i = 0; i < FLOWS_MAX; i++)
		if (S.fused[i] && S.fk[i] == k)
			return i;
	return -1;
}

static int map_req(const struct vn_xo_msg *q, struct vn_xo_msg *r, uint8_t *scratch)
{
	int m = which_map(&q->map), i;
	uint32_t k;

	if (!S.loaded)
		return err(r, ENOENT, "no guest program loaded");
	if (m < 0)
		return err(r, ENOENT, "no such map");
	if (q->type == VN_XO_MAP_DUMP) {
		uint32_t n = 0, vs = m == 0 ? 8 : 4;
		bool started = q->key.n == 0, more = false;

		if (q->key.n && q->key.n != 4)
			return err(r, EINVAL, "key must be 4 bytes");
		for (i = 0; i < (m == 0 ? 1 : FLOWS_MAX); i++) {
			uint32_t key = m == 0 ? 0 : S.fk[i];

			if (m == 1 && !S.fused[i])
				continue;
			if (!started) {
				started = key == le32(q->key.p);
				continue;
			}
			if (n == DUMP_PAGE) {
				more = true;
				break;
			}
			memcpy(scratch + n * (4 + vs), &key, 4);
			if (m == 0)
				memcpy(scratch + n * (4 + vs) + 4, &S.drops, 8);
			else
				memcpy(scratch + n * (4 + vs) + 4, &S.fv[i], 4);
			n++;
		}
		r->type = VN_XO_R_DUMP;
		r->key_size = 4;
		r->value_size = vs;
		r->count = n;
		r->more = more;
		r->entries.p = scratch;
		r->entries.n = n * (4 + vs);
		return 0;
	}
	if (q->key.n != 4)
		return err(r, EINVAL, "key must be 4 bytes");
	k = le32(q->key.p);
	if (q->type == VN_XO_MAP_LOOKUP) {
		r->type = VN_XO_R_VALUE;
		if (m == 0) {
			if (k)
				return err(r, ENOENT, "key not found in map \"icmp_drops\"");
			memcpy(scratch, &S.drops, 8);
			r->value.p = scratch;
			r->value.n = 8;
			return 0;
		}
		i = flow_find(k);
		if (i < 0)
			return err(r, ENOENT, "key not found in map \"flows\"");
		memcpy(scratch, &S.fv[i], 4);
		r->value.p = scratch;
		r->value.n = 4;
		return 0;
	}
	if (q->type == VN_XO_MAP_UPDATE) {
		if (q->value.n != (m == 0 ? 8u : 4u))
			return err(r, EINVAL, "value size");
		r->type = VN_XO_R_OK;
		if (m == 0) {
			if (k)
				return err(r, E2BIG, "key out of range");
			memcpy(&S.drops, q->value.p, 8);
			return 0;
		}
		i = flow_find(k);
		if (i >= 0 && q->flags == VN_XO_UPDATE_NOEXIST)
			return err(r, EEXIST, "key exists in map \"flows\"");
		if (i < 0 && q->flags == VN_XO_UPDATE_EXIST)
			return err(r, ENOENT, "key not found in map \"flows\"");
		for (int j = 0; i < 0 && j < FLOWS_MAX; j++)
			if (!S.fused[j])
				i = j;
		if (i < 0)
			return err(r, E2BIG, "map \"flows\" is full");
		S.fused[i] = true;
		S.fk[i] = k;
		memcpy(&S.fv[i], q->value.p, 4);
		return 0;
	}
	/* MAP_DELETE */
	if (m == 0)
		return err(r, EINVAL, "entries of array map \"icmp_drops\" cannot be deleted");
	i = flow_find(k);
	if (i < 0)
		return err(r, ENOENT, "key not found in map \"flows\"");
	S.fused[i] = false;
	r->type = VN_XO_R_OK;
	return 0;
}

static int handler(void *ctx, const struct vn_xo_msg *q, struct vn_xo_msg *r, uint8_t *scratch)
{
	(void)ctx;
	S.requests++;
	switch (q->type) {
	case VN_XO_LOAD:
		S.loads++;
		if (q->obj.n < 4 || memcmp(q->obj.p, "\177ELF", 4))
			return err(r, EINVAL, "object is not an ELF file");
		S.loaded = true;
		snprintf(S.section, sizeof(S.section), "%s", q->section[0] ? q->section : "xdp");
		S.drops = 0;
		memset(S.fused, 0, sizeof(S.fused));
		r->type = VN_XO_R_OK;
		return 0;
	case VN_XO_UNLOAD:
		if (!S.loaded)
			return err(r, ENOENT, "no guest program loaded");
		S.loaded = false;
		r->type = VN_XO_R_OK;
		return 0;
	case VN_XO_STATUS:
		r->type = VN_XO_R_STATUS;
		r->status.loaded = S.loaded;
		snprintf(r->status.section, sizeof(r->status.section), "%s",
			 S.loaded ? S.section : "");
		r->status.insns = S.loaded ? 17 : 0;
		r->status.maps = S.loaded ? 2 : 0;
		r->status.mem = S.loaded ? 4096 : 0;
		r->status.mem_limit = 16u << 20;
		r->status.insns_limit = 16384;
		r->status.maps_limit = 16;
		r->status.runs = 5;
		r->status.drop = 3;
		r->status.pass = 2;
		return 0;
	case VN_XO_MAP_LIST: {
		struct vn_xo_map_info a = { .handle = 0, .type = BPF_MAP_TYPE_ARRAY, .key_size = 4,
			.value_size = 8, .max_entries = 1, .entries = 1, .mem = 64,
			.name = "icmp_drops" };
		struct vn_xo_map_info h = { .handle = 1, .type = BPF_MAP_TYPE_HASH, .key_size = 4,
			.value_size = 4, .max_entries = FLOWS_MAX, .mem = 1024, .name = "flows" };
		long n1, n2;

		if (!S.loaded)
			return err(r, ENOENT, "no guest program loaded");
		for (int i = 0; i < FLOWS_MAX; i++)
			h.entries += S.fused[i];
		n1 = vn_xo_map_info_put(scratch, VN_XO_REPLY_MAX, &a);
		n2 = vn_xo_map_info_put(scratch + n1, VN_XO_REPLY_MAX - (size_t)n1, &h);
		r->type = VN_XO_R_MAP_LIST;
		r->nmaps = 2;
		r->list.p = scratch;
		r->list.n = (uint32_t)(n1 + n2);
		return 0;
	}
	default:
		return map_req(q, r, scratch);
	}
}

static void *serve(void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	(void)arg;
	if (S.delay_ms)
		usleep(S.delay_ms * 1000);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", S.path);
	S.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (S.lfd < 0 || bind(S.lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(S.lfd, 4))
		return NULL;
	while (!S.stop) {
		struct pollfd p = { .fd = S.lfd, .events = POLLIN };
		struct vn_xo_conn c;
		int fd;

		if (poll(&p, 1, 50) <= 0)
			continue;
		fd = accept(S.lfd, NULL, NULL);
		if (fd < 0 || vn_xo_conn_init(&c, fd, 100000, 10000, mono_ns()))
			continue;
		while (!S.stop) {
			struct pollfd q = { .fd = c.fd, .events = POLLIN | (c.out_len ? POLLOUT : 0) };

			if (poll(&q, 1, 50) < 0)
				break;
			if ((q.revents & (POLLIN | POLLHUP)) &&
			    vn_xo_conn_input(&c, mono_ns(), handler, NULL))
				break;
			if (vn_xo_conn_flush(&c) < 0)
				break;
		}
		vn_xo_conn_close(&c);
	}
	close(S.lfd);
	return NULL;
}

int xo_fake_start(const char *path, unsigned int delay_ms)
{
	memset(&S, 0, sizeof(S));
	snprintf(S.path, sizeof(S.path), "%s", path);
	S.delay_ms = delay_ms;
	S.lfd = -1;
	unlink(path);
	return -pthread_create(&S.thr, NULL, serve, NULL);
}

void xo_fake_stop(void)
{
	S.stop = 1;
	pthread_join(S.thr, NULL);
	unlink(S.path);
}

uint64_t xo_fake_requests(void)
{
	return S.requests;
}

uint64_t xo_fake_loads(void)
{
	return S.loads;
}

// SPDX-License-Identifier: MIT
/* vnetctl_top.c - "vnetctl top": live per-port rates from counter deltas
 *
 * Every interval it asks for all counters ("stats --all") and prints the
 * difference from the last sample divided by the time measured between
 * them. A port that appears between samples shows from its second sample;
 * a port whose counters went backwards (deleted and re-added) restarts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/clock.h"
#include "vnetctl.h"

#define TOP_PORTS_MAX	1024

struct sample {
	char name[32];
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, drops;
};

static uint64_t counter(struct json_object *counters, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(counters, key, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	return (uint64_t)json_object_get_int64(v);
}

static unsigned int sample_read(struct json_object *arr, struct sample *s)
{
	size_t i, n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	unsigned int k = 0;

	for (i = 0; i < n && k < TOP_PORTS_MAX; i++) {
		struct json_object *p = json_object_array_get_idx(arr, i), *name, *c;

		if (!json_object_object_get_ex(p, "name", &name) ||
		    !json_object_object_get_ex(p, "counters", &c) ||
		    !json_object_is_type(c, json_type_object))
			continue;
		memset(&s[k], 0, sizeof(s[k]));
		snprintf(s[k].name, sizeof(s[k].name), "%s", json_object_get_string(name));
		s[k].rx_packets = counter(c, "rx_packets");
		s[k].rx_bytes = counter(c, "rx_bytes");
		s[k].tx_packets = counter(c, "tx_packets");
		s[k].tx_bytes = counter(c, "tx_bytes");
		json_object_object_foreach(c, key, val) {
			if (!strncmp(key, "drop_", 5) && json_object_is_type(val, json_type_int))
				s[k].drops += (uint64_t)json_object_get_int64(val);
		}
		k++;
	}
	return k;
}

static int fetch(int fd, struct sample *s, unsigned int *n)
{
	const struct vn_ctl_cmd *cmd = vn_ctl_cmd_get(VN_CTL_CMD_STATS);
	struct json_object *args = json_object_new_object();
	struct vn_ctl_reply rep;

	json_object_object_add(args, "all", json_object_new_boolean(1));
	if (vnetctl_call(fd, cmd, args, &rep))
		return 1;
	*n = sample_read(rep.result, s);
	vn_ctl_reply_fini(&rep);
	return 0;
}

static uint64_t per_s(uint64_t now, uint64_t then, double dt)
{
	/* rounded, not truncated: one frame over 1.01 s is 1 pps, not 0 */
	return now >= then ? (uint64_t)((double)(now - then) / dt + 0.5) : 0;
}

static void show(const struct sample *cur, unsigned int n, const struct sample *prev,
		 unsigned int np, double dt, bool json, bool tty)
{
	static const char *const hdr[] = { "PORT", "RX-PPS", "RX-BPS", "TX-PPS", "TX-BPS",
					   "DROPS/S" };
	struct json_object *ports = json_object_new_array();
	struct vnetctl_table t;
	unsigned int i, j;

	vnetctl_table_init(&t, 6, 0x3e, hdr);
	for (i = 0; i < n; i++) {
		const struct sample *c = &cur[i], *p = NULL;
		uint64_t v[5];
		char b[5][32];

		for (j = 0; j < np && !p; j++)
			if (!strcmp(prev[j].name, c->name))
				p = &prev[j];
		if (!p)
			continue;
		v[0] = per_s(c->rx_packets, p->rx_packets, dt);
		v[1] = per_s(c->rx_bytes * 8, p->rx_bytes * 8, dt);
		v[2] = per_s(c->tx_packets, p->tx_packets, dt);
		v[3] = per_s(c->tx_bytes * 8, p->tx_bytes * 8, dt);
		v[4] = per_s(c->drops, p->drops, dt);
		if (json) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "name", json_object_new_string(c->name));
			json_object_object_add(o, "rx_pps", json_object_new_int64((int64_t)v[0]));
			json_object_object_add(o, "rx_bps", json_object_new_int64((int64_t)v[1]));
			json_object_object_add(o, "tx_pps", json_object_new_int64((int64_t)v[2]));
			json_object_object_add(o, "tx_bps", json_object_new_int64((int64_t)v[3]));
			json_object_object_add(o, "drops_ps", json_object_new_int64((int64_t)v[4]));
			json_object_array_add(ports, o);
			continue;
		}
		for (j = 0; j < 5; j++)
			vnetctl_human(b[j], sizeof(b[j]), v[j], "");
		const char *row[] = { c->name, b[0], b[1], b[2], b[3], b[4] };
		vnetctl_table_add(&t, row);
	}
	if (json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "interval_ms", json_object_new_int64((int64_t)(dt * 1000)));
		json_object_object_add(o, "ports", ports);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		vnetctl_table_free(&t);
		fflush(stdout);
		return;
	}
	json_object_put(ports);
	if (tty)
		fputs("\033[H\033[2J", stdout);
	printf("vnetd: %u port%s, rates over %.1f s\n", n, n == 1 ? "" : "s", dt);
	vnetctl_table_print(&t);
	if (!tty)
		putchar('\n');
	fflush(stdout);
}

/**
 * vnetctl_top() - Print per-port rates every @interval_ms milliseconds
 * @count:	iterations, -1 for until interrupted
 * @interval_ms: interval
 * @json:	one JSON object per line instead of a table
 *
 * Return: exit status
 */
int vnetctl_top(long count, unsigned int interval_ms, bool json)
{
	struct timespec ts = { .tv_sec = interval_ms / 1000,
			       .tv_nsec = (long)(interval_ms % 1000) * 1000000 };
	struct sample *prev, *cur, *tmp;
	unsigned int np = 0, n = 0;
	bool tty = isatty(STDOUT_FILENO) && !json;
	double t0, t1;
	int fd, ret = 1;
	long i;

	prev = calloc(TOP_PORTS_MAX, sizeof(*prev));
	cur = calloc(TOP_PORTS_MAX, sizeof(*cur));
	fd = vnetctl_connect();
	if (!prev || !cur || fd < 0)
		goto out;
	t0 = (double)vn_mono_ns() / 1e9;
	if (fetch(fd, prev, &np))
		goto out;
	for (i = 0; count < 0 || i < count; i++) {
		nanosleep(&ts, NULL);
		t1 = (double)vn_mono_ns() / 1e9;
		if (fetch(fd, cur, &n))
			goto out;
		show(cur, n, prev, np, t1 - t0, json, tty);
		tmp = prev;
		prev = cur;
		cur = tmp;
		np = n;
		t0 = t1;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(prev);
	free(cur);
	return ret;
}

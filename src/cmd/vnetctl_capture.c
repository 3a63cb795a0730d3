// SPDX-License-Identifier: MIT
/* vnetctl_capture.c - "vnetctl capture": receive a capture stream, write a pcap file
 *
 * The daemon streams the frames (src/ctl/capstream.h); this process writes
 * the file with libpcap as the invoking user, so the daemon never opens a
 * path on anyone's behalf. SIGINT/SIGTERM shut down our side of the
 * socket: the daemon sends what it queued and an END record with its
 * counters, and the file is closed cleanly (it is also flushed after every
 * read, so even a killed vnetctl leaves whole records).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <pcap/pcap.h>

#include "core/clock.h"
#include "ctl/capstream.h"
#include "ctl/proto.h"
#include "vnetctl.h"

#define EXIT_USAGE	255
#define REPLY_WAIT_MS	10000
#define END_WAIT_MS	3000	/* after SIGINT: wait this long for the END record */
#define LINE_MAX_REPLY	65536

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int usage_err(const char *what)
{
	fprintf(stderr, "Error: %s.\nUsage: vnetctl capture PORT [ingress|egress] -w FILE.pcap "
		"[-c COUNT] [-f FILTER] [-s SNAPLEN]\n", what);
	return EXIT_USAGE;
}

static int num_arg(const char *s, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return (errno || *end || end == s || *out < 0 || *out > max) ? -1 : 0;
}

/**
 * struct cap_rx - the receive side of a capture
 * @fd:		socket
 * @buf:	received bytes not yet parsed
 * @cap:	size of @buf
 * @len:	bytes in @buf
 */
struct cap_rx {
	int fd;
	uint8_t *buf;
	size_t cap;
	size_t len;
};

/* Read the reply line; what follows it stays in @rx->buf */
static int read_reply(struct cap_rx *rx, struct vn_ctl_reply *rep)
{
	struct pollfd p = { .fd = rx->fd, .events = POLLIN };
	uint8_t *nl = NULL;
	size_t llen;
	ssize_t n;

	while (!nl) {
		/* a reply line longer than any the daemon sends */
		if (rx->len >= LINE_MAX_REPLY) {
			fprintf(stderr, "Error: reply line longer than %d bytes\n", LINE_MAX_REPLY);
			return 1;
		}
		if (poll(&p, 1, REPLY_WAIT_MS) != 1) {
			fprintf(stderr, "Error: no reply from vnetd within %d s\n",
				REPLY_WAIT_MS / 1000);
			return 1;
		}
		n = recv(rx->fd, rx->buf + rx->len, LINE_MAX_REPLY - rx->len, 0);
		if (n <= 0) {
			fprintf(stderr, "Error: vnetd closed the connection\n");
			return 1;
		}
		nl = memchr(rx->buf + rx->len, '\n', (size_t)n);
		rx->len += (size_t)n;
	}
	llen = (size_t)(nl - rx->buf);
	if (vn_ctl_reply_parse((const char *)rx->buf, llen, rep)) {
		fprintf(stderr, "Error: malformed reply from vnetd\n");
		return 1;
	}
	memmove(rx->buf, nl + 1, rx->len - llen - 1);
	rx->len -= llen + 1;
	if (!rep->ok) {
		fprintf(stderr, "Error: %s\n", rep->message[0] ? rep->message : strerror(-rep->err));
		return 1;
	}
	return 0;
}

static int send_request(int fd, struct json_object *args)
{
	const struct vn_ctl_cmd *cmd = vn_ctl_cmd_get(VN_CTL_CMD_CAPTURE_START);
	size_t len;
	char *line = vn_ctl_request_build(1, cmd, args, &len);
	int ret = 0;

	if (!line)
		return 1;
	if (send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len && errno != EPIPE &&
	    errno != ECONNRESET) {
		fprintf(stderr, "Error: cannot send to vnetd: %s\n", strerror(errno));
		ret = 1;
	}
	free(line);
	return ret;
}

/**
 * struct cap_out - where frames go
 * @dump:	the pcap file
 * @count:	stop after this many (0: no limit)
 * @frames:	frames written
 * @end:	the END record arrived
 * @endrec:	its content
 */
struct cap_out {
	pcap_dumper_t *dump;
	uint64_t count;
	uint64_t frames;
	bool end;
	struct vn_cap_rec endrec;
};

/* Parse and write every whole record in @rx; -1 on a broken stream */
static int consume(struct cap_rx *rx, uint32_t snaplen, struct cap_out *o)
{
	size_t off = 0;
	struct vn_cap_rec rec;
	struct pcap_pkthdr h;
	long n;

	while (!o->end && (!o->count || o->frames < o->count)) {
		n = vn_cap_rec_parse(rx->buf + off, rx->len - off, snaplen, &rec);
		if (n < 0) {
			fprintf(stderr, "Error: malformed capture stream from vnetd\n");
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (rec.type == VN_CAP_REC_END) {
			o->end = true;
			o->endrec = rec;
			break;
		}
		h.ts.tv_sec = (time_t)(rec.ts_ns / 1000000000ull);
		/* nanosecond file (pcap_open_dead_with_tstamp_precision): tv_usec holds ns */
		h.ts.tv_usec = (suseconds_t)(rec.ts_ns % 1000000000ull);
		h.caplen = rec.caplen;
		h.len = rec.origlen;
		pcap_dump((u_char *)o->dump, &h, rec.data);
		o->frames++;
	}
	memmove(rx->buf, rx->buf + off, rx->len - off);
	rx->len -= off;
	return 0;
}

/* Receive until the END record, EOF, COUNT frames, or an interrupt */
static int stream_loop(struct cap_rx *rx, uint32_t snaplen, struct cap_out *o)
{
	struct pollfd p = { .fd = rx->fd, .events = POLLIN };
	long long deadline = -1;
	bool shut = false;
	ssize_t n;

	for (;;) {
		if (consume(rx, snaplen, o))
			return 1;
		pcap_dump_flush(o->dump);
		if (o->end || (o->count && o->frames >= o->count))
			return 0;
		if (interrupted && !shut) {
			/* ask the daemon to finish: it sends what it has and END */
			shutdown(rx->fd, SHUT_WR);
			shut = true;
			deadline = (long long)vn_mono_ms() + END_WAIT_MS;
		}
		if (shut && (long long)vn_mono_ms() > deadline)
			return 0;
		if (poll(&p, 1, 200) < 0 && errno != EINTR) {
			fprintf(stderr, "Error: poll: %s\n", strerror(errno));
			return 1;
		}
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		/* The buffer holds at least one whole record (consume() left less) */
		n = recv(rx->fd, rx->buf + rx->len, rx->cap - rx->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!shut)
				fprintf(stderr, "Warning: vnetd closed the capture%s\n",
					n < 0 ? " with an error" : " before its END record");
			return 0;
		}
		rx->len += (size_t)n;
		if (shut)	/* the daemon is still sending what it queued */
			deadline = (long long)vn_mono_ms() + END_WAIT_MS;
	}
}

/**
 * vnetctl_capture() - "vnetctl capture PORT [DIR] -w FILE [-c N] [-f FILTER] [-s N]"
 * @argc:	words after "capture"
 * @argv:	the words
 * @json:	--json was given (not meaningful here: an error)
 *
 * Return: exit status
 */
int vnetctl_capture(int argc, char **argv, bool json)
{
	const char *port = NULL, *dir = NULL, *file = NULL, *filter = NULL;
	long long count = 0, snaplen = 0;
	struct vn_ctl_reply rep = { 0 };
	struct cap_out o = { 0 };
	struct cap_rx rx = { .fd = -1 };
	struct json_object *args, *v;
	struct sigaction sa = { .sa_handler = on_signal };
	pcap_t *dead;
	int i, ret = 1;

	if (json)
		return usage_err("--json is not meaningful for capture (it writes a pcap file)");
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-w") || !strcmp(a, "-c") || !strcmp(a, "-f") || !strcmp(a, "-s")) {
			if (i + 1 >= argc)
				return usage_err("option needs a value");
			if (a[1] == 'w')
				file = argv[++i];
			else if (a[1] == 'f')
				filter = argv[++i];
			else if (a[1] == 'c' && num_arg(argv[++i], INT64_C(1) << 40, &count))
				return usage_err("-c needs a count");
			else if (a[1] == 's' && num_arg(argv[++i], VN_CAP_ORIGLEN_MAX, &snaplen))
				return usage_err("-s needs a snap length from 0 to 65557");
		} else if (!port && a[0] != '-') {
			port = a;
		} else if (!dir && (!strcmp(a, "ingress") || !strcmp(a, "egress"))) {
			dir = a;
		} else {
			fprintf(stderr, "Error: \"%s\" is garbage.\n", a);
			return usage_err("bad argument");
		}
	}
	if (!port || !file)
		return usage_err(!port ? "a PORT is needed" : "-w FILE.pcap is needed");
	args = json_object_new_object();
	json_object_object_add(args, "port", json_object_new_string(port));
	json_object_object_add(args, "dir", json_object_new_string(dir ? dir : "ingress"));
	if (filter)
		json_object_object_add(args, "filter", json_object_new_string(filter));
	if (snaplen)
		json_object_object_add(args, "snaplen", json_object_new_int64(snaplen));
	if (count)
		json_object_object_add(args, "count", json_object_new_int64(count));
	rx.fd = vnetctl_connect();
	if (rx.fd < 0) {
		json_object_put(args);
		return 1;
	}
	/* signals before the request: an early Ctrl-C still ends with a clean file */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rx.cap = LINE_MAX_REPLY + 2 * (VN_CAP_REC_HDR + VN_CAP_FRAME_HDR + VN_CAP_ORIGLEN_MAX);
	rx.buf = malloc(rx.cap);
	if (!rx.buf || send_request(rx.fd, args) || read_reply(&rx, &rep))
		goto out;
	if (!json_object_object_get_ex(rep.result, "snaplen", &v) ||
	    json_object_get_int64(v) < 1 || json_object_get_int64(v) > VN_CAP_ORIGLEN_MAX) {
		fprintf(stderr, "Error: capture reply without a valid snaplen\n");
		goto out;
	}
	snaplen = json_object_get_int64(v);
	dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)snaplen,
						    PCAP_TSTAMP_PRECISION_NANO);
	if (!dead)
		goto out;
	o.dump = pcap_dump_open(dead, file);
	if (!o.dump) {
		fprintf(stderr, "Error: %s\n", pcap_geterr(dead));
		pcap_close(dead);
		goto out;
	}
	o.count = (uint64_t)count;
	fprintf(stderr, "capturing on %s %s, writing %s\n", port, dir ? dir : "ingress", file);
	ret = stream_loop(&rx, (uint32_t)snaplen, &o);
	pcap_dump_close(o.dump);
	pcap_close(dead);
	fprintf(stderr, "%" PRIu64 " packets captured\n", o.frames);
	if (o.end)
		fprintf(stderr, "%" PRIu64 " packets matched the filter\n"
			"%" PRIu64 " packets dropped by vnetd\n", o.endrec.matched,
			o.endrec.dropped);
	if (o.end && o.endrec.reason == VN_CAP_END_PORT)
		fprintf(stderr, "capture ended: port %s was deleted\n", port);
	else if (o.end && o.endrec.reason == VN_CAP_END_DAEMON)
		fprintf(stderr, "capture ended: vnetd stopped\n");
out:
	vn_ctl_reply_fini(&rep);
	free(rx.buf);
	close(rx.fd);
	return ret;
}

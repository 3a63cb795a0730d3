// SPDX-License-Identifier: MIT
/* pcap_port.c - pcap ports: replay a capture file into the switch, or record what it sends
 *
 * pcap:name=N,read=FILE[,loop=K][,speed=X|rate=PPS|rate=max]
 *	Replays FILE (pcap or pcapng, Ethernet link type, read by libpcap)
 *	into the switch: frames as recorded, at the recorded pace (speed=1,
 *	the default), scaled (speed=2: twice as fast), at a fixed rate
 *	(rate=PPS) or as fast as the switch takes them (rate=max); K times
 *	(loop=K, default 1; loop=0: until the port is deleted). Then the port
 *	goes down (link down in `vnetctl port list`) and stays in the switch
 *	until deleted. Frames the switch sends a replay port are dropped and
 *	counted (drop_port_down): it has nowhere to put them.
 * pcap:name=N,write=FILE
 *	Records every frame the switch sends the port into FILE (pcap,
 *	nanosecond timestamps, created or truncated, mode 0600), flushed after
 *	each burst so that the file can be read while it grows. The port takes
 *	no offloads: TSO frames arrive segmented and checksummed, as a wire
 *	would carry them.
 *
 * A capture file is outside input. A record whose captured length differs
 * from its wire length (a capture cut by its snaplen, or a lie) or that
 * does not fit a frame buffer is dropped and counted (drop_pcap_record,
 * drop_runt, drop_oversize), never delivered cut; a record libpcap cannot
 * read (truncated file, length past its limits) ends the replay with one
 * error naming the port, the record and libpcap's reason.
 *
 * Pacing: the port's poll_fd is a timerfd armed for the next record's due
 * time, so an idle replay costs no CPU; a record that is due goes out at
 * the worker's next pass. A replay paused by backpressure (vn_port_rx_enable() off)
 * resumes where it was and sends what fell due at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/pool.h"
#include "port_internal.h"

#define PCAP_PATH_MAX		224	/* a spec value's room, with the NUL */
#define PCAP_WRITE_SNAPLEN	262144	/* libpcap's largest; our frames are smaller */

/**
 * struct pcap_port - private state of one pcap port
 * @pc:		libpcap handle: the file being read, or a dead handle for writing
 * @dump:	dumper of a write port, NULL for a read port
 * @tfd:	timerfd: readable when the next record is due (poll_fd)
 * @path:	the file
 * @writing:	write= port
 * @done:	replay finished or failed: link down
 * @loops:	plays asked for, 0 = for ever
 * @played:	plays finished
 * @rate:	frames per second (rate=), 0: paced by the timestamps
 * @speed_milli: timestamp scale in thousandths (speed=), 0 with rate=max
 * @have:	@hdr/@data hold the next record, not yet sent
 * @hdr:	its pcap header (libpcap's, valid until the next read)
 * @data:	its bytes
 * @base_ns:	monotonic time at which the play's first record was due
 * @first_ts:	the play's first timestamp, ns
 * @seq:	records taken in this play (rate= pacing)
 * @records:	records read in all plays
 * @armed_ns:	due time the timer is armed for, 0 if disarmed
 */
struct pcap_port {
	pcap_t *pc;
	pcap_dumper_t *dump;
	int tfd;
	char path[PCAP_PATH_MAX];
	bool writing;
	bool done;
	uint32_t loops;
	uint32_t played;
	uint32_t rate;
	uint32_t speed_milli;
	bool have;
	struct pcap_pkthdr *hdr;
	const uint8_t *data;
	uint64_t base_ns;
	uint64_t first_ts;
	uint64_t seq;
	uint64_t records;
	uint64_t armed_ns;
};

static const char *const pcap_keys[] = { "name", "read", "write", "loop", "speed", "rate", NULL };

/**
 * parse_speed() - "2", "0.5", "1.25" -> thousandths (1 .. 1000000)
 * @s:		value
 * @out:	speed in thousandths
 *
 * Return: 0, or -EINVAL
 */
static int parse_speed(const char *s, uint32_t *out)
{
	uint64_t whole = 0, frac = 0, scale = 1000;
	const char *p = s;

	if (!*p)
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 1000)
			return -EINVAL;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale == 1)
				return -EINVAL;	/* more than three decimals */
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
		}
	}
	if (*p || p == s)
		return -EINVAL;
	whole = whole * 1000 + frac;
	if (!whole || whole > 1000000)
		return -EINVAL;
	*out = (uint32_t)whole;
	return 0;
}

/**
 * ts_ns() - A record's timestamp in nanoseconds
 * @pp:		port (its handle knows the precision)
 * @h:		record header
 *
 * Return: ns since the epoch (saturating on nonsense)
 */
static uint64_t ts_ns(const struct pcap_port *pp, const struct pcap_pkthdr *h)
{
	uint64_t sub = (uint64_t)h->ts.tv_usec;

	if (pcap_get_tstamp_precision(pp->pc) != PCAP_TSTAMP_PRECISION_NANO)
		sub *= 1000;
	if (h->ts.tv_sec < 0)
		return 0;
	return (uint64_t)h->ts.tv_sec * 1000000000ull + sub;
}

/**
 * open_read() - Open (or reopen, for the next play) the file being replayed
 * @port:	port
 *
 * Return: 0, or -errno (logged)
 */
static int open_read(struct vn_port *port)
{
	struct pcap_port *pp = port->priv;
	char err[PCAP_ERRBUF_SIZE] = "";
	int dlt;

	if (pp->pc)
		pcap_close(pp->pc);
	pp->have = false;
	pp->seq = 0;
	errno = 0;
	pp->pc = pcap_open_offline_with_tstamp_precision(pp->path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pp->pc) {
		vn_err("port '%s': read=%s: %s", port->name, pp->path, err);
		return errno ? -errno : -EINVAL;
	}
	dlt = pcap_datalink(pp->pc);
	if (dlt != DLT_EN10MB) {
		vn_err("port '%s': read=%s: link type %s (%d), not Ethernet: vnetd switches Ethernet frames",
		       port->name, pp->path, pcap_datalink_val_to_name(dlt) ?: "unknown", dlt);
		pcap_close(pp->pc);
		pp->pc = NULL;
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/**
 * open_write() - Create the file a write port records into
 * @port:	port
 *
 * Return: 0, or -errno (logged)
 */
static int open_write(struct vn_port *port)
{
	struct pcap_port *pp = port->priv;
	FILE *f;
	int fd;

	pp->pc = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, PCAP_WRITE_SNAPLEN,
						      PCAP_TSTAMP_PRECISION_NANO);
	if (!pp->pc)
		return -ENOMEM;
	fd = open(pp->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		fd = -errno;
		vn_err("port '%s': write=%s: %s", port->name, pp->path, strerror(-fd));
		return fd;
	}
	f = fdopen(fd, "wb");
	if (!f) {
		int e = errno;

		close(fd);
		vn_err("port '%s': write=%s: %s", port->name, pp->path, strerror(e));
		return -e;
	}
	pp->dump = pcap_dump_fopen(pp->pc, f);
	if (!pp->dump) {
		vn_err("port '%s': write=%s: %s", port->name, pp->path, pcap_geterr(pp->pc));
		fclose(f);
		return -EIO;
	}
	if (pcap_dump_flush(pp->dump)) {
		vn_err("port '%s': write=%s: cannot write the file header", port->name, pp->path);
		return -EIO;
	}
	return 0;
}

/**
 * pcap_open_keys() - Check and take the kind's keys
 * @port:	port
 * @args:	spec keys
 *
 * Return: 0 or -EINVAL (logged)
 */
static int pcap_open_keys(struct vn_port *port, const struct vn_port_args *args)
{
	struct pcap_port *pp = port->priv;
	const char *rd = vn_port_arg(args, "read"), *wr = vn_port_arg(args, "write");
	const char *loop = vn_port_arg(args, "loop"), *speed = vn_port_arg(args, "speed");
	const char *rate = vn_port_arg(args, "rate"), *path;

	if (!port->name[0] || !!rd == !!wr) {
		vn_err("port '%s': pcap needs name= and exactly one of read=FILE or write=FILE",
		       port->name);
		return -EINVAL;
	}
	path = rd ? rd : wr;
	if (!path[0] || strlen(path) >= sizeof(pp->path)) {
		vn_err("port '%s': %s= needs a file name (1-%zu characters)", port->name,
		       rd ? "read" : "write", sizeof(pp->path) - 1);
		return -EINVAL;
	}
	memcpy(pp->path, path, strlen(path) + 1);
	pp->writing = !!wr;
	if (pp->writing && (loop || speed || rate)) {
		vn_err("port '%s': loop=, speed= and rate= are for read= ports", port->name);
		return -EINVAL;
	}
	pp->loops = 1;
	pp->speed_milli = 1000;
	if (loop && vn_port_arg_u32(loop, 0, 1000000000, &pp->loops)) {
		vn_err("port '%s': bad value '%s' for 'loop' (expected 0-1000000000 plays, 0: for ever)",
		       port->name, loop);
		return -EINVAL;
	}
	if (speed && rate) {
		vn_err("port '%s': speed= and rate= exclude each other", port->name);
		return -EINVAL;
	}
	if (speed && parse_speed(speed, &pp->speed_milli)) {
		vn_err("port '%s': bad value '%s' for 'speed' (expected 0.001-1000, e.g. 2 or 0.5)",
		       port->name, speed);
		return -EINVAL;
	}
	if (rate && !strcmp(rate, "max")) {
		pp->speed_milli = 0;
	} else if (rate) {
		if (vn_port_arg_u32(rate, 1, 100000000, &pp->rate)) {
			vn_err("port '%s': bad value '%s' for 'rate' (expected 1-100000000 frames/s or max)",
			       port->name, rate);
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * pcap_port_open() - Open a pcap port from its spec keys
 * @port:	port (name set)
 * @args:	name, read or write, loop, speed, rate
 *
 * Return: 0 or a negative errno (logged)
 */
static int pcap_port_open(struct vn_port *port, const struct vn_port_args *args)
{
	struct pcap_port *pp = port->priv;
	int ret;

	pp->tfd = -1;
	ret = vn_port_args_check(port, args, pcap_keys);
	if (!ret)
		ret = pcap_open_keys(port, args);
	if (ret)
		return ret;
	pp->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (pp->tfd < 0) {
		ret = -errno;
		vn_err("port '%s': timerfd: %s", port->name, strerror(-ret));
		return ret;
	}
	ret = pp->writing ? open_write(port) : open_read(port);
	if (ret)
		goto fail;
	port->features = 0;
	port->vnet_hdr_len = 0;
	pp->base_ns = vn_mono_ns();
	if (!pp->writing) {
		/* first pass at once: the worker polls every port on its first iteration */
		struct itimerspec its = { .it_value = { .tv_nsec = 1 } };

		timerfd_settime(pp->tfd, 0, &its, NULL);
	}
	return 0;
fail:
	if (pp->dump)
		pcap_dump_close(pp->dump);
	if (pp->pc)
		pcap_close(pp->pc);
	close(pp->tfd);
	pp->dump = NULL;
	pp->pc = NULL;
	pp->tfd = -1;
	return ret;
}

static void pcap_port_close(struct vn_port *port)
{
	struct pcap_port *pp = port->priv;

	if (pp->dump) {
		if (pcap_dump_flush(pp->dump))
			vn_warn("port '%s': write=%s: flush failed", port->name, pp->path);
		pcap_dump_close(pp->dump);
	}
	if (pp->pc)
		pcap_close(pp->pc);
	if (pp->tfd >= 0)
		close(pp->tfd);
}

/**
 * arm() - Make the timerfd readable at @due_ns (absolute, monotonic)
 * @pp:		port state
 * @due_ns:	due time; 0 disarms
 */
static void arm(struct pcap_port *pp, uint64_t due_ns)
{
	struct itimerspec its = { 0 };
	uint64_t v;

	/* clear a past expiry: the fd is readable only while a record is due */
	if (read(pp->tfd, &v, sizeof(v)) == sizeof(v))
		pp->armed_ns = 0;	/* one-shot: it fired, nothing is armed */
	if (due_ns && due_ns == pp->armed_ns)
		return;		/* already armed for that time, not yet fired */
	its.it_value.tv_sec = (time_t)(due_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(due_ns % 1000000000ull);
	if (due_ns && !its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	timerfd_settime(pp->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	pp->armed_ns = due_ns;
}

/**
 * finish() - The replay is over (last play done or the file failed): link down
 * @port:	port
 */
static void finish(struct vn_port *port)
{
	struct pcap_port *pp = port->priv;

	pp->done = true;
	pp->have = false;
	arm(pp, 0);
	vn_info("port '%s': replay of %s done: %llu records in %u play(s), link down", port->name,
		pp->path, (unsigned long long)pp->records, pp->played);
}

/**
 * next_record() - Make @pp->hdr/@pp->data the next record, starting a new play at the end
 * @port:	port
 *
 * Return: true with a record, false when the replay is over
 */
static bool next_record(struct vn_port *port)
{
	struct pcap_port *pp = port->priv;
	int rc;

	for (int tries = 0; tries < 2; tries++) {
		rc = pcap_next_ex(pp->pc, &pp->hdr, &pp->data);
		if (rc == 1) {
			pp->have = true;
			if (!pp->seq)
				pp->first_ts = ts_ns(pp, pp->hdr);
			pp->seq++;
			pp->records++;
			return true;
		}
		if (rc == PCAP_ERROR) {
			vn_err("port '%s': read=%s: record %llu: %s; replay stopped", port->name,
			       pp->path, (unsigned long long)pp->seq + 1, pcap_geterr(pp->pc));
			pp->played++;
			return false;
		}
		/* end of the file: one play done */
		pp->played++;
		if (pp->loops && pp->played >= pp->loops)
			return false;
		if (!pp->seq || open_read(port))
			return false;	/* an empty file would spin: one play is all */
		pp->base_ns = vn_mono_ns();
	}
	return false;
}

/**
 * due_ns() - When the held record should go out
 * @pp:		port state, a record held
 *
 * Return: monotonic ns (0: now)
 */
static uint64_t due_ns(const struct pcap_port *pp)
{
	uint64_t dt;

	if (pp->rate)
		return pp->base_ns + (pp->seq - 1) * 1000000000ull / pp->rate;
	if (!pp->speed_milli)
		return 0;
	dt = ts_ns(pp, pp->hdr);
	dt = dt > pp->first_ts ? dt - pp->first_ts : 0;	/* timestamps going back: now */
	if (dt > 3600ull * 24 * 1000000000ull)
		dt = 3600ull * 24 * 1000000000ull;	/* a day at most: no overflow below */
	return pp->base_ns + dt * 1000 / pp->speed_milli;
}

/**
 * record_drop() - Why a record cannot be delivered whole
 * @h:		record header
 *
 * Return: a drop reason, VN_DROP_NONE to deliver
 */
static enum vn_drop_reason record_drop(const struct pcap_pkthdr *h)
{
	if (h->caplen != h->len)
		return VN_DROP_PCAP_RECORD;
	if (h->caplen < 14)
		return VN_DROP_RUNT;
	if (h->caplen > VN_PKT_FRAME_MAX)
		return VN_DROP_OVERSIZE;
	return VN_DROP_NONE;
}

/**
 * pcap_rx_burst() - Hand the switch the records that are due
 * @port:	port
 * @pkts:	output
 * @n:		room in @pkts
 *
 * Return: frames received
 */
static unsigned int pcap_rx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct pcap_port *pp = port->priv;
	unsigned int got = 0, budget = 4 * n + 4;
	enum vn_drop_reason why;
	uint64_t now, due;

	if (pp->writing || pp->done || !port->rx_on)
		return 0;
	now = vn_mono_ns();
	/* a file of records that are all dropped, looped for ever, must not hold the worker */
	while (got < n && budget--) {
		if (!pp->have && !next_record(port)) {
			finish(port);
			return got;
		}
		due = due_ns(pp);
		if (due > now) {
			arm(pp, due);
			return got;
		}
		why = record_drop(pp->hdr);
		if (why) {
			port->stats.drops[why]++;
			pp->have = false;
			continue;
		}
		pkts[got] = vn_pool_alloc(port->pool);
		if (!pkts[got]) {
			/* every buffer is out in the switch: try again soon, lose nothing */
			arm(pp, now + 1000000);
			return got;
		}
		vn_pkt_set(pkts[got], pp->data, pp->hdr->caplen);
		pp->have = false;
		got++;
	}
	arm(pp, now);	/* more may be due: stay readable */
	return got;
}

/**
 * pcap_tx_burst() - Record frames (write port) or drop them (read port)
 * @port:	port
 * @pkts:	frames (their references are taken)
 * @n:		count
 *
 * Return: @n: every frame is taken
 */
static unsigned int pcap_tx_burst(struct vn_port *port, struct vn_pkt **pkts, unsigned int n)
{
	struct pcap_port *pp = port->priv;
	struct pcap_pkthdr h;
	struct timespec ts;
	unsigned int i;

	if (!pp->writing) {
		port->stats.drops[VN_DROP_PORT_DOWN] += n;
		vn_pkt_put_bulk(pkts, n);
		return n;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	h.ts.tv_sec = ts.tv_sec;
	h.ts.tv_usec = ts.tv_nsec;	/* nanoseconds: the handle has nano precision */
	for (i = 0; i < n; i++) {
		h.caplen = h.len = vn_pkt_len(pkts[i]);
		pcap_dump((u_char *)pp->dump, &h, vn_pkt_data(pkts[i]));
		port->stats.tx_packets++;
		port->stats.tx_bytes += h.len;
	}
	if (pcap_dump_flush(pp->dump)) {
		/* the bytes of this burst may be partly lost: say so once in a while */
		port->stats.drops[VN_DROP_TX_ERROR] += n;
		port->stats.tx_packets -= n;
		vn_log_rl(VN_LOG_WARN, "port '%s': write=%s: %s", port->name, pp->path,
			  strerror(errno));
	}
	vn_pkt_put_bulk(pkts, n);
	return n;
}

static int pcap_poll_fd(struct vn_port *port)
{
	struct pcap_port *pp = port->priv;

	return pp->tfd;
}

/* Down once a replay has played its last loop */
static void pcap_info(const struct vn_port *port, struct vn_port_info *info)
{
	const struct pcap_port *pp = port->priv;

	info->link_up = !__atomic_load_n(&pp->done, __ATOMIC_RELAXED);
	vn_port_info_add(info, "file", "%s", pp->path);
	vn_port_info_add(info, "mode", "%s", pp->writing ? "write" : "read");
}

const struct vn_port_ops vn_pcap_port_ops =
	VN_PORT_KIND("pcap", struct pcap_port, pcap_port_open, pcap_port_close, pcap,
		     .info = pcap_info);

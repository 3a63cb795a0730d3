// SPDX-License-Identifier: MIT
/* test_pcap.c - pcap ports: replay, pacing, loops, recording, and hostile capture files */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "core/pool.h"
#include "port/port.h"
#include "port_info.h"

static char dir[64];
static unsigned int period = 1000;	/* frames in the file drain() checks against */

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vn-test-pcap.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[96];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static const char *path_of(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* A classic pcap file written byte by byte, so records can lie */
static FILE *raw_open(const char *name, uint32_t snaplen, uint32_t linktype)
{
	uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, snaplen, linktype };
	FILE *f = fopen(path_of(name), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(gh, sizeof(gh), 1, f), 1);
	return f;
}

static void raw_rec(FILE *f, uint32_t sec, uint32_t usec, uint32_t caplen, uint32_t len,
		    const uint8_t *data, uint32_t data_len)
{
	uint32_t rh[4] = { sec, usec, caplen, len };

	assert_int_equal(fwrite(rh, sizeof(rh), 1, f), 1);
	if (data_len)
		assert_int_equal(fwrite(data, data_len, 1, f), 1);
}

/* Frame @i: broadcast, source 02:00:00:00:00:01, ethertype 0x88b5, byte 14 = i */
static uint32_t frame(uint8_t *buf, unsigned int i, uint32_t len)
{
	memset(buf, 0, len);
	memset(buf, 0xff, 6);
	buf[6] = 0x02;
	buf[11] = 0x01;
	buf[12] = 0x88;
	buf[13] = 0xb5;
	buf[14] = (uint8_t)i;
	for (uint32_t j = 15; j < len; j++)
		buf[j] = (uint8_t)(j * 7 + i);
	return len;
}

static struct vn_port *open_ok(const char *fmt, const char *name)
{
	char spec[256];
	struct vn_port *p;

	snprintf(spec, sizeof(spec), fmt, path_of(name));
	assert_int_equal(vn_port_open(spec, 7, &p), 0);
	return p;
}

static int open_err(const char *fmt, const char *name)
{
	char spec[256];
	struct vn_port *p = NULL;
	int rc;

	snprintf(spec, sizeof(spec), fmt, path_of(name));
	rc = vn_port_open(spec, 7, &p);
	assert_null(p);
	return rc;
}

/* Take every frame the port has now (up to @max), checking frame() contents from @first */
static unsigned int drain(struct vn_port *p, unsigned int first, uint32_t len, unsigned int max)
{
	struct vn_pkt *pkts[16];
	uint8_t want[2048];
	unsigned int n, got = 0, rounds = 0;

	while (got < max && rounds++ < 1000) {
		n = vn_port_rx_burst(p, pkts, 16);
		if (!n)
			break;
		for (unsigned int i = 0; i < n; i++) {
			frame(want, (first + got + i) % period, len);
			assert_int_equal(vn_pkt_len(pkts[i]), len);
			assert_memory_equal(vn_pkt_data(pkts[i]), want, len);
			assert_int_equal(pkts[i]->in_port, 7);
			assert_int_equal(pkts[i]->vh.flags, 0);
			assert_int_equal(pkts[i]->vh.gso_type, 0);
		}
		vn_pkt_put_bulk(pkts, n);
		got += n;
	}
	return got;
}

static bool readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLIN);
}

static void write_frames(const char *name, unsigned int n, uint32_t len, uint32_t gap_sec)
{
	uint8_t buf[2048];
	FILE *f = raw_open(name, 65535, 1);

	for (unsigned int i = 0; i < n; i++)
		raw_rec(f, 1000 + i * gap_sec, 0, len, len, buf, frame(buf, i, len));
	fclose(f);
}

static void test_replay_and_loop(void **state)
{
	struct vn_port *p;

	(void)state;
	write_frames("a.pcap", 40, 100, 0);
	p = open_ok("pcap:name=r0,read=%s,rate=max", "a.pcap");
	assert_true(port_up(p));
	assert_non_null(strstr(port_detail(p, "file"), "a.pcap"));
	assert_string_equal(port_detail(p, "mode"), "read");
	assert_int_equal(p->features, 0);
	assert_true(readable(vn_port_poll_fd(p), 1000));
	assert_int_equal(drain(p, 0, 100, 1000), 40);
	assert_false(port_up(p));	/* played once: down */
	assert_false(readable(vn_port_poll_fd(p), 0));
	assert_int_equal(p->stats.rx_packets, 40);
	assert_int_equal(p->stats.rx_bytes, 4000);
	assert_int_equal(vn_pool_avail(p->pool), p->pool->size);
	vn_port_close(p);

	p = open_ok("pcap:name=r0,read=%s,rate=max,loop=3", "a.pcap");
	period = 40;
	assert_int_equal(drain(p, 0, 100, 1000), 120);
	period = 1000;
	assert_false(port_up(p));
	assert_int_equal(p->stats.rx_packets, 120);
	vn_port_close(p);
}

static void test_pacing(void **state)
{
	struct vn_port *p;

	(void)state;
	/* two records 10 s apart */
	write_frames("gap.pcap", 2, 64, 10);
	p = open_ok("pcap:name=r1,read=%s", "gap.pcap");
	assert_int_equal(drain(p, 0, 64, 16), 1);
	assert_int_equal(drain(p, 1, 64, 16), 0);	/* not due for 10 s */
	assert_true(port_up(p));
	assert_false(readable(vn_port_poll_fd(p), 0));
	vn_port_close(p);

	/* a thousand times faster: 10 ms; the timer says when */
	p = open_ok("pcap:name=r1,read=%s,speed=1000", "gap.pcap");
	assert_int_equal(drain(p, 0, 64, 16), 1);
	assert_true(readable(vn_port_poll_fd(p), 5000));
	assert_int_equal(drain(p, 1, 64, 16), 1);
	vn_port_close(p);

	/* rate= ignores the timestamps */
	p = open_ok("pcap:name=r1,read=%s,rate=100", "gap.pcap");
	assert_int_equal(drain(p, 0, 64, 16), 1);
	assert_true(readable(vn_port_poll_fd(p), 5000));
	assert_int_equal(drain(p, 1, 64, 16), 1);
	vn_port_close(p);

	/* paused by backpressure: nothing; resumed: what is due */
	p = open_ok("pcap:name=r1,read=%s,rate=max", "gap.pcap");
	vn_port_rx_enable(p, false);
	assert_int_equal(drain(p, 0, 64, 16), 0);
	assert_int_equal(p->stats.rx_paused, 1);
	vn_port_rx_enable(p, true);
	assert_true(readable(vn_port_poll_fd(p), 1000));
	assert_int_equal(drain(p, 0, 64, 16), 2);
	vn_port_close(p);
}

static void test_record(void **state)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct vn_pkt *pkts[5];
	struct vn_port *w;
	uint8_t buf[2048];
	pcap_t *pc;
	int n = 0;

	(void)state;
	w = open_ok("pcap:name=w0,write=%s", "out.pcap");
	assert_int_equal(w->features, 0);	/* segmented and checksummed for it */
	assert_int_equal(vn_pool_alloc_bulk(w->pool, pkts, 5), 5);
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(vn_pkt_set(pkts[i], buf, frame(buf, i, 60 + i * 100)), 0);
	assert_int_equal(vn_port_tx_burst(w, pkts, 5), 5);
	assert_int_equal(w->stats.tx_packets, 5);
	assert_int_equal(vn_pool_avail(w->pool), w->pool->size);
	assert_int_equal(vn_port_rx_burst(w, pkts, 5), 0);
	/* flushed after the burst: readable before the port closes */
	pc = pcap_open_offline(path_of("out.pcap"), err);
	assert_non_null(pc);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		assert_int_equal(h->caplen, 60 + n * 100);
		assert_int_equal(h->len, h->caplen);
		frame(buf, (unsigned int)n, h->caplen);
		assert_memory_equal(data, buf, h->caplen);
		n++;
	}
	assert_int_equal(n, 5);
	pcap_close(pc);
	vn_port_close(w);

	/* a replay port has nowhere to put frames: dropped and counted */
	w = open_ok("pcap:name=r9,read=%s,rate=max", "out.pcap");
	assert_int_equal(vn_pool_alloc_bulk(w->pool, pkts, 2), 2);
	assert_int_equal(vn_port_tx_burst(w, pkts, 2), 2);
	assert_int_equal(w->stats.drops[VN_DROP_PORT_DOWN], 2);
	assert_int_equal(vn_port_rx_burst(w, pkts, 5), 5);	/* what it recorded, all due */
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(vn_pkt_len(pkts[i]), 60 + i * 100);
	vn_pkt_put_bulk(pkts, 5);
	vn_port_close(w);
}

static void test_hostile_records(void **state)
{
	uint8_t buf[2048];
	struct vn_port *p;
	FILE *f;

	(void)state;
	/* caplen < len (cut by a snaplen), caplen > len (a lie), a runt: dropped, counted */
	f = raw_open("lies.pcap", 65535, 1);
	raw_rec(f, 1, 0, 100, 100, buf, frame(buf, 0, 100));
	frame(buf, 9, 100);
	raw_rec(f, 1, 0, 100, 1500, buf, 100);
	raw_rec(f, 1, 0, 100, 50, buf, 100);
	raw_rec(f, 1, 0, 10, 10, buf, 10);
	raw_rec(f, 1, 0, 100, 100, buf, frame(buf, 1, 100));
	fclose(f);
	p = open_ok("pcap:name=h0,read=%s,rate=max", "lies.pcap");
	assert_int_equal(drain(p, 0, 100, 16), 2);
	assert_int_equal(p->stats.drops[VN_DROP_PCAP_RECORD], 2);
	assert_int_equal(p->stats.drops[VN_DROP_RUNT], 1);
	assert_false(port_up(p));
	vn_port_close(p);

	/* a file cut in the middle of its third record: two frames, then down */
	f = raw_open("cut.pcap", 65535, 1);
	raw_rec(f, 1, 0, 100, 100, buf, frame(buf, 0, 100));
	raw_rec(f, 1, 0, 100, 100, buf, frame(buf, 1, 100));
	raw_rec(f, 1, 0, 100, 100, buf, 40);
	fclose(f);
	p = open_ok("pcap:name=h1,read=%s,rate=max,loop=0", "cut.pcap");
	assert_int_equal(drain(p, 0, 100, 100), 2);
	assert_false(port_up(p));
	vn_port_close(p);

	/* a length past every limit: libpcap refuses the record, the replay stops */
	f = raw_open("huge.pcap", 65535, 1);
	raw_rec(f, 1, 0, 100, 100, buf, frame(buf, 0, 100));
	raw_rec(f, 1, 0, 0x7fffffff, 0x7fffffff, buf, 100);
	fclose(f);
	p = open_ok("pcap:name=h2,read=%s,rate=max", "huge.pcap");
	assert_int_equal(drain(p, 0, 100, 100), 1);
	assert_false(port_up(p));
	vn_port_close(p);

	/* records that are all dropped, looped for ever: each pass returns, bounded */
	f = raw_open("runts.pcap", 65535, 1);
	for (int i = 0; i < 8; i++)
		raw_rec(f, 1, 0, 4, 4, buf, 4);
	fclose(f);
	p = open_ok("pcap:name=h3,read=%s,rate=max,loop=0", "runts.pcap");
	for (int i = 0; i < 5; i++)
		assert_int_equal(drain(p, 0, 100, 1), 0);
	assert_true(p->stats.drops[VN_DROP_RUNT] >= 8);
	assert_true(port_up(p));	/* still playing */
	vn_port_close(p);

	/* an empty capture looped for ever: one play, then down (no spin) */
	fclose(raw_open("empty.pcap", 65535, 1));
	p = open_ok("pcap:name=h4,read=%s,loop=0,rate=max", "empty.pcap");
	assert_int_equal(drain(p, 0, 100, 1), 0);
	assert_false(port_up(p));
	vn_port_close(p);
}

static void test_bad_files_and_specs(void **state)
{
	FILE *f;

	(void)state;
	assert_int_equal(open_err("pcap:name=b0,read=%s", "missing.pcap"), -ENOENT);
	f = fopen(path_of("text.pcap"), "w");
	fputs("not a capture file at all, just text\n", f);
	fclose(f);
	assert_true(open_err("pcap:name=b0,read=%s", "text.pcap") < 0);
	fclose(raw_open("raw.pcap", 65535, 101));	/* LINKTYPE_RAW: IP, no Ethernet */
	assert_int_equal(open_err("pcap:name=b0,read=%s", "raw.pcap"), -EPROTONOSUPPORT);
	f = fopen(path_of("short.pcap"), "w");
	fputs("\xd4\xc3\xb2\xa1\x02", f);	/* a header cut short */
	fclose(f);
	assert_true(open_err("pcap:name=b0,read=%s", "short.pcap") < 0);

	write_frames("ok.pcap", 1, 60, 0);
	assert_int_equal(open_err("pcap:name=b0,read=%s,write=/dev/null", "ok.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0%s", ""), -EINVAL);
	assert_int_equal(open_err("pcap:read=%s", "ok.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0,write=%s,loop=2", "w.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0,read=%s,speed=2,rate=10", "ok.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0,read=%s,speed=0", "ok.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0,read=%s,speed=1.2345", "ok.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0,read=%s,speed=-1", "ok.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0,read=%s,speed=.", "ok.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0,read=%s,speed=99999", "ok.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0,read=%s,rate=0", "ok.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0,read=%s,rate=fast", "ok.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0,read=%s,loop=x", "ok.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0,read=%s,bogus=1", "ok.pcap"), -EINVAL);
	assert_int_equal(open_err("pcap:name=b0,write=/nonexistent-dir/x.pcap%s", ""), -ENOENT);

	/* good ones */
	vn_port_close(open_ok("pcap:name=b0,read=%s,speed=0.5", "ok.pcap"));
	vn_port_close(open_ok("pcap:name=b0,read=%s,speed=2.25,loop=5", "ok.pcap"));
	vn_port_close(open_ok("pcap:name=b0,read=%s,rate=1000", "ok.pcap"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_and_loop),
		cmocka_unit_test(test_pacing),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_hostile_records),
		cmocka_unit_test(test_bad_files_and_specs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

// SPDX-License-Identifier: MIT
/* test_gro.c - GRO: happy merges, a numbered table of must-not-merge rules, 64 KiB cap, round trips
 *
 * Frames come from tests/core/frames.h. Segments are cut from a TSO frame by
 * horrible_segment(), a deliberately naive reference that rewrites each
 * segment's headers field by field and computes full checksums; GRO of those
 * segments must give back the TSO frame byte for byte, metadata included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/csum.h"
#include "core/gro.h"
#include "core/pool.h"
#include "frames.h"

#define MAX_SEGS	128

static struct vn_pool *pool;
static struct vn_gro gro;

static int setup(void **state)
{
	(void)state;
	return vn_pool_create("test_gro", 512, &pool);
}

static int teardown(void **state)
{
	(void)state;
	/* Every test returned every buffer */
	assert_int_equal(vn_pool_avail(pool), 512);
	vn_pool_destroy(pool);
	return 0;
}

static struct vn_pkt *mkpkt(const uint8_t *b, unsigned int len, struct vn_vhdr vh)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);

	assert_non_null(pkt);
	assert_int_equal(vn_pkt_set(pkt, b, len), 0);
	pkt->vh = vh;
	return pkt;
}

/* Recompute the IPv4 header checksum and a full TCP checksum of a frame */
static void fix_csums(uint8_t *b, const struct tf_layout *lay, int ipv)
{
	uint8_t *ip = b + lay->l3_off;
	uint32_t l3_end, l4_len, sum;
	uint16_t c;

	if (ipv == 4) {
		unsigned int ihl = (ip[0] & 0xf) * 4;

		memset(ip + 10, 0, 2);
		c = vn_csum_fold(vn_csum_partial(ip, ihl, 0));
		memcpy(ip + 10, &c, 2);
		l3_end = lay->l3_off + (unsigned int)(ip[2] << 8 | ip[3]);
		l4_len = l3_end - lay->l4_off;
		sum = vn_csum_pseudo_v4(ip + 12, ip + 16, 6, l4_len);
	} else {
		l3_end = lay->l3_off + 40 + (unsigned int)(ip[4] << 8 | ip[5]);
		l4_len = l3_end - lay->l4_off;
		sum = vn_csum_pseudo_v6(ip + 8, ip + 24, 6, l4_len);
	}
	memset(b + lay->l4_off + 16, 0, 2);
	c = vn_csum_fold(vn_csum_partial(b + lay->l4_off, l4_len, sum));
	memcpy(b + lay->l4_off + 16, &c, 2);
}

/**
 * horrible_segment() - Cut a TSO frame into segments the slow, obvious way
 * @x:		TSO frame (tf_build output)
 * @lay:	its layout
 * @ipv:	4 or 6
 * @gso:	payload per segment
 * @segs:	output frames, each VN_PKT_FRAME_MAX bytes
 * @lens:	output lengths
 *
 * Return: number of segments
 */
static unsigned int horrible_segment(const uint8_t *x, const struct tf_layout *lay, int ipv,
				     unsigned int gso, uint8_t (*segs)[VN_PKT_FRAME_MAX],
				     unsigned int *lens)
{
	unsigned int total = lay->len - lay->payload_off, k, n = (total + gso - 1) / gso;
	uint32_t seq0 = (uint32_t)x[lay->l4_off + 4] << 24 | x[lay->l4_off + 5] << 16 |
			x[lay->l4_off + 6] << 8 | x[lay->l4_off + 7];
	uint16_t id0 = (uint16_t)(x[lay->l3_off + 4] << 8 | x[lay->l3_off + 5]);

	assert_true(n <= MAX_SEGS);
	for (k = 0; k < n; k++) {
		unsigned int chunk = k == n - 1 ? total - k * gso : gso;
		uint8_t *s = segs[k], *ip = s + lay->l3_off, *th = s + lay->l4_off;

		memcpy(s, x, lay->payload_off);
		memcpy(s + lay->payload_off, x + lay->payload_off + k * gso, chunk);
		lens[k] = lay->payload_off + chunk;
		if (ipv == 4) {
			tf_put16(ip + 2, (uint16_t)(lens[k] - lay->l3_off));
			tf_put16(ip + 4, (uint16_t)(id0 + k));
		} else {
			tf_put16(ip + 4, (uint16_t)(lens[k] - lay->l3_off - 40));
		}
		tf_put32(th + 4, seq0 + k * gso);
		if (k != n - 1)
			th[13] &= (uint8_t)~0x09;	/* PSH, FIN: last only */
		if (k != 0)
			th[13] &= (uint8_t)~0x80;	/* CWR: first only */
		fix_csums(s, lay, ipv);
	}
	return n;
}

static uint8_t segbuf[MAX_SEGS][VN_PKT_FRAME_MAX];
static unsigned int seglen[MAX_SEGS];
static uint8_t xbuf[VN_PKT_FRAME_MAX];

static void expect_frame(const struct vn_pkt *pkt, const uint8_t *b, unsigned int len,
			 const struct vn_vhdr *vh)
{
	assert_int_equal(vn_pkt_len(pkt), len);
	assert_memory_equal(vn_pkt_data(pkt), b, len);
	assert_int_equal(pkt->vh.flags, vh->flags);
	assert_int_equal(pkt->vh.gso_type, vh->gso_type);
	assert_int_equal(pkt->vh.gso_size, vh->gso_size);
	assert_int_equal(pkt->vh.hdr_len, vh->hdr_len);
	assert_int_equal(pkt->vh.csum_start, vh->csum_start);
	assert_int_equal(pkt->vh.csum_offset, vh->csum_offset);
	assert_int_equal(pkt->vh.num_buffers, vh->num_buffers);
}

/* GRO(horrible_segment(x)) must be x, with the TSO metadata of a guest's x */
static void roundtrip_segments(const struct tf_spec *spec, unsigned int gso, uint8_t seg_flags)
{
	struct vn_pkt *in[MAX_SEGS], *out[MAX_SEGS];
	struct tf_layout lay;
	struct vn_vhdr vh, seg_vh = { .flags = seg_flags };
	unsigned int len = tf_build(xbuf, spec, &lay), n, k, got;
	uint64_t sw0 = gro.csum_sw;

	vh = tf_gso_vhdr(spec, &lay, (uint16_t)gso, spec->tcp_flags & 0x80);
	n = horrible_segment(xbuf, &lay, spec->ipv, gso, segbuf, seglen);
	assert_true(n >= 2);
	for (k = 0; k < n; k++) {
		/* NEEDS_CSUM: GRO must not look at the field (here a full sum) */
		if (seg_flags & VN_VHDR_F_NEEDS_CSUM) {
			seg_vh.csum_start = (uint16_t)lay.l4_off;
			seg_vh.csum_offset = 16;
		}
		in[k] = mkpkt(segbuf[k], seglen[k], seg_vh);
	}
	got = vn_gro_burst(&gro, pool, in, n, out, MAX_SEGS);
	assert_int_equal(got, 1);
	expect_frame(out[0], xbuf, len, &vh);
	/* What we build passes what we demand of a guest */
	assert_int_equal(vn_vhdr_validate(out[0]), VN_DROP_NONE);
	assert_int_equal(gro.csum_sw - sw0, seg_flags ? 0 : n);
	vn_pkt_put(out[0]);
}

static void test_gro_merges_tso_frames(void **state)
{
	/* Numbered table of flows that must come back whole */
	static const struct { struct tf_spec s; unsigned int gso; } t[] = {
		/* 1 */ { { .ipv = 4, .proto = 6, .payload = 3 * 1448, .tcp_flags = 0x10 }, 1448 },
		/* 2 */ { { .ipv = 4, .proto = 6, .payload = 10 * 1448 + 17, .tcp_flags = 0x18,
			    .df = true, .ip_id = 0xfffe, .seq = 0xfffffff0 }, 1448 },
		/* 3 */ { { .ipv = 6, .proto = 6, .payload = 5 * 1428 + 1, .tcp_flags = 0x18 }, 1428 },
		/* 4 */ { { .ipv = 4, .proto = 6, .payload = 4000, .nvlan = 2, .tcp_opt_len = 12,
			    .tcp_flags = 0x10, .tos = 0x02 }, 1000 },
		/* 5 */ { { .ipv = 6, .proto = 6, .payload = 9000, .nvlan = 1, .tcp_opt_len = 40,
			    .tcp_flags = 0x18, .tos = 0xb8 }, 1 + 1447 },
		/* 6: CWR on the first: ECN super-frame */
		/* 6 */ { { .ipv = 4, .proto = 6, .payload = 5000, .tcp_flags = 0x90 }, 1448 },
		/* 7: ECE on all segments is fine (it matches) */
		/* 7 */ { { .ipv = 6, .proto = 6, .payload = 5000, .tcp_flags = 0xd8 }, 1200 },
		/* 8: 64 KiB exactly (65535 - 20 - 20 payload) */
		/* 8 */ { { .ipv = 4, .proto = 6, .payload = 65495, .tcp_flags = 0x10 }, 1448 },
		/* 9: IPv6 with 65535 - 40 - 20 */
		/* 9 */ { { .ipv = 6, .proto = 6, .payload = 65475, .tcp_flags = 0x10 }, 9000 },
		/* 10: tiny segments */
		/* 10 */ { { .ipv = 4, .proto = 6, .payload = 100, .tcp_flags = 0x10 }, 1 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < VN_ARRAY_SIZE(t); i++) {
		if (t[i].s.payload / t[i].gso >= MAX_SEGS)
			continue;
		roundtrip_segments(&t[i].s, t[i].gso, 0);
		roundtrip_segments(&t[i].s, t[i].gso, VN_VHDR_F_DATA_VALID);
		roundtrip_segments(&t[i].s, t[i].gso, VN_VHDR_F_NEEDS_CSUM);
	}
	assert_true(gro.frames >= 3 * (VN_ARRAY_SIZE(t) - 1));
}

static void test_gro_tiny_segments(void **state)
{
	struct tf_spec s = { .ipv = 4, .proto = 6, .payload = 100, .tcp_flags = 0x10 };

	(void)state;
	/* 100 one-byte segments */
	roundtrip_segments(&s, 1, 0);
}

/*
 * Must-not-merge table. Two full-size segments a, b of one flow are built;
 * case k changes a, b or their metadata; GRO must return both untouched.
 * Case 0 changes nothing and must merge (so the table tests what it says).
 */
enum { SEG = 1000 };

struct mnm {
	struct tf_spec a, b;
	struct tf_layout la, lb;
	uint8_t fa[VN_PKT_FRAME_MAX], fb[VN_PKT_FRAME_MAX];
	unsigned int lena, lenb;
	struct vn_vhdr vha, vhb;
	uint16_t porta, portb, tcia, tcib;
	bool fix;	/* recompute checksums after byte edits */
	bool shared_a;
	bool no_pool;
};

/* Spec-level changes (before building) */
static void mnm_spec(int k, struct mnm *m)
{
	struct tf_spec *a = &m->a, *b = &m->b;

	switch (k) {
	case 1: b->dmac_last = 9; break;		/* destination MAC */
	case 2: b->smac_last = 9; break;		/* source MAC */
	case 7: b->sport = 40001; break;		/* source port */
	case 8: b->dport = 5202; break;			/* destination port */
	case 9: b->tos = 0x10; break;			/* TOS */
	case 11: b->df = !a->df; break;			/* DF */
	case 12: b->ip_id = a->ip_id + 2; break;	/* ID jumps */
	case 13: a->df = b->df = false; b->ip_id = a->ip_id; break; /* fixed ID without DF */
	case 14: a->ip_opt_len = b->ip_opt_len = 4; break; /* IPv4 options */
	case 16: a->ipv = b->ipv = 6; a->v6_ext_len = b->v6_ext_len = 8; break; /* ext header */
	case 17: a->ipv = b->ipv = 6; b->tos = 0x20; break; /* traffic class */
	case 18: a->ipv = b->ipv = 6; break;		/* flow label (bytes below) */
	case 19: a->ipv = b->ipv = 6; break;		/* hop limit (bytes below) */
	case 20: b->seq += 1; break;			/* sequence gap */
	case 21: b->seq = a->seq; break;		/* retransmission */
	case 25: a->tcp_opt_len = b->tcp_opt_len = 12; break; /* timestamps (bytes below) */
	case 26: b->tcp_opt_len = 4; break;		/* data offset */
	case 27: b->tcp_flags |= 0x02; break;		/* SYN */
	case 28: b->tcp_flags |= 0x01; break;		/* FIN */
	case 29: b->tcp_flags |= 0x04; break;		/* RST */
	case 30: b->tcp_flags |= 0x20; break;		/* URG */
	case 31: b->tcp_flags |= 0x80; break;		/* CWR on a later segment */
	case 32: b->tcp_flags |= 0x40; break;		/* ECE differs */
	case 33: a->tcp_flags |= 0x08; break;		/* PSH on the first */
	case 34: b->payload = SEG + 1; break;		/* later segment longer */
	case 35: a->payload = SEG - 1; b->seq = a->seq + SEG - 1; break; /* short first */
	case 36: b->payload = 0; break;			/* pure ACK */
	case 43: b->ipv = 6; break;			/* IP version */
	case 46: a->tcp_flags = b->tcp_flags = 0x30; break; /* URG on both */
	case 47: a->tcp_flags = b->tcp_flags = 0x12; break; /* SYN on both */
	default: break;
	}
}

/* Byte and metadata changes (after building) */
static void mnm_bytes(int k, struct mnm *m)
{
	uint8_t *ipb = m->fb + m->lb.l3_off, *thb = m->fb + m->lb.l4_off;
	uint8_t *ipa = m->fa + m->la.l3_off, *tha = m->fa + m->la.l4_off;

	switch (k) {
	case 3: m->fb[15] ^= 1; break;			/* VLAN ID (frames have a tag) */
	case 4: m->portb = 3; break;			/* ingress port */
	case 5: m->tcib = 7; break;			/* VLAN classification */
	case 6: ipb[15] ^= 1; break;			/* IPv4 source address */
	case 10: ipb[8] -= 1; break;			/* TTL */
	case 15: ipb[6] |= 0x20; break;			/* MF: a fragment */
	case 18: ipb[3] ^= 1; break;			/* flow label */
	case 19: ipb[7] -= 1; break;			/* hop limit */
	case 22: thb[11] ^= 1; break;			/* ACK number */
	case 23: thb[15] ^= 1; break;			/* window */
	case 24: thb[19] = 1; break;			/* urgent pointer */
	case 25:					/* timestamp differs */
		memcpy(tha + 20, "\x01\x01\x08\x0a\0\0\0\1\0\0\0\2", 12);
		memcpy(thb + 20, "\x01\x01\x08\x0a\0\0\0\3\0\0\0\2", 12);
		break;
	case 37: m->fix = false; thb[16] ^= 0x55; break; /* bad TCP checksum on b */
	case 38: m->fix = false; tha[16] ^= 0x55; break; /* bad TCP checksum on a */
	case 39: m->fix = false; ipb[10] ^= 0x55; break; /* bad IPv4 header checksum */
	case 40: m->lenb += 4; break;			/* Ethernet padding */
	case 41: m->vhb.gso_type = VN_VHDR_GSO_TCPV4;	/* already a GSO frame */
		m->vhb.gso_size = 500;
		m->vhb.flags = VN_VHDR_F_NEEDS_CSUM;
		m->vhb.csum_start = (uint16_t)m->lb.l4_off;
		m->vhb.csum_offset = 16;
		break;
	case 42: m->vhb.flags = VN_VHDR_F_NEEDS_CSUM;	/* checksum pending elsewhere */
		m->vhb.csum_start = (uint16_t)m->lb.l4_off;
		m->vhb.csum_offset = 6;
		break;
	case 44: m->shared_a = true; m->no_pool = true; break; /* shared first, no pool */
	case 45: m->vha.flags = VN_VHDR_F_NEEDS_CSUM;	/* first: pending elsewhere */
		m->vha.csum_start = (uint16_t)m->la.l4_off;
		m->vha.csum_offset = 0;
		break;
	default: break;
	}
	(void)ipa;
}

static void test_gro_must_not_merge(void **state)
{
	static struct mnm m;
	int k;

	(void)state;
	for (k = 0; k <= 47; k++) {
		struct vn_pkt *in[2], *out[2];
		uint64_t bad0 = gro.csum_bad, nobuf0 = gro.no_buffer;
		unsigned int got;

		memset(&m, 0, sizeof(m));
		m.a = (struct tf_spec){ .ipv = 4, .proto = 6, .payload = SEG, .tcp_flags = 0x10,
					.df = true, .ip_id = 77, .seq = 1000,
					.nvlan = k == 3 ? 1 : 0 };
		m.b = m.a;
		m.b.seq = m.a.seq + SEG;
		m.b.ip_id = m.a.ip_id + 1;
		m.fix = true;
		mnm_spec(k, &m);
		m.lena = tf_build(m.fa, &m.a, &m.la);
		m.lenb = tf_build(m.fb, &m.b, &m.lb);
		mnm_bytes(k, &m);
		if (m.fix) {
			fix_csums(m.fa, &m.la, m.a.ipv);
			fix_csums(m.fb, &m.lb, m.b.ipv);
		}
		in[0] = mkpkt(m.fa, m.lena, m.vha);
		in[1] = mkpkt(m.fb, m.lenb, m.vhb);
		in[0]->in_port = m.porta;
		in[1]->in_port = m.portb;
		in[0]->vlan_tci = m.tcia;
		in[1]->vlan_tci = m.tcib;
		if (m.shared_a)
			vn_pkt_get(in[0]);
		got = vn_gro_burst(&gro, m.no_pool ? NULL : pool, in, 2, out, 2);
		if (k == 0) {
			/* The base case merges: the table tests the rules */
			assert_int_equal(got, 1);
			assert_int_equal(out[0]->len, m.lena + SEG);
			vn_pkt_put(out[0]);
			continue;
		}
		print_message("case %d\n", k);
		assert_int_equal(got, 2);
		assert_ptr_equal(out[0], in[0]);
		assert_ptr_equal(out[1], in[1]);
		expect_frame(out[0], m.fa, m.lena, &m.vha);
		expect_frame(out[1], m.fb, m.lenb, &m.vhb);
		if (k == 37 || k == 38 || k == 42 || k == 45)
			assert_int_equal(gro.csum_bad, bad0 + 1);
		if (k == 44) {
			assert_int_equal(gro.no_buffer, nobuf0 + 1);
			vn_pkt_put(in[0]);
		}
		vn_pkt_put(out[0]);
		vn_pkt_put(out[1]);
	}
}

/* 50 full segments: the first frame stops below 64 KiB, the rest make a second */
static void test_gro_64k_cap(void **state)
{
	static const int ipvs[] = { 4, 6 };
	unsigned int v;

	(void)state;
	for (v = 0; v < 2; v++) {
		struct tf_spec s = { .ipv = ipvs[v], .proto = 6, .payload = 50 * 1448,
				     .tcp_flags = 0x10 };
		struct vn_pkt *in[MAX_SEGS], *out[MAX_SEGS];
		struct tf_layout lay;
		unsigned int n, k, got, ip_hdr = ipvs[v] == 4 ? 20 : 40, per;
		uint32_t payload = 0;

		/* 50 segments do not fit one buffer-sized frame: build in two halves */
		s.payload = 25 * 1448;
		tf_build(xbuf, &s, &lay);
		n = horrible_segment(xbuf, &lay, s.ipv, 1448, segbuf, seglen);
		for (k = 0; k < n; k++)
			in[k] = mkpkt(segbuf[k], seglen[k], (struct vn_vhdr){ 0 });
		s.seq = 25 * 1448;
		s.ip_id = 25;
		tf_build(xbuf, &s, &lay);
		n = horrible_segment(xbuf, &lay, s.ipv, 1448, segbuf, seglen);
		for (k = 0; k < n; k++)
			in[25 + k] = mkpkt(segbuf[k], seglen[k], (struct vn_vhdr){ 0 });
		got = vn_gro_burst(&gro, pool, in, 50, out, MAX_SEGS);
		per = (VN_GRO_IP_MAX - ip_hdr - 20) / 1448;
		assert_int_equal(got, 2);
		for (k = 0; k < got; k++) {
			struct vn_hdrs h;

			assert_int_equal(vn_parse_hdrs(out[k], &h), VN_DROP_NONE);
			assert_true(h.l3_end - h.l3_off <= VN_GRO_IP_MAX);
			payload += h.l3_end - h.payload_off;
		}
		assert_int_equal(out[0]->len - lay.payload_off, per * 1448);
		assert_true(out[0]->len - lay.payload_off + 1448 + ip_hdr + 20 > VN_GRO_IP_MAX);
		assert_int_equal(payload, 50 * 1448);
		vn_pkt_put_bulk(out, got);
	}
}

/* 2050 one-byte segments: at most VN_VHDR_GSO_SEGS_MAX per merged frame */
static void test_gro_segs_cap(void **state)
{
	enum { N = VN_VHDR_GSO_SEGS_MAX + 2 };
	static struct vn_pkt *in[N], *out[N];
	struct vn_pool *big;
	struct tf_layout lay;
	uint8_t f[128];
	unsigned int k, got, len;

	(void)state;
	assert_int_equal(vn_pool_create("segs_cap", N, &big), 0);
	for (k = 0; k < N; k++) {
		struct tf_spec s = { .ipv = 4, .proto = 6, .payload = 1, .tcp_flags = 0x10,
				     .seq = k, .ip_id = (uint16_t)k, .seed = (uint8_t)k };

		len = tf_build(f, &s, &lay);
		fix_csums(f, &lay, 4);
		in[k] = vn_pool_alloc(big);
		assert_non_null(in[k]);
		assert_int_equal(vn_pkt_set(in[k], f, len), 0);
		in[k]->vh.flags = VN_VHDR_F_DATA_VALID;
	}
	got = vn_gro_burst(&gro, big, in, N, out, N);
	assert_int_equal(got, 2);
	assert_int_equal(out[0]->len, lay.payload_off + VN_VHDR_GSO_SEGS_MAX);
	assert_int_equal(out[1]->len, lay.payload_off + 2);
	assert_int_equal(vn_vhdr_validate(out[0]), VN_DROP_NONE);
	assert_int_equal(vn_vhdr_validate(out[1]), VN_DROP_NONE);
	vn_pkt_put_bulk(out, got);
	assert_int_equal(vn_pool_avail(big), N);
	vn_pool_destroy(big);
}

/* Two interleaved flows, non-TCP frames and an out-of-order segment */
static void test_gro_order_preserved(void **state)
{
	struct tf_spec fa = { .ipv = 4, .proto = 6, .payload = 500, .tcp_flags = 0x10,
			      .sport = 1111 };
	struct tf_spec fb = { .ipv = 6, .proto = 6, .payload = 500, .tcp_flags = 0x10,
			      .sport = 2222 };
	struct tf_spec udp = { .ipv = 4, .proto = 17, .payload = 50 };
	static const uint8_t arp[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1,
					 0x08, 0x06 };
	struct vn_pkt *in[10], *out[10];
	struct tf_layout la, lb, lu;
	uint8_t f[VN_PKT_FRAME_MAX];
	unsigned int got, i, ulen;

	(void)state;
	/* a0 b0 udp a1 arp b1 a3(gap) a4 b2 */
#define SEGMENT(spec, lay, k) do {					\
		struct tf_spec _s = spec;				\
		unsigned int _l;					\
		_s.seq = (k) * 500;					\
		_s.ip_id = (uint16_t)(k);				\
		_l = tf_build(f, &_s, &lay);				\
		fix_csums(f, &lay, _s.ipv);				\
		in[i++] = mkpkt(f, _l, (struct vn_vhdr){ 0 });		\
	} while (0)
	i = 0;
	SEGMENT(fa, la, 0);
	SEGMENT(fb, lb, 0);
	ulen = tf_build(f, &udp, &lu);
	in[i++] = mkpkt(f, ulen, (struct vn_vhdr){ 0 });
	SEGMENT(fa, la, 1);
	in[i++] = mkpkt(arp, sizeof(arp), (struct vn_vhdr){ 0 });
	SEGMENT(fb, lb, 1);
	SEGMENT(fa, la, 3);
	SEGMENT(fa, la, 4);
	SEGMENT(fb, lb, 2);
#undef SEGMENT
	assert_int_equal(i, 9);
	{
		struct vn_pkt *a0 = in[0], *b0 = in[1], *u = in[2], *ap = in[4], *a3 = in[6];

		/* In place: out is the input array */
		got = vn_gro_burst(&gro, pool, in, 9, in, 9);
		memcpy(out, in, sizeof(out));
		/* a0+a1, b0+b1+b2, udp, arp, a3+a4 */
		assert_int_equal(got, 5);
		assert_ptr_equal(out[0], a0);
		assert_ptr_equal(out[1], b0);
		assert_ptr_equal(out[2], u);
		assert_ptr_equal(out[3], ap);
		assert_ptr_equal(out[4], a3);
		assert_int_equal(out[0]->len, la.payload_off + 1000);
		assert_int_equal(out[1]->len, lb.payload_off + 1500);
		assert_int_equal(out[4]->len, la.payload_off + 1000);
		assert_int_equal(out[2]->len, ulen);
	}
	vn_pkt_put_bulk(out, got);
}

/* A shared first segment is copied, the original stays as it was */
static void test_gro_shared_first_copied(void **state)
{
	struct tf_spec s = { .ipv = 4, .proto = 6, .payload = 3000, .tcp_flags = 0x10 };
	struct vn_pkt *in[3], *out[3], *orig;
	struct tf_layout lay;
	unsigned int len, n, k, got;
	struct vn_vhdr vh;

	(void)state;
	len = tf_build(xbuf, &s, &lay);
	vh = tf_gso_vhdr(&s, &lay, 1000, false);
	n = horrible_segment(xbuf, &lay, 4, 1000, segbuf, seglen);
	for (k = 0; k < n; k++)
		in[k] = mkpkt(segbuf[k], seglen[k], (struct vn_vhdr){ .flags = VN_VHDR_F_DATA_VALID });
	orig = in[0];
	vn_pkt_get(orig);	/* someone else (a flood) holds it too */
	got = vn_gro_burst(&gro, pool, in, n, out, 3);
	assert_int_equal(got, 1);
	assert_ptr_not_equal(out[0], orig);
	expect_frame(out[0], xbuf, len, &vh);
	/* The other holder's frame is unchanged, and only it holds it now */
	assert_int_equal(orig->refcnt, 1);
	assert_int_equal(orig->len, seglen[0]);
	assert_memory_equal(vn_pkt_data(orig), segbuf[0], seglen[0]);
	assert_int_equal(orig->vh.flags, VN_VHDR_F_DATA_VALID);
	vn_pkt_put(orig);
	vn_pkt_put(out[0]);
}

/* max_out smaller than n: the rest is not touched */
static void test_gro_max_out(void **state)
{
	struct tf_spec s = { .ipv = 4, .proto = 6, .payload = 3000, .tcp_flags = 0x10 };
	struct vn_pkt *in[3], *out[2];
	struct tf_layout lay;
	unsigned int n, k, got;

	(void)state;
	tf_build(xbuf, &s, &lay);
	n = horrible_segment(xbuf, &lay, 4, 1000, segbuf, seglen);
	for (k = 0; k < n; k++)
		in[k] = mkpkt(segbuf[k], seglen[k], (struct vn_vhdr){ 0 });
	got = vn_gro_burst(&gro, pool, in, n, out, 2);
	assert_int_equal(got, 1);
	assert_int_equal(out[0]->len, lay.payload_off + 2000);
	/* Still the caller's, unmodified */
	assert_int_equal(in[2]->len, seglen[2]);
	assert_memory_equal(vn_pkt_data(in[2]), segbuf[2], seglen[2]);
	vn_pkt_put(out[0]);
	vn_pkt_put(in[2]);
	assert_int_equal(vn_gro_burst(&gro, pool, in, 0, out, 2), 0);
}

/* Random flows: GRO(horrible_segment(x)) == x */
static void test_gro_random_roundtrip(void **state)
{
	unsigned int iter, done = 0;
	uint64_t frames0 = gro.frames;

	(void)state;
	srand(3);
	for (iter = 0; iter < 300; iter++) {
		struct tf_spec s = { .proto = 6 };
		unsigned int hdrs, gso, maxp;

		s.ipv = rand() % 2 ? 4 : 6;
		s.nvlan = rand() % 3;
		s.tcp_opt_len = 4 * (unsigned int)(rand() % 11);
		s.tcp_flags = (uint8_t)(0x10 | (rand() % 2 ? 0x08 : 0) | (rand() % 4 ? 0 : 0x80) |
					(rand() % 4 ? 0 : 0x40));
		s.tos = (uint8_t)(rand() % 4 ? 0 : rand());
		s.df = rand() % 2;
		s.seq = (uint32_t)rand() * 2654435761u;
		s.ip_id = (uint16_t)rand();
		s.seed = (uint8_t)rand();
		gso = 1 + (unsigned int)rand() % 9000;
		hdrs = (s.ipv == 4 ? 20 : 40) + 20 + s.tcp_opt_len;
		maxp = VN_MIN(VN_GRO_IP_MAX - hdrs, (MAX_SEGS - 1) * gso);
		if (maxp <= gso)
			continue;
		s.payload = gso + 1 + (unsigned int)rand() % (maxp - gso);
		roundtrip_segments(&s, gso, (uint8_t)(rand() % 3 == 0 ? VN_VHDR_F_DATA_VALID : 0));
		done++;
	}
	/* The filter above keeps most draws */
	assert_true(done > 250);
	assert_int_equal(gro.frames - frames0, done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gro_merges_tso_frames),
		cmocka_unit_test(test_gro_tiny_segments),
		cmocka_unit_test(test_gro_must_not_merge),
		cmocka_unit_test(test_gro_64k_cap),
		cmocka_unit_test(test_gro_segs_cap),
		cmocka_unit_test(test_gro_order_preserved),
		cmocka_unit_test(test_gro_shared_first_copied),
		cmocka_unit_test(test_gro_max_out),
		cmocka_unit_test(test_gro_random_roundtrip),
	};

	vn_gro_init(&gro);
	return cmocka_run_group_tests(tests, setup, teardown);
}

// SPDX-License-Identifier: MIT
/* gro.c - software GRO: parse each frame, join or open a flow, finish merged frames
 *
 * Per frame of the burst: parse (seg_parse), decide whether it could be part
 * of any merged frame (seg_eligible), find its open flow (flow_find), try to
 * append it (flow_join, which checks the rules of gro.h against the flow's
 * first segment); otherwise close that flow and maybe open a new one. At the
 * end of the burst every flow is closed: flow_finish() writes the headers
 * and metadata of frames that merged two or more segments.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "be.h"
#include "csum.h"
#include "gro.h"
#include "pool.h"

enum id_mode { ID_UNDECIDED, ID_INCREMENTING, ID_FIXED };

/**
 * struct seg - one frame as GRO sees it
 * @pkt:	the frame
 * @h:		its headers
 * @ip:		IP header (h.l3_hlen bytes)
 * @th:		TCP header (h.l4_hlen bytes)
 * @hash:	hash of addresses and ports
 * @plen:	TCP payload bytes
 * @seq:	sequence number, host order
 * @tflags:	TCP flags byte
 * @candidate:	may start or join a merged frame
 */
struct seg {
	struct vn_pkt *pkt;
	struct vn_hdrs h;
	const uint8_t *ip;
	const uint8_t *th;
	uint32_t hash;
	uint32_t plen;
	uint32_t seq;
	uint8_t tflags;
	bool candidate;
};

void vn_gro_init(struct vn_gro *g)
{
	memset(g, 0, sizeof(*g));
}

/* Offset and length of the addresses in the IP header */
static uint32_t addr_off(uint8_t ip_version)
{
	return ip_version == 4 ? 12 : 8;
}

static uint32_t addr_len(uint8_t ip_version)
{
	return ip_version == 4 ? 8 : 32;
}

static uint32_t seg_hash(const struct seg *s)
{
	uint32_t off = addr_off(s->h.ip_version), len = addr_len(s->h.ip_version);
	uint32_t h = 0x811c9dc5, i;

	for (i = 0; i < len; i += 4)
		h = (h ^ vn_be32(s->ip + off + i)) * 0x9e3779b1u;
	return (h ^ vn_be32(s->th)) * 0x9e3779b1u;
}

/* Parse @s->pkt; false when it is not IP + TCP with the headers in the frame */
static bool seg_parse(struct seg *s)
{
	if (vn_parse_hdrs(s->pkt, &s->h) != VN_DROP_NONE)
		return false;
	if (s->h.ip_version == 0 || s->h.l4_proto != VN_IPPROTO_TCP ||
	    !(s->h.flags & VN_HDRS_F_L4))
		return false;
	s->ip = vn_pkt_ptr(s->pkt, s->h.l3_off, s->h.l3_hlen);
	s->th = vn_pkt_ptr(s->pkt, s->h.l4_off, s->h.l4_hlen);
	/* The walk said the headers fit; do not take its word for it */
	if (!s->ip || !s->th || s->h.l4_hlen < VN_TCP_HLEN || s->h.l3_end < s->h.payload_off)
		return false;
	s->plen = s->h.l3_end - s->h.payload_off;
	s->seq = vn_be32(s->th + VN_TCP_SEQ);
	s->tflags = s->th[VN_TCP_FLAGS];
	s->hash = seg_hash(s);
	return true;
}

/* Could this segment be part of a merged frame at all, whatever the flow? */
static bool seg_eligible(const struct seg *s)
{
	const uint32_t bad_hdrs = VN_HDRS_F_FRAG | VN_HDRS_F_LATER_FRAG | VN_HDRS_F_IP_OPTS |
				  VN_HDRS_F_V6_EXT | VN_HDRS_F_V6_RTHDR | VN_HDRS_F_AH;

	/* Already a TSO frame: nothing to gain, and its headers are a template */
	if (vn_vhdr_is_gso(&s->pkt->vh))
		return false;
	/* Fragments, IPv4 options, IPv6 extension headers: the kernel won't either */
	if (s->h.flags & bad_hdrs)
		return false;
	/* Padding or trailing bytes: the IP length is not what we received */
	if (s->h.l3_end != s->pkt->len)
		return false;
	/* Control segments and pure ACKs travel as they are. CWR too, as in
	 * Linux 6.18 (a CWR segment is flushed alone): with AccECN, CWR is
	 * part of a counter that merging would lose.
	 */
	if ((s->tflags & (VN_TCP_SYN | VN_TCP_FIN | VN_TCP_RST | VN_TCP_URG | VN_TCP_CWR)) || s->plen == 0)
		return false;
	/* Corrupt IPv4 header: not ours to rewrite */
	if (s->h.ip_version == 4 && vn_csum_fold(vn_csum_partial(s->ip, VN_IP4_HLEN, 0)) != 0)
		return false;
	return true;
}

/* The TCP checksum of a frame is good (or will be computed by the sender) */
static bool csum_good(struct vn_gro *g, const struct vn_pkt *pkt, const struct vn_hdrs *h)
{
	const uint8_t *ip = vn_pkt_ptr(pkt, h->l3_off, h->l3_hlen);
	uint32_t l4_len = h->l3_end - h->l4_off, sum;
	const uint8_t *l4 = vn_pkt_ptr(pkt, h->l4_off, l4_len);

	if (pkt->vh.flags & VN_VHDR_F_DATA_VALID)
		return true;
	/* Checksum pending at the TCP field: the merged frame keeps it pending */
	if (pkt->vh.flags & VN_VHDR_F_NEEDS_CSUM)
		return pkt->vh.csum_start == h->l4_off && pkt->vh.csum_offset == VN_TCP_CSUM;
	if (!ip || !l4)
		return false;
	g->csum_sw++;
	if (h->ip_version == 4)
		sum = vn_csum_pseudo_v4(ip + VN_IP4_SADDR, ip + VN_IP4_DADDR, VN_IPPROTO_TCP, l4_len);
	else
		sum = vn_csum_pseudo_v6(ip + VN_IP6_SADDR, ip + VN_IP6_DADDR, VN_IPPROTO_TCP, l4_len);
	return vn_csum_fold(vn_csum_partial(l4, l4_len, sum)) == 0;
}

static const uint8_t *flow_ip(const struct vn_gro_flow *f)
{
	return vn_pkt_ptr(f->pkt, f->h.l3_off, f->h.l3_hlen);
}

static const uint8_t *flow_th(const struct vn_gro_flow *f)
{
	return vn_pkt_ptr(f->pkt, f->h.l4_off, f->h.l4_hlen);
}

/* Same flow: ingress, L2 header, IP version, addresses, ports */
static bool flow_match(const struct vn_gro_flow *f, const struct seg *s)
{
	const struct vn_pkt *a = f->pkt, *b = s->pkt;
	uint32_t aoff = addr_off(s->h.ip_version), alen = addr_len(s->h.ip_version);
	const uint8_t *l2a, *l2b, *ip, *th;

	if (f->hash != s->hash || f->h.ip_version != s->h.ip_version ||
	    f->h.l3_off != s->h.l3_off)
		return false;
	if (a->in_port != b->in_port || a->vlan_tci != b->vlan_tci)
		return false;
	l2a = vn_pkt_ptr(a, 0, f->h.l3_off);
	l2b = vn_pkt_ptr(b, 0, s->h.l3_off);
	ip = flow_ip(f);
	th = flow_th(f);
	if (!l2a || !l2b || !ip || !th)
		return false;
	return !memcmp(l2a, l2b, f->h.l3_off) && !memcmp(ip + aoff, s->ip + aoff, alen) &&
	       !memcmp(th, s->th, 4);
}

static struct vn_gro_flow *flow_find(struct vn_gro *g, const struct seg *s)
{
	unsigned int i;

	for (i = 0; i < VN_GRO_FLOWS; i++)
		if (g->flows[i].pkt && flow_match(&g->flows[i], s))
			return &g->flows[i];
	return NULL;
}

/* IPv4 fields that must match, and the ID rule; *@mode gets the ID rule */
static bool ipv4_fits(const struct vn_gro_flow *f, const uint8_t *ip, const struct seg *s,
		      uint8_t *mode)
{
	uint16_t id = vn_be16(s->ip + VN_IP4_ID), inc = (uint16_t)(f->first_id + f->segs);

	/* TOS (DSCP/ECN), TTL and DF must be the same on every segment */
	if (ip[VN_IP4_TOS] != s->ip[VN_IP4_TOS] || ip[VN_IP4_TTL] != s->ip[VN_IP4_TTL] ||
	    ((ip[VN_IP4_FRAG] ^ s->ip[VN_IP4_FRAG]) & VN_IP4_DF))
		return false;
	if ((f->id_mode == ID_UNDECIDED || f->id_mode == ID_INCREMENTING) && id == inc) {
		*mode = ID_INCREMENTING;
		return true;
	}
	/* Fixed IDs only for atomic datagrams (DF), as the kernel allows */
	if ((f->id_mode == ID_UNDECIDED || f->id_mode == ID_FIXED) && id == f->first_id &&
	    (s->ip[VN_IP4_FRAG] & VN_IP4_DF)) {
		*mode = ID_FIXED;
		return true;
	}
	return false;
}

/* Everything of gro.h's join rules that does not need the checksum */
static bool flow_fits(const struct vn_gro_flow *f, const struct seg *s, uint8_t *mode)
{
	const uint8_t *ip = flow_ip(f), *th = flow_th(f);
	uint32_t ip_len = f->pkt->len - f->h.l3_off;

	*mode = f->id_mode;
	if (!ip || !th || !s->candidate)
		return false;
	if (s->h.ip_version == 4 && !ipv4_fits(f, ip, s, mode))
		return false;
	/* IPv6: version, traffic class, flow label; hop limit */
	if (s->h.ip_version == 6 &&
	    (memcmp(ip, s->ip, VN_IP6_PLEN) || ip[VN_IP6_HOPS] != s->ip[VN_IP6_HOPS]))
		return false;
	/* Out of order, retransmitted or a gap */
	if (s->seq != f->next_seq)
		return false;
	/* Data offset, ACK number, window, urgent pointer, options must match;
	 * flags too except PSH (allowed on the last)
	 */
	if (s->h.l4_hlen != f->h.l4_hlen || th[VN_TCP_DOFF] != s->th[VN_TCP_DOFF] ||
	    memcmp(th + VN_TCP_ACK, s->th + VN_TCP_ACK, 4) ||
	    memcmp(th + VN_TCP_WIN, s->th + VN_TCP_WIN, 2) ||
	    memcmp(th + VN_TCP_URP, s->th + VN_TCP_URP, f->h.l4_hlen - VN_TCP_URP))
		return false;
	if ((s->tflags ^ th[VN_TCP_FLAGS]) & ~VN_TCP_PSH)
		return false;
	/* Longer than the first: it cannot be a later segment of one TSO frame */
	if (s->plen > f->gso_size)
		return false;
	/* More segments than vn_vhdr_validate() lets a TSO frame have */
	if (f->segs >= VN_VHDR_GSO_SEGS_MAX)
		return false;
	/* 64 KiB IP datagram cap; room in the buffer behind the frame */
	if (ip_len > VN_GRO_IP_MAX || VN_GRO_IP_MAX - ip_len < s->plen ||
	    vn_pkt_tailroom(f->pkt) < s->plen)
		return false;
	return true;
}

enum join_result { JOINED, NOT_JOINED };

/* Append @s to @f if the rules allow; on JOINED @s->pkt is queued for release */
static enum join_result flow_join(struct vn_gro *g, struct vn_pool *pool,
				  struct vn_gro_flow *f, struct seg *s, struct vn_pkt **out)
{
	const uint8_t *src;
	uint8_t mode, *dst;

	if (!flow_fits(f, s, &mode))
		return NOT_JOINED;
	/* First segment bad: it leaves alone; @s may still open a new flow */
	if (!f->csum_ok && !csum_good(g, f->pkt, &f->h)) {
		g->csum_bad++;
		return NOT_JOINED;
	}
	f->csum_ok = 1;
	if (!csum_good(g, s->pkt, &s->h)) {
		g->csum_bad++;
		s->candidate = false;
		return NOT_JOINED;
	}
	if (vn_pkt_shared(f->pkt)) {
		if (!pool || vn_pkt_unshare(pool, &f->pkt)) {
			g->no_buffer++;
			return NOT_JOINED;
		}
		out[f->slot] = f->pkt;
	}
	src = vn_pkt_ptr(s->pkt, s->h.payload_off, s->plen);
	dst = vn_pkt_append(f->pkt, s->plen);
	/* flow_fits() checked the room and seg_parse() the payload */
	VN_ASSERT(src && dst);
	memcpy(dst, src, s->plen);
	f->segs++;
	f->next_seq += s->plen;
	f->id_mode = mode;
	f->psh = !!(s->tflags & VN_TCP_PSH);
	g->merged++;
	if (g->nrelease == VN_GRO_RELEASE_BATCH) {
		vn_pkt_put_bulk(g->release, g->nrelease);
		g->nrelease = 0;
	}
	g->release[g->nrelease++] = s->pkt;
	return JOINED;
}

/* Write the headers and metadata of a frame of two or more segments */
static void flow_finish(struct vn_gro *g, struct vn_gro_flow *f)
{
	struct vn_pkt *pkt = f->pkt;
	uint8_t *ip = vn_pkt_ptr(pkt, f->h.l3_off, f->h.l3_hlen);
	uint8_t *th = vn_pkt_ptr(pkt, f->h.l4_off, f->h.l4_hlen);
	uint32_t ip_len = pkt->len - f->h.l3_off, l4_len = pkt->len - f->h.l4_off, sum;
	uint16_t csum;

	VN_ASSERT(ip && th);
	if (f->h.ip_version == 4) {
		vn_put_be16(ip + VN_IP4_TOT_LEN, (uint16_t)ip_len);
		vn_put_be16(ip + VN_IP4_CSUM, 0);
		csum = vn_csum_fold(vn_csum_partial(ip, VN_IP4_HLEN, 0));
		memcpy(ip + VN_IP4_CSUM, &csum, 2);
		sum = vn_csum_pseudo_v4(ip + VN_IP4_SADDR, ip + VN_IP4_DADDR, VN_IPPROTO_TCP, l4_len);
	} else {
		vn_put_be16(ip + VN_IP6_PLEN, (uint16_t)(ip_len - VN_IP6_HLEN));
		sum = vn_csum_pseudo_v6(ip + VN_IP6_SADDR, ip + VN_IP6_DADDR, VN_IPPROTO_TCP, l4_len);
	}
	if (f->psh)
		th[VN_TCP_FLAGS] |= VN_TCP_PSH;
	csum = vn_csum_fold_nocompl(sum);
	memcpy(th + VN_TCP_CSUM, &csum, 2);

	memset(&pkt->vh, 0, sizeof(pkt->vh));
	pkt->vh.flags = VN_VHDR_F_NEEDS_CSUM;
	/* Never VN_VHDR_GSO_ECN: no CWR segment is merged */
	pkt->vh.gso_type = f->h.ip_version == 4 ? VN_VHDR_GSO_TCPV4 : VN_VHDR_GSO_TCPV6;
	pkt->vh.gso_size = f->gso_size;
	pkt->vh.hdr_len = (uint16_t)f->h.payload_off;
	pkt->vh.csum_start = (uint16_t)f->h.l4_off;
	pkt->vh.csum_offset = VN_TCP_CSUM;
	g->frames++;
}

static void flow_close(struct vn_gro *g, struct vn_gro_flow *f)
{
	if (f->segs > 1)
		flow_finish(g, f);
	f->pkt = NULL;
}

/* Open a flow whose first segment is out[@slot]; evicts the oldest if full */
static void flow_open(struct vn_gro *g, const struct seg *s, uint32_t slot)
{
	struct vn_gro_flow *f = NULL;
	unsigned int i;

	for (i = 0; i < VN_GRO_FLOWS && !f; i++)
		if (!g->flows[i].pkt)
			f = &g->flows[i];
	if (!f) {
		f = &g->flows[0];
		for (i = 1; i < VN_GRO_FLOWS; i++)
			if (g->flows[i].slot < f->slot)
				f = &g->flows[i];
		flow_close(g, f);
	}
	f->pkt = s->pkt;
	f->h = s->h;
	f->hash = s->hash;
	f->slot = slot;
	f->next_seq = s->seq + s->plen;
	f->first_id = s->h.ip_version == 4 ? vn_be16(s->ip + VN_IP4_ID) : 0;
	f->gso_size = (uint16_t)s->plen;
	f->segs = 1;
	f->id_mode = ID_UNDECIDED;
	f->csum_ok = 0;
	f->psh = 0;
}

unsigned int vn_gro_burst(struct vn_gro *g, struct vn_pool *pool, struct vn_pkt **pkts,
			  unsigned int n, struct vn_pkt **out, unsigned int max_out)
{
	unsigned int i, j = 0;

	n = VN_MIN(n, max_out);
	for (i = 0; i < n; i++) {
		struct seg s = { .pkt = pkts[i] };
		struct vn_gro_flow *f;

		/* Not TCP over IP: passes through, belongs to no flow */
		if (!seg_parse(&s)) {
			out[j++] = s.pkt;
			continue;
		}
		s.candidate = seg_eligible(&s);
		f = flow_find(g, &s);
		if (f) {
			if (flow_join(g, pool, f, &s, out) == JOINED) {
				/* A short or PSH segment ends its TSO frame */
				if ((s.tflags & VN_TCP_PSH) || s.plen < f->gso_size)
					flow_close(g, f);
				continue;
			}
			/* Close first, so the flow's later frames cannot overtake @s */
			flow_close(g, f);
		}
		/* Written after reading pkts[i]: j <= i, so in place is safe */
		out[j] = s.pkt;
		/* A first segment with PSH is a whole TSO frame already */
		if (s.candidate && !(s.tflags & VN_TCP_PSH))
			flow_open(g, &s, j);
		j++;
	}
	for (i = 0; i < VN_GRO_FLOWS; i++)
		if (g->flows[i].pkt)
			flow_close(g, &g->flows[i]);
	vn_pkt_put_bulk(g->release, g->nrelease);
	g->nrelease = 0;
	return j;
}

// SPDX-License-Identifier: MIT
/* jit_x86_pktvar.c - eBPF JIT facts: bounded scalars and packet pointers at a variable offset
 *
 * Parsers reach headers at offsets that depend on the frame: after zero, one
 * or two VLAN tags, after an IPv4 header of IHL words. The program checks
 * data + off + n <= data_end with off in a register, or the compiler merges
 * three constant-offset pointers into one at a join. jit_x86_flow.c proves
 * constant offsets only; this file adds the rest of what the kernel's
 * verifier tracks for such code, in the same must-analysis:
 *
 * - T_SCAL: a scalar V + off, 0 <= V <= umax (V named by sid; sid 0 means
 *   the scalar is the constant off). Made by constant moves, zero-extending
 *   byte and half-word loads, AND with a small mask, shifts and adds.
 * - T_PKTV: data + V + off, from data plus such a scalar, or from a join of
 *   packet pointers at different offsets. A check of one data + V + o
 *   against data_end proves o bytes from data + V for every register with
 *   the same V (vr[]), including pointers formed from V after the check.
 *
 * Why it is sound. V is one unknown value per sid: the value some
 * instruction produced in its latest run on the path, or the value a join
 * merged on the latest pass through it. When that instruction or join runs
 * again, every register still naming the old V forgets it, and so does its
 * proved range, so one sid never stands for two values on one path. Bounds
 * stay at or below SCAL_MAX, so data + V + off cannot carry out of the
 * region's 32-bit offset, and V >= 0 with off >= 0 keeps the access at or
 * above data. The Spectre clamp of emit_pkt_proved() stays in any case.
 */
#include <string.h>

#include "jit_x86_internal.h"

#if defined(__x86_64__)

/* bound() - the largest value a T_SCAL register may hold, or its T_PKTV offset span */
static uint64_t bound(const struct facts *f, unsigned int r)
{
	return (uint64_t)f->off[r] + (f->sid[r] ? f->umax[r] : 0);
}

/**
 * vn_jit_sid_forget() - A new V for @sid: forget the old one everywhere but in @keep
 * @f:		facts
 * @sid:	the unknown that is made again
 * @keep:	register to leave alone, or -1
 *
 * Return: 1 when something was forgotten
 */
int vn_jit_sid_forget(struct facts *f, uint32_t sid, int keep)
{
	int changed = 0;

	for (int r = 0; r < VN_BPF_NREGS; r++)
		if (r != keep && (f->type[r] == T_SCAL || f->type[r] == T_PKTV) &&
		    f->sid[r] == sid) {
			fact_set(f, (unsigned int)r, T_UNK);
			changed = 1;
		}
	for (int i = 0; i < VR_MAX; i++)
		if (f->vr[i].sid == sid) {
			f->vr[i] = (struct vrange){ 0, 0 };
			changed = 1;
		}
	return changed;
}

/**
 * vn_jit_vr_get() - Bytes proved from data + V for @sid
 * @f:		facts
 * @sid:	unknown
 *
 * Return: the range, 0 when nothing is proved
 */
uint32_t vn_jit_vr_get(const struct facts *f, uint32_t sid)
{
	for (int i = 0; i < VR_MAX; i++)
		if (sid && f->vr[i].sid == sid)
			return f->vr[i].rng;
	return 0;
}

/* vr_raise() - data + V + @rng <= data_end holds for @sid */
static void vr_raise(struct facts *f, uint32_t sid, uint32_t rng)
{
	int i, free_at = -1;

	for (i = 0; i < VR_MAX; i++) {
		if (f->vr[i].sid == sid) {
			if (rng > f->vr[i].rng)
				f->vr[i].rng = rng;
			return;
		}
		if (!f->vr[i].sid && free_at < 0)
			free_at = i;
	}
	if (free_at < 0) {
		/* full: the oldest entry goes */
		memmove(&f->vr[0], &f->vr[1], sizeof(f->vr[0]) * (VR_MAX - 1));
		free_at = VR_MAX - 1;
	}
	f->vr[free_at] = (struct vrange){ sid, rng };
}

/**
 * vn_jit_vr_proof() - A check of @r (T_PKTV, data + V + off) against data_end held
 * @f:		facts on the edge where it held
 * @r:		the checked register
 */
void vn_jit_vr_proof(struct facts *f, unsigned int r)
{
	if (f->type[r] == T_PKTV && f->sid[r])
		vr_raise(f, f->sid[r], f->off[r]);
}

/* set_const() - @r is the constant @v (or unknown, when too large to track) */
static void set_const(struct facts *f, unsigned int r, uint64_t v)
{
	fact_set(f, r, v <= SCAL_MAX ? T_SCAL : T_UNK);
	if (v <= SCAL_MAX)
		f->off[r] = (uint16_t)v;
}

/* set_fresh() - @r is a new unknown of sid @sid, 0 <= V <= @umax */
static void set_fresh(struct facts *f, unsigned int r, uint32_t sid, uint64_t umax)
{
	vn_jit_sid_forget(f, sid, -1);
	if (umax > SCAL_MAX) {
		fact_set(f, r, T_UNK);
		return;
	}
	fact_set(f, r, T_SCAL);
	f->sid[r] = sid;
	f->umax[r] = (uint32_t)umax;
}

/* set_span() - @r is @lo plus a new unknown up to @hi - @lo (a constant when equal) */
static void set_span(struct facts *f, unsigned int r, uint32_t sid, uint64_t lo, uint64_t hi)
{
	if (hi > SCAL_MAX) {
		fact_set(f, r, T_UNK);
		return;
	}
	if (lo == hi) {
		set_const(f, r, lo);
		return;
	}
	set_fresh(f, r, sid, hi - lo);
	f->off[r] = (uint16_t)lo;
}

/* pkt_plus() - @d = packet pointer @pr plus scalar @sr (registers in @f before the step) */
static void pkt_plus(struct facts *f, unsigned int d, unsigned int pr, unsigned int sr)
{
	struct facts o = *f;
	uint64_t off = (uint64_t)o.off[pr] + o.off[sr];

	if (off > PKT_OFF_MAX || (o.type[pr] == T_PKTV && o.sid[sr])) {
		fact_set(f, d, T_UNK);
		return;
	}
	if (o.type[pr] == T_PKT && !o.sid[sr]) {
		fact_set(f, d, T_PKT);			/* data + constant */
	} else if (o.type[pr] == T_PKT) {
		fact_set(f, d, T_PKTV);			/* data + V + off */
		f->sid[d] = o.sid[sr];
		f->umax[d] = o.umax[sr];
	} else {
		fact_set(f, d, T_PKTV);			/* data + V + off + constant */
		f->sid[d] = o.sid[pr];
		f->umax[d] = o.umax[pr];
	}
	f->off[d] = (uint16_t)off;
}

/**
 * vn_jit_scal_step() - The ALU or load @x on scalars and variable packet pointers
 * @x:		instruction at @pc (ALU, ALU64 or LDX)
 * @pc:		its index
 * @f:		facts before it; after it on return 1
 *
 * Return: 1 when @x's destination was set here, 0 when the caller decides
 */
int vn_jit_scal_step(const struct vn_bpf_insn *x, size_t pc, struct facts *f)
{
	unsigned int cls = VN_BPF_CLASS(x->code), op = VN_BPF_OP(x->code), d = x->dst;
	int w64 = cls == VN_BPF_ALU64, reg = VN_BPF_SRCBIT(x->code);
	uint32_t sid = (uint32_t)pc + 1;
	uint64_t imm = w64 ? (uint64_t)(int64_t)x->imm : (uint64_t)(uint32_t)x->imm;
	int ds = f->type[d] == T_SCAL, ss = reg && f->type[x->src] == T_SCAL;

	if (cls == VN_BPF_LDX) {
		unsigned int sz = VN_BPF_SIZE(x->code);

		if (VN_BPF_MODE(x->code) != VN_BPF_MEM || (sz != VN_BPF_B && sz != VN_BPF_H))
			return 0;
		set_fresh(f, d, sid, sz == VN_BPF_B ? 0xff : 0xffff);
		return 1;
	}
	if (cls != VN_BPF_ALU && cls != VN_BPF_ALU64)
		return 0;
	if (x->off != 0 && (op == VN_BPF_MOV || op == VN_BPF_DIV || op == VN_BPF_MOD))
		return 0;				/* movsx, signed div/mod */
	switch (op) {
	case VN_BPF_MOV:
		if (!reg) {
			set_const(f, d, imm);
			return 1;
		}
		/* 64-bit copies are the caller's; a 32-bit one keeps a small scalar */
		if (w64 || !ss)
			return 0;
		{
			struct facts o = *f;

			fact_set(f, d, T_SCAL);
			f->off[d] = o.off[x->src];
			f->sid[d] = o.sid[x->src];
			f->umax[d] = o.umax[x->src];
			f->wid[d] = o.wid[x->src];
		}
		return 1;
	case VN_BPF_ADD:
		if (!reg) {
			/* V + off + imm for imm >= 0: off grows, V stays */
			if (!ds || x->imm < 0 || f->off[d] + imm > SCAL_MAX)
				return 0;
			f->off[d] = (uint16_t)(f->off[d] + imm);
			return 1;
		}
		if (w64 && (f->type[d] == T_PKT || f->type[d] == T_PKTV) && ss) {
			pkt_plus(f, d, d, x->src);
			return 1;
		}
		if (w64 && ds && (f->type[x->src] == T_PKT || f->type[x->src] == T_PKTV)) {
			pkt_plus(f, d, x->src, d);
			return 1;
		}
		if (!ds || !ss)
			return 0;
		if (!f->sid[d] || !f->sid[x->src]) {
			/* one side constant: the other's V, offsets added */
			struct facts o = *f;
			unsigned int v = o.sid[d] ? d : x->src;
			uint64_t off = (uint64_t)o.off[d] + o.off[x->src];

			if (off > SCAL_MAX)
				return 0;
			fact_set(f, d, T_SCAL);
			f->sid[d] = o.sid[v];
			f->umax[d] = o.umax[v];
			f->off[d] = (uint16_t)off;
			return 1;
		}
		set_fresh(f, d, sid, bound(f, d) + bound(f, x->src));
		return 1;
	case VN_BPF_AND:
		if (reg)
			return 0;
		if (ds && !f->sid[d]) {
			set_const(f, d, f->off[d] & imm);
			return 1;
		}
		if (imm > SCAL_MAX)
			return 0;
		set_fresh(f, d, sid, ds && bound(f, d) < imm ? bound(f, d) : imm);
		return 1;
	case VN_BPF_LSH:
		/* small shifts of small values only: nothing shifted out */
		if (reg || !ds || imm > 16 || bound(f, d) << imm > SCAL_MAX)
			return 0;
		set_span(f, d, sid, (uint64_t)f->off[d] << imm, bound(f, d) << imm);
		return 1;
	case VN_BPF_RSH:
		if (reg || imm >= (w64 ? 64u : 32u))
			return 0;
		if (ds) {
			set_span(f, d, sid, (uint64_t)f->off[d] >> imm, bound(f, d) >> imm);
			return 1;
		}
		/* anything shifted down far enough is small */
		if ((w64 ? 64u : 32u) - imm > 16)
			return 0;
		set_fresh(f, d, sid, (1ull << ((w64 ? 64u : 32u) - imm)) - 1);
		return 1;
	default:
		return 0;
	}
}

/*
 * span() - the values register @r of @f may take, as [*lo, *hi]: for T_SCAL
 * the scalar's, for T_PKT and T_PKTV the offset from data
 */
static void span(const struct facts *f, unsigned int r, uint64_t *lo, uint64_t *hi)
{
	*lo = f->off[r];
	*hi = f->type[r] == T_PKT ? f->off[r] : bound(f, r);
}

/**
 * vn_jit_scal_join() - Join register @r of @out into @in, at a join named @jsid
 * @in:		facts at the join so far
 * @out:	facts arriving
 * @r:		register, in->type[r] one of T_SCAL, T_PKT, T_PKTV
 * @jsid:	the sid this join gives @r when it merges two values
 *
 * The same V and offset on both sides stay. Two scalars, or two packet
 * pointers, that differ merge into @jsid's V, lowest value as the offset,
 * the span as the bound; the old V of @jsid is then forgotten everywhere
 * else. A bound that keeps growing (a loop adding to it) is dropped after
 * WIDEN_MAX raises, so the dataflow ends.
 *
 * Return: 1 when @in changed
 */
int vn_jit_scal_join(struct facts *in, const struct facts *out, unsigned int r, uint32_t jsid)
{
	int pkt_in = in->type[r] == T_PKT || in->type[r] == T_PKTV;
	int pkt_out = out->type[r] == T_PKT || out->type[r] == T_PKTV;
	uint64_t lo_i, hi_i, lo_o, hi_o, lo, hi;

	if (in->type[r] == out->type[r] && in->sid[r] == out->sid[r] &&
	    in->off[r] == out->off[r]) {
		if (in->type[r] == T_PKT || !in->sid[r] || out->umax[r] <= in->umax[r])
			return 0;
		in->umax[r] = out->umax[r];	/* one V, a looser bound on one path */
		if (++in->wid[r] > WIDEN_MAX)
			fact_set(in, r, T_UNK);
		return 1;
	}
	if ((in->type[r] == T_SCAL) != (out->type[r] == T_SCAL) || pkt_in != pkt_out ||
	    (!pkt_in && in->type[r] != T_SCAL)) {
		fact_set(in, r, T_UNK);
		return 1;
	}
	span(in, r, &lo_i, &hi_i);
	span(out, r, &lo_o, &hi_o);
	lo = lo_i < lo_o ? lo_i : lo_o;
	hi = hi_i > hi_o ? hi_i : hi_o;
	/* already merged here, and wide enough: nothing new */
	if (in->sid[r] == jsid && in->type[r] != T_PKT && lo == lo_i && hi == hi_i)
		return vn_jit_sid_forget(in, jsid, (int)r);
	if (hi - lo > SCAL_MAX || (in->sid[r] == jsid && ++in->wid[r] > WIDEN_MAX)) {
		fact_set(in, r, T_UNK);
		return 1;
	}
	{
		uint8_t wid = in->sid[r] == jsid ? in->wid[r] : 0;

		vn_jit_sid_forget(in, jsid, -1);
		fact_set(in, r, pkt_in ? T_PKTV : T_SCAL);
		in->sid[r] = jsid;
		in->off[r] = (uint16_t)lo;
		in->umax[r] = (uint32_t)(hi - lo);
		in->wid[r] = wid;
	}
	return 1;
}

/**
 * vn_jit_vr_join() - Keep in @in only the ranges @out proves too, each the smaller
 * @in:		facts at the join so far
 * @out:	facts arriving
 *
 * Return: 1 when @in changed
 */
int vn_jit_vr_join(struct facts *in, const struct facts *out)
{
	int changed = 0;

	for (int i = 0; i < VR_MAX; i++) {
		uint32_t o;

		if (!in->vr[i].sid)
			continue;
		o = vn_jit_vr_get(out, in->vr[i].sid);
		if (o < in->vr[i].rng) {
			in->vr[i].rng = o;
			changed = 1;
		}
		if (!in->vr[i].rng)
			in->vr[i].sid = 0;
	}
	return changed;
}

#endif /* __x86_64__ */

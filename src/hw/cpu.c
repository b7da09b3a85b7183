/*
 * hw/cpu.c - the simulated logical processor and its counting engine.
 *
 * hw_cpu__run() executes a segment in pieces. Each piece ends at the first
 * of: the cycle where a counter with PMI enabled wraps, the cycle where a
 * pending interrupt becomes deliverable, or the end of the segment. Within
 * a piece every enabled counter adds the units it sees (events, or cycles
 * meeting a CMASK condition, hw_count_units()) of the whole segment spread
 * evenly over its cycles: by cycle k it has added floor(U * k / C), however
 * the segment is cut, so a counter wraps exactly where its count crosses
 * 2^width. After each piece PMI requests are raised (freeze-on-PMI first,
 * as the PMU does it), due interrupts are taken, and the counting setup is
 * read again (a freeze or an interrupt handler may have changed it).
 *
 * tests/unit/test_cpu.c checks this engine against a naive cycle-by-cycle
 * reference on random programs.
 */
#include <stdio.h>
#include <string.h>

#include "base/diag.h"
#include "hw/cpu.h"
#include "hw/msr.h"

int hw_cpu__init(struct hw_cpu *cpu, const struct hw_pmu_config *cfg,
		 const struct hw_costs *costs, char *err, unsigned long len)
{
	memset(cpu, 0, sizeof(*cpu));
	if (hw_pmu__init(&cpu->pmu, cfg, err, len))
		return VPMU_E_INVAL;
	cpu->costs = *costs;
	cpu->timer_at = UINT64_MAX;
	hw_apic__reset(&cpu->apic);
	return 0;
}

bool hw_cpu__is_msr_modelled(u32 msr)
{
	return msr == MSR_X2APIC_LVTPC || hw_pmu_intel_ops.is_msr_modelled(msr) ||
	       hw_pmu_amd_ops.is_msr_modelled(msr);
}

/* SDM RDMSR / WRMSR: #GP(0) at CPL > 0. */
enum hw_msr_result hw_cpu__rdmsr(struct hw_cpu *cpu, u32 msr, u64 *val)
{
	if (cpu->cpl)
		return HW_MSR_GP;
	if (msr == MSR_X2APIC_LVTPC) {
		*val = cpu->apic.lvtpc;
		return HW_MSR_OK;
	}
	return cpu->pmu.ops->rdmsr(&cpu->pmu, msr, val);
}

enum hw_msr_result hw_cpu__wrmsr(struct hw_cpu *cpu, u32 msr, u64 val)
{
	if (cpu->cpl)
		return HW_MSR_GP;
	if (msr == MSR_X2APIC_LVTPC)
		return hw_apic__write_lvtpc(&cpu->apic, val);
	return cpu->pmu.ops->wrmsr(&cpu->pmu, msr, val);
}

/* SDM RDPMC: #GP at CPL > 0 in protected mode unless CR4.PCE. */
enum hw_msr_result hw_cpu__rdpmc(struct hw_cpu *cpu, u32 ecx, u64 *val)
{
	if (cpu->cpl && !cpu->cr4_pce)
		return HW_MSR_GP;
	return cpu->pmu.ops->rdpmc(&cpu->pmu, ecx, val);
}

void hw_cpu__cpuid(const struct hw_cpu *cpu, u32 leaf, u32 sub, u32 r[4])
{
	cpu->pmu.ops->cpuid(&cpu->pmu.cfg, leaf, sub, r);
}

/*
 * Derived events. Estimates, documented in docs/guest-programs.md: retiring
 * slots = instructions (one uop each) capped at the slots; of the rest, 20
 * slots per branch miss are bad speculation, a quarter of what remains is
 * front-end bound and the remainder back-end bound.
 */
void hw_cpu__fill_derived(const struct hw_cpu *cpu, struct hw_segment *seg)
{
	const struct hw_costs *c = &cpu->costs;
	u64 slots = seg->cycles * c->slots_per_cycle, rest;

	seg->ev[HW_EV_CYCLES] = seg->cycles;
	seg->ev[HW_EV_REF_CYCLES] = mul_div_floor(seg->cycles, c->ref_num, c->ref_den);
	seg->ev[HW_EV_SLOTS] = slots;
	seg->ev[HW_EV_TD_RETIRING] = min_u64(seg->ev[HW_EV_INSTRUCTIONS], slots);
	rest = slots - seg->ev[HW_EV_TD_RETIRING];
	seg->ev[HW_EV_TD_BADSPEC] = min_u64(rest, 20 * seg->ev[HW_EV_BRANCH_MISSES]);
	rest -= seg->ev[HW_EV_TD_BADSPEC];
	seg->ev[HW_EV_TD_FRONTEND] = rest / 4;
	seg->ev[HW_EV_TD_BACKEND] = rest - rest / 4;
	seg->ev[HW_EV_LBR_INSERTS] = 0;
}

/*
 * Units a counter adds over a whole segment. Plain counting adds the
 * events. With CMASK (or EDGE, threshold 1) it counts cycles whose event
 * count is >= the threshold (< with INV); events spread evenly give
 * floor(E/C) or that plus one per cycle, the larger in E mod C cycles. EDGE
 * counts rising edges: model: 1 if the condition holds throughout, else the
 * number of separate runs of true cycles, min(true, false).
 */
u64 hw_count_units(const struct hw_count_cfg *cc, const struct hw_segment *seg)
{
	u64 e, c = seg->cycles, q, r, thr, on;

	if (cc->ev == HW_EV_NONE)
		return 0;
	e = seg->ev[cc->ev];
	if (!cc->cmask && !cc->edge)
		return e;
	if (!c)
		return 0;
	thr = cc->cmask ? cc->cmask : 1;
	q = e / c;
	r = e % c;
	on = thr <= q ? c : (thr == q + 1 ? r : 0);
	if (cc->inv)
		on = c - on;
	if (!cc->edge)
		return on;
	if (!on)
		return 0;
	return on == c ? 1 : min_u64(on, c - on);
}

struct piece {
	struct hw_count_cfg cc[HW_MAX_IDX];
	u64 units[HW_MAX_IDX];	/* over the whole segment */
	bool counting[HW_MAX_IDX];
};

static void setup_piece(struct hw_cpu *cpu, const struct hw_segment *seg,
			struct piece *p)
{
	struct hw_pmu *pmu = &cpu->pmu;

	for (unsigned int idx = 0; idx < HW_MAX_IDX; idx++) {
		p->counting[idx] = (pmu->present & BIT_ULL(idx)) &&
			pmu->ops->counter_setup(pmu, idx, seg->guest, seg->cpl, &p->cc[idx]);
		p->units[idx] = p->counting[idx] ? hw_count_units(&p->cc[idx], seg) : 0;
	}
}

/* Units counted in the first @k cycles: the same even spread as events. */
static u64 units_by(const struct hw_segment *seg, u64 units, u64 k)
{
	return mul_div_floor(units, k, seg->cycles);
}

/* The first cycle after @pos at which a PMI-enabled counter wraps, or the
 * segment's end. */
static u64 first_pmi_wrap(struct hw_cpu *cpu, const struct hw_segment *seg,
			  const struct piece *p, u64 pos)
{
	u64 next = seg->cycles;

	for (unsigned int idx = 0; idx < HW_MAX_IDX; idx++) {
		u64 mask, v, need, u = p->units[idx];

		if (!p->counting[idx] || !p->cc[idx].pmi || !u)
			continue;
		mask = hw_pmu__counter_mask(&cpu->pmu, idx);
		v = *hw_pmu__counter(&cpu->pmu, idx);
		need = mask - v + 1;	/* 0: a 64-bit counter at 0 needs 2^64 */
		if (need && u - units_by(seg, u, pos) >= need)
			next = min_u64(next, mul_div_ceil(need + units_by(seg, u, pos),
							  seg->cycles, u));
	}
	return next;
}

static void count_metrics(struct hw_pmu *pmu, const struct hw_segment *seg,
			  u64 pos, u64 k)
{
#define TD_ADD(field, ev) \
	(pmu->field += hw_segment__events_by(seg, ev, k) - hw_segment__events_by(seg, ev, pos))
	TD_ADD(td_slots, HW_EV_SLOTS);
	TD_ADD(td_retiring, HW_EV_TD_RETIRING);
	TD_ADD(td_badspec, HW_EV_TD_BADSPEC);
	TD_ADD(td_frontend, HW_EV_TD_FRONTEND);
	TD_ADD(td_backend, HW_EV_TD_BACKEND);
#undef TD_ADD
}

/* Count cycles (pos, k] of @seg; returns the counters that requested a PMI. */
static u64 advance(struct hw_cpu *cpu, const struct hw_segment *seg,
		   const struct piece *p, u64 pos, u64 k)
{
	struct hw_pmu *pmu = &cpu->pmu;
	u64 pmi = 0;

	for (unsigned int idx = 0; idx < HW_MAX_IDX; idx++) {
		u64 *ctr, mask, d;

		if (!p->counting[idx])
			continue;
		ctr = hw_pmu__counter(pmu, idx);
		mask = hw_pmu__counter_mask(pmu, idx);
		d = units_by(seg, p->units[idx], k) - units_by(seg, p->units[idx], pos);
		/* SDM 18.3.9.3: PERF_METRICS follows fixed counter 3 while
		 * GLOBAL_CTRL.EN_PERF_METRICS (bit 48) is set. */
		if (idx == HW_FIXED_BASE + 3 && pmu->cfg.metrics &&
		    (pmu->global_ctrl & BIT_ULL(GLOBAL_PERF_METRICS_BIT)))
			count_metrics(pmu, seg, pos, k);
		if (!d)
			continue;
		if (!seg->guest && (pmu->guest_owned & BIT_ULL(idx)))
			pmu->leaked_events += d;
		/* Widths divide 2^64, so wrapping arithmetic then masking is
		 * the counter modulo 2^width. */
		if (d > mask - *ctr) {
			if (pmu->has_global)
				pmu->global_status |= BIT_ULL(idx);
			if (p->cc[idx].pmi)
				pmi |= BIT_ULL(idx);
		}
		*ctr = (*ctr + d) & mask;
	}
	return pmi;
}

static void add_truth(struct hw_cpu *cpu, const struct hw_segment *seg, u64 pos, u64 k)
{
	u64 *t = cpu->truth[seg->guest][seg->cpl != 0];

	if (cpu->mark && !seg->guest)
		cpu->marked_host_cycles += k - pos;
	for (unsigned int e = 0; e < HW_EV_NR; e++)
		t[e] += hw_segment__events_by(seg, (enum hw_event)e, k) -
			hw_segment__events_by(seg, (enum hw_event)e, pos);
}

static bool is_tick_allowed(const struct hw_cpu *cpu)
{
	return !cpu->tick_needs_if || cpu->guest || cpu->intr_enabled;
}

/* The host tick, when due. */
static int timer_due(struct hw_cpu *cpu)
{
	struct hw_irq irq = { .kind = HW_IRQ_TIMER, .guest = cpu->guest, .cpl = cpu->cpl };
	int stop;

	if (cpu->irq_depth || cpu->now < cpu->timer_at || !is_tick_allowed(cpu))
		return 0;
	irq.requested_at = cpu->timer_at;
	irq.delivered_at = cpu->now;
	cpu->timer_at = UINT64_MAX;
	if (!cpu->on_irq)
		return 0;
	cpu->irq_depth++;
	stop = cpu->on_irq(cpu->irq_ctx, &irq);
	cpu->irq_depth--;
	return stop;
}

/* What the APIC has due, then the tick, then what became due during it. */
static int deliver_due(struct hw_cpu *cpu)
{
	int stop = hw_apic__deliver_due(cpu);

	stop |= timer_due(cpu);
	stop |= hw_apic__deliver_due(cpu);
	return stop;
}

int hw_cpu__set_if(struct hw_cpu *cpu, bool on)
{
	cpu->intr_enabled = on;
	return on ? deliver_due(cpu) : 0;
}

/* What is left of @seg after its first @pos cycles. */
static void segment_rest(const struct hw_segment *seg, u64 pos, struct hw_segment *rest)
{
	*rest = *seg;
	for (unsigned int e = 0; e < HW_EV_NR; e++)
		rest->ev[e] -= hw_segment__events_by(seg, (enum hw_event)e, pos);
	rest->cycles -= pos;
}

int hw_cpu__run(struct hw_cpu *cpu, const struct hw_segment *seg,
		struct hw_segment *rest)
{
	struct piece p;
	u64 pos = 0;
	int stop;

	if (!seg->cycles) {
		for (unsigned int e = 0; e < HW_EV_NR; e++)
			if (seg->ev[e])
				return VPMU_E_INVAL;
	}
	cpu->guest = seg->guest;
	cpu->cpl = seg->cpl;
	while (!(stop = deliver_due(cpu)) && pos < seg->cycles) {
		u64 k, ready = hw_apic__next_ready(cpu);

		if (!cpu->irq_depth && is_tick_allowed(cpu))
			ready = min_u64(ready, cpu->timer_at);
		if (ready <= cpu->now)
			continue;	/* became due inside a handler: take it first */
		setup_piece(cpu, seg, &p);
		k = first_pmi_wrap(cpu, seg, &p, pos);
		if (ready - cpu->now < k - pos)
			k = pos + (ready - cpu->now);
		u64 pmi = advance(cpu, seg, &p, pos, k);

		add_truth(cpu, seg, pos, k);
		cpu->now += k - pos;
		pos = k;
		if (pmi) {
			cpu->pmu.ops->pmi_requested(&cpu->pmu);
			hw_apic__request_pmi(cpu, cpu->now, pmi, seg->guest);
		}
	}
	if (rest)
		segment_rest(seg, pos, rest);
	return stop ? 1 : 0;
}

/* ---- host kernel work --------------------------------------------------- */

static void host_segment(struct hw_cpu *cpu, u64 cycles, u64 insns)
{
	bool guest = cpu->guest;
	u8 cpl = cpu->cpl;
	struct hw_segment seg = { .cycles = cycles ? cycles : 1 };

	seg.ev[HW_EV_INSTRUCTIONS] = insns;
	hw_cpu__fill_derived(cpu, &seg);
	hw_cpu__run(cpu, &seg, NULL);
	cpu->guest = guest;
	cpu->cpl = cpl;
}

void hw_cpu__host_exec(struct hw_cpu *cpu, u64 cycles)
{
	host_segment(cpu, cycles, cycles ? cycles : 1);
}

static enum hw_msr_result host_access(struct hw_cpu *cpu, int kind, u32 reg, u64 *val)
{
	bool guest = cpu->guest;
	u8 cpl = cpu->cpl;
	enum hw_msr_result r;

	cpu->guest = false;
	cpu->cpl = 0;
	r = kind == 0 ? hw_cpu__wrmsr(cpu, reg, *val) :
	    kind == 1 ? hw_cpu__rdmsr(cpu, reg, val) : hw_cpu__rdpmc(cpu, reg, val);
	cpu->guest = guest;
	cpu->cpl = cpl;
	if (cpu->on_host_access)	/* observer (sim/interleave.c) */
		cpu->on_host_access(cpu->access_ctx, reg);
	host_segment(cpu, kind == 0 ? cpu->costs.wrmsr : kind == 1 ? cpu->costs.rdmsr :
			  cpu->costs.rdpmc, 1);
	return r;
}

enum hw_msr_result hw_cpu__host_wrmsr(struct hw_cpu *cpu, u32 msr, u64 val)
{
	return host_access(cpu, 0, msr, &val);
}

u64 hw_cpu__host_rdmsr(struct hw_cpu *cpu, u32 msr)
{
	u64 v = 0;

	host_access(cpu, 1, msr, &v);
	return v;
}

u64 hw_cpu__host_rdpmc(struct hw_cpu *cpu, u32 ecx)
{
	u64 v = 0;

	host_access(cpu, 2, ecx, &v);
	return v;
}

/*
 * hw/cpu_ref.c - the reference counting engine: the straightforward form of
 * hw_cpu__run(), kept to check the optimised engine of cpu.c against
 * (tests/unit/test_engine_diff.c) and selectable with
 * cpu->engine = HW_ENGINE_REFERENCE (or hw_cpu__set_default_engine()).
 *
 * Model (the same as cpu.c's, see there): a segment runs in pieces, each
 * ending at the first PMI-enabled wrap, the first deliverable interrupt or
 * the end. Every piece decodes every counter again (ops->counter_setup),
 * computes each counter's units over the whole segment, and forms every
 * event share floor(U * k / C) in 128-bit arithmetic. Slow and obvious on
 * purpose: do not optimise this file.
 */
#include "hw/cpu_internal.h"
#include "hw/msr.h"

struct piece {
	struct hw_count_cfg cc[HW_MAX_IDX];
	u64 units[HW_MAX_IDX];	/* over the whole segment */
	bool counting[HW_MAX_IDX];
};

static u64 events_by(const struct hw_segment *seg, enum hw_event e, u64 k)
{
	return seg->cycles ? mul_div_floor_wide(seg->ev[e], k, seg->cycles) : seg->ev[e];
}

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
	return mul_div_floor_wide(units, k, seg->cycles);
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
			next = min_u64(next, mul_div_ceil_wide(need + units_by(seg, u, pos),
							       seg->cycles, u));
	}
	return next;
}

static void count_metrics(struct hw_pmu *pmu, const struct hw_segment *seg,
			  u64 pos, u64 k)
{
#define TD_ADD(field, ev) \
	(pmu->field += events_by(seg, ev, k) - events_by(seg, ev, pos))
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
		t[e] += events_by(seg, (enum hw_event)e, k) - events_by(seg, (enum hw_event)e, pos);
}

/* Called by hw_cpu__run() once the segment is checked and the mode set. */
int hw_cpu__run_reference(struct hw_cpu *cpu, const struct hw_segment *seg,
			  struct hw_segment *rest)
{
	struct piece p;
	u64 pos = 0;
	int stop;

	while (!(stop = hw_cpu__deliver_due(cpu)) && pos < seg->cycles &&
	       hw_cpu__is_within_event_bound(cpu)) {
		u64 k, pmi, ready = hw_apic__next_ready(cpu);

		if (!cpu->irq_depth && hw_cpu__is_tick_allowed(cpu))
			ready = min_u64(ready, cpu->timer_at);
		if (ready <= cpu->now)
			continue;	/* became due inside a handler: take it first */
		setup_piece(cpu, seg, &p);
		k = first_pmi_wrap(cpu, seg, &p, pos);
		if (ready - cpu->now < k - pos)
			k = pos + (ready - cpu->now);
		pmi = advance(cpu, seg, &p, pos, k);
		add_truth(cpu, seg, pos, k);
		cpu->now += k - pos;
		pos = k;
		if (pmi) {
			cpu->pmu.ops->pmi_requested(&cpu->pmu);
			hw_apic__request_pmi(cpu, cpu->now, pmi, seg->guest);
		}
	}
	if (rest)
		hw_cpu__segment_rest(seg, pos, rest);
	return stop ? 1 : 0;
}

/*
 * hw/cpu.c - the simulated logical processor and its optimised counting
 * engine.
 *
 * Model. hw_cpu__run() executes a segment in pieces. Each piece ends at the
 * first of: the cycle where a counter with PMI enabled wraps, the cycle
 * where a pending interrupt becomes deliverable, or the end of the segment.
 * Within a piece every enabled counter adds the units it sees (events, or
 * cycles meeting a CMASK condition, hw_count_units()) of the whole segment
 * spread evenly over its cycles: by cycle k it has added floor(U * k / C),
 * however the segment is cut, so a counter wraps exactly where its count
 * crosses 2^width. After each piece PMI requests are raised (freeze-on-PMI
 * first, as the PMU does it), due interrupts are taken, and the counting
 * setup is checked again (a freeze or an interrupt handler may have changed
 * it).
 *
 * Algorithm (what makes it cheap; the model above is unchanged, and
 * cpu_ref.c keeps the straightforward form that test_engine_diff.c holds
 * this one to, byte for byte):
 *  - the decoded counting setup of each mode (host/guest x CPL 0/3) is
 *    cached with the register values it was decoded from (event selects,
 *    fixed control, global control and status) and decoded again only when
 *    one of them differs - whoever wrote it, an MSR write, a freeze, or a
 *    test poking the registers;
 *  - only counters that count are visited (bit masks, no 36-slot scans),
 *    and units are computed once per segment and decoding;
 *  - a piece that is the whole segment adds the totals, with no division;
 *    other shares divide in 64 bits when the product fits (base/util.h);
 *  - delivery is skipped outright when nothing is pending or due;
 *  - a host instruction (hw_cpu__host_*: an MSR access, RDPMC, kernel work)
 *    that is one piece - nothing deliverable before its end, no PMI-enabled
 *    counter wrapping in it - runs in one step without the loop, its
 *    segment (derived events) and units kept per access kind;
 *  - inside a host batch (hw_cpu__host_batch_begin/end: a mediated put or
 *    load) the steps that move no counter are only added up, and applied
 *    together at the end or before the first access that moves one; while
 *    every counter is globally disabled an access takes the quiet path
 *    (hw/cpu.h): the register access and that adding, inline;
 *  - a segment that is one piece computes, checks for a PMI wrap and adds
 *    each counter's units in one pass, taking them back if one would wrap.
 *
 * Limits (issue 8): simulated time never passes HW_CPU_MAX_CYCLES and a CPU
 * runs at most cpu->max_events engine events; past either it fails
 * (hw_cpu__failure_text() says why) and stops executing anything.
 *
 * Units: cycles are core cycles since reset; counts are events.
 */
#include <stdio.h>
#include <string.h>

#include "base/diag.h"
#include "hw/cpu_internal.h"
#include "hw/msr.h"

/* What hw_cpu__init() selects (hw_cpu__set_default_engine). */
static enum hw_engine default_engine = HW_ENGINE_FAST;

void hw_cpu__set_default_engine(enum hw_engine e)
{
	default_engine = e;
}

static enum hw_test_fault default_test_fault = HW_TEST_FAULT_NONE;

void hw_cpu__set_default_test_fault(enum hw_test_fault f)
{
	default_test_fault = f;
}

/* What hw_cpu__init() sets max_events to. */
static u64 default_max_events = HW_CPU_DEFAULT_MAX_EVENTS;

void hw_cpu__set_default_max_events(u64 n)
{
	default_max_events = n;
}

int hw_cpu__init(struct hw_cpu *cpu, const struct hw_pmu_config *cfg,
		 const struct hw_costs *costs, char *err, unsigned long len)
{
	memset(cpu, 0, sizeof(*cpu));
	if (hw_pmu__init(&cpu->pmu, cfg, err, len))
		return VPMU_E_INVAL;
	cpu->costs = *costs;
	cpu->timer_at = UINT64_MAX;
	cpu->engine = default_engine;
	cpu->test_fault = default_test_fault;
	cpu->max_events = default_max_events;
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
static u64 count_units_cond(const struct hw_count_cfg *cc, const struct hw_segment *seg);

/* hw_count_units, its common case inline: plain counting adds the events */
static inline u64 count_units(const struct hw_count_cfg *cc, const struct hw_segment *seg)
{
	if (cc->ev == HW_EV_NONE)
		return 0;
	if (!cc->cmask && !cc->edge)
		return seg->ev[cc->ev];
	return count_units_cond(cc, seg);
}

u64 hw_count_units(const struct hw_count_cfg *cc, const struct hw_segment *seg)
{
	return count_units(cc, seg);
}

static u64 count_units_cond(const struct hw_count_cfg *cc, const struct hw_segment *seg)
{
	u64 e = seg->ev[cc->ev], c = seg->cycles, q, r, thr, on;

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

/* ---- shared with the reference engine (cpu_internal.h) ------------------- */

bool hw_cpu__is_tick_allowed(const struct hw_cpu *cpu)
{
	if (cpu->guest)
		return !cpu->tick_skips_guest;
	return !cpu->tick_needs_if || cpu->intr_enabled;
}

/* The host tick, when due. */
static int timer_due(struct hw_cpu *cpu)
{
	struct hw_irq irq = { .kind = HW_IRQ_TIMER, .guest = cpu->guest, .cpl = cpu->cpl };
	int stop;

	if (cpu->irq_depth || cpu->now < cpu->timer_at || !hw_cpu__is_tick_allowed(cpu))
		return 0;
	irq.requested_at = cpu->timer_at;
	irq.delivered_at = cpu->now;
	cpu->timer_at = UINT64_MAX;
	if (!cpu->on_irq)
		return 0;
	cpu->irq_depth++;
	cpu->irqs_taken++;
	stop = cpu->on_irq(cpu->irq_ctx, &irq);
	cpu->irq_depth--;
	return stop;
}

int hw_cpu__deliver_due_slow(struct hw_cpu *cpu)
{
	int stop = hw_apic__deliver_due(cpu);

	stop |= timer_due(cpu);
	stop |= hw_apic__deliver_due(cpu);
	return stop;
}

static void batch_flush(struct hw_cpu *cpu);

int hw_cpu__set_if(struct hw_cpu *cpu, bool on)
{
	batch_flush(cpu);
	cpu->batch_open = cpu->batch_want = cpu->batch_quiet = false;	/* its limits assumed IF unchanged */
	cpu->quiet_left = 0;
	cpu->intr_enabled = on;
	return on ? hw_cpu__deliver_due(cpu) : 0;
}

void hw_cpu__set_mark(struct hw_cpu *cpu, bool on)
{
	bool want = cpu->batch_want;

	if (cpu->mark == on)
		return;
	if (cpu->batch_count)
		batch_flush(cpu);
	cpu->batch_open = cpu->batch_quiet = false;	/* its limits assumed the mark unchanged */
	cpu->quiet_left = 0;
	cpu->batch_want = want;				/* set again at the next access */
	cpu->mark = on;
}

void hw_cpu__segment_rest(const struct hw_segment *seg, u64 pos, struct hw_segment *rest)
{
	if (pos == seg->cycles) {	/* all of it ran: floor(E * C / C) = E */
		*rest = (struct hw_segment){ .guest = seg->guest, .cpl = seg->cpl };
		return;
	}
	*rest = *seg;
	if (!pos)
		return;
	for (unsigned int e = 0; e < HW_EV_NR; e++)
		rest->ev[e] -= hw_segment__events_by(seg, (enum hw_event)e, pos);
	rest->cycles -= pos;
}

bool hw_cpu__is_within_event_bound(struct hw_cpu *cpu)
{
	if (++cpu->events <= cpu->max_events)
		return true;
	cpu->failure = HW_CPU_FAIL_EVENTS;
	return false;
}

/* ---- the decoded counting setup ---------------------------------------- */

/*
 * The registers counter_setup() reads, as a key. Every vendor's
 * counter_setup() starts with the GLOBAL_CTRL enable (SDM 18.2.2; AMD
 * PerfMonV2): with global control present and no counter enabled there,
 * nothing counts whatever the selects say, so those states share one key
 * (the put and load sequences pass through many of them).
 */
static bool is_all_disabled(const struct hw_pmu *pmu)
{
	return pmu->has_global && !(pmu->global_ctrl & pmu->present);
}

static void decode_key(const struct hw_pmu *pmu, u64 key[HW_DECODE_KEY])
{
	if (is_all_disabled(pmu)) {
		memset(key, 0, HW_DECODE_KEY * sizeof(*key));
		key[HW_MAX_GP + 1] = pmu->global_ctrl;
		return;
	}
	for (unsigned int i = 0; i < HW_MAX_GP; i++)
		key[i] = pmu->evtsel[i];
	key[HW_MAX_GP] = pmu->fixed_ctrl;
	key[HW_MAX_GP + 1] = pmu->global_ctrl;
	key[HW_MAX_GP + 2] = pmu->global_status;
}

/* Is @d decoded from the registers as they are now? */
static inline bool is_current(const struct hw_pmu *pmu, const struct hw_decoded *d)
{
	const u64 *k = d->key;
	u64 diff;

	_Static_assert(HW_MAX_GP == 8, "eight event selects in the key");
	if (!d->gen || k[HW_MAX_GP + 1] != pmu->global_ctrl)
		return false;
	if (is_all_disabled(pmu))
		return !(k[0] | k[1] | k[2] | k[3] | k[4] | k[5] | k[6] | k[7] |
			 k[HW_MAX_GP] | k[HW_MAX_GP + 2]);
	diff = (k[HW_MAX_GP] ^ pmu->fixed_ctrl) | (k[HW_MAX_GP + 2] ^ pmu->global_status);
	for (unsigned int i = 0; i < HW_MAX_GP; i++)
		diff |= k[i] ^ pmu->evtsel[i];
	return !diff;
}

static void decode(struct hw_cpu *cpu, struct hw_decoded *d, const u64 *key,
		   bool guest, u8 cpl)
{
	struct hw_pmu *pmu = &cpu->pmu;
	u64 m = pmu->present & (pmu->has_global ? pmu->global_ctrl : ~0ULL);

	memcpy(d->key, key, sizeof(d->key));
	d->active = d->pmi = 0;
	for (; m; m &= m - 1) {
		unsigned int idx = (unsigned int)__builtin_ctzll(m);

		if (!pmu->ops->counter_setup(pmu, idx, guest, cpl, &d->cc[idx]))
			continue;
		d->active |= BIT_ULL(idx);
		if (d->cc[idx].pmi)
			d->pmi |= BIT_ULL(idx);
	}
	d->gen = ++cpu->dec_gen;
}

/* decoded() when the last setup of the mode is not current (out of line). */
static __attribute__((noinline)) const struct hw_decoded *
decoded_again(struct hw_cpu *cpu, bool guest, u8 cpl)
{
	struct hw_decoded *d = cpu->dec[guest][cpl != 0];
	u8 *last = &cpu->dec_last[guest][cpl != 0];
	u64 key[HW_DECODE_KEY];

	if (d[*last].gen && cpu->test_fault == HW_TEST_FAULT_STALE_DECODE)
		return &d[*last];	/* planted by the differential test only */
	*last ^= 1;
	if (!is_current(&cpu->pmu, &d[*last])) {
		decode_key(&cpu->pmu, key);
		decode(cpu, &d[*last], key, guest, cpl);
	}
	return &d[*last];
}

/* The setup of mode (@guest, @cpl): the last or the one before (a put and
 * a load switch between two), else decoded again into the older. */
static inline const struct hw_decoded *decoded(struct hw_cpu *cpu, bool guest, u8 cpl)
{
	const struct hw_decoded *d = &cpu->dec[guest][cpl != 0][cpu->dec_last[guest][cpl != 0]];

	return is_current(&cpu->pmu, d) ? d : decoded_again(cpu, guest, cpl);
}

/* ---- the optimised engine ---------------------------------------------- */

static void span_units(struct hw_cpu *cpu, const struct hw_segment *seg, struct hw_span *s)
{
	const struct hw_pmu *pmu = &cpu->pmu;
	unsigned int fc3 = HW_FIXED_BASE + 3;

	s->gen = s->d->gen;
	s->live = 0;
	for (u64 m = s->d->active; m; m &= m - 1) {
		unsigned int idx = (unsigned int)__builtin_ctzll(m);

		s->units[idx] = count_units(&s->d->cc[idx], seg);
		if (s->units[idx])
			s->live |= BIT_ULL(idx);
	}
	/* SDM 18.3.9.3: PERF_METRICS follows fixed counter 3 while
	 * GLOBAL_CTRL.EN_PERF_METRICS (bit 48) is set. */
	s->metrics = (s->d->active & BIT_ULL(fc3)) && pmu->cfg.metrics &&
		     (pmu->global_ctrl & BIT_ULL(GLOBAL_PERF_METRICS_BIT));
}

/* The share of @total in the first @k of @c cycles (k <= c). */
static inline u64 share(u64 total, u64 k, u64 c)
{
	return k == c ? total : k ? mul_div_floor(total, k, c) : 0;
}

/* The first cycle after @pos at which a PMI-enabled counter wraps, or the
 * segment's end. */
static u64 first_pmi_wrap(const struct hw_cpu *cpu, const struct hw_segment *seg,
			  const struct hw_span *s, u64 pos)
{
	const struct hw_pmu *pmu = &cpu->pmu;
	u64 next = seg->cycles, c = seg->cycles;

	for (u64 m = s->live & s->d->pmi; m; m &= m - 1) {
		unsigned int idx = (unsigned int)__builtin_ctzll(m);
		u64 u = s->units[idx], done = share(u, pos, c);
		u64 v = idx >= HW_FIXED_BASE ? pmu->fixed[idx - HW_FIXED_BASE] : pmu->gp[idx];
		u64 need = hw_pmu__counter_mask(pmu, idx) - v + 1;

		/* need 0: a 64-bit counter at 0 needs 2^64 */
		if (need && u - done >= need)
			next = min_u64(next, mul_div_ceil(need + done, c, u));
	}
	return next;
}

static void count_metrics(struct hw_pmu *pmu, const struct hw_segment *seg,
			  u64 pos, u64 k)
{
	u64 c = seg->cycles;

#define TD_ADD(field, e) \
	(pmu->field += share(seg->ev[e], k, c) - share(seg->ev[e], pos, c))
	TD_ADD(td_slots, HW_EV_SLOTS);
	TD_ADD(td_retiring, HW_EV_TD_RETIRING);
	TD_ADD(td_badspec, HW_EV_TD_BADSPEC);
	TD_ADD(td_frontend, HW_EV_TD_FRONTEND);
	TD_ADD(td_backend, HW_EV_TD_BACKEND);
#undef TD_ADD
}

/* Count cycles (pos, k] of @seg; returns the counters that requested a PMI. */
static u64 advance(struct hw_cpu *cpu, const struct hw_segment *seg,
		   const struct hw_span *s, u64 pos, u64 k)
{
	struct hw_pmu *pmu = &cpu->pmu;
	u64 pmi = 0, c = seg->cycles;
	u64 leak = seg->guest ? 0 : pmu->guest_owned;

	if (s->metrics)
		count_metrics(pmu, seg, pos, k);
	for (u64 m = s->live; m; m &= m - 1) {
		unsigned int idx = (unsigned int)__builtin_ctzll(m);
		u64 *ctr = hw_pmu__counter(pmu, idx), mask = hw_pmu__counter_mask(pmu, idx);
		u64 d = share(s->units[idx], k, c) - share(s->units[idx], pos, c);

		if (cpu->test_fault == HW_TEST_FAULT_SHARE && d > 1)
			d--;	/* planted by the differential test only */
		if (!d)
			continue;
		if (leak & BIT_ULL(idx))
			pmu->leaked_events += d;
		/* Widths divide 2^64, so wrapping arithmetic then masking is
		 * the counter modulo 2^width. */
		if (d > mask - *ctr) {
			if (pmu->has_global)
				pmu->global_status |= BIT_ULL(idx);
			if (s->d->cc[idx].pmi)
				pmi |= BIT_ULL(idx);
		}
		*ctr = (*ctr + d) & mask;
	}
	return pmi;
}

/* The ground truth of all of @seg (and its cycles hidden from host perf). */
static inline void add_truth_whole(struct hw_cpu *cpu, const struct hw_segment *seg)
{
	u64 *t = cpu->truth[seg->guest][seg->cpl != 0];
	const u64 *e = seg->ev;

	if (cpu->mark && !seg->guest)
		cpu->marked_host_cycles += seg->cycles;
	_Static_assert(HW_EV_NR == 13, "one add per event");
	t[0] += e[0], t[1] += e[1], t[2] += e[2], t[3] += e[3], t[4] += e[4];
	t[5] += e[5], t[6] += e[6], t[7] += e[7], t[8] += e[8], t[9] += e[9];
	t[10] += e[10], t[11] += e[11], t[12] += e[12];
}

/*
 * The counting of a segment that is one piece (span_units(), a check that
 * no PMI-enabled counter wraps in it, and advance() over all of it) for
 * all of @seg under @d, in one pass over the counters: each adds its units as they are
 * found (or as @units has them, for the counters in @live, when not NULL:
 * a span's); at the first PMI-enabled counter that would wrap, what was
 * added is taken back (counters modulo their width, the leak, the status
 * bits) and false is returned, the PMU as it was. (A counter's wrap
 * depends on its own value only, which the pass has not yet changed.)
 */
static inline __attribute__((always_inline)) bool
add_units_nowrap(struct hw_cpu *cpu, const struct hw_segment *seg, const struct hw_decoded *d,
		 const u64 *units, u64 live)
{
	struct hw_pmu *pmu = &cpu->pmu;
	u64 leak = seg->guest ? 0 : pmu->guest_owned, added = 0, add[HW_MAX_IDX];
	u64 status = pmu->global_status, leaked = pmu->leaked_events;
	bool fault = cpu->test_fault == HW_TEST_FAULT_SHARE;
	unsigned int fc3 = HW_FIXED_BASE + 3;

	for (u64 m = units ? live : d->active; m; m &= m - 1) {
		unsigned int idx = (unsigned int)__builtin_ctzll(m);
		u64 u = units ? units[idx] : count_units(&d->cc[idx], seg);
		u64 *ctr = hw_pmu__counter(pmu, idx), mask = hw_pmu__counter_mask(pmu, idx);
		u64 need = mask - *ctr + 1, v = u;

		if (!u)
			continue;
		if ((d->pmi & BIT_ULL(idx)) && need && u >= need) {	/* need 0: 2^64 */
			if (cpu->test_fault == HW_TEST_FAULT_TAKE_BACK)
				added &= added - 1;	/* planted by the differential test only */
			for (; added; added &= added - 1) {
				unsigned int j = (unsigned int)__builtin_ctzll(added);
				u64 *c = hw_pmu__counter(pmu, j);

				*c = (*c - add[j]) & hw_pmu__counter_mask(pmu, j);
			}
			pmu->global_status = status;
			pmu->leaked_events = leaked;
			return false;
		}
		if (fault && v > 1)
			v--;	/* planted by the differential test only */
		if (leak & BIT_ULL(idx))
			pmu->leaked_events += v;
		if (v > mask - *ctr && pmu->has_global)	/* a wrap without PMI */
			pmu->global_status |= BIT_ULL(idx);
		*ctr = (*ctr + v) & mask;
		add[idx] = v;
		added |= BIT_ULL(idx);
	}
	/* SDM 18.3.9.3: PERF_METRICS follows fixed counter 3 while
	 * GLOBAL_CTRL.EN_PERF_METRICS (bit 48) is set (as span_units). */
	if ((d->active & BIT_ULL(fc3)) && pmu->cfg.metrics &&
	    (pmu->global_ctrl & BIT_ULL(GLOBAL_PERF_METRICS_BIT)))
		count_metrics(pmu, seg, 0, seg->cycles);
	return true;
}

static bool advance_whole_nowrap(struct hw_cpu *cpu, const struct hw_segment *seg,
				 const struct hw_decoded *d)
{
	return add_units_nowrap(cpu, seg, d, NULL, 0);
}

static void add_truth(struct hw_cpu *cpu, const struct hw_segment *seg, u64 pos, u64 k)
{
	u64 *t = cpu->truth[seg->guest][seg->cpl != 0];

	if (!pos && k == seg->cycles) {
		add_truth_whole(cpu, seg);
		return;
	}
	if (cpu->mark && !seg->guest)
		cpu->marked_host_cycles += k - pos;
	for (unsigned int e = 0; e < HW_EV_NR; e++)
		t[e] += share(seg->ev[e], k, seg->cycles) - share(seg->ev[e], pos, seg->cycles);
}

/* next_ready() in host mode (hw_cpu__is_tick_allowed with guest false). */
static inline u64 next_ready_host(const struct hw_cpu *cpu)
{
	u64 ready = cpu->apic.nmi_pending || cpu->apic.vec_pending ?
		    hw_apic__next_ready(cpu) : UINT64_MAX;

	if (!cpu->irq_depth && (!cpu->tick_needs_if || cpu->intr_enabled))
		ready = min_u64(ready, cpu->timer_at);
	return ready;
}

/* The earliest cycle an interrupt can be taken at, or UINT64_MAX. */
static u64 next_ready(const struct hw_cpu *cpu)
{
	u64 ready = cpu->apic.nmi_pending || cpu->apic.vec_pending ?
		    hw_apic__next_ready(cpu) : UINT64_MAX;

	if (!cpu->irq_depth && hw_cpu__is_tick_allowed(cpu))
		ready = min_u64(ready, cpu->timer_at);
	return ready;
}

/*
 * run_fast()'s loop for a segment that is one piece, in one step: cycles to
 * run, nothing deliverable before its end or at it (the loop takes what is
 * due when it starts and after its last piece) and no PMI-enabled counter
 * wrapping in it. Returns false, having changed nothing (but the cache of
 * decoded setups), when that does not hold.
 */
static bool run_one_piece(struct hw_cpu *cpu, const struct hw_segment *seg)
{
	if (!seg->cycles || cpu->events >= cpu->max_events ||
	    next_ready(cpu) <= cpu->now + seg->cycles)
		return false;
	if (!advance_whole_nowrap(cpu, seg, decoded(cpu, seg->guest, seg->cpl)))
		return false;
	cpu->events++;
	add_truth_whole(cpu, seg);
	cpu->now += seg->cycles;
	return true;
}

static int run_fast(struct hw_cpu *cpu, const struct hw_segment *seg,
		    struct hw_segment *rest)
{
	struct hw_span s;
	u64 pos = 0;

	s.d = NULL;
	s.gen = s.live = 0;
	s.metrics = false;
	int stop;

	if (run_one_piece(cpu, seg)) {
		if (rest)	/* all of it ran */
			*rest = (struct hw_segment){ .guest = seg->guest, .cpl = seg->cpl };
		return 0;
	}

	while (!(stop = hw_cpu__deliver_due(cpu)) && pos < seg->cycles &&
	       hw_cpu__is_within_event_bound(cpu)) {
		u64 k, pmi, ready = next_ready(cpu);

		if (ready <= cpu->now)
			continue;	/* became due inside a handler: take it first */
		s.d = decoded(cpu, seg->guest, seg->cpl);
		if (s.d->gen != s.gen)
			span_units(cpu, seg, &s);
		k = first_pmi_wrap(cpu, seg, &s, pos);
		if (ready - cpu->now < k - pos)
			k = pos + (ready - cpu->now);
		pmi = advance(cpu, seg, &s, pos, k);
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

static bool has_events(const struct hw_segment *seg)
{
	for (unsigned int e = 0; e < HW_EV_NR; e++)
		if (seg->ev[e])
			return true;
	return false;
}

int hw_cpu__run(struct hw_cpu *cpu, const struct hw_segment *seg,
		struct hw_segment *rest)
{
	if (!seg->cycles && has_events(seg))
		return VPMU_E_INVAL;
	batch_flush(cpu);
	cpu->batch_open = cpu->batch_want = cpu->batch_quiet = false;	/* a run can change what is deliverable */
	cpu->quiet_left = 0;
	if (!cpu->failure && seg->cycles > HW_CPU_MAX_CYCLES - cpu->now)
		cpu->failure = HW_CPU_FAIL_TIME;
	if (cpu->failure) {
		if (rest)
			*rest = (struct hw_segment){ .guest = seg->guest, .cpl = seg->cpl };
		return 0;
	}
	cpu->guest = seg->guest;
	cpu->cpl = seg->cpl;
	if (cpu->engine == HW_ENGINE_REFERENCE)
		return hw_cpu__run_reference(cpu, seg, rest);
	return run_fast(cpu, seg, rest);
}

const char *hw_cpu__failure_text(const struct hw_cpu *cpu)
{
	switch (cpu->failure) {
	case HW_CPU_FAIL_TIME:
		return "simulated time would pass 2^62 cycles, the simulator's limit "
		       "(about 48 years at 3 GHz)";
	case HW_CPU_FAIL_EVENTS:
		return "the run reached its bound on engine events (segments and "
		       "interrupts, hw_cpu.max_events)";
	default:
		return NULL;
	}
}

/* ---- host kernel work --------------------------------------------------- */

enum host_kind {
	HOST_WRMSR = HW_HOST_WRMSR, HOST_RDMSR = HW_HOST_RDMSR, HOST_RDPMC = HW_HOST_RDPMC,
	HOST_EXEC,
};

static void batch_flush(struct hw_cpu *cpu);

/* The slot of cpu->host_seg holding the segment of @cycles (at least 1)
 * host cycles retiring @insns, derived events filled: one per access kind,
 * and sixteen for other work, by its length (hashed: a profile's costs are a
 * few values). Filled again when it or a cost it was derived from differs. */
static void host_slot_fill(struct hw_cpu *cpu, struct hw_host_seg *h, u64 cycles, u64 insns)
{
	const struct hw_costs *c = &cpu->costs;

	batch_flush(cpu);	/* deferred segments of the old form first */
	h->seg = (struct hw_segment){ .cycles = cycles };
	h->span.gen = 0;	/* units of the old segment */
	h->seg.ev[HW_EV_INSTRUCTIONS] = insns;
	hw_cpu__fill_derived(cpu, &h->seg);
	h->cycles = cycles;
	h->insns = insns;
	h->ref_num = c->ref_num;
	h->ref_den = c->ref_den;
	h->slots_per_cycle = c->slots_per_cycle;
	if (h < &cpu->host_seg[HOST_EXEC]) {	/* an access: the events batch_flush adds */
		cpu->access_costs_ok = false;	/* batch_limits checks all three again */
		cpu->batch_events = 0;
		for (unsigned int i = 0; i < HW_EV_NR; i++)
			if (cpu->host_seg[HOST_WRMSR].seg.ev[i] | cpu->host_seg[HOST_RDMSR].seg.ev[i] |
			    cpu->host_seg[HOST_RDPMC].seg.ev[i])
				cpu->batch_events |= 1U << i;
	}
}

static inline unsigned int host_slot(struct hw_cpu *cpu, enum host_kind kind, u64 cycles,
				     u64 insns)
{
	unsigned int slot;
	struct hw_host_seg *h;
	const struct hw_costs *c = &cpu->costs;

	cycles = cycles ? cycles : 1;
	slot = kind < HOST_EXEC ? kind :
	       HOST_EXEC + (unsigned int)((cycles * 0x9e3779b97f4a7c15ULL) >> 60);
	h = &cpu->host_seg[slot];
	if (h->cycles != cycles || h->insns != insns || h->ref_num != c->ref_num ||
	    h->ref_den != c->ref_den || h->slots_per_cycle != c->slots_per_cycle)
		host_slot_fill(cpu, h, cycles, insns);
	return slot;
}

/*
 * What run_fast() does with a host segment, in one step, when it is one
 * piece: no interrupt is deliverable before the segment's end or at it (the
 * loop takes what is due when it starts and after its last piece), and no
 * counter that requests a PMI wraps inside it. Then the run is one engine
 * event that adds every counting counter's units (advance() over the whole
 * segment) and the ground truth, and moves the clock. When nothing counts in
 * host mode at CPL 0 (every counter globally disabled, or none set up to
 * count there) no counter is visited at all. Returns false, having changed
 * nothing (but the cache of decoded setups), when any of that does not hold.
 */
/* run_host_piece()'s counting when some counter is enabled (out of line:
 * the common host step has every counter disabled): false, having changed
 * nothing, when a PMI-enabled counter would wrap. */
static __attribute__((noinline)) bool host_piece_counts(struct hw_cpu *cpu, unsigned int slot)
{
	const struct hw_segment *seg = &cpu->host_seg[slot].seg;
	struct hw_span *s = &cpu->host_seg[slot].span;

	s->d = decoded(cpu, false, 0);
	if (!s->d->active)
		return true;
	if (s->d->gen != s->gen)
		span_units(cpu, seg, s);
	/* the wrap check and the counting in one pass (metrics as the span's) */
	return add_units_nowrap(cpu, seg, s->d, s->units, s->live);
}

static bool run_host_piece(struct hw_cpu *cpu, unsigned int slot)
{
	const struct hw_segment *seg = &cpu->host_seg[slot].seg;

	if (cpu->engine != HW_ENGINE_FAST || cpu->failure || cpu->events >= cpu->max_events ||
	    seg->cycles > HW_CPU_MAX_CYCLES - cpu->now)
		return false;
	/* (the mode is not set: nothing here reads it, and the caller keeps
	 * the mode of what ran before) */
	if (next_ready_host(cpu) <= cpu->now + seg->cycles)
		return false;
	if (!is_all_disabled(&cpu->pmu) && !host_piece_counts(cpu, slot))
		return false;
	cpu->events++;
	add_truth_whole(cpu, seg);	/* host mode: seg->guest is false */
	cpu->now += seg->cycles;
	return true;
}

/* Apply the batch's deferred segments: each one a run_host_piece() step
 * that moves no counter. */
static void batch_flush(struct hw_cpu *cpu)
{
	u64 *t = cpu->truth[0][0];
	const u64 *w = cpu->host_seg[HOST_WRMSR].seg.ev, *r = cpu->host_seg[HOST_RDMSR].seg.ev;
	const u64 *p = cpu->host_seg[HOST_RDPMC].seg.ev;
	u64 nw = cpu->batch_n[HOST_WRMSR], nr = cpu->batch_n[HOST_RDMSR];
	u64 np = cpu->batch_n[HOST_RDPMC];

	if (!cpu->batch_count)
		return;
	if (!nr && !np) {	/* WRMSRs only (perf's reschedule) */
		for (unsigned int m = cpu->batch_events; m; m &= m - 1) {
			unsigned int i = (unsigned int)__builtin_ctz(m);

			t[i] += nw * w[i];
		}
	} else {
		for (unsigned int m = cpu->batch_events; m; m &= m - 1) {
			unsigned int i = (unsigned int)__builtin_ctz(m);

			t[i] += nw * w[i] + nr * r[i] + np * p[i];
		}
	}
	cpu->batch_n[HOST_WRMSR] = cpu->batch_n[HOST_RDMSR] = cpu->batch_n[HOST_RDPMC] = 0;
	if (cpu->mark)
		cpu->marked_host_cycles += cpu->batch_cycles;
	cpu->events += cpu->batch_count;
	cpu->now += cpu->batch_cycles;
	if (cpu->test_fault == HW_TEST_FAULT_BATCH && cpu->batch_count > 1)
		cpu->now--;	/* planted by the differential test only */
	cpu->batch_cycles = cpu->batch_count = 0;
}

/*
 * Set the batch's limits from the state as it is now (nothing deferred):
 * those run_host_piece() checks, as they stay while only register accesses
 * are made (mark, the interrupt state and what can be deliverable do not
 * change then: a register access requests no interrupt), and the segments
 * of the three accesses. At the batch's first access, and at the first
 * after one that could not be deferred.
 */
/* Are the three access segments those of the costs as they are (what
 * host_slot() would check for each)? */
static inline bool is_access_costs(const struct hw_cpu *cpu)
{
	const struct hw_costs *a = &cpu->access_costs, *c = &cpu->costs;

	return cpu->access_costs_ok && a->wrmsr == c->wrmsr && a->rdmsr == c->rdmsr &&
	       a->rdpmc == c->rdpmc && a->ref_num == c->ref_num && a->ref_den == c->ref_den &&
	       a->slots_per_cycle == c->slots_per_cycle;
}

static void batch_limits(struct hw_cpu *cpu)
{
	u64 ready = next_ready_host(cpu);
	/* a deferred segment must end before @ready and by HW_CPU_MAX_CYCLES */
	cpu->batch_limit = ready ? min_u64(ready - 1, HW_CPU_MAX_CYCLES) : 0;
	cpu->batch_room = cpu->events < cpu->max_events && !cpu->failure ?
			  cpu->max_events - cpu->events : 0;
	if (!is_access_costs(cpu)) {
		host_slot(cpu, HOST_WRMSR, cpu->costs.wrmsr, 1);
		host_slot(cpu, HOST_RDMSR, cpu->costs.rdmsr, 1);
		host_slot(cpu, HOST_RDPMC, cpu->costs.rdpmc, 1);
		cpu->access_costs = cpu->costs;
		cpu->access_costs_ok = true;
	}
	cpu->batch_open = true;
}

/*
 * At the batch's begin and after an access that it deferred: may the next
 * accesses take the quiet path (cpu.h)? Only while every counter is
 * globally disabled, so that no access but a GLOBAL_CTRL write with an
 * enable can make one count (or be due to PMI) in host mode, and no
 * observer wants to see each access.
 */
static inline void batch_quiet(struct hw_cpu *cpu)
{
	u64 cw = cpu->host_seg[HOST_WRMSR].seg.cycles, cr = cpu->host_seg[HOST_RDMSR].seg.cycles;
	u64 cp = cpu->host_seg[HOST_RDPMC].seg.cycles, end = cpu->now + cpu->batch_cycles;
	u64 most = max_u64(max_u64(max_u64(cw, cr), cp), 1);

	cpu->batch_quiet = is_all_disabled(&cpu->pmu) && !cpu->on_host_access;
	cpu->quiet_left = 0;
	/* the quiet path's room: n more accesses fit before the limit and the
	 * event bound whatever their kinds (each checked alone, as batch_defer
	 * does, would fit too); one past them takes the general path, which
	 * defers it if it fits and sets this again */
	if (cpu->batch_quiet && end <= cpu->batch_limit && cpu->batch_count < cpu->batch_room)
		cpu->quiet_left = (u32)min_u64(min_u64((cpu->batch_limit - end) / most,
						       cpu->batch_room - cpu->batch_count),
					       UINT32_MAX);
}

/* Defer the segment of an access of an open batch when run_host_piece()
 * would run it in one step at the batch's end. */
static inline bool batch_defer(struct hw_cpu *cpu, enum host_kind kind)
{
	u64 c = cpu->host_seg[kind].seg.cycles;

	if (cpu->now + cpu->batch_cycles + c > cpu->batch_limit ||
	    cpu->batch_count >= cpu->batch_room)
		return false;
	if (!is_all_disabled(&cpu->pmu) && decoded(cpu, false, 0)->active)
		return false;
	cpu->batch_cycles += c;
	cpu->batch_count++;
	cpu->batch_n[kind]++;
	return true;
}

/* A host segment that is not one piece: the engine's loop, in host mode;
 * the mode of what ran before is restored (out of line: rare). */
static __attribute__((noinline)) void host_segment_run(struct hw_cpu *cpu, unsigned int slot)
{
	/* a copy: interrupt handlers inside may do host work of this kind */
	struct hw_segment copy = cpu->host_seg[slot].seg;
	bool guest = cpu->guest;
	u8 cpl = cpu->cpl;

	hw_cpu__run(cpu, &copy, NULL);
	cpu->guest = guest;
	cpu->cpl = cpl;
}

static void host_segment(struct hw_cpu *cpu, enum host_kind kind, u64 cycles, u64 insns)
{
	bool batch = cpu->batch_want;
	unsigned int slot;

	if (cpu->batch_count)
		batch_flush(cpu);
	cpu->batch_open = cpu->batch_want = cpu->batch_quiet = false;	/* handlers inside run unbatched */
	cpu->quiet_left = 0;
	slot = host_slot(cpu, kind, cycles, insns);
	if (!run_host_piece(cpu, slot))
		host_segment_run(cpu, slot);
	cpu->batch_want = batch;	/* limits set again at the next access */
}

/* The limits are set at once (as the first access would set them: only
 * register accesses follow), so that a first access can take the quiet
 * path too. */
void hw_cpu__host_batch_begin(struct hw_cpu *cpu)
{
	if (cpu->engine != HW_ENGINE_FAST || cpu->on_host_access || cpu->failure)
		return;
	cpu->batch_want = true;
	if (!cpu->batch_open) {
		batch_limits(cpu);
		batch_quiet(cpu);
	}
}

void hw_cpu__host_batch_end(struct hw_cpu *cpu)
{
	batch_flush(cpu);
	cpu->batch_open = cpu->batch_want = cpu->batch_quiet = false;
	cpu->quiet_left = 0;
}

void hw_cpu__host_exec(struct hw_cpu *cpu, u64 cycles)
{
	host_segment(cpu, HOST_EXEC, cycles, cycles ? cycles : 1);
}

/* ---- counter sequences (hw/cpu.h) ---------------------------------------- */

/* @r's registers resolved into cpu->ctr_memo: each counter's RDPMC and
 * counter MSR plain and the same register, each select plain and a
 * select. False when one is not (the sequence is made one by one). */
static bool ctr_memo(struct hw_cpu *cpu, const struct hw_ctr_regs *r, unsigned int n)
{
	struct hw_ctr_memo *m = &cpu->ctr_memo;
	struct hw_pmu *pmu = &cpu->pmu;

	if (n > HW_MAX_CTRS)
		return false;
	if (m->n == n && !memcmp(m->regs, r, n * sizeof(*r)))
		return m->ok;
	m->n = n;
	memcpy(m->regs, r, n * sizeof(*r));
	m->ok = false;
	m->has_sel = 0;
	for (unsigned int i = 0; i < n; i++) {
		const u64 *p = hw_pmu__plain_rdpmc(pmu, r[i].ecx);
		const u64 *sel = r[i].sel_msr ? hw_pmu__plain_rdmsr(pmu, r[i].sel_msr) : NULL;

		if (!p || p != hw_pmu__plain_rdmsr(pmu, r[i].ctr_msr))
			return false;
		m->ctr_valid[i] = p >= pmu->fixed && p < pmu->fixed + HW_MAX_FIXED ? pmu->fixed_mask :
										  pmu->gp_mask;
		if (r[i].sel_msr && (!sel || sel < pmu->evtsel || sel >= pmu->evtsel + HW_MAX_GP))
			return false;
		m->ctr[i] = (u16)((const char *)p - (const char *)pmu);
		m->sel[i] = sel ? (u16)((const char *)sel - (const char *)pmu) : 0;
		m->has_sel |= sel ? BIT_ULL(i) : 0;
	}
	m->ok = true;
	return true;
}

/* The register at byte offset @off of the core's PMU (ctr_memo's). */
static inline u64 *pmu_reg(struct hw_cpu *cpu, u16 off)
{
	return (u64 *)(void *)((char *)&cpu->pmu + off);
}

/* The segments of @np RDPMCs and @nw WRMSRs deferred, as hw_cpu__quiet_defer
 * would defer them one by one (the caller checked the room). */
static inline void quiet_defer_n(struct hw_cpu *cpu, u32 np, u32 nw)
{
	cpu->batch_cycles += np * cpu->host_seg[HOST_RDPMC].seg.cycles +
			     nw * cpu->host_seg[HOST_WRMSR].seg.cycles;
	cpu->batch_count += np + nw;
	cpu->batch_n[HOST_RDPMC] += np;
	cpu->batch_n[HOST_WRMSR] += nw;
	cpu->quiet_left -= np + nw;
}

u32 hw_cpu__host_put_counters(struct hw_cpu *cpu, const struct hw_ctr_regs *r, unsigned int n,
			      u64 clear_sel, u64 *val)
{
	const struct hw_ctr_memo *m = &cpu->ctr_memo;
	u32 np = 0, nw = 0;

	if (cpu->quiet_left < 3 * n || !ctr_memo(cpu, r, n) ||
	    (clear_sel & ~m->has_sel)) {
		u32 k = 0;

		for (unsigned int i = 0; i < n; i++) {
			val[i] = hw_cpu__host_rdpmc(cpu, r[i].ecx);
			k++;
			if (val[i]) {
				hw_cpu__host_wrmsr(cpu, r[i].ctr_msr, 0);
				k++;
			}
			if (clear_sel >> i & 1) {
				hw_cpu__host_wrmsr(cpu, r[i].sel_msr, 0);
				k++;
			}
		}
		return k;
	}
	for (unsigned int i = 0; i < n; i++) {
		u64 *c = pmu_reg(cpu, m->ctr[i]);

		val[i] = *c;
		np++;
		if (*c) {
			*c = 0;
			nw++;
		}
		if (clear_sel >> i & 1) {
			*pmu_reg(cpu, m->sel[i]) = 0;
			nw += cpu->test_fault != HW_TEST_FAULT_BULK;
		}
	}
	quiet_defer_n(cpu, np, nw);
	return np + nw;
}

u32 hw_cpu__host_load_counters(struct hw_cpu *cpu, const struct hw_ctr_regs *r, unsigned int n,
			       const u64 *val, const u64 *sel, bool skip_unchanged)
{
	const struct hw_ctr_memo *m = &cpu->ctr_memo;
	bool fast = cpu->quiet_left >= 3 * n && ctr_memo(cpu, r, n);
	u32 np = 0, nw = 0;

	for (unsigned int i = 0; fast && i < n; i++)	/* each a plain write */
		fast = !(val[i] & ~m->ctr_valid[i]) &&
		       !((m->has_sel >> i & 1) && (sel[i] & cpu->pmu.evtsel_rsvd));
	if (!fast) {
		u32 k = 0;

		for (unsigned int i = 0; i < n; i++) {
			if (!skip_unchanged || hw_cpu__host_rdpmc(cpu, r[i].ecx) != val[i]) {
				hw_cpu__host_wrmsr(cpu, r[i].ctr_msr, val[i]);
				k++;
			}
			k += skip_unchanged;
			if (r[i].sel_msr) {
				hw_cpu__host_wrmsr(cpu, r[i].sel_msr, sel[i]);
				k++;
			}
		}
		return k;
	}
	for (unsigned int i = 0; i < n; i++) {
		u64 *c = pmu_reg(cpu, m->ctr[i]);

		np += skip_unchanged;
		if (!skip_unchanged || *c != val[i]) {
			*c = val[i];
			nw++;
		}
		if (m->has_sel >> i & 1) {
			*pmu_reg(cpu, m->sel[i]) = sel[i];
			nw++;
		}
	}
	quiet_defer_n(cpu, np, nw);
	return np + nw;
}

/* hw_cpu__wrmsr / rdmsr / rdpmc in host mode at CPL 0, which cannot #GP for
 * the ring; what an access does does not depend on the mode otherwise. */
static inline enum hw_msr_result host_do(struct hw_cpu *cpu, enum host_kind kind, u32 reg,
					 u64 *val)
{
	const u64 *plain;

	if (kind == HOST_RDPMC)
		return cpu->pmu.ops->rdpmc(&cpu->pmu, reg, val);
	if (kind == HOST_RDMSR && (plain = hw_pmu__plain_rdmsr(&cpu->pmu, reg))) {
		*val = *plain;
		return HW_MSR_OK;
	}
	if (reg == MSR_X2APIC_LVTPC) {
		if (kind == HOST_WRMSR)
			return hw_apic__write_lvtpc(&cpu->apic, *val);
		*val = cpu->apic.lvtpc;
		return HW_MSR_OK;
	}
	return kind == HOST_WRMSR ? cpu->pmu.ops->wrmsr(&cpu->pmu, reg, *val) :
				    cpu->pmu.ops->rdmsr(&cpu->pmu, reg, val);
}


/* The quiet path's accesses to registers that are not plain (hw/cpu.h):
 * the access alone; the caller defers its segment. (Under
 * HW_TEST_FAULT_QUIET a GLOBAL_CTRL write comes here too: planted by the
 * differential test only.) */
enum hw_msr_result hw_cpu__host_wrmsr_quiet(struct hw_cpu *cpu, u32 msr, u64 val)
{
	return host_do(cpu, HOST_WRMSR, msr, &val);
}

u64 hw_cpu__host_read_quiet(struct hw_cpu *cpu, enum hw_host_access kind, u32 reg)
{
	u64 v = 0;

	host_do(cpu, (enum host_kind)kind, reg, &v);
	return v;
}

/* After the access: the observer, then the instruction's segment. */
static inline __attribute__((always_inline)) void host_retire(struct hw_cpu *cpu, enum host_kind kind,
							   u32 reg, u64 cycles)
{
	if (cpu->on_host_access)	/* observer (sim/interleave.c) */
		cpu->on_host_access(cpu->access_ctx, reg);
	if (cpu->batch_want) {
		if (!cpu->batch_open)
			batch_limits(cpu);
		if (batch_defer(cpu, kind)) {
			batch_quiet(cpu);
			return;
		}
	}
	host_segment(cpu, kind, cycles, 1);
}

enum hw_msr_result hw_cpu__host_wrmsr_slow(struct hw_cpu *cpu, u32 msr, u64 val)
{
	enum hw_msr_result r = host_do(cpu, HOST_WRMSR, msr, &val);

	host_retire(cpu, HOST_WRMSR, msr, cpu->costs.wrmsr);
	return r;
}

u64 hw_cpu__host_rdmsr_slow(struct hw_cpu *cpu, u32 msr)
{
	u64 v = 0;

	host_do(cpu, HOST_RDMSR, msr, &v);
	host_retire(cpu, HOST_RDMSR, msr, cpu->costs.rdmsr);
	return v;
}

u64 hw_cpu__host_rdpmc_slow(struct hw_cpu *cpu, u32 ecx)
{
	u64 v = 0;

	host_do(cpu, HOST_RDPMC, ecx, &v);
	host_retire(cpu, HOST_RDPMC, ecx, cpu->costs.rdpmc);
	return v;
}

/*
 * test_cpu.c - the counting engine of hw/cpu.c.
 *
 * The centrepiece is a differential test: hw_cpu__run() cuts a segment into
 * pieces at PMI-enabled wraps and interrupt deliveries; a naive reference
 * here walks the same segment one cycle at a time (events of cycle j are
 * floor(E*j/C) - floor(E*(j-1)/C)). On random PMUs, counter values near
 * their wrap, freeze-on-PMI, LVTPC modes, IF and skids, both must leave
 * every register, the APIC and the list of taken interrupts identical.
 * The register semantics (ops, APIC) are shared: they are not under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"

#include "base/rng.h"
#include "guest/program.h"
#include "hw/cpu.h"
#include "hw/msr.h"
#include "input/vpmu_parse.h"

#define MAX_LOG 64

struct irq_log {
	unsigned int n;
	struct hw_irq irq[MAX_LOG];
};

static int log_irq(void *ctx, const struct hw_irq *irq)
{
	struct irq_log *l = ctx;

	if (l->n < MAX_LOG)
		l->irq[l->n] = *irq;
	l->n++;
	return 0;
}

/* The reference: one cycle at a time. Plain counting only (no CMASK/EDGE). */
static void ref_run(struct hw_cpu *cpu, const struct hw_segment *seg)
{
	struct hw_pmu *pmu = &cpu->pmu;

	cpu->guest = seg->guest;
	cpu->cpl = seg->cpl;
	hw_apic__deliver_due(cpu);
	for (u64 j = 1; j <= seg->cycles; j++) {
		u64 pmi = 0;

		for (unsigned int idx = 0; idx < HW_MAX_IDX; idx++) {
			struct hw_count_cfg cc;
			u64 *ctr, mask, d;

			if (!(pmu->present & BIT_ULL(idx)) ||
			    !pmu->ops->counter_setup(pmu, idx, seg->guest, seg->cpl, &cc) ||
			    cc.ev == HW_EV_NONE)
				continue;
			assert_false(cc.cmask || cc.edge);
			d = hw_segment__events_by(seg, cc.ev, j) -
			    hw_segment__events_by(seg, cc.ev, j - 1);
			if (idx == HW_FIXED_BASE + 3 && pmu->cfg.metrics &&
			    (pmu->global_ctrl & BIT_ULL(GLOBAL_PERF_METRICS_BIT))) {
				static const enum hw_event td[] = { HW_EV_SLOTS,
					HW_EV_TD_RETIRING, HW_EV_TD_BADSPEC,
					HW_EV_TD_FRONTEND, HW_EV_TD_BACKEND };
				u64 *acc[] = { &pmu->td_slots, &pmu->td_retiring,
					       &pmu->td_badspec, &pmu->td_frontend,
					       &pmu->td_backend };

				for (unsigned int t = 0; t < 5; t++)
					*acc[t] += hw_segment__events_by(seg, td[t], j) -
						   hw_segment__events_by(seg, td[t], j - 1);
			}
			ctr = hw_pmu__counter(pmu, idx);
			mask = hw_pmu__counter_mask(pmu, idx);
			if (d > mask - *ctr) {
				if (pmu->has_global)
					pmu->global_status |= BIT_ULL(idx);
				if (cc.pmi)
					pmi |= BIT_ULL(idx);
			}
			*ctr = (*ctr + d) & mask;
		}
		cpu->now++;
		if (pmi) {
			pmu->ops->pmi_requested(pmu);
			hw_apic__request_pmi(cpu, cpu->now, pmi, seg->guest);
		}
		hw_apic__deliver_due(cpu);
	}
}

static const u8 intel_events[][2] = {
	{ 0x3c, 0 }, { 0xc0, 0 }, { 0x3c, 1 }, { 0x2e, 0x4f }, { 0x2e, 0x41 },
	{ 0xc4, 0 }, { 0xc5, 0 }, { 0xa4, 1 }, { 0x12, 0x34 },
};
static const u16 amd_events[] = { 0x76, 0xc0, 0xc2, 0xc3, 0x1234 };

static void random_pmu(struct rng *r, struct hw_pmu_config *cfg)
{
	switch (rng__below(r, 4)) {
	case 0:
		hw_pmu_config__defaults(cfg, HW_VENDOR_INTEL);	/* v2 */
		break;
	case 1:
		hw_pmu_config__defaults(cfg, HW_VENDOR_INTEL);
		cfg->version = 4;
		cfg->nr_fixed = 4;
		cfg->metrics = true;
		cfg->gp_width = (u8)(32 + rng__below(r, 33));
		cfg->fw_writes = rng__chance(r, 1, 2);	/* the full-width counters */
		break;
	case 2:
		hw_pmu_config__defaults(cfg, HW_VENDOR_INTEL);
		cfg->version = 5;
		cfg->nr_gp = 8;
		cfg->fixed_width = 40;
		cfg->fw_writes = true;
		break;
	default:
		hw_pmu_config__defaults(cfg, HW_VENDOR_AMD);
		cfg->amd_core = cfg->amd_perfmon_v2 = true;
		cfg->nr_gp = 6;
		break;
	}
}

static u64 near_wrap(struct rng *r, u64 mask)
{
	return rng__chance(r, 3, 4) ? mask - rng__below(r, 1000) : rng__next(r) & mask;
}

static void random_state(struct rng *r, struct hw_cpu *cpu)
{
	struct hw_pmu *pmu = &cpu->pmu;
	bool intel = pmu->cfg.vendor == HW_VENDOR_INTEL;

	for (unsigned int i = 0; i < pmu->cfg.nr_gp; i++) {
		u64 sel = EVTSEL_ENABLE * rng__chance(r, 4, 5) |
			  EVTSEL_USR * rng__chance(r, 3, 4) | EVTSEL_OS * rng__chance(r, 3, 4) |
			  EVTSEL_INT * rng__chance(r, 2, 3);

		if (intel) {
			const u8 *e = intel_events[rng__below(r, ARRAY_SIZE(intel_events))];

			sel |= e[0] | (u64)e[1] << 8;
		} else {
			u16 e = amd_events[rng__below(r, ARRAY_SIZE(amd_events))];

			sel |= (e & 0xff) | (u64)(e >> 8) << 32;
			sel |= AMD64_EVTSEL_GUESTONLY * rng__chance(r, 1, 4) |
			       AMD64_EVTSEL_HOSTONLY * rng__chance(r, 1, 4);
		}
		pmu->evtsel[i] = sel;
		pmu->gp[i] = near_wrap(r, pmu->gp_mask);
	}
	for (unsigned int k = 0; k < HW_MAX_FIXED; k++) {
		if (!(pmu->present & BIT_ULL(HW_FIXED_BASE + k)))
			continue;
		pmu->fixed_ctrl |= rng__below(r, 16) & 0xb;
		pmu->fixed_ctrl = (pmu->fixed_ctrl & ~(0xfULL << 4 * k)) |
				  ((rng__below(r, 16) & 0xb) << 4 * k);
		pmu->fixed[k] = near_wrap(r, pmu->fixed_mask);
	}
	if (pmu->has_global)
		pmu->global_ctrl = rng__next(r) & ~pmu->global_ctrl_rsvd;
	if (intel && rng__chance(r, 1, 3))
		pmu->debugctl = DEBUGCTL_FREEZE_PERFMON_ON_PMI | DEBUGCTL_FREEZE_LBRS_ON_PMI |
				DEBUGCTL_LBR;
	cpu->apic.lvtpc = (u32[]){ APIC_LVT_MASKED | 32, 32, 0xf5, APIC_LVT_DM_NMI }
		[rng__below(r, 4)];
	cpu->intr_enabled = rng__chance(r, 2, 3);
	cpu->costs.pmi_skid = (u32)rng__below(r, 40);
}

static void random_segment(struct rng *r, const struct hw_cpu *cpu, struct hw_segment *s)
{
	memset(s, 0, sizeof(*s));
	s->cycles = 1 + rng__below(r, 3000);
	s->ev[HW_EV_INSTRUCTIONS] = rng__below(r, 4 * s->cycles + 1);
	s->ev[HW_EV_BRANCHES] = rng__below(r, s->ev[HW_EV_INSTRUCTIONS] / 5 + 1);
	s->ev[HW_EV_BRANCH_MISSES] = rng__below(r, s->ev[HW_EV_BRANCHES] / 10 + 1);
	s->ev[HW_EV_LLC_REFS] = rng__below(r, s->cycles / 4 + 1);
	s->ev[HW_EV_LLC_MISSES] = rng__below(r, s->ev[HW_EV_LLC_REFS] + 1);
	s->cpl = rng__chance(r, 1, 2) ? 0 : 3;
	s->guest = rng__chance(r, 1, 3);
	hw_cpu__fill_derived(cpu, s);
}

static void assert_same(const struct hw_cpu *a, const struct hw_cpu *b,
			const struct irq_log *la, const struct irq_log *lb)
{
	assert_memory_equal(a->pmu.gp, b->pmu.gp, sizeof(a->pmu.gp));
	assert_memory_equal(a->pmu.fixed, b->pmu.fixed, sizeof(a->pmu.fixed));
	assert_int_equal(a->pmu.global_status, b->pmu.global_status);
	assert_int_equal(a->pmu.global_ctrl, b->pmu.global_ctrl);
	assert_int_equal(a->pmu.debugctl, b->pmu.debugctl);
	assert_int_equal(a->pmu.td_slots, b->pmu.td_slots);
	assert_int_equal(a->pmu.td_backend, b->pmu.td_backend);
	assert_int_equal(a->now, b->now);
	assert_memory_equal(&a->apic, &b->apic, sizeof(a->apic));
	assert_int_equal(la->n, lb->n);
	for (unsigned int i = 0; i < la->n && i < MAX_LOG; i++) {
		assert_int_equal(la->irq[i].kind, lb->irq[i].kind);
		assert_int_equal(la->irq[i].vector, lb->irq[i].vector);
		assert_int_equal(la->irq[i].requested_at, lb->irq[i].requested_at);
		assert_int_equal(la->irq[i].delivered_at, lb->irq[i].delivered_at);
	}
}

static void test_engine_matches_cycle_by_cycle_reference(void **state)
{
	struct rng r;
	unsigned int pmis = 0, overflows = 0;

	(void)state;
	rng__seed(&r, 0x5eed);
	for (unsigned int round = 0; round < 600; round++) {
		struct hw_pmu_config cfg;
		struct hw_cpu *a = test_malloc(sizeof(*a)), *b = test_malloc(sizeof(*b));
		struct irq_log la = { 0 }, lb = { 0 };
		char err[128];

		random_pmu(&r, &cfg);
		assert_int_equal(hw_cpu__init(a, &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
		random_state(&r, a);
		*b = *a;
		a->on_irq = b->on_irq = log_irq;
		a->irq_ctx = &la;
		b->irq_ctx = &lb;
		for (unsigned int s = 0, n = 1 + (unsigned int)rng__below(&r, 4); s < n; s++) {
			struct hw_segment seg;

			random_segment(&r, a, &seg);
			assert_int_equal(hw_cpu__run(a, &seg, NULL), 0);
			ref_run(b, &seg);
			assert_same(a, b, &la, &lb);
		}
		pmis += la.n;
		overflows += popcount64(a->pmu.global_status & 0xffffffffULL);
		test_free(a);
		test_free(b);
	}
	print_message("%u interrupts taken, %u overflows\n", pmis, overflows);
	/* the random cases must really exercise overflow and delivery */
	assert_true(pmis > 100);
	assert_true(overflows > 100);
}

/* ---- host access batches (hw_cpu__host_batch_begin/end) ---------------- */

/* An interrupt handler that does host work of its own, as perf's does. */
struct host_handler {
	struct hw_cpu *cpu;
	struct irq_log log;
};

static int host_handler_irq(void *ctx, const struct hw_irq *irq)
{
	struct host_handler *h = ctx;

	log_irq(&h->log, irq);
	hw_cpu__host_rdpmc(h->cpu, 0);
	if (irq->kind == HW_IRQ_NMI)
		hw_cpu__host_wrmsr(h->cpu, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
	hw_cpu__host_exec(h->cpu, 300);
	return 0;
}

/* A random host access of the PMU (valid or not: a #GP is the same on all). */
static void random_access(struct rng *r, struct hw_cpu *cpu)
{
	bool intel = cpu->pmu.cfg.vendor == HW_VENDOR_INTEL;
	unsigned int i = (unsigned int)rng__below(r, 6);
	u64 v = rng__chance(r, 1, 2) ? 0 : near_wrap(r, cpu->pmu.gp_mask);

	switch (rng__below(r, 11)) {
	case 0:
	case 1:
		hw_cpu__host_rdpmc(cpu, rng__chance(r, 1, 4) && intel ?
				   (u32)RDPMC_TYPE_FIXED << 16 | (i % 3) : i);
		break;
	case 2:
		hw_cpu__host_wrmsr(cpu, intel ? MSR_IA32_PERFCTR0 + i : MSR_F15H_PERF_CTR0 + 2 * i,
				   v);
		break;
	case 3:
		hw_cpu__host_wrmsr(cpu, intel ? MSR_P6_EVNTSEL0 + i : MSR_F15H_PERF_CTL0 + 2 * i,
				   rng__chance(r, 1, 2) ? 0 :
				   0xc0 | EVTSEL_OS | EVTSEL_ENABLE | EVTSEL_INT * rng__chance(r, 1, 2));
		break;
	case 4:
		hw_cpu__host_wrmsr(cpu, intel ? MSR_CORE_PERF_GLOBAL_CTRL :
				   MSR_AMD64_PERF_CNTR_GLOBAL_CTL,
				   rng__chance(r, 1, 2) ? 0 : rng__next(r) & ~cpu->pmu.global_ctrl_rsvd);
		break;
	case 5:
		hw_cpu__host_rdmsr(cpu, intel ? MSR_CORE_PERF_GLOBAL_STATUS :
				   MSR_AMD64_PERF_CNTR_GLOBAL_STATUS);
		break;
	case 6:
		if (intel)
			hw_cpu__host_wrmsr(cpu, MSR_CORE_PERF_FIXED_CTR0 + i % 3, v);
		break;
	case 7:	/* full width (a #GP without FW_WRITE or past the width), K7 */
		hw_cpu__host_wrmsr(cpu, intel ? MSR_IA32_PMC0 + i : MSR_K7_PERFCTR0 + i % 4,
				   rng__chance(r, 1, 8) ? rng__next(r) : v);
		break;
	case 8:	/* the fixed control, the status clear */
		if (intel)
			hw_cpu__host_wrmsr(cpu, rng__chance(r, 1, 2) ? MSR_CORE_PERF_FIXED_CTR_CTRL :
					   MSR_CORE_PERF_GLOBAL_OVF_CTRL, rng__next(r) & 0x333);
		else
			hw_cpu__host_wrmsr(cpu, MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR, rng__next(r));
		break;
	case 9:	/* a select by its other alias, or a reserved bit */
		hw_cpu__host_wrmsr(cpu, intel ? MSR_P6_EVNTSEL0 + i : MSR_K7_EVNTSEL0 + i % 4,
				   rng__chance(r, 1, 4) ? rng__next(r) : 0);
		break;
	default:
		hw_cpu__host_wrmsr(cpu, MSR_X2APIC_LVTPC,
				   (u32[]){ APIC_LVT_MASKED | 32, 32, APIC_LVT_DM_NMI }
				   [rng__below(r, 3)]);
		break;
	}
}

/*
 * A batch of accesses leaves every register, the clock, the ground truth,
 * the engine event count, the host cycles hidden from perf and the taken
 * interrupts exactly as the same accesses made one by one (fast engine) and
 * as the reference engine (which makes them one by one), on random PMUs with
 * host counting, PMIs near, pending interrupts and ticks falling inside the
 * batch, handlers that do host work, and the engine event bound.
 */
static void test_host_batch_is_the_accesses_one_by_one(void **state)
{
	struct rng r;
	unsigned int deferred = 0, irqs = 0, quiet = 0;

	(void)state;
	rng__seed(&r, 0xba7c);
	for (unsigned int round = 0; round < 400; round++) {
		struct hw_pmu_config cfg;
		struct hw_cpu *cpu[3];
		struct host_handler h[3];
		struct rng ops[3];
		u64 seed = rng__next(&r), tick = rng__below(&r, 4000);
		unsigned int n = 1 + (unsigned int)rng__below(&r, 40);
		char err[128];

		random_pmu(&r, &cfg);
		for (unsigned int k = 0; k < 3; k++) {
			cpu[k] = test_malloc(sizeof(*cpu[k]));
			h[k] = (struct host_handler){ .cpu = cpu[k] };
			rng__seed(&ops[k], seed);
		}
		assert_int_equal(hw_cpu__init(cpu[0], &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
		random_state(&r, cpu[0]);
		cpu[0]->timer_at = rng__chance(&r, 1, 2) ? tick : UINT64_MAX;
		cpu[0]->tick_needs_if = rng__chance(&r, 1, 2);
		cpu[0]->tick_skips_guest = rng__chance(&r, 1, 4);
		cpu[0]->mark = rng__chance(&r, 1, 2);
		if (rng__chance(&r, 1, 8))
			cpu[0]->max_events = rng__below(&r, 20);
		if (rng__chance(&r, 1, 3))	/* a PMI already on its way */
			hw_apic__request_pmi(cpu[0], cpu[0]->now, 1, false);
		*cpu[1] = *cpu[0];
		*cpu[2] = *cpu[0];
		cpu[2]->engine = HW_ENGINE_REFERENCE;
		for (unsigned int k = 0; k < 3; k++) {
			cpu[k]->on_irq = host_handler_irq;
			cpu[k]->irq_ctx = &h[k];
			if (k != 1)
				hw_cpu__host_batch_begin(cpu[k]);
			for (unsigned int i = 0; i < n; i++) {
				quiet += k == 0 && cpu[0]->batch_quiet;
				random_access(&ops[k], cpu[k]);
				if (k == 0 && cpu[0]->batch_count)
					deferred++;
			}
			if (k != 1)
				hw_cpu__host_batch_end(cpu[k]);
		}
		for (unsigned int k = 1; k < 3; k++) {
			assert_same(cpu[0], cpu[k], &h[0].log, &h[k].log);
			assert_memory_equal(cpu[0]->truth, cpu[k]->truth, sizeof(cpu[0]->truth));
			assert_int_equal(cpu[0]->events, cpu[k]->events);
			assert_int_equal(cpu[0]->failure, cpu[k]->failure);
			assert_int_equal(cpu[0]->marked_host_cycles, cpu[k]->marked_host_cycles);
			assert_int_equal(cpu[0]->pmu.leaked_events, cpu[k]->pmu.leaked_events);
			assert_memory_equal(cpu[0]->pmu.evtsel, cpu[k]->pmu.evtsel,
					    sizeof(cpu[0]->pmu.evtsel));
		}
		irqs += h[0].log.n;
		for (unsigned int k = 0; k < 3; k++)
			test_free(cpu[k]);
	}
	print_message("%u accesses deferred (%u made while the batch was quiet), %u interrupts taken\n",
		      deferred, quiet, irqs);
	assert_true(deferred > 1000);	/* the batches really deferred ... */
	assert_true(quiet > 500);	/* ... many on the quiet path (hw/cpu.h) ... */
	assert_true(irqs > 50);		/* ... and met interrupts */
}

/* Inside a batch the clock lags (the caller reads it only after the end):
 * with every counter disabled and nothing due, three accesses move it by
 * nothing until the end, then by their three costs. */
static void test_host_batch_defers_then_applies(void **state)
{
	struct hw_pmu_config cfg;
	struct hw_cpu cpu;
	const struct hw_costs *c = TEST_HW_COSTS;
	char err[128];

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	assert_int_equal(hw_cpu__init(&cpu, &cfg, c, err, sizeof(err)), 0);
	hw_cpu__host_batch_begin(&cpu);
	hw_cpu__host_wrmsr(&cpu, MSR_IA32_PERFCTR0, 5);
	assert_int_equal(hw_cpu__host_rdpmc(&cpu, 0), 5);	/* the access itself is made */
	hw_cpu__host_rdmsr(&cpu, MSR_CORE_PERF_GLOBAL_STATUS);
	assert_int_equal(cpu.now, 0);
	hw_cpu__host_batch_end(&cpu);
	assert_int_equal(cpu.now, c->wrmsr + c->rdpmc + c->rdmsr);
	assert_int_equal(cpu.truth[0][0][HW_EV_INSTRUCTIONS], 3);
	assert_int_equal(cpu.truth[0][0][HW_EV_CYCLES], c->wrmsr + c->rdpmc + c->rdmsr);
	assert_int_equal(cpu.events, 3);
}

/* A counter 10 events short of wrapping, 1000 events over 100 cycles: the
 * 10th event happens in cycle ceil(10 * 100 / 1000) = 1. */
static void test_overflow_cycle_is_exact(void **state)
{
	struct hw_pmu_config cfg;
	struct hw_cpu cpu;
	struct irq_log log = { 0 };
	struct hw_segment seg = { .cycles = 100 };
	char err[128];

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	assert_int_equal(hw_cpu__init(&cpu, &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	cpu.on_irq = log_irq;
	cpu.irq_ctx = &log;
	cpu.costs.pmi_skid = 7;
	cpu.pmu.gp[0] = cpu.pmu.gp_mask - 39;	/* wraps on the 40th event */
	cpu.pmu.evtsel[0] = 0xc0 | EVTSEL_OS | EVTSEL_ENABLE | EVTSEL_INT;
	cpu.apic.lvtpc = APIC_LVT_DM_NMI;
	seg.ev[HW_EV_INSTRUCTIONS] = 1000;
	hw_cpu__fill_derived(&cpu, &seg);
	assert_int_equal(hw_cpu__run(&cpu, &seg, NULL), 0);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.irq[0].requested_at, 4);	/* ceil(40 * 100 / 1000) */
	assert_int_equal(log.irq[0].delivered_at, 11);
	assert_int_equal(log.irq[0].kind, HW_IRQ_NMI);
	assert_int_equal(cpu.pmu.gp[0], 1000 - 40);
	assert_int_equal(cpu.pmu.global_status, 1);
	assert_int_equal(cpu.now, 100);
}

/* A vectored PMI with IF clear waits in the IRR; STI takes it. Intel masks
 * the LVTPC on acceptance, so a second overflow is dropped. */
static void test_fixed_pmi_waits_for_if_and_automasks(void **state)
{
	struct hw_pmu_config cfg;
	struct hw_cpu cpu;
	struct irq_log log = { 0 };
	struct hw_segment seg = { .cycles = 1000 };
	char err[128];

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	assert_int_equal(hw_cpu__init(&cpu, &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	cpu.on_irq = log_irq;
	cpu.irq_ctx = &log;
	cpu.pmu.evtsel[0] = 0xc0 | EVTSEL_OS | EVTSEL_ENABLE | EVTSEL_INT;
	cpu.pmu.gp[0] = cpu.pmu.gp_mask - 99;
	cpu.apic.lvtpc = 32;
	seg.ev[HW_EV_INSTRUCTIONS] = 1000;
	hw_cpu__fill_derived(&cpu, &seg);
	hw_cpu__run(&cpu, &seg, NULL);
	assert_int_equal(log.n, 0);
	assert_true(cpu.apic.vec_pending);
	assert_true(cpu.apic.lvtpc & APIC_LVT_MASKED);
	cpu.pmu.gp[0] = cpu.pmu.gp_mask - 99;
	hw_cpu__run(&cpu, &seg, NULL);
	assert_int_equal(cpu.apic.pmi_dropped, 1);
	hw_cpu__set_if(&cpu, true);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.irq[0].vector, 32);
	assert_int_equal(log.irq[0].requested_at, 100);
	assert_int_equal(log.irq[0].delivered_at, 2000);
}

/* CMASK / INV / EDGE on an even spread: 2500 events over 1000 cycles is 2
 * per cycle, plus one more in 500 of them. */
static void test_count_units_thresholds(void **state)
{
	struct hw_segment seg = { .cycles = 1000 };
	struct hw_count_cfg cc = { .ev = HW_EV_INSTRUCTIONS };

	(void)state;
	seg.ev[HW_EV_INSTRUCTIONS] = 2500;
	assert_int_equal(hw_count_units(&cc, &seg), 2500);
	cc.cmask = 2;
	assert_int_equal(hw_count_units(&cc, &seg), 1000);
	cc.cmask = 3;
	assert_int_equal(hw_count_units(&cc, &seg), 500);
	cc.cmask = 4;
	assert_int_equal(hw_count_units(&cc, &seg), 0);
	cc.inv = true;
	assert_int_equal(hw_count_units(&cc, &seg), 1000);
	cc.cmask = 3;
	assert_int_equal(hw_count_units(&cc, &seg), 500);
	cc.edge = true;
	assert_int_equal(hw_count_units(&cc, &seg), 500);
	cc.inv = false;
	cc.cmask = 2;
	assert_int_equal(hw_count_units(&cc, &seg), 1);
	cc.ev = HW_EV_NONE;
	assert_int_equal(hw_count_units(&cc, &seg), 0);
}

/* Stopping on an interrupt hands back exactly what is left. */
static int stop_irq(void *ctx, const struct hw_irq *irq)
{
	(void)ctx;
	(void)irq;
	return 1;
}

static void test_stop_on_interrupt_returns_rest(void **state)
{
	struct hw_pmu_config cfg;
	struct hw_cpu cpu;
	struct hw_segment seg = { .cycles = 1000 }, rest;
	char err[128];

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_AMD);
	assert_int_equal(hw_cpu__init(&cpu, &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	cpu.on_irq = stop_irq;
	cpu.pmu.evtsel[0] = 0xc0 | EVTSEL_OS | EVTSEL_ENABLE | EVTSEL_INT;
	cpu.pmu.gp[0] = cpu.pmu.gp_mask - 299;
	cpu.apic.lvtpc = APIC_LVT_DM_NMI;
	seg.ev[HW_EV_INSTRUCTIONS] = 3000;
	hw_cpu__fill_derived(&cpu, &seg);
	assert_int_equal(hw_cpu__run(&cpu, &seg, &rest), 1);
	assert_int_equal(cpu.now, 100);
	assert_int_equal(rest.cycles, 900);
	assert_int_equal(rest.ev[HW_EV_INSTRUCTIONS], 2700);
	assert_int_equal(cpu.pmu.gp[0], 0);
	/* AMD does not mask the LVTPC */
	assert_int_equal(cpu.apic.lvtpc, APIC_LVT_DM_NMI);
}

/* Handlers that run code: an NMI handler whose own work crosses the tick,
 * and a tick whose handler overflows a counter (the NMI nests in it). */
struct nest {
	struct hw_cpu *cpu;
	u64 tick_at[4], nmi_at[4];
	unsigned int ticks, nmis, nmi_in_tick;
	bool in_tick;
};

static int nest_irq(void *ctx, const struct hw_irq *irq)
{
	struct nest *n = ctx;
	struct hw_segment work = { .cycles = 500 };

	work.ev[HW_EV_INSTRUCTIONS] = 500;
	hw_cpu__fill_derived(n->cpu, &work);
	if (irq->kind == HW_IRQ_TIMER) {
		n->tick_at[n->ticks++ & 3] = irq->delivered_at;
		n->in_tick = true;
		hw_cpu__run(n->cpu, &work, NULL);	/* the tick handler's work */
		n->in_tick = false;
		n->cpu->timer_at = irq->requested_at + 10000;
	} else {
		n->nmi_in_tick += n->in_tick;
		n->nmi_at[n->nmis++ & 3] = irq->delivered_at;
		hw_cpu__run(n->cpu, &work, NULL);	/* the NMI handler's work */
	}
	return 0;
}

/* Runs @insns instructions (one per cycle) with the tick at 10000 and GP
 * counter 0 counting instructions with INT, wrapping @wrap_at in. */
static void nest_run(struct hw_cpu *cpu, struct nest *n, u64 insns, u64 wrap_at)
{
	struct hw_pmu_config cfg;
	struct hw_segment seg = { .cycles = insns };
	char err[128];

	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	assert_int_equal(hw_cpu__init(cpu, &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	n->cpu = cpu;
	cpu->on_irq = nest_irq;
	cpu->irq_ctx = n;
	cpu->timer_at = 10000;
	cpu->apic.lvtpc = APIC_LVT_DM_NMI;
	cpu->pmu.evtsel[0] = 0xc0 | EVTSEL_OS | EVTSEL_ENABLE | EVTSEL_INT;
	cpu->pmu.gp[0] = cpu->pmu.gp_mask - (wrap_at - 1);
	seg.ev[HW_EV_INSTRUCTIONS] = insns;
	hw_cpu__fill_derived(cpu, &seg);
	hw_cpu__run(cpu, &seg, NULL);
}

static void test_handlers_nest_like_hardware(void **state)
{
	struct hw_cpu cpu;
	struct nest n = { 0 };

	(void)state;
	nest_run(&cpu, &n, 30000, 9800);
	assert_int_equal(n.nmi_at[0], 9800);
	/* the NMI handler ran 9800..10300 across the tick at 10000: the tick
	 * is taken as soon as it returns, not at the end of the segment */
	assert_int_equal(n.tick_at[0], 10300);
	assert_int_equal(n.ticks, 3);
	assert_int_equal(n.nmi_in_tick, 0);
	assert_int_equal(cpu.now, 30000 + 500 * (n.ticks + n.nmis));
}

/* An NMI requested inside a tick handler is taken inside it. */
static void test_nmi_nests_in_tick(void **state)
{
	struct hw_cpu cpu;
	struct nest n = { 0 };

	(void)state;
	nest_run(&cpu, &n, 20000, 10100);	/* wraps 100 into the tick */
	assert_int_equal(n.nmis, 1);
	assert_int_equal(n.nmi_in_tick, 1);
	assert_int_equal(n.nmi_at[0], 10100);
}

/* A replay's machine (tick_skips_guest): the host tick due in guest mode
 * does not stop the guest's segment (the trace's own interrupt exits are
 * the host's); it waits in host mode until IF is set, and is taken then. */
static void test_tick_waits_for_the_exit_in_a_replay(void **state)
{
	struct hw_cpu cpu;
	struct nest n = { 0 };
	struct hw_pmu_config cfg;
	struct hw_segment seg = { .cycles = 30000, .guest = true, .cpl = 3 };
	char err[128];

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	assert_int_equal(hw_cpu__init(&cpu, &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	n.cpu = &cpu;
	cpu.on_irq = nest_irq;
	cpu.irq_ctx = &n;
	cpu.timer_at = 10000;
	cpu.tick_needs_if = cpu.tick_skips_guest = true;
	seg.ev[HW_EV_INSTRUCTIONS] = 30000;
	hw_cpu__fill_derived(&cpu, &seg);
	assert_int_equal(hw_cpu__run(&cpu, &seg, NULL), 0);
	assert_int_equal(n.ticks, 0);		/* the guest ran through it */
	assert_int_equal(cpu.now, 30000);
	cpu.guest = false;			/* the VM-exit (kvm/vcpu.c vm_exit) */
	cpu.intr_enabled = false;
	hw_cpu__host_exec(&cpu, 2000);		/* its work, IRQs off */
	assert_int_equal(n.ticks, 0);
	hw_cpu__set_if(&cpu, true);		/* the host enables IRQs */
	assert_int_equal(n.ticks, 1);
	assert_int_equal(n.tick_at[0], 32000);
	/* without the flag the tick stops the guest at 10000 (a VM-exit) */
	n = (struct nest){ .cpu = &cpu };
	assert_int_equal(hw_cpu__init(&cpu, &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	cpu.on_irq = nest_irq;
	cpu.irq_ctx = &n;
	cpu.timer_at = 10000;
	cpu.tick_needs_if = true;
	hw_cpu__run(&cpu, &seg, NULL);
	assert_true(n.ticks >= 1);
	assert_int_equal(n.tick_at[0], 10000);
}

/* Issue 8: simulated time has a limit. A segment that would take the clock
 * past it fails the CPU, which then executes nothing (and so every caller's
 * loop ends); the failure says why. */
static void test_time_limit_fails_the_cpu(void **state)
{
	struct hw_pmu_config cfg;
	struct hw_cpu cpu;
	struct hw_segment seg = { .cycles = 1000 }, rest;
	char err[128];

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	assert_int_equal(hw_cpu__init(&cpu, &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	cpu.now = HW_CPU_MAX_CYCLES - 1000;
	seg.ev[HW_EV_INSTRUCTIONS] = 1000;
	hw_cpu__fill_derived(&cpu, &seg);
	assert_int_equal(hw_cpu__run(&cpu, &seg, NULL), 0);	/* exactly to the limit */
	assert_int_equal(cpu.now, HW_CPU_MAX_CYCLES);
	assert_null(hw_cpu__failure_text(&cpu));
	seg.cycles = 1;
	seg.ev[HW_EV_INSTRUCTIONS] = 1;
	hw_cpu__fill_derived(&cpu, &seg);
	assert_int_equal(hw_cpu__run(&cpu, &seg, &rest), 0);
	assert_int_equal(cpu.now, HW_CPU_MAX_CYCLES);	/* nothing ran */
	assert_int_equal(rest.cycles, 0);
	assert_non_null(strstr(hw_cpu__failure_text(&cpu), "2^62 cycles"));
	assert_int_equal(cpu.failure, HW_CPU_FAIL_TIME);
}

/* A PMI storm: the handler re-arms the counter one event short of its wrap
 * and the segment is long. The event bound ends it. */
static int storm_irq(void *ctx, const struct hw_irq *irq)
{
	struct hw_cpu *cpu = ctx;

	(void)irq;
	cpu->pmu.gp[0] = cpu->pmu.gp_mask;
	cpu->apic.lvtpc = APIC_LVT_DM_NMI;
	return 0;
}

static void test_event_bound_ends_a_storm(void **state)
{
	struct hw_pmu_config cfg;
	struct hw_cpu cpu;
	struct hw_segment seg = { .cycles = 1ULL << 40 };
	char err[128];

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	assert_int_equal(hw_cpu__init(&cpu, &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	cpu.max_events = 10000;
	cpu.on_irq = storm_irq;
	cpu.irq_ctx = &cpu;
	cpu.apic.lvtpc = APIC_LVT_DM_NMI;
	cpu.pmu.evtsel[0] = 0xc0 | EVTSEL_OS | EVTSEL_ENABLE | EVTSEL_INT;
	cpu.pmu.gp[0] = cpu.pmu.gp_mask;
	seg.ev[HW_EV_INSTRUCTIONS] = seg.cycles;
	hw_cpu__fill_derived(&cpu, &seg);
	assert_int_equal(hw_cpu__run(&cpu, &seg, NULL), 0);
	assert_int_equal(cpu.failure, HW_CPU_FAIL_EVENTS);
	assert_int_equal(cpu.events, 10001);
	assert_true(cpu.now < seg.cycles);
	assert_true(cpu.apic.pmi_delivered > 1000);
	assert_non_null(strstr(hw_cpu__failure_text(&cpu), "bound on engine events"));
}

/* Issue 8's reproducer inside a VM: a guest loop of 2^60 cycles takes a
 * host tick exit every millisecond, ~10^11 of them. With a small bound the
 * program run ends with the bound's message instead of running for days. */
static void test_vm_reproducer_ends_at_the_bound(void **state)
{
	static const char text[] = "pmu intel\nloop 1099511627776 insns=1 cycles=1048576\n";
	struct prog *p;
	struct diag d;
	struct prog_result res;
	struct prog_costs costs;
	struct prog_vm vm = { .kind = &kvm_vpmu_mediated_ops, .policy = kvm_policies[0] };
	static struct profile spr;
	char err[256];

	(void)state;
	assert_int_equal(profile__load("spr", &spr, &d), 0);
	costs = (struct prog_costs){ &spr.hw, &spr.perf, &spr.kvm };
	vm.host_pmu = &spr.pmu;
	assert_int_equal(vpmu_parse__buffer("vm.vpmu", text, sizeof(text) - 1, &p, &d), 0);
	hw_cpu__set_default_max_events(200000);
	assert_int_equal(prog__run(p, &costs, &vm, NULL, NULL, &res, err, sizeof(err)),
			 VPMU_E_INVAL);
	hw_cpu__set_default_max_events(HW_CPU_DEFAULT_MAX_EVENTS);
	assert_non_null(strstr(err, "line 2: the run reached its bound on engine events"));
	prog__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_matches_cycle_by_cycle_reference),
		cmocka_unit_test(test_overflow_cycle_is_exact),
		cmocka_unit_test(test_host_batch_is_the_accesses_one_by_one),
		cmocka_unit_test(test_host_batch_defers_then_applies),
		cmocka_unit_test(test_fixed_pmi_waits_for_if_and_automasks),
		cmocka_unit_test(test_count_units_thresholds),
		cmocka_unit_test(test_stop_on_interrupt_returns_rest),
		cmocka_unit_test(test_handlers_nest_like_hardware),
		cmocka_unit_test(test_nmi_nests_in_tick),
		cmocka_unit_test(test_tick_waits_for_the_exit_in_a_replay),
		cmocka_unit_test(test_time_limit_fails_the_cpu),
		cmocka_unit_test(test_event_bound_ends_a_storm),
		cmocka_unit_test(test_vm_reproducer_ends_at_the_bound),
	};

	return cmocka_run_group_tests_name("hw/cpu", tests, NULL, NULL);
}

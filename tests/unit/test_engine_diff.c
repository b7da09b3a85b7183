/*
 * test_engine_diff.c - the optimised counting engine (hw/cpu.c) against the
 * reference engine (hw/cpu_ref.c), as SQLite tests its optimised structures
 * against simple ones.
 *
 * Three levels, every case run once per engine from the same start:
 *  1. the core alone: random PMUs (Intel v1/v2/v4/v5, AMD legacy/core/v2),
 *     random selects (CMASK, INV, EDGE, HostOnly/GuestOnly), counters near
 *     their wrap, random segments (some long enough that the shares need
 *     128 bits), and an interrupt handler that acts on what it is given
 *     (re-arms counters, clears status, unmasks LVTPC, runs host code that
 *     nests, toggles GLOBAL_CTRL, re-arms the tick, asks to stop). Every
 *     register, the APIC, the ground truth, the clock, the returned rests
 *     and a hash of every interrupt taken must be equal;
 *  2. the run loop: random scenarios (built-in ones with their knobs drawn
 *     at random, small) under random vPMU kinds, policies, PMI routes,
 *     profiles and seeds: `vpmu run --json` bytes must be equal, and host
 *     perf's and KVM's invariants (base/checks.h) hold throughout both;
 *  3. guest programs: the conformance suite, the host perf programs
 *     (tests/perf) and random programs, on bare metal and as KVM guests:
 *     every expectation's outcome (with what it saw) and the results must
 *     be equal, and the suites keep host perf's and KVM's invariants.
 * And a planted error in the optimised engine (cpu->test_fault: a share one
 * short, decoded setups never refreshed, a host batch losing a cycle, the
 * quiet path taking a GLOBAL_CTRL write for a plain one, a one-piece
 * segment keeping a counter's units when another would wrap, a counter
 * sequence's quiet form leaving out a select clear's time) must make
 * level 1 fail: the test shows the comparison has teeth. (Level 1's
 * handlers make some of their accesses as host batches, a put and a load
 * among them, at times as counter sequences: hw_cpu__host_put_counters /
 * _load_counters.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <cmocka.h>

#include "base/checks.h"
#include "helpers.h"

#include "base/rng.h"
#include "guest/program.h"
#include "hw/cpu.h"
#include "hw/msr.h"
#include "input/vpmu_parse.h"
#include "report/json.h"
#include "sim/run.h"

#define CORE_CASES	10000
#ifndef RUN_CASES
#define RUN_CASES	150
#endif

/* ---- level 1: the core alone --------------------------------------------- */

struct hctx {
	struct rng r;
	struct hw_cpu *cpu;
	u64 hash;		/* of every interrupt taken, in order */
	unsigned int n, depth;
	bool far;		/* a long segment runs: re-arm counters far from the wrap */
};

static void mix(u64 *h, u64 v)
{
	*h = (*h ^ v) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
}

static u32 ctr_msr(const struct hw_pmu *pmu, unsigned int idx)
{
	if (idx >= HW_FIXED_BASE)
		return MSR_CORE_PERF_FIXED_CTR0 + idx - HW_FIXED_BASE;
	if (pmu->cfg.vendor == HW_VENDOR_AMD)
		return pmu->cfg.amd_core ? MSR_F15H_PERF_CTR0 + 2 * idx : MSR_K7_PERFCTR0 + idx;
	return pmu->cfg.fw_writes ? MSR_IA32_PMC0 + idx : MSR_IA32_PERFCTR0 + idx;
}

static u32 sel_msr(const struct hw_pmu *pmu, unsigned int i)
{
	if (pmu->cfg.vendor == HW_VENDOR_AMD)
		return pmu->cfg.amd_core ? MSR_F15H_PERF_CTL0 + 2 * i : MSR_K7_EVNTSEL0 + i;
	return MSR_P6_EVNTSEL0 + i;
}

static u32 global_ctrl_msr(const struct hw_pmu *pmu)
{
	return pmu->cfg.vendor == HW_VENDOR_AMD ? MSR_AMD64_PERF_CNTR_GLOBAL_CTL :
						  MSR_CORE_PERF_GLOBAL_CTRL;
}

static u32 status_clr_msr(const struct hw_pmu *pmu)
{
	return pmu->cfg.vendor == HW_VENDOR_AMD ? MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR :
						  MSR_CORE_PERF_GLOBAL_OVF_CTRL;
}

/* The counter list of a mediated put or load on this PMU: the GP counters
 * (their selects) then the fixed ones. The handlers use it on PMUs with
 * global registers; an Intel one's without full-width writes names
 * counters that are not plain (PERFCTR0: the sequences then make their
 * accesses one by one). The results and the returned count go into the
 * hash. */
static unsigned int ctr_list(const struct hw_pmu *pmu, struct hw_ctr_regs *r)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < pmu->cfg.nr_gp; i++)
		r[n++] = (struct hw_ctr_regs){ i, ctr_msr(pmu, i), sel_msr(pmu, i) };
	for (unsigned int k = 0; k < HW_MAX_FIXED; k++)
		if (pmu->present & BIT_ULL(HW_FIXED_BASE + k))
			r[n++] = (struct hw_ctr_regs){ (u32)RDPMC_TYPE_FIXED << 16 | k,
						       ctr_msr(pmu, HW_FIXED_BASE + k), 0 };
	return n;
}

/* A load's counters as one sequence (hw_cpu__host_load_counters): values
 * near the wrap, at times one past the counter's bits, selects at times
 * with reserved bits (either makes it go one by one). */
static void handler_load_counters(struct hctx *h)
{
	struct hw_pmu *pmu = &h->cpu->pmu;
	struct hw_ctr_regs r[HW_MAX_CTRS];
	u64 val[HW_MAX_CTRS], sel[HW_MAX_CTRS];
	unsigned int n = ctr_list(pmu, r);

	for (unsigned int i = 0; i < n; i++) {
		u64 mask = r[i].sel_msr ? pmu->gp_mask : pmu->fixed_mask;

		val[i] = rng__chance(&h->r, 1, 4) ? *hw_pmu__counter(pmu, i < pmu->cfg.nr_gp ? i :
					HW_FIXED_BASE + (r[i].ecx & 0xffff)) :
			 (mask - rng__below(&h->r, 5000)) | (rng__chance(&h->r, 1, 40) ? mask + 1 : 0);
		sel[i] = 0xc0 | EVTSEL_OS | EVTSEL_ENABLE | (rng__next(&h->r) & EVTSEL_INT);
		if (rng__chance(&h->r, 1, 40))
			sel[i] |= pmu->evtsel_rsvd;
		else if (rng__chance(&h->r, 1, 2))
			sel[i] = rng__next(&h->r) & ~pmu->evtsel_rsvd;
	}
	mix(&h->hash, hw_cpu__host_load_counters(h->cpu, r, n, val, sel, rng__chance(&h->r, 1, 2)));
}

/* A load inside a handler's batch, after its put: selects, counters and
 * fixed counters written and read while every counter is globally disabled
 * (the quiet path of hw/cpu.h), then GLOBAL_CTRL enabling some (which
 * must end the quiet path: HW_TEST_FAULT_QUIET), then more of the same. */
static void handler_load(struct hctx *h)
{
	struct hw_cpu *cpu = h->cpu;
	struct hw_pmu *pmu = &cpu->pmu;

	for (int round = 0; round < 2; round++) {
		if (rng__chance(&h->r, 1, 2)) {
			handler_load_counters(h);
			goto global;
		}
		for (unsigned int i = 0; i < pmu->cfg.nr_gp; i++) {
			u64 v = hw_cpu__host_rdpmc(cpu, i);

			/* instructions retired (0xc0 on both vendors) in ring 0, or anything */
			u64 sel = rng__chance(&h->r, 1, 2) ? rng__next(&h->r) :
				  0xc0 | EVTSEL_OS | EVTSEL_ENABLE | (rng__next(&h->r) & EVTSEL_INT);

			hw_cpu__host_wrmsr(cpu, sel_msr(pmu, i), sel & ~pmu->evtsel_rsvd);
			if (rng__chance(&h->r, 1, 2))
				hw_cpu__host_wrmsr(cpu, ctr_msr(pmu, i),
						   (v + rng__below(&h->r, 5000)) & pmu->gp_mask);
		}
		for (unsigned int k = 0; k < HW_MAX_FIXED; k++) {
			if (!(pmu->present & BIT_ULL(HW_FIXED_BASE + k)))
				continue;
			if (hw_cpu__host_rdpmc(cpu, (u32)RDPMC_TYPE_FIXED << 16 | k) &&
			    rng__chance(&h->r, 1, 2))
				hw_cpu__host_wrmsr(cpu, ctr_msr(pmu, HW_FIXED_BASE + k),
						   pmu->fixed_mask - rng__below(&h->r, 5000));
		}
global:
		if (!round)
			hw_cpu__host_wrmsr(cpu, global_ctrl_msr(pmu),
					   rng__next(&h->r) & ~pmu->global_ctrl_rsvd);
	}
}

static void handler_acts(struct hctx *h, const struct hw_irq *irq)
{
	struct hw_cpu *cpu = h->cpu;
	struct hw_pmu *pmu = &cpu->pmu;
	bool batch = rng__chance(&h->r, 1, 2);	/* the accesses as one host batch */

	if (batch)
		hw_cpu__host_batch_begin(cpu);
	for (u64 m = irq->source; m; m &= m - 1) {
		unsigned int idx = (unsigned int)__builtin_ctzll(m);

		u64 mask = hw_pmu__counter_mask(pmu, idx);

		if (rng__chance(&h->r, 3, 4))
			hw_cpu__host_wrmsr(cpu, ctr_msr(pmu, idx), h->far ? rng__next(&h->r) & (mask >> 1) :
					   mask - rng__below(&h->r, 3000));
	}
	if (pmu->has_global && rng__chance(&h->r, 1, 2))
		hw_cpu__host_wrmsr(cpu, status_clr_msr(pmu), pmu->global_status &
				   ~pmu->global_status_rsvd);
	if (rng__chance(&h->r, 1, 2))
		hw_cpu__host_wrmsr(cpu, MSR_X2APIC_LVTPC,
				   rng__chance(&h->r, 1, 2) ? APIC_LVT_DM_NMI : 0xf5);
	if (pmu->has_global && rng__chance(&h->r, 1, 6))
		hw_cpu__host_wrmsr(cpu, global_ctrl_msr(pmu),
				   rng__next(&h->r) & ~pmu->global_ctrl_rsvd);
	if (batch && pmu->has_global && rng__chance(&h->r, 2, 3)) {	/* a put: stop, read, clear */
		struct hw_ctr_regs r[HW_MAX_CTRS];
		u64 val[HW_MAX_CTRS];

		hw_cpu__host_wrmsr(cpu, global_ctrl_msr(pmu), 0);
		if (rng__chance(&h->r, 3, 4)) {	/* as one sequence, the selects cleared at random */
			unsigned int n = ctr_list(pmu, r);

			mix(&h->hash, hw_cpu__host_put_counters(cpu, r, n, rng__next(&h->r) &
								GENMASK_ULL(pmu->cfg.nr_gp, 0) >> 1, val));
			for (unsigned int i = 0; i < n; i++)
				mix(&h->hash, val[i]);
		} else
			for (unsigned int i = 0; i < pmu->cfg.nr_gp; i++)
				if (hw_cpu__host_rdpmc(cpu, i))
					hw_cpu__host_wrmsr(cpu, ctr_msr(pmu, i), 0);
		if (rng__chance(&h->r, 1, 2))
			handler_load(h);
	}
	if (batch)
		hw_cpu__host_batch_end(cpu);
	if (h->depth < 3 && rng__chance(&h->r, 1, 2))
		hw_cpu__host_exec(cpu, rng__below(&h->r, 400));
	if (irq->kind == HW_IRQ_TIMER && rng__chance(&h->r, 2, 3))
		cpu->timer_at = cpu->now + 1 + rng__below(&h->r, 20000);
}

static int on_irq(void *ctx, const struct hw_irq *irq)
{
	struct hctx *h = ctx;

	h->n++;
	mix(&h->hash, irq->kind);
	mix(&h->hash, irq->vector);
	mix(&h->hash, irq->requested_at);
	mix(&h->hash, irq->delivered_at);
	mix(&h->hash, irq->guest | (u64)irq->cpl << 1 | (u64)irq->source_guest << 9);
	mix(&h->hash, irq->source);
	h->depth++;
	handler_acts(h, irq);
	h->depth--;
	return rng__chance(&h->r, 1, 5);
}

static void random_pmu(struct rng *r, struct hw_pmu_config *cfg)
{
	unsigned int kind = (unsigned int)rng__below(r, 7);

	hw_pmu_config__defaults(cfg, kind < 4 ? HW_VENDOR_INTEL : HW_VENDOR_AMD);
	switch (kind) {
	case 0:
		cfg->version = 1;
		cfg->nr_fixed = 0;
		cfg->fw_writes = rng__chance(r, 1, 2);
		break;
	case 1:
		break;	/* v2 */
	case 2:
		cfg->version = 4;
		cfg->nr_fixed = 4;
		cfg->metrics = true;
		cfg->fw_writes = true;
		cfg->gp_width = (u8)(32 + rng__below(r, 33));
		break;
	case 3:
		cfg->version = 5;
		cfg->nr_gp = 8;
		cfg->fixed_width = (u8)(32 + rng__below(r, 33));
		break;
	case 4:
		break;	/* AMD legacy */
	case 5:
		cfg->amd_core = true;
		cfg->nr_gp = 6;
		break;
	default:
		cfg->amd_core = cfg->amd_perfmon_v2 = true;
		cfg->nr_gp = (u8)(1 + rng__below(r, 6));
		break;
	}
}

static const u16 intel_events[] = { 0x003c, 0x00c0, 0x013c, 0x4f2e, 0x412e, 0x00c4,
				    0x00c5, 0x01a4, 0x02a4, 0x0073, 0x019c, 0x02c2, 0x3412 };
static const u16 amd_events[] = { 0x76, 0xc0, 0xc2, 0xc3, 0x1234 };

static u64 random_select(struct rng *r, const struct hw_pmu *pmu)
{
	u64 sel = EVTSEL_ENABLE * rng__chance(r, 5, 6) | EVTSEL_USR * rng__chance(r, 3, 4) |
		  EVTSEL_OS * rng__chance(r, 3, 4) | EVTSEL_INT * rng__chance(r, 2, 3);

	if (rng__chance(r, 1, 5))
		sel |= (1 + rng__below(r, 4)) << 24 | EVTSEL_INV * rng__chance(r, 1, 3);
	sel |= EVTSEL_EDGE * rng__chance(r, 1, 8);
	if (pmu->cfg.vendor == HW_VENDOR_INTEL) {
		u16 e = intel_events[rng__below(r, ARRAY_SIZE(intel_events))];

		sel |= (e & 0xff) | (u64)(e >> 8) << 8;
	} else {
		u16 e = amd_events[rng__below(r, ARRAY_SIZE(amd_events))];

		sel |= (e & 0xff) | (u64)(e >> 8) << 32;
		sel |= AMD64_EVTSEL_GUESTONLY * rng__chance(r, 1, 4) |
		       AMD64_EVTSEL_HOSTONLY * rng__chance(r, 1, 4);
	}
	return sel;
}

static u64 near_wrap(struct rng *r, u64 mask)
{
	return rng__chance(r, 3, 4) ? mask - rng__below(r, 5000) : rng__next(r) & mask;
}

static void random_state(struct rng *r, struct hw_cpu *cpu)
{
	struct hw_pmu *pmu = &cpu->pmu;

	for (unsigned int i = 0; i < pmu->cfg.nr_gp; i++) {
		pmu->evtsel[i] = random_select(r, pmu);
		pmu->gp[i] = near_wrap(r, pmu->gp_mask);
	}
	for (unsigned int k = 0; k < HW_MAX_FIXED; k++) {
		if (!(pmu->present & BIT_ULL(HW_FIXED_BASE + k)))
			continue;
		pmu->fixed_ctrl |= (rng__below(r, 16) & 0xb) << 4 * k;
		pmu->fixed[k] = near_wrap(r, pmu->fixed_mask);
	}
	if (pmu->has_global)
		pmu->global_ctrl = rng__next(r) & ~pmu->global_ctrl_rsvd;
	if (pmu->cfg.vendor == HW_VENDOR_INTEL && rng__chance(r, 1, 3))
		pmu->debugctl = DEBUGCTL_FREEZE_PERFMON_ON_PMI | DEBUGCTL_FREEZE_LBRS_ON_PMI |
				DEBUGCTL_LBR;
	cpu->apic.lvtpc = (u32[]){ APIC_LVT_MASKED | 32, 32, 0xf5, APIC_LVT_DM_NMI, 8 }
		[rng__below(r, 5)];
	cpu->intr_enabled = rng__chance(r, 2, 3);
	cpu->tick_needs_if = rng__chance(r, 1, 2);
	cpu->tick_skips_guest = rng__chance(r, 1, 4);	/* a replay's machine */
	cpu->timer_at = rng__chance(r, 1, 2) ? rng__below(r, 30000) : UINT64_MAX;
	cpu->costs.pmi_skid = (u32)rng__below(r, 40);
	pmu->guest_owned = rng__next(r) & pmu->present;
	cpu->mark = rng__chance(r, 1, 2);
}

static void random_segment(struct rng *r, const struct hw_cpu *cpu, struct hw_segment *s)
{
	bool long_one = rng__chance(r, 1, 20);

	memset(s, 0, sizeof(*s));
	/* long ones need 128-bit shares; PMI counters sit far from their wrap
	 * (they would take an interrupt every few thousand cycles) */
	s->cycles = long_one ? (1ULL << 33) + rng__below(r, 1ULL << 34) : 1 + rng__below(r, 3000);
	s->ev[HW_EV_INSTRUCTIONS] = rng__below(r, 4 * s->cycles + 1);
	s->ev[HW_EV_BRANCHES] = rng__below(r, s->ev[HW_EV_INSTRUCTIONS] / 5 + 1);
	s->ev[HW_EV_BRANCH_MISSES] = rng__below(r, s->ev[HW_EV_BRANCHES] / 10 + 1);
	s->ev[HW_EV_LLC_REFS] = rng__below(r, s->cycles / 4 + 1);
	s->ev[HW_EV_LLC_MISSES] = rng__below(r, s->ev[HW_EV_LLC_REFS] + 1);
	s->cpl = rng__chance(r, 1, 2) ? 0 : 3;
	s->guest = rng__chance(r, 1, 3);
	hw_cpu__fill_derived(cpu, s);
}

/* Between segments: what a kernel does, through the core's MSR interface. */
static void random_poke(struct rng *r, struct hw_cpu *cpu)
{
	struct hw_pmu *pmu = &cpu->pmu;

	if (pmu->cfg.nr_gp && rng__chance(r, 1, 4))
		hw_cpu__host_wrmsr(cpu, sel_msr(pmu, (unsigned int)rng__below(r, pmu->cfg.nr_gp)),
				   random_select(r, pmu));
	if (pmu->has_global && rng__chance(r, 1, 4))
		hw_cpu__host_wrmsr(cpu, global_ctrl_msr(pmu), rng__chance(r, 1, 2) ? 0 :
				   rng__next(r) & ~pmu->global_ctrl_rsvd);
	if (rng__chance(r, 1, 6))
		hw_cpu__set_if(cpu, !cpu->intr_enabled);
	if (rng__chance(r, 1, 8))
		pmu->guest_owned = rng__next(r) & pmu->present;
	if (rng__chance(r, 1, 8))
		cpu->mark = !cpu->mark;
}

#define SAME(f) (a->f == b->f)

static bool is_same_pmu(const struct hw_pmu *a, const struct hw_pmu *b)
{
	return !memcmp(a->gp, b->gp, sizeof(a->gp)) &&
	       !memcmp(a->evtsel, b->evtsel, sizeof(a->evtsel)) &&
	       !memcmp(a->fixed, b->fixed, sizeof(a->fixed)) &&
	       SAME(fixed_ctrl) && SAME(global_ctrl) && SAME(global_status) && SAME(debugctl) &&
	       SAME(td_slots) && SAME(td_retiring) && SAME(td_badspec) && SAME(td_frontend) &&
	       SAME(td_backend) && SAME(metrics_l2) && SAME(guest_owned) && SAME(leaked_events);
}

static bool is_same_apic(const struct hw_apic *a, const struct hw_apic *b)
{
	return SAME(lvtpc) && SAME(vec_pending) && SAME(vec) && SAME(vec_requested_at) &&
	       SAME(vec_ready_at) && SAME(vec_source) && SAME(vec_source_guest) &&
	       SAME(nmi_pending) && SAME(nmi_requested_at) && SAME(nmi_ready_at) &&
	       SAME(nmi_source) && SAME(nmi_source_guest) && SAME(pmi_requests) &&
	       SAME(pmi_dropped) && SAME(pmi_merged) && SAME(pmi_delivered);
}

static bool is_same_cpu(const struct hw_cpu *a, const struct hw_cpu *b)
{
	return is_same_pmu(&a->pmu, &b->pmu) && is_same_apic(&a->apic, &b->apic) &&
	       SAME(now) && SAME(guest) && SAME(cpl) && SAME(intr_enabled) && SAME(irq_depth) &&
	       SAME(in_nmi) && SAME(timer_at) && SAME(mark) && SAME(marked_host_cycles) &&
	       SAME(failure) && SAME(events) && !memcmp(a->truth, b->truth, sizeof(a->truth));
}

static bool is_same_segment(const struct hw_segment *a, const struct hw_segment *b)
{
	return SAME(cycles) && SAME(guest) && SAME(cpl) && !memcmp(a->ev, b->ev, sizeof(a->ev));
}

#undef SAME

/* One random case through both engines; false at the first difference.
 * *irqs and *ovf count what it exercised. */
static bool core_case(u64 seed, enum hw_test_fault fault, unsigned int *irqs, unsigned int *ovf)
{
	static struct hw_cpu cpu[2];
	struct hctx h[2];
	struct hw_pmu_config cfg;
	struct rng r;
	char err[128];
	bool same = true;

	rng__seed(&r, seed);
	random_pmu(&r, &cfg);
	assert_int_equal(hw_cpu__init(&cpu[0], &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	random_state(&r, &cpu[0]);
	cpu[1] = cpu[0];
	cpu[0].engine = HW_ENGINE_FAST;
	cpu[0].test_fault = fault;
	cpu[1].engine = HW_ENGINE_REFERENCE;
	for (int e = 0; e < 2; e++) {
		h[e] = (struct hctx){ .cpu = &cpu[e] };
		rng__seed(&h[e].r, seed ^ 0xabcdef);
		cpu[e].on_irq = on_irq;
		cpu[e].irq_ctx = &h[e];
	}
	for (unsigned int s = 0, n = 1 + (unsigned int)rng__below(&r, 6); s < n && same; s++) {
		struct hw_segment seg, rest[2];
		struct rng poke = r;
		int ret[2];

		random_segment(&r, &cpu[0], &seg);
		for (int e = 0; e < 2; e++) {
			struct rng p = poke;

			h[e].far = seg.cycles > 100000;
			random_poke(&p, &cpu[e]);
			ret[e] = hw_cpu__run(&cpu[e], &seg, &rest[e]);
			/* stopped by the handler: run some of what is left */
			for (int again = 0; ret[e] == 1 && again < 3; again++) {
				struct hw_segment left = rest[e];

				ret[e] = hw_cpu__run(&cpu[e], &left, &rest[e]);
			}
		}
		(void)rng__next(&r);
		same = ret[0] == ret[1] && is_same_segment(&rest[0], &rest[1]) &&
		       is_same_cpu(&cpu[0], &cpu[1]) && h[0].hash == h[1].hash && h[0].n == h[1].n;
	}
	*irqs += h[1].n;
	*ovf += popcount64(cpu[1].pmu.global_status & 0xffffffffULL);
	return same;
}

static void test_core_engines_agree(void **state)
{
	unsigned int irqs = 0, ovf = 0, cases = 0;

	(void)state;
	for (u64 i = 0; i < CORE_CASES; i++) {
		if (!core_case(0xd1ff0000 + i, HW_TEST_FAULT_NONE, &irqs, &ovf))
			fail_msg("case %llu: the engines differ", (unsigned long long)i);
		cases++;
	}
	print_message("%u random core cases agree (%u interrupts taken, %u overflows)\n",
		      cases, irqs, ovf);
	/* the random cases must really exercise overflow and delivery */
	assert_true(irqs > CORE_CASES / 4);
	assert_true(ovf > CORE_CASES / 20);
}

/* A planted error in the optimised engine must be caught. */
static void test_planted_errors_are_caught(void **state)
{
	const enum hw_test_fault faults[] = { HW_TEST_FAULT_SHARE, HW_TEST_FAULT_STALE_DECODE,
					      HW_TEST_FAULT_BATCH, HW_TEST_FAULT_QUIET,
					      HW_TEST_FAULT_TAKE_BACK, HW_TEST_FAULT_BULK };
	unsigned int irqs = 0, ovf = 0;

	(void)state;
	for (unsigned int f = 0; f < ARRAY_SIZE(faults); f++) {
		unsigned int caught = 0, n = 500;

		for (u64 i = 0; i < n; i++)
			caught += !core_case(0xd1ff0000 + i, faults[f], &irqs, &ovf);
		print_message("planted error %u: %u of %u cases differ\n", faults[f], caught, n);
		/* the batch errors show only where a handler's batch defers, the
		 * sequence's only where its put clears a select (level 2 below
		 * meets it in every mediated run) */
		assert_true(caught > (faults[f] == HW_TEST_FAULT_BULK ? n / 100 :
				      faults[f] == HW_TEST_FAULT_BATCH ||
				      faults[f] == HW_TEST_FAULT_QUIET ? n / 50 : n / 10));
	}
}

/* ---- level 2: the run loop ----------------------------------------------- */

static char *run_json_fault(const struct sim_config *c, enum hw_engine engine,
			    enum hw_test_fault fault)
{
	struct sim_metrics m;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	hw_cpu__set_default_engine(engine);
	hw_cpu__set_default_test_fault(fault);
	if (sim__run(c, &m, err, sizeof(err)))
		fprintf(f, "error: %s\n", err);
	else
		report__json(f, &m, "test");
	hw_cpu__set_default_engine(HW_ENGINE_FAST);
	hw_cpu__set_default_test_fault(HW_TEST_FAULT_NONE);
	fclose(f);
	return buf;
}

static char *run_json(const struct sim_config *c, enum hw_engine engine)
{
	return run_json_fault(c, engine, HW_TEST_FAULT_NONE);
}

static void random_scenario(struct rng *r, struct scenario *sc)
{
	static const char *const names[] = { "timer-heavy", "slice-of-hardware", "overcommit" };
	struct guest_workload *g = &sc->guest;
	struct diag d;

	assert_int_equal(scenario__load(names[rng__below(r, ARRAY_SIZE(names))], sc, &d), 0);
	g->work_minsns = 1 + rng__below(r, 3);
	g->cpi_milli = (u32)(300 + rng__below(r, 2000));
	g->kernel_pct = (u32)rng__below(r, 101);
	/* not hz = 0: a tick after every instruction (issue 8), far too slow */
	g->hz = (u32)(100 + rng__below(r, 4000));
	for (int e = 0; e < EXIT_NR; e++)
		if (rng__chance(r, 1, 3))
			g->exits_per_sec[e] = (u32)rng__below(r, 200000);
	g->perf = (enum guest_perf_mode)rng__below(r, 3);
	g->perf_events = 1 + (unsigned int)rng__below(r, 8);
	g->perf_freq = (u32)(g->perf == GUEST_PERF_RECORD ? 100 + rng__below(r, 20000) : 0);
	if (rng__chance(r, 1, 3)) {
		sc->host_tasks = (unsigned int)rng__below(r, 3);
		sc->slice_us = (u32)(100 + rng__below(r, 3000));
	}
}

static void test_runs_agree(void **state)
{
	static const char *const profiles[] = { "spr", "zen4", "default" };
	static struct profile prof[3];
	unsigned int cases = 0, errors = 0;
	struct rng r;
	struct diag d;

	(void)state;
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(profile__load(profiles[i], &prof[i], &d), 0);
	rng__seed(&r, 0x51aa);
	for (unsigned int i = 0; i < RUN_CASES; i++) {
		static struct scenario sc;
		struct sim_config c = { .seed = rng__next(&r) };
		unsigned int k = (unsigned int)rng__below(&r, 6);
		char *fast, *ref;

		random_scenario(&r, &sc);
		c.sc = &sc;
		c.kind = k == 0 ? &kvm_vpmu_none_ops : k == 1 ? &kvm_vpmu_emulated_ops :
			 &kvm_vpmu_mediated_ops;
		/* the default profile's PMU cannot host a mediated vPMU */
		c.prof = &prof[rng__below(&r, c.kind->is_mediated ? 2 : 3)];
		c.policy = kvm_policies[k < 2 ? 0 : k - 2];
		c.route = rng__chance(&r, 1, 3) ? PMI_ROUTE_NMI : PMI_ROUTE_VECTOR;
		c.no_skip = rng__chance(&r, 1, 4);
		if (getenv("DIFF_VERBOSE"))
			print_message("run %u: %s %s %s %s\n", i, sc.name, c.prof->name,
				      c.kind->name, c.policy->name);
		checks__set(true);	/* perf's and KVM's invariants too */
		fast = run_json(&c, HW_ENGINE_FAST);
		ref = run_json(&c, HW_ENGINE_REFERENCE);
		if (checks__failure())
			fail_msg("run %u (%s, %s, %s): %s", i, sc.name, c.kind->name,
				 c.policy->name, checks__failure());
		checks__set(false);
		if (strcmp(fast, ref))
			fail_msg("run %u (%s, %s, %s): the engines differ:\n%s\n---\n%s", i,
				 sc.name, c.kind->name, c.policy->name, fast, ref);
		errors += !strncmp(fast, "error", 5);
		if (getenv("DIFF_VERBOSE") && !strncmp(fast, "error", 5))
			print_message("%s", fast);
		cases++;
		free(fast);
		free(ref);
	}
	print_message("%u random runs give the same JSON (%u refused by both)\n", cases, errors);
	assert_true(errors < cases / 4);
}

/*
 * Of 40 random runs whose guest uses perf, under @kind (with the policies
 * in turn when @policies, else irqoff) on spr and zen4 alternately: how
 * many give other JSON with @fault planted in the fast engine than the
 * reference engine gives.
 */
static unsigned int planted_runs_differ(const struct kvm_vpmu_ops *kind, bool policies,
					enum hw_test_fault fault, u64 seed)
{
	static const char *const profiles[] = { "spr", "zen4" };
	static struct profile prof[2];
	unsigned int n = 0, caught = 0;
	struct rng r;
	struct diag d;

	for (unsigned int i = 0; i < 2; i++)
		assert_int_equal(profile__load(profiles[i], &prof[i], &d), 0);
	rng__seed(&r, seed);
	while (n < 40) {
		static struct scenario sc;
		struct sim_config c = { .seed = rng__next(&r), .kind = kind,
					.policy = kvm_policies[policies ? n % 4 : 0],
					.route = PMI_ROUTE_VECTOR };
		char *bad, *ref;

		random_scenario(&r, &sc);
		if (sc.guest.perf == GUEST_PERF_NONE)
			continue;
		c.sc = &sc;
		c.prof = &prof[n % 2];
		bad = run_json_fault(&c, HW_ENGINE_FAST, fault);
		ref = run_json(&c, HW_ENGINE_REFERENCE);
		caught += strcmp(bad, ref) != 0;
		n++;
		free(bad);
		free(ref);
	}
	return caught;
}

/*
 * Host perf's re-arm in place (perf/core.c rearm_in_place) runs in quiet
 * batches only, so the reference engine always makes the stops and starts
 * in full: level 2 holds it to them. A planted error in it (a WRMSR's time
 * left out) must show in the JSON of emulated runs whose guest profiles
 * (each guest counter resumed re-arms the others on the host).
 */
static void test_planted_rearm_is_caught(void **state)
{
	unsigned int caught = planted_runs_differ(&kvm_vpmu_emulated_ops, false,
						  HW_TEST_FAULT_REARM, 0x7ea7);

	(void)state;
	print_message("planted re-arm error: %u of 40 emulated runs differ\n", caught);
	assert_true(caught > 40 / 2);
}

/*
 * The counter sequences of the mediated put and load (hw_cpu__host_put_counters
 * / _load_counters) take their quiet form in the fast engine only; the
 * reference makes every access. A planted error in it (a select clear's
 * time left out) must show in the JSON of mediated runs whose guest
 * counts.
 */
static void test_planted_bulk_is_caught(void **state)
{
	unsigned int caught = planted_runs_differ(&kvm_vpmu_mediated_ops, true,
						  HW_TEST_FAULT_BULK, 0xb01c);

	(void)state;
	print_message("planted counter-sequence error: %u of 40 mediated runs differ\n", caught);
	assert_true(caught > 40 / 2);
}

/* ---- level 3: guest programs --------------------------------------------- */

struct outcome {
	u64 hash;
	unsigned int n;
};

static void on_check(void *ctx, const struct prog_check *c)
{
	struct outcome *o = ctx;

	o->n++;
	mix(&o->hash, c->op->line);
	mix(&o->hash, c->passed);
	for (const char *p = c->detail; *p; p++)
		mix(&o->hash, (u8)*p);
}

static void run_prog(const struct prog *p, const struct prog_vm *vm, enum hw_engine engine,
		     struct outcome *o, struct prog_result *res)
{
	static struct profile prof;
	const char *name = !vm ? "default" : p->pmu.vendor == HW_VENDOR_AMD ? "zen4" : "spr";
	struct prog_costs costs = { &prof.hw, &prof.perf, &prof.kvm };
	struct prog_vm v;
	struct diag d;
	char err[200];

	assert_int_equal(profile__load(name, &prof, &d), 0);
	*o = (struct outcome){ 0 };
	hw_cpu__set_default_engine(engine);
	if (vm) {
		v = *vm;
		v.host_pmu = &prof.pmu;
	}
	if (prog__run(p, &costs, vm ? &v : NULL, on_check, o, res, err, sizeof(err)))
		mix(&o->hash, 0xe77);
	hw_cpu__set_default_engine(HW_ENGINE_FAST);
}

static void test_programs_agree(void **state)
{
	const struct kvm_policy_ops *pol[] = { kvm_policies[0], kvm_policies[1],
					       kvm_policies[2], kvm_policies[3] };
	unsigned int cases = 0, checks = 0;
	glob_t g;

	(void)state;
	assert_int_equal(glob("tests/conformance/*.vpmu", 0, NULL, &g), 0);
	assert_int_equal(glob("tests/perf/*.vpmu", GLOB_APPEND, NULL, &g), 0);
	assert_true(g.gl_pathc > 20);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct prog *p;
		struct diag d;

		assert_int_equal(vpmu_parse__file(g.gl_pathv[i], &p, &d), 0);
		for (int env = -2; env < 4; env++) {
			struct prog_vm vm = {
				.kind = env == -1 ? &kvm_vpmu_emulated_ops : &kvm_vpmu_mediated_ops,
				.policy = pol[env < 0 ? 0 : env],
				.route = env == 3 ? PMI_ROUTE_NMI : PMI_ROUTE_VECTOR,
			};
			struct outcome o[2];
			static struct prog_result res[2];

			checks__set(true);
			run_prog(p, env == -2 ? NULL : &vm, HW_ENGINE_FAST, &o[0], &res[0]);
			run_prog(p, env == -2 ? NULL : &vm, HW_ENGINE_REFERENCE, &o[1], &res[1]);
			if (checks__failure())
				fail_msg("%s (env %d): %s", g.gl_pathv[i], env, checks__failure());
			checks__set(false);
			if (o[0].hash != o[1].hash || o[0].n != o[1].n ||
			    res[0].passed != res[1].passed || res[0].failed != res[1].failed ||
			    res[0].pmis != res[1].pmis || res[0].cycles != res[1].cycles ||
			    res[0].host_nmis != res[1].host_nmis)
				fail_msg("%s (env %d): the engines differ", g.gl_pathv[i], env);
			checks += o[0].n;
			cases++;
		}
		prog__free(p);
	}
	globfree(&g);
	print_message("%u program runs agree (%u expectations each way)\n", cases, checks);
}

/* ---- level 3b: random guest programs ------------------------------------- */

#define PUT(...) (n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__))

/* A random program in the .vpmu language (docs/guest-programs.md): counters
 * programmed near their wrap, loops, reads with expectations (whose "seen"
 * values both engines must report alike), IF and CPL changes. */
static void random_program(struct rng *r, char *buf, size_t len)
{
	static const char *const ev[] = { "0xc0", "0x3c", "0xc4", "0xc5" };
	bool amd = rng__chance(r, 1, 3);
	size_t n = 0;

	PUT("%s\n", amd ? "pmu amd core perfmon_v2" :
	    rng__chance(r, 1, 2) ? "pmu intel version=4 gp=4 fixed=3" :
				   "pmu intel version=2 gp=4 fixed=3");
	PUT("wrmsr X2APIC_LVTPC %s\n", rng__chance(r, 1, 2) ? "32" : "0x400");
	for (unsigned int i = 0, ops = 5 + (unsigned int)rng__below(r, 30); i < ops; i++) {
		unsigned int c = (unsigned int)rng__below(r, 4);

		switch (rng__below(r, 11)) {
		case 0:
			PUT("wrmsr %s%u evtsel(event=%s, usr, os, en%s)\n",
			    amd ? "MSR_F15H_PERF_CTL" : "IA32_PERFEVTSEL", c,
			    ev[rng__below(r, amd ? 1 : 4)], rng__chance(r, 2, 3) ? ", int" : "");
			break;
		case 1:
			PUT("wrmsr %s%u 0x%llx\n", amd ? "MSR_F15H_PERF_CTR" : "IA32_PMC", c,
			    (unsigned long long)((amd ? 0xffffffffffffULL : 0xffffffffULL) -
						 rng__below(r, 20000)));
			break;
		case 2:
			PUT("wrmsr %s 0x%llx\n", amd ? "MSR_AMD64_PERF_CNTR_GLOBAL_CTL" :
			    "IA32_PERF_GLOBAL_CTRL", (unsigned long long)(rng__below(r, 16) |
			    (amd ? 0 : rng__below(r, 8) << 32)));
			break;
		case 3:
			PUT("wrmsr %s 0x%s\n", amd ? "MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR" :
			    "IA32_PERF_GLOBAL_OVF_CTRL", amd ? "3f" : "70000000f");
			break;
		case 4:
			if (!amd)
				PUT("wrmsr IA32_FIXED_CTR_CTRL 0x%llx\nwrmsr IA32_FIXED_CTR%u 0x%llx\n",
				    (unsigned long long)(rng__next(r) & 0xbbb), c % 3,
				    (unsigned long long)(0xffffffffffffULL - rng__below(r, 20000)));
			break;
		case 5:
		case 6:
			PUT("loop %llu insns=%llu%s\n", (unsigned long long)(1 + rng__below(r, 5000)),
			    (unsigned long long)(1 + rng__below(r, 8)),
			    rng__chance(r, 1, 2) ? " branches=1" : "");
			break;
		case 7:
			PUT("rdpmc r0 %u\nexpect r0 == 0\n", c);
			break;
		case 8:
			PUT("rdmsr r1 %s\nexpect r1 == 0\n", amd ? "MSR_AMD64_PERF_CNTR_GLOBAL_STATUS" :
			    "IA32_PERF_GLOBAL_STATUS");
			break;
		case 9:
			PUT("%s\nexpect pmis == 0\n", rng__chance(r, 1, 2) ? "sti" : "cli");
			break;
		default:
			PUT("cpl %u\n", rng__chance(r, 1, 3) ? 3 : 0);
			break;
		}
	}
	PUT("cpl 0\nexpect pmis == 0\n");
}

#undef PUT

static void test_random_programs_agree(void **state)
{
	unsigned int cases = 0, checks = 0, failed = 0;
	struct rng r;

	(void)state;
	rng__seed(&r, 0x9409);
	for (unsigned int i = 0; i < 300; i++) {
		static char text[8192];
		unsigned int k = (unsigned int)rng__below(&r, 5);
		struct prog_vm vm = {
			.kind = k ? &kvm_vpmu_mediated_ops : &kvm_vpmu_emulated_ops,
			.policy = kvm_policies[k ? k - 1 : 0],
			.route = rng__chance(&r, 1, 3) ? PMI_ROUTE_NMI : PMI_ROUTE_VECTOR,
		};
		struct prog *p;
		struct diag d;

		random_program(&r, text, sizeof(text));
		if (vpmu_parse__buffer("random.vpmu", text, strlen(text), &p, &d))
			fail_msg("random program %u: %u:%u: %s\n%s", i, d.line, d.col, d.msg, text);
		for (int in_vm = 0; in_vm < 2; in_vm++) {
			struct outcome o[2];
			static struct prog_result res[2];

			run_prog(p, in_vm ? &vm : NULL, HW_ENGINE_FAST, &o[0], &res[0]);
			run_prog(p, in_vm ? &vm : NULL, HW_ENGINE_REFERENCE, &o[1], &res[1]);
			if (o[0].hash != o[1].hash || o[0].n != o[1].n ||
			    res[0].passed != res[1].passed || res[0].failed != res[1].failed ||
			    res[0].pmis != res[1].pmis || res[0].cycles != res[1].cycles)
				fail_msg("random program %u (in a VM: %d): the engines differ\n%s",
					 i, in_vm, text);
			checks += o[0].n;
			failed += res[0].failed;
			cases++;
		}
		prog__free(p);
	}
	print_message("%u random program runs agree (%u expectations, %u of them not met "
		      "alike by both)\n", cases, checks, failed);
	assert_true(checks > cases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_engines_agree),
		cmocka_unit_test(test_planted_errors_are_caught),
		cmocka_unit_test(test_runs_agree),
		cmocka_unit_test(test_planted_rearm_is_caught),
		cmocka_unit_test(test_planted_bulk_is_caught),
		cmocka_unit_test(test_programs_agree),
		cmocka_unit_test(test_random_programs_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

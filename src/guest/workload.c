/*
 * guest/workload.c - the synthetic guest and its perf driver (see
 * workload.h). Time between workload exits is drawn from the seed's
 * generator (uniform gaps around the mean, the reason by its share of the
 * rate), so a run is deterministic for a seed; everything else follows from
 * the vCPU.
 */
#include <string.h>

#include "guest/workload.h"
#include "hw/msr.h"

struct gs {
	const struct guest_workload *w;
	struct kvm_vcpu *v;
	struct rng rng;
	u64 core_hz;
	u64 left;			/* instructions of work left */
	u64 next_exit, next_tick;	/* pCPU cycles */
	u64 tick_cycles;
	/* the guest's perf driver */
	bool perf_on;
	unsigned int nr_gp;
	u64 width_mask;
	bool fw;
	u64 global_mask;
	unsigned int rotate;		/* first event on a counter */
	u64 guest_cycles0, truth0;
	bool enabled;			/* GLOBAL_CTRL non-zero, as the driver wrote it */
	u64 enabled_at;			/* guest-instruction truth when it was enabled */
	struct guest_result *res;
};

static u64 guest_insns_truth(const struct hw_cpu *cpu)
{
	return cpu->truth[1][0][HW_EV_INSTRUCTIONS] + cpu->truth[1][1][HW_EV_INSTRUCTIONS];
}

static u64 guest_cycles(const struct hw_cpu *cpu)
{
	return cpu->truth[1][0][HW_EV_CYCLES] + cpu->truth[1][1][HW_EV_CYCLES];
}

/* A gap with the given mean, uniform on [1, 2 * mean]: integer-only, so a
 * seed gives the same run everywhere. */
static u64 draw_gap(struct rng *r, u64 mean)
{
	return 1 + rng__below(r, 2 * mean);
}

static u64 total_rate(const struct guest_workload *w)
{
	u64 sum = 0;

	for (int r = 0; r < EXIT_NR; r++)
		sum += w->exits_per_sec[r];
	return sum;
}

static enum kvm_exit_reason draw_reason(struct gs *g)
{
	u64 pick = rng__below(&g->rng, total_rate(g->w));

	for (int r = 0; r < EXIT_NR; r++) {
		if (pick < g->w->exits_per_sec[r])
			return (enum kvm_exit_reason)r;
		pick -= g->w->exits_per_sec[r];
	}
	return EXIT_VMCALL;
}

static void wr(struct gs *g, u32 msr, u64 val)
{
	/* Track when the counters are enabled, for lost counts: from before
	 * the enabling WRMSR (it counts) to before the disabling one (it
	 * does not). */
	if (msr == MSR_CORE_PERF_GLOBAL_CTRL && !!val != g->enabled) {
		u64 t = guest_insns_truth(g->v->cpu);

		if (val)
			g->enabled_at = t;
		else
			g->res->enabled_truth += t - g->enabled_at;
		g->enabled = !!val;
	}
	kvm_vcpu__guest_wrmsr(g->v, msr, val);
}

static u32 ctr_msr(const struct gs *g, unsigned int i)
{
	return (g->fw ? MSR_IA32_PMC0 : MSR_IA32_PERFCTR0) + i;
}

static u64 event_period(const struct gs *g)
{
	u64 max = g->fw ? g->width_mask >> 1 : (1ULL << 31) - 1;
	u64 per_sec = g->core_hz * 1000 / g->w->cpi_milli;

	if (g->w->perf != GUEST_PERF_RECORD || !g->w->perf_freq)
		return max;
	return min_u64(max_u64(per_sec / g->w->perf_freq, 1), max);
}

/* Which events are on counters: nr_gp of them from g->rotate on. */
static void place_events(struct gs *g)
{
	unsigned int n = g->res->nr_events;

	g->global_mask = 0;
	for (unsigned int k = 0; k < n; k++)
		g->res->ev[k].on_counter = false;
	for (unsigned int j = 0; j < n && j < g->nr_gp; j++) {
		struct guest_event *e = &g->res->ev[(g->rotate + j) % n];

		e->on_counter = true;
		e->counter = j;
		g->global_mask |= BIT_ULL(j);
	}
}

static void program_events(struct gs *g)
{
	wr(g, MSR_CORE_PERF_GLOBAL_CTRL, 0);
	for (unsigned int k = 0; k < g->res->nr_events; k++) {
		struct guest_event *e = &g->res->ev[k];

		if (!e->on_counter)
			continue;
		wr(g, ctr_msr(g, e->counter), (0 - e->period) & g->width_mask);
		wr(g, MSR_P6_EVNTSEL0 + e->counter, 0xc0 | EVTSEL_USR | EVTSEL_OS | EVTSEL_INT |
		   EVTSEL_ENABLE);
	}
	wr(g, MSR_CORE_PERF_GLOBAL_CTRL, g->global_mask);
}

/* Fold a counter's progress since it was armed at -period. */
static void fold(struct gs *g, struct guest_event *e, u64 value)
{
	e->count += (value - ((0 - e->period) & g->width_mask)) & g->width_mask;
}

static void perf_setup(struct gs *g)
{
	u32 r[4];

	kvm_vcpu__guest_cpuid(g->v, 0xa, 0, r);
	g->nr_gp = (r[0] >> 8) & 0xff;
	g->width_mask = mask_of_width((r[0] >> 16) & 0xff);
	g->perf_on = (r[0] & 0xff) >= 2 && g->nr_gp && g->w->perf != GUEST_PERF_NONE;
	g->res->nr_events = g->perf_on ? g->w->perf_events : 0;
	if (!g->perf_on)
		return;
	kvm_vcpu__guest_cpuid(g->v, 0x1, 0, r);
	if (r[2] & (1U << 15)) {	/* PDCM: PERF_CAPABILITIES */
		u64 caps = 0;

		kvm_vcpu__guest_rdmsr(g->v, MSR_IA32_PERF_CAPABILITIES, &caps);
		g->fw = !!(caps & PERF_CAP_FW_WRITES);
	}
	for (unsigned int k = 0; k < g->res->nr_events; k++)
		g->res->ev[k].period = event_period(g);
	wr(g, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);	/* perf's PMIs are NMIs */
	place_events(g);
	program_events(g);
	g->guest_cycles0 = guest_cycles(g->v->cpu);
	g->truth0 = guest_insns_truth(g->v->cpu);
}

/* Multiplexing on the guest tick: fold the running ones, rotate, reprogram. */
static void perf_rotate(struct gs *g)
{
	u64 v = 0;

	if (!g->perf_on || g->res->nr_events <= g->nr_gp)
		return;
	wr(g, MSR_CORE_PERF_GLOBAL_CTRL, 0);
	for (unsigned int k = 0; k < g->res->nr_events; k++) {
		struct guest_event *e = &g->res->ev[k];

		if (!e->on_counter)
			continue;
		kvm_vcpu__guest_rdpmc(g->v, e->counter, &v);
		fold(g, e, v);
		wr(g, MSR_P6_EVNTSEL0 + e->counter, 0);
	}
	g->rotate = (g->rotate + 1) % g->res->nr_events;
	place_events(g);
	program_events(g);
}

/* The guest's PMI handler (x86_pmu_handle_irq in the guest). */
static void perf_pmi(struct gs *g)
{
	u64 status = 0, v = 0;

	g->res->pmis++;
	wr(g, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);	/* unmask (Intel auto-masks) */
	wr(g, MSR_CORE_PERF_GLOBAL_CTRL, 0);
	kvm_vcpu__guest_rdmsr(g->v, MSR_CORE_PERF_GLOBAL_STATUS, &status);
	for (unsigned int k = 0; k < g->res->nr_events; k++) {
		struct guest_event *e = &g->res->ev[k];

		if (!e->on_counter || !(status & BIT_ULL(e->counter)))
			continue;
		kvm_vcpu__guest_rdpmc(g->v, e->counter, &v);
		fold(g, e, v);
		e->samples++;
		wr(g, ctr_msr(g, e->counter), (0 - e->period) & g->width_mask);
	}
	if (status)
		wr(g, MSR_CORE_PERF_GLOBAL_OVF_CTRL, status);
	wr(g, MSR_CORE_PERF_GLOBAL_CTRL, g->global_mask);
}

/* Interrupts are kernel code: the handler runs at CPL 0, then the
 * interrupted code resumes at its own CPL. */
static void take_pmis(struct gs *g)
{
	u8 cpl = g->v->cpu->cpl;

	g->v->cpu->cpl = 0;
	while (kvm_vcpu__take_guest_pmi(g->v))
		if (g->perf_on)
			perf_pmi(g);
	g->v->cpu->cpl = cpl;
}

/* Run up to @insns of work in guest mode, kernel share at CPL 0. */
static void work(struct gs *g, u64 insns)
{
	u64 k = insns * g->w->kernel_pct / 100;
	struct hw_segment seg;

	for (int part = 0; part < 2; part++) {
		u64 n = part ? insns - k : k;

		if (!n)
			continue;
		memset(&seg, 0, sizeof(seg));
		seg.cpl = part ? 3 : 0;
		seg.cycles = max_u64(n * g->w->cpi_milli / 1000, 1);
		seg.ev[HW_EV_INSTRUCTIONS] = n;
		seg.ev[HW_EV_BRANCHES] = n / 5;
		seg.ev[HW_EV_BRANCH_MISSES] = n / 200;
		hw_cpu__fill_derived(g->v->cpu, &seg);
		g->v->cpu->cpl = seg.cpl;
		while (kvm_vcpu__guest_run(g->v, &seg)) {
			take_pmis(g);
			g->v->cpu->cpl = seg.cpl;
		}
		take_pmis(g);
	}
	g->v->cpu->cpl = 0;
	g->left -= insns;
}

static void finish_perf(struct gs *g)
{
	u64 gc = guest_cycles(g->v->cpu) - g->guest_cycles0;
	u64 truth = guest_insns_truth(g->v->cpu) - g->truth0;
	unsigned int n = g->res->nr_events;

	if (g->enabled)
		g->res->enabled_truth += guest_insns_truth(g->v->cpu) - g->enabled_at;
	for (unsigned int k = 0; k < n && g->perf_on; k++) {
		struct guest_event *e = &g->res->ev[k];
		u64 v = 0;

		if (e->on_counter) {
			kvm_vcpu__guest_rdpmc(g->v, e->counter, &v);
			fold(g, e, v);
		}
		e->enabled = gc;
		/* multiplexed events share the counters evenly by rotation */
		e->running = n > g->nr_gp ? gc * g->nr_gp / n : gc;
		e->truth = truth;
		if (n <= g->nr_gp && e->count < g->res->enabled_truth)
			g->res->lost_counts += g->res->enabled_truth - e->count;
	}
}

int guest_workload__run(const struct guest_workload *w, struct kvm_vcpu *v, u64 seed,
			u64 core_hz, struct guest_result *res)
{
	struct gs g = { .w = w, .v = v, .core_hz = core_hz, .res = res };
	u64 rate = total_rate(w), start = v->cpu->now, gap_mean;

	memset(res, 0, sizeof(*res));
	if (!w->cpi_milli || !core_hz)
		return -1;
	rng__seed(&g.rng, seed);
	g.left = w->work_minsns * 1000000;
	g.tick_cycles = w->hz ? core_hz / w->hz : UINT64_MAX;
	gap_mean = rate ? core_hz / rate : UINT64_MAX;
	v->guest_if = true;
	kvm_vcpu__start(v);
	perf_setup(&g);
	g.next_tick = v->cpu->now + g.tick_cycles;
	g.next_exit = rate ? v->cpu->now + draw_gap(&g.rng, gap_mean) : UINT64_MAX;
	while (g.left) {
		u64 until = min_u64(g.next_tick, g.next_exit);
		u64 cycles = until > v->cpu->now ? until - v->cpu->now : 1;
		u64 insns = min_u64(max_u64(cycles * 1000 / w->cpi_milli, 1), g.left);

		work(&g, insns);
		if (v->cpu->now >= g.next_tick) {
			kvm_vcpu__guest_exit(v, EXIT_PREEMPTION_TIMER);	/* the deadline */
			take_pmis(&g);
			perf_rotate(&g);
			kvm_vcpu__guest_exit(v, EXIT_MSR_WRITE_TIMER);	/* the next one */
			take_pmis(&g);
			g.next_tick += g.tick_cycles;
			if (g.next_tick <= v->cpu->now)
				g.next_tick = v->cpu->now + g.tick_cycles;
		}
		if (v->cpu->now >= g.next_exit) {
			kvm_vcpu__guest_exit(v, draw_reason(&g));
			take_pmis(&g);
			g.next_exit = v->cpu->now + draw_gap(&g.rng, gap_mean);
		}
	}
	finish_perf(&g);
	kvm_vcpu__stop(v);
	res->wall_cycles = v->cpu->now - start;
	res->guest_cycles = guest_cycles(v->cpu);
	return 0;
}

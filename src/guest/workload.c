/*
 * guest/workload.c - the synthetic guest and its perf driver (see
 * workload.h). Time between workload exits is drawn from the seed's
 * generator (uniform gaps around the mean, the reason by its share of the
 * rate), so a run is deterministic for a seed; everything else follows from
 * the vCPU. Times are pCPU cycles; work is counted in guest instructions.
 */
#include <string.h>

#include "guest/workload.h"
#include "hw/msr.h"

/* Exits closer than this on average are refused: no real exit round trip
 * is below several hundred cycles (research/exits-costs.md section 3), so
 * such a rate is a mistake in the scenario, and would keep the guest from
 * ever finishing its work. */
#define MIN_EXIT_GAP_CYCLES 100

/* How the guest's perf driver reaches its counters (one per vendor flavour,
 * as Linux's x86_pmu structures differ). */
struct guest_pmu_driver {
	const char *name;
	u32 sel, ctr, stride;		/* event select / counter i: base + i * stride */
	bool has_global;		/* GLOBAL_CTRL/STATUS/ack */
	bool waits_on_overflow;		/* AMD: amd_pmu_wait_on_overflow */
	u32 global_ctrl, global_status, global_ack;
	enum guest_pmi_handler {
		PMI_X86,	/* x86_pmu_handle_irq: unmask the LVTPC, check every
				 * counter's top bit (no status) */
		PMI_AMD_V2,	/* amd_pmu_v2_handle_irq: disable, status, handle,
				 * ack, enable (AMD never masks the LVTPC) */
		PMI_INTEL,	/* intel_pmu_handle_irq with late_ack (Haswell and
				 * later): disable, status; then ack, handle and
				 * read the status again until it is 0; enable;
				 * unmask the LVTPC last */
	} handler;
};

static const struct guest_pmu_driver drv_intel = {
	.name = "intel", .sel = MSR_P6_EVNTSEL0, .ctr = MSR_IA32_PERFCTR0, .stride = 1,
	.has_global = true, .global_ctrl = MSR_CORE_PERF_GLOBAL_CTRL,
	.global_status = MSR_CORE_PERF_GLOBAL_STATUS, .global_ack = MSR_CORE_PERF_GLOBAL_OVF_CTRL,
	.handler = PMI_INTEL,
};
static const struct guest_pmu_driver drv_intel_fw = {
	.name = "intel", .sel = MSR_P6_EVNTSEL0, .ctr = MSR_IA32_PMC0, .stride = 1,
	.has_global = true, .global_ctrl = MSR_CORE_PERF_GLOBAL_CTRL,
	.global_status = MSR_CORE_PERF_GLOBAL_STATUS, .global_ack = MSR_CORE_PERF_GLOBAL_OVF_CTRL,
	.handler = PMI_INTEL,
};
static const struct guest_pmu_driver drv_amd_v2 = {
	.name = "amd-v2", .sel = MSR_F15H_PERF_CTL0, .ctr = MSR_F15H_PERF_CTR0, .stride = 2, .waits_on_overflow = true,
	.has_global = true, .global_ctrl = MSR_AMD64_PERF_CNTR_GLOBAL_CTL,
	.global_status = MSR_AMD64_PERF_CNTR_GLOBAL_STATUS,
	.global_ack = MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR, .handler = PMI_AMD_V2,
};
static const struct guest_pmu_driver drv_amd_core = {
	.name = "amd-core", .sel = MSR_F15H_PERF_CTL0, .ctr = MSR_F15H_PERF_CTR0, .stride = 2, .waits_on_overflow = true,
	.handler = PMI_X86,
};
static const struct guest_pmu_driver drv_amd_k7 = {
	.name = "amd-k7", .sel = MSR_K7_EVNTSEL0, .ctr = MSR_K7_PERFCTR0, .stride = 1, .waits_on_overflow = true,
	.handler = PMI_X86,
};

struct gs {
	const struct guest_workload *w;
	struct kvm_vcpu *v;
	struct rng rng;
	u64 core_hz;
	u64 left;			/* instructions of work left */
	u64 next_exit, next_tick;	/* pCPU cycles (UINT64_MAX: never) */
	u64 next_ipi, ipi_gap;		/* the next IPI to send, their mean gap */
	struct rng ipi_rng;		/* its own stream: the exits draw as without IPIs */
	unsigned int ipi_dest;		/* the next destination (round robin) */
	/* the gaps after the next IPI, drawn ahead for the lookahead (in the
	 * order they are used: the same schedule as drawing each in turn) */
	u64 ipi_ahead[GUEST_MAX_VCPUS];
	unsigned int ipi_ahead_head, ipi_ahead_n;
	u64 tick_cycles;
	/* the exit mix without its zero rates, in reason order, and its sum:
	 * a draw walks only these (the same pick as over every reason) */
	u64 mix_rate[EXIT_NR], mix_total;
	enum kvm_exit_reason mix_reason[EXIT_NR];
	unsigned int mix_n;
	bool src_done;
	enum kvm_exit_reason src_reason;
	u64 src_handler;
	/* the guest's perf driver */
	const struct guest_pmu_driver *drv;
	bool perf_on;
	unsigned int nr_gp;
	bool has_fixed0;		/* Intel fixed counter 0 (INST_RETIRED.ANY) */
	unsigned int nr_slots;		/* counters the events can take: GP, fixed 0 */
	u64 fixed_ctrl;			/* cpuc->fixed_ctrl_val, and what FIXED_CTR_CTRL */
	u64 fixed_ctrl_hw;		/* holds (active_fixed_ctrl_val) */
	u64 width_mask, max_period;
	u64 global_mask;		/* the counters holding an event */
	u64 ctrl_mask;			/* what enable_all writes to the global control */
	bool in_nmi;			/* in the PMI handler (AMD's waits are skipped) */
	u32 max_samples_per_tick;
	unsigned int rotate;		/* first event on a counter */
	u64 guest_cycles0, truth0;
	bool enabled;			/* globally enabled, as the driver set it */
	u64 truth_at;			/* guest-instruction truth at the last window sync */
	struct guest_result *res;
};

/* Ground truth of this vCPU's guest (the pCPU's may hold other vCPUs'). */
static u64 guest_insns_truth(const struct kvm_vcpu *v)
{
	return kvm_vcpu__guest_truth(v, HW_EV_INSTRUCTIONS);
}

static u64 guest_cycles(const struct kvm_vcpu *v)
{
	return kvm_vcpu__guest_truth(v, HW_EV_CYCLES);
}

/* A gap with the given mean (>= 1), uniform on [1, 2 * mean]: integer-only,
 * so a seed gives the same run everywhere. */
static u64 draw_gap(struct rng *r, u64 mean)
{
	return 1 + rng__below(r, 2 * mean);
}

static void mix_init(struct gs *g)
{
	g->mix_n = 0;
	g->mix_total = 0;
	for (int r = 0; r < EXIT_NR; r++)
		if (g->w->exits_per_sec[r]) {
			g->mix_reason[g->mix_n] = (enum kvm_exit_reason)r;
			g->mix_rate[g->mix_n++] = g->w->exits_per_sec[r];
			g->mix_total += g->w->exits_per_sec[r];
		}
}

/* A reason with probability rate / total: the first whose share of
 * [0, total) holds the pick. */
static enum kvm_exit_reason draw_reason(struct gs *g)
{
	u64 pick = rng__below(&g->rng, g->mix_total);

	for (unsigned int k = 0; k < g->mix_n; k++) {
		if (pick < g->mix_rate[k])
			return g->mix_reason[k];
		pick -= g->mix_rate[k];
	}
	return EXIT_VMCALL;
}

/* The guest kernel's own perf code, in guest instructions (estimates: no
 * published count; perf_prepare_sample + perf_output_sample of a basic
 * IP/TID/TIME/PERIOD record into the ring buffer, and one event's
 * perf_adjust_period with its stop and start, each a few hundred
 * instructions of kernel C). */
#define SAMPLE_INSNS		1000
#define FREQ_ADJUST_INSNS	300
/* An IPI's handler in the guest kernel (an estimate: a function-call or
 * reschedule IPI's entry, handler and EOI, a few hundred instructions). */
#define IPI_HANDLER_INSNS	400
/* kernel/events/core.c DEFAULT_MAX_SAMPLE_RATE, the default of
 * perf_event_max_sample_rate; max_samples_per_tick is it over HZ, rounded
 * up. (Linux also lowers the rate when its NMIs take long,
 * perf_sample_event_took; that is not modelled.) */
#define PERF_MAX_SAMPLE_RATE	100000

/* In cpuc->active_mask: on a counter and not stopped by a throttle (the
 * handlers and the disable paths skip the others). */
static bool is_active(const struct guest_event *e)
{
	return e->on_counter && !e->throttled;
}

static bool is_counting(const struct gs *g, const struct guest_event *e)
{
	return e->on_counter && e->started && (!g->drv->has_global || g->enabled);
}

/* Ground truth of what each event should count, by the driver's own view of
 * its windows: called before every write that starts or stops counting, so
 * that the enabling instruction is inside the window and the disabling one
 * outside, as the hardware counts them. */
static void sync_windows(struct gs *g)
{
	u64 t = guest_insns_truth(g->v), d = t - g->truth_at;

	for (unsigned int k = 0; k < g->res->nr_events; k++)
		if (is_counting(g, &g->res->ev[k]))
			g->res->ev[k].counted_truth += d;
	if (g->enabled)
		g->res->enabled_truth += d;
	g->truth_at = t;
}

static void set_enabled(struct gs *g, bool on)
{
	sync_windows(g);
	g->enabled = on;
}

static void wr(struct gs *g, u32 msr, u64 val)
{
	kvm_vcpu__guest_wrmsr(g->v, msr, val);
}

/* Counter indexes: GP from 0, Intel's fixed ones from HW_FIXED_BASE. */
static bool is_fixed(unsigned int i)
{
	return i >= HW_FIXED_BASE;
}

static u32 sel_msr(const struct gs *g, unsigned int i)
{
	return g->drv->sel + i * g->drv->stride;
}

static u32 ctr_msr(const struct gs *g, unsigned int i)
{
	return is_fixed(i) ? MSR_CORE_PERF_FIXED_CTR0 + (i - HW_FIXED_BASE) :
			     g->drv->ctr + i * g->drv->stride;
}

/* hwc->event_base_rdpmc: a fixed counter's has bit 30 */
static u32 rdpmc_ecx(unsigned int i)
{
	return is_fixed(i) ? (1U << 30) | (i - HW_FIXED_BASE) : i;
}

static void read_counter(struct gs *g, const struct guest_event *e, u64 *v)
{
	kvm_vcpu__guest_rdpmc(g->v, rdpmc_ecx(e->counter), v);
}

static u64 evtsel(bool enable)
{
	return 0xc0 | EVTSEL_USR | EVTSEL_OS | EVTSEL_INT | (enable ? EVTSEL_ENABLE : 0);
}

/* x86_pmu_start of one event, or the select write of x86_pmu_stop: its
 * select's enable bit. A fixed counter's field (intel_pmu_enable_fixed:
 * OS, USR, and PMI as for every event that is not precise) goes to
 * the cached control only; __intel_pmu_enable_all writes it (Linux 6.1 on,
 * "perf/x86/intel: Optimize FIXED_CTR_CTRL access"): every start and stop
 * of one happens with the PMU disabled. */
static void start_event(struct gs *g, struct guest_event *e, bool on)
{
	sync_windows(g);
	e->started = on;
	if (is_fixed(e->counter)) {
		u64 field = 0xfULL << (4 * (e->counter - HW_FIXED_BASE));

		g->fixed_ctrl = (g->fixed_ctrl & ~field) | (on ? 0xbULL * (field / 0xf) : 0);
		return;
	}
	wr(g, sel_msr(g, e->counter), evtsel(on));
}

/* __intel_pmu_enable_all's FIXED_CTR_CTRL, before GLOBAL_CTRL: written
 * only when the cached value changed. */
static void flush_fixed_ctrl(struct gs *g)
{
	if (g->fixed_ctrl == g->fixed_ctrl_hw)
		return;
	wr(g, MSR_CORE_PERF_FIXED_CTR_CTRL, g->fixed_ctrl);
	g->fixed_ctrl_hw = g->fixed_ctrl;
}

/* amd_pmu_wait_on_overflow outside an NMI: amd_pmu_test_overflow asks
 * PerfCntrGlobalStatus (PerfMonV2) or the counter's top bit by RDMSR until
 * no overflow of the counter waits for its NMI. One ask, as host perf's
 * (perf/x86_amd.c): a PMI due is taken as soon as it can be. Inside the
 * PMI handler it is skipped (in_nmi()). */
static void wait_on_overflow(struct gs *g, const struct guest_event *e)
{
	u64 v = 0;

	if (!g->drv->waits_on_overflow || g->in_nmi)
		return;
	kvm_vcpu__guest_rdmsr(g->v, g->drv->has_global ? g->drv->global_status :
				    ctr_msr(g, e->counter), &v);	/* (AMD: GP only) */
}

/* x86_pmu_stop of an event: the select without EN (x86_pmu.disable; on
 * AMD amd_pmu_disable_event, which then waits on an overflow), for an
 * active one only: a throttled one is stopped already. */
static void stop_event(struct gs *g, struct guest_event *e)
{
	if (!is_active(e))
		return;
	start_event(g, e, false);
	wait_on_overflow(g, e);
}

/* x86_pmu_disable_all / enable_all: GLOBAL_CTRL where there is one, else
 * every active event select's enable bit (x86_pmu_disable_all reads each
 * select and writes it without EN). AMD's disable_all then waits on an
 * overflow of every active counter (amd_pmu_check_overflow), outside an
 * NMI. */
static void disable_all(struct gs *g)
{
	u64 v = 0;

	if (g->drv->has_global) {
		set_enabled(g, false);
		wr(g, g->drv->global_ctrl, 0);
	} else {
		for (unsigned int k = 0; k < g->res->nr_events; k++) {
			struct guest_event *e = &g->res->ev[k];

			if (!is_active(e))
				continue;
			kvm_vcpu__guest_rdmsr(g->v, sel_msr(g, e->counter), &v);
			if (v & EVTSEL_ENABLE)
				start_event(g, e, false);
		}
	}
	for (unsigned int k = 0; k < g->res->nr_events; k++)
		if (is_active(&g->res->ev[k]))
			wait_on_overflow(g, &g->res->ev[k]);
}

/* __intel_pmu_enable_all writes x86_pmu.intel_ctrl (every GP and fixed
 * counter's bit, used or not), amd_pmu_v2_enable_all
 * amd_pmu_global_cntr_mask (every counter's): g->ctrl_mask. */
static void enable_all(struct gs *g)
{
	if (g->drv->has_global) {
		flush_fixed_ctrl(g);
		set_enabled(g, g->global_mask != 0);
		wr(g, g->drv->global_ctrl, g->ctrl_mask);
		return;
	}
	for (unsigned int k = 0; k < g->res->nr_events; k++)
		if (g->res->ev[k].on_counter)
			start_event(g, &g->res->ev[k], true);
}

static bool is_freq(const struct gs *g)
{
	return g->w->perf == GUEST_PERF_RECORD && g->w->perf_freq;
}

static u64 event_period(const struct gs *g)
{
	u64 per_sec = g->core_hz * 1000 / g->w->cpi_milli;

	if (!is_freq(g))
		return g->max_period;
	/* frequency mode from its steady state: the period that gives
	 * perf_freq samples a second (Linux starts at 1 and gets there within
	 * its first ticks) */
	return min_u64(max_u64(per_sec / g->w->perf_freq, 1), g->max_period);
}

/* x86_perf_event_set_period: arm the counter @left events before overflow
 * (at least 2, "certain CPUs don't like it if just 1 event is left", and
 * at most max_period). */
static void arm(struct gs *g, struct guest_event *e, u64 left)
{
	left = min_u64(max_u64(left, 2), g->max_period);
	e->armed = (0 - left) & g->width_mask;
	wr(g, ctr_msr(g, e->counter), e->armed);
}

/* x86_perf_event_update: fold a counter's progress since it was armed or
 * last folded. */
static void fold(struct gs *g, struct guest_event *e, u64 value)
{
	e->count += (value - e->armed) & g->width_mask;
	e->armed = value;
}

/* What is left to the next overflow (period_left), or a whole period when
 * it wrapped or drifted past 8 periods (perf_adjust_period's reset). */
static u64 left_of(const struct gs *g, const struct guest_event *e)
{
	u64 left = (0 - e->armed) & g->width_mask;

	return !left || left > 8 * e->period ? e->period : left;
}

/* perf_adjust_period: the period that gives perf_freq samples a second had
 * @count events taken @cycles, then a low-pass filter (1/8 of the step). */
static void adjust_period(struct gs *g, struct guest_event *e, u64 cycles, u64 count)
{
	u64 target;
	s64 delta;

	if (!cycles)
		return;
	target = mul_div_floor(count, g->core_hz, cycles * g->w->perf_freq);
	delta = (s64)(target - e->period);
	delta = delta >= 0 ? (delta + 7) / 8 : (delta - 7) / 8;
	e->period = min_u64(max_u64((u64)((s64)e->period + delta), 1), g->max_period);
}

/* The guest kernel's own instructions at CPL 0. A PMI raised meanwhile
 * waits for the code to end (the handler's NMIs are blocked). */
static void kernel_code(struct gs *g, u64 insns)
{
	struct hw_segment seg = { .cpl = 0 };
	u8 cpl = g->v->cpu->cpl;

	seg.cycles = max_u64(insns * g->w->cpi_milli / 1000, 1);
	seg.ev[HW_EV_INSTRUCTIONS] = insns;
	seg.ev[HW_EV_BRANCHES] = insns / 5;
	hw_cpu__fill_derived(g->v->cpu, &seg);
	g->v->cpu->cpl = 0;
	g->v->guest_if = false;		/* a handler runs with interrupts off */
	while (kvm_vcpu__guest_run(g->v, &seg))
		;
	g->v->guest_if = true;
	g->v->cpu->cpl = cpl;
}

/*
 * Which events are on counters: nr_slots of them from g->rotate on, in
 * list order, and on which (x86_schedule_events over them). The fast path
 * keeps every event on hwc->idx, the counter its last schedule gave it (an
 * event taken off keeps its old one: x86_pmu_del leaves hwc->idx), if none
 * is -1 and no two share one. Else perf_assign_events: every event is
 * instructions (0x00c0), whose constraint on Intel is fixed counter 0 and
 * every GP counter (FIXED_EVENT_CONSTRAINT(0x00c0, 0)); with equal weights
 * the events are taken in list order, and __perf_sched_find_counter gives
 * each a fixed counter first if one is free: the first gets fixed counter
 * 0, the others the GP counters from 0.
 */
static bool is_fast_path(const struct gs *g, const unsigned int *list, unsigned int n)
{
	u64 used = 0;

	for (unsigned int j = 0; j < n; j++) {
		int idx = g->res->ev[list[j]].last_idx;

		if (idx < 0 || (idx >= HW_FIXED_BASE ? !g->has_fixed0 || idx != HW_FIXED_BASE :
				(unsigned int)idx >= g->nr_gp) || (used & BIT_ULL(idx)))
			return false;
		used |= BIT_ULL(idx);
	}
	return true;
}

static void place_events(struct gs *g)
{
	unsigned int n = g->res->nr_events, list[GUEST_MAX_EVENTS], m = 0, gp = 0;
	bool fast;

	g->global_mask = 0;
	for (unsigned int k = 0; k < n; k++)
		g->res->ev[k].on_counter = false;
	for (unsigned int j = 0; j < n && j < g->nr_slots; j++)
		list[m++] = (g->rotate + j) % n;
	fast = is_fast_path(g, list, m);
	for (unsigned int j = 0; j < m; j++) {
		struct guest_event *e = &g->res->ev[list[j]];

		e->on_counter = true;
		e->counter = fast ? (unsigned int)e->last_idx :
			     j == 0 && g->has_fixed0 ? HW_FIXED_BASE : gp++;
		e->last_idx = (int)e->counter;
		g->global_mask |= BIT_ULL(e->counter);
	}
}

/* Arm and start the events on counters, then enable; @disabled: the PMU
 * is already disabled (a rotation inside perf_pmu_disable). Events were
 * added, so x86_pmu_enable writes the LVTPC (perf_events_lapic_init, in
 * its n_added block, before enable_all; Linux 6.1 to 6.8 at least: Dapeng
 * Mi's patch of July 2024 that removes the write is not known here to be
 * merged). */
static void program_events(struct gs *g, bool disabled)
{
	if (g->drv->has_global && !disabled) {
		set_enabled(g, false);
		wr(g, g->drv->global_ctrl, 0);
	}
	for (unsigned int k = 0; k < g->res->nr_events; k++) {
		struct guest_event *e = &g->res->ev[k];

		if (!e->on_counter)
			continue;
		arm(g, e, left_of(g, e));
		start_event(g, e, true);
	}
	wr(g, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
	if (g->drv->has_global) {
		flush_fixed_ctrl(g);
		set_enabled(g, g->global_mask != 0);
		wr(g, g->drv->global_ctrl, g->ctrl_mask);
	}
}

/* intel_pmu_init / amd_pmu_init: which counters there are. */
static void discover_counters(struct gs *g)
{
	u32 r[4];

	kvm_vcpu__guest_cpuid(g->v, 0x0, 0, r);
	if (r[1] == 0x68747541) {	/* "AuthenticAMD": amd_pmu_init */
		bool core, v2 = false;

		kvm_vcpu__guest_cpuid(g->v, 0x80000001, 0, r);
		core = r[2] & (1U << 23);	/* PerfCtrExtCore */
		g->drv = core ? &drv_amd_core : &drv_amd_k7;
		g->nr_gp = core ? AMD64_NUM_COUNTERS_CORE : AMD64_NUM_COUNTERS;
		kvm_vcpu__guest_cpuid(g->v, 0x80000000, 0, r);
		if (core && r[0] >= 0x80000022) {
			kvm_vcpu__guest_cpuid(g->v, 0x80000022, 0, r);
			v2 = r[0] & 1;		/* PerfMonV2 */
			if (v2) {
				g->drv = &drv_amd_v2;
				g->nr_gp = r[1] & 0xf;
			}
		}
		g->width_mask = mask_of_width(48);	/* cntval_bits */
		g->max_period = (1ULL << 47) - 1;
		g->ctrl_mask = mask_of_width(g->nr_gp);	/* amd_pmu_global_cntr_mask */
		return;
	}
	kvm_vcpu__guest_cpuid(g->v, 0xa, 0, r);
	g->drv = &drv_intel;
	g->nr_gp = (r[0] & 0xff) >= 2 ? (r[0] >> 8) & 0xff : 0;	/* perf needs v2 */
	g->width_mask = mask_of_width((r[0] >> 16) & 0xff);
	/* x86_pmu.intel_ctrl: the GP counters and the fixed ones (EDX[4:0]
	 * of them before v5, where a hypervisor's guest assumes no more; the
	 * ECX bitmap from v5) at bit 32 on */
	g->ctrl_mask = mask_of_width(g->nr_gp) |
		       ((r[0] & 0xff) >= 5 ? (u64)r[2] : mask_of_width(r[3] & 0x1f)) << HW_FIXED_BASE;
	g->has_fixed0 = g->nr_gp && (g->ctrl_mask & BIT_ULL(HW_FIXED_BASE));
	g->max_period = (1ULL << 31) - 1;
	kvm_vcpu__guest_cpuid(g->v, 0x1, 0, r);
	if (g->nr_gp && (r[2] & (1U << 15))) {	/* PDCM: PERF_CAPABILITIES */
		u64 caps = 0;

		kvm_vcpu__guest_rdmsr(g->v, MSR_IA32_PERF_CAPABILITIES, &caps);
		if (caps & PERF_CAP_FW_WRITES) {
			g->drv = &drv_intel_fw;
			g->max_period = g->width_mask >> 1;
		}
	}
}

/*
 * check_hw_exists: the selects must not be in use (a BIOS's) and a counter
 * must keep what is written to it, or perf says "PMU not available due to
 * virtualization, using software events only" (a hypervisor that drops
 * the writes: KVM without a vPMU, whose K7 MSRs read 0). With fixed
 * counters it reads FIXED_CTR_CTRL too (a field in use only warns).
 * Returns whether no access faulted and the value stuck.
 */
static bool has_working_counters(struct gs *g)
{
	u64 val = 0, val_new = 0;
	int safe = -1;
	u32 ctr;

	for (unsigned int i = 0; i < g->nr_gp; i++) {
		if (kvm_vcpu__guest_rdmsr(g->v, sel_msr(g, i), &val))
			return false;		/* #GP */
		if (!(val & EVTSEL_ENABLE))
			safe = (int)i;
	}
	/* with any fixed counter, the fixed control's read (its fields in use
	 * only warn) */
	if ((g->ctrl_mask >> HW_FIXED_BASE) &&
	    kvm_vcpu__guest_rdmsr(g->v, MSR_CORE_PERF_FIXED_CTR_CTRL, &val))
		return false;
	if (safe < 0)
		return false;
	ctr = ctr_msr(g, (unsigned int)safe);
	if (kvm_vcpu__guest_rdmsr(g->v, ctr, &val))
		return false;
	val ^= 0xffffULL;
	if (kvm_vcpu__guest_wrmsr(g->v, ctr, val) || kvm_vcpu__guest_rdmsr(g->v, ctr, &val_new))
		return false;
	return val == val_new;
}

/* init_hw_perf_events: which counters there are, per vendor, then
 * check_hw_exists. The boot's probe is run only for a guest that uses
 * perf in the run: it decides nothing else, and a replayed trace's exits
 * stay the input's. */
static void discover(struct gs *g)
{
	discover_counters(g);
	if (g->nr_gp && g->w->perf != GUEST_PERF_NONE && !has_working_counters(g))
		g->nr_gp = 0;
	g->has_fixed0 &= g->nr_gp > 0;
	g->nr_slots = g->nr_gp + g->has_fixed0;
}

static void perf_setup(struct gs *g)
{
	discover(g);
	g->res->driver = g->nr_gp ? g->drv->name : "none";
	g->res->nr_counters = g->nr_slots;
	g->perf_on = g->nr_gp && g->w->perf != GUEST_PERF_NONE;
	g->res->nr_events = g->perf_on ? g->w->perf_events : 0;
	if (!g->perf_on)
		return;
	for (unsigned int k = 0; k < g->res->nr_events; k++) {
		struct guest_event *e = &g->res->ev[k];

		e->period = event_period(g);
		e->armed = (0 - e->period) & g->width_mask;
		e->last_idx = -1;
	}
	wr(g, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);	/* perf's PMIs are NMIs */
	place_events(g);
	g->truth_at = guest_insns_truth(g->v);
	program_events(g, false);
	g->guest_cycles0 = guest_cycles(g->v);
	g->truth0 = guest_insns_truth(g->v);
}

/*
 * perf_adjust_freq_unthr_context on the guest tick, when an event is in
 * frequency mode or throttled, inside perf_pmu_disable / perf_pmu_enable
 * ("perf/core: Reduce PMU access to adjust sample freq"): a throttled
 * event is unthrottled (and a fixed-period one started again); each
 * frequency event in turn is stopped, read, given a period from its count
 * over the tick and started again; nothing counts until the PMU is
 * enabled. A start writes the select at once where there is a global
 * control (Intel; AMD v2's amd_pmu_v2_enable_event), not on a legacy AMD
 * PMU, where the enable_all writes them (x86_pmu_enable_event: only with
 * cpuc->enabled). Every tick starts a new count of overflows
 * (perf_throttled_seq).
 */
static void perf_freq_tick(struct gs *g)
{
	bool throttled = false;
	u64 v = 0;

	for (unsigned int k = 0; k < g->res->nr_events; k++) {
		throttled |= g->res->ev[k].throttled;
		g->res->ev[k].interrupts = 0;
	}
	if (!g->perf_on || (!is_freq(g) && !throttled))
		return;
	disable_all(g);
	for (unsigned int k = 0; k < g->res->nr_events; k++) {
		struct guest_event *e = &g->res->ev[k];
		u64 delta;

		if (!e->on_counter)
			continue;
		if (!is_freq(g)) {
			if (e->throttled && g->drv->has_global)
				start_event(g, e, true);	/* pmu->start(event, 0) */
			e->throttled = false;
			continue;
		}
		stop_event(g, e);	/* (a throttled one is stopped already) */
		e->throttled = false;
		read_counter(g, e, &v);
		fold(g, e, v);
		kernel_code(g, FREQ_ADJUST_INSNS);
		delta = e->count - e->freq_count_stamp;
		e->freq_count_stamp = e->count;
		adjust_period(g, e, g->tick_cycles, delta);
		if (delta)
			arm(g, e, left_of(g, e));	/* PERF_EF_RELOAD */
		if (g->drv->has_global)
			start_event(g, e, true);
	}
	enable_all(g);
}

/* Multiplexing on the guest tick: each running event stopped and read
 * (x86_pmu_del -> x86_pmu_stop: the select written without EN, with no
 * global control too, then the update's RDPMC), rotate, reprogram. */
static void perf_rotate(struct gs *g)
{
	u64 v = 0;

	if (!g->perf_on || g->res->nr_events <= g->nr_slots)
		return;
	disable_all(g);
	for (unsigned int k = 0; k < g->res->nr_events; k++) {
		struct guest_event *e = &g->res->ev[k];

		if (!e->on_counter)
			continue;
		stop_event(g, e);
		read_counter(g, e, &v);
		fold(g, e, v);
		e->throttled = false;	/* event_sched_in unthrottles */
	}
	g->rotate = (g->rotate + 1) % g->res->nr_events;
	place_events(g);
	program_events(g, true);
}

/* An overflowed event: fold (x86_perf_event_update takes what it counted
 * from period_left), write the sample, re-arm (x86_perf_event_set_period:
 * a period less what it counted past the overflow, or a whole one if that
 * was a period or more), then perf_event_overflow's frequency step from
 * the time since its last overflow. */
static void rearm(struct gs *g, struct guest_event *e, u64 v)
{
	u64 now = g->v->cpu->now, used = e->period;
	s64 left = (s64)((0 - e->armed) & g->width_mask) - (s64)((v - e->armed) & g->width_mask);

	fold(g, e, v);
	e->samples++;
	kernel_code(g, SAMPLE_INSNS);
	if (left <= -(s64)e->period)
		left = (s64)e->period;
	else if (left <= 0)
		left += (s64)e->period;
	arm(g, e, (u64)left);
	/* __perf_event_account_interrupt: past max_samples_per_tick this
	 * tick, perf_event_overflow returns 1 and the handler stops the event
	 * (x86_pmu_stop(event, 0): its select, no wait in an NMI). The guest
	 * kernel's test is "more than", as before 2025's "Fix broken
	 * throttling when max_samples_per_tick=1" (host perf, perf/overflow.c,
	 * has the later ">="). */
	if (++e->interrupts > g->max_samples_per_tick) {
		start_event(g, e, false);
		e->throttled = true;
		g->res->throttles++;
	}
	if (is_freq(g)) {
		u64 dt = now - e->freq_stamp;
		bool first = !e->has_freq_stamp;

		e->freq_stamp = now;
		e->has_freq_stamp = true;
		if (!first && dt && dt < 2 * g->tick_cycles)
			adjust_period(g, e, dt, used);
	}
}

/* Handle the overflowed events @status names: read, sample, re-arm. */
static void handle_status(struct gs *g, u64 status)
{
	u64 v = 0;

	for (unsigned int k = 0; k < g->res->nr_events; k++) {
		struct guest_event *e = &g->res->ev[k];

		if (!is_active(e) || !(status & BIT_ULL(e->counter)))
			continue;
		read_counter(g, e, &v);
		rearm(g, e, v);
	}
}

/* x86_pmu_handle_irq (no global status): unmask first, then every counter
 * whose top bit is clear has overflowed. */
static void pmi_x86(struct gs *g)
{
	u64 v = 0;

	wr(g, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
	for (unsigned int k = 0; k < g->res->nr_events; k++) {
		struct guest_event *e = &g->res->ev[k];

		if (!is_active(e))
			continue;
		read_counter(g, e, &v);
		if (!(v & (1ULL << 47)))	/* no longer negative: it overflowed */
			rearm(g, e, v);
	}
}

/* intel_pmu_handle_irq, late_ack (x86_pmu.late_ack from Haswell on): the
 * ack comes before each pass, the status is read again after it (at most
 * 100 passes), and the LVTPC is unmasked only after the counters are
 * enabled again. */
static void pmi_intel(struct gs *g)
{
	u64 status = 0;

	disable_all(g);
	kvm_vcpu__guest_rdmsr(g->v, g->drv->global_status, &status);
	for (unsigned int loops = 0; status && loops < 100; loops++) {
		wr(g, g->drv->global_ack, status);
		handle_status(g, status);
		kvm_vcpu__guest_rdmsr(g->v, g->drv->global_status, &status);
	}
	enable_all(g);
	wr(g, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
}

/* amd_pmu_v2_handle_irq: with a status, every active counter is read
 * (x86_perf_event_update) before its bit is tested; the ack clears all but
 * the bits left unhandled (~status, all ones when every bit was an active
 * counter's). The LVTPC is never masked on AMD. */
static void pmi_amd_v2(struct gs *g)
{
	u64 status = 0, v = 0;

	disable_all(g);
	kvm_vcpu__guest_rdmsr(g->v, g->drv->global_status, &status);
	if (status) {
		for (unsigned int k = 0; k < g->res->nr_events; k++) {
			struct guest_event *e = &g->res->ev[k];

			if (!is_active(e))
				continue;
			read_counter(g, e, &v);
			if (status & BIT_ULL(e->counter)) {
				status &= ~BIT_ULL(e->counter);
				rearm(g, e, v);
			} else {
				fold(g, e, v);
			}
		}
		wr(g, g->drv->global_ack, ~status);
	}
	enable_all(g);
}

/* The guest's PMI handler, as the vendor's Linux driver runs it. */
static void perf_pmi(struct gs *g)
{
	u64 t0 = g->v->cpu->now;

	g->res->pmis++;
	g->in_nmi = true;
	switch (g->drv->handler) {
	case PMI_X86:
		pmi_x86(g);
		break;
	case PMI_INTEL:
		pmi_intel(g);
		break;
	case PMI_AMD_V2:
		pmi_amd_v2(g);
		break;
	}
	g->in_nmi = false;
	/* as the guest's nmi:nmi_handler tracepoint times it: the exits its
	 * accesses take are inside */
	hist__add(&g->v->st.pmi_handler, g->v->cpu->now - t0);
}

/* An IPI's handler; its EOI is a WRMSR of x2APIC EOI, virtualized with
 * posted interrupts (APICv's virtual-interrupt delivery), else an MSR
 * write exit on KVM's full path. */
static void ipi_handler(struct gs *g)
{
	g->res->ipis++;
	kernel_code(g, IPI_HANDLER_INSNS);
	if (!g->v->costs.posted_interrupts)
		kvm_vcpu__guest_exit(g->v, EXIT_MSR_WRITE);
}

/* Interrupts are kernel code: the handler runs at CPL 0, then the
 * interrupted code resumes at its own CPL. */
static void take_pmis(struct gs *g)
{
	u8 cpl = g->v->cpu->cpl;

	if (!kvm_vcpu__has_guest_interrupt(g->v))
		return;
	g->v->cpu->cpl = 0;
	for (;;) {
		if (kvm_vcpu__take_guest_pmi(g->v)) {
			if (g->perf_on)
				perf_pmi(g);
		} else if (kvm_vcpu__take_guest_ipi(g->v)) {
			ipi_handler(g);
		} else {
			break;
		}
	}
	g->v->cpu->cpl = cpl;
}

/*
 * Run @insns of work in guest mode, the kernel share first at CPL 0, over
 * @cycles if given (the chunk ends exactly there: the user part takes what
 * the kernel part leaves), else at cpi_milli each part.
 */
static void work(struct gs *g, u64 insns, u64 cycles)
{
	u64 k = insns * g->w->kernel_pct / 100, used = 0;
	struct hw_segment seg;

	if (g->v->ipi_pending)	/* one that came while the vCPU was out of guest mode */
		take_pmis(g);
	for (int part = 0; part < 2; part++) {
		u64 n = part ? insns - k : k;

		if (!n)
			continue;
		memset(&seg, 0, sizeof(seg));
		seg.cpl = part ? 3 : 0;
		seg.cycles = max_u64(n * g->w->cpi_milli / 1000, 1);
		if (cycles && (part || insns == k))	/* the last part */
			seg.cycles = max_u64(cycles > used ? cycles - used : 0, 1);
		used += seg.cycles;
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
	g->left -= min_u64(insns, g->left);
}

static void finish_perf(struct gs *g)
{
	u64 gc = guest_cycles(g->v) - g->guest_cycles0;
	u64 truth = guest_insns_truth(g->v) - g->truth0;
	unsigned int n = g->res->nr_events;

	for (unsigned int k = 0; k < n && g->perf_on; k++) {
		struct guest_event *e = &g->res->ev[k];
		u64 v = 0;

		sync_windows(g);	/* each read sees up to just before its RDPMC */
		if (e->on_counter) {
			read_counter(g, e, &v);
			fold(g, e, v);
			e->started = false;	/* read for good: its window ends */
		}
	}
	for (unsigned int k = 0; k < n && g->perf_on; k++) {
		struct guest_event *e = &g->res->ev[k];

		e->enabled = gc;
		/* multiplexed events share the counters evenly by rotation */
		e->running = n > g->nr_slots ? gc * g->nr_slots / n : gc;
		e->truth = truth;
		/* what a counter missed of the instructions in its own counting
		 * windows (multiplexed events are estimates: not counted) */
		if (n <= g->nr_slots && e->count < e->counted_truth)
			g->res->lost_counts += e->counted_truth - e->count;
		g->res->samples += e->samples;
	}
}

/* The next exit from the outside source: its time and reason. */
static int source_next(struct gs *g)
{
	u64 gap = 0;
	int r = g->w->src->next(g->w->src->ctx, &gap, &g->src_reason, &g->src_handler);

	if (r < 0) {
		g->res->error = "the exit source failed";
		return -1;
	}
	if (!r) {
		g->src_done = true;
		g->next_exit = UINT64_MAX;
		return 0;
	}
	g->next_exit = g->v->cpu->now + max_u64(gap, 1);
	return 0;
}

/* The guest's tick: the deadline fires, the driver rotates, the next
 * deadline is written. With an outside source the stream has the timer's
 * exits; only the driver's part happens here. */
static void tick(struct gs *g)
{
	struct kvm_vcpu *v = g->v;

	if (!g->w->src) {
		kvm_vcpu__guest_timer(v);
		take_pmis(g);
	}
	perf_freq_tick(g);
	perf_rotate(g);
	if (!g->w->src) {
		kvm_vcpu__guest_exit(v, EXIT_MSR_WRITE_TIMER);	/* the next one */
		take_pmis(g);
	}
	g->next_tick += g->tick_cycles;
	if (g->next_tick <= v->cpu->now)
		g->next_tick = v->cpu->now + g->tick_cycles;
}

/* How long a HLT idles: drawn around hlt_idle_us, until the tick at most
 * (the guest's timer wakes it). */
static u64 idle_for(struct gs *g)
{
	u64 idle = draw_gap(&g->rng, (u64)g->w->hlt_idle_us * (g->core_hz / 1000000));

	if (g->next_tick != UINT64_MAX && g->next_tick > g->v->cpu->now)
		idle = min_u64(idle, g->next_tick - g->v->cpu->now);
	return idle;
}

static int workload_exit(struct gs *g, u64 gap_mean)
{
	struct kvm_vcpu *v = g->v;

	if (!g->w->src) {
		enum kvm_exit_reason r = draw_reason(g);

		if (r == EXIT_HLT && g->w->hlt_idle_us)
			kvm_vcpu__guest_halt(v, idle_for(g));
		else
			kvm_vcpu__guest_exit(v, r);
		take_pmis(g);
		g->next_exit = v->cpu->now + draw_gap(&g->rng, gap_mean);
		return 0;
	}
	if (g->src_reason == EXIT_HLT && g->src_handler)
		kvm_vcpu__guest_halt(v, g->src_handler);	/* the time it slept */
	else if (g->src_handler)
		kvm_vcpu__guest_exit_cost(v, g->src_reason, g->src_handler);
	else
		kvm_vcpu__guest_exit(v, g->src_reason);
	take_pmis(g);
	return source_next(g);
}

/* The other vCPU of the VM after @after, in turn. */
static unsigned int next_dest(const struct gs *g, unsigned int after, unsigned int n)
{
	unsigned int d = (after + 1) % n;

	return d == g->w->vcpu_index ? (d + 1) % n : d;
}

/* The gap before the IPI after the next; one more is drawn ahead. */
static u64 next_gap(struct gs *g)
{
	u64 gap = g->ipi_ahead[g->ipi_ahead_head];

	g->ipi_ahead[g->ipi_ahead_head] = draw_gap(&g->ipi_rng, g->ipi_gap);
	g->ipi_ahead_head = (g->ipi_ahead_head + 1) % g->ipi_ahead_n;
	return gap;
}

/* An IPI to the next other vCPU of the VM, in turn. */
static void send_ipi(struct gs *g)
{
	unsigned int n = g->w->vm_vcpus;

	kvm_vcpu__guest_send_ipi(g->v, g->ipi_dest);
	take_pmis(g);
	g->next_ipi = g->v->cpu->now + next_gap(g);
	g->ipi_dest = next_dest(g, g->ipi_dest, n);
}

/* The earliest the guest can send its next IPI to vCPU @dest: the sends
 * come in turn, each no sooner than the one before plus its gap. */
static u64 ipi_bound(const void *ctx, unsigned int dest)
{
	const struct gs *g = ctx;
	unsigned int d = g->ipi_dest, n = g->w->vm_vcpus;
	u64 at = g->next_ipi;

	for (unsigned int k = 0; k + 1 < n; k++) {
		if (d == dest)
			return at;
		at += g->ipi_ahead[(g->ipi_ahead_head + k) % g->ipi_ahead_n];
		d = next_dest(g, d, n);
	}
	return UINT64_MAX;	/* itself */
}

static u64 never_sends(const void *ctx, unsigned int dest)
{
	(void)ctx, (void)dest;
	return UINT64_MAX;
}

static bool is_done(const struct gs *g)
{
	return g->w->src ? g->src_done : !g->left;
}

int guest_workload__run(const struct guest_workload *w, struct kvm_vcpu *v, u64 seed,
			u64 core_hz, struct guest_result *res)
{
	struct gs g = { .w = w, .v = v, .core_hz = core_hz, .res = res };
	u64 rate, start = v->cpu->now, gap_mean = 0;

	mix_init(&g);			/* the exit mix and its total rate */
	rate = w->src ? 0 : g.mix_total;
	memset(res, 0, sizeof(*res));
	if (!w->cpi_milli || !core_hz) {
		res->error = "the guest needs cpi_milli and a core clock";
		return -1;
	}
	if (rate && core_hz / rate < MIN_EXIT_GAP_CYCLES) {
		res->error = "the exit rates add up to more than one exit every 100 cycles";
		return -1;
	}
	rng__seed(&g.rng, seed);
	g.left = w->src ? UINT64_MAX : w->work_minsns * 1000000;
	g.tick_cycles = w->hz ? core_hz / w->hz : 0;
	/* (a guest without a tick is never unthrottled, so none is throttled) */
	g.max_samples_per_tick = w->hz ? (u32)((PERF_MAX_SAMPLE_RATE + w->hz - 1) / w->hz) : UINT32_MAX;
	if (rate)
		gap_mean = core_hz / rate;
	v->guest_if = true;
	kvm_vcpu__start(v);
	perf_setup(&g);
	g.next_tick = w->hz ? v->cpu->now + g.tick_cycles : UINT64_MAX;
	g.next_exit = rate ? v->cpu->now + draw_gap(&g.rng, gap_mean) : UINT64_MAX;
	g.next_ipi = UINT64_MAX;
	v->ipi_bound = never_sends;	/* unless it sends (below) */
	g.ipi_dest = w->vcpu_index;
	if (w->ipi_per_sec && w->vm_vcpus > 1) {
		rng__seed(&g.ipi_rng, seed ^ 0x1b1b1b1bULL << 24);
		g.ipi_gap = max_u64(core_hz / w->ipi_per_sec, 1);
		g.next_ipi = v->cpu->now + draw_gap(&g.ipi_rng, g.ipi_gap);
		g.ipi_ahead_n = min_u64(w->vm_vcpus, GUEST_MAX_VCPUS) - 1;
		for (unsigned int k = 0; k < g.ipi_ahead_n; k++)
			g.ipi_ahead[k] = draw_gap(&g.ipi_rng, g.ipi_gap);
		g.ipi_dest = next_dest(&g, w->vcpu_index, w->vm_vcpus);
		v->ipi_bound = ipi_bound;
		v->ipi_bound_ctx = &g;
	}
	if (w->src && source_next(&g))
		return -1;
	while (!is_done(&g)) {
		u64 until = min_u64(min_u64(g.next_tick, g.next_exit), g.next_ipi);
		u64 cycles = until > v->cpu->now ? until - v->cpu->now : 1;
		u64 insns = cycles > UINT64_MAX / 1000 ? UINT64_MAX :
			    max_u64(cycles * 1000 / w->cpi_milli, 1);

		if (until == UINT64_MAX && w->src)
			break;
		if (insns > g.left)	/* the work ends first */
			work(&g, g.left, 0);
		else
			work(&g, insns, cycles);
		if (v->cpu->now >= g.next_tick)
			tick(&g);
		if (v->cpu->now >= g.next_exit && workload_exit(&g, gap_mean))
			return -1;
		if (v->cpu->now >= g.next_ipi)
			send_ipi(&g);
	}
	v->ipi_bound = never_sends;	/* &g is gone after this */
	finish_perf(&g);
	kvm_vcpu__stop(v);
	res->wall_cycles = v->cpu->now - start;
	res->guest_cycles = guest_cycles(v);
	return 0;
}

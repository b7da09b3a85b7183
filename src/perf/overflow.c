/*
 * perf/overflow.c - the host PMI (NMI) handler and the host tick: sampling,
 * frequency mode, and multiplexing rotation.
 *
 * The NMI handler follows x86_pmu_handle_irq / intel_pmu_handle_irq: disable
 * the PMU, read the overflow status, for each overflowed counter fold its
 * count, take a sample and re-arm it, acknowledge, unmask the LVTPC (Intel
 * masks it on every PMI), enable the PMU unless perf had it disabled when
 * the NMI came. While the guest LVTPC is loaded
 * (vector 0xf5) an NMI is not perf's (perf_event_nmi_handler returns
 * NMI_DONE, research/vpmu-design.md section 3).
 *
 * Frequency mode follows perf_adjust_period(): the period that would give
 * freq samples per second at the observed rate, approached through a 1/8
 * low-pass filter, at every overflow (from the time since the previous one)
 * and at every tick (from the count over the tick).
 */
#include <stdlib.h>

#include "hw/msr.h"
#include "perf/internal.h"

/* perf_calculate_period: events per sample for freq samples per second. */
static u64 calculate_period(const struct perf_cpu *pc, const struct perf_event *ev,
			    u64 cycles, u64 count)
{
	u64 per_sec;

	if (!cycles || !ev->attr.sample_freq)
		return 1;
	per_sec = mul_div_floor(count, pc->costs.cycles_per_sec, cycles);
	return max_u64(per_sec / ev->attr.sample_freq, 1);
}

static void adjust_period(struct perf_cpu *pc, struct perf_event *ev, u64 cycles, u64 count)
{
	s64 period = (s64)calculate_period(pc, ev, cycles, count);
	s64 delta = period - (s64)ev->sample_period;

	delta = (delta >= 0 ? delta + 7 : delta - 7) / 8;	/* low-pass filter */
	ev->sample_period = (u64)((s64)ev->sample_period + delta);
	if (!ev->sample_period || (s64)ev->sample_period < 0)
		ev->sample_period = 1;
	if (ev->period_left > 8 * (s64)ev->sample_period)
		ev->period_left = 0;
}

static void record_sample(struct perf_cpu *pc, struct perf_event *ev, const struct hw_irq *irq)
{
	if (ev->nr_samples < PERF_MAX_SAMPLES) {
		if (!ev->samples)
			ev->samples = calloc(PERF_MAX_SAMPLES, sizeof(*ev->samples));
		if (ev->samples)
			ev->samples[ev->nr_samples] = (struct perf_sample){
				.cycle = irq->delivered_at,
				.period = ev->last_period,
				.guest = irq->guest,
				.cpl = irq->cpl,
			};
	} else {
		pc->nr_lost_samples++;
	}
	ev->nr_samples++;
}

static void overflowed(struct perf_cpu *pc, struct perf_event *ev, const struct hw_irq *irq)
{
	perf_update_event(pc, ev);
	if (perf_is_sampling(ev)) {
		record_sample(pc, ev, irq);
		if (ev->attr.freq) {
			u64 dt = irq->delivered_at - ev->freq_tstamp;

			ev->freq_tstamp = irq->delivered_at;
			if (dt && dt < 2 * pc->costs.tick_cycles)
				adjust_period(pc, ev, dt, ev->last_period);
		}
		if (ev->overflow)
			ev->overflow(ev, ev->overflow_ctx);
	}
	perf_set_period(pc, ev);
}

bool perf_cpu__handle_nmi(struct perf_cpu *pc, const struct hw_irq *irq)
{
	u64 status;
	unsigned int handled = 0;

	if (pc->guest_lvtpc_loaded)
		return false;
	pc->nr_nmis++;
	perf_cpu__exec(pc, pc->costs.nmi_entry);
	perf_wrmsr(pc, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
	pc->x86->disable_all(pc);
	status = pc->x86->get_status(pc);
	for (u64 m = status; m; m &= m - 1) {
		int idx = __builtin_ctzll(m);

		if (idx >= HW_MAX_IDX || !pc->on_idx[idx])
			continue;
		handled++;
		overflowed(pc, pc->on_idx[idx], irq);
	}
	if (status)
		pc->x86->ack_status(pc, status);
	/* "Only restore PMU state when it's active" (intel_pmu_handle_irq,
	 * amd_pmu_v2_handle_irq: cpuc->enabled saved on entry): an NMI inside
	 * perf_pmu_disable() ... perf_pmu_enable() (a reschedule moving
	 * events between counters) must not turn the PMU back on halfway, or
	 * host code counts into a guest-only event being started */
	if (!pc->pmu_disabled)
		pc->x86->enable_all(pc);
	if (!handled)
		pc->nr_nmis_unclaimed++;
	return handled > 0;
}

/* perf_adjust_freq_unthr_context: stop, fold, adjust from the tick's count,
 * restart with the new period. */
static void adjust_freq(struct perf_cpu *pc)
{
	for (int i = 0; i < pc->nr_events; i++) {
		struct perf_event *ev = pc->events[i];
		u64 delta;

		if (ev->state != PERF_STATE_ACTIVE || !ev->attr.freq)
			continue;
		pc->x86->disable_event(pc, ev);
		perf_update_event(pc, ev);
		delta = ev->count - ev->freq_count;
		ev->freq_count = ev->count;
		if (delta)
			adjust_period(pc, ev, pc->costs.tick_cycles, delta);
		perf_set_period(pc, ev);
		pc->x86->enable_event(pc, ev);
	}
}

/* rotate_ctx: the first running flexible group goes to the back. */
static void rotate(struct perf_cpu *pc)
{
	for (int k = 0; k < pc->nr_flex; k++) {
		int id = pc->flex_order[k];

		if (pc->events[id]->state != PERF_STATE_ACTIVE)
			continue;
		for (int j = k; j < pc->nr_flex - 1; j++)
			pc->flex_order[j] = pc->flex_order[j + 1];
		pc->flex_order[pc->nr_flex - 1] = id;
		break;
	}
	pc->nr_rotations++;
	perf_resched(pc);
}

void perf_cpu__tick(struct perf_cpu *pc)
{
	perf_cpu__exec(pc, pc->costs.tick);
	perf_update_times(pc);
	if (pc->guest_sched_out)
		return;		/* nothing of perf's is on the PMU */
	adjust_freq(pc);
	if (pc->rotate_necessary)
		rotate(pc);
}

void perf_cpu__start_tick(struct perf_cpu *pc)
{
	pc->cpu->timer_at = pc->cpu->now + pc->costs.tick_cycles;
}

int perf_cpu__host_irq(void *ctx, const struct hw_irq *irq)
{
	struct perf_cpu *pc = ctx;

	if (irq->kind == HW_IRQ_NMI) {
		perf_cpu__handle_nmi(pc, irq);
	} else if (irq->kind == HW_IRQ_TIMER) {
		u64 next = irq->requested_at + pc->costs.tick_cycles;

		perf_cpu__tick(pc);
		while (next <= pc->cpu->now)	/* a late tick does not bunch up */
			next += pc->costs.tick_cycles;
		pc->cpu->timer_at = next;
	}
	return 0;
}

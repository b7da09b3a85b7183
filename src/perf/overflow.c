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
 * low-pass filter, at every overflow (from the time since the previous one;
 * after the next period is armed, so it takes effect from the one after,
 * unless what is armed is more than 8 new periods) and at every tick (from
 * the count over the tick).
 *
 * Throttling follows kernel/events/core.c (facts only; the code is ours):
 *  - __perf_event_account_interrupt: each overflow of an event counts in
 *    its tick (hwc->interrupts, reset when perf_throttled_seq moved on);
 *    at max_samples_per_tick = DIV_ROUND_UP(max_sample_rate, HZ) (400 at
 *    the default 100000 and HZ 250) the event is throttled
 *    (PERF_RECORD_THROTTLE) and x86_pmu_handle_irq stops its counter; the
 *    sample of that overflow is still taken. Since the 2025 fix "perf/core:
 *    Fix broken throttling when max_samples_per_tick=1" the test is >=.
 *  - the tick (perf_event_task_tick -> perf_adjust_freq_unthr_context,
 *    for the CPU's context and the current task's) advances
 *    perf_throttled_seq and restarts every throttled event
 *    (PERF_RECORD_UNTHROTTLE), with the PMU disabled around a context's
 *    pass where it has frequency events scheduled in or unthrottles, and
 *    events on the PMU; a frequency event is stopped, adjusted from the tick's count and
 *    re-armed only if it counted, then started; event_sched_in and
 *    __perf_event_period unthrottle too.
 *  - perf_sample_event_took: each NMI's handler time enters a running
 *    average over 128 NMIs; when the average passes perf_sample_allowed_ns
 *    (25% of 1 / max_sample_rate at first: perf_cpu_time_max_percent) it
 *    prints "perf: interrupt took too long", sets the allowance to 1.25 x
 *    the average, max_samples_per_tick to 25% of a tick over that (at least
 *    1) and max_sample_rate to max_samples_per_tick x HZ.
 * Throttling is per event, as before the 2025 group-throttle patches
 * (perf_event_throttle_group), which stop a throttled event's siblings too.
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

/* perf_adjust_period: the new sample_period; where what is left of the
 * armed period is more than 8 new ones, a new period at once (with
 * @restart the counter is stopped and armed again here, as the overflow
 * path asks; the tick's caller arms it itself). */
static void adjust_period(struct perf_cpu *pc, struct perf_event *ev, u64 cycles, u64 count,
			  bool restart)
{
	s64 period = (s64)calculate_period(pc, ev, cycles, count);
	s64 delta = period - (s64)ev->sample_period;

	delta = (delta >= 0 ? delta + 7 : delta - 7) / 8;	/* low-pass filter */
	ev->sample_period = (u64)((s64)ev->sample_period + delta);
	if (!ev->sample_period || (s64)ev->sample_period < 0)
		ev->sample_period = 1;
	if (ev->period_left <= 8 * (s64)ev->sample_period)
		return;
	if (restart) {
		pc->x86->disable_event(pc, ev);		/* x86_pmu_stop(UPDATE) */
		perf_update_event(pc, ev);
	}
	ev->period_left = 0;
	if (restart) {
		perf_set_period(pc, ev);		/* x86_pmu_start(RELOAD) */
		pc->x86->enable_event(pc, ev);
	}
}

static void record_sample(struct perf_cpu *pc, struct perf_event *ev, const struct hw_irq *irq,
			  u64 period)
{
	if (ev->nr_samples < PERF_MAX_SAMPLES) {
		if (!ev->samples)
			ev->samples = calloc(PERF_MAX_SAMPLES, sizeof(*ev->samples));
		if (ev->samples)
			ev->samples[ev->nr_samples] = (struct perf_sample){
				.cycle = irq->delivered_at,
				.period = period,
				.guest = irq->guest,
				.cpl = irq->cpl,
			};
	} else {
		pc->nr_lost_samples++;
	}
	ev->nr_samples++;
}

/* update_perf_cpu_limits() for a new kernel.perf_event_max_sample_rate. */
static void set_max_sample_rate(struct perf_cpu *pc, u32 rate)
{
	u64 period = pc->costs.cycles_per_sec / rate;	/* perf_sample_period_ns */

	pc->max_sample_rate = rate;
	pc->max_samples_per_tick = pc->hz ? (rate + pc->hz - 1) / pc->hz : UINT32_MAX;
	pc->sample_allowed = period ? max_u64(period * PERF_CPU_TIME_MAX_PERCENT / 100, 1) : 0;
}

void perf_throttle_init(struct perf_cpu *pc)
{
	const struct perf_costs *c = &pc->costs;

	pc->hz = c->tick_cycles ? (u32)max_u64(c->cycles_per_sec / c->tick_cycles, 1) : 0;
	set_max_sample_rate(pc, PERF_DEFAULT_MAX_SAMPLE_RATE);
}

/* perf_sample_event_took: @len cycles in the NMI handler. */
static void sample_took(struct perf_cpu *pc, u64 len)
{
	u64 avg, max;

	if (!pc->sample_allowed)
		return;
	pc->running_sample_len -= pc->running_sample_len / PERF_NR_ACCUMULATED_SAMPLES;
	pc->running_sample_len += len;
	avg = pc->running_sample_len / PERF_NR_ACCUMULATED_SAMPLES;
	if (avg <= pc->sample_allowed)
		return;
	avg += avg / 4;		/* a threshold 25% below the current duration */
	max = pc->costs.tick_cycles / 100 * PERF_CPU_TIME_MAX_PERCENT;
	max = avg < max ? max / avg : 1;
	pc->sample_allowed = avg;
	pc->max_samples_per_tick = (u32)max;
	pc->max_sample_rate = (u32)min_u64(max * pc->hz, UINT32_MAX);
	pc->nr_rate_lowered++;	/* "perf: interrupt took too long (...)" */
}

/* __perf_event_account_interrupt: true when @ev must stop until the tick. */
static bool account_interrupt(struct perf_cpu *pc, struct perf_event *ev)
{
	if (ev->interrupts_seq != pc->throttled_seq) {
		ev->interrupts_seq = pc->throttled_seq;
		ev->interrupts = 1;
	} else {
		ev->interrupts++;
	}
	if (ev->interrupts < pc->max_samples_per_tick)
		return false;
	ev->throttled = true;
	ev->nr_throttle++;		/* PERF_RECORD_THROTTLE */
	pc->throttled_count++;
	pc->nr_throttles++;
	return true;
}

void perf_unthrottle(struct perf_cpu *pc, struct perf_event *ev)
{
	(void)pc;
	if (!ev->throttled)
		return;
	ev->throttled = false;
	ev->interrupts = 0;
	ev->nr_unthrottle++;		/* PERF_RECORD_UNTHROTTLE */
}

/*
 * One overflow of @ev (intel_pmu_save_and_restart, amd_pmu_v2_handle_irq):
 * fold it and arm the next period; only an overflow that ended a period
 * goes on (perf_event_overflow), and only for a sampling event: the
 * throttle's count and the frequency step (__perf_event_account_interrupt,
 * from the period now armed), then the sample, with the period that ended
 * (the last_period read before the arming; kernels before 2025's "Record
 * sample last_period before updating" read it after), and the overflow
 * handler (KVM's for its events). True when it is throttled (its counter
 * must stop; the throttle is per event and the stop the handler's, as
 * before 2025's group throttling).
 */
static bool overflowed(struct perf_cpu *pc, struct perf_event *ev, const struct hw_irq *irq)
{
	u64 ended = ev->last_period;
	bool throttle;

	perf_update_event(pc, ev);
	if (!perf_set_period(pc, ev) || !perf_is_sampling(ev))
		return false;
	throttle = account_interrupt(pc, ev);
	if (ev->attr.freq) {
		u64 dt = ev->freq_tstamp == PERF_NO_TSTAMP ? UINT64_MAX :
			 irq->delivered_at - ev->freq_tstamp;

		ev->freq_tstamp = irq->delivered_at;
		if (dt && dt < 2 * pc->costs.tick_cycles)
			adjust_period(pc, ev, dt, ev->last_period, true);
	}
	record_sample(pc, ev, irq, ended);
	if (ev->overflow)
		ev->overflow(ev, ev->overflow_ctx);
	return throttle;
}

bool perf_cpu__handle_nmi(struct perf_cpu *pc, const struct hw_irq *irq)
{
	u64 status, t0;
	unsigned int handled = 0;

	if (pc->guest_lvtpc_loaded)
		return false;
	pc->nr_nmis++;
	perf_cpu__exec(pc, pc->costs.nmi_entry);
	t0 = pc->cpu->now;		/* perf_event_nmi_handler's start_clock */
	perf_wrmsr(pc, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
	pc->x86->disable_all(pc);
	status = pc->x86->get_status(pc);
	for (u64 m = status; m; m &= m - 1) {
		int idx = __builtin_ctzll(m);

		if (idx >= HW_MAX_IDX || !pc->on_idx[idx])
			continue;
		handled++;
		if (overflowed(pc, pc->on_idx[idx], irq))
			pc->x86->disable_event(pc, pc->on_idx[idx]);	/* x86_pmu_stop */
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
	sample_took(pc, pc->cpu->now - t0);
	if (!handled)
		pc->nr_nmis_unclaimed++;
	return handled > 0;
}

/* is_event_in_freq_mode */
static bool is_freq_mode(const struct perf_event *ev)
{
	return ev->attr.freq && ev->attr.sample_freq;
}

/*
 * perf_adjust_freq_unthr_context for one context (@task 0: the CPU's, else
 * that task's): where it has frequency events scheduled in (nr_freq) or the
 * tick unthrottles, and events on the PMU, the PMU is disabled around a
 * pass over its active events (perf_adjust_freq_unthr_events): a throttled
 * one is unthrottled (and started again unless it is a
 * frequency event, which the next step starts); a frequency event is
 * stopped (x86_pmu_stop with UPDATE: a throttled one's counter was stopped
 * already), its period adjusted from the tick's count and, only if it
 * counted ("reload only if value has changed"), its counter armed again;
 * then started.
 */
static void adjust_freq_unthr(struct perf_cpu *pc, int task, bool unthrottle)
{
	bool freq = false, active = false;

	for (int i = 0; i < pc->nr_events; i++) {
		const struct perf_event *ev = pc->events[i];

		if (ev->released || ev->attr.task != task || ev->state != PERF_STATE_ACTIVE)
			continue;
		freq |= is_freq_mode(ev);	/* nr_freq: counted at sched in and out */
		active = true;
	}
	if (!(freq || unthrottle) || !active)
		return;
	perf_pmu_disable(pc);
	for (int i = 0; i < pc->nr_events; i++) {
		struct perf_event *ev = pc->events[i];
		bool stopped = ev->throttled;
		u64 delta;

		if (ev->released || ev->attr.task != task || ev->state != PERF_STATE_ACTIVE)
			continue;
		if (ev->throttled) {
			perf_unthrottle(pc, ev);
			if (!is_freq_mode(ev))
				pc->x86->enable_event(pc, ev);
		}
		if (!is_freq_mode(ev))
			continue;
		if (!stopped)
			pc->x86->disable_event(pc, ev);
		perf_update_event(pc, ev);
		delta = ev->count - ev->freq_count;
		ev->freq_count = ev->count;
		if (delta) {
			adjust_period(pc, ev, pc->costs.tick_cycles, delta, false);
			perf_set_period(pc, ev);
		}
		pc->x86->enable_event(pc, ev);
	}
	perf_pmu_enable(pc, false);
}

/* rotate_ctx: the first running flexible group goes to the back, or with
 * none running the first group (ctx_event_to_rotate: "if no active
 * flexible event, pick the first event"), so that one that can never fit
 * does not keep the others from their turn. */
static void rotate(struct perf_cpu *pc)
{
	int k = 0;

	while (k < pc->nr_flex && pc->events[pc->flex_order[k]]->state != PERF_STATE_ACTIVE)
		k++;
	if (k == pc->nr_flex)
		k = 0;
	if (k < pc->nr_flex) {
		int id = pc->flex_order[k];

		for (int j = k; j < pc->nr_flex - 1; j++)
			pc->flex_order[j] = pc->flex_order[j + 1];
		pc->flex_order[pc->nr_flex - 1] = id;
		perf_plan_changed(pc);
	}
	pc->nr_rotations++;
	/* perf_rotate_context: the flexible groups go out and come back in */
	perf_resched_types(pc, PERF_SCHED_TASK_FLEXIBLE | PERF_SCHED_CPU_FLEXIBLE);
}

/* perf_event_task_tick: a new throttle period, then the CPU's context and
 * the current task's (adjust_freq_unthr); the rotation, which Linux runs
 * from its multiplexing hrtimer, at the tick here. */
void perf_cpu__tick(struct perf_cpu *pc)
{
	bool throttled = pc->throttled_count != 0;

	perf_cpu__exec(pc, pc->costs.tick);
	perf_update_times(pc);
	pc->throttled_count = 0;
	pc->throttled_seq++;
	if (pc->guest_sched_out)
		return;		/* nothing of perf's is on the PMU */
	adjust_freq_unthr(pc, 0, throttled);		/* the CPU's context */
	if (pc->current_task)
		adjust_freq_unthr(pc, pc->current_task, throttled);	/* current's */
	if (pc->rotate_necessary)
		rotate(pc);
}

void perf_cpu__start_tick(struct perf_cpu *pc)
{
	pc->cpu->tick_needs_if = true;
	pc->cpu->timer_at = pc->cpu->now + pc->costs.tick_cycles;
	hw_cpu__set_if(pc->cpu, true);
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

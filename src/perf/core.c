/*
 * perf/core.c - the host perf core of one pCPU (see perf.h for the rules it
 * follows and their sources).
 *
 * State changes all go through perf_resched_types(): bring times up to date,
 * choose which groups run (pinned first, then flexible in rotation order,
 * each pass stopping at its first group that does not fit), assign counters
 * under constraints (sched.c), then touch the hardware: a stopped or moved
 * event is read and disabled, a new or moved one is armed and enabled, and
 * so is every running event of the types the change reschedules
 * (ctx_resched's event types: an enable, a creation, a rotation), with the
 * PMU globally disabled around it as x86_pmu_disable()/x86_pmu_enable() do.
 * perf_resched() is the same with no types (a guest context's load or put
 * moves only the exclude_guest events). Where every event such a change
 * stops gets its own counter back, the stops and starts, which leave every
 * register as it was, are made as what they amount to (rearm_in_place):
 * the events' counts folded and the accesses' time added to the batch.
 * The reference engine has no batches, so it always makes them in full,
 * and test_engine_diff.c holds the two to the same output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/checks.h"
#include "hw/msr.h"
#include "perf/internal.h"

/* ---- perf's kernel context on the core --------------------------------- */

void perf_cpu__exec(struct perf_cpu *pc, u64 cycles)
{
	u64 t0 = hw_cpu__now(pc->cpu);

	hw_cpu__host_exec(pc->cpu, cycles);
	pc->overhead_cycles += hw_cpu__now(pc->cpu) - t0;
}

/* Perf's register accesses: hw/'s host primitives, with perf's accounting
 * (by hw_cpu__now: they may be made inside a host batch, perf_resched). */
void perf_wrmsr(struct perf_cpu *pc, u32 msr, u64 val)
{
	u64 t0 = hw_cpu__now(pc->cpu);

	hw_cpu__host_wrmsr(pc->cpu, msr, val);
	pc->overhead_cycles += hw_cpu__now(pc->cpu) - t0;
	pc->nr_ops[HW_HOST_WRMSR]++;
}

u64 perf_rdmsr(struct perf_cpu *pc, u32 msr)
{
	u64 t0 = hw_cpu__now(pc->cpu), v = hw_cpu__host_rdmsr(pc->cpu, msr);

	pc->overhead_cycles += hw_cpu__now(pc->cpu) - t0;
	pc->nr_ops[HW_HOST_RDMSR]++;
	return v;
}

u64 perf_rdpmc(struct perf_cpu *pc, u32 ecx)
{
	u64 t0 = hw_cpu__now(pc->cpu), v = hw_cpu__host_rdpmc(pc->cpu, ecx);

	pc->overhead_cycles += hw_cpu__now(pc->cpu) - t0;
	pc->nr_ops[HW_HOST_RDPMC]++;
	return v;
}

/* ---- setup -------------------------------------------------------------- */


int perf_cpu__init(struct perf_cpu *pc, struct hw_cpu *cpu, const struct perf_costs *costs)
{
	memset(pc, 0, sizeof(*pc));
	pc->cpu = cpu;
	pc->costs = *costs;
	pc->x86 = cpu->pmu.cfg.vendor == HW_VENDOR_AMD ? &perf_x86_amd_ops : &perf_x86_intel_ops;
	pc->tstamp = cpu->now;
	pc->host_lvtpc = APIC_LVT_DM_NMI;
	pc->plan_gen = 1;
	pc->checks = checks__are_on();
	perf_throttle_init(pc);
	/* Linux programs the LVTPC for NMI delivery at boot; perf starts
	 * with GLOBAL_CTRL cleared. */
	perf_wrmsr(pc, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
	if (cpu->pmu.has_global)
		pc->x86->disable_all(pc);
	return 0;
}

void perf_cpu__share_system(struct perf_cpu *pc, struct perf_system *sys)
{
	pc->sys = sys;
}

static struct perf_system *system_of(struct perf_cpu *pc)
{
	return pc->sys ? pc->sys : &pc->own_sys;
}

/* x86_reserve_hardware / x86_release_hardware around an event's life: the
 * API call's own cost, and the host-wide reservation's when the event is
 * the first x86 hardware event (or the last) on any CPU. */
static u64 reserve_cost(struct perf_cpu *pc)
{
	return pc->costs.create + (system_of(pc)->nr_hw_events++ ? 0 : pc->costs.reserve);
}

static u64 unreserve_cost(struct perf_cpu *pc)
{
	return --system_of(pc)->nr_hw_events ? 0 : pc->costs.unreserve;
}

void perf_cpu__exit(struct perf_cpu *pc)
{
	for (int i = 0; i < pc->nr_events; i++) {
		free(pc->events[i]->samples);
		free(pc->events[i]);
	}
	pc->nr_events = 0;
}

/* ---- times and ground truth ---------------------------------------------- */

/* Enabled by the user, its group leader too, and its task running: what it
 * could count, so ground truth accumulates. */
static bool is_user_enabled(const struct perf_cpu *pc, const struct perf_event *ev)
{
	return ev->state >= PERF_STATE_INACTIVE && ev->leader->state >= PERF_STATE_INACTIVE &&
	       perf_is_task_ok(pc, ev);
}

/* Enabled for perf's time accounting, by its own state as the kernel's
 * __perf_update_times has it (a sibling of an OFF leader counts enabled
 * time); an exclude_guest event's clock (perf_event_time: the context's
 * time less its guest time, Linux 7.0) stops while a guest context is
 * loaded, for its enabled and its running time alike. */
static bool is_time_enabled(const struct perf_cpu *pc, const struct perf_event *ev)
{
	return ev->state >= PERF_STATE_INACTIVE && perf_is_task_ok(pc, ev) &&
	       !(pc->guest_ctx_loaded && ev->attr.exclude_guest);
}

static inline u64 truth_of(const struct hw_cpu *cpu, const struct perf_event *ev)
{
	const struct perf_attr *a = &ev->attr;
	u64 sum = 0;

	if (ev->truth_ev == HW_EV_NONE)
		return 0;
	for (int g = 0; g < 2; g++)
		for (int u = 0; u < 2; u++)
			if (!(g ? a->exclude_guest : a->exclude_host) &&
			    !(u ? a->exclude_user : a->exclude_kernel))
				sum += cpu->truth[g][u][ev->truth_ev];
	return sum;
}

/* What the ground truth can have changed by without the engine running:
 * the guest instructions KVM emulated (hw/cpu.h, hw_cpu.truth). */
static inline u64 truth_outside(const struct hw_cpu *cpu)
{
	return cpu->truth[1][0][HW_EV_INSTRUCTIONS] + cpu->truth[1][1][HW_EV_INSTRUCTIONS];
}

/*
 * With the clock, the core's engine event count and the truth added outside
 * the engine where the last update left them, nothing ran and nothing was
 * added since (every segment that adds to the ground truth is an engine
 * event), so every event's truth_of() is its truth_snap and dt is 0: the
 * update would change nothing, whatever the states now.
 */
void perf_update_times(struct perf_cpu *pc)
{
	u64 now = pc->cpu->now, dt = now - pc->tstamp;

	if (!dt && pc->cpu->events == pc->tstamp_events &&
	    truth_outside(pc->cpu) == pc->tstamp_truth)
		return;

	for (int i = 0; i < pc->nr_events; i++) {
		struct perf_event *ev = pc->events[i];
		u64 t = truth_of(pc->cpu, ev);

		if (is_user_enabled(pc, ev))
			ev->truth += t - ev->truth_snap;
		ev->truth_snap = t;
		if (!is_time_enabled(pc, ev))
			continue;
		ev->enabled += dt;
		if (ev->state == PERF_STATE_ACTIVE)
			ev->running += dt;
	}
	if (pc->guest_ctx_loaded)
		pc->guest_time += dt;
	pc->tstamp = now;
	pc->tstamp_events = pc->cpu->events;
	pc->tstamp_truth = truth_outside(pc->cpu);
}

/* ---- counters ----------------------------------------------------------- */

static u64 idx_mask(const struct perf_cpu *pc, int idx)
{
	return hw_pmu__counter_mask(&pc->cpu->pmu, (unsigned int)idx);
}

/* Add the metric shares of a slots delta to the ACTIVE metric siblings:
 * count += slots * PERF_METRICS byte / 0xff (icl_update_topdown_event). */
static void update_metrics(struct perf_cpu *pc, struct perf_event *slots, u64 delta)
{
	u64 metrics = 0;
	bool read = false;

	for (int i = 0; i < pc->nr_events; i++) {
		struct perf_event *m = pc->events[i];
		unsigned int b;

		if (m->leader != slots || m == slots || m->state != PERF_STATE_ACTIVE ||
		    m->idx < PERF_IDX_METRIC_BASE || m->attr.config == PERF_RAW_VMETRICS)
			continue;
		if (!read) {
			metrics = perf_rdpmc(pc, RDPMC_TYPE_METRICS << 16);
			read = true;
		}
		b = (unsigned int)((m->attr.config >> 8) & 0x3);
		m->count += mul_div_floor(delta, (metrics >> (8 * b)) & 0xff, 0xff);
	}
}

/* x86_perf_event_update: fold the counter's progress into the count. */
void perf_update_event(struct perf_cpu *pc, struct perf_event *ev)
{
	u64 raw, delta;

	if (ev->state != PERF_STATE_ACTIVE || ev->idx < 0 || ev->idx >= PERF_IDX_METRIC_BASE)
		return;
	raw = pc->x86->read_counter(pc, ev->idx);
	delta = (raw - ev->prev_raw) & idx_mask(pc, ev->idx);
	ev->prev_raw = raw;
	ev->count += delta;
	ev->period_left -= (s64)delta;
	if (ev->idx == HW_FIXED_BASE + 3 && ev->truth_ev == HW_EV_SLOTS)
		update_metrics(pc, ev, delta);
}

bool perf_is_sampling(const struct perf_event *ev)
{
	return ev->attr.sample_period || ev->attr.freq;
}

/* x86_perf_event_set_period: arm the counter with -left, where left carries
 * over what the last period overshot. A reset (the counter wrapped, or is a
 * period or more past it) starts a new period: only then are period_left
 * and last_period (the sample's period) set, and only then is it true (an
 * overflow without one is a part of a period longer than the counter takes,
 * and takes no sample). The counter is armed with at least 2 ("certain CPUs
 * don't like it if just 1 hw_event is left") and at most max_period.
 * Counting events use max_period. */
bool perf_set_period(struct perf_cpu *pc, struct perf_event *ev)
{
	s64 max = (s64)pc->x86->max_period(pc);
	s64 period = perf_is_sampling(ev) ? (s64)min_u64(ev->sample_period, INT64_MAX) : max;
	s64 left = ev->period_left;
	bool reset = false;

	if (left <= -period) {
		left = period;
		ev->period_left = left;
		ev->last_period = (u64)period;
		reset = true;
	}
	if (left <= 0) {
		left += period;
		ev->period_left = left;
		ev->last_period = (u64)period;
		reset = true;
	}
	if (left < 2)
		left = 2;
	if (left > max)
		left = max;
	ev->prev_raw = (0 - (u64)left) & idx_mask(pc, ev->idx);
	pc->x86->write_counter(pc, ev->idx, ev->prev_raw);
	return reset;
}

/* ---- choosing what runs ---------------------------------------------------- */

static bool is_leader(const struct perf_event *ev)
{
	return ev->leader == ev;
}

static bool is_eligible(const struct perf_cpu *pc, const struct perf_event *ev)
{
	if (ev->state < PERF_STATE_INACTIVE || ev->released || !perf_is_task_ok(pc, ev))
		return false;
	/* Linux 7.0: nothing host-side is scheduled in while a guest owns the
	 * PMU; exclude_guest events are the ones it scheduled out. */
	return !pc->guest_sched_out;
}

struct plan {
	struct perf_event *ev[PERF_MAX_EVENTS];
	u64 constraint[PERF_MAX_EVENTS];
	int prev[PERF_MAX_EVENTS];
	int assign[PERF_MAX_EVENTS];
	int n;
	/* every event so far keeps its previous counter (perf_sched__assign's
	 * first try succeeds for them), using these counters */
	bool kept;
	u64 kept_used;
	/* each group's events in creation order: the first (by the leader's
	 * id) and the next of each, -1 ending it */
	int first[PERF_MAX_EVENTS], next[PERF_MAX_EVENTS];
};

static void plan_groups(const struct perf_cpu *pc, struct plan *p)
{
	for (int i = 0; i < pc->nr_events; i++)
		p->first[i] = -1;
	for (int i = pc->nr_events - 1; i >= 0; i--) {
		int g = pc->events[i]->leader->id;

		p->next[i] = p->first[g];
		p->first[g] = i;
	}
}

/* perf_sched__assign's first try (every event on its previous counter),
 * for the events from @n0 on when those before kept theirs: as its result
 * over all of them, without going over the kept ones again. */
static bool is_kept_previous(struct plan *p, int n0)
{
	u64 used = p->kept_used;

	for (int i = n0; i < p->n; i++) {
		int prev = p->prev[i];

		if (prev < 0 || !(p->constraint[i] & BIT_ULL(prev)) || (used & BIT_ULL(prev)))
			return false;
		used |= BIT_ULL(prev);
	}
	for (int i = n0; i < p->n; i++)
		p->assign[i] = p->prev[i];
	p->kept_used = used;
	return true;
}

/*
 * perf_sched__assign over @p's events, remembered: a reschedule repeats the
 * same few assignments (the same events, constraints and previous counters),
 * and the function depends on nothing else, so an equal input gives the
 * remembered result (its return value; @out is the assignment when 0).
 */
static int assign_remembered(struct perf_cpu *pc, const struct plan *p, int *out)
{
	int n = p->n, ret;
	struct perf_sched_memo *w, *m;

	if (n < 1 || n > PERF_SCHED_MEMO_N || pc->sched_memo_off)
		return perf_sched__assign(p->constraint, p->prev, n, out);
	w = pc->sched_memo[n];
	for (int k = 0; k < PERF_SCHED_MEMO_WAYS; k++) {
		int i = 0;

		m = &w[k];
		if (m->n != n)
			continue;
		while (i < n && m->constraint[i] == p->constraint[i] && m->prev[i] == p->prev[i])
			i++;
		if (i < n)
			continue;
		if (!m->ret)
			for (i = 0; i < n; i++)
				out[i] = m->assign[i];
		return m->ret;
	}
	ret = perf_sched__assign(p->constraint, p->prev, n, out);
	m = &w[pc->sched_memo_next[n]++ % PERF_SCHED_MEMO_WAYS];
	m->n = n;
	m->ret = ret;
	for (int i = 0; i < n; i++) {
		m->constraint[i] = p->constraint[i];
		m->prev[i] = p->prev[i];
		m->assign[i] = ret ? -1 : out[i];	/* (out is not set on a failure) */
	}
	return ret;
}

/* Try to add @leader's group to @p; keep it only if all of it fits. */
static bool plan_group(struct perf_cpu *pc, struct plan *p, struct perf_event *leader)
{
	int n0 = p->n;
	int tmp[PERF_MAX_EVENTS];

	for (int i = p->first[leader->id]; i >= 0 && p->n < PERF_MAX_EVENTS; i = p->next[i]) {
		struct perf_event *ev = pc->events[i];

		if (ev->state < PERF_STATE_INACTIVE)
			continue;
		p->ev[p->n] = ev;
		p->constraint[p->n] = ev->constraint;
		p->prev[p->n] = ev->idx;
		p->n++;
	}
	if (p->kept && is_kept_previous(p, n0))
		return true;
	p->kept = false;	/* keeping failed for these events: it fails from here on */
	if (!assign_remembered(pc, p, tmp)) {
		memcpy(p->assign, tmp, sizeof(int) * (size_t)p->n);
		return true;
	}
	p->n = n0;
	return false;
}

/* A pinned group that does not run: its events go to ERROR. */
static void pinned_error(struct perf_cpu *pc, struct perf_event *leader)
{
	for (int j = 0; j < pc->nr_events; j++)
		if (pc->events[j]->leader == leader)
			pc->events[j]->state = PERF_STATE_ERROR;
}

/*
 * perf_event_sched_in: pinned groups, CPU then task; flexible groups in
 * rotation order, CPU then task. Each of the four passes has its own
 * can_add_hw (pmu_groups_sched_in): once a group of a pass does not fit, no
 * later group of that pass goes on (merge_sched_in, group_can_go_on), so a
 * later pinned group goes to ERROR even where it would fit, and a later
 * flexible one waits for the rotation; the next pass starts afresh. Returns
 * false when a pinned group went to ERROR.
 */
static bool plan_all(struct perf_cpu *pc, struct plan *p)
{
	bool ok = true;

	p->n = 0;
	p->kept = true;
	p->kept_used = 0;
	plan_groups(pc, p);
	for (int task = 0; task < 2; task++) {
		bool can_add_hw = true;

		for (int i = 0; i < pc->nr_events; i++) {
			struct perf_event *ev = pc->events[i];

			if (!is_leader(ev) || !ev->attr.pinned || !!ev->attr.task != task ||
			    !is_eligible(pc, ev))
				continue;
			if (!can_add_hw || !plan_group(pc, p, ev)) {
				can_add_hw = ok = false;
				pinned_error(pc, ev);	/* pinned and cannot run */
			}
		}
	}
	pc->rotate_necessary = false;
	for (int task = 0; task < 2; task++) {
		bool can_add_hw = true;

		for (int k = 0; k < pc->nr_flex && can_add_hw; k++) {
			struct perf_event *ev = pc->events[pc->flex_order[k]];

			if (!!ev->attr.task != task || !is_eligible(pc, ev))
				continue;
			if (!plan_group(pc, p, ev)) {
				can_add_hw = false;
				pc->rotate_necessary = true;
			}
		}
	}
	return ok;
}

/*
 * What plan_all() reads of an event beyond what plan_gen stands for (the
 * events, their groups, attributes and constraints, the rotation order):
 * whether it may be scheduled at all (state), whether its group may
 * (is_eligible: state, release, task, a guest's context) and the counter it
 * holds (perf_sched__assign's previous assignment).
 */
static inline u16 plan_code(const struct perf_cpu *pc, const struct perf_event *ev)
{
	return (u16)((ev->state >= PERF_STATE_INACTIVE) | is_eligible(pc, ev) << 1 |
		     (unsigned int)(ev->idx + 1) << 2);
}

/* plan_all(), remembered: a reschedule (a KVM counter paused and resumed, a
 * guest context loaded and put) meets the same few inputs again and again,
 * and plan_all() is a function of them. A plan that put a pinned group in
 * ERROR is not remembered (it changed the states it read). */
static void make_plan(struct perf_cpu *pc, struct plan *p)
{
	u16 code[PERF_MAX_EVENTS];
	struct perf_plan_memo *m, *set;
	int n = pc->nr_events;
	unsigned int h = 0;

	if (!n) {		/* what plan_all() makes of no events */
		p->n = 0;
		pc->rotate_necessary = false;
		return;
	}
	if (pc->sched_memo_off) {
		plan_all(pc, p);
		return;
	}
	for (int i = 0; i < n; i++) {
		code[i] = plan_code(pc, pc->events[i]);
		h = h * 31 + code[i];
	}
	h = (h ^ h >> 7 ^ h >> 13) % PERF_PLAN_MEMO_SETS;
	set = pc->plan_memo[h];
	for (int w = 0; w < PERF_PLAN_MEMO_WAYS; w++) {
		m = &set[w];
		if (m->gen != pc->plan_gen || m->nr_events != n ||
		    memcmp(m->code, code, sizeof(code[0]) * (size_t)n))
			continue;
		p->n = m->n;
		for (int k = 0; k < m->n; k++) {
			p->ev[k] = pc->events[m->ev[k]];
			p->assign[k] = m->assign[k];
		}
		pc->rotate_necessary = m->rotate_necessary;
		return;
	}
	if (!plan_all(pc, p))
		return;
	m = &set[pc->plan_memo_next[h]++ % PERF_PLAN_MEMO_WAYS];
	m->gen = pc->plan_gen;
	m->nr_events = n;
	m->n = p->n;
	m->rotate_necessary = pc->rotate_necessary;
	memcpy(m->code, code, sizeof(code[0]) * (size_t)n);
	for (int k = 0; k < p->n; k++) {
		m->ev[k] = (u8)p->ev[k]->id;
		m->assign[k] = (signed char)p->assign[k];
	}
}

/* The events, their groups or the rotation order changed: no remembered
 * plan holds. */
void perf_plan_changed(struct perf_cpu *pc)
{
	pc->plan_gen++;
}

static void stop_event(struct perf_cpu *pc, struct perf_event *ev)
{
	perf_update_event(pc, ev);
	pc->x86->disable_event(pc, ev);
	pc->on_idx[ev->idx] = NULL;
	pc->on_idx_used &= ~BIT_ULL(ev->idx);
	pc->on_idx_no_host &= ~BIT_ULL(ev->idx);
	pc->on_idx_no_guest &= ~BIT_ULL(ev->idx);
	if (ev->idx < HW_MAX_IDX) {
		pc->enabled_mask &= ~BIT_ULL(ev->idx);
		pc->cpu->pmu.guest_owned &= ~BIT_ULL(ev->idx);
	}
	ev->idx = -1;
}

static void start_event(struct perf_cpu *pc, struct perf_event *ev, int idx)
{
	perf_unthrottle(pc, ev);	/* event_sched_in: a new start */
	ev->idx = idx;
	pc->on_idx[idx] = ev;
	pc->on_idx_used |= BIT_ULL(idx);
	if (idx < PERF_IDX_METRIC_BASE) {
		if (ev->attr.exclude_host)
			pc->on_idx_no_host |= BIT_ULL(idx);
		if (ev->attr.exclude_guest)
			pc->on_idx_no_guest |= BIT_ULL(idx);
		perf_set_period(pc, ev);
		pc->enabled_mask |= BIT_ULL(idx);
		/* a guest-only event (KVM's backing events): isolation truth */
		if (ev->attr.exclude_host)
			pc->cpu->pmu.guest_owned |= BIT_ULL(idx);
	}
	pc->x86->enable_event(pc, ev);
}

/* perf_pmu_disable / perf_pmu_enable around a change to the events, as
 * one host batch of register accesses (perf's own state aside; the clock
 * read by hw_cpu__now): an NMI meanwhile leaves the PMU off. The enable
 * gives IRQs back if @irqs, and what came meanwhile is taken then. */
void perf_pmu_disable(struct perf_cpu *pc)
{
	if (pc->pmu_disabled++)		/* nested: only the outermost disables */
		return;
	hw_cpu__host_batch_begin(pc->cpu);
	pc->x86->disable_all(pc);
	/* a guest context load: host perf is blind from its PMU disable on
	 * (not from an interrupt handler's inside it). Linux walks the
	 * sched-out with the PMU off; the model charges the walk (costs.sched)
	 * just before the disable, so the mark covers the accesses only. */
	if (pc->loading_guest && !pc->cpu->irq_depth)
		hw_cpu__set_mark(pc->cpu, true);
}

void perf_pmu_enable(struct perf_cpu *pc, bool irqs)
{
	if (--pc->pmu_disabled)		/* and only the outermost enables */
		return;
	/* Linux's perf_load_guest_context enables before it sets
	 * guest_ctx_loaded, so that enable writes (with no host event left on
	 * a counter); the model sets guest_sched_out first, hence loading_guest */
	if (!pc->guest_sched_out || pc->loading_guest)
		pc->x86->enable_all(pc);
	if (pc->putting_guest && !pc->cpu->irq_depth)	/* ... to a put's PMU enable */
		hw_cpu__set_mark(pc->cpu, false);
	hw_cpu__host_batch_end(pc->cpu);
	if (irqs)
		hw_cpu__set_if(pc->cpu, true);
}

/* The type bit of @ev's group (get_event_type: a member has its leader's). */
static unsigned int sched_type(const struct perf_event *ev)
{
	const struct perf_event *l = ev->leader;

	return l->attr.task ? (l->attr.pinned ? PERF_SCHED_TASK_PINNED : PERF_SCHED_TASK_FLEXIBLE) :
	       (l->attr.pinned ? PERF_SCHED_CPU_PINNED : PERF_SCHED_CPU_FLEXIBLE);
}

/*
 * ctx_resched(get_event_type(@ev)), as __perf_event_enable and
 * __perf_install_in_context call it: pinned brings flexible along; the task
 * context's groups of those types go out; the CPU context's too for a CPU
 * event, and its flexible ones for a pinned task event.
 */
static unsigned int resched_types_of(const struct perf_event *ev)
{
	bool cpu = !ev->leader->attr.task, pinned = ev->leader->attr.pinned;

	if (cpu)
		return pinned ? PERF_SCHED_TASK_PINNED | PERF_SCHED_TASK_FLEXIBLE |
				PERF_SCHED_CPU_PINNED | PERF_SCHED_CPU_FLEXIBLE :
				PERF_SCHED_TASK_FLEXIBLE | PERF_SCHED_CPU_FLEXIBLE;
	return pinned ? PERF_SCHED_TASK_PINNED | PERF_SCHED_TASK_FLEXIBLE | PERF_SCHED_CPU_FLEXIBLE :
			PERF_SCHED_TASK_FLEXIBLE;
}

static bool broken(char *why, unsigned long len, const char *what, int id, int idx)
{
	snprintf(why, len, "event %d (counter %d): %s", id, idx, what);
	return false;
}

/* on_idx_no_host / no_guest are the counters below PERF_IDX_METRIC_BASE
 * whose holder excludes the host / the guest (perf_cpu__guest_get_msrs). */
static bool are_modes_masks_right(const struct perf_cpu *pc)
{
	u64 no_host = 0, no_guest = 0;

	for (int k = 0; k < PERF_IDX_METRIC_BASE; k++) {
		const struct perf_event *ev = pc->on_idx[k];

		if (!ev)
			continue;
		no_host |= ev->attr.exclude_host ? BIT_ULL(k) : 0;
		no_guest |= ev->attr.exclude_guest ? BIT_ULL(k) : 0;
	}
	return no_host == pc->on_idx_no_host && no_guest == pc->on_idx_no_guest;
}

/* A counter no event holds is off: x86_pmu_disable_event cleared its
 * select's EN (a fixed counter's OS/USR field), and a mediated put cleared
 * the guest's (an enabled one would count, and a PMI-enabled one interrupt,
 * for nobody). Not while a mediated guest's context is loaded: the
 * registers are the guest's then. */
static bool is_idle_counter_off(const struct perf_cpu *pc, char *why, unsigned long len)
{
	const struct hw_pmu *pmu = &pc->cpu->pmu;

	if (pc->guest_sched_out)
		return true;
	for (unsigned int k = 0; k < pmu->cfg.nr_gp && k < HW_MAX_GP; k++)
		if (!pc->on_idx[k] && (pmu->evtsel[k] & EVTSEL_ENABLE))
			return broken(why, len, "a select enables a counter no event holds",
				      -1, (int)k);
	for (unsigned int j = 0; j < pmu->cfg.nr_fixed; j++)
		if (!pc->on_idx[HW_FIXED_BASE + j] && (pmu->fixed_ctrl >> (4 * j) & 0x3))
			return broken(why, len, "FIXED_CTR_CTRL enables a counter no event holds",
				      -1, (int)(HW_FIXED_BASE + j));
	return true;
}

bool perf_cpu__check(const struct perf_cpu *pc, char *why, unsigned long len)
{
	u64 used = 0, enabled = 0;

	for (int i = 0; i < pc->nr_events; i++) {
		const struct perf_event *ev = pc->events[i];

		if (ev->released && ev->state != PERF_STATE_OFF)
			return broken(why, len, "released but not OFF", i, ev->idx);
		if (ev->running > ev->enabled)
			return broken(why, len, "running longer than enabled", i, ev->idx);
		if (ev->idx < 0) {
			if (ev->state == PERF_STATE_ACTIVE)
				return broken(why, len, "ACTIVE without a counter", i, ev->idx);
			continue;
		}
		if (ev->state != PERF_STATE_ACTIVE)
			return broken(why, len, "on a counter but not ACTIVE", i, ev->idx);
		if (ev->idx >= PERF_NR_IDX || pc->on_idx[ev->idx] != ev)
			return broken(why, len, "not the holder of its counter", i, ev->idx);
		if (ev->idx < PERF_IDX_METRIC_BASE) {
			enabled |= BIT_ULL(ev->idx);
			if (!ev->throttled && !pc->x86->is_armed(pc, ev))
				return broken(why, len, "its select is not what its enable wrote",
					      i, ev->idx);
		}
	}
	for (int k = 0; k < PERF_NR_IDX; k++) {
		if (!pc->on_idx[k])
			continue;
		used |= BIT_ULL(k);
		if (pc->on_idx[k]->idx != k)
			return broken(why, len, "holds a counter it is not on", pc->on_idx[k]->id, k);
	}
	if (used != pc->on_idx_used)
		return broken(why, len, "on_idx_used differs from the counter table", -1, -1);
	if (enabled != pc->enabled_mask)
		return broken(why, len, "enabled_mask differs from the events on counters", -1, -1);
	if (!are_modes_masks_right(pc))
		return broken(why, len, "on_idx_no_host/no_guest differ from the events' modes",
			      -1, -1);
	return is_idle_counter_off(pc, why, len);
}

/* After a change made outside an interrupt handler (one inside may find a
 * change it interrupted half made). */
static void check_after(const struct perf_cpu *pc, const char *where)
{
	char why[160];

	if (!pc->checks || pc->pmu_disabled || pc->cpu->irq_depth || pc->cpu->in_nmi ||
	    checks__failure() || perf_cpu__check(pc, why, sizeof(why)))
		return;
	checks__fail("host perf, after %s at cycle %llu: %s", where,
		     (unsigned long long)pc->cpu->now, why);
}

void perf_resched(struct perf_cpu *pc)
{
	perf_resched_types(pc, 0);
}

/*
 * A stop and a start of @ev on the counter it holds, in a quiet batch, as
 * what they amount to: stop_event's update folds the counter's progress
 * (count, period_left, prev_raw = the counter); start_event's
 * perf_set_period arms the counter with -left, which is the value it holds
 * when no new period starts (left > 0) and no bound applies (2 <= left <=
 * max_period: then the legacy Intel alias's sign extension of bit 31 also
 * gives it back, bits 31 up being ones); the select (or fixed field) is
 * written without and with its enable, back to what it holds when
 * x86->is_armed. Every register ends as it was, so what remains is the
 * accesses' time: the counts of rearm_n, learned from the last stop and
 * start made in full on this counter (the vendor's sequence depends on the
 * counter and on being in an NMI, nothing else). Not for a throttled event
 * (the start unthrottles it) nor slots (its update reads the metrics).
 * Returns false, having changed nothing, when any of that does not hold.
 */
static bool is_rearm_plain(const struct perf_cpu *pc, const struct perf_event *ev, u64 *raw)
{
	bool nmi = pc->cpu->in_nmi;
	u64 mask, delta;
	s64 max, left;

	if (ev->state != PERF_STATE_ACTIVE || ev->throttled || ev->rearm_idx != ev->idx ||
	    !ev->rearm_ok[nmi] || (ev->idx == HW_FIXED_BASE + 3 && ev->truth_ev == HW_EV_SLOTS) ||
	    !pc->x86->is_armed(pc, ev))
		return false;
	mask = idx_mask(pc, ev->idx);
	*raw = *hw_pmu__counter(&pc->cpu->pmu, (unsigned int)ev->idx);
	delta = (*raw - ev->prev_raw) & mask;
	max = (s64)pc->x86->max_period(pc);
	left = ev->period_left - (s64)delta;
	return left >= 2 && left <= max && ((0 - (u64)left) & mask) == *raw;
}

/*
 * ctx_resched's stops and starts when each event it stops gets its own
 * counter back (a KVM counter resumed: the other events of the types go
 * out and in again; the new ones take free counters), done as
 * is_rearm_plain() says, or false with nothing changed. The starts of new
 * events that follow are left room in the batch (at most 4 accesses each),
 * so that every access fits where it would in the full sequence.
 */
static bool rearm_in_place(struct perf_cpu *pc, unsigned int types, const bool *want,
			   const int *new_idx)
{
	u64 raw[PERF_MAX_EVENTS], cycles;
	u32 n[3] = { 0, 0, 0 }, starts = 0, nr = 0;
	bool nmi = pc->cpu->in_nmi;

	if (!pc->cpu->batch_quiet || pc->rearm_off)
		return false;
	for (int i = 0; i < pc->nr_events; i++) {
		struct perf_event *ev = pc->events[i];

		if (ev->idx < 0) {
			starts += want[i];
			continue;
		}
		if (!want[i] || new_idx[i] != ev->idx)
			return false;		/* a stop or a move */
		if (!(types & sched_type(ev)))
			continue;		/* left alone */
		if (!is_rearm_plain(pc, ev, &raw[i]))
			return false;
		for (int k = 0; k < 3; k++)
			n[k] += ev->rearm_n[nmi][k];
		nr++;
	}
	if (pc->cpu->test_fault == HW_TEST_FAULT_REARM && n[HW_HOST_WRMSR])
		n[HW_HOST_WRMSR]--;	/* planted by the differential test only */
	if (!nr || !hw_cpu__host_quiet_nops(pc->cpu, n, 4 * starts, &cycles))
		return false;
	for (int i = 0; i < pc->nr_events; i++) {
		struct perf_event *ev = pc->events[i];
		u64 delta;

		if (ev->idx < 0 || !(types & sched_type(ev)))
			continue;
		delta = (raw[i] - ev->prev_raw) & idx_mask(pc, ev->idx);
		ev->prev_raw = raw[i];
		ev->count += delta;
		ev->period_left -= (s64)delta;
	}
	pc->overhead_cycles += cycles;
	for (int k = 0; k < 3; k++)
		pc->nr_ops[k] += n[k];
	return true;
}

/*
 * Learn the accesses of a re-arm made in full on counter @idx: the stop's
 * (@start false), then the start's, each counted by pc->nr_ops from
 * @before. A part in which an interrupt was taken (whose handler's accesses
 * count too: an access outside the quiet path runs the engine, which takes
 * what is due), or one past 255 of a kind, leaves nothing learned.
 */
static void rearm_learn(struct perf_cpu *pc, struct perf_event *ev, int idx, bool start,
			const u64 before[3], u64 irqs_before)
{
	bool nmi = pc->cpu->in_nmi, clean = pc->cpu->irqs_taken == irqs_before;
	u8 n[3];

	if (!start) {
		if (ev->rearm_idx != idx) {
			ev->rearm_idx = idx;
			ev->rearm_ok[0] = ev->rearm_ok[1] = false;
		}
		ev->rearm_ok[nmi] = false;	/* counted again */
		ev->rearm_half = clean;
		for (int k = 0; k < 3; k++) {
			u64 d = pc->nr_ops[k] - before[k];

			ev->rearm_half &= d <= 255;
			ev->rearm_stop[k] = (u8)d;
		}
		return;
	}
	if (ev->rearm_idx != idx || !ev->rearm_half || !clean) {
		ev->rearm_half = false;
		return;
	}
	ev->rearm_half = false;
	for (int k = 0; k < 3; k++) {
		u64 d = ev->rearm_stop[k] + (pc->nr_ops[k] - before[k]);

		if (d > 255)
			return;
		n[k] = (u8)d;
	}
	memcpy(ev->rearm_n[nmi], n, sizeof(n));
	ev->rearm_ok[nmi] = true;
}

void perf_resched_types(struct perf_cpu *pc, unsigned int types)
{
	struct plan p;
	bool want[PERF_MAX_EVENTS] = { false }, rearm[PERF_MAX_EVENTS] = { false };
	int new_idx[PERF_MAX_EVENTS];
	/* ctx_resched runs under perf_ctx_lock with IRQs off: a tick (and its
	 * rotation) taken in the middle would reschedule the events it is
	 * moving (found by vpmu check --isolation, seed 8 on default) */
	bool irqs = pc->cpu->intr_enabled;

	pc->cpu->intr_enabled = false;
	perf_update_times(pc);
	make_plan(pc, &p);
	perf_cpu__exec(pc, pc->costs.sched);
	for (int i = 0; i < pc->nr_events; i++)
		new_idx[i] = -1;
	for (int k = 0; k < p.n; k++) {
		want[p.ev[k]->id] = true;
		new_idx[p.ev[k]->id] = p.assign[k];
	}
	perf_pmu_disable(pc);
	/* done in place, the re-arms leave nothing to stop: the loops below
	 * start the new events */
	if (types && rearm_in_place(pc, types, want, new_idx))
		types = 0;
	for (int i = 0; i < pc->nr_events; i++) {
		struct perf_event *ev = pc->events[i];
		u64 before[3], irqs0 = pc->cpu->irqs_taken;

		if (ev->idx >= 0 && (!want[i] || new_idx[i] != ev->idx || (types & sched_type(ev)))) {
			/* (learned from a plain one only: see is_rearm_plain) */
			rearm[i] = want[i] && new_idx[i] == ev->idx &&
				   ev->state == PERF_STATE_ACTIVE && !ev->throttled;
			memcpy(before, pc->nr_ops, sizeof(before));
			stop_event(pc, ev);
			if (rearm[i])
				rearm_learn(pc, ev, new_idx[i], false, before, irqs0);
		}
		if (!want[i] && ev->state == PERF_STATE_ACTIVE)
			ev->state = PERF_STATE_INACTIVE;
	}
	for (int i = 0; i < pc->nr_events; i++) {
		struct perf_event *ev = pc->events[i];
		u64 before[3], irqs0 = pc->cpu->irqs_taken;

		if (want[i] && ev->idx < 0) {
			memcpy(before, pc->nr_ops, sizeof(before));
			start_event(pc, ev, new_idx[i]);
			if (rearm[i])
				rearm_learn(pc, ev, new_idx[i], true, before, irqs0);
		}
		if (want[i])
			ev->state = PERF_STATE_ACTIVE;
	}
	perf_pmu_enable(pc, irqs);
	check_after(pc, "a reschedule");
}

/* ---- the API ---------------------------------------------------------------- */

/* perf_event_open(): a frequency above the current max_sample_rate and a
 * period with bit 63 set are -EINVAL. */
static bool is_valid_attr(const struct perf_cpu *pc, const struct perf_attr *a)
{
	return (a->type == PERF_TYPE_HARDWARE || a->type == PERF_TYPE_RAW) &&
	       !(a->freq && !a->sample_freq) && !(a->freq && a->sample_period) &&
	       !(a->freq && a->sample_freq > pc->max_sample_rate) &&
	       !(a->sample_period >> 63);
}

int perf_event__create(struct perf_cpu *pc, const struct perf_attr *attr,
		       struct perf_event *group_leader, struct perf_event **out)
{
	struct perf_event *ev;
	int ret;

	*out = NULL;
	if (!is_valid_attr(pc, attr) || (group_leader && !is_leader(group_leader)))
		return -PERF_EINVAL;
	if (pc->nr_events == PERF_MAX_EVENTS)
		return -PERF_ENOSPC;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -PERF_ENOSPC;
	/* perf_event_alloc and friends; __x86_pmu_event_init reserves the
	 * hardware before x86_pmu_hw_config, and a refused config destroys
	 * the event (hw_perf_event_destroy) */
	perf_cpu__exec(pc, reserve_cost(pc));
	ev->attr = *attr;
	ev->leader = group_leader ? group_leader : ev;
	ev->idx = -1;
	ev->rearm_idx = -1;
	ev->id = pc->nr_events;
	ev->state = attr->disabled ? PERF_STATE_OFF : PERF_STATE_INACTIVE;
	/* perf_event_alloc: a frequency event starts with a period of 1. */
	ev->sample_period = attr->freq ? 1 : attr->sample_period;
	ret = pc->x86->hw_config(pc, ev);
	/* Linux 7.0: no !exclude_guest event while a mediated VM exists
	 * (mediated_pmu_account_event, in perf_event_alloc after the PMU's
	 * event_init: the event is destroyed, releasing its reservation) */
	if (!ret && pc->nr_mediated && !attr->exclude_guest)
		ret = -PERF_EOPNOTSUPP;
	if (ret) {
		perf_cpu__exec(pc, unreserve_cost(pc));
		free(ev);
		return ret;
	}
	perf_update_times(pc);
	ev->truth_snap = truth_of(pc->cpu, ev);
	/* hwc->freq_time_stamp starts at 0, so the first overflow's time since
	 * it is far past 2 ticks (perf_clock counts from boot): no step */
	ev->freq_tstamp = PERF_NO_TSTAMP;
	pc->events[pc->nr_events++] = ev;
	pc->cpu_pmu_ctx |= !attr->task;
	if (is_leader(ev) && !attr->pinned)
		pc->flex_order[pc->nr_flex++] = ev->id;
	perf_plan_changed(pc);
	perf_resched_types(pc, resched_types_of(ev));	/* __perf_install_in_context */
	*out = ev;
	return 0;
}

void perf_event__enable(struct perf_cpu *pc, struct perf_event *ev)
{
	perf_cpu__exec(pc, pc->costs.enable);
	/* "Detached SIBLING events cannot leave ERROR state" */
	if (ev->state >= PERF_STATE_INACTIVE ||
	    (ev->state == PERF_STATE_ERROR && ev->cap_sibling && ev->leader == ev))
		return;
	perf_update_times(pc);
	ev->state = PERF_STATE_INACTIVE;
	perf_resched_types(pc, resched_types_of(ev));	/* __perf_event_enable */
}

/*
 * __perf_event_disable (kernel/events/core.c): the event (a leader: with
 * its group) is scheduled out and set OFF under perf_pmu_disable /
 * perf_pmu_enable with IRQs off; IRQs come back after, so an interrupt
 * taken then (a tick's rotation) sees it OFF and leaves it out. Unlike
 * __perf_event_enable there is no ctx_resched: an event waiting for a
 * counter gets the freed one at the next resched or rotation.
 */
static void event_disable(struct perf_cpu *pc, struct perf_event *ev)
{
	bool irqs = pc->cpu->intr_enabled;

	if (ev->state < PERF_STATE_INACTIVE)
		return;
	perf_update_times(pc);
	pc->cpu->intr_enabled = false;
	perf_pmu_disable(pc);
	for (int i = 0; i < pc->nr_events; i++) {
		struct perf_event *m = pc->events[i];

		if (m != ev && m->leader != ev)
			continue;	/* (a member disabled: itself alone) */
		if (m->idx >= 0)
			stop_event(pc, m);
		if (m->state == PERF_STATE_ACTIVE)
			m->state = PERF_STATE_INACTIVE;
	}
	ev->state = PERF_STATE_OFF;
	perf_pmu_enable(pc, irqs);
	check_after(pc, "a disable");
}

void perf_event__disable(struct perf_cpu *pc, struct perf_event *ev)
{
	perf_cpu__exec(pc, pc->costs.pause);
	event_disable(pc, ev);
}

static bool has_members(const struct perf_cpu *pc, const struct perf_event *ev)
{
	for (int i = 0; i < pc->nr_events; i++)
		if (pc->events[i] != ev && pc->events[i]->leader == ev)
			return true;
	return false;
}

/*
 * A leader released with its group (perf_event_release_kernel ->
 * perf_remove_from_context(DETACH_GROUP), kernel/events/core.c): only the
 * leader is scheduled out (event_sched_out, under perf_pmu_disable with
 * IRQs off); perf_group_detach makes each sibling a group of its own, in
 * the state it was in (an ACTIVE one keeps its counter and counts on),
 * added to the context's groups with a new group_index: a flexible one
 * goes to the end of the rotation order. A topdown metric cannot stand
 * alone (PERF_EV_CAP_SIBLING): it is scheduled out and put in ERROR
 * (__event_disable(..., ERROR) in Linux 7.0; perf_remove_sibling_event
 * before), and added to the groups like the others; no enable takes it
 * out of ERROR (_perf_event_enable). No resched follows.
 */
static void release_leader(struct perf_cpu *pc, struct perf_event *ev)
{
	bool irqs = pc->cpu->intr_enabled;

	perf_update_times(pc);
	pc->cpu->intr_enabled = false;
	perf_pmu_disable(pc);
	if (ev->idx >= 0)
		stop_event(pc, ev);
	ev->state = PERF_STATE_OFF;
	for (int i = 0; i < pc->nr_events; i++) {
		struct perf_event *m = pc->events[i];

		if (m == ev || m->leader != ev)
			continue;
		m->leader = m;
		if (m->cap_sibling) {
			if (m->idx >= 0)
				stop_event(pc, m);
			m->state = PERF_STATE_ERROR;
		}
		if (!m->attr.pinned)
			pc->flex_order[pc->nr_flex++] = m->id;
	}
	perf_plan_changed(pc);
	perf_pmu_enable(pc, irqs);
	check_after(pc, "a group's release");
}

/* Released events stay in the table (ids are indexes) as OFF and ungrouped:
 * a released member leaves its group, a released leader's members become
 * groups of their own (release_leader). perf_event_release_kernel schedules
 * the event out itself (perf_remove_from_context): its cost is the
 * release's, with no pause of its own (KVM releases an event it paused
 * just before, pmc_release_perf_event after pmc_pause_counter). */
void perf_event__release(struct perf_cpu *pc, struct perf_event *ev)
{
	if (is_leader(ev) && has_members(pc, ev)) {
		release_leader(pc, ev);
	} else {
		event_disable(pc, ev);
		if (!is_leader(ev)) {
			ev->leader = ev;
			perf_plan_changed(pc);
		}
	}
	perf_cpu__exec(pc, pc->costs.release + unreserve_cost(pc));	/* _free_event's destroy */
	ev->released = true;		/* no longer blocks a mediated PMU */
	ev->state = PERF_STATE_OFF;
}

void perf_event__read(struct perf_cpu *pc, struct perf_event *ev)
{
	perf_update_event(pc, ev);
	perf_update_times(pc);
}

void perf_event__values(const struct perf_cpu *pc, const struct perf_event *ev,
			struct perf_values *v)
{
	u64 dt = pc->cpu->now - pc->tstamp;

	v->count = ev->count;
	if (ev->state == PERF_STATE_ACTIVE && ev->idx >= 0 && ev->idx < PERF_IDX_METRIC_BASE)
		v->count += (*hw_pmu__counter(&pc->cpu->pmu, (unsigned int)ev->idx) -
			     ev->prev_raw) & idx_mask(pc, ev->idx);
	v->enabled = ev->enabled + (is_time_enabled(pc, ev) ? dt : 0);
	v->running = ev->running + (ev->state == PERF_STATE_ACTIVE && is_time_enabled(pc, ev) ?
				    dt : 0);
	v->truth = ev->truth + (is_user_enabled(pc, ev) ? truth_of(pc->cpu, ev) - ev->truth_snap : 0);
}

u64 perf_scale(u64 count, u64 enabled, u64 running)
{
	if (!running)
		return 0;
	if (running >= enabled)
		return count;
	return mul_div_floor(count, enabled, running);
}

u64 perf_event__scaled(const struct perf_event *ev)
{
	return perf_scale(ev->count, ev->enabled, ev->running);
}

/* perf_event_period refuses a period of 0, a frequency above
 * max_sample_rate and (either) bit 63, before anything runs.
 * __perf_event_period: the new period from a reset (period_left 0); an
 * active event is stopped and started again (RELOAD) with the PMU disabled,
 * a throttled one unthrottled (its counter was stopped already). */
int perf_event__set_period(struct perf_cpu *pc, struct perf_event *ev, u64 period)
{
	bool irqs = pc->cpu->intr_enabled;

	if (!period || period >> 63 || (ev->attr.freq && period > pc->max_sample_rate))
		return -PERF_EINVAL;
	perf_cpu__exec(pc, pc->costs.period);
	if (ev->attr.freq) {
		ev->attr.sample_freq = period;	/* the rate; the period adapts to it */
	} else {
		ev->attr.sample_period = period;
		ev->sample_period = period;
	}
	ev->period_left = 0;
	if (ev->state != PERF_STATE_ACTIVE || ev->idx >= PERF_IDX_METRIC_BASE)
		return 0;
	pc->cpu->intr_enabled = false;		/* under the context's lock, IRQs off */
	perf_pmu_disable(pc);
	if (!ev->throttled)
		pc->x86->disable_event(pc, ev);	/* x86_pmu_stop(PERF_EF_UPDATE) */
	perf_update_event(pc, ev);
	ev->period_left = 0;			/* what the read left is dropped */
	perf_unthrottle(pc, ev);
	perf_set_period(pc, ev);		/* x86_pmu_start(PERF_EF_RELOAD) */
	pc->x86->enable_event(pc, ev);
	perf_pmu_enable(pc, irqs);
	check_after(pc, "a period change");
	return 0;
}

/* Has @task events here (a perf context), or with @pinned pinned groups
 * (in ctx->pinned_groups, whatever their state)? */
static bool has_task_events(const struct perf_cpu *pc, int task, bool pinned)
{
	for (int i = 0; task && i < pc->nr_events; i++)
		if (!pc->events[i]->released && pc->events[i]->attr.task == task &&
		    (!pinned || pc->events[i]->leader->attr.pinned))
			return true;
	return false;
}

/* perf_event_task_sched_out / _in: a task without a perf context (none of
 * its events here) costs nothing; else its events leave and come in. */
void perf_cpu__switch_task(struct perf_cpu *pc, int task)
{
	int old = pc->current_task;

	perf_update_times(pc);
	pc->current_task = task;
	if (has_task_events(pc, old, false) || has_task_events(pc, task, false))
		/* perf_event_context_sched_in: a task context with pinned
		 * groups flips the CPU context's flexible ones around it */
		perf_resched_types(pc, has_task_events(pc, task, true) ?
				   PERF_SCHED_CPU_FLEXIBLE : 0);
}

/* Metric events (indexes 48..51) all enable PERF_METRICS, GLOBAL_CTRL bit 48.
 * The counters' exclusions are kept by start_event / stop_event; only the
 * metric indexes that hold an event are visited. */
void perf_cpu__guest_get_msrs(const struct perf_cpu *pc, u64 *host, u64 *guest)
{
	u64 on = pc->enabled_mask, no_host = pc->on_idx_no_host, no_guest = pc->on_idx_no_guest;

	for (u64 m = pc->on_idx_used & ~(BIT_ULL(PERF_IDX_METRIC_BASE) - 1); m; m &= m - 1) {
		int idx = __builtin_ctzll(m);
		const struct perf_event *ev = pc->on_idx[idx];
		u64 bit = BIT_ULL(idx < PERF_IDX_METRIC_BASE ? idx : PERF_IDX_METRIC_BASE);

		if (idx >= PERF_IDX_METRIC_BASE)
			on |= bit;
		if (ev->attr.exclude_host)
			no_host |= bit;
		if (ev->attr.exclude_guest)
			no_guest |= bit;
	}
	*host = on & ~no_host;
	*guest = on & ~no_guest;
}

/* ---- a task that migrates to another CPU ----------------------------------- */

/* Take @ev (id i) out of @pc's table; the ids above it move down one. */
static void unlink_event(struct perf_cpu *pc, struct perf_event *ev)
{
	int i = ev->id, k = 0;

	for (int j = i + 1; j < pc->nr_events; j++) {
		pc->events[j - 1] = pc->events[j];
		pc->events[j - 1]->id = j - 1;
	}
	pc->nr_events--;
	for (int f = 0; f < pc->nr_flex; f++)
		if (pc->flex_order[f] != i)
			pc->flex_order[k++] = pc->flex_order[f] - (pc->flex_order[f] > i);
	pc->nr_flex = k;
	perf_plan_changed(pc);
}

static bool is_movable(const struct perf_event *ev, int task)
{
	return ev->attr.task == task && !ev->released && ev->leader == ev && ev->idx < 0;
}

int perf_cpu__move_task(struct perf_cpu *from, struct perf_cpu *to, int task)
{
	int n = 0;

	if (from->current_task == task || to->current_task == task)
		return -PERF_EINVAL;	/* only a task that is not running moves */
	for (int i = 0; i < from->nr_events; i++)
		n += is_movable(from->events[i], task);
	if (to->nr_events + n > PERF_MAX_EVENTS)
		return -PERF_ENOSPC;
	perf_update_times(from);	/* times only: no register is touched */
	perf_update_times(to);
	for (int i = 0; i < from->nr_events;) {
		struct perf_event *ev = from->events[i];

		if (!is_movable(ev, task)) {
			i++;
			continue;
		}
		unlink_event(from, ev);
		ev->id = to->nr_events;
		ev->truth_snap = truth_of(to->cpu, ev);	/* its truth goes on here */
		to->events[to->nr_events++] = ev;
		if (!ev->attr.pinned)
			to->flex_order[to->nr_flex++] = ev->id;
		perf_plan_changed(to);
	}
	/* no resched on either CPU: the task's events are not on counters, and
	 * the old CPU's PMU is not this CPU's to touch (its time is its own);
	 * they are scheduled in when the task runs on @to */
	return 0;
}

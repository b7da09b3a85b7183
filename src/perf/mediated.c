/*
 * perf/mediated.c - the perf side of the mediated vPMU as merged in Linux
 * 7.0 (research/vpmu-design.md section 2):
 *  - perf_create_mediated_pmu() fails with -EBUSY while any !exclude_guest
 *    event exists; while a mediated VM exists, creating a !exclude_guest
 *    event fails with -EOPNOTSUPP (perf_event__create());
 *  - perf_load_guest_context() schedules the exclude_guest events out
 *    (EVENT_GUEST) and starts the guest clock, which their enabled time
 *    skips; perf_put_guest_context() schedules them back in;
 *  - x86 perf_load_guest_lvtpc() moves PMIs to vector 0xf5 with the guest's
 *    mask bit; perf_put_guest_lvtpc() moves them back to NMI.
 */
#include "hw/msr.h"
#include "perf/internal.h"

int perf_cpu__create_mediated_pmu(struct perf_cpu *pc)
{
	for (int i = 0; i < pc->nr_events; i++)
		if (!pc->events[i]->released && !pc->events[i]->attr.exclude_guest)
			return -PERF_EBUSY;
	pc->nr_mediated++;
	return 0;
}

void perf_cpu__release_mediated_pmu(struct perf_cpu *pc)
{
	if (pc->nr_mediated)
		pc->nr_mediated--;
}

/* Whether a context the switch walks has a live event: the CPU's, and the
 * current task's (cpuctx->task_ctx); ctx_sched_out/in return at once on
 * ctx->nr_events 0, so there is no walk (the profile's sched) without.
 * Another task's events are in its own context, not walked. */
static bool has_events(const struct perf_cpu *pc)
{
	for (int i = 0; i < pc->nr_events; i++)
		if (!pc->events[i]->released && perf_is_task_ok(pc, pc->events[i]))
			return true;
	return false;
}

/*
 * perf_load/put_guest_context: perf_ctx_disable, the EVENT_GUEST sched-out
 * (load) or sched-in (put), perf_ctx_enable. perf_ctx_disable/enable walk
 * the context's pmu contexts: the x86 PMU's is there while an event is, and
 * for good after a CPU-wide one (perf_cpu.cpu_pmu_ctx); with neither,
 * nothing is touched. The load's enable runs before guest_ctx_loaded is set
 * and writes GLOBAL_CTRL like any (KVM writes 0 right after it).
 */
static void guest_switch(struct perf_cpu *pc)
{
	bool irqs = pc->cpu->intr_enabled;

	if (has_events(pc)) {
		perf_resched(pc);
	} else if (pc->cpu_pmu_ctx) {
		pc->cpu->intr_enabled = false;
		perf_pmu_disable(pc);
		perf_pmu_enable(pc, irqs);
	}
}

/* The guest clock starts at the sched-out's time stamp, before the events
 * go out (ctx_sched_out with EVENT_GUEST: update_context_time, then
 * __update_context_guest_time, then the events), so an exclude_guest event
 * loses no running time to the switch; on put it stops before the events
 * come back in (ctx_sched_in with EVENT_GUEST). */
void perf_cpu__load_guest_context(struct perf_cpu *pc)
{
	perf_update_times(pc);
	pc->guest_ctx_loaded = true;
	pc->guest_sched_out = true;
	pc->loading_guest = true;	/* blind from the PMU disable on */
	guest_switch(pc);
	pc->loading_guest = false;
	hw_cpu__set_mark(pc->cpu, true);	/* (without one: from here) */
}

void perf_cpu__put_guest_context(struct perf_cpu *pc)
{
	perf_update_times(pc);
	pc->guest_ctx_loaded = false;
	pc->guest_sched_out = false;
	pc->putting_guest = true;	/* blind to the PMU enable */
	guest_switch(pc);
	pc->putting_guest = false;
	hw_cpu__set_mark(pc->cpu, false);
}

void perf_cpu__load_guest_lvtpc(struct perf_cpu *pc, u32 guest_lvtpc)
{
	perf_wrmsr(pc, MSR_X2APIC_LVTPC, APIC_LVT_DM_FIXED | PERF_GUEST_MEDIATED_PMI_VECTOR |
		   (guest_lvtpc & APIC_LVT_MASKED));
	pc->guest_lvtpc_loaded = true;
}

void perf_cpu__put_guest_lvtpc(struct perf_cpu *pc)
{
	perf_wrmsr(pc, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
	pc->guest_lvtpc_loaded = false;
}

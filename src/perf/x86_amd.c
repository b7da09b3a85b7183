/*
 * perf/x86_amd.c - AMD's half of host perf (Linux arch/x86/events/amd/
 * core.c, as research/pmu-arch.md section 2 describes it).
 *
 *  - Generic events: cycles 0x76, instructions 0xc0, branches 0xc2,
 *    branch-misses 0xc3 (the cache events are not modelled by the core).
 *  - Every event may take any counter.
 *  - Host/guest filtering is in the event select: exclude_guest sets
 *    HostOnly, exclude_host sets GuestOnly, both clear USR and OS so the
 *    event counts nothing (amd_core_hw_config).
 *  - PerfMonV2 enables and acknowledges through GlobalCtl / GlobalStatus /
 *    GlobalStatusClr; without it each counter's EN bit is the only enable,
 *    and an overflowed counter is one whose top bit has cleared (perf arms
 *    counters with a negative value).
 */
#include "hw/msr.h"
#include "perf/internal.h"

static u32 ctl_msr(const struct perf_cpu *pc, int idx)
{
	return pc->cpu->pmu.cfg.amd_core ? MSR_F15H_PERF_CTL0 + 2 * (u32)idx
					  : MSR_K7_EVNTSEL0 + (u32)idx;
}

static u32 ctr_msr(const struct perf_cpu *pc, int idx)
{
	return pc->cpu->pmu.cfg.amd_core ? MSR_F15H_PERF_CTR0 + 2 * (u32)idx
					  : MSR_K7_PERFCTR0 + (u32)idx;
}

static int amd_hw_config(const struct perf_cpu *pc, struct perf_event *ev)
{
	const struct perf_attr *a = &ev->attr;
	u64 raw = a->config, event;

	if (a->type == PERF_TYPE_HARDWARE) {
		static const u64 map[] = {
			[PERF_COUNT_HW_CPU_CYCLES] = 0x76,
			[PERF_COUNT_HW_INSTRUCTIONS] = 0xc0,
			[PERF_COUNT_HW_BRANCH_INSTRUCTIONS] = 0xc2,
			[PERF_COUNT_HW_BRANCH_MISSES] = 0xc3,
		};

		if (a->config >= ARRAY_SIZE(map) || !map[a->config])
			return -PERF_EINVAL;
		raw = map[a->config];
	}
	/* masked with AMD64_RAW_EVENT_MASK (x86_pmu_get_event_config), not refused */
	raw &= EVTSEL_EVENT | EVTSEL_UMASK | EVTSEL_EDGE | EVTSEL_INV | EVTSEL_CMASK |
	       AMD64_EVTSEL_EVENT_HI;
	event = (raw & EVTSEL_EVENT) | ((raw & AMD64_EVTSEL_EVENT_HI) >> 24);
	ev->truth_ev = (raw & ~(EVTSEL_EVENT | AMD64_EVTSEL_EVENT_HI)) ? HW_EV_NONE :
		       event == 0x76 ? HW_EV_CYCLES : event == 0xc0 ? HW_EV_INSTRUCTIONS :
		       event == 0xc2 ? HW_EV_BRANCHES : event == 0xc3 ? HW_EV_BRANCH_MISSES :
		       HW_EV_NONE;
	ev->config_hw = raw | EVTSEL_INT;
	if (a->exclude_host && a->exclude_guest) {
		/* neither mode: count nothing */
	} else {
		ev->config_hw |= (a->exclude_user ? 0 : EVTSEL_USR) |
				 (a->exclude_kernel ? 0 : EVTSEL_OS);
		if (a->exclude_host)
			ev->config_hw |= AMD64_EVTSEL_GUESTONLY;
		else if (a->exclude_guest)
			ev->config_hw |= AMD64_EVTSEL_HOSTONLY;
	}
	ev->constraint = pc->cpu->pmu.present;
	return 0;
}

static u64 amd_max_period(const struct perf_cpu *pc)
{
	(void)pc;
	return (1ULL << 47) - 1;
}

static void amd_enable_event(struct perf_cpu *pc, struct perf_event *ev)
{
	perf_wrmsr(pc, ctl_msr(pc, ev->idx), ev->config_hw | EVTSEL_ENABLE);
}

/* (both MSR blocks, K7 and F15H, reach the same select) */
static bool amd_is_armed(const struct perf_cpu *pc, const struct perf_event *ev)
{
	return ev->idx >= 0 && ev->idx < HW_MAX_GP &&
	       pc->cpu->pmu.evtsel[ev->idx] == (ev->config_hw | EVTSEL_ENABLE);
}

/* amd_pmu_wait_on_overflow: outside an NMI, amd_pmu_test_overflow is asked
 * until no overflow of the counter waits for its NMI (one ask here: an
 * overflow's NMI is taken as soon as it is due); inside one it is not
 * (amd_pmu_disable_event, amd_pmu_check_overflow: in_nmi()). The ask reads
 * the counter's top bit (amd_pmu_test_overflow_topbit) or, with PerfMonV2,
 * PerfCntrGlobalStatus (amd_core_pmu_init: amd_pmu_test_overflow_status). */
static void wait_on_overflow(struct perf_cpu *pc, int idx)
{
	if (!pc->cpu->in_nmi)
		(void)perf_rdmsr(pc, pc->cpu->pmu.has_global ? MSR_AMD64_PERF_CNTR_GLOBAL_STATUS :
				 ctr_msr(pc, idx));
}

static void amd_disable_event(struct perf_cpu *pc, struct perf_event *ev)
{
	perf_wrmsr(pc, ctl_msr(pc, ev->idx), ev->config_hw);
	wait_on_overflow(pc, ev->idx);
}

static void amd_write_counter(struct perf_cpu *pc, int idx, u64 val)
{
	perf_wrmsr(pc, ctr_msr(pc, idx), val & pc->cpu->pmu.gp_mask);
}

static u64 amd_read_counter(struct perf_cpu *pc, int idx)
{
	return perf_rdpmc(pc, (u32)idx);
}

/* In cpuc->active_mask: on a counter and not stopped by a throttle
 * (x86_pmu_stop clears the bit; the handlers and the enable and disable
 * loops skip the counter). */
static bool is_active(const struct perf_cpu *pc, int idx)
{
	return pc->on_idx[idx] && !pc->on_idx[idx]->throttled;
}

/* amd_pmu_v2_enable_all, or x86_pmu_enable_all over the active counters. */
static void amd_enable_all(struct perf_cpu *pc)
{
	if (pc->cpu->pmu.has_global)
		perf_wrmsr(pc, MSR_AMD64_PERF_CNTR_GLOBAL_CTL, pc->enabled_mask);
	else
		for (int idx = 0; idx < HW_MAX_GP; idx++)
			if (is_active(pc, idx))
				amd_enable_event(pc, pc->on_idx[idx]);
}

/* amd_pmu_v2_disable_all / amd_pmu_disable_all (x86_pmu_disable_all: each
 * active counter's select read, and written without EN if EN was set),
 * then amd_pmu_check_overflow over the active counters. */
static void amd_disable_all(struct perf_cpu *pc)
{
	if (pc->cpu->pmu.has_global)
		perf_wrmsr(pc, MSR_AMD64_PERF_CNTR_GLOBAL_CTL, 0);
	else
		for (int idx = 0; idx < HW_MAX_GP; idx++) {
			u64 sel;

			if (!is_active(pc, idx))
				continue;
			sel = perf_rdmsr(pc, ctl_msr(pc, idx));
			if (sel & EVTSEL_ENABLE)
				perf_wrmsr(pc, ctl_msr(pc, idx), sel & ~EVTSEL_ENABLE);
		}
	for (int idx = 0; idx < HW_MAX_GP; idx++)
		if (is_active(pc, idx))
			wait_on_overflow(pc, idx);
}

static u64 amd_get_status(struct perf_cpu *pc)
{
	u64 status = 0;

	if (pc->cpu->pmu.has_global)
		return perf_rdmsr(pc, MSR_AMD64_PERF_CNTR_GLOBAL_STATUS);
	/* amd_pmu_handle_irq: a counter armed negative has overflowed once
	 * its top implemented bit is clear. */
	for (int idx = 0; idx < HW_MAX_GP; idx++)
		if (is_active(pc, idx) && !(amd_read_counter(pc, idx) & (1ULL << 47)))
			status |= BIT_ULL(idx);
	return status;
}

static void amd_ack_status(struct perf_cpu *pc, u64 status)
{
	if (pc->cpu->pmu.has_global)
		perf_wrmsr(pc, MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR, status);
}

const struct perf_x86_ops perf_x86_amd_ops = {
	.name = "amd",
	.hw_config = amd_hw_config,
	.max_period = amd_max_period,
	.enable_event = amd_enable_event,
	.disable_event = amd_disable_event,
	.is_armed = amd_is_armed,
	.write_counter = amd_write_counter,
	.read_counter = amd_read_counter,
	.enable_all = amd_enable_all,
	.disable_all = amd_disable_all,
	.get_status = amd_get_status,
	.ack_status = amd_ack_status,
};

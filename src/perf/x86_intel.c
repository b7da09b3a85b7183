/*
 * perf/x86_intel.c - Intel's half of host perf (Linux arch/x86/events/
 * intel/core.c, as the facts in research/pmu-arch.md and vpmu-design.md
 * describe it).
 *
 *  - Generic events map as intel_perfmon_event_map does (cycles 0x003c,
 *    instructions 0x00c0, cache-references 0x4f2e, cache-misses 0x412e,
 *    branches 0x00c4, branch-misses 0x00c5, ref-cycles the fixed-counter-2
 *    pseudo-encoding 0x0300).
 *  - Constraints: instructions and core cycles may take their fixed counter
 *    or any GP counter (intel_pmu_check_event_constraints widens fixed
 *    constraints with the GP mask); ref-cycles (0x0300) and slots (0x0400)
 *    only their fixed counter; the topdown metrics (0x8000..0x8300) the
 *    metric indexes 48..51 and only under a slots leader; the virtual
 *    metrics event of patch 07/13 (0x1100) index 48; anything else any GP
 *    counter.
 *  - Every event has INT set, counting ones too: they are armed with
 *    max_period (the width mask >> 1 with full-width writes, 2^31 - 1
 *    without, since legacy writes sign-extend from bit 31).
 *  - Host/guest filtering is not in the event select on Intel: the GLOBAL_CTRL
 *    values for each mode come from perf_cpu__guest_get_msrs().
 */
#include "hw/msr.h"
#include "perf/internal.h"

static bool has_fixed(const struct perf_cpu *pc, unsigned int k)
{
	return !!(pc->cpu->pmu.present & BIT_ULL(HW_FIXED_BASE + k));
}

static u64 gp_all(const struct perf_cpu *pc)
{
	return pc->cpu->pmu.present & 0xffffffffULL;
}

static int map_hardware(u64 config, u64 *raw)
{
	static const u64 map[] = {
		[PERF_COUNT_HW_CPU_CYCLES] = 0x003c,
		[PERF_COUNT_HW_INSTRUCTIONS] = 0x00c0,
		[PERF_COUNT_HW_CACHE_REFERENCES] = 0x4f2e,
		[PERF_COUNT_HW_CACHE_MISSES] = 0x412e,
		[PERF_COUNT_HW_BRANCH_INSTRUCTIONS] = 0x00c4,
		[PERF_COUNT_HW_BRANCH_MISSES] = 0x00c5,
		[PERF_COUNT_HW_REF_CPU_CYCLES] = PERF_RAW_REF_CYCLES,
	};

	if (config >= ARRAY_SIZE(map) || !map[config])
		return -PERF_EINVAL;
	*raw = map[config];
	return 0;
}

/* The pseudo-encodings with event code 0 (perf_event.h). */
static int pseudo_config(const struct perf_cpu *pc, struct perf_event *ev, u64 raw)
{
	const struct hw_pmu_config *c = &pc->cpu->pmu.cfg;

	switch (raw) {
	case PERF_RAW_REF_CYCLES:
		if (!has_fixed(pc, 2))
			return -PERF_EINVAL;
		ev->constraint = BIT_ULL(HW_FIXED_BASE + 2);
		ev->truth_ev = HW_EV_REF_CYCLES;
		return 0;
	case PERF_RAW_SLOTS:
		if (!has_fixed(pc, 3))
			return -PERF_EINVAL;
		ev->constraint = BIT_ULL(HW_FIXED_BASE + 3);
		ev->truth_ev = HW_EV_SLOTS;
		return 0;
	case PERF_RAW_TD_RETIRING:
	case PERF_RAW_TD_BAD_SPEC:
	case PERF_RAW_TD_FE_BOUND:
	case PERF_RAW_TD_BE_BOUND:
		/* is_topdown_event(): only inside a group led by slots. */
		if (!c->metrics || ev->leader == ev || ev->leader->attr.type != PERF_TYPE_RAW ||
		    ev->leader->attr.config != PERF_RAW_SLOTS)
			return -PERF_EINVAL;
		ev->constraint = BIT_ULL(PERF_IDX_METRIC_BASE + ((raw >> 8) & 0x3));
		ev->cap_sibling = true;
		ev->truth_ev = (enum hw_event[]){ HW_EV_TD_RETIRING, HW_EV_TD_BADSPEC,
			HW_EV_TD_FRONTEND, HW_EV_TD_BACKEND }[(raw >> 8) & 0x3];
		return 0;
	case PERF_RAW_VMETRICS:
		if (!c->metrics)
			return -PERF_EINVAL;
		ev->constraint = BIT_ULL(PERF_IDX_VMETRICS);
		ev->truth_ev = HW_EV_NONE;
		return 0;
	default:
		return -PERF_EINVAL;
	}
}

static int intel_hw_config(const struct perf_cpu *pc, struct perf_event *ev)
{
	const struct perf_attr *a = &ev->attr;
	u64 raw = a->config;
	unsigned int arch;
	bool sampling = a->sample_period || a->freq;

	if (a->type == PERF_TYPE_HARDWARE && map_hardware(a->config, &raw))
		return -PERF_EINVAL;
	/* x86_pmu_get_event_config: the raw config masked with
	 * X86_RAW_EVENT_MASK (event, umask, edge, inv, cmask); other bits
	 * are dropped, not refused */
	raw &= EVTSEL_EVENT | EVTSEL_UMASK | EVTSEL_EDGE | EVTSEL_INV | EVTSEL_CMASK;
	ev->config_hw = raw;
	/* intel_pmu_hw_config's tail: a raw AnyThread (bit 21) is not masked
	 * but refused before PMU version 3, else kept in the config after
	 * perf_allow_cpu (the model's creators are privileged: root, or KVM,
	 * which never passes the bit, reserved for its guests). */
	if (a->type == PERF_TYPE_RAW && (a->config & EVTSEL_ANY)) {
		if (pc->cpu->pmu.cfg.version < 3)
			return -PERF_EINVAL;
		ev->config_hw |= EVTSEL_ANY;
	}
	if (!(raw & EVTSEL_EVENT)) {
		if (sampling && (raw & 0xff00) >= 0x8000)
			return -PERF_EINVAL;	/* metrics cannot sample */
		return pseudo_config(pc, ev, raw);
	}
	ev->truth_ev = hw_pmu__intel_arch_event(raw & EVTSEL_EVENT, (raw & EVTSEL_UMASK) >> 8,
						&arch);
	if (raw & (EVTSEL_EDGE | EVTSEL_INV | EVTSEL_CMASK))
		ev->truth_ev = HW_EV_NONE;	/* counts cycles, not events */
	ev->constraint = gp_all(pc);
	if (raw == 0x00c0 && has_fixed(pc, 0))
		ev->constraint |= BIT_ULL(HW_FIXED_BASE + 0);
	if (raw == 0x003c && has_fixed(pc, 1))
		ev->constraint |= BIT_ULL(HW_FIXED_BASE + 1);
	return ev->constraint ? 0 : -PERF_EINVAL;
}

static u64 intel_max_period(const struct perf_cpu *pc)
{
	if (pc->cpu->pmu.cfg.fw_writes)
		return pc->cpu->pmu.gp_mask >> 1;
	return (1ULL << 31) - 1;
}

static u64 fixed_field(const struct perf_event *ev)
{
	/* intel_pmu_enable_fixed: AnyThread from the config */
	return (ev->attr.exclude_kernel ? 0 : FIXED_CTRL_OS) |
	       (ev->attr.exclude_user ? 0 : FIXED_CTRL_USR) | FIXED_CTRL_PMI |
	       (ev->config_hw & EVTSEL_ANY ? FIXED_CTRL_ANY : 0);
}

/* The select enable_event writes for a general-purpose counter. */
static u64 gp_select(const struct perf_event *ev)
{
	return ev->config_hw | EVTSEL_INT | EVTSEL_ENABLE |
	       (ev->attr.exclude_user ? 0 : EVTSEL_USR) | (ev->attr.exclude_kernel ? 0 : EVTSEL_OS);
}

/* A fixed counter's field goes to the cache only (intel_pmu_enable_fixed,
 * intel_pmu_disable_fixed, 6.1 on): every start and stop happens with the
 * PMU disabled, and intel_enable_all writes the register. */
static void intel_enable_event(struct perf_cpu *pc, struct perf_event *ev)
{
	int idx = ev->idx;

	if (idx >= PERF_IDX_METRIC_BASE)
		return;		/* metrics ride on fixed counter 3 */
	if (idx >= HW_FIXED_BASE) {
		unsigned int k = (unsigned int)idx - HW_FIXED_BASE;

		pc->fixed_ctrl_val = (pc->fixed_ctrl_val & ~(0xfULL << (4 * k))) |
				     fixed_field(ev) << (4 * k);
		return;
	}
	perf_wrmsr(pc, MSR_P6_EVNTSEL0 + (u32)idx, gp_select(ev));
}

static bool intel_is_armed(const struct perf_cpu *pc, const struct perf_event *ev)
{
	const struct hw_pmu *pmu = &pc->cpu->pmu;
	int idx = ev->idx;

	if (idx < 0 || idx >= PERF_IDX_METRIC_BASE)
		return false;
	if (idx >= HW_FIXED_BASE)	/* what the next enable_all writes */
		return (pc->fixed_ctrl_val >> (4 * (idx - HW_FIXED_BASE)) & 0xf) ==
		       fixed_field(ev);
	return idx < HW_MAX_GP && pmu->evtsel[idx] == gp_select(ev);
}

static void intel_disable_event(struct perf_cpu *pc, struct perf_event *ev)
{
	int idx = ev->idx;

	if (idx >= PERF_IDX_METRIC_BASE)
		return;
	if (idx >= HW_FIXED_BASE) {
		pc->fixed_ctrl_val &= ~(0xfULL << (4 * ((unsigned int)idx - HW_FIXED_BASE)));
		return;
	}
	perf_wrmsr(pc, MSR_P6_EVNTSEL0 + (u32)idx, 0);
}

static void intel_write_counter(struct perf_cpu *pc, int idx, u64 val)
{
	const struct hw_pmu *pmu = &pc->cpu->pmu;

	if (idx >= PERF_IDX_METRIC_BASE)
		return;
	if (idx >= HW_FIXED_BASE)
		perf_wrmsr(pc, MSR_CORE_PERF_FIXED_CTR0 + (u32)(idx - HW_FIXED_BASE),
			   val & pmu->fixed_mask);
	else if (pmu->cfg.fw_writes)
		perf_wrmsr(pc, MSR_IA32_PMC0 + (u32)idx, val & pmu->gp_mask);
	else
		perf_wrmsr(pc, MSR_IA32_PERFCTR0 + (u32)idx, val & pmu->gp_mask);
}

static u64 intel_read_counter(struct perf_cpu *pc, int idx)
{
	if (idx >= PERF_IDX_METRIC_BASE)
		return 0;
	if (idx >= HW_FIXED_BASE)
		return perf_rdpmc(pc, (RDPMC_TYPE_FIXED << 16) | (u32)(idx - HW_FIXED_BASE));
	return perf_rdpmc(pc, (u32)idx);
}

/* __intel_pmu_enable_all: FIXED_CTR_CTRL if the cached value changed, then
 * GLOBAL_CTRL = active counters minus the guest-only (exclude_host) ones.
 * (A mediated load and put write FIXED_CTR_CTRL behind the cache, but
 * with every host event scheduled out first, the load's enable writes
 * the cleared value and the put's finds the host's fields changed.) */
static void intel_enable_all(struct perf_cpu *pc)
{
	u64 host, guest;

	if (pc->fixed_ctrl_val != pc->active_fixed_ctrl_val) {
		perf_wrmsr(pc, MSR_CORE_PERF_FIXED_CTR_CTRL, pc->fixed_ctrl_val);
		pc->active_fixed_ctrl_val = pc->fixed_ctrl_val;
	}
	perf_cpu__guest_get_msrs(pc, &host, &guest);
	perf_wrmsr(pc, MSR_CORE_PERF_GLOBAL_CTRL, host);
}

static void intel_disable_all(struct perf_cpu *pc)
{
	perf_wrmsr(pc, MSR_CORE_PERF_GLOBAL_CTRL, 0);
}

static u64 intel_get_status(struct perf_cpu *pc)
{
	return perf_rdmsr(pc, MSR_CORE_PERF_GLOBAL_STATUS);
}

static void intel_ack_status(struct perf_cpu *pc, u64 status)
{
	perf_wrmsr(pc, MSR_CORE_PERF_GLOBAL_OVF_CTRL,
		   status & ~pc->cpu->pmu.global_status_rsvd);
}

const struct perf_x86_ops perf_x86_intel_ops = {
	.name = "intel",
	.hw_config = intel_hw_config,
	.max_period = intel_max_period,
	.enable_event = intel_enable_event,
	.disable_event = intel_disable_event,
	.is_armed = intel_is_armed,
	.write_counter = intel_write_counter,
	.read_counter = intel_read_counter,
	.enable_all = intel_enable_all,
	.disable_all = intel_disable_all,
	.get_status = intel_get_status,
	.ack_status = intel_ack_status,
};

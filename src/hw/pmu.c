/*
 * hw/pmu.c - vendor-neutral parts of the PMU: choosing the ops table,
 * counter slots, the Intel architectural event table and PERF_METRICS.
 *
 * Register semantics live in pmu_intel.c and pmu_amd.c; the counting
 * engine (segments, overflow, PMIs) lives in cpu.c.
 */
#include <stdio.h>
#include <string.h>

#include "base/diag.h"
#include "hw/msr.h"
#include "hw/pmu.h"

/* CPUID.0AH:EBX order; encodings from the selftests' include/x86/pmu.h
 * (research/pmu-arch.md section 1). */
static const struct {
	u8 event, umask;
} intel_arch_events[] = {
	[HW_EV_CYCLES]		= { 0x3c, 0x00 },
	[HW_EV_INSTRUCTIONS]	= { 0xc0, 0x00 },
	[HW_EV_REF_CYCLES]	= { 0x3c, 0x01 },
	[HW_EV_LLC_REFS]	= { 0x2e, 0x4f },
	[HW_EV_LLC_MISSES]	= { 0x2e, 0x41 },
	[HW_EV_BRANCHES]	= { 0xc4, 0x00 },
	[HW_EV_BRANCH_MISSES]	= { 0xc5, 0x00 },
	[HW_EV_SLOTS]		= { 0xa4, 0x01 },
	[HW_EV_TD_BACKEND]	= { 0xa4, 0x02 },
	[HW_EV_TD_BADSPEC]	= { 0x73, 0x00 },
	[HW_EV_TD_FRONTEND]	= { 0x9c, 0x01 },
	[HW_EV_TD_RETIRING]	= { 0xc2, 0x02 },
	[HW_EV_LBR_INSERTS]	= { 0xe4, 0x01 },
};

_Static_assert(ARRAY_SIZE(intel_arch_events) == HW_EV_NR,
	       "one encoding per ground-truth event");

static const char *const event_names[HW_EV_NR] = {
	"cycles", "instructions", "ref-cycles", "llc-refs", "llc-misses",
	"branches", "branch-misses", "slots", "td-backend", "td-bad-spec",
	"td-frontend", "td-retiring", "lbr-inserts",
};

const char *hw_event__name(enum hw_event e)
{
	if (e < 0 || e >= HW_EV_NR)
		return "none";
	return event_names[e];
}

enum hw_event hw_pmu__intel_arch_event(u8 event, u8 umask, unsigned int *arch_idx)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(intel_arch_events); i++) {
		if (intel_arch_events[i].event == event &&
		    intel_arch_events[i].umask == umask) {
			if (arch_idx)
				*arch_idx = i;
			return (enum hw_event)i;
		}
	}
	return HW_EV_NONE;
}

bool hw_pmu__is_arch_event_available(const struct hw_pmu_config *cfg, unsigned int i)
{
	return i < cfg->ebx_len && i < 32 && !(cfg->unavailable & (1U << i));
}

void hw_pmu_config__defaults(struct hw_pmu_config *cfg, enum hw_vendor vendor)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->vendor = vendor;
	cfg->gp_width = 48;
	cfg->fixed_width = 48;
	if (vendor == HW_VENDOR_INTEL) {
		cfg->version = 2;
		cfg->nr_gp = 4;
		cfg->nr_fixed = 3;
		cfg->ebx_len = 7;
	} else {
		cfg->version = 1;
		cfg->nr_gp = AMD64_NUM_COUNTERS;
	}
}

int hw_pmu__init(struct hw_pmu *pmu, const struct hw_pmu_config *cfg,
		 char *err, unsigned long len)
{
	const struct hw_pmu_ops *ops;

	ops = cfg->vendor == HW_VENDOR_AMD ? &hw_pmu_amd_ops : &hw_pmu_intel_ops;
	if (ops->validate(cfg, err, len))
		return VPMU_E_INVAL;
	memset(pmu, 0, sizeof(*pmu));
	pmu->ops = ops;
	pmu->cfg = *cfg;
	ops->refresh(pmu);
	return 0;
}

/*
 * PERF_METRICS: byte 0 retiring, 1 bad speculation, 2 frontend bound,
 * 3 backend bound, each a fraction of 0xff of the slots counted since the
 * metrics were last cleared (byte order from perf's INTEL_PMC_IDX_TD_*,
 * research/pmu-arch.md section 1, not the SDM). The level-2 bytes 4-7 are
 * not derived from counting: they hold what software last wrote.
 */
u64 hw_pmu__perf_metrics(const struct hw_pmu *pmu)
{
	const u64 part[4] = { pmu->td_retiring, pmu->td_badspec,
			      pmu->td_frontend, pmu->td_backend };
	u64 v = pmu->metrics_l2 << 32;

	if (!pmu->td_slots)
		return v;
	for (unsigned int i = 0; i < 4; i++)
		v |= min_u64(mul_div_floor(part[i], 0xff, pmu->td_slots), 0xff) << (8 * i);
	return v;
}

/*
 * A write sets the fractions (perf writes 0 to reset and restores saved
 * non-zero values on context switch: docs/research-findings-2026-11.md
 * question 3). model: the written level-1 fractions stand for 255*k slots,
 * k >= 1 chosen so that they weigh as much as the slots FIXED_CTR3 already
 * shows; the value then reads back exactly and later slots blend in.
 */
void hw_pmu__write_perf_metrics(struct hw_pmu *pmu, u64 val)
{
	u64 k = 1 + pmu->fixed[3] / 0xff;
	u64 *part[4] = { &pmu->td_retiring, &pmu->td_badspec,
			 &pmu->td_frontend, &pmu->td_backend };

	pmu->metrics_l2 = val >> 32;
	pmu->td_slots = (u32)val ? 0xff * k : 0;
	for (unsigned int i = 0; i < 4; i++)
		*part[i] = pmu->td_slots ? ((val >> (8 * i)) & 0xff) * k : 0;
}

int hw_msr__counter_idx(u32 msr, bool *is_counter)
{
	*is_counter = true;
	if (msr >= MSR_IA32_PERFCTR0 && msr < MSR_IA32_PERFCTR0 + INTEL_PMC_MAX_GENERIC)
		return (int)(msr - MSR_IA32_PERFCTR0);
	if (msr >= MSR_IA32_PMC0 && msr < MSR_IA32_PMC0 + INTEL_PMC_MAX_GENERIC)
		return (int)(msr - MSR_IA32_PMC0);
	if (msr >= MSR_CORE_PERF_FIXED_CTR0 && msr < MSR_CORE_PERF_FIXED_CTR0 + INTEL_PMC_MAX_FIXED)
		return HW_FIXED_BASE + (int)(msr - MSR_CORE_PERF_FIXED_CTR0);
	if (msr >= MSR_K7_EVNTSEL0 && msr < MSR_K7_PERFCTR0 + AMD64_NUM_COUNTERS) {
		*is_counter = msr >= MSR_K7_PERFCTR0;
		return (int)((msr - MSR_K7_EVNTSEL0) % AMD64_NUM_COUNTERS);
	}
	if (msr >= MSR_F15H_PERF_CTL0 && msr < MSR_F15H_PERF_CTL0 + 2 * AMD64_NUM_COUNTERS_CORE) {
		*is_counter = (msr - MSR_F15H_PERF_CTL0) & 1;
		return (int)(msr - MSR_F15H_PERF_CTL0) / 2;
	}
	*is_counter = false;
	if (msr >= MSR_P6_EVNTSEL0 && msr < MSR_P6_EVNTSEL0 + INTEL_PMC_MAX_GENERIC)
		return (int)(msr - MSR_P6_EVNTSEL0);
	return -1;
}

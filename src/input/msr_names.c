/*
 * input/msr_names.c - the MSR name table (docs/guest-programs.md section 4).
 *
 * Indexed families take a decimal suffix below their count. Beware the one
 * clash between the two naming schemes: the kernel's MSR_IA32_PMC0 is the
 * full-width alias 0x4C1 (the SDM's IA32_A_PMC0), while the SDM's IA32_PMC0
 * is the legacy 0xC1.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hw/msr.h"
#include "input/msr_names.h"

static const struct {
	const char *name;
	u32 msr;
} fixed_names[] = {
	{ "IA32_PERF_METRICS", MSR_PERF_METRICS },
	{ "MSR_PERF_METRICS", MSR_PERF_METRICS },
	{ "IA32_PERF_CAPABILITIES", MSR_IA32_PERF_CAPABILITIES },
	{ "MSR_IA32_PERF_CAPABILITIES", MSR_IA32_PERF_CAPABILITIES },
	{ "IA32_FIXED_CTR_CTRL", MSR_CORE_PERF_FIXED_CTR_CTRL },
	{ "MSR_CORE_PERF_FIXED_CTR_CTRL", MSR_CORE_PERF_FIXED_CTR_CTRL },
	{ "IA32_PERF_GLOBAL_STATUS", MSR_CORE_PERF_GLOBAL_STATUS },
	{ "MSR_CORE_PERF_GLOBAL_STATUS", MSR_CORE_PERF_GLOBAL_STATUS },
	{ "IA32_PERF_GLOBAL_CTRL", MSR_CORE_PERF_GLOBAL_CTRL },
	{ "MSR_CORE_PERF_GLOBAL_CTRL", MSR_CORE_PERF_GLOBAL_CTRL },
	{ "IA32_PERF_GLOBAL_OVF_CTRL", MSR_CORE_PERF_GLOBAL_OVF_CTRL },
	{ "IA32_PERF_GLOBAL_STATUS_RESET", MSR_CORE_PERF_GLOBAL_OVF_CTRL },
	{ "MSR_CORE_PERF_GLOBAL_OVF_CTRL", MSR_CORE_PERF_GLOBAL_OVF_CTRL },
	{ "IA32_PERF_GLOBAL_STATUS_SET", MSR_CORE_PERF_GLOBAL_STATUS_SET },
	{ "MSR_CORE_PERF_GLOBAL_STATUS_SET", MSR_CORE_PERF_GLOBAL_STATUS_SET },
	{ "IA32_PERF_GLOBAL_INUSE", MSR_CORE_PERF_GLOBAL_INUSE },
	{ "MSR_CORE_PERF_GLOBAL_INUSE", MSR_CORE_PERF_GLOBAL_INUSE },
	{ "IA32_DEBUGCTL", MSR_IA32_DEBUGCTLMSR },
	{ "MSR_IA32_DEBUGCTLMSR", MSR_IA32_DEBUGCTLMSR },
	{ "X2APIC_LVTPC", MSR_X2APIC_LVTPC },
	{ "MSR_AMD64_PERF_CNTR_GLOBAL_STATUS", MSR_AMD64_PERF_CNTR_GLOBAL_STATUS },
	{ "MSR_AMD64_PERF_CNTR_GLOBAL_CTL", MSR_AMD64_PERF_CNTR_GLOBAL_CTL },
	{ "MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR", MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR },
	{ "MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET", MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET },
};

static const struct {
	const char *prefix;
	u32 base;
	u32 stride;
	u32 count;
} indexed_names[] = {
	{ "IA32_PMC", MSR_IA32_PERFCTR0, 1, INTEL_PMC_MAX_GENERIC },
	{ "MSR_IA32_PERFCTR", MSR_IA32_PERFCTR0, 1, INTEL_PMC_MAX_GENERIC },
	{ "MSR_P6_PERFCTR", MSR_IA32_PERFCTR0, 1, 2 },
	{ "IA32_A_PMC", MSR_IA32_PMC0, 1, INTEL_PMC_MAX_GENERIC },
	{ "MSR_IA32_PMC", MSR_IA32_PMC0, 1, INTEL_PMC_MAX_GENERIC },
	{ "IA32_PERFEVTSEL", MSR_P6_EVNTSEL0, 1, INTEL_PMC_MAX_GENERIC },
	{ "MSR_P6_EVNTSEL", MSR_P6_EVNTSEL0, 1, INTEL_PMC_MAX_GENERIC },
	{ "IA32_FIXED_CTR", MSR_CORE_PERF_FIXED_CTR0, 1, INTEL_PMC_MAX_FIXED },
	{ "MSR_CORE_PERF_FIXED_CTR", MSR_CORE_PERF_FIXED_CTR0, 1, INTEL_PMC_MAX_FIXED },
	{ "MSR_K7_EVNTSEL", MSR_K7_EVNTSEL0, 1, AMD64_NUM_COUNTERS },
	{ "MSR_K7_PERFCTR", MSR_K7_PERFCTR0, 1, AMD64_NUM_COUNTERS },
	{ "MSR_F15H_PERF_CTL", MSR_F15H_PERF_CTL0, 2, AMD64_NUM_COUNTERS_CORE },
	{ "MSR_F15H_PERF_CTR", MSR_F15H_PERF_CTR0, 2, AMD64_NUM_COUNTERS_CORE },
};

int msr_name__lookup(const char *name, u32 *msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixed_names); i++) {
		if (!strcasecmp(name, fixed_names[i].name)) {
			*msr = fixed_names[i].msr;
			return 0;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(indexed_names); i++) {
		size_t n = strlen(indexed_names[i].prefix);
		const char *d = name + n;

		/* exactly one decimal digit: no index reaches 10 */
		if (strncasecmp(name, indexed_names[i].prefix, n) || d[0] < '0' ||
		    d[0] > '9' || d[1])
			continue;
		if ((u32)(d[0] - '0') >= indexed_names[i].count)
			continue;
		*msr = indexed_names[i].base + indexed_names[i].stride * (u32)(d[0] - '0');
		return 0;
	}
	return -1;
}

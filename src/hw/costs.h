/*
 * hw/costs.h - what the simulated core's own operations cost, in core cycles,
 * and the ratios that derive reference cycles and topdown slots from cycles.
 *
 * The values come from a cost profile (the profiles/ .ini files, read by
 * input/profile.c), where each one names its source.
 */
#ifndef VPMU__HW_COSTS_H
#define VPMU__HW_COSTS_H

#include "base/util.h"

struct hw_costs {
	u32 cpi_num, cpi_den;	/* cycles per instruction of a loop without cycles= */
	u32 wrmsr;		/* one WRMSR to a PMU MSR */
	u32 rdmsr;		/* one RDMSR of a PMU MSR */
	u32 rdpmc;
	u32 cpuid;
	u32 simple_op;		/* STI, CLI and other one-instruction operations */
	u32 pmi_skid;		/* overflow -> PMI delivery, cycles */
	u32 ref_num, ref_den;	/* reference cycles per core cycle */
	u32 slots_per_cycle;	/* topdown slots per core cycle */
};

#endif /* VPMU__HW_COSTS_H */

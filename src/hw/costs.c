/*
 * hw/costs.c - the default cost table of the simulated core.
 *
 * No PMU-MSR cycle table is published (research/exits-costs.md section 5), so
 * every number here is an ESTIMATE; how each was derived is said beside it.
 * They only decide how many cycles a cycle-counting event sees around an
 * operation; no conformance expectation depends on them beyond the
 * kvm-unit-tests bounds, which they sit well inside.
 */
#include "hw/costs.h"

const struct hw_costs hw_costs_default = {
	/* Estimate: IPC 2 for the kvm-unit-tests loop (a load, an add, seven
	 * NOPs and LOOP per iteration) on a 4-wide core. */
	.cpi_num = 1,
	.cpi_den = 2,
	/* Estimate: ~100 cycles. research/exits-costs.md section 3 infers
	 * 80-150 cycles per PMC WRMSR from Sean Christopherson's EMR figure
	 * (4k -> 3k cycles after eliding up to 12 counter WRMSRs). */
	.wrmsr = 100,
	/* Estimate: "WRMSR is significantly more expensive than RDPMC"
	 * (same source); RDMSR is taken as half a WRMSR. */
	.rdmsr = 50,
	/* Estimate: a third of a WRMSR, per the same remark. */
	.rdpmc = 30,
	/* Estimate: CPUID is serializing; of the order of 100 cycles. */
	.cpuid = 100,
	/* Estimate: a simple instruction retires in about one cycle. */
	.simple_op = 1,
	/* Bare metal default: the PMI is raised at the overflow cycle. Cost
	 * profiles set a real skid. */
	.pmi_skid = 0,
	/* Estimate: core clock equal to the TSC (no turbo). */
	.ref_num = 1,
	.ref_den = 1,
	/* perf's pre-Ice Lake topdown formulas take SLOTS = 4 * core cycles
	 * (4-wide allocation); used here for every model until a profile
	 * says otherwise. */
	.slots_per_cycle = 4,
};

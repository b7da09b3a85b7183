/*
 * perf/costs.c - default costs of perf's software paths, in core cycles.
 * Register accesses are charged separately from hw/costs.c. Cost profiles
 * (issue 4) replace these per CPU. ESTIMATES unless a source is named.
 */
#include "perf/perf.h"

const struct perf_costs perf_costs_default = {
	/* Estimate: NMI entry, the handler's dispatch and IRET; no published
	 * figure was found (research/exits-costs.md section 5). */
	.nmi_entry = 1000,
	/* Estimate: the perf part of a tick without register accesses. */
	.tick = 500,
	/* Estimate: one ctx_sched_in/out walk over a handful of groups. */
	.sched = 300,
	/* Wei Wang, "Intel Virtual PMU Optimization" (2018): reconfiguring a
	 * vPMU counter through perf_event took ~2,500,000 ns against ~400 ns
	 * with direct MSR writes on an E5-2699 v4 (2.2 GHz): ~5.5M cycles for
	 * a release + create; split evenly here (the split is an estimate). */
	.create = 2750000,
	.release = 2750000,
	/* Estimates: perf_event_pause / _period / _enable take the context
	 * lock and touch one event: a few thousand cycles. */
	.pause = 2000,
	.period = 1000,
	.enable = 2000,
	/* perf_event_mux_interval_ms defaults to 4 ms, and Debian's kernels
	 * use HZ=250 (a 4 ms tick): one tick does both jobs here. At the
	 * default 2.5 GHz core clock (an estimate) that is 10M cycles. */
	.tick_cycles = 10000000,
	.cycles_per_sec = 2500000000ULL,
};

/*
 * sim/isolation.c - see isolation.h. Scenarios are drawn from the seed, so
 * a check is reproducible; each run is a full sim__run without its
 * baseline.
 */
#include <stdio.h>
#include <string.h>

#include "base/rng.h"
#include "sim/isolation.h"

static const enum kvm_exit_reason exit_pool[] = {
	EXIT_MSR_WRITE_TIMER, EXIT_PREEMPTION_TIMER, EXIT_HLT, EXIT_IO, EXIT_EPT_VIOLATION,
	EXIT_EPT_MISCONFIG, EXIT_CPUID, EXIT_VMCALL, EXIT_APIC_WRITE,
};

static const char *const host_sessions[] = {
	"stat -a -e cycles:H,instructions:H,r00c4:H",
	"stat -a -e r00c4:H,r00c5:H,r4f2e:H,r412e:H,r013c:H",
	"record -a -F 1000 -e cycles:H",
	"record -a -c 200000 -e instructions:H,branches:H",
};

void sim__random_scenario(u64 seed, unsigned int host_gp, struct scenario *sc)
{
	struct rng r;
	struct guest_workload *g = &sc->guest;
	unsigned int col;
	char why[128];

	memset(sc, 0, sizeof(*sc));
	rng__seed(&r, seed * 0x9e3779b97f4a7c15ULL + 1);
	snprintf(sc->name, sizeof(sc->name), "random-%llu", (unsigned long long)seed);
	snprintf(sc->about, sizeof(sc->about), "a random guest and host perf session");
	g->work_minsns = 10 + rng__below(&r, 30);
	g->cpi_milli = 400 + (u32)rng__below(&r, 1200);
	g->kernel_pct = (u32)rng__below(&r, 60);
	g->hz = (u32[]){ 100, 250, 1000 }[rng__below(&r, 3)];
	g->perf = rng__chance(&r, 1, 2) ? GUEST_PERF_RECORD : GUEST_PERF_STAT;
	g->perf_events = 1 + (unsigned int)rng__below(&r, host_gp + 2);	/* some multiplex */
	g->perf_freq = g->perf == GUEST_PERF_RECORD ? 100 + (u32)rng__below(&r, 4000) : 0;
	for (size_t i = 0; i < sizeof(exit_pool) / sizeof(exit_pool[0]); i++)
		if (rng__chance(&r, 1, 2))
			g->exits_per_sec[exit_pool[i]] = (u32)rng__below(&r, 20000);
	sc->has_host_perf = !perf_spec__parse(host_sessions[rng__below(&r, 4)], &sc->host_perf,
					       &col, why, sizeof(why));
	sc->host_tasks = (unsigned int)rng__below(&r, 3);
	sc->slice_us = 500 + (u32)rng__below(&r, 4000);
}

int sim__isolation_row(const struct profile *prof, unsigned int nr_seeds, struct iso_row *row,
		       char *err, size_t len)
{
	static struct scenario sc;
	struct sim_metrics m;

	for (unsigned int s = 1; s <= nr_seeds; s++) {
		struct sim_config c = {
			.prof = prof, .sc = &sc, .kind = row->kind, .policy = row->policy,
			.route = row->route, .seed = s, .no_baseline = true,
		};

		sim__random_scenario(s, prof->pmu.nr_gp, &sc);
		if (sim__run(&c, &m, err, len))
			return -1;
		row->runs++;
		row->leaked_events += m.leaked_events;
		row->residue_reads += m.residue_reads;
		row->misattributed_pmis += m.misattributed_pmis;
		row->lost_counts += m.lost_counts;
	}
	return 0;
}

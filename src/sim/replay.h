/*
 * sim/replay.h - a real exit trace (or table) replayed on the host model:
 * each vCPU's exit stream becomes guest run spans and exits of one vCPU on
 * its own single-vCPU machine, or all vCPUs together on a host of several
 * pCPUs (sim/host.h: one VM, the trace's vCPUs), under one
 * vPMU kind, policy and PMI route. The trace gives the exits, the guest
 * time between them and, where it has timestamps and @trace_costs is set,
 * each exit's handler cost (its exit-to-entry time on the user's host);
 * the profile gives everything a trace cannot show (VM-entry/exit, PMU
 * switch sequences, MSR costs); the scenario gives the guest's PMU use and
 * the host's perf sessions and tasks.
 *
 * Units: the trace's nanoseconds become cycles at the profile's core clock.
 */
#ifndef VPMU__SIM_REPLAY_H
#define VPMU__SIM_REPLAY_H

#include "input/trace_mix.h"
#include "sim/run.h"

struct replay_input {
	const struct trace_mix *m;		/* the inputs, read once */
	const char *const *paths;		/* to read again if m did not keep all */
	int nr_paths;
	const struct trace_reader_ops *ops;
	bool skip_bad;
	u32 guest_ns;		/* guest time before an exit where the input has none */
	bool trace_costs;	/* exit-to-entry times as handler costs */
};

/* What the replay fed the machine: the input's exits by model reason. */
struct replay_fed {
	u64 exits[EXIT_NR];
	u64 total;
	u64 trace_cost;		/* of them, with the trace's handler cost */
	u64 guest_from_trace;	/* of them, with the trace's guest time */
};

/* Run vCPU @vcpu of @in under @c (c->sc is the scenario whose exit rates
 * the trace replaces; c->no_baseline is honoured: the caller may run the
 * vPMU-none baseline itself). 0, or -1 with @err. */
int sim_replay__vcpu(const struct replay_input *in, u32 vcpu, const struct sim_config *c,
		     struct sim_metrics *m, struct replay_fed *fed, char *err, size_t len);

/* The inputs' vCPUs that have exits, at most SCENARIO_MAX_VCPUS of them: their
 * indexes in the inputs into @idx; how many. */
unsigned int sim_replay__host_vcpus(const struct replay_input *in, u32 *idx);
/* All of them at once on a host of @pcpus pCPUs (0: one each, pinned; fewer:
 * round robin, time-sliced, migrating) as one VM: the host's metrics into @m,
 * each vCPU's into @rep (rep->vcpu[i] is input vCPU idx[i]) and @fed[i]
 * (c->no_baseline as for sim_replay__vcpu). 0, or -1 with @err. */
int sim_replay__host(const struct replay_input *in, unsigned int pcpus,
		     const struct sim_config *c, struct sim_metrics *m,
		     struct sim_host_report *rep, struct replay_fed *fed, char *err, size_t len);

#endif /* VPMU__SIM_REPLAY_H */

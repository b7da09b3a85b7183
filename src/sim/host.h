/*
 * sim/host.h - a host of several pCPUs running several VMs' vCPU threads
 * (a scenario with [vm.NAME] sections or [host] pcpus > 1; docs/scenarios.md).
 *
 * Each pCPU has its own core (hw/: clock, PMU, LVTPC), its own host perf
 * context with the scenario's session (`perf ... -a` counts on every CPU)
 * and its own host tasks. Each vCPU thread is a coroutine (base/coro.h)
 * running KVM's run loop and its guest; it stays on its pCPU (pinned, or
 * placed round robin; no migration), and the pCPU's scheduler runs its
 * threads and its host tasks in turn, a slice each: a thread whose slice
 * is up is scheduled out at need_resched in vcpu_run (the policy's put),
 * the next thread takes the pCPU (its load), and the host tasks run once
 * each round.
 *
 * One discrete-event loop drives the pCPUs in simulated-time order: it
 * always resumes the pCPU whose clock is lowest, which runs until its clock
 * reaches the earliest cycle another pCPU could affect it (guest code stops
 * there; host work between two VM-entries is not split): with IPIs, the
 * earliest next send of another pCPU's guest to one of its vCPUs (the
 * guest's ipi_bound, or that pCPU's clock if later) plus the profile's
 * ipi_delivery, so that no IPI reaches a vCPU in guest mode past its
 * arrival (one that comes while its target handles an exit is injected at
 * the next entry, as KVM does); with [host]
 * quantum_us instead a fixed lookahead past the lowest other clock, and an
 * IPI that reaches a target in guest mode past its arrival is taken at once
 * and counted late; with threads that can migrate also a quarter slice, so
 * that an idle pCPU sees a waiting thread in time. Without IPIs or
 * migration the pCPUs never interact and run unbounded. A halted vCPU's thread sleeps until its timer or an IPI; a
 * pCPU with no thread to run runs its host tasks or idles.
 *
 * Metrics: per vCPU (its own run loop and guest), per VM (its vCPUs
 * together: sums of counts, percentiles over all their samples), per pCPU
 * (host cycles, what host perf saw, vCPU switches), and for the host
 * (everything together; wall_cycles is the makespan, until the last vCPU
 * finished). The scheduler's own log counts each time a thread took and
 * left its pCPU.
 */
#ifndef VPMU__SIM_HOST_H
#define VPMU__SIM_HOST_H

#include "sim/run.h"
#include "sim/shadow.h"

struct sim_vcpu_report {
	char vm[24];
	unsigned int index;		/* in its VM */
	unsigned int pcpu;
	u64 took, left;			/* the scheduler's log: times the thread took and
					 * left its pCPU (start and end included) */
	u64 migrations;			/* times an idle pCPU pulled it over */
	struct sim_metrics m;		/* its run loop and guest (no host part) */
	u64 isolation_diffs;		/* with a shadow: its differences */
	u64 isolation_by[SIM_DIFF_NR];	/* ... by kind (sim/shadow.h) */
	u64 isolation_reads, late_status, skewed_status;
	u64 ipis_left;			/* still on their way or pending at its end */
	char isolation_first[160];
};

struct sim_pcpu_report {
	unsigned int threads;		/* vCPU threads placed on it */
	u64 host_cycles, blind_cycles;
	double host_blind_pct;
	u64 task_cycles;		/* its host tasks' slices */
	u64 idle_cycles;		/* no thread could run (the idle loop) */
	u64 pulls;			/* threads it pulled from other pCPUs when idle */
	u64 vcpu_switches;		/* from one vCPU thread to another */
	int nr_host_events;
	struct sim_host_event host_events[PERF_SPEC_MAX];
};

struct sim_host_report {
	unsigned int nr_vcpus, nr_vms, nr_pcpus;
	u64 quantum_cycles;		/* a fixed lookahead; UINT64_MAX: none */
	bool ipi_lookahead;		/* bound by the guests' next IPIs instead */
	struct sim_vcpu_report vcpu[SCENARIO_MAX_VCPUS];
	struct sim_metrics vm[SCENARIO_MAX_VMS];
	struct sim_pcpu_report pcpu[SCENARIO_MAX_PCPUS];
};

/*
 * Run @c's host scenario under @kind (@c->kind is not looked at: the
 * baseline passes vPMU none). Fills @m with the host-wide metrics and, if
 * @rep is not NULL, the per-vCPU, per-VM and per-pCPU ones. Returns 0, or -1
 * with @err.
 */
int sim__run_host(const struct sim_config *c, const struct kvm_vpmu_ops *kind,
		  struct sim_metrics *m, struct sim_host_report *rep, char *err, size_t len);

#endif /* VPMU__SIM_HOST_H */

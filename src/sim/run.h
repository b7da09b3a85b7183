/*
 * sim/run.h - one experiment: a scenario on a cost profile under one vPMU
 * kind (and policy and PMI routing) with one seed, and its metrics
 * (DESIGN.md section 8), each measured against the simulator's ground
 * truth. The overhead is measured against the same scenario and seed under
 * vPMU "none".
 */
#ifndef VPMU__SIM_RUN_H
#define VPMU__SIM_RUN_H

#include "input/profile.h"
#include "input/scenario.h"
#include "kvm/vcpu.h"

/* The vPMU-none baseline of one scenario, profile, seed and PMI route,
 * computed by the first sim__run() that is given it (or by sim__baseline)
 * and reused by the others (vpmu compare's rows). Zero-initialise; the
 * inputs must not change while it is in use, and runs on several threads
 * may share it only once it is valid. */
struct sim_baseline {
	bool is_valid;
	const struct profile *prof;
	const struct scenario *sc;
	u64 seed;
	enum kvm_pmi_route route;
	bool no_skip;
	u64 wall_cycles;
};

/*
 * A window of the measured run's run-loop trace (kvm_vcpu_trace), for the
 * timeline plot: the events whose cycle, counted from the guest's start,
 * falls in [from, from + len), and the state at the window's start.
 */
struct sim_tl_event {
	u64 cycle;		/* from the window's start */
	u8 ev;			/* enum kvm_trace_ev */
	u16 arg;
};

struct sim_timeline {
	u64 from, len;		/* the window, in cycles from the guest's start */
	u64 start;		/* the guest's start (pCPU cycle) */
	bool in_guest, irqs_off, loaded;	/* the state at the window's start */
	bool full;		/* events past the cap were dropped */
	size_t n;
	struct sim_tl_event ev[4096];
};

struct sim_config {
	const struct profile *prof;
	const struct scenario *sc;
	const struct kvm_vpmu_ops *kind;
	const struct kvm_policy_ops *policy;	/* mediated; the others ignore it */
	enum kvm_pmi_route route;
	u64 seed;
	bool no_baseline;	/* skip the vPMU-none run (no guest_overhead_pct) */
	bool no_skip;		/* mediated: write every counter on load (before v6 34/44) */
	struct sim_baseline *baseline;	/* NULL: run the baseline here */
	struct sim_timeline *timeline;	/* NULL: none; else filled from the run */
	/* a host scenario (scenario__is_host): */
	struct sim_host_report *host_report;	/* NULL: none; else per vCPU, VM, pCPU */
	bool shadow;		/* check each vCPU's guest against a shadow PMU */
	/* per vCPU of the host (in VM order), an outside exit stream in place of
	 * its guest's rates (a replayed trace's vCPU); NULL, or NULL entries:
	 * the scenario's */
	const struct guest_exit_source *const *vcpu_src;
	/* the guest's exit stream is a replayed input's, whose interrupt exits
	 * are the traced host's interrupts (its ticks among them): the model's
	 * host tick does not interrupt guest mode, it is taken at the next
	 * VM-exit (hw_cpu.tick_skips_guest; the one-vCPU machine only) */
	bool input_irqs;
};

struct sim_pct {
	u64 p50, p90, p99, max, n;
	/* for perf-kvm-stat tables and plots (report/): the smallest value, the
	 * sum, the sample standard deviation, and the 0th, 5th, ..., 100th
	 * percentiles (nearest rank) */
	u64 min, sum;
	double sd;
	u64 cdf[21];
};

struct sim_metrics {
	char scenario[48], vpmu[16], policy[16], pmi[8], cpu[32];
	enum hw_vendor vendor;
	u64 seed;
	u64 wall_cycles, wall_cycles_none;
	double guest_overhead_pct;
	u64 exits_total, exits[EXIT_NR], fastpath_exits;
	u64 fastpath_left;		/* handled on the fastpath, left it for a request */
	u64 fastpath_handled;		/* taken by a fastpath handler (not printed) */
	u64 reprograms, reprogram_cycles;	/* KVM_REQ_PMU reprogram_counter calls */
	u64 perf_event_releases;	/* kvm_pmu_cleanup */
	u64 retired_emulated;		/* guest instructions KVM completed */
	u64 preemptions, host_task_cycles;	/* over-commit: the other tasks' slices */
	unsigned int guest_counters;	/* counters the guest's perf driver found */
	char guest_driver[16];
	struct sim_pct exit_latency, exit_latency_fastpath, exit_latency_full;
	struct sim_pct exit_latency_by[EXIT_NR];
	u64 loads, puts, switch_cycles;
	u64 switch_accesses;		/* KVM's PMU register accesses in them */
	u64 host_cycles, blind_cycles;
	double host_blind_pct;
	struct sim_pct host_irqoff;
	struct sim_pct pmi_latency;
	struct sim_pct pmi_handler;	/* the guest's PMI handler's wall time */
	u64 guest_pmis, pmis_dropped, pmis_merged;
	u64 guest_samples;		/* overflows the guest's perf handled */
	double guest_count_error_pct;	/* < 0: the guest counted nothing */
	double host_count_error_pct;	/* < 0: no host perf session */
	u64 misattributed_pmis, unclaimed_nmis;
	u64 leaked_events, residue_reads, lost_counts;
	/* the scenario's host perf events as perf read them, beside ground
	 * truth (has_truth false: an event the model has no truth for) */
	struct sim_host_event {
		char name[48];
		u64 count, enabled, running, truth;
		bool has_truth;
	} host_events[PERF_SPEC_MAX];
	int nr_host_events;
	/* a host of several vCPUs (sim/host.h); all 0 for one vCPU */
	unsigned int nr_vcpus, nr_vms, nr_pcpus;
	u64 vcpu_switches;		/* a pCPU went from one vCPU thread to another */
	u64 preemption_cycles;		/* the vCPU threads' own cycles in being
					 * scheduled out and in (kvm_vcpu_stats) */
	u32 core_mhz;			/* the profile's, for rates a second */
	u64 ipis_sent, ipis_received, ipis_merged, ipi_kicks, ipis_late;
	u64 halts, halted_cycles;	/* HLTs that put the thread to sleep */
	struct sim_pct ipi_latency;	/* sender's ICR write -> the target's handler */
	u64 isolation_diffs;		/* with sim_config.shadow: the shadows' findings */
};

/* ---- shared by sim/run.c and sim/host.c ---- */
void sim__pct(struct hist *h, struct sim_pct *p);
/* The vCPU statistics' part of the metrics. */
void sim__stats_metrics(struct kvm_vcpu_stats *st, struct sim_metrics *m);
/* A pCPU: its core, host perf (interrupts, tick), the NMI watchdog if the
 * scenario has it, and the scenario's host session into @hev / @nr_hev.
 * @sys is the host's x86 PMU state its pCPUs share (NULL: a host of one). */
int sim__start_pcpu(struct hw_cpu *cpu, struct perf_cpu *pc, struct perf_system *sys,
		    struct perf_event **hev, int *nr_hev, const struct profile *p,
		    const struct scenario *sc, char *err, size_t len);
/* A host perf session (@sp) opened on @pc as the perf tool opens it: its
 * group leaders created disabled, then enabled once all are open; the
 * events into @hev, their number into @nr_hev. */
int sim__start_host_session(struct perf_cpu *pc, const struct perf_spec *sp,
			    struct perf_event **hev, int *nr_hev, char *err, size_t len);
/* |count scaled by enabled/running - truth| / truth, in percent (0 without truth). */
double sim__count_error_pct(u64 count, u64 enabled, u64 running, u64 truth);
/* @g's perf events' errors added to @sum, their number to @n. */
void sim__guest_errors(const struct guest_result *g, double *sum, unsigned int *n);
/* @pc's @nr host events (the session) added, event by event, to m->host_events
 * (pCPUs of a host add up); then their error from the sums. */
void sim__add_host_events(const struct perf_cpu *pc, struct perf_event *const *hev, int nr,
			  struct sim_metrics *m);
void sim__host_count_error(struct sim_metrics *m);
/* KVM's costs for a run of @sc on @p: the profile's, with the handler
 * costs an `[exits] from` input gives (what its exit-to-entry times leave
 * after sim__exit_fixed_cycles). */
void sim__kvm_costs(const struct profile *p, const struct scenario *sc, struct kvm_costs *kc);
/* The model's own cycles around a handler of @r: VM-exit, VM-entry, the
 * outer loop unless @r stays in the fastpath (a HLT that sleeps leaves it),
 * the VMM for userspace exits. A trace's exit-to-entry time less these is
 * the handler's. */
u64 sim__exit_fixed_cycles(const struct kvm_costs *kc, enum kvm_exit_reason r,
			   enum hw_vendor vendor);
/* A pCPU's host and blind cycles at the guest's start (sim__host_mark):
 * what host perf's setup took before it (creating events is slow: [perf]
 * create) is not part of the run the blind share describes. */
struct sim_host_mark {
	u64 host_cycles, blind_cycles;
};
void sim__host_mark(const struct hw_cpu *cpu, struct sim_host_mark *mark);
/* A pCPU's host part since @mark, added to what @m has (host cycles, blind
 * cycles, the APIC's dropped and merged PMIs, leaked events). */
void sim__host_cpu_metrics(const struct hw_cpu *cpu, const struct sim_host_mark *mark,
			   struct sim_metrics *m);

/* Returns 0, or -1 with @err (e.g. the mediated PMU refused by host perf);
 * either way @m names the configuration (scenario, vPMU, policy, route,
 * profile, seed), so that a failed run can be reported by them. */
int sim__run(const struct sim_config *c, struct sim_metrics *m, char *err, size_t len);
/* The baseline @c needs (its scenario, profile, seed, route, no_skip under
 * vPMU none), run now into @b: what sim__run() computes when c->baseline is
 * not yet valid, so that callers can compute baselines ahead (on several
 * threads). 0, or -1 with @err and @b unchanged. */
int sim__baseline(const struct sim_config *c, struct sim_baseline *b, char *err, size_t len);
/*
 * Whether @m, the metrics of a mediated irqoff run (of one vCPU or a host),
 * are also those of the exit policy's run of the same configuration:
 * kvm/vcpu.c puts and loads for the two at the same points (a put at the
 * exit, a load at the entry) in every exit but one a fastpath handler
 * takes, and nothing else looks at the policy, so a run in which no vCPU's
 * exit took one is the exit run step for step, and
 * sim__metrics_as_exit() makes @m that run's (its policy's name). Callers
 * that run both use it to run the second only where it differs
 * (tests/unit/test_replay.c runs both and compares).
 */
bool sim__is_exit_as_irqoff(const struct sim_metrics *m);
void sim__metrics_as_exit(struct sim_metrics *m);
/* Whether @ex is the exit-policy twin of @irq, a mediated irqoff
 * configuration: all the same but the policy, as far as these fields go
 * (the caller compares the scenario, seed and input it runs them on). */
bool sim__is_exit_twin(const struct sim_config *irq, const struct sim_config *ex);
/* The name of an exit reason in reports: the vendor's trace name, made
 * unique where two reasons print alike (TSC-deadline writes apart). */
const char *sim__exit_name(enum kvm_exit_reason r, enum hw_vendor vendor);

#endif /* VPMU__SIM_RUN_H */

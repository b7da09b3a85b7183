/*
 * sim/isolation.h - `vpmu check --isolation`: random guests, exit mixes and
 * host perf sessions under every vPMU kind, policy and PMI routing, checked
 * against ground truth that does not come from KVM:
 *  - each guest's reads against a shadow bare-metal PMU (sim/shadow.h):
 *    over- and under-counts on GP and fixed counters, status and config
 *    differences, #GP disagreements, PMIs lost or not the guest's;
 *  - each host perf event against the core's ground truth of its event in
 *    its modes: more than the truth is a leak into the host; less only by
 *    what kernel work perf itself ran (its handler runs with the PMU off)
 *    and, mediated, the host cycles with a guest context loaded - both
 *    IPC-1 kernel work without branches, so for branch events the floor
 *    is the truth itself; a multiplexed event gets no floor.
 *
 * Each row also runs its first seed's random guest as a host of two VMs of
 * two vCPUs sharing two pCPUs (sim/host.h), each vCPU against its own
 * shadow: guest to guest, one VM's counts, status or selects must not show
 * in the other's reads.
 *
 * The guests are op streams drawn from the seed that drive the vPMU
 * directly (CPUID, event selects, fixed control, GLOBAL_CTRL, counter
 * writes, RDPMC / RDMSR reads, status clears, their own PMI handler, work
 * at CPL 0 and 3, workload exits), on Intel and AMD alike. A seed gives the
 * same run everywhere.
 */
#ifndef VPMU__SIM_ISOLATION_H
#define VPMU__SIM_ISOLATION_H

#include "sim/run.h"
#include "base/rng.h"
#include "sim/shadow.h"

struct iso_row {
	const struct kvm_vpmu_ops *kind;
	const struct kvm_policy_ops *policy;
	enum kvm_pmi_route route;
	unsigned int first_seed;	/* seeds first_seed.. (0: from 1) */
	unsigned int runs;
	bool unsupported;		/* the host cannot run this kind */
	u64 reads;			/* guest reads compared with the shadow */
	u64 gp_reads, fixed_reads;	/* ... of counters that had counted something */
	u64 diff[SIM_DIFF_NR];		/* the guests' differences, by kind */
	u64 host_over, host_under;	/* host perf events off their ground truth */
	u64 host_checked;		/* host events checked */
	u64 misattributed_pmis;		/* NMI routing: PMIs given to the wrong owner */
	u64 late_status, skewed_status;	/* status differences accounted for by rule
					 * (sim/shadow.h), not failures */
	char first[192];		/* the first difference, where it arose */
};

/* ---- shared with sim/interleave.c ---- */
struct iso_machine {
	struct hw_cpu cpu;
	struct perf_cpu pc;
	struct kvm_vcpu v;
	struct perf_event *hev[PERF_SPEC_MAX];
	int nr_hev;
	struct sim_shadow sh;
};

/* A pCPU, its host perf with a session drawn from @r, a vCPU of @row's
 * combination whose guest request is drawn from @r, and its shadow.
 * Returns 0, 1 when the host cannot run the kind, -1 with @err. */
int sim__iso_build(struct iso_machine *m, const struct profile *p, const struct iso_row *row,
		   struct rng *r, char *err, size_t len);
void sim__iso_teardown(struct iso_machine *m);
/* The host events against ground truth, and the shadow's findings, into @row. */
void sim__iso_check_host(struct iso_machine *m, struct iso_row *row, unsigned int seed);
void sim__iso_add_run(struct iso_machine *m, struct iso_row *row, unsigned int seed);

/* A random scenario for @seed: the guest, its exits, a host perf session
 * whose events exclude the guest (so a mediated PMU can be created), and
 * sometimes other host tasks sharing the pCPU. */
void sim__random_scenario(u64 seed, unsigned int host_gp, struct scenario *sc);
/* Run @nr_seeds seeds (from row->first_seed) under @row's combination on @prof, adding to @row.
 * Returns 0 (row->unsupported when the host cannot run the kind), or -1
 * with @err on a setup failure. */
int sim__isolation_row(const struct profile *prof, unsigned int nr_seeds, struct iso_row *row,
		       char *err, size_t len);
/* The differences that fail a row: every guest and host difference and
 * every misattributed PMI, under either routing. (NMI routing loses a PMI
 * that skids past a put or a load - its known flaw - but at the profiles'
 * skid none does, and an exemption once hid every guest PMI lost under the
 * exit policy; the interleavings check, which places PMIs inside the
 * switches on purpose, counts those apart.) */
u64 sim__isolation_failures(const struct iso_row *row);

#endif /* VPMU__SIM_ISOLATION_H */

/*
 * sim/isolation.h - `vpmu check --isolation`: random guests, exit mixes and
 * host perf sessions under every vPMU kind, policy and PMI routing, with the
 * isolation metrics summed per combination. A correct combination has all
 * four at zero.
 */
#ifndef VPMU__SIM_ISOLATION_H
#define VPMU__SIM_ISOLATION_H

#include "sim/run.h"

struct iso_row {
	const struct kvm_vpmu_ops *kind;
	const struct kvm_policy_ops *policy;
	enum kvm_pmi_route route;
	unsigned int runs;
	u64 leaked_events, residue_reads, misattributed_pmis, lost_counts;
};

/* A random scenario for @seed: the guest, its exits, a host perf session
 * whose events exclude the guest (so a mediated PMU can be created), and
 * sometimes other host tasks sharing the pCPU. */
void sim__random_scenario(u64 seed, unsigned int host_gp, struct scenario *sc);
/* Run @nr_seeds random scenarios under @row's combination on @prof. */
int sim__isolation_row(const struct profile *prof, unsigned int nr_seeds, struct iso_row *row,
		       char *err, size_t len);

#endif /* VPMU__SIM_ISOLATION_H */

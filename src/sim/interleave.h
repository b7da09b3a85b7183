/*
 * sim/interleave.h - `vpmu check --interleavings`: every point of a
 * policy's put and load sequence, each with a host PMI, a guest counter
 * overflow's PMI and a host timer interrupt landing there.
 *
 * The sequence is what the host does between one VM-exit and the next
 * VM-entry of a userspace exit (the path every policy loads and puts on,
 * the lazy one when the host wants the PMU): a dry run counts its host
 * register accesses (hw/cpu.h on_host_access). Point 0 is at the
 * VM-exit, point k (1..n) right after access k - 1, point n + 1 right
 * after the VM-entry: across VM-exit and VM-entry too. At each:
 *  - host PMI: a host counter overflows there while host perf's events are
 *    in; while they are out, the PMI of one that overflowed when they were
 *    last in lands there if that is within the profile's skid (latched as
 *    an NMI), else the point is unreachable for a host PMI (counted apart);
 *  - guest overflow: a guest counter wrapped before the exit and its PMI's
 *    skid ends there (the skid is set so);
 *  - host timer: the tick becomes due there (taken when IF allows).
 * Each run is checked as `--isolation` checks (sim/shadow.h and the host's
 * ground truth), and a PMI must reach its owner exactly once: with vector
 * routing a misattributed or unclaimed PMI fails the point, with NMI
 * routing it is counted as a misattribution (that routing cannot tell).
 */
#ifndef VPMU__SIM_INTERLEAVE_H
#define VPMU__SIM_INTERLEAVE_H

#include "sim/isolation.h"

enum ilv_event { ILV_HOST_PMI, ILV_GUEST_OVERFLOW, ILV_HOST_TIMER, ILV_NR };

struct ilv_row {
	const struct kvm_vpmu_ops *kind;	/* mediated (or a mutant in tests) */
	const struct kvm_policy_ops *policy;
	enum kvm_pmi_route route;
	unsigned int ops;		/* host register accesses in the sequence */
	u64 explored;			/* interleavings run */
	u64 unreachable;		/* host PMIs no overflow could deliver there */
	u64 failed[ILV_NR];		/* ... with a count crossing an owner, a loss,
					 * or a PMI not reaching its owner once */
	u64 misattributed[ILV_NR];	/* NMI routing: PMIs to the wrong owner */
	bool alone_fails;		/* the sequence fails with nothing injected */
	char first[288];		/* the first failure: event, point, what */
};

const char *ilv_event__name(enum ilv_event e);
/* Explore @row's combination on @prof. Returns 0, 1 when the host cannot
 * run the kind, or -1 with @err. */
int sim__interleavings(const struct profile *prof, struct ilv_row *row, char *err, size_t len);

#endif /* VPMU__SIM_INTERLEAVE_H */

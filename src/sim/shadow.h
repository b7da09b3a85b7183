/*
 * sim/shadow.h - isolation against ground truth: a shadow bare-metal PMU per
 * guest. The shadow is the core's own register model (hw/, struct hw_cpu)
 * configured with the guest's CPUID after KVM's reduction and fed only what
 * the guest itself did, in guest order: its guest-mode work, its PMU MSR
 * writes that KVM accepted, its LVTPC, and the instructions KVM emulated
 * for it (one retired instruction each, kvm_pmu_instruction_retired). It
 * never sees host work, KVM's saved copies or the hardware's state.
 *
 * Every guest read of a PMU MSR or RDPMC is compared with what the shadow
 * returns for it: counters (GP and fixed, both vendors), event selects,
 * fixed control, GLOBAL_CTRL and GLOBAL_STATUS. A counter that reads more
 * than the shadow is an over-count (host events, or another owner's state,
 * leaked in), less an under-count (guest events lost). PMIs: each PMI the
 * shadow's APIC accepted must reach the guest, and a PMI the guest takes
 * must follow one (vector routing: exactly once to its owner).
 *
 * Rules, not tolerances (kvm/pmu.h lists the deviations KVM keeps):
 *  - the shadow's version and widths are the reduced CPUID's, so the
 *    version cap and width limits are not differences;
 *  - a mediated vPMU passes the counters through, so they wrap at the
 *    host's widths even when the guest's CPUID is narrower (KVM intercepts
 *    only RDPMC then, v6 vmx_recalc_pmu_msr_intercepts): the shadow counts
 *    at the host's widths, RDMSR returns all of it and RDPMC the guest's
 *    width of it; an emulated instruction counts at the guest's width, with
 *    the high bits dropped and a wrap there (kvm_pmu_incr_counter masks
 *    with pmc_bitmask; kvm/pmu.h);
 *  - emulated instructions count as instructions (and nothing else, as
 *    kvm_pmu_incr_counter does), not as cycles;
 *  - PMI timing: a PMI reaches the guest after skid plus the exit and
 *    injection path; PMIs are compared by count between guest PMIs, not by
 *    cycle: a guest PMI must follow a PMI bare metal raised, or find an
 *    overflow of a PMI-enabled counter in bare metal's status (bare metal
 *    merges close requests, a vPMU may deliver them apart);
 *  - an emulated vPMU sets a status bit when the host takes the overflow's
 *    PMI (kvm_perf_overflow): a status read that lacks only bits while the
 *    pCPU still has an NMI pending is late, not wrong (counted apart);
 *  - an emulated vPMU re-arms a running counter's event on a guest write
 *    with a period from its offset base (pmc_write_counter ->
 *    pmc_update_sample_period, kvm/pmu.h deviations): its overflow point
 *    moves until KVM next pauses the event, so the overflow may be flagged
 *    late, never, or early. A guest write to counter i that KVM reports as
 *    skewed (kvm_pmu__skewed_periods, read for this rule only)
 *    opens a window for status bit i; a status read that differs only in
 *    bits of open windows is counted apart (skewed_status), and bit i's
 *    window closes when the guest clears bit i once KVM's period is no
 *    longer skewed (both then hold 0 and count to the same wrap). The same
 *    skew can move or lose the counter's PMI; PMIs get no such rule (none
 *    differed in 400 seeds on every profile), so one would be reported;
 *  - LVTPC reads are not compared (KVM masks reserved bits instead of
 *    faulting, and masks on injection rather than on acceptance);
 *  - KVM's write rules that bare metal lacks (shadow.c on_write, each with
 *    its kernel source): P6/K7 MSRs of counters the guest lacks drop a
 *    write, an AMD select drops the bits of KVM's reserved mask (HostOnly
 *    and GuestOnly among them) and never faults, and Intel's
 *    GLOBAL_OVF_CTRL faults on the v4 resets KVM does not emulate.
 *
 * Units: cycles are the shadow's (guest-mode) cycles.
 */
#ifndef VPMU__SIM_SHADOW_H
#define VPMU__SIM_SHADOW_H

#include "kvm/vcpu.h"

#define SIM_SHADOW_DIFFS	6	/* differences kept with their text */

enum sim_diff_kind {
	SIM_DIFF_OVER,		/* a counter read more than bare metal */
	SIM_DIFF_UNDER,		/* ... less */
	SIM_DIFF_STATUS,	/* GLOBAL_STATUS differs */
	SIM_DIFF_CONFIG,	/* an event select, fixed control or GLOBAL_CTRL differs */
	SIM_DIFF_FAULT,		/* KVM and bare metal disagree on #GP */
	SIM_DIFF_PMI_SPURIOUS,	/* the guest took a PMI that was not its own */
	SIM_DIFF_PMI_LOST,	/* a PMI of the guest's never reached it */
	SIM_DIFF_NR,
};

struct sim_shadow {
	struct hw_cpu cpu;		/* bare metal as the guest configured it */
	struct kvm_vcpu *v;
	u64 gp_read_mask, fixed_read_mask;	/* the guest's widths */
	u64 ops;			/* guest accesses seen (for "where") */
	u64 reads;			/* compared reads */
	u64 late_status;		/* status reads short of an overflow whose PMI the
					 * pCPU had not taken yet (emulated; by rule) */
	u64 skew_window;		/* status bits that may differ: a counter written while
					 * KVM's period was skewed (emulated; by rule) */
	u64 skewed_status;		/* status reads that differed only there */
	u64 accepted_seen;		/* shadow PMIs accepted as of the guest's last PMI */
	u64 n[SIM_DIFF_NR];
	unsigned int nr_text;
	char text[SIM_SHADOW_DIFFS][160];
};

/* Shadow @v's guest (after kvm_vcpu__init, before kvm_vcpu__start).
 * Returns 0, or -1 with @err if the reduced CPUID is not one the core
 * model accepts. */
int sim_shadow__attach(struct sim_shadow *s, struct kvm_vcpu *v, char *err, size_t len);
/* At the end of the run (after the guest's last reads): PMIs still owed. */
void sim_shadow__finish(struct sim_shadow *s);
u64 sim_shadow__total(const struct sim_shadow *s);
const char *sim_diff__name(enum sim_diff_kind k);

#endif /* VPMU__SIM_SHADOW_H */

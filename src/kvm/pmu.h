/*
 * kvm/pmu.h - KVM's virtual PMU of one vCPU: the guest-visible registers as
 * KVM emulates them (arch/x86/kvm/pmu.c, vmx/pmu_intel.c, svm/pmu.c, as
 * research/pmu-arch.md section 4 describes them), and the vPMU kinds behind
 * them:
 *  - none:     the guest has no PMU (CPUID 0AH / 0x80000022 report nothing);
 *  - emulated: every PMU MSR access exits; each guest counter is backed by a
 *              pinned exclude_host host perf event (perf/), reprogrammed as
 *              reprogram_counter() does, overflowing through the perf
 *              callback into KVM_REQ_PMI;
 *  - mediated: the guest's state is loaded into the hardware PMU around
 *              guest execution (kvm_mediated_pmu_load/put, pmu_mediated.c),
 *              with the counters passed through and the selectors
 *              intercepted (research/vpmu-design.md section 1).
 *
 * Counter indexes are the global ones of hw/pmu.h (GP from 0, fixed from 32),
 * which are KVM's pmc->idx too.
 *
 * Deviations from hardware that the model keeps because KVM has them (each is
 * cited where it is implemented): the advertised version is capped at 2 (a
 * larger one that userspace sets is kept but emulated as v2); AnyThread is
 * reserved; fixed-counter writes are masked, not #GP; P6/K7 MSRs without a
 * counter read 0 and drop writes; PERF_METRICS, GLOBAL_STATUS_SET and
 * GLOBAL_INUSE do not exist; FREEZE_PERFMON_ON_PMI is not emulated; AMD
 * event selects drop HostOnly/GuestOnly; the virtual LVTPC masks reserved
 * bits instead of faulting.
 *
 * Deviations of the emulated vPMU from bare metal that come from KVM's own
 * code paths (found by vpmu check --isolation, accounted for by rule in
 * sim/shadow.h):
 *  - a guest write to a counter whose backing event is running re-arms the
 *    event with a period computed from the offset base, not from the value
 *    written (pmc_write_counter: pmc->counter += val - pmc_read_counter(),
 *    then pmc_update_sample_period -> perf_event_period(get_sample_period(
 *    pmc, pmc->counter)); perf_event_period restarts the period from now
 *    without resetting the event's count). With C events counted since the
 *    event was last paused, KVM's overflow comes C events late (the
 *    counter wraps with no status bit; if a reprogram pauses the event
 *    first, pmc_pause_counter recomputes the period from the folded count
 *    and that wrap is never flagged, since it only detects overflows of
 *    emulated events), or early when C exceeds the value written (a status
 *    bit and PMI for a counter that has not wrapped: "if the guest writes
 *    '0' to an active counter, ... quickly overflow", Sean Christopherson
 *    on the pmc_write_counter series, May 2023). The window closes at the
 *    next pmc_pause_counter; kvm_pmu__skewed_periods() tells which are open;
 *  - the status bit of an overflow perf detected is set when the host takes
 *    the overflow's NMI (kvm_perf_overflow), not when the counter wraps.
 *
 * Mediated vPMU and a guest counter width below the host's (decided from
 * v6 as merged, Linux 7.0; the model follows it, nothing is "fixed" here):
 * the counter MSRs below the guest's counts pass through whatever the
 * widths (vmx_recalc_pmu_msr_intercepts: intercept = !has_mediated_pmu for
 * i < nr_arch_gp/fixed_counters, no width condition; likewise svm), so the
 * hardware counts, wraps and overflows (status bit, PMI) at the host's
 * width, a guest RDMSR shows the high bits and a guest WRMSR may set them;
 * KVM_PMU's own paths use the guest's width (pmc_bitmask from the guest
 * CPUID): RDPMC exits when the widths differ (kvm_need_rdpmc_intercept) and
 * kvm_pmu_rdpmc masks the value put saved (the put itself stores the full
 * rdpmc value, kvm_pmu_put_guest_pmcs), an emulated instruction does
 * counter = (counter + 1) & pmc_bitmask (kvm_pmu_incr_counter: the high
 * bits are dropped and a wrap at the guest's width sets status and raises
 * the PMI), and intercepted writes mask (pmc_write_counter). So a narrow
 * guest matches neither bare metal at its width nor at the host's; the
 * isolation shadow models exactly this (sim/shadow.h), and
 * tests/conformance/intel_v4_fw_width40_mediated.vpmu shows it.
 */
#ifndef VPMU__KVM_PMU_H
#define VPMU__KVM_PMU_H

#include "base/util.h"
#include "hw/cpu.h"
#include "hw/pmu.h"
#include "perf/perf.h"

#define KVM_MAX_GP_INTEL	8
#define KVM_MAX_GP_AMD		6
#define KVM_MAX_FIXED		3	/* Linux 7.0 */
#define KVM_MAX_FIXED_TOPDOWN	4	/* the posted Topdown series, mediated only */
#define KVM_PMU_VERSION_CAP	2	/* kvm_init_pmu_capability: the advertised version */

struct kvm_pmu;

/* What KVM compares of an eventsel to tell the event it counts
 * (pmc_is_event_match: AMD64_RAW_EVENT_MASK_NB, on both vendors): event
 * bits 7:0 and 35:32 and the unit mask. */
#define KVM_PMC_EVENT_MASK	(EVTSEL_EVENT | EVTSEL_UMASK | AMD64_EVTSEL_EVENT_HI)

struct kvm_pmc {
	struct kvm_pmu *pmu;
	unsigned int idx;
	u64 counter;		/* emulated: base to which perf's count is added */
	u64 emulated_counter;	/* instructions/branches KVM emulated, not yet folded */
	u64 eventsel;		/* what the guest wrote */
	u64 eventsel_hw;	/* mediated: what the hardware gets */
	struct perf_event *perf_event;
	u64 perf_base;		/* perf count already folded into counter */
	u64 current_config;
	bool is_paused;
	bool is_period_skewed;	/* emulated: see kvm_pmu__skewed_periods */
	bool intr;		/* emulated: the PMI bit as the last create saw it
				 * (pmc->intr, set in pmc_reprogram_counter) */
	/* mediated: the host's MSRs of its counter and select (0: none, a
	 * fixed counter) and its RDPMC ECX (set by kvm_pmu__init) */
	u32 hw_ctr_msr, hw_sel_msr, hw_ecx;
	/* what kvm_pmu__instruction_retired needs of vendor->pmc_setup(), kept
	 * with the register it was derived from (eventsel, or the counter's
	 * FIXED_CTR_CTRL field; pmc_setup reads nothing else) */
	bool setup_kept, setup_on, setup_no_kernel, setup_no_user;
	u64 setup_ev;		/* the eventsel's KVM_PMC_EVENT_MASK bits */
	u64 setup_key;
};

struct kvm_pmu;

enum kvm_msr_result {
	KVM_MSR_OK = 0,
	KVM_MSR_GP,		/* inject #GP */
};

struct kvm_vpmu_ops {
	const char *name;
	bool has_pmu;
	bool is_mediated;	/* the guest context is loaded into the PMU */
	/* The counter's current value as the guest reads it (unmasked). */
	u64 (*read_counter)(struct kvm_pmu *pmu, struct kvm_pmc *pmc);
	/* pmc_write_counter: set what the guest will read. */
	void (*write_counter)(struct kvm_pmu *pmu, struct kvm_pmc *pmc, u64 val);
	/* KVM_REQ_PMU: apply a changed configuration of counter @pmc; non-zero
	 * when it failed (the counter stays marked and is retried at the next
	 * KVM_REQ_PMU, as reprogram_counter's caller does). */
	int (*reprogram)(struct kvm_pmu *pmu, struct kvm_pmc *pmc);
	/* kvm_pmu_cleanup: release the perf event of a counter unused for a
	 * time slice (NULL: nothing to release). */
	void (*release)(struct kvm_pmu *pmu, struct kvm_pmc *pmc);
	/* Does a guest access to @msr exit? RDPMC when @msr is 0. */
	bool (*is_intercepted)(const struct kvm_pmu *pmu, u32 msr);
	bool (*is_rdpmc_intercepted)(const struct kvm_pmu *pmu);
	/* Mediated context switch (NULL for the others). */
	void (*load)(struct kvm_pmu *pmu);
	void (*put)(struct kvm_pmu *pmu);
};

extern const struct kvm_vpmu_ops kvm_vpmu_none_ops;
extern const struct kvm_vpmu_ops kvm_vpmu_emulated_ops;
extern const struct kvm_vpmu_ops kvm_vpmu_mediated_ops;
/* All of them, NULL-terminated, and one by name (NULL if none). */
extern const struct kvm_vpmu_ops *const kvm_vpmu_kinds[];
const struct kvm_vpmu_ops *kvm_vpmu__by_name(const char *name);

/* The vendor half (KVM's struct kvm_pmu_ops): vmx/pmu_intel.c, svm/pmu.c. */
struct kvm_pmu_vendor_ops {
	const char *name;
	/* Reduce the requested CPUID to the host's and KVM's limits. */
	void (*refresh)(struct kvm_pmu *pmu, const struct hw_pmu_config *req,
			const struct hw_pmu_config *host);
	bool (*is_pmu_msr)(const struct kvm_pmu *pmu, u32 msr);
	enum kvm_msr_result (*get_msr)(struct kvm_pmu *pmu, u32 msr, u64 *val);
	enum kvm_msr_result (*set_msr)(struct kvm_pmu *pmu, u32 msr, u64 val);
	/* RDPMC ECX -> counter (NULL: #GP). */
	struct kvm_pmc *(*rdpmc_ecx_to_pmc)(struct kvm_pmu *pmu, u32 ecx);
	/* Is the counter locally enabled, and in which rings / with PMI? */
	bool (*pmc_setup)(const struct kvm_pmu *pmu, const struct kvm_pmc *pmc,
			  struct perf_attr *attr, bool *pmi);
	/* The hardware event select / fixed field of a counter (mediated). */
	u64 (*eventsel_hw)(const struct kvm_pmu *pmu, const struct kvm_pmc *pmc);
	/* Mediated: the vendor half of load and put (global MSRs). */
	void (*mediated_load)(struct kvm_pmu *pmu);
	void (*mediated_put)(struct kvm_pmu *pmu);
	u32 gp_ctr_msr, gp_sel_msr, gp_stride;	/* MSR of GP counter i: base + i*stride */
};

extern const struct kvm_pmu_vendor_ops kvm_pmu_intel_ops;
extern const struct kvm_pmu_vendor_ops kvm_pmu_amd_ops;

struct kvm_pmu {
	const struct kvm_vpmu_ops *kind;
	const struct kvm_pmu_vendor_ops *vendor;
	struct hw_cpu *cpu;		/* the pCPU the vCPU runs on */
	struct perf_cpu *host;		/* its host perf */
	int task;			/* the vCPU thread's task id for perf */
	struct hw_pmu_config guest;	/* guest CPUID after KVM's reduction */

	u8 version, nr_gp, nr_fixed;
	u64 counter_bitmask[2];		/* [0] GP, [1] fixed */
	u32 available_event_types;
	u64 reserved_bits;		/* event select */
	u64 fixed_ctr_ctrl, fixed_ctr_ctrl_hw, fixed_ctr_ctrl_rsvd;
	u64 global_ctrl, global_ctrl_rsvd;
	u64 global_status, global_status_rsvd;
	u64 perf_capabilities;
	u64 debugctl;
	struct kvm_pmc gp[KVM_MAX_GP_INTEL];
	struct kvm_pmc fixed[KVM_MAX_FIXED_TOPDOWN];
	u8 max_fixed;			/* KVM's limit for this vPMU kind */
	u64 all_valid_pmc_idx;
	u64 reprogram_pmi;		/* counters waiting for KVM_REQ_PMU */
	bool req_pmu, req_pmi;		/* KVM_REQ_PMU / KVM_REQ_PMI raised */
	u64 pmc_in_use;			/* counters whose MSRs the guest touched this slice */
	bool need_cleanup;		/* kvm_pmu_cleanup at the next KVM_REQ_PMU */
	u64 nr_reprograms, nr_reprogram_failures, nr_releases;
	/* kvm_pmu__instruction_retired's choice of counters, [2 * (cpl != 0) +
	 * branch] where bit valid has it, kept with the registers it depends
	 * on (pmu.c retire_mask; all zero at init: none valid) */
	struct kvm_retire_memo {
		unsigned int valid;
		u64 global_ctrl, fixed_ctr_ctrl, sel[KVM_MAX_GP_INTEL];
		u64 mask[4];
	} retire;

	/* The virtual local APIC's LVTPC (in-kernel LAPIC) and what it delivers. */
	u32 lvtpc;
	bool lvtpc_automask;		/* Intel-compatible guest CPUID */
	bool guest_pmi_pending;		/* a vectored PMI in the virtual IRR */
	bool guest_nmi_pending;

	/* mediated: the guest context is in the hardware */
	bool loaded;
	bool lvtpc_vector;		/* PMI routing: switch the LVTPC to 0xf5 on load */
	bool skip_unchanged;		/* elide counter writes that would not change it */
	bool global_ctrl_intercepted;	/* kind->is_intercepted of the vendor's
					 * GLOBAL_CTRL: fixed at init by the guest
					 * CPUID and the host's PMU, which a
					 * migration keeps (kvm_vcpu__migrate) */
	u64 nr_load_msr_ops, nr_put_msr_ops;
	/* the host registers of gp[0..nr_gp) then fixed[0..nr_fixed), in the
	 * order the put and the load visit them (hw_cpu__host_put_counters) */
	struct hw_ctr_regs hw_regs[KVM_MAX_GP_INTEL + KVM_MAX_FIXED_TOPDOWN];

	/* isolation ground truth: counters whose hardware value is not what
	 * the guest should read (left by a load), and reads of them */
	u64 tainted;
	u64 residue_reads;
	bool checks;			/* tests only: base/checks.h */
};

/*
 * Build the vCPU's PMU: reduce the requested guest CPUID @req to what KVM
 * offers on a host whose PMU is the pCPU's (capability caps, as
 * kvm_init_pmu_capability and the vendor refresh do), then reset.
 * Returns 0, or -1 when @kind cannot run on this host (the mediated PMU needs
 * Intel v4+ with full-width writes, or AMD PerfMonV2).
 */
int kvm_pmu__init(struct kvm_pmu *pmu, const struct kvm_vpmu_ops *kind,
		  const struct hw_pmu_config *req, struct hw_cpu *cpu,
		  struct perf_cpu *host, int task);
/* The same with the mediated vPMU's fixed-counter limit (3, as Linux 7.0;
 * 4 models the posted "KVM: x86/pmu: Add hardware Topdown metrics support"
 * series, Feb 2026, which exposes fixed counter 3 to mediated guests). */
int kvm_pmu__init_limited(struct kvm_pmu *pmu, const struct kvm_vpmu_ops *kind,
			  const struct hw_pmu_config *req, struct hw_cpu *cpu,
			  struct perf_cpu *host, int task, unsigned int mediated_max_fixed);
void kvm_pmu__destroy(struct kvm_pmu *pmu);
/*
 * KVM's invariants as the guest is entered (pmu.c). Emulated: a counter's
 * backing event is enabled exactly when the counter is not paused (or in
 * ERROR, a pinned event that found no counter), and an enabled counter
 * that no KVM_REQ_PMU waits for has one, not paused. Mediated:
 * the guest context is loaded; the hardware holds the guest's selects as
 * KVM computed them (eventsel_hw, fixed_ctr_ctrl_hw) and no enable on the
 * host's counters the guest does not have; host perf's guest context is
 * loaded with no exclude_guest event on a counter. False, with the first
 * broken one in @why, when one does not hold.
 */
bool kvm_pmu__check(struct kvm_pmu *pmu, char *why, unsigned long len);
/* kvm_pmu__check at a VM-entry of a kvm_pmu made while base/checks.h has
 * the checks on (vcpu.c); a failure goes to checks__fail(). */
void kvm_pmu__check_entry(struct kvm_pmu *pmu);
/* KVM_GET_SUPPORTED_CPUID's PMU part on host @h: what a VMM that copies it
 * (QEMU -cpu host) asks for: the host's PMU, the Intel version capped at 2
 * (kvm_init_pmu_capability). */
void kvm_pmu__supported(const struct hw_pmu_config *h, struct hw_pmu_config *out);

/* Guest-initiated accesses, as the exit handlers make them. */
enum kvm_msr_result kvm_pmu__get_msr(struct kvm_pmu *pmu, u32 msr, u64 *val);
enum kvm_msr_result kvm_pmu__set_msr(struct kvm_pmu *pmu, u32 msr, u64 val);
enum kvm_msr_result kvm_pmu__rdpmc(struct kvm_pmu *pmu, u32 ecx, u8 cpl, bool cr4_pce,
				   u64 *val);
/* Does KVM handle @msr as a PMU MSR (else it is not the vPMU's)? */
bool kvm_pmu__is_pmu_msr(const struct kvm_pmu *pmu, u32 msr);
/* The guest CPUID leaves for the PMU. */
void kvm_pmu__cpuid(const struct kvm_pmu *pmu, u32 leaf, u32 sub, u32 r[4]);

/*
 * The atomic GLOBAL_CTRL switch of VM-entry and VM-exit (VMCS "load
 * PERF_GLOBAL_CTRL" / "save" controls; on AMD nothing): emulated - the host
 * and guest values perf_guest_get_msrs() gives; mediated - the guest's value
 * at entry, saved and zeroed at exit. kvm_pmu__vm_exit returns the cycles
 * a mediated Intel guest's GLOBAL_CTRL costs at the exit: @autostore (on
 * CPUs without the save control the MSR is on the VM-exit MSR-store list
 * whenever the vCPU has a mediated PMU, vmx_recalc_pmu_msr_intercepts,
 * v6 44/44; 0 on the others), plus @read_cost when the guest writes it
 * directly (vmx_refresh_guest_perf_global_control reads the saved value,
 * or copies the stored one into the VMCS; it returns at once when the MSR
 * is intercepted: KVM has the value from the write).
 */
void kvm_pmu__vm_entry(struct kvm_pmu *pmu);
u64 kvm_pmu__vm_exit(struct kvm_pmu *pmu, u32 autostore, u32 read_cost);
/* The hardware counters that hold the guest's state now (for isolation). */
u64 kvm_pmu__owned(const struct kvm_pmu *pmu);
/* After a load: mark the counters whose hardware value differs from the
 * guest's; a guest read of one is a residue read. */
void kvm_pmu__check_residue(struct kvm_pmu *pmu);
/* A guest read / write of counter @idx that succeeded, straight from the
 * hardware or through KVM (which saved the hardware value at the put). */
void kvm_pmu__guest_read(struct kvm_pmu *pmu, unsigned int idx);
void kvm_pmu__guest_write(struct kvm_pmu *pmu, unsigned int idx);

/* KVM_REQ_PMU: reprogram the counters marked in reprogram_pmi (a failure
 * stays marked), then kvm_pmu_cleanup if it is due. */
void kvm_pmu__handle_event(struct kvm_pmu *pmu);
/* The vCPU thread was scheduled back in (kvm_arch_vcpu_load after a
 * preemption): with perf events in use, ask for a cleanup (KVM_REQ_PMU). */
void kvm_pmu__sched_in(struct kvm_pmu *pmu);
/* KVM_REQ_PMI: deliver through the virtual LVTPC. */
void kvm_pmu__deliver_pmi(struct kvm_pmu *pmu);
/* kvm_pmu_instruction_retired / _branch_retired for an emulated instruction:
 * an emulated (perf-backed) counter takes it as emulated_counter++ and
 * KVM_REQ_PMU; a mediated one as counter + 1 at once, with the status bit
 * and KVM_REQ_PMI on a wrap (kvm_pmu_incr_counter). */
void kvm_pmu__instruction_retired(struct kvm_pmu *pmu, u8 cpl, bool branch);

/* Emulated vPMU: the counters whose backing event was re-armed by a guest
 * write with a period from the offset base (the first deviation above), and
 * not paused since; 0 for the other kinds. For the isolation rule. */
u64 kvm_pmu__skewed_periods(const struct kvm_pmu *pmu);

/* The counter (global index) whose counter or event select MSR @msr is, or
 * -1, and which of the two (KVM's msr_idx_to_pmc over both blocks). */
int kvm_pmu__msr_to_idx(const struct kvm_pmu *pmu, u32 msr, bool *is_counter);

/* pmu.c helpers shared by the kinds (the first two inline: the put, the
 * load and the residue check ask them for every counter) */
static inline struct kvm_pmc *kvm_pmu__pmc(struct kvm_pmu *pmu, unsigned int idx)
{
	if (!(pmu->all_valid_pmc_idx & BIT_ULL(idx)))
		return NULL;
	return idx >= HW_FIXED_BASE ? &pmu->fixed[idx - HW_FIXED_BASE] : &pmu->gp[idx];
}

static inline u64 kvm_pmc__mask(const struct kvm_pmu *pmu, const struct kvm_pmc *pmc)
{
	return pmu->counter_bitmask[pmc->idx >= HW_FIXED_BASE];
}

bool kvm_pmc__is_enabled(const struct kvm_pmu *pmu, struct kvm_pmc *pmc);
/* __kvm_perf_overflow: status bit, and KVM_REQ_PMI when the counter's PMI is on. */
void kvm_pmc__overflow(struct kvm_pmu *pmu, struct kvm_pmc *pmc);
/* The same with the PMI decided by @pmi (the emulated reprogram's
 * __kvm_perf_overflow(pmc, false) reads pmc->intr, not the select). */
void kvm_pmc__overflow_pmi(struct kvm_pmu *pmu, struct kvm_pmc *pmc, bool pmi);
void kvm_pmu__request_reprogram(struct kvm_pmu *pmu, struct kvm_pmc *pmc);

#endif /* VPMU__KVM_PMU_H */

/*
 * kvm/pmu.c - the vendor-neutral half of KVM's vPMU (arch/x86/kvm/pmu.c as
 * research/pmu-arch.md section 4 describes it): capability reduction and
 * reset, the global MSRs both vendors share, RDPMC, the deferred
 * reprogramming of KVM_REQ_PMU, PMI delivery through the virtual LVTPC, and
 * the counting of instructions KVM emulates.
 */
#include <stdio.h>
#include <string.h>

#include "base/checks.h"
#include "hw/msr.h"
#include "kvm/pmu.h"

/* The part of vendor->pmc_setup() the instruction count and
 * kvm_pmc__is_enabled need, derived again only when the register it
 * depends on changed. */
static inline void pmc_setup_kept(const struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	u64 key = pmc->idx >= HW_FIXED_BASE ?
		  (pmu->fixed_ctr_ctrl >> (4 * (pmc->idx - HW_FIXED_BASE))) & 0xf : pmc->eventsel;
	struct perf_attr attr;
	bool pmi;

	if (pmc->setup_kept && pmc->setup_key == key)
		return;
	pmc->setup_on = pmu->vendor->pmc_setup(pmu, pmc, &attr, &pmi);
	pmc->setup_no_kernel = attr.exclude_kernel;
	pmc->setup_no_user = attr.exclude_user;
	pmc->setup_ev = pmc->idx >= HW_FIXED_BASE ? attr.config & KVM_PMC_EVENT_MASK :
						  pmc->eventsel & KVM_PMC_EVENT_MASK;
	pmc->setup_key = key;
	pmc->setup_kept = true;
}

/* pmc_is_globally_enabled && local enable (pmc_is_locally_enabled). */
bool kvm_pmc__is_enabled(const struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	if (pmu->version >= 2 && !(pmu->global_ctrl & BIT_ULL(pmc->idx)))
		return false;
	pmc_setup_kept(pmu, pmc);
	return pmc->setup_on;
}

void kvm_pmu__request_reprogram(struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	pmu->reprogram_pmi |= BIT_ULL(pmc->idx);
	pmu->req_pmu = true;
}

/* __kvm_perf_overflow: the status bit (v2+), and KVM_REQ_PMI when @pmi. */
void kvm_pmc__overflow_pmi(struct kvm_pmu *pmu, struct kvm_pmc *pmc, bool pmi)
{
	if (pmu->version >= 2 && pmu->kind->is_mediated && pmu->loaded)
		/* the live status is in the hardware (a loaded context of the
		 * vcpu / lazy policies): set it there, or the put loses it */
		hw_cpu__host_wrmsr(pmu->cpu, pmu->cpu->pmu.cfg.vendor == HW_VENDOR_AMD ?
				   MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET :
				   MSR_CORE_PERF_GLOBAL_STATUS_SET, BIT_ULL(pmc->idx));
	else if (pmu->version >= 2)
		pmu->global_status |= BIT_ULL(pmc->idx);
	if (pmi)
		pmu->req_pmi = true;
}

/* ... when the counter's PMI is enabled as its registers are now. */
void kvm_pmc__overflow(struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	struct perf_attr attr;
	bool pmi = false;

	pmu->vendor->pmc_setup(pmu, pmc, &attr, &pmi);
	kvm_pmc__overflow_pmi(pmu, pmc, pmi);
}

int kvm_pmu__init(struct kvm_pmu *pmu, const struct kvm_vpmu_ops *kind,
		  const struct hw_pmu_config *req, struct hw_cpu *cpu,
		  struct perf_cpu *host, int task)
{
	return kvm_pmu__init_limited(pmu, kind, req, cpu, host, task, KVM_MAX_FIXED);
}

int kvm_pmu__init_limited(struct kvm_pmu *pmu, const struct kvm_vpmu_ops *kind,
			  const struct hw_pmu_config *req, struct hw_cpu *cpu,
			  struct perf_cpu *host, int task, unsigned int mediated_max_fixed)
{
	const struct hw_pmu_config *h = &cpu->pmu.cfg;

	memset(pmu, 0, sizeof(*pmu));
	pmu->max_fixed = kind->is_mediated && mediated_max_fixed ?
			 (u8)min_u64(mediated_max_fixed, KVM_MAX_FIXED_TOPDOWN) : KVM_MAX_FIXED;
	pmu->kind = kind;
	pmu->cpu = cpu;
	pmu->host = host;
	pmu->task = task;
	pmu->checks = checks__are_on();
	pmu->skip_unchanged = true;
	pmu->lvtpc_vector = true;
	pmu->vendor = h->vendor == HW_VENDOR_AMD ? &kvm_pmu_amd_ops : &kvm_pmu_intel_ops;
	/* research/vpmu-design.md section 1: host requirements. */
	if (kind->is_mediated &&
	    (h->vendor == HW_VENDOR_INTEL ? h->version < 4 || !h->fw_writes : !h->amd_perfmon_v2))
		return -1;
	pmu->reserved_bits = 0xffffffff00200000ULL;
	pmu->fixed_ctr_ctrl_rsvd = pmu->global_ctrl_rsvd = pmu->global_status_rsvd = ~0ULL;
	pmu->lvtpc = APIC_LVT_MASKED;
	pmu->guest.vendor = h->vendor;
	if (kind->has_pmu && req->vendor == h->vendor)
		pmu->vendor->refresh(pmu, req, h);
	for (unsigned int i = 0; i < KVM_MAX_GP_INTEL; i++)
		pmu->gp[i] = (struct kvm_pmc){
			.pmu = pmu, .idx = i, .hw_ecx = i,
			.hw_ctr_msr = pmu->vendor->gp_ctr_msr + i * pmu->vendor->gp_stride,
			.hw_sel_msr = pmu->vendor->gp_sel_msr + i * pmu->vendor->gp_stride,
		};
	for (unsigned int k = 0; k < KVM_MAX_FIXED_TOPDOWN; k++)
		pmu->fixed[k] = (struct kvm_pmc){
			.pmu = pmu, .idx = HW_FIXED_BASE + k,
			.hw_ecx = (u32)RDPMC_TYPE_FIXED << 16 | k,
			.hw_ctr_msr = MSR_CORE_PERF_FIXED_CTR0 + k,
		};
	for (unsigned int i = 0; i < (unsigned int)pmu->nr_gp + pmu->nr_fixed; i++) {
		const struct kvm_pmc *pmc = i < pmu->nr_gp ? &pmu->gp[i] : &pmu->fixed[i - pmu->nr_gp];

		pmu->hw_regs[i] = (struct hw_ctr_regs){ pmc->hw_ecx, pmc->hw_ctr_msr, pmc->hw_sel_msr };
	}
	/* kvm_pmu_refresh: GLOBAL_CTRL resets to the GP enables (v2+ or mediated). */
	if (pmu->nr_gp && (pmu->version >= 2 || kind->is_mediated))
		pmu->global_ctrl = GENMASK_ULL(pmu->nr_gp - 1, 0);
	pmu->global_ctrl_intercepted = kind->is_intercepted(pmu, h->vendor == HW_VENDOR_AMD ?
		MSR_AMD64_PERF_CNTR_GLOBAL_CTL : MSR_CORE_PERF_GLOBAL_CTRL);
	return 0;
}

void kvm_pmu__supported(const struct hw_pmu_config *h, struct hw_pmu_config *out)
{
	*out = *h;
	if (h->vendor == HW_VENDOR_INTEL)
		out->version = (u8)min_u64(h->version, KVM_PMU_VERSION_CAP);
}

void kvm_pmu__destroy(struct kvm_pmu *pmu)
{
	for (unsigned int idx = 0; idx < PERF_NR_IDX; idx++) {
		struct kvm_pmc *pmc = kvm_pmu__pmc(pmu, idx);

		if (pmc && pmc->perf_event)
			perf_event__release(pmu->host, pmc->perf_event);
	}
}

bool kvm_pmu__is_pmu_msr(const struct kvm_pmu *pmu, u32 msr)
{
	return msr == MSR_X2APIC_LVTPC || pmu->vendor->is_pmu_msr(pmu, msr);
}

/* The virtual LAPIC's LVTPC: KVM keeps vector, mode and mask and drops the
 * rest (kvm_lapic_reg_write masks with apic_lvt_mask, no fault). */
static void write_lvtpc(struct kvm_pmu *pmu, u64 val)
{
	pmu->lvtpc = (u32)val & (APIC_LVT_VECTOR | APIC_LVT_DM_MASK | APIC_LVT_MASKED);
}

int kvm_pmu__msr_to_idx(const struct kvm_pmu *pmu, u32 msr, bool *is_counter)
{
	(void)pmu;	/* the guest's vendor is the host's: the blocks do not overlap */
	return hw_msr__counter_idx(msr, is_counter);
}

/* kvm_pmu_mark_pmc_in_use: the guest wrote the counter's MSR this time
 * slice. Only kvm_pmu_set_msr marks (a read does not), through the
 * vendor's msr_idx_to_pmc: on Intel the fixed counters, EVNTSELn and
 * PERFCTRn, not the full-width PMCn aliases (intel_msr_idx_to_pmc); a
 * changed FIXED_CTR_CTRL field marks its counter (reprogram_fixed_counters,
 * kvm/pmu_intel.c). */
static void mark_in_use(struct kvm_pmu *pmu, u32 msr)
{
	bool is_counter;
	int idx;

	if (msr - MSR_IA32_PMC0 < INTEL_PMC_MAX_GENERIC)
		return;
	idx = kvm_pmu__msr_to_idx(pmu, msr, &is_counter);
	if (idx >= 0)
		pmu->pmc_in_use |= BIT_ULL(idx);
}

enum kvm_msr_result kvm_pmu__get_msr(struct kvm_pmu *pmu, u32 msr, u64 *val)
{
	if (msr == MSR_X2APIC_LVTPC) {
		*val = pmu->lvtpc;
		return KVM_MSR_OK;
	}
	return pmu->vendor->get_msr(pmu, msr, val);
}

enum kvm_msr_result kvm_pmu__set_msr(struct kvm_pmu *pmu, u32 msr, u64 val)
{
	mark_in_use(pmu, msr);
	if (msr == MSR_X2APIC_LVTPC) {
		write_lvtpc(pmu, val);
		/* a context that stays loaded (vcpu, lazy) takes the new mask now */
		if (pmu->loaded && pmu->lvtpc_vector)
			perf_cpu__load_guest_lvtpc(pmu->host, pmu->lvtpc);
		return KVM_MSR_OK;
	}
	return pmu->vendor->set_msr(pmu, msr, val);
}

/* kvm_pmu_rdpmc: #GP without a PMU, the vendor's index check, then the
 * CPL / CR4.PCE check; the value masked to the counter's width. */
enum kvm_msr_result kvm_pmu__rdpmc(struct kvm_pmu *pmu, u32 ecx, u8 cpl, bool cr4_pce,
				   u64 *val)
{
	struct kvm_pmc *pmc;

	if (!pmu->version)
		return KVM_MSR_GP;
	pmc = pmu->vendor->rdpmc_ecx_to_pmc(pmu, ecx);
	if (!pmc || (cpl && !cr4_pce))
		return KVM_MSR_GP;
	*val = pmu->kind->read_counter(pmu, pmc) & kvm_pmc__mask(pmu, pmc);
	return KVM_MSR_OK;
}

/* pmc_speculative_in_use: the counter is locally enabled. */
static bool is_speculatively_in_use(const struct kvm_pmu *pmu, const struct kvm_pmc *pmc)
{
	if (pmc->idx >= HW_FIXED_BASE)
		return (pmu->fixed_ctr_ctrl >> (4 * (pmc->idx - HW_FIXED_BASE))) & 0x3;
	return pmc->eventsel & EVTSEL_ENABLE;
}

/* kvm_pmu_cleanup: release the events of counters neither used this time
 * slice nor locally enabled; a new slice of use starts. */
static void cleanup(struct kvm_pmu *pmu)
{
	pmu->need_cleanup = false;
	for (u64 m = pmu->all_valid_pmc_idx & ~pmu->pmc_in_use; m; m &= m - 1) {
		struct kvm_pmc *pmc = kvm_pmu__pmc(pmu, (unsigned int)__builtin_ctzll(m));

		if (pmc && pmc->perf_event && !is_speculatively_in_use(pmu, pmc) &&
		    pmu->kind->release) {
			pmu->kind->release(pmu, pmc);
			pmu->nr_releases++;
		}
	}
	pmu->pmc_in_use = 0;
}

void kvm_pmu__handle_event(struct kvm_pmu *pmu)
{
	u64 todo = pmu->reprogram_pmi;

	pmu->req_pmu = false;
	pmu->reprogram_pmi = 0;
	for (u64 m = todo; m; m &= m - 1) {
		struct kvm_pmc *pmc = kvm_pmu__pmc(pmu, (unsigned int)__builtin_ctzll(m));

		if (!pmc)
			continue;
		pmu->nr_reprograms++;
		if (pmu->kind->reprogram(pmu, pmc)) {
			pmu->reprogram_pmi |= BIT_ULL(pmc->idx);	/* retried later */
			pmu->nr_reprogram_failures++;
		}
	}
	if (pmu->need_cleanup)
		cleanup(pmu);
}

void kvm_pmu__sched_in(struct kvm_pmu *pmu)
{
	for (unsigned int idx = 0; idx < PERF_NR_IDX; idx++) {
		struct kvm_pmc *pmc = kvm_pmu__pmc(pmu, idx);

		if (pmc && pmc->perf_event) {
			pmu->need_cleanup = true;
			pmu->req_pmu = true;
			return;
		}
	}
}

/*
 * kvm_pmu_deliver_pmi -> kvm_apic_local_deliver(APIC_LVTPC): nothing while
 * the virtual LVTPC is masked; an NMI or the vector otherwise; for
 * Intel-compatible guests the mask is then set (KVM a16eb25b09c0; not for
 * AMD since 2024). FREEZE_PERFMON_ON_PMI is not emulated on this path.
 */
void kvm_pmu__deliver_pmi(struct kvm_pmu *pmu)
{
	pmu->req_pmi = false;
	if (pmu->lvtpc & APIC_LVT_MASKED)
		return;
	if ((pmu->lvtpc & APIC_LVT_DM_MASK) == APIC_LVT_DM_NMI)
		pmu->guest_nmi_pending = true;
	else
		pmu->guest_pmi_pending = true;
	if (pmu->lvtpc_automask)
		pmu->lvtpc |= APIC_LVT_MASKED;
}

/*
 * kvm_pmu_instruction_retired / kvm_pmu_branch_retired: each counter that
 * counts instructions (or branches) in this ring and is enabled takes one
 * more event. The match ignores edge, INV and CMASK, as KVM's does.
 */
static bool does_retire(struct kvm_pmu *pmu, struct kvm_pmc *pmc, bool user, bool branch)
{
	/* (kvm_pmc__is_enabled keeps the setup the ring test reads) */
	if (!kvm_pmc__is_enabled(pmu, pmc) || (user ? pmc->setup_no_user : pmc->setup_no_kernel))
		return false;
	/* kvm_pmu_eventsel: instructions 0x00c0 on both vendors; branches
	 * 0x00c4 on Intel, 0xc2 on AMD */
	return pmc->setup_ev ==
	       (!branch ? 0x00c0 : pmu->cpu->pmu.cfg.vendor == HW_VENDOR_AMD ? 0xc2 : 0x00c4);
}

/* The counters does_retire() picks for @user and @branch, kept with the
 * registers it reads (GLOBAL_CTRL, FIXED_CTR_CTRL, the selects; counting
 * one event changes none of them) and derived again, for that pair only,
 * when one changed. */
static u64 retire_mask(struct kvm_pmu *pmu, bool user, bool branch)
{
	struct kvm_retire_memo *r = &pmu->retire;
	bool same = r->global_ctrl == pmu->global_ctrl && r->fixed_ctr_ctrl == pmu->fixed_ctr_ctrl;
	unsigned int pair = (unsigned int)user * 2 + branch;
	u64 mask = 0;

	for (unsigned int i = 0; same && i < pmu->nr_gp; i++)
		same = r->sel[i] == pmu->gp[i].eventsel;
	if (!same) {
		r->valid = 0;
		r->global_ctrl = pmu->global_ctrl;
		r->fixed_ctr_ctrl = pmu->fixed_ctr_ctrl;
		for (unsigned int i = 0; i < pmu->nr_gp; i++)
			r->sel[i] = pmu->gp[i].eventsel;
	}
	if (r->valid & (1U << pair))
		return r->mask[pair];
	for (u64 m = pmu->all_valid_pmc_idx; m; m &= m - 1) {
		struct kvm_pmc *pmc = kvm_pmu__pmc(pmu, (unsigned int)__builtin_ctzll(m));

		if (does_retire(pmu, pmc, user, branch))
			mask |= BIT_ULL(pmc->idx);
	}
	r->mask[pair] = mask;
	r->valid |= 1U << pair;
	return mask;
}

void kvm_pmu__instruction_retired(struct kvm_pmu *pmu, u8 cpl, bool branch)
{
	/* the counters that take it, in index order */
	for (u64 m = retire_mask(pmu, cpl != 0, branch); m; m &= m - 1) {
		struct kvm_pmc *pmc = kvm_pmu__pmc(pmu, (unsigned int)__builtin_ctzll(m));

		if (pmu->kind->is_mediated) {
			u64 val = (pmu->kind->read_counter(pmu, pmc) + 1) & kvm_pmc__mask(pmu, pmc);

			pmu->kind->write_counter(pmu, pmc, val);
			if (!val)
				kvm_pmc__overflow(pmu, pmc);
			continue;
		}
		pmc->emulated_counter++;
		kvm_pmu__request_reprogram(pmu, pmc);
	}
}

void kvm_pmu__cpuid(const struct kvm_pmu *pmu, u32 leaf, u32 sub, u32 r[4])
{
	const struct hw_pmu_ops *ops = pmu->guest.vendor == HW_VENDOR_AMD ? &hw_pmu_amd_ops
									   : &hw_pmu_intel_ops;

	ops->cpuid(&pmu->guest, leaf, sub, r);
}

void kvm_pmu__vm_entry(struct kvm_pmu *pmu)
{
	struct hw_pmu *hw = &pmu->cpu->pmu;
	u64 host, guest;

	if (hw->cfg.vendor != HW_VENDOR_INTEL || !hw->has_global)
		return;
	if (pmu->kind->is_mediated) {
		hw->global_ctrl = pmu->global_ctrl & ~hw->global_ctrl_rsvd;
	} else if (pmu->host) {
		perf_cpu__guest_get_msrs(pmu->host, &host, &guest);
		hw->global_ctrl = guest & ~hw->global_ctrl_rsvd;
	}
}

u64 kvm_pmu__vm_exit(struct kvm_pmu *pmu, u32 autostore, u32 read_cost)
{
	struct hw_pmu *hw = &pmu->cpu->pmu;
	u64 host, guest;

	/* svm_vcpu_run: with GlobalCtl passed through, read the guest's value
	 * right after the exit (AMD has no VMCB field for it). */
	if (hw->cfg.vendor == HW_VENDOR_AMD && pmu->kind->is_mediated && pmu->loaded &&
	    !pmu->global_ctrl_intercepted)
		pmu->global_ctrl = hw_cpu__host_rdmsr(pmu->cpu, MSR_AMD64_PERF_CNTR_GLOBAL_CTL);
	if (hw->cfg.vendor != HW_VENDOR_INTEL || !hw->has_global)
		return 0;
	if (pmu->kind->is_mediated) {
		/* "save PERF_GLOBAL_CTRL" (SPR+; before, the MSR-store list);
		 * HOST_IA32_PERF_GLOBAL_CTRL = 0 */
		pmu->global_ctrl = hw->global_ctrl;
		hw->global_ctrl = 0;
		return autostore + (pmu->global_ctrl_intercepted ? 0 : read_cost);
	}
	if (pmu->host) {
		perf_cpu__guest_get_msrs(pmu->host, &host, &guest);
		hw->global_ctrl = host & ~hw->global_ctrl_rsvd;
	}
	return 0;
}

/* Mediated: all the guest's counters while loaded. (An emulated guest's
 * counters are perf events with exclude_host; perf marks those itself.) */
u64 kvm_pmu__owned(const struct kvm_pmu *pmu)
{
	return pmu->kind->is_mediated && pmu->loaded ? pmu->all_valid_pmc_idx : 0;
}

u64 kvm_pmu__skewed_periods(const struct kvm_pmu *pmu)
{
	u64 m = 0;

	for (unsigned int i = 0; i < KVM_MAX_GP_INTEL; i++)
		m |= pmu->gp[i].is_period_skewed ? BIT_ULL(i) : 0;
	for (unsigned int k = 0; k < KVM_MAX_FIXED_TOPDOWN; k++)
		m |= pmu->fixed[k].is_period_skewed ? BIT_ULL(HW_FIXED_BASE + k) : 0;
	return m & pmu->all_valid_pmc_idx;
}

void kvm_pmu__check_residue(struct kvm_pmu *pmu)
{
	pmu->tainted = 0;
	for (u64 m = pmu->all_valid_pmc_idx; m; m &= m - 1) {
		unsigned int idx = (unsigned int)__builtin_ctzll(m);
		struct kvm_pmc *pmc = kvm_pmu__pmc(pmu, idx);

		if (*hw_pmu__counter(&pmu->cpu->pmu, idx) != (pmc->counter & kvm_pmc__mask(pmu, pmc)))
			pmu->tainted |= BIT_ULL(idx);
	}
}

void kvm_pmu__guest_read(struct kvm_pmu *pmu, unsigned int idx)
{
	if (pmu->tainted & BIT_ULL(idx))
		pmu->residue_reads++;
}

void kvm_pmu__guest_write(struct kvm_pmu *pmu, unsigned int idx)
{
	pmu->tainted &= ~BIT_ULL(idx);
}

/* ---- invariants (tests) ------------------------------------------------ */

static bool broken(char *why, unsigned long len, const char *what, int idx)
{
	snprintf(why, len, "counter %d: %s", idx, what);
	return false;
}

static bool check_emulated(struct kvm_pmu *pmu, char *why, unsigned long len)
{
	for (u64 m = pmu->all_valid_pmc_idx; m; m &= m - 1) {
		unsigned int idx = (unsigned int)__builtin_ctzll(m);
		struct kvm_pmc *pmc = kvm_pmu__pmc(pmu, idx);
		const struct perf_event *ev = pmc->perf_event;

		if (pmc->counter & ~kvm_pmc__mask(pmu, pmc))
			return broken(why, len, "counter wider than the guest's width", (int)idx);
		/* (a pinned event that found no counter is in ERROR, and a
		 * disable leaves it there, as _perf_event_disable does) */
		if (ev && pmc->is_paused && ev->state > PERF_STATE_OFF)
			return broken(why, len, "paused, its event enabled", (int)idx);
		if (ev && !pmc->is_paused && ev->state == PERF_STATE_OFF)
			return broken(why, len, "not paused, its event OFF", (int)idx);
		if (!(pmu->reprogram_pmi & BIT_ULL(idx)) && kvm_pmc__is_enabled(pmu, pmc) &&
		    (!ev || pmc->is_paused))
			return broken(why, len, "enabled, no KVM_REQ_PMU pending, and no event "
				      "enabled for it", (int)idx);
	}
	return true;
}

static bool check_mediated(struct kvm_pmu *pmu, char *why, unsigned long len)
{
	const struct hw_pmu *hw = &pmu->cpu->pmu;
	const struct perf_cpu *pc = pmu->host;

	if (!pmu->loaded)
		return broken(why, len, "guest entered without its context loaded", -1);
	for (unsigned int i = 0; i < hw->cfg.nr_gp; i++) {
		/* (one the guest does not have keeps what host perf's sched-out
		 * left: its select without the enable) */
		if (i < pmu->nr_gp ? hw->evtsel[i] != pmu->gp[i].eventsel_hw :
				     (hw->evtsel[i] & EVTSEL_ENABLE) != 0)
			return broken(why, len, i < pmu->nr_gp ? "select is not KVM's eventsel_hw" :
				      "a counter the guest does not have is enabled", (int)i);
	}
	if (hw->cfg.vendor == HW_VENDOR_INTEL && hw->cfg.nr_fixed) {
		u64 mask = pmu->nr_fixed ? (1ULL << (4 * pmu->nr_fixed)) - 1 : 0;

		if (hw->fixed_ctrl != (pmu->fixed_ctr_ctrl_hw & mask))
			return broken(why, len, "FIXED_CTR_CTRL is not KVM's", HW_FIXED_BASE);
	}
	if (pc && !pc->guest_ctx_loaded)
		return broken(why, len, "host perf's guest context is not loaded", -1);
	/* the PMI route: the dedicated vector while the guest runs, or the
	 * host's NMI (the mask bit is the guest's, or the delivery's) */
	if ((pmu->cpu->apic.lvtpc & ~APIC_LVT_MASKED) !=
	    (pmu->lvtpc_vector ? APIC_LVT_DM_FIXED | PERF_GUEST_MEDIATED_PMI_VECTOR : APIC_LVT_DM_NMI))
		return broken(why, len, "the LVTPC is not the PMI route's", -1);
	for (int i = 0; pc && i < pc->nr_events; i++)
		if (pc->events[i]->idx >= 0 && pc->events[i]->attr.exclude_guest)
			return broken(why, len, "an exclude_guest host event is on a counter",
				      pc->events[i]->idx);
	return true;
}

bool kvm_pmu__check(struct kvm_pmu *pmu, char *why, unsigned long len)
{
	if (!pmu->kind->has_pmu)
		return true;
	return pmu->kind->is_mediated ? check_mediated(pmu, why, len) :
					check_emulated(pmu, why, len);
}

void kvm_pmu__check_entry(struct kvm_pmu *pmu)
{
	char why[160];

	if (!pmu->checks || checks__failure() || kvm_pmu__check(pmu, why, sizeof(why)))
		return;
	checks__fail("%s vPMU, VM-entry at cycle %llu: %s", pmu->kind->name,
		     (unsigned long long)pmu->cpu->now, why);
}

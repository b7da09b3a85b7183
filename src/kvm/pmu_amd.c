/*
 * kvm/pmu_amd.c - KVM's AMD vPMU (svm/pmu.c and the common MSR code of
 * pmu.c, as research/pmu-arch.md section 4 describes them).
 *
 * Refresh: version 2 with PerfMonV2 (requested and on the host), else 1;
 * counters from CPUID 0x80000022 (v2), or 6 with PerfCtrExtCore, else 4,
 * capped by the host; 48 bits. Event selects drop the reserved bits
 * 0xfffffff000280000 (19, 21, 36-63: HostOnly/GuestOnly too, the guest having
 * no SVM) and never #GP; counters are masked to 48 bits; GlobalStatus is
 * read-only with writes ignored; GlobalCtl drops reserved bits; the K7
 * MSRs read 0 and drop writes when no counter backs them (x86.c).
 */
#include "hw/msr.h"
#include "kvm/pmu.h"

#define AMD_RESERVED_BITS 0xfffffff000280000ULL

static void amd_refresh(struct kvm_pmu *pmu, const struct hw_pmu_config *req,
			const struct hw_pmu_config *host)
{
	struct hw_pmu_config *g = &pmu->guest;
	bool v2 = req->amd_perfmon_v2 && host->amd_perfmon_v2;
	bool core = req->amd_core && host->amd_core;
	u64 gp_bits;

	g->vendor = HW_VENDOR_AMD;
	pmu->version = v2 ? 2 : 1;
	pmu->nr_gp = (u8)min_u64(min_u64(v2 ? req->nr_gp : core ? AMD64_NUM_COUNTERS_CORE :
					  AMD64_NUM_COUNTERS, host->nr_gp), KVM_MAX_GP_AMD);
	pmu->counter_bitmask[0] = mask_of_width(48);
	pmu->reserved_bits = AMD_RESERVED_BITS;
	gp_bits = GENMASK_ULL(pmu->nr_gp - 1, 0);
	if (v2)
		pmu->global_ctrl_rsvd = pmu->global_status_rsvd = ~gp_bits;
	pmu->all_valid_pmc_idx = gp_bits;
	pmu->lvtpc_automask = false;	/* AMD guests: no auto-mask (Sandipan Das, 2024) */
	g->version = pmu->version;
	g->nr_gp = pmu->nr_gp;
	g->gp_width = 48;
	g->fixed_width = 48;
	g->amd_core = core;
	g->amd_perfmon_v2 = v2;
}

static bool msr_in(u32 msr, u32 base, unsigned int n, unsigned int stride, unsigned int *i)
{
	if (msr < base || msr >= base + n * stride || (msr - base) % stride)
		return false;
	*i = (msr - base) / stride;
	return true;
}

static bool amd_is_pmu_msr(const struct kvm_pmu *pmu, u32 msr)
{
	(void)pmu;
	return hw_pmu_intel_ops.is_msr_modelled(msr) || hw_pmu_amd_ops.is_msr_modelled(msr);
}

/* get_gp_pmc_amd: the K7 MSRs alias counters 0-3; F15H needs PerfCtrExtCore. */
static struct kvm_pmc *amd_pmc(struct kvm_pmu *pmu, u32 msr, bool *is_sel)
{
	unsigned int i, n = pmu->nr_gp < AMD64_NUM_COUNTERS ? pmu->nr_gp : AMD64_NUM_COUNTERS;

	if (msr_in(msr, MSR_K7_EVNTSEL0, n, 1, &i) ||
	    (pmu->guest.amd_core && msr_in(msr, MSR_F15H_PERF_CTL0, pmu->nr_gp, 2, &i))) {
		*is_sel = true;
		return &pmu->gp[i];
	}
	if (msr_in(msr, MSR_K7_PERFCTR0, n, 1, &i) ||
	    (pmu->guest.amd_core && msr_in(msr, MSR_F15H_PERF_CTR0, pmu->nr_gp, 2, &i))) {
		*is_sel = false;
		return &pmu->gp[i];
	}
	return NULL;
}

static bool is_k7_fallback(u32 msr)
{
	unsigned int i;

	return msr_in(msr, MSR_K7_EVNTSEL0, 8, 1, &i);
}

static bool is_global(u32 msr)
{
	return msr >= MSR_AMD64_PERF_CNTR_GLOBAL_STATUS &&
	       msr <= MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET;
}

/* While a mediated context is loaded the live status is in the hardware. */
static bool is_live(const struct kvm_pmu *pmu)
{
	return pmu->kind->is_mediated && pmu->loaded;
}

static enum kvm_msr_result amd_get_msr(struct kvm_pmu *pmu, u32 msr, u64 *val)
{
	struct kvm_pmc *pmc;
	bool is_sel;

	if (is_global(msr)) {
		if (pmu->version < 2)
			return KVM_MSR_GP;
		if (msr == MSR_AMD64_PERF_CNTR_GLOBAL_STATUS && is_live(pmu))
			pmu->global_status = hw_cpu__host_rdmsr(pmu->cpu, msr);
		*val = msr == MSR_AMD64_PERF_CNTR_GLOBAL_STATUS ? pmu->global_status :
		       msr == MSR_AMD64_PERF_CNTR_GLOBAL_CTL ? pmu->global_ctrl : 0;
		return KVM_MSR_OK;
	}
	if (pmu->version && (pmc = amd_pmc(pmu, msr, &is_sel))) {
		*val = is_sel ? pmc->eventsel :
		       pmu->kind->read_counter(pmu, pmc) & kvm_pmc__mask(pmu, pmc);
		return KVM_MSR_OK;
	}
	if (is_k7_fallback(msr)) {
		*val = 0;
		return KVM_MSR_OK;
	}
	return KVM_MSR_GP;
}

static enum kvm_msr_result amd_set_global(struct kvm_pmu *pmu, u32 msr, u64 val)
{
	u64 diff;

	if (pmu->version < 2)
		return KVM_MSR_GP;
	switch (msr) {
	case MSR_AMD64_PERF_CNTR_GLOBAL_CTL:		/* reserved bits dropped */
		val &= ~pmu->global_ctrl_rsvd;
		diff = pmu->global_ctrl ^ val;
		pmu->global_ctrl = val;
		if (is_live(pmu))	/* AMD has no VMCB field: the hardware is it */
			hw_cpu__host_wrmsr(pmu->cpu, msr, val);
		for (u64 m = diff; m; m &= m - 1)
			kvm_pmu__request_reprogram(pmu, &pmu->gp[__builtin_ctzll(m)]);
		break;
	case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR:
		pmu->global_status &= ~val;
		if (is_live(pmu))
			hw_cpu__host_wrmsr(pmu->cpu, msr, val);
		break;
	case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET:
		pmu->global_status |= val & ~pmu->global_status_rsvd;
		if (is_live(pmu))
			hw_cpu__host_wrmsr(pmu->cpu, msr, val & ~pmu->global_status_rsvd);
		break;
	default:	/* "Per PPR, Read-only MSR. Writes are ignored." */
		break;
	}
	return KVM_MSR_OK;
}

static enum kvm_msr_result amd_set_msr(struct kvm_pmu *pmu, u32 msr, u64 val)
{
	struct kvm_pmc *pmc;
	bool is_sel;

	if (is_global(msr))
		return amd_set_global(pmu, msr, val);
	if (pmu->version && (pmc = amd_pmc(pmu, msr, &is_sel))) {
		if (!is_sel) {
			pmu->kind->write_counter(pmu, pmc, val & kvm_pmc__mask(pmu, pmc));
			return KVM_MSR_OK;
		}
		val &= ~pmu->reserved_bits;
		if (val != pmc->eventsel) {
			pmc->eventsel = val;
			kvm_pmu__request_reprogram(pmu, pmc);
		}
		return KVM_MSR_OK;
	}
	return is_k7_fallback(msr) ? KVM_MSR_OK : KVM_MSR_GP;
}

static struct kvm_pmc *amd_rdpmc_ecx_to_pmc(struct kvm_pmu *pmu, u32 ecx)
{
	return ecx < pmu->nr_gp ? &pmu->gp[ecx] : NULL;
}

static bool amd_pmc_setup(const struct kvm_pmu *pmu, const struct kvm_pmc *pmc,
			  struct perf_attr *attr, bool *pmi)
{
	(void)pmu;
	*attr = (struct perf_attr){
		.type = PERF_TYPE_RAW,
		.config = pmc->eventsel & (EVTSEL_EVENT | EVTSEL_UMASK | EVTSEL_EDGE |
					   EVTSEL_INV | EVTSEL_CMASK | AMD64_EVTSEL_EVENT_HI),
		.exclude_kernel = !(pmc->eventsel & EVTSEL_OS),
		.exclude_user = !(pmc->eventsel & EVTSEL_USR),
	};
	*pmi = !!(pmc->eventsel & EVTSEL_INT);
	return !!(pmc->eventsel & EVTSEL_ENABLE);
}

/* v6 26/44: the hardware select counts in guest mode only (GuestOnly set,
 * HostOnly clear), since AMD has no VMCB field to stop the counters at
 * VM-exit. amd_pmu_set_msr makes it so at each write of a new value; a
 * select not written since the reset keeps eventsel_hw 0 (kvm_pmu_reset),
 * which the put then leaves alone. Given the select and the last
 * eventsel_hw, this is that value. */
static u64 amd_eventsel_hw(const struct kvm_pmu *pmu, const struct kvm_pmc *pmc)
{
	(void)pmu;
	if (!pmc->eventsel && !pmc->eventsel_hw)
		return 0;
	return (pmc->eventsel | AMD64_EVTSEL_GUESTONLY) & ~AMD64_EVTSEL_HOSTONLY;
}

/* AMD load, after the counters: status through CLR / SET, then GlobalCtl. */
static void amd_mediated_load(struct kvm_pmu *pmu)
{
	struct hw_cpu *cpu = pmu->cpu;
	u64 hw = hw_cpu__host_rdmsr(cpu, MSR_AMD64_PERF_CNTR_GLOBAL_STATUS);

	pmu->nr_load_msr_ops += 3;
	if (hw) {	/* v6 27/44: the host's status cleared only if non-zero */
		hw_cpu__host_wrmsr(cpu, MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR, hw);
		pmu->nr_load_msr_ops++;
	}
	hw_cpu__host_wrmsr(cpu, MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET, pmu->global_status);
	hw_cpu__host_wrmsr(cpu, MSR_AMD64_PERF_CNTR_GLOBAL_CTL, pmu->global_ctrl);
}

/* AMD put: GlobalCtl off first (no VMCB control did it), save the status
 * and clear it if non-zero. */
static void amd_mediated_put(struct kvm_pmu *pmu)
{
	struct hw_cpu *cpu = pmu->cpu;

	hw_cpu__host_wrmsr(cpu, MSR_AMD64_PERF_CNTR_GLOBAL_CTL, 0);
	pmu->global_status = hw_cpu__host_rdmsr(cpu, MSR_AMD64_PERF_CNTR_GLOBAL_STATUS);
	pmu->nr_put_msr_ops += 2;
	if (pmu->global_status) {	/* likewise */
		hw_cpu__host_wrmsr(cpu, MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR, pmu->global_status);
		pmu->nr_put_msr_ops++;
	}
}

const struct kvm_pmu_vendor_ops kvm_pmu_amd_ops = {
	.name = "amd",
	.refresh = amd_refresh,
	.is_pmu_msr = amd_is_pmu_msr,
	.get_msr = amd_get_msr,
	.set_msr = amd_set_msr,
	.rdpmc_ecx_to_pmc = amd_rdpmc_ecx_to_pmc,
	.pmc_setup = amd_pmc_setup,
	.eventsel_hw = amd_eventsel_hw,
	.mediated_load = amd_mediated_load,
	.mediated_put = amd_mediated_put,
	.gp_ctr_msr = MSR_F15H_PERF_CTR0,
	.gp_sel_msr = MSR_F15H_PERF_CTL0,
	.gp_stride = 2,
};

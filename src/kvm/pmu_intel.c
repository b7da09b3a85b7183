/*
 * kvm/pmu_intel.c - KVM's Intel vPMU (vmx/pmu_intel.c and the common MSR
 * code of pmu.c, as research/pmu-arch.md section 4 describes them).
 *
 * Refresh: the requested version kept (the advertised one is capped at 2,
 * kvm_pmu__supported), emulated as v2 for any v2+; GP and fixed counts and widths the
 * minimum of the request, the host and KVM's limits (8 GP, 3 fixed);
 * AnyThread reserved in both the event selects and FIXED_CTR_CTRL; the v5
 * fixed-counter bitmask is not consulted; PERF_METRICS is not offered.
 * MSRs: GLOBAL_STATUS is read-only to the guest (#GP); OVF_CTRL clears;
 * fixed-counter writes are masked silently (the SDM says reserved); the P6
 * PERFCTR0/1 and EVNTSEL0/1 MSRs read 0 and drop writes when no counter
 * backs them (x86.c); GLOBAL_STATUS_SET / INUSE do not exist (#GP).
 */
#include "hw/msr.h"
#include "kvm/pmu.h"

static unsigned int nr_fixed_of(const struct hw_pmu_config *c)
{
	unsigned int n = 0;

	for (unsigned int k = 0; k < HW_MAX_FIXED; k++)
		n += hw_pmu__is_fixed_present(c, k) && n == k;
	return n;
}

static bool has_pdcm(const struct hw_pmu_config *g)
{
	return g->version >= 2 || g->fw_writes;
}

static void intel_refresh(struct kvm_pmu *pmu, const struct hw_pmu_config *req,
			  const struct hw_pmu_config *host)
{
	struct hw_pmu_config *g = &pmu->guest;
	u64 gp_bits, fixed_bits;

	/* intel_pmu_refresh: the version userspace set in the guest CPUID,
	 * unclamped (only KVM_GET_SUPPORTED_CPUID caps it: kvm_pmu__supported);
	 * KVM emulates the v2 architecture for any version >= 2 */
	pmu->version = req->version;
	pmu->lvtpc_automask = true;
	g->vendor = HW_VENDOR_INTEL;
	if (!pmu->version)
		return;
	pmu->nr_gp = (u8)min_u64(min_u64(req->nr_gp, host->nr_gp), KVM_MAX_GP_INTEL);
	pmu->counter_bitmask[0] = mask_of_width(min_u64(req->gp_width, host->gp_width));
	g->ebx_len = (u8)min_u64(req->ebx_len, host->ebx_len);
	pmu->available_event_types = ~req->unavailable & (u32)mask_of_width(g->ebx_len);
	if (pmu->version >= 2) {
		pmu->nr_fixed = (u8)min_u64(min_u64(req->nr_fixed, nr_fixed_of(host)),
					    pmu->max_fixed);
		pmu->counter_bitmask[1] = mask_of_width(min_u64(req->fixed_width, host->fixed_width));
	}
	gp_bits = pmu->nr_gp ? GENMASK_ULL(pmu->nr_gp - 1, 0) : 0;
	fixed_bits = pmu->nr_fixed ? GENMASK_ULL(pmu->nr_fixed - 1, 0) : 0;
	for (unsigned int k = 0; k < pmu->nr_fixed; k++)
		pmu->fixed_ctr_ctrl_rsvd &= ~((FIXED_CTRL_OS | FIXED_CTRL_USR | FIXED_CTRL_PMI) << (4 * k));
	pmu->global_ctrl_rsvd = ~(gp_bits | fixed_bits << HW_FIXED_BASE);
	pmu->global_status_rsvd = pmu->global_ctrl_rsvd &
				  ~(GLOBAL_STATUS_BUFFER_OVF | GLOBAL_STATUS_COND_CHG);
	pmu->all_valid_pmc_idx = gp_bits | fixed_bits << HW_FIXED_BASE;
	g->version = pmu->version;
	g->nr_gp = pmu->nr_gp;
	g->nr_fixed = pmu->nr_fixed;
	g->gp_width = (u8)min_u64(req->gp_width, host->gp_width);
	g->fixed_width = pmu->version >= 2 ? (u8)min_u64(req->fixed_width, host->fixed_width) : 48;
	g->unavailable = req->unavailable & (u32)mask_of_width(g->ebx_len);
	g->fw_writes = req->fw_writes && host->fw_writes;
	/* KVM sets CPUID.0AH:EDX[15] (AnyThread deprecated) for its guests. */
	g->anythread_deprecated = true;
	pmu->perf_capabilities = g->fw_writes ? PERF_CAP_FW_WRITES : 0;
}

static bool msr_in(u32 msr, u32 base, unsigned int n, unsigned int *i)
{
	if (msr < base || msr >= base + n)
		return false;
	*i = msr - base;
	return true;
}

/* Every MSR the core models is the vPMU's to answer (#GP when it has no
 * such register), as KVM's kvm_pmu_is_valid_msr() routes them. */
static bool intel_is_pmu_msr(const struct kvm_pmu *pmu, u32 msr)
{
	(void)pmu;
	return hw_pmu_intel_ops.is_msr_modelled(msr) || hw_pmu_amd_ops.is_msr_modelled(msr);
}

/* The P6 MSRs x86.c accepts without a vPMU behind them. */
static bool is_p6_fallback(u32 msr)
{
	return msr == MSR_IA32_PERFCTR0 || msr == MSR_IA32_PERFCTR0 + 1 ||
	       msr == MSR_P6_EVNTSEL0 || msr == MSR_P6_EVNTSEL0 + 1;
}

static struct kvm_pmc *gp_pmc(struct kvm_pmu *pmu, u32 msr, u32 base)
{
	unsigned int i;

	return msr_in(msr, base, pmu->nr_gp, &i) ? &pmu->gp[i] : NULL;
}

static struct kvm_pmc *fixed_pmc(struct kvm_pmu *pmu, u32 msr)
{
	unsigned int i;

	return msr_in(msr, MSR_CORE_PERF_FIXED_CTR0, pmu->nr_fixed, &i) ? &pmu->fixed[i] : NULL;
}

/* While a mediated context is loaded the live status is in the hardware
 * (only a policy that stays loaded across exits handles MSRs then). */
static bool is_live(const struct kvm_pmu *pmu)
{
	return pmu->kind->is_mediated && pmu->loaded;
}

static enum kvm_msr_result intel_get_global(struct kvm_pmu *pmu, u32 msr, u64 *val)
{
	if (pmu->version < 2)
		return KVM_MSR_GP;
	if (msr == MSR_CORE_PERF_GLOBAL_STATUS && is_live(pmu))
		pmu->global_status = hw_cpu__host_rdmsr(pmu->cpu, MSR_CORE_PERF_GLOBAL_STATUS);
	*val = msr == MSR_CORE_PERF_GLOBAL_STATUS ? pmu->global_status :
	       msr == MSR_CORE_PERF_GLOBAL_CTRL ? pmu->global_ctrl :
	       msr == MSR_CORE_PERF_FIXED_CTR_CTRL ? pmu->fixed_ctr_ctrl : 0;
	return KVM_MSR_OK;
}

static enum kvm_msr_result intel_get_msr(struct kvm_pmu *pmu, u32 msr, u64 *val)
{
	struct kvm_pmc *pmc;

	switch (msr) {
	case MSR_CORE_PERF_GLOBAL_STATUS:
	case MSR_CORE_PERF_GLOBAL_CTRL:
	case MSR_CORE_PERF_GLOBAL_OVF_CTRL:	/* reads 0 */
	case MSR_CORE_PERF_FIXED_CTR_CTRL:
		return intel_get_global(pmu, msr, val);
	case MSR_IA32_PERF_CAPABILITIES:
		if (!has_pdcm(&pmu->guest))
			return KVM_MSR_GP;
		*val = pmu->perf_capabilities;
		return KVM_MSR_OK;
	case MSR_IA32_DEBUGCTLMSR:
		*val = pmu->debugctl;
		return KVM_MSR_OK;
	}
	if ((pmc = gp_pmc(pmu, msr, MSR_IA32_PERFCTR0)) ||
	    (pmu->guest.fw_writes && (pmc = gp_pmc(pmu, msr, MSR_IA32_PMC0))) ||
	    (pmc = fixed_pmc(pmu, msr))) {
		*val = pmu->kind->read_counter(pmu, pmc) & kvm_pmc__mask(pmu, pmc);
		return KVM_MSR_OK;
	}
	if ((pmc = gp_pmc(pmu, msr, MSR_P6_EVNTSEL0))) {
		*val = pmc->eventsel;
		return KVM_MSR_OK;
	}
	if (is_p6_fallback(msr)) {
		*val = 0;
		return KVM_MSR_OK;
	}
	return KVM_MSR_GP;
}

/* Changed GLOBAL_CTRL or FIXED_CTR_CTRL bits reprogram their counters. */
static void reprogram_mask(struct kvm_pmu *pmu, u64 idx_bits)
{
	for (u64 m = idx_bits & pmu->all_valid_pmc_idx; m; m &= m - 1)
		kvm_pmu__request_reprogram(pmu, kvm_pmu__pmc(pmu, (unsigned int)__builtin_ctzll(m)));
}

static enum kvm_msr_result intel_set_global(struct kvm_pmu *pmu, u32 msr, u64 val)
{
	u64 diff = 0;

	if (pmu->version < 2)
		return KVM_MSR_GP;
	switch (msr) {
	case MSR_CORE_PERF_GLOBAL_CTRL:
		if (val & pmu->global_ctrl_rsvd)
			return KVM_MSR_GP;
		diff = pmu->global_ctrl ^ val;
		pmu->global_ctrl = val;
		reprogram_mask(pmu, diff);
		return KVM_MSR_OK;
	case MSR_CORE_PERF_GLOBAL_OVF_CTRL:
		if (val & pmu->global_status_rsvd)
			return KVM_MSR_GP;
		pmu->global_status &= ~val;
		if (is_live(pmu))
			hw_cpu__host_wrmsr(pmu->cpu, MSR_CORE_PERF_GLOBAL_OVF_CTRL, val);
		return KVM_MSR_OK;
	case MSR_CORE_PERF_FIXED_CTR_CTRL:
		if (val & pmu->fixed_ctr_ctrl_rsvd)
			return KVM_MSR_GP;
		for (unsigned int k = 0; k < pmu->nr_fixed; k++)
			if (((pmu->fixed_ctr_ctrl ^ val) >> (4 * k)) & 0xf)
				diff |= BIT_ULL(HW_FIXED_BASE + k);
		pmu->fixed_ctr_ctrl = val;
		pmu->pmc_in_use |= diff;	/* reprogram_fixed_counters */
		reprogram_mask(pmu, diff);
		return KVM_MSR_OK;
	default:	/* GLOBAL_STATUS: read-only to the guest */
		return KVM_MSR_GP;
	}
}

static enum kvm_msr_result intel_set_msr(struct kvm_pmu *pmu, u32 msr, u64 val)
{
	struct kvm_pmc *pmc;

	switch (msr) {
	case MSR_CORE_PERF_GLOBAL_STATUS:
	case MSR_CORE_PERF_GLOBAL_CTRL:
	case MSR_CORE_PERF_GLOBAL_OVF_CTRL:
	case MSR_CORE_PERF_FIXED_CTR_CTRL:
		return intel_set_global(pmu, msr, val);
	case MSR_IA32_PERF_CAPABILITIES:	/* vmx_pmu_caps_test: always #GP */
		return KVM_MSR_GP;
	case MSR_IA32_DEBUGCTLMSR:
		/* vmx_is_valid_debugctl: bits outside vmx_get_supported_debugctl()
		 * #GP (bus-lock detect; FREEZE_LBRS_ON_PMI, which needs guest LBRs,
		 * which the model never gives; FREEZE_PERFMON_ON_PMI, never
		 * supported), but BTF and LBR are logged (kvm_pr_unimpl_wrmsr)
		 * and dropped: accepted, reading back 0. */
		if (val & ~(DEBUGCTL_BTF | DEBUGCTL_LBR))
			return KVM_MSR_GP;
		return KVM_MSR_OK;
	}
	if ((pmc = gp_pmc(pmu, msr, MSR_IA32_PERFCTR0))) {
		pmu->kind->write_counter(pmu, pmc, (u64)(s64)(s32)(u32)val);
		return KVM_MSR_OK;
	}
	if (pmu->guest.fw_writes && (pmc = gp_pmc(pmu, msr, MSR_IA32_PMC0))) {
		if (val & ~kvm_pmc__mask(pmu, pmc))
			return KVM_MSR_GP;
		pmu->kind->write_counter(pmu, pmc, val);
		return KVM_MSR_OK;
	}
	if ((pmc = fixed_pmc(pmu, msr))) {	/* masked, no #GP */
		pmu->kind->write_counter(pmu, pmc, val & kvm_pmc__mask(pmu, pmc));
		return KVM_MSR_OK;
	}
	if ((pmc = gp_pmc(pmu, msr, MSR_P6_EVNTSEL0))) {
		if (val & pmu->reserved_bits)
			return KVM_MSR_GP;
		if (val != pmc->eventsel) {
			pmc->eventsel = val;
			kvm_pmu__request_reprogram(pmu, pmc);
		}
		return KVM_MSR_OK;
	}
	return is_p6_fallback(msr) ? KVM_MSR_OK : KVM_MSR_GP;
}

/* intel_rdpmc_ecx_to_pmc: type 0 (GP) or 0x4000 (fixed); the fast-read bit
 * and every other type #GP. */
static struct kvm_pmc *intel_rdpmc_ecx_to_pmc(struct kvm_pmu *pmu, u32 ecx)
{
	u32 type = ecx & 0xffff0000, idx = ecx & 0xffff;

	if (type == 0 && idx < pmu->nr_gp)
		return &pmu->gp[idx];
	if (type == (u32)RDPMC_TYPE_FIXED << 16 && idx < pmu->nr_fixed)
		return &pmu->fixed[idx];
	return NULL;
}

/* What a counter is set to count, as a perf attr (reprogram_counter). */
static bool intel_pmc_setup(const struct kvm_pmu *pmu, const struct kvm_pmc *pmc,
			    struct perf_attr *attr, bool *pmi)
{
	/* INST_RETIRED.ANY, CPU_CLK_UNHALTED.CORE, .REF; TOPDOWN.SLOTS (0x0400)
	 * only with the Topdown series' fourth fixed counter */
	static const u64 fixed_config[KVM_MAX_FIXED_TOPDOWN] = {
		0x00c0, 0x003c, PERF_RAW_REF_CYCLES, 0x0400,
	};

	*attr = (struct perf_attr){ .type = PERF_TYPE_RAW };
	if (pmc->idx >= HW_FIXED_BASE) {
		unsigned int k = pmc->idx - HW_FIXED_BASE;
		u64 field = (pmu->fixed_ctr_ctrl >> (4 * k)) & 0xf;

		attr->config = fixed_config[k];
		attr->exclude_kernel = !(field & FIXED_CTRL_OS);
		attr->exclude_user = !(field & FIXED_CTRL_USR);
		*pmi = !!(field & FIXED_CTRL_PMI);
		return !!(field & (FIXED_CTRL_OS | FIXED_CTRL_USR));
	}
	attr->config = pmc->eventsel & (EVTSEL_EVENT | EVTSEL_UMASK | EVTSEL_EDGE |
					EVTSEL_INV | EVTSEL_CMASK);
	attr->exclude_kernel = !(pmc->eventsel & EVTSEL_OS);
	attr->exclude_user = !(pmc->eventsel & EVTSEL_USR);
	*pmi = !!(pmc->eventsel & EVTSEL_INT);
	return !!(pmc->eventsel & EVTSEL_ENABLE);
}

static u64 intel_eventsel_hw(const struct kvm_pmu *pmu, const struct kvm_pmc *pmc)
{
	(void)pmu;
	return pmc->eventsel;	/* no event filter is modelled */
}

/* kvm_mediated_pmu_load, Intel half (research/vpmu-design.md section 1,
 * steps 6): reconcile GLOBAL_STATUS through STATUS_RESET / STATUS_SET, then
 * FIXED_CTR_CTRL. */
static void intel_mediated_load(struct kvm_pmu *pmu)
{
	struct hw_cpu *cpu = pmu->cpu;
	u64 hw = hw_cpu__host_rdmsr(cpu, MSR_CORE_PERF_GLOBAL_STATUS);
	u64 toggle = pmu->global_status ^ hw;

	pmu->nr_load_msr_ops++;
	if (hw & toggle) {
		hw_cpu__host_wrmsr(cpu, MSR_CORE_PERF_GLOBAL_OVF_CTRL, hw & toggle);
		pmu->nr_load_msr_ops++;
	}
	if (pmu->global_status & toggle) {
		hw_cpu__host_wrmsr(cpu, MSR_CORE_PERF_GLOBAL_STATUS_SET, pmu->global_status & toggle);
		pmu->nr_load_msr_ops++;
	}
	pmu->fixed_ctr_ctrl_hw = pmu->fixed_ctr_ctrl;
	hw_cpu__host_wrmsr(cpu, MSR_CORE_PERF_FIXED_CTR_CTRL, pmu->fixed_ctr_ctrl_hw);
	pmu->nr_load_msr_ops++;
}

/* kvm_mediated_pmu_put, Intel half: save and clear GLOBAL_STATUS, zero
 * FIXED_CTR_CTRL if it was in use. GLOBAL_CTRL was zeroed by the VM-exit. */
static void intel_mediated_put(struct kvm_pmu *pmu)
{
	struct hw_cpu *cpu = pmu->cpu;

	pmu->global_status = hw_cpu__host_rdmsr(cpu, MSR_CORE_PERF_GLOBAL_STATUS);
	pmu->nr_put_msr_ops++;
	if (pmu->global_status) {
		hw_cpu__host_wrmsr(cpu, MSR_CORE_PERF_GLOBAL_OVF_CTRL,
				   pmu->global_status & ~cpu->pmu.global_status_rsvd);
		pmu->nr_put_msr_ops++;
	}
	if (pmu->fixed_ctr_ctrl_hw) {
		hw_cpu__host_wrmsr(cpu, MSR_CORE_PERF_FIXED_CTR_CTRL, 0);
		pmu->nr_put_msr_ops++;
	}
}

const struct kvm_pmu_vendor_ops kvm_pmu_intel_ops = {
	.name = "intel",
	.refresh = intel_refresh,
	.is_pmu_msr = intel_is_pmu_msr,
	.get_msr = intel_get_msr,
	.set_msr = intel_set_msr,
	.rdpmc_ecx_to_pmc = intel_rdpmc_ecx_to_pmc,
	.pmc_setup = intel_pmc_setup,
	.eventsel_hw = intel_eventsel_hw,
	.mediated_load = intel_mediated_load,
	.mediated_put = intel_mediated_put,
	.gp_ctr_msr = MSR_IA32_PMC0,
	.gp_sel_msr = MSR_P6_EVNTSEL0,
	.gp_stride = 1,
};

/*
 * hw/pmu_intel.c - Intel architectural performance monitoring, versions 0-5,
 * as hardware implements it (not as KVM emulates it: kvm/ adds KVM's
 * deviations on top).
 *
 * Sources: Intel SDM Vol. 3B ch. 18 (18.2 architectural PMU, 18.2.2 global
 * control, 18.2.4 full-width writes, 18.2.5 legacy counter writes), Vol. 2
 * CPUID leaf 0AH and RDPMC, Vol. 3A 10.5.1 LVT; as digested with citations in
 * research/pmu-arch.md section 1. Model choices where the SDM is silent are
 * marked "model:".
 */
#include <stdio.h>

#include "base/diag.h"
#include "hw/msr.h"
#include "hw/pmu.h"

static int intel_validate(const struct hw_pmu_config *c, char *err, unsigned long len)
{
	const char *why = NULL;

	if (c->version > 5)
		why = "version must be 0..5";
	else if (c->nr_gp > INTEL_PMC_MAX_GENERIC)
		why = "gp must be 0..8";
	else if (c->nr_fixed > INTEL_PMC_MAX_FIXED)
		why = "fixed must be 0..4";
	else if (c->version == 0 && (c->nr_gp || c->nr_fixed))
		why = "version 0 has no counters (gp=0 fixed=0)";
	else if (c->version == 1 && c->nr_fixed)
		why = "version 1 has no fixed counters";
	else if (c->gp_width < 32 || c->gp_width > 64 ||
		 c->fixed_width < 32 || c->fixed_width > 64)
		why = "widths must be 32..64";
	else if (c->ebx_len > 32)
		why = "ebx_len must be 0..32";
	else if (c->fixed_mask && c->version < 5)
		why = "fixed_mask needs version 5";
	else if (c->fixed_mask >= (1U << INTEL_PMC_MAX_FIXED))
		why = "fixed_mask may name fixed counters 0..3 only";
	else if (c->anythread_deprecated && c->version < 5)
		why = "anythread_deprecated needs version 5";
	else if (c->metrics && !hw_pmu__is_fixed_present(c, 3))
		why = "metrics needs fixed counter 3 (fixed=4 or fixed_mask bit 3)";
	else if (c->amd_core || c->amd_perfmon_v2)
		why = "AMD features on an Intel PMU";
	if (why) {
		snprintf(err, len, "%s", why);
		return VPMU_E_INVAL;
	}
	return 0;
}

/* PDCM (CPUID.1:ECX[15]) and so PERF_CAPABILITIES: model: present from v2,
 * or whenever a capability bit is asked for. */
static bool has_pdcm(const struct hw_pmu_config *c)
{
	return c->version >= 2 || c->fw_writes || c->metrics;
}

/* AnyThread exists from v3. model: once deprecated (v5, CPUID.0AH:EDX[15])
 * the bit is still accepted and has no effect: perf notes that Ice Lake takes
 * "event=0x3c,any" although the filter no longer exists
 * (docs/research-findings-2026-11.md question 4). */
static bool has_anythread(const struct hw_pmu_config *c)
{
	return c->version >= 3;
}

static void intel_refresh(struct hw_pmu *pmu)
{
	const struct hw_pmu_config *c = &pmu->cfg;
	u64 gp_bits = c->nr_gp ? GENMASK_ULL(c->nr_gp - 1, 0) : 0;
	u64 fixed_bits = 0, fixed_ctrl_valid = 0, status_valid;

	pmu->has_global = c->version >= 2;
	pmu->gp_mask = mask_of_width(c->gp_width);
	pmu->fixed_mask = mask_of_width(c->fixed_width);
	for (unsigned int k = 0; k < HW_MAX_FIXED; k++) {
		if (!hw_pmu__is_fixed_present(c, k))
			continue;
		fixed_bits |= BIT_ULL(k);
		fixed_ctrl_valid |= (FIXED_CTRL_OS | FIXED_CTRL_USR | FIXED_CTRL_PMI |
				     (has_anythread(c) ? FIXED_CTRL_ANY : 0)) << (4 * k);
	}
	pmu->present = gp_bits | (fixed_bits << HW_FIXED_BASE);
	/* SDM 18.2: bits 63:32 of PERFEVTSELx are reserved without TSX (not
	 * modelled); AnyThread (bit 21) exists from v3. */
	pmu->evtsel_rsvd = GENMASK_ULL(63, 32) | (has_anythread(c) ? 0 : EVTSEL_ANY);
	pmu->fixed_ctrl_rsvd = ~fixed_ctrl_valid;
	pmu->global_ctrl_rsvd = ~(pmu->present |
				  (c->metrics ? BIT_ULL(GLOBAL_PERF_METRICS_BIT) : 0));
	/* SDM Table 2-2 (IA32_PERF_GLOBAL_STATUS): OvfBuf and CondChgd from
	 * v2, Ovf_Uncore from v3, LBR_Frz / CTR_Frz from v4. */
	status_valid = ~pmu->global_ctrl_rsvd | GLOBAL_STATUS_BUFFER_OVF |
		       GLOBAL_STATUS_COND_CHG;
	if (c->version >= 3)
		status_valid |= GLOBAL_STATUS_UNC_OVF;
	if (c->version >= 4)
		status_valid |= GLOBAL_STATUS_LBR_FRZ | GLOBAL_STATUS_CTR_FRZ;
	pmu->global_status_rsvd = ~status_valid;
	/* model: the DEBUGCTL bits of a core with LBR/BTS and freeze controls:
	 * LBR, BTF, TR, BTS, BTINT, BTS_OFF_OS/USR, FREEZE_LBRS_ON_PMI,
	 * FREEZE_PERFMON_ON_PMI, UNCORE_PMI_EN. Only the freeze bits act. */
	pmu->debugctl_rsvd = ~(BIT_ULL(0) | BIT_ULL(1) | GENMASK_ULL(13, 6));
	/* SDM 18.2.2: GLOBAL_CTRL resets to the GP enables (KVM and the
	 * selftests rely on it; research/pmu-arch.md section 1). */
	pmu->global_ctrl = pmu->has_global ? gp_bits : 0;
	/* the plain registers (hw/pmu.h): the full-width counters (with
	 * PERF_CAPABILITIES.FW_WRITE; the legacy ones sign-extend), the
	 * selects, the fixed counters */
	pmu->global_ctrl_msr = MSR_CORE_PERF_GLOBAL_CTRL;
	pmu->win_ctr_base = MSR_IA32_PMC0;
	pmu->win_ctr_n = c->fw_writes ? c->nr_gp : 0;
	pmu->win_sel_base = MSR_P6_EVNTSEL0;
	pmu->win_sel_n = c->nr_gp;
	pmu->win_ctr_shift = pmu->win_sel_shift = 0;
	pmu->win_fixed = (u8)fixed_bits;
	pmu->rdpmc_gp_n = c->version ? c->nr_gp : 0;
	pmu->rdpmc_fixed = c->version ? (u8)fixed_bits : 0;
}

static bool msr_in(u32 msr, u32 base, unsigned int n, unsigned int *i)
{
	if (msr < base || msr >= base + n)
		return false;
	*i = msr - base;
	return true;
}

static bool intel_is_msr_modelled(u32 msr)
{
	unsigned int i;

	return msr_in(msr, MSR_IA32_PERFCTR0, INTEL_PMC_MAX_GENERIC, &i) ||
	       msr_in(msr, MSR_IA32_PMC0, INTEL_PMC_MAX_GENERIC, &i) ||
	       msr_in(msr, MSR_P6_EVNTSEL0, INTEL_PMC_MAX_GENERIC, &i) ||
	       msr_in(msr, MSR_CORE_PERF_FIXED_CTR0, INTEL_PMC_MAX_FIXED, &i) ||
	       msr_in(msr, MSR_CORE_PERF_FIXED_CTR_CTRL, 6, &i) ||
	       msr == MSR_PERF_METRICS || msr == MSR_IA32_PERF_CAPABILITIES ||
	       msr == MSR_IA32_DEBUGCTLMSR;
}

static u64 intel_perf_capabilities(const struct hw_pmu_config *c)
{
	return (c->fw_writes ? PERF_CAP_FW_WRITES : 0) |
	       (c->metrics ? PERF_CAP_PERF_METRICS : 0);
}

/* SDM 18.2.6 (v4): IA32_PERF_GLOBAL_INUSE. Bit 63 (PMI_InUse) as Linux
 * defines it; the SDM text's "bit 32" is a typo (pmu-arch.md section 1). */
static u64 intel_global_inuse(const struct hw_pmu *pmu)
{
	u64 v = 0;
	bool pmi = false;

	for (unsigned int i = 0; i < pmu->cfg.nr_gp; i++) {
		if (pmu->evtsel[i] & EVTSEL_EVENT)
			v |= BIT_ULL(i);
		pmi |= !!(pmu->evtsel[i] & EVTSEL_INT);
	}
	for (unsigned int k = 0; k < HW_MAX_FIXED; k++) {
		u64 field = (pmu->fixed_ctrl >> (4 * k)) & 0xf;

		if (field & (FIXED_CTRL_OS | FIXED_CTRL_USR))
			v |= BIT_ULL(HW_FIXED_BASE + k);
		pmi |= !!(field & FIXED_CTRL_PMI);
	}
	return v | (pmi ? GLOBAL_INUSE_PMI : 0);
}

/* Counter MSRs (legacy, full-width, fixed) and event selects. */
static enum hw_msr_result intel_rd_counter_msr(struct hw_pmu *pmu, u32 msr, u64 *val)
{
	const struct hw_pmu_config *c = &pmu->cfg;
	unsigned int i;

	if (msr_in(msr, MSR_IA32_PERFCTR0, c->nr_gp, &i) ||
	    (c->fw_writes && msr_in(msr, MSR_IA32_PMC0, c->nr_gp, &i))) {
		*val = pmu->gp[i];
		return HW_MSR_OK;
	}
	if (msr_in(msr, MSR_P6_EVNTSEL0, c->nr_gp, &i)) {
		*val = pmu->evtsel[i];
		return HW_MSR_OK;
	}
	if (msr_in(msr, MSR_CORE_PERF_FIXED_CTR0, HW_MAX_FIXED, &i) &&
	    hw_pmu__is_fixed_present(c, i)) {
		*val = pmu->fixed[i];
		return HW_MSR_OK;
	}
	return HW_MSR_GP;
}

static enum hw_msr_result intel_rdmsr(struct hw_pmu *pmu, u32 msr, u64 *val)
{
	const struct hw_pmu_config *c = &pmu->cfg;

	switch (msr) {
	case MSR_CORE_PERF_FIXED_CTR_CTRL:
	case MSR_CORE_PERF_GLOBAL_STATUS:
	case MSR_CORE_PERF_GLOBAL_CTRL:
	case MSR_CORE_PERF_GLOBAL_OVF_CTRL:
		if (!pmu->has_global)
			return HW_MSR_GP;
		*val = msr == MSR_CORE_PERF_FIXED_CTR_CTRL ? pmu->fixed_ctrl :
		       msr == MSR_CORE_PERF_GLOBAL_STATUS ? pmu->global_status :
		       msr == MSR_CORE_PERF_GLOBAL_CTRL ? pmu->global_ctrl :
		       0;	/* model: OVF_CTRL reads 0, as KVM returns */
		return HW_MSR_OK;
	case MSR_CORE_PERF_GLOBAL_STATUS_SET:
	case MSR_CORE_PERF_GLOBAL_INUSE:
		if (c->version < 4)
			return HW_MSR_GP;
		*val = msr == MSR_CORE_PERF_GLOBAL_INUSE ? intel_global_inuse(pmu) : 0;
		return HW_MSR_OK;
	case MSR_PERF_METRICS:
		if (!c->metrics)
			return HW_MSR_GP;
		*val = hw_pmu__perf_metrics(pmu);
		return HW_MSR_OK;
	case MSR_IA32_PERF_CAPABILITIES:
		if (!has_pdcm(c))
			return HW_MSR_GP;
		*val = intel_perf_capabilities(c);
		return HW_MSR_OK;
	case MSR_IA32_DEBUGCTLMSR:
		*val = pmu->debugctl;
		return HW_MSR_OK;
	default:
		return intel_rd_counter_msr(pmu, msr, val);
	}
}

static enum hw_msr_result intel_wr_counter_msr(struct hw_pmu *pmu, u32 msr, u64 val)
{
	const struct hw_pmu_config *c = &pmu->cfg;
	unsigned int i;

	/* SDM 18.2.5: a legacy IA32_PMCx write takes EAX sign-extended. */
	if (msr_in(msr, MSR_IA32_PERFCTR0, c->nr_gp, &i)) {
		pmu->gp[i] = (u64)(s64)(s32)(u32)val & pmu->gp_mask;
		return HW_MSR_OK;
	}
	/* SDM 18.2.4: full-width writes; bits past the width are reserved. */
	if (c->fw_writes && msr_in(msr, MSR_IA32_PMC0, c->nr_gp, &i)) {
		if (val & ~pmu->gp_mask)
			return HW_MSR_GP;
		pmu->gp[i] = val;
		return HW_MSR_OK;
	}
	if (msr_in(msr, MSR_P6_EVNTSEL0, c->nr_gp, &i)) {
		if (val & pmu->evtsel_rsvd)
			return HW_MSR_GP;
		pmu->evtsel[i] = val;
		return HW_MSR_OK;
	}
	/* Fixed counters are written full width; bits past the width are
	 * reserved (SDM 18.2.2). KVM masks silently instead. */
	if (msr_in(msr, MSR_CORE_PERF_FIXED_CTR0, HW_MAX_FIXED, &i) &&
	    hw_pmu__is_fixed_present(c, i)) {
		if (val & ~pmu->fixed_mask)
			return HW_MSR_GP;
		pmu->fixed[i] = val;
		return HW_MSR_OK;
	}
	return HW_MSR_GP;
}

static enum hw_msr_result intel_wr_global_msr(struct hw_pmu *pmu, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_CORE_PERF_FIXED_CTR_CTRL:
		if (val & pmu->fixed_ctrl_rsvd)
			return HW_MSR_GP;
		pmu->fixed_ctrl = val;
		return HW_MSR_OK;
	case MSR_CORE_PERF_GLOBAL_CTRL:
		if (val & pmu->global_ctrl_rsvd)
			return HW_MSR_GP;
		pmu->global_ctrl = val;
		return HW_MSR_OK;
	case MSR_CORE_PERF_GLOBAL_OVF_CTRL:	/* write 1 to clear */
		if (val & pmu->global_status_rsvd)
			return HW_MSR_GP;
		pmu->global_status &= ~val;
		return HW_MSR_OK;
	case MSR_CORE_PERF_GLOBAL_STATUS_SET:	/* v4: write 1 to set */
		/* SDM Table 2-2: STATUS_SET has no CondChgd (bit 63); only
		 * STATUS_RESET can clear it. */
		if (pmu->cfg.version < 4 || (val & (pmu->global_status_rsvd | GLOBAL_STATUS_COND_CHG)))
			return HW_MSR_GP;
		pmu->global_status |= val;
		return HW_MSR_OK;
	default:	/* GLOBAL_STATUS and GLOBAL_INUSE are read-only */
		return HW_MSR_GP;
	}
}

static enum hw_msr_result intel_wrmsr(struct hw_pmu *pmu, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_CORE_PERF_FIXED_CTR_CTRL:
	case MSR_CORE_PERF_GLOBAL_STATUS:
	case MSR_CORE_PERF_GLOBAL_CTRL:
	case MSR_CORE_PERF_GLOBAL_OVF_CTRL:
	case MSR_CORE_PERF_GLOBAL_STATUS_SET:
	case MSR_CORE_PERF_GLOBAL_INUSE:
		if (!pmu->has_global)
			return HW_MSR_GP;
		return intel_wr_global_msr(pmu, msr, val);
	case MSR_PERF_METRICS:
		if (!pmu->cfg.metrics)
			return HW_MSR_GP;
		hw_pmu__write_perf_metrics(pmu, val);
		return HW_MSR_OK;
	case MSR_IA32_PERF_CAPABILITIES:	/* read-only */
		return HW_MSR_GP;
	case MSR_IA32_DEBUGCTLMSR:
		if (val & pmu->debugctl_rsvd)
			return HW_MSR_GP;
		pmu->debugctl = val;
		return HW_MSR_OK;
	default:
		return intel_wr_counter_msr(pmu, msr, val);
	}
}

/* SDM RDPMC: ECX[31:16] type, ECX[15:0] index (version != 0). The fast-read
 * bit 31 falls into the type and #GPs. Version 0 has no counters. */
static enum hw_msr_result intel_rdpmc(struct hw_pmu *pmu, u32 ecx, u64 *val)
{
	const struct hw_pmu_config *c = &pmu->cfg;
	u32 type = ecx >> 16, idx = ecx & 0xffff;

	if (c->version == 0)
		return HW_MSR_GP;
	switch (type) {
	case RDPMC_TYPE_GP:
		if (idx >= c->nr_gp)
			return HW_MSR_GP;
		*val = pmu->gp[idx];
		return HW_MSR_OK;
	case RDPMC_TYPE_FIXED:
		if (!hw_pmu__is_fixed_present(c, idx))
			return HW_MSR_GP;
		*val = pmu->fixed[idx];
		return HW_MSR_OK;
	case RDPMC_TYPE_METRICS:
		if (!c->metrics || idx)
			return HW_MSR_GP;
		*val = hw_pmu__perf_metrics(pmu);
		return HW_MSR_OK;
	default:
		return HW_MSR_GP;
	}
}

static void intel_cpuid(const struct hw_pmu_config *c, u32 leaf, u32 sub, u32 r[4])
{
	(void)sub;
	r[0] = r[1] = r[2] = r[3] = 0;
	switch (leaf) {
	case 0x0:
		r[0] = 0xa;
		r[1] = 0x756e6547;	/* "GenuineIntel" */
		r[3] = 0x49656e69;
		r[2] = 0x6c65746e;
		break;
	case 0x1:
		r[2] = has_pdcm(c) ? 1U << 15 : 0;	/* PDCM */
		break;
	case 0xa:
		if (!c->version)
			break;
		r[0] = c->version | (u32)c->nr_gp << 8 | (u32)c->gp_width << 16 |
		       (u32)c->ebx_len << 24;
		r[1] = c->unavailable & (u32)mask_of_width(c->ebx_len);
		r[2] = c->version >= 5 ? c->fixed_mask : 0;
		if (c->version >= 2)
			r[3] = c->nr_fixed | (u32)c->fixed_width << 5;
		r[3] |= c->anythread_deprecated ? 1U << 15 : 0;
		break;
	}
}

/* Fixed counter k counts: 0 instructions, 1 core cycles, 2 reference
 * cycles, 3 topdown slots (perf_event.h fixed-counter comments). */
static const enum hw_event intel_fixed_events[HW_MAX_FIXED] = {
	HW_EV_INSTRUCTIONS, HW_EV_CYCLES, HW_EV_REF_CYCLES, HW_EV_SLOTS,
};

static bool intel_counter_setup(const struct hw_pmu *pmu, unsigned int idx,
				bool guest, u8 cpl, struct hw_count_cfg *cc)
{
	const struct hw_pmu_config *c = &pmu->cfg;
	u64 sel;
	unsigned int arch;

	(void)guest;	/* Intel counters have no host/guest qualifier */
	if (pmu->has_global && !(pmu->global_ctrl & BIT_ULL(idx)))
		return false;
	/* SDM 17.4.7 (v4 streamlined freeze): counting stops while CTR_Frz is set. */
	if (c->version >= 4 && (pmu->global_status & GLOBAL_STATUS_CTR_FRZ))
		return false;
	*cc = (struct hw_count_cfg){ .ev = HW_EV_NONE };
	if (idx >= HW_FIXED_BASE) {
		u64 field = (pmu->fixed_ctrl >> (4 * (idx - HW_FIXED_BASE))) & 0xf;

		if (!(field & (cpl ? FIXED_CTRL_USR : FIXED_CTRL_OS)))
			return false;
		cc->ev = intel_fixed_events[idx - HW_FIXED_BASE];
		cc->pmi = !!(field & FIXED_CTRL_PMI);
		return true;
	}
	sel = pmu->evtsel[idx];
	if (!(sel & EVTSEL_ENABLE) || !(sel & (cpl ? EVTSEL_USR : EVTSEL_OS)))
		return false;
	cc->ev = hw_pmu__intel_arch_event(sel & EVTSEL_EVENT,
					  (sel & EVTSEL_UMASK) >> 8, &arch);
	if (cc->ev != HW_EV_NONE && !hw_pmu__is_arch_event_available(c, arch))
		cc->ev = HW_EV_NONE;
	cc->cmask = (u8)((sel & EVTSEL_CMASK) >> 24);
	cc->inv = !!(sel & EVTSEL_INV);
	cc->edge = !!(sel & EVTSEL_EDGE);
	cc->pmi = !!(sel & EVTSEL_INT);
	return true;
}

/*
 * A PMI request with DEBUGCTL freeze bits set (SDM 17.4.7):
 * v2-v3: FREEZE_PERFMON_ON_PMI clears every enable in GLOBAL_CTRL and
 * FREEZE_LBRS_ON_PMI clears DEBUGCTL.LBR; v4+: the processor sets CTR_Frz /
 * LBR_Frz in GLOBAL_STATUS instead and GLOBAL_CTRL is left alone.
 */
static void intel_pmi_requested(struct hw_pmu *pmu)
{
	bool v4 = pmu->cfg.version >= 4;

	if (pmu->debugctl & DEBUGCTL_FREEZE_PERFMON_ON_PMI) {
		if (v4)
			pmu->global_status |= GLOBAL_STATUS_CTR_FRZ;
		else
			pmu->global_ctrl = 0;
	}
	if (pmu->debugctl & DEBUGCTL_FREEZE_LBRS_ON_PMI) {
		if (v4)
			pmu->global_status |= GLOBAL_STATUS_LBR_FRZ;
		else
			pmu->debugctl &= ~DEBUGCTL_LBR;
	}
}

const struct hw_pmu_ops hw_pmu_intel_ops = {
	.name = "intel",
	.validate = intel_validate,
	.refresh = intel_refresh,
	.is_msr_modelled = intel_is_msr_modelled,
	.rdmsr = intel_rdmsr,
	.wrmsr = intel_wrmsr,
	.rdpmc = intel_rdpmc,
	.cpuid = intel_cpuid,
	.counter_setup = intel_counter_setup,
	.pmi_requested = intel_pmi_requested,
	/* SDM Vol. 3A 10.5.1: the APIC sets the LVTPC mask when it handles a
	 * PMI (quoted in KVM commit a16eb25b09c0). */
	.lvtpc_automask = true,
};

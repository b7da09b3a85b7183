/*
 * hw/pmu_amd.c - AMD core performance counters: the four legacy K7
 * counters, PerfCtrExtCore (six counters, K7 MSRs aliasing 0-3) and
 * PerfMonV2 (global control and status).
 *
 * The APM was not available; the facts come from Linux's AMD perf and KVM
 * code as digested in research/pmu-arch.md section 2. Model choices are
 * marked "model:" and listed in docs/guest-programs.md section 8.
 */
#include <stdio.h>

#include "base/diag.h"
#include "hw/msr.h"
#include "hw/pmu.h"

static int amd_validate(const struct hw_pmu_config *c, char *err, unsigned long len)
{
	unsigned int max = c->amd_core ? AMD64_NUM_COUNTERS_CORE : AMD64_NUM_COUNTERS;
	const char *why = NULL;

	if (c->amd_perfmon_v2 && !c->amd_core)
		why = "perfmon_v2 needs the core counters (pmu amd core perfmon_v2)";
	else if (c->nr_gp < 1 || c->nr_gp > max)
		why = c->amd_core ? "gp must be 1..6" : "legacy AMD has 4 counters";
	else if (c->amd_core && !c->amd_perfmon_v2 && c->nr_gp != max)
		why = "gp=N needs perfmon_v2 (CPUID 0x80000022:EBX[3:0])";
	else if (c->gp_width != 48)
		why = "AMD counters are 48 bits wide";
	else if (c->nr_fixed || c->fixed_mask || c->fw_writes || c->metrics ||
		 c->anythread_deprecated || c->unavailable)
		why = "Intel features on an AMD PMU";
	if (why) {
		snprintf(err, len, "%s", why);
		return VPMU_E_INVAL;
	}
	return 0;
}

static void amd_refresh(struct hw_pmu *pmu)
{
	const struct hw_pmu_config *c = &pmu->cfg;
	u64 gp_bits = GENMASK_ULL(c->nr_gp - 1, 0);

	pmu->cfg.version = c->amd_perfmon_v2 ? 2 : 1;
	pmu->has_global = c->amd_perfmon_v2;
	pmu->gp_mask = mask_of_width(48);
	pmu->present = gp_bits;
	/* PERF_CTL bits that exist on a core counter: event 7:0, unit mask,
	 * USR, OS, edge, INT, EN, INV, CMASK, EventSelect[11:8] (35:32),
	 * GuestOnly (40), HostOnly (41). KVM reserves 19, 21 and 36-63
	 * (0xfffffff000280000) but un-reserves HO/GO for nested guests.
	 * Hardware never #GPs on the others (Jim Mattson, KVM commit
	 * 9b026073db2f); model: it drops them (Zen 3 keeps bits 19 and 42,
	 * which is not modelled). */
	pmu->evtsel_rsvd = ~(GENMASK_ULL(18, 0) | EVTSEL_INT | EVTSEL_ENABLE |
			     EVTSEL_INV | EVTSEL_CMASK | AMD64_EVTSEL_EVENT_HI |
			     AMD64_EVTSEL_GUESTONLY | AMD64_EVTSEL_HOSTONLY);
	pmu->global_ctrl_rsvd = ~gp_bits;
	pmu->global_status_rsvd = ~gp_bits;
	/* model: GlobalCtl enables every counter at reset, as KVM sets it
	 * (the PPR reset value was not verified). */
	pmu->global_ctrl = pmu->has_global ? gp_bits : 0;
	/* the plain registers (hw/pmu.h): the core counters and controls
	 * with PerfCtrExtCore, else the K7 ones; RDPMC ECX is the index */
	pmu->global_ctrl_msr = MSR_AMD64_PERF_CNTR_GLOBAL_CTL;
	pmu->win_ctr_base = c->amd_core ? MSR_F15H_PERF_CTR0 : MSR_K7_PERFCTR0;
	pmu->win_sel_base = c->amd_core ? MSR_F15H_PERF_CTL0 : MSR_K7_EVNTSEL0;
	pmu->win_ctr_shift = pmu->win_sel_shift = c->amd_core ? 1 : 0;
	pmu->win_ctr_n = pmu->win_sel_n = c->amd_core ? c->nr_gp :
					  (u8)min_u64(c->nr_gp, AMD64_NUM_COUNTERS);
	pmu->win_fixed = pmu->rdpmc_fixed = 0;
	pmu->rdpmc_gp_n = c->nr_gp;
}

static bool msr_in(u32 msr, u32 base, unsigned int n, unsigned int stride,
		   unsigned int *i)
{
	if (msr < base || msr >= base + n * stride || (msr - base) % stride)
		return false;
	*i = (msr - base) / stride;
	return true;
}

static bool amd_is_msr_modelled(u32 msr)
{
	unsigned int i;

	return msr_in(msr, MSR_K7_EVNTSEL0, 8, 1, &i) ||
	       msr_in(msr, MSR_F15H_PERF_CTL0, 2 * AMD64_NUM_COUNTERS_CORE, 1, &i) ||
	       msr_in(msr, MSR_AMD64_PERF_CNTR_GLOBAL_STATUS, 4, 1, &i);
}

/* Map a counter or select MSR to a counter index; *is_ctl says which. */
static bool amd_counter_msr(const struct hw_pmu_config *c, u32 msr,
			    unsigned int *i, bool *is_ctl)
{
	unsigned int n = c->nr_gp < AMD64_NUM_COUNTERS ? c->nr_gp : AMD64_NUM_COUNTERS;

	if (msr_in(msr, MSR_K7_EVNTSEL0, n, 1, i) ||
	    (c->amd_core && msr_in(msr, MSR_F15H_PERF_CTL0, c->nr_gp, 2, i))) {
		*is_ctl = true;
		return true;
	}
	if (msr_in(msr, MSR_K7_PERFCTR0, n, 1, i) ||
	    (c->amd_core && msr_in(msr, MSR_F15H_PERF_CTR0, c->nr_gp, 2, i))) {
		*is_ctl = false;
		return true;
	}
	return false;
}

static enum hw_msr_result amd_rdmsr(struct hw_pmu *pmu, u32 msr, u64 *val)
{
	unsigned int i;
	bool is_ctl;

	switch (msr) {
	case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS:
	case MSR_AMD64_PERF_CNTR_GLOBAL_CTL:
	case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR:
	case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET:
		if (!pmu->has_global)
			return HW_MSR_GP;
		/* model: the write-only CLR / SET registers read 0, as KVM returns. */
		*val = msr == MSR_AMD64_PERF_CNTR_GLOBAL_STATUS ? pmu->global_status :
		       msr == MSR_AMD64_PERF_CNTR_GLOBAL_CTL ? pmu->global_ctrl : 0;
		return HW_MSR_OK;
	default:
		if (!amd_counter_msr(&pmu->cfg, msr, &i, &is_ctl))
			return HW_MSR_GP;
		*val = is_ctl ? pmu->evtsel[i] : pmu->gp[i];
		return HW_MSR_OK;
	}
}

static enum hw_msr_result amd_wrmsr(struct hw_pmu *pmu, u32 msr, u64 val)
{
	unsigned int i;
	bool is_ctl;

	switch (msr) {
	case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS:
	case MSR_AMD64_PERF_CNTR_GLOBAL_CTL:
	case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR:
	case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET:
		if (!pmu->has_global)
			return HW_MSR_GP;
		if (msr == MSR_AMD64_PERF_CNTR_GLOBAL_CTL)	/* model: rsvd ignored */
			pmu->global_ctrl = val & ~pmu->global_ctrl_rsvd;
		else if (msr == MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR)
			pmu->global_status &= ~val;
		else if (msr == MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET)
			pmu->global_status |= val & ~pmu->global_status_rsvd;
		/* "Per PPR, Read-only MSR. Writes are ignored." (KVM svm/pmu.c
		 * on GlobalStatus) */
		return HW_MSR_OK;
	default:
		if (!amd_counter_msr(&pmu->cfg, msr, &i, &is_ctl))
			return HW_MSR_GP;
		if (is_ctl) {
			pmu->evtsel[i] = val & ~pmu->evtsel_rsvd;
		} else {
			/* model: bits 63:48 are dropped (KVM masks to 48 bits; no
			 * sign extension on AMD). */
			pmu->gp[i] = val & pmu->gp_mask;
		}
		return HW_MSR_OK;
	}
}

static enum hw_msr_result amd_rdpmc(struct hw_pmu *pmu, u32 ecx, u64 *val)
{
	if (ecx >= pmu->cfg.nr_gp)
		return HW_MSR_GP;
	*val = pmu->gp[ecx];
	return HW_MSR_OK;
}

static void amd_cpuid(const struct hw_pmu_config *c, u32 leaf, u32 sub, u32 r[4])
{
	(void)sub;
	r[0] = r[1] = r[2] = r[3] = 0;
	switch (leaf) {
	case 0x0:
		r[0] = 0x10;
		r[1] = 0x68747541;	/* "AuthenticAMD" */
		r[3] = 0x69746e65;
		r[2] = 0x444d4163;
		break;
	case 0x80000000:
		r[0] = c->amd_perfmon_v2 ? 0x80000022 : 0x80000008;
		break;
	case 0x80000001:
		r[2] = c->amd_core ? 1U << 23 : 0;	/* PerfCtrExtCore */
		break;
	case 0x80000022:
		if (!c->amd_perfmon_v2)
			break;
		r[0] = 1;		/* PerfMonV2 */
		r[1] = c->nr_gp;	/* EBX[3:0]: core counters */
		break;
	}
}

/* AMD core PMC events used by KVM and kvm-unit-tests (pmu-arch.md section 1). */
static enum hw_event amd_event(u64 sel)
{
	unsigned int event = (unsigned int)((sel & EVTSEL_EVENT) |
					    ((sel & AMD64_EVTSEL_EVENT_HI) >> 24));

	if (sel & EVTSEL_UMASK)
		return HW_EV_NONE;
	switch (event) {
	case 0x76:
		return HW_EV_CYCLES;
	case 0xc0:
		return HW_EV_INSTRUCTIONS;
	case 0xc2:
		return HW_EV_BRANCHES;
	case 0xc3:
		return HW_EV_BRANCH_MISSES;
	default:
		return HW_EV_NONE;
	}
}

static bool amd_counter_setup(const struct hw_pmu *pmu, unsigned int idx,
			      bool guest, u8 cpl, struct hw_count_cfg *cc)
{
	u64 sel = pmu->evtsel[idx];
	bool go = !!(sel & AMD64_EVTSEL_GUESTONLY), ho = !!(sel & AMD64_EVTSEL_HOSTONLY);

	if (pmu->has_global && !(pmu->global_ctrl & BIT_ULL(idx)))
		return false;
	if (!(sel & EVTSEL_ENABLE) || !(sel & (cpl ? EVTSEL_USR : EVTSEL_OS)))
		return false;
	/* HostOnly / GuestOnly: exactly one set limits counting to that mode;
	 * both or neither count in both (Linux amd/core.c comment). */
	if (go != ho && go != guest)
		return false;
	*cc = (struct hw_count_cfg){
		.ev = amd_event(sel),
		.cmask = (u8)((sel & EVTSEL_CMASK) >> 24),
		.inv = !!(sel & EVTSEL_INV),
		.edge = !!(sel & EVTSEL_EDGE),
		.pmi = !!(sel & EVTSEL_INT),
	};
	return true;
}

static void amd_pmi_requested(struct hw_pmu *pmu)
{
	(void)pmu;	/* no freeze-on-PMI modelled on AMD */
}

const struct hw_pmu_ops hw_pmu_amd_ops = {
	.name = "amd",
	.validate = amd_validate,
	.refresh = amd_refresh,
	.is_msr_modelled = amd_is_msr_modelled,
	.rdmsr = amd_rdmsr,
	.wrmsr = amd_wrmsr,
	.rdpmc = amd_rdpmc,
	.cpuid = amd_cpuid,
	.counter_setup = amd_counter_setup,
	.pmi_requested = amd_pmi_requested,
	/* AMD does not mask LVTPC on a PMI (Sandipan Das's 2024 KVM fix,
	 * research/pmu-arch.md section 3). */
	.lvtpc_automask = false,
};

/*
 * kvm/vpmu_kinds.c - the three vPMU kinds behind struct kvm_vpmu_ops.
 *
 * none:     no PMU; every access is the P6/K7 fallback or #GP.
 * emulated: arch/x86/kvm/pmu.c before the mediated PMU: a guest counter is
 *           pmc->counter + emulated_counter + what its backing perf event
 *           counted; reprogram_counter() pauses the event (folding its count
 *           and detecting an overflow of emulated events), and if the counter
 *           is enabled resumes it with the period to the next overflow or
 *           creates a new pinned exclude_host event; the event's overflow
 *           callback (kvm_perf_overflow) sets the status bit and raises
 *           KVM_REQ_PMI / KVM_REQ_PMU.
 * mediated: Linux 7.0 (research/vpmu-design.md section 1): counters live in
 *           the hardware while the guest context is loaded; load and put
 *           follow kvm_mediated_pmu_load/put with the write of an unchanged
 *           counter skipped (switchable); event selects and FIXED_CTR_CTRL
 *           are always intercepted; counters and the global MSRs pass
 *           through under the conditions of v6 22/44; RDPMC exits unless the
 *           guest's counters match the host's (v6 20/44).
 */
#include <stdio.h>
#include <string.h>

#include "hw/msr.h"
#include "kvm/pmu.h"

/* ---- none --------------------------------------------------------------- */

static u64 none_read(struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	(void)pmu;
	(void)pmc;
	return 0;
}

static void none_write(struct kvm_pmu *pmu, struct kvm_pmc *pmc, u64 val)
{
	(void)pmu;
	(void)pmc;
	(void)val;
}

static int none_reprogram(struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	(void)pmu;
	(void)pmc;
	return 0;
}

static bool always(const struct kvm_pmu *pmu, u32 msr)
{
	(void)pmu;
	(void)msr;
	return true;
}

static bool always_rdpmc(const struct kvm_pmu *pmu)
{
	(void)pmu;
	return true;
}

const struct kvm_vpmu_ops kvm_vpmu_none_ops = {
	.name = "none",
	.has_pmu = false,
	.read_counter = none_read,
	.write_counter = none_write,
	.reprogram = none_reprogram,
	.is_intercepted = always,
	.is_rdpmc_intercepted = always_rdpmc,
};

/* ---- emulated ------------------------------------------------------------- */

/* get_sample_period: events to the counter's next overflow. */
static u64 sample_period(const struct kvm_pmu *pmu, const struct kvm_pmc *pmc, u64 counter)
{
	u64 mask = kvm_pmc__mask(pmu, pmc), p = (0 - counter) & mask;

	return p ? p : mask + 1;
}

/* What the backing event counted since it was last folded in. */
static u64 perf_delta(struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	if (!pmc->perf_event || pmc->is_paused)
		return 0;
	perf_event__read(pmu->host, pmc->perf_event);	/* perf_event_read_value */
	return pmc->perf_event->count - pmc->perf_base;
}

static u64 emulated_read(struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	return pmc->counter + pmc->emulated_counter + perf_delta(pmu, pmc);
}

static void emulated_write(struct kvm_pmu *pmu, struct kvm_pmc *pmc, u64 val)
{
	pmc->emulated_counter = 0;
	pmc->counter += val - emulated_read(pmu, pmc);
	pmc->counter &= kvm_pmc__mask(pmu, pmc);
	/* pmc_update_sample_period: from the offset base, as KVM does (a
	 * deviation, kvm/pmu.h) */
	if (pmc->perf_event && !pmc->is_paused) {
		u64 period = sample_period(pmu, pmc, pmc->counter);

		(void)perf_event__set_period(pmu->host, pmc->perf_event, period);
		pmc->is_period_skewed = period != sample_period(pmu, pmc, val);
	}
}

/* kvm_perf_overflow: ignored while a reprogram is already pending (it races
 * with KVM's own handling), else __kvm_perf_overflow + KVM_REQ_PMU. */
static void emulated_overflow(struct perf_event *ev, void *ctx)
{
	struct kvm_pmc *pmc = ctx;
	struct kvm_pmu *pmu = pmc->pmu;

	(void)ev;
	if (pmu->reprogram_pmi & BIT_ULL(pmc->idx))
		return;
	kvm_pmc__overflow(pmu, pmc);
	kvm_pmu__request_reprogram(pmu, pmc);
}

/* pmc_pause_counter: returns whether emulated events overflowed it.
 * perf_event_pause disables the event (its schedule-out reads the counter,
 * x86_pmu_stop with PERF_EF_UPDATE) and then returns the count: one read,
 * not a read and then a disable. */
static bool pause_counter(struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	u64 mask = kvm_pmc__mask(pmu, pmc), counter = pmc->counter, prev;

	if (pmc->perf_event && !pmc->is_paused) {
		perf_event__disable(pmu->host, pmc->perf_event);	/* perf_event_pause */
		counter += pmc->perf_event->count - pmc->perf_base;
		pmc->perf_base = pmc->perf_event->count;
	}
	prev = counter & mask;
	counter += pmc->emulated_counter;
	pmc->counter = counter & mask;
	pmc->emulated_counter = 0;
	pmc->is_paused = true;
	pmc->is_period_skewed = false;	/* the next period is from the folded count */
	return pmc->counter < prev;
}

/* What reprogram_counter compares to reuse an event: the whole event select,
 * or the whole fixed-counter field (rings and PMI included). */
static u64 counter_config(const struct kvm_pmu *pmu, const struct kvm_pmc *pmc)
{
	if (pmc->idx >= HW_FIXED_BASE)
		return (pmu->fixed_ctr_ctrl >> (4 * (pmc->idx - HW_FIXED_BASE))) & 0xf;
	return pmc->eventsel;
}

static int emulated_reprogram(struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	struct perf_attr attr;
	struct perf_event *ev;
	bool pmi, overflow = pause_counter(pmu, pmc);
	u64 config = counter_config(pmu, pmc);

	if (!kvm_pmc__is_enabled(pmu, pmc))
		return 0;
	if (overflow)	/* __kvm_perf_overflow(pmc, false): pmc->intr */
		kvm_pmc__overflow_pmi(pmu, pmc, pmc->intr);
	pmu->vendor->pmc_setup(pmu, pmc, &attr, &pmi);
	/* pmc_resume_counter: new period, enable; a period perf refuses
	 * (perf_event_period) has the event made again */
	if (pmc->perf_event && pmc->current_config == config &&
	    !perf_event__set_period(pmu->host, pmc->perf_event,
				    sample_period(pmu, pmc, pmc->counter))) {
		perf_event__enable(pmu->host, pmc->perf_event);
		pmc->is_paused = false;
		return 0;
	}
	if (pmc->perf_event)
		perf_event__release(pmu->host, pmc->perf_event);
	pmc->perf_event = NULL;
	pmc->current_config = config;
	attr.pinned = true;
	attr.exclude_host = true;
	attr.task = pmu->task;
	attr.sample_period = sample_period(pmu, pmc, pmc->counter);
	pmc->intr = pmi;	/* before the create, which may fail */
	snprintf(attr.name, sizeof(attr.name), "kvm-pmc%u", pmc->idx);
	if (perf_event__create(pmu->host, &attr, NULL, &ev))
		return -1;	/* the counter stays paused until a retry succeeds */
	ev->overflow = emulated_overflow;
	ev->overflow_ctx = pmc;
	pmc->perf_event = ev;
	pmc->perf_base = 0;
	pmc->is_paused = false;
	return 0;
}

/* pmc_stop_counter: the counter's value (pmc_read_counter: the event read
 * unless it is paused), then the event released; no pause. */
static void emulated_release(struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	pmc->counter = emulated_read(pmu, pmc) & kvm_pmc__mask(pmu, pmc);
	pmc->emulated_counter = 0;
	pmc->is_paused = true;
	pmc->is_period_skewed = false;
	perf_event__release(pmu->host, pmc->perf_event);
	pmc->perf_event = NULL;
	pmc->current_config = 0;
}

const struct kvm_vpmu_ops kvm_vpmu_emulated_ops = {
	.name = "emulated",
	.has_pmu = true,
	.read_counter = emulated_read,
	.write_counter = emulated_write,
	.reprogram = emulated_reprogram,
	.release = emulated_release,
	.is_intercepted = always,
	.is_rdpmc_intercepted = always_rdpmc,
};

/* ---- mediated --------------------------------------------------------------- */

/* The host's MSRs and RDPMC ECX of a counter: kvm_pmc.hw_* (kvm_pmu__init:
 * the vendor's GP counter and select MSRs by index and stride, the fixed
 * counters' MSRs, RDPMC type 0 or fixed). */
static u32 ctr_msr(const struct kvm_pmu *pmu, const struct kvm_pmc *pmc)
{
	(void)pmu;
	return pmc->hw_ctr_msr;
}

static u64 mediated_read(struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	if (pmu->loaded)	/* the live value is in the hardware */
		return *hw_pmu__counter(&pmu->cpu->pmu, pmc->idx);
	return pmc->counter;
}

static void mediated_write(struct kvm_pmu *pmu, struct kvm_pmc *pmc, u64 val)
{
	pmc->counter = val & kvm_pmc__mask(pmu, pmc);
	if (pmu->loaded)
		hw_cpu__host_wrmsr(pmu->cpu, ctr_msr(pmu, pmc), pmc->counter);
}

/* Fold emulated instructions (a wrap sets status and may raise a PMI) and
 * refresh the hardware select; applied at once if the context is loaded. */
static int mediated_reprogram(struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	u64 mask = kvm_pmc__mask(pmu, pmc);

	if (pmc->emulated_counter) {
		u64 old = mediated_read(pmu, pmc), val = (old + pmc->emulated_counter) & mask;

		pmc->emulated_counter = 0;
		mediated_write(pmu, pmc, val);
		if (val < old)
			kvm_pmc__overflow(pmu, pmc);
	}
	if (pmc->idx >= HW_FIXED_BASE) {
		pmu->fixed_ctr_ctrl_hw = pmu->fixed_ctr_ctrl;
		if (pmu->loaded)
			hw_cpu__host_wrmsr(pmu->cpu, MSR_CORE_PERF_FIXED_CTR_CTRL,
					   pmu->fixed_ctr_ctrl_hw);
		return 0;
	}
	pmc->eventsel_hw = pmu->vendor->eventsel_hw(pmu, pmc);
	if (pmu->loaded)
		hw_cpu__host_wrmsr(pmu->cpu, pmc->hw_sel_msr, pmc->eventsel_hw);
	return 0;
}

/*
 * !kvm_need_any_pmc_intercept: the guest has exactly the host's counters,
 * as perf reports them. A host with more fixed counters than KVM offers (4
 * on Sapphire Rapids, KVM_MAX_FIXED 3) fails it, or the guest could enable a
 * counter it does not have. (Posted, not merged as of Linux 7.0: Zide Chen /
 * Dapeng Mi, "KVM: x86/pmu: Add hardware Topdown metrics support", Feb 2026,
 * exposes fixed counter 3 to mediated guests, which would pass SPR here: the
 * profile key [kvm] mediated_max_fixed = 4, profiles/spr-fc3.ini.)
 */
static bool has_host_counters(const struct kvm_pmu *pmu)
{
	const struct hw_pmu_config *h = &pmu->cpu->pmu.cfg;
	unsigned int host_fixed = 0;

	for (unsigned int k = 0; k < HW_MAX_FIXED; k++)
		host_fixed += hw_pmu__is_fixed_present(h, k);
	return pmu->nr_gp == h->nr_gp &&
	       (h->vendor == HW_VENDOR_AMD || pmu->nr_fixed == host_fixed);
}

/* !kvm_need_perf_global_ctrl_intercept: the host's counters and a PMU with
 * the global MSRs (v2+; PerfMonV2 on AMD). */
static bool has_global_passthrough(const struct kvm_pmu *pmu)
{
	return pmu->version >= 2 && has_host_counters(pmu);
}

static bool mediated_is_intercepted(const struct kvm_pmu *pmu, u32 msr)
{
	unsigned int i;

	switch (msr) {
	case MSR_CORE_PERF_GLOBAL_STATUS:
	case MSR_CORE_PERF_GLOBAL_CTRL:
	case MSR_CORE_PERF_GLOBAL_OVF_CTRL:
	case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS:
	case MSR_AMD64_PERF_CNTR_GLOBAL_CTL:
	case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR:
	case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET:
		return !has_global_passthrough(pmu) ||
		       (pmu->guest.vendor == HW_VENDOR_INTEL) != (msr < 0xc0000000);
	}
	if (pmu->guest.vendor == HW_VENDOR_INTEL) {
		i = msr - MSR_IA32_PERFCTR0;
		if (msr >= MSR_IA32_PERFCTR0 && i < pmu->nr_gp)
			return false;
		i = msr - MSR_IA32_PMC0;
		if (msr >= MSR_IA32_PMC0 && i < pmu->nr_gp && pmu->guest.fw_writes)
			return false;
		i = msr - MSR_CORE_PERF_FIXED_CTR0;
		return !(msr >= MSR_CORE_PERF_FIXED_CTR0 && i < pmu->nr_fixed);
	}
	i = msr - MSR_K7_PERFCTR0;
	if (msr >= MSR_K7_PERFCTR0 && i < pmu->nr_gp && i < AMD64_NUM_COUNTERS)
		return false;
	/* the F15H counters exist for the guest only with PerfCtrExtCore */
	i = msr - MSR_F15H_PERF_CTR0;
	return !(pmu->guest.amd_core && msr >= MSR_F15H_PERF_CTR0 && !(i & 1) &&
		 i / 2 < pmu->nr_gp);
}

/* kvm_need_rdpmc_intercept: RDPMC exiting is off when the guest's counters
 * and widths are the host's and the VMware backdoor is off (it is here); no
 * version condition (v6: "Don't tie RDPMC interception to PERF_GLOBAL_CTRL
 * interception"), so an AMD guest with PerfCtrExtCore and the host's six
 * counters reads them directly even without PerfMonV2. */
static bool mediated_is_rdpmc_intercepted(const struct kvm_pmu *pmu)
{
	const struct hw_pmu_config *h = &pmu->cpu->pmu.cfg;

	return !has_host_counters(pmu) || pmu->guest.gp_width != h->gp_width ||
	       (h->vendor == HW_VENDOR_INTEL && pmu->nr_fixed &&
		pmu->guest.fixed_width != h->fixed_width);
}

/* The counter of position @i in pmu->hw_regs. */
static struct kvm_pmc *regs_pmc(struct kvm_pmu *pmu, unsigned int i)
{
	return i < pmu->nr_gp ? &pmu->gp[i] : &pmu->fixed[i - pmu->nr_gp];
}

/*
 * The counters of the load: each counter (v6 34/44, v5 44/44: the WRMSR
 * skipped when RDPMC shows the value there), then for a general-purpose
 * one its select as KVM computes it; the fixed counters after the GP ones.
 */
static void load_counters(struct kvm_pmu *pmu)
{
	unsigned int n = (unsigned int)pmu->nr_gp + pmu->nr_fixed;
	u64 val[KVM_MAX_GP_INTEL + KVM_MAX_FIXED_TOPDOWN], sel[KVM_MAX_GP_INTEL];

	for (unsigned int i = 0; i < n; i++) {
		struct kvm_pmc *pmc = regs_pmc(pmu, i);

		val[i] = pmc->counter;
		if (i < pmu->nr_gp)
			sel[i] = pmc->eventsel_hw = pmu->vendor->eventsel_hw(pmu, pmc);
	}
	pmu->nr_load_msr_ops += hw_cpu__host_load_counters(pmu->cpu, pmu->hw_regs, n, val, sel,
							   pmu->skip_unchanged);
}

static void mediated_load(struct kvm_pmu *pmu)
{
	struct hw_cpu *cpu = pmu->cpu;
	bool intel = cpu->pmu.cfg.vendor == HW_VENDOR_INTEL;

	if (pmu->loaded)
		return;
	perf_cpu__load_guest_context(pmu->host);
	hw_cpu__host_batch_begin(cpu);	/* register accesses only, up to the end */
	hw_cpu__host_wrmsr(cpu, intel ? MSR_CORE_PERF_GLOBAL_CTRL : MSR_AMD64_PERF_CNTR_GLOBAL_CTL, 0);
	if (pmu->lvtpc_vector)
		perf_cpu__load_guest_lvtpc(pmu->host, pmu->lvtpc);
	pmu->nr_load_msr_ops += 1 + pmu->lvtpc_vector;
	load_counters(pmu);
	pmu->vendor->mediated_load(pmu);
	hw_cpu__host_batch_end(cpu);
	pmu->loaded = true;
}

/* Save each counter and clear it and its select in the hardware, writing
 * only what is non-zero. */
static void put_counters(struct kvm_pmu *pmu)
{
	unsigned int n = (unsigned int)pmu->nr_gp + pmu->nr_fixed;
	u64 val[KVM_MAX_GP_INTEL + KVM_MAX_FIXED_TOPDOWN], clear_sel = 0;

	for (unsigned int i = 0; i < pmu->nr_gp; i++)
		clear_sel |= pmu->gp[i].eventsel_hw ? BIT_ULL(i) : 0;
	pmu->nr_put_msr_ops += hw_cpu__host_put_counters(pmu->cpu, pmu->hw_regs, n, clear_sel, val);
	for (unsigned int i = 0; i < n; i++)
		regs_pmc(pmu, i)->counter = val[i];
}

static void mediated_put(struct kvm_pmu *pmu)
{
	if (!pmu->loaded)
		return;
	hw_cpu__host_batch_begin(pmu->cpu);	/* register accesses only, up to the end */
	pmu->vendor->mediated_put(pmu);
	put_counters(pmu);
	pmu->loaded = false;
	if (pmu->lvtpc_vector)
		perf_cpu__put_guest_lvtpc(pmu->host);	/* perf_wrmsr: batch-safe */
	pmu->nr_put_msr_ops += pmu->lvtpc_vector;	/* as the load counts its own */
	hw_cpu__host_batch_end(pmu->cpu);
	perf_cpu__put_guest_context(pmu->host);
}

const struct kvm_vpmu_ops kvm_vpmu_mediated_ops = {
	.name = "mediated",
	.has_pmu = true,
	.is_mediated = true,
	.read_counter = mediated_read,
	.write_counter = mediated_write,
	.reprogram = mediated_reprogram,
	.is_intercepted = mediated_is_intercepted,
	.is_rdpmc_intercepted = mediated_is_rdpmc_intercepted,
	.load = mediated_load,
	.put = mediated_put,
};

const struct kvm_vpmu_ops *const kvm_vpmu_kinds[] = {
	&kvm_vpmu_none_ops, &kvm_vpmu_emulated_ops, &kvm_vpmu_mediated_ops, NULL,
};

const struct kvm_vpmu_ops *kvm_vpmu__by_name(const char *name)
{
	for (int i = 0; kvm_vpmu_kinds[i]; i++)
		if (!strcmp(kvm_vpmu_kinds[i]->name, name))
			return kvm_vpmu_kinds[i];
	return NULL;
}

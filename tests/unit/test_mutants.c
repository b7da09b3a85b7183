/*
 * test_mutants.c - planted bugs prove the isolation check. Each mutant is
 * a deliberately broken vPMU kind, built only here by wrapping the real
 * kvm_vpmu_*_ops (a load, put, read or intercept that does one thing
 * wrong); the library has no mutation points. Every mutant must be caught
 * by the isolation check (sim/isolation.h: the shadow bare-metal PMU and
 * the host's ground truth) on random seeds where the correct kind passes;
 * the test prints the kill ratio.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hw/msr.h"
#include "sim/isolation.h"

#define SEEDS 8

static bool is_intel(const struct kvm_pmu *pmu)
{
	return pmu->cpu->pmu.cfg.vendor == HW_VENDOR_INTEL;
}

static u32 ctr_msr(const struct kvm_pmu *pmu, unsigned int idx)
{
	if (idx >= HW_FIXED_BASE)
		return MSR_CORE_PERF_FIXED_CTR0 + (idx - HW_FIXED_BASE);
	return pmu->vendor->gp_ctr_msr + idx * pmu->vendor->gp_stride;
}

static u32 sel_msr(const struct kvm_pmu *pmu, unsigned int i)
{
	return pmu->vendor->gp_sel_msr + i * pmu->vendor->gp_stride;
}

static void real_load(struct kvm_pmu *pmu)
{
	kvm_vpmu_mediated_ops.load(pmu);
}

static void real_put(struct kvm_pmu *pmu)
{
	kvm_vpmu_mediated_ops.put(pmu);
}

static struct kvm_pmc *pmc_of(struct kvm_pmu *pmu, unsigned int idx)
{
	return idx >= HW_FIXED_BASE ? &pmu->fixed[idx - HW_FIXED_BASE] : &pmu->gp[idx];
}

/* 1. The put saves zeros instead of the counts. */
static void zero_on_put(struct kvm_pmu *pmu)
{
	real_put(pmu);
	for (u64 m = pmu->all_valid_pmc_idx; m; m &= m - 1)
		pmc_of(pmu, (unsigned int)__builtin_ctzll(m))->counter = 0;
}

/* 2. The put adds 1,000 to every saved count. */
static void inflate_on_put(struct kvm_pmu *pmu)
{
	real_put(pmu);
	for (u64 m = pmu->all_valid_pmc_idx; m; m &= m - 1) {
		struct kvm_pmc *pmc = pmc_of(pmu, (unsigned int)__builtin_ctzll(m));

		pmc->counter = (pmc->counter + 1000) & kvm_pmc__mask(pmu, pmc);
	}
}

/* 3. The guest's event selects (and fixed control) stay live in the
 * hardware after the put, over what host perf put back. */
static void selects_live(struct kvm_pmu *pmu)
{
	real_put(pmu);
	for (unsigned int i = 0; i < pmu->nr_gp; i++)
		if (pmu->gp[i].eventsel)
			hw_cpu__host_wrmsr(pmu->cpu, sel_msr(pmu, i), pmu->gp[i].eventsel);
	if (is_intel(pmu) && pmu->fixed_ctr_ctrl_hw)
		hw_cpu__host_wrmsr(pmu->cpu, MSR_CORE_PERF_FIXED_CTR_CTRL, pmu->fixed_ctr_ctrl_hw);
}

/* 4. The load does not restore GLOBAL_STATUS (the guest's pending
 * overflow bits are gone). */
static void status_not_restored(struct kvm_pmu *pmu)
{
	real_load(pmu);
	hw_cpu__host_wrmsr(pmu->cpu, is_intel(pmu) ? MSR_CORE_PERF_GLOBAL_OVF_CTRL :
			   MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR, pmu->all_valid_pmc_idx);
}

/* 5. The put leaves the LVTPC on the guest's PMI vector 0xf5: the host's
 * PMIs arrive as the guest's. */
static void lvtpc_left_on_vector(struct kvm_pmu *pmu)
{
	real_put(pmu);
	if (pmu->lvtpc_vector)
		hw_cpu__host_wrmsr(pmu->cpu, MSR_X2APIC_LVTPC, APIC_LVT_DM_FIXED | 0xf5);
}

/* 6. The counters the guest does not have keep the host's select and stay
 * enabled for the entry (KVM's GLOBAL_CTRL for the guest takes the host's
 * bits too): host events count guest work. */
static void unexposed_not_cleared(struct kvm_pmu *pmu)
{
	struct hw_pmu *hw = &pmu->cpu->pmu;
	u64 on = hw->global_ctrl & ~pmu->all_valid_pmc_idx;

	real_load(pmu);
	pmu->global_ctrl |= on;
}

/* 6'. AMD flavour: the host's selects of those counters left and enabled
 * in PerfCntrGlobalCtl. Equivalent in the model: host perf's selects carry
 * HostOnly (exclude_guest), so they count nothing in guest mode. */
static void unexposed_not_cleared_amd(struct kvm_pmu *pmu)
{
	struct hw_pmu *hw = &pmu->cpu->pmu;
	u64 sel[HW_MAX_GP], on = 0;

	memcpy(sel, hw->evtsel, sizeof(sel));
	on = hw->global_ctrl & ~pmu->all_valid_pmc_idx & (BIT_ULL(hw->cfg.nr_gp) - 1);
	real_load(pmu);
	for (unsigned int i = pmu->nr_gp; i < hw->cfg.nr_gp; i++)
		if (on & BIT_ULL(i))
			hw_cpu__host_wrmsr(pmu->cpu, sel_msr(pmu, i), sel[i]);
	if (!is_intel(pmu))
		hw_cpu__host_wrmsr(pmu->cpu, MSR_AMD64_PERF_CNTR_GLOBAL_CTL, pmu->global_ctrl | on);
}

/* 7. The put does not save GP counter 0 (the last saved value stays). */
static void counter_not_saved(struct kvm_pmu *pmu)
{
	u64 old = pmu->gp[0].counter;

	real_put(pmu);
	pmu->gp[0].counter = old;
}

/* 8. The load does not restore FIXED_CTR_CTRL. */
static void fixed_ctrl_not_restored(struct kvm_pmu *pmu)
{
	real_load(pmu);
	hw_cpu__host_wrmsr(pmu->cpu, MSR_CORE_PERF_FIXED_CTR_CTRL, 0);
}

/* 9. AMD: the put leaves PerfCntrGlobalCtl with the guest's value.
 * Equivalent in the model: the guest's hardware selects carry GuestOnly
 * (v5 36/44), so enabled counters count nothing in host mode, and host
 * perf writes its own GlobalCtl when it schedules back in. */
static void amd_global_ctl_not_cleared(struct kvm_pmu *pmu)
{
	real_put(pmu);
	hw_cpu__host_wrmsr(pmu->cpu, MSR_AMD64_PERF_CNTR_GLOBAL_CTL, pmu->global_ctrl);
}

/* 10. RDPMC passed through even when the guest's counters are not the
 * host's (fewer, or narrower). */
static bool rdpmc_never_intercepted(const struct kvm_pmu *pmu)
{
	(void)pmu;
	return false;
}

/* 11. The put throws the saved GLOBAL_STATUS away. */
static void status_not_saved(struct kvm_pmu *pmu)
{
	real_put(pmu);
	pmu->global_status = 0;
}

/* 12. The load leaves the host's residue in the counters whose saved value
 * is zero (a wrong "unchanged" comparison). */
static void residue_left(struct kvm_pmu *pmu)
{
	u64 before[HW_MAX_IDX];

	for (u64 m = pmu->all_valid_pmc_idx; m; m &= m - 1)
		before[__builtin_ctzll(m)] = *hw_pmu__counter(&pmu->cpu->pmu,
							      (unsigned int)__builtin_ctzll(m));
	real_load(pmu);
	for (u64 m = pmu->all_valid_pmc_idx; m; m &= m - 1) {
		unsigned int idx = (unsigned int)__builtin_ctzll(m);

		if (before[idx] && !pmc_of(pmu, idx)->counter)
			hw_cpu__host_wrmsr(pmu->cpu, ctr_msr(pmu, idx), before[idx]);
	}
}

/* 13. Event select writes passed through (not intercepted): KVM's copy
 * goes stale and the next load restores the old select. */
static bool selects_not_intercepted(const struct kvm_pmu *pmu, u32 msr)
{
	if ((msr >= MSR_P6_EVNTSEL0 && msr < MSR_P6_EVNTSEL0 + INTEL_PMC_MAX_GENERIC) ||
	    (msr >= MSR_F15H_PERF_CTL0 && msr < MSR_F15H_PERF_CTL0 + 12 && !(msr & 1)))
		return false;
	return kvm_vpmu_mediated_ops.is_intercepted(pmu, msr);
}

/* 14. Emulated: a read forgets what the backing perf event counted since
 * the counter was last folded. */
static u64 emulated_read_drops_perf(struct kvm_pmu *pmu, struct kvm_pmc *pmc)
{
	return (pmc->counter + pmc->emulated_counter) & kvm_pmc__mask(pmu, pmc);
}

/* 15. Emulated: a counter write leaves the old count in (adds instead of
 * setting). */
static void emulated_write_adds(struct kvm_pmu *pmu, struct kvm_pmc *pmc, u64 val)
{
	u64 old = kvm_vpmu_emulated_ops.read_counter(pmu, pmc);

	kvm_vpmu_emulated_ops.write_counter(pmu, pmc, (val + (old & 0xff)) &
					    kvm_pmc__mask(pmu, pmc));
}

/* 16, 17. KVM's write rules (the isolation guest's invalid writes): the
 * vendor's set_msr wrapped from the first load on (the kind ops cannot
 * reach it otherwise). 16: a GLOBAL_CTRL write with reserved bits is taken
 * (their value dropped) instead of #GP. 17: an AMD select keeps the bits
 * KVM drops (amd_pmu_set_msr's reserved_bits, HostOnly/GuestOnly). */
static struct kvm_pmu_vendor_ops mutant_vendor;
static enum kvm_msr_result (*real_set_msr)(struct kvm_pmu *pmu, u32 msr, u64 val);

static enum kvm_msr_result global_rsvd_taken(struct kvm_pmu *pmu, u32 msr, u64 val)
{
	if (msr == MSR_CORE_PERF_GLOBAL_CTRL && (val & pmu->global_ctrl_rsvd))
		val &= ~pmu->global_ctrl_rsvd;
	return real_set_msr(pmu, msr, val);
}

static enum kvm_msr_result amd_select_keeps_rsvd(struct kvm_pmu *pmu, u32 msr, u64 val)
{
	enum kvm_msr_result r = real_set_msr(pmu, msr, val);
	bool is_counter;
	int idx = kvm_pmu__msr_to_idx(pmu, msr, &is_counter);

	if (r == KVM_MSR_OK && idx >= 0 && !is_counter && idx < HW_FIXED_BASE)
		pmu->gp[idx].eventsel |= val & pmu->reserved_bits;
	return r;
}

static void wrap_vendor(struct kvm_pmu *pmu,
			enum kvm_msr_result (*set)(struct kvm_pmu *, u32, u64))
{
	if (pmu->vendor != &mutant_vendor) {
		mutant_vendor = *pmu->vendor;
		real_set_msr = pmu->vendor->set_msr;
		mutant_vendor.set_msr = set;
		pmu->vendor = &mutant_vendor;
	}
	real_load(pmu);
}

static void load_global_rsvd_taken(struct kvm_pmu *pmu)
{
	wrap_vendor(pmu, global_rsvd_taken);
}

static void load_amd_select_keeps_rsvd(struct kvm_pmu *pmu)
{
	wrap_vendor(pmu, amd_select_keeps_rsvd);
}

struct mutant {
	const char *name;
	const char *cpu;	/* the profile it is tried on */
	bool emulated;
	bool equivalent;	/* harmless by design of the model: must NOT be caught */
	void (*load)(struct kvm_pmu *pmu);
	void (*put)(struct kvm_pmu *pmu);
	bool (*rdpmc)(const struct kvm_pmu *pmu);
	bool (*intercept)(const struct kvm_pmu *pmu, u32 msr);
	u64 (*read)(struct kvm_pmu *pmu, struct kvm_pmc *pmc);
	void (*write)(struct kvm_pmu *pmu, struct kvm_pmc *pmc, u64 val);
};

static const struct mutant mutants[] = {
	{ "zero on put", "spr", .put = zero_on_put },
	{ "zero on put (AMD)", "zen4", .put = zero_on_put },
	{ "inflate on put", "spr", .put = inflate_on_put },
	{ "inflate on put (AMD)", "zen4", .put = inflate_on_put },
	{ "event selects left live after put", "spr", .put = selects_live },
	{ "event selects left live after put (AMD)", "zen4", .put = selects_live },
	{ "GLOBAL_STATUS not restored on load", "spr", .load = status_not_restored },
	{ "GLOBAL_STATUS not restored on load (AMD)", "zen4", .load = status_not_restored },
	{ "LVTPC left on the vector after put", "spr", .put = lvtpc_left_on_vector },
	{ "unexposed counter not cleared", "spr", .load = unexposed_not_cleared },
	{ "unexposed counter not cleared (AMD, HostOnly)", "zen4", .equivalent = true,
	  .load = unexposed_not_cleared_amd },
	{ "a counter not saved", "spr", .put = counter_not_saved },
	{ "a counter not saved (AMD)", "zen4", .put = counter_not_saved },
	{ "fixed counter control not restored", "spr", .load = fixed_ctrl_not_restored },
	{ "AMD GLOBAL_CTL not cleared on put (GuestOnly)", "zen4", .equivalent = true,
	  .put = amd_global_ctl_not_cleared },
	{ "RDPMC passed through when counters differ", "spr", .rdpmc = rdpmc_never_intercepted },
	{ "RDPMC passed through when counters differ (AMD)", "zen4",
	  .rdpmc = rdpmc_never_intercepted },
	{ "GLOBAL_STATUS not saved on put", "spr", .put = status_not_saved },
	{ "host residue left by load", "spr", .load = residue_left },
	{ "event selects not intercepted", "spr", .intercept = selects_not_intercepted },
	{ "emulated: read drops the perf count", "spr", true, .read = emulated_read_drops_perf },
	{ "emulated: counter write adds", "zen4", true, .write = emulated_write_adds },
	{ "GLOBAL_CTRL reserved bits taken, not #GP", "spr", .load = load_global_rsvd_taken },
	{ "AMD select keeps the bits KVM drops", "zen4", .load = load_amd_select_keeps_rsvd },
};
#define NR_MUTANTS (sizeof(mutants) / sizeof(mutants[0]))

static struct kvm_vpmu_ops mutant_ops;

static void build_ops(const struct mutant *mu)
{
	mutant_ops = mu->emulated ? kvm_vpmu_emulated_ops : kvm_vpmu_mediated_ops;
	mutant_ops.name = "mutant";
	if (mu->load)
		mutant_ops.load = mu->load;
	if (mu->put)
		mutant_ops.put = mu->put;
	if (mu->rdpmc)
		mutant_ops.is_rdpmc_intercepted = mu->rdpmc;
	if (mu->intercept)
		mutant_ops.is_intercepted = mu->intercept;
	if (mu->read)
		mutant_ops.read_counter = mu->read;
	if (mu->write)
		mutant_ops.write_counter = mu->write;
}

/* Failures of @kind over SEEDS seeds, under every policy for a mediated
 * kind, vector routing. */
static u64 failures(const struct profile *prof, const struct kvm_vpmu_ops *kind, char *first,
		    size_t len)
{
	u64 sum = 0;
	char err[256];

	for (int p = 0; kvm_policies[p] && (p == 0 || kind->is_mediated); p++) {
		struct iso_row row = { .kind = kind, .policy = kvm_policies[p] };

		assert_int_equal(sim__isolation_row(prof, SEEDS, &row, err, sizeof(err)), 0);
		assert_false(row.unsupported);
		sum += sim__isolation_failures(&row);
		if (row.first[0] && !first[0])
			snprintf(first, len, "%s: %s", kvm_policies[p]->name, row.first);
	}
	return sum;
}

static void test_every_mutant_is_caught(void **state)
{
	static struct profile spr, zen4;
	struct diag d;
	unsigned int killed = 0, nr = 0, equivalent = 0;
	char first[256] = "";

	(void)state;
	assert_int_equal(profile__load("spr", &spr, &d), 0);
	assert_int_equal(profile__load("zen4", &zen4, &d), 0);
	/* the correct kinds pass on the same seeds */
	assert_int_equal(failures(&spr, &kvm_vpmu_mediated_ops, first, sizeof(first)), 0);
	assert_int_equal(failures(&zen4, &kvm_vpmu_mediated_ops, first, sizeof(first)), 0);
	assert_int_equal(failures(&spr, &kvm_vpmu_emulated_ops, first, sizeof(first)), 0);
	assert_int_equal(failures(&zen4, &kvm_vpmu_emulated_ops, first, sizeof(first)), 0);
	for (size_t i = 0; i < NR_MUTANTS; i++) {
		const struct mutant *mu = &mutants[i];
		u64 n;

		build_ops(mu);
		first[0] = 0;
		n = failures(!strcmp(mu->cpu, "spr") ? &spr : &zen4, &mutant_ops, first,
			     sizeof(first));
		print_message("%-48s %s (%llu differences) %s\n", mu->name,
			      mu->equivalent ? (n ? "EQUIVALENT ONE CAUGHT" : "equivalent, not caught") :
			      n ? "killed" : "SURVIVED", (unsigned long long)n, first);
		if (mu->equivalent) {
			equivalent += !n;
			continue;
		}
		nr++;
		killed += n > 0;
	}
	print_message("mutants killed: %u/%u (and %u equivalent mutants, harmless by "
		      "design, not caught)\n", killed, nr, equivalent);
	assert_int_equal(killed, nr);
	assert_true(nr >= 10);
	for (size_t i = 0; i < NR_MUTANTS; i++)
		equivalent -= mutants[i].equivalent;
	assert_int_equal(equivalent, 0);	/* an equivalent one caught: a false alarm */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_mutant_is_caught),
	};

	return cmocka_run_group_tests_name("mutants", tests, NULL, NULL);
}

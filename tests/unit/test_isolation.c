/*
 * test_isolation.c - the isolation detectors catch what they should: a
 * deliberately broken mediated load (compiled only here) that leaves the
 * host's residue in the guest's counters instead of writing them, as a
 * load that skipped "unchanged" counters on a wrong comparison would.
 * The real load, on the same random scenarios, leaves none.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hw/msr.h"
#include "sim/isolation.h"

static u32 ctr_msr(unsigned int idx)
{
	return idx >= HW_FIXED_BASE ? MSR_CORE_PERF_FIXED_CTR0 + (idx - HW_FIXED_BASE)
				    : MSR_IA32_PMC0 + idx;
}

/* The real load, then the host's leftovers put back into the counters. */
static void broken_load(struct kvm_pmu *pmu)
{
	u64 before[HW_MAX_IDX];

	for (u64 m = pmu->all_valid_pmc_idx; m; m &= m - 1)
		before[__builtin_ctzll(m)] = *hw_pmu__counter(&pmu->cpu->pmu,
							      (unsigned int)__builtin_ctzll(m));
	kvm_vpmu_mediated_ops.load(pmu);
	for (u64 m = pmu->all_valid_pmc_idx; m; m &= m - 1) {
		unsigned int idx = (unsigned int)__builtin_ctzll(m);

		if (before[idx])
			hw_cpu__host_wrmsr(pmu->cpu, ctr_msr(idx), before[idx]);
	}
}

static struct kvm_vpmu_ops broken;

static void test_broken_load_is_caught(void **state)
{
	static struct profile prof;
	struct diag d;
	char err[256];
	struct iso_row good = { .kind = &kvm_vpmu_mediated_ops, .policy = kvm_policies[0] };
	struct iso_row bad = { .kind = &broken, .policy = kvm_policies[0] };

	(void)state;
	assert_int_equal(profile__load("spr", &prof, &d), 0);
	broken = kvm_vpmu_mediated_ops;
	broken.name = "broken";
	broken.load = broken_load;
	assert_int_equal(sim__isolation_row(&prof, 6, &good, err, sizeof(err)), 0);
	assert_int_equal(sim__isolation_row(&prof, 6, &bad, err, sizeof(err)), 0);
	print_message("correct: residue %llu lost %llu; broken: residue %llu lost %llu\n",
		      (unsigned long long)good.residue_reads, (unsigned long long)good.lost_counts,
		      (unsigned long long)bad.residue_reads, (unsigned long long)bad.lost_counts);
	assert_int_equal(good.residue_reads + good.leaked_events + good.lost_counts, 0);
	assert_true(bad.residue_reads > 0);
	assert_true(bad.lost_counts > 0);	/* the guest's counts are off too */
}

/* PMIs routed as NMIs can be misattributed; on the dedicated vector never. */
static void test_nmi_routing_can_misattribute(void **state)
{
	static struct profile prof;
	struct diag d;
	char err[256];
	u64 nmi = 0, vec = 0;

	(void)state;
	assert_int_equal(profile__load("spr", &prof, &d), 0);
	for (int p = 0; kvm_policies[p]; p++) {
		struct iso_row a = { .kind = &kvm_vpmu_mediated_ops, .policy = kvm_policies[p],
				     .route = PMI_ROUTE_NMI };
		struct iso_row b = { .kind = &kvm_vpmu_mediated_ops, .policy = kvm_policies[p],
				     .route = PMI_ROUTE_VECTOR };

		assert_int_equal(sim__isolation_row(&prof, 16, &a, err, sizeof(err)), 0);
		assert_int_equal(sim__isolation_row(&prof, 16, &b, err, sizeof(err)), 0);
		nmi += a.misattributed_pmis;
		vec += b.misattributed_pmis;
	}
	print_message("misattributed: nmi %llu, vector %llu\n", (unsigned long long)nmi,
		      (unsigned long long)vec);
	assert_int_equal(vec, 0);
	assert_true(nmi > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broken_load_is_caught),
		cmocka_unit_test(test_nmi_routing_can_misattribute),
	};

	return cmocka_run_group_tests_name("isolation", tests, NULL, NULL);
}

/*
 * test_interleave.c - the interleaving explorer: it visits every point of
 * the sequence for each of the three events (explored = 3 x (accesses + 2)),
 * a correct mediated vPMU loses no guest overflow and no count at any of
 * them on Intel and AMD, and planted bugs in the put (its saved status
 * thrown away; the LVTPC left on the guest's vector) are caught at the
 * points they affect. Same inputs, same row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hw/msr.h"
#include "sim/interleave.h"

static void explore(const char *cpu, struct ilv_row *row)
{
	static struct profile p;
	struct diag d;
	char err[256];

	assert_int_equal(profile__load(cpu, &p, &d), 0);
	assert_int_equal(sim__interleavings(&p, row, err, sizeof(err)), 0);
	print_message("%-5s %-7s %-6s %-9s ops %3u explored %4llu unreachable %3llu fails %llu/%llu/%llu "
		      "misatt %llu %s\n", cpu, row->policy->name, row->route ? "nmi" : "vector",
		      row->kind->name, row->ops, (unsigned long long)row->explored,
		      (unsigned long long)row->unreachable,
		      (unsigned long long)row->failed[ILV_HOST_PMI],
		      (unsigned long long)row->failed[ILV_GUEST_OVERFLOW],
		      (unsigned long long)row->failed[ILV_HOST_TIMER],
		      (unsigned long long)(row->misattributed[0] + row->misattributed[1] +
					   row->misattributed[2]), row->first);
}

static void test_every_point_and_no_guest_loss(void **state)
{
	static const char *const cpus[] = { "spr", "zen4" };

	(void)state;
	for (int c = 0; c < 2; c++) {
		for (int p = 0; kvm_policies[p]; p++) {
			struct ilv_row row = { .kind = &kvm_vpmu_mediated_ops,
					       .policy = kvm_policies[p] };

			explore(cpus[c], &row);
			assert_true(row.ops >= 10);
			assert_int_equal(row.explored, (u64)ILV_NR * (row.ops + 2));
			assert_false(row.alone_fails);
			assert_int_equal(row.failed[ILV_GUEST_OVERFLOW], 0);
			if (!kvm_policies[p]->lazy)	/* lazy: see the branch report */
				assert_int_equal(row.failed[ILV_HOST_TIMER], 0);
		}
	}
}

static void put_drops_status(struct kvm_pmu *pmu)
{
	kvm_vpmu_mediated_ops.put(pmu);
	pmu->global_status = 0;
}

static void put_leaves_vector(struct kvm_pmu *pmu)
{
	kvm_vpmu_mediated_ops.put(pmu);
	if (pmu->lvtpc_vector)
		hw_cpu__host_wrmsr(pmu->cpu, MSR_X2APIC_LVTPC, APIC_LVT_DM_FIXED | 0xf5);
}

static void test_planted_bugs_are_caught(void **state)
{
	static struct kvm_vpmu_ops bad;
	struct ilv_row good = { .kind = &kvm_vpmu_mediated_ops, .policy = kvm_policies[0] };
	struct ilv_row a = { .kind = &bad, .policy = kvm_policies[0] };
	struct ilv_row b = a;

	(void)state;
	explore("spr", &good);
	bad = kvm_vpmu_mediated_ops;
	bad.name = "nostatus";
	bad.put = put_drops_status;
	explore("spr", &a);
	assert_true(a.failed[ILV_GUEST_OVERFLOW] > good.failed[ILV_GUEST_OVERFLOW]);
	bad.name = "vector";
	bad.put = put_leaves_vector;
	explore("spr", &b);
	assert_true(b.failed[ILV_HOST_PMI] + b.failed[ILV_GUEST_OVERFLOW] +
		    b.failed[ILV_HOST_TIMER] > good.failed[ILV_HOST_PMI] +
		    good.failed[ILV_GUEST_OVERFLOW] + good.failed[ILV_HOST_TIMER]);
}

static void test_same_inputs_same_row(void **state)
{
	struct ilv_row a = { .kind = &kvm_vpmu_mediated_ops, .policy = kvm_policies[2],
			     .route = PMI_ROUTE_NMI };
	struct ilv_row b = a;

	(void)state;
	explore("zen4", &a);
	explore("zen4", &b);
	assert_memory_equal(&a, &b, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_point_and_no_guest_loss),
		cmocka_unit_test(test_planted_bugs_are_caught),
		cmocka_unit_test(test_same_inputs_same_row),
	};

	return cmocka_run_group_tests_name("interleave", tests, NULL, NULL);
}

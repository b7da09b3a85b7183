/*
 * test_isolation.c - the isolation check on correct kinds: every
 * combination passes on every built-in profile with the guests' GP and
 * fixed counters really read (and counting) on both vendors; PMIs routed
 * as NMIs are misattributed when they skid past a put or a load, on the
 * dedicated vector never; the same seed gives the same row. The planted bugs are in test_mutants.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/checks.h"
#include "sim/isolation.h"

static void load(const char *name, struct profile *p)
{
	struct diag d;

	assert_int_equal(profile__load(name, p, &d), 0);
}

static void run_row(const struct profile *p, struct iso_row *row, unsigned int seeds)
{
	char err[256];

	assert_int_equal(sim__isolation_row(p, seeds, row, err, sizeof(err)), 0);
}

static void test_correct_kinds_pass_everywhere(void **state)
{
	static const char *const cpus[] = { "default", "spr", "zen4" };
	static struct profile p;

	(void)state;
	for (size_t c = 0; c < 3; c++) {
		load(cpus[c], &p);
		for (int k = 0; k < 2; k++) {
			for (int pol = 0; kvm_policies[pol] && (k || !pol); pol++) {
				struct iso_row row = {
					.kind = k ? &kvm_vpmu_mediated_ops : &kvm_vpmu_emulated_ops,
					.policy = kvm_policies[pol],
				};

				checks__set(true);	/* perf's and KVM's invariants */
				run_row(&p, &row, 6);
				if (checks__failure())
					fail_msg("%s %s %s: %s", cpus[c], row.kind->name,
						 row.policy->name, checks__failure());
				checks__set(false);
				if (row.unsupported) {	/* default: no mediated PMU (v2, no FW writes) */
					assert_true(k && !strcmp(cpus[c], "default"));
					continue;
				}
				print_message("%-8s %-9s %-7s reads %5llu gp %4llu fixed %4llu host %llu: %s\n",
					      cpus[c], row.kind->name, row.policy->name,
					      (unsigned long long)row.reads,
					      (unsigned long long)row.gp_reads,
					      (unsigned long long)row.fixed_reads,
					      (unsigned long long)row.host_checked,
					      row.first[0] ? row.first : "no difference");
				assert_int_equal(sim__isolation_failures(&row), 0);
				/* the guests really read their GP counters (fewest:
				 * default's two, 33 non-zero reads in 6 seeds) */
				assert_true(row.gp_reads > 20);
				assert_true(row.host_checked > 0);
				if (p.pmu.vendor == HW_VENDOR_INTEL)
					assert_true(row.fixed_reads > 20);
			}
		}
	}
}

/*
 * PMIs routed as NMIs are ambiguous when one skids past a switch (RFC v1
 * cover, "Design Opens" 3): with the profile's 40-cycle skid a guest
 * overflow's NMI is taken inside the VM-exit's own 300 cycles, the guest
 * context still loaded, so it is seen as the guest's; with a skid longer
 * than the exit and the put (2,000 cycles), one that overflowed just before
 * an exit lands after the exit policy's put and is taken as the host's. On
 * the dedicated vector, never, whatever the skid.
 */
static void test_nmi_routing_can_misattribute(void **state)
{
	static struct profile prof;
	u64 nmi[2] = { 0, 0 }, vec = 0;

	(void)state;
	load("spr", &prof);
	for (int skid = 0; skid < 2; skid++) {
		prof.hw.pmi_skid = skid ? 2000 : 40;
		for (int p = 0; kvm_policies[p]; p++) {
			struct iso_row a = { .kind = &kvm_vpmu_mediated_ops,
					     .policy = kvm_policies[p], .route = PMI_ROUTE_NMI };
			struct iso_row b = { .kind = &kvm_vpmu_mediated_ops,
					     .policy = kvm_policies[p], .route = PMI_ROUTE_VECTOR };

			run_row(&prof, &a, 8);
			run_row(&prof, &b, 8);
			nmi[skid] += a.misattributed_pmis;
			vec += b.misattributed_pmis + b.diff[SIM_DIFF_PMI_LOST] +
			       b.diff[SIM_DIFF_PMI_SPURIOUS];
		}
	}
	print_message("misattributed: nmi %llu (skid 40), %llu (skid 2000), vector %llu\n",
		      (unsigned long long)nmi[0], (unsigned long long)nmi[1],
		      (unsigned long long)vec);
	assert_int_equal(vec, 0);
	assert_int_equal(nmi[0], 0);
	assert_true(nmi[1] > 0);
}

/* A lost or spurious PMI or a misattributed one fails a row under either
 * routing (an NMI-routing exemption once let every guest PMI of the exit
 * policy be lost unseen). */
static void test_pmi_differences_fail_either_route(void **state)
{
	for (int r = 0; r < 2; r++) {
		struct iso_row row = { .route = r ? PMI_ROUTE_NMI : PMI_ROUTE_VECTOR };

		(void)state;
		assert_int_equal(sim__isolation_failures(&row), 0);
		row.diff[SIM_DIFF_PMI_LOST] = 1;
		assert_int_equal(sim__isolation_failures(&row), 1);
		row.diff[SIM_DIFF_PMI_SPURIOUS] = 1;
		row.misattributed_pmis = 1;
		assert_int_equal(sim__isolation_failures(&row), 3);
	}
}

/*
 * Found at spr seed 113 (emulated): a host NMI inside perf_resched (between
 * its disable_all and enable_all, while a host event is moved off a counter
 * and KVM's guest-only event is started on it) re-enabled GLOBAL_CTRL with
 * the host event's old bit, so host code counted into the guest's fixed
 * counter 0 (RDPMC read 48, bare metal 46). Linux's NMI handler restores
 * the PMU only if it was enabled (intel_pmu_handle_irq, "Only restore PMU
 * state when it's active"; perf/overflow.c).
 */
static void test_nmi_inside_perf_resched_leaks_nothing(void **state)
{
	static struct profile prof;
	struct iso_row row = { .kind = &kvm_vpmu_emulated_ops, .policy = kvm_policies[0],
			       .first_seed = 113 };

	(void)state;
	load("spr", &prof);
	run_row(&prof, &row, 1);
	assert_true(row.fixed_reads > 10);
	assert_int_equal(row.diff[SIM_DIFF_OVER], 0);
	assert_int_equal(sim__isolation_failures(&row), 0);
}

/*
 * Found at zen4 seed 60 and default seed 124 (emulated): GLOBAL_STATUS
 * lacked the bit of a counter that had wrapped on bare metal. KVM re-arms a
 * running counter written by the guest with a period from the offset base
 * (pmc_write_counter -> pmc_update_sample_period), so its overflow comes
 * late or never: a KVM deviation the model keeps, accounted for by the
 * skewed-period rule (sim/shadow.h), which these seeds exercise.
 */
static void test_skewed_period_rule(void **state)
{
	static const struct { const char *cpu; unsigned int seed; } cases[] = {
		{ "zen4", 328 }, { "default", 111 },	/* (found by search: 7 and 6 reads) */
	};
	static struct profile prof;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct iso_row row = { .kind = &kvm_vpmu_emulated_ops, .policy = kvm_policies[0],
				       .first_seed = cases[i].seed };

		load(cases[i].cpu, &prof);
		run_row(&prof, &row, 1);
		print_message("%s seed %u: %llu status reads by the rule\n", cases[i].cpu,
			      cases[i].seed, (unsigned long long)row.skewed_status);
		assert_true(row.skewed_status > 0);
		assert_int_equal(row.diff[SIM_DIFF_STATUS], 0);
		assert_int_equal(sim__isolation_failures(&row), 0);
	}
}

/*
 * A mediated guest with 40-bit counters on a 48-bit host (spr seed 5): the
 * hardware counts past 2^40, RDMSR shows it; an emulated instruction drops
 * the high bits (kvm_pmu_incr_counter masks with the guest's width), as
 * v6 does and the shadow follows (kvm/pmu.h). Without that rule this seed
 * reads 2^40 less than the shadow on every mediated policy.
 */
static void test_mediated_narrow_guest_follows_v6(void **state)
{
	static struct profile prof;

	(void)state;
	load("spr", &prof);
	for (int pol = 0; kvm_policies[pol]; pol++) {
		struct iso_row row = { .kind = &kvm_vpmu_mediated_ops, .policy = kvm_policies[pol],
				       .first_seed = 5 };

		run_row(&prof, &row, 1);
		assert_true(row.gp_reads > 0);
		assert_int_equal(sim__isolation_failures(&row), 0);
	}
}

static void test_same_seed_same_row(void **state)
{
	static struct profile prof;
	struct iso_row a = { .kind = &kvm_vpmu_mediated_ops, .policy = kvm_policies[1],
			     .first_seed = 7 };
	struct iso_row b = a;

	(void)state;
	load("zen4", &prof);
	run_row(&prof, &a, 3);
	run_row(&prof, &b, 3);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(a.runs, 3 + 4);	/* 3 seeds, and the 4 vCPUs of its host run */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_correct_kinds_pass_everywhere),
		cmocka_unit_test(test_nmi_routing_can_misattribute),
		cmocka_unit_test(test_pmi_differences_fail_either_route),
		cmocka_unit_test(test_nmi_inside_perf_resched_leaks_nothing),
		cmocka_unit_test(test_skewed_period_rule),
		cmocka_unit_test(test_mediated_narrow_guest_follows_v6),
		cmocka_unit_test(test_same_seed_same_row),
	};

	return cmocka_run_group_tests_name("isolation", tests, NULL, NULL);
}

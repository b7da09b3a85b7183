/*
 * test_vcpu.c - kvm_vcpu__init's refusals leave nothing behind (the host's
 * mediated-PMU count is back where it was, kvm_vcpu__destroy is safe), and
 * a vCPU that exits is in host mode: a PMI that arrives during KVM's own
 * work after the exit is handled by the host there, not lost.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "input/profile.h"
#include "hw/msr.h"
#include "kvm/vcpu.h"

struct rig {
	struct profile prof;
	struct hw_cpu cpu;
	struct perf_cpu pc;
	struct kvm_vcpu v;
};

static struct rig *rig_new(const char *profile)
{
	struct rig *r = test_calloc(1, sizeof(*r));
	struct diag d;
	char err[128];

	assert_int_equal(profile__load(profile, &r->prof, &d), 0);
	assert_int_equal(hw_cpu__init(&r->cpu, &r->prof.pmu, &r->prof.hw, err, sizeof(err)), 0);
	perf_cpu__init(&r->pc, &r->cpu, &r->prof.perf);
	return r;
}

static void rig_free(struct rig *r)
{
	kvm_vcpu__destroy(&r->v);
	perf_cpu__exit(&r->pc);
	test_free(r);
}

static int vcpu_init(struct rig *r, const struct kvm_vpmu_ops *kind,
		     const struct hw_pmu_config *req, const char **why)
{
	return kvm_vcpu__init(&r->v, kind, kvm_policies[0], PMI_ROUTE_VECTOR, req,
			      &r->prof.kvm, &r->cpu, &r->pc, why);
}

static void test_other_vendor_refused(void **state)
{
	struct rig *r = rig_new("spr");
	struct hw_pmu_config amd;
	const char *why = NULL;

	(void)state;
	hw_pmu_config__defaults(&amd, HW_VENDOR_AMD);
	assert_int_equal(vcpu_init(r, &kvm_vpmu_mediated_ops, &amd, &why), -1);
	assert_non_null(why);
	assert_int_equal(r->pc.nr_mediated, 0);
	/* no PMU at all needs no vendor match */
	assert_int_equal(vcpu_init(r, &kvm_vpmu_none_ops, &amd, &why), 0);
	rig_free(r);
}

static void test_mediated_ebusy_leaves_nothing(void **state)
{
	struct rig *r = rig_new("spr");
	struct perf_attr attr = { .type = PERF_TYPE_HARDWARE, .config = 0 };	/* cycles */
	struct perf_event *ev;
	const char *why = NULL;

	(void)state;
	assert_int_equal(perf_event__create(&r->pc, &attr, NULL, &ev), 0);	/* !exclude_guest */
	assert_int_equal(vcpu_init(r, &kvm_vpmu_mediated_ops, &r->prof.pmu, &why), -1);
	assert_int_equal(r->pc.nr_mediated, 0);
	perf_event__release(&r->pc, ev);
	rig_free(r);	/* destroy after a failed init: a no-op */
}

/*
 * The guest counter wraps in the last cycles of a guest segment, closer to
 * its end than the PMI skid; the guest's next instruction (the disabling
 * WRMSR) exits before the PMI arrives. The PMI, on the mediated vector,
 * then comes during KVM's host work and must reach the guest as one PMI.
 */
static void test_pmi_pending_at_exit_reaches_guest(void **state)
{
	struct rig *r = rig_new("spr");
	struct hw_segment seg = { .cycles = 1000, .cpl = 0 };
	const u64 sel = 0xc0 | EVTSEL_USR | EVTSEL_OS | EVTSEL_INT | EVTSEL_ENABLE;
	const char *why = NULL;
	u64 ctr;

	(void)state;
	assert_int_equal(vcpu_init(r, &kvm_vpmu_mediated_ops, &r->prof.pmu, &why), 0);
	kvm_vcpu__start(&r->v);
	r->v.guest_if = false;
	assert_false(kvm_vcpu__guest_wrmsr(&r->v, MSR_X2APIC_LVTPC, 32));
	/* the enabling WRMSR counts one: wrap on the segment's last instruction */
	assert_false(kvm_vcpu__guest_wrmsr(&r->v, MSR_IA32_PMC0, (u64)-1001 & ((1ULL << 48) - 1)));
	assert_false(kvm_vcpu__guest_wrmsr(&r->v, MSR_P6_EVNTSEL0, sel));
	seg.ev[HW_EV_INSTRUCTIONS] = 1000;
	assert_false(kvm_vcpu__guest_run(&r->v, &seg));
	assert_false(kvm_vcpu__guest_wrmsr(&r->v, MSR_P6_EVNTSEL0, 0));
	assert_false(kvm_vcpu__guest_rdmsr(&r->v, MSR_IA32_PMC0, &ctr));
	assert_int_equal(ctr, 0);	/* wrapped exactly */
	assert_int_equal(r->v.st.misattributed_pmis, 0);
	r->v.guest_if = true;
	assert_true(kvm_vcpu__take_guest_pmi(&r->v));
	assert_false(kvm_vcpu__take_guest_pmi(&r->v));
	kvm_vcpu__stop(&r->v);
	rig_free(r);
}

/* A vCPU moves only to a pCPU whose PMU is its own pCPU's: KVM fixed the
 * vPMU and its intercepts against that PMU at CPUID time. A refusal leaves
 * the other pCPU's host perf as it was. */
static void test_migrate_needs_the_same_pmu(void **state)
{
	struct rig *r = rig_new("spr");
	struct hw_pmu_config fewer = r->prof.pmu;
	struct hw_cpu *cpu = test_calloc(2, sizeof(*cpu));
	struct perf_cpu *pc = test_calloc(2, sizeof(*pc));
	const char *why = NULL;
	char err[128];

	(void)state;
	fewer.nr_gp--;
	assert_int_equal(hw_cpu__init(&cpu[0], &fewer, &r->prof.hw, err, sizeof(err)), 0);
	assert_int_equal(hw_cpu__init(&cpu[1], &r->prof.pmu, &r->prof.hw, err, sizeof(err)), 0);
	perf_cpu__init(&pc[0], &cpu[0], &r->prof.perf);
	perf_cpu__init(&pc[1], &cpu[1], &r->prof.perf);
	assert_int_equal(vcpu_init(r, &kvm_vpmu_mediated_ops, &r->prof.pmu, &why), 0);
	why = NULL;
	assert_int_equal(kvm_vcpu__migrate(&r->v, &cpu[0], &pc[0], &why), -1);
	assert_non_null(why);
	assert_int_equal(pc[0].nr_mediated, 0);
	assert_ptr_equal(r->v.cpu, &r->cpu);
	assert_int_equal(kvm_vcpu__migrate(&r->v, &cpu[1], &pc[1], &why), 0);
	assert_ptr_equal(r->v.cpu, &cpu[1]);
	assert_int_equal(pc[1].nr_mediated, 1);
	assert_int_equal(r->pc.nr_mediated, 0);
	kvm_vcpu__destroy(&r->v);
	memset(&r->v, 0, sizeof(r->v));
	perf_cpu__exit(&pc[0]);
	perf_cpu__exit(&pc[1]);
	test_free(pc);
	test_free(cpu);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_vendor_refused),
		cmocka_unit_test(test_mediated_ebusy_leaves_nothing),
		cmocka_unit_test(test_pmi_pending_at_exit_reaches_guest),
		cmocka_unit_test(test_migrate_needs_the_same_pmu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

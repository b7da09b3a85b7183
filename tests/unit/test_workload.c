/*
 * test_workload.c - the synthetic guest's perf driver (guest/workload.c)
 * against what Linux's perf does, read off the kernel, not off the model:
 *  - frequency-mode events created together stay together: the first
 *    overflow adjusts no period (hwc->freq_time_stamp starts at 0, so its
 *    delta is the time since boot, past 2 ticks: __perf_event_account_
 *    interrupt), and the tick's adjustment runs inside perf_pmu_disable, so
 *    six events of the same kind overflow in the same PMI;
 *  - the tick's event-select writes come with GLOBAL_CTRL 0 (perf_adjust_
 *    freq_unthr_context: perf_pmu_disable around the loop);
 *  - the Intel PMI handler is intel_pmu_handle_irq with late_ack: disable,
 *    status, then ack before each pass and status again until 0, enable,
 *    and the LVTPC unmasked last;
 *  - an AMD guest without a vPMU finds none (check_hw_exists: KVM drops the
 *    K7 counter writes) and so runs no perf at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hw/msr.h"
#include "sim/run.h"
#include "run_helpers.h"

static void run(const char *profile, const char *scenario, const char *vpmu, const char *policy,
		struct sim_metrics *m)
{
	test_run_scenario(profile, scenario, vpmu, policy, m, NULL);
}

/*
 * specint: perf record -F 1000 on six instructions events, as published.
 * With the counters passed through (mediated) the six overflow together,
 * six samples a PMI. Under the emulated vPMU they may drift apart: an
 * instruction KVM emulates counts into the counters that are on at that
 * moment (kvm_pmu_trigger_event), not always all six, and the frequency
 * steps turn a count of difference into one of period (spr: counters 4 and
 * 5 split from 0 to 3 at the 12th PMI, 266 PMIs for 834 samples; with that
 * counting switched off, by hand, 129 PMIs for 774); that it still PMIs
 * and samples is what holds there.
 */
static void test_freq_events_stay_in_step(void **state)
{
	static const char *const cfg[][2] = {
		{ "spr", "mediated" }, { "spr", "emulated" }, { "zen4", "mediated" },
		{ "zen4", "emulated" },
	};
	struct sim_metrics m;

	(void)state;
	for (unsigned int i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		bool emulated = !strcmp(cfg[i][1], "emulated");

		run(cfg[i][0], "specint", cfg[i][1], "irqoff", &m);
		print_message("%s %s: %llu PMIs, %llu samples\n", cfg[i][0], cfg[i][1],
			      (unsigned long long)m.guest_pmis,
			      (unsigned long long)m.guest_samples);
		assert_true(m.guest_pmis > 50);
		assert_true(m.guest_samples >= (emulated ? 2 : 5) * m.guest_pmis);
	}
}

/* ---- the guest's MSR accesses, one vCPU without host perf --------------- */

#define MAX_OPS 4096

struct op {
	enum kvm_guest_op op;
	u32 reg;
	u64 val;
	bool pmi;		/* a PMI's handler started just before it */
};

struct rec {
	struct op ops[MAX_OPS];
	unsigned int n;
	bool pmi;
};

static void on_access(void *ctx, enum kvm_guest_op op, u32 reg, u64 val, bool fault)
{
	struct rec *r = ctx;

	(void)fault;
	if (r->n < MAX_OPS)
		r->ops[r->n++] = (struct op){ .op = op, .reg = reg, .val = val, .pmi = r->pmi };
	r->pmi = false;
}

static void on_pmi(void *ctx)
{
	((struct rec *)ctx)->pmi = true;
}

static const struct kvm_vcpu_observer_ops recorder = {
	.guest_access = on_access, .guest_pmi = on_pmi,
};

/* specint's guest, its work / @div, under mediated irqoff on @profile. */
static void record(const char *profile, unsigned int div, struct rec *r)
{
	static struct profile prof;
	static struct scenario sc;
	static struct hw_cpu cpu;
	static struct perf_cpu pc;
	static struct kvm_vcpu v;
	static struct guest_result res;
	struct perf_event *hev[PERF_SPEC_MAX];
	struct hw_pmu_config req;
	const char *why = NULL;
	struct diag d;
	char err[256];
	int nr = 0;

	assert_int_equal(profile__load(profile, &prof, &d), 0);
	assert_int_equal(scenario__load("specint", &sc, &d), 0);
	sc.guest.work_minsns /= div;
	assert_int_equal(sim__start_pcpu(&cpu, &pc, hev, &nr, &prof, &sc, err, sizeof(err)), 0);
	kvm_pmu__supported(&prof.pmu, &req);
	assert_int_equal(kvm_vcpu__init(&v, &kvm_vpmu_mediated_ops, kvm_policy__by_name("irqoff"),
					PMI_ROUTE_VECTOR, &req, &prof.kvm, &cpu, &pc, &why), 0);
	kvm_vcpu__seed(&v, 1);
	memset(r, 0, sizeof(*r));
	v.obs = &recorder;
	v.obs_ctx = r;
	assert_int_equal(guest_workload__run(&sc.guest, &v, 1, prof.perf.cycles_per_sec, &res), 0);
	assert_true(res.pmis > 5 && r->n < MAX_OPS);
	kvm_vcpu__destroy(&v);
	perf_cpu__exit(&pc);
}

static bool is_sel(u32 reg)
{
	return reg >= MSR_P6_EVNTSEL0 && reg < MSR_P6_EVNTSEL0 + 8;
}

/* Every event-select write comes with the counters globally off: at set-up,
 * in the PMI handler and on the tick. */
static void test_selects_written_with_the_pmu_disabled(void **state)
{
	static struct rec r;
	u64 global = 0;
	unsigned int sels = 0;

	(void)state;
	record("spr", 4, &r);
	for (unsigned int i = 0; i < r.n; i++) {
		const struct op *o = &r.ops[i];

		if (o->op != KVM_GUEST_WRMSR)
			continue;
		if (o->reg == MSR_CORE_PERF_GLOBAL_CTRL)
			global = o->val;
		if (is_sel(o->reg)) {
			sels++;
			if (global)
				fail_msg("op %u: select 0x%x written with GLOBAL_CTRL 0x%llx", i,
					 o->reg, (unsigned long long)global);
		}
	}
	assert_true(sels > 20);		/* the ticks' stops and starts are there */
}

/* intel_pmu_handle_irq, late_ack: each PMI's accesses in that order. */
static void test_intel_pmi_handler_is_late_ack(void **state)
{
	static struct rec r;
	unsigned int pmis = 0;

	(void)state;
	record("spr", 20, &r);
	for (unsigned int i = 0; i < r.n; i++) {
		const struct op *o = &r.ops[i];
		unsigned int k = i, acks = 0, rdpmcs = 0;
		u64 status;

		if (!o->pmi)
			continue;
		pmis++;
		/* GLOBAL_CTRL 0, then the status (non-zero: a counter overflowed) */
		assert_true(o->op == KVM_GUEST_WRMSR && o->reg == MSR_CORE_PERF_GLOBAL_CTRL &&
			    o->val == 0);
		assert_true(k + 1 < r.n && r.ops[k + 1].op == KVM_GUEST_RDMSR &&
			    r.ops[k + 1].reg == MSR_CORE_PERF_GLOBAL_STATUS);
		status = r.ops[k + 1].val;
		assert_true(status != 0);
		for (k += 2; k < r.n; k++) {
			const struct op *p = &r.ops[k];

			if (p->op == KVM_GUEST_WRMSR && p->reg == MSR_CORE_PERF_GLOBAL_OVF_CTRL) {
				assert_int_equal(p->val, status);	/* acks what it read */
				acks++;
			} else if (p->op == KVM_GUEST_RDPMC) {
				assert_true(acks > 0);		/* after the ack */
				rdpmcs++;
			} else if (p->op == KVM_GUEST_RDMSR &&
				   p->reg == MSR_CORE_PERF_GLOBAL_STATUS) {
				status = p->val;		/* read again */
				if (!status)
					break;
			} else if (p->op == KVM_GUEST_WRMSR && p->reg == MSR_X2APIC_LVTPC) {
				fail_msg("PMI %u: LVTPC unmasked before the counters were enabled",
					 pmis);
			}
		}
		assert_true(k + 2 < r.n && rdpmcs > 0);
		/* enable, then unmask the LVTPC last */
		assert_true(r.ops[k + 1].op == KVM_GUEST_WRMSR &&
			    r.ops[k + 1].reg == MSR_CORE_PERF_GLOBAL_CTRL && r.ops[k + 1].val);
		assert_true(r.ops[k + 2].op == KVM_GUEST_WRMSR &&
			    r.ops[k + 2].reg == MSR_X2APIC_LVTPC &&
			    r.ops[k + 2].val == APIC_LVT_DM_NMI);
	}
	print_message("%u PMIs checked\n", pmis);
	assert_true(pmis > 5);
}

/* zen4, no vPMU: the K7 counters read 0 and drop writes. */
static void test_amd_guest_without_a_pmu_finds_none(void **state)
{
	struct sim_metrics m;

	(void)state;
	run("zen4", "specint", "none", "irqoff", &m);
	assert_string_equal(m.guest_driver, "none");
	assert_int_equal(m.guest_counters, 0);
	assert_int_equal(m.guest_pmis, 0);
	/* the probe's accesses at most (four selects, a counter read, written
	 * and read back), none of perf's */
	assert_true(m.exits[EXIT_MSR_READ] + m.exits[EXIT_MSR_WRITE] + m.exits[EXIT_RDPMC] <= 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_freq_events_stay_in_step),
		cmocka_unit_test(test_selects_written_with_the_pmu_disabled),
		cmocka_unit_test(test_intel_pmi_handler_is_late_ack),
		cmocka_unit_test(test_amd_guest_without_a_pmu_finds_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

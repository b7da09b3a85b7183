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
 *    K7 counter writes) and so runs no perf at all;
 *  - the AMD PerfMonV2 PMI handler is amd_pmu_v2_handle_irq: every active
 *    counter read before its status bit is tested, the ack of ~status;
 *  - outside an NMI AMD's perf waits on an overflow after each disable
 *    (amd_pmu_check_overflow, amd_pmu_disable_event: a GlobalStatus read);
 *  - the global enable is every counter's bit (x86_pmu.intel_ctrl,
 *    amd_pmu_global_cntr_mask), as the guest's CPUID gives them;
 *  - a rotation re-adds events, so x86_pmu_enable writes the LVTPC;
 *  - an event with more than max_samples_per_tick overflows in a tick is
 *    throttled (stopped in the handler) until the next tick.
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

#define MAX_OPS 131072

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
	u32 cpuid_a[4], cpuid_amd[4];	/* the guest's leaves 0xa and 0x80000022 */
	struct guest_result res;
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

/* @sc's guest (specint's if NULL), its work / @div, under mediated irqoff
 * on @profile; @events: its number of events (0: the scenario's). */
static void record_sc(const char *profile, const struct scenario *over, unsigned int div,
		      unsigned int events, struct rec *r)
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
	if (over)
		sc = *over;
	else
		assert_int_equal(scenario__load("specint", &sc, &d), 0);
	sc.guest.work_minsns /= div;
	if (events)
		sc.guest.perf_events = events;
	assert_int_equal(sim__start_pcpu(&cpu, &pc, NULL, hev, &nr, &prof, &sc, err, sizeof(err)), 0);
	kvm_pmu__supported(&prof.pmu, &req);
	assert_int_equal(kvm_vcpu__init(&v, &kvm_vpmu_mediated_ops, kvm_policy__by_name("irqoff"),
					PMI_ROUTE_VECTOR, &req, &prof.kvm, &cpu, &pc, &why), 0);
	kvm_vcpu__seed(&v, 1);
	memset(r, 0, sizeof(*r));
	v.obs = &recorder;
	v.obs_ctx = r;
	assert_int_equal(guest_workload__run(&sc.guest, &v, 1, prof.perf.cycles_per_sec, &res), 0);
	if (!(res.pmis > 5 && r->n < MAX_OPS))
		fail_msg("%llu PMIs, %u ops", (unsigned long long)res.pmis, r->n);
	v.obs = NULL;
	kvm_vcpu__guest_cpuid(&v, 0xa, 0, r->cpuid_a);
	kvm_vcpu__guest_cpuid(&v, 0x80000022, 0, r->cpuid_amd);
	r->res = res;
	kvm_vcpu__destroy(&v);
	perf_cpu__exit(&pc);
}

static void record(const char *profile, unsigned int div, struct rec *r)
{
	record_sc(profile, NULL, div, 0, r);
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

static bool is_wr(const struct op *o, u32 reg)
{
	return o->op == KVM_GUEST_WRMSR && o->reg == reg;
}

/*
 * Instructions events on Intel (intel_pmu_init's constraints, perf's
 * scheduler): the first one takes fixed counter 0, armed through
 * IA32_FIXED_CTR0, read by RDPMC with bit 30, its overflow status bit 32;
 * the others the GP counters. Its FIXED_CTR_CTRL field is cached and
 * written by __intel_pmu_enable_all, just before GLOBAL_CTRL and only when
 * it changed (Linux 6.1 on): once at set-up, also with 10 events rotating
 * through the counters (the fixed holder changes, the field does not).
 */
static void test_first_instructions_event_on_fixed_counter_0(void **state)
{
	static struct rec r;

	(void)state;
	for (unsigned int events = 6; events <= 10; events += 4) {
		unsigned int ctrl_writes = 0, arms = 0, reads = 0, sels = 0;
		bool status32 = false;

		record_sc("spr", NULL, 20, events, &r);
		assert_int_equal(r.res.nr_counters, ((r.cpuid_a[0] >> 8) & 0xff) + 1);
		for (unsigned int i = 0; i < r.n; i++) {
			const struct op *o = &r.ops[i];

			if (is_wr(o, MSR_CORE_PERF_FIXED_CTR_CTRL)) {
				ctrl_writes++;
				assert_int_equal(o->val, 0xb);		/* OS | USR | PMI */
				assert_true(i + 1 < r.n &&
					    is_wr(&r.ops[i + 1], MSR_CORE_PERF_GLOBAL_CTRL) &&
					    r.ops[i + 1].val);
			}
			arms += is_wr(o, MSR_CORE_PERF_FIXED_CTR0);
			sels += o->op == KVM_GUEST_WRMSR && is_sel(o->reg);
			reads += o->op == KVM_GUEST_RDPMC && o->reg == (1U << 30);
			if (o->op == KVM_GUEST_RDMSR && o->reg == MSR_CORE_PERF_GLOBAL_STATUS)
				status32 |= (o->val >> 32) & 1;
		}
		print_message("%u events: %u FIXED_CTR_CTRL writes, %u fixed arms, %u fixed "
			      "RDPMCs, %u select writes\n", events, ctrl_writes, arms, reads, sels);
		assert_int_equal(ctrl_writes, 1);
		assert_true(arms > 5 && reads > 5 && status32 && sels > 0);
	}
}

static bool is_rd(const struct op *o, u32 reg)
{
	return o->op == KVM_GUEST_RDMSR && o->reg == reg;
}

/* Whether @o, in order, is an access outside an AMD PMI handler (from its
 * first access to its GlobalCtl enable) after the first PMI (the set-up
 * comes before it). */
struct amd_walk {
	bool in_pmi, started;
};

static bool is_outside_amd_pmi(struct amd_walk *w, const struct op *o)
{
	if (o->pmi)
		w->in_pmi = w->started = true;
	if (w->in_pmi) {
		w->in_pmi = !(is_wr(o, MSR_AMD64_PERF_CNTR_GLOBAL_CTL) && o->val);
		return false;
	}
	return w->started;
}

/* amd_pmu_v2_handle_irq (arch/x86/events/amd/core.c): GlobalCtl 0, the
 * status; with one, every active counter read (x86_perf_event_update)
 * before its bit is tested, then GlobalStatusClr written with ~status,
 * all ones once every bit was an active counter's; GlobalCtl back to
 * amd_pmu_global_cntr_mask, one bit for each of the counters CPUID
 * 0x80000022 EBX[3:0] gives; no wait on an overflow inside the NMI. */
static void test_amd_v2_pmi_handler(void **state)
{
	static struct rec r;
	unsigned int pmis = 0;
	u64 all;

	(void)state;
	record("zen4", 4, &r);
	all = (1ULL << (r.cpuid_amd[1] & 0xf)) - 1;
	assert_int_equal(all, 0x3f);
	for (unsigned int i = 0; i < r.n; i++) {
		unsigned int k, rdpmcs = 0;

		if (!r.ops[i].pmi)
			continue;
		pmis++;
		assert_true(is_wr(&r.ops[i], MSR_AMD64_PERF_CNTR_GLOBAL_CTL) && r.ops[i].val == 0);
		assert_true(is_rd(&r.ops[i + 1], MSR_AMD64_PERF_CNTR_GLOBAL_STATUS) &&
			    r.ops[i + 1].val != 0);
		for (k = i + 2; k < r.n && !is_wr(&r.ops[k], MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR);
		     k++) {
			rdpmcs += r.ops[k].op == KVM_GUEST_RDPMC;
			if (is_rd(&r.ops[k], MSR_AMD64_PERF_CNTR_GLOBAL_STATUS))
				fail_msg("PMI %u: a wait on an overflow inside the NMI", pmis);
		}
		assert_true(k + 1 < r.n);
		assert_int_equal(rdpmcs, r.res.nr_events);	/* six events, six counters */
		assert_int_equal(r.ops[k].val, ~0ULL);
		assert_true(is_wr(&r.ops[k + 1], MSR_AMD64_PERF_CNTR_GLOBAL_CTL));
		assert_int_equal(r.ops[k + 1].val, all);
	}
	print_message("%u PMIs checked\n", pmis);
	assert_true(pmis > 5);
}

/* Outside an NMI, AMD's perf waits on an overflow of each active counter
 * after a disable: amd_pmu_v2_disable_all -> amd_pmu_check_overflow, and
 * amd_pmu_disable_event after a select write, each wait asking
 * PerfCntrGlobalStatus (amd_pmu_test_overflow_status) once here. The
 * tick's frequency step does both. */
static void test_amd_waits_on_overflow_outside_the_nmi(void **state)
{
	static struct rec r;
	unsigned int disables = 0, stops = 0;
	struct amd_walk w = { 0 };

	(void)state;
	record("zen4", 4, &r);
	for (unsigned int i = 0; i + 6 < r.n; i++) {
		const struct op *o = &r.ops[i];

		if (!is_outside_amd_pmi(&w, o))
			continue;
		if (is_wr(o, MSR_AMD64_PERF_CNTR_GLOBAL_CTL) && !o->val) {
			disables++;
			for (unsigned int k = 1; k <= r.res.nr_events; k++)
				assert_true(is_rd(&r.ops[i + k], MSR_AMD64_PERF_CNTR_GLOBAL_STATUS));
		}
		if (o->op == KVM_GUEST_WRMSR && o->reg >= MSR_F15H_PERF_CTL0 &&
		    o->reg < MSR_F15H_PERF_CTL0 + 12 && !((o->reg - MSR_F15H_PERF_CTL0) & 1) &&
		    !(o->val & EVTSEL_ENABLE)) {
			stops++;
			assert_true(is_rd(&r.ops[i + 1], MSR_AMD64_PERF_CNTR_GLOBAL_STATUS));
		}
	}
	print_message("%u disables, %u stops\n", disables, stops);
	assert_true(disables > 3 && stops >= disables * r.res.nr_events);
}

/* __intel_pmu_enable_all writes x86_pmu.intel_ctrl: every GP counter's
 * bit (CPUID 0xa EAX[15:8]) and every fixed counter's from bit 32 (EDX[4:0]
 * of them before v5), used or not. */
static void test_intel_enable_all_is_every_counter(void **state)
{
	static struct rec r;
	unsigned int enables = 0;
	u64 want;

	(void)state;
	record("spr", 4, &r);
	assert_true((r.cpuid_a[0] & 0xff) < 5);
	want = ((1ULL << ((r.cpuid_a[0] >> 8) & 0xff)) - 1) |
	       (((1ULL << (r.cpuid_a[3] & 0x1f)) - 1) << 32);
	for (unsigned int i = 0; i < r.n; i++)
		if (is_wr(&r.ops[i], MSR_CORE_PERF_GLOBAL_CTRL) && r.ops[i].val) {
			enables++;
			assert_int_equal(r.ops[i].val, want);
		}
	print_message("%u enables of 0x%llx\n", enables, (unsigned long long)want);
	assert_true(enables > 10 && (want >> 32));
}

/* Eight events on six counters: every tick rotates, re-adds events, and
 * x86_pmu_enable writes the LVTPC before enable_all; with six events on
 * six nothing is re-added after the set-up and no LVTPC write is made
 * outside the PMI handler. */
static unsigned int lvtpc_writes_outside_pmis(const struct rec *r, bool *before_enable)
{
	unsigned int n = 0;
	struct amd_walk w = { 0 };

	*before_enable = true;
	for (unsigned int i = 0; i + 1 < r->n; i++) {
		const struct op *o = &r->ops[i];

		if (is_outside_amd_pmi(&w, o) && is_wr(o, MSR_X2APIC_LVTPC)) {
			n++;
			*before_enable &= is_wr(&r->ops[i + 1], MSR_AMD64_PERF_CNTR_GLOBAL_CTL) &&
					  r->ops[i + 1].val;
		}
	}
	return n;
}

static void test_rotation_writes_the_lvtpc(void **state)
{
	static struct rec r;
	bool before_enable;
	unsigned int n;

	(void)state;
	record_sc("zen4", NULL, 4, 8, &r);
	n = lvtpc_writes_outside_pmis(&r, &before_enable);
	print_message("8 events on 6 counters: %u LVTPC writes outside PMIs\n", n);
	assert_true(n > 3 && before_enable);
	record_sc("zen4", NULL, 4, 0, &r);
	assert_int_equal(lvtpc_writes_outside_pmis(&r, &before_enable), 0);
}

/*
 * __perf_event_account_interrupt: an event's (max_samples_per_tick + 1)th
 * overflow in a tick (perf_event_max_sample_rate 100000 over HZ, rounded
 * up) has perf_event_overflow return 1, and the handler stops it
 * (x86_pmu_stop: its select without EN); the next tick's
 * perf_adjust_freq_unthr_context starts it again. A guest sampling at
 * 16,825 Hz with a 2,433 Hz tick under PMIs that take a while: no counter
 * is re-armed in a PMI more than 42 + 1 times between two ticks, and some
 * are stopped in the handler.
 */
static void test_throttled_events_stop_until_the_tick(void **state)
{
	static struct scenario sc;
	static struct rec r;
	const u32 max = (100000 + 2433 - 1) / 2433;
	unsigned int rearms[9] = { 0 }, stops = 0, worst = 0;
	bool in_pmi = false;
	struct diag d;

	(void)state;
	assert_int_equal(scenario__load("specint", &sc, &d), 0);
	sc.guest.hz = 2433;
	sc.guest.perf_freq = 16825;
	record_sc("spr", &sc, 4, 0, &r);
	assert_int_equal(max, 42);
	for (unsigned int i = 0; i < r.n; i++) {
		const struct op *o = &r.ops[i];

		if (o->pmi)
			in_pmi = true;
		if (!in_pmi) {
			if (is_wr(o, MSR_CORE_PERF_GLOBAL_CTRL) && !o->val)	/* a tick */
				memset(rearms, 0, sizeof(rearms));
			continue;
		}
		if (is_wr(o, MSR_X2APIC_LVTPC))
			in_pmi = false;		/* the handler's last access */
		if (o->op == KVM_GUEST_WRMSR && ((o->reg >= MSR_IA32_PMC0 && o->reg < MSR_IA32_PMC0 + 8) ||
						 o->reg == MSR_CORE_PERF_FIXED_CTR0)) {
			unsigned int c = ++rearms[o->reg == MSR_CORE_PERF_FIXED_CTR0 ? 8 :
						  o->reg - MSR_IA32_PMC0];

			worst = c > worst ? c : worst;
		}
		if (is_sel(o->reg) && o->op == KVM_GUEST_WRMSR && !(o->val & EVTSEL_ENABLE))
			stops++;
		/* the fixed counter 0 event's stop: its field cleared, written
		 * by the handler's enable_all */
		if (is_wr(o, MSR_CORE_PERF_FIXED_CTR_CTRL) && !(o->val & 0xf))
			stops++;
	}
	print_message("%llu throttles, %u stops in handlers, at most %u re-arms a tick\n",
		      (unsigned long long)r.res.throttles, stops, worst);
	assert_true(stops > 0 && stops == r.res.throttles);
	assert_true(worst <= max + 1);
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
		cmocka_unit_test(test_amd_v2_pmi_handler),
		cmocka_unit_test(test_amd_waits_on_overflow_outside_the_nmi),
		cmocka_unit_test(test_intel_enable_all_is_every_counter),
		cmocka_unit_test(test_first_instructions_event_on_fixed_counter_0),
		cmocka_unit_test(test_rotation_writes_the_lvtpc),
		cmocka_unit_test(test_throttled_events_stop_until_the_tick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

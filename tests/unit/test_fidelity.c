/*
 * test_fidelity.c - the run loop and the guest against upstream facts and
 * against what the scenarios say must happen (issue 7), not against the
 * model's own bookkeeping:
 *  - every exit whose handler completes the guest's instruction counts it in
 *    a guest counter (kvm_skip_emulated_instruction ->
 *    kvm_pmu_instruction_retired): the count a guest reads is the number of
 *    instructions it retired, by the upstream table of such exits;
 *  - for an emulated counter that is KVM_REQ_PMU, which ends the fastpath
 *    loop and reprograms the perf event: timer-heavy's emulated vPMU pays;
 *  - a guest that runs perf finds its counters and takes PMIs on every
 *    profile, Intel and AMD;
 *  - SVM has no preemption timer, and its exits carry SVM names; a fastpath
 *    exit exists only where the vendor has that fastpath; HLT is one
 *    (handle_fastpath_hlt) unless the vCPU sleeps or counts instructions;
 *  - host tasks really preempt the vCPU for their slices;
 *  - lazy differs from vcpu only when host perf wants the PMU;
 *  - RDPMC interception follows counts and widths, not the version; a
 *    version userspace sets is kept, the advertised one capped at 2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hw/msr.h"
#include "input/profile.h"
#include "kvm/vcpu.h"
#include "sim/run.h"
#include "run_helpers.h"

/* ---- one vCPU on one pCPU ------------------------------------------------- */

struct rig {
	struct profile prof;
	struct hw_cpu cpu;
	struct perf_cpu pc;
	struct kvm_vcpu v;
};

static struct rig *rig_new(const char *profile, const struct kvm_vpmu_ops *kind,
			   const char *policy)
{
	struct rig *r = test_calloc(1, sizeof(*r));
	struct hw_pmu_config req;
	const char *why = NULL;
	struct diag d;
	char err[128];

	assert_int_equal(profile__load(profile, &r->prof, &d), 0);
	assert_int_equal(hw_cpu__init(&r->cpu, &r->prof.pmu, &r->prof.hw, err, sizeof(err)), 0);
	perf_cpu__init(&r->pc, &r->cpu, &r->prof.perf);
	kvm_pmu__supported(&r->prof.pmu, &req);
	assert_int_equal(kvm_vcpu__init(&r->v, kind, kvm_policy__by_name(policy),
					PMI_ROUTE_VECTOR, &req, &r->prof.kvm, &r->cpu, &r->pc,
					&why), 0);
	kvm_vcpu__start(&r->v);
	return r;
}

static void rig_free(struct rig *r)
{
	kvm_vcpu__stop(&r->v);
	kvm_vcpu__destroy(&r->v);
	perf_cpu__exit(&r->pc);
	test_free(r);
}

/*
 * Counter 0 counts retired instructions (USR+OS), enabled by the guest's
 * GLOBAL_CTRL write; then workload exits with no guest code between them,
 * then the disabling write. What the counter must read follows from the
 * upstream table alone: the enabling WRMSR (counted: the instruction is
 * retired after the write, with the counter on), one for each of HLT, I/O,
 * MMIO, CPUID-like, VMCALL and TSC-deadline exits, none for EPT violations,
 * the preemption timer and external interrupts; not the disabling WRMSR.
 */
static void check_exit_instructions(const struct kvm_vpmu_ops *kind, const char *profile)
{
	struct rig *r = rig_new(profile, kind, "irqoff");
	bool amd = r->prof.pmu.vendor == HW_VENDOR_AMD;
	u32 sel = amd ? MSR_F15H_PERF_CTL0 : MSR_P6_EVNTSEL0;
	u32 ctl = amd ? MSR_AMD64_PERF_CNTR_GLOBAL_CTL : MSR_CORE_PERF_GLOBAL_CTRL;
	static const struct {
		enum kvm_exit_reason r;
		unsigned int n;
	} ex[] = {
		{ EXIT_HLT, 3 }, { EXIT_IO, 2 }, { EXIT_EPT_MISCONFIG, 1 }, { EXIT_VMCALL, 1 },
		{ EXIT_MSR_WRITE_TIMER, 4 }, { EXIT_EPT_VIOLATION, 5 },
		{ EXIT_PREEMPTION_TIMER, 6 }, { EXIT_EXTERNAL_INTERRUPT, 2 },
	};
	u64 v = 0;

	assert_false(kvm_vcpu__guest_wrmsr(&r->v, ctl, 0));
	assert_false(kvm_vcpu__guest_wrmsr(&r->v, sel, 0xc0 | EVTSEL_USR | EVTSEL_OS |
					   EVTSEL_ENABLE));
	assert_false(kvm_vcpu__guest_wrmsr(&r->v, ctl, 1));
	for (unsigned int i = 0; i < sizeof(ex) / sizeof(ex[0]); i++)
		for (unsigned int k = 0; k < ex[i].n; k++)
			kvm_vcpu__guest_exit(&r->v, ex[i].r);
	assert_false(kvm_vcpu__guest_wrmsr(&r->v, ctl, 0));
	assert_false(kvm_vcpu__guest_rdpmc(&r->v, 0, &v));
	assert_int_equal(v, 1 + 3 + 2 + 1 + 1 + 4);
	rig_free(r);
}

static void test_exits_count_the_instructions_kvm_completes(void **state)
{
	(void)state;
	check_exit_instructions(&kvm_vpmu_emulated_ops, "spr");
	check_exit_instructions(&kvm_vpmu_mediated_ops, "spr");
	check_exit_instructions(&kvm_vpmu_emulated_ops, "zen4");
	check_exit_instructions(&kvm_vpmu_mediated_ops, "zen4");
}

/* An emulated counter that counts the TSC-deadline write raises KVM_REQ_PMU,
 * so the fastpath loop ends (EXIT_FASTPATH_EXIT_HANDLED) and the event is
 * reprogrammed; the preemption timer's exit completes no instruction and
 * stays on the fastpath. */
static void test_emulated_counter_ends_the_fastpath(void **state)
{
	struct rig *r = rig_new("spr", &kvm_vpmu_emulated_ops, "irqoff");

	(void)state;
	assert_false(kvm_vcpu__guest_wrmsr(&r->v, MSR_P6_EVNTSEL0, 0xc0 | EVTSEL_USR | EVTSEL_OS |
					   EVTSEL_ENABLE));
	kvm_vcpu__guest_exit(&r->v, EXIT_PREEMPTION_TIMER);
	kvm_vcpu__guest_exit(&r->v, EXIT_PREEMPTION_TIMER);
	assert_int_equal(r->v.st.fastpath_exits, 2);
	kvm_vcpu__guest_exit(&r->v, EXIT_MSR_WRITE_TIMER);
	assert_int_equal(r->v.st.fastpath_exits, 2);
	assert_int_equal(r->v.st.fastpath_left, 1);
	assert_true(r->v.st.reprograms >= 1);
	rig_free(r);
}

/* kvm_pmu_cleanup: after a preemption, the perf event of a counter the
 * guest neither enabled nor touched during the last time slice is released;
 * one it touched is kept for another slice. */
static void test_cleanup_releases_unused_events(void **state)
{
	struct rig *r = rig_new("spr", &kvm_vpmu_emulated_ops, "irqoff");
	struct kvm_pmu *pmu = &r->v.pmu;

	(void)state;
	assert_false(kvm_vcpu__guest_wrmsr(&r->v, MSR_P6_EVNTSEL0, 0xc0 | EVTSEL_USR | EVTSEL_OS |
					   EVTSEL_ENABLE));
	kvm_vcpu__guest_exit(&r->v, EXIT_VMCALL);	/* KVM_REQ_PMU: the event is created */
	assert_non_null(pmu->gp[0].perf_event);
	assert_false(kvm_vcpu__guest_wrmsr(&r->v, MSR_P6_EVNTSEL0, 0));
	kvm_pmu__sched_in(pmu);
	kvm_vcpu__guest_exit(&r->v, EXIT_VMCALL);
	assert_non_null(pmu->gp[0].perf_event);	/* touched this slice: kept */
	kvm_pmu__sched_in(pmu);
	kvm_vcpu__guest_exit(&r->v, EXIT_VMCALL);
	assert_null(pmu->gp[0].perf_event);	/* a whole slice unused: released */
	assert_int_equal(pmu->nr_releases, 1);
	rig_free(r);
}

/* A reprogram that fails (host perf has no room for the backing event)
 * leaves the counter marked; the next KVM_REQ_PMU, for whatever reason,
 * retries it. (Host perf here never reuses a released event's slot, so the
 * retry fails again; that it is attempted is what this checks.) */
static void test_failed_reprogram_is_retried(void **state)
{
	struct rig *r = rig_new("spr", &kvm_vpmu_emulated_ops, "irqoff");
	struct perf_attr attr = { .type = PERF_TYPE_HARDWARE, .config = 0, .exclude_guest = true };
	struct perf_event *ev[PERF_MAX_EVENTS];
	const u64 sel = 0xc0 | EVTSEL_USR | EVTSEL_OS | EVTSEL_ENABLE;
	u64 failures;
	int n = 0;

	(void)state;
	while (r->pc.nr_events < PERF_MAX_EVENTS)
		assert_int_equal(perf_event__create(&r->pc, &attr, NULL, &ev[n++]), 0);
	assert_false(kvm_vcpu__guest_wrmsr(&r->v, MSR_P6_EVNTSEL0, sel));
	assert_null(r->v.pmu.gp[0].perf_event);
	assert_true(r->v.pmu.reprogram_pmi & 1);
	failures = r->v.pmu.nr_reprogram_failures;
	assert_true(failures >= 1);
	assert_false(kvm_vcpu__guest_wrmsr(&r->v, MSR_P6_EVNTSEL0 + 1, 0));	/* KVM_REQ_PMU */
	assert_true(r->v.pmu.nr_reprogram_failures > failures);	/* counter 0 again */
	assert_true(r->v.pmu.reprogram_pmi & 1);
	while (n)
		perf_event__release(&r->pc, ev[--n]);
	rig_free(r);
}

/* ---- whole runs --------------------------------------------------------------- */

static void run(const char *profile, const char *scenario, const char *vpmu, const char *policy,
		struct sim_metrics *m, const struct scenario *override)
{
	test_run_scenario(profile, scenario, vpmu, policy, m, override);
}

static void test_timer_heavy_emulated_pays_for_emulation(void **state)
{
	struct sim_metrics emu, med;

	(void)state;
	run("spr", "timer-heavy", "emulated", "irqoff", &emu, NULL);
	run("spr", "timer-heavy", "mediated", "irqoff", &med, NULL);
	/* each of the 4 counters is reprogrammed after each TSC-deadline write */
	assert_true(emu.reprograms >= 4 * emu.exits[EXIT_MSR_WRITE_TIMER]);
	assert_true(emu.fastpath_left >= emu.exits[EXIT_MSR_WRITE_TIMER]);
	assert_true(emu.reprogram_cycles > 0);
	/* the mediated vPMU counts them without perf: it reprograms only for
	 * the guest's event-select writes */
	assert_true(med.reprograms * 100 < emu.reprograms);
	assert_true(emu.guest_overhead_pct > med.guest_overhead_pct);
}

/* What every run must show, whatever the profile: exits only of reasons the
 * vendor has, named as its trace point names them, and fastpath exits only
 * of reasons its fastpath handles. */
static void check_vendor_exits(const char *what, const struct sim_metrics *m)
{
	u64 fast_able = 0;

	for (int r = 0; r < EXIT_NR; r++) {
		enum kvm_exit_path path = kvm_exit__path((enum kvm_exit_reason)r, m->vendor);
		const char *n = sim__exit_name((enum kvm_exit_reason)r, m->vendor);

		if (!m->exits[r])
			continue;
		if (path == PATH_NONE)
			fail_msg("%s: %llu exits of %s, which the vendor does not have", what,
				 (unsigned long long)m->exits[r], kvm_exits[r].vmx);
		for (const char *c = n; *c; c++)	/* VMX names upper case, SVM lower */
			if (m->vendor == HW_VENDOR_AMD ? (*c >= 'A' && *c <= 'Z') :
							 (*c >= 'a' && *c <= 'z'))
				fail_msg("%s: exit name %s is not the vendor's", what, n);
		if (path == PATH_FASTPATH)
			fast_able += m->exits[r];
	}
	if (m->fastpath_exits > fast_able)
		fail_msg("%s: %llu fastpath exits, %llu of fastpath reasons", what,
			 (unsigned long long)m->fastpath_exits, (unsigned long long)fast_able);
}

/* A guest that runs perf finds counters and samples on every built-in
 * profile and scenario (vpmu compare's set), and its counts agree with
 * ground truth. */
static void test_guest_perf_runs_on_every_profile(void **state)
{
	static const char *const kinds[] = { "emulated", "mediated" };
	struct sim_metrics m;
	struct scenario sc;
	struct profile prof;
	struct diag d;
	char what[128];
	double lim;

	(void)state;
	for (const struct embedded_file *p = profile_builtin; p->name; p++)
		for (const struct embedded_file *s = scenario_builtin; s->name; s++)
			for (unsigned int k = 0; k < 2; k++) {
				assert_int_equal(profile__load(p->name, &prof, &d), 0);
				if (k == 1 && prof.pmu.vendor == HW_VENDOR_INTEL &&
				    (prof.pmu.version < 4 || !prof.pmu.fw_writes))
					continue;	/* no mediated PMU on this host */
				assert_int_equal(scenario__load(s->name, &sc, &d), 0);
				if (sc.not_in_compare)
					continue;
				sc.guest.work_minsns /= 4;	/* enough to see it */
				snprintf(what, sizeof(what), "%s %s %s", p->name, s->name, kinds[k]);
				run(p->name, s->name, kinds[k], "irqoff", &m, &sc);
				check_vendor_exits(what, &m);
				if (!m.guest_counters)
					fail_msg("%s: the guest found no counters", what);
				/* multiplexed events are estimates (perf's scaling) */
				lim = sc.guest.perf_events > m.guest_counters ? 15.0 : 1.0;
				if (!(m.guest_count_error_pct >= 0 && m.guest_count_error_pct < lim))
					fail_msg("%s: guest count error %.3f %%", what,
						 m.guest_count_error_pct);
				if (sc.guest.perf == GUEST_PERF_RECORD && m.guest_pmis <= 10)
					fail_msg("%s: %llu guest PMIs", what,
						 (unsigned long long)m.guest_pmis);
			}
}

/* SVM: no preemption timer (the deadline is a host hrtimer's interrupt
 * exit), SVM names, and of the fastpath the MSR writes and HLT. */
static void test_svm_is_not_vmx(void **state)
{
	struct sim_metrics amd, intel;

	(void)state;
	run("zen4", "timer-heavy", "none", "irqoff", &amd, NULL);
	run("spr", "timer-heavy", "none", "irqoff", &intel, NULL);
	assert_int_equal(amd.exits[EXIT_PREEMPTION_TIMER], 0);
	assert_true(amd.exits[EXIT_EXTERNAL_INTERRUPT] >= amd.exits[EXIT_MSR_WRITE_TIMER] / 2);
	/* timer-heavy's HLTs find an event pending: handle_fastpath_hlt
	 * re-enters (EXIT_FASTPATH_REENTER_GUEST) on both vendors */
	assert_true(amd.exits[EXIT_HLT] > 0 && intel.exits[EXIT_HLT] > 0);
	assert_int_equal(amd.fastpath_exits, amd.exits[EXIT_MSR_WRITE_TIMER] + amd.exits[EXIT_HLT]);
	assert_int_equal(intel.fastpath_exits, intel.exits[EXIT_MSR_WRITE_TIMER] +
			 intel.exits[EXIT_PREEMPTION_TIMER] + intel.exits[EXIT_HLT]);
	assert_string_equal(sim__exit_name(EXIT_EXTERNAL_INTERRUPT, HW_VENDOR_AMD), "interrupt");
	assert_string_equal(sim__exit_name(EXIT_VMCALL, HW_VENDOR_AMD), "hypercall");
	assert_string_equal(sim__exit_name(EXIT_EPT_VIOLATION, HW_VENDOR_AMD), "npf");
	for (int r = 0; r < EXIT_NR; r++) {
		const char *n = sim__exit_name((enum kvm_exit_reason)r, HW_VENDOR_AMD);

		if (!amd.exits[r])
			continue;
		for (const char *c = n; *c; c++)	/* SVM names are lower case */
			assert_false(*c >= 'A' && *c <= 'Z');
	}
}

/*
 * handle_fastpath_hlt (VMX and SVM): a HLT with an event pending re-enters
 * from the fastpath, so under irqoff it costs no put or load; one that
 * halts leaves the loop handled (a put, the block, a load, and no full
 * handler); while an enabled counter counts instructions it bails out to
 * the full path (kvm_pmu_is_fastpath_emulation_allowed).
 */
static void test_hlt_takes_the_fastpath(void **state)
{
	static const char *const profiles[] = { "spr", "zen4" };

	(void)state;
	for (unsigned int i = 0; i < 2; i++) {
		struct rig *r = rig_new(profiles[i], &kvm_vpmu_mediated_ops, "irqoff");
		bool amd = r->prof.pmu.vendor == HW_VENDOR_AMD;
		u64 puts = r->v.st.puts, fast = r->v.st.fastpath_exits;

		kvm_vcpu__guest_exit(&r->v, EXIT_HLT);		/* an event pending */
		assert_int_equal(r->v.st.fastpath_exits, fast + 1);
		assert_int_equal(r->v.st.puts, puts);
		kvm_vcpu__guest_halt(&r->v, 50000);		/* it sleeps */
		assert_int_equal(r->v.st.fastpath_exits, fast + 1);
		assert_int_equal(r->v.st.halts, 1);
		assert_int_equal(r->v.st.puts, puts + 1);
		/* counter 0 counts retired instructions: the fastpath bails out */
		assert_false(kvm_vcpu__guest_wrmsr(&r->v, amd ? MSR_F15H_PERF_CTL0 : MSR_P6_EVNTSEL0,
						   0xc0 | EVTSEL_USR | EVTSEL_OS | EVTSEL_ENABLE));
		assert_false(kvm_vcpu__guest_wrmsr(&r->v, amd ? MSR_AMD64_PERF_CNTR_GLOBAL_CTL :
						   MSR_CORE_PERF_GLOBAL_CTRL, 1));
		puts = r->v.st.puts;
		kvm_vcpu__guest_exit(&r->v, EXIT_HLT);
		assert_int_equal(r->v.st.fastpath_exits, fast + 1);
		assert_int_equal(r->v.st.puts, puts + 1);
		rig_free(r);
	}
}

/* The overcommit scenario's host tasks run their slices: the vCPU is
 * preempted, and each time the others run tasks x slice_us. */
static void test_host_tasks_preempt_the_vcpu(void **state)
{
	struct sim_metrics a, b;
	struct scenario sc;
	struct diag d;
	u64 slice;

	(void)state;
	assert_int_equal(scenario__load("overcommit", &sc, &d), 0);
	slice = (u64)sc.slice_us * 2000;	/* spr: 2000 MHz */
	run("spr", "overcommit", "mediated", "vcpu", &a, &sc);
	assert_true(a.preemptions > 10);
	/* their slices, plus the host interrupts taken during them */
	assert_true(a.host_task_cycles >= a.preemptions * sc.host_tasks * slice);
	assert_true(a.host_task_cycles < a.preemptions * sc.host_tasks * slice / 100 * 101);
	/* the tasks are user code the host session sees: its branches:H has
	 * branches to count (it had none, and counted 0 of 0) */
	{
		bool seen = false;

		for (int i = 0; i < a.nr_host_events; i++)
			if (!strcmp(a.host_events[i].name, "branches:H")) {
				seen = true;
				assert_true(a.host_events[i].truth > 1000000);
			}
		assert_true(seen);
	}
	sc.host_tasks *= 2;
	run("spr", "overcommit", "mediated", "vcpu", &b, &sc);
	assert_true(b.host_task_cycles >= b.preemptions * sc.host_tasks * slice);
	assert_true(b.wall_cycles > a.wall_cycles);
}

/* lazy = vcpu while host perf has no events; with a host perf session it
 * gives the PMU back when leaving the irqs-off loop. */
static void test_lazy_differs_from_vcpu_only_with_host_perf(void **state)
{
	struct sim_metrics lazy, vcpu;

	(void)state;
	run("spr", "slice-of-hardware", "mediated", "lazy", &lazy, NULL);
	run("spr", "slice-of-hardware", "mediated", "vcpu", &vcpu, NULL);
	assert_int_equal(lazy.wall_cycles, vcpu.wall_cycles);
	run("spr", "overcommit", "mediated", "lazy", &lazy, NULL);
	run("spr", "overcommit", "mediated", "vcpu", &vcpu, NULL);
	assert_true(lazy.puts > 10 * vcpu.puts);
	assert_true(lazy.guest_overhead_pct > vcpu.guest_overhead_pct);
	assert_true(lazy.host_blind_pct != vcpu.host_blind_pct);
}

/* An EPT violation's cost has the tail the profile gives it (a tenth fault
 * a page in on the host at 10x). */
static void test_exit_latencies_spread(void **state)
{
	struct sim_metrics m;
	struct scenario sc;
	struct diag d;

	(void)state;
	assert_int_equal(scenario__load("overcommit", &sc, &d), 0);
	sc.guest.exits_per_sec[EXIT_EPT_VIOLATION] = 5000;
	run("spr", "overcommit", "none", "irqoff", &m, &sc);
	assert_true(m.exit_latency_by[EXIT_EPT_VIOLATION].n >= 500);
	assert_true(m.exit_latency_by[EXIT_EPT_VIOLATION].p99 >
		    3 * m.exit_latency_by[EXIT_EPT_VIOLATION].p50);
}

/* The NMI watchdog's pinned !exclude_guest cycles event makes
 * perf_create_mediated_pmu() fail with -EBUSY, and the error says how to
 * turn it off; without it the same scenario runs; the emulated vPMU does
 * not care. */
static void test_nmi_watchdog_blocks_the_mediated_pmu(void **state)
{
	static struct profile prof;
	static struct scenario sc;
	struct sim_config c = { .prof = &prof, .sc = &sc, .seed = 1, .policy = kvm_policies[0] };
	struct sim_metrics m;
	struct diag d;
	char err[512];

	(void)state;
	assert_int_equal(profile__load("spr", &prof, &d), 0);
	assert_int_equal(scenario__load("timer-heavy", &sc, &d), 0);
	sc.guest.work_minsns = 10;
	sc.nmi_watchdog = true;
	c.kind = &kvm_vpmu_mediated_ops;
	assert_int_equal(sim__run(&c, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-EBUSY"));
	assert_non_null(strstr(err, "/proc/sys/kernel/nmi_watchdog"));
	c.kind = &kvm_vpmu_emulated_ops;
	assert_int_equal(sim__run(&c, &m, err, sizeof(err)), 0);
	sc.nmi_watchdog = false;
	c.kind = &kvm_vpmu_mediated_ops;
	assert_int_equal(sim__run(&c, &m, err, sizeof(err)), 0);
}

/* Issue 8's reproducers in the workload: exit rates no core could take are
 * refused (in the scenario when they pass 10M a second, at run time when
 * the profile's core is too slow for them) instead of dividing by zero;
 * hz = 0 is no guest tick, not a tick after every instruction. */
static void test_rates_and_no_tick(void **state)
{
	static const char many[] = "[scenario]\nname = x\n[guest]\nwork_minsns = 1\n[exits]\n"
				   "hlt = 6000000\nio = 6000000\n";
	struct scenario sc;
	struct sim_metrics m;
	static struct profile prof;
	struct sim_config c = { .prof = &prof, .sc = &sc, .seed = 1, .policy = kvm_policies[0],
				.kind = &kvm_vpmu_none_ops };
	struct diag d;
	char err[256];

	(void)state;
	assert_int_equal(scenario__parse("x.ini", many, &sc, &d), VPMU_E_PARSE);
	assert_int_equal(d.line, 7);
	assert_non_null(strstr(d.msg, "at most 10000000"));
	assert_int_equal(profile__parse("p.ini", "[cpu]\nbase = spr # source: x\n"
					"name = slow # source: x\ncore_mhz = 100 # estimate: x\n",
					&prof, &d), 0);
	assert_int_equal(scenario__parse("x.ini", "[scenario]\nname = x\n[guest]\n"
					 "work_minsns = 1\n[exits]\nhlt = 5000000\n", &sc, &d), 0);
	assert_int_equal(sim__run(&c, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "one exit every 100 cycles"));
	assert_int_equal(scenario__parse("x.ini", "[scenario]\nname = x\n[guest]\n"
					 "work_minsns = 2\nhz = 0\n", &sc, &d), 0);
	assert_int_equal(profile__load("spr", &prof, &d), 0);
	assert_int_equal(sim__run(&c, &m, err, sizeof(err)), 0);
	assert_int_equal(m.exits[EXIT_PREEMPTION_TIMER] + m.exits[EXIT_MSR_WRITE_TIMER], 0);
	assert_true(m.exits_total < 10);	/* the host's own tick, nothing else */
}

/* [exits] from = FILE: a perf kvm stat table's mix becomes the scenario's
 * rates (its counts in proportion, scaled to [exits] rate since a table has
 * no time), its average times the exits' latencies; mixing that with rate
 * keys, or a table without a rate, is refused at the line. */
static void test_exit_mix_from_a_table(void **state)
{
	struct scenario sc;
	struct sim_metrics m;
	struct diag d;

	(void)state;
	assert_int_equal(scenario__load("tests/traces/from-table.ini", &sc, &d), 0);
	/* the table: MSR_WRITE 9167, PREEMPTION_TIMER 5728, HLT 2232, CPUID 2160 */
	assert_int_equal(sc.guest.exits_per_sec[EXIT_MSR_WRITE], 9167ULL * 20000 / 19287);
	assert_int_equal(sc.guest.exits_per_sec[EXIT_HLT], 2232ULL * 20000 / 19287);
	assert_int_equal(sc.exit_latency_ns[EXIT_CPUID], 650);
	/* a HLT's 30567.94 us are the vCPU asleep (kvm_vcpu_block), not
	 * handler work: the guest's idle time, the handler the profile's */
	assert_int_equal(sc.exit_latency_ns[EXIT_HLT], 0);
	assert_int_equal(sc.guest.hlt_idle_us, 30567);
	run("spr", "from-table", "none", "irqoff", &m, &sc);
	/* it sleeps, until its idle time or the synthetic guest's next tick
	 * (250 Hz: 8 M cycles at 2 GHz; this guest keeps its tick in idle) */
	assert_true(m.halts > 0);
	assert_true(m.exit_latency_by[EXIT_HLT].p50 > 1000000);
	assert_true(m.exit_latency_by[EXIT_HLT].max <= 8000000 + 20000);
	/* a CPUID exit cannot be shorter than the profile's exit, entry and
	 * outer loop (1350 cycles), so its 0.65 us (1300) becomes 1350 */
	assert_int_equal(m.exit_latency_by[EXIT_CPUID].p50, 1350);
	assert_int_equal(scenario__parse("tests/traces/x.ini", "[scenario]\nname = x\n"
					 "[guest]\nwork_minsns = 1\n[exits]\n"
					 "from = kvm-stat-minmax.txt\n", &sc, &d), VPMU_E_PARSE);
	assert_non_null(strstr(d.msg, "[exits] rate"));
	assert_int_equal(d.line, 6);
	assert_int_equal(scenario__parse("tests/traces/x.ini", "[scenario]\nname = x\n"
					 "[guest]\nwork_minsns = 1\n[exits]\nhlt = 5\n"
					 "from = kvm-stat-minmax.txt\nrate = 10\n", &sc, &d),
			 VPMU_E_PARSE);
	assert_non_null(strstr(d.msg, "not both"));
}

/* ---- KVM's CPUID and RDPMC rules ---------------------------------------------- */

static void test_version_kept_rdpmc_by_counts(void **state)
{
	struct rig *r = rig_new("spr", &kvm_vpmu_mediated_ops, "irqoff");
	struct hw_pmu_config req = r->prof.pmu, sup;
	const char *why = NULL;
	u32 regs[4];

	(void)state;
	kvm_pmu__supported(&r->prof.pmu, &sup);
	assert_int_equal(sup.version, 2);	/* advertised: capped */
	kvm_vcpu__stop(&r->v);
	kvm_vcpu__destroy(&r->v);
	/* userspace sets v5: intel_pmu_refresh keeps it */
	assert_int_equal(kvm_vcpu__init(&r->v, &kvm_vpmu_mediated_ops, kvm_policies[0],
					PMI_ROUTE_VECTOR, &req, &r->prof.kvm, &r->cpu, &r->pc,
					&why), 0);
	kvm_pmu__cpuid(&r->v.pmu, 0xa, 0, regs);
	assert_int_equal(regs[0] & 0xff, 5);
	kvm_vcpu__start(&r->v);
	rig_free(r);

	/* AMD with PerfCtrExtCore and the host's six counters but no PerfMonV2
	 * (version 1): RDPMC passes through - no version condition */
	r = rig_new("zen4", &kvm_vpmu_mediated_ops, "irqoff");
	req = r->prof.pmu;
	req.amd_perfmon_v2 = false;
	kvm_vcpu__stop(&r->v);
	kvm_vcpu__destroy(&r->v);
	assert_int_equal(kvm_vcpu__init(&r->v, &kvm_vpmu_mediated_ops, kvm_policies[0],
					PMI_ROUTE_VECTOR, &req, &r->prof.kvm, &r->cpu, &r->pc,
					&why), 0);
	assert_int_equal(r->v.pmu.version, 1);
	assert_false(kvm_vpmu_mediated_ops.is_rdpmc_intercepted(&r->v.pmu));
	/* but the global MSRs stay intercepted without PerfMonV2 */
	assert_true(kvm_vpmu_mediated_ops.is_intercepted(&r->v.pmu,
							 MSR_AMD64_PERF_CNTR_GLOBAL_CTL));
	kvm_vcpu__start(&r->v);
	rig_free(r);
}

/* The posted Topdown series' limit (spr-fc3): a mediated guest on SPR gets
 * the fourth fixed counter, hence all of the host's counters, hence the
 * global MSRs and RDPMC pass through; with 7.0's limit (spr) they do not. */
static void test_fourth_fixed_counter_future(void **state)
{
	struct rig *r = rig_new("spr", &kvm_vpmu_mediated_ops, "irqoff");

	(void)state;
	assert_int_equal(r->v.pmu.nr_fixed, 3);
	assert_true(kvm_vpmu_mediated_ops.is_intercepted(&r->v.pmu, MSR_CORE_PERF_GLOBAL_CTRL));
	assert_true(kvm_vpmu_mediated_ops.is_rdpmc_intercepted(&r->v.pmu));
	rig_free(r);
	r = rig_new("spr-fc3", &kvm_vpmu_mediated_ops, "irqoff");
	assert_int_equal(r->v.pmu.nr_fixed, 4);
	assert_false(kvm_vpmu_mediated_ops.is_intercepted(&r->v.pmu, MSR_CORE_PERF_GLOBAL_CTRL));
	assert_false(kvm_vpmu_mediated_ops.is_rdpmc_intercepted(&r->v.pmu));
	rig_free(r);
	/* the emulated vPMU keeps KVM's 3 */
	r = rig_new("spr-fc3", &kvm_vpmu_emulated_ops, "irqoff");
	assert_int_equal(r->v.pmu.nr_fixed, 3);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exits_count_the_instructions_kvm_completes),
		cmocka_unit_test(test_emulated_counter_ends_the_fastpath),
		cmocka_unit_test(test_cleanup_releases_unused_events),
		cmocka_unit_test(test_failed_reprogram_is_retried),
		cmocka_unit_test(test_timer_heavy_emulated_pays_for_emulation),
		cmocka_unit_test(test_guest_perf_runs_on_every_profile),
		cmocka_unit_test(test_svm_is_not_vmx),
		cmocka_unit_test(test_hlt_takes_the_fastpath),
		cmocka_unit_test(test_host_tasks_preempt_the_vcpu),
		cmocka_unit_test(test_lazy_differs_from_vcpu_only_with_host_perf),
		cmocka_unit_test(test_exit_latencies_spread),
		cmocka_unit_test(test_nmi_watchdog_blocks_the_mediated_pmu),
		cmocka_unit_test(test_rates_and_no_tick),
		cmocka_unit_test(test_exit_mix_from_a_table),
		cmocka_unit_test(test_version_kept_rdpmc_by_counts),
		cmocka_unit_test(test_fourth_fixed_counter_future),
	};

	return cmocka_run_group_tests_name("fidelity", tests, NULL, NULL);
}

/*
 * test_perf.c - the host perf core (perf/) on the simulated core: the
 * mediated-PMU API rules, exclude_guest across guest contexts, multiplexing
 * accuracy, pinned groups, sampling and frequency mode, topdown groups, AMD
 * host/guest bits, and the GLOBAL_CTRL values handed to KVM.
 *
 * Workloads run at CPL 3 and the events exclude the kernel, so perf's own
 * work (CPL 0 segments) is outside both the counts and the ground truth and
 * counts can be compared exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"

#include "base/checks.h"
#include "base/rng.h"
#include "hw/msr.h"
#include "perf/internal.h"
#include "perf/perf.h"

struct rig {
	struct hw_cpu cpu;
	struct perf_cpu pc;
};

static struct rig *rig_new(struct hw_pmu_config *cfg)
{
	struct rig *r = test_calloc(1, sizeof(*r));
	char err[128];

	assert_int_equal(hw_cpu__init(&r->cpu, cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	assert_int_equal(perf_cpu__init(&r->pc, &r->cpu, TEST_PERF_COSTS), 0);
	r->cpu.on_irq = perf_cpu__host_irq;
	r->cpu.irq_ctx = &r->pc;
	perf_cpu__start_tick(&r->pc);
	return r;
}

static void rig_free(struct rig *r)
{
	perf_cpu__exit(&r->pc);
	test_free(r);
}

static struct rig *intel(u8 version, u8 fixed, bool metrics)
{
	struct hw_pmu_config cfg;

	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	cfg.version = version;
	cfg.nr_fixed = fixed;
	cfg.fw_writes = true;
	cfg.metrics = metrics;
	return rig_new(&cfg);
}

/* AMD core counters (6), with PerfMonV2's global registers or without. */
static struct rig *amd(bool v2)
{
	struct hw_pmu_config cfg;

	hw_pmu_config__defaults(&cfg, HW_VENDOR_AMD);
	cfg.amd_core = true;
	cfg.amd_perfmon_v2 = v2;
	cfg.nr_gp = 6;
	return rig_new(&cfg);
}

/* A steady user-mode workload: IPC 2, a branch every 5 instructions. */
static void run(struct rig *r, bool guest, u64 cycles)
{
	struct hw_segment seg = { .cycles = cycles, .cpl = 3, .guest = guest };

	seg.ev[HW_EV_INSTRUCTIONS] = 2 * cycles;
	seg.ev[HW_EV_BRANCHES] = 2 * cycles / 5;
	seg.ev[HW_EV_BRANCH_MISSES] = cycles / 100;
	seg.ev[HW_EV_LLC_REFS] = cycles / 10;
	seg.ev[HW_EV_LLC_MISSES] = cycles / 40;
	hw_cpu__fill_derived(&r->cpu, &seg);
	hw_cpu__run(&r->cpu, &seg, NULL);
}

static struct perf_event *ev_new(struct rig *r, enum perf_type type, u64 config,
				 const char *mods, struct perf_event *leader)
{
	struct perf_attr a = { .type = type, .config = config, .exclude_kernel = true };
	struct perf_event *ev;

	a.exclude_guest = strchr(mods, 'H') != NULL;
	a.exclude_host = strchr(mods, 'G') != NULL;
	a.pinned = strchr(mods, 'D') != NULL;
	assert_int_equal(perf_event__create(&r->pc, &a, leader, &ev), 0);
	return ev;
}

/* Counts the host's accesses to one register (hw_cpu.on_host_access). */
struct reg_count {
	u32 reg;
	unsigned int n;
};

static void count_reg(void *ctx, u32 reg)
{
	struct reg_count *c = ctx;

	c->n += reg == c->reg;
}

/*
 * ctx_resched's event types: enabling a CPU flexible event schedules the
 * CPU context's flexible groups out and in again, so an event that keeps
 * its counter is still stopped and restarted (x86_pmu_del, then
 * x86_pmu_start(RELOAD): its select written twice, its counter once); a
 * task flexible event's enable leaves the CPU's events alone; a pinned task
 * event's (KVM's) takes the CPU's flexible ones along.
 */
static void test_enable_reschedules_its_types(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_event *a, *b, *task_flex, *task_pinned;
	struct perf_attr t = { .type = PERF_TYPE_RAW, .config = 0x00c4, .exclude_kernel = true,
			       .task = 7, .disabled = true };
	struct reg_count sel, ctr;

	(void)state;
	a = ev_new(r, PERF_TYPE_RAW, 0x00c4, "", NULL);		/* CPU flexible */
	b = ev_new(r, PERF_TYPE_RAW, 0x00c5, "", NULL);
	assert_int_equal(perf_event__create(&r->pc, &t, NULL, &task_flex), 0);
	t.pinned = true;
	assert_int_equal(perf_event__create(&r->pc, &t, NULL, &task_pinned), 0);
	perf_cpu__switch_task(&r->pc, 7);
	run(r, false, 10000);
	assert_true(a->idx >= 0 && a->idx < 4);
	sel = (struct reg_count){ .reg = MSR_P6_EVNTSEL0 + (u32)a->idx };
	ctr = (struct reg_count){ .reg = MSR_IA32_PMC0 + (u32)a->idx };
	r->cpu.on_host_access = count_reg;
	r->cpu.access_ctx = &sel;
	perf_event__disable(&r->pc, b);
	sel.n = 0;
	perf_event__enable(&r->pc, b);			/* CPU flexible */
	assert_int_equal(sel.n, 2);
	r->cpu.access_ctx = &ctr;
	perf_event__disable(&r->pc, b);
	perf_event__enable(&r->pc, b);
	assert_int_equal(ctr.n, 1);			/* the reload */
	r->cpu.access_ctx = &sel;
	sel.n = 0;
	perf_event__enable(&r->pc, task_flex);		/* task flexible: the CPU's stay */
	assert_int_equal(sel.n, 0);
	perf_event__enable(&r->pc, task_pinned);	/* pinned task: CPU flexible too */
	assert_true(sel.n >= 2);
	assert_int_equal(a->state, PERF_STATE_ACTIVE);
	r->cpu.on_host_access = NULL;
	rig_free(r);
}

/*
 * FIXED_CTR_CTRL as Linux 6.1 on caches it (fae9ebde9696): a fixed event's
 * start and stop edit cpuc->fixed_ctrl_val, and __intel_pmu_enable_all
 * writes the register once, just before GLOBAL_CTRL, only when the value
 * changed. So a reschedule that stops and restarts the fixed event writes
 * nothing to it (it wrote two before: one at the stop, one at the start),
 * while enabling and disabling it write once each. The fixed event still
 * counts exactly.
 */
static void test_fixed_ctr_ctrl_written_when_it_changes(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct reg_count ctrl = { .reg = MSR_CORE_PERF_FIXED_CTR_CTRL };
	struct perf_event *ins, *b;
	struct perf_values v;

	(void)state;
	r->cpu.on_host_access = count_reg;
	r->cpu.access_ctx = &ctrl;
	ins = ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "", NULL);
	assert_int_equal(ins->idx, HW_FIXED_BASE);
	assert_int_equal(ctrl.n, 1);
	assert_int_equal(r->cpu.pmu.fixed_ctrl, FIXED_CTRL_USR | FIXED_CTRL_PMI);
	b = ev_new(r, PERF_TYPE_RAW, 0x00c4, "", NULL);	/* CPU flexible: a reschedule */
	perf_event__disable(&r->pc, b);
	perf_event__enable(&r->pc, b);
	assert_int_equal(ctrl.n, 1);
	run(r, false, 10000);
	perf_event__disable(&r->pc, ins);
	assert_int_equal(ctrl.n, 2);
	assert_int_equal(r->cpu.pmu.fixed_ctrl, 0);
	perf_event__values(&r->pc, ins, &v);
	assert_int_equal(v.count, v.truth);
	assert_int_equal(v.count, 20000);
	r->cpu.on_host_access = NULL;
	rig_free(r);
}

/* x86_pmu_get_event_config masks a raw config to event, umask, edge, inv
 * and cmask (pin control, bit 19, is dropped); intel_pmu_hw_config then
 * refuses AnyThread (bit 21) before PMU version 3 and keeps it from v3, in
 * the select and in the fixed counter's field (intel_pmu_enable_fixed). */
static void test_raw_any_thread(void **state)
{
	struct perf_attr a = { .type = PERF_TYPE_RAW, .config = 0x00c4 | EVTSEL_ANY,
			       .exclude_kernel = true };
	struct rig *v2 = intel(2, 3, false), *v4 = intel(4, 3, false);
	struct perf_event *ev, *b, *ins;

	(void)state;
	assert_int_equal(perf_event__create(&v2->pc, &a, NULL, &ev), -PERF_EINVAL);
	b = ev_new(v2, PERF_TYPE_RAW, 0x00c4 | EVTSEL_PIN_CONTROL, "", NULL);
	assert_int_equal(v2->cpu.pmu.evtsel[b->idx] & (EVTSEL_PIN_CONTROL | EVTSEL_ANY), 0);
	assert_int_equal(perf_event__create(&v4->pc, &a, NULL, &ev), 0);
	assert_true(ev->idx < HW_FIXED_BASE);
	assert_true(v4->cpu.pmu.evtsel[ev->idx] & EVTSEL_ANY);
	ins = ev_new(v4, PERF_TYPE_RAW, 0x00c0 | EVTSEL_ANY, "", NULL);
	assert_int_equal(ins->idx, HW_FIXED_BASE);
	assert_int_equal(v4->cpu.pmu.fixed_ctrl, FIXED_CTRL_USR | FIXED_CTRL_PMI | FIXED_CTRL_ANY);
	run(v4, false, 10000);
	perf_event__read(&v4->pc, ev);
	assert_int_equal(ev->count, 4000);	/* one thread a core: its own branches */
	rig_free(v2);
	rig_free(v4);
}

/* AMD: disabling an event outside an NMI waits on its overflow
 * (amd_pmu_disable_event -> amd_pmu_wait_on_overflow), and so does the
 * disable_all before it, for every active counter (amd_pmu_check_overflow).
 * The wait reads the counter (its top bit) on a legacy PMU and
 * PerfCntrGlobalStatus with PerfMonV2 (amd_pmu_test_overflow_status), then
 * never the counter. */
static void test_amd_disable_waits_on_overflow(void **state)
{
	(void)state;
	for (int v2 = 0; v2 < 2; v2++) {
		struct rig *r = amd(v2);
		struct perf_event *a, *b;
		struct reg_count ctr, st = { .reg = MSR_AMD64_PERF_CNTR_GLOBAL_STATUS };

		a = ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "", NULL);
		b = ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, "", NULL);
		run(r, false, 10000);
		ctr = (struct reg_count){ .reg = MSR_F15H_PERF_CTR0 + 2 * (u32)a->idx };
		r->cpu.on_host_access = count_reg;
		r->cpu.access_ctx = v2 ? &st : &ctr;
		perf_event__disable(&r->pc, a);
		/* legacy: disable_all's check of a, then a's wait; PerfMonV2:
		 * disable_all's of a and of b, then a's */
		assert_int_equal(v2 ? st.n : ctr.n, v2 ? 3 : 2);
		ctr = (struct reg_count){ .reg = MSR_F15H_PERF_CTR0 + 2 * (u32)b->idx };
		st.n = 0;
		r->cpu.access_ctx = v2 ? &st : &ctr;
		perf_event__disable(&r->pc, b);			/* b alone is active */
		assert_int_equal(v2 ? st.n : ctr.n, 2);
		perf_event__enable(&r->pc, b);
		ctr = (struct reg_count){ .reg = MSR_F15H_PERF_CTR0 + 2 * (u32)b->idx };
		r->cpu.access_ctx = &ctr;
		perf_event__disable(&r->pc, b);
		assert_int_equal(ctr.n, v2 ? 0 : 2);	/* (PerfMonV2: the counter is not read) */
		r->cpu.on_host_access = NULL;
		rig_free(r);
	}
}

/* Legacy AMD's disable_all is x86_pmu_disable_all: each active counter's
 * select is read, and written back without EN only if EN was set. Disabling
 * event a touches b's select three times: disable_all's read and write,
 * then enable_all's write (x86_pmu_enable_all); with PerfMonV2 not at all
 * (GLOBAL_CTL does it). */
static void test_amd_legacy_disable_all_reads_each_select(void **state)
{
	(void)state;
	for (int v2 = 0; v2 < 2; v2++) {
		struct rig *r = amd(v2);
		struct perf_event *a, *b;
		struct reg_count sel;

		a = ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "", NULL);
		b = ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, "", NULL);
		run(r, false, 10000);
		sel = (struct reg_count){ .reg = MSR_F15H_PERF_CTL0 + 2 * (u32)b->idx };
		r->cpu.on_host_access = count_reg;
		r->cpu.access_ctx = &sel;
		perf_event__disable(&r->pc, a);
		assert_int_equal(sel.n, v2 ? 0 : 3);
		assert_int_equal(r->cpu.pmu.evtsel[b->idx] & EVTSEL_ENABLE, EVTSEL_ENABLE);
		r->cpu.on_host_access = NULL;
		rig_free(r);
	}
}

/*
 * merge_sched_in: in one pass over a context's pinned groups, once one does
 * not fit (can_add_hw = 0) every later one goes to ERROR, even one that
 * would fit. Two pinned task events, scheduled in together at the task's
 * switch-in: a GP-only one with every GP counter held by the CPU's pinned
 * events, then instructions, which fixed counter 0 could take.
 */
static void test_pinned_pass_stops_at_the_first_misfit(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_attr t = { .type = PERF_TYPE_RAW, .config = 0x013c, .exclude_kernel = true,
			       .task = 7, .pinned = true };
	struct perf_event *gp_only, *insns;

	(void)state;
	for (int i = 0; i < 4; i++)
		(void)ev_new(r, PERF_TYPE_RAW, 0x00c4, "D", NULL);	/* CPU pinned, GP */
	assert_int_equal(perf_event__create(&r->pc, &t, NULL, &gp_only), 0);
	t.type = PERF_TYPE_HARDWARE;
	t.config = PERF_COUNT_HW_INSTRUCTIONS;
	assert_int_equal(perf_event__create(&r->pc, &t, NULL, &insns), 0);
	perf_cpu__switch_task(&r->pc, 7);
	assert_int_equal(gp_only->state, PERF_STATE_ERROR);
	assert_int_equal(insns->state, PERF_STATE_ERROR);
	assert_true(insns->idx < 0);
	rig_free(r);
}

/* perf_event_task_sched_out / _in: a switch between tasks that have no
 * events of their own touches no register and costs no time; one to a task
 * with an event schedules it in. */
static void test_task_switch_without_task_events(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_CPU_CYCLES,
			       .task = 7 };
	struct perf_event *ev;
	u64 ops, now;

	(void)state;
	(void)ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "", NULL);  /* CPU-wide */
	ops = perf_cpu__nr_msr_ops(&r->pc);
	now = r->cpu.now;
	perf_cpu__switch_task(&r->pc, 5);
	perf_cpu__switch_task(&r->pc, 0);
	assert_int_equal(perf_cpu__nr_msr_ops(&r->pc), ops);
	assert_int_equal(r->cpu.now, now);
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	ops = perf_cpu__nr_msr_ops(&r->pc);
	perf_cpu__switch_task(&r->pc, 7);
	assert_true(perf_cpu__nr_msr_ops(&r->pc) > ops);
	assert_int_equal(ev->state, PERF_STATE_ACTIVE);
	rig_free(r);
}

/*
 * Releasing a group's leader (perf_group_detach): the leader leaves its
 * counter; each member becomes a group of its own and, ACTIVE, keeps its
 * counter and counts on, so its count stays its ground truth; a released
 * member leaves its group. Afterwards the ex-members are scheduled alone:
 * with more flexible groups than counters, the rotation moves them one at
 * a time, not as a group.
 */
static void test_release_a_leader_detaches_its_members(void **state)
{
	struct rig *r = intel(4, 0, false);
	struct perf_event *a = ev_new(r, PERF_TYPE_RAW, 0x00c4, "", NULL);
	struct perf_event *b = ev_new(r, PERF_TYPE_RAW, 0x00c5, "", a);
	struct perf_event *c = ev_new(r, PERF_TYPE_RAW, 0x013c, "", a);
	struct perf_event *d = ev_new(r, PERF_TYPE_RAW, 0x412e, "", a);
	struct perf_values vb, vc;
	unsigned int apart = 0;
	int bi, ci;

	(void)state;
	checks__set(true);
	run(r, false, 100000);
	assert_true(a->idx >= 0 && b->idx >= 0 && c->idx >= 0 && d->idx >= 0);
	bi = b->idx, ci = c->idx;
	perf_event__release(&r->pc, d);			/* a member: it alone */
	assert_int_equal(d->state, PERF_STATE_OFF);
	assert_ptr_equal(d->leader, d);
	assert_ptr_equal(b->leader, a);
	perf_event__release(&r->pc, a);			/* the leader */
	assert_int_equal(a->state, PERF_STATE_OFF);
	assert_int_equal(a->idx, -1);
	assert_int_equal(r->cpu.pmu.evtsel[bi] & EVTSEL_ENABLE, EVTSEL_ENABLE);
	assert_ptr_equal(b->leader, b);
	assert_ptr_equal(c->leader, c);
	assert_int_equal(b->state, PERF_STATE_ACTIVE);
	assert_int_equal(b->idx, bi);
	assert_int_equal(c->idx, ci);
	run(r, false, 1000000);
	perf_event__read(&r->pc, b);
	perf_event__values(&r->pc, b, &vb);
	assert_int_equal(vb.count, vb.truth);		/* it never stopped counting */
	assert_int_equal(vb.running, vb.enabled);
	/* five single flexible events on the four counters: b and c now
	 * rotate apart (as a group they were always on together) */
	for (int i = 0; i < 3; i++)
		(void)ev_new(r, PERF_TYPE_RAW, 0x00c0 + (u64)i, "", NULL);
	for (int t = 0; t < 8; t++) {
		run(r, false, r->pc.costs.tick_cycles);
		apart += (b->idx >= 0) != (c->idx >= 0);
	}
	perf_event__read(&r->pc, b);
	perf_event__read(&r->pc, c);
	perf_event__values(&r->pc, b, &vb);
	perf_event__values(&r->pc, c, &vc);
	assert_true(vb.running < vb.enabled && vc.running < vc.enabled);
	assert_true(apart > 0);
	assert_null(checks__failure());
	checks__set(false);
	rig_free(r);
}

/* A topdown group's slots leader released: its metric members cannot
 * stand alone (PERF_EV_CAP_SIBLING, perf_remove_sibling_event) and end
 * in ERROR off their counters, for good; an ordinary member goes on
 * counting as a group of its own. */
static void test_release_a_slots_leader(void **state)
{
	struct rig *r = intel(5, 4, true);
	struct perf_event *s = ev_new(r, PERF_TYPE_RAW, PERF_RAW_SLOTS, "", NULL);
	struct perf_event *ret = ev_new(r, PERF_TYPE_RAW, PERF_RAW_TD_RETIRING, "", s);
	struct perf_event *bad = ev_new(r, PERF_TYPE_RAW, PERF_RAW_TD_BAD_SPEC, "", s);
	struct perf_event *br = ev_new(r, PERF_TYPE_RAW, 0x00c4, "", s);
	struct perf_values v;

	(void)state;
	checks__set(true);
	run(r, false, 100000);
	assert_true(s->idx >= 0 && ret->idx >= 0 && bad->idx >= 0 && br->idx >= 0);
	perf_event__release(&r->pc, s);
	assert_int_equal(ret->state, PERF_STATE_ERROR);
	assert_int_equal(bad->state, PERF_STATE_ERROR);
	assert_int_equal(ret->idx, -1);
	assert_int_equal(bad->idx, -1);
	assert_int_equal(br->state, PERF_STATE_ACTIVE);
	assert_ptr_equal(br->leader, br);
	for (int t = 0; t < 4; t++)
		run(r, false, r->pc.costs.tick_cycles);
	assert_int_equal(ret->state, PERF_STATE_ERROR);	/* no rotation brings it back */
	assert_int_equal(ret->idx, -1);
	perf_event__enable(&r->pc, ret);		/* nor an enable */
	run(r, false, r->pc.costs.tick_cycles);
	assert_int_equal(ret->state, PERF_STATE_ERROR);
	assert_int_equal(ret->idx, -1);
	perf_event__read(&r->pc, br);
	perf_event__values(&r->pc, br, &v);
	assert_int_equal(v.count, v.truth);
	assert_null(checks__failure());
	checks__set(false);
	rig_free(r);
}

static void test_mediated_pmu_rules(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_CPU_CYCLES };
	struct perf_event *ev, *ev2;

	(void)state;
	/* a system-wide !exclude_guest event blocks the mediated PMU ... */
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	assert_int_equal(perf_cpu__create_mediated_pmu(&r->pc), -PERF_EBUSY);
	/* ... until it is gone; exclude_guest events never block it */
	perf_event__release(&r->pc, ev);
	a.exclude_guest = true;
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev2), 0);
	assert_int_equal(perf_cpu__create_mediated_pmu(&r->pc), 0);
	/* the reverse order: -EOPNOTSUPP for a new !exclude_guest event */
	a.exclude_guest = false;
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), -PERF_EOPNOTSUPP);
	assert_null(ev);
	perf_cpu__release_mediated_pmu(&r->pc);
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	rig_free(r);
}

/* A guest context load and put back to back: the cycles they took. */
static u64 guest_switch(struct rig *r)
{
	u64 t0 = r->cpu.now;

	perf_cpu__load_guest_context(&r->pc);
	perf_cpu__put_guest_context(&r->pc);
	return r->cpu.now - t0;
}

/*
 * perf_load/put_guest_context: perf_ctx_disable, the EVENT_GUEST sched-out
 * or sched-in, perf_ctx_enable (kernel/events/core.c). On a CPU that never
 * had a CPU-wide event, once a task's events are gone, there is no pmu
 * context to disable and no event to walk: no register is touched and no
 * time passes. After a CPU-wide event, even released, the x86 PMU's pmu
 * context stays (find_get_pmu_context's extra reference): each switch
 * disables and enables the PMU, GLOBAL_CTRL written twice, with no walk.
 * A live event, even OFF, of the CPU or of the task that runs brings the
 * walk (the profile's sched) back; another task's, in its own context,
 * does not.
 */
static void test_guest_context_switch_with_no_event(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct reg_count gc = { .reg = MSR_CORE_PERF_GLOBAL_CTRL };
	struct perf_attr t = { .type = PERF_TYPE_RAW, .config = 0x00c4, .exclude_guest = true,
			       .task = 7 };
	struct perf_event *ev;
	u64 dt;

	(void)state;
	assert_int_equal(perf_cpu__create_mediated_pmu(&r->pc), 0);
	r->cpu.access_ctx = &gc;
	for (int pass = 0; pass < 2; pass++) {	/* none yet; a task's, released */
		r->cpu.on_host_access = count_reg;
		dt = guest_switch(r);
		assert_int_equal(dt, 0);
		assert_int_equal(gc.n, 0);
		assert_true(r->pc.guest_time == 0 && !r->pc.guest_ctx_loaded);
		r->cpu.on_host_access = NULL;
		if (!pass) {
			assert_int_equal(perf_event__create(&r->pc, &t, NULL, &ev), 0);
			perf_event__release(&r->pc, ev);
		}
	}
	/* a live event of task 7 while task 3 runs: in task 7's context, which
	 * the switch does not walk */
	perf_cpu__switch_task(&r->pc, 3);
	assert_int_equal(perf_event__create(&r->pc, &t, NULL, &ev), 0);
	r->cpu.on_host_access = count_reg;
	dt = guest_switch(r);
	assert_int_equal(dt, 0);
	assert_int_equal(gc.n, 0);
	perf_cpu__switch_task(&r->pc, 7);	/* its task runs: its context is walked */
	dt = guest_switch(r);
	assert_true(dt >= 2 * (u64)r->pc.costs.sched);
	assert_true(gc.n > 0);
	gc.n = 0;
	r->cpu.on_host_access = NULL;
	perf_event__release(&r->pc, ev);
	ev = ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "H", NULL);
	perf_event__release(&r->pc, ev);		/* CPU-wide: its pmu context stays */
	r->cpu.on_host_access = count_reg;
	dt = guest_switch(r);
	assert_int_equal(gc.n, 4);
	assert_int_equal(dt, 4 * (u64)r->cpu.costs.wrmsr);	/* no walk */
	ev = ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "H", NULL);
	perf_event__disable(&r->pc, ev);
	gc.n = 0;
	dt = guest_switch(r);
	assert_true(dt >= 2 * (u64)r->pc.costs.sched);
	assert_int_equal(gc.n, 4);
	r->cpu.on_host_access = NULL;
	rig_free(r);
}

/* Host perf is blind (hw_cpu.mark) exactly while its exclude_guest events
 * cannot count: from the PMU disable that starts perf's part of a load to
 * the PMU enable that ends its part of a put. A host cycles event's count
 * and the marked cycles then add up to every host cycle of the window. */
static void test_blind_is_what_host_perf_misses(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_CPU_CYCLES,
			       .exclude_guest = true };
	struct perf_event *ev;
	u64 t0, c0, m0;

	(void)state;
	assert_int_equal(perf_cpu__create_mediated_pmu(&r->pc), 0);
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	run(r, false, 10000);
	perf_event__read(&r->pc, ev);
	t0 = r->cpu.now, c0 = ev->count, m0 = r->cpu.marked_host_cycles;
	perf_cpu__load_guest_context(&r->pc);
	run(r, false, 5000);			/* host, the guest's context loaded */
	perf_cpu__put_guest_context(&r->pc);
	run(r, false, 10000);
	perf_event__read(&r->pc, ev);
	assert_true(r->cpu.marked_host_cycles - m0 > 5000);
	assert_int_equal(ev->count - c0 + r->cpu.marked_host_cycles - m0, r->cpu.now - t0);
	rig_free(r);
}

static void test_exclude_guest_across_guest_context(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_event *ins, *br;
	u64 t0, loaded;

	(void)state;
	assert_int_equal(perf_cpu__create_mediated_pmu(&r->pc), 0);
	ins = ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "H", NULL);
	perf_event__read(&r->pc, ins);
	t0 = r->cpu.now - ins->enabled;		/* when it was installed */
	br = ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS, "H", NULL);
	run(r, false, 1000000);			/* host user: counted */
	loaded = r->cpu.now;	/* the guest clock starts before the switch runs */
	perf_cpu__load_guest_context(&r->pc);
	run(r, false, 300000);			/* host, guest context loaded: blind */
	run(r, true, 500000);			/* the guest itself */
	loaded = r->cpu.now - loaded;
	perf_cpu__put_guest_context(&r->pc);
	run(r, false, 700000);			/* counted again */
	perf_event__read(&r->pc, ins);
	perf_event__read(&r->pc, br);
	assert_int_equal(ins->count, 2 * (1000000 + 700000));
	assert_int_equal(ins->truth, 2 * (1000000 + 300000 + 700000));
	assert_int_equal(br->count, 2 * (1000000 + 700000) / 5);
	assert_int_equal(r->pc.guest_time, loaded);
	assert_int_equal(ins->enabled, r->cpu.now - t0 - loaded);
	/* scheduled out (but enabled) only while the put's reschedule runs */
	assert_true(ins->running <= ins->enabled && ins->enabled - ins->running < 2000);
	assert_int_equal(ins->idx, HW_FIXED_BASE);	/* instructions prefer FC0 */
	rig_free(r);
}

/* 6 GP-only events on 4 GP counters: rotated every tick; scaled counts
 * within 1% of the truth on a steady workload. */
static void test_multiplexing_scales_within_one_percent(void **state)
{
	static const u64 raw[] = { 0x00c4, 0x00c5, 0x4f2e, 0x412e, 0x013c, 0x00c4 };
	struct rig *r = intel(4, 3, false);
	struct perf_event *ev[6];
	u64 c0[6], e0[6], r0[6], t0[6];

	(void)state;
	for (int i = 0; i < 6; i++)
		ev[i] = ev_new(r, PERF_TYPE_RAW, raw[i], "", NULL);
	/* measure from a steady state, as perf stat -I would: the creations
	 * above are kernel time in which no user event happens */
	run(r, false, 1000000);
	for (int i = 0; i < 6; i++) {
		perf_event__read(&r->pc, ev[i]);
		c0[i] = ev[i]->count, e0[i] = ev[i]->enabled;
		r0[i] = ev[i]->running, t0[i] = ev[i]->truth;
	}
	for (int i = 0; i < 400; i++)
		run(r, false, 1000000);
	assert_true(r->pc.nr_rotations >= 35);
	for (int i = 0; i < 6; i++) {
		u64 scaled, t, en, ru;

		perf_event__read(&r->pc, ev[i]);
		en = ev[i]->enabled - e0[i];
		ru = ev[i]->running - r0[i];
		t = ev[i]->truth - t0[i];
		scaled = mul_div_floor(ev[i]->count - c0[i], en, ru);
		assert_true(ru < en && ru > en / 2);
		if (scaled > t ? scaled - t > t / 100 : t - scaled > t / 100)
			fail_msg("event %d: scaled %llu, truth %llu", i,
				 (unsigned long long)scaled, (unsigned long long)t);
	}
	rig_free(r);
}

/*
 * __perf_event_disable sets the event OFF before its perf_pmu_enable, with
 * IRQs off throughout: a host tick that falls due meanwhile is taken after,
 * and its rotation must not schedule the disabled event in (it did in the
 * model, which set OFF after the enable: the event then held a counter
 * while OFF). The tick is made due at every point of the disable in turn;
 * the event waits for a counter (six flexible events on four), so the
 * rotation would give it one.
 */
static void test_disable_is_off_before_irqs_return(void **state)
{
	static const u64 raw[] = { 0x00c4, 0x00c5, 0x4f2e, 0x412e, 0x013c, 0x00c4 };
	unsigned int ticks = 0;

	(void)state;
	for (u64 off = 0; off < 3000; off += 25) {
		struct rig *r = intel(4, 0, false);
		struct perf_event *ev[6], *x = NULL;
		u64 rot;

		r->cpu.tick_needs_if = true;
		for (int i = 0; i < 6; i++)
			ev[i] = ev_new(r, PERF_TYPE_RAW, raw[i], "", NULL);
		for (int i = 0; i < 6 && !x; i++)
			if (ev[i]->idx < 0)
				x = ev[i];	/* waiting for a counter */
		assert_non_null(x);
		hw_cpu__set_if(&r->cpu, true);
		r->cpu.timer_at = r->cpu.now + off;
		rot = r->pc.nr_rotations;
		perf_event__disable(&r->pc, x);
		ticks += r->pc.nr_rotations > rot;
		assert_int_equal(x->state, PERF_STATE_OFF);
		assert_int_equal(x->idx, -1);
		for (int i = 0; i < 6; i++)
			if (ev[i]->idx >= 0)
				assert_int_equal(ev[i]->state, PERF_STATE_ACTIVE);
		rig_free(r);
	}
	assert_true(ticks > 0);	/* some ticks rotated inside the window */
}

/* The tick on a host core is a maskable interrupt: a host core's code runs
 * with IF set, and perf's irqs-off regions (ctx_resched in every enable,
 * the disable, with perf_pmu_disable held) keep the tick out until they
 * end. The test's interrupt entry sees each tick before perf does and
 * records any that came with IF clear or while perf had its PMU disabled
 * from task context; the tick is made due at every point of a creation's
 * resched (after its perf_event_alloc) and of a disable, and the ticks
 * taken while one of them runs are counted. The rig sets nothing itself:
 * perf_cpu__start_tick is what a host core does. */
struct tick_watch {
	struct perf_cpu *pc;
	bool window;			/* the creation or the disable runs */
	unsigned int ticks, inside;
};

static int watch_irq(void *ctx, const struct hw_irq *irq)
{
	struct tick_watch *w = ctx;

	if (irq->kind == HW_IRQ_TIMER && w->window) {
		w->ticks++;
		w->inside += w->pc->pmu_disabled != 0 || !w->pc->cpu->intr_enabled;
	}
	return perf_cpu__host_irq(w->pc, irq);
}

static void test_tick_waits_for_perf_irqs_off(void **state)
{
	static const u64 raw[] = { 0x00c4, 0x00c5, 0x4f2e, 0x412e, 0x013c, 0x00c4 };
	struct tick_watch w = { 0 };

	(void)state;
	for (u64 off = 0; off < 12000; off += 25) {
		struct rig *r = intel(4, 0, false);
		struct perf_event *ev[6];

		w.pc = &r->pc;
		r->cpu.on_irq = watch_irq;
		r->cpu.irq_ctx = &w;
		for (int i = 0; i < 5; i++)
			ev[i] = ev_new(r, PERF_TYPE_RAW, raw[i], "", NULL);
		/* due inside the sixth creation's resched (after its
		 * perf_event_alloc), then inside the disable */
		r->cpu.timer_at = r->cpu.now + r->pc.costs.create + off;
		w.window = true;
		ev[5] = ev_new(r, PERF_TYPE_RAW, raw[5], "", NULL);
		w.window = false;
		r->cpu.timer_at = r->cpu.now + r->pc.costs.pause + off;
		w.window = true;
		perf_event__disable(&r->pc, ev[0]);
		w.window = false;
		rig_free(r);
	}
	assert_true(w.ticks > 50);	/* ticks did fall inside the windows */
	assert_int_equal(w.inside, 0);
}

/*
 * pmc_refcount (arch/x86/events/core.c): the host's first x86 hardware event
 * reserves the PMU hardware and every CPU's DS buffers (x86_reserve_hardware)
 * and its last one releases them (x86_release_hardware), on whichever CPU;
 * the events between cost only the API call. The costs are set apart here so
 * that each part of a create or release is seen in the clock: disabled
 * events, so that no reschedule touches a counter and the two creates (and
 * the two releases) differ by the reservation alone.
 */
static struct rig *refcount_rig(struct perf_system *sys)
{
	struct hw_pmu_config cfg;
	struct rig *r = test_calloc(1, sizeof(*r));
	char err[128];

	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	assert_int_equal(hw_cpu__init(&r->cpu, &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	assert_int_equal(perf_cpu__init(&r->pc, &r->cpu, TEST_PERF_COSTS), 0);
	if (sys)
		perf_cpu__share_system(&r->pc, sys);
	r->pc.costs.create = 5000;
	r->pc.costs.release = 7000;
	r->pc.costs.reserve = 1000000;
	r->pc.costs.unreserve = 300000;
	return r;
}

static u64 timed_create(struct rig *r, u64 config, struct perf_event **ev)
{
	struct perf_attr a = { .type = PERF_TYPE_RAW, .config = config, .disabled = true };
	u64 t0 = r->cpu.now;

	(void)perf_event__create(&r->pc, &a, NULL, ev);	/* *ev NULL if refused */
	return r->cpu.now - t0;
}

static u64 timed_release(struct rig *r, struct perf_event *ev)
{
	u64 t0 = r->cpu.now;

	perf_event__release(&r->pc, ev);
	return r->cpu.now - t0;
}

static void test_first_and_last_event_reserve_the_hardware(void **state)
{
	struct perf_system sys = { 0 };
	struct rig *r = refcount_rig(NULL), *a = refcount_rig(&sys), *b = refcount_rig(&sys);
	struct perf_event *e1, *e2, *e3, *bad;
	u64 first, second, again, rel;

	(void)state;
	first = timed_create(r, 0x00c0, &e1);
	second = timed_create(r, 0x00c4, &e2);
	assert_int_equal(first - second, 1000000);		/* the reservation */
	assert_true(second >= 5000);
	rel = timed_release(r, e2);
	assert_int_equal(timed_release(r, e1), rel + 300000);	/* the last one */
	again = timed_create(r, 0x00c0, &e3);			/* 0 again: reserved again */
	assert_int_equal(again, first);
	timed_release(r, e3);
	/* a config x86_pmu_hw_config refuses (a generic event id past
	 * x86_pmu.max_events: x86_setup_perfctr's -EINVAL): reserved, then
	 * destroyed, so released at once */
	{
		struct perf_attr u = { .type = PERF_TYPE_HARDWARE, .config = 10 };
		u64 t0 = r->cpu.now;

		assert_int_equal(perf_event__create(&r->pc, &u, NULL, &bad), -PERF_EINVAL);
		assert_int_equal(r->cpu.now - t0, 1000000 + 5000 + 300000);
	}
	assert_null(bad);
	assert_int_equal(timed_create(r, 0x00c0, &e3), first);	/* nothing left held */

	/* two CPUs of one host: the second CPU's first event finds the
	 * hardware reserved; the release of the first CPU's leaves it so */
	assert_int_equal(timed_create(a, 0x00c0, &e1), first);
	assert_int_equal(timed_create(b, 0x00c0, &e2), second);
	assert_int_equal(timed_release(a, e1), 7000);
	assert_int_equal(timed_release(b, e2), 7000 + 300000);
	rig_free(r);
	rig_free(a);
	rig_free(b);
}


/* A group member disabled goes off its counter alone (__perf_event_disable's
 * event_sched_out); its leader, and the leader's other members, stay. */
static void test_disable_a_member(void **state)
{
	struct rig *r = intel(4, 0, false);
	struct perf_event *a = ev_new(r, PERF_TYPE_RAW, 0x00c4, "", NULL);
	struct perf_event *b = ev_new(r, PERF_TYPE_RAW, 0x00c5, "", a);
	struct perf_event *c = ev_new(r, PERF_TYPE_RAW, 0x013c, "", a);

	(void)state;
	assert_true(a->idx >= 0 && b->idx >= 0 && c->idx >= 0);
	perf_event__disable(&r->pc, b);
	assert_int_equal(b->state, PERF_STATE_OFF);
	assert_int_equal(b->idx, -1);
	assert_int_equal(r->cpu.pmu.evtsel[a->idx] & EVTSEL_ENABLE, EVTSEL_ENABLE);
	assert_true(a->idx >= 0 && c->idx >= 0);
	assert_int_equal(a->state, PERF_STATE_ACTIVE);
	assert_int_equal(c->state, PERF_STATE_ACTIVE);
	rig_free(r);
}

/*
 * ctx_resched's re-arms made in place (core.c rearm_in_place) against the
 * same made in full (rearm_off) and against the reference engine (no
 * batches, so always in full): a host session of five events (two of them
 * enabled and disabled 300 times, which re-arms the others), user and
 * kernel work between, on Intel with and without full-width writes and on
 * AMD PerfMonV2, with the tick every 2,000 cycles or the profile's and PMI
 * skids of 0 to 400 cycles, so that NMIs and ticks fall inside the
 * reschedules: the clock, the counts, the overhead and the number of
 * accesses must be equal. (Counts learned in a reschedule that took an
 * interrupt, whose handler's accesses counted too, made 118 of 1,152 such
 * runs differ.)
 */
struct rearm_out {
	u64 now, count[5], overhead, ops, nmis, samples;
};

static void rearm_session(const char *profile, enum hw_engine engine, bool off, u64 tick,
			  u64 skid, unsigned int variant, u64 seed, struct rearm_out *o)
{
	static struct profile p;
	struct hw_costs hc;
	struct perf_costs pcost;
	struct rig *r = test_calloc(1, sizeof(*r));
	struct perf_event *ev[5];
	struct rng g;
	struct diag d;
	char err[128];
	const struct { u64 config, period; bool kernel, pinned, disabled; } spec[5] = {
		{ PERF_COUNT_HW_CPU_CYCLES, 0, true, false, false },
		{ PERF_COUNT_HW_INSTRUCTIONS, variant & 2 ? 997 : 0, variant & 1, false, false },
		{ PERF_COUNT_HW_BRANCH_INSTRUCTIONS, variant & 4 ? 1499 : 0, true, false, false },
		{ PERF_COUNT_HW_CPU_CYCLES, 0, true, false, true },
		{ PERF_COUNT_HW_INSTRUCTIONS, 0, true, true, true },
	};

	assert_int_equal(profile__load(profile, &p, &d), 0);
	hc = p.hw;
	hc.pmi_skid = (u32)skid;
	pcost = p.perf;
	if (tick)
		pcost.tick_cycles = tick;
	hw_cpu__set_default_engine(engine);
	assert_int_equal(hw_cpu__init(&r->cpu, &p.pmu, &hc, err, sizeof(err)), 0);
	hw_cpu__set_default_engine(HW_ENGINE_FAST);
	assert_int_equal(perf_cpu__init(&r->pc, &r->cpu, &pcost), 0);
	r->pc.rearm_off = off;
	r->cpu.on_irq = perf_cpu__host_irq;
	r->cpu.irq_ctx = &r->pc;
	hw_cpu__set_if(&r->cpu, true);
	perf_cpu__start_tick(&r->pc);
	for (int i = 0; i < 5; i++) {
		struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .config = spec[i].config,
				       .exclude_kernel = !spec[i].kernel,
				       .sample_period = spec[i].period, .pinned = spec[i].pinned,
				       .disabled = spec[i].disabled };

		assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev[i]), 0);
	}
	rng__seed(&g, seed);
	for (int i = 0; i < 300; i++) {
		struct hw_segment seg = { .cpl = rng__next(&g) & 1 ? 0 : 3 };
		int k = 3 + (int)rng__below(&g, 2);

		seg.cycles = 1 + rng__below(&g, 3000);
		seg.ev[HW_EV_INSTRUCTIONS] = 2 * seg.cycles;
		seg.ev[HW_EV_BRANCHES] = 2 * seg.cycles / 5;
		hw_cpu__fill_derived(&r->cpu, &seg);
		hw_cpu__run(&r->cpu, &seg, NULL);
		perf_event__enable(&r->pc, ev[k]);
		perf_cpu__exec(&r->pc, 1 + rng__below(&g, 300));
		perf_event__disable(&r->pc, ev[k]);
	}
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < 5; i++) {
		perf_event__read(&r->pc, ev[i]);
		o->count[i] = ev[i]->count;
		o->samples += ev[i]->nr_samples;
	}
	o->now = r->cpu.now;
	o->overhead = r->pc.overhead_cycles;
	o->ops = perf_cpu__nr_msr_ops(&r->pc);
	o->nmis = r->pc.nr_nmis;
	rig_free(r);
}

static void test_rearm_in_place_is_the_full_rearm(void **state)
{
	static const char *const profiles[] = { "spr", "skx", "zen4" };
	static const u64 skids[] = { 0, 40, 200, 400 };
	unsigned int n = 0, nmis = 0;

	(void)state;
	for (unsigned int p = 0; p < ARRAY_SIZE(profiles); p++)
		for (unsigned int s = 0; s < ARRAY_SIZE(skids); s++)
			for (u64 tick = 0; tick <= 2000; tick += 2000)
				for (unsigned int v = 0; v < 8; v += 3)
					for (u64 seed = 1; seed <= 2; seed++) {
						struct rearm_out a, b, c;

						rearm_session(profiles[p], HW_ENGINE_FAST, false, tick,
							      skids[s], v, seed, &a);
						rearm_session(profiles[p], HW_ENGINE_FAST, true, tick,
							      skids[s], v, seed, &b);
						rearm_session(profiles[p], HW_ENGINE_REFERENCE, true,
							      tick, skids[s], v, seed, &c);
						if (memcmp(&a, &b, sizeof(a)) || memcmp(&b, &c, sizeof(b)))
							fail_msg("%s skid %llu tick %llu variant %u seed "
								 "%llu: in place now %llu, in full %llu, "
								 "reference %llu", profiles[p],
								 (unsigned long long)skids[s],
								 (unsigned long long)tick, v,
								 (unsigned long long)seed,
								 (unsigned long long)a.now,
								 (unsigned long long)b.now,
								 (unsigned long long)c.now);
						nmis += a.nmis > 0;
						n++;
					}
	print_message("%u sessions alike in place, in full and on the reference engine "
		      "(%u with host NMIs)\n", n, nmis);
	assert_true(nmis > n / 2);
}

static void test_pinned_groups(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_event *p1, *p2, *f[4], *p5;

	(void)state;
	p1 = ev_new(r, PERF_TYPE_RAW, 0x00c4, "D", NULL);
	p2 = ev_new(r, PERF_TYPE_RAW, 0x00c5, "D", NULL);
	for (int i = 0; i < 4; i++)
		f[i] = ev_new(r, PERF_TYPE_RAW, 0x4f2e, "", NULL);
	for (int i = 0; i < 100; i++)
		run(r, false, 1000000);
	perf_event__read(&r->pc, p1);
	perf_event__read(&r->pc, p2);
	assert_int_equal(p1->running, p1->enabled);	/* never rotated out */
	assert_int_equal(p2->running, p2->enabled);
	assert_int_equal(p1->count, p1->truth);
	for (int i = 0; i < 4; i++) {
		perf_event__read(&r->pc, f[i]);
		assert_true(f[i]->running < f[i]->enabled);
	}
	/* a third and fourth pinned event still fit; a fifth does not */
	ev_new(r, PERF_TYPE_RAW, 0x412e, "D", NULL);
	ev_new(r, PERF_TYPE_RAW, 0x412e, "D", NULL);
	p5 = ev_new(r, PERF_TYPE_RAW, 0x412e, "D", NULL);
	assert_int_equal(p5->state, PERF_STATE_ERROR);
	run(r, false, 1000000);
	for (int i = 0; i < 4; i++)
		assert_int_not_equal(f[i]->state, PERF_STATE_ACTIVE);
	rig_free(r);
}

static void test_sampling_period(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_CPU_CYCLES,
			       .exclude_kernel = true, .sample_period = 1000000 };
	struct perf_event *ev;

	(void)state;
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	for (int i = 0; i < 100; i++)
		run(r, false, 1000000);
	perf_event__read(&r->pc, ev);
	assert_int_equal(ev->count, ev->truth);
	assert_int_equal(ev->nr_samples, ev->truth / 1000000);
	assert_int_equal(ev->samples[0].cpl, 3);
	assert_false(ev->samples[0].guest);
	assert_int_equal(ev->samples[0].period, 1000000);
	assert_int_equal(r->pc.nr_nmis, ev->nr_samples);
	assert_int_equal(r->pc.nr_nmis_unclaimed, 0);
	rig_free(r);
}

static void test_frequency_mode(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_INSTRUCTIONS,
			       .exclude_kernel = true, .freq = true, .sample_freq = 1000 };
	struct perf_event *ev;
	u64 first;

	(void)state;
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	/* half a second to settle, then one second measured (2.5G cycles) */
	for (int i = 0; i < 125; i++)
		run(r, false, 10000000);
	first = ev->nr_samples;
	for (int i = 0; i < 250; i++)
		run(r, false, 10000000);
	/* 5G instructions a second at 1000 Hz: a period near 5M */
	assert_in_range(ev->nr_samples - first, 950, 1050);
	assert_in_range(ev->sample_period, 4750000, 5250000);
	rig_free(r);
}

static u64 gp_value(const struct rig *r, const struct perf_event *ev)
{
	assert_true(ev->idx >= 0 && ev->idx < HW_FIXED_BASE);
	return r->cpu.pmu.gp[ev->idx];
}

/*
 * x86_perf_event_set_period's rules: a reset (period_left <= 0, or a whole
 * period past) starts a new period and only then sets period_left and
 * last_period (a sample's period); the counter is armed with at least 2
 * and at most max_period (so a frequency event, which starts with a period
 * of 1, is armed with -2).
 */
static void test_set_period_rules(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .exclude_kernel = true,
			       .config = PERF_COUNT_HW_BRANCH_INSTRUCTIONS,
			       .freq = true, .sample_freq = 1000 };
	u64 mask = r->cpu.pmu.gp_mask;
	struct perf_event *ev;

	(void)state;
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	assert_int_equal(ev->state, PERF_STATE_ACTIVE);
	assert_int_equal(gp_value(r, ev), (0 - 2ULL) & mask);
	assert_int_equal(ev->period_left, 1);
	ev->sample_period = 1000;
	ev->last_period = 777;
	ev->period_left = 500;			/* a reload mid-period */
	assert_false(perf_set_period(&r->pc, ev));
	assert_int_equal(gp_value(r, ev), (0 - 500ULL) & mask);
	assert_int_equal(ev->last_period, 777);
	assert_int_equal(ev->period_left, 500);
	ev->period_left = -30;			/* overshot: the rest of a new period */
	assert_true(perf_set_period(&r->pc, ev));
	assert_int_equal(gp_value(r, ev), (0 - 970ULL) & mask);
	assert_int_equal(ev->last_period, 1000);
	assert_int_equal(ev->period_left, 970);
	ev->period_left = -5000;		/* way past: a whole one */
	assert_true(perf_set_period(&r->pc, ev));
	assert_int_equal(gp_value(r, ev), (0 - 1000ULL) & mask);
	ev->period_left = 1;			/* one left: armed with 2, kept as 1 */
	assert_false(perf_set_period(&r->pc, ev));
	assert_int_equal(gp_value(r, ev), (0 - 2ULL) & mask);
	assert_int_equal(ev->period_left, 1);
	rig_free(r);
}

/*
 * The overflow path arms the next period before the frequency step (the
 * step takes effect from the period after): while the period converges
 * (no tick here to move it), the period armed (last_period) trails the one
 * just computed (sample_period), and each sample reports the period that
 * ended, which grows from sample to sample (from 1, the first overflows'
 * rates ask for far longer periods). The first overflow takes no step (its
 * time since hwc->freq_time_stamp, 0 at first, is far over 2 ticks).
 */
static void test_frequency_step_after_arming(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_INSTRUCTIONS,
			       .exclude_kernel = true, .freq = true, .sample_freq = 1000 };
	struct perf_event *ev;

	(void)state;
	r->cpu.timer_at = UINT64_MAX;		/* no tick */
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	while (ev->nr_samples < 4)
		run(r, false, 10);
	/* each sample's period is the one armed at the overflow before it:
	 * 1 at the first two (no step at the first), longer from the third */
	assert_int_equal(ev->samples[0].period, 1);
	assert_int_equal(ev->samples[1].period, 1);
	assert_int_equal(ev->samples[2].period, 1);
	assert_true(ev->samples[3].period > 1);
	for (int i = 0; i < 100; i++)
		run(r, false, 10000);
	assert_true(ev->nr_samples >= 5);
	assert_true(ev->last_period < ev->sample_period);
	for (u64 k = 4; k < ev->nr_samples; k++)
		assert_true(ev->samples[k].period > ev->samples[k - 1].period);
	rig_free(r);
}

static unsigned int nr_callbacks;

static void count_callback(struct perf_event *ev, void *ctx)
{
	(void)ev;
	(void)ctx;
	nr_callbacks++;
}

/*
 * A period longer than the counter takes (3G events on a PMU without
 * full-width writes, whose perf max_period is 2^31 - 1) is armed in parts:
 * the first overflow (at 2^31 - 1) starts no new period, takes no sample and
 * calls no overflow handler (KVM's, for its events); the one at 3G does.
 */
static void test_long_period_in_parts(void **state)
{
	struct hw_pmu_config cfg;
	struct rig *r;
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_CPU_CYCLES,
			       .exclude_kernel = true, .sample_period = 3000000000ULL };
	struct perf_event *ev;

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	cfg.version = 4;
	cfg.nr_fixed = 3;
	cfg.fw_writes = false;
	r = rig_new(&cfg);
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	ev->overflow = count_callback;
	nr_callbacks = 0;
	for (int i = 0; i < 45; i++)
		run(r, false, 100000000);	/* 4.5G user cycles */
	assert_int_equal(r->pc.nr_nmis, 2);
	assert_int_equal(ev->nr_samples, 1);
	assert_int_equal(ev->samples[0].period, 3000000000ULL);
	assert_int_equal(nr_callbacks, 1);
	rig_free(r);
}

/*
 * The tick (perf_adjust_freq_unthr_context) disables the PMU around its
 * pass over a context with frequency events on it (GLOBAL_CTRL written
 * twice), stops and starts each (its select twice), and arms the counter
 * again only if the event counted since the last tick ("reload only if
 * value has changed"). __perf_event_period stops and starts an active
 * event with the PMU disabled too, from a new period.
 */
static void test_tick_and_period_change_accesses(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .exclude_kernel = true,
			       .config = PERF_COUNT_HW_BRANCH_INSTRUCTIONS,
			       .freq = true, .sample_freq = 1000, .exclude_host = true };
	struct reg_count glob = { .reg = MSR_CORE_PERF_GLOBAL_CTRL }, sel, ctr;
	struct perf_event *ev, *smp;

	(void)state;
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);	/* counts nothing here */
	run(r, false, 10000);
	sel = (struct reg_count){ .reg = MSR_P6_EVNTSEL0 + (u32)ev->idx };
	ctr = (struct reg_count){ .reg = MSR_IA32_PMC0 + (u32)ev->idx };
	r->cpu.on_host_access = count_reg;
	r->cpu.access_ctx = &glob;
	perf_cpu__tick(&r->pc);
	assert_int_equal(glob.n, 2);
	r->cpu.access_ctx = &sel;
	perf_cpu__tick(&r->pc);
	assert_int_equal(sel.n, 2);
	r->cpu.access_ctx = &ctr;
	perf_cpu__tick(&r->pc);
	assert_int_equal(ctr.n, 0);			/* nothing counted: no reload */
	r->cpu.on_host_access = NULL;
	perf_event__release(&r->pc, ev);
	a.exclude_host = false;
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	run(r, false, 10000);
	ctr = (struct reg_count){ .reg = MSR_IA32_PMC0 + (u32)ev->idx };
	r->cpu.on_host_access = count_reg;
	r->cpu.access_ctx = &ctr;
	perf_cpu__tick(&r->pc);
	assert_int_equal(ctr.n, 1);			/* it counted: armed again */
	r->cpu.on_host_access = NULL;
	perf_event__release(&r->pc, ev);
	a = (struct perf_attr){ .type = PERF_TYPE_HARDWARE, .exclude_kernel = true,
				.config = PERF_COUNT_HW_BRANCH_INSTRUCTIONS, .sample_period = 100000 };
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &smp), 0);
	run(r, false, 10000);
	glob.n = 0;
	sel = (struct reg_count){ .reg = MSR_P6_EVNTSEL0 + (u32)smp->idx };
	r->cpu.on_host_access = count_reg;
	r->cpu.access_ctx = &glob;
	assert_int_equal(perf_event__set_period(&r->pc, smp, 5000), 0);
	assert_int_equal(glob.n, 2);
	r->cpu.access_ctx = &sel;
	assert_int_equal(perf_event__set_period(&r->pc, smp, 5000), 0);
	assert_int_equal(sel.n, 2);
	/* perf_event_period's refusals: nothing runs, nothing changes */
	sel.n = 0;
	assert_int_equal(perf_event__set_period(&r->pc, smp, 0), -PERF_EINVAL);
	assert_int_equal(perf_event__set_period(&r->pc, smp, 1ULL << 63), -PERF_EINVAL);
	assert_int_equal(sel.n, 0);
	assert_int_equal(smp->sample_period, 5000);
	r->cpu.on_host_access = NULL;
	assert_int_equal(gp_value(r, smp), (0 - 5000ULL) & r->cpu.pmu.gp_mask);
	assert_int_equal(smp->last_period, 5000);
	assert_int_equal(smp->state, PERF_STATE_ACTIVE);
	run(r, false, 100000);				/* still counting, sampling at 5000 */
	assert_true(smp->nr_samples >= 5);
	/* a frequency event that is off is not in nr_freq: the tick leaves the
	 * PMU alone while only a period event runs */
	a = (struct perf_attr){ .type = PERF_TYPE_HARDWARE, .exclude_kernel = true,
				.config = PERF_COUNT_HW_BRANCH_INSTRUCTIONS, .freq = true,
				.sample_freq = 1000 };
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	run(r, false, 10000);
	perf_event__disable(&r->pc, ev);
	glob.n = 0;
	r->cpu.on_host_access = count_reg;
	r->cpu.access_ctx = &glob;
	perf_cpu__tick(&r->pc);
	assert_int_equal(glob.n, 0);
	perf_event__enable(&r->pc, ev);
	glob.n = 0;
	perf_cpu__tick(&r->pc);
	assert_int_equal(glob.n, 2);
	r->cpu.on_host_access = NULL;
	rig_free(r);
}

/*
 * Throttling, against Linux's numbers: at the default
 * kernel.perf_event_max_sample_rate (100000) and HZ 250 an event may take
 * DIV_ROUND_UP(100000, 250) = 400 overflows a tick; the 400th stops it
 * until the next tick. `perf record -c 5` on user cycles would otherwise
 * take an NMI every few thousand cycles for ever.
 */
static void storm(struct rig *r, const char *pmu)
{
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_CPU_CYCLES,
			       .exclude_kernel = true, .sample_period = 5 };
	u64 tick = TEST_PERF_COSTS->tick_cycles, ticks0, ticks;
	struct perf_event *ev;

	assert_int_equal(TEST_PERF_COSTS->cycles_per_sec / tick, 250);	/* HZ */
	assert_int_equal(r->pc.max_samples_per_tick, 400);
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	ticks0 = r->pc.throttled_seq;
	for (int i = 0; i < 10; i++)
		run(r, false, tick);
	ticks = r->pc.throttled_seq - ticks0;
	perf_event__read(&r->pc, ev);
	print_message("%s: %llu samples, %llu throttles\n", pmu,
		      (unsigned long long)ev->nr_samples, (unsigned long long)ev->nr_throttle);
	assert_in_range(ticks, 9, 11);
	/* 400 samples in every tick it ran in, a throttle each, an unthrottle
	 * at every tick but the one still running */
	assert_in_range(ev->nr_samples, 400 * ticks, 400 * (ticks + 1));
	assert_in_range(ev->nr_throttle, ticks, ticks + 1);
	assert_in_range(ev->nr_unthrottle, ev->nr_throttle - 1, ev->nr_throttle);
	assert_int_equal(r->pc.nr_nmis, ev->nr_samples);
	/* stopped most of each tick: most of the truth is not counted */
	assert_true(ev->count < ev->truth / 2);
	/* no "interrupt took too long": these NMIs are cheap */
	assert_int_equal(r->pc.nr_rate_lowered, 0);
	assert_int_equal(r->pc.max_sample_rate, PERF_DEFAULT_MAX_SAMPLE_RATE);
	rig_free(r);
}

/* The same on Intel, AMD with PerfMonV2 and legacy AMD, where the NMI
 * handler's enable_all writes each active counter's select (x86_pmu_enable_all:
 * a throttled event is not among them). */
static void test_throttle_period_storm(void **state)
{
	(void)state;
	storm(intel(4, 3, false), "intel");
	storm(amd(true), "amd v2");
	storm(amd(false), "amd legacy");
}

/*
 * perf_sample_event_took: NMIs whose handler takes longer than 25% of
 * 1/100000 s (6250 cycles at 2.5 GHz) on average lower the rate. With
 * every MSR access costing 10,000 cycles each handler is far over, and
 * the kernel's rule then gives max_samples_per_tick = 25% of a tick over
 * 1.25 x the average, and a rate of that times HZ. A frequency above the
 * new rate is refused, as perf_event_open() does.
 */
static void test_throttle_rate_lowered(void **state)
{
	static struct hw_costs slow;
	struct hw_pmu_config cfg;
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_CPU_CYCLES,
			       .exclude_kernel = true, .sample_period = 100000 };
	struct perf_event *ev, *ev2;
	struct rig *r;
	char err[128];
	u64 quarter_tick = TEST_PERF_COSTS->tick_cycles / 100 * 25;

	(void)state;
	slow = *TEST_HW_COSTS;
	slow.rdmsr = slow.wrmsr = 10000;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	r = test_calloc(1, sizeof(*r));
	assert_int_equal(hw_cpu__init(&r->cpu, &cfg, &slow, err, sizeof(err)), 0);
	assert_int_equal(perf_cpu__init(&r->pc, &r->cpu, TEST_PERF_COSTS), 0);
	r->cpu.on_irq = perf_cpu__host_irq;
	r->cpu.irq_ctx = &r->pc;
	perf_cpu__start_tick(&r->pc);
	assert_int_equal(r->pc.sample_allowed, 2500000000ULL / 100000 / 4);
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	for (int i = 0; i < 100; i++)
		run(r, false, 1000000);
	assert_true(r->pc.nr_rate_lowered > 0);
	assert_true(r->pc.sample_allowed > 2500000000ULL / 100000 / 4);
	assert_int_equal(r->pc.max_samples_per_tick,
			 r->pc.sample_allowed < quarter_tick ?
			 quarter_tick / r->pc.sample_allowed : 1);
	assert_int_equal(r->pc.max_sample_rate, r->pc.max_samples_per_tick * 250);
	assert_true(r->pc.max_sample_rate < PERF_DEFAULT_MAX_SAMPLE_RATE);
	a = (struct perf_attr){ .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_CPU_CYCLES,
				.freq = true, .sample_freq = r->pc.max_sample_rate + 1 };
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev2), -PERF_EINVAL);
	a.sample_freq = r->pc.max_sample_rate;
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev2), 0);
	rig_free(r);
}

/* perf_event_open()'s limits: sample_freq <= max_sample_rate, no bit 63. */
static void test_sample_limits(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_CPU_CYCLES,
			       .exclude_kernel = true, .sample_period = 1ULL << 63 };
	struct perf_event *ev;

	(void)state;
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), -PERF_EINVAL);
	a.sample_period = (1ULL << 63) - 1;
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	a = (struct perf_attr){ .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_CPU_CYCLES,
				.exclude_kernel = true, .freq = true, .sample_freq = 100001 };
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), -PERF_EINVAL);
	a.sample_freq = 100000;
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &ev), 0);
	rig_free(r);
}

static void test_topdown_group(void **state)
{
	struct rig *r = intel(5, 4, true);
	struct perf_attr a = { .type = PERF_TYPE_RAW, .config = PERF_RAW_TD_RETIRING };
	struct perf_event *slots, *ret, *bad, *vm, *dummy;

	(void)state;
	/* a metric event needs a slots leader */
	assert_int_equal(perf_event__create(&r->pc, &a, NULL, &dummy), -PERF_EINVAL);
	slots = ev_new(r, PERF_TYPE_RAW, PERF_RAW_SLOTS, "", NULL);
	ret = ev_new(r, PERF_TYPE_RAW, PERF_RAW_TD_RETIRING, "", slots);
	bad = ev_new(r, PERF_TYPE_RAW, PERF_RAW_TD_BAD_SPEC, "", slots);
	assert_int_equal(slots->idx, HW_FIXED_BASE + 3);
	assert_int_equal(ret->idx, 48);
	assert_int_equal(bad->idx, 49);
	run(r, false, 1000000);
	perf_event__read(&r->pc, slots);
	assert_int_equal(slots->count, slots->truth);
	/* retiring = instructions = half the 4-wide slots: 0x7f/0xff of them */
	assert_in_range(ret->count, slots->count / 2 - slots->count / 100, slots->count / 2);
	/* patch 07/13's vmetrics event wants index 48 too: the two multiplex */
	vm = ev_new(r, PERF_TYPE_RAW, PERF_RAW_VMETRICS, "", NULL);
	assert_int_equal(vm->state, PERF_STATE_INACTIVE);
	for (int i = 0; i < 10; i++)
		run(r, false, 5000000);
	perf_event__read(&r->pc, vm);
	perf_event__read(&r->pc, slots);
	assert_true(vm->running > 0 && vm->running < vm->enabled);
	assert_true(slots->running < slots->enabled);
	rig_free(r);
}

static void test_amd_host_only_and_guest_only(void **state)
{
	struct rig *r = amd(true);
	struct perf_event *h, *g;

	(void)state;
	h = ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "H", NULL);
	g = ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "G", NULL);
	assert_true(r->cpu.pmu.evtsel[h->idx] & AMD64_EVTSEL_HOSTONLY);
	assert_true(r->cpu.pmu.evtsel[g->idx] & AMD64_EVTSEL_GUESTONLY);
	run(r, false, 100000);
	run(r, true, 300000);
	perf_event__read(&r->pc, h);
	perf_event__read(&r->pc, g);
	assert_int_equal(h->count, 200000);
	assert_int_equal(g->count, 600000);
	assert_int_equal(h->count, h->truth);
	assert_int_equal(g->count, g->truth);
	rig_free(r);
}

/* Two rigs, one remembering counter assignments (core.c assign_remembered)
 * and choices of what runs (make_plan), one assigning and choosing every
 * time, through the same random enables, disables, periods, runs, ticks
 * (which rotate the flexible groups) and guest context loads and puts, with
 * more events than counters (pinned, flexible, groups, fixed-counter and
 * narrow constraints): every event and register the same after each step. */
static void test_remembered_assignments_are_the_computed_ones(void **state)
{
	static const u64 raw[] = { 0x003c, 0x00c0, 0x00c4, 0x00c5, 0x412e, 0x4f2e, 0x0148 };
	struct rig *r[2] = { intel(4, 3, false), intel(4, 3, false) };
	struct perf_event *ev[2][12];
	struct rng g;
	unsigned int n = 0;

	(void)state;
	r[1]->pc.sched_memo_off = true;
	rng__seed(&g, 0x5c4ed);
	for (unsigned int i = 0; i < 12; i++) {
		u64 config = raw[rng__below(&g, ARRAY_SIZE(raw))];
		const char *mods = rng__chance(&g, 1, 3) ? "D" : "";
		bool group = i && rng__chance(&g, 1, 4) && ev[0][i - 1]->leader == ev[0][i - 1];

		for (int k = 0; k < 2; k++)
			ev[k][i] = ev_new(r[k], PERF_TYPE_RAW, config, group ? "" : mods,
					  group ? ev[k][i - 1] : NULL);
	}
	for (unsigned int step = 0; step < 3000; step++) {
		unsigned int i = (unsigned int)rng__below(&g, 12), what = (unsigned int)rng__below(&g, 6);
		u64 cycles = 1000 + rng__below(&g, 200000);

		for (int k = 0; k < 2; k++) {
			if (what == 0)
				perf_event__disable(&r[k]->pc, ev[k][i]);
			else if (what == 1)
				perf_event__enable(&r[k]->pc, ev[k][i]);
			else if (what == 2)
				perf_event__set_period(&r[k]->pc, ev[k][i], cycles);
			else if (what == 3)
				run(r[k], false, cycles);
			else if (what == 4)
				perf_cpu__tick(&r[k]->pc);
			else if (r[k]->pc.guest_ctx_loaded)
				perf_cpu__put_guest_context(&r[k]->pc);
			else
				perf_cpu__load_guest_context(&r[k]->pc);
		}
		for (unsigned int j = 0; j < 12; j++) {
			assert_int_equal(ev[0][j]->idx, ev[1][j]->idx);
			assert_int_equal(ev[0][j]->state, ev[1][j]->state);
			assert_int_equal(ev[0][j]->count, ev[1][j]->count);
			assert_int_equal(ev[0][j]->running, ev[1][j]->running);
		}
		assert_int_equal(r[0]->cpu.now, r[1]->cpu.now);
		assert_memory_equal(r[0]->cpu.pmu.evtsel, r[1]->cpu.pmu.evtsel,
				    sizeof(r[0]->cpu.pmu.evtsel));
		n += ev[0][i]->state == PERF_STATE_ACTIVE;
	}
	assert_true(n > 300);	/* the events really ran */
	assert_true(r[0]->pc.nr_rotations > 50);	/* and were rotated */
	rig_free(r[0]);
	rig_free(r[1]);
}

/* perf_update_times with nothing run since the last update returns at once,
 * but not when KVM added an emulated guest instruction to the ground truth
 * meanwhile (kvm/vcpu.c retire: no engine event, no cycle): it is folded
 * into the event's truth at that update. */
static void test_times_see_truth_added_outside_the_engine(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_event *ev = ev_new(r, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "", NULL);
	u64 before;

	(void)state;
	run(r, true, 10000);
	perf_update_times(&r->pc);
	before = ev->truth;
	assert_true(before >= 20000);	/* the guest's user instructions */
	perf_update_times(&r->pc);	/* nothing ran: nothing changes */
	assert_int_equal(ev->truth, before);
	r->cpu.truth[1][1][HW_EV_INSTRUCTIONS] += 7;
	perf_update_times(&r->pc);
	assert_int_equal(ev->truth, before + 7);
	rig_free(r);
}

static void test_guest_get_msrs_and_mediated_lvtpc(void **state)
{
	struct rig *r = intel(4, 3, false);
	struct perf_event *h, *g, *both;
	struct hw_irq nmi = { .kind = HW_IRQ_NMI };
	u64 host, guest;

	(void)state;
	h = ev_new(r, PERF_TYPE_RAW, 0x00c4, "H", NULL);
	g = ev_new(r, PERF_TYPE_RAW, 0x00c4, "G", NULL);
	both = ev_new(r, PERF_TYPE_RAW, 0x00c4, "", NULL);
	perf_cpu__guest_get_msrs(&r->pc, &host, &guest);
	assert_int_equal(host, BIT_ULL(h->idx) | BIT_ULL(both->idx));
	assert_int_equal(guest, BIT_ULL(g->idx) | BIT_ULL(both->idx));
	/* the LVTPC moves to vector 0xf5 and back; perf leaves NMIs alone */
	perf_cpu__load_guest_lvtpc(&r->pc, APIC_LVT_MASKED | 0x20);
	assert_int_equal(r->cpu.apic.lvtpc, APIC_LVT_MASKED | 0xf5);
	assert_false(perf_cpu__handle_nmi(&r->pc, &nmi));
	perf_cpu__put_guest_lvtpc(&r->pc);
	assert_int_equal(r->cpu.apic.lvtpc, APIC_LVT_DM_NMI);
	assert_false(perf_cpu__handle_nmi(&r->pc, &nmi));	/* nothing overflowed */
	assert_int_equal(r->pc.nr_nmis_unclaimed, 1);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enable_reschedules_its_types),
		cmocka_unit_test(test_pinned_pass_stops_at_the_first_misfit),
		cmocka_unit_test(test_amd_disable_waits_on_overflow),
		cmocka_unit_test(test_amd_legacy_disable_all_reads_each_select),
		cmocka_unit_test(test_release_a_leader_detaches_its_members),
		cmocka_unit_test(test_release_a_slots_leader),
		cmocka_unit_test(test_mediated_pmu_rules),
		cmocka_unit_test(test_guest_context_switch_with_no_event),
		cmocka_unit_test(test_blind_is_what_host_perf_misses),
		cmocka_unit_test(test_exclude_guest_across_guest_context),
		cmocka_unit_test(test_task_switch_without_task_events),
		cmocka_unit_test(test_multiplexing_scales_within_one_percent),
		cmocka_unit_test(test_disable_is_off_before_irqs_return),
		cmocka_unit_test(test_disable_a_member),
		cmocka_unit_test(test_tick_waits_for_perf_irqs_off),
		cmocka_unit_test(test_rearm_in_place_is_the_full_rearm),
		cmocka_unit_test(test_pinned_groups),
		cmocka_unit_test(test_sampling_period),
		cmocka_unit_test(test_frequency_mode),
		cmocka_unit_test(test_set_period_rules),
		cmocka_unit_test(test_long_period_in_parts),
		cmocka_unit_test(test_frequency_step_after_arming),
		cmocka_unit_test(test_tick_and_period_change_accesses),
		cmocka_unit_test(test_throttle_period_storm),
		cmocka_unit_test(test_throttle_rate_lowered),
		cmocka_unit_test(test_sample_limits),
		cmocka_unit_test(test_topdown_group),
		cmocka_unit_test(test_amd_host_only_and_guest_only),
		cmocka_unit_test(test_guest_get_msrs_and_mediated_lvtpc),
		cmocka_unit_test(test_remembered_assignments_are_the_computed_ones),
		cmocka_unit_test(test_times_see_truth_added_outside_the_engine),
		cmocka_unit_test(test_first_and_last_event_reserve_the_hardware),
		cmocka_unit_test(test_fixed_ctr_ctrl_written_when_it_changes),
		cmocka_unit_test(test_raw_any_thread),
	};

	return cmocka_run_group_tests_name("perf", tests, NULL, NULL);
}

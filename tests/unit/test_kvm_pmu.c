/*
 * test_kvm_pmu.c - KVM's vPMU (kvm/): capability reduction, KVM's
 * deviations from hardware, the emulated vPMU's perf-backed counting and
 * overflow path, and the mediated vPMU's load/put sequences, intercept map
 * and RDPMC rule, on the simulated core.
 *
 * VM-entry and VM-exit are done by hand here (kvm_pmu__vm_entry/exit around
 * guest segments); the run loop is not part of this layer's tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"
#include "base/rng.h"
#include "hw/msr.h"
#include "kvm/pmu.h"

struct host {
	struct hw_cpu cpu;
	struct perf_cpu pc;
	struct kvm_pmu pmu;
	struct hw_irq exit_irq;		/* the interrupt that forced a VM-exit */
	bool has_exit_irq;
};

/* In guest mode an interrupt forces a VM-exit first (EXCEPTION_NMI /
 * EXTERNAL_INTERRUPT); the host handles it after the exit. */
static int host_irq(void *ctx, const struct hw_irq *irq)
{
	struct host *h = ctx;

	if (irq->guest) {
		h->exit_irq = *irq;
		h->has_exit_irq = true;
		return 1;
	}
	return perf_cpu__host_irq(&h->pc, irq);
}

/* A Sapphire-Rapids-shaped host: v5, 8 GP, 4 fixed, full-width writes. */
/* A Sapphire Rapids-like host (4 fixed counters), or one with @nr_fixed. */
static struct host *host_new_fixed(enum hw_vendor vendor, unsigned int nr_fixed)
{
	struct host *h = test_calloc(1, sizeof(*h));
	struct hw_pmu_config cfg;
	char err[128];

	hw_pmu_config__defaults(&cfg, vendor);
	if (vendor == HW_VENDOR_INTEL) {
		cfg.version = 5;
		cfg.nr_gp = 8;
		cfg.nr_fixed = nr_fixed;
		cfg.fw_writes = true;
		cfg.metrics = nr_fixed >= 4;	/* PERF_METRICS needs fixed counter 3 */
		cfg.ebx_len = 8;
	} else {
		cfg.amd_core = cfg.amd_perfmon_v2 = true;
		cfg.nr_gp = 6;
	}
	assert_int_equal(hw_cpu__init(&h->cpu, &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	perf_cpu__init(&h->pc, &h->cpu, TEST_PERF_COSTS);
	h->cpu.on_irq = host_irq;
	h->cpu.irq_ctx = h;
	perf_cpu__switch_task(&h->pc, 7);	/* the vCPU thread runs */
	return h;
}

static struct host *host_new(enum hw_vendor vendor)
{
	return host_new_fixed(vendor, 4);
}

static void host_free(struct host *h)
{
	kvm_pmu__destroy(&h->pmu);
	perf_cpu__exit(&h->pc);
	test_free(h);
}

static void vm_init(struct host *h, const struct kvm_vpmu_ops *kind, const struct hw_pmu_config *req)
{
	assert_int_equal(kvm_pmu__init(&h->pmu, kind, req, &h->cpu, &h->pc, 7), 0);
}

static struct hw_pmu_config intel_req(u8 version, u8 gp, u8 fixed, bool fw)
{
	struct hw_pmu_config c;

	hw_pmu_config__defaults(&c, HW_VENDOR_INTEL);
	c.version = version;
	c.nr_gp = gp;
	c.nr_fixed = fixed;
	c.fw_writes = fw;
	c.ebx_len = 8;
	return c;
}

/* Guest code: enter, run @insns instructions in @cycles at CPL @cpl, exit;
 * an interrupt in guest mode exits, is handled by the host, and the guest
 * resumes with what is left (a minimal run loop, for this layer's tests). */
static void guest_run(struct host *h, u64 cycles, u64 insns, u8 cpl)
{
	struct hw_segment seg = { .cycles = cycles, .guest = true, .cpl = cpl }, rest;

	seg.ev[HW_EV_INSTRUCTIONS] = insns;
	hw_cpu__fill_derived(&h->cpu, &seg);
	for (;;) {
		if (h->pmu.req_pmu)
			kvm_pmu__handle_event(&h->pmu);
		kvm_pmu__vm_entry(&h->pmu);
		h->has_exit_irq = false;
		int stopped = hw_cpu__run(&h->cpu, &seg, &rest);

		h->cpu.guest = false;
		(void)kvm_pmu__vm_exit(&h->pmu, 0, 0);
		if (!stopped)
			break;
		h->exit_irq.guest = false;
		perf_cpu__host_irq(&h->pc, &h->exit_irq);
		seg = rest;
	}
}

static void host_run(struct host *h, u64 cycles, u64 insns)
{
	struct hw_segment seg = { .cycles = cycles };

	seg.ev[HW_EV_INSTRUCTIONS] = insns;
	hw_cpu__fill_derived(&h->cpu, &seg);
	hw_cpu__run(&h->cpu, &seg, NULL);
}

static u64 rd(struct host *h, u32 msr)
{
	u64 v = 0;

	assert_int_equal(kvm_pmu__get_msr(&h->pmu, msr, &v), KVM_MSR_OK);
	return v;
}

#define WR_OK(h, m, v) assert_int_equal(kvm_pmu__set_msr(&(h)->pmu, (m), (v)), KVM_MSR_OK)
#define WR_GP(h, m, v) assert_int_equal(kvm_pmu__set_msr(&(h)->pmu, (m), (v)), KVM_MSR_GP)

static void test_intel_capability_reduction(void **state)
{
	struct host *h = host_new(HW_VENDOR_INTEL);
	struct hw_pmu_config req = intel_req(5, 8, 4, true);
	u32 r[4];

	(void)state;
	req.metrics = true;
	vm_init(h, &kvm_vpmu_emulated_ops, &req);
	kvm_pmu__cpuid(&h->pmu, 0xa, 0, r);
	/* intel_pmu_refresh keeps the version userspace set; only the
	 * advertised one (KVM_GET_SUPPORTED_CPUID) is capped at 2 */
	assert_int_equal(r[0] & 0xff, 5);
	assert_int_equal((r[0] >> 8) & 0xff, 8);
	assert_int_equal(r[3] & 0x1f, 3);		/* KVM_MAX_FIXED */
	assert_true(r[3] & (1U << 15));			/* AnyThread deprecated */
	assert_int_equal(rd(h, MSR_IA32_PERF_CAPABILITIES), PERF_CAP_FW_WRITES);
	assert_int_equal(rd(h, MSR_CORE_PERF_GLOBAL_CTRL), 0xff);
	host_free(h);
}

static void test_intel_kvm_deviations(void **state)
{
	struct host *h = host_new(HW_VENDOR_INTEL);
	struct hw_pmu_config req = intel_req(2, 0, 3, false);
	u64 v;

	(void)state;
	vm_init(h, &kvm_vpmu_emulated_ops, &req);
	/* no GP counter: the P6 MSRs read 0 and drop writes; PMC2 #GPs */
	WR_OK(h, MSR_IA32_PERFCTR0, 5);
	assert_int_equal(rd(h, MSR_IA32_PERFCTR0), 0);
	WR_OK(h, MSR_P6_EVNTSEL0 + 1, 5);
	WR_GP(h, MSR_IA32_PERFCTR0 + 2, 5);
	/* a fixed counter written past its width is masked, not #GP */
	WR_OK(h, MSR_CORE_PERF_FIXED_CTR0, ~0ULL);
	assert_int_equal(rd(h, MSR_CORE_PERF_FIXED_CTR0), (1ULL << 48) - 1);
	/* AnyThread reserved; v4 MSRs absent; read-only status */
	WR_GP(h, MSR_CORE_PERF_FIXED_CTR_CTRL, FIXED_CTRL_ANY);
	WR_GP(h, MSR_CORE_PERF_GLOBAL_STATUS_SET, 1);
	assert_int_equal(kvm_pmu__get_msr(&h->pmu, MSR_CORE_PERF_GLOBAL_INUSE, &v), KVM_MSR_GP);
	WR_GP(h, MSR_CORE_PERF_GLOBAL_STATUS, 0);
	WR_GP(h, MSR_IA32_PERF_CAPABILITIES, 0);
	/* the virtual LVTPC masks reserved bits instead of faulting */
	WR_OK(h, MSR_X2APIC_LVTPC, 0xff0020);
	assert_int_equal(rd(h, MSR_X2APIC_LVTPC), 0x10020);
	host_free(h);
	h = host_new(HW_VENDOR_INTEL);
	req = intel_req(2, 4, 3, true);
	vm_init(h, &kvm_vpmu_emulated_ops, &req);
	WR_GP(h, MSR_P6_EVNTSEL0, EVTSEL_ANY | 0xc0);
	/* RDPMC: type 0 / 0x4000 only; the fast-read bit #GPs */
	assert_int_equal(kvm_pmu__rdpmc(&h->pmu, 0x80000000, 0, false, &v), KVM_MSR_GP);
	assert_int_equal(kvm_pmu__rdpmc(&h->pmu, 3, 0, false, &v), KVM_MSR_OK);
	assert_int_equal(kvm_pmu__rdpmc(&h->pmu, 3, 3, false, &v), KVM_MSR_GP);
	assert_int_equal(kvm_pmu__rdpmc(&h->pmu, 0x40000003, 0, false, &v), KVM_MSR_GP);
	host_free(h);
}

/* The emulated vPMU counts guest instructions through a pinned exclude_host
 * perf event: exactly the guest's, none of the host's. */
static void test_emulated_counts_guest_only(void **state)
{
	struct host *h = host_new(HW_VENDOR_INTEL);
	struct hw_pmu_config req = intel_req(2, 4, 3, true);
	struct kvm_pmc *pmc;

	(void)state;
	vm_init(h, &kvm_vpmu_emulated_ops, &req);
	WR_OK(h, MSR_IA32_PMC0, 0);
	WR_OK(h, MSR_P6_EVNTSEL0, 0xc0 | EVTSEL_OS | EVTSEL_USR | EVTSEL_ENABLE);
	WR_OK(h, MSR_CORE_PERF_GLOBAL_CTRL, 1);
	assert_true(h->pmu.req_pmu);
	guest_run(h, 5000, 10000, 0);
	pmc = &h->pmu.gp[0];
	assert_non_null(pmc->perf_event);
	assert_true(pmc->perf_event->attr.exclude_host && pmc->perf_event->attr.pinned);
	assert_int_equal(pmc->perf_event->attr.task, 7);
	host_run(h, 3000, 3000);		/* the host: not counted */
	guest_run(h, 2000, 4000, 3);
	assert_int_equal(rd(h, MSR_IA32_PMC0), 14000);
	/* the guest writes the counter; the period follows */
	WR_OK(h, MSR_IA32_PMC0, 100);
	guest_run(h, 100, 50, 0);
	assert_int_equal(rd(h, MSR_IA32_PMC0), 150);
	/* KVM counts the instructions it emulates */
	kvm_pmu__instruction_retired(&h->pmu, 0, false);
	assert_int_equal(rd(h, MSR_IA32_PMC0), 151);
	host_free(h);
}

/* Overflow: the backing event's NMI -> kvm_perf_overflow -> status bit and
 * KVM_REQ_PMI -> the virtual LVTPC, masked after delivery on Intel. */
static void test_emulated_overflow_reaches_guest_lvtpc(void **state)
{
	struct host *h = host_new(HW_VENDOR_INTEL);
	struct hw_pmu_config req = intel_req(2, 4, 3, true);

	(void)state;
	vm_init(h, &kvm_vpmu_emulated_ops, &req);
	WR_OK(h, MSR_X2APIC_LVTPC, 32);
	WR_OK(h, MSR_IA32_PMC0, (1ULL << 48) - 1000);
	WR_OK(h, MSR_P6_EVNTSEL0, 0xc0 | EVTSEL_OS | EVTSEL_INT | EVTSEL_ENABLE);
	WR_OK(h, MSR_CORE_PERF_GLOBAL_CTRL, 1);
	guest_run(h, 1000, 3000, 0);
	assert_int_equal(h->pc.nr_nmis, 1);
	assert_int_equal(rd(h, MSR_CORE_PERF_GLOBAL_STATUS), 1);
	assert_true(h->pmu.req_pmi);
	kvm_pmu__deliver_pmi(&h->pmu);
	assert_true(h->pmu.guest_pmi_pending);
	assert_int_equal(rd(h, MSR_X2APIC_LVTPC), 0x10020);
	assert_int_equal(rd(h, MSR_IA32_PMC0), 2000);
	host_free(h);
}

/*
 * pmc_write_counter on a running counter: KVM offsets the base by what the
 * event counted since it was last paused (C) and re-arms the event with the
 * period of the base, so its overflow comes C events after the counter
 * wraps (kvm/pmu.h deviations): bare metal would flag the wrap at once.
 * The value read stays exact; the next pause (KVM_REQ_PMU) ends the skew.
 */
static void test_emulated_write_skews_the_period(void **state)
{
	struct host *h = host_new(HW_VENDOR_INTEL);
	struct hw_pmu_config req = intel_req(2, 4, 3, true);
	const u64 wrap = 1ULL << 48;

	(void)state;
	vm_init(h, &kvm_vpmu_emulated_ops, &req);
	WR_OK(h, MSR_IA32_PMC0, 0);
	WR_OK(h, MSR_P6_EVNTSEL0, 0xc0 | EVTSEL_OS | EVTSEL_INT | EVTSEL_ENABLE);
	WR_OK(h, MSR_CORE_PERF_GLOBAL_CTRL, 1);
	guest_run(h, 5000, 10000, 0);			/* C = 10000 */
	assert_int_equal(kvm_pmu__skewed_periods(&h->pmu), 0);
	WR_OK(h, MSR_IA32_PMC0, wrap - 1000);		/* wraps in 1000 */
	assert_int_equal(kvm_pmu__skewed_periods(&h->pmu), 1);
	assert_int_equal(h->pmu.gp[0].perf_event->sample_period, 1000 + 10000);
	guest_run(h, 1000, 3000, 0);
	assert_int_equal(rd(h, MSR_IA32_PMC0), 2000);	/* wrapped ... */
	assert_int_equal(rd(h, MSR_CORE_PERF_GLOBAL_STATUS), 0);	/* ... unflagged */
	assert_int_equal(h->pc.nr_nmis, 0);
	guest_run(h, 3000, 9000, 0);			/* 11000 since the write */
	assert_int_equal(h->pc.nr_nmis, 1);
	assert_int_equal(rd(h, MSR_CORE_PERF_GLOBAL_STATUS), 1);
	assert_int_equal(rd(h, MSR_IA32_PMC0), 11000);
	/* guest_run took the KVM_REQ_PMU: the pause ended the skew */
	assert_false(h->pmu.req_pmu);
	assert_int_equal(kvm_pmu__skewed_periods(&h->pmu), 0);
	/* early: 0 written after C of about 5000 (the 1000 after the pause
	 * and these 4000) re-arms with period C, and the status bit comes for
	 * a counter that reads 5000, far from its wrap */
	WR_OK(h, MSR_CORE_PERF_GLOBAL_OVF_CTRL, 1);
	guest_run(h, 2000, 4000, 0);
	WR_OK(h, MSR_IA32_PMC0, 0);
	assert_int_equal(kvm_pmu__skewed_periods(&h->pmu), 1);
	assert_true(h->pmu.gp[0].perf_event->sample_period <= 5000);
	guest_run(h, 2500, 5000, 0);
	assert_int_equal(rd(h, MSR_IA32_PMC0), 5000);
	assert_int_equal(rd(h, MSR_CORE_PERF_GLOBAL_STATUS), 1);
	assert_int_equal(h->pc.nr_nmis, 2);
	host_free(h);
}

/* Mediated: load puts the guest's counters in the hardware and moves the
 * host's exclude_guest events out; put saves them and clears the hardware. */
static void test_mediated_load_put(void **state)
{
	struct host *h = host_new(HW_VENDOR_INTEL);
	struct hw_pmu_config req = intel_req(2, 8, 3, true);
	struct perf_attr a = { .type = PERF_TYPE_HARDWARE, .config = PERF_COUNT_HW_CPU_CYCLES,
			       .exclude_guest = true };
	struct perf_event *host_ev;
	u64 full, skipped, t0;

	(void)state;
	assert_int_equal(perf_cpu__create_mediated_pmu(&h->pc), 0);
	assert_int_equal(perf_event__create(&h->pc, &a, NULL, &host_ev), 0);
	vm_init(h, &kvm_vpmu_mediated_ops, &req);
	WR_OK(h, MSR_IA32_PMC0, 1000);
	WR_OK(h, MSR_P6_EVNTSEL0, 0xc0 | EVTSEL_OS | EVTSEL_ENABLE);
	kvm_pmu__handle_event(&h->pmu);
	h->pmu.kind->load(&h->pmu);
	assert_true(h->pmu.loaded && h->pc.guest_ctx_loaded);
	assert_int_equal(host_ev->state, PERF_STATE_INACTIVE);
	assert_int_equal(h->cpu.apic.lvtpc, APIC_LVT_MASKED | 0xf5);	/* guest mask mirrored */
	assert_int_equal(h->cpu.pmu.gp[0], 1000);
	assert_int_equal(h->cpu.pmu.evtsel[0], 0xc0 | EVTSEL_OS | EVTSEL_ENABLE);
	guest_run(h, 500, 700, 0);
	h->pmu.kind->put(&h->pmu);
	assert_int_equal(h->pmu.gp[0].counter, 1700);
	assert_int_equal(h->cpu.pmu.gp[0], 0);
	assert_int_equal(h->cpu.pmu.evtsel[0], 0);
	assert_int_equal(host_ev->state, PERF_STATE_ACTIVE);
	assert_int_equal(h->cpu.apic.lvtpc, APIC_LVT_DM_NMI);
	assert_int_equal(rd(h, MSR_IA32_PMC0), 1700);
	/* skipping unchanged counters (v5 43/44): after a put the guest's copies
	 * are 0 and so are the hardware counters - except the one the host's
	 * cycles event ran on since (fixed counter 1), whose leftover the RDPMC
	 * sees: that one is still written (so no host residue reaches the guest),
	 * the other 10 WRMSRs become RDPMCs */
	assert_int_equal(host_ev->idx, HW_FIXED_BASE + 1);
	h->pmu.gp[0].counter = 0;
	h->pmu.skip_unchanged = false;
	t0 = h->cpu.now;
	h->pmu.kind->load(&h->pmu);
	full = h->cpu.now - t0;
	h->pmu.kind->put(&h->pmu);
	h->pmu.skip_unchanged = true;
	t0 = h->cpu.now;
	h->pmu.kind->load(&h->pmu);
	skipped = h->cpu.now - t0;
	h->pmu.kind->put(&h->pmu);
	assert_int_equal(full - skipped, 10 * (TEST_HW_COSTS->wrmsr - TEST_HW_COSTS->rdpmc) -
					 TEST_HW_COSTS->rdpmc);
	host_free(h);
}

static void test_mediated_intercepts_and_rdpmc(void **state)
{
	struct host *h = host_new(HW_VENDOR_INTEL);
	struct hw_pmu_config req = intel_req(2, 8, 3, true);
	const struct kvm_vpmu_ops *m = &kvm_vpmu_mediated_ops;

	(void)state;
	/* a 4-fixed host: KVM offers 3, so the counts differ (v6 22/44
	 * kvm_need_any_pmc_intercept compares with the host's own counts):
	 * the counters pass through, the globals and RDPMC exit */
	vm_init(h, m, &req);
	assert_false(m->is_intercepted(&h->pmu, MSR_IA32_PMC0 + 7));
	assert_false(m->is_intercepted(&h->pmu, MSR_CORE_PERF_FIXED_CTR0 + 2));
	assert_true(m->is_intercepted(&h->pmu, MSR_CORE_PERF_FIXED_CTR0 + 3));
	assert_true(m->is_intercepted(&h->pmu, MSR_CORE_PERF_GLOBAL_CTRL));
	assert_true(m->is_rdpmc_intercepted(&h->pmu));
	/* KVM has the intercepted GLOBAL_CTRL: nothing to read at an exit;
	 * without the save control the CPU still stores it (v6 44/44) */
	assert_int_equal(kvm_pmu__vm_exit(&h->pmu, 0, 20), 0);
	assert_int_equal(kvm_pmu__vm_exit(&h->pmu, 45, 20), 45);
	host_free(h);
	/* a 3-fixed host and a guest with all of it: everything but the
	 * controls passes through */
	h = host_new_fixed(HW_VENDOR_INTEL, 3);
	vm_init(h, m, &req);
	assert_false(m->is_intercepted(&h->pmu, MSR_IA32_PMC0 + 7));
	assert_false(m->is_intercepted(&h->pmu, MSR_IA32_PERFCTR0));
	assert_false(m->is_intercepted(&h->pmu, MSR_CORE_PERF_FIXED_CTR0 + 2));
	assert_false(m->is_intercepted(&h->pmu, MSR_CORE_PERF_GLOBAL_CTRL));
	/* the guest writes it directly: KVM reads it back after every exit */
	assert_int_equal(kvm_pmu__vm_exit(&h->pmu, 0, 20), 20);
	assert_int_equal(kvm_pmu__vm_exit(&h->pmu, 45, 20), 65);
	assert_true(m->is_intercepted(&h->pmu, MSR_P6_EVNTSEL0));
	assert_true(m->is_intercepted(&h->pmu, MSR_CORE_PERF_FIXED_CTR_CTRL));
	assert_false(m->is_rdpmc_intercepted(&h->pmu));
	kvm_pmu__destroy(&h->pmu);
	/* fewer counters than the host: globals and RDPMC exit */
	req = intel_req(2, 4, 3, false);
	vm_init(h, m, &req);
	assert_false(m->is_intercepted(&h->pmu, MSR_IA32_PERFCTR0 + 3));
	assert_true(m->is_intercepted(&h->pmu, MSR_IA32_PERFCTR0 + 4));
	assert_true(m->is_intercepted(&h->pmu, MSR_IA32_PMC0));	/* no full-width writes */
	assert_true(m->is_intercepted(&h->pmu, MSR_CORE_PERF_GLOBAL_CTRL));
	assert_true(m->is_rdpmc_intercepted(&h->pmu));
	host_free(h);
}

static void test_mediated_needs_a_capable_host(void **state)
{
	struct host *h = test_calloc(1, sizeof(*h));
	struct hw_pmu_config cfg, req = intel_req(2, 4, 3, false);
	char err[128];

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);		/* v2, no FW writes */
	assert_int_equal(hw_cpu__init(&h->cpu, &cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
	perf_cpu__init(&h->pc, &h->cpu, TEST_PERF_COSTS);
	assert_int_equal(kvm_pmu__init(&h->pmu, &kvm_vpmu_mediated_ops, &req, &h->cpu, &h->pc, 7), -1);
	assert_int_equal(kvm_pmu__init(&h->pmu, &kvm_vpmu_emulated_ops, &req, &h->cpu, &h->pc, 7), 0);
	perf_cpu__exit(&h->pc);
	test_free(h);
}

/* RDPMCs among the host's accesses (an ECX: a GP index, or bit 30 and a
 * fixed one; no MSR of the PMU is that low). */
static void count_rdpmc(void *ctx, u32 reg)
{
	*(unsigned int *)ctx += reg < 0x20 || (reg & (1U << 30));
}

/*
 * The emulated reprogram as arch/x86/kvm/pmu.c makes it:
 *  - pmc_pause_counter -> perf_event_pause: the event disabled (its
 *    schedule-out reads the counter once) and its count taken, no read
 *    before;
 *  - kvm_pmu_mark_pmc_in_use only in kvm_pmu_set_msr, through
 *    intel_msr_idx_to_pmc (fixed counters, EVNTSELn, PERFCTRn; not PMCn),
 *    and for a changed FIXED_CTR_CTRL field (reprogram_fixed_counters);
 *  - an overflow by emulated instructions found at the pause raises a PMI
 *    as pmc->intr says, the INT bit the last create saw, not the select
 *    just written (__kvm_perf_overflow(pmc, false));
 *  - a paused event is released (pmc_release_perf_event) with no second
 *    pause: only the release's time.
 */
static void test_emulated_reprogram_follows_linux(void **state)
{
	struct host *h = host_new(HW_VENDOR_INTEL);
	struct hw_pmu_config req = intel_req(2, 4, 3, true);
	const u64 sel = 0xc0 | EVTSEL_OS | EVTSEL_USR | EVTSEL_ENABLE;
	struct kvm_pmc *pmc = &h->pmu.gp[0];
	unsigned int reads = 0;
	u64 t0;
	bool last;

	(void)state;
	vm_init(h, &kvm_vpmu_emulated_ops, &req);
	WR_OK(h, MSR_IA32_PMC0, 0);
	WR_OK(h, MSR_P6_EVNTSEL0, sel);
	WR_OK(h, MSR_CORE_PERF_GLOBAL_CTRL, 1);
	guest_run(h, 5000, 10000, 0);
	assert_non_null(pmc->perf_event);
	/* a pause: one read of the counter */
	WR_OK(h, MSR_CORE_PERF_GLOBAL_CTRL, 0);
	h->cpu.on_host_access = count_rdpmc;
	h->cpu.access_ctx = &reads;
	kvm_pmu__handle_event(&h->pmu);
	h->cpu.on_host_access = NULL;
	assert_int_equal(reads, 1);
	assert_true(pmc->is_paused);
	assert_int_equal(rd(h, MSR_IA32_PMC0), 10000);
	/* what marks a counter in use */
	h->pmu.pmc_in_use = 0;
	(void)rd(h, MSR_IA32_PERFCTR0);
	(void)rd(h, MSR_P6_EVNTSEL0 + 1);
	WR_OK(h, MSR_IA32_PMC0 + 2, 5);
	assert_int_equal(h->pmu.pmc_in_use, 0);
	WR_OK(h, MSR_IA32_PERFCTR0 + 1, 5);
	WR_OK(h, MSR_P6_EVNTSEL0 + 3, 0);
	WR_OK(h, MSR_CORE_PERF_FIXED_CTR_CTRL, 0x30);	/* fixed counter 1's field */
	assert_int_equal(h->pmu.pmc_in_use, BIT_ULL(1) | BIT_ULL(3) | BIT_ULL(HW_FIXED_BASE + 1));
	/* the event was made without INT; the guest sets INT, and an emulated
	 * instruction wraps the counter before the reprogram */
	WR_OK(h, MSR_CORE_PERF_GLOBAL_CTRL, 1);
	kvm_pmu__handle_event(&h->pmu);
	assert_false(pmc->intr);
	WR_OK(h, MSR_IA32_PMC0, (1ULL << 48) - 1);
	WR_OK(h, MSR_P6_EVNTSEL0, sel | EVTSEL_INT);
	kvm_pmu__instruction_retired(&h->pmu, 0, false);
	h->pmu.req_pmi = false;
	kvm_pmu__handle_event(&h->pmu);
	assert_int_equal(h->pmu.global_status & 1, 1);
	assert_false(h->pmu.req_pmi);		/* pmc->intr was false */
	assert_true(pmc->intr);			/* the new event's */
	/* release of a paused event: its time is the release's */
	WR_OK(h, MSR_CORE_PERF_GLOBAL_CTRL, 0);
	kvm_pmu__handle_event(&h->pmu);
	assert_true(pmc->is_paused);
	t0 = h->cpu.now;
	last = h->pc.own_sys.nr_hw_events == 1;	/* then x86_release_hardware too */
	perf_event__release(&h->pc, pmc->perf_event);
	assert_int_equal(h->cpu.now - t0, h->pc.costs.release + (last ? h->pc.costs.unreserve : 0));
	pmc->perf_event = NULL;
	host_free(h);
}

/* Host accesses to each of six AMD selects (hw_cpu.on_host_access). */
struct sel_count {
	u32 msr;
	unsigned int n;
};

static void count_sel(void *ctx, u32 reg)
{
	struct sel_count *c = ctx;

	for (unsigned int i = 0; i < 6; i++)
		c[i].n += reg == c[i].msr;
}

static void test_amd(void **state)
{
	struct host *h = host_new(HW_VENDOR_AMD);
	struct hw_pmu_config req;
	struct sel_count sel_writes[6];

	(void)state;
	hw_pmu_config__defaults(&req, HW_VENDOR_AMD);
	req.amd_core = req.amd_perfmon_v2 = true;
	req.nr_gp = 6;
	vm_init(h, &kvm_vpmu_mediated_ops, &req);
	/* HostOnly is among KVM's reserved bits: dropped, no #GP */
	WR_OK(h, MSR_F15H_PERF_CTL0, 0xc0 | EVTSEL_OS | EVTSEL_ENABLE | AMD64_EVTSEL_HOSTONLY);
	assert_int_equal(rd(h, MSR_K7_EVNTSEL0), 0xc0 | EVTSEL_OS | EVTSEL_ENABLE);
	kvm_pmu__handle_event(&h->pmu);
	/* the hardware select counts in guest mode only */
	assert_true(h->pmu.gp[0].eventsel_hw & AMD64_EVTSEL_GUESTONLY);
	h->pmu.kind->load(&h->pmu);
	guest_run(h, 100, 300, 0);
	host_run(h, 100, 300);		/* between exit and put: GuestOnly stops it */
	h->pmu.kind->put(&h->pmu);
	assert_int_equal(rd(h, MSR_F15H_PERF_CTR0), 300);
	assert_false(h->pmu.lvtpc_automask);
	/* kvm_pmu_put_guest_pmcs clears a select only where eventsel_hw is not
	 * 0: one never written since the reset is 0 (v6 26/44 sets GuestOnly
	 * at a write of a new value), one written 0 over a value is GuestOnly */
	WR_OK(h, MSR_F15H_PERF_CTL0, 0);
	kvm_pmu__handle_event(&h->pmu);
	assert_int_equal(h->pmu.gp[0].eventsel_hw, AMD64_EVTSEL_GUESTONLY);
	h->pmu.kind->load(&h->pmu);
	for (unsigned int i = 0; i < 6; i++) {
		sel_writes[i] = (struct sel_count){ .msr = MSR_F15H_PERF_CTL0 + 2 * i };
		assert_int_equal(h->pmu.gp[i].eventsel_hw, i ? 0 : AMD64_EVTSEL_GUESTONLY);
	}
	h->cpu.on_host_access = count_sel;
	h->cpu.access_ctx = sel_writes;
	h->pmu.kind->put(&h->pmu);
	h->cpu.on_host_access = NULL;
	for (unsigned int i = 0; i < 6; i++)
		assert_int_equal(sel_writes[i].n, i ? 0 : 1);
	host_free(h);
}

/*
 * An instruction (or branch) KVM emulates is counted into the counters
 * whose eventsel is kvm_pmu_eventsel's, compared under
 * AMD64_RAW_EVENT_MASK_NB on both vendors (pmc_is_event_match): the unit
 * mask and AMD's EventSelect[11:8] count; branches are 0x00c4 on Intel and
 * 0xc2 on AMD.
 */
static void test_emulated_instruction_matches_the_event(void **state)
{
	static const u64 amd_sel[] = { 0xc0, 0x1c0, 0x1000000c0ULL, 0xc2 };
	static const u64 intel_sel[] = { 0xc0, 0x1c0, 0xc4, 0xc2 };
	/* after one instruction and one branch */
	static const u64 amd_want[] = { 1, 0, 0, 1 }, intel_want[] = { 1, 0, 1, 0 };
	struct host *h = host_new(HW_VENDOR_AMD);
	struct hw_pmu_config req;

	(void)state;
	hw_pmu_config__defaults(&req, HW_VENDOR_AMD);
	req.amd_core = req.amd_perfmon_v2 = true;
	req.nr_gp = 6;
	vm_init(h, &kvm_vpmu_mediated_ops, &req);
	for (unsigned int i = 0; i < 4; i++)
		WR_OK(h, MSR_F15H_PERF_CTL0 + 2 * i, amd_sel[i] | EVTSEL_OS | EVTSEL_ENABLE);
	WR_OK(h, MSR_AMD64_PERF_CNTR_GLOBAL_CTL, 0xf);
	h->pmu.kind->load(&h->pmu);
	kvm_pmu__instruction_retired(&h->pmu, 0, false);
	kvm_pmu__instruction_retired(&h->pmu, 0, true);
	h->pmu.kind->put(&h->pmu);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(rd(h, MSR_F15H_PERF_CTL0 + 2 * i + 1), amd_want[i]);
	host_free(h);

	h = host_new(HW_VENDOR_INTEL);
	req = intel_req(2, 4, 3, true);
	vm_init(h, &kvm_vpmu_emulated_ops, &req);
	for (unsigned int i = 0; i < 4; i++) {
		WR_OK(h, MSR_IA32_PMC0 + i, 0);
		WR_OK(h, MSR_P6_EVNTSEL0 + i, intel_sel[i] | EVTSEL_OS | EVTSEL_ENABLE);
	}
	WR_OK(h, MSR_CORE_PERF_GLOBAL_CTRL, 0xf);
	kvm_pmu__instruction_retired(&h->pmu, 0, false);
	kvm_pmu__instruction_retired(&h->pmu, 0, true);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(rd(h, MSR_IA32_PMC0 + i), intel_want[i]);
	host_free(h);
}

/*
 * Emulated instructions through random reprogramming (kvm/pmu.c keeps the
 * counters each instruction reaches with the registers they depend on):
 * the guest rewrites selects, the global control and (Intel) FIXED_CTR_CTRL
 * between instructions at CPL 0 and 3, and every counter must hold what
 * the architecture's rules give, counted here from the values written.
 * Intel v2 under the emulated vPMU (branches 0xc4; fixed counter 0 counts
 * instructions, 1 and 2 never take one), AMD PerfMonV2 under the mediated
 * vPMU (branches 0xc2; the counter incremented in place).
 */
static void retire_random(struct host *h, bool amd)
{
	const u64 ev[] = { 0xc0, amd ? 0xc2 : 0xc4, 0x3c }, branch_ev = ev[1];
	const u32 sel0 = amd ? MSR_F15H_PERF_CTL0 : MSR_P6_EVNTSEL0, stride = amd ? 2 : 1;
	const u32 ctr0 = amd ? MSR_F15H_PERF_CTR0 : MSR_IA32_PMC0;
	const u32 gctl_msr = amd ? MSR_AMD64_PERF_CNTR_GLOBAL_CTL : MSR_CORE_PERF_GLOBAL_CTRL;
	const u64 gctl_bits = amd ? 0xfULL : 0xfULL | 0x7ULL << 32;
	u64 sel[4] = { 0 }, gctl = 0, fctl = 0, want[5] = { 0 };
	struct rng r;

	rng__seed(&r, 0x4e7 + amd);
	WR_OK(h, gctl_msr, gctl);
	for (unsigned int step = 0; step < 2000; step++) {
		unsigned int what = (unsigned int)rng__below(&r, 8), i = (unsigned int)rng__below(&r, 4);
		bool user = rng__chance(&r, 1, 2), branch = rng__chance(&r, 1, 3);

		if (what == 0) {
			sel[i] = ev[rng__below(&r, 3)] | (rng__next(&r) & (EVTSEL_OS | EVTSEL_USR |
									  EVTSEL_ENABLE));
			WR_OK(h, sel0 + stride * i, sel[i]);
		} else if (what == 1) {
			gctl = rng__next(&r) & gctl_bits;
			WR_OK(h, gctl_msr, gctl);
		} else if (what == 2 && !amd) {
			fctl = rng__next(&r) & 0x333;
			WR_OK(h, MSR_CORE_PERF_FIXED_CTR_CTRL, fctl);
		} else {
			kvm_pmu__instruction_retired(&h->pmu, user ? 3 : 0, branch);
			for (unsigned int k = 0; k < 4; k++)
				want[k] += (gctl >> k & 1) && (sel[k] & EVTSEL_ENABLE) &&
					   (sel[k] & (user ? EVTSEL_USR : EVTSEL_OS)) &&
					   (sel[k] & 0xff) == (branch ? branch_ev : 0xc0);
			want[4] += (gctl >> 32 & 1) && !branch && (fctl & (user ? 2 : 1));
		}
		if (h->pmu.req_pmu)
			kvm_pmu__handle_event(&h->pmu);
	}
	for (unsigned int k = 0; k < 4; k++)
		assert_int_equal(rd(h, ctr0 + stride * k), want[k]);
	if (!amd) {
		assert_int_equal(rd(h, MSR_CORE_PERF_FIXED_CTR0), want[4]);
		assert_int_equal(rd(h, MSR_CORE_PERF_FIXED_CTR0 + 1), 0);
		assert_int_equal(rd(h, MSR_CORE_PERF_FIXED_CTR0 + 2), 0);
		assert_true(want[4]);
	}
	assert_true(want[0] && want[1]);	/* the rules were met, not only missed */
}

static void test_emulated_instructions_follow_reprogramming(void **state)
{
	struct host *h = host_new(HW_VENDOR_INTEL);
	struct hw_pmu_config req = intel_req(2, 4, 3, true);

	(void)state;
	vm_init(h, &kvm_vpmu_emulated_ops, &req);
	retire_random(h, false);
	host_free(h);

	h = host_new(HW_VENDOR_AMD);
	hw_pmu_config__defaults(&req, HW_VENDOR_AMD);
	req.amd_core = req.amd_perfmon_v2 = true;
	req.nr_gp = 6;
	vm_init(h, &kvm_vpmu_mediated_ops, &req);
	retire_random(h, true);
	host_free(h);
}

static void test_none(void **state)
{
	struct host *h = host_new(HW_VENDOR_INTEL);
	struct hw_pmu_config req = intel_req(2, 4, 3, true);
	u32 r[4];
	u64 v;

	(void)state;
	vm_init(h, &kvm_vpmu_none_ops, &req);
	kvm_pmu__cpuid(&h->pmu, 0xa, 0, r);
	assert_int_equal(r[0], 0);
	assert_int_equal(rd(h, MSR_IA32_PERFCTR0), 0);
	assert_int_equal(kvm_pmu__get_msr(&h->pmu, MSR_IA32_PERFCTR0 + 2, &v), KVM_MSR_GP);
	assert_int_equal(kvm_pmu__get_msr(&h->pmu, MSR_CORE_PERF_GLOBAL_CTRL, &v), KVM_MSR_GP);
	assert_int_equal(kvm_pmu__rdpmc(&h->pmu, 0, 0, false, &v), KVM_MSR_GP);
	host_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_capability_reduction),
		cmocka_unit_test(test_intel_kvm_deviations),
		cmocka_unit_test(test_emulated_counts_guest_only),
		cmocka_unit_test(test_emulated_overflow_reaches_guest_lvtpc),
		cmocka_unit_test(test_emulated_write_skews_the_period),
		cmocka_unit_test(test_mediated_load_put),
		cmocka_unit_test(test_mediated_intercepts_and_rdpmc),
		cmocka_unit_test(test_mediated_needs_a_capable_host),
		cmocka_unit_test(test_amd),
		cmocka_unit_test(test_emulated_instruction_matches_the_event),
		cmocka_unit_test(test_emulated_instructions_follow_reprogramming),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_emulated_reprogram_follows_linux),
	};

	return cmocka_run_group_tests_name("kvm/pmu", tests, NULL, NULL);
}

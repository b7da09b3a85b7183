/*
 * test_pmu.c - register semantics of hw/pmu_intel.c, hw/pmu_amd.c and the
 * LVTPC, each rule with the source it comes from in the code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"

#include "hw/cpu.h"
#include "hw/msr.h"

static struct hw_cpu cpu;

static void init(struct hw_pmu_config *cfg)
{
	char err[128];

	assert_int_equal(hw_cpu__init(&cpu, cfg, TEST_HW_COSTS, err, sizeof(err)), 0);
}

static void intel(u8 version, bool fw, bool metrics)
{
	struct hw_pmu_config cfg;

	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	cfg.version = version;
	cfg.fw_writes = fw;
	cfg.metrics = metrics;
	if (version < 2)
		cfg.nr_fixed = 0;
	if (metrics)
		cfg.nr_fixed = 4;
	init(&cfg);
}

static u64 rd(u32 msr)
{
	u64 v = 0xdeadbeef;

	assert_int_equal(hw_cpu__rdmsr(&cpu, msr, &v), HW_MSR_OK);
	return v;
}

#define WR_OK(msr, v) assert_int_equal(hw_cpu__wrmsr(&cpu, (msr), (v)), HW_MSR_OK)
#define WR_GP(msr, v) assert_int_equal(hw_cpu__wrmsr(&cpu, (msr), (v)), HW_MSR_GP)

static void test_intel_counter_writes(void **state)
{
	(void)state;
	intel(2, true, false);
	/* legacy: EAX sign-extended, truncated to 48 bits */
	WR_OK(MSR_IA32_PERFCTR0, 0xff0123456789ULL);
	assert_int_equal(rd(MSR_IA32_PERFCTR0), 0x23456789);
	WR_OK(MSR_IA32_PERFCTR0, 0x80000000ULL);
	assert_int_equal(rd(MSR_IA32_PMC0), 0xffff80000000ULL);
	/* full width: as is, #GP past the width */
	WR_OK(MSR_IA32_PMC0 + 1, 0xff0123456789ULL);
	assert_int_equal(rd(MSR_IA32_PERFCTR0 + 1), 0xff0123456789ULL);
	WR_GP(MSR_IA32_PMC0 + 1, 1ULL << 48);
	/* past the GP count */
	WR_GP(MSR_IA32_PERFCTR0 + 4, 0);
	WR_GP(MSR_P6_EVNTSEL0 + 4, 0);
	/* fixed counters: #GP past the width */
	WR_GP(MSR_CORE_PERF_FIXED_CTR0, 1ULL << 48);
	WR_OK(MSR_CORE_PERF_FIXED_CTR0, (1ULL << 48) - 1);
	WR_GP(MSR_CORE_PERF_FIXED_CTR0 + 3, 0);
	intel(2, false, false);
	WR_GP(MSR_IA32_PMC0, 0);
}

static void test_intel_reserved_bits(void **state)
{
	(void)state;
	intel(2, false, false);
	WR_GP(MSR_P6_EVNTSEL0, EVTSEL_ANY);		/* AnyThread from v3 */
	WR_GP(MSR_P6_EVNTSEL0, 1ULL << 32);
	WR_GP(MSR_CORE_PERF_FIXED_CTR_CTRL, FIXED_CTRL_ANY);
	WR_GP(MSR_CORE_PERF_FIXED_CTR_CTRL, 1ULL << 12);	/* fixed 3 absent */
	WR_OK(MSR_CORE_PERF_FIXED_CTR_CTRL, 0xbbb);
	WR_GP(MSR_CORE_PERF_GLOBAL_CTRL, 1ULL << 4);
	WR_GP(MSR_CORE_PERF_GLOBAL_CTRL, 1ULL << 35);
	WR_GP(MSR_CORE_PERF_GLOBAL_CTRL, 1ULL << 48);	/* no metrics */
	WR_GP(MSR_CORE_PERF_GLOBAL_OVF_CTRL, GLOBAL_STATUS_CTR_FRZ);	/* v4 bit */
	WR_OK(MSR_CORE_PERF_GLOBAL_OVF_CTRL, GLOBAL_STATUS_COND_CHG);
	intel(4, false, false);
	WR_GP(MSR_CORE_PERF_GLOBAL_STATUS_SET, GLOBAL_STATUS_COND_CHG);	/* reset only */
	intel(2, false, false);
	WR_GP(MSR_CORE_PERF_GLOBAL_STATUS, 0);
	WR_GP(MSR_CORE_PERF_GLOBAL_STATUS_SET, 1);	/* v4 */
	WR_GP(MSR_IA32_PERF_CAPABILITIES, 0);
	intel(4, false, false);
	WR_OK(MSR_P6_EVNTSEL0, EVTSEL_ANY);
	WR_OK(MSR_CORE_PERF_GLOBAL_STATUS_SET, 0x7 | GLOBAL_STATUS_CTR_FRZ);
	assert_int_equal(rd(MSR_CORE_PERF_GLOBAL_STATUS), 0x7 | GLOBAL_STATUS_CTR_FRZ);
	WR_OK(MSR_CORE_PERF_GLOBAL_OVF_CTRL, 0x5);
	assert_int_equal(rd(MSR_CORE_PERF_GLOBAL_STATUS), 0x2 | GLOBAL_STATUS_CTR_FRZ);
	assert_int_equal(rd(MSR_CORE_PERF_GLOBAL_STATUS_SET), 0);
	WR_GP(MSR_CORE_PERF_GLOBAL_INUSE, 0);
}

static void test_intel_v1_has_no_global_msrs(void **state)
{
	u64 v;

	(void)state;
	intel(1, false, false);
	assert_int_equal(hw_cpu__rdmsr(&cpu, MSR_CORE_PERF_GLOBAL_CTRL, &v), HW_MSR_GP);
	assert_int_equal(hw_cpu__rdmsr(&cpu, MSR_CORE_PERF_FIXED_CTR0, &v), HW_MSR_GP);
	assert_int_equal(hw_cpu__rdmsr(&cpu, MSR_IA32_PERF_CAPABILITIES, &v), HW_MSR_GP);
	/* v1 counts on the local enable alone */
	WR_OK(MSR_P6_EVNTSEL0, 0xc0 | EVTSEL_OS | EVTSEL_ENABLE);
	struct hw_segment seg = { .cycles = 10 };
	seg.ev[HW_EV_INSTRUCTIONS] = 25;
	hw_cpu__run(&cpu, &seg, NULL);
	assert_int_equal(rd(MSR_IA32_PERFCTR0), 25);
}

static void test_intel_global_ctrl_reset_and_inuse(void **state)
{
	(void)state;
	intel(4, false, false);
	assert_int_equal(rd(MSR_CORE_PERF_GLOBAL_CTRL), 0xf);
	WR_OK(MSR_P6_EVNTSEL0 + 2, 0x3c);
	WR_OK(MSR_P6_EVNTSEL0 + 3, EVTSEL_INT);		/* event 0: not in use */
	WR_OK(MSR_CORE_PERF_FIXED_CTR_CTRL, 0x020);	/* fixed 1, USR */
	assert_int_equal(rd(MSR_CORE_PERF_GLOBAL_INUSE),
			 0x4 | (1ULL << 33) | GLOBAL_INUSE_PMI);
}

static void test_intel_rdpmc_encodings(void **state)
{
	u64 v;

	(void)state;
	intel(5, true, true);
	WR_OK(MSR_IA32_PMC0 + 3, 0x123456789abULL);
	WR_OK(MSR_CORE_PERF_FIXED_CTR0 + 2, 0xabc);
	assert_int_equal(hw_cpu__rdpmc(&cpu, 3, &v), HW_MSR_OK);
	assert_int_equal(v, 0x123456789abULL);
	assert_int_equal(hw_cpu__rdpmc(&cpu, 0x40000002, &v), HW_MSR_OK);
	assert_int_equal(v, 0xabc);
	assert_int_equal(hw_cpu__rdpmc(&cpu, 0x20000000, &v), HW_MSR_OK);
	assert_int_equal(hw_cpu__rdpmc(&cpu, 0x80000003, &v), HW_MSR_GP);	/* fast */
	assert_int_equal(hw_cpu__rdpmc(&cpu, 4, &v), HW_MSR_GP);
	assert_int_equal(hw_cpu__rdpmc(&cpu, 0x40000004, &v), HW_MSR_GP);
	assert_int_equal(hw_cpu__rdpmc(&cpu, 0x20000001, &v), HW_MSR_GP);
	assert_int_equal(hw_cpu__rdpmc(&cpu, 0x10000000, &v), HW_MSR_GP);
	cpu.cpl = 3;
	assert_int_equal(hw_cpu__rdpmc(&cpu, 3, &v), HW_MSR_GP);	/* CR4.PCE = 0 */
	cpu.cr4_pce = true;
	assert_int_equal(hw_cpu__rdpmc(&cpu, 3, &v), HW_MSR_OK);
}

static void test_intel_cpuid_shape(void **state)
{
	struct hw_pmu_config cfg;
	u32 r[4];

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	cfg.version = 5;
	cfg.nr_gp = 8;
	cfg.nr_fixed = 3;
	cfg.fixed_mask = 0x9;
	cfg.unavailable = 0x55;
	cfg.ebx_len = 6;
	cfg.anythread_deprecated = true;
	init(&cfg);
	hw_cpu__cpuid(&cpu, 0xa, 0, r);
	assert_int_equal(r[0], 5 | 8 << 8 | 48 << 16 | 6 << 24);
	assert_int_equal(r[1], 0x15);		/* masked to the EBX length */
	assert_int_equal(r[2], 0x9);
	assert_int_equal(r[3], 3 | 48 << 5 | 1 << 15);
	/* fixed counter 3 exists through ECX alone */
	assert_true(cpu.pmu.present & (1ULL << 35));
	WR_OK(MSR_CORE_PERF_FIXED_CTR0 + 3, 5);
}

static void test_perf_metrics(void **state)
{
	struct hw_segment seg = { .cycles = 1000 };

	(void)state;
	intel(4, true, true);
	WR_OK(MSR_PERF_METRICS, 0x0102030405060708ULL);
	assert_int_equal(rd(MSR_PERF_METRICS), 0x0102030405060708ULL);
	WR_OK(MSR_PERF_METRICS, 0);
	assert_int_equal(rd(MSR_PERF_METRICS), 0);
	WR_OK(MSR_CORE_PERF_FIXED_CTR_CTRL, 0x1000);	/* FC3, OS */
	WR_OK(MSR_CORE_PERF_GLOBAL_CTRL, 1ULL << 35);
	seg.ev[HW_EV_INSTRUCTIONS] = 2000;
	hw_cpu__fill_derived(&cpu, &seg);
	hw_cpu__run(&cpu, &seg, NULL);		/* EN_PERF_METRICS clear: no metrics */
	assert_int_equal(rd(MSR_PERF_METRICS), 0);
	WR_OK(MSR_CORE_PERF_FIXED_CTR0 + 3, 0);
	WR_OK(MSR_CORE_PERF_GLOBAL_CTRL, (1ULL << 35) | (1ULL << 48));
	hw_cpu__fill_derived(&cpu, &seg);		/* 4000 slots, 2000 retiring */
	hw_cpu__run(&cpu, &seg, NULL);
	assert_int_equal(rd(MSR_CORE_PERF_FIXED_CTR0 + 3), 4000);
	assert_int_equal(rd(MSR_PERF_METRICS) & 0xff, 0x7f);	/* 2000/4000 of 0xff */
}

static void test_amd_aliases_and_global(void **state)
{
	struct hw_pmu_config cfg;
	u64 v;

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_AMD);
	cfg.amd_core = cfg.amd_perfmon_v2 = true;
	cfg.nr_gp = 5;
	init(&cfg);
	WR_OK(MSR_K7_PERFCTR0 + 2, 0x1234);
	assert_int_equal(rd(MSR_F15H_PERF_CTR0 + 4), 0x1234);
	WR_OK(MSR_F15H_PERF_CTL0 + 2, 0x76 | (1ULL << 19) | (1ULL << 42) | AMD64_EVTSEL_HOSTONLY);
	assert_int_equal(rd(MSR_K7_EVNTSEL0 + 1), 0x76 | AMD64_EVTSEL_HOSTONLY);
	WR_OK(MSR_K7_PERFCTR0, ~0ULL);
	assert_int_equal(rd(MSR_K7_PERFCTR0), (1ULL << 48) - 1);
	assert_int_equal(hw_cpu__rdmsr(&cpu, MSR_F15H_PERF_CTR0 + 10, &v), HW_MSR_GP);
	assert_int_equal(rd(MSR_AMD64_PERF_CNTR_GLOBAL_CTL), 0x1f);
	WR_OK(MSR_AMD64_PERF_CNTR_GLOBAL_CTL, ~0ULL);
	assert_int_equal(rd(MSR_AMD64_PERF_CNTR_GLOBAL_CTL), 0x1f);
	WR_OK(MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET, 0xff);
	assert_int_equal(rd(MSR_AMD64_PERF_CNTR_GLOBAL_STATUS), 0x1f);
	WR_OK(MSR_AMD64_PERF_CNTR_GLOBAL_STATUS, 0);		/* ignored */
	assert_int_equal(rd(MSR_AMD64_PERF_CNTR_GLOBAL_STATUS), 0x1f);
	WR_OK(MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR, 0x3);
	assert_int_equal(rd(MSR_AMD64_PERF_CNTR_GLOBAL_STATUS), 0x1c);
	assert_int_equal(hw_cpu__rdmsr(&cpu, MSR_IA32_PERFCTR0, &v), HW_MSR_GP);
}

static void test_amd_host_guest_only(void **state)
{
	struct hw_pmu_config cfg;
	struct hw_segment host = { .cycles = 10 }, guest = { .cycles = 10, .guest = true };

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_AMD);
	cfg.amd_core = true;
	cfg.nr_gp = 6;
	init(&cfg);
	host.ev[HW_EV_INSTRUCTIONS] = guest.ev[HW_EV_INSTRUCTIONS] = 7;
	WR_OK(MSR_F15H_PERF_CTL0, 0xc0 | EVTSEL_OS | EVTSEL_ENABLE | AMD64_EVTSEL_HOSTONLY);
	WR_OK(MSR_F15H_PERF_CTL0 + 2, 0xc0 | EVTSEL_OS | EVTSEL_ENABLE | AMD64_EVTSEL_GUESTONLY);
	WR_OK(MSR_F15H_PERF_CTL0 + 4, 0xc0 | EVTSEL_OS | EVTSEL_ENABLE |
	      AMD64_EVTSEL_GUESTONLY | AMD64_EVTSEL_HOSTONLY);
	WR_OK(MSR_F15H_PERF_CTL0 + 6, 0xc0 | EVTSEL_OS | EVTSEL_ENABLE);
	hw_cpu__run(&cpu, &host, NULL);
	hw_cpu__run(&cpu, &guest, NULL);
	hw_cpu__run(&cpu, &guest, NULL);
	assert_int_equal(cpu.pmu.gp[0], 7);
	assert_int_equal(cpu.pmu.gp[1], 14);
	assert_int_equal(cpu.pmu.gp[2], 21);
	assert_int_equal(cpu.pmu.gp[3], 21);
}

static void test_freeze_on_pmi(void **state)
{
	struct hw_segment seg = { .cycles = 100 };

	(void)state;
	seg.ev[HW_EV_INSTRUCTIONS] = 100;
	for (u8 v = 2; v <= 4; v += 2) {
		intel(v, true, false);
		WR_OK(MSR_IA32_DEBUGCTLMSR, DEBUGCTL_FREEZE_PERFMON_ON_PMI);
		WR_OK(MSR_P6_EVNTSEL0, 0xc0 | EVTSEL_OS | EVTSEL_ENABLE | EVTSEL_INT);
		WR_OK(MSR_P6_EVNTSEL0 + 1, 0xc0 | EVTSEL_OS | EVTSEL_ENABLE);
		WR_OK(MSR_IA32_PMC0, (1ULL << 48) - 10);
		hw_cpu__run(&cpu, &seg, NULL);
		/* both frozen at the 10th instruction, LVTPC masked or not */
		assert_int_equal(rd(MSR_IA32_PMC0), 0);
		assert_int_equal(rd(MSR_IA32_PMC0 + 1), 10);
		if (v == 2) {
			assert_int_equal(rd(MSR_CORE_PERF_GLOBAL_CTRL), 0);
			assert_int_equal(rd(MSR_CORE_PERF_GLOBAL_STATUS), 1);
		} else {
			assert_int_equal(rd(MSR_CORE_PERF_GLOBAL_CTRL), 0xf);
			assert_int_equal(rd(MSR_CORE_PERF_GLOBAL_STATUS), 1 | GLOBAL_STATUS_CTR_FRZ);
			WR_OK(MSR_CORE_PERF_GLOBAL_OVF_CTRL, GLOBAL_STATUS_CTR_FRZ);
			hw_cpu__run(&cpu, &seg, NULL);
			assert_int_equal(rd(MSR_IA32_PMC0 + 1), 110);
		}
	}
}

static void test_lvtpc_writes(void **state)
{
	(void)state;
	intel(2, false, false);
	assert_int_equal(rd(MSR_X2APIC_LVTPC), APIC_LVT_MASKED);
	WR_OK(MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
	WR_OK(MSR_X2APIC_LVTPC, 0x100f5);
	WR_GP(MSR_X2APIC_LVTPC, 0x20000);		/* reserved bit */
	WR_GP(MSR_X2APIC_LVTPC, 0x700);		/* ExtINT */
	WR_GP(MSR_X2APIC_LVTPC, 0x500);		/* INIT */
	assert_int_equal(rd(MSR_X2APIC_LVTPC), 0x100f5);
}

static void test_config_validation(void **state)
{
	struct hw_pmu_config cfg;
	struct hw_pmu pmu;
	char err[128];

	(void)state;
	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	cfg.version = 1;
	assert_int_not_equal(hw_pmu__init(&pmu, &cfg, err, sizeof(err)), 0);	/* fixed=3 */
	cfg.nr_fixed = 0;
	assert_int_equal(hw_pmu__init(&pmu, &cfg, err, sizeof(err)), 0);
	cfg.nr_gp = 9;
	assert_int_not_equal(hw_pmu__init(&pmu, &cfg, err, sizeof(err)), 0);
	hw_pmu_config__defaults(&cfg, HW_VENDOR_INTEL);
	cfg.metrics = true;
	assert_int_not_equal(hw_pmu__init(&pmu, &cfg, err, sizeof(err)), 0);
	hw_pmu_config__defaults(&cfg, HW_VENDOR_AMD);
	cfg.nr_gp = 6;
	assert_int_not_equal(hw_pmu__init(&pmu, &cfg, err, sizeof(err)), 0);
	cfg.amd_core = true;
	assert_int_equal(hw_pmu__init(&pmu, &cfg, err, sizeof(err)), 0);
	cfg.nr_gp = 3;
	assert_int_not_equal(hw_pmu__init(&pmu, &cfg, err, sizeof(err)), 0);
	cfg.amd_perfmon_v2 = true;
	assert_int_equal(hw_pmu__init(&pmu, &cfg, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_counter_writes),
		cmocka_unit_test(test_intel_reserved_bits),
		cmocka_unit_test(test_intel_v1_has_no_global_msrs),
		cmocka_unit_test(test_intel_global_ctrl_reset_and_inuse),
		cmocka_unit_test(test_intel_rdpmc_encodings),
		cmocka_unit_test(test_intel_cpuid_shape),
		cmocka_unit_test(test_perf_metrics),
		cmocka_unit_test(test_amd_aliases_and_global),
		cmocka_unit_test(test_amd_host_guest_only),
		cmocka_unit_test(test_freeze_on_pmi),
		cmocka_unit_test(test_lvtpc_writes),
		cmocka_unit_test(test_config_validation),
	};

	return cmocka_run_group_tests_name("hw/pmu", tests, NULL, NULL);
}

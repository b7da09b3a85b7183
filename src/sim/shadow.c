/*
 * sim/shadow.c - see shadow.h. The observer calls of kvm/vcpu.c feed a
 * private struct hw_cpu; nothing here reads KVM's struct kvm_pmu or the
 * pCPU's PMU registers (only the pCPU's clock, for the report, its pending
 * NMI and kvm_pmu__skewed_periods, for the two emulated-vPMU rules).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hw/msr.h"
#include "sim/shadow.h"

static const char *const diff_names[SIM_DIFF_NR] = {
	[SIM_DIFF_OVER] = "over-count", [SIM_DIFF_UNDER] = "under-count",
	[SIM_DIFF_STATUS] = "status", [SIM_DIFF_CONFIG] = "config",
	[SIM_DIFF_FAULT] = "fault", [SIM_DIFF_PMI_SPURIOUS] = "spurious PMI",
	[SIM_DIFF_PMI_LOST] = "lost PMI",
};

const char *sim_diff__name(enum sim_diff_kind k)
{
	return diff_names[k];
}

u64 sim_shadow__total(const struct sim_shadow *s)
{
	u64 t = 0;

	for (int k = 0; k < SIM_DIFF_NR; k++)
		t += s->n[k];
	return t;
}

static void diff(struct sim_shadow *s, enum sim_diff_kind k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diff(struct sim_shadow *s, enum sim_diff_kind k, const char *fmt, ...)
{
	va_list ap;
	int n;

	s->n[k]++;
	if (s->nr_text >= SIM_SHADOW_DIFFS)
		return;
	n = snprintf(s->text[s->nr_text], sizeof(s->text[0]), "%s at guest op %llu, cycle %llu: ",
		     diff_names[k], (unsigned long long)s->ops,
		     (unsigned long long)s->v->cpu->now);
	va_start(ap, fmt);
	vsnprintf(s->text[s->nr_text] + n, sizeof(s->text[0]) - (size_t)n, fmt, ap);
	va_end(ap);
	s->nr_text++;
}

/* New interrupts the shadow's APIC took on (not dropped, not merged). */
static u64 accepted(const struct sim_shadow *s)
{
	const struct hw_apic *a = &s->cpu.apic;

	return a->pmi_requests - a->pmi_dropped - a->pmi_merged;
}

static int shadow_irq(void *ctx, const struct hw_irq *irq)
{
	(void)ctx;
	(void)irq;
	return 0;	/* bare metal: the interrupt is taken; counting goes on */
}

static void host_mode(struct sim_shadow *s, u8 cpl)
{
	s->cpu.guest = false;
	s->cpu.cpl = cpl;
	s->cpu.intr_enabled = true;
	s->cpu.cr4_pce = true;
}

static void on_ran(void *ctx, const struct hw_segment *done)
{
	struct sim_shadow *s = ctx;
	struct hw_segment seg = *done;

	seg.guest = false;	/* bare metal: the guest's code is all there is */
	host_mode(s, seg.cpl);
	hw_cpu__run(&s->cpu, &seg, NULL);
}

/* The width an emulated instruction counts at: the counter's own, but a
 * mediated vPMU's kvm_pmu_incr_counter masks with pmc_bitmask, the guest's
 * width, even though the hardware counter is wider (kvm/pmu.h). */
static u64 emulated_mask(const struct sim_shadow *s, unsigned int idx)
{
	if (s->v->pmu.kind->is_mediated)
		return idx >= HW_FIXED_BASE ? s->fixed_read_mask : s->gp_read_mask;
	return hw_pmu__counter_mask(&s->cpu.pmu, idx);
}

/* kvm_pmu_incr_counter on bare metal: one retired instruction. */
static void on_emulated(void *ctx, u8 cpl)
{
	struct sim_shadow *s = ctx;
	struct hw_pmu *pmu = &s->cpu.pmu;
	u64 pmi = 0;

	for (unsigned int idx = 0; idx < HW_MAX_IDX; idx++) {
		struct hw_count_cfg cc;
		u64 *ctr, mask;

		if (!(pmu->present & BIT_ULL(idx)) ||
		    !pmu->ops->counter_setup(pmu, idx, false, cpl, &cc) ||
		    cc.ev != HW_EV_INSTRUCTIONS || cc.cmask || cc.edge)
			continue;
		ctr = hw_pmu__counter(pmu, idx);
		mask = emulated_mask(s, idx);
		if (*ctr == mask) {
			if (pmu->has_global)
				pmu->global_status |= BIT_ULL(idx);
			if (cc.pmi)
				pmi |= BIT_ULL(idx);
		}
		*ctr = (*ctr + 1) & mask;
	}
	if (pmi)
		hw_apic__request_pmi(&s->cpu, s->cpu.now, pmi, false);
}

static bool is_counter_msr(u32 msr)
{
	bool is_counter;

	return hw_msr__counter_idx(msr, &is_counter) >= 0 && is_counter;
}

/* The counter (global index) of a counter MSR, or -1. */
static int counter_idx(u32 msr)
{
	bool is_counter;
	int idx = hw_msr__counter_idx(msr, &is_counter);

	return is_counter ? idx : -1;
}

static bool is_fixed(enum kvm_guest_op op, u32 reg)
{
	if (op == KVM_GUEST_RDPMC)
		return (reg >> 16) == RDPMC_TYPE_FIXED;
	return reg >= MSR_CORE_PERF_FIXED_CTR0 && reg < MSR_CORE_PERF_FIXED_CTR0 + INTEL_PMC_MAX_FIXED;
}

static bool is_status_msr(u32 msr)
{
	return msr == MSR_CORE_PERF_GLOBAL_STATUS || msr == MSR_AMD64_PERF_CNTR_GLOBAL_STATUS;
}

/* The counters whose overflow requests a PMI, as the guest set them. */
static u64 pmi_enabled(const struct hw_pmu *pmu)
{
	u64 m = 0;

	for (unsigned int i = 0; i < HW_MAX_GP; i++)
		if ((pmu->present & BIT_ULL(i)) && (pmu->evtsel[i] & EVTSEL_INT))
			m |= BIT_ULL(i);
	for (unsigned int k = 0; k < HW_MAX_FIXED; k++)
		if ((pmu->present & BIT_ULL(HW_FIXED_BASE + k)) &&
		    ((pmu->fixed_ctrl >> (4 * k)) & FIXED_CTRL_PMI))
			m |= BIT_ULL(HW_FIXED_BASE + k);
	return m;
}

/* The emulated vPMU learns of an overflow from the host's PMI for it
 * (kvm_perf_overflow): until the pCPU has taken that NMI, the status bit
 * is not there yet. */
static bool is_late_status(const struct sim_shadow *s, u64 got, u64 want)
{
	return !s->v->pmu.kind->is_mediated && !(got & ~want) && s->v->cpu->apic.nmi_pending;
}

/* The skewed-period rule (shadow.h): the guest wrote counters while KVM's
 * period for them was skewed; their status bits may differ until cleared. */
static void track_skew(struct sim_shadow *s, u32 msr, u64 val)
{
	u64 skewed = kvm_pmu__skewed_periods(&s->v->pmu);
	int idx = counter_idx(msr);

	if (idx >= 0 && (skewed & BIT_ULL(idx)))
		s->skew_window |= BIT_ULL(idx);
	if (msr == MSR_CORE_PERF_GLOBAL_OVF_CTRL || msr == MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR)
		s->skew_window &= ~(val & ~skewed);
}

static void compare(struct sim_shadow *s, const char *what, u32 reg, bool is_counter,
		    u64 got, u64 want)
{
	s->reads++;
	if (got == want)
		return;
	if (is_status_msr(reg) && is_late_status(s, got, want)) {
		s->late_status++;
		return;
	}
	if (is_status_msr(reg) && !((got ^ want) & ~s->skew_window)) {
		s->skewed_status++;
		return;
	}
	if (is_counter)
		diff(s, got > want ? SIM_DIFF_OVER : SIM_DIFF_UNDER,
		     "%s 0x%x read %llu, bare metal %llu (%s%llu)", what, reg,
		     (unsigned long long)got, (unsigned long long)want, got > want ? "+" : "-",
		     (unsigned long long)(got > want ? got - want : want - got));
	else
		diff(s, is_status_msr(reg) ? SIM_DIFF_STATUS : SIM_DIFF_CONFIG,
		     "%s 0x%x read 0x%llx, bare metal 0x%llx", what, reg,
		     (unsigned long long)got, (unsigned long long)want);
}

/*
 * KVM's write rules that bare metal does not share (kvm/pmu.h lists them),
 * as the kernel states them, so that the isolation guest's invalid writes
 * test the rest:
 *  - the P6 and K7 counter and select MSRs of counters the guest does not
 *    have drop a write instead of faulting (kvm_set_msr_common: "case
 *    MSR_P6_PERFCTR0 ... MSR_P6_EVNTSEL1 / MSR_K7_...: if
 *    (!kvm_pmu_is_valid_msr) break");
 *  - an AMD event select keeps only the bits outside 0xfffffff000280000,
 *    HostOnly and GuestOnly among those dropped, and never faults
 *    (amd_pmu_set_msr: data &= ~pmu->reserved_bits);
 *  - Intel's GLOBAL_OVF_CTRL (GLOBAL_STATUS_RESET) takes the counters'
 *    bits, OvfBuf (62) and CondChgd (63) only: the v4 resets of what KVM
 *    does not emulate (ToPA 55, LBR_Frz 58, CTR_Frz 59, ASCI 60, Uncore 61)
 *    fault (intel_pmu_refresh: global_status_rsvd = global_ctrl_rsvd &
 *    ~(OVF_BUF | COND_CHGD)).
 */
static bool is_dropped_legacy(const struct sim_shadow *s, u32 msr)
{
	unsigned int n = s->cpu.pmu.cfg.nr_gp;

	if (s->cpu.pmu.cfg.vendor == HW_VENDOR_AMD)
		return (msr >= MSR_K7_EVNTSEL0 + n && msr < MSR_K7_EVNTSEL0 + 4) ||
		       (msr >= MSR_K7_PERFCTR0 + n && msr < MSR_K7_PERFCTR0 + 4);
	return (msr >= MSR_IA32_PERFCTR0 + n && msr < MSR_IA32_PERFCTR0 + 2) ||
	       (msr >= MSR_P6_EVNTSEL0 + n && msr < MSR_P6_EVNTSEL0 + 2);
}

static bool is_amd_select(const struct sim_shadow *s, u32 msr)
{
	unsigned int n = s->cpu.pmu.cfg.nr_gp;

	return s->cpu.pmu.cfg.vendor == HW_VENDOR_AMD &&
	       ((msr >= MSR_K7_EVNTSEL0 && msr < MSR_K7_EVNTSEL0 + n && n <= 4) ||
		(msr >= MSR_F15H_PERF_CTL0 && msr < MSR_F15H_PERF_CTL0 + 2 * n && !(msr & 1)));
}

static bool is_kvm_refused_reset(const struct sim_shadow *s, u32 msr, u64 val)
{
	return s->cpu.pmu.cfg.vendor == HW_VENDOR_INTEL && msr == MSR_CORE_PERF_GLOBAL_OVF_CTRL &&
	       (val & ~(s->cpu.pmu.present | BIT_ULL(62) | BIT_ULL(63)));
}

#define AMD_KVM_DROPPED_SELECT_BITS 0xfffffff000280000ULL

static void on_write(struct sim_shadow *s, u32 msr, u64 val, bool fault)
{
	enum hw_msr_result r;

	if (fault) {	/* KVM refused it: bare metal must refuse it too */
		if ((hw_pmu_intel_ops.is_msr_modelled(msr) || hw_pmu_amd_ops.is_msr_modelled(msr) ||
		     msr == MSR_X2APIC_LVTPC) && !is_kvm_refused_reset(s, msr, val)) {
			/* probe on a copy of the registers: a write bare metal
			 * accepts changes state the guest never got */
			struct hw_pmu copy = s->cpu.pmu;

			if (copy.ops->wrmsr(&copy, msr, val) == HW_MSR_OK && msr != MSR_X2APIC_LVTPC)
				diff(s, SIM_DIFF_FAULT, "WRMSR 0x%x <- 0x%llx: #GP under KVM, "
				     "accepted on bare metal", msr, (unsigned long long)val);
		}
		return;
	}
	if (is_dropped_legacy(s, msr))
		return;
	if (is_amd_select(s, msr))
		val &= ~AMD_KVM_DROPPED_SELECT_BITS;
	r = hw_cpu__wrmsr(&s->cpu, msr, val);
	/* kvm/pmu.h deviation: fixed-counter writes are masked, not #GP */
	if (r != HW_MSR_OK && msr >= MSR_CORE_PERF_FIXED_CTR0 &&
	    msr < MSR_CORE_PERF_FIXED_CTR0 + INTEL_PMC_MAX_FIXED)
		r = hw_cpu__wrmsr(&s->cpu, msr, val & s->cpu.pmu.fixed_mask);
	if (r != HW_MSR_OK)
		diff(s, SIM_DIFF_FAULT, "WRMSR 0x%x <- 0x%llx: accepted by KVM, #GP on bare metal",
		     msr, (unsigned long long)val);
	track_skew(s, msr, val);
}

static void on_access(void *ctx, enum kvm_guest_op op, u32 reg, u64 val, bool fault)
{
	struct sim_shadow *s = ctx;
	enum hw_msr_result r;
	u64 want = 0;

	s->ops++;
	host_mode(s, 0);
	if (op == KVM_GUEST_WRMSR) {
		on_write(s, reg, val, fault);
		return;
	}
	if (op == KVM_GUEST_RDMSR && reg == MSR_X2APIC_LVTPC)
		return;		/* not compared (shadow.h) */
	r = op == KVM_GUEST_RDPMC ? hw_cpu__rdpmc(&s->cpu, reg, &want) :
				    hw_cpu__rdmsr(&s->cpu, reg, &want);
	if ((r != HW_MSR_OK) != fault) {
		diff(s, SIM_DIFF_FAULT, "%s 0x%x: %s under KVM, %s on bare metal",
		     op == KVM_GUEST_RDPMC ? "RDPMC" : "RDMSR", reg, fault ? "#GP" : "accepted",
		     fault ? "accepted" : "#GP");
		return;
	}
	if (fault)
		return;
	if (op == KVM_GUEST_RDPMC)
		want &= is_fixed(op, reg) ? s->fixed_read_mask : s->gp_read_mask;
	compare(s, op == KVM_GUEST_RDPMC ? "RDPMC" : "RDMSR", reg,
		op == KVM_GUEST_RDPMC || is_counter_msr(reg), val, want);
}

static void on_pmi(void *ctx)
{
	struct sim_shadow *s = ctx;
	u64 a = accepted(s);

	/* bare metal merges close PMIs, a vPMU may deliver them apart: a PMI
	 * is the guest's if bare metal raised one since the last, or still
	 * shows the overflow of a counter with its PMI on */
	if (a == s->accepted_seen && !(s->cpu.pmu.global_status & pmi_enabled(&s->cpu.pmu)))
		diff(s, SIM_DIFF_PMI_SPURIOUS, "the guest took a PMI; bare metal raised none "
		     "since its last one and shows no overflow with PMI");
	s->accepted_seen = a;
}

static const struct kvm_vcpu_observer_ops shadow_ops = {
	.guest_ran = on_ran,
	.guest_access = on_access,
	.emulated_insn = on_emulated,
	.guest_pmi = on_pmi,
};

int sim_shadow__attach(struct sim_shadow *s, struct kvm_vcpu *v, char *err, size_t len)
{
	struct hw_costs costs = v->cpu->costs;
	struct hw_pmu_config cfg = v->pmu.guest;

	memset(s, 0, sizeof(*s));
	s->v = v;
	/* KVM sets CPUID.0AH:EDX[15] with its version cap of 2; the bit only
	 * exists from v5: the guest's AnyThread is reserved either way */
	if (cfg.version < 5)
		cfg.anythread_deprecated = false;
	/* a mediated vPMU passes the hardware counters through: they wrap at
	 * the host's widths whatever the guest's CPUID says (only RDPMC is
	 * intercepted for a width mismatch, research/vpmu-design.md) */
	s->gp_read_mask = mask_of_width(cfg.gp_width);
	s->fixed_read_mask = mask_of_width(cfg.fixed_width);
	if (v->pmu.kind->is_mediated) {
		cfg.gp_width = v->cpu->pmu.cfg.gp_width;
		cfg.fixed_width = v->cpu->pmu.cfg.fixed_width;
	}
	if (hw_cpu__init(&s->cpu, &cfg, &costs, err, len))
		return -1;
	s->cpu.on_irq = shadow_irq;
	s->cpu.irq_ctx = s;
	v->obs = &shadow_ops;
	v->obs_ctx = s;
	return 0;
}

void sim_shadow__finish(struct sim_shadow *s)
{
	if (accepted(s) > s->accepted_seen)
		diff(s, SIM_DIFF_PMI_LOST, "%llu PMI(s) of the guest's on bare metal never "
		     "reached it", (unsigned long long)(accepted(s) - s->accepted_seen));
	s->accepted_seen = accepted(s);
}

/*
 * hw/pmu.h - the PMU of the simulated core: configuration, register state,
 * and the vendor ops table.
 *
 * Counter index spaces (the one glossary; every other file refers here):
 *  - global index: GP counter i is i (0..7), fixed counter k is 32 + k
 *    (HW_FIXED_BASE); bit 48 is PERF_METRICS. This is the bit layout of
 *    IA32_PERF_GLOBAL_CTRL / STATUS on Intel and of PerfCntrGlobalCtl /
 *    Status on AMD (where only GP counters exist), and KVM's pmc->idx.
 *  - MSR address: per vendor, see hw/msr.h (Intel GP counter i has two
 *    aliases, 0xC1+i and 0x4C1+i; AMD core counter i has MSRs 0xC0010200+2i
 *    and 0xC0010201+2i, and for i < 4 the K7 aliases 0xC0010000+i / +4+i).
 *  - RDPMC ECX: Intel ECX[31:16] type (0 GP, 0x4000 fixed, 0x2000
 *    PERF_METRICS) and ECX[15:0] index within the type; AMD ECX = GP index.
 *
 * Invariants: counter values never exceed their width mask; only counters
 * in pmu->present exist; reserved-bit masks are computed once by the
 * vendor's refresh() from the configuration.
 */
#ifndef VPMU__HW_PMU_H
#define VPMU__HW_PMU_H

#include "base/util.h"
#include "hw/events.h"

#define HW_MAX_GP	8
#define HW_MAX_FIXED	4
#define HW_FIXED_BASE	32
#define HW_MAX_IDX	(HW_FIXED_BASE + HW_MAX_FIXED)

enum hw_vendor {
	HW_VENDOR_INTEL,
	HW_VENDOR_AMD,
};

/* What CPUID enumerates: the shape of the PMU. */
struct hw_pmu_config {
	enum hw_vendor vendor;
	u8 version;		/* Intel CPUID.0AH:EAX[7:0]; AMD 1, or 2 with PerfMonV2 */
	u8 nr_gp;
	u8 nr_fixed;		/* Intel CPUID.0AH:EDX[4:0] */
	u32 fixed_mask;		/* Intel v5 CPUID.0AH:ECX */
	u8 gp_width;		/* bits */
	u8 fixed_width;
	u32 unavailable;	/* Intel CPUID.0AH:EBX: bit i = arch event i absent */
	u8 ebx_len;		/* Intel CPUID.0AH:EAX[31:24] */
	bool fw_writes;		/* Intel PERF_CAPABILITIES[13] */
	bool metrics;		/* Intel PERF_CAPABILITIES[15] */
	bool anythread_deprecated;	/* Intel v5 CPUID.0AH:EDX[15] */
	bool amd_core;		/* AMD CPUID 0x80000001:ECX[23] PerfCtrExtCore */
	bool amd_perfmon_v2;	/* AMD CPUID 0x80000022:EAX[0] */
};

/* Are @a and @b the same PMU (every field)? */
static inline bool hw_pmu_config__is_same(const struct hw_pmu_config *a,
					  const struct hw_pmu_config *b)
{
	return a->vendor == b->vendor && a->version == b->version && a->nr_gp == b->nr_gp &&
	       a->nr_fixed == b->nr_fixed && a->fixed_mask == b->fixed_mask &&
	       a->gp_width == b->gp_width && a->fixed_width == b->fixed_width &&
	       a->unavailable == b->unavailable && a->ebx_len == b->ebx_len &&
	       a->fw_writes == b->fw_writes && a->metrics == b->metrics &&
	       a->anythread_deprecated == b->anythread_deprecated &&
	       a->amd_core == b->amd_core && a->amd_perfmon_v2 == b->amd_perfmon_v2;
}

/* How one counter counts right now; filled by ops->counter_setup(). */
struct hw_count_cfg {
	enum hw_event ev;
	u8 cmask;		/* 0: count events; else count cycles with >= cmask */
	bool inv;		/* invert the cmask comparison */
	bool edge;		/* count rising edges of the condition */
	bool pmi;		/* overflow requests a PMI */
};

enum hw_msr_result {
	HW_MSR_OK = 0,
	HW_MSR_GP,		/* the access raises #GP and changes nothing */
};

struct hw_pmu;

struct hw_pmu_ops {
	const char *name;
	/* Check a configuration against the vendor's limits. */
	int (*validate)(const struct hw_pmu_config *cfg, char *err, unsigned long len);
	/* Compute reserved masks and present counters; reset the registers. */
	void (*refresh)(struct hw_pmu *pmu);
	bool (*is_msr_modelled)(u32 msr);
	enum hw_msr_result (*rdmsr)(struct hw_pmu *pmu, u32 msr, u64 *val);
	enum hw_msr_result (*wrmsr)(struct hw_pmu *pmu, u32 msr, u64 val);
	enum hw_msr_result (*rdpmc)(struct hw_pmu *pmu, u32 ecx, u64 *val);
	void (*cpuid)(const struct hw_pmu_config *cfg, u32 leaf, u32 sub, u32 r[4]);
	/* Does counter @idx count in this mode, and how? */
	bool (*counter_setup)(const struct hw_pmu *pmu, unsigned int idx,
			      bool guest, u8 cpl, struct hw_count_cfg *cc);
	/* Side effects of a PMI request on the PMU (freeze-on-PMI). */
	void (*pmi_requested)(struct hw_pmu *pmu);
	bool lvtpc_automask;	/* the APIC masks LVTPC when it accepts a PMI */
};

extern const struct hw_pmu_ops hw_pmu_intel_ops;
extern const struct hw_pmu_ops hw_pmu_amd_ops;

struct hw_pmu {
	const struct hw_pmu_ops *ops;
	struct hw_pmu_config cfg;

	/* Computed by refresh(). */
	u64 present;		/* global indexes of the counters that exist */
	u64 gp_mask;		/* width mask of GP counters */
	u64 fixed_mask;		/* width mask of fixed counters */
	u64 evtsel_rsvd;
	u64 fixed_ctrl_rsvd;
	u64 global_ctrl_rsvd;
	u64 global_status_rsvd;	/* for OVF_CTRL / STATUS_SET / STATUS_CLR writes */
	u64 debugctl_rsvd;
	bool has_global;	/* GLOBAL_CTRL / STATUS exist (Intel v2+, AMD v2) */
	/* Plain registers (set by refresh, read by the host access fast path
	 * of hw/cpu.h): MSR win_ctr_base + (i << win_ctr_shift), i <
	 * win_ctr_n, is GP counter i, and win_sel_base likewise its event
	 * select: a write with no bit outside gp_mask (counter) or in
	 * evtsel_rsvd (select) stores the value as is, as the vendor's wrmsr
	 * does. Fixed counter k (bit k of win_fixed) is
	 * MSR_CORE_PERF_FIXED_CTR0 + k, written alike within fixed_mask.
	 * An RDMSR of any of them returns the register as stored.
	 * RDPMC with ECX < rdpmc_gp_n reads GP counter ECX, with ECX =
	 * RDPMC_TYPE_FIXED << 16 | k (bit k of rdpmc_fixed) fixed counter k.
	 * Other forms of these registers take the vendor's path. */
	u32 win_ctr_base, win_sel_base;
	u32 global_ctrl_msr;	/* GLOBAL_CTRL's MSR (where has_global) */
	u8 win_ctr_n, win_sel_n, win_ctr_shift, win_sel_shift;
	u8 win_fixed, rdpmc_gp_n, rdpmc_fixed;

	/* Registers. */
	u64 gp[HW_MAX_GP];
	u64 evtsel[HW_MAX_GP];
	u64 fixed[HW_MAX_FIXED];
	u64 fixed_ctrl;
	u64 global_ctrl;
	u64 global_status;
	u64 debugctl;
	/* Topdown slots seen by fixed counter 3 since PERF_METRICS was last
	 * cleared, per level-1 category: PERF_METRICS is derived from them. */
	u64 td_slots, td_retiring, td_badspec, td_frontend, td_backend;
	u64 metrics_l2;		/* PERF_METRICS bytes 4-7 as last written */

	/* Ground truth for isolation, kept by whoever virtualizes the PMU:
	 * the counters that hold a guest's state now, and the events they
	 * counted in host mode (a leak: host events in guest-visible state). */
	u64 guest_owned;
	u64 leaked_events;
};

/* Choose the ops by vendor, validate, refresh and reset. */
int hw_pmu__init(struct hw_pmu *pmu, const struct hw_pmu_config *cfg,
		 char *err, unsigned long len);
/* Counter value slot and width mask of a present global index. */
/* (inline: the counting engine asks these for every counter of a piece) */
static inline u64 *hw_pmu__counter(struct hw_pmu *pmu, unsigned int idx)
{
	if (idx >= HW_FIXED_BASE)
		return &pmu->fixed[idx - HW_FIXED_BASE];
	return &pmu->gp[idx];
}

static inline u64 hw_pmu__counter_mask(const struct hw_pmu *pmu, unsigned int idx)
{
	return idx >= HW_FIXED_BASE ? pmu->fixed_mask : pmu->gp_mask;
}

static inline bool hw_pmu__is_fixed_present(const struct hw_pmu_config *cfg, unsigned int k)
{
	/* SDM CPUID.0AH: fixed counter k exists if ECX[k] || EDX[4:0] > k
	 * (the ECX bitmask from version 5). */
	if (cfg->vendor != HW_VENDOR_INTEL || cfg->version < 2 || k >= HW_MAX_FIXED)
		return false;
	if (k < cfg->nr_fixed)
		return true;
	return cfg->version >= 5 && (cfg->fixed_mask & (1U << k));
}
/* PERF_METRICS as hardware would return it now. */
u64 hw_pmu__perf_metrics(const struct hw_pmu *pmu);
void hw_pmu__write_perf_metrics(struct hw_pmu *pmu, u64 val);
/* Architectural event @i (CPUID.0AH:EBX order) is enumerated as available. */
bool hw_pmu__is_arch_event_available(const struct hw_pmu_config *cfg, unsigned int i);
/* Intel architectural event (event, umask) -> ground-truth event. */
enum hw_event hw_pmu__intel_arch_event(u8 event, u8 umask, unsigned int *arch_idx);
/* Fill a configuration with the defaults for a vendor. */
void hw_pmu_config__defaults(struct hw_pmu_config *cfg, enum hw_vendor vendor);
/* The counter (global index) whose counter or event-select MSR @msr is, on
 * either vendor (their MSR blocks do not overlap), or -1; *@is_counter says
 * which of the two. Architectural ranges only: whether this PMU has the
 * counter is the caller's question. */
int hw_msr__counter_idx(u32 msr, bool *is_counter);

#endif /* VPMU__HW_PMU_H */

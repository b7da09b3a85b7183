/*
 * hw/msr.h - addresses and bit fields of the PMU MSRs the core models.
 *
 * Names follow the kernel's msr-index.h / perf_event.h where they exist;
 * values are from research/pmu-arch.md sections 1-3 (Intel SDM Vol. 3B ch. 18
 * and Vol. 4 Table 2-2; AMD facts from Linux's AMD PMU code, since the APM
 * was not available).
 */
#ifndef VPMU__HW_MSR_H
#define VPMU__HW_MSR_H

/* Intel */
#define MSR_IA32_PERFCTR0		0x0c1	/* legacy IA32_PMCi, +i, i < 8 */
#define MSR_IA32_PMC0			0x4c1	/* full-width IA32_A_PMCi, +i */
#define MSR_P6_EVNTSEL0			0x186	/* IA32_PERFEVTSELi, +i */
#define MSR_CORE_PERF_FIXED_CTR0	0x309	/* IA32_FIXED_CTRi, +i */
#define MSR_PERF_METRICS		0x329
#define MSR_IA32_PERF_CAPABILITIES	0x345
#define MSR_CORE_PERF_FIXED_CTR_CTRL	0x38d
#define MSR_CORE_PERF_GLOBAL_STATUS	0x38e
#define MSR_CORE_PERF_GLOBAL_CTRL	0x38f
#define MSR_CORE_PERF_GLOBAL_OVF_CTRL	0x390	/* GLOBAL_STATUS_RESET from v4 */
#define MSR_CORE_PERF_GLOBAL_STATUS_SET	0x391	/* v4 */
#define MSR_CORE_PERF_GLOBAL_INUSE	0x392	/* v4 */
#define MSR_IA32_DEBUGCTLMSR		0x1d9
#define MSR_X2APIC_LVTPC		0x834

#define INTEL_PMC_MAX_GENERIC		8
#define INTEL_PMC_MAX_FIXED		4

/* AMD */
#define MSR_K7_EVNTSEL0			0xc0010000	/* +i, i < 4 */
#define MSR_K7_PERFCTR0			0xc0010004	/* +i, i < 4 */
#define MSR_F15H_PERF_CTL0		0xc0010200	/* +2i, i < 6 */
#define MSR_F15H_PERF_CTR0		0xc0010201	/* +2i, i < 6 */
#define MSR_AMD64_PERF_CNTR_GLOBAL_STATUS	0xc0000300
#define MSR_AMD64_PERF_CNTR_GLOBAL_CTL		0xc0000301
#define MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR	0xc0000302
#define MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET	0xc0000303

#define AMD64_NUM_COUNTERS		4
#define AMD64_NUM_COUNTERS_CORE		6

/* Event select, both vendors (perf_event.h ARCH_PERFMON_EVENTSEL_*) */
#define EVTSEL_EVENT		0x000000ffULL
#define EVTSEL_UMASK		0x0000ff00ULL
#define EVTSEL_USR		(1ULL << 16)
#define EVTSEL_OS		(1ULL << 17)
#define EVTSEL_EDGE		(1ULL << 18)
#define EVTSEL_PIN_CONTROL	(1ULL << 19)
#define EVTSEL_INT		(1ULL << 20)
#define EVTSEL_ANY		(1ULL << 21)
#define EVTSEL_ENABLE		(1ULL << 22)
#define EVTSEL_INV		(1ULL << 23)
#define EVTSEL_CMASK		0xff000000ULL
#define EVTSEL_IN_TX		(1ULL << 32)
#define EVTSEL_IN_TXCP		(1ULL << 33)
#define AMD64_EVTSEL_EVENT_HI	0xf00000000ULL	/* EventSelect[11:8] */
#define AMD64_EVTSEL_GUESTONLY	(1ULL << 40)
#define AMD64_EVTSEL_HOSTONLY	(1ULL << 41)

/* FIXED_CTR_CTRL: a 4-bit field per counter at bits 4i+3:4i */
#define FIXED_CTRL_OS		0x1ULL
#define FIXED_CTRL_USR		0x2ULL
#define FIXED_CTRL_ANY		0x4ULL
#define FIXED_CTRL_PMI		0x8ULL

/* GLOBAL_CTRL / GLOBAL_STATUS bits beyond the counters */
#define GLOBAL_PERF_METRICS_BIT	48
#define GLOBAL_STATUS_LBR_FRZ	(1ULL << 58)
#define GLOBAL_STATUS_CTR_FRZ	(1ULL << 59)
#define GLOBAL_STATUS_UNC_OVF	(1ULL << 61)
#define GLOBAL_STATUS_BUFFER_OVF (1ULL << 62)
#define GLOBAL_STATUS_COND_CHG	(1ULL << 63)
#define GLOBAL_INUSE_PMI	(1ULL << 63)

/* PERF_CAPABILITIES */
#define PERF_CAP_FW_WRITES	(1ULL << 13)
#define PERF_CAP_PERF_METRICS	(1ULL << 15)

/* DEBUGCTL */
#define DEBUGCTL_LBR			(1ULL << 0)
#define DEBUGCTL_BTF			(1ULL << 1)
#define DEBUGCTL_FREEZE_LBRS_ON_PMI	(1ULL << 11)
#define DEBUGCTL_FREEZE_PERFMON_ON_PMI	(1ULL << 12)

/* RDPMC ECX[31:16] types (SDM RDPMC; pmu-arch.md section 1) */
#define RDPMC_TYPE_GP		0x0000
#define RDPMC_TYPE_METRICS	0x2000
#define RDPMC_TYPE_FIXED	0x4000

/* Local APIC LVT performance-counter entry (SDM Vol. 3A 10.5.1) */
#define APIC_LVT_VECTOR		0x000000ffU
#define APIC_LVT_DM_MASK	0x00000700U
#define APIC_LVT_DM_FIXED	0x00000000U
#define APIC_LVT_DM_SMI		0x00000200U
#define APIC_LVT_DM_NMI		0x00000400U
#define APIC_LVT_PENDING	0x00001000U	/* delivery status, read-only */
#define APIC_LVT_MASKED		0x00010000U

#endif /* VPMU__HW_MSR_H */

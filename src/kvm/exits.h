/*
 * kvm/exits.h - VM-exit reasons: one table with the VMX and SVM names and
 * codes the kernel's trace points print (research/exits-costs.md section
 * 1.7), where KVM handles each on each vendor (the irqs-off fastpath, the
 * full path, or userspace; research/vpmu-design.md section 9), whether its
 * handler completes the guest's instruction (kvm_skip_emulated_instruction
 * or the emulator, hence kvm_pmu_instruction_retired), and the profile key
 * of its handler cost.
 */
#ifndef VPMU__KVM_EXITS_H
#define VPMU__KVM_EXITS_H

#include "base/util.h"
#include "hw/pmu.h"

enum kvm_exit_reason {
	EXIT_NMI,		/* VMX EXCEPTION_NMI (0) / SVM nmi (0x61) */
	EXIT_EXTERNAL_INTERRUPT,/* 1 / interrupt (0x60) */
	EXIT_CPUID,		/* 10 / cpuid (0x72) */
	EXIT_HLT,		/* 12 / hlt (0x78) */
	EXIT_RDPMC,		/* 15 / rdpmc (0x6f) */
	EXIT_VMCALL,		/* 18 / hypercall, i.e. VMMCALL (0x81) */
	EXIT_IO,		/* 30 / io (0x7b) */
	EXIT_MSR_READ,		/* 31 / msr (0x7c, info1 0) */
	EXIT_MSR_WRITE,		/* 32 / msr (0x7c, info1 1) */
	EXIT_APIC_WRITE,	/* 56 / avic_unaccelerated_access (0x402) */
	EXIT_EPT_VIOLATION,	/* 48 / npf (0x400) */
	EXIT_EPT_MISCONFIG,	/* 49 / npf (0x400) on an MMIO page */
	EXIT_PREEMPTION_TIMER,	/* 52 / none: SVM has no preemption timer */
	EXIT_MSR_WRITE_TIMER,	/* 32 / msr: a TSC_DEADLINE write (fastpath on both) */
	EXIT_OTHER,		/* any other reason (a replayed trace's); full path */
	EXIT_MSR_WRITE_ICR,	/* 32 / msr: an x2APIC ICR write, an IPI (fastpath on both) */
	EXIT_NR,
};

enum kvm_exit_path {
	PATH_NONE,		/* the vendor has no such exit */
	PATH_FASTPATH,		/* handled in the irqs-off inner loop */
	PATH_FULL,		/* leaves the inner loop, handled in vcpu_run */
	PATH_USERSPACE,		/* KVM_RUN returns to the VMM */
};

struct kvm_exit_info {
	const char *vmx;	/* the VMX name in kvm_exit */
	unsigned int vmx_code;
	const char *svm;	/* the SVM name (NULL: no such exit on SVM) */
	unsigned int svm_code;
	enum kvm_exit_path vmx_path, svm_path;
	bool retires;		/* the handler completes the guest instruction */
	const char *cost_key;	/* the handler cost in the profile's [kvm] section */
};

extern const struct kvm_exit_info kvm_exits[EXIT_NR];

/* By VMX or SVM name (case-insensitive); -1 if unknown. */
int kvm_exit__by_name(const char *name);
/* Where @vendor's KVM handles @r (PATH_NONE: the vendor has no such exit). */
static inline enum kvm_exit_path kvm_exit__path(enum kvm_exit_reason r, enum hw_vendor vendor)
{
	return vendor == HW_VENDOR_AMD ? kvm_exits[r].svm_path : kvm_exits[r].vmx_path;
}
/* The name @vendor's kvm_exit trace point prints for @r (NULL: none). */
const char *kvm_exit__name(enum kvm_exit_reason r, enum hw_vendor vendor);

#endif /* VPMU__KVM_EXITS_H */

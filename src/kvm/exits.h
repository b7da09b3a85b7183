/*
 * kvm/exits.h - VM-exit reasons: one table with the VMX and SVM names the
 * kernel's trace points print (research/exits-costs.md section 1.7), where
 * KVM handles each (the irqs-off fastpath, the full path, or userspace),
 * and its handler cost class.
 */
#ifndef VPMU__KVM_EXITS_H
#define VPMU__KVM_EXITS_H

#include "base/util.h"

enum kvm_exit_reason {
	EXIT_NMI,		/* VMX EXCEPTION_NMI (0) / SVM nmi */
	EXIT_EXTERNAL_INTERRUPT,/* 1 / intr */
	EXIT_CPUID,		/* 10 / cpuid */
	EXIT_HLT,		/* 12 / hlt */
	EXIT_RDPMC,		/* 15 / rdpmc */
	EXIT_VMCALL,		/* 18 / vmmcall */
	EXIT_IO,		/* 30 / io */
	EXIT_MSR_READ,		/* 31 / msr (info1 0) */
	EXIT_MSR_WRITE,		/* 32 / msr (info1 1) */
	EXIT_APIC_WRITE,	/* 56 / avic_unaccelerated_access */
	EXIT_EPT_VIOLATION,	/* 48 / npf */
	EXIT_EPT_MISCONFIG,	/* 49 / npf (MMIO) */
	EXIT_PREEMPTION_TIMER,	/* 52 / - */
	EXIT_MSR_WRITE_TIMER,	/* 32, a TSC_DEADLINE write (fastpath) */
	EXIT_NR,
};

enum kvm_exit_path {
	PATH_FASTPATH,		/* handled in the irqs-off inner loop */
	PATH_FULL,		/* leaves the inner loop, handled in vcpu_run */
	PATH_USERSPACE,		/* KVM_RUN returns to the VMM */
};

struct kvm_exit_info {
	const char *vmx;	/* the VMX name in kvm_exit */
	unsigned int vmx_code;
	const char *svm;	/* the SVM name */
	enum kvm_exit_path path;
	const char *cost_key;	/* the handler cost in the profile's [kvm] section */
};

extern const struct kvm_exit_info kvm_exits[EXIT_NR];

/* By VMX or SVM name (case-insensitive); -1 if unknown. */
int kvm_exit__by_name(const char *name);

#endif /* VPMU__KVM_EXITS_H */

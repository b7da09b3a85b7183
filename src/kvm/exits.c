/*
 * kvm/exits.c - the exit reason table. The fastpath set is VMX's since
 * v6.18 (research/exits-costs.md section 0): TSC_DEADLINE / x2APIC ICR
 * writes, the preemption timer, HLT, INVD; here HLT is taken as a full exit
 * since a halted vCPU blocks. I/O and MMIO (EPT misconfig) go to the VMM.
 */
#include <strings.h>

#include "kvm/exits.h"

const struct kvm_exit_info kvm_exits[EXIT_NR] = {
	[EXIT_NMI]		= { "EXCEPTION_NMI", 0, "nmi", PATH_FULL, "exit_nmi" },
	[EXIT_EXTERNAL_INTERRUPT] = { "EXTERNAL_INTERRUPT", 1, "interrupt", PATH_FULL, "exit_irq" },
	[EXIT_CPUID]		= { "CPUID", 10, "cpuid", PATH_FULL, "exit_cpuid" },
	[EXIT_HLT]		= { "HLT", 12, "hlt", PATH_FULL, "exit_hlt" },
	[EXIT_RDPMC]		= { "RDPMC", 15, "rdpmc", PATH_FULL, "exit_rdpmc" },
	[EXIT_VMCALL]		= { "VMCALL", 18, "vmmcall", PATH_FULL, "exit_vmcall" },
	[EXIT_IO]		= { "IO_INSTRUCTION", 30, "io", PATH_USERSPACE, "exit_io" },
	[EXIT_MSR_READ]		= { "MSR_READ", 31, "msr", PATH_FULL, "exit_msr" },
	[EXIT_MSR_WRITE]	= { "MSR_WRITE", 32, "msr", PATH_FULL, "exit_msr" },
	[EXIT_APIC_WRITE]	= { "APIC_WRITE", 56, "avic_unaccelerated_access", PATH_FULL,
				    "exit_apic" },
	[EXIT_EPT_VIOLATION]	= { "EPT_VIOLATION", 48, "npf", PATH_FULL, "exit_ept" },
	[EXIT_EPT_MISCONFIG]	= { "EPT_MISCONFIG", 49, "npf", PATH_USERSPACE, "exit_mmio" },
	[EXIT_PREEMPTION_TIMER]	= { "PREEMPTION_TIMER", 52, "vintr", PATH_FASTPATH,
				    "exit_fastpath" },
	[EXIT_MSR_WRITE_TIMER]	= { "MSR_WRITE", 32, "msr", PATH_FASTPATH, "exit_fastpath" },
};

int kvm_exit__by_name(const char *name)
{
	for (int i = 0; i < EXIT_NR; i++)
		if (!strcasecmp(name, kvm_exits[i].vmx) || !strcasecmp(name, kvm_exits[i].svm))
			return i;
	return -1;
}

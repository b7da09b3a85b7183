/*
 * kvm/exits.c - the exit reason table (see exits.h).
 *
 * Fastpath sets (research/vpmu-design.md section 9): VMX handles TSC_DEADLINE
 * and x2APIC ICR writes, the preemption timer, HLT and INVD in the irqs-off
 * loop; SVM (svm_exit_handlers_fastpath) the same MSR writes, HLT and INVD,
 * and has no preemption timer: a guest's TSC deadline is a host hrtimer whose
 * interrupt is an `interrupt` exit on the full path. HLT's fastpath
 * handler (handle_fastpath_hlt) emulates it and re-enters when an event is
 * pending (kvm_vcpu_running), else leaves the loop handled
 * (EXIT_FASTPATH_EXIT_HANDLED) for the vCPU to block (kvm/vcpu.c). I/O and
 * MMIO (EPT misconfig, or an SVM npf on an MMIO page) go to the VMM.
 *
 * `retires`: the exits whose handler ends in kvm_skip_emulated_instruction()
 * or a completed emulation (x86_emulate_instruction), both of which call
 * kvm_pmu_instruction_retired(); interrupts, NMIs, the preemption timer,
 * EPT violations (the faulting instruction runs again) and trap-like APIC
 * writes (the instruction already retired in guest mode) do not.
 */
#include <strings.h>

#include "kvm/exits.h"

const struct kvm_exit_info kvm_exits[EXIT_NR] = {
	[EXIT_NMI]		= { "EXCEPTION_NMI", 0, "nmi", 0x61, PATH_FULL, PATH_FULL,
				    false, "exit_nmi" },
	[EXIT_EXTERNAL_INTERRUPT] = { "EXTERNAL_INTERRUPT", 1, "interrupt", 0x60, PATH_FULL,
				    PATH_FULL, false, "exit_irq" },
	[EXIT_CPUID]		= { "CPUID", 10, "cpuid", 0x72, PATH_FULL, PATH_FULL, true,
				    "exit_cpuid" },
	[EXIT_HLT]		= { "HLT", 12, "hlt", 0x78, PATH_FASTPATH, PATH_FASTPATH, true,
				    "exit_hlt" },
	[EXIT_RDPMC]		= { "RDPMC", 15, "rdpmc", 0x6f, PATH_FULL, PATH_FULL, true,
				    "exit_rdpmc" },
	[EXIT_VMCALL]		= { "VMCALL", 18, "hypercall", 0x81, PATH_FULL, PATH_FULL, true,
				    "exit_vmcall" },
	[EXIT_IO]		= { "IO_INSTRUCTION", 30, "io", 0x7b, PATH_USERSPACE,
				    PATH_USERSPACE, true, "exit_io" },
	[EXIT_MSR_READ]		= { "MSR_READ", 31, "msr", 0x7c, PATH_FULL, PATH_FULL, true,
				    "exit_msr" },
	[EXIT_MSR_WRITE]	= { "MSR_WRITE", 32, "msr", 0x7c, PATH_FULL, PATH_FULL, true,
				    "exit_msr" },
	[EXIT_APIC_WRITE]	= { "APIC_WRITE", 56, "avic_unaccelerated_access", 0x402,
				    PATH_FULL, PATH_FULL, false, "exit_apic" },
	[EXIT_EPT_VIOLATION]	= { "EPT_VIOLATION", 48, "npf", 0x400, PATH_FULL, PATH_FULL,
				    false, "exit_ept" },
	[EXIT_EPT_MISCONFIG]	= { "EPT_MISCONFIG", 49, "npf", 0x400, PATH_USERSPACE,
				    PATH_USERSPACE, true, "exit_mmio" },
	[EXIT_PREEMPTION_TIMER]	= { "PREEMPTION_TIMER", 52, NULL, 0, PATH_FASTPATH, PATH_NONE,
				    false, "exit_fastpath" },
	[EXIT_MSR_WRITE_TIMER]	= { "MSR_WRITE", 32, "msr", 0x7c, PATH_FASTPATH, PATH_FASTPATH,
				    true, "exit_fastpath" },
	[EXIT_OTHER]		= { "OTHER", 0xffff, "other", 0xffff, PATH_FULL, PATH_FULL, false,
				    "exit_other" },
	/* handle_fastpath_set_msr_irqoff takes x2APIC ICR writes on both
	 * vendors (handle_fastpath_set_x2apic_icr_irqoff), as it does the
	 * TSC deadline; its cost is the same fastpath handler's */
	[EXIT_MSR_WRITE_ICR]	= { "MSR_WRITE", 32, "msr", 0x7c, PATH_FASTPATH, PATH_FASTPATH,
				    true, "exit_fastpath" },
};

int kvm_exit__by_name(const char *name)
{
	for (int i = 0; i < EXIT_NR; i++)
		if (!strcasecmp(name, kvm_exits[i].vmx) ||
		    (kvm_exits[i].svm && !strcasecmp(name, kvm_exits[i].svm)))
			return i;
	return -1;
}

const char *kvm_exit__name(enum kvm_exit_reason r, enum hw_vendor vendor)
{
	return vendor == HW_VENDOR_AMD ? kvm_exits[r].svm : kvm_exits[r].vmx;
}

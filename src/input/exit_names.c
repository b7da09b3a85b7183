/*
 * input/exit_names.c - see exit_names.h. The VMX rows are the kernel's
 * VMX_EXIT_REASONS (uapi vmx.h, about v6.14, plus 84/85 MSR_*_IMM from
 * mainline and the pre-5.5 spelling PENDING_INTERRUPT of 7, which
 * kvmexits.bt still uses). The SVM rows carry the kernel's lowercase names
 * (uapi svm.h SVM_EXIT_REASONS) and, as separate rows, the EXIT_* names of
 * libtraceevent's plugin_kvm.c, which trace-cmd and perf print when the
 * plugin is loaded. Code 6 (OTHER_SMI) is not in the kernel's table; it is
 * kept so that a numeric 6 is named.
 *
 * The model has its own handlers for 13 reasons (kvm/exits.h); every other
 * reason is "other" and keeps its name in every report.
 */
#include <string.h>

#include "input/exit_names.h"
#include "kvm/exits.h"

static const struct exit_name table[] = {
	{ "EXCEPTION_NMI", TRACE_ISA_VMX, 0, EXIT_NMI, false },
	{ "EXTERNAL_INTERRUPT", TRACE_ISA_VMX, 1, EXIT_EXTERNAL_INTERRUPT, false },
	{ "TRIPLE_FAULT", TRACE_ISA_VMX, 2, EXIT_NAME_OTHER, false },
	{ "INIT_SIGNAL", TRACE_ISA_VMX, 3, EXIT_NAME_OTHER, false },
	{ "SIPI_SIGNAL", TRACE_ISA_VMX, 4, EXIT_NAME_OTHER, false },
	{ "OTHER_SMI", TRACE_ISA_VMX, 6, EXIT_NAME_OTHER, false },
	{ "INTERRUPT_WINDOW", TRACE_ISA_VMX, 7, EXIT_NAME_OTHER, false },
	{ "PENDING_INTERRUPT", TRACE_ISA_VMX, 7, EXIT_NAME_OTHER, false },
	{ "NMI_WINDOW", TRACE_ISA_VMX, 8, EXIT_NAME_OTHER, false },
	{ "TASK_SWITCH", TRACE_ISA_VMX, 9, EXIT_NAME_OTHER, false },
	{ "CPUID", TRACE_ISA_VMX, 10, EXIT_CPUID, false },
	{ "HLT", TRACE_ISA_VMX, 12, EXIT_HLT, false },
	{ "INVD", TRACE_ISA_VMX, 13, EXIT_NAME_OTHER, false },
	{ "INVLPG", TRACE_ISA_VMX, 14, EXIT_NAME_OTHER, false },
	{ "RDPMC", TRACE_ISA_VMX, 15, EXIT_RDPMC, false },
	{ "RDTSC", TRACE_ISA_VMX, 16, EXIT_NAME_OTHER, false },
	{ "VMCALL", TRACE_ISA_VMX, 18, EXIT_VMCALL, false },
	{ "VMCLEAR", TRACE_ISA_VMX, 19, EXIT_NAME_OTHER, false },
	{ "VMLAUNCH", TRACE_ISA_VMX, 20, EXIT_NAME_OTHER, false },
	{ "VMPTRLD", TRACE_ISA_VMX, 21, EXIT_NAME_OTHER, false },
	{ "VMPTRST", TRACE_ISA_VMX, 22, EXIT_NAME_OTHER, false },
	{ "VMREAD", TRACE_ISA_VMX, 23, EXIT_NAME_OTHER, false },
	{ "VMRESUME", TRACE_ISA_VMX, 24, EXIT_NAME_OTHER, false },
	{ "VMWRITE", TRACE_ISA_VMX, 25, EXIT_NAME_OTHER, false },
	{ "VMOFF", TRACE_ISA_VMX, 26, EXIT_NAME_OTHER, false },
	{ "VMON", TRACE_ISA_VMX, 27, EXIT_NAME_OTHER, false },
	{ "CR_ACCESS", TRACE_ISA_VMX, 28, EXIT_NAME_OTHER, false },
	{ "DR_ACCESS", TRACE_ISA_VMX, 29, EXIT_NAME_OTHER, false },
	{ "IO_INSTRUCTION", TRACE_ISA_VMX, 30, EXIT_IO, false },
	{ "MSR_READ", TRACE_ISA_VMX, 31, EXIT_MSR_READ, false },
	{ "MSR_WRITE", TRACE_ISA_VMX, 32, EXIT_MSR_WRITE, false },
	{ "INVALID_STATE", TRACE_ISA_VMX, 33, EXIT_NAME_OTHER, false },
	{ "MSR_LOAD_FAIL", TRACE_ISA_VMX, 34, EXIT_NAME_OTHER, false },
	{ "MWAIT_INSTRUCTION", TRACE_ISA_VMX, 36, EXIT_NAME_OTHER, false },
	{ "MONITOR_TRAP_FLAG", TRACE_ISA_VMX, 37, EXIT_NAME_OTHER, false },
	{ "MONITOR_INSTRUCTION", TRACE_ISA_VMX, 39, EXIT_NAME_OTHER, false },
	{ "PAUSE_INSTRUCTION", TRACE_ISA_VMX, 40, EXIT_NAME_OTHER, false },
	{ "MCE_DURING_VMENTRY", TRACE_ISA_VMX, 41, EXIT_NAME_OTHER, false },
	{ "TPR_BELOW_THRESHOLD", TRACE_ISA_VMX, 43, EXIT_NAME_OTHER, false },
	{ "APIC_ACCESS", TRACE_ISA_VMX, 44, EXIT_NAME_OTHER, false },
	{ "EOI_INDUCED", TRACE_ISA_VMX, 45, EXIT_NAME_OTHER, false },
	{ "GDTR_IDTR", TRACE_ISA_VMX, 46, EXIT_NAME_OTHER, false },
	{ "LDTR_TR", TRACE_ISA_VMX, 47, EXIT_NAME_OTHER, false },
	{ "EPT_VIOLATION", TRACE_ISA_VMX, 48, EXIT_EPT_VIOLATION, false },
	{ "EPT_MISCONFIG", TRACE_ISA_VMX, 49, EXIT_EPT_MISCONFIG, false },
	{ "INVEPT", TRACE_ISA_VMX, 50, EXIT_NAME_OTHER, false },
	{ "RDTSCP", TRACE_ISA_VMX, 51, EXIT_NAME_OTHER, false },
	{ "PREEMPTION_TIMER", TRACE_ISA_VMX, 52, EXIT_PREEMPTION_TIMER, false },
	{ "INVVPID", TRACE_ISA_VMX, 53, EXIT_NAME_OTHER, false },
	{ "WBINVD", TRACE_ISA_VMX, 54, EXIT_NAME_OTHER, false },
	{ "XSETBV", TRACE_ISA_VMX, 55, EXIT_NAME_OTHER, false },
	{ "APIC_WRITE", TRACE_ISA_VMX, 56, EXIT_APIC_WRITE, false },
	{ "RDRAND", TRACE_ISA_VMX, 57, EXIT_NAME_OTHER, false },
	{ "INVPCID", TRACE_ISA_VMX, 58, EXIT_NAME_OTHER, false },
	{ "VMFUNC", TRACE_ISA_VMX, 59, EXIT_NAME_OTHER, false },
	{ "ENCLS", TRACE_ISA_VMX, 60, EXIT_NAME_OTHER, false },
	{ "RDSEED", TRACE_ISA_VMX, 61, EXIT_NAME_OTHER, false },
	{ "PML_FULL", TRACE_ISA_VMX, 62, EXIT_NAME_OTHER, false },
	{ "XSAVES", TRACE_ISA_VMX, 63, EXIT_NAME_OTHER, false },
	{ "XRSTORS", TRACE_ISA_VMX, 64, EXIT_NAME_OTHER, false },
	{ "UMWAIT", TRACE_ISA_VMX, 67, EXIT_NAME_OTHER, false },
	{ "TPAUSE", TRACE_ISA_VMX, 68, EXIT_NAME_OTHER, false },
	{ "BUS_LOCK", TRACE_ISA_VMX, 74, EXIT_NAME_OTHER, false },
	{ "NOTIFY", TRACE_ISA_VMX, 75, EXIT_NAME_OTHER, false },
	{ "TDCALL", TRACE_ISA_VMX, 77, EXIT_NAME_OTHER, false },
	{ "MSR_READ_IMM", TRACE_ISA_VMX, 84, EXIT_MSR_READ, false },
	{ "MSR_WRITE_IMM", TRACE_ISA_VMX, 85, EXIT_MSR_WRITE, false },
	{ "read_cr0", TRACE_ISA_SVM, 0x000, EXIT_NAME_OTHER, false },
	{ "EXIT_READ_CR0", TRACE_ISA_SVM, 0x000, EXIT_NAME_OTHER, true },
	{ "read_cr3", TRACE_ISA_SVM, 0x003, EXIT_NAME_OTHER, false },
	{ "EXIT_READ_CR3", TRACE_ISA_SVM, 0x003, EXIT_NAME_OTHER, true },
	{ "read_cr4", TRACE_ISA_SVM, 0x004, EXIT_NAME_OTHER, false },
	{ "EXIT_READ_CR4", TRACE_ISA_SVM, 0x004, EXIT_NAME_OTHER, true },
	{ "read_cr8", TRACE_ISA_SVM, 0x008, EXIT_NAME_OTHER, false },
	{ "EXIT_READ_CR8", TRACE_ISA_SVM, 0x008, EXIT_NAME_OTHER, true },
	{ "write_cr0", TRACE_ISA_SVM, 0x010, EXIT_NAME_OTHER, false },
	{ "EXIT_WRITE_CR0", TRACE_ISA_SVM, 0x010, EXIT_NAME_OTHER, true },
	{ "write_cr3", TRACE_ISA_SVM, 0x013, EXIT_NAME_OTHER, false },
	{ "EXIT_WRITE_CR3", TRACE_ISA_SVM, 0x013, EXIT_NAME_OTHER, true },
	{ "write_cr4", TRACE_ISA_SVM, 0x014, EXIT_NAME_OTHER, false },
	{ "EXIT_WRITE_CR4", TRACE_ISA_SVM, 0x014, EXIT_NAME_OTHER, true },
	{ "write_cr8", TRACE_ISA_SVM, 0x018, EXIT_NAME_OTHER, false },
	{ "EXIT_WRITE_CR8", TRACE_ISA_SVM, 0x018, EXIT_NAME_OTHER, true },
	{ "read_dr0", TRACE_ISA_SVM, 0x020, EXIT_NAME_OTHER, false },
	{ "EXIT_READ_DR0", TRACE_ISA_SVM, 0x020, EXIT_NAME_OTHER, true },
	{ "read_dr1", TRACE_ISA_SVM, 0x021, EXIT_NAME_OTHER, false },
	{ "EXIT_READ_DR1", TRACE_ISA_SVM, 0x021, EXIT_NAME_OTHER, true },
	{ "read_dr2", TRACE_ISA_SVM, 0x022, EXIT_NAME_OTHER, false },
	{ "EXIT_READ_DR2", TRACE_ISA_SVM, 0x022, EXIT_NAME_OTHER, true },
	{ "read_dr3", TRACE_ISA_SVM, 0x023, EXIT_NAME_OTHER, false },
	{ "EXIT_READ_DR3", TRACE_ISA_SVM, 0x023, EXIT_NAME_OTHER, true },
	{ "read_dr4", TRACE_ISA_SVM, 0x024, EXIT_NAME_OTHER, false },
	{ "EXIT_READ_DR4", TRACE_ISA_SVM, 0x024, EXIT_NAME_OTHER, true },
	{ "read_dr5", TRACE_ISA_SVM, 0x025, EXIT_NAME_OTHER, false },
	{ "EXIT_READ_DR5", TRACE_ISA_SVM, 0x025, EXIT_NAME_OTHER, true },
	{ "read_dr6", TRACE_ISA_SVM, 0x026, EXIT_NAME_OTHER, false },
	{ "EXIT_READ_DR6", TRACE_ISA_SVM, 0x026, EXIT_NAME_OTHER, true },
	{ "read_dr7", TRACE_ISA_SVM, 0x027, EXIT_NAME_OTHER, false },
	{ "EXIT_READ_DR7", TRACE_ISA_SVM, 0x027, EXIT_NAME_OTHER, true },
	{ "write_dr0", TRACE_ISA_SVM, 0x030, EXIT_NAME_OTHER, false },
	{ "EXIT_WRITE_DR0", TRACE_ISA_SVM, 0x030, EXIT_NAME_OTHER, true },
	{ "write_dr1", TRACE_ISA_SVM, 0x031, EXIT_NAME_OTHER, false },
	{ "EXIT_WRITE_DR1", TRACE_ISA_SVM, 0x031, EXIT_NAME_OTHER, true },
	{ "write_dr2", TRACE_ISA_SVM, 0x032, EXIT_NAME_OTHER, false },
	{ "EXIT_WRITE_DR2", TRACE_ISA_SVM, 0x032, EXIT_NAME_OTHER, true },
	{ "write_dr3", TRACE_ISA_SVM, 0x033, EXIT_NAME_OTHER, false },
	{ "EXIT_WRITE_DR3", TRACE_ISA_SVM, 0x033, EXIT_NAME_OTHER, true },
	{ "write_dr4", TRACE_ISA_SVM, 0x034, EXIT_NAME_OTHER, false },
	{ "EXIT_WRITE_DR4", TRACE_ISA_SVM, 0x034, EXIT_NAME_OTHER, true },
	{ "write_dr5", TRACE_ISA_SVM, 0x035, EXIT_NAME_OTHER, false },
	{ "EXIT_WRITE_DR5", TRACE_ISA_SVM, 0x035, EXIT_NAME_OTHER, true },
	{ "write_dr6", TRACE_ISA_SVM, 0x036, EXIT_NAME_OTHER, false },
	{ "EXIT_WRITE_DR6", TRACE_ISA_SVM, 0x036, EXIT_NAME_OTHER, true },
	{ "write_dr7", TRACE_ISA_SVM, 0x037, EXIT_NAME_OTHER, false },
	{ "EXIT_WRITE_DR7", TRACE_ISA_SVM, 0x037, EXIT_NAME_OTHER, true },
	{ "DE excp", TRACE_ISA_SVM, 0x040, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_DE", TRACE_ISA_SVM, 0x040, EXIT_NAME_OTHER, true },
	{ "DB excp", TRACE_ISA_SVM, 0x041, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_DB", TRACE_ISA_SVM, 0x041, EXIT_NAME_OTHER, true },
	{ "BP excp", TRACE_ISA_SVM, 0x043, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_BP", TRACE_ISA_SVM, 0x043, EXIT_NAME_OTHER, true },
	{ "OF excp", TRACE_ISA_SVM, 0x044, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_OF", TRACE_ISA_SVM, 0x044, EXIT_NAME_OTHER, true },
	{ "BR excp", TRACE_ISA_SVM, 0x045, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_BR", TRACE_ISA_SVM, 0x045, EXIT_NAME_OTHER, true },
	{ "UD excp", TRACE_ISA_SVM, 0x046, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_UD", TRACE_ISA_SVM, 0x046, EXIT_NAME_OTHER, true },
	{ "NM excp", TRACE_ISA_SVM, 0x047, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_NM", TRACE_ISA_SVM, 0x047, EXIT_NAME_OTHER, true },
	{ "DF excp", TRACE_ISA_SVM, 0x048, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_DF", TRACE_ISA_SVM, 0x048, EXIT_NAME_OTHER, true },
	{ "TS excp", TRACE_ISA_SVM, 0x04a, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_TS", TRACE_ISA_SVM, 0x04a, EXIT_NAME_OTHER, true },
	{ "NP excp", TRACE_ISA_SVM, 0x04b, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_NP", TRACE_ISA_SVM, 0x04b, EXIT_NAME_OTHER, true },
	{ "SS excp", TRACE_ISA_SVM, 0x04c, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_SS", TRACE_ISA_SVM, 0x04c, EXIT_NAME_OTHER, true },
	{ "GP excp", TRACE_ISA_SVM, 0x04d, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_GP", TRACE_ISA_SVM, 0x04d, EXIT_NAME_OTHER, true },
	{ "PF excp", TRACE_ISA_SVM, 0x04e, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_PF", TRACE_ISA_SVM, 0x04e, EXIT_NAME_OTHER, true },
	{ "MF excp", TRACE_ISA_SVM, 0x050, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_MF", TRACE_ISA_SVM, 0x050, EXIT_NAME_OTHER, true },
	{ "AC excp", TRACE_ISA_SVM, 0x051, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_AC", TRACE_ISA_SVM, 0x051, EXIT_NAME_OTHER, true },
	{ "MC excp", TRACE_ISA_SVM, 0x052, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_MC", TRACE_ISA_SVM, 0x052, EXIT_NAME_OTHER, true },
	{ "XF excp", TRACE_ISA_SVM, 0x053, EXIT_NAME_OTHER, false },
	{ "EXIT_EXCP_XF", TRACE_ISA_SVM, 0x053, EXIT_NAME_OTHER, true },
	{ "interrupt", TRACE_ISA_SVM, 0x060, EXIT_EXTERNAL_INTERRUPT, false },
	{ "EXIT_INTR", TRACE_ISA_SVM, 0x060, EXIT_EXTERNAL_INTERRUPT, true },
	{ "nmi", TRACE_ISA_SVM, 0x061, EXIT_NMI, false },
	{ "EXIT_NMI", TRACE_ISA_SVM, 0x061, EXIT_NMI, true },
	{ "smi", TRACE_ISA_SVM, 0x062, EXIT_NAME_OTHER, false },
	{ "EXIT_SMI", TRACE_ISA_SVM, 0x062, EXIT_NAME_OTHER, true },
	{ "init", TRACE_ISA_SVM, 0x063, EXIT_NAME_OTHER, false },
	{ "EXIT_INIT", TRACE_ISA_SVM, 0x063, EXIT_NAME_OTHER, true },
	{ "vintr", TRACE_ISA_SVM, 0x064, EXIT_NAME_OTHER, false },
	{ "EXIT_VINTR", TRACE_ISA_SVM, 0x064, EXIT_NAME_OTHER, true },
	{ "cr0_sel_write", TRACE_ISA_SVM, 0x065, EXIT_NAME_OTHER, false },
	{ "EXIT_CR0_SEL_WRITE", TRACE_ISA_SVM, 0x065, EXIT_NAME_OTHER, true },
	{ "read_idtr", TRACE_ISA_SVM, 0x066, EXIT_NAME_OTHER, false },
	{ "EXIT_IDTR_READ", TRACE_ISA_SVM, 0x066, EXIT_NAME_OTHER, true },
	{ "read_gdtr", TRACE_ISA_SVM, 0x067, EXIT_NAME_OTHER, false },
	{ "EXIT_GDTR_READ", TRACE_ISA_SVM, 0x067, EXIT_NAME_OTHER, true },
	{ "read_ldtr", TRACE_ISA_SVM, 0x068, EXIT_NAME_OTHER, false },
	{ "EXIT_LDTR_READ", TRACE_ISA_SVM, 0x068, EXIT_NAME_OTHER, true },
	{ "read_rt", TRACE_ISA_SVM, 0x069, EXIT_NAME_OTHER, false },
	{ "EXIT_TR_READ", TRACE_ISA_SVM, 0x069, EXIT_NAME_OTHER, true },
	{ "write_idtr", TRACE_ISA_SVM, 0x06a, EXIT_NAME_OTHER, false },
	{ "EXIT_IDTR_WRITE", TRACE_ISA_SVM, 0x06a, EXIT_NAME_OTHER, true },
	{ "write_gdtr", TRACE_ISA_SVM, 0x06b, EXIT_NAME_OTHER, false },
	{ "EXIT_GDTR_WRITE", TRACE_ISA_SVM, 0x06b, EXIT_NAME_OTHER, true },
	{ "write_ldtr", TRACE_ISA_SVM, 0x06c, EXIT_NAME_OTHER, false },
	{ "EXIT_LDTR_WRITE", TRACE_ISA_SVM, 0x06c, EXIT_NAME_OTHER, true },
	{ "write_rt", TRACE_ISA_SVM, 0x06d, EXIT_NAME_OTHER, false },
	{ "EXIT_TR_WRITE", TRACE_ISA_SVM, 0x06d, EXIT_NAME_OTHER, true },
	{ "rdtsc", TRACE_ISA_SVM, 0x06e, EXIT_NAME_OTHER, false },
	{ "EXIT_RDTSC", TRACE_ISA_SVM, 0x06e, EXIT_NAME_OTHER, true },
	{ "rdpmc", TRACE_ISA_SVM, 0x06f, EXIT_RDPMC, false },
	{ "EXIT_RDPMC", TRACE_ISA_SVM, 0x06f, EXIT_RDPMC, true },
	{ "pushf", TRACE_ISA_SVM, 0x070, EXIT_NAME_OTHER, false },
	{ "EXIT_PUSHF", TRACE_ISA_SVM, 0x070, EXIT_NAME_OTHER, true },
	{ "popf", TRACE_ISA_SVM, 0x071, EXIT_NAME_OTHER, false },
	{ "EXIT_POPF", TRACE_ISA_SVM, 0x071, EXIT_NAME_OTHER, true },
	{ "cpuid", TRACE_ISA_SVM, 0x072, EXIT_CPUID, false },
	{ "EXIT_CPUID", TRACE_ISA_SVM, 0x072, EXIT_CPUID, true },
	{ "rsm", TRACE_ISA_SVM, 0x073, EXIT_NAME_OTHER, false },
	{ "EXIT_RSM", TRACE_ISA_SVM, 0x073, EXIT_NAME_OTHER, true },
	{ "iret", TRACE_ISA_SVM, 0x074, EXIT_NAME_OTHER, false },
	{ "EXIT_IRET", TRACE_ISA_SVM, 0x074, EXIT_NAME_OTHER, true },
	{ "swint", TRACE_ISA_SVM, 0x075, EXIT_NAME_OTHER, false },
	{ "EXIT_SWINT", TRACE_ISA_SVM, 0x075, EXIT_NAME_OTHER, true },
	{ "invd", TRACE_ISA_SVM, 0x076, EXIT_NAME_OTHER, false },
	{ "EXIT_INVD", TRACE_ISA_SVM, 0x076, EXIT_NAME_OTHER, true },
	{ "pause", TRACE_ISA_SVM, 0x077, EXIT_NAME_OTHER, false },
	{ "EXIT_PAUSE", TRACE_ISA_SVM, 0x077, EXIT_NAME_OTHER, true },
	{ "hlt", TRACE_ISA_SVM, 0x078, EXIT_HLT, false },
	{ "EXIT_HLT", TRACE_ISA_SVM, 0x078, EXIT_HLT, true },
	{ "invlpg", TRACE_ISA_SVM, 0x079, EXIT_NAME_OTHER, false },
	{ "EXIT_INVLPG", TRACE_ISA_SVM, 0x079, EXIT_NAME_OTHER, true },
	{ "invlpga", TRACE_ISA_SVM, 0x07a, EXIT_NAME_OTHER, false },
	{ "EXIT_INVLPGA", TRACE_ISA_SVM, 0x07a, EXIT_NAME_OTHER, true },
	{ "io", TRACE_ISA_SVM, 0x07b, EXIT_IO, false },
	{ "EXIT_IOIO", TRACE_ISA_SVM, 0x07b, EXIT_IO, true },
	{ "msr", TRACE_ISA_SVM, 0x07c, EXIT_MSR_READ, false },
	{ "EXIT_MSR", TRACE_ISA_SVM, 0x07c, EXIT_MSR_READ, true },
	{ "task_switch", TRACE_ISA_SVM, 0x07d, EXIT_NAME_OTHER, false },
	{ "EXIT_TASK_SWITCH", TRACE_ISA_SVM, 0x07d, EXIT_NAME_OTHER, true },
	{ "ferr_freeze", TRACE_ISA_SVM, 0x07e, EXIT_NAME_OTHER, false },
	{ "EXIT_FERR_FREEZE", TRACE_ISA_SVM, 0x07e, EXIT_NAME_OTHER, true },
	{ "shutdown", TRACE_ISA_SVM, 0x07f, EXIT_NAME_OTHER, false },
	{ "EXIT_SHUTDOWN", TRACE_ISA_SVM, 0x07f, EXIT_NAME_OTHER, true },
	{ "vmrun", TRACE_ISA_SVM, 0x080, EXIT_NAME_OTHER, false },
	{ "EXIT_VMRUN", TRACE_ISA_SVM, 0x080, EXIT_NAME_OTHER, true },
	{ "hypercall", TRACE_ISA_SVM, 0x081, EXIT_VMCALL, false },
	{ "EXIT_VMMCALL", TRACE_ISA_SVM, 0x081, EXIT_VMCALL, true },
	{ "vmload", TRACE_ISA_SVM, 0x082, EXIT_NAME_OTHER, false },
	{ "EXIT_VMLOAD", TRACE_ISA_SVM, 0x082, EXIT_NAME_OTHER, true },
	{ "vmsave", TRACE_ISA_SVM, 0x083, EXIT_NAME_OTHER, false },
	{ "EXIT_VMSAVE", TRACE_ISA_SVM, 0x083, EXIT_NAME_OTHER, true },
	{ "stgi", TRACE_ISA_SVM, 0x084, EXIT_NAME_OTHER, false },
	{ "EXIT_STGI", TRACE_ISA_SVM, 0x084, EXIT_NAME_OTHER, true },
	{ "clgi", TRACE_ISA_SVM, 0x085, EXIT_NAME_OTHER, false },
	{ "EXIT_CLGI", TRACE_ISA_SVM, 0x085, EXIT_NAME_OTHER, true },
	{ "skinit", TRACE_ISA_SVM, 0x086, EXIT_NAME_OTHER, false },
	{ "EXIT_SKINIT", TRACE_ISA_SVM, 0x086, EXIT_NAME_OTHER, true },
	{ "rdtscp", TRACE_ISA_SVM, 0x087, EXIT_NAME_OTHER, false },
	{ "EXIT_RDTSCP", TRACE_ISA_SVM, 0x087, EXIT_NAME_OTHER, true },
	{ "icebp", TRACE_ISA_SVM, 0x088, EXIT_NAME_OTHER, false },
	{ "EXIT_ICEBP", TRACE_ISA_SVM, 0x088, EXIT_NAME_OTHER, true },
	{ "wbinvd", TRACE_ISA_SVM, 0x089, EXIT_NAME_OTHER, false },
	{ "EXIT_WBINVD", TRACE_ISA_SVM, 0x089, EXIT_NAME_OTHER, true },
	{ "monitor", TRACE_ISA_SVM, 0x08a, EXIT_NAME_OTHER, false },
	{ "EXIT_MONITOR", TRACE_ISA_SVM, 0x08a, EXIT_NAME_OTHER, true },
	{ "mwait", TRACE_ISA_SVM, 0x08b, EXIT_NAME_OTHER, false },
	{ "EXIT_MWAIT", TRACE_ISA_SVM, 0x08b, EXIT_NAME_OTHER, true },
	{ "EXIT_MWAIT_COND", TRACE_ISA_SVM, 0x08c, EXIT_NAME_OTHER, true },
	{ "xsetbv", TRACE_ISA_SVM, 0x08d, EXIT_NAME_OTHER, false },
	{ "EXIT_XSETBV", TRACE_ISA_SVM, 0x08d, EXIT_NAME_OTHER, true },
	{ "EXIT_RDPRU", TRACE_ISA_SVM, 0x08e, EXIT_NAME_OTHER, true },
	{ "write_efer_trap", TRACE_ISA_SVM, 0x08f, EXIT_NAME_OTHER, false },
	{ "write_cr0_trap", TRACE_ISA_SVM, 0x090, EXIT_NAME_OTHER, false },
	{ "write_cr4_trap", TRACE_ISA_SVM, 0x094, EXIT_NAME_OTHER, false },
	{ "write_cr8_trap", TRACE_ISA_SVM, 0x098, EXIT_NAME_OTHER, false },
	{ "invpcid", TRACE_ISA_SVM, 0x0a2, EXIT_NAME_OTHER, false },
	{ "EXIT_INVPCID", TRACE_ISA_SVM, 0x0a2, EXIT_NAME_OTHER, true },
	{ "buslock", TRACE_ISA_SVM, 0x0a5, EXIT_NAME_OTHER, false },
	{ "idle-halt", TRACE_ISA_SVM, 0x0a6, EXIT_HLT, false },
	{ "npf", TRACE_ISA_SVM, 0x400, EXIT_EPT_VIOLATION, false },
	{ "EXIT_NPF", TRACE_ISA_SVM, 0x400, EXIT_EPT_VIOLATION, true },
	{ "avic_incomplete_ipi", TRACE_ISA_SVM, 0x401, EXIT_NAME_OTHER, false },
	{ "EXIT_AVIC_INCOMPLETE_IPI", TRACE_ISA_SVM, 0x401, EXIT_NAME_OTHER, true },
	{ "avic_unaccelerated_access", TRACE_ISA_SVM, 0x402, EXIT_APIC_WRITE, false },
	{ "EXIT_AVIC_UNACCELERATED_ACCESS", TRACE_ISA_SVM, 0x402, EXIT_APIC_WRITE, true },
	{ "vmgexit", TRACE_ISA_SVM, 0x403, EXIT_NAME_OTHER, false },
	{ "vmgexit_mmio_read", TRACE_ISA_SVM, 0x80000001, EXIT_NAME_OTHER, false },
	{ "vmgexit_mmio_write", TRACE_ISA_SVM, 0x80000002, EXIT_NAME_OTHER, false },
	{ "vmgexit_nmi_complete", TRACE_ISA_SVM, 0x80000003, EXIT_NAME_OTHER, false },
	{ "vmgexit_ap_hlt_loop", TRACE_ISA_SVM, 0x80000004, EXIT_NAME_OTHER, false },
	{ "vmgexit_ap_jump_table", TRACE_ISA_SVM, 0x80000005, EXIT_NAME_OTHER, false },
	{ "vmgexit_hypervisor_feature", TRACE_ISA_SVM, 0x8000fffd, EXIT_NAME_OTHER, false },
	{ "invalid_guest_state", TRACE_ISA_SVM, -1, EXIT_NAME_OTHER, false },
	{ "EXIT_ERR", TRACE_ISA_SVM, -1, EXIT_NAME_OTHER, true },
};

const struct exit_name *exit_names__by_name(const char *name)
{
	if (!strncmp(name, "EXIT_REASON_", 12))	/* bcc kvmexit's spelling */
		name += 12;
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

const struct exit_name *exit_names__by_code(enum trace_isa isa, s64 code)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (table[i].isa == isa && table[i].code == code && !table[i].is_plugin)
			return &table[i];
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)	/* plugin-only (RDPRU) */
		if (table[i].isa == isa && table[i].code == code)
			return &table[i];
	return NULL;
}

#define SVM_MSR 0x07c
#define SVM_NPF 0x400
#define PFERR_RSVD (1ULL << 3)

int exit_names__model(const struct exit_name *e, bool has_info, u64 info1)
{
	if (!e)
		return EXIT_NAME_OTHER;
	if (e->isa == TRACE_ISA_SVM && e->code == SVM_MSR && has_info && info1 == 1)
		return EXIT_MSR_WRITE;
	if (e->isa == TRACE_ISA_SVM && e->code == SVM_NPF && has_info && (info1 & PFERR_RSVD))
		return EXIT_EPT_MISCONFIG;
	return e->model;
}

const char *exit_names__model_name(int model)
{
	if (model < 0 || model >= EXIT_NR || model == EXIT_OTHER)
		return "other";
	if (model == EXIT_MSR_WRITE_TIMER)
		return "MSR_WRITE_TSC_DEADLINE";
	return kvm_exits[model].vmx;
}

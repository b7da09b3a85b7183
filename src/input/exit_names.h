/*
 * input/exit_names.h - one table of the VM-exit names and codes that KVM
 * traces print: the kernel's VMX_EXIT_REASONS and SVM_EXIT_REASONS
 * (research/exits-costs.md section 1.7), the SVM names of libtraceevent's
 * kvm plugin (EXIT_NPF, EXIT_IOIO, ...; it prints `UNKNOWN (n)` for codes
 * it lacks), and the spellings of bcc (EXIT_REASON_HLT) and of bpftrace's
 * kvmexits.bt (PENDING_INTERRUPT). Each maps to a model exit reason
 * (kvm/exits.h) or to "other".
 *
 * Invariants: a name not in the table is never dropped: callers keep its
 * text and report it. Codes are the hardware's (VMX basic exit reason,
 * SVM EXITCODE); -1 is SVM's invalid_guest_state / EXIT_ERR.
 */
#ifndef VPMU__INPUT_EXIT_NAMES_H
#define VPMU__INPUT_EXIT_NAMES_H

#include "base/util.h"
#include "kvm/exits.h"

enum trace_isa {
	TRACE_ISA_UNKNOWN = 0,
	TRACE_ISA_VMX = 1,	/* the kvm_exit isa field's values */
	TRACE_ISA_SVM = 2,
};

/* The model reason of a reason the model has no own handler for. */
#define EXIT_NAME_OTHER EXIT_OTHER

struct exit_name {
	const char *name;	/* as printed */
	enum trace_isa isa;
	s64 code;
	int model;		/* enum kvm_exit_reason or EXIT_NAME_OTHER */
	bool is_plugin;		/* libtraceevent kvm plugin spelling (SVM EXIT_*) */
};

/* By exact name (VMX names, SVM kernel names, SVM plugin names; an
 * EXIT_REASON_ prefix is bcc's and is ignored); NULL if unknown. */
const struct exit_name *exit_names__by_name(const char *name);
/* By code on @isa; the kernel's name (not the plugin's); NULL if unknown. */
const struct exit_name *exit_names__by_code(enum trace_isa isa, s64 code);
/* The model reason of an exit, refined by its info fields where they tell:
 * SVM msr is a write when info1 is 1, SVM npf with the RSVD error bit (3)
 * is KVM's MMIO fault (EPT_MISCONFIG on VMX). @e may be NULL (-> other). */
int exit_names__model(const struct exit_name *e, bool has_info, u64 info1);
/* The name of a model reason in reports, "other" for EXIT_NAME_OTHER. */
const char *exit_names__model_name(int model);

#endif /* VPMU__INPUT_EXIT_NAMES_H */

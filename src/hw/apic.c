/*
 * hw/apic.c - the local APIC's LVT performance-counter entry (SDM Vol. 3A
 * 10.5.1, research/pmu-arch.md section 3) and the delivery of PMIs.
 *
 * LVTPC: bits 7:0 vector, 10:8 delivery mode (000 fixed, 010 SMI, 100 NMI),
 * 12 delivery status (read-only), 16 mask; reset 0x00010000. A PMI request
 * while the entry is masked is dropped. A fixed-mode PMI sits in the IRR
 * until RFLAGS.IF allows it (kvm-unit-tests relies on that); a second
 * request while it waits merges with it. Intel sets the mask bit when it
 * accepts a PMI; AMD does not (ops->lvtpc_automask).
 */
#include <stdint.h>

#include "hw/cpu.h"
#include "hw/msr.h"

#define LVTPC_RESET	APIC_LVT_MASKED
#define LVTPC_WRITABLE	(APIC_LVT_VECTOR | APIC_LVT_DM_MASK | APIC_LVT_MASKED)

void hw_apic__reset(struct hw_apic *apic)
{
	*apic = (struct hw_apic){ .lvtpc = LVTPC_RESET };
}

/* x2APIC writes to reserved bits #GP (SDM 10.12.1.2). model: delivery modes
 * other than fixed, SMI and NMI are treated as reserved too (ExtINT is not
 * allowed for this entry). */
enum hw_msr_result hw_apic__write_lvtpc(struct hw_apic *apic, u64 val)
{
	u32 mode = (u32)val & APIC_LVT_DM_MASK;

	if (val & ~(u64)LVTPC_WRITABLE)
		return HW_MSR_GP;
	if (mode != APIC_LVT_DM_FIXED && mode != APIC_LVT_DM_SMI &&
	    mode != APIC_LVT_DM_NMI)
		return HW_MSR_GP;
	apic->lvtpc = (u32)val;
	return HW_MSR_OK;
}

void hw_apic__request_pmi(struct hw_cpu *cpu, u64 now, u64 source, bool source_guest)
{
	struct hw_apic *apic = &cpu->apic;
	u32 mode = apic->lvtpc & APIC_LVT_DM_MASK;
	u64 ready = now + cpu->costs.pmi_skid;

	apic->pmi_requests++;
	/* Masked, SMI (no SMM is modelled), or an illegal vector (< 16, an APIC
	 * error on real hardware): nothing reaches the CPU. */
	if ((apic->lvtpc & APIC_LVT_MASKED) || mode == APIC_LVT_DM_SMI ||
	    (mode == APIC_LVT_DM_FIXED && (apic->lvtpc & APIC_LVT_VECTOR) < 16)) {
		apic->pmi_dropped++;
		return;
	}
	if (mode == APIC_LVT_DM_NMI) {
		if (apic->nmi_pending) {
			apic->pmi_merged++;
			apic->nmi_source |= source;
		} else {
			apic->nmi_pending = true;
			apic->nmi_requested_at = now;
			apic->nmi_ready_at = ready;
			apic->nmi_source = source;
			apic->nmi_source_guest = source_guest;
		}
	} else if (apic->vec_pending) {
		apic->pmi_merged++;
		apic->vec_source |= source;
	} else {
		apic->vec_pending = true;
		apic->vec = (u8)(apic->lvtpc & APIC_LVT_VECTOR);
		apic->vec_requested_at = now;
		apic->vec_ready_at = ready;
		apic->vec_source = source;
		apic->vec_source_guest = source_guest;
	}
	if (cpu->pmu.ops->lvtpc_automask)
		apic->lvtpc |= APIC_LVT_MASKED;
}

static bool can_take_nmi(const struct hw_cpu *cpu)
{
	return !cpu->in_nmi;
}

static bool can_take_vector(const struct hw_cpu *cpu)
{
	return cpu->intr_enabled && !cpu->irq_depth;
}

u64 hw_apic__next_ready(const struct hw_cpu *cpu)
{
	const struct hw_apic *apic = &cpu->apic;
	u64 t = UINT64_MAX;

	if (apic->nmi_pending && can_take_nmi(cpu))
		t = apic->nmi_ready_at;
	if (apic->vec_pending && can_take_vector(cpu) && apic->vec_ready_at < t)
		t = apic->vec_ready_at;
	return t;
}

static int take(struct hw_cpu *cpu, enum hw_irq_kind kind, u8 vector, u64 requested_at,
		u64 source, bool source_guest)
{
	struct hw_irq irq = {
		.kind = kind,
		.vector = vector,
		.requested_at = requested_at,
		.delivered_at = cpu->now,
		.guest = cpu->guest,
		.cpl = cpu->cpl,
		.source = source,
		.source_guest = source_guest,
	};
	bool was_in_nmi = cpu->in_nmi;
	int stop;

	cpu->apic.pmi_delivered++;
	if (!cpu->on_irq)
		return 0;
	cpu->irq_depth++;
	cpu->irqs_taken++;
	cpu->in_nmi |= kind == HW_IRQ_NMI;
	stop = cpu->on_irq(cpu->irq_ctx, &irq);
	cpu->in_nmi = was_in_nmi;
	cpu->irq_depth--;
	return stop;
}

int hw_apic__deliver_due(struct hw_cpu *cpu)
{
	struct hw_apic *apic = &cpu->apic;
	int stop = 0;

	/* NMIs first: they are not blocked by IF. */
	if (apic->nmi_pending && can_take_nmi(cpu) && apic->nmi_ready_at <= cpu->now) {
		apic->nmi_pending = false;
		stop |= take(cpu, HW_IRQ_NMI, 2, apic->nmi_requested_at, apic->nmi_source,
			     apic->nmi_source_guest);
	}
	if (apic->vec_pending && can_take_vector(cpu) && apic->vec_ready_at <= cpu->now) {
		apic->vec_pending = false;
		stop |= take(cpu, HW_IRQ_VECTOR, apic->vec, apic->vec_requested_at, apic->vec_source,
			     apic->vec_source_guest);
	}
	return stop;
}

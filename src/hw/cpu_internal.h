/*
 * hw/cpu_internal.h - what the two counting engines of the core share
 * (cpu.c, the optimised one, and cpu_ref.c, the straightforward reference):
 * interrupt delivery between pieces, the tick rule, the rest of a segment
 * and the run limits. Private to src/hw/cpu*.c.
 */
#ifndef VPMU__HW_CPU_INTERNAL_H
#define VPMU__HW_CPU_INTERNAL_H

#include "hw/cpu.h"

/* The tick can be taken now (IF, or guest mode, or no IF needed). */
bool hw_cpu__is_tick_allowed(const struct hw_cpu *cpu);
/* What the APIC has due, then the tick, then what became due during it. */
int hw_cpu__deliver_due_slow(struct hw_cpu *cpu);
static inline int hw_cpu__deliver_due(struct hw_cpu *cpu)
{
	/* nothing pending and the tick not due: nothing to take */
	if (!cpu->apic.nmi_pending && !cpu->apic.vec_pending && cpu->now < cpu->timer_at)
		return 0;
	return hw_cpu__deliver_due_slow(cpu);
}
/* What is left of @seg after its first @pos cycles. */
void hw_cpu__segment_rest(const struct hw_segment *seg, u64 pos, struct hw_segment *rest);
/* Count one engine event against the bound; false (and the CPU failed)
 * once the bound is passed. */
bool hw_cpu__is_within_event_bound(struct hw_cpu *cpu);

/* The reference engine: hw_cpu__run's loop as first written, piece by
 * piece with every counter decoded and every division in 128 bits. */
int hw_cpu__run_reference(struct hw_cpu *cpu, const struct hw_segment *seg,
			  struct hw_segment *rest);

#endif /* VPMU__HW_CPU_INTERNAL_H */

/*
 * hw/events.h - the ground-truth events of the simulated core, and segments.
 *
 * Everything the core executes is a segment: a span of cycles in one mode
 * (host or guest, a CPL) with the number of each event that happened in it.
 * Within a segment every event is spread evenly over its cycles: by the end
 * of cycle k (1-based) of a C-cycle segment, floor(E * k / C) of its E events
 * have happened. The PMU counts from these totals; nothing is sampled.
 *
 * The first 13 events are in CPUID.0AH:EBX order (Intel SDM Vol. 3B 18.2.1.2,
 * research/pmu-arch.md section 1), so an Intel architectural event index is
 * also an enum hw_event value.
 */
#ifndef VPMU__HW_EVENTS_H
#define VPMU__HW_EVENTS_H

#include "base/util.h"

enum hw_event {
	HW_EV_CYCLES = 0,	/* core cycles (unhalted) */
	HW_EV_INSTRUCTIONS,	/* instructions retired */
	HW_EV_REF_CYCLES,	/* reference cycles (TSC rate) */
	HW_EV_LLC_REFS,
	HW_EV_LLC_MISSES,
	HW_EV_BRANCHES,		/* branch instructions retired */
	HW_EV_BRANCH_MISSES,	/* mispredicted branches retired */
	HW_EV_SLOTS,		/* topdown slots */
	HW_EV_TD_BACKEND,	/* slots lost to the back end */
	HW_EV_TD_BADSPEC,	/* slots lost to bad speculation */
	HW_EV_TD_FRONTEND,	/* slots lost to the front end */
	HW_EV_TD_RETIRING,	/* slots that retired uops */
	HW_EV_LBR_INSERTS,	/* never happens: LBRs are not modelled */
	HW_EV_NR,
	HW_EV_NONE = -1,	/* an encoding the core does not know: counts nothing */
};

struct hw_segment {
	u64 cycles;		/* length; >= 1 whenever any event is non-zero */
	u64 ev[HW_EV_NR];	/* ev[HW_EV_CYCLES] == cycles */
	bool guest;		/* executed in VMX non-root / SVM guest mode */
	u8 cpl;			/* 0 or 3 */
};

/* Events of @seg that happened in its first @k cycles. */
static inline u64 hw_segment__events_by(const struct hw_segment *seg,
					 enum hw_event e, u64 k)
{
	return seg->cycles ? mul_div_floor(seg->ev[e], k, seg->cycles) : seg->ev[e];
}

const char *hw_event__name(enum hw_event e);

#endif /* VPMU__HW_EVENTS_H */

/*
 * guest/workload.h - a synthetic guest running on a vCPU: a fixed amount of
 * work with a mix of VM-exits, a guest tick, and optionally the guest
 * kernel's perf driver sampling with `perf record -F f -e K events` (or
 * counting with `perf stat`), whose every PMU access goes through the vCPU.
 *
 * The guest perf driver models Linux's x86 perf (DESIGN.md section 7): it
 * programs counters with -period, takes PMIs as NMIs through its LVTPC, and
 * its PMI handler does GLOBAL_CTRL = 0, reads GLOBAL_STATUS, per overflowed
 * counter reads it (RDPMC) and writes -period, acknowledges through
 * OVF_CTRL, writes GLOBAL_CTRL back and unmasks the LVTPC. With more events
 * than GP counters it rotates them on the guest tick.
 */
#ifndef VPMU__GUEST_WORKLOAD_H
#define VPMU__GUEST_WORKLOAD_H

#include "base/rng.h"
#include "kvm/vcpu.h"

#define GUEST_MAX_EVENTS 16

enum guest_perf_mode {
	GUEST_PERF_NONE,
	GUEST_PERF_STAT,
	GUEST_PERF_RECORD,
};

struct guest_workload {
	u64 work_minsns;		/* millions of guest instructions to retire */
	u32 cpi_milli;			/* guest cycles per instruction x 1000 */
	u32 kernel_pct;			/* share of the work at CPL 0 */
	u32 exits_per_sec[EXIT_NR];	/* workload exits per second of guest time */
	u32 hz;				/* guest tick (a TSC_DEADLINE write each) */
	enum guest_perf_mode perf;
	unsigned int perf_events;	/* K events, all instructions (0x00c0) */
	u32 perf_freq;			/* samples per second per event (record) */
};

struct guest_event {
	bool on_counter;		/* currently programmed */
	unsigned int counter;		/* GP index while on a counter */
	u64 period;
	u64 count;			/* events the guest perf accounted */
	u64 enabled, running;		/* guest cycles */
	u64 truth;			/* guest instructions while it was enabled */
	u64 samples;
};

struct guest_result {
	u64 wall_cycles;		/* pCPU cycles until the work was done */
	u64 guest_cycles;		/* of which in guest mode */
	u64 pmis;
	/* guest instructions while the perf driver had its counters globally
	 * enabled, and what its non-multiplexed events missed of them */
	u64 enabled_truth;
	u64 lost_counts;
	unsigned int nr_events;
	struct guest_event ev[GUEST_MAX_EVENTS];
};

/* Run @w to completion on @v (started and stopped here). */
int guest_workload__run(const struct guest_workload *w, struct kvm_vcpu *v, u64 seed,
			u64 core_hz, struct guest_result *res);

#endif /* VPMU__GUEST_WORKLOAD_H */

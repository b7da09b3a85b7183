/*
 * guest/workload.h - a synthetic guest running on a vCPU: a fixed amount of
 * work with a mix of VM-exits, a guest tick, and optionally the guest
 * kernel's perf driver sampling with `perf record -F f -e K events` (or
 * counting with `perf stat`), whose every PMU access goes through the vCPU.
 *
 * The guest perf driver models Linux's x86 perf (DESIGN.md section 7): it
 * finds its counters as Linux does (Intel CPUID 0AH; AMD CPUID 0x80000001
 * PerfCtrExtCore for the six core counters, 0x80000022 PerfMonV2 for their
 * number and the global MSRs, else the four K7 counters), programs them with
 * -period, takes PMIs as NMIs through its LVTPC, and runs the vendor's PMI
 * handler:
 *  - Intel (intel_pmu_handle_irq): unmask the LVTPC (it auto-masks),
 *    GLOBAL_CTRL = 0, read GLOBAL_STATUS, per overflowed counter RDPMC and
 *    write -period, ack through OVF_CTRL, GLOBAL_CTRL back;
 *  - AMD PerfMonV2 (amd_pmu_v2_handle_irq): GLOBAL_CTL = 0, read
 *    GLOBAL_STATUS, re-arm the overflowed counters, GLOBAL_STATUS_CLR,
 *    GLOBAL_CTL back; no LVTPC write (AMD does not auto-mask);
 *  - AMD without it (x86_pmu_handle_irq): LVTPC write first, then RDPMC of
 *    every active counter; one whose top bit is clear overflowed and is
 *    re-armed.
 * With more events than counters it rotates them on the guest tick.
 * `perf record -F f` is perf's frequency mode: each overflow and each tick
 * adjust an event's period towards f samples a second (perf_adjust_period's
 * low-pass filter), the tick stopping and restarting each event in turn
 * (perf_adjust_freq_unthr_context), so events that start alike drift apart
 * and raise PMIs of their own, as on Linux. The driver's own kernel code
 * (writing a sample, the tick's adjustment) runs as guest instructions.
 *
 * Exits come from the scenario's rates (seeded gaps, a reason by its share)
 * or, for a replay, from an outside source (struct guest_exit_source).
 */
#ifndef VPMU__GUEST_WORKLOAD_H
#define VPMU__GUEST_WORKLOAD_H

#include "base/rng.h"
#include "kvm/vcpu.h"

#define GUEST_MAX_EVENTS 16
#define GUEST_MAX_VCPUS 64	/* in one VM (IPI destinations) */

enum guest_perf_mode {
	GUEST_PERF_NONE,
	GUEST_PERF_STAT,
	GUEST_PERF_RECORD,
};

/*
 * An outside exit stream (a replayed trace). next() gives the guest cycles
 * to run before the next exit (>= 1), its reason, and its handler cost in
 * cycles (0: the profile's; for a HLT, the time the vCPU slept: the guest
 * halts that long and the handler is the profile's); it returns 1, 0 at the
 * end of the stream (the
 * workload ends there), or -1 on an error. With a source the workload's own
 * exit rates and tick exits are off (the stream has the timer's exits); the
 * guest tick still drives the perf driver's multiplexing.
 */
struct guest_exit_source {
	int (*next)(void *ctx, u64 *guest_cycles, enum kvm_exit_reason *reason,
		    u64 *handler_cycles);
	void *ctx;
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
	const struct guest_exit_source *src;	/* NULL: the rates above */
	/* IPIs to the other vCPUs of its VM (a host of several vCPUs): each
	 * vCPU sends ipi_per_sec, to the next vCPU in turn */
	u32 ipi_per_sec;
	/* each HLT idles the vCPU for this long on average (uniform around
	 * it; at most until its next tick) unless an IPI wakes it; 0: HLT
	 * returns at once (the exit's handler only) */
	u32 hlt_idle_us;
	unsigned int vm_vcpus;		/* vCPUs in its VM (0, 1: none to send to) */
	unsigned int vcpu_index;	/* this vCPU's index in its VM */
};

struct guest_event {
	bool on_counter;		/* currently programmed */
	bool started;			/* its select enabled (x86_pmu_start) */
	unsigned int counter;		/* its counter while on one (GP from 0, fixed
					 * from HW_FIXED_BASE) */
	int last_idx;			/* hwc->idx: the counter the last schedule
					 * gave it, kept while off (-1: never) */
	u64 period;			/* hwc->sample_period */
	u64 armed;			/* the counter value last written or folded */
	u64 count;			/* events the guest perf accounted */
	u64 enabled, running;		/* guest cycles */
	u64 truth;			/* guest instructions while perf had it enabled */
	u64 counted_truth;		/* guest instructions while it was counting */
	u64 samples;
	/* frequency mode: cycle of the last overflow; none yet (hwc's
	 * freq_time_stamp starts at 0, so the first overflow's delta is the
	 * time since boot and adjusts nothing) */
	u64 freq_stamp;
	bool has_freq_stamp;
	u64 freq_count_stamp;		/* count at the last tick */
	/* throttling (__perf_event_account_interrupt): overflows since the
	 * last tick, and whether it is stopped for too many of them (out of
	 * cpuc->active_mask until the next tick or reschedule) */
	u32 interrupts;
	bool throttled;
};

struct guest_result {
	u64 wall_cycles;		/* pCPU cycles until the work was done */
	u64 guest_cycles;		/* of which in guest mode */
	u64 pmis;
	u64 ipis;			/* IPIs the guest's handler took */
	u64 samples;			/* overflows the driver handled (perf record's samples) */
	u64 throttles;			/* events stopped for a tick's excess of samples */
	/* guest instructions while the perf driver had its counters globally
	 * enabled, and what its non-multiplexed events missed of them */
	u64 enabled_truth;
	u64 lost_counts;
	unsigned int nr_events;
	unsigned int nr_counters;	/* what the driver found */
	const char *driver;		/* "intel", "amd-v2", "amd-core", "amd-k7", "none" */
	struct guest_event ev[GUEST_MAX_EVENTS];
	const char *error;		/* why guest_workload__run returned -1 */
};

/* Run @w to completion on @v (started and stopped here). Returns 0, or -1
 * with res->error (exit rates no core could take, an exit source's error). */
int guest_workload__run(const struct guest_workload *w, struct kvm_vcpu *v, u64 seed,
			u64 core_hz, struct guest_result *res);

#endif /* VPMU__GUEST_WORKLOAD_H */

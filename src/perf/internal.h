/*
 * perf/internal.h - private to perf/: the vendor half of host perf (Linux
 * arch/x86/events/intel/ and amd/: how an attr becomes event-select bits
 * and a counter constraint, how counters are started, stopped, read and
 * acknowledged), and the core helpers the overflow and mediated-PMU files
 * share with core.c.
 */
#ifndef VPMU__PERF_INTERNAL_H
#define VPMU__PERF_INTERNAL_H

#include "perf/perf.h"

struct perf_x86_ops {
	const char *name;
	/* Fill ev->config_hw, ev->constraint and ev->truth_ev, or -PERF_EINVAL. */
	int (*hw_config)(const struct perf_cpu *pc, struct perf_event *ev);
	/* The largest period a counter can be armed with. */
	u64 (*max_period)(const struct perf_cpu *pc);
	/* Program ev on ev->idx (counter value already written) and enable it. */
	void (*enable_event)(struct perf_cpu *pc, struct perf_event *ev);
	void (*disable_event)(struct perf_cpu *pc, struct perf_event *ev);
	/* Do the registers hold what enable_event writes for ev on ev->idx
	 * (false for an index without registers: a metric)? */
	bool (*is_armed)(const struct perf_cpu *pc, const struct perf_event *ev);
	void (*write_counter)(struct perf_cpu *pc, int idx, u64 val);
	u64 (*read_counter)(struct perf_cpu *pc, int idx);
	/* Global enable of every counter in pc->enabled_mask / of none. */
	void (*enable_all)(struct perf_cpu *pc);
	void (*disable_all)(struct perf_cpu *pc);
	/* Overflowed counters (global index bits) and their acknowledgement. */
	u64 (*get_status)(struct perf_cpu *pc);
	void (*ack_status)(struct perf_cpu *pc, u64 status);
};

extern const struct perf_x86_ops perf_x86_intel_ops;
extern const struct perf_x86_ops perf_x86_amd_ops;

/* Register access from perf's kernel context: host, CPL 0, each charged
 * its cost from the core's table and counted as one instruction. */
void perf_wrmsr(struct perf_cpu *pc, u32 msr, u64 val);
u64 perf_rdmsr(struct perf_cpu *pc, u32 msr);
u64 perf_rdpmc(struct perf_cpu *pc, u32 ecx);

/* Counter assignment (sched.c): give each of @n events a distinct index
 * from its constraint mask; @prev[i] is its current index or -1 (kept when
 * possible). Returns 0 and fills @assign, or -1 when no assignment exists. */
int perf_sched__assign(const u64 *constraint, const int *prev, int n, int *assign);

/* core.c */
void perf_update_times(struct perf_cpu *pc);
void perf_update_event(struct perf_cpu *pc, struct perf_event *ev);
bool perf_set_period(struct perf_cpu *pc, struct perf_event *ev);
/* perf_pmu_disable / perf_pmu_enable: the PMU globally disabled (a host
 * batch: register accesses only) until the enable; @irqs: set IF after. */
void perf_pmu_disable(struct perf_cpu *pc);
void perf_pmu_enable(struct perf_cpu *pc, bool irqs);
void perf_resched(struct perf_cpu *pc);
/*
 * ctx_resched's event types (kernel/events/core.c): the groups of these
 * types are scheduled out and in again, each on-counter event of them
 * stopped and restarted (x86_pmu_del, then x86_pmu_start(RELOAD) of a
 * re-added event, whatever counter it gets); perf_resched() alone moves
 * only what changes (a load or put of a guest context).
 */
enum {
	PERF_SCHED_TASK_PINNED = 1, PERF_SCHED_TASK_FLEXIBLE = 2,
	PERF_SCHED_CPU_PINNED = 4, PERF_SCHED_CPU_FLEXIBLE = 8,
};
void perf_resched_types(struct perf_cpu *pc, unsigned int types);
/* The events, their groups or the rotation order changed (core.c make_plan). */
void perf_plan_changed(struct perf_cpu *pc);
bool perf_is_sampling(const struct perf_event *ev);
/* Is @ev CPU-wide or of the task that runs (in a context perf walks now)? */
static inline bool perf_is_task_ok(const struct perf_cpu *pc, const struct perf_event *ev)
{
	return !ev->attr.task || ev->attr.task == pc->current_task;
}

/* overflow.c: throttling state at init; clear an event's throttle (and log
 * PERF_RECORD_UNTHROTTLE) without restarting its counter. */
void perf_throttle_init(struct perf_cpu *pc);
void perf_unthrottle(struct perf_cpu *pc, struct perf_event *ev);

#endif /* VPMU__PERF_INTERNAL_H */

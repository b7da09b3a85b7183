/*
 * perf/perf.h - the host perf core of one pCPU: events, counter scheduling
 * with constraints, multiplexing, the host PMI (NMI) handler, and the
 * mediated-PMU API of Linux 7.0.
 *
 * It follows Linux's kernel/events/core.c and arch/x86/events/ as described
 * in research/vpmu-design.md sections 2 and 7 and DESIGN.md section 5:
 *  - a CPU context and task contexts with pinned and flexible groups;
 *    pinned groups first, then flexible groups in rotation order, CPU then
 *    task; in each pass the first group that does not fit stops the pass
 *    (perf's can_add_hw): a pinned one and every pinned one after it go to
 *    the error state, the flexible ones wait for the rotation;
 *  - an enable or a creation reschedules the groups of its types
 *    (ctx_resched): their running events are stopped and restarted;
 *  - rotation of the flexible groups on the host tick while any did not fit
 *    (the first running one to the back, else the first one);
 *  - times: an event's enabled time runs while it is enabled (and, for an
 *    exclude_guest event, while no guest context is loaded), its running
 *    time while it is on a counter; count * enabled / running is its scaled
 *    count;
 *  - every register access goes through hw/ (hw_cpu__wrmsr, ...) and costs
 *    the core's cycles: perf's own work runs as host CPL 0 segments, so host
 *    events see it as they would on hardware.
 *
 * Units: times and periods in core cycles. Event ids are small integers in
 * creation order.
 */
#ifndef VPMU__PERF_PERF_H
#define VPMU__PERF_PERF_H

#include "base/util.h"
#include "hw/cpu.h"

#define PERF_MAX_EVENTS		64
#define PERF_MAX_SAMPLES	4096	/* kept per event; more are counted only */
/* Throttling defaults (kernel/events/core.c): kernel.perf_event_max_sample_rate
 * (DEFAULT_MAX_SAMPLE_RATE), kernel.perf_cpu_time_max_percent
 * (DEFAULT_CPU_TIME_MAX_PERCENT), and the running average's length
 * (NR_ACCUMULATED_SAMPLES). */
#define PERF_DEFAULT_MAX_SAMPLE_RATE	100000
#define PERF_CPU_TIME_MAX_PERCENT	25
#define PERF_NR_ACCUMULATED_SAMPLES	128
#define PERF_IDX_METRIC_BASE	48	/* INTEL_PMC_IDX_METRIC_BASE */
#define PERF_IDX_VMETRICS	48	/* patch 07/13: INTEL_PMC_IDX_FIXED_VMETRICS */
#define PERF_NR_IDX		64

/* errno values the API returns negated (Linux's numbers). */
#define PERF_EBUSY		16
#define PERF_EINVAL		22
#define PERF_ENOSPC		28
#define PERF_EOPNOTSUPP		95

enum perf_type {
	PERF_TYPE_HARDWARE,
	PERF_TYPE_RAW,
};

/* PERF_TYPE_HARDWARE configs (Linux's PERF_COUNT_HW_* values). */
enum perf_hw_id {
	PERF_COUNT_HW_CPU_CYCLES = 0,
	PERF_COUNT_HW_INSTRUCTIONS = 1,
	PERF_COUNT_HW_CACHE_REFERENCES = 2,
	PERF_COUNT_HW_CACHE_MISSES = 3,
	PERF_COUNT_HW_BRANCH_INSTRUCTIONS = 4,
	PERF_COUNT_HW_BRANCH_MISSES = 5,
	PERF_COUNT_HW_REF_CPU_CYCLES = 9,
};

/* Intel raw pseudo-encodings (perf_event.h): event 0, umask 0x03/0x04 pick
 * fixed counters 2/3; umask 0x80.. the topdown metrics; 0x1100 the virtual
 * metrics event of patch 07/13. */
#define PERF_RAW_REF_CYCLES	0x0300
#define PERF_RAW_SLOTS		0x0400
#define PERF_RAW_TD_RETIRING	0x8000
#define PERF_RAW_TD_BAD_SPEC	0x8100
#define PERF_RAW_TD_FE_BOUND	0x8200
#define PERF_RAW_TD_BE_BOUND	0x8300
#define PERF_RAW_VMETRICS	0x1100

struct perf_attr {
	enum perf_type type;
	u64 config;		/* a perf_hw_id, or raw event-select bits */
	u64 sample_period;	/* sampling every N events; 0 with !freq = counting */
	u64 sample_freq;	/* with freq: samples per second */
	bool freq;
	bool exclude_user, exclude_kernel, exclude_host, exclude_guest;
	bool pinned;
	bool disabled;		/* created OFF (attr.disabled): counts from its first enable */
	/* A task event (KVM's backing events: bound to the vCPU thread) rather
	 * than a CPU-wide one; it is scheduled only while its task runs. */
	int task;		/* 0: CPU-wide; >0: task id */
	char name[48];		/* for reports */
};

enum perf_state {
	PERF_STATE_ERROR = -2,
	PERF_STATE_OFF = -1,
	PERF_STATE_INACTIVE = 0,
	PERF_STATE_ACTIVE = 1,
};

struct perf_sample {
	u64 cycle;		/* when the NMI was taken */
	u64 period;		/* events this sample stands for */
	bool guest;		/* the interrupted context */
	u8 cpl;
};

struct perf_event;
/* Called from the host NMI handler on each overflow of a sampling event
 * that ends a period (not on a part of a period longer than the counter
 * takes); KVM's backing events use it (kvm_perf_overflow). */
typedef void (*perf_overflow_fn)(struct perf_event *ev, void *ctx);

#define PERF_NO_TSTAMP UINT64_MAX

struct perf_event {
	int id;
	struct perf_attr attr;
	struct perf_event *leader;	/* itself for a group leader */
	enum perf_state state;
	enum hw_event truth_ev;		/* what ground truth it is measured against */
	u64 constraint;			/* counter indexes it may take */
	u64 config_hw;			/* event select bits (or the fixed field) */
	int idx;			/* counter index while ACTIVE, else -1 */
	u64 count;			/* events counted so far */
	u64 prev_raw;			/* counter value at the last update */
	/* sampling */
	u64 sample_period, last_period;
	s64 period_left;		/* events until the next overflow; <= 0 overshot */
	u64 freq_tstamp, freq_count;	/* frequency mode bookkeeping (freq_tstamp
					 * PERF_NO_TSTAMP before the first overflow) */
	u64 nr_samples;
	struct perf_sample *samples;	/* the first PERF_MAX_SAMPLES */
	/* throttling (hwc->interrupts, hwc->interrupts_seq) */
	u64 interrupts_seq;		/* the tick its interrupts were counted in */
	u32 interrupts;			/* overflows in that tick */
	bool throttled;			/* stopped until the next tick (MAX_INTERRUPTS) */
	u64 nr_throttle, nr_unthrottle;	/* PERF_RECORD_THROTTLE / _UNTHROTTLE */
	/* times */
	u64 enabled, running;
	u64 truth;			/* events in its modes while it was enabled */
	u64 truth_snap;			/* the core's truth at the last update */
	perf_overflow_fn overflow;
	void *overflow_ctx;
	bool released;
	bool cap_sibling;		/* PERF_EV_CAP_SIBLING: a topdown metric,
					 * which cannot stand alone */
	/* A stop and a start on the counter it holds (core.c rearm_in_place):
	 * their register accesses by kind (WRMSR, RDMSR, RDPMC), as the last
	 * one made in full on rearm_idx made them, outside an NMI [0] and
	 * inside one [1] (AMD's stop waits on an overflow only outside). */
	int rearm_idx;			/* -1: none made in full yet */
	bool rearm_ok[2];
	u8 rearm_n[2][3];
	bool rearm_half;		/* the stop's counts, while its start is made: */
	u8 rearm_stop[3];
};

/* Cost of the perf operations that are software, not register accesses;
 * from the cost profile (the profiles/ .ini files). */
struct perf_costs {
	u32 nmi_entry;		/* NMI delivery to handler and back (IRET) */
	u32 tick;		/* the tick handler's perf part, without MSRs */
	u32 sched;		/* one ctx_sched_in/out pass, without MSRs */
	u32 create;		/* perf_event_create_kernel_counter */
	u32 release;		/* perf_event_release_kernel */
	/* ... and more when the event is the host's first x86 hardware event
	 * (x86_reserve_hardware: reserve_pmc_hardware, reserve_ds_buffers and
	 * reserve_lbr_buffers, for every CPU) or its last one
	 * (x86_release_hardware: their release). See struct perf_system. */
	u32 reserve;
	u32 unreserve;
	u32 pause;		/* perf_event_pause */
	u32 period;		/* perf_event_period */
	u32 enable;		/* perf_event_enable */
	u64 tick_cycles;	/* the host tick period (HZ) */
	u64 cycles_per_sec;	/* core clock, for frequency mode */
};

struct perf_x86_ops;

/* A remembered counter assignment (core.c assign_remembered): the result of
 * perf_sched__assign, a pure function, for these inputs. */
#define PERF_SCHED_MEMO_N	8	/* of at most this many events */
#define PERF_SCHED_MEMO_WAYS	4	/* kept for each number of events */
struct perf_sched_memo {
	int n, ret;			/* n 0: empty */
	u64 constraint[PERF_SCHED_MEMO_N];
	int prev[PERF_SCHED_MEMO_N], assign[PERF_SCHED_MEMO_N];
};

/* A remembered choice of what runs (core.c make_plan): for the same events
 * and groups (perf_cpu.plan_gen) and each event in the same state class,
 * eligibility and counter (code[]), the same groups get the same counters. */
#define PERF_PLAN_MEMO_SETS	16	/* chosen by a hash of the codes ... */
#define PERF_PLAN_MEMO_WAYS	2	/* ... each of this many plans */
struct perf_plan_memo {
	u64 gen;			/* 0: empty */
	int nr_events, n;
	bool rotate_necessary;
	u16 code[PERF_MAX_EVENTS];
	u8 ev[PERF_MAX_EVENTS];		/* the events chosen (ids), in order */
	signed char assign[PERF_MAX_EVENTS];	/* ... and their counters */
};

/*
 * What the x86 PMU driver keeps for the whole host rather than per CPU:
 * pmc_refcount (arch/x86/events/core.c), the x86 hardware events that
 * exist on any CPU, enabled or not. __x86_pmu_event_init takes a reference
 * (x86_reserve_hardware; the first one reserves the counters and allocates
 * every CPU's DS, PEBS and BTS buffers), hw_perf_event_destroy drops it
 * when the event is freed (x86_release_hardware; the last one releases
 * them). A pCPU of its own host uses the perf_cpu's own; the pCPUs of one
 * host share one (perf_cpu__share_system).
 */
struct perf_system {
	u64 nr_hw_events;
};

struct perf_cpu {
	struct hw_cpu *cpu;
	struct perf_system *sys;	/* the host's; NULL: own_sys (core.c system_of) */
	struct perf_system own_sys;
	const struct perf_x86_ops *x86;
	struct perf_costs costs;
	struct perf_event *events[PERF_MAX_EVENTS];
	int nr_events;
	/* Flexible groups in rotation order (leaders' event ids). */
	int flex_order[PERF_MAX_EVENTS];
	int nr_flex;
	bool rotate_necessary;
	struct perf_event *on_idx[PERF_NR_IDX];	/* which event holds which counter */
	u64 on_idx_used;		/* the indexes whose on_idx is set */
	/* ... and of those below PERF_IDX_METRIC_BASE, the ones whose event is
	 * exclude_host, exclude_guest (perf_cpu__guest_get_msrs) */
	u64 on_idx_no_host, on_idx_no_guest;
	u64 enabled_mask;		/* counters perf enables in GLOBAL_CTRL */
	/* Intel's FIXED_CTR_CTRL as perf caches it (Linux 6.1 on, "perf/x86/
	 * intel: Optimize FIXED_CTR_CTRL access"): the fields of the fixed
	 * events started (cpuc->fixed_ctrl_val) and the value last written
	 * (active_fixed_ctrl_val); x86_intel.c */
	u64 fixed_ctrl_val, active_fixed_ctrl_val;
	u64 tstamp;			/* times are accounted up to here */
	u64 tstamp_events, tstamp_truth;	/* ... the core's engine events and
					 * truth added outside the engine then (core.c) */
	int current_task;		/* task whose events may run; 0 none */
	/* mediated PMU (Linux 7.0) */
	unsigned int nr_mediated;	/* mediated VMs created */
	bool guest_ctx_loaded;		/* the guest clock runs */
	bool guest_sched_out;		/* host events are scheduled out for a guest */
	bool loading_guest;		/* inside perf_load_guest_context */
	bool putting_guest;		/* inside perf_put_guest_context */
	/* The x86 PMU's pmu context is on the CPU context's list, from the
	 * first CPU-wide event on (find_get_pmu_context takes an extra
	 * reference for the PMU, dropped only by perf_pmu_free): from then on
	 * a guest context switch disables and enables the PMU even with no
	 * event left (the boot-time NMI watchdog, turned off for the mediated
	 * PMU, leaves it there). Set by the first CPU-wide event, or by the
	 * scenario ([host] had_cpu_events). */
	bool cpu_pmu_ctx;
	unsigned int pmu_disabled;	/* perf_pmu_disable depth (x86 cpuc->enabled == 0) */
	bool guest_lvtpc_loaded;	/* LVTPC on vector 0xf5: perf's NMI handler stands aside */
	u64 guest_time;			/* total cycles with a guest context loaded */
	u32 host_lvtpc;			/* APIC_DM_NMI */
	/* throttling (kernel/events/core.c, overflow.c); times in cycles */
	u32 hz;				/* host ticks a second */
	u32 max_sample_rate;		/* kernel.perf_event_max_sample_rate */
	u32 max_samples_per_tick;	/* overflows of one event per tick before it stops */
	u64 sample_allowed;		/* perf_sample_allowed_ns: longest average NMI */
	u64 running_sample_len;		/* running_sample_length: 128 x the average NMI */
	u64 throttled_seq;		/* perf_throttled_seq: ticks so far */
	u64 throttled_count;		/* perf_throttled_count: throttles since the tick */
	u64 nr_throttles, nr_rate_lowered;	/* statistics: events stopped; "perf:
					 * interrupt took too long" messages */
	/* statistics */
	u64 nr_nmis, nr_nmis_unclaimed, nr_rotations, overhead_cycles;
	u64 nr_lost_samples;		/* samples past PERF_MAX_SAMPLES (counted, not kept) */
	/* the last assignments made, by number of events (round robin) */
	struct perf_sched_memo sched_memo[PERF_SCHED_MEMO_N + 1][PERF_SCHED_MEMO_WAYS];
	unsigned int sched_memo_next[PERF_SCHED_MEMO_N + 1];
	bool sched_memo_off;		/* tests only: assign and plan every time (test_perf.c) */
	u64 nr_ops[3];			/* register accesses by kind: WRMSR, RDMSR, RDPMC */
	bool rearm_off;			/* tests only: every re-arm made in full (core.c rearm_in_place) */
	bool checks;			/* tests only: base/checks.h */
	/* the last choices of what runs (round robin in a set); plan_gen changes with the
	 * events, their groups or the rotation order (never 0) */
	struct perf_plan_memo plan_memo[PERF_PLAN_MEMO_SETS][PERF_PLAN_MEMO_WAYS];
	unsigned int plan_memo_next[PERF_PLAN_MEMO_SETS];
	u64 plan_gen;
};

int perf_cpu__init(struct perf_cpu *pc, struct hw_cpu *cpu, const struct perf_costs *costs);
/* @pc is a CPU of the host whose x86 PMU state @sys is (from its init,
 * before its first event): the pCPUs of one host share their events'
 * reference count. */
void perf_cpu__share_system(struct perf_cpu *pc, struct perf_system *sys);
/* A task that is not running migrates from @from's CPU to @to's (its
 * task context follows it: scheduled out on the old CPU, in on the new one
 * when it runs there): its events go with it,
 * their counts, times and samples kept. 0, or -PERF_ENOSPC when @to's table
 * cannot take them (nothing moves then), -PERF_EINVAL if the task runs. */
int perf_cpu__move_task(struct perf_cpu *from, struct perf_cpu *to, int task);
void perf_cpu__exit(struct perf_cpu *pc);
/*
 * Perf's invariants (core.c): an event on a counter is ACTIVE and the
 * counter's; an ACTIVE one (not a metric) is on a counter; the counter
 * table and its masks agree; a released event is OFF; none has run longer
 * than it was enabled; the select (or fixed field) of an event on a counter
 * and not throttled holds what its enable wrote; the exclude_host /
 * exclude_guest masks are the holders' modes; a counter no event holds is
 * not enabled in its select or FIXED_CTR_CTRL (but while a mediated guest's
 * context is loaded). False, with the first
 * broken one in @why, when one does not hold. A perf_cpu made while
 * base/checks.h has the checks on makes them after each change outside an
 * interrupt handler.
 */
bool perf_cpu__check(const struct perf_cpu *pc, char *why, unsigned long len);
/* Perf's register accesses so far, all kinds. */
static inline u64 perf_cpu__nr_msr_ops(const struct perf_cpu *pc)
{
	return pc->nr_ops[0] + pc->nr_ops[1] + pc->nr_ops[2];
}

/*
 * Create an event (and schedule it if it can run). @group_leader is NULL
 * or an existing leader. Returns 0 and *out, or -PERF_EINVAL (bad attr:
 * as perf_event_open(), a sample_freq above max_sample_rate or a
 * sample_period with bit 63 set),
 * -PERF_EOPNOTSUPP (a !exclude_guest event while a mediated VM exists),
 * -PERF_ENOSPC (too many events).
 */
int perf_event__create(struct perf_cpu *pc, const struct perf_attr *attr,
		       struct perf_event *group_leader, struct perf_event **out);
void perf_event__release(struct perf_cpu *pc, struct perf_event *ev);
void perf_event__enable(struct perf_cpu *pc, struct perf_event *ev);
void perf_event__disable(struct perf_cpu *pc, struct perf_event *ev);
/* Bring count and times up to date (reads the counter if it runs). */
void perf_event__read(struct perf_cpu *pc, struct perf_event *ev);
/* An event's values as of now, without touching the hardware's clock or
 * registers (no cost, no side effect): for reports and expectations. */
struct perf_values {
	u64 count, enabled, running, truth;
};
void perf_event__values(const struct perf_cpu *pc, const struct perf_event *ev,
			struct perf_values *v);

/* count * enabled / running (0 if it never ran), as perf stat scales. */
u64 perf_scale(u64 count, u64 enabled, u64 running);
u64 perf_event__scaled(const struct perf_event *ev);
/* perf_event_period (PERF_EVENT_IOC_PERIOD; KVM's reprogramming of a
 * backing event): a new sample period, or for a frequency event a new
 * frequency. 0 or -PERF_EINVAL (0, bit 63, a frequency above
 * max_sample_rate), which changes nothing. */
int perf_event__set_period(struct perf_cpu *pc, struct perf_event *ev, u64 period);

/* The host tick: multiplexing rotation and frequency adjustment. */
void perf_cpu__tick(struct perf_cpu *pc);
/* The host NMI handler's perf part; returns whether perf claimed the NMI. */
bool perf_cpu__handle_nmi(struct perf_cpu *pc, const struct hw_irq *irq);
/* The task running on this CPU changes (0: none); task events follow. */
void perf_cpu__switch_task(struct perf_cpu *pc, int task);

/* GLOBAL_CTRL values for host and guest mode (perf_guest_get_msrs): the
 * guest value drops exclude_guest events, the host value exclude_host ones. */
void perf_cpu__guest_get_msrs(const struct perf_cpu *pc, u64 *host, u64 *guest);

/* Mediated PMU API (Linux 7.0, research/vpmu-design.md section 2). */
int perf_cpu__create_mediated_pmu(struct perf_cpu *pc);
void perf_cpu__release_mediated_pmu(struct perf_cpu *pc);
void perf_cpu__load_guest_context(struct perf_cpu *pc);
void perf_cpu__put_guest_context(struct perf_cpu *pc);
/* The vector the LVTPC delivers a mediated guest's PMIs on
 * (PERF_GUEST_MEDIATED_PMI_VECTOR, arch/x86/include/asm/irq_vectors.h). */
#define PERF_GUEST_MEDIATED_PMI_VECTOR 0xf5
void perf_cpu__load_guest_lvtpc(struct perf_cpu *pc, u32 guest_lvtpc);
void perf_cpu__put_guest_lvtpc(struct perf_cpu *pc);

/* Arm the host tick (hw_cpu.timer_at) one tick from now, and run the
 * host's code with IF set from here on. The tick is a maskable interrupt
 * (hw_cpu.tick_needs_if): in host mode it waits for IF, which perf's
 * irqs-off regions (ctx_resched, event enable and disable) and KVM's run
 * loop hold clear; in guest mode it forces a VM-exit. */
void perf_cpu__start_tick(struct perf_cpu *pc);
/* A host interrupt entry for a core that only runs perf: an hw_irq_fn with
 * @ctx the perf_cpu. NMIs go to the PMI handler, the tick to
 * perf_cpu__tick() and is re-armed. Returns 0 (never stops the core). */
int perf_cpu__host_irq(void *ctx, const struct hw_irq *irq);

/* Run perf's own work: a host CPL 0 segment of @cycles (IPC 1, estimate). */
void perf_cpu__exec(struct perf_cpu *pc, u64 cycles);

#endif /* VPMU__PERF_PERF_H */

/*
 * hw/cpu.h - one simulated x86 logical processor: its cycle clock, mode,
 * interrupt flag, CR4.PCE, PMU and local-APIC LVTPC.
 *
 * Time is in core cycles and only moves when hw_cpu__run() executes a
 * segment. Overflow is exact: a counter that wraps inside a segment wraps
 * at the cycle where its count crosses 2^width (events spread evenly over
 * the segment, hw/events.h), and the PMI is requested at that cycle; the
 * APIC delivers it pmi_skid cycles later.
 *
 * Limits: cpu->now never passes HW_CPU_MAX_CYCLES (2^62, so that adding a
 * skid, a slice or a deadline to it cannot wrap 64 bits), and a CPU runs at
 * most max_events engine events (hw_cpu__run calls plus the steps of their
 * loops: pieces and interrupt deliveries). A run that would pass either
 * fails: hw_cpu__failure_text() says why, and from then on the CPU executes
 * nothing (hw_cpu__run returns 0 at once), so every caller's loop ends; the
 * top level reports the failure.
 */
#ifndef VPMU__HW_CPU_H
#define VPMU__HW_CPU_H

#include "base/util.h"
#include "hw/costs.h"
#include "hw/events.h"
#include "hw/msr.h"
#include "hw/pmu.h"

enum hw_irq_kind {
	HW_IRQ_NMI,
	HW_IRQ_VECTOR,
	HW_IRQ_TIMER,		/* the host tick (hw_cpu.timer_at) */
};

struct hw_irq {
	enum hw_irq_kind kind;
	u8 vector;
	u64 requested_at;	/* cycle of the PMI request (the overflow) */
	u64 delivered_at;	/* cycle the CPU takes it */
	bool guest;		/* the interrupted context */
	u8 cpl;
	u64 source;		/* PMI: the counters (global indexes) whose overflow raised it */
	bool source_guest;	/* PMI: the mode the overflow happened in */
};

/* Called when the CPU takes an interrupt; non-zero stops hw_cpu__run(). */
typedef int (*hw_irq_fn)(void *ctx, const struct hw_irq *irq);

/* The LVT performance-counter entry and the one PMI it can have pending. */
struct hw_apic {
	u32 lvtpc;		/* reset 0x00010000: masked, fixed, vector 0 */
	bool vec_pending;	/* in the IRR, waiting for IF */
	u8 vec;
	u64 vec_requested_at, vec_ready_at, vec_source;
	bool vec_source_guest;
	bool nmi_pending;
	u64 nmi_requested_at, nmi_ready_at, nmi_source;
	bool nmi_source_guest;
	u64 pmi_requests;	/* PMI requests that reached the APIC */
	u64 pmi_dropped;	/* ... while LVTPC was masked or unusable */
	u64 pmi_merged;		/* ... while one was already pending */
	u64 pmi_delivered;	/* interrupts the CPU took */
};

#define HW_CPU_MAX_CYCLES		(1ULL << 62)
#define HW_CPU_DEFAULT_MAX_EVENTS	(1ULL << 30)

/* Which counting engine hw_cpu__run() uses; both give the same results. */
enum hw_engine {
	HW_ENGINE_FAST = 0,	/* cpu.c: cached decoding, lazy divisions */
	HW_ENGINE_REFERENCE,	/* cpu_ref.c: the straightforward form */
};

enum hw_cpu_failure {
	HW_CPU_FAIL_NONE = 0,
	HW_CPU_FAIL_TIME,	/* a segment would take now past HW_CPU_MAX_CYCLES */
	HW_CPU_FAIL_EVENTS,	/* max_events reached */
};

/* Tests only (test_engine_diff.c): a deliberate error in the fast engine,
 * to show the differential test catches one. */
enum hw_test_fault {
	HW_TEST_FAULT_NONE = 0,
	HW_TEST_FAULT_SHARE,	/* a counter's share of a piece is one short */
	HW_TEST_FAULT_STALE_DECODE,	/* decoded setups are never refreshed */
	HW_TEST_FAULT_BATCH,	/* a host batch of several deferred accesses loses a cycle */
	HW_TEST_FAULT_QUIET,	/* the quiet path takes a GLOBAL_CTRL write for a plain one */
	HW_TEST_FAULT_TAKE_BACK,	/* a one-piece segment that would wrap keeps one counter's units */
	HW_TEST_FAULT_REARM,	/* perf's re-arm in place (perf/core.c) leaves out a WRMSR's time */
	HW_TEST_FAULT_BULK,	/* a counter sequence's quiet form leaves out a select clear's time */
};

/* The kinds of host register access (hw_cpu.host_seg slots, batch_n). */
enum hw_host_access { HW_HOST_WRMSR, HW_HOST_RDMSR, HW_HOST_RDPMC };

/* The decoded counting setup of one mode, and the registers it was decoded
 * from (event selects, fixed control, global control, global status). */
#define HW_DECODE_KEY (HW_MAX_GP + 3)
struct hw_decoded {
	u64 gen;		/* 0: never decoded; else unique per decoding */
	u64 key[HW_DECODE_KEY];
	u64 active;		/* counters that count in this mode */
	u64 pmi;		/* ... and request a PMI on overflow */
	struct hw_count_cfg cc[HW_MAX_IDX];	/* valid where active */
};

/* A segment's counting as decoded (cpu.c, engine-private): the units of
 * each counter over the whole segment, and which counters have any. */
struct hw_span {
	const struct hw_decoded *d;
	u64 gen;		/* of d when units were computed; 0 none */
	u64 live;		/* active counters with units (or metrics) */
	bool metrics;		/* fixed counter 3 drives PERF_METRICS */
	u64 units[HW_MAX_IDX];
};

/* A counter as host accesses name it (the counter sequences below): its
 * RDPMC ECX, its counter MSR and its select MSR (0: none, a fixed counter). */
#define HW_MAX_CTRS	(HW_MAX_GP + HW_MAX_FIXED)
struct hw_ctr_regs {
	u32 ecx, ctr_msr, sel_msr;
};

struct hw_cpu {
	struct hw_pmu pmu;
	struct hw_apic apic;
	struct hw_costs costs;
	u64 now;		/* cycles since reset */
	bool guest;		/* mode of what runs (set from each segment) */
	u8 cpl;
	bool intr_enabled;	/* RFLAGS.IF */
	bool cr4_pce;
	hw_irq_fn on_irq;
	void *irq_ctx;
	/* Interrupt handlers run inside hw_cpu__run(). An NMI handler blocks
	 * NMIs (until its IRET); any handler blocks the tick and vectored
	 * interrupts (handlers run with IF clear). An NMI may interrupt a tick
	 * or IRQ handler. */
	unsigned int irq_depth;
	u64 irqs_taken;		/* handlers entered (NMIs, PMIs, ticks, IPIs) */
	bool in_nmi;
	/* The host tick: taken at this cycle, then disarmed (UINT64_MAX); its
	 * handler re-arms it. With tick_needs_if it waits for IF in host mode
	 * (a host kernel's irqs-off region); in guest mode it is always taken
	 * (it forces a VM-exit); every host core sets it when it starts its
	 * tick (perf_cpu__start_tick). Without, it ignores IF (the engine's
	 * own tests, which arm timer_at directly).
	 * With tick_skips_guest it is not taken in guest mode: it waits for
	 * the next VM-exit and the host's IF (a replayed trace, whose own
	 * interrupt exits are the host's interrupts, sim_config.input_irqs). */
	u64 timer_at;
	bool tick_needs_if, tick_skips_guest;
	/* Ground truth: every event that happened, by [guest][cpl != 0]. The
	 * engine adds to it (each addition an engine event, with cycles);
	 * outside it only the guest instruction cells are added to (kvm/vcpu.c:
	 * an instruction KVM emulated), which perf_update_times relies on. */
	u64 truth[2][2][HW_EV_NR];
	/* Host cycles run while @mark was set (perf sets it while host events
	 * are scheduled out for a guest: the cycles host perf cannot see). */
	bool mark;
	u64 marked_host_cycles;
	/* An observer of host register accesses (sim/interleave.c explores
	 * interrupts between them): called after each hw_cpu__host_* access
	 * (before its instruction's cycles) with its MSR or RDPMC ECX. */
	void (*on_host_access)(void *ctx, u32 reg);
	void *access_ctx;
	/* The engine, its limits and its cache (cpu.c). */
	enum hw_engine engine;
	enum hw_cpu_failure failure;
	u64 max_events, events;
	enum hw_test_fault test_fault;
	u64 dec_gen;
	struct hw_decoded dec[2][2][2];	/* [guest][cpl != 0][two most recent] */
	u8 dec_last[2][2];		/* which of the two was used last */
	/* The segments of host instructions (WRMSR, RDMSR, RDPMC, then other
	 * work by its length), with the costs they were derived from (cpu.c
	 * host_slot). */
	struct hw_host_seg {
		u64 cycles, insns;
		u32 ref_num, ref_den, slots_per_cycle;
		struct hw_segment seg;
		struct hw_span span;	/* its counting in host mode, CPL 0 */
	} host_seg[3 + 16];
	/* An open host batch (hw_cpu__host_batch_begin): register accesses
	 * whose segments move no counter (cpu.c batch_defer) but are not yet
	 * added to now, the ground truth and the event count. */
	bool batch_want;	/* a batch is open ... */
	bool batch_open;	/* ... and its limits below are set ... */
	bool batch_quiet;	/* ... and nothing can count (cpu.c batch_quiet) */
	u32 quiet_left;		/* accesses of any kind sure to fit it (0: none,
				 * or not quiet): the quiet path's room */
	u64 batch_limit;	/* the last cycle a deferred segment may end at */
	u64 batch_room;		/* engine events left before max_events */
	u64 batch_cycles;	/* cycles not yet added */
	u64 batch_count;	/* segments not yet added ... */
	u64 batch_n[3];		/* ... of WRMSR, RDMSR, RDPMC */
	unsigned int batch_events;	/* events (bits) the access segments have */
	bool access_costs_ok;	/* the access segments are of access_costs: */
	struct hw_costs access_costs;
	/* The registers of the last counter list a counter sequence
	 * (hw_cpu__host_put_counters / _load_counters) named, resolved to
	 * offsets (a copy of the hw_cpu stays right): all plain (hw/pmu.h), or
	 * ok false. Keyed by the list's contents. */
	struct hw_ctr_memo {
		bool ok;
		unsigned int n;
		struct hw_ctr_regs regs[HW_MAX_CTRS];
		/* the counter's and its select's (has_sel) offsets in struct hw_pmu */
		u16 ctr[HW_MAX_CTRS], sel[HW_MAX_CTRS];
		u64 ctr_valid[HW_MAX_CTRS];	/* the bits a plain write may set */
		u64 has_sel;			/* bit i: r[i] has a select */
	} ctr_memo;
};

int hw_cpu__init(struct hw_cpu *cpu, const struct hw_pmu_config *cfg,
		 const struct hw_costs *costs, char *err, unsigned long len);
/* The engine hw_cpu__init() selects from now on (default HW_ENGINE_FAST). */
void hw_cpu__set_default_engine(enum hw_engine e);
/* Tests only: the planted error hw_cpu__init() gives a new CPU. */
void hw_cpu__set_default_test_fault(enum hw_test_fault f);
/* The max_events hw_cpu__init() sets from now on (HW_CPU_DEFAULT_MAX_EVENTS). */
void hw_cpu__set_default_max_events(u64 n);
/* Why the CPU stopped executing (a limit), or NULL while it runs. */
const char *hw_cpu__failure_text(const struct hw_cpu *cpu);
/* Is @msr one the core models (on either vendor)? Others are not PMU MSRs. */
bool hw_cpu__is_msr_modelled(u32 msr);
enum hw_msr_result hw_cpu__rdmsr(struct hw_cpu *cpu, u32 msr, u64 *val);
enum hw_msr_result hw_cpu__wrmsr(struct hw_cpu *cpu, u32 msr, u64 val);
enum hw_msr_result hw_cpu__rdpmc(struct hw_cpu *cpu, u32 ecx, u64 *val);
void hw_cpu__cpuid(const struct hw_cpu *cpu, u32 leaf, u32 sub, u32 r[4]);
/* Set RFLAGS.IF; setting it takes a due pending interrupt. Returns the
 * interrupt callback's stop request. */
int hw_cpu__set_if(struct hw_cpu *cpu, bool on);
/* Set @mark (what follows is counted in marked_host_cycles, or not). Within
 * a host batch the accesses before are accounted first: a batch's cycles
 * are all on one side. */
void hw_cpu__set_mark(struct hw_cpu *cpu, bool on);
/* Fill @seg's derived events (reference cycles, slots, topdown) from its
 * cycles, instructions and branch misses, by the core's ratios. */
void hw_cpu__fill_derived(const struct hw_cpu *cpu, struct hw_segment *seg);
/*
 * Execute @seg. Returns 0 when it ran to the end, 1 when the interrupt
 * callback asked to stop (then *rest, if not NULL, holds what is left), or
 * VPMU_E_INVAL for a segment with events but no cycles.
 */
int hw_cpu__run(struct hw_cpu *cpu, const struct hw_segment *seg,
		struct hw_segment *rest);

/*
 * Host kernel work on this core: the access is made in host mode at CPL 0,
 * then its instruction retires (one segment of the profile's cost, counted
 * under the state after it). The mode of whatever ran before is restored.
 * hw_cpu__host_exec runs @cycles of kernel code (IPC 1, an estimate).
 */
static inline enum hw_msr_result hw_cpu__host_wrmsr(struct hw_cpu *cpu, u32 msr, u64 val);
static inline u64 hw_cpu__host_rdmsr(struct hw_cpu *cpu, u32 msr);
static inline u64 hw_cpu__host_rdpmc(struct hw_cpu *cpu, u32 ecx);
void hw_cpu__host_exec(struct hw_cpu *cpu, u64 cycles);
/* The general form of the three above (cpu.c): what they do when their
 * quiet path (below) does not apply. */
enum hw_msr_result hw_cpu__host_wrmsr_slow(struct hw_cpu *cpu, u32 msr, u64 val);
u64 hw_cpu__host_rdmsr_slow(struct hw_cpu *cpu, u32 msr);
u64 hw_cpu__host_rdpmc_slow(struct hw_cpu *cpu, u32 ecx);
/* The register access alone, without its instruction's segment (cpu.c:
 * the quiet path's access to a register that is not plain). */
enum hw_msr_result hw_cpu__host_wrmsr_quiet(struct hw_cpu *cpu, u32 msr, u64 val);
u64 hw_cpu__host_read_quiet(struct hw_cpu *cpu, enum hw_host_access kind, u32 reg);

/*
 * A batch of host accesses made back to back (a mediated put or load, the
 * register accesses of perf's reschedule): between begin and end the caller
 * makes host accesses (and reads their results and the registers), sets no
 * field the engine times segments or interrupts by (mode, IF, the tick,
 * mark, costs, the APIC; the PMU's guest_owned may change: deferred
 * segments count nothing), and reads the clock only through hw_cpu__now():
 * cpu->now, the ground truth and the engine event count may lag until end. Every access is made in order, at once, and its
 * instruction's segment counts exactly as outside a batch: the fast engine
 * only adds up the segments that move no counter and meet no interrupt,
 * and applies them in one step, at end or before the first segment that
 * does not allow it. Host work (hw_cpu__host_exec), hw_cpu__run and
 * hw_cpu__set_if apply what is deferred first; the last two end the batch.
 * Interrupt handlers run unbatched. The reference engine (and an observer
 * of host accesses) runs every access on its own. Units: as hw_cpu.
 */
void hw_cpu__host_batch_begin(struct hw_cpu *cpu);
void hw_cpu__host_batch_end(struct hw_cpu *cpu);
/* The clock with what an open batch has not yet applied: cpu->now as it
 * is after the accesses made so far (inside a batch, read this). */
static inline u64 hw_cpu__now(const struct hw_cpu *cpu)
{
	return cpu->now + cpu->batch_cycles;
}

/*
 * The quiet path of a host access: inside an open batch whose PMU has every
 * counter globally disabled (cpu->batch_quiet: GLOBAL_CTRL enables none of
 * them, the state of a mediated put and load), an access to a plain
 * register (hw/pmu.h: a counter or select written within its bits, a
 * counter read by RDPMC) changes nothing that counts, so its instruction's
 * segment is deferred exactly as batch_defer() in cpu.c would defer it:
 * when it ends before the batch's limit and the event bound has room
 * (cpu->quiet_left: how many accesses of any kind are sure to; one past
 * them takes the general path, which decides for itself).
 * Then the access is the register's load or store and a few adds, inline;
 * otherwise the general path runs it. Every access but a GLOBAL_CTRL write
 * that enables a counter leaves every counter globally disabled, so it may
 * take the quiet path: a plain register inline, any other (LVTPC, status,
 * fixed control, GLOBAL_CTRL enabling none, RDMSR) through the vendor's
 * access. A GLOBAL_CTRL write with an enable bit takes the general path,
 * which sets batch_quiet again after each access. The batch's limits and
 * batch_quiet are set at its begin.
 */
static inline bool hw_cpu__has_quiet_room(const struct hw_cpu *cpu)
{
	return cpu->quiet_left != 0;
}

static inline void hw_cpu__quiet_defer(struct hw_cpu *cpu, enum hw_host_access kind)
{
	cpu->batch_cycles += cpu->host_seg[kind].seg.cycles;
	cpu->batch_count++;
	cpu->batch_n[kind]++;
	cpu->quiet_left--;
}

/*
 * Host accesses that leave every register as it was (perf re-arming an
 * event on the counter it holds, perf/core.c rearm_in_place: hw/ does not
 * check that), @n[k] of each kind, deferred as the quiet path would defer
 * them one by one: true when the batch is quiet and they fit it with room
 * left for @reserve more accesses of the costliest kind (those that follow
 * in the caller's sequence, so that every one of them still fits where the
 * accesses made one by one, in any order, would); false, having done
 * nothing, otherwise. @cycles: what they took.
 */
static inline bool hw_cpu__host_quiet_nops(struct hw_cpu *cpu, const u32 n[3], u32 reserve,
					   u64 *cycles)
{
	const u64 cw = cpu->host_seg[HW_HOST_WRMSR].seg.cycles;
	const u64 cr = cpu->host_seg[HW_HOST_RDMSR].seg.cycles;
	const u64 cp = cpu->host_seg[HW_HOST_RDPMC].seg.cycles;
	u64 c = n[0] * cw + n[1] * cr + n[2] * cp;
	u64 most = cw > cr ? (cw > cp ? cw : cp) : (cr > cp ? cr : cp);
	u64 count = (u64)n[0] + n[1] + n[2];

	if (!cpu->batch_quiet ||
	    cpu->now + cpu->batch_cycles + c + reserve * most > cpu->batch_limit ||
	    cpu->batch_count + count + reserve > cpu->batch_room)
		return false;
	cpu->batch_cycles += c;
	cpu->batch_count += count;
	for (int k = 0; k < 3; k++)
		cpu->batch_n[k] += n[k];
	/* each took at most the costliest kind's cycles and one event */
	cpu->quiet_left = cpu->quiet_left > count ? cpu->quiet_left - (u32)count : 0;
	*cycles = c;
	return true;
}

/* Store @val to @msr when it is a plain register write (hw/pmu.h). */
static inline bool hw_pmu__is_plain_write(struct hw_pmu *pmu, u32 msr, u64 val)
{
	u32 d = msr - pmu->win_ctr_base;

	if (!(d & ((1U << pmu->win_ctr_shift) - 1)) && (d >> pmu->win_ctr_shift) < pmu->win_ctr_n) {
		if (val & ~pmu->gp_mask)
			return false;
		pmu->gp[d >> pmu->win_ctr_shift] = val;
		return true;
	}
	d = msr - pmu->win_sel_base;
	if (!(d & ((1U << pmu->win_sel_shift) - 1)) && (d >> pmu->win_sel_shift) < pmu->win_sel_n) {
		if (val & pmu->evtsel_rsvd)
			return false;
		pmu->evtsel[d >> pmu->win_sel_shift] = val;
		return true;
	}
	d = msr - MSR_CORE_PERF_FIXED_CTR0;
	if (d < HW_MAX_FIXED && (pmu->win_fixed >> d & 1) && !(val & ~pmu->fixed_mask)) {
		pmu->fixed[d] = val;
		return true;
	}
	return false;
}

/* The register RDMSR of @msr reads when it is a plain register (a counter
 * or select of the windows, a present fixed counter: the value as stored,
 * as the vendor's rdmsr returns it), or NULL. */
static inline const u64 *hw_pmu__plain_rdmsr(const struct hw_pmu *pmu, u32 msr)
{
	u32 d = msr - pmu->win_ctr_base;

	if (!(d & ((1U << pmu->win_ctr_shift) - 1)) && (d >> pmu->win_ctr_shift) < pmu->win_ctr_n)
		return &pmu->gp[d >> pmu->win_ctr_shift];
	d = msr - pmu->win_sel_base;
	if (!(d & ((1U << pmu->win_sel_shift) - 1)) && (d >> pmu->win_sel_shift) < pmu->win_sel_n)
		return &pmu->evtsel[d >> pmu->win_sel_shift];
	d = msr - MSR_CORE_PERF_FIXED_CTR0;
	if (d < HW_MAX_FIXED && (pmu->win_fixed >> d & 1))
		return &pmu->fixed[d];
	return NULL;
}

/* The register RDPMC @ecx reads when it is a plain counter read, or NULL. */
static inline const u64 *hw_pmu__plain_rdpmc(const struct hw_pmu *pmu, u32 ecx)
{
	u32 k = ecx - ((u32)RDPMC_TYPE_FIXED << 16);

	if (ecx < pmu->rdpmc_gp_n)
		return &pmu->gp[ecx];
	if (k < HW_MAX_FIXED && (pmu->rdpmc_fixed >> k & 1))
		return &pmu->fixed[k];
	return NULL;
}


static inline __attribute__((always_inline)) enum hw_msr_result
hw_cpu__host_wrmsr(struct hw_cpu *cpu, u32 msr, u64 val)
{
	enum hw_msr_result r = HW_MSR_OK;

	if (!hw_cpu__has_quiet_room(cpu) ||
	    (msr == cpu->pmu.global_ctrl_msr && (val & cpu->pmu.present) &&
	     cpu->test_fault != HW_TEST_FAULT_QUIET))
		return hw_cpu__host_wrmsr_slow(cpu, msr, val);
	if (!hw_pmu__is_plain_write(&cpu->pmu, msr, val))
		r = hw_cpu__host_wrmsr_quiet(cpu, msr, val);
	hw_cpu__quiet_defer(cpu, HW_HOST_WRMSR);
	return r;
}

static inline u64 hw_cpu__host_rdpmc(struct hw_cpu *cpu, u32 ecx)
{
	const u64 *r;
	u64 v;

	if (!hw_cpu__has_quiet_room(cpu))
		return hw_cpu__host_rdpmc_slow(cpu, ecx);
	r = hw_pmu__plain_rdpmc(&cpu->pmu, ecx);
	v = r ? *r : hw_cpu__host_read_quiet(cpu, HW_HOST_RDPMC, ecx);
	hw_cpu__quiet_defer(cpu, HW_HOST_RDPMC);
	return v;
}

static inline u64 hw_cpu__host_rdmsr(struct hw_cpu *cpu, u32 msr)
{
	u64 v;

	if (!hw_cpu__has_quiet_room(cpu))
		return hw_cpu__host_rdmsr_slow(cpu, msr);
	v = hw_cpu__host_read_quiet(cpu, HW_HOST_RDMSR, msr);
	hw_cpu__quiet_defer(cpu, HW_HOST_RDMSR);
	return v;
}

/*
 * Counter sequences: what a mediated put and load do to each counter, in
 * the order of @r (@n counters), as the accesses one by one
 * (hw_cpu__host_rdpmc / _wrmsr) would make them. In a quiet batch with
 * room for all of them, and when every register named is plain (hw/pmu.h)
 * and every value written is within its bits, the registers are loaded and
 * stored directly and the accesses' segments deferred together: the same
 * registers, clock and counts as one by one. Otherwise they are made one by
 * one. Both return the number of accesses made.
 *
 * put: RDPMC each counter into @val[i]; when it read non-zero, WRMSR 0 to
 * its counter; when bit i of @clear_sel is set, WRMSR 0 to its select.
 * load: when @skip_unchanged, RDPMC each counter and WRMSR @val[i] to it
 * only when it reads otherwise, else WRMSR at once; then, for a counter
 * with a select, WRMSR @sel[i] to it.
 */
u32 hw_cpu__host_put_counters(struct hw_cpu *cpu, const struct hw_ctr_regs *r, unsigned int n,
			      u64 clear_sel, u64 *val);
u32 hw_cpu__host_load_counters(struct hw_cpu *cpu, const struct hw_ctr_regs *r, unsigned int n,
			       const u64 *val, const u64 *sel, bool skip_unchanged);

/* Units a counter configured as @cc adds over all of @seg (cpu.c). */
u64 hw_count_units(const struct hw_count_cfg *cc, const struct hw_segment *seg);

/* apic.c */
void hw_apic__reset(struct hw_apic *apic);
enum hw_msr_result hw_apic__write_lvtpc(struct hw_apic *apic, u64 val);
/* A PMI request from the PMU at cycle @now. */
void hw_apic__request_pmi(struct hw_cpu *cpu, u64 now, u64 source, bool source_guest);
/* The earliest cycle a pending interrupt can be taken, or UINT64_MAX. */
u64 hw_apic__next_ready(const struct hw_cpu *cpu);
/* Take every interrupt that is due at cpu->now; returns a stop request. */
int hw_apic__deliver_due(struct hw_cpu *cpu);

#endif /* VPMU__HW_CPU_H */

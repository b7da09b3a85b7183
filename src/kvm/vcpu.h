/*
 * kvm/vcpu.h - one vCPU on one pCPU: KVM's run loop (DESIGN.md section 6),
 * with a hook at every place a mediated-PMU policy can load or put:
 *
 *   KVM_RUN:  vcpu_load                                  [vcpu: load]
 *     loop: requests (KVM_REQ_PMU, KVM_REQ_PMI)
 *           irqs off                                     [irqoff: load]
 *           inner loop: [exit: load] VM-entry ... VM-exit [exit: put]
 *                       handle_exit_irqoff (NMIs); fastpath? re-enter
 *           leave the inner loop                         [irqoff: put]
 *           irqs on: pending host IRQs (tick, VPMI 0xf5)
 *           full exit handling; userspace exits leave KVM_RUN
 *   vcpu_put                                             [vcpu: put]
 *
 * The guest drives it (guest/ calls kvm_vcpu__guest_*): guest code runs as
 * guest-mode segments; an interrupt that arrives in guest mode forces a
 * VM-exit; a guest access that is intercepted, or a workload exit, goes
 * round the loop. Every step costs the profile's cycles on the pCPU, so the
 * metrics fall out of what happened: exit latencies from VM-exit to the
 * next VM-entry, irqs-off stretches, blind host cycles, PMI latencies.
 */
#ifndef VPMU__KVM_VCPU_H
#define VPMU__KVM_VCPU_H

#include "base/hist.h"
#include "base/rng.h"
#include "kvm/exits.h"
#include "kvm/pmu.h"

/*
 * A handler's cost in cycles, as a distribution: @base, spread uniformly by
 * +-@spread_pct percent, and with probability @tail_permille / 1000 a slow
 * case costing @tail_x times as much (an EPT violation that faults a page in
 * on the host, a VMM that is scheduled out, ...). All zero but @base: a
 * fixed cost.
 */
struct kvm_cost {
	u32 base;
	u32 spread_pct;		/* 0..100 */
	u32 tail_permille;	/* 0..1000 */
	u32 tail_x;		/* the slow case's multiple of the drawn cost */
};

/* An IPI's way from the sender's ICR write to the target's APIC when the
 * profile does not say: an estimate of a cross-core interrupt message on a
 * current server core (docs/profiles.md, [kvm] ipi_delivery). */
#define KVM_DEFAULT_IPI_DELIVERY 1500

/* KVM's own costs (the profile's [kvm] section), and one limit. */
struct kvm_costs {
	u32 vmexit, vmentry;	/* the hardware transitions with KVM's entry/exit code */
	u32 full;		/* leaving the inner loop and handle_exit's dispatch */
	struct kvm_cost userspace;	/* KVM_RUN return, the VMM, the next KVM_RUN */
	struct kvm_cost host_irq;	/* a host interrupt's entry, handler and exit */
	struct kvm_cost handler[EXIT_NR];	/* the reason's own handler */
	u8 mediated_max_fixed;	/* fixed counters KVM gives a mediated guest: 3
				 * (Linux 7.0), 4 with the posted Topdown series */
	u32 mediated_exit_global_ctrl;	/* Intel, mediated, GLOBAL_CTRL passed
				 * through: getting the guest's value at each
				 * VM-exit (pmu.c kvm_pmu__vm_exit), cycles */
	u32 mediated_exit_autostore;	/* Intel before SPR, mediated: the CPU's
				 * store of GLOBAL_CTRL to the VM-exit
				 * MSR-store area at each VM-exit, cycles */
	/* IPIs between vCPUs (a host of several, sim/host.h) */
	u32 ipi_delivery;	/* sender's ICR write done -> the target's APIC has it */
	u8 posted_interrupts;	/* 1: posted interrupts (APICv / AVIC) reach a target
				 * in guest mode without a VM-exit; 0: KVM kicks it
				 * with a host IPI, which exits */
	u8 ipi_virtualization;	/* 1: IPIv (VMX, SPR on): the sender's unicast
				 * physical-mode x2APIC ICR write is virtualized,
				 * no VM-exit; 0: it exits (the fastpath) */
};

/* Where a mediated vPMU loads and puts the guest context. */
struct kvm_policy_ops {
	const char *name;
	bool at_vcpu;		/* vcpu_load / vcpu_put (and sched_in / sched_out) */
	bool at_irqoff;		/* around the irqs-off inner loop (Linux 7.0) */
	bool at_exit;		/* around every VM-entry / VM-exit */
	bool lazy;		/* like at_vcpu, but put when the host wants the PMU:
				 * when host perf has events, leaving the irqs-off
				 * loop puts (as irqoff); the next VM-entry loads */
	const char *what;
};

extern const struct kvm_policy_ops *const kvm_policies[];
const struct kvm_policy_ops *kvm_policy__by_name(const char *name);

enum kvm_pmi_route {
	PMI_ROUTE_VECTOR,	/* LVTPC on vector 0xf5 while the guest context is loaded */
	PMI_ROUTE_NMI,		/* LVTPC stays NMI; the NMI handler guesses the owner */
};

/* The pCPU's other work: @tasks runnable host tasks share it with the vCPU
 * thread, each for @slice_cycles in turn (0 tasks: pinned 1:1). */
struct kvm_host_sched {
	unsigned int tasks;
	bool others;		/* other vCPU threads share the pCPU (sim/host.c) */
	u64 slice_cycles;
	u32 task_cpi_milli;	/* the host tasks' cycles per instruction x 1000 */
};

struct kvm_vcpu_stats {
	u64 exits[EXIT_NR];
	u64 fastpath_exits;
	struct hist latency[EXIT_NR];	/* VM-exit -> next VM-entry, cycles */
	struct hist latency_all;
	struct hist latency_fastpath;	/* exits handled in the inner loop */
	struct hist latency_full;	/* exits that left it */
	u64 loads, puts, switch_cycles;
	u64 switch_accesses;	/* KVM's PMU register accesses in them */
	struct hist irqoff;		/* host cycles per irqs-off stretch */
	struct hist pmi_latency;	/* guest counter overflow -> guest handler */
	struct hist pmi_handler;	/* the guest's PMI handler, entry to return, its
					 * exits included (guest/workload.c) */
	u64 guest_pmis, misattributed_pmis, unclaimed_nmis, host_irqs;
	u64 preemptions;		/* times the vCPU thread was scheduled out */
	u64 preemption_cycles;		/* its own cycles in them: the put, the task switches,
					 * the load (not what ran meanwhile) */
	u64 host_task_cycles;		/* cycles the other host tasks ran */
	u64 reprograms;			/* KVM_REQ_PMU counter reprograms */
	u64 reprogram_cycles;		/* host cycles spent in them */
	u64 retired_emulated;		/* guest instructions KVM completed */
	u64 fastpath_left;		/* fastpath-handled exits that left the loop
					 * for a pending request */
	u64 fastpath_handled;		/* exits a fastpath handler took: re-entered,
					 * left for a request or a HLT that sleeps
					 * (the one place irqoff and exit differ) */
	/* IPIs (a host of several vCPUs) */
	u64 ipis_sent, ipis_received, ipis_merged;	/* merged: one was still pending */
	u64 ipi_kicks;			/* targets in guest mode kicked out (no posting) */
	u64 ipis_late;			/* reached a vCPU in guest mode whose pCPU's
					 * clock had passed the arrival (the host's
					 * lookahead bound): taken late */
	u64 halts;			/* HLTs that blocked the thread (kvm_vcpu_block) */
	u64 halted_cycles;		/* pCPU cycles from blocking to running again */
	struct hist ipi_latency;	/* sender's ICR write -> the target's handler */
};

/*
 * The host around a vCPU thread that shares its world with other vCPU
 * threads (sim/host.c); NULL (the default): the thread has its pCPU alone
 * but for kvm_host_sched's host tasks.
 */
struct kvm_host_ops {
	/* Guest code may run until this pCPU cycle before the other pCPUs
	 * must catch up (UINT64_MAX: no bound). */
	u64 (*horizon)(void *ctx);
	/* The thread reached the horizon: let the other pCPUs catch up. */
	void (*sync)(void *ctx);
	/* need_resched: the vCPU thread is scheduled out (the PMU context
	 * already put where the policy puts); returns when it runs again. */
	void (*schedule)(void *ctx);
	/* The guest wrote its x2APIC ICR: an IPI to vCPU @dest of its VM. */
	void (*send_ipi)(void *ctx, unsigned int dest);
	/* kvm_vcpu_block: the halted vCPU's thread sleeps (the PMU context
	 * already put where the policy puts) until its timer at @until or an
	 * IPI wakes it; returns when it runs again. */
	void (*halt)(void *ctx, u64 until);
	/* At the tick (scheduler_tick): whether another thread on this pCPU
	 * can run now, one woken since the last switch included. NULL: the
	 * vCPU's sched.others. */
	bool (*has_others)(void *ctx);
};

/*
 * An isolation observer (sim/shadow.c): what the guest did, as the guest
 * sees it, told independently of KVM's own bookkeeping. Every call site in
 * vcpu.c is marked "observer:". All members may be NULL.
 */
enum kvm_guest_op { KVM_GUEST_WRMSR, KVM_GUEST_RDMSR, KVM_GUEST_RDPMC };
struct kvm_vcpu_observer_ops {
	/* Guest-mode work that has executed (a whole segment or the part of
	 * it before an interrupt forced a VM-exit). */
	void (*guest_ran)(void *ctx, const struct hw_segment *done);
	/* A guest WRMSR / RDMSR / RDPMC at CPL 0 or with CR4.PCE, before its
	 * instruction retires: @val is what was written or read; @fault the
	 * guest got #GP. */
	void (*guest_access)(void *ctx, enum kvm_guest_op op, u32 reg, u64 val, bool fault);
	/* KVM retired an intercepted guest instruction at @cpl (it counts as
	 * one guest instruction on bare metal). */
	void (*emulated_insn)(void *ctx, u8 cpl);
	/* The guest took a PMI (its handler starts now). */
	void (*guest_pmi)(void *ctx);
};

/* A trace of what the run loop does, for the timeline plot (sim/run.c
 * records a window of it): each event with the pCPU cycle it happened at. */
enum kvm_trace_ev {
	KVM_TR_ENTRY,		/* VM-entry done: guest mode from here */
	KVM_TR_EXIT,		/* VM-exit (arg: the reason) */
	KVM_TR_IRQS_OFF,	/* the irqs-off region (the inner loop) begins */
	KVM_TR_IRQS_ON,		/* ... and ends */
	KVM_TR_LOAD,		/* a mediated load begins */
	KVM_TR_LOADED,		/* ... and ends: the guest context is loaded */
	KVM_TR_PUT,		/* a put begins */
	KVM_TR_PUT_DONE,	/* ... and ends */
	KVM_TR_PMI,		/* the guest takes a PMI */
	KVM_TR_NR,
};

struct kvm_vcpu_trace {
	void (*event)(void *ctx, u64 cycle, enum kvm_trace_ev ev, unsigned int arg);
	void *ctx;
};

#define KVM_IPI_QUEUE 16	/* IPIs on their way to one vCPU; more merge */

struct kvm_vcpu {
	const struct kvm_vcpu_observer_ops *obs;	/* NULL: none */
	void *obs_ctx;
	struct hw_cpu *cpu;
	struct perf_cpu *host;
	struct kvm_pmu pmu;
	const struct kvm_policy_ops *policy;
	enum kvm_pmi_route route;
	struct kvm_costs costs;
	int task;

	bool in_guest;
	bool guest_if;			/* the guest's RFLAGS.IF */
	u64 exit_at;
	u64 entry_at;			/* the last VM-entry's cycle */
	u64 irqoff_host0;		/* host cycles when irqs went off */
	bool irqs_off;
	struct hw_irq exit_irq;		/* the interrupt that forced the exit */
	bool has_exit_irq;
	u64 pmi_overflow_at;		/* when the pending guest PMI's counter overflowed */
	bool pmi_overflow_known;
	struct kvm_host_sched sched;
	u64 slice_end;			/* the vCPU thread's slice ends here */
	bool need_resched;
	struct rng cost_rng[EXIT_NR + 2];	/* per reason, userspace, host IRQ */
	const struct kvm_vcpu_trace *trace;	/* NULL: none */
	/* Ground truth of this vCPU's guest alone (kvm_vcpu__guest_truth):
	 * what the pCPU's guest truth gained while this vCPU's thread had the
	 * pCPU (on a shared pCPU other vCPUs add theirs meanwhile), by
	 * [cpl != 0]: the sum of the stretches before, and the start of the
	 * current one. */
	u64 truth_acc[2][HW_EV_NR], truth_snap[2][HW_EV_NR];
	bool truth_on;
	const struct kvm_host_ops *hops;	/* NULL: none */
	void *hops_ctx;
	/* IPIs on their way or arrived, by arrival (pCPU cycles): the first
	 * that arrives sets the vector's IRR bit, the others that arrive
	 * before the guest takes it merge into it. ipi_pending, ipi_sent_at and
	 * ipi_at are the earliest's. */
	bool ipi_pending;
	u64 ipi_sent_at, ipi_at;
	struct kvm_ipi { u64 sent, at; } ipiq[KVM_IPI_QUEUE];
	unsigned int ipiq_n;
	u64 halt_until;			/* a halting HLT's timer (0: HLT does not halt) */
	/* The guest's promise (the host's lookahead): it sends no IPI to
	 * vCPU @dest of its VM before the cycle this returns (UINT64_MAX:
	 * never). NULL: unknown, it may send to anyone at any time. */
	u64 (*ipi_bound)(const void *ctx, unsigned int dest);
	const void *ipi_bound_ctx;
	struct kvm_vcpu_stats st;
};

/*
 * Create the vCPU on @cpu with host perf @host. For a mediated vPMU this
 * creates the mediated PMU (perf_create_mediated_pmu): -1 and *err when
 * host perf refuses (-EBUSY) or the host cannot run it.
 */
int kvm_vcpu__init(struct kvm_vcpu *v, const struct kvm_vpmu_ops *kind,
		   const struct kvm_policy_ops *policy, enum kvm_pmi_route route,
		   const struct hw_pmu_config *req, const struct kvm_costs *costs,
		   struct hw_cpu *cpu, struct perf_cpu *host, const char **err);
void kvm_vcpu__destroy(struct kvm_vcpu *v);

/* Seed the draws of handler costs (call before kvm_vcpu__start; the
 * default is seed 0). Each reason has its own stream, so the n-th exit of a
 * reason costs the same whatever else the vPMU adds. */
void kvm_vcpu__seed(struct kvm_vcpu *v, u64 seed);

/* Share the pCPU with other host tasks (call before kvm_vcpu__start). */
void kvm_vcpu__set_sched(struct kvm_vcpu *v, const struct kvm_host_sched *s);

/* The vCPU thread, scheduled out, migrates to another pCPU (the host's
 * load balancer): KVM's and host perf's state go with it; the next
 * vcpu_load is on @cpu. -1 and *err if it cannot (its guest PMU context
 * is loaded, or @host's perf cannot take its task events). */
int kvm_vcpu__migrate(struct kvm_vcpu *v, struct hw_cpu *cpu, struct perf_cpu *host,
		      const char **err);

/* KVM_RUN: vcpu_load, the first entry. / The last exit, vcpu_put. */
void kvm_vcpu__start(struct kvm_vcpu *v);
void kvm_vcpu__stop(struct kvm_vcpu *v);

/* Guest code: run @seg in guest mode (interrupts exit and re-enter).
 * Returns true, with @seg left holding what remains, when a guest PMI or
 * IPI was injected on the way: the guest takes it before it goes on. With
 * host ops, the guest stops at their horizon to let other pCPUs catch up. */
bool kvm_vcpu__guest_run(struct kvm_vcpu *v, struct hw_segment *seg);
/* A workload exit (HLT, I/O, a page fault, ...), its handler cost drawn
 * from the profile. On a vendor without @reason it becomes what that vendor
 * has: a preemption-timer exit on SVM is the host hrtimer's interrupt exit. */
void kvm_vcpu__guest_exit(struct kvm_vcpu *v, enum kvm_exit_reason reason);
/* The same with the handler's cost given (a replayed trace's own). */
void kvm_vcpu__guest_exit_cost(struct kvm_vcpu *v, enum kvm_exit_reason reason,
			       u64 handler_cycles);
/* The vendor's exit for a guest TSC-deadline timer expiring: VMX the
 * preemption timer (fastpath), SVM a host hrtimer interrupt (full path). */
void kvm_vcpu__guest_timer(struct kvm_vcpu *v);
/* Guest instructions that may exit; they return whether the guest got #GP. */
bool kvm_vcpu__guest_wrmsr(struct kvm_vcpu *v, u32 msr, u64 val);
bool kvm_vcpu__guest_rdmsr(struct kvm_vcpu *v, u32 msr, u64 *val);
bool kvm_vcpu__guest_rdpmc(struct kvm_vcpu *v, u32 ecx, u64 *val);
void kvm_vcpu__guest_cpuid(struct kvm_vcpu *v, u32 leaf, u32 sub, u32 r[4]);
/* Events @e of this vCPU's guest so far, both CPLs (ground truth). */
u64 kvm_vcpu__guest_truth(const struct kvm_vcpu *v, enum hw_event e);
/* The guest executes HLT and has nothing to do until @idle_cycles from now
 * (its next timer) or an IPI: KVM blocks the vCPU thread (kvm_vcpu_halt
 * without halt-polling). */
void kvm_vcpu__guest_halt(struct kvm_vcpu *v, u64 idle_cycles);
/* The guest sends an IPI to vCPU @dest of its VM (an x2APIC ICR write:
 * the fastpath WRMSR exit; KVM hands it to the host, kvm_host_ops). */
void kvm_vcpu__guest_send_ipi(struct kvm_vcpu *v, unsigned int dest);
/* An IPI sent at @sent_at reaches @v at @at (the host's call); it is taken
 * when @v's guest runs at or after @at. */
void kvm_vcpu__post_ipi(struct kvm_vcpu *v, u64 sent_at, u64 at);
/* An IPI the guest can take now (its IF allows it); records its latency. */
bool kvm_vcpu__take_guest_ipi(struct kvm_vcpu *v);
/* A virtual PMI the guest can take now (its IF allows a vectored one);
 * records its latency. Returns whether one was taken. */
bool kvm_vcpu__take_guest_pmi(struct kvm_vcpu *v);
/* @cycles of host tasks (user code at CPL 3, @cpi_milli) on @cpu, for a
 * vCPU alone (its slices' turn) or a host's pCPU (sim/host.c); returns the
 * cycles they took (interrupts taken meanwhile included). */
u64 kvm_host__run_tasks(struct hw_cpu *cpu, u64 cycles, u32 cpi_milli);
/* Whether either of the two above could take one (a superset: false means
 * both would return false). */
static inline bool kvm_vcpu__has_guest_interrupt(const struct kvm_vcpu *v)
{
	return v->ipi_pending || v->pmu.guest_pmi_pending || v->pmu.guest_nmi_pending;
}

#endif /* VPMU__KVM_VCPU_H */

/*
 * kvm/vcpu.c - the vCPU run loop (see vcpu.h for its shape and sources).
 *
 * Invariants: the host's IRQs are off from "irqs off" before the inner loop
 * to "irqs on" after it (guest mode excepted: there an interrupt forces a
 * VM-exit); a mediated guest context is loaded exactly between a policy's
 * load and put; every cycle is spent in a segment on the pCPU.
 */
#include <string.h>

#include "hw/msr.h"
#include "kvm/vcpu.h"

static const struct kvm_policy_ops policy_irqoff = {
	.name = "irqoff", .at_irqoff = true,
	.what = "load before the irqs-off inner loop, put after it (Linux 7.0)",
};
static const struct kvm_policy_ops policy_exit = {
	.name = "exit", .at_exit = true,
	.what = "load before every VM-entry, put after every VM-exit",
};
static const struct kvm_policy_ops policy_vcpu = {
	.name = "vcpu", .at_vcpu = true,
	.what = "load at vcpu_load, put at vcpu_put (Sean Christopherson, Oct 2023)",
};
static const struct kvm_policy_ops policy_lazy = {
	.name = "lazy", .lazy = true,
	.what = "stay loaded; put when host perf needs the PMU, load at the next VM-entry",
};

const struct kvm_policy_ops *const kvm_policies[] = {
	&policy_irqoff, &policy_exit, &policy_vcpu, &policy_lazy, NULL,
};

const struct kvm_policy_ops *kvm_policy__by_name(const char *name)
{
	for (int i = 0; kvm_policies[i]; i++)
		if (!strcmp(kvm_policies[i]->name, name))
			return kvm_policies[i];
	return NULL;
}

/* ---- host-side pieces ------------------------------------------------------ */

static enum hw_vendor vendor_of(const struct kvm_vcpu *v)
{
	return v->cpu->pmu.cfg.vendor;
}

static u64 host_cycles(const struct hw_cpu *cpu)
{
	return cpu->truth[0][0][HW_EV_CYCLES] + cpu->truth[0][1][HW_EV_CYCLES];
}

static void host_work(struct kvm_vcpu *v, u64 cycles)
{
	if (cycles)
		hw_cpu__host_exec(v->cpu, cycles);
}

static void tr(struct kvm_vcpu *v, enum kvm_trace_ev ev, unsigned int arg)
{
	if (v->trace)
		v->trace->event(v->trace->ctx, v->cpu->now, ev, arg);
}

/* One draw of a cost distribution (struct kvm_cost), integer-only so a seed
 * gives the same cycles on every build. */
static u64 draw_cost(struct rng *r, const struct kvm_cost *c)
{
	u64 x = c->base;

	if (c->spread_pct && x) {
		u64 w = x * c->spread_pct / 100;

		x = x - w + rng__below(r, 2 * w + 1);
	}
	if (c->tail_permille && rng__below(r, 1000) < c->tail_permille)
		x *= c->tail_x;
	return x;
}

#define COST_USERSPACE	EXIT_NR
#define COST_HOST_IRQ	(EXIT_NR + 1)

static u64 handler_cost(struct kvm_vcpu *v, enum kvm_exit_reason reason)
{
	return draw_cost(&v->cost_rng[reason], &v->costs.handler[reason]);
}

/* Loads and puts run with IRQs off wherever a policy places them (as
 * kvm_mediated_pmu_load/put do inside the irqs-off region): a host
 * interrupt in the middle would see half a context. What came meanwhile is
 * taken right after. */
static bool irqs_save(struct kvm_vcpu *v)
{
	bool was = v->cpu->intr_enabled;

	v->cpu->intr_enabled = false;
	return was;
}

static void irqs_restore(struct kvm_vcpu *v, bool was)
{
	if (was)
		hw_cpu__set_if(v->cpu, true);
}

static void load(struct kvm_vcpu *v)
{
	u64 t0 = v->cpu->now, n0;
	bool was;

	if (!v->pmu.kind->load || v->pmu.loaded)
		return;
	was = irqs_save(v);
	tr(v, KVM_TR_LOAD, 0);
	n0 = v->pmu.nr_load_msr_ops;
	v->pmu.kind->load(&v->pmu);
	v->st.switch_accesses += v->pmu.nr_load_msr_ops - n0;
	kvm_pmu__check_residue(&v->pmu);
	v->cpu->pmu.guest_owned = kvm_pmu__owned(&v->pmu);
	v->st.loads++;
	v->st.switch_cycles += v->cpu->now - t0;
	tr(v, KVM_TR_LOADED, 0);
	irqs_restore(v, was);
}

static void put(struct kvm_vcpu *v)
{
	u64 t0 = v->cpu->now, n0;
	bool was;

	if (!v->pmu.kind->put || !v->pmu.loaded)
		return;
	was = irqs_save(v);
	tr(v, KVM_TR_PUT, 0);
	v->cpu->pmu.guest_owned = 0;	/* put saves what was counted */
	n0 = v->pmu.nr_put_msr_ops;
	v->pmu.kind->put(&v->pmu);
	v->st.switch_accesses += v->pmu.nr_put_msr_ops - n0;
	v->st.puts++;
	v->st.switch_cycles += v->cpu->now - t0;
	tr(v, KVM_TR_PUT_DONE, 0);
	irqs_restore(v, was);
}

/* The lazy policy's test (Sean Christopherson's scheme B, Oct 2023): host
 * perf wants the PMU when it has events on this pCPU (exclude_guest ones:
 * a mediated VM admits no others) that would count the host's time. */
static bool is_host_wanting_pmu(const struct kvm_vcpu *v)
{
	return v->host->nr_events > 0;
}

static void note_guest_pmi(struct kvm_vcpu *v, u64 overflow_at)
{
	if (!v->pmi_overflow_known) {
		v->pmi_overflow_at = overflow_at;
		v->pmi_overflow_known = true;
	}
}

/*
 * The host NMI handler. With a mediated vPMU whose PMIs stay NMIs (routing
 * "nmi"), it must guess whose PMI it is: while the guest context is loaded
 * it takes it as the guest's (KVM_REQ_PMI, perf stays out and the status
 * stays for the put to save), otherwise as the host's (perf). The model
 * knows where the overflow really happened (irq->source_guest) and counts
 * the wrong guesses: a PMI that skids past a load or a put.
 */
static void host_nmi(struct kvm_vcpu *v, const struct hw_irq *irq)
{
	bool mediated = v->pmu.kind->is_mediated, pmi_was = v->pmu.req_pmi;
	bool guest_guess = mediated && v->route == PMI_ROUTE_NMI && v->pmu.loaded;

	if (guest_guess) {
		host_work(v, v->host->costs.nmi_entry);
		/* the LVTPC auto-masked on delivery: unmask, as perf's handler would */
		hw_cpu__host_wrmsr(v->cpu, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
		v->pmu.req_pmi = true;
		note_guest_pmi(v, irq->requested_at);
	} else if (!perf_cpu__handle_nmi(v->host, irq)) {
		v->st.unclaimed_nmis++;
	} else if (!pmi_was && v->pmu.req_pmi) {
		note_guest_pmi(v, irq->requested_at);	/* an emulated counter's */
	}
	if (mediated && irq->source && guest_guess != irq->source_guest)
		v->st.misattributed_pmis++;
}

#define RESCHEDULE_VECTOR 0xfd		/* arch/x86/include/asm/irq_vectors.h */

static void host_irq(struct kvm_vcpu *v, const struct hw_irq *irq)
{
	switch (irq->kind) {
	case HW_IRQ_NMI:
		host_nmi(v, irq);
		return;
	case HW_IRQ_TIMER:
		v->st.host_irqs++;
		host_work(v, draw_cost(&v->cost_rng[COST_HOST_IRQ], &v->costs.host_irq));
		perf_cpu__host_irq(v->host, irq);
		/* scheduler_tick: the vCPU thread's slice is up and something
		 * else can run (nr_running > 1) */
		if (v->cpu->now >= v->slice_end &&
		    (v->sched.tasks || (v->hops && v->hops->has_others ?
					v->hops->has_others(v->hops_ctx) : v->sched.others)))
			v->need_resched = true;
		return;
	case HW_IRQ_VECTOR:
		v->st.host_irqs++;
		host_work(v, draw_cost(&v->cost_rng[COST_HOST_IRQ], &v->costs.host_irq));
		if (irq->vector == PERF_GUEST_MEDIATED_PMI_VECTOR) {
			/* kvm_handle_guest_mediated_pmi -> KVM_REQ_PMI */
			v->pmu.req_pmi = true;
			note_guest_pmi(v, irq->requested_at);
			if (!irq->source_guest)
				v->st.misattributed_pmis++;
		} else if (irq->vector == RESCHEDULE_VECTOR) {
			/* KVM's kick of a vCPU in guest mode (kvm_vcpu_kick):
			 * it exits; the pending IPI is injected at the entry */
		} else {
			v->st.unclaimed_nmis++;	/* a vector nobody handles */
		}
		return;
	}
}

/* The pCPU's interrupt entry: in guest mode an interrupt forces a VM-exit
 * and is handled after it; in host mode it is handled now. */
static int on_irq(void *ctx, const struct hw_irq *irq)
{
	struct kvm_vcpu *v = ctx;

	if (irq->guest) {
		v->exit_irq = *irq;
		v->exit_irq.guest = false;
		v->has_exit_irq = true;
		return 1;
	}
	host_irq(v, irq);
	return 0;
}

static void irqs_off(struct kvm_vcpu *v)
{
	tr(v, KVM_TR_IRQS_OFF, 0);
	v->cpu->intr_enabled = false;
	v->irqs_off = true;
	v->irqoff_host0 = host_cycles(v->cpu);
}

static void irqs_on(struct kvm_vcpu *v)
{
	hist__add(&v->st.irqoff, host_cycles(v->cpu) - v->irqoff_host0);
	tr(v, KVM_TR_IRQS_ON, 0);
	v->irqs_off = false;
	hw_cpu__set_if(v->cpu, true);	/* pending host IRQs run here */
}

/* ---- entry and exit --------------------------------------------------------- */

static void vm_entry(struct kvm_vcpu *v)
{
	if (v->policy->at_exit || (v->policy->lazy && !v->pmu.loaded))
		load(v);
	host_work(v, v->costs.vmentry);
	kvm_pmu__vm_entry(&v->pmu);	/* atomic with the entry itself */
	if (v->pmu.checks)
		kvm_pmu__check_entry(&v->pmu);	/* tests only */
	if (v->exit_at) {
		hist__add(&v->st.latency_all, v->cpu->now - v->exit_at);
		v->exit_at = 0;
	}
	v->in_guest = true;
	v->entry_at = v->cpu->now;
	v->cpu->intr_enabled = true;	/* external interrupts exit */
	tr(v, KVM_TR_ENTRY, 0);
}

/* The mediated fastpath bail-out (v5 38/44): the WRMSR, HLT and INVD
 * fastpath handlers give up while an enabled counter counts instructions
 * (KVM would have to emulate the retired instruction); the preemption
 * timer's does not. */
static bool is_counting_instructions(const struct kvm_pmu *pmu)
{
	if (!pmu->kind->is_mediated)
		return false;
	for (unsigned int i = 0; i < pmu->nr_gp; i++)
		if ((pmu->version < 2 || (pmu->global_ctrl & BIT_ULL(i))) &&
		    (pmu->gp[i].eventsel & EVTSEL_ENABLE) &&
		    (pmu->gp[i].eventsel & KVM_PMC_EVENT_MASK) == 0x00c0)
			return true;
	return pmu->nr_fixed && (pmu->global_ctrl & BIT_ULL(HW_FIXED_BASE)) &&
	       (pmu->fixed_ctr_ctrl & 0x3);
}

/* What an intercepted guest instruction asks KVM to do. */
struct emulation {
	enum { EMU_NONE, EMU_WRMSR, EMU_RDMSR, EMU_RDPMC, EMU_CPUID } op;
	u32 reg;
	u64 val;
	u64 *out;
	u32 *regs;
	bool fault;
};

/* One VM-exit as the guest caused it. */
struct exit_req {
	enum kvm_exit_reason reason;
	struct emulation *e;	/* a PMU access or CPUID KVM emulates, or NULL */
	u64 handler;		/* the handler's cycles */
	bool hrtimer;		/* SVM: the guest's deadline, a host hrtimer's IRQ */
};

/* kvm_skip_emulated_instruction -> kvm_pmu_instruction_retired: the guest
 * did retire the instruction, so ground truth counts it as a guest
 * instruction too (the hardware saw none of it: the exit came first). */
static void retire(struct kvm_vcpu *v)
{
	u8 cpl = v->cpu->cpl;

	kvm_pmu__instruction_retired(&v->pmu, cpl, false);
	v->cpu->truth[1][cpl != 0][HW_EV_INSTRUCTIONS]++;
	v->st.retired_emulated++;
	if (v->obs && v->obs->emulated_insn)	/* observer */
		v->obs->emulated_insn(v->obs_ctx, cpl);
}

/* observer: a guest PMU access and its outcome */
static void observe_access(struct kvm_vcpu *v, const struct emulation *e)
{
	static const enum kvm_guest_op op[] = {
		[EMU_WRMSR] = KVM_GUEST_WRMSR, [EMU_RDMSR] = KVM_GUEST_RDMSR,
		[EMU_RDPMC] = KVM_GUEST_RDPMC,
	};

	if (v->obs && v->obs->guest_access && e->op != EMU_NONE && e->op != EMU_CPUID)
		v->obs->guest_access(v->obs_ctx, op[e->op], e->reg,
				     e->op == EMU_WRMSR || e->fault ? e->val : *e->out, e->fault);
}

static void emulate(struct kvm_vcpu *v, struct emulation *e)
{
	u8 cpl = v->cpu->cpl;

	switch (e->op) {
	case EMU_WRMSR:
		e->fault = kvm_pmu__set_msr(&v->pmu, e->reg, e->val) != KVM_MSR_OK;
		break;
	case EMU_RDMSR:
		e->fault = kvm_pmu__get_msr(&v->pmu, e->reg, e->out) != KVM_MSR_OK;
		break;
	case EMU_RDPMC:
		e->fault = kvm_pmu__rdpmc(&v->pmu, e->reg, cpl, v->cpu->cr4_pce, e->out) !=
			   KVM_MSR_OK;
		break;
	case EMU_CPUID:
		kvm_pmu__cpuid(&v->pmu, e->reg, (u32)e->val, e->regs);
		break;
	case EMU_NONE:
		return;
	}
	observe_access(v, e);	/* observer: before the instruction retires */
	if (!e->fault)
		retire(v);
}

/* KVM_REQ_PMU (reprogram_counter for each marked counter, timed) and
 * KVM_REQ_PMI (injection through the virtual LVTPC). */
static void process_requests(struct kvm_vcpu *v)
{
	if (v->pmu.req_pmu) {
		u64 t0 = v->cpu->now, n0 = v->pmu.nr_reprograms;

		kvm_pmu__handle_event(&v->pmu);
		v->st.reprograms += v->pmu.nr_reprograms - n0;
		v->st.reprogram_cycles += v->cpu->now - t0;
	}
	if (v->pmu.req_pmi)
		kvm_pmu__deliver_pmi(&v->pmu);
}

/* kvm_vcpu_exit_request: a pending request ends the fastpath loop. */
static bool has_request(const struct kvm_vcpu *v)
{
	return v->pmu.req_pmu || v->pmu.req_pmi;
}

/*
 * need_resched in vcpu_run: the vCPU thread is scheduled out (preempt
 * notifier kvm_sched_out -> vcpu_put), the other host tasks run their
 * slices (host user code, which host perf sees), and it is scheduled back
 * in (kvm_sched_in -> vcpu_load).
 */
/* The vCPU's own ground truth: its thread takes and leaves the pCPU. */
static void truth_in(struct kvm_vcpu *v)
{
	memcpy(v->truth_snap, v->cpu->truth[1], sizeof(v->truth_snap));
	v->truth_on = true;
}

static void truth_out(struct kvm_vcpu *v)
{
	for (int c = 0; c < 2 && v->truth_on; c++)
		for (int e = 0; e < HW_EV_NR; e++)
			v->truth_acc[c][e] += v->cpu->truth[1][c][e] - v->truth_snap[c][e];
	v->truth_on = false;
}

u64 kvm_vcpu__guest_truth(const struct kvm_vcpu *v, enum hw_event e)
{
	u64 sum = 0;

	for (int c = 0; c < 2; c++)
		sum += v->truth_acc[c][e] +
		       (v->truth_on ? v->cpu->truth[1][c][e] - v->truth_snap[c][e] : 0);
	return sum;
}

u64 kvm_host__run_tasks(struct hw_cpu *cpu, u64 cycles, u32 cpi_milli)
{
	struct hw_segment seg = { .cpl = 3, .cycles = cycles };
	u64 t0 = cpu->now;

	seg.ev[HW_EV_INSTRUCTIONS] = cycles * 1000 / cpi_milli;
	/* generic user code, the mix of the synthetic guest's (guest/workload.c
	 * work: a branch every 5 instructions, a miss every 200; estimates) -
	 * a host session's branches:H has something to count */
	seg.ev[HW_EV_BRANCHES] = seg.ev[HW_EV_INSTRUCTIONS] / 5;
	seg.ev[HW_EV_BRANCH_MISSES] = seg.ev[HW_EV_INSTRUCTIONS] / 200;
	hw_cpu__fill_derived(cpu, &seg);
	hw_cpu__run(cpu, &seg, NULL);
	return cpu->now - t0;
}

static void run_host_tasks(struct kvm_vcpu *v)
{
	v->st.host_task_cycles += kvm_host__run_tasks(v->cpu, v->sched.tasks *
						      v->sched.slice_cycles,
						      v->sched.task_cpi_milli);
}

/* The preempt notifiers around the thread's time off the pCPU:
 * kvm_sched_out (vcpu_put: the vcpu / lazy policies put) and kvm_sched_in
 * (kvm_arch_vcpu_load: cleanup after a preemption, the vcpu policy's
 * load), back with a fresh slice - the ticks that came meanwhile do not
 * carry over. The thread's own ground truth stops meanwhile. */
static void sched_out(struct kvm_vcpu *v)
{
	if (v->policy->at_vcpu || v->policy->lazy)
		put(v);
	perf_cpu__switch_task(v->host, 0);
	truth_out(v);
}

static void sched_in(struct kvm_vcpu *v)
{
	truth_in(v);
	v->cpu->cpl = 0;
	perf_cpu__switch_task(v->host, v->task);
	kvm_pmu__sched_in(&v->pmu);
	if (v->policy->at_vcpu)
		load(v);
	v->need_resched = false;
	v->slice_end = v->cpu->now + v->sched.slice_cycles;
}

static void reschedule(struct kvm_vcpu *v)
{
	u64 t0 = v->cpu->now, t1;

	v->st.preemptions++;
	sched_out(v);
	t1 = v->cpu->now;
	if (v->hops)
		v->hops->schedule(v->hops_ctx);	/* other threads and tasks run */
	else
		run_host_tasks(v);
	v->st.preemption_cycles += t1 - t0;
	t1 = v->cpu->now;
	sched_in(v);
	v->st.preemption_cycles += v->cpu->now - t1;
}

/*
 * kvm_emulate_halt -> kvm_vcpu_halt -> kvm_vcpu_block: with no interrupt
 * pending the thread sleeps (preempt notifier: put for vcpu / lazy) until
 * the guest's timer or an IPI (kvm_vcpu_kick) wakes it, then it is
 * scheduled in (load). Halt-polling is not modelled (halt_poll_ns = 0).
 * Alone on its pCPU the pCPU idles meanwhile, as host kernel code.
 */
/* A HLT the guest made to sleep (kvm_vcpu__guest_halt) with no interrupt
 * pending: kvm_vcpu_running() is false, the vCPU blocks. */
static bool is_halt_blocking(const struct kvm_vcpu *v)
{
	return v->halt_until > v->cpu->now && !(v->ipi_pending && v->ipi_at <= v->cpu->now);
}

static void block(struct kvm_vcpu *v)
{
	u64 t0 = v->cpu->now, until = v->halt_until;
	bool blocks = is_halt_blocking(v);

	v->halt_until = 0;
	if (!blocks)
		return;		/* an interrupt is pending: HLT falls through */
	if (v->ipi_pending)	/* one on its way wakes it when it comes (the kick) */
		until = min_u64(until, v->ipi_at);
	v->st.halts++;
	sched_out(v);
	if (v->hops)
		v->hops->halt(v->hops_ctx, until);
	else if (until > v->cpu->now)
		host_work(v, until - v->cpu->now);
	sched_in(v);
	v->st.halted_cycles += v->cpu->now - t0;
}

/* Back into the guest after an exit that began at @exit_at. */
static void reenter(struct kvm_vcpu *v, enum kvm_exit_reason reason, u64 exit_at,
		    struct hist *path)
{
	v->exit_at = exit_at;
	vm_entry(v);
	hist__add(&v->st.latency[reason], v->cpu->now - exit_at);
	hist__add(path, v->cpu->now - exit_at);
}

static bool is_fastpath(const struct kvm_vcpu *v, enum kvm_exit_reason reason)
{
	return kvm_exit__path(reason, vendor_of(v)) == PATH_FASTPATH &&
	       !(reason != EXIT_PREEMPTION_TIMER && is_counting_instructions(&v->pmu));
}

/* Leaving the inner loop: the put (irqoff; lazy when host perf wants the
 * PMU), handle_exit_irqoff (the interrupt that caused the exit, IRQs still
 * off), irqs on (the host's pending interrupts), the handler unless the
 * fastpath already handled it, the VMM for userspace exits, a reschedule,
 * KVM's requests, irqs off again and the load. */
static void full_exit(struct kvm_vcpu *v, const struct exit_req *x, const struct hw_irq *irq,
		      bool handled)
{
	if (v->policy->at_irqoff || (v->policy->lazy && is_host_wanting_pmu(v)))
		put(v);
	if (irq)
		host_irq(v, irq);
	if (x->hrtimer) {	/* apic_timer_fn: the deadline's interrupt, injected */
		v->st.host_irqs++;
		host_work(v, draw_cost(&v->cost_rng[COST_HOST_IRQ], &v->costs.host_irq));
	}
	irqs_on(v);
	host_work(v, v->costs.full + (handled ? 0 : x->handler));
	if (x->e)
		emulate(v, x->e);
	else if (!handled && kvm_exits[x->reason].retires)
		retire(v);
	if (kvm_exit__path(x->reason, vendor_of(v)) == PATH_USERSPACE) {
		/* KVM_RUN returns to the VMM */
		if (v->policy->at_vcpu || v->policy->lazy)
			put(v);
		host_work(v, draw_cost(&v->cost_rng[COST_USERSPACE], &v->costs.userspace));
		if (v->policy->at_vcpu)
			load(v);
	}
	if (x->reason == EXIT_HLT && v->halt_until)
		block(v);
	if (v->need_resched)
		reschedule(v);
	process_requests(v);
	irqs_off(v);
	if (v->policy->at_irqoff)
		load(v);
}

static void vm_exit(struct kvm_vcpu *v, const struct exit_req *x)
{
	struct hw_irq irq = v->exit_irq;
	bool had_irq = v->has_exit_irq;
	u64 exit_at = v->cpu->now;
	enum kvm_exit_reason reason = x->reason;

	tr(v, KVM_TR_EXIT, reason);
	v->has_exit_irq = false;
	v->in_guest = false;
	v->cpu->guest = false;		/* host mode from here: host work and IRQs are the host's */
	v->cpu->intr_enabled = false;	/* back in the irqs-off inner loop */
	v->st.exits[reason]++;
	/* atomic with the exit itself, and what it costs KVM */
	host_work(v, v->costs.vmexit + kvm_pmu__vm_exit(&v->pmu, v->costs.mediated_exit_autostore,
						       v->costs.mediated_exit_global_ctrl));
	/* vmx_vcpu_enter_exit (svm_vcpu_enter_exit: at stgi) takes the NMI
	 * that caused the exit before anything else runs, so before a put
	 * even where a policy puts at every exit: the guest context is still
	 * loaded and a guest PMI's NMI is seen as the guest's */
	if (had_irq && irq.kind == HW_IRQ_NMI)
		host_irq(v, &irq);
	if (v->policy->at_exit)
		put(v);
	if (is_fastpath(v, reason)) {
		v->st.fastpath_handled++;
		host_work(v, x->handler);
		if (kvm_exits[reason].retires)
			retire(v);	/* the fastpath handler skips the instruction */
		if (reason == EXIT_HLT && is_halt_blocking(v)) {
			/* handle_fastpath_hlt: EXIT_FASTPATH_EXIT_HANDLED, the vCPU
			 * is not running: the outer loop blocks it */
			full_exit(v, x, NULL, true);
			reenter(v, reason, exit_at, &v->st.latency_full);
			return;
		}
		if (reason == EXIT_HLT)
			v->halt_until = 0;	/* an event is pending: it re-enters */
		if (!has_request(v)) {
			v->st.fastpath_exits++;
			reenter(v, reason, exit_at, &v->st.latency_fastpath);
			return;
		}
		/* EXIT_FASTPATH_EXIT_HANDLED: a request (KVM_REQ_PMU for an
		 * emulated counter that counted the instruction) ends the loop */
		v->st.fastpath_left++;
		full_exit(v, x, NULL, true);
		reenter(v, reason, exit_at, &v->st.latency_full);
		return;
	}
	full_exit(v, x, had_irq && irq.kind != HW_IRQ_NMI ? &irq : NULL, false);
	reenter(v, reason, exit_at, &v->st.latency_full);
}

static void exit_for(struct kvm_vcpu *v, enum kvm_exit_reason reason, struct emulation *e)
{
	struct exit_req x = { .reason = reason, .e = e, .handler = handler_cost(v, reason) };

	vm_exit(v, &x);
}

/* ---- the API ------------------------------------------------------------------- */

int kvm_vcpu__init(struct kvm_vcpu *v, const struct kvm_vpmu_ops *kind,
		   const struct kvm_policy_ops *policy, enum kvm_pmi_route route,
		   const struct hw_pmu_config *req, const struct kvm_costs *costs,
		   struct hw_cpu *cpu, struct perf_cpu *host, const char **err)
{
	memset(v, 0, sizeof(*v));
	v->cpu = cpu;
	v->host = host;
	v->policy = policy;
	v->route = route;
	v->costs = *costs;
	v->task = 1;
	kvm_vcpu__seed(v, 0);
	if (kind->has_pmu && req->vendor != cpu->pmu.cfg.vendor) {
		/* KVM picks its PMU ops by the host's vendor (kvm_pmu_ops) */
		*err = "a guest PMU of the other vendor than the host's is not modelled "
		       "(pick a profile of the guest's vendor)";
		return -1;
	}
	if (kind->is_mediated && perf_cpu__create_mediated_pmu(host)) {
		*err = "perf_create_mediated_pmu: -EBUSY: a host perf event counts guest time "
		       "(!exclude_guest): the NMI watchdog (disable it with nmi_watchdog=0 on "
		       "the kernel command line or echo 0 > /proc/sys/kernel/nmi_watchdog) or "
		       "a system-wide perf session without :H";
		return -1;
	}
	if (kvm_pmu__init_limited(&v->pmu, kind, req, cpu, host, v->task,
				  costs->mediated_max_fixed)) {
		if (kind->is_mediated)
			perf_cpu__release_mediated_pmu(host);
		v->pmu.kind = NULL;	/* nothing for kvm_vcpu__destroy to undo */
		*err = "the host cannot run this vPMU (mediated: Intel v4+ with full-width "
		       "writes, or AMD PerfMonV2)";
		return -1;
	}
	v->pmu.lvtpc_vector = route == PMI_ROUTE_VECTOR;
	cpu->on_irq = on_irq;
	cpu->irq_ctx = v;
	cpu->tick_needs_if = true;
	return 0;
}

/* Safe on a vCPU whose kvm_vcpu__init failed. */
void kvm_vcpu__destroy(struct kvm_vcpu *v)
{
	if (!v->pmu.kind)
		return;
	kvm_pmu__destroy(&v->pmu);
	if (v->pmu.kind->is_mediated)
		perf_cpu__release_mediated_pmu(v->host);
	hist__free(&v->st.latency_all);
	hist__free(&v->st.latency_fastpath);
	hist__free(&v->st.latency_full);
	hist__free(&v->st.irqoff);
	hist__free(&v->st.pmi_latency);
	hist__free(&v->st.pmi_handler);
	hist__free(&v->st.ipi_latency);
	for (int i = 0; i < EXIT_NR; i++)
		hist__free(&v->st.latency[i]);
}

/* Stream numbers stay what they were before EXIT_MSR_WRITE_ICR was added
 * (17 streams a seed), so that a seed draws the same costs as before; the
 * ICR write's stream is apart from all of them. */
#define COST_STREAMS_OLD 17

static u64 cost_stream(u64 seed, unsigned int i)
{
	if (i == EXIT_MSR_WRITE_ICR)
		return (seed * COST_STREAMS_OLD) ^ 0x49435257ULL << 32;	/* "ICRW" */
	return seed * COST_STREAMS_OLD + (i < EXIT_MSR_WRITE_ICR ? i : i - 1);
}

int kvm_vcpu__migrate(struct kvm_vcpu *v, struct hw_cpu *cpu, struct perf_cpu *host,
		      const char **err)
{
	if (v->pmu.loaded || v->in_guest) {
		*err = "a vCPU migrates only scheduled out, its guest PMU context put";
		return -1;
	}
	/* KVM fixes the vPMU (and its intercepts) at CPUID time against the
	 * host's PMU: a host of one kind of core */
	if (!hw_pmu_config__is_same(&cpu->pmu.cfg, &v->cpu->pmu.cfg)) {
		*err = "a vCPU migrates only between pCPUs with the same PMU";
		return -1;
	}
	/* the mediated PMU's user count goes with it (perf keeps it per CPU) */
	if (v->pmu.kind->is_mediated && perf_cpu__create_mediated_pmu(host)) {
		*err = "perf_create_mediated_pmu: -EBUSY on the new pCPU";
		return -1;
	}
	if (perf_cpu__move_task(v->host, host, v->task)) {
		if (v->pmu.kind->is_mediated)
			perf_cpu__release_mediated_pmu(host);
		*err = "host perf on the new pCPU cannot take the vCPU thread's events";
		return -1;
	}
	if (v->pmu.kind->is_mediated)
		perf_cpu__release_mediated_pmu(v->host);
	v->cpu = v->pmu.cpu = cpu;
	v->host = v->pmu.host = host;
	cpu->on_irq = on_irq;
	cpu->tick_needs_if = true;
	return 0;
}

void kvm_vcpu__seed(struct kvm_vcpu *v, u64 seed)
{
	for (unsigned int i = 0; i < EXIT_NR + 2; i++)
		rng__seed(&v->cost_rng[i], cost_stream(seed, i));
}

void kvm_vcpu__set_sched(struct kvm_vcpu *v, const struct kvm_host_sched *s)
{
	v->sched = *s;
	if (!v->sched.task_cpi_milli)
		v->sched.task_cpi_milli = 1000;
	v->slice_end = v->cpu->now + s->slice_cycles;
}

void kvm_vcpu__start(struct kvm_vcpu *v)
{
	truth_in(v);
	perf_cpu__switch_task(v->host, v->task);	/* the vCPU thread runs */
	if (v->policy->at_vcpu)
		load(v);
	process_requests(v);
	irqs_off(v);
	if (v->policy->at_irqoff)
		load(v);
	vm_entry(v);
}

/* The guest's last exit: KVM_RUN returns for good (no re-entry). */
void kvm_vcpu__stop(struct kvm_vcpu *v)
{
	v->in_guest = false;
	v->cpu->guest = false;		/* host mode from here: host work and IRQs are the host's */
	v->cpu->intr_enabled = false;
	host_work(v, v->costs.vmexit + kvm_pmu__vm_exit(&v->pmu, v->costs.mediated_exit_autostore,
						       v->costs.mediated_exit_global_ctrl));
	put(v);
	irqs_on(v);
	perf_cpu__switch_task(v->host, 0);
	truth_out(v);
}

static bool has_guest_pmi(const struct kvm_vcpu *v)
{
	return v->pmu.guest_nmi_pending || (v->pmu.guest_pmi_pending && v->guest_if);
}

/* observer: the part of @seg that ran (all of it when @rest is NULL) */
static void observe_ran(struct kvm_vcpu *v, const struct hw_segment *seg,
			const struct hw_segment *rest)
{
	struct hw_segment done = *seg;

	if (rest) {
		done.cycles -= rest->cycles;
		for (int e = 0; e < HW_EV_NR; e++)
			done.ev[e] -= rest->ev[e];
	}
	if (done.cycles)
		v->obs->guest_ran(v->obs_ctx, &done);
}

/* (inline: the common run has no observer, and nothing to copy) */
static inline void observe_run(struct kvm_vcpu *v, const struct hw_segment *seg,
			       const struct hw_segment *rest)
{
	if (v->obs && v->obs->guest_ran)
		observe_ran(v, seg, rest);
}

static bool has_guest_ipi(const struct kvm_vcpu *v)
{
	return v->ipi_pending && v->ipi_at <= v->cpu->now && v->guest_if;
}


/* @seg's first @k cycles (its events in proportion) into @head; @seg keeps
 * the rest. */
static void split_segment(struct hw_segment *seg, u64 k, struct hw_segment *head)
{
	*head = *seg;
	head->cycles = k;
	for (int e = 0; e < HW_EV_NR; e++) {
		head->ev[e] = hw_segment__events_by(seg, (enum hw_event)e, k);
		seg->ev[e] -= head->ev[e];
	}
	head->ev[HW_EV_CYCLES] = k;
	seg->cycles -= k;
	seg->ev[HW_EV_CYCLES] = seg->cycles;
}

static void join_segment(struct hw_segment *seg, const struct hw_segment *tail)
{
	seg->cycles += tail->cycles;
	for (int e = 0; e < HW_EV_NR; e++)
		seg->ev[e] += tail->ev[e];
}

/* The cycle the guest must stop at (the host's horizon, a pending IPI's
 * arrival), UINT64_MAX for none. */
static u64 guest_stop(const struct kvm_vcpu *v)
{
	u64 at = v->hops ? v->hops->horizon(v->hops_ctx) : UINT64_MAX;

	if (v->ipi_pending && v->ipi_at > v->cpu->now)
		at = min_u64(at, v->ipi_at);
	return at;
}

/* An IPI reached the vCPU in guest mode: posted, the guest takes it
 * directly; else KVM kicks the vCPU out with a host IPI and injects it at
 * the entry. */
static void ipi_arrived(struct kvm_vcpu *v)
{
	if (v->costs.posted_interrupts)
		return;
	v->st.ipi_kicks++;
	v->exit_irq = (struct hw_irq){ .kind = HW_IRQ_VECTOR, .vector = RESCHEDULE_VECTOR,
				       .requested_at = v->ipi_at, .delivered_at = v->cpu->now };
	v->has_exit_irq = true;
	v->cpu->guest = true;
	exit_for(v, EXIT_EXTERNAL_INTERRUPT, NULL);
}

bool kvm_vcpu__guest_run(struct kvm_vcpu *v, struct hw_segment *seg)
{
	seg->guest = true;
	/* piece by piece, the stop (a host's horizon, an IPI's arrival; none
	 * for a vCPU alone) looked at again after every exit: the host work of
	 * an exit moves the clock too */
	while (seg->cycles) {
		u64 now = v->cpu->now, stop = v->hops || v->ipi_pending ? guest_stop(v) : UINT64_MAX;
		struct hw_segment head, rest, *run = seg;
		bool split = stop > now && stop - now < seg->cycles;

		if (v->ipi_pending && has_guest_ipi(v))
			return true;	/* one is due: injected at this entry */
		if (stop <= now) {	/* at the horizon */
			v->hops->sync(v->hops_ctx);
			continue;
		}
		if (split) {
			split_segment(seg, stop - now, &head);
			run = &head;
		}
		if (hw_cpu__run(v->cpu, run, &rest)) {
			observe_run(v, run, &rest);
			exit_for(v, v->exit_irq.kind == HW_IRQ_NMI ? EXIT_NMI :
			       EXIT_EXTERNAL_INTERRUPT, NULL);
			if (split)
				join_segment(&rest, seg);
			*seg = rest;
			if (has_guest_pmi(v))
				return true;	/* injected at the entry */
			continue;
		}
		observe_run(v, run, NULL);
		if (!split)
			seg->cycles = 0;
		if (v->ipi_pending && v->ipi_at <= v->cpu->now) {
			ipi_arrived(v);
			return true;	/* the guest takes it */
		}
	}
	return false;
}

void kvm_vcpu__guest_exit_cost(struct kvm_vcpu *v, enum kvm_exit_reason reason,
			       u64 handler_cycles)
{
	struct exit_req x = { .reason = reason, .handler = handler_cycles };

	if (kvm_exit__path(reason, vendor_of(v)) == PATH_NONE) {
		/* SVM has no preemption timer: the deadline is a host hrtimer */
		x.reason = EXIT_EXTERNAL_INTERRUPT;
		x.hrtimer = true;
	}
	vm_exit(v, &x);
}

void kvm_vcpu__guest_exit(struct kvm_vcpu *v, enum kvm_exit_reason reason)
{
	enum kvm_exit_reason r = reason;

	if (kvm_exit__path(r, vendor_of(v)) == PATH_NONE)
		r = EXIT_EXTERNAL_INTERRUPT;	/* what the vendor has instead */
	kvm_vcpu__guest_exit_cost(v, reason, handler_cost(v, r));
}

void kvm_vcpu__guest_timer(struct kvm_vcpu *v)
{
	kvm_vcpu__guest_exit(v, EXIT_PREEMPTION_TIMER);
}

/* One guest instruction that did not exit: it runs in guest mode. */
static void guest_insn(struct kvm_vcpu *v, u64 cycles)
{
	struct hw_segment seg = { .cycles = cycles ? cycles : 1, .cpl = v->cpu->cpl };

	bool was_if = v->guest_if;

	seg.ev[HW_EV_INSTRUCTIONS] = 1;
	hw_cpu__fill_derived(v->cpu, &seg);
	v->guest_if = false;	/* interrupts come at instruction boundaries */
	while (kvm_vcpu__guest_run(v, &seg))
		;	/* a PMI taken inside one instruction waits for its end */
	v->guest_if = was_if;
}

/* The counter (global index) a counter MSR or an RDPMC ECX names, or -1. */
static int counter_of_msr(const struct kvm_vcpu *v, u32 msr)
{
	bool is_counter;
	int idx = kvm_pmu__msr_to_idx(&v->pmu, msr, &is_counter);

	return is_counter ? idx : -1;
}

static int counter_of_ecx(const struct kvm_vcpu *v, u32 ecx)
{
	if (v->cpu->pmu.cfg.vendor == HW_VENDOR_INTEL && (ecx >> 16) == RDPMC_TYPE_FIXED)
		return HW_FIXED_BASE + (int)(ecx & 0xffff);
	return (ecx >> 16) ? -1 : (int)(ecx & 0xffff);
}

static bool is_intercepted(const struct kvm_vcpu *v, u32 msr)
{
	return msr == MSR_X2APIC_LVTPC || !v->pmu.kind->has_pmu ||
	       v->pmu.kind->is_intercepted(&v->pmu, msr);
}

/*
 * A guest RDMSR / WRMSR / RDPMC: straight to the hardware in guest mode when
 * it does not exit, else round the loop with KVM emulating it. A counter
 * read or written either way feeds the residue check. Returns whether the
 * guest got #GP.
 */
static void note_counter_access(struct kvm_vcpu *v, const struct emulation *e)
{
	int idx = e->op == EMU_RDPMC ? counter_of_ecx(v, e->reg) : counter_of_msr(v, e->reg);

	if (idx >= 0 && e->op == EMU_WRMSR)
		kvm_pmu__guest_write(&v->pmu, (unsigned int)idx);
	else if (idx >= 0)
		kvm_pmu__guest_read(&v->pmu, (unsigned int)idx);
}

static bool guest_access(struct kvm_vcpu *v, struct emulation *e, bool intercepted,
			 enum kvm_exit_reason reason)
{
	struct hw_cpu *cpu = v->cpu;
	enum hw_msr_result r;

	if (intercepted) {
		exit_for(v, reason, e);
		if (!e->fault)
			note_counter_access(v, e);
		return e->fault;
	}
	r = e->op == EMU_WRMSR ? hw_cpu__wrmsr(cpu, e->reg, e->val) :
	    e->op == EMU_RDMSR ? hw_cpu__rdmsr(cpu, e->reg, e->out) :
				 hw_cpu__rdpmc(cpu, e->reg, e->out);
	e->fault = r != HW_MSR_OK;
	observe_access(v, e);	/* observer */
	if (r != HW_MSR_OK)
		return true;
	note_counter_access(v, e);
	guest_insn(v, e->op == EMU_WRMSR ? cpu->costs.wrmsr :
		      e->op == EMU_RDMSR ? cpu->costs.rdmsr : cpu->costs.rdpmc);
	return false;
}

/* SDM Vol. 3C 26.1.1: faults based on privilege level have priority over
 * VM exits - RDMSR / WRMSR at CPL > 0, RDPMC at CPL > 0 without CR4.PCE
 * fault in the guest without exiting. */
bool kvm_vcpu__guest_wrmsr(struct kvm_vcpu *v, u32 msr, u64 val)
{
	struct emulation e = { .op = EMU_WRMSR, .reg = msr, .val = val };

	if (v->cpu->cpl)
		return true;
	return guest_access(v, &e, is_intercepted(v, msr), EXIT_MSR_WRITE);
}

bool kvm_vcpu__guest_rdmsr(struct kvm_vcpu *v, u32 msr, u64 *val)
{
	struct emulation e = { .op = EMU_RDMSR, .reg = msr, .out = val };

	if (v->cpu->cpl)
		return true;
	return guest_access(v, &e, is_intercepted(v, msr), EXIT_MSR_READ);
}

bool kvm_vcpu__guest_rdpmc(struct kvm_vcpu *v, u32 ecx, u64 *val)
{
	struct emulation e = { .op = EMU_RDPMC, .reg = ecx, .out = val };

	if (v->cpu->cpl && !v->cpu->cr4_pce)
		return true;
	return guest_access(v, &e, !v->pmu.kind->has_pmu ||
			    v->pmu.kind->is_rdpmc_intercepted(&v->pmu), EXIT_RDPMC);
}

void kvm_vcpu__guest_cpuid(struct kvm_vcpu *v, u32 leaf, u32 sub, u32 r[4])
{
	struct emulation e = { .op = EMU_CPUID, .reg = leaf, .val = sub, .regs = r };

	exit_for(v, EXIT_CPUID, &e);
}

void kvm_vcpu__guest_halt(struct kvm_vcpu *v, u64 idle_cycles)
{
	v->halt_until = v->cpu->now + max_u64(idle_cycles, 1);
	kvm_vcpu__guest_exit(v, EXIT_HLT);
}

void kvm_vcpu__guest_send_ipi(struct kvm_vcpu *v, unsigned int dest)
{
	v->st.ipis_sent++;
	/* with IPI virtualization the hardware sends it (the target's posted
	 * interrupt descriptor); else the fastpath exit retires the WRMSR */
	if (!v->costs.ipi_virtualization)
		kvm_vcpu__guest_exit(v, EXIT_MSR_WRITE_ICR);
	if (v->hops && v->hops->send_ipi)
		v->hops->send_ipi(v->hops_ctx, dest);
}

/* The earliest queued IPI as ipi_pending / ipi_sent_at / ipi_at. */
static void ipi_head(struct kvm_vcpu *v)
{
	v->ipi_pending = v->ipiq_n > 0;
	v->ipi_sent_at = v->ipiq_n ? v->ipiq[0].sent : 0;
	v->ipi_at = v->ipiq_n ? v->ipiq[0].at : 0;
}

static void ipi_pop(struct kvm_vcpu *v)
{
	memmove(&v->ipiq[0], &v->ipiq[1], --v->ipiq_n * sizeof(v->ipiq[0]));
}

void kvm_vcpu__post_ipi(struct kvm_vcpu *v, u64 sent_at, u64 at)
{
	unsigned int i;

	if (at < v->cpu->now) {	/* this pCPU's clock is past the arrival */
		/* it came during host work (an exit's handling, a time
		 * slice elsewhere): pending, injected at the next entry, as
		 * KVM would; only one that came in guest mode is late */
		if (v->in_guest && at >= v->entry_at)
			v->st.ipis_late++;
		at = v->cpu->now;
	}
	if (v->ipiq_n == KVM_IPI_QUEUE) {	/* with the last on its way */
		v->st.ipis_merged++;
		return;
	}
	for (i = v->ipiq_n; i && v->ipiq[i - 1].at > at; i--)	/* by arrival */
		v->ipiq[i] = v->ipiq[i - 1];
	v->ipiq[i] = (struct kvm_ipi){ .sent = sent_at, .at = at };
	v->ipiq_n++;
	ipi_head(v);
}

bool kvm_vcpu__take_guest_ipi(struct kvm_vcpu *v)
{
	if (!has_guest_ipi(v))
		return false;
	v->st.ipis_received++;
	hist__add(&v->st.ipi_latency, v->cpu->now - v->ipi_sent_at);
	ipi_pop(v);
	while (v->ipiq_n && v->ipiq[0].at <= v->cpu->now) {	/* came while it was set */
		v->st.ipis_merged++;
		ipi_pop(v);
	}
	ipi_head(v);
	return true;
}

bool kvm_vcpu__take_guest_pmi(struct kvm_vcpu *v)
{
	struct kvm_pmu *pmu = &v->pmu;

	if (!pmu->guest_nmi_pending && !(pmu->guest_pmi_pending && v->guest_if))
		return false;
	if (pmu->guest_nmi_pending)
		pmu->guest_nmi_pending = false;
	else
		pmu->guest_pmi_pending = false;
	v->st.guest_pmis++;
	tr(v, KVM_TR_PMI, 0);
	if (v->obs && v->obs->guest_pmi)	/* observer */
		v->obs->guest_pmi(v->obs_ctx);
	if (v->pmi_overflow_known)
		hist__add(&v->st.pmi_latency, v->cpu->now - v->pmi_overflow_at);
	v->pmi_overflow_known = false;
	return true;
}

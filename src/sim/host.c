/*
 * sim/host.c - see host.h. Invariants: at most one coroutine runs at a time
 * (the loop's pick, or the thread it resumed); a pCPU's `current` is the
 * thread that has it (NULL: none left); a thread is resumed only while it is
 * its pCPU's current. Times are pCPU cycles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/coro.h"
#include "guest/workload.h"
#include "sim/host.h"
#include "sim/shadow.h"

#define THREAD_STACK (1u << 20)	/* generous: sanitizer builds use more */

struct host;

struct hthread {
	struct kvm_vcpu v;
	struct guest_workload w;
	struct guest_result gr;
	struct sim_shadow *sh;		/* NULL: no isolation check */
	struct coro *co;
	struct host *h;
	struct hpcpu *p;
	unsigned int slot;		/* its place in its pCPU's ring */
	unsigned int vm, index;
	u64 seed;
	bool done;
	bool blocked;			/* halted: asleep until wake_at (or an IPI) */
	u64 wake_at;
	bool pinned;			/* its VM's pin: never migrates */
	u64 ready_at;			/* runnable, waiting for a pCPU, since */
	u64 migrations;
	int ret;
	u64 took, left;
	u64 start, end;			/* pCPU cycles: its KVM_RUN began, its work was done */
};

struct hpcpu {
	struct hw_cpu cpu;
	struct perf_cpu pc;
	struct perf_event *hev[PERF_SPEC_MAX];
	int nr_hev;
	struct hthread *ring[SCENARIO_MAX_VCPUS];
	unsigned int nr;
	struct hthread *current;
	unsigned int tasks;
	u64 slice;
	u64 task_cycles, switches;
	u64 idle_cycles;		/* no thread could run: the idle loop */
	u64 pulls;			/* threads it took from other pCPUs */
	hw_irq_fn vcpu_irq;		/* KVM's interrupt entry (a thread runs) */
	u64 horizon;			/* bound() when the loop resumed it: the other
					 * pCPUs do not move while it runs */
	struct sim_host_mark mark;	/* when the threads were ready to run */
};

struct host {
	const struct sim_config *c;
	u64 quantum;			/* a fixed lookahead, UINT64_MAX: none */
	bool ipis;			/* bound by the guests' next IPIs (none late) */
	unsigned int nr_p, nr_t;
	struct hpcpu *p;
	struct hthread *t;
	struct hthread *vm_first[SCENARIO_MAX_VMS];	/* each VM's vCPU 0 */
	struct perf_system sys;		/* the x86 PMU's host-wide state (pmc_refcount) */
};

/* ---- the scheduler ---------------------------------------------------------- */

/* @cycles of @p's host tasks (kvm_host__run_tasks, at a CPI of 1 as a
 * vCPU alone runs them by default); the cycles they took. */
static u64 task_work(struct hpcpu *p, u64 cycles)
{
	u64 took = kvm_host__run_tasks(&p->cpu, cycles, 1000);

	p->cpu.cpl = 0;
	p->task_cycles += took;
	return took;
}

/* The host tasks' turn on @p: their slices, on @from's stack. */
static void run_tasks(struct hpcpu *p, struct hthread *from)
{
	from->v.st.host_task_cycles += task_work(p, p->tasks * p->slice);
}

/* Can @t run now: not done, and not asleep (a due wake-up wakes it). */
static bool is_runnable(struct hthread *t)
{
	if (t->done)
		return false;
	if (t->blocked && t->wake_at <= t->p->cpu.now)
		t->blocked = false;
	return !t->blocked;
}

static unsigned int runnable(const struct hpcpu *p)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < p->nr; i++)
		n += is_runnable(p->ring[i]);
	return n;
}

/* A thread alone on a pCPU without tasks is not preempted. */
static void update_others(struct hpcpu *p)
{
	bool others = runnable(p) > 1;

	for (unsigned int i = 0; i < p->nr; i++) {
		struct hthread *t = p->ring[i];

		t->v.sched.others = others;
		if (!others && !p->tasks)
			t->v.need_resched = false;
	}
}

/* Hand @p on from @from: the next thread of the ring that has work, the
 * host tasks first when the ring wraps. Returns it (NULL: none). */
static struct hthread *hand_on(struct hpcpu *p, struct hthread *from)
{
	struct hthread *next = NULL;

	if (p->tasks && runnable(p))	/* the tasks' turn when the ring wraps */
		for (unsigned int k = 1; k <= p->nr; k++) {
			struct hthread *t = p->ring[(from->slot + k) % p->nr];

			if (is_runnable(t)) {
				if (t->slot <= from->slot)
					run_tasks(p, from);
				break;
			}
		}
	for (unsigned int k = 1; k <= p->nr && !next; k++) {
		struct hthread *t = p->ring[(from->slot + k) % p->nr];

		if (is_runnable(t))
			next = t;
	}
	if (next && next != from)
		p->switches++;
	p->current = next;
	update_others(p);
	return next;
}

/* @t leaves its pCPU (hand_on gave it to @next) and is back when a pCPU -
 * maybe another - is its again; the core's state that is the thread's (the
 * guest CPL and CR4.PCE KVM keeps for it) comes back with it. */
static void leave_pcpu(struct hthread *t, const struct hthread *next)
{
	u8 cpl = t->p->cpu.cpl;
	bool pce = t->p->cpu.cr4_pce;

	if (next != t)
		coro__yield();
	t->p->cpu.cpl = cpl;
	t->p->cpu.cr4_pce = pce;
	t->took++;
}

/* need_resched: the pCPU goes to the next thread. */
static void host_schedule(void *ctx)
{
	struct hthread *t = ctx;

	t->left++;
	t->ready_at = t->p->cpu.now;
	leave_pcpu(t, hand_on(t->p, t));
}

/* When @t, waiting for a pCPU, became ready to run. */
static u64 ready_time(const struct hthread *t)
{
	return t->blocked ? t->wake_at : t->ready_at;
}

/* Could @t move to another pCPU: not pinned, not done, not running. */
static bool is_movable(const struct hthread *t)
{
	return !t->pinned && !t->done && t->p->current != t;
}

/* The earliest ready time of a thread @p could pull (UINT64_MAX: none). */
static u64 next_pullable(const struct host *h, const struct hpcpu *p)
{
	u64 r = UINT64_MAX;

	for (unsigned int i = 0; i < h->nr_t; i++)
		if (h->t[i].p != p && is_movable(&h->t[i]))
			r = min_u64(r, ready_time(&h->t[i]));
	return r;
}

/* The earliest wake-up of @p's sleeping threads (UINT64_MAX: none). */
static u64 next_wake(const struct hpcpu *p)
{
	u64 w = UINT64_MAX;

	for (unsigned int i = 0; i < p->nr; i++)
		if (!p->ring[i]->done && p->ring[i]->blocked)
			w = min_u64(w, p->ring[i]->wake_at);
	return w;
}

static bool is_live(const struct host *h, const struct hpcpu *p)
{
	return p->current || next_wake(p) != UINT64_MAX || next_pullable(h, p) != UINT64_MAX;
}

/* The lowest clock of the live pCPUs other than @self. */
static u64 others_min(const struct host *h, const struct hpcpu *self)
{
	u64 m = UINT64_MAX;

	for (unsigned int i = 0; i < h->nr_p; i++)
		if (&h->p[i] != self && is_live(h, &h->p[i]))
			m = min_u64(m, h->p[i].cpu.now);
	return m;
}

/*
 * How far @p may run before another pCPU could affect it: the fixed
 * quantum past the lowest other clock, and, for IPIs, the earliest cycle
 * another pCPU's thread could deliver one to a thread of @p - no sooner than
 * its guest's next send to that thread (the guest's ipi_bound; a thread
 * that has not started is taken to send now, to anyone) and its pCPU's
 * clock, plus the delivery time.
 */
static u64 bound(const struct host *h, const struct hpcpu *p)
{
	u64 b = UINT64_MAX, m;

	if (h->quantum != UINT64_MAX && (m = others_min(h, p)) != UINT64_MAX)
		b = m + h->quantum;
	for (unsigned int i = 0; h->ipis && i < h->nr_t; i++) {
		const struct hthread *u = &h->t[i];

		if (u->p == p || u->done)
			continue;
		if (!u->v.ipi_bound) {	/* not started: it may send to anyone now */
			b = min_u64(b, u->p->cpu.now + u->v.costs.ipi_delivery);
			continue;
		}
		for (unsigned int k = 0; k < p->nr; k++) {	/* only what reaches @p */
			const struct hthread *to = p->ring[k];
			u64 at;

			if (to->vm != u->vm || to->done)
				continue;
			at = u->v.ipi_bound(u->v.ipi_bound_ctx, to->index);
			if (at != UINT64_MAX)
				b = min_u64(b, max_u64(at, u->p->cpu.now) + u->v.costs.ipi_delivery);
		}
	}
	return b;
}

static u64 host_horizon(void *ctx)
{
	struct hthread *t = ctx;

	return t->p->horizon;
}

static void host_sync(void *ctx)
{
	(void)ctx;
	coro__yield();
}

/* kvm_vcpu_block: asleep until @until or an IPI; the pCPU goes on. */
static void host_halt(void *ctx, u64 until)
{
	struct hthread *t = ctx;

	t->left++;
	if (until <= t->p->cpu.now) {	/* the timer came during the put: awake */
		t->took++;
		return;
	}
	t->blocked = true;
	t->wake_at = until;
	leave_pcpu(t, hand_on(t->p, t));	/* never itself: it sleeps */
}

static void host_send_ipi(void *ctx, unsigned int dest)
{
	struct hthread *t = ctx, *to = t->h->vm_first[t->vm] + dest;
	u64 at = t->v.cpu->now + t->v.costs.ipi_delivery;

	kvm_vcpu__post_ipi(&to->v, t->v.cpu->now, at);
	if (to->blocked)	/* kvm_vcpu_kick wakes it when the IPI is there */
		to->wake_at = min_u64(to->wake_at, max_u64(at, to->p->cpu.now));
}

/* The tick's view: another thread of the pCPU runnable now (a sleeper
 * whose wake-up is due counts: is_runnable wakes it). */
static bool host_has_others(void *ctx)
{
	const struct hthread *t = ctx;

	return runnable(t->p) > 1;
}

static const struct kvm_host_ops host_ops = {
	.horizon = host_horizon, .sync = host_sync, .schedule = host_schedule,
	.send_ipi = host_send_ipi, .halt = host_halt, .has_others = host_has_others,
};

static void thread_main(void *arg)
{
	struct hthread *t = arg;
	struct kvm_host_sched s = { .tasks = t->p->tasks, .slice_cycles = t->p->slice,
				    .others = runnable(t->p) > 1 };

	t->took++;
	t->start = t->v.cpu->now;
	t->p->cpu.cpl = 0;		/* a new thread's guest starts in its kernel */
	t->p->cpu.cr4_pce = false;
	kvm_vcpu__set_sched(&t->v, &s);	/* its first slice starts now */
	t->ret = guest_workload__run(&t->w, &t->v, t->seed, t->h->c->prof->perf.cycles_per_sec,
				     &t->gr);
	if (t->sh)
		sim_shadow__finish(t->sh);
	t->end = t->v.cpu->now;
	t->left++;
	t->done = true;
	hand_on(t->p, t);
}

/* ---- building it -------------------------------------------------------------- */

static int start_pcpu(struct host *h, struct hpcpu *p, char *err, size_t len)
{
	const struct scenario *sc = h->c->sc;

	if (sim__start_pcpu(&p->cpu, &p->pc, &h->sys, p->hev, &p->nr_hev, h->c->prof, sc, err, len))
		return -1;
	p->tasks = sc->host_tasks;
	p->slice = (u64)sc->slice_us * h->c->prof->core_mhz;
	return 0;
}

static int start_thread(struct host *h, struct hthread *t, const struct kvm_vpmu_ops *kind,
			const struct kvm_costs *kc, char *err, size_t len)
{
	const struct sim_config *c = h->c;
	struct hw_pmu_config req;
	const char *why = NULL;
	unsigned int g = (unsigned int)(t - h->t);

	kvm_pmu__supported(&c->prof->pmu, &req);
	if (kvm_vcpu__init(&t->v, kind, c->policy, c->route, &req, kc, &t->p->cpu, &t->p->pc,
			   &why)) {
		snprintf(err, len, "%s", why);
		return -1;
	}
	t->v.task = (int)g + 1;		/* each vCPU thread is a task of its own */
	t->v.pmu.task = t->v.task;
	t->v.pmu.skip_unchanged = !c->no_skip;
	/* vCPU 0 draws as a lone vCPU would: a host of one vCPU is the
	 * single-vCPU run (test_host.c checks that) */
	t->seed = c->seed + (u64)g * 0x9e3779b97f4a7c15ULL;
	kvm_vcpu__seed(&t->v, t->seed);
	t->v.hops = &host_ops;
	t->v.hops_ctx = t;
	t->w = c->sc->vm[t->vm].guest;
	t->w.vcpu_index = t->index;
	if (c->vcpu_src && c->vcpu_src[g])
		t->w.src = c->vcpu_src[g];
	if (c->shadow) {
		if (!(t->sh = calloc(1, sizeof(*t->sh))) ||
		    sim_shadow__attach(t->sh, &t->v, err, len))
			return t->sh ? -1 : (snprintf(err, len, "out of memory"), -1);
	}
	if (!(t->co = coro__new(thread_main, t, THREAD_STACK))) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	return 0;
}

/* The scenario's VMs as threads: vCPU i of a pinned VM on its pin[i], the
 * others round robin over the pCPUs in the order they are given. */
static void place(struct host *h)
{
	const struct scenario *sc = h->c->sc;
	unsigned int g = 0, rr = 0;

	for (unsigned int k = 0; k < sc->nr_vms; k++) {
		h->vm_first[k] = &h->t[g];
		for (unsigned int i = 0; i < sc->vm[k].vcpus; i++, g++) {
			struct hthread *t = &h->t[g];
			unsigned int pc = sc->vm[k].pinned ? sc->vm[k].pin[i] : rr++ % h->nr_p;

			t->h = h;
			t->pinned = sc->vm[k].pinned;
			t->vm = k;
			t->index = i;
			t->p = &h->p[pc];
			t->slot = t->p->nr;
			t->p->ring[t->p->nr++] = t;
		}
	}
}

static int build(struct host *h, const struct kvm_vpmu_ops *kind, char *err, size_t len)
{
	const struct scenario *sc = h->c->sc;
	struct kvm_costs kc;

	sim__kvm_costs(h->c->prof, sc, &kc);	/* as a one-vCPU run's (`[exits] from`) */
	h->nr_p = sc->pcpus;
	for (unsigned int k = 0; k < sc->nr_vms; k++)
		h->nr_t += sc->vm[k].vcpus;
	h->p = calloc(h->nr_p, sizeof(*h->p));
	h->t = calloc(h->nr_t, sizeof(*h->t));
	if (!h->p || !h->t) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	h->quantum = UINT64_MAX;
	for (unsigned int k = 0; k < sc->nr_vms && h->nr_p > 1; k++)
		if (sc->vm[k].guest.ipi_per_sec && sc->vm[k].vcpus > 1) {
			if (sc->quantum_us)
				h->quantum = (u64)sc->quantum_us * h->c->prof->core_mhz;
			else
				h->ipis = true;
		}
	for (unsigned int i = 0; i < h->nr_p; i++)
		if (start_pcpu(h, &h->p[i], err, len))
			return -1;
	place(h);
	/* threads that can migrate: an idle pCPU must not fall a slice behind
	 * the others, or it would never see a thread waiting there */
	for (unsigned int i = 0; i < h->nr_t && h->nr_p > 1; i++)
		if (!h->t[i].pinned)
			h->quantum = min_u64(h->quantum, max_u64(h->p[0].slice / 4, 1));
	for (unsigned int i = 0; i < h->nr_t; i++)
		if (start_thread(h, &h->t[i], kind, &kc, err, len))
			return -1;
	for (unsigned int i = 0; i < h->nr_p; i++) {
		h->p[i].current = h->p[i].nr ? h->p[i].ring[0] : NULL;
		h->p[i].vcpu_irq = h->p[i].cpu.on_irq;	/* kvm_vcpu__init's */
		sim__host_mark(&h->p[i].cpu, &h->p[i].mark);
	}
	return 0;
}

static void destroy(struct host *h)
{
	for (unsigned int i = 0; h->p && i < h->nr_p; i++) {	/* no vCPU takes a tick now */
		h->p[i].cpu.on_irq = perf_cpu__host_irq;
		h->p[i].cpu.irq_ctx = &h->p[i].pc;
	}
	for (unsigned int i = 0; h->t && i < h->nr_t; i++) {
		coro__free(h->t[i].co);
		kvm_vcpu__destroy(&h->t[i].v);
		free(h->t[i].sh);
	}
	for (unsigned int i = 0; h->p && i < h->nr_p; i++)
		perf_cpu__exit(&h->p[i].pc);
	free(h->t);
	free(h->p);
}

/* ---- the loop ------------------------------------------------------------------ */

static struct hpcpu *lowest(struct host *h)
{
	struct hpcpu *best = NULL;

	for (unsigned int i = 0; i < h->nr_p; i++)
		if (is_live(h, &h->p[i]) && (!best || h->p[i].cpu.now < best->cpu.now))
			best = &h->p[i];
	return best;
}

/*
 * A pCPU with no thread to run: its host tasks, else the idle loop (host
 * kernel code: cpuidle's polling; deeper C-states, where cycles stop
 * counting, are not modelled), until the first wake-up or the horizon;
 * then the first thread that can run takes it.
 */
/* Take @t over from its pCPU (it waits there, scheduled out). */
static bool migrate(struct hpcpu *p, struct hthread *t)
{
	struct hpcpu *q = t->p;
	const char *why;
	unsigned int k = 0;

	if (kvm_vcpu__migrate(&t->v, &p->cpu, &p->pc, &why))
		return false;
	for (unsigned int i = 0; i < q->nr; i++)
		if (q->ring[i] != t) {
			q->ring[k] = q->ring[i];
			q->ring[k]->slot = k;
			k++;
		}
	q->nr = k;
	t->p = p;
	t->slot = p->nr;
	p->ring[p->nr++] = t;
	t->blocked = false;
	t->migrations++;
	p->pulls++;
	p->vcpu_irq = p->cpu.on_irq;	/* KVM's entry (kvm_vcpu__migrate set it) */
	update_others(q);
	return true;
}

/* newidle balancing: an idle pCPU pulls the thread that has waited longest
 * elsewhere (unpinned, ready by now). */
static bool pull(struct host *h, struct hpcpu *p)
{
	struct hthread *best = NULL;

	for (unsigned int i = 0; i < h->nr_t; i++) {
		struct hthread *t = &h->t[i];

		if (t->p != p && is_movable(t) && ready_time(t) <= p->cpu.now &&
		    (!best || ready_time(t) < ready_time(best)))
			best = t;
	}
	if (!best || !migrate(p, best))
		return false;
	p->current = best;
	update_others(p);
	return true;
}

static void idle(struct host *h, struct hpcpu *p)
{
	u64 until;

	if (runnable(p) || (!p->tasks && pull(h, p))) {
		for (unsigned int i = 0; i < p->nr && !p->current; i++)
			if (is_runnable(p->ring[i]))
				p->current = p->ring[i];
		update_others(p);
		return;
	}
	until = min_u64(next_wake(p), p->tasks ? UINT64_MAX : next_pullable(h, p));
	until = max_u64(until, p->cpu.now + 1);	/* a pull that failed: time goes on */
	until = min_u64(until, max_u64(bound(h, p), p->cpu.now + 1));
	p->cpu.on_irq = perf_cpu__host_irq;	/* no vCPU thread: the host's entry */
	p->cpu.irq_ctx = &p->pc;
	/* until that cycle, not for that long: a tick's handler meanwhile
	 * does not push the end out (only one at the very end can) */
	while (p->cpu.now < until && !hw_cpu__failure_text(&p->cpu)) {
		u64 t0 = p->cpu.now;

		if (p->tasks) {
			task_work(p, until - t0);
		} else {
			hw_cpu__host_exec(&p->cpu, until - t0);
			p->idle_cycles += p->cpu.now - t0;
		}
	}
	p->cpu.on_irq = p->vcpu_irq;
	for (unsigned int i = 0; i < p->nr && !p->current; i++)
		if (is_runnable(p->ring[i]))
			p->current = p->ring[i];
	update_others(p);
}

static const char *failure(const struct host *h)
{
	for (unsigned int i = 0; i < h->nr_p; i++)
		if (hw_cpu__failure_text(&h->p[i].cpu))
			return hw_cpu__failure_text(&h->p[i].cpu);
	return NULL;
}

static int run_loop(struct host *h, char *err, size_t len)
{
	struct hpcpu *p;

	while ((p = lowest(h))) {
		struct hthread *t = p->current;

		if (!t) {
			idle(h, p);
			continue;
		}
		p->cpu.irq_ctx = &t->v;	/* the pCPU's interrupts are this thread's */
		p->horizon = bound(h, p);
		coro__resume(t->co);
		if (t->done && t->ret) {
			snprintf(err, len, "%s: %s", h->c->sc->name, t->gr.error);
			return -1;
		}
		if (failure(h)) {
			snprintf(err, len, "%s", failure(h));
			return -1;
		}
	}
	return 0;
}

/* ---- metrics ------------------------------------------------------------------- */

static int stats_add(struct kvm_vcpu_stats *to, const struct kvm_vcpu_stats *from)
{
	int e = 0;

	for (int r = 0; r < EXIT_NR; r++) {
		to->exits[r] += from->exits[r];
		e |= hist__merge(&to->latency[r], &from->latency[r]);
	}
	e |= hist__merge(&to->latency_all, &from->latency_all);
	e |= hist__merge(&to->latency_fastpath, &from->latency_fastpath);
	e |= hist__merge(&to->latency_full, &from->latency_full);
	e |= hist__merge(&to->irqoff, &from->irqoff);
	e |= hist__merge(&to->pmi_latency, &from->pmi_latency);
	e |= hist__merge(&to->pmi_handler, &from->pmi_handler);
	e |= hist__merge(&to->ipi_latency, &from->ipi_latency);
	to->fastpath_exits += from->fastpath_exits;
	to->loads += from->loads;
	to->puts += from->puts;
	to->switch_cycles += from->switch_cycles;
	to->switch_accesses += from->switch_accesses;
	to->guest_pmis += from->guest_pmis;
	to->misattributed_pmis += from->misattributed_pmis;
	to->unclaimed_nmis += from->unclaimed_nmis;
	to->host_irqs += from->host_irqs;
	to->preemptions += from->preemptions;
	to->preemption_cycles += from->preemption_cycles;
	to->host_task_cycles += from->host_task_cycles;
	to->reprograms += from->reprograms;
	to->reprogram_cycles += from->reprogram_cycles;
	to->retired_emulated += from->retired_emulated;
	to->fastpath_left += from->fastpath_left;
	to->fastpath_handled += from->fastpath_handled;
	to->ipis_sent += from->ipis_sent;
	to->ipis_received += from->ipis_received;
	to->ipis_merged += from->ipis_merged;
	to->ipi_kicks += from->ipi_kicks;
	to->ipis_late += from->ipis_late;
	to->halts += from->halts;
	to->halted_cycles += from->halted_cycles;
	return e;
}

static void stats_free(struct kvm_vcpu_stats *st)
{
	for (int r = 0; r < EXIT_NR; r++)
		hist__free(&st->latency[r]);
	hist__free(&st->latency_all);
	hist__free(&st->latency_fastpath);
	hist__free(&st->latency_full);
	hist__free(&st->irqoff);
	hist__free(&st->pmi_latency);
	hist__free(&st->pmi_handler);
	hist__free(&st->ipi_latency);
}

/* The guest side of @n threads together: their statistics, samples and
 * counting error (the mean over all their events), wall = the last end. */
static int guests_metrics(struct hthread *const *t, unsigned int n, struct sim_metrics *m)
{
	struct kvm_vcpu_stats sum;
	double err = 0;
	unsigned int nev = 0;
	u64 start = UINT64_MAX, end = 0;
	int e = 0;

	memset(&sum, 0, sizeof(sum));
	for (unsigned int i = 0; i < n; i++) {
		const struct guest_result *g = &t[i]->gr;

		e |= stats_add(&sum, &t[i]->v.st);
		start = min_u64(start, t[i]->start);
		end = max_u64(end, t[i]->end);
		m->perf_event_releases += t[i]->v.pmu.nr_releases;
		m->guest_samples += g->samples;
		m->residue_reads += t[i]->v.pmu.residue_reads;
		m->lost_counts += g->lost_counts;
		m->guest_counters = g->nr_counters;
		snprintf(m->guest_driver, sizeof(m->guest_driver), "%s", g->driver);
		sim__guest_errors(g, &err, &nev);
		if (t[i]->sh)
			m->isolation_diffs += sim_shadow__total(t[i]->sh);
	}
	m->wall_cycles = end > start ? end - start : 0;
	sim__stats_metrics(&sum, m);
	stats_free(&sum);
	m->guest_count_error_pct = nev ? err / nev : -1;
	m->nr_vcpus = n;
	return e;
}

static void pcpu_report(struct host *h, struct sim_host_report *rep)
{
	for (unsigned int i = 0; i < h->nr_p; i++) {
		struct hpcpu *p = &h->p[i];
		struct sim_pcpu_report *r = &rep->pcpu[i];
		struct sim_metrics one;

		memset(&one, 0, sizeof(one));
		sim__host_cpu_metrics(&p->cpu, &p->mark, &one);
		sim__add_host_events(&p->pc, p->hev, p->nr_hev, &one);
		*r = (struct sim_pcpu_report){ .threads = p->nr, .host_cycles = one.host_cycles,
			.blind_cycles = one.blind_cycles, .host_blind_pct = one.host_blind_pct,
			.task_cycles = p->task_cycles, .vcpu_switches = p->switches,
			.idle_cycles = p->idle_cycles, .pulls = p->pulls,
			.nr_host_events = p->nr_hev };
		memcpy(r->host_events, one.host_events, sizeof(r->host_events));
	}
}

static int report(struct host *h, struct sim_metrics *m, struct sim_host_report *rep)
{
	struct hthread *all[SCENARIO_MAX_VCPUS];
	const struct scenario *sc = h->c->sc;
	int e = 0;

	for (unsigned int i = 0; i < h->nr_t; i++)
		all[i] = &h->t[i];
	e |= guests_metrics(all, h->nr_t, m);
	for (unsigned int i = 0; i < h->nr_p; i++) {
		sim__host_cpu_metrics(&h->p[i].cpu, &h->p[i].mark, m);
		sim__add_host_events(&h->p[i].pc, h->p[i].hev, h->p[i].nr_hev, m);
		m->vcpu_switches += h->p[i].switches;
	}
	sim__host_count_error(m);
	m->nr_vms = sc->nr_vms;
	m->nr_pcpus = h->nr_p;
	if (!rep)
		return e;
	memset(rep, 0, sizeof(*rep));
	rep->nr_vcpus = h->nr_t;
	rep->nr_vms = sc->nr_vms;
	rep->nr_pcpus = h->nr_p;
	rep->quantum_cycles = h->quantum;
	rep->ipi_lookahead = h->ipis;
	for (unsigned int i = 0; i < h->nr_t; i++) {
		struct sim_vcpu_report *r = &rep->vcpu[i];
		struct hthread *t = &h->t[i];

		snprintf(r->vm, sizeof(r->vm), "%s", sc->vm[t->vm].name);
		r->index = t->index;
		r->pcpu = (unsigned int)(t->p - h->p);
		r->took = t->took;
		r->left = t->left;
		r->migrations = t->migrations;
		r->ipis_left = t->v.ipiq_n;
		e |= guests_metrics(&all[i], 1, &r->m);
		r->isolation_diffs = r->m.isolation_diffs;
		if (t->sh && t->sh->nr_text)
			snprintf(r->isolation_first, sizeof(r->isolation_first), "%s", t->sh->text[0]);
		for (int k = 0; t->sh && k < SIM_DIFF_NR; k++)
			r->isolation_by[k] = t->sh->n[k];
		if (t->sh) {
			r->isolation_reads = t->sh->reads;
			r->late_status = t->sh->late_status;
			r->skewed_status = t->sh->skewed_status;
		}
	}
	for (unsigned int k = 0; k < sc->nr_vms; k++) {
		snprintf(rep->vm[k].scenario, sizeof(rep->vm[k].scenario), "%s", sc->vm[k].name);
		e |= guests_metrics(&all[h->vm_first[k] - h->t], sc->vm[k].vcpus, &rep->vm[k]);
	}
	pcpu_report(h, rep);
	return e;
}

int sim__run_host(const struct sim_config *c, const struct kvm_vpmu_ops *kind,
		  struct sim_metrics *m, struct sim_host_report *rep, char *err, size_t len)
{
	struct host h = { .c = c };
	int ret = build(&h, kind, err, len);

	if (!ret)
		ret = run_loop(&h, err, len);
	if (!ret && report(&h, m, rep)) {
		snprintf(err, len, "out of memory");
		ret = -1;
	}
	destroy(&h);
	return ret;
}

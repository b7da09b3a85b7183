/*
 * sim/run.c - see run.h. A run builds a fresh pCPU (hw/), its host perf
 * (perf/) with the scenario's host session, and a vCPU (kvm/), then runs the
 * guest workload (guest/) to completion; the metrics are read off the
 * vCPU's statistics, the core's ground truth and the guest's perf driver.
 * The vPMU-none baseline is run once per struct sim_baseline given.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/workload.h"
#include "sim/host.h"
#include "sim/run.h"

struct machine {
	struct hw_cpu cpu;
	struct perf_cpu pc;
	struct kvm_vcpu v;
	struct perf_event *hev[PERF_SPEC_MAX];
	int nr_hev;
	struct guest_result gr;
	struct kvm_vcpu_trace trace;	/* the timeline's recorder, when asked */
	struct sim_host_mark mark;	/* at the guest's start */
};

void sim__pct(struct hist *h, struct sim_pct *p)
{
	/* the CDF's 0, 5, .. 100 with the 99th between 95 and 100 */
	static const unsigned int ranks[22] = { 0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55,
						60, 65, 70, 75, 80, 85, 90, 95, 99, 100 };
	double mean = h->n ? (double)h->sum / (double)h->n : 0, ss = 0;
	u64 v[22];

	hist__percentiles(h, ranks, 22, v);
	*p = (struct sim_pct){
		.p50 = v[10], .p90 = v[18], .p99 = v[20], .max = h->max, .n = h->n,
		.min = v[0], .sum = h->sum,
	};
	for (size_t i = 0; i < h->cap; i++)	/* each distinct value, count times */
		if (h->bins[i].count)
			ss += (double)h->bins[i].count * ((double)h->bins[i].value - mean) *
			      ((double)h->bins[i].value - mean);
	p->sd = h->n > 1 ? sqrt(ss / (double)(h->n - 1)) : 0;
	for (unsigned int k = 0; k < 20; k++)
		p->cdf[k] = v[k];
	p->cdf[20] = v[21];
}

/*
 * The NMI watchdog (kernel/watchdog_perf.c): a pinned cycles event that
 * counts guest time too (!exclude_guest), sampling every watchdog_thresh
 * (10) seconds of cycles (hw_nmi_get_sample_period). Its existence makes
 * perf_create_mediated_pmu() fail with -EBUSY, as on a real host.
 */
static int start_watchdog(struct perf_cpu *pc, const struct profile *p, char *err, size_t len)
{
	struct perf_attr attr = {
		.type = PERF_TYPE_HARDWARE, .config = 0, .pinned = true,
		.sample_period = (u64)p->core_mhz * 1000000 * 10,
	};
	struct perf_event *ev;

	snprintf(attr.name, sizeof(attr.name), "nmi_watchdog");
	if (perf_event__create(pc, &attr, NULL, &ev)) {
		snprintf(err, len, "host perf refused the NMI watchdog's event");
		return -1;
	}
	return 0;
}

/*
 * The scenario's host session, as the perf tool opens it (tools/perf
 * create_perf_stat_counter, and record's evsel config): every group leader
 * is created disabled, and once all are open the tool enables them
 * (evlist__enable), so no event counts the slow creation of the next.
 */
int sim__start_host_session(struct perf_cpu *pc, const struct perf_spec *sp,
			    struct perf_event **hev, int *nr_hev, char *err, size_t len)
{
	for (int i = 0; i < sp->nr; i++) {
		struct perf_event *leader = sp->leader[i] >= 0 ? hev[sp->leader[i]] : NULL;
		struct perf_attr a = sp->attr[i];
		int e;

		a.disabled = !leader;
		e = perf_event__create(pc, &a, leader, &hev[i]);
		if (e) {
			snprintf(err, len, "host perf refused %s (error %d)", sp->attr[i].name, -e);
			return -1;
		}
		*nr_hev = i + 1;
	}
	for (int i = 0; i < *nr_hev; i++)
		if (sp->leader[i] < 0)
			perf_event__enable(pc, hev[i]);
	return 0;
}

int sim__start_pcpu(struct hw_cpu *cpu, struct perf_cpu *pc, struct perf_system *sys,
		    struct perf_event **hev, int *nr_hev, const struct profile *p,
		    const struct scenario *sc, char *err, size_t len)
{
	if (hw_cpu__init(cpu, &p->pmu, &p->hw, err, len))
		return -1;
	perf_cpu__init(pc, cpu, &p->perf);
	if (sys)
		perf_cpu__share_system(pc, sys);
	pc->cpu_pmu_ctx = sc->had_cpu_events;
	/* the host's interrupt handlers are there from the start: a tick that
	 * comes while host perf sets up (creating events is slow) is taken,
	 * not lost; kvm_vcpu__init takes the entry over for the vCPU thread */
	cpu->on_irq = perf_cpu__host_irq;
	cpu->irq_ctx = pc;
	perf_cpu__start_tick(pc);
	if (sc->nmi_watchdog && start_watchdog(pc, p, err, len))
		return -1;
	return sc->has_host_perf ? sim__start_host_session(pc, &sc->host_perf, hev, nr_hev, err,
							   len) : 0;
}

/* The timeline's recorder: the state is tracked all along, the events kept
 * inside the window. */
static void tl_event(void *ctx, u64 cycle, enum kvm_trace_ev ev, unsigned int arg)
{
	struct sim_timeline *t = ctx;
	u64 at = cycle - t->start;

	if (at < t->from) {
		if (ev == KVM_TR_ENTRY || ev == KVM_TR_EXIT)
			t->in_guest = ev == KVM_TR_ENTRY;
		else if (ev == KVM_TR_IRQS_OFF || ev == KVM_TR_IRQS_ON)
			t->irqs_off = ev == KVM_TR_IRQS_OFF;
		else if (ev == KVM_TR_LOADED || ev == KVM_TR_PUT)
			t->loaded = ev == KVM_TR_LOADED;
		return;
	}
	if (at >= t->from + t->len)
		return;
	if (t->n == sizeof(t->ev) / sizeof(t->ev[0])) {
		t->full = true;
		return;
	}
	t->ev[t->n++] = (struct sim_tl_event){ .cycle = at - t->from, .ev = (u8)ev,
					       .arg = (u16)arg };
}

u64 sim__exit_fixed_cycles(const struct kvm_costs *kc, enum kvm_exit_reason r,
			   enum hw_vendor vendor)
{
	enum kvm_exit_path path = kvm_exit__path(r, vendor);
	u64 fixed = (u64)kc->vmexit + kc->vmentry;

	if (path != PATH_FASTPATH || r == EXIT_HLT)	/* a sleeping HLT leaves the loop */
		fixed += kc->full;
	if (path == PATH_USERSPACE)
		fixed += kc->userspace.base;
	return fixed;
}

/*
 * KVM's costs for a run: the profile's, but where the scenario took its
 * exits from a trace or table (`[exits] from`), each reason's handler costs
 * what that input's mean exit-to-entry time leaves after the profile's
 * VM-exit, VM-entry and outer-loop costs (and the VMM, for exits that go to
 * userspace); the profile's spread and tail stay. (HLT's time is the
 * guest's idle time instead: input/scenario.c.)
 */
void sim__kvm_costs(const struct profile *p, const struct scenario *sc, struct kvm_costs *kc)
{
	*kc = p->kvm;
	for (int r = 0; r < EXIT_NR; r++) {
		enum kvm_exit_path path = kvm_exit__path((enum kvm_exit_reason)r, p->pmu.vendor);
		u64 lat = (u64)sc->exit_latency_ns[r] * p->core_mhz / 1000, fixed;

		if (!sc->exit_latency_ns[r] || path == PATH_NONE)
			continue;
		fixed = sim__exit_fixed_cycles(kc, (enum kvm_exit_reason)r, p->pmu.vendor);
		kc->handler[r].base = (u32)min_u64(lat > fixed ? lat - fixed : 0, UINT32_MAX);
	}
}

static int run_one(struct machine *mc, const struct sim_config *c,
		   const struct kvm_vpmu_ops *kind, char *err, size_t len)
{
	const struct profile *p = c->prof;
	const char *why = NULL;
	struct hw_pmu_config req;
	struct kvm_costs kc;

	memset(mc, 0, sizeof(*mc));
	if (sim__start_pcpu(&mc->cpu, &mc->pc, NULL, mc->hev, &mc->nr_hev, p, c->sc, err, len))
		return -1;
	kvm_pmu__supported(&p->pmu, &req);	/* the VMM copies what KVM advertises */
	sim__kvm_costs(p, c->sc, &kc);
	if (kvm_vcpu__init(&mc->v, kind, c->policy, c->route, &req, &kc, &mc->cpu,
			   &mc->pc, &why)) {
		snprintf(err, len, "%s", why);
		return -1;
	}
	mc->v.pmu.skip_unchanged = !c->no_skip;
	mc->cpu.tick_skips_guest = c->input_irqs;
	kvm_vcpu__seed(&mc->v, c->seed);
	if (c->timeline && kind == c->kind) {
		mc->trace = (struct kvm_vcpu_trace){ .event = tl_event, .ctx = c->timeline };
		c->timeline->start = mc->cpu.now;
		c->timeline->n = 0;
		c->timeline->full = false;
		c->timeline->in_guest = c->timeline->irqs_off = c->timeline->loaded = false;
		mc->v.trace = &mc->trace;
	}
	if (c->sc->host_tasks) {
		struct kvm_host_sched s = {
			.tasks = c->sc->host_tasks,
			.slice_cycles = (u64)c->sc->slice_us * p->core_mhz,
		};

		kvm_vcpu__set_sched(&mc->v, &s);
	}
	sim__host_mark(&mc->cpu, &mc->mark);
	if (guest_workload__run(&c->sc->guest, &mc->v, c->seed, p->perf.cycles_per_sec, &mc->gr)) {
		if (hw_cpu__failure_text(&mc->cpu))	/* a run limit (hw/cpu.h) */
			snprintf(err, len, "%s", hw_cpu__failure_text(&mc->cpu));
		else
			snprintf(err, len, "%s: %s", c->sc->name, mc->gr.error);
		return -1;
	}
	if (hw_cpu__failure_text(&mc->cpu)) {	/* a run limit (hw/cpu.h) */
		snprintf(err, len, "%s", hw_cpu__failure_text(&mc->cpu));
		return -1;
	}
	return 0;
}

static void teardown(struct machine *mc)
{
	kvm_vcpu__destroy(&mc->v);
	perf_cpu__exit(&mc->pc);
}

double sim__count_error_pct(u64 count, u64 enabled, u64 running, u64 truth)
{
	double d = (double)perf_scale(count, enabled, running) - (double)truth;

	return truth ? 100.0 * (d < 0 ? -d : d) / (double)truth : 0.0;
}

void sim__guest_errors(const struct guest_result *g, double *sum, unsigned int *n)
{
	for (unsigned int k = 0; k < g->nr_events; k++, (*n)++)
		*sum += sim__count_error_pct(g->ev[k].count, g->ev[k].enabled, g->ev[k].running,
					     g->ev[k].truth);
}

void sim__add_host_events(const struct perf_cpu *pc, struct perf_event *const *hev, int nr,
			  struct sim_metrics *m)
{
	m->nr_host_events = nr;
	for (int i = 0; i < nr; i++) {
		struct sim_host_event *he = &m->host_events[i];
		struct perf_values v;

		perf_event__values(pc, hev[i], &v);
		snprintf(he->name, sizeof(he->name), "%s", hev[i]->attr.name);
		he->has_truth = hev[i]->truth_ev != HW_EV_NONE;
		he->count += v.count;
		he->enabled += v.enabled;
		he->running += v.running;
		he->truth += v.truth;
	}
}

void sim__host_count_error(struct sim_metrics *m)
{
	double sum = 0;
	int n = 0;

	m->host_count_error_pct = -1;
	for (int i = 0; i < m->nr_host_events; i++) {
		const struct sim_host_event *he = &m->host_events[i];

		if (!he->has_truth || (!he->truth && !he->count))
			continue;	/* nothing happened to count: no evidence */
		sum += sim__count_error_pct(he->count, he->enabled, he->running, he->truth);
		n++;
	}
	if (n)
		m->host_count_error_pct = sum / n;
}

void sim__stats_metrics(struct kvm_vcpu_stats *st, struct sim_metrics *m)
{
	for (int r = 0; r < EXIT_NR; r++) {
		m->exits[r] = st->exits[r];
		m->exits_total += st->exits[r];
		sim__pct(&st->latency[r], &m->exit_latency_by[r]);
	}
	m->fastpath_exits = st->fastpath_exits;
	m->fastpath_left = st->fastpath_left;
	m->fastpath_handled = st->fastpath_handled;
	m->reprograms = st->reprograms;
	m->reprogram_cycles = st->reprogram_cycles;
	m->retired_emulated = st->retired_emulated;
	m->preemptions = st->preemptions;
	m->host_task_cycles = st->host_task_cycles;
	m->preemption_cycles = st->preemption_cycles;
	sim__pct(&st->latency_all, &m->exit_latency);
	sim__pct(&st->latency_fastpath, &m->exit_latency_fastpath);
	sim__pct(&st->latency_full, &m->exit_latency_full);
	m->loads = st->loads;
	m->puts = st->puts;
	m->switch_cycles = st->switch_cycles;
	m->switch_accesses = st->switch_accesses;
	sim__pct(&st->irqoff, &m->host_irqoff);
	sim__pct(&st->pmi_latency, &m->pmi_latency);
	sim__pct(&st->pmi_handler, &m->pmi_handler);
	m->guest_pmis = st->guest_pmis;
	m->misattributed_pmis = st->misattributed_pmis;
	m->unclaimed_nmis = st->unclaimed_nmis;
	m->ipis_sent = st->ipis_sent;
	m->ipis_received = st->ipis_received;
	m->ipis_merged = st->ipis_merged;
	m->ipi_kicks = st->ipi_kicks;
	m->ipis_late = st->ipis_late;
	m->halts = st->halts;
	m->halted_cycles = st->halted_cycles;
	sim__pct(&st->ipi_latency, &m->ipi_latency);
}

static u64 host_mode_cycles(const struct hw_cpu *cpu)
{
	return cpu->truth[0][0][HW_EV_CYCLES] + cpu->truth[0][1][HW_EV_CYCLES];
}

void sim__host_mark(const struct hw_cpu *cpu, struct sim_host_mark *mark)
{
	*mark = (struct sim_host_mark){ .host_cycles = host_mode_cycles(cpu),
					.blind_cycles = cpu->marked_host_cycles };
}

void sim__host_cpu_metrics(const struct hw_cpu *cpu, const struct sim_host_mark *mark,
			   struct sim_metrics *m)
{
	m->host_cycles += host_mode_cycles(cpu) - mark->host_cycles;
	m->blind_cycles += cpu->marked_host_cycles - mark->blind_cycles;
	m->host_blind_pct = m->host_cycles ? 100.0 * (double)m->blind_cycles /
					     (double)m->host_cycles : 0;
	m->pmis_dropped += cpu->apic.pmi_dropped;
	m->pmis_merged += cpu->apic.pmi_merged;
	m->leaked_events += cpu->pmu.leaked_events;
}

static void collect(struct machine *mc, struct sim_metrics *m)
{
	m->wall_cycles = mc->gr.wall_cycles;
	sim__stats_metrics(&mc->v.st, m);
	m->perf_event_releases = mc->v.pmu.nr_releases;
	m->guest_counters = mc->gr.nr_counters;
	snprintf(m->guest_driver, sizeof(m->guest_driver), "%s", mc->gr.driver);
	sim__host_cpu_metrics(&mc->cpu, &mc->mark, m);
	m->guest_samples = mc->gr.samples;
	m->residue_reads = mc->v.pmu.residue_reads;
	m->lost_counts = mc->gr.lost_counts;
	{
		double sum = 0;
		unsigned int n = 0;

		sim__guest_errors(&mc->gr, &sum, &n);
		m->guest_count_error_pct = n ? sum / n : -1;
	}
	sim__add_host_events(&mc->pc, mc->hev, mc->nr_hev, m);
	sim__host_count_error(m);
}

/* Was @b computed for the baseline @c needs? */
static bool is_baseline_for(const struct sim_baseline *b, const struct sim_config *c)
{
	return b && b->is_valid && b->prof == c->prof && b->sc == c->sc && b->seed == c->seed &&
	       b->route == c->route && b->no_skip == c->no_skip;
}

/*
 * One run of @c's scenario under @kind: on the one-vCPU machine, or on the
 * host of several (sim/host.h) for a host scenario. @measured: every
 * metric into @m (and the host's report); else only wall_cycles (a
 * baseline).
 */
static int run_kind(const struct sim_config *c, const struct kvm_vpmu_ops *kind,
		    struct sim_metrics *m, bool measured, char *err, size_t len)
{
	struct machine *mc;	/* large: off the stack (and one a caller: reentrant) */
	int ret;

	if (scenario__is_host(c->sc)) {
		struct sim_config hc = *c;

		hc.shadow = measured && c->shadow;
		if (sim__run_host(&hc, kind, m, measured ? c->host_report : NULL, err, len))
			return -1;
		m->core_mhz = c->prof->core_mhz;
		return 0;
	}
	mc = malloc(sizeof(*mc));
	if (!mc) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	ret = run_one(mc, c, kind, err, len);
	if (!ret && measured)
		collect(mc, m);
	else if (!ret)
		m->wall_cycles = mc->gr.wall_cycles;
	teardown(mc);
	free(mc);
	return ret ? -1 : 0;
}

int sim__baseline(const struct sim_config *c, struct sim_baseline *b, char *err, size_t len)
{
	struct sim_metrics *base = calloc(1, sizeof(*base));

	if (!base) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	if (run_kind(c, &kvm_vpmu_none_ops, base, false, err, len)) {
		free(base);
		return -1;
	}
	*b = (struct sim_baseline){
		.is_valid = true, .prof = c->prof, .sc = c->sc, .seed = c->seed,
		.route = c->route, .no_skip = c->no_skip, .wall_cycles = base->wall_cycles,
	};
	free(base);
	return 0;
}

int sim__run(const struct sim_config *c, struct sim_metrics *m, char *err, size_t len)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->scenario, sizeof(m->scenario), "%s", c->sc->name);
	snprintf(m->vpmu, sizeof(m->vpmu), "%s", c->kind->name);
	snprintf(m->policy, sizeof(m->policy), "%s",
		 c->kind->is_mediated ? c->policy->name : "-");
	snprintf(m->pmi, sizeof(m->pmi), "%s", !c->kind->is_mediated ? "-" :	/* no routing */
		 c->route == PMI_ROUTE_NMI ? "nmi" : "vector");
	snprintf(m->cpu, sizeof(m->cpu), "%s", c->prof->name);
	m->vendor = c->prof->pmu.vendor;
	m->seed = c->seed;
	/* the baseline: the same work with no vPMU */
	if (!c->no_baseline && !is_baseline_for(c->baseline, c)) {
		struct sim_baseline b;

		if (sim__baseline(c, &b, err, len))
			return -1;
		m->wall_cycles_none = b.wall_cycles;
		if (c->baseline)
			*c->baseline = b;
	} else if (!c->no_baseline) {
		m->wall_cycles_none = c->baseline->wall_cycles;
	}
	if (run_kind(c, c->kind, m, true, err, len))
		return -1;
	m->guest_overhead_pct = m->wall_cycles_none ?
		100.0 * ((double)m->wall_cycles - (double)m->wall_cycles_none) /
		(double)m->wall_cycles_none : 0;
	return 0;
}

bool sim__is_exit_as_irqoff(const struct sim_metrics *m)
{
	return !strcmp(m->policy, "irqoff") && !m->fastpath_handled;
}

bool sim__is_exit_twin(const struct sim_config *irq, const struct sim_config *ex)
{
	return irq->kind->is_mediated && ex->kind == irq->kind && irq->policy->at_irqoff &&
	       ex->policy->at_exit && ex->route == irq->route && ex->no_skip == irq->no_skip;
}

void sim__metrics_as_exit(struct sim_metrics *m)
{
	memset(m->policy, 0, sizeof(m->policy));	/* the bytes an exit run has */
	snprintf(m->policy, sizeof(m->policy), "%s", kvm_policy__by_name("exit")->name);
}

/*
 * Reports use the names the vendor's kvm_exit trace point prints. Where the
 * model keeps two reasons apart that print alike, the name carries what the
 * trace shows beside it: the MSR of a TSC-deadline write (VMX
 * MSR_WRITE_TSC_DEADLINE), SVM msr's info1 (0 read, 1 write), an SVM npf on
 * an MMIO page.
 */
const char *sim__exit_name(enum kvm_exit_reason r, enum hw_vendor vendor)
{
	if (vendor == HW_VENDOR_AMD) {
		switch (r) {
		case EXIT_MSR_READ:
			return "msr:read";
		case EXIT_MSR_WRITE:
			return "msr:write";
		case EXIT_MSR_WRITE_TIMER:
			return "msr:write_tsc_deadline";
		case EXIT_EPT_MISCONFIG:
			return "npf:mmio";
		default:
			return kvm_exit__name(r, vendor) ? kvm_exit__name(r, vendor) : "-";
		}
	}
	return r == EXIT_MSR_WRITE_TIMER ? "MSR_WRITE_TSC_DEADLINE" : kvm_exits[r].vmx;
}

/*
 * sim/interleave.c - see interleave.h. One fixed guest: a GP counter with
 * its PMI on that wraps during the work before the exit, a GP counter and
 * (Intel) a fixed counter counting without PMI; after the sequence more
 * work, then every counter read and the end-of-run checks.
 */
#include <stdio.h>
#include <string.h>

#include "hw/msr.h"
#include "sim/interleave.h"

#define SCENARIO_SEED	3		/* the host session and guest request of the runs */
#define FAR_SKID	2000000ULL	/* a skid that ends after the sequence */
#define WORK_BEFORE	200000ULL
#define WORK_AFTER	50000ULL
#define MAX_OPS		256

static const char *const event_names[ILV_NR] = { "host PMI", "guest overflow", "host timer" };

const char *ilv_event__name(enum ilv_event e)
{
	return event_names[e];
}

struct ilv_run {
	struct iso_machine *m;
	bool in_window;
	unsigned int op;		/* accesses seen in the window */
	int point;			/* -1: dry run; 0 at the VM-exit, k after access
					 * k - 1, accesses + 1 after the VM-entry */
	enum ilv_event ev;
	u64 t[MAX_OPS];			/* dry run: cycle of each access */
	u64 t_overflow, t_exit, t_entry;
	const struct perf_event *host_ev;	/* the host event whose PMI is injected */
	u64 host_bit;			/* ... and its counter */
	u64 last_live;			/* last access with host perf's events in */
	u32 real_skid;			/* the profile's PMI skid */
	bool unreachable;		/* no host overflow can land at this point */
};

static bool is_amd(const struct iso_machine *m)
{
	return m->cpu.pmu.cfg.vendor == HW_VENDOR_AMD;
}

/* The host event whose counter's PMI is injected: the first on a counter. */
static const struct perf_event *host_event(const struct iso_machine *m)
{
	for (int i = 0; i < m->nr_hev; i++)
		if (m->hev[i]->idx >= 0 && m->hev[i]->idx < HW_MAX_IDX)
			return m->hev[i];
	return NULL;
}

/* Is that event counting on its counter now (can it overflow here)? */
static bool is_host_live(const struct ilv_run *r)
{
	return r->host_ev && r->host_ev->state == PERF_STATE_ACTIVE &&
	       BIT_ULL(r->host_ev->idx) == r->host_bit && !r->m->pc.guest_sched_out;
}

/*
 * A host PMI at this point: the overflow of a host counter. While its
 * event counts on it, it happens here (the APIC takes it as its LVTPC
 * says now). While they are out (a guest context is loaded) none can
 * happen, but the PMI of one that happened when they were last in can land
 * here if that was at most the profile's skid ago (the APIC latched it as
 * an NMI then); later points are unreachable for a host PMI.
 */
static void inject_host_pmi(struct ilv_run *r)
{
	struct hw_cpu *cpu = &r->m->cpu;
	struct hw_apic *a = &cpu->apic;
	u32 skid = cpu->costs.pmi_skid;

	if (is_host_live(r)) {
		if (cpu->pmu.has_global)
			cpu->pmu.global_status |= r->host_bit;
		cpu->costs.pmi_skid = 0;
		hw_apic__request_pmi(cpu, cpu->now, r->host_bit, false);
		cpu->costs.pmi_skid = skid;
		return;
	}
	if (cpu->now - r->last_live > r->real_skid) {
		r->unreachable = true;
		return;
	}
	a->pmi_requests++;
	if (a->nmi_pending) {
		a->nmi_source |= r->host_bit;
		a->pmi_merged++;
		return;
	}
	a->nmi_pending = true;
	a->nmi_requested_at = r->last_live;
	a->nmi_ready_at = cpu->now;
	a->nmi_source = r->host_bit;
	a->nmi_source_guest = false;
}

static void inject(struct ilv_run *r)
{
	if (r->ev == ILV_HOST_TIMER)
		r->m->cpu.timer_at = r->m->cpu.now;
	else if (r->ev == ILV_HOST_PMI)
		inject_host_pmi(r);
	/* the guest overflow's skid was set to end here */
}

static void on_access(void *ctx, u32 reg)
{
	struct ilv_run *r = ctx;

	(void)reg;
	if (!r->in_window)
		return;
	if (is_host_live(r))
		r->last_live = r->m->cpu.now;
	if (r->point < 0 && r->op < MAX_OPS)
		r->t[r->op] = r->m->cpu.now;
	if ((int)r->op == r->point - 1)
		inject(r);
	r->op++;
}

/* ---- the guest --------------------------------------------------------------- */

static void wr(struct kvm_vcpu *v, u32 msr, u64 val)
{
	kvm_vcpu__guest_wrmsr(v, msr, val);
}

static u64 rd(struct kvm_vcpu *v, u32 msr)
{
	u64 val = 0;

	kvm_vcpu__guest_rdmsr(v, msr, &val);
	return val;
}

static u32 status_msr(const struct iso_machine *m)
{
	return is_amd(m) ? MSR_AMD64_PERF_CNTR_GLOBAL_STATUS : MSR_CORE_PERF_GLOBAL_STATUS;
}

static u32 sel_msr(const struct iso_machine *m, unsigned int i)
{
	return is_amd(m) ? MSR_F15H_PERF_CTL0 + 2 * i : MSR_P6_EVNTSEL0 + i;
}

static u32 ctr_msr(const struct iso_machine *m, unsigned int i)
{
	return is_amd(m) ? MSR_F15H_PERF_CTR0 + 2 * i : MSR_IA32_PMC0 + i;
}

static void take_pmis(struct iso_machine *m)
{
	struct kvm_vcpu *v = &m->v;
	u8 cpl = v->cpu->cpl;

	v->cpu->cpl = 0;
	while (kvm_vcpu__take_guest_pmi(v)) {
		u64 st = rd(v, status_msr(m));

		if (st & 1)
			wr(v, ctr_msr(m, 0), (0 - 100000ULL) & m->sh.gp_read_mask);
		if (st)
			wr(v, is_amd(m) ? MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR :
			   MSR_CORE_PERF_GLOBAL_OVF_CTRL, st);
		wr(v, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
	}
	v->cpu->cpl = cpl;
}

static void work(struct iso_machine *m, u64 cycles)
{
	struct hw_segment seg = { .cycles = cycles, .cpl = 3 };

	seg.ev[HW_EV_INSTRUCTIONS] = cycles;
	seg.ev[HW_EV_BRANCHES] = cycles / 5;
	hw_cpu__fill_derived(m->v.cpu, &seg);
	m->v.cpu->cpl = 3;
	while (kvm_vcpu__guest_run(&m->v, &seg)) {
		take_pmis(m);
		m->v.cpu->cpl = 3;
	}
	m->v.cpu->cpl = 0;
	take_pmis(m);
}

static void program(struct iso_machine *m)
{
	struct kvm_vcpu *v = &m->v;
	u64 ev_insn = 0xc0, ev_cycles = is_amd(m) ? 0x76 : 0x3c;
	u64 all = m->sh.cpu.pmu.present;

	wr(v, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
	wr(v, ctr_msr(m, 0), (0 - WORK_BEFORE / 2) & m->sh.gp_read_mask);
	wr(v, sel_msr(m, 0), ev_insn | EVTSEL_USR | EVTSEL_OS | EVTSEL_INT | EVTSEL_ENABLE);
	if (m->sh.cpu.pmu.cfg.nr_gp > 1)
		wr(v, sel_msr(m, 1), ev_cycles | EVTSEL_USR | EVTSEL_ENABLE);
	if (!is_amd(m) && m->sh.cpu.pmu.cfg.nr_fixed)
		wr(v, MSR_CORE_PERF_FIXED_CTR_CTRL, FIXED_CTRL_OS | FIXED_CTRL_USR);
	if (m->sh.cpu.pmu.has_global)
		wr(v, is_amd(m) ? MSR_AMD64_PERF_CNTR_GLOBAL_CTL : MSR_CORE_PERF_GLOBAL_CTRL, all);
}

static void finish(struct iso_machine *m)
{
	struct kvm_vcpu *v = &m->v;
	u64 val;

	if (m->sh.cpu.pmu.has_global)
		wr(v, is_amd(m) ? MSR_AMD64_PERF_CNTR_GLOBAL_CTL : MSR_CORE_PERF_GLOBAL_CTRL, 0);
	work(m, FAR_SKID + 100000);	/* PMIs in flight land */
	for (unsigned int idx = 0; idx < HW_MAX_IDX; idx++)
		if (m->sh.cpu.pmu.present & BIT_ULL(idx))
			kvm_vcpu__guest_rdpmc(v, idx >= HW_FIXED_BASE ?
					      (RDPMC_TYPE_FIXED << 16) | (idx - HW_FIXED_BASE) : idx,
					      &val);
	rd(v, status_msr(m));
}

/* One run, with the event at r->point (@nr_ops accesses in the window). */
static void play(struct ilv_run *r, unsigned int nr_ops)
{
	struct iso_machine *m = r->m;
	struct hw_apic *a = &m->cpu.apic;

	r->host_ev = host_event(m);	/* before a guest context is loaded */
	r->host_bit = r->host_ev ? BIT_ULL(r->host_ev->idx) : 0;
	m->v.guest_if = true;
	kvm_vcpu__start(&m->v);
	program(m);
	work(m, WORK_BEFORE);
	r->t_overflow = a->nmi_pending ? a->nmi_requested_at : a->vec_pending ?
			a->vec_requested_at : 0;
	r->last_live = is_host_live(r) ? m->cpu.now : 0;
	r->t_exit = m->cpu.now;
	if (r->point == 0)
		inject(r);
	r->in_window = true;
	kvm_vcpu__guest_exit(&m->v, EXIT_IO);
	r->in_window = false;
	r->t_entry = m->cpu.now;
	if (r->point >= 0 && (unsigned int)r->point == nr_ops + 1)
		inject(r);
	work(m, WORK_AFTER);
	finish(m);
	kvm_vcpu__stop(&m->v);
	sim_shadow__finish(&m->sh);
}

/* ---- exploring ----------------------------------------------------------------- */

struct ilv_outcome {
	u64 failed, misattributed;
	u64 claimed;		/* host PMIs perf's handler claimed */
	bool unreachable;
	char first[192];
};

static int one(const struct profile *prof, const struct ilv_row *row, struct ilv_run *r,
	       u64 skid, unsigned int nr_ops, struct ilv_outcome *o, char *err, size_t len)
{
	static struct iso_machine m;	/* large: keep it off the stack */
	struct iso_row ir = { .kind = row->kind, .policy = row->policy, .route = row->route };
	struct rng rg;
	u64 pmi, unclaimed;
	int ret;

	rng__seed(&rg, SCENARIO_SEED * 0x9e3779b97f4a7c15ULL + 7);
	ret = sim__iso_build(&m, prof, &ir, &rg, err, len);
	if (ret) {
		sim__iso_teardown(&m);
		return ret;
	}
	r->m = &m;
	r->op = 0;
	r->real_skid = m.cpu.costs.pmi_skid;
	m.cpu.costs.pmi_skid = (u32)skid;
	m.cpu.on_host_access = on_access;
	m.cpu.access_ctx = r;
	play(r, nr_ops);
	sim__iso_check_host(&m, &ir, SCENARIO_SEED);
	sim__iso_add_run(&m, &ir, SCENARIO_SEED);
	unclaimed = m.v.st.unclaimed_nmis;
	o->claimed = m.pc.nr_nmis - m.pc.nr_nmis_unclaimed;
	sim__iso_teardown(&m);
	pmi = ir.misattributed_pmis + ir.diff[SIM_DIFF_PMI_LOST] + ir.diff[SIM_DIFF_PMI_SPURIOUS] +
	      unclaimed;
	o->unreachable = r->unreachable;
	o->misattributed = row->route == PMI_ROUTE_NMI ? pmi : 0;
	/* NMI routing: what follows from a wrong guess (a status bit acked by
	 * the wrong handler, a sample lost) is that misattribution */
	o->failed = o->misattributed ? 0 : sim__isolation_failures(&ir) +
		    (row->route == PMI_ROUTE_VECTOR ? unclaimed : 0);
	snprintf(o->first, sizeof(o->first), "%s", ir.first[0] ? ir.first :
		 unclaimed ? "a PMI nobody claimed (unclaimed NMI)" : "");
	return 0;
}

static void note(struct ilv_row *row, enum ilv_event ev, unsigned int k, unsigned int n,
		 const struct ilv_outcome *o)
{
	row->explored++;
	if (o->unreachable) {
		row->unreachable++;
		return;
	}
	row->failed[ev] += o->failed != 0;
	row->misattributed[ev] += o->misattributed != 0;
	if (o->failed && !row->first[0])
		snprintf(row->first, sizeof(row->first), "%s at point %u of 0..%u (%s): %s",
			 event_names[ev], k, n + 1, k == 0 ? "the VM-exit" :
			 k == n + 1 ? "after the VM-entry" : "after a host access", o->first);
}

/* The injected host PMI must reach perf's handler once: one more claimed
 * than with nothing injected (perf's own count, independent of KVM's
 * guess; a PMI merged into a pending guest one never gets there). */
static void lost_host_pmi(const struct ilv_row *row, int ev, u64 base, struct ilv_outcome *o)
{
	if (ev != ILV_HOST_PMI || o->unreachable || o->claimed == base + 1)
		return;
	if (row->route == PMI_ROUTE_NMI) {
		o->misattributed++;
		return;
	}
	if (!o->failed)
		snprintf(o->first, sizeof(o->first), "host perf claimed %llu PMIs, %llu expected",
			 (unsigned long long)o->claimed, (unsigned long long)base + 1);
	o->failed++;
}

int sim__interleavings(const struct profile *prof, struct ilv_row *row, char *err, size_t len)
{
	static struct ilv_run r;
	struct ilv_outcome o;
	unsigned int n;
	u64 base_claimed;
	int ret;

	memset(&r, 0, sizeof(r));
	r.point = -1;
	ret = one(prof, row, &r, FAR_SKID, 0, &o, err, len);
	if (ret)
		return ret;
	n = r.op;
	row->ops = n;
	base_claimed = o.claimed;
	if (n > MAX_OPS || !r.t_overflow) {
		snprintf(err, len, "interleavings: %s", n > MAX_OPS ? "sequence too long" :
			 "the guest counter did not overflow before the exit");
		return -1;
	}
	row->alone_fails = o.failed != 0;
	if (o.failed)
		snprintf(row->first, sizeof(row->first), "the sequence alone: %s", o.first);
	for (unsigned int k = 0; k <= n + 1; k++) {
		for (int ev = 0; ev < ILV_NR; ev++) {
			struct ilv_run x = r;
			u64 skid = FAR_SKID;

			if (ev == ILV_GUEST_OVERFLOW)	/* its PMI lands at point k */
				skid = (k == 0 ? r.t_exit : k <= n ? r.t[k - 1] : r.t_entry + 1) -
				       r.t_overflow;
			x.point = (int)k;
			x.ev = (enum ilv_event)ev;
			if (one(prof, row, &x, skid, n, &o, err, len))
				return -1;
			lost_host_pmi(row, ev, base_claimed, &o);
			note(row, (enum ilv_event)ev, k, n, &o);
		}
	}
	return 0;
}

/*
 * sim/isolation.c - see isolation.h. Each run builds a pCPU, its host perf
 * with a random session, a vCPU under the row's combination and a shadow
 * of its guest, then plays a random guest op stream. The guest knows only
 * what CPUID tells it (the shadow's configuration is the reduced CPUID).
 */
#include <stdio.h>
#include <string.h>

#include "base/rng.h"
#include "hw/msr.h"
#include "sim/host.h"
#include "sim/isolation.h"

static const enum kvm_exit_reason exit_pool[] = {
	EXIT_MSR_WRITE_TIMER, EXIT_PREEMPTION_TIMER, EXIT_HLT, EXIT_IO, EXIT_EPT_VIOLATION,
	EXIT_EPT_MISCONFIG, EXIT_CPUID, EXIT_VMCALL, EXIT_APIC_WRITE,
};
#define NR_EXIT_POOL (sizeof(exit_pool) / sizeof(exit_pool[0]))

static const char *const host_sessions[] = {
	"stat -a -e cycles:H,instructions:H,r00c4:H",
	"stat -a -e r00c4:H,r00c5:H,r4f2e:H,r412e:H,r013c:H",
	"record -a -F 1000 -e cycles:H",
	"record -a -c 200000 -e instructions:H,branches:H",
};
static const char *const host_sessions_amd[] = {
	"stat -a -e cycles:H,instructions:H,r00c2:H",
	"stat -a -e r00c2:H,r00c3:H,r0076:H,r00c0:H,r00c2:H,r00c3:H,r0076:H",
	"record -a -F 1000 -e cycles:H",
	"record -a -c 200000 -e instructions:H,branches:H",
};

void sim__random_scenario(u64 seed, unsigned int host_gp, struct scenario *sc)
{
	struct rng r;
	struct guest_workload *g = &sc->guest;
	unsigned int col;
	char why[128];

	memset(sc, 0, sizeof(*sc));
	rng__seed(&r, seed * 0x9e3779b97f4a7c15ULL + 1);
	snprintf(sc->name, sizeof(sc->name), "random-%llu", (unsigned long long)seed);
	snprintf(sc->about, sizeof(sc->about), "a random guest and host perf session");
	g->work_minsns = 10 + rng__below(&r, 30);
	g->cpi_milli = 400 + (u32)rng__below(&r, 1200);
	g->kernel_pct = (u32)rng__below(&r, 60);
	g->hz = (u32[]){ 100, 250, 1000 }[rng__below(&r, 3)];
	g->perf = rng__chance(&r, 1, 2) ? GUEST_PERF_RECORD : GUEST_PERF_STAT;
	g->perf_events = 1 + (unsigned int)rng__below(&r, host_gp + 2);	/* some multiplex */
	g->perf_freq = g->perf == GUEST_PERF_RECORD ? 100 + (u32)rng__below(&r, 4000) : 0;
	for (size_t i = 0; i < NR_EXIT_POOL; i++)
		if (rng__chance(&r, 1, 2))
			g->exits_per_sec[exit_pool[i]] = (u32)rng__below(&r, 20000);
	sc->has_host_perf = !perf_spec__parse(host_sessions[rng__below(&r, 4)], &sc->host_perf,
					       &col, why, sizeof(why));
	sc->host_tasks = (unsigned int)rng__below(&r, 3);
	sc->slice_us = 500 + (u32)rng__below(&r, 4000);
}

/* ---- the machine ------------------------------------------------------------- */


/* The guest's request: the host's PMU, reduced at random (fewer counters,
 * and narrower GP counters) so that unexposed counters and width
 * differences are exercised, for a mediated vPMU too (the shadow follows
 * what v6 does with a narrower guest, kvm/pmu.h). */
static void guest_request(struct rng *r, const struct hw_pmu_config *host,
			  struct hw_pmu_config *req)
{
	*req = *host;
	req->nr_gp = (u8)(1 + rng__below(r, host->nr_gp));
	if (rng__chance(r, 1, 3))
		req->nr_gp = host->nr_gp;
	if (host->vendor == HW_VENDOR_INTEL) {
		req->nr_fixed = rng__chance(r, 3, 4) ? host->nr_fixed :
			(u8)rng__below(r, host->nr_fixed + 1u);
		if (rng__chance(r, 1, 4))
			req->gp_width = (u8)(32 + rng__below(r, host->gp_width - 31u));
	}
}

int sim__iso_build(struct iso_machine *m, const struct profile *p, const struct iso_row *row,
		    struct rng *r, char *err, size_t len)
{
	const char *const *sessions = p->pmu.vendor == HW_VENDOR_AMD ? host_sessions_amd :
								       host_sessions;
	struct hw_pmu_config req;
	struct perf_spec sp;
	unsigned int col, tasks = (unsigned int)rng__below(r, 3);
	char why[128];
	const char *kerr = NULL;

	memset(m, 0, sizeof(*m));
	if (hw_cpu__init(&m->cpu, &p->pmu, &p->hw, err, len))
		return -1;
	perf_cpu__init(&m->pc, &m->cpu, &p->perf);
	/* perf's own handler until the vCPU takes the interrupt entry over:
	 * creating the events runs host code, and a sampling event can
	 * overflow before the vCPU exists */
	m->cpu.on_irq = perf_cpu__host_irq;
	m->cpu.irq_ctx = &m->pc;
	perf_cpu__start_tick(&m->pc);
	if (perf_spec__parse(sessions[rng__below(r, 4)], &sp, &col, why, sizeof(why))) {
		snprintf(err, len, "isolation: host session: %s", why);
		return -1;
	}
	if (sim__start_host_session(&m->pc, &sp, m->hev, &m->nr_hev, err, len))
		return -1;
	guest_request(r, &p->pmu, &req);
	if (kvm_vcpu__init(&m->v, row->kind, row->policy, row->route, &req, &p->kvm, &m->cpu,
			   &m->pc, &kerr)) {
		snprintf(err, len, "%s", kerr);
		return 1;
	}
	if (tasks) {
		struct kvm_host_sched s = {
			.tasks = tasks,
			.slice_cycles = (u64)(500 + rng__below(r, 4000)) * p->core_mhz,
		};

		kvm_vcpu__set_sched(&m->v, &s);
	}
	return sim_shadow__attach(&m->sh, &m->v, err, len);
}

void sim__iso_teardown(struct iso_machine *m)
{
	kvm_vcpu__destroy(&m->v);
	perf_cpu__exit(&m->pc);
}

/* ---- the guest --------------------------------------------------------------- */

struct guest {
	struct iso_machine *m;
	struct kvm_vcpu *v;
	struct rng r;
	u32 cpi_milli;
	bool amd, global, fw;
	unsigned int nr_gp, nr_fixed;
	u64 gp_mask, fixed_mask, global_bits;
	u64 period[HW_MAX_IDX];		/* reload value's distance to overflow (0: no PMI) */
	struct iso_row *row;
};

static u32 sel_msr(const struct guest *g, unsigned int i)
{
	return g->amd ? MSR_F15H_PERF_CTL0 + 2 * i : MSR_P6_EVNTSEL0 + i;
}

static u32 ctr_msr(const struct guest *g, unsigned int idx)
{
	if (idx >= HW_FIXED_BASE)
		return MSR_CORE_PERF_FIXED_CTR0 + (idx - HW_FIXED_BASE);
	return g->amd ? MSR_F15H_PERF_CTR0 + 2 * idx :
	       g->fw ? MSR_IA32_PMC0 + idx : MSR_IA32_PERFCTR0 + idx;
}

static u32 status_msr(const struct guest *g)
{
	return g->amd ? MSR_AMD64_PERF_CNTR_GLOBAL_STATUS : MSR_CORE_PERF_GLOBAL_STATUS;
}

static u32 ecx_of(unsigned int idx)
{
	return idx >= HW_FIXED_BASE ? (RDPMC_TYPE_FIXED << 16) | (idx - HW_FIXED_BASE) : idx;
}

static void take_pmis(struct guest *g);

static void wr(struct guest *g, u32 msr, u64 val)
{
	kvm_vcpu__guest_wrmsr(g->v, msr, val);
}

static u64 rd(struct guest *g, u32 msr)
{
	u64 val = 0;

	kvm_vcpu__guest_rdmsr(g->v, msr, &val);
	return val;
}

static u64 rdpmc(struct guest *g, unsigned int idx)
{
	u64 val = 0;

	kvm_vcpu__guest_rdpmc(g->v, ecx_of(idx), &val);
	if (val)
		(*(idx >= HW_FIXED_BASE ? &g->row->fixed_reads : &g->row->gp_reads))++;
	return val;
}

/* A counter value @dist events before it wraps (legacy Intel writes
 * sign-extend bit 31). */
static u64 near_wrap(const struct guest *g, unsigned int idx, u64 dist)
{
	u64 mask = idx >= HW_FIXED_BASE ? g->fixed_mask : g->gp_mask;

	return (0 - dist) & (idx < HW_FIXED_BASE && !g->amd && !g->fw ? 0xffffffffULL : mask);
}

/* The guest's PMI handler: status, reload, clear, unmask (x86_pmu_handle_irq). */
static void pmi_handler(struct guest *g)
{
	u64 status = g->global ? rd(g, status_msr(g)) : 0;

	for (unsigned int idx = 0; idx < HW_MAX_IDX; idx++)
		if ((status & BIT_ULL(idx)) && g->period[idx]) {
			rdpmc(g, idx);
			wr(g, ctr_msr(g, idx), near_wrap(g, idx, g->period[idx]));
		}
	if (status)
		wr(g, g->amd ? MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR : MSR_CORE_PERF_GLOBAL_OVF_CTRL,
		   status);
	wr(g, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
}

static void take_pmis(struct guest *g)
{
	u8 cpl = g->v->cpu->cpl;

	g->v->cpu->cpl = 0;
	while (kvm_vcpu__take_guest_pmi(g->v))
		pmi_handler(g);
	g->v->cpu->cpl = cpl;
}

static void work(struct guest *g, u64 cycles, u8 cpl)
{
	struct hw_segment seg = { .cycles = cycles, .cpl = cpl };

	seg.ev[HW_EV_INSTRUCTIONS] = max_u64(cycles * 1000 / g->cpi_milli, 1);
	seg.ev[HW_EV_BRANCHES] = seg.ev[HW_EV_INSTRUCTIONS] / 5;
	seg.ev[HW_EV_BRANCH_MISSES] = seg.ev[HW_EV_INSTRUCTIONS] / 200;
	hw_cpu__fill_derived(g->v->cpu, &seg);
	g->v->cpu->cpl = cpl;
	while (kvm_vcpu__guest_run(g->v, &seg)) {
		take_pmis(g);
		g->v->cpu->cpl = cpl;
	}
	g->v->cpu->cpl = 0;
	take_pmis(g);
}

static u64 random_event(struct guest *g)
{
	static const u64 intel[] = { 0x003c, 0x00c0, 0x00c4, 0x00c5, 0x013c };
	static const u64 amd[] = { 0x0076, 0x00c0, 0x00c2, 0x00c3 };

	return g->amd ? amd[rng__below(&g->r, 4)] : intel[rng__below(&g->r, 5)];
}

static u64 random_rings(struct guest *g, u64 os, u64 usr)
{
	u64 pick = rng__below(&g->r, 3);

	return pick == 0 ? os : pick == 1 ? usr : os | usr;
}

static u64 random_period(struct guest *g)
{
	return rng__chance(&g->r, 1, 2) ? 0 : 500 + rng__below(&g->r, 50000);
}

static void program_gp(struct guest *g)
{
	unsigned int i = (unsigned int)rng__below(&g->r, g->nr_gp);
	u64 period = random_period(g);
	u64 event = random_event(g);	/* one draw per statement: a fixed order */
	u64 sel = event | EVTSEL_ENABLE | random_rings(g, EVTSEL_OS, EVTSEL_USR) |
		  (period ? EVTSEL_INT : 0);

	wr(g, sel_msr(g, i), 0);
	g->period[i] = period;
	wr(g, ctr_msr(g, i), period ? near_wrap(g, i, period) :
	   rng__chance(&g->r, 1, 4) ? near_wrap(g, i, 1 + rng__below(&g->r, 3000)) :
	   rng__below(&g->r, 100000));
	wr(g, sel_msr(g, i), sel);
}

static void program_fixed(struct guest *g)
{
	unsigned int k = (unsigned int)rng__below(&g->r, g->nr_fixed);
	u64 period = random_period(g);
	u64 ctrl = rd(g, MSR_CORE_PERF_FIXED_CTR_CTRL);
	u64 field = random_rings(g, FIXED_CTRL_OS, FIXED_CTRL_USR) | (period ? FIXED_CTRL_PMI : 0);

	g->period[HW_FIXED_BASE + k] = period;
	wr(g, MSR_CORE_PERF_FIXED_CTR_CTRL, ctrl & ~(0xfULL << (4 * k)));
	wr(g, ctr_msr(g, HW_FIXED_BASE + k), period ? near_wrap(g, HW_FIXED_BASE + k, period) :
	   rng__below(&g->r, 100000));
	wr(g, MSR_CORE_PERF_FIXED_CTR_CTRL, (ctrl & ~(0xfULL << (4 * k))) | field << (4 * k));
}

static unsigned int random_counter(struct guest *g)
{
	if (g->nr_fixed && rng__chance(&g->r, 1, 3))
		return HW_FIXED_BASE + (unsigned int)rng__below(&g->r, g->nr_fixed);
	return (unsigned int)rng__below(&g->r, g->nr_gp);
}

static void random_read(struct guest *g)
{
	unsigned int idx = random_counter(g);

	switch (rng__below(&g->r, 7)) {
	case 0:
	case 1:
		rdpmc(g, idx);
		break;
	case 6:	/* a counter the guest does not have: #GP, not the host's value */
		if (g->nr_gp < HW_MAX_GP)
			rdpmc(g, g->nr_gp + (unsigned int)rng__below(&g->r, HW_MAX_GP - g->nr_gp));
		else if (!g->amd && g->nr_fixed < 3)
			rdpmc(g, HW_FIXED_BASE + g->nr_fixed);
		break;
	case 2:
		rd(g, ctr_msr(g, idx));
		break;
	case 3:
		if (g->global)
			rd(g, status_msr(g));
		break;
	case 4:
		if (g->global)
			rd(g, g->amd ? MSR_AMD64_PERF_CNTR_GLOBAL_CTL : MSR_CORE_PERF_GLOBAL_CTRL);
		break;
	default:
		if (idx >= HW_FIXED_BASE)
			rd(g, MSR_CORE_PERF_FIXED_CTR_CTRL);
		else
			rd(g, sel_msr(g, idx));
		break;
	}
}

/* A write the guest's PMU should refuse (#GP on bare metal; KVM must agree,
 * sim/shadow.c on_write): reserved bits of a select, of GLOBAL_CTRL, of the
 * fixed control or of an overflow clear, a counter the guest does not have,
 * a full-width counter value past its width. What a bare-metal PMU does
 * with it is the shadow's to say; most are refused there too. */
static void bad_write(struct guest *g)
{
	unsigned int i = (unsigned int)rng__below(&g->r, g->nr_gp);
	u64 bit = BIT_ULL(rng__below(&g->r, 64));

	switch (rng__below(&g->r, 6)) {
	case 0:	/* read back, as perf's check_hw_exists does */
		wr(g, sel_msr(g, i), (rd(g, sel_msr(g, i)) | BIT_ULL(32 + rng__below(&g->r, 32))) &
		   ~(u64)EVTSEL_ENABLE);
		rd(g, sel_msr(g, i));
		break;
	case 1:
		if (g->global && !(g->global_bits & bit))
			wr(g, g->amd ? MSR_AMD64_PERF_CNTR_GLOBAL_CTL : MSR_CORE_PERF_GLOBAL_CTRL,
			   g->global_bits | bit);
		break;
	case 2:
		if (!g->amd) {
			wr(g, MSR_CORE_PERF_FIXED_CTR_CTRL,
			   rd(g, MSR_CORE_PERF_FIXED_CTR_CTRL) | BIT_ULL(4 * g->nr_fixed +
			   rng__below(&g->r, 64 - 4 * g->nr_fixed)));
			rd(g, MSR_CORE_PERF_FIXED_CTR_CTRL);
		}
		break;
	case 3:
		if (g->global && !(g->global_bits & bit))
			wr(g, g->amd ? MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR :
			   MSR_CORE_PERF_GLOBAL_OVF_CTRL, bit);
		break;
	case 4:
		if (g->nr_gp < HW_MAX_GP)
			wr(g, ctr_msr(g, g->nr_gp + (unsigned int)rng__below(&g->r, HW_MAX_GP - g->nr_gp)),
			   rng__below(&g->r, 100000));
		break;
	default:	/* (stopped first: a write to a running emulated counter
			 * skews its period, kvm/pmu.h, a deviation of its own) */
		if (g->fw || g->amd) {
			wr(g, sel_msr(g, i), 0);
			g->period[i] = 0;
			wr(g, ctr_msr(g, i), (g->gp_mask + 1) << rng__below(&g->r, 8));
		}
		break;
	}
}

static void set_global(struct guest *g, u64 bits)
{
	if (g->global)
		wr(g, g->amd ? MSR_AMD64_PERF_CNTR_GLOBAL_CTL : MSR_CORE_PERF_GLOBAL_CTRL, bits);
}

static void one_op(struct guest *g)
{
	u32 cpuid[4];

	switch (rng__below(&g->r, 13)) {
	case 0:
	case 1:
		program_gp(g);
		break;
	case 2:
		if (g->nr_fixed)
			program_fixed(g);
		else
			program_gp(g);
		break;
	case 3:
		set_global(g, rng__chance(&g->r, 3, 4) ? g->global_bits :
			   rng__next(&g->r) & g->global_bits);
		break;
	case 4:
	case 5:
	case 6:
	{
		u64 cycles = 100 + rng__below(&g->r, 80000);

		work(g, cycles, rng__chance(&g->r, 1, 2) ? 3 : 0);
		break;
	}
	case 7:
	case 8:
		random_read(g);
		break;
	case 9:
		kvm_vcpu__guest_exit(g->v, exit_pool[rng__below(&g->r, NR_EXIT_POOL)]);
		break;
	case 10:
		kvm_vcpu__guest_cpuid(g->v, g->amd ? 0x80000022 : 0xa, 0, cpuid);
		break;
	case 11:
		bad_write(g);
		break;
	default:
		if (g->global) {
			u64 st = rd(g, status_msr(g));

			wr(g, g->amd ? MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR :
			   MSR_CORE_PERF_GLOBAL_OVF_CTRL, st & rng__next(&g->r));
		} else {
			wr(g, sel_msr(g, (unsigned int)rng__below(&g->r, g->nr_gp)), 0);
		}
		break;
	}
	take_pmis(g);
}

/* The end of the run: stop counting, let PMIs in flight land, read all. */
static void finish(struct guest *g)
{
	set_global(g, 0);
	for (unsigned int i = 0; i < g->nr_gp && !g->global; i++)
		wr(g, sel_msr(g, i), 0);
	work(g, 20000, 0);
	for (unsigned int idx = 0; idx < HW_MAX_IDX; idx++)
		if (g->m->sh.cpu.pmu.present & BIT_ULL(idx)) {
			rdpmc(g, idx);
			rd(g, ctr_msr(g, idx));
		}
	if (g->global)
		rd(g, status_msr(g));
}

static void guest_play(struct iso_machine *m, struct rng *r, struct iso_row *row)
{
	const struct hw_pmu *sp = &m->sh.cpu.pmu;	/* what CPUID tells the guest */
	struct guest g = { .m = m, .v = &m->v, .row = row };
	unsigned int nr_ops = 40 + (unsigned int)rng__below(r, 120);

	g.r = *r;
	g.cpi_milli = 400 + (u32)rng__below(r, 1200);
	g.amd = sp->cfg.vendor == HW_VENDOR_AMD;
	g.global = sp->has_global;
	g.fw = !g.amd && sp->cfg.fw_writes;
	g.nr_gp = sp->cfg.nr_gp;
	g.nr_fixed = g.amd ? 0 : sp->cfg.nr_fixed;
	g.gp_mask = m->sh.gp_read_mask;		/* CPUID's widths */
	g.fixed_mask = m->sh.fixed_read_mask;
	g.global_bits = sp->present;
	m->v.guest_if = true;
	kvm_vcpu__start(&m->v);
	wr(&g, MSR_X2APIC_LVTPC, APIC_LVT_DM_NMI);
	set_global(&g, g.global_bits);
	for (unsigned int i = 0; i < nr_ops && g.nr_gp; i++)
		one_op(&g);
	finish(&g);
	kvm_vcpu__stop(&m->v);
	sim_shadow__finish(&m->sh);
}

/* ---- the host ---------------------------------------------------------------- */

/* Host kernel work (perf's, KVM's) is IPC-1 code with no branches,
 * misses or cache events (hw/cpu.h hw_cpu__host_exec): the most of @ev it
 * can hold per cycle. */
static u64 kernel_per_cycle(const struct hw_cpu *cpu, enum hw_event ev)
{
	switch (ev) {
	case HW_EV_CYCLES:
	case HW_EV_INSTRUCTIONS:
		return 1;
	case HW_EV_REF_CYCLES:
		return (cpu->costs.ref_num + cpu->costs.ref_den - 1) / cpu->costs.ref_den;
	case HW_EV_SLOTS:
	case HW_EV_TD_RETIRING:
	case HW_EV_TD_BADSPEC:
	case HW_EV_TD_FRONTEND:
	case HW_EV_TD_BACKEND:
		return cpu->costs.slots_per_cycle;
	default:
		return 0;
	}
}

/*
 * A host event may never count more than its ground truth (that would be
 * guest events, or another owner's, leaked in). It may count less only by
 * what it could not see on bare metal either or by design: perf's own work
 * (with the PMU disabled in its handler), and with a mediated vPMU the
 * host cycles while a guest context was loaded (perf's blind cycles); both
 * are kernel work, so the floor is exact for the events kernel work has
 * none of (branches, misses). A multiplexed event saw part of the truth:
 * no floor.
 */
void sim__iso_check_host(struct iso_machine *m, struct iso_row *row, unsigned int seed)
{
	for (int i = 0; i < m->nr_hev; i++) {
		struct perf_event *ev = m->hev[i];
		struct perf_values pv;
		u64 slack, floor;

		if (ev->truth_ev == HW_EV_NONE)
			continue;
		perf_event__values(&m->pc, ev, &pv);
		row->host_checked++;
		slack = kernel_per_cycle(&m->cpu, ev->truth_ev) *
			(m->pc.overhead_cycles + m->cpu.marked_host_cycles);
		floor = pv.running < pv.enabled ? 0 : pv.truth > slack ? pv.truth - slack : 0;
		if (pv.count <= pv.truth && pv.count >= floor)
			continue;
		*(pv.count > pv.truth ? &row->host_over : &row->host_under) += 1;
		if (!row->first[0])
			snprintf(row->first, sizeof(row->first),
				 "seed %u: host event %s counted %llu, ground truth %llu (floor %llu)%s",
				 seed, ev->attr.name, (unsigned long long)pv.count,
				 (unsigned long long)pv.truth, (unsigned long long)floor,
				 pv.count > pv.truth ? ": guest events leaked in" : ": host events lost");
	}
}

/* ---- rows -------------------------------------------------------------------- */

void sim__iso_add_run(struct iso_machine *m, struct iso_row *row, unsigned int seed)
{
	const struct sim_shadow *s = &m->sh;

	row->runs++;
	row->reads += s->reads;
	for (int k = 0; k < SIM_DIFF_NR; k++)
		row->diff[k] += s->n[k];
	row->misattributed_pmis += m->v.st.misattributed_pmis;
	row->late_status += s->late_status;
	row->skewed_status += s->skewed_status;
	if (!row->first[0] && s->nr_text)
		snprintf(row->first, sizeof(row->first), "seed %u: %s", seed, s->text[0]);
}

/*
 * Guest to guest: the row's first seed's random guest as a host of two VMs
 * of two vCPUs on two pCPUs (each pCPU shared by a vCPU of each VM, which
 * take turns; VM a's vCPUs send IPIs and halt), each vCPU against its own
 * shadow bare-metal PMU: what one VM left in the PMU must not show in the
 * other's reads.
 */
static int host_run(const struct profile *prof, struct iso_row *row, unsigned int seed,
		    char *err, size_t len)
{
	static struct scenario sc;
	static struct sim_host_report rep;
	struct sim_metrics m;
	struct sim_config c = { .prof = prof, .sc = &sc, .kind = row->kind, .policy = row->policy,
				.route = row->route, .seed = seed, .no_baseline = true,
				.host_report = &rep, .shadow = true };

	sim__random_scenario(seed, prof->pmu.nr_gp, &sc);
	sc.pcpus = 2;
	sc.nr_vms = 2;
	sc.slice_us = 300;
	for (unsigned int k = 0; k < 2; k++) {
		snprintf(sc.vm[k].name, sizeof(sc.vm[k].name), "%c", 'a' + k);
		sc.vm[k].vcpus = 2;
		sc.vm[k].guest = sc.guest;
		sc.vm[k].guest.vm_vcpus = 2;
	}
	sc.vm[0].guest.ipi_per_sec = 5000;
	sc.vm[0].guest.hlt_idle_us = 20;
	sc.vm[0].guest.exits_per_sec[EXIT_HLT] += 1000;
	if (sim__run(&c, &m, err, len))
		return -1;
	for (unsigned int i = 0; i < rep.nr_vcpus; i++) {
		const struct sim_vcpu_report *v = &rep.vcpu[i];

		row->runs++;
		row->reads += v->isolation_reads;
		row->late_status += v->late_status;
		row->skewed_status += v->skewed_status;
		for (int k = 0; k < SIM_DIFF_NR; k++)
			row->diff[k] += v->isolation_by[k];
		row->misattributed_pmis += v->m.misattributed_pmis;
		if (!row->first[0] && v->isolation_first[0])
			snprintf(row->first, sizeof(row->first), "seed %u, host, vCPU %s/%u: %s",
				 seed, v->vm, v->index, v->isolation_first);
	}
	return 0;
}

int sim__isolation_row(const struct profile *prof, unsigned int nr_seeds, struct iso_row *row,
		       char *err, size_t len)
{
	static struct iso_machine m;	/* large: keep it off the stack */

	unsigned int first = row->first_seed ? row->first_seed : 1;

	for (unsigned int s = first; s - first < nr_seeds; s++) {
		struct rng r;
		int ret;

		rng__seed(&r, (u64)s * 0x9e3779b97f4a7c15ULL + 7);
		ret = sim__iso_build(&m, prof, row, &r, err, len);
		if (ret) {
			sim__iso_teardown(&m);
			if (ret > 0 && s == first) {	/* the host cannot run this kind */
				row->unsupported = true;
				return 0;
			}
			return -1;
		}
		guest_play(&m, &r, row);
		sim__iso_check_host(&m, row, s);
		sim__iso_add_run(&m, row, s);
		sim__iso_teardown(&m);
	}
	return nr_seeds && row->kind->has_pmu ? host_run(prof, row, first, err, len) : 0;
}

u64 sim__isolation_failures(const struct iso_row *row)
{
	u64 t = row->host_over + row->host_under + row->misattributed_pmis;

	for (int k = 0; k < SIM_DIFF_NR; k++)
		t += row->diff[k];
	return t;
}

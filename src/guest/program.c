/*
 * guest/program.c - runs a parsed guest program on a simulated core and
 * checks its expectations.
 *
 * Every operation but loop retires one instruction at the current CPL,
 * counted under the PMU state after the operation (docs/guest-programs.md
 * section 3); a faulting operation retires nothing and takes no time. The
 * PMI handler only counts PMIs.
 *
 * Inside a VM the program is a guest on a vCPU (kvm/vcpu.h): its PMU
 * accesses exit or not as the vPMU decides, its loops run in guest mode,
 * and the PMIs it counts are the virtual ones KVM injects.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/diag.h"
#include "guest/program.h"
#include "hw/cpu.h"

/* Estimates for the kvm-unit-tests loop, inside its bounds
 * (research/pmu-arch.md section 5): one LLC reference per new cache line
 * plus the CLFLUSHed line, one miss in 16 lines (prefetchers), the two
 * mispredicts forced around the IBPB. */
#define KUT_LLC_REFS		1000001ULL
#define KUT_LLC_MISSES		62501ULL
#define KUT_BRANCH_MISSES	2ULL

struct exec {
	const struct prog *prog;
	struct hw_cpu cpu;
	struct kvm_vcpu *v;		/* inside a VM; NULL on bare metal */
	u8 env;				/* ENV_* of this run */
	/* host perf, once a session is declared */
	const struct perf_costs *perf_costs;
	struct perf_cpu *pc;
	struct perf_event *hev[PROG_MAX_HOST_EVENTS];
	const struct prog_op *hev_op[PROG_MAX_HOST_EVENTS];
	int nr_hev;
	u64 regs[PROG_NR_REGS];
	bool last_faulted;
	u64 pmis;
	prog_report_fn report;
	void *ctx;
	struct prog_result *res;
	int failed;			/* a session perf refused here: the run stops */
	char why[160];
};

void prog__free(struct prog *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nr_ops; i++) {
		free(p->ops[i].text);
		free(p->ops[i].perf);
	}
	free(p->ops);
	free(p->path);
	free(p);
}

/* The core's interrupts: with host perf present, the tick and the NMIs
 * perf claims are the host's; every other PMI is the program's. */
static int on_irq(void *ctx, const struct hw_irq *irq)
{
	struct exec *x = ctx;

	if (irq->kind == HW_IRQ_TIMER) {
		if (x->pc)
			perf_cpu__host_irq(x->pc, irq);
		return 0;
	}
	if (irq->kind == HW_IRQ_NMI && x->pc && perf_cpu__handle_nmi(x->pc, irq))
		return 0;
	x->pmis++;
	return 0;
}

static bool start_host_perf(struct exec *x)
{
	x->pc = calloc(1, sizeof(*x->pc));
	if (!x->pc)
		return false;
	perf_cpu__init(x->pc, &x->cpu, x->perf_costs);
	perf_cpu__start_tick(x->pc);
	return true;
}

/* Host perf shares the core with the program, as on a real host. */
static void start_session(struct exec *x, const struct prog_op *op)
{
	const struct prog_perf_session *ps = op->perf;

	if (!x->pc && !start_host_perf(x))
		return;
	for (int i = 0; i < ps->nr; i++) {
		struct perf_event *leader = ps->leader[i] >= 0 ? x->hev[ps->first + ps->leader[i]]
							      : NULL;

		/* the parser created the same session on a bare PMU; here a
		 * mediated VM may refuse it (-EOPNOTSUPP for !exclude_guest),
		 * as perf_event_open() would: the run stops, never a silent 0 */
		int e = perf_event__create(x->pc, &ps->attr[i], leader, &x->hev[ps->first + i]);

		x->hev_op[ps->first + i] = op;
		if (e) {
			snprintf(x->why, sizeof(x->why), "line %u: host perf: %s refused by "
				 "perf_event_open() here (error %d%s)", op->line, ps->attr[i].name,
				 -e, e == -PERF_EOPNOTSUPP ? ": a mediated VM exists, so it must "
				 "exclude the guest (:H)" : "");
			x->failed = VPMU_E_INVAL;
			return;
		}
	}
	x->nr_hev = ps->first + ps->nr;
}

static u64 perf_field(const struct exec *x, int idx, enum prog_perf_field f)
{
	const struct perf_event *ev = x->hev[idx];
	struct perf_values v;

	if (!ev)
		return 0;
	perf_event__values(x->pc, ev, &v);
	switch (f) {
	case PF_COUNT:
		return v.count;
	case PF_SCALED:
		return perf_scale(v.count, v.enabled, v.running);
	case PF_TRUTH:
		return v.truth;
	case PF_ENABLED:
		return v.enabled;
	case PF_RUNNING:
		return v.running;
	case PF_SAMPLES:
		return ev->nr_samples;
	}
	return 0;
}

static u64 eval(const struct exec *x, const struct prog_expr *e)
{
	u64 v = 0;

	for (unsigned int i = 0; i < e->n; i++)
		v |= e->a[i].is_reg ? x->regs[e->a[i].reg] : e->a[i].v;
	return v;
}

/* Virtual PMIs KVM injected, taken as soon as the guest can. */
static void take_guest_pmis(struct exec *x)
{
	while (x->v && kvm_vcpu__take_guest_pmi(x->v))
		x->pmis++;
}

static void run_segment(struct exec *x, struct hw_segment *seg)
{
	seg->cpl = x->cpu.cpl;
	seg->guest = x->cpu.guest;
	hw_cpu__fill_derived(&x->cpu, seg);
	if (!x->v) {
		hw_cpu__run(&x->cpu, seg, NULL);
		return;
	}
	while (kvm_vcpu__guest_run(x->v, seg))
		take_guest_pmis(x);
}

/* The one instruction an operation retires, taking @cycles. */
static void retire_one(struct exec *x, u64 cycles)
{
	struct hw_segment seg = { .cycles = cycles ? cycles : 1 };

	seg.ev[HW_EV_INSTRUCTIONS] = 1;
	run_segment(x, &seg);
}

static void run_loop(struct exec *x, const struct prog_loop *l)
{
	const struct hw_costs *c = &x->cpu.costs;
	struct hw_segment seg = { 0 };

	if (l->kut) {
		seg.ev[HW_EV_INSTRUCTIONS] = KUT_INSNS;
		seg.ev[HW_EV_BRANCHES] = KUT_BRANCHES;
		seg.ev[HW_EV_BRANCH_MISSES] = KUT_BRANCH_MISSES;
		seg.ev[HW_EV_LLC_REFS] = KUT_LLC_REFS;
		seg.ev[HW_EV_LLC_MISSES] = KUT_LLC_MISSES;
	} else {
		seg.ev[HW_EV_INSTRUCTIONS] = l->n * l->insns;
		seg.ev[HW_EV_BRANCHES] = l->n * l->branches;
		seg.ev[HW_EV_BRANCH_MISSES] = l->n * l->branch_misses;
		seg.ev[HW_EV_LLC_REFS] = l->n * l->llc_refs;
		seg.ev[HW_EV_LLC_MISSES] = l->n * l->llc_misses;
	}
	if (l->cycles)
		seg.cycles = l->n * l->cycles;
	else
		seg.cycles = mul_div_ceil(seg.ev[HW_EV_INSTRUCTIONS], c->cpi_num, c->cpi_den);
	if (!seg.cycles)
		seg.cycles = 1;
	run_segment(x, &seg);
}

static bool cmp_holds(const struct exec *x, const struct prog_expect *e, u64 v)
{
	if (e->has_mask)
		v &= eval(x, &e->mask);
	switch (e->cmp) {
	case CMP_EQ:
		return v == eval(x, &e->a);
	case CMP_NE:
		return v != eval(x, &e->a);
	case CMP_IN:
		return v >= eval(x, &e->a) && v <= eval(x, &e->b);
	}
	return false;
}

static void check(struct exec *x, const struct prog_op *op)
{
	const struct prog_expect *e = &op->expect;
	struct prog_check c = { .prog = x->prog, .op = op };
	u64 v;

	if (!(e->env & x->env))
		return;		/* not this machine's expectation */
	switch (e->kind) {
	case EXPECT_GP:
	case EXPECT_OK:
		c.passed = x->last_faulted == (e->kind == EXPECT_GP);
		if (!c.passed)
			snprintf(c.detail, sizeof(c.detail), "the operation %s",
				 x->last_faulted ? "raised #GP" : "did not fault");
		break;
	case EXPECT_CMP:
		v = e->subject_perf >= 0 ? perf_field(x, e->subject_perf, e->perf_field) :
		    e->subject_pmis ? x->pmis : x->regs[e->subject_reg];
		c.passed = cmp_holds(x, e, v);
		if (!c.passed && e->subject_perf >= 0)
			snprintf(c.detail, sizeof(c.detail), "perf %d = %" PRIu64,
				 e->subject_perf, v);
		else if (!c.passed && e->subject_pmis)
			snprintf(c.detail, sizeof(c.detail), "pmis = %" PRIu64, v);
		else if (!c.passed)
			snprintf(c.detail, sizeof(c.detail), "r%u = %" PRIu64 " (0x%" PRIx64 ")",
				 e->subject_reg, v, v);
		break;
	}
	if (c.passed)
		x->res->passed++;
	else
		x->res->failed++;
	if (x->report)
		x->report(x->ctx, &c);
}

/* The same operations as a KVM guest: the vCPU charges their time. */
static bool exec_faultable_vm(struct exec *x, const struct prog_op *op)
{
	u32 r[4];
	u64 v = 0;
	bool gp;

	switch (op->kind) {
	case OP_WRMSR:
		return kvm_vcpu__guest_wrmsr(x->v, op->msr, eval(x, &op->val));
	case OP_RDMSR:
		if (!(gp = kvm_vcpu__guest_rdmsr(x->v, op->msr, &v)))
			x->regs[op->reg[0]] = v;
		return gp;
	case OP_RDPMC:
		if (!(gp = kvm_vcpu__guest_rdpmc(x->v, (u32)eval(x, &op->val), &v)))
			x->regs[op->reg[0]] = v;
		return gp;
	default:	/* OP_CPUID exits and never faults */
		kvm_vcpu__guest_cpuid(x->v, op->leaf, op->subleaf, r);
		for (unsigned int i = 0; i < 4; i++)
			x->regs[op->reg[i]] = r[i];
		return false;
	}
}

/* Operations that may fault: the result says whether they did. */
static bool exec_faultable(struct exec *x, const struct prog_op *op)
{
	const struct hw_costs *c = &x->cpu.costs;
	u32 r[4];
	u64 v = 0;

	if (x->v)
		return exec_faultable_vm(x, op);
	switch (op->kind) {
	case OP_WRMSR:
		if (hw_cpu__wrmsr(&x->cpu, op->msr, eval(x, &op->val)) != HW_MSR_OK)
			return true;
		retire_one(x, c->wrmsr);
		return false;
	case OP_RDMSR:
		if (hw_cpu__rdmsr(&x->cpu, op->msr, &v) != HW_MSR_OK)
			return true;
		x->regs[op->reg[0]] = v;
		retire_one(x, c->rdmsr);
		return false;
	case OP_RDPMC:
		if (hw_cpu__rdpmc(&x->cpu, (u32)eval(x, &op->val), &v) != HW_MSR_OK)
			return true;
		x->regs[op->reg[0]] = v;
		retire_one(x, c->rdpmc);
		return false;
	default:	/* OP_CPUID never faults */
		hw_cpu__cpuid(&x->cpu, op->leaf, op->subleaf, r);
		for (unsigned int i = 0; i < 4; i++)
			x->regs[op->reg[i]] = r[i];
		retire_one(x, c->cpuid);
		return false;
	}
}

static void exec_op(struct exec *x, const struct prog_op *op)
{
	switch (op->kind) {
	case OP_CPL:
		x->cpu.cpl = op->level;
		break;
	case OP_PCE:
		/* MOV to CR4 is privileged: #GP at CPL 3. */
		x->last_faulted = x->cpu.cpl != 0;
		if (!x->last_faulted)
			x->cpu.cr4_pce = op->level;
		break;
	case OP_STI:
	case OP_CLI:
		/* STI/CLI #GP at CPL 3 with IOPL 0 (the model's IOPL). STI's own
		 * instruction retires before the interrupt window opens. */
		x->last_faulted = x->cpu.cpl != 0;
		if (x->last_faulted)
			break;
		if (x->v) {	/* the guest's IF: KVM injects when it allows */
			x->v->guest_if = op->kind == OP_STI;
			retire_one(x, x->cpu.costs.simple_op);
			break;
		}
		if (op->kind == OP_CLI)
			hw_cpu__set_if(&x->cpu, false);
		retire_one(x, x->cpu.costs.simple_op);
		if (op->kind == OP_STI)
			hw_cpu__set_if(&x->cpu, true);
		break;
	case OP_LOOP:
		run_loop(x, &op->loop);
		break;
	case OP_EXPECT:
		check(x, op);
		break;
	case OP_HOST_PERF:
		start_session(x, op);
		break;
	default:
		x->last_faulted = exec_faultable(x, op);
		break;
	}
	take_guest_pmis(x);
}

static void host_results(const struct exec *x, struct prog_result *res)
{
	res->nr_host = x->nr_hev;
	for (int i = 0; i < x->nr_hev; i++) {
		const struct perf_event *ev = x->hev[i];
		struct prog_host_event *h = &res->host[i];

		if (!ev)
			continue;
		snprintf(h->name, sizeof(h->name), "%s", ev->attr.name);
		h->line = x->hev_op[i]->line;
		h->record = x->hev_op[i]->perf->record;
		h->state = ev->state;
		h->has_truth = ev->truth_ev != HW_EV_NONE;
		perf_event__values(x->pc, ev, &h->v);
		h->scaled = perf_scale(h->v.count, h->v.enabled, h->v.running);
		h->samples = ev->nr_samples;
		for (u64 k = 0; k < ev->nr_samples && k < PERF_MAX_SAMPLES && ev->samples; k++) {
			h->samples_by_mode[ev->samples[k].guest][ev->samples[k].cpl != 0]++;
			h->samples_kept++;
		}
	}
	if (x->pc) {
		res->host_nmis = x->pc->nr_nmis;
		res->host_rotations = x->pc->nr_rotations;
		res->host_overhead_cycles = x->pc->overhead_cycles;
	}
}

static int start_vm(struct exec *x, const struct prog_vm *vm, const struct prog_costs *costs,
		    char *err, unsigned long len)
{
	const char *why = NULL;

	if (hw_cpu__init(&x->cpu, vm->host_pmu, costs->hw, err, len))
		return VPMU_E_INVAL;
	x->v = calloc(1, sizeof(*x->v));
	if (!x->v || !start_host_perf(x)) {
		snprintf(err, len, "out of memory");
		return VPMU_E_NOMEM;
	}
	if (kvm_vcpu__init(x->v, vm->kind, vm->policy, vm->route, &x->prog->pmu, costs->kvm,
			   &x->cpu, x->pc, &why)) {
		snprintf(err, len, "%s", why);
		return VPMU_E_INVAL;
	}
	x->env = vm->kind->is_mediated ? ENV_MEDIATED : vm->kind->has_pmu ? ENV_EMULATED :
		 ENV_NONE;
	kvm_vcpu__start(x->v);
	return 0;
}

int prog__run(const struct prog *p, const struct prog_costs *costs, const struct prog_vm *vm,
	      prog_report_fn report, void *ctx, struct prog_result *res,
	      char *err, unsigned long len)
{
	struct exec *x = calloc(1, sizeof(*x));
	int ret;

	if (!x) {
		snprintf(err, len, "out of memory");
		return VPMU_E_NOMEM;
	}
	*res = (struct prog_result){ 0 };
	x->prog = p;
	x->report = report;
	x->ctx = ctx;
	x->res = res;
	x->perf_costs = costs->perf;
	x->env = ENV_HW;
	res->skipped = !(p->env & (!vm ? ENV_HW : vm->kind->is_mediated ? ENV_MEDIATED :
				 vm->kind->has_pmu ? ENV_EMULATED : ENV_NONE));
	if (res->skipped) {
		free(x);
		return 0;
	}
	if (vm) {
		ret = start_vm(x, vm, costs, err, len);
	} else {
		ret = hw_cpu__init(&x->cpu, &p->pmu, costs->hw, err, len);
		x->cpu.on_irq = on_irq;
		x->cpu.irq_ctx = x;
	}
	if (!ret) {
		for (size_t i = 0; i < p->nr_ops && !ret && !x->failed; i++) {
			exec_op(x, &p->ops[i]);
			if (hw_cpu__failure_text(&x->cpu)) {	/* a run limit (hw/cpu.h) */
				snprintf(err, len, "line %u: %s", p->ops[i].line,
					 hw_cpu__failure_text(&x->cpu));
				ret = VPMU_E_INVAL;
			}
		}
		if (!ret && (ret = x->failed))
			snprintf(err, len, "%s", x->why);
		if (x->v)
			kvm_vcpu__stop(x->v);
		res->pmis = x->pmis;
		res->cycles = x->cpu.now;
		host_results(x, res);
	}
	if (x->v) {
		kvm_vcpu__destroy(x->v);
		free(x->v);
	}
	if (x->pc) {
		perf_cpu__exit(x->pc);
		free(x->pc);
	}
	free(x);
	return ret;
}

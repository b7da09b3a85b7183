/*
 * guest/program.c - runs a parsed guest program on a simulated core and
 * checks its expectations.
 *
 * Every operation but loop retires one instruction at the current CPL,
 * counted under the PMU state after the operation (docs/guest-programs.md
 * section 3); a faulting operation retires nothing and takes no time. The
 * PMI handler only counts PMIs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

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
	u64 regs[PROG_NR_REGS];
	bool last_faulted;
	u64 pmis;
	prog_report_fn report;
	void *ctx;
	struct prog_result *res;
};

void prog__free(struct prog *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nr_ops; i++)
		free(p->ops[i].text);
	free(p->ops);
	free(p->path);
	free(p);
}

static int on_pmi(void *ctx, const struct hw_irq *irq)
{
	struct exec *x = ctx;

	(void)irq;
	x->pmis++;
	return 0;
}

static u64 eval(const struct exec *x, const struct prog_expr *e)
{
	u64 v = 0;

	for (unsigned int i = 0; i < e->n; i++)
		v |= e->a[i].is_reg ? x->regs[e->a[i].reg] : e->a[i].v;
	return v;
}

static void run_segment(struct exec *x, struct hw_segment *seg)
{
	seg->cpl = x->cpu.cpl;
	seg->guest = x->cpu.guest;
	hw_cpu__fill_derived(&x->cpu, seg);
	hw_cpu__run(&x->cpu, seg, NULL);
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

	switch (e->kind) {
	case EXPECT_GP:
	case EXPECT_OK:
		c.passed = x->last_faulted == (e->kind == EXPECT_GP);
		if (!c.passed)
			snprintf(c.detail, sizeof(c.detail), "the operation %s",
				 x->last_faulted ? "raised #GP" : "did not fault");
		break;
	case EXPECT_CMP:
		v = e->subject_pmis ? x->pmis : x->regs[e->subject_reg];
		c.passed = cmp_holds(x, e, v);
		if (!c.passed && e->subject_pmis)
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

/* Operations that may fault: the result says whether they did. */
static bool exec_faultable(struct exec *x, const struct prog_op *op)
{
	const struct hw_costs *c = &x->cpu.costs;
	u32 r[4];
	u64 v = 0;

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
	default:
		x->last_faulted = exec_faultable(x, op);
		break;
	}
}

int prog__run_bare(const struct prog *p, const struct hw_costs *costs,
		   prog_report_fn report, void *ctx, struct prog_result *res,
		   char *err, unsigned long len)
{
	struct exec *x = calloc(1, sizeof(*x));
	int ret;

	if (!x) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	*res = (struct prog_result){ 0 };
	x->prog = p;
	x->report = report;
	x->ctx = ctx;
	x->res = res;
	ret = hw_cpu__init(&x->cpu, &p->pmu, costs, err, len);
	if (!ret) {
		x->cpu.on_irq = on_pmi;
		x->cpu.irq_ctx = x;
		for (size_t i = 0; i < p->nr_ops; i++)
			exec_op(x, &p->ops[i]);
		res->pmis = x->pmis;
		res->cycles = x->cpu.now;
	}
	free(x);
	return ret;
}

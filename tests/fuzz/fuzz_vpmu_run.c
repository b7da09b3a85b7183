/*
 * tests/fuzz/fuzz_vpmu_run.c - libFuzzer target: a .vpmu program parsed,
 * then run on the simulated bare-metal core and as a KVM guest. The vPMU
 * kind, placement policy and PMI route are drawn from a hash of the input,
 * so each input always runs the same way and the corpus covers them all.
 *
 * A parsed program must run (prog__run fails only when the host cannot
 * run the guest's PMU or refuses its host perf session, and then says
 * why), report every expectation, and give the same result twice. Programs whose loops
 * ask for more than FUZZ_MAX_CYCLES simulated cycles are skipped: they are
 * valid, only slow to simulate (every host tick is simulated, 250 a
 * simulated second), and a fuzzer needs thousands of runs a second.
 */
#include "fuzz.h"
#include "input/profile.h"
#include "input/vpmu_parse.h"
#include "kvm/pmu.h"

#define FUZZ_MAX_CYCLES (1ULL << 32)

static void on_check(void *ctx, const struct prog_check *c)
{
	unsigned int *n = ctx;

	(*n)++;
	if (!c->op || (!c->passed && !c->detail[0]))
		abort();	/* a failure must say what was seen */
}

/* An upper bound of the cycles the program's loops ask for (saturating). */
static bool is_small(const struct prog *p)
{
	u64 total = 0;

	for (size_t i = 0; i < p->nr_ops; i++) {
		const struct prog_loop *l = &p->ops[i].loop;
		u64 per, c;

		if (p->ops[i].kind != OP_LOOP || l->kut)
			continue;
		per = l->cycles > l->insns ? l->cycles : l->insns;
		if (per && l->n > FUZZ_MAX_CYCLES / per)
			return false;
		c = l->n * per;
		if ((total += c) > FUZZ_MAX_CYCLES)
			return false;
	}
	return true;
}

/* Run @p once; returns its result in @res (0, or prog__run's error). */
static int run_once(const struct prog *p, const char *cpu, const struct prog_vm *vm,
		    struct prog_result *res)
{
	static struct profile prof;
	struct prog_costs costs = { &prof.hw, &prof.perf, &prof.kvm };
	struct prog_vm v;
	struct diag d;
	char err[200] = "";
	unsigned int reported = 0;
	int ret;

	if (profile__load(cpu, &prof, &d))
		abort();
	if (vm) {
		v = *vm;
		v.host_pmu = &prof.pmu;
	}
	ret = prog__run(p, &costs, vm ? &v : NULL, on_check, &reported, res, err, sizeof(err));
	if (ret && !err[0])
		abort();
	if (!ret && !res->skipped && reported < res->passed + res->failed)
		abort();
	return ret;
}

/* Twice, and the two runs must agree: the model is deterministic. */
static void run(const struct prog *p, const char *cpu, const struct prog_vm *vm)
{
	static struct prog_result a, b;
	int ra = run_once(p, cpu, vm, &a), rb = run_once(p, cpu, vm, &b);

	if (ra != rb || (!ra && (a.passed != b.passed || a.failed != b.failed ||
				 a.pmis != b.pmis || a.cycles != b.cycles ||
				 a.nr_host != b.nr_host || a.host_nmis != b.host_nmis)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d = { 0 };
	struct prog *p = NULL;
	u64 h = 1469598103934665603ULL;
	int nk = 0, np = 0;

	if (vpmu_parse__buffer("fuzz.vpmu", (const char *)data, size, &p, &d)) {
		fuzz__check_diag(-1, &d);
		return 0;
	}
	if (is_small(p)) {
		for (size_t i = 0; i < size; i++)
			h = (h ^ data[i]) * 1099511628211ULL;	/* FNV-1a */
		while (kvm_vpmu_kinds[nk])
			nk++;
		while (kvm_policies[np])
			np++;
		struct prog_vm vm = {
			.kind = kvm_vpmu_kinds[h % (u64)nk],
			.policy = kvm_policies[(h >> 8) % (u64)np],
			.route = (h >> 16) & 1 ? PMI_ROUTE_NMI : PMI_ROUTE_VECTOR,
		};
		run(p, "default", NULL);
		run(p, p->pmu.vendor == HW_VENDOR_AMD ? "zen4" : "spr", &vm);
	}
	prog__free(p);
	return 0;
}

/*
 * tests/unit/test_replay.c - replay is faithful to its input: under every
 * vPMU kind, mediated policy and PMI route, each vCPU's machine takes
 * exactly the input's exits per reason (the reference: the input's own
 * counts, which test_trace checks against trace-cmd's) and counts them all;
 * with no guest or host PMU use the only exits it adds are its own host's
 * tick interrupts (EXTERNAL_INTERRUPT) and the guest perf driver's CPUID
 * probes at start (a few; 8 at most); a table replays with its mix; the
 * same input and seed give the same metrics; exits kept in memory, spilled
 * to a temporary file past the cap, or read again from the input are the
 * same stream and give the same metrics; an exit-policy row taken from its
 * irqoff twin is the exit run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/checks.h"
#include "input/scenario.h"
#include "sim/replay.h"
#include "run_helpers.h"

#define T(name) "tests/traces/" name

/* @name into @p, once */
static const struct profile *loaded(struct profile *p, const char *name)
{
	struct diag d;

	if (!p->name[0] && profile__load(name, p, &d))
		fail_msg("%s: %s", name, d.msg);
	return p;
}

static const struct profile *zen4(void)
{
	static struct profile p;

	return loaded(&p, "zen4");
}

/* slice-of-hardware with its PMU use switched off (@quiet) or kept */
static void scenario(struct scenario *sc, bool quiet)
{
	struct diag d;

	if (scenario__load("slice-of-hardware", sc, &d))
		fail_msg("scenario: %s", d.msg);
	if (quiet) {
		sc->guest.perf = GUEST_PERF_NONE;
		sc->has_host_perf = false;
	}
}

static void want_of(const struct trace_mix *m, u32 vi, u64 *want)
{
	memset(want, 0, EXIT_NR * sizeof(*want));
	for (u32 k = 0; k < m->nr_names; k++)
		want[m->names[k].model] += m->vcpus[vi].count[k];
}

static void replay_all(const char *path, bool quiet, bool keep)
{
	static struct trace_mix m;
	static struct scenario sc;
	struct replay_input in = { .m = &m, .paths = &path, .nr_paths = 1, .guest_ns = 20000,
				   .trace_costs = true };
	struct diag d;
	char err[256];

	assert_int_equal(trace_mix__read(&m, &path, 1, NULL, false, keep, &d), 0);
	scenario(&sc, quiet);
	for (u32 vi = 0; vi < m.nr_vcpus; vi++) {
		u64 want[EXIT_NR];

		want_of(&m, vi, want);
		for (int k = 0; k < 3; k++) {
			const struct kvm_vpmu_ops *kind = k == 0 ? &kvm_vpmu_none_ops :
				k == 1 ? &kvm_vpmu_emulated_ops : &kvm_vpmu_mediated_ops;

			for (int p = 0; kvm_policies[p] && (p == 0 || kind->is_mediated); p++) {
				for (int r = 0; r < (kind->is_mediated ? 2 : 1); r++) {
					struct sim_config c = { .prof = zen4(), .sc = &sc,
						.kind = kind, .policy = kvm_policies[p],
						.route = (enum kvm_pmi_route)r, .seed = 3,
						.no_baseline = true };
					struct sim_metrics mt;
					struct replay_fed fed;

					checks__set(true);	/* perf's and KVM's invariants */
					if (sim_replay__vcpu(&in, vi, &c, &mt, &fed, err, sizeof(err)))
						fail_msg("%s %s: %s", kind->name, kvm_policies[p]->name, err);
					if (checks__failure())
						fail_msg("%s %s %s: %s", path, kind->name,
							 kvm_policies[p]->name, checks__failure());
					checks__set(false);
					for (int e = 0; e < EXIT_NR; e++) {
						if (fed.exits[e] != want[e])
							fail_msg("%s: fed %d", kind->name, e);
						if (mt.exits[e] < want[e] || (quiet && mt.exits[e] != want[e] &&
						    (e != EXIT_CPUID || mt.exits[e] > want[e] + 8)))
							fail_msg("%s %s %s reason %d: %llu exits, input %llu",
								 path, kind->name, kvm_policies[p]->name, e,
								 (unsigned long long)mt.exits[e],
								 (unsigned long long)want[e]);
					}
				}
			}
		}
	}
	trace_mix__free(&m);
}

static void test_faithful_dat(void **state)
{
	(void)state;
	replay_all(T("kvm-svm-v7.dat"), true, true);	/* two vCPU threads, kept */
	replay_all(T("kvm-svm-v7.dat"), true, false);	/* the same, read again each run */
	replay_all(T("kvm-svm-v6.dat"), false, true);	/* guest perf record on */
}

static void test_faithful_text_and_table(void **state)
{
	(void)state;
	replay_all(T("kvm-svm.ftrace.txt"), true, true);
	replay_all(T("kvm-svm.kvm-stat.txt"), true, true);
	replay_all(T("bpftrace-kvmexits-amd.txt"), true, true);
}

static const struct profile *spr(void)
{
	static struct profile p;

	return loaded(&p, "spr");
}

/* One replay of @path's vCPU 0 under @kind / @policy on spr, trace costs on. */
static void replay_one(const char *path, const struct kvm_vpmu_ops *kind, const char *policy,
		       struct sim_metrics *mt)
{
	static struct trace_mix m;
	static struct scenario sc;
	struct replay_input in = { .m = &m, .paths = &path, .nr_paths = 1, .guest_ns = 20000,
				   .trace_costs = true };
	struct sim_config c = { .prof = spr(), .sc = &sc, .kind = kind,
				.policy = kvm_policy__by_name(policy), .seed = 1 };
	struct replay_fed fed;
	struct diag d;
	char err[256];

	assert_int_equal(trace_mix__read(&m, &path, 1, NULL, false, true, &d), 0);
	scenario(&sc, true);
	if (sim_replay__vcpu(&in, 0, &c, mt, &fed, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	trace_mix__free(&m);
}

/*
 * A trace's exit-to-entry time spans the whole exit (trace_kvm_exit and
 * trace_kvm_entry sit around vmx_vcpu_enter_exit's caller's loop), so under
 * no vPMU an exit replays in the trace's time: the model's own VM-exit,
 * VM-entry, outer loop and VMM come out of the handler. A HLT's time is the
 * vCPU asleep: it blocks (a put under the vcpu policy, IRQs on), it does
 * not spin in the irqs-off loop.
 */
static void test_trace_costs_are_the_trace_times(void **state)
{
	struct sim_metrics mt;

	(void)state;
	replay_one(T("synthetic-cpuid-io.ftrace.txt"), &kvm_vpmu_none_ops, "irqoff", &mt);
	assert_int_equal(mt.exit_latency_by[EXIT_CPUID].p50, 4000);	/* 2 us at 2 GHz */
	/* 20 us: the VMM's share is drawn around the profile's mean (its spread),
	 * so the median of 100 is near, not at, the trace's 40,000 (the model
	 * on top of the trace's time made it 49,400) */
	assert_true(mt.exit_latency_by[EXIT_IO].p50 >= 40000 * 98 / 100 &&
		    mt.exit_latency_by[EXIT_IO].p50 <= 40000 * 102 / 100);
	replay_one(T("synthetic-hlt.ftrace.txt"), &kvm_vpmu_none_ops, "irqoff", &mt);
	assert_int_equal(mt.halts, mt.exits[EXIT_HLT]);
	assert_true(mt.exits[EXIT_HLT] >= 90);
	assert_true(mt.host_irqoff.max < 10000);
	replay_one(T("synthetic-hlt.ftrace.txt"), &kvm_vpmu_mediated_ops, "vcpu", &mt);
	print_message("mediated:vcpu over HLTs of 500 us: blind %.2f %%\n", mt.host_blind_pct);
	assert_true(mt.host_blind_pct < 10);
}

static void test_trace_costs_and_determinism(void **state)
{
	static struct trace_mix m;
	static struct scenario sc;
	const char *path = T("kvm-svm-v6.dat");
	struct replay_input in = { .m = &m, .paths = &path, .nr_paths = 1, .guest_ns = 20000,
				   .trace_costs = true };
	struct sim_config c = { .prof = zen4(), .sc = &sc, .kind = &kvm_vpmu_mediated_ops,
				.policy = kvm_policies[0], .seed = 5 };
	struct sim_metrics a, b, p;
	struct replay_fed fa, fb, fp;
	struct diag d;
	char err[256];

	(void)state;
	assert_int_equal(trace_mix__read(&m, &path, 1, NULL, false, true, &d), 0);
	scenario(&sc, false);
	assert_int_equal(sim_replay__vcpu(&in, 0, &c, &a, &fa, err, sizeof(err)), 0);
	assert_int_equal(sim_replay__vcpu(&in, 0, &c, &b, &fb, err, sizeof(err)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* every exit but the last (no kvm_entry after it) has the trace's cost */
	assert_true(fa.trace_cost == fa.total - 1);
	assert_true(a.wall_cycles_none > 0 && a.guest_overhead_pct > 0);
	in.trace_costs = false;		/* the profile's handler costs instead */
	assert_int_equal(sim_replay__vcpu(&in, 0, &c, &p, &fp, err, sizeof(err)), 0);
	assert_true(fp.trace_cost == 0 && fp.total == fa.total);
	assert_true(p.wall_cycles != a.wall_cycles);
	trace_mix__free(&m);
}

/* The spill holds each vCPU's exits in their order: the in-memory buffer's. */
static void spill_equals_buffer(const char *path)
{
	static struct trace_mix a, b;
	static struct trace_spill sp;
	struct trace_exit e;
	struct diag d;

	assert_int_equal(trace_mix__read(&a, &path, 1, NULL, false, true, &d), 0);
	assert_int_equal(trace_mix__read_kept(&b, &path, 1, NULL, false, 10, &d), 0);
	assert_true(a.kept_all && !a.spill && b.kept_all && b.spill);
	assert_int_equal(a.nr_vcpus, b.nr_vcpus);
	assert_true(a.kept == a.exits && b.kept == b.exits && a.exits > 10);
	for (u32 vi = 0; vi < b.nr_vcpus; vi++) {
		size_t n = 0;

		assert_null(b.vcpus[vi].buf);
		trace_spill__open(&sp, &b, vi);
		while (trace_spill__next(&sp, &e) == 1) {
			assert_true(n < a.vcpus[vi].nbuf);
			assert_memory_equal(&e, &a.vcpus[vi].buf[n], sizeof(e));
			n++;
		}
		assert_int_equal(n, a.vcpus[vi].nbuf);
	}
	trace_mix__free(&a);
	trace_mix__free(&b);
}

/* One configuration per vCPU, fed from the buffer, the spill and a re-read. */
static void same_metrics(const char *path)
{
	static struct trace_mix m[3];
	static struct scenario sc;
	static struct sim_metrics mt[3];
	struct replay_fed fed[3];
	struct diag d;
	char err[256];

	scenario(&sc, false);
	assert_int_equal(trace_mix__read(&m[0], &path, 1, NULL, false, true, &d), 0);
	assert_int_equal(trace_mix__read_kept(&m[1], &path, 1, NULL, false, 7, &d), 0);
	assert_int_equal(trace_mix__read(&m[2], &path, 1, NULL, false, false, &d), 0);
	for (u32 vi = 0; vi < m[0].nr_vcpus; vi++)
		for (int k = 0; k < 2; k++) {
			struct sim_config c = { .prof = zen4(), .sc = &sc, .seed = 9,
				.kind = k ? &kvm_vpmu_mediated_ops : &kvm_vpmu_emulated_ops,
				.policy = kvm_policies[k ? 3 : 0] };

			for (int i = 0; i < 3; i++) {
				struct replay_input in = { .m = &m[i], .paths = &path, .nr_paths = 1,
							   .guest_ns = 20000, .trace_costs = true };

				if (sim_replay__vcpu(&in, vi, &c, &mt[i], &fed[i], err, sizeof(err)))
					fail_msg("%s vCPU %u source %d: %s", path, vi, i, err);
			}
			assert_true(fed[0].total > 0);
			assert_memory_equal(&fed[0], &fed[1], sizeof(fed[0]));
			assert_memory_equal(&fed[0], &fed[2], sizeof(fed[0]));
			assert_memory_equal(&mt[0], &mt[1], sizeof(mt[0]));
			assert_memory_equal(&mt[0], &mt[2], sizeof(mt[0]));
		}
	for (int i = 0; i < 3; i++)
		trace_mix__free(&m[i]);
}

static void test_spill(void **state)
{
	(void)state;
	spill_equals_buffer(T("kvm-svm-v7.dat"));	/* two vCPU threads */
	spill_equals_buffer(T("kvm-svm.ftrace.txt"));
	same_metrics(T("kvm-svm-v7.dat"));
}

/* vpmu replay runs an exit-policy row from its irqoff twin where
 * sim__is_exit_as_irqoff() says they are the same run: on these SVM traces
 * (no exit takes a fastpath handler while the guest counts instructions)
 * it does, and both, run, print the same bytes. */
static void test_exit_twin(void **state)
{
	static const char *const paths[] = { T("kvm-svm-v6.dat"), T("kvm-svm-v7.dat") };
	static struct trace_mix m;
	static struct scenario sc;
	static struct sim_metrics irq, ex;
	struct replay_fed fi, fe;
	struct diag d;
	char err[256];

	(void)state;
	scenario(&sc, false);
	for (int k = 0; k < 2; k++) {
		struct replay_input in = { .m = &m, .paths = &paths[k], .nr_paths = 1,
					   .guest_ns = 20000, .trace_costs = true };

		assert_int_equal(trace_mix__read(&m, &paths[k], 1, NULL, false, true, &d), 0);
		for (u32 vi = 0; vi < m.nr_vcpus; vi++)
			for (int r = 0; r < 2; r++) {
				struct sim_config c = { .prof = zen4(), .sc = &sc, .seed = 4,
					.kind = &kvm_vpmu_mediated_ops, .route = (enum kvm_pmi_route)r };
				char *ja, *jb;

				c.policy = kvm_policy__by_name("irqoff");
				if (sim_replay__vcpu(&in, vi, &c, &irq, &fi, err, sizeof(err)))
					fail_msg("%s: %s", paths[k], err);
				c.policy = kvm_policy__by_name("exit");
				if (sim_replay__vcpu(&in, vi, &c, &ex, &fe, err, sizeof(err)))
					fail_msg("%s: %s", paths[k], err);
				assert_true(irq.guest_pmis > 0 || k);
				assert_true(sim__is_exit_as_irqoff(&irq));
				sim__metrics_as_exit(&irq);
				ja = test_metrics_json(&irq);
				jb = test_metrics_json(&ex);
				assert_string_equal(ja, jb);
				assert_memory_equal(&irq, &ex, sizeof(irq));	/* every metric */
				assert_memory_equal(&fi, &fe, sizeof(fi));
				free(ja);
				free(jb);
			}
		trace_mix__free(&m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faithful_dat),
		cmocka_unit_test(test_faithful_text_and_table),
		cmocka_unit_test(test_trace_costs_and_determinism),
		cmocka_unit_test(test_trace_costs_are_the_trace_times),
		cmocka_unit_test(test_spill),
		cmocka_unit_test(test_exit_twin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

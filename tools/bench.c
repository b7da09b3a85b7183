/*
 * tools/bench.c - timings of the simulator itself (make bench; never part of
 * make check). Prints Markdown tables for docs/performance.md:
 *
 *   bench matrix REPS [SCALE]  every built-in scenario, its work x SCALE, under
 *                          every vPMU kind and policy (spr profile, seed 1): simulated exits per
 *                          wall second and simulated time over wall time,
 *                          median and spread (min..max) of REPS runs
 *   bench linear REPS      timer-heavy, mediated irqoff, at x1, x4 and x16
 *                          its work: wall time per run, and the ratio to x1
 *   bench one SCENARIO VPMU [SCALE]  one run of one row (VPMU as in vpmu run:
 *                          none, emulated, mediated:POLICY), no warm-up: for
 *                          profiling it with valgrind --tool=callgrind
 *
 * Each run is one sim__run() without the vPMU-none baseline (no_baseline),
 * timed in-process with CLOCK_THREAD_CPUTIME_ID (one core's time, see
 * now_s) after one untimed warm-up run, so process start-up is not in the
 * figures. "Wall" below means that time. Simulated time is the run's pCPU cycles over the profile's core
 * clock. Output is timings, so it is not deterministic (everything else in
 * vpmu is).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "input/embedded.h"
#include "sim/run.h"

struct sample {
	double wall_s, exits, sim_s;
};

/* The time this thread ran: on a machine shared with other jobs (the
 * development machines have 2 cores for 6), wall time counts their work
 * too; thread CPU time is what one core spends on the simulation. */
static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int run_once(const struct sim_config *c, struct sample *s)
{
	static struct sim_metrics m;
	char err[256];
	double t0 = now_s();

	if (sim__run(c, &m, err, sizeof(err))) {
		fprintf(stderr, "bench: %s: %s\n", c->sc->name, err);
		return -1;
	}
	s->wall_s = now_s() - t0;
	s->exits = (double)m.exits_total;
	s->sim_s = (double)m.wall_cycles / ((double)c->prof->core_mhz * 1e6);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, min and max of @n values (sorted in place). */
static void stats(double *v, int n, double out[3])
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	out[0] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	out[1] = v[0];
	out[2] = v[n - 1];
}

static int matrix_row(struct sim_config *c, int reps, const char *label)
{
	double rate[64], ratio[64], r[3], q[3];
	struct sample s;

	if (run_once(c, &s))	/* warm-up */
		return -1;
	for (int i = 0; i < reps; i++) {
		if (run_once(c, &s))
			return -1;
		rate[i] = s.exits / s.wall_s;
		ratio[i] = s.sim_s / s.wall_s;
	}
	stats(rate, reps, r);
	stats(ratio, reps, q);
	printf("| %s | %s | %.0f | %.2f M (%.2f..%.2f) | %.0f (%.0f..%.0f) |\n", c->sc->name,
	       label, s.exits, r[0] / 1e6, r[1] / 1e6, r[2] / 1e6, q[0], q[1], q[2]);
	return 0;
}

/* A scenario's work x@scale: its guest's, and each of a host's VMs'. */
static void scale_work(struct scenario *sc, unsigned int scale)
{
	sc->guest.work_minsns *= scale;
	for (unsigned int k = 0; k < sc->nr_vms; k++)
		sc->vm[k].guest.work_minsns *= scale;
}

static int matrix(const struct profile *prof, int reps, unsigned int scale)
{
	printf("| scenario | vPMU | exits | exits per wall second, median (min..max) |"
	       " simulated / wall time |\n|---|---|---:|---:|---:|\n");
	for (const struct embedded_file *f = scenario_builtin; f->name; f++) {
		static struct scenario sc;
		struct diag d;

		if (scenario__load(f->name, &sc, &d))
			return -1;
		scale_work(&sc, scale);
		for (int k = 0; k < 3; k++) {
			for (int p = 0; kvm_policies[p] && (k == 2 || !p); p++) {
				struct sim_config c = {
					.prof = prof, .sc = &sc, .seed = 1, .no_baseline = true,
					.kind = k == 0 ? &kvm_vpmu_none_ops : k == 1 ?
						&kvm_vpmu_emulated_ops : &kvm_vpmu_mediated_ops,
					.policy = kvm_policies[p],
				};
				char label[48];

				snprintf(label, sizeof(label), "%s%s%s", c.kind->name,
					 k == 2 ? ":" : "", k == 2 ? c.policy->name : "");
				if (matrix_row(&c, reps, label))
					return -1;
			}
		}
	}
	return 0;
}

/* Runs of x1, x4 and x16 interleaved, so that other jobs on the machine
 * disturb all three alike; the ratio is the median of the rounds' ratios. */
static int linear(const struct profile *prof, int reps)
{
	static const unsigned int scale[] = { 1, 4, 16 };
	static struct scenario sc, big[3];
	double wall[3][64], ratio[3][64], exits[3] = { 0 };
	struct diag d;
	struct sample s;

	if (scenario__load("timer-heavy", &sc, &d))
		return -1;
	for (int r = -1; r < reps; r++) {	/* round -1: warm-up */
		for (unsigned int i = 0; i < 3; i++) {
			struct sim_config c = {
				.prof = prof, .sc = &big[i], .seed = 1, .no_baseline = true,
				.kind = &kvm_vpmu_mediated_ops,
				.policy = kvm_policy__by_name("irqoff"),
			};

			big[i] = sc;
			scale_work(&big[i], scale[i]);
			if (run_once(&c, &s))
				return -1;
			exits[i] = s.exits;
			if (r >= 0)
				wall[i][r] = s.wall_s;
		}
		for (unsigned int i = 0; r >= 0 && i < 3; i++)
			ratio[i][r] = wall[i][r] / wall[0][r];
	}
	printf("| work | exits | time per run, median (min..max) | ratio to x1, median of rounds"
	       " (min..max) | ideal |\n|---|---:|---:|---:|---:|\n");
	for (unsigned int i = 0; i < 3; i++) {
		double w[3], q[3];

		stats(wall[i], reps, w);
		stats(ratio[i], reps, q);
		printf("| x%u | %.0f | %.3f s (%.3f..%.3f) | %.2f (%.2f..%.2f) | %u |\n", scale[i],
		       exits[i], w[0], w[1], w[2], q[0], q[1], q[2], scale[i]);
	}
	return 0;
}

/* One run of one row, for a profiler: its exits and time. */
static int one(const struct profile *prof, const char *name, const char *vpmu,
	       unsigned int scale)
{
	static struct scenario sc;
	const char *colon = strchr(vpmu, ':');
	char kind[32];
	struct diag d;
	struct sample s;
	struct sim_config c = { .prof = prof, .sc = &sc, .seed = 1, .no_baseline = true };

	snprintf(kind, sizeof(kind), "%.*s", colon ? (int)(colon - vpmu) : 31, vpmu);
	c.kind = kvm_vpmu__by_name(kind);
	c.policy = kvm_policy__by_name(colon ? colon + 1 : "irqoff");
	if (!c.kind || !c.policy || scenario__load(name, &sc, &d)) {
		fprintf(stderr, "bench: one: unknown scenario or vPMU\n");
		return -1;
	}
	scale_work(&sc, scale);
	if (run_once(&c, &s))
		return -1;
	printf("%s %s x%u: %.0f exits, %.4f s\n", name, vpmu, scale, s.exits, s.wall_s);
	return 0;
}

int main(int argc, char **argv)
{
	static struct profile prof;
	struct diag d;
	int reps = argc > 2 ? atoi(argv[2]) : 5;

	if (argc > 1 && !strcmp(argv[1], "one"))
		reps = 1;
	if (argc < 2 || reps < 1 || reps > 64) {
		fprintf(stderr, "usage: bench matrix [REPS (1..64) [SCALE]] | linear [REPS]"
			" | one SCENARIO VPMU [SCALE]\n");
		return 2;
	}
	if (profile__load("spr", &prof, &d)) {
		fprintf(stderr, "bench: spr profile: %s\n", d.msg);
		return 2;
	}
	if (!strcmp(argv[1], "matrix"))
		return matrix(&prof, reps, argc > 3 ? (unsigned int)atoi(argv[3]) : 1) ? 1 : 0;
	if (!strcmp(argv[1], "linear"))
		return linear(&prof, reps) ? 1 : 0;
	if (!strcmp(argv[1], "one") && argc > 3)
		return one(&prof, argv[2], argv[3], argc > 4 ? (unsigned int)atoi(argv[4]) : 1) ? 1 : 0;
	fprintf(stderr, "bench: unknown mode %s\n", argv[1]);
	return 2;
}

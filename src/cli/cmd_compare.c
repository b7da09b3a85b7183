/*
 * cli/cmd_compare.c - `vpmu compare`: the main job. Each scenario (every
 * built-in one by default) under every vPMU kind, mediated policy and PMI
 * route asked for; per scenario a table (80 columns, or --wide), then a
 * legend and a verdict (report/compare.h). A configuration that cannot
 * run is an "n/a: reason" row and the rest still runs. Artefacts go under
 * --out DIR (./vpmu-out): compare.json (one document), compare.csv,
 * plots/ (gnuplot data, scripts and SVGs) and report.html. `--json -`
 * writes only the JSON, to stdout. Every file is written whole or not at
 * all; every input is checked before anything runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/pool.h"
#include "cli/output.h"
#include "report/compare.h"
#include "report/json.h"
#include "report/kvm_stat.h"
#include "report/plots.h"
#include "sim/run.h"

#define MAX_SCEN 16

enum { O_SCEN = 's', O_CPU = 'c', O_SEED = 'S', O_WIDE = 'w', O_JOBS = 'j', O_POL = 256, O_PMI,
       O_JSON, O_CSV, O_PLOTS, O_HTML, O_OUT, O_NOOUT, O_KSTAT, O_NOSKIP, O_SEEDS };

static const struct cli_opt opts[] = {
	{ "scenario", O_SCEN, "NAME|FILE", "a scenario (repeatable; default: every built-in)" },
	{ "cpu", O_CPU, "PROFILE", "the cost profile (vpmu list profiles; default spr)" },
	{ "policies", O_POL, "LIST", "mediated policies (default irqoff,exit,vcpu,lazy)" },
	{ "pmi", O_PMI, "LIST", "PMI routes for the mediated vPMU (default vector,nmi)" },
	{ "seed", O_SEED, "N", "the seed, 0 to 2^64-1 (default 1)" },
	{ "seeds", O_SEEDS, "N", "run seeds SEED .. SEED+N-1, 1 to 64 (default 1); the table shows "
	  "each row's median run and its overhead range" },
	{ "wide", O_WIDE, NULL, "the wide table (147 columns) with every figure" },
	{ "kvm-stat", O_KSTAT, NULL, "a perf-kvm-stat table of exits after each row" },
	{ "no-skip-unchanged", O_NOSKIP, NULL, "mediated: write every counter on load (no "
	  "skipping of unchanged values)" },
	{ "out", O_OUT, "DIR", "the artefacts' directory (default ./vpmu-out)" },
	{ "no-out", O_NOOUT, NULL, "no artefacts except those named by the options below" },
	{ "json", O_JSON, "FILE|-", "the JSON document (default DIR/compare.json; -: stdout only)" },
	{ "csv", O_CSV, "FILE", "the CSV (default DIR/compare.csv)" },
	{ "plots", O_PLOTS, "DIR", "the plots (default DIR/plots)" },
	{ "html", O_HTML, "FILE", "the HTML report (default DIR/report.html)" },
	{ "jobs", O_JOBS, "N", "run the rows on N threads, 1 to 64 (default: the processors "
	  "online); the output does not depend on it" },
	{ 0 },
};

static const struct cli_cmd me = {
	"compare", "[options]",
	"Runs each scenario under the emulated vPMU and the mediated one with every policy\n"
	"and PMI route; prints per scenario a table, a legend and a verdict: the best\n"
	"configuration for the guest, the best for host visibility, the trade-off, and\n"
	"every row that leaks, loses or misattributes PMIs or counts.",
	opts,
};

struct cmp {
	const char *scen[MAX_SCEN];
	int nr_scen;
	const char *cpu, *out, *json, *csv, *plots, *html;
	long policies, pmis;
	u64 seed;
	bool wide, kstat, no_out, no_skip;
	unsigned int jobs;	/* threads for the runs */
	unsigned int seeds;	/* seeds seed .. seed + seeds - 1 */
	struct profile prof;
	struct scenario sc[MAX_SCEN];
	/* rows: every seed's, seed by seed, each scenario's configurations in
	 * order (n of them); shown: one a scenario and configuration (nshown),
	 * the run of the median overhead over the seeds (the row itself for one
	 * seed), with its overhead range */
	struct report_row *rows, *rate, *shown;
	double *ovh_min, *ovh_max;
	int n, nr_rate, nshown;
};

static int parse(struct cmp *o, int argc, char **argv)
{
	const char *v;
	u64 n;

	for (int k; (k = cli__next(&me, argc, argv, &v)) != CLI_END;) {
		switch (k) {
		case CLI_HELP: return -1;
		case CLI_ERR: return EXIT_BAD_INPUT;
		case O_SCEN:
			if (o->nr_scen == MAX_SCEN)
				return cli__fail(&me, "--scenario: at most %d scenarios", MAX_SCEN);
			o->scen[o->nr_scen++] = v;
			break;
		case O_CPU: o->cpu = v; break;
		case O_POL:
			if ((o->policies = cli__list(&me, "policies", v, cli_policy_names, "policy")) < 0)
				return EXIT_BAD_INPUT;
			break;
		case O_PMI:
			if ((o->pmis = cli__list(&me, "pmi", v, cli_route_names, "PMI route")) < 0)
				return EXIT_BAD_INPUT;
			break;
		case O_SEED:
			if (cli__u64(&me, "seed", v, 0, UINT64_MAX, &o->seed))
				return EXIT_BAD_INPUT;
			break;
		case O_JOBS:
			if (cli__u64(&me, "jobs", v, 1, 64, &n))
				return EXIT_BAD_INPUT;
			o->jobs = (unsigned int)n;
			break;
		case O_SEEDS:
			if (cli__u64(&me, "seeds", v, 1, 64, &n))
				return EXIT_BAD_INPUT;
			o->seeds = (unsigned int)n;
			break;
		case O_WIDE: o->wide = true; break;
		case O_KSTAT: o->kstat = true; break;
		case O_NOSKIP: o->no_skip = true; break;
		case O_OUT: o->out = v; break;
		case O_NOOUT: o->no_out = true; break;
		case O_JSON: o->json = v; break;
		case O_CSV: o->csv = v; break;
		case O_PLOTS: o->plots = v; break;
		case O_HTML: o->html = v; break;
		}
	}
	if (optind < argc)
		return cli__fail(&me, "unexpected argument '%s'; scenarios are given with "
				 "--scenario NAME|FILE", argv[optind]);
	return 0;
}

/* The built-ins in order, but the one-vCPU scenarios before the hosts
 * (the plots of "the first scenario" show one vCPU's latencies). */
static void hosts_last(struct cmp *o)
{
	static struct scenario tmp;

	for (int pass = 0; pass < o->nr_scen; pass++)
		for (int i = 0; i + 1 < o->nr_scen; i++) {
			const char *name = o->scen[i];

			if (!scenario__is_host(&o->sc[i]) || scenario__is_host(&o->sc[i + 1]))
				continue;
			tmp = o->sc[i];
			o->sc[i] = o->sc[i + 1];
			o->sc[i + 1] = tmp;
			o->scen[i] = o->scen[i + 1];
			o->scen[i + 1] = name;
		}
}

static int load(struct cmp *o)
{
	struct diag d;

	bool all = !o->nr_scen;

	if (all)
		for (const struct embedded_file *b = scenario_builtin; b->name && o->nr_scen < MAX_SCEN; b++)
			o->scen[o->nr_scen++] = b->name;
	if (profile__load(o->cpu, &o->prof, &d))
		return cli__load_error(&me, "cpu", o->cpu, profile_builtin, "profile", &d);
	for (int i = 0, n = o->nr_scen; i < n; i++) {
		int k = o->nr_scen - n + i;	/* where it goes: micro-benchmarks dropped */

		if (scenario__load(o->scen[i], &o->sc[k], &d))
			return cli__load_error(&me, "scenario", o->scen[i], scenario_builtin,
					       "scenario", &d);
		if (cli__check_name(o->scen[i], &o->sc[k]))
			return EXIT_BAD_INPUT;
		o->scen[k] = o->scen[i];
		if (all && o->sc[k].not_in_compare)	/* a micro-benchmark: only when named */
			o->nr_scen--;
	}
	if (all)
		hosts_last(o);
	return 0;
}

/* The configurations of one scenario: emulated once (no route), then the
 * mediated vPMU per policy and route asked for. Returns how many; fills @c. */
static int configs(const struct cmp *o, struct sim_config *c, bool vector_only)
{
	int n = 0;

	c[n++] = (struct sim_config){ .kind = &kvm_vpmu_emulated_ops, .policy = kvm_policies[0] };
	for (int p = 0; kvm_policies[p]; p++)
		for (int r = 0; r < 2; r++)
			if (o->policies >> p & 1 && o->pmis >> r & 1 && (!vector_only || !r))
				c[n++] = (struct sim_config){ .kind = &kvm_vpmu_mediated_ops,
					.policy = kvm_policies[p], .route = (enum kvm_pmi_route)r };
	return n;
}

/* @base: the vPMU-none baseline of this scenario for each PMI route,
 * computed by the first row that needs it and shared by the others. */
static void run_row(const struct cmp *o, const struct scenario *sc, struct sim_config c,
		    u64 seed, struct sim_baseline *base, struct report_row *row)
{
	c.prof = &o->prof;
	c.sc = sc;
	c.seed = seed;
	c.no_skip = o->no_skip;
	c.baseline = &base[c.route];
	memset(row, 0, sizeof(*row));
	/* a row that fails keeps the names sim__run gave it, for its n/a row */
	row->ok = !sim__run(&c, &row->m, row->reason, sizeof(row->reason));
}

static const int rate_factor_pct[] = { 25, 50, 100, 200, 400 };
#define NR_RATES (int)(sizeof(rate_factor_pct) / sizeof(rate_factor_pct[0]))

/*
 * Every run is independent once the baselines are known, so they go on
 * the pool (base/pool.h) in two passes: the vPMU-none baselines a scenario's
 * rows share (one per scenario and PMI route used), then the rows, each into
 * its own slot. A baseline that fails is left invalid, and each row that
 * needs it runs it again and fails as the first row would have. The rows
 * are printed in their order afterwards: the output does not depend on the
 * number of jobs. An irqoff row's job also makes its exit twin's row: a
 * copy of its own where the two runs are the same (sim__is_exit_as_irqoff),
 * else the exit run.
 */
struct row_job {
	const struct scenario *sc;
	struct sim_config c;
	u64 seed;
	struct sim_baseline *base;	/* [2], by route */
	struct report_row *row;
	struct row_job *exit;		/* irqoff: the same scenario, seed and route's
					 * exit-policy row, run by this job
					 * (sim__is_exit_as_irqoff) */
	bool by_twin;			/* exit: run by its irqoff row's job */
};

struct base_job {
	const struct scenario *sc;
	enum kvm_pmi_route route;
	u64 seed;
	struct sim_baseline *b;
};

struct jobs {
	const struct cmp *o;
	struct row_job *r;
	size_t *order;		/* the row jobs started, by index into r */
	struct base_job *b;
};

static void base_job(void *ctx, size_t i)
{
	struct jobs *js = ctx;
	struct base_job *j = &js->b[i];
	struct sim_config c = { .prof = &js->o->prof, .sc = j->sc, .seed = j->seed,
				.route = j->route, .no_skip = js->o->no_skip,
				.kind = &kvm_vpmu_none_ops, .policy = kvm_policies[0] };
	char err[256];

	sim__baseline(&c, j->b, err, sizeof(err));	/* a failure: the rows say it */
}

static void row_job(void *ctx, size_t i)
{
	struct jobs *js = ctx;
	struct row_job *j = &js->r[js->order[i]], *e = j->exit;

	run_row(js->o, j->sc, j->c, j->seed, j->base, j->row);
	if (e && j->row->ok && sim__is_exit_as_irqoff(&j->row->m)) {
		*e->row = *j->row;	/* the exit run, step for step */
		sim__metrics_as_exit(&e->row->m);
	} else if (e) {
		run_row(js->o, e->sc, e->c, e->seed, e->base, e->row);
	}
}

/* Pair each irqoff row of @r[0..n) with the exit row of its scenario, seed
 * and route (later in the list, within a scenario's configurations or the
 * rate rows of one); into @order the jobs to start (all but the paired exit
 * rows, the irqoff ones first). How many. */
static size_t pair_twins(struct row_job *r, size_t n, size_t *order)
{
	size_t k = 0;

	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n && b < a + 16 * NR_RATES; b++)
			if (r[b].sc == r[a].sc && r[b].seed == r[a].seed && !r[b].by_twin &&
			    sim__is_exit_twin(&r[a].c, &r[b].c)) {
				r[a].exit = &r[b];
				r[b].by_twin = true;
				break;
			}
	for (size_t a = 0; a < n; a++)
		if (r[a].exit)
			order[k++] = a;
	for (size_t a = 0; a < n; a++)
		if (!r[a].exit && !r[a].by_twin)
			order[k++] = a;
	return k;
}

/*
 * The rows shown, one a scenario and configuration: with one seed the row;
 * with several, the run whose overhead is the median of those that ran
 * (the lower middle one for an even count), with the others' isolation
 * counts added so that a fault of any seed is flagged, and the overhead's
 * range over the seeds. A configuration that ran for no seed shows the
 * first seed's n/a row.
 */
static int shown_rows(struct cmp *o, int nc)
{
	int per = nc * o->nr_scen, ns = (int)o->seeds;

	o->nshown = per;
	o->shown = calloc((size_t)per, sizeof(*o->shown));
	o->ovh_min = calloc((size_t)per, sizeof(*o->ovh_min));
	o->ovh_max = calloc((size_t)per, sizeof(*o->ovh_max));
	if (!o->shown || !o->ovh_min || !o->ovh_max)
		return -1;
	for (int i = 0; i < per; i++) {
		const struct report_row *ok[64];
		int n = 0;

		for (int k = 0; k < ns; k++)
			if (o->rows[k * per + i].ok)
				ok[n++] = &o->rows[k * per + i];
		for (int a = 1; a < n; a++)	/* by overhead, then seed: insertion */
			for (int b = a; b > 0 && ok[b]->m.guest_overhead_pct <
					 ok[b - 1]->m.guest_overhead_pct; b--) {
				const struct report_row *t = ok[b];

				ok[b] = ok[b - 1];
				ok[b - 1] = t;
			}
		o->shown[i] = n ? *ok[(n - 1) / 2] : o->rows[i];
		o->ovh_min[i] = n ? ok[0]->m.guest_overhead_pct : 0;
		o->ovh_max[i] = n ? ok[n - 1]->m.guest_overhead_pct : 0;
		for (int k = 0; k < n && ns > 1; k++) {
			const struct sim_metrics *m = &ok[k]->m;
			struct sim_metrics *d = &o->shown[i].m;

			if (ok[k] == ok[(n - 1) / 2])
				continue;
			d->leaked_events += m->leaked_events;
			d->residue_reads += m->residue_reads;
			d->misattributed_pmis += m->misattributed_pmis;
			d->lost_counts += m->lost_counts;
			d->pmis_dropped += m->pmis_dropped;
		}
	}
	return 0;
}

static int run_all(struct cmp *o, bool rates)
{
	struct sim_config c[16];
	int nc = configs(o, c, false), nv = configs(o, (struct sim_config[16]){ 0 }, true);
	int ns = (int)o->seeds, nr = rates ? nv * NR_RATES : 0, nb = 0;
	int ntotal = nc * o->nr_scen * ns + nr, nbase = (MAX_SCEN + NR_RATES) * ns;
	static struct scenario rsc[NR_RATES];	/* the first scenario at each rate */
	struct sim_baseline (*base)[2] = calloc((size_t)nbase, sizeof(*base));
	bool used[2] = { false, false };
	struct jobs js = { .o = o };
	struct cli_progress pg;
	size_t nstart;
	int ret = 0;

	o->rows = calloc((size_t)(nc * o->nr_scen * ns), sizeof(*o->rows));
	o->rate = calloc((size_t)(nr ? nr : 1), sizeof(*o->rate));
	js.r = calloc((size_t)ntotal, sizeof(*js.r));
	js.order = calloc((size_t)ntotal, sizeof(*js.order));
	js.b = calloc((size_t)nbase * 2, sizeof(*js.b));
	if (!base || !o->rows || !o->rate || !js.r || !js.order || !js.b) {
		ret = cli__fail(&me, "out of memory");
		goto out;
	}
	for (int i = 0; i < nc; i++)
		used[c[i].route] = true;
	for (int k = 0; k < ns; k++)	/* base[k * MAX_SCEN + s]: seed k's of scenario s */
		for (int s = 0; s < o->nr_scen; s++)
			for (int i = 0; i < nc; i++, o->n++)
				js.r[o->n] = (struct row_job){ .sc = &o->sc[s], .c = c[i],
					.seed = o->seed + (u64)k, .base = base[k * MAX_SCEN + s],
					.row = &o->rows[o->n] };
	nv = configs(o, c, true);
	for (int f = 0; f < NR_RATES && rates; f++) {
		rsc[f] = o->sc[0];
		for (int r = 0; r < EXIT_NR; r++)
			rsc[f].guest.exits_per_sec[r] = (u32)((u64)rsc[f].guest.exits_per_sec[r] *
							      (u64)rate_factor_pct[f] / 100);
	}
	for (int i = 0; i < nv && rates; i++)	/* in the order the rows are kept; the first seed */
		for (int f = 0; f < NR_RATES; f++, o->nr_rate++)
			js.r[o->n + o->nr_rate] = (struct row_job){ .sc = &rsc[f], .c = c[i],
				.seed = o->seed, .base = base[ns * MAX_SCEN + f],
				.row = &o->rate[o->nr_rate] };
	for (int k = 0; k < ns; k++)
		for (int s = 0; s < o->nr_scen; s++)
			for (int r = 0; r < 2; r++)
				if (used[r])
					js.b[nb++] = (struct base_job){ .sc = &o->sc[s], .route = r,
						.seed = o->seed + (u64)k, .b = &base[k * MAX_SCEN + s][r] };
	for (int f = 0; f < NR_RATES && rates; f++)
		js.b[nb++] = (struct base_job){ .sc = &rsc[f], .route = PMI_ROUTE_VECTOR,
						.seed = o->seed, .b = &base[ns * MAX_SCEN + f][0] };
	nstart = pair_twins(js.r, (size_t)ntotal, js.order);
	cli__progress_start(&pg, "compare", (unsigned long)nstart);
	pool__run(o->jobs, (size_t)nb, base_job, &js);
	for (size_t k = 0, win = 4 * (size_t)o->jobs; k < nstart; k += win) {	/* steps of the bar */
		size_t n = nstart - k < win ? nstart - k : win;
		struct jobs w = { .o = o, .r = js.r, .order = js.order + k };

		pool__run(o->jobs, n, row_job, &w);
		for (size_t i = 0; i < n; i++)
			cli__progress_step(&pg);
	}
	cli__progress_end(&pg);
	if (shown_rows(o, nc))
		ret = cli__fail(&me, "out of memory");
out:
	free(base);
	free(js.r);
	free(js.order);
	free(js.b);
	return ret;
}

/* Several seeds: each row's overhead range, and the configurations the
 * best one for the guest is not told apart from (their ranges overlap). */
static void seed_spread(const struct cmp *o, FILE *f, int s, int per)
{
	const struct report_row *r = &o->shown[s * per];
	const double *lo = &o->ovh_min[s * per], *hi = &o->ovh_max[s * per];
	int best = -1, ties = 0;
	char cfg[48];

	fprintf(f, "\nguest overhead over the %u seeds (each row above is its median run):\n",
		o->seeds);
	for (int i = 0; i < per; i++) {
		if (!r[i].ok)
			continue;
		fprintf(f, "  %-16s %-6s %7.2f .. %.2f %%\n", report__config(&r[i].m, cfg, sizeof(cfg)),
			r[i].m.pmi, lo[i], hi[i]);
		if (report__is_safe(&r[i]) &&
		    (best < 0 || r[i].m.guest_overhead_pct < r[best].m.guest_overhead_pct))
			best = i;
	}
	if (best < 0)
		return;
	for (int i = 0; i < per; i++) {
		if (i == best || !report__is_safe(&r[i]) || lo[i] > hi[best])
			continue;
		if (!ties++)
			fprintf(f, "  not told apart from the best for the guest, %s/%s, by these "
				"seeds\n  (their ranges overlap):\n     ",
				report__config(&r[best].m, cfg, sizeof(cfg)), r[best].m.pmi);
		fprintf(f, " %s/%s", report__config(&r[i].m, cfg, sizeof(cfg)), r[i].m.pmi);
	}
	if (ties)
		fputc('\n', f);
}

static void text(const struct cmp *o, FILE *f)
{
	int per = o->nshown / o->nr_scen;

	for (int s = 0; s < o->nr_scen; s++) {
		const struct report_row *r = &o->shown[s * per];

		report__compare_table(f, r, per, o->wide, o->seed, o->seeds);
		if (o->seeds > 1)
			seed_spread(o, f, s, per);
		if (o->kstat)
			for (int i = 0; i < per; i++)
				if (r[i].ok) {
					char cfg[32];

					fprintf(f, "\n-- %s --pmi %s\n", report__config(&r[i].m, cfg,
						sizeof(cfg)), r[i].m.pmi);
					report__kvm_stat(f, &r[i].m, o->prof.core_mhz);
				}
		fputc('\n', f);
		report__compare_verdict(f, r, per);
		fputc('\n', f);
	}
	report__compare_legend(f, o->wide);
}

static json_t *doc(const struct cmp *o)
{
	json_t *d = json_object(), *runs = json_array();

	json_object_set_new(d, "vpmu_version", json_string(VPMU_VERSION));
	json_object_set_new(d, "cpu", json_string(o->prof.name));
	json_object_set_new(d, "seed", json_integer((json_int_t)o->seed));
	if (o->seeds > 1)	/* runs: every seed's, seed by seed */
		json_object_set_new(d, "seeds", json_integer((json_int_t)o->seeds));
	for (int i = 0; i < o->n; i++)
		json_array_append_new(runs, o->rows[i].ok ?
			report__json_row(&o->rows[i].m, VPMU_VERSION) :
			report__json_na(&o->rows[i].m, o->rows[i].reason, VPMU_VERSION));
	json_object_set_new(d, "runs", runs);
	return d;
}

static void write_csv(const struct cmp *o, FILE *f)
{
	report__csv_header(f);
	for (int i = 0; i < o->n; i++)
		report__csv_row(f, &o->rows[i]);
}

static char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

enum { A_JSON, A_CSV, A_HTML, A_NR };

struct arts {
	char *path[A_NR], *plots;
	struct cli_out out[A_NR];
	bool open[A_NR];
};

/* Opens the outputs given explicitly first, so that a bad path stops the
 * run before the default directory is made. */
static int open_all(struct arts *a, const char *dir, bool dflt)
{
	for (int pass = 0; pass < 2; pass++) {
		if (pass && dflt && cli__mkdirs(&me, dir))
			return -1;
		for (int i = 0; i < A_NR; i++) {
			if (!a->path[i] || a->open[i] || (!pass && !strncmp(a->path[i], dir, strlen(dir)) &&
							 dflt))
				continue;
			if (cli__out_open(&a->out[i], a->path[i]))
				return cli__fail(&me, "cannot write %s: %s", a->path[i], strerror(errno)), -1;
			a->open[i] = true;
		}
	}
	return 0;
}

/*
 * The timeline plot's run: the first scenario without host tasks (their
 * slices would fill the window), under the mediated vPMU with Linux 7.0's
 * policy; a window in the middle of the run about 30 exits long.
 */
static void timeline(const struct cmp *o, struct sim_timeline *t, char *what, size_t len)
{
	const struct scenario *sc = &o->sc[0];
	struct sim_config c = { .prof = &o->prof, .kind = &kvm_vpmu_mediated_ops,
				.policy = kvm_policies[0], .route = PMI_ROUTE_VECTOR,
				.seed = o->seed, .no_skip = o->no_skip, .no_baseline = true,
				.timeline = t };
	struct sim_metrics m;
	char err[256];
	u64 rate = 0, hz = o->prof.perf.cycles_per_sec;

	for (int i = 0; i < o->nr_scen; i++)
		if (!o->sc[i].host_tasks && !scenario__is_host(&o->sc[i])) {
			sc = &o->sc[i];
			break;
		}
	for (int r = 0; r < EXIT_NR; r++)
		rate += sc->guest.exits_per_sec[r];
	rate += 2 * sc->guest.hz;
	c.sc = sc;
	t->len = rate ? 30 * hz / rate : hz / 1000;
	t->len = t->len < 50000 ? 50000 : t->len > 20000000 ? 20000000 : t->len;
	/* a first run finds how long the work takes; the window is its middle */
	t->from = UINT64_MAX;
	if (sim__run(&c, &m, err, sizeof(err))) {
		snprintf(what, len, "n/a: %s", err);
		t->n = 0;
		return;
	}
	t->from = m.wall_cycles / 2;
	if (sim__run(&c, &m, err, sizeof(err)))
		t->n = 0;
	snprintf(what, len, "%s, mediated:%s/vector, %.0f us from %.0f ms", sc->name,
		 kvm_policies[0]->name, (double)t->len / o->prof.core_mhz,
		 (double)t->from / o->prof.core_mhz / 1000);
}

/* The plots, then the HTML with them embedded. */
static int plots_html(const struct cmp *o, struct arts *a, const char *txt)
{
	static struct sim_timeline tl;
	char what[320];
	struct report_html_plot hp[8] = { { 0 } };
	struct report_set set = { o->shown, o->nshown, o->rate, o->nr_rate, o->prof.core_mhz, &tl,
				  what };
	int np = 0, rendered;

	timeline(o, &tl, what, sizeof(what));
	while (report_plots[np].name)
		np++;
	if ((rendered = cli__plots(&me, a->plots, &set, hp)) < 0)
		return -1;
	if (rendered < np)
		fprintf(stderr, "vpmu compare: %d of %d plots rendered; without gnuplot (Debian "
			"gnuplot-nox) the data and scripts are in %s: cd there and run "
			"'gnuplot NAME.gp'\n", rendered, np, a->plots);
	if (a->open[A_HTML])
		report__html(a->out[A_HTML].f, txt, hp, np, VPMU_VERSION);
	for (int i = 0; i < np; i++)
		free(hp[i].svg);
	return 0;
}

/* The artefacts: explicit paths, else under --out unless --no-out or
 * --json -. All are written to temporary files and renamed only when
 * every one is whole. */
static int artefacts(struct cmp *o, const char *txt)
{
	bool dflt = !o->no_out && !(o->json && !strcmp(o->json, "-"));
	static const char *const names[A_NR] = { "compare.json", "compare.csv", "report.html" };
	const char *given[A_NR] = { o->json, o->csv, o->html };
	struct arts a;
	json_t *d = NULL;
	bool ok;

	memset(&a, 0, sizeof(a));

	for (int i = 0; i < A_NR; i++)
		a.path[i] = given[i] ? strdup(given[i]) : dflt ? path_in(o->out, names[i]) : NULL;
	a.plots = o->plots ? strdup(o->plots) : dflt || a.path[A_HTML] ? path_in(o->out, "plots") : NULL;
	ok = !open_all(&a, o->out, dflt);
	if (ok && a.open[A_JSON])
		ok = (d = doc(o)) && !report__json_dump(a.out[A_JSON].f, d);
	if (ok && a.open[A_CSV])
		write_csv(o, a.out[A_CSV].f);
	if (ok && a.plots)
		ok = !plots_html(o, &a, txt);
	for (int i = 0; i < A_NR; i++) {
		if (a.open[i] && cli__out_close(&a.out[i], ok) && ok) {
			cli__fail(&me, "cannot write %s", a.path[i]);
			ok = false;
		}
		free(a.path[i]);
	}
	free(a.plots);
	json_decref(d);
	return ok ? 0 : -1;
}

int cmd_compare(int argc, char **argv)
{
	static struct cmp o;
	char *txt = NULL;
	size_t len = 0;
	FILE *mem;
	int ret;

	o = (struct cmp){ .cpu = "spr", .out = "vpmu-out", .policies = 15, .pmis = 3, .seed = 1,
			  .jobs = pool__cpus(), .seeds = 1 };
	if ((ret = parse(&o, argc, argv)))
		return ret < 0 ? 0 : ret;
	if ((ret = load(&o)))
		return ret;
	if (run_all(&o, (!o.no_out && !(o.json && !strcmp(o.json, "-"))) || o.plots || o.html))
		return EXIT_BAD_INPUT;
	mem = open_memstream(&txt, &len);
	if (!mem)
		return cli__fail(&me, "out of memory");
	text(&o, mem);
	fclose(mem);
	if (!(o.json && !strcmp(o.json, "-")))
		fputs(txt, stdout);
	ret = artefacts(&o, txt) ? EXIT_BAD_INPUT : 0;
	free(txt);
	free(o.rows);
	free(o.rate);
	free(o.shown);
	free(o.ovh_min);
	free(o.ovh_max);
	return ret;
}

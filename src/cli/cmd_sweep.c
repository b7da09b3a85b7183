/*
 * cli/cmd_sweep.c - `vpmu sweep GRID [--shard I/N] --out DIR` and
 * `vpmu merge [--out FILE|-] DIR...`.
 *
 * A grid file has one parameter per line, `key = v1, v2, ...` ('#'
 * comments): scenario, cpu, vpmu (KIND[:POLICY]), pmi, seed, events (the
 * guest's perf events: how many counters it asks for), freq (guest perf
 * record frequency), rate_scale (percent of every exit rate),
 * rate.REASON (exits per second of one VMX exit reason), and for a host
 * scenario pcpus ([host] pcpus) and vcpus (every VM's vCPUs; not with a
 * pinned VM); the guest keys apply to every VM's guest too. The points are
 * the cartesian product, the first key varying slowest; a non-mediated
 * vPMU takes only the first pmi value (routing does not apply to it).
 *
 * Shard I of N runs the points k with k mod N == I-1 and writes
 * DIR/sweep-I-of-N.json; unsharded, DIR/sweep.json. merge reads every
 * shard file of the DIRs, checks that they are one grid's shards 1..N,
 * once each, and writes the unsharded document: byte for byte what the
 * unsharded sweep writes. The grid is identified by a 64-bit FNV-1a hash
 * of its text.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/pool.h"
#include "cli/output.h"
#include "report/json.h"
#include "sim/run.h"

#define MAX_KEYS 12
#define MAX_VALS 32

struct grid_key {
	char name[48];
	char val[MAX_VALS][64];
	int n;
};

struct grid {
	struct grid_key k[MAX_KEYS];
	int n;
	char hash[20];
};

static const char *const key_names[] = { "scenario", "cpu", "vpmu", "pmi", "seed", "events",
					 "freq", "rate_scale", "pcpus", "vcpus", NULL };

static int grid_err(const char *path, int line, int col, const char *what)
{
	fprintf(stderr, "%s:%d:%d: error: %s\n", path, line, col, what);
	return EXIT_BAD_INPUT;
}

static int grid_key(const char *path, int ln, const char *s, int col, struct grid_key *k)
{
	char msg[300];
	const char *near;

	if (strlen(s) >= sizeof(k->name))
		return grid_err(path, ln, col, "key too long (at most 47 bytes)");

	if (!strncmp(s, "rate.", 5)) {
		if (kvm_exit__by_name(s + 5) < 0)
			return grid_err(path, ln, col + 5, "expected a VMX exit reason after 'rate.' "
					"(vpmu list exit-reasons)");
	} else {
		for (int i = 0; key_names[i]; i++)
			if (!strcmp(s, key_names[i]))
				goto ok;
		near = cli__near(s, key_names);
		snprintf(msg, sizeof(msg), "unknown key '%.47s'%s%s%s; expected scenario, cpu, vpmu, "
			 "pmi, seed, events, freq, rate_scale, rate.REASON, pcpus or vcpus", s,
			 near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
		return grid_err(path, ln, col, msg);
	}
ok:
	memcpy(k->name, s, strlen(s) + 1);
	return 0;
}

static int grid_line(const char *path, int ln, char *line, struct grid *g)
{
	char *eq = strchr(line, '='), *p;
	struct grid_key *k;
	int col;

	line[strcspn(line, "#\n")] = 0;
	for (p = line; *p == ' ' || *p == '\t'; p++)
		;
	if (!*p)
		return 0;
	if (!eq)
		return grid_err(path, ln, (int)(p - line) + 1, "expected 'key = value, ...'");
	if (g->n == MAX_KEYS)
		return grid_err(path, ln, 1, "too many keys (at most 12)");
	k = &g->k[g->n++];
	*k = (struct grid_key){ 0 };
	col = (int)(p - line) + 1;
	for (char *e = eq; e > p && (e[-1] == ' ' || e[-1] == '\t'); e--)
		e[-1] = 0;
	*eq = 0;
	if (grid_key(path, ln, p, col, k))
		return EXIT_BAD_INPUT;
	for (p = eq + 1;;) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ",");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (!n || n >= sizeof(k->val[0]) || k->n == MAX_VALS)
			return grid_err(path, ln, (int)(p - line) + 1,
					"expected a value (at most 32 values of 63 bytes)");
		memcpy(k->val[k->n], p, n);
		k->val[k->n++][n] = 0;
		p += strcspn(p, ",");
		if (!*p++)
			return 0;
	}
}

static int grid_load(const char *path, struct grid *g)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	u64 h = 0xcbf29ce484222325ULL;
	int ln = 0, ret = 0;

	if (!f) {
		fprintf(stderr, "%s: error: cannot read: %s\n", path, strerror(errno));
		return EXIT_BAD_INPUT;
	}
	g->n = 0;
	while (!ret && fgets(line, sizeof(line), f)) {
		for (const char *c = line; *c; c++)
			h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
		ret = grid_line(path, ++ln, line, g);
	}
	fclose(f);
	if (!ret && !g->n)
		ret = grid_err(path, 1, 1, "expected at least one 'key = value, ...' line");
	snprintf(g->hash, sizeof(g->hash), "%016llx", (unsigned long long)h);
	return ret;
}

/* The values of point @k: idx[i] for key i. */
static void point(const struct grid *g, u64 k, int *idx)
{
	for (int i = g->n - 1; i >= 0; i--) {
		idx[i] = (int)(k % (u64)g->k[i].n);
		k /= (u64)g->k[i].n;
	}
}

static u64 nr_points(const struct grid *g)
{
	u64 n = 1;

	for (int i = 0; i < g->n; i++)
		n *= (u64)g->k[i].n;
	return n;
}

static const char *get(const struct grid *g, const int *idx, const char *key, const char *dflt)
{
	for (int i = 0; i < g->n; i++)
		if (!strcmp(g->k[i].name, key))
			return g->k[i].val[idx[i]];
	return dflt;
}

static const struct cli_opt sweep_opts[] = {
	{ "shard", 256, "I/N", "run only the I-th of N interleaved slices of the points" },
	{ "out", 'o', "DIR", "where to write sweep.json or sweep-I-of-N.json (required)" },
	{ "jobs", 'j', "N", "run the points on N threads, 1 to 64 (default: the processors online); "
	  "the output does not depend on it" },
	{ 0 },
};
static const struct cli_cmd sweep_me = {
	"sweep", "GRID [--shard I/N] --out DIR",
	"Runs every point of a parameter grid (see man vpmu, GRID FILES), or one shard.",
	sweep_opts,
};

/* A point's configuration; 1 when it is skipped (a route for a vPMU
 * without routing), 2 on bad input (printed, as GRID: key: ...). */
struct pt {
	struct sim_config c;
	struct scenario sc;
	struct profile prof;
	json_t *params;
};

static int num(const char *grid, const char *key, const char *v, u64 lo, u64 hi, u64 *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	if (v[0] == '-' || *end || errno || *out < lo || *out > hi) {
		fprintf(stderr, "%s: error: %s: '%s' is not an integer from %llu to %llu\n", grid,
			key, v, (unsigned long long)lo, (unsigned long long)hi);
		return EXIT_BAD_INPUT;
	}
	return 0;
}

/* A guest key of the grid on @g (the scenario's [guest] and each VM's). */
static int guest_param(const char *gpath, const char *k, const char *s, struct guest_workload *g)
{
	u64 v;

	if (!strcmp(k, "events")) {
		if (num(gpath, k, s, 0, GUEST_MAX_EVENTS, &v))
			return EXIT_BAD_INPUT;
		g->perf_events = (unsigned int)v;
	} else if (!strcmp(k, "freq")) {
		if (num(gpath, k, s, 1, 100000, &v))
			return EXIT_BAD_INPUT;
		g->perf_freq = (u32)v;
	} else if (!strcmp(k, "rate_scale")) {
		if (num(gpath, k, s, 0, 10000, &v))
			return EXIT_BAD_INPUT;
		for (int r = 0; r < EXIT_NR; r++)
			g->exits_per_sec[r] = (u32)((u64)g->exits_per_sec[r] * v / 100);
	} else if (!strncmp(k, "rate.", 5)) {
		if (num(gpath, k, s, 0, 10000000, &v))
			return EXIT_BAD_INPUT;
		g->exits_per_sec[kvm_exit__by_name(k + 5)] = (u32)v;
	}
	return 0;
}

/* pcpus / vcpus: a host scenario's size. */
static int host_param(const char *gpath, const char *k, const char *s, struct scenario *sc)
{
	u64 v;
	unsigned int total = 0;

	if (strcmp(k, "pcpus") && strcmp(k, "vcpus"))
		return 0;
	if (!sc->nr_vms) {
		fprintf(stderr, "%s: error: %s = %s: scenario %s is not a host of VMs "
			"(docs/scenarios.md: [vm.NAME])\n", gpath, k, s, sc->name);
		return EXIT_BAD_INPUT;
	}
	if (num(gpath, k, s, 1, SCENARIO_MAX_VCPUS, &v))
		return EXIT_BAD_INPUT;
	if (!strcmp(k, "pcpus"))
		sc->pcpus = (unsigned int)v;
	for (unsigned int i = 0; i < sc->nr_vms; i++) {
		if (!strcmp(k, "vcpus")) {
			if (sc->vm[i].pinned) {
				fprintf(stderr, "%s: error: vcpus = %s: VM %s of %s is pinned; its pin "
					"names a pCPU for each vCPU\n", gpath, s, sc->vm[i].name, sc->name);
				return EXIT_BAD_INPUT;
			}
			sc->vm[i].vcpus = sc->vm[i].guest.vm_vcpus = (unsigned int)v;
		}
		total += sc->vm[i].vcpus;
		for (unsigned int j = 0; sc->vm[i].pinned && j < sc->vm[i].vcpus; j++)
			if (sc->vm[i].pin[j] >= sc->pcpus) {
				fprintf(stderr, "%s: error: pcpus = %s: VM %s of %s is pinned to pCPU "
					"%u\n", gpath, s, sc->vm[i].name, sc->name, sc->vm[i].pin[j]);
				return EXIT_BAD_INPUT;
			}
	}
	if (total > SCENARIO_MAX_VCPUS) {
		fprintf(stderr, "%s: error: vcpus = %s: %u vCPUs in all, at most %d\n", gpath, s,
			total, SCENARIO_MAX_VCPUS);
		return EXIT_BAD_INPUT;
	}
	return 0;
}

static int build(const char *gpath, const struct grid *g, const int *idx, struct pt *p)
{
	struct diag d;
	const char *vp = get(g, idx, "vpmu", "mediated:irqoff");
	const char *sn = get(g, idx, "scenario", "slice-of-hardware"), *cpu = get(g, idx, "cpu", "spr");

	if (scenario__load(sn, &p->sc, &d))
		return cli__load_error(&sweep_me, "scenario", sn, scenario_builtin, "scenario", &d);
	if (profile__load(cpu, &p->prof, &d))
		return cli__load_error(&sweep_me, "cpu", cpu, profile_builtin, "profile", &d);
	if (cli__check_name(get(g, idx, "scenario", "slice-of-hardware"), &p->sc))
		return EXIT_BAD_INPUT;
	p->c = (struct sim_config){ .prof = &p->prof, .sc = &p->sc };
	if (cli__parse_vpmu(&sweep_me, vp, &p->c.kind, &p->c.policy) ||
	    cli__parse_route(&sweep_me, get(g, idx, "pmi", "vector"), &p->c.route))
		return EXIT_BAD_INPUT;
	for (int i = 0; i < g->n; i++)
		if (!strcmp(g->k[i].name, "pmi") && idx[i] && !p->c.kind->is_mediated)
			return 1;
	if (num(gpath, "seed", get(g, idx, "seed", "1"), 0, UINT64_MAX, &p->c.seed))
		return EXIT_BAD_INPUT;
	for (int i = 0; i < g->n; i++) {
		const char *k = g->k[i].name, *s = g->k[i].val[idx[i]];

		if (guest_param(gpath, k, s, &p->sc.guest) || host_param(gpath, k, s, &p->sc))
			return EXIT_BAD_INPUT;
		for (unsigned int m = 0; m < p->sc.nr_vms; m++)	/* every VM's guest too */
			if (guest_param(gpath, k, s, &p->sc.vm[m].guest))
				return EXIT_BAD_INPUT;
		json_object_set_new(p->params, k, json_string(s));
	}
	return 0;
}

static json_t *sweep_doc(const char *hash, u64 points, json_t *runs, const char *shard)
{
	json_t *d = json_object();

	json_object_set_new(d, "vpmu_version", json_string(VPMU_VERSION));
	json_object_set_new(d, "grid_hash", json_string(hash));
	json_object_set_new(d, "points", json_integer((json_int_t)points));
	if (shard)
		json_object_set_new(d, "shard", json_string(shard));
	json_object_set_new(d, "runs", runs);
	return d;
}

/* A point to run: built in order on the caller's thread, run on a job
 * thread (base/pool.h: only its own slot), its row made in order again. */
struct job {
	struct pt p;
	u64 k;
	bool skip;		/* a route for a vPMU without routing */
	struct sim_metrics m;
	int ret;
	char err[256];
};

static void run_job(void *ctx, size_t i)
{
	struct job *j = &((struct job *)ctx)[i];

	if (!j->skip)
		j->ret = sim__run(&j->p.c, &j->m, j->err, sizeof(j->err));
}

/* Point @k into @j (its sim_config pointing into @j); 0, 1 (skipped) or an
 * exit code. */
static int build_job(const char *gpath, const struct grid *g, u64 k, struct job *j)
{
	int idx[MAX_KEYS], ret;

	point(g, k, idx);
	j->k = k;
	j->p.params = json_object();
	ret = build(gpath, g, idx, &j->p);
	j->skip = ret == 1;
	if (ret) {
		json_decref(j->p.params);
		j->p.params = NULL;
	}
	return ret;
}

static void add_row(struct job *j, json_t *runs)
{
	struct sim_metrics *m = &j->m;
	const struct pt *p = &j->p;
	json_t *row;

	/* a failed run's metrics still name it (sim__run) */
	row = j->ret ? report__json_na(m, j->err, VPMU_VERSION) : report__json_row(m, VPMU_VERSION);
	json_object_set_new(row, "point", json_integer((json_int_t)j->k));
	json_object_set_new(row, "params", p->params);
	json_array_append_new(runs, row);
}

/* The points k = first, first + step, ... below @points, a window of them
 * at a time on @jobs threads, their rows in point order. */
static int run_points(const char *gpath, const struct grid *g, u64 first, u64 step, u64 points,
		      unsigned int jobs, json_t *runs, struct cli_progress *pg)
{
	size_t win = 4 * (size_t)jobs, n;
	struct job *j = calloc(win, sizeof(*j));
	int ret = 0;

	if (!j)
		return cli__fail(&sweep_me, "out of memory");
	for (u64 k = first; k < points && !ret;) {
		for (n = 0; n < win && k < points && !ret; k += step) {
			ret = build_job(gpath, g, k, &j[n]);
			if (ret == 1) {
				ret = 0;	/* skipped: no row */
				continue;
			}
			if (!ret)
				n++;
		}
		if (ret) {	/* bad input (printed): no document */
			for (size_t i = 0; i < n; i++)
				json_decref(j[i].p.params);
			break;
		}
		pool__run(jobs, n, run_job, j);
		for (size_t i = 0; i < n; i++, cli__progress_step(pg))
			add_row(&j[i], runs);
	}
	free(j);
	return ret;
}

int cmd_sweep(int argc, char **argv)
{
	static struct grid g;
	const char *v, *out = NULL, *gpath;
	unsigned int si = 1, sn = 1;
	bool sharded = false;
	char path[4096], shard[32];
	struct cli_progress pg;
	json_t *runs, *d;
	u64 points, n;
	unsigned int jobs = pool__cpus();
	int ret = 0;

	for (int k; (k = cli__next(&sweep_me, argc, argv, &v)) != CLI_END;) {
		if (k == CLI_HELP || k == CLI_ERR)
			return k == CLI_HELP ? 0 : EXIT_BAD_INPUT;
		if (k == 'o')
			out = v;
		else if (k == 'j') {
			if (cli__u64(&sweep_me, "jobs", v, 1, 64, &n))
				return EXIT_BAD_INPUT;
			jobs = (unsigned int)n;
		} else if (cli__shard(&sweep_me, "shard", v, &si, &sn))
			return EXIT_BAD_INPUT;
		else
			sharded = true;
	}
	if (optind + 1 != argc || !out)
		return cli__fail(&sweep_me, "expected one GRID file and --out DIR (vpmu sweep --help)");
	gpath = argv[optind];
	if ((ret = grid_load(gpath, &g)))
		return ret;
	points = nr_points(&g);
	runs = json_array();
	cli__progress_start(&pg, "sweep", (unsigned long)((points + sn - 1) / sn));
	ret = run_points(gpath, &g, si - 1, sn, points, jobs, runs, &pg);
	cli__progress_end(&pg);
	snprintf(shard, sizeof(shard), "%u/%u", si, sn);
	d = sweep_doc(g.hash, points, runs, sharded ? shard : NULL);
	if (sharded)
		snprintf(path, sizeof(path), "%s/sweep-%u-of-%u.json", out, si, sn);
	else
		snprintf(path, sizeof(path), "%s/sweep.json", out);
	if (!ret && (cli__mkdirs(&sweep_me, out) || cli__write_json(&sweep_me, path, d)))
		ret = EXIT_BAD_INPUT;
	json_decref(d);
	return ret;
}

static const struct cli_opt merge_opts[] = {
	{ "out", 'o', "FILE|-", "where to write the merged document (default -: stdout)" },
	{ 0 },
};
static const struct cli_cmd merge_me = {
	"merge", "[--out FILE|-] DIR...",
	"Merges the shard files (sweep-I-of-N.json) found in the DIRs into the document\n"
	"the unsharded sweep writes; refuses shards of different grids, duplicates and gaps.",
	merge_opts,
};

struct merge {
	json_t *shard[4097];
	unsigned int n;		/* N of every shard */
	const char *hash;
	json_int_t points;
};

static int merge_file(struct merge *mg, const char *path)
{
	json_error_t e;
	json_t *d = json_load_file(path, 0, &e);
	const char *hash, *sh;
	unsigned int i, n;
	json_int_t points;

	if (!d)
		return fprintf(stderr, "%s:%d:%d: error: %s\n", path, e.line, e.column, e.text),
		       EXIT_BAD_INPUT;
	if (json_unpack(d, "{s:s,s:I,s:s,s:o}", "grid_hash", &hash, "points", &points, "shard",
			&sh, "runs", &(json_t *){ NULL }) || sscanf(sh, "%u/%u", &i, &n) != 2 ||
	    !n || n > 4096 || !i || i > n) {
		json_decref(d);
		return fprintf(stderr, "%s: error: not a sweep shard (expected grid_hash, points, "
			       "shard \"I/N\" and runs)\n", path), EXIT_BAD_INPUT;
	}
	if (mg->n && (n != mg->n || strcmp(hash, mg->hash) || points != mg->points)) {
		json_decref(d);
		return fprintf(stderr, "%s: error: shard of another sweep (grid %s, %u shards; "
			       "expected grid %s, %u shards)\n", path, hash, n, mg->hash, mg->n),
		       EXIT_BAD_INPUT;
	}
	if (mg->shard[i]) {
		json_decref(d);
		return fprintf(stderr, "%s: error: shard %u/%u given twice\n", path, i, n),
		       EXIT_BAD_INPUT;
	}
	mg->shard[i] = d;
	mg->n = n;
	mg->hash = hash;
	mg->points = points;
	return 0;
}

static int merge_dir(struct merge *mg, const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort), ret = 0;

	if (n < 0)
		return fprintf(stderr, "%s: error: cannot read the directory: %s\n", dir,
			       strerror(errno)), EXIT_BAD_INPUT;
	for (int i = 0; i < n; i++) {
		unsigned int a, b;
		char tail[8] = "", path[4096];

		if (!ret && sscanf(ents[i]->d_name, "sweep-%u-of-%u.jso%1s", &a, &b, tail) == 3 &&
		    !strcmp(tail, "n") && strlen(ents[i]->d_name) < 40) {
			snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
			ret = merge_file(mg, path);
		}
		free(ents[i]);
	}
	free(ents);
	return ret;
}

static int by_point(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "point"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "point"));

	return x < y ? -1 : x > y;
}

static json_t *merged_runs(struct merge *mg)
{
	json_t *runs = json_array(), **all;
	size_t n = 0, cap = 0;

	for (unsigned int i = 1; i <= mg->n; i++)
		cap += json_array_size(json_object_get(mg->shard[i], "runs"));
	all = calloc(cap ? cap : 1, sizeof(*all));
	for (unsigned int i = 1; all && i <= mg->n; i++) {
		size_t k;
		json_t *r;

		json_array_foreach(json_object_get(mg->shard[i], "runs"), k, r)
			all[n++] = r;
	}
	if (all)
		qsort(all, n, sizeof(*all), by_point);
	for (size_t k = 0; all && k < n; k++)
		json_array_append(runs, all[k]);
	free(all);
	return runs;
}

int cmd_merge(int argc, char **argv)
{
	static struct merge mg;
	const char *v, *out = "-";
	int ret = 0;
	json_t *d;

	memset(&mg, 0, sizeof(mg));
	for (int k; (k = cli__next(&merge_me, argc, argv, &v)) != CLI_END;) {
		if (k == CLI_HELP || k == CLI_ERR)
			return k == CLI_HELP ? 0 : EXIT_BAD_INPUT;
		out = v;
	}
	if (optind >= argc)
		return cli__fail(&merge_me, "expected one or more DIRs of sweep shards");
	for (int i = optind; i < argc && !ret; i++)
		ret = merge_dir(&mg, argv[i]);
	for (unsigned int i = 1; !ret && i <= mg.n; i++)
		if (!mg.shard[i])
			ret = cli__fail(&merge_me, "shard %u/%u is missing (sweep-%u-of-%u.json)", i,
					mg.n, i, mg.n);
	if (!ret && !mg.n)
		ret = cli__fail(&merge_me, "no sweep-I-of-N.json files in the DIRs given");
	if (!ret) {
		d = sweep_doc(mg.hash, (u64)mg.points, merged_runs(&mg), NULL);
		ret = cli__write_json(&merge_me, out, d) ? EXIT_BAD_INPUT : 0;
		json_decref(d);
	}
	for (unsigned int i = 1; i <= 4096; i++)
		json_decref(mg.shard[i]);
	return ret;
}

/*
 * cli/cmd_compare.c - `vpmu compare [--scenario S]... [--cpu PROFILE]
 * [--policies LIST] [--pmi LIST] [--seed N] [--json FILE|-]`: the main job.
 * Each scenario (all built-in ones by default) under every vPMU kind, policy
 * and PMI routing asked for, one table row each; JSON is an array of the
 * runs' objects (docs/metrics.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "report/json.h"
#include "sim/run.h"

#define MAX_SCEN 16

struct cmp_opts {
	const char *scen[MAX_SCEN];
	int nr_scen;
	const char *cpu, *json;
	char policies[128], pmis[32];
	u64 seed;
	bool no_skip;
};

static int usage(FILE *f)
{
	fprintf(f, "usage: vpmu compare [--scenario NAME|FILE]... [--cpu PROFILE]\n"
		"                    [--policies irqoff,exit,vcpu,lazy] [--pmi vector,nmi]\n"
		"                    [--seed N] [--json FILE|-] [--no-skip-unchanged]\n");
	return f == stdout ? 0 : EXIT_BAD_INPUT;
}

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static void row(const struct sim_metrics *m)
{
	char kind[32];
	u64 iso = m->leaked_events + m->residue_reads + m->misattributed_pmis + m->lost_counts;

	snprintf(kind, sizeof(kind), "%s%s%s", m->vpmu, m->policy[0] != '-' ? ":" : "",
		 m->policy[0] != '-' ? m->policy : "");
	printf("%-18s %-16s %-6s %8.2f %7llu %7llu %7.2f %8llu %8llu", m->scenario, kind, m->pmi,
	       m->guest_overhead_pct, (unsigned long long)m->exit_latency_fastpath.p50,
	       (unsigned long long)m->exit_latency_full.p50, m->host_blind_pct,
	       (unsigned long long)m->host_irqoff.max, (unsigned long long)m->pmi_latency.p50);
	if (m->guest_count_error_pct >= 0)
		printf(" %7.2f", m->guest_count_error_pct);
	else
		printf(" %7s", "-");
	if (m->host_count_error_pct >= 0)
		printf(" %7.2f", m->host_count_error_pct);
	else
		printf(" %7s", "-");
	printf(" %5llu\n", (unsigned long long)iso);
}

static int parse(int argc, char **argv, struct cmp_opts *o)
{
	char *end;

	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--no-skip-unchanged")) {	/* a flag: no value */
			o->no_skip = true;
			i--;
			continue;
		}
		if (!val)
			return -1;
		if (!strcmp(a, "--scenario") && o->nr_scen < MAX_SCEN)
			o->scen[o->nr_scen++] = val;
		else if (!strcmp(a, "--cpu"))
			o->cpu = val;
		else if (!strcmp(a, "--json"))
			o->json = val;
		else if (!strcmp(a, "--policies"))
			snprintf(o->policies, sizeof(o->policies), "%s", val);
		else if (!strcmp(a, "--pmi"))
			snprintf(o->pmis, sizeof(o->pmis), "%s", val);
		else if (!strcmp(a, "--seed") && (o->seed = strtoull(val, &end, 0), !*end))
			;
		else
			return -1;
	}
	return 0;
}

static int run_scenario(const struct cmp_opts *o, const struct profile *prof,
			const struct scenario *sc, FILE *json, bool *first)
{
	static const struct kvm_vpmu_ops *const kinds[] = {
		&kvm_vpmu_emulated_ops, &kvm_vpmu_mediated_ops,
	};
	char err[256];

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (int p = 0; kvm_policies[p]; p++) {
			if (kinds[k]->is_mediated ? !in_list(o->policies, kvm_policies[p]->name) : p)
				continue;
			for (int r = 0; r < 2; r++) {
				struct sim_config c = { .prof = prof, .sc = sc, .kind = kinds[k],
					.policy = kvm_policies[p], .route = (enum kvm_pmi_route)r,
					.seed = o->seed, .no_skip = o->no_skip };
				struct sim_metrics m;

				if (!in_list(o->pmis, r ? "nmi" : "vector") || (r && !kinds[k]->is_mediated))
					continue;
				if (sim__run(&c, &m, err, sizeof(err))) {
					fprintf(stderr, "vpmu compare: %s: %s\n", sc->name, err);
					return EXIT_CHECK_FAILED;
				}
				row(&m);
				if (json) {
					fputs(*first ? "" : ",\n", json);
					report__json(json, &m, VPMU_VERSION);
					*first = false;
				}
			}
		}
	}
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	static struct profile prof;
	static struct scenario sc;
	struct cmp_opts o = { .cpu = "spr", .policies = "irqoff,exit,vcpu,lazy",
			      .pmis = "vector", .seed = 1 };
	FILE *json = NULL;
	bool first = true, all;
	struct diag d;
	char msg[1024];
	int ret = 0;

	if (argc == 2 && !strcmp(argv[1], "--help"))
		return usage(stdout);
	if (parse(argc, argv, &o))
		return usage(stderr);
	all = !o.nr_scen;
	if (!o.nr_scen)
		for (const struct embedded_file *b = scenario_builtin; b->name && o.nr_scen < MAX_SCEN; b++)
			o.scen[o.nr_scen++] = b->name;
	if (profile__load(o.cpu, &prof, &d)) {
		diag__format(&d, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		return EXIT_BAD_INPUT;
	}
	if (o.json && !(json = strcmp(o.json, "-") ? fopen(o.json, "w") : stdout)) {
		fprintf(stderr, "vpmu compare: cannot write %s\n", o.json);
		return EXIT_BAD_INPUT;
	}
	if (json)
		fputs("[\n", json);
	printf("profile %s, seed %llu; latencies and irqs-off in cycles, blind and errors in %%\n",
	       prof.name, (unsigned long long)o.seed);
	printf("%-18s %-16s %-6s %8s %7s %7s %7s %8s %8s %7s %7s %5s\n", "scenario", "vpmu", "pmi",
	       "overhead", "fast50", "full50", "blind", "irqoff", "pmi-lat", "g-err", "h-err",
	       "iso");
	for (int i = 0; i < o.nr_scen && !ret; i++) {
		if (scenario__load(o.scen[i], &sc, &d)) {
			diag__format(&d, msg, sizeof(msg));
			fprintf(stderr, "%s\n", msg);
			ret = EXIT_BAD_INPUT;
			break;
		}
		if (sc.not_in_compare && all)
			continue;	/* a micro-benchmark: only when named */
		ret = run_scenario(&o, &prof, &sc, json, &first);
	}
	if (json) {
		fputs("]\n", json);
		if (json != stdout)
			fclose(json);
	}
	return ret;
}

/*
 * cli/cmd_run.c - `vpmu run --scenario S --vpmu KIND[:POLICY] [--pmi vector|nmi]
 * [--cpu PROFILE] [--seed N] [--json FILE|-]`: one experiment, its metrics
 * as text or JSON (docs/metrics.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "report/json.h"
#include "sim/run.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: vpmu run --scenario NAME|FILE --vpmu none|emulated|mediated[:POLICY]\n"
		"                [--pmi vector|nmi] [--cpu PROFILE] [--seed N] [--json FILE|-]\n"
		"                [--no-skip-unchanged]\n"
		"  --no-skip-unchanged: the mediated load writes every counter, even one that\n"
		"                       already holds its value (as before v5 43/44)\n"
		"  policies: irqoff (default), exit, vcpu, lazy (vpmu list policies)\n");
	return f == stdout ? 0 : EXIT_BAD_INPUT;
}

static int load_inputs(const char *scen, const char *cpu, struct scenario *sc,
		       struct profile *prof)
{
	struct diag d;
	char msg[1024];

	if (scenario__load(scen, sc, &d) || profile__load(cpu, prof, &d)) {
		diag__format(&d, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		return EXIT_BAD_INPUT;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static struct scenario sc;
	static struct profile prof;
	struct sim_config c = { .route = PMI_ROUTE_VECTOR, .seed = 1 };
	struct sim_metrics m;
	const char *scen = NULL, *cpu = "spr", *json = NULL, *vpmu = "mediated";
	char err[256], *end;
	int ret;

	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help"))
			return usage(stdout);
		if (!strcmp(a, "--no-skip-unchanged")) {	/* a flag: no value */
			c.no_skip = true;
			i--;
			continue;
		}
		if (!val)
			return usage(stderr);
		if (!strcmp(a, "--scenario"))
			scen = val;
		else if (!strcmp(a, "--vpmu"))
			vpmu = val;
		else if (!strcmp(a, "--cpu"))
			cpu = val;
		else if (!strcmp(a, "--json"))
			json = val;
		else if (!strcmp(a, "--seed") && (c.seed = strtoull(val, &end, 0), !*end))
			;
		else if (!strcmp(a, "--pmi") && !cli__parse_route(val, &c.route))
			;
		else
			return usage(stderr);
	}
	if (!scen || cli__parse_vpmu(vpmu, &c.kind, &c.policy)) {
		fprintf(stderr, "vpmu run: expected --scenario and --vpmu none|emulated|mediated[:POLICY]\n");
		return usage(stderr);
	}
	if ((ret = load_inputs(scen, cpu, &sc, &prof)))
		return ret;
	c.sc = &sc;
	c.prof = &prof;
	if (sim__run(&c, &m, err, sizeof(err))) {
		fprintf(stderr, "vpmu run: %s\n", err);
		return EXIT_CHECK_FAILED;
	}
	if (!json) {
		report__run_text(stdout, &m);
		return 0;
	}
	if (!strcmp(json, "-"))
		return report__json(stdout, &m, VPMU_VERSION) ? EXIT_BAD_INPUT : 0;
	FILE *f = fopen(json, "w");

	if (!f || report__json(f, &m, VPMU_VERSION)) {
		fprintf(stderr, "vpmu run: cannot write %s\n", json);
		if (f)
			fclose(f);
		return EXIT_BAD_INPUT;
	}
	fclose(f);
	return 0;
}

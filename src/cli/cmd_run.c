/*
 * cli/cmd_run.c - `vpmu run --scenario S --vpmu KIND[:POLICY] [--pmi ROUTE]
 * [--cpu PROFILE] [--seed N] [--json FILE|-]`: one experiment; its metrics
 * as text with a perf-kvm-stat table of its exits, or as JSON
 * (docs/metrics.md). --pmi applies to the mediated vPMU only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "report/json.h"
#include "report/kvm_stat.h"
#include "sim/run.h"

enum { O_SCEN = 's', O_VPMU = 'v', O_PMI = 'p', O_CPU = 'c', O_SEED = 'S', O_JSON = 256,
       O_NOSKIP };

static const struct cli_opt opts[] = {
	{ "scenario", O_SCEN, "NAME|FILE", "the scenario (vpmu list scenarios, or a .ini file)" },
	{ "vpmu", O_VPMU, "KIND[:POLICY]", "none, emulated or mediated[:irqoff|exit|vcpu|lazy]" },
	{ "pmi", O_PMI, "ROUTE", "vector or nmi (mediated only; default vector)" },
	{ "cpu", O_CPU, "PROFILE", "the cost profile (default spr)" },
	{ "seed", O_SEED, "N", "the seed, 0 to 2^64-1 (default 1)" },
	{ "json", O_JSON, "FILE|-", "the metrics as one JSON object instead of text" },
	{ "no-skip-unchanged", O_NOSKIP, NULL, "mediated: the load writes every counter, even "
	  "one that already holds its value (as before v6 34/44)" },
	{ 0 },
};

static const struct cli_cmd me = {
	"run", "--scenario NAME|FILE --vpmu KIND[:POLICY] [options]",
	"Runs one scenario under one vPMU and prints its metrics (DESIGN.md section 8)\n"
	"and a perf-kvm-stat table of its exits.", opts,
};

static int load_inputs(const char *scen, const char *cpu, struct scenario *sc,
		       struct profile *prof)
{
	struct diag d;

	if (scenario__load(scen, sc, &d))
		return cli__load_error(&me, "scenario", scen, scenario_builtin, "scenario", &d);
	if (profile__load(cpu, prof, &d))
		return cli__load_error(&me, "cpu", cpu, profile_builtin, "profile", &d);
	return cli__check_name(scen, sc);
}

static int parse(int argc, char **argv, struct sim_config *c, const char **scen,
		 const char **cpu, const char **json)
{
	const char *v, *pmi = NULL;
	bool kind = false;

	for (int k; (k = cli__next(&me, argc, argv, &v)) != CLI_END;) {
		switch (k) {
		case CLI_HELP: return -1;
		case CLI_ERR: return EXIT_BAD_INPUT;
		case O_SCEN: *scen = v; break;
		case O_CPU: *cpu = v; break;
		case O_JSON: *json = v; break;
		case O_NOSKIP: c->no_skip = true; break;
		case O_VPMU:
			if (cli__parse_vpmu(&me, v, &c->kind, &c->policy))
				return EXIT_BAD_INPUT;
			kind = true;
			break;
		case O_PMI:
			if (cli__parse_route(&me, v, &c->route))
				return EXIT_BAD_INPUT;
			pmi = v;
			break;
		case O_SEED:
			if (cli__u64(&me, "seed", v, 0, UINT64_MAX, &c->seed))
				return EXIT_BAD_INPUT;
			break;
		}
	}
	if (optind < argc)
		return cli__fail(&me, "unexpected argument '%s'", argv[optind]);
	if (!*scen || !kind)
		return cli__fail(&me, "missing %s%s%s (vpmu run --help)", !*scen ? "--scenario" : "",
				 !*scen && !kind ? " and " : "", !kind ? "--vpmu" : "");
	if (pmi && !c->kind->is_mediated)
		return cli__fail(&me, "--pmi %s: PMI routing applies to the mediated vPMU only, "
				 "not to --vpmu %s", pmi, c->kind->name);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static struct scenario sc;
	static struct profile prof;
	struct sim_config c = { .route = PMI_ROUTE_VECTOR, .seed = 1 };
	static struct sim_metrics m;
	static struct sim_host_report host;	/* large: keep it off the stack */
	const char *scen = NULL, *cpu = "spr", *json = NULL;
	char err[256];
	int ret;

	if ((ret = parse(argc, argv, &c, &scen, &cpu, &json)))
		return ret < 0 ? 0 : ret;
	if ((ret = load_inputs(scen, cpu, &sc, &prof)))
		return ret;
	c.sc = &sc;
	c.prof = &prof;
	if (scenario__is_host(&sc))
		c.host_report = &host;
	if (sim__run(&c, &m, err, sizeof(err))) {
		fprintf(stderr, "vpmu run: n/a: %s\n", err);
		return EXIT_CHECK_FAILED;
	}
	if (!json) {
		report__run_text(stdout, &m);
		putchar('\n');
		report__kvm_stat(stdout, &m, prof.core_mhz);
		return 0;
	}
	struct cli_out o;

	if (cli__out_open(&o, json))
		return cli__fail(&me, "cannot write %s: %s", json, strerror(errno));
	if (cli__out_close(&o, !(c.host_report ?
				 report__json_host_dump(o.f, &m, c.host_report, VPMU_VERSION) :
				 report__json(o.f, &m, VPMU_VERSION))))
		return cli__fail(&me, "cannot write %s", json);
	return 0;
}

/*
 * cli/cmd_guest.c - `vpmu guest [-q|--summary] PROGRAM.vpmu...`
 *
 * Parses every program first, so one malformed file stops the run before
 * anything executes (exit 2). Then runs each on the simulated bare-metal
 * core and prints each expectation's result, ending with the line
 * "N passed, N failed"; exit 0 only when nothing failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "input/profile.h"
#include "input/vpmu_parse.h"
#include "report/host_perf.h"

enum verbosity { V_ALL, V_QUIET, V_SUMMARY };

struct report {
	enum verbosity v;
	const char *cpu;		/* --cpu, or NULL: by the program's vendor */
	bool in_vm;
	struct prog_vm vm;
};

static void on_check(void *ctx, const struct prog_check *c)
{
	const struct report *r = ctx;

	if (r->v != V_ALL && c->passed)
		return;
	if (r->v == V_SUMMARY)
		return;
	printf("%s:%u:%u: %s %s%s%s\n", c->prog->path, c->op->line, c->op->col,
	       c->passed ? "ok  " : "FAIL", c->op->text, c->passed ? "" : ": ",
	       c->passed ? "" : c->detail);
}

static void describe_pmu(const struct hw_pmu_config *p, char *buf, size_t len)
{
	if (p->vendor == HW_VENDOR_AMD)
		snprintf(buf, len, "amd %s%s gp=%u", p->amd_core ? "core" : "legacy",
			 p->amd_perfmon_v2 ? " perfmon_v2" : "", p->nr_gp);
	else
		snprintf(buf, len, "intel v%u gp=%u fixed=%u%s%s", p->version, p->nr_gp,
			 p->nr_fixed, p->fw_writes ? " fw_writes" : "",
			 p->metrics ? " metrics" : "");
}

enum { O_QUIET = 'q', O_SUMMARY = 256, O_CPU = 'c', O_VPMU = 'v', O_PMI = 'p' };

static const struct cli_opt opts[] = {
	{ "quiet", O_QUIET, NULL, "print failures and a line per file" },
	{ "summary", O_SUMMARY, NULL, "print a line per file" },
	{ "cpu", O_CPU, "PROFILE", "the cost profile (vpmu list profiles, or a .ini file; "
	  "default: default, and in a VM spr for Intel guests, zen4 for AMD ones)" },
	{ "vpmu", O_VPMU, "KIND[:POLICY]", "run each program as a KVM guest with that vPMU" },
	{ "pmi", O_PMI, "ROUTE", "vector or nmi (mediated only; default vector)" },
	{ 0 },
};

static const struct cli_cmd me = {
	"guest", "[options] PROGRAM.vpmu...",
	"Runs each program on the simulated bare-metal core (or as a KVM guest with --vpmu);\n"
	"prints every expectation and then 'N passed, N failed'. Format: docs/guest-programs.md",
	opts,
};

/* The cost profile: --cpu, or for a VM the host that can run the guest
 * (spr for Intel guests, zen4 for AMD ones), or the built-in default. */
static int load_profile(const struct report *r, const struct prog *p, struct profile *prof)
{
	const char *name = r->cpu ? r->cpu : !r->in_vm ? "default" :
			   p->pmu.vendor == HW_VENDOR_AMD ? "zen4" : "spr";
	struct diag d;

	if (!profile__load(name, prof, &d))
		return 0;
	return cli__load_error(&me, "cpu", name, profile_builtin, "profile", &d);
}

static int run_all(struct prog **progs, int n, struct report *r)
{
	static struct profile prof;
	unsigned int passed = 0, failed = 0;

	for (int i = 0; i < n; i++) {
		struct prog_result res;
		char err[200], shape[96];
		struct prog_costs costs = { &prof.hw, &prof.perf, &prof.kvm };

		if (load_profile(r, progs[i], &prof))
			return EXIT_BAD_INPUT;
		r->vm.host_pmu = &prof.pmu;
		if (prog__run(progs[i], &costs, r->in_vm ? &r->vm : NULL, on_check, r, &res,
			      err, sizeof(err))) {
			fprintf(stderr, "%s: error: %s\n", progs[i]->path, err);
			return EXIT_BAD_INPUT;
		}
		if (res.skipped) {
			if (r->v != V_ALL)
				printf("%s: skipped (it applies elsewhere: its 'only' line)\n",
				       progs[i]->path);
			continue;
		}
		passed += res.passed;
		failed += res.failed;
		if (r->v == V_ALL)
			report__host_perf(stdout, &res);
		describe_pmu(&progs[i]->pmu, shape, sizeof(shape));
		if (r->v != V_ALL)
			printf("%s: %u passed, %u failed (%s)\n", progs[i]->path, res.passed,
			       res.failed, shape);
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? EXIT_CHECK_FAILED : 0;
}

static int parse(int argc, char **argv, struct report *r)
{
	const char *v, *pmi = NULL;

	for (int k; (k = cli__next(&me, argc, argv, &v)) != CLI_END;) {
		switch (k) {
		case CLI_HELP: return -1;
		case CLI_ERR: return EXIT_BAD_INPUT;
		case O_QUIET: r->v = V_QUIET; break;
		case O_SUMMARY: r->v = V_SUMMARY; break;
		case O_CPU: r->cpu = v; break;
		case O_VPMU:
			r->in_vm = true;
			if (cli__parse_vpmu(&me, v, &r->vm.kind, &r->vm.policy))
				return EXIT_BAD_INPUT;
			break;
		case O_PMI:
			if (cli__parse_route(&me, v, &r->vm.route))
				return EXIT_BAD_INPUT;
			pmi = v;
			break;
		}
	}
	if (pmi && (!r->in_vm || !r->vm.kind->is_mediated))
		return cli__fail(&me, "--pmi %s: PMI routing applies to the mediated vPMU only "
				 "(--vpmu mediated[:POLICY])", pmi);
	return 0;
}

int cmd_guest(int argc, char **argv)
{
	static struct report r;
	struct prog **progs;
	int n = 0, ret = 0;

	r = (struct report){ .v = V_ALL, .vm = { .policy = kvm_policies[0] } };
	progs = calloc((size_t)argc, sizeof(*progs));
	if (!progs)
		return EXIT_BAD_INPUT;
	ret = parse(argc, argv, &r);
	for (int i = optind; i < argc && !ret; i++) {
		struct diag d;
		char msg[1024];

		if (vpmu_parse__file(argv[i], &progs[n], &d)) {
			diag__format(&d, msg, sizeof(msg));
			fprintf(stderr, "%s\n", msg);
			ret = EXIT_BAD_INPUT;
		} else {
			n++;
		}
	}
	if (!ret && !n)
		ret = cli__fail(&me, "no PROGRAM.vpmu given (vpmu guest --help)");
	if (!ret)
		ret = run_all(progs, n, &r);
	for (int i = 0; i < n; i++)
		prog__free(progs[i]);
	free(progs);
	return ret < 0 ? 0 : ret;
}

/*
 * cli/cmd_list.c - `vpmu list profiles|scenarios|policies|exit-reasons|
 * vendors|events`: the built-in tables.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "hw/events.h"
#include "hw/pmu.h"
#include "input/perf_spec.h"
#include "input/profile.h"
#include "input/scenario.h"
#include "kvm/exits.h"
#include "kvm/vcpu.h"

static const struct cli_opt opts[] = { { 0 } };
static const struct cli_cmd me = {
	"list", "profiles|scenarios|policies|exit-reasons|vendors|events",
	"Lists a built-in table: the cost profiles, the scenarios, the mediated policies,\n"
	"the exit reasons (VMX name, code, SVM name, path), the PMU vendors, or the event\n"
	"names that host perf specifications accept.", opts,
};

static const char *const what[] = { "profiles", "scenarios", "policies", "exit-reasons",
				    "vendors", "events", NULL };

int cmd_list(int argc, char **argv)
{
	const char *v;

	for (int k; (k = cli__next(&me, argc, argv, &v)) != CLI_END;)
		return k == CLI_HELP ? 0 : EXIT_BAD_INPUT;
	if (optind + 1 != argc)
		return cli__fail(&me, "expected one of profiles, scenarios, policies, "
				 "exit-reasons, vendors, events");
	if (cli__choice(&me, "list", argv[optind], what, "table") < 0)
		return EXIT_BAD_INPUT;
	argv += optind - 1;
	argc = 2;
	if (argc == 2 && !strcmp(argv[1], "vendors")) {
		printf("%s\n%s\n", hw_pmu_intel_ops.name, hw_pmu_amd_ops.name);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "profiles")) {
		for (const struct embedded_file *b = profile_builtin; b->name; b++)
			printf("%-10s %s\n", b->name, b->path);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "scenarios")) {
		for (const struct embedded_file *b = scenario_builtin; b->name; b++) {
			struct scenario sc;
			struct diag d;

			if (!scenario__parse(b->path, b->text, &sc, &d))
				printf("%-20s %s\n", sc.name, sc.about);
		}
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "policies")) {
		for (int i = 0; kvm_policies[i]; i++)
			printf("%-8s %s\n", kvm_policies[i]->name, kvm_policies[i]->what);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "exit-reasons")) {
		static const char *const path[] = { "-", "fastpath", "full", "userspace" };

		printf("%-20s %5s %-9s  %-26s %5s %-9s  %s\n", "VMX", "code", "path", "SVM",
		       "code", "path", "retires");
		for (int r = 0; r < EXIT_NR; r++) {
			const struct kvm_exit_info *x = &kvm_exits[r];

			printf("%-20s %5u %-9s  %-26s %#5x %-9s  %s\n", x->vmx, x->vmx_code,
			       path[x->vmx_path], x->svm ? x->svm : "-", x->svm_code,
			       path[x->svm_path],
			       x->retires ? "yes" : "no");
		}
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "events")) {	/* as host perf specs name them */
		for (unsigned int i = 0; perf_spec__event_name(i); i++)
			printf("%s\n", perf_spec__event_name(i));
		printf("rHEX\n");
		return 0;
	}
	return EXIT_BAD_INPUT;
}

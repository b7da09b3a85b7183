/*
 * cli/cmd_list.c - `vpmu list profiles|scenarios|policies|exit-reasons|
 * vendors|events`: the built-in tables.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "hw/events.h"
#include "hw/pmu.h"
#include "input/profile.h"
#include "input/scenario.h"
#include "kvm/exits.h"
#include "kvm/vcpu.h"

int cmd_list(int argc, char **argv)
{
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
	if (argc == 2 && !strcmp(argv[1], "events")) {
		for (int e = 0; e < HW_EV_NR; e++)
			printf("%s\n", hw_event__name((enum hw_event)e));
		return 0;
	}
	fprintf(stderr, "usage: vpmu list profiles|scenarios|policies|exit-reasons|vendors|events\n");
	return EXIT_BAD_INPUT;
}

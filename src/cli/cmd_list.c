/*
 * cli/cmd_list.c - `vpmu list profiles|vendors|events`: the built-in tables.
 *
 * profiles, scenarios, policies and exit-reasons join this list with the
 * layers that define them.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "hw/events.h"
#include "hw/pmu.h"
#include "input/profile.h"

int cmd_list(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "vendors")) {
		printf("%s\n%s\n", hw_pmu_intel_ops.name, hw_pmu_amd_ops.name);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "profiles")) {
		for (const struct profile_source *b = profile_builtin; b->name; b++)
			printf("%-10s %s\n", b->name, b->path);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "events")) {
		for (int e = 0; e < HW_EV_NR; e++)
			printf("%s\n", hw_event__name((enum hw_event)e));
		return 0;
	}
	fprintf(stderr, "usage: vpmu list profiles|vendors|events\n");
	return EXIT_BAD_INPUT;
}

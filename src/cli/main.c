/*
 * cli/main.c - `vpmu <command> [args]`: dispatch through the commands table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "hw/cpu.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "guest", cmd_guest, "run guest programs (.vpmu) and check their expectations" },
	{ "compare", cmd_compare, "every scenario under every vPMU kind and policy: the main job" },
	{ "check", cmd_check, "check isolation: leaks, residue, misattributed PMIs, lost counts" },
	{ "replay", cmd_replay, "replay real KVM exit traces and tables under every vPMU and policy" },
	{ "run", cmd_run, "run one scenario under one vPMU kind and policy; its metrics" },
	{ "validate", cmd_validate, "write docs/validation.md: the model beside published figures" },
	{ "list", cmd_list, "list profiles, scenarios, policies, exit reasons, events" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vpmu <command> [args]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nvpmu <command> --help for a command's options; "
		"docs/guest-programs.md for the program format.\n");
}

int main(int argc, char **argv)
{
	const char *engine = getenv("VPMU_ENGINE");

	/* VPMU_ENGINE=reference: the straightforward counting engine
	 * (hw/cpu_ref.c), for checking that outputs do not depend on it */
	if (engine && !strcmp(engine, "reference"))
		hw_cpu__set_default_engine(HW_ENGINE_REFERENCE);
	if (argc < 2) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vpmu %s\n", VPMU_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vpmu: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_BAD_INPUT;
}

/*
 * cli/main.c - `vpmu <command> [args]`: dispatch through the commands
 * table; `vpmu -h`, `vpmu help [COMMAND]`, `vpmu --version`.
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
	{ "compare", cmd_compare, "every scenario under every vPMU kind, policy, route: the main job" },
	{ "run", cmd_run, "one scenario under one vPMU kind and policy; its metrics" },
	{ "guest", cmd_guest, "run guest programs (.vpmu) and check their expectations" },
	{ "check", cmd_check, "check isolation: leaks, residue, misattributed PMIs, lost counts" },
	{ "replay", cmd_replay, "replay real KVM exit traces and tables under every vPMU and policy" },
	{ "validate", cmd_validate, "write docs/validation.md: the model beside published figures" },
	{ "sweep", cmd_sweep, "run a parameter grid (or one shard of it) into a directory" },
	{ "merge", cmd_merge, "merge sweep shards into the unsharded sweep's document" },
	{ "list", cmd_list, "list profiles, scenarios, policies, exit reasons, events" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vpmu <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n`vpmu <command> --help` (or `vpmu help <command>`) for its options; "
		"`man vpmu` for all.\n"
		"exit codes: 0 success, 1 a check or expectation failed, 2 bad usage or input.\n");
}

static int unknown(const char *name)
{
	const char *names[sizeof(commands) / sizeof(commands[0]) + 1];
	const char *near;

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		names[i] = commands[i].name;
	names[sizeof(commands) / sizeof(commands[0])] = NULL;
	near = cli__near(name, names);
	fprintf(stderr, "vpmu: unknown command '%s'%s%s%s\n", name,
		near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
	usage(stderr);
	return EXIT_BAD_INPUT;
}

int main(int argc, char **argv)
{
	char help[] = "--help", *hargv[] = { NULL, help, NULL };
	const char *engine = getenv("VPMU_ENGINE");

	/* VPMU_ENGINE=reference: the straightforward counting engine
	 * (hw/cpu_ref.c), for checking that outputs do not depend on it */
	if (engine && !strcmp(engine, "reference"))
		hw_cpu__set_default_engine(HW_ENGINE_REFERENCE);
	if (argc < 2) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vpmu %s\n", VPMU_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {	/* vpmu help CMD = vpmu CMD --help */
		hargv[0] = argv[2];
		argv = hargv;
		argc = 2;
	} else {
		argv++;
		argc--;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[0], commands[i].name))
			return commands[i].fn(argc, argv);
	return unknown(argv[0]);
}

/*
 * cli/replay_out.h - what `vpmu replay` prints: the inputs' exits per vCPU
 * and reason (--counts), and the replay's metrics per run (text or JSON).
 */
#ifndef VPMU__CLI_REPLAY_OUT_H
#define VPMU__CLI_REPLAY_OUT_H

#include <stdio.h>

#include "cli/cli.h"
#include "input/trace_mix.h"

struct replay_opts {
	const char *const *paths;
	int nr_paths;
	const char *cpu, *json, *scenario;
	const struct trace_reader_ops *ops;	/* NULL: detect each input */
	long kinds, policies, routes;	/* bit masks over cli_kind_names, cli_policy_names,
					   cli_route_names (cli.h) */
	u64 seed;
	u32 guest_ns;		/* guest time between exits where the input has none */
	bool skip_bad, counts, no_trace_costs, stats;
	bool host;		/* all vCPUs on one host (sim_replay__host) */
	unsigned int pcpus;	/* its pCPUs (0: one a vCPU) */
	unsigned int jobs;	/* threads for the runs (1: the caller's only) */
};

/* Per reason (all vCPUs), then per vCPU, then the notes. Returns 0. */
int replay_out__counts(FILE *f, const struct replay_opts *o, const struct trace_mix *m);
/* Replay @m under every chosen kind, policy and route; an exit code. The
 * JSON file (--json) is written whole or not at all. */
int replay_out__run(const struct cli_cmd *c, const struct replay_opts *o,
		    const struct trace_mix *m);

#endif /* VPMU__CLI_REPLAY_OUT_H */

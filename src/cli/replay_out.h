/*
 * cli/replay_out.h - what `vpmu replay` prints: the inputs' exits per vCPU
 * and reason (--counts), and the replay's metrics per run (text or JSON).
 */
#ifndef VPMU__CLI_REPLAY_OUT_H
#define VPMU__CLI_REPLAY_OUT_H

#include <stdio.h>

#include "input/trace_mix.h"

struct replay_opts {
	const char *const *paths;
	int nr_paths;
	const char *format, *vpmu, *policies, *pmi, *cpu, *json, *scenario;
	const struct trace_reader_ops *ops;	/* NULL: detect each input */
	unsigned long long seed;
	u32 guest_ns;		/* guest time between exits where the input has none */
	bool skip_bad, counts, no_trace_costs, stats;
};

/* Per reason (all vCPUs), then per vCPU, then the notes. Returns 0. */
int replay_out__counts(FILE *f, const struct replay_opts *o, const struct trace_mix *m);
/* Replay @m under every chosen kind, policy and route; an exit code. */
int replay_out__run(const struct replay_opts *o, const struct trace_mix *m);

#endif /* VPMU__CLI_REPLAY_OUT_H */

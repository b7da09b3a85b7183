/*
 * cli/cmd_replay.c - `vpmu replay TRACE... [--format F] [--vpmu LIST]
 * [--policies LIST] [--pmi LIST] [--cpu P] [--seed N] [--skip-bad]
 * [--counts] [--guest-us N] [--json FILE|-]`: the user's own KVM exit
 * traces and tables (docs/replay.md) replayed on the host model under every
 * vPMU kind, mediated policy and PMI route, or with --counts only read
 * and counted (per vCPU, per reason, as the input has them).
 *
 * Exit codes: 0, 1 (a run failed), 2 (bad usage or a malformed input:
 * file:line:column and what was expected).
 */
#include <getopt.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/replay_out.h"
#include "input/trace_mix.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: vpmu replay TRACE... [--format auto|ftrace|trace-cmd|perf-script|dat|"
		"kvm-stat|bcc|bpftrace]\n"
		"                   [--vpmu LIST] [--policies LIST] [--pmi LIST] [--cpu PROFILE]\n"
		"                   [--scenario S] [--seed N] [--guest-us N] [--no-trace-costs]\n"
		"                   [--skip-bad] [--counts] [--stats] [--json FILE|-]\n"
		"  --counts     read the inputs and print their exits per vCPU and reason\n"
		"  --vpmu       none,emulated,mediated (default: all three)\n"
		"  --policies   mediated policies (default: irqoff,exit,vcpu,lazy)\n"
		"  --pmi        vector,nmi (default: both)\n"
		"  --cpu        cost profile (default: zen4 for an SVM input, else spr)\n"
		"  --scenario   guest PMU use, host perf and tasks (its exit rates are replaced\n"
		"               by the input's; default slice-of-hardware)\n"
		"  --no-trace-costs  handler costs from the profile, not the input's latencies\n"
		"  --guest-us   guest time between exits where the input has none (tables;\n"
		"               default 20)\n"
		"  --skip-bad   count and report malformed lines instead of stopping\n"
		"  --stats      print the peak resident memory on stderr at the end\n");
	return f == stdout ? 0 : EXIT_BAD_INPUT;
}

enum { OPT_FORMAT = 256, OPT_VPMU, OPT_POLICIES, OPT_PMI, OPT_CPU, OPT_SEED, OPT_SKIP,
       OPT_COUNTS, OPT_JSON, OPT_GUEST_US, OPT_HELP, OPT_SCENARIO, OPT_NO_COSTS, OPT_STATS };

static const struct option options[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "vpmu", required_argument, NULL, OPT_VPMU },
	{ "policies", required_argument, NULL, OPT_POLICIES },
	{ "pmi", required_argument, NULL, OPT_PMI },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "no-trace-costs", no_argument, NULL, OPT_NO_COSTS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "guest-us", required_argument, NULL, OPT_GUEST_US },
	{ "skip-bad", no_argument, NULL, OPT_SKIP },
	{ "counts", no_argument, NULL, OPT_COUNTS },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int parse_num(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	*v = strtoull(s, &end, 0);
	return *s && !*end && *v <= max ? 0 : -1;
}

static int parse_args(int argc, char **argv, struct replay_opts *o)
{
	unsigned long long v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			o->format = optarg;
			break;
		case OPT_VPMU:
			o->vpmu = optarg;
			break;
		case OPT_POLICIES:
			o->policies = optarg;
			break;
		case OPT_PMI:
			o->pmi = optarg;
			break;
		case OPT_CPU:
			o->cpu = optarg;
			break;
		case OPT_SEED:
			if (parse_num(optarg, ~0ULL, &o->seed))
				return -1;
			break;
		case OPT_GUEST_US:
			if (parse_num(optarg, 1000000, &v) || !v)
				return -1;
			o->guest_ns = (u32)(v * 1000);
			break;
		case OPT_SCENARIO:
			o->scenario = optarg;
			break;
		case OPT_NO_COSTS:
			o->no_trace_costs = true;
			break;
		case OPT_SKIP:
			o->skip_bad = true;
			break;
		case OPT_COUNTS:
			o->counts = true;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_HELP:
			return 1;
		default:
			return -1;
		}
	}
	o->paths = (const char *const *)argv + optind;
	o->nr_paths = argc - optind;
	return o->nr_paths > 0 ? 0 : -1;
}

static int read_inputs(struct replay_opts *o, struct trace_mix *m)
{
	struct diag d;
	char msg[1024];

	if (o->format && strcmp(o->format, "auto") && !(o->ops = trace__format(o->format))) {
		fprintf(stderr, "vpmu replay: unknown --format '%s'\n", o->format);
		return usage(stderr);
	}
	if (trace_mix__read(m, o->paths, o->nr_paths, o->ops, o->skip_bad, !o->counts, &d)) {
		diag__format(&d, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		return EXIT_BAD_INPUT;
	}
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	static struct trace_mix m;
	struct replay_opts o = { .seed = 1, .guest_ns = 20000, .scenario = "slice-of-hardware",
				 .vpmu = "none,emulated,mediated",
				 .policies = "irqoff,exit,vcpu,lazy", .pmi = "vector,nmi" };
	int ret = parse_args(argc, argv, &o);

	if (ret)
		return usage(ret > 0 ? stdout : stderr);
	if ((ret = read_inputs(&o, &m))) {
		trace_mix__free(&m);
		return ret;
	}
	if (o.counts)
		ret = replay_out__counts(stdout, &o, &m);
	else
		ret = replay_out__run(&o, &m);
	trace_mix__free(&m);
	if (o.stats) {
		struct rusage ru;

		if (!getrusage(RUSAGE_SELF, &ru))
			fprintf(stderr, "vpmu replay: peak RSS %ld KB\n", ru.ru_maxrss);
	}
	return ret;
}

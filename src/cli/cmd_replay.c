/*
 * cli/cmd_replay.c - `vpmu replay TRACE... [options]`: the user's own KVM
 * exit traces and tables (docs/replay.md) replayed on the host model under
 * every vPMU kind, mediated policy and PMI route, or with --counts only
 * read and counted (per vCPU, per reason, as the input has them). Options
 * go through the shared option layer (args.c); the inputs are read once,
 * and every configuration is fed from what that read kept.
 *
 * Exit codes: 0, 1 (a run failed, or a replay did not take exactly the
 * input's exits), 2 (bad usage or a malformed input: file:line:column and
 * what was expected).
 */
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/pool.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "cli/replay_out.h"
#include "input/trace_mix.h"

enum { O_FORMAT = 'f', O_VPMU = 'v', O_CPU = 'c', O_SCEN = 's', O_SEED = 'S', O_POL = 256,
       O_PMI, O_SKIP, O_COUNTS, O_JSON, O_GUEST_US, O_NO_COSTS, O_STATS, O_HOST, O_PCPUS,
       O_JOBS = 'j' };

static const struct cli_opt opts[] = {
	{ "format", O_FORMAT, "FORMAT", "auto (default), ftrace, trace-cmd, perf-script, dat, "
	  "kvm-stat, bcc or bpftrace" },
	{ "counts", O_COUNTS, NULL, "only read the inputs: their exits per vCPU and reason" },
	{ "vpmu", O_VPMU, "LIST", "vPMU kinds: none,emulated,mediated (default all three)" },
	{ "policies", O_POL, "LIST", "mediated policies (default irqoff,exit,vcpu,lazy)" },
	{ "pmi", O_PMI, "LIST", "PMI routes for the mediated vPMU (default vector,nmi)" },
	{ "cpu", O_CPU, "PROFILE", "the cost profile (default zen4 for an SVM input, else spr)" },
	{ "scenario", O_SCEN, "NAME|FILE", "the guest's PMU use, host perf and tasks (default "
	  "slice-of-hardware)" },
	{ "seed", O_SEED, "N", "the seed, 0 to 2^64-1 (default 1)" },
	{ "guest-us", O_GUEST_US, "N", "guest time before each exit of a table, 1 to 1000000 "
	  "(default 20)" },
	{ "no-trace-costs", O_NO_COSTS, NULL, "handler costs from the profile, not the input's "
	  "latencies" },
	{ "skip-bad", O_SKIP, NULL, "count and report malformed lines instead of stopping" },
	{ "json", O_JSON, "FILE|-", "the runs as one JSON document (-: stdout, the text to stderr)" },
	{ "jobs", O_JOBS, "N", "run the replays on N threads, 1 to 64 (default: the processors "
	  "online); the output does not depend on it" },
	{ "stats", O_STATS, NULL, "print the peak resident memory on stderr at the end" },
	{ "host", O_HOST, NULL, "all vCPUs at once on one host (one pCPU each, pinned), not each "
	  "on a machine of its own" },
	{ "pcpus", O_PCPUS, "N", "with --host: N pCPUs, 1 to 64 (fewer than vCPUs: time-sliced, "
	  "migrating)" },
	{ 0 },
};

static const struct cli_cmd me = {
	"replay", "TRACE... [options]",
	"Reads KVM exit traces (ftrace text, trace-cmd report, perf script, trace.dat) and\n"
	"tables (perf kvm stat, bcc kvmexit, bpftrace kvmexits.bt), and replays each vCPU's\n"
	"exits on the host model under every vPMU kind, policy and PMI route asked for.\n"
	"The scenario's exit rates are replaced by the input's; every run is checked to take\n"
	"exactly the input's exits per vCPU and reason.",
	opts,
};

static const char *const format_names[] = {
	"auto", "ftrace", "trace-cmd", "perf-script", "dat", "kvm-stat", "bcc", "bpftrace", NULL,
};

static int parse_value(struct replay_opts *o, int k, const char *v)
{
	u64 n;

	switch (k) {
	case O_FORMAT:
		if (cli__choice(&me, "format", v, format_names, "trace format") < 0)
			return -1;
		o->ops = strcmp(v, "auto") ? trace__format(v) : NULL;
		return 0;
	case O_VPMU:
		return (o->kinds = cli__list(&me, "vpmu", v, cli_kind_names, "vPMU kind")) < 0 ? -1 : 0;
	case O_POL:
		return (o->policies = cli__list(&me, "policies", v, cli_policy_names, "policy")) < 0 ?
		       -1 : 0;
	case O_PMI:
		return (o->routes = cli__list(&me, "pmi", v, cli_route_names, "PMI route")) < 0 ?
		       -1 : 0;
	case O_SEED:
		return cli__u64(&me, "seed", v, 0, UINT64_MAX, &o->seed);
	case O_PCPUS:
		if (cli__u64(&me, "pcpus", v, 1, 64, &n))
			return -1;
		o->pcpus = (unsigned int)n;
		o->host = true;
		return 0;
	case O_JOBS:
		if (cli__u64(&me, "jobs", v, 1, 64, &n))
			return -1;
		o->jobs = (unsigned int)n;
		return 0;
	case O_GUEST_US:
		if (cli__u64(&me, "guest-us", v, 1, 1000000, &n))
			return -1;
		o->guest_ns = (u32)(n * 1000);
		return 0;
	}
	return -1;
}

/* 0, 1 (--help printed) or -1 (the error printed). */
static int parse_args(int argc, char **argv, struct replay_opts *o)
{
	const char *v;

	for (int k; (k = cli__next(&me, argc, argv, &v)) != CLI_END;) {
		switch (k) {
		case CLI_HELP: return 1;
		case CLI_ERR: return -1;
		case O_CPU: o->cpu = v; break;
		case O_SCEN: o->scenario = v; break;
		case O_JSON: o->json = v; break;
		case O_NO_COSTS: o->no_trace_costs = true; break;
		case O_SKIP: o->skip_bad = true; break;
		case O_COUNTS: o->counts = true; break;
		case O_STATS: o->stats = true; break;
		case O_HOST: o->host = true; break;
		default:
			if (parse_value(o, k, v))
				return -1;
		}
	}
	o->paths = (const char *const *)argv + optind;
	o->nr_paths = argc - optind;
	if (!o->nr_paths)
		return cli__fail(&me, "no input; expected one or more TRACE files (see --help)"), -1;
	return 0;
}

static int read_inputs(const struct replay_opts *o, struct trace_mix *m)
{
	struct diag d;
	char msg[1024];

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
				 .kinds = 7, .policies = 15, .routes = 3, .jobs = pool__cpus() };
	int ret = parse_args(argc, argv, &o);

	if (ret)
		return ret > 0 ? 0 : EXIT_BAD_INPUT;
	if ((ret = read_inputs(&o, &m))) {
		trace_mix__free(&m);
		return ret;
	}
	if (o.counts)
		ret = replay_out__counts(stdout, &o, &m);
	else
		ret = replay_out__run(&me, &o, &m);
	trace_mix__free(&m);
	if (o.stats) {
		struct rusage ru;

		if (!getrusage(RUSAGE_SELF, &ru))
			fprintf(stderr, "vpmu replay: peak RSS %ld KB\n", ru.ru_maxrss);
	}
	return ret;
}

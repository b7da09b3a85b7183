/*
 * cli/cmd_check.c - `vpmu check --isolation [--cpu PROFILE] [--seeds N |
 * --seed N]` (seeds 1..N, or only seed N to reproduce a reported difference):
 * random guests and host perf sessions under every vPMU kind, policy and
 * PMI routing, checked against ground truth (sim/isolation.h); a table per
 * combination of the guest reads compared with a shadow bare-metal PMU and
 * the differences found, by kind; exit 1 if any is not zero, under either
 * PMI routing (a PMI that skids past a load or put is NMI routing's known
 * flaw, which --interleavings shows; at the profiles' skid none does).
 */
#include <stdio.h>
#include <string.h>

#include "cli/output.h"
#include "sim/interleave.h"
#include "sim/isolation.h"

#define MAX_SEEDS 100000UL

enum { O_ISO = 'i', O_ILV = 'I', O_CPU = 'c', O_SEEDS = 'n', O_SEED = 'S' };

static const struct cli_opt opts[] = {
	{ "isolation", O_ISO, NULL, "random guests and host perf under every vPMU kind, policy, route" },
	{ "interleavings", O_ILV, NULL, "every interleaving of host events with the mediated switch" },
	{ "cpu", O_CPU, "PROFILE", "the cost profile (default spr; --interleavings: spr or zen4, "
	  "default both)" },
	{ "seeds", O_SEEDS, "N", "--isolation: seeds 1..N, N from 1 to 100000 (default 16)" },
	{ "seed", O_SEED, "N", "--isolation: only seed N (1 to 100000), to reproduce a difference" },
	{ 0 },
};

static const struct cli_cmd me = {
	"check", "--isolation [--cpu PROFILE] [--seeds N | --seed N] | --interleavings [--cpu spr|zen4]",
	"Checks the vPMUs against ground truth: --isolation with random guests and host\n"
	"perf sessions, --interleavings with every placement of a host PMI, guest overflow\n"
	"or host timer in the mediated switch; exit 1 if a difference is found (NMI\n"
	"routing's PMI differences are reported, not failed).",
	opts,
};

static void print_row(const struct iso_row *row, bool mediated)
{
	char name[32];

	snprintf(name, sizeof(name), "%s%s%s", row->kind->name, mediated ? ":" : "",
		 mediated ? row->policy->name : "");
	if (row->unsupported) {
		printf("%-16s %-6s  (the host cannot run this vPMU)\n", name,
		       row->route ? "nmi" : "vector");
		return;
	}
	printf("%-16s %-6s %4u %6llu %5llu %5llu %5llu %5llu %6llu %6llu %5llu %4llu %4llu %4llu %6llu\n",
	       name, row->route ? "nmi" : "vector", row->runs, (unsigned long long)row->reads,
	       (unsigned long long)row->gp_reads, (unsigned long long)row->fixed_reads,
	       (unsigned long long)row->diff[SIM_DIFF_OVER],
	       (unsigned long long)row->diff[SIM_DIFF_UNDER],
	       (unsigned long long)row->diff[SIM_DIFF_STATUS],
	       (unsigned long long)row->diff[SIM_DIFF_CONFIG],
	       (unsigned long long)row->diff[SIM_DIFF_FAULT],
	       (unsigned long long)(row->diff[SIM_DIFF_PMI_LOST] + row->diff[SIM_DIFF_PMI_SPURIOUS]),
	       (unsigned long long)row->host_over, (unsigned long long)row->host_under,
	       (unsigned long long)row->misattributed_pmis);
	if (sim__isolation_failures(row))
		printf("  first: %s\n", row->first);
}

static int check_isolation(const struct profile *prof, unsigned int first, unsigned int seeds)
{
	bool bad = false;
	char err[256];

	printf("%-16s %-6s %4s %6s %5s %5s %5s %5s %6s %6s %5s %4s %4s %4s %6s\n", "vpmu", "pmi",
	       "runs", "reads", "gp", "fixed", "over", "under", "status", "config", "fault", "pmi",
	       "hover", "hund", "misatt");
	for (int k = 0; k < 2; k++) {
		for (int p = 0; kvm_policies[p] && (k == 1 || p == 0); p++) {
			for (int route = 0; route < 2 && (k == 1 || route == 0); route++) {
				struct iso_row row = {
					.kind = k ? &kvm_vpmu_mediated_ops : &kvm_vpmu_emulated_ops,
					.policy = kvm_policies[p], .route = (enum kvm_pmi_route)route,
					.first_seed = first,
				};

				if (sim__isolation_row(prof, seeds, &row, err, sizeof(err))) {
					fprintf(stderr, "vpmu check: %s\n", err);
					return EXIT_BAD_INPUT;
				}
				print_row(&row, k);
				bad |= sim__isolation_failures(&row) != 0;
			}
		}
	}
	printf("isolation on %s: %s\n", prof->name, bad ? "FAILED" : "passed");
	return bad ? EXIT_CHECK_FAILED : 0;
}

/* --interleavings: every policy and routing of the mediated vPMU on an
 * Intel and an AMD profile (or only --cpu's). */
static int check_interleavings(const char *only)
{
	static const char *const cpus[] = { "spr", "zen4" };
	static struct profile prof;
	u64 explored = 0;
	bool bad = false;
	struct diag d;
	char err[256];

	printf("%-6s %-8s %-6s %4s %8s %7s %8s %8s %8s %8s\n", "cpu", "policy", "pmi", "ops",
	       "explored", "unreach", "hostpmi", "guestovf", "timer", "misatt");
	for (int c = 0; c < 2; c++) {
		if (only && strcmp(only, cpus[c]))
			continue;
		if (profile__load(cpus[c], &prof, &d))
			return EXIT_BAD_INPUT;
		for (int p = 0; kvm_policies[p]; p++) {
			for (int route = 0; route < 2; route++) {
				struct ilv_row row = { .kind = &kvm_vpmu_mediated_ops,
						       .policy = kvm_policies[p],
						       .route = (enum kvm_pmi_route)route };
				u64 fails = 0, mis = 0;

				if (sim__interleavings(&prof, &row, err, sizeof(err))) {
					fprintf(stderr, "vpmu check: %s\n", err);
					return EXIT_BAD_INPUT;
				}
				for (int e = 0; e < ILV_NR; e++) {
					fails += row.failed[e];
					mis += row.misattributed[e];
				}
				printf("%-6s %-8s %-6s %4u %8llu %7llu %8llu %8llu %8llu %8llu\n",
				       cpus[c], row.policy->name, route ? "nmi" : "vector", row.ops,
				       (unsigned long long)row.explored,
				       (unsigned long long)row.unreachable,
				       (unsigned long long)row.failed[ILV_HOST_PMI],
				       (unsigned long long)row.failed[ILV_GUEST_OVERFLOW],
				       (unsigned long long)row.failed[ILV_HOST_TIMER],
				       (unsigned long long)mis);
				if (fails || row.alone_fails)
					printf("  first: %s\n", row.first);
				explored += row.explored;
				bad |= fails || row.alone_fails;
			}
		}
	}
	printf("interleavings explored: %llu; %s\n", (unsigned long long)explored,
	       bad ? "FAILED" : "passed (misattributions under NMI routing are that "
	       "routing's known flaw)");
	return bad ? EXIT_CHECK_FAILED : 0;
}

/* The modes asked for and their options. Another mode: a flag here, an
 * option above, a branch in cmd_check. */
struct check_opts {
	bool isolation, interleavings, cpu_set;
	const char *cpu;
	u64 seeds, first;
};

static int parse(int argc, char **argv, struct check_opts *o)
{
	static const char *const ilv_cpus[] = { "spr", "zen4", NULL };
	const char *v;

	for (int k; (k = cli__next(&me, argc, argv, &v)) != CLI_END;) {
		switch (k) {
		case CLI_HELP: return -1;
		case CLI_ERR: return EXIT_BAD_INPUT;
		case O_ISO: o->isolation = true; break;
		case O_ILV: o->interleavings = true; break;
		case O_CPU: o->cpu = v; o->cpu_set = true; break;
		case O_SEEDS:
			if (cli__u64(&me, "seeds", v, 1, MAX_SEEDS, &o->seeds))
				return EXIT_BAD_INPUT;
			break;
		case O_SEED:
			if (cli__u64(&me, "seed", v, 1, MAX_SEEDS, &o->first))
				return EXIT_BAD_INPUT;
			o->seeds = 1;
			break;
		}
	}
	if (optind < argc)
		return cli__fail(&me, "unexpected argument '%s'", argv[optind]);
	if (o->isolation == o->interleavings)
		return cli__fail(&me, "expected one mode: --isolation or --interleavings");
	if (o->interleavings && o->cpu_set &&
	    cli__choice(&me, "cpu", o->cpu, ilv_cpus, "profile for --interleavings") < 0)
		return EXIT_BAD_INPUT;
	return 0;
}

int cmd_check(int argc, char **argv)
{
	static struct profile prof;
	struct check_opts o = { .cpu = "spr", .seeds = 16, .first = 1 };
	struct diag d;
	int ret;

	if ((ret = parse(argc, argv, &o)))
		return ret < 0 ? 0 : ret;
	if (o.interleavings)
		return check_interleavings(o.cpu_set ? o.cpu : NULL);
	if (profile__load(o.cpu, &prof, &d))
		return cli__load_error(&me, "cpu", o.cpu, profile_builtin, "profile", &d);
	return check_isolation(&prof, (unsigned int)o.first, (unsigned int)o.seeds);
}

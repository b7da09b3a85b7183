/*
 * cli/cmd_check.c - `vpmu check --isolation [--cpu PROFILE] [--seeds N |
 * --seed N]` (seeds 1..N, or only seed N to reproduce a reported difference):
 * random guests and host perf sessions under every vPMU kind, policy and
 * PMI routing, checked against ground truth (sim/isolation.h); a table per
 * combination of the guest reads compared with a shadow bare-metal PMU and
 * the differences found, by kind; exit 1 if any is not zero - except the
 * PMI differences of NMI routing, which are that routing's known flaw (a
 * PMI that skids past a load or put cannot be told apart) and are
 * reported, not failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sim/interleave.h"
#include "sim/isolation.h"

#define MAX_SEEDS 100000UL

static int usage(FILE *f)
{
	fprintf(f, "usage: vpmu check --isolation [--cpu PROFILE] [--seeds N | --seed N] "
		"(N in 1..%lu)\n"
		"       vpmu check --interleavings [--cpu spr|zen4]\n", MAX_SEEDS);
	return f == stdout ? 0 : EXIT_BAD_INPUT;
}

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
	printf("isolation on %s: %s\n", prof->name, bad ? "FAILED" :
	       "passed (PMI differences under NMI routing are that routing's known flaw)");
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

static bool parse_seeds(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return s[0] >= '0' && s[0] <= '9' && !*end && !errno && *out >= 1 && *out <= MAX_SEEDS;
}

int cmd_check(int argc, char **argv)
{
	static struct profile prof;
	const char *cpu = "spr";
	unsigned long seeds = 16, first = 1;
	bool iso = false, ilv = false, cpu_set = false;
	struct diag d;
	char err[256];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--isolation")) {
			iso = true;
		} else if (!strcmp(argv[i], "--interleavings")) {
			ilv = true;
		} else if (!strcmp(argv[i], "--cpu") && i + 1 < argc) {
			cpu = argv[++i];
			cpu_set = true;
		} else if (!strcmp(argv[i], "--seeds") && i + 1 < argc) {
			if (!parse_seeds(argv[++i], &seeds)) {
				fprintf(stderr, "vpmu check: --seeds: expected a whole number "
					"1..%lu, got '%s'\n", MAX_SEEDS, argv[i]);
				return EXIT_BAD_INPUT;
			}
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			if (!parse_seeds(argv[++i], &first)) {
				fprintf(stderr, "vpmu check: --seed: expected a whole number "
					"1..%lu, got '%s'\n", MAX_SEEDS, argv[i]);
				return EXIT_BAD_INPUT;
			}
			seeds = 1;
		} else {
			return usage(!strcmp(argv[i], "--help") ? stdout : stderr);
		}
	}
	if (ilv && !iso)
		return check_interleavings(cpu_set ? cpu : NULL);
	if (!iso || ilv)
		return usage(stderr);
	if (profile__load(cpu, &prof, &d)) {
		diag__format(&d, err, sizeof(err));
		fprintf(stderr, "%s\n", err);
		return EXIT_BAD_INPUT;
	}
	return check_isolation(&prof, (unsigned int)first, (unsigned int)seeds);
}

/*
 * cli/replay_out.c - see replay_out.h. Reason names are printed as the
 * input spelled them, beside the model reason each maps to; rows are in
 * the order of first appearance in the input (deterministic).
 */
#include <string.h>

#include "cli/cli.h"
#include "cli/replay_out.h"

static void reason_row(FILE *f, const struct trace_mix *m, u32 k, u64 n, u64 lat_sum,
		       u64 lat_n)
{
	const struct trace_name *nm = &m->names[k];

	fprintf(f, "  %-28s %-24s %10llu", nm->name, exit_names__model_name(nm->model),
		(unsigned long long)n);
	if (lat_n)
		fprintf(f, " %12.3f", (double)lat_sum / (double)lat_n / 1000.0);
	else
		fprintf(f, " %12s", "-");
	fprintf(f, "%s\n", nm->exit ? "" : "  (not in the exit table)");
}

int replay_out__counts(FILE *f, const struct replay_opts *o, const struct trace_mix *m)
{
	(void)o;
	fprintf(f, "inputs: %d (%s)\n", o->nr_paths, m->formats);
	fprintf(f, "exits: %llu in %u vCPU(s); %llu returns to userspace, %llu nested exits "
		"(not counted as exits)\n", (unsigned long long)m->exits, m->nr_vcpus,
		(unsigned long long)m->userspace, (unsigned long long)m->nested);
	fprintf(f, "\n  %-28s %-24s %10s %12s\n", "reason", "model reason", "exits",
		"mean_lat_us");
	for (u32 k = 0; k < m->nr_names; k++) {
		u64 n = 0, ls = 0, ln = 0;

		for (u32 i = 0; i < m->nr_vcpus; i++) {
			n += m->vcpus[i].count[k];
			ls += m->vcpus[i].lat_sum[k];
			ln += m->vcpus[i].lat_n[k];
		}
		reason_row(f, m, k, n, ls, ln);
	}
	for (u32 i = 0; i < m->nr_vcpus; i++) {
		const struct trace_vcpu *v = &m->vcpus[i];

		fprintf(f, "\n%s: %llu exits, %llu to userspace\n", v->label,
			(unsigned long long)v->exits, (unsigned long long)v->userspace);
		for (u32 k = 0; k < m->nr_names; k++)
			if (v->count[k])
				reason_row(f, m, k, v->count[k], v->lat_sum[k], v->lat_n[k]);
	}
	if (*m->notes)
		fprintf(f, "\nnotes:\n%s", m->notes);
	return 0;
}

int replay_out__run(const struct replay_opts *o, const struct trace_mix *m)
{
	(void)o;
	(void)m;
	fprintf(stderr, "vpmu replay: the replay itself is not built yet; use --counts\n");
	return EXIT_CHECK_FAILED;
}

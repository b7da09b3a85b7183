/*
 * report/host_perf.c - see host_perf.h.
 *
 * Columns: the raw count, the count scaled by enabled/running as perf stat
 * prints it, the ground truth (every event in the event's modes while it
 * was enabled), the scaled count's error against it, the share of enabled
 * time the event spent on a counter, and for perf record the samples and
 * where they landed.
 */
#include <string.h>

#include "report/host_perf.h"

const char *report__grouped(unsigned long long v, char *buf, size_t len)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%llu", v), o = 0;

	for (int i = 0; i < n && (size_t)o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = 0;
	return buf;
}

static void row(FILE *f, const struct prog_host_event *h)
{
	char a[32], b[32], c[32];
	double err = h->v.truth ? 100.0 * ((double)h->scaled - (double)h->v.truth) /
				  (double)h->v.truth : 0.0;
	double run = h->v.enabled ? 100.0 * (double)h->v.running / (double)h->v.enabled : 0.0;

	fprintf(f, "  %15s %15s %15s ", report__grouped(h->v.count, a, sizeof(a)),
		report__grouped(h->scaled, b, sizeof(b)),
		h->has_truth ? report__grouped(h->v.truth, c, sizeof(c)) : "n/a");
	if (h->has_truth && h->v.truth)
		fprintf(f, "%+8.2f%% ", err);
	else
		fprintf(f, "%9s ", "");
	fprintf(f, "%7.2f%%  %s%s (line %u)\n", run, h->name,
		h->state == PERF_STATE_ERROR ? " <error: pinned, no counter>" : "", h->line);
	if (h->record)
		fprintf(f, "  %15s samples: %llu (%s%llu: host user %llu, host kernel %llu, "
			"guest %llu)\n", "", (unsigned long long)h->samples,
			h->samples_kept < h->samples ? "the first " : "of ",
			(unsigned long long)h->samples_kept,
			(unsigned long long)h->samples_by_mode[0][1],
			(unsigned long long)h->samples_by_mode[0][0],
			(unsigned long long)(h->samples_by_mode[1][0] + h->samples_by_mode[1][1]));
}

void report__host_perf(FILE *f, const struct prog_result *res)
{
	char a[32];

	if (!res->nr_host)
		return;
	fprintf(f, "host perf: %d event%s, %llu host NMIs, %llu rotations, %s cycles in perf "
		"of %s\n", res->nr_host, res->nr_host == 1 ? "" : "s",
		(unsigned long long)res->host_nmis, (unsigned long long)res->host_rotations,
		report__grouped(res->host_overhead_cycles, a, sizeof(a)),
		report__grouped(res->cycles, (char[32]){ 0 }, 32));
	fprintf(f, "  %15s %15s %15s %9s %8s  %s\n", "counted", "scaled", "ground truth",
		"error", "running", "event");
	for (int i = 0; i < res->nr_host; i++)
		row(f, &res->host[i]);
}

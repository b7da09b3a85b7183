/*
 * report/compare.h - the main job's output: per scenario, a table of every
 * configuration (vPMU kind, policy, PMI route) that fits 80 columns (or a
 * wide one), its legend with units, and a verdict in words and numbers;
 * the same rows as CSV. Rows that could not run are "n/a: reason" rows.
 *
 * Units: cycles for latencies and stretches, percent for overhead,
 * blindness and count errors; counts are plain integers. Text groups
 * thousands with ','; CSV and JSON never do. '-' marks a figure that does
 * not apply (no PMI route for the emulated vPMU, no PMIs, no guest or host
 * perf to have a count error).
 */
#ifndef VPMU__REPORT_COMPARE_H
#define VPMU__REPORT_COMPARE_H

#include <stdio.h>

#include "sim/run.h"

struct report_row {
	struct sim_metrics m;	/* identity always; metrics when ok */
	bool ok;
	char reason[200];	/* !ok: why it could not run */
};

/* The configuration as "kind[:policy]". */
const char *report__config(const struct sim_metrics *m, char *buf, size_t len);
/* What is wrong with a row, as flag letters (L leaks, R residue reads,
 * M misattributed PMIs, C lost counts, D PMIs a masked LVTPC dropped); "" when clean. */
const char *report__flags(const struct sim_metrics *m, char *buf, size_t len);
/* A row that ran and neither leaks, nor reads residue, nor misattributes
 * PMIs, nor loses counts (flags L, R, M, C; D is shown, not held against
 * it): what the verdict may call a best. */
bool report__is_safe(const struct report_row *r);

/* The rows of one scenario (all with the same m.scenario). */
/* @seed: the first seed; @seeds > 1: the rows are each configuration's median
 * run over seeds @seed .. @seed + @seeds - 1 (the header says so). */
void report__compare_table(FILE *f, const struct report_row *rows, int n, bool wide,
			   u64 seed, unsigned int seeds);
void report__compare_legend(FILE *f, bool wide);
void report__compare_verdict(FILE *f, const struct report_row *rows, int n);

void report__csv_header(FILE *f);
void report__csv_row(FILE *f, const struct report_row *r);

#endif /* VPMU__REPORT_COMPARE_H */

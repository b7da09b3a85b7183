/*
 * report/json.h - metrics as JSON (jansson), with the field names of
 * DESIGN.md section 8 and the run's identity (scenario, vpmu, policy, pmi,
 * cpu, seed, vpmu_version). Every field is listed in man/vpmu.1 (JSON
 * FIELDS) and docs/metrics.md; a test checks the two against each other.
 *
 * Percentages are rounded to 1/100; every other number is an integer
 * count of cycles or events. Strings that are not valid UTF-8 (a scenario
 * file's name) have each bad byte replaced by U+FFFD, so no key vanishes.
 */
#ifndef VPMU__REPORT_JSON_H
#define VPMU__REPORT_JSON_H

#include <jansson.h>
#include <stdio.h>

#include "sim/host.h"
#include "sim/run.h"

/* One run's object ("status": "ok"). */
json_t *report__json_row(const struct sim_metrics *m, const char *version);
/* A configuration that could not run: its identity, "status": "n/a", "reason". */
json_t *report__json_na(const struct sim_metrics *id, const char *reason, const char *version);
/* Pretty-printed, keys in insertion order, a final newline; 0 or -1. */
int report__json_dump(FILE *f, const json_t *doc);
/* Write one run's metrics (report__json_row, dumped); returns 0 or -1. */
int report__json(FILE *f, const struct sim_metrics *m, const char *version);
/* A host scenario's run (sim/host.h): the row with the host's totals, and
 * arrays "vcpus", "vms" and "pcpus" of their own metrics. */
json_t *report__json_host(const struct sim_metrics *m, const struct sim_host_report *r,
			  const char *version);
int report__json_host_dump(FILE *f, const struct sim_metrics *m,
			   const struct sim_host_report *r, const char *version);
/* A short text summary of one run. */
void report__run_text(FILE *f, const struct sim_metrics *m);
/* The offset of the first byte of @s that is not valid UTF-8, or -1. */
long report__utf8_bad(const char *s);

#endif /* VPMU__REPORT_JSON_H */

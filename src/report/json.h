/*
 * report/json.h - metrics as JSON (jansson), with the field names of
 * DESIGN.md section 8 and the run's identity (scenario, vpmu, policy, pmi,
 * cpu, seed, vpmu_version). Documented in docs/metrics.md.
 */
#ifndef VPMU__REPORT_JSON_H
#define VPMU__REPORT_JSON_H

#include <stdio.h>

#include "sim/run.h"

/* Write one run's metrics; returns 0 or -1. */
int report__json(FILE *f, const struct sim_metrics *m, const char *version);
/* A short text table of one run. */
void report__run_text(FILE *f, const struct sim_metrics *m);

#endif /* VPMU__REPORT_JSON_H */

/*
 * report/host_perf.h - the host perf sessions of a guest program, printed
 * as perf stat / perf report would summarise them, beside the ground truth.
 */
#ifndef VPMU__REPORT_HOST_PERF_H
#define VPMU__REPORT_HOST_PERF_H

#include <stdio.h>

#include "guest/program.h"

void report__host_perf(FILE *f, const struct prog_result *res);
/* @v with thousands separators into @buf. */
const char *report__grouped(unsigned long long v, char *buf, size_t len);

#endif /* VPMU__REPORT_HOST_PERF_H */

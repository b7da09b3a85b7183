/*
 * report/kvm_stat.h - one run's exits as `perf kvm stat report` prints
 * them (tools/perf/builtin-kvm.c print_result; research/exits-costs.md
 * 1.5): per exit reason Samples, Samples%, Time%, Min Time, Max Time and
 * Avg time with "( +- N% )", the relative standard error of the mean as
 * perf's rel_stddev_stats gives it (100 * sd / sqrt(n) / mean), in
 * microseconds at the profile's core clock; rows by samples, descending;
 * then the "Total Samples" footer. A time is VM-exit to the next VM-entry.
 * Reasons are named as perf names them (kvm_exits[].vmx, or .svm on AMD),
 * so TSC-deadline writes pool into MSR_WRITE (msr) as they do in perf.
 */
#ifndef VPMU__REPORT_KVM_STAT_H
#define VPMU__REPORT_KVM_STAT_H

#include <stdio.h>

#include "kvm/exits.h"
#include "sim/run.h"

void report__kvm_stat(FILE *f, const struct sim_metrics *m, unsigned int core_mhz);

#endif /* VPMU__REPORT_KVM_STAT_H */

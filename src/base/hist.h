/*
 * base/hist.h - a sample set with exact percentiles: every value is kept
 * (a growing array) and sorted when a percentile is asked for. Runs keep at
 * most a few million samples, so this stays small and exact.
 */
#ifndef VPMU__BASE_HIST_H
#define VPMU__BASE_HIST_H

#include "base/util.h"

struct hist {
	u64 *v;
	size_t n, cap;
	bool sorted;
	u64 sum, max;
};

int hist__add(struct hist *h, u64 value);
/* The p-th percentile (0..100) by nearest rank; 0 for an empty set. */
u64 hist__percentile(struct hist *h, unsigned int p);
void hist__free(struct hist *h);

#endif /* VPMU__BASE_HIST_H */

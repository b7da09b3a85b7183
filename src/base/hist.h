/*
 * base/hist.h - an exact histogram: each distinct value with its count, so
 * percentiles are exact (nearest rank, as if every sample were kept and
 * sorted) and memory is O(distinct values), not O(samples). A run's
 * latencies take a few hundred distinct values at most however many exits
 * it has.
 *
 * Invariants: n is the number of samples added and the sum of the counts;
 * bins is an open-addressing table of cap slots (a power of two, at most
 * half full); a slot with count 0 is empty; last, when set, is a slot of
 * bins with a count (a run of equal latencies skips the probe).
 */
#ifndef VPMU__BASE_HIST_H
#define VPMU__BASE_HIST_H

#include "base/util.h"

struct hist_bin {
	u64 value, count;
};

struct hist {
	struct hist_bin *bins;
	size_t cap, distinct;
	struct hist_bin *sorted;	/* the distinct values in order, once asked */
	bool is_sorted;
	struct hist_bin *last;		/* the slot of the value added last (or NULL) */
	u64 n, sum, max;
};

/* @value @n times (n >= 1). */
int hist__add_n(struct hist *h, u64 value, u64 n);

/* One sample; the value added last again (a run of equal latencies) is
 * counted here, without the call. */
static inline int hist__add(struct hist *h, u64 value)
{
	if (!h->last || h->last->value != value)
		return hist__add_n(h, value, 1);
	h->last->count++;
	h->is_sorted = false;
	h->n++;
	h->sum += value;	/* max holds: value was added before */
	return 0;
}
/* Every sample of @from into @to (a host's vCPUs into one set). */
int hist__merge(struct hist *to, const struct hist *from);
/* The p-th percentile (0..100) by nearest rank; 0 for an empty set. */
u64 hist__percentile(struct hist *h, unsigned int p);
/* The @n percentiles @p[0..n) (ascending, each 0..100) into @out, in one
 * walk: each what hist__percentile() gives. */
void hist__percentiles(struct hist *h, const unsigned int *p, size_t n, u64 *out);
void hist__free(struct hist *h);

#endif /* VPMU__BASE_HIST_H */

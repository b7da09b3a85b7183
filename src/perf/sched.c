/*
 * perf/sched.c - assigning events to counters under constraints.
 *
 * Linux's x86 scheduler (perf_assign_events) first keeps every event on
 * its previous counter when that still works (the fast path), then places
 * events in order of constraint weight, lightest first, fixed counters
 * before general-purpose ones. That greedy pass can miss an assignment
 * when constraints overlap (perf retries with limited backtracking for the
 * "overlap" constraints it knows about). Here the greedy pass is followed,
 * when it fails, by a maximum bipartite matching (augmenting paths), so an
 * assignment is found whenever one exists; tests/unit/test_sched.c checks
 * that against exhaustive search.
 */
#include <string.h>

#include "perf/internal.h"

static bool try_keep_previous(const u64 *constraint, const int *prev, int n, int *assign)
{
	u64 used = 0;

	for (int i = 0; i < n; i++) {
		if (prev[i] < 0 || !(constraint[i] & BIT_ULL(prev[i])) ||
		    (used & BIT_ULL(prev[i])))
			return false;
		used |= BIT_ULL(prev[i]);
		assign[i] = prev[i];
	}
	return true;
}

/* Lightest constraints first; among equal weights, creation order (an
 * insertion sort, so stable; each weight counted once). */
static void order_by_weight(const u64 *constraint, int n, int *order)
{
	unsigned int w[PERF_MAX_EVENTS];

	for (int i = 0; i < n; i++) {
		order[i] = i;
		w[i] = popcount64(constraint[i]);
	}
	for (int i = 1; i < n; i++) {
		int v = order[i], j = i;

		while (j > 0 && w[order[j - 1]] > w[v]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
}

/* Fixed counters (32..47) and metric slots (48..) first, then GP from 0. */
static int pick(u64 avail)
{
	if (avail >> HW_FIXED_BASE)
		return HW_FIXED_BASE + __builtin_ctzll(avail >> HW_FIXED_BASE);
	return avail ? __builtin_ctzll(avail) : -1;
}

static bool greedy(const u64 *constraint, int n, int *assign)
{
	int order[PERF_MAX_EVENTS];
	u64 used = 0;

	order_by_weight(constraint, n, order);
	for (int k = 0; k < n; k++) {
		int i = order[k], idx = pick(constraint[i] & ~used);

		if (idx < 0)
			return false;
		assign[i] = idx;
		used |= BIT_ULL(idx);
	}
	return true;
}

/* Kuhn's augmenting path from event @i; owner[idx] = event or -1. */
static bool augment(const u64 *constraint, int i, int *owner, u64 *seen)
{
	for (u64 m = constraint[i] & ~*seen; m; m &= m - 1) {
		int idx = __builtin_ctzll(m);

		*seen |= BIT_ULL(idx);
		if (owner[idx] < 0 || augment(constraint, owner[idx], owner, seen)) {
			owner[idx] = i;
			return true;
		}
	}
	return false;
}

static bool matching(const u64 *constraint, int n, int *assign)
{
	int owner[PERF_NR_IDX];

	for (int idx = 0; idx < PERF_NR_IDX; idx++)
		owner[idx] = -1;
	for (int i = 0; i < n; i++) {
		u64 seen = 0;

		if (!augment(constraint, i, owner, &seen))
			return false;
	}
	for (int idx = 0; idx < PERF_NR_IDX; idx++)
		if (owner[idx] >= 0)
			assign[owner[idx]] = idx;
	return true;
}

int perf_sched__assign(const u64 *constraint, const int *prev, int n, int *assign)
{
	if (n > PERF_MAX_EVENTS)
		return -1;
	if (try_keep_previous(constraint, prev, n, assign) || greedy(constraint, n, assign) ||
	    matching(constraint, n, assign))
		return 0;
	return -1;
}

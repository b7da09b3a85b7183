/*
 * test_sched.c - counter assignment under constraints (perf/sched.c) against
 * exhaustive search: on random event sets, an assignment is found exactly
 * when one exists, and every one found is valid.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/rng.h"
#include "perf/internal.h"

/* Counters of a small Intel-like PMU: 4 GP, 3 fixed, 2 metric slots. */
static const int idxs[] = { 0, 1, 2, 3, 32, 33, 34, 48, 49 };

static bool exhaustive(const u64 *c, int n, int i, u64 used)
{
	if (i == n)
		return true;
	for (size_t k = 0; k < ARRAY_SIZE(idxs); k++) {
		u64 b = BIT_ULL(idxs[k]);

		if ((c[i] & b) && !(used & b) && exhaustive(c, n, i + 1, used | b))
			return true;
	}
	return false;
}

static u64 random_constraint(struct rng *r)
{
	switch (rng__below(r, 6)) {
	case 0:
		return 0xf;				/* any GP */
	case 1:
		return 0xf | BIT_ULL(32);		/* instructions */
	case 2:
		return BIT_ULL(34);			/* ref-cycles: fixed only */
	case 3:
		return BIT_ULL(48 + rng__below(r, 2));	/* a metric */
	default: {
		u64 m = 0;				/* an odd GP mask */

		while (!m)
			m = rng__next(r) & 0xf;
		return m;
	}
	}
}

static void test_matches_exhaustive_search(void **state)
{
	struct rng r;
	unsigned int found = 0, impossible = 0, needed_matching = 0;

	(void)state;
	rng__seed(&r, 42);
	for (int round = 0; round < 20000; round++) {
		u64 c[10];
		int prev[10], assign[10], n = 1 + (int)rng__below(&r, 9);
		bool exists;

		for (int i = 0; i < n; i++) {
			c[i] = random_constraint(&r);
			prev[i] = -1;
		}
		exists = exhaustive(c, n, 0, 0);
		assert_int_equal(perf_sched__assign(c, prev, n, assign) == 0, exists);
		if (!exists) {
			impossible++;
			continue;
		}
		found++;
		u64 used = 0;
		for (int i = 0; i < n; i++) {
			assert_true(c[i] & BIT_ULL(assign[i]));
			assert_false(used & BIT_ULL(assign[i]));
			used |= BIT_ULL(assign[i]);
		}
		/* would weight-ordered greedy alone have failed? */
		{
			int order[10], k;
			u64 u = 0;
			bool ok = true;

			for (k = 0; k < n; k++)
				order[k] = k;
			for (int a = 1; a < n; a++)
				for (int b = a; b > 0 && popcount64(c[order[b - 1]]) >
						     popcount64(c[order[b]]); b--) {
					int t = order[b];
					order[b] = order[b - 1];
					order[b - 1] = t;
				}
			for (k = 0; k < n && ok; k++) {
				u64 av = c[order[k]] & ~u;

				if (!av)
					ok = false;
				else
					u |= (av >> 32) ? BIT_ULL(32 + __builtin_ctzll(av >> 32))
							: BIT_ULL(__builtin_ctzll(av));
			}
			needed_matching += !ok;
		}
	}
	print_message("%u solvable (%u beyond greedy), %u impossible\n", found,
		      needed_matching, impossible);
	assert_true(found > 1000 && impossible > 1000 && needed_matching > 10);
}

static void test_keeps_previous_counters(void **state)
{
	const u64 c[3] = { 0xf, 0xf, 0xf | BIT_ULL(32) };
	const int prev[3] = { 3, 1, 0 };
	int assign[3];

	(void)state;
	assert_int_equal(perf_sched__assign(c, prev, 3, assign), 0);
	assert_int_equal(assign[0], 3);
	assert_int_equal(assign[1], 1);
	assert_int_equal(assign[2], 0);
}

static void test_prefers_fixed_counters(void **state)
{
	const u64 c[2] = { 0xf | BIT_ULL(32), 0xf };
	const int prev[2] = { -1, -1 };
	int assign[2];

	(void)state;
	assert_int_equal(perf_sched__assign(c, prev, 2, assign), 0);
	assert_int_equal(assign[0], 32);
	assert_int_equal(assign[1], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_exhaustive_search),
		cmocka_unit_test(test_keeps_previous_counters),
		cmocka_unit_test(test_prefers_fixed_counters),
	};

	return cmocka_run_group_tests_name("perf/sched", tests, NULL, NULL);
}

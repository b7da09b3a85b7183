/*
 * test_hist.c - base/hist.c against an independent answer: every sample
 * kept in an array, sorted, and indexed by nearest rank; and its memory,
 * which must follow the distinct values, not the samples.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "base/hist.h"
#include "base/rng.h"

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank over the kept samples (the definition, written out). */
static u64 naive_percentile(u64 *v, size_t n, unsigned int p)
{
	size_t rank = (n * p + 99) / 100;

	qsort(v, n, sizeof(*v), cmp_u64);
	return v[rank ? rank - 1 : 0];
}

static void test_percentiles_match_sorted_samples(void **state)
{
	static const unsigned int ps[] = { 0, 1, 10, 50, 90, 99, 100 };
	struct rng r;

	(void)state;
	rng__seed(&r, 42);
	for (unsigned int round = 0; round < 300; round++) {
		struct hist h = { 0 };
		size_t n = 1 + rng__below(&r, 3000);
		/* values close together (repeats), far apart, and over all 64 bits
		 * (the radix sort's every byte) */
		u64 spread = round % 5 == 4 ? UINT64_MAX - 1000 :
			     1 + rng__below(&r, round % 3 ? 200 : 1ULL << 40);
		u64 *v = malloc(n * sizeof(*v)), sum = 0, max = 0;

		assert_non_null(v);
		for (size_t i = 0; i < n; i++) {
			v[i] = 1000 + rng__below(&r, spread);
			sum += v[i];
			max = v[i] > max ? v[i] : max;
			assert_int_equal(hist__add(&h, v[i]), 0);
			if (i == n / 2)	/* asking midway must not disturb later answers */
				(void)hist__percentile(&h, 50);
		}
		assert_int_equal(h.n, n);
		assert_int_equal(h.sum, sum);
		assert_int_equal(h.max, max);
		for (unsigned int k = 0; k < sizeof(ps) / sizeof(ps[0]); k++)
			assert_int_equal(hist__percentile(&h, ps[k]), naive_percentile(v, n, ps[k]));
		{	/* all at once, in one walk (ranks repeat, and fall in one bin) */
			static const unsigned int all[] = { 0, 0, 1, 5, 10, 50, 50, 51, 90, 99,
							    99, 100 };
			u64 out[sizeof(all) / sizeof(all[0])];

			hist__percentiles(&h, all, sizeof(all) / sizeof(all[0]), out);
			for (unsigned int k = 0; k < sizeof(all) / sizeof(all[0]); k++)
				assert_int_equal(out[k], naive_percentile(v, n, all[k]));
		}
		free(v);
		hist__free(&h);
	}
}

static void test_empty_is_zero(void **state)
{
	struct hist h = { 0 };
	const unsigned int ps[] = { 0, 50, 100 };
	u64 out[3] = { 1, 1, 1 };

	(void)state;
	assert_int_equal(hist__percentile(&h, 50), 0);
	hist__percentiles(&h, ps, 3, out);
	assert_true(!out[0] && !out[1] && !out[2]);
	assert_int_equal(hist__add(&h, 7), 0);
	assert_int_equal(hist__percentile(&h, 0), 7);
	assert_int_equal(hist__percentile(&h, 100), 7);
	hist__free(&h);
}

/* Two million samples over 100 distinct values stay in a 256-slot table. */
static void test_memory_follows_distinct_values(void **state)
{
	struct hist h = { 0 };

	(void)state;
	for (u64 i = 0; i < 2000000; i++)
		assert_int_equal(hist__add(&h, 5000 + (i * 7919) % 100 * 10), 0);
	assert_int_equal(h.distinct, 100);
	assert_true(h.cap <= 256);
	assert_int_equal(hist__percentile(&h, 50), 5000 + 49 * 10);
	assert_int_equal(hist__percentile(&h, 99), 5000 + 98 * 10);
	hist__free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentiles_match_sorted_samples),
		cmocka_unit_test(test_empty_is_zero),
		cmocka_unit_test(test_memory_follows_distinct_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

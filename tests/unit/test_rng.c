/*
 * test_rng.c - base/rng.c: the reference xoshiro256** sequence, bounded
 * draws in range and unbiased enough, and the empty range (n == 0) defined
 * instead of a division by zero.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/rng.h"

/* splitmix64 from seed 0, by the published reference constants: its first
 * output is 0xe220a8397b1dcdaf (Vigna's splitmix64.c test vector). */
static void test_seed_is_splitmix64(void **state)
{
	struct rng r;

	(void)state;
	rng__seed(&r, 0);
	assert_int_equal(r.s[0], 0xe220a8397b1dcdafULL);
}

static void test_same_seed_same_sequence(void **state)
{
	struct rng a, b;

	(void)state;
	rng__seed(&a, 42);
	rng__seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(rng__next(&a), rng__next(&b));
}

static void test_below_in_range_and_spread(void **state)
{
	struct rng r;
	unsigned int hits[7] = { 0 };

	(void)state;
	rng__seed(&r, 1);
	for (int i = 0; i < 70000; i++) {
		u64 v = rng__below(&r, 7);

		assert_true(v < 7);
		hits[v]++;
	}
	for (int i = 0; i < 7; i++)	/* 10000 expected, 5 sigma is ~460 */
		assert_in_range(hits[i], 9500, 10500);
	assert_int_equal(rng__below(&r, 1), 0);
}

/* n == 0 is the empty range: 0, no draw, no SIGFPE (issue 8). */
static void test_below_zero_is_defined(void **state)
{
	struct rng r, copy;

	(void)state;
	rng__seed(&r, 7);
	copy = r;
	assert_int_equal(rng__below(&r, 0), 0);
	assert_false(rng__chance(&r, 1, 0));
	assert_memory_equal(&r, &copy, sizeof(r));	/* nothing drawn */
	assert_true(rng__chance(&r, 5, 5));
	assert_false(rng__chance(&r, 0, 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_is_splitmix64),
		cmocka_unit_test(test_same_seed_same_sequence),
		cmocka_unit_test(test_below_in_range_and_spread),
		cmocka_unit_test(test_below_zero_is_defined),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_coro.c - base/coro: coroutines interleave as resumed and yielded,
 * keep their own stacks (locals and a deep call chain survive every
 * switch), and report when they finish. The order of events is checked
 * against the sequence the test prescribes, not against coro.c's
 * bookkeeping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/coro.h"

static char trail[64];
static size_t trail_n;

static void mark(char c)
{
	trail[trail_n++] = c;
	trail[trail_n] = 0;
}

struct worker {
	char name;
	int steps;
	volatile int sum;	/* on its own stack's behalf: survives the switches */
};

static void work(void *arg)
{
	struct worker *w = arg;
	int local = 0;		/* lives on the coroutine's stack */

	for (int i = 0; i < w->steps; i++) {
		local += i + 1;
		mark(w->name);
		assert_true(coro__is_inside());
		coro__yield();
	}
	w->sum = local;
}

static void test_interleaving(void **state)
{
	struct worker a = { 'a', 3, 0 }, b = { 'b', 2, 0 };
	struct coro *ca = coro__new(work, &a, 64 * 1024), *cb = coro__new(work, &b, 64 * 1024);
	bool da = false, db = false;

	(void)state;
	trail_n = 0;
	assert_non_null(ca);
	assert_non_null(cb);
	assert_false(coro__is_inside());
	while (!da || !db) {
		if (!da)
			da = coro__resume(ca);
		if (!db)
			db = coro__resume(cb);
	}
	assert_string_equal(trail, "ababa");
	assert_int_equal(a.sum, 1 + 2 + 3);
	assert_int_equal(b.sum, 1 + 2);
	assert_false(coro__is_inside());
	coro__free(ca);
	coro__free(cb);
}

/* A deep call chain on the coroutine's stack, switched in the middle. */
static int deep(int n)
{
	char pad[256];

	memset(pad, n & 0xff, sizeof(pad));
	if (n == 0) {
		coro__yield();
		return pad[0];
	}
	return deep(n - 1) + pad[7];
}

static void deep_main(void *arg)
{
	*(int *)arg = deep(100);
}

static void test_stack_survives(void **state)
{
	int out = -1, want = 0;
	struct coro *c = coro__new(deep_main, &out, 256 * 1024);

	(void)state;
	for (int n = 100; n >= 1; n--)
		want += n & 0xff;
	assert_false(coro__resume(c));	/* stopped deep inside */
	assert_int_equal(out, -1);
	assert_true(coro__resume(c));	/* ran to the end */
	assert_int_equal(out, want);
	coro__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interleaving),
		cmocka_unit_test(test_stack_survives),
	};

	return cmocka_run_group_tests_name("coro", tests, NULL, NULL);
}

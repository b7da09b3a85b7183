/*
 * tests/unit/helpers.h - the built-in default cost profile for unit tests
 * (profiles/default.ini, compiled in).
 */
#ifndef VPMU__TESTS_HELPERS_H
#define VPMU__TESTS_HELPERS_H

#include "input/profile.h"

static inline const struct profile *test_profile(void)
{
	static struct profile p;
	static bool loaded;
	struct diag d;

	if (!loaded) {
		if (profile__load("default", &p, &d))
			fail_msg("default profile: %s:%u:%u: %s", d.file, d.line, d.col, d.msg);
		loaded = true;
	}
	return &p;
}

#define TEST_HW_COSTS (&test_profile()->hw)
#define TEST_PERF_COSTS (&test_profile()->perf)

#endif /* VPMU__TESTS_HELPERS_H */

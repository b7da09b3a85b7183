/*
 * tests/unit/run_helpers.h - one whole run of a built-in scenario (or a
 * scenario given whole) on a built-in profile, for the tests that check
 * what a run's metrics say (test_fidelity.c, test_workload.c): seed 1,
 * vector routing; a run that fails fails the test with its error. And a
 * run's metrics as the JSON `vpmu run --json` prints (test_sim.c,
 * test_replay.c: two runs compared by their bytes); the caller frees it.
 */
#ifndef VPMU__TESTS_RUN_HELPERS_H
#define VPMU__TESTS_RUN_HELPERS_H

#include <stdio.h>

#include "report/json.h"
#include "sim/run.h"

/* @override: NULL, or the scenario to run in place of @scenario's. */
static inline void test_run_scenario(const char *profile, const char *scenario, const char *vpmu,
				     const char *policy, struct sim_metrics *m,
				     const struct scenario *override)
{
	static struct profile prof;
	static struct scenario sc;
	struct sim_config c = { .prof = &prof, .sc = &sc, .seed = 1,
				.route = PMI_ROUTE_VECTOR };
	struct diag d;
	char err[256];

	assert_int_equal(profile__load(profile, &prof, &d), 0);
	if (override)
		sc = *override;
	else
		assert_int_equal(scenario__load(scenario, &sc, &d), 0);
	c.kind = kvm_vpmu__by_name(vpmu);
	c.policy = kvm_policy__by_name(policy);
	if (sim__run(&c, m, err, sizeof(err)))
		fail_msg("%s %s %s: %s", profile, scenario, vpmu, err);
}

static inline char *test_metrics_json(const struct sim_metrics *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(report__json(f, m, "test"), 0);
	fclose(f);
	return buf;
}

#endif /* VPMU__TESTS_RUN_HELPERS_H */

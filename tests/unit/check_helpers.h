/*
 * tests/unit/check_helpers.h - host perf's and KVM's invariant checks
 * (perf_cpu__check after each change, kvm_pmu__check at each VM-entry) for
 * the CPUs and vCPUs made while they are on; the first failure of either.
 */
#ifndef VPMU__TESTS_CHECK_HELPERS_H
#define VPMU__TESTS_CHECK_HELPERS_H

#include <stdbool.h>

#include "kvm/pmu.h"
#include "perf/perf.h"

static inline void test_checks(bool on)
{
	perf_cpu__set_default_checks(on);
	kvm_pmu__set_default_checks(on);
}

static inline const char *test_checks_failure(void)
{
	const char *f = perf_cpu__check_failure();

	return f ? f : kvm_pmu__check_failure();
}

#endif /* VPMU__TESTS_CHECK_HELPERS_H */

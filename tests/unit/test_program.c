/*
 * test_program.c - guest/program.c's executor where the environment
 * refuses what the text allowed: a host perf session the parser accepted
 * on a bare PMU but that perf_event_open() refuses inside a mediated VM
 * (Linux 7.0: no !exclude_guest event while a mediated VM exists) stops
 * the run with an error naming the line, instead of reporting 0 counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"

#include "input/vpmu_parse.h"
#include "kvm/pmu.h"

static int run_in_mediated_vm(const char *text, char *err, unsigned long len,
			      struct prog_result *res)
{
	static struct profile spr;	/* a host that can run a mediated vPMU */
	struct prog_costs costs = { &spr.hw, &spr.perf, &spr.kvm };
	struct prog_vm vm = { .kind = &kvm_vpmu_mediated_ops, .policy = kvm_policies[0],
			      .route = PMI_ROUTE_VECTOR, .host_pmu = &spr.pmu };
	struct prog *p;
	struct diag d;
	int ret;

	assert_int_equal(profile__load("spr", &spr, &d), 0);
	assert_int_equal(vpmu_parse__buffer("t.vpmu", text, strlen(text), &p, &d), 0);
	ret = prog__run(p, &costs, &vm, NULL, NULL, res, err, len);
	prog__free(p);
	return ret;
}

static void test_session_refused_in_mediated_vm(void **state)
{
	static struct prog_result res;
	char err[200] = "";

	(void)state;
	assert_int_equal(run_in_mediated_vm("pmu intel version=4 gp=4 fixed=3\n"
					    "loop 10 insns=1\n"
					    "host perf stat -a -e instructions,cycles\n",
					    err, sizeof(err), &res), VPMU_E_INVAL);
	assert_non_null(strstr(err, "line 3: host perf: instructions refused"));
	assert_non_null(strstr(err, "error 95"));
	/* excluding the guest, perf may count beside the mediated VM */
	assert_int_equal(run_in_mediated_vm("pmu intel version=4 gp=4 fixed=3\n"
					    "host perf stat -a -e instructions:H\n"
					    "loop 10 insns=1\n", err, sizeof(err), &res), 0);
	assert_int_equal(res.nr_host, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_refused_in_mediated_vm),
	};

	return cmocka_run_group_tests_name("guest/program", tests, NULL, NULL);
}

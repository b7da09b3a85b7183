/*
 * test_parse.c - the .vpmu reader: what it builds from good programs and
 * where it points for bad ones (file:line:column and what was expected).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hw/msr.h"
#include "input/msr_names.h"
#include "input/vpmu_parse.h"

static struct prog *parse_ok(const char *text)
{
	struct prog *p;
	struct diag d;
	int ret = vpmu_parse__buffer("t.vpmu", text, strlen(text), &p, &d);

	if (ret)
		fail_msg("unexpected error: %s:%u:%u: %s", d.file, d.line, d.col, d.msg);
	return p;
}

static void parse_bad(const char *text, unsigned int line, unsigned int col,
		      const char *needle)
{
	struct prog *p = (struct prog *)1;
	struct diag d;

	assert_int_equal(vpmu_parse__buffer("t.vpmu", text, strlen(text), &p, &d), VPMU_E_PARSE);
	assert_null(p);
	if (d.line != line || d.col != col || !strstr(d.msg, needle))
		fail_msg("got %u:%u: %s; wanted %u:%u: ...%s...", d.line, d.col, d.msg,
			 line, col, needle);
}

static void test_good_program(void **state)
{
	struct prog *p;

	(void)state;
	p = parse_ok("# header\n"
		     "PMU Intel version=4 gp=8 fixed=4 fw_writes metrics width=40\n"
		     "wrmsr ia32_perfevtsel1 evtsel(event=0xc0, umask=1, usr, os, en, int, cmask=2)\n"
		     "wrmsr 0x38f bit(33)|bit(1)|r2   # comment\n"
		     "rdpmc r15 0x40000000 | 3\n"
		     "loop 1_000 insns=10 branches=1 cycles=7\r\n"
		     "loop kut\n"
		     "cpuid r0 r1 r2 r3 0xa\n"
		     "expect r1 & 0xff != -1\n"
		     "expect pmis in [1, 2]\n"
		     "wrmsr IA32_FIXED_CTR_CTRL fixedctl(idx=2, os, pmi)\n"
		     "wrmsr MSR_F15H_PERF_CTL5 evtsel(event=0x1c0, go)\n");
	assert_int_equal(p->pmu.version, 4);
	assert_int_equal(p->pmu.nr_gp, 8);
	assert_int_equal(p->pmu.gp_width, 40);
	assert_true(p->pmu.fw_writes && p->pmu.metrics);
	assert_int_equal(p->pmu.ebx_len, 8);
	assert_int_equal(p->nr_ops, 10);
	assert_int_equal(p->ops[0].kind, OP_WRMSR);
	assert_int_equal(p->ops[0].msr, MSR_P6_EVNTSEL0 + 1);
	assert_int_equal(p->ops[0].val.a[0].v, 0x025301c0ULL);	/* cmask 2, en, int, os, usr, umask 1 */
	assert_int_equal(p->ops[1].val.n, 3);
	assert_true(p->ops[1].val.a[2].is_reg);
	assert_int_equal(p->ops[2].reg[0], 15);
	assert_int_equal(p->ops[3].loop.n, 1000);
	assert_int_equal(p->ops[3].loop.cycles, 7);
	assert_true(p->ops[4].loop.kut);
	assert_int_equal(p->ops[5].leaf, 0xa);
	assert_true(p->ops[6].expect.has_mask);
	assert_int_equal(p->ops[6].expect.cmp, CMP_NE);
	assert_int_equal(p->ops[6].expect.a.a[0].v, ~0ULL);
	assert_int_equal(p->ops[6].line, 9);
	assert_string_equal(p->ops[6].text, "expect r1 & 0xff != -1");
	assert_true(p->ops[7].expect.subject_pmis);
	assert_int_equal(p->ops[8].val.a[0].v, 0x900ULL);
	assert_int_equal(p->ops[9].val.a[0].v, 0xc0ULL | 1ULL << 32 | 1ULL << 40);
	prog__free(p);
}

static void test_errors_point_at_the_token(void **state)
{
	(void)state;
	parse_bad("wrmsr 0x38f 0\n", 1, 1, "pmu line before");
	parse_bad("# nothing\n", 1, 1, "expected a pmu line");
	parse_bad("pmu intel\npmu amd legacy\n", 2, 1, "one pmu line");
	parse_bad("pmu intel version=9\n", 1, 1, "version must be 0..5");
	parse_bad("pmu intel gp=4 gp=5\n", 1, 16, "new pmu intel option");
	parse_bad("pmu intel version=1 fixed=2\n", 1, 1, "no fixed counters");
	parse_bad("pmu amd core gp=4\n", 1, 1, "needs perfmon_v2");
	parse_bad("pmu amd\n", 1, 8, "'legacy' or 'core'");
	parse_bad("pmu intel\nwrmsr 0x10 0\n", 2, 7, "not one");
	parse_bad("pmu intel\nwrmsr IA32_PMC8 0\n", 2, 7, "MSR name");
	parse_bad("pmu intel\nrdmsr r16 0x38f\n", 2, 7, "register");
	parse_bad("pmu intel\nwrmsr 0x38f evtsel(event=0x1000)\n", 2, 26, "at most 4095");
	parse_bad("pmu intel\nwrmsr 0x38f evtsel(foo)\n", 2, 20, "field of evtsel");
	parse_bad("pmu intel\nwrmsr 0x38f 0x1g\n", 2, 13, "not a decimal");
	parse_bad("pmu intel\nwrmsr 0x38f 99999999999999999999\n", 2, 13, "fits 64 bits");
	parse_bad("pmu intel\nwrmsr 0x38f 1 2\n", 2, 15, "end of the line");
	parse_bad("pmu intel\nloop 10 branches=1\n", 2, 19, "insns=");
	parse_bad("pmu intel\nloop 10 insns=1 branches=2\n", 2, 27, "branches <= insns");
	parse_bad("pmu intel\nloop 10 insns=1 insns=2\n", 2, 17, "once");
	parse_bad("pmu intel\nloop 10 insns=1\nexpect gp\n", 3, 8, "right after");
	parse_bad("pmu intel\nexpect r0 < 3\n", 2, 11, "unexpected character");
	parse_bad("pmu intel\nexpect r0 in [1, 2\n", 2, 19, "expected ']'");
	parse_bad("pmu intel\nexpect foo == 1\n", 2, 8, "gp, ok, pmis");
	parse_bad("pmu intel\ncpl 2\n", 2, 5, "0 or 3");
	parse_bad("pmu intel\nfrobnicate\n", 2, 1, "expected an operation");
	parse_bad("pmu intel\ncpuid r0 r1 r2 0xa\n", 2, 16, "register");
}

static void test_msr_names(void **state)
{
	u32 m;

	(void)state;
	assert_int_equal(msr_name__lookup("IA32_PMC3", &m), 0);
	assert_int_equal(m, 0xc4);
	assert_int_equal(msr_name__lookup("msr_ia32_pmc3", &m), 0);	/* kernel name */
	assert_int_equal(m, 0x4c4);
	assert_int_equal(msr_name__lookup("IA32_A_PMC7", &m), 0);
	assert_int_equal(m, 0x4c8);
	assert_int_equal(msr_name__lookup("MSR_F15H_PERF_CTR5", &m), 0);
	assert_int_equal(m, 0xc001020b);
	assert_int_equal(msr_name__lookup("MSR_K7_EVNTSEL3", &m), 0);
	assert_int_equal(m, 0xc0010003);
	assert_int_equal(msr_name__lookup("IA32_PERF_GLOBAL_STATUS_RESET", &m), 0);
	assert_int_equal(m, 0x390);
	assert_int_not_equal(msr_name__lookup("MSR_K7_EVNTSEL4", &m), 0);
	assert_int_not_equal(msr_name__lookup("IA32_PMC10", &m), 0);
	assert_int_not_equal(msr_name__lookup("IA32_PMC", &m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_program),
		cmocka_unit_test(test_errors_point_at_the_token),
		cmocka_unit_test(test_msr_names),
	};

	return cmocka_run_group_tests_name("input/vpmu_parse", tests, NULL, NULL);
}

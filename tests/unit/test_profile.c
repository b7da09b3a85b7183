/*
 * test_profile.c - the cost profile reader: the built-in profiles load, and
 * a value without its source, an unknown or repeated key, a value out of
 * range or a missing key is refused with file:line:column.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "input/profile.h"

static void test_builtin_profiles_load(void **state)
{
	struct profile p;
	struct diag d;

	(void)state;
	assert_int_equal(profile__load("spr", &p, &d), 0);
	assert_string_equal(p.name, "spr");
	assert_int_equal(p.pmu.version, 5);
	assert_int_equal(p.pmu.nr_gp, 8);
	assert_true(p.pmu.metrics && p.pmu.fw_writes);
	assert_int_equal(p.hw.slots_per_cycle, 6);
	assert_int_equal(p.perf.cycles_per_sec, 2000000000ULL);
	assert_int_equal(p.perf.tick_cycles, 8000000);		/* 2 GHz / HZ 250 */
	assert_int_equal(profile__load("default", &p, &d), 0);
	assert_int_equal(p.hw.wrmsr, 100);
	assert_int_equal(profile__load("nosuch", &p, &d), VPMU_E_INVAL);
}

static char *with_line(const char *key, const char *replacement)
{
	static char buf[8192];
	const char *t = NULL;

	for (const struct embedded_file *b = profile_builtin; b->name; b++)
		if (!strcmp(b->name, "default"))
			t = b->text;
	assert_non_null(t);
	const char *at = strstr(t, key);
	assert_non_null(at);
	const char *eol = strchr(at, '\n');
	size_t head = (size_t)(at - t);

	memcpy(buf, t, head);
	strcpy(buf + head, replacement);
	strcat(buf, eol);
	return buf;
}

static void bad(const char *key, const char *line, unsigned int col, const char *needle)
{
	struct profile p;
	struct diag d;

	assert_int_equal(profile__parse("x.ini", with_line(key, line), &p, &d), VPMU_E_PARSE);
	if (d.col != col || !strstr(d.msg, needle))
		fail_msg("got %u:%u %s", d.line, d.col, d.msg);
}

static void test_bad_profiles(void **state)
{
	(void)state;
	bad("wrmsr =", "wrmsr = 100", 12, "'# source: ...' or '# estimate: ...'");
	bad("wrmsr =", "wrmsr = 100 # guess", 12, "'# source: ...'");
	bad("wrmsr =", "wrmsr = 0 # estimate: zero", 9, "whole number in 1..100000");
	bad("wrmsr =", "wrnsr = 1 # estimate: typo", 1, "known key");
	bad("rdmsr =", "wrmsr = 1 # estimate: twice", 1, "each key once");
	bad("vendor =", "vendor = via # source: x", 10, "intel or amd");
	bad("wrmsr =", "# wrmsr removed", 0, "expected [hw] wrmsr");
}

/* "[cpu] base = NAME": the base's values, the file's overrides, its own name;
 * the base line first, no base of a base, a name required. */
static void test_profile_with_a_base(void **state)
{
	struct profile p, spr;
	struct diag d;

	(void)state;
	assert_int_equal(profile__load("spr", &spr, &d), 0);
	assert_int_equal(profile__parse("x.ini", "[cpu]\nbase = spr # source: x\n"
					 "name = fast # source: x\n[hw]\nwrmsr = 60 # estimate: x\n",
					 &p, &d), 0);
	assert_string_equal(p.name, "fast");
	assert_int_equal(p.hw.wrmsr, 60);
	assert_int_equal(p.hw.rdpmc, spr.hw.rdpmc);
	assert_int_equal(p.perf.tick_cycles, spr.perf.tick_cycles);
	assert_int_equal(p.kvm.mediated_max_fixed, 3);
	assert_int_equal(profile__load("spr-fc3", &p, &d), 0);
	assert_int_equal(p.kvm.mediated_max_fixed, 4);
	assert_int_equal(profile__parse("x.ini", "[cpu]\nname = a # source: x\n"
					 "base = spr # source: x\n", &p, &d), VPMU_E_PARSE);
	assert_non_null(strstr(d.msg, "first key"));
	assert_int_equal(profile__parse("x.ini", "[cpu]\nbase = spr-fc3 # source: x\n"
					 "name = b # source: x\n", &p, &d), VPMU_E_PARSE);
	assert_non_null(strstr(d.msg, "base of its own"));
	assert_int_equal(profile__parse("x.ini", "[cpu]\nbase = spr # source: x\n", &p, &d),
			 VPMU_E_PARSE);
	assert_non_null(strstr(d.msg, "name"));
}

/* The line of @key in the default profile, counted here, not by the reader. */
static unsigned int line_of(const char *text, const char *key)
{
	const char *at = strstr(text, key);
	unsigned int line = 1;

	assert_non_null(at);
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

/* Cross-field PMU rules: the error names the line of the key at fault. */
static void test_pmu_cross_field_errors(void **state)
{
	struct profile p;
	struct diag d;
	const char *t = with_line("metrics =", "metrics = 1 # estimate: no fixed counter 3");

	(void)state;
	assert_int_equal(profile__parse("x.ini", t, &p, &d), VPMU_E_PARSE);
	assert_int_equal(d.line, line_of(t, "metrics ="));
	assert_int_equal(d.col, 1);
	assert_non_null(strstr(d.msg, "metrics needs fixed counter 3"));
	t = with_line("vendor =", "vendor = amd # estimate: AMD with Intel's fixed counters");
	assert_int_equal(profile__parse("x.ini", t, &p, &d), VPMU_E_PARSE);
	assert_int_equal(d.line, line_of(t, "vendor ="));
	assert_non_null(strstr(d.msg, "expected a PMU this CPU can have"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_profiles_load),
		cmocka_unit_test(test_bad_profiles),
		cmocka_unit_test(test_profile_with_a_base),
		cmocka_unit_test(test_pmu_cross_field_errors),
	};

	return cmocka_run_group_tests_name("input/profile", tests, NULL, NULL);
}

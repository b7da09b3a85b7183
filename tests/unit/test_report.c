/*
 * test_report.c - the report layer against facts outside it: UTF-8 by
 * RFC 3629's table, perf kvm stat's columns by the real tool's output
 * (research/exits-costs.md 1.5), CSV quoting by RFC 4180, and the
 * verdict's choices on rows whose answer is known by construction.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/compare.h"
#include "report/json.h"
#include "report/kvm_stat.h"

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	/* a copy: gcc 12 -O2 takes pointers into the memstream's buffer for
	 * pointers to the local @buf (-Wdangling-pointer) */
	{
		char *copy = strdup(buf);

		free(buf);
		assert_non_null(copy);
		return copy;
	}
}

static void test_utf8(void **state)
{
	(void)state;
	assert_int_equal(report__utf8_bad("plain"), -1);
	assert_int_equal(report__utf8_bad("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), -1);
	assert_int_equal(report__utf8_bad("\xff"), 0);
	assert_int_equal(report__utf8_bad("ab\xc0\xaf"), 2);		/* overlong '/' */
	assert_int_equal(report__utf8_bad("\xed\xa0\x80"), 0);		/* a surrogate */
	assert_int_equal(report__utf8_bad("a\xe2\x82"), 1);		/* truncated */
	assert_int_equal(report__utf8_bad("\xf4\x90\x80\x80"), 0);	/* > U+10FFFF */
	assert_int_equal(report__utf8_bad("\xf4\x8f\xbf\xbf"), -1);	/* U+10FFFF */
}

static void json_fn(FILE *f, const void *m)
{
	assert_int_equal(report__json(f, m, "t"), 0);
}

static void test_json_keeps_a_bad_name(void **state)
{
	static struct sim_metrics m;
	char *out;

	(void)state;
	snprintf(m.scenario, sizeof(m.scenario), "bad\xffname");
	snprintf(m.vpmu, sizeof(m.vpmu), "none");
	out = capture(json_fn, &m);
	assert_non_null(strstr(out, "\"scenario\": \"bad\xef\xbf\xbdname\""));
	free(out);
}

static void kvm_fn(FILE *f, const void *m)
{
	report__kvm_stat(f, m, 1000);
}

/* The column of the k-th occurrence of @what in @line. */
static long col(const char *line, const char *what, int k)
{
	const char *p = line;

	for (int i = 0; i <= k; i++, p++)
		if (!(p = strstr(p, what)))
			return -1;
	return p - 1 - line;
}

static void test_kvm_stat_columns(void **state)
{
	static const char real[] = "           MSR_WRITE       9167    35.40%     0.04%      "
				   "0.45us   9554.94us      3.00us ( +-  41.94% )";
	static struct sim_metrics m;
	char *out, *at, hlt[200];
	double smp, tim, mn, mx, avg, rel;

	(void)state;
	/* HLT: 1000 and 3000 cycles at 1000 MHz; CPUID: one of 2000 */
	m.exits[EXIT_HLT] = 2;
	m.exit_latency_by[EXIT_HLT] = (struct sim_pct){ .n = 2, .min = 1000, .max = 3000,
		.sum = 4000, .sd = 1414.2135623730951 };
	m.exits[EXIT_CPUID] = 1;
	m.exit_latency_by[EXIT_CPUID] = (struct sim_pct){ .n = 1, .min = 2000, .max = 2000,
		.sum = 2000 };
	m.exits_total = 3;
	out = capture(kvm_fn, &m);
	assert_non_null(strstr(out, "\n             VM-EXIT    Samples  Samples%     Time%    "
			       "Min Time    Max Time         Avg time\n"));
	at = strstr(out, "                 HLT ");
	assert_non_null(at);
	snprintf(hlt, sizeof(hlt), "%.*s", (int)strcspn(at, "\n"), at);
	for (int k = 0; k < 3; k++)
		assert_int_equal(col(hlt, "us", k), col(real, "us", k));
	for (int k = 0; k < 3; k++)
		assert_int_equal(col(hlt, "%", k), col(real, "%", k));
	assert_int_equal(sscanf(hlt, " HLT %*d %lf%% %lf%% %lfus %lfus %lfus ( +- %lf%% )", &smp,
				&tim, &mn, &mx, &avg, &rel), 6);
	assert_true(smp > 66.66 && smp < 66.68);	/* 2 of 3 */
	assert_true(tim > 66.66 && tim < 66.68);	/* 4000 of 6000 cycles */
	assert_true(mn == 1.0 && mx == 3.0 && avg == 2.0);
	assert_true(rel > 49.99 && rel < 50.01);	/* sd/sqrt(n)/mean = 1414/1.414/2000 */
	assert_non_null(strstr(out, "\nTotal Samples:3, Total events handled time:6.00us.\n"));
	assert_true(strstr(out, " HLT ") < strstr(out, " CPUID "));	/* by samples */
	free(out);
}

/* perf has no TSC-deadline split: those writes pool into MSR_WRITE, with
 * the statistics of the pooled samples (1000 and 3000 cycles: as above). */
static void test_kvm_stat_pools_msr_writes(void **state)
{
	static struct sim_metrics m;
	double avg, rel;
	char *out, *at;

	(void)state;
	m.exits[EXIT_MSR_WRITE] = 1;
	m.exit_latency_by[EXIT_MSR_WRITE] = (struct sim_pct){ .n = 1, .min = 1000, .max = 1000,
		.sum = 1000 };
	m.exits[EXIT_MSR_WRITE_TIMER] = 1;
	m.exit_latency_by[EXIT_MSR_WRITE_TIMER] = (struct sim_pct){ .n = 1, .min = 3000,
		.max = 3000, .sum = 3000 };
	m.exits_total = 2;
	out = capture(kvm_fn, &m);
	at = strstr(out, "           MSR_WRITE          2   100.00%   100.00%      1.00us      3.00us");
	assert_non_null(at);
	assert_int_equal(sscanf(at, " MSR_WRITE %*d %*f%% %*f%% %*fus %*fus %lfus ( +- %lf%% )",
				&avg, &rel), 2);
	assert_true(avg == 2.0 && rel > 49.99 && rel < 50.01);
	assert_null(strstr(out, "TSC_DEADLINE"));
	free(out);
}

static void csv_fn(FILE *f, const void *r)
{
	report__csv_row(f, r);
}

static void test_csv_quotes(void **state)
{
	static struct report_row r;
	char *out;

	(void)state;
	snprintf(r.m.scenario, sizeof(r.m.scenario), "a,\"b\"");
	snprintf(r.reason, sizeof(r.reason), "no");
	out = capture(csv_fn, &r);
	assert_memory_equal(out, "\"a,\"\"b\"\"\",", 10);
	free(out);
}

static void verdict_fn(FILE *f, const void *rows)
{
	report__compare_verdict(f, rows, 3);
}

static void test_verdict_skips_flagged_rows(void **state)
{
	static struct report_row r[3];
	const char *const name[] = { "vcpu", "irqoff", "exit" };
	const double ovh[] = { 1.0, 5.0, 0.5 }, blind[] = { 90.0, 10.0, 5.0 };
	char *out;

	(void)state;
	for (int i = 0; i < 3; i++) {
		r[i].ok = true;
		snprintf(r[i].m.scenario, sizeof(r[i].m.scenario), "s");
		snprintf(r[i].m.vpmu, sizeof(r[i].m.vpmu), "mediated");
		snprintf(r[i].m.policy, sizeof(r[i].m.policy), "%s", name[i]);
		snprintf(r[i].m.pmi, sizeof(r[i].m.pmi), "nmi");
		r[i].m.guest_overhead_pct = ovh[i];
		r[i].m.host_blind_pct = blind[i];
	}
	r[2].m.misattributed_pmis = 3;	/* cheapest and least blind, but it loses PMIs */
	out = capture(verdict_fn, r);
	assert_non_null(strstr(out, "best for the guest: mediated:vcpu/nmi\n"));
	assert_non_null(strstr(out, "best for host visibility: mediated:irqoff/nmi\n"));
	assert_non_null(strstr(out, "costs the guest 4.00 points more overhead\n"));
	assert_non_null(strstr(out, "back 80.00 points"));
	assert_non_null(strstr(out, "FLAGGED mediated:exit/nmi: 3 misattributed PMIs\n"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_json_keeps_a_bad_name),
		cmocka_unit_test(test_kvm_stat_columns),
		cmocka_unit_test(test_kvm_stat_pools_msr_writes),
		cmocka_unit_test(test_csv_quotes),
		cmocka_unit_test(test_verdict_skips_flagged_rows),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}

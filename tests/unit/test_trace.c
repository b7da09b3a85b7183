/*
 * tests/unit/test_trace.c - the trace readers on the real excerpts of
 * research/exits-costs.md sections 1-2 (tests/traces/, sources in its
 * README) and on their edge cases; the expected values are read off the
 * excerpts by hand, and for the recorded trace.dat files they are what
 * `trace-cmd report` printed for them (tests/traces/README.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "input/trace.h"
#include "input/trace_mix.h"

#define T(name) "tests/traces/" name

/* All the records of @path (at most @max) as @format (NULL: detect). */
static int read_all(const char *path, const char *format, bool skip_bad,
		    struct trace_record *recs, int max, struct diag *d, u64 *skipped)
{
	struct trace_reader *r;
	int n = 0, ret;

	ret = trace__open(path, format ? trace__format(format) : NULL, skip_bad, &r, d);
	if (ret)
		return ret;
	while (n < max && (ret = trace__next(r, &recs[n], d)) > 0)
		n++;
	if (skipped)
		*skipped = trace__skipped(r, NULL);
	trace__close(r);
	return ret < 0 ? ret : n;
}

static const char *write_tmp(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "build/tests/%s", name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_exit_names(void **state)
{
	const struct exit_name *e;

	(void)state;
	e = exit_names__by_code(TRACE_ISA_VMX, 48);
	assert_string_equal(e->name, "EPT_VIOLATION");
	assert_int_equal(e->model, EXIT_EPT_VIOLATION);
	e = exit_names__by_code(TRACE_ISA_SVM, 0x400);
	assert_string_equal(e->name, "npf");
	e = exit_names__by_name("EXIT_NPF");	/* the kvm plugin's spelling */
	assert_int_equal(e->isa, TRACE_ISA_SVM);
	assert_int_equal(e->code, 0x400);
	assert_int_equal(exit_names__by_name("EXIT_IOIO")->model, EXIT_IO);
	assert_int_equal(exit_names__by_name("EXIT_REASON_HLT")->model, EXIT_HLT); /* bcc */
	assert_int_equal(exit_names__by_name("idle-halt")->model, EXIT_HLT);
	assert_int_equal(exit_names__by_name("DE excp")->code, 0x40);
	assert_int_equal(exit_names__by_name("PENDING_INTERRUPT")->code, 7);
	assert_int_equal(exit_names__by_name("hypercall")->model, EXIT_VMCALL);
	assert_int_equal(exit_names__by_name("TDCALL")->model, EXIT_OTHER);
	assert_null(exit_names__by_name("EXTERNAL_INT"));	/* a fabricated name */
	assert_null(exit_names__by_name("UNKNOWN (131072)"));
	/* SVM msr: info1 1 is WRMSR; npf with the RSVD bit is an MMIO access */
	e = exit_names__by_name("msr");
	assert_int_equal(exit_names__model(e, true, 1), EXIT_MSR_WRITE);
	assert_int_equal(exit_names__model(e, true, 0), EXIT_MSR_READ);
	e = exit_names__by_name("npf");
	assert_int_equal(exit_names__model(e, true, 0x10000000eULL), EXIT_EPT_MISCONFIG);
	assert_int_equal(exit_names__model(e, true, 0x100000006ULL), EXIT_EPT_VIOLATION);
	assert_int_equal(exit_names__model(NULL, false, 0), EXIT_OTHER);
}

static void test_ftrace_modern_vmx(void **state)
{
	struct trace_record r[4];
	struct diag d;

	(void)state;
	assert_int_equal(read_all(T("ftrace-vmx-modern.txt"), NULL, false, r, 4, &d, NULL), 2);
	assert_int_equal(r[0].kind, TREC_EXIT);
	assert_string_equal(r[0].reason, "EXCEPTION_NMI");
	assert_int_equal(r[0].vcpu, 0);
	assert_int_equal(r[0].tid, 18971);
	assert_int_equal(r[0].cpu, 15);
	assert_true(r[0].ts_ns == 95922997039000ULL);
	assert_true(r[0].rip == 0xfd0bd);
	assert_true(r[0].info2 == 0x413);
	assert_true(r[0].intr_info == 0x80000306);
	assert_int_equal(r[1].kind, TREC_ENTRY);
	assert_true(r[1].rip == 0xf7d6b);
}

static void test_ftrace_eras_and_prefixes(void **state)
{
	struct trace_record r[4];
	struct diag d;

	(void)state;
	/* <= 5.3: no vcpu, "info A B", 4-character flags */
	assert_int_equal(read_all(T("ftrace-old.txt"), NULL, false, r, 4, &d, NULL), 1);
	assert_string_equal(r[0].reason, "EXTERNAL_INTERRUPT");
	assert_int_equal(r[0].vcpu, -1);
	assert_int_equal(r[0].tid, 24797);
	assert_int_equal(r[0].cpu, 3);
	assert_true(r[0].info2 == 0x800000f6);
	/* a thread name with spaces */
	assert_int_equal(read_all(T("ftrace-comm-spaces.txt"), NULL, false, r, 4, &d, NULL), 1);
	assert_int_equal(r[0].kind, TREC_MSR);
	assert_int_equal(r[0].tid, 2137779);
	assert_int_equal(r[0].cpu, 10);
	assert_true(r[0].msr_write && r[0].msr == 0x6e0);
	/* AMD, lines without the task prefix */
	assert_int_equal(read_all(T("ftrace-svm-idle-hlt.txt"), NULL, false, r, 4, &d, NULL), 2);
	assert_string_equal(r[1].reason, "msr");
	assert_int_equal(r[1].isa, TRACE_ISA_SVM);
	assert_true(r[1].info1 == 1);
}

static void test_trace_cmd_and_perf(void **state)
{
	struct trace_record r[4];
	struct diag d;

	(void)state;
	assert_int_equal(read_all(T("trace-cmd-plugin.txt"), NULL, false, r, 4, &d, NULL), 3);
	assert_string_equal(r[0].reason, "EXIT_NPF");
	assert_int_equal(r[0].code, 0x400);
	assert_true(r[0].info1 == 0x1680000007ULL && r[0].info2 == 0x1729a1000ULL);
	assert_int_equal(r[1].tid, 43752);	/* "<...>-43752" */
	assert_string_equal(r[2].reason, "EPT_VIOLATION");
	assert_int_equal(r[2].tid, 23579);
	assert_int_equal(read_all(T("perf-script.txt"), NULL, false, r, 4, &d, NULL), 3);
	assert_string_equal(r[0].reason, "TRIPLE_FAULT");
	assert_int_equal(r[0].cpu, 1);
	assert_int_equal(r[0].tid, -1);
	assert_int_equal(r[1].kind, TREC_USERSPACE);	/* not an exit */
	assert_int_equal(r[1].tid, 83801);
	assert_string_equal(r[1].reason, "KVM_EXIT_UNKNOWN (0)");
	assert_int_equal(r[2].tid, 206966);		/* perf-prof's ".N.." flags */
	assert_int_equal(r[2].cpu, 17);
	assert_string_equal(r[2].reason, "EXTERNAL_INTERRUPT");
}

static const char modern[] =
	" qemu-system-x86-18971   [015] d.... 95922.997039: kvm_exit: vcpu 0 reason "
	"EXCEPTION_NMI rip 0xfd0bd info1 0x0000000000000000 info2 0x0000000000000413 "
	"intr_info 0x80000306 error_code 0x00000000\n";

static void test_wrapped_lines(void **state)
{
	struct trace_record r[4];
	struct diag d;
	char text[1024];
	const char *p;

	(void)state;
	/* a mail client broke the line at a space (and ate it) */
	int sp = (int)(strstr(modern, " info2") - modern);

	snprintf(text, sizeof(text), "%.*s\n%s", sp, modern, modern + sp + 1);
	p = write_tmp("wrapped-mail.txt", text);
	assert_int_equal(read_all(p, "ftrace", false, r, 4, &d, NULL), 1);
	assert_true(r[0].info2 == 0x413 && r[0].intr_info == 0x80000306);
	/* a terminal broke it mid-word, twice */
	snprintf(text, sizeof(text), "%.*s\n%.*s\n%s", 80, modern, 60, modern + 80, modern + 140);
	p = write_tmp("wrapped-term.txt", text);
	assert_int_equal(read_all(p, "ftrace", false, r, 4, &d, NULL), 1);
	assert_true(r[0].info2 == 0x413 && r[0].intr_info == 0x80000306);
	assert_true(r[0].error_code == 0);
}

static void test_bad_lines(void **state)
{
	struct trace_record r[8];
	struct diag d;
	u64 skipped = 0;
	const char *p;

	(void)state;
	/* a fabricated sample: info1 not printed with %016llx */
	p = write_tmp("fabricated.txt", " qemu-1 [001] d.... 1.000001: kvm_exit: vcpu 0 reason "
		      "HLT rip 0x1 info1 0x00000000b83183 info2 0x0000000000000000 intr_info "
		      "0x00000000 error_code 0x00000000\n");
	assert_int_equal(read_all(p, "ftrace", false, r, 8, &d, NULL), VPMU_E_PARSE);
	assert_int_equal(d.line, 1);
	assert_int_equal(d.col, 66);
	assert_non_null(strstr(d.msg, "16 hex digits"));
	/* --skip-bad: counted, and the good line after them still read */
	p = write_tmp("mixed.txt", "this is not a trace line\n qemu-1 [001] d.... 1.000001: "
		      "kvm_exit: vcpu 0 reason HLT rip 0x1 info1 0x00000000b83183 info2 "
		      "0x0000000000000000 intr_info 0x00000000 error_code 0x00000000\n"
		      " qemu-1 [001] d.... 1.000002: kvm_entry: vcpu 0, rip 0x2\n");
	assert_int_equal(read_all(p, "ftrace", true, r, 8, &d, &skipped), 1);
	assert_true(skipped == 2);
	assert_int_equal(r[0].kind, TREC_ENTRY);
	/* truncated in the research notes ("info1 0x0000000000000000 ...") */
	p = write_tmp("truncated.txt", "qemu-kvm-1637698 [019] 758186.750322: kvm_exit:             "
		      "vcpu 0 reason EXCEPTION_NMI rip 0x40048d info1 0x0000000000000000 ...\n");
	assert_int_equal(read_all(p, "trace-cmd", false, r, 8, &d, NULL), VPMU_E_PARSE);
	assert_non_null(strstr(d.msg, "info2"));
}

static void test_kvm_stat(void **state)
{
	struct trace_record r[32];
	struct diag d;

	(void)state;
	assert_int_equal(read_all(T("kvm-stat-minmax.txt"), NULL, false, r, 32, &d, NULL), 4);
	assert_string_equal(r[0].reason, "MSR_WRITE");
	assert_true(r[0].count == 9167 && r[0].has_minmax);
	assert_float_equal(r[0].min_us, 0.45, 1e-9);
	assert_float_equal(r[0].max_us, 9554.94, 1e-9);
	assert_float_equal(r[0].avg_us, 3.00, 1e-9);
	assert_float_equal(r[0].stddev_pct, 41.94, 1e-9);
	assert_float_equal(r[2].max_us, 1001118.99, 1e-6);
	/* the old layout, three tables, one of MMIO (skipped), one per VCPU */
	assert_int_equal(read_all(T("kvm-stat-old.txt"), NULL, false, r, 32, &d, NULL), 18);
	assert_false(r[0].has_minmax);
	assert_string_equal(r[0].reason, "APIC_ACCESS");
	assert_true(r[0].count == 65381);
	assert_float_equal(r[3].avg_us, 8360.34, 1e-9);
	assert_int_equal(r[0].vcpu, -1);
	assert_int_equal(r[9].vcpu, 0);
	assert_string_equal(r[9].reason, "HLT");
	assert_true(r[9].table > r[0].table);
	assert_true(r[17].count == 368);
}

static void test_kvm_stat_wrapped(void **state)
{
	struct trace_record r[4];
	struct diag d;
	const char *p;

	(void)state;
	/* the real MSR_WRITE row, hard-wrapped at 72 columns by a mail client */
	p = write_tmp("stat-wrapped.txt",
		      "             VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time"
		      "         Avg time\n\n"
		      "           MSR_WRITE       9167    35.40%     0.04%      0.45us   9554.94us\n"
		      "3.00us ( +-  41.94% )\n"
		      "Total Samples:9167, Total events handled time:27501.00us.\n");
	assert_int_equal(read_all(p, NULL, false, r, 4, &d, NULL), 1);
	assert_true(r[0].count == 9167);
	assert_float_equal(r[0].avg_us, 3.00, 1e-9);
	assert_float_equal(r[0].max_us, 9554.94, 1e-9);
}

/* perf kvm stat live: an interval's clock line, then its table, twice */
static void test_kvm_stat_live(void **state)
{
	struct trace_record r[8];
	struct trace_reader *rd;
	struct diag d;
	int n = 0;
	const char *p = write_tmp("stat-live.txt",
		"\n16:22:01.123456\n\nAnalyze events for all VMs, all VCPUs:\n\n"
		"             VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time"
		"         Avg time\n\n"
		"           MSR_WRITE        100    80.00%     1.00%      0.45us      9.00us"
		"      1.00us ( +-   1.00% )\n"
		"                 HLT         25    20.00%    99.00%      1.00us   9000.00us"
		"    400.00us ( +-   9.00% )\n\n"
		"Total Samples:125, Total events handled time:10100.00us.\n"
		"unknown kvm exit code:131072 on VMX\n"
		"\n16:22:02.123456\n\nAnalyze events for all VMs, all VCPUs:\n\n"
		"             VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time"
		"         Avg time\n\n"
		"             UNKNOWN          7   100.00%   100.00%      1.00us      2.00us"
		"      1.50us ( +-  10.00% )\n\n"
		"Total Samples:7, Total events handled time:10.50us.\nLost events: 3\n");

	(void)state;
	assert_int_equal(trace__open(p, NULL, false, &rd, &d), 0);
	assert_string_equal(trace__ops(rd)->name, "kvm-stat");
	while (n < 8 && trace__next(rd, &r[n], &d) > 0)
		n++;
	assert_int_equal(n, 3);
	assert_int_equal(r[0].table, 0);
	assert_int_equal(r[2].table, 1);
	assert_string_equal(r[2].reason, "UNKNOWN");
	assert_null(r[2].exit);			/* kept, not dropped */
	assert_non_null(strstr(trace__notes(rd), "unknown kvm exit code:131072"));
	assert_non_null(strstr(trace__notes(rd), "Lost events: 3"));
	trace__close(rd);
}

static void test_bcc(void **state)
{
	struct trace_record r[32];
	struct diag d;

	(void)state;
	assert_int_equal(read_all(T("bcc-kvmexit.txt"), NULL, false, r, 32, &d, NULL), 20);
	assert_string_equal(r[0].reason, "EXIT_REASON_HLT");	/* after "^C" */
	assert_int_equal(r[0].tid, 1273568);
	assert_true(r[0].count == 12);
	assert_int_equal(r[0].exit->model, EXIT_HLT);
	assert_string_equal(r[10].reason, "EOI_INDUCED");
	assert_int_equal(r[10].exit->model, EXIT_OTHER);
	assert_int_equal(r[19].tid, 1273820);
	assert_true(r[19].count == 102);
}

static void test_bpftrace_amd_mixup(void **state)
{
	struct trace_record r[16];
	struct diag d;
	struct trace_reader *rd;
	int n = 0;

	(void)state;
	assert_int_equal(trace__open(T("bpftrace-kvmexits-amd.txt"), NULL, false, &rd, &d), 0);
	assert_string_equal(trace__ops(rd)->name, "bpftrace");
	while (n < 16 && trace__next(rd, &r[n], &d) > 0)
		n++;
	assert_int_equal(n, 9);
	assert_non_null(strstr(trace__notes(rd), "AMD"));
	trace__close(rd);
	assert_int_equal(r[0].isa, TRACE_ISA_SVM);
	assert_string_equal(r[0].reason, "nmi");		/* 97 = 0x61 */
	assert_string_equal(r[1].reason, "pause");		/* 119 = 0x77 */
	assert_true(r[2].lo_ns == 1024 && r[2].hi_ns == 2048 && r[2].count == 2);
	assert_string_equal(r[4].reason, "read_cr4");		/* 4 on SVM */
	assert_string_equal(r[6].reason, "cpuid");		/* 114 = 0x72 */
	/* codes that are all VMX reasons: the script's table is right */
	const char *p = write_tmp("bpf-vmx.txt", "@exit_ns[12, HLT]:\n[1K, 2K)  3 |@@@|\n"
				  "\n@exit_ns[30, IO_INSTRUCTION]:\n[4K, 8K)  1 |@|\n");

	assert_int_equal(read_all(p, NULL, false, r, 16, &d, NULL), 2);
	assert_int_equal(r[0].isa, TRACE_ISA_VMX);
	assert_string_equal(r[1].reason, "IO_INSTRUCTION");
}

static void test_auto_detect(void **state)
{
	static const struct { const char *file, *format; } cases[] = {
		{ "ftrace-vmx-modern.txt", "ftrace" }, { "ftrace-old.txt", "ftrace" },
		{ "ftrace-comm-spaces.txt", "ftrace" }, { "ftrace-svm-idle-hlt.txt", "ftrace" },
		{ "kvm-svm.ftrace.txt", "ftrace" },
		{ "trace-cmd-plugin.txt", "trace-cmd" }, { "kvm-svm-v7.report.txt", "trace-cmd" },
		{ "kvm-svm-v6.report-N.txt", "trace-cmd" }, { "perf-script.txt", "perf-script" },
		{ "kvm-svm.perf-script.txt", "perf-script" },
		{ "kvm-svm-v6.dat", "dat" }, { "kvm-svm-v7.dat", "dat" },
		{ "kvm-stat-minmax.txt", "kvm-stat" }, { "kvm-stat-old.txt", "kvm-stat" },
		{ "kvm-svm.kvm-stat.txt", "kvm-stat" },
		{ "bcc-kvmexit.txt", "bcc" }, { "bpftrace-kvmexits-amd.txt", "bpftrace" },
		/* from elsewhere (README.md) */
		{ "kvm-list-nested-vmx.txt", "trace-cmd" }, { "kvm-list-wrapped.txt", "trace-cmd" },
		{ "kvm-stat-live-win10.txt", "kvm-stat" }, { "kvm-stat-wrapped-header.txt", "kvm-stat" },
		{ "kvm-stat-no-header.txt", "kvm-stat" }, { "bench/kvm-svm-v7-big.dat", "dat" },
	};
	struct diag d;
	char path[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct trace_reader_ops *ops;

		snprintf(path, sizeof(path), T("%s"), cases[i].file);
		ops = trace__detect(path, &d);
		if (!ops || strcmp(ops->name, cases[i].format))
			fail_msg("%s: detected %s, expected %s", cases[i].file,
				 ops ? ops->name : "nothing", cases[i].format);
	}
	assert_null(trace__detect(write_tmp("prose.txt", "hello\nworld\n"), &d));
	assert_int_equal(d.line, 1);
}

/* Exits per reason name over all vCPUs. */
static u64 by_name(const struct trace_mix *m, const char *name)
{
	u64 n = 0;

	for (u32 k = 0; k < m->nr_names; k++)
		for (u32 i = 0; !strcmp(m->names[k].name, name) && i < m->nr_vcpus; i++)
			n += m->vcpus[i].count[k];
	return n;
}

static void test_dat_counts(void **state)
{
	static struct trace_mix m;
	const char *v7 = T("kvm-svm-v7.dat"), *v6 = T("kvm-svm-v6.dat");
	struct diag d;

	(void)state;
	/* the counts trace-cmd report printed for these files (README.md) */
	assert_int_equal(trace_mix__read(&m, &v7, 1, NULL, false, true, &d), 0);
	assert_true(m.exits == 247 && m.nr_vcpus == 2);
	assert_true(by_name(&m, "npf") == 82 && by_name(&m, "cpuid") == 80);
	assert_true(by_name(&m, "io") == 80 && by_name(&m, "hlt") == 5);
	assert_true(m.vcpus[0].exits + m.vcpus[1].exits == 247);
	assert_true(m.vcpus[0].exits == 99 || m.vcpus[0].exits == 148);
	assert_true(m.userspace == 165);
	trace_mix__free(&m);
	assert_int_equal(trace_mix__read(&m, &v6, 1, NULL, false, true, &d), 0);
	assert_true(m.exits == 149 && m.nr_vcpus == 1 && m.userspace == 99);
	assert_true(by_name(&m, "npf") == 49 && by_name(&m, "interrupt") == 1);
	assert_true(by_name(&m, "cpuid") == 48 && by_name(&m, "io") == 48);
	assert_true(by_name(&m, "hlt") == 3);
	trace_mix__free(&m);
}

static void test_text_equals_dat(void **state)
{
	static struct trace_mix a, b;
	const char *dat = T("kvm-svm-v6.dat"), *txt = T("kvm-svm-v6.report-N.txt");
	struct diag d;

	(void)state;
	assert_int_equal(trace_mix__read(&a, &dat, 1, NULL, false, false, &d), 0);
	assert_int_equal(trace_mix__read(&b, &txt, 1, NULL, false, false, &d), 0);
	assert_int_equal(a.nr_names, b.nr_names);
	for (u32 k = 0; k < a.nr_names; k++) {
		assert_string_equal(a.names[k].name, b.names[k].name);
		assert_int_equal(a.names[k].model, b.names[k].model);
		assert_true(a.vcpus[0].count[k] == b.vcpus[0].count[k]);
	}
	trace_mix__free(&a);
	trace_mix__free(&b);
}

/* perf kvm stat's table and perf script's lines of the same perf.data:
 * the table counts each exit that has its kvm_entry (the reader's lat_n). */
/* events that look like exits but are not */
static void test_not_exits(void **state)
{
	static struct trace_mix m;
	const char *p = write_tmp("not-exits.txt",
		" qemu-1 [001] d.... 1.000001: kvm_nested_vmexit: rip 0x1 reason EPT_VIOLATION "
		"ext_inf1 0x0000000000000181 ext_inf2 0x0000000000000000 ext_int 0x00000000 "
		"ext_int_err 0x00000000\n"
		" qemu-1 [001] d.... 1.000002: kvm_exit: vcpu 0 reason EPT_VIOLATION rip 0x1 "
		"info1 0x0000000000000181 info2 0x0000000000000000 intr_info 0x00000000 "
		"error_code 0x00000000\n"
		" qemu-1 [001] ..... 1.000003: kvm_userspace_exit: reason KVM_EXIT_MMIO (6)\n"
		" qemu-1 [001] d.... 1.000009: kvm_entry: vcpu 0, rip 0x1\n");
	struct diag d;

	(void)state;
	assert_int_equal(trace_mix__read(&m, &p, 1, NULL, false, true, &d), 0);
	assert_true(m.exits == 1 && m.nested == 1 && m.userspace == 1);
	assert_true(m.vcpus[0].buf[0].to_user && m.vcpus[0].buf[0].lat_ns == 7000);
	trace_mix__free(&m);
}

static void test_table_equals_trace(void **state)
{
	static struct trace_mix t, s;
	const char *tab = T("kvm-svm.kvm-stat.txt"), *scr = T("kvm-svm.perf-script.txt");
	struct diag d;

	(void)state;
	assert_int_equal(trace_mix__read(&t, &tab, 1, NULL, false, false, &d), 0);
	assert_int_equal(trace_mix__read(&s, &scr, 1, NULL, false, false, &d), 0);
	assert_true(t.exits == 151 && s.exits == 152);
	for (u32 k = 0; k < t.nr_names; k++) {
		u64 matched = 0;

		for (u32 j = 0; j < s.nr_names; j++)
			if (!strcmp(s.names[j].name, t.names[k].name))
				matched += s.vcpus[0].lat_n[j];
		if (matched != t.vcpus[0].count[k])
			fail_msg("%s: table %llu, trace %llu", t.names[k].name,
				 (unsigned long long)t.vcpus[0].count[k],
				 (unsigned long long)matched);
	}
	trace_mix__free(&t);
	trace_mix__free(&s);
}

static void test_synth_spreads_exactly(void **state)
{
	static struct trace_mix m;
	static struct trace_synth s;
	const char *p = T("kvm-stat-minmax.txt");
	struct trace_exit e;
	u64 seen[TRACE_MIX_MAX_NAMES] = { 0 }, n = 0, first_msr = 0;
	struct diag d;

	(void)state;
	assert_int_equal(trace_mix__read(&m, &p, 1, NULL, false, false, &d), 0);
	assert_true(m.is_table);
	trace_synth__init(&s, &m, 0, 1000);
	while (trace_synth__next(&s, &e)) {
		seen[e.name]++;
		if (++n == 100)
			first_msr = seen[0];
	}
	assert_true(n == 19287);
	assert_true(seen[0] == 9167 && seen[1] == 5728 && seen[2] == 2232 && seen[3] == 2160);
	/* evenly spread: of the first 100, MSR_WRITE's share 9167/19287 */
	assert_true(first_msr >= 47 && first_msr <= 48);
	assert_true(e.has_lat && e.guest_ns == 1000);
	trace_mix__free(&m);
}

static void test_exit_mix_api(void **state)
{
	u64 count[EXIT_NR], lat[EXIT_NR], other, guest;
	struct diag d;

	(void)state;
	assert_int_equal(trace__exit_mix(T("kvm-stat-minmax.txt"), NULL, count, lat, &other,
					 &guest, &d), 0);
	assert_true(count[EXIT_MSR_WRITE] == 9167 && lat[EXIT_MSR_WRITE] == 3000);
	assert_true(count[EXIT_HLT] == 2232 && lat[EXIT_HLT] == 30567940);
	assert_true(other == 0 && guest == 0);
	assert_int_equal(trace__exit_mix(T("kvm-svm-v7.dat"), "dat", count, lat, &other, &guest,
					 &d), 0);
	assert_true(count[EXIT_EPT_VIOLATION] + count[EXIT_EPT_MISCONFIG] == 82);
	assert_true(count[EXIT_CPUID] == 80 && guest > 0);
	assert_int_equal(trace__exit_mix(T("nonexistent"), NULL, count, lat, &other, &guest, &d),
			 VPMU_E_IO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_names),
		cmocka_unit_test(test_ftrace_modern_vmx),
		cmocka_unit_test(test_ftrace_eras_and_prefixes),
		cmocka_unit_test(test_trace_cmd_and_perf),
		cmocka_unit_test(test_wrapped_lines),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_kvm_stat),
		cmocka_unit_test(test_kvm_stat_wrapped),
		cmocka_unit_test(test_kvm_stat_live),
		cmocka_unit_test(test_bcc),
		cmocka_unit_test(test_bpftrace_amd_mixup),
		cmocka_unit_test(test_auto_detect),
		cmocka_unit_test(test_dat_counts),
		cmocka_unit_test(test_text_equals_dat),
		cmocka_unit_test(test_not_exits),
		cmocka_unit_test(test_table_equals_trace),
		cmocka_unit_test(test_synth_spreads_exactly),
		cmocka_unit_test(test_exit_mix_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

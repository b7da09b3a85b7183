/*
 * report/compare.c - see compare.h. The narrow table is 79 columns; the
 * wide one 147. A verdict picks among the clean rows only (no flag): the
 * lowest guest overhead, the lowest host blindness, and what the one
 * costs in terms of the other.
 */
#include <string.h>

#include "report/compare.h"
#include "report/host_perf.h"

const char *report__config(const struct sim_metrics *m, char *buf, size_t len)
{
	bool pol = m->policy[0] && strcmp(m->policy, "-");

	snprintf(buf, len, "%s%s%s", m->vpmu, pol ? ":" : "", pol ? m->policy : "");
	return buf;
}

const char *report__flags(const struct sim_metrics *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", m->leaked_events ? "L" : "", m->residue_reads ? "R" : "",
		 m->misattributed_pmis ? "M" : "", m->lost_counts ? "C" : "",
		 m->pmis_dropped ? "D" : "");
	return buf;
}

static const char *num(u64 v, bool applies, char *buf, size_t len)
{
	return applies ? report__grouped(v, buf, len) : "-";
}

static const char *pctv(double v, char *buf, size_t len)
{
	if (v < 0)
		return "-";
	snprintf(buf, len, "%.2f", v);
	return buf;
}

static void narrow_row(FILE *f, const struct report_row *r)
{
	const struct sim_metrics *m = &r->m;
	char cfg[32], b[8][32], fl[8];
	bool pmis = m->pmi_latency.n > 0;

	report__config(m, cfg, sizeof(cfg));
	if (!r->ok) {
		fprintf(f, "%-15s %-6s n/a: %.48s%s\n", cfg, m->pmi, r->reason,
			strlen(r->reason) > 48 ? "..." : "");
		return;
	}
	fprintf(f, "%-15s %-6s %6s %7s %6s %7s %7s %6s %6s %-4s\n", cfg, m->pmi,
		pctv(m->guest_overhead_pct, b[0], 32),
		num(m->exit_latency.p50, m->exit_latency.n > 0, b[1], 32),
		pctv(m->host_blind_pct, b[2], 32),
		num(m->host_irqoff.max, m->host_irqoff.n > 0, b[3], 32),
		num(m->pmi_latency.p50, pmis, b[4], 32),
		pctv(m->guest_count_error_pct, b[5], 32), pctv(m->host_count_error_pct, b[6], 32),
		report__flags(m, fl, sizeof(fl)));
}

static void wide_row(FILE *f, const struct report_row *r)
{
	const struct sim_metrics *m = &r->m;
	char cfg[32], b[16][32], fl[8];
	bool pmis = m->pmi_latency.n > 0;

	report__config(m, cfg, sizeof(cfg));
	if (!r->ok) {
		fprintf(f, "%-15s %-6s n/a: %s\n", cfg, m->pmi, r->reason);
		return;
	}
	fprintf(f, "%-15s %-6s %6s %7s %7s %7s %9s %6s %7s %7s %7s %7s %6s %6s %5s %5s %5s %5s %-4s\n",
		cfg, m->pmi, pctv(m->guest_overhead_pct, b[0], 32),
		num(m->exit_latency_fastpath.p50, m->exit_latency_fastpath.n > 0, b[1], 32),
		num(m->exit_latency_full.p50, m->exit_latency_full.n > 0, b[2], 32),
		num(m->exit_latency.p99, m->exit_latency.n > 0, b[3], 32),
		report__grouped(m->loads + m->puts, b[4], 32),
		pctv(m->host_blind_pct, b[5], 32),
		num(m->host_irqoff.p99, m->host_irqoff.n > 0, b[6], 32),
		num(m->host_irqoff.max, m->host_irqoff.n > 0, b[7], 32),
		num(m->pmi_latency.p50, pmis, b[8], 32), num(m->pmi_latency.max, pmis, b[9], 32),
		pctv(m->guest_count_error_pct, b[10], 32), pctv(m->host_count_error_pct, b[11], 32),
		report__grouped(m->leaked_events + m->residue_reads, b[12], 32),
		report__grouped(m->misattributed_pmis, b[13], 32),
		report__grouped(m->lost_counts, b[14], 32),
		report__grouped(m->pmis_dropped, b[15], 32), report__flags(m, fl, sizeof(fl)));
}

void report__compare_table(FILE *f, const struct report_row *rows, int n, bool wide,
			   u64 seed, unsigned int seeds)
{
	if (!n)
		return;
	if (seeds > 1)
		fprintf(f, "== %s (profile %s, seeds %llu..%llu: each row its median run)\n",
			rows[0].m.scenario, rows[0].m.cpu, (unsigned long long)seed,
			(unsigned long long)(seed + seeds - 1));
	else
		fprintf(f, "== %s (profile %s, seed %llu)\n", rows[0].m.scenario, rows[0].m.cpu,
			(unsigned long long)seed);
	if (wide)
		fprintf(f, "%-15s %-6s %6s %7s %7s %7s %9s %6s %7s %7s %7s %7s %6s %6s %5s %5s %5s %5s %-4s\n",
			"config", "pmi", "ovh%", "fast50", "full50", "exit99", "ld+put", "blind%",
			"irqo99", "irqomax", "pmi50", "pmimax", "gerr%", "herr%", "leak", "mis",
			"lost", "drop", "flag");
	else
		fprintf(f, "%-15s %-6s %6s %7s %6s %7s %7s %6s %6s %-4s\n", "config", "pmi", "ovh%",
			"exit50", "blind%", "irqoff", "pmi50", "gerr%", "herr%", "flag");
	for (int i = 0; i < n; i++)
		(wide ? wide_row : narrow_row)(f, &rows[i]);
}

void report__compare_legend(FILE *f, bool wide)
{
	static const char *const narrow[] = {
		"config", "vPMU kind[:policy]",
		"pmi", "PMI route of the mediated vPMU: vector (0xf5) or nmi",
		"ovh%", "guest overhead against no vPMU, same work and seed, percent",
		"exit50", "VM-exit to VM-entry latency, median, cycles",
		"blind%", "host cycles with the guest PMU loaded (host perf blind), percent",
		"irqoff", "longest stretch with host IRQs off, cycles",
		"pmi50", "guest counter overflow to guest PMI handler, median, cycles",
		"gerr%", "guest perf count error against ground truth, percent",
		"herr%", "host perf count error against ground truth, percent",
		"flag", "L leaks, R residue reads, M misattributed PMIs, C lost counts",
		"", "(a row with any of them is not a safe choice); D PMIs dropped",
		"", "by a masked LVTPC (shown only)",
		NULL,
	};
	static const char *const more[] = {
		"fast50", "fastpath exit latency, median, cycles",
		"full50", "full-path exit latency, median, cycles",
		"exit99", "exit latency, 99th percentile, cycles",
		"ld+put", "guest PMU context loads plus puts, count",
		"irqo99", "host IRQs-off stretch, 99th percentile, cycles",
		"irqomax", "longest host IRQs-off stretch, cycles",
		"pmimax", "guest PMI latency, maximum, cycles",
		"leak", "leaked host events plus residue reads, count",
		"mis", "misattributed PMIs, count",
		"lost", "guest events lost while counting, count",
		"drop", "PMI requests a masked LVTPC dropped (host's or guest's), count",
		NULL,
	};

	fprintf(f, "legend ('-': does not apply; numbers with ',' are grouped by thousands):\n");
	for (int i = 0; narrow[i]; i += 2)
		if (!wide || (strcmp(narrow[i], "exit50") && strcmp(narrow[i], "irqoff")))
			fprintf(f, "  %-7s %s\n", narrow[i], narrow[i + 1]);
	for (int i = 0; wide && more[i]; i += 2)
		fprintf(f, "  %-7s %s\n", more[i], more[i + 1]);
}

/* Leaks, residue, misattributed PMIs or lost counts: not a safe choice.
 * Dropped PMIs (D) are PMI requests the local APIC dropped while the LVTPC
 * loaded (the host's, or the guest's under the mediated vPMU) was masked,
 * as it is from a PMI's delivery until its handler unmasks it: shown but
 * not held against a row. */
static bool is_unsafe(const struct sim_metrics *m)
{
	return m->leaked_events || m->residue_reads || m->misattributed_pmis || m->lost_counts;
}

bool report__is_safe(const struct report_row *r)
{
	return r->ok && !is_unsafe(&r->m);
}

/* "kind[:policy]" and "/route" where routing applies. */
static const char *name(const struct sim_metrics *m, char *buf, size_t len)
{
	char cfg[32];

	report__config(m, cfg, sizeof(cfg));
	snprintf(buf, len, "%s%s%s", cfg, strcmp(m->pmi, "-") ? "/" : "", strcmp(m->pmi, "-") ?
		 m->pmi : "");
	return buf;
}

static void item(FILE *f, u64 v, const char *what, bool *first)
{
	if (!v)
		return;
	fprintf(f, "%s%llu %s", *first ? " " : ", ", (unsigned long long)v, what);
	*first = false;
}

/* Text wrapped at 72 columns, each line indented by 6. */
static void wrapped(FILE *f, const char *s)
{
	while (*s) {
		int n = (int)strlen(s), cut = n;

		if (n > 72)
			for (cut = 72; cut > 20 && s[cut] != ' '; cut--)
				;
		fprintf(f, "      %.*s\n", cut, s);
		s += cut;
		while (*s == ' ')
			s++;
	}
}

/* Row @i could not run: said once per reason, with every row it applies to. */
static void na(FILE *f, const struct report_row *rows, int n, int i)
{
	char nm[48];
	int cnt = 0;

	for (int j = 0; j < i; j++)
		if (!rows[j].ok && !strcmp(rows[j].reason, rows[i].reason))
			return;	/* said already */
	fprintf(f, "  n/a:");
	for (int j = i; j < n; j++)
		if (!rows[j].ok && !strcmp(rows[j].reason, rows[i].reason))
			fprintf(f, "%s%s", cnt++ % 3 ? ", " : cnt > 1 ? ",\n      " : " ",
				name(&rows[j].m, nm, sizeof(nm)));
	fprintf(f, "\n    could not run:\n");
	wrapped(f, rows[i].reason);
}

static void flagged(FILE *f, const struct report_row *rows, int n)
{
	char nm[48];
	int bad = 0, drops = 0;

	for (int i = 0; i < n; i++) {
		const struct sim_metrics *m = &rows[i].m;
		bool first = true;

		if (!rows[i].ok) {
			na(f, rows, n, i);
			continue;
		}
		drops += m->pmis_dropped > 0;
		if (!is_unsafe(m))
			continue;
		bad++;
		fprintf(f, "  FLAGGED %s:", name(m, nm, sizeof(nm)));
		item(f, m->leaked_events, "leaked events", &first);
		item(f, m->residue_reads, "residue reads", &first);
		item(f, m->misattributed_pmis, "misattributed PMIs", &first);
		item(f, m->lost_counts, "lost counts", &first);
		fprintf(f, "\n      the guest took %llu PMIs; not a safe choice\n",
			(unsigned long long)m->guest_pmis);
	}
	if (!bad)
		fprintf(f, "  no row leaks, loses or misattributes PMIs or counts\n");
	if (drops)
		fprintf(f, "  D (%d row%s): the local APIC dropped PMI requests that came while the\n"
			"      LVTPC loaded (the host's, or the guest's under the mediated vPMU) was\n"
			"      masked, as from a PMI's delivery until its handler unmasks it, which\n"
			"      then finds the overflow's status bit; shown, not held against a row\n",
			drops, drops == 1 ? "" : "s");
}



void report__compare_verdict(FILE *f, const struct report_row *rows, int n)
{
	const struct sim_metrics *g = NULL, *h = NULL, *hm = NULL;
	char a[48];

	for (int i = 0; i < n; i++) {
		const struct sim_metrics *m = &rows[i].m;

		if (!report__is_safe(&rows[i]))
			continue;
		if (!g || m->guest_overhead_pct < g->guest_overhead_pct)
			g = m;
		if (!h || m->host_blind_pct < h->host_blind_pct)
			h = m;
		if (!strcmp(m->vpmu, "mediated") && (!hm || m->host_blind_pct < hm->host_blind_pct))
			hm = m;
	}
	fprintf(f, "verdict for %s:\n", n ? rows[0].m.scenario : "?");
	if (!g) {
		fprintf(f, "  no configuration ran cleanly\n");
		flagged(f, rows, n);
		return;
	}
	fprintf(f, "  best for the guest: %s\n      %.2f %% guest overhead, %.2f %% of host "
		"cycles blind\n", name(g, a, sizeof(a)), g->guest_overhead_pct, g->host_blind_pct);
	fprintf(f, "  best for host visibility: %s\n      %.2f %% of host cycles blind, %.2f %% "
		"guest overhead\n", name(h, a, sizeof(a)), h->host_blind_pct, h->guest_overhead_pct);
	if (hm && hm != h)
		fprintf(f, "      mediated best: %s, %.2f %% blind, %.2f %% overhead\n",
			name(hm, a, sizeof(a)), hm->host_blind_pct, hm->guest_overhead_pct);
	if (g == h)
		fprintf(f, "  trade-off: none; one configuration is best for both\n");
	else
		fprintf(f, "  trade-off: %s costs the guest %.2f points more overhead\n"
			"      and gives host perf back %.2f points of its cycles\n",
			name(h, a, sizeof(a)), h->guest_overhead_pct - g->guest_overhead_pct,
			g->host_blind_pct - h->host_blind_pct);
	flagged(f, rows, n);
}

void report__csv_header(FILE *f)
{
	fprintf(f, "scenario,vpmu,policy,pmi,cpu,seed,status,reason,guest_overhead_pct,"
		"wall_cycles,wall_cycles_none,exits,fastpath_exits,exit_latency_p50,"
		"exit_latency_p99,exit_latency_max,fastpath_latency_p50,full_latency_p50,loads,puts,"
		"switch_cycles,host_blind_pct,host_irqoff_p50,host_irqoff_p99,host_irqoff_max,"
		"guest_pmis,guest_pmi_latency_p50,guest_pmi_latency_p99,guest_pmi_latency_max,"
		"pmis_dropped,pmis_merged,guest_count_error_pct,host_count_error_pct,leaked_events,"
		"residue_reads,misattributed_pmis,lost_counts,unclaimed_nmis\n");
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break. */
static void csv_str(FILE *f, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++)
		fprintf(f, *s == '"' ? "\"\"" : "%c", *s);
	fputc('"', f);
}

static void csv_pct(FILE *f, double v)
{
	if (v >= 0)
		fprintf(f, "%.2f", v);
	fputc(',', f);
}

void report__csv_row(FILE *f, const struct report_row *r)
{
	const struct sim_metrics *m = &r->m;
	const char *id[] = { m->scenario, m->vpmu, m->policy, m->pmi, m->cpu };

	for (size_t i = 0; i < sizeof(id) / sizeof(id[0]); i++) {
		csv_str(f, id[i]);
		fputc(',', f);
	}
	fprintf(f, "%llu,%s,", (unsigned long long)m->seed, r->ok ? "ok" : "n/a");
	csv_str(f, r->ok ? "" : r->reason);
	if (!r->ok) {
		fprintf(f, "%s\n", ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,");
		return;
	}
	fputc(',', f);
	csv_pct(f, m->guest_overhead_pct);
	fprintf(f, "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,",
		(unsigned long long)m->wall_cycles, (unsigned long long)m->wall_cycles_none,
		(unsigned long long)m->exits_total, (unsigned long long)m->fastpath_exits,
		(unsigned long long)m->exit_latency.p50, (unsigned long long)m->exit_latency.p99,
		(unsigned long long)m->exit_latency.max,
		(unsigned long long)m->exit_latency_fastpath.p50,
		(unsigned long long)m->exit_latency_full.p50, (unsigned long long)m->loads,
		(unsigned long long)m->puts, (unsigned long long)m->switch_cycles);
	csv_pct(f, m->host_blind_pct);
	fprintf(f, "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,",
		(unsigned long long)m->host_irqoff.p50, (unsigned long long)m->host_irqoff.p99,
		(unsigned long long)m->host_irqoff.max, (unsigned long long)m->guest_pmis,
		(unsigned long long)m->pmi_latency.p50, (unsigned long long)m->pmi_latency.p99,
		(unsigned long long)m->pmi_latency.max, (unsigned long long)m->pmis_dropped,
		(unsigned long long)m->pmis_merged);
	csv_pct(f, m->guest_count_error_pct);
	csv_pct(f, m->host_count_error_pct);
	fprintf(f, "%llu,%llu,%llu,%llu,%llu\n", (unsigned long long)m->leaked_events,
		(unsigned long long)m->residue_reads, (unsigned long long)m->misattributed_pmis,
		(unsigned long long)m->lost_counts, (unsigned long long)m->unclaimed_nmis);
}

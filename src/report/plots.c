/*
 * report/plots.c - see plots.h. Data files are gnuplot "index" blocks
 * (two blank lines between data sets), one set per configuration, with a
 * "# name" line gnuplot's columnheader reads as the set's title.
 */
#include <string.h>

#include "report/plots.h"

static const char *label(const struct sim_metrics *m, char *buf, size_t len)
{
	char cfg[32];

	report__config(m, cfg, sizeof(cfg));
	if (!strcmp(m->pmi, "-"))
		snprintf(buf, len, "%s", cfg);
	else
		snprintf(buf, len, "%s/%s", cfg, m->pmi);
	return buf;
}

static bool same_scenario(const struct report_row *a, const struct report_row *b)
{
	return !strcmp(a->m.scenario, b->m.scenario);
}

/* The first scenario's ok rows (for the per-configuration plots). */
static int first_scenario(const struct report_set *s)
{
	int n = 0;

	while (n < s->n && same_scenario(&s->rows[n], &s->rows[0]))
		n++;
	return n;
}

static void cdf(FILE *f, const struct report_set *s, bool pmi)
{
	int n = first_scenario(s), sets = 0;
	char l[48];

	for (int i = 0; i < n; i++) {
		const struct sim_metrics *m = &s->rows[i].m;
		const struct sim_pct *p = pmi ? &m->pmi_latency : &m->exit_latency;

		if (!s->rows[i].ok || !p->n)
			continue;
		fprintf(f, "%s\"%s\" \"%s\"\n", sets++ ? "\n\n" : "", label(m, l, sizeof(l)), "pct");
		for (int k = 0; k <= 20; k++)
			fprintf(f, "%llu %d\n", (unsigned long long)p->cdf[k], 5 * k);
	}
	if (!sets)
		fprintf(f, "\"none\" \"pct\"\n0 0\n");
}

static void exit_cdf_data(FILE *f, const struct report_set *s)
{
	cdf(f, s, false);
}

static void pmi_cdf_data(FILE *f, const struct report_set *s)
{
	cdf(f, s, true);
}

static void rate_data(FILE *f, const struct report_set *s)
{
	char l[48], prev[48] = "";
	int sets = 0;

	for (int i = 0; i < s->nr_rate; i++) {
		const struct sim_metrics *m = &s->rate[i].m;
		double secs = s->core_mhz ? (double)m->wall_cycles / (s->core_mhz * 1e6) : 0;

		if (!s->rate[i].ok)
			continue;
		if (strcmp(label(m, l, sizeof(l)), prev)) {
			fprintf(f, "%s\"%s\" \"ovh\"\n", sets++ ? "\n\n" : "", l);
			snprintf(prev, sizeof(prev), "%s", l);
		}
		fprintf(f, "%.0f %.2f\n", secs > 0 ? (double)m->exits_total / secs : 0,
			m->guest_overhead_pct);
	}
	if (!sets)
		fprintf(f, "\"none\" \"ovh\"\n0 0\n");
}

/* A table: one line per configuration, one column per scenario. */
static void bars(FILE *f, const struct report_set *s, bool blind)
{
	int n = first_scenario(s);
	char l[48];

	fprintf(f, "config");
	for (int i = 0; i < s->n; i += n)
		fprintf(f, " \"%s\"", s->rows[i].m.scenario);
	fputc('\n', f);
	for (int c = 0; c < n; c++) {
		fprintf(f, "\"%s\"", label(&s->rows[c].m, l, sizeof(l)));
		for (int i = c; i < s->n; i += n) {
			const struct report_row *r = &s->rows[i];

			if (r->ok)
				fprintf(f, " %.2f", blind ? r->m.host_blind_pct : r->m.guest_overhead_pct);
			else
				fprintf(f, " NaN");
		}
		fputc('\n', f);
	}
}

static void blind_data(FILE *f, const struct report_set *s)
{
	bars(f, s, true);
}

static void ovh_data(FILE *f, const struct report_set *s)
{
	bars(f, s, false);
}

static void head(FILE *f, const char *name, const char *title)
{
	fprintf(f, "# gnuplot %s.gp renders %s.svg from %s.dat\n"
		"set terminal svg size 720,420 font 'sans,11' background rgb 'white'\n"
		"set output '%s.svg'\nset title '%s'\nset grid\nset key outside right top\n",
		name, name, name, name, title);
}

static void cdf_script(FILE *f, const struct report_set *s, const char *name)
{
	(void)s;
	head(f, name, strstr(name, "pmi") ? "guest PMI latency, CDF" : "VM-exit latency, CDF");
	fprintf(f, "set xlabel 'cycles'\nset ylabel 'percentile'\nset logscale x\n"
		"set yrange [0:100]\nstats '%s.dat' nooutput\n"
		"plot for [i=0:STATS_blocks-1] '%s.dat' index i using 1:2 with steps lw 2 "
		"title columnheader(1)\n", name, name);
}

static void rate_script(FILE *f, const struct report_set *s, const char *name)
{
	head(f, name, s->nr_rate ? "guest overhead against exit rate" : "guest overhead against exit rate");
	fprintf(f, "set xlabel 'exits per second of guest time'\nset ylabel 'guest overhead, %%'\n"
		"stats '%s.dat' nooutput\n"
		"plot for [i=0:STATS_blocks-1] '%s.dat' index i using 1:2 with linespoints lw 2 "
		"title columnheader(1)\n", name, name);
}

static void bars_script(FILE *f, const struct report_set *s, const char *name)
{
	int cols = s->n && first_scenario(s) ? s->n / first_scenario(s) : 1;

	head(f, name, strstr(name, "blind") ? "host cycles hidden from host perf (blind share)" :
		"guest overhead against no vPMU");
	fprintf(f, "set ylabel '%%'\nset style data histograms\nset style histogram clustered\n"
		"set style fill solid 0.8 border -1\nset xtics rotate by -30\nset yrange [0:*]\n"
		"plot for [c=2:%d] '%s.dat' using c:xtic(1) title columnheader(c)\n", cols + 1, name);
}

/* Intervals of one state of the timeline: from each @on event to the next
 * @off event (or the window's edges), as "x y dx 0" for gnuplot's vectors;
 * x in microseconds. */
static void tl_intervals(FILE *f, const struct report_set *s, const char *title, double y,
			 enum kvm_trace_ev on, enum kvm_trace_ev off, bool at_start)
{
	const struct sim_timeline *t = s->timeline;
	double us = s->core_mhz ? 1.0 / s->core_mhz : 1.0, begin = 0;
	bool open = at_start;

	fprintf(f, "\"%s\" \"y\" \"dx\" \"dy\"\n", title);
	for (size_t i = 0; i < t->n; i++) {
		double x = (double)t->ev[i].cycle * us;

		if (t->ev[i].ev == on && !open) {
			begin = x;
			open = true;
		} else if (t->ev[i].ev == off && open) {
			fprintf(f, "%.4f %.1f %.4f 0\n", begin, y, x - begin);
			open = false;
		}
	}
	if (open)
		fprintf(f, "%.4f %.1f %.4f 0\n", begin, y, (double)t->len * us - begin);
	fprintf(f, "\n\n");
}

static void tl_points(FILE *f, const struct report_set *s, const char *title, double y,
		      enum kvm_trace_ev ev)
{
	const struct sim_timeline *t = s->timeline;
	double us = s->core_mhz ? 1.0 / s->core_mhz : 1.0;
	int n = 0;

	fprintf(f, "\"%s\" \"y\"\n", title);
	for (size_t i = 0; i < t->n; i++)
		if (t->ev[i].ev == ev && ++n)
			fprintf(f, "%.4f %.1f\n", (double)t->ev[i].cycle * us, y);
	if (!n)
		fprintf(f, "NaN NaN\n");
	fprintf(f, "\n\n");
}

static void timeline_data(FILE *f, const struct report_set *s)
{
	static const struct sim_timeline none;
	struct report_set one = *s;

	if (!s->timeline)
		one.timeline = &none;
	tl_intervals(f, &one, "guest mode", 5, KVM_TR_ENTRY, KVM_TR_EXIT,
		     one.timeline->in_guest);
	tl_intervals(f, &one, "irqs off (inner loop)", 4, KVM_TR_IRQS_OFF, KVM_TR_IRQS_ON,
		     one.timeline->irqs_off);
	tl_intervals(f, &one, "guest PMU loaded", 3, KVM_TR_LOADED, KVM_TR_PUT,
		     one.timeline->loaded);
	tl_intervals(f, &one, "load", 2, KVM_TR_LOAD, KVM_TR_LOADED, false);
	tl_intervals(f, &one, "put", 2, KVM_TR_PUT, KVM_TR_PUT_DONE, false);
	tl_points(f, &one, "VM-exit", 1, KVM_TR_EXIT);
	tl_points(f, &one, "guest PMI", 0.5, KVM_TR_PMI);
}

static void timeline_script(FILE *f, const struct report_set *s, const char *name)
{
	char title[192];

	snprintf(title, sizeof(title), "one vCPU: %s", s->timeline_what ? s->timeline_what :
		 "no run");
	head(f, name, title);
	fprintf(f, "set xlabel 'microseconds'\nset yrange [0:6]\nset key below\n"
		"set ytics ('PMI' 0.5, 'exit' 1, 'load/put' 2, 'loaded' 3, 'irqs off' 4, "
		"'guest' 5)\n"
		"plot for [i=0:4] '%s.dat' index i using 1:2:3:4 with vectors nohead lw 8 "
		"title columnheader(1), \\\n"
		"     '%s.dat' index 5 using 1:2 with points pt 2 ps 1 title columnheader(1), \\\n"
		"     '%s.dat' index 6 using 1:2 with points pt 7 ps 1.2 title columnheader(1)\n",
		name, name, name);
}

const struct report_plot report_plots[] = {
	{ "exit_latency_cdf", "VM-exit latency CDF per configuration (first scenario)",
	  exit_cdf_data, cdf_script },
	{ "overhead_vs_exit_rate", "guest overhead against exit rate (first scenario)",
	  rate_data, rate_script },
	{ "host_blind", "host blind share per configuration and scenario", blind_data,
	  bars_script },
	{ "pmi_latency_cdf", "guest PMI latency CDF per configuration (first scenario)",
	  pmi_cdf_data, cdf_script },
	{ "guest_overhead", "guest overhead per configuration and scenario", ovh_data,
	  bars_script },
	{ "timeline", "a timeline of one vCPU: guest mode, the inner loop, loads and puts, "
	  "PMIs", timeline_data, timeline_script },
	{ 0 },
};

static void base64(FILE *f, const unsigned char *p, size_t n)
{
	static const char t[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned int v = (unsigned int)p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) |
				 (i + 2 < n ? p[i + 2] : 0);

		fputc(t[v >> 18 & 63], f);
		fputc(t[v >> 12 & 63], f);
		fputc(i + 1 < n ? t[v >> 6 & 63] : '=', f);
		fputc(i + 2 < n ? t[v & 63] : '=', f);
	}
}

static void html_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputs(*s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" :
		      (char[2]){ *s, 0 }, f);
}

void report__html(FILE *f, const char *text, const struct report_html_plot *p, int n,
		  const char *version)
{
	/* A fixed layout: the plots come first, each in a box of known size
	 * (tests/cli/png_regions.py finds them in a screenshot by it). */
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<title>vpmu compare</title>\n<style>body{font-family:sans-serif;margin:0;"
		"padding:10px;background:#fff}#head{height:120px;overflow:hidden}"
		"pre{font-size:12px}.plot{height:470px;overflow:hidden;margin:0}"
		".plot h3{height:30px;margin:0;line-height:30px;font-size:16px}"
		".plot img,.plot p{display:block;width:720px;height:420px;margin:0}</style>\n"
		"</head><body>\n<div id=\"head\"><h1>vpmu compare</h1>\n<p>vpmu %s. Every figure "
		"is from the model; the tables, legends and verdicts below are those printed by "
		"<code>vpmu compare</code>.</p></div>\n", version);
	for (int i = 0; i < n; i++) {
		fprintf(f, "<div class=\"plot\" id=\"plot-%s\"><h3>", p[i].plot->name);
		html_text(f, p[i].plot->title);
		fprintf(f, "</h3>\n");
		if (p[i].svg) {
			fprintf(f, "<img alt=\"%s\" src=\"data:image/svg+xml;base64,", p[i].plot->name);
			base64(f, (const unsigned char *)p[i].svg, p[i].svg_len);
			fprintf(f, "\">\n");
		} else {
			fprintf(f, "<p>Not rendered: gnuplot was not found. Install Debian's "
				"gnuplot-nox and run <code>gnuplot %s.gp</code> in the plots "
				"directory, then run vpmu compare again.</p>\n", p[i].plot->name);
		}
		fprintf(f, "</div>\n");
	}
	fprintf(f, "<h2>Tables and verdicts</h2>\n<pre>");
	html_text(f, text);
	fprintf(f, "</pre>\n</body></html>\n");
}

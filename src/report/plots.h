/*
 * report/plots.h - gnuplot plots of a compare run and the one-file HTML
 * report. Each plot is a data file and a gnuplot script that renders it
 * to SVG (gnuplot's svg terminal); cli/ runs gnuplot when it is installed
 * and otherwise leaves data and scripts for `gnuplot NAME.gp`. The HTML
 * embeds every SVG as a data: URI, so it is one self-contained file.
 *
 * Plots: exit-latency CDF per configuration, guest overhead against exit
 * rate per configuration, host blind share per configuration, guest PMI
 * latency CDF per configuration, guest overhead per configuration, and a
 * timeline of one vCPU (guest mode, the irqs-off inner loop, the guest
 * context loaded, loads and puts, VM-exits and guest PMIs). Axes: cycles,
 * exits per second of guest time, percent, microseconds.
 */
#ifndef VPMU__REPORT_PLOTS_H
#define VPMU__REPORT_PLOTS_H

#include <stdio.h>

#include "report/compare.h"

struct report_set {
	const struct report_row *rows;	/* every scenario's rows, in order */
	int n;
	const struct report_row *rate;	/* the first scenario at scaled exit rates */
	int nr_rate;
	unsigned int core_mhz;
	const struct sim_timeline *timeline;	/* one run's window, or NULL */
	const char *timeline_what;		/* which run, for the title */
};

struct report_plot {
	const char *name;	/* file stem: NAME.dat, NAME.gp, NAME.svg */
	const char *title;
	void (*data)(FILE *f, const struct report_set *s);
	void (*script)(FILE *f, const struct report_set *s, const char *name);
};

extern const struct report_plot report_plots[];	/* ends with { 0 } */

/* One plot as the HTML shows it: its SVG text, or NULL when not rendered. */
struct report_html_plot {
	const struct report_plot *plot;
	char *svg;
	size_t svg_len;
};

/* The HTML report: tables, legend and verdicts as text, the plots, and
 * for a missing SVG how to render it. @text is the compare text output. */
void report__html(FILE *f, const char *text, const struct report_html_plot *p, int n,
		  const char *version);

#endif /* VPMU__REPORT_PLOTS_H */

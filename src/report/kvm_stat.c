/*
 * report/kvm_stat.c - see kvm_stat.h. Column widths and formats are perf's
 * (header %20s %10s %9s %9s %11s %11s %16s; rows %20s %10llu %8.2f%%
 * %8.2f%% %9.2fus %9.2fus %9.2fus ( +-%7.2f%% )), so the output sits beside
 * the real tool's line for line.
 */
#include <math.h>
#include <string.h>

#include "report/kvm_stat.h"

static double us(double cycles, unsigned int mhz)
{
	return mhz ? cycles / (double)mhz : 0;
}

/* One row: the exits of every reason perf names the same way (perf has no
 * TSC-deadline split: those are MSR_WRITE), their statistics pooled. */
struct row {
	const char *name;
	u64 n, sum, min, max;
	double sumsq;
};

static int rows_of(const struct sim_metrics *m, struct row *rows)
{
	int n = 0;

	for (int r = 0; r < EXIT_NR; r++) {
		const struct sim_pct *p = &m->exit_latency_by[r];
		double mean = p->n ? (double)p->sum / (double)p->n : 0;
		struct row *w = NULL;
		const char *name;

		if (!m->exits[r])
			continue;
		name = m->vendor == HW_VENDOR_AMD ? kvm_exits[r].svm : kvm_exits[r].vmx;

		for (int i = 0; i < n && !w; i++)
			if (!strcmp(rows[i].name, name))
				w = &rows[i];
		if (!w) {
			w = &rows[n++];
			*w = (struct row){ .name = name, .min = p->min };
		}
		w->n += p->n;
		w->sum += p->sum;
		w->min = p->min < w->min ? p->min : w->min;
		w->max = p->max > w->max ? p->max : w->max;
		w->sumsq += p->sd * p->sd * (double)(p->n ? p->n - 1 : 0) + (double)p->n * mean * mean;
	}
	return n;
}

void report__kvm_stat(FILE *f, const struct sim_metrics *m, unsigned int mhz)
{
	struct row rows[EXIT_NR];
	int n = rows_of(m, rows);
	u64 total = 0, time = 0;

	for (int i = 0; i < n; i++) {
		total += rows[i].n;
		time += rows[i].sum;
	}
	for (int i = 1; i < n; i++)	/* by samples, descending; ties keep their order */
		for (int j = i; j > 0 && rows[j].n > rows[j - 1].n; j--) {
			struct row t = rows[j];

			rows[j] = rows[j - 1];
			rows[j - 1] = t;
		}
	fprintf(f, "Analyze events for all VMs, all VCPUs:\n\n");
	fprintf(f, "%20s %10s %9s %9s %11s %11s %16s\n\n", "VM-EXIT", "Samples", "Samples%",
		"Time%", "Min Time", "Max Time", "Avg time");
	for (int i = 0; i < n; i++) {
		const struct row *w = &rows[i];
		double mean = (double)w->sum / (double)w->n;
		double var = w->n > 1 ? (w->sumsq - (double)w->n * mean * mean) / (double)(w->n - 1) : 0;
		double rel = mean > 0 ? 100.0 * sqrt(var > 0 ? var : 0) / sqrt((double)w->n) / mean : 0;

		fprintf(f, "%20s %10llu %8.2f%% %8.2f%% %9.2fus %9.2fus %9.2fus ( +-%7.2f%% )\n",
			w->name, (unsigned long long)w->n,
			total ? 100.0 * (double)w->n / (double)total : 0,
			time ? 100.0 * (double)w->sum / (double)time : 0, us((double)w->min, mhz),
			us((double)w->max, mhz), us(mean, mhz), rel);
	}
	fprintf(f, "\nTotal Samples:%llu, Total events handled time:%.2fus.\n\n",
		(unsigned long long)total, us((double)time, mhz));
}

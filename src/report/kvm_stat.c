/*
 * report/kvm_stat.c - see kvm_stat.h. Column widths and formats are perf's
 * (header %20s %10s %9s %9s %11s %11s %16s; rows %20s %10llu %8.2f%%
 * %8.2f%% %9.2fus %9.2fus %9.2fus ( +-%7.2f%% )), so the output sits beside
 * the real tool's line for line.
 */
#include <math.h>

#include "report/kvm_stat.h"

static double us(double cycles, unsigned int mhz)
{
	return mhz ? cycles / (double)mhz : 0;
}

void report__kvm_stat(FILE *f, const struct sim_metrics *m, unsigned int mhz)
{
	int order[EXIT_NR], n = 0;
	u64 total_time = 0;

	for (int r = 0; r < EXIT_NR; r++) {
		if (!m->exits[r])
			continue;
		total_time += m->exit_latency_by[r].sum;
		order[n++] = r;
	}
	for (int i = 1; i < n; i++)	/* by samples, descending; ties by reason */
		for (int j = i; j > 0 && m->exits[order[j]] > m->exits[order[j - 1]]; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	fprintf(f, "Analyze events for all VMs, all VCPUs:\n\n");
	fprintf(f, "%20s %10s %9s %9s %11s %11s %16s\n\n", "VM-EXIT", "Samples", "Samples%",
		"Time%", "Min Time", "Max Time", "Avg time");
	for (int i = 0; i < n; i++) {
		const struct sim_pct *p = &m->exit_latency_by[order[i]];
		double mean = p->n ? (double)p->sum / (double)p->n : 0;
		double rel = mean > 0 && p->n ? 100.0 * p->sd / sqrt((double)p->n) / mean : 0;

		fprintf(f, "%20s %10llu %8.2f%% %8.2f%% %9.2fus %9.2fus %9.2fus ( +-%7.2f%% )\n",
			sim__exit_name((enum kvm_exit_reason)order[i]),
			(unsigned long long)m->exits[order[i]],
			m->exits_total ? 100.0 * (double)m->exits[order[i]] / (double)m->exits_total : 0,
			total_time ? 100.0 * (double)p->sum / (double)total_time : 0,
			us((double)p->min, mhz), us((double)p->max, mhz), us(mean, mhz), rel);
	}
	fprintf(f, "\nTotal Samples:%llu, Total events handled time:%.2fus.\n\n",
		(unsigned long long)m->exits_total, us((double)total_time, mhz));
}

/*
 * report/json.c - see json.h. Percentages are rounded to 1/100 so the text
 * is stable; everything else is an integer count of cycles or events.
 */
#include <jansson.h>
#include <math.h>

#include "report/json.h"

static json_t *pct_obj(const struct sim_pct *p)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "p50", (json_int_t)p->p50, "p90",
			 (json_int_t)p->p90, "p99", (json_int_t)p->p99, "max", (json_int_t)p->max,
			 "n", (json_int_t)p->n);
}

static json_t *percent(double v)
{
	return v < 0 ? json_null() : json_real(round(v * 100.0) / 100.0);
}

static json_t *exits_obj(const struct sim_metrics *m)
{
	json_t *by = json_object();

	for (int r = 0; r < EXIT_NR; r++)
		if (m->exits[r])
			json_object_set_new(by, sim__exit_name((enum kvm_exit_reason)r, m->vendor),
					    json_integer((json_int_t)m->exits[r]));
	return json_pack("{s:I,s:I,s:o,s:o}", "total", (json_int_t)m->exits_total,
			 "fastpath", (json_int_t)m->fastpath_exits, "fastpath_share",
			 percent(m->exits_total ? 100.0 * (double)m->fastpath_exits /
				 (double)m->exits_total : 0), "by_reason", by);
}

static json_t *latency_obj(const struct sim_metrics *m)
{
	json_t *o = pct_obj(&m->exit_latency), *by = json_object();

	json_object_set_new(o, "fastpath", pct_obj(&m->exit_latency_fastpath));
	json_object_set_new(o, "full", pct_obj(&m->exit_latency_full));
	for (int r = 0; r < EXIT_NR; r++)
		if (m->exits[r])
			json_object_set_new(by, sim__exit_name((enum kvm_exit_reason)r, m->vendor),
					    pct_obj(&m->exit_latency_by[r]));
	json_object_set_new(o, "by_reason", by);
	return o;
}

int report__json(FILE *f, const struct sim_metrics *m, const char *version)
{
	json_t *o = json_object(), *pmi = pct_obj(&m->pmi_latency);
	int ret;

	json_object_set_new(o, "vpmu_version", json_string(version));
	json_object_set_new(o, "scenario", json_string(m->scenario));
	json_object_set_new(o, "vpmu", json_string(m->vpmu));
	json_object_set_new(o, "policy", json_string(m->policy));
	json_object_set_new(o, "pmi", json_string(m->pmi));
	json_object_set_new(o, "cpu", json_string(m->cpu));
	json_object_set_new(o, "seed", json_integer((json_int_t)m->seed));
	json_object_set_new(o, "wall_cycles", json_integer((json_int_t)m->wall_cycles));
	json_object_set_new(o, "wall_cycles_none", json_integer((json_int_t)m->wall_cycles_none));
	json_object_set_new(o, "guest_overhead_pct", percent(m->guest_overhead_pct));
	json_object_set_new(o, "exits", exits_obj(m));
	json_object_set_new(o, "exit_latency_cycles", latency_obj(m));
	json_object_set_new(o, "switches", json_pack("{s:I,s:I,s:I}", "loads",
			    (json_int_t)m->loads, "puts", (json_int_t)m->puts, "cycles",
			    (json_int_t)m->switch_cycles));
	json_object_set_new(o, "kvm_pmu", json_pack("{s:I,s:I,s:I,s:I,s:I}",
			    "reprograms", (json_int_t)m->reprograms,
			    "reprogram_cycles", (json_int_t)m->reprogram_cycles,
			    "perf_event_releases", (json_int_t)m->perf_event_releases,
			    "emulated_instructions", (json_int_t)m->retired_emulated,
			    "fastpath_left_for_request", (json_int_t)m->fastpath_left));
	json_object_set_new(o, "guest_perf", json_pack("{s:s,s:I}", "driver", m->guest_driver,
			    "counters", (json_int_t)m->guest_counters));
	json_object_set_new(o, "host_sched", json_pack("{s:I,s:I}", "preemptions",
			    (json_int_t)m->preemptions, "host_task_cycles",
			    (json_int_t)m->host_task_cycles));
	json_object_set_new(o, "host_blind_pct", percent(m->host_blind_pct));
	json_object_set_new(o, "host_irqoff_cycles", pct_obj(&m->host_irqoff));
	json_object_set_new(pmi, "pmis", json_integer((json_int_t)m->guest_pmis));
	json_object_set_new(pmi, "samples", json_integer((json_int_t)m->guest_samples));
	json_object_set_new(pmi, "dropped", json_integer((json_int_t)m->pmis_dropped));
	json_object_set_new(pmi, "merged", json_integer((json_int_t)m->pmis_merged));
	json_object_set_new(o, "guest_pmi_latency_cycles", pmi);
	json_object_set_new(o, "guest_count_error_pct", percent(m->guest_count_error_pct));
	json_object_set_new(o, "host_count_error_pct", percent(m->host_count_error_pct));
	json_object_set_new(o, "isolation", json_pack("{s:I,s:I,s:I,s:I,s:I}",
			    "leaked_events", (json_int_t)m->leaked_events,
			    "residue_reads", (json_int_t)m->residue_reads,
			    "misattributed_pmis", (json_int_t)m->misattributed_pmis,
			    "lost_counts", (json_int_t)m->lost_counts,
			    "unclaimed_nmis", (json_int_t)m->unclaimed_nmis));
	ret = json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	fputc('\n', f);
	json_decref(o);
	return ret;
}

void report__run_text(FILE *f, const struct sim_metrics *m)
{
	fprintf(f, "%s on %s, vpmu %s%s%s, pmi %s, seed %llu\n", m->scenario, m->cpu, m->vpmu,
		m->policy[0] != '-' ? ":" : "", m->policy[0] != '-' ? m->policy : "", m->pmi,
		(unsigned long long)m->seed);
	fprintf(f, "  guest overhead        %8.2f %%  (%llu cycles vs %llu with no vPMU)\n",
		m->guest_overhead_pct, (unsigned long long)m->wall_cycles,
		(unsigned long long)m->wall_cycles_none);
	fprintf(f, "  exits                 %8llu     (%llu fastpath)\n",
		(unsigned long long)m->exits_total, (unsigned long long)m->fastpath_exits);
	fprintf(f, "  exit latency p50/p99  %8llu / %llu cycles (fastpath p50 %llu, full p50 %llu)\n",
		(unsigned long long)m->exit_latency.p50, (unsigned long long)m->exit_latency.p99,
		(unsigned long long)m->exit_latency_fastpath.p50,
		(unsigned long long)m->exit_latency_full.p50);
	fprintf(f, "  guest perf driver     %8s     (%u counters)\n", m->guest_driver,
		m->guest_counters);
	fprintf(f, "  emulated instructions %8llu     (KVM completed them; %llu reprograms "
		"took %llu cycles)\n", (unsigned long long)m->retired_emulated,
		(unsigned long long)m->reprograms, (unsigned long long)m->reprogram_cycles);
	if (m->preemptions)
		fprintf(f, "  preemptions           %8llu     (other host tasks ran %llu cycles)\n",
			(unsigned long long)m->preemptions,
			(unsigned long long)m->host_task_cycles);
	fprintf(f, "  loads / puts          %8llu / %llu (%llu cycles switching)\n",
		(unsigned long long)m->loads, (unsigned long long)m->puts,
		(unsigned long long)m->switch_cycles);
	fprintf(f, "  host blind            %8.2f %%\n", m->host_blind_pct);
	fprintf(f, "  host irqs-off max     %8llu cycles (p99 %llu)\n",
		(unsigned long long)m->host_irqoff.max, (unsigned long long)m->host_irqoff.p99);
	fprintf(f, "  guest PMIs            %8llu     (%llu samples; latency p50 %llu, max %llu "
		"cycles)\n", (unsigned long long)m->guest_pmis,
		(unsigned long long)m->guest_samples, (unsigned long long)m->pmi_latency.p50,
		(unsigned long long)m->pmi_latency.max);
	if (m->guest_count_error_pct >= 0)
		fprintf(f, "  guest count error     %8.2f %%\n", m->guest_count_error_pct);
	if (m->host_count_error_pct >= 0)
		fprintf(f, "  host count error      %8.2f %%\n", m->host_count_error_pct);
	fprintf(f, "  isolation             leaked %llu, residue reads %llu, misattributed PMIs %llu, "
		"lost counts %llu\n", (unsigned long long)m->leaked_events,
		(unsigned long long)m->residue_reads, (unsigned long long)m->misattributed_pmis,
		(unsigned long long)m->lost_counts);
}

/*
 * report/json.c - see json.h. Percentages are rounded to 1/100 so the text
 * is stable; everything else is an integer count of cycles or events.
 */
#include <math.h>
#include <string.h>

#include "report/host_perf.h"
#include "report/json.h"

/* The length of the valid UTF-8 sequence at @p, or 0 (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF). */
static int utf8_seq(const unsigned char *p)
{
	int n = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2 :
		(p[0] & 0xf0) == 0xe0 ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;

	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && p[0] == 0xe0 && p[1] < 0xa0) || (n == 3 && p[0] == 0xed && p[1] >= 0xa0) ||
	    (n == 4 && p[0] == 0xf0 && p[1] < 0x90) || (n == 4 && p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

long report__utf8_bad(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (long i = 0; p[i];) {
		int n = utf8_seq(p + i);

		if (!n)
			return i;
		i += n;
	}
	return -1;
}

static json_t *str(const char *s)
{
	char buf[512];
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;

	if (report__utf8_bad(s) < 0)
		return json_string(s);
	while (*p && o + 4 < sizeof(buf)) {
		int n = utf8_seq(p);

		if (n) {
			memcpy(buf + o, p, (size_t)n);
			o += (size_t)n;
			p += n;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			p++;
		}
	}
	return json_stringn(buf, o);
}

static json_t *pct_obj(const struct sim_pct *p)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "p50", (json_int_t)p->p50, "p90",
			 (json_int_t)p->p90, "p99", (json_int_t)p->p99, "max", (json_int_t)p->max,
			 "n", (json_int_t)p->n);
}

/* ... and the mean, for durations published as averages */
static json_t *pct_mean_obj(const struct sim_pct *p)
{
	json_t *o = pct_obj(p);

	json_object_set_new(o, "mean", json_integer((json_int_t)(p->n ? p->sum / p->n : 0)));
	return o;
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

/* Mediated context loads and puts, and their cycles. */
static json_t *switches_obj(const struct sim_metrics *m)
{
	return json_pack("{s:I,s:I,s:I}", "loads", (json_int_t)m->loads, "puts",
			 (json_int_t)m->puts, "cycles", (json_int_t)m->switch_cycles);
}

static json_t *host_events_arr(const struct sim_metrics *m)
{
	json_t *a = json_array();

	for (int i = 0; i < m->nr_host_events; i++) {
		const struct sim_host_event *h = &m->host_events[i];

		json_array_append_new(a, json_pack("{s:o,s:I,s:I,s:I,s:o}", "name", str(h->name),
			"count", (json_int_t)h->count, "enabled", (json_int_t)h->enabled,
			"running", (json_int_t)h->running,
			"truth", h->has_truth ? json_integer((json_int_t)h->truth) : json_null()));
	}
	return a;
}

static json_t *identity(const struct sim_metrics *m, const char *version, const char *status)
{
	json_t *o = json_object();

	json_object_set_new(o, "vpmu_version", json_string(version));
	json_object_set_new(o, "scenario", str(m->scenario));
	json_object_set_new(o, "vpmu", json_string(m->vpmu));
	json_object_set_new(o, "policy", json_string(m->policy));
	json_object_set_new(o, "pmi", json_string(m->pmi));
	json_object_set_new(o, "cpu", str(m->cpu));
	json_object_set_new(o, "seed", json_integer((json_int_t)m->seed));
	json_object_set_new(o, "status", json_string(status));
	return o;
}

json_t *report__json_na(const struct sim_metrics *id, const char *reason, const char *version)
{
	json_t *o = identity(id, version, "n/a");

	json_object_set_new(o, "reason", str(reason));
	return o;
}

static json_t *ipi_obj(const struct sim_metrics *m)
{
	json_t *o = pct_obj(&m->ipi_latency);

	json_object_set_new(o, "sent", json_integer((json_int_t)m->ipis_sent));
	json_object_set_new(o, "received", json_integer((json_int_t)m->ipis_received));
	json_object_set_new(o, "merged", json_integer((json_int_t)m->ipis_merged));
	json_object_set_new(o, "kicks", json_integer((json_int_t)m->ipi_kicks));
	json_object_set_new(o, "late", json_integer((json_int_t)m->ipis_late));
	return o;
}

/* The host-wide extras of a host scenario; the row's other fields are
 * the host's totals (sim/host.h). */
static json_t *host_obj(const struct sim_metrics *m)
{
	double secs = m->core_mhz ? (double)m->wall_cycles / (m->core_mhz * 1e6) : 0;

	return json_pack("{s:I,s:I,s:I,s:I,s:o,s:I,s:o,s:o,s:I}", "vcpus",
			 (json_int_t)m->nr_vcpus, "vms", (json_int_t)m->nr_vms,
			 "pcpus", (json_int_t)m->nr_pcpus,
			 "vcpu_switches", (json_int_t)m->vcpu_switches,
			 "vcpu_switches_per_sec", secs > 0 ?
			 json_real(round((double)m->vcpu_switches / secs)) : json_null(),
			 "preemptions", (json_int_t)m->preemptions,
			 "preemption_cycles_mean", m->preemptions ?
			 json_integer((json_int_t)(m->preemption_cycles / m->preemptions)) :
			 json_null(),
			 "ipi_latency_cycles", ipi_obj(m),
			 "isolation_diffs", (json_int_t)m->isolation_diffs);
}

static void isolation_set(json_t *o, const struct sim_metrics *m)
{
	json_object_set_new(o, "isolation", json_pack("{s:I,s:I,s:I,s:I,s:I}",
			    "leaked_events", (json_int_t)m->leaked_events,
			    "residue_reads", (json_int_t)m->residue_reads,
			    "misattributed_pmis", (json_int_t)m->misattributed_pmis,
			    "lost_counts", (json_int_t)m->lost_counts,
			    "unclaimed_nmis", (json_int_t)m->unclaimed_nmis));
}

json_t *report__json_row(const struct sim_metrics *m, const char *version)
{
	json_t *o = identity(m, version, "ok"), *pmi = pct_obj(&m->pmi_latency);

	json_object_set_new(o, "wall_cycles", json_integer((json_int_t)m->wall_cycles));
	json_object_set_new(o, "wall_cycles_none", json_integer((json_int_t)m->wall_cycles_none));
	json_object_set_new(o, "guest_overhead_pct", percent(m->guest_overhead_pct));
	json_object_set_new(o, "exits", exits_obj(m));
	json_object_set_new(o, "exit_latency_cycles", latency_obj(m));
	json_object_set_new(o, "switches", switches_obj(m));
	json_object_set_new(o, "kvm_pmu", json_pack("{s:I,s:I,s:I,s:I,s:I}",
			    "reprograms", (json_int_t)m->reprograms,
			    "reprogram_cycles", (json_int_t)m->reprogram_cycles,
			    "perf_event_releases", (json_int_t)m->perf_event_releases,
			    "emulated_instructions", (json_int_t)m->retired_emulated,
			    "fastpath_left_for_request", (json_int_t)m->fastpath_left));
	json_object_set_new(o, "guest_perf", json_pack("{s:o,s:I}", "driver", str(m->guest_driver),
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
	json_object_set_new(o, "guest_pmi_handler_cycles", pct_mean_obj(&m->pmi_handler));
	json_object_set_new(o, "guest_count_error_pct", percent(m->guest_count_error_pct));
	json_object_set_new(o, "host_count_error_pct", percent(m->host_count_error_pct));
	json_object_set_new(o, "host_events", host_events_arr(m));
	isolation_set(o, m);
	if (m->nr_vcpus)	/* a host of several vCPUs (sim/host.h) */
		json_object_set_new(o, "host", host_obj(m));
	return o;
}

/* A vCPU's or VM's own metrics: what its run loop and guest did. */
static json_t *guest_obj(const struct sim_metrics *m)
{
	json_t *o = json_object(), *pmi = pct_obj(&m->pmi_latency);

	json_object_set_new(o, "wall_cycles", json_integer((json_int_t)m->wall_cycles));
	json_object_set_new(o, "exits", exits_obj(m));
	json_object_set_new(o, "exit_latency_cycles", latency_obj(m));
	json_object_set_new(o, "switches", switches_obj(m));
	json_object_set_new(o, "preemptions", json_integer((json_int_t)m->preemptions));
	json_object_set_new(o, "halts", json_pack("{s:I,s:I}", "n", (json_int_t)m->halts,
			    "cycles", (json_int_t)m->halted_cycles));
	json_object_set_new(o, "host_irqoff_cycles", pct_obj(&m->host_irqoff));
	json_object_set_new(pmi, "pmis", json_integer((json_int_t)m->guest_pmis));
	json_object_set_new(pmi, "samples", json_integer((json_int_t)m->guest_samples));
	json_object_set_new(o, "guest_pmi_latency_cycles", pmi);
	json_object_set_new(o, "guest_pmi_handler_cycles", pct_mean_obj(&m->pmi_handler));
	json_object_set_new(o, "guest_count_error_pct", percent(m->guest_count_error_pct));
	json_object_set_new(o, "ipis", ipi_obj(m));
	json_object_set_new(o, "isolation_diffs", json_integer((json_int_t)m->isolation_diffs));
	return o;
}

json_t *report__json_host(const struct sim_metrics *m, const struct sim_host_report *r,
			  const char *version)
{
	json_t *o = report__json_row(m, version), *h = json_object_get(o, "host");
	json_t *vcpus = json_array(), *vms = json_array(), *pcpus = json_array();

	json_object_set_new(h, "quantum_cycles", r->quantum_cycles == UINT64_MAX ? json_null() :
			    json_integer((json_int_t)r->quantum_cycles));
	json_object_set_new(h, "ipi_lookahead", json_boolean(r->ipi_lookahead));
	for (unsigned int i = 0; i < r->nr_vcpus; i++) {
		const struct sim_vcpu_report *v = &r->vcpu[i];
		json_t *e = json_pack("{s:o,s:I,s:I,s:{s:I,s:I,s:I}}", "vm", str(v->vm),
				      "index", (json_int_t)v->index, "pcpu", (json_int_t)v->pcpu,
				      "scheduler", "took_pcpu", (json_int_t)v->took,
				      "left_pcpu", (json_int_t)v->left,
				      "migrations", (json_int_t)v->migrations);

		json_t *g = guest_obj(&v->m);

		json_object_update(e, g);
		json_decref(g);
		json_array_append_new(vcpus, e);
	}
	for (unsigned int k = 0; k < r->nr_vms; k++) {
		json_t *e = json_pack("{s:o,s:I}", "vm", str(r->vm[k].scenario), "vcpus",
				      (json_int_t)r->vm[k].nr_vcpus);

		json_t *g = guest_obj(&r->vm[k]);

		json_object_update(e, g);
		json_decref(g);
		json_array_append_new(vms, e);
	}
	for (unsigned int i = 0; i < r->nr_pcpus; i++) {
		const struct sim_pcpu_report *p = &r->pcpu[i];
		struct sim_metrics one = { .nr_host_events = p->nr_host_events };

		memcpy(one.host_events, p->host_events, sizeof(one.host_events));
		json_array_append_new(pcpus, json_pack("{s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:I,s:I,s:o}",
				      "pcpu", (json_int_t)i, "threads", (json_int_t)p->threads,
				      "host_cycles", (json_int_t)p->host_cycles,
				      "blind_cycles", (json_int_t)p->blind_cycles,
				      "host_blind_pct", percent(p->host_blind_pct),
				      "host_task_cycles", (json_int_t)p->task_cycles,
				      "idle_cycles", (json_int_t)p->idle_cycles,
				      "pulls", (json_int_t)p->pulls,
				      "vcpu_switches", (json_int_t)p->vcpu_switches,
				      "host_events", host_events_arr(&one)));
	}
	json_object_set_new(o, "vcpus", vcpus);
	json_object_set_new(o, "vms", vms);
	json_object_set_new(o, "pcpus", pcpus);
	return o;
}

int report__json_host_dump(FILE *f, const struct sim_metrics *m,
			   const struct sim_host_report *r, const char *version)
{
	json_t *o = report__json_host(m, r, version);
	int ret = o ? report__json_dump(f, o) : -1;

	json_decref(o);
	return ret;
}

int report__json_dump(FILE *f, const json_t *doc)
{
	int ret = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
			     JSON_REAL_PRECISION(10));

	return fputc('\n', f) == EOF || ret ? -1 : 0;
}

int report__json(FILE *f, const struct sim_metrics *m, const char *version)
{
	json_t *o = report__json_row(m, version);
	int ret = o ? report__json_dump(f, o) : -1;

	json_decref(o);
	return ret;
}

void report__run_text(FILE *f, const struct sim_metrics *m)
{
	char a[32], b[32], c[32];

	fprintf(f, "%s on %s, vpmu %s%s%s, pmi %s, seed %llu\n", m->scenario, m->cpu, m->vpmu,
		m->policy[0] != '-' ? ":" : "", m->policy[0] != '-' ? m->policy : "", m->pmi,
		(unsigned long long)m->seed);
	fprintf(f, "  guest overhead        %8.2f %%  (%s cycles vs %s with no vPMU)\n",
		m->guest_overhead_pct, report__grouped(m->wall_cycles, a, sizeof(a)),
		report__grouped(m->wall_cycles_none, b, sizeof(b)));
	fprintf(f, "  exits                 %8s     (%s fastpath)\n",
		report__grouped(m->exits_total, a, sizeof(a)),
		report__grouped(m->fastpath_exits, b, sizeof(b)));
	fprintf(f, "  exit latency p50/p99  %8s / %s cycles (fastpath p50 %s, full p50 %s)\n",
		report__grouped(m->exit_latency.p50, a, sizeof(a)),
		report__grouped(m->exit_latency.p99, b, sizeof(b)),
		report__grouped(m->exit_latency_fastpath.p50, c, sizeof(c)),
		report__grouped(m->exit_latency_full.p50, (char[32]){ 0 }, 32));
	fprintf(f, "  guest perf driver     %8s     (%u counters)\n", m->guest_driver,
		m->guest_counters);
	fprintf(f, "  emulated instructions %8s     (KVM completed them; %s reprograms took %s "
		"cycles)\n", report__grouped(m->retired_emulated, a, sizeof(a)),
		report__grouped(m->reprograms, b, sizeof(b)),
		report__grouped(m->reprogram_cycles, c, sizeof(c)));
	if (m->preemptions)
		fprintf(f, "  preemptions           %8s     (other host tasks ran %s cycles)\n",
			report__grouped(m->preemptions, a, sizeof(a)),
			report__grouped(m->host_task_cycles, b, sizeof(b)));
	fprintf(f, "  loads / puts          %8s / %s (%s cycles switching)\n",
		report__grouped(m->loads, a, sizeof(a)), report__grouped(m->puts, b, sizeof(b)),
		report__grouped(m->switch_cycles, c, sizeof(c)));
	fprintf(f, "  host blind            %8.2f %%\n", m->host_blind_pct);
	fprintf(f, "  host irqs-off max     %8s cycles (p99 %s)\n",
		report__grouped(m->host_irqoff.max, a, sizeof(a)),
		report__grouped(m->host_irqoff.p99, b, sizeof(b)));
	fprintf(f, "  guest PMIs            %8s     (%s samples; latency p50 %s, max %s cycles)\n",
		report__grouped(m->guest_pmis, a, sizeof(a)),
		report__grouped(m->guest_samples, b, sizeof(b)),
		report__grouped(m->pmi_latency.p50, c, sizeof(c)),
		report__grouped(m->pmi_latency.max, (char[32]){ 0 }, 32));
	if (m->pmi_handler.n)
		fprintf(f, "  guest PMI handler     %8s cycles mean (p50 %s, max %s; its exits "
			"included)\n", report__grouped(m->pmi_handler.sum / m->pmi_handler.n, a,
						       sizeof(a)),
			report__grouped(m->pmi_handler.p50, b, sizeof(b)),
			report__grouped(m->pmi_handler.max, c, sizeof(c)));
	if (m->guest_count_error_pct >= 0)
		fprintf(f, "  guest count error     %8.2f %%\n", m->guest_count_error_pct);
	if (m->host_count_error_pct >= 0)
		fprintf(f, "  host count error      %8.2f %%\n", m->host_count_error_pct);
	fprintf(f, "  isolation             leaked %llu, residue reads %llu, misattributed PMIs %llu, "
		"lost counts %llu\n", (unsigned long long)m->leaked_events,
		(unsigned long long)m->residue_reads, (unsigned long long)m->misattributed_pmis,
		(unsigned long long)m->lost_counts);
	if (!m->nr_vcpus)
		return;
	fprintf(f, "  host                  %u vCPUs of %u VMs on %u pCPUs, %s vCPU switches "
		"(--json: per vCPU, VM, pCPU)\n", m->nr_vcpus, m->nr_vms, m->nr_pcpus,
		report__grouped(m->vcpu_switches, a, sizeof(a)));
	if (m->ipis_sent)
		fprintf(f, "  IPIs                  %8s     (latency p50 %s, p99 %s cycles; %s kicks, "
			"%s late)\n", report__grouped(m->ipis_sent, a, sizeof(a)),
			report__grouped(m->ipi_latency.p50, b, sizeof(b)),
			report__grouped(m->ipi_latency.p99, c, sizeof(c)),
			report__grouped(m->ipi_kicks, (char[32]){ 0 }, 32),
			report__grouped(m->ipis_late, (char[32]){ 0 }, 32));
}

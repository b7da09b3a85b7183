/*
 * cli/replay_out.c - see replay_out.h. Reason names are printed as the
 * input spelled them, beside the model reason each maps to; rows are in
 * the order of first appearance in the input (deterministic).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/replay_out.h"
#include "base/pool.h"
#include "report/json.h"
#include "sim/replay.h"

static void reason_row(FILE *f, const struct trace_mix *m, u32 k, u64 n, u64 lat_sum,
		       u64 lat_n)
{
	const struct trace_name *nm = &m->names[k];

	fprintf(f, "  %-28s %-24s %10llu", nm->name, exit_names__model_name(nm->model),
		(unsigned long long)n);
	if (lat_n)
		fprintf(f, " %12.3f", (double)lat_sum / (double)lat_n / 1000.0);
	else
		fprintf(f, " %12s", "-");
	fprintf(f, "%s\n", nm->exit ? "" : "  (not in the exit table)");
}

int replay_out__counts(FILE *f, const struct replay_opts *o, const struct trace_mix *m)
{
	(void)o;
	fprintf(f, "inputs: %d (%s)\n", o->nr_paths, m->formats);
	fprintf(f, "exits: %llu in %u vCPU(s); %llu returns to userspace, %llu nested exits "
		"(not counted as exits)\n", (unsigned long long)m->exits, m->nr_vcpus,
		(unsigned long long)m->userspace, (unsigned long long)m->nested);
	fprintf(f, "\n  %-28s %-24s %10s %12s\n", "reason", "model reason", "exits",
		"mean_lat_us");
	for (u32 k = 0; k < m->nr_names; k++) {
		u64 n = 0, ls = 0, ln = 0;

		for (u32 i = 0; i < m->nr_vcpus; i++) {
			n += m->vcpus[i].count[k];
			ls += m->vcpus[i].lat_sum[k];
			ln += m->vcpus[i].lat_n[k];
		}
		if (n)
			reason_row(f, m, k, n, ls, ln);
	}
	for (u32 i = 0; i < m->nr_vcpus; i++) {
		const struct trace_vcpu *v = &m->vcpus[i];

		fprintf(f, "\n%s: %llu exits, %llu to userspace\n", v->label,
			(unsigned long long)v->exits, (unsigned long long)v->userspace);
		for (u32 k = 0; k < m->nr_names; k++)
			if (v->count[k])
				reason_row(f, m, k, v->count[k], v->lat_sum[k], v->lat_n[k]);
	}
	if (*m->notes)
		fprintf(f, "\nnotes:\n%s", m->notes);
	return 0;
}

/* --- the replay ------------------------------------------------------------ */

static bool is_svm_input(const struct trace_mix *m)
{
	u64 svm = 0, vmx = 0;

	for (u32 k = 0; k < m->nr_names; k++)
		for (u32 i = 0; m->names[k].exit && i < m->nr_vcpus; i++)
			*(m->names[k].exit->isa == TRACE_ISA_SVM ? &svm : &vmx) +=
				m->vcpus[i].count[k];
	return svm > vmx;
}

struct run_ctx {
	const struct replay_opts *o;
	struct replay_input in;
	const struct profile *prof;
	const struct scenario *sc;
	FILE *json;
	FILE *out;		/* the text: stdout, or stderr when the JSON is on stdout */
	bool first;
	u64 mismatches;
	unsigned int jobs;	/* threads for the runs */
};

static void print_provenance(const struct run_ctx *x)
{
	const struct trace_mix *m = x->in.m;
	FILE *f = x->out;

	fprintf(f, "replay of %d input(s) (%s): %llu exits in %u vCPU(s); profile %s, scenario %s\n",
	       x->o->nr_paths, m->formats, (unsigned long long)m->exits, m->nr_vcpus,
	       x->prof->name, x->sc->name);
	if (!x->o->host)
		fprintf(f, "each vCPU is replayed on its own single-vCPU machine (--host: all "
		       "on one host)\n");
	else if (!x->o->pcpus)
		fprintf(f, "all vCPUs are replayed together on one host, each pinned to a pCPU of "
		       "its own; 'host' rows are the whole host (its blind share over all pCPUs), "
		       "a vCPU row's blind share is its pCPU's\n");
	else
		fprintf(f, "all vCPUs are replayed together on one host of %u pCPU(s), time-sliced "
		       "and migrating where fewer; 'host' rows are the whole host, a vCPU row's "
		       "blind share is its last pCPU's\n", x->o->pcpus);
	fprintf(f, "from the input: the exits and their order%s%s\n",
	       m->is_table ? " (a table: each reason spread evenly by its count)" :
	       ", the guest time between exits",
	       x->in.trace_costs && m->has_latency ?
	       (m->is_table ? ", handler costs = each reason's mean latency" :
		", handler costs = each exit's exit-to-entry time") : "");
	if (x->in.trace_costs && m->has_latency)
		fprintf(f, "  less what the model adds around a handler (VM-exit, VM-entry, the outer "
			"loop, the VMM); a HLT's time is the vCPU asleep\n");
	if (!x->o->host)
		fprintf(f, "  the host's interrupts are the input's interrupt exits: the model's host "
			"tick does not interrupt the guest, it runs at the next exit\n");
	fprintf(f, "from the profile: VM-entry/exit, PMU switching, MSR and PMI costs%s; from the "
	       "scenario: guest PMU use, host perf, host tasks\n",
	       x->in.trace_costs && m->has_latency ? "" : ", handler costs");
	if (m->is_table)
		fprintf(f, "assumed: %u us of guest time before each exit (--guest-us)\n",
		       x->in.guest_ns / 1000);
	fprintf(f, "\n%-24s %-16s %-6s %9s %9s %8s %7s %8s %8s %5s\n", "vcpu", "vpmu", "pmi",
	       "exits", "added", "overhead", "blind", "irqoff99", "pmi-lat", "iso");
}

static void print_row(FILE *f, const struct trace_vcpu *v, const struct sim_metrics *m,
		      const struct replay_fed *fed)
{
	char vp[40];
	u64 iso = m->leaked_events + m->residue_reads + m->misattributed_pmis + m->lost_counts;

	snprintf(vp, sizeof(vp), "%s%s%s", m->vpmu, strcmp(m->policy, "-") ? ":" : "",
		 strcmp(m->policy, "-") ? m->policy : "");
	fprintf(f, "%-24.24s %-16s %-6s %9llu %9lld %7.2f%% %6.2f%% %8llu %8llu %5llu\n", v->label,
	       vp, m->pmi, (unsigned long long)fed->total,
	       (long long)(m->exits_total - fed->total), m->guest_overhead_pct, m->host_blind_pct,
	       (unsigned long long)m->host_irqoff.p99, (unsigned long long)m->pmi_latency.p50,
	       (unsigned long long)iso);
}

/* Per reason, the machine was given and counted what the input has. */
static u64 check_faithful(FILE *f, const struct trace_vcpu *v, const struct trace_mix *mx,
			  const struct sim_metrics *m, const struct replay_fed *fed)
{
	u64 want[EXIT_NR] = { 0 }, bad = 0;

	for (u32 k = 0; k < mx->nr_names; k++) {
		int r = mx->names[k].model;

		want[r < 0 || r >= EXIT_NR ? EXIT_OTHER : r] += v->count[k];
	}
	for (int r = 0; r < EXIT_NR; r++) {
		if (fed->exits[r] == want[r] && m->exits[r] >= want[r])
			continue;
		fprintf(f, "  MISMATCH %s %s: the input has %llu %s exits, the machine was given "
			"%llu and counted %llu%s\n", v->label, m->vpmu,
			(unsigned long long)want[r], exit_names__model_name(r),
			(unsigned long long)fed->exits[r], (unsigned long long)m->exits[r],
			kvm_exit__path((enum kvm_exit_reason)r, m->vendor) == PATH_NONE ?
			" (the profile's vendor has no such exit)" : "");
		bad++;
	}
	return bad;
}

static void json_run(struct run_ctx *x, const struct trace_vcpu *v, const struct sim_metrics *m,
		     const struct replay_fed *fed)
{
	json_t *js = json_string(v->label);
	char *label = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;

	json_decref(js);

	fprintf(x->json, "%s    {\"vcpu\": %s, \"exits_from_input\": %llu, "
		"\"handler_costs_from_input\": %llu, \"metrics\": ", x->first ? "" : ",\n",
		label ? label : "null", (unsigned long long)fed->total,
		(unsigned long long)fed->trace_cost);
	free(label);
	report__json(x->json, m, VPMU_VERSION);
	fputs("}", x->json);
	x->first = false;
}

/* One row: @m, @fed of a run of vCPU @vi whose vPMU-none baseline took @none cycles. */
static void report_run(struct run_ctx *x, u32 vi, struct sim_metrics *m,
		       const struct replay_fed *fed, u64 none)
{
	m->wall_cycles_none = none;
	m->guest_overhead_pct = none ? 100.0 * ((double)m->wall_cycles - (double)none) /
				       (double)none : 0;
	print_row(x->out, &x->in.m->vcpus[vi], m, fed);
	x->mismatches += check_faithful(x->out, &x->in.m->vcpus[vi], x->in.m, m, fed);
	if (x->json)
		json_run(x, &x->in.m->vcpus[vi], m, fed);
}

static const struct kvm_vpmu_ops *const kinds[] = {	/* as cli_kind_names */
	&kvm_vpmu_none_ops, &kvm_vpmu_emulated_ops, &kvm_vpmu_mediated_ops,
};

static bool is_wanted(const struct replay_opts *o, int k, int p, int r)
{
	bool mediated = k == 2;

	return (o->kinds >> k & 1) && (mediated ? o->policies >> p & 1 : !p) &&
	       (mediated ? o->routes >> r & 1 : !r);
}

/*
 * The runs of every vCPU, in report order: a vCPU's vPMU-none baseline
 * (which is also its "none" row, the same configuration), then every other
 * configuration asked for. They are independent, so a window of them runs
 * on --jobs threads (base/pool.h), each into its own slot, and the window is
 * reported in order: the output is the same whatever the number of jobs.
 */
struct job {
	u32 vi;
	bool base;		/* the vCPU's baseline (and its none row if asked) */
	struct job *exit;	/* irqoff: the same vCPU and route's exit-policy job,
				 * run by this one (sim__is_exit_as_irqoff) */
	bool by_twin;		/* exit: run by its irqoff job, not started itself */
	struct sim_config c;
	struct sim_metrics m;
	struct replay_fed fed;
	int ret;
	char err[512];
};

struct jobs {
	struct run_ctx *x;
	struct job *j;
	size_t *order;		/* the jobs in the order they are started */
};

static void run_job(void *ctx, size_t i)
{
	struct jobs *js = ctx;
	struct job *j = &js->j[js->order[i]], *e = j->exit;

	j->ret = sim_replay__vcpu(&js->x->in, j->vi, &j->c, &j->m, &j->fed, j->err,
				  sizeof(j->err));
	if (e && !j->ret && sim__is_exit_as_irqoff(&j->m)) {
		e->m = j->m;		/* the exit run, step for step */
		sim__metrics_as_exit(&e->m);
		e->fed = j->fed;
		e->ret = 0;
	} else if (e) {
		e->ret = sim_replay__vcpu(&js->x->in, e->vi, &e->c, &e->m, &e->fed, e->err,
					  sizeof(e->err));
	}
}

/* Pair each irqoff job of jobs @j[0..n) with the exit job of its vCPU and
 * route, if asked for too: the irqoff job runs it (or takes its own
 * result for it, where the two runs are the same). */
static void pair_twins(struct job *j, size_t n)
{
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++)
			if (j[b].vi == j[a].vi && !j[b].by_twin && sim__is_exit_twin(&j[a].c, &j[b].c)) {
				j[a].exit = &j[b];
				j[b].by_twin = true;
				break;
			}
}

/* The jobs of vCPU @vi from @n on; the new count. */
static size_t add_jobs(const struct run_ctx *x, u32 vi, struct job *j, size_t n)
{
	struct sim_config c = { .prof = x->prof, .sc = x->sc, .seed = x->o->seed,
				.policy = kvm_policies[0], .kind = &kvm_vpmu_none_ops,
				.no_baseline = true };

	j[n++] = (struct job){ .vi = vi, .base = true, .c = c };
	for (int k = 1; k < (int)ARRAY_SIZE(kinds); k++)
		for (int p = 0; kvm_policies[p]; p++)
			for (int r = 0; r < 2; r++) {
				if (!is_wanted(x->o, k, p, r))
					continue;
				c.kind = kinds[k];
				c.policy = kvm_policies[p];
				c.route = (enum kvm_pmi_route)r;
				j[n++] = (struct job){ .vi = vi, .c = c };
			}
	return n;
}

/* Report @j (run): its row, against its vCPU's baseline @none. */
static int report_job(struct run_ctx *x, struct job *j, u64 *none)
{
	if (j->ret) {
		fprintf(stderr, "vpmu replay: %s: %s\n", x->in.m->vcpus[j->vi].label, j->err);
		return EXIT_CHECK_FAILED;
	}
	if (j->base)
		*none = j->m.wall_cycles;
	if (!j->base || is_wanted(x->o, 0, 0, 0))
		report_run(x, j->vi, &j->m, &j->fed, *none);
	return 0;
}

/* The emulated vPMU's runs first: they take longest (each guest PMU access
 * a perf reprogram), then the irqoff runs that may run their exit twin,
 * and the others fill in around them. How many are started. */
static size_t start_order(struct jobs *js, size_t n)
{
	size_t k = 0;

	pair_twins(js->j, n);
	for (size_t i = 0; i < n; i++)
		if (js->j[i].c.kind == &kvm_vpmu_emulated_ops)
			js->order[k++] = i;
	for (size_t i = 0; i < n; i++)
		if (js->j[i].exit)
			js->order[k++] = i;
	for (size_t i = 0; i < n; i++)
		if (js->j[i].c.kind != &kvm_vpmu_emulated_ops && !js->j[i].exit &&
		    !js->j[i].by_twin)
			js->order[k++] = i;
	return k;
}

static int run_vcpus(struct run_ctx *x)
{
	const struct trace_mix *m = x->in.m;
	size_t per = 2, win = 4 * (size_t)x->jobs;	/* per: a vCPU's jobs at most */
	struct job *j;
	struct jobs js = { .x = x };
	u64 none = 0;
	int ret = 0;

	for (int p = 0; kvm_policies[p]; p++)
		per += 2;
	win = win < 2 * per ? 2 * per : win;	/* two vCPUs at least: their long runs overlap */
	j = malloc((win + per) * sizeof(*j));
	js.order = malloc((win + per) * sizeof(*js.order));
	if (!j || !js.order) {
		free(j);
		free(js.order);
		fprintf(stderr, "vpmu replay: out of memory\n");
		return EXIT_CHECK_FAILED;
	}
	js.j = j;
	for (u32 vi = 0; vi < m->nr_vcpus && !ret;) {
		size_t n = 0;

		for (; vi < m->nr_vcpus && n < win; vi++)
			if (m->vcpus[vi].exits)
				n = add_jobs(x, vi, j, n);
		pool__run(x->jobs, start_order(&js, n), run_job, &js);
		for (size_t i = 0; i < n && !ret; i++)
			ret = report_job(x, &j[i], &none);
	}
	free(j);
	free(js.order);
	return ret;
}

static int load(const struct cli_cmd *c, const struct replay_opts *o,
		const struct trace_mix *m, struct profile *prof, struct scenario *sc)
{
	const char *cpu = o->cpu ? o->cpu : is_svm_input(m) ? "zen4" : "spr";
	struct diag d;

	if (profile__load(cpu, prof, &d))
		return cli__load_error(c, "cpu", cpu, profile_builtin, "profile", &d);
	if (scenario__load(o->scenario, sc, &d))
		return cli__load_error(c, "scenario", o->scenario, scenario_builtin, "scenario", &d);
	/* without --host each vCPU runs on a machine of its own, which a host
	 * scenario's VMs and pCPUs have no place on (its guests would not take
	 * the trace's exits) */
	if (scenario__is_host(sc) && !o->host)
		return cli__fail(c, "--scenario %s: a host scenario (VMs on %u pCPUs) has no place "
				 "on the one-vCPU machine each vCPU is replayed on; expected a "
				 "scenario without [vm.NAME] sections (vpmu list scenarios), or --host",
				 o->scenario, sc->pcpus ? sc->pcpus : 1);
	return cli__check_name(o->scenario, sc);
}

/* --host: each configuration is one run of the whole host; the rows are
 * its vCPUs (each against its own vCPU of the vPMU-none host run), then the
 * host's totals. */
static int host_one(struct run_ctx *x, const struct sim_config *c, struct sim_metrics *m,
		    struct sim_host_report *rep, struct replay_fed *fed)
{
	char err[512];

	if (sim_replay__host(&x->in, x->o->pcpus, c, m, rep, fed, err, sizeof(err))) {
		fprintf(stderr, "vpmu replay: --host: %s\n", err);
		return EXIT_CHECK_FAILED;
	}
	for (unsigned int i = 0; i < rep->nr_vcpus; i++) {	/* the run's identity */
		struct sim_metrics *v = &rep->vcpu[i].m;

		memcpy(v->scenario, m->scenario, sizeof(v->scenario));
		memcpy(v->vpmu, m->vpmu, sizeof(v->vpmu));
		memcpy(v->policy, m->policy, sizeof(v->policy));
		memcpy(v->pmi, m->pmi, sizeof(v->pmi));
		memcpy(v->cpu, m->cpu, sizeof(v->cpu));
		v->vendor = m->vendor;
		v->seed = m->seed;
		v->host_blind_pct = rep->pcpu[rep->vcpu[i].pcpu].host_blind_pct;
	}
	return 0;
}

static int run_host(struct run_ctx *x)
{
	static struct sim_host_report base, rep;
	static struct sim_metrics bm, m;
	static struct replay_fed bfed[SCENARIO_MAX_VCPUS], fed[SCENARIO_MAX_VCPUS];
	struct sim_config c = { .prof = x->prof, .sc = x->sc, .seed = x->o->seed,
				.policy = kvm_policies[0], .kind = &kvm_vpmu_none_ops,
				.no_baseline = true };
	struct trace_vcpu total = { .label = "host" };
	struct replay_fed tf;
	u32 idx[SCENARIO_MAX_VCPUS];
	int ret;

	sim_replay__host_vcpus(&x->in, idx);
	if ((ret = host_one(x, &c, &bm, &base, bfed)))
		return ret;
	for (int k = 0; k < (int)ARRAY_SIZE(kinds); k++)
		for (int p = 0; kvm_policies[p]; p++)
			for (int r = 0; r < 2; r++) {
				const struct sim_host_report *hr = k ? &rep : &base;
				const struct replay_fed *f = k ? fed : bfed;

				if (!is_wanted(x->o, k, p, r))
					continue;
				c.kind = kinds[k];
				c.policy = kvm_policies[p];
				c.route = (enum kvm_pmi_route)r;
				if (k && (ret = host_one(x, &c, &m, &rep, fed)))
					return ret;
				memset(&tf, 0, sizeof(tf));
				for (unsigned int i = 0; i < hr->nr_vcpus; i++) {
					struct sim_metrics v = hr->vcpu[i].m;

					report_run(x, idx[i], &v, &f[i],
						   base.vcpu[i].m.wall_cycles);
					tf.total += f[i].total;
				}
				m = k ? m : bm;
				m.wall_cycles_none = bm.wall_cycles;
				m.guest_overhead_pct = 100.0 * ((double)m.wall_cycles -
					(double)bm.wall_cycles) / (double)bm.wall_cycles;
				print_row(x->out, &total, &m, &tf);
				if (x->json)
					json_run(x, &total, &m, &tf);
			}
	return 0;
}

int replay_out__run(const struct cli_cmd *c, const struct replay_opts *o,
		    const struct trace_mix *m)
{
	static struct profile prof;
	static struct scenario sc;
	static struct cli_out jo;
	struct run_ctx x = { .o = o, .prof = &prof, .sc = &sc, .first = true,
		.in = { .m = m, .paths = o->paths, .nr_paths = o->nr_paths, .ops = o->ops,
			.skip_bad = o->skip_bad, .guest_ns = o->guest_ns,
			.trace_costs = !o->no_trace_costs } };
	int ret;

	if (!m->exits)
		return cli__fail(c, "the inputs have no exits to replay");
	if ((ret = load(c, o, m, &prof, &sc)))
		return ret;
	if (o->json && cli__out_open(&jo, o->json))
		return cli__fail(c, "--json: cannot write %s", o->json);
	x.json = o->json ? jo.f : NULL;
	/* inputs read again by every run (not kept: a trace too large) are
	 * read by one run at a time, in bounded memory */
	x.jobs = m->is_table || (m->keep && m->kept_all) ? o->jobs : 1;
	x.out = x.json == stdout ? stderr : stdout;
	if (x.json)
		fputs("{\"replay\": [\n", x.json);
	print_provenance(&x);
	if (!o->host)
		ret = run_vcpus(&x);
	if (o->host && !ret)
		ret = run_host(&x);
	if (x.json) {
		fprintf(x.json, "\n], \"exits_mismatched\": %llu}\n", (unsigned long long)x.mismatches);
		if (cli__out_close(&jo, !ret) && !ret)
			ret = cli__fail(c, "--json: cannot write %s", o->json);
	}
	if (!ret)
		fprintf(x.out, "\nexits: per vCPU and reason, every run took exactly the input's (%s); "
		       "'added' are the exits the model added (the guest perf driver's probes, the vPMU's MSR and PMI exits%s)\n",
		       x.mismatches ? "NOT: see above" : "checked",
		       o->host ? ", its host's tick interrupts" : "");
	if (*m->notes)
		fprintf(x.out, "\nnotes:\n%s", m->notes);
	return ret ? ret : x.mismatches ? EXIT_CHECK_FAILED : 0;
}

/*
 * sim/replay.c - see replay.h. The exit source (guest/workload.h) takes a
 * vCPU's exits from the kept buffer, from the kept exits' spill file (a
 * trace with more exits than the buffer holds), from a table's synthesised
 * stream, or by reading the inputs again (trace_pass) when they were not
 * kept; a run with the baseline reads the stream twice, so the source is
 * opened afresh for each run. Each call keeps its state on the heap, so
 * that calls on several threads share only their (read-only) inputs.
 */
#include <stdlib.h>
#include <string.h>

#include "guest/workload.h"
#include "sim/replay.h"

enum src_mode { SRC_BUF, SRC_SPILL, SRC_SYNTH, SRC_PASS };

struct src {
	const struct replay_input *in;
	const struct trace_vcpu *v;
	enum src_mode mode;
	size_t i;
	struct trace_synth syn;
	struct trace_pass pass;
	struct trace_spill spill;
	u64 mhz;
	struct kvm_costs kc;		/* the run's: what the model adds around a handler */
	enum hw_vendor vendor;
	struct replay_fed fed;
	struct diag d;
	bool failed;
};

static u64 ns_to_cycles(u64 ns, u64 mhz)
{
	u64 c = ns * mhz / 1000;

	return c ? c : 1;
}

static int take(struct src *s, struct trace_exit *e)
{
	int r;

	switch (s->mode) {
	case SRC_BUF:
		if (s->i == s->v->nbuf)
			return 0;
		*e = s->v->buf[s->i++];
		return 1;
	case SRC_SPILL:
		r = trace_spill__next(&s->spill, e);
		if (r < 0) {
			s->failed = true;
			diag__set(&s->d, VPMU_E_IO, "tmpfile", 0, 0, "cannot read the kept exits back "
				  "from their temporary file");
		}
		return r;
	case SRC_SYNTH:
		return trace_synth__next(&s->syn, e) ? 1 : 0;
	case SRC_PASS:
		r = trace_pass__next(&s->pass, e, &s->d);
		if (r < 0)
			s->failed = true;
		return r < 0 ? -1 : r;
	}
	return -1;
}

static int src_next(void *ctx, u64 *gap, enum kvm_exit_reason *reason, u64 *handler)
{
	struct src *s = ctx;
	struct trace_exit e;
	int r = take(s, &e);

	if (r <= 0)
		return r;
	*gap = ns_to_cycles(e.has_guest ? e.guest_ns : s->in->guest_ns, s->mhz);
	*reason = e.model < 0 || e.model >= EXIT_NR ? EXIT_OTHER : (enum kvm_exit_reason)e.model;
	*handler = 0;
	if (s->in->trace_costs && e.has_lat) {
		/* the trace's exit-to-entry time spans the whole exit: the
		 * handler is what is left after the model's own VM-exit,
		 * VM-entry, outer loop and VMM (for a HLT: the time asleep) */
		u64 lat = ns_to_cycles(e.lat_ns, s->mhz),
		    fixed = sim__exit_fixed_cycles(&s->kc, *reason, s->vendor);

		*handler = lat > fixed ? lat - fixed : 1;
	}
	s->fed.exits[*reason]++;
	s->fed.total++;
	s->fed.trace_cost += *handler != 0;
	s->fed.guest_from_trace += e.has_guest;
	return 1;
}

static int src_open(struct src *s, const struct replay_input *in, u32 vcpu,
		    const struct sim_config *c)
{
	memset(s, 0, sizeof(*s));
	s->in = in;
	s->v = &in->m->vcpus[vcpu];
	s->mhz = c->prof->core_mhz;
	sim__kvm_costs(c->prof, c->sc, &s->kc);
	s->vendor = c->prof->pmu.vendor;
	if (in->m->is_table) {
		s->mode = SRC_SYNTH;
		trace_synth__init(&s->syn, in->m, vcpu, in->guest_ns);
		return 0;
	}
	if (in->m->keep && in->m->kept_all) {
		s->mode = in->m->spill ? SRC_SPILL : SRC_BUF;
		if (in->m->spill)
			trace_spill__open(&s->spill, in->m, vcpu);
		return 0;
	}
	s->mode = SRC_PASS;
	return trace_pass__open(&s->pass, in->paths, in->nr_paths, in->ops, in->skip_bad, vcpu);
}

static void src_close(struct src *s)
{
	if (s->mode == SRC_PASS)
		trace_pass__close(&s->pass);
}

/* What one vCPU's replay keeps (large: off the stack, and one a call, so
 * that runs of several threads do not share it). */
struct vcpu_run {
	struct scenario sc;
	struct src s;
};

static int run_src(struct vcpu_run *r, const struct replay_input *in, u32 vcpu,
		   const struct sim_config *c, const struct sim_config *run,
		   struct sim_metrics *m, char *err, size_t len)
{
	int ret;

	if (src_open(&r->s, in, vcpu, c)) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	ret = sim__run(run, m, err, len);
	src_close(&r->s);
	if (r->s.failed) {
		diag__format(&r->s.d, err, len);
		return -1;
	}
	return ret ? -1 : 0;
}

int sim_replay__vcpu(const struct replay_input *in, u32 vcpu, const struct sim_config *c,
		     struct sim_metrics *m, struct replay_fed *fed, char *err, size_t len)
{
	struct vcpu_run *r;
	struct guest_exit_source gs = { .next = src_next };
	struct sim_config cc = *c;
	u64 none = 0;
	int ret = -1;

	if (vcpu >= in->m->nr_vcpus) {
		snprintf(err, len, "no vCPU %u in the inputs", vcpu);
		return -1;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	gs.ctx = &r->s;
	r->sc = *c->sc;
	r->sc.guest.src = &gs;
	snprintf(r->sc.name, sizeof(r->sc.name), "trace %.40s", in->m->vcpus[vcpu].label);
	cc.sc = &r->sc;
	cc.no_baseline = true;
	cc.input_irqs = true;		/* the trace has the host's interrupts */
	if (!c->no_baseline) {		/* the baseline: the same stream, vPMU none */
		struct sim_config base = cc;
		struct sim_metrics *bm = malloc(sizeof(*bm));

		base.kind = &kvm_vpmu_none_ops;
		if (!bm) {
			snprintf(err, len, "out of memory");
			goto out;
		}
		ret = run_src(r, in, vcpu, c, &base, bm, err, len);
		none = ret ? 0 : bm->wall_cycles;
		free(bm);
		if (ret)
			goto out;
	}
	if ((ret = run_src(r, in, vcpu, c, &cc, m, err, len)))
		goto out;
	*fed = r->s.fed;
	m->wall_cycles_none = none;
	if (none)
		m->guest_overhead_pct = 100.0 * ((double)m->wall_cycles - (double)none) /
					(double)none;
out:
	free(r);
	return ret;
}

unsigned int sim_replay__host_vcpus(const struct replay_input *in, u32 *idx)
{
	unsigned int n = 0;

	for (u32 i = 0; i < in->m->nr_vcpus && n < SCENARIO_MAX_VCPUS; i++)
		if (in->m->vcpus[i].exits)
			idx[n++] = i;
	return n;
}

int sim_replay__host(const struct replay_input *in, unsigned int pcpus,
		     const struct sim_config *c, struct sim_metrics *m,
		     struct sim_host_report *rep, struct replay_fed *fed, char *err, size_t len)
{
	struct host_run {	/* large: off the stack, and one a call */
		struct scenario sc;
		struct src s[SCENARIO_MAX_VCPUS];
		struct guest_exit_source gs[SCENARIO_MAX_VCPUS];
	} *r;
	struct scenario *sc;
	struct src *s;
	struct guest_exit_source *gs;
	const struct guest_exit_source *srcs[SCENARIO_MAX_VCPUS];
	struct sim_config cc = *c;
	u32 idx[SCENARIO_MAX_VCPUS];
	unsigned int n = sim_replay__host_vcpus(in, idx), opened = 0;
	int ret = -1;

	if (!n || pcpus > SCENARIO_MAX_PCPUS) {
		snprintf(err, len, n ? "at most %d pCPUs" : "no vCPU with exits in the inputs",
			 SCENARIO_MAX_PCPUS);
		return -1;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	sc = &r->sc;
	s = r->s;
	gs = r->gs;
	*sc = *c->sc;
	snprintf(sc->name, sizeof(sc->name), "trace");
	sc->pcpus = pcpus ? pcpus : n;
	sc->nr_vms = 1;
	memset(&sc->vm[0], 0, sizeof(sc->vm[0]));
	snprintf(sc->vm[0].name, sizeof(sc->vm[0].name), "trace");
	sc->vm[0].vcpus = n;
	sc->vm[0].guest = c->sc->guest;
	sc->vm[0].guest.vm_vcpus = n;
	sc->vm[0].pinned = !pcpus || pcpus == n;
	sc->vm[0].nr_pin = n;
	for (unsigned int i = 0; i < n; i++)
		sc->vm[0].pin[i] = i % sc->pcpus;
	for (; opened < n; opened++) {
		if (src_open(&s[opened], in, idx[opened], c)) {
			snprintf(err, len, "out of memory");
			goto out;
		}
		gs[opened] = (struct guest_exit_source){ .next = src_next, .ctx = &s[opened] };
		srcs[opened] = &gs[opened];
	}
	cc.sc = sc;
	cc.vcpu_src = srcs;
	cc.host_report = rep;
	cc.no_baseline = true;
	ret = sim__run(&cc, m, err, len);
	for (unsigned int i = 0; i < n && !ret; i++) {
		if (s[i].failed) {
			diag__format(&s[i].d, err, len);
			ret = -1;
		}
		fed[i] = s[i].fed;
	}
out:
	for (unsigned int i = 0; i < opened; i++)
		src_close(&s[i]);
	free(r);
	return ret;
}

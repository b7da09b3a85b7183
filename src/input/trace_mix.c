/*
 * input/trace_mix.c - see trace_mix.h.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/trace_internal.h"
#include "input/trace_mix.h"
#include "kvm/exits.h"

#define MSR_IA32_TSC_DEADLINE 0x6e0

int trace_mix__name(struct trace_mix *m, const char *name, const struct exit_name *e,
		    int model)
{
	for (u32 i = 0; i < m->nr_names; i++)
		if (!strcmp(m->names[i].name, name) && m->names[i].model == model)
			return (int)i;
	if (m->nr_names == TRACE_MIX_MAX_NAMES)
		return -1;
	struct trace_name *n = &m->names[m->nr_names];
	/* a bounded copy, truncated as snprintf would (gcc -O3 cannot tell
	 * that @name does not point into @m and rejects snprintf here) */
	size_t len = strnlen(name, sizeof(n->name) - 1);

	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->exit = e;
	n->model = model;
	return (int)m->nr_names++;
}

static void mix_note(struct trace_mix *m, const char *text)
{
	size_t len = strlen(m->notes);

	if (strstr(m->notes, text))
		return;
	snprintf(m->notes + len, sizeof(m->notes) - len, "%s%s", text,
		 text[strlen(text) - 1] == '\n' ? "" : "\n");
}

/* The vCPU of @rec: by thread, else vcpu id, else CPU; -1 if full. */
static int find_vcpu(struct trace_mix *m, const struct trace_record *rec)
{
	s32 tid = rec->tid, vcpu = rec->vcpu, cpu = rec->cpu;

	if (tid < 0 && vcpu < 0 && rec->kind >= TREC_MIX)
		cpu = -1;			/* a table row for all vCPUs */
	for (u32 k = 0; k < m->nr_vcpus; k++) {
		u32 i = (m->last + k) % m->nr_vcpus;
		const struct trace_vcpu *v = &m->vcpus[i];

		if (tid >= 0 ? v->tid == tid :
		    vcpu >= 0 ? v->tid < 0 && v->vcpu == vcpu :
		    v->tid < 0 && v->vcpu < 0 && v->cpu == cpu)
			return (int)(m->last = i);
	}
	if (m->nr_vcpus == TRACE_MIX_MAX_VCPUS)
		return -1;
	struct trace_vcpu *v = &m->vcpus[m->nr_vcpus];

	memset(v, 0, sizeof(*v));
	v->tid = tid;
	v->vcpu = vcpu;
	v->cpu = tid < 0 && vcpu < 0 ? cpu : -1;
	v->count = calloc(TRACE_MIX_MAX_NAMES, sizeof(u64));
	v->lat_sum = calloc(TRACE_MIX_MAX_NAMES, sizeof(u64));
	v->lat_n = calloc(TRACE_MIX_MAX_NAMES, sizeof(u64));
	if (!v->count || !v->lat_sum || !v->lat_n)
		return -1;
	return (int)(m->last = m->nr_vcpus++);
}

static void label(struct trace_vcpu *v)
{
	if (v->tid >= 0 && v->vcpu >= 0)
		snprintf(v->label, sizeof(v->label), "vcpu %d (thread %d)", v->vcpu, v->tid);
	else if (v->tid >= 0)
		snprintf(v->label, sizeof(v->label), "thread %d", v->tid);
	else if (v->vcpu >= 0)
		snprintf(v->label, sizeof(v->label), "vcpu %d", v->vcpu);
	else if (v->cpu >= 0)
		snprintf(v->label, sizeof(v->label), "cpu %d", v->cpu);
	else
		snprintf(v->label, sizeof(v->label), "all vcpus");
}

static u32 sat32(u64 v)
{
	return v > 0xffffffffULL ? 0xffffffffu : (u32)v;
}

static void free_bufs(struct trace_mix *m)
{
	for (u32 i = 0; i < m->nr_vcpus; i++) {
		free(m->vcpus[i].buf);
		m->vcpus[i].buf = NULL;
		m->vcpus[i].nbuf = m->vcpus[i].capbuf = 0;
	}
}

/* The exits cannot be kept: free what was (replay reads the inputs again). */
static void drop_kept(struct trace_mix *m)
{
	m->kept_all = false;
	m->kept = 0;
	free_bufs(m);
	if (m->spill)
		fclose(m->spill);
	m->spill = NULL;
}

static int spill_one(struct trace_mix *m, u32 vi, const struct trace_exit *e)
{
	struct trace_spilled r;

	memset(&r, 0, sizeof(r));	/* no stray padding bytes in the file */
	r.vcpu = vi;
	r.e = *e;
	return fwrite(&r, sizeof(r), 1, m->spill) == 1 ? 0 : -1;
}

/* The buffers are full: move them to a temporary file, vCPU by vCPU (the
 * order within a vCPU is all that matters), and spill from now on. */
static int start_spill(struct trace_mix *m)
{
	if (!(m->spill = tmpfile()))
		return -1;
	for (u32 i = 0; i < m->nr_vcpus; i++)
		for (size_t k = 0; k < m->vcpus[i].nbuf; k++)
			if (spill_one(m, i, &m->vcpus[i].buf[k]))
				return -1;
	free_bufs(m);
	return 0;
}

/* Keeps @e of vCPU @vi: in its buffer, or in the spill; false if neither can. */
static bool keep_exit(struct trace_mix *m, u32 vi, const struct trace_exit *e)
{
	struct trace_vcpu *v = &m->vcpus[vi];

	if (!m->spill && m->kept == m->max_kept && start_spill(m))
		return false;
	if (m->spill) {
		if (spill_one(m, vi, e))
			return false;
		m->kept++;
		return true;
	}
	if (v->nbuf == v->capbuf) {
		size_t cap = v->capbuf ? 2 * v->capbuf : 1024;
		struct trace_exit *b;

		if (cap > m->max_kept)
			cap = m->max_kept > v->nbuf ? m->max_kept : v->nbuf + 1;
		if (!(b = realloc(v->buf, cap * sizeof(*b))))
			return false;
		v->buf = b;
		v->capbuf = cap;
	}
	v->buf[v->nbuf++] = *e;
	m->kept++;
	return true;
}

static void complete(struct trace_mix *m, u32 vi)
{
	struct trace_vcpu *v = &m->vcpus[vi];
	struct trace_exit *e = &v->cur;

	v->pending = false;
	v->exits++;
	m->exits++;
	v->count[e->name]++;
	if (e->has_lat) {
		v->lat_sum[e->name] += e->lat_ns;
		v->lat_n[e->name]++;
		m->has_latency = true;
	}
	if (e->has_guest) {
		v->guest_sum += e->guest_ns;
		v->guest_n++;
	}
	if (m->only >= 0) {
		if ((u32)m->only == vi && v->nready < 2)
			v->ready[v->nready++] = *e;
		return;
	}
	if (m->keep && m->kept_all && !keep_exit(m, vi, e))
		drop_kept(m);
}

static int on_kvm_exit(struct trace_mix *m, u32 vi, const struct trace_record *rec)
{
	struct trace_vcpu *v = &m->vcpus[vi];
	int model = exit_names__model(rec->exit, rec->has_info, rec->info1);
	int name = trace_mix__name(m, rec->reason, rec->exit, model);
	char msg[160];

	if (name < 0)
		return VPMU_E_INVAL;
	if (!rec->exit) {
		snprintf(msg, sizeof(msg), "exit reason '%s' is not in the exit table: kept "
			 "under its name, replayed as 'other'", rec->reason);
		mix_note(m, msg);
	}
	if (v->pending)
		complete(m, vi);	/* no kvm_entry came between two exits */
	memset(&v->cur, 0, sizeof(v->cur));
	v->cur.name = (u16)name;
	v->cur.model = (int8_t)model;
	if (rec->has_ts && v->in_guest && rec->ts_ns >= v->entry_ts) {
		v->cur.has_guest = true;
		v->cur.guest_ns = sat32(rec->ts_ns - v->entry_ts);
	}
	v->pending = true;
	v->in_guest = false;
	v->exit_ts = rec->has_ts ? rec->ts_ns : 0;
	return 0;
}

static void on_entry(struct trace_mix *m, u32 vi, const struct trace_record *rec)
{
	struct trace_vcpu *v = &m->vcpus[vi];

	if (v->pending) {
		if (rec->has_ts && v->exit_ts && rec->ts_ns >= v->exit_ts) {
			v->cur.has_lat = true;
			v->cur.lat_ns = sat32(rec->ts_ns - v->exit_ts);
		}
		complete(m, vi);
	}
	v->in_guest = rec->has_ts;
	v->entry_ts = rec->ts_ns;
}

static int on_row(struct trace_mix *m, u32 vi, const struct trace_record *rec)
{
	struct trace_vcpu *v = &m->vcpus[vi];
	int model = exit_names__model(rec->exit, false, 0);
	int name = trace_mix__name(m, rec->reason, rec->exit, model);
	u64 lat;

	if (name < 0)
		return VPMU_E_INVAL;
	m->is_table = true;
	v->count[name] += rec->count;
	v->exits += rec->count;
	m->exits += rec->count;
	lat = rec->kind == TREC_HIST ? (rec->lo_ns + rec->hi_ns) / 2 :
	      rec->has_avg ? (u64)(rec->avg_us * 1000.0 + 0.5) : 0;
	if (rec->kind == TREC_HIST || rec->has_avg) {
		v->lat_sum[name] += lat * rec->count;
		v->lat_n[name] += rec->count;
		m->has_latency = true;
	}
	return 0;
}

static int feed(struct trace_mix *m, const struct trace_record *rec)
{
	int vi;

	m->records++;
	if (rec->kind == TREC_EVENT) {
		m->other_events++;
		return 0;
	}
	if ((vi = find_vcpu(m, rec)) < 0)
		return VPMU_E_INVAL;
	struct trace_vcpu *v = &m->vcpus[vi];

	if (v->vcpu < 0 && rec->vcpu >= 0)
		v->vcpu = rec->vcpu;	/* learnt from a later record (kvm_entry) */
	switch (rec->kind) {
	case TREC_EXIT:
		return on_kvm_exit(m, (u32)vi, rec);
	case TREC_ENTRY:
		on_entry(m, (u32)vi, rec);
		return 0;
	case TREC_USERSPACE:
		v->userspace++;
		m->userspace++;
		if (v->pending)
			v->cur.to_user = true;
		return 0;
	case TREC_MSR:
		if (v->pending && rec->msr_write && rec->msr == MSR_IA32_TSC_DEADLINE &&
		    v->cur.model == EXIT_MSR_WRITE) {
			const struct trace_name *n = &m->names[v->cur.name];
			int t = trace_mix__name(m, n->name, n->exit, EXIT_MSR_WRITE_TIMER);

			if (t < 0)
				return VPMU_E_INVAL;
			v->cur.name = (u16)t;
			v->cur.model = EXIT_MSR_WRITE_TIMER;
		}
		return 0;
	case TREC_NESTED:
		v->nested++;
		m->nested++;
		return 0;
	case TREC_INJ:
		v->injected++;
		return 0;
	case TREC_MIX:
	case TREC_HIST:
		return on_row(m, (u32)vi, rec);
	case TREC_EVENT:
		break;
	}
	return 0;
}

static void flush(struct trace_mix *m)
{
	for (u32 i = 0; i < m->nr_vcpus; i++)
		if (m->vcpus[i].pending)
			complete(m, i);
}

static int init(struct trace_mix *m, bool keep, s32 only)
{
	memset(m, 0, sizeof(*m));
	m->vcpus = calloc(TRACE_MIX_MAX_VCPUS, sizeof(*m->vcpus));
	m->keep = m->kept_all = keep;
	m->max_kept = TRACE_MIX_BUF_MAX;
	m->only = only;
	return m->vcpus ? 0 : VPMU_E_NOMEM;
}

static void take_notes(struct trace_mix *m, struct trace_reader *r)
{
	const char *first;
	u64 n = trace__skipped(r, &first);
	char msg[900];

	if (*trace__notes(r))
		mix_note(m, trace__notes(r));
	m->skipped += n;
	if (n) {
		snprintf(msg, sizeof(msg), "%s: skipped %llu bad line(s) (--skip-bad); the first: %s",
			 trace__path(r), (unsigned long long)n, first);
		mix_note(m, msg);
	}
}

static int read_one(struct trace_mix *m, const char *path, const struct trace_reader_ops *ops,
		    bool skip_bad, struct diag *d)
{
	struct trace_reader *r;
	struct trace_record rec;
	int ret = trace__open(path, ops, skip_bad, &r, d);
	size_t len = strlen(m->formats);

	if (ret)
		return ret;
	if (!strstr(m->formats, trace__ops(r)->name))
		snprintf(m->formats + len, sizeof(m->formats) - len, "%s%s", len ? ", " : "",
			 trace__ops(r)->name);
	while ((ret = trace__next(r, &rec, d)) > 0)
		if ((ret = feed(m, &rec))) {
			ret = diag__set(d, ret, path, 0, 0, "expected at most %d vCPUs and %d "
					"distinct exit reasons", TRACE_MIX_MAX_VCPUS,
					TRACE_MIX_MAX_NAMES);
			break;
		}
	take_notes(m, r);
	trace__close(r);
	return ret;
}

static int read_all(struct trace_mix *m, const char *const *paths, int n,
		    const struct trace_reader_ops *ops, bool skip_bad, struct diag *d)
{
	int ret;

	for (int i = 0; i < n; i++)
		if ((ret = read_one(m, paths[i], ops, skip_bad, d)))
			return ret;
	flush(m);
	if (m->spill && fflush(m->spill))
		drop_kept(m);
	for (u32 i = 0; i < m->nr_vcpus; i++)
		label(&m->vcpus[i]);
	return 0;
}

int trace_mix__read(struct trace_mix *m, const char *const *paths, int n,
		    const struct trace_reader_ops *ops, bool skip_bad, bool keep,
		    struct diag *d)
{
	int ret;

	if ((ret = init(m, keep, -1)))
		return diag__set(d, ret, n ? paths[0] : "", 0, 0, "out of memory");
	return read_all(m, paths, n, ops, skip_bad, d);
}

int trace_mix__read_kept(struct trace_mix *m, const char *const *paths, int n,
			 const struct trace_reader_ops *ops, bool skip_bad, size_t max_kept,
			 struct diag *d)
{
	int ret;

	if ((ret = init(m, true, -1)))
		return diag__set(d, ret, n ? paths[0] : "", 0, 0, "out of memory");
	m->max_kept = max_kept;
	return read_all(m, paths, n, ops, skip_bad, d);
}

void trace_mix__free(struct trace_mix *m)
{
	for (u32 i = 0; m->vcpus && i < m->nr_vcpus; i++) {
		free(m->vcpus[i].count);
		free(m->vcpus[i].lat_sum);
		free(m->vcpus[i].lat_n);
		free(m->vcpus[i].buf);
	}
	free(m->vcpus);
	m->vcpus = NULL;
	m->nr_vcpus = 0;
	if (m->spill)
		fclose(m->spill);
	m->spill = NULL;
}

/* --- the spill read back ----------------------------------------------------- */

void trace_spill__open(struct trace_spill *s, const struct trace_mix *m, u32 vcpu)
{
	s->m = m;
	s->vcpu = vcpu;
	s->off = 0;
	s->n = s->i = 0;
}

int trace_spill__next(struct trace_spill *s, struct trace_exit *e)
{
	for (;;) {
		for (; s->i < s->n; s->i++)
			if (s->buf[s->i].vcpu == s->vcpu) {
				*e = s->buf[s->i++].e;
				return 1;
			}
		ssize_t got = pread(fileno(s->m->spill), s->buf, sizeof(s->buf),
				    (off_t)(s->off * sizeof(s->buf[0])));

		if (got < 0 || got % (ssize_t)sizeof(s->buf[0]))
			return -1;
		if (!got)
			return 0;
		s->n = (size_t)got / sizeof(s->buf[0]);
		s->i = 0;
		s->off += s->n;
	}
}

/* --- synthesised streams (tables) ----------------------------------------- */

void trace_synth__init(struct trace_synth *s, const struct trace_mix *m, u32 vcpu,
		       u32 guest_ns)
{
	memset(s, 0, sizeof(*s));
	s->m = m;
	s->vcpu = vcpu;
	s->guest_ns = guest_ns;
	for (u32 i = 0; i < m->nr_names; i++)
		s->total += m->vcpus[vcpu].count[i];
}

/* Smooth weighted round robin: every reason comes in proportion to its
 * count, spread evenly, and exactly count times in all. */
bool trace_synth__next(struct trace_synth *s, struct trace_exit *e)
{
	const struct trace_vcpu *v = &s->m->vcpus[s->vcpu];
	int best = -1;

	if (s->done == s->total)
		return false;
	for (u32 i = 0; i < s->m->nr_names; i++) {
		if (!v->count[i])
			continue;
		s->credit[i] += (s64)v->count[i];
		if (best < 0 || s->credit[i] > s->credit[best])
			best = (int)i;
	}
	s->credit[best] -= (s64)s->total;
	s->done++;
	memset(e, 0, sizeof(*e));
	e->name = (u16)best;
	e->model = (int8_t)s->m->names[best].model;
	e->has_guest = true;
	e->guest_ns = s->guest_ns;
	if (v->lat_n[best]) {
		e->has_lat = true;
		e->lat_ns = sat32(v->lat_sum[best] / v->lat_n[best]);
	}
	return true;
}

/* --- a second read for one vCPU -------------------------------------------- */

int trace_pass__open(struct trace_pass *p, const char *const *paths, int n,
		     const struct trace_reader_ops *ops, bool skip_bad, u32 vcpu)
{
	memset(p, 0, sizeof(*p));
	p->paths = paths;
	p->n = n;
	p->ops = ops;
	p->skip_bad = skip_bad;
	p->only = vcpu;
	return init(&p->m, false, (s32)vcpu);
}

static int pass_take(struct trace_pass *p, struct trace_exit *e)
{
	struct trace_vcpu *v = p->m.nr_vcpus > p->only ? &p->m.vcpus[p->only] : NULL;

	if (!v || !v->nready)
		return 0;
	*e = v->ready[0];
	v->ready[0] = v->ready[1];
	v->nready--;
	return 1;
}

int trace_pass__next(struct trace_pass *p, struct trace_exit *e, struct diag *d)
{
	struct trace_record rec;
	int ret;

	for (;;) {
		if (pass_take(p, e))
			return 1;
		if (p->flushed)
			return 0;
		if (!p->r) {
			if (p->idx == p->n) {
				flush(&p->m);
				p->flushed = true;
				continue;
			}
			if ((ret = trace__open(p->paths[p->idx++], p->ops, p->skip_bad, &p->r, d)))
				return ret;
		}
		ret = trace__next(p->r, &rec, d);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			trace__close(p->r);
			p->r = NULL;
			continue;
		}
		if ((ret = feed(&p->m, &rec)))
			return diag__set(d, ret, trace__path(p->r), 0, 0, "too many vCPUs or reasons");
	}
}

void trace_pass__close(struct trace_pass *p)
{
	trace__close(p->r);
	p->r = NULL;
	trace_mix__free(&p->m);
}

/* --- for scenarios ----------------------------------------------------------- */

int trace__exit_mix(const char *path, const char *format, u64 *count, u64 *mean_lat_ns,
		    u64 *other_count, u64 *guest_ns, struct diag *d)
{
	static struct trace_mix m;
	const struct trace_reader_ops *ops = NULL;
	u64 lat_sum[EXIT_NR] = { 0 }, lat_n[EXIT_NR] = { 0 }, gsum = 0;
	int ret;

	if (format && strcmp(format, "auto") && !(ops = trace__format(format)))
		return diag__set(d, VPMU_E_INVAL, path, 0, 0, "unknown trace format '%s'", format);
	if ((ret = trace_mix__read(&m, &path, 1, ops, false, false, d))) {
		trace_mix__free(&m);
		return ret;
	}
	memset(count, 0, EXIT_NR * sizeof(*count));
	for (u32 i = 0; i < m.nr_vcpus; i++) {
		const struct trace_vcpu *v = &m.vcpus[i];

		for (u32 k = 0; k < m.nr_names; k++) {
			int r = m.names[k].model;

			if (r < 0 || r >= EXIT_NR)
				r = EXIT_OTHER;
			count[r] += v->count[k];
			lat_sum[r] += v->lat_sum[k];
			lat_n[r] += v->lat_n[k];
		}
		gsum += v->guest_sum;
	}
	for (int r = 0; r < EXIT_NR; r++)
		mean_lat_ns[r] = lat_n[r] ? lat_sum[r] / lat_n[r] : 0;
	*guest_ns = gsum;
	*other_count = count[EXIT_OTHER];
	trace_mix__free(&m);
	return 0;
}

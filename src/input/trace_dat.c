/*
 * input/trace_dat.c - trace-cmd's binary trace.dat (file formats 6 and 7,
 * compressed or not, any number of CPUs) read through libtracecmd and
 * libtraceevent, never parsed by hand. The per-CPU streams are merged by
 * timestamp here, holding one record per CPU (memory bounded by the CPU
 * count). kvm_exit's fields are read by name (exit_reason, isa, guest_rip,
 * info1, info2, intr_info, error_code, vcpu_id); a reason is named by its
 * code with the kernel's table, as `trace-cmd report -N` prints it.
 */
#include <stdlib.h>
#include <string.h>
#include <trace-cmd.h>
#include <event-parse.h>

#include "input/trace_internal.h"

enum dat_ev { DAT_EXIT, DAT_ENTRY, DAT_USER, DAT_NESTED, DAT_NESTED_INJ, DAT_MSR, DAT_VIRQ,
	      DAT_EXCP, DAT_NR };

static const char *const dat_ev_names[DAT_NR] = {
	"kvm_exit", "kvm_entry", "kvm_userspace_exit", "kvm_nested_vmexit",
	"kvm_nested_vmexit_inject", "kvm_msr", "kvm_inj_virq", "kvm_inj_exception",
};

/* The fields read, looked up once per file (NULL: not in its format). */
enum dat_field { F_REASON, F_ISA, F_VCPU, F_RIP, F_INFO1, F_INFO2, F_INTR, F_ERR, F_ENTRY_VCPU,
		 F_USER_REASON, F_MSR_WRITE, F_MSR_ECX, F_NR };

static const struct { int ev; const char *name; } dat_fields[F_NR] = {
	[F_REASON] = { DAT_EXIT, "exit_reason" }, [F_ISA] = { DAT_EXIT, "isa" },
	[F_VCPU] = { DAT_EXIT, "vcpu_id" }, [F_RIP] = { DAT_EXIT, "guest_rip" },
	[F_INFO1] = { DAT_EXIT, "info1" }, [F_INFO2] = { DAT_EXIT, "info2" },
	[F_INTR] = { DAT_EXIT, "intr_info" }, [F_ERR] = { DAT_EXIT, "error_code" },
	[F_ENTRY_VCPU] = { DAT_ENTRY, "vcpu_id" }, [F_USER_REASON] = { DAT_USER, "reason" },
	[F_MSR_WRITE] = { DAT_MSR, "write" }, [F_MSR_ECX] = { DAT_MSR, "ecx" },
};

/* Per-record lookups made once: other events' names by id, exit names by
 * code (direct-mapped; a miss looks up and replaces). */
#define DAT_CACHE 256

struct dat {
	struct tracecmd_input *h;
	struct tep_handle *tep;
	int nr_cpus;
	struct tep_record **held;	/* the next record of each CPU */
	int ev_id[DAT_NR];		/* -1: not in the file */
	struct tep_event *ev[DAT_NR];
	struct tep_format_field *f[F_NR];
	struct { int id; const char *name; } names[DAT_CACHE];	/* id -1: empty */
	struct { bool used; enum trace_isa isa; s64 code; const struct exit_name *e; }
		codes[DAT_CACHE];
};

/* @src into @dst[len], cut to fit (as snprintf "%s" would, without its cost). */
static void copy_name(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

static const struct exit_name *exit_by_code(struct dat *t, enum trace_isa isa, s64 code)
{
	unsigned int k = (unsigned int)((u64)code * 2654435761u + (unsigned int)isa) % DAT_CACHE;

	if (!t->codes[k].used || t->codes[k].isa != isa || t->codes[k].code != code) {
		t->codes[k].used = true;
		t->codes[k].isa = isa;
		t->codes[k].code = code;
		t->codes[k].e = exit_names__by_code(isa, code);
	}
	return t->codes[k].e;
}

static const char *event_name(struct dat *t, struct tep_record *tr, int id)
{
	unsigned int k = (unsigned int)id % DAT_CACHE;

	if (t->names[k].id != id || !t->names[k].name) {
		struct tep_event *ev = tep_find_event_by_record(t->tep, tr);

		t->names[k].id = id;
		t->names[k].name = ev ? ev->name : "unknown";
	}
	return t->names[k].name;
}

static int probe_dat(const char *head, size_t len)
{
	return len >= 10 && !memcmp(head, "\027\010\104tracing", 10) ? 100 : 0;
}

static int dat_open(struct trace_reader *r, struct diag *d)
{
	struct dat *t = calloc(1, sizeof(*t));

	if (!t)
		return diag__set(d, VPMU_E_NOMEM, r->path, 0, 0, "out of memory");
	r->priv = t;
	tracecmd_set_loglevel(TEP_LOG_NONE);
	t->h = tracecmd_open(r->path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!t->h)
		return diag__set(d, VPMU_E_PARSE, r->path, 0, 0,
				 "expected a trace-cmd trace.dat (libtracecmd cannot open it)");
	t->tep = tracecmd_get_tep(t->h);
	for (int i = 0; i < DAT_CACHE; i++)
		t->names[i].id = -1;
	t->nr_cpus = tep_get_cpus(t->tep);
	t->held = calloc((size_t)(t->nr_cpus > 0 ? t->nr_cpus : 1), sizeof(*t->held));
	if (!t->held)
		return diag__set(d, VPMU_E_NOMEM, r->path, 0, 0, "out of memory");
	for (int i = 0; i < DAT_NR; i++) {
		t->ev[i] = tep_find_event_by_name(t->tep, "kvm", dat_ev_names[i]);
		t->ev_id[i] = t->ev[i] ? t->ev[i]->id : -1;
	}
	for (int i = 0; i < F_NR; i++) {
		struct tep_event *ev = t->ev[dat_fields[i].ev];

		t->f[i] = ev ? tep_find_field(ev, dat_fields[i].name) : NULL;
	}
	if (!t->ev[DAT_EXIT])
		trace__note(r, "%s has no kvm:kvm_exit event (recorded without -e kvm?)", r->path);
	for (int c = 0; c < t->nr_cpus; c++)
		t->held[c] = tracecmd_read_data(t->h, c);
	return 0;
}

static u64 field(const struct dat *t, enum dat_field k, struct tep_record *rec, bool *has)
{
	unsigned long long v = 0;

	if (!t->f[k] || tep_read_number_field(t->f[k], rec->data, &v)) {
		if (has)
			*has = false;
		return 0;
	}
	return v;
}

static void fill_exit(struct dat *t, struct tep_record *tr, struct trace_record *rec)
{
	bool has = true, has_vcpu = true;
	u64 reason = field(t, F_REASON, tr, &has);
	u64 isa = field(t, F_ISA, tr, NULL);
	u64 vcpu = field(t, F_VCPU, tr, &has_vcpu);

	rec->kind = TREC_EXIT;
	rec->isa = isa == 2 ? TRACE_ISA_SVM : isa == 1 ? TRACE_ISA_VMX : TRACE_ISA_UNKNOWN;
	if (rec->isa == TRACE_ISA_VMX) {
		rec->failed_vmentry = reason & 0x80000000u;
		reason &= 0xffff;
	}
	rec->has_code = has;
	/* SVM_EXIT_ERR (-1) in the u32 field */
	rec->code = rec->isa == TRACE_ISA_SVM && reason == 0xffffffffULL ? -1 : (s64)reason;
	rec->exit = exit_by_code(t, rec->isa, rec->code);
	if (rec->exit)
		copy_name(rec->reason, sizeof(rec->reason), rec->exit->name);
	else
		snprintf(rec->reason, sizeof(rec->reason), "0x%llx", (unsigned long long)reason);
	if (has_vcpu)
		rec->vcpu = (s32)vcpu;
	rec->rip = field(t, F_RIP, tr, NULL);
	rec->has_info = true;
	rec->info1 = field(t, F_INFO1, tr, &rec->has_info);
	rec->info2 = field(t, F_INFO2, tr, NULL);
	rec->has_intr = true;
	rec->intr_info = (u32)field(t, F_INTR, tr, &rec->has_intr);
	rec->error_code = (u32)field(t, F_ERR, tr, NULL);
}

static void fill(struct dat *t, struct tep_record *tr, int cpu, struct trace_record *rec)
{
	int id = tep_data_type(t->tep, tr);
	int which = -1;

	record__init(rec);
	rec->has_ts = true;
	rec->ts_ns = tr->ts;
	rec->cpu = cpu;
	rec->tid = tep_data_pid(t->tep, tr);
	for (int i = 0; i < DAT_NR; i++)
		if (t->ev_id[i] == id)
			which = i;
	switch (which) {
	case DAT_EXIT:
		fill_exit(t, tr, rec);
		return;
	case DAT_ENTRY: {
		bool has = true;
		u64 v = field(t, F_ENTRY_VCPU, tr, &has);

		rec->kind = TREC_ENTRY;
		if (has)
			rec->vcpu = (s32)v;
		return;
	}
	case DAT_USER:
		rec->kind = TREC_USERSPACE;
		snprintf(rec->reason, sizeof(rec->reason), "%llu",
			 (unsigned long long)field(t, F_USER_REASON, tr, NULL));
		return;
	case DAT_NESTED:
	case DAT_NESTED_INJ:
		rec->kind = TREC_NESTED;
		return;
	case DAT_MSR:
		rec->kind = TREC_MSR;
		rec->msr_write = field(t, F_MSR_WRITE, tr, NULL);
		rec->msr = (u32)field(t, F_MSR_ECX, tr, NULL);
		return;
	case DAT_VIRQ:
	case DAT_EXCP:
		rec->kind = TREC_INJ;
		return;
	}
	rec->kind = TREC_EVENT;
	copy_name(rec->event, sizeof(rec->event), event_name(t, tr, id));
}

static int dat_next(struct trace_reader *r, struct trace_record *rec, struct diag *d)
{
	struct dat *t = r->priv;
	int best = -1;

	(void)d;
	for (int c = 0; c < t->nr_cpus; c++)
		if (t->held[c] && (best < 0 || t->held[c]->ts < t->held[best]->ts))
			best = c;
	if (best < 0)
		return 0;
	fill(t, t->held[best], best, rec);
	tracecmd_free_record(t->held[best]);
	t->held[best] = tracecmd_read_data(t->h, best);
	return 1;
}

static void dat_close(struct trace_reader *r)
{
	struct dat *t = r->priv;

	if (!t)
		return;
	for (int c = 0; t->held && c < t->nr_cpus; c++)
		tracecmd_free_record(t->held[c]);
	free(t->held);
	if (t->h)
		tracecmd_close(t->h);
	free(t);
}

const struct trace_reader_ops trace_dat_ops = {
	.name = "dat", .what = "trace-cmd trace.dat (formats 6 and 7) through libtracecmd",
	.is_binary = true, .probe = probe_dat, .open = dat_open, .next = dat_next,
	.close = dat_close,
};

/*
 * libtraceevent 1.7 and libtracecmd 1.3 (Debian 12) leak a few small
 * allocations of their own when a trace.dat is opened and closed (event
 * format parsing); LeakSanitizer's hook for built-in suppressions keeps
 * them out of the sanitized builds' reports. Some are made by sscanf's %ms
 * inside them, where the fast unwinder's stack stops at libc; vpmu itself
 * calls no scanf. Leaks in vpmu's own code are still reported. Unused
 * outside LeakSanitizer.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\nleak:libtracecmd.so\nleak:__isoc99_vsscanf\n";
}

/*
 * input/profile.c - the cost profile reader (see profile.h).
 *
 * INI (input/ini.c): "key = value  # source: ..." or "# estimate: ...".
 * Every key of the table below must appear exactly once;
 * unknown sections and keys, missing citations, and values out of range are
 * errors with file:line:column.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/ini.h"
#include "input/profile.h"

enum kind { K_U8, K_U32, K_BOOL, K_NAME, K_VENDOR, K_MHZ, K_HZ };

static const struct field {
	const char *section, *key;
	enum kind kind;
	size_t off;
	u64 min, max;
} fields[] = {
	{ "cpu", "name", K_NAME, offsetof(struct profile, name), 0, 0 },
	{ "cpu", "vendor", K_VENDOR, offsetof(struct profile, pmu.vendor), 0, 0 },
	{ "cpu", "core_mhz", K_MHZ, offsetof(struct profile, core_mhz), 100, 10000 },
	{ "cpu", "tsc_mhz", K_MHZ, offsetof(struct profile, tsc_mhz), 100, 10000 },
	{ "pmu", "version", K_U8, offsetof(struct profile, pmu.version), 0, 5 },
	{ "pmu", "gp", K_U8, offsetof(struct profile, pmu.nr_gp), 0, 8 },
	{ "pmu", "fixed", K_U8, offsetof(struct profile, pmu.nr_fixed), 0, 4 },
	{ "pmu", "width", K_U8, offsetof(struct profile, pmu.gp_width), 32, 64 },
	{ "pmu", "fixed_width", K_U8, offsetof(struct profile, pmu.fixed_width), 32, 64 },
	{ "pmu", "fw_writes", K_BOOL, offsetof(struct profile, pmu.fw_writes), 0, 1 },
	{ "pmu", "metrics", K_BOOL, offsetof(struct profile, pmu.metrics), 0, 1 },
	{ "pmu", "ebx_len", K_U8, offsetof(struct profile, pmu.ebx_len), 0, 32 },
	{ "hw", "wrmsr", K_U32, offsetof(struct profile, hw.wrmsr), 1, 100000 },
	{ "hw", "rdmsr", K_U32, offsetof(struct profile, hw.rdmsr), 1, 100000 },
	{ "hw", "rdpmc", K_U32, offsetof(struct profile, hw.rdpmc), 1, 100000 },
	{ "hw", "cpuid", K_U32, offsetof(struct profile, hw.cpuid), 1, 100000 },
	{ "hw", "simple_op", K_U32, offsetof(struct profile, hw.simple_op), 1, 1000 },
	{ "hw", "pmi_skid", K_U32, offsetof(struct profile, hw.pmi_skid), 0, 100000 },
	{ "hw", "slots_per_cycle", K_U32, offsetof(struct profile, hw.slots_per_cycle), 1, 16 },
	{ "perf", "nmi_entry", K_U32, offsetof(struct profile, perf.nmi_entry), 1, 10000000 },
	{ "perf", "tick", K_U32, offsetof(struct profile, perf.tick), 1, 10000000 },
	{ "perf", "sched", K_U32, offsetof(struct profile, perf.sched), 1, 10000000 },
	{ "perf", "create", K_U32, offsetof(struct profile, perf.create), 1, 100000000 },
	{ "perf", "release", K_U32, offsetof(struct profile, perf.release), 1, 100000000 },
	{ "perf", "pause", K_U32, offsetof(struct profile, perf.pause), 1, 10000000 },
	{ "perf", "period", K_U32, offsetof(struct profile, perf.period), 1, 10000000 },
	{ "perf", "enable", K_U32, offsetof(struct profile, perf.enable), 1, 10000000 },
	{ "perf", "hz", K_HZ, 0, 100, 10000 },
	{ "kvm", "vmexit", K_U32, offsetof(struct profile, kvm.vmexit), 1, 100000 },
	{ "kvm", "vmentry", K_U32, offsetof(struct profile, kvm.vmentry), 1, 100000 },
	{ "kvm", "full", K_U32, offsetof(struct profile, kvm.full), 0, 100000 },
	{ "kvm", "userspace", K_U32, offsetof(struct profile, kvm.userspace), 0, 10000000 },
	{ "kvm", "host_irq", K_U32, offsetof(struct profile, kvm.host_irq), 0, 1000000 },
#define H(r) offsetof(struct profile, kvm.handler[r])
	{ "kvm", "exit_fastpath", K_U32, H(EXIT_PREEMPTION_TIMER), 0, 1000000 },
	{ "kvm", "exit_cpuid", K_U32, H(EXIT_CPUID), 0, 1000000 },
	{ "kvm", "exit_hlt", K_U32, H(EXIT_HLT), 0, 1000000 },
	{ "kvm", "exit_rdpmc", K_U32, H(EXIT_RDPMC), 0, 1000000 },
	{ "kvm", "exit_vmcall", K_U32, H(EXIT_VMCALL), 0, 1000000 },
	{ "kvm", "exit_io", K_U32, H(EXIT_IO), 0, 1000000 },
	{ "kvm", "exit_msr", K_U32, H(EXIT_MSR_READ), 0, 1000000 },
	{ "kvm", "exit_apic", K_U32, H(EXIT_APIC_WRITE), 0, 1000000 },
	{ "kvm", "exit_ept", K_U32, H(EXIT_EPT_VIOLATION), 0, 10000000 },
	{ "kvm", "exit_mmio", K_U32, H(EXIT_EPT_MISCONFIG), 0, 1000000 },
#undef H
};

#define NR_FIELDS (sizeof(fields) / sizeof(fields[0]))

struct pstate {
	struct profile *p;
	bool seen[NR_FIELDS];
	unsigned int line[NR_FIELDS], col[NR_FIELDS];	/* where each key was */
	u32 hz;
};

static int perr(const struct ini_item *it, struct diag *d, unsigned int col, const char *msg,
		const char *arg)
{
	return diag__set(d, VPMU_E_PARSE, it->path, it->line, col, "%s%s", msg, arg ? arg : "");
}

static int set_value(struct pstate *st, const struct field *f, const struct ini_item *it,
		     struct diag *d)
{
	struct profile *p = st->p;
	const char *v = it->value;
	char *end;
	unsigned long long n;
	void *dst = (char *)p + f->off;

	if (f->kind == K_NAME) {
		if (strlen(v) >= sizeof(p->name))
			return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->value_col,
					 "expected a name of at most %zu characters",
					 sizeof(p->name) - 1);
		snprintf(p->name, sizeof(p->name), "%s", v);
		return 0;
	}
	if (f->kind == K_VENDOR) {
		if (strcmp(v, "intel") && strcmp(v, "amd"))
			return perr(it, d, it->value_col, "expected intel or amd", NULL);
		*(enum hw_vendor *)dst = !strcmp(v, "amd") ? HW_VENDOR_AMD : HW_VENDOR_INTEL;
		return 0;
	}
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || !isdigit((unsigned char)*v) || n < f->min || n > f->max) {
		char range[64];

		snprintf(range, sizeof(range), "%llu..%llu", (unsigned long long)f->min,
			 (unsigned long long)f->max);
		return perr(it, d, it->value_col, "expected a whole number in ", range);
	}
	switch (f->kind) {
	case K_U8:
		*(u8 *)dst = (u8)n;
		break;
	case K_BOOL:
		*(bool *)dst = n != 0;
		break;
	case K_HZ:
		st->hz = (u32)n;
		break;
	default:
		*(u32 *)dst = (u32)n;
		break;
	}
	return 0;
}

static int on_item(void *ctx, const struct ini_item *it, struct diag *d)
{
	struct pstate *st = ctx;
	size_t i;

	for (i = 0; i < NR_FIELDS; i++)
		if (!strcmp(fields[i].section, it->section) && !strcmp(fields[i].key, it->key))
			break;
	if (i == NR_FIELDS)
		return perr(it, d, it->key_col, "expected a known key of section [",
			    it->section[0] ? it->section : "none");
	if (st->seen[i])
		return perr(it, d, it->key_col, "expected each key once: ", it->key);
	st->seen[i] = true;
	st->line[i] = it->line;
	st->col[i] = it->key_col;
	if (!it->comment || (strncmp(it->comment, "source:", 7) &&
			     strncmp(it->comment, "estimate:", 9)))
		return perr(it, d, it->value_end_col,
			    "expected '# source: ...' or '# estimate: ...' after the value of ",
			    it->key);
	return set_value(st, &fields[i], it, d);
}

/* The [pmu] key a PMU validation message is about: the message's first
 * word when that is a key ("metrics needs fixed counter 3"), width for
 * "widths", else vendor (features of the other vendor). */
static size_t blamed_key(const char *why)
{
	size_t n = strcspn(why, " ");

	if (!strncmp(why, "widths ", 7))
		why = "width", n = 5;
	for (size_t i = 0; i < NR_FIELDS; i++)
		if (!strcmp(fields[i].section, "pmu") && strlen(fields[i].key) == n &&
		    !strncmp(fields[i].key, why, n))
			return i;
	for (size_t i = 0; i < NR_FIELDS; i++)
		if (!strcmp(fields[i].key, "vendor"))
			return i;
	return 0;
}

/* Cross-field rules of the PMU (hw/pmu_*.c validate them): an error names
 * the line of the key it is about. */
static int check_pmu(const struct pstate *st, const char *path, struct diag *d)
{
	struct hw_pmu *scratch = calloc(1, sizeof(*scratch));
	char why[160];
	size_t k;

	if (!scratch)
		return diag__set(d, VPMU_E_NOMEM, path, 0, 0, "out of memory");
	if (!hw_pmu__init(scratch, &st->p->pmu, why, sizeof(why))) {
		free(scratch);
		return 0;
	}
	free(scratch);
	k = blamed_key(why);
	return diag__set(d, VPMU_E_PARSE, path, st->line[k], st->col[k],
			 "expected a PMU this CPU can have: %s", why);
}

int profile__parse(const char *path, const char *text, struct profile *p, struct diag *d)
{
	struct pstate st = { .p = p };
	int ret;

	memset(p, 0, sizeof(*p));
	if ((ret = ini__parse(path, text, on_item, &st, d)))
		return ret;
	for (size_t i = 0; i < NR_FIELDS; i++)
		if (!st.seen[i])
			return diag__set(d, VPMU_E_PARSE, path, 0, 0, "expected [%s] %s",
					 fields[i].section, fields[i].key);
	p->hw.cpi_num = 1;	/* loops without cycles=: IPC 2, docs/guest-programs.md */
	p->hw.cpi_den = 2;
	p->hw.ref_num = p->tsc_mhz;
	p->hw.ref_den = p->core_mhz;
	p->perf.cycles_per_sec = (u64)p->core_mhz * 1000000;
	p->perf.tick_cycles = p->perf.cycles_per_sec / st.hz;
	p->pmu.amd_core = p->pmu.amd_perfmon_v2 = p->pmu.vendor == HW_VENDOR_AMD;
	/* handlers that share a profile key */
	p->kvm.handler[EXIT_MSR_WRITE] = p->kvm.handler[EXIT_MSR_READ];
	p->kvm.handler[EXIT_MSR_WRITE_TIMER] = p->kvm.handler[EXIT_PREEMPTION_TIMER];
	return check_pmu(&st, path, d);
}

static int parse_any(const char *path, const char *text, void *out, struct diag *d)
{
	return profile__parse(path, text, out, d);
}

int profile__load(const char *name, struct profile *p, struct diag *d)
{
	return ini__load(name, profile_builtin, "profile", parse_any, p, d);
}

/*
 * input/profile.c - the cost profile reader (see profile.h).
 *
 * INI (input/ini.c): "key = value  # source: ..." or "# estimate: ...".
 * Every key of the table below must appear exactly once (optional ones at
 * most once), unless the file starts from a base profile ("[cpu] base =
 * NAME"): then it names itself and overrides only what it says;
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

enum kind { K_U8, K_U32, K_BOOL, K_NAME, K_VENDOR, K_MHZ, K_HZ, K_BASE };

static const struct field {
	const char *section, *key;
	enum kind kind;
	size_t off;
	u64 min, max;
	bool optional;		/* may be left out: 0 */
} fields[] = {
	{ "cpu", "base", K_BASE, offsetof(struct profile, base), 0, 0, true },
	{ "cpu", "name", K_NAME, offsetof(struct profile, name), 0, 0, false },
	{ "cpu", "vendor", K_VENDOR, offsetof(struct profile, pmu.vendor), 0, 0, false },
	{ "cpu", "core_mhz", K_MHZ, offsetof(struct profile, core_mhz), 100, 10000, false },
	{ "cpu", "tsc_mhz", K_MHZ, offsetof(struct profile, tsc_mhz), 100, 10000, false },
	{ "pmu", "version", K_U8, offsetof(struct profile, pmu.version), 0, 5, false },
	{ "pmu", "gp", K_U8, offsetof(struct profile, pmu.nr_gp), 0, 8, false },
	{ "pmu", "fixed", K_U8, offsetof(struct profile, pmu.nr_fixed), 0, 4, false },
	{ "pmu", "width", K_U8, offsetof(struct profile, pmu.gp_width), 32, 64, false },
	{ "pmu", "fixed_width", K_U8, offsetof(struct profile, pmu.fixed_width), 32, 64, false },
	{ "pmu", "fw_writes", K_BOOL, offsetof(struct profile, pmu.fw_writes), 0, 1, false },
	{ "pmu", "metrics", K_BOOL, offsetof(struct profile, pmu.metrics), 0, 1, false },
	{ "pmu", "ebx_len", K_U8, offsetof(struct profile, pmu.ebx_len), 0, 32, false },
	{ "hw", "wrmsr", K_U32, offsetof(struct profile, hw.wrmsr), 1, 100000, false },
	{ "hw", "rdmsr", K_U32, offsetof(struct profile, hw.rdmsr), 1, 100000, false },
	{ "hw", "rdpmc", K_U32, offsetof(struct profile, hw.rdpmc), 1, 100000, false },
	{ "hw", "cpuid", K_U32, offsetof(struct profile, hw.cpuid), 1, 100000, false },
	{ "hw", "simple_op", K_U32, offsetof(struct profile, hw.simple_op), 1, 1000, false },
	{ "hw", "pmi_skid", K_U32, offsetof(struct profile, hw.pmi_skid), 0, 100000, false },
	{ "hw", "slots_per_cycle", K_U32, offsetof(struct profile, hw.slots_per_cycle), 1, 16, false },
	{ "perf", "nmi_entry", K_U32, offsetof(struct profile, perf.nmi_entry), 1, 10000000, false },
	{ "perf", "tick", K_U32, offsetof(struct profile, perf.tick), 1, 10000000, false },
	{ "perf", "sched", K_U32, offsetof(struct profile, perf.sched), 1, 10000000, false },
	{ "perf", "create", K_U32, offsetof(struct profile, perf.create), 1, 100000000, false },
	{ "perf", "release", K_U32, offsetof(struct profile, perf.release), 1, 100000000, false },
	{ "perf", "reserve", K_U32, offsetof(struct profile, perf.reserve), 0, 100000000, false },
	{ "perf", "unreserve", K_U32, offsetof(struct profile, perf.unreserve), 0, 100000000, false },
	{ "perf", "pause", K_U32, offsetof(struct profile, perf.pause), 1, 10000000, false },
	{ "perf", "period", K_U32, offsetof(struct profile, perf.period), 1, 10000000, false },
	{ "perf", "enable", K_U32, offsetof(struct profile, perf.enable), 1, 10000000, false },
	{ "perf", "hz", K_HZ, offsetof(struct profile, hz), 100, 10000, false },
	{ "kvm", "vmexit", K_U32, offsetof(struct profile, kvm.vmexit), 1, 100000, false },
	{ "kvm", "vmentry", K_U32, offsetof(struct profile, kvm.vmentry), 1, 100000, false },
	{ "kvm", "full", K_U32, offsetof(struct profile, kvm.full), 0, 100000, false },
/*
 * A cost distribution (struct kvm_cost): "KEY = base" and, optional,
 * "KEY_spread = percent" (uniform +-), "KEY_tail_permille = n" and
 * "KEY_tail_x = m" (n in 1000 cost m times as much).
 */
#define COST(key, field, max)							\
	{ "kvm", key, K_U32, offsetof(struct profile, kvm.field.base), 0, max, false },	\
	{ "kvm", key "_spread", K_U32, offsetof(struct profile, kvm.field.spread_pct), 0, 100,	\
	  true },								\
	{ "kvm", key "_tail_permille", K_U32,					\
	  offsetof(struct profile, kvm.field.tail_permille), 0, 1000, true },	\
	{ "kvm", key "_tail_x", K_U32, offsetof(struct profile, kvm.field.tail_x), 1, 1000, true }
	COST("userspace", userspace, 10000000),
	COST("host_irq", host_irq, 1000000),
	COST("exit_fastpath", handler[EXIT_PREEMPTION_TIMER], 1000000),
	COST("exit_cpuid", handler[EXIT_CPUID], 1000000),
	COST("exit_hlt", handler[EXIT_HLT], 1000000),
	COST("exit_rdpmc", handler[EXIT_RDPMC], 1000000),
	COST("exit_vmcall", handler[EXIT_VMCALL], 1000000),
	COST("exit_io", handler[EXIT_IO], 1000000),
	COST("exit_msr", handler[EXIT_MSR_READ], 1000000),
	COST("exit_apic", handler[EXIT_APIC_WRITE], 1000000),
	COST("exit_ept", handler[EXIT_EPT_VIOLATION], 10000000),
	COST("exit_mmio", handler[EXIT_EPT_MISCONFIG], 1000000),
	COST("exit_irq", handler[EXIT_EXTERNAL_INTERRUPT], 1000000),
	COST("exit_other", handler[EXIT_OTHER], 1000000),
#undef COST
	{ "kvm", "mediated_max_fixed", K_U8, offsetof(struct profile, kvm.mediated_max_fixed), 3,
	  4, true },
	{ "kvm", "mediated_exit_global_ctrl", K_U32,
	  offsetof(struct profile, kvm.mediated_exit_global_ctrl), 0, 100000, true },
	{ "kvm", "mediated_exit_autostore", K_U32,
	  offsetof(struct profile, kvm.mediated_exit_autostore), 0, 100000, true },
	{ "kvm", "ipi_delivery", K_U32, offsetof(struct profile, kvm.ipi_delivery), 1, 1000000,
	  true },
	{ "kvm", "posted_interrupts", K_U8, offsetof(struct profile, kvm.posted_interrupts), 0, 1,
	  true },
	{ "kvm", "ipi_virtualization", K_U8, offsetof(struct profile, kvm.ipi_virtualization), 0,
	  1, true },
};

#define NR_FIELDS (sizeof(fields) / sizeof(fields[0]))

struct pstate {
	struct profile *p;
	bool seen[NR_FIELDS];
	unsigned int items;	/* read so far */
	unsigned int line[NR_FIELDS], col[NR_FIELDS];	/* where each key was */
};

static int perr(const struct ini_item *it, struct diag *d, unsigned int col, const char *msg,
		const char *arg)
{
	return diag__set(d, VPMU_E_PARSE, it->path, it->line, col, "%s%s", msg, arg ? arg : "");
}

/*
 * "[cpu] base = NAME" (first in the file): start from that profile and
 * override what follows. The base must not have a base of its own, and the
 * new profile must name itself.
 */
static int load_base(struct pstate *st, const struct ini_item *it, struct diag *d)
{
	struct profile *p = st->p;
	char base[sizeof(p->base)];

	if (st->items != 1)
		return perr(it, d, it->key_col, "expected base = NAME as the file's first key", NULL);
	snprintf(base, sizeof(base), "%s", it->value);
	if (profile__load(base, p, d))
		return -1;
	if (p->base[0])
		return perr(it, d, it->value_col, "expected a base without a base of its own: ",
			    base);
	snprintf(p->base, sizeof(p->base), "%s", base);
	return 0;
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
	if (f->kind == K_BASE)
		return load_base(st, it, d);
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
		p->hz = (u32)n;
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
	st->items++;
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
		if (!st.seen[i] && (p->base[0] ? !strcmp(fields[i].key, "name") : !fields[i].optional))
			return diag__set(d, VPMU_E_PARSE, path, 0, 0, "expected [%s] %s",
					 fields[i].section, fields[i].key);
	if (!p->kvm.mediated_max_fixed)
		p->kvm.mediated_max_fixed = KVM_MAX_FIXED;
	if (!p->kvm.ipi_delivery)	/* an estimate: see docs/profiles.md */
		p->kvm.ipi_delivery = KVM_DEFAULT_IPI_DELIVERY;
	p->hw.cpi_num = 1;	/* loops without cycles=: IPC 2, docs/guest-programs.md */
	p->hw.cpi_den = 2;
	p->hw.ref_num = p->tsc_mhz;
	p->hw.ref_den = p->core_mhz;
	p->perf.cycles_per_sec = (u64)p->core_mhz * 1000000;
	p->perf.tick_cycles = p->perf.cycles_per_sec / p->hz;
	p->pmu.amd_core = p->pmu.amd_perfmon_v2 = p->pmu.vendor == HW_VENDOR_AMD;
	/* handlers that share a profile key */
	p->kvm.handler[EXIT_MSR_WRITE] = p->kvm.handler[EXIT_MSR_READ];
	p->kvm.handler[EXIT_MSR_WRITE_TIMER] = p->kvm.handler[EXIT_PREEMPTION_TIMER];
	p->kvm.handler[EXIT_NMI] = p->kvm.handler[EXIT_EXTERNAL_INTERRUPT];
	for (int r = 0; r < EXIT_NR; r++)
		if (!p->kvm.handler[r].tail_x)
			p->kvm.handler[r].tail_x = 1;
	if (!p->kvm.userspace.tail_x)
		p->kvm.userspace.tail_x = 1;
	if (!p->kvm.host_irq.tail_x)
		p->kvm.host_irq.tail_x = 1;
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

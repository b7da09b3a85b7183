/*
 * input/scenario.c - the scenario reader (docs/scenarios.md).
 *
 * [scenario] name, about; [guest] the workload; [exits] rates per second,
 * keyed by exit (tsc_deadline, preemption_timer, hlt, io, ...); [host]
 * perf = a perf command line (perf_spec.h), tasks and slice_us for an
 * over-committed pCPU. Unknown keys, bad values and
 * repeated keys are errors with file:line:column.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/ini.h"
#include "input/scenario.h"
#include "input/trace_mix.h"

static const struct {
	const char *key;
	enum kvm_exit_reason reason;
} exit_keys[] = {
	{ "tsc_deadline", EXIT_MSR_WRITE_TIMER },
	{ "preemption_timer", EXIT_PREEMPTION_TIMER },
	{ "hlt", EXIT_HLT },
	{ "io", EXIT_IO },
	{ "mmio", EXIT_EPT_MISCONFIG },
	{ "ept_violation", EXIT_EPT_VIOLATION },
	{ "cpuid", EXIT_CPUID },
	{ "vmcall", EXIT_VMCALL },
	{ "msr_read", EXIT_MSR_READ },
	{ "msr_write", EXIT_MSR_WRITE },
	{ "apic_write", EXIT_APIC_WRITE },
};

/* A [vm.NAME] key of the guest's, applied over [guest] and [exits] once
 * the whole file is read. */
struct vm_item {
	unsigned int vm;
	char key[32], value[128];
	unsigned int line, key_col, value_col;
};

#define MAX_VM_ITEMS 256

struct sstate {
	struct scenario *s;
	struct vm_item vm_items[MAX_VM_ITEMS];
	unsigned int nr_vm_items;
	char seen[256][64];
	unsigned int nseen;
	u64 from_rate;			/* [exits] rate: exits a second for a table */
	unsigned int from_line;		/* where `from` was (for errors) */
};

static u64 total_rate(const struct guest_workload *g)
{
	u64 sum = 0;

	for (int r = 0; r < EXIT_NR; r++)
		sum += g->exits_per_sec[r];
	return sum;
}

/*
 * "[exits] from = FILE": FILE (relative to the scenario file's folder) is
 * read now with the trace readers (input/trace_mix.h); its counts per
 * reason become rates after the whole scenario is read (scenario__parse),
 * its mean exit-to-entry times the exits' latencies.
 */
static int exits_from(const struct ini_item *it, struct scenario *s, struct diag *d)
{
	const char *slash = strrchr(it->path, '/');
	int n;

	if (it->value[0] == '/' || !slash)
		n = snprintf(s->exits_from, sizeof(s->exits_from), "%s", it->value);
	else
		n = snprintf(s->exits_from, sizeof(s->exits_from), "%.*s/%s",
			     (int)(slash - it->path), it->path, it->value);
	if (n < 0 || (size_t)n >= sizeof(s->exits_from))
		return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->value_col,
				 "expected a path of at most %zu bytes", sizeof(s->exits_from) - 1);
	return 0;
}

/*
 * The rates of `[exits] from`: each reason's share of the input's exits,
 * per second of the input's own time (guest time plus the exits' own) or,
 * for a table that has no time, of `[exits] rate`. Its own rate keys may
 * not be given as well.
 */
static int mix_from(const char *path, struct sstate *st, struct diag *d)
{
	struct scenario *s = st->s;
	u64 count[EXIT_NR], lat[EXIT_NR], other, guest_ns, n = 0, wall_ns;
	int ret;

	if (total_rate(&s->guest))
		return diag__set(d, VPMU_E_PARSE, path, st->from_line, 1,
				 "expected either [exits] from = FILE or exit rates, not both");
	if ((ret = trace__exit_mix(s->exits_from, NULL, count, lat, &other, &guest_ns, d)))
		return ret;
	wall_ns = guest_ns;
	for (int r = 0; r < EXIT_NR; r++) {
		n += count[r];
		wall_ns += count[r] * lat[r];
		s->exit_latency_ns[r] = (u32)min_u64(lat[r], UINT32_MAX);
	}
	/* a HLT's exit-to-entry time is the vCPU asleep (kvm_vcpu_block), not
	 * handler work: it becomes the guest's idle time, unless the scenario
	 * gives its own, and the handler stays the profile's */
	if (lat[EXIT_HLT] && !s->guest.hlt_idle_us)
		s->guest.hlt_idle_us = (u32)min_u64(lat[EXIT_HLT] / 1000, 1000000);
	s->exit_latency_ns[EXIT_HLT] = 0;
	if (!n)
		return diag__set(d, VPMU_E_PARSE, path, st->from_line, 1,
				 "expected exits in %s", s->exits_from);
	if (!guest_ns && !st->from_rate)
		return diag__set(d, VPMU_E_PARSE, path, st->from_line, 1,
				 "expected [exits] rate = N (exits a second): %s has no time",
				 s->exits_from);
	for (int r = 0; r < EXIT_NR; r++)
		s->guest.exits_per_sec[r] = (u32)(st->from_rate ?
			mul_div_floor(count[r], st->from_rate, n) :
			mul_div_floor(count[r], 1000000000, wall_ns ? wall_ns : 1));
	if (total_rate(&s->guest) > 10000000)
		return diag__set(d, VPMU_E_PARSE, path, st->from_line, 1,
				 "expected the exits of %s to add up to at most 10000000 a second",
				 s->exits_from);
	return 0;
}

static int num(const struct ini_item *it, struct diag *d, u64 min, u64 max, u64 *out)
{
	char *end;

	errno = 0;
	*out = strtoull(it->value, &end, 10);
	if (errno || *end || !isdigit((unsigned char)it->value[0]) || *out < min || *out > max)
		return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->value_col,
				 "expected a whole number in %llu..%llu", (unsigned long long)min,
				 (unsigned long long)max);
	return 0;
}

static int guest_key(const struct ini_item *it, struct guest_workload *g, struct diag *d)
{
	u64 v;
	int ret = 0;

	if (!strcmp(it->key, "perf")) {
		if (!strcmp(it->value, "none") || !strcmp(it->value, "stat") ||
		    !strcmp(it->value, "record")) {
			g->perf = !strcmp(it->value, "none") ? GUEST_PERF_NONE :
				  !strcmp(it->value, "stat") ? GUEST_PERF_STAT : GUEST_PERF_RECORD;
			return 0;
		}
		return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->value_col,
				 "expected none, stat or record");
	}
	if (!strcmp(it->key, "work_minsns") && !(ret = num(it, d, 1, 1000000, &v)))
		g->work_minsns = v;
	else if (!strcmp(it->key, "cpi_milli") && !(ret = num(it, d, 100, 100000, &v)))
		g->cpi_milli = (u32)v;
	else if (!strcmp(it->key, "kernel_pct") && !(ret = num(it, d, 0, 100, &v)))
		g->kernel_pct = (u32)v;
	else if (!strcmp(it->key, "hz") && !(ret = num(it, d, 0, 10000, &v)))
		g->hz = (u32)v;
	else if (!strcmp(it->key, "perf_events") && !(ret = num(it, d, 0, GUEST_MAX_EVENTS, &v)))
		g->perf_events = (unsigned int)v;
	else if (!strcmp(it->key, "perf_freq") && !(ret = num(it, d, 0, 100000, &v)))
		g->perf_freq = (u32)v;
	else if (!strcmp(it->key, "hlt_idle_us") && !(ret = num(it, d, 0, 1000000, &v)))
		g->hlt_idle_us = (u32)v;
	else if (strcmp(it->key, "work_minsns") && strcmp(it->key, "cpi_milli") &&
		 strcmp(it->key, "kernel_pct") && strcmp(it->key, "hz") &&
		 strcmp(it->key, "perf_events") && strcmp(it->key, "perf_freq") &&
		 strcmp(it->key, "hlt_idle_us"))
		return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->key_col,
				 "expected a [guest] key: work_minsns, cpi_milli, kernel_pct, hz, "
				 "perf, perf_events, perf_freq, hlt_idle_us");
	else
		return ret;
	return 0;
}

/* An [exits] rate key into @g: 0, an error, or 1 when @it is no such key. */
static int exit_key(const struct ini_item *it, struct guest_workload *g, struct diag *d)
{
	u64 v;
	int ret;

	for (size_t i = 0; i < sizeof(exit_keys) / sizeof(exit_keys[0]); i++) {
		if (strcmp(it->key, exit_keys[i].key))
			continue;
		if ((ret = num(it, d, 0, 10000000, &v)))
			return ret;
		g->exits_per_sec[exit_keys[i].reason] = (u32)v;
		if (total_rate(g) > 10000000)	/* no core takes more */
			return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->value_col,
					 "expected the exit rates to add up to at most "
					 "10000000 a second");
		return 0;
	}
	return 1;
}

/* "pin = 0,1,4-7": one pCPU for each vCPU, in order. */
static int pin_list(const struct ini_item *it, struct scenario_vm *vm, struct diag *d)
{
	const char *p = it->value;
	unsigned int n = 0;

	while (*p) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p || !isdigit((unsigned char)*p))
			goto bad;
		if (*end == '-') {
			const char *q = end + 1;

			b = strtoul(q, &end, 10);
			if (end == q || !isdigit((unsigned char)*q) || b < a)
				goto bad;
		}
		for (unsigned long c = a; c <= b; c++) {
			if (c >= SCENARIO_MAX_PCPUS || n == SCENARIO_MAX_VCPUS)
				goto bad;
			vm->pin[n++] = (unsigned int)c;
		}
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	if (!n)
		goto bad;
	vm->pinned = true;
	vm->nr_pin = n;
	return 0;
bad:
	return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->value_col + (unsigned int)(p - it->value),
			 "expected pCPU numbers below %d, like 0,1,4-7", SCENARIO_MAX_PCPUS);
}

/* [vm.NAME]: vcpus and pin now; the guest's keys once all is read. */
static int vm_key(const struct ini_item *it, struct sstate *st, struct diag *d)
{
	struct scenario *s = st->s;
	const char *name = it->section + 3;
	unsigned int k;
	u64 v;
	int ret;

	for (k = 0; k < s->nr_vms && strcmp(s->vm[k].name, name); k++)
		;
	if (k == s->nr_vms) {
		if (k == SCENARIO_MAX_VMS || !*name || strlen(name) >= sizeof(s->vm[0].name))
			return diag__set(d, VPMU_E_PARSE, it->path, it->line, 1,
					 "expected at most %d VMs named with 1..%zu characters",
					 SCENARIO_MAX_VMS, sizeof(s->vm[0].name) - 1);
		snprintf(s->vm[k].name, sizeof(s->vm[k].name), "%s", name);
		s->vm[k].vcpus = 1;
		s->nr_vms++;
	}
	if (!strcmp(it->key, "vcpus")) {
		if ((ret = num(it, d, 1, SCENARIO_MAX_VCPUS, &v)))
			return ret;
		s->vm[k].vcpus = (unsigned int)v;
		return 0;
	}
	if (!strcmp(it->key, "pin"))
		return !strcmp(it->value, "none") ? 0 : pin_list(it, &s->vm[k], d);
	if (st->nr_vm_items == MAX_VM_ITEMS || strlen(it->key) >= sizeof(st->vm_items[0].key) ||
	    strlen(it->value) >= sizeof(st->vm_items[0].value))
		return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->key_col,
				 "expected at most %d [vm.NAME] keys of at most %zu characters",
				 MAX_VM_ITEMS, sizeof(st->vm_items[0].value) - 1);
	st->vm_items[st->nr_vm_items++] = (struct vm_item){ .vm = k, .line = it->line,
		.key_col = it->key_col, .value_col = it->value_col };
	snprintf(st->vm_items[st->nr_vm_items - 1].key, sizeof(st->vm_items[0].key), "%s", it->key);
	snprintf(st->vm_items[st->nr_vm_items - 1].value, sizeof(st->vm_items[0].value), "%s",
		 it->value);
	return 0;
}

/* Each VM's guest: [guest] and [exits], then its own keys; the vCPUs
 * that are pinned must name pCPUs the host has. */
static int finish_vms(const char *path, struct sstate *st, struct diag *d)
{
	struct scenario *s = st->s;
	unsigned int total = 0;
	u64 v;
	int ret;

	for (unsigned int k = 0; k < s->nr_vms; k++)
		s->vm[k].guest = s->guest;
	for (unsigned int i = 0; i < st->nr_vm_items; i++) {
		const struct vm_item *vi = &st->vm_items[i];
		struct ini_item it = { .path = path, .line = vi->line, .section = "vm",
				       .key = vi->key, .key_col = vi->key_col, .value = vi->value,
				       .value_col = vi->value_col };
		struct guest_workload *g = &s->vm[vi->vm].guest;

		if (!strcmp(vi->key, "ipi_per_sec")) {
			if ((ret = num(&it, d, 0, 1000000, &v)))
				return ret;
			g->ipi_per_sec = (u32)v;
		} else if ((ret = exit_key(&it, g, d)) > 0) {
			if ((ret = guest_key(&it, g, d)))
				return d->col == vi->key_col && d->line == vi->line ?
				       diag__set(d, VPMU_E_PARSE, path, vi->line, vi->key_col,
						 "expected a [vm.NAME] key: vcpus, pin, ipi_per_sec, "
						 "a [guest] key or an [exits] rate") : ret;
		} else if (ret) {
			return ret;
		}
	}
	for (unsigned int k = 0; k < s->nr_vms; k++) {
		struct scenario_vm *vm = &s->vm[k];

		total += vm->vcpus;
		vm->guest.vm_vcpus = vm->vcpus;
		if (vm->guest.perf == GUEST_PERF_RECORD && !vm->guest.perf_freq)
			return diag__set(d, VPMU_E_PARSE, path, 0, 0,
					 "expected perf_freq with perf = record in [vm.%s]", vm->name);
		for (unsigned int i = 0; vm->pinned && i < vm->vcpus; i++)
			if (vm->nr_pin != vm->vcpus || vm->pin[i] >= s->pcpus)
				return diag__set(d, VPMU_E_PARSE, path, 0, 0,
						 "expected [vm.%s] pin to name a pCPU for each of its "
						 "%u vCPUs, each below [host] pcpus = %u", vm->name,
						 vm->vcpus, s->pcpus);
	}
	if (total > SCENARIO_MAX_VCPUS)
		return diag__set(d, VPMU_E_PARSE, path, 0, 0,
				 "expected at most %d vCPUs in all VMs", SCENARIO_MAX_VCPUS);
	return 0;
}

/* A value that would be cut to fit: refused, never truncated. */
static int too_long(const struct ini_item *it, size_t max, struct diag *d)
{
	return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->value_col,
			 "expected a %s of at most %zu characters", it->key, max);
}

static int on_item(void *ctx, const struct ini_item *it, struct diag *d)
{
	struct sstate *st = ctx;
	struct scenario *s = st->s;
	char full[48];
	u64 v;
	int ret;

	snprintf(full, sizeof(full), "%s.%s", it->section, it->key);
	for (unsigned int i = 0; i < st->nseen; i++)
		if (!strcmp(st->seen[i], full))
			return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->key_col,
					 "expected each key once: %s", it->key);
	if (st->nseen < 256)
		snprintf(st->seen[st->nseen++], sizeof(st->seen[0]), "%s", full);
	if (!strcmp(it->section, "scenario") && !strcmp(it->key, "name")) {
		if (strlen(it->value) >= sizeof(s->name))
			return too_long(it, sizeof(s->name) - 1, d);
		snprintf(s->name, sizeof(s->name), "%s", it->value);
		return 0;
	}
	if (!strcmp(it->section, "scenario") && !strcmp(it->key, "about")) {
		if (strlen(it->value) >= sizeof(s->about))
			return too_long(it, sizeof(s->about) - 1, d);
		snprintf(s->about, sizeof(s->about), "%s", it->value);
		return 0;
	}
	if (!strcmp(it->section, "scenario") && !strcmp(it->key, "compare")) {
		if (strcmp(it->value, "yes") && strcmp(it->value, "no"))
			return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->value_col,
					 "expected yes or no");
		s->not_in_compare = !strcmp(it->value, "no");
		return 0;
	}
	if (!strcmp(it->section, "guest"))
		return guest_key(it, &s->guest, d);
	if (!strcmp(it->section, "exits") && !strcmp(it->key, "from")) {
		st->from_line = it->line;
		return exits_from(it, s, d);
	}
	if (!strcmp(it->section, "exits") && !strcmp(it->key, "rate")) {
		if ((ret = num(it, d, 1, 10000000, &v)))
			return ret;
		st->from_rate = v;
		return 0;
	}
	if (!strcmp(it->section, "exits")) {
		ret = exit_key(it, &s->guest, d);
		return ret > 0 ? diag__set(d, VPMU_E_PARSE, it->path, it->line, it->key_col,
					   "expected an exit of docs/scenarios.md (tsc_deadline, "
					   "preemption_timer, hlt, io, mmio, ept_violation, cpuid, "
					   "vmcall, msr_read, msr_write, apic_write)") : ret;
	}
	if (!strncmp(it->section, "vm.", 3))
		return vm_key(it, st, d);
	if (!strcmp(it->section, "host") && !strcmp(it->key, "pcpus")) {
		if ((ret = num(it, d, 1, SCENARIO_MAX_PCPUS, &v)))
			return ret;
		s->pcpus = (unsigned int)v;
		return 0;
	}
	if (!strcmp(it->section, "host") && !strcmp(it->key, "quantum_us")) {
		if ((ret = num(it, d, 1, 1000000, &v)))
			return ret;
		s->quantum_us = (u32)v;
		return 0;
	}
	if (!strcmp(it->section, "host") && !strcmp(it->key, "tasks")) {
		if ((ret = num(it, d, 0, 64, &v)))
			return ret;
		s->host_tasks = (unsigned int)v;
		return 0;
	}
	if (!strcmp(it->section, "host") && !strcmp(it->key, "nmi_watchdog")) {
		if ((ret = num(it, d, 0, 1, &v)))
			return ret;
		s->nmi_watchdog = v != 0;
		return 0;
	}
	if (!strcmp(it->section, "host") && !strcmp(it->key, "had_cpu_events")) {
		if ((ret = num(it, d, 0, 1, &v)))
			return ret;
		s->had_cpu_events = v != 0;
		return 0;
	}
	if (!strcmp(it->section, "host") && !strcmp(it->key, "slice_us")) {
		if ((ret = num(it, d, 10, 1000000, &v)))
			return ret;
		s->slice_us = (u32)v;
		return 0;
	}
	if (!strcmp(it->section, "host") && !strcmp(it->key, "perf")) {
		unsigned int col;
		char why[160];
		const char *cmd = it->value;

		if (strncmp(cmd, "perf ", 5))
			return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->value_col,
					 "expected a perf command line (perf stat|record ...)");
		if (perf_spec__parse(cmd + 5, &s->host_perf, &col, why, sizeof(why)))
			return diag__set(d, VPMU_E_PARSE, it->path, it->line,
					 it->value_col + 5 + col, "%s", why);
		s->has_host_perf = true;
		return 0;
	}
	return diag__set(d, VPMU_E_PARSE, it->path, it->line, it->key_col,
			 "expected a key of [scenario], [guest], [exits], [host] or [vm.NAME]");
}

int scenario__parse(const char *path, const char *text, struct scenario *s, struct diag *d)
{
	struct sstate st = { .s = s };
	int ret;

	memset(s, 0, sizeof(*s));
	s->guest.cpi_milli = 1000;
	s->guest.hz = 250;
	s->slice_us = 3000;
	if ((ret = ini__parse(path, text, on_item, &st, d)))
		return ret;
	if (!s->name[0])
		return diag__set(d, VPMU_E_PARSE, path, 0, 0, "expected [scenario] name");
	if (!s->guest.work_minsns)
		return diag__set(d, VPMU_E_PARSE, path, 0, 0, "expected [guest] work_minsns");
	if (s->guest.perf == GUEST_PERF_RECORD && !s->guest.perf_freq)
		return diag__set(d, VPMU_E_PARSE, path, 0, 0,
				 "expected [guest] perf_freq with perf = record");
	if (s->exits_from[0] && (ret = mix_from(path, &st, d)))
		return ret;
	if (!s->pcpus)
		s->pcpus = 1;
	return finish_vms(path, &st, d);
}

bool scenario__is_host(const struct scenario *s)
{
	return s->nr_vms > 0 || s->pcpus > 1;
}

static int parse_any(const char *path, const char *text, void *out, struct diag *d)
{
	return scenario__parse(path, text, out, d);
}

int scenario__load(const char *name, struct scenario *s, struct diag *d)
{
	return ini__load(name, scenario_builtin, "scenario", parse_any, s, d);
}

/*
 * input/perf_spec.c - parser of perf command lines (see perf_spec.h).
 *
 * Modifiers follow the perf tool (tools/perf/util/parse-events.c):
 * u = user only (exclude_kernel; and, since Jin Yao's 2020 patch "perf
 * parse-events: Set exclude_guest for user-space counting", exclude_guest),
 * k = kernel only (exclude_user), H = host only (exclude_guest), G = guest
 * only (exclude_host), D = pinned. Without modifiers an event counts in
 * every mode, guest included. Frequency and period apply to `record`; perf
 * record's default is -F 4000.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "input/perf_spec.h"

struct cur {
	const char *s;
	unsigned int pos;
	unsigned int *err_col;
	char *err;
	unsigned long len;
};

static int fail(struct cur *c, const char *msg)
{
	*c->err_col = c->pos;
	snprintf(c->err, c->len, "%s", msg);
	return -1;
}

static void skip_space(struct cur *c)
{
	while (c->s[c->pos] == ' ' || c->s[c->pos] == '\t')
		c->pos++;
}

/* A word: letters, digits, '-', '_' (event names contain '-'). Returns its
 * length; at most size - 1 characters of it are kept in @buf, so a return
 * of @size or more means it did not fit. */
static unsigned int word(struct cur *c, char *buf, unsigned int size)
{
	unsigned int n = 0;

	while (isalnum((unsigned char)c->s[c->pos]) || c->s[c->pos] == '-' ||
	       c->s[c->pos] == '_') {
		if (n + 1 < size)
			buf[n] = c->s[c->pos];
		n++;
		c->pos++;
	}
	buf[n < size ? n : size - 1] = 0;
	return n;
}

static const struct {
	const char *name;
	enum perf_type type;
	u64 config;
} names[] = {
	{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "cpu-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES },
	{ "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
	{ "ref-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES },
	{ "slots", PERF_TYPE_RAW, PERF_RAW_SLOTS },
	{ "topdown-retiring", PERF_TYPE_RAW, PERF_RAW_TD_RETIRING },
	{ "topdown-bad-spec", PERF_TYPE_RAW, PERF_RAW_TD_BAD_SPEC },
	{ "topdown-fe-bound", PERF_TYPE_RAW, PERF_RAW_TD_FE_BOUND },
	{ "topdown-be-bound", PERF_TYPE_RAW, PERF_RAW_TD_BE_BOUND },
};

static int event_name(struct cur *c, struct perf_attr *a)
{
	unsigned int at = c->pos, n;
	char w[48], *end;

	if (!(n = word(c, w, sizeof(w)))) {
		c->pos = at;
		return fail(c, "expected an event name (cycles, instructions, ..., or rHEX)");
	}
	if (n >= sizeof(w)) {
		c->pos = at;
		return fail(c, "expected an event name of at most 47 characters");
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(w, names[i].name)) {
			a->type = names[i].type;
			a->config = names[i].config;
			snprintf(a->name, sizeof(a->name), "%s", names[i].name);
			return 0;
		}
	}
	if ((w[0] == 'r' || w[0] == 'R') && isxdigit((unsigned char)w[1])) {
		a->type = PERF_TYPE_RAW;
		errno = 0;
		a->config = strtoull(w + 1, &end, 16);
		if (!*end && errno) {
			c->pos = at;
			return fail(c, "expected a raw config (rHEX) of at most 64 bits");
		}
		if (!*end) {
			snprintf(a->name, sizeof(a->name), "r%llx", (unsigned long long)a->config);
			return 0;
		}
	}
	c->pos = at;
	return fail(c, "expected an event name (cycles, instructions, cache-references, "
		    "cache-misses, branches, branch-misses, ref-cycles, slots, topdown-*, "
		    "or rHEX)");
}

/* ":ukHGD" applied to events [from, to). */
static int modifiers(struct cur *c, struct perf_spec *sp, int from, int to)
{
	char mods[16];
	size_t n;

	if (c->s[c->pos] != ':')
		return 0;
	c->pos++;
	n = word(c, mods, sizeof(mods));
	if (!n || n >= sizeof(mods) || strspn(mods, "ukHGD") != n) {
		c->pos -= (unsigned int)n;
		return fail(c, n >= sizeof(mods) ? "expected at most 15 modifiers" :
			    "expected modifiers from u, k, H, G, D");
	}
	for (int i = from; i < to; i++) {
		struct perf_attr *a = &sp->attr[i];
		bool u = strchr(mods, 'u'), k = strchr(mods, 'k');

		if (u && !k)
			a->exclude_kernel = a->exclude_guest = true;
		if (k && !u)
			a->exclude_user = true;
		if (strchr(mods, 'H'))
			a->exclude_guest = true;
		if (strchr(mods, 'G'))
			a->exclude_host = true;
		if (strchr(mods, 'D'))
			a->pinned = true;
		n = strlen(a->name);
		snprintf(a->name + n, sizeof(a->name) - n, ":%s", mods);
	}
	return 0;
}

static int one_event(struct cur *c, struct perf_spec *sp, int leader)
{
	if (sp->nr == PERF_SPEC_MAX)
		return fail(c, "expected at most 16 events");
	sp->attr[sp->nr] = (struct perf_attr){ .type = PERF_TYPE_HARDWARE };
	sp->leader[sp->nr] = leader;
	if (event_name(c, &sp->attr[sp->nr]))
		return -1;
	sp->nr++;
	return modifiers(c, sp, sp->nr - 1, sp->nr);
}

static int event_list(struct cur *c, struct perf_spec *sp)
{
	do {
		if (c->s[c->pos] == '{') {
			int first = sp->nr;

			c->pos++;
			do {
				if (one_event(c, sp, sp->nr == first ? -1 : first))
					return -1;
			} while (c->s[c->pos] == ',' && ++c->pos);
			if (c->s[c->pos] != '}')
				return fail(c, "expected '}' closing the group");
			c->pos++;
			if (modifiers(c, sp, first, sp->nr))
				return -1;
		} else if (one_event(c, sp, -1)) {
			return -1;
		}
	} while (c->s[c->pos] == ',' && ++c->pos);
	return 0;
}

/* A whole number in 1..@max, decimal or 0x hex; no sign. */
static int number(struct cur *c, u64 *v, u64 max, const char *what)
{
	char w[32], *end;
	unsigned int at, n;

	skip_space(c);
	at = c->pos;
	n = word(c, w, sizeof(w));
	errno = 0;
	if (!n || n >= sizeof(w) || !isdigit((unsigned char)w[0]) ||
	    (*v = strtoull(w, &end, 0), *end) || errno || !*v || *v > max) {
		c->pos = at;
		*c->err_col = at;
		snprintf(c->err, c->len, "expected %s in 1..%llu", what, (unsigned long long)max);
		return -1;
	}
	return 0;
}

/*
 * -F and -c. Ranges are the kernel's (perf_event_open() refuses a
 * sample_freq above kernel.perf_event_max_sample_rate, default 100000, and
 * a sample_period with bit 63 set); both at once are refused as perf record
 * does since 2021 (tools/perf/util/record.c record_opts__config_freq:
 * "cannot set frequency and period at the same time").
 */
static int sampling(struct cur *c, struct perf_spec *sp, bool is_freq, bool *have_rate)
{
	unsigned int at = c->pos;
	u64 v;

	if (number(c, &v, is_freq ? PERF_SPEC_MAX_FREQ : (1ULL << 63) - 1,
		   is_freq ? "a frequency (-F, samples a second)" : "a period (-c, events)"))
		return -1;
	if (have_rate[!is_freq]) {
		c->pos = at - 2;
		return fail(c, "expected -F or -c, not both (perf record: cannot set frequency "
			    "and period at the same time)");
	}
	have_rate[is_freq] = true;
	sp->freq = is_freq;
	sp->sample_freq = is_freq ? v : 0;
	sp->sample_period = is_freq ? 0 : v;
	return 0;
}

static int option(struct cur *c, struct perf_spec *sp, bool *have_events, bool *have_rate)
{
	char w[8];
	unsigned int at = c->pos;

	c->pos++;
	word(c, w, sizeof(w));
	if (!strcmp(w, "a"))
		return 0;	/* system-wide: the only kind on one pCPU */
	if (!strcmp(w, "e")) {
		skip_space(c);
		*have_events = true;
		return event_list(c, sp);
	}
	if (sp->record && (!strcmp(w, "F") || !strcmp(w, "c")))
		return sampling(c, sp, w[0] == 'F', have_rate);
	c->pos = at;
	return fail(c, sp->record ? "expected -a, -e, -F or -c" : "expected -a or -e");
}

int perf_spec__parse(const char *text, struct perf_spec *sp, unsigned int *err_col,
		     char *err, unsigned long len)
{
	struct cur c = { .s = text, .err_col = err_col, .err = err, .len = len };
	char w[16];
	bool have_events = false, have_rate[2] = { false, false };	/* [-c, -F] */

	memset(sp, 0, sizeof(*sp));
	skip_space(&c);
	word(&c, w, sizeof(w));
	if (strcmp(w, "stat") && strcmp(w, "record")) {
		c.pos = 0;
		return fail(&c, "expected 'stat' or 'record'");
	}
	sp->record = !strcmp(w, "record");
	if (sp->record) {		/* perf record's default: -F 4000 */
		sp->freq = true;
		sp->sample_freq = 4000;
	}
	for (skip_space(&c); c.s[c.pos]; skip_space(&c)) {
		if (c.s[c.pos] != '-')
			return fail(&c, "expected an option (-a, -e ...)");
		if (option(&c, sp, &have_events, have_rate))
			return -1;
	}
	if (!have_events)
		return fail(&c, "expected -e EVENTS");
	for (int i = 0; i < sp->nr && sp->record; i++) {
		sp->attr[i].freq = sp->freq;
		sp->attr[i].sample_freq = sp->sample_freq;
		sp->attr[i].sample_period = sp->sample_period;
	}
	return 0;
}

const char *perf_spec__event_name(unsigned int i)
{
	return i < sizeof(names) / sizeof(names[0]) ? names[i].name : NULL;
}

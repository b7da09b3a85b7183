/*
 * input/kvm_stat.c - `perf kvm stat report` and `perf kvm stat live`
 * tables (tools/perf/builtin-kvm.c print_result; research/exits-costs.md
 * section 1.5):
 *
 *   Analyze events for all VMs, all VCPUs:          (or VCPU N, pid(s) ...)
 *             VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time         Avg time
 *           MSR_WRITE       9167    35.40%     0.04%      0.45us   9554.94us      3.00us ( +-  41.94% )
 *   Total Samples:25898, Total events handled time:68281638.61us.
 *
 * The older layout has no Min/Max columns. `live` prints a HH:MM:SS.usec
 * line before each interval's table; several tables make one file, each a
 * new table index. Rows are read from the right (the name may have spaces,
 * "DE excp"); a row that a mail client hard-wrapped is joined with the next
 * line, and a header wrapped so (its "Max\nTime Avg time") is read whole. Tables of other event classes (--event=mmio|ioport|msr) are not
 * exits and are skipped with a remark. Latencies are microseconds.
 */
#include <stdlib.h>
#include <string.h>

#include "input/trace_internal.h"

struct kvm_stat {
	u32 table;
	bool in_table, exits_table, seen_table;
	bool header_open;	/* the header line did not reach "Avg time": wrapped */
	s32 vcpu;
	u64 rows_sum;
};

#define MAX_TOK 40

static int tokenize(char *s, char **tok)
{
	return split_words(s, tok, MAX_TOK);
}

static bool num_with(const char *t, const char *unit, double *v)
{
	char *end;
	size_t ul = strlen(unit);

	if (!((*t >= '0' && *t <= '9') || *t == '-' || *t == '+'))
		return false;
	*v = strtod(t, &end);
	return end != t && !strcmp(end, unit) && strlen(end) == ul;
}

/* The stddev tail "( +- 41.94% )" / "( +-100.00% )": the index before it. */
static int parse_tail(char **tok, int n, double *sd)
{
	if (n < 3 || strcmp(tok[n - 1], ")"))
		return -1;
	if (!strncmp(tok[n - 2], "+-", 2) && tok[n - 2][2] && num_with(tok[n - 2] + 2, "%", sd))
		return !strcmp(tok[n - 3], "(") ? n - 4 : -1;
	if (n >= 4 && !strcmp(tok[n - 3], "+-") && num_with(tok[n - 2], "%", sd) &&
	    !strcmp(tok[n - 4], "("))
		return n - 5;
	return -1;
}

static int parse_row(char *line, struct trace_record *rec)
{
	char *tok[MAX_TOK];
	int n = tokenize(line, tok), i = parse_tail(tok, n, &rec->stddev_pct);
	double pct, tpct, a, b;
	char *end;

	if (i < 4 || !num_with(tok[i], "us", &rec->avg_us))
		return -1;
	rec->has_avg = rec->has_stddev = true;
	i--;
	if (i >= 5 && num_with(tok[i], "us", &b) && num_with(tok[i - 1], "us", &a)) {
		rec->has_minmax = true;
		rec->min_us = a;
		rec->max_us = b;
		i -= 2;
	}
	if (i < 3 || !num_with(tok[i], "%", &tpct) || !num_with(tok[i - 1], "%", &pct))
		return -1;
	rec->count = strtoull(tok[i - 2], &end, 10);
	if (*end || tok[i - 2][0] < '0' || tok[i - 2][0] > '9')
		return -1;
	size_t len = 0;

	for (int k = 0; k < i - 2; k++)	/* the name: what is left, one space apart */
		len += (size_t)snprintf(rec->reason + len, len < sizeof(rec->reason) ?
					sizeof(rec->reason) - len : 0, "%s%s", k ? " " : "",
					tok[k]);
	return i - 2 > 0 ? 0 : -1;
}

static void name_row(struct trace_record *rec)
{
	u64 v;

	rec->exit = exit_names__by_name(rec->reason);
	if (rec->exit) {
		rec->isa = rec->exit->isa;
		rec->has_code = true;
		rec->code = rec->exit->code;
	} else if (!strncmp(rec->reason, "0x", 2) && scan_u64(rec->reason + 2, 16, &v)) {
		rec->has_code = true;
		rec->code = (s64)v;
	}
}

static bool is_clock_line(const char *s)
{
	return strlen(s) >= 9 && s[2] == ':' && s[5] == ':' && s[8] == '.' &&
	       s[0] >= '0' && s[0] <= '9';
}

/* The header's last column ("Avg time") ends @s, spaces apart. */
static bool ends_header(const char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n >= 8 && !strncmp(s + n - 8, "Avg time", 8);
}

/* A wrapped header's rest: only its column words (Min, Max, Avg, Time). */
static bool is_header_rest(const char *s)
{
	static const char *const words[] = { "Min", "Max", "Avg", "Time", "time" };
	bool any = false;

	for (s = scan_spaces(s); *s; s = scan_spaces(s)) {
		size_t n = strcspn(s, " \t");
		bool ok = false;

		for (size_t i = 0; i < ARRAY_SIZE(words); i++)
			ok |= n == strlen(words[i]) && !strncmp(s, words[i], n);
		if (!ok)
			return false;
		any = true;
		s += n;
	}
	return any;
}

/* A line that is not a row: 1 if consumed, 0 if it should be a row. */
static int meta_line(struct trace_reader *r, struct kvm_stat *k, const char *s)
{
	const char *q;
	u64 v;

	if (!*s || *s == '#')
		return 1;
	if (k->header_open && is_header_rest(s)) {
		k->header_open = !ends_header(s);
		return 1;
	}
	k->header_open = false;
	if ((q = scan_word(s, "Analyze events for "))) {
		k->vcpu = (q = strstr(q, "VCPU ")) ? atoi(q + 5) : -1;
		return 1;
	}
	if (is_clock_line(s)) {		/* perf kvm stat live: a new interval */
		if (k->seen_table)
			k->table++;
		k->seen_table = false;
		return 1;
	}
	if (strstr(s, "Samples%") && strstr(s, "Samples")) {
		if (k->seen_table)
			k->table++;
		k->in_table = k->seen_table = true;
		k->header_open = !ends_header(s);
		k->exits_table = !!scan_word(s, "VM-EXIT");
		k->rows_sum = 0;
		if (!k->exits_table)
			trace__note(r, "skipped a table that is not of VM exits: '%.*s'",
				    (int)strcspn(s, "S") - 1, s);
		return 1;
	}
	if ((q = scan_word(s, "Total Samples:")) && scan_u64(q, 10, &v)) {
		if (k->exits_table && v != k->rows_sum)
			trace__note(r, "%s:%u: the rows sum to %llu samples, the total says %llu",
				    r->path, r->lineno, (unsigned long long)k->rows_sum,
				    (unsigned long long)v);
		k->in_table = false;
		return 1;
	}
	if (scan_word(s, "Lost events:") || scan_word(s, "unknown kvm exit code:")) {
		trace__note(r, "perf kvm stat said: %s", s);
		return 1;
	}
	return 0;
}

static int try_row(struct trace_reader *r, struct trace_record *rec)
{
	char buf[1024];

	record__init(rec);
	snprintf(buf, sizeof(buf), "%s", r->line);
	return parse_row(buf, rec);
}

static int stat_next(struct trace_reader *r, struct trace_record *rec, struct diag *d)
{
	struct kvm_stat *k = r->priv;
	int ret;

	while ((ret = trace_line__get(r, d)) > 0) {
		const char *s = scan_spaces(r->line), *nx;

		if (meta_line(r, k, s))
			continue;
		ret = try_row(r, rec);
		for (int j = 0; ret && j < 2 && (nx = trace_line__peek(r)) && !is_blank(nx) &&
		     !strstr(nx, "Total Samples:"); j++) {
			trace_line__join(r, true);	/* a row wrapped by a mail client */
			ret = try_row(r, rec);
		}
		if (ret)
			return trace__bad(r, d, s, "expected a perf kvm stat row 'NAME SAMPLES "
					  "SAMPLES%% TIME%% [MIN MAX] AVG ( +- STDDEV%% )'");
		if (!k->in_table)
			return trace__bad(r, d, s, "expected the table's header line "
					  "(VM-EXIT Samples Samples%% ...) before its rows");
		if (!k->exits_table)
			continue;
		rec->kind = TREC_MIX;
		rec->table = k->table;
		rec->vcpu = k->vcpu;
		k->rows_sum += rec->count;
		name_row(rec);
		return 1;
	}
	return ret;
}

static int stat_open(struct trace_reader *r, struct diag *d)
{
	struct kvm_stat *k = calloc(1, sizeof(*k));

	if (!k)
		return diag__set(d, VPMU_E_NOMEM, r->path, 0, 0, "out of memory");
	k->vcpu = -1;
	r->priv = k;
	return 0;
}

static void stat_close(struct trace_reader *r)
{
	free(r->priv);
}

static int probe_stat(const char *head, size_t len)
{
	(void)len;
	if (strstr(head, "Analyze events for "))
		return 95;
	return strstr(head, "Samples%") && strstr(head, "Time%") ? 90 : 0;
}

const struct trace_reader_ops trace_kvm_stat_ops = {
	.name = "kvm-stat", .what = "perf kvm stat report|live tables",
	.probe = probe_stat, .open = stat_open, .next = stat_next, .close = stat_close,
};

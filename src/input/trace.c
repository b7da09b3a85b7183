/*
 * input/trace.c - see trace.h: the formats table, `auto` detection, the
 * skip-bad wrapper, and the line source the text readers share
 * (trace_internal.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "input/trace_internal.h"

const struct trace_reader_ops *const trace_formats[] = {
	&trace_ftrace_ops, &trace_cmd_report_ops, &trace_perf_script_ops, &trace_dat_ops,
	&trace_kvm_stat_ops, &trace_bcc_ops, &trace_bpftrace_ops, NULL,
};

const struct trace_reader_ops *trace__format(const char *name)
{
	for (int i = 0; trace_formats[i]; i++)
		if (!strcasecmp(name, trace_formats[i]->name))
			return trace_formats[i];
	return NULL;
}

#define HEAD_LEN 16384

const struct trace_reader_ops *trace__detect(const char *path, struct diag *d)
{
	static char head[HEAD_LEN + 1];
	const struct trace_reader_ops *best = NULL;
	int best_score = 0;
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		diag__set(d, VPMU_E_IO, path, 0, 0, "cannot open the trace");
		return NULL;
	}
	n = fread(head, 1, HEAD_LEN, f);
	fclose(f);
	head[n] = 0;
	for (int i = 0; trace_formats[i]; i++) {
		int s = trace_formats[i]->probe(head, n);

		if (s > best_score) {
			best_score = s;
			best = trace_formats[i];
		}
	}
	if (!best)
		diag__set(d, VPMU_E_PARSE, path, n ? 1 : 0, n ? 1 : 0,
			  "expected a KVM exit trace or table (ftrace, trace-cmd report, perf "
			  "script, trace.dat, perf kvm stat, bcc kvmexit, bpftrace kvmexits.bt)");
	return best;
}

int trace__open(const char *path, const struct trace_reader_ops *ops, bool skip_bad,
		struct trace_reader **out, struct diag *d)
{
	struct trace_reader *r;
	int ret;

	*out = NULL;
	FILE *probe = fopen(path, "rb");

	if (!probe)
		return diag__set(d, VPMU_E_IO, path, 0, 0, "cannot open the trace");
	fclose(probe);
	if (!ops && !(ops = trace__detect(path, d)))
		return VPMU_E_PARSE;
	r = calloc(1, sizeof(*r));
	if (!r)
		return diag__set(d, VPMU_E_NOMEM, path, 0, 0, "out of memory");
	r->ops = ops;
	r->skip_bad = skip_bad;
	snprintf(r->path, sizeof(r->path), "%s", path);
	if (!ops->is_binary && !(r->f = fopen(path, "r"))) {
		free(r);
		return diag__set(d, VPMU_E_IO, path, 0, 0, "cannot open the trace");
	}
	if (ops->open && (ret = ops->open(r, d))) {
		trace__close(r);
		return ret;
	}
	*out = r;
	return 0;
}

int trace__next(struct trace_reader *r, struct trace_record *rec, struct diag *d)
{
	for (;;) {
		int ret = r->ops->next(r, rec, d);

		if (ret != VPMU_E_PARSE || !r->skip_bad)
			return ret;
		if (!r->skipped++)
			diag__format(d, r->first_bad, sizeof(r->first_bad));
	}
}

void trace__close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->ops->close)
		r->ops->close(r);
	if (r->f)
		fclose(r->f);
	free(r->line);
	free(r->peek);
	free(r);
}

const struct trace_reader_ops *trace__ops(const struct trace_reader *r)
{
	return r->ops;
}

const char *trace__path(const struct trace_reader *r)
{
	return r->path;
}

u64 trace__skipped(const struct trace_reader *r, const char **first)
{
	if (first)
		*first = r->first_bad;
	return r->skipped;
}

const char *trace__notes(const struct trace_reader *r)
{
	return r->notes;
}

/* --- the line source ------------------------------------------------------ */

static int read_physical(struct trace_reader *r, char **buf, size_t *cap, size_t *len,
			 struct diag *d)
{
	ssize_t n = getline(buf, cap, r->f);

	if (n < 0)
		return 0;
	r->next_lineno++;
	while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r'))
		(*buf)[--n] = 0;
	if (n > TRACE_LINE_MAX)
		return diag__set(d, VPMU_E_PARSE, r->path, r->next_lineno, 1,
				 "expected a line of at most %d bytes", TRACE_LINE_MAX);
	*len = (size_t)n;
	return 1;
}

int trace_line__get(struct trace_reader *r, struct diag *d)
{
	int ret;

	if (r->has_peek) {
		char *t = r->line;
		size_t c = r->line_cap;

		r->has_peek = false;
		if (r->peek_eof)
			return 0;
		r->line = r->peek;
		r->line_cap = r->peek_cap;
		r->line_len = r->peek_len;
		r->peek = t;
		r->peek_cap = c;
		r->lineno = r->next_lineno;
		return 1;
	}
	ret = read_physical(r, &r->line, &r->line_cap, &r->line_len, d);
	r->lineno = r->next_lineno;
	return ret;
}

const char *trace_line__peek(struct trace_reader *r)
{
	if (!r->has_peek) {
		r->has_peek = true;
		r->peek_eof = read_physical(r, &r->peek, &r->peek_cap, &r->peek_len, NULL) <= 0;
		if (r->peek_eof)
			r->next_lineno = r->lineno;	/* an over-long line is seen next get */
	}
	return r->peek_eof ? NULL : r->peek;
}

size_t trace_line__join(struct trace_reader *r, bool space)
{
	size_t need = r->line_len + r->peek_len + 2, at;

	if (need > r->line_cap) {
		char *n = realloc(r->line, need);

		if (!n)
			return r->line_len;	/* keep the line; the parse will say */
		r->line = n;
		r->line_cap = need;
	}
	if (space)
		r->line[r->line_len++] = ' ';
	at = r->line_len;
	memcpy(r->line + at, r->peek, r->peek_len + 1);
	r->line_len += r->peek_len;
	r->has_peek = false;
	return at;
}

int trace__bad(struct trace_reader *r, struct diag *d, const char *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	unsigned int col = 1;

	if (at && r->line && at >= r->line && at <= r->line + r->line_len)
		col = (unsigned int)(at - r->line) + 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return diag__set(d, VPMU_E_PARSE, r->path, r->lineno, col, "%s", msg);
}

void trace__note(struct trace_reader *r, const char *fmt, ...)
{
	char msg[512];
	size_t len = strlen(r->notes);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strstr(r->notes, msg))
		return;
	snprintf(r->notes + len, sizeof(r->notes) - len, "%s\n", msg);
}

/* --- scanners ------------------------------------------------------------- */

const char *scan_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

const char *scan_u64(const char *s, int base, u64 *v)
{
	char *end;

	if (!((*s >= '0' && *s <= '9') || (base == 16 && strchr("abcdefABCDEF", *s) && *s)))
		return NULL;
	*v = strtoull(s, &end, base);
	return end;
}

const char *scan_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	return strncmp(s, word, n) ? NULL : s + n;
}

bool is_blank(const char *s)
{
	return !*scan_spaces(s);
}

int split_words(char *s, char **tok, int max)
{
	int n = 0;

	for (char *p = strtok(s, " \t"); p && n < max; p = strtok(NULL, " \t"))
		tok[n++] = p;
	return n;
}

void record__init(struct trace_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->cpu = rec->tid = rec->vcpu = -1;
}

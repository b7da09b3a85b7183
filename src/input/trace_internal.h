/*
 * input/trace_internal.h - what the trace readers share (trace.c): the
 * reader's state and a line source with one line of lookahead, so that a
 * reader can join a line that a terminal or a mail client wrapped.
 *
 * Invariants: a line is at most TRACE_LINE_MAX bytes (longer is an error),
 * so memory stays bounded whatever the file's size.
 */
#ifndef VPMU__INPUT_TRACE_INTERNAL_H
#define VPMU__INPUT_TRACE_INTERNAL_H

#include "input/trace.h"

#define TRACE_LINE_MAX 65536

struct trace_reader {
	const struct trace_reader_ops *ops;
	char path[1024];
	FILE *f;
	char *line;		/* the current line, no newline */
	size_t line_len, line_cap;
	char *peek;		/* the next line, when peeked */
	size_t peek_len, peek_cap;
	bool has_peek, peek_eof;
	unsigned int lineno;	/* of the current line's first physical line */
	unsigned int next_lineno;
	bool skip_bad;
	u64 skipped;
	char first_bad[640];
	char notes[2048];
	void *priv;		/* the format's own state */
};

/* The next line into r->line: 1, 0 at the end, or VPMU_E_* with @d. */
int trace_line__get(struct trace_reader *r, struct diag *d);
/* The line after the current one (NULL at the end); not consumed. */
const char *trace_line__peek(struct trace_reader *r);
/* Append the peeked line to the current one (with a space first if
 * @space); returns the offset in r->line where it starts. */
size_t trace_line__join(struct trace_reader *r, bool space);
/* A parse error at column @col of the current line. */
int trace__bad(struct trace_reader *r, struct diag *d, const char *at,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Add a remark, once (an identical one is not added twice). */
void trace__note(struct trace_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Small scanners over NUL-terminated text; each returns the position
 * after what it read, or NULL (nothing read). */
const char *scan_spaces(const char *s);
const char *scan_u64(const char *s, int base, u64 *v);
const char *scan_word(const char *s, const char *word);
bool is_blank(const char *s);
/* Split @s in place at blanks and tabs into at most @max tokens; their count. */
int split_words(char *s, char **tok, int max);
void record__init(struct trace_record *rec);

extern const struct trace_reader_ops trace_ftrace_ops, trace_cmd_report_ops,
	trace_perf_script_ops, trace_dat_ops, trace_kvm_stat_ops, trace_bcc_ops,
	trace_bpftrace_ops;

#endif /* VPMU__INPUT_TRACE_INTERNAL_H */

/*
 * input/trace_ftrace.c - the text event formats: raw ftrace
 * (/sys/kernel/tracing/trace), `trace-cmd report` (with the kvm plugin's
 * rewritten kvm_exit or without it, -N) and `perf script`. They share the
 * event line "PREFIX TIMESTAMP: [SYSTEM:]EVENT: FIELDS" and differ in the
 * prefix (research/exits-costs.md sections 1.2-1.4):
 *
 *   ftrace     COMM-PID [CPU] FLAGS TS:       (FLAGS 4 or 5 chars; COMM may
 *              have spaces, "CPU 5/KVM-2137779"; "(TGID)" may follow PID)
 *   trace-cmd  COMM-PID [CPU] TS:             (flags only with -l)
 *   perf       COMM PID [CPU] TS:  or  [CPU] TS:  or  COMM PID FLAGS [CPU] TS:
 *
 * kvm_exit bodies of the three kernel eras and the plugin:
 *   reason R rip 0xX info A B                             (<= 5.3, plugin)
 *   vcpu N reason R rip 0xX info A B                      (2019)
 *   vcpu N reason R[ FLAGS] rip 0xX info1 0x%016 info2 0x%016
 *          intr_info 0x%08 error_code 0x%08 [more]         (>= 5.10)
 * The modern fields are checked for their printf widths: samples whose
 * info1 is not 16 hex digits are not what a kernel printed.
 *
 * A line with no event prefix right after an event line is that line's
 * continuation (wrapped by a terminal or a mail client) and is joined to it.
 */
#include <stdlib.h>
#include <string.h>

#include "input/trace_internal.h"

struct prefix {
	const char *ts_at;	/* where the timestamp starts */
	const char *body;	/* the fields after "EVENT: " */
	char event[TRACE_NAME_LEN];
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "TS: [SYS:]EVENT:" at @s (TS = digits.digits); fills @p. */
static bool scan_ts_event(const char *s, struct prefix *p)
{
	const char *q = s, *e;
	size_t n;

	while (is_digit(*q))
		q++;
	if (q == s || *q != '.' || !is_digit(q[1]))
		return false;
	for (q++; is_digit(*q); q++)
		;
	if (*q != ':' || q[1] != ' ')
		return false;
	q = scan_spaces(q + 1);
	for (e = q; *e && *e != ' '; e++)
		;
	if (e == q || e[-1] != ':')
		return false;
	e--;				/* the event's closing ':' */
	n = (size_t)(e - q);
	const char *colon = memchr(q, ':', n);

	if (colon) {			/* perf's "kvm:kvm_exit" */
		n -= (size_t)(colon + 1 - q);
		q = colon + 1;
	}
	if (!n || n >= sizeof(p->event))
		return false;
	memcpy(p->event, q, n);
	p->event[n] = 0;
	p->ts_at = s;
	p->body = scan_spaces(e + 1);
	return true;
}

/* The first "TS: EVENT:" on the line, at a word start. */
static bool find_prefix(const char *line, struct prefix *p)
{
	for (const char *s = line; *s; s++)
		if ((s == line || s[-1] == ' ' || s[-1] == '\t') && is_digit(*s) &&
		    scan_ts_event(s, p))
			return true;
	return false;
}

static u64 parse_ts(const char *s)
{
	u64 sec = strtoull(s, NULL, 10), frac = 0;
	const char *f = strchr(s, '.') + 1;
	int digits = 0;

	for (; is_digit(*f) && digits < 9; f++, digits++)
		frac = frac * 10 + (u64)(*f - '0');
	for (; digits < 9; digits++)
		frac *= 10;
	return sec * 1000000000ULL + frac;
}

/* "[CPU]" before @end, the thread's pid before it (COMM-PID or COMM PID). */
static void parse_who(const char *line, const char *end, struct trace_record *rec)
{
	const char *lb = NULL;

	for (const char *s = line; s < end; s++)
		if (*s == '[' && is_digit(s[1]) && (s == line || s[-1] == ' '))
			lb = s;
	if (!lb)
		return;
	rec->cpu = atoi(lb + 1);
	/* back over spaces, an optional perf FLAGS token, a "(TGID)" */
	const char *q = lb;

	while (q > line && q[-1] == ' ')
		q--;
	const char *w = q;

	while (w > line && w[-1] != ' ' && w[-1] != '-')
		w--;
	if (w < q && !is_digit(*w) && q - w >= 4 && q - w <= 5 && memchr(w, '.', (size_t)(q - w))) {
		q = w;			/* ".N.." flags in perf-prof lines */
		while (q > line && q[-1] == ' ')
			q--;
	}
	if (q > line && q[-1] == ')') {
		const char *o = q;

		while (o > line && o[-1] != '(')
			o--;
		if (o > line) {
			q = o - 1;
			while (q > line && q[-1] == ' ')
				q--;
		}
	}
	w = q;
	while (w > line && is_digit(w[-1]))
		w--;
	if (w < q && w > line && (w[-1] == '-' || w[-1] == ' '))
		rec->tid = atoi(w);
}

/* "0x" and exactly @width hex digits (0: any number of them). */
static const char *scan_hex(const char *s, int width, u64 *v)
{
	const char *q;

	if (s[0] != '0' || s[1] != 'x')
		return NULL;
	q = scan_u64(s + 2, 16, v);
	if (!q || (width && q - (s + 2) != width))
		return NULL;
	return q;
}

static void name_reason(struct trace_record *rec, const char *r, size_t n)
{
	static const char failed[] = " FAILED_VMENTRY";
	size_t fl = sizeof(failed) - 1;
	u64 v;

	if (n > fl && !memcmp(r + n - fl, failed, fl)) {
		rec->failed_vmentry = true;
		n -= fl;
	}
	if (n >= sizeof(rec->reason))
		n = sizeof(rec->reason) - 1;
	memcpy(rec->reason, r, n);
	rec->reason[n] = 0;
	rec->exit = exit_names__by_name(rec->reason);
	if (rec->exit) {
		rec->isa = rec->exit->isa;
		rec->has_code = true;
		rec->code = rec->exit->code;
	} else if (!strncmp(rec->reason, "UNKNOWN (", 9) && scan_u64(rec->reason + 9, 10, &v)) {
		rec->has_code = true;	/* the plugin's name for a code it lacks */
		rec->code = (s64)v;
	} else if (scan_hex(rec->reason, 0, &v)) {
		rec->has_code = true;	/* __print_symbolic of an unknown value */
		rec->code = (s64)v;
	}
}

/* " info A B" (old, plugin) or the >= 5.10 fields at @s. */
static int parse_info(struct trace_reader *r, const char *s, struct trace_record *rec,
		      struct diag *d)
{
	const char *q;
	u64 v;

	if ((q = scan_word(s, " info "))) {
		if (!(q = scan_u64(q, 16, &rec->info1)) || *q != ' ' ||
		    !(q = scan_u64(q + 1, 16, &rec->info2)))
			return trace__bad(r, d, s, "expected 'info HEX HEX' after rip");
		rec->has_info = true;
		return 0;
	}
	if (!(q = scan_word(s, " info1 ")) || !(q = scan_hex(q, 16, &rec->info1)))
		return trace__bad(r, d, s, "expected 'info1 0x' and 16 hex digits (or 'info A B')");
	if (!(q = scan_word(q, " info2 ")) || !(q = scan_hex(q, 16, &rec->info2)))
		return trace__bad(r, d, q ? q : s, "expected 'info2 0x' and 16 hex digits");
	rec->has_info = true;
	if (!(q = scan_word(q, " intr_info ")) || !(q = scan_hex(q, 8, &v)))
		return trace__bad(r, d, s, "expected 'intr_info 0x' and 8 hex digits");
	rec->intr_info = (u32)v;
	if (!(q = scan_word(q, " error_code ")) || !(q = scan_hex(q, 8, &v)))
		return trace__bad(r, d, s, "expected 'error_code 0x' and 8 hex digits");
	rec->error_code = (u32)v;
	rec->has_intr = true;
	return 0;		/* later kernels' extra fields may follow */
}

static int parse_exit(struct trace_reader *r, const char *b, struct trace_record *rec,
		      struct diag *d)
{
	const char *q, *rip;
	u64 v;

	rec->kind = TREC_EXIT;
	if ((q = scan_word(b, "vcpu "))) {
		if (!(q = scan_u64(q, 10, &v)) || *q != ' ')
			return trace__bad(r, d, b, "expected 'vcpu N' in kvm_exit");
		rec->vcpu = (s32)v;
		b = q + 1;
	}
	if (!(q = scan_word(b, "reason ")))
		return trace__bad(r, d, b, "expected 'reason NAME' in kvm_exit");
	if (!(rip = strstr(q, " rip ")) || rip == q)
		return trace__bad(r, d, q, "expected 'rip 0x...' after the exit reason");
	name_reason(rec, q, (size_t)(rip - q));
	if (!(q = scan_hex(rip + 5, 0, &rec->rip)))
		return trace__bad(r, d, rip + 5, "expected a hex guest RIP after 'rip'");
	return parse_info(r, q, rec, d);
}

static int parse_entry(struct trace_reader *r, const char *b, struct trace_record *rec,
		       struct diag *d)
{
	const char *q;
	u64 v;

	rec->kind = TREC_ENTRY;
	if (!(q = scan_word(b, "vcpu ")) || !(q = scan_u64(q, 10, &v)))
		return trace__bad(r, d, b, "expected 'vcpu N' in kvm_entry");
	rec->vcpu = (s32)v;
	if (*q == ',')
		q++;
	if (*q && (!(q = scan_word(q, " rip ")) || !scan_hex(q, 0, &rec->rip)))
		return trace__bad(r, d, b, "expected 'vcpu N, rip 0x...' in kvm_entry");
	return 0;
}

static void copy_until(char *dst, size_t cap, const char *s, const char *stop)
{
	size_t n = strcspn(s, stop);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

static int parse_msr(struct trace_reader *r, const char *b, struct trace_record *rec,
		     struct diag *d)
{
	const char *q;
	u64 v;

	rec->kind = TREC_MSR;
	if ((q = scan_word(b, "msr_write ")))
		rec->msr_write = true;
	else if (!(q = scan_word(b, "msr_read ")))
		return trace__bad(r, d, b, "expected 'msr_write' or 'msr_read' in kvm_msr");
	if (!scan_u64(q, 16, &v))
		return trace__bad(r, d, q, "expected the MSR index in hex");
	rec->msr = (u32)v;
	return 0;
}

static int parse_body(struct trace_reader *r, const struct prefix *p,
		      struct trace_record *rec, struct diag *d)
{
	const char *b = p->body;

	if (!strcmp(p->event, "kvm_exit"))
		return parse_exit(r, b, rec, d);
	if (!strcmp(p->event, "kvm_entry"))
		return parse_entry(r, b, rec, d);
	if (!strcmp(p->event, "kvm_msr"))
		return parse_msr(r, b, rec, d);
	if (!strcmp(p->event, "kvm_userspace_exit")) {
		rec->kind = TREC_USERSPACE;
		copy_until(rec->reason, sizeof(rec->reason), scan_word(b, "reason ") ?
			   b + 7 : b, "");
		return 0;
	}
	if (!strncmp(p->event, "kvm_nested_vmexit", 17))
		rec->kind = TREC_NESTED;
	else if (!strcmp(p->event, "kvm_inj_virq") || !strcmp(p->event, "kvm_inj_exception"))
		rec->kind = TREC_INJ;
	else
		rec->kind = TREC_EVENT;
	snprintf(rec->event, sizeof(rec->event), "%s", p->event);
	return 0;
}

static bool is_event_line(const char *s);

/* Lines that are not events and carry nothing: comments, trace-cmd's
 * header, per-CPU notes (a lost-events note is kept as a remark). */
static bool is_header(struct trace_reader *r, const char *s)
{
	s = scan_spaces(s);
	if (!*s || *s == '#' || scan_word(s, "cpus=") || scan_word(s, "version = "))
		return true;
	if ((scan_word(s, "CPU:") || scan_word(s, "CPU ")) && is_digit(s[4]) &&
	    (strstr(s, " is empty") || strstr(s, "LOST") || strstr(s, "DROPPED")) &&
	    !is_event_line(s)) {
		if (strstr(s, "LOST"))
			trace__note(r, "the trace lost events: %s", s);
		return true;
	}
	return false;
}

static bool is_event_line(const char *s)
{
	struct prefix p;

	return find_prefix(s, &p);
}

/* Join continuation lines; returns how many were joined. */
static int join_wrapped(struct trace_reader *r, size_t *at, int max)
{
	int n = 0;
	const char *nx;

	while (n < max && (nx = trace_line__peek(r)) && !is_blank(nx) && *scan_spaces(nx) != '#' &&
	       !is_event_line(nx))
		at[n++] = trace_line__join(r, false);
	return n;
}

static int parse_line(struct trace_reader *r, struct trace_record *rec, struct diag *d)
{
	struct prefix p;

	record__init(rec);
	if (!find_prefix(r->line, &p))
		return trace__bad(r, d, r->line, "expected 'COMM-PID [CPU] TIMESTAMP: EVENT: "
				  "FIELDS' (ftrace, trace-cmd report or perf script)");
	parse_who(r->line, p.ts_at, rec);
	rec->has_ts = true;
	rec->ts_ns = parse_ts(p.ts_at);
	return parse_body(r, &p, rec, d);
}

static bool insert_space(struct trace_reader *r, size_t at)
{
	if (r->line_len + 2 > r->line_cap) {
		char *n = realloc(r->line, r->line_len + 64);

		if (!n)
			return false;
		r->line = n;
		r->line_cap = r->line_len + 64;
	}
	memmove(r->line + at + 1, r->line + at, r->line_len - at + 1);
	r->line[at] = ' ';
	r->line_len++;
	return true;
}

static int text_next(struct trace_reader *r, struct trace_record *rec, struct diag *d)
{
	for (;;) {
		size_t at[8];
		int ret = trace_line__get(r, d), n;

		if (ret <= 0)
			return ret;
		if (is_header(r, r->line))
			continue;
		n = join_wrapped(r, at, 8);
		ret = parse_line(r, rec, d);
		if (ret == VPMU_E_PARSE && n) {
			bool ok = true;

			for (int i = n - 1; i >= 0 && ok; i--)	/* the break ate a space */
				ok = insert_space(r, at[i]);
			ret = parse_line(r, rec, d);
		}
		return ret ? ret : 1;
	}
}

/* How the head's event lines look: any, with "] FLAGS TS:", with "] TS:". */
struct head_shape {
	bool events, flags, bare_bracket;
};

static void line_shape(const char *line, struct head_shape *h)
{
	struct prefix p;
	const char *rb;

	if (!find_prefix(line, &p))
		return;
	h->events = true;
	for (rb = p.ts_at; rb > line && rb[-1] == ' '; rb--)
		;
	if (rb > line && rb[-1] == ']')
		h->bare_bracket = true;
	else if (rb > line && memchr(line, '[', (size_t)(rb - line)))
		h->flags = true;
}

static struct head_shape shape(const char *head)
{
	struct head_shape h = { false, false, false };
	char line[1024];

	for (const char *s = head; *s;) {
		size_t n = strcspn(s, "\n");

		if (n < sizeof(line)) {
			memcpy(line, s, n);
			line[n] = 0;
			line_shape(line, &h);
		}
		s += n + (s[n] ? 1 : 0);
	}
	return h;
}

static int probe_ftrace(const char *head, size_t len)
{
	struct head_shape h = shape(head);

	(void)len;
	if (strstr(head, "# tracer:"))
		return 95;
	return h.flags ? 70 : h.events && !h.bare_bracket ? 55 : h.events ? 20 : 0;
}

static int probe_trace_cmd(const char *head, size_t len)
{
	(void)len;
	if (!strncmp(head, "cpus=", 5) || strstr(head, "\ncpus="))
		return 90;
	return shape(head).bare_bracket && !strstr(head, " kvm:kvm_") ? 60 : 0;
}

static int probe_perf(const char *head, size_t len)
{
	(void)len;
	return strstr(head, " kvm:kvm_") && shape(head).events ? 85 : 0;
}

const struct trace_reader_ops trace_ftrace_ops = {
	.name = "ftrace", .what = "ftrace text (/sys/kernel/tracing/trace)",
	.probe = probe_ftrace, .next = text_next,
};

const struct trace_reader_ops trace_cmd_report_ops = {
	.name = "trace-cmd", .what = "trace-cmd report text (kvm plugin or -N)",
	.probe = probe_trace_cmd, .next = text_next,
};

const struct trace_reader_ops trace_perf_script_ops = {
	.name = "perf-script", .what = "perf script text of kvm:kvm_exit / kvm:kvm_entry",
	.probe = probe_perf, .next = text_next,
};

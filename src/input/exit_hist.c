/*
 * input/exit_hist.c - exit counts and histograms from eBPF tools:
 *
 *   bcc kvmexit        PID TID KVM_EXIT_REASON COUNT (or TID / TIDS / none
 *                      before the reason); names EXIT_REASON_HLT or HLT; a
 *                      "^C" may stand before a row (the user's Ctrl-C)
 *   bpftrace kvmexits  @exit_ns[CODE, NAME]: then log2 buckets
 *                      "[512, 1K)   33 |@@@@ |" of nanoseconds (K, M, G
 *                      are powers of 1024)
 *
 * kvmexits.bt names codes with a hard-coded VMX table, also on AMD, where
 * the codes are SVM exit codes (brendangregg/bpf-perf-tools-book issue 17:
 * "@exit_ns[20, VMLAUNCH]" is SVM write_cr4). VMX basic exit reasons are
 * all below 96; a code at or above it (SVM's intr 0x60 ... npf 0x400)
 * means the histogram is from AMD, and then every code is read as SVM and
 * the mix-up is said in a remark. To decide, the bpftrace reader reads the
 * whole output first (bounded: HIST_MAX buckets).
 */
#include <stdlib.h>
#include <string.h>

#include "input/trace_internal.h"

/* --- bcc ----------------------------------------------------------------- */

struct bcc {
	int reason_col, tid_col, ncols;	/* -1: no header yet / no TID column */
	u32 table;
	bool seen;
};

#define MAX_TOK 16

static int split(char *s, char **tok)
{
	return split_words(s, tok, MAX_TOK);
}

static bool bcc_header(struct bcc *b, char *s)
{
	char *tok[MAX_TOK];
	int n = split(s, tok);

	b->reason_col = b->tid_col = -1;
	for (int i = 0; i < n; i++) {
		if (!strcmp(tok[i], "KVM_EXIT_REASON"))
			b->reason_col = i;
		if (!strcmp(tok[i], "TID") || !strcmp(tok[i], "TIDS"))
			b->tid_col = i;
	}
	b->ncols = n;
	if (b->seen)
		b->table++;
	b->seen = true;
	return b->reason_col >= 0;
}

static int bcc_row(struct trace_reader *r, struct bcc *b, char *s, struct trace_record *rec,
		   struct diag *d)
{
	char *tok[MAX_TOK], *end;
	int n;

	if (!strncmp(s, "^C", 2))
		s += 2;
	n = split(s, tok);
	if (b->reason_col < 0 || n != b->ncols)
		return trace__bad(r, d, r->line, "expected a kvmexit row of %d columns after "
				  "its header (... KVM_EXIT_REASON COUNT)", b->ncols);
	record__init(rec);
	rec->kind = TREC_MIX;
	rec->table = b->table;
	rec->count = strtoull(tok[n - 1], &end, 10);
	if (*end || tok[n - 1][0] < '0' || tok[n - 1][0] > '9')
		return trace__bad(r, d, r->line, "expected the COUNT as a number at the row's end");
	if (b->tid_col >= 0)
		rec->tid = atoi(tok[b->tid_col]);
	snprintf(rec->reason, sizeof(rec->reason), "%s", tok[b->reason_col]);
	rec->exit = exit_names__by_name(rec->reason);
	if (rec->exit) {
		rec->isa = rec->exit->isa;
		rec->has_code = true;
		rec->code = rec->exit->code;
	}
	return 1;
}

static int bcc_next(struct trace_reader *r, struct trace_record *rec, struct diag *d)
{
	struct bcc *b = r->priv;
	int ret;

	while ((ret = trace_line__get(r, d)) > 0) {
		char *s = r->line + (scan_spaces(r->line) - r->line);

		if (!*s || *s == '#' || !strncmp(s, "Display ", 8) || !strncmp(s, "Tracing ", 8))
			continue;
		if (strstr(s, "KVM_EXIT_REASON")) {
			if (!bcc_header(b, s))
				return trace__bad(r, d, s, "expected a KVM_EXIT_REASON column");
			continue;
		}
		return bcc_row(r, b, s, rec, d);
	}
	return ret;
}

static int bcc_open(struct trace_reader *r, struct diag *d)
{
	struct bcc *b = calloc(1, sizeof(*b));

	if (!b)
		return diag__set(d, VPMU_E_NOMEM, r->path, 0, 0, "out of memory");
	b->reason_col = b->tid_col = -1;
	r->priv = b;
	return 0;
}

static void free_priv(struct trace_reader *r)
{
	free(r->priv);
}

static int probe_bcc(const char *head, size_t len)
{
	(void)len;
	return strstr(head, "KVM_EXIT_REASON") ? 90 : 0;
}

const struct trace_reader_ops trace_bcc_ops = {
	.name = "bcc", .what = "bcc kvmexit counts",
	.probe = probe_bcc, .open = bcc_open, .next = bcc_next, .close = free_priv,
};

/* --- bpftrace ------------------------------------------------------------- */

#define HIST_MAX 8192

struct bucket {
	s64 code;
	char name[TRACE_NAME_LEN];	/* the script's name ("" if it had none) */
	u64 lo, hi, count;
};

struct bpf {
	struct bucket *b;
	size_t n, emitted;
	bool loaded, in_hist, is_svm;
	s64 code;
	char name[TRACE_NAME_LEN];
};

/* "512", "1K", "2M", "4G" (powers of 1024) */
static const char *scan_size(const char *s, u64 *v)
{
	const char *q = scan_u64(s, 10, v);

	if (!q)
		return NULL;
	switch (*q) {
	case 'K': *v <<= 10; return q + 1;
	case 'M': *v <<= 20; return q + 1;
	case 'G': *v <<= 30; return q + 1;
	case 'T': *v <<= 40; return q + 1;
	}
	return q;
}

static int map_key(struct trace_reader *r, struct bpf *t, const char *s, struct diag *d)
{
	const char *q = strchr(s, '['), *comma;
	char *end;
	size_t n;

	if (!q)
		return trace__bad(r, d, s, "expected '@exit_ns[CODE, NAME]:'");
	t->code = strtoll(q + 1, &end, 10);
	if (end == q + 1 || *end != ',' || !(comma = end))
		return trace__bad(r, d, q + 1, "expected the exit code and ',' in '@map[CODE, NAME]:'");
	q = scan_spaces(comma + 1);
	n = strcspn(q, "]");
	if (q[n] != ']' || strcmp(q + n, "]:"))
		return trace__bad(r, d, q + n, "expected ']:' closing the map key");
	if (n >= sizeof(t->name))
		n = sizeof(t->name) - 1;
	memcpy(t->name, q, n);
	t->name[n] = 0;
	t->in_hist = true;
	return 0;
}

static int bucket_line(struct trace_reader *r, struct bpf *t, const char *s, struct diag *d)
{
	struct bucket *b;
	const char *q;
	u64 lo, hi, count;

	if (!t->in_hist)
		return trace__bad(r, d, s, "expected '@exit_ns[CODE, NAME]:' before the buckets");
	if (!(q = scan_size(s + 1, &lo)))
		return trace__bad(r, d, s + 1, "expected a bucket's low bound");
	if (*q == ']') {
		hi = lo + 1;		/* [0] and [1] */
	} else if (*q != ',' || !(q = scan_size(scan_spaces(q + 1), &hi)) || *q != ')') {
		return trace__bad(r, d, q ? q : s, "expected a bucket '[LO, HI)'");
	}
	if (!(q = scan_u64(scan_spaces(q + 1), 10, &count)))
		return trace__bad(r, d, s, "expected the bucket's count after '[LO, HI)'");
	if (t->n == HIST_MAX)
		return trace__bad(r, d, s, "expected at most %d histogram buckets", HIST_MAX);
	b = &t->b[t->n++];
	b->code = t->code;
	snprintf(b->name, sizeof(b->name), "%s", t->name);
	b->lo = lo;
	b->hi = hi;
	b->count = count;
	return 0;
}

static int bpf_load(struct trace_reader *r, struct bpf *t, struct diag *d)
{
	int ret;

	while ((ret = trace_line__get(r, d)) > 0) {
		const char *s = scan_spaces(r->line);

		if (!*s) {
			t->in_hist = false;
			continue;
		}
		if (*s == '#' || scan_word(s, "Attaching ") || scan_word(s, "Tracing "))
			continue;
		if (*s == '@')
			ret = map_key(r, t, s, d);
		else if (*s == '[')
			ret = bucket_line(r, t, s, d);
		else
			ret = trace__bad(r, d, s, "expected a bpftrace histogram line "
					 "('@exit_ns[CODE, NAME]:' or '[LO, HI) COUNT |@@@|')");
		if (ret)
			return ret;
	}
	return ret;
}

static void decide_vendor(struct trace_reader *r, struct bpf *t)
{
	char codes[256] = "";
	size_t len = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->b[i].code < 96 || (i && t->b[i].code == t->b[i - 1].code))
			continue;
		t->is_svm = true;
		if (len < sizeof(codes) - 24)
			len += (size_t)snprintf(codes + len, sizeof(codes) - len, "%s%lld",
						len ? ", " : "", (long long)t->b[i].code);
	}
	if (t->is_svm)
		trace__note(r, "%s: kvmexits.bt names exit codes with its VMX table, but code(s) "
			    "%s are not VMX exit reasons (all below 96): this histogram is from "
			    "an AMD host, so every code is read as an SVM exit code and the "
			    "script's names are wrong (e.g. its 20 'VMLAUNCH' is SVM write_cr4)",
			    r->path, codes);
}

static int bpf_next(struct trace_reader *r, struct trace_record *rec, struct diag *d)
{
	struct bpf *t = r->priv;
	const struct bucket *b;
	int ret;

	if (!t->loaded) {
		if ((ret = bpf_load(r, t, d)))
			return ret;
		t->loaded = true;
		decide_vendor(r, t);
	}
	if (t->emitted == t->n)
		return 0;
	b = &t->b[t->emitted++];
	record__init(rec);
	rec->kind = TREC_HIST;
	rec->has_code = true;
	rec->code = b->code;
	rec->isa = t->is_svm ? TRACE_ISA_SVM : TRACE_ISA_VMX;
	rec->exit = exit_names__by_code(rec->isa, b->code);
	if (rec->exit)
		snprintf(rec->reason, sizeof(rec->reason), "%s", rec->exit->name);
	else if (b->name[0] && !t->is_svm)
		snprintf(rec->reason, sizeof(rec->reason), "%s", b->name);
	else
		snprintf(rec->reason, sizeof(rec->reason), "%s %lld",
			 t->is_svm ? "svm" : "vmx", (long long)b->code);
	rec->lo_ns = b->lo;
	rec->hi_ns = b->hi;
	rec->count = b->count;
	return 1;
}

static int bpf_open(struct trace_reader *r, struct diag *d)
{
	struct bpf *t = calloc(1, sizeof(*t));

	if (!t || !(t->b = calloc(HIST_MAX, sizeof(*t->b)))) {
		free(t);
		return diag__set(d, VPMU_E_NOMEM, r->path, 0, 0, "out of memory");
	}
	r->priv = t;
	return 0;
}

static void bpf_close(struct trace_reader *r)
{
	struct bpf *t = r->priv;

	if (t)
		free(t->b);
	free(t);
}

static int probe_bpf(const char *head, size_t len)
{
	(void)len;
	if (strstr(head, "@exit_ns["))
		return 95;
	return strstr(head, "Tracing KVM exits") ? 80 : 0;
}

const struct trace_reader_ops trace_bpftrace_ops = {
	.name = "bpftrace", .what = "bpftrace kvmexits.bt log2 histograms",
	.probe = probe_bpf, .open = bpf_open, .next = bpf_next, .close = bpf_close,
};

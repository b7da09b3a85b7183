/*
 * input/trace.h - streaming readers of real KVM exit traces and tables
 * (research/exits-costs.md sections 1-2, docs/replay.md): one record type
 * and one reader ops table per format, chosen by name or by `auto`
 * detection from the file's first bytes.
 *
 *   ftrace       /sys/kernel/tracing/trace text, every kvm_exit era
 *   trace-cmd    `trace-cmd report`, with the kvm plugin or without (-N)
 *   perf-script  `perf script` of kvm:kvm_exit / kvm:kvm_entry
 *   dat          trace-cmd's trace.dat (formats 6 and 7) via libtracecmd
 *   kvm-stat     `perf kvm stat report|live` tables
 *   bcc          bcc kvmexit counts
 *   bpftrace     bpftrace kvmexits.bt log2 histograms
 *
 * Invariants: memory is bounded whatever the file's size (a line buffer,
 * per-format state; the bpftrace reader holds one histogram file, which is
 * bounded by reasons x 64 buckets). Records come in file order. Time is in
 * nanoseconds of the trace's clock; latencies in tables in microseconds.
 * A malformed line gives VPMU_E_PARSE with file:line:column and what was
 * expected; with skip_bad the reader counts it and goes on.
 */
#ifndef VPMU__INPUT_TRACE_H
#define VPMU__INPUT_TRACE_H

#include <stdio.h>

#include "base/diag.h"
#include "input/exit_names.h"

enum trace_rec_kind {
	TREC_EXIT,		/* kvm_exit */
	TREC_ENTRY,		/* kvm_entry */
	TREC_USERSPACE,		/* kvm_userspace_exit: KVM_RUN returns; not an exit */
	TREC_NESTED,		/* kvm_nested_vmexit: L2 exit seen by L0; not counted */
	TREC_MSR,		/* kvm_msr: the MSR of the exit being handled */
	TREC_INJ,		/* kvm_inj_virq / kvm_inj_exception */
	TREC_EVENT,		/* another event: only counted */
	TREC_MIX,		/* a table row: one reason's count and latency summary */
	TREC_HIST,		/* one histogram bucket of one reason */
};

#define TRACE_NAME_LEN 48

struct trace_record {
	enum trace_rec_kind kind;
	bool has_ts;
	u64 ts_ns;
	s32 cpu, tid, vcpu;		/* -1: not in the record */
	enum trace_isa isa;		/* UNKNOWN unless the record or name says */
	char reason[TRACE_NAME_LEN];	/* as printed ("UNKNOWN (131072)" too) */
	char event[TRACE_NAME_LEN];	/* TREC_EVENT: the event's name */
	const struct exit_name *exit;	/* NULL: a name the table lacks */
	bool has_code;
	s64 code;
	bool has_info, has_intr;
	u64 rip, info1, info2;
	u32 intr_info, error_code;
	bool failed_vmentry;
	u32 msr;			/* TREC_MSR */
	bool msr_write;
	/* TREC_MIX (count and, where the table has them, latencies in us) */
	u64 count;
	bool has_avg, has_minmax, has_stddev;
	double avg_us, min_us, max_us, stddev_pct;
	u32 table;			/* which table of the file, from 0 */
	/* TREC_HIST: [lo_ns, hi_ns) */
	u64 lo_ns, hi_ns;
};

struct trace_reader;

struct trace_reader_ops {
	const char *name;
	const char *what;
	bool is_binary;
	/* How sure this reader is that @head (the file's first bytes) is its
	 * format: 0 (not) .. 100 (certain). */
	int (*probe)(const char *head, size_t len);
	int (*open)(struct trace_reader *r, struct diag *d);
	/* 1 and a record, 0 at the end, or a negative VPMU_E_* with @d. */
	int (*next)(struct trace_reader *r, struct trace_record *rec, struct diag *d);
	void (*close)(struct trace_reader *r);
};

/* Every format's reader, and one by name ("auto" is not one). */
extern const struct trace_reader_ops *const trace_formats[];
const struct trace_reader_ops *trace__format(const char *name);
/* The format of @path by its first bytes; NULL with @d if none fits. */
const struct trace_reader_ops *trace__detect(const char *path, struct diag *d);

/* Open @path as @ops (NULL: detect). */
int trace__open(const char *path, const struct trace_reader_ops *ops, bool skip_bad,
		struct trace_reader **out, struct diag *d);
/* 1 and a record, 0 at the end, or a negative VPMU_E_* with @d. */
int trace__next(struct trace_reader *r, struct trace_record *rec, struct diag *d);
void trace__close(struct trace_reader *r);

const struct trace_reader_ops *trace__ops(const struct trace_reader *r);
const char *trace__path(const struct trace_reader *r);
/* Lines skipped under skip_bad, and the first one's message. */
u64 trace__skipped(const struct trace_reader *r, const char **first);
/* Remarks the reader made (e.g. a vendor mix-up it corrected), one per
 * line; "" if none. */
const char *trace__notes(const struct trace_reader *r);

#endif /* VPMU__INPUT_TRACE_H */

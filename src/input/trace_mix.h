/*
 * input/trace_mix.h - from trace records to each vCPU's exit stream, and
 * the per-vCPU, per-reason counts and latencies of one or more inputs.
 *
 * A vCPU is a vCPU thread: records are keyed by thread id where the format
 * has one (two VMs both have a vcpu 0), else by vcpu id, else by CPU. An
 * exit is complete at its vCPU's next kvm_entry (its latency: exit to
 * entry, what perf kvm stat measures) or at its next exit or the end of
 * the input (no latency then). Its guest time is entry to exit. kvm_msr
 * between exit and entry refines a VMX MSR_WRITE to TSC_DEADLINE (0x6e0);
 * kvm_userspace_exit marks the exit as one that went to the VMM. Exits of
 * kvm_nested_vmexit and kvm_userspace_exit are not exits.
 *
 * Tables (perf kvm stat, bcc) and histograms (bpftrace) have no stream:
 * trace_mix__synth() makes one from their counts and latencies (each
 * reason spread evenly, in proportion to its count; a table row's latency
 * is its average, a histogram bucket's its midpoint).
 *
 * Memory: per vCPU and per distinct reason name only (plus, if the caller
 * asks, a compact buffer of the exits, capped by TRACE_MIX_BUF_MAX).
 * Times in nanoseconds.
 */
#ifndef VPMU__INPUT_TRACE_MIX_H
#define VPMU__INPUT_TRACE_MIX_H

#include "input/trace.h"

#define TRACE_MIX_MAX_NAMES 512
#define TRACE_MIX_MAX_VCPUS 1024
#define TRACE_MIX_BUF_MAX (2u << 20)	/* exits kept in memory at most */
#define TRACE_SPILL_BUF 4096		/* spilled exits read back at a time */

struct trace_name {
	char name[TRACE_NAME_LEN];
	const struct exit_name *exit;	/* NULL: not in the table (kept, reported) */
	int model;			/* enum kvm_exit_reason or EXIT_NAME_OTHER */
};

/* One exit as replay takes it. */
struct trace_exit {
	u32 guest_ns;		/* guest time before it (saturated), if has_guest */
	u32 lat_ns;		/* exit to the next entry (saturated), if has_lat */
	u16 name;		/* index into the names */
	int8_t model;
	u8 has_guest : 1, has_lat : 1, to_user : 1;
};

struct trace_vcpu {
	s32 tid, vcpu, cpu;	/* as first seen; -1 if the input has none */
	char label[48];
	u64 exits, userspace, nested, injected;
	u64 *count;		/* [TRACE_MIX_MAX_NAMES] */
	u64 *lat_sum, *lat_n;	/* exit-to-entry per name */
	u64 guest_sum, guest_n;
	/* the stream builder's state */
	bool pending, pending_user, in_guest;
	struct trace_exit cur;
	u64 exit_ts, entry_ts;
	/* the kept exits (NULL if not kept) */
	struct trace_exit *buf;
	size_t nbuf, capbuf;
	/* trace_pass: exits of the wanted vCPU, completed but not yet taken */
	struct trace_exit ready[2];
	int nready;
};

struct trace_mix {
	struct trace_name names[TRACE_MIX_MAX_NAMES];
	u32 nr_names;
	struct trace_vcpu *vcpus;
	u32 nr_vcpus;
	bool keep;		/* keep every exit */
	bool kept_all;		/* every exit is in the buffers or in the spill */
	size_t kept;		/* in the buffers, or (spilled) in all */
	size_t max_kept;	/* in the buffers at most, then spill */
	FILE *spill;		/* NULL, or every kept exit, vCPU-tagged, in order */
	bool is_table;		/* the input had rows/buckets, not events */
	bool has_latency;	/* latencies came from the input */
	u64 records, exits, userspace, nested, other_events;
	u64 skipped;		/* bad lines skipped (--skip-bad) */
	char notes[4096];	/* the readers' remarks, and ours */
	char formats[128];	/* the formats read, ", "-separated */
	s32 only;		/* trace_pass: the vCPU whose exits it wants, or -1 */
	u32 last;		/* the vCPU of the last record (a lookup cache) */
};

/* Read every input in @paths with @ops (NULL: detect each) into @m, which
 * is initialised here. 0, or a VPMU_E_* with @d. */
int trace_mix__read(struct trace_mix *m, const char *const *paths, int n,
		    const struct trace_reader_ops *ops, bool skip_bad, bool keep,
		    struct diag *d);
/* The same, keeping every exit with at most @max_kept in memory. */
int trace_mix__read_kept(struct trace_mix *m, const char *const *paths, int n,
			 const struct trace_reader_ops *ops, bool skip_bad, size_t max_kept,
			 struct diag *d);
void trace_mix__free(struct trace_mix *m);

/* One vCPU's exits read back from a mix's spill file, in their order. */
struct trace_spilled {
	u32 vcpu;
	struct trace_exit e;
};
struct trace_spill {
	const struct trace_mix *m;
	u32 vcpu;
	u64 off;			/* the next record to read, in records */
	struct trace_spilled buf[TRACE_SPILL_BUF];
	size_t n, i;
};
void trace_spill__open(struct trace_spill *s, const struct trace_mix *m, u32 vcpu);
/* 1 and an exit, 0 at the end, -1 when the file cannot be read. */
int trace_spill__next(struct trace_spill *s, struct trace_exit *e);

/* A table input's stream for one vCPU, made as it is taken: each exit
 * preceded by @guest_ns of guest time. */
struct trace_synth {
	const struct trace_mix *m;
	u32 vcpu, guest_ns;
	s64 credit[TRACE_MIX_MAX_NAMES];
	u64 total, done;
};
void trace_synth__init(struct trace_synth *s, const struct trace_mix *m, u32 vcpu,
		       u32 guest_ns);
bool trace_synth__next(struct trace_synth *s, struct trace_exit *e);

/* An event input's stream for one vCPU when the exits were not all kept:
 * the inputs are read again, and only that vCPU's exits come out. */
struct trace_pass {
	struct trace_mix m;	/* a scratch mix: same vCPU numbering as the first read */
	struct trace_reader *r;
	const char *const *paths;
	int n, idx;
	const struct trace_reader_ops *ops;
	bool skip_bad, flushed;
	u32 only;
	size_t flush_at;
};
int trace_pass__open(struct trace_pass *p, const char *const *paths, int n,
		     const struct trace_reader_ops *ops, bool skip_bad, u32 vcpu);
/* 1 and an exit, 0 at the end, or a VPMU_E_* with @d. */
int trace_pass__next(struct trace_pass *p, struct trace_exit *e, struct diag *d);
void trace_pass__close(struct trace_pass *p);

/* The name index of @name (added if new); -1 when the table is full. */
int trace_mix__name(struct trace_mix *m, const char *name, const struct exit_name *e,
		    int model);

/*
 * For a scenario's `[exits] from = FILE`: the exit mix of @path (any
 * format; @format NULL or "auto" to detect): per model reason
 * (enum kvm_exit_reason, EXIT_NR entries) the exit count and the mean
 * exit-to-entry latency in ns (0 where the input has none); @other_count
 * repeats count[EXIT_OTHER], the exits of reasons the model has no own
 * handler for (their names are in the notes of a trace_mix__read).
 * @guest_ns gets the input's total guest time (0 if it has none: tables).
 * 0, or a VPMU_E_* with @d (file:line:column for a malformed line).
 */
int trace__exit_mix(const char *path, const char *format, u64 *count, u64 *mean_lat_ns,
		    u64 *other_count, u64 *guest_ns, struct diag *d);

#endif /* VPMU__INPUT_TRACE_MIX_H */

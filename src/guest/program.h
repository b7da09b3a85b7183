/*
 * guest/program.h - a guest program: the PMU it asks for and the operations
 * it performs, as parsed from a .vpmu file (input/vpmu_parse.c), and the
 * executor that runs it on a simulated core and checks its expectations.
 *
 * The format is documented in docs/guest-programs.md; this header is its
 * in-memory form. A program never fails to run once parsed: every check
 * that can be made from the text is made by the parser.
 */
#ifndef VPMU__GUEST_PROGRAM_H
#define VPMU__GUEST_PROGRAM_H

#include "base/util.h"
#include "hw/costs.h"
#include "hw/pmu.h"
#include "kvm/vcpu.h"
#include "perf/perf.h"

#define PROG_NR_REGS	16
#define EXPR_MAX_ATOMS	16

/* atom | atom | ...: each atom a constant or a register. */
struct prog_expr {
	unsigned int n;
	struct {
		bool is_reg;
		u8 reg;
		u64 v;
	} a[EXPR_MAX_ATOMS];
};

enum prog_op_kind {
	OP_CPL,
	OP_STI,
	OP_CLI,
	OP_PCE,
	OP_WRMSR,
	OP_RDMSR,
	OP_RDPMC,
	OP_CPUID,
	OP_LOOP,
	OP_EXPECT,
	OP_HOST_PERF,		/* host perf stat|record ... */
};

#define PROG_MAX_HOST_EVENTS 64

/* A host perf session: events as perf_event_open() would get them. */
struct prog_perf_session {
	bool record;
	int nr;
	struct perf_attr attr[16];
	int leader[16];		/* index within the session, or -1 for a leader */
	int first;		/* program-wide index of its first event */
};

enum prog_perf_field {
	PF_COUNT,
	PF_SCALED,
	PF_TRUTH,
	PF_ENABLED,
	PF_RUNNING,
	PF_SAMPLES,
};

enum prog_expect_kind {
	EXPECT_GP,
	EXPECT_OK,
	EXPECT_CMP,
};

enum prog_cmp {
	CMP_EQ,
	CMP_NE,
	CMP_IN,
};

struct prog_loop {
	u64 n;			/* iterations */
	u64 insns, branches, branch_misses, llc_refs, llc_misses;	/* per iteration */
	u64 cycles;		/* per iteration; 0 = from the cost table */
	bool kut;		/* the built-in kvm-unit-tests loop (totals fixed) */
};

/* Where an expectation applies (an "on ENV" prefix; all when absent). */
#define ENV_HW		0x1
#define ENV_EMULATED	0x2
#define ENV_MEDIATED	0x4
#define ENV_NONE	0x8
#define ENV_KVM		(ENV_EMULATED | ENV_MEDIATED)
#define ENV_ALL		0xf

struct prog_expect {
	enum prog_expect_kind kind;
	u8 env;			/* ENV_* bits */
	bool subject_pmis;	/* else register subject_reg or a host event */
	u8 subject_reg;
	int subject_perf;	/* >= 0: program-wide host event index */
	enum prog_perf_field perf_field;
	bool has_mask;
	struct prog_expr mask;
	enum prog_cmp cmp;
	struct prog_expr a, b;	/* b only for CMP_IN: [a, b] */
};

struct prog_op {
	enum prog_op_kind kind;
	unsigned int line, col;
	char *text;		/* the source line, comment and spaces trimmed */
	u8 reg[4];		/* destination registers */
	u32 msr;
	u32 leaf, subleaf;
	u8 level;		/* cpl, pce */
	struct prog_expr val;	/* wrmsr value, rdpmc ecx */
	struct prog_loop loop;
	struct prog_expect expect;
	struct prog_perf_session *perf;
};

struct prog {
	char *path;
	u8 env;			/* ENV_* where the program applies ("only" line) */
	struct hw_pmu_config pmu;
	struct prog_op *ops;
	size_t nr_ops;
};

void prog__free(struct prog *p);

/* One expectation's outcome, handed to the reporter as it happens. */
struct prog_check {
	const struct prog *prog;
	const struct prog_op *op;
	bool passed;
	char detail[160];	/* what was seen, for a failure */
};

typedef void (*prog_report_fn)(void *ctx, const struct prog_check *check);

/* A host event at the end of the program (host perf sessions). */
struct prog_host_event {
	char name[48];
	unsigned int line;	/* of its session */
	bool record;
	bool has_truth;		/* a plain event count (not CMASK/metrics/vmetrics) */
	enum perf_state state;
	struct perf_values v;
	u64 scaled;
	u64 samples;
	u64 samples_kept;		/* the first PERF_MAX_SAMPLES */
	u64 samples_by_mode[2][2];	/* [guest][cpl != 0], of the kept samples */
};

struct prog_result {
	bool skipped;		/* the program does not apply to this machine */
	unsigned int passed, failed;
	u64 pmis;		/* PMIs the program took */
	u64 cycles;		/* cycles it ran */
	int nr_host;		/* host events, in declaration order */
	struct prog_host_event host[PROG_MAX_HOST_EVENTS];
	u64 host_nmis, host_rotations, host_overhead_cycles;
};

/* The costs a program runs with (from a cost profile). */
struct prog_costs {
	const struct hw_costs *hw;
	const struct perf_costs *perf;
	const struct kvm_costs *kvm;
};

/* Run inside a VM: the program's pmu line is the guest CPUID the VMM asks
 * for, @host_pmu the pCPU's PMU, and KVM reduces the one to the other. */
struct prog_vm {
	const struct kvm_vpmu_ops *kind;
	const struct kvm_policy_ops *policy;
	enum kvm_pmi_route route;
	const struct hw_pmu_config *host_pmu;
};

/* Run @p on a bare-metal core (@vm NULL) or as a KVM guest. Returns 0, or a
 * negative VPMU_E* if the machine cannot be built (err says why). */
int prog__run(const struct prog *p, const struct prog_costs *costs, const struct prog_vm *vm,
	      prog_report_fn report, void *ctx, struct prog_result *res,
	      char *err, unsigned long len);

/* The built-in kvm-unit-tests loop (docs/guest-programs.md section 3). */
#define KUT_INSNS	10000016ULL
#define KUT_BRANCHES	1000002ULL

#endif /* VPMU__GUEST_PROGRAM_H */

/*
 * cli/cli.h - the vpmu command line: one cmd_<name>() per command, chosen
 * from the table in main.c, and the option layer every command shares
 * (args.c). Only cli/ may print to the user or exit().
 *
 * Exit codes: 0 success, 1 a check or expectation failed, 2 bad usage or
 * bad input.
 *
 * Using the option layer from a command:
 *   static const struct cli_opt opts[] = {
 *       { "seed", 's', "N", "the seed (default 1)" }, ..., { 0 } };
 *   static const struct cli_cmd me = { "run", "--scenario S [...]", "what it does", opts };
 *   for (int k; (k = cli__next(&me, argc, argv, &val)) != CLI_END;) switch (k) {
 *       case CLI_HELP: return 0;   case CLI_ERR: return EXIT_BAD_INPUT;
 *       case 's': if (cli__u64(&me, "seed", val, 0, UINT64_MAX, &seed)) return 2; ...
 *   }
 *   then argv[optind..argc) are the operands.
 * A key is the short option's letter, or any int >= 256 for a long-only one;
 * an option with a NULL metavar takes no value. Every error is printed
 * ("vpmu CMD: ...", what was expected, what exists, "did you mean").
 */
#ifndef VPMU__CLI_CLI_H
#define VPMU__CLI_CLI_H

#include <stdio.h>
#include <unistd.h>	/* optind */

#include "kvm/vcpu.h"

#define EXIT_CHECK_FAILED 1
#define EXIT_BAD_INPUT 2

#define VPMU_VERSION "0.1.0"

struct cli_opt {
	const char *name;	/* the long name, without "--" */
	int key;		/* short letter, or >= 256 for long-only */
	const char *metavar;	/* NULL: a flag */
	const char *help;
};

struct cli_cmd {
	const char *name;
	const char *synopsis;	/* after "vpmu NAME " */
	const char *about;	/* a paragraph, printed under the options */
	const struct cli_opt *opts;	/* ends with { 0 } */
};

enum { CLI_END = -1, CLI_ERR = -2, CLI_HELP = -3 };

/* The next option (its key and *val), CLI_END when only operands are left
 * (from optind), CLI_HELP after printing the help to stdout, or CLI_ERR
 * after printing what is wrong to stderr. Starts over on a new argv. */
int cli__next(const struct cli_cmd *c, int argc, char **argv, const char **val);
void cli__usage(const struct cli_cmd *c, FILE *f);
/* Prints "vpmu CMD: " and the message to stderr; returns EXIT_BAD_INPUT. */
int cli__fail(const struct cli_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A decimal (or 0x hex) integer in [lo, hi]; no sign, no junk. 0 or -1 (printed). */
int cli__u64(const struct cli_cmd *c, const char *opt, const char *val, u64 lo, u64 hi,
	     u64 *out);
/* "I/N" with 1 <= I <= N <= 4096. */
int cli__shard(const struct cli_cmd *c, const char *opt, const char *val, unsigned int *i,
	       unsigned int *n);
/* @val one of @names (NULL-terminated): its index, or -1 (printed, with the
 * names and a "did you mean"). @what names the kind of thing ("policy"). */
int cli__choice(const struct cli_cmd *c, const char *opt, const char *val,
		const char *const *names, const char *what);
/* A comma list of @names: a bit mask of their indexes, or -1 (printed). */
long cli__list(const struct cli_cmd *c, const char *opt, const char *val,
	       const char *const *names, const char *what);
/* The closest of @names to @s if it is a near miss, else NULL. */
const char *cli__near(const char *s, const char *const *names);

/* --vpmu KIND[:POLICY] and --pmi vector|nmi; -1 after printing the error. */
int cli__parse_vpmu(const struct cli_cmd *c, const char *s, const struct kvm_vpmu_ops **kind,
		    const struct kvm_policy_ops **policy);
int cli__parse_route(const struct cli_cmd *c, const char *s, enum kvm_pmi_route *route);
/* The names tables, NULL-terminated: vPMU kinds, policies, PMI routes. */
extern const char *const cli_kind_names[];
extern const char *const cli_policy_names[];
extern const char *const cli_route_names[];

/* Writes through a temporary file renamed over @path when done ("-": stdout);
 * nothing is left half-written. */
struct cli_out {
	FILE *f;
	char path[4096], tmp[4200];
};
int cli__out_open(struct cli_out *o, const char *path);
/* Closes and renames (ok) or removes the temporary file (!ok); 0 or -1. */
int cli__out_close(struct cli_out *o, bool ok);

/* A progress bar with rate and ETA on stderr, only when it is a terminal. */
struct cli_progress {
	const char *what;
	unsigned long done, total;
	bool on;
	double t0;
};
void cli__progress_start(struct cli_progress *p, const char *what, unsigned long total);
void cli__progress_step(struct cli_progress *p);
void cli__progress_end(struct cli_progress *p);

int cmd_check(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_guest(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_validate(int argc, char **argv);

#endif /* VPMU__CLI_CLI_H */

/*
 * cli/cli.h - the vpmu command line: one cmd_<name>() per command, chosen
 * from the table in main.c. Only cli/ may print to the user or exit().
 *
 * Exit codes: 0 success, 1 a check or expectation failed, 2 bad usage or
 * bad input.
 */
#ifndef VPMU__CLI_CLI_H
#define VPMU__CLI_CLI_H

#define EXIT_CHECK_FAILED 1
#define EXIT_BAD_INPUT 2

#define VPMU_VERSION "0.1.0"

#include "kvm/vcpu.h"

/* --vpmu KIND[:POLICY] and --pmi vector|nmi; -1 if malformed. */
int cli__parse_vpmu(const char *s, const struct kvm_vpmu_ops **kind,
		    const struct kvm_policy_ops **policy);
int cli__parse_route(const char *s, enum kvm_pmi_route *route);

int cmd_check(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_guest(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);

#endif /* VPMU__CLI_CLI_H */

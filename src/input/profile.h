/*
 * input/profile.h - cost profiles (the profiles/ .ini files, compiled into the binary
 * by tools/embed): the host PMU of a CPU model and the cycle cost of
 * every primitive the model charges. Every value in a profile carries a
 * "# source: ..." or "# estimate: ..." comment; the reader refuses one
 * without.
 */
#ifndef VPMU__INPUT_PROFILE_H
#define VPMU__INPUT_PROFILE_H

#include "base/diag.h"
#include "hw/costs.h"
#include "input/embedded.h"
#include "hw/pmu.h"
#include "kvm/vcpu.h"
#include "perf/perf.h"

struct profile {
	char name[32];
	char base[32];		/* the profile this one starts from, or "" */
	u32 hz;			/* the host tick */
	u32 core_mhz, tsc_mhz;
	struct hw_pmu_config pmu;
	struct hw_costs hw;
	struct perf_costs perf;
	struct kvm_costs kvm;
};

/* Parse profile text; errors name @path:line:column. */
int profile__parse(const char *path, const char *text, struct profile *p, struct diag *d);
/* A built-in profile by name, or a file when @name contains '/' or ends in .ini. */
int profile__load(const char *name, struct profile *p, struct diag *d);

#endif /* VPMU__INPUT_PROFILE_H */

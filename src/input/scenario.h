/*
 * input/scenario.h - scenarios (the scenarios/ .ini files, compiled in; or a file):
 * the guest's work, its exit mix and its use of the PMU, and optionally a
 * host perf session. The format is documented in docs/scenarios.md.
 */
#ifndef VPMU__INPUT_SCENARIO_H
#define VPMU__INPUT_SCENARIO_H

#include "base/diag.h"
#include "guest/workload.h"
#include "input/embedded.h"
#include "input/perf_spec.h"

#define SCENARIO_MAX_VMS	16
#define SCENARIO_MAX_VCPUS	64	/* in all VMs */
#define SCENARIO_MAX_PCPUS	64

/* A VM of a host scenario ([vm.NAME]): its vCPUs, where they run, and its
 * guest (the scenario's [guest] and [exits] with this section's keys over
 * them). */
struct scenario_vm {
	char name[24];
	unsigned int vcpus;
	bool pinned;
	unsigned int nr_pin;
	unsigned int pin[SCENARIO_MAX_VCPUS];	/* vCPU i's pCPU, when pinned */
	struct guest_workload guest;
};

struct scenario {
	char name[48];
	char about[160];
	bool not_in_compare;		/* compare = no: a micro-benchmark that `vpmu
					 * compare` runs only when named */
	struct guest_workload guest;
	bool has_host_perf;
	struct perf_spec host_perf;
	unsigned int host_tasks;	/* other runnable tasks on the vCPU's pCPU */
	u32 slice_us;			/* each one's slice */
	bool nmi_watchdog;		/* the hard-lockup detector's perf event on the pCPU */
	bool had_cpu_events;		/* one existed before: perf keeps the PMU's context */
	/* [exits] from = FILE: the mix (and, where the input has them, the
	 * exit-to-entry times) of a trace or table */
	char exits_from[256];
	u32 exit_latency_ns[EXIT_NR];	/* mean exit-to-entry time, 0: the profile's */
	/* a host of several pCPUs and VMs (nr_vms 0: one vCPU on one pCPU) */
	unsigned int pcpus;		/* 1 unless [host] pcpus */
	u32 quantum_us;			/* [host] quantum_us; 0: the default */
	unsigned int nr_vms;
	struct scenario_vm vm[SCENARIO_MAX_VMS];
};

/* Does @s describe a host (VMs, several pCPUs) rather than one vCPU? */
bool scenario__is_host(const struct scenario *s);

int scenario__parse(const char *path, const char *text, struct scenario *s, struct diag *d);
/* A built-in scenario by name, or a file when @name has a '/' or ends in .ini. */
int scenario__load(const char *name, struct scenario *s, struct diag *d);

#endif /* VPMU__INPUT_SCENARIO_H */

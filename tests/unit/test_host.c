/*
 * test_host.c - a host of several pCPUs and VMs (sim/host.h, issue 10),
 * checked against what does not come from its own bookkeeping:
 *  - a host of one VM with one vCPU on one pCPU gives exactly the numbers of
 *    the single-vCPU run (a different code path: sim/run.c alone);
 *  - 2 VMs x 4 vCPUs on 4 pCPUs, over-committed, runs under every vPMU kind,
 *    policy and PMI route, and a seed gives the same bytes twice;
 *  - under the vcpu policy a mediated vCPU loads and puts exactly as often
 *    as the scheduler's log says its thread took and left its pCPU (and
 *    under irqoff it does not: the count is not a tautology);
 *  - the shadow bare-metal PMU of each vCPU finds no difference on a pCPU
 *    shared by two VMs, and finds a put that does not save a counter;
 *  - the NMI watchdog on the host's CPUs makes a mediated VM fail with
 *    -EBUSY and says how to turn it off; without it the VM runs;
 *  - an idle pCPU pulls a waiting vCPU over: the host finishes sooner than
 *    pinned, and the moved vCPUs' shadows and perf events agree;
 *  - host perf's blind share is what its own cycles:H event missed: the
 *    event (exclude_guest, scheduled out while a guest context is loaded)
 *    misses the blind cycles, so its count error equals host_blind_pct;
 *  - IPIs: each one sent is taken or merged or still pending at the end,
 *    the sender's ICR write exits unless the profile has IPI virtualization,
 *    none arrives sooner than the profile's delivery time, and without
 *    posted interrupts (zen4) KVM kicks targets out of guest mode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/json.h"
#include "sim/host.h"

static struct profile spr, zen4;

static const char host_2x4[] =
	"[scenario]\nname = host-2x4\n"
	"[guest]\nwork_minsns = 20\ncpi_milli = 800\nkernel_pct = 20\nhz = 250\nhlt_idle_us = 30\n"
	"perf = record\nperf_events = 3\nperf_freq = 1000\n"
	"[exits]\ntsc_deadline = 2000\nhlt = 500\nept_violation = 200\n%s"
	"[host]\npcpus = 4\nslice_us = 1000\nperf = perf stat -a -e %s\n%s"
	"[vm.web]\nvcpus = 4\nipi_per_sec = 5000\n"
	"[vm.db]\nvcpus = 4\nperf = stat\nperf_events = 2\n";

/* host_2x4 with its host session counting @events and more [host] keys. */
static void load_host_session(struct scenario *sc, const char *userspace_exits,
			      const char *events, const char *host)
{
	char text[2048];
	struct diag d;

	snprintf(text, sizeof(text), host_2x4, userspace_exits, events, host);
	if (scenario__parse("host-2x4.ini", text, sc, &d))
		fail_msg("%s:%u:%u: %s", d.file, d.line, d.col, d.msg);
}

static void load_host(struct scenario *sc, const char *userspace_exits, const char *host)
{
	load_host_session(sc, userspace_exits, "cycles:H,instructions:H", host);
}

static int run(const struct profile *p, const struct scenario *sc, const struct kvm_vpmu_ops *k,
	       const char *policy, enum kvm_pmi_route route, bool shadow, struct sim_metrics *m,
	       struct sim_host_report *rep, char *err, size_t len)
{
	struct sim_config c = { .prof = p, .sc = sc, .kind = k, .route = route, .seed = 3,
				.policy = kvm_policy__by_name(policy ? policy : "irqoff"),
				.host_report = rep, .shadow = shadow };

	return sim__run(&c, m, err, len);
}

static char *json_of(const struct sim_metrics *m, const struct sim_host_report *r, bool host)
{
	json_t *o = host ? report__json_host(m, r, "test") : report__json_row(m, "test");
	char *s;

	if (!host)
		json_object_del(o, "scenario");
	json_object_del(o, "host");
	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(1));
	json_decref(o);
	return s;
}

/* A host of one vCPU is the single-vCPU model, bit for bit. */
static void test_one_vcpu_host_is_the_single_run(void **state)
{
	static struct scenario one, host;
	static struct sim_metrics a, b;
	const char *names[] = { "timer-heavy", "overcommit", "slice-of-hardware", "specint" };
	char err[256];
	struct diag d;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (int k = 0; kvm_vpmu_kinds[k]; k++) {
			char *x, *y;

			assert_int_equal(scenario__load(names[i], &one, &d), 0);
			host = one;
			host.nr_vms = 1;
			snprintf(host.vm[0].name, sizeof(host.vm[0].name), "vm");
			host.vm[0].vcpus = 1;
			host.vm[0].guest = one.guest;
			host.vm[0].guest.vm_vcpus = 1;
			assert_int_equal(run(&spr, &one, kvm_vpmu_kinds[k], NULL, PMI_ROUTE_VECTOR,
					     false, &a, NULL, err, sizeof(err)), 0);
			assert_int_equal(run(&spr, &host, kvm_vpmu_kinds[k], NULL, PMI_ROUTE_VECTOR,
					     false, &b, NULL, err, sizeof(err)), 0);
			x = json_of(&a, NULL, false);
			y = json_of(&b, NULL, false);
			if (strcmp(x, y))
				fail_msg("%s under %s: the one-vCPU host differs:\n%s\n---\n%s",
					 names[i], kvm_vpmu_kinds[k]->name, x, y);
			free(x);
			free(y);
		}
	}
}

/* Every kind, policy and route; the same seed twice gives the same bytes. */
static void test_2x4_on_4_everywhere(void **state)
{
	static struct scenario sc;
	static struct sim_metrics m;
	static struct sim_host_report rep;
	char err[256];

	(void)state;
	load_host(&sc, "io = 100\n", "");
	for (int k = 0; kvm_vpmu_kinds[k]; k++)
		for (int p = 0; kvm_policies[p] && (!p || kvm_vpmu_kinds[k]->is_mediated); p++)
			for (int r = 0; r < 2 && (!r || kvm_vpmu_kinds[k]->is_mediated); r++) {
				char *once[2];

				for (int t = 0; t < 2; t++) {
					memset(&rep, 0, sizeof(rep));
					if (run(&spr, &sc, kvm_vpmu_kinds[k], kvm_policies[p]->name,
						(enum kvm_pmi_route)r, false, &m, &rep, err,
						sizeof(err)))
						fail_msg("%s %s: %s", kvm_vpmu_kinds[k]->name,
							 kvm_policies[p]->name, err);
					once[t] = json_of(&m, &rep, true);
				}
				assert_string_equal(once[0], once[1]);
				assert_int_equal(rep.nr_vcpus, 8);
				assert_int_equal(rep.nr_vms, 2);
				assert_int_equal(rep.nr_pcpus, 4);
				assert_true(m.vcpu_switches > 0);	/* 2 vCPUs a pCPU */
				assert_true(m.exits_total > 0);
				/* the guests sample: with a PMU they take PMIs, but
				 * for those NMI routing gives the host (exit policy:
				 * all of them, as with one vCPU) */
				if (kvm_vpmu_kinds[k]->has_pmu && !m.guest_pmis && !m.misattributed_pmis)
					fail_msg("%s %s route %d: no guest PMI",
						 kvm_vpmu_kinds[k]->name, kvm_policies[p]->name, r);
				assert_non_null(strstr(once[0], "\"vcpus\""));
				assert_non_null(strstr(once[0], "\"pcpus\""));
				free(once[0]);
				free(once[1]);
			}
}

/* The scheduler's log against the PMU switches (no userspace exits: a
 * return to the VMM is a put and a load of its own). */
static void test_vcpu_policy_follows_the_scheduler(void **state)
{
	static struct scenario sc;
	static struct sim_metrics m;
	static struct sim_host_report rep;
	char err[256];
	u64 took = 0, loads_irqoff = 0;

	(void)state;
	load_host(&sc, "", "");
	assert_int_equal(run(&spr, &sc, &kvm_vpmu_mediated_ops, "vcpu", PMI_ROUTE_VECTOR, false,
			     &m, &rep, err, sizeof(err)), 0);
	for (unsigned int i = 0; i < rep.nr_vcpus; i++) {
		assert_int_equal(rep.vcpu[i].m.loads, rep.vcpu[i].took);
		assert_int_equal(rep.vcpu[i].m.puts, rep.vcpu[i].left);
		took += rep.vcpu[i].took;
	}
	assert_true(took > 2 * rep.nr_vcpus);	/* they did take turns */
	assert_true(m.halts > 0);		/* and slept in HLT */
	assert_int_equal(run(&spr, &sc, &kvm_vpmu_mediated_ops, "irqoff", PMI_ROUTE_VECTOR, false,
			     &m, &rep, err, sizeof(err)), 0);
	for (unsigned int i = 0; i < rep.nr_vcpus; i++)
		loads_irqoff += rep.vcpu[i].m.loads;
	assert_true(loads_irqoff > took);
}

/*
 * Blind cycles are host cycles in which host perf's exclude_guest events are
 * scheduled out: a host session's cycles:H event misses them. Its error must
 * match the blind share under the vcpu policy (blind across vcpu_run, few
 * switches) and may pass it under irqoff only by perf's own work at each of
 * the many switches (the PMU disabled, not blind). Two faults this caught:
 * the blind share's denominator had host perf's setup in it (16 % blind
 * against 92 % missed), and a session's first event counted the creation of
 * the next (2.75 M cycles an event then; the perf tool creates its events disabled and
 * enables them once all are open): 16 % missed against 64 % blind. A third:
 * the event lost running time at every load, as the guest clock started
 * only after the switch.
 */
static void test_blind_share_is_what_host_perf_missed(void **state)
{
	static struct scenario sc;
	static struct sim_metrics m;
	static struct sim_host_report rep;
	static const char *const policies[] = { "vcpu", "irqoff" };
	static const char *const sessions[] = { "cycles:H", "cycles:H,instructions:H" };
	char err[256];

	(void)state;
	for (unsigned int k = 0; k < 4; k++) {
		const struct sim_host_event *ev = &m.host_events[0];
		bool vcpu = k % 2 == 0;
		double missed;

		load_host_session(&sc, "", sessions[k / 2], "");
		assert_int_equal(run(&spr, &sc, &kvm_vpmu_mediated_ops, policies[k % 2],
				     PMI_ROUTE_VECTOR, false, &m, &rep, err, sizeof(err)), 0);
		assert_int_equal(m.nr_host_events, (int)(k / 2 + 1));
		assert_true(ev->has_truth && ev->truth > 0);
		/* the guest clock starts before the switch schedules the event
		 * out and stops before it comes back: no time enabled but not
		 * running, so perf's scaling adds nothing */
		assert_int_equal(ev->enabled, ev->running);
		missed = 100.0 * (double)(ev->truth - ev->count) / (double)ev->truth;
		print_message("%s, %s: blind %.2f %%, cycles:H missed %.2f %%\n", sessions[k / 2],
			      policies[k % 2], m.host_blind_pct, missed);
		assert_true(m.host_blind_pct > 10 && m.host_blind_pct < missed + 1);
		assert_true(missed - m.host_blind_pct < (vcpu ? 3 : 25));
	}
}

/* `[exits] from` on a host: each reason's handler is the table's, as in a
 * one-vCPU run of the same table (the host once took the profile's). */
static void test_exit_costs_from_a_table_on_a_host(void **state)
{
	static struct scenario one, two;
	static struct sim_metrics m1, m2;
	static struct sim_host_report rep;
	static const char base[] = "[scenario]\nname = t\n[guest]\nwork_minsns = 20\n"
		"cpi_milli = 600\n[exits]\nfrom = kvm-stat-minmax.txt\nrate = 20000\n";
	char text[512], err[256];
	struct diag d;

	(void)state;
	assert_int_equal(scenario__parse("tests/traces/t1.ini", base, &one, &d), 0);
	snprintf(text, sizeof(text), "%s[host]\npcpus = 2\n[vm.a]\nvcpus = 2\npin = 0-1\n", base);
	assert_int_equal(scenario__parse("tests/traces/t2.ini", text, &two, &d), 0);
	assert_int_equal(run(&spr, &one, &kvm_vpmu_none_ops, NULL, PMI_ROUTE_VECTOR, false, &m1,
			     NULL, err, sizeof(err)), 0);
	assert_int_equal(run(&spr, &two, &kvm_vpmu_none_ops, NULL, PMI_ROUTE_VECTOR, false, &m2,
			     &rep, err, sizeof(err)), 0);
	assert_true(m1.exit_latency_by[EXIT_MSR_WRITE].p50 > 5000);	/* the table's, not 1,600 */
	assert_int_equal(m2.exit_latency_by[EXIT_MSR_WRITE].p50, m1.exit_latency_by[EXIT_MSR_WRITE].p50);
	assert_int_equal(m2.exit_latency_by[EXIT_CPUID].p50, m1.exit_latency_by[EXIT_CPUID].p50);
}

/*
 * Two vCPUs on one pCPU and no host tasks: a vCPU that wakes from its HLT
 * while the other runs gets the pCPU at the next tick once the running one's
 * slice is up (scheduler_tick: nr_running > 1), so no HLT lasts longer than
 * its idle time (at most 2 x 100 us), a slice (1 ms) and a tick period (4 ms
 * at 250 Hz). The tick once looked at who could run at the last switch, so a
 * sleeper woken since waited for the other to halt (18 ms here).
 */
static void test_woken_vcpu_gets_the_pcpu_at_the_tick(void **state)
{
	static struct scenario sc;
	static struct sim_metrics m;
	static struct sim_host_report rep;
	static const char text[] = "[scenario]\nname = two-on-one\n[guest]\nwork_minsns = 600\n"
		"cpi_milli = 600\nhz = 250\nhlt_idle_us = 100\n[exits]\nhlt = 100\n"
		"tsc_deadline = 1000\n[host]\npcpus = 1\nslice_us = 1000\n[vm.a]\nvcpus = 2\n";
	u64 bound = (2 * 100 + 1000 + 1000000 / 250) * spr.core_mhz +
		    20000;	/* the exit's own handling and the switch */
	char err[256];
	struct diag d;

	(void)state;
	assert_int_equal(scenario__parse("two-on-one.ini", text, &sc, &d), 0);
	assert_int_equal(run(&spr, &sc, &kvm_vpmu_none_ops, NULL, PMI_ROUTE_VECTOR, false, &m,
			     &rep, err, sizeof(err)), 0);
	print_message("HLT latency max %llu cycles (bound %llu), %llu switches\n",
		      (unsigned long long)m.exit_latency_by[EXIT_HLT].max,
		      (unsigned long long)bound, (unsigned long long)m.vcpu_switches);
	assert_true(m.halts > 10);
	assert_true(m.exit_latency_by[EXIT_HLT].max <= bound);
}

/* A put that does not save counter 0 (the other VM's vCPU then runs on the
 * pCPU before this one loads again). */
static void not_saved_put(struct kvm_pmu *pmu)
{
	u64 old = pmu->gp[0].counter;

	kvm_vpmu_mediated_ops.put(pmu);
	pmu->gp[0].counter = old;
}

static void test_guest_to_guest_isolation(void **state)
{
	static struct scenario sc;
	static struct sim_metrics m;
	static struct sim_host_report rep;
	static struct kvm_vpmu_ops mutant;
	char err[256];

	(void)state;
	load_host(&sc, "", "");
	for (int p = 0; kvm_policies[p]; p++) {
		assert_int_equal(run(&spr, &sc, &kvm_vpmu_mediated_ops, kvm_policies[p]->name,
				     PMI_ROUTE_VECTOR, true, &m, &rep, err, sizeof(err)), 0);
		for (unsigned int i = 0; i < rep.nr_vcpus; i++)
			if (rep.vcpu[i].isolation_diffs)
				fail_msg("%s: vCPU %u: %s", kvm_policies[p]->name, i,
					 rep.vcpu[i].isolation_first);
	}
	mutant = kvm_vpmu_mediated_ops;
	mutant.put = not_saved_put;
	assert_int_equal(run(&spr, &sc, &mutant, "vcpu", PMI_ROUTE_VECTOR, true, &m, &rep, err,
			     sizeof(err)), 0);
	print_message("a put that does not save a counter: %llu differences (%s)\n",
		      (unsigned long long)m.isolation_diffs, rep.vcpu[0].isolation_first);
	assert_true(m.isolation_diffs > 0);
}

static void test_nmi_watchdog_on_every_cpu(void **state)
{
	static struct scenario sc;
	static struct sim_metrics m;
	char err[256];

	(void)state;
	load_host(&sc, "", "nmi_watchdog = 1\n");
	assert_int_equal(run(&spr, &sc, &kvm_vpmu_mediated_ops, NULL, PMI_ROUTE_VECTOR, false, &m,
			     NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-EBUSY"));
	assert_non_null(strstr(err, "nmi_watchdog=0"));
	assert_non_null(strstr(err, "/proc/sys/kernel/nmi_watchdog"));
	assert_int_equal(run(&spr, &sc, &kvm_vpmu_emulated_ops, NULL, PMI_ROUTE_VECTOR, false, &m,
			     NULL, err, sizeof(err)), 0);
	load_host(&sc, "", "nmi_watchdog = 0\n");
	assert_int_equal(run(&spr, &sc, &kvm_vpmu_mediated_ops, NULL, PMI_ROUTE_VECTOR, false, &m,
			     NULL, err, sizeof(err)), 0);
}

static void check_ipis(const struct profile *p, bool posted)
{
	static struct scenario sc;
	static struct sim_metrics m;
	static struct sim_host_report rep;
	struct diag d;
	char err[256];

	assert_int_equal(scenario__load("host-ipi", &sc, &d), 0);
	assert_int_equal(run(p, &sc, &kvm_vpmu_mediated_ops, "irqoff", PMI_ROUTE_VECTOR, false, &m,
			     &rep, err, sizeof(err)), 0);
	assert_true(m.ipis_sent > 100);
	assert_true(m.ipis_received > 0);
	/* every IPI taken, merged, or still on its way at the end */
	u64 left = 0;

	for (unsigned int i = 0; i < rep.nr_vcpus; i++)
		left += rep.vcpu[i].ipis_left;
	assert_int_equal(m.ipis_received + m.ipis_merged + left, m.ipis_sent);
	assert_true(left <= 2 * rep.nr_vcpus);
	assert_true(m.ipi_latency.min >= p->kvm.ipi_delivery);
	assert_int_equal(m.ipis_late, 0);	/* the guests' own lookahead */
	/* the sender's ICR write exits unless IPI virtualization sends it
	 * (IPIv: SPR and later, kvm_intel enable_ipiv) */
	assert_int_equal(m.exits[EXIT_MSR_WRITE_ICR], p->kvm.ipi_virtualization ? 0 : m.ipis_sent);
	if (posted) {
		assert_int_equal(m.ipi_kicks, 0);
	} else {
		assert_true(m.ipi_kicks > 0);
		assert_true(m.exits[EXIT_EXTERNAL_INTERRUPT] >= m.ipi_kicks);
	}
}

/* A halted vCPU is woken by an IPI, not only by its timer: IPIs reach
 * their targets far sooner than the targets' halts last. */
static void test_ipi_wakes_a_halted_vcpu(void **state)
{
	static struct scenario sc;
	static struct sim_metrics m;
	struct diag d;
	char err[256];

	(void)state;
	assert_int_equal(scenario__parse("wake.ini", "[scenario]\nname = wake\n"
		"[guest]\nwork_minsns = 10\nhz = 100\nhlt_idle_us = 2000\n[exits]\nhlt = 2000\n"
		"[host]\npcpus = 2\n[vm.a]\nvcpus = 2\npin = 0,1\nipi_per_sec = 2000\n",
		&sc, &d), 0);
	assert_int_equal(run(&spr, &sc, &kvm_vpmu_mediated_ops, "vcpu", PMI_ROUTE_VECTOR, false,
			     &m, NULL, err, sizeof(err)), 0);
	assert_true(m.halts > 10 && m.ipis_received > 10);
	print_message("halts %llu, mean %llu cycles; IPI latency p99 %llu cycles\n",
		      (unsigned long long)m.halts,
		      (unsigned long long)(m.halted_cycles / m.halts),
		      (unsigned long long)m.ipi_latency.p99);
	assert_true(m.ipi_latency.p99 * 10 < m.halted_cycles / m.halts);
}

/* An idle pCPU pulls a waiting thread over (3 unpinned vCPUs on 2 pCPUs:
 * one pCPU runs out of work first): the host finishes sooner than with the
 * same vCPUs pinned where round robin put them, the vcpu policy still loads
 * once a take, and every vCPU's shadow agrees, the migrated ones too, under
 * every kind (the emulated vPMU's perf events move with the thread). */
static void test_migration(void **state)
{
	static const char text[] = "[scenario]\nname = mig\n[guest]\nwork_minsns = 20\n"
		"perf = record\nperf_events = 2\nperf_freq = 1000\n[exits]\ntsc_deadline = 2000\n"
		"hlt = 300\n[host]\npcpus = 2\nslice_us = 500\n[vm.a]\nvcpus = 3\n%s";
	static struct scenario free_sc, pinned_sc;
	static struct sim_metrics m, pm;
	static struct sim_host_report rep;
	char buf[512], err[256];
	struct diag d;

	(void)state;
	snprintf(buf, sizeof(buf), text, "");
	assert_int_equal(scenario__parse("mig.ini", buf, &free_sc, &d), 0);
	snprintf(buf, sizeof(buf), text, "pin = 0,1,0\n");
	assert_int_equal(scenario__parse("pin.ini", buf, &pinned_sc, &d), 0);
	for (int k = 0; kvm_vpmu_kinds[k]; k++) {
		const char *pol = kvm_vpmu_kinds[k]->is_mediated ? "vcpu" : NULL;
		u64 moved = 0;

		assert_int_equal(run(&spr, &free_sc, kvm_vpmu_kinds[k], pol, PMI_ROUTE_VECTOR,
				     kvm_vpmu_kinds[k]->has_pmu, &m, &rep, err, sizeof(err)), 0);
		assert_int_equal(run(&spr, &pinned_sc, kvm_vpmu_kinds[k], pol, PMI_ROUTE_VECTOR,
				     false, &pm, NULL, err, sizeof(err)), 0);
		for (unsigned int i = 0; i < rep.nr_vcpus; i++) {
			moved += rep.vcpu[i].migrations;
			if (rep.vcpu[i].isolation_diffs)
				fail_msg("%s: vCPU %u: %s", kvm_vpmu_kinds[k]->name, i,
					 rep.vcpu[i].isolation_first);
			if (pol)
				assert_int_equal(rep.vcpu[i].m.loads, rep.vcpu[i].took);
		}
		assert_true(moved > 0);
		assert_true(m.wall_cycles < pm.wall_cycles);
		assert_true(m.guest_count_error_pct < 1.0 || !kvm_vpmu_kinds[k]->has_pmu);
	}
}

static void test_ipis(void **state)
{
	static struct scenario sc;
	static struct sim_metrics m;
	struct diag d;
	char err[256];

	(void)state;
	/* a fixed 10 us lookahead lets a pCPU run past arrivals: late ones */
	assert_int_equal(scenario__load("host-ipi", &sc, &d), 0);
	sc.quantum_us = 10;
	assert_int_equal(run(&spr, &sc, &kvm_vpmu_mediated_ops, "irqoff", PMI_ROUTE_VECTOR, false,
			     &m, NULL, err, sizeof(err)), 0);
	assert_true(m.ipis_late > 0);
	assert_int_equal(spr.kvm.posted_interrupts, 1);
	assert_int_equal(zen4.kvm.posted_interrupts, 0);
	assert_int_equal(spr.kvm.ipi_virtualization, 1);
	check_ipis(&spr, true);
	{
		static struct profile skx;	/* posted interrupts, no IPIv */

		assert_int_equal(profile__load("skx", &skx, &d), 0);
		assert_int_equal(skx.kvm.ipi_virtualization, 0);
		check_ipis(&skx, true);
	}
	check_ipis(&zen4, false);
}

/* Bad host scenarios: file:line:column, never a crash. */
static void test_bad_host_scenarios(void **state)
{
	static struct scenario sc;
	struct diag d;

	(void)state;
	assert_int_equal(scenario__parse("x.ini", "[scenario]\nname = x\n[guest]\nwork_minsns = 1\n"
					 "[host]\npcpus = 2\n[vm.a]\nvcpus = 2\npin = 0,5\n", &sc, &d),
			 VPMU_E_PARSE);
	assert_non_null(strstr(d.msg, "pin"));
	assert_int_equal(scenario__parse("x.ini", "[scenario]\nname = x\n[guest]\nwork_minsns = 1\n"
					 "[vm.a]\nvcpus = 2\npin = 0-x\n", &sc, &d), VPMU_E_PARSE);
	assert_int_equal(d.line, 7);
	assert_int_equal(scenario__parse("x.ini", "[scenario]\nname = x\n[guest]\nwork_minsns = 1\n"
					 "[vm.a]\nbogus = 2\n", &sc, &d), VPMU_E_PARSE);
	assert_int_equal(d.line, 6);
	assert_non_null(strstr(d.msg, "[vm.NAME]"));
	assert_int_equal(scenario__parse("x.ini", "[scenario]\nname = x\n[guest]\nwork_minsns = 1\n"
					 "[vm.a]\nvcpus = 65\n", &sc, &d), VPMU_E_PARSE);
}

static int setup(void **state)
{
	struct diag d;

	(void)state;
	return profile__load("spr", &spr, &d) || profile__load("zen4", &zen4, &d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_vcpu_host_is_the_single_run),
		cmocka_unit_test(test_2x4_on_4_everywhere),
		cmocka_unit_test(test_vcpu_policy_follows_the_scheduler),
		cmocka_unit_test(test_blind_share_is_what_host_perf_missed),
		cmocka_unit_test(test_exit_costs_from_a_table_on_a_host),
		cmocka_unit_test(test_woken_vcpu_gets_the_pcpu_at_the_tick),
		cmocka_unit_test(test_guest_to_guest_isolation),
		cmocka_unit_test(test_nmi_watchdog_on_every_cpu),
		cmocka_unit_test(test_migration),
		cmocka_unit_test(test_ipis),
		cmocka_unit_test(test_ipi_wakes_a_halted_vcpu),
		cmocka_unit_test(test_bad_host_scenarios),
	};

	return cmocka_run_group_tests_name("host", tests, setup, NULL);
}

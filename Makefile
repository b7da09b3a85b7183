# vpmu - one non-recursive Makefile.
#
#   make run     build, then run the main job: vpmu compare (every built-in
#                scenario under every vPMU kind and policy)
#   make check   every test: unit tests and guest programs under ASan+UBSan,
#                bad-input checks, and a -Werror build with gcc and with clang
#   make bench   benchmarks (timings live here, never in tests)
#   make fuzz    each libFuzzer target (tests/fuzz/) for FUZZ_SECONDS (600) in turn
#   make check-valgrind  unit tests and vpmu commands under valgrind memcheck
#   V=1          show the commands
#
# Missing Debian packages are installed by tools/ensure-deps (as root), or
# named exactly (otherwise).

CC      ?= gcc
CLANG   ?= clang
O       := build

WARN := -Wall -Wextra -Werror -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
	-Wformat=2 -Wundef -Wvla -Wimplicit-fallthrough -Wold-style-definition
BASE_CFLAGS = -std=c11 -pthread -D_POSIX_C_SOURCE=200809L -Isrc $(WARN) -MMD -MP $(TRACE_CFLAGS)
CFLAGS  ?= -O2 -g
# libtracecmd / libtraceevent (trace.dat): pkg-config, expanded when a recipe
# runs, i.e. after tools/ensure-deps has installed them
LIBS     = -pthread -ljansson -lm -l:libboost_context.a $(shell pkg-config --libs libtracecmd libtraceevent)
TRACE_CFLAGS = $(patsubst -I%,-isystem %,$(shell pkg-config --cflags libtracecmd libtraceevent))
SAN     := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

# The library, layer by layer (DESIGN.md section 3): each layer includes
# only the ones listed before it.
LIB_SRCS :=
LIB_SRCS += src/base/checks.c
LIB_SRCS += src/base/diag.c
LIB_SRCS += src/base/hist.c
LIB_SRCS += src/base/rng.c
LIB_SRCS += src/base/coro.c
LIB_SRCS += src/base/util.c
LIB_SRCS += src/base/pool.c
LIB_SRCS += src/hw/apic.c
LIB_SRCS += src/hw/cpu.c
LIB_SRCS += src/hw/cpu_ref.c
LIB_SRCS += src/hw/pmu.c
LIB_SRCS += src/hw/pmu_amd.c
LIB_SRCS += src/hw/pmu_intel.c
LIB_SRCS += src/perf/core.c
LIB_SRCS += src/perf/mediated.c
LIB_SRCS += src/perf/overflow.c
LIB_SRCS += src/perf/sched.c
LIB_SRCS += src/perf/x86_amd.c
LIB_SRCS += src/perf/x86_intel.c
LIB_SRCS += src/kvm/exits.c
LIB_SRCS += src/kvm/pmu.c
LIB_SRCS += src/kvm/pmu_amd.c
LIB_SRCS += src/kvm/pmu_intel.c
LIB_SRCS += src/kvm/vcpu.c
LIB_SRCS += src/kvm/vpmu_kinds.c
LIB_SRCS += src/guest/program.c
LIB_SRCS += src/guest/workload.c
LIB_SRCS += src/input/ini.c
LIB_SRCS += src/input/msr_names.c
LIB_SRCS += src/input/perf_spec.c
LIB_SRCS += src/input/profile.c
LIB_SRCS += src/input/scenario.c
LIB_SRCS += src/input/vpmu_parse.c
LIB_SRCS += src/input/exit_names.c
LIB_SRCS += src/input/trace.c
LIB_SRCS += src/input/trace_ftrace.c
LIB_SRCS += src/input/trace_dat.c
LIB_SRCS += src/input/kvm_stat.c
LIB_SRCS += src/input/exit_hist.c
LIB_SRCS += src/input/trace_mix.c

LIB_SRCS += src/sim/interleave.c
LIB_SRCS += src/sim/isolation.c
LIB_SRCS += src/sim/host.c
LIB_SRCS += src/sim/run.c
LIB_SRCS += src/sim/replay.c
LIB_SRCS += src/sim/shadow.c
LIB_SRCS += src/report/host_perf.c
LIB_SRCS += src/report/json.c
LIB_SRCS += src/report/compare.c
LIB_SRCS += src/report/kvm_stat.c
LIB_SRCS += src/report/plots.c

CLI_SRCS :=
CLI_SRCS += src/cli/args.c
CLI_SRCS += src/cli/cmd_check.c
CLI_SRCS += src/cli/cmd_compare.c
CLI_SRCS += src/cli/cmd_guest.c
CLI_SRCS += src/cli/cmd_list.c
CLI_SRCS += src/cli/cmd_replay.c
CLI_SRCS += src/cli/replay_out.c
CLI_SRCS += src/cli/cmd_run.c
CLI_SRCS += src/cli/cmd_validate.c
CLI_SRCS += src/cli/main.c
CLI_SRCS += src/cli/output.c
CLI_SRCS += src/cli/cmd_sweep.c

UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

.PHONY: all run check bench clean deps install fuzz check-valgrind
.SECONDARY:
all: $(O)/vpmu

# --- dependencies -----------------------------------------------------------
$(O)/.deps-ok: tools/ensure-deps
	$(Q)tools/ensure-deps
	$(Q)mkdir -p $(@D) && touch $@
deps: $(O)/.deps-ok

# --- three builds: normal, sanitized, clang -----------------------------------
# The cost profiles and scenarios, compiled in (tools/embed).
$(O)/gen/profiles.c: tools/embed $(sort $(wildcard profiles/*.ini))
	$(call say,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/embed profile_builtin $@ $(sort $(wildcard profiles/*.ini))
$(O)/gen/scenarios.c: tools/embed $(sort $(wildcard scenarios/*.ini))
	$(call say,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/embed scenario_builtin $@ $(sort $(wildcard scenarios/*.ini))

define variant
$(1)_OBJS := $$(patsubst src/%.c,$(O)/$(1)/%.o,$$(LIB_SRCS)) $(O)/$(1)/gen/profiles.o \
	$(O)/$(1)/gen/scenarios.o
$(O)/$(1)/gen/%.o: $(O)/gen/%.c $(O)/.deps-ok
	$$(call say,CC$(3),$$<)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$(2) $$(BASE_CFLAGS) -Wno-overlength-strings $(4) -c $$< -o $$@
$(1)_CLI  := $$(patsubst src/%.c,$(O)/$(1)/%.o,$$(CLI_SRCS))
$(O)/$(1)/%.o: src/%.c $(O)/.deps-ok
	$$(call say,CC$(3),$$<)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$(2) $$(BASE_CFLAGS) $(4) -c $$< -o $$@
$(O)/$(1)/libvpmu.a: $$($(1)_OBJS)
	$$(call say,AR$(3),$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
-include $$($(1)_OBJS:.o=.d) $$($(1)_CLI:.o=.d)
endef

$(eval $(call variant,rel,$(CC),,$(CFLAGS)))
$(eval $(call variant,san,$(CC),-san,$(SAN)))
$(eval $(call variant,clang,$(CLANG),-clang,-O2))
# ThreadSanitizer: the commands that run their runs on several threads
# (vpmu replay --jobs) are run under it by make check
TSAN := -O1 -g -fsanitize=thread
$(eval $(call variant,tsan,$(CC),-tsan,$(TSAN)))
# libFuzzer (tests/fuzz/): the library instrumented for coverage, ASan, UBSan
FUZZ_SAN := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
$(eval $(call variant,fuzz,$(CLANG),-fuzz,$(FUZZ_SAN)))

$(O)/vpmu: $(rel_CLI) $(O)/rel/libvpmu.a
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(O)/vpmu-san: $(san_CLI) $(O)/san/libvpmu.a
	$(call say,LD-san,$@)
	$(Q)$(CC) $(SAN) -o $@ $^ $(LIBS)

$(O)/vpmu-tsan: $(tsan_CLI) $(O)/tsan/libvpmu.a
	$(call say,LD-tsan,$@)
	$(Q)$(CC) $(TSAN) -o $@ $^ $(LIBS)

$(O)/vpmu-clang: $(clang_CLI) $(O)/clang/libvpmu.a
	$(call say,LD-clang,$@)
	$(Q)$(CLANG) -o $@ $^ $(LIBS)

# --- unit tests (cmocka), built sanitized --------------------------------------
$(O)/tests/%.o: tests/unit/%.c $(O)/.deps-ok
	$(call say,CC-san,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) -Itests/unit $(SAN) -c $< -o $@
$(O)/tests/%: $(O)/tests/%.o $(O)/san/libvpmu.a
	$(call say,LD-san,$@)
	$(Q)$(CC) $(SAN) -o $@ $^ -lcmocka $(LIBS)
-include $(patsubst %,$(O)/tests/%.d,$(UNIT_TESTS))

# --- unit tests without sanitizers, for valgrind (make check-valgrind) ---------
$(O)/vg-tests/%.o: tests/unit/%.c $(O)/.deps-ok
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) -Itests/unit $(CFLAGS) -c $< -o $@
$(O)/vg-tests/%: $(O)/vg-tests/%.o $(O)/rel/libvpmu.a
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka $(LIBS)
-include $(patsubst %,$(O)/vg-tests/%.d,$(UNIT_TESTS))

# --- fuzz targets (libFuzzer, clang) -------------------------------------------
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst %,$(O)/fuzz/bin/%,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 600
$(O)/fuzz/bin/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(O)/fuzz/libvpmu.a
	$(call say,LD-fuzz,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BASE_CFLAGS) -Itests/fuzz $(subst fuzzer-no-link,fuzzer,$(FUZZ_SAN)) \
		-o $@ $< $(O)/fuzz/libvpmu.a $(LIBS)
-include $(FUZZ_BINS:=.d)

# --- the two commands ---------------------------------------------------------
run: $(O)/vpmu
	$(Q)$(O)/vpmu compare

check: $(O)/vpmu $(O)/vpmu-san $(O)/vpmu-clang $(O)/vpmu-tsan $(patsubst %,$(O)/tests/%,$(UNIT_TESTS)) \
		$(FUZZ_BINS)
	$(Q)VPMU=$(O)/vpmu-san VPMU_OTHERS="$(O)/vpmu $(O)/vpmu-clang" VPMU_TSAN=$(O)/vpmu-tsan FUZZ_BINS="$(FUZZ_BINS)" \
		UNIT_TESTS="$(patsubst %,$(O)/tests/%,$(UNIT_TESTS))" tests/check.sh

$(O)/vpmu-bench: tools/bench.c $(O)/rel/libvpmu.a
	$(call say,LD,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $^ $(LIBS)

bench: $(O)/vpmu $(O)/vpmu-bench
	$(Q)tools/bench $(O)/vpmu $(O)/vpmu-bench

# --- install: the program and its man page ------------------------------------
PREFIX  ?= /usr/local
DESTDIR ?=
install: $(O)/vpmu
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(O)/vpmu $(DESTDIR)$(PREFIX)/bin/vpmu
	install -m 644 man/vpmu.1 $(DESTDIR)$(PREFIX)/share/man/man1/vpmu.1

check-valgrind: $(O)/vpmu $(patsubst %,$(O)/vg-tests/%,$(UNIT_TESTS))
	$(Q)VPMU=$(O)/vpmu UNIT_TESTS="$(patsubst %,$(O)/vg-tests/%,$(UNIT_TESTS))" \
		tests/valgrind.sh

fuzz: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

clean:
	rm -rf $(O)

#!/bin/sh
# tests/check.sh - everything `make check` runs, with one closing line.
#
#   VPMU        the vpmu binary to test (the sanitized build)
#   UNIT_TESTS  the cmocka test binaries
#   VPMU_OTHERS other builds of vpmu (release gcc, clang): each must print
#               byte for byte what VPMU prints for the whole suite
#
# Counts cmocka tests, guest-program expectations and bad-input cases, and
# ends with "check: N passed, N failed". Exit 1 if anything failed.
set -u
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

add() { passed=$((passed + $1)); failed=$((failed + $2)); }

# 1. unit tests
for t in $UNIT_TESTS; do
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	p=${p:-0}; f=${f:-0}
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1	# crashed or failed to start
	add "$p" "$f"
done

# Runs `vpmu guest --quiet "$@"` and counts its expectations.
suite() {
	"$VPMU" guest --quiet "$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	line=$(tail -n 1 "$log")
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then p=0; f=1; fi
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	add "$p" "$f"
}

# 2. the conformance suite on the simulated bare-metal core, and the host
#    perf programs
suite tests/conformance/*.vpmu tests/perf/*.vpmu

# 2a. the same programs as KVM guests, under every vPMU kind, placement
#     policy and PMI route (`on kvm` / `only` lines say where KVM differs).
#     "mediated:exit --pmi nmi" too: the NMI that caused an exit is taken
#     before the exit's put (vmx_vcpu_enter_exit), so its guest PMI is the
#     guest's (it was left out while the model put first and lost them).
for vm in emulated none mediated:irqoff mediated:exit mediated:vcpu mediated:lazy \
	  "mediated:irqoff --pmi nmi" "mediated:exit --pmi nmi" "mediated:vcpu --pmi nmi" \
	  "mediated:lazy --pmi nmi"; do
	echo "== as KVM guests: --vpmu $vm"
	# shellcheck disable=SC2086 # $vm carries its own options
	suite --vpmu $vm tests/conformance/*.vpmu
done

# 2b. register semantics do not depend on costs: the conformance suite
#     passes on every built-in profile
for cpu in $("$VPMU" list profiles | cut -d' ' -f1); do
	"$VPMU" guest --quiet --cpu "$cpu" tests/conformance/*.vpmu >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		add 1 0
	else
		echo "FAIL conformance with --cpu $cpu:"
		grep -v ' 0 failed' "$log"
		add 0 1
	fi
done

# 3. the other builds agree byte for byte (determinism across compilers and
#    optimisation levels)
"$VPMU" guest tests/conformance/*.vpmu tests/perf/*.vpmu >"$log.ref" 2>&1
for other in ${VPMU_OTHERS:-}; do
	if "$other" guest tests/conformance/*.vpmu tests/perf/*.vpmu 2>&1 | cmp -s - "$log.ref"; then
		add 1 0
	else
		echo "FAIL $other prints something else than $VPMU for the conformance suite"
		add 0 1
	fi
done
rm -f "$log.ref"
# ... and for the isolation check and the interleaving explorer
"$VPMU" check --isolation --cpu zen4 --seeds 8 >"$log.ref" 2>&1
"$VPMU" check --interleavings --cpu spr >>"$log.ref" 2>&1
for other in ${VPMU_OTHERS:-}; do
	{ "$other" check --isolation --cpu zen4 --seeds 8; "$other" check --interleavings --cpu spr; } \
		2>&1 | cmp -s - "$log.ref"
	if [ $? -eq 0 ]; then add 1 0; else
		echo "FAIL $other prints something else than $VPMU for check --isolation / --interleavings"
		add 0 1
	fi
done
rm -f "$log.ref"

# 3c. vpmu replay, sweep and compare run their runs on threads (--jobs,
#     base/pool.c): under ThreadSanitizer (VPMU_TSAN) no data race is
#     reported, and the output is the same bytes on 1 and on 3 threads
#     (replay: the text and the JSON of a trace.dat with two vCPUs and of a
#     perf kvm stat table)
for t in tests/traces/bench/kvm-svm-v7-big.dat tests/traces/kvm-svm.kvm-stat.txt; do
	"$VPMU" replay -j 1 "$t" --json "$log.j1" >"$log.1" 2>&1
	if [ -n "${VPMU_TSAN:-}" ]; then
		TSAN_OPTIONS=exitcode=66 "$VPMU_TSAN" replay -j 3 "$t" --json "$log.j3" >"$log.3" 2>"$log.e"
	else
		"$VPMU" replay -j 3 "$t" --json "$log.j3" >"$log.3" 2>"$log.e"
	fi
	rc=$?
	if [ "$rc" -eq 0 ] && ! grep -q ThreadSanitizer "$log.e" && cmp -s "$log.1" "$log.3" &&
	   cmp -s "$log.j1" "$log.j3"; then add 1 0; else
		echo "FAIL vpmu replay -j 3 $t (rc $rc) differs from -j 1 or races:"; head -40 "$log.e"
		add 0 1
	fi
	rm -f "$log.1" "$log.3" "$log.e" "$log.j1" "$log.j3"
done
# ... and vpmu sweep (its points on threads; a host scenario's vCPUs are
# coroutines, base/coro.c, each thread with its own)
rm -rf "$log.d1" "$log.d3"
"$VPMU" sweep tests/cli/grid-threads.txt -j 1 --out "$log.d1" >/dev/null 2>&1
if [ -n "${VPMU_TSAN:-}" ]; then
	TSAN_OPTIONS=exitcode=66 "$VPMU_TSAN" sweep tests/cli/grid-threads.txt -j 3 --out "$log.d3" >/dev/null 2>"$log.e"
else
	"$VPMU" sweep tests/cli/grid-threads.txt -j 3 --out "$log.d3" >/dev/null 2>"$log.e"
fi
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q ThreadSanitizer "$log.e" &&
   cmp -s "$log.d1/sweep.json" "$log.d3/sweep.json"; then add 1 0; else
	echo "FAIL vpmu sweep -j 3 tests/cli/grid-threads.txt (rc $rc) differs from -j 1 or races:"
	head -40 "$log.e"; add 0 1
fi
rm -rf "$log.d1" "$log.d3" "$log.e"
# ... and vpmu compare (its baselines, then its rows)
"$VPMU" compare -j 1 --json - >"$log.1" 2>/dev/null
if [ -n "${VPMU_TSAN:-}" ]; then
	TSAN_OPTIONS=exitcode=66 "$VPMU_TSAN" compare -j 3 --json - >"$log.3" 2>"$log.e"
else
	"$VPMU" compare -j 3 --json - >"$log.3" 2>"$log.e"
fi
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q ThreadSanitizer "$log.e" && cmp -s "$log.1" "$log.3"; then
	add 1 0
else
	echo "FAIL vpmu compare -j 3 (rc $rc) differs from -j 1 or races:"; head -40 "$log.e"
	add 0 1
fi
rm -f "$log.1" "$log.3" "$log.e"

# 3a. outputs do not depend on the counting engine: the reference engine
#     (VPMU_ENGINE=reference, hw/cpu_ref.c) prints the same bytes for the
#     conformance suite, vpmu compare --json and vpmu validate
engine_same() {	# engine_same NAME CMD...: CMD's stdout under both engines
	what=$1; shift
	"$@" >"$log.f" 2>&1
	VPMU_ENGINE=reference "$@" >"$log.r" 2>&1
	if cmp -s "$log.f" "$log.r"; then add 1 0; else echo "FAIL the reference engine prints something else for $what"; add 0 1; fi
	rm -f "$log.f" "$log.r"
}
engine_same "the conformance suite" "$VPMU" guest tests/conformance/*.vpmu tests/perf/*.vpmu
engine_same "vpmu compare --json" "$VPMU" compare --json -
engine_same "vpmu validate" "$VPMU" validate --out -

# 3b. the run loop: the isolation check passes on every profile, and a seed
#     gives the same bytes twice
for cpu in $("$VPMU" list profiles | cut -d' ' -f1); do
	"$VPMU" check --isolation --cpu "$cpu" --seeds 16 >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then add 1 0; else echo "FAIL vpmu check --isolation --cpu $cpu:"; cat "$log"; add 0 1; fi
done
"$VPMU" check --isolation --seeds 4294967296 >"$log" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q 'out of range; expected 1 to 100000' "$log"; then add 1 0; else
	echo "FAIL vpmu check --isolation --seeds 4294967296: exit $rc, not 2"; add 0 1; fi
for v in emulated mediated:irqoff mediated:lazy; do
	"$VPMU" run --scenario slice-of-hardware --vpmu "$v" --seed 7 --json "$log.a" &&
	"$VPMU" run --scenario slice-of-hardware --vpmu "$v" --seed 7 --json "$log.b" &&
	cmp -s "$log.a" "$log.b"
	if [ $? -eq 0 ]; then add 1 0; else echo "FAIL vpmu run --vpmu $v is not deterministic"; add 0 1; fi
done
rm -f "$log.a" "$log.b"

# 3c. docs/validation.md is what `vpmu validate` writes now
"$VPMU" validate --out "$log.v" >/dev/null 2>&1
if cmp -s "$log.v" docs/validation.md; then
	add 1 0
else
	echo "FAIL docs/validation.md is stale: run build/vpmu validate"
	add 0 1
fi
rm -f "$log.v"

# 4. malformed programs: exit 2 and the error named in their first line
#    ("# error: LINE:COL: TEXT")
# bad_input FILE CMD...: CMD (about FILE) exits 2 with the error FILE's first
# line names ("# error: LINE:COL: TEXT") at FILE:LINE:COL
bad_input() {
	b=$1; shift
	want=$(sed -n '1s/^# error: //p' "$b")
	pos=${want%%: *}
	text=${want#*: }
	"$@" >"$log" 2>&1
	rc=$?
	if [ -n "$want" ] && [ "$rc" -eq 2 ] && grep -qF "$b:$pos: error: $text" "$log"; then
		add 1 0
	else
		echo "FAIL bad input $b: exit $rc, wanted 2 and '$b:$pos: error: $text', got:"
		cat "$log"
		add 0 1
	fi
}
for b in tests/bad/*.vpmu; do
	bad_input "$b" "$VPMU" guest "$b"
done

# 5. run limits (hw/cpu.h): programs that hung the engine end with exit 2
#    and the limit named in their first line ("# error: TEXT")
for b in tests/limits/*.vpmu; do
	want=$(sed -n '1s/^# error: //p' "$b")
	timeout 60 "$VPMU" guest "$b" >"$log" 2>&1
	rc=$?
	if [ -n "$want" ] && [ "$rc" -eq 2 ] && grep -qF "$b: error: $want" "$log"; then
		add 1 0
	else
		echo "FAIL run limit $b: exit $rc, wanted 2 and '$b: error: $want', got:"
		cat "$log"
		add 0 1
	fi
done

# 6. real exit traces (issue 11, docs/replay.md)
#  6a. the recorded trace.dat files: vpmu's exits per reason, read through
#      libtracecmd, equal what trace-cmd report prints for them (when
#      trace-cmd is installed)
counts() {	# counts FILE: "REASON N" per reason name, from vpmu replay --counts
	"$VPMU" replay --counts "$1" | awk '/^  reason /{t=1; next} t && /^$/{exit}
		t{c[$1]+=$3} END{for (k in c) print k, c[k]}' | sort
}
if command -v trace-cmd >/dev/null 2>&1; then
	for dat in tests/traces/*.dat tests/traces/bench/*.dat; do
		[ -f "$dat" ] || continue
		trace-cmd report -N "$dat" 2>/dev/null |
			sed -n 's/.* kvm_exit: .*reason \([^ ]*\) rip .*/\1/p' | sort | uniq -c |
			awk '{print $2, $1}' | sort >"$log.want"
		counts "$dat" >"$log.got"
		if [ -s "$log.want" ] && cmp -s "$log.want" "$log.got"; then
			add 1 0
		else
			echo "FAIL $dat: exits per reason differ from trace-cmd report's:"
			diff "$log.want" "$log.got"
			add 0 1
		fi
	done
	rm -f "$log.want" "$log.got"
else
	echo "(trace-cmd not installed: the trace.dat comparison with trace-cmd report is skipped)"
fi
#  6b. every input replays under every vPMU kind, policy and route with
#      exactly its exits (exit 1 otherwise; tables of more than 5000 exits
#      under one of them, of more than 100000 under vPMU none only, for
#      time), and the other builds print the same bytes
for t in tests/traces/*.dat tests/traces/*.txt; do
	n=$("$VPMU" replay --counts "$t" 2>/dev/null | sed -n 's/^exits: \([0-9]*\) .*/\1/p')
	one=""
	[ "${n:-0}" -gt 5000 ] && one="--vpmu mediated --policies irqoff --pmi vector"
	[ "${n:-0}" -gt 100000 ] && one="--vpmu none"
	# shellcheck disable=SC2086 # $one carries its own options
	"$VPMU" replay $one "$t" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "took exactly the input's (checked)" "$log"; then
		add 1 0
	elif [ "$rc" -eq 2 ] && grep -q "the inputs have no exits to replay" "$log" &&
	     "$VPMU" replay --counts "$t" | grep -q '^exits: 0 '; then
		add 1 0
	else
		echo "FAIL vpmu replay $t: exit $rc"
		cat "$log"
		add 0 1
	fi
done
"$VPMU" replay tests/traces/kvm-svm-v7.dat --json - >"$log.ref" 2>/dev/null
for other in ${VPMU_OTHERS:-}; do
	if "$other" replay tests/traces/kvm-svm-v7.dat --json - 2>/dev/null | cmp -s - "$log.ref"; then
		add 1 0
	else
		echo "FAIL $other replays kvm-svm-v7.dat differently from $VPMU"
		add 0 1
	fi
done
rm -f "$log.ref"
#  6d. real traces and tables from elsewhere (mailing lists, notes; sources in
#      tests/traces/README.md): each NAME.want holds the exits per reason and
#      in all, counted by hand from the text, that vpmu must read
for want in tests/traces/*.want; do
	t=${want%.want}.txt
	{ counts "$t"; "$VPMU" replay --counts "$t" | sed -n 's/^exits: \([0-9]*\) .*/exits \1/p'; } \
		>"$log.got" 2>&1
	if cmp -s "$want" "$log.got"; then
		add 1 0
	else
		echo "FAIL $t: exits differ from $want:"
		diff "$want" "$log.got"
		add 0 1
	fi
done
rm -f "$log.got"
#  5c. malformed trace lines: exit 2 and file:line:column (first line of
#      each: "# error: LINE:COL: TEXT")
for b in tests/traces/bad/*.txt; do
	bad_input "$b" "$VPMU" replay --counts "$b"
done

# 6c. malformed scenarios (scenario_*.ini, read by vpmu run --scenario) and
#     cost profiles (profile_*.ini, by --cpu): the same first-line rule
for b in tests/bad/*.ini; do
	case $b in
	*/profile_*) bad_input "$b" "$VPMU" run --scenario slice-of-hardware --vpmu none --cpu "$b" ;;
	*) bad_input "$b" "$VPMU" run --scenario "$b" --vpmu none ;;
	esac
done

# 7. the command line and its artefacts (tests/cli.sh: help, bad values,
#    JSON against the man page, plots and HTML in Chromium, sharded sweeps)
VPMU="$VPMU" tests/cli.sh >"$log" 2>&1
cat "$log"
line=$(tail -n 1 "$log")
p=$(echo "$line" | sed -n 's/^cli: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
f=$(echo "$line" | sed -n 's/^cli: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
if [ -z "$p" ]; then p=0; f=1; fi
add "$p" "$f"

# 8. the fuzz targets stay alive: each replays its committed corpus
#    (tests/fuzz/corpus/<target>/, crashes found once included) and the test
#    data tests/fuzz/seeds.sh names, and fuzzes for 2 seconds more; `make
#    fuzz` runs them for real
fz=$(mktemp -d)
for bin in ${FUZZ_BINS:-}; do
	t=$(basename "$bin")
	mkdir -p "$fz/$t"
	dict=
	[ -f "tests/fuzz/$t.dict" ] && dict=-dict=tests/fuzz/$t.dict
	# shellcheck disable=SC2086 # $dict and the seed folders are words or none
	if "$bin" -max_total_time=2 -timeout=10 -max_len=16384 $dict -artifact_prefix="$fz/$t/" \
		"$fz/$t" "tests/fuzz/corpus/$t" $(tests/fuzz/seeds.sh "$t") >"$log" 2>&1; then
		add 1 0
	else
		echo "FAIL fuzz target $t:"
		tail -n 30 "$log"
		add 0 1
	fi
done
rm -rf "$fz"

echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

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
#     Not "mediated:exit --pmi nmi": there the put runs at the exit, so a
#     guest PMI still in its skid arrives as an NMI with the host's context
#     loaded, is taken for the host's and lost - the flaw that routing has
#     (test_isolation counts its misattributions).
for vm in emulated none mediated:irqoff mediated:exit mediated:vcpu mediated:lazy \
	  "mediated:irqoff --pmi nmi" "mediated:vcpu --pmi nmi" "mediated:lazy --pmi nmi"; do
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

# 3b. the run loop: the isolation check passes, and a seed gives the same
#     bytes twice
"$VPMU" check --isolation --seeds 6 >"$log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then add 1 0; else echo "FAIL vpmu check --isolation:"; cat "$log"; add 0 1; fi
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
for b in tests/bad/*.vpmu; do
	want=$(sed -n '1s/^# error: //p' "$b")
	pos=${want%%: *}
	text=${want#*: }
	"$VPMU" guest "$b" >"$log" 2>&1
	rc=$?
	if [ -n "$want" ] && [ "$rc" -eq 2 ] && grep -qF "$b:$pos: error: $text" "$log"; then
		add 1 0
	else
		echo "FAIL bad input $b: exit $rc, wanted 2 and '$b:$pos: error: $text', got:"
		cat "$log"
		add 0 1
	fi
done

# 4b. malformed scenarios (scenario_*.ini, read by vpmu run --scenario) and
#     cost profiles (profile_*.ini, by --cpu): the same first-line rule
for b in tests/bad/*.ini; do
	want=$(sed -n '1s/^# error: //p' "$b")
	pos=${want%%: *}
	text=${want#*: }
	case $b in
	*/profile_*) "$VPMU" run --scenario slice-of-hardware --vpmu none --cpu "$b" >"$log" 2>&1 ;;
	*) "$VPMU" run --scenario "$b" --vpmu none >"$log" 2>&1 ;;
	esac
	rc=$?
	if [ -n "$want" ] && [ "$rc" -eq 2 ] && grep -qF "$b:$pos: error: $text" "$log"; then
		add 1 0
	else
		echo "FAIL bad input $b: exit $rc, wanted 2 and '$b:$pos: error: $text', got:"
		cat "$log"
		add 0 1
	fi
done

# 5. the fuzz targets stay alive: each replays its committed corpus
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

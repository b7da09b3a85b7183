#!/bin/sh
# tests/valgrind.sh - `make check-valgrind`: the unit tests (a build without
# sanitizers, which valgrind cannot run under) and a representative set of
# vpmu commands under valgrind memcheck. Any memory error or leak (definite,
# indirect or possible) fails the case; ends with "check-valgrind: N passed,
# N failed".
#
#   VPMU        the vpmu binary (the release build)
#   UNIT_TESTS  the cmocka test binaries, built without sanitizers
set -u
passed=0
failed=0
log=$(mktemp)
out=$(mktemp -d)
trap 'rm -rf "$log" "$out"' EXIT

vg() {	# vg EXPECTED_EXIT COMMAND...
	want=$1; shift
	valgrind -q --error-exitcode=99 --leak-check=full --num-callers=40 \
		--suppressions=tests/valgrind.supp \
		--show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible "$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ] && ! grep -q '^==[0-9]*== ' "$log"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL (exit $rc, wanted $want) valgrind $*"
		grep '^==[0-9]*== ' "$log" | head -n 40
	fi
}

for t in $UNIT_TESTS; do
	vg 0 "$t"
done
vg 0 "$VPMU" guest --quiet tests/conformance/*.vpmu tests/perf/*.vpmu
vg 0 "$VPMU" guest --quiet --vpmu emulated tests/conformance/*.vpmu
vg 0 "$VPMU" guest --quiet --vpmu mediated:lazy --pmi nmi tests/conformance/*.vpmu
for s in slice-of-hardware timer-heavy overcommit; do
	for v in none emulated mediated:irqoff mediated:vcpu; do
		vg 0 "$VPMU" run --scenario "$s" --vpmu "$v" --seed 3 --json "$out/run.json"
	done
done
vg 0 "$VPMU" check --isolation --seeds 2
vg 0 "$VPMU" validate --out "$out/validation.md"
vg 0 "$VPMU" list profiles
vg 0 "$VPMU" list scenarios
# bad input: exit 2, and nothing leaked on the error paths
for b in tests/bad/*.vpmu; do
	vg 2 "$VPMU" guest "$b"
done
for b in tests/bad/scenario_*.ini; do
	vg 2 "$VPMU" run --scenario "$b" --vpmu none
done
for b in tests/bad/profile_*.ini; do
	vg 2 "$VPMU" run --scenario slice-of-hardware --vpmu none --cpu "$b"
done
vg 2 "$VPMU" run --scenario no-such-file.ini --vpmu none
vg 2 "$VPMU" guest no-such-file.vpmu

echo "check-valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

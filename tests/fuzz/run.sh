#!/bin/sh
# tests/fuzz/run.sh SECONDS FUZZ_BIN... - run each libFuzzer target in turn
# (one at a time: the machine is shared) for SECONDS, niced, starting from
# its committed corpus tests/fuzz/corpus/<target>/ and the test data
# tests/fuzz/seeds.sh names.
#
#   build/fuzz/work/<target>/       what the run found (new inputs)
#   build/fuzz/artifacts/<target>/  crash-*, timeout-*, leak-*, oom-* inputs
#   tests/fuzz/<target>.dict        its dictionary (libFuzzer -dict), if any
#   FUZZ_MERGE=1  afterwards, minimise what fuzzing added to the test data
#                 (-merge=1, inputs cut to 1024 bytes) into
#                 tests/fuzz/corpus/<target>/, to commit
#
# Exit 1 when any target found a crash, a hang (over 10 s on one input),
# a leak or an out-of-memory; the input is in its artifacts folder.
set -u
secs=$1; shift
bad=0
for bin in "$@"; do
	t=$(basename "$bin")
	seed=tests/fuzz/corpus/$t
	work=build/fuzz/work/$t
	art=build/fuzz/artifacts/$t
	extra=$(tests/fuzz/seeds.sh "$t")
	mkdir -p "$seed" "$work" "$art"
	echo "== $t: ${secs}s"
	dict=
	[ -f "tests/fuzz/$t.dict" ] && dict=-dict=tests/fuzz/$t.dict
	# shellcheck disable=SC2086 # $dict and $extra are words or none
	if ! nice -n 19 "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		$dict -print_final_stats=1 -artifact_prefix="$art/" "$work" "$seed" $extra \
		>"$art/log" 2>&1; then
		echo "FAIL $t: see $art/log and $art/"
		tail -n 40 "$art/log"
		bad=1
	fi
	grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$art/log" | tail -n 2
	[ "${FUZZ_MERGE:-0}" = 1 ] || continue
	# the test data first, then what adds to it; keep only the additions
	m=build/fuzz/merge/$t
	rm -rf "$m" && mkdir -p "$m"
	for d in $extra; do cp "$d"/* "$m"/; done
	ls "$m" >"$m.base"
	# shellcheck disable=SC2086
	nice -n 19 "$bin" -merge=1 -timeout=10 -max_len=1024 "$m" "$seed" "$work" \
		>>"$art/log" 2>&1 || { echo "FAIL merge $t"; bad=1; continue; }
	rm -rf "$seed" && mkdir -p "$seed"
	for f in "$m"/*; do
		grep -qxF "$(basename "$f")" "$m.base" || cp "$f" "$seed"/
	done
	echo "   corpus: $(ls "$seed" | wc -l) files, $(cat "$seed"/* 2>/dev/null | wc -c) bytes"
done
exit $bad

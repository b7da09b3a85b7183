#!/bin/sh
# tests/fuzz/seeds.sh TARGET - the test data a target's fuzzing starts from
# besides its committed corpus (tests/fuzz/corpus/TARGET/, which holds only
# what fuzzing added to this): read-only corpus folders, one a word.
case $1 in
fuzz_vpmu_*) echo tests/conformance tests/perf tests/bad ;;
fuzz_ini | fuzz_profile | fuzz_scenario) echo profiles scenarios ;;
*) ;;
esac

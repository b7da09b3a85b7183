#!/bin/sh
# tests/cli.sh - the command line and its artefacts, as a user meets them:
# --help everywhere, bad values refused with exit 2 and what exists, no file
# left half-written, `compare --json -` parsing and matching the man page's
# field list (both ways), CSV columns against the man page, determinism,
# the perf-kvm-stat table in perf's format, a sharded sweep under GNU
# parallel merged byte for byte equal to the unsharded one, and the HTML
# report rendered in headless Chromium with every plot area not blank.
#
#   VPMU   the vpmu binary;  prints "cli: N passed, N failed" last.
set -u
passed=0
failed=0
top=$(pwd)
case $VPMU in /*) ;; *) VPMU=$top/$VPMU ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/log

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL cli: $*"; }

# 1. --help on every command, to stdout, exit 0
for c in compare run replay guest check validate sweep merge list; do
	if "$VPMU" "$c" --help >"$log" 2>&1 && grep -q "^usage: vpmu $c" "$log" &&
	   "$VPMU" help "$c" | cmp -s - "$log"; then ok; else bad "vpmu $c --help"; fi
done
for h in -h --help help; do
	if "$VPMU" $h | grep -q '^  compare'; then ok; else bad "vpmu $h"; fi
done
if MANWIDTH=80 man -l man/vpmu.1 2>"$log.err" | grep -q '^JSON FIELDS' && [ ! -s "$log.err" ]; then
	ok; else bad "man -l man/vpmu.1 does not render cleanly"; cat "$log.err"; fi
# every command of `vpmu help` has its section in the man page
"$VPMU" help | sed -n 's/^  \([a-z]*\) .*/\1/p' | sort >"$log.a"
sed -n 's/^\.SS \([a-z]*\)$/\1/p' man/vpmu.1 | sort >"$log.b"
if [ -s "$log.a" ] && [ -z "$(comm -23 "$log.a" "$log.b")" ]; then ok; else
	bad "commands without a man page section: $(comm -23 "$log.a" "$log.b")"; fi

# 2. bad values: exit 2, the message names what exists, and nothing is
#    written (each runs in an empty directory that must stay empty)
refuse() {	# refuse "WANTED TEXT" ARGS...
	want=$1; shift
	rm -rf "$tmp/empty" && mkdir "$tmp/empty"
	(cd "$tmp/empty" && "$VPMU" "$@") >"$log" 2>&1
	rc=$?
	left=$(ls -A "$tmp/empty")
	if [ "$rc" -eq 2 ] && grep -qF -- "$want" "$log" && [ -z "$left" ]; then
		ok
	else
		bad "vpmu $*: exit $rc (want 2), files left: '$left', wanted '$want' in:"
		cat "$log"
	fi
}
refuse "expected one of irqoff, exit, vcpu, lazy" compare --policies irqoff,foo
refuse "did you mean 'nmi'" compare --pmi vector,nmx
refuse "did you mean 'irqoff'" run --scenario slice-of-hardware --vpmu mediated:irqof
refuse "expected one of none, emulated, mediated" run --scenario slice-of-hardware --vpmu emu
refuse "did you mean '--policies'" compare --polices irqoff
refuse "did you mean 'compare'" comapre
refuse "is not a number" compare --seed -1
refuse "--seeds: 0 is out of range; expected 1 to 64" compare --seeds 0
refuse "is not a number" run --scenario slice-of-hardware --vpmu none --seed=1x
refuse "out of range; expected 1 to 100000" check --isolation --seeds 4294967296
refuse "out of range" check --isolation --seeds 0
refuse "needs a value" compare --seed
refuse "PMI routing applies to the mediated vPMU only" run --scenario timer-heavy --vpmu emulated --pmi nmi
refuse "missing --scenario" run --vpmu mediated
refuse "expected one of profiles, scenarios" list foo
refuse "did you mean 'scenarios'" list scenario
refuse "unknown option '--nosuch'" guest --nosuch tests/conformance/intel_v1_msrs.vpmu
refuse "(did you mean 'spr'?); expected one of default," compare --cpu sprr
refuse "did you mean 'timer-heavy'" compare --scenario timer-havy --json out.json
refuse "nosuch.ini: error: cannot open" run --scenario nosuch.ini --vpmu none
refuse "bad-utf8.ini:2:11: error: the scenario name has a byte that is not UTF-8" \
	compare --scenario "$top/tests/cli/bad-utf8.ini" --json out.json
refuse "bad-utf8.ini:2:11: error: the scenario name has a byte that is not UTF-8" \
	run --scenario "$top/tests/cli/bad-utf8.ini" --vpmu none --json out.json
refuse "bad-grid.txt:3:1: error: unknown key 'polices'" sweep "$top/tests/cli/bad-grid.txt" --out d
refuse "is not I/N" sweep "$top/tests/cli/grid.txt" --shard 3 --out d
refuse "out of range; expected 1 to 2" sweep "$top/tests/cli/grid.txt" --shard 3/2 --out d
refuse "expected one or more DIRs" merge
# an output that cannot be written: exit 2, no partial file
refuse "cannot write" compare --scenario timer-heavy --policies irqoff --pmi vector --json nodir/x.json

# 2r. vpmu replay's options (issue 11): the shared option layer's errors,
#     and every option of its --help in its man page section
dat="$top/tests/traces/kvm-svm-v7.dat"
refuse "no input; expected one or more TRACE files" replay
refuse "did you mean 'mediated'?); expected one of none, emulated, mediated" \
	replay --vpmu none,mediatd "$dat"
refuse "expected one of irqoff, exit, vcpu, lazy" replay --policies irqoff,foo "$dat"
refuse "did you mean 'nmi'" replay --pmi nmx "$dat"
refuse "expected one of auto, ftrace, trace-cmd, perf-script, dat, kvm-stat, bcc, bpftrace" \
	replay --format=dta "$dat"
refuse "did you mean '--policies'" replay --polices irqoff "$dat"
refuse "--guest-us: 0 is out of range; expected 1 to 1000000" replay --guest-us 0 "$dat"
refuse "--jobs: 0 is out of range; expected 1 to 64" replay --jobs 0 "$dat"
refuse "a host scenario (VMs on 4 pCPUs) has no place" replay --scenario host-pinned "$dat"
refuse "is not a number" replay --seed 1x "$dat"
refuse "needs a value" replay "$dat" --json
refuse "did you mean 'timer-heavy'" replay --scenario timer-havy "$dat" --json out.json
refuse "cannot write" replay "$dat" --vpmu none --json nodir/x.json
sed -n '/^\.SS replay$/,/^\.SS /p' man/vpmu.1 | sed 's/\\-/-/g' >"$log.man"
miss=$("$VPMU" replay --help | sed -n 's/^ *\(-., \)\{0,1\}--\([a-z-]*\).*/\2/p' | grep -v '^help$' |
	while read -r o; do grep -q -- "--$o" "$log.man" || echo "--$o"; done)
if [ -z "$miss" ] && grep -q '^Exit status' "$log.man"; then ok; else
	bad "the man page's replay section lacks: $miss"; fi
# short and long options, --opt=value, options after the operands
if "$VPMU" replay -v mediated --policies=lazy --pmi nmi "$dat" -S 1 >"$log" 2>&1 &&
   [ "$(grep -c 'mediated:lazy  *nmi' "$log")" -eq 2 ] && [ "$(grep -c '^vcpu 0' "$log")" -eq 2 ]; then ok
else bad "vpmu replay -v mediated --policies=lazy --pmi nmi"; cat "$log"; fi

# 3. compare --json - is only JSON, parses, is deterministic, and has the
#    n/a rows of a configuration that cannot run; the rest still runs
j=$tmp/a.json
"$VPMU" compare --scenario timer-heavy --scenario tests/cli/no-mediated.ini --json - >"$j" 2>"$log"
if [ $? -eq 0 ] && jq -e '.runs | length == 18' "$j" >/dev/null &&
   jq -e '[.runs[] | select(.status == "n/a")] | length == 8' "$j" >/dev/null &&
   jq -e '[.runs[] | select(.scenario == "no-mediated" and .status == "ok")] | length == 1' "$j" >/dev/null; then
	ok; else bad "compare --json - is not the expected document"; head -c 600 "$j"; cat "$log"; fi
"$VPMU" compare --scenario timer-heavy --scenario tests/cli/no-mediated.ini --json - >"$log.2" 2>/dev/null
if cmp -s "$log.2" "$j"; then ok; else bad "compare --json - differs between two runs"; fi
"$VPMU" compare --scenario timer-heavy --seed 2 --json - 2>/dev/null | jq -e '.seed == 2' >/dev/null &&
	ok || bad "--seed 2 is not in the JSON"
# --seeds: one seed is the default's bytes; three give every seed's rows in
# the JSON, and the text's overhead range of each configuration is the
# lowest and highest of those rows (two prints of one run, checked apart)
"$VPMU" compare --scenario timer-heavy --json - >"$log.1" 2>/dev/null
"$VPMU" compare --scenario timer-heavy --seeds 1 --json - >"$log.2" 2>/dev/null
if cmp -s "$log.2" "$log.1"; then ok; else bad "--seeds 1 differs from the default"; fi
"$VPMU" compare --scenario timer-heavy --seed 5 --seeds 3 --no-out >"$log.txt" 2>&1 &&
"$VPMU" compare --scenario timer-heavy --seed 5 --seeds 3 --json - >"$log.json" 2>/dev/null
jq -r '.runs[] | select(.status == "ok") | [(.vpmu + (if .policy == "-" then "" else ":" + .policy end)), .pmi, .seed, .guest_overhead_pct] | @tsv' \
	"$log.json" | awk -F'\t' '{ k = $1 " " $2; if (!(k in lo) || $4 < lo[k]) lo[k] = $4;
	  if (!(k in hi) || $4 > hi[k]) hi[k] = $4; n[k]++; s[$3] = 1 }
	END { for (k in lo) printf "%s %.2f %.2f %d\n", k, lo[k], hi[k], n[k] }' | sort >"$log.want"
sed -n 's/^  \([a-z:]*\) *\([a-z-]*\) *\([0-9.]*\) \.\. \([0-9.]*\) %$/\1 \2 \3 \4 3/p' "$log.txt" | sort >"$log.got"
if jq -e '.seeds == 3 and ([.runs[].seed] | unique) == [5,6,7]' "$log.json" >/dev/null &&
   [ "$(wc -l <"$log.want")" -eq 9 ] && cmp -s "$log.want" "$log.got" &&
   grep -q '^== timer-heavy (profile spr, seeds 5..7: each row its median run)$' "$log.txt"; then ok
else bad "--seeds 3: the ranges printed (>) are not the JSON rows' (<)"; diff "$log.want" "$log.got"; fi
# the seeds' "best for the guest" is the verdict's (D rows are not held
# against either), on a scenario where D rows occur (overcommit on emr:
# mediated rows whose guest takes a PMI while its LVTPC is masked)
"$VPMU" compare --cpu emr --scenario overcommit --seeds 4 --no-out >"$log.sk" 2>&1
b1=$(sed -n 's/^  not told apart from the best for the guest, \([^,]*\),.*/\1/p' "$log.sk")
b2=$(sed -n 's/^  best for the guest: //p' "$log.sk")
if [ -n "$b1" ] && [ "$b1" = "$b2" ] && grep -q ' D *$' "$log.sk"; then ok
else bad "--seeds: the seeds' best ($b1) is not the verdict's ($b2), or no D row"; fi
# an exit-policy row taken from its irqoff twin (no exit took a fastpath
# handler: every zen4 scenario but kut-vmexit, and the SVM traces) is the
# exit run: the same rows as where no irqoff row is asked for and each runs
for p in "exit" "exit,vcpu"; do
	"$VPMU" compare --cpu zen4 --seeds 2 --json - 2>/dev/null |
		jq -c '.runs[] | select(.policy == "exit")' >"$log.tw1"
	"$VPMU" compare --cpu zen4 --seeds 2 --policies "$p" --json - 2>/dev/null |
		jq -c '.runs[] | select(.policy == "exit")' >"$log.tw2"
	if [ "$(wc -l <"$log.tw1")" -ge 20 ] && cmp -s "$log.tw1" "$log.tw2"; then ok
	else bad "compare --cpu zen4: the exit rows differ without irqoff ($p)"; fi
done
"$VPMU" replay --json - tests/traces/kvm-svm-v6.dat 2>/dev/null |
	jq -c '.replay[] | select(.metrics.policy == "exit")' >"$log.tw1"
"$VPMU" replay --policies exit --json - tests/traces/kvm-svm-v6.dat 2>/dev/null |
	jq -c '.replay[] | select(.metrics.policy == "exit")' >"$log.tw2"
if [ "$(wc -l <"$log.tw1")" -ge 2 ] && cmp -s "$log.tw1" "$log.tw2"; then ok
else bad "replay: the exit rows differ without irqoff"; fi
# every field the man page names is in the output, and every field of the
# output is in the man page
sed -n '/^\.SH JSON FIELDS/,/^\.SH CSV/p' man/vpmu.1 | awk '$1 == ".B" && NF == 2 { print $2 }' |
	grep -v '^null$' | sort -u >"$log.man"
jq -r 'paths(scalars) | map(if type == "number" then "[]" else . end) | join(".")' "$j" |
	sed -E 's/\.\[\]/[]/g; s/by_reason\.[A-Za-z_0-9:-]+/by_reason.REASON/' | sort -u >"$log.out"
if [ -s "$log.man" ] && cmp -s "$log.man" "$log.out"; then ok; else
	bad "JSON fields: man page (<) vs compare --json - (>):"; diff "$log.man" "$log.out"; fi

# 4. the default artefacts, the CSV's columns against the man page, the
#    text table within 80 columns with a legend and a verdict
w=$tmp/run
mkdir "$w"
(cd "$w" && "$VPMU" compare) >"$w/stdout" 2>"$w/stderr"
rc=$?
if [ "$rc" -eq 0 ] && [ -s "$w/vpmu-out/compare.json" ] && [ -s "$w/vpmu-out/compare.csv" ] &&
   [ -s "$w/vpmu-out/report.html" ]; then ok; else bad "compare: exit $rc, artefacts missing"; cat "$w/stderr"; fi
n=$(ls "$w"/vpmu-out/plots/*.svg 2>/dev/null | wc -l)
if [ "$n" -ge 5 ]; then ok; else bad "compare: $n SVG plots, wanted at least 5"; fi
if [ -z "$(find "$w/vpmu-out" -name '*.tmp-*')" ]; then ok; else bad "temporary files left"; fi
if ! awk 'length($0) > 80 { exit 1 }' "$w/stdout"; then bad "compare: a line over 80 columns";
elif [ "$(grep -c '^verdict for ' "$w/stdout")" -ge 3 ] &&
     [ "$(grep -c '^verdict for ' "$w/stdout")" -eq "$(grep -c '^== ' "$w/stdout")" ] &&
     grep -q '^legend' "$w/stdout" &&
     [ "$(grep -c '^  no row leaks, loses or misattributes' "$w/stdout")" -eq \
       "$(grep -c '^== ' "$w/stdout")" ]; then ok
else bad "compare: verdicts or legend missing, or a built-in scenario's row leaks, loses or misattributes"; fi
sed -n '/^\.SH CSV COLUMNS/,/^\.SH EXIT/p' man/vpmu.1 | sed -n '/^\.nf/,/^\.fi/p' |
	grep -v '^\.' | tr ' ' '\n' | grep . >"$log.man"
head -n 1 "$w/vpmu-out/compare.csv" | tr ',' '\n' >"$log.out"
if cmp -s "$log.man" "$log.out"; then ok; else bad "CSV columns vs man page"; diff "$log.man" "$log.out"; fi
if awk -F, 'NR == 1 { n = NF } NF != n { exit 1 }' "$w/vpmu-out/compare.csv"; then ok; else
	bad "CSV rows of different widths"; fi
# the JSON file equals --json - (same seed, same bytes)
"$VPMU" compare --json - >"$log.2" 2>/dev/null
if cmp -s "$log.2" "$w/vpmu-out/compare.json"; then ok; else
	bad "vpmu-out/compare.json differs from compare --json -"; fi

# 5. without gnuplot the data and scripts are written, and it says how
mkdir "$tmp/nogp"
(cd "$tmp/nogp" && PATH=/nonexistent "$VPMU" compare --scenario timer-heavy) >/dev/null 2>"$log"
if grep -q "gnuplot NAME.gp" "$log" && [ -s "$tmp/nogp/vpmu-out/plots/host_blind.gp" ] &&
   [ -s "$tmp/nogp/vpmu-out/plots/host_blind.dat" ] && ! ls "$tmp/nogp/vpmu-out/plots/"*.svg >/dev/null 2>&1 &&
   grep -q "Not rendered: gnuplot was not found" "$tmp/nogp/vpmu-out/report.html"; then ok; else
	bad "without gnuplot"; cat "$log"; fi

# 6. the HTML report in headless Chromium: every plot area is not blank
#    (the report's fixed layout puts plot i at 10,160+470i, 720x420), and a
#    region below the last plot is (the check can fail)
if command -v chromium >/dev/null 2>&1; then
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$tmp/chromium" --force-device-scale-factor=1 --hide-scrollbars \
		--window-size=800,3100 --screenshot="$tmp/shot.png" \
		"file://$w/vpmu-out/report.html" >"$log" 2>&1
	if python3 tests/cli/png_regions.py "$tmp/shot.png" 10 160 720 420 10 630 720 420 \
		10 1100 720 420 10 1570 720 420 10 2040 720 420 10 2510 720 420 >"$log" 2>&1; then ok; else
		bad "a plot is blank in the rendered HTML:"; cat "$log"; fi
	if ! python3 tests/cli/png_regions.py "$tmp/shot.png" 760 160 30 2700 >/dev/null 2>&1; then ok; else
		bad "the blank-region check did not see a blank margin"; fi
else
	bad "chromium not installed (tools/ensure-deps installs it)"
fi

# 7. the perf-kvm-stat table of vpmu run: perf's header, its row format,
#    samples that add up to the total
"$VPMU" run --scenario slice-of-hardware --vpmu mediated:irqoff >"$log" 2>&1
hdr='             VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time         Avg time'
rows=$(grep -cE '^ {0,19}[A-Z_]+ +[0-9]+ +[0-9]+\.[0-9]{2}% +[0-9]+\.[0-9]{2}% +[0-9]+\.[0-9]{2}us +[0-9]+\.[0-9]{2}us +[0-9]+\.[0-9]{2}us \( \+- *[0-9]+\.[0-9]{2}% \)$' "$log")
sum=$(awk '/us \( \+-/ { s += $2 } END { print s }' "$log")
tot=$(sed -n 's/^Total Samples:\([0-9]*\), Total events handled time:[0-9.]*us\.$/\1/p' "$log")
if grep -qxF "$hdr" "$log" && [ "$rows" -ge 3 ] && [ "$sum" = "$tot" ]; then ok; else
	bad "perf kvm stat table (rows $rows, sum $sum, total $tot):"; cat "$log"; fi

# 7b. compare --kvm-stat: one such table per configuration that ran
"$VPMU" compare --scenario timer-heavy --policies irqoff,vcpu --pmi vector --kvm-stat --no-out >"$log" 2>&1
if [ "$(grep -cxF "$hdr" "$log")" -eq 3 ]; then ok; else bad "compare --kvm-stat: not 3 tables"; fi

# 8. a sweep in 3 shards under GNU parallel, merged, equals the unsharded
#    sweep byte for byte; merge refuses a missing shard; quiet when stderr
#    is not a terminal
"$VPMU" sweep tests/cli/grid.txt --out "$tmp/full" 2>"$log"
if [ $? -eq 0 ] && [ ! -s "$log" ] && jq -e '.points == 24 and (.runs | length) == 20' \
	"$tmp/full/sweep.json" >/dev/null; then ok; else bad "unsharded sweep"; cat "$log"; fi
if command -v parallel >/dev/null 2>&1; then
	parallel --will-cite -j 2 "$VPMU" sweep tests/cli/grid.txt --shard {}/3 --out "$tmp/shards" \
		::: 1 2 3 2>"$log"
	"$VPMU" merge "$tmp/shards" --out "$tmp/merged.json" 2>>"$log"
	if cmp -s "$tmp/full/sweep.json" "$tmp/merged.json"; then ok; else
		bad "merged shards differ from the unsharded sweep"; cat "$log"; fi
else
	bad "GNU parallel not installed (tools/ensure-deps installs it)"
fi
rm -f "$tmp/shards/sweep-2-of-3.json"
if "$VPMU" merge "$tmp/shards" >/dev/null 2>"$log"; then bad "merge accepted a missing shard"
elif grep -q "shard 2/3 is missing" "$log"; then ok; else bad "merge: wrong message"; cat "$log"; fi

# 8b. on a terminal (script(1) gives it one) the sweep shows a progress bar
#     with rate and ETA; not on a pipe (checked above: stderr stayed empty)
if command -v script >/dev/null 2>&1; then
	script -qec "'$VPMU' sweep tests/cli/grid.txt --shard 1/4 --out '$tmp/tty'" /dev/null >"$log" 2>&1
	if grep -q 'sweep \[#*  *\] [0-9]*/[0-9]* [0-9.]*/s ETA [0-9]*s' "$log"; then ok; else
		bad "no progress bar on a terminal:"; cat "$log"; fi
fi

# 9. every name `vpmu list events` prints is accepted by a scenario's host
#    perf line (and rHEX as a raw event)
#    (the topdown events in a group led by slots, as perf requires)
evs=$("$VPMU" list events | grep -v '^slots$\|^topdown' | sed 's/^rHEX$/r00c0/; s/$/:H/' | paste -sd, -)
evs="$evs,{slots,$("$VPMU" list events | grep '^topdown' | paste -sd, -)}:H"
printf '[scenario]\nname = all-events\nabout = every event name\n[guest]\nwork_minsns = 5\ncpi_milli = 700\nhz = 250\n[host]\nperf = perf stat -a -e %s\n' \
	"$evs" >"$tmp/events.ini"
if "$VPMU" run --scenario "$tmp/events.ini" --vpmu none --json - >"$log" 2>&1 &&
   [ "$(jq '.host_events | length' "$log")" -eq "$("$VPMU" list events | wc -l)" ]; then ok; else
	bad "vpmu list events names are not all accepted by host perf specs:"; cat "$log"; fi

# 10. the docs show what the program prints: every ``` block in docs/*.md and
#     README.md that starts with "$ vpmu ARGS" is run, and its lines (but
#     "...", which stands for lines left out) must appear in the output in
#     that order
for doc in docs/*.md README.md; do
	awk -v out="$tmp/ex" '
		/^```/ { if (inb) { close(f); inb = 0 } else { inb = 1; f = ""; n++ } next }
		inb && f == "" && /^\$ vpmu / { f = out "." n; print > f; next }
		inb && f != "" { print > f }
		inb && f == "" { inb = 2 }' "$doc"
	for ex in "$tmp"/ex.*; do
		[ -f "$ex" ] || continue
		args=$(head -n 1 "$ex" | sed 's/^\$ vpmu //')
		# shellcheck disable=SC2086 # the example's own words
		"$VPMU" $args >"$log" 2>&1
		if tail -n +2 "$ex" | grep -vx '\.\.\.' | awk -v f="$log" '
			BEGIN { while ((getline l < f) > 0) o[++n] = l; i = 1 }
			{ while (i <= n && o[i] != $0) i++; if (i > n) { print "missing: " $0; bad = 1; exit } i++ }
			END { exit bad }'; then ok; else bad "$doc: the example of 'vpmu $args' is not what it prints"; fi
		rm -f "$ex"
	done
done

# 11. a host scenario (issue 10): vpmu run --json has the host's totals and
#     its vCPUs, VMs and pCPUs; a seed gives the same bytes twice
j=$tmp/host.json
"$VPMU" run --scenario host-overcommit --vpmu mediated:vcpu --json "$j" >"$log" 2>&1
if [ $? -eq 0 ] && jq -e '.host.vcpus == 12 and (.vcpus | length) == 12 and
    (.vms | length) == 2 and (.pcpus | length) == 4 and .exits.total > 0 and
    ([.vcpus[].exits.total] | add) == .exits.total' "$j" >/dev/null; then ok; else
	bad "run --json of host-overcommit lacks its host, vCPUs, VMs or pCPUs"; cat "$log"; fi
"$VPMU" run --scenario host-overcommit --vpmu mediated:vcpu --json - >"$log.2" 2>/dev/null
if cmp -s "$log.2" "$j"; then ok; else bad "run --json of a host differs between two runs"; fi

# 12. vpmu replay --host: every vCPU of a real trace on one host, each row
#     checked against the input (exit 0), a host row per configuration, and
#     the same exits per vCPU as the per-vCPU replay
t=tests/traces/kvm-svm-v7.dat
if "$VPMU" replay "$t" --host --vpmu mediated --policies vcpu --pmi vector >"$log" 2>&1 &&
   [ "$(grep -c '^host ' "$log")" -eq 1 ] &&
   "$VPMU" replay "$t" --pcpus 1 --vpmu emulated >"$log.1" 2>&1 &&
   "$VPMU" replay "$t" --vpmu emulated >"$log.2" 2>&1 &&
   [ "$(awk '/^vcpu [0-9]/{ print $1, $2, $3, $4, $5, $7 }' "$log.1" | sort)" = \
     "$(awk '/^vcpu [0-9]/{ print $1, $2, $3, $4, $5, $7 }' "$log.2" | sort)" ]; then ok; else
	bad "replay --host of $t"; cat "$log" "$log.1"; fi
rm -f "$log.1" "$log.2"

# 13. a sweep over a host's size: pcpus and vcpus reach the runs, and
#     sweeping vcpus on a pinned VM is refused (exit 2)
printf 'scenario = host-overcommit\nvpmu = mediated:vcpu\npcpus = 2, 4\nvcpus = 2, 6\n' >"$tmp/h.grid"
if "$VPMU" sweep "$tmp/h.grid" --out "$tmp/hs" >"$log" 2>&1 &&
   [ "$(jq -c '[.runs[] | [.host.pcpus, .host.vcpus]]' "$tmp/hs/sweep.json")" = '[[2,4],[2,12],[4,4],[4,12]]' ]
then ok; else bad "sweep over pcpus and vcpus"; cat "$log"; fi
printf 'scenario = host-ipi\nvcpus = 2\n' >"$tmp/p.grid"
"$VPMU" sweep "$tmp/p.grid" --out "$tmp/ps" >"$log" 2>&1
if [ $? -eq 2 ] && grep -q 'is pinned' "$log"; then ok; else bad "vcpus on a pinned VM: not refused"; cat "$log"; fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

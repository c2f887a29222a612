#!/usr/bin/env bash
# Fuzzes dlg's readers of user input (the harnesses in Tests/Fuzz/Harnesses) with libFuzzer
# under AddressSanitizer, each for a fixed time, and prints one line per harness: executions,
# rate, corpus size and findings. Any finding fails the run; its input is saved under
# .build-fuzz/findings/ (replay it with .build/debug/dlg-fuzz --harness=NAME FILE, then commit
# it to Tests/Fuzz/Regressions/NAME with the fix).
#
#   scripts/fuzz.sh                      # every harness, 60 s each
#   scripts/fuzz.sh --seconds 6          # what CI runs
#   scripts/fuzz.sh --seconds 3600 model # one harness for an hour
#   scripts/fuzz.sh --runs 10000000 npy  # until ten million executions (or --seconds)
#   scripts/fuzz.sh --jobs 2 --runs 10000000 model  # two processes sharing one corpus
#
# The corpus each run grows is kept in .build-fuzz/corpus/NAME and used again next time; the
# committed seeds (Tests/Fuzz/Corpus/NAME) are only read.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
runs=-1
jobs=1
harnesses=()
# A positive whole number, or a usage error (libFuzzer reads 0 seconds as "no limit").
count() {
  if [[ ! "${2:-}" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz.sh: $1 needs a positive whole number" >&2
    exit 2
  fi
}
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) count "$1" "${2:-}"; seconds="$2"; seconds_given="$2"; shift 2 ;;
    --runs) count "$1" "${2:-}"; runs="$2"; seconds=${seconds_given:-86400}; shift 2 ;;
    --jobs) count "$1" "${2:-}"; jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
if [ ${#harnesses[@]} -eq 0 ]; then
  mapfile -t harnesses < <(ls Tests/Fuzz/Corpus)
fi

# Optimized (the harnesses run ten times as many inputs a second), with bounds and overflow
# checks kept: Swift keeps them at -O. Every module is instrumented for coverage and ASan in
# one flag (SwiftPM's `--sanitize=fuzzer --sanitize=address` would pass two, and the Swift
# driver keeps only the last); `--sanitize=address` still instruments the C targets and
# DLG_FUZZ=1 makes the driver a libFuzzer target (Package.swift).
mkdir -p .build-fuzz
if ! DLG_FUZZ=1 swift build -c release --product dlg-fuzz --sanitize=address \
  -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz >.build-fuzz/build.log 2>&1; then
  grep -v "Cannot export local symbol" .build-fuzz/build.log >&2
  exit 1
fi
tail -n 1 .build-fuzz/build.log
binary=.build-fuzz/release/dlg-fuzz

# Swift's backtracer would take over libFuzzer's crash handling; leak checking is off because
# the Swift runtime's caches live until exit by design.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:handle_abort=1"
mkdir -p .build-fuzz/findings .build-fuzz/logs

printf '%-12s %8s %12s %10s %8s %s\n' harness seconds executions "per second" corpus findings
failed=0
for name in "${harnesses[@]}"; do
  corpus=.build-fuzz/corpus/$name
  mkdir -p "$corpus"
  log=.build-fuzz/logs/$name.log
  status=0
  started=$(date +%s)
  # With --jobs, every process takes its share of the runs and they trade new inputs through
  # the one corpus folder (libFuzzer reloads it); their executions add up.
  rm -f "$log".[0-9]*
  per_job=$(( runs < 0 ? -1 : (runs + jobs - 1) / jobs ))
  pids=()
  for job in $(seq 1 "$jobs"); do
    job_log=$log
    [ "$jobs" -gt 1 ] && job_log=$log.$job
    "$binary" --harness="$name" -max_total_time="$seconds" -runs="$per_job" -timeout=10 \
      -rss_limit_mb=2560 -malloc_limit_mb=2048 -max_len=16384 -print_final_stats=1 -detect_leaks=0 \
      -artifact_prefix=".build-fuzz/findings/$name-" "$corpus" "Tests/Fuzz/Corpus/$name" \
      >"$job_log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || status=$?
  done
  if [ "$jobs" -gt 1 ]; then
    cat "$log".[0-9]* >"$log"
  fi
  executions=0
  for count in $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$'); do
    executions=$(( executions + count ))
  done
  elapsed=$(( $(date +%s) - started ))
  rate=$(( executions / (elapsed > 0 ? elapsed : 1) ))
  size=$(ls "$corpus" | wc -l)
  # A "slow unit" is an input that took over 10 s of wall time, which a starved process (a
  # build beside it, a stopped one) also reports: it is kept for replay, not counted.
  findings=$(ls .build-fuzz/findings | grep "^$name-" | grep -vc "^$name-slow-unit-" || true)
  printf '%-12s %8s %12s %10s %8s %s\n' "$name" "$elapsed" "$executions" "$rate" "$size" "$findings"
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "  $name failed (exit $status); the last lines of $log:"
    { grep -E "ERROR|SUMMARY|Fatal error|fuzz invariant|artifact|Test unit written|usage" \
      "$log" || tail -n 5 "$log"; } | head -n 8 | sed 's/^/    /'
  fi
done
exit $failed

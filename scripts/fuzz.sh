#!/bin/sh
# Runs the libFuzzer targets that `make fuzz` built.
#
#   scripts/fuzz.sh run BUILD SECONDS [FILTER]
#       each BUILD/fuzz_<name> for SECONDS, on tests/fuzz/corpus/<name>/
#       (committed seeds, read only) and BUILD/corpus/<name>/ (what earlier
#       runs found; new finds go there).  One line per target: runs, runs
#       per second, coverage.  A crash, a leak, a timeout (10 s on one
#       input) or a broken promise fails the target and leaves the input as
#       BUILD/<name>-crash-* (or -leak-, -timeout-, -oom-); rerun it with
#       `BUILD/fuzz_<name> FILE`.
#   scripts/fuzz.sh merge BUILD 0 [FILTER]
#       adds to tests/fuzz/corpus/<name>/ the inputs of BUILD/corpus/<name>/
#       that raise coverage (libFuzzer's -merge=1); nothing is removed.
#
# Exit status 1 when any target failed.
set -u
mode=$1 build=$2 seconds=$3 filter=${4:-}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
failed=0 ran=0

# libFuzzer reports its own leak check; libav and libcurl keep
# process-lifetime allocations, as `make check` notes.
export ASAN_OPTIONS=detect_leaks=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

for bin in "$build"/fuzz_*; do
    [ -x "$bin" ] || continue
    case "$bin" in *.d|*.log) continue ;; esac
    name=${bin##*/fuzz_}
    case "$name" in *"$filter"*) ;; *) continue ;; esac
    seeds=tests/fuzz/corpus/$name work=$build/corpus/$name
    log=$build/fuzz_$name.log
    mkdir -p "$seeds" "$work"
    ran=$((ran + 1))
    if [ "$mode" = merge ]; then
        if "$bin" -merge=1 "$seeds" "$work" >"$log" 2>&1; then
            echo "fuzz_$name: $(ls "$seeds" | wc -l) inputs," \
                 "$(du -sk "$seeds" | cut -f1) KiB in $seeds"
        else
            echo "fuzz_$name: merge failed (see $log)"
            failed=$((failed + 1))
        fi
        continue
    fi
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/$name-" \
        "$work" "$seeds" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    if [ "$rc" -eq 0 ]; then
        echo "fuzz_$name: ok, ${runs:-?} runs in ${seconds} s" \
             "(${speed:-?}/s), cov ${cov:-?}"
    else
        failed=$((failed + 1))
        echo "fuzz_$name: FAILED (exit $rc), see $log"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*broken promise|.*runtime error)' \
            "$log" | head -5 | sed 's/^/    /'
        grep -o "Test unit written to .*" "$log" | sed 's/^/    /'
    fi
done

if [ "$ran" -eq 0 ]; then
    echo "fuzz: no target in $build matches '$filter'"
    exit 1
fi
[ "$failed" -eq 0 ]

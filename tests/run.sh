#!/bin/sh
# Runs every unit test binary in $BUILD and every tests/integration/*.sh
# script, counts their PASS/FAIL/SKIP lines, and ends with the line
# "N passed, N failed" that CI reads (also kept in tests/out/summary).
# Usage: tests/run.sh BUILD [FILTER]: only the tests whose names hold one
# of FILTER's words (make test T="chaos test_job").
set -u
BUILD=${1:-build}
FILTER=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/tests/out"
mkdir -p "$out"
export DUBBATCH="$top/$BUILD/dubbatch" TOP="$top" BUILD

passed=0 failed=0 skipped=0

wanted() {
    [ -z "$FILTER" ] && return 0
    for f in $FILTER; do
        case "$1" in *"$f"*) return 0 ;; esac
    done
    return 1
}

run_one() {
    name=$1; shift
    log="$out/$name.log"
    start=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    p=$(grep -c '^PASS ' "$log")
    f=$(grep -c '^FAIL ' "$log")
    s=$(grep -c '^SKIP ' "$log")
    # A script that died without saying why counts as one failure.
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name exited with status $rc" >>"$log"
        f=1
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    printf '%-40s %3d passed %3d failed %3d skipped  %3ds\n' "$name" "$p" "$f" "$s" \
        "$(( $(date +%s) - start ))"
    if [ "$f" -gt 0 ]; then
        grep -A3 '^FAIL ' "$log" | sed 's/^/    /' | head -40
    fi
    grep '^SKIP ' "$log" | sed 's/^/    /'
}

for t in "$top/$BUILD"/test_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t")
    wanted "$n" || continue
    run_one "$n" "$t"
done
for t in "$top"/tests/integration/*.sh; do
    [ -f "$t" ] || continue
    n=$(basename "$t" .sh)
    wanted "$n" || continue
    run_one "$n" sh "$t"
done

[ "$skipped" -gt 0 ] && echo "$skipped skipped (see SKIP lines above)"
echo "$passed passed, $failed failed" | tee "$out/summary"
[ "$failed" -eq 0 ]

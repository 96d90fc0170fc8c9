# Shell helpers for tests/integration/*.sh.  Each check prints one line,
# "PASS name", "FAIL name" (with the reason on the next lines) or
# "SKIP name: why", which tests/run.sh counts.
set -u
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
: "${DUBBATCH:=$TOP/$BUILD/dubbatch}"
FIX="$TOP/tests/fixtures/media"
T=$(mktemp -d "${TMPDIR:-/tmp}/dubtest.XXXXXX")
trap 'test_cleanup' EXIT
test_cleanup() {
    if [ -n "${FAKE_PID:-}" ]; then kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; fi
    rm -rf "$T"
}

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; shift; for l in "$@"; do echo "  $l"; done; }
skip() { echo "SKIP $1: $2"; }

# check NAME CMD...: passes when CMD exits 0.
check() {
    n=$1; shift
    if "$@" >"$T/check.out" 2>&1; then pass "$n"; else fail "$n" "command: $*" "$(head -c 2000 "$T/check.out")"; fi
}

# expect_exit NAME CODE CMD...: runs CMD, keeps its output in $T/out and
# $T/err, and passes when it exits with CODE.
expect_exit() {
    n=$1 want=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" -eq "$want" ]; then pass "$n"; else
        fail "$n" "exit $got, want $want: $*" "stdout: $(head -c 1500 "$T/out")" "stderr: $(head -c 1500 "$T/err")"
    fi
}

# contains NAME FILE TEXT: passes when FILE contains TEXT (fixed string).
contains() {
    if grep -qF -- "$3" "$2"; then pass "$1"; else fail "$1" "'$3' not in $2:" "$(head -c 2000 "$2")"; fi
}
# json_true NAME FILE EXPR: passes when the Python expression EXPR holds for
# the JSON in FILE, bound to d (and, for a report, j: its jobs by id).
json_true() {
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
j = {x["id"]: x for x in d["jobs"]} if isinstance(d, dict) and isinstance(d.get("jobs"), list) else {}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$2" "$3" \
        && pass "$1" || fail "$1" "false: $3" "$(head -c 1500 "$2")"
}

lacks() {
    if grep -qF -- "$3" "$2"; then fail "$1" "'$3' unexpectedly in $2:" "$(grep -F -- "$3" "$2" | head -5)"; else pass "$1"; fi
}

# fakefal_start [ARGS...]: starts scripts/fakefal.py on a random loopback
# port and sets FAKE_URL and FAKE_PID (the EXIT trap stops it).
fakefal_start() {
    rm -f "$T/fake.port"
    python3 "$TOP/scripts/fakefal.py" --port-file "$T/fake.port" "$@" >"$T/fake.log" 2>&1 &
    FAKE_PID=$!
    i=0
    while [ ! -s "$T/fake.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    FAKE_URL="http://127.0.0.1:$(cat "$T/fake.port")"
}
# fakefal_stats: the fake's /__stats JSON on stdout.
fakefal_stats() { curl -s "$FAKE_URL/__stats"; }
# stat_is NAME EXPR: json_true on the fake's current /__stats.
stat_is() {
    fakefal_stats >"$T/stats.json"
    json_true "$1" "$T/stats.json" "$2"
}

# fal's official JavaScript client (@fal-ai/client, pinned in
# tests/conformance/package.json) against the fake fal server: storage
# upload (single and multipart), submit, status, result, subscribe, cancel,
# and a model error.  Whatever the official client rejects, the fake has
# wrong.
. "$TOP/tests/lib.sh"

C="$TOP/tests/conformance"
if ! command -v npm >/dev/null 2>&1; then
    skip "fal-js conformance" "npm is not installed"
    exit 0
fi
if [ ! -d "$C/node_modules/@fal-ai/client" ]; then
    if ! npm ci --prefix "$C" --no-audit --no-fund >"$T/npm.log" 2>&1; then
        if grep -qiE 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network' "$T/npm.log"; then
            skip "fal-js conformance" "the npm registry is unreachable"
            exit 0
        fi
        fail "npm ci" "$(tail -5 "$T/npm.log")"
        exit 0
    fi
fi
fakefal_start --job-seconds 0.2 --output copy
FAKE_URL=$FAKE_URL FIX=$FIX node "$C/conformance.mjs"

#!/bin/sh
# make demo: a real batch end to end.  Generates the demo media, starts the
# bundled fake fal server on 127.0.0.1 (a 12-minute job takes 2 s), runs
# dubbatch on manifests/demo.yaml with a throwaway key, prints the results
# folder and the report's summary, and stops the server.
set -eu
cd "$(dirname "$0")/.."
sh scripts/fixtures.sh
tmp=$(mktemp -d)
python3 scripts/fakefal.py --port-file "$tmp/port" --job-seconds 2 >"$tmp/fake.log" 2>&1 &
fake=$!
trap 'kill $fake 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
url="http://127.0.0.1:$(cat "$tmp/port")"
echo "== fake fal server on $url"
export FAL_KEY="demo-key-id:demo-key-secret"
export FAL_QUEUE_URL="$url" FAL_REST_URL="$url" FAL_API_URL="$url"
echo "== dubbatch run manifests/demo.yaml"
rc=0
./build/dubbatch run --poll-interval 0.5 manifests/demo.yaml || rc=$?
echo
# status exits 1 too, for the same rejected input.
./build/dubbatch status manifests/demo.yaml || [ $? -eq 1 ]
echo
echo "results: $(cd demo-out && pwd)"
ls -l demo-out/*.mp4 2>/dev/null | awk '{ printf "  %-28s %10d bytes\n", $NF, $5 }'
echo "reports: demo-out/report.json, demo-out/report.csv"
echo "page:    $(cd demo-out && pwd)/index.html"
# 1 means "some jobs failed or were rejected": the demo rejects one input
# on purpose, to show what that looks like.
[ "$rc" -le 1 ] || exit "$rc"

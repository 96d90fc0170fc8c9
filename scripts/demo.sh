#!/bin/sh
# make demo: generates the demo media and shows what dubbatch would do with
# manifests/demo.yaml.  Until the runner lands this is `validate` (probe and
# plan every job, spend nothing); then it becomes a real run against the
# bundled fake fal server.
set -eu
cd "$(dirname "$0")/.."
sh scripts/fixtures.sh
echo "== dubbatch validate manifests/demo.yaml"
rc=0
./build/dubbatch validate manifests/demo.yaml || rc=$?
# 1 means "some jobs rejected": the demo has one on purpose.
[ "$rc" -le 1 ] || exit "$rc"

#!/bin/sh
# Installs the Debian packages that building, testing, the fixtures and the
# demo need (node, npm and python3 come with the machine; the tests check
# manifests/schema.json with Debian's python3-jsonschema and python3-yaml,
# the installed manual and completion with man-db and zsh; the long-scene
# fixtures speak with espeak-ng, cut with sox and draw with DejaVu).
# Idempotent: packages already present are not fetched again, and the
# package lists are refreshed at most once per run.
set -eu

pkgs="build-essential pkg-config
libavformat-dev libavcodec-dev libavfilter-dev libswscale-dev
libswresample-dev libavutil-dev libcurl4-openssl-dev libcjson-dev
libyaml-dev libsqlite3-dev sqlite3 ffmpeg chromium clang
libclang-rt-14-dev hyperfine python3-jsonschema python3-yaml
man-db groff-base zsh espeak-ng sox fonts-dejavu-core"

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
echo "deps.sh: installing:$missing" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing

# dubbatch's fal client (remote.c, http.c, fal.c) against the fake fal
# server: the happy path for both endpoints, every injected fault retried or
# failed as fal-protocol.md says, lost submit replies reconciled without
# paying twice, redirects, proxies, and the key kept secret.
. "$TOP/tests/lib.sh"

FC="$TOP/$BUILD/tool_falclient"
KEY="testid:s3cr3t-canary-$$"
V="$FIX/ok_1080p_5s.mp4"
A="$FIX/speech.mp3"
A2V=fal-ai/kling-video/lipsync/audio-to-video

# Every output of the client is kept, to look for the key at the end.
fc() {
    "$FC" "$@" >"$T/fc.out" 2>"$T/fc.err"
    rc=$?
    cat "$T/fc.out"
    cat "$T/fc.err" >&2
    { echo "== $*"; cat "$T/fc.out" "$T/fc.err"; } >>"$T/all.log"
    return $rc
}
start() {
    [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
    [ -f "$T/fake.log" ] && cat "$T/fake.log" >>"$T/all.log"
    fakefal_start --key "$KEY" --job-seconds 0.2 --output copy "$@"
    export FAL_KEY="$KEY" FAL_QUEUE_URL="$FAKE_URL" FAL_REST_URL="$FAKE_URL" FAL_API_URL="$FAKE_URL"
}
is_video() {
    ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 "$2" 2>/dev/null | grep -q . \
        && pass "$1" || fail "$1" "$2 is not a video"
}
# A loopback port nothing listens on.
closed_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start
expect_exit "a2v job: upload, submit, poll, result, download" 0 fc job "$V" "$A" "$T/out.mp4"
is_video "a2v job: the result is a real video" "$T/out.mp4"
[ ! -e "$T/out.mp4.part" ] && pass "a2v job: no .part left" || fail "a2v job: no .part left"
contains "a2v job: fal's logs are read" "$T/out" "Starting Kling LipSync"
contains "a2v job: the result's File and fal's request id" "$T/out" "(video/mp4, "
expect_exit "t2v job" 0 fc tts "$V" "Hello from dubbatch" uk_man2 "$T/tts.mp4"
is_video "t2v job: the result is a real video" "$T/tts.mp4"
expect_exit "a model rejection fails the job" 1 fc job "$FIX/small_640x360.mp4" "$A" "$T/x.mp4"
contains "a model rejection carries fal's words and request id" "$T/err" \
    "HTTP 422: video_url: Video width and height must be 720-1920px, got 640x360 (image_too_small) [request"
stat_is "no submission was duplicated" "d['duplicates'] == 0"
expect_exit "the listing is read page by page" 0 fc list "$A2V" 600
contains "the listing has every job, with its input" "$T/out" '"audio_url":"http://127.0.0.1'
[ "$(grep -c '^listed ' "$T/out")" -eq 2 ] && grep -q '^pages 1$' "$T/out" \
    && pass "the listing holds the two a2v jobs" || fail "the listing holds the two a2v jobs" "$(cat "$T/out")"

# Transient faults on every route are retried until they pass.
for f in initiate:502:count=2 initiate:500:count=1 upload:503:count=2 upload:drop:count=1 \
         submit:429:count=2 submit:503ingress:count=2 status:500:count=2 status:502:count=1 \
         status:503:count=1 status:504:count=1 status:429:count=1 status:drop:count=2 \
         status:slow:count=1:delay=0.5 result:502:count=2 result:503:count=1 result:drop:count=1 \
         cdn:503:count=1 cdn:drop:count=1 cdn:truncate:count=1 \
         status:html502:count=2 result:500:count=3 result:reset:count=1 initiate:html502:count=1 \
         upload:xml503:count=2 upload:xmltimeout:count=1 upload:reset:count=1 \
         cdn:xml500:count=2 cdn:reset:count=1 cdn:slowbody:count=1:rate=200000; do
    start --fault "$f"
    expect_exit "fault $f is retried" 0 fc job "$V" "$A" "$T/f.mp4"
    is_video "fault $f: the result is whole" "$T/f.mp4"
done
start --fault submit:429:count=2
fc job "$V" "$A" "$T/f.mp4" >/dev/null 2>&1
stat_is "a 429'd submit is sent again and created once" \
    "d['status_codes']['submit'].get('429') == 2 and d['jobs'] == 1 and d['duplicates'] == 0"
start --fault submit:503ingress:count=1
fc job "$V" "$A" "$T/f.mp4" >/dev/null 2>&1
stat_is "an ingress 503 (no fal request id) is resent at once, created once" \
    "d['requests']['submit'] == 2 and d['requests'].get('list', 0) == 0 and d['jobs'] == 1"

# A listing that fails for a while is retried like any idempotent call.
start --fault submit:lost:count=1 --fault list:500:count=2 --fault list:429:count=1
expect_exit "listing faults are retried during a reconcile" 3 fc job "$V" "$A" "$T/l.mp4"
stat_is "listing faults: the job was still submitted once" "d['jobs'] == 1 and d['requests']['submit'] == 1"

# A submit whose reply is lost is found again in the listing, never resent.
start --fault submit:lost:count=1
expect_exit "lost submit reply: reconciled and adopted" 3 fc job "$V" "$A" "$T/lost.mp4"
contains "lost submit reply: outcome unknown, not sent again" "$T/out" "the request may have arrived: not sent again"
contains "lost submit reply: adopted from the listing" "$T/out" "adopted"
is_video "lost submit reply: the adopted job's result arrives" "$T/lost.mp4"
stat_is "lost submit reply: exactly one submission at fal" \
    "d['jobs'] == 1 and d['duplicates'] == 0 and d['requests']['submit'] == 1 and d['requests']['list'] >= 1"
# Several jobs on the listing's pages (3 a page): the right one is found.
start
fc job "$V" "$A" "$T/a.mp4" >/dev/null 2>&1
fc job "$V" "$A" "$T/b.mp4" >/dev/null 2>&1
fc tts "$V" "Another job" uk_man2 "$T/b.mp4" >/dev/null 2>&1
fc job "$FIX/small_640x360.mp4" "$A" "$T/c.mp4" >/dev/null 2>&1
curl -s -X POST -d '["submit:lost:count=1"]' "$FAKE_URL/__faults" >/dev/null
expect_exit "lost reply among other jobs: adopted" 3 fc job "$V" "$A" "$T/lost2.mp4"
id=$(sed -n 's/^adopted //p' "$T/out")
fakefal_stats >"$T/stats.json"
python3 - "$FAKE_URL" "$id" "$KEY" >"$T/which" <<'PY'
import json, sys, urllib.request
url, rid, key = sys.argv[1:]
# The adopted request is the last a2v one sent: the one whose reply was lost.
req = urllib.request.Request(url + "/v1/models/requests/by-endpoint?endpoint_id="
                             "fal-ai%2Fkling-video%2Flipsync%2Faudio-to-video&limit=3&cursor=3",
                             headers={"Authorization": "Key " + key})
items = json.load(urllib.request.urlopen(req))["items"]
print("ok" if items and items[-1]["request_id"] == rid else "wrong %s %s" % (rid, items))
PY
contains "lost reply among other jobs: the lost one, on the second page, is adopted" "$T/which" "ok"
stat_is "lost reply among other jobs: both listing pages read, not sent again" \
    "d['requests']['list'] >= 2 and d['requests']['submit'] == 5 and d['jobs'] == 5"

for f in submit:500 submit:502 submit:504 submit:503 submit:drop; do
    start --fault "$f:count=1"
    expect_exit "a submit answered $f is not resent blindly" 0 fc job "$V" "$A" "$T/x.mp4"
    contains "$f: reconciled, and resent only when fal never had it" "$T/out" \
        "not found in fal's listing: submitting again"
    stat_is "$f: one job at fal, the listing consulted first" \
        "d['requests']['submit'] == 2 and d['jobs'] == 1 and d['requests']['list'] >= 1"
done

# Model failures: COMPLETED with an error, and the result replays it.
start --fault model:faildetail:count=1
expect_exit "a model failure (detail list) fails the job" 1 fc job "$V" "$A" "$T/x.mp4"
contains "model failure: status says COMPLETED with the error" "$T/out" "status COMPLETED error: No face detected"
contains "model failure: fal's words" "$T/err" "No face detected in the video (face_detection_error)"
start --fault model:failstring:count=1
expect_exit "a model failure (detail string) fails the job" 1 fc job "$V" "$A" "$T/x.mp4"
contains "model failure (string): fal's words" "$T/err" "HTTP 422: Generation failed"
start --fault model:timeout:count=1
expect_exit "a model timeout fails after the result's retries" 1 fc job "$V" "$A" "$T/x.mp4"
contains "model timeout: the flat error and its type" "$T/err" "Request timed out (request_timeout)"
stat_is "job outcomes are counted" "d['outcomes'].get('failed') == 1"
start --fault model:fail:count=1
expect_exit "a model failure fails the job" 1 fc job "$V" "$A" "$T/x.mp4"
contains "a model failure carries fal's request id" "$T/err" "[request "

# Permanent failures fail at once with fal's message.
start --fault result:expire:count=1
expect_exit "an expired result fails" 1 fc job "$V" "$A" "$T/x.mp4"
contains "an expired result says so" "$T/err" "Request not found or expired"
stat_is "an expired result is asked for once" "d['requests']['result'] == 1"
start --fault submit:403:count=1
expect_exit "a locked account fails the submit" 1 fc job "$V" "$A" "$T/x.mp4"
contains "a locked account says why" "$T/err" "Exhausted balance"
stat_is "a 403'd submit is sent once" "d['requests']['submit'] == 1"
start --fault upload:expired:count=1
expect_exit "an expired signed upload URL is initiated anew" 0 fc upload "$A" audio/mpeg
stat_is "an expired upload URL: a fresh one, then the PUT" \
    "d['status_codes']['upload'] == {'403': 1, '200': 1} and d['requests']['initiate'] == 2"
start --fault upload:expired:p=1
expect_exit "a storage that refuses every fresh URL fails the upload" 1 fc upload "$A" audio/mpeg
stat_is "... after a bounded number of fresh URLs" "d['requests']['initiate'] == 4"
start --fault status:401:count=1
expect_exit "a 401 on a status poll fails at once" 1 fc job "$V" "$A" "$T/x.mp4"
stat_is "a 401'd status poll is not retried" "d['requests']['status'] == 1"
start
FAL_KEY="testid:wrong" expect_exit "a wrong key fails" 1 fc job "$V" "$A" "$T/x.mp4"
contains "a wrong key gets fal's 401" "$T/err" "HTTP 401: No user found for Key ID and Secret"
start
FAL_KEY="no-colon" expect_exit "a malformed key is refused before sending" 2 fc upload "$A" audio/mpeg
lacks "a malformed key is not echoed" "$T/err" "no-colon"
stat_is "a malformed key never reached the fake" "d['requests'].get('initiate', 0) == 0"
start --concurrency 0
expect_exit "a cancelled queued job ends failed" 1 fc job "$V" "$A" "$T/c.mp4" --cancel
contains "cancel: fal's 202 is read as requested" "$T/out" "cancel HTTP 202: requested"
contains "cancel: the result says it was cancelled" "$T/err" "Request cancelled by the client (client_cancelled)"
start

# Downloads: an error reply is reported, never written into the file.
expect_exit "a missing CDN file is a download failure" 0 fc get "$FAKE_URL/cdn/nope/x.mp4" --download "$T/nope.part"
contains "a CDN 404 says what came back, and from where" "$T/out" \
    "fal download: HTTP 404: non-JSON reply (text/plain, 9 bytes) from $FAKE_URL"
[ -f "$T/nope.part" ] && [ ! -s "$T/nope.part" ] && pass "a CDN 404 page is not written into the file" \
    || fail "a CDN 404 page is not written into the file" "$(ls -l "$T/nope.part")"

# http_abort_all ends a transfer and calls its callback once.
start --fault status:slow:count=1:delay=2
expect_exit "abort: a slow transfer is ended" 0 fc abort "$FAKE_URL/fal-ai/kling-video/requests/00000000-0000-0000-0000-000000000000/status" --auth
contains "abort: the callback ran, flagged aborted, the request had left" "$T/out" "aborted 1 maybe_sent 1 pending 0"
start

# Multipart: a file over 90 MiB goes up in 10 MiB parts and comes back whole.
head -c $((95 * 1024 * 1024 + 777)) /dev/urandom >"$T/big.bin"
fc upload "$T/big.bin" application/octet-stream >"$T/up.out" 2>&1
url=$(sed -n 's/^uploaded //p' "$T/up.out")
curl -s -o "$T/big.back" "$url"
[ -n "$url" ] && cmp -s "$T/big.bin" "$T/big.back" && pass "multipart upload arrives byte for byte" \
    || fail "multipart upload arrives byte for byte" "$(cat "$T/up.out")"
stat_is "multipart upload: 10 parts and the completion" "d['status_codes']['upload'].get('200', 0) == 11"
rm -f "$T/big.bin" "$T/big.back"

# Redirects: a request carrying the key never follows one.
start
RP=$(closed_port)
python3 - "$RP" "$FAKE_URL" "$T/redir.log" >/dev/null 2>&1 <<'EOF' &
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port, target, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        with open(log, "a") as f:
            f.write("%s auth=%s\n" % (self.path, "yes" if self.headers.get("Authorization") else "no"))
        self.send_response(302)
        self.send_header("Location", target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_POST = do_GET
    def log_message(self, *a):
        pass
HTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
RPID=$!
i=0; while ! curl -s -o /dev/null "http://127.0.0.1:$RP/" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
FAL_QUEUE_URL="http://127.0.0.1:$RP" expect_exit "an authorized request does not follow a redirect" 0 \
    fc get "http://127.0.0.1:$RP/fal-ai/kling-video/requests/x/status" --auth
contains "the redirect is reported, not followed" "$T/out" "HTTP 302: a redirect, not followed"
stat_is "the redirect's target never saw the request" "d['requests'].get('other', 0) == 0 and d['requests'].get('status', 0) == 0"
expect_exit "a download is not redirected to plain http" 0 fc get "http://127.0.0.1:$RP/cdn/x" --download "$T/r.part"
contains "a redirect to http is refused even without the key, once" "$T/out" "verdict 2"
contains "the refusal says why" "$T/out" 'Protocol "http" not supported'
[ ! -s "$T/r.part" ] && pass "nothing was written for a refused redirect" || fail "nothing was written for a refused redirect"
stat_is "the fake saw no redirected download" "d['requests'].get('cdn', 0) == 0"
kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null

# Proxies: the usual variables are honoured; loopback never goes through one.
PP=$(closed_port)
https_proxy="http://127.0.0.1:$PP" FAL_REST_URL=https://rest.fal.ai \
    expect_exit "https_proxy is honoured" 1 fc upload "$A" audio/mpeg
contains "https_proxy: the proxy is what was dialled" "$T/err" "127.0.0.1 port $PP"
lacks "https_proxy: fal's host was not looked up directly" "$T/err" "resolve host"
http_proxy="http://127.0.0.1:$PP" HTTP_PROXY="http://127.0.0.1:$PP" ALL_PROXY="http://127.0.0.1:$PP" \
    expect_exit "loopback bypasses every proxy" 0 fc job "$V" "$A" "$T/p.mp4"

# Security: the key only ever goes to fal's API origins, and is never shown.
stat_is "no Authorization header reached storage or the CDN" "d['violations'] == []"
cat "$T/fake.log" >>"$T/all.log"
if grep -rl -- "$KEY" "$T" 2>/dev/null | grep -v "fake.port" | grep -q .; then
    fail "the key appears in no output or log" "$(grep -rl -- "$KEY" "$T")"
else
    pass "the key appears in no output or log"
fi
grep -q "s3cr3t" "$T/all.log" && fail "not even the secret half appears" || pass "not even the secret half appears"
runs=$(grep -c '^== ' "$T/all.log")
[ "$runs" -ge 50 ] && pass "the key check saw every run ($runs)" || fail "the key check saw every run" "only $runs"
FAL_QUEUE_URL="http://example.com" expect_exit "http:// to a non-loopback host is refused" 2 fc upload "$A" audio/mpeg
contains "http:// refusal says why" "$T/err" "only https:// (or http:// to loopback)"
FAL_REST_URL="file:///etc" expect_exit "file:// is refused" 2 fc upload "$A" audio/mpeg
expect_exit "a file:// URL is refused at the transport too" 2 fc get "file:///etc/passwd"
expect_exit "http:// to a private address is refused" 2 fc get "http://10.0.0.1/x" --auth
expect_exit "a URL with user info is refused" 2 fc get "https://user:pw@127.0.0.1/x"
echo "$KEY" >"$T/key"
chmod 644 "$T/key"
FAL_KEY= FAL_KEY_FILE="$T/key" expect_exit "a key file others can read is refused" 2 fc upload "$A" audio/mpeg
chmod 600 "$T/key"
FAL_KEY= FAL_KEY_FILE="$T/key" expect_exit "a private key file is used" 0 fc upload "$A" audio/mpeg
rm -f "$T/key"
